// SPDX-License-Identifier: GPL-2.0
/* Process cache: container ids from cgroup paths, exec_id, /proc seeding
 * (fake tree and the real /proc), eviction and pid reuse. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "proc_cache.h"
#include "proc_util.h"
#include "test.h"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define POD_D "1a2b3c4d-0000-4e5f-8a9b-0c1d2e3f4a5b"
#define POD_U "1a2b3c4d_0000_4e5f_8a9b_0c1d2e3f4a5b"

struct cg_case {
	const char *path, *id, *pod;
};

TEST(container_parse_runtimes)
{
	static const struct cg_case ok[] = {
	    {"/system.slice/docker-" HEX64 ".scope", HEX64, ""},
	    {"/docker/" HEX64, HEX64, ""},
	    {"/system.slice/cri-containerd-" HEX64 ".scope", HEX64, ""},
	    {"/machine.slice/libpod-" HEX64 ".scope", HEX64, ""},
	    {"/user.slice/user-1000.slice/user@1000.service/user.slice/"
	     "libpod-" HEX64 ".scope/container",
	     HEX64, ""},
	    {"/kubepods.slice/kubepods-besteffort.slice/"
	     "kubepods-besteffort-pod" POD_U ".slice/crio-" HEX64 ".scope",
	     HEX64, POD_D},
	    {"/kubepods.slice/kubepods-burstable.slice/"
	     "kubepods-burstable-pod" POD_U ".slice/cri-containerd-" HEX64
	     ".scope",
	     HEX64, POD_D},
	    {"/kubepods.slice/kubepods-pod" POD_U ".slice/docker-" HEX64
	     ".scope",
	     HEX64, POD_D},
	    {"/kubepods/burstable/pod" POD_D "/" HEX64, HEX64, POD_D},
	    {"/kubepods/pod" POD_D "/" HEX64, HEX64, POD_D},
	    /* pod cgroup itself: pod uid, no container */
	    {"/kubepods/besteffort/pod" POD_D, "", POD_D},
	    /* kind: the innermost container wins */
	    {"/docker/"
	     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	     "/kubepods/besteffort/pod" POD_D "/" HEX64,
	     HEX64, POD_D},
	};
	static const char *const bad[] = {
	    "/",
	    "",
	    "/user.slice/user-1000.slice/session-3.scope",
	    "/system.slice/docker.service",
	    "/system.slice/docker-" HEX64 "0.scope",	   /* 65 hex */
	    "/system.slice/docker-0123456789abcdef.scope", /* short */
	    "/system.slice/docker-0123456789ABCDEF0123456789abcdef0123456789"
	    "abcdef0123456789abcdef.scope", /* upper case */
	    "/system.slice/docker-" HEX64 ".scopeX",
	    "/machine.slice/libpod-conmon-" HEX64 ".scope",
	    "/system.slice/crio-conmon-" HEX64 ".scope",
	    "/kubepods.slice/kubepods-besteffort.slice",
	    "/kubepods.slice/kubepods-besteffort-pod1234.slice",
	    "/kubepods/burstable/podnot-a-uid",
	    "/system.slice/pod" POD_D, /* not under kubepods */
	};
	char id[65], pod[37];
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ASSERT_OK(container_parse(ok[i].path, id, pod), ok[i].path);
		ASSERT_STREQ(id, ok[i].id, ok[i].path);
		ASSERT_STREQ(pod, ok[i].pod, ok[i].path);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ASSERT_EQ(container_parse(bad[i], id, pod), -ENOENT, bad[i]);
		ASSERT_STREQ(id, "", bad[i]);
		ASSERT_STREQ(pod, "", bad[i]);
	}
	ASSERT_EQ(container_parse(NULL, id, pod), -ENOENT, "NULL path");
}

TEST(exec_id_format_tetragon)
{
	char buf[RTG_EXEC_ID_MAX];
	struct proc_cache_opts o = {.nodename = "testnode"};
	struct proc_cache *pc;

	/* base64("node1:123456789:42") */
	ASSERT_STREQ(exec_id_format("node1", 42, 123456789, buf),
		     "bm9kZTE6MTIzNDU2Nzg5OjQy", "exec_id");
	/* padding: base64("a:1:2") = "YToxOjI=" */
	ASSERT_STREQ(exec_id_format("a", 2, 1, buf), "YToxOjI=", "padding");
	pc = proc_cache_new(&o);
	if (!ASSERT_TRUE(pc, "proc_cache_new"))
		return;
	ASSERT_STREQ(proc_cache_exec_id(pc, 4242, 2000000000, buf),
		     "dGVzdG5vZGU6MjAwMDAwMDAwMDo0MjQy", "cache nodename");
	/* pid reuse: same pid, other start -> other id */
	ASSERT_NEQ(strcmp(proc_cache_exec_id(pc, 4242, 2000000001, buf),
			  "dGVzdG5vZGU6MjAwMDAwMDAwMDo0MjQy"),
		   0, "differs on exec_ktime");
	proc_cache_free(pc);
}

