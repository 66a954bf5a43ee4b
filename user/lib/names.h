/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one table per kind of name: event types, actions, hooks, enforcement
 * mechanisms, loss sources, protocols and open(2) flags, as they appear in
 * events, policies, metrics and the socket protocol. Each *_name() returns a
 * fixed string ("unknown" or NULL where said) and each *_parse() the enum
 * value or -1.
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
	RTG_LOSS_RB_ENFORCE, /* "ringbuf:enforce": deny/kill records dropped */
	RTG_LOSS_FANOTIFY,   /* "fanotify": denial records the loop missed */
	RTG_LOSS_SUBSCRIBER, /* "subscriber": lines a cut-off client lost */
	RTG_LOSS_DECODE,     /* "decode": malformed records */
	RTG_LOSS_RB_MORE,    /* "ringbuf:ptrace", ... per type from
			      * RTG_EV_FIRST_MORE to RTG_EV_IO_URING */
	RTG_NLOSS = RTG_LOSS_RB_MORE + RTG_EV_IO_URING + 1 - RTG_EV_FIRST_MORE,
};

/* Event types that reach outputs and counters (not `lost`, nor the unix
 * connect record, which is a `connect` event), for loops over types. */
static inline int type_is_event(int t)
{
	return t >= RTG_EV_EXEC && t < RTG_EV_MAX && t != RTG_EV_LOST &&
	       t != RTG_EV_CONNECT_UNIX;
}

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
/* The hook whose rules decide records of type t (RTG_EV_*), -1: none. */
int type_hook(int type);
/* The loss source (enum rtg_loss) of ring-buffer drops of records of type
 * t, -1: none. */
int type_loss(int type);

/* The operations of a hook after connect (rtg_more.op; the values of the
 * `syscall` key, ptrace's `request`), *n of them; NULL for other hooks. */
const char *const *op_names(int hook, int *n);
const char *op_name(int hook, int op); /* NULL when unknown */
/* The values of the `flags` key of namespace (CLONE_NEWNS, ...) and cred
 * (root, uid, gid, caps) rules, bit i = name i; NULL for other hooks. */
const char *const *xflag_names(int hook, int *n);
/* enum bpf_prog_type as bpftool names it ("kprobe"), NULL when unknown */
const char *prog_type_name(uint32_t type);

/* Protocols as rules and events name them, in the order of the hookset's
 * proto_m/proto_u and of struct rtg_facts.proto: 0 tcp, 1 udp. */
#define RTG_NPROTOS 2
extern const char *const rtg_proto_names[RTG_NPROTOS];
const char *proto_name(int ipproto); /* IPPROTO_TCP -> "tcp"; NULL */

/* Names of open(2) flags: the access mode first (O_RDONLY, O_WRONLY,
 * O_RDWR), then the other set flags in a fixed order. Bits without a name
 * are returned in *unknown (may be NULL). Returns the number of names
 * (at most max written). */
int open_flags_decode(uint32_t flags, const char **names, int max,
		      uint32_t *unknown);
#define OPEN_FLAGS_MAX 20

#endif
