/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The probe's part about the hooks after connect (ptrace, cred, module,
 * bpf, mount, namespace, listen, mmap_exec, io_uring, unix connect):
 * which syscall tracepoints exist, which cgroup and LSM hooks work, and
 * per hook where its events come from and what a deny does there
 * (probe_more.c). struct rtg_decision (probe.h) holds the result; the
 * agent loads its programs from it (user/agent/load_more.c).
 */
#ifndef RTG_PROBE_MORE_H
#define RTG_PROBE_MORE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "events.h"
#include "rules.h"

struct rtg_probe;
struct rtg_backends;
struct json_writer;

/* Where a hook after connect gets its events from. */
enum rtg_more_src {
	RTG_MSRC_NONE = 0,   /* unavailable on this kernel */
	RTG_MSRC_TRACEPOINT, /* syscall tracepoints */
	RTG_MSRC_RAW_TP,     /* raw_syscalls sys_enter (module: attempts only,
			      * the kernel has no module syscalls) */
	RTG_MSRC_CGROUP,     /* cgroup/connect_unix */
	RTG_MSRC_LSM,	     /* BPF LSM only */
};

struct rtg_more_decision {
	uint64_t tps;	    /* 1ull << index of probe_more.c's tps[]: exists */
	bool uring_submit;  /* tp_btf/io_uring_submit_req of 6.0+'s shape */
	bool userns_hook;   /* the userns_create LSM hook (6.1+) */
	uint32_t lsm_hooks; /* 1u << hook: BPF LSM programs decide denies */
	enum rtg_more_src src[RTG_NHOOKS]; /* hooks after connect */
	enum rtg_mech deny[RTG_NHOOKS];	   /* their deny mechanism */
	enum rtg_more_src unix_src;	   /* connect of unix sockets */
	enum rtg_mech unix_deny;
};

/* Facts without trials: the tracepoints in tracefs, the io_uring
 * tracepoint's shape in the kernel's BTF, LSM hooks by kernel release. */
void probe_more_facts(struct rtg_probe *p);
/* The decisions (after the trials). */
void probe_more_decide(struct rtg_probe *p);
/* The hook that syscall tracepoint `name` ("sys_exit_setuid") serves, -1
 * when it is none of these hooks'. */
int probe_more_tp_hook(const char *name);
/* The hook that the BPF LSM program of section sec ("lsm/sb_mount", a
 * leading '?' allowed) serves, -1 when it is none of these hooks'. */
int probe_more_lsm_hook(const char *sec);
/* Does syscall tracepoint `name` exist? */
bool probe_more_has_tp(const struct rtg_probe *p, const char *name);
void probe_more_backends(const struct rtg_probe *p, struct rtg_backends *be);
void probe_more_print(const struct rtg_probe *p, FILE *f);
/* "hooks": {"ptrace": {"source": ..., "deny": ...}, ...} */
void probe_more_print_json(const struct rtg_probe *p, struct json_writer *jw);

#endif
