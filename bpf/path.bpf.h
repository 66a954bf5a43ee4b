/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Paths of files, resolved in the kernel from their dentries and mounts: a
 * bounded walk up the dentry tree that crosses mount points, like d_path()
 * but from any program type. The shown path is relative to the root of the
 * opener's mount namespace (what a process in a container sees),
 * independent of the string the process passed, its cwd, `..`, symlinks or
 * /proc/self/root tricks.
 *
 * One walker serves the pre-filter (no string: only the dentries of the
 * topmost components, for trie.bpf.h) and the full path (the string too).
 * Kernel pointers are plain addresses read as kread.bpf.h says.
 *
 * A mount can show a file under another path than its own: a bind mount
 * of a subtree or of a file, a mount outside the opener's namespace (an
 * open_tree() clone, a lazily unmounted bind, overlayfs' private layer
 * mounts), a namespace whose root is such a subtree, or a dentry that is
 * the root of nothing mounted (pseudo files, disconnected dentries). The
 * walk then flags W_REAL: the file's real path (real_mount()) is matched
 * too. That is decided once per mount crossing, from the live mount, with
 * nothing cached.
 */
#ifndef RTG_PATH_BPF_H
#define RTG_PATH_BPF_H

#include "events.h"
#include "kread.bpf.h"
#include "rules.h"

/* Scratch for one walk: the path is written backwards, ending at
 * buf[RTG_PATH_MAX - 1] = '\0'. Twice the size so that masked offsets keep
 * the verifier's bounds trivially true. */
struct path_scratch {
	char buf[RTG_PATH_MAX * 2];
};

#define RTG_NAME_MAX 255
/* Steps (components and mount crossings) of one walk; a deeper path is
 * resolved only in part (failing closed, see match.bpf.h). */
#define RTG_WALK_MAX 1024
/* Mounts of one superblock looked at to find where it is mounted. */
#define RTG_SB_SCAN 1024
#define RTG_SB_CAND 4

/* struct walk.flags */
#define W_REAL	   0x1 /* the shown path is not all: the real path decides too */
#define W_PSEUDO   0x2 /* ended at a root that is no mount's root */
#define W_DETACHED 0x4 /* ended at a mount root outside the namespace */

struct walk {
	struct path_scratch *ps; /* the string, or NULL: no string */
	__u64 d, mnt, mroot;	 /* dentry; struct mount; its root dentry */
	__u64 nsroot;		 /* the opener's namespace root; 0: no W_REAL */
	__u64 leaf; /* dentry of the last component, 0: the path is "/" */
	/* the dentry of component k (the leaf is 0) at ring[k % DEPTH]: once
	 * the walk is done, the last DEPTH of them are the topmost ones. The
	 * ring and the count k (*depth) are in a map value (the caller's
	 * scratch): a counter on the stack, which the verifier tracks, would
	 * make every level a new state. */
	__u64 *ring;
	__u32 *depth;
	__u32 off;     /* string start in ps->buf */
	__u64 subtree; /* non-zero: crossed a mount that shows a subtree */
	__u8 done;     /* reached a root */
	__u8 cut;      /* the buffer is full: the walk stopped there */
	__u8 pseudo;   /* ... a root that is no mount's root */
	__u8 flags;    /* W_*, once the walk is done */
};

#define OVERLAYFS_SUPER_MAGIC 0x794c7630
#define PROC_USER_INIT_INO    0xEFFFFFFDU
#define MAX_ERRNO	      4095

/* struct mount of a struct vfsmount */
static __always_inline __u64 real_mnt(__u64 vfsmnt)
{
	return vfsmnt - bpf_core_field_offset(struct mount, mnt);
}

static __always_inline __u64 mnt_root(__u64 m)
{
	return KREAD(struct mount, m, mnt.mnt_root);
}

static __always_inline __u64 mnt_sb_root(__u64 m)
{
	return KREAD(struct super_block, KREAD(struct mount, m, mnt.mnt_sb),
		     s_root);
}

