// SPDX-License-Identifier: GPL-2.0
/*
 * The real agent against the real kernel: every test starts ./rtguard,
 * triggers exec/open/connect/exit itself and asserts on the JSON events it
 * gets (parsed, field by field), filtered to its own processes. The CLI and
 * the loss reports are in test_agent_cli.c.
 */
#include <errno.h>
#include <fcntl.h>
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

static const char *audit_all =
	"name: audit-all\n"
	"defaults: { exec: audit, open: audit, connect: audit }\n";

/* The event of `type` of process pid, waited for (15 s: an agent built
 * with ASan on a loaded 2-core machine once took over 5 s to deliver an
 * exit in CI's check-deep run). */
static struct test_event *wait_pid_event(struct agent_run *a, const char *type,
					 pid_t pid)
{
	return agent_wait_event(a, 15000,
				EV_WHERE(EV_STR("type", type),
					 EV_INT("process.pid", pid)));
}

/* ------------------------------------------------------------- exec/exit */

TEST(agent_exec_exit)
{
	char *const argv[] = { "/bin/sh", "-c", "exit 7", NULL };
	struct test_event *ev;
	struct agent_run a;
	pid_t pid;

	TEST_NEED_ROOT();
	if (!ASSERT_OK(agent_start(&a, NULL), "agent_start"))
		return;
	if (spawn_wait(argv, &pid) < 0)
		test_fail(__FILE__, __LINE__, "spawn");
	ev = wait_pid_event(&a, "exec", pid);
	if (ASSERT_TRUE(ev, "exec event of the child")) {
		ASSERT_STREQ(ev_str(ev, "process.binary"), "/usr/bin/dash",
			     "binary resolved in the kernel (/bin/sh)");
		ASSERT_TRUE(ev_is(ev, "process.args",
				  "[\"/bin/sh\",\"-c\",\"exit 7\"]"),
			    "args");
		ASSERT_TRUE(ev_str(ev, "process.exec_id"), "exec_id");
		ASSERT_TRUE(json_is_object(ev_get(ev->root, "parent")),
			    "parent");
		ASSERT_STREQ(ev_str(ev, "action"), "audit", "action");
	}
	test_event_free(ev);
	ev = wait_pid_event(&a, "exit", pid);
	if (ASSERT_TRUE(ev, "exit event of the child"))
		ASSERT_TRUE(ev_is(ev, "exit", "{\"code\":7,\"signal\":0}"),
			    "exit code");
	test_event_free(ev);
	ASSERT_EQ(agent_stop(&a), 0, "agent exits 0 on SIGTERM");
	ASSERT_TRUE(json_lines_valid(a.out), "every line is JSON");
}

TEST(agent_exit_signal)
{
	char *const argv[] = { "/bin/sleep", "30", NULL };
	struct test_event *ev;
	struct agent_run a;
	int status;
	pid_t pid;

	TEST_NEED_ROOT();
	if (!ASSERT_OK(agent_start(&a, NULL), "agent_start"))
		return;
	posix_spawn(&pid, argv[0], NULL, NULL, argv, environ);
	/* killed once its exec is reported, not while still a copy of us nor
	 * in the middle of the exec: a fatal signal there (past the new exe,
	 * before the ELF is mapped) makes the exec fail, and an exit is
	 * reported only for a process whose exec was */
	ev = wait_pid_event(&a, "exec", pid);
	ASSERT_TRUE(ev, "exec event of sleep");
	test_event_free(ev);
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	ev = wait_pid_event(&a, "exit", pid);
	if (ASSERT_TRUE(ev, "exit event"))
		ASSERT_EQ(ev_int(ev, "exit.signal"), 15, "terminating signal");
	test_event_free(ev);
	agent_stop(&a);
}

/* A process older than the agent is known by its binary when it exits. */
TEST(agent_seeded_process)
{
	char *const argv[] = { "/bin/sleep", "30", NULL };
	struct test_event *ev;
	struct agent_run a;
	int status;
	pid_t pid;

	TEST_NEED_ROOT();
	posix_spawn(&pid, argv[0], NULL, NULL, argv, environ);
	/* the agent seeds it from /proc: it must be sleep(1) by then */
	ASSERT_TRUE(wait_until(proc_exe_is(pid, "/usr/bin/sleep"), 5000),
		    "the child runs sleep");
	if (!ASSERT_OK(agent_start(&a, NULL), "agent_start"))
		return;
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	ev = wait_pid_event(&a, "exit", pid);
	if (ASSERT_TRUE(ev, "exit event of a seeded process")) {
		ASSERT_STREQ(ev_str(ev, "process.binary"), "/usr/bin/sleep",
			     "binary");
		ASSERT_EQ(ev_int(ev, "exit.signal"), 9, "signal");
	}
	test_event_free(ev);
	agent_stop(&a);
}

