// SPDX-License-Identifier: GPL-2.0
/*
 * The `on` configuration: the agent itself as a child process, `rtguard
 * [--policy P] --output json --output-file F --no-pin --socket none`,
 * ready when it says "running", stopped with SIGTERM (it drains and exits
 * 0). Its self-measurement: start-up time, CPU (all of it, and from the
 * start of the measurement), RSS, what it wrote (events, opens, reported
 * losses) and the kernel's counters of every BPF program it holds.
 */
#include <bpf/bpf.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_conf.h"
#include "log.h"

#define AGENT_READY "rtguard: info: running"

static int agent_start(struct bench *b, struct bench_conf_state *st,
		       const char *policy)
{
	char *argv[12];
	char why[300];
	double t0 = bench_now();
	int i = 0, err;

	argv[i++] = b->o.self;
	if (policy) {
		argv[i++] = "--policy";
		argv[i++] = (char *)policy;
	}
	argv[i++] = "--output";
	argv[i++] = "json";
	argv[i++] = "--output-file";
	argv[i++] = st->out;
	/* nothing left behind, and no clash with an agent of the host or of
	 * a test running beside the bench (pins, the event socket) */
	argv[i++] = "--no-pin";
	argv[i++] = "--socket";
	argv[i++] = "none";
	argv[i] = NULL;
	unlink(st->out);
	unlink(st->err);
	st->pid = bench_spawn(argv, st->err, false);
	if (st->pid < 0)
		return st->pid;
	err = bench_wait_ready(st->pid, st->err, AGENT_READY, 30, why,
			       sizeof(why));
	if (err) {
		bench_fmt(b->conf_why[CONF_ON], sizeof(b->conf_why[CONF_ON]),
			  "agent %.240s", why);
		st->pid = 0;
	}
	st->ready_s = bench_now() - t0;
	return err;
}

/* What the agent wrote, in one pass: every event and every reported loss;
 * "open" events and the losses of open records (their source names the
 * open ring buffer); events naming a file of b->quiet (which no rule
 * should match). */
static void agent_count(const struct bench *b, const char *outfile,
			struct bench_run *run)
{
	char want[BENCH_MAX_QUIET][540], *line = NULL;
	size_t cap = 0;
	FILE *f = fopen(outfile, "re");
	int i;

	if (!f)
		return;
	for (i = 0; i < b->nquiet; i++)
		bench_fmt(want[i], sizeof(want[i]), "\"path\":\"%s\"",
			  b->quiet[i]);
	while (getline(&line, &cap, f) > 0) {
		if (strstr(line, "\"type\":\"lost\"")) {
			const char *c = strstr(line, "\"count\":");
			const char *src = strstr(line, "\"source\":\"");
			long n = c ? strtol(c + 8, NULL, 10) : 1;

			run->lost += n;
			if (src && strstr(src, "open"))
				run->open_lost += n;
			continue;
		}
		run->events++;
		if (strstr(line, "\"type\":\"open\""))
			run->open_events++;
		for (i = 0; i < b->nquiet; i++)
			if (strstr(line, want[i])) {
				run->quiet_events++;
				break;
			}
	}
	free(line);
	fclose(f);
}

/* The agent's BPF programs: every prog_id in its fds' fdinfo (program fds
 * and link fds), with the kernel's run-time statistics. */
static void agent_progs(pid_t pid, struct bench_run *run)
{
	char dir[64], path[320], buf[2048];
	struct dirent *de;
	DIR *d;

	bench_fmt(dir, sizeof(dir), "/proc/%d/fdinfo", pid);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d)) && run->nprogs < BENCH_MAX_PROGS) {
		const char *p;
		unsigned int id;
		int fd;

		if (de->d_name[0] == '.')
			continue;
		bench_fmt(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (bench_read_file(path, buf, sizeof(buf)) <= 0)
			continue;
		p = strstr(buf, "prog_id:");
		if (!p || sscanf(p + 8, "%u", &id) != 1)
			continue;
		fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0)
			continue;
		bench_conf_add_prog(run, fd);
		close(fd);
	}
	closedir(d);
}

static long status_kb(pid_t pid, const char *key)
{
	char path[64], buf[4096];
	const char *p;

	bench_fmt(path, sizeof(path), "/proc/%d/status", pid);
	if (bench_read_file(path, buf, sizeof(buf)) <= 0)
		return 0;
	p = strstr(buf, key);
	return p ? strtol(p + strlen(key), NULL, 10) : 0;
}

/* User + system CPU seconds of a running process, all its threads
 * (fields 14 and 15 of /proc/<pid>/stat, in clock ticks). */
static double proc_cpu_s(pid_t pid)
{
	unsigned long ut, st;
	char path[64], buf[1024];
	const char *p;

	bench_fmt(path, sizeof(path), "/proc/%d/stat", pid);
	if (bench_read_file(path, buf, sizeof(buf)) <= 0)
		return NAN;
	p = strrchr(buf, ')'); /* comm may hold spaces */
	if (!p || sscanf(p + 2,
			 "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
			 "%lu %lu",
			 &ut, &st) != 2)
		return NAN;
	return (double)(ut + st) / sysconf(_SC_CLK_TCK);
}

int bench_on_attach(struct bench *b, struct bench_conf_state *st,
		    const char *policy)
{
	bench_fmt(st->out, sizeof(st->out), "%s/agent.jsonl", b->work);
	bench_fmt(st->err, sizeof(st->err), "%s/agent.err", b->work);
	return agent_start(b, st, policy ?: b->o.policy);
}

void bench_on_mark(struct bench_conf_state *st)
{
	st->cpu0 = proc_cpu_s(st->pid);
}

int bench_on_detach(struct bench *b, struct bench_conf_state *st,
		    struct bench_run *run)
{
	struct rusage ru = {};
	int err, status = 0;

	if (run) {
		run->has_agent = true;
		run->agent_ready_s = st->ready_s;
		agent_progs(st->pid, run);
		run->agent_rss_kb = status_kb(st->pid, "VmHWM:");
		run->agent_rss_end_kb = status_kb(st->pid, "VmRSS:");
	}
	err = bench_stop(st->pid, SIGTERM, 60, &status, &ru);
	if (!err && (!WIFEXITED(status) || WEXITSTATUS(status)))
		log_warn("agent exited with status %d on SIGTERM",
			 WIFEXITED(status) ? WEXITSTATUS(status)
					   : 128 + WTERMSIG(status));
	if (run) {
		run->agent_cpu_s =
		    ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
		    ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
		/* the drain on SIGTERM belongs to the work */
		run->agent_cpu_work_s = run->agent_cpu_s - st->cpu0;
		if (ru.ru_maxrss > run->agent_rss_kb)
			run->agent_rss_kb = ru.ru_maxrss;
		agent_count(b, st->out, run);
	}
	unlink(st->out);
	return err;
}
