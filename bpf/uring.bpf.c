// SPDX-License-Identifier: GPL-2.0
/*
 * io_uring: setting up a ring (io_uring_setup(2), its syscall tracepoint)
 * and the requests that open files or connect sockets, which pass no
 * syscall tracepoint (the io_uring_submit_req tracepoint, tp_btf, where
 * its shape is the one of Linux 6.0+; user/lib/probe_more.c checks). A
 * deny or kill verdict kills the process before it returns to user space:
 * a policy can keep io_uring away from a binary, a container or the host.
 * The openat name is the one the request carries (relative to its
 * directory fd), not a resolved path.
 */
#include "more.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define IORING_OP_CONNECT 16
#define IORING_OP_OPENAT  18
#define IORING_OP_OPENAT2 28
#define AF_UNIX		  1
#define AF_INET		  2
#define AF_INET6	  10

SEC("tracepoint/syscalls/sys_enter_io_uring_setup")
int enter_io_uring_setup(struct trace_event_raw_sys_enter *ctx)
{
	struct more_ctx x;
	struct rtg_more *e;
	bool enforced;

	if (!more_begin(&x, RTG_HOOK_IO_URING,
			(__u32)bpf_get_current_uid_gid()))
		return 0;
	more_op(&x, RTG_KEY_SYSCALL, RTG_URING_SETUP);
	more_decide(&x);
	if (x.v.action < RTG_ACT_AUDIT)
		return 0;
	enforced = more_enforce_tp(&x);
	e = more_record(&x, RTG_EV_IO_URING, RTG_URING_SETUP, enforced);
	more_emit(e, RTG_EV_IO_URING);
	return 0;
}

/* A connect request's destination, read from the submitter's memory. */
static __always_inline void uring_dest(struct rtg_more *e,
				       const struct io_kiocb *req)
{
	struct io_connect *c = (void *)&req->cmd;
	char *ua = (char *)BPF_CORE_READ(c, addr);

	bpf_probe_read_user(&e->sock.family, 2, ua);
	if (e->sock.family == AF_INET || e->sock.family == AF_INET6) {
		bpf_probe_read_user(&e->sock.port, 2, ua + 2);
		e->sock.port = __builtin_bswap16(e->sock.port);
	}
	if (e->sock.family == AF_INET)
		bpf_probe_read_user(e->sock.addr, 4, ua + 4);
	else if (e->sock.family == AF_INET6)
		bpf_probe_read_user(e->sock.addr, 16, ua + 8);
	if (e->sock.family == AF_UNIX)
		e->s0_len = more_str(e, ua + 2, true);
	else
		e->s0_len = more_str(e, NULL, false);
}

SEC("tp_btf/io_uring_submit_req")
int BPF_PROG(uring_submit, struct io_kiocb *req)
{
	__u8 opcode = req->opcode;
	struct more_ctx x;
	struct rtg_more *e;
	struct io_open *o;
	bool enforced;
	int op;

	if (opcode == IORING_OP_OPENAT)
		op = RTG_URING_OPENAT;
	else if (opcode == IORING_OP_OPENAT2)
		op = RTG_URING_OPENAT2;
	else if (opcode == IORING_OP_CONNECT)
		op = RTG_URING_CONNECT;
	else
		return 0;
	if (!more_begin(&x, RTG_HOOK_IO_URING,
			(__u32)bpf_get_current_uid_gid()))
		return 0;
	more_op(&x, RTG_KEY_SYSCALL, op);
	more_decide(&x);
	if (x.v.action < RTG_ACT_AUDIT)
		return 0;
	enforced = more_enforce_tp(&x);
	e = more_record(&x, RTG_EV_IO_URING, op, enforced);
	if (op == RTG_URING_CONNECT) {
		uring_dest(e, req);
	} else {
		o = (void *)&req->cmd;
		e->s0_len =
		    more_str(e, BPF_CORE_READ(o, filename, name), false);
	}
	more_emit(e, RTG_EV_IO_URING);
	return 0;
}
