/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel side on its own, without the agent (tests/test_bpf_*.c): a
 * test opens, loads and attaches the rtguard_bpf skeleton itself (lsm/
 * programs off, as on a kernel without BPF LSM), writes a compiled policy
 * into the rule maps and agent_cfg, triggers the hooks from a child of its
 * own (a real fork, exec, open, connect) and checks the records in the
 * `events` ring buffer and the procs map field by field. A kernel-side
 * regression fails there with the program's name on it, not as an agent
 * that misbehaves.
 *
 * BPF_PROG_TEST_RUN does not fit these programs: tracepoint and cgroup
 * sock_addr programs do not support it (ENOTSUPP on 6.18) and the tp_btf
 * ones take kernel pointers (task_struct, linux_binprm) a test cannot make
 * up. So every hook is triggered for real.
 *
 * The programs see every process on the machine: records are kept for one
 * pid (struct fix.pid), rules are scoped to the test's temp dir, and the
 * connect programs go on a cgroup of the test's own, not on the root.
 */
#ifndef RTG_TEST_BPF_H
#define RTG_TEST_BPF_H

#include <stdbool.h>
#include <sys/types.h>

#include "agent.h" /* AGENT_MULTI_LINKS */
#include "mounts.h"
#include "rtguard.skel.h"
#include "rules.h"

#define FIX_MAX_RECS 32

struct fix {
	struct rtguard_bpf *skel;
	struct ring_buffer *rb;
	struct rtg_compiled *comp;
	struct bpf_link *cg_links[2];
	struct bpf_link *multi_links[AGENT_MULTI_LINKS]; /* agent_attach_multi() */
	unsigned int open_tps;
	struct rtg_mounts mounts;
	char dir[128]; /* temp dir, resolved (what the kernel reports) */
	char cg[RTG_MOUNT_PATH_MAX + 32]; /* the test's cgroup, "" if none */
	pid_t pid;		  /* records of this process are kept ... */
	void *recs[FIX_MAX_RECS]; /* ... in time order (hdr.time_ns) */
	size_t nrecs;
	int self; /* records of the test process itself */
};

/* Opens, loads and attaches the skeleton, no rules, generation gen
 * active. Skips where the kernel lacks what the agent needs. */
bool fix_open(struct fix *f, int gen);
/* Compiles `policy` (YAML; none when NULL) into generation gen, makes gen
 * active and names `agent` as the agent's tgid. */
bool fix_policy(struct fix *f, const char *policy, int gen, pid_t agent);
/* A cgroup of the test's own (f->cg) with connect4/6 attached to it. */
bool fix_cgroup(struct fix *f);
void fix_close(struct fix *f);

/* The n-th (from 0) record of `type` of f->pid, waiting up to 5 s; NULL
 * when it does not come. */
const void *fix_wait(struct fix *f, __u8 type, int n);
/* Records of `type` of f->pid so far. */
int fix_count(struct fix *f, __u8 type);
/* Drops the records kept so far. */
void fix_reset(struct fix *f);

/* procs[pid]; false when there is no entry. */
bool proc_state(struct fix *f, pid_t pid, struct rtg_proc_state *st);
/* String `which` of an exec record: 0 binary, 1 script, 2 cwd, 3 args. */
const char *exec_str(const struct rtg_exec *e, int which);
/* Runs argv in a child (f->pid) with the temp dir as cwd; returns its
 * exec record or NULL, *status its wait status. Drops earlier records. */
const struct rtg_exec *run_in_dir(struct fix *f, char *const argv[],
				  int *status);

#endif
