// SPDX-License-Identifier: GPL-2.0
/*
 * What a process does to the kernel: loading or removing a module
 * (init_module(2), finit_module(2), delete_module(2)), loading or
 * attaching a BPF program (bpf(2)), and mounts (mount(2), umount2(2),
 * move_mount(2), fsmount(2), pivot_root(2), open_tree(2) with
 * OPEN_TREE_CLONE, mount_setattr(2)), from the syscall tracepoints at
 * exit: the attempt is the event, whatever its outcome. A deny or kill
 * verdict kills the process before it returns to user space (the
 * operation itself has happened); with BPF LSM, lsm_more.bpf.c refuses
 * module loads, bpf(2) and mount(2) with EPERM instead.
 *
 * A kernel built without module support has no module syscall
 * tracepoints; the attempts are then seen at raw_syscalls' sys_enter
 * (sys_enter_module_raw; user/lib/probe_more.c decides which loads): a
 * delete_module name not faulted in yet is not seen there.
 */
#include "more.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Argument n (1-6) of the syscall in progress, from its saved registers:
 * the sys_exit tracepoints carry only the return value. The hooks here
 * run at exit because the kernel has read the user's strings by then
 * (a string in a page not faulted in yet cannot be read at entry). */
#define ARG(n)                                                                 \
	PT_REGS_PARM##n##_CORE_SYSCALL(                                        \
	    (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf()))

/* ---- modules ------------------------------------------------------------- */

/* The struct file of fd in the current task, or NULL. */
static __always_inline struct file *cur_fd_file(struct task_struct *task,
						long fd)
{
	struct fdtable *fdt = task->files->fdt;
	struct file **fds, *file = NULL;

	if (fd < 0 || fd >= fdt->max_fds)
		return NULL;
	fds = fdt->fd;
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	return file;
}