/* One step up of a walk without a string: the topmost components in
 * w->ring. A bpf_loop() callback so that the verifier checks the body
 * once instead of once per level; what it finds is set as it leaves
 * (walk_path() turns it into flags): a state that changed on every level
 * would keep the verifier iterating. */
static long ring_step(__u32 i, void *arg)
{
	struct walk *w = arg;
	__u64 d = w->d, m, mp, parent, *r = w->ring;
	__u32 k;

	if (d == w->mroot) {
		m = w->mnt;
		mp = KREAD(struct mount, m, mnt_parent);
		if (mp == m || !mp) {
			w->done = 1; /* the root of a mount tree */
			return 1;
		}
		/* a bind mount of a subtree or of a file: non-zero */
		if (w->nsroot)
			w->subtree |= d ^ mnt_sb_root(m);
		w->d = KREAD(struct mount, m, mnt_mountpoint);
		w->mnt = mp;
		w->mroot = mnt_root(mp);
		return 0;
	}
	parent = KREAD(struct dentry, d, d_parent);
	if (parent == d || !parent) {
		w->pseudo = 1;
		w->done = 1;
		return 1;
	}
	k = *w->depth;
	r[k & (RTG_TRIE_DEPTH - 1)] = d;
	*w->depth = k + 1;
	w->d = parent;
	return 0;
}

/* The same with the string: each component's name is copied, written
 * backwards into w->ps. A full buffer ends the walk (as cheap for the
 * verifier as the walk itself; the topmost components then come from a
 * walk without a string, which goes deeper). */
static long str_step(__u32 i, void *arg)
{
	struct walk *w = arg;
	__u64 d = w->d, m, mp, parent, name;
	__u32 nlen, off = w->off;
	char first = 0;

	if (d == w->mroot) {
		m = w->mnt;
		mp = KREAD(struct mount, m, mnt_parent);
		if (mp == m || !mp) {
			w->done = 1;
			return 1;
		}
		if (w->nsroot)
			w->subtree |= d ^ mnt_sb_root(m);
		w->d = KREAD(struct mount, m, mnt_mountpoint);
		w->mnt = mp;
		w->mroot = mnt_root(mp);
		return 0;
	}
	parent = KREAD(struct dentry, d, d_parent);
	nlen = KREAD(struct dentry, d, d_name.len);
	name = KREAD(struct dentry, d, d_name.name);
	if (nlen > RTG_NAME_MAX)
		nlen = RTG_NAME_MAX;
	if (parent == d || !parent) {
		/* the root of nothing mounted (memfd:NAME, anon_inode: or a
		 * dentry outside its mount): its name is kept, as d_path()
		 * does; a filesystem's own root is just "/" */
		bpf_probe_read_kernel(&first, 1, (void *)name);
		if (nlen && nlen + 1 <= off && !(nlen == 1 && first == '/')) {
			off -= nlen;
			off &= RTG_PATH_MAX - 1;
			bpf_probe_read_kernel(&w->ps->buf[off],
					      nlen & RTG_NAME_MAX,
					      (void *)name);
			off -= 1;
			off &= RTG_PATH_MAX - 1;
			w->ps->buf[off] = '/';
			w->off = off;
		}
		w->pseudo = 1;
		w->done = 1;
		return 1;
	}
	if (nlen + 1 > off) {
		w->cut = 1;
		return 1;
	}
	off -= nlen;
	off &= RTG_PATH_MAX - 1;
	bpf_probe_read_kernel(&w->ps->buf[off], nlen & RTG_NAME_MAX,
			      (void *)name);
	off -= 1;
	off &= RTG_PATH_MAX - 1;
	w->ps->buf[off] = '/';
	w->off = off;
	w->d = parent;
	return 0;
}

/* The two loops in functions of their own: the compiler would merge two
 * bpf_loop() calls into one that takes the callback from a register, and
 * the verifier inlines a bpf_loop() only with one known callback
 * (otherwise every step is an indirect call). */
