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
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent_util.h"
#include "events_more_util.h"
#include "test.h"

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
			"setregid, setresuid, setresgid, setgroups]", "%3$s")
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
		static const char *const calls[] = {"setgid",	 "setreuid",
						    "setregid",	 "setresuid",
						    "setresgid", "setgroups"};

		for (cred_call = 0; cred_call < (int)ARRAY_SIZE(calls);
		     cred_call++) {
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
