/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a hook does with its verdict: a tracepoint carries out deny and
 * kill with SIGKILL (enforce_kill), and every hook reports through one
 * record (events.h): the header, the verdict, then either emit(), for a
 * record built in the per-CPU scratch_ev buffer whose size varies per
 * event (copied in by bpf_ringbuf_output()), or EMIT_RESERVE() and
 * emit_submit() for one of a fixed size, built in place in the ring.
 * Audit records go to the `events` ring, deny/kill records to
 * `enforce_events`.
 */
#ifndef RTG_EMIT_BPF_H
#define RTG_EMIT_BPF_H

#include "maps.bpf.h"

#define SIGKILL 9

/* The header of a record for the current task; st is its procs entry
 * (NULL when the process is unknown: RTG_F_NO_PROC). */
static __always_inline void fill_hdr(struct rtg_hdr *h, __u8 type,
				     struct task_struct *task,
				     const struct rtg_proc_state *st, __u64 now)
{
	__u64 pt = bpf_get_current_pid_tgid();
	__u64 ug = bpf_get_current_uid_gid();

	h->type = type;
	h->time_ns = now;
	h->pid = pt >> 32;
	h->tid = (__u32)pt;
	h->uid = (__u32)ug;
	h->gid = ug >> 32;
	h->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(h->comm, sizeof(h->comm));
	h->flags = 0;
	h->pad = 0;
	if (st) {
		h->exec_ktime = st->exec_ktime;
		h->parent_exec_ktime = st->parent_exec_ktime;
		h->ppid = st->ppid;
	} else {
		h->exec_ktime = 0;
		h->parent_exec_ktime = 0;
		h->ppid = BPF_CORE_READ(task, real_parent, tgid);
		h->flags |= RTG_F_NO_PROC;
	}
}

static __always_inline void set_verdict(struct rtg_hdr *h,
					const struct rtg_verdict *v,
					__u32 gen, bool enforced)
{
	h->action = v->action;
	h->mech = v->mech;
	h->rule = v->rule;
	h->gen = gen;
	if (enforced)
		h->flags |= RTG_F_ENFORCED;
}

/* Tracepoint-side enforcement of a deny/kill verdict: the operation already
 * happened, so the process is killed before it returns to user space. */
static __always_inline bool enforce_kill(struct rtg_verdict *v)
{
	if (v->action < RTG_ACT_DENY)
		return false;
	if (CFG(dry_run))
		return false;
	bpf_send_signal(SIGKILL);
	v->action = RTG_ACT_KILL;
	v->mech = RTG_MECH_SIGKILL;
	return true;
}

/* A deny or kill record, or an exec whose verdict user space finishes
 * (an `args` rule may kill it): it goes to the enforce_events ring. */
static __always_inline bool enforce_record(const void *rec)
{
	const struct rtg_hdr *h = rec;

	return h->action >= RTG_ACT_DENY || (h->flags & RTG_F_ARGS_PENDING);
}

/* Audit records: waking the consumer costs an IPI per record (~10 us in a
 * VM, measured by the bench), so it is woken only once an eighth of the
 * ring (at most 64 KiB) waits, counting a record of size about to go in;
 * the agent also drains on a short timer, so a lone record is late by at
 * most that period. */
static __always_inline __u64 audit_wakeup(__u32 size)
{
	__u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	__u64 limit = bpf_ringbuf_query(&events, BPF_RB_RING_SIZE) / 8;

	if (limit > 65536)
		limit = 65536;
	return avail + size >= limit ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

/* Every record built in scratch goes out here, copied into one of two
 * rings (maps.bpf.h): the records whose size is known only once they are
 * built (exec, open, the paths of the others).
 *
 * Enforcement records are few and matter now: the default wake-up, which
 * wakes the consumer when it has caught up (once per burst). */
static __always_inline void emit(void *rec, __u32 size, __u8 type)
{
	if (enforce_record(rec)) {
		if (bpf_ringbuf_output(&enforce_events, rec, size, 0))
			stat_inc(RTG_STAT_LOST_ENFORCE);
		else
			stat_inc(RTG_STAT_EMITTED_OF(type));
		return;
	}
	if (bpf_ringbuf_output(&events, rec, size, audit_wakeup(size)))
		stat_inc(RTG_STAT_LOST_OF(type));
	else
		stat_inc(RTG_STAT_EMITTED_OF(type));
}

/* A record of a fixed size (connect, exit) is built in place in its ring,
 * without scratch or a copy: EMIT_RESERVE(ptr, type, enforce) reserves
 * sizeof(*ptr) in enforce_events (enforce: a deny or kill record) or
 * events, and leaves ptr NULL, the loss counted, when the ring is full;
 * emit_submit() then sends what was filled in. A macro: the reservation's
 * size must be a constant the verifier sees. */
#define EMIT_RESERVE(ptr, type, enforce)                                       \
	do {                                                                   \
		(ptr) = bpf_ringbuf_reserve(                                   \
		    (enforce) ? (void *)&enforce_events : (void *)&events,     \
		    sizeof(*(ptr)), 0);                                        \
		if (!(ptr))                                                    \
			stat_inc((enforce) ? RTG_STAT_LOST_ENFORCE             \
					   : RTG_STAT_LOST_OF(type));          \
	} while (0)

static __always_inline void emit_submit(void *rec, __u8 type, bool enforce)
{
	/* the reservation already counts in the ring's data */
	bpf_ringbuf_submit(rec, enforce ? 0 : audit_wakeup(0));
	stat_inc(RTG_STAT_EMITTED_OF(type));
}

#endif
