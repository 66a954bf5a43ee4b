// SPDX-License-Identifier: GPL-2.0
/*
 * The event objects of the types after connect, in both formats: JSON
 * ("ptrace": {...}, "cred": {...}, ...; README "Events") and the tail of
 * a compact line. output_json.c and output_compact.c call in here for
 * these types.
 */
#include <string.h>
#include <sys/socket.h>

#include "json.h"
#include "output.h"
#include "sbuf.h"

#define PROT_READ_BIT  0x1
#define PROT_WRITE_BIT 0x2
#define PROT_EXEC_BIT  0x4

static const char *op_of(const struct rtg_event_view *ev)
{
	return op_name(type_hook(ev->type), ev->more.op);
}

static void kv_nonempty(struct json_writer *jw, const char *k, const char *s)
{
	if (s && s[0])
		jw_kv_string(jw, k, s);
}

static const char *family_name(int family)
{
	switch (family) {
	case AF_INET:
		return "inet";
	case AF_INET6:
		return "inet6";
	case AF_UNIX:
		return "unix";
	case AF_PACKET:
		return "packet";
	}
	return NULL;
}

static void json_ids(struct json_writer *jw, const char *name,
		     const struct rtg_ids *id)
{
	jw_name(jw, name);
	jw_start_object(jw);
	jw_kv_uint(jw, "uid", id->uid);
	jw_kv_uint(jw, "euid", id->euid);
	jw_kv_uint(jw, "gid", id->gid);
	jw_kv_uint(jw, "egid", id->egid);
	jw_kv_uint(jw, "caps", id->caps);
	jw_end_object(jw);
}

static void json_ptrace(struct json_writer *jw, const struct rtg_event_view *ev)
{
	const struct rtg_more *m = ev->more.raw;
	const struct rtg_proc_info *t = ev->more.target;

	jw_kv_string(jw, "request", op_of(ev) ?: "?");
	jw_name(jw, "target");
	jw_start_object(jw);
	jw_kv_uint(jw, "pid", m->ptrace.pid);
	if (t && t->binary)
		jw_kv_string(jw, "binary", t->binary);
	if (t && t->exec_id[0])
		jw_kv_string(jw, "exec_id", t->exec_id);
	jw_end_object(jw);
}

static void json_flags(struct json_writer *jw, int hook, uint64_t bits)
{
	int n, i;
	const char *const *names = xflag_names(hook, &n);

	jw_name(jw, "flags");
	jw_start_array(jw);
	for (i = 0; names && i < n; i++)
		if (bits & (1ULL << i))
			jw_string(jw, names[i]);
	jw_end_array(jw);
}

/* CLONE_NEW* flags as enum rtg_nsflag bits */
static uint64_t ns_bits(uint64_t f)
{
	static const uint64_t clone_new[RTG_NNSF] = {
	    0x00020000, 0x04000000, 0x08000000, 0x10000000,
	    0x20000000, 0x40000000, 0x02000000, 0x00000080,
	};
	uint64_t b = 0;
	int i;

	for (i = 0; i < RTG_NNSF; i++)
		if (f & clone_new[i])
			b |= 1ULL << i;
	return b;
}

static void json_sock(struct json_writer *jw, const struct rtg_event_view *ev)
{
	const struct rtg_more *m = ev->more.raw;
	const char *fam = family_name(m->sock.family);
	/* a packet socket's protocol is an ETH_P_* number, not IPPROTO_* */
	const char *p = m->sock.family == AF_PACKET
			    ? NULL
			    : proto_name(m->sock.protocol);

	if (fam)
		jw_kv_string(jw, "family", fam);
	if (p)
		jw_kv_string(jw, "protocol", p);
	if (m->sock.family == AF_UNIX) {
		jw_kv_string(jw, "path", ev->more.s0);
		return;
	}
	if (m->sock.family == AF_PACKET) {
		jw_kv_uint(jw, "protocol", m->sock.protocol); /* ETH_P_* */
		return;
	}
	if (ev->more.addr[0])
		jw_kv_string(jw, "addr", ev->more.addr);
	if (m->sock.port || m->sock.family)
		jw_kv_uint(jw, "port", m->sock.port);
}

static void json_prot(struct json_writer *jw, uint32_t prot)
{
	jw_name(jw, "prot");
	jw_start_array(jw);
	if (prot & PROT_READ_BIT)
		jw_string(jw, "PROT_READ");
	if (prot & PROT_WRITE_BIT)
		jw_string(jw, "PROT_WRITE");
	if (prot & PROT_EXEC_BIT)
		jw_string(jw, "PROT_EXEC");
	jw_end_array(jw);
}

