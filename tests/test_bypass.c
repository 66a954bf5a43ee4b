// SPDX-License-Identifier: GPL-2.0
/*
 * Bypass resistance on this kernel (no BPF LSM: equal-path exec/open denies
 * by fanotify, prefix/suffix denies by SIGKILL at the tracepoint, connect
 * denies by cgroup/connect4|6): each test attacks the deny rules the way an
 * intruder would and asserts exactly what rtguard guarantees, as listed in
 * doc/BYPASS.md:
 *   blocked  - the operation fails with EPERM, or the process is killed
 *              before it read a byte / before the program ran;
 *   detected - it succeeds, but an event names the real path;
 *   limit    - it succeeds; the test asserts that, so that a change (a fix,
 *              or a regression elsewhere) is noticed. The reason is in a
 *              comment and in doc/BYPASS.md.
 * A check that fails with "BUG:" asserts what the design promises and the
 * code does not do yet (see the report in doc/BYPASS.md "Open bugs").
 *
 * This file: the spellings of an open and io_uring. test_bypass_fs.c:
 * mounts, links, renames; test_bypass_exec.c: exec; test_bypass_connect.c:
 * connect. The fixture and the attempts are in bypass_util.c. Every target
 * is in a fresh temp dir or on 127.0.0.2/::1 with a port of the test's own;
 * mount tricks run in a private mount namespace of a child.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bypass_util.h"
#include "uring_util.h"
#include "test.h"

/* ------------------------------------------------------------- opens */

/* chdir(t->a), open(t->b) */
static int op_open_rel(void *arg)
{
	const struct target *t = arg;
	int fd;

	if (chdir(t->a))
		return -ENOTDIR;
	fd = open(t->b, O_RDONLY);
	return fd < 0 ? -errno : fd;
}

/* openat(dirfd of t->a, t->b) */
static int op_openat_dirfd(void *arg)
{
	const struct target *t = arg;
	int dfd = open(t->a, O_RDONLY | O_DIRECTORY), fd;

	if (dfd < 0)
		return -ENOTDIR;
	fd = openat(dfd, t->b, O_RDONLY);
	return fd < 0 ? -errno : fd;
}

/* the directory t->a opened with O_PATH, the file t->b through it */
static int op_openat_opath_dir(void *arg)
{
	const struct target *t = arg;
	int dfd = open(t->a, O_PATH | O_DIRECTORY), fd;

	if (dfd < 0)
		return -ENOTDIR;
	fd = openat(dfd, t->b, O_RDONLY);
	return fd < 0 ? -errno : fd;
}

/* openat2(O_PATH dirfd of t->a or AT_FDCWD, t->b, t->resolve) */
static int op_openat2(void *arg)
{
	const struct target *t = arg;
	struct open_how how = { .flags = O_RDONLY, .resolve = t->resolve };
	int dfd = t->a ? open(t->a, O_PATH | O_DIRECTORY) : AT_FDCWD;
	int fd = syscall(SYS_openat2, dfd, t->b, &how, sizeof(how));

	return fd < 0 ? -errno : fd;
}

/* O_PATH fd of t->a, then a real open through /proc/self/fd/N */
static int op_proc_fd_reopen(void *arg)
{
	const struct target *t = arg;
	char p[64];
	int pfd = open(t->a, O_PATH), fd;

	if (pfd < 0)
		return -errno;
	snprintf(p, sizeof(p), "/proc/self/fd/%d", pfd);
	fd = open(p, O_RDONLY);
	return fd < 0 ? -errno : fd;
}

/* the same, the O_PATH fd taken on the directory t->a (its own path does
 * not match a "dir/" prefix), t->b opened below it */
static int op_proc_fd_dir(void *arg)
{
	const struct target *t = arg;
	char p[256];
	int pfd = open(t->a, O_PATH | O_DIRECTORY), fd;

	if (pfd < 0)
		return -errno;
	snprintf(p, sizeof(p), "/proc/self/fd/%d/%s", pfd, t->b);
	fd = open(p, O_RDONLY);
	return fd < 0 ? -errno : fd;
}

/* /proc/self/root + t->a */
static int op_proc_root(void *arg)
{
	const struct target *t = arg;
	char p[512];
	int fd;

	snprintf(p, sizeof(p), "/proc/self/root%s", t->a);
	fd = open(p, O_RDONLY);
	return fd < 0 ? -errno : fd;
}

/* chroot(t->a), open(t->b) */
static int op_chroot(void *arg)
{
	const struct target *t = arg;
	int fd;

	if (chroot(t->a) || chdir("/"))
		return -EACCES;
	fd = open(t->b, O_RDONLY);
	return fd < 0 ? -errno : fd;
}

/* a new mount namespace, nothing mounted: the same path t->a */
static int op_unshare_open(void *arg)
{
	const struct target *t = arg;
	int fd;

	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -EXDEV;
	fd = open(t->a, O_RDONLY);
	return fd < 0 ? -errno : fd;
}

