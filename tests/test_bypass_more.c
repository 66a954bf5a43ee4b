// SPDX-License-Identifier: GPL-2.0
/*
 * Bypass resistance of the hooks after connect (doc/BYPASS.md "Other
 * routes"), on this kernel (no BPF LSM: tracepoints and cgroup hooks):
 * each way around a rule is tried by a forked child of the test and its
 * outcome asserted, blocked or a stated limit. Every rule is scoped to
 * this test binary or to the test's temp dir.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent_util.h"
#include "test.h"
#include "uring_util.h"

static char dir[64], self[256], sockp[96], denied[128], policy[160];

static int unix_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int s = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (s < 0 || connect(s, (void *)&sa, sizeof(sa)))
		return errno;
	return 0;
}

/* ---- the attempts (in a forked child: 0 or an errno) --------------------- */

static int try_unix_relative(void)
{
	if (chdir(dir))
		return errno;
	return unix_connect("sock");
}

/* LIMIT: the rule sees the path given to connect(2); a symlink to the
 * socket is another path */
static int try_unix_symlink(void)
{
	char link[128];

	snprintf(link, sizeof(link), "%s/link.sock", dir);
	return unix_connect(link);
}

/* mapped readable, then made executable */
static int try_mprotect(void)
{
	int fd = open(denied, O_RDONLY);
	void *p;

	if (fd < 0)
		return errno;
	p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return errno;
	return mprotect(p, 4096, PROT_READ | PROT_EXEC) ? errno : 0;
}

static int try_uring_open(void)
{
	struct ring r;
	int fd, err = ring_open(&r);

	if (err)
		return -err;
	fd = ring_openat(&r, "/etc/hostname");
	return fd < 0 ? -fd : 0;
}

static int try_mount_relative(void)
{
	if (unshare(CLONE_NEWNS) ||
	    mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) || chdir(dir))
		return errno;
	return mount("tmpfs", "mnt", "tmpfs", 0, NULL) ? errno : 0;
}

/* clone(2) with a new namespace: killed before the child exists */
static int try_clone_newuts(void)
{
	long pid = syscall(SYS_clone, CLONE_NEWUTS | SIGCHLD, 0, 0, 0, 0);
	int st;

	if (pid == 0)
		_exit(0);
	if (pid < 0)
		return errno;
	waitpid(pid, &st, 0);
	return 0;
}

/* LIMIT: process_vm_writev writes another process's memory without ptrace
 * (BPF LSM's ptrace_access_check sees it; the tracepoints do not) */
static int try_vm_writev(void)
{
	static volatile char target_byte = 'a';
	char b = 'b';
	struct iovec local = {&b, 1}, remote = {(void *)&target_byte, 1};
	pid_t t = fork_sleeper();
	int st, r;

	r = process_vm_writev(t, &local, 1, &remote, 1, 0) == 1 ? 0 : errno;
	kill(t, SIGKILL);
	waitpid(t, &st, 0);
	return r;
}

static int run(int (*fn)(void))
{
	pid_t p = fork();

	if (p == 0)
		_exit(fn());
	return p < 0 ? -1 : wait_child(p, 10000);
}

#define KILLED(st)    (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
#define EXITED(st, e) (WIFEXITED(st) && WEXITSTATUS(st) == (e))

/* ---- fixture ----------------------------------------------------------------
 */

static int fixture(int *lfd)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char p[160], text[2048];
	ssize_t n;

	snprintf(dir, sizeof(dir), "/tmp/rtg-bm-XXXXXX");
	if (!test_mkdtemp(dir))
		return -errno;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return -EIO;
	self[n] = '\0';
	snprintf(sockp, sizeof(sockp), "%s/sock", dir);
	snprintf(denied, sizeof(denied), "%s/denied", dir);
	snprintf(policy, sizeof(policy), "%s/policy.yaml", dir);
	snprintf(p, sizeof(p), "%s/mnt", dir);
	if (mkdir(p, 0755) || copy_exec("/bin/true", denied))
		return -EIO;
	*lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sockp);
	if (*lfd < 0 || bind(*lfd, (void *)&sa, sizeof(sa)) || listen(*lfd, 8))
		return -errno;
	snprintf(p, sizeof(p), "%s/link.sock", dir);
	if (symlink(sockp, p))
		return -errno;
	snprintf(text, sizeof(text),
		 "name: bypass-more\nrules:\n"
		 "  - { name: sock, on: connect, match: { path: { equal: [%s] "
		 "} }, action: deny }\n"
		 "  - { name: denied, on: exec, match: { path: { equal: [%s] } "
		 "}, action: deny }\n"
		 "  - { name: uring, on: io_uring, match: { binary: { equal: "
		 "[%s] }, syscall: [openat] }, action: kill }\n"
		 "  - { name: mounts, on: mount, match: { path: { prefix: "
		 "[%s/] } }, action: kill }\n"
		 "  - { name: uts, on: namespace, match: { binary: { equal: "
		 "[%s] }, flags: [CLONE_NEWUTS] }, action: kill }\n"
		 "  - { name: ptrace, on: ptrace, match: { binary: { equal: "
		 "[%s] } }, action: kill }\n",
		 sockp, denied, self, dir, self, self);
	return put_file(policy, text);
}

TEST_T(bypass_more, 90)
{
	struct agent_run a;
	char cmd[128];
	int lfd = -1, st;

	TEST_NEED_ROOT();
	if (!ASSERT_OK(fixture(&lfd), "fixture") ||
	    !ASSERT_OK(agent_start(&a, N("--policy", policy)), "agent_start"))
		goto out;
	if (test_subtest("unix_relative")) {
		st = run(try_unix_relative);
		ASSERT_TRUE(
		    EXITED(st, EPERM),
		    "a relative socket path is joined to the cwd: EPERM");
	}
	if (test_subtest("unix_symlink_limit")) {
		st = run(try_unix_symlink);
		ASSERT_TRUE(EXITED(st, 0),
			    "limit: a symlink to the socket connects");
	}
	if (test_subtest("mprotect")) {
		st = run(try_mprotect);
		ASSERT_TRUE(
		    KILLED(st),
		    "mprotect(PROT_EXEC) of an exec-denied file: killed");
	}
	if (test_subtest("uring_openat")) {
		st = run(try_uring_open);
		if (EXITED(st, ENOSYS) || EXITED(st, EPERM))
			test_skip("io_uring is disabled here");
		ASSERT_TRUE(KILLED(st),
			    "IORING_OP_OPENAT killed by an io_uring rule");
	}
	if (test_subtest("mount_relative")) {
		st = run(try_mount_relative);
		ASSERT_TRUE(KILLED(st),
			    "a relative mount target is joined to the cwd");
	}
	if (test_subtest("clone_newuts")) {
		st = run(try_clone_newuts);
		ASSERT_TRUE(KILLED(st), "clone(CLONE_NEWUTS) killed");
	}
	if (test_subtest("process_vm_writev_limit")) {
		st = run(try_vm_writev);
		ASSERT_TRUE(EXITED(st, 0),
			    "limit: process_vm_writev passes no ptrace(2)");
	}
	test_subtest_end();
	agent_stop(&a);
out:
	if (lfd >= 0)
		close(lfd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (dir[0] && system(cmd))
		fprintf(stderr, "cannot remove %s\n", dir);
}
