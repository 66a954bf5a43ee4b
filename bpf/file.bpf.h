/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The verdict on an operation on a struct file: an open (the sys_exit
 * tracepoints of open.bpf.c, lsm/file_open) or the exec of the file
 * (lsm/bprm_check_security in lsm.bpf.c, handle_exec in exec.bpf.c). The
 * path is resolved from the file itself, never from the string the process
 * passed: the path it shows in the opener's namespace and, where a mount
 * shows it under another one (path.bpf.h, W_REAL) or it lies in an
 * overlayfs, its real path too. A rule matches when it matches either.
 * Where the real path cannot be known, the strict rules with a path clause
 * are taken as matching and the event says the path is partial.
 */
#ifndef RTG_FILE_BPF_H
#define RTG_FILE_BPF_H

#include "emit.bpf.h"
#include "match.bpf.h"
#include "trie.bpf.h"

#define O_ACCMODE 00000003
#define O_WRONLY  00000001
#define O_RDWR	  00000002
#define O_CREAT	  00000100
#define O_TRUNC	  00001000

/* in_container() of the task at an address */
static __always_inline bool task_in_container(__u64 task)
{
	return KREAD(struct pid, KREAD(struct task_struct, task, thread_pid),
		     level) > 0;
}

/* The flag key of open flags fl. */
static __always_inline struct rtg_bits
open_flag_bits(const struct rtg_hookset *hs, __u32 fl)
{
	__u32 acc = fl & O_ACCMODE;
	struct rtg_bits b = {};

	if (acc == 0 || acc == O_RDWR) {
		b.m |= hs->flag_m[RTG_FLAG_READ];
		b.u |= hs->flag_u[RTG_FLAG_READ];
	}
	if (acc == O_WRONLY || acc == O_RDWR) {
		b.m |= hs->flag_m[RTG_FLAG_WRITE];
		b.u |= hs->flag_u[RTG_FLAG_WRITE];
	}
	if (fl & O_CREAT) {
		b.m |= hs->flag_m[RTG_FLAG_CREATE];
		b.u |= hs->flag_u[RTG_FLAG_CREATE];
	}
	if (fl & O_TRUNC) {
		b.m |= hs->flag_m[RTG_FLAG_TRUNCATE];
		b.u |= hs->flag_u[RTG_FLAG_TRUNCATE];
	}
	return b;
}

/* The steps below run as global functions: the verifier checks each once
 * per program, and its caller sees one return value instead of every
 * state its loops ended in (handle_exec is close to what Linux 6.1's
 * verifier takes, and the guest's verifier runs under emulation). Their
 * results go through the per-CPU scratch (struct misc), whose values the
 * verifier does not track either. Global functions of a header included
 * by several units are weak (the linker keeps one); the two builds of
 * kread.bpf.h name theirs apart. Their arguments may only be numbers: a
 * kernel pointer is handed over in mc->arg_file and mc->arg_task (stored
 * into a map value, it reads back as a number). */
#ifdef RTG_BTF_LOADS
#define RTG_GLOBAL(name) name##_btf
#else
#define RTG_GLOBAL(name) name##_pr
#endif

enum { WALK_A, WALK_B, WALK_C, WALK_NONE };

/* walk_path() of dentry through mount: the string into scratch a, b or c
 * (WALK_NONE: none), the topmost components into mc->ring, the rest into
 * mc->wr. nsroot and untrusted: the opener's namespace (task_mnt_ns());
 * nsroot 0 for a real path's walk. 1, or 0 without scratch. */
__weak __noinline int RTG_GLOBAL(rtg_walk)(__u32 buf, __u64 dentry, __u64 mount,
					   __u64 nsroot, __u32 untrusted)
{
	struct paths *ps = bpf_map_lookup_elem(&scratch_paths, &zero);
	struct misc *mc = bpf_map_lookup_elem(&scratch_misc, &zero);
	struct path_scratch *p = NULL;
	struct walk w;
	bool trunc;

	if (!ps || !mc)
		return 0;
	if (buf == WALK_A)
		p = &ps->a;
	else if (buf == WALK_B)
		p = &ps->b;
	else if (buf == WALK_C)
		p = &ps->c;
	walk_path(&w, p, mc->ring, dentry, mount, nsroot, untrusted);
	mc->wr.leaf = w.leaf;
	mc->wr.done = w.done;
	mc->wr.flags = w.flags;
	if (p) {
		mc->wr.off = walk_string(&w, &mc->wr.len, &trunc);
		mc->wr.trunc = trunc;
	}
	return 1;
}

