// SPDX-License-Identifier: GPL-2.0
/*
 * Bypass resistance at the bounds of the kernel side (see test_bypass.c
 * for the rules of these tests): paths deeper than the dentry walk, names
 * of 255 bytes, paths longer than the walk's buffer, and open flags that
 * another thread changes in user memory while the kernel opens. Failing
 * closed: a path the walk cannot resolve whole never escapes a deny rule
 * that could match it, and its event says the path is truncated; a path
 * that no rule can match stays allowed however deep it is.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bypass_util.h"
#include "test.h"

#define DEEP 80
/* deeper than the walk goes (RTG_WALK_MAX, bpf/path.bpf.h) */
#define VERY_DEEP 1100

/* mkdir -p of `levels` directories named `name` below dir, then a file
 * `data` holding content at the bottom; the bottom dir's path in out
 * (when it fits: NULL otherwise, the tree is made through dirfds). */
static int deep_tree(const char *dir, const char *name, int levels,
		     const char *content)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY), nfd, i;
	ssize_t n;

	if (fd < 0)
		return -errno;
	for (i = 0; i < levels; i++) {
		if (mkdirat(fd, name, 0755) && errno != EEXIST)
			break;
		nfd = openat(fd, name, O_RDONLY | O_DIRECTORY);
		close(fd);
		fd = nfd;
		if (fd < 0)
			return -errno;
	}
	if (i < levels) {
		close(fd);
		return -EIO;
	}
	nfd = openat(fd, "data", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	close(fd);
	if (nfd < 0)
		return -errno;
	n = write(nfd, content, strlen(content));
	close(nfd);
	return n == (ssize_t)strlen(content) ? 0 : -EIO;
}

/* chdir down `levels` x `name` below t->a (by dirfds), open t->b */
struct deep_target {
	const char *dir, *name, *file;
	int levels;
};

static int op_deep_open(void *arg)
{
	const struct deep_target *t = arg;
	int i, fd;

	if (chdir(t->dir))
		return -ENOTDIR;
	for (i = 0; i < t->levels; i++)
		if (chdir(t->name))
			return -ENOTDIR;
	fd = open(t->file, O_RDONLY);
	return fd < 0 ? -errno : fd;
}

/* the absolute path of the deep file, when it fits PATH_MAX */
static int op_deep_abs(void *arg)
{
	const struct deep_target *t = arg;
	size_t cap = 4096, n;
	char *p = malloc(cap);
	int i, fd;

	if (!p)
		return -ENOMEM;
	n = snprintf(p, cap, "%s", t->dir);
	for (i = 0; i < t->levels && n < cap; i++)
		n += snprintf(p + n, cap - n, "/%s", t->name);
	if (n < cap)
		n += snprintf(p + n, cap - n, "/%s", t->file);
	if (n >= cap) {
		free(p);
		return -ENAMETOOLONG;
	}
	fd = open(p, O_RDONLY);
	free(p);
	return fd < 0 ? -errno : fd;
}

static char name255[256];

/* The trees, made before the agent starts (it would kill their maker). */
static int deep_trees(void)
{
	memset(name255, 'n', 255);
	return deep_tree(fx.privdir, "d", DEEP, PRIVATE) ?:
	       deep_tree(fx.pubdir, "d", DEEP, PUBLIC) ?:
	       deep_tree(fx.privdir, "v", VERY_DEEP, PRIVATE) ?:
	       deep_tree(fx.privdir, name255, 20, PRIVATE) ?:
	       deep_tree(fx.privdir, name255, 1, PRIVATE) ?:
	       deep_tree(fx.pubdir, name255, 20, PUBLIC);
}

/* What the bounds can hide, below the prefix-denied directory and in the
 * public one. */
