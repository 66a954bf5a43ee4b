// SPDX-License-Identifier: GPL-2.0
/*
 * Configurations of the bench. Each is attached before a workload run and
 * detached after it (never left attached behind a flag):
 *   off      nothing attached
 *   floor    empty programs on the agent's hooks (bpf/floor.bpf.c), here
 *   on       the agent itself, writing JSON lines to a file (bench_agent.c)
 *   auditd   auditd with equivalent syscall rules (bench_peers.c)
 *   bpftrace an equivalent tracepoint script writing to a file (same)
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_conf.h"
#include "floor.skel.h"
#include "log.h"
#include "probe.h"

static const char *const conf_names[CONF_MAX] = {"off", "floor", "on", "auditd",
						 "bpftrace"};
static const char *const conf_descs[CONF_MAX] = {
    "nothing of rtguard attached",
    "empty BPF programs on exactly the agent's hooks (cost of the hooks)",
    "the rtguard agent with the policy, writing JSON lines to a file",
    "auditd with rules on execve, execveat, openat, openat2, open, creat, "
    "connect",
    "bpftrace printing one line per exec/open/connect to a file",
};

const char *bench_conf_name(int conf)
{
	return conf >= 0 && conf < CONF_MAX ? conf_names[conf] : "?";
}

const char *bench_conf_desc(int conf)
{
	return conf >= 0 && conf < CONF_MAX ? conf_descs[conf] : "?";
}

/* ---- floor ---- */

#define TP_PREFIX "tracepoint/syscalls/"

/* The floor's BPF LSM programs, where the agent loads its own: file_open
 * and bprm_check_security wherever BPF LSM works, the others as the
 * probe assigns their hooks. */
static void floor_lsm_autoload(struct floor_bpf *fl, const struct rtg_probe *pr)
{
	const struct rtg_more_decision *m = pr ? &pr->d.more : NULL;
	bool lsm = pr && probe_ok(pr, RTG_FEAT_LSM);
	struct bpf_program *prog;
	int h;

	bpf_object__for_each_program(prog, fl->obj)
	{
		h = probe_more_lsm_hook(bpf_program__section_name(prog));
		if (h >= 0)
			bpf_program__set_autoload(
			    prog, lsm && m && (m->lsm_hooks & (1u << h)));
	}
	bpf_program__set_autoload(fl->progs.fl_lsm_file_open, lsm);
	bpf_program__set_autoload(fl->progs.fl_lsm_bprm_check, lsm);
	bpf_program__set_autoload(fl->progs.fl_lsm_unix_connect,
				  lsm && m && m->unix_src == RTG_MSRC_LSM);
}

/* The floor programs of the hooks after connect, where the agent would
 * load them: as the probe decides (user/lib/probe_more.h), probed once. */
static void floor_more_autoload(struct floor_bpf *fl)
{
	static struct rtg_probe *pr;
	const struct rtg_more_decision *m;
	struct bpf_program *prog;
	const char *sec;
	int h;

	if (!pr) {
		pr = calloc(1, sizeof(*pr));
		if (pr && probe_kernel(pr)) {
			free(pr);
			pr = NULL;
		}
	}
	m = pr ? &pr->d.more : NULL;
	bpf_object__for_each_program(prog, fl->obj)
	{
		sec = bpf_program__section_name(prog);
		if (strncmp(sec, TP_PREFIX, strlen(TP_PREFIX)))
			continue;
		h = probe_more_tp_hook(sec + strlen(TP_PREFIX));
		if (h >= 0)
			bpf_program__set_autoload(
			    prog, m && m->src[h] == RTG_MSRC_TRACEPOINT &&
				      probe_more_has_tp(pr,
							sec + strlen(TP_PREFIX)));
	}
	bpf_program__set_autoload(fl->progs.fl_module_raw,
				  m && m->src[RTG_HOOK_MODULE] == RTG_MSRC_RAW_TP);
	bpf_program__set_autoload(fl->progs.fl_uring_submit,
				  m && m->uring_submit);
	bpf_program__set_autoload(fl->progs.fl_connect_unix,
				  m && m->unix_src == RTG_MSRC_CGROUP);
	bpf_program__set_expected_attach_type(fl->progs.fl_connect_unix,
					      49 /* BPF_CGROUP_UNIX_CONNECT */);
	bpf_program__set_autoload(fl->progs.fl_bind4,
				  m && m->deny[RTG_HOOK_LISTEN] == RTG_MECH_CGROUP);
	bpf_program__set_autoload(fl->progs.fl_bind6,
				  m && m->deny[RTG_HOOK_LISTEN] == RTG_MECH_CGROUP);
	floor_lsm_autoload(fl, pr);
}

/* The cgroup programs on the cgroup2 root cgfd: the skeleton's links. */
static int floor_cgroup(struct floor_bpf *fl, int cgfd)
{
	struct {
		struct bpf_program *prog;
		struct bpf_link **link;
	} cg[] = {
		{fl->progs.fl_connect4, &fl->links.fl_connect4},
		{fl->progs.fl_connect6, &fl->links.fl_connect6},
		{fl->progs.fl_connect_unix, &fl->links.fl_connect_unix},
		{fl->progs.fl_bind4, &fl->links.fl_bind4},
		{fl->progs.fl_bind6, &fl->links.fl_bind6},
	};
	size_t i;

	for (i = 0; i < sizeof(cg) / sizeof(cg[0]); i++) {
		if (!bpf_program__autoload(cg[i].prog))
			continue;
		*cg[i].link = bpf_program__attach_cgroup(cg[i].prog, cgfd);
		if (!*cg[i].link)
			return -errno;
	}
	return 0;
}