#define NO_LINKS_XDEV                                                          \
	(RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV)

/* @/secret: equal rule (EPERM), @/private/data: prefix rule (SIGKILL) */
static const struct open_case spell_cases[] = {
	/* baseline: the neighbours open, the targets do not */
	{ "baseline_public", "baseline: public file reads", op_open,
	  { .a = "@/public/data" }, .x = X_READS, .content = PUBLIC },
	{ "baseline_equal", "baseline: equal-denied file -> EPERM", op_open,
	  { .a = "@/secret" }, .x = X_EPERM },
	{ "baseline_prefix", "baseline: prefix-denied file -> SIGKILL",
	  op_open, { .a = "@/private/data" }, .x = X_KILL },
	/* relative paths */
	{ "relative_equal", "relative path, equal rule", op_open_rel,
	  { .a = "@", .b = "secret" }, .x = X_EPERM },
	{ "relative_prefix", "relative path, prefix rule", op_open_rel,
	  { .a = "@/private", .b = "data" }, .x = X_KILL },
	{ "relative_dotdot_prefix", "relative path with .., prefix rule",
	  op_open_rel, { .a = "@/public", .b = "../private/data" }, .x = X_KILL },
	/* .. and // */
	{ "dotdot_equal", "'..', equal rule", op_open,
	  { .a = "@/public/../secret" }, .x = X_EPERM },
	{ "dotdot_dot_prefix", "'..' and '.', prefix rule", op_open,
	  { .a = "@/public/../private/./data" }, .x = X_KILL },
	{ "slashes_equal", "'//', equal rule", op_open, { .a = "/@//secret" }, .x = X_EPERM },
	{ "slashes_prefix", "'//', prefix rule", op_open,
	  { .a = "/@//private///data" }, .x = X_KILL },
	/* symlinks to the file and to the directory (made by the test) */
	{ "symlink_file_equal", "symlink to the file, equal rule", op_open,
	  { .a = "@/link-secret" }, .x = X_EPERM },
	{ "symlink_file_prefix", "symlink to the file, prefix rule", op_open,
	  { .a = "@/public/link-data" }, .x = X_KILL },
	{ "symlink_dir_prefix",
	  "relative symlink to the directory, prefix rule", op_open,
	  { .a = "@/link-dir/data" }, .x = X_KILL },
	/* openat with a dirfd, O_PATH dirfd */
	{ "openat_dirfd_equal", "openat(dirfd), equal rule", op_openat_dirfd,
	  { .a = "@", .b = "secret" }, .x = X_EPERM },
	{ "openat_dirfd_prefix",
	  "openat(dirfd of the denied dir), prefix rule", op_openat_dirfd,
	  { .a = "@/private", .b = "data" }, .x = X_KILL },
	{ "openat_opath_dirfd_prefix", "openat(O_PATH dirfd), prefix rule",
	  op_openat_opath_dir, { .a = "@/private", .b = "data" }, .x = X_KILL },
	/* openat2 with RESOLVE_* */
	{ "openat2_equal", "openat2, equal rule", op_openat2,
	  { .b = "@/secret" }, .x = X_EPERM },
	{ "openat2_beneath_prefix", "openat2 RESOLVE_BENEATH, prefix rule",
	  op_openat2, { .a = "@", .b = "private/data", .resolve = RESOLVE_BENEATH }, .x = X_KILL },
	{ "openat2_in_root_prefix", "openat2 RESOLVE_IN_ROOT, prefix rule",
	  op_openat2, { .a = "@", .b = "/private/data", .resolve = RESOLVE_IN_ROOT }, .x = X_KILL },
	{ "openat2_no_links_equal",
	  "openat2 RESOLVE_NO_SYMLINKS|NO_XDEV, equal rule", op_openat2,
	  { .a = "@", .b = "secret", .resolve = NO_LINKS_XDEV }, .x = X_EPERM },
	/* /proc/self/fd of an O_PATH fd. O_PATH opens reach no fanotify
	 * permission event, but the open tracepoint sees them: a denied path
	 * opened even with O_PATH kills (stricter than needed, never
	 * weaker), for equal and prefix rules alike. */
	{ "opath_reopen_equal",
	  "O_PATH open of the equal-denied file (then /proc/self/fd reopen)",
	  op_proc_fd_reopen, { .a = "@/secret" }, .x = X_KILL },
	{ "opath_reopen_prefix", "O_PATH open under a denied prefix",
	  op_proc_fd_reopen, { .a = "@/private/data" }, .x = X_KILL },
	{ "opath_dir_prefix",
	  "/proc/self/fd/N/data of an O_PATH dir fd, prefix rule",
	  op_proc_fd_dir, { .a = "@/private", .b = "data" }, .x = X_KILL },
	/* /proc/self/root, chroot, a new mount namespace */
	{ "proc_root_equal", "/proc/self/root/..., equal rule", op_proc_root,
	  { .a = "@/secret" }, .x = X_EPERM },
	{ "proc_root_prefix", "/proc/self/root/..., prefix rule",
	  op_proc_root, { .a = "@/private/data" }, .x = X_KILL },
	{ "chroot_equal", "chroot into the parent dir, equal rule", op_chroot,
	  { .a = "@", .b = "/secret" }, .x = X_EPERM },
	{ "chroot_prefix", "chroot into the parent dir, prefix rule",
	  op_chroot, { .a = "@", .b = "/private/data" }, .x = X_KILL },
	{ "unshare_equal", "unshare -m, equal rule", op_unshare_open,
	  { .a = "@/secret" }, .x = X_EPERM },
	{ "unshare_prefix", "unshare -m, prefix rule", op_unshare_open,
	  { .a = "@/private/data" }, .x = X_KILL },
};

