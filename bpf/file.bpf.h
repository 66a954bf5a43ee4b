/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The verdict on an operation on a struct file: an open (the sys_exit
 * tracepoints of open.bpf.c, lsm/file_open) or the exec of the file
 * (lsm/bprm_check_security in lsm.bpf.c). The path is resolved from the
 * file itself, never from the string the process passed.
 */
#ifndef RTG_FILE_BPF_H
#define RTG_FILE_BPF_H

#include "emit.bpf.h"
#include "match.bpf.h"

#define O_ACCMODE 00000003
#define O_WRONLY 00000001
#define O_RDWR 00000002
#define O_CREAT 00000100
#define O_TRUNC 00001000

static __always_inline void open_flag_keys(struct misc *mc,
					   struct rtg_hookset *hs, __u32 fl)
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
	mc->keys[RTG_KEY_FLAGS] = b;
}

/* What file_eval() found: the path resolved into s.ps->a at off, the
 * acting process's procs entry, the verdict. */
struct file_eval {
	__u32 gen, off, len;
	bool trunc, incont;
	struct scratch s;
	struct rtg_proc_state *st;
	struct rtg_verdict v;
};

/* The path resolved and looked up, the flags (open only), and the acting
 * process's binary, uid and container. false when the hook has no rules or
 * the actor is the agent. */
static __always_inline bool file_eval(int hook, struct file *file, __u32 fl,
				      struct task_struct *task,
				      struct file_eval *fe)
{
	__u32 uid = (__u32)bpf_get_current_uid_gid();
	struct rtg_hookset *hs;
	struct misc *mc;

	hs = hook_rules(hook, &fe->gen);
	if (!hs || !scratch_get(&fe->s))
		return false;
	mc = fe->s.mc;

	fe->off = path_resolve(&fe->s.ps->a, BPF_CORE_READ(file, f_path.dentry),
			       BPF_CORE_READ(file, f_path.mnt), &fe->len,
			       &fe->trunc);
	clear_keys(mc);
	resolved_bits(mc, fe->gen, hs->features, RTG_KIND(hook, RTG_KEY_PATH),
		      &fe->s.ps->a, fe->off, fe->len, &mc->keys[RTG_KEY_PATH]);
	if (hook == RTG_HOOK_OPEN)
		open_flag_keys(mc, hs, fl);
	fe->st = proc_get(mc, bpf_get_current_pid_tgid() >> 32, fe->gen);
	fe->incont = in_container(task);
	common_keys(mc, hs, hook, fe->gen, fe->st, uid, fe->incont);
	decide(hs, mc->keys, &fe->v);
	return true;
}

/* Evaluates an open of `file` with open flags fl; fills the record's path
 * part when the verdict needs an event. Returns the record size, 0 when no
 * event is due. */
static __always_inline __u32 open_eval(struct file *file, __u32 fl,
				       struct task_struct *task,
				       struct rtg_verdict *v, __u32 *genp)
{
	struct file_eval fe;
	struct rtg_open *e;
	__u32 n;

	if (!file_eval(RTG_HOOK_OPEN, file, fl, task, &fe))
		return 0;
	*genp = fe.gen;
	*v = fe.v;
	if (v->action < RTG_ACT_AUDIT)
		return 0;

	e = (void *)fe.s.eb->d;
	fill_hdr(&e->hdr, RTG_EV_OPEN, task, fe.st, bpf_ktime_get_boot_ns());
	if (fe.trunc)
		e->hdr.flags |= RTG_F_PATH_TRUNC;
	if (fe.incont)
		e->hdr.flags |= RTG_F_IN_CONTAINER;
	e->oflags = fl;
	e->fmode = BPF_CORE_READ(file, f_mode);
	e->ino = BPF_CORE_READ(file, f_inode, i_ino);
	e->dev = BPF_CORE_READ(file, f_inode, i_sb, s_dev);
	e->pad = 0;
	n = path_copy(e->path, &fe.s.ps->a, fe.off, fe.len, RTG_PATH_MAX);
	e->path_len = n;
	return sizeof(*e) + n;
}

#endif
