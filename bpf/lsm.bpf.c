// SPDX-License-Identifier: GPL-2.0
/*
 * BPF LSM: deny rules whose mechanism is RTG_MECH_LSM are decided here,
 * before the open or the exec happens (-EPERM); everything else is left to
 * the tracepoints (open.bpf.c, exec.bpf.c), which see the same operation
 * after it. User space loads these programs only where BPF LSM works
 * (user/lib/probe.c decides).
 */
#include "file.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define EPERM		1
#define FMODE_EXEC_FLAG 0x20 /* __FMODE_EXEC in f_flags */

/* -EPERM, or 0 in dry-run (the record says which). */
static __always_inline int lsm_deny(void)
{
	return CFG(dry_run) ? 0 : -EPERM;
}

SEC("lsm/file_open")
int BPF_PROG(lsm_file_open, struct file *file)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct rtg_verdict v;
	struct evbuf *eb;
	__u32 size, gen, fl = file->f_flags;

	if (fl & FMODE_EXEC_FLAG)
		return 0; /* exec: lsm_bprm_check decides */
	size = open_eval(file, fl, task, &v, &gen);
	if (!size || v.action < RTG_ACT_DENY || v.mech != RTG_MECH_LSM)
		return 0;
	eb = scratch_ev_get();
	if (!eb)
		return 0;
	v.action = RTG_ACT_DENY;
	set_verdict((struct rtg_hdr *)eb->d, &v, gen, !CFG(dry_run));
	if (size > EV_BUF)
		return 0;
	emit(eb->d, size, RTG_EV_OPEN);
	return lsm_deny();
}

SEC("lsm/bprm_check_security")
int BPF_PROG(lsm_bprm_check, struct linux_binprm *bprm)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct file_eval fe;
	struct rtg_exec *e;
	__u32 n;

	if (!file_eval(RTG_HOOK_EXEC, bprm->file, 0, task, &fe))
		return 0;
	if (fe.v.action < RTG_ACT_DENY || fe.v.mech != RTG_MECH_LSM)
		return 0;

	e = (void *)fe.s.eb->d;
	fill_hdr(&e->hdr, RTG_EV_EXEC, task, fe.st, bpf_ktime_get_boot_ns());
	fe.v.action = RTG_ACT_DENY;
	set_verdict(&e->hdr, &fe.v, fe.gen, !CFG(dry_run));
	if (fe.trunc)
		e->hdr.flags |= RTG_F_PATH_TRUNC;
	e->argc = bprm->argc;
	e->cand_m = 0;
	e->cand_u = 0;
	e->pad = 0;
	n = path_copy(e->data, &fe.s.ps->a, fe.off, fe.len, RTG_PATH_MAX);
	e->binary_len = n;
	e->script_len = 0;
	e->cwd_len = 0;
	e->args_len = 0;
	emit(e, sizeof(*e) + n, RTG_EV_EXEC);
	return lsm_deny();
}
