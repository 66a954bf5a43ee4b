// SPDX-License-Identifier: GPL-2.0
/*
 * Sockets beyond TCP/UDP connects: connect(2) of unix sockets (the
 * container-runtime sockets) from cgroup/connect_unix (Linux 6.7+), and
 * the sockets that receive: listen(2) of TCP sockets (sys_enter_listen),
 * with cgroup/bind4|6 refusing the bind of a TCP socket that a `listen`
 * deny rule covers, and packet sockets (sys_enter_socket). The cgroup programs
 * sit on the cgroup2 root (user space attaches them) and refuse with EPERM; the
 * tracepoint kills.
 *
 * Unix connects are decided by the `connect` rules that have a `path`
 * key, and by no policy default: `defaults: {connect: ...}` stays about
 * TCP and UDP.
 */
#include <bpf/bpf_endian.h>

#include "more.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define AF_UNIX	    1
#define AF_PACKET   17
#define AF_INET	    2
#define AF_INET6    10
#define SOCK_STREAM 1
#define IPPROTO_TCP 6
#define S_IFMT	    00170000
#define S_IFSOCK    0140000

extern void *bpf_cast_to_kern_ctx(void *obj) __ksym __weak;

/* uaddrlen came with 6.7: spelled out so that this builds against an
 * older vmlinux.h (vmlinux/arm64/) */
struct bpf_sock_addr_kern___len {
	struct sockaddr *uaddr;
	__u32 uaddrlen;
} __attribute__((preserve_access_index));

/* ---- unix connect -------------------------------------------------------- */

/* cgroup/connect_unix: named as connect4 for libbpfs that predate it;
 * user space loads it with the expected attach type
 * BPF_CGROUP_UNIX_CONNECT where the probe found it works. */
SEC("?cgroup/connect4")
int connect_unix(struct bpf_sock_addr *ctx)
{
	struct bpf_sock_addr_kern___len *k;

	if (!bpf_cast_to_kern_ctx)
		return 1;
	k = bpf_cast_to_kern_ctx(ctx);
	return unix_connect(k->uaddr, k->uaddrlen, RTG_MECH_CGROUP) ? 0 : 1;
}

/* ---- listen -------------------------------------------------------------- */

/* The listen rules for a bind of a TCP socket: a deny verdict refuses the
 * bind (the listen would come next). Audit is left to the listen itself. */
static __always_inline int bind_eval(struct bpf_sock_addr *ctx, bool v6)
{
	struct rtg_hookset *hs;
	struct more_ctx x;
	struct rtg_more *e;
	bool enforced;

	if (ctx->type != SOCK_STREAM || ctx->protocol != IPPROTO_TCP)
		return 1;
	hs = hookset_active(active_gen(), RTG_HOOK_LISTEN);
	if (!hs || !(hs->features & RTG_HF_ENFORCE))
		return 1;
	if (!more_begin(&x, RTG_HOOK_LISTEN, (__u32)bpf_get_current_uid_gid()))
		return 1;
	more_op(&x, RTG_KEY_SYSCALL, RTG_LISTEN_LISTEN);
	more_decide(&x);
	if (x.v.action < RTG_ACT_DENY)
		return 1;
	x.v.action = RTG_ACT_DENY;
	x.v.mech = RTG_MECH_CGROUP;
	enforced = !CFG(dry_run);
	e = more_record(&x, RTG_EV_LISTEN, RTG_LISTEN_LISTEN, enforced);
	e->sock.protocol = IPPROTO_TCP;
	e->sock.port = bpf_ntohs(ctx->user_port);
	if (v6) {
		e->sock.family = AF_INET6;
		*(__u32 *)&e->sock.addr[0] = ctx->user_ip6[0];
		*(__u32 *)&e->sock.addr[4] = ctx->user_ip6[1];
		*(__u32 *)&e->sock.addr[8] = ctx->user_ip6[2];
		*(__u32 *)&e->sock.addr[12] = ctx->user_ip6[3];
	} else {
		e->sock.family = AF_INET;
		*(__u32 *)e->sock.addr = ctx->user_ip4;
	}
	more_emit(e, RTG_EV_LISTEN);
	return enforced ? 0 : 1;
}

SEC("cgroup/bind4")
int bind4(struct bpf_sock_addr *ctx)
{
	return bind_eval(ctx, false);
}

SEC("cgroup/bind6")
int bind6(struct bpf_sock_addr *ctx)
{
	return bind_eval(ctx, true);
}

/* The struct sock behind a socket fd of the current task, or NULL. */
static __always_inline struct sock *fd_sock(struct task_struct *task, long fd)
{
	struct fdtable *fdt = task->files->fdt;
	struct file **fds, *file = NULL;
	struct socket *sock;
	umode_t mode;

	if (fd < 0 || fd >= fdt->max_fds)
		return NULL;
	fds = fdt->fd;
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	if (!file)
		return NULL;
	mode = BPF_CORE_READ(file, f_inode, i_mode);
	if ((mode & S_IFMT) != S_IFSOCK)
		return NULL;
	sock = BPF_CORE_READ(file, private_data);
	return BPF_CORE_READ(sock, sk);
}

/* listen(2) of a TCP socket (v4 or v6): the address it listens on. A
 * deny verdict that the bind hook did not see (bound before the rule, or
 * bound by listen itself) kills; with BPF LSM, lsm/socket_listen refuses
 * every denied listen and no bind is refused. */
SEC("tracepoint/syscalls/sys_enter_listen")
int enter_listen(struct trace_event_raw_sys_enter *ctx)
{
	struct more_ctx x;
	struct rtg_more *e;
	struct sock *sk;
	__u16 family;
	bool enforced;

	if (!hookset_active(active_gen(), RTG_HOOK_LISTEN))
		return 0;
	sk = fd_sock(bpf_get_current_task_btf(), ctx->args[0]);
	if (!sk)
		return 0;
	if (!listen_decide(&x, sk, &family))
		return 0;
	/* BPF LSM's socket_listen refuses it (lsm_more.bpf.c) */
	if (x.v.action < RTG_ACT_AUDIT || more_lsm_decides(&x, true))
		return 0;
	enforced = more_enforce_tp(&x);
	e = more_record(&x, RTG_EV_LISTEN, RTG_LISTEN_LISTEN, enforced);
	listen_sock(e, sk, family);
	more_emit(e, RTG_EV_LISTEN);
	return 0;
}

/* socket(2) of a packet socket (a sniffer sees every frame): a `listen`
 * event of op `socket`. Every socket(2) passes here; only AF_PACKET goes
 * on. */
SEC("tracepoint/syscalls/sys_enter_socket")
int enter_socket(struct trace_event_raw_sys_enter *ctx)
{
	struct more_ctx x;
	struct rtg_more *e;
	bool enforced;

	if (ctx->args[0] != AF_PACKET)
		return 0;
	if (!more_begin(&x, RTG_HOOK_LISTEN, (__u32)bpf_get_current_uid_gid()))
		return 0;
	more_op(&x, RTG_KEY_SYSCALL, RTG_LISTEN_SOCKET);
	more_decide(&x);
	if (x.v.action < RTG_ACT_AUDIT)
		return 0;
	enforced = more_enforce_tp(&x);
	e = more_record(&x, RTG_EV_LISTEN, RTG_LISTEN_SOCKET, enforced);
	e->sock.family = AF_PACKET;
	e->sock.protocol = __builtin_bswap16((__u16)ctx->args[2]);
	more_emit(e, RTG_EV_LISTEN);
	return 0;
}
