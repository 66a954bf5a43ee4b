/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Full path of a struct path, resolved in the kernel: a bounded walk up the
 * dentry tree that crosses mount points through struct mount, like d_path()
 * but with CO-RE reads so it works from any program type. The result is
 * relative to the root of the task's mount namespace (what a process in a
 * container sees), independent of the string the process passed, its cwd,
 * `..`, symlinks or /proc/self/root tricks.
 */
#ifndef RTG_PATH_BPF_H
#define RTG_PATH_BPF_H

#include "events.h"

/* Scratch for one walk: the path is written backwards, ending at
 * buf[RTG_PATH_MAX - 1] = '\0'. Twice the size so that masked offsets keep
 * the verifier's bounds trivially true. */
struct path_scratch {
	char buf[RTG_PATH_MAX * 2];
};

#define RTG_NAME_MAX 255

struct walk_ctx {
	struct path_scratch *ps;
	struct dentry *dentry;
	struct dentry *mnt_root; /* root dentry of the current mount */
	struct mount *mnt;
	__u32 off;
	bool done;
	bool trunc;
};

/* d_parent and d_name side by side, as struct dentry has them on every
 * supported kernel (checked with CO-RE below): one read per level. */
struct dentry_up {
	struct dentry *parent;
	struct qstr name;
};

static __always_inline int read_up(struct dentry *d, struct dentry_up *up)
{
	if (bpf_core_field_offset(struct dentry, d_name) ==
	    bpf_core_field_offset(struct dentry, d_parent) + sizeof(void *))
		return bpf_probe_read_kernel(
			up, sizeof(*up),
			(char *)d + bpf_core_field_offset(struct dentry, d_parent));
	up->parent = BPF_CORE_READ(d, d_parent);
	up->name = BPF_CORE_READ(d, d_name);
	return 0;
}

/* One step up the tree; a bpf_loop() callback so that the verifier checks
 * the body once instead of once per level. */
static long walk_step(__u32 i, void *arg)
{
	struct walk_ctx *c = arg;
	struct dentry *dentry = c->dentry;
	struct mount *mnt = c->mnt;
	struct dentry_up up;
	__u32 nlen, off = c->off;

	if (read_up(dentry, &up))
		return 1;
	if (dentry == c->mnt_root || dentry == up.parent) {
		struct mount *mparent;

		if (dentry != c->mnt_root) {
			/* the root of a detached tree or a pseudo file
			 * (memfd:NAME, anon_inode): keep its name, as d_path
			 * does; a filesystem's own root is just "/" */
			char first = 0;

			nlen = up.name.len;
			if (nlen > RTG_NAME_MAX)
				nlen = RTG_NAME_MAX;
			bpf_probe_read_kernel(&first, 1, up.name.name);
			if (nlen && nlen + 1 <= off &&
			    !(nlen == 1 && first == '/')) {
				off -= nlen;
				off &= RTG_PATH_MAX - 1;
				bpf_probe_read_kernel(&c->ps->buf[off],
						      nlen & RTG_NAME_MAX,
						      up.name.name);
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
	nlen = up.name.len;
	if (nlen > RTG_NAME_MAX)
		nlen = RTG_NAME_MAX;
	if (nlen + 1 > off) {
		c->trunc = true;
		return 1;
	}
	off -= nlen;
	off &= RTG_PATH_MAX - 1;
	bpf_probe_read_kernel(&c->ps->buf[off], nlen & RTG_NAME_MAX,
			      up.name.name);
	off -= 1;
	off &= RTG_PATH_MAX - 1;
	c->ps->buf[off] = '/';
	c->off = off;
	c->dentry = up.parent;
	return 0;
}

/* Returns the offset of the first byte of the path in ps->buf; *len is the
 * string length (without NUL). Sets *trunc when the walk limit or the buffer
 * was exhausted before reaching the root (the path then holds the deepest
 * components that fit, and is reported truncated). */
static __always_inline __u32 path_resolve(struct path_scratch *ps,
					  struct dentry *dentry,
					  struct vfsmount *vfsmnt, __u32 *len,
					  bool *trunc)
{
	struct walk_ctx c = {
		.ps = ps,
		.dentry = dentry,
		.mnt_root = BPF_CORE_READ(vfsmnt, mnt_root),
		.mnt = container_of(vfsmnt, struct mount, mnt),
		.off = RTG_PATH_MAX - 1,
	};
	__u32 off;

	ps->buf[RTG_PATH_MAX - 1] = '\0';
	bpf_loop(RTG_PATH_DEPTH, walk_step, &c, 0);
	*trunc = c.trunc || !c.done;
	off = c.off & (RTG_PATH_MAX - 1);
	if (off == RTG_PATH_MAX - 1) {
		off = RTG_PATH_MAX - 2;
		ps->buf[off] = '/';
	}
	*len = RTG_PATH_MAX - 1 - off;
	return off;
}

/* The path resolved at off in ps (the offset path_resolve() returned). */
static __always_inline const char *path_at(const struct path_scratch *ps,
					   __u32 off)
{
	return &ps->buf[off & (RTG_PATH_MAX - 1)];
}

/* Copies the path resolved into ps (at off, len bytes) with its NUL to dst,
 * at most max bytes; a cut copy still ends in NUL. Returns the bytes
 * copied. */
static __always_inline __u32 path_copy(char *dst, const struct path_scratch *ps,
				       __u32 off, __u32 len, __u32 max)
{
	__u32 n = len + 1;

	if (n > max)
		n = max;
	bpf_probe_read_kernel(dst, n, path_at(ps, off));
	if (len >= max)
		dst[max - 1] = '\0';
	return n;
}

/* The last bytes of a string of len bytes whose last byte is *last,
 * reversed into dst[RTG_SUFFIX_MAX]: the key of suffix rules (rules.h).
 * Returns how many of them belong to the string. Always the full width, a
 * branch-free loop the verifier walks once; bytes before the string's
 * start are never looked at (the count). */
static __always_inline __u32 str_rtail(char *dst, const char *last, __u32 len)
{
	int j;

#pragma unroll
	for (j = 0; j < RTG_SUFFIX_MAX; j++)
		dst[j] = last[-j];
	return len < RTG_SUFFIX_MAX ? len : RTG_SUFFIX_MAX;
}

/* str_rtail() of the path just resolved into ps (it ends at
 * buf[RTG_PATH_MAX - 2]). */
static __always_inline __u32 path_rtail(const struct path_scratch *ps,
					__u32 len, char *dst)
{
	return str_rtail(dst, &ps->buf[RTG_PATH_MAX - 2], len);
}

#endif
