/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Deny through fanotify permission events, for exec/open rules on `equal`
 * paths where BPF LSM is not available (the second enforcement tier, see
 * README.md "Enforcement backends and their limits"). A thread owns the
 * fanotify group: it marks exactly the inodes of those paths, answers every
 * permission event at once from the same rule maps the BPF side reads, and
 * hands a record of each denial to the main loop over a socketpair; the
 * main loop passes them on to its sink (enforcer_drain()).
 *
 * Fail-open: if the agent dies, the kernel drops the group and its marks and
 * lets pending opens through; an event the thread cannot decide (process
 * gone, map error) is allowed and counted. A file replaced under a marked
 * path (rename over it) is re-marked within a second; in that window the
 * open tracepoint still sees the open and kills the process.
 */
#ifndef RTG_ENFORCE_H
#define RTG_ENFORCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct enforcer;
struct rtg_compiled;
struct rtg_map_fds;

/* Creates the fanotify group (needs CAP_SYS_ADMIN); enforcer_run() then
 * marks the paths and starts the thread. A group without paths costs
 * nothing and lets a reload add the first `equal` rule after the agent has
 * given up CAP_SYS_ADMIN. */
struct enforcer *enforcer_start(const struct rtg_compiled *c, uint8_t gen,
				const struct rtg_map_fds *fds, int procs_fd,
				bool dry_run);
int enforcer_run(struct enforcer *e);
/* New policies: re-mark (old marks are removed, new paths marked). */
void enforcer_update(struct enforcer *e, const struct rtg_compiled *c,
		     uint8_t gen);
/* Where denial records go: one record at a time, in the layout the ring
 * buffer carries (bpf/events.h), on the thread that calls enforcer_drain(). */
typedef void (*enforcer_sink_fn)(void *ctx, const void *rec, size_t size);
/* fd that becomes readable when denial records wait; enforcer_drain() hands
 * every waiting one to sink. */
int enforcer_fd(const struct enforcer *e);
void enforcer_drain(struct enforcer *e, enforcer_sink_fn sink, void *ctx);
/* denial records dropped since the last call (main loop too slow) */
uint64_t enforcer_lost(struct enforcer *e);
void enforcer_stop(struct enforcer *e); /* accepts NULL */

#endif
