// SPDX-License-Identifier: GPL-2.0
/*
 * Bypass resistance (see test_bypass.c): mounts that show a protected file
 * under another path. A bind mount, a detached open_tree() clone and an
 * overlayfs mount whose lower layer is the protected directory, each used
 * to open and to exec, as root and as nobody in a user and mount namespace
 * of its own (unshare -Urm), against equal, prefix and suffix rules. The
 * file is matched by its real path too (bpf/path.bpf.h): the prefix and
 * suffix rules kill, the equal ones answer EPERM (fanotify, on the inode).
 * And renames: a directory renamed into the prefix-denied one is denied
 * from the next open on, a file renamed out of it is not (path rules, and
 * nothing cached a rename could make stale).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bypass_util.h"
#include "test.h"

extern char **environ;

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif

enum via { BIND, CLONE, OVERLAY };
enum what { OPEN, EXEC };

/* One attempt: show dir through `via` (in the child's own mount namespace),
 * then open or exec `name` below it. */
struct mcase {
	enum via via;
	enum what what;
	bool nobody;	    /* as uid 65534 in a user namespace of its own */
	const char *dir;    /* '@': the fixture dir */
	const char *name;   /* below it */
	const char *marker; /* exec: the program's argument (a file it makes) */
};

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -EIO;
}

/* nobody, in a user namespace of its own that maps it to root, with a
 * mount namespace of its own */
static int become_userns_root(void)
{
	char map[64];

	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		return -ECHILD;
	/* setuid() made us undumpable: /proc/self would stay root's */
	if (prctl(PR_SET_DUMPABLE, 1) || unshare(CLONE_NEWUSER | CLONE_NEWNS))
		return -ECHILD;
	if (write_file("/proc/self/setgroups", "deny"))
		return -ECHILD;
	snprintf(map, sizeof(map), "0 65534 1");
	if (write_file("/proc/self/uid_map", map) ||
	    write_file("/proc/self/gid_map", map))
		return -ECHILD;
	return 0;
}

/* The directory that shows c->dir: a path (bind, overlay) or, for a
 * clone, "/proc/self/fd/N" of the detached mount. */
