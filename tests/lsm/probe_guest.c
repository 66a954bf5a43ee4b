// SPDX-License-Identifier: GPL-2.0
/*
 * probe_guest: tiny static helper for the LSM guest test (tests/lsm/).
 * Does one operation and prints its outcome as one line, so the shell test
 * can assert the exact errno instead of a tool's wording:
 *
 *   probe_guest open PATH                 -> "open: ok N" | "open: EPERM"
 *   probe_guest exec PATH [ARG...]        -> runs PATH | "exec: EPERM"
 *   probe_guest connect ADDR PORT [udp]   -> "connect: ok" | "connect: EPERM"
 *   probe_guest listen ADDR PORT          -> accepts and closes, forever
 *   probe_guest hello                     -> "hello" (the exec-deny target)
 *
 * Bypass attempts (tests/lsm/bypass-tests.sh), same one-line outcomes:
 *   probe_guest openat2 DIR REL           -> openat2(DIR, REL, RESOLVE_BENEATH)
 *   probe_guest procfd PATH               -> O_PATH open, then a real open
 *                                            through /proc/self/fd/N
 *   probe_guest byhandle PATH             -> open_by_handle_at
 *   probe_guest uring PATH                -> IORING_OP_OPENAT (raw io_uring)
 *   probe_guest cloneopen DIR REL         -> open_tree(DIR, CLONE), open REL
 *   probe_guest cloneexec DIR REL [ARG..] -> ... execveat(REL) below it
 *   probe_guest nobody CMD ARGS...        -> CMD as nobody in unshare -Urm
 *   probe_guest bindopen SRC DST FILE     -> unshare(CLONE_NEWNS), bind SRC
 *                                            on DST, open FILE
 *   probe_guest execveat PATH [ARG...]    -> execveat(fd, "", AT_EMPTY_PATH)
 *   probe_guest memfd PATH NAME [ARG...]  -> fexecve of a memfd copy
 *   probe_guest tfo ADDR PORT             -> sendto(MSG_FASTOPEN):
 *                                            "connect: .."
 *   probe_guest udpsend ADDR PORT         -> sendto without connect:
 *                                            "send: .."
 *
 * The hooks after connect (same one-line outcomes, named after the call):
 *   probe_guest ptrace          -> PTRACE_ATTACH to a child of its own
 *   probe_guest setuid UID      -> setuid(UID)
 *   probe_guest setgid GID      -> setgid(GID)
 *   probe_guest setgroups GID   -> setgroups(1, {GID})
 *   probe_guest userns          -> unshare(CLONE_NEWUSER)
 *   probe_guest capset          -> drop CAP_NET_RAW from the effective set
 *                                  ("capdrop: .."), raise it ("capset: ..")
 *   probe_guest finit PATH      -> finit_module of PATH
 *   probe_guest initmod         -> init_module of 64 zero bytes
 *   probe_guest bpfload         -> BPF_PROG_LOAD of a socket filter
 *   probe_guest mount DIR       -> unshare(CLONE_NEWNS), tmpfs on DIR
 *   probe_guest umount DIR      -> ... then umount2(DIR)
 *   probe_guest movemount S D   -> ... tmpfs on S, move_mount to D
 *   probe_guest pivot DIR       -> ... tmpfs on DIR, pivot_root(DIR,
 *                                  DIR/old): EINVAL on an initramfs root,
 *                                  EPERM from BPF LSM first
 *   probe_guest unixconnect PATH -> connect(AF_UNIX) to PATH
 *   probe_guest mmapx PATH      -> mmap(PROT_READ|PROT_EXEC) of PATH
 *   probe_guest mprotx PATH     -> mmap(PROT_READ), mprotect(+EXEC)
 *
 * ADDR is IPv4 or IPv6 (e.g. ::ffff:127.0.0.1). Exit 0 on success, 1 when
 * the operation failed, 2 on bad usage. Connects stay where the test points
 * them (127.0.0.0/8, ::1).
 *
 * Over 600 lines on purpose: it is one static binary that the guests
 * (tests/lsm/run.sh, tests/arm64/run.sh) build with one gcc command, and
 * each operation is a short function beside its one-line outcome.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/io_uring.h>
#include <linux/openat2.h>
#include <linux/capability.h>
#include <sched.h>
#include <sys/mman.h>
#include <linux/bpf.h>
#include <grp.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int fail(const char *op, int err)
{
	const char *name = strerrorname_np(err);

	printf("%s: %s (%s)\n", op, name ? name : "E?", strerror(err));
	return 1;
}

static int parse_addr(const char *s, int port, struct sockaddr_storage *ss,
		      socklen_t *len)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(port);
		*len = sizeof(*in4);
		return 0;
	}
	if (inet_pton(AF_INET6, s, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		*len = sizeof(*in6);
		return 0;
	}
	return -1;
}

static int read_out(int fd)
{
	char buf[4096];
	ssize_t n, total = 0;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	close(fd);
	printf("open: ok %zd\n", total);
	return 0;
}

static int do_open(const char *path)
{
	char buf[4096];
	ssize_t n, total = 0;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return fail("open", errno);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	close(fd);
	printf("open: ok %zd\n", total);
	return 0;
}

static int do_connect(const char *addr, int port, int udp)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;

	if (parse_addr(addr, port, &ss, &len)) {
		fprintf(stderr, "probe_guest: bad address '%s'\n", addr);
		return 2;
	}
	fd = socket(ss.ss_family, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
	if (fd < 0)
		return fail("socket", errno);
	if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
		int err = errno;

		close(fd);
		return fail("connect", err);
	}
	close(fd);
	printf("connect: ok\n");
	return 0;
}

static int do_listen(const char *addr, int port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1;

	if (parse_addr(addr, port, &ss, &len)) {
		fprintf(stderr, "probe_guest: bad address '%s'\n", addr);
		return 2;
	}
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0)
		return fail("socket", errno);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		return fail("bind", errno);
	if (listen(fd, 64) < 0)
		return fail("listen", errno);
	for (;;) {
		int c = accept(fd, NULL, NULL);

		if (c >= 0)
			close(c);
	}
}

static int do_openat2(const char *dir, const char *rel)
{
	struct open_how how = { .flags = O_RDONLY, .resolve = RESOLVE_BENEATH };
	int dfd = open(dir, O_PATH | O_DIRECTORY), fd;

	if (dfd < 0)
		return fail("open", errno);
	fd = syscall(SYS_openat2, dfd, rel, &how, sizeof(how));
	if (fd < 0)
		return fail("open", errno);
	return read_out(fd);
}

static int do_procfd(const char *path)
{
	char p[64];
	int pfd = open(path, O_PATH), fd;

	if (pfd < 0)
		return fail("opath", errno);
	snprintf(p, sizeof(p), "/proc/self/fd/%d", pfd);
	fd = open(p, O_RDONLY);
	if (fd < 0)
		return fail("open", errno);
	return read_out(fd);
}

static int do_byhandle(const char *path)
{
	union {
		struct file_handle fh;
		char buf[sizeof(struct file_handle) + MAX_HANDLE_SZ];
	} h;
	int mnt, mfd, fd;

	h.fh.handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(AT_FDCWD, path, &h.fh, &mnt, 0))
		return fail("handle", errno);
	mfd = open("/", O_RDONLY | O_DIRECTORY);
	fd = open_by_handle_at(mfd, &h.fh, O_RDONLY);
	if (fd < 0)
		return fail("open", errno);
	return read_out(fd);
}

static int do_uring(const char *path)
{
	struct io_uring_params p;
	struct io_uring_sqe *sqes, *sqe;
	struct io_uring_cqe *cqes;
	char *sq, *cq;
	unsigned *tail, *mask, *array, *chead, *cmask, t, idx;
	int rfd, res;

	memset(&p, 0, sizeof(p));
	rfd = syscall(__NR_io_uring_setup, 4, &p);
	if (rfd < 0)
		return fail("io_uring_setup", errno);
	sq = mmap(NULL, p.sq_off.array + p.sq_entries * 4, PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_POPULATE, rfd, IORING_OFF_SQ_RING);
	cq = mmap(NULL, p.cq_off.cqes + p.cq_entries * sizeof(*cqes),
		  PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, rfd,
		  IORING_OFF_CQ_RING);
	sqes = mmap(NULL, p.sq_entries * sizeof(*sqes), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_POPULATE, rfd, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED)
		return fail("mmap", errno);
	tail = (unsigned *)(sq + p.sq_off.tail);
	mask = (unsigned *)(sq + p.sq_off.ring_mask);
	array = (unsigned *)(sq + p.sq_off.array);
	chead = (unsigned *)(cq + p.cq_off.head);
	cmask = (unsigned *)(cq + p.cq_off.ring_mask);
	cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
	t = *tail;
	idx = t & *mask;
	sqe = &sqes[idx];
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_OPENAT;
	sqe->fd = AT_FDCWD;
	sqe->addr = (unsigned long)path;
	sqe->open_flags = O_RDONLY;
	array[idx] = idx;
	__atomic_store_n(tail, t + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, rfd, 1, 1, IORING_ENTER_GETEVENTS, NULL,
		    0) < 0)
		return fail("io_uring_enter", errno);
	res = cqes[*chead & *cmask].res;
	if (res < 0)
		return fail("open", -res);
	return read_out(res);
}

static int do_bindopen(const char *src, const char *dst, const char *file)
{
	int fd;

	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return fail("unshare", errno);
	if (mount(src, dst, NULL, MS_BIND, NULL))
		return fail("mount", errno);
	fd = open(file, O_RDONLY);
	if (fd < 0)
		return fail("open", errno);
	return read_out(fd);
}

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif

/* a detached clone of dir (open_tree(OPEN_TREE_CLONE)), rel below it
 * opened (exec: run, with argv) */
