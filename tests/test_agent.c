// SPDX-License-Identifier: GPL-2.0
/*
 * The real agent against the real kernel: every test starts ./rtguard,
 * triggers exec/open/connect/exit itself and asserts on the JSON events it
 * gets, filtered to its own processes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent_util.h"
#include "test.h"

extern char **environ;

/* Forks a child that runs fn(arg) and exits with its return value; waits
 * and returns the child's pid (its status in *status). */
static pid_t in_child(int (*fn)(void *), void *arg, int *status)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(fn(arg));
	waitpid(pid, status, 0);
	return pid;
}

static int start_with_policy(struct agent_run *a, const char *yaml,
			     const char *const *extra)
{
	char path[160];
	const char *args[16];
	int n = 0, i;
	static char dir[64];

	snprintf(dir, sizeof(dir), "/tmp/rtg-pol-XXXXXX");
	if (!mkdtemp(dir))
		return -errno;
	snprintf(path, sizeof(path), "%s/test.yaml", dir);
	if (put_file(path, yaml))
		return -EIO;
	args[n++] = "--policy";
	args[n++] = strdup(path);
	for (i = 0; extra && extra[i] && n < 15; i++)
		args[n++] = extra[i];
	args[n] = NULL;
	return agent_start(a, args);
}

static const char *audit_all =
	"name: audit-all\n"
	"defaults: { exec: audit, open: audit, connect: audit }\n";

static char pidneedle[64];
static const char *pid_needle(pid_t pid)
{
	snprintf(pidneedle, sizeof(pidneedle), "\"pid\":%d,", pid);
	return pidneedle;
}

/* ------------------------------------------------------------- exec/exit */

TEST(agent_exec_exit)
{
	struct agent_run a;
	char *ev, pn[64];
	int status;
	pid_t pid;
	char *const argv[] = { "/bin/sh", "-c", "exit 7", NULL };

	TEST_NEED_ROOT();
	if (!ASSERT_OK(agent_start(&a, NULL), "agent_start"))
		return;
	if (posix_spawn(&pid, argv[0], NULL, NULL, argv, environ))
		test_fail(__FILE__, __LINE__, "spawn");
	waitpid(pid, &status, 0);
	snprintf(pn, sizeof(pn), "\"pid\":%d,", pid);
	ev = agent_wait_event(&a, 5000, N("\"type\":\"exec\"", pn));
	if (ASSERT_TRUE(ev, "exec event of the child")) {
		ASSERT_STRCONTAINS(ev, "\"binary\":\"/usr/bin/dash\"",
				   "binary resolved in the kernel (/bin/sh)");
		ASSERT_STRCONTAINS(ev, "\"args\":[\"/bin/sh\",\"-c\",\"exit 7\"]",
				   "args");
		ASSERT_STRCONTAINS(ev, "\"exec_id\":\"", "exec_id");
		ASSERT_STRCONTAINS(ev, "\"parent\":{", "parent");
		ASSERT_STRCONTAINS(ev, "\"action\":\"audit\"", "action");
	}
	free(ev);
	ev = agent_wait_event(&a, 5000, N("\"type\":\"exit\"", pn));
	if (ASSERT_TRUE(ev, "exit event of the child"))
		ASSERT_STRCONTAINS(ev, "\"exit\":{\"code\":7,\"signal\":0}",
				   "exit code");
	free(ev);
	ASSERT_EQ(agent_stop(&a), 0, "agent exits 0 on SIGTERM");
	ASSERT_TRUE(json_lines_valid(a.out), "every line is JSON");
}

TEST(agent_exit_signal)
{
	struct agent_run a;
	char *ev;
	int status;
	pid_t pid;
	char *const argv[] = { "/bin/sleep", "30", NULL };

	TEST_NEED_ROOT();
	if (!ASSERT_OK(agent_start(&a, NULL), "agent_start"))
		return;
	posix_spawn(&pid, argv[0], NULL, NULL, argv, environ);
	usleep(200000);
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	ev = agent_wait_event(&a, 5000, N("\"type\":\"exit\"", pid_needle(pid)));
	if (ASSERT_TRUE(ev, "exit event"))
		ASSERT_STRCONTAINS(ev, "\"signal\":15", "terminating signal");
	free(ev);
	agent_stop(&a);
}