/* finit_module's fd (fd >= 0), or delete_module's name (uname). */
static __always_inline int module_event(int op, long fd, const char *uname)
{
	struct more_ctx x;
	struct rtg_more *e;
	struct file *file = NULL;
	bool enforced;

	if (!more_begin(&x, RTG_HOOK_MODULE, (__u32)bpf_get_current_uid_gid()))
		return 0;
	more_op(&x, RTG_KEY_SYSCALL, op);
	if (op == RTG_MODULE_FINIT)
		file = cur_fd_file(x.task, fd);
	if (file)
		more_path_file(&x, file);
	more_decide(&x);
	/* BPF LSM refuses loads (kernel_read_file, kernel_load_data) */
	if (x.v.action < RTG_ACT_AUDIT ||
	    more_lsm_decides(&x, op != RTG_MODULE_DELETE))
		return 0;
	enforced = more_enforce_tp(&x);
	e = more_record(&x, RTG_EV_MODULE, op, enforced);
	if (file)
		more_s0_path(&x, e);
	else
		e->s0_len = more_str(e, NULL, false);
	e->s1_len = more_str(e, uname, true);
	more_emit(e, RTG_EV_MODULE);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_init_module")
int exit_init_module(void *ctx)
{
	return module_event(RTG_MODULE_INIT, -1, NULL);
}

SEC("tracepoint/syscalls/sys_exit_finit_module")
int exit_finit_module(void *ctx)
{
	return module_event(RTG_MODULE_FINIT, ARG(1), NULL);
}

SEC("tracepoint/syscalls/sys_exit_delete_module")
int exit_delete_module(void *ctx)
{
	return module_event(RTG_MODULE_DELETE, -1, (void *)ARG(1));
}

#if defined(__TARGET_ARCH_x86)
#define NR_INIT_MODULE	 175
#define NR_DELETE_MODULE 176
#define NR_FINIT_MODULE	 313
#elif defined(__TARGET_ARCH_arm64)
#define NR_INIT_MODULE	 105
#define NR_DELETE_MODULE 106
#define NR_FINIT_MODULE	 273
#endif

/* Every syscall passes here: the program returns at the first compare
 * for all but the three module calls. */
SEC("raw_tp/sys_enter")
int BPF_PROG(sys_enter_module_raw, struct pt_regs *regs, long id)
{
	const char *uname = NULL;
	long fd = -1;
	int op;

	/* one call: each would be a copy for the verifier */
	if (id == NR_FINIT_MODULE) {
		op = RTG_MODULE_FINIT;
		fd = PT_REGS_PARM1_CORE_SYSCALL(regs);
	} else if (id == NR_INIT_MODULE) {
		op = RTG_MODULE_INIT;
	} else if (id == NR_DELETE_MODULE) {
		op = RTG_MODULE_DELETE;
		uname = (const char *)PT_REGS_PARM1_CORE_SYSCALL(regs);
	} else {
		return 0;
	}
	return module_event(op, fd, uname);
}

/* ---- BPF ----------------------------------------------------------------- */

#define BPF_PROG_LOAD_CMD	 5
#define BPF_PROG_ATTACH_CMD	 8
#define BPF_RAW_TP_OPEN_CMD	 17
#define BPF_LINK_CREATE_CMD	 28
#define ATTR_PROG_NAME_OFF	 48 /* union bpf_attr, BPF_PROG_LOAD */
#define ATTR_ATTACH_TYPE_OFF	 8  /* BPF_PROG_ATTACH, BPF_LINK_CREATE */
#define ATTR_EXP_ATTACH_TYPE_OFF 68 /* BPF_PROG_LOAD */

static __always_inline int bpf_op(long cmd)
{
	switch (cmd) {
	case BPF_PROG_LOAD_CMD:
		return RTG_BPF_PROG_LOAD;
	case BPF_PROG_ATTACH_CMD:
		return RTG_BPF_PROG_ATTACH;
	case BPF_LINK_CREATE_CMD:
		return RTG_BPF_LINK_CREATE;
	case BPF_RAW_TP_OPEN_CMD:
		return RTG_BPF_RAW_TP_OPEN;
	}
	return -1;
}

/* bpf(2) by any process but the agent (more_begin() leaves it out). */
SEC("tracepoint/syscalls/sys_exit_bpf")
int exit_bpf(void *ctx)
{
	char *attr = (void *)ARG(2);
	int op = bpf_op(ARG(1));
	struct more_ctx x;
	struct rtg_more *e;
	__u64 name = 0;
	bool enforced;

	if (op < 0 ||
	    !more_begin(&x, RTG_HOOK_BPF, (__u32)bpf_get_current_uid_gid()))
		return 0;
	more_op(&x, RTG_KEY_SYSCALL, op);
	more_decide(&x);
	if (x.v.action < RTG_ACT_AUDIT || more_lsm_decides(&x, true))
		return 0;
	enforced = more_enforce_tp(&x);
	e = more_record(&x, RTG_EV_BPF, op, enforced);
	e->s0_len = more_str(e, NULL, false);
	if (op == RTG_BPF_PROG_LOAD) {
		bpf_probe_read_user(&e->bpf.prog_type, 4, attr);
		bpf_probe_read_user(&e->bpf.attach_type, 4,
				    attr + ATTR_EXP_ATTACH_TYPE_OFF);
		/* prog_name: 16 bytes, NUL-terminated when shorter */
		e->s1_len = more_str(e, attr + ATTR_PROG_NAME_OFF, true);
	} else if (op == RTG_BPF_RAW_TP_OPEN) {
		bpf_probe_read_user(&name, sizeof(name), attr);
		e->s1_len = more_str(e, (void *)name, true);
	} else {
		bpf_probe_read_user(&e->bpf.attach_type, 4,
				    attr + ATTR_ATTACH_TYPE_OFF);
		e->s1_len = more_str(e, NULL, false);
	}
	more_emit(e, RTG_EV_BPF);
	return 0;
}

/* ---- mounts -------------------------------------------------------------- */

#define AT_FDCWD	-100
#define OPEN_TREE_CLONE 1

/* op_dfd: the op, and in its high 32 bits the dfd; target: the user's
 * path (resolved against the cwd when relative and dfd is AT_FDCWD; left
 * as given relative to another dfd), source and fstype user strings (may
 * be NULL). A global function: the verifier checks it once with its
 * arguments unknown, not once for each call the one program serves
 * (exit_mounts); five arguments at most. */
__noinline int mount_event(__u64 op_dfd, __u64 target_a, __u64 source_a,
			   __u64 fstype_a, __u64 flags)
{
	int op = (__u32)op_dfd, dfd = (int)(op_dfd >> 32);
	const char *target = (const char *)target_a;
	const char *source = (const char *)source_a;
	const char *fstype = (const char *)fstype_a;
	struct more_ctx x;
	struct rtg_more *e;
	__u32 tlen = 0;
	bool enforced;

	if (!more_begin(&x, RTG_HOOK_MOUNT, (__u32)bpf_get_current_uid_gid()))
		return 0;
	more_op(&x, RTG_KEY_SYSCALL, op);
	if (target && dfd == AT_FDCWD)
		tlen = more_user_path(&x, target);
	if (tlen)
		more_path_sbuf(&x, tlen);
	more_decide(&x);
	/* BPF LSM refuses mount(2), umount2(2), move_mount(2), pivot_root(2)
	 * (lsm_more.bpf.c) */
	if (x.v.action < RTG_ACT_AUDIT ||
	    more_lsm_decides(&x, op == RTG_MOUNT_MOUNT ||
				     op == RTG_MOUNT_UMOUNT2 ||
				     op == RTG_MOUNT_MOVE_MOUNT ||
				     op == RTG_MOUNT_PIVOT_ROOT))
		return 0;
	enforced = more_enforce_tp(&x);
	e = more_record(&x, RTG_EV_MOUNT, op, enforced);
	if (tlen)
		more_s0_sbuf(&x, e, tlen);
	else
		e->s0_len = more_str(e, target, true);
	e->s1_len = more_str(e, source, true);
	e->s2_len = more_str(e, fstype, true);
	e->flags.flags = flags;
	more_emit(e, RTG_EV_MOUNT);
	return 0;
}

#if defined(__TARGET_ARCH_x86)
#define NR_MOUNT      165
#define NR_UMOUNT2    166
#define NR_PIVOT_ROOT 155
#elif defined(__TARGET_ARCH_arm64)
#define NR_MOUNT      40
#define NR_UMOUNT2    39
#define NR_PIVOT_ROOT 41
#endif
#define NR_OPEN_TREE	 428
#define NR_MOVE_MOUNT	 429
#define NR_FSMOUNT	 432
#define NR_MOUNT_SETATTR 442

/* One program for the sys_exit tracepoints of the seven calls: the
 * skeleton attaches it to mount's, user space to the others the kernel
 * has (user/agent/load_more.c), so the verifier checks mount_event() once,
 * not seven times. The syscall is the record's own (an int in the syscall
 * tracepoints' records). */
SEC("tracepoint/syscalls/sys_exit_mount")
int exit_mounts(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs =
	    (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	const char *target = NULL, *source = NULL, *fstype = NULL;
	long dfd = AT_FDCWD;
	__u64 flags = 0;
	int op;

	switch ((int)ctx->id) {
	case NR_MOUNT:
		op = RTG_MOUNT_MOUNT;
		source = (void *)PT_REGS_PARM1_CORE_SYSCALL(regs);
		target = (void *)PT_REGS_PARM2_CORE_SYSCALL(regs);
		fstype = (void *)PT_REGS_PARM3_CORE_SYSCALL(regs);
		flags = PT_REGS_PARM4_CORE_SYSCALL(regs);
		break;
	case NR_UMOUNT2:
		op = RTG_MOUNT_UMOUNT2;
		target = (void *)PT_REGS_PARM1_CORE_SYSCALL(regs);
		flags = PT_REGS_PARM2_CORE_SYSCALL(regs);
		break;
	case NR_MOVE_MOUNT:
		op = RTG_MOUNT_MOVE_MOUNT;
		source = (void *)PT_REGS_PARM2_CORE_SYSCALL(regs);
		dfd = (int)PT_REGS_PARM3_CORE_SYSCALL(regs);
		target = (void *)PT_REGS_PARM4_CORE_SYSCALL(regs);
		flags = PT_REGS_PARM5_CORE_SYSCALL(regs);
		break;
	case NR_FSMOUNT:
		op = RTG_MOUNT_FSMOUNT;
		flags = PT_REGS_PARM2_CORE_SYSCALL(regs);
		break;
	case NR_PIVOT_ROOT:
		op = RTG_MOUNT_PIVOT_ROOT;
		target = (void *)PT_REGS_PARM1_CORE_SYSCALL(regs);
		source = (void *)PT_REGS_PARM2_CORE_SYSCALL(regs);
		break;
	case NR_OPEN_TREE:
		/* without OPEN_TREE_CLONE an O_PATH open: not a mount */
		flags = PT_REGS_PARM3_CORE_SYSCALL(regs);
		if (!(flags & OPEN_TREE_CLONE))
			return 0;
		op = RTG_MOUNT_OPEN_TREE;
		dfd = (int)PT_REGS_PARM1_CORE_SYSCALL(regs);
		target = (void *)PT_REGS_PARM2_CORE_SYSCALL(regs);
		break;
	case NR_MOUNT_SETATTR:
		op = RTG_MOUNT_SETATTR;
		dfd = (int)PT_REGS_PARM1_CORE_SYSCALL(regs);
		target = (void *)PT_REGS_PARM2_CORE_SYSCALL(regs);
		flags = PT_REGS_PARM3_CORE_SYSCALL(regs);
		break;
	default:
		return 0;
	}
	return mount_event((__u32)op | (__u64)(__u32)dfd << 32, (__u64)target,
			   (__u64)source, (__u64)fstype, flags);
}
