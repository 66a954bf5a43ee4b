// SPDX-License-Identifier: GPL-2.0
/*
 * rtguard's kernel side: process exec/fork/exit, file open and connect
 * hooks; policy evaluation over the compiled rule maps (rules.h) and
 * enforcement; events into one ring buffer (events.h).
 *
 * Which programs load is decided by user space from the probe module:
 * tracepoints and cgroup hooks everywhere, the lsm/ programs only where BPF
 * LSM works.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>

#include "events.h"
#include "rules.h"
#include "path.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define EPERM 1
#define SIGKILL 9
#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define O_ACCMODE 00000003
#define O_WRONLY 00000001
#define O_RDWR 00000002
#define O_CREAT 00000100
#define O_TRUNC 00001000
#define FMODE_EXEC_FLAG 0x20 /* __FMODE_EXEC in f_flags */

/* Written by user space; a pinned map rather than .bss so that a restarted
 * agent and the programs it replaces share it (see struct rtg_config). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rtg_config);
} agent_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20); /* resized by user space */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RTG_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct rtg_proc_state);
} procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, RTG_NGEN);
	__type(key, __u32);
	__type(value, struct rtg_ruleset);
} rules_set SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 16384);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct rtg_str_key);
	__type(value, struct rtg_bits);
} rules_str SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 8192);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct rtg_addr_key);
	__type(value, struct rtg_bits);
} rules_addr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct rtg_uid_key);
	__type(value, struct rtg_bits);
} rules_uid SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, RTG_NGEN * RTG_PORT_SLOTS);
	__type(key, __u32);
	__type(value, struct rtg_bits);
} rules_port SEC(".maps");

/* per-CPU scratch */
struct paths {
	struct path_scratch a; /* the object's path */
	struct path_scratch b; /* exec: cwd */
};

#define EV_BUF 16384
struct evbuf {
	char d[EV_BUF];
};

struct misc {
	struct rtg_str_key key;
	struct rtg_proc_state st;
	struct rtg_bits keys[RTG_NKEYS];
	char rtail[RTG_SUFFIX_MAX];
	char sname[256]; /* a #! script's name as given to execve */
	char sbuf[1024]; /* ... made absolute */
	char stail[192]; /* its last bytes, ending at stail[63] */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct paths);
} scratch_paths SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct evbuf);
} scratch_ev SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct misc);
} scratch_misc SEC(".maps");

static const __u32 zero;

/* A field of the shared configuration (an inlined array lookup). */
#define CFG(f)                                                                 \
	({                                                                     \
		struct rtg_config *___c = bpf_map_lookup_elem(&agent_cfg, &zero); \
		___c ? ___c->f : 0;                                            \
	})

/* var &= mask as an instruction clang cannot drop: for bounds that clang
 * proved but the verifier cannot see (var is at most mask already). */
#define BOUND(var, mask) asm volatile("%[v] &= " #mask : [v] "+r"(var))

static __always_inline void stat_inc(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &idx);

	if (v)
		*v += 1;
}

/* Waking the consumer costs an IPI per record (~10 us in a VM, measured by
 * the bench): wake it only once an eighth of the buffer (at most 64 KiB)
 * waits; the agent also drains on a short timer, so a lone record is late
 * by at most that period. */
static __always_inline void emit(void *rec, __u32 size, __u8 type)
{
	__u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	__u64 limit = bpf_ringbuf_query(&events, BPF_RB_RING_SIZE) / 8;
	__u64 flags;

	if (limit > 65536)
		limit = 65536;
	flags = avail + size >= limit ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
	if (bpf_ringbuf_output(&events, rec, size, flags))
		stat_inc(RTG_STAT_LOST + type);
	else
		stat_inc(RTG_STAT_EMITTED + type);
}

static __always_inline struct rtg_hookset *hookset(__u32 gen, int hook)
{
	struct rtg_ruleset *rs = bpf_map_lookup_elem(&rules_set, &gen);
	__u64 h = hook;

	asm volatile("" : "+r"(h)); /* keep the check on this register */
	if (!rs || h >= RTG_NHOOKS)
		return NULL;
	return &rs->h[h];
}

/* One longest-prefix lookup in rules_str; src holds n bytes to use. */
static __always_inline void str_lookup(struct rtg_str_key *key, __u8 gen,
				       __u8 kind, const char *src, __u32 n,
				       struct rtg_bits *out)
{
	struct rtg_bits *b;

	if (n > RTG_KEY_MAX)
		n = RTG_KEY_MAX;
	key->gen = gen;
	key->kind = kind;
	bpf_probe_read_kernel(key->s, n, src);
	key->prefixlen = RTG_STR_HDR_BITS + n * 8;
	b = bpf_map_lookup_elem(&rules_str, key);
	if (b) {
		out->m |= b->m;
		out->u |= b->u;
	}
}

/* Last bytes of the path just resolved into ps (ending at RTG_PATH_MAX-2),
 * reversed, for suffix rules. Returns how many bytes were taken. */
