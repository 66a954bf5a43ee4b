// SPDX-License-Identifier: GPL-2.0
/*
 * Bypass resistance (see test_bypass.c): exec of a denied binary or script
 * by every spelling, link, copy, interpreter, ld.so and memfd, each run as
 * a subtest that would create a marker file if the program ran.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bypass_util.h"
#include "test.h"

extern char **environ;

#define LDSO "/lib64/ld-linux-x86-64.so.2"

enum how {
	EXECVE,
	EXECVEAT_EMPTY, /* execveat(fd, "", AT_EMPTY_PATH) */
	EXECVEAT_OPATH, /* the same on an O_PATH fd */
	MEMFD, /* a memfd copy, fexecve */
	CWD_RELATIVE, /* chdir(cwd), execve of a relative path */
};

struct ex {
	const char *path;
	char *const *argv;
	enum how how;
	const char *memfd_name;
	const char *cwd;
};

static int op_exec(void *arg)
{
	const struct ex *e = arg;
	int fd, mfd;
	char buf[65536];
	ssize_t n;

	switch (e->how) {
	case EXECVE:
		execve(e->path, e->argv, environ);
		break;
	case EXECVEAT_EMPTY:
	case EXECVEAT_OPATH:
		fd = open(e->path, e->how == EXECVEAT_EMPTY ? O_RDONLY : O_PATH);
		if (fd < 0)
			return -ENOENT;
		syscall(SYS_execveat, fd, "", e->argv, environ, AT_EMPTY_PATH);
		break;
	case MEMFD:
		fd = open(e->path, O_RDONLY);
		mfd = memfd_create(e->memfd_name, 0);
		if (fd < 0 || mfd < 0)
			return -ENOENT;
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			if (write(mfd, buf, n) != n)
				return -EIO;
		fexecve(mfd, e->argv, environ);
		break;
	case CWD_RELATIVE:
		if (chdir(e->cwd))
			return -ENOTDIR;
		execve(e->path, e->argv, environ);
		break;
	}
	return -errno;
}

struct exec_case {
	const char *name, *what;
	const char *path; /* '@': the fixture dir */
	const char *argv[4]; /* '@': the fixture dir; "M": the marker */
	enum how how;
	const char *memfd_name;
	const char *cwd;
	enum expect x;
};

#define TV { "touch", "M" }
#define SV { "script", "M" }