/* trie_top() of the walk in mc->ring for the rules cand, under the open
 * trie of gen (all ones without one). */
__weak __noinline __u64 RTG_GLOBAL(rtg_trie_top)(__u32 gen, __u64 cand)
{
	const struct rtg_trie *t = bpf_map_lookup_elem(&rules_trie, &gen);
	struct misc *mc = bpf_map_lookup_elem(&scratch_misc, &zero);

	if (!t || !mc)
		return ~0ULL;
	return trie_top(t, mc->ring, *(__u32 *)&mc->ring[RTG_TRIE_DEPTH], cand);
}

/* real_mount() of the dentry at d: the mount, 0 (none), 1 (unknown). */
__weak __noinline __u64 RTG_GLOBAL(rtg_real_mount)(__u64 d)
{
	struct misc *mc = bpf_map_lookup_elem(&scratch_misc, &zero);
	__u64 m = 0;
	int r;

	if (!mc)
		return 1;
	r = real_mount(d, &m, &mc->sbs);

	return r > 0 ? m : r < 0 ? 1 : 0;
}

/* The pre-filter (trie.bpf.h) of an open of the struct file at
 * mc->arg_file with flags fl by the task at mc->arg_task: 0 when no rule
 * above allow can match it, so that nothing more is due; 1: it may. lsm:
 * as in ovl_real_dentry(). */
__weak __noinline int RTG_GLOBAL(rtg_prefilter)(__u32 fl, __u32 gen, __u32 lsm)
{
	struct rtg_hookset *hs = hookset(gen, RTG_HOOK_OPEN);
	struct misc *mc = bpf_map_lookup_elem(&scratch_misc, &zero);
	const struct rtg_trie *t;
	struct mnt_ns_view ns;
	__u64 cand, file, task;

	if (!hs || !mc || !(hs->features & RTG_HF_PREFILTER))
		return 1;
	file = mc->arg_file;
	task = mc->arg_task;
	cand = rtg_cand(hs, open_flag_bits(hs, fl).m, task_in_container(task));
	if (!cand)
		return 0;
	if (cand & hs->dc_m[RTG_KEY_PATH])
		return 1;
	t = bpf_map_lookup_elem(&rules_trie, &gen);
	if (!t || ovl_real_dentry(file, lsm))
		return 1;
	task_mnt_ns((struct task_struct *)task, &ns);
	RTG_GLOBAL(rtg_walk)
	(WALK_NONE, KREAD(struct file, file, f_path.dentry),
	 real_mnt(KREAD(struct file, file, f_path.mnt)), ns.root, ns.untrusted);
	if (!mc->wr.done || (mc->wr.flags & W_REAL))
		return 1;
	return !!((trie_suffix(t, mc->wr.leaf) |
		   RTG_GLOBAL(rtg_trie_top)(gen, cand)) &
		  cand);
}

/* Walk steps (components and mount crossings) the fast pre-filter takes
 * inline; deeper paths go to rtg_prefilter(). */
#define FAST_STEPS 10
/* Trie levels (components from the top) it follows inline; the default
 * policy's deepest paths are 4 components down (/var/run/crio/crio.sock,
 * /var/run/secrets/kubernetes.io/). */
#define FAST_TRIE_DEPTH 4

/* prefilter_fast()'s windows: a field of the current mount, of dentry d
 * (read just before), and the length and name of the component at d,
 * walked as ring[k], or of the leaf: loaded from d with direct loads,
 * kept from the walk's window with probe reads (a qstr's len is the high
 * half of hash_len on little-endian machines, which all of ours are). The
 * ring keeps the last RTG_TRIE_DEPTH components walked, the topmost: the
 * leaf's are kept apart, a deeper walk overwrites its slot. */
