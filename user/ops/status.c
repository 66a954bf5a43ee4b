// SPDX-License-Identifier: GPL-2.0
/* `rtguard status`: a snapshot as one JSON object or a table (see
 * stats.h). */
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "metrics.h"
#include "probe.h"
#include "stats.h"

void status_snapshot(const struct status_source *src, struct stats_snap *s)
{
	memset(s, 0, sizeof(*s));
	s->c = *src->counters;
	s->workloads = src->workloads;
	if (src->metrics)
		metrics_read_live(src->metrics, s);
}

bool status_window(struct stats_snap *end, const struct stats_snap *start)
{
	bool counted = false;
	int i, j;

	for (i = 0; i < end->nprogs; i++) {
		struct stats_prog *p = &end->progs[i];

		for (j = 0; j < start->nprogs; j++) {
			const struct stats_prog *q = &start->progs[j];

			if (strcmp(p->name, q->name))
				continue;
			p->run_time_ns -= q->run_time_ns <= p->run_time_ns
					      ? q->run_time_ns
					      : p->run_time_ns;
			p->run_cnt -=
			    q->run_cnt <= p->run_cnt ? q->run_cnt : p->run_cnt;
			counted |= p->run_cnt > 0;
			break;
		}
	}
	end->bpf_window = end->uptime_seconds - start->uptime_seconds;
	if (end->bpf_window <= 0)
		end->bpf_window = 1e-9;
	return counted;
}

/* Programs of a hook for "ns per event": the programs whose runs count the
 * hook's events (per open syscall exit_opens runs once) and the others
 * whose time is added to it. Names as the skeleton has them, without the
 * _btf of the build with direct BTF loads (metrics.c drops it). For the
 * hooks that every such syscall passes (clone, mmap, socket), an "event"
 * is a run. */
static const struct {
	const char *hook;
	const char *count[4];
	const char *extra[6];
} hook_progs[] = {
    {"exec", {"handle_exec"}, {"lsm_bprm_check"}},
    {"fork", {"handle_fork"}, {NULL}},
    {"exit", {"handle_exit"}, {NULL}},
    {"open", {"exit_opens"}, {"lsm_file_open"}},
    {"connect", {"connect4", "connect6", "connect_unix"}, {NULL}},
    {"ptrace", {"enter_ptrace"}, {"lsm_ptrace_access", "lsm_ptrace_traceme"}},
    {"cred",
     {"exit_creds"},
     {"enter_creds", "lsm_fix_setuid", "lsm_fix_setgid", "lsm_fix_setgroups",
      "lsm_capset"}},
    {"module",
     {"exit_finit_module", "exit_init_module", "exit_delete_module",
      "sys_enter_module_raw"},
     {"lsm_read_module", "lsm_load_module"}},
    {"bpf", {"exit_bpf"}, {"lsm_bpf"}},
    {"mount",
     {"exit_mounts"},
     {"lsm_sb_mount", "lsm_sb_umount", "lsm_move_mount", "lsm_pivotroot"}},
    {"namespace",
     {"enter_setns", "enter_unshare", "enter_clone", "enter_clone3"},
     {"lsm_userns_create"}},
    {"listen",
     {"enter_listen", "enter_socket", "bind4", "bind6"},
     {"lsm_socket_listen"}},
    {"mmap_exec",
     {"enter_mmap", "enter_mprotect"},
     {"lsm_mmap_file", "lsm_file_mprotect"}},
    {"io_uring", {"enter_io_uring_setup", "uring_submit"}, {NULL}},
};

static const struct stats_prog *find_prog(const struct stats_snap *s,
					  const char *name)
{
	int i;

	for (i = 0; name && i < s->nprogs; i++)
		if (!strcmp(s->progs[i].name, name))
			return &s->progs[i];
	return NULL;
}

/* total ns and events of hook i */
static void hook_cost(const struct stats_snap *s, int i, uint64_t *ns,
		      uint64_t *runs)
{
	const struct stats_prog *p;
	int j;

	*ns = *runs = 0;
	for (j = 0; j < 4; j++)
		if ((p = find_prog(s, hook_progs[i].count[j]))) {
			*ns += p->run_time_ns;
			*runs += p->run_cnt;
		}
	for (j = 0; j < 6; j++)
		if ((p = find_prog(s, hook_progs[i].extra[j])))
			*ns += p->run_time_ns;
}

static double cpu_percent(const struct stats_snap *s)
{
	return s->uptime_seconds > 0
		   ? 100.0 * s->cpu_seconds / s->uptime_seconds
		   : 0;
}

void status_render_json(const struct stats_snap *s,
			const struct rtg_probe *probe, bool dry_run,
			struct json_writer *jw)
{
	uint64_t ns, runs;
	int i, t, a, h;

