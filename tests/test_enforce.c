// SPDX-License-Identifier: GPL-2.0
/*
 * Enforcement on this kernel, asserted on real outcomes: EPERM seen by the
 * process, SIGKILL seen by the parent, nothing read, nothing connected.
 * Every target lives in a fresh temp dir or on 127.0.0.0/8, and rules that
 * could hit other processes are scoped to the test's own files.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent_util.h"
#include "test.h"

struct fixture {
	char dir[64];
	char secret[128]; /* equal-denied file */
	char privdir[128]; /* prefix-denied dir */
	char privfile[160];
	char bindir[128]; /* prefix for exec kill */
	char forbidden[160]; /* equal-denied binary (copy of true) */
	char killme[160]; /* binary under bindir (copy of touch) */
	char policy[160];
};

static int copy_file(const char *from, const char *to)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "cp '%s' '%s' && chmod 0755 '%s'", from, to,
		 to);
	return system(cmd);
}

static int fixture_make(struct fixture *fx)
{
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/rtg-enf-XXXXXX");
	if (!mkdtemp(fx->dir))
		return -errno;
	snprintf(fx->secret, sizeof(fx->secret), "%s/secret", fx->dir);
	snprintf(fx->privdir, sizeof(fx->privdir), "%s/private", fx->dir);
	snprintf(fx->privfile, sizeof(fx->privfile), "%s/private/data",
		 fx->dir);
	snprintf(fx->bindir, sizeof(fx->bindir), "%s/bin", fx->dir);
	snprintf(fx->forbidden, sizeof(fx->forbidden), "%s/forbidden",
		 fx->dir);
	snprintf(fx->killme, sizeof(fx->killme), "%s/bin/touch", fx->dir);
	snprintf(fx->policy, sizeof(fx->policy), "%s/policy.yaml", fx->dir);
	mkdir(fx->privdir, 0755);
	mkdir(fx->bindir, 0755);
	if (put_file(fx->secret, "top secret\n") || put_file(fx->privfile, "private\n"))
		return -EIO;
	if (copy_file("/bin/true", fx->forbidden) ||
	    copy_file("/usr/bin/touch", fx->killme))
		return -EIO;
	return 0;
}

/* The policy under test: named after the fixture's paths. */
static int fixture_policy(struct fixture *fx, const char *extra_rules)
{
	char text[4096];

	snprintf(text, sizeof(text),
		 "name: enforce-test\n"
		 "defaults: { exec: allow, open: allow, connect: allow }\n"
		 "rules:\n"
		 "  - name: secret\n"
		 "    on: open\n"
		 "    match: { path: { equal: [%s] } }\n"
		 "    action: deny\n"
		 "  - name: private\n"
		 "    on: open\n"
		 "    match: { path: { prefix: [%s/] } }\n"
		 "    action: deny\n"
		 "  - name: forbidden\n"
		 "    on: exec\n"
		 "    match: { path: { equal: [%s] } }\n"
		 "    action: deny\n"
		 "  - name: killdir\n"
		 "    on: exec\n"
		 "    match: { path: { prefix: [%s/] } }\n"
		 "    action: kill\n"
		 "  - name: metadata\n"
		 "    on: connect\n"
		 "    match: { daddr: [127.0.0.2/32] }\n"
		 "    action: deny\n"
		 "%s",
		 fx->secret, fx->privdir, fx->forbidden, fx->bindir,
		 extra_rules ? extra_rules : "");
	return put_file(fx->policy, text);
}

/* Child opens path and copies what it reads to fd `out`; exits with errno
 * of a failed open. */
static pid_t child_read(const char *path, int out)
{
	pid_t pid = fork();

	if (pid == 0) {
		char buf[256];
		ssize_t n;
		int fd = open(path, O_RDONLY);

		if (fd < 0)
			_exit(errno);
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			if (write(out, buf, n) != n)
				_exit(100);
		_exit(0);
	}
	return pid;
}

static int exec_status(const char *path, char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		execv(path, argv);
		_exit(errno);
	}
	waitpid(pid, &status, 0);
	return status;
}