static __always_inline __u32 path_rtail(const struct path_scratch *ps,
					__u32 len, char *dst)
{
	int j;

	/* always the full width: a branch-free loop the verifier walks once;
	 * bytes past the path's start are never looked at (n below) */
#pragma unroll
	for (j = 0; j < RTG_SUFFIX_MAX; j++)
		dst[j] = ps->buf[RTG_PATH_MAX - 2 - j];
	return len < RTG_SUFFIX_MAX ? len : RTG_SUFFIX_MAX;
}

/* Masks of the `path`-like key of `kind` for a path resolved into ps. */
static __always_inline void path_bits(struct misc *mc, __u8 gen, __u32 feat,
				      __u8 kind, const struct path_scratch *ps,
				      __u32 off, __u32 len,
				      struct rtg_bits *out)
{
	if (feat & RTG_HF_STR_PATH)
		str_lookup(&mc->key, gen, kind, &ps->buf[off & (RTG_PATH_MAX - 1)],
			   len + 1, out);
	if (feat & RTG_HF_SUFFIX_PATH) {
		__u32 n = path_rtail(ps, len, mc->rtail);

		str_lookup(&mc->key, gen, kind | RTG_KIND_SUFFIX, mc->rtail, n,
			   out);
	}
}

struct bin_ctx {
	struct misc *mc;
	struct rtg_proc_state *st;
	__u32 gen;
};

/* One hook's binary masks (a bpf_loop() callback: verified once). */
static long bin_step(__u32 h, void *arg)
{
	struct bin_ctx *c = arg;
	struct rtg_proc_state *st = c->st;
	struct rtg_hookset *hs = hookset(c->gen, h);
	__u8 kind = RTG_KIND(h, RTG_KEY_BINARY);
	struct rtg_bits b = {};

	if (!hs)
		return 1;
	if (hs->features & RTG_HF_STR_BINARY)
		str_lookup(&c->mc->key, c->gen, kind, st->bin_key,
			   st->bin_len + 1, &b);
	if (hs->features & RTG_HF_SUFFIX_BINARY)
		str_lookup(&c->mc->key, c->gen, kind | RTG_KIND_SUFFIX,
			   st->bin_rtail,
			   st->bin_len < RTG_SUFFIX_MAX ? st->bin_len :
							  RTG_SUFFIX_MAX,
			   &b);
	if (h < RTG_NHOOKS)
		st->bin[RTG_MASK(h, 3) % RTG_NHOOKS] = b;
	return 0;
}

/* Binary masks of a process for all hooks under generation gen. */
static __always_inline void proc_bin_bits(struct misc *mc,
					  struct rtg_proc_state *st, __u32 gen)
{
	struct bin_ctx c = { .mc = mc, .st = st, .gen = gen };

	bpf_loop(RTG_NHOOKS, bin_step, &c, 0);
	st->gen = gen;
}

static __always_inline struct rtg_proc_state *proc_get(struct misc *mc,
						       __u32 tgid, __u32 gen)
{
	struct rtg_proc_state *st = bpf_map_lookup_elem(&procs, &tgid);

	if (st && st->gen != gen)
		proc_bin_bits(mc, st, gen);
	return st;
}

static __always_inline bool in_container(struct task_struct *t)
{
	return t->thread_pid->level > 0; /* t is a BTF pointer */
}

/* Keys every hook has: binary, uid, container. */
static __always_inline void common_keys(struct misc *mc,
					struct rtg_hookset *hs, int hook,
					__u32 gen,
					struct rtg_proc_state *st, __u32 uid,
					bool incont)
{
	if (st)
		mc->keys[RTG_KEY_BINARY] = st->bin[hook];
	if (hs->features & RTG_HF_UID) {
		struct rtg_uid_key uk = { .gen = gen, .hook = hook, .uid = uid };
		struct rtg_bits *b = bpf_map_lookup_elem(&rules_uid, &uk);

		if (b)
			mc->keys[RTG_KEY_UID] = *b;
	}
	mc->keys[RTG_KEY_CONTAINER].m = hs->cont_m[incont];
	mc->keys[RTG_KEY_CONTAINER].u = hs->cont_u[incont];
}

struct decide_ctx {
	const struct rtg_hookset *hs;
	__u64 m;
	__u32 np;
	struct rtg_verdict v;
};

static long decide_step(__u32 p, void *arg)
{
	struct decide_ctx *c = arg;

	if (p >= c->np)
		return 1;
	rtg_decide_policy(c->hs, c->m, p, &c->v);
	return 0;
}

/* rtg_decide() with the per-policy step in bpf_loop(): the verifier checks
 * it once instead of once per policy and outcome. */
static __always_inline void decide(const struct rtg_hookset *hs,
				   const struct rtg_bits keys[RTG_NKEYS],
				   struct rtg_verdict *v)
{
	struct decide_ctx c = { .hs = hs, .np = hs->npolicies };

