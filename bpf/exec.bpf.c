// SPDX-License-Identifier: GPL-2.0
/*
 * Processes: fork, exec and exit, from the sched_process_* tp_btf
 * tracepoints. They keep the procs map (struct rtg_proc_state, one entry
 * per process) that every hook's `binary` key reads, evaluate the exec
 * rules (a deny or kill verdict kills the new image before it runs; an
 * `args` rule is left to user space), and report every exec, allowed ones
 * too: user space's process cache must know each image to describe later
 * events.
 */
#include "file.bpf.h"

#ifndef RTG_LICENSE_DONE /* file_btf.bpf.c has one */
char LICENSE[] SEC("license") = "GPL";
#endif

/* handle_exec is built twice, as open.bpf.c is (file_btf.bpf.c); fork
 * and exit only once. */
#ifdef RTG_BTF_LOADS
#define HANDLE_EXEC handle_exec_btf
#else
#define HANDLE_EXEC handle_exec

SEC("tp_btf/sched_process_fork")
int BPF_PROG(handle_fork, struct task_struct *parent, struct task_struct *child)
{
	struct rtg_proc_state *pst;
	struct misc *mc;
	__u32 ptgid, ctgid;

	ctgid = child->tgid;
	if (child->pid != ctgid)
		return 0; /* a new thread, same process */
	mc = bpf_map_lookup_elem(&scratch_misc, &zero);
	if (!mc)
		return 0;
	ptgid = parent->tgid;
	pst = bpf_map_lookup_elem(&procs, &ptgid);
	if (pst)
		__builtin_memcpy(&mc->st, pst, sizeof(mc->st));
	else
		__builtin_memset(&mc->st, 0, sizeof(mc->st));
	mc->st.parent_exec_ktime = pst ? pst->exec_ktime : 0;
	mc->st.exec_ktime = child->start_boottime;
	mc->st.ppid = ptgid;
	mc->st.flags &= ~(RTG_PS_EXEC | RTG_PS_REPORTED);
	if (!pst)
		mc->st.gen = 0xff;
	if (bpf_map_update_elem(&procs, &ctgid, &mc->st, BPF_ANY))
		stat_inc(RTG_STAT_PROCS_FULL);
	return 0;
}

#endif /* !RTG_BTF_LOADS */

/* One exec, as the steps below share it. */
struct exec_ctx {
	struct scratch s;
	__u64 now;
	__u32 gen;
	__u32 coff, clen; /* the cwd, resolved into s.ps->b */
	__u32 slen; /* a #! script's absolute name in s.mc->sbuf, 0: none */
	bool ctrunc, scut, incont, pending, enforced, held;
	bool reported_hi; /* pending: a rule that reports may match */
	struct rtg_verdict v;
	__u64 cand_m, cand_u; /* when pending */
};

/* The new image's state in mc->st (binary masks aside): it replaces the
 * old one in procs once the rules have been evaluated. */
static __always_inline void exec_state(struct exec_ctx *x,
				       struct task_struct *p)
{
	struct rtg_proc_state *st = &x->s.mc->st, *pst;
	__u32 ppid = p->real_parent->tgid;

	__builtin_memset(st, 0, sizeof(*st));
	st->exec_ktime = x->now;
	st->ppid = ppid;
	pst = bpf_map_lookup_elem(&procs, &ppid);
	st->parent_exec_ktime = pst ? pst->exec_ktime : 0;
	const struct fpath *fp = &x->s.mc->fp;
	const struct path_scratch *bp = fp->report_real ? &x->s.ps->c :
							  &x->s.ps->a;
	__u32 off = fp->report_real ? fp->roff : fp->off;
	__u32 len = fp->report_real ? fp->rlen : fp->len;
	bool trunc = (fp->report_real ? fp->rtrunc : fp->trunc) || fp->partial;

