// SPDX-License-Identifier: GPL-2.0
/*
 * Policy compiler: struct rtg_policy_set -> the entries of bpf/rules.h,
 * which user/agent/maps.c writes under one generation. See
 * policy_compile.h for how the BPF side looks them up.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "policy_compile.h"
#include "policy_trie.h"
#include "policy_selector.h"

#define KEYBIT(k) (1u << (k))
#define BIT(b)	  (1ULL << (b))

/* ---- building ---------------------------------------------------------- */

struct builder {
	struct rtg_compiled *c;
	struct rtg_bits *ports; /* RTG_PORT_SLOTS */
	int cap_str, cap_addr, cap_uid;
	struct rtg_trie_pat *pats; /* the open pre-filter's patterns */
	int npats, cap_pats;
};

/* The path clause of an open rule that reports or enforces, for the
 * pre-filter's trie (the strings stay the policy set's). */
static int trie_add(struct builder *b, const struct rtg_clause *cl,
		    uint64_t bit)
{
	int op, i;

	for (op = 0; op < RTG_NSTROPS; op++)
		for (i = 0; i < cl->path[op].n; i++) {
			if (b->npats == b->cap_pats) {
				int ncap = b->cap_pats ? 2 * b->cap_pats : 32;
				struct rtg_trie_pat *p = realloc(
				    b->pats, (size_t)ncap * sizeof(*p));

				if (!p)
					return -ENOMEM;
				b->pats = p;
				b->cap_pats = ncap;
			}
			b->pats[b->npats++] = (struct rtg_trie_pat){
			    .op = op, .s = cl->path[op].v[i], .bit = bit};
		}
	return 0;
}

static void bits_or(struct rtg_bits *b, bool unless, uint64_t bit)
{
	if (unless)
		b->u |= bit;
	else
		b->m |= bit;
}

/*
 * Index of the entry of *arr (*n entries of esize bytes, each starting with
 * its ksize-byte key) whose key is `key`; a new zeroed entry with that key
 * when there is none. Keys compare whole: every key is built zeroed, so the
 * bytes nobody sets are equal. -E2BIG past max entries, -ENOMEM.
 */
static int entry_index(void **arr, int *n, int *cap, int max, size_t esize,
		       const void *key, size_t ksize)
{
	char *e;
	int i;

	for (i = 0; i < *n; i++)
		if (!memcmp((char *)*arr + (size_t)i * esize, key, ksize))
			return i;
	if (*n >= max)
		return -E2BIG;
	if (*n == *cap) {
		int ncap = *cap ? *cap * 2 : 16;

		e = realloc(*arr, (size_t)ncap * esize);
		if (!e)
			return -ENOMEM;
		*arr = e;
		*cap = ncap;
	}
	e = (char *)*arr + (size_t)*n * esize;
	memset(e, 0, esize);
	memcpy(e, key, ksize);
	return (*n)++;
}

/* The rules_str key of one string of a path/binary clause: equal as its
 * bytes and the NUL, prefix as its bytes, suffix reversed. */
static int str_add(struct builder *b, uint8_t kind, int op, const char *s,
		   bool unless, uint64_t bit)
{
	struct rtg_compiled *c = b->c;
	struct rtg_str_key k = {.kind = kind};
	size_t len = strlen(s);
	int i;

	if (op == RTG_STR_SUFFIX) {
		if (len > RTG_SUFFIX_MAX)
			return -E2BIG;
		k.kind |= RTG_KIND_SUFFIX;
		policy_rtail(s, len, k.s);
	} else {
		len += op == RTG_STR_EQUAL; /* the NUL ends an equal match */
		if (len > RTG_KEY_MAX)
			return -E2BIG;
		memcpy(k.s, s, len);
	}
	k.prefixlen = RTG_STR_HDR_BITS + 8 * (uint32_t)len;
	i = entry_index((void **)&c->str, &c->nstr, &b->cap_str,
			RTG_MAX_STRINGS, sizeof(*c->str), &k, sizeof(k));
	if (i < 0)
		return i;
	bits_or(&c->str[i].v, unless, bit);
	return 0;
}

static int addr_add(struct builder *b, const struct rtg_addr_key *k,
		    bool unless, uint64_t bit)
{
	struct rtg_compiled *c = b->c;
	int i;

	i = entry_index((void **)&c->addr, &c->naddr, &b->cap_addr,
			2 * RTG_MAX_CIDRS, sizeof(*c->addr), k, sizeof(*k));
	if (i < 0)
		return i;
	bits_or(&c->addr[i].v, unless, bit);
	return 0;
}

