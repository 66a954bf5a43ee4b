// SPDX-License-Identifier: GPL-2.0
/* Processes, ports and files for the bench. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <ftw.h>
#include <stdarg.h>

#include "bench.h"
#include "log.h"

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void child_exec(char *const argv[], int outfd, bool pgroup)
{
	int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (pgroup)
		setpgid(0, 0);
	if (nul >= 0)
		dup2(nul, 0);
	if (outfd >= 0) {
		dup2(outfd, 1);
		dup2(outfd, 2);
	}
	signal(SIGPIPE, SIG_DFL);
	execvp(argv[0], argv);
	_exit(127);
}

/* Runs argv to completion; stdout+stderr into out (NUL-terminated,
 * truncated). Returns the exit status (>= 0), 128 + signal, or -errno. */
int bench_run_cmd(char *const argv[], char *out, size_t outsz, int timeout_s)
{
	int fds[2], status = 0;
	size_t len = 0;
	double end = bench_now() + timeout_s;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -errno;
	}
	if (pid == 0)
		child_exec(argv, fds[1], false);
	close(fds[1]);
	for (;;) {
		struct pollfd p = {.fd = fds[0], .events = POLLIN};
		char tmp[4096];
		int left = (int)((end - bench_now()) * 1000);
		ssize_t r;

		if (left <= 0) {
			log_warn("%s: timed out after %d s", argv[0],
				 timeout_s);
			kill(pid, SIGKILL);
			break;
		}
		if (poll(&p, 1, left) <= 0)
			continue;
		r = read(fds[0], tmp, sizeof(tmp));
		if (r <= 0)
			break;
		if (out && len + 1 < outsz) {
			size_t n = (size_t)r < outsz - 1 - len
				       ? (size_t)r
				       : outsz - 1 - len;
			memcpy(out + len, tmp, n);
			len += n;
		}
	}
	close(fds[0]);
	if (out && outsz)
		out[len] = '\0';
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* Starts argv in the background, stdout+stderr appended to out_path
 * (or /dev/null). Returns the pid or -errno. */
pid_t bench_spawn(char *const argv[], const char *out_path, bool pgroup)
{
	int fd = open(out_path ? out_path : "/dev/null",
		      O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	pid_t pid;

	if (fd < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	if (pid == 0)
		child_exec(argv, fd, pgroup);
	close(fd);
	return pid;
}

/* Sends sig (to the group when pid was spawned with pgroup, the caller
 * passes -pid then) and waits up to timeout_s, then SIGKILL. */
int bench_stop(pid_t pid, int sig, int timeout_s, int *status,
	       struct rusage *ru)
{
	pid_t who = pid < 0 ? -pid : pid;
	double end = bench_now() + timeout_s;
	int st = 0;
	pid_t r;

	if (pid == 0)
		return 0;
	kill(pid, sig);
	for (;;) {
		r = wait4(who, &st, WNOHANG, ru);
		if (r == who)
			break;
		if (r < 0 && errno != EINTR)
			return -errno;
		if (bench_now() > end) {
			log_warn("pid %d did not stop in %d s: killing", who,
				 timeout_s);
			kill(pid, SIGKILL);
			end = bench_now() + 5;
			timeout_s = 5;
		}
		usleep(5000);
	}
	if (status)
		*status = st;
	return 0;
}

int bench_wait_port(int port, int timeout_ms)
{
	double end = bench_now() + timeout_ms / 1000.0;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	while (bench_now() < end) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int ok;

		if (fd < 0)
			return -errno;
		ok = !connect(fd, (struct sockaddr *)&a, sizeof(a));
		close(fd);
		if (ok)
			return 0;
		usleep(20000);
	}
	return -ETIMEDOUT;
}

/* A port free on 127.0.0.1: bind to 0, read it back, close. Ports from the
 * ephemeral range may be reused by the kernel later, so pick from a range
 * below it and check with bind. */
int bench_free_port(void)
{
	unsigned int seed = (unsigned int)(getpid() ^ (long)bench_now());
	int tries;

	for (tries = 0; tries < 200; tries++) {
		int port = 20000 + rand_r(&seed) % 12000;
		struct sockaddr_in a = {.sin_family = AF_INET,
					.sin_port = htons(port)};
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), ok;

		if (fd < 0)
			return -errno;
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		ok = !bind(fd, (struct sockaddr *)&a, sizeof(a));
		close(fd);
		if (ok)
			return port;
	}
	return -EADDRINUSE;
}

int bench_read_file(const char *path, char *buf, size_t sz)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	ssize_t r;

	if (fd < 0)
		return -errno;
	while (len + 1 < sz && (r = read(fd, buf + len, sz - 1 - len)) > 0)
		len += r;
	buf[len] = '\0';
	close(fd);
	return (int)len;
}

int bench_write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t off = 0;
	int err = 0;

	if (fd < 0)
		return -errno;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		off += w;
	}
	if (close(fd) && !err)
		err = -errno;
	return err;
}

int bench_mkdirs(const char *path)
{
	char tmp[512];
	char *p;

	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

static int rm_one(const char *path, const struct stat *sb, int flag,
		  struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

int bench_rm_rf(const char *path)
{
	if (!path || !*path || !strcmp(path, "/"))
		return -EINVAL;
	if (nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) &&
	    errno != ENOENT)
		return -errno;
	return 0;
}

bool bench_have(const char *prog)
{
	static const char *const dirs[] = {"/usr/sbin",	      "/usr/bin",
					   "/sbin",	      "/bin",
					   "/usr/local/sbin", "/usr/local/bin"};
	char p[256];
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dirs[i], prog);
		if (!access(p, X_OK))
			return true;
	}
	return false;
}

/* Copies tmpl to out replacing @KEY@ by value for kv = {KEY, value, ...,
 * NULL}. */
int bench_subst_file(const char *tmpl, const char *out, const char *const *kv)
{
	char *in = NULL, *res = NULL, *p;
	size_t cap = 131072, len = 0;
	int n, err;

	in = malloc(65536);
	res = malloc(cap);
	if (!in || !res) {
		err = -ENOMEM;
		goto cleanup;
	}
	n = bench_read_file(tmpl, in, 65536);
	if (n < 0) {
		err = n;
		goto cleanup;
	}
	for (p = in; *p;) {
		const char *const *k;
		bool hit = false;

		if (*p == '@') {
			for (k = kv; *k; k += 2) {
				size_t kl = strlen(k[0]), vl = strlen(k[1]);

				if (strncmp(p + 1, k[0], kl) ||
				    p[1 + kl] != '@')
					continue;
				if (len + vl + 1 >= cap)
					break;
				memcpy(res + len, k[1], vl);
				len += vl;
				p += kl + 2;
				hit = true;
				break;
			}
		}
		if (hit)
			continue;
		if (len + 2 >= cap)
			break;
		res[len++] = *p++;
	}
	err = bench_write_file(out, res, len);
cleanup:
	free(in);
	free(res);
	return err;
}

/* The cgroup2 mount point from /proc/self/mountinfo (not assumed to be
 * /sys/fs/cgroup). */
int bench_cgroup2_root(char *buf, size_t sz)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[1024];
	int err = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char mnt[512];
		const char *sep = strstr(line, " - ");

		if (!sep || strncmp(sep + 3, "cgroup2 ", 8))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %511s", mnt) != 1)
			continue;
		snprintf(buf, sz, "%s", mnt);
		err = 0;
		break;
	}
	fclose(f);
	return err;
}

/* snprintf for paths and messages that may be cut (never overflows). */
int bench_fmt(char *buf, size_t sz, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sz, fmt, ap);
	va_end(ap);
	return n;
}
