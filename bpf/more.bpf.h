/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hooks of the event types after connect (ptrace, cred, module, bpf,
 * mount, namespace, listen, mmap_exec, io_uring, unix connect): one
 * evaluation shape for all of them. A hook starts with more_begin() (the
 * hook's rules, the acting process, the keys every hook has), adds its own
 * keys (more_op(), more_xflags(), a path), calls more_decide(), then fills
 * one struct rtg_more record (events.h) with more_record() and its
 * strings, and emits it.
 *
 * These hooks run rarely next to opens, so the acting process's `binary`
 * masks are looked up when they run, from the binary's path kept in its
 * procs entry, instead of being kept per process (rules.h,
 * RTG_NHOOKS_PROC).
 */
#ifndef RTG_MORE_BPF_H
#define RTG_MORE_BPF_H

#include "emit.bpf.h"
#include "file.bpf.h"
#include "shown.bpf.h"

#define EPERM 1

/* One evaluation of a hook. */
struct more_ctx {
	struct scratch s;
	struct rtg_hookset *hs;
	struct rtg_proc_state *st; /* NULL: the process is unknown */
	struct task_struct *task;
	__u32 gen, uid;
	int hook;
	bool incont;
	struct rtg_verdict v;
};

/* The `binary` key of the acting process for a hook that keeps no masks
 * per process: looked up now. */
static __always_inline void more_binary(struct more_ctx *x)
{
	struct rtg_proc_state *st = x->st;
	struct misc *mc = x->s.mc;
	__u8 kind = RTG_KIND(x->hook, RTG_KEY_BINARY);
	__u32 feat = x->hs->features;

	if (!st)
		return;
	if (feat & RTG_HF_STR_BINARY)
		str_lookup(&mc->key, x->gen, kind, st->bin_key, st->bin_len + 1,
			   &mc->keys[RTG_KEY_BINARY]);
	if (feat & RTG_HF_SUFFIX_BINARY)
		suffix_lookup(&mc->key, x->gen, kind, st->bin_rtail,
			      st->bin_len, &mc->keys[RTG_KEY_BINARY]);
}

/* The keys every hook has: binary, uid (as given: a cred hook passes the
 * uid from before the change), container. */
static __always_inline void more_common(struct more_ctx *x)
{
	struct rtg_hookset *hs = x->hs;
	struct misc *mc = x->s.mc;

	more_binary(x);
	if (hs->features & RTG_HF_UID) {
		struct rtg_uid_key uk = {
		    .gen = x->gen, .hook = x->hook, .uid = x->uid};
		struct rtg_bits *b = bpf_map_lookup_elem(&rules_uid, &uk);

		if (b)
			mc->keys[RTG_KEY_UID] = *b;
	}
	mc->keys[RTG_KEY_CONTAINER].m = hs->cont_m[x->incont];
	mc->keys[RTG_KEY_CONTAINER].u = hs->cont_u[x->incont];
}

/* The ids and effective capabilities of credentials c. */
static __always_inline void cred_ids(const struct cred *c, struct rtg_ids *id)
{
	id->uid = BPF_CORE_READ(c, uid.val);
	id->euid = BPF_CORE_READ(c, euid.val);
	id->gid = BPF_CORE_READ(c, gid.val);
	id->egid = BPF_CORE_READ(c, egid.val);
	/* kernel_cap_t is one u64 (6.3+) or two u32 (before): the same bytes */
	id->caps = 0;
	bpf_probe_read_kernel(&id->caps, sizeof(id->caps), &c->cap_effective);
}

/* What changed: enum rtg_credflag bits. */
static __always_inline __u32 cred_change(const struct rtg_ids *o,
					 const struct rtg_ids *n)
{
	__u32 f = 0;

	if ((n->uid == 0 && o->uid != 0) || (n->euid == 0 && o->euid != 0))
		f |= 1u << RTG_CREDF_ROOT;
	if (n->uid != o->uid || n->euid != o->euid)
		f |= 1u << RTG_CREDF_UID;
	if (n->gid != o->gid || n->egid != o->egid)
		f |= 1u << RTG_CREDF_GID;
	if (n->caps & ~o->caps)
		f |= 1u << RTG_CREDF_CAPS;
	return f;
}

/* The start of a hook: false when it has nothing to do (no rule, allow by
 * default; or the actor is the agent). uid is the acting uid the rules
 * see. */
static __always_inline bool more_begin(struct more_ctx *x, int hook, __u32 uid)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	x->hs = hook_rules(hook, &x->gen);
	if (!x->hs || !scratch_get(&x->s))
		return false;
	x->hook = hook;
	x->uid = uid;
	x->task = bpf_get_current_task_btf();
	x->incont = in_container(x->task);
	x->st = bpf_map_lookup_elem(&procs, &tgid);
	clear_keys(x->s.mc);
	more_common(x);
	return true;
}