static int listen_any_loopback(int *port)
{
	struct sockaddr_in in = { .sin_family = AF_INET };
	socklen_t sl = sizeof(in);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	/* 127.0.0.1 and 127.0.0.2 both reach it: bind the loopback net */
	inet_pton(AF_INET, "127.0.0.2", &in.sin_addr);
	if (bind(s, (void *)&in, sizeof(in)) || listen(s, 64))
		return -1;
	getsockname(s, (void *)&in, &sl);
	*port = ntohs(in.sin_port);
	return s;
}

static int start(struct agent_run *a, struct fixture *fx, bool dry)
{
	if (dry)
		return agent_start(a, N("--policy", fx->policy, "--dry-run"));
	return agent_start(a, N("--policy", fx->policy));
}

TEST(enforce_open_equal_eperm)
{
	struct fixture fx;
	struct agent_run a;
	int p[2], status;
	char buf[64] = "", *ev;
	pid_t pid;

	TEST_NEED_ROOT();
	if (!ASSERT_OK(fixture_make(&fx), "fixture") ||
	    !ASSERT_OK(fixture_policy(&fx, NULL), "policy") ||
	    !ASSERT_OK(start(&a, &fx, false), "agent_start"))
		return;
	if (pipe(p))
		return;
	pid = child_read(fx.secret, p[1]);
	close(p[1]);
	waitpid(pid, &status, 0);
	ASSERT_TRUE(WIFEXITED(status), "child exits normally");
	ASSERT_EQ(WEXITSTATUS(status), EPERM, "open fails with EPERM");
	ASSERT_EQ(read(p[0], buf, sizeof(buf)), 0, "nothing read");
	ev = agent_wait_event(&a, 5000, N("\"type\":\"open\"",
					  "\"action\":\"deny\"",
					  "\"enforced\":true", "/secret\""));
	if (ASSERT_TRUE(ev, "deny event"))
		ASSERT_STRCONTAINS(ev, "\"rule\":\"secret\"", "rule named");
	free(ev);
	agent_stop(&a);
	/* after the agent: readable again */
	ASSERT_EQ(access(fx.secret, R_OK), 0, "readable after exit");
}

TEST(enforce_open_prefix_kill)
{
	struct fixture fx;
	struct agent_run a;
	int p[2], status;
	char buf[64] = "", *ev;
	pid_t pid;

	TEST_NEED_ROOT();
	if (!ASSERT_OK(fixture_make(&fx), "fixture") ||
	    !ASSERT_OK(fixture_policy(&fx, NULL), "policy") ||
	    !ASSERT_OK(start(&a, &fx, false), "agent_start"))
		return;
	if (pipe(p))
		return;
	pid = child_read(fx.privfile, p[1]);
	close(p[1]);
	waitpid(pid, &status, 0);
	ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		    "parent sees SIGKILL");
	ASSERT_EQ(read(p[0], buf, sizeof(buf)), 0, "never read a byte");
	ev = agent_wait_event(&a, 5000, N("\"type\":\"open\"",
					  "\"action\":\"kill\"",
					  "/private/data\""));
	if (ASSERT_TRUE(ev, "kill event"))
		ASSERT_STRCONTAINS(ev, "\"mechanism\":\"sigkill\"", "mechanism");
	free(ev);
	agent_stop(&a);
}

TEST(enforce_exec_deny_and_kill)
{
	struct fixture fx;
	struct agent_run a;
	char marker[200], *ev;
	int st;

	TEST_NEED_ROOT();
	if (!ASSERT_OK(fixture_make(&fx), "fixture") ||
	    !ASSERT_OK(fixture_policy(&fx, NULL), "policy") ||
	    !ASSERT_OK(start(&a, &fx, false), "agent_start"))
		return;
	st = exec_status(fx.forbidden, (char *const[]){ "forbidden", NULL });
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == EPERM,
		    "execve of an equal-denied binary fails with EPERM");
	ev = agent_wait_event(&a, 5000, N("\"type\":\"exec\"",
					  "\"action\":\"deny\"", "/forbidden\""));
	ASSERT_TRUE(ev, "exec deny event");
	free(ev);

	snprintf(marker, sizeof(marker), "%s/touched", fx.dir);
	st = exec_status(fx.killme, (char *const[]){ "touch", marker, NULL });
	ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
		    "exec under a kill prefix: SIGKILL");
	ASSERT_TRUE(access(marker, F_OK) != 0,
		    "the killed program never ran");
	ev = agent_wait_event(&a, 5000, N("\"type\":\"exec\"",
					  "\"action\":\"kill\"", "/bin/touch\""));
	ASSERT_TRUE(ev, "exec kill event");
	free(ev);
	agent_stop(&a);
	ASSERT_TRUE(json_lines_valid(a.out), "every line is JSON");
}

