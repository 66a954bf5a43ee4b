/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Self-measurement of the running agent: what it reported and lost (the
 * agent's struct stats_counters, user/ops/stats.h), what its BPF programs
 * cost (kernel run-time statistics, enabled with BPF_ENABLE_STATS while the
 * agent runs), its own CPU and memory, the ring buffer's fill and the loaded
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

/* The kernel and /proc part of a snapshot (any thread). */
void metrics_read_live(struct metrics *m, struct stats_snap *s);
/* Main loop: hands a copy of c to the HTTP thread (rate-limited; cheap
 * when there is no HTTP server). */
void metrics_update(struct metrics *m, const struct stats_counters *c);

#endif
