// SPDX-License-Identifier: GPL-2.0
/*
 * storm workload (bench/README.md): opens that an `audit` rule reports, from
 * two processes as fast as they go. Under `on` the agent runs with
 * bench/storm.yaml.in (audit every open under the storm directory) instead
 * of the bench's policy, so each open is one event; every configuration
 * runs the same loops.
 *   opens             opens per second of the two processes (every config)
 *   events delivered  "open" events the agent wrote, per second (`on`)
 *   agent CPU/event   the agent's CPU from the start of the storm to its
 *                     exit (the drain included) per event delivered (`on`)
 * The report checks, per `on` run, events + lost = opens: every open the
 * agent did not deliver must be counted in a `lost` record.
 */
#include <fcntl.h>
#include <math.h>
#include <unistd.h>

#include "bench_work.h"

#define STORM_PROCS 2

static const struct bench_metric_def metrics[] = {
    {"opens", "ops/s", true},
    {"events delivered", "events/s", true},
    {"agent CPU per event", "µs/event", false},
    {},
};

struct storm {
	char path[700];
	double secs;
};

static double storm_secs(const struct bench *b)
{
	return b->o.quick ? 1 : 5;
}

static double est_secs(const struct bench *b)
{
	/* the agent's drain and reading its output come on top */
	return storm_secs(b) + 4;
}

static const char *policy(const struct bench *b)
{
	return b->storm_policy;
}

static int prepare(struct bench *b, int wl, const char *dir)
{
	char file[700], tmpl[600], prefix[620];
	const char *kv[] = {"PREFIX", prefix, NULL};
	int err;

	bench_fmt(prefix, sizeof(prefix), "%s/", dir);
	bench_fmt(file, sizeof(file), "%s/target", dir);
	bench_fmt(tmpl, sizeof(tmpl), "%s/storm.yaml.in", b->o.bench_dir);
	bench_fmt(b->storm_policy, sizeof(b->storm_policy), "%s/storm.yaml",
		  b->work);
	err = bench_write_file(file, "x\n", 2);
	if (!err)
		err = bench_subst_file(tmpl, b->storm_policy, kv);
	if (err) {
		bench_fmt(b->wl_why[wl], sizeof(b->wl_why[wl]),
			  "cannot make %s from %s", b->storm_policy, tmpl);
		return err;
	}
	bench_fmt(b->wl_note[wl], sizeof(b->wl_note[wl]),
		  "%d processes, unpinned, open(O_RDONLY)+close %s as fast "
		  "as they go for %.0f s; under `on` the agent runs with "
		  "bench/storm.yaml.in (an audit rule on every open under "
		  "%s) instead of the bench's policy, so each open is one "
		  "event; agent CPU per event counts from the start of the "
		  "storm to the agent's exit (its drain included)",
		  STORM_PROCS, file, storm_secs(b), prefix);
	return 0;
}

static int child(void *arg, int i, void *res)
{
	const struct storm *s = arg;
	double t0 = bench_now();
	long ops = 0;
	int k;

	(void)i;
	while (bench_now() - t0 < s->secs) {
		for (k = 0; k < 64; k++) {
			int fd = open(s->path, O_RDONLY | O_CLOEXEC);

			if (fd < 0)
				return -1;
			close(fd);
			ops++;
		}
	}
	*(long *)res = ops;
	return 0;
}

static int measure(struct bench *b, struct bench_wl_state *st,
		   struct bench_run *run, double *vals)
{
	struct storm s = {.secs = storm_secs(b)};
	long ops[STORM_PROCS];
	double t0;
	int i, err;

	bench_fmt(s.path, sizeof(s.path), "%s/target", st->dir);
	t0 = bench_now();
	err = bench_fork_n(STORM_PROCS, child, &s, ops, sizeof(ops[0]));
	if (err)
		return err;
	run->has_storm = true;
	run->storm_secs = bench_now() - t0;
	for (i = 0; i < STORM_PROCS; i++)
		run->storm_ops += ops[i];
	vals[0] = run->storm_ops / run->storm_secs;
	return 0;
}

static void finish(const struct bench *b, const struct bench_run *run,
		   double *vals)
{
	(void)b;
	if (!run->has_agent || !run->has_storm)
		return;
	vals[1] = run->open_events / run->storm_secs;
	vals[2] = run->open_events
		      ? run->agent_cpu_work_s * 1e6 / run->open_events
		      : NAN;
}

BENCH_WORKLOAD(storm, .finish = finish, .policy = policy);