#define MNT_WIN(field)                                                         \
	KWIN_GET(mw, struct mount, mnt, mnt_parent, mnt.mnt_sb, field)
#define DENTRY_WIN(d, field)                                                   \
	KWIN_GET(dw, struct dentry, d, d_parent, d_name.name, field)
/* The opener's nsproxy: task is a trusted pointer with direct loads
 * (below), a number read as an address with probe reads. */
#ifdef RTG_BTF_LOADS
#define TASK_NSPROXY(task) ((__u64)(task)->nsproxy)
#else
#define TASK_NSPROXY(task) KREAD(struct task_struct, task, nsproxy)
#endif

#ifdef RTG_BTF_LOADS
#define COMP_LEN(d, k)	(__u32) KREAD(struct dentry, d, d_name.len)
#define COMP_NAME(d, k) KREAD(struct dentry, d, d_name.name)
#define LEAF_LEN(d)	COMP_LEN(d, 0)
#define LEAF_NAME(d)	COMP_NAME(d, 0)
#else
#define COMP_LEN(d, k)                                                         \
	((void)(d), (__u32)(ring_hl[(k) & (RTG_TRIE_DEPTH - 1)] >> 32))
#define COMP_NAME(d, k) ((void)(d), ring_nm[(k) & (RTG_TRIE_DEPTH - 1)])
#define LEAF_LEN(d)	((void)(d), (__u32)(leaf_hl >> 32))
#define LEAF_NAME(d)	((void)(d), leaf_nm)
#endif

/* The pre-filter's fast path, for the common case, in at most one call
 * (PREFILTER_FAST() below): each BPF-to-BPF call costs more than two
 * loads here, so the walk and the trie are unrolled inside it.
 * Whatever it does not decide cheaply (a path
 * deeper than FAST_STEPS, a mount that shows another path, overlayfs,
 * name-prefix clauses, ends-with suffixes) it leaves to rtg_prefilter(), which
 * decides the same way with loops. 0: no rule above allow can match the
 * open; 1: one may; 2: not decided here. */