static int do_clone(const char *dir, const char *rel, char **argv)
{
	int mfd = syscall(SYS_open_tree, AT_FDCWD, dir, OPEN_TREE_CLONE), fd;

	if (mfd < 0)
		return fail("open_tree", errno);
	if (argv) {
		syscall(SYS_execveat, mfd, rel, argv, environ, 0);
		return fail("exec", errno);
	}
	fd = openat(mfd, rel, O_RDONLY);
	if (fd < 0)
		return fail("open", errno);
	return read_out(fd);
}

static int put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	int ok = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text);

	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

/* as nobody, in a user and mount namespace of its own (unshare -Urm) */
static int become_nobody_userns(void)
{
	if (setgroups(0, NULL) || setgid(65534) || setuid(65534) ||
	    prctl(PR_SET_DUMPABLE, 1) || unshare(CLONE_NEWUSER | CLONE_NEWNS) ||
	    put("/proc/self/setgroups", "deny") ||
	    put("/proc/self/uid_map", "0 65534 1") ||
	    put("/proc/self/gid_map", "0 65534 1") ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return fail("userns", errno);
	return 0;
}

static int do_execveat(char **argv)
{
	int fd = open(argv[0], O_RDONLY);

	if (fd < 0)
		return fail("open", errno);
	syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
	return fail("exec", errno);
}

static int do_memfd(const char *path, const char *name, char **argv)
{
	char buf[65536];
	int fd = open(path, O_RDONLY), mfd = memfd_create(name, 0);
	ssize_t n;

	if (fd < 0 || mfd < 0)
		return fail("memfd", errno);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(mfd, buf, n) != n)
			return fail("memfd", errno);
	fexecve(mfd, argv, environ);
	return fail("exec", errno);
}

