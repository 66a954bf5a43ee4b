// SPDX-License-Identifier: GPL-2.0
/*
 * The lower bound of the open program (`make bench-bound`): what a sound
 * "no rule can match this open" costs on the hook rtguard uses, the
 * sys_exit tracepoint of openat, when the program does nothing else.
 *
 *   bound_empty:  returns at once (the bench's `floor` for opens);
 *   bound_decide: reads what a sound decision about an open must read
 *     on a kernel without fentry/BPF LSM (the file comes from the fd
 *     table, not from the hook) and decides it against a two-level
 *     component table, the way rtguard's pre-filter does for a path
 *     under /etc/ (bpf/file.bpf.h, prefilter_fast()). Nothing more: no
 *     configuration generations, no suffix rules, no overlayfs real
 *     path, no hand-off from BPF LSM, no event.
 *
 * The decision is not rtguard's: it is the least any walk of the
 * dentry/mount chain does, written as compactly as it can be, so that
 * bound_decide - bound_empty is a floor for rtguard's own on - floor.
 * Built only by `make bench-bound` (bench/bound/open_bound.c).
 */
#define RTG_BTF_LOADS
#include "kread.bpf.h"
#include "open_bound.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bound_table);
} bound_table SEC(".maps");

/* per-CPU: the dentries the walk passed, leaf first */
struct bound_ring {
	__u64 d[8];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bound_ring);
} bound_ring SEC(".maps");

/* opens decided as "may match" (the table's /etc/ entry), and opens the
 * walk could not decide (a mount crossing it does not follow, another
 * namespace): user space checks that the loop took the whole path */
__u64 bound_hits, bound_undecided;

#define MNT_OF(vfsmount) ((vfsmount)-bpf_core_field_offset(struct mount, mnt))

SEC("tracepoint/syscalls/sys_exit_openat")
int bound_empty(void *ctx)
{
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_openat")
int bound_decide(struct trace_event_raw_sys_exit *ctx)
{
	__u64 file, d, p, mnt, mp, mroot, name, w, hit = 0;
	struct bound_table *t;
	struct bound_ring *r;
	struct task_struct *task;
	struct fdtable *fdt;
	__u32 zero = 0, node = 0, len, n = 0, i;
	long fd = ctx->ret;
	bool done = false;

	if (fd < 0)
		return 0;
	t = bpf_map_lookup_elem(&bound_table, &zero);
	r = bpf_map_lookup_elem(&bound_ring, &zero);
	if (!t || !r)
		return 0;
	/* the file: the task's fd table (a helper call, then 3 loads) */
	task = bpf_get_current_task_btf();
	fdt = task->files->fdt;
	file = kload64((__u64)fdt->fd + 8 * fd);
	if (!file)
		return 0;
	/* the flags class: the file's mode (1 load); O_CREAT/O_TRUNC from
	 * the saved registers cost a load more in rtguard */
	if (!(t->classes & (KREAD(struct file, file, f_mode) & 3)))
		return 0;
	/* the file's mount and dentry, the mount's root and superblock */
	d = KREAD(struct file, file, f_path.dentry);
	mnt = MNT_OF(KREAD(struct file, file, f_path.mnt));
	mroot = KREAD(struct mount, mnt, mnt.mnt_root);
	/* up to the namespace's root, crossing mounts whose root is their
	 * superblock's (a bind mount would be decided by its real path) */
	for (i = 0; i < 10; i++) {
		if (d == mroot) {
			mp = KREAD(struct mount, mnt, mnt_parent);
			if (mp == mnt) {
				done = true;
				break;
			}
			if (d != KREAD(struct super_block,
				       KREAD(struct mount, mnt, mnt.mnt_sb),
				       s_root))
				break;
			d = KREAD(struct mount, mnt, mnt_mountpoint);
			mnt = mp;
			mroot = KREAD(struct mount, mnt, mnt.mnt_root);
			continue;
		}
		p = KREAD(struct dentry, d, d_parent);
		r->d[n & 7] = d;
		n++;
		d = p;
	}
	/* the opener's own namespace, and its root showing the whole
	 * filesystem */
	if (!done ||
	    KREAD(struct mount, mnt, mnt_ns) !=
		KREAD(struct nsproxy, (__u64)task->nsproxy, mnt_ns) ||
	    d != KREAD(struct super_block, KREAD(struct mount, mnt, mnt.mnt_sb),
		       s_root)) {
		__sync_fetch_and_add(&bound_undecided, 1);
		return 0;
	}
	/* the components from the top against the table: a length mask,
	 * then one hashed slot (a name of up to 8 bytes) */
	for (i = 0; i < 4; i++) {
		if (i >= n)
			break;
		d = r->d[(n - 1 - i) & 7];
		len = KREAD(struct dentry, d, d_name.len);
		if (!(t->lens[node & 15] & (1ULL << (len & 63))))
			break;
		name = KREAD(struct dentry, d, d_name.name);
		w = kload64(name);
		if (len < 8)
			w &= (1ULL << (8 * len)) - 1;
		if (t->slot[rtg_trie_hash(node, len, w)] != w)
			break;
		node = (node + 1) & 15;
		hit |= t->below[node];
	}
	if (hit)
		__sync_fetch_and_add(&bound_hits, 1);
	return 0;
}