	st->flags = RTG_PS_EXEC | (x->incont ? RTG_PS_CONTAINER : 0) |
		    (trunc ? RTG_PS_BIN_TRUNC : 0);
	path_copy(st->bin_key, bp, off, len, RTG_KEY_MAX);
	st->bin_len = len > 0xffff ? 0xffff : len;
	path_rtail(bp, len, st->bin_rtail);
}

/* The path of a #! script as given to execve, made absolute: a relative
 * name is joined to the kernel-resolved cwd (leading "./" dropped). The
 * script's struct file is gone by sched_process_exec, so symlinks in the
 * name stay unresolved (BPF LSM's bprm_check sees the real file). Returns
 * the length in mc->sbuf, 0 when unknown. *cut: the name is longer than
 * sname, or it is relative and the cwd longer than the join keeps or not
 * resolved whole (ctrunc): the path in sbuf is not the script's. */
static __always_inline __u32 script_path(struct misc *mc,
					 const struct path_scratch *cwd,
					 __u32 coff, __u32 clen, bool ctrunc,
					 const char *filename, bool *cut)
{
	long r;

	r = bpf_probe_read_kernel_str(mc->sname, sizeof(mc->sname), filename);
	if (r <= 1)
		return 0;
	*cut = r >= (long)sizeof(mc->sname) ||
	       (mc->sname[0] != '/' && (ctrunc || clen > 255));
	if (mc->sname[0] == '/') {
		bpf_probe_read_kernel(mc->sbuf, sizeof(mc->sname), mc->sname);
		return r - 1;
	}
	return cwd_join(mc, cwd, coff, clen);
}

/* An `args` rule may still match: the masks of every key but args, which
 * user space completes with the args (policy_decide_args()). */
static __always_inline bool args_pending(const struct rtg_hookset *hs,
					 struct misc *mc, __u32 gen, __u64 *cm,
					 __u64 *cu)
{
	struct rtg_bits c;

	mc->keys[RTG_KEY_ARGS].m = ~0ULL;
	mc->keys[RTG_KEY_ARGS].u = ~0ULL;
	c = masks_mc(mc, gen, RTG_HOOK_EXEC);
	*cm = c.m;
	*cu = c.u;
	return (c.m & ~hs->dc_m[RTG_KEY_ARGS]) ||
	       (c.m & c.u & ~hs->dc_u[RTG_KEY_ARGS]);
}

/* The exec rules: the new binary's path (and a script's: rules on it apply
 * too), decided with the acting process as it was before the exec. */
static __always_inline void exec_decide(struct exec_ctx *x,
					struct rtg_proc_state *old, __u32 uid)
{
	struct rtg_hookset *hs = hookset_active(x->gen, RTG_HOOK_EXEC);
	__u8 kind = RTG_KIND(RTG_HOOK_EXEC, RTG_KEY_PATH);
	struct misc *mc = x->s.mc;
	__u32 feat;

	if (!hs || !sel_enter(x->gen, RTG_HOOK_EXEC))
		return;
	feat = hs->features;
	clear_keys(mc);
	RTG_GLOBAL(rtg_path_key)(RTG_HOOK_EXEC, x->gen, FP_REAL_C);
	if (x->slen)
		path_bits(mc, x->gen, feat, kind, mc->sbuf, x->slen, NULL,
			  &mc->keys[RTG_KEY_PATH]);
	/* a script whose path is not known: failing closed */
	if (x->scut)
		mc->keys[RTG_KEY_PATH].m |= hs->strict & ~hs->dc_m[RTG_KEY_PATH];
	common_keys(mc, hs, RTG_HOOK_EXEC, x->gen, old, uid, x->incont);
	decide(hs, mc, x->gen, RTG_HOOK_EXEC, &x->v);
	if (feat & RTG_HF_ARGS) {
		x->pending =
		    args_pending(hs, mc, x->gen, &x->cand_m, &x->cand_u);
		x->reported_hi = x->cand_m & hs->loud;
	}
	if (!x->pending)
		x->enforced = enforce_kill(&x->v);
	x->held = sel_hold(); /* user/agent/selectors.c decides it */
	if (x->held && !(feat & RTG_HF_ARGS))
		args_pending(hs, mc, x->gen, &x->cand_m, &x->cand_u);
}

