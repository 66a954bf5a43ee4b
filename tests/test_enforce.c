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
#include "bypass_util.h"
#include "test.h"

struct enf {
	char dir[64];
	char secret[128]; /* equal-denied file */
	char privdir[128]; /* prefix-denied dir */
	char privfile[160];
	char bindir[128]; /* prefix for exec kill */
	char forbidden[160]; /* equal-denied binary (copy of true) */
	char killme[160]; /* binary under bindir (copy of touch) */
	char policy[160];
};

static int enf_make(struct enf *fx)
{
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/rtg-enf-XXXXXX");
	if (!test_mkdtemp(fx->dir))
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
	if (copy_exec("/bin/true", fx->forbidden) ||
	    copy_exec("/usr/bin/touch", fx->killme))
		return -EIO;
	return 0;
}

/* The policy under test: named after the fixture's paths. */
static int enf_policy(struct enf *fx, const char *extra_rules)
{
	char text[4096];

	snprintf(text, sizeof(text),
		 "name: enforce-test\n"
		 "defaults: { exec: allow, open: allow, connect: allow }\n"
		 "rules:\n" OPEN_DENY_RULES
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

/* The fixture, its policy (with extra_rules) and the agent on it. */
static int enf_start(struct agent_run *a, struct enf *fx,
		     const char *extra_rules, bool dry)
{
	int err = enf_make(fx) ?: enf_policy(fx, extra_rules);

	if (err)
		return err;
	if (dry)
		return agent_start(a, N("--policy", fx->policy, "--dry-run"));
	return agent_start(a, N("--policy", fx->policy));
}

/* 127.0.0.1 and 127.0.0.2 both reach it: bind the loopback net */
static int listen_loopback(int *port)
{
	*port = 0;
	return net_listen(AF_INET, SOCK_STREAM, "127.0.0.2", port);
}

/* The open of path in a child: its outcome (status, what it read). */
static void open_attempt(const char *path, struct outcome *o)
{
	attempt(op_open, &(struct target){ .a = path }, o);
}

/* The agent on the fixture, and the open of one of its files in a child. */
struct open_run {
	struct agent_run a;
	struct enf fx;
	struct outcome o;
	struct test_event *ev;
};

/* Starts the agent, opens the fixture's secret (or privfile) in a child
 * (its outcome in r->o) and waits for the agent's event m (r->ev, NULL if
 * none within 5 s). false if the agent did not start. */
static bool open_run(struct open_run *r, bool privfile,
		     const struct ev_field *m)
{
	if (!ASSERT_OK(enf_start(&r->a, &r->fx, NULL, false), "agent_start"))
		return false;
	open_attempt(privfile ? r->fx.privfile : r->fx.secret, &r->o);
	r->ev = agent_wait_event(&r->a, 5000, m);
	return true;
}

TEST(enforce_open_equal_eperm)
{
	struct open_run r;

	TEST_NEED_ROOT();
	if (!open_run(&r, false,
		      EV_WHERE(EV_STR("type", "open"), EV_STR("action", "deny"),
			       EV_BOOL("enforced", true),
			       EV_SUFFIX("file.path", "/secret"))))
		return;
	ASSERT_TRUE(WIFEXITED(r.o.status), "child exits normally");
	ASSERT_EQ(WEXITSTATUS(r.o.status), EPERM, "open fails with EPERM");
	ASSERT_EQ(r.o.n, 0, "nothing read");
	if (ASSERT_TRUE(r.ev, "deny event"))
		ASSERT_STREQ(ev_str(r.ev, "rule"), "secret", "rule named");
	test_event_free(r.ev);
	agent_stop(&r.a);
	/* after the agent: readable again */
	ASSERT_EQ(access(r.fx.secret, R_OK), 0, "readable after exit");
}

TEST(enforce_open_prefix_kill)
{
	struct open_run r;

	TEST_NEED_ROOT();
	if (!open_run(&r, true,
		      EV_WHERE(EV_STR("type", "open"), EV_STR("action", "kill"),
			       EV_SUFFIX("file.path", "/private/data"))))
		return;
	ASSERT_TRUE(WIFSIGNALED(r.o.status) && WTERMSIG(r.o.status) == SIGKILL,
		    "parent sees SIGKILL");
	ASSERT_EQ(r.o.n, 0, "never read a byte");
	if (ASSERT_TRUE(r.ev, "kill event"))
		ASSERT_STREQ(ev_str(r.ev, "mechanism"), "sigkill", "mechanism");
	test_event_free(r.ev);
	agent_stop(&r.a);
}

/* The agent reports an exec of a binary ending in suffix, with action. */
static void expect_exec_event(struct agent_run *a, const char *action,
			      const char *suffix, const char *what)
{
	struct test_event *ev = agent_wait_event(
	    a, 5000,
	    EV_WHERE(EV_STR("type", "exec"), EV_STR("action", action),
		     EV_SUFFIX("process.binary", suffix)));

	ASSERT_TRUE(ev, what);
	test_event_free(ev);
}

TEST(enforce_exec_deny_and_kill)
{
	struct agent_run a;
	char marker[200];
	struct enf fx;
	int st;

	TEST_NEED_ROOT();
	if (!ASSERT_OK(enf_start(&a, &fx, NULL, false), "agent_start"))
		return;
	st = exec_status(fx.forbidden, (char *const[]){ "forbidden", NULL });
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == EPERM,
		    "execve of an equal-denied binary fails with EPERM");
	expect_exec_event(&a, "deny", "/forbidden", "exec deny event");

	snprintf(marker, sizeof(marker), "%s/touched", fx.dir);
	st = exec_status(fx.killme, (char *const[]){ "touch", marker, NULL });
	ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
		    "exec under a kill prefix: SIGKILL");
	ASSERT_TRUE(access(marker, F_OK) != 0,
		    "the killed program never ran");
	expect_exec_event(&a, "kill", "/bin/touch", "exec kill event");
	agent_stop(&a);
	ASSERT_TRUE(json_lines_valid(a.out), "every line is JSON");
}

