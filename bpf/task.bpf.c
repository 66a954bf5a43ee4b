// SPDX-License-Identifier: GPL-2.0
/*
 * What a process does to processes: ptrace(2) requests that attach or
 * write, changes of its credentials (set*id(2), setgroups(2), capset(2)),
 * and new namespaces (setns(2), unshare(2), clone(2)/clone3(2) with
 * CLONE_NEW* flags), from the syscall tracepoints. A deny or kill verdict
 * kills the process before it returns to user space (clone: before the
 * child exists, as copy_process() gives up when a fatal signal is
 * pending); with BPF LSM, lsm_more.bpf.c refuses ptrace attaches and
 * setuid-family changes with EPERM instead.
 */
#include "more.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* ---- ptrace ------------------------------------------------------------ */

#define PTRACE_TRACEME	 0
#define PTRACE_POKETEXT	 4
#define PTRACE_POKEDATA	 5
#define PTRACE_POKEUSR	 6
#define PTRACE_SETREGS	 13
#define PTRACE_ATTACH	 16
#define PTRACE_SETREGSET 0x4205
#define PTRACE_SEIZE	 0x4206

/* The requests that reach the rules; the others (reads, stepping,
 * continuing: a debugger's every step) are not events. -1: not one. */
static __always_inline int ptrace_op(long req)
{
	switch (req) {
	case PTRACE_TRACEME:
		return RTG_PTRACE_TRACEME;
	case PTRACE_ATTACH:
		return RTG_PTRACE_ATTACH;
	case PTRACE_SEIZE:
		return RTG_PTRACE_SEIZE;
	case PTRACE_POKETEXT:
		return RTG_PTRACE_POKETEXT;
	case PTRACE_POKEDATA:
		return RTG_PTRACE_POKEDATA;
	case PTRACE_POKEUSR:
		return RTG_PTRACE_POKEUSER;
	case PTRACE_SETREGS:
		return RTG_PTRACE_SETREGS;
	case PTRACE_SETREGSET:
		return RTG_PTRACE_SETREGSET;
	}
	return -1;
}

SEC("tracepoint/syscalls/sys_enter_ptrace")
int enter_ptrace(struct trace_event_raw_sys_enter *ctx)
{
	long req = ctx->args[0];
	__u32 pid = ctx->args[1];
	struct rtg_proc_state *tst;
	struct more_ctx x;
	struct rtg_more *e;
	bool enforced;
	int op = ptrace_op(req);

	if (op < 0 ||
	    !more_begin(&x, RTG_HOOK_PTRACE, (__u32)bpf_get_current_uid_gid()))
		return 0;
	more_op(&x, RTG_KEY_REQUEST, op);
	more_decide(&x);
	/* BPF LSM decides attaches (ptrace_access_check, ptrace_traceme);
	 * writes to an attached tracee pass no LSM hook */
	if (x.v.action < RTG_ACT_AUDIT ||
	    more_lsm_decides(&x, op <= RTG_PTRACE_SEIZE))
		return 0;
	enforced = more_enforce_tp(&x);
	e = more_record(&x, RTG_EV_PTRACE, op, enforced);
	if (op == RTG_PTRACE_TRACEME)
		pid = x.task->real_parent->tgid; /* a BTF pointer */
	e->ptrace.pid = pid;
	e->ptrace.request = req;
	/* pids are the caller's: known as the host's only outside containers */
	if (!x.incont || op == RTG_PTRACE_TRACEME) {
		tst = bpf_map_lookup_elem(&procs, &pid);
		if (tst) {
			e->ptrace.exec_ktime = tst->exec_ktime;
			e->ptrace.ppid = tst->ppid;
			e->ptrace.parent_exec_ktime = tst->parent_exec_ktime;
		}
	}
	more_emit(e, RTG_EV_PTRACE);
	return 0;
}

/* ---- credentials --------------------------------------------------------- */

/* The credentials a set*id call started from, per thread, until its exit. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct rtg_ids);
} cred_old SEC(".maps");

static __always_inline int cred_enter(void)
{
	__u64 key = bpf_get_current_pid_tgid();
	struct rtg_ids id;

	if (!hookset_active(active_gen(), RTG_HOOK_CRED) || is_agent(key >> 32))
		return 0;
	cred_ids(bpf_get_current_task_btf()->cred, &id);
	bpf_map_update_elem(&cred_old, &key, &id, BPF_ANY);
	return 0;
}

/* A global function: the verifier checks it once with op unknown, not
 * once for each call the one program serves (exit_creds). */
