// SPDX-License-Identifier: GPL-2.0
/*
 * Outputs of the bench: results.json (everything: machine, configurations,
 * raw samples, statistics, self-measurement per run) and results.csv (one
 * raw sample per row) here; report.md in bench_md.c, chart.svg in
 * bench_chart.c.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_report.h"
#include "json.h"
#include "log.h"

void cell_get(const struct bench *b, const struct bench_metric *m, int conf,
	      struct cell *c)
{
	int n = b->wl_rounds[m->wl];

	memset(c, 0, sizeof(*c));
	stats_summary(m->v[conf], n, &c->s);
	stats_paired_change(m->v[conf], m->v[CONF_OFF], n, &c->d);
	c->has = c->s.n > 0;
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
	if (r->bpf_stats >= 0)
		jw_kv_bool(jw, "bpf_stats", r->bpf_stats);
	if (r->nprogs) {
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
	}
	if (r->has_agent) {
		jw_name(jw, "agent");
		jw_start_object(jw);
		jw_kv_double(jw, "ready_seconds", r->agent_ready_s);
		jw_kv_double(jw, "cpu_seconds", r->agent_cpu_s);
		jw_kv_double(jw, "cpu_seconds_from_measurement",
			     r->agent_cpu_work_s);
		jw_kv_int(jw, "peak_rss_kb", r->agent_rss_kb);
		jw_kv_int(jw, "rss_after_kb", r->agent_rss_end_kb);
		jw_kv_int(jw, "events", r->events);
		jw_kv_int(jw, "lost", r->lost);
		jw_kv_int(jw, "open_events", r->open_events);
		jw_kv_int(jw, "open_lost", r->open_lost);
		if (r->quiet_events)
			jw_kv_int(jw, "events_naming_micro_files",
				  r->quiet_events);
		jw_end_object(jw);
	}
	if (r->has_storm) {
		jw_name(jw, "storm");
		jw_start_object(jw);
		jw_kv_double(jw, "seconds", r->storm_secs);
		jw_kv_int(jw, "opens", r->storm_ops);
		if (r->has_agent) {
			jw_kv_int(jw, "events", r->open_events);
			jw_kv_int(jw, "lost", r->open_lost);
			jw_kv_int(jw, "unaccounted",
				  r->storm_ops - r->open_events - r->open_lost);
			jw_kv_double(jw, "events_per_second",
				     r->open_events / r->storm_secs);
			jw_kv_double(jw, "agent_us_per_event",
				     r->open_events ? r->agent_cpu_work_s *
							  1e6 / r->open_events
						    : NAN);
		}
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

int bench_write_json(struct bench *b, const char *path)
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
	jw_kv_int(jw, "format", 2);
	jw_kv_string(jw, "date", b->m.date);
	jw_kv_string(jw, "mode", b->o.quick ? "quick" : "full");
	jw_kv_int(jw, "rounds", b->o.rounds);
	jw_kv_int(jw, "max_rounds", b->o.max_rounds);
	jw_kv_string(jw, "command", b->o.cmdline);
	jw_kv_string(jw, "policy", b->o.policy ? b->o.policy : "(default)");
	jw_kv_bool(jw, "bpf_stats", b->o.bpf_stats);
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

int bench_write_csv(struct bench *b, const char *path)
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

int bench_write_outputs(struct bench *b)
{
	char path[700];
	int err;

	snprintf(path, sizeof(path), "%s/results.json", b->o.out);
	err = bench_write_json(b, path);
	if (!err) {
		snprintf(path, sizeof(path), "%s/results.csv", b->o.out);
		err = bench_write_csv(b, path);
	}
	if (!err) {
		snprintf(path, sizeof(path), "%s/report.md", b->o.out);
		err = bench_write_md(b, path);
	}
	if (!err) {
		snprintf(path, sizeof(path), "%s/chart.svg", b->o.out);
		err = bench_write_chart(b, path);
	}
	if (err)
		log_err("cannot write %s: %s", path, strerror(-err));
	return err;
}
