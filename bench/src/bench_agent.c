// SPDX-License-Identifier: GPL-2.0
/*
 * The `on` configuration: the agent itself as a child process,
 * `rtguard [--policy P] --output json --output-file F`, ready when it says
 * "running", stopped with SIGTERM (it drains and exits 0). Its
 * self-measurement: CPU and peak RSS, events and losses from its output,
 * and the kernel's counters of every BPF program it holds.
 */
#include <bpf/bpf.h>
#include <dirent.h>
#include <errno.h>
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

int bench_agent_start(struct bench *b, const char *policy, const char *outfile,
		      const char *errfile, pid_t *pid)
{
	char *argv[8];
	char why[300];
	int i = 0, err;

	argv[i++] = b->o.self;
	if (policy) {
		argv[i++] = "--policy";
		argv[i++] = (char *)policy;
	}
	argv[i++] = "--output";
	argv[i++] = "json";
	argv[i++] = "--output-file";
	argv[i++] = (char *)outfile;
	argv[i] = NULL;
	unlink(outfile);
	unlink(errfile);
	*pid = bench_spawn(argv, errfile, false);
	if (*pid < 0)
		return *pid;
	err =
	    bench_wait_ready(*pid, errfile, AGENT_READY, 30, why, sizeof(why));
	if (err) {
		bench_fmt(b->conf_why[CONF_ON], sizeof(b->conf_why[CONF_ON]),
			  "agent %.240s", why);
		*pid = 0;
	}
	return err;
}

int bench_agent_count(const char *outfile, const char *type, long *events,
		      long *lost)
{
	FILE *f = fopen(outfile, "re");
	char want[64], *line = NULL;
	size_t cap = 0;

	*events = *lost = 0;
	if (!f)
		return -errno;
	bench_fmt(want, sizeof(want), "\"type\":\"%s\"", type ? type : "");
	while (getline(&line, &cap, f) > 0) {
		if (strstr(line, "\"type\":\"lost\"")) {
			const char *c = strstr(line, "\"count\":");

			*lost += c ? strtol(c + 8, NULL, 10) : 1;
			continue;
		}
		if (!type || strstr(line, want))
			(*events)++;
	}
	free(line);
	fclose(f);
	return 0;
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

/* Events naming a path no rule should match (b->quiet): a rule of the
 * policy matched a file the micro loops open as a non-matching one. */
static long quiet_events(const struct bench *b, const char *outfile)
{
	char want[BENCH_MAX_QUIET][540], *line = NULL;
	size_t cap = 0;
	long n = 0;
	FILE *f;
	int i;

	if (!b->nquiet || !(f = fopen(outfile, "re")))
		return 0;
	for (i = 0; i < b->nquiet; i++)
		bench_fmt(want[i], sizeof(want[i]), "\"path\":\"%s\"",
			  b->quiet[i]);
	while (getline(&line, &cap, f) > 0)
		for (i = 0; i < b->nquiet; i++)
			if (strstr(line, want[i])) {
				n++;
				break;
			}
	free(line);
	fclose(f);
	return n;
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

int bench_on_attach(struct bench *b, struct bench_conf_state *st)
{
	bench_fmt(st->out, sizeof(st->out), "%s/agent.jsonl", b->work);
	bench_fmt(st->err, sizeof(st->err), "%s/agent.err", b->work);
	return bench_agent_start(b, b->o.policy, st->out, st->err, &st->pid);
}

int bench_on_detach(struct bench *b, struct bench_conf_state *st,
		    struct bench_run *run)
{
	struct rusage ru = {};
	int err, status = 0;

	if (run) {
		run->has_agent = true;
		agent_progs(st->pid, run);
		run->agent_rss_kb = status_kb(st->pid, "VmHWM:");
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
		if (ru.ru_maxrss > run->agent_rss_kb)
			run->agent_rss_kb = ru.ru_maxrss;
		bench_agent_count(st->out, NULL, &run->events, &run->lost);
		run->quiet_events = quiet_events(b, st->out);
	}
	unlink(st->out);
	return err;
}
