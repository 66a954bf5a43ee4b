// SPDX-License-Identifier: GPL-2.0
/*
 * The bench's `floor` configuration: empty programs on exactly the hooks the
 * agent uses, so that `floor` - `off` is the cost of the hooks themselves
 * (trampoline/tracepoint dispatch, cgroup sock_addr run) and `on` - `floor`
 * is the cost of what the agent does in them. Each program only returns.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#define FLOOR_TP(name, tp)                                                     \
	SEC("tracepoint/syscalls/" tp)                                         \
	int name(void *ctx)                                                    \
	{                                                                      \
		return 0;                                                      \
	}

/* the agent hooks only the sys_exit side of opens (flags come from the
 * syscall's registers) and sees execs at sched_process_exec */
FLOOR_TP(fl_openat_exit, "sys_exit_openat")
FLOOR_TP(fl_openat2_exit, "sys_exit_openat2")
FLOOR_TP(fl_open_exit, "sys_exit_open")
FLOOR_TP(fl_creat_exit, "sys_exit_creat")

SEC("tp_btf/sched_process_exec")
int fl_exec(void *ctx)
{
	return 0;
}

SEC("tp_btf/sched_process_exit")
int fl_exit(void *ctx)
{
	return 0;
}

SEC("tp_btf/sched_process_fork")
int fl_fork(void *ctx)
{
	return 0;
}

/* cgroup sock_addr programs allow the connect by returning 1. */
SEC("cgroup/connect4")
int fl_connect4(struct bpf_sock_addr *ctx)
{
	return 1;
}

SEC("cgroup/connect6")
int fl_connect6(struct bpf_sock_addr *ctx)
{
	return 1;
}