TEST(agent_script_exec)
{
	char dir[] = "/tmp/rtg-script-XXXXXX", path[128];
	struct test_event *ev;
	struct agent_run a;
	pid_t pid;

	TEST_NEED_ROOT();
	test_mkdtemp(dir);
	snprintf(path, sizeof(path), "%s/hello.sh", dir);
	put_file(path, "#!/bin/sh\nexit 0\n");
	chmod(path, 0755);
	if (!ASSERT_OK(agent_start(&a, NULL), "agent_start"))
		return;
	spawn_wait((char *const[]){ path, NULL }, &pid);
	ev = wait_pid_event(&a, "exec", pid);
	if (ASSERT_TRUE(ev, "exec of a script")) {
		ASSERT_STREQ(ev_str(ev, "process.binary"), "/usr/bin/dash",
			     "interpreter");
		ASSERT_STREQ(ev_str(ev, "exec.script"), path, "script");
	}
	test_event_free(ev);
	agent_stop(&a);
}

/* --------------------------------------------------------------- open */

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
	test_scratch(link);
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

static const struct {
	const char *name, *what;
	int (*fn)(void *);
} open_cases[] = {
	{ "relative", "relative ./shadow from /etc", open_relative },
	{ "dotdot", "../ from /usr/bin", open_dotdot },
	{ "symlink", "symlink in /tmp", open_symlink },
	{ "dirfd", "openat(dirfd of /etc)", open_dirfd },
	{ "proc_root", "/proc/self/root/etc/shadow", open_proc_root },
	{ "slashes", "//etc///./shadow", open_slashes },
	{ "openat2", "openat2", open_openat2 },
};

TEST(agent_open_paths)
{
	struct test_event *ev;
	struct agent_run a;
	int status;
	size_t i;
	pid_t pid;

	TEST_NEED_ROOT();
	/* the default policy audits opens of /etc/shadow */
	if (!ASSERT_OK(agent_start(&a, NULL), "agent_start"))
		return;
	for (i = 0; i < ARRAY_SIZE(open_cases); i++) {
		if (!test_subtest(open_cases[i].name))
			continue;
		pid = in_child(open_cases[i].fn, NULL, &status);
		if (!ASSERT_EQ(status, 0, open_cases[i].what))
			continue;
		ev = wait_pid_event(&a, "open", pid);
		if (ASSERT_TRUE(ev, open_cases[i].what))
			ASSERT_STREQ(ev_str(ev, "file.path"), "/etc/shadow",
				     open_cases[i].what);
		test_event_free(ev);
	}
	test_subtest_end();
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
	char dir[] = "/tmp/rtg-odd-XXXXXX", odd[256], pol[128], want[300];
	struct test_event *ev;
	struct agent_run a;
	int status, fd;
	pid_t pid;

	TEST_NEED_ROOT();
	test_mkdtemp(dir);
	snprintf(pol, sizeof(pol), "%s.yaml", dir);
	test_scratch(pol);
	if (!ASSERT_OK(put_file(pol, audit_all), "policy") ||
	    !ASSERT_OK(agent_start(&a, N("--policy", pol)), "agent_start"))
		return;
	pid = in_child(open_long, dir, &status);
	ASSERT_EQ(status, 0, "deep open");
	ev = agent_wait_event(&a, 5000,
			      EV_WHERE(EV_STR("type", "open"),
				       EV_INT("process.pid", pid),
				       EV_SUFFIX("file.path", "/d79/leaf")));
	/* 80 levels are within the walk (bpf/path.bpf.h RTG_WALK_MAX) */
	if (ASSERT_TRUE(ev, "event for a path 80 levels deep")) {
		ASSERT_EQ(ev_bool(ev, "file.truncated"), -1, "whole path");
		ASSERT_TRUE(!strncmp(ev_str(ev, "file.path"), dir, strlen(dir)),
			    "the path starts at the root");
	}
	test_event_free(ev);

	/* newline, quote, escape and an invalid UTF-8 byte in a file name;
	 * the escaping itself is checked on the line as written */
	snprintf(odd, sizeof(odd), "%s/a\nb\"c\x1b[31m\xff.txt", dir);
	fd = open(odd, O_RDONLY | O_CREAT, 0644);
	ASSERT_TRUE(fd >= 0, "create odd name");
	close(fd);
	snprintf(want, sizeof(want), "%s/a\nb\"c\x1b[31m\xef\xbf\xbd.txt", dir);
	ev = agent_wait_event(&a, 5000,
			      EV_WHERE(EV_STR("type", "open"),
				       EV_STR("file.path", want)));
	if (ASSERT_TRUE(ev, "odd file name in an event"))
		ASSERT_STRCONTAINS(ev->line, "a\\nb\\\"c\\u001b[31m\\ufffd.txt",
				   "odd file name escaped in JSON");
	test_event_free(ev);

	/* odd bytes in args */
	spawn_wait((char *const[]){ "/bin/echo", "x\ny", "q\"uote", "\xc3\x28",
				    NULL },
		   &pid);
	ev = wait_pid_event(&a, "exec", pid);
	if (ASSERT_TRUE(ev, "exec with odd args")) {
		ASSERT_TRUE(ev_is(ev, "process.args",
				  "[\"/bin/echo\",\"x\\ny\",\"q\\\"uote\","
				  "\"\\ufffd(\"]"),
			    "args intact");
		ASSERT_STRCONTAINS(ev->line,
				   "\"args\":[\"/bin/echo\",\"x\\ny\",\"q\\\"uote\",\"\\ufffd(\"]",
				   "args escaped");
	}
	test_event_free(ev);
	agent_stop(&a);
	ASSERT_TRUE(json_lines_valid(a.out), "every line is JSON");
}

