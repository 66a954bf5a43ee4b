// SPDX-License-Identifier: GPL-2.0
/* The load tests' fixture, storms, RSS sampler and tally (load_util.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "load_util.h"
#include "test.h"

extern char **environ;

#define RSS_LIMIT_KB  (200 * 1024)
#define RSS_GROWTH_KB (32 * 1024) /* allowed between 1/4 and the end */

int load_make(struct load *l)
{
	char text[2048];

	snprintf(l->dir, sizeof(l->dir), "/tmp/rtg-load-XXXXXX");
	if (!test_mkdtemp(l->dir))
		return -errno;
	snprintf(l->policy, sizeof(l->policy), "%s/policy.yaml", l->dir);
	snprintf(l->target, sizeof(l->target), "%s/open/target", l->dir);
	snprintf(l->binary, sizeof(l->binary), "%s/bin/true", l->dir);
	snprintf(text, sizeof(text), "%s/open", l->dir);
	mkdir(text, 0755);
	snprintf(text, sizeof(text), "%s/bin", l->dir);
	mkdir(text, 0755);
	snprintf(text, sizeof(text), "cp /bin/true %s", l->binary);
	if (put_file(l->target, "x\n") || system(text))
		return -EIO;
	l->port = 30000 + getpid() % 20000;
	snprintf(text, sizeof(text),
		 "name: load-test\n"
		 "defaults: { exec: allow, open: allow, connect: allow }\n"
		 "rules:\n"
		 "  - name: storm-exec\n"
		 "    on: exec\n"
		 "    match: { path: { equal: [%s] } }\n"
		 "    action: audit\n"
		 "  - name: storm-open\n"
		 "    on: open\n"
		 "    match: { path: { prefix: [%s/open/] } }\n"
		 "    action: audit\n"
		 "  - name: storm-connect\n"
		 "    on: connect\n"
		 "    match: { daddr: [127.0.0.3/32], dport: [%d] }\n"
		 "    action: audit\n",
		 l->binary, l->dir, l->port);
	return put_file(l->policy, text);
}

static long rss_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmRSS:", 6))
			kb = strtol(line + 6, NULL, 10);
	fclose(f);
	return kb;
}

bool alive(pid_t pid)
{
	return pid > 0 && kill(pid, 0) == 0 && waitpid(pid, NULL, WNOHANG) == 0;
}

struct tally_arg {
	const struct ev_field *m;
	struct tally *t;
};

static void tally_cb(const struct test_event *e, void *arg)
{
	struct tally_arg *ta = arg;
	const char *type = ev_str(e, "type"), *src;
	struct tally *t = ta->t;
	long long n;

	if (type && !strcmp(type, "lost")) {
		src = ev_str(e, "source");
		n = ev_int(e, "count");
		n = n > 0 ? n : 0;
		t->lost_lines++;
		if (src && !strcmp(src, "ringbuf:exec"))
			t->lost_exec += n;
		else if (src && !strcmp(src, "ringbuf:open"))
			t->lost_open += n;
		else if (src && !strcmp(src, "ringbuf:connect"))
			t->lost_connect += n;
		else
			t->lost_other += n;
		return;
	}
	if (ev_match(e->root, ta->m))
		t->events++;
}

void tally(const char *path, const struct ev_field *m, struct tally *t)
{
	struct tally_arg ta = {m, t};

	memset(t, 0, sizeof(*t));
	events_each(path, NULL, tally_cb, &ta);
}

void rss_sample(struct rss *r, pid_t pid, long done, long total)
{
	long kb = rss_kb(pid);

	if (kb < 0)
		return;
	if (!r->first)
		r->first = kb;
	if (!r->quarter && done >= total / 4)
		r->quarter = kb;
	if (kb > r->max)
		r->max = kb;
	r->last = kb;
}

void rss_check(const struct rss *r, const char *what)
{
	char m[128];

	if (test_verbose)
		fprintf(stderr,
			"%s: rss first %ld quarter %ld max %ld last %ld KiB\n",
			what, r->first, r->quarter, r->max, r->last);
	snprintf(m, sizeof(m), "%s: agent RSS stays under 200 MiB", what);
	ASSERT_TRUE(r->max > 0 && r->max < RSS_LIMIT_KB, m);
	snprintf(m, sizeof(m), "%s: agent RSS does not grow with the events",
		 what);
	ASSERT_TRUE(
	    r->last - (r->quarter ? r->quarter : r->first) < RSS_GROWTH_KB, m);
}

long open_storm(const char *target, long n, pid_t agent, struct rss *r)
{
	long i, ok = 0;
	int fd;

	for (i = 0; i < n; i++) {
		fd = open(target, O_RDONLY);
		if (fd >= 0) {
			ok++;
			close(fd);
		}
		if (r && !(i % 4096))
			rss_sample(r, agent, i, n);
	}
	return ok;
}

long connect_storm(int port, long n, pid_t agent, struct rss *r)
{
	struct sockaddr_in in = {.sin_family = AF_INET,
				 .sin_port = htons(port)};
	long i, ok = 0;
	int s;

	inet_pton(AF_INET, "127.0.0.3", &in.sin_addr);
	for (i = 0; i < n; i++) {
		s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (s >= 0 && !connect(s, (void *)&in, sizeof(in)))
			ok++;
		close(s);
		if (r && !(i % 4096))
			rss_sample(r, agent, i, n);
	}
	return ok;
}

long exec_storm(const char *bin, long n, pid_t agent, struct rss *r,
		time_t deadline, long *done)
{
	char *const argv[] = {"true", NULL};
	struct timespec now;
	long i, ok = 0;
	int status;
	pid_t pid;

	for (i = 0; i < n; i++) {
		if (deadline && !(i % 256)) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec >= deadline)
				break;
		}
		if (posix_spawn(&pid, bin, NULL, NULL, argv, environ))
			continue;
		if (waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		    !WEXITSTATUS(status))
			ok++;
		if (r && !(i % 1000))
			rss_sample(r, agent, i, n);
	}
	if (done)
		*done = i;
	return ok;
}

void final_counters_ok(struct agent_run *a, const char *what)
{
	char *err = agent_stderr(a), m[128];

	snprintf(m, sizeof(m), "%s: final counters say decode_errors=0", what);
	ASSERT_STRCONTAINS(err, "decode_errors=0", m);
	free(err);
}