static __always_inline int prefilter_fast(const struct rtg_hookset *hs,
					  __u32 gen, __u64 file,
					  struct task_struct *task, __u32 fl,
					  __u64 *ring)
{
	__u64 cand, c0, c1, fm, d, vm, sb, mnt, mnt0, mroot, mp, p, hit, name,
	    w0, leaf = 0;
	/* windows (kread.bpf.h): the file's path; the current mount's
	 * parent, mountpoint, root and superblock; the first superblock's
	 * magic and root; a dentry's parent and name */
	__u64 fw[4], mw[4], sw[4], dw[4];
#ifndef RTG_BTF_LOADS
	/* with probe reads each component's name is read with its parent */
	__u64 ring_hl[RTG_TRIE_DEPTH], ring_nm[RTG_TRIE_DEPTH], leaf_hl = 0,
								leaf_nm = 0;
#endif
	const struct rtg_trie_node *nd;
	const struct rtg_trie *t;
	__u32 depth = 0, node = 0, len, child, i, j;
	bool done = false;

	if (!(hs->features & RTG_HF_PREFILTER))
		return 1;
	/* the rules of either side of the container key: whether the
	 * opener is in a container is read only if it decides (below) */
	fm = open_flag_bits(hs, fl).m;
	c0 = rtg_cand(hs, fm, false);
	c1 = rtg_cand(hs, fm, true);
	cand = c0 | c1;
	if (!cand)
		return 0;
	if (cand & hs->dc_m[RTG_KEY_PATH])
		return 1;
	t = bpf_map_lookup_elem(&rules_trie, &gen);
	if (!t)
		return 1;
	if (t->sfx_slow & cand)
		return 2;
	if (t->sfx_any & cand)
		return 1;
	/* an open on overlayfs is matched by its real path too; the mount's
	 * superblock is the file's (and the overlay's for the real file of
	 * an overlay file, which lsm/file_open sees) */
	KWIN_READ(fw, struct file, file, f_path.mnt, f_path.dentry);
	vm = KWIN_GET(fw, struct file, file, f_path.mnt, f_path.dentry,
		      f_path.mnt);
	mnt0 = mnt = real_mnt(vm);
	KWIN_READ(mw, struct mount, mnt, mnt_parent, mnt.mnt_sb);
	sb = MNT_WIN(mnt.mnt_sb);
	KWIN_READ(sw, struct super_block, sb, s_magic, s_root);
	if (KWIN_GET(sw, struct super_block, sb, s_magic, s_root, s_magic) ==
	    OVERLAYFS_SUPER_MAGIC)
		return 2;
	d = KWIN_GET(fw, struct file, file, f_path.mnt, f_path.dentry,
		     f_path.dentry);
	mroot = MNT_WIN(mnt.mnt_root);
#pragma unroll
	for (i = 0; i < FAST_STEPS; i++) {
		if (d == mroot) {
			mp = MNT_WIN(mnt_parent);
			if (mp == mnt) {
				done = true;
				break;
			}
			if (!mp || d != KREAD(struct super_block,
					      MNT_WIN(mnt.mnt_sb), s_root))
				return 2; /* a bind mount: its real path too */
			d = MNT_WIN(mnt_mountpoint);
			mnt = mp;
			KWIN_READ(mw, struct mount, mnt, mnt_parent,
				  mnt.mnt_sb);
			mroot = MNT_WIN(mnt.mnt_root);
			continue;
		}
		KWIN_READ(dw, struct dentry, d, d_parent, d_name.name);
		p = DENTRY_WIN(d, d_parent);
		if (p == d || !p)
			return 2;
		if (!depth)
			leaf = d; /* the last component */
#ifdef RTG_BTF_LOADS
		ring[depth & (RTG_TRIE_DEPTH - 1)] = d;
#else
		ring_hl[depth & (RTG_TRIE_DEPTH - 1)] =
		    DENTRY_WIN(d, d_name.hash_len);
		ring_nm[depth & (RTG_TRIE_DEPTH - 1)] =
		    DENTRY_WIN(d, d_name.name);
		if (!depth) {
			leaf_hl = ring_hl[0];
			leaf_nm = ring_nm[0];
		}
#endif
		depth++;
		d = p;
	}
	/* the opener's namespace root (its only mount without a parent),
	 * showing its whole filesystem */
	if (!done || !depth ||
	    KREAD(struct mount, mnt, mnt_ns) !=
		KREAD(struct nsproxy, TASK_NSPROXY(task), mnt_ns) ||
	    d != (mnt == mnt0
		      ? KWIN_GET(sw, struct super_block, sb, s_magic, s_root,
				 s_root)
		      : KREAD(struct super_block, MNT_WIN(mnt.mnt_sb), s_root)))
		return 2;
	hit = t->node[0].here;
	/* the suffix rules, by the last component: one hash probe */
	if (t->sfx_m & cand) {
		len = LEAF_LEN(leaf);
		if (len > RTG_TRIE_NAME_MAX)
			return 1;
		if (t->sfx_lens & (1ULL << (len < 63 ? len : 63))) {
			name = LEAF_NAME(leaf);
			w0 = low_bytes(kload64(name), len);
			child = trie_child(t, RTG_TRIE_SFX_NODE, name, len, w0);
			if (child)
				hit |=
				    t->node[child & (RTG_TRIE_NODES - 1)].here;
		}
	}
	/* a bounded loop: the verifier follows each of its turns, and each
	 * turn's hash probes are most of what it checks in the open program;
	 * a path that goes on down the trie past FAST_TRIE_DEPTH is left to
	 * rtg_prefilter() */
	for (j = 0; j < FAST_TRIE_DEPTH; j++) {
		if (j >= depth)
			break;
		nd = &t->node[node & (RTG_TRIE_NODES - 1)];
		if (!(nd->reach & cand))
			break;
		if (nd->pn)
			return 2;
#ifdef RTG_BTF_LOADS
		d = ring[(depth - 1 - j) & (RTG_TRIE_DEPTH - 1)];
#endif
		len = COMP_LEN(d, depth - 1 - j);
		if (len > RTG_TRIE_NAME_MAX)
			return 1;
		if (!(nd->lens & (1ULL << (len < 63 ? len : 63))))
			break;
		name = COMP_NAME(d, depth - 1 - j);
		w0 = low_bytes(kload64(name), len);
		child = trie_child(t, node, name, len, w0);
		if (!child)
			break;
		node = child;
		hit |= t->node[child & (RTG_TRIE_NODES - 1)].here;
	}
	if (j == FAST_TRIE_DEPTH && j < depth &&
	    (t->node[node & (RTG_TRIE_NODES - 1)].reach & cand))
		return 2;
	hit &= cand;
	if (!hit)
		return 0;
	if (hit & c0 & c1)
		return 1;
	/* read through its address: a number with probe reads */
	return !!(hit & (task_in_container((__u64)task) ? c1 : c0));
}