/* ------------------------------------------------------------ connect */

/* The connect event of this process to dport (and daddr, if given). */
static const struct ev_field *connect_to(int dport, const char *daddr)
{
	static struct ev_field m[5];
	int n = 0;

	m[n++] = (struct ev_field)EV_STR("type", "connect");
	m[n++] = (struct ev_field)EV_INT("process.pid", getpid());
	m[n++] = (struct ev_field)EV_INT("connect.dport", dport);
	if (daddr)
		m[n++] = (struct ev_field)EV_STR("connect.daddr", daddr);
	m[n] = (struct ev_field){};
	return m;
}

TEST(agent_connect)
{
	struct test_event *ev;
	struct agent_run a;
	int l4, l6, p4 = 0, p6 = 0;

	TEST_NEED_ROOT();
	l4 = net_listen(AF_INET, SOCK_STREAM, "127.0.0.1", &p4);
	l6 = net_listen(AF_INET6, SOCK_STREAM, "::1", &p6);
	if (!ASSERT_TRUE(l4 >= 0 && l6 >= 0, "listeners"))
		return;
	if (!ASSERT_OK(agent_start(&a, NULL), "agent_start"))
		return;
	ASSERT_OK(net_connect(AF_INET, "127.0.0.1", p4, SOCK_STREAM), "tcp4");
	ev = agent_wait_event(&a, 5000, connect_to(p4, NULL));
	if (ASSERT_TRUE(ev, "IPv4 TCP connect")) {
		ASSERT_STREQ(ev_str(ev, "connect.family"), "inet", "family");
		ASSERT_STREQ(ev_str(ev, "connect.protocol"), "tcp", "protocol");
		ASSERT_STREQ(ev_str(ev, "connect.daddr"), "127.0.0.1", "daddr");
	}
	test_event_free(ev);

	ASSERT_OK(net_connect(AF_INET6, "::1", p6, SOCK_STREAM), "tcp6");
	ev = agent_wait_event(&a, 5000, connect_to(p6, "::1"));
	if (ASSERT_TRUE(ev, "IPv6 TCP connect"))
		ASSERT_STREQ(ev_str(ev, "connect.family"), "inet6", "family");
	test_event_free(ev);

	/* v4-mapped IPv6 is reported (and matched) as IPv4 */
	ASSERT_OK(net_connect(AF_INET6, "::ffff:127.0.0.1", p4, SOCK_STREAM),
		  "v4-mapped");
	ASSERT_GE(agent_count_events(&a, connect_to(p4, "127.0.0.1")), 1,
		  "first v4 connect seen");
	wait_until(agent_count_events(&a, connect_to(p4, "127.0.0.1")) >= 2,
		   5000);
	ASSERT_EQ(agent_count_events(
			  &a, EV_WHERE(EV_STR("type", "connect"),
				       EV_INT("connect.dport", p4),
				       EV_STR("connect.daddr", "127.0.0.1"),
				       EV_STR("connect.family", "inet"))),
		  2, "v4-mapped connect reported as inet 127.0.0.1");

	/* UDP connect */
	ASSERT_OK(net_connect(AF_INET, "127.0.0.1", 9, SOCK_DGRAM), "udp");
	ev = agent_wait_event(&a, 5000,
			      EV_WHERE(EV_STR("type", "connect"),
				       EV_STR("connect.protocol", "udp"),
				       EV_INT("connect.dport", 9)));
	ASSERT_TRUE(ev, "UDP connect");
	test_event_free(ev);
	agent_stop(&a);
	close(l4);
	close(l6);
	ASSERT_TRUE(json_lines_valid(a.out), "every line is JSON");
}
