/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel feature probe: the ONE place that decides which kernel mechanisms
 * rtguard uses. probe_kernel() trial-loads and attaches one tiny program per
 * mechanism (bpf/probe.bpf.c; probe_trials.c), checks the other facilities
 * directly, and derives per hook the event source and per enforcement case
 * the mechanism (probe.c). Nothing else in the code checks kernel features:
 * the agent picks its programs from struct rtg_decision. `rtguard probe`
 * prints the result (probe_print.c).
 *
 * Testing fallbacks on any kernel: the environment variable
 *
 *   RTG_PROBE_DISABLE=lsm,fanotify_perm,tp_btf
 *
 * (comma-separated feature names as returned by probe_feat_name()) marks
 * those features as not working, with the reason "disabled by
 * RTG_PROBE_DISABLE", without trying them; the decisions follow. Disabling
 * "btf" makes probe_kernel() fail as on a kernel without BTF.
 */
#ifndef RTG_PROBE_H
#define RTG_PROBE_H

#include <stdbool.h>
#include <stdio.h>

#include "events.h" /* enum rtg_mech */
#include "mounts.h"

struct json_writer;

#define RTG_PROBE_DISABLE_ENV "RTG_PROBE_DISABLE"

enum rtg_feat {
	RTG_FEAT_BTF = 0,    /* /sys/kernel/btf/vmlinux readable */
	RTG_FEAT_TRACEPOINT, /* tracepoint/syscalls/sys_enter_openat */
	RTG_FEAT_RAW_TP,     /* raw_tp/sched_process_exec */
	RTG_FEAT_TP_BTF,     /* tp_btf/sched_process_exec */
	RTG_FEAT_LSM,	 /* lsm/file_open+bprm_check_security+socket_connect,
			  * attached and actually called */
	RTG_FEAT_FENTRY, /* fentry/vfs_open */
	RTG_FEAT_KPROBE, /* kprobe/vfs_open */
	RTG_FEAT_CGROUP_CONNECT4, /* on the cgroup2 root */
	RTG_FEAT_CGROUP_CONNECT6,
	RTG_FEAT_SEND_SIGNAL,	/* bpf_send_signal() from a tracepoint */
	RTG_FEAT_RINGBUF,	/* BPF_MAP_TYPE_RINGBUF, a record round trip */
	RTG_FEAT_TASK_STORAGE,	/* bpf_task_storage_get() from a tracepoint */
	RTG_FEAT_BPF_STATS,	/* bpf_enable_stats(BPF_STATS_RUN_TIME) */
	RTG_FEAT_FANOTIFY_PERM, /* FAN_CLASS_CONTENT + FAN_OPEN(_EXEC)_PERM */
	RTG_FEAT_LOOP, /* bpf_loop() + bpf_task_pt_regs(): required (5.17) */
	RTG_FEAT_CGROUP_CONNECT_UNIX, /* cgroup/connect_unix (6.7+) */
	RTG_FEAT_CGROUP_BIND,	      /* cgroup/bind4 + bind6 */
	RTG_FEAT_RDONLY_CAST, /* bpf_rdonly_cast() from a tracepoint (6.2) */
	RTG_NFEAT,
};

#define RTG_REASON_MAX 160

struct rtg_feature {
	bool ok;
	int err;		     /* negative errno when !ok (0 when ok) */
	char reason[RTG_REASON_MAX]; /* why not, or a detail when ok */
};

/* Syscall tracepoints for opens (bits of rtg_decision.open_tps). */
enum rtg_open_tp {
	RTG_TP_ENTER_OPENAT = 0,
	RTG_TP_EXIT_OPENAT,
	RTG_TP_ENTER_OPENAT2,
	RTG_TP_EXIT_OPENAT2,
	RTG_TP_ENTER_OPEN,
	RTG_TP_EXIT_OPEN,
	RTG_TP_ENTER_CREAT,
	RTG_TP_EXIT_CREAT,
	RTG_NOPEN_TPS,
};

