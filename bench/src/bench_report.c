// SPDX-License-Identifier: GPL-2.0
/* Outputs of the bench: results.json, results.csv, report.md, chart.svg. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "bench_stats.h"
#include "json.h"
#include "log.h"

struct cell {
	struct bench_stats s; /* the samples */
	struct bench_stats d; /* change vs off, percent, paired per round */
	bool has;
};

static void cell_get(const struct bench *b, const struct bench_metric *m,
		     int conf, struct cell *c)
{
	int n = b->wl_rounds[m->wl];

	memset(c, 0, sizeof(*c));
	stats_summary(m->v[conf], n, &c->s);
	stats_paired_change(m->v[conf], m->v[CONF_OFF], n, &c->d);
	c->has = c->s.n > 0;
}

/* Cost in percent, positive = worse, from a change of the metric. */
static double cost_of(const struct bench_metric *m, double change)
{
	return m->higher_better ? -change : change;
}

static void fmt_num(double v, char *buf, size_t sz)
{
	char tmp[64];
	int len, i, j, lead;

	if (isnan(v)) {
		snprintf(buf, sz, "–");
		return;
	}
	if (fabs(v) < 100) {
		snprintf(buf, sz, fabs(v) < 10 ? "%.3f" : "%.2f", v);
		return;
	}
	if (fabs(v) < 1000) {
		snprintf(buf, sz, "%.1f", v);
		return;
	}
	len = snprintf(tmp, sizeof(tmp), "%.0f", fabs(v));
	lead = len % 3 ? len % 3 : 3;
	j = 0;
	if (v < 0 && j + 1 < (int)sz)
		buf[j++] = '-';
	for (i = 0; i < len && j + 2 < (int)sz; i++) {
		if (i && (i - lead) % 3 == 0)
			buf[j++] = ',';
		buf[j++] = tmp[i];
	}
	buf[j] = '\0';
}

static void fmt_pct(double v, char *buf, size_t sz)
{
	if (isnan(v))
		snprintf(buf, sz, "–");
	else
		snprintf(buf, sz, "%+.1f", v);
}

/* ---- results.json ---- */

static void json_stats(struct json_writer *jw, const char *name,
		       const struct bench_stats *s)
{
	jw_name(jw, name);
	jw_start_object(jw);
	jw_kv_int(jw, "n", s->n);
	jw_kv_double(jw, "median", s->median);
	jw_kv_double(jw, "mean", s->mean);
	jw_kv_double(jw, "stddev", s->sd);
	jw_name(jw, "ci95");
	jw_start_array(jw);
	jw_double(jw, s->ci_lo);
	jw_double(jw, s->ci_hi);
	jw_end_array(jw);
	jw_end_object(jw);
}

static void json_run(struct json_writer *jw, const struct bench_run *r)
{
	int i;

	jw_start_object(jw);
	jw_kv_string(jw, "workload", bench_wl_name(r->wl));
	jw_kv_string(jw, "config", bench_conf_name(r->conf));
	jw_kv_int(jw, "round", r->round + 1);
	jw_kv_double(jw, "seconds", r->seconds);
	if (r->has_agent) {
		jw_name(jw, "agent");
		jw_start_object(jw);
		jw_kv_double(jw, "cpu_seconds", r->agent_cpu_s);
		jw_kv_int(jw, "peak_rss_kb", r->agent_rss_kb);
		jw_kv_int(jw, "events", r->events);
		jw_kv_int(jw, "lost", r->lost);
		jw_name(jw, "bpf_progs");
		jw_start_array(jw);
		for (i = 0; i < r->nprogs; i++) {
			jw_start_object(jw);
			jw_kv_string(jw, "name", r->progs[i].name);
			jw_kv_uint(jw, "id", r->progs[i].id);
			jw_kv_uint(jw, "run_cnt", r->progs[i].run_cnt);
			jw_kv_uint(jw, "run_time_ns", r->progs[i].run_time_ns);
			jw_end_object(jw);
		}
		jw_end_array(jw);
		jw_end_object(jw);
	}
	if (r->has_storm) {
		jw_name(jw, "storm");
		jw_start_object(jw);
		jw_kv_double(jw, "seconds", r->storm_secs);
		jw_kv_int(jw, "opens", r->storm_ops);
		jw_kv_int(jw, "events", r->storm_events);
		jw_kv_int(jw, "lost", r->storm_lost);
		jw_kv_double(jw, "events_per_second",
			     r->storm_secs > 0 ? r->storm_events / r->storm_secs
					       : NAN);
		jw_end_object(jw);
	}
	if (r->has_audit) {
		jw_name(jw, "audit");
		jw_start_object(jw);
		jw_kv_int(jw, "backlog_wait_time_actual",
			  r->audit_wait_jiffies);
		jw_kv_int(jw, "lost", r->audit_lost);
		jw_end_object(jw);
	}
	if (r->has_bpftrace) {
		jw_name(jw, "bpftrace");
		jw_start_object(jw);
		jw_kv_int(jw, "lines", r->bt_lines);
		jw_kv_int(jw, "lost", r->bt_lost);
		jw_end_object(jw);
	}
	jw_end_object(jw);
}

