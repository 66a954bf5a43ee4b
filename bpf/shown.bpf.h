/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The path a mount shows, walked with probe reads: for the hooks after
 * connect (more.bpf.h), which are built once for every kernel. The open,
 * exec and LSM file hooks use path.bpf.h's walks instead, which also find
 * the real path behind a bind mount, a clone or an overlay, in a build per
 * kernel range (kread.bpf.h); the verifiers of kernels 6.7+ do not take
 * their probe-read build, and these hooks run rarely. So a prefix rule on
 * these hooks sees the path as the mount shows it (doc/BYPASS.md).
 */
#ifndef RTG_SHOWN_BPF_H
#define RTG_SHOWN_BPF_H

#include "path.bpf.h"

struct shown_ctx {
	struct path_scratch *ps;
	struct dentry *dentry;
	struct dentry *mnt_root; /* root dentry of the current mount */
	struct mount *mnt;
	__u32 off;
	bool done;
	bool trunc;
};

/* One step up the tree; a bpf_loop() callback so that the verifier checks
 * the body once instead of once per level. */
static long shown_step(__u32 i, void *arg)
{
	struct shown_ctx *c = arg;
	struct dentry *dentry = c->dentry, *parent;
	struct mount *mnt = c->mnt;
	struct qstr name;
	__u32 nlen, off = c->off;

	parent = BPF_CORE_READ(dentry, d_parent);
	name = BPF_CORE_READ(dentry, d_name);
	if (dentry == c->mnt_root || dentry == parent) {
		struct mount *mparent;

		if (dentry != c->mnt_root) {
			/* the root of a detached tree or a pseudo file
			 * (memfd:NAME, anon_inode): keep its name, as d_path
			 * does; a filesystem's own root is just "/" */
			char first = 0;

			nlen = name.len;
			if (nlen > RTG_NAME_MAX)
				nlen = RTG_NAME_MAX;
			bpf_probe_read_kernel(&first, 1, name.name);
			if (nlen && nlen + 1 <= off &&
			    !(nlen == 1 && first == '/')) {
				off -= nlen;
				off &= RTG_PATH_MAX - 1;
				bpf_probe_read_kernel(&c->ps->buf[off],
						      nlen & RTG_NAME_MAX,
						      name.name);
				off -= 1;
				off &= RTG_PATH_MAX - 1;
				c->ps->buf[off] = '/';
				c->off = off;
			}
			c->done = true;
			return 1;
		}
		mparent = BPF_CORE_READ(mnt, mnt_parent);
		if (mparent == mnt) {
			c->done = true; /* root of the mount namespace */
			return 1;
		}
		c->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
		c->mnt = mparent;
		c->mnt_root = BPF_CORE_READ(mparent, mnt.mnt_root);
		return 0;
	}
	nlen = name.len;
	if (nlen > RTG_NAME_MAX)
		nlen = RTG_NAME_MAX;
	if (nlen + 1 > off) {
		c->trunc = true;
		return 1;
	}
	off -= nlen;
	off &= RTG_PATH_MAX - 1;
	bpf_probe_read_kernel(&c->ps->buf[off], nlen & RTG_NAME_MAX, name.name);
	off -= 1;
	off &= RTG_PATH_MAX - 1;
	c->ps->buf[off] = '/';
	c->off = off;
	c->dentry = parent;
	return 0;
}

/* The path of dentry in vfsmnt as its mount shows it, into ps: its offset
 * in ps->buf, *len its length. *trunc: not the whole path (the walk bound
 * or the buffer; it then holds the deepest components that fit). */
static __always_inline __u32 path_shown(struct path_scratch *ps,
					struct dentry *dentry,
					struct vfsmount *vfsmnt, __u32 *len,
					bool *trunc)
{
	struct shown_ctx c = {
	    .ps = ps,
	    .dentry = dentry,
	    .mnt_root = BPF_CORE_READ(vfsmnt, mnt_root),
	    .mnt = container_of(vfsmnt, struct mount, mnt),
	    .off = RTG_PATH_MAX - 1,
	};
	__u32 off;

	ps->buf[RTG_PATH_MAX - 1] = '\0';
	bpf_loop(RTG_WALK_MAX, shown_step, &c, 0);
	*trunc = c.trunc || !c.done;
	off = c.off & (RTG_PATH_MAX - 1);
	if (off == RTG_PATH_MAX - 1) {
		off = RTG_PATH_MAX - 2;
		ps->buf[off] = '/';
	}
	*len = RTG_PATH_MAX - 1 - off;
	return off;
}

#endif
