/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Self-measurement of the running agent (DESIGN.md §5): what it reported and
 * lost, what its BPF programs cost (kernel run-time statistics, enabled with
 * BPF_ENABLE_STATS while the agent runs), its own CPU and memory, the ring
 * buffer's fill and the loaded policies. The same numbers feed the
 * Prometheus endpoint (--metrics ADDR:PORT, libmicrohttpd: /metrics and
 * /healthz) and `rtguard status` (user/ops/server.c).
 *
 * Threads: the HTTP server answers from its own thread. It never touches
 * struct agent: the main loop copies the agent's counters into a snapshot
 * (metrics_update(), under a mutex, at most every 50 ms), and the HTTP
 * thread reads that copy plus what the kernel and /proc say at the time of
 * the scrape.
 */
#ifndef RTG_METRICS_H
#define RTG_METRICS_H

#include "names.h"
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "events.h"
#include "policy.h"
#include "rules.h"

struct agent;
struct bpf_object;
struct json_writer;
struct rtg_probe;

/* Where events are lost (rtguard_events_lost_total{source}). */

#define STATS_MAX_PROGS 48
#define STATS_PROG_NAME 64

struct stats_prog {
	char name[STATS_PROG_NAME];
	uint64_t run_time_ns, run_cnt;
};

struct stats_snap {
	/* from the agent (metrics_collect) */
	uint64_t events[RTG_EV_MAX][4]; /* [type][action] */
	uint64_t lost[RTG_NLOSS];
	uint64_t reloads_ok, reloads_failed;
	uint64_t procs_tracked;
	uint32_t subscribers;
	int npolicies;
	char policy[RTG_MAX_POLICIES][RTG_NAME_MAX + 1];
	int rules[RTG_MAX_POLICIES][RTG_NHOOKS];
	/* from the kernel and /proc (metrics_read_live) */
	bool bpf_stats; /* run-time statistics are on */
	int nprogs;
	struct stats_prog progs[STATS_MAX_PROGS];
	uint64_t ringbuf_used, ringbuf_size;
	double cpu_seconds;    /* user + system, all threads */
	double uptime_seconds; /* since metrics_new() */
	uint64_t rss_bytes;
};

struct metrics;

/* Enables BPF run-time statistics (kept on until metrics_free()), notes
 * every loaded program of obj and maps the ring buffer's position pages
 * read-only. Never fails for a missing piece (that number reads 0 and the
 * reason is logged at debug level); NULL only on ENOMEM. */
struct metrics *metrics_new(struct bpf_object *obj, int ringbuf_fd,
			    uint64_t ringbuf_size);
/* Stops the HTTP server first; accepts NULL. */
void metrics_free(struct metrics *m);

/* "ADDR:PORT" -> socket address: IPv4 ("127.0.0.1:9464"), IPv6 in
 * brackets ("[::1]:9464") or "localhost:PORT". A non-loopback address is
 * refused unless allow_remote. 0, or -EINVAL with a message in err. */
int metrics_parse_addr(const char *s, bool allow_remote,
		       struct sockaddr_storage *ss, char *err, size_t errlen);
/* Binds the HTTP server's (/metrics, /healthz) socket to addr while the
 * agent may still bind privileged ports; metrics_start() starts its thread
 * after the agent has given up its capabilities. 0 or a negative errno
 * (logged). */
int metrics_serve(struct metrics *m, const char *addr, bool allow_remote);
int metrics_start(struct metrics *m);

/* The agent's part of a snapshot (main thread only). */
void metrics_collect(const struct agent *a, struct stats_snap *s);
/* Kernel and /proc part (any thread). */
void metrics_read_live(struct metrics *m, struct stats_snap *s);
/* Main loop: collect and hand to the HTTP thread (rate-limited; cheap when
 * there is no HTTP server). */
void metrics_update(struct metrics *m, const struct agent *a);

/* Prometheus text format 0.0.4. */
void metrics_render_prom(const struct stats_snap *s, FILE *f);
/* `rtguard status`: one JSON object (no newline) / a human table. probe
 * may be NULL. */
void status_render_json(const struct stats_snap *s,
			const struct rtg_probe *probe, bool dry_run,
			struct json_writer *jw);
void status_render_text(const struct stats_snap *s,
			const struct rtg_probe *probe, bool dry_run, FILE *f);

#endif