static int write_json(struct bench *b, const char *path)
{
	FILE *f = fopen(path, "we");
	struct json_writer *jw;
	int i, c, r;

	if (!f)
		return -errno;
	jw = jw_new(f);
	if (!jw) {
		fclose(f);
		return -ENOMEM;
	}
	jw_set_pretty(jw, true);
	jw_start_object(jw);
	jw_kv_string(jw, "tool", "rtguard bench");
	jw_kv_int(jw, "format", 1);
	jw_kv_string(jw, "date", b->m.date);
	jw_kv_string(jw, "mode", b->o.quick ? "quick" : "full");
	jw_kv_int(jw, "rounds", b->o.rounds);
	jw_kv_int(jw, "max_rounds", b->o.max_rounds);
	jw_kv_string(jw, "command", b->o.cmdline);
	jw_kv_string(jw, "policy", b->o.policy ? b->o.policy : "(default)");
	jw_kv_double(jw, "seconds", bench_now() - b->started);
	jw_name(jw, "machine");
	jw_start_object(jw);
	jw_kv_string(jw, "cpu_model", b->m.cpu);
	jw_kv_int(jw, "cores", b->m.cores);
	jw_kv_uint(jw, "memory_bytes", b->m.mem_bytes);
	jw_kv_string(jw, "kernel", b->m.kernel);
	jw_end_object(jw);
	jw_name(jw, "configurations");
	jw_start_array(jw);
	for (c = 0; c < CONF_MAX; c++) {
		jw_start_object(jw);
		jw_kv_string(jw, "name", bench_conf_name(c));
		jw_kv_bool(jw, "available", b->conf_ok[c]);
		jw_kv_string(jw, "description", bench_conf_desc(c));
		if (!b->conf_ok[c])
			jw_kv_string(jw, "reason", b->conf_why[c]);
		jw_end_object(jw);
	}
	jw_end_array(jw);
	jw_name(jw, "workloads");
	jw_start_array(jw);
	for (i = 0; i < WL_MAX; i++) {
		if (!b->o.wl_on[i])
			continue;
		jw_start_object(jw);
		jw_kv_string(jw, "name", bench_wl_name(i));
		jw_kv_bool(jw, "available", b->wl_ok[i]);
		jw_kv_int(jw, "rounds", b->wl_rounds[i]);
		if (!b->wl_ok[i])
			jw_kv_string(jw, "reason", b->wl_why[i]);
		else
			jw_kv_string(jw, "setup", b->wl_note[i]);
		jw_end_object(jw);
	}
	jw_end_array(jw);
	jw_name(jw, "metrics");
	jw_start_array(jw);
	for (i = 0; i < b->nmetrics; i++) {
		const struct bench_metric *m = &b->metrics[i];

		jw_start_object(jw);
		jw_kv_string(jw, "workload", bench_wl_name(m->wl));
		jw_kv_string(jw, "metric", m->name);
		jw_kv_string(jw, "unit", m->unit);
		jw_kv_bool(jw, "higher_is_better", m->higher_better);
		jw_name(jw, "configs");
		jw_start_object(jw);
		for (c = 0; c < CONF_MAX; c++) {
			struct cell cl;

			if (!b->conf_ok[c])
				continue;
			cell_get(b, m, c, &cl);
			jw_name(jw, bench_conf_name(c));
			jw_start_object(jw);
			jw_name(jw, "samples");
			jw_start_array(jw);
			for (r = 0; r < b->wl_rounds[m->wl]; r++)
				jw_double(jw, m->v[c][r]);
			jw_end_array(jw);
			json_stats(jw, "stats", &cl.s);
			if (c != CONF_OFF) {
				json_stats(jw, "change_vs_off_pct", &cl.d);
				jw_kv_bool(jw, "within_noise",
					   stats_within_noise(&cl.d));
			}
			jw_end_object(jw);
		}
		jw_end_object(jw);
		jw_end_object(jw);
	}
	jw_end_array(jw);
	jw_name(jw, "runs");
	jw_start_array(jw);
	for (i = 0; i < b->nruns; i++)
		json_run(jw, &b->runs[i]);
	jw_end_array(jw);
	jw_end_object(jw);
	jw_newline(jw);
	jw_destroy(jw);
	return fclose(f) ? -errno : 0;
}