/* Paths are resolved in the kernel from the opened struct file, so how the
 * path was spelled does not matter. */
TEST_T(bypass_open_spelling, 90)
{
	char ln[256];
	struct test_event *ev;
	struct agent_run a;
	size_t i;

	TEST_NEED_ROOT();
	if (!ASSERT_OK(bypass_start(&a, NULL), "agent_start"))
		return;
	if (!ASSERT_OK(symlink(fx.secret, fx_path("@/link-secret", ln,
						  sizeof(ln))),
		       "symlink to the secret") ||
	    !ASSERT_OK(symlink(fx.privfile, fx_path("@/public/link-data", ln,
						    sizeof(ln))),
		       "symlink to the private file") ||
	    !ASSERT_OK(symlink("private", fx_path("@/link-dir", ln,
						  sizeof(ln))),
		       "symlink to the private dir"))
		return;
	for (i = 0; i < ARRAY_SIZE(spell_cases); i++)
		if (test_subtest(spell_cases[i].name))
			open_case_run(&spell_cases[i]);

	/* detected: the events name the real path, not the spelling */
	if (test_subtest("events_name_real_path")) {
		struct outcome o;

		/* a kill of its own: the subtest stands alone */
		attempt(op_open, &(struct target){ .a = fx.privfile }, &o);
		EXPECT_OUTCOME(&o, X_KILL, NULL, false, "prefix-denied file");
		ev = agent_wait_event(&a, 5000,
				      EV_WHERE(EV_STR("type", "open"),
					       EV_STR("action", "kill"),
					       EV_SUFFIX("file.path",
							 "/private/data")));
		ASSERT_TRUE(ev, "kill event names the real path");
		test_event_free(ev);
		ASSERT_EQ(agent_count_events(
				  &a, EV_WHERE(EV_STR("type", "open"),
					       EV_ANYWHERE("link-data"))),
			  0, "no event names the symlink instead of the target");
		ASSERT_EQ(agent_count_events(
				  &a, EV_WHERE(EV_STR("type", "open"),
					       EV_ANYWHERE("/proc/self"))),
			  0, "no event names a /proc/self path");
		ASSERT_EQ(agent_count_events(&a,
					     EV_WHERE(EV_STR("type", "open"),
						      EV_ANYWHERE("/../"))),
			  0, "no event path keeps '..'");
	}
	test_subtest_end();
	agent_stop(&a);
	ASSERT_TRUE(json_lines_valid(a.out), "every line is JSON");
}

/* ----------------------------------------------------------- io_uring */

/* IORING_OP_OPENAT of t->a */
static int op_uring_open(void *arg)
{
	const struct target *t = arg;
	struct ring r;

	if (ring_open(&r))
		return -ENOSYS;
	return ring_openat(&r, t->a);
}

static const struct open_case uring_cases[] = {
	{ "equal", "IORING_OP_OPENAT of the equal-denied file (fanotify)",
	  op_uring_open, { .a = "@/secret" }, .x = X_EPERM },
	/* LIMIT: no syscall tracepoint on io_uring opens; the read goes
	 * through read(2), which is not hooked either */
	{ "prefix_limit",
	  "IORING_OP_OPENAT under a denied prefix: a known limit without BPF LSM",
	  op_uring_open, { .a = "@/private/data" }, .x = X_READS, .content = PRIVATE },
	{ "allowed", "IORING_OP_OPENAT of an allowed file works",
	  op_uring_open, { .a = "@/public/data" }, .x = X_READS, .content = PUBLIC },
};

TEST(bypass_io_uring)
{
	struct agent_run a;
	struct ring r;
	size_t i;

	TEST_NEED_ROOT();
	if (ring_open(&r))
		test_skip("io_uring not available here");
	close(r.fd);
	if (!ASSERT_OK(bypass_start(&a, NULL), "agent_start"))
		return;
	for (i = 0; i < ARRAY_SIZE(uring_cases); i++)
		if (test_subtest(uring_cases[i].name))
			open_case_run(&uring_cases[i]);
	test_subtest_end();
	agent_stop(&a);
}