/* A process older than the agent is known by its binary when it exits. */
TEST(agent_seeded_process)
{
	struct agent_run a;
	char *ev;
	int status;
	pid_t pid;
	char *const argv[] = { "/bin/sleep", "30", NULL };

	TEST_NEED_ROOT();
	posix_spawn(&pid, argv[0], NULL, NULL, argv, environ);
	usleep(100000);
	if (!ASSERT_OK(agent_start(&a, NULL), "agent_start"))
		return;
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	ev = agent_wait_event(&a, 5000, N("\"type\":\"exit\"", pid_needle(pid)));
	if (ASSERT_TRUE(ev, "exit event of a seeded process")) {
		ASSERT_STRCONTAINS(ev, "\"binary\":\"/usr/bin/sleep\"", "binary");
		ASSERT_STRCONTAINS(ev, "\"signal\":9", "signal");
	}
	free(ev);
	agent_stop(&a);
}

TEST(agent_script_exec)
{
	struct agent_run a;
	char *ev, dir[] = "/tmp/rtg-script-XXXXXX", path[128];
	int status;
	pid_t pid;

	TEST_NEED_ROOT();
	mkdtemp(dir);
	snprintf(path, sizeof(path), "%s/hello.sh", dir);
	put_file(path, "#!/bin/sh\nexit 0\n");
	chmod(path, 0755);
	if (!ASSERT_OK(agent_start(&a, NULL), "agent_start"))
		return;
	{
		char *const argv[] = { path, NULL };

		posix_spawn(&pid, path, NULL, NULL, argv, environ);
		waitpid(pid, &status, 0);
	}
	ev = agent_wait_event(&a, 5000, N("\"type\":\"exec\"", pid_needle(pid)));
	if (ASSERT_TRUE(ev, "exec of a script")) {
		ASSERT_STRCONTAINS(ev, "\"binary\":\"/usr/bin/dash\"",
				   "interpreter");
		ASSERT_STRCONTAINS(ev, "hello.sh\"", "script");
		ASSERT_STRCONTAINS(ev, "\"script\":", "script field");
	}
	free(ev);
	agent_stop(&a);
}

/* --------------------------------------------------------------- open */

struct open_case {
	const char *name;
	int (*fn)(void *);
};

static int open_relative(void *arg)
{
	(void)arg;
	if (chdir("/etc"))
		return 1;
	return open("./shadow", O_RDONLY) < 0;
}

static int open_dotdot(void *arg)
{
	(void)arg;
	if (chdir("/usr/bin"))
		return 1;
	return open("../../etc/../etc/shadow", O_RDONLY) < 0;
}

static int open_symlink(void *arg)
{
	char link[64];

	(void)arg;
	snprintf(link, sizeof(link), "/tmp/rtg-shadow-link-%d", getpid());
	unlink(link);
	if (symlink("/etc/shadow", link))
		return 1;
	return open(link, O_RDONLY) < 0;
}

static int open_dirfd(void *arg)
{
	int d = open("/etc", O_RDONLY | O_DIRECTORY);

	(void)arg;
	return openat(d, "shadow", O_RDONLY) < 0;
}

static int open_proc_root(void *arg)
{
	(void)arg;
	return open("/proc/self/root/etc/shadow", O_RDONLY) < 0;
}

static int open_slashes(void *arg)
{
	(void)arg;
	return open("//etc///./shadow", O_RDONLY) < 0;
}

static int open_openat2(void *arg)
{
	struct {
		unsigned long long flags, mode, resolve;
	} how = { O_RDONLY, 0, 0 };

	(void)arg;
	return syscall(SYS_openat2, AT_FDCWD, "/etc/shadow", &how,
		       sizeof(how)) < 0;
}

TEST(agent_open_paths)
{
	static const struct open_case cases[] = {
		{ "relative ./shadow from /etc", open_relative },
		{ "../ from /usr/bin", open_dotdot },
		{ "symlink in /tmp", open_symlink },
		{ "openat(dirfd of /etc)", open_dirfd },
		{ "/proc/self/root/etc/shadow", open_proc_root },
		{ "//etc///./shadow", open_slashes },
		{ "openat2", open_openat2 },
	};
	struct agent_run a;
	size_t i;

	TEST_NEED_ROOT();
	/* the default policy audits opens of /etc/shadow */
	if (!ASSERT_OK(agent_start(&a, NULL), "agent_start"))
		return;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int status;
		pid_t pid = in_child(cases[i].fn, NULL, &status);
		char *ev;

		if (!ASSERT_EQ(status, 0, cases[i].name))
			continue;
		ev = agent_wait_event(&a, 5000,
				      N("\"type\":\"open\"", pid_needle(pid)));
		if (ASSERT_TRUE(ev, cases[i].name))
			ASSERT_STRCONTAINS(ev, "\"path\":\"/etc/shadow\"",
					   cases[i].name);
		free(ev);
	}
	agent_stop(&a);
	ASSERT_TRUE(json_lines_valid(a.out), "every line is JSON");
}

