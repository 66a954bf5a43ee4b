// SPDX-License-Identifier: GPL-2.0
/*
 * Trial programs for `rtguard probe` (user/lib/probe.c): one tiny program per
 * mechanism the agent may use. Every program is autoload-off (SEC("?...")):
 * the prober turns on one (or one group) per object, loads, attaches,
 * triggers it with an openat() of its own where the hook allows, checks
 * that it ran, and destroys the object. Trials run in parallel, each in
 * its own object.
 *
 * The programs do work only for the prober's own process (target_pid), so
 * the short time they stay attached costs the rest of the system nothing.
 * No CO-RE relocations here: objects whose programs need no kernel BTF
 * (tracepoint, raw_tp, cgroup) load without parsing vmlinux BTF.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

__u32 target_pid = 0; /* set by the prober before load */
__u64 hits = 0;	      /* times a program ran for target_pid */
__s64 signal_ret = 1; /* bpf_send_signal(0) return value */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} probe_rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} probe_task SEC(".maps");

static __always_inline bool is_target(void)
{
	return (bpf_get_current_pid_tgid() >> 32) == target_pid;
}

static __always_inline void hit(void)
{
	if (is_target())
		__sync_fetch_and_add(&hits, 1);
}

SEC("?tracepoint/syscalls/sys_enter_openat")
int probe_tracepoint(void *ctx)
{
	hit();
	return 0;
}

SEC("?raw_tp/sched_process_exec")
int probe_raw_tp(void *ctx)
{
	hit();
	return 0;
}

SEC("?tp_btf/sched_process_exec")
int BPF_PROG(probe_tp_btf, struct task_struct *p, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	hit();
	return 0;
}

/* The three LSM hooks the agent enforces with; loaded together. */
SEC("?lsm/file_open")
int BPF_PROG(probe_lsm_file_open, struct file *file)
{
	hit();
	return 0;
}

SEC("?lsm/bprm_check_security")
int BPF_PROG(probe_lsm_bprm_check, struct linux_binprm *bprm)
{
	return 0;
}

SEC("?lsm/socket_connect")
int BPF_PROG(probe_lsm_socket_connect, struct socket *sock,
	     struct sockaddr *address, int addrlen)
{
	return 0;
}

SEC("?fentry/vfs_open")
int BPF_PROG(probe_fentry, const struct path *path, struct file *file)
{
	hit();
	return 0;
}

SEC("?kprobe/vfs_open")
int probe_kprobe(struct pt_regs *ctx)
{
	hit();
	return 0;
}

SEC("?cgroup/connect4")
int probe_connect4(struct bpf_sock_addr *ctx)
{
	return 1;
}

SEC("?cgroup/connect6")
int probe_connect6(struct bpf_sock_addr *ctx)
{
	return 1;
}

/* cgroup/connect_unix (6.7+), named connect4 for libbpfs that predate
 * it: the prober sets the expected attach type. */
SEC("?cgroup/connect4")
int probe_connect_unix(struct bpf_sock_addr *ctx)
{
	return 1;
}

SEC("?cgroup/bind4")
int probe_bind4(struct bpf_sock_addr *ctx)
{
	return 1;
}

SEC("?cgroup/bind6")
int probe_bind6(struct bpf_sock_addr *ctx)
{
	return 1;
}

/* Signal 0 runs the kernel's permission checks and delivers nothing. */
SEC("?tracepoint/syscalls/sys_enter_openat")
int probe_send_signal(void *ctx)
{
	if (is_target()) {
		signal_ret = bpf_send_signal(0);
		__sync_fetch_and_add(&hits, 1);
	}
	return 0;
}

SEC("?tracepoint/syscalls/sys_enter_openat")
int probe_ringbuf(void *ctx)
{
	__u32 *rec;

	if (!is_target())
		return 0;
	rec = bpf_ringbuf_reserve(&probe_rb, sizeof(*rec), 0);
	if (!rec)
		return 0;
	*rec = target_pid;
	bpf_ringbuf_submit(rec, 0);
	__sync_fetch_and_add(&hits, 1);
	return 0;
}

SEC("?tracepoint/syscalls/sys_enter_openat")
int probe_task_storage(void *ctx)
{
	__u64 *v;

	if (!is_target())
		return 0;
	v = bpf_task_storage_get(&probe_task, bpf_get_current_task_btf(), 0,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (v) {
		*v += 1;
		__sync_fetch_and_add(&hits, 1);
	}
	return 0;
}

/* The agent's programs need bpf_loop() (the dentry walk, rule lookups) and
 * bpf_task_pt_regs() (open flags at sys_exit): Linux 5.17. */
static long loop_cb(__u32 i, void *ctx)
{
	*(__u64 *)ctx += 1;
	return 0;
}

SEC("?tracepoint/syscalls/sys_enter_openat")
int probe_loop(void *ctx)
{
	__u64 n = 0;
	void *regs;

	if (!is_target())
		return 0;
	regs = (void *)bpf_task_pt_regs(bpf_get_current_task_btf());
	bpf_loop(4, loop_cb, &n, 0);
	/* not n == 4: verifiers before 6.7 follow the callback once, take n
	 * for 1 and drop the branch as dead (seen on Debian's 6.1) */
	if (regs && n)
		__sync_fetch_and_add(&hits, 1);
	return 0;
}

