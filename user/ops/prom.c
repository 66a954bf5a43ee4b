// SPDX-License-Identifier: GPL-2.0
/* The Prometheus text rendering of a snapshot (see stats.h); the metric
 * names are the documented ones (README.md "Operating it", doc/rtguard.8). */
#include <stdio.h>

#include "stats.h"

static void prom_head(FILE *f, const char *name, const char *type,
		      const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A metric with one sample and no labels. */
static void prom_uint(FILE *f, const char *name, const char *type,
		      const char *help, uint64_t v)
{
	prom_head(f, name, type, help);
	fprintf(f, "%s %llu\n", name, (unsigned long long)v);
}

/* `name{label="` with the value escaped (backslash, quote, newline); the
 * caller writes `"} value`. */
static void prom_label(FILE *f, const char *name, const char *label,
		       const char *v)
{
	fprintf(f, "%s{%s=\"", name, label);
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

void metrics_render_prom(const struct stats_snap *s, FILE *f)
{
	const struct stats_counters *c = &s->c;
	int t, a, i, h;

	prom_head(f, "rtguard_events_total", "counter",
		  "Events reported, by type and action.");
	for (t = RTG_EV_EXEC; t < RTG_EV_MAX; t++)
		for (a = RTG_ACT_AUDIT; type_is_event(t) && a <= RTG_ACT_KILL;
		     a++)
			fprintf(f,
				"rtguard_events_total{type=\"%s\",action=\"%s\"} %llu\n",
				type_name(t), action_name(a),
				(unsigned long long)c->events[t][a]);
	prom_head(f, "rtguard_events_lost_total", "counter",
		  "Events dropped before they were reported, by where they were dropped.");
	for (i = 0; i < RTG_NLOSS; i++)
		fprintf(f, "rtguard_events_lost_total{source=\"%s\"} %llu\n",
			loss_name(i), (unsigned long long)c->lost[i]);
	/* only while the agent keeps the statistics on (--bpf-stats): a
	 * counter that stands still while they are off would read as "free" */
	if (s->bpf_stats) {
		prom_head(f, "rtguard_bpf_prog_run_time_seconds_total",
			  "counter",
			  "Time the kernel spent in each BPF program "
			  "(BPF_ENABLE_STATS, --bpf-stats).");
		for (i = 0; i < s->nprogs; i++) {
			prom_label(f, "rtguard_bpf_prog_run_time_seconds_total",
				   "prog", s->progs[i].name);
			fprintf(f, "\"} %.9f\n", s->progs[i].run_time_ns / 1e9);
		}
		prom_head(f, "rtguard_bpf_prog_runs_total", "counter",
			  "Runs of each BPF program (BPF_ENABLE_STATS, "
			  "--bpf-stats).");
		for (i = 0; i < s->nprogs; i++) {
			prom_label(f, "rtguard_bpf_prog_runs_total", "prog",
				   s->progs[i].name);
			fprintf(f, "\"} %llu\n",
				(unsigned long long)s->progs[i].run_cnt);
		}
	}
	prom_uint(f, "rtguard_bpf_stats_enabled", "gauge",
		  "1 while the agent keeps kernel BPF run-time statistics on "
		  "(--bpf-stats).",
		  s->bpf_stats);
	prom_head(f, "rtguard_agent_cpu_seconds_total", "counter",
		  "CPU time (user and system) of the agent process.");
	fprintf(f, "rtguard_agent_cpu_seconds_total %.3f\n", s->cpu_seconds);
	prom_uint(f, "rtguard_agent_rss_bytes", "gauge",
		  "Resident memory of the agent process.", s->rss_bytes);
	prom_head(f, "rtguard_ringbuf_used_bytes", "gauge",
		  "Bytes written to a ring buffer and not yet consumed "
		  "(events: audit records; enforce: deny and kill records).");
	for (i = 0; i < s->nrings; i++) {
		prom_label(f, "rtguard_ringbuf_used_bytes", "ring",
			   s->rings[i].name);
		fprintf(f, "\"} %llu\n", (unsigned long long)s->rings[i].used);
	}
	prom_head(f, "rtguard_ringbuf_size_bytes", "gauge",
		  "Size of a ring buffer's data.");
	for (i = 0; i < s->nrings; i++) {
		prom_label(f, "rtguard_ringbuf_size_bytes", "ring",
			   s->rings[i].name);
		fprintf(f, "\"} %llu\n", (unsigned long long)s->rings[i].size);
	}
	prom_uint(f, "rtguard_ringbuf_memory_bytes", "gauge",
		  "Kernel memory of the ring buffers (mapped twice into the "
		  "agent's RSS).",
		  s->ringbuf_memory);
	prom_head(f, "rtguard_policy_rules", "gauge",
		  "Rules of each loaded policy (all event types).");
	for (i = 0; i < c->npolicies; i++) {
		int n = 0;

		for (h = 0; h < RTG_NHOOKS; h++)
			n += c->rules[i][h];
		prom_label(f, "rtguard_policy_rules", "policy", c->policy[i]);
		fprintf(f, "\"} %d\n", n);
	}
	prom_head(f, "rtguard_policy_reloads_total", "counter",
		  "Policy reloads, by result.");
	fprintf(f, "rtguard_policy_reloads_total{result=\"ok\"} %llu\n",
		(unsigned long long)c->reloads_ok);
	fprintf(f, "rtguard_policy_reloads_total{result=\"failed\"} %llu\n",
		(unsigned long long)c->reloads_failed);
	prom_uint(f, "rtguard_processes_tracked", "gauge",
		  "Processes in the agent's process cache.", c->procs_tracked);
	prom_uint(f, "rtguard_subscribers", "gauge",
		  "Clients subscribed to the event stream on the socket.",
		  c->subscribers);
}
