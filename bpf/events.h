/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Records that the BPF programs write into the `events` ring buffer and that
 * user space decodes (user/lib/decode.c). Shared by both sides: fixed-width
 * types, explicit padding, sizes pinned by _Static_assert.
 *
 * Every record starts with struct rtg_hdr. Variable-length strings follow
 * the fixed part of a record, NUL-terminated, in the order the record's
 * *_len fields list them; a length includes the NUL.
 */
#ifndef RTG_EVENTS_H
#define RTG_EVENTS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Limits (documented in README "Limits"). */
#define RTG_COMM_LEN 16
#define RTG_PATH_MAX 4096 /* resolved path buffer, bytes incl. NUL */
#define RTG_ARGS_MAX 1024 /* exec args bytes kept (NUL separated) */
#define RTG_CWD_MAX 1024 /* exec cwd bytes kept */
#define RTG_KEY_MAX 254 /* bytes of a path a prefix/equal rule can see */
#define RTG_SUFFIX_MAX 64 /* bytes of a path a suffix rule can see */

enum rtg_type {
	RTG_EV_EXEC = 1,
	RTG_EV_EXIT = 2,
	RTG_EV_OPEN = 3,
	RTG_EV_CONNECT = 4,
	RTG_EV_LOST = 5, /* synthesized by user space from counters */
	/* the types of struct rtg_more records (their hooks: rules.h) */
	RTG_EV_PTRACE = 6,
	RTG_EV_CRED = 7,
	RTG_EV_MODULE = 8,
	RTG_EV_BPF = 9,
	RTG_EV_MOUNT = 10,
	RTG_EV_NAMESPACE = 11,
	RTG_EV_LISTEN = 12,
	RTG_EV_MMAP_EXEC = 13,
	RTG_EV_IO_URING = 14,
	/* a connect(2) of a unix socket: struct rtg_more, decoded as a
	 * `connect` event */
	RTG_EV_CONNECT_UNIX = 15,
	RTG_EV_MAX,
};
#define RTG_EV_FIRST_MORE RTG_EV_PTRACE

/* What happened to the operation. Ordered by strictness (kill > deny >
 * audit > allow): the strictest outcome across policies wins. */
enum rtg_action {
	RTG_ACT_ALLOW = 0, /* no event */
	RTG_ACT_AUDIT = 1,
	RTG_ACT_DENY = 2,
	RTG_ACT_KILL = 3,
};

/* How an action was (or would have been) carried out. */
enum rtg_mech {
	RTG_MECH_NONE = 0, /* audit: nothing to enforce */
	RTG_MECH_LSM = 1, /* BPF LSM returned -EPERM */
	RTG_MECH_CGROUP = 2, /* cgroup/connect4|6 returned EPERM */
	RTG_MECH_FANOTIFY = 3, /* fanotify permission event answered FAN_DENY */
	RTG_MECH_SIGKILL = 4, /* bpf_send_signal(SIGKILL) from the hook */
};

/* rtg_hdr.flags */
#define RTG_F_ENFORCED (1u << 0) /* the action was carried out (not dry-run) */
#define RTG_F_PATH_TRUNC (1u << 1) /* path longer than the walk limit */
#define RTG_F_ARGS_TRUNC (1u << 2) /* args longer than RTG_ARGS_MAX */
#define RTG_F_CWD_TRUNC (1u << 3)
#define RTG_F_IN_CONTAINER (1u << 4) /* task not in the initial pid ns */
#define RTG_F_NO_PROC (1u << 5) /* process not in the procs map */
#define RTG_F_ARGS_PENDING (1u << 6) /* an `args` rule may match: user space decides */
#define RTG_F_SCRIPT (1u << 7) /* exec ran a #! script through an interpreter */
#define RTG_F_EXEC_RULE (1u << 8) /* mmap_exec: an exec rule decided (rule is
				   * an exec rule's id) */
/* A mount shows the file under another path that could not be known (a
 * bound was hit): the rules that could match it were applied. */
#define RTG_F_PATH_PARTIAL (1u << 9)