static int do_sendto(const char *addr, int port, int tfo)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;

	if (parse_addr(addr, port, &ss, &len))
		return 2;
	fd = socket(ss.ss_family, tfo ? SOCK_STREAM : SOCK_DGRAM, 0);
	if (fd < 0)
		return fail("socket", errno);
	if (sendto(fd, "x", 1, tfo ? MSG_FASTOPEN : 0, (struct sockaddr *)&ss,
		   len) < 0)
		return fail(tfo ? "connect" : "send", errno);
	printf("%s: ok\n", tfo ? "connect" : "send");
	return 0;
}

static int ok(const char *op)
{
	printf("%s: ok\n", op);
	return 0;
}

static int do_ptrace(void)
{
	pid_t t = fork();
	int st, r;

	if (t == 0) {
		pause();
		_exit(0);
	}
	r = ptrace(PTRACE_ATTACH, t, NULL, NULL) ? errno : 0;
	if (!r)
		waitpid(t, &st, 0);
	kill(t, SIGKILL);
	waitpid(t, &st, 0);
	return r ? fail("ptrace", r) : ok("ptrace");
}

static int do_finit(const char *path)
{
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return fail("open", errno);
	if (syscall(SYS_finit_module, fd, "", 0))
		return fail("finit", errno);
	return ok("finit");
}

