// SPDX-License-Identifier: GPL-2.0
/*
 * The event types after connect, each triggered for real by a forked
 * child of the test: ptrace attach to its own child, setuid, finit_module
 * of a file that is not a module (the attempt is the event), a BPF
 * program load, a tmpfs mount in a private mount namespace, unshare, bind
 * and listen on loopback, a unix connect to a socket the test made, ld.so
 * running a binary, io_uring_setup. One agent audits them all
 * (events_more_audit), another denies or kills them (events_more_enforce),
 * and both the event and the outcome are asserted. Every rule is scoped
 * to this test binary or to the test's temp dir, so that other processes
 * on the host are never touched.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/io_uring.h>
#include <linux/mount.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent_util.h"
#include "test.h"
#include "uring_util.h"

#define LDSO "/lib64/ld-linux-x86-64.so.2"

extern char **environ;

struct evx {
	char dir[64];
	char self[256];	   /* this test binary: the rules' `binary` */
	char sock[96];	   /* @/sock: a listening unix socket */
	char mnt[128];	   /* @/mnt: where the tmpfs goes */
	char modfile[128]; /* @/not-a-module */
	char denied[128];  /* @/denied: a copy of true, exec denied */
	char allowed[128]; /* @/allowed: a copy of true */
	char policy[160];
	int lfd;
	int *shared; /* what a child tells the test: a pid, a port */
};

static struct evx ex;

static int evx_make(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	ssize_t n;

	memset(&ex, 0, sizeof(ex));
	snprintf(ex.dir, sizeof(ex.dir), "/tmp/rtg-ev-XXXXXX");
	if (!mkdtemp(ex.dir))
		return -errno;
	n = readlink("/proc/self/exe", ex.self, sizeof(ex.self) - 1);
	if (n <= 0)
		return -EIO;
	ex.self[n] = '\0';
	snprintf(ex.sock, sizeof(ex.sock), "%s/sock", ex.dir);
	snprintf(ex.mnt, sizeof(ex.mnt), "%s/mnt", ex.dir);
	snprintf(ex.modfile, sizeof(ex.modfile), "%s/not-a-module", ex.dir);
	snprintf(ex.denied, sizeof(ex.denied), "%s/denied", ex.dir);
	snprintf(ex.allowed, sizeof(ex.allowed), "%s/allowed", ex.dir);
	snprintf(ex.policy, sizeof(ex.policy), "%s/policy.yaml", ex.dir);
	if (mkdir(ex.mnt, 0755) ||
	    put_file(ex.modfile, "not an ELF module\n") ||
	    copy_exec("/bin/true", ex.denied) ||
	    copy_exec("/bin/true", ex.allowed))
		return -EIO;
	ex.lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", ex.sock);
	if (ex.lfd < 0 || bind(ex.lfd, (void *)&sa, sizeof(sa)) ||
	    listen(ex.lfd, 8))
		return -errno;
	ex.shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	return ex.shared == MAP_FAILED ? -errno : 0;
}

static void evx_clean(void)
{
	char cmd[128];

	if (ex.lfd > 0)
		close(ex.lfd);
	if (ex.shared && ex.shared != MAP_FAILED)
		munmap(ex.shared, 4096);
	umount2(ex.mnt, MNT_DETACH);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", ex.dir);
	if (ex.dir[0] && system(cmd))
		fprintf(stderr, "cannot remove %s\n", ex.dir);
}

/* ---- the actions, each in a forked child: 0 or an errno ---------------- */

/* ptrace(PTRACE_ATTACH) of a child of its own (yama allows descendants) */
static int act_ptrace(void)
{
	pid_t t = fork();
	int st, r;

	if (t == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		pause();
		_exit(0);
	}
	if (t < 0)
		return errno;
	ex.shared[0] = t;
	r = ptrace(PTRACE_ATTACH, t, NULL, NULL) ? errno : 0;
	if (!r) {
		waitpid(t, &st, 0);
		ptrace(PTRACE_DETACH, t, NULL, NULL);
	}
	kill(t, SIGKILL);
	waitpid(t, &st, 0);
	return r;
}

static int act_setuid(void)
{
	return setuid(65534) ? errno : 0;
}

/* The attempt is the event: the load itself fails (ENOEXEC, or ENOSYS on
 * a kernel without modules). */
