// SPDX-License-Identifier: GPL-2.0
/*
 * The embedded default policy reports what issue 13 lists, each action
 * performed for real on this host by a child of the test, as an attacker
 * would: a docker.sock client, log truncation, another process's
 * /proc/PID/environ and /proc/PID/mem, a file created under /dev, ptrace
 * attach, a module load attempt, setuid to root by a non-root process, a
 * BPF program load, io_uring, execution from a memfd and from /dev/shm,
 * netcat, credential reads, writes below /root; and, in a container (a
 * new pid namespace), a mount, a namespace change, a shell, a package
 * manager and a packet socket. Each event must carry the default policy's
 * rule for it (policies/default.yaml names the Falco rule of each).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent_util.h"
#include "test.h"
#include "uring_util.h"

extern char **environ;

static char dir[64];	   /* the test's temp dir */
static char files[4][128]; /* /dev, /var/log, /root, /dev/shm files */
static pid_t *shared;	   /* what children tell the test */

/* ---- actions (in a forked child; return: its exit code) ---------------- */

/* read another process's environ and memory */
static int act_proc_files(void)
{
	char path[64];
	pid_t t = fork_sleeper();
	int fd;

	shared[0] = t;
	snprintf(path, sizeof(path), "/proc/%d/environ", t);
	fd = open(path, O_RDONLY);
	if (fd >= 0)
		close(fd);
	snprintf(path, sizeof(path), "/proc/%d/mem", t);
	fd = open(path, O_RDONLY);
	if (fd >= 0)
		close(fd);
	kill(t, SIGKILL);
	return 0;
}

static int act_files(void)
{
	int fd;

	/* /dev: created; /var/log: created, then truncated; /root */
	fd = open(files[0], O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd >= 0)
		close(fd);
	fd = open(files[1], O_WRONLY | O_CREAT, 0600);
	if (fd >= 0)
		close(fd);
	fd = open(files[1], O_WRONLY | O_TRUNC);
	if (fd >= 0)
		close(fd);
	fd = open(files[2], O_WRONLY | O_CREAT, 0600);
	if (fd >= 0)
		close(fd);
	fd = open("/etc/shadow", O_RDONLY);
	if (fd >= 0)
		close(fd);
	return 0;
}

/* a docker client: connect(AF_UNIX) to the runtime socket (there or not) */
static int act_docker_sock(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX,
				 .sun_path = "/run/docker.sock"};
	int s = socket(AF_UNIX, SOCK_STREAM, 0);

	connect(s, (void *)&sa, sizeof(sa));
	return 0;
}

static int act_ptrace(void)
{
	pid_t t = fork_sleeper();
	int st;

	if (!ptrace(PTRACE_ATTACH, t, NULL, NULL))
		waitpid(t, &st, 0);
	kill(t, SIGKILL);
	return 0;
}

static int act_kernel(void)
{
	struct bpf_insn insns[2] = {
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K},
	    {.code = BPF_JMP | BPF_EXIT},
	};
	union bpf_attr attr;
	struct ring r;
	int fd = open("/etc/hostname", O_RDONLY);

	syscall(SYS_finit_module, fd, "", 0);
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	attr.insn_cnt = 2;
	attr.insns = (unsigned long)insns;
	attr.license = (unsigned long)"GPL";
	syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	if (!ring_open(&r))
		ring_openat(&r, "/etc/hostname");
	return 0;
}

/* setuid to root by a non-root process (its saved uid is 0) */
static int act_setuid_root(void)
{
	if (setresuid(65534, 65534, 0))
		return errno;
	return setresuid(-1, 0, -1) ? errno : 0;
}

static void run_wait(char *const argv[])
{
	pid_t p = fork();
	int st;

	if (p == 0) {
		execve(argv[0], argv, environ);
		_exit(127);
	}
	waitpid(p, &st, 0);
}

/* memfd and /dev/shm execs, netcat */
static int act_execs(void)
{
	char buf[65536], path[128], nc[128];
	int in = open("/bin/true", O_RDONLY), mfd = memfd_create("rtg-dp", 0);
	ssize_t n;
	pid_t p;
	int st;

	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(mfd, buf, n) != n)
			return EIO;
	p = fork();
	if (p == 0) {
		fexecve(mfd, (char *[]){"rtg-dp", NULL}, environ);
		_exit(127);
	}
	waitpid(p, &st, 0);
	snprintf(path, sizeof(path), "%s", files[3]);
	run_wait((char *[]){path, NULL});
	snprintf(nc, sizeof(nc), "%s/nc", dir);
	run_wait((char *[]){nc, NULL});
	return 0;
}

/* In a new pid namespace (a container, for rtguard): mount, unshare, a
 * shell, a package manager, a packet socket. */