/* ---- results.csv: every raw sample, one per row ---- */

static int write_csv(struct bench *b, const char *path)
{
	FILE *f = fopen(path, "we");
	int i, c, r;

	if (!f)
		return -errno;
	fprintf(f,
		"workload,metric,unit,higher_is_better,config,round,value\n");
	for (i = 0; i < b->nmetrics; i++) {
		const struct bench_metric *m = &b->metrics[i];

		for (c = 0; c < CONF_MAX; c++) {
			if (!b->conf_ok[c])
				continue;
			for (r = 0; r < b->wl_rounds[m->wl]; r++) {
				if (isnan(m->v[c][r]))
					continue;
				fprintf(f, "%s,%s,%s,%d,%s,%d,%.9g\n",
					bench_wl_name(m->wl), m->name, m->unit,
					m->higher_better, bench_conf_name(c),
					r + 1, m->v[c][r]);
			}
		}
	}
	return fclose(f) ? -errno : 0;
}

/* ---- report.md ---- */

static void md_change(FILE *f, const struct cell *c)
{
	char a[32], lo[32], hi[32];

	if (!c->has || c->d.n == 0) {
		fprintf(f, " – |");
		return;
	}
	fmt_pct(c->d.median, a, sizeof(a));
	fmt_pct(c->d.ci_lo, lo, sizeof(lo));
	fmt_pct(c->d.ci_hi, hi, sizeof(hi));
	fprintf(f, " %s %% [%s, %s]%s |", a, lo, hi,
		stats_within_noise(&c->d) ? " ≈" : "");
}

