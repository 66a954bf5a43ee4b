// SPDX-License-Identifier: GPL-2.0
/*
 * micro workload: the operations the agent hooks, in loops in one child
 * pinned to the last CPU (vCPU0 is much slower than the others on these
 * VMs); ns per operation:
 *   open(O_RDONLY)+close of a file under /etc/, one under /usr/lib/ and one
 *   under /tmp/, each its own row: files no rule of the default policy
 *   matches, though /etc/ and /usr/lib/ are prefixes of its write rules;
 *   fork+execve(/bin/true)+waitpid;
 *   TCP connect+accept+close on 127.0.0.1.
 * Under `on`, the agent's events that name one of the three files are
 * counted (b->quiet): a rule that matches one makes its row no longer a
 * non-matching open, and the report says so.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_work.h"

#define NOPEN 3 /* the open targets: b->quiet[0 .. NOPEN) */

static const struct bench_metric_def metrics[] = {
    {"open+close /etc/", "ns/op", false},
    {"open+close /usr/lib/", "ns/op", false},
    {"open+close /tmp/", "ns/op", false},
    {"fork+exec+wait", "ns/op", false},
    {"connect+close", "ns/op", false},
    {},
};

/* Files that exist on Debian and that no default rule reads as a match;
 * the first of a list that is a plain readable file (not a link: the
 * agent sees the path the kernel resolved) is used, else the first such
 * file of the directory. */
static const char *const etc_files[] = {"/etc/hostname", "/etc/debian_version",
					"/etc/host.conf", "/etc/issue", NULL};
static const char *const usr_lib_files[] = {"/usr/lib/os-release", NULL};

static double micro_secs(const struct bench *b)
{
	return b->o.quick ? 0.3 : 3;
}

static double est_secs(const struct bench *b)
{
	return (NOPEN + 2) * micro_secs(b) + 3;
}

static bool plain_file(const char *path)
{
	struct stat st;

	return !lstat(path, &st) && S_ISREG(st.st_mode) && !access(path, R_OK);
}

static int pick(const char *const *list, const char *dir, char *out, size_t sz)
{
	struct dirent *de;
	DIR *d;

	for (; *list; list++) {
		if (plain_file(*list)) {
			bench_fmt(out, sz, "%s", *list);
			return 0;
		}
	}
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		bench_fmt(out, sz, "%s/%s", dir, de->d_name);
		if (de->d_name[0] != '.' && plain_file(out)) {
			closedir(d);
			return 0;
		}
	}
	closedir(d);
	out[0] = '\0';
	return -ENOENT;
}

static int prepare(struct bench *b, int wl, const char *dir)
{
	int err;

	/* the /tmp/ one is ours: the scratch directory is under /tmp/ */
	bench_fmt(b->quiet[2], sizeof(b->quiet[2]), "%s/open-target", dir);
	err = bench_write_file(b->quiet[2], "x\n", 2);
	if (err)
		return err;
	if (pick(etc_files, "/etc", b->quiet[0], sizeof(b->quiet[0])) ||
	    pick(usr_lib_files, "/usr/lib", b->quiet[1], sizeof(b->quiet[1]))) {
		bench_fmt(b->wl_why[wl], sizeof(b->wl_why[wl]),
			  "no plain readable file under /etc or /usr/lib");
		return -ENOENT;
	}
	b->nquiet = NOPEN;
	bench_fmt(b->wl_note[wl], sizeof(b->wl_note[wl]),
		  "loops pinned to CPU %d for %.1f s each: "
		  "open(O_RDONLY)+close of %s, of %s and of %s (files no "
		  "default rule matches; rows open+close /etc/, /usr/lib/, "
		  "/tmp/); fork+execve(/bin/true)+waitpid; TCP "
		  "connect+accept+close on 127.0.0.1 (RST close, no "
		  "TIME_WAIT)",
		  b->ncpu - 1, micro_secs(b), b->quiet[0], b->quiet[1],
		  b->quiet[2]);
	return 0;
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
	cpu_set_t set;
	int k;

	(void)i;
	CPU_ZERO(&set);
	CPU_SET(b->ncpu - 1, &set);
	sched_setaffinity(0, sizeof(set), &set);
	for (k = 0; k < NOPEN; k++)
		v[k] = loop_open(b->quiet[k], secs);
	v[NOPEN] = loop_exec(secs);
	v[NOPEN + 1] = loop_connect(secs);
	return 0;
}

static int measure(struct bench *b, struct bench_wl_state *st,
		   struct bench_run *run, double *vals)
{
	(void)run;
	(void)st;
	return bench_fork_n(1, loops, b, vals, (NOPEN + 2) * sizeof(double));
}

BENCH_WORKLOAD(micro);
