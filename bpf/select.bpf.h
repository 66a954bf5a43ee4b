/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Workload selectors in the hooks (select.h): which policies apply to the
 * current task. Policies without a selector always apply; a scoped policy
 * applies to a process outside containers (the initial pid namespace, as
 * the `container` match key has it) when its selector matches the host,
 * and to a container's process when sel_cgroup[{cgroup, gen}] has its bit.
 *
 * A container cgroup without an entry is not classified yet (its
 * workload's files are read by user space when the cgroup appears, which
 * may be after the container's first exec). There the exec hook evaluates
 * the scoped policies as if all were selected: when one of them would deny
 * or kill, the exec is held, the task gets SIGSTOP (it stops before the
 * new image's first instruction) and the record says RTG_F_SEL_HELD; user
 * space classifies the cgroup, decides with the real selectors and sends
 * SIGKILL or SIGCONT (user/agent/selectors.c). Other hooks of an
 * unclassified container get the unscoped policies only.
 *
 * sel_enter() runs once per hook from hook_rules() (or exec_decide()) and
 * leaves its answer in this CPU's scratch for decide() (match.bpf.h).
 */
#ifndef RTG_SELECT_BPF_H
#define RTG_SELECT_BPF_H

#include "maps.bpf.h"

#define SIGSTOP 19

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, RTG_SEL_ENTRIES);
	__type(key, struct rtg_sel_key);
	__type(value, __u32);
} sel_cgroup SEC(".maps") __weak;

struct sel_state {
	__u32 applies; /* policies decide() folds in */
	__u32 unscoped; /* when pending: those that apply for sure */
	__u8 pending; /* exec in an unclassified container */
	__u8 held; /* ... which a scoped policy would deny: hold it */
	__u8 pad[6];
};
SCRATCH_MAP(scratch_sel, struct sel_state);

static __always_inline struct sel_state *sel_state(void)
{
	return bpf_map_lookup_elem(&scratch_sel, &zero);
}

/* The policies that apply to the current task in `hook` under gen, kept
 * for decide(); false when none does (the hook has nothing to do). */
static __always_inline bool sel_enter(__u32 gen, int hook)
{
	struct sel_state *ss = sel_state();
	struct rtg_ruleset *rs = bpf_map_lookup_elem(&rules_set, &gen);
	struct rtg_sel_key k = {};
	struct task_struct *t;
	__u32 scoped, *v;

	if (!ss || !rs)
		return true;
	ss->pending = 0;
	ss->held = 0;
	scoped = rs->sel.scoped;
	ss->unscoped = rs->sel.all & ~scoped;
	if (!scoped) {
		ss->applies = ~0u;
		return true;
	}
	t = bpf_get_current_task_btf();
	if (t->thread_pid->level == 0) { /* the host, as `container` says */
		ss->applies = ss->unscoped | rs->sel.host;
		return ss->applies != 0;
	}
	k.cgroup_id = bpf_get_current_cgroup_id();
	k.gen = gen;
	v = bpf_map_lookup_elem(&sel_cgroup, &k);
	if (v) {
		ss->applies = ss->unscoped | (*v & scoped);
	} else if (hook == RTG_HOOK_EXEC && !CFG(dry_run)) {
		ss->applies = rs->sel.all; /* as if every selector matched */
		ss->pending = 1;
		return true;
	} else {
		ss->applies = ss->unscoped;
	}
	return ss->applies != 0;
}

/* Was the exec just decided held? Its task gets SIGSTOP. */
static __always_inline bool sel_hold(void)
{
	struct sel_state *ss = sel_state();

	if (!ss || !ss->held)
		return false;
	bpf_send_signal(SIGSTOP);
	return true;
}

#endif
