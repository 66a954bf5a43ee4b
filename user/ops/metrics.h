/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Self-measurement of the running agent: what it reported and lost (the
 * agent's struct stats_counters, user/ops/stats.h), what its BPF programs
 * cost (the kernel's run-time statistics: on for the agent's life with
 * --bpf-stats, or for the few seconds `rtguard status --bpf-stats` samples
 * them), its own CPU and memory, the ring buffer's fill and the loaded
 * policies. The same numbers feed the Prometheus endpoint (--metrics
 * ADDR:PORT, libmicrohttpd: /metrics and /healthz) and `rtguard status`
 * (user/ops/status.c).
 *
 * Threads: the HTTP server answers from its own thread. The main loop hands
 * it a copy of the counters (metrics_update(), under a mutex, at most every
 * 50 ms), and the HTTP thread reads that copy plus what the kernel and /proc
 * say at the time of the scrape.
 */
#ifndef RTG_METRICS_H
#define RTG_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "stats.h"

struct bpf_object;
struct metrics;

/* Notes every loaded program of obj; with bpf_stats, turns the kernel's BPF
 * run-time statistics on until metrics_free() (BPF_ENABLE_STATS needs
 * CAP_SYS_ADMIN: call before the agent gives it up). They add two clock reads
 * to every BPF program on the host, other tools' too, and are off otherwise.
 * Never fails for a missing piece (that number reads 0 and the reason is
 * logged); NULL only on ENOMEM. */
struct metrics *metrics_new(struct bpf_object *obj, bool bpf_stats);
/* A ring buffer (its map fd, size bytes of data) whose fill and memory
 * are reported under name: its position pages are mapped read-only. */
void metrics_add_ring(struct metrics *m, const char *name, int fd,
		      uint64_t size);
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

/* The kernel and /proc part of a snapshot (any thread). */
void metrics_read_live(struct metrics *m, struct stats_snap *s);
/* Main loop: hands a copy of c to the HTTP thread (rate-limited; cheap
 * when there is no HTTP server). */
void metrics_update(struct metrics *m, const struct stats_counters *c);

#endif
