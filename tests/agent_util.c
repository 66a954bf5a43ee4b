// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent_util.h"
#include "test.h"

extern char **environ;

char *file_read(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0;

	if (!f)
		return NULL;
	if (getdelim(&buf, &len, '\0', f) < 0) {
		free(buf);
		buf = strdup("");
	}
	fclose(f);
	return buf;
}

bool file_contains(const char *path, const char *text)
{
	char *s = file_read(path);
	bool ok = s && strstr(s, text);

	free(s);
	return ok;
}

long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void wait_tick(void)
{
	struct timespec ts = {.tv_nsec = 10 * 1000 * 1000};

	nanosleep(&ts, NULL);
}

pid_t fork_sleeper(void)
{
	pid_t p = fork();

	if (p == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		pause();
		_exit(0);
	}
	return p;
}

int wait_child(pid_t pid, int timeout_ms)
{
	int st = -1;
	bool done;

	done = wait_until(waitpid(pid, &st, WNOHANG) == pid, timeout_ms);
	return done ? st : -1;
}

int agent_spawn(struct agent_run *a, const char *const *args)
{
	const char *argv[64];
	int n = 0, i;

	snprintf(a->dir, sizeof(a->dir), "/tmp/rtg-test-XXXXXX");
	if (!test_mkdtemp(a->dir))
		return -errno;
	snprintf(a->out, sizeof(a->out), "%s/events.json", a->dir);
	snprintf(a->err, sizeof(a->err), "%s/stderr", a->dir);
	argv[n++] = test_rtguard_bin();
	argv[n++] = "--output";
	argv[n++] = "json";
	argv[n++] = "--output-file";
	argv[n++] = a->out;
	for (i = 0; args && args[i] && n < 60; i++)
		argv[n++] = args[i];
	/* each test its own pins: tests may run beside another agent */
	for (i = 0; args && args[i]; i++)
		if (!strcmp(args[i], "--pin-dir") ||
		    !strcmp(args[i], "--no-pin"))
			break;
	if (!args || !args[i]) {
		static char pin[64];

		snprintf(pin, sizeof(pin), "/sys/fs/bpf/rtg-test-%d", getpid());
		argv[n++] = "--pin-dir";
		argv[n++] = pin;
	}
	argv[n] = NULL;
	a->pid = fork();
	if (a->pid < 0)
		return -errno;
	if (a->pid == 0) {
		int fd = open(a->err, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		dup2(fd, 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	return 0;
}

/* the agent said it runs, or it exited (*gone) */
static bool running_or_gone(struct agent_run *a, bool *gone)
{
	char *e = file_read(a->err);
	bool up = e && strstr(e, "rtguard: info: running");
	int status;

	if (!up && waitpid(a->pid, &status, WNOHANG) == a->pid) {
		fprintf(stderr, "agent exited early (status %d):\n%s\n", status,
			e ? e : "");
		a->pid = 0;
		*gone = true;
	}
	free(e);
	return up || *gone;
}

int agent_wait_running(struct agent_run *a, int timeout_ms)
{
	bool gone = false;

	if (!wait_until(running_or_gone(a, &gone), timeout_ms))
		return -ETIMEDOUT;
	return gone ? -ECHILD : 0;
}

int agent_start(struct agent_run *a, const char *const *args)
{
	int err = agent_spawn(a, args);

	return err ?: agent_wait_running(a, 20000);
}

int agent_stop(struct agent_run *a)
{
	int status;

	if (a->pid <= 0)
		return -1;
	kill(a->pid, SIGTERM);
	if (waitpid(a->pid, &status, 0) != a->pid)
		return -1;
	a->pid = 0;
	return status;
}

char *agent_stderr(struct agent_run *a)
{
	return file_read(a->err);
}

static int count_str(const char *s, const char *needle)
{
	int n = 0;

	while (s && (s = strstr(s, needle))) {
		n++;
		s++;
	}
	return n;
}

static bool stderr_has(struct agent_run *a, const char *needle, int n)
{
	char *e = agent_stderr(a);
	bool ok = count_str(e, needle) >= n;

	free(e);
	return ok;
}

bool agent_wait_stderr(struct agent_run *a, const char *needle, int n,
		       int timeout_ms)
{
	return wait_until(stderr_has(a, needle, n), timeout_ms);
}

int run_cmd(char *const *argv, char *out, size_t len)
{
	int p[2], status;
	pid_t pid;
	size_t got = 0;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid == 0) {
		/* only 1 and 2 are the pipe: a daemon the command leaves
		 * behind (podman's conmon) closes those, and we see EOF */
		dup2(p[1], 1);
		dup2(p[1], 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	while (out && got + 1 < len &&
	       (n = read(p[0], out + got, len - 1 - got)) > 0)
		got += n;
	if (out)
		out[got] = '\0';
	close(p[0]);
	waitpid(pid, &status, 0);
	return status;
}

int put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -errno;
	fputs(text, f);
	return fclose(f) ? -errno : 0;
}

int put_marker_policy(const char *ppath, const char *name, const char *marker)
{
	char yaml[512];
	int err = put_file(marker, "x");

	if (err)
		return err;
	snprintf(yaml, sizeof(yaml),
		 "name: %s\n"
		 "defaults: { exec: audit, open: allow, connect: allow }\n"
		 "rules:\n"
		 "  - name: marker\n"
		 "    on: open\n"
		 "    match: { path: { equal: [%s] } }\n"
		 "    action: audit\n",
		 name, marker);
	return put_file(ppath, yaml);
}

int copy_exec(const char *from, const char *to)
{
	char *const argv[] = {"cp", (char *)from, (char *)to, NULL};
	int st = run_cmd(argv, NULL, 0);

	if (!WIFEXITED(st) || WEXITSTATUS(st) || chmod(to, 0755))
		return -EIO;
	return 0;
}

int spawn_wait(char *const *argv, pid_t *pid)
{
	pid_t p;
	int st;

	if (posix_spawn(&p, argv[0], NULL, NULL, argv, environ))
		return -1;
	if (pid)
		*pid = p;
	if (waitpid(p, &st, 0) != p)
		return -1;
	return st;
}

bool proc_exe_is(pid_t pid, const char *exe)
{
	char path[64], buf[4096];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = readlink(path, buf, sizeof(buf) - 1);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return !strcmp(buf, exe);
}

int sock_addr(int family, const char *addr, int port,
	      struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *in = (void *)ss;

		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		inet_pton(AF_INET, addr, &in->sin_addr);
		return sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (void *)ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		inet_pton(AF_INET6, addr, &in6->sin6_addr);
		return sizeof(*in6);
	}
}

int net_connect(int family, const char *addr, int port, int type)
{
	struct sockaddr_storage ss;
	socklen_t sl = sock_addr(family, addr, port, &ss);
	int s = socket(family, type | SOCK_CLOEXEC, 0), r;

	if (s < 0)
		return -errno;
	r = connect(s, (void *)&ss, sl) ? -errno : 0;
	close(s);
	return r;
}

int net_listen(int family, int type, const char *addr, int *port)
{
	struct sockaddr_storage ss;
	socklen_t sl = sock_addr(family, addr, *port, &ss);
	int s = socket(family, type | SOCK_CLOEXEC, 0), one = 1;

	if (s < 0)
		return -1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, (void *)&ss, sl) ||
	    (type == SOCK_STREAM && listen(s, 4096)) ||
	    getsockname(s, (void *)&ss, &sl)) {
		close(s);
		return -1;
	}
	*port =
	    ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
				    : ((struct sockaddr_in6 *)&ss)->sin6_port);
	return s;
}

