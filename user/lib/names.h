/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one table per kind of name: event types, actions, hooks, enforcement
 * mechanisms and loss sources, as they appear in events, policies, metrics
 * and the socket protocol. Each *_name() returns a fixed string ("unknown"
 * or NULL where said) and each *_parse() the enum value or -1.
 */
#ifndef RTG_NAMES_H
#define RTG_NAMES_H

#include <stdint.h>

#include "events.h"
#include "rules.h"

/* Sources of counted losses (rtguard_events_lost_total{source}). */
enum rtg_loss {
	RTG_LOSS_RB_EXEC = 0, /* "ringbuf:exec": ring buffer full */
	RTG_LOSS_RB_EXIT,
	RTG_LOSS_RB_OPEN,
	RTG_LOSS_RB_CONNECT,
	RTG_LOSS_FANOTIFY,   /* "fanotify": denial records the loop missed */
	RTG_LOSS_SUBSCRIBER, /* "subscriber": lines a cut-off client lost */
	RTG_LOSS_DECODE,     /* "decode": malformed records */
	RTG_NLOSS,
};

const char *type_name(int type); /* "exec", ..., "lost"; "unknown" */
int type_parse(const char *s);
const char *action_name(int action); /* "allow", "audit", "deny", "kill" */
int action_parse(const char *s);
/* "exec", "open", "connect": for parsers that take a table */
extern const char *const rtg_hook_names[RTG_NHOOKS];
const char *hook_name(int hook); /* one of them; "?" */
int hook_parse(const char *s);
const char *mech_name(int mech); /* "lsm", ..., NULL for none */
const char *mech_label(int mech); /* the same, "none" for none */
const char *loss_name(int src); /* "ringbuf:exec", ..., "unknown" */

#endif
