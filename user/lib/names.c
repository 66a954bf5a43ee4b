// SPDX-License-Identifier: GPL-2.0
/* The name tables (see names.h). */
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>

#include "names.h"

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const char *const type_names[RTG_EV_MAX] = {
	[RTG_EV_EXEC] = "exec",	      [RTG_EV_EXIT] = "exit",
	[RTG_EV_OPEN] = "open",	      [RTG_EV_CONNECT] = "connect",
	[RTG_EV_LOST] = "lost",	      [RTG_EV_PTRACE] = "ptrace",
	[RTG_EV_CRED] = "cred",	      [RTG_EV_MODULE] = "module",
	[RTG_EV_BPF] = "bpf",	      [RTG_EV_MOUNT] = "mount",
	[RTG_EV_NAMESPACE] = "namespace", [RTG_EV_LISTEN] = "listen",
	[RTG_EV_MMAP_EXEC] = "mmap_exec", [RTG_EV_IO_URING] = "io_uring",
};
static const char *const action_names[] = {
	[RTG_ACT_ALLOW] = "allow",
	[RTG_ACT_AUDIT] = "audit",
	[RTG_ACT_DENY] = "deny",
	[RTG_ACT_KILL] = "kill",
};
const char *const rtg_hook_names[RTG_NHOOKS] = {
	[RTG_HOOK_EXEC] = "exec",
	[RTG_HOOK_OPEN] = "open",
	[RTG_HOOK_CONNECT] = "connect",
	[RTG_HOOK_PTRACE] = "ptrace",
	[RTG_HOOK_CRED] = "cred",
	[RTG_HOOK_MODULE] = "module",
	[RTG_HOOK_BPF] = "bpf",
	[RTG_HOOK_MOUNT] = "mount",
	[RTG_HOOK_NAMESPACE] = "namespace",
	[RTG_HOOK_LISTEN] = "listen",
	[RTG_HOOK_MMAP_EXEC] = "mmap_exec",
	[RTG_HOOK_IO_URING] = "io_uring",
};
static const char *const mech_names[] = {
	[RTG_MECH_LSM] = "lsm",
	[RTG_MECH_CGROUP] = "cgroup",
	[RTG_MECH_FANOTIFY] = "fanotify",
	[RTG_MECH_SIGKILL] = "sigkill",
};
static const char *const loss_names[RTG_NLOSS] = {
	[RTG_LOSS_RB_EXEC] = "ringbuf:exec",
	[RTG_LOSS_RB_EXIT] = "ringbuf:exit",
	[RTG_LOSS_RB_OPEN] = "ringbuf:open",
	[RTG_LOSS_RB_CONNECT] = "ringbuf:connect",
	[RTG_LOSS_RB_ENFORCE] = "ringbuf:enforce",
	[RTG_LOSS_FANOTIFY] = "fanotify",
	[RTG_LOSS_SUBSCRIBER] = "subscriber",
	[RTG_LOSS_DECODE] = "decode",
	[RTG_LOSS_RB_MORE + RTG_EV_PTRACE - RTG_EV_FIRST_MORE] = "ringbuf:ptrace",
	[RTG_LOSS_RB_MORE + RTG_EV_CRED - RTG_EV_FIRST_MORE] = "ringbuf:cred",
	[RTG_LOSS_RB_MORE + RTG_EV_MODULE - RTG_EV_FIRST_MORE] = "ringbuf:module",
	[RTG_LOSS_RB_MORE + RTG_EV_BPF - RTG_EV_FIRST_MORE] = "ringbuf:bpf",
	[RTG_LOSS_RB_MORE + RTG_EV_MOUNT - RTG_EV_FIRST_MORE] = "ringbuf:mount",
	[RTG_LOSS_RB_MORE + RTG_EV_NAMESPACE - RTG_EV_FIRST_MORE] =
	    "ringbuf:namespace",
	[RTG_LOSS_RB_MORE + RTG_EV_LISTEN - RTG_EV_FIRST_MORE] = "ringbuf:listen",
	[RTG_LOSS_RB_MORE + RTG_EV_MMAP_EXEC - RTG_EV_FIRST_MORE] =
	    "ringbuf:mmap_exec",
	[RTG_LOSS_RB_MORE + RTG_EV_IO_URING - RTG_EV_FIRST_MORE] =
	    "ringbuf:io_uring",
};

/* The operations of each hook: its `syscall` (ptrace: `request`) values,
 * in the order of events.h's enum rtg_op_* (the index is rtg_more.op). */