/* The record's strings after the binary: the script, the cwd, the args.
 * Returns the record's size. */
static __always_inline __u64 exec_strings(struct exec_ctx *x,
					  struct rtg_exec *e,
					  struct task_struct *p,
					  struct linux_binprm *bprm, __u64 pos)
{
	unsigned long as, ae;
	__u64 n, alen;
	long r;

	/* the script (the interpreter is the binary) */
	e->script_len = 0;
	if (bprm->interp != bprm->filename) {
		e->hdr.flags |= RTG_F_SCRIPT;
		pos = RTG_MASK(pos, 0x1fff);
		if (x->slen)
			r = bpf_probe_read_kernel_str(e->data + pos, 256,
						      x->s.mc->sbuf);
		else
			r = bpf_probe_read_kernel_str(e->data + pos, 256,
						      bprm->filename);
		if (r > 0 && r <= 256) {
			e->script_len = r;
			pos += r;
		}
	}

	/* cwd (resolved before the rules). Not path_copy(): this shape, with
	 * the cut decided in the one branch that bounds n, costs the
	 * verifier half the instructions path_copy()'s does here. */
	n = x->clen + 1;
	if (n > RTG_CWD_MAX) {
		n = RTG_CWD_MAX;
		x->ctrunc = true;
	}
	if (x->ctrunc)
		e->hdr.flags |= RTG_F_CWD_TRUNC;
	pos = RTG_MASK(pos, 0x1fff);
	n = RTG_MASK(n, 0x7ff);
	bpf_probe_read_kernel(e->data + pos, n, path_at(&x->s.ps->b, x->coff));
	e->data[RTG_MASK(pos + n - 1, 0x1fff)] = '\0';
	e->cwd_len = n;
	pos += n;

	/* args, NUL separated, from the new image's memory */
	as = BPF_CORE_READ(p, mm, arg_start);
	ae = BPF_CORE_READ(p, mm, arg_end);
	alen = ae > as ? ae - as : 0;
	if (alen > RTG_ARGS_MAX) {
		alen = RTG_ARGS_MAX;
		e->hdr.flags |= RTG_F_ARGS_TRUNC;
	}
	alen = RTG_MASK(alen, 0x7ff);
	pos = RTG_MASK(pos, 0x1fff);
	if (alen && bpf_probe_read_user(e->data + pos, alen, (void *)as)) {
		stat_inc(RTG_STAT_ARGS_FAULT);
		alen = 0;
	}
	e->args_len = alen;
	pos += alen;
	return pos + sizeof(*e);
}

/* The exec record: header and verdict, then the binary and exec_strings(). */
static __always_inline void exec_report(struct exec_ctx *x,
					struct task_struct *p,
					struct linux_binprm *bprm)
{
	struct rtg_exec *e = (void *)x->s.eb->d;
	__u64 size;
	__u32 n;