	jw_start_object(jw);
	jw_kv_uint(jw, "pid", getpid());
	jw_kv_double(jw, "uptime_seconds", s->uptime_seconds);
	jw_kv_bool(jw, "dry_run", dry_run);
	jw_name(jw, "policies");
	jw_start_array(jw);
	for (i = 0; i < s->c.npolicies; i++) {
		jw_start_object(jw);
		jw_kv_string(jw, "name", s->c.policy[i]);
		jw_name(jw, "rules");
		jw_start_object(jw);
		for (h = 0; h < RTG_NHOOKS; h++)
			jw_kv_int(jw, hook_name(h), s->c.rules[i][h]);
		jw_end_object(jw);
		jw_end_object(jw);
	}
	jw_end_array(jw);
	jw_name(jw, "reloads");
	jw_start_object(jw);
	jw_kv_uint(jw, "ok", s->c.reloads_ok);
	jw_kv_uint(jw, "failed", s->c.reloads_failed);
	jw_end_object(jw);
	jw_name(jw, "events");
	jw_start_object(jw);
	for (t = RTG_EV_EXEC; t < RTG_EV_MAX; t++) {
		if (!type_is_event(t))
			continue;
		jw_name(jw, type_name(t));
		jw_start_object(jw);
		for (a = RTG_ACT_AUDIT; a <= RTG_ACT_KILL; a++)
			jw_kv_uint(jw, action_name(a), s->c.events[t][a]);
		jw_end_object(jw);
	}
	jw_end_object(jw);
	jw_name(jw, "lost");
	jw_start_object(jw);
	for (i = 0; i < RTG_NLOSS; i++)
		jw_kv_uint(jw, loss_name(i), s->c.lost[i]);
	jw_end_object(jw);
	if (probe) {
		const struct rtg_decision *d = &probe->d;

		jw_name(jw, "mechanisms");
		jw_start_object(jw);
		jw_name(jw, "sources");
		jw_start_object(jw);
		jw_kv_string(jw, "exec", probe_src_name(d->exec));
		jw_kv_string(jw, "exit", probe_src_name(d->exit));
		jw_kv_string(jw, "open", probe_src_name(d->open));
		jw_kv_string(jw, "connect", probe_src_name(d->connect));
		jw_end_object(jw);
		jw_name(jw, "enforcement");
		jw_start_object(jw);
		for (i = 0; i < RTG_NENF; i++)
			jw_kv_string(jw, probe_enf_name(i),
				     mech_label(d->mech[i]));
		jw_end_object(jw);
		jw_end_object(jw);
	}
	jw_kv_bool(jw, "bpf_stats", s->bpf_stats);
	if (!s->bpf_stats)
		goto agent;
	if (s->bpf_window > 0)
		jw_kv_double(jw, "bpf_stats_seconds", s->bpf_window);
	jw_name(jw, "programs");
	jw_start_array(jw);
	for (i = 0; i < s->nprogs; i++) {
		const struct stats_prog *p = &s->progs[i];

		jw_start_object(jw);
		jw_kv_string(jw, "name", p->name);
		jw_kv_uint(jw, "runs", p->run_cnt);
		jw_kv_uint(jw, "run_time_ns", p->run_time_ns);
		jw_kv_double(jw, "ns_per_run",
			     p->run_cnt ? (double)p->run_time_ns / p->run_cnt
					: 0);
		jw_end_object(jw);
	}
	jw_end_array(jw);
	jw_name(jw, "hooks");
	jw_start_object(jw);
	for (i = 0; i < (int)(sizeof(hook_progs) / sizeof(hook_progs[0]));
	     i++) {
		hook_cost(s, i, &ns, &runs);
		jw_name(jw, hook_progs[i].hook);
		jw_start_object(jw);
		jw_kv_uint(jw, "events", runs);
		jw_kv_uint(jw, "run_time_ns", ns);
		jw_kv_double(jw, "ns_per_event", runs ? (double)ns / runs : 0);
		jw_end_object(jw);
	}
	jw_end_object(jw);
agent:
	jw_name(jw, "agent");
	jw_start_object(jw);
	jw_kv_double(jw, "cpu_seconds", s->cpu_seconds);
	jw_kv_double(jw, "cpu_percent", cpu_percent(s));
	jw_kv_uint(jw, "rss_bytes", s->rss_bytes);
	jw_kv_uint(jw, "processes_tracked", s->c.procs_tracked);
	jw_kv_uint(jw, "subscribers", s->c.subscribers);
	jw_end_object(jw);
	jw_name(jw, "ringbuf");
	jw_start_object(jw);
	for (i = 0; i < s->nrings; i++) {
		jw_name(jw, s->rings[i].name);
		jw_start_object(jw);
		jw_kv_uint(jw, "used_bytes", s->rings[i].used);
		jw_kv_uint(jw, "size_bytes", s->rings[i].size);
		jw_end_object(jw);
	}
	jw_kv_uint(jw, "memory_bytes", s->ringbuf_memory);
	jw_end_object(jw);
	status_workloads_json(s->workloads, jw);
	jw_end_object(jw);
}

static void cost_text(const struct stats_snap *s, FILE *f);