#ifdef RTG_BTF_LOADS
/* With direct loads the fast path is a static function, not a global one:
 * it takes the hookset, the scratch and the current task's trusted
 * pointer (bpf_get_current_task_btf()) as they are, so the task's own
 * fields are plain loads and nothing goes through the scratch. Its stack
 * frame is its own, not added to the open programs' deepest call chain
 * (program, rtg_open_eval(), rtg_walk(), its loop), which must fit in 512
 * bytes on kernels without private BPF stacks (Debian's 6.12: 528 with
 * the fast path inline). That costs the call: ~11 ns of the open
 * program's own time on our 6.18 machines (82-84 ns per run above an
 * early return, 71-73 inline; bench/results/open-lower-bound/). Every
 * other load is through an address, a PROBE_MEM load that the x86 JIT
 * guards with a bounds check and a branch. gen and fl travel in one
 * argument (five at most). */
static __noinline __attribute__((unused)) int
prefilter_fast_call(const struct rtg_hookset *hs, struct misc *mc, __u64 file,
		    struct task_struct *task, __u64 gen_fl)
{
	return prefilter_fast(hs, gen_fl >> 32, file, task, (__u32)gen_fl,
			      mc->ring);
}

#define PREFILTER_FAST(hs, mc, gen, f, task, fl)                               \
	prefilter_fast_call(hs, mc, f, task, (__u64)(gen) << 32 | (fl))
#else
/* With probe reads (kernels before 6.2) the fast path is a global
 * function: its stack frame is its own, not added to the open programs'
 * deepest call chain, which must fit in 512 bytes; the verifier checks it
 * once. Its pointers go through the scratch, as rtg_prefilter()'s do; it
 * looks the open hookset up itself. */
__weak __noinline int RTG_GLOBAL(rtg_prefilter_fast)(__u32 fl, __u32 gen)
{
	struct rtg_hookset *hs = hookset(gen, RTG_HOOK_OPEN);
	struct misc *mc = bpf_map_lookup_elem(&scratch_misc, &zero);

	if (!hs || !mc)
		return 2;
	return prefilter_fast(hs, gen, mc->arg_file,
			      (struct task_struct *)mc->arg_task, fl, mc->ring);
}

#define PREFILTER_FAST(hs, mc, gen, f, task, fl)                               \
	({                                                                     \
		(mc)->arg_file = (f);                                          \
		(mc)->arg_task = (__u64)(task);                                \
		RTG_GLOBAL(rtg_prefilter_fast)(fl, gen);                       \
	})
#endif

/* The rules a path whose string is not whole (trunc) may match by its
 * equal or prefix clauses: the open trie of gen (gen < 0: none, all
 * rules) on its topmost components, found by a walk without a string,
 * which goes deeper. All ones when that walk does not reach the top
 * either. */
static __always_inline __u64 file_trunc_hit(struct misc *mc, bool trunc,
					    int gen, __u64 dentry, __u64 mount,
					    __u64 nsroot, bool untrusted)
{
	if (!trunc || gen < 0)
		return ~0ULL;
	RTG_GLOBAL(rtg_walk)(WALK_NONE, dentry, mount, nsroot, untrusted);
	if (!mc->wr.done)
		return ~0ULL;
	return RTG_GLOBAL(rtg_trie_top)(gen, ~0ULL);
}

/* Resolves the paths of the struct file at `file` for task into mc->fp:
 * the shown one into scratch a, the real one into b or c (real_buf). gen:
 * the open trie that narrows the rules a truncated path fails closed on
 * (-1: none). */