/* The `syscall` (or `request`) key: op is the index of the operation. */
static __always_inline void more_op(struct more_ctx *x, int key, __u32 op)
{
	__u32 i = RTG_MASK(op, RTG_NOPS - 1);

	x->s.mc->keys[key].m = x->hs->op_m[i];
	x->s.mc->keys[key].u = x->hs->op_u[i];
}

/* The `flags` key of namespace and cred rules: bits of RTG_NXFLAGS. */
static __always_inline void more_xflags(struct more_ctx *x, __u32 bits)
{
	struct rtg_bits b = {};
	int i;

#pragma unroll
	for (i = 0; i < RTG_NXFLAGS; i++)
		if (bits & (1u << i)) {
			b.m |= x->hs->xf_m[i];
			b.u |= x->hs->xf_u[i];
		}
	x->s.mc->keys[RTG_KEY_FLAGS] = b;
}

/* The `path` key of a string held in mc->sbuf (len bytes, no NUL). */
static __always_inline void more_path_sbuf(struct more_ctx *x, __u32 len)
{
	struct misc *mc = x->s.mc;

	path_bits(mc, x->gen, x->hs->features, RTG_KIND(x->hook, RTG_KEY_PATH),
		  mc->sbuf, len, NULL, &mc->keys[RTG_KEY_PATH]);
}

/* The path of dentry in the mount vfsmnt as the mount shows it
 * (shown.bpf.h) into mc->fp, and the `path` key of the hook's rules. */
static __always_inline void
more_path_at(struct more_ctx *x, struct dentry *dentry, struct vfsmount *vfsmnt)
{
	struct fpath *fp = &x->s.mc->fp;
	__u32 off, len;
	bool trunc;

	off = path_shown(&x->s.ps->a, dentry, vfsmnt, &len, &trunc);
	__builtin_memset(fp, 0, sizeof(*fp));
	fp->off = off;
	fp->len = len;
	fp->trunc = trunc;
	fp->hit = ~0ULL;
	RTG_GLOBAL(rtg_path_key)(x->hook, x->gen, 0);
}

static __always_inline void more_path_file(struct more_ctx *x,
					   struct file *file)
{
	more_path_at(x, BPF_CORE_READ(file, f_path.dentry),
		     BPF_CORE_READ(file, f_path.mnt));
}

static __always_inline void more_decide(struct more_ctx *x)
{
	decide(x->hs, x->s.mc, x->gen, x->hook, &x->v);
}

struct rules_ctx {
	const struct rtg_hookset *hs;
	__u64 m;
	__u32 np;
	struct rtg_verdict v;
};

static long rules_step(__u32 p, void *arg)
{
	struct rules_ctx *c = arg;
	const struct rtg_hookset *hs = c->hs;
	__u64 pm;
	__u16 rule;
	__u8 act;

	if (p >= c->np)
		return 1;
	pm = c->m & hs->pmask[RTG_MASK(p, RTG_MAX_POLICIES - 1)];
	if (!pm)
		return 0;
	rule = (__u16)__builtin_ctzll(pm);
	act = hs->action[RTG_MASK(rule, RTG_MAX_RULES - 1)];
	if (act > c->v.action) {
		c->v.action = act;
		c->v.rule = rule;
		c->v.mech = hs->mech[RTG_MASK(rule, RTG_MAX_RULES - 1)];
	}
	return 0;
}

/* decide() without the policies' defaults, over the matching rules m:
 * per policy its first rule in m, the strictest across policies; allow
 * when no policy has one. For operations that only some rules are about
 * (a file mapped by an exec rule, a unix connect by a connect rule with a
 * `path`). */
static __always_inline void decide_rules(const struct rtg_hookset *hs, __u64 m,
					 struct rtg_verdict *v)
{
	struct rules_ctx c = {.hs = hs, .m = m, .np = hs->npolicies};

	rtg_verdict_init(&c.v);
	if (m)
		bpf_loop(RTG_MAX_POLICIES, rules_step, &c, 0);
	*v = c.v;
}

/* The file in mc->fp (more_path_file()) against the exec rules, for an
 * executable mapping: their verdict when it is deny or kill. */
static __always_inline void more_exec_rules(struct more_ctx *x,
					    struct rtg_verdict *v)
{
	struct rtg_hookset *hs = hookset(x->gen, RTG_HOOK_EXEC);
	struct misc *mc = x->s.mc;
	struct rtg_proc_state *st;