static int do_bpfload(void)
{
	struct bpf_insn insns[2] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K},
		{.code = BPF_JMP | BPF_EXIT},
	};
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	attr.insn_cnt = 2;
	attr.insns = (unsigned long)insns;
	attr.license = (unsigned long)"GPL";
	if (syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr)) < 0)
		return fail("bpf", errno);
	return ok("bpf");
}

static int do_mount(const char *dir)
{
	if (unshare(CLONE_NEWNS) ||
	    mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return fail("unshare", errno);
	if (mount("tmpfs", dir, "tmpfs", 0, NULL))
		return fail("mount", errno);
	return ok("mount");
}

/* a tmpfs on dir in a mount namespace of its own */
static int private_tmpfs(const char *dir)
{
	if (unshare(CLONE_NEWNS) ||
	    mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return fail("unshare", errno);
	mkdir(dir, 0755);
	if (mount("tmpfs", dir, "tmpfs", 0, NULL))
		return fail("premount", errno);
	return 0;
}

static int do_umount(const char *dir)
{
	if (private_tmpfs(dir))
		return 1;
	if (umount2(dir, 0))
		return fail("umount", errno);
	return ok("umount");
}

static int do_movemount(const char *src, const char *dst)
{
	if (private_tmpfs(src))
		return 1;
	mkdir(dst, 0755);
	if (syscall(SYS_move_mount, AT_FDCWD, src, AT_FDCWD, dst, 0))
		return fail("move_mount", errno);
	return ok("move_mount");
}

static int do_pivot(const char *dir)
{
	char old[512];

	if (private_tmpfs(dir))
		return 1;
	snprintf(old, sizeof(old), "%s/old", dir);
	mkdir(old, 0755);
	if (syscall(SYS_pivot_root, dir, old))
		return fail("pivot_root", errno);
	return ok("pivot_root");
}

/* capset(2) raising a capability the effective set lacks (dropped first:
 * a drop is no change a cred rule sees) */
static int do_capset(void)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return fail("capget", errno);
	d[CAP_NET_RAW / 32].effective &= ~(1u << (CAP_NET_RAW % 32));
	if (syscall(SYS_capset, &h, d))
		return fail("capdrop", errno);
	d[CAP_NET_RAW / 32].effective |= 1u << (CAP_NET_RAW % 32);
	if (syscall(SYS_capset, &h, d))
		return fail("capset", errno);
	return ok("capset");
}

static int do_unixconnect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return fail("unix", errno);
	return ok("unix");
}

