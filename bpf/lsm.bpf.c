// SPDX-License-Identifier: GPL-2.0
/*
 * BPF LSM: deny rules whose mechanism is RTG_MECH_LSM are decided here,
 * before the open or the exec happens (-EPERM); everything else is left to
 * the tracepoints (open.bpf.c, exec.bpf.c), which see the same operation
 * after it. User space loads these programs only where BPF LSM works
 * (user/lib/probe.c decides). Built twice, as open.bpf.c is.
 */
#include "file.bpf.h"

#ifndef RTG_LICENSE_DONE /* file_btf.bpf.c has one */
char LICENSE[] SEC("license") = "GPL";
#endif

#define EPERM		1
#define FMODE_EXEC_FLAG 0x20 /* __FMODE_EXEC in f_flags */

/* -EPERM, or 0 in dry-run (the record says which). */
static __always_inline int lsm_deny(void)
{
	return CFG(dry_run) ? 0 : -EPERM;
}

/* The programs of the build with direct BTF loads carry a suffix
 * (kread.bpf.h): file_btf.bpf.c. */
#ifdef RTG_BTF_LOADS
#define LSM_FILE_OPEN lsm_file_open_btf
#define LSM_BPRM_CHECK lsm_bprm_check_btf
#else
#define LSM_FILE_OPEN lsm_file_open
#define LSM_BPRM_CHECK lsm_bprm_check
#endif

/* f_flags still hold O_CREAT and O_TRUNC here (the kernel clears them
 * after this hook): the kernel's own copy of the open's flags. */
SEC("lsm/file_open")
int BPF_PROG(LSM_FILE_OPEN, struct file *file)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct open_handoff *h = bpf_map_lookup_elem(&open_handoff, &zero);
	struct rtg_hookset *hs;
	struct rtg_verdict v;
	struct misc *mc;
	struct evbuf *eb;
	__u32 size, gen, fl = file->f_flags;
	int r;

	if (h)
		h->file = 0;
	if (fl & FMODE_EXEC_FLAG)
		return 0; /* exec: lsm_bprm_check decides */
	gen = active_gen();
	hs = hookset_active(gen, RTG_HOOK_OPEN);
	mc = bpf_map_lookup_elem(&scratch_misc, &zero);
	if (!hs || !mc)
		return 0;
	r = PREFILTER_FAST(hs, mc, gen, (__u64)file, task, fl);
	if (!r) {
		/* decided on the file's own flags and path, without the
		 * real file of an overlay (the fast path leaves those) */
		if (h) {
			h->task = (__u64)task;
			h->start = task->start_time;
			h->csw = task_csw(task);
			h->gen = gen;
			h->file = (__u64)file;
		}
		return 0;
	}
	mc->arg_file = (__u64)file;
	mc->arg_task = (__u64)task;
	if (r == 2 && !RTG_GLOBAL(rtg_prefilter)(fl, gen, 1))
		return 0;
	size = RTG_GLOBAL(rtg_open_eval)(fl, 1);
	v = mc->v;
	gen = mc->gen;
	if (!size || v.action < RTG_ACT_DENY || v.mech != RTG_MECH_LSM)
		return 0;
	eb = scratch_ev_get();
	if (!eb)
		return 0;
	v.action = RTG_ACT_DENY;
	set_verdict((struct rtg_hdr *)eb->d, &v, gen, !CFG(dry_run));
	if (size > EV_BUF)
		return 0;
	emit(eb->d, RTG_MASK(size, 2 * EV_BUF - 1), RTG_EV_OPEN);
	return lsm_deny();
}

SEC("lsm/bprm_check_security")
int BPF_PROG(LSM_BPRM_CHECK, struct linux_binprm *bprm)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct file_eval fe;
	struct rtg_exec *e;
	__u32 n;

	if (!file_eval(RTG_HOOK_EXEC, bprm->file, 0, task, true, &fe))
		return 0;
	if (fe.v.action < RTG_ACT_DENY || fe.v.mech != RTG_MECH_LSM)
		return 0;

	e = (void *)fe.s.eb->d;
	fill_hdr(&e->hdr, RTG_EV_EXEC, task, fe.st, bpf_ktime_get_boot_ns());
	fe.v.action = RTG_ACT_DENY;
	set_verdict(&e->hdr, &fe.v, fe.gen, !CFG(dry_run));
	e->argc = bprm->argc;
	e->cand_m = 0;
	e->cand_u = 0;
	e->pad = 0;
	n = fpath_copy(e->data, RTG_PATH_MAX, &fe.s.mc->fp, &fe.s.ps->a,
		       &fe.s.ps->b, &e->hdr);
	e->binary_len = n;
	e->script_len = 0;
	e->cwd_len = 0;
	e->args_len = 0;
	emit(e, sizeof(*e) + n, RTG_EV_EXEC);
	return lsm_deny();
}