static void json_file_path(struct json_writer *jw,
			   const struct rtg_event_view *ev)
{
	jw_name(jw, "file");
	jw_start_object(jw);
	jw_kv_string(jw, "path", ev->more.s0);
	if (ev->more.s0_truncated)
		jw_kv_bool(jw, "truncated", true);
	jw_end_object(jw);
}

void output_json_more(struct json_writer *jw, const struct rtg_event_view *ev)
{
	const struct rtg_more *m = ev->more.raw;
	const char *op = op_of(ev) ?: "?";
	const char *pt;

	if (!m)
		return; /* a view not made by the decoder */
	if (ev->type == RTG_EV_MMAP_EXEC)
		json_file_path(jw, ev);
	jw_name(jw, type_name(ev->type));
	jw_start_object(jw);
	switch (ev->type) {
	case RTG_EV_PTRACE:
		json_ptrace(jw, ev);
		break;
	case RTG_EV_CRED:
		jw_kv_string(jw, "syscall", op);
		json_ids(jw, "old", &m->cred.old);
		json_ids(jw, "new", &m->cred.new);
		break;
	case RTG_EV_MODULE:
		jw_kv_string(jw, "syscall", op);
		kv_nonempty(jw, "name", ev->more.s1);
		kv_nonempty(jw, "path", ev->more.s0);
		break;
	case RTG_EV_BPF:
		jw_kv_string(jw, "cmd", op);
		if (ev->more.op == RTG_BPF_PROG_LOAD) {
			pt = prog_type_name(m->bpf.prog_type);
			if (pt)
				jw_kv_string(jw, "prog_type", pt);
			else
				jw_kv_uint(jw, "prog_type", m->bpf.prog_type);
		} else if (ev->more.op != RTG_BPF_RAW_TP_OPEN) {
			jw_kv_uint(jw, "attach_type", m->bpf.attach_type);
		}
		kv_nonempty(jw, "name", ev->more.s1);
		break;
	case RTG_EV_MOUNT:
		jw_kv_string(jw, "syscall", op);
		kv_nonempty(jw, "source", ev->more.s1);
		kv_nonempty(jw, "target", ev->more.s0);
		kv_nonempty(jw, "fstype", ev->more.s2);
		jw_kv_uint(jw, "flags", m->flags.flags);
		break;
	case RTG_EV_NAMESPACE:
		jw_kv_string(jw, "syscall", op);
		json_flags(jw, RTG_HOOK_NAMESPACE, ns_bits(m->flags.flags));
		break;
	case RTG_EV_LISTEN:
		jw_kv_string(jw, "syscall", op);
		json_sock(jw, ev);
		break;
	case RTG_EV_MMAP_EXEC:
		jw_kv_string(jw, "syscall", op);
		json_prot(jw, m->mmap.prot);
		if (ev->flags & RTG_F_EXEC_RULE)
			jw_kv_bool(jw, "exec_rule", true);
		break;
	case RTG_EV_IO_URING:
		jw_kv_string(jw, "op", op);
		if (ev->more.op == RTG_URING_CONNECT)
			json_sock(jw, ev);
		else
			kv_nonempty(jw, "path", ev->more.s0);
		break;
	default:
		break;
	}
	jw_end_object(jw);
}

void output_compact_more(struct sbuf *b, const struct rtg_event_view *ev)
{
	const struct rtg_more *m = ev->more.raw;
	const char *op = op_of(ev) ?: "?";

	if (!m)
		return;
	sbuf_puts(b, op);
	switch (ev->type) {
	case RTG_EV_PTRACE:
		sbuf_printf(b, " pid=%u", m->ptrace.pid);
		if (ev->more.target && ev->more.target->binary) {
			sbuf_putc(b, ' ');
			compact_escape(b, ev->more.target->binary,
				       strlen(ev->more.target->binary));
		}
		return;
	case RTG_EV_CRED:
		sbuf_printf(b, " uid %u->%u euid %u->%u", m->cred.old.uid,
			m->cred.new.uid, m->cred.old.euid, m->cred.new.euid);
		return;
	case RTG_EV_NAMESPACE:
		sbuf_printf(b, " flags=0x%llx", (unsigned long long)m->flags.flags);
		return;
	case RTG_EV_LISTEN:
		if (m->sock.family == AF_PACKET)
			sbuf_puts(b, " packet");
		else
			sbuf_printf(b,
				    m->sock.family == AF_INET6 ? " [%s]:%u"
							       : " %s:%u",
				    ev->more.addr, m->sock.port);
		return;
	default:
		break;
	}
	if (ev->more.s0[0]) {
		sbuf_putc(b, ' ');
		compact_escape(b, ev->more.s0, strlen(ev->more.s0));
	}
	if (ev->more.s1[0]) {
		sbuf_putc(b, ' ');
		compact_escape(b, ev->more.s1, strlen(ev->more.s1));
	}
}