static const struct exec_case exec_cases[] = {
	/* baseline */
	{ "baseline_runs", "baseline: touch runs", "/usr/bin/touch", TV,
	  EXECVE, .x = X_RAN },
	{ "baseline_equal", "baseline: equal-denied binary -> EPERM",
	  "@/forbidden", TV, EXECVE, .x = X_EPERM },
	{ "baseline_prefix",
	  "baseline: binary under a kill prefix -> SIGKILL", "@/killbin/touch",
	  TV, EXECVE, .x = X_KILL },
	/* relative path, symlink */
	{ "relative_equal", "relative exec, equal rule", "./forbidden", TV,
	  CWD_RELATIVE, .cwd = "@", .x = X_EPERM },
	{ "relative_dotdot_prefix", "relative exec with .., prefix rule",
	  "killbin/../killbin/touch", TV, CWD_RELATIVE, .cwd = "@",
	  .x = X_KILL },
	{ "symlink_prefix", "exec through a symlink, prefix rule",
	  "@/public/link-touch", TV, EXECVE, .x = X_KILL },
	/* execveat(fd, "", AT_EMPTY_PATH) */
	{ "execveat_equal", "execveat AT_EMPTY_PATH, equal rule",
	  "@/forbidden", TV, EXECVEAT_EMPTY, .x = X_EPERM },
	{ "execveat_opath_equal", "execveat of an O_PATH fd, equal rule",
	  "@/forbidden", TV, EXECVEAT_OPATH, .x = X_EPERM },
	{ "execveat_prefix", "execveat AT_EMPTY_PATH, prefix rule",
	  "@/killbin/touch", TV, EXECVEAT_EMPTY, .x = X_KILL },
	/* hardlink of the equal-denied binary: the exec mark is on the
	 * inode */
	{ "hardlink_equal",
	  "hardlink of an equal-denied binary is EPERM (marked inode)",
	  "@/public/hardlink-touch", TV, EXECVE, .x = X_EPERM },
	/* a copy is another file: path rules cannot know it (LIMIT) */
	{ "copy_limit",
	  "a copy of a denied binary elsewhere runs: a known limit",
	  "@/public/copy-touch", TV, EXECVE, .x = X_RAN },
	/* #! scripts: a rule on the script path, on the interpreter */
	{ "script_equal", "script with an equal-denied path -> EPERM",
	  "@/script.sh", SV, EXECVE, .x = X_EPERM },
	{ "script_equal_relative",
	  "script with an equal-denied path, run by a relative path -> EPERM",
	  "./script.sh", SV, CWD_RELATIVE, .cwd = "@", .x = X_EPERM },
	{ "script_prefix", "script under a kill prefix (absolute path)",
	  "@/killbin/s.sh", SV, EXECVE, .x = X_KILL },
	{ "script_prefix_relative",
	  "script under a kill prefix run by a relative path is killed (the name is joined to the cwd)",
	  "./s.sh", SV, CWD_RELATIVE, .cwd = "@/killbin", .x = X_KILL },
	/* LIMIT (tracepoint backend): the script's struct file is released
	 * before sched_process_exec, so the script is known only by the name
	 * given to execve (made absolute, symlinks unresolved); BPF LSM's
	 * bprm_check sees the real file. An `equal` rule holds through the
	 * fanotify mark on the script's inode. */
	{ "script_symlink_prefix_limit",
	  "script under a kill prefix run through a symlink: a known limit without BPF LSM",
	  "@/public/link-script", SV, EXECVE, .x = X_RAN },
	/* the same limit for '..' in the name: joined to the cwd, not
	 * normalised (D/public/../killbin/s.sh does not start with
	 * D/killbin/); normalising '.' and '..' in script_path() would turn
	 * this into blocked, symlinks stay a limit */
	{ "script_dotdot_prefix_limit",
	  "script under a kill prefix run as ../killbin/s.sh: a known limit without BPF LSM (not normalised)",
	  "../killbin/s.sh", SV, CWD_RELATIVE, .cwd = "@/public",
	  .x = X_RAN },
	{ "interp_equal", "script whose interpreter is equal-denied -> EPERM",
	  "@/uses-interp.sh", SV, EXECVE, .x = X_EPERM },
	{ "interp_prefix", "script whose interpreter is under a kill prefix",
	  "@/uses-killsh.sh", SV, EXECVE, .x = X_KILL },
	/* LIMIT: an interpreter given the script as an argument reads it as
	 * data; no exec of the script happens */
	{ "sh_script_arg_limit",
	  "sh SCRIPT (script read as data): a known limit", "/bin/sh",
	  { "sh", "@/script.sh", "M" }, EXECVE, .x = X_RAN },
	/* ld.so: the kernel execs ld.so; ld.so open()s and mmap()s the
	 * binary. The exec rule judges the executable mapping
	 * (bpf/mmap.bpf.c): killed at the mmap, before any of the binary's
	 * code runs. An open rule on it also works (bypass_ldso_open_rule). */
	{ "ldso_equal", "ld.so BINARY, exec equal rule: killed at its mmap",
	  LDSO, { "ld.so", "@/forbidden", "M" }, EXECVE, .x = X_KILL },
	{ "ldso_prefix", "ld.so BINARY, exec prefix rule: killed at its mmap",
	  LDSO, { "ld.so", "@/killbin/touch", "M" }, EXECVE, .x = X_KILL },
	/* memfd exec: the binary's path is the memfd's */
	{ "memfd_limit",
	  "fexecve of a memfd copy of a denied binary: a known limit",
	  "@/forbidden", TV, MEMFD, .memfd_name = "innocent", .x = X_RAN },
	{ "memfd_named_kill", "memfd exec is seen as /memfd:NAME by exec rules",
	  "@/forbidden", TV, MEMFD, .memfd_name = "rtg-bypass-kill",
	  .x = X_KILL },
};

/* Runs the case (its '@' and "M" made real); the marker tells whether the
 * program ran. */