static int act_module(void)
{
	int fd = open(ex.modfile, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno;
	syscall(SYS_finit_module, fd, "", 0);
	close(fd);
	return 0;
}

/* a socket filter that returns 0 */
static int act_bpf(void)
{
	struct bpf_insn insns[2] = {
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0},
	    {.code = BPF_JMP | BPF_EXIT},
	};
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	attr.insn_cnt = 2;
	attr.insns = (unsigned long)insns;
	attr.license = (unsigned long)"GPL";
	snprintf(attr.prog_name, sizeof(attr.prog_name), "rtg_ev_test");
	fd = syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int act_mount(void)
{
	if (unshare(CLONE_NEWNS) ||
	    mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return errno;
	return mount("tmpfs", ex.mnt, "tmpfs", 0, "size=1m") ? errno : 0;
}

/* The other mount calls, each through its own tracepoint (one program
 * serves them all, bpf/sys.bpf.c): an open_tree clone, mount_setattr and
 * umount2 of the tmpfs act_mount() mounts. */
static int act_mount_calls(void)
{
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_NOSUID};
	int r = act_mount(), fd;

	if (r)
		return r;
	fd = syscall(SYS_open_tree, AT_FDCWD, ex.mnt, OPEN_TREE_CLONE);
	if (fd < 0)
		return errno;
	close(fd);
	if (syscall(SYS_mount_setattr, AT_FDCWD, ex.mnt, 0, &attr,
		    sizeof(attr)))
		return errno;
	return umount2(ex.mnt, 0) ? errno : 0;
}

/* The set*id calls other than setuid, each through its own tracepoint
 * (one program serves them all, bpf/task.bpf.c); cred_call picks one. */
static int cred_call;

static int act_cred_call(void)
{
	switch (cred_call) {
	case 0:
		return setgid(65534) ? errno : 0;
	case 1:
		return setreuid(-1, 65534) ? errno : 0;
	case 2:
		return setregid(-1, 65534) ? errno : 0;
	case 3:
		return setresuid(65534, 65534, 65534) ? errno : 0;
	default:
		return setresgid(65534, 65534, 65534) ? errno : 0;
	}
}

static int act_unshare(void)
{
	return unshare(CLONE_NEWUTS) ? errno : 0;
}

static int act_listen(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	int s = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || bind(s, (void *)&sa, sizeof(sa)))
		return errno;
	if (getsockname(s, (void *)&sa, &len) || listen(s, 1))
		return errno;
	ex.shared[1] = ntohs(sa.sin_port);
	return 0;
}

static int act_unix(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int s = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", ex.sock);
	if (s < 0 || connect(s, (void *)&sa, sizeof(sa)))
		return errno;
	return 0;
}