static __noinline void walk_str_loop(struct walk *w)
{
	bpf_loop(RTG_WALK_MAX, str_step, w, 0);
}

static __noinline void walk_ring_loop(struct walk *w)
{
	bpf_loop(RTG_WALK_MAX, ring_step, w, 0);
}

/* Walks dentry up through mount (a struct mount). ps: the string's
 * scratch, or NULL; ring: RTG_TRIE_DEPTH entries and a count after them;
 * nsroot: the opener's
 * namespace root mount, whose W_REAL cases are flagged (0 for a real
 * path's walk: no more). */
static __always_inline void walk_path(struct walk *w, struct path_scratch *ps,
				      __u64 *ring, __u64 dentry, __u64 mount,
				      __u64 nsroot, bool untrusted_ns)
{
	__builtin_memset(w, 0, sizeof(*w));
	w->ps = ps;
	w->ring = ring;
	w->depth = (__u32 *)&ring[RTG_TRIE_DEPTH];
	*w->depth = 0;
	w->d = dentry;
	w->mnt = mount;
	w->mroot = mnt_root(mount);
	w->nsroot = nsroot;
	w->off = RTG_PATH_MAX - 1;
	/* the last component; a file that is a mount's root (a bind mount of
	 * it, which a walk flags W_REAL) leaves it unknown */
	w->leaf = dentry != w->mroot ? dentry : 0;
	if (ps) {
		ps->buf[RTG_PATH_MAX - 1] = '\0';
		walk_str_loop(w);
	} else {
		walk_ring_loop(w);
	}
	if (!nsroot) {
		w->flags = w->pseudo ? W_PSEUDO : 0;
		return;
	}
	if (w->pseudo)
		/* a pseudo file, or a dentry outside its mount */
		w->flags = W_PSEUDO | W_REAL;
	else if (w->done && w->mnt != nsroot)
		/* a mount in no namespace: detached, lazily unmounted,
		 * private */
		w->flags = W_DETACHED | W_REAL;
	else if (w->done && untrusted_ns && w->d != mnt_sb_root(w->mnt))
		/* the root of a namespace of a user namespace shows a
		 * subtree: it may hide a path too */
		w->flags = W_REAL;
	if (w->subtree)
		w->flags |= W_REAL;
}

/* The walk did not get to a root: the topmost components are unknown. */
static __always_inline bool walk_deep(const struct walk *w)
{
	return !w->done;
}

/* The string of a walk with ps: its offset in ps->buf, *len its length.
 * *trunc: the string is not the whole path (the walk bound, or the
 * buffer: it then holds the deepest components that fit). */
static __always_inline __u32 walk_string(struct walk *w, __u32 *len,
					 bool *trunc)
{
	__u32 off = w->off & (RTG_PATH_MAX - 1);

	*trunc = w->cut || !w->done;
	if (off == RTG_PATH_MAX - 1) {
		off = RTG_PATH_MAX - 2;
		w->ps->buf[off] = '/';
	}
	*len = RTG_PATH_MAX - 1 - off;
	return off;
}

/* ---- the opener's namespace ---------------------------------------------- */

struct mnt_ns_view {
	__u64 root;	/* struct mount */
	bool untrusted; /* owned by a user namespace other than the first */
};

static __always_inline void task_mnt_ns(struct task_struct *t,
					struct mnt_ns_view *v)
{
	__u64 ns = KREAD(struct nsproxy, KREAD(struct task_struct, t, nsproxy),
			 mnt_ns);

	v->root = KREAD(struct mnt_namespace, ns, root);
	v->untrusted = KREAD(struct user_namespace,
			     KREAD(struct mnt_namespace, ns, user_ns),
			     ns.inum) != PROC_USER_INIT_INO;
}

/* ---- where a superblock is mounted ----------------------------------------
 */

/* Kernels before 6.16 (or so) list a superblock's mounts in a list_head;
 * later ones in a chain of mnt_next_for_sb. */
struct mount___lst {
	struct list_head mnt_instance;
} __attribute__((preserve_access_index));

