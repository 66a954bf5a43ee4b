// SPDX-License-Identifier: GPL-2.0
/*
 * Trials of `rtguard probe` (user/lib/probe_walk.c) that need the kernel's
 * BTF, apart from bpf/probe.bpf.c so that its trials keep loading without
 * parsing it:
 *   - probe_fmode: the f_mode of each file the prober opens (read with
 *     CO-RE probe reads): the bit FMODE_CREATED has on this kernel, which
 *     moved between releases (bpf/open.bpf.c needs it for openat2); and
 *     where the syscall's saved registers lie in the task's stack
 *     (bpf_task_pt_regs() less task->stack), a constant of the kernel's
 *     build (THREAD_SIZE) that the open programs add to task->stack
 *     instead of calling the helper;
 *   - probe_rdonly_cast: bpf_rdonly_cast() (Linux 6.2+) works from a
 *     tracepoint: the walks may use direct BTF loads (bpf/kread.bpf.h).
 * Both only act for the prober's own process (target_pid).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;

__u32 target_pid = 0;
__u32 fmodes[4]; /* f_mode of the prober's opens, in order */
__u32 nfmodes;
__u64 regs_offs[4]; /* bpf_task_pt_regs() - task->stack, at each */
__u64 cast_hits; /* probe_rdonly_cast read a field through a cast */

static __always_inline struct file *fd_file(long fd)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct fdtable *fdt = t->files->fdt;
	struct file *f = NULL;

	if (fd >= fdt->max_fds)
		return NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fdt->fd[fd]);
	return f;
}

SEC("?tracepoint/syscalls/sys_exit_openat")
int probe_fmode(struct trace_event_raw_sys_exit *ctx)
{
	struct task_struct *t;
	struct file *f;
	__u32 n = nfmodes;
	__u64 regs, a = 0;

	if ((bpf_get_current_pid_tgid() >> 32) != target_pid || ctx->ret < 0)
		return 0;
	f = fd_file(ctx->ret);
	if (!f || n >= 4)
		return 0;
	fmodes[n] = BPF_CORE_READ(f, f_mode);
	t = bpf_get_current_task_btf();
	regs = bpf_task_pt_regs(t);
	/* through the stack: as a number, not the helper's typed pointer */
	bpf_probe_read_kernel(&a, sizeof(a), &regs);
	regs_offs[n] = a - (__u64)BPF_CORE_READ(t, stack);
	nfmodes = n + 1;
	return 0;
}

SEC("?tracepoint/syscalls/sys_exit_openat")
int probe_rdonly_cast(struct trace_event_raw_sys_exit *ctx)
{
	struct task_struct *t;
	__u64 addr;

	if ((bpf_get_current_pid_tgid() >> 32) != target_pid)
		return 0;
	addr = (__u64)bpf_get_current_task_btf();
	t = bpf_rdonly_cast((void *)addr,
			    bpf_core_type_id_kernel(struct task_struct));
	if (t->tgid == target_pid)
		__sync_fetch_and_add(&cast_hits, 1);
	return 0;
}
