// SPDX-License-Identifier: GPL-2.0
/*
 * Event storm: how many events per second the agent delivers. A second
 * agent runs with bench/storm.yaml.in (audit every open under a storm
 * directory) while one open loop per CPU hammers a file there; the agent's
 * output says what it delivered and what it reported lost.
 */
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include "bench.h"

struct storm {
	const char *path;
	double secs;
};

static int storm_child(void *arg, int i, void *res)
{
	const struct storm *s = arg;
	double t0 = bench_now();
	long ops = 0;
	int k;

	(void)i;
	while (bench_now() - t0 < s->secs) {
		for (k = 0; k < 64; k++) {
			int fd = open(s->path, O_RDONLY | O_CLOEXEC);

			if (fd >= 0)
				close(fd);
		}
		ops += 64;
	}
	*(long *)res = ops;
	return 0;
}

int bench_storm(struct bench *b, struct bench_run *run)
{
	char dir[600], file[700], pol[700], tmpl[600], out[700], err_f[700];
	char prefix[620];
	const char *kv[] = {"PREFIX", prefix, NULL};
	struct storm s = {.path = file, .secs = b->o.quick ? 0.5 : 2};
	int n = b->ncpu < 64 ? b->ncpu : 64, i, err;
	long ops[64];
	pid_t agent;
	double t0;

	bench_fmt(dir, sizeof(dir), "%s/storm", b->work);
	bench_fmt(prefix, sizeof(prefix), "%s/", dir);
	bench_fmt(file, sizeof(file), "%s/target", dir);
	bench_fmt(tmpl, sizeof(tmpl), "%s/storm.yaml.in", b->o.bench_dir);
	bench_fmt(pol, sizeof(pol), "%s/storm.yaml", b->work);
	bench_fmt(out, sizeof(out), "%s/storm.jsonl", b->work);
	bench_fmt(err_f, sizeof(err_f), "%s/storm.err", b->work);
	err = bench_mkdirs(dir);
	if (!err)
		err = bench_write_file(file, "x\n", 2);
	if (!err)
		err = bench_subst_file(tmpl, pol, kv);
	if (err)
		return err;
	err = bench_agent_start(b, pol, out, err_f, &agent);
	if (err)
		return err;
	t0 = bench_now();
	err = bench_fork_n(n, storm_child, &s, ops, sizeof(ops[0]));
	run->storm_secs = bench_now() - t0;
	for (i = 0; !err && i < n; i++)
		run->storm_ops += ops[i];
	bench_stop(agent, SIGTERM, 120, NULL, NULL);
	if (!err) {
		run->has_storm = true;
		bench_agent_count(out, "open", &run->storm_events,
				  &run->storm_lost);
	}
	unlink(out);
	return err;
}
