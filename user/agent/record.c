// SPDX-License-Identifier: GPL-2.0
/*
 * From a record to an event line: records come from the ring buffer and
 * from the enforcer (denials it answered), are decoded (user/lib/decode.h),
 * get the decision of an exec `args` rule finished, are counted, get their
 * workload and ancestry (workloads.c), written to the output and published
 * to the socket's subscribers. Cgroup records only feed workloads.c. Drops counted
 * elsewhere (kernel, enforcer, subscribers) become `lost` events here too.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "agent.h"
#include "decode.h"
#include "enforce.h"
#include "log.h"
#include "maps.h"
#include "output.h"
#include "policy_compile.h"
#include "policy_selector.h"
#include "proc_cache.h"
#include "server.h"

static void emit(struct agent *a, const struct rtg_event_view *ev)
{
	output_event(a->out, ev);
	server_publish(a->srv, ev, a->out);
}

/* The hook whose rule the event names: its type's, but an exec rule's
 * for a mapping an exec rule stopped (bpf/mmap.bpf.c). */
static int hook_of(const struct rtg_event_view *ev)
{
	if (ev->type == RTG_EV_MMAP_EXEC && (ev->flags & RTG_F_EXEC_RULE))
		return RTG_HOOK_EXEC;
	return type_hook(ev->type);
}

/* An exec that an `args` rule may decide: finish the decision here. */
static void exec_args_decide(struct agent *a, struct rtg_event_view *ev,
			     const void *data, size_t size)
{
	const struct rtg_exec *e = data;
	const struct rtg_compiled *c = a->comp[ev->gen & 1];
	const char *args;
	struct rtg_verdict v;
	size_t off;

	if (!c || size < sizeof(*e))
		return;
	off = (size_t)e->binary_len + e->script_len + e->cwd_len;
	if (off + e->args_len > size - sizeof(*e))
		return;
	args = e->data + off;
	policy_decide_selected(c, agent_selectors_applies(a, ev), e->cand_m,
			       e->cand_u, args, e->args_len, &v);
	ev->action = v.action;
	ev->mech = v.mech;
	ev->rule = v.rule;
	ev->enforced = false;
	if (v.action >= RTG_ACT_DENY && !a->opts.dry_run) {
		/* the image runs already: kill it, if it is still this one */
		int pfd = syscall(SYS_pidfd_open, ev->pid, 0);
		const struct rtg_proc_info *pi = proc_cache_get(a->pc, ev->pid);

		if (pfd >= 0 && pi && pi->exec_ktime == e->hdr.exec_ktime &&
		    !syscall(SYS_pidfd_send_signal, pfd, SIGKILL, NULL, 0)) {
			ev->enforced = true;
			ev->action = RTG_ACT_KILL;
			ev->mech = RTG_MECH_SIGKILL;
		}
		if (pfd >= 0)
			close(pfd);
	}
}

static void handle_record(struct agent *a, const void *data, size_t size)
{
	const struct rtg_compiled *c;
	struct rtg_event_view ev;
	int hook, err;

	if (agent_workloads_record(a, data, size))
		return; /* a cgroup came or went: not an event */
	err = event_decode(a->dec, data, size, &ev);
	if (err) {
		a->stats.lost[RTG_LOSS_DECODE]++;
		log_debug("malformed record of %zu bytes: %s", size,
			  strerror(-err));
		return;
	}
	if (ev.type == RTG_EV_EXEC &&
	    (ev.flags & (RTG_F_ARGS_PENDING | RTG_F_SEL_HELD)) ==
		RTG_F_ARGS_PENDING)
		exec_args_decide(a, &ev, data, size);
	agent_selectors_exec(a, &ev, data, size); /* selectors.c */
	/* allowed execs come only to keep the process cache current */
	if (ev.action < RTG_ACT_AUDIT)
		return;
	hook = hook_of(&ev);
	c = a->comp[ev.gen & 1];
	ev.policy = NULL;
	ev.rule_name = NULL;
	if (hook >= 0 && ev.rule != RTG_RULE_NONE && c)
		ev.rule_name = policy_rule_name(c, hook, ev.rule, &ev.policy);
	if (ev.type < RTG_EV_MAX && ev.action < 4)
		a->stats.events[ev.type][ev.action]++;
	agent_workloads_event(a, &ev);
	emit(a, &ev);
}

int agent_on_ringbuf(void *ctx, void *data, size_t size)
{
	struct agent *a = ctx;

	handle_record(a, data, size);
	/* libbpf counts this record consumed and stops here */
	return ++a->batch >= AGENT_BATCH ? -EAGAIN : 0;
}