/* Rule ids in events: bits 0-5 the rule's bit in its hook, or
 * RTG_RULE_DEFAULT | policy index when a policy default decided. */
#define RTG_RULE_NONE 0xffff
#define RTG_RULE_DEFAULT 0x100

struct rtg_hdr {
	__u8 type; /* enum rtg_type */
	__u8 action; /* enum rtg_action */
	__u8 mech; /* enum rtg_mech */
	__u8 gen; /* policy generation that decided */
	__u16 rule; /* see RTG_RULE_* */
	__u16 flags; /* RTG_F_* */
	__u64 time_ns; /* bpf_ktime_get_boot_ns() */
	__u64 exec_ktime; /* boot ns at which the process's image started */
	__u64 parent_exec_ktime;
	__u64 cgroup_id;
	__u32 pid; /* tgid */
	__u32 tid;
	__u32 ppid;
	__u32 uid;
	__u32 gid;
	__u32 pad;
	char comm[RTG_COMM_LEN];
};
_Static_assert(sizeof(struct rtg_hdr) == 80, "rtg_hdr ABI");

/* exec: strings follow in the order binary, script, cwd, args. `script` is
 * empty unless the binary ran through an interpreter (#! script); args are
 * NUL-separated. */
struct rtg_exec {
	struct rtg_hdr hdr;
	__u16 binary_len;
	__u16 script_len;
	__u16 cwd_len;
	__u16 args_len;
	__u32 argc;
	__u32 pad;
	/* When RTG_F_ARGS_PENDING: the rule masks computed in the kernel with
	 * every key but `args` (struct rtg_bits m/u, rules.h); user space
	 * finishes the decision with the args substrings. */
	__u64 cand_m;
	__u64 cand_u;
	char data[];
};
_Static_assert(sizeof(struct rtg_exec) == 112, "rtg_exec ABI");

struct rtg_exit {
	struct rtg_hdr hdr;
	__s32 code; /* exit status when not signalled */
	__s32 signal; /* terminating signal, 0 if none */
};
_Static_assert(sizeof(struct rtg_exit) == 88, "rtg_exit ABI");

struct rtg_open {
	struct rtg_hdr hdr;
	__u32 oflags; /* open(2) flags as passed */
	__u32 fmode; /* the file's f_mode */
	__u64 ino;
	__u32 dev;
	__u16 path_len;
	__u16 pad;
	char path[];
};
_Static_assert(sizeof(struct rtg_open) == 104, "rtg_open ABI");

struct rtg_connect {
	struct rtg_hdr hdr;
	__u16 family; /* AF_INET or AF_INET6 (v4-mapped folded to AF_INET) */
	__u16 protocol; /* IPPROTO_TCP / IPPROTO_UDP */
	__u16 dport; /* host order */
	__u16 sport; /* host order, 0 when not bound yet */
	__u8 daddr[16]; /* v4 in the first 4 bytes, network order */
	__u8 saddr[16];
};
_Static_assert(sizeof(struct rtg_connect) == 120, "rtg_connect ABI");

/* The other types (RTG_EV_FIRST_MORE on): one record shape. `op` is the
 * type's operation as an index into its table of names (enum rtg_op_* below,
 * names in user/lib/names.c); the union holds what the type has; strings
 * follow: s0 the path (mmap_exec and module: the file; mount: the target;
 * unix connect: the socket; io_uring: openat's name), s1 mount's source,
 * module's name or the BPF program's name, s2 mount's fstype. */
struct rtg_ids {
	__u32 uid, euid, gid, egid;
	__u64 caps; /* effective capabilities */
};
_Static_assert(sizeof(struct rtg_ids) == 24, "rtg_ids ABI");