/* Bind mounts and a deeper-than-the-walk path. */
static int open_long(void *arg)
{
	const char *base = arg;
	char path[8192];
	int i, n, fd;

	n = snprintf(path, sizeof(path), "%s", base);
	for (i = 0; i < 80; i++) {
		n += snprintf(path + n, sizeof(path) - n, "/d%02d", i);
		mkdir(path, 0755);
	}
	snprintf(path + n, sizeof(path) - n, "/leaf");
	fd = open(path, O_RDONLY | O_CREAT, 0644);
	return fd < 0;
}

TEST(agent_open_long_and_odd)
{
	struct agent_run a;
	char dir[] = "/tmp/rtg-odd-XXXXXX", odd[256], *ev;
	int status, fd;
	pid_t pid;

	TEST_NEED_ROOT();
	mkdtemp(dir);
	if (!ASSERT_OK(start_with_policy(&a, audit_all, NULL), "agent_start"))
		return;
	pid = in_child(open_long, dir, &status);
	ASSERT_EQ(status, 0, "deep open");
	ev = agent_wait_event(&a, 5000, N("\"type\":\"open\"", pid_needle(pid),
					  "/d79/leaf\""));
	if (ASSERT_TRUE(ev, "event for a path deeper than the walk limit"))
		ASSERT_STRCONTAINS(ev, "\"truncated\":true", "truncated marker");
	free(ev);

	/* newline, quote, escape and an invalid UTF-8 byte in a file name */
	snprintf(odd, sizeof(odd), "%s/a\nb\"c\x1b[31m\xff.txt", dir);
	fd = open(odd, O_RDONLY | O_CREAT, 0644);
	ASSERT_TRUE(fd >= 0, "create odd name");
	close(fd);
	ev = agent_wait_event(&a, 5000,
			      N("\"type\":\"open\"", "a\\nb\\\"c\\u001b[31m\\ufffd.txt"));
	ASSERT_TRUE(ev, "odd file name escaped in JSON");
	free(ev);

	/* odd bytes in args */
	{
		char *const argv[] = { "/bin/echo", "x\ny", "q\"uote",
				       "\xc3\x28", NULL };

		posix_spawn(&pid, argv[0], NULL, NULL, argv, environ);
		waitpid(pid, &status, 0);
	}
	ev = agent_wait_event(&a, 5000, N("\"type\":\"exec\"", pid_needle(pid)));
	if (ASSERT_TRUE(ev, "exec with odd args"))
		ASSERT_STRCONTAINS(ev, "\"args\":[\"/bin/echo\",\"x\\ny\",\"q\\\"uote\",\"\\ufffd(\"]",
				   "args escaped");
	free(ev);
	agent_stop(&a);
	ASSERT_TRUE(json_lines_valid(a.out), "every line is JSON");
}

/* ------------------------------------------------------------ connect */

static int listen_on(int family, const char *addr, int *port)
{
	struct sockaddr_storage ss = {};
	socklen_t sl;
	int s = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (family == AF_INET) {
		struct sockaddr_in *in = (void *)&ss;

		in->sin_family = AF_INET;
		inet_pton(AF_INET, addr, &in->sin_addr);
		sl = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (void *)&ss;

		in6->sin6_family = AF_INET6;
		inet_pton(AF_INET6, addr, &in6->sin6_addr);
		sl = sizeof(*in6);
	}
	if (bind(s, (void *)&ss, sl) || listen(s, 16))
		return -1;
	getsockname(s, (void *)&ss, &sl);
	*port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
					  ((struct sockaddr_in6 *)&ss)->sin6_port);
	return s;
}

