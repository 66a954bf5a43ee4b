// SPDX-License-Identifier: GPL-2.0
/*
 * Files mapped executable outside execve: mmap(2) with PROT_EXEC of a
 * file, and mprotect(2) adding PROT_EXEC to a file mapping, from the
 * syscall tracepoints at entry (execve maps its images inside the kernel,
 * not through these syscalls). This is how ld.so, a custom loader or
 * dlopen() bring code in.
 *
 * Two sets of rules decide: the `mmap_exec` rules, and the exec rules
 * with a `path` that deny or kill — a file no one may exec may not be
 * mapped executable either (`ld.so /path/denied`). Only rules about a
 * file, not the exec defaults nor rules without a `path`: an exec
 * allow-list does not list every library. A deny or kill verdict
 * kills the process before the mapping returns, so none of the file's
 * code runs; with BPF LSM, lsm/mmap_file and lsm/file_mprotect
 * (lsm_more.bpf.c) refuse the mapping with EPERM instead.
 */
#include "more.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define PROT_EXEC     0x4
#define MAP_ANONYMOUS 0x20
#define VM_EXEC	      0x4

/* A file mapped executable: both sets of rules, the stricter verdict. */
static __always_inline int map_exec(struct file *file, int op, __u32 prot,
				    __u32 flags)
{
	struct rtg_verdict ev;
	struct more_ctx x;
	struct rtg_more *e;
	bool enforced, by_exec = false;

	if (!more_begin(&x, RTG_HOOK_MMAP_EXEC,
			(__u32)bpf_get_current_uid_gid()))
		return 0;
	more_path_file(&x, file);
	more_op(&x, RTG_KEY_SYSCALL, op);
	more_decide(&x);
	more_exec_rules(&x, &ev);
	if (ev.action > x.v.action) {
		x.v = ev;
		by_exec = true;
	}
	if (x.v.action < RTG_ACT_AUDIT || more_lsm_decides(&x, true))
		return 0;
	enforced = more_enforce_tp(&x);
	e = more_record(&x, RTG_EV_MMAP_EXEC, op, enforced);
	if (by_exec)
		e->hdr.flags |= RTG_F_EXEC_RULE;
	e->mmap.prot = prot;
	e->mmap.flags = flags;
	more_s0_path(&x, e);
	more_emit(e, RTG_EV_MMAP_EXEC);
	return 0;
}

/* Anything to decide? The mmap_exec rules, or exec rules that deny. The
 * exec hook is looked at even when mmap_exec has no rule; more_begin()
 * needs mmap_exec active, so its ruleset always is when exec denies (the
 * compiler sees to it). */
static __always_inline bool map_rules(void)
{
	return hookset_active(active_gen(), RTG_HOOK_MMAP_EXEC);
}

SEC("tracepoint/syscalls/sys_enter_mmap")
int enter_mmap(struct trace_event_raw_sys_enter *ctx)
{
	__u32 prot = ctx->args[2], flags = ctx->args[3];
	struct task_struct *task;
	struct fdtable *fdt;
	struct file *file = NULL;
	long fd = (int)ctx->args[4];

	if (!(prot & PROT_EXEC) || (flags & MAP_ANONYMOUS) || fd < 0 ||
	    !map_rules())
		return 0;
	task = bpf_get_current_task_btf();
	fdt = task->files->fdt;
	if (fd >= fdt->max_fds)
		return 0;
	bpf_probe_read_kernel(&file, sizeof(file), &fdt->fd[fd]);
	if (!file)
		return 0;
	return map_exec(file, RTG_MMAP_MMAP, prot, flags);
}

struct vma_ctx {
	struct file *file;
	__u64 vm_flags;
};

static long vma_file(struct task_struct *task, struct vm_area_struct *vma,
		     void *arg)
{
	struct vma_ctx *c = arg;

	c->file = vma->vm_file;
	c->vm_flags = BPF_CORE_READ(vma, vm_flags);
	return 0;
}

/* mprotect(2) that makes a file mapping executable (once: a mapping that
 * is executable already is not looked at again). */
SEC("tracepoint/syscalls/sys_enter_mprotect")
int enter_mprotect(struct trace_event_raw_sys_enter *ctx)
{
	__u32 prot = ctx->args[2];
	struct vma_ctx c = {};

	if (!(prot & PROT_EXEC) || !map_rules())
		return 0;
	if (bpf_find_vma(bpf_get_current_task_btf(), ctx->args[0], vma_file, &c,
			 0))
		return 0;
	if (!c.file || (c.vm_flags & VM_EXEC))
		return 0;
	return map_exec(c.file, RTG_MMAP_MPROTECT, prot, 0);
}