TEST(enforce_connect)
{
	struct fixture fx;
	struct agent_run a;
	char rule[256], *ev;
	int l, port;

	TEST_NEED_ROOT();
	l = listen_any_loopback(&port);
	if (!ASSERT_TRUE(l >= 0, "listener"))
		return;
	snprintf(rule, sizeof(rule),
		 "  - name: closed-port\n"
		 "    on: connect\n"
		 "    match: { daddr: [127.0.0.0/8], dport: [\"%d-%d\"], protocol: [udp] }\n"
		 "    action: deny\n",
		 port, port);
	if (!ASSERT_OK(fixture_make(&fx), "fixture") ||
	    !ASSERT_OK(fixture_policy(&fx, rule), "policy") ||
	    !ASSERT_OK(start(&a, &fx, false), "agent_start"))
		return;
	ASSERT_EQ(net_connect(AF_INET, "127.0.0.2", port, SOCK_STREAM), -EPERM,
		  "IPv4 TCP to a denied address");
	ASSERT_EQ(net_connect(AF_INET6, "::ffff:127.0.0.2", port, SOCK_STREAM),
		  -EPERM, "v4-mapped IPv6 to a denied address");
	ASSERT_EQ(net_connect(AF_INET, "127.0.0.2", port, SOCK_DGRAM), -EPERM,
		  "UDP connect to a denied address");
	ASSERT_EQ(net_connect(AF_INET, "127.0.0.1", port, SOCK_DGRAM), -EPERM,
		  "UDP to a denied port");
	ASSERT_EQ(net_connect(AF_INET, "127.0.0.1", port, SOCK_STREAM), -ECONNREFUSED,
		  "TCP to the neighbour address is not blocked (refused by the kernel)");
	ev = agent_wait_event(&a, 5000, N("\"type\":\"connect\"",
					  "\"action\":\"deny\"",
					  "\"daddr\":\"127.0.0.2\"",
					  "\"mechanism\":\"cgroup\""));
	ASSERT_TRUE(ev, "connect deny event");
	free(ev);
	agent_stop(&a);
	close(l);
}

TEST(enforce_dry_run)
{
	struct fixture fx;
	struct agent_run a;
	int p[2], status, st, l, port;
	char buf[64] = "", *ev;
	pid_t pid;

	TEST_NEED_ROOT();
	l = listen_any_loopback(&port);
	if (!ASSERT_OK(fixture_make(&fx), "fixture") ||
	    !ASSERT_OK(fixture_policy(&fx, NULL), "policy") ||
	    !ASSERT_OK(start(&a, &fx, true), "agent_start --dry-run"))
		return;
	if (pipe(p))
		return;
	pid = child_read(fx.secret, p[1]);
	close(p[1]);
	waitpid(pid, &status, 0);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "open allowed");
	ASSERT_GE(read(p[0], buf, sizeof(buf)), 1, "content read");
	status = exec_status(fx.forbidden, (char *const[]){ "forbidden", NULL });
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "denied binary runs");
	st = exec_status(fx.killme, (char *const[]){ "touch", "/dev/null", NULL });
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0, "kill binary runs");
	ASSERT_OK(net_connect(AF_INET, "127.0.0.2", port, SOCK_STREAM),
		  "connect allowed");
	ev = agent_wait_event(&a, 5000, N("\"type\":\"open\"",
					  "\"action\":\"deny\"",
					  "\"enforced\":false", "/secret\""));
	ASSERT_TRUE(ev, "would-be deny reported");
	free(ev);
	ev = agent_wait_event(&a, 5000, N("\"type\":\"connect\"",
					  "\"enforced\":false"));
	ASSERT_TRUE(ev, "would-be connect deny reported");
	free(ev);
	agent_stop(&a);
	ASSERT_EQ(agent_count_events(&a, N("\"enforced\":true")), 0,
		  "nothing enforced");
	close(l);
}