static void md_self(FILE *f, struct bench *b)
{
	struct {
		char name[32];
		unsigned long long cnt, ns;
	} agg[BENCH_MAX_PROGS * 2];
	int nagg = 0, i, j, w;
	bool any = false;

	for (i = 0; i < b->nruns; i++)
		any |= b->runs[i].has_agent;
	if (!any)
		return;
	fprintf(f, "\n## Self-measurement of `on`\n\n"
		   "Per workload run (medians over rounds; events and losses "
		   "summed). Kernel BPF run-time statistics were enabled "
		   "during `on` only.\n\n"
		   "| workload | agent CPU s / run | peak RSS MiB | events | "
		   "lost |\n|---|---:|---:|---:|---:|\n");
	for (w = 0; w < WL_MAX; w++) {
		double cpu[BENCH_MAX_ROUNDS];
		long rss = 0, ev = 0, lost = 0;
		struct bench_stats s;
		int n = 0;

		for (i = 0; i < b->nruns; i++) {
			const struct bench_run *r = &b->runs[i];

			if (r->wl != w || !r->has_agent ||
			    n >= BENCH_MAX_ROUNDS)
				continue;
			cpu[n++] = r->agent_cpu_s;
			rss = r->agent_rss_kb > rss ? r->agent_rss_kb : rss;
			ev += r->events;
			lost += r->lost;
		}
		if (!n)
			continue;
		stats_summary(cpu, n, &s);
		fprintf(f, "| %s | %.3f | %.1f | %ld | %ld |\n",
			bench_wl_name(w), s.median, rss / 1024.0, ev, lost);
	}
	for (i = 0; i < b->nruns; i++) {
		const struct bench_run *r = &b->runs[i];

		for (j = 0; r->has_agent && j < r->nprogs; j++) {
			int k;

			for (k = 0; k < nagg; k++)
				if (!strcmp(agg[k].name, r->progs[j].name))
					break;
			if (k == nagg) {
				if (nagg == BENCH_MAX_PROGS * 2)
					continue;
				snprintf(agg[k].name, sizeof(agg[k].name), "%s",
					 r->progs[j].name);
				agg[k].cnt = agg[k].ns = 0;
				nagg++;
			}
			agg[k].cnt += r->progs[j].run_cnt;
			agg[k].ns += r->progs[j].run_time_ns;
		}
	}
	if (nagg) {
		fprintf(f, "\nBPF programs of the agent, all `on` runs "
			   "together:\n\n| program | runs | ns / run | total "
			   "ms |\n|---|---:|---:|---:|\n");
		for (i = 0; i < nagg; i++)
			fprintf(f, "| %s | %llu | %.0f | %.1f |\n", agg[i].name,
				agg[i].cnt,
				agg[i].cnt ? (double)agg[i].ns / agg[i].cnt
					   : 0.0,
				agg[i].ns / 1e6);
	}
	any = false;
	for (i = 0; i < b->nruns; i++)
		any |= b->runs[i].has_storm;
	if (any) {
		fprintf(f, "\nEvent storm (one open loop per CPU on files an "
			   "audit rule matches; a separate agent with "
			   "`bench/storm.yaml.in`):\n\n| round | opens/s | "
			   "events delivered/s | delivered | lost |\n"
			   "|---:|---:|---:|---:|---:|\n");
		for (i = 0; i < b->nruns; i++) {
			const struct bench_run *r = &b->runs[i];

			if (!r->has_storm)
				continue;
			fprintf(f, "| %d | %.0f | %.0f | %.1f %% | %ld |\n",
				r->round + 1, r->storm_ops / r->storm_secs,
				r->storm_events / r->storm_secs,
				r->storm_ops
				    ? 100.0 * r->storm_events / r->storm_ops
				    : 0.0,
				r->storm_lost);
		}
	}
}

static void md_peers(FILE *f, struct bench *b)
{
	int w, i;

	if (b->conf_ok[CONF_AUDITD]) {
		fprintf(f, "\n## auditd\n\nauditd throttles instead of "
			   "dropping: with its backlog full the kernel puts "
			   "audited tasks to sleep. Kernel counters from "
			   "`auditctl -s`, summed over the runs:\n\n"
			   "| workload | backlog_wait_time_actual (jiffies) | "
			   "lost |\n|---|---:|---:|\n");
		for (w = 0; w < WL_MAX; w++) {
			long wait = 0, lost = 0;
			bool any = false;

			for (i = 0; i < b->nruns; i++) {
				if (b->runs[i].wl != w || !b->runs[i].has_audit)
					continue;
				any = true;
				wait += b->runs[i].audit_wait_jiffies;
				lost += b->runs[i].audit_lost;
			}
			if (any)
				fprintf(f, "| %s | %ld | %ld |\n",
					bench_wl_name(w), wait, lost);
		}
	}
	if (b->conf_ok[CONF_BPFTRACE]) {
		fprintf(f, "\n## bpftrace\n\nLines written and events "
			   "bpftrace reported lost, summed over the runs:\n\n"
			   "| workload | lines | lost |\n|---|---:|---:|\n");
		for (w = 0; w < WL_MAX; w++) {
			long lines = 0, lost = 0;
			bool any = false;

			for (i = 0; i < b->nruns; i++) {
				if (b->runs[i].wl != w ||
				    !b->runs[i].has_bpftrace)
					continue;
				any = true;
				lines += b->runs[i].bt_lines;
				lost += b->runs[i].bt_lost;
			}
			if (any)
				fprintf(f, "| %s | %ld | %ld |\n",
					bench_wl_name(w), lines, lost);
		}
	}
}

