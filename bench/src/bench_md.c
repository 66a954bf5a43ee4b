// SPDX-License-Identifier: GPL-2.0
/*
 * report.md of the bench: tables like the paper's appendix (median per
 * configuration, paired change against `off` with its 95 % CI and a
 * within-noise flag), every statistic, the self-measurement of `on`, the
 * peers' own counters, the targets and what exactly was measured.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "bench_report.h"

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

/* The BPF programs of one configuration, all its runs together: ns per
 * run from the kernel's run-time statistics. */
static void md_progs(FILE *f, const struct bench *b, int conf)
{
	struct {
		char name[32];
		unsigned long long cnt, ns;
	} agg[BENCH_MAX_PROGS * 2];
	int nagg = 0, i, j, k;

	for (i = 0; i < b->nruns; i++) {
		const struct bench_run *r = &b->runs[i];

		for (j = 0; r->conf == conf && j < r->nprogs; j++) {
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
	for (k = 0, i = 0; i < nagg; i++)
		k |= agg[i].cnt > 0;
	if (!k)
		return;
	fprintf(f,
		"\nBPF programs of `%s`, all its runs together:\n\n"
		"| program | runs | ns / run | total ms |\n"
		"|---|---:|---:|---:|\n",
		bench_conf_name(conf));
	for (i = 0; i < nagg; i++)
		fprintf(f, "| %s | %llu | %.0f | %.1f |\n", agg[i].name,
			agg[i].cnt,
			agg[i].cnt ? (double)agg[i].ns / agg[i].cnt : 0.0,
			agg[i].ns / 1e6);
}

/* Under which setting of the kernel's BPF run-time statistics floor and
 * on ran: seen from the programs' own counters, which count only while the
 * statistics are on. */
static void md_bpf_stats(FILE *f, const struct bench *b)
{
	static const int confs[] = {CONF_FLOOR, CONF_ON};
	int runs[2] = {}, on[2] = {}, i, k;

	for (i = 0; i < b->nruns; i++)
		for (k = 0; k < 2; k++)
			if (b->runs[i].conf == confs[k] &&
			    b->runs[i].bpf_stats >= 0) {
				runs[k]++;
				on[k] += b->runs[i].bpf_stats;
			}
	fprintf(f,
		"\n## BPF run-time statistics\n\nWhile on, the kernel's BPF "
		"run-time statistics add clock reads to every BPF program on "
		"the host, so `floor` and `on` are only comparable under one "
		"setting. This run: %s. Runs in which the programs counted "
		"(statistics on): `floor` %d of %d, `on` %d of %d.\n",
		b->o.bpf_stats ? "on for every configuration (--bpf-stats)"
			       : "off (the default; --bpf-stats turns them on "
				 "for every configuration)",
		on[0], runs[0], on[1], runs[1]);
	if (runs[0] && runs[1] && !on[0] != !on[1])
		fprintf(f, "\n**`floor` and `on` did not run under the same "
			   "setting**: the agent turned the statistics on "
			   "itself (an agent without its own `--bpf-stats` "
			   "flag does), so `on` − `floor` includes their "
			   "cost.\n");
}

/* Median over the `on` runs of workload w of a double field of the run. */
static double on_median(const struct bench *b, int w, size_t off)
{
	double v[BENCH_MAX_ROUNDS];
	struct bench_stats s;
	int i, n = 0;

	for (i = 0; i < b->nruns && n < BENCH_MAX_ROUNDS; i++)
		if (b->runs[i].wl == w && b->runs[i].has_agent)
			v[n++] =
			    *(const double *)((const char *)&b->runs[i] + off);
	stats_summary(v, n, &s);
	return s.median;
}

static void md_self(FILE *f, struct bench *b)
{
	bool any = false;
	int i, w;
	long ev;

	md_bpf_stats(f, b);
	for (i = 0; i < b->nruns; i++)
		any |= b->runs[i].has_agent;
	if (!any)
		return;
	fprintf(f, "\n## Self-measurement of `on`\n\n"
		   "Per workload run: medians over rounds of the start-up "
		   "(spawn to \"running\") and of the agent's CPU, all of it "
		   "and from the start of the measurement to its exit; the "
		   "largest RSS; events and losses summed.\n\n"
		   "| workload | start-up s | agent CPU s / run | in the "
		   "workload | peak RSS MiB | RSS after MiB | events | lost |\n"
		   "|---|---:|---:|---:|---:|---:|---:|---:|\n");
	for (w = 0; w < WL_MAX; w++) {
		long rss = 0, rss_end = 0, lost = 0;
		bool has = false;

		for (ev = 0, i = 0; i < b->nruns; i++) {
			const struct bench_run *r = &b->runs[i];

			if (r->wl != w || !r->has_agent)
				continue;
			has = true;
			if (r->agent_rss_kb > rss)
				rss = r->agent_rss_kb;
			if (r->agent_rss_end_kb > rss_end)
				rss_end = r->agent_rss_end_kb;
			ev += r->events;
			lost += r->lost;
		}
		if (!has)
			continue;
		fprintf(
		    f,
		    "| %s | %.2f | %.3f | %.3f | %.1f | %.1f | %ld | "
		    "%ld |\n",
		    bench_wl_name(w),
		    on_median(b, w, offsetof(struct bench_run, agent_ready_s)),
		    on_median(b, w, offsetof(struct bench_run, agent_cpu_s)),
		    on_median(b, w,
			      offsetof(struct bench_run, agent_cpu_work_s)),
		    rss / 1024.0, rss_end / 1024.0, ev, lost);
	}
	for (ev = 0, i = 0; i < b->nruns; i++)
		ev += b->runs[i].quiet_events;
	if (ev)
		fprintf(f,
			"\n**%ld events named a file the micro loops open "
			"as non-matching** (%s, %s, %s): a rule of the policy "
			"matches one, so its row is not a non-matching "
			"open.\n",
			ev, b->quiet[0], b->quiet[1], b->quiet[2]);
	md_progs(f, b, CONF_FLOOR);
	md_progs(f, b, CONF_ON);
}

/* The storm under `on`: the three things asked of it (bench/README.md:
 * events delivered per second, agent CPU per event, events + lost =
 * operations) per run. */
static void md_storm(FILE *f, const struct bench *b)
{
	int i, runs = 0, exact = 0;

	for (i = 0; i < b->nruns; i++)
		runs += b->runs[i].has_storm && b->runs[i].has_agent;
	if (!runs)
		return;
	fprintf(f,
		"\n## Storm under `on`\n\n%s.\n\n"
		"| round | opens | opens/s | events | lost | events + lost "
		"− opens | events/s | agent CPU s | µs / event | RSS after "
		"MiB |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
		b->wl_note[WL_STORM]);
	for (i = 0; i < b->nruns; i++) {
		const struct bench_run *r = &b->runs[i];
		long diff = r->open_events + r->open_lost - r->storm_ops;

		if (!r->has_storm || !r->has_agent)
			continue;
		exact += !diff;
		fprintf(
		    f,
		    "| %d | %ld | %.0f | %ld | %ld | %+ld%s | %.0f | "
		    "%.3f | %.2f | %.1f |\n",
		    r->round + 1, r->storm_ops, r->storm_ops / r->storm_secs,
		    r->open_events, r->open_lost, diff, diff ? " **≠**" : "",
		    r->open_events / r->storm_secs, r->agent_cpu_work_s,
		    r->open_events ? r->agent_cpu_work_s * 1e6 / r->open_events
				   : NAN,
		    r->agent_rss_end_kb / 1024.0);
	}
	if (exact == runs)
		fprintf(f, "\nevents + lost = opens in every run: nothing was "
			   "lost without being counted.\n");
	else
		fprintf(f,
			"\n**events + lost ≠ opens in %d of %d runs**: opens "
			"were lost without a `lost` record (or reported "
			"twice).\n",
			runs - exact, runs);
}

/* Rows of per-workload sums of two counters of the runs that have them
 * (fields of struct bench_run given by their offsets: a bool, two longs). */
static void md_sums(FILE *f, const struct bench *b, size_t has_off,
		    size_t x_off, size_t y_off)
{
	int w, i;

	for (w = 0; w < WL_MAX; w++) {
		long x = 0, y = 0;
		bool any = false;

		for (i = 0; i < b->nruns; i++) {
			const char *r = (const char *)&b->runs[i];

			if (b->runs[i].wl != w || !*(const bool *)(r + has_off))
				continue;
			any = true;
			x += *(const long *)(r + x_off);
			y += *(const long *)(r + y_off);
		}
		if (any)
			fprintf(f, "| %s | %ld | %ld |\n", bench_wl_name(w), x,
				y);
	}
}

static void md_peers(FILE *f, struct bench *b)
{
	if (b->conf_ok[CONF_AUDITD]) {
		fprintf(f, "\n## auditd\n\nauditd throttles instead of "
			   "dropping: with its backlog full the kernel puts "
			   "audited tasks to sleep. Kernel counters from "
			   "`auditctl -s`, summed over the runs:\n\n"
			   "| workload | backlog_wait_time_actual (jiffies) | "
			   "lost |\n|---|---:|---:|\n");
		md_sums(f, b, offsetof(struct bench_run, has_audit),
			offsetof(struct bench_run, audit_wait_jiffies),
			offsetof(struct bench_run, audit_lost));
	}
	if (b->conf_ok[CONF_BPFTRACE]) {
		fprintf(f, "\n## bpftrace\n\nLines written and events "
			   "bpftrace reported lost, summed over the runs:\n\n"
			   "| workload | lines | lost |\n|---|---:|---:|\n");
		md_sums(f, b, offsetof(struct bench_run, has_bpftrace),
			offsetof(struct bench_run, bt_lines),
			offsetof(struct bench_run, bt_lost));
	}
}

int bench_write_md(struct bench *b, const char *path)
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
	md_storm(f, b);
	md_peers(f, b);
	bench_md_targets(f, b);

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