/* Feeds text to python3 on stdin; every line must parse as JSON (strict
 * UTF-8) and `expr` (with o = the last line's value) must be true. Returns
 * python's exit status, or -1 when python3 cannot run (test skipped). */
int py_check(const char *text, const char *expr)
{
	static const char script[] =
	    "import json,sys\n"
	    "data=sys.stdin.buffer.read().decode('utf-8')\n"
	    "lines=data.split('\\n')\n"
	    "assert lines[-1]=='', 'no final newline'\n"
	    "o=None\n"
	    "for l in lines[:-1]: o=json.loads(l)\n"
	    "sys.exit(0 if eval(sys.argv[1]) else 3)\n";
	int in[2], status;
	size_t len = strlen(text);
	pid_t pid;

	if (pipe(in))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		dup2(in[0], 0);
		close(in[0]);
		close(in[1]);
		execlp("python3", "python3", "-c", script, expr, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	if (write(in[1], text, len) != (ssize_t)len)
		status = -1;
	close(in[1]);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	if (WEXITSTATUS(status) == 127)
		test_skip("python3 not available");
	return WEXITSTATUS(status);
}

/* A port nobody listens on right now. */
int free_port(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && !bind(fd, (struct sockaddr *)&sa, sizeof(sa)) &&
	    !getsockname(fd, (struct sockaddr *)&sa, &len))
		port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

/* GET path over HTTP/1.0; returns the status code and the body (malloc'd)
 * in *body, or -errno. */
int http_get(int port, const char *path, char **body)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons(port)};
	char req[256], *buf = NULL, *p;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd, code = -EIO;

	*body = NULL;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		code = -errno;
		close(fd);
		return code;
	}
	snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n",
		 path);
	if (write(fd, req, strlen(req)) < 0)
		goto out;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n <= 0)
			break;
		len += n;
	}
	if (!buf)
		goto out;
	buf[len] = '\0';
	if (sscanf(buf, "HTTP/1.%*d %d", &code) != 1)
		goto out;
	p = strstr(buf, "\r\n\r\n");
	*body = strdup(p ? p + 4 : "");
out:
	free(buf);
	close(fd);
	return code;
}

int open_errno_in_child(const char *path)
{
	pid_t pid = fork();
	int st, fd;

	if (!pid) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		_exit(fd >= 0 ? 0 : errno);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}