	rtg_verdict_init(v);
	if (!hs || !(hs->features & RTG_HF_ENFORCE))
		return;
	clear_keys(mc);
	RTG_GLOBAL(rtg_path_key)(RTG_HOOK_EXEC, x->gen, 0);
	st = proc_get(mc, bpf_get_current_pid_tgid() >> 32, x->gen);
	common_keys(mc, hs, RTG_HOOK_EXEC, x->gen, st, x->uid, x->incont);
	/* the rules about a file: those with a `path`; a catch-all (an
	 * allow-list's `kill` for a uid) does not judge every library */
	decide_rules(hs, rtg_match(hs, mc->keys) & ~hs->dc_m[RTG_KEY_PATH], v);
	if (v->action < RTG_ACT_DENY)
		rtg_verdict_init(v);
}

/* A deny that the BPF LSM program of this operation (lsm_hook: there is
 * one, lsm_more.bpf.c) refuses and reports: the tracepoint leaves it. */
static __always_inline bool more_lsm_decides(struct more_ctx *x, bool lsm_hook)
{
	return lsm_hook && x->v.action >= RTG_ACT_DENY &&
	       x->v.mech == RTG_MECH_LSM && CFG(lsm_active);
}

/* The listen rules for a listen(2) of sk, into x: false when sk is no
 * IPv4/IPv6 socket (*family: its family) or the hook is off. */
static __always_inline bool listen_decide(struct more_ctx *x, struct sock *sk,
					  __u16 *family)
{
	*family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (*family != 2 /* AF_INET */ && *family != 10 /* AF_INET6 */)
		return false;
	if (!more_begin(x, RTG_HOOK_LISTEN, (__u32)bpf_get_current_uid_gid()))
		return false;
	more_op(x, RTG_KEY_SYSCALL, RTG_LISTEN_LISTEN);
	more_decide(x);
	return true;
}

/* The listening socket sk (family AF_INET or AF_INET6) into a listen
 * record: family, protocol, the local port and address. */
static __always_inline void listen_sock(struct rtg_more *e, struct sock *sk,
					__u16 family)
{
	e->sock.family = family;
	e->sock.protocol = BPF_CORE_READ(sk, sk_protocol);
	e->sock.port = BPF_CORE_READ(sk, __sk_common.skc_num);
	if (family == 2 /* AF_INET */)
		*(__u32 *)e->sock.addr =
		    BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
	else
		BPF_CORE_READ_INTO(&e->sock.addr, sk,
				   __sk_common.skc_v6_rcv_saddr);
}

/* Tracepoint-side enforcement: deny and kill are SIGKILL. */
static __always_inline bool more_enforce_tp(struct more_ctx *x)
{
	return enforce_kill(&x->v);
}

/* The record of type `type` in the event scratch, header and verdict
 * filled, strings empty. */
static __always_inline struct rtg_more *
more_record(struct more_ctx *x, __u8 type, __u16 op, bool enforced)
{
	struct rtg_more *e = (void *)x->s.eb->d;

	fill_hdr(&e->hdr, type, x->task, x->st, bpf_ktime_get_boot_ns());
	set_verdict(&e->hdr, &x->v, x->gen, enforced);
	if (x->incont)
		e->hdr.flags |= RTG_F_IN_CONTAINER;
	e->op = op;
	e->s0_len = 0;
	e->s1_len = 0;
	e->s2_len = 0;
	__builtin_memset(e->raw, 0, sizeof(e->raw));
	return e;
}

/* Bytes of the strings already in e. */
static __always_inline __u32 more_pos(const struct rtg_more *e)
{
	return (__u32)e->s0_len + e->s1_len + e->s2_len;
}

#define MORE_STR_MAX 256 /* bytes kept of s1, s2 and of user-given paths */

/* Appends a NUL-terminated string (at most MORE_STR_MAX bytes with its
 * NUL) read from kernel (user = false) or user memory; returns the bytes
 * written, 1 (an empty string) when it cannot be read. */
static __always_inline __u16 more_str(struct rtg_more *e, const void *src,
				      bool user)
{
	__u32 pos = RTG_MASK(more_pos(e), 0x1fff);
	long r;

	if (!src)
		r = -1;
	else if (user)
		r = bpf_probe_read_user_str(e->data + pos, MORE_STR_MAX, src);
	else
		r = bpf_probe_read_kernel_str(e->data + pos, MORE_STR_MAX, src);
	if (r <= 0) {
		e->data[pos] = '\0';
		r = 1;
	}
	return r;
}

/* Appends the path resolved into s.ps->a (off, len) as s0. */
static __always_inline void more_s0_path(struct more_ctx *x, struct rtg_more *e)
{
	e->s0_len = fpath_copy(e->data, RTG_PATH_MAX, &x->s.mc->fp, &x->s.ps->a,
			       &x->s.ps->b, &e->hdr);
}

/* Appends mc->sbuf (len bytes) as s0. */
static __always_inline void more_s0_sbuf(struct more_ctx *x, struct rtg_more *e,
					 __u32 len)
{
	__u32 n = RTG_MASK(len, 0x3ff);

	bpf_probe_read_kernel(e->data, n, x->s.mc->sbuf);
	e->data[n] = '\0';
	e->s0_len = n + 1;
}

