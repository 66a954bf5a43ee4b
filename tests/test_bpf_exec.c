// SPDX-License-Identifier: GPL-2.0
/*
 * exec.bpf.c on its own (see test_bpf.h): handle_fork, handle_exec and
 * handle_exit, their records and the procs map.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent_util.h"
#include "test.h"
#include "test_bpf.h"

#define ARGS "sh\0-c\0read x; exit 3" /* as the exec record holds them */

/* An exec with no rules: its record, the procs entry it writes, the exit
 * record and the entry's removal. */
TEST(bpf_exec_exit)
{
	char *const argv[] = { "sh", "-c", "read x; exit 3", NULL };
	const struct rtg_exec *e;
	const struct rtg_exit *x;
	struct rtg_proc_state st;
	char sh[PATH_MAX], rtail[RTG_SUFFIX_MAX];
	struct fix f;
	int fds[2], status, i;
	size_t n;

	TEST_NEED_ROOT();
	if (!fix_open(&f, 0) || !ASSERT_OK(pipe(fds), "pipe") ||
	    !ASSERT_TRUE(realpath("/bin/sh", sh), "realpath /bin/sh"))
		goto out;
	f.pid = fork();
	if (f.pid == 0) {
		dup2(fds[0], 0);
		close(fds[1]);
		if (chdir(f.dir))
			_exit(126);
		execv("/bin/sh", argv);
		_exit(127);
	}
	close(fds[0]);

	e = fix_wait(&f, RTG_EV_EXEC, 0);
	if (!ASSERT_TRUE(e, "exec record"))
		goto kill;
	ASSERT_EQ(e->hdr.ppid, getpid(), "ppid");
	ASSERT_EQ(e->hdr.tid, f.pid, "tid");
	ASSERT_EQ(e->hdr.action, RTG_ACT_ALLOW, "no rules: allowed");
	ASSERT_EQ(e->hdr.rule, RTG_RULE_NONE, "no rule");
	ASSERT_EQ(e->hdr.flags & (RTG_F_ENFORCED | RTG_F_SCRIPT |
				  RTG_F_ARGS_PENDING | RTG_F_NO_PROC),
		  0, "flags");
	ASSERT_EQ(e->argc, 3, "argc");
	ASSERT_STREQ(exec_str(e, 0), sh, "binary, symlinks resolved");
	ASSERT_EQ(e->binary_len, strlen(sh) + 1, "binary_len");
	ASSERT_EQ(e->script_len, 0, "no script");
	ASSERT_STREQ(exec_str(e, 2), f.dir, "cwd");
	if (ASSERT_EQ(e->args_len, sizeof(ARGS), "args_len"))
		ASSERT_TRUE(!memcmp(exec_str(e, 3), ARGS, sizeof(ARGS)),
			    "args, NUL separated");

	/* the new image's state, as every later hook reads it */
	if (ASSERT_TRUE(proc_state(&f, f.pid, &st), "procs entry after exec")) {
		ASSERT_EQ(st.flags & RTG_PS_EXEC, RTG_PS_EXEC, "RTG_PS_EXEC");
		ASSERT_EQ(st.ppid, getpid(), "procs ppid");
		ASSERT_EQ(st.exec_ktime, e->hdr.exec_ktime, "exec_ktime");
		ASSERT_EQ(st.gen, 0, "binary masks for generation 0");
		ASSERT_STREQ(st.bin_key, sh, "bin_key");
		ASSERT_EQ(st.bin_len, strlen(sh), "bin_len");
		n = strlen(sh) < RTG_SUFFIX_MAX ? strlen(sh) : RTG_SUFFIX_MAX;
		for (i = 0; i < (int)n; i++)
			rtail[i] = sh[strlen(sh) - 1 - i];
		ASSERT_TRUE(!memcmp(st.bin_rtail, rtail, n),
			    "bin_rtail: the path's tail reversed");
	}

	close(fds[1]); /* read fails: exit 3 */
	waitpid(f.pid, &status, 0);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 3, "exit 3");
	x = fix_wait(&f, RTG_EV_EXIT, 0);
	if (ASSERT_TRUE(x, "exit record")) {
		ASSERT_EQ(x->code, 3, "exit code");
		ASSERT_EQ(x->signal, 0, "no signal");
		ASSERT_EQ(x->hdr.action, RTG_ACT_ALLOW,
			  "exit of an allowed exec: allow (not printed)");
		ASSERT_EQ(x->hdr.exec_ktime, e->hdr.exec_ktime,
			  "exit names the image");
	}
	ASSERT_TRUE(!proc_state(&f, f.pid, &st), "procs entry gone at exit");
	goto out;
