/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Policy matching on the BPF side: the hook's compiled rules (rules.h), one
 * lookup per match key into the rule maps, and rtg_decide() over the
 * resulting masks. The keys every hook has (the acting binary, uid,
 * container) come from here; a hook adds its own (path, flags, address)
 * and calls decide().
 *
 * A process's `binary` masks are computed once per exec and policy
 * generation and kept in its procs entry (struct rtg_proc_state).
 */
#ifndef RTG_MATCH_BPF_H
#define RTG_MATCH_BPF_H

#include "maps.bpf.h"
#include "select.bpf.h"

/* The rules of hook (RTG_HOOK_*) under generation gen. */
static __always_inline struct rtg_hookset *hookset(__u32 gen, int hook)
{
	struct rtg_ruleset *rs = bpf_map_lookup_elem(&rules_set, &gen);
	__u64 h;

	if (!rs)
		return NULL;
	/* no index arithmetic before the null check (the verifier refuses
	 * it on a map_value_or_null) */
	asm volatile("" : "+r"(rs));
	/* a no-op mask for the register the check and the index share; not
	 * 3, or clang turns the check into h == 3, which 6.1's verifier
	 * cannot narrow h by */
	h = RTG_MASK(hook, 0xff);
	if (h >= RTG_NHOOKS)
		return NULL;
	return &rs->h[h];
}

/* ... NULL when the hook has nothing to do (no rule, allow by default). */
static __always_inline struct rtg_hookset *hookset_active(__u32 gen, int hook)
{
	struct rtg_hookset *hs = hookset(gen, hook);

	return hs && (hs->features & RTG_HF_ACTIVE) ? hs : NULL;
}

/* The start of every hook that evaluates rules: its active rules under the
 * active generation (*gen), or NULL when it has none or the current
 * process is the agent. */