static __always_inline void file_paths(struct misc *mc, __u64 file,
				       struct task_struct *task, __u32 real_buf,
				       int gen, bool lsm)
{
	__u64 d0 = KREAD(struct file, file, f_path.dentry), rd, m;
	struct fpath *fp = &mc->fp;
	struct mnt_ns_view ns;
	__u8 aflags;

	__builtin_memset(fp, 0, sizeof(*fp));
	task_mnt_ns(task, &ns);
	RTG_GLOBAL(rtg_walk)
	(WALK_A, d0, real_mnt(KREAD(struct file, file, f_path.mnt)), ns.root,
	 ns.untrusted);
	fp->off = mc->wr.off;
	fp->len = mc->wr.len;
	fp->trunc = mc->wr.trunc;
	aflags = mc->wr.flags;
	fp->hit = file_trunc_hit(mc, fp->trunc, gen, d0,
				 real_mnt(KREAD(struct file, file, f_path.mnt)),
				 ns.root, ns.untrusted);
	rd = ovl_real_dentry(file, lsm);
	if (!rd && !(aflags & W_REAL))
		return;
	m = RTG_GLOBAL(rtg_real_mount)(rd ?: d0);
	if (m <= 1) {
		fp->partial = m == 1;
		return;
	}
	RTG_GLOBAL(rtg_walk)(real_buf, rd ?: d0, m, 0, 0);
	if (mc->wr.flags & W_PSEUDO) {
		fp->partial = 1; /* not below the mount that shows it */
		return;
	}
	fp->real = 1;
	fp->roff = mc->wr.off;
	fp->rlen = mc->wr.len;
	fp->rtrunc = mc->wr.trunc;
	fp->rhit = file_trunc_hit(mc, fp->rtrunc, gen, rd ?: d0, m, 0, 0);
	fp->report_real = !rd && (aflags & (W_DETACHED | W_PSEUDO));
}

/* The path key of fp: a rule matches when it matches either path; its
 * `unless` holds when it holds for both. */
static __always_inline void
fpath_bits(struct misc *mc, const struct rtg_hookset *hs, __u8 gen, __u8 kind,
	   const struct fpath *fp, const struct path_scratch *pa,
	   const struct path_scratch *pb, struct rtg_bits *out)
{
	struct rtg_bits rb = {};

	resolved_bits(mc, hs, gen, kind, pa, fp->off, fp->len, fp->trunc,
		      fp->hit, out);
	if (fp->real) {
		resolved_bits(mc, hs, gen, kind, pb, fp->roff, fp->rlen,
			      fp->rtrunc, fp->rhit, &rb);
		out->m |= rb.m;
		out->u &= rb.u;
	}
	if (fp->partial) {
		out->m |= hs->strict & ~hs->dc_m[RTG_KEY_PATH];
		out->u = 0;
	}
}

/* The path an event reports, into dst (at most max bytes); returns the
 * bytes copied, sets the header's path flags. */
static __always_inline __u32 fpath_copy(char *dst, __u32 max,
					const struct fpath *fp,
					const struct path_scratch *pa,
					const struct path_scratch *pb,
					struct rtg_hdr *h)
{
	bool rr = fp->report_real;

	if (rr ? fp->rtrunc : fp->trunc)
		h->flags |= RTG_F_PATH_TRUNC;
	if (fp->partial)
		h->flags |= RTG_F_PATH_PARTIAL;
	if (rr)
		return path_copy(dst, pb, fp->roff, fp->rlen, max);
	return path_copy(dst, pa, fp->off, fp->len, max);
}

#define FP_REAL_C 0x1 /* the real path in scratch c (exec), else b */

/* fpath_bits() of mc->fp for hook under gen, into mc->keys[path]: the
 * hooks whose rules have a file's path (exec, open, module, mount,
 * mmap_exec). */