	c.m = rtg_match(hs, keys);
	rtg_verdict_init(&c.v);
	bpf_loop(RTG_MAX_POLICIES, decide_step, &c, 0);
	*v = c.v;
}

static __always_inline void clear_keys(struct misc *mc)
{
	__builtin_memset(mc->keys, 0, sizeof(mc->keys));
}

static __always_inline void fill_hdr(struct rtg_hdr *h, __u8 type,
				     struct task_struct *task,
				     const struct rtg_proc_state *st, __u64 now)
{
	__u64 pt = bpf_get_current_pid_tgid();
	__u64 ug = bpf_get_current_uid_gid();

	h->type = type;
	h->time_ns = now;
	h->pid = pt >> 32;
	h->tid = (__u32)pt;
	h->uid = (__u32)ug;
	h->gid = ug >> 32;
	h->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(h->comm, sizeof(h->comm));
	h->flags = 0;
	h->pad = 0;
	if (st) {
		h->exec_ktime = st->exec_ktime;
		h->parent_exec_ktime = st->parent_exec_ktime;
		h->ppid = st->ppid;
	} else {
		h->exec_ktime = 0;
		h->parent_exec_ktime = 0;
		h->ppid = BPF_CORE_READ(task, real_parent, tgid);
		h->flags |= RTG_F_NO_PROC;
	}
}

static __always_inline void set_verdict(struct rtg_hdr *h,
					const struct rtg_verdict *v,
					__u32 gen, bool enforced)
{
	h->action = v->action;
	h->mech = v->mech;
	h->rule = v->rule;
	h->gen = gen;
	if (enforced)
		h->flags |= RTG_F_ENFORCED;
}

/* Tracepoint-side enforcement of a deny/kill verdict: the operation already
 * happened, so the process is killed before it returns to user space. */
static __always_inline bool enforce_kill(struct rtg_verdict *v)
{
	if (v->action < RTG_ACT_DENY)
		return false;
	if (CFG(dry_run))
		return false;
	bpf_send_signal(SIGKILL);
	v->action = RTG_ACT_KILL;
	v->mech = RTG_MECH_SIGKILL;
	return true;
}

/* ---------------------------------------------------------------- exec */

static __always_inline void exec_fill_state(struct misc *mc,
					    struct rtg_proc_state *st,
					    const struct path_scratch *ps,
					    __u32 off, __u32 len)
{
	__u32 n = len + 1;

	if (n > RTG_KEY_MAX)
		n = RTG_KEY_MAX;
	bpf_probe_read_kernel(st->bin_key, n,
			      &ps->buf[off & (RTG_PATH_MAX - 1)]);
	if (len >= RTG_KEY_MAX)
		st->bin_key[RTG_KEY_MAX - 1] = '\0';
	st->bin_len = len > 0xffff ? 0xffff : len;
	path_rtail(ps, len, st->bin_rtail);
}

/* The path of a #! script as given to execve, made absolute: a relative
 * name is joined to the kernel-resolved cwd (leading "./" dropped). The
 * script's struct file is gone by sched_process_exec, so symlinks in the
 * name stay unresolved (BPF LSM's bprm_check sees the real file). Returns
 * the length in mc->sbuf, 0 when unknown. */