static __always_inline struct rtg_hookset *hook_rules(int hook, __u32 *gen)
{
	struct rtg_hookset *hs;

	*gen = active_gen();
	hs = hookset_active(*gen, hook);
	if (!hs || is_agent(bpf_get_current_pid_tgid() >> 32))
		return NULL;
	if (!sel_enter(*gen, hook)) /* no policy applies here */
		return NULL;
	return hs;
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

/* The lookup of suffix rules: rtail holds the last bytes of a string of
 * len bytes, reversed (str_rtail()). */
static __always_inline void suffix_lookup(struct rtg_str_key *key, __u8 gen,
					  __u8 kind, const char *rtail,
					  __u32 len, struct rtg_bits *out)
{
	str_lookup(key, gen, kind | RTG_KIND_SUFFIX, rtail,
		   len < RTG_SUFFIX_MAX ? len : RTG_SUFFIX_MAX, out);
}

/* The last bytes of the string in mc->sbuf (len bytes), right-aligned to
 * end at stail[RTG_SUFFIX_MAX - 1] so that str_rtail() can reverse them
 * with constant indices. */
static __always_inline const char *sbuf_tail(struct misc *mc, __u32 len)
{
	__u64 tn = len < RTG_SUFFIX_MAX ? len : RTG_SUFFIX_MAX;
	__u64 src = len - tn, dst = (RTG_SUFFIX_MAX - tn) & 63;

	tn = RTG_MASK(tn, 0x7f);
	src = RTG_MASK(src, 0x3ff);
	bpf_probe_read_kernel(mc->stail + dst, tn, mc->sbuf + src);
	return &mc->stail[RTG_SUFFIX_MAX - 1];
}

/* Masks of the `path` key of `kind` (RTG_KIND()) for the string s of len
 * bytes whose last byte is *last (last NULL: s is mc->sbuf): its
 * equal/prefix rules over s with its NUL, its suffix rules over the
 * reversed tail, as the hook's features ask. Each feature is tested once:
 * the verifier follows every combination of branches it cannot relate. */
static __always_inline void path_bits(struct misc *mc, __u8 gen, __u32 feat,
				      __u8 kind, const char *s, __u32 len,
				      const char *last, struct rtg_bits *out)
{
	if (feat & RTG_HF_STR_PATH)
		str_lookup(&mc->key, gen, kind, s, len + 1, out);
	if (feat & RTG_HF_SUFFIX_PATH) {
		if (!last)
			last = sbuf_tail(mc, len);
		str_rtail(mc->rtail, last, len);
		suffix_lookup(&mc->key, gen, kind, mc->rtail, len, out);
	}
}

/* ... for a path resolved into ps at off. A path the walk could not
 * resolve whole (trunc: deeper than the walk, or longer than the buffer)
 * holds only its deepest components: its suffix is still known, its start
 * is not, so every strict rule with an equal or prefix clause that may
 * match (hit: the pre-filter's trie on the topmost components, which the
 * walk still saw; all ones when it did not) is taken as matching, failing
 * closed, and no such `unless` clause as holding. */
static __always_inline void resolved_bits(struct misc *mc,
					  const struct rtg_hookset *hs,
					  __u8 gen, __u8 kind,
					  const struct path_scratch *ps,
					  __u32 off, __u32 len, bool trunc,
					  __u64 hit, struct rtg_bits *out)
{
	__u32 feat = hs->features;

	if (trunc) {
		out->m |= hs->strict & hs->str_m[0] & hit;
		feat &= ~RTG_HF_STR_PATH;
	}
	path_bits(mc, gen, feat, kind, path_at(ps, off), len,
		  &ps->buf[RTG_PATH_MAX - 2], out);
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
	/* as resolved_bits() does for a path not resolved whole */
	if (st->flags & RTG_PS_BIN_TRUNC)
		b.m = hs->strict & hs->str_m[1];
	else if (hs->features & RTG_HF_STR_BINARY)
		str_lookup(&c->mc->key, c->gen, kind, st->bin_key,
			   st->bin_len + 1, &b);
	if (hs->features & RTG_HF_SUFFIX_BINARY)
		suffix_lookup(&c->mc->key, c->gen, kind, st->bin_rtail,
			      st->bin_len, &b);
	if (h < RTG_NHOOKS_PROC)
		st->bin[RTG_MASK(h, 3) % RTG_NHOOKS_PROC] = b;
	return 0;
}

/* Binary masks of a process for all hooks under generation gen. */
static __always_inline void proc_bin_bits(struct misc *mc,
					  struct rtg_proc_state *st, __u32 gen)
{
	struct bin_ctx c = { .mc = mc, .st = st, .gen = gen };

	bpf_loop(RTG_NHOOKS_PROC, bin_step, &c, 0);
	st->gen = gen;
}

/* proc_bin_bits() of the procs entry of tgid, or (tgid 0) of the state
 * being built in mc->st. A global function: the verifier checks its loop
 * once per program, not once for each state a caller reaches it in (the
 * exec program reached it in hundreds). Weak: this header is in several
 * units, the linker keeps one. */
__weak __noinline int rtg_proc_bin_bits(__u32 tgid, __u32 gen)
{
	struct misc *mc = bpf_map_lookup_elem(&scratch_misc, &zero);
	struct rtg_proc_state *st;

	if (!mc)
		return 0;
	st = tgid ? bpf_map_lookup_elem(&procs, &tgid) : &mc->st;
	if (!st)
		return 0;
	proc_bin_bits(mc, st, gen);
	return 1;
}

/* The procs entry of tgid with its binary masks for generation gen. */
static __always_inline struct rtg_proc_state *proc_get(struct misc *mc,
						       __u32 tgid, __u32 gen)
{
	struct rtg_proc_state *st = bpf_map_lookup_elem(&procs, &tgid);

	if (st && st->gen != gen) {
		rtg_proc_bin_bits(tgid, gen);
		/* the entry as it is now (another CPU may have replaced it
		 * meanwhile), with masks of this generation or none: masks of
		 * another generation name other rules */
		st = bpf_map_lookup_elem(&procs, &tgid);
		if (st && st->gen != gen)
			st = NULL;
	}
	return st;
}

static __always_inline bool in_container(struct task_struct *t)
{
	return t->thread_pid->level > 0; /* t is a BTF pointer */
}

static __always_inline void clear_keys(struct misc *mc)
{
	__builtin_memset(mc->keys, 0, sizeof(mc->keys));
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
		struct rtg_uid_key uk = { .gen = gen, .hook = hook,
					  .uid = uid };
		struct rtg_bits *b = bpf_map_lookup_elem(&rules_uid, &uk);

		if (b)
			mc->keys[RTG_KEY_UID] = *b;
	}
	mc->keys[RTG_KEY_CONTAINER].m = hs->cont_m[RTG_MASK(incont, 1)];
	mc->keys[RTG_KEY_CONTAINER].u = hs->cont_u[RTG_MASK(incont, 1)];
}