static int uid_add(struct builder *b, int hook, uint32_t uid, bool unless,
		   uint64_t bit)
{
	struct rtg_compiled *c = b->c;
	struct rtg_uid_key k = {.hook = (uint8_t)hook, .uid = uid};
	int i;

	i = entry_index((void **)&c->uid, &c->nuid, &b->cap_uid, RTG_MAX_UIDS,
			sizeof(*c->uid), &k, sizeof(k));
	if (i < 0)
		return i;
	bits_or(&c->uid[i].v, unless, bit);
	return 0;
}

static int add_strings(struct builder *b, int hook, int key,
		       const struct rtg_strlist *ops, bool unless, uint64_t bit)
{
	int op, i, err;

	for (op = 0; op < RTG_NSTROPS; op++)
		for (i = 0; i < ops[op].n; i++) {
			err = str_add(b, RTG_KIND(hook, key), op, ops[op].v[i],
				      unless, bit);
			if (err)
				return err;
		}
	return 0;
}

static uint32_t strops_features(const struct rtg_strlist *ops, uint32_t str,
				uint32_t suffix)
{
	uint32_t f = 0;

	if (ops[RTG_STR_EQUAL].n || ops[RTG_STR_PREFIX].n)
		f |= str;
	if (ops[RTG_STR_SUFFIX].n)
		f |= suffix;
	return f;
}

static int add_clause(struct builder *b, int hook, const struct rtg_clause *cl,
		      bool unless, uint64_t bit)
{
	struct rtg_hookset *hs = &b->c->rs.h[hook];
	int i, f, err;
	uint32_t p;

	err = add_strings(b, hook, RTG_KEY_PATH, cl->path, unless, bit);
	if (!err)
		err = add_strings(b, hook, RTG_KEY_BINARY, cl->binary, unless,
				  bit);
	if (err)
		return err;
	hs->features |=
	    strops_features(cl->path, RTG_HF_STR_PATH, RTG_HF_SUFFIX_PATH);
	hs->features |= strops_features(cl->binary, RTG_HF_STR_BINARY,
					RTG_HF_SUFFIX_BINARY);
	for (f = 0; f < RTG_NFLAGS; f++)
		if (cl->flags & (1u << f))
			*(unless ? &hs->flag_u[f] : &hs->flag_m[f]) |= bit;
	for (i = 0; i < 2; i++)
		if (cl->proto & (1u << i))
			*(unless ? &hs->proto_u[i] : &hs->proto_m[i]) |= bit;
	if (cl->keys & KEYBIT(RTG_KEY_CONTAINER)) {
		i = cl->container ? 1 : 0;
		*(unless ? &hs->cont_u[i] : &hs->cont_m[i]) |= bit;
	}
	for (i = 0; i < cl->nuid; i++) {
		err = uid_add(b, hook, cl->uid[i], unless, bit);
		if (err)
			return err;
		hs->features |= RTG_HF_UID;
	}
	for (i = 0; i < cl->ndaddr; i++) {
		/* a v6 CIDR that covers all of ::ffff:0:0/96 covers every
		 * destination folded to v4 too: add 0.0.0.0/0 */
		static const struct rtg_addr_key v4_mapped = {
		    .prefixlen = 16 + 96, .family = 6, .addr[10 ... 11] = 0xff};
		static const struct rtg_addr_key v4_all = {.prefixlen = 16,
							   .family = 4};
		const struct rtg_cidr *a = &cl->daddr[i];
		struct rtg_addr_key k = {.prefixlen = 16 + a->bits,
					 .family = a->family};

		memcpy(k.addr, a->addr, sizeof(k.addr));
		err = addr_add(b, &k, unless, bit);
		if (!err && policy_addr_prefix_of(&k, &v4_mapped))
			err = addr_add(b, &v4_all, unless, bit);
		if (err)
			return err;
		hs->features |= RTG_HF_DADDR;
	}
	for (i = 0; i < cl->ndport; i++) {
		for (p = cl->dport[i].lo; p <= cl->dport[i].hi; p++)
			bits_or(&b->ports[p], unless, bit);
		hs->features |= RTG_HF_DPORT;
	}
	if (cl->args.n)
		hs->features |= RTG_HF_ARGS;
	for (i = 0; i < RTG_NOPS; i++)
		if (cl->ops & (1u << i))
			*(unless ? &hs->op_u[i] : &hs->op_m[i]) |= bit;
	for (i = 0; i < RTG_NXFLAGS; i++)
		if (cl->xflags & (1u << i))
			*(unless ? &hs->xf_u[i] : &hs->xf_m[i]) |= bit;
	return 0;
}