/* Allow-list for one uid: listed binaries run, anything else is killed. */
TEST(enforce_allowlist)
{
	struct fixture fx;
	struct agent_run a;
	char rules[512];
	int st;

	TEST_NEED_ROOT();
	snprintf(rules, sizeof(rules),
		 "  - name: listed\n"
		 "    on: exec\n"
		 "    match: { uid: [65533], path: { equal: [/usr/bin/true, /usr/bin/setpriv] } }\n"
		 "    action: allow\n"
		 "  - name: unlisted\n"
		 "    on: exec\n"
		 "    match: { uid: [65533] }\n"
		 "    action: kill\n");
	if (!ASSERT_OK(fixture_make(&fx), "fixture") ||
	    !ASSERT_OK(fixture_policy(&fx, rules), "policy") ||
	    !ASSERT_OK(start(&a, &fx, false), "agent_start"))
		return;
	st = exec_status("/usr/bin/setpriv",
			 (char *const[]){ "setpriv", "--reuid=65533",
					  "--regid=65533", "--clear-groups",
					  "/usr/bin/true", NULL });
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		    "listed binary runs");
	st = exec_status("/usr/bin/setpriv",
			 (char *const[]){ "setpriv", "--reuid=65533",
					  "--regid=65533", "--clear-groups",
					  "/usr/bin/id", NULL });
	ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
		    "unlisted binary killed");
	agent_stop(&a);
}

/* `unless: binary` exempts one program, for a process that predates the
 * agent (seeded from /proc) and for new ones. */
TEST(enforce_unless_binary)
{
	struct fixture fx;
	struct agent_run a;
	char self[256], rules[2048], go;
	int ctl[2], p[2], status;
	ssize_t n;
	pid_t old, pid;

	TEST_NEED_ROOT();
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = '\0';
	if (!ASSERT_OK(fixture_make(&fx), "fixture"))
		return;
	snprintf(rules, sizeof(rules),
		 "name: unless-test\n"
		 "rules:\n"
		 "  - name: secret\n"
		 "    on: open\n"
		 "    match: { path: { equal: [%s] } }\n"
		 "    unless: { binary: { equal: [%s] } }\n"
		 "    action: deny\n"
		 "  - name: private\n"
		 "    on: open\n"
		 "    match: { path: { prefix: [%s/] } }\n"
		 "    unless: { binary: { equal: [%s] } }\n"
		 "    action: deny\n",
		 fx.secret, self, fx.privdir, self);
	if (!ASSERT_OK(put_file(fx.policy, rules), "policy"))
		return;
	/* started before the agent, opens when told to */
	if (pipe(ctl) || pipe(p))
		return;
	old = fork();
	if (old == 0) {
		close(ctl[1]);
		if (read(ctl[0], &go, 1) != 1)
			_exit(99);
		if (open(fx.secret, O_RDONLY) < 0)
			_exit(1);
		if (open(fx.privfile, O_RDONLY) < 0)
			_exit(2);
		_exit(0);
	}
	close(ctl[0]);
	if (!ASSERT_OK(agent_start(&a, N("--policy", fx.policy)), "agent_start"))
		return;
	if (write(ctl[1], "g", 1) != 1)
		return;
	waitpid(old, &status, 0);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "exempt binary, started before the agent: both opens work");
	pid = child_read(fx.secret, p[1]);
	waitpid(pid, &status, 0);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "exempt binary, new process: open works");
	status = exec_status("/bin/cat", (char *const[]){ "cat", fx.secret, NULL });
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0,
		    "cat is not exempt: open of the equal path denied");
	status = exec_status("/bin/cat", (char *const[]){ "cat", fx.privfile, NULL });
	ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		    "cat is not exempt: prefix rule kills");
	agent_stop(&a);
}

/* Reloads every 10 ms while a child opens the denied file in a loop: not a
 * single open may succeed. */