static const char *const ptrace_ops[RTG_NPTRACE] = {
	"traceme", "attach", "seize", "poketext",
	"pokedata", "pokeuser", "setregs", "setregset",
};
static const char *const cred_ops[RTG_NCRED] = {
	"setuid",    "setgid",	  "setreuid", "setregid",  "setresuid",
	"setresgid", "setfsuid", "setfsgid", "setgroups", "capset",
};
static const char *const module_ops[RTG_NMODULE] = {
	"init_module", "finit_module", "delete_module"};
static const char *const bpf_ops[RTG_NBPF] = {
	"prog_load", "prog_attach", "link_create", "raw_tracepoint_open"};
static const char *const mount_ops[RTG_NMOUNT] = {
	"mount",      "umount2",   "move_mount",   "fsmount",
	"pivot_root", "open_tree", "mount_setattr",
};
static const char *const ns_ops[RTG_NNS] = {"setns", "unshare", "clone",
					     "clone3"};
static const char *const listen_ops[RTG_NLISTEN] = {"listen", "socket"};
static const char *const mmap_ops[RTG_NMMAP] = {"mmap", "mprotect"};
static const char *const uring_ops[RTG_NURING] = {"setup", "openat",
						  "openat2", "connect"};
/* The values of the `flags` key of namespace and cred rules. */
static const char *const ns_flags[RTG_NNSF] = {
	"CLONE_NEWNS",	"CLONE_NEWUTS", "CLONE_NEWIPC",	   "CLONE_NEWUSER",
	"CLONE_NEWPID", "CLONE_NEWNET", "CLONE_NEWCGROUP", "CLONE_NEWTIME",
};
static const char *const cred_flags[RTG_NCREDF] = {"root", "uid", "gid",
						   "caps"};
/* enum bpf_prog_type */
static const char *const prog_types[] = {
	"unspec",	   "socket_filter",   "kprobe",
	"sched_cls",	   "sched_act",	      "tracepoint",
	"xdp",		   "perf_event",      "cgroup_skb",
	"cgroup_sock",	   "lwt_in",	      "lwt_out",
	"lwt_xmit",	   "sock_ops",	      "sk_skb",
	"cgroup_device",   "sk_msg",	      "raw_tracepoint",
	"cgroup_sock_addr", "lwt_seg6local",  "lirc_mode2",
	"sk_reuseport",	   "flow_dissector",  "cgroup_sysctl",
	"raw_tracepoint_writable", "cgroup_sockopt", "tracing",
	"struct_ops",	   "ext",	      "lsm",
	"sk_lookup",	   "syscall",	      "netfilter",
};

const char *const rtg_proto_names[RTG_NPROTOS] = {"tcp", "udp"};

#define TABLE(t) ((void)(*n = NELEM(t)), (t))

const char *const *op_names(int hook, int *n)
{
	switch (hook) {
	case RTG_HOOK_PTRACE:
		return TABLE(ptrace_ops);
	case RTG_HOOK_CRED:
		return TABLE(cred_ops);
	case RTG_HOOK_MODULE:
		return TABLE(module_ops);
	case RTG_HOOK_BPF:
		return TABLE(bpf_ops);
	case RTG_HOOK_MOUNT:
		return TABLE(mount_ops);
	case RTG_HOOK_NAMESPACE:
		return TABLE(ns_ops);
	case RTG_HOOK_LISTEN:
		return TABLE(listen_ops);
	case RTG_HOOK_MMAP_EXEC:
		return TABLE(mmap_ops);
	case RTG_HOOK_IO_URING:
		return TABLE(uring_ops);
	}
	*n = 0;
	return NULL;
}

const char *const *xflag_names(int hook, int *n)
{
	if (hook == RTG_HOOK_NAMESPACE)
		return TABLE(ns_flags);
	if (hook == RTG_HOOK_CRED)
		return TABLE(cred_flags);
	*n = 0;
	return NULL;
}

const char *op_name(int hook, int op)
{
	int n;
	const char *const *t = op_names(hook, &n);

	return t && op >= 0 && op < n ? t[op] : NULL;
}

const char *prog_type_name(uint32_t type)
{
	return type < (uint32_t)NELEM(prog_types) ? prog_types[type] : NULL;
}

int type_hook(int type)
{
	switch (type) {
	case RTG_EV_EXEC:
		return RTG_HOOK_EXEC;
	case RTG_EV_OPEN:
		return RTG_HOOK_OPEN;
	case RTG_EV_CONNECT:
	case RTG_EV_CONNECT_UNIX:
		return RTG_HOOK_CONNECT;
	}
	if (type >= RTG_EV_PTRACE && type <= RTG_EV_IO_URING)
		return RTG_HOOK_PTRACE + type - RTG_EV_PTRACE;
	return -1;
}