static int act_container(void)
{
	char dpkg[128];
	pid_t p;
	int st;

	if (unshare(CLONE_NEWPID))
		return errno;
	p = fork();
	if (p == 0) {
		if (unshare(CLONE_NEWNS) ||
		    mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL))
			_exit(errno);
		close(socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)));
		run_wait((char *[]){"/bin/sh", "-c", "true", NULL});
		snprintf(dpkg, sizeof(dpkg), "%s/dpkg", dir);
		run_wait((char *[]){dpkg, NULL});
		_exit(0);
	}
	waitpid(p, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

static int run(int (*fn)(void), pid_t *pid)
{
	pid_t p = fork();

	if (p == 0)
		_exit(fn());
	*pid = p;
	return wait_child(p, 10000);
}

/* ---- the test -------------------------------------------------------------
 */

static bool has_rule(struct agent_run *a, const char *rule,
		     const struct ev_field *m)
{
	struct test_event *ev = agent_wait_event(a, 5000, m);
	char what[96];
	bool ok;

	snprintf(what, sizeof(what), "an event of default/%s", rule);
	ok = ASSERT_TRUE(ev, what);
	test_event_free(ev);
	return ok;
}

#define RULE(r) EV_STR("policy", "default"), EV_STR("rule", r)

static int setup(void)
{
	char p[128];

	snprintf(dir, sizeof(dir), "/tmp/rtg-dp-XXXXXX");
	if (!test_mkdtemp(dir))
		return -errno;
	snprintf(files[0], sizeof(files[0]), "/dev/rtg-dp-%d", getpid());
	snprintf(files[1], sizeof(files[1]), "/var/log/rtg-dp-%d.log",
		 getpid());
	snprintf(files[2], sizeof(files[2]), "/root/.rtg-dp-%d", getpid());
	snprintf(files[3], sizeof(files[3]), "/dev/shm/rtg-dp-%d", getpid());
	if (copy_exec("/bin/true", files[3]))
		return -EIO;
	snprintf(p, sizeof(p), "%s/nc", dir);
	if (copy_exec("/bin/true", p))
		return -EIO;
	snprintf(p, sizeof(p), "%s/dpkg", dir);
	if (copy_exec("/bin/true", p))
		return -EIO;
	shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	return shared == MAP_FAILED ? -errno : 0;
}

static void cleanup(void)
{
	char cmd[128];
	int i;

	for (i = 0; i < 4; i++)
		unlink(files[i]);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (dir[0] && system(cmd))
		fprintf(stderr, "cannot remove %s\n", dir);
}

TEST_T(default_policy_parity, 120)
{
	struct agent_run a;
	char environ_path[64];
	pid_t pid;

	TEST_NEED_ROOT();
	if (!ASSERT_OK(setup(), "fixture") ||
	    !ASSERT_OK(agent_start(&a, NULL), "agent on the default policy")) {
		cleanup();
		return;
	}
	run(act_docker_sock, &pid);
	has_rule(&a, "container-runtime-connect",
		 EV_WHERE(RULE("container-runtime-connect"),
			  EV_INT("process.pid", pid),
			  EV_STR("connect.path", "/run/docker.sock")));
	run(act_files, &pid);
	has_rule(
	    &a, "dev-file-creation",
	    EV_WHERE(RULE("dev-file-creation"), EV_STR("file.path", files[0])));
	has_rule(
	    &a, "log-truncation",
	    EV_WHERE(RULE("log-truncation"), EV_STR("file.path", files[1])));
	has_rule(&a, "system-file-writes",
		 EV_WHERE(RULE("system-file-writes"),
			  EV_STR("file.path", files[2])));
	has_rule(&a, "credential-files",
		 EV_WHERE(RULE("credential-files"), EV_INT("process.pid", pid),
			  EV_STR("file.path", "/etc/shadow")));
	run(act_proc_files, &pid);
	snprintf(environ_path, sizeof(environ_path), "/proc/%d/environ",
		 shared[0]);
	has_rule(&a, "proc-environ-mem",
		 EV_WHERE(RULE("proc-environ-mem"),
			  EV_STR("file.path", environ_path)));
	has_rule(&a, "proc-environ-mem",
		 EV_WHERE(RULE("proc-environ-mem"), EV_INT("process.pid", pid),
			  EV_SUFFIX("file.path", "/mem")));
	run(act_ptrace, &pid);
	has_rule(&a, "ptrace",
		 EV_WHERE(RULE("ptrace"), EV_INT("process.pid", pid),
			  EV_STR("ptrace.request", "attach")));
	run(act_kernel, &pid);
	has_rule(
	    &a, "kernel-module-load",
	    EV_WHERE(RULE("kernel-module-load"), EV_INT("process.pid", pid)));
	has_rule(
	    &a, "bpf-program-load",
	    EV_WHERE(RULE("bpf-program-load"), EV_INT("process.pid", pid)));
	has_rule(&a, "io-uring",
		 EV_WHERE(RULE("io-uring"), EV_INT("process.pid", pid),
			  EV_STR("io_uring.op", "openat")));
	run(act_setuid_root, &pid);
	has_rule(&a, "setuid-root",
		 EV_WHERE(RULE("setuid-root"), EV_INT("process.pid", pid),
			  EV_INT("cred.new.euid", 0),
			  EV_INT("cred.old.uid", 65534)));
	run(act_execs, &pid);
	has_rule(&a, "memfd-shm-exec",
		 EV_WHERE(RULE("memfd-shm-exec"),
			  EV_STR("process.binary", "/memfd:rtg-dp")));
	has_rule(&a, "memfd-shm-exec",
		 EV_WHERE(RULE("memfd-shm-exec"),
			  EV_STR("process.binary", files[3])));
	has_rule(
	    &a, "netcat-tools",
	    EV_WHERE(RULE("netcat-tools"), EV_SUFFIX("process.binary", "/nc")));
	run(act_container, &pid);
	has_rule(&a, "container-namespace",
		 EV_WHERE(RULE("container-namespace"),
			  EV_STR("namespace.flags[0]", "CLONE_NEWNS")));
	has_rule(
	    &a, "container-mount",
	    EV_WHERE(RULE("container-mount"), EV_STR("mount.target", "/")));
	has_rule(&a, "container-packet-socket",
		 EV_WHERE(RULE("container-packet-socket"),
			  EV_STR("listen.family", "packet")));
	has_rule(&a, "container-shell",
		 EV_WHERE(RULE("container-shell"),
			  EV_STR("process.args[2]", "true")));
	has_rule(&a, "container-package-manager",
		 EV_WHERE(RULE("container-package-manager"),
			  EV_SUFFIX("process.binary", "/dpkg")));
	agent_stop(&a);
	cleanup();
}