/* The targets, checked from the medians (never asserted). */
static void md_targets(FILE *f, struct bench *b)
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
		struct cell on, fl, off, peer;
		char what[96];
		int p;

		cell_get(b, m, CONF_ON, &on);
		cell_get(b, m, CONF_OFF, &off);
		if (!on.has || !off.has)
			continue;
		if (m->wl == WL_MICRO) {
			double add_on = on.s.median - off.s.median, add_fl;

			if (!b->conf_ok[CONF_FLOOR])
				continue;
			cell_get(b, m, CONF_FLOOR, &fl);
			add_fl = fl.s.median - off.s.median;
			snprintf(what, sizeof(what),
				 "%+.0f ns vs floor %+.0f ns", add_on, add_fl);
			fprintf(f,
				"| %s | %s | added cost ≤ 1.5 × floor's | %s | "
				"%s |\n",
				bench_wl_name(m->wl), m->name, what,
				add_on <= 1.5 * (add_fl > 0 ? add_fl : 0)
				    ? "yes"
				    : "**no**");
		} else {
			double cost = cost_of(m, on.d.median);

			fprintf(
			    f,
			    "| %s | %s | overhead ≤ 1 %% | %+.1f %%%s | %s |\n",
			    bench_wl_name(m->wl), m->name, cost,
			    stats_within_noise(&on.d) ? " (within noise)" : "",
			    cost <= 1.0			? "yes"
			    : stats_within_noise(&on.d) ? "inconclusive"
							: "**no**");
		}
		for (p = CONF_AUDITD; p <= CONF_BPFTRACE; p++) {
			double co, cp;

			if (!b->conf_ok[p])
				continue;
			cell_get(b, m, p, &peer);
			if (!peer.has)
				continue;
			co = cost_of(m, on.d.median);
			cp = cost_of(m, peer.d.median);
			fprintf(f,
				"| %s | %s | ahead of %s | %+.1f %% vs %+.1f "
				"%% | %s |\n",
				bench_wl_name(m->wl), m->name,
				bench_conf_name(p), co, cp,
				co <= cp ? "yes"
				: stats_within_noise(&on.d) &&
					stats_within_noise(&peer.d)
				    ? "inconclusive"
				    : "**no**");
		}
	}
	fprintf(f, "\nOverhead = cost in the metric's bad direction (slower, "
		   "fewer req/s), median of the per-round ratios to `off`; "
		   "inconclusive = missed by the median but within noise "
		   "(more rounds or a quieter machine decide). Where a target "
		   "is missed, see the self-measurement above "
		   "(ns per run of each program) for where the time goes.\n");
}