__noinline int cred_exit(long ret, int op)
{
	__u64 key = bpf_get_current_pid_tgid();
	struct rtg_ids *old, cur;
	struct more_ctx x;
	struct rtg_more *e;
	bool enforced;
	__u32 change;

	old = bpf_map_lookup_elem(&cred_old, &key);
	if (!old)
		return 0;
	cred_ids(bpf_get_current_task_btf()->cred, &cur);
	change = ret == 0 ? cred_change(old, &cur) : 0;
	/* a new list of supplementary groups: no id above shows it */
	if (ret == 0 && op == RTG_CRED_SETGROUPS)
		change |= 1u << RTG_CREDF_GID;
	if (!change || !more_begin(&x, RTG_HOOK_CRED, old->uid))
		goto out;
	more_op(&x, RTG_KEY_SYSCALL, op);
	more_xflags(&x, change);
	more_decide(&x);
	/* a deny of BPF LSM's task_fix_setuid, task_fix_setgid,
	 * task_fix_setgroups or capset made the call fail: no change gets
	 * here */
	if (x.v.action < RTG_ACT_AUDIT)
		goto out;
	enforced = more_enforce_tp(&x);
	e = more_record(&x, RTG_EV_CRED, op, enforced);
	e->cred.old = *old;
	e->cred.new = cur;
	more_emit(e, RTG_EV_CRED);
out:
	bpf_map_delete_elem(&cred_old, &key);
	return 0;
}

#if defined(__TARGET_ARCH_x86)
#define NR_SETUID    105
#define NR_SETGID    106
#define NR_SETREUID  113
#define NR_SETREGID  114
#define NR_SETGROUPS 116
#define NR_SETRESUID 117
#define NR_SETRESGID 119
#define NR_SETFSUID  122
#define NR_SETFSGID  123
#define NR_CAPSET    126
#elif defined(__TARGET_ARCH_arm64)
#define NR_SETUID    146
#define NR_SETGID    144
#define NR_SETREUID  145
#define NR_SETREGID  143
#define NR_SETGROUPS 159
#define NR_SETRESUID 147
#define NR_SETRESGID 149
#define NR_SETFSUID  151
#define NR_SETFSGID  152
#define NR_CAPSET    91
#endif

/* The call of syscall number nr (enum rtg_op_cred), -1: not one. */
static __always_inline int cred_op(int nr)
{
	switch (nr) {
	case NR_SETUID:
		return RTG_CRED_SETUID;
	case NR_SETGID:
		return RTG_CRED_SETGID;
	case NR_SETREUID:
		return RTG_CRED_SETREUID;
	case NR_SETREGID:
		return RTG_CRED_SETREGID;
	case NR_SETRESUID:
		return RTG_CRED_SETRESUID;
	case NR_SETRESGID:
		return RTG_CRED_SETRESGID;
	case NR_SETFSUID:
		return RTG_CRED_SETFSUID;
	case NR_SETFSGID:
		return RTG_CRED_SETFSGID;
	case NR_SETGROUPS:
		return RTG_CRED_SETGROUPS;
	case NR_CAPSET:
		return RTG_CRED_CAPSET;
	}
	return -1;
}

/* One program for the sys_enter tracepoints of the ten calls and one for
 * their sys_exit ones: the skeleton attaches each to setuid's, user space
 * to the others the kernel has (user/agent/load_more.c), so the verifier
 * checks each once, not ten times. The syscall is the record's own (an int
 * in the syscall tracepoints' records). */
SEC("tracepoint/syscalls/sys_enter_setuid")
int enter_creds(void *ctx)
{
	return cred_enter();
}

SEC("tracepoint/syscalls/sys_exit_setuid")
int exit_creds(struct trace_event_raw_sys_exit *ctx)
{
	int op = cred_op((int)ctx->id);

	return op < 0 ? 0 : cred_exit(ctx->ret, op);
}

/* ---- namespaces ---------------------------------------------------------- */