/* Consumes what each ring holds, in batches: the audit ring first (a deny
 * usually follows the exec that introduced its process), then the
 * enforcement ring, whose turn thus comes after at most one batch however
 * many audit records wait. 0 when both are drained, -EAGAIN when a batch
 * ended with more waiting, or a negative errno. */
int agent_consume(struct agent *a)
{
	int r, more = 0;

	a->batch = 0;
	r = ring_buffer__consume(a->rb);
	if (r == -EAGAIN)
		more = r;
	else if (r < 0)
		return r;
	a->batch = 0;
	r = ring_buffer__consume(a->rb_enforce);
	if (r == -EAGAIN)
		more = r;
	else if (r < 0)
		return r;
	return more;
}

void agent_on_denial(void *ctx, const void *rec, size_t size)
{
	handle_record(ctx, rec, size);
}

/* A `lost` event for n drops at source src (enum rtg_loss). */
static void emit_lost(struct agent *a, int src, uint64_t n)
{
	struct rtg_event_view ev;

	event_view_lost(a->dec, n, loss_name(src), &ev);
	emit(a, &ev);
}

void agent_report_losses(struct agent *a)
{
	uint64_t n, full;
	int t, src;

	for (t = RTG_EV_EXEC; t < RTG_EV_MAX; t++) {
		src = type_loss(t);
		if (src < 0)
			continue;
		n = maps_stat(a->skel, RTG_STAT_LOST_OF(t));
		if (n > a->last_lost[t]) {
			emit_lost(a, src, n - a->last_lost[t]);
			a->stats.lost[src] += n - a->last_lost[t];
			a->last_lost[t] = n;
		}
	}
	n = maps_stat(a->skel, RTG_STAT_LOST_ENFORCE);
	if (n > a->last_lost_enforce) {
		emit_lost(a, RTG_LOSS_RB_ENFORCE, n - a->last_lost_enforce);
		a->stats.lost[RTG_LOSS_RB_ENFORCE] += n - a->last_lost_enforce;
		a->last_lost_enforce = n;
	}
	full = maps_stat(a->skel, RTG_STAT_PROCS_FULL);
	if (full > a->last_procs_full) {
		log_warn("procs map full: %llu processes not tracked in the kernel",
			 (unsigned long long)(full - a->last_procs_full));
		a->last_procs_full = full;
	}
	n = a->enf ? enforcer_lost(a->enf) : 0;
	if (n) {
		emit_lost(a, RTG_LOSS_FANOTIFY, n);
		a->stats.lost[RTG_LOSS_FANOTIFY] += n;
	}
	n = server_take_lost(a->srv);
	if (n)
		emit_lost(a, RTG_LOSS_SUBSCRIBER, n);
}

int agent_open_output(struct agent *a)
{
	int fmt = a->opts.output_format;
	FILE *f = stdout;

	if (a->opts.output_file) {
		f = fopen(a->opts.output_file, "ae");
		if (!f) {
			log_err("cannot open --output-file %s: %s",
				a->opts.output_file, strerror(errno));
			return -errno;
		}
		a->out_file = f;
	}
	/* block-buffered: written out after each ring-buffer batch (and at
	 * least once a second), not one write(2) per event. The buffer is
	 * ours: given NULL, glibc ignores the size and buffers one block
	 * (4 KiB, a write(2) per 7 events of a storm). */
	a->out_buf = malloc(AGENT_OUT_BUF);
	if (!a->out_buf)
		return -ENOMEM;
	setvbuf(f, a->out_buf, _IOFBF, AGENT_OUT_BUF);
	if (fmt < 0)
		fmt = isatty(fileno(f)) ? OUTPUT_COMPACT : OUTPUT_JSON;
	a->out = output_new(fmt, f);
	if (a->out && a->opts.output_max_bytes)
		output_set_rotation(a->out, a->opts.output_file,
				    a->opts.output_max_bytes,
				    a->opts.output_keep);
	return a->out ? 0 : -ENOMEM;
}

/* The same FILE gets a new descriptor (user/lib/rotate.h): a failed open
 * leaves the old file in use rather than a closed stream. */
void agent_reopen_output(struct agent *a)
{
	int err;

	if (!a->opts.output_file)
		return;
	err = output_reopen(a->out, a->opts.output_file);
	if (err) {
		log_err("cannot reopen %s: %s", a->opts.output_file,
			strerror(-err));
		return;
	}
	log_info("reopened %s", a->opts.output_file);
}