static int strlist_copy(struct rtg_strlist *dst, const struct rtg_strlist *src)
{
	int i, err;

	for (i = 0; i < src->n; i++) {
		err = policy_strlist_push(dst, src->v[i]);
		if (err)
			return err;
	}
	return 0;
}

static bool path_equal_only(const struct rtg_clause *cl)
{
	return (cl->keys & KEYBIT(RTG_KEY_PATH)) && cl->path[RTG_STR_EQUAL].n &&
	       !cl->path[RTG_STR_PREFIX].n && !cl->path[RTG_STR_SUFFIX].n;
}

/* deny on the hooks after connect: BPF LSM where it has a program for
 * the hook, a listen's bind refused by cgroup/bind4|6, else SIGKILL from
 * the syscall tracepoint. */
static uint8_t pick_mech_more(int hook, const struct rtg_backends *be)
{
	if (hook == RTG_HOOK_LISTEN && be->cgroup_bind)
		return RTG_MECH_CGROUP;
	if (be->lsm_hooks & (1u << hook))
		return RTG_MECH_LSM;
	return RTG_MECH_SIGKILL;
}

static uint8_t pick_mech(int hook, int action, const struct rtg_rule *r,
			 const struct rtg_backends *be)
{
	if (action == RTG_ACT_KILL)
		return RTG_MECH_SIGKILL;
	if (action != RTG_ACT_DENY)
		return RTG_MECH_NONE;
	if (hook > RTG_HOOK_CONNECT)
		return pick_mech_more(hook, be);
	if (hook == RTG_HOOK_CONNECT && r && (r->match.keys & KEYBIT(RTG_KEY_PATH))) {
		/* a unix socket: connect_unix, or BPF LSM's socket_connect */
		if (be->cgroup_unix)
			return RTG_MECH_CGROUP;
		return be->lsm ? RTG_MECH_LSM : RTG_MECH_NONE;
	}
	if (hook == RTG_HOOK_CONNECT) {
		if (be->cgroup_connect)
			return RTG_MECH_CGROUP;
		return be->lsm ? RTG_MECH_LSM : RTG_MECH_SIGKILL;
	}
	/* args are only known in user space, after the exec */
	if (r && ((r->match.keys | (r->has_unless ? r->unless.keys : 0)) &
		  KEYBIT(RTG_KEY_ARGS)))
		return RTG_MECH_SIGKILL;
	if (be->lsm)
		return RTG_MECH_LSM;
	if (r && be->fanotify && path_equal_only(&r->match))
		return RTG_MECH_FANOTIFY;
	return RTG_MECH_SIGKILL;
}

static int fan_add(struct rtg_compiled *c, const char *path, int hook)
{
	struct rtg_fan_target *t;
	int i;

	for (i = 0; i < c->nfan; i++)
		if (c->fan[i].hook == hook && !strcmp(c->fan[i].path, path))
			return 0;
	t = realloc(c->fan, (size_t)(c->nfan + 1) * sizeof(*t));
	if (!t)
		return -ENOMEM;
	c->fan = t;
	t[c->nfan].path = strdup(path);
	if (!t[c->nfan].path)
		return -ENOMEM;
	t[c->nfan].hook = hook;
	c->nfan++;
	return 0;
}

/* Each trie entry gets the masks of every stored entry of the same kind
 * that is a prefix of it: the longest-prefix lookup then yields them all.
 * `entries` holds n entries of esize bytes, each a key then its bits at
 * voff; prefix_of says whether one key is a prefix of another. */
