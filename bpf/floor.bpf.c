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

/* The hooks of the event types after connect (bpf/task.bpf.c, sys.bpf.c,
 * sock.bpf.c, mmap.bpf.c, uring.bpf.c). The bench loads each one where
 * the probe says the agent would (bench/src/bench_conf.c). */
#define FLOOR_TP2(name)                                                        \
	FLOOR_TP(fl_##name##_enter, "sys_enter_" #name)                        \
	FLOOR_TP(fl_##name##_exit, "sys_exit_" #name)

FLOOR_TP(fl_ptrace, "sys_enter_ptrace")
FLOOR_TP2(setuid)
FLOOR_TP2(setgid)
FLOOR_TP2(setreuid)
FLOOR_TP2(setregid)
FLOOR_TP2(setresuid)
FLOOR_TP2(setresgid)
FLOOR_TP2(setfsuid)
FLOOR_TP2(setfsgid)
FLOOR_TP2(setgroups)
FLOOR_TP2(capset)
FLOOR_TP(fl_init_module, "sys_exit_init_module")
FLOOR_TP(fl_finit_module, "sys_exit_finit_module")
FLOOR_TP(fl_delete_module, "sys_exit_delete_module")
FLOOR_TP(fl_bpf, "sys_exit_bpf")
FLOOR_TP(fl_mount, "sys_exit_mount")
FLOOR_TP(fl_umount, "sys_exit_umount")
FLOOR_TP(fl_move_mount, "sys_exit_move_mount")
FLOOR_TP(fl_fsmount, "sys_exit_fsmount")
FLOOR_TP(fl_pivot_root, "sys_exit_pivot_root")
FLOOR_TP(fl_open_tree, "sys_exit_open_tree")
FLOOR_TP(fl_mount_setattr, "sys_exit_mount_setattr")
FLOOR_TP(fl_setns, "sys_enter_setns")
FLOOR_TP(fl_unshare, "sys_enter_unshare")
FLOOR_TP(fl_clone, "sys_enter_clone")
FLOOR_TP(fl_clone3, "sys_enter_clone3")
FLOOR_TP(fl_listen, "sys_enter_listen")
FLOOR_TP(fl_socket, "sys_enter_socket")
FLOOR_TP(fl_mmap, "sys_enter_mmap")
FLOOR_TP(fl_mprotect, "sys_enter_mprotect")
FLOOR_TP(fl_io_uring_setup, "sys_enter_io_uring_setup")

SEC("raw_tp/sys_enter")
int fl_module_raw(void *ctx)
{
	return 0;
}

SEC("tp_btf/io_uring_submit_req")
int fl_uring_submit(void *ctx)
{
	return 0;
}

/* cgroup/connect_unix, loaded with that attach type (see sock.bpf.c) */
SEC("cgroup/connect4")
int fl_connect_unix(struct bpf_sock_addr *ctx)
{
	return 1;
}

SEC("cgroup/bind4")
int fl_bind4(struct bpf_sock_addr *ctx)
{
	return 1;
}

SEC("cgroup/bind6")
int fl_bind6(struct bpf_sock_addr *ctx)
{
	return 1;
}

/* BPF LSM, where the agent loads it (bench/src/bench_conf.c turns these
 * on as the probe decides): 0 lets the operation go on. */
#define FLOOR_LSM(name, hook)                                                  \
	SEC("?lsm/" hook)                                                      \
	int name(void *ctx)                                                    \
	{                                                                      \
		return 0;                                                      \
	}

FLOOR_LSM(fl_lsm_file_open, "file_open")
FLOOR_LSM(fl_lsm_bprm_check, "bprm_check_security")
FLOOR_LSM(fl_lsm_ptrace_access, "ptrace_access_check")
FLOOR_LSM(fl_lsm_ptrace_traceme, "ptrace_traceme")
FLOOR_LSM(fl_lsm_fix_setuid, "task_fix_setuid")
FLOOR_LSM(fl_lsm_fix_setgid, "task_fix_setgid")
FLOOR_LSM(fl_lsm_fix_setgroups, "task_fix_setgroups")
FLOOR_LSM(fl_lsm_capset, "capset")
FLOOR_LSM(fl_lsm_read_module, "kernel_read_file")
FLOOR_LSM(fl_lsm_load_module, "kernel_load_data")
FLOOR_LSM(fl_lsm_bpf, "bpf")
FLOOR_LSM(fl_lsm_sb_mount, "sb_mount")
FLOOR_LSM(fl_lsm_userns_create, "userns_create")
FLOOR_LSM(fl_lsm_socket_listen, "socket_listen")
FLOOR_LSM(fl_lsm_sb_umount, "sb_umount")
FLOOR_LSM(fl_lsm_move_mount, "move_mount")
FLOOR_LSM(fl_lsm_pivotroot, "sb_pivotroot")
FLOOR_LSM(fl_lsm_mmap_file, "mmap_file")
FLOOR_LSM(fl_lsm_file_mprotect, "file_mprotect")
FLOOR_LSM(fl_lsm_unix_connect, "socket_connect")
