// SPDX-License-Identifier: GPL-2.0
/*
 * micro workload: the operations the agent hooks, in loops in one child
 * pinned to the last CPU (vCPU0 is much slower than the others on these
 * VMs): open(O_RDONLY)+close of a file no rule names, fork+execve+waitpid,
 * TCP connect+accept+close on loopback; ns per operation.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_work.h"

static const struct bench_metric_def metrics[] = {
    {"open+close", "ns/op", false},
    {"fork+exec+wait", "ns/op", false},
    {"connect+close", "ns/op", false},
    {},
};

static double micro_secs(const struct bench *b)
{
	return b->o.quick ? 0.3 : 3;
}

static double est_secs(const struct bench *b)
{
	return 3 * micro_secs(b) + 3;
}

static int prepare(struct bench *b, int wl, const char *dir)
{
	char path[700];
	int err;

	bench_fmt(path, sizeof(path), "%s/open-target", dir);
	err = bench_write_file(path, "x\n", 2);
	bench_fmt(b->wl_note[wl], sizeof(b->wl_note[wl]),
		  "loops pinned to CPU %d for %.1f s each: "
		  "open(O_RDONLY)+close of a file no rule names; "
		  "fork+execve(/bin/true)+waitpid; TCP connect+accept+"
		  "close on 127.0.0.1 (RST close, no TIME_WAIT)",
		  b->ncpu - 1, micro_secs(b));
	return err;
}

static double loop_open(const char *path, double secs)
{
	double t0 = bench_now(), t;
	long ops = 0;
	int i;

	do {
		for (i = 0; i < 256; i++) {
			int fd = open(path, O_RDONLY | O_CLOEXEC);

			if (fd < 0)
				return NAN;
			close(fd);
		}
		ops += 256;
		t = bench_now() - t0;
	} while (t < secs);
	return t * 1e9 / ops;
}

static double loop_exec(double secs)
{
	char *const argv[] = {"true", NULL};
	char *const envp[] = {NULL};
	double t0 = bench_now(), t;
	long ops = 0;

	do {
		int st;
		pid_t pid = fork();

		if (pid < 0)
			return NAN;
		if (pid == 0) {
			execve("/bin/true", argv, envp);
			_exit(127);
		}
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
		    WEXITSTATUS(st))
			return NAN;
		ops++;
		t = bench_now() - t0;
	} while (t < secs);
	return t * 1e9 / ops;
}

static double loop_connect(double secs)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	socklen_t alen = sizeof(a);
	double t0, t, res = NAN;
	long ops = 0;
	int lfd, i;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		return NAN;
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(lfd, (struct sockaddr *)&a, &alen) || listen(lfd, 128))
		goto cleanup;
	t0 = bench_now();
	do {
		for (i = 0; i < 16; i++) {
			int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
			int s;

			if (c < 0)
				goto cleanup;
			/* RST on close: no TIME_WAIT piles up */
			setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
			if (connect(c, (struct sockaddr *)&a, sizeof(a))) {
				close(c);
				goto cleanup;
			}
			s = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			close(c);
			if (s >= 0)
				close(s);
		}
		ops += 16;
		t = bench_now() - t0;
	} while (t < secs);
	res = t * 1e9 / ops;
cleanup:
	close(lfd);
	return res;
}

/* In the child: every loop, pinned to the last CPU. */
static int loops(void *arg, int i, void *res)
{
	struct bench *b = arg;
	double *v = res, secs = micro_secs(b);
	char path[700];
	cpu_set_t set;

	(void)i;
	CPU_ZERO(&set);
	CPU_SET(b->ncpu - 1, &set);
	sched_setaffinity(0, sizeof(set), &set);
	bench_fmt(path, sizeof(path), "%s/micro/open-target", b->work);
	v[0] = loop_open(path, secs);
	v[1] = loop_exec(secs);
	v[2] = loop_connect(secs);
	return 0;
}

static int measure(struct bench *b, struct bench_wl_state *st, double *vals)
{
	(void)st;
	return bench_fork_n(1, loops, b, vals, 3 * sizeof(double));
}

BENCH_WORKLOAD(micro);