TEST(agent_connect)
{
	struct agent_run a;
	char *ev, pn[32];
	int l4, l6, p4, p6;

	TEST_NEED_ROOT();
	l4 = listen_on(AF_INET, "127.0.0.1", &p4);
	l6 = listen_on(AF_INET6, "::1", &p6);
	if (!ASSERT_TRUE(l4 >= 0 && l6 >= 0, "listeners"))
		return;
	if (!ASSERT_OK(agent_start(&a, NULL), "agent_start"))
		return;
	ASSERT_OK(net_connect(AF_INET, "127.0.0.1", p4, SOCK_STREAM), "tcp4");
	snprintf(pn, sizeof(pn), "\"dport\":%d", p4);
	ev = agent_wait_event(&a, 5000, N("\"type\":\"connect\"",
					  pid_needle(getpid()), pn));
	if (ASSERT_TRUE(ev, "IPv4 TCP connect")) {
		ASSERT_STRCONTAINS(ev, "\"family\":\"inet\"", "family");
		ASSERT_STRCONTAINS(ev, "\"protocol\":\"tcp\"", "protocol");
		ASSERT_STRCONTAINS(ev, "\"daddr\":\"127.0.0.1\"", "daddr");
	}
	free(ev);

	ASSERT_OK(net_connect(AF_INET6, "::1", p6, SOCK_STREAM), "tcp6");
	snprintf(pn, sizeof(pn), "\"dport\":%d", p6);
	ev = agent_wait_event(&a, 5000, N("\"type\":\"connect\"",
					  "\"daddr\":\"::1\"", pn));
	if (ASSERT_TRUE(ev, "IPv6 TCP connect"))
		ASSERT_STRCONTAINS(ev, "\"family\":\"inet6\"", "family");
	free(ev);

	/* v4-mapped IPv6 is reported (and matched) as IPv4 */
	ASSERT_OK(net_connect(AF_INET6, "::ffff:127.0.0.1", p4, SOCK_STREAM),
		  "v4-mapped");
	snprintf(pn, sizeof(pn), "\"dport\":%d", p4);
	ASSERT_GE(agent_count_events(&a, N("\"type\":\"connect\"",
					   "\"daddr\":\"127.0.0.1\"", pn)),
		  1, "first v4 connect seen");
	usleep(300000);
	ASSERT_EQ(agent_count_events(&a, N("\"type\":\"connect\"",
					   "\"family\":\"inet\"",
					   "\"daddr\":\"127.0.0.1\"", pn)),
		  2, "v4-mapped connect reported as inet 127.0.0.1");

	/* UDP connect */
	ASSERT_OK(net_connect(AF_INET, "127.0.0.1", 9, SOCK_DGRAM), "udp");
	ev = agent_wait_event(&a, 5000, N("\"type\":\"connect\"",
					  "\"protocol\":\"udp\"",
					  "\"dport\":9"));
	ASSERT_TRUE(ev, "UDP connect");
	free(ev);
	agent_stop(&a);
	close(l4);
	close(l6);
	ASSERT_TRUE(json_lines_valid(a.out), "every line is JSON");
}

/* ------------------------------------------------------------- bursts */

static int exec_burst(int n, const char *marker)
{
	char *const argv[] = { "/bin/true", (char *)marker, NULL };
	int i, status;
	pid_t pid;

	for (i = 0; i < n; i++) {
		if (posix_spawn(&pid, argv[0], NULL, NULL, argv, environ))
			return -1;
		waitpid(pid, &status, 0);
	}
	return 0;
}

static long lost_count(const char *path, const char *source)
{
	FILE *f = fopen(path, "re");
	char *line = NULL, *p;
	size_t len = 0;
	long total = 0;

	if (!f)
		return 0;
	while (getline(&line, &len, f) > 0) {
		if (!strstr(line, "\"type\":\"lost\"") || !strstr(line, source))
			continue;
		p = strstr(line, "\"count\":");
		if (p)
			total += strtol(p + 8, NULL, 10);
	}
	free(line);
	fclose(f);
	return total;
}