static __always_inline __u32 script_path(struct misc *mc,
					 const struct path_scratch *cwd,
					 __u32 coff, __u32 clen,
					 const char *filename)
{
	__u64 soff = 0, pos, n;
	long r;
	int i;

	r = bpf_probe_read_kernel_str(mc->sname, sizeof(mc->sname), filename);
	if (r <= 1)
		return 0;
	if (mc->sname[0] == '/') {
		bpf_probe_read_kernel(mc->sbuf, sizeof(mc->sname), mc->sname);
		return r - 1;
	}
	for (i = 0; i < 3; i++)
		if (mc->sname[soff & 0xff] == '.' &&
		    mc->sname[(soff + 1) & 0xff] == '/')
			soff += 2;
	n = clen < 255 ? clen : 255;
	BOUND(n, 0xff);
	bpf_probe_read_kernel(mc->sbuf, n, &cwd->buf[coff & (RTG_PATH_MAX - 1)]);
	pos = n;
	if (!(n == 1 && mc->sbuf[0] == '/')) {
		mc->sbuf[pos & 0x1ff] = '/';
		pos++;
	}
	BOUND(pos, 0x1ff);
	BOUND(soff, 0xff);
	r = bpf_probe_read_kernel_str(mc->sbuf + pos, 256, mc->sname + soff);
	if (r <= 0)
		return 0;
	return pos + r - 1;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(handle_fork, struct task_struct *parent, struct task_struct *child)
{
	struct rtg_proc_state *pst;
	struct misc *mc;
	__u32 ptgid, ctgid;

	ctgid = child->tgid;
	if (child->pid != ctgid)
		return 0; /* a new thread, same process */
	mc = bpf_map_lookup_elem(&scratch_misc, &zero);
	if (!mc)
		return 0;
	ptgid = parent->tgid;
	pst = bpf_map_lookup_elem(&procs, &ptgid);
	if (pst)
		__builtin_memcpy(&mc->st, pst, sizeof(mc->st));
	else
		__builtin_memset(&mc->st, 0, sizeof(mc->st));
	mc->st.parent_exec_ktime = pst ? pst->exec_ktime : 0;
	mc->st.exec_ktime = child->start_boottime;
	mc->st.ppid = ptgid;
	mc->st.flags &= ~RTG_PS_EXEC;
	if (!pst)
		mc->st.gen = 0xff;
	if (bpf_map_update_elem(&procs, &ctgid, &mc->st, BPF_ANY))
		stat_inc(RTG_STAT_PROCS_FULL);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(handle_exec, struct task_struct *p, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	__u64 now = bpf_ktime_get_boot_ns();
	__u32 gen = CFG(active_gen) & 1, tgid = p->tgid, off, len, coff, clen;
	__u32 ppid, uid = (__u32)bpf_get_current_uid_gid(), slen = 0;
	__u64 n, pos;
	struct rtg_verdict v = { .rule = RTG_RULE_NONE };
	struct rtg_proc_state *old, *pst;
	bool trunc, ctrunc, pending = false, enforced = false;
	bool incont = in_container(p);
	struct rtg_hookset *hs;
	struct rtg_exec *e;
	struct paths *ps;
	struct evbuf *eb;
	struct misc *mc;
	struct file *file;
	__u64 cm = 0, cu = 0;
	int k;

	if (tgid == CFG(agent_tgid))
		return 0;
	ps = bpf_map_lookup_elem(&scratch_paths, &zero);
	mc = bpf_map_lookup_elem(&scratch_misc, &zero);
	eb = bpf_map_lookup_elem(&scratch_ev, &zero);
	if (!ps || !mc || !eb)
		return 0;

	file = bprm->file;
	off = path_resolve(&ps->a, file->f_path.dentry, file->f_path.mnt, &len,
			   &trunc);

	/* the new image's state; the old one still decides `binary` */
	old = proc_get(mc, tgid, gen);
	ppid = p->real_parent->tgid;
	__builtin_memset(&mc->st, 0, sizeof(mc->st));
	mc->st.exec_ktime = now;
	mc->st.ppid = ppid;
	pst = bpf_map_lookup_elem(&procs, &ppid);
	mc->st.parent_exec_ktime = pst ? pst->exec_ktime : 0;
	mc->st.flags = RTG_PS_EXEC | (incont ? RTG_PS_CONTAINER : 0);
	exec_fill_state(mc, &mc->st, &ps->a, off, len);
	coff = path_resolve(&ps->b, BPF_CORE_READ(p, fs, pwd.dentry),
			    BPF_CORE_READ(p, fs, pwd.mnt), &clen, &ctrunc);
	if (bprm->interp != bprm->filename)
		slen = script_path(mc, &ps->b, coff, clen, bprm->filename);

	hs = hookset(gen, RTG_HOOK_EXEC);
	if (hs && (hs->features & RTG_HF_ACTIVE)) {
		clear_keys(mc);
		path_bits(mc, gen, hs->features, RTG_KIND(RTG_HOOK_EXEC, RTG_KEY_PATH),
			  &ps->a, off, len, &mc->keys[RTG_KEY_PATH]);
		/* a #! script: rules on the script's path apply too */
		if (slen) {
			__u32 feat = hs->features;
			__u8 kind = RTG_KIND(RTG_HOOK_EXEC, RTG_KEY_PATH);
			int j;

			if (feat & RTG_HF_STR_PATH)
				str_lookup(&mc->key, gen, kind, mc->sbuf,
					   slen + 1, &mc->keys[RTG_KEY_PATH]);
			if (feat & RTG_HF_SUFFIX_PATH) {
				/* right-align the tail, then reverse it with
				 * constant indices (cheap for the verifier) */
				__u64 tn = slen < 64 ? slen : 64;
				__u64 src = slen - tn, dst = (64 - tn) & 63;

				BOUND(tn, 0x7f);
				BOUND(src, 0x3ff);
				bpf_probe_read_kernel(mc->stail + dst, tn,
						      mc->sbuf + src);
#pragma unroll
				for (j = 0; j < RTG_SUFFIX_MAX; j++)
					mc->rtail[j] = mc->stail[63 - j];
				str_lookup(&mc->key, gen,
					   kind | RTG_KIND_SUFFIX, mc->rtail,
					   slen < RTG_SUFFIX_MAX ? slen :
								   RTG_SUFFIX_MAX,
					   &mc->keys[RTG_KEY_PATH]);
			}
		}
		common_keys(mc, hs, RTG_HOOK_EXEC, gen, old, uid, incont);
		decide(hs, mc->keys, &v);
		if (hs->features & RTG_HF_ARGS) {
			cm = ~0ULL;
			cu = hs->has_unless;
			for (k = 0; k < RTG_NKEYS; k++) {
				if (k == RTG_KEY_ARGS)
					continue;
				cm &= mc->keys[k].m | hs->dc_m[k];
				cu &= mc->keys[k].u | hs->dc_u[k];
			}
			pending = (cm & ~hs->dc_m[RTG_KEY_ARGS]) ||
				  (cm & cu & ~hs->dc_u[RTG_KEY_ARGS]);
		}
		if (!pending)
			enforced = enforce_kill(&v);
	}

	/* the new image's state, binary masks for every hook */
	proc_bin_bits(mc, &mc->st, gen);
	if (bpf_map_update_elem(&procs, &tgid, &mc->st, BPF_ANY))
		stat_inc(RTG_STAT_PROCS_FULL);

	/* every exec reaches user space, allowed ones too: its process cache
	 * must know each image to describe later events (not printed) */
	e = (void *)eb->d;
	fill_hdr(&e->hdr, RTG_EV_EXEC, p, &mc->st, now);
	set_verdict(&e->hdr, &v, gen, enforced);
	if (incont)
		e->hdr.flags |= RTG_F_IN_CONTAINER;
	if (trunc)
		e->hdr.flags |= RTG_F_PATH_TRUNC;
	if (pending)
		e->hdr.flags |= RTG_F_ARGS_PENDING;
	e->cand_m = cm;
	e->cand_u = cu;
	e->argc = bprm->argc;
	e->pad = 0;

	/* binary */
	n = len + 1;
	if (n > RTG_PATH_MAX)
		n = RTG_PATH_MAX;
	bpf_probe_read_kernel(e->data, n, &ps->a.buf[off & (RTG_PATH_MAX - 1)]);
	e->binary_len = n;
	pos = n;

	/* the script (the interpreter is the binary) */
	e->script_len = 0;
	if (bprm->interp != bprm->filename) {
		long r;

		e->hdr.flags |= RTG_F_SCRIPT;
		BOUND(pos, 0x1fff);
		if (slen)
			r = bpf_probe_read_kernel_str(e->data + pos, 256,
						      mc->sbuf);
		else
			r = bpf_probe_read_kernel_str(e->data + pos, 256,
						      bprm->filename);
		if (r > 0 && r <= 256) {
			e->script_len = r;
			pos += r;
		}
	}

	/* cwd (resolved above) */
	n = clen + 1;
	if (n > RTG_CWD_MAX) {
		n = RTG_CWD_MAX;
		ctrunc = true;
	}
	if (ctrunc)
		e->hdr.flags |= RTG_F_CWD_TRUNC;
	BOUND(pos, 0x1fff);
	BOUND(n, 0x7ff);
	bpf_probe_read_kernel(e->data + pos, n,
			      &ps->b.buf[coff & (RTG_PATH_MAX - 1)]);
	e->data[(pos + n - 1) & 0x1fff] = '\0';
	e->cwd_len = n;
	pos += n;

	/* args, NUL separated, from the new image's memory */
	{
		unsigned long as = BPF_CORE_READ(p, mm, arg_start);
		unsigned long ae = BPF_CORE_READ(p, mm, arg_end);
		__u64 alen = ae > as ? ae - as : 0;

		if (alen > RTG_ARGS_MAX) {
			alen = RTG_ARGS_MAX;
			e->hdr.flags |= RTG_F_ARGS_TRUNC;
		}
		BOUND(alen, 0x7ff);
		BOUND(pos, 0x1fff);
		if (alen && bpf_probe_read_user(e->data + pos, alen,
						(void *)as)) {
			stat_inc(RTG_STAT_ARGS_FAULT);
			alen = 0;
		}
		e->args_len = alen;
		pos += alen;
	}
	pos += sizeof(*e);
	BOUND(pos, 0x3fff);
	emit(e, pos, RTG_EV_EXEC);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(handle_exit, struct task_struct *p)
{
	struct rtg_proc_state *st;
	struct rtg_exit *e;
	struct evbuf *eb;
	__u32 tgid;
	int code;

	if (p->signal->live.counter != 0)
		return 0; /* other threads still run */
	tgid = p->tgid;
	if (tgid == CFG(agent_tgid))
		return 0;
	st = bpf_map_lookup_elem(&procs, &tgid);
	if (!st)
		return 0;
	if (st->flags & RTG_PS_EXEC) {
		eb = bpf_map_lookup_elem(&scratch_ev, &zero);
		if (eb) {
			e = (void *)eb->d;
			fill_hdr(&e->hdr, RTG_EV_EXIT, p, st,
				 bpf_ktime_get_boot_ns());
			e->hdr.action = RTG_ACT_AUDIT;
			e->hdr.mech = RTG_MECH_NONE;
			e->hdr.rule = RTG_RULE_NONE;
			e->hdr.gen = CFG(active_gen) & 1;
			code = p->exit_code;
			e->signal = code & 0x7f;
			e->code = e->signal ? 0 : (code >> 8) & 0xff;
			emit(e, sizeof(*e), RTG_EV_EXIT);
		}
	}
	bpf_map_delete_elem(&procs, &tgid);
	return 0;
}

/* ---------------------------------------------------------------- open */

static __always_inline void open_flag_keys(struct misc *mc,
					   struct rtg_hookset *hs, __u32 fl)
{
	__u32 acc = fl & O_ACCMODE;
	struct rtg_bits b = {};

	if (acc == 0 || acc == O_RDWR) {
		b.m |= hs->flag_m[RTG_FLAG_READ];
		b.u |= hs->flag_u[RTG_FLAG_READ];
	}
	if (acc == O_WRONLY || acc == O_RDWR) {
		b.m |= hs->flag_m[RTG_FLAG_WRITE];
		b.u |= hs->flag_u[RTG_FLAG_WRITE];
	}
	if (fl & O_CREAT) {
		b.m |= hs->flag_m[RTG_FLAG_CREATE];
		b.u |= hs->flag_u[RTG_FLAG_CREATE];
	}
	if (fl & O_TRUNC) {
		b.m |= hs->flag_m[RTG_FLAG_TRUNCATE];
		b.u |= hs->flag_u[RTG_FLAG_TRUNCATE];
	}
	mc->keys[RTG_KEY_FLAGS] = b;
}

/* The verdict on an operation on `file` (open, or the exec of the file in
 * lsm/bprm_check_security): the path resolved and looked up, the flags
 * (open only), and the acting process's binary, uid and container. false
 * when the hook has no rules or the actor is the agent. */
struct file_eval {
	__u32 gen, off, len;
	bool trunc, incont;
	struct paths *ps;
	struct misc *mc;
	struct evbuf *eb;
	struct rtg_proc_state *st;
	struct rtg_verdict v;
};

static __always_inline bool file_eval(int hook, struct file *file, __u32 fl,
				      struct task_struct *task,
				      struct file_eval *fe)
{
	__u32 uid = (__u32)bpf_get_current_uid_gid(), tgid;
	struct rtg_hookset *hs;
	struct misc *mc;

	fe->gen = CFG(active_gen) & 1;
	hs = hookset(fe->gen, hook);
	if (!hs || !(hs->features & RTG_HF_ACTIVE))
		return false;
	tgid = bpf_get_current_pid_tgid() >> 32;
	if (tgid == CFG(agent_tgid))
		return false;
	fe->ps = bpf_map_lookup_elem(&scratch_paths, &zero);
	fe->mc = mc = bpf_map_lookup_elem(&scratch_misc, &zero);
	fe->eb = bpf_map_lookup_elem(&scratch_ev, &zero);
	if (!fe->ps || !mc || !fe->eb)
		return false;

	fe->off = path_resolve(&fe->ps->a, BPF_CORE_READ(file, f_path.dentry),
			       BPF_CORE_READ(file, f_path.mnt), &fe->len,
			       &fe->trunc);
	clear_keys(mc);
	path_bits(mc, fe->gen, hs->features, RTG_KIND(hook, RTG_KEY_PATH),
		  &fe->ps->a, fe->off, fe->len, &mc->keys[RTG_KEY_PATH]);
	if (hook == RTG_HOOK_OPEN)
		open_flag_keys(mc, hs, fl);
	fe->st = proc_get(mc, tgid, fe->gen);
	fe->incont = in_container(task);
	common_keys(mc, hs, hook, fe->gen, fe->st, uid, fe->incont);
	decide(hs, mc->keys, &fe->v);
	return true;
}

/* Evaluates an open of `file` with open flags fl; fills the record's path
 * part when the verdict needs an event. Returns the record size, 0 when no
 * event is due. */
static __always_inline __u32 open_eval(struct file *file, __u32 fl,
				       struct task_struct *task,
				       struct rtg_verdict *v, __u32 *genp)
{
	struct file_eval fe;
	struct rtg_open *e;
	__u32 n;

	if (!file_eval(RTG_HOOK_OPEN, file, fl, task, &fe))
		return 0;
	*genp = fe.gen;
	*v = fe.v;
	if (v->action < RTG_ACT_AUDIT)
		return 0;

	e = (void *)fe.eb->d;
	fill_hdr(&e->hdr, RTG_EV_OPEN, task, fe.st, bpf_ktime_get_boot_ns());
	if (fe.trunc)
		e->hdr.flags |= RTG_F_PATH_TRUNC;
	if (fe.incont)
		e->hdr.flags |= RTG_F_IN_CONTAINER;
	e->oflags = fl;
	e->fmode = BPF_CORE_READ(file, f_mode);
	e->ino = BPF_CORE_READ(file, f_inode, i_ino);
	e->dev = BPF_CORE_READ(file, f_inode, i_sb, s_dev);
	e->pad = 0;
	n = fe.len + 1;
	if (n > RTG_PATH_MAX)
		n = RTG_PATH_MAX;
	bpf_probe_read_kernel(e->path, n,
			      &fe.ps->a.buf[fe.off & (RTG_PATH_MAX - 1)]);
	e->path_len = n;
	return sizeof(*e) + n;
}

enum open_kind { OPEN_AT, OPEN_AT2, OPEN_PLAIN, OPEN_CREAT };

/* At sys_exit: the new fd's struct file, and the flags as passed, read
 * from the syscall's saved registers (no sys_enter program needed). */
static __always_inline int open_exit(long fd, enum open_kind kind)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct file **fds, *file = NULL;
	struct rtg_hookset *hs;
	struct rtg_verdict v;
	struct fdtable *fdt;
	struct pt_regs *regs;
	struct evbuf *eb;
	__u32 size, fl, gen;
	bool enforced;

	if (fd < 0)
		return 0;
	hs = hookset(CFG(active_gen) & 1, RTG_HOOK_OPEN);
	if (!hs || !(hs->features & RTG_HF_ACTIVE))
		return 0;
	fdt = task->files->fdt;
	if (fd >= fdt->max_fds)
		return 0;
	fds = fdt->fd;
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	if (!file)
		return 0;
	regs = (struct pt_regs *)bpf_task_pt_regs(task);
	switch (kind) {
	case OPEN_AT:
		fl = PT_REGS_PARM3_CORE_SYSCALL(regs);
		break;
	case OPEN_AT2: {
		__u64 how_flags = 0;

		bpf_probe_read_user(&how_flags, sizeof(how_flags),
				    (void *)PT_REGS_PARM3_CORE_SYSCALL(regs));
		fl = how_flags;
		break;
	}
	case OPEN_PLAIN:
		fl = PT_REGS_PARM2_CORE_SYSCALL(regs);
		break;
	default:
		fl = O_CREAT | O_WRONLY | O_TRUNC;
		break;
	}

	size = open_eval(file, fl, task, &v, &gen);
	if (!size)
		return 0;
	/* with BPF LSM the lsm program already decided and reported */
	if (v.action >= RTG_ACT_DENY && v.mech == RTG_MECH_LSM && CFG(lsm_active))
		return 0;
	enforced = enforce_kill(&v);
	eb = bpf_map_lookup_elem(&scratch_ev, &zero);
	if (!eb)
		return 0;
	set_verdict((struct rtg_hdr *)eb->d, &v, gen, enforced);
	if (size > EV_BUF)
		return 0;
	emit(eb->d, size, RTG_EV_OPEN);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_openat")
int exit_openat(struct trace_event_raw_sys_exit *ctx)
{
	return open_exit(ctx->ret, OPEN_AT);
}

SEC("tracepoint/syscalls/sys_exit_openat2")
int exit_openat2(struct trace_event_raw_sys_exit *ctx)
{
	return open_exit(ctx->ret, OPEN_AT2);
}

SEC("tracepoint/syscalls/sys_exit_open")
int exit_open(struct trace_event_raw_sys_exit *ctx)
{
	return open_exit(ctx->ret, OPEN_PLAIN);
}

SEC("tracepoint/syscalls/sys_exit_creat")
int exit_creat(struct trace_event_raw_sys_exit *ctx)
{
	return open_exit(ctx->ret, OPEN_CREAT);
}

/* ------------------------------------------------------------- connect */

static __always_inline int connect_eval(struct bpf_sock_addr *ctx, bool v6)
{
	__u32 gen = CFG(active_gen) & 1, tgid, uid, proto;
	struct task_struct *task = bpf_get_current_task_btf();
	struct rtg_verdict v;
	struct rtg_proc_state *st;
	struct rtg_hookset *hs;
	struct rtg_connect *e;
	struct rtg_addr_key ak = {};
	struct rtg_bits *b;
	struct bpf_sock *sk;
	struct evbuf *eb;
	struct misc *mc;
	bool incont, enforced = false;
	__u16 dport;

	proto = ctx->protocol;
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return 1;
	hs = hookset(gen, RTG_HOOK_CONNECT);
	if (!hs || !(hs->features & RTG_HF_ACTIVE))
		return 1;
	tgid = bpf_get_current_pid_tgid() >> 32;
	if (tgid == CFG(agent_tgid))
		return 1;
	mc = bpf_map_lookup_elem(&scratch_misc, &zero);
	eb = bpf_map_lookup_elem(&scratch_ev, &zero);
	if (!mc || !eb)
		return 1;
	clear_keys(mc);

	ak.gen = gen;
	if (!v6) {
		ak.family = 4;
		*(__u32 *)ak.addr = ctx->user_ip4;
	} else {
		/* one ctx load per field: the verifier wants constant offsets */
		__u32 a0 = ctx->user_ip6[0], a1 = ctx->user_ip6[1];
		__u32 a2 = ctx->user_ip6[2], a3 = ctx->user_ip6[3];

		if (a0 == 0 && a1 == 0 && a2 == bpf_htonl(0xffff)) {
			ak.family = 4; /* v4-mapped: rules see IPv4 */
			*(__u32 *)ak.addr = a3;
		} else {
			ak.family = 6;
			*(__u32 *)&ak.addr[0] = a0;
			*(__u32 *)&ak.addr[4] = a1;
			*(__u32 *)&ak.addr[8] = a2;
			*(__u32 *)&ak.addr[12] = a3;
		}
	}
	ak.prefixlen = 16 + (ak.family == 4 ? 32 : 128);
	if (hs->features & RTG_HF_DADDR) {
		b = bpf_map_lookup_elem(&rules_addr, &ak);
		if (b)
			mc->keys[RTG_KEY_DADDR] = *b;
	}
	dport = bpf_ntohs(ctx->user_port);
	if (hs->features & RTG_HF_DPORT) {
		__u32 idx = gen * RTG_PORT_SLOTS + dport;

		b = bpf_map_lookup_elem(&rules_port, &idx);
		if (b)
			mc->keys[RTG_KEY_DPORT] = *b;
	}
	mc->keys[RTG_KEY_PROTO].m = hs->proto_m[proto == IPPROTO_UDP];
	mc->keys[RTG_KEY_PROTO].u = hs->proto_u[proto == IPPROTO_UDP];
	uid = (__u32)bpf_get_current_uid_gid();
	st = proc_get(mc, tgid, gen);
	incont = in_container(task);
	common_keys(mc, hs, RTG_HOOK_CONNECT, gen, st, uid, incont);
	decide(hs, mc->keys, &v);
	if (v.action < RTG_ACT_AUDIT)
		return 1;

	if (v.action >= RTG_ACT_DENY) {
		/* a socket hook cannot signal: kill rules deny here too */
		v.action = RTG_ACT_DENY;
		v.mech = RTG_MECH_CGROUP;
		enforced = !CFG(dry_run);
	}
	e = (void *)eb->d;
	fill_hdr(&e->hdr, RTG_EV_CONNECT, task, st, bpf_ktime_get_boot_ns());
	set_verdict(&e->hdr, &v, gen, enforced);
	if (incont)
		e->hdr.flags |= RTG_F_IN_CONTAINER;
	e->family = ak.family == 4 ? AF_INET : AF_INET6;
	e->protocol = proto;
	e->dport = dport;
	__builtin_memcpy(e->daddr, ak.addr, 16);
	__builtin_memset(e->saddr, 0, 16);
	e->sport = 0;
	sk = ctx->sk;
	if (sk) {
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
	emit(e, sizeof(*e), RTG_EV_CONNECT);
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

/* ----------------------------------------------------------------- LSM */

SEC("lsm/file_open")
int BPF_PROG(lsm_file_open, struct file *file)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct rtg_verdict v;
	struct evbuf *eb;
	__u32 size, gen, fl = file->f_flags;

	if (fl & FMODE_EXEC_FLAG)
		return 0; /* exec: lsm_bprm_check decides */
	size = open_eval(file, fl, task, &v, &gen);
	if (!size || v.action < RTG_ACT_DENY || v.mech != RTG_MECH_LSM)
		return 0;
	eb = bpf_map_lookup_elem(&scratch_ev, &zero);
	if (!eb)
		return 0;
	v.action = RTG_ACT_DENY;
	set_verdict((struct rtg_hdr *)eb->d, &v, gen, !CFG(dry_run));
	if (size > EV_BUF)
		return 0;
	emit(eb->d, size, RTG_EV_OPEN);
	return CFG(dry_run) ? 0 : -EPERM;
}

SEC("lsm/bprm_check_security")
int BPF_PROG(lsm_bprm_check, struct linux_binprm *bprm)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct file_eval fe;
	struct rtg_exec *e;
	__u32 n;

	if (!file_eval(RTG_HOOK_EXEC, bprm->file, 0, task, &fe))
		return 0;
	if (fe.v.action < RTG_ACT_DENY || fe.v.mech != RTG_MECH_LSM)
		return 0;

	e = (void *)fe.eb->d;
	fill_hdr(&e->hdr, RTG_EV_EXEC, task, fe.st, bpf_ktime_get_boot_ns());
	fe.v.action = RTG_ACT_DENY;
	set_verdict(&e->hdr, &fe.v, fe.gen, !CFG(dry_run));
	if (fe.trunc)
		e->hdr.flags |= RTG_F_PATH_TRUNC;
	e->argc = bprm->argc;
	e->cand_m = 0;
	e->cand_u = 0;
	e->pad = 0;
	n = fe.len + 1;
	if (n > RTG_PATH_MAX)
		n = RTG_PATH_MAX;
	bpf_probe_read_kernel(e->data, n,
			      &fe.ps->a.buf[fe.off & (RTG_PATH_MAX - 1)]);
	e->binary_len = n;
	e->script_len = 0;
	e->cwd_len = 0;
	e->args_len = 0;
	emit(e, sizeof(*e) + n, RTG_EV_EXEC);
	return CFG(dry_run) ? 0 : -EPERM;
}
