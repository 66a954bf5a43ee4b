/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `rtguard bench` internals. The bench is its own part: it links the same
 * library as the agent (log, json, the floor skeleton) and runs the agent as
 * a child process; nothing of the agent's run path calls into it (the CLI
 * only dispatches `rtguard bench` to cmd_bench()).
 *
 *   bench.c          command line, machine, entry point
 *   bench_run.c      rounds, rotation, progress, one run
 *   bench_conf.c     configurations: off, floor, dispatch, probe
 *   bench_agent.c    `on`: the agent as a child, its self-measurement
 *   bench_peers.c    `auditd` and `bpftrace`
 *   bench_work.c     the workload table and what drivers share
 *   bench_<wl>.c     one driver per workload (bench_work.h)
 *   bench_proc.c     processes and ports
 *   bench_file.c     files, directories, strings
 *   bench_stats.c    statistics (bench_stats.h)
 *   bench_report.c   results.json, results.csv (bench_report.h)
 *   bench_md.c       report.md
 *   bench_targets.c  its targets
 *   bench_chart.c    chart.svg
 *   bench_compare.c  `rtguard bench compare`
 */
#ifndef RTG_BENCH_H
#define RTG_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#define BENCH_MAX_ROUNDS  64
#define BENCH_MAX_METRICS 32
#define BENCH_MAX_PROGS	  96 /* floor and the agent each load ~50 */
#define BENCH_MAX_QUIET	  4
#define BENCH_CACHE_DIR	  "/var/cache/rtguard-bench"

enum bench_conf {
	CONF_OFF,
	CONF_FLOOR,
	CONF_ON,
	CONF_AUDITD,
	CONF_BPFTRACE,
	CONF_MAX,
};

enum bench_wl {
	WL_NGINX,
	WL_REDIS,
	WL_UNPACK,
	WL_ZSTD,
	WL_MICRO,
	WL_STORM,
	WL_MAX,
};

const char *bench_conf_name(int conf);
const char *bench_conf_desc(int conf);
const char *bench_wl_name(int wl);

/* A metric a workload reports (its name is a CSV field: no comma). */
struct bench_metric_def {
	const char *name;
	const char *unit;
	bool higher_better;
};

struct bench_metric {
	int wl;
	char name[48];
	char unit[16];
	bool higher_better;
	/* v[conf][round]: NAN when missing */
	double v[CONF_MAX][BENCH_MAX_ROUNDS];
};

struct bench_prog {
	char name[32];
	uint32_t id;
	uint64_t run_cnt;
	uint64_t run_time_ns;
};

/* One workload run in one configuration: what was measured besides the
 * metrics (self-measurement of `on`, peers' own counters). */
struct bench_run {
	int wl, conf, round;
	double seconds; /* attach to detach */
	/* BPF programs of floor and on with the kernel's run-time statistics,
	 * which count only while they are on */
	int nprogs;
	struct bench_prog progs[BENCH_MAX_PROGS];
	int bpf_stats; /* -1 no programs, 0 off, 1 on (they counted runs) */
	/* on */
	bool has_agent;
	double agent_ready_s;	     /* spawn to "running" */
	double agent_cpu_s;	     /* user + system, spawn to exit */
	double agent_cpu_work_s;     /* from the measurement's start to exit */
	long agent_rss_kb;	     /* peak (VmHWM / ru_maxrss) */
	long agent_rss_end_kb;	     /* VmRSS when the workload is done */
	long events, lost;	     /* every event; every reported loss */
	long open_events, open_lost; /* "open" events; losses of opens */
	long quiet_events;	     /* events naming a path of b->quiet */
	/* storm: what its processes did */
	bool has_storm;
	double storm_secs;
	long storm_ops;
	/* auditd */
	bool has_audit;
	long audit_wait_jiffies, audit_lost; /* deltas of auditctl -s */
	/* bpftrace */
	bool has_bpftrace;
	long bt_lines, bt_lost;
};

struct bench_opts {
	bool quick;
	bool bpf_stats; /* kernel BPF run-time statistics on for every run */
	int rounds;
	int max_rounds; /* pts rule cap */
	bool wl_on[WL_MAX];
	bool conf_on[CONF_MAX]; /* --configs (default all) */
	const char *policy;
	char out[512];
	char self[512];	     /* path of this rtguard binary */
	char bench_dir[512]; /* bench/ with the workload configs */
	char cmdline[1024];
};

struct bench_machine {
	char cpu[128];
	int cores;
	unsigned long long mem_bytes;
	char kernel[160];
	char date[40];
};