TEST_T(agent_exec_burst_10000, 240)
{
	const int n = 10000;
	struct agent_run a;
	int seen;
	long lost;

	TEST_NEED_ROOT();
	if (!ASSERT_OK(agent_start(&a, NULL), "agent_start"))
		return;
	ASSERT_OK(exec_burst(n, "rtg-burst-marker"), "burst");
	sleep(1);
	ASSERT_EQ(agent_stop(&a), 0, "agent exit");
	seen = 0;
	{
		FILE *f = fopen(a.out, "re");
		char *line = NULL;
		size_t len = 0;

		while (f && getline(&line, &len, f) > 0)
			if (strstr(line, "\"type\":\"exec\"") &&
			    strstr(line, "\"rtg-burst-marker\""))
				seen++;
		free(line);
		if (f)
			fclose(f);
	}
	lost = lost_count(a.out, "ringbuf:exec");
	if (test_verbose)
		printf("burst: %d seen, %ld lost\n", seen, lost);
	ASSERT_TRUE(seen <= n, "no duplicates");
	ASSERT_TRUE(seen + lost >= n, "events + reported losses cover every exec");
	ASSERT_TRUE(lost == 0 || seen + lost <= n + 50,
		    "losses are not over-reported");
}

/* A ring buffer of one page cannot hold a burst: the losses must show. */
TEST_T(agent_losses_reported, 120)
{
	struct agent_run a;
	long lost;
	int seen;

	TEST_NEED_ROOT();
	if (!ASSERT_OK(start_with_policy(&a, audit_all,
					 N("--ringbuf-kb", "4")),
		       "agent_start"))
		return;
	/* stall the consumer so the tiny buffer fills */
	kill(a.pid, SIGSTOP);
	ASSERT_OK(exec_burst(200, "rtg-loss-marker"), "burst");
	kill(a.pid, SIGCONT);
	sleep(2);
	ASSERT_EQ(agent_stop(&a), 0, "agent exit");
	lost = lost_count(a.out, "ringbuf:");
	seen = 0;
	{
		FILE *f = fopen(a.out, "re");
		char *line = NULL;
		size_t len = 0;

		while (f && getline(&line, &len, f) > 0)
			if (strstr(line, "\"rtg-loss-marker\"") &&
			    strstr(line, "\"type\":\"exec\""))
				seen++;
		free(line);
		if (f)
			fclose(f);
	}
	ASSERT_TRUE(lost > 0, "lost events reported");
	ASSERT_TRUE(seen < 200, "the buffer really overflowed");
	ASSERT_TRUE(json_lines_valid(a.out), "every line is JSON");
}

/* ----------------------------------------------------------- CLI */

TEST(agent_compact_output)
{
	char out[8192];
	int status;
	pid_t pid;
	int p[2];

	TEST_NEED_ROOT();
	if (pipe(p))
		return;
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		execl(test_rtguard_bin(), test_rtguard_bin(), "--output",
		      "compact", NULL);
		_exit(127);
	}
	close(p[1]);
	{
		size_t got = 0;
		ssize_t n;
		int opened = 0, i;

		/* read until attached, open, then read the rest */
		for (i = 0; i < 400 && got + 1 < sizeof(out); i++) {
			struct pollfd pf = { .fd = p[0], .events = POLLIN };

			if (poll(&pf, 1, 50) > 0) {
				n = read(p[0], out + got, sizeof(out) - 1 - got);
				if (n <= 0)
					break;
				got += n;
				out[got] = '\0';
			}
			if (!opened && strstr(out, "rtguard: info: running")) {
				close(open("/etc/shadow", O_RDONLY));
				opened = i;
			}
			if (opened && i == opened + 10)
				kill(pid, SIGINT);
		}
		out[got] = '\0';
	}
	waitpid(pid, &status, 0);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "exit 0 on SIGINT");
	ASSERT_STRCONTAINS(out, "/etc/shadow", "compact line names the file");
	ASSERT_STRCONTAINS(out, "AUDIT", "compact action");
}

TEST(agent_bad_flags)
{
	char out[1024];
	int st;

	st = run_cmd((char *const[]){ (char *)test_rtguard_bin(), "--output",
				      "xml", NULL },
		     out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 1, "exit 1");
	ASSERT_STRCONTAINS(out, "--output", "names the flag");
}

TEST(agent_not_root)
{
	char out[1024];
	int st;

	TEST_NEED_ROOT();
	st = run_cmd((char *const[]){ "setpriv", "--reuid=65534",
				      "--regid=65534", "--clear-groups",
				      (char *)test_rtguard_bin(), NULL },
		     out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 2, "exit 2");
	ASSERT_STRCONTAINS(out, "root", "one-line reason");
}