static void deep_cases(struct agent_run *a)
{
	struct deep_target t;
	struct test_event *ev;
	struct outcome o;

	if (test_subtest("deep_prefix_relative")) {
		t = (struct deep_target){fx.privdir, "d", "data", DEEP};
		attempt(op_deep_open, &t, &o);
		EXPECT_OUTCOME(&o, X_KILL, NULL, false,
			       "80 levels below a prefix-denied dir, relative");
		ev = agent_wait_event(
		    a, 5000,
		    EV_WHERE(EV_STR("type", "open"), EV_STR("action", "kill"),
			     EV_ABSENT("file.truncated"),
			     EV_SUFFIX("file.path", "/d/d/data")));
		ASSERT_TRUE(ev, "kill event with the whole path");
		if (ev)
			ASSERT_TRUE(!strncmp(ev_str(ev, "file.path"),
					     fx.privdir, strlen(fx.privdir)),
				    "the path starts at the root");
		test_event_free(ev);
	}
	if (test_subtest("deeper_than_walk_prefix")) {
		/* the walk stops before the root: failing closed */
		t = (struct deep_target){fx.privdir, "v", "data", VERY_DEEP};
		attempt(op_deep_open, &t, &o);
		EXPECT_OUTCOME(&o, X_KILL, NULL, false,
			       "1100 levels below a prefix-denied dir");
		ev = agent_wait_event(
		    a, 5000,
		    EV_WHERE(EV_STR("type", "open"), EV_STR("action", "kill"),
			     EV_BOOL("file.truncated", 1),
			     EV_SUFFIX("file.path", "/v/v/data")));
		ASSERT_TRUE(ev, "kill event, path marked truncated");
		test_event_free(ev);
	}
	if (test_subtest("deep_prefix_absolute")) {
		t = (struct deep_target){fx.privdir, "d", "data", DEEP};
		attempt(op_deep_abs, &t, &o);
		EXPECT_OUTCOME(&o, X_KILL, NULL, false,
			       "80 levels below a prefix-denied dir, absolute");
	}
	if (test_subtest("long_names_prefix")) {
		/* 20 names of 255 bytes: longer than the walk's buffer */
		t = (struct deep_target){fx.privdir, name255, "data", 20};
		attempt(op_deep_open, &t, &o);
		EXPECT_OUTCOME(&o, X_KILL, NULL, false,
			       "255-byte names past the buffer, prefix rule");
		ev = agent_wait_event(
		    a, 5000,
		    EV_WHERE(EV_STR("type", "open"), EV_STR("action", "kill"),
			     EV_BOOL("file.truncated", 1),
			     EV_SUFFIX("file.path", "/data")));
		ASSERT_TRUE(ev, "kill event, path marked truncated");
		test_event_free(ev);
		t.levels = 1;
		attempt(op_deep_abs, &t, &o);
		EXPECT_OUTCOME(&o, X_KILL, NULL, false,
			       "one 255-byte name, prefix rule");
	}
	/* failing closed only where a rule could match: the topmost
	 * components are known even when the string is not whole */
	if (test_subtest("deep_public_reads")) {
		t = (struct deep_target){fx.pubdir, "d", "data", DEEP};
		attempt(op_deep_open, &t, &o);
		EXPECT_OUTCOME(&o, X_READS, PUBLIC, false,
			       "80 levels in the public dir");
		t = (struct deep_target){fx.pubdir, name255, "data", 20};
		attempt(op_deep_open, &t, &o);
		EXPECT_OUTCOME(&o, X_READS, PUBLIC, false,
			       "255-byte names past the buffer, public dir");
	}
}

/* ------------------------------------------------------- openat2 race */

struct flip {
	struct open_how how;
	volatile int stop;
};

static void *flipper(void *arg)
{
	struct flip *f = arg;
	volatile __u64 *fl = &f->how.flags;
	volatile int i;

	/* each value held for a while: the kernel must copy both */
	while (!f->stop) {
		*fl = O_WRONLY;
		for (i = 0; i < 64; i++)
			;
		*fl = O_RDONLY;
		for (i = 0; i < 64; i++)
			;
	}
	return NULL;
}

/* openat2(path) in a loop while a thread flips how.flags between
 * O_RDONLY and O_WRONLY, for up to 3 s: exit 0 if no writable fd came,
 * 1 if one did and the process lived to write through it. */
static int op_openat2_race(void *arg)
{
	const struct target *t = arg;
	struct flip f = {.how.flags = O_RDONLY};
	long t0 = now_ms();
	pthread_t th;
	int fd, rc = 0, i;

	if (pthread_create(&th, NULL, flipper, &f))
		return -EAGAIN;
	for (i = 0; i < 200000 && now_ms() - t0 < 3000; i++) {
		fd =
		    syscall(SYS_openat2, AT_FDCWD, t->a, &f.how, sizeof(f.how));
		if (fd < 0)
			continue;
		if ((fcntl(fd, F_GETFL) & O_ACCMODE) != O_RDONLY &&
		    write(fd, "X", 1) == 1) {
			rc = 1;
			break;
		}
		close(fd);
	}
	f.stop = 1;
	pthread_join(th, NULL);
	_exit(rc);
}