TEST(proc_start_boot_ns_ticks)
{
	long tck = sysconf(_SC_CLK_TCK);

	ASSERT_EQ(proc_start_boot_ns(0), 0, "zero");
	ASSERT_EQ(proc_start_boot_ns(tck), 1000000000ull, "one second");
	ASSERT_EQ(proc_start_boot_ns(1), 1000000000ull / tck, "one tick");
	/* 10 years of ticks must not overflow */
	ASSERT_EQ(proc_start_boot_ns(10ull * 365 * 86400 * tck),
		  10ull * 365 * 86400 * 1000000000ull, "no overflow");
}

TEST(proc_cache_seed_fake_tree)
{
	char root[] = "/tmp/rtg_fakeproc.XXXXXX", path[300],
	     id[RTG_EXEC_ID_MAX];
	static const char args2[] = "evil\0a\nb\x1b[31m\xff\0\0last";
	struct proc_cache_opts o = {.nodename = "testnode",
				    .proc_root = "/nonexistent"};
	const struct rtg_proc_info *p, *q, *k;
	struct proc_cache *pc = NULL;
	int n;

	if (!ASSERT_TRUE(test_mkdtemp(root), "mkdtemp"))
		return;
	if (!ASSERT_OK(
		fake_proc(root, 100, 1, "bash", 500, "/usr/bin/bash", "/home/u",
			  "-bash\0", 6,
			  "0::/user.slice/user-1000.slice/session-1.scope\n"),
		"fake 100"))
		goto cleanup;
	/* comm with ") " inside, args with odd bytes and an empty one, the
	 * last one without its NUL; a v1 line before the v2 one */
	if (!ASSERT_OK(
		fake_proc(root, 200, 100, "a) b (c", 12345, "/opt/x (deleted)",
			  "/", args2, sizeof(args2) - 1,
			  "1:cpu:/\n0::/system.slice/docker-" HEX64 ".scope\n"),
		"fake 200"))
		goto cleanup;
	/* a kernel thread: no exe, empty cmdline */
	if (!ASSERT_OK(fake_proc(root, 2, 0, "kthreadd", 1, NULL, NULL, "", 0,
				 "0::/\n"),
		       "fake 2"))
		goto cleanup;
	/* not a process / gone: ignored */
	snprintf(path, sizeof(path), "%s/self", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/300", root);
	mkdir(path, 0755);

	pc = proc_cache_new(&o);
	if (!ASSERT_TRUE(pc, "proc_cache_new"))
		goto cleanup;
	n = proc_cache_seed(pc, root);
	ASSERT_EQ(n, 3, "seeded");
	ASSERT_EQ(proc_cache_count(pc), 3, "count");

	p = proc_cache_get(pc, 200);
	if (!ASSERT_TRUE(p, "pid 200 cached"))
		goto cleanup;
	ASSERT_EQ(p->ppid, 100, "ppid");
	ASSERT_EQ(p->uid, 1000, "uid (real)");
	ASSERT_EQ(p->gid, 2000, "gid (real)");
	ASSERT_STREQ(p->comm, "a) b (c", "comm");
	ASSERT_STREQ(p->binary, "/opt/x (deleted)", "binary");
	ASSERT_STREQ(p->cwd, "/", "cwd");
	ASSERT_EQ(p->exec_ktime, proc_start_boot_ns(12345), "exec_ktime");
	ASSERT_STREQ(
	    p->exec_id,
	    exec_id_format("testnode", 200, proc_start_boot_ns(12345), id),
	    "exec_id");
	ASSERT_TRUE(p->seeded, "seeded flag");
	if (ASSERT_EQ(p->argc, 4, "argc")) {
		ASSERT_STREQ(p->argv[0], "evil", "argv0");
		ASSERT_STREQ(p->argv[1], "a\nb\x1b[31m\xff", "argv1 odd bytes");
		ASSERT_STREQ(p->argv[2], "", "argv2 empty");
		ASSERT_STREQ(p->argv[3], "last", "argv3 unterminated");
		ASSERT_TRUE(p->argv[4] == NULL, "argv NULL-terminated");
	}
	ASSERT_STREQ(p->container_id, HEX64, "container id");
	ASSERT_STREQ(p->pod_uid, "", "no pod");

	q = proc_cache_get(pc, 100);
	if (!ASSERT_TRUE(q, "pid 100 cached"))
		goto cleanup;
	ASSERT_STREQ(p->parent_exec_id, q->exec_id, "parent exec_id");
	ASSERT_EQ(p->parent_exec_ktime, q->exec_ktime, "parent exec_ktime");
	ASSERT_STREQ(q->container_id, "", "host: no container");
	ASSERT_EQ(q->argc, 1, "bash argc");
	ASSERT_STREQ(q->comm, "bash", "comm");

	k = proc_cache_get(pc, 2);
	if (ASSERT_TRUE(k, "kthread cached")) {
		ASSERT_TRUE(k->binary == NULL, "kthread: no binary");
		ASSERT_EQ(k->argc, 0, "kthread: no args");
	}
	ASSERT_TRUE(proc_cache_get(pc, 300) == NULL, "gone pid");
	/* seeding again adds nothing */
	ASSERT_EQ(proc_cache_seed(pc, root), 0, "reseed");
	ASSERT_EQ(proc_cache_seed(pc, "/nonexistent/proc"), -ENOENT,
		  "missing root");
cleanup:
	proc_cache_free(pc);
	snprintf(path, sizeof(path), "rm -rf '%s'", root);
	if (system(path))
		fprintf(stderr, "cleanup of %s failed\n", root);
}

TEST(proc_cache_seed_real_proc)
{
	struct proc_cache *pc = proc_cache_new(NULL);
	const struct rtg_proc_info *p;
	char exe[4096], cmd[8192];
	struct timespec now;
	ssize_t n;
	int fd, i, len = 0;

	if (!ASSERT_TRUE(pc, "proc_cache_new"))
		return;
	ASSERT_GE(proc_cache_seed(pc, "/proc"), 2, "seeded");
	p = proc_cache_get(pc, getpid());
	if (!ASSERT_TRUE(p, "self cached"))
		goto cleanup;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (ASSERT_GE(n, 1, "readlink")) {
		exe[n] = '\0';
		ASSERT_STREQ(p->binary, exe, "binary");
	}
	fd = open("/proc/self/cmdline", O_RDONLY);
	n = fd >= 0 ? read(fd, cmd, sizeof(cmd)) : -1;
	if (fd >= 0)
		close(fd);
	if (ASSERT_GE(n, 1, "cmdline")) {
		for (i = 0; i < p->argc; i++)
			len += strlen(p->argv[i]) + 1;
		ASSERT_EQ(len, n, "args bytes");
		ASSERT_STREQ(p->argv[0], cmd, "argv0");
	}
	ASSERT_EQ(p->ppid, getppid(), "ppid");
	ASSERT_EQ(p->uid, getuid(), "uid");
	clock_gettime(CLOCK_BOOTTIME, &now);
	ASSERT_TRUE(p->exec_ktime > 0 &&
			p->exec_ktime <=
			    (uint64_t)now.tv_sec * 1000000000ull + now.tv_nsec,
		    "exec_ktime in the past");
	/* our parent (forked runner) is known and linked */
	if (proc_cache_get(pc, getppid()))
		ASSERT_STREQ(p->parent_exec_id,
			     proc_cache_get(pc, getppid())->exec_id,
			     "parent link");
cleanup:
	proc_cache_free(pc);
}

static const struct rtg_proc_info *exec_pid(struct proc_cache *pc, uint32_t pid,
					    uint64_t kt, const char *bin)
{
	struct proc_exec_info in = {
	    .pid = pid,
	    .ppid = 1,
	    .exec_ktime = kt,
	    .comm = "x",
	    .binary = bin,
	    .binary_len = strlen(bin) + 1,
	    .args = "x\0y",
	    .args_len = 3,
	};

	return proc_cache_exec(pc, &in);
}

TEST(proc_cache_evict_and_reuse)
{
	struct proc_cache_opts o = {
	    .nodename = "n", .max_entries = 4, .proc_root = "/nonexistent"};
	struct proc_cache *pc = proc_cache_new(&o);
	const struct rtg_proc_info *p;
	char id1[RTG_EXEC_ID_MAX];
	uint32_t pid;

	if (!ASSERT_TRUE(pc, "proc_cache_new"))
		return;
	for (pid = 10; pid < 14; pid++)
		ASSERT_TRUE(exec_pid(pc, pid, pid * 1000, "/bin/a"), "exec");
	ASSERT_EQ(proc_cache_count(pc), 4, "full");
	p = proc_cache_get(pc, 10);
	if (ASSERT_TRUE(p, "10")) {
		ASSERT_EQ(p->argc, 2, "argc");
		ASSERT_STREQ(p->argv[1], "y", "argv1");
	}
	/* 10 was used: a new entry evicts the least recently used, 11 */
	ASSERT_TRUE(exec_pid(pc, 20, 1, "/bin/b"), "exec 20");
	ASSERT_EQ(proc_cache_count(pc), 4, "bounded");
	ASSERT_TRUE(proc_cache_get(pc, 11) == NULL, "lru evicted");
	ASSERT_TRUE(proc_cache_get(pc, 10) != NULL, "recent kept");

	/* exited entries go first and stay readable until reaped */
	p = proc_cache_exit(pc, 13);
	if (ASSERT_TRUE(p, "exit 13"))
		ASSERT_TRUE(p->exited, "marked");
	ASSERT_TRUE(proc_cache_get(pc, 13) != NULL, "readable after exit");
	ASSERT_TRUE(exec_pid(pc, 21, 1, "/bin/c"), "exec 21");
	ASSERT_TRUE(proc_cache_get(pc, 13) == NULL, "exited evicted first");
	ASSERT_TRUE(proc_cache_get(pc, 10) != NULL, "live kept");
	ASSERT_TRUE(proc_cache_get(pc, 12) != NULL, "live kept 12");
	ASSERT_TRUE(proc_cache_exit(pc, 999) == NULL, "unknown pid");

	/* pid reuse: new image, new exec_id, one entry */
	snprintf(id1, sizeof(id1), "%s", proc_cache_get(pc, 10)->exec_id);
	p = exec_pid(pc, 10, 777777, "/bin/new");
	if (ASSERT_TRUE(p, "re-exec")) {
		ASSERT_STREQ(p->binary, "/bin/new", "new image");
		ASSERT_NEQ(strcmp(p->exec_id, id1), 0, "new exec_id");
		ASSERT_TRUE(proc_cache_get(pc, 10) == p, "lookup new");
	}
	ASSERT_EQ(proc_cache_count(pc), 4, "count after reuse");
	proc_cache_exit(pc, 10);
	proc_cache_reap(pc);
	ASSERT_TRUE(proc_cache_get(pc, 10) == NULL, "reaped");
	ASSERT_EQ(proc_cache_count(pc), 3, "count after reap");
	proc_cache_free(pc);
}

TEST(proc_cache_container_lookup)
{
	char root[] = "/tmp/rtg_fakeproc.XXXXXX", cmd[300];
	struct proc_cache_opts o = {.nodename = "n"};
	struct proc_cache *pc = NULL;
	const char *id, *pod;

	if (!ASSERT_TRUE(test_mkdtemp(root), "mkdtemp"))
		return;
	o.proc_root = root;
	if (!ASSERT_OK(fake_proc(root, 50, 1, "c", 1, "/bin/c", "/", "c", 2,
				 "0::/kubepods/besteffort/pod" POD_D "/" HEX64
				 "\n"),
		       "fake 50"))
		goto cleanup;
	pc = proc_cache_new(&o);
	if (!ASSERT_TRUE(pc, "new"))
		goto cleanup;
	ASSERT_OK(proc_cache_container(pc, 777, 50, &id, &pod), "lookup");
	ASSERT_STREQ(id, HEX64, "id");
	ASSERT_STREQ(pod, POD_D, "pod");
	/* cached by cgroup id: found without the process */
	ASSERT_OK(proc_cache_container(pc, 777, 0, &id, &pod), "cached");
	ASSERT_STREQ(id, HEX64, "cached id");
	ASSERT_EQ(proc_cache_container(pc, 778, 51, &id, &pod), -ENOENT,
		  "unknown");
	ASSERT_STREQ(id, "", "unknown id");
cleanup:
	proc_cache_free(pc);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd))
		fprintf(stderr, "cleanup of %s failed\n", root);
}