static const struct {
	const char *name, *what;
	int family;
	const char *addr;
	int type;
	int want;
} connect_cases[] = {
	{ "tcp4_addr", "IPv4 TCP to a denied address", AF_INET, "127.0.0.2",
	  SOCK_STREAM, -EPERM },
	{ "v4mapped_addr", "v4-mapped IPv6 to a denied address", AF_INET6,
	  "::ffff:127.0.0.2", SOCK_STREAM, -EPERM },
	{ "udp_addr", "UDP connect to a denied address", AF_INET, "127.0.0.2",
	  SOCK_DGRAM, -EPERM },
	{ "udp_port", "UDP to a denied port", AF_INET, "127.0.0.1", SOCK_DGRAM,
	  -EPERM },
	{ "tcp_neighbour",
	  "TCP to the neighbour address is not blocked (refused by the kernel)",
	  AF_INET, "127.0.0.1", SOCK_STREAM, -ECONNREFUSED },
};

TEST(enforce_connect)
{
	struct test_event *ev;
	struct agent_run a;
	struct enf fx;
	char rule[256];
	int l, port;
	size_t i;

	TEST_NEED_ROOT();
	l = listen_loopback(&port);
	if (!ASSERT_TRUE(l >= 0, "listener"))
		return;
	snprintf(rule, sizeof(rule),
		 "  - name: closed-port\n"
		 "    on: connect\n"
		 "    match: { daddr: [127.0.0.0/8], dport: [\"%d-%d\"], protocol: [udp] }\n"
		 "    action: deny\n",
		 port, port);
	if (!ASSERT_OK(enf_start(&a, &fx, rule, false), "agent_start"))
		return;
	for (i = 0; i < ARRAY_SIZE(connect_cases); i++)
		if (test_subtest(connect_cases[i].name))
			ASSERT_EQ(net_connect(connect_cases[i].family,
					      connect_cases[i].addr, port,
					      connect_cases[i].type),
				  connect_cases[i].want, connect_cases[i].what);
	if (test_subtest("deny_event")) {
		/* a deny of its own: the subtest stands alone */
		ASSERT_EQ(net_connect(AF_INET, "127.0.0.2", port, SOCK_STREAM),
			  -EPERM, "IPv4 TCP to a denied address");
		ev = agent_wait_event(&a, 5000,
				      EV_WHERE(EV_STR("type", "connect"),
					       EV_STR("action", "deny"),
					       EV_STR("connect.daddr",
						      "127.0.0.2"),
					       EV_STR("mechanism", "cgroup")));
		ASSERT_TRUE(ev, "connect deny event");
		test_event_free(ev);
	}
	test_subtest_end();
	agent_stop(&a);
	close(l);
}