int type_loss(int type)
{
	if (type >= RTG_EV_EXEC && type <= RTG_EV_CONNECT)
		return RTG_LOSS_RB_EXEC + type - RTG_EV_EXEC;
	if (type == RTG_EV_CONNECT_UNIX)
		return RTG_LOSS_RB_CONNECT;
	if (type >= RTG_EV_FIRST_MORE && type <= RTG_EV_IO_URING)
		return RTG_LOSS_RB_MORE + type - RTG_EV_FIRST_MORE;
	return -1;
}

static const char *name_of(const char *const *t, int n, int v)
{
	return v >= 0 && v < n ? t[v] : NULL;
}

static int parse_in(const char *const *t, int n, const char *s)
{
	int i;

	for (i = 0; s && i < n; i++)
		if (t[i] && !strcmp(t[i], s))
			return i;
	return -1;
}

const char *type_name(int type)
{
	const char *n = name_of(type_names, NELEM(type_names), type);

	return n ? n : "unknown";
}

int type_parse(const char *s)
{
	return parse_in(type_names, NELEM(type_names), s);
}

const char *action_name(int action)
{
	const char *n = name_of(action_names, NELEM(action_names), action);

	return n ? n : "unknown";
}

int action_parse(const char *s)
{
	return parse_in(action_names, NELEM(action_names), s);
}

const char *hook_name(int hook)
{
	const char *n = name_of(rtg_hook_names, RTG_NHOOKS, hook);

	return n ? n : "?";
}

int hook_parse(const char *s)
{
	return parse_in(rtg_hook_names, RTG_NHOOKS, s);
}

const char *mech_name(int mech)
{
	return name_of(mech_names, NELEM(mech_names), mech);
}

const char *mech_label(int mech)
{
	const char *n = mech_name(mech);

	return n ? n : "none";
}

const char *loss_name(int src)
{
	const char *n = name_of(loss_names, NELEM(loss_names), src);

	return n ? n : "unknown";
}

const char *proto_name(int ipproto)
{
	switch (ipproto) {
	case IPPROTO_TCP:
		return rtg_proto_names[0];
	case IPPROTO_UDP:
		return rtg_proto_names[1];
	}
	return NULL;
}

/* Kernel values: glibc defines O_LARGEFILE as 0 on 64-bit, but the kernel
 * sets it in f_flags (force_o_largefile). */
#if defined(__aarch64__) || defined(__arm__)
#define K_O_LARGEFILE 0400000
#else
#define K_O_LARGEFILE 0100000
#endif

int open_flags_decode(uint32_t flags, const char **names, int max,
		      uint32_t *unknown)
{
	static const struct {
		uint32_t bits;
		const char *name;
	} tbl[] = {
	    {O_CREAT, "O_CREAT"},
	    {O_EXCL, "O_EXCL"},
	    {O_NOCTTY, "O_NOCTTY"},
	    {O_TRUNC, "O_TRUNC"},
	    {O_APPEND, "O_APPEND"},
	    {O_NONBLOCK, "O_NONBLOCK"},
	    {O_SYNC, "O_SYNC"}, /* includes O_DSYNC: before it */
	    {O_DSYNC, "O_DSYNC"},
	    {O_TMPFILE, "O_TMPFILE"}, /* includes O_DIRECTORY */
	    {O_DIRECTORY, "O_DIRECTORY"},
	    {O_NOFOLLOW, "O_NOFOLLOW"},
	    {O_CLOEXEC, "O_CLOEXEC"},
	    {O_PATH, "O_PATH"},
	    {O_NOATIME, "O_NOATIME"},
	    {O_DIRECT, "O_DIRECT"},
	    {K_O_LARGEFILE, "O_LARGEFILE"},
	};
	static const char *const acc[] = {"O_RDONLY", "O_WRONLY", "O_RDWR",
					  "O_ACCMODE"};
	uint32_t rest = flags & ~(uint32_t)O_ACCMODE;
	int n = 0;
	size_t i;

	if (n < max)
		names[n++] = acc[flags & O_ACCMODE];
	for (i = 0; i < sizeof(tbl) / sizeof(tbl[0]); i++) {
		if ((rest & tbl[i].bits) != tbl[i].bits)
			continue;
		rest &= ~tbl[i].bits;
		if (n < max)
			names[n++] = tbl[i].name;
	}
	if (unknown)
		*unknown = rest;
	return n;
}
