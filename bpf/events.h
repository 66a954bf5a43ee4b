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
	RTG_EV_MAX,
};

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
/* A mount shows the file under another path that could not be known (a
 * bound was hit): the rules that could match it were applied. */
#define RTG_F_PATH_PARTIAL (1u << 8)

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

/* Per-type counters kept by the BPF side in the per-CPU `stats` array. */
enum rtg_stat {
	RTG_STAT_EMITTED = 0, /* + type: records submitted */
	RTG_STAT_LOST = 8, /* + type: ring buffer full, record dropped */
	RTG_STAT_PROCS_FULL = 16, /* procs map insert failed */
	RTG_STAT_ARGS_FAULT = 17, /* args could not be read */
	RTG_STAT_MAX = 24,
};

#endif
