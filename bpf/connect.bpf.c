// SPDX-License-Identifier: GPL-2.0
/*
 * connect(2) of TCP and UDP sockets, from cgroup/connect4 and
 * cgroup/connect6 on the cgroup2 root (user space attaches them): the
 * destination is looked up in the rules before the connect happens, and a
 * deny or kill verdict refuses it with EPERM (a socket hook cannot send a
 * signal, so kill rules deny here too). Returning 1 lets the connect go on.
 */
#include <bpf/bpf_endian.h>

#include "emit.bpf.h"
#include "match.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define AF_INET	    2
#define AF_INET6    10
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17

/* The destination as rules_addr keys it: v4-mapped v6 folded to v4. */
static __always_inline void dest_key(struct bpf_sock_addr *ctx, bool v6,
				     __u32 gen, struct rtg_addr_key *ak)
{
	ak->gen = gen;
	if (!v6) {
		ak->family = 4;
		*(__u32 *)ak->addr = ctx->user_ip4;
	} else {
		/* one ctx load per field: constant offsets for the verifier */
		__u32 a0 = ctx->user_ip6[0], a1 = ctx->user_ip6[1];
		__u32 a2 = ctx->user_ip6[2], a3 = ctx->user_ip6[3];

		if (a0 == 0 && a1 == 0 && a2 == bpf_htonl(0xffff)) {
			ak->family = 4; /* v4-mapped: rules see IPv4 */
			*(__u32 *)ak->addr = a3;
		} else {
			ak->family = 6;
			*(__u32 *)&ak->addr[0] = a0;
			*(__u32 *)&ak->addr[4] = a1;
			*(__u32 *)&ak->addr[8] = a2;
			*(__u32 *)&ak->addr[12] = a3;
		}
	}
	ak->prefixlen = 16 + (ak->family == 4 ? 32 : 128);
}

/* The keys of a connect: destination address and port, protocol. */
static __always_inline void dest_keys(struct misc *mc, struct rtg_hookset *hs,
				      __u32 gen, const struct rtg_addr_key *ak,
				      __u16 dport, bool udp)
{
	struct rtg_bits *b;

	if (hs->features & RTG_HF_DADDR) {
		b = bpf_map_lookup_elem(&rules_addr, ak);
		if (b)
			mc->keys[RTG_KEY_DADDR] = *b;
	}
	if (hs->features & RTG_HF_DPORT) {
		__u32 idx = gen * RTG_PORT_SLOTS + dport;

		b = bpf_map_lookup_elem(&rules_port, &idx);
		if (b)
			mc->keys[RTG_KEY_DPORT] = *b;
	}
	mc->keys[RTG_KEY_PROTO].m = hs->proto_m[udp];
	mc->keys[RTG_KEY_PROTO].u = hs->proto_u[udp];
}

/* The socket's source address and port, when already bound. */
static __always_inline void source_addr(struct bpf_sock_addr *ctx, bool v6,
					struct rtg_connect *e)
{
	struct bpf_sock *sk = ctx->sk;

	__builtin_memset(e->saddr, 0, 16);
	e->sport = 0;
	if (!sk)
		return;
	e->sport = sk->src_port;
	if (!v6) {
		*(__u32 *)e->saddr = sk->src_ip4;
	} else if (e->family == AF_INET) {
		*(__u32 *)e->saddr = sk->src_ip6[3];
	} else {
		*(__u32 *)&e->saddr[0] = sk->src_ip6[0];
		*(__u32 *)&e->saddr[4] = sk->src_ip6[1];
		*(__u32 *)&e->saddr[8] = sk->src_ip6[2];
		*(__u32 *)&e->saddr[12] = sk->src_ip6[3];
	}
}

static __always_inline int connect_eval(struct bpf_sock_addr *ctx, bool v6)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 gen, uid, proto = ctx->protocol;
	struct rtg_addr_key ak = {};
	struct rtg_proc_state *st;
	struct rtg_hookset *hs;
	struct rtg_connect *e;
	struct rtg_verdict v;
	struct misc *mc;
	bool incont, enforced = false;
	__u16 dport;

	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return 1;
	hs = hook_rules(RTG_HOOK_CONNECT, &gen);
	mc = bpf_map_lookup_elem(&scratch_misc, &zero);
	if (!hs || !mc)
		return 1;
	clear_keys(mc);

	dest_key(ctx, v6, gen, &ak);
	dport = bpf_ntohs(ctx->user_port);
	dest_keys(mc, hs, gen, &ak, dport, proto == IPPROTO_UDP);
	uid = (__u32)bpf_get_current_uid_gid();
	st = proc_get(mc, bpf_get_current_pid_tgid() >> 32, gen);
	incont = in_container(task);
	common_keys(mc, hs, RTG_HOOK_CONNECT, gen, st, uid, incont);
	decide(hs, mc, gen, RTG_HOOK_CONNECT, &v);
	if (v.action < RTG_ACT_AUDIT)
		return 1;

	if (v.action >= RTG_ACT_DENY) {
		v.action = RTG_ACT_DENY;
		v.mech = RTG_MECH_CGROUP;
		enforced = !CFG(dry_run);
	}
	EMIT_RESERVE(e, RTG_EV_CONNECT, v.action >= RTG_ACT_DENY);
	if (!e)
		return enforced ? 0 : 1;
	fill_hdr(&e->hdr, RTG_EV_CONNECT, task, st, bpf_ktime_get_boot_ns());
	set_verdict(&e->hdr, &v, gen, enforced);
	if (incont)
		e->hdr.flags |= RTG_F_IN_CONTAINER;
	e->family = ak.family == 4 ? AF_INET : AF_INET6;
	e->protocol = proto;
	e->dport = dport;
	__builtin_memcpy(e->daddr, ak.addr, 16);
	source_addr(ctx, v6, e);
	emit_submit(e, RTG_EV_CONNECT, v.action >= RTG_ACT_DENY);
	return enforced ? 0 : 1;
}

SEC("cgroup/connect4")
int connect4(struct bpf_sock_addr *ctx)
{
	return connect_eval(ctx, false);
}

SEC("cgroup/connect6")
int connect6(struct bpf_sock_addr *ctx)
{
	return connect_eval(ctx, true);
}
