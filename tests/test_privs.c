// SPDX-License-Identifier: GPL-2.0
/*
 * Privilege (issue 6, item 6): once started, the agent and every one of its
 * threads hold only CAP_SYS_PTRACE, CAP_KILL and CAP_DAC_READ_SEARCH (in
 * the effective, permitted and bounding sets), nothing inheritable or
 * ambient, and no_new_privs; and what it still has to do then works: a
 * reload that adds the first fanotify `equal` deny and an `args` kill, the
 * metrics server on a privileged port, per-program BPF statistics.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent_util.h"
#include "test.h"

#define KEEP                                                                   \
	((1ULL << CAP_SYS_PTRACE) | (1ULL << CAP_KILL) |                       \
	 (1ULL << CAP_DAC_READ_SEARCH))

struct task_caps {
	unsigned long long inh, prm, eff, bnd, amb;
	int nnp;
	char name[32];
};

static bool read_task(const char *status, struct task_caps *t)
{
	char line[256];
	int got = 0;
	FILE *f = fopen(status, "re");

	if (!f)
		return false;
	memset(t, 0, sizeof(*t));
	t->nnp = -1;
	while (fgets(line, sizeof(line), f)) {
		got += sscanf(line, "CapInh: %llx", &t->inh) == 1;
		got += sscanf(line, "CapPrm: %llx", &t->prm) == 1;
		got += sscanf(line, "CapEff: %llx", &t->eff) == 1;
		got += sscanf(line, "CapBnd: %llx", &t->bnd) == 1;
		got += sscanf(line, "CapAmb: %llx", &t->amb) == 1;
		got += sscanf(line, "NoNewPrivs: %d", &t->nnp) == 1;
		got += sscanf(line, "Name: %31s", t->name) == 1;
	}
	fclose(f);
	return got == 7;
}

/* A privileged port (< 1024) free right now, or -1. */
static int low_port(void)
{
	int port;

	for (port = 1023; port > 900; port--) {
		struct sockaddr_in sa = { .sin_family = AF_INET,
					  .sin_port = htons(port) };
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		bool ok;

		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		ok = fd >= 0 && !bind(fd, (struct sockaddr *)&sa, sizeof(sa));
		if (fd >= 0)
			close(fd);
		if (ok)
			return port;
	}
	return -1;
}

static int child_exec(char *const argv[])
{
	pid_t pid = fork();
	int st;

	if (!pid) {
		execv(argv[0], argv);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	return st;
}

TEST_T(privs_dropped_after_start, 60)
{
	char dir[] = "/tmp/rtg-privs-XXXXXX", pol[96], secret[96], miner[96],
	     text[1024], addr[32], taskdir[64], path[400], what[320];
	struct agent_run a;
	struct task_caps t;
	struct dirent *de;
	char *body = NULL, *err;
	int port, ntasks = 0, st;
	DIR *d;

	TEST_NEED_ROOT();
	if (!ASSERT_TRUE(test_mkdtemp(dir), "mkdtemp"))
		return;
	snprintf(pol, sizeof(pol), "%s/p.yaml", dir);
	snprintf(secret, sizeof(secret), "%s/secret", dir);
	snprintf(miner, sizeof(miner), "%s/miner", dir);
	put_file(secret, "s3cret\n");
	run_cmd((char *const[]){ "cp", "/bin/dash", miner, NULL }, NULL, 0);
	/* nothing for fanotify at start: the group must exist anyway */
	put_file(pol, "name: p\nrules:\n  - name: watch\n    on: open\n"
		      "    match: { path: { equal: [/nonexistent/rtg] } }\n"
		      "    action: audit\n");
	port = low_port();
	if (!ASSERT_GE(port, 1, "a free port below 1024"))
		goto out;
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	if (!ASSERT_OK(agent_start(&a, N("--policy", pol, "--metrics", addr,
					 "--bpf-stats")),
		       "agent_start"))
		goto out;

	snprintf(taskdir, sizeof(taskdir), "/proc/%d/task", a.pid);
	d = opendir(taskdir);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/status", taskdir,
			 de->d_name);
		if (!ASSERT_TRUE(read_task(path, &t), path))
			continue;
		ntasks++;
		snprintf(what, sizeof(what), "thread %s (%s)", de->d_name,
			 t.name);
		ASSERT_EQ(t.eff, KEEP, what);
		ASSERT_EQ(t.prm, KEEP, what);
		ASSERT_EQ(t.bnd, KEEP, what);
		ASSERT_EQ(t.inh, 0, what);
		ASSERT_EQ(t.amb, 0, what);
		ASSERT_EQ(t.nnp, 1, what);
	}
	if (d)
		closedir(d);
	/* main, the fanotify enforcer, the metrics server */
	ASSERT_GE(ntasks, 3, "threads checked");

	/* the metrics server started after the drop, on the low port it
	 * bound before; per-program statistics (--bpf-stats, turned on
	 * before the drop) still read */
	ASSERT_EQ(http_get(port, "/metrics", &body), 200, "GET /metrics");
	ASSERT_STRCONTAINS(body, "rtguard_bpf_prog_runs_total{",
			   "per-program BPF statistics");
	free(body);

	/* a reload adds the first fanotify deny and an args kill */
	snprintf(text, sizeof(text),
		 "name: p\nrules:\n"
		 "  - name: deny-secret\n    on: open\n"
		 "    match: { path: { equal: [%s] } }\n    action: deny\n"
		 "  - name: kill-miner\n    on: exec\n"
		 "    match: { path: { equal: [%s] }, args: { contains: [rtgprivsarg] } }\n"
		 "    action: kill\n",
		 secret, miner);
	put_file(pol, text);
	kill(a.pid, SIGHUP);
	ASSERT_TRUE(agent_wait_stderr(&a, "policies reloaded", 1, 5000),
		    "reloaded");
	ASSERT_EQ(open_errno_in_child(secret), EPERM, "open denied after the reload");
	st = child_exec((char *const[]){ miner, "-c", "sleep 5", "rtgprivsarg",
					 NULL });
	ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
		    "args rule kills after the reload");
	ASSERT_EQ(agent_stop(&a), 0, "agent exit status");
	err = agent_stderr(&a);
	ASSERT_STRCONTAINS(err,
			   "capabilities now dac_read_search,kill,sys_ptrace",
			   "the drop is logged");
	ASSERT_TRUE(err && !strstr(err, "warning"), "no warning");
	free(err);
out:
	run_cmd((char *const[]){ "rm", "-rf", dir, NULL }, NULL, 0);
}
