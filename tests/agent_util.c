// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent_util.h"
#include "test.h"

static char *slurp(const char *path)
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

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int agent_start(struct agent_run *a, const char *const *args)
{
	const char *argv[64];
	int n = 0, i;
	long t0;

	snprintf(a->dir, sizeof(a->dir), "/tmp/rtg-test-XXXXXX");
	if (!mkdtemp(a->dir))
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
		if (!strcmp(args[i], "--pin-dir") || !strcmp(args[i], "--no-pin"))
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
	t0 = now_ms();
	while (now_ms() - t0 < 20000) {
		char *e = slurp(a->err);
		int status;

		if (e && strstr(e, "rtguard: info: running")) {
			free(e);
			return 0;
		}
		if (waitpid(a->pid, &status, WNOHANG) == a->pid) {
			fprintf(stderr, "agent exited early (status %d):\n%s\n",
				status, e ? e : "");
			free(e);
			a->pid = 0;
			return -ECHILD;
		}
		free(e);
		usleep(20000);
	}
	return -ETIMEDOUT;
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

static bool has_all(const char *line, const char *const *needles)
{
	int i;

	for (i = 0; needles[i]; i++)
		if (!strstr(line, needles[i]))
			return false;
	return true;
}

static char *find_line(const char *path, const char *const *needles,
		       int *count)
{
	FILE *f = fopen(path, "re");
	char *line = NULL, *hit = NULL;
	size_t len = 0;

	if (count)
		*count = 0;
	if (!f)
		return NULL;
	while (getline(&line, &len, f) > 0) {
		if (!has_all(line, needles))
			continue;
		if (count)
			(*count)++;
		if (!hit)
			hit = strdup(line);
		if (!count)
			break;
	}
	free(line);
	fclose(f);
	return hit;
}

char *agent_wait_event(struct agent_run *a, int timeout_ms,
		       const char *const *needles)
{
	long t0 = now_ms();
	char *hit;

	do {
		hit = find_line(a->out, needles, NULL);
		if (hit)
			return hit;
		usleep(20000);
	} while (now_ms() - t0 < timeout_ms);
	return NULL;
}

int agent_count_events(struct agent_run *a, const char *const *needles)
{
	int n;

	free(find_line(a->out, needles, &n));
	return n;
}

char *agent_stderr(struct agent_run *a)
{
	return slurp(a->err);
}

int run_cmd(char *const *argv, char *out, size_t len)
{
	int p[2], status;
	pid_t pid;
	size_t got = 0;
	ssize_t n;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		close(p[0]);
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

bool json_lines_valid(const char *path)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd),
		 "python3 -c 'import json,sys\n"
		 "n=0\n"
		 "for l in open(sys.argv[1],\"rb\"):\n"
		 "  o=json.loads(l); assert isinstance(o,dict); n+=1\n"
		 "assert n>0' %s",
		 path);
	return system(cmd) == 0;
}

int put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -errno;
	fputs(text, f);
	return fclose(f) ? -errno : 0;
}

int net_connect(int family, const char *addr, int port, int type)
{
	struct sockaddr_storage ss = {};
	socklen_t sl;
	int s = socket(family, type | SOCK_CLOEXEC, 0), r;

	if (s < 0)
		return -errno;
	if (family == AF_INET) {
		struct sockaddr_in *in = (void *)&ss;

		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		inet_pton(AF_INET, addr, &in->sin_addr);
		sl = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (void *)&ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		inet_pton(AF_INET6, addr, &in6->sin6_addr);
		sl = sizeof(*in6);
	}
	r = connect(s, (void *)&ss, sl) ? -errno : 0;
	close(s);
	return r;
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
