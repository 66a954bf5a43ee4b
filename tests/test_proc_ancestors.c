// SPDX-License-Identifier: GPL-2.0
/*
 * Parents and ancestors (user/lib/proc_ancestors.c) on a fake /proc tree:
 * a parent the cache never saw exec is learnt from /proc with the start
 * time the kernel side gave (to a clock tick), a reused pid is refused,
 * and the walk behind --ancestors stops at pid 1, at its bound, at a loop
 * and at an ancestor nothing is known of.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc_cache.h"
#include "proc_util.h"
#include "test.h"

#define CG "0::/libpod_parent/libpod-0123\n"

/* An exec of pid (binary bin) whose parent is ppid, started at pkt. */
static const struct rtg_proc_info *exec_of(struct proc_cache *pc, uint32_t pid,
					   uint32_t ppid, uint64_t kt,
					   uint64_t pkt, const char *bin)
{
	struct proc_exec_info in = {
	    .pid = pid,
	    .ppid = ppid,
	    .exec_ktime = kt,
	    .parent_exec_ktime = pkt,
	    .comm = "x",
	    .binary = bin,
	    .binary_len = strlen(bin) + 1,
	    .args = bin,
	    .args_len = strlen(bin) + 1,
	};

	return proc_cache_exec(pc, &in);
}

static void rm_tree(const char *root)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", root);
}

TEST(proc_ancestors_learnt_from_proc)
{
	char root[] = "/tmp/rtg_anc.XXXXXX", id[RTG_EXEC_ID_MAX];
	struct proc_cache_opts o = {.nodename = "testnode"};
	uint64_t k20 = proc_start_boot_ns(500) + 3000000; /* within a tick */
	const struct rtg_proc_info *p;
	struct rtg_ancestor an[RTG_ANCESTORS_MAX];
	struct proc_cache *pc = NULL;
	int n;

	if (!ASSERT_TRUE(test_mkdtemp(root), "mkdtemp"))
		return;
	o.proc_root = root;
	/* conmon (20) forked, never exec'd since the agent started; its
	 * parent is init (1) */
	if (!ASSERT_OK(fake_proc(root, 20, 1, "conmon", 500, "/usr/bin/conmon",
				 "/", "conmon\0", 7, CG),
		       "fake 20") ||
	    !ASSERT_OK(fake_proc(root, 1, 0, "init", 1, "/sbin/init", "/",
				 "init\0", 5, "0::/\n"),
		       "fake 1") ||
	    !ASSERT_OK(fake_proc(root, 77, 1, "other", 900, "/bin/other", "/",
				 "other\0", 6, "0::/\n"),
		       "fake 77"))
		goto out;
	pc = proc_cache_new(&o);
	if (!ASSERT_TRUE(pc, "cache"))
		goto out;
	/* the container's first process, child of 20 */
	exec_of(pc, 30, 20, proc_start_boot_ns(600), k20, "/bin/sh");

	p = proc_cache_parent(pc, 20, k20);
	if (ASSERT_TRUE(p, "parent learnt from /proc")) {
		ASSERT_STREQ(p->binary, "/usr/bin/conmon", "its binary");
		ASSERT_EQ(p->exec_ktime, k20, "the kernel's start time");
		ASSERT_STREQ(p->exec_id,
			     exec_id_format("testnode", 20, k20, id),
			     "the exec_id events gave it");
		ASSERT_EQ(p->ppid, 1, "its ppid");
	}
	ASSERT_TRUE(proc_cache_parent(pc, 20, k20) == p, "cached now");

	/* pid 77 started at tick 900: not the process that forked at k20 */
	ASSERT_TRUE(!proc_cache_parent(pc, 77, k20), "a reused pid refused");
	ASSERT_TRUE(!proc_cache_get(pc, 77), "and not cached");
	ASSERT_TRUE(!proc_cache_parent(pc, 99, 0), "a pid /proc lacks");

	/* the walk: sh's parent first, then init, then the end */
	n = proc_cache_ancestors(pc, 20, k20, an, RTG_ANCESTORS_MAX);
	if (ASSERT_EQ(n, 2, "conmon, init")) {
		ASSERT_EQ(an[0].pid, 20, "parent first");
		ASSERT_STREQ(an[0].binary, "/usr/bin/conmon", "its binary");
		ASSERT_STREQ(an[0].exec_id, p ? p->exec_id : "", "its exec_id");
		ASSERT_EQ(an[1].pid, 1, "init");
		ASSERT_STREQ(an[1].binary, "/sbin/init", "init learnt too");
	}
	ASSERT_EQ(proc_cache_ancestors(pc, 20, k20, an, 1), 1, "bounded");
	ASSERT_EQ(proc_cache_ancestors(pc, 20, k20, an, 0), 0, "none");
	ASSERT_EQ(proc_cache_ancestors(pc, 0, 0, an, 4), 0, "no parent");
out:
	proc_cache_free(pc);
	rm_tree(root);
}

TEST(proc_ancestors_unknown_and_loops)
{
	struct proc_cache_opts o = {.nodename = "testnode",
				    .proc_root = "/nonexistent"};
	struct rtg_ancestor an[RTG_ANCESTORS_MAX];
	char id[RTG_EXEC_ID_MAX];
	struct proc_cache *pc = proc_cache_new(&o);
	int n;

	if (!ASSERT_TRUE(pc, "cache"))
		return;
	/* 12 -> 11 -> 10 (10 unknown, not in /proc: listed by pid and
	 * exec_id, then the walk ends) */
	exec_of(pc, 11, 10, 2000, 1000, "/bin/b");
	exec_of(pc, 12, 11, 3000, 2000, "/bin/c");
	n = proc_cache_ancestors(pc, 11, 2000, an, RTG_ANCESTORS_MAX);
	if (ASSERT_EQ(n, 2, "b, then the unknown 10")) {
		ASSERT_STREQ(an[0].binary, "/bin/b", "b");
		ASSERT_EQ(an[1].pid, 10, "10 by pid");
		ASSERT_TRUE(!an[1].binary, "no binary");
		ASSERT_STREQ(an[1].exec_id,
			     exec_id_format("testnode", 10, 1000, id),
			     "and its exec_id");
	}
	/* a parent whose cached image is not the one the record names: the
	 * exec was missed, or the pid reused */
	n = proc_cache_ancestors(pc, 11, 999, an, RTG_ANCESTORS_MAX);
	ASSERT_EQ(n, 1, "stale: listed by pid only");
	ASSERT_TRUE(!an[0].binary, "not the cached binary");
	/* stale entries that point at each other */
	exec_of(pc, 7, 8, 0, 0, "/bin/seven");
	exec_of(pc, 8, 7, 0, 0, "/bin/eight");
	n = proc_cache_ancestors(pc, 8, 0, an, RTG_ANCESTORS_MAX);
	ASSERT_EQ(n, 2, "a loop ends the walk");
	proc_cache_free(pc);
}