#define CLONE_NEWTIME	0x00000080
#define CLONE_NEWNS	0x00020000
#define CLONE_NEWCGROUP 0x02000000
#define CLONE_NEWUTS	0x04000000
#define CLONE_NEWIPC	0x08000000
#define CLONE_NEWUSER	0x10000000
#define CLONE_NEWPID	0x20000000
#define CLONE_NEWNET	0x40000000
#define CLONE_NEW_ALL                                                          \
	(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC |         \
	 CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWTIME)

/* CLONE_NEW* flags as enum rtg_nsflag bits. */
static __always_inline __u32 ns_bits(__u64 f)
{
	return (f & CLONE_NEWNS ? 1u << RTG_NSF_NEWNS : 0) |
	       (f & CLONE_NEWUTS ? 1u << RTG_NSF_NEWUTS : 0) |
	       (f & CLONE_NEWIPC ? 1u << RTG_NSF_NEWIPC : 0) |
	       (f & CLONE_NEWUSER ? 1u << RTG_NSF_NEWUSER : 0) |
	       (f & CLONE_NEWPID ? 1u << RTG_NSF_NEWPID : 0) |
	       (f & CLONE_NEWNET ? 1u << RTG_NSF_NEWNET : 0) |
	       (f & CLONE_NEWCGROUP ? 1u << RTG_NSF_NEWCGROUP : 0) |
	       (f & CLONE_NEWTIME ? 1u << RTG_NSF_NEWTIME : 0);
}

/* flags: the namespace flags of the call (setns: its nstype, 0 = the
 * fd's, whatever it is). */
static __always_inline int ns_event(int op, __u64 flags)
{
	struct more_ctx x;
	struct rtg_more *e;
	bool enforced;
	__u32 call;
	__u64 key;

	if (!more_begin(&x, RTG_HOOK_NAMESPACE,
			(__u32)bpf_get_current_uid_gid()))
		return 0;
	more_op(&x, RTG_KEY_SYSCALL, op);
	more_xflags(&x, ns_bits(flags));
	more_decide(&x);
	/* A deny of a new user namespace alone: BPF LSM's userns_create
	 * refuses it with EPERM, before it exists, and reports it. With
	 * other flags too the call is killed here: no hook sees the rest. */
	key = bpf_get_current_pid_tgid();
	if (flags == CLONE_NEWUSER && op != RTG_NS_SETNS &&
	    more_lsm_decides(&x, true)) {
		call = op;
		bpf_map_update_elem(&ns_lsm, &key, &call, BPF_ANY);
		return 0;
	}
	bpf_map_delete_elem(&ns_lsm, &key);
	if (x.v.action < RTG_ACT_AUDIT)
		return 0;
	enforced = more_enforce_tp(&x);
	e = more_record(&x, RTG_EV_NAMESPACE, op, enforced);
	e->flags.flags = flags;
	more_emit(e, RTG_EV_NAMESPACE);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_setns")
int enter_setns(struct trace_event_raw_sys_enter *ctx)
{
	return ns_event(RTG_NS_SETNS, ctx->args[1] & CLONE_NEW_ALL);
}

SEC("tracepoint/syscalls/sys_enter_unshare")
int enter_unshare(struct trace_event_raw_sys_enter *ctx)
{
	__u64 f = ctx->args[0] & CLONE_NEW_ALL;

	return f ? ns_event(RTG_NS_UNSHARE, f) : 0;
}

/* clone(2): every fork passes here; the low byte is the exit signal, so
 * CLONE_NEWTIME (clone3 and unshare only) is not looked at. */
SEC("tracepoint/syscalls/sys_enter_clone")
int enter_clone(struct trace_event_raw_sys_enter *ctx)
{
	__u64 f = ctx->args[0] & (CLONE_NEW_ALL & ~CLONE_NEWTIME);

	return f ? ns_event(RTG_NS_CLONE, f) : 0;
}

SEC("tracepoint/syscalls/sys_enter_clone3")
int enter_clone3(struct trace_event_raw_sys_enter *ctx)
{
	__u64 f = 0;

	/* struct clone_args starts with the u64 flags */
	bpf_probe_read_user(&f, sizeof(f), (void *)ctx->args[0]);
	f &= CLONE_NEW_ALL;
	return f ? ns_event(RTG_NS_CLONE3, f) : 0;
}