static int close_trie(void *entries, int n, size_t esize, size_t voff,
		      bool (*prefix_of)(const void *f, const void *e))
{
	struct rtg_bits *own, *v;
	char *base = entries;
	int i, j;

	if (!n)
		return 0;
	own = malloc((size_t)n * sizeof(*own));
	if (!own)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		memcpy(&own[i], base + (size_t)i * esize + voff, sizeof(*own));
	for (i = 0; i < n; i++) {
		v = (struct rtg_bits *)(base + (size_t)i * esize + voff);
		for (j = 0; j < n; j++) {
			if (j == i || !prefix_of(base + (size_t)j * esize,
						 base + (size_t)i * esize))
				continue;
			v->m |= own[j].m;
			v->u |= own[j].u;
		}
	}
	free(own);
	return 0;
}

static bool str_prefix_of(const void *f, const void *e)
{
	return policy_str_prefix_of(f, e);
}

static bool addr_prefix_of(const void *f, const void *e)
{
	return policy_addr_prefix_of(f, e);
}

static int collect_ports(struct builder *b)
{
	struct rtg_compiled *c = b->c;
	int p, n = 0;

	for (p = 1; p < RTG_PORT_SLOTS; p++)
		if (b->ports[p].m || b->ports[p].u)
			n++;
	if (!n)
		return 0;
	c->port = calloc((size_t)n, sizeof(*c->port));
	if (!c->port)
		return -ENOMEM;
	for (p = 1; p < RTG_PORT_SLOTS; p++) {
		if (!b->ports[p].m && !b->ports[p].u)
			continue;
		c->port[c->nport].port = (uint16_t)p;
		c->port[c->nport].v = b->ports[p];
		c->nport++;
	}
	return 0;
}

static int compile_rule(struct builder *b, const struct rtg_policy *pol, int pi,
			int ri, const struct rtg_backends *be)
{
	const struct rtg_rule *r = &pol->rules[ri];
	struct rtg_compiled *c = b->c;
	struct rtg_hookset *hs;
	struct rtg_crule *cr;
	int h = r->hook, bitn, k, i, err;
	uint64_t bit;

	if (h < 0 || h >= RTG_NHOOKS)
		return -EINVAL;
	if (c->nrules[h] >= RTG_MAX_RULES)
		return -E2BIG;
	hs = &c->rs.h[h];
	bitn = c->nrules[h]++;
	bit = BIT(bitn);
	cr = &c->rules[h][bitn];
	cr->policy = pi;
	cr->index = ri;
	cr->action = r->action;
	cr->mech = pick_mech(h, r->action, r, be);
	cr->name = strdup(r->name ? r->name : "");
	if (!cr->name)
		return -ENOMEM;
	hs->pmask[pi] |= bit;
	if (r->action > RTG_ACT_ALLOW)
		hs->loud |= bit;
	if (r->action >= RTG_ACT_DENY)
		hs->strict |= bit;
	if (r->match.path[RTG_STR_EQUAL].n || r->match.path[RTG_STR_PREFIX].n)
		hs->str_m[0] |= bit;
	if (r->match.binary[RTG_STR_EQUAL].n ||
	    r->match.binary[RTG_STR_PREFIX].n)
		hs->str_m[1] |= bit;
	hs->action[bitn] = r->action;
	if (r->action >= RTG_ACT_DENY)
		hs->features |= RTG_HF_ENFORCE;
	hs->mech[bitn] = cr->mech;
	for (k = 0; k < RTG_NKEYS; k++) {
		if (!(r->match.keys & KEYBIT(k)))
			hs->dc_m[k] |= bit;
		if (!r->has_unless || !(r->unless.keys & KEYBIT(k)))
			hs->dc_u[k] |= bit;
	}
	if (r->has_unless)
		hs->has_unless |= bit;
	err = add_clause(b, h, &r->match, false, bit);
	if (!err && h == RTG_HOOK_OPEN && r->action > RTG_ACT_ALLOW)
		err = trie_add(b, &r->match, bit);
	if (!err && r->has_unless)
		err = add_clause(b, h, &r->unless, true, bit);
	if (!err)
		err = strlist_copy(&cr->args_m, &r->match.args);
	if (!err && r->has_unless)
		err = strlist_copy(&cr->args_u, &r->unless.args);
	if (err)
		return err;
	if (cr->mech == RTG_MECH_FANOTIFY)
		for (i = 0; i < r->match.path[RTG_STR_EQUAL].n; i++) {
			err = fan_add(c, r->match.path[RTG_STR_EQUAL].v[i], h);
			if (err)
				return err;
		}
	return 0;
}