__weak __noinline int RTG_GLOBAL(rtg_path_key)(__u32 hook, __u32 gen, __u32 how)
{
	struct paths *ps = bpf_map_lookup_elem(&scratch_paths, &zero);
	struct misc *mc = bpf_map_lookup_elem(&scratch_misc, &zero);
	const struct rtg_hookset *hs = hookset(gen, hook);
	__u8 kind = RTG_KIND(RTG_MASK(hook, 0xf), RTG_KEY_PATH);

	if (!ps || !mc || !hs)
		return 0;
	fpath_bits(mc, hs, gen, kind, &mc->fp, &ps->a,
		   (how & FP_REAL_C) ? &ps->c : &ps->b,
		   &mc->keys[RTG_KEY_PATH]);
	return 1;
}

/* What file_eval() found: the paths, the acting process's procs entry,
 * the verdict. */
struct file_eval {
	__u32 gen;
	bool incont;
	struct scratch s;
	struct rtg_proc_state *st;
	struct rtg_verdict v;
};

/* The paths resolved and looked up, the flags (open only), and the acting
 * process's binary, uid and container. false when the hook has no rules or
 * the actor is the agent. */
static __always_inline bool file_eval(int hook, struct file *file, __u32 fl,
				      struct task_struct *task, bool lsm,
				      struct file_eval *fe)
{
	__u32 uid = (__u32)bpf_get_current_uid_gid();
	struct rtg_hookset *hs;
	struct misc *mc;

	hs = hook_rules(hook, &fe->gen);
	if (!hs || !scratch_get(&fe->s))
		return false;
	mc = fe->s.mc;
	file_paths(mc, (__u64)file, task, WALK_B,
		   hook == RTG_HOOK_OPEN ? (int)fe->gen : -1, lsm);
	clear_keys(mc);
	RTG_GLOBAL(rtg_path_key)(hook, fe->gen, 0);
	if (hook == RTG_HOOK_OPEN)
		mc->keys[RTG_KEY_FLAGS] = open_flag_bits(hs, fl);
	fe->st = proc_get(mc, bpf_get_current_pid_tgid() >> 32, fe->gen);
	fe->incont = task_in_container((__u64)task);
	common_keys(mc, hs, hook, fe->gen, fe->st, uid, fe->incont);
	decide(hs, mc, fe->gen, hook, &fe->v);
	return true;
}

/* Evaluates the open of the struct file at mc->arg_file with open flags
 * fl by the task at mc->arg_task (lsm: seen by lsm/file_open); the
 * verdict in mc->v under generation mc->gen, and when it needs an event,
 * the record in scratch_ev. Returns the record's size, 0 when no event is
 * due. A global function: the open programs stay small (the combined stack
 * of a call chain is limited to 512 bytes). */
__weak __noinline int RTG_GLOBAL(rtg_open_eval)(__u32 fl, __u32 lsm)
{
	struct misc *mc = bpf_map_lookup_elem(&scratch_misc, &zero);
	struct task_struct *task;
	struct file_eval fe;
	struct rtg_open *e;
	__u64 file, inode;
	__u32 n;

	if (!mc)
		return 0;
	file = mc->arg_file;
	task = (struct task_struct *)mc->arg_task;
	rtg_verdict_init(&mc->v);
	if (!file_eval(RTG_HOOK_OPEN, (struct file *)file, fl, task, lsm, &fe))
		return 0;
	mc->gen = fe.gen;
	mc->v = fe.v;
	if (fe.v.action < RTG_ACT_AUDIT)
		return 0;

	e = (void *)fe.s.eb->d;
	fill_hdr(&e->hdr, RTG_EV_OPEN, task, fe.st, bpf_ktime_get_boot_ns());
	if (fe.incont)
		e->hdr.flags |= RTG_F_IN_CONTAINER;
	e->oflags = fl;
	inode = KREAD(struct file, file, f_inode);
	e->fmode = KREAD(struct file, file, f_mode);
	e->ino = KREAD(struct inode, inode, i_ino);
	e->dev =
	    KREAD(struct super_block, KREAD(struct inode, inode, i_sb), s_dev);
	e->pad = 0;
	n = fpath_copy(e->path, RTG_PATH_MAX, &mc->fp, &fe.s.ps->a, &fe.s.ps->b,
		       &e->hdr);
	e->path_len = n;
	return sizeof(*e) + n;
}

#endif
