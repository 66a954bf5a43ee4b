// SPDX-License-Identifier: GPL-2.0
/*
 * The targets the bench checks in report.md, from the medians of one run.
 * Never asserted: a missed target is a finding of the report, and other
 * work on the machine moves the numbers.
 *   micro   each non-matching open: on - floor <= 50 ns on kernels >= 6.2,
 *           before 6.2 on - floor <= 1.5 x (floor - off);
 *           fork+exec+wait: on - floor <= 1 % of off;
 *           connect+close: on - floor <= 3 % of off
 *   storm   no open lost; <= 1 us of agent CPU per event delivered
 *   agent   RSS <= 25 MiB after the storm; start-up <= 1 s
 *   others  overhead against off <= 1 %
 * and, wherever a peer ran, `on` ahead of auditd and bpftrace.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "bench_report.h"

static const char *met(bool ok)
{
	return ok ? "yes" : "**no**";
}

static bool kernel_at_least(int major, int minor)
{
	struct utsname u;
	int ma = 0, mi = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &ma, &mi) != 2)
		return false;
	return ma > major || (ma == major && mi >= minor);
}

/* Cost in percent, positive = worse, from a change of the metric. */
static double cost_of(const struct bench_metric *m, double change)
{
	return m->higher_better ? -change : change;
}

/* micro: what the agent adds to the hooks (on - floor), in ns. */
static void micro_row(FILE *f, const struct bench *b,
		      const struct bench_metric *m, const struct cell *on,
		      const struct cell *off)
{
	double add, lim;
	char target[64];
	struct cell fl;

	if (!b->conf_ok[CONF_FLOOR])
		return;
	cell_get(b, m, CONF_FLOOR, &fl);
	if (!fl.has)
		return;
	add = on->s.median - fl.s.median;
	if (!strncmp(m->name, "open+close", 10) && kernel_at_least(6, 2)) {
		lim = 50;
		snprintf(target, sizeof(target), "on − floor ≤ 50 ns");
	} else if (!strncmp(m->name, "open+close", 10)) {
		lim = 1.5 * (fl.s.median - off->s.median);
		snprintf(target, sizeof(target),
			 "on − floor ≤ 1.5 × (floor − off)");
	} else {
		double pct = strcmp(m->name, "connect+close") ? 1 : 3;

		lim = pct / 100 * off->s.median;
		snprintf(target, sizeof(target), "on − floor ≤ %.0f %% of off",
			 pct);
	}
	fprintf(f, "| micro | %s | %s | %+.0f ns (limit %.0f ns) | %s |\n",
		m->name, target, add, lim, met(add <= lim));
}

/* Everything else: the overhead against off. */
static void overhead_row(FILE *f, const struct bench_metric *m,
			 const struct cell *on)
{
	double cost = cost_of(m, on->d.median);
	bool noise = stats_within_noise(&on->d);

	fprintf(f, "| %s | %s | overhead ≤ 1 %% | %+.1f %%%s | %s |\n",
		bench_wl_name(m->wl), m->name, cost,
		noise ? " (within noise)" : "",
		cost <= 1.0 ? "yes"
		: noise	    ? "inconclusive"
			    : "**no**");
}

static void peer_rows(FILE *f, const struct bench *b,
		      const struct bench_metric *m, const struct cell *on)
{
	struct cell peer;
	int p;

	for (p = CONF_AUDITD; p <= CONF_BPFTRACE; p++) {
		double co, cp;

		if (!b->conf_ok[p])
			continue;
		cell_get(b, m, p, &peer);
		if (!peer.has)
			continue;
		co = cost_of(m, on->d.median);
		cp = cost_of(m, peer.d.median);
		fprintf(
		    f,
		    "| %s | %s | ahead of %s | %+.1f %% vs %+.1f %% | "
		    "%s |\n",
		    bench_wl_name(m->wl), m->name, bench_conf_name(p), co, cp,
		    co <= cp ? "yes"
		    : stats_within_noise(&on->d) && stats_within_noise(&peer.d)
			? "inconclusive"
			: "**no**");
	}
}

/* The storm and the agent's own: from the `on` runs. */
static void agent_rows(FILE *f, const struct bench *b)
{
	double us[BENCH_MAX_ROUNDS], ready[BENCH_MAX_ROUNDS * WL_MAX];
	long lost = 0, rss_end = 0;
	int i, nus = 0, nready = 0, storms = 0;
	struct bench_stats s;

	for (i = 0; i < b->nruns; i++) {
		const struct bench_run *r = &b->runs[i];

		if (!r->has_agent)
			continue;
		if (nready < BENCH_MAX_ROUNDS * WL_MAX)
			ready[nready++] = r->agent_ready_s;
		if (!r->has_storm)
			continue;
		storms++;
		lost += r->open_lost;
		if (r->agent_rss_end_kb > rss_end)
			rss_end = r->agent_rss_end_kb;
		if (r->open_events && nus < BENCH_MAX_ROUNDS)
			us[nus++] = r->agent_cpu_work_s * 1e6 / r->open_events;
	}
	if (storms) {
		fprintf(f, "| storm | opens lost | 0 | %ld in %d runs | %s |\n",
			lost, storms, met(!lost));
		stats_summary(us, nus, &s);
		fprintf(f,
			"| storm | agent CPU per event | ≤ 1 µs | %.2f µs | "
			"%s |\n",
			s.median, met(s.median <= 1.0));
		fprintf(f,
			"| storm | agent RSS after the storm | ≤ 25 MiB | %.1f "
			"MiB | %s |\n",
			rss_end / 1024.0, met(rss_end <= 25 * 1024));
	}
	if (nready) {
		stats_summary(ready, nready, &s);
		fprintf(f,
			"| all | agent start-up (spawn to running) | ≤ 1 s | "
			"%.2f s | %s |\n",
			s.median, met(s.median <= 1.0));
	}
}

void bench_md_targets(FILE *f, const struct bench *b)
{
	int i;

	if (!b->conf_ok[CONF_ON]) {
		fprintf(f,
			"\n## Targets\n\n`on` did not run (%s): the "
			"targets cannot be checked.\n",
			b->conf_why[CONF_ON]);
		return;
	}
	fprintf(f, "\n## Targets\n\n| workload | metric | target | measured | "
		   "met |\n|---|---|---|---|---|\n");
	for (i = 0; i < b->nmetrics; i++) {
		const struct bench_metric *m = &b->metrics[i];
		struct cell on, off;

		cell_get(b, m, CONF_ON, &on);
		cell_get(b, m, CONF_OFF, &off);
		/* the storm's `on` runs another policy: its rows follow */
		if (!on.has || !off.has || m->wl == WL_STORM)
			continue;
		if (m->wl == WL_MICRO)
			micro_row(f, b, m, &on, &off);
		else
			overhead_row(f, m, &on);
		peer_rows(f, b, m, &on);
	}
	agent_rows(f, b);
	fprintf(f, "\nMedians of one run. micro: on − floor is what the agent "
		   "adds to the cost of its hooks. Overhead = cost in the "
		   "metric's bad direction (slower, fewer req/s), median of "
		   "the per-round ratios to `off`; inconclusive = missed by "
		   "the median but within noise (more rounds or a quieter "
		   "machine decide). Where a target is missed, the "
		   "self-measurement above (with --bpf-stats: ns per run of "
		   "each program) says where the time goes.\n");
}