static int write_md(struct bench *b, const char *path)
{
	FILE *f = fopen(path, "we");
	int i, c, w;

	if (!f)
		return -errno;
	fprintf(f, "# rtguard bench report\n\n");
	fprintf(f,
		"%s, %s mode, %d rounds per workload (extended up to %d "
		"while stddev ≥ 2.5 %% of the mean, the pts rule), "
		"configurations interleaved and their order rotated each "
		"round. Policy of `on`: %s. Command: `%s`. Took %.0f s.\n\n",
		b->m.date, b->o.quick ? "quick" : "full", b->o.rounds,
		b->o.max_rounds, b->o.policy ? b->o.policy : "the default",
		b->o.cmdline, bench_now() - b->started);
	fprintf(f,
		"| machine | |\n|---|---|\n| CPU | %s |\n| cores | %d |\n"
		"| memory | %.1f GiB |\n| kernel | %s |\n",
		b->m.cpu, b->m.cores, b->m.mem_bytes / (1024.0 * 1024 * 1024),
		b->m.kernel);
	fprintf(f, "\n## Configurations\n\n");
	for (c = 0; c < CONF_MAX; c++)
		fprintf(f, "- `%s`: %s%s%s\n", bench_conf_name(c),
			bench_conf_desc(c),
			b->conf_ok[c] ? "" : " — **not run**: ",
			b->conf_ok[c] ? "" : b->conf_why[c]);

	fprintf(f, "\n## Results\n\nMedian per configuration; below it the "
		   "change against `off` computed per round (paired ratio) "
		   "then summarized: median [95 %% CI of the mean, Student's "
		   "t]; ≈ marks a change within noise (the interval includes "
		   "0). ↑ higher is better, ↓ lower is better.\n\n"
		   "| workload | metric | unit |");
	for (c = 0; c < CONF_MAX; c++)
		if (b->conf_ok[c])
			fprintf(f, " %s |", bench_conf_name(c));
	fprintf(f, "\n|---|---|---|");
	for (c = 0; c < CONF_MAX; c++)
		if (b->conf_ok[c])
			fprintf(f, "---:|");
	fprintf(f, "\n");
	for (i = 0; i < b->nmetrics; i++) {
		const struct bench_metric *m = &b->metrics[i];

		fprintf(f, "| %s | %s | %s %s |", bench_wl_name(m->wl), m->name,
			m->unit, m->higher_better ? "↑" : "↓");
		for (c = 0; c < CONF_MAX; c++) {
			struct cell cl;
			char a[32];

			if (!b->conf_ok[c])
				continue;
			cell_get(b, m, c, &cl);
			fmt_num(cl.s.median, a, sizeof(a));
			fprintf(f, " %s |", a);
		}
		fprintf(f, "\n| | change vs off | %% |");
		for (c = 0; c < CONF_MAX; c++) {
			struct cell cl;

			if (!b->conf_ok[c])
				continue;
			if (c == CONF_OFF) {
				fprintf(f, " |");
				continue;
			}
			cell_get(b, m, c, &cl);
			md_change(f, &cl);
		}
		fprintf(f, "\n");
	}

	fprintf(f, "\n## All statistics\n\n| workload | metric | config | n | "
		   "median | mean | stddev | 95 %% CI of the mean | change vs "
		   "off %% (median) | 95 %% CI | noise |\n"
		   "|---|---|---|---:|---:|---:|---:|---|---:|---|---|\n");
	for (i = 0; i < b->nmetrics; i++) {
		const struct bench_metric *m = &b->metrics[i];

		for (c = 0; c < CONF_MAX; c++) {
			char med[32], mean[32], sd[32], lo[32], hi[32], d[32],
			    dlo[32], dhi[32];
			struct cell cl;

			if (!b->conf_ok[c])
				continue;
			cell_get(b, m, c, &cl);
			fmt_num(cl.s.median, med, sizeof(med));
			fmt_num(cl.s.mean, mean, sizeof(mean));
			fmt_num(cl.s.sd, sd, sizeof(sd));
			fmt_num(cl.s.ci_lo, lo, sizeof(lo));
			fmt_num(cl.s.ci_hi, hi, sizeof(hi));
			fmt_pct(cl.d.median, d, sizeof(d));
			fmt_pct(cl.d.ci_lo, dlo, sizeof(dlo));
			fmt_pct(cl.d.ci_hi, dhi, sizeof(dhi));
			fprintf(f,
				"| %s | %s (%s) | %s | %d | %s | %s | %s | "
				"[%s, %s] |",
				bench_wl_name(m->wl), m->name, m->unit,
				bench_conf_name(c), cl.s.n, med, mean, sd, lo,
				hi);
			if (c == CONF_OFF)
				fprintf(f, " | | |\n");
			else
				fprintf(
				    f, " %s | [%s, %s] | %s |\n", d, dlo, dhi,
				    stats_within_noise(&cl.d) ? "within noise"
							      : "");
		}
	}
	md_self(f, b);
	md_peers(f, b);
	md_targets(f, b);

	fprintf(f, "\n## What was measured\n\n");
	for (w = 0; w < WL_MAX; w++) {
		if (!b->o.wl_on[w])
			continue;
		if (b->wl_ok[w])
			fprintf(f, "- **%s** (%d rounds): %s\n",
				bench_wl_name(w), b->wl_rounds[w],
				b->wl_note[w]);
		else
			fprintf(f, "- **%s**: skipped — %s\n", bench_wl_name(w),
				b->wl_why[w]);
	}
	fprintf(
	    f,
	    "\n## Differences from the pts profiles of the paper\n\n"
	    "- Debian packages (nginx 1.22, redis 7.0, zstd 1.5, wrk) instead "
	    "of the versions pts builds from source; everything runs on "
	    "loopback on the same machine as the load generator.\n"
	    "- nginx runs `worker_processes auto` (the pts profile leaves a "
	    "single worker).\n"
	    "- unpack extracts the tarball decompressed once up front (pts "
	    "times the `.tar.xz`, which mostly measures xz), into a fresh "
	    "ext4 per round.\n"
	    "- zstd compresses 200 MiB of the Linux tarball: silesia.tar "
	    "is not packaged in Debian.\n"
	    "- Each configuration is attached and detached around every "
	    "run; servers start after the attach and stop before the "
	    "detach (audit contexts are given at fork).\n"
	    "- Absolute numbers from a VM are not comparable with bare "
	    "metal; compare the ratios.\n");
	return fclose(f) ? -errno : 0;
}