struct super_block___lst {
	struct list_head s_mounts;
} __attribute__((preserve_access_index));

/* Anonymous namespaces (open_tree clones, fsmount) are ns->seq == 0 before
 * 6.18, ns.ns_id == 0 from then on. */
struct mnt_namespace___seq {
	__u64 seq;
} __attribute__((preserve_access_index));

/* The later layouts, spelled out so that this builds against a vmlinux.h
 * of either kind (vmlinux/arm64/ is older than 6.16). */
struct mount___nfs {
	struct mount *mnt_next_for_sb;
} __attribute__((preserve_access_index));

struct super_block___nfs {
	struct mount *s_mounts;
} __attribute__((preserve_access_index));

struct ns_common___id {
	__u64 ns_id;
} __attribute__((preserve_access_index));

struct mnt_namespace___id {
	struct ns_common___id ns;
} __attribute__((preserve_access_index));

struct sb_scan {
	__u64 cur, head; /* the next entry; the list head (list_head kind) */
	__u64 sroot;	 /* the superblock's root dentry */
	__u64 found;	 /* a mount of the whole filesystem in a namespace */
	__u64 cand[RTG_SB_CAND], croot[RTG_SB_CAND]; /* ... of a subtree */
	__u32 ncand;
	bool end;
};

/* Is mount m part of a real mount namespace (not detached, not internal,
 * not anonymous)? */
static __always_inline bool mnt_in_ns(__u64 m)
{
	__u64 ns = KREAD(struct mount, m, mnt_ns);

	if (!ns || ns >= (__u64)-MAX_ERRNO)
		return false;
	if (bpf_core_field_exists(struct mnt_namespace___seq, seq))
		return KREAD(struct mnt_namespace___seq, ns, seq) != 0;
	return KREAD(struct mnt_namespace___id, ns, ns.ns_id) != 0;
}

static long sb_scan_step(__u32 i, void *arg)
{
	struct sb_scan *s = *(struct sb_scan **)arg;
	__u64 m, root;

	if (bpf_core_field_exists(struct mount___nfs, mnt_next_for_sb)) {
		m = s->cur;
		if (!m) {
			s->end = true;
			return 1;
		}
		s->cur = KREAD(struct mount___nfs, m, mnt_next_for_sb);
	} else {
		if (s->cur == s->head || !s->cur) {
			s->end = true;
			return 1;
		}
		m = s->cur -
		    bpf_core_field_offset(struct mount___lst, mnt_instance);
		s->cur = KREAD(struct list_head, s->cur, next);
	}
	if (!mnt_in_ns(m))
		return 0;
	root = mnt_root(m);
	if (root == s->sroot) {
		s->found = m;
		return 1;
	}
	if (s->ncand < RTG_SB_CAND) {
		s->cand[s->ncand & (RTG_SB_CAND - 1)] = m;
		s->croot[s->ncand & (RTG_SB_CAND - 1)] = root;
		s->ncand++;
	}
	return 0;
}

struct up_ctx {
	__u64 d;
	const struct sb_scan *s;
	__u64 best; /* the mount whose root is the topmost ancestor so far */
	bool done;
};

/* pass up from a dentry: which candidate's root is its topmost ancestor */
static long up_step(__u32 i, void *arg)
{
	struct up_ctx *u = arg;
	__u64 d = u->d, parent;
	__u32 k;

	for (k = 0; k < RTG_SB_CAND; k++)
		if (k < u->s->ncand && d == u->s->croot[k])
			u->best = u->s->cand[k];
	parent = KREAD(struct dentry, d, d_parent);
	if (parent == d || !parent) {
		u->done = true;
		return 1;
	}
	u->d = parent;
	return 0;
}

/* A mount in a real namespace that shows dentry d: the whole filesystem
 * mounted somewhere, else the mount whose root is d's topmost ancestor.
 * 1 and *mnt: found; 0: no namespace shows d, its shown path is its only
 * one; -1: not known (a bound was hit before an answer). */
