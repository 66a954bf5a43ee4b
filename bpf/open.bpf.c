// SPDX-License-Identifier: GPL-2.0
/*
 * File opens, seen at the sys_exit tracepoints of open(2), openat(2),
 * openat2(2) and creat(2): the new fd's struct file gives the real path;
 * the flags as passed come from the syscall's saved registers (no
 * sys_enter program needed). A deny or kill verdict kills the process
 * (SIGKILL before it returns to user space), unless lsm/file_open
 * (lsm.bpf.c) already refused the open.
 *
 * Which of these tracepoints load is decided by user space (they differ by
 * architecture; see user/lib/probe.c).
 */
#include "file.bpf.h"

char LICENSE[] SEC("license") = "GPL";

enum open_kind { OPEN_AT, OPEN_AT2, OPEN_PLAIN, OPEN_CREAT };

/* The open flags as passed, from the saved registers of the syscall. */
static __always_inline __u32 open_flags(struct pt_regs *regs,
					enum open_kind kind)
{
	__u64 how_flags = 0;

	switch (kind) {
	case OPEN_AT:
		return PT_REGS_PARM3_CORE_SYSCALL(regs);
	case OPEN_AT2:
		bpf_probe_read_user(&how_flags, sizeof(how_flags),
				    (void *)PT_REGS_PARM3_CORE_SYSCALL(regs));
		return how_flags;
	case OPEN_PLAIN:
		return PT_REGS_PARM2_CORE_SYSCALL(regs);
	default:
		return O_CREAT | O_WRONLY | O_TRUNC;
	}
}

/* The struct file of the current task's fd, or NULL. */
static __always_inline struct file *fd_file(struct task_struct *task, long fd)
{
	struct fdtable *fdt = task->files->fdt;
	struct file **fds, *file = NULL;

	if (fd >= fdt->max_fds)
		return NULL;
	fds = fdt->fd;
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	return file;
}

static __always_inline int open_exit(long fd, enum open_kind kind)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct rtg_verdict v;
	struct evbuf *eb;
	struct file *file;
	__u32 size, fl, gen;
	bool enforced;

	if (fd < 0)
		return 0;
	/* the cheap check first: most opens meet no open rule at all */
	if (!hookset_active(active_gen(), RTG_HOOK_OPEN))
		return 0;
	file = fd_file(task, fd);
	if (!file)
		return 0;
	fl = open_flags((struct pt_regs *)bpf_task_pt_regs(task), kind);

	size = open_eval(file, fl, task, &v, &gen);
	if (!size)
		return 0;
	/* with BPF LSM the lsm program already decided and reported */
	if (v.action >= RTG_ACT_DENY && v.mech == RTG_MECH_LSM &&
	    CFG(lsm_active))
		return 0;
	enforced = enforce_kill(&v);
	eb = scratch_ev_get();
	if (!eb)
		return 0;
	set_verdict((struct rtg_hdr *)eb->d, &v, gen, enforced);
	if (size > EV_BUF)
		return 0;
	emit(eb->d, size, RTG_EV_OPEN);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_openat")
int exit_openat(struct trace_event_raw_sys_exit *ctx)
{
	return open_exit(ctx->ret, OPEN_AT);
}

SEC("tracepoint/syscalls/sys_exit_openat2")
int exit_openat2(struct trace_event_raw_sys_exit *ctx)
{
	return open_exit(ctx->ret, OPEN_AT2);
}

SEC("tracepoint/syscalls/sys_exit_open")
int exit_open(struct trace_event_raw_sys_exit *ctx)
{
	return open_exit(ctx->ret, OPEN_PLAIN);
}

SEC("tracepoint/syscalls/sys_exit_creat")
int exit_creat(struct trace_event_raw_sys_exit *ctx)
{
	return open_exit(ctx->ret, OPEN_CREAT);
}
