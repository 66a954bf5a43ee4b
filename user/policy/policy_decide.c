// SPDX-License-Identifier: GPL-2.0
/*
 * What user space decides with a compiled policy: the `args` rules the
 * kernel leaves to it (policy_args_match*, policy_decide_args), the names
 * of rules for events, and the keys[] of an event's facts for
 * rtg_decide() (the fanotify responder, `policy check`, tests), looked up
 * in the rule maps exactly as the BPF side does.
 */
#include <errno.h>
#include <string.h>

#include <bpf/bpf.h>

#include "policy_compile.h"

#define BIT(b) (1ULL << (b))

static bool args_hold(const struct rtg_strlist *l, const char *args, size_t len)
{
	size_t off;
	int i;

	for (off = 0; off < len;) {
		const char *a = args + off;
		size_t n = strnlen(a, len - off);

		for (i = 0; i < l->n; i++)
			if (memmem(a, n, l->v[i], strlen(l->v[i])))
				return true;
		off += n + 1;
	}
	return false;
}

uint64_t policy_args_match_buf(const struct rtg_compiled *c, const char *args,
			       size_t len, uint64_t *unless_bits)
{
	uint64_t m = 0, u = 0;
	int i;

	for (i = 0; i < c->nrules[RTG_HOOK_EXEC]; i++) {
		const struct rtg_crule *r = &c->rules[RTG_HOOK_EXEC][i];

		if (r->args_m.n && args_hold(&r->args_m, args, len))
			m |= BIT(i);
		if (r->args_u.n && args_hold(&r->args_u, args, len))
			u |= BIT(i);
	}
	if (unless_bits)
		*unless_bits = u;
	return m;
}

uint64_t policy_args_match(const struct rtg_compiled *c, char *const argv[],
			   int argc, uint64_t *unless_bits)
{
	uint64_t m = 0, u = 0, mu;
	int a;

	for (a = 0; a < argc && argv[a]; a++) {
		m |= policy_args_match_buf(c, argv[a], strlen(argv[a]), &mu);
		u |= mu;
	}
	if (unless_bits)
		*unless_bits = u;
	return m;
}

void policy_decide_args(const struct rtg_compiled *c, uint64_t cand_m,
			uint64_t cand_u, const char *args, size_t len,
			struct rtg_verdict *v)
{
	struct rtg_hookset hs = c->rs.h[RTG_HOOK_EXEC];
	struct rtg_bits keys[RTG_NKEYS];
	uint64_t am, au;
	int k;

	am = policy_args_match_buf(c, args, len, &au);
	for (k = 0; k < RTG_NKEYS; k++) {
		keys[k].m = keys[k].u = ~0ULL;
		hs.dc_m[k] = hs.dc_u[k] = 0;
	}
	keys[RTG_KEY_PATH].m = cand_m;
	keys[RTG_KEY_PATH].u = cand_u;
	keys[RTG_KEY_ARGS].m = am | c->rs.h[RTG_HOOK_EXEC].dc_m[RTG_KEY_ARGS];
	keys[RTG_KEY_ARGS].u = au | c->rs.h[RTG_HOOK_EXEC].dc_u[RTG_KEY_ARGS];
	rtg_decide(&hs, keys, v);
}

const char *policy_rule_name(const struct rtg_compiled *c, int hook,
			     uint16_t rule, const char **policy_name)
{
	const struct rtg_crule *r;

	if (policy_name)
		*policy_name = NULL;
	if (hook < 0 || hook >= RTG_NHOOKS || rule == RTG_RULE_NONE)
		return NULL;
	if (rule & RTG_RULE_DEFAULT) {
		int p = rule & 0xff;

		if (p < c->npolicies && policy_name)
			*policy_name = c->policy_names[p];
		return NULL;
	}
	if (rule >= c->nrules[hook])
		return NULL;
	r = &c->rules[hook][rule];
	if (policy_name)
		*policy_name = c->policy_names[r->policy];
	return r->name;
}

