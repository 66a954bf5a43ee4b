// SPDX-License-Identifier: GPL-2.0
/*
 * The capability set the deployment grants (deploy_util.c), measured: the
 * agent run with exactly that set, and with each member removed, triggers
 * each enforcement path from uid 65534 (so the recorded set stays honest);
 * and the DaemonSet's container as far as it runs here.
 */
#include <grp.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdint.h>
#include <sys/socket.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent_util.h"
#include "deploy_util.h"
#include "test.h"

/* ---- running the agent with exactly the measured capabilities ---- */

static uint64_t cap_eff(pid_t pid)
{
	char path[64], line[256];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* fork; the child drops to nobody and runs fn. Returns the wait status. */
static int as_nobody(void (*fn)(const void *), const void *arg, pid_t *bg)
{
	pid_t pid = fork();
	int st;

	if (!pid) {
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(125);
		fn(arg);
		_exit(124);
	}
	if (bg) {
		*bg = pid;
		return 0;
	}
	waitpid(pid, &st, 0);
	return st;
}

static void do_open(const void *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	_exit(fd < 0 && errno == EPERM ? 0 : fd >= 0 ? 1 : 2);
}

static void do_connect(const void *unused)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(9) };
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	(void)unused;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	_exit(!connect(s, (struct sockaddr *)&sa, sizeof(sa)) ? 1 :
	      errno == EPERM					 ? 0 :
								   2);
}

static void do_exec(const void *argv)
{
	execv(((char *const *)argv)[0], (char *const *)argv);
	_exit(123);
}

enum {
	CHK_OPEN_EPERM = 1, /* fanotify deny of an equal path: SYS_ADMIN */
	CHK_CONNECT_EPERM = 2,
	CHK_SEEDED = 4, /* binary of a process of another user: SYS_PTRACE */
	CHK_USER_KILL = 8, /* kill decided in user space: KILL */
	CHK_STARTED = 16,
};

/* One run of the agent with caps and the checks that held. */
static int caps_scenario(const char *dir, uint64_t caps)
{
	char pol[PATH_MAX], ev[PATH_MAX], err[PATH_MAX], secret[PATH_MAX],
	     killme[PATH_MAX], pindir[128], sock[PATH_MAX];
	char *argv[16];
	int res = 0, st, i = 0;
	pid_t old = 0, agent;
	FILE *f;

	snprintf(pol, sizeof(pol), "%s/caps.yaml", dir);
	snprintf(ev, sizeof(ev), "%s/events.json", dir);
	snprintf(err, sizeof(err), "%s/stderr", dir);
	snprintf(secret, sizeof(secret), "%s/secret", dir);
	snprintf(killme, sizeof(killme), "%s/rtg-deploy-killme", dir);
	snprintf(sock, sizeof(sock), "%s/rtguard.sock", dir);
	snprintf(pindir, sizeof(pindir), "/sys/fs/bpf/rtguard-deploy-%d",
		 getpid());
	unlink(ev);
	unlink(err); /* wait_running must not read the previous run's */
	f = fopen(pol, "we");
	if (!f)
		return 0;
	fprintf(f,
		"name: caps\n"
		"defaults: { exec: audit, open: allow, connect: audit }\n"
		"rules:\n"
		"  - name: deny-file\n    on: open\n"
		"    match: { path: { equal: [%s] } }\n    action: deny\n"
		"  - name: deny-connect\n    on: connect\n"
		"    match: { daddr: [127.0.0.1/32], dport: [9] }\n"
		"    action: deny\n"
		"  - name: kill-suffix\n    on: exec\n"
		"    match: { path: { suffix: [/rtg-deploy-killme] } }\n"
		"    action: kill\n"
		/* an args rule sends exec verdicts through user space */
		"  - name: kill-args\n    on: exec\n"
		"    match: { args: { contains: [rtgdeploykillarg] } }\n"
		"    action: kill\n",
		secret);
	fclose(f);

	/* a process of another user that predates the agent */
	as_nobody(do_exec, (char *const[]){ "/bin/sleep", "30", NULL }, &old);
	/* seeded from /proc by the agent: it must be sleep(1) by then */
	wait_until(proc_exe_is(old, "/usr/bin/sleep"), 5000);

	argv[i++] = (char *)test_rtguard_bin();
	argv[i++] = "--policy";
	argv[i++] = pol;
	argv[i++] = "--output";
	argv[i++] = "json";
	argv[i++] = "--output-file";
	argv[i++] = ev;
	argv[i++] = "--socket";
	argv[i++] = sock;
	argv[i++] = "--pin-dir";
	argv[i++] = pindir;
	argv[i] = NULL;
	agent = spawn_with_caps(caps, argv, err);
	if (!wait_running(agent, err)) {
		stop_agent(agent);
		goto out;
	}
	res |= CHK_STARTED;
	/* after start-up it keeps only these (user/agent/privs.h) */
	ASSERT_EQ(cap_eff(agent),
		  caps & ((1ULL << CAP_SYS_PTRACE) | (1ULL << CAP_KILL) |
			  (1ULL << CAP_DAC_READ_SEARCH)),
		  "agent's CapEff after start-up");
	st = as_nobody(do_open, secret, NULL);
	if (WIFEXITED(st) && !WEXITSTATUS(st))
		res |= CHK_OPEN_EPERM;
	st = as_nobody(do_connect, NULL, NULL);
	if (WIFEXITED(st) && !WEXITSTATUS(st))
		res |= CHK_CONNECT_EPERM;
	st = as_nobody(do_exec, (char *const[]){ killme, "5", NULL }, NULL);
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
		res |= CHK_USER_KILL;
	kill(old, SIGTERM);
	waitpid(old, NULL, 0);
	/* the seeded process's exit carries its binary */
	wait_until(events_has(ev, EV_WHERE(EV_STR("type", "exit"),
					   EV_INT("process.pid", old))),
		   5000);
	stop_agent(agent);
	if (events_has(ev, EV_WHERE(EV_STR("type", "exit"),
				    EV_INT("process.pid", old),
				    EV_STR("process.binary", "/usr/bin/sleep"))))
		res |= CHK_SEEDED;
	old = 0;
out:
	if (old) {
		kill(old, SIGKILL);
		waitpid(old, NULL, 0);
	}
	return res;
}