kill:
	kill(f.pid, SIGKILL);
	waitpid(f.pid, &status, 0);
out:
	fix_close(&f);
}

/* An exit is audit (reported) only when its exec was: under an exec audit
 * default both are, under allow both records come as allow (user space
 * only drops the process from its cache). */
TEST(bpf_exit_follows_exec)
{
	static const char *const pols[2] = {
		"name: t\ndefaults: { exec: allow }\n",
		"name: t\ndefaults: { exec: audit }\n",
	};
	char *const argv[] = { "/bin/true", NULL };
	const struct rtg_exit *x;
	const struct rtg_exec *e;
	struct fix f;
	int i, status;

	TEST_NEED_ROOT();
	if (!fix_open(&f, 0))
		goto out;
	for (i = 0; i < 2; i++) {
		if (!ASSERT_TRUE(fix_policy(&f, pols[i], i, 0), "policy"))
			break;
		e = run_in_dir(&f, argv, &status);
		if (!ASSERT_TRUE(e, "exec record"))
			break;
		ASSERT_EQ(e->hdr.action, i ? RTG_ACT_AUDIT : RTG_ACT_ALLOW,
			  "exec verdict");
		x = fix_wait(&f, RTG_EV_EXIT, 0);
		if (ASSERT_TRUE(x, "exit record, reported or not"))
			ASSERT_EQ(x->hdr.action, e->hdr.action,
				  "the exit is reported as the exec was");
	}
out:
	fix_close(&f);
}

/* fork without exec: the child inherits its parent's state, and a process
 * that never exec'd leaves without an exit record. */
TEST(bpf_fork_state)
{
	struct rtg_proc_state st, gst;
	int go[2], back[2], status;
	pid_t grandchild = 0;
	struct fix f;

	TEST_NEED_ROOT();
	if (!fix_open(&f, 0) || !ASSERT_OK(pipe(go), "pipe") ||
	    !ASSERT_OK(pipe(back), "pipe"))
		goto out;
	f.pid = fork();
	if (f.pid == 0) {
		pid_t g;
		char c;

		close(go[1]); /* both wait for the test to close it */
		g = fork();

		if (g == 0) {
			if (read(go[0], &c, 1) < 0)
				_exit(1);
			_exit(0);
		}
		if (write(back[1], &g, sizeof(g)) != sizeof(g) ||
		    read(go[0], &c, 1) < 0)
			_exit(1);
		waitpid(g, NULL, 0);
		_exit(0);
	}
	close(go[0]);
	if (!ASSERT_EQ(read(back[0], &grandchild, sizeof(grandchild)),
		       sizeof(grandchild), "grandchild pid"))
		goto end;
	if (ASSERT_TRUE(proc_state(&f, f.pid, &st), "child's procs entry")) {
		ASSERT_EQ(st.ppid, getpid(), "child's ppid");
		ASSERT_EQ(st.flags & RTG_PS_EXEC, 0, "no exec seen");
		ASSERT_EQ(st.gen, 0xff, "masks not computed (parent unknown)");
		ASSERT_NEQ(st.exec_ktime, 0, "start time");
	}
	if (ASSERT_TRUE(proc_state(&f, grandchild, &gst),
			"grandchild's procs entry")) {
		ASSERT_EQ(gst.ppid, f.pid, "grandchild's ppid");
		ASSERT_EQ(gst.parent_exec_ktime, st.exec_ktime,
			  "parent_exec_ktime: the child's image");
		ASSERT_TRUE(gst.exec_ktime >= st.exec_ktime, "started later");
	}
end:
	close(go[1]);
	waitpid(f.pid, &status, 0);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "child exits 0");
	ASSERT_TRUE(!proc_state(&f, f.pid, &st), "child's entry gone");
	ASSERT_TRUE(!grandchild || !proc_state(&f, grandchild, &gst),
		    "grandchild's entry gone");
	ASSERT_EQ(fix_count(&f, RTG_EV_EXIT), 0, "no exit record without exec");