TEST(enforce_dry_run)
{
	struct test_event *ev;
	int status, st, l, port;
	struct agent_run a;
	struct outcome o;
	struct enf fx;

	TEST_NEED_ROOT();
	l = listen_loopback(&port);
	if (!ASSERT_OK(enf_start(&a, &fx, NULL, true), "agent_start --dry-run"))
		return;
	open_attempt(fx.secret, &o);
	ASSERT_TRUE(WIFEXITED(o.status) && WEXITSTATUS(o.status) == 0,
		    "open allowed");
	ASSERT_GE(o.n, 1, "content read");
	status = exec_status(fx.forbidden, (char *const[]){ "forbidden", NULL });
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "denied binary runs");
	st = exec_status(fx.killme, (char *const[]){ "touch", "/dev/null", NULL });
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0, "kill binary runs");
	ASSERT_OK(net_connect(AF_INET, "127.0.0.2", port, SOCK_STREAM),
		  "connect allowed");
	ev = agent_wait_event(&a, 5000,
			      EV_WHERE(EV_STR("type", "open"),
				       EV_STR("action", "deny"),
				       EV_BOOL("enforced", false),
				       EV_SUFFIX("file.path", "/secret")));
	ASSERT_TRUE(ev, "would-be deny reported");
	test_event_free(ev);
	ev = agent_wait_event(&a, 5000,
			      EV_WHERE(EV_STR("type", "connect"),
				       EV_BOOL("enforced", false)));
	ASSERT_TRUE(ev, "would-be connect deny reported");
	test_event_free(ev);
	agent_stop(&a);
	ASSERT_EQ(agent_count_events(&a, EV_WHERE(EV_BOOL("enforced", true))),
		  0, "nothing enforced");
	close(l);
}

/* Allow-list for one uid: listed binaries run, anything else is killed. */
TEST(enforce_allowlist)
{
	struct agent_run a;
	struct enf fx;
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
	if (!ASSERT_OK(enf_start(&a, &fx, rules, false), "agent_start"))
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
	char self[256], rules[2048], go;
	struct agent_run a;
	struct outcome o;
	int ctl[2], status;
	struct enf fx;
	ssize_t n;
	pid_t old;

	TEST_NEED_ROOT();
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = '\0';
	if (!ASSERT_OK(enf_make(&fx), "fixture"))
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
	if (pipe(ctl))
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
	open_attempt(fx.secret, &o);
	ASSERT_TRUE(WIFEXITED(o.status) && WEXITSTATUS(o.status) == 0,
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
	int i, status, ok_opens;
	struct agent_run a;
	struct enf fx;
	pid_t loader;
	int res[2];
	char *err;

	TEST_NEED_ROOT();
	if (!ASSERT_OK(enf_start(&a, &fx, NULL, false), "agent_start"))
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
		/* the pace of the reloads under test: one per 10 ms, for as
		 * long as the loader runs (not a wait for a condition) */
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
	err = agent_stderr(&a);
	ASSERT_STRCONTAINS(err, "policies reloaded", "reloads happened");
	free(err);
}

/* A broken policy on reload: rejected, the old rules stay. */
TEST(enforce_bad_reload_keeps_rules)
{
	struct agent_run a;
	struct outcome o;
	struct enf fx;
	char *err;

	TEST_NEED_ROOT();
	if (!ASSERT_OK(enf_start(&a, &fx, NULL, false), "agent_start"))
		return;
	put_file(fx.policy, "name: broken\nrules:\n  - name: x\n    on: opne\n");
	kill(a.pid, SIGHUP);
	ASSERT_TRUE(agent_wait_stderr(&a, "reload rejected", 1, 5000),
		    "the reload was handled");
	open_attempt(fx.secret, &o);
	ASSERT_TRUE(WIFEXITED(o.status) && WEXITSTATUS(o.status) == EPERM,
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
	char dir[] = "/tmp/rtg-args-XXXXXX", bin[96], pol[96], text[512];
	struct test_event *ev;
	struct agent_run a;
	int st;

	TEST_NEED_ROOT();
	test_mkdtemp(dir);
	snprintf(bin, sizeof(bin), "%s/xmrig", dir);
	snprintf(pol, sizeof(pol), "%s/p.yaml", dir);
	copy_exec("/bin/dash", bin);
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
	ev = agent_wait_event(&a, 5000,
			      EV_WHERE(EV_STR("type", "exec"),
				       EV_STR("action", "kill"),
				       EV_STR("process.args[3]",
					      "stratum+tcp://pool:3333")));
	if (ASSERT_TRUE(ev, "kill event"))
		ASSERT_STREQ(ev_str(ev, "rule"), "xmrig-pool", "rule");
	test_event_free(ev);
	agent_stop(&a);
}