int policy_compile(const struct rtg_policy_set *set,
		   const struct rtg_backends *be, struct rtg_compiled **out)
{
	struct builder b = {0};
	struct rtg_compiled *c;
	int p, r, h, err = 0;

	*out = NULL;
	if (set->nerrors)
		return -EINVAL;
	if (set->npolicies > RTG_MAX_POLICIES)
		return -E2BIG;
	c = calloc(1, sizeof(*c));
	b.ports = calloc(RTG_PORT_SLOTS, sizeof(*b.ports));
	if (!c || !b.ports) {
		err = -ENOMEM;
		goto cleanup;
	}
	b.c = c;
	c->npolicies = set->npolicies;
	for (h = 0; h < RTG_NHOOKS; h++)
		c->rs.h[h].npolicies = (uint32_t)set->npolicies;
	for (p = 0; p < set->npolicies; p++) {
		const struct rtg_policy *pol = &set->policies[p];
		/* fanotify's responder knows no workloads (policy_selector.c) */
		struct rtg_backends pbe = policy_selector_backends(pol, be);

		c->policy_names[p] = strdup(pol->name ? pol->name : "");
		if (!c->policy_names[p]) {
			err = -ENOMEM;
			goto cleanup;
		}
		for (h = 0; h < RTG_NHOOKS; h++) {
			struct rtg_hookset *hs = &c->rs.h[h];

			hs->def_action[p] = pol->defaults[h];
			hs->def_mech[p] =
			    pick_mech(h, pol->defaults[h], NULL, &pbe);
			if (pol->defaults[h] != RTG_ACT_ALLOW)
				hs->features |= RTG_HF_ACTIVE;
		}
		for (r = 0; r < pol->nrules; r++) {
			err = compile_rule(&b, pol, p, r, &pbe);
			if (err)
				goto cleanup;
		}
	}
	for (h = 0; h < RTG_NHOOKS; h++)
		if (c->nrules[h])
			c->rs.h[h].features |= RTG_HF_ACTIVE;
	/* exec rules that deny or kill also judge executable mappings
	 * (bpf/mmap.bpf.c): the mmap_exec hook must run */
	if (c->rs.h[RTG_HOOK_EXEC].features & RTG_HF_ENFORCE)
		c->rs.h[RTG_HOOK_MMAP_EXEC].features |= RTG_HF_ACTIVE;
	/* the pre-filter may let an open go when no rule above allow can
	 * match it only if no default reports it either */
	c->rs.h[RTG_HOOK_OPEN].features |= RTG_HF_PREFILTER;
	for (p = 0; p < set->npolicies; p++)
		if (set->policies[p].defaults[RTG_HOOK_OPEN] != RTG_ACT_ALLOW)
			c->rs.h[RTG_HOOK_OPEN].features &= ~RTG_HF_PREFILTER;
	c->trie = calloc(1, sizeof(*c->trie));
	if (!c->trie) {
		err = -ENOMEM;
		goto cleanup;
	}
	err = policy_trie_build(b.pats, b.npats, c->trie);
	if (err)
		goto cleanup;
	err = close_trie(c->str, c->nstr, sizeof(*c->str),
			 offsetof(struct rtg_str_entry, v), str_prefix_of);
	if (!err)
		err = close_trie(c->addr, c->naddr, sizeof(*c->addr),
				 offsetof(struct rtg_addr_entry, v),
				 addr_prefix_of);
	if (!err)
		err = collect_ports(&b);
	if (!err)
		err = policy_selectors_compile(set, c);
cleanup:
	free(b.ports);
	free(b.pats);
	if (err) {
		policy_compiled_free(c);
		return err;
	}
	*out = c;
	return 0;
}

void policy_compiled_free(struct rtg_compiled *c)
{
	int h, i;

	if (!c)
		return;
	for (h = 0; h < RTG_NHOOKS; h++)
		for (i = 0; i < RTG_MAX_RULES; i++) {
			free(c->rules[h][i].name);
			policy_strlist_free(&c->rules[h][i].args_m);
			policy_strlist_free(&c->rules[h][i].args_u);
		}
	for (i = 0; i < RTG_MAX_POLICIES; i++) {
		free(c->policy_names[i]);
		policy_selector_free(c->sel[i]);
	}
	for (i = 0; i < c->nfan; i++)
		free(c->fan[i].path);
	free(c->fan);
	free(c->str);
	free(c->addr);
	free(c->uid);
	free(c->port);
	free(c->trie);
	free(c);
}
