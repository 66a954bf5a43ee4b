/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Workload selectors as the BPF side reads them (policy-level `selector:`,
 * README.md "Policies scoped to workloads"). User space decides which
 * policies each workload's selectors match (user/agent/selectors.c) and
 * writes the answer per cgroup and generation; bpf/select.bpf.h turns it
 * into the set of policies that apply in every hook.
 */
#ifndef RTG_SELECT_H
#define RTG_SELECT_H

/* rules_set[gen].sel: one bit per policy index. */
struct rtg_selset {
	__u32 all; /* the policies of this generation */
	__u32 scoped; /* ... that have a selector */
	__u32 host; /* ... whose selector processes outside containers match */
	__u32 pad;
};
_Static_assert(sizeof(struct rtg_selset) == 16, "rtg_selset ABI");

/* hash `sel_cgroup`: cgroup id and generation -> __u32, the scoped
 * policies whose selector the cgroup's workload matches. A container
 * cgroup without an entry is not classified yet. */
struct rtg_sel_key {
	__u64 cgroup_id;
	__u32 gen;
	__u32 pad;
};
_Static_assert(sizeof(struct rtg_sel_key) == 16, "rtg_sel_key ABI");
#define RTG_SEL_ENTRIES (RTG_NGEN * 16384)

/* rtg_hdr.flags of an exec held (SIGSTOP) until user space classified its
 * cgroup: a scoped policy may deny it (user/agent/selectors.c decides) */
#define RTG_F_SEL_HELD (1u << 15)

#endif
