/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The workload drivers of the bench, one file each (bench_nginx.c,
 * bench_redis.c, bench_unpack.c, bench_zstd.c, bench_micro.c,
 * bench_storm.c), behind one table in bench_work.c. prepare() runs once;
 * start() (servers, file systems) runs after the configuration is attached,
 * measure() is the timing, and the common stop() tears down what start()
 * made before the configuration is detached; finish() then adds metrics
 * from what the detach measured (the agent's CPU and output).
 */
#ifndef RTG_BENCH_WORK_H
#define RTG_BENCH_WORK_H

#include "bench.h"

/* What start() sets up and stop() tears down, outside the timing. */
struct bench_wl_state {
	pid_t server; /* a server's process group; stopped with SIGTERM */
	int port;     /* its port on 127.0.0.1 (chosen before start()) */
	char dir[600];
	char mnt[600]; /* a mounted file system; unmounted */
	char img[300]; /* its image file; removed */
	bool mounted;
};

struct bench_workload {
	const char *name;
	const struct bench_metric_def *metrics; /* ends with a NULL name */
	bool server; /* start() spawns a server listening on st->port */
	/* seconds one run takes, attach and detach included */
	double (*est_secs)(const struct bench *b);
	/* once: inputs, b->wl_note; b->wl_why when the workload cannot run */
	int (*prepare)(struct bench *b, int wl, const char *dir);
	int (*start)(struct bench *b, int wl, struct bench_wl_state *st);
	int (*measure)(struct bench *b, struct bench_wl_state *st,
		       struct bench_run *run, double *vals);
	void (*finish)(const struct bench *b, const struct bench_run *run,
		       double *vals);
	/* the policy `on` runs with (NULL: the bench's) */
	const char *(*policy)(const struct bench *b);
};

/* Defines bench_wl_<wname> from the driver's static metrics[], est_secs(),
 * prepare() and measure(), plus optional fields (.server, .start). */
#define BENCH_WORKLOAD(wname, ...)                                             \
	const struct bench_workload bench_wl_##wname = {.name = #wname,        \
							.metrics = metrics,    \
							.est_secs = est_secs,  \
							.prepare = prepare,    \
							.measure = measure,    \
							__VA_ARGS__}

extern const struct bench_workload bench_wl_nginx, bench_wl_redis,
    bench_wl_unpack, bench_wl_zstd, bench_wl_micro, bench_wl_storm;

/* -- shared by the drivers (bench_work.c, bench_unpack.c) -- */
int bench_need(struct bench *b, int wl, const char *const *progs);
bool bench_fresh(const char *cache, const char *src);
int bench_prepare_tarball(struct bench *b, int wl);
long bench_tar_entries(const struct bench *b);

#endif