static const char *check_name(int chk)
{
	switch (chk) {
	case CHK_OPEN_EPERM:
		return "open deny is EPERM (fanotify)";
	case CHK_CONNECT_EPERM:
		return "connect deny is EPERM";
	case CHK_SEEDED:
		return "process of another user seeded with its binary";
	case CHK_USER_KILL:
		return "exec kill of another user's process";
	default:
		return "agent started";
	}
}

static bool caps_dir(char *dir)
{
	char p[PATH_MAX];
	int st;

	if (!test_mkdtemp(dir))
		return false;
	chmod(dir, 0755);
	snprintf(p, sizeof(p), "%s/secret", dir);
	close(open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
	chmod(p, 0644);
	snprintf(p, sizeof(p), "%s/rtg-deploy-killme", dir);
	st = run_cmd((char *const[]){ "cp", "/bin/sleep", p, NULL }, NULL, 0);
	return WIFEXITED(st) && !WEXITSTATUS(st);
}

TEST_T(deploy_caps_least_set, 180)
{
	const int all = CHK_STARTED | CHK_OPEN_EPERM | CHK_CONNECT_EPERM |
			CHK_SEEDED | CHK_USER_KILL;
	const uint64_t bpf3 = (1ULL << CAP_BPF) | (1ULL << CAP_PERFMON) |
			      (1ULL << CAP_NET_ADMIN);
	const struct {
		const char *name;
		uint64_t caps;
		int lost;
		const char *what;
	} minus[] = {
		{ "without_sys_admin",
		  (least_mask() & ~(1ULL << CAP_SYS_ADMIN)) | bpf3,
		  CHK_OPEN_EPERM, "without CAP_SYS_ADMIN" },
		{ "without_sys_ptrace", least_mask() & ~(1ULL << CAP_SYS_PTRACE),
		  CHK_SEEDED, "without CAP_SYS_PTRACE" },
		{ "without_kill", least_mask() & ~(1ULL << CAP_KILL),
		  CHK_USER_KILL, "without CAP_KILL" },
	};
	char dir[] = "/tmp/rtg-deploy-caps-XXXXXX", what[160];
	size_t i;
	int r, chk;

	TEST_NEED_ROOT();
	if (!ASSERT_TRUE(caps_dir(dir), "test dir"))
		return;
	if (test_subtest("measured_set")) {
		r = caps_scenario(dir, least_mask());
		for (chk = 1; chk <= CHK_STARTED; chk <<= 1) {
			snprintf(what, sizeof(what), "with the measured set: %s",
				 check_name(chk));
			ASSERT_TRUE((r & all & chk), what);
		}
	}
	/* each member removed (SYS_ADMIN replaced by what it stands for, so
	 * that the agent still starts): the check that needs it fails */
	for (i = 0; i < ARRAY_SIZE(minus); i++) {
		if (!test_subtest(minus[i].name))
			continue;
		r = caps_scenario(dir, minus[i].caps);
		snprintf(what, sizeof(what), "%s: agent started", minus[i].what);
		ASSERT_TRUE(r & CHK_STARTED, what);
		snprintf(what, sizeof(what), "%s: %s fails (the capability is needed)",
			 minus[i].what, check_name(minus[i].lost));
		ASSERT_TRUE(!(r & minus[i].lost), what);
	}
	test_subtest_end();
	run_cmd((char *const[]){ "rm", "-rf", dir, NULL }, NULL, 0);
}

/*
 * The DaemonSet's container, as far as it runs here: its args (the pod IP
 * replaced by 127.0.0.1, a free port for 9464), its ConfigMap laid out the
 * way the kubelet does, exactly its capabilities. It starts, /healthz says
 * ok, and a ConfigMap update (the ..data symlink swap) reloads.
 */
TEST_T(deploy_daemonset_runs, 120)
{
	char dir[] = "/tmp/rtg-deploy-ds-XXXXXX", err[PATH_MAX], sock[PATH_MAX],
	     pindir[128], portbuf[32];
	char *argv[32], *args_s[32] = { NULL }, *resp = NULL;
	yaml_document_t *d;
	yaml_node_t *c, *args;
	struct ydocs y;
	int i, n = 0, port, rc;
	pid_t agent;
	bool ok;

	TEST_NEED_ROOT();
	if (!ASSERT_TRUE(test_mkdtemp(dir), "mkdtemp"))
		return;
	if (!ASSERT_GE(configmap_write(dir, "..2026_11_27_16_00_00.1", NULL,
				       NULL),
		       1,
		       "ConfigMap volume"))
		goto out;
	port = free_port();
	snprintf(err, sizeof(err), "%s/stderr", dir);
	snprintf(sock, sizeof(sock), "%s/rtguard.sock", dir);
	snprintf(pindir, sizeof(pindir), "/sys/fs/bpf/rtguard-deploy-ds-%d",
		 getpid());
	if (!load_ds(&y))
		goto out;
	d = ydoc_kind(&y, "DaemonSet");
	c = d ? yitem(d, yget(d, YROOT(d), "spec", "template", "spec",
			      "containers", NULL),
		      0)
	      : NULL;
	args = c ? ykey(d, c, "args") : NULL;
	argv[n++] = (char *)test_rtguard_bin();
	for (i = 0; i < ylen(args) && n < 24; i++) {
		const char *a = ystr(yitem(d, args, i));

		if (!a)
			continue;
		if (!strcmp(a, "/etc/rtguard/policies")) {
			a = dir;
		} else if (strstr(a, "$(POD_IP)")) {
			snprintf(portbuf, sizeof(portbuf), "127.0.0.1:%d", port);
			a = portbuf;
		}
		args_s[n] = strdup(a);
		argv[n] = args_s[n];
		n++;
	}
	/* not shared with other agents on this machine */
	argv[n++] = "--socket";
	argv[n++] = sock;
	argv[n++] = "--pin-dir";
	argv[n++] = pindir;
	argv[n] = NULL;
	agent = spawn_with_caps(least_mask(), argv, err);
	ok = wait_running(agent, err);
	ASSERT_TRUE(ok, "agent with the DaemonSet's args and capabilities");
	if (ok) {
		rc = http_get(port, "/healthz", &resp);
		ASSERT_EQ(rc, 200, "GET /healthz status");
		ASSERT_STRCONTAINS(resp, "ok", "/healthz body");
		free(resp);

		/* kubelet ConfigMap update: a new key in a new timestamped
		 * dir, then the ..data symlink swap */
		configmap_write(dir, "..2026_11_27_16_05_00.2", "extra.yaml",
				"name: extra\nrules:\n  - name: r\n    on: exec\n"
				"    match: { path: { equal: [/nonexistent] } }\n"
				"    action: audit\n");
		ASSERT_TRUE(wait_until(file_contains(err, "policies reloaded"),
				       5000),
			    "ConfigMap update reloads the policies");
	}
	rc = stop_agent(agent);
	if (ok)
		ASSERT_TRUE(rc >= 0 && WIFEXITED(rc) && !WEXITSTATUS(rc),
			    "agent exits 0 on SIGTERM");
	for (i = 1; i < n; i++)
		if (argv[i] == args_s[i])
			free(args_s[i]);
	ydocs_free(&y);
out:
	run_cmd((char *const[]){ "rm", "-rf", dir, NULL }, NULL, 0);
}

