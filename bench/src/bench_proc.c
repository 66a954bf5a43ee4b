// SPDX-License-Identifier: GPL-2.0
/* Processes and ports for the bench. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

/* bench_run_cmd() that logs a failure with the command's output; returns
 * 0 or -EIO. */
int bench_run_logged(char *const argv[], char *out, size_t outsz, int timeout_s)
{
	int err = bench_run_cmd(argv, out, outsz, timeout_s);

	if (err)
		log_warn("%s exited with %d: %.300s", argv[0], err,
			 out ? out : "");
	return err ? -EIO : 0;
}

/* sh -c script with $0 = a0 and $1 = a1 (paths are never spliced into the
 * script); logs a failure, returns 0 or -EIO. */
int bench_sh(const char *script, const char *a0, const char *a1, int timeout_s)
{
	char *argv[] = {"sh",	    "-c",	(char *)script,
			(char *)a0, (char *)a1, NULL};
	char out[1024];

	return bench_run_logged(argv, out, sizeof(out), timeout_s);
}

/* Runs fn(arg, i, slot) in n forked children at once (i = 0 .. n-1) and
 * waits for all of them. Each child writes its result into its slot of
 * size bytes, in memory shared with the parent, copied to res[i]. Returns
 * 0 when every child returned 0. */
int bench_fork_n(int n, int (*fn)(void *arg, int i, void *res), void *arg,
		 void *res, size_t size)
{
	size_t len = (size_t)n * size;
	pid_t pids[64];
	int i, st, err = 0;
	char *shm;

	if (n < 1 || n > 64)
		return -EINVAL;
	shm = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shm == MAP_FAILED)
		return -errno;
	for (i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			_exit(fn(arg, i, shm + i * size) ? 1 : 0);
		if (pids[i] < 0)
			err = -errno;
	}
	for (i = 0; i < n; i++) {
		pid_t r;

		if (pids[i] <= 0)
			continue;
		while ((r = waitpid(pids[i], &st, 0)) < 0 && errno == EINTR)
			;
		if (r != pids[i] || !WIFEXITED(st) || WEXITSTATUS(st))
			err = err ?: -EIO;
	}
	if (!err)
		memcpy(res, shm, len);
	munmap(shm, len);
	return err;
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

/* Waits until the process pid wrote needle into file; fills why when it
 * exited or timed out first (then it is killed). */
int bench_wait_ready(pid_t pid, const char *file, const char *needle,
		     int timeout_s, char *why, size_t whysz)
{
	double end = bench_now() + timeout_s;
	int status;

	while (bench_now() < end) {
		if (bench_file_has(file, needle, NULL, 0))
			return 0;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			char last[256] = "";

			bench_file_has(file, needle, last, sizeof(last));
			bench_fmt(why, whysz, "exited with status %d: %s",
				  WIFEXITED(status) ? WEXITSTATUS(status)
						    : 128 + WTERMSIG(status),
				  last[0] ? last : "(no output)");
			return -ECHILD;
		}
		usleep(20000);
	}
	bench_fmt(why, whysz, "not ready after %d s (no '%s')", timeout_s,
		  needle);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -ETIMEDOUT;
}
