// SPDX-License-Identifier: GPL-2.0
/*
 * The run of `rtguard bench`: each workload in every available
 * configuration, round by round, the order of the configurations rotated
 * each round so that slow drift of a shared machine falls on all alike;
 * more rounds while the pts rule says the samples are unstable.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "bench_stats.h"
#include "log.h"

static volatile sig_atomic_t bench_interrupted;
static bool warned_stats;

static void on_signal(int sig)
{
	(void)sig;
	bench_interrupted = 1;
}

static int add_metrics(struct bench *b, int wl, int *first)
{
	const struct bench_metric_def *defs;
	int n = bench_wl_metrics(wl, &defs), i, c, r;

	if (b->nmetrics + n > BENCH_MAX_METRICS)
		return -E2BIG;
	*first = b->nmetrics;
	for (i = 0; i < n; i++) {
		struct bench_metric *m = &b->metrics[b->nmetrics++];

		m->wl = wl;
		snprintf(m->name, sizeof(m->name), "%s", defs[i].name);
		snprintf(m->unit, sizeof(m->unit), "%s", defs[i].unit);
		m->higher_better = defs[i].higher_better;
		for (c = 0; c < CONF_MAX; c++)
			for (r = 0; r < BENCH_MAX_ROUNDS; r++)
				m->v[c][r] = NAN;
	}
	return n;
}

static struct bench_run *new_run(struct bench *b)
{
	if (bench_grow(&b->runs, &b->runs_cap, b->nruns, sizeof(b->runs[0])))
		return NULL;
	memset(&b->runs[b->nruns], 0, sizeof(b->runs[0]));
	b->runs[b->nruns].bpf_stats = -1;
	return &b->runs[b->nruns++];
}

static double attach_secs(int conf)
{
	return conf == CONF_ON	       ? 2
	       : conf == CONF_BPFTRACE ? 4
	       : conf == CONF_AUDITD   ? 2
				       : 0.2;
}

static void fmt_dur(double s, char *buf, size_t sz)
{
	if (s >= 3600)
		snprintf(buf, sz, "%dh%02dm", (int)(s / 3600),
			 (int)fmod(s / 60, 60));
	else if (s >= 60)
		snprintf(buf, sz, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
	else
		snprintf(buf, sz, "%ds", (int)s);
}

struct progress {
	int confs[CONF_MAX], nc;
	double est_run[WL_MAX]; /* seconds per run, refined as runs finish */
	double done_secs[WL_MAX];
	int done_runs[WL_MAX];
};

static double time_left(const struct bench *b, const struct progress *p, int wl,
			int runs_left_in_wl)
{
	double left = 0;
	int w;

	for (w = wl; w < WL_MAX; w++) {
		double per;
		int runs;

		if (!b->o.wl_on[w] || !b->wl_ok[w])
			continue;
		per = p->done_runs[w] ? p->done_secs[w] / p->done_runs[w]
				      : p->est_run[w];
		runs = w == wl ? runs_left_in_wl : b->o.rounds * p->nc;
		left += per * runs;
	}
	return left;
}

/* One workload run in one configuration. */
static void run_one(struct bench *b, int wl, int conf, int round, int first,
		    int nm)
{
	struct bench_conf_state *cs = NULL;
	struct bench_wl_state *ws = NULL;
	struct bench_run *run = new_run(b);
	double vals[BENCH_MAX_METRICS], t0 = bench_now();
	int i, err;

	if (!run)
		return;
	run->wl = wl;
	run->conf = conf;
	run->round = round;
	for (i = 0; i < nm; i++)
		vals[i] = NAN;
	err = bench_conf_attach(b, conf, bench_wl_policy(b, wl), &cs);
	if (err) {
		log_warn("%s: cannot attach %s: %s", bench_wl_name(wl),
			 bench_conf_name(conf), b->conf_why[conf]);
		goto out;
	}
	err = bench_wl_start(b, wl, &ws);
	if (!err) {
		bench_conf_mark(cs);
		err = bench_wl_measure(b, wl, ws, run, vals);
		bench_wl_stop(b, wl, ws);
	}
	bench_conf_detach(b, cs, run);
	if (!err)
		bench_wl_finish(b, wl, run, vals);
	if (conf == CONF_ON && run->bpf_stats > 0 && !b->o.bpf_stats &&
	    !warned_stats) {
		log_warn("the agent turned the kernel's BPF run-time "
			 "statistics on by itself: `on` does not run under "
			 "the setting of `floor` (see the report)");
		warned_stats = true;
	}
	if (err)
		log_warn("%s under %s, round %d: %s: sample discarded",
			 bench_wl_name(wl), bench_conf_name(conf), round + 1,
			 strerror(-err));
	else
		for (i = 0; i < nm; i++)
			b->metrics[first + i].v[conf][round] = vals[i];
out:
	run->seconds = bench_now() - t0;
}

static bool wl_unstable(const struct bench *b, int first, int nm,
			const struct progress *p)
{
	int i, k;

	for (i = 0; i < nm; i++) {
		const struct bench_metric *m = &b->metrics[first + i];

		for (k = 0; k < p->nc; k++) {
			struct bench_stats s;

			stats_summary(m->v[p->confs[k]], b->wl_rounds[m->wl],
				      &s);
			if (stats_pts_unstable(&s))
				return true;
		}
	}
	return false;
}

