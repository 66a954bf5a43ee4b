// SPDX-License-Identifier: GPL-2.0
/*
 * redis workload (pts redis-1.4.0): redis-server on 127.0.0.1 without
 * persistence, redis-benchmark -c 50 -P 1024 for SET GET LPUSH LPOP SADD,
 * req/s.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench_work.h"
#include "log.h"

static const struct bench_metric_def metrics[] = {
    {"SET", "req/s", true},  {"GET", "req/s", true},  {"LPUSH", "req/s", true},
    {"LPOP", "req/s", true}, {"SADD", "req/s", true}, {},
};

static long redis_n(const struct bench *b)
{
	return b->o.quick ? 1000000 : 5000000;
}

static double est_secs(const struct bench *b)
{
	return 5.0 * redis_n(b) / 1e6 + 3;
}

static int prepare(struct bench *b, int wl, const char *dir)
{
	static const char *const progs[] = {"redis-server", "redis-benchmark",
					    NULL};

	(void)dir;
	bench_fmt(b->wl_note[wl], sizeof(b->wl_note[wl]),
		  "redis-server on 127.0.0.1, io-threads %d, no "
		  "persistence; redis-benchmark -c 50 -P 1024 -d 4 "
		  "-n %ld per test",
		  b->ncpu, redis_n(b));
	return bench_need(b, wl, progs);
}

static int start(struct bench *b, int wl, struct bench_wl_state *st)
{
	char port[16], io[16], log[700];
	char *argv[] = {"redis-server",
			"--bind",
			"127.0.0.1",
			"--port",
			port,
			"--save",
			"",
			"--appendonly",
			"no",
			"--io-threads",
			io,
			"--dir",
			st->dir,
			"--daemonize",
			"no",
			"--protected-mode",
			"yes",
			NULL};

	(void)wl;
	bench_fmt(port, sizeof(port), "%d", st->port);
	bench_fmt(io, sizeof(io), "%d", b->ncpu);
	bench_fmt(log, sizeof(log), "%s/server.log", st->dir);
	st->server = bench_spawn(argv, log, true);
	return st->server < 0 ? st->server : 0;
}

static int measure(struct bench *b, struct bench_wl_state *st,
		   struct bench_run *run, double *vals)
{
	(void)run;
	char port[16], n[32], test[16], out[4096];
	char *argv[] = {"redis-benchmark",
			"-h",
			"127.0.0.1",
			"-p",
			port,
			"-c",
			"50",
			"-P",
			"1024",
			"-d",
			"4",
			"-q",
			"--csv",
			"-t",
			test,
			"-n",
			n,
			NULL};
	int i;

	bench_fmt(port, sizeof(port), "%d", st->port);
	bench_fmt(n, sizeof(n), "%ld", redis_n(b));
	for (i = 0; metrics[i].name; i++) {
		char want[32];
		const char *p;
		size_t k;

		/* the test's name in lower case: -t set */
		for (k = 0; metrics[i].name[k] && k + 1 < sizeof(test); k++)
			test[k] = (char)(metrics[i].name[k] | 0x20);
		test[k] = '\0';
		if (bench_run_logged(argv, out, sizeof(out), 600))
			return -EIO;
		/* "SET","2898550.75",... */
		bench_fmt(want, sizeof(want), "\"%s\",\"", metrics[i].name);
		p = strstr(out, want);
		if (!p) {
			log_warn("redis-benchmark: no %s line in: %.300s",
				 metrics[i].name, out);
			return -EIO;
		}
		vals[i] = strtod(p + strlen(want), NULL);
	}
	return 0;
}

BENCH_WORKLOAD(redis, .server = true, .start = start);