static __always_inline int real_mount(__u64 d, __u64 *mnt, struct sb_scan *s)
{
	__u64 sb = KREAD(struct dentry, d, d_sb);
	struct up_ctx u = {.d = d, .s = s};

	__builtin_memset(s, 0, sizeof(*s));
	s->sroot = KREAD(struct super_block, sb, s_root);
	if (bpf_core_field_exists(struct mount___nfs, mnt_next_for_sb)) {
		s->cur = KREAD(struct super_block___nfs, sb, s_mounts);
	} else {
		s->head = sb + bpf_core_field_offset(struct super_block___lst,
						     s_mounts);
		s->cur = KREAD(struct list_head, s->head, next);
	}
	/* the scan lives in a map value; bpf_loop() takes the stack */
	bpf_loop(RTG_SB_SCAN, sb_scan_step, &s, 0);
	if (s->found) {
		*mnt = s->found;
		return 1;
	}
	if (s->ncand) {
		bpf_loop(RTG_WALK_MAX, up_step, &u, 0);
		if (u.best) {
			*mnt = u.best;
			return 1;
		}
		if (!u.done)
			return -1;
	}
	return s->end ? 0 : -1;
}

/* ---- overlayfs -------------------------------------------------------------
 */

/* Linux 6.13+ keeps the real file in a struct ovl_file */
struct ovl_file___rtg {
	struct file *realfile;
} __attribute__((preserve_access_index));

/* The dentry of the real (upper or lower) file under a regular file of an
 * overlayfs, or 0. `file` is the overlay file (its private data holds the
 * real file) or, seen by lsm/file_open (lsm), the real file opened for it,
 * whose path is the overlay's and inode the real one. */
static __always_inline __u64 ovl_real_dentry(__u64 file, bool lsm)
{
	__u64 inode = KREAD(struct file, file, f_inode), rinode, sb, pd;
	__u64 first;

	sb = KREAD(struct inode, inode, i_sb);
	if (KREAD(struct super_block, sb, s_magic) == OVERLAYFS_SUPER_MAGIC) {
		pd = KREAD(struct file, file, private_data);
		if (pd && bpf_core_type_exists(struct ovl_file))
			pd = KREAD(struct ovl_file___rtg, pd, realfile);
		if (!pd)
			return 0;
		rinode = KREAD(struct file, pd, f_inode);
	} else if (lsm &&
		   KREAD(struct super_block,
			 KREAD(struct dentry,
			       KREAD(struct file, file, f_path.dentry), d_sb),
			 s_magic) == OVERLAYFS_SUPER_MAGIC) {
		rinode = inode;
	} else {
		return 0;
	}
	if (!rinode ||
	    (KREAD(struct inode, rinode, i_mode) & 00170000) != 0100000 ||
	    KREAD(struct super_block, KREAD(struct inode, rinode, i_sb),
		  s_magic) == OVERLAYFS_SUPER_MAGIC)
		return 0;
	first = KREAD(struct inode, rinode, i_dentry.first);
	if (!first)
		return 0;
	return first - bpf_core_field_offset(struct dentry, d_u.d_alias);
}

/* ---- strings ----------------------------------------------------------------
 */

/* The path resolved at off in ps. */
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
 * Returns how many of them belong to the string. Always the full width,
 * branch-free; bytes before the string's start are never looked at (the
 * count). Eight bytes at a time, byte-swapped: a quarter of the
 * instructions of a byte loop, for the verifier at every place it is
 * inlined. Both buffers are map values (unaligned 8-byte access is
 * allowed there on the architectures rtguard builds for, not on the
 * stack). */
static __always_inline __u32 str_rtail(char *dst, const char *last, __u32 len)
{
	__u64 w;
	int k;

#pragma unroll
	for (k = 0; k < RTG_SUFFIX_MAX / 8; k++) {
		w = *(const __u64 *)(last - 8 * k - 7);
		*(__u64 *)(dst + 8 * k) = __builtin_bswap64(w);
	}
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