static int floor_attach(struct bench_conf_state *st)
{
	char cg[512];
	int cgfd = -1, err;

	st->floor = floor_bpf__open();
	if (!st->floor)
		return -errno ?: -EINVAL;
	floor_more_autoload(st->floor);
	err = floor_bpf__load(st->floor);
	if (!err)
		err = floor_bpf__attach(st->floor);
	if (err)
		goto cleanup;
	err = bench_cgroup2_root(cg, sizeof(cg));
	if (err)
		goto cleanup;
	cgfd = open(cg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgfd < 0) {
		err = -errno;
		goto cleanup;
	}
	err = floor_cgroup(st->floor, cgfd);
cleanup:
	if (cgfd >= 0)
		close(cgfd);
	if (err) {
		floor_bpf__destroy(st->floor);
		st->floor = NULL;
	}
	return err;
}

void bench_conf_add_prog(struct bench_run *run, int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	struct bench_prog *bp;
	int i;

	if (run->nprogs == BENCH_MAX_PROGS ||
	    bpf_obj_get_info_by_fd(fd, &info, &len))
		return;
	for (i = 0; i < run->nprogs; i++)
		if (run->progs[i].id == info.id)
			return;
	bp = &run->progs[run->nprogs++];
	bp->id = info.id;
	bench_fmt(bp->name, sizeof(bp->name), "%s", info.name);
	bp->run_cnt = info.run_cnt;
	bp->run_time_ns = info.run_time_ns;
}

static void floor_progs(struct bench_conf_state *st, struct bench_run *run)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, st->floor->obj)
	{
		if (bpf_program__fd(prog) >= 0)
			bench_conf_add_prog(run, bpf_program__fd(prog));
	}
}

/* Were the kernel's BPF run-time statistics on during the run? They count
 * runs only while on, and every workload runs the programs of floor and on
 * (an exec, an open or a connect at least). */
static int stats_seen(const struct bench_run *run)
{
	uint64_t runs = 0;
	int i;

	if (!run->nprogs)
		return -1;
	for (i = 0; i < run->nprogs; i++)
		runs += run->progs[i].run_cnt;
	return runs > 0;
}

/* ---- dispatch ---- */

int bench_conf_attach(struct bench *b, int conf, const char *policy,
		      struct bench_conf_state **stp)
{
	struct bench_conf_state *st = calloc(1, sizeof(*st));
	int err = 0;

	*stp = NULL;
	if (!st)
		return -ENOMEM;
	st->conf = conf;
	switch (conf) {
	case CONF_OFF:
		break;
	case CONF_FLOOR:
		err = floor_attach(st);
		if (err)
			bench_fmt(b->conf_why[conf], sizeof(b->conf_why[conf]),
				  "floor programs: %s", strerror(-err));
		break;
	case CONF_ON:
		err = bench_on_attach(b, st, policy);
		break;
	case CONF_AUDITD:
		err = bench_auditd_attach(b, st);
		if (err && st->pid > 0)
			bench_auditd_detach(st, NULL);
		break;
	case CONF_BPFTRACE:
		err = bench_bpftrace_attach(b, st);
		break;
	default:
		err = -EINVAL;
	}
	if (err) {
		free(st);
		return err;
	}
	*stp = st;
	return 0;
}

void bench_conf_mark(struct bench_conf_state *st)
{
	if (st && st->conf == CONF_ON)
		bench_on_mark(st);
}

int bench_conf_detach(struct bench *b, struct bench_conf_state *st,
		      struct bench_run *run)
{
	int err = 0;

	if (!st)
		return 0;
	switch (st->conf) {
	case CONF_FLOOR:
		if (run)
			floor_progs(st, run);
		floor_bpf__destroy(st->floor);
		break;
	case CONF_ON:
		err = bench_on_detach(b, st, run);
		break;
	case CONF_AUDITD:
		bench_auditd_detach(st, run);
		break;
	case CONF_BPFTRACE:
		bench_bpftrace_detach(st, run);
		break;
	}
	if (run)
		run->bpf_stats = stats_seen(run);
	free(st);
	return err;
}

/* Can this configuration be used here? Tries a real attach and detach;
 * fills b->conf_why when not. */
int bench_conf_probe(struct bench *b, int conf)
{
	static const char *const need[CONF_MAX][2] = {
	    [CONF_AUDITD] = {"auditd", "auditctl"},
	    [CONF_BPFTRACE] = {"bpftrace", NULL},
	};
	struct bench_conf_state *st;
	int i, err;

	for (i = 0; i < 2; i++) {
		if (need[conf][i] && !bench_have(need[conf][i])) {
			bench_fmt(b->conf_why[conf], sizeof(b->conf_why[conf]),
				  "%s is not installed", need[conf][i]);
			return -ENOENT;
		}
	}
	if (conf != CONF_OFF && geteuid() != 0) {
		bench_fmt(b->conf_why[conf], sizeof(b->conf_why[conf]),
			  "needs root");
		return -EPERM;
	}
	err = bench_conf_attach(b, conf, NULL, &st);
	if (err) {
		if (!b->conf_why[conf][0])
			bench_fmt(b->conf_why[conf], sizeof(b->conf_why[conf]),
				  "attach failed: %s", strerror(-err));
		return err;
	}
	return bench_conf_detach(b, st, NULL);
}