struct decide_ctx {
	const struct rtg_hookset *hs;
	__u64 m;
	__u32 np;
	__u32 applies; /* policies that apply here (select.bpf.h) */
	struct rtg_verdict v;
};

static long decide_step(__u32 p, void *arg)
{
	struct decide_ctx *c = arg;

	if (p >= c->np)
		return 1;
	if (c->applies & (1u << (p & 31)))
		rtg_decide_policy(c->hs, c->m, p, &c->v);
	return 0;
}

/* rtg_masks() of the rules of hook under generation gen over mc->keys,
 * into mc->mres. A global function: the verifier checks its loop over the
 * keys once per program, not once for each state a caller reaches it in
 * (the exec program reached it in hundreds). */
__weak __noinline int rtg_masks_mc(__u32 gen, __u32 hook)
{
	struct misc *mc = bpf_map_lookup_elem(&scratch_misc, &zero);
	struct rtg_hookset *hs = hookset(gen, hook);

	if (!mc)
		return 0;
	if (!hs) {
		mc->mres.m = mc->mres.u = 0;
		return 0;
	}
	mc->mres = rtg_masks(hs, mc->keys);
	return 1;
}

static __always_inline struct rtg_bits masks_mc(struct misc *mc, __u32 gen,
						int hook)
{
	rtg_masks_mc(gen, hook);
	return mc->mres;
}

/* rtg_decide() of hook's rules hs under generation gen over mc->keys, with
 * the per-policy step in bpf_loop(): the verifier checks it once instead
 * of once per policy and outcome. */
static __always_inline void decide(const struct rtg_hookset *hs,
				   struct misc *mc, __u32 gen, int hook,
				   struct rtg_verdict *v)
{
	struct decide_ctx c = { .hs = hs, .np = hs->npolicies };
	struct sel_state *ss = sel_state();
	struct rtg_bits r = masks_mc(mc, gen, hook);

	c.applies = ss ? ss->applies : ~0u;
	c.m = r.m & ~r.u;
	rtg_verdict_init(&c.v);
	bpf_loop(RTG_MAX_POLICIES, decide_step, &c, 0);
	if (ss && ss->pending) {
		/* unclassified container: hold what a scoped policy would
		 * deny, decide with the unscoped ones (select.bpf.h) */
		struct rtg_verdict all = c.v;

		c.applies = ss->unscoped;
		rtg_verdict_init(&c.v);
		bpf_loop(RTG_MAX_POLICIES, decide_step, &c, 0);
		ss->held = all.action >= RTG_ACT_DENY &&
			   c.v.action < RTG_ACT_DENY;
	}
	*v = c.v;
}

/* mc->sname (a relative name, leading "./" dropped) joined to the cwd
 * resolved into cwd at coff (clen bytes), into mc->sbuf; its length, 0 on
 * failure. Shared by a #! script's name (exec.bpf.c) and the paths the
 * other hooks are given (more.bpf.h). */
static __always_inline __u32 cwd_join(struct misc *mc,
				      const struct path_scratch *cwd,
				      __u32 coff, __u32 clen)
{
	__u64 soff = 0, pos, n;
	long r;
	int i;

	for (i = 0; i < 3; i++)
		if (mc->sname[RTG_MASK(soff, 0xff)] == '.' &&
		    mc->sname[RTG_MASK(soff + 1, 0xff)] == '/')
			soff += 2;
	n = clen < 255 ? clen : 255;
	n = RTG_MASK(n, 0xff);
	bpf_probe_read_kernel(mc->sbuf, n, path_at(cwd, coff));
	pos = n;
	if (!(n == 1 && mc->sbuf[0] == '/')) {
		mc->sbuf[RTG_MASK(pos, 0x1ff)] = '/';
		pos++;
	}
	pos = RTG_MASK(pos, 0x1ff);
	soff = RTG_MASK(soff, 0xff);
	r = bpf_probe_read_kernel_str(mc->sbuf + pos, 256, mc->sname + soff);
	if (r <= 0)
		return 0;
	return pos + r - 1;
}

#endif