static int act_uring(void)
{
	struct io_uring_params p;
	int fd;

	memset(&p, 0, sizeof(p));
	fd = syscall(__NR_io_uring_setup, 4, &p);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/* an IORING_OP_OPENAT, which no syscall tracepoint sees */
static int act_uring_open(void)
{
	struct ring r;
	int fd, err = ring_open(&r);

	if (err)
		return -err;
	fd = ring_openat(&r, ex.allowed);
	return fd < 0 ? -fd : 0;
}

/* ld.so runs ex.shared-selected binary: 0 denied, 1 allowed */
static int act_ldso(void)
{
	char *argv[] = {"ld.so", ex.shared[2] ? ex.allowed : ex.denied, NULL};

	execve(LDSO, argv, environ);
	return errno;
}

struct action {
	const char *name;
	int (*fn)(void);
};

/* Runs fn in a child; its wait status (-1: it hung), *pid its pid. */
static int run_child(int (*fn)(void), pid_t *pid)
{
	pid_t p = fork();

	if (p == 0)
		_exit(fn());
	*pid = p;
	return p < 0 ? -1 : wait_child(p, 10000);
}

/* ---- the policies ------------------------------------------------------- */

#define SCOPED(rule, on, extra, act)                                           \
	"  - name: " rule "\n    on: " on "\n    match: { binary: { equal: "   \
	"[%1$s] }" extra " }\n    action: " act "\n"

static int evx_policy(bool enforce)
{
	char text[4096];
	const char *a = enforce ? "kill" : "audit";

	/* clang-format off */
	snprintf(text, sizeof(text),
		 "name: %2$s\nrules:\n"
		 SCOPED("ptrace", "ptrace", "", "%3$s")
		 SCOPED("setuid", "cred", ", syscall: [setuid, setgid, setreuid, "
			"setregid, setresuid, setresgid]", "%3$s")
		 SCOPED("modules", "module", "", "%3$s")
		 SCOPED("bpf-load", "bpf", ", syscall: [prog_load]", "%3$s")
		 SCOPED("mounts", "mount", ", path: { prefix: [%4$s/] }", "%3$s")
		 SCOPED("uts-ns", "namespace", ", flags: [CLONE_NEWUTS]", "%3$s")
		 SCOPED("listen", "listen", "", "%5$s")
		 SCOPED("uring", "io_uring", ", syscall: [setup]", "%3$s")
		 SCOPED("uring-open", "io_uring", ", syscall: [openat]", "audit")
		 "  - name: test-sock\n    on: connect\n"
		 "    match: { path: { equal: [%6$s] } }\n    action: %5$s\n"
		 "  - name: denied-exec\n    on: exec\n"
		 "    match: { path: { equal: [%7$s] } }\n    action: deny\n"
		 "  - name: test-maps\n    on: mmap_exec\n"
		 "    match: { path: { equal: [%8$s] } }\n    action: audit\n",
		 ex.self, enforce ? "ev-enforce" : "ev-audit", a, ex.dir,
		 enforce ? "deny" : "audit", ex.sock, ex.denied, ex.allowed);
	/* clang-format on */
	return put_file(ex.policy, text);
}

static int evx_start(struct agent_run *a, bool enforce)
{
	int err = evx_make();

	if (!err)
		err = evx_policy(enforce);
	if (!err)
		err = agent_start(a, N("--policy", ex.policy));
	return err;
}

static void print_line(const struct test_event *e, void *arg)
{
	(void)arg;
	fprintf(stderr, "  seen: %s\n", e->line);
}

/* An event matching m arrives; otherwise the events of its type are
 * shown. */
static bool expect_ev(struct agent_run *a, const char *type,
		      const struct ev_field *m, const char *what)
{
	struct test_event *ev = agent_wait_event(a, 5000, m);
	bool ok = ASSERT_TRUE(ev, what);

	if (!ok)
		events_each(a->out, EV_WHERE(EV_STR("type", type)), print_line,
			    NULL);
	test_event_free(ev);
	return ok;
}

#define EXITED_OK(st) (WIFEXITED(st) && WEXITSTATUS(st) == 0)
#define KILLED(st)    (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
#define FAILED(st, e) (WIFEXITED(st) && WEXITSTATUS(st) == (e))

/* ---- audit: every action works and is reported ------------------------- */

TEST_T(events_more_audit, 150)
{
	struct agent_run a;
	pid_t pid;
	int st;

	TEST_NEED_ROOT();
	if (!ASSERT_OK(evx_start(&a, false), "agent_start")) {
		evx_clean();
		return;
	}
	if (test_subtest("ptrace")) {
		st = run_child(act_ptrace, &pid);
		ASSERT_TRUE(EXITED_OK(st), "the attach works");
		expect_ev(&a, "ptrace",
			  EV_WHERE(EV_STR("type", "ptrace"),
				   EV_INT("process.pid", pid),
				   EV_STR("action", "audit"),
				   EV_STR("policy", "ev-audit"),
				   EV_STR("rule", "ptrace"),
				   EV_STR("ptrace.request", "attach"),
				   EV_INT("ptrace.target.pid", ex.shared[0]),
				   EV_STR("ptrace.target.binary", ex.self)),
			  "ptrace attach event names the tracee");
	}
	if (test_subtest("setuid")) {
		st = run_child(act_setuid, &pid);
		ASSERT_TRUE(EXITED_OK(st), "setuid works");
		expect_ev(&a, "cred",
			  EV_WHERE(EV_STR("type", "cred"),
				   EV_INT("process.pid", pid),
				   EV_STR("action", "audit"),
				   EV_STR("cred.syscall", "setuid"),
				   EV_INT("cred.old.uid", 0),
				   EV_INT("cred.new.uid", 65534),
				   EV_INT("cred.new.euid", 65534)),
			  "setuid event with old and new ids");
	}
	if (test_subtest("cred_calls")) {
		static const char *const calls[] = {
		    "setgid", "setreuid", "setregid", "setresuid", "setresgid"};

		for (cred_call = 0; cred_call < 5; cred_call++) {
			st = run_child(act_cred_call, &pid);
			ASSERT_TRUE(EXITED_OK(st), calls[cred_call]);
			expect_ev(&a, "cred",
				  EV_WHERE(EV_STR("type", "cred"),
					   EV_INT("process.pid", pid),
					   EV_STR("cred.syscall",
						  calls[cred_call])),
				  calls[cred_call]);
		}
	}
	if (test_subtest("module")) {
		st = run_child(act_module, &pid);
		ASSERT_TRUE(EXITED_OK(st), "the attempt returns");
		expect_ev(&a, "module",
			  EV_WHERE(EV_STR("type", "module"),
				   EV_INT("process.pid", pid),
				   EV_STR("module.syscall", "finit_module"),
				   EV_STR("module.path", ex.modfile)),
			  "finit_module attempt event names the file");
	}
	if (test_subtest("bpf")) {
		st = run_child(act_bpf, &pid);
		ASSERT_TRUE(EXITED_OK(st), "the program loads");
		expect_ev(&a, "bpf",
			  EV_WHERE(EV_STR("type", "bpf"),
				   EV_INT("process.pid", pid),
				   EV_STR("bpf.cmd", "prog_load"),
				   EV_STR("bpf.prog_type", "socket_filter"),
				   EV_STR("bpf.name", "rtg_ev_test")),
			  "BPF program load event");
	}
	if (test_subtest("mount")) {
		st = run_child(act_mount, &pid);
		ASSERT_TRUE(EXITED_OK(st), "the tmpfs mounts");
		expect_ev(&a, "mount",
			  EV_WHERE(EV_STR("type", "mount"),
				   EV_INT("process.pid", pid),
				   EV_STR("mount.syscall", "mount"),
				   EV_STR("mount.target", ex.mnt),
				   EV_STR("mount.fstype", "tmpfs"),
				   EV_STR("mount.source", "tmpfs")),
			  "tmpfs mount event");
	}
	if (test_subtest("mount_calls")) {
		static const char *const calls[] = {"open_tree", "mount_setattr",
						    "umount2"};

		st = run_child(act_mount_calls, &pid);
		ASSERT_TRUE(EXITED_OK(st), "clone, setattr and umount work");
		for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
			expect_ev(&a, "mount",
				  EV_WHERE(EV_STR("type", "mount"),
					   EV_INT("process.pid", pid),
					   EV_STR("mount.syscall", calls[i]),
					   EV_STR("mount.target", ex.mnt)),
				  calls[i]);
	}
	if (test_subtest("unshare")) {
		st = run_child(act_unshare, &pid);
		ASSERT_TRUE(EXITED_OK(st), "unshare works");
		expect_ev(
		    &a, "namespace",
		    EV_WHERE(EV_STR("type", "namespace"),
			     EV_INT("process.pid", pid),
			     EV_STR("namespace.syscall", "unshare"),
			     EV_STR("namespace.flags[0]", "CLONE_NEWUTS")),
		    "unshare event with its flags");
	}
	if (test_subtest("listen")) {
		st = run_child(act_listen, &pid);
		ASSERT_TRUE(EXITED_OK(st), "bind and listen work");
		expect_ev(&a, "listen",
			  EV_WHERE(EV_STR("type", "listen"),
				   EV_INT("process.pid", pid),
				   EV_STR("listen.family", "inet"),
				   EV_STR("listen.protocol", "tcp"),
				   EV_STR("listen.addr", "127.0.0.1"),
				   EV_INT("listen.port", ex.shared[1])),
			  "listen event with the address");
	}
	if (test_subtest("unix_connect")) {
		st = run_child(act_unix, &pid);
		ASSERT_TRUE(EXITED_OK(st), "the unix connect works");
		expect_ev(&a, "connect",
			  EV_WHERE(EV_STR("type", "connect"),
				   EV_INT("process.pid", pid),
				   EV_STR("rule", "test-sock"),
				   EV_STR("connect.family", "unix"),
				   EV_STR("connect.path", ex.sock)),
			  "unix connect event names the socket");
	}
	if (test_subtest("ldso_mmap")) {
		ex.shared[2] = 1;
		st = run_child(act_ldso, &pid);
		ASSERT_TRUE(EXITED_OK(st), "ld.so runs the allowed binary");
		expect_ev(&a, "mmap_exec",
			  EV_WHERE(EV_STR("type", "mmap_exec"),
				   EV_INT("process.pid", pid),
				   EV_STR("rule", "test-maps"),
				   EV_STR("file.path", ex.allowed),
				   EV_STR("mmap_exec.syscall", "mmap")),
			  "ld.so's executable mapping is seen");
	}
	if (test_subtest("io_uring")) {
		st = run_child(act_uring, &pid);
		if (FAILED(st, ENOSYS) || FAILED(st, EPERM))
			test_skip("io_uring is disabled here");
		ASSERT_TRUE(EXITED_OK(st), "io_uring_setup works");
		expect_ev(&a, "io_uring",
			  EV_WHERE(EV_STR("type", "io_uring"),
				   EV_INT("process.pid", pid),
				   EV_STR("io_uring.op", "setup")),
			  "io_uring setup event");
		st = run_child(act_uring_open, &pid);
		ASSERT_TRUE(EXITED_OK(st), "IORING_OP_OPENAT works");
		expect_ev(&a, "io_uring",
			  EV_WHERE(EV_STR("type", "io_uring"),
				   EV_INT("process.pid", pid),
				   EV_STR("io_uring.op", "openat"),
				   EV_STR("io_uring.path", ex.allowed)),
			  "io_uring openat request event names the file");
	}
	test_subtest_end();
	agent_stop(&a);
	evx_clean();
}

/* ---- enforce: every action is stopped, and the event says how ---------- */

/* The child was killed, the event says so: kill, sigkill, enforced. */
static void expect_killed(struct agent_run *a, int st, pid_t pid,
			  const char *type, const char *rule)
{
	ASSERT_TRUE(KILLED(st), "killed by SIGKILL");
	expect_ev(a, type,
		  EV_WHERE(EV_STR("type", type), EV_INT("process.pid", pid),
			   EV_STR("action", "kill"),
			   EV_STR("mechanism", "sigkill"),
			   EV_BOOL("enforced", true), EV_STR("rule", rule)),
		  "kill event");
}

TEST_T(events_more_enforce, 150)
{
	struct agent_run a;
	pid_t pid;
	int st;

	TEST_NEED_ROOT();
	if (!ASSERT_OK(evx_start(&a, true), "agent_start")) {
		evx_clean();
		return;
	}
	if (test_subtest("ptrace")) {
		st = run_child(act_ptrace, &pid);
		expect_killed(&a, st, pid, "ptrace", "ptrace");
	}
	if (test_subtest("setuid")) {
		st = run_child(act_setuid, &pid);
		expect_killed(&a, st, pid, "cred", "setuid");
	}
	if (test_subtest("module")) {
		st = run_child(act_module, &pid);
		expect_killed(&a, st, pid, "module", "modules");
	}
	if (test_subtest("bpf")) {
		st = run_child(act_bpf, &pid);
		expect_killed(&a, st, pid, "bpf", "bpf-load");
	}
	if (test_subtest("mount")) {
		st = run_child(act_mount, &pid);
		expect_killed(&a, st, pid, "mount", "mounts");
	}
	if (test_subtest("unshare")) {
		st = run_child(act_unshare, &pid);
		expect_killed(&a, st, pid, "namespace", "uts-ns");
	}
	if (test_subtest("listen")) {
		/* the bind is refused: cgroup/bind4 */
		st = run_child(act_listen, &pid);
		ASSERT_TRUE(FAILED(st, EPERM), "bind fails with EPERM");
		expect_ev(&a, "listen",
			  EV_WHERE(EV_STR("type", "listen"),
				   EV_INT("process.pid", pid),
				   EV_STR("action", "deny"),
				   EV_STR("mechanism", "cgroup"),
				   EV_BOOL("enforced", true),
				   EV_STR("listen.addr", "127.0.0.1")),
			  "listen deny event");
	}
	if (test_subtest("unix_connect")) {
		st = run_child(act_unix, &pid);
		ASSERT_TRUE(FAILED(st, EPERM), "connect fails with EPERM");
		expect_ev(&a, "connect",
			  EV_WHERE(EV_STR("type", "connect"),
				   EV_INT("process.pid", pid),
				   EV_STR("action", "deny"),
				   EV_STR("mechanism", "cgroup"),
				   EV_BOOL("enforced", true),
				   EV_STR("connect.path", ex.sock)),
			  "unix connect deny event");
	}
	if (test_subtest("ldso_denied")) {
		/* ld.so maps the exec-denied binary: killed before it runs */
		ex.shared[2] = 0;
		st = run_child(act_ldso, &pid);
		ASSERT_TRUE(KILLED(st), "ld.so killed at the mapping");
		expect_ev(&a, "mmap_exec",
			  EV_WHERE(EV_STR("type", "mmap_exec"),
				   EV_INT("process.pid", pid),
				   EV_STR("action", "kill"),
				   EV_STR("rule", "denied-exec"),
				   EV_STR("file.path", ex.denied),
				   EV_BOOL("mmap_exec.exec_rule", true)),
			  "the exec rule named in the mmap_exec event");
		ex.shared[2] = 1;
		st = run_child(act_ldso, &pid);
		ASSERT_TRUE(EXITED_OK(st), "another binary still runs");
	}
	if (test_subtest("io_uring")) {
		st = run_child(act_uring, &pid);
		expect_killed(&a, st, pid, "io_uring", "uring");
	}
	test_subtest_end();
	agent_stop(&a);
	evx_clean();
}