static __always_inline void more_emit(struct rtg_more *e, __u8 type)
{
	__u32 size = sizeof(*e) + more_pos(e);

	emit(e, RTG_MASK(size, 0x3fff), type);
}

/* mc->sname, a relative path, joined to the acting task's cwd into
 * mc->sbuf (cwd_join()); its length. */
static __always_inline __u32 more_cwd_join(struct more_ctx *x)
{
	struct task_struct *t = x->task;
	__u32 coff, clen;
	bool ctrunc;

	coff = path_shown(&x->s.ps->b, BPF_CORE_READ(t, fs, pwd.dentry),
			  BPF_CORE_READ(t, fs, pwd.mnt), &clen, &ctrunc);
	return cwd_join(x->s.mc, &x->s.ps->b, coff, clen);
}

/* A user-given path in mc->sbuf, made absolute against the cwd when it is
 * relative (the kernel's view of a path the syscall has not resolved yet;
 * `..` and symlinks are left as given). Returns its length, 0 when it
 * cannot be read. */
static __always_inline __u32 more_user_path(struct more_ctx *x,
					    const char *upath)
{
	struct misc *mc = x->s.mc;
	long r;

	r = bpf_probe_read_user_str(mc->sname, sizeof(mc->sname), upath);
	if (r <= 1)
		return 0;
	if (mc->sname[0] == '/') {
		bpf_probe_read_kernel(mc->sbuf, sizeof(mc->sname), mc->sname);
		return r - 1;
	}
	return more_cwd_join(x);
}

#define UNIX_PATH_MAX  108
#define AF_UNIX_FAMILY 1

/* The socket's path from the address (alen bytes) into mc->sbuf: as
 * given when absolute, joined to the cwd when relative, "@name" for an
 * abstract socket. Its length, 0 for an unnamed one. */
static __always_inline __u32 more_unix_path(struct more_ctx *x,
					    const struct sockaddr *ua,
					    __u32 alen)
{
	struct misc *mc = x->s.mc;
	__u32 n = alen > 2 ? alen - 2 : 0;
	long r;

	if (n > UNIX_PATH_MAX)
		n = UNIX_PATH_MAX;
	if (!n)
		return 0;
	n = RTG_MASK(n, 0x7f);
	bpf_probe_read_kernel(mc->sname, n, (const char *)ua + 2);
	mc->sname[n] = '\0';
	if (mc->sname[0] == '\0') {
		mc->sbuf[0] = '@';
		r = bpf_probe_read_kernel_str(mc->sbuf + 1, UNIX_PATH_MAX,
					      mc->sname + 1);
		return r > 0 ? r : 1;
	}
	if (mc->sname[0] == '/') {
		r = bpf_probe_read_kernel_str(mc->sbuf, UNIX_PATH_MAX + 1,
					      mc->sname);
		return r > 1 ? r - 1 : 0;
	}
	return more_cwd_join(x);
}

/* A connect(2) of a unix socket to the address ua (alen bytes), decided
 * by the `connect` rules that have a `path` (no policy default: those
 * are about TCP and UDP), from a hook that refuses with mech (cgroup, or
 * BPF LSM). True when it is to be refused (reported either way). */
static __always_inline bool unix_connect(const struct sockaddr *ua, __u32 alen,
					 __u8 mech)
{
	struct rtg_hookset *hs;
	struct more_ctx x;
	struct rtg_more *e;
	bool enforced = false;
	__u32 len;
	__u64 m;

	/* the cheap check first: no connect rule has a path */
	hs = hookset_active(active_gen(), RTG_HOOK_CONNECT);
	if (!hs || !(hs->features & (RTG_HF_STR_PATH | RTG_HF_SUFFIX_PATH)))
		return false;
	if (!more_begin(&x, RTG_HOOK_CONNECT, (__u32)bpf_get_current_uid_gid()))
		return false;
	len = more_unix_path(&x, ua, alen);
	if (!len)
		return false;
	more_path_sbuf(&x, len);
	m = rtg_match(x.hs, x.s.mc->keys) & ~x.hs->dc_m[RTG_KEY_PATH];
	decide_rules(x.hs, m, &x.v);
	if (x.v.action < RTG_ACT_AUDIT)
		return false;
	if (x.v.action >= RTG_ACT_DENY) {
		x.v.action = RTG_ACT_DENY;
		x.v.mech = mech;
		enforced = !CFG(dry_run);
	}
	e = more_record(&x, RTG_EV_CONNECT_UNIX, 0, enforced);
	e->sock.family = AF_UNIX_FAMILY;
	more_s0_sbuf(&x, e, len);
	more_emit(e, RTG_EV_CONNECT_UNIX);
	return enforced;
}

#endif