struct rtg_more {
	struct rtg_hdr hdr;
	__u16 op;
	__u16 s0_len;
	__u16 s1_len;
	__u16 s2_len;
	union {
		struct {
			__u32 pid; /* the tracee (tgid) */
			__u32 ppid; /* its parent, when known */
			__u64 exec_ktime; /* its image (exec_id) */
			__s64 request; /* as passed */
			__u64 parent_exec_ktime; /* its parent's image */
		} ptrace;
		struct {
			struct rtg_ids old, new;
		} cred;
		struct {
			__u32 prog_type; /* prog_load */
			__u32 attach_type;
		} bpf;
		struct {
			__u64 flags; /* mount: MS_*; namespace: CLONE_NEW* */
		} flags;
		struct {
			__u16 family; /* AF_INET, AF_INET6, AF_UNIX */
			__u16 protocol; /* IPPROTO_* */
			__u16 port; /* host order */
			__u16 pad;
			__u8 addr[16]; /* v4 in the first 4 bytes */
		} sock;
		struct {
			__u32 prot; /* PROT_* asked for */
			__u32 flags; /* mmap: MAP_* */
		} mmap;
		__u8 raw[48];
	};
	char data[];
};
_Static_assert(sizeof(struct rtg_more) == 136, "rtg_more ABI");

/* rtg_more.op per type: the index of the operation in the type's table
 * (user/lib/names.c), which is also the bit the `syscall`/`request` key
 * of a rule uses (at most RTG_NOPS per type). */
enum rtg_op_ptrace {
	RTG_PTRACE_TRACEME = 0,
	RTG_PTRACE_ATTACH,
	RTG_PTRACE_SEIZE,
	RTG_PTRACE_POKETEXT,
	RTG_PTRACE_POKEDATA,
	RTG_PTRACE_POKEUSER,
	RTG_PTRACE_SETREGS,
	RTG_PTRACE_SETREGSET,
	RTG_NPTRACE,
};
enum rtg_op_cred {
	RTG_CRED_SETUID = 0,
	RTG_CRED_SETGID,
	RTG_CRED_SETREUID,
	RTG_CRED_SETREGID,
	RTG_CRED_SETRESUID,
	RTG_CRED_SETRESGID,
	RTG_CRED_SETFSUID,
	RTG_CRED_SETFSGID,
	RTG_CRED_SETGROUPS,
	RTG_CRED_CAPSET,
	RTG_NCRED,
};
enum rtg_op_module {
	RTG_MODULE_INIT = 0,
	RTG_MODULE_FINIT,
	RTG_MODULE_DELETE,
	RTG_NMODULE,
};
enum rtg_op_bpf {
	RTG_BPF_PROG_LOAD = 0,
	RTG_BPF_PROG_ATTACH,
	RTG_BPF_LINK_CREATE,
	RTG_BPF_RAW_TP_OPEN,
	RTG_NBPF,
};
enum rtg_op_mount {
	RTG_MOUNT_MOUNT = 0,
	RTG_MOUNT_UMOUNT2,
	RTG_MOUNT_MOVE_MOUNT,
	RTG_MOUNT_FSMOUNT,
	RTG_MOUNT_PIVOT_ROOT,
	RTG_MOUNT_OPEN_TREE,
	RTG_MOUNT_SETATTR,
	RTG_NMOUNT,
};
enum rtg_op_ns {
	RTG_NS_SETNS = 0,
	RTG_NS_UNSHARE,
	RTG_NS_CLONE,
	RTG_NS_CLONE3,
	RTG_NNS,
};
enum rtg_op_listen {
	RTG_LISTEN_LISTEN = 0, /* listen(2) of a TCP socket */
	RTG_LISTEN_SOCKET, /* socket(2) of a packet socket: it sees all */
	RTG_NLISTEN,
};
enum rtg_op_mmap {
	RTG_MMAP_MMAP = 0,
	RTG_MMAP_MPROTECT,
	RTG_NMMAP,
};
enum rtg_op_uring {
	RTG_URING_SETUP = 0,
	RTG_URING_OPENAT,
	RTG_URING_OPENAT2,
	RTG_URING_CONNECT,
	RTG_NURING,
};

/* The `flags` key of namespace rules: the CLONE_NEW* bits in this order. */
enum rtg_nsflag {
	RTG_NSF_NEWNS = 0,
	RTG_NSF_NEWUTS,
	RTG_NSF_NEWIPC,
	RTG_NSF_NEWUSER,
	RTG_NSF_NEWPID,
	RTG_NSF_NEWNET,
	RTG_NSF_NEWCGROUP,
	RTG_NSF_NEWTIME,
	RTG_NNSF,
};
/* ... and of cred rules: what the change does. */
enum rtg_credflag {
	RTG_CREDF_ROOT = 0, /* uid or euid becomes 0 (it was not) */
	RTG_CREDF_UID, /* some uid changes */
	RTG_CREDF_GID, /* some gid changes */
	RTG_CREDF_CAPS, /* effective capabilities grow */
	RTG_NCREDF,
};

