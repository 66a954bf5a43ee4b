/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The numbers the agent reports about itself, and their two renderings:
 * Prometheus text (user/ops/prom.c, served by user/ops/metrics.c) and
 * `rtguard status` (user/ops/status.c, answered on the socket by
 * user/ops/server.c).
 *
 * Ownership: the agent keeps a struct stats_counters current on its main
 * thread (user/agent/agent.c) and hands a const pointer to the server and
 * copies to the metrics endpoint. Nothing here knows struct agent; what the
 * kernel and /proc say is added at read time (metrics_read_live()).
 */
#ifndef RTG_STATS_H
#define RTG_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "names.h"
#include "policy.h"

struct json_writer;
struct metrics;
struct rtg_probe;
struct workload_cache;

/* What the agent counts (main thread). */
struct stats_counters {
	uint64_t events[RTG_EV_MAX][4]; /* [type][action] reported */
	uint64_t lost[RTG_NLOSS];	/* by source (names.h) */
	uint64_t reloads_ok, reloads_failed;
	uint64_t procs_tracked;
	uint32_t subscribers;
	int npolicies; /* the policies in force */
	char policy[RTG_MAX_POLICIES][RTG_NAME_MAX + 1];
	int rules[RTG_MAX_POLICIES][RTG_NHOOKS];
};

#define STATS_MAX_PROGS 96
#define STATS_PROG_NAME 64

struct stats_prog {
	char name[STATS_PROG_NAME];
	uint64_t run_time_ns, run_cnt;
};

#define STATS_MAX_RINGS 2

struct stats_ring {
	char name[16];
	uint64_t used, size; /* bytes waiting; bytes of data */
};

/* The counters at one moment plus what the kernel and /proc say then. */
struct stats_snap {
	struct stats_counters c;
	/* The programs' run-time statistics mean something: the agent keeps
	 * them on (--bpf-stats), or they are a sample (bpf_window > 0). */
	bool bpf_stats;
	double bpf_window; /* > 0: progs[] count this many seconds only */
	int nprogs;
	struct stats_prog progs[STATS_MAX_PROGS];
	int nrings; /* the ring buffers: "events", then "enforce" */
	struct stats_ring rings[STATS_MAX_RINGS];
	/* what the rings take in the kernel (data and position pages); the
	 * agent maps each ring's data twice, so twice that is in its RSS */
	uint64_t ringbuf_memory;
	double cpu_seconds;    /* user + system, all threads */
	double uptime_seconds; /* since metrics_new() */
	uint64_t rss_bytes;
	/* the agent's workloads, read while rendering (main thread only) */
	const struct workload_cache *workloads;
};

/* Where `rtguard status` takes its numbers from; the agent owns all of it. */
struct status_source {
	const struct stats_counters *counters;
	struct metrics *metrics;       /* the live part; NULL: zeros */
	const struct rtg_probe *probe; /* mechanisms; NULL: left out */
	bool dry_run;
	/* the known workloads; NULL: none. Read on the agent's main thread
	 * only (the socket's status), never by the metrics thread. */
	const struct workload_cache *workloads;
};

/* Prometheus text format 0.0.4 (user/ops/prom.c). */
void metrics_render_prom(const struct stats_snap *s, FILE *f);

/* The counters of src now, plus the live part. */
void status_snapshot(const struct status_source *src, struct stats_snap *s);
/* `rtguard status --bpf-stats`: the programs of end count only what they
 * did since start (a snapshot of the same agent), and end says so. True
 * when one of them counted runs: the kernel's statistics were on, whoever
 * held them (a BPF_ENABLE_STATS fd leaves kernel.bpf_stats_enabled as it
 * is, so that sysctl cannot tell). */
bool status_window(struct stats_snap *end, const struct stats_snap *start);
/* `rtguard status`: one JSON object (no newline) / a human table. probe
 * may be NULL. */
void status_render_json(const struct stats_snap *s,
			const struct rtg_probe *probe, bool dry_run,
			struct json_writer *jw);
void status_render_text(const struct stats_snap *s,
			const struct rtg_probe *probe, bool dry_run, FILE *f);
/* Their "workloads" part (user/ops/status_workloads.c): each container the
 * agent knows, by cgroup, with its runtime, names and event count. */
void status_workloads_json(const struct workload_cache *wc,
			   struct json_writer *jw);
void status_workloads_text(const struct workload_cache *wc, FILE *f);

#endif
