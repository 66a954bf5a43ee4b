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

/* The counters at one moment plus what the kernel and /proc say then. */
struct stats_snap {
	struct stats_counters c;
	bool bpf_stats; /* run-time statistics are on */
	int nprogs;
	struct stats_prog progs[STATS_MAX_PROGS];
	uint64_t ringbuf_used, ringbuf_size;
	double cpu_seconds;    /* user + system, all threads */
	double uptime_seconds; /* since metrics_new() */
	uint64_t rss_bytes;
};

/* Where `rtguard status` takes its numbers from; the agent owns all of it. */
struct status_source {
	const struct stats_counters *counters;
	struct metrics *metrics;       /* the live part; NULL: zeros */
	const struct rtg_probe *probe; /* mechanisms; NULL: left out */
	bool dry_run;
};

/* Prometheus text format 0.0.4 (user/ops/prom.c). */
void metrics_render_prom(const struct stats_snap *s, FILE *f);

/* The counters of src now, plus the live part. */
void status_snapshot(const struct status_source *src, struct stats_snap *s);
/* `rtguard status`: one JSON object (no newline) / a human table. probe
 * may be NULL. */
void status_render_json(const struct stats_snap *s,
			const struct rtg_probe *probe, bool dry_run,
			struct json_writer *jw);
void status_render_text(const struct stats_snap *s,
			const struct rtg_probe *probe, bool dry_run, FILE *f);

#endif
