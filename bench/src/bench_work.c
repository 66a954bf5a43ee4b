// SPDX-License-Identifier: GPL-2.0
/*
 * Workloads of the bench, reproduced from the pts profiles of the paper with
 * Debian packages, one driver per file (bench_work.h):
 *   nginx   nginx over HTTPS on 127.0.0.1, wrk -c20 and -c100 (req/s)
 *   redis   redis-server on 127.0.0.1, redis-benchmark -P 1024 (req/s)
 *   unpack  tar -xf of the Linux source tarball into a fresh ext4 (s)
 *   zstd    zstd -b3 on 200 MiB of that tarball (MB/s)
 *   micro   open/close, fork+exec+wait, connect+close loops (ns/op)
 *   storm   audited opens from two processes: events/s, µs/event
 * This file is the table and what every driver shares: the state's life
 * (start after the attach, stop before the detach) and the checks.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_work.h"
#include "log.h"

static const struct bench_workload *const wls[WL_MAX] = {
    [WL_NGINX] = &bench_wl_nginx,   [WL_REDIS] = &bench_wl_redis,
    [WL_UNPACK] = &bench_wl_unpack, [WL_ZSTD] = &bench_wl_zstd,
    [WL_MICRO] = &bench_wl_micro,   [WL_STORM] = &bench_wl_storm,
};

const char *bench_wl_name(int wl)
{
	return wl >= 0 && wl < WL_MAX ? wls[wl]->name : "?";
}

int bench_wl_metrics(int wl, const struct bench_metric_def **defs)
{
	int k = 0;

	*defs = wls[wl]->metrics;
	while (wls[wl]->metrics[k].name)
		k++;
	return k;
}

double bench_wl_est_secs(const struct bench *b, int wl)
{
	return wls[wl]->est_secs(b);
}

/* Fails with "X is not installed" in b->wl_why unless every program is. */
int bench_need(struct bench *b, int wl, const char *const *progs)
{
	for (; *progs; progs++) {
		if (bench_have(*progs))
			continue;
		bench_fmt(b->wl_why[wl], sizeof(b->wl_why[wl]),
			  "%s is not installed (sudo make bench-deps)", *progs);
		return -ENOENT;
	}
	return 0;
}

/* A cached file made from src is there and not older than src. */
bool bench_fresh(const char *cache, const char *src)
{
	struct stat a, s;

	return !stat(cache, &a) && !stat(src, &s) && a.st_size > 0 &&
	       a.st_mtime >= s.st_mtime;
}

int bench_wl_prepare(struct bench *b, int wl)
{
	char dir[600];
	int err;

	bench_fmt(dir, sizeof(dir), "%s/%s", b->work, wls[wl]->name);
	err = bench_mkdirs(dir);
	return err ?: wls[wl]->prepare(b, wl, dir);
}

int bench_wl_start(struct bench *b, int wl, struct bench_wl_state **stp)
{
	const struct bench_workload *w = wls[wl];
	struct bench_wl_state *st = calloc(1, sizeof(*st));
	int err = 0;

	*stp = NULL;
	if (!st)
		return -ENOMEM;
	bench_fmt(st->dir, sizeof(st->dir), "%s/%s", b->work, w->name);
	if (w->server) {
		st->port = bench_free_port();
		err = st->port < 0 ? st->port : 0;
	}
	if (!err && w->start)
		err = w->start(b, wl, st);
	if (!err && w->server) {
		err = bench_wait_port(st->port, 20000);
		if (err)
			log_err("%s did not start listening on 127.0.0.1:%d "
				"(see %s/server.log)",
				w->name, st->port, st->dir);
	}
	if (err) {
		bench_wl_stop(b, wl, st);
		return err;
	}
	*stp = st;
	return 0;
}

int bench_wl_measure(struct bench *b, int wl, struct bench_wl_state *st,
		     struct bench_run *run, double *vals)
{
	return wls[wl]->measure(b, st, run, vals);
}

void bench_wl_finish(const struct bench *b, int wl, const struct bench_run *run,
		     double *vals)
{
	if (wls[wl]->finish)
		wls[wl]->finish(b, run, vals);
}

const char *bench_wl_policy(const struct bench *b, int wl)
{
	return wls[wl]->policy ? wls[wl]->policy(b) : NULL;
}

void bench_wl_stop(struct bench *b, int wl, struct bench_wl_state *st)
{
	(void)b;
	(void)wl;
	if (!st)
		return;
	if (st->server > 0)
		bench_stop(-st->server, SIGTERM, 30, NULL, NULL);
	if (st->mounted && umount(st->mnt))
		log_warn("umount %s: %s", st->mnt, strerror(errno));
	if (st->img[0])
		unlink(st->img);
	free(st);
}