out:
	fix_close(&f);
}

/* A #! script by relative name: made absolute from the cwd, matched by a
 * suffix rule (the reversed tail), and an `args` rule left to user space:
 * the kernel neither decides nor kills, it hands over the candidates. */
TEST(bpf_exec_script_rules)
{
	char policy[1024], script[160], other[160];
	const struct rtg_exec *e;
	struct fix f;
	int status;

	TEST_NEED_ROOT();
	if (!fix_open(&f, 1))
		goto out;
	snprintf(policy, sizeof(policy),
		 "name: bpf-test\n"
		 "defaults: { exec: allow, open: allow, connect: allow }\n"
		 "rules:\n"
		 "  - name: script-suffix\n"
		 "    on: exec\n"
		 "    match: { path: { suffix: [/run.sh] } }\n"
		 "    action: audit\n"
		 "  - name: args-kill\n"
		 "    on: exec\n"
		 "    match: { path: { prefix: [%s/] },\n"
		 "             args: { contains: [needle] } }\n"
		 "    action: kill\n",
		 f.dir);
	snprintf(script, sizeof(script), "%s/run.sh", f.dir);
	snprintf(other, sizeof(other), "%s/other.sh", f.dir);
	if (!fix_policy(&f, policy, 1, 0) ||
	    !ASSERT_OK(put_file(script, "#!/bin/sh\nexit 0\n"), "script") ||
	    !ASSERT_OK(put_file(other, "#!/bin/sh\nexit 0\n"), "script") ||
	    !ASSERT_OK(chmod(script, 0755), "chmod") ||
	    !ASSERT_OK(chmod(other, 0755), "chmod"))
		goto out;

	e = run_in_dir(&f, (char *const[]){ "./other.sh", NULL }, &status);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "other.sh runs");
	if (ASSERT_TRUE(e, "exec record of other.sh")) {
		ASSERT_EQ(e->hdr.flags & RTG_F_SCRIPT, RTG_F_SCRIPT, "script");
		ASSERT_STREQ(exec_str(e, 1), other, "script made absolute");
		ASSERT_EQ(e->hdr.action, RTG_ACT_ALLOW, "no rule matches");
		ASSERT_EQ(e->hdr.gen, 1, "generation 1 decided");
	}

	e = run_in_dir(&f, (char *const[]){ "./run.sh", "needle", NULL },
		       &status);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "the args rule does not kill in the kernel");
	if (!ASSERT_TRUE(e, "exec record of run.sh"))
		goto out;
	ASSERT_STREQ(exec_str(e, 1), script, "script made absolute");
	ASSERT_EQ(e->hdr.action, RTG_ACT_AUDIT, "suffix rule: audit");
	ASSERT_EQ(e->hdr.rule, 0, "rule 0 (script-suffix)");
	ASSERT_EQ(e->hdr.mech, RTG_MECH_NONE, "audit: no mechanism");
	ASSERT_EQ(e->hdr.gen, 1, "generation 1 decided");
	ASSERT_EQ(e->hdr.flags & (RTG_F_ARGS_PENDING | RTG_F_ENFORCED),
		  RTG_F_ARGS_PENDING, "args pending, nothing enforced");
	ASSERT_EQ(e->cand_m, 0x3, "candidates: both rules, args open");
	ASSERT_EQ(e->cand_u, 0, "no unless");
out:
	fix_close(&f);
}