static int do_mapx(const char *path, int mprot)
{
	int fd = open(path, O_RDONLY);
	void *p;

	if (fd < 0)
		return fail("open", errno);
	p = mmap(NULL, 4096, PROT_READ | (mprot ? 0 : PROT_EXEC), MAP_PRIVATE,
		 fd, 0);
	if (p == MAP_FAILED)
		return fail("mmap", errno);
	if (mprot && mprotect(p, 4096, PROT_READ | PROT_EXEC))
		return fail("mprotect", errno);
	return ok(mprot ? "mprotect" : "mmap");
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 3 && !strcmp(argv[1], "nobody")) {
		if (become_nobody_userns())
			return 1;
		return main(argc - 1, argv + 1);
	}
	if (argc == 4 && !strcmp(argv[1], "cloneopen"))
		return do_clone(argv[2], argv[3], NULL);
	if (argc >= 4 && !strcmp(argv[1], "cloneexec"))
		return do_clone(argv[2], argv[3], argv + 3);
	if (argc >= 2 && !strcmp(argv[1], "hello")) {
		printf("hello\n");
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "open"))
		return do_open(argv[2]);
	if (argc >= 3 && !strcmp(argv[1], "exec")) {
		execv(argv[2], argv + 2);
		return fail("exec", errno);
	}
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "connect"))
		return do_connect(argv[2], atoi(argv[3]),
				  argc == 5 && !strcmp(argv[4], "udp"));
	if (argc == 4 && !strcmp(argv[1], "listen"))
		return do_listen(argv[2], atoi(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "openat2"))
		return do_openat2(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "procfd"))
		return do_procfd(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "byhandle"))
		return do_byhandle(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "uring"))
		return do_uring(argv[2]);
	if (argc == 5 && !strcmp(argv[1], "bindopen"))
		return do_bindopen(argv[2], argv[3], argv[4]);
	if (argc >= 3 && !strcmp(argv[1], "execveat"))
		return do_execveat(argv + 2);
	if (argc >= 4 && !strcmp(argv[1], "memfd"))
		return do_memfd(argv[2], argv[3], argv + 3);
	if (argc == 4 && !strcmp(argv[1], "tfo"))
		return do_sendto(argv[2], atoi(argv[3]), 1);
	if (argc == 4 && !strcmp(argv[1], "udpsend"))
		return do_sendto(argv[2], atoi(argv[3]), 0);
	if (argc == 2 && !strcmp(argv[1], "ptrace"))
		return do_ptrace();
	if (argc == 3 && !strcmp(argv[1], "setuid"))
		return setuid(atoi(argv[2])) ? fail("setuid", errno)
					     : ok("setuid");
	if (argc == 3 && !strcmp(argv[1], "setgid"))
		return setgid(atoi(argv[2])) ? fail("setgid", errno)
					     : ok("setgid");
	if (argc == 3 && !strcmp(argv[1], "setgroups")) {
		gid_t g = (gid_t)atoi(argv[2]);

		return setgroups(1, &g) ? fail("setgroups", errno)
					: ok("setgroups");
	}
	if (argc == 2 && !strcmp(argv[1], "userns"))
		return unshare(CLONE_NEWUSER) ? fail("userns", errno)
					      : ok("userns");
	if (argc == 2 && !strcmp(argv[1], "capset"))
		return do_capset();
	if (argc == 3 && !strcmp(argv[1], "umount"))
		return do_umount(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "movemount"))
		return do_movemount(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "pivot"))
		return do_pivot(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "initmod")) {
		static char image[64];

		return syscall(SYS_init_module, image, sizeof(image), "")
			   ? fail("init_module", errno)
			   : ok("init_module");
	}
	if (argc == 3 && !strcmp(argv[1], "finit"))
		return do_finit(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "bpfload"))
		return do_bpfload();
	if (argc == 3 && !strcmp(argv[1], "mount"))
		return do_mount(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "unixconnect"))
		return do_unixconnect(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "mmapx"))
		return do_mapx(argv[2], 0);
	if (argc == 3 && !strcmp(argv[1], "mprotx"))
		return do_mapx(argv[2], 1);
	fprintf(stderr,
		"usage: probe_guest open PATH | exec PATH [ARG...] |\n"
		"       connect ADDR PORT [udp] | listen ADDR PORT | hello |\n"
		"       openat2 DIR REL | procfd PATH | byhandle PATH |\n"
		"       uring PATH | bindopen SRC DST FILE |\n"
		"       execveat PATH [ARG...] | memfd PATH NAME [ARG...] |\n"
		"       tfo ADDR PORT | udpsend ADDR PORT | ptrace |\n"
		"       setuid UID | setgid GID | setgroups GID | userns |\n"
		"       capset | finit PATH | initmod | bpfload | mount DIR |\n"
		"       umount DIR | movemount SRC DST | pivot DIR |\n"
		"       unixconnect PATH | mmapx PATH | mprotx PATH\n");
	return 2;
}
