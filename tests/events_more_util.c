// SPDX-License-Identifier: GPL-2.0
/*
 * What test_events_more.c triggers: its fixture (a temp dir with a unix
 * socket, a file that is not a module, copies of true) and the actions,
 * each run in a forked child of the test (run_child()).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/io_uring.h>
#include <linux/mount.h>
#include <netinet/in.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent_util.h"
#include "events_more_util.h"
#include "test.h"
#include "uring_util.h"

extern char **environ;

struct evx ex;

int evx_make(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	ssize_t n;

	memset(&ex, 0, sizeof(ex));
	snprintf(ex.dir, sizeof(ex.dir), "/tmp/rtg-ev-XXXXXX");
	if (!test_mkdtemp(ex.dir))
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

void evx_clean(void)
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
int act_ptrace(void)
{
	pid_t t = fork_sleeper();
	int st, r;

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

int act_setuid(void)
{
	return setuid(65534) ? errno : 0;
}

/* The attempt is the event: the load itself fails (ENOEXEC, or ENOSYS on
 * a kernel without modules). */
int act_module(void)
{
	int fd = open(ex.modfile, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno;
	syscall(SYS_finit_module, fd, "", 0);
	close(fd);
	return 0;
}

/* a socket filter that returns 0 */
int act_bpf(void)
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

int act_mount(void)
{
	if (unshare(CLONE_NEWNS) ||
	    mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return errno;
	return mount("tmpfs", ex.mnt, "tmpfs", 0, "size=1m") ? errno : 0;
}

/* The other mount calls, each through its own tracepoint (one program
 * serves them all, bpf/sys.bpf.c): an open_tree clone, mount_setattr and
 * umount2 of the tmpfs act_mount() mounts. */
int act_mount_calls(void)
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
int cred_call;

int act_cred_call(void)
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
	case 4:
		return setresgid(65534, 65534, 65534) ? errno : 0;
	default: {
		gid_t g = 65534;

		return setgroups(1, &g) ? errno : 0;
	}
	}
}

int act_unshare(void)
{
	return unshare(CLONE_NEWUTS) ? errno : 0;
}

int act_listen(void)
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

int act_unix(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int s = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", ex.sock);
	if (s < 0 || connect(s, (void *)&sa, sizeof(sa)))
		return errno;
	return 0;
}

int act_uring(void)
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
int act_uring_open(void)
{
	struct ring r;
	int fd, err = ring_open(&r);

	if (err)
		return -err;
	fd = ring_openat(&r, ex.allowed);
	return fd < 0 ? -fd : 0;
}

/* ld.so runs ex.shared-selected binary: 0 denied, 1 allowed */
int act_ldso(void)
{
	char *argv[] = {"ld.so", ex.shared[2] ? ex.allowed : ex.denied, NULL};

	execve(LDSO, argv, environ);
	return errno;
}

/* Runs fn in a child; its wait status (-1: it hung), *pid its pid. */
int run_child(int (*fn)(void), pid_t *pid)
{
	pid_t p = fork();

	if (p == 0)
		_exit(fn());
	*pid = p;
	return p < 0 ? -1 : wait_child(p, 10000);
}