static void exec_run(const struct exec_case *c, const char *marker)
{
	char path[256], cwd[256], args[4][256];
	char *argv[5] = {};
	struct outcome o;
	struct ex e = {
		.path = fx_path(c->path, path, sizeof(path)),
		.argv = argv,
		.how = c->how,
		.memfd_name = c->memfd_name,
		.cwd = fx_path(c->cwd, cwd, sizeof(cwd)),
	};
	bool ran;
	int i;

	for (i = 0; i < 4 && c->argv[i]; i++)
		argv[i] = !strcmp(c->argv[i], "M") ?
				  (char *)marker :
				  (char *)fx_path(c->argv[i], args[i],
						  sizeof(args[i]));
	unlink(marker);
	attempt(op_exec, &e, &o);
	ran = access(marker, F_OK) == 0;
	unlink(marker);
	EXPECT_OUTCOME(&o, c->x, NULL, ran, c->what);
}

TEST_T(bypass_exec, 90)
{
	char m[256], p[256];
	struct test_event *ev;
	struct agent_run a;
	size_t i;

	TEST_NEED_ROOT();
	if (!ASSERT_OK(bypass_start(&a, NULL), "agent_start"))
		return;
	fx_path("@/marker", m, sizeof(m));
	if (!ASSERT_OK(symlink(fx.killtouch, fx_path("@/public/link-touch", p,
						     sizeof(p))),
		       "symlink to the kill binary") ||
	    !ASSERT_OK(link(fx.forbidden, fx_path("@/public/hardlink-touch", p,
						  sizeof(p))),
		       "hardlink of the denied binary") ||
	    !ASSERT_OK(copy_exec(fx.killtouch, fx_path("@/public/copy-touch",
							p, sizeof(p))),
		       "copy of the kill binary") ||
	    !ASSERT_OK(symlink(fx.killscript, fx_path("@/public/link-script",
						      p, sizeof(p))),
		       "symlink to the kill script"))
		return;
	for (i = 0; i < ARRAY_SIZE(exec_cases); i++)
		if (test_subtest(exec_cases[i].name))
			exec_run(&exec_cases[i], m);
	if (test_subtest("deny_event")) {
		/* a deny of its own: the subtest stands alone */
		exec_run(&exec_cases[1], m);
		ev = agent_wait_event(&a, 5000,
				      EV_WHERE(EV_STR("type", "exec"),
					       EV_STR("action", "deny"),
					       EV_SUFFIX("process.binary",
							 "/forbidden")));
		ASSERT_TRUE(ev, "exec deny event names the binary");
		test_event_free(ev);
	}
	test_subtest_end();
	agent_stop(&a);
}

static const struct exec_case ldso_cases[] = {
	/* ld.so reports "cannot open shared object file" and exits 127 */
	{ "equal", "ld.so BINARY with an equal open rule: ld.so's open gets EPERM",
	  LDSO, { "ld.so", "@/forbidden", "M" }, EXECVE, .x = X_EXIT127 },
	{ "prefix", "ld.so BINARY with a prefix open rule: killed at ld.so's open",
	  LDSO, { "ld.so", "@/killbin/touch", "M" }, EXECVE, .x = X_KILL },
};

/* ld.so with an open rule on the binary: ld.so's open is caught */
TEST(bypass_ldso_open_rule)
{
	struct agent_run a;
	char rules[1024], m[256];
	size_t i;

	TEST_NEED_ROOT();
	if (fixture_make())
		return;
	snprintf(rules, sizeof(rules),
		 "  - name: forbidden-read\n"
		 "    on: open\n"
		 "    match: { path: { equal: [%s] } }\n"
		 "    action: deny\n"
		 "  - name: killbin-read\n"
		 "    on: open\n"
		 "    match: { path: { prefix: [%s/] } }\n"
		 "    action: deny\n",
		 fx.forbidden, fx.killdir);
	if (!ASSERT_OK(fixture_policy(rules), "policy") ||
	    !ASSERT_OK(agent_start(&a, N("--policy", fx.policy)), "agent_start"))
		return;
	fx_path("@/marker", m, sizeof(m));
	for (i = 0; i < ARRAY_SIZE(ldso_cases); i++)
		if (test_subtest(ldso_cases[i].name))
			exec_run(&ldso_cases[i], m);
	test_subtest_end();
	agent_stop(&a);
}
