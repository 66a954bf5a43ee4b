// SPDX-License-Identifier: GPL-2.0
/*
 * Cgroups coming and going, from the cgroup_mkdir and cgroup_rmdir
 * tp_btf tracepoints: one struct rtg_cgroup_rec (events.h) per cgroup of
 * the cgroup2 hierarchy, the one whose ids events carry. A container
 * runtime makes the container's cgroup before it starts the container's
 * first process, and the record comes through the same ring buffer as the
 * events, so user space has learnt the container's workload before it
 * decodes that process's exec. v1 hierarchies (hybrid hosts) are skipped.
 * Nothing is decided here: the records only keep user space's cache of
 * workloads (user/agent/workloads.c) current.
 */
#include "emit.bpf.h"

char LICENSE[] SEC("license") = "GPL";

struct cgroup_buf {
	char d[sizeof(struct rtg_cgroup_rec) + RTG_CGROUP_PATH_MAX];
};

/* struct cgroup_buf per CPU */
SCRATCH_MAP(scratch_cgroup, struct cgroup_buf);

/* cgrp belongs to the cgroup2 hierarchy: the same root as the cgroup
 * bpf_get_current_cgroup_id() reads for the current task. */
static __always_inline bool on_dfl_root(struct cgroup *cgrp)
{
	struct task_struct *t = bpf_get_current_task_btf();

	return BPF_CORE_READ(cgrp, root) ==
	       BPF_CORE_READ(t, cgroups, dfl_cgrp, root);
}

static __always_inline void cgroup_rec(__u8 type, struct cgroup *cgrp,
				       const char *path)
{
	struct rtg_cgroup_rec *r;
	struct cgroup_buf *b;
	long n = 0;

	if (!on_dfl_root(cgrp))
		return;
	b = bpf_map_lookup_elem(&scratch_cgroup, &zero);
	if (!b)
		return;
	r = (struct rtg_cgroup_rec *)b->d;
	r->type = type;
	r->pad = 0;
	r->pad2 = 0;
	r->time_ns = bpf_ktime_get_boot_ns();
	r->cgroup_id = BPF_CORE_READ(cgrp, kn, id);
	if (path)
		n = bpf_probe_read_kernel_str(r->path, RTG_CGROUP_PATH_MAX,
					      path);
	if (n < 0)
		n = 0;
	n &= RTG_CGROUP_PATH_MAX * 2 - 1; /* bounded for the verifier */
	if (n > RTG_CGROUP_PATH_MAX)
		n = RTG_CGROUP_PATH_MAX;
	r->path_len = n;
	if (bpf_ringbuf_output(&events, r, sizeof(*r) + n,
			       BPF_RB_FORCE_WAKEUP))
		stat_inc(RTG_STAT_CGROUP_LOST);
}

SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(handle_cgroup_mkdir, struct cgroup *cgrp, const char *path)
{
	cgroup_rec(RTG_REC_CGROUP_MKDIR, cgrp, path);
	return 0;
}

SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(handle_cgroup_rmdir, struct cgroup *cgrp, const char *path)
{
	cgroup_rec(RTG_REC_CGROUP_RMDIR, cgrp, NULL);
	return 0;
}