struct bench {
	struct bench_opts o;
	struct bench_machine m;
	int ncpu;
	int stats_fd;	/* bpf_enable_stats() held for the whole run, or -1 */
	char work[512]; /* scratch directory, removed at the end */
	bool conf_ok[CONF_MAX];
	char conf_why[CONF_MAX][256];
	bool wl_ok[WL_MAX];
	char wl_why[WL_MAX][256];
	int wl_rounds[WL_MAX];	   /* rounds done */
	char wl_note[WL_MAX][512]; /* what was measured (tarball, fs, input) */
	struct bench_metric metrics[BENCH_MAX_METRICS];
	int nmetrics;
	struct bench_run *runs;
	int nruns, runs_cap;
	double started; /* monotonic seconds */
	/* files the workloads open that no rule should match (micro's) */
	char quiet[BENCH_MAX_QUIET][512];
	int nquiet;
	/* workload state */
	char tar_path[512]; /* decompressed tarball measured by unpack */
	char tar_src[512];  /* the .tar.xz it came from */
	char zstd_input[512];
	char storm_policy[600];
};

/* -- processes (bench_proc.c) -- */
double bench_now(void); /* CLOCK_MONOTONIC seconds */
int bench_run_cmd(char *const argv[], char *out, size_t outsz, int timeout_s);
int bench_run_logged(char *const argv[], char *out, size_t outsz,
		     int timeout_s);
int bench_sh(const char *script, const char *a0, const char *a1, int timeout_s);
int bench_fork_n(int n, int (*fn)(void *arg, int i, void *res), void *arg,
		 void *res, size_t size);
pid_t bench_spawn(char *const argv[], const char *out_path, bool pgroup);
int bench_stop(pid_t pid, int sig, int timeout_s, int *status,
	       struct rusage *ru);
int bench_wait_ready(pid_t pid, const char *file, const char *needle,
		     int timeout_s, char *why, size_t whysz);
int bench_wait_port(int port, int timeout_ms);
int bench_free_port(void);
bool bench_have(const char *prog);

/* -- files (bench_file.c) -- */
int bench_read_file(const char *path, char *buf, size_t sz);
int bench_write_file(const char *path, const char *data, size_t len);
int bench_mkdirs(const char *path);
int bench_rm_rf(const char *path);
bool bench_file_has(const char *path, const char *needle, char *last,
		    size_t lastsz);
int bench_subst_file(const char *tmpl, const char *out, const char *const *kv);
int bench_cgroup2_root(char *buf, size_t sz);
int bench_grow(void *arrp, int *cap, int n, size_t elem);
int bench_fmt(char *buf, size_t sz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* -- configurations (bench_conf.c, bench_agent.c, bench_peers.c) -- */
struct bench_conf_state;
int bench_conf_probe(struct bench *b, int conf);
/* policy: of `on` (NULL: the bench's --policy, else the embedded one) */
int bench_conf_attach(struct bench *b, int conf, const char *policy,
		      struct bench_conf_state **st);
/* The measurement starts: the agent's CPU from here on is the work's. */
void bench_conf_mark(struct bench_conf_state *st);
int bench_conf_detach(struct bench *b, struct bench_conf_state *st,
		      struct bench_run *run);
/* The program of fd with its run-time statistics, once per id, into run. */
void bench_conf_add_prog(struct bench_run *run, int fd);

/* -- run (bench_run.c) -- */
/* Probes the configurations, prepares the workloads, runs every round and
 * writes the outputs; SIGINT/SIGTERM stop it early with what was measured. */
int bench_run_all(struct bench *b);

/* -- workloads (bench_work.c) -- */
struct bench_wl_state;
int bench_wl_prepare(struct bench *b, int wl);
int bench_wl_start(struct bench *b, int wl, struct bench_wl_state **st);
int bench_wl_measure(struct bench *b, int wl, struct bench_wl_state *st,
		     struct bench_run *run, double *vals);
void bench_wl_stop(struct bench *b, int wl, struct bench_wl_state *st);
/* Metrics that come from the configuration's detach (the agent's). */
void bench_wl_finish(const struct bench *b, int wl, const struct bench_run *run,
		     double *vals);
/* The policy of `on` for this workload (NULL: the bench's). */
const char *bench_wl_policy(const struct bench *b, int wl);
/* The metrics of a workload; returns how many. */
int bench_wl_metrics(int wl, const struct bench_metric_def **defs);
double bench_wl_est_secs(const struct bench *b, int wl);

/* -- outputs (bench_report.c, bench_md.c, bench_chart.c) -- */
int bench_write_outputs(struct bench *b);
int bench_write_json(struct bench *b, const char *path);
int bench_write_csv(struct bench *b, const char *path);
int bench_write_md(struct bench *b, const char *path);
int bench_write_chart(struct bench *b, const char *path);

/* -- compare (bench_compare.c) -- */
int bench_compare(const char *a, const char *b);

#endif