	fill_hdr(&e->hdr, RTG_EV_EXEC, p, &x->s.mc->st, x->now);
	set_verdict(&e->hdr, &x->v, x->gen, x->enforced);
	if (x->incont)
		e->hdr.flags |= RTG_F_IN_CONTAINER;
	if (x->pending)
		e->hdr.flags |= RTG_F_ARGS_PENDING;
	if (x->held)
		e->hdr.flags |= RTG_F_SEL_HELD;
	e->cand_m = x->cand_m;
	e->cand_u = x->cand_u;
	e->argc = bprm->argc;
	e->pad = 0;
	n = fpath_copy(e->data, RTG_PATH_MAX, &x->s.mc->fp, &x->s.ps->a,
		       &x->s.ps->c, &e->hdr);
	e->binary_len = n;
	size = exec_strings(x, e, p, bprm, n);
	emit(e, RTG_MASK(size, 0x3fff), RTG_EV_EXEC);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(HANDLE_EXEC, struct task_struct *p, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	struct exec_ctx x = {
		.now = bpf_ktime_get_boot_ns(),
		.gen = active_gen(),
		.v = { .rule = RTG_RULE_NONE },
		.incont = in_container(p),
	};
	__u32 uid = (__u32)bpf_get_current_uid_gid(), tgid = p->tgid;
	struct rtg_proc_state *old;
	__u64 fs;

	if (is_agent(tgid) || !scratch_get(&x.s))
		return 0;

	/* the binary: shown in scratch a, real in c (b is the cwd's) */
	x.s.mc->arg_file = (__u64)bprm->file;
	file_paths(x.s.mc, x.s.mc->arg_file, p, WALK_C, -1, false);
	/* the new image's state; the old one still decides `binary` */
	old = proc_get(x.s.mc, tgid, x.gen);
	exec_state(&x, p);
	fs = KREAD(struct task_struct, p, fs);
	RTG_GLOBAL(rtg_walk)(WALK_B, KREAD(struct fs_struct, fs, pwd.dentry),
			     real_mnt(KREAD(struct fs_struct, fs, pwd.mnt)), 0,
			     0);
	x.coff = x.s.mc->wr.off;
	x.clen = x.s.mc->wr.len;
	x.ctrunc = x.s.mc->wr.trunc;
	if (bprm->interp != bprm->filename)
		x.slen = script_path(x.s.mc, &x.s.ps->b, x.coff, x.clen,
				     x.ctrunc, bprm->filename, &x.scut);
	exec_decide(&x, old, uid);
	if (x.v.action >= RTG_ACT_AUDIT || (x.pending && x.reported_hi))
		x.s.mc->st.flags |= RTG_PS_REPORTED;

	/* the new image's state, binary masks for every hook */
	rtg_proc_bin_bits(0, x.gen);
	if (bpf_map_update_elem(&procs, &tgid, &x.s.mc->st, BPF_ANY))
		stat_inc(RTG_STAT_PROCS_FULL);

	exec_report(&x, p, bprm);
	return 0;
}

#ifndef RTG_BTF_LOADS
/* An exit is reported (audit) only for a process whose exec was
 * (RTG_PS_REPORTED). For the others the record still comes, as allow,
 * which user space does not print: every exec reaches user space to keep
 * its process cache (user/lib/proc_cache.h) current, and this record is how
 * that cache learns the process is gone. That is the cheapest sound way:
 * without it the cache would hold every allowed process until evicted,
 * and learning exits otherwise (pidfds, /proc scans) costs a syscall per
 * process. */
static __always_inline void exit_report(struct task_struct *p,
					const struct rtg_proc_state *st)
{
	struct rtg_verdict v = {RTG_ACT_ALLOW, RTG_MECH_NONE, RTG_RULE_NONE};
	struct rtg_exit *e;
	int code;

	EMIT_RESERVE(e, RTG_EV_EXIT, false);
	if (!e)
		return;
	if (st->flags & RTG_PS_REPORTED)
		v.action = RTG_ACT_AUDIT;
	fill_hdr(&e->hdr, RTG_EV_EXIT, p, st, bpf_ktime_get_boot_ns());
	set_verdict(&e->hdr, &v, active_gen(), false);
	code = p->exit_code;
	e->signal = code & 0x7f;
	e->code = e->signal ? 0 : (code >> 8) & 0xff;
	emit_submit(e, RTG_EV_EXIT, false);
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(handle_exit, struct task_struct *p)
{
	struct rtg_proc_state *st;
	__u32 tgid;

	if (p->signal->live.counter != 0)
		return 0; /* other threads still run */
	tgid = p->tgid;
	if (is_agent(tgid))
		return 0;
	st = bpf_map_lookup_elem(&procs, &tgid);
	if (!st)
		return 0;
	if (st->flags & RTG_PS_EXEC)
		exit_report(p, st);
	bpf_map_delete_elem(&procs, &tgid);
	return 0;
}
#endif /* !RTG_BTF_LOADS */