/* Per-type counters kept by the BPF side in the per-CPU `stats` array.
 * Types from RTG_EV_FIRST_MORE on count from RTG_STAT_MORE: use
 * RTG_STAT_EMITTED_OF() and RTG_STAT_LOST_OF(). */
enum rtg_stat {
	RTG_STAT_EMITTED = 0, /* + type: records submitted */
	RTG_STAT_LOST = 8, /* + type: `events` ring full, record dropped */
	RTG_STAT_PROCS_FULL = 16, /* procs map insert failed */
	RTG_STAT_ARGS_FAULT = 17, /* args could not be read */
	RTG_STAT_LOST_ENFORCE = 18, /* enforce_events full: deny/kill lost */
	RTG_STAT_MORE = 24, /* + 2 * (type - RTG_EV_FIRST_MORE): emitted, lost */
	RTG_STAT_MAX = 48,
};
#define RTG_STAT_EMITTED_OF(t)                                                 \
	((t) < RTG_EV_FIRST_MORE ? RTG_STAT_EMITTED + (t)                      \
				 : RTG_STAT_MORE + 2 * ((t) - RTG_EV_FIRST_MORE))
#define RTG_STAT_LOST_OF(t)                                                    \
	((t) < RTG_EV_FIRST_MORE ? RTG_STAT_LOST + (t)                         \
				 : RTG_STAT_MORE + 1 +                         \
					   2 * ((t) - RTG_EV_FIRST_MORE))
_Static_assert(RTG_STAT_MORE + 2 * (RTG_EV_MAX - RTG_EV_FIRST_MORE) <=
		       RTG_STAT_MAX,
	       "stats slots for every type");

/*
 * Cgroups coming and going (bpf/cgroup.bpf.c), on the cgroup2 hierarchy
 * only: user space learns a container's workload when its cgroup appears,
 * before the container's first exec, and forgets it when the cgroup goes
 * (user/agent/workloads.c). Not an event: these records start with their
 * own small header, whose first byte (type) never collides with an
 * enum rtg_type.
 */
#define RTG_REC_CGROUP_MKDIR 0x40
#define RTG_REC_CGROUP_RMDIR 0x41
#define RTG_CGROUP_PATH_MAX 1024 /* bytes of the path kept, incl. NUL */
/* records the ring buffer had no room for (in the `stats` array) */
#define RTG_STAT_CGROUP_LOST (RTG_STAT_MAX - 1)
_Static_assert(RTG_STAT_MORE + 2 * (RTG_EV_MAX - RTG_EV_FIRST_MORE) <
		       RTG_STAT_CGROUP_LOST,
	       "the cgroup loss counter has a slot of its own");

struct rtg_cgroup_rec {
	__u8 type; /* RTG_REC_CGROUP_* */
	__u8 pad;
	__u16 path_len; /* bytes of path, incl. its NUL */
	__u32 pad2;
	__u64 time_ns; /* bpf_ktime_get_boot_ns() */
	__u64 cgroup_id; /* the id events carry in rtg_hdr.cgroup_id */
	char path[]; /* below the cgroup2 root, e.g. /libpod_parent/libpod-ID */
};
_Static_assert(sizeof(struct rtg_cgroup_rec) == 24, "rtg_cgroup_rec ABI");
/* The two ring buffers (bpf/maps.bpf.h): `events` takes audit records and
 * is sized by the agent (--ringbuf-kb, this by default); `enforce_events`
 * takes deny and kill records, which an audit flood thus cannot crowd
 * out. Bytes, powers of two. */
#define RTG_EVENTS_RB_SIZE (4u << 20)
#define RTG_ENFORCE_RB_SIZE (256u << 10)

#endif