/* keys that come from the hookset itself, and args */
static void hs_keys(const struct rtg_compiled *c, const struct rtg_hookset *hs,
		    const struct rtg_facts *f, struct rtg_bits keys[RTG_NKEYS])
{
	int i;

	for (i = 0; i < RTG_NFLAGS; i++)
		if (f->flags & (1u << i)) {
			keys[RTG_KEY_FLAGS].m |= hs->flag_m[i];
			keys[RTG_KEY_FLAGS].u |= hs->flag_u[i];
		}
	if (f->hook == RTG_HOOK_CONNECT && f->proto < 2) {
		keys[RTG_KEY_PROTO].m = hs->proto_m[f->proto];
		keys[RTG_KEY_PROTO].u = hs->proto_u[f->proto];
	}
	keys[RTG_KEY_CONTAINER].m = hs->cont_m[f->container];
	keys[RTG_KEY_CONTAINER].u = hs->cont_u[f->container];
	if (f->hook > RTG_HOOK_CONNECT && f->op >= 0 && f->op < RTG_NOPS) {
		int k = f->hook == RTG_HOOK_PTRACE ? RTG_KEY_REQUEST
						   : RTG_KEY_SYSCALL;

		keys[k].m = hs->op_m[f->op];
		keys[k].u = hs->op_u[f->op];
	}
	if (f->hook == RTG_HOOK_NAMESPACE || f->hook == RTG_HOOK_CRED) {
		keys[RTG_KEY_FLAGS].m = keys[RTG_KEY_FLAGS].u = 0;
		for (i = 0; i < RTG_NXFLAGS; i++)
			if (f->xflags & (1u << i)) {
				keys[RTG_KEY_FLAGS].m |= hs->xf_m[i];
				keys[RTG_KEY_FLAGS].u |= hs->xf_u[i];
			}
	}
	if (f->hook == RTG_HOOK_EXEC && f->args) {
		uint64_t u;

		keys[RTG_KEY_ARGS].m =
		    policy_args_match_buf(c, f->args, f->args_len, &u);
		keys[RTG_KEY_ARGS].u = u;
	}
}

void policy_facts_keys_by(const struct rtg_compiled *c,
			  const struct rtg_hookset *hs, uint8_t gen,
			  const struct rtg_facts *f, policy_lookup_fn lookup,
			  void *ctx, struct rtg_bits keys[RTG_NKEYS])
{
	struct rtg_uid_key uk = {
	    .gen = gen, .hook = (uint8_t)f->hook, .uid = f->uid};
	struct rtg_str_key k, sk;
	struct rtg_addr_key ak;
	uint32_t idx;
	int key;

	memset(keys, 0, sizeof(struct rtg_bits) * RTG_NKEYS);
	for (key = RTG_KEY_PATH; key <= RTG_KEY_BINARY; key++) {
		const char *s = key == RTG_KEY_PATH ? f->path : f->binary;

		if (!s)
			continue;
		policy_str_keys(s, RTG_KIND(f->hook, key), &k, &sk);
		k.gen = sk.gen = gen;
		lookup(ctx, RTG_RULES_STR, &k, &keys[key]);
		lookup(ctx, RTG_RULES_STR, &sk, &keys[key]);
	}
	lookup(ctx, RTG_RULES_UID, &uk, &keys[RTG_KEY_UID]);
	if (f->hook == RTG_HOOK_CONNECT) {
		policy_addr_key(f, &ak);
		ak.gen = gen;
		lookup(ctx, RTG_RULES_ADDR, &ak, &keys[RTG_KEY_DADDR]);
		idx = (uint32_t)gen * RTG_PORT_SLOTS + f->dport;
		lookup(ctx, RTG_RULES_PORT, &idx, &keys[RTG_KEY_DPORT]);
	}
	hs_keys(c, hs, f, keys);
}

static void map_lookup(void *ctx, enum rtg_rules_map map, const void *key,
		       struct rtg_bits *out)
{
	const struct rtg_map_fds *fds = ctx;
	const int fd[] = {
	    [RTG_RULES_STR] = fds->str,
	    [RTG_RULES_ADDR] = fds->addr,
	    [RTG_RULES_UID] = fds->uid,
	    [RTG_RULES_PORT] = fds->port,
	};
	struct rtg_bits v;

	if (bpf_map_lookup_elem(fd[map], key, &v))
		return;
	out->m |= v.m;
	out->u |= v.u;
}

int policy_facts_keys_maps(const struct rtg_compiled *c, uint8_t gen,
			   const struct rtg_map_fds *fds,
			   const struct rtg_facts *f,
			   struct rtg_bits keys[RTG_NKEYS])
{
	struct rtg_ruleset rs;
	uint32_t idx = gen;

	memset(keys, 0, sizeof(struct rtg_bits) * RTG_NKEYS);
	if (bpf_map_lookup_elem(fds->set, &idx, &rs))
		return errno ? -errno : -EIO;
	policy_facts_keys_by(c, &rs.h[f->hook], gen, f, map_lookup, (void *)fds,
			     keys);
	return 0;
}