static void openat2_race(void)
{
	char p[256];
	struct outcome o;
	bool ok;

	fx_path("@/wdir/file", p, sizeof(p));
	attempt(op_openat2_race, &(struct target){.a = p}, &o);
	ok = WIFSIGNALED(o.status) ||
	     (WIFEXITED(o.status) && WEXITSTATUS(o.status) == 0);
	ASSERT_TRUE(ok, "openat2 flags flipped by a thread: never a writable "
			"fd past a write deny");
	ASSERT_TRUE(!(WIFEXITED(o.status) && WEXITSTATUS(o.status) == 1),
		    "the flip race wrote through the fd");
}

/* The same race under an audit rule: nobody is killed, so each open the
 * kernel made writable must have its event, and no other open one. A
 * re-read of user memory misclassifies in both directions (under a deny
 * rule a wrongly killed reader would end the race first). */
static int op_openat2_count(void *arg)
{
	const struct target *t = arg;
	struct flip f = {.how.flags = O_RDONLY};
	long t0 = now_ms(), writable = 0;
	pthread_t th;
	char out[32];
	int fd, n, pfd[2];

	if (pthread_create(&th, NULL, flipper, &f))
		return -EAGAIN;
	while (now_ms() - t0 < 2000 && writable < 200) {
		fd =
		    syscall(SYS_openat2, AT_FDCWD, t->a, &f.how, sizeof(f.how));
		if (fd < 0)
			continue;
		if ((fcntl(fd, F_GETFL) & O_ACCMODE) != O_RDONLY)
			writable++;
		close(fd);
	}
	f.stop = 1;
	pthread_join(th, NULL);
	/* the count, for attempt() to read from an fd */
	n = snprintf(out, sizeof(out), "%ld\n", writable);
	if (pipe(pfd) || write(pfd[1], out, n) != n)
		return -EIO;
	close(pfd[1]);
	return pfd[0];
}

static void openat2_race_audit(struct agent_run *a)
{
	char p[256];
	struct outcome o;
	long writable;
	int ev = 0;

	fx_path("@/adir/file", p, sizeof(p));
	attempt(op_openat2_count, &(struct target){.a = p}, &o);
	if (!ASSERT_TRUE(WIFEXITED(o.status) && WEXITSTATUS(o.status) == 0,
			 "race loop"))
		return;
	writable = strtol(o.buf, NULL, 10);
	wait_until(
	    (ev = agent_count_events(
		 a, EV_WHERE(EV_STR("type", "open"), EV_STR("action", "audit"),
			     EV_STR("file.path", p)))) >= writable,
	    5000);
	ASSERT_TRUE(writable > 0, "the race gave writable fds");
	ASSERT_EQ(ev, writable,
		  "one audit event per writable fd, none for the others");
}

#define WRITE_DENY                                                             \
	"  - name: nowrite\n"                                                  \
	"    on: open\n"                                                       \
	"    match: { path: { prefix: [%s/wdir/] }, flags: [write] }\n"        \
	"    action: deny\n"                                                   \
	"  - name: audwrite\n"                                                 \
	"    on: open\n"                                                       \
	"    match: { path: { prefix: [%s/adir/] }, flags: [write] }\n"        \
	"    action: audit\n"

TEST_T(bypass_bounds, 120)
{
	char rules[1024], p[256];
	struct agent_run a;

	TEST_NEED_ROOT();
	if (!ASSERT_OK(fixture_make(), "fixture"))
		return;
	snprintf(rules, sizeof(rules), WRITE_DENY, fx.dir, fx.dir);
	if (!ASSERT_OK(fixture_policy(rules), "policy") ||
	    !ASSERT_OK(mkdir(fx_path("@/wdir", p, sizeof(p)), 0755), "wdir") ||
	    !ASSERT_OK(put_file(fx_path("@/wdir/file", p, sizeof(p)), "w\n"),
		       "wdir/file") ||
	    !ASSERT_OK(mkdir(fx_path("@/adir", p, sizeof(p)), 0755), "adir") ||
	    !ASSERT_OK(put_file(fx_path("@/adir/file", p, sizeof(p)), "a\n"),
		       "adir/file") ||
	    !ASSERT_OK(deep_trees(), "deep trees") ||
	    !ASSERT_OK(agent_start(&a, N("--policy", fx.policy)), "agent"))
		return;
	deep_cases(&a);
	if (test_subtest("openat2_flag_race"))
		openat2_race();
	if (test_subtest("openat2_flag_race_audit"))
		openat2_race_audit(&a);
	test_subtest_end();
	agent_stop(&a);
}