static int show(const struct mcase *c, const char *dir, char *out, size_t n)
{
	char up[200], work[256], opts[1024];
	int fd;

	switch (c->via) {
	case BIND:
		snprintf(out, n, "%s/.mnt-bind", fx.dir);
		return mount(dir, out, NULL, MS_BIND, NULL) ? -ENODEV : 0;
	case CLONE:
		fd = syscall(SYS_open_tree, AT_FDCWD, dir,
			     OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		if (fd < 0)
			return -ENODEV;
		snprintf(out, n, "/proc/self/fd/%d", fd);
		return 0;
	case OVERLAY:
		snprintf(up, sizeof(up), "%s/.ovl-up", fx.dir);
		snprintf(out, n, "%s/.mnt-ovl", fx.dir);
		/* upper and work dirs on a tmpfs of the namespace's own */
		if (mount("tmpfs", up, "tmpfs", 0, NULL))
			return -ENODEV;
		snprintf(work, sizeof(work), "%s/w", up);
		snprintf(opts, sizeof(opts),
			 "lowerdir=%s,upperdir=%s/u,workdir=%s", dir, up, work);
		if (mkdir(work, 0755))
			return -ENODEV;
		snprintf(work, sizeof(work), "%s/u", up);
		if (mkdir(work, 0755))
			return -ENODEV;
		return mount("overlay", out, "overlay", 0, opts) ? -ENODEV : 0;
	}
	return -EINVAL;
}

static int op_mount(void *arg)
{
	const struct mcase *c = arg;
	char dir[256], shown[256], path[600], marker[256];
	char *argv[3] = {NULL, NULL, NULL};
	int fd, err;

	fx_path(c->dir, dir, sizeof(dir));
	if (c->nobody) {
		err = become_userns_root();
		if (err)
			return err;
	} else if (unshare(CLONE_NEWNS)) {
		return -EXDEV;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -EXDEV;
	err = show(c, dir, shown, sizeof(shown));
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/%s", shown, c->name);
	if (c->what == OPEN) {
		fd = open(path, O_RDONLY);
		return fd < 0 ? -errno : fd;
	}
	fx_path(c->marker, marker, sizeof(marker));
	argv[0] = (char *)c->name;
	argv[1] = marker;
	execve(path, argv, environ);
	return -errno;
}

static const char *const via_name[] = {"bind", "clone", "overlay"};

/* one case: it must be blocked as x says, and (exec) not have run */
static void mcase_run(struct mcase *c, enum expect x, const char *what)
{
	char marker[256], name[160];
	struct outcome o;
	bool ran;

	snprintf(name, sizeof(name), "%s %s (%s)", via_name[c->via], what,
		 c->nobody ? "nobody, unshare -Urm" : "root");
	if (c->what == EXEC) {
		fx_path("@/ran-marker", marker, sizeof(marker));
		unlink(marker);
		c->marker = "@/ran-marker";
	}
	attempt(op_mount, c, &o);
	if (WIFEXITED(o.status) && WEXITSTATUS(o.status) == ENODEV) {
		printf("  %s: the mount cannot be made here: skipped\n", name);
		return;
	}
	if (!ASSERT_TRUE(!WIFEXITED(o.status) ||
			     WEXITSTATUS(o.status) != ECHILD,
			 "became nobody in a user namespace of its own"))
		return;
	ran = c->what == EXEC && access(marker, F_OK) == 0;
	EXPECT_OUTCOME(&o, x, NULL, ran, name);
}

/* the rules under attack beside the fixture's: suffix rules on open and
 * exec */
#define SUFFIX_RULES                                                           \
	"  - name: sfx-open\n"                                                 \
	"    on: open\n"                                                       \
	"    match: { path: { suffix: [/sfx-secret] } }\n"                     \
	"    action: deny\n"                                                   \
	"  - name: sfx-exec\n"                                                 \
	"    on: exec\n"                                                       \
	"    match: { path: { suffix: [/xmrig] } }\n"                          \
	"    action: kill\n"

static int mount_fixture(void)
{
	char p[256];
	const char *const dirs[] = {"@/.mnt-bind", "@/.mnt-ovl", "@/.ovl-up",
				    "@/opt"};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(dirs); i++)
		if (mkdir(fx_path(dirs[i], p, sizeof(p)), 0777) &&
		    errno != EEXIST)
			return -errno;
	chmod(fx_path("@/.mnt-bind", p, sizeof(p)), 0777);
	chmod(fx_path("@/.mnt-ovl", p, sizeof(p)), 0777);
	chmod(fx_path("@/.ovl-up", p, sizeof(p)), 0777);
	/* the fixture dir itself: nobody makes its marker there */
	chmod(fx.dir, 0777);
	if (put_file(fx_path("@/opt/sfx-secret", p, sizeof(p)), SECRET "\n") ||
	    chmod(p, 0644) ||
	    copy_exec("/usr/bin/touch", fx_path("@/opt/xmrig", p, sizeof(p))))
		return -EIO;
	return 0;
}

static void mount_cases(bool nobody)
{
	static const enum via vias[] = {BIND, CLONE, OVERLAY};
	struct mcase c;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(vias); i++) {
		c = (struct mcase){.via = vias[i], .nobody = nobody};
		c.what = OPEN;
		c.dir = "@/private";
		c.name = "data";
		mcase_run(&c, X_KILL, "open, prefix rule");
		c.dir = "@/opt";
		c.name = "sfx-secret";
		mcase_run(&c, X_KILL, "open, suffix rule");
		c.dir = "@";
		c.name = "secret";
		mcase_run(&c, X_EPERM, "open, equal rule");
		c.what = EXEC;
		c.dir = "@/killbin";
		c.name = "touch";
		mcase_run(&c, X_KILL, "exec, prefix rule");
		c.dir = "@/opt";
		c.name = "xmrig";
		mcase_run(&c, X_KILL, "exec, suffix rule");
	}
}

/* rename a directory into the prefix-denied one between two opens, and a
 * file out of it */
static void renames(void)
{
	char a[256], b[256], f[256], g[256];
	struct outcome o;

	fx_path("@/public/moving", a, sizeof(a));
	fx_path("@/private/moving", b, sizeof(b));
	if (!ASSERT_OK(mkdir(a, 0755), "dir") ||
	    !ASSERT_OK(put_file(fx_path("@/public/moving/data", f, sizeof(f)),
				PUBLIC "\n"),
		       "file"))
		return;
	attempt(op_open, &(struct target){.a = f}, &o);
	EXPECT_OUTCOME(&o, X_READS, PUBLIC, false, "before the rename: read");
	if (!ASSERT_OK(rename(a, b), "rename into the denied dir"))
		return;
	fx_path("@/private/moving/data", g, sizeof(g));
	attempt(op_open, &(struct target){.a = g}, &o);
	EXPECT_OUTCOME(&o, X_KILL, NULL, false,
		       "renamed into the prefix-denied dir: killed");
	/* and a file out of it: its new path is not denied (path rules; no
	 * verdict was kept for the old one) */
	fx_path("@/public/was-private", f, sizeof(f));
	if (!ASSERT_OK(rename(g, f), "rename out of the denied dir"))
		return;
	attempt(op_open, &(struct target){.a = f}, &o);
	EXPECT_OUTCOME(&o, X_READS, PUBLIC, false,
		       "renamed out of the prefix-denied dir: read");
}