static void run_workload(struct bench *b, int wl, struct progress *p, int *step)
{
	int first, nm = add_metrics(b, wl, &first), r, k;

	if (nm < 0)
		return;
	for (r = 0; r < b->o.max_rounds && !bench_interrupted; r++) {
		if (r >= b->o.rounds) {
			if (!wl_unstable(b, first, nm, p))
				break;
			log_info("%s: stddev >= 2.5 %% of the mean: one more "
				 "round (pts rule)",
				 bench_wl_name(wl));
		}
		for (k = 0; k < p->nc && !bench_interrupted; k++) {
			int conf = p->confs[(k + r) % p->nc];
			int left_runs =
			    (b->o.rounds > r ? b->o.rounds - r : 1) * p->nc - k;
			double t0 = bench_now();
			char eta[32];

			fmt_dur(time_left(b, p, wl, left_runs), eta,
				sizeof(eta));
			(*step)++;
			log_info(
			    "[%d] %s · %s · round %d/%d · ~%s left", *step,
			    bench_wl_name(wl), bench_conf_name(conf), r + 1,
			    b->o.rounds > r + 1 ? b->o.rounds : r + 1, eta);
			b->wl_rounds[wl] = r + 1;
			run_one(b, wl, conf, r, first, nm);
			p->done_secs[wl] += bench_now() - t0;
			p->done_runs[wl]++;
		}
	}
}

/* A configuration that could not attach in any run (e.g. another audit
 * daemon came up after the probe) is reported as not run, with the reason. */
static void drop_empty_confs(struct bench *b)
{
	char why[256];
	int c, i, r;

	for (c = CONF_FLOOR; c < CONF_MAX; c++) {
		bool any = false;

		if (!b->conf_ok[c])
			continue;
		for (i = 0; i < b->nmetrics && !any; i++)
			for (r = 0; r < b->wl_rounds[b->metrics[i].wl]; r++)
				any |= !isnan(b->metrics[i].v[c][r]);
		if (any || !b->nmetrics)
			continue;
		bench_fmt(why, sizeof(why), "failed in every run: %s",
			  b->conf_why[c][0] ? b->conf_why[c] : "see the log");
		memcpy(b->conf_why[c], why, sizeof(why));
		b->conf_ok[c] = false;
		log_warn("configuration %s %s", bench_conf_name(c), why);
	}
}

/* Probes the selected configurations, prepares the selected workloads and
 * estimates the time it all takes. Returns the estimate in seconds. */
static double select_all(struct bench *b, struct progress *p)
{
	double total = 0;
	int c, w;

	for (c = 0; c < CONF_MAX; c++) {
		if (!b->o.conf_on[c]) {
			bench_fmt(b->conf_why[c], sizeof(b->conf_why[c]),
				  "not selected (--configs)");
			continue;
		}
		b->conf_ok[c] = c == CONF_OFF || !bench_conf_probe(b, c);
		if (b->conf_ok[c])
			p->confs[p->nc++] = c;
		else
			log_warn("configuration %s skipped: %s",
				 bench_conf_name(c), b->conf_why[c]);
	}
	for (w = 0; w < WL_MAX; w++) {
		if (!b->o.wl_on[w])
			continue;
		b->wl_ok[w] = !bench_wl_prepare(b, w);
		if (!b->wl_ok[w]) {
			log_warn("workload %s skipped: %s", bench_wl_name(w),
				 b->wl_why[w][0] ? b->wl_why[w]
						 : "preparation failed");
			continue;
		}
		p->est_run[w] = bench_wl_est_secs(b, w);
		for (c = 0; c < p->nc; c++)
			total += (p->est_run[w] + attach_secs(p->confs[c])) *
				 b->o.rounds;
		p->est_run[w] = p->est_run[w] + 1.5;
	}
	return total;
}

int bench_run_all(struct bench *b)
{
	struct sigaction sa = {.sa_handler = on_signal};
	struct progress p = {};
	int w, step = 0, err;
	char eta[32];

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	fmt_dur(select_all(b, &p), eta, sizeof(eta));
	log_info("%s mode: %d configurations x %d rounds (up to %d by the pts "
		 "rule); estimated %s in all; results in %s",
		 b->o.quick ? "quick" : "full", p.nc, b->o.rounds,
		 b->o.max_rounds, eta, b->o.out);
	for (w = 0; w < WL_MAX && !bench_interrupted; w++) {
		if (!b->o.wl_on[w] || !b->wl_ok[w])
			continue;
		run_workload(b, w, &p, &step);
		/* partial outputs after each workload: a long run that is
		 * killed still leaves what it measured */
		bench_write_outputs(b);
	}
	if (bench_interrupted)
		log_warn("interrupted: writing what was measured so far");
	drop_empty_confs(b);
	err = bench_write_outputs(b);
	if (!err)
		log_info("done in %.0f s: %s/report.md, results.json, "
			 "results.csv, chart.svg",
			 bench_now() - b->started, b->o.out);
	return err;
}
