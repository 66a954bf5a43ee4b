// SPDX-License-Identifier: GPL-2.0
/* Records of the types after connect (struct rtg_more) -> the view. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "decode_int.h"

/* The fixed part (copied first, aligned as the buffer is) and the three
 * strings after it, each NUL-terminated within its length (which includes
 * the NUL). */
static int more_strings(struct decoder *d, const struct rtg_more *m,
			size_t size, const struct rtg_more **fixed,
			const char *s[3])
{
	const uint16_t lens[3] = {m->s0_len, m->s1_len, m->s2_len};
	const char *p = m->data;
	size_t avail = size - sizeof(*m), off = 0;
	int i;

	if ((size_t)lens[0] + lens[1] + lens[2] > avail)
		return -EINVAL;
	if (decoder_reserve(d, sizeof(*m) + lens[0] + lens[1] + lens[2] + 3))
		return -ENOMEM;
	*fixed = decoder_take(d, &off, m, sizeof(*m));
	for (i = 0; i < 3; i++) {
		s[i] = decoder_take_str(d, &off, p, lens[i]);
		p += lens[i];
	}
	return 0;
}

static void sock_addr(struct rtg_event_view *out, const struct rtg_more *m)
{
	int fam = m->sock.family;

	out->more.addr[0] = '\0';
	if (fam == AF_INET || fam == AF_INET6)
		inet_ntop(fam, m->sock.addr, out->more.addr,
			  sizeof(out->more.addr));
}

/* The tracee: cached, or a fork of a cached image (it did not exec). */
static const struct rtg_proc_info *ptrace_target(struct decoder *d,
						 const struct rtg_more *m)
{
	const struct rtg_proc_info *t;
	struct rtg_hdr h = {
	    .pid = m->ptrace.pid,
	    .ppid = m->ptrace.ppid,
	    .exec_ktime = m->ptrace.exec_ktime,
	    .parent_exec_ktime = m->ptrace.parent_exec_ktime,
	};

	t = decoder_find_proc(d, h.pid, h.exec_ktime);
	return t ? t : decoder_learn_fork(d, &h);
}

int decode_more(struct decoder *d, const void *data, size_t size,
		struct rtg_event_view *out)
{
	const struct rtg_more *m = data, *fixed;
	const char *s[3];
	int err;

	if (m->hdr.type < RTG_EV_FIRST_MORE || m->hdr.type >= RTG_EV_MAX)
		return -EINVAL;
	if (size < sizeof(*m))
		return -EINVAL;
	err = more_strings(d, m, size, &fixed, s);
	if (err)
		return err;
	decoder_fill(d, &m->hdr, out);
	if (m->hdr.type == RTG_EV_CONNECT_UNIX) {
		/* a `connect` event of family unix */
		out->type = RTG_EV_CONNECT;
		out->connect.family = AF_UNIX;
		out->connect.path = s[0];
		decoder_resolve(d, &m->hdr, out);
		return 0;
	}
	out->more.op = m->op;
	out->more.s0 = s[0];
	out->more.s1 = s[1];
	out->more.s2 = s[2];
	out->more.s0_truncated = m->hdr.flags & RTG_F_PATH_TRUNC;
	out->more.raw = fixed;
	if (m->hdr.type == RTG_EV_LISTEN ||
	    (m->hdr.type == RTG_EV_IO_URING && m->op == RTG_URING_CONNECT))
		sock_addr(out, m);
	decoder_resolve(d, &m->hdr, out);
	if (m->hdr.type == RTG_EV_PTRACE && m->ptrace.exec_ktime)
		out->more.target = ptrace_target(d, m);
	return 0;
}