void status_render_text(const struct stats_snap *s,
			const struct rtg_probe *probe, bool dry_run, FILE *f)
{
	uint64_t lost = 0;
	int i, t, h;

	fprintf(f,
		"agent     pid %d, up %.0f s, CPU %.2f%% since start (%.2f s), "
		"RSS %.1f MiB%s\n",
		getpid(), s->uptime_seconds, cpu_percent(s), s->cpu_seconds,
		s->rss_bytes / 1048576.0, dry_run ? ", dry-run" : "");
	fprintf(f, "          %llu processes tracked, %u subscribers\n",
		(unsigned long long)s->c.procs_tracked, s->c.subscribers);
	fprintf(f, "          ring buffers:");
	for (i = 0; i < s->nrings; i++)
		fprintf(f, "%s %s %llu of %llu KiB used", i ? "," : "",
			s->rings[i].name,
			(unsigned long long)s->rings[i].used / 1024,
			(unsigned long long)s->rings[i].size / 1024);
	fprintf(f, "; %.1f MiB of kernel memory\n",
		s->ringbuf_memory / 1048576.0);
	fprintf(f, "\nPOLICY                              EXEC  OPEN  CONNECT  "
		   "(rules; other types: type=rules)\n");
	for (i = 0; i < s->c.npolicies; i++) {
		fprintf(f, "%-34s", s->c.policy[i]);
		for (h = 0; h < RTG_NHOOKS; h++)
			if (h <= RTG_HOOK_CONNECT)
				fprintf(f, " %5d", s->c.rules[i][h]);
			else if (s->c.rules[i][h])
				fprintf(f, "  %s=%d", hook_name(h),
					s->c.rules[i][h]);
		fputc('\n', f);
	}
	fprintf(f, "reloads: %llu ok, %llu failed\n",
		(unsigned long long)s->c.reloads_ok,
		(unsigned long long)s->c.reloads_failed);
	fprintf(f, "\nEVENTS         AUDIT        DENY        KILL\n");
	for (t = RTG_EV_EXEC; t < RTG_EV_MAX; t++) {
		if (!type_is_event(t))
			continue;
		fprintf(f, "%-9s %11llu %11llu %11llu\n", type_name(t),
			(unsigned long long)s->c.events[t][RTG_ACT_AUDIT],
			(unsigned long long)s->c.events[t][RTG_ACT_DENY],
			(unsigned long long)s->c.events[t][RTG_ACT_KILL]);
	}
	for (i = 0; i < RTG_NLOSS; i++)
		lost += s->c.lost[i];
	fprintf(f, "\nLOST %llu:", (unsigned long long)lost);
	for (i = 0; i < RTG_NLOSS; i++)
		fprintf(f, " %s=%llu", loss_name(i),
			(unsigned long long)s->c.lost[i]);
	fputc('\n', f);
	if (probe) {
		const struct rtg_decision *d = &probe->d;

		fprintf(f,
			"\nMECHANISM  events: exec %s, exit %s, open %s, "
			"connect %s\n",
			probe_src_name(d->exec), probe_src_name(d->exit),
			probe_src_name(d->open), probe_src_name(d->connect));
		fprintf(f, "           enforcement:");
		for (i = 0; i < RTG_NENF; i++)
			fprintf(f, " %s=%s", probe_enf_name(i),
				mech_label(d->mech[i]));
		fputc('\n', f);
	}
	cost_text(s, f);
	status_workloads_text(s->workloads, f);
}

/* the programs' cost, from the kernel's run-time statistics when on */
static void cost_text(const struct stats_snap *s, FILE *f)
{
	uint64_t ns, runs;
	int i;

	if (!s->bpf_stats) {
		fprintf(f,
			"\nCOST      kernel BPF run-time statistics are off: "
			"`rtguard status --bpf-stats` samples them for a few "
			"seconds, `rtguard --bpf-stats` keeps them on\n");
		return;
	}
	if (s->bpf_window > 0)
		fprintf(f, "\nCOST (kernel BPF statistics over %.1f s)\n",
			s->bpf_window);
	else
		fprintf(f, "\nCOST (kernel BPF statistics since start, "
			   "--bpf-stats)\n");
	fprintf(f, "HOOK          EVENTS     NS/EVENT\n");
	for (i = 0; i < (int)(sizeof(hook_progs) / sizeof(hook_progs[0]));
	     i++) {
		hook_cost(s, i, &ns, &runs);
		fprintf(f, "%-9s %11llu %12.1f\n", hook_progs[i].hook,
			(unsigned long long)runs,
			runs ? (double)ns / runs : 0.0);
	}
	fprintf(f, "PROGRAM                RUNS       NS/RUN    TOTAL MS\n");
	for (i = 0; i < s->nprogs; i++) {
		const struct stats_prog *p = &s->progs[i];

		fprintf(f, "%-16s %11llu %12.1f %11.3f\n", p->name,
			(unsigned long long)p->run_cnt,
			p->run_cnt ? (double)p->run_time_ns / p->run_cnt : 0.0,
			p->run_time_ns / 1e6);
	}
}