TEST_T(enforce_reload_under_load, 120)
{
	struct fixture fx;
	struct agent_run a;
	int i, status, ok_opens;
	pid_t loader;
	int res[2];

	TEST_NEED_ROOT();
	if (!ASSERT_OK(fixture_make(&fx), "fixture") ||
	    !ASSERT_OK(fixture_policy(&fx, NULL), "policy") ||
	    !ASSERT_OK(start(&a, &fx, false), "agent_start"))
		return;
	if (pipe(res))
		return;
	loader = fork();
	if (loader == 0) {
		int n = 0, fd, k;

		for (k = 0; k < 3000; k++) {
			fd = open(fx.secret, O_RDONLY);
			if (fd >= 0) {
				n++;
				close(fd);
			}
		}
		if (write(res[1], &n, sizeof(n)) != sizeof(n))
			_exit(2);
		_exit(0);
	}
	for (i = 0; i < 200; i++) {
		kill(a.pid, SIGHUP);
		usleep(10000);
		if (waitpid(loader, &status, WNOHANG) == loader)
			break;
	}
	if (i == 200)
		waitpid(loader, &status, 0);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "loader finished (not killed)");
	ok_opens = -1;
	if (read(res[0], &ok_opens, sizeof(ok_opens)) != sizeof(ok_opens))
		ok_opens = -1;
	ASSERT_EQ(ok_opens, 0, "no denied open got through during reloads");
	ASSERT_EQ(agent_stop(&a), 0, "agent exit");
	{
		char *err = agent_stderr(&a);

		ASSERT_STRCONTAINS(err, "policies reloaded", "reloads happened");
		free(err);
	}
}

/* A broken policy on reload: rejected, the old rules stay. */
TEST(enforce_bad_reload_keeps_rules)
{
	struct fixture fx;
	struct agent_run a;
	int p[2], status;
	pid_t pid;
	char *err;

	TEST_NEED_ROOT();
	if (!ASSERT_OK(fixture_make(&fx), "fixture") ||
	    !ASSERT_OK(fixture_policy(&fx, NULL), "policy") ||
	    !ASSERT_OK(start(&a, &fx, false), "agent_start"))
		return;
	put_file(fx.policy, "name: broken\nrules:\n  - name: x\n    on: opne\n");
	kill(a.pid, SIGHUP);
	usleep(500000);
	if (pipe(p))
		return;
	pid = child_read(fx.secret, p[1]);
	waitpid(pid, &status, 0);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == EPERM,
		    "old rules still deny");
	agent_stop(&a);
	err = agent_stderr(&a);
	ASSERT_STRCONTAINS(err, "policy.yaml:4:", "error names file:line");
	ASSERT_STRCONTAINS(err, "reload rejected", "reload rejected");
	free(err);
}

/* `args` rules are finished in user space: the miner is killed by the
 * agent (pidfd) shortly after its exec, a look-alike without the args
 * runs to the end. */
TEST(enforce_args_kill)
{
	char dir[] = "/tmp/rtg-args-XXXXXX", bin[96], pol[96], text[512], *ev;
	struct agent_run a;
	int st;

	TEST_NEED_ROOT();
	mkdtemp(dir);
	snprintf(bin, sizeof(bin), "%s/xmrig", dir);
	snprintf(pol, sizeof(pol), "%s/p.yaml", dir);
	copy_file("/bin/dash", bin);
	snprintf(text, sizeof(text),
		 "name: miners\n"
		 "rules:\n"
		 "  - name: xmrig-pool\n"
		 "    on: exec\n"
		 "    match: { path: { prefix: [%s/] }, args: { contains: [stratum+tcp] } }\n"
		 "    action: kill\n",
		 dir);
	put_file(pol, text);
	if (!ASSERT_OK(agent_start(&a, N("--policy", pol)), "agent_start"))
		return;
	st = exec_status(bin, (char *const[]){ "xmrig", "-c", "exit 0", NULL });
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		    "without the pool argument it runs");
	st = exec_status(bin, (char *const[]){ "xmrig", "-c", "sleep 5; exit 0",
					       "stratum+tcp://pool:3333", NULL });
	ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
		    "with the pool argument it is killed");
	ev = agent_wait_event(&a, 5000, N("\"type\":\"exec\"", "\"action\":\"kill\"",
					  "stratum+tcp"));
	if (ASSERT_TRUE(ev, "kill event"))
		ASSERT_STRCONTAINS(ev, "\"rule\":\"xmrig-pool\"", "rule");
	free(ev);
	agent_stop(&a);
}