TEST_T(bypass_mounts, 120)
{
	struct agent_run a;

	TEST_NEED_ROOT();
	if (!ASSERT_OK(fixture_make(), "fixture") ||
	    !ASSERT_OK(fixture_policy(SUFFIX_RULES), "policy") ||
	    !ASSERT_OK(mount_fixture(), "mount fixture") ||
	    !ASSERT_OK(agent_start(&a, N("--policy", fx.policy)), "agent"))
		return;
	if (test_subtest("as_root"))
		mount_cases(false);
	if (test_subtest("as_nobody_in_userns"))
		mount_cases(true);
	if (test_subtest("renames"))
		renames();
	test_subtest_end();
	agent_stop(&a);
}

/* runc re-executes itself from a clone of its binary (a memfd or a
 * detached mount): under prefix and suffix exec kill rules the container
 * starts, and the re-exec is reported with runc's real path, not "/". */
TEST_T(bypass_runc_reexec, 120)
{
	char dir[] = "/tmp/rtg-runc-XXXXXX", pol[128], out[256], runc[4096];
	char *const argv[] = {"podman",
			      "--runtime",
			      "/usr/sbin/runc",
			      "--cgroup-manager",
			      "cgroupfs",
			      "run",
			      "--rm",
			      "--ulimit",
			      "nofile=1024:1024",
			      "--ulimit",
			      "nproc=1024:1024",
			      "--network",
			      "none",
			      "localhost/rtg-busybox:1",
			      "/bin/sh",
			      "-c",
			      "echo container-started",
			      NULL};
	char *const probe[] = {"podman", "image", "exists",
			       "localhost/rtg-busybox:1", NULL};
	struct test_event *ev;
	struct agent_run a;

	TEST_NEED_ROOT();
	if (access("/usr/bin/podman", X_OK) || access("/usr/sbin/runc", X_OK) ||
	    run_cmd(probe, NULL, 0))
		test_skip("podman, runc or the image localhost/rtg-busybox:1 "
			  "(KERNELS.md) missing");
	if (!ASSERT_TRUE(test_mkdtemp(dir), "mkdtemp") ||
	    !ASSERT_TRUE(realpath("/usr/sbin/runc", runc), "runc's path"))
		return;
	snprintf(pol, sizeof(pol), "%s/p.yaml", dir);
	if (!ASSERT_OK(
		put_file(
		    pol,
		    "name: runc\n"
		    "defaults: { exec: audit, open: allow, connect: allow }\n"
		    "rules:\n"
		    "  - name: sfx\n"
		    "    on: exec\n"
		    "    match: { path: { suffix: [/xmrig] } }\n"
		    "    action: kill\n"
		    "  - name: pfx\n"
		    "    on: exec\n"
		    "    match: { path: { prefix: [/opt/x/] } }\n"
		    "    action: kill\n"),
		"policy") ||
	    !ASSERT_OK(agent_start(&a, N("--policy", pol)), "agent"))
		return;
	run_cmd(argv, out, sizeof(out));
	ASSERT_TRUE(strstr(out, "container-started"), "the container starts");
	ev = agent_wait_event(&a, 10000,
			      EV_WHERE(EV_STR("type", "exec"),
				       EV_STR("process.args[1]", "init"),
				       EV_CONTAINS("process.binary", "runc")));
	if (ASSERT_TRUE(ev, "runc init's exec event"))
		ASSERT_STREQ(ev_str(ev, "process.binary"), runc,
			     "reported with runc's real path");
	test_event_free(ev);
	agent_stop(&a);
	ASSERT_EQ(
	    agent_count_events(&a, EV_WHERE(EV_STR("type", "exec"),
					    EV_STR("process.binary", "/"))),
	    0, "no exec reported as /");
	ASSERT_EQ(agent_count_events(&a, EV_WHERE(EV_STR("action", "kill"))), 0,
		  "nothing killed");
}