/* ---- chart.svg: grouped bars, off = 100 %, whiskers = 95 % CI ---- */

static const char *const conf_color[CONF_MAX] = {
    "#9e9e9e", "#4e79a7", "#59a14f", "#e15759", "#f28e2b"};

static void xml_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

int bench_write_chart(struct bench *b, const char *path)
{
	const int bw = 14, gap = 40, left = 70, top = 90, ph = 320, bottom = 80,
		  right = 30;
	int confs[CONF_MAX], nc = 0, ng = 0, i, c, k, width, height;
	double ymax = 125;
	FILE *f;

	for (c = 0; c < CONF_MAX; c++)
		if (b->conf_ok[c])
			confs[nc++] = c;
	/* scale: up to the largest whisker, capped at 200 % (taller bars
	 * are cut and labelled) */
	for (i = 0; i < b->nmetrics; i++) {
		for (k = 0; k < nc; k++) {
			struct cell cl;
			double hi;

			cell_get(b, &b->metrics[i], confs[k], &cl);
			if (!cl.has)
				continue;
			hi = 100 + (isnan(cl.d.ci_hi)
					? cl.d.median
					: fmax(cl.d.ci_hi, cl.d.median));
			if (isfinite(hi) && hi > ymax)
				ymax = hi;
		}
		ng++;
	}
	ymax = fmin(200, ceil(ymax * 1.05 / 25) * 25);
	width = left + right + (ng ? ng : 1) * (nc * (bw + 2) + gap);
	if (width < 640)
		width = 640;
	height = top + ph + bottom;
	f = fopen(path, "we");
	if (!f)
		return -errno;
	fprintf(
	    f,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
	    "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" "
	    "font-size=\"11\">\n"
	    "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
	    width, height, width, height);
	fprintf(f,
		"<text x=\"%d\" y=\"22\" font-size=\"15\" "
		"font-weight=\"bold\">rtguard bench: each configuration "
		"relative to off = 100 %%</text>\n",
		left);
	fprintf(f, "<text x=\"%d\" y=\"40\" fill=\"#444\">", left);
	xml_text(f, b->m.date);
	fprintf(f, " · ");
	xml_text(f, b->m.cpu);
	fprintf(f, ", %d cores · kernel ", b->m.cores);
	xml_text(f, b->m.kernel);
	fprintf(f, "</text>\n");
	for (k = 0; k < nc; k++) {
		int x = left + k * 110;

		fprintf(f,
			"<rect x=\"%d\" y=\"52\" width=\"12\" height=\"12\" "
			"fill=\"%s\"/><text x=\"%d\" y=\"62\">%s</text>\n",
			x, conf_color[confs[k]], x + 16,
			bench_conf_name(confs[k]));
	}
	/* grid and y axis */
	for (i = 0; i <= (int)ymax; i += 25) {
		double y = top + ph - ph * i / ymax;

		fprintf(f,
			"<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
			"stroke=\"%s\" %s/>\n"
			"<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%d "
			"%%</text>\n",
			left, y, width - right, y, i == 100 ? "#333" : "#ddd",
			i == 100 ? "stroke-dasharray=\"4 3\"" : "", left - 6,
			y + 4, i);
	}
	fprintf(f,
		"<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
		"stroke=\"#333\"/>\n",
		left, top + ph, width - right, top + ph);
	for (i = 0; i < b->nmetrics; i++) {
		const struct bench_metric *m = &b->metrics[i];
		int gx = left + gap / 2 + i * (nc * (bw + 2) + gap);
		double lx = gx + nc * (bw + 2) / 2.0;

		for (k = 0; k < nc; k++) {
			struct cell cl;
			double v, lo, hi, x = gx + k * (bw + 2), y, h;

			cell_get(b, m, confs[k], &cl);
			if (!cl.has)
				continue;
			if (confs[k] == CONF_OFF) {
				v = 100;
				lo = 100 * cl.s.ci_lo / cl.s.mean;
				hi = 100 * cl.s.ci_hi / cl.s.mean;
			} else {
				v = 100 + cl.d.median;
				lo = 100 + cl.d.ci_lo;
				hi = 100 + cl.d.ci_hi;
			}
			if (!isfinite(v))
				continue;
			h = ph * fmin(fmax(v, 0), ymax) / ymax;
			y = top + ph - h;
			fprintf(f,
				"<rect x=\"%.1f\" y=\"%.1f\" width=\"%d\" "
				"height=\"%.1f\" fill=\"%s\"><title>%s %s "
				"%s: %.1f %%</title></rect>\n",
				x, y, bw, h, conf_color[confs[k]],
				bench_wl_name(m->wl), m->name,
				bench_conf_name(confs[k]), v);
			if (v > ymax)
				fprintf(
				    f,
				    "<text x=\"%.1f\" y=\"%.1f\" "
				    "font-size=\"9\" text-anchor=\"middle\" "
				    "fill=\"#b00\">%.0f%%</text>\n",
				    x + bw / 2.0,
				    (double)top - 4 - 10 * (k % 2), v);
			if (isfinite(lo) && isfinite(hi)) {
				double y1 = top + ph -
					    ph * fmin(fmax(lo, 0), ymax) / ymax;
				double y2 = top + ph -
					    ph * fmin(fmax(hi, 0), ymax) / ymax;
				double cx = x + bw / 2.0;

				fprintf(f,
					"<path d=\"M%.1f %.1fV%.1fM%.1f "
					"%.1fh6M%.1f %.1fh6\" stroke=\"#000\" "
					"fill=\"none\"/>\n",
					cx, y1, y2, cx - 3, y1, cx - 3, y2);
			}
		}
		/* three short centred lines: workload, metric, direction */
		fprintf(f,
			"<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" "
			"font-size=\"10\"><tspan x=\"%.1f\" "
			"font-weight=\"bold\">",
			lx, top + ph + 16, lx);
		xml_text(f, bench_wl_name(m->wl));
		fprintf(f, "</tspan><tspan x=\"%.1f\" dy=\"13\">", lx);
		xml_text(f, m->name);
		fprintf(f,
			"</tspan><tspan x=\"%.1f\" dy=\"13\" "
			"fill=\"#666\">%s</tspan></text>\n",
			lx,
			m->higher_better ? "higher is better"
					 : "lower is better");
	}
	fprintf(f,
		"<text x=\"%d\" y=\"%d\" fill=\"#444\">bar: median of "
		"the per-round ratios to off; whisker: 95 %% CI of their "
		"mean; off: 95 %% CI of its own samples</text>\n",
		left, height - 12);
	fprintf(f, "</svg>\n");
	return fclose(f) ? -errno : 0;
}

int bench_write_outputs(struct bench *b)
{
	char path[700];
	int err;

	snprintf(path, sizeof(path), "%s/results.json", b->o.out);
	err = write_json(b, path);
	if (!err) {
		snprintf(path, sizeof(path), "%s/results.csv", b->o.out);
		err = write_csv(b, path);
	}
	if (!err) {
		snprintf(path, sizeof(path), "%s/report.md", b->o.out);
		err = write_md(b, path);
	}
	if (!err) {
		snprintf(path, sizeof(path), "%s/chart.svg", b->o.out);
		err = bench_write_chart(b, path);
	}
	if (err)
		log_err("cannot write %s: %s", path, strerror(-err));
	return err;
}