/* Where a hook's events come from. */
enum rtg_src {
	RTG_SRC_NONE = 0,   /* no working mechanism: the hook is unavailable */
	RTG_SRC_TP_BTF,	    /* tp_btf/sched_process_{exec,exit} */
	RTG_SRC_RAW_TP,	    /* raw_tp/sched_process_{exec,exit} */
	RTG_SRC_TRACEPOINT, /* syscalls sys_enter_/sys_exit_ tracepoints */
	RTG_SRC_CGROUP,	    /* cgroup/connect4 + cgroup/connect6 */
};

/* Enforcement cases. "affix" = prefix or suffix path matches. */
enum rtg_enf {
	RTG_ENF_EXEC_DENY_EQUAL = 0,
	RTG_ENF_EXEC_DENY_AFFIX,
	RTG_ENF_OPEN_DENY_EQUAL,
	RTG_ENF_OPEN_DENY_AFFIX,
	RTG_ENF_CONNECT_DENY,
	RTG_ENF_KILL,
	RTG_NENF,
};

#include "probe_more.h"

/* How the walks of the open hooks read the kernel's objects
 * (bpf/kread.bpf.h): which build of their programs loads. */
enum rtg_walk {
	RTG_WALK_PROBE_READ = 0, /* bpf_probe_read_kernel() */
	RTG_WALK_BTF,		 /* direct loads through bpf_rdonly_cast() */
};

struct rtg_decision {
	enum rtg_src exec, exit, open, connect;
	enum rtg_walk walk;
	unsigned int open_tps;	      /* 1u << enum rtg_open_tp that exist */
	enum rtg_mech mech[RTG_NENF]; /* RTG_MECH_NONE: cannot enforce */
	struct rtg_more_decision more; /* the hooks after connect */
};

struct rtg_probe {
	struct rtg_feature feat[RTG_NFEAT];
	char kernel[65];     /* uname -r */
	char lsms[256];	     /* /sys/kernel/security/lsm, "" if unreadable */
	bool lsms_known;     /* lsms was read */
	bool bpf_lsm_active; /* "bpf" in lsms */
	char lockdown[32];   /* bracketed word of .../lockdown, "" unknown */
	struct rtg_mounts mounts;
	/* privilege */
	unsigned int euid;
	bool cap_bpf, cap_perfmon, cap_sys_admin; /* from CapEff */
	bool privileged; /* may load and attach: sys_admin or bpf+perfmon */
	/* FMODE_CREATED on this kernel, as measured (0: not measured; the
	 * agent then keeps its built-in value) */
	unsigned int fmode_created;
	/* bpf_task_pt_regs() less task->stack, as measured (0: not measured;
	 * the open programs then call the helper) */
	unsigned int regs_off;
	/* result */
	int err;		    /* what probe_kernel() returned */
	char error[RTG_REASON_MAX]; /* one-line reason when err != 0 */
	double elapsed_ms;
	struct rtg_decision d;
};

/* Fill p: privilege, BTF, kernel release, mounts (mounting missing bpffs,
 * tracefs, securityfs), LSM list, lockdown, every feature and the decisions.
 * Returns 0, or a negative errno when probing cannot even start, with
 * p->error set: -EPERM "needs CAP_BPF and CAP_PERFMON (run as root)",
 * -ENOENT "kernel has no BTF at /sys/kernel/btf/vmlinux". */
int probe_kernel(struct rtg_probe *p);

/* Recompute p->d from p->feat (probe_kernel() calls it; exposed so tests
 * can check the choice of sources and mechanisms on made-up feature sets). */
void probe_decide(struct rtg_probe *p);

struct rtg_backends;
/* What the policy compiler may use, from the decisions above. */
void probe_backends(const struct rtg_probe *p, struct rtg_backends *be);

/* Human table (feature | works? | detail), then hook -> mechanism. */
void probe_print(const struct rtg_probe *p, FILE *f);
/* One JSON object (no trailing newline). */
void probe_print_json(const struct rtg_probe *p, struct json_writer *jw);

const char *probe_feat_name(enum rtg_feat f); /* "lsm", "fanotify_perm" */
const char *probe_src_name(enum rtg_src s);   /* "tp_btf", "cgroup" */
const char *probe_walk_name(enum rtg_walk w); /* "btf", "probe_read" */
const char *probe_enf_name(enum rtg_enf e);   /* "open_deny_equal" */

static inline bool probe_ok(const struct rtg_probe *p, enum rtg_feat f)
{
	return p->feat[f].ok;
}

#endif
