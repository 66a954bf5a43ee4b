// SPDX-License-Identifier: GPL-2.0
/*
 * Policy compiler and map writer: struct rtg_policy_set -> the entries of
 * bpf/rules.h, written under one generation. See policy_compile.h for how
 * the BPF side looks them up.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "policy_compile.h"

#define KEYBIT(k) (1u << (k))
#define BIT(b)	  (1ULL << (b))


/* ---- building ---------------------------------------------------------- */

struct builder {
	struct rtg_compiled *c;
	struct rtg_bits *ports; /* RTG_PORT_SLOTS */
	int cap_str, cap_addr, cap_uid;
};

static void bits_or(struct rtg_bits *b, bool unless, uint64_t bit)
{
	if (unless)
		b->u |= bit;
	else
		b->m |= bit;
}

static int str_add(struct builder *b, uint8_t kind, const char *s, size_t len,
		   bool unless, uint64_t bit)
{
	struct rtg_compiled *c = b->c;
	uint32_t plen = RTG_STR_HDR_BITS + 8 * (uint32_t)len;
	struct rtg_str_entry *e;
	int i;

	if (len > RTG_KEY_MAX)
		return -E2BIG;
	for (i = 0; i < c->nstr; i++) {
		e = &c->str[i];
		if (e->key.kind == kind && e->key.prefixlen == plen &&
		    !memcmp(e->key.s, s, len)) {
			bits_or(&e->v, unless, bit);
			return 0;
		}
	}
	if (c->nstr >= RTG_MAX_STRINGS)
		return -E2BIG;
	if (c->nstr == b->cap_str) {
		int cap = b->cap_str ? b->cap_str * 2 : 64;

		e = realloc(c->str, (size_t)cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		c->str = e;
		b->cap_str = cap;
	}
	e = &c->str[c->nstr++];
	memset(e, 0, sizeof(*e));
	e->key.prefixlen = plen;
	e->key.kind = kind;
	memcpy(e->key.s, s, len);
	bits_or(&e->v, unless, bit);
	return 0;
}

static int addr_add(struct builder *b, uint8_t family, uint8_t bits,
		    const uint8_t *addr, bool unless, uint64_t bit)
{
	struct rtg_compiled *c = b->c;
	uint32_t plen = 16 + bits;
	struct rtg_addr_entry *e;
	int i;

	for (i = 0; i < c->naddr; i++) {
		e = &c->addr[i];
		if (e->key.family == family && e->key.prefixlen == plen &&
		    !memcmp(e->key.addr, addr, 16)) {
			bits_or(&e->v, unless, bit);
			return 0;
		}
	}
	if (c->naddr >= 2 * RTG_MAX_CIDRS)
		return -E2BIG;
	if (c->naddr == b->cap_addr) {
		int cap = b->cap_addr ? b->cap_addr * 2 : 16;

		e = realloc(c->addr, (size_t)cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		c->addr = e;
		b->cap_addr = cap;
	}
	e = &c->addr[c->naddr++];
	memset(e, 0, sizeof(*e));
	e->key.prefixlen = plen;
	e->key.family = family;
	memcpy(e->key.addr, addr, 16);
	bits_or(&e->v, unless, bit);
	return 0;
}

static int uid_add(struct builder *b, int hook, uint32_t uid, bool unless,
		   uint64_t bit)
{
	struct rtg_compiled *c = b->c;
	struct rtg_uid_entry *e;
	int i;

	for (i = 0; i < c->nuid; i++) {
		e = &c->uid[i];
		if (e->key.hook == hook && e->key.uid == uid) {
			bits_or(&e->v, unless, bit);
			return 0;
		}
	}
	if (c->nuid >= RTG_MAX_UIDS)
		return -E2BIG;
	if (c->nuid == b->cap_uid) {
		int cap = b->cap_uid ? b->cap_uid * 2 : 16;

		e = realloc(c->uid, (size_t)cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		c->uid = e;
		b->cap_uid = cap;
	}
	e = &c->uid[c->nuid++];
	memset(e, 0, sizeof(*e));
	e->key.hook = (uint8_t)hook;
	e->key.uid = uid;
	bits_or(&e->v, unless, bit);
	return 0;
}

static int add_strings(struct builder *b, int hook, int key,
		       const struct rtg_strlist *ops, bool unless, uint64_t bit)
{
	uint8_t kind = RTG_KIND(hook, key);
	char buf[RTG_KEY_MAX];
	int i, err;

	for (i = 0; i < ops[RTG_STR_EQUAL].n; i++) {
		const char *s = ops[RTG_STR_EQUAL].v[i];

		err = str_add(b, kind, s, strlen(s) + 1, unless, bit);
		if (err)
			return err;
	}
	for (i = 0; i < ops[RTG_STR_PREFIX].n; i++) {
		const char *s = ops[RTG_STR_PREFIX].v[i];

		err = str_add(b, kind, s, strlen(s), unless, bit);
		if (err)
			return err;
	}
	for (i = 0; i < ops[RTG_STR_SUFFIX].n; i++) {
		const char *s = ops[RTG_STR_SUFFIX].v[i];
		size_t n = strlen(s), j;

		if (n > RTG_SUFFIX_MAX)
			return -E2BIG;
		for (j = 0; j < n; j++)
			buf[j] = s[n - 1 - j];
		err = str_add(b, kind | RTG_KIND_SUFFIX, buf, n, unless, bit);
		if (err)
			return err;
	}
	return 0;
}

/* does the v6 CIDR cover all of ::ffff:0:0/96 (and so all folded v4)? */
static bool covers_v4(const struct rtg_cidr *cidr)
{
	static const uint8_t mapped[16] = {[10] = 0xff, [11] = 0xff};
	int i;

	if (cidr->family != 6 || cidr->bits > 96)
		return false;
	for (i = 0; i < cidr->bits; i++) {
		uint8_t m = 0x80 >> (i % 8);

		if ((cidr->addr[i / 8] & m) != (mapped[i / 8] & m))
			return false;
	}
	return true;
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
		static const uint8_t any[16];
		const struct rtg_cidr *a = &cl->daddr[i];

		err = addr_add(b, a->family, a->bits, a->addr, unless, bit);
		if (!err && covers_v4(a))
			err = addr_add(b, 4, 0, any, unless, bit);
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
	return 0;
}

static int strlist_copy(struct rtg_strlist *dst, const struct rtg_strlist *src)
{
	int i;

	dst->n = 0;
	dst->v = NULL;
	if (!src->n)
		return 0;
	dst->v = calloc((size_t)src->n, sizeof(char *));
	if (!dst->v)
		return -ENOMEM;
	for (i = 0; i < src->n; i++) {
		dst->v[i] = strdup(src->v[i]);
		if (!dst->v[i])
			return -ENOMEM;
		dst->n++;
	}
	return 0;
}

static void strlist_release(struct rtg_strlist *l)
{
	int i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static bool path_equal_only(const struct rtg_clause *cl)
{
	return (cl->keys & KEYBIT(RTG_KEY_PATH)) && cl->path[RTG_STR_EQUAL].n &&
	       !cl->path[RTG_STR_PREFIX].n && !cl->path[RTG_STR_SUFFIX].n;
}

static uint8_t pick_mech(int hook, int action, const struct rtg_rule *r,
			 const struct rtg_backends *be)
{
	if (action == RTG_ACT_KILL)
		return RTG_MECH_SIGKILL;
	if (action != RTG_ACT_DENY)
		return RTG_MECH_NONE;
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
 * that is a prefix of it: the longest-prefix lookup then yields them all. */
static int close_str(struct rtg_compiled *c)
{
	struct rtg_bits *own;
	int i, j;

	if (!c->nstr)
		return 0;
	own = malloc((size_t)c->nstr * sizeof(*own));
	if (!own)
		return -ENOMEM;
	for (i = 0; i < c->nstr; i++)
		own[i] = c->str[i].v;
	for (i = 0; i < c->nstr; i++) {
		struct rtg_str_entry *e = &c->str[i];

		for (j = 0; j < c->nstr; j++) {
			const struct rtg_str_entry *f = &c->str[j];

			if (j == i || f->key.kind != e->key.kind ||
			    f->key.prefixlen > e->key.prefixlen)
				continue;
			if (memcmp(f->key.s, e->key.s,
				   (f->key.prefixlen - RTG_STR_HDR_BITS) / 8))
				continue;
			e->v.m |= own[j].m;
			e->v.u |= own[j].u;
		}
	}
	free(own);
	return 0;
}

static bool addr_prefix_of(const struct rtg_addr_entry *f,
			   const struct rtg_addr_entry *e)
{
	uint32_t bits = f->key.prefixlen - 16, i;

	if (f->key.family != e->key.family ||
	    f->key.prefixlen > e->key.prefixlen)
		return false;
	for (i = 0; i < bits; i++) {
		uint8_t m = 0x80 >> (i % 8);

		if ((f->key.addr[i / 8] & m) != (e->key.addr[i / 8] & m))
			return false;
	}
	return true;
}

static int close_addr(struct rtg_compiled *c)
{
	struct rtg_bits *own;
	int i, j;

	if (!c->naddr)
		return 0;
	own = malloc((size_t)c->naddr * sizeof(*own));
	if (!own)
		return -ENOMEM;
	for (i = 0; i < c->naddr; i++)
		own[i] = c->addr[i].v;
	for (i = 0; i < c->naddr; i++)
		for (j = 0; j < c->naddr; j++)
			if (j != i &&
			    addr_prefix_of(&c->addr[j], &c->addr[i])) {
				c->addr[i].v.m |= own[j].m;
				c->addr[i].v.u |= own[j].u;
			}
	free(own);
	return 0;
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
	hs->action[bitn] = r->action;
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

		c->policy_names[p] = strdup(pol->name ? pol->name : "");
		if (!c->policy_names[p]) {
			err = -ENOMEM;
			goto cleanup;
		}
		for (h = 0; h < RTG_NHOOKS; h++) {
			struct rtg_hookset *hs = &c->rs.h[h];

			hs->def_action[p] = pol->defaults[h];
			hs->def_mech[p] =
			    pick_mech(h, pol->defaults[h], NULL, be);
			if (pol->defaults[h] != RTG_ACT_ALLOW)
				hs->features |= RTG_HF_ACTIVE;
		}
		for (r = 0; r < pol->nrules; r++) {
			err = compile_rule(&b, pol, p, r, be);
			if (err)
				goto cleanup;
		}
	}
	for (h = 0; h < RTG_NHOOKS; h++)
		if (c->nrules[h])
			c->rs.h[h].features |= RTG_HF_ACTIVE;
	err = close_str(c);
	if (!err)
		err = close_addr(c);
	if (!err)
		err = collect_ports(&b);
cleanup:
	free(b.ports);
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
			strlist_release(&c->rules[h][i].args_m);
			strlist_release(&c->rules[h][i].args_u);
		}
	for (i = 0; i < RTG_MAX_POLICIES; i++)
		free(c->policy_names[i]);
	for (i = 0; i < c->nfan; i++)
		free(c->fan[i].path);
	free(c->fan);
	free(c->str);
	free(c->addr);
	free(c->uid);
	free(c->port);
	free(c);
}

/* ---- user-space evaluation --------------------------------------------- */

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

/* the str trie keys of a path: bytes + NUL (or the first RTG_KEY_MAX bytes)
 * and the reversed tail */
static void str_keys(const char *path, uint8_t kind, struct rtg_str_key *k,
		     struct rtg_str_key *sk)
{
	size_t n = strlen(path), len, j;

	memset(k, 0, sizeof(*k));
	memset(sk, 0, sizeof(*sk));
	len = n + 1 <= RTG_KEY_MAX ? n + 1 : RTG_KEY_MAX;
	memcpy(k->s, path, len < n ? len : n);
	k->kind = kind;
	k->prefixlen = RTG_STR_HDR_BITS + 8 * (uint32_t)len;
	len = n < RTG_SUFFIX_MAX ? n : RTG_SUFFIX_MAX;
	for (j = 0; j < len; j++)
		sk->s[j] = path[n - 1 - j];
	sk->kind = kind | RTG_KIND_SUFFIX;
	sk->prefixlen = RTG_STR_HDR_BITS + 8 * (uint32_t)len;
}

static void str_lookup_mem(const struct rtg_compiled *c,
			   const struct rtg_str_key *k, struct rtg_bits *out)
{
	const struct rtg_str_entry *best = NULL;
	int i;

	for (i = 0; i < c->nstr; i++) {
		const struct rtg_str_entry *e = &c->str[i];

		if (e->key.kind != k->kind || e->key.prefixlen > k->prefixlen)
			continue;
		if (memcmp(e->key.s, k->s,
			   (e->key.prefixlen - RTG_STR_HDR_BITS) / 8))
			continue;
		if (!best || e->key.prefixlen > best->key.prefixlen)
			best = e;
	}
	if (best) {
		out->m |= best->v.m;
		out->u |= best->v.u;
	}
}

static void addr_key(const struct rtg_facts *f, struct rtg_addr_key *k)
{
	static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};

	memset(k, 0, sizeof(*k));
	if (f->family == 6 && !memcmp(f->daddr, mapped, 12)) {
		k->family = 4;
		memcpy(k->addr, f->daddr + 12, 4);
	} else {
		k->family = f->family;
		memcpy(k->addr, f->daddr, f->family == 4 ? 4 : 16);
	}
	k->prefixlen = 16 + (k->family == 4 ? 32 : 128);
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
	if (f->hook == RTG_HOOK_EXEC && f->args) {
		uint64_t u;

		keys[RTG_KEY_ARGS].m =
		    policy_args_match_buf(c, f->args, f->args_len, &u);
		keys[RTG_KEY_ARGS].u = u;
	}
}

void policy_facts_keys(const struct rtg_compiled *c, const struct rtg_facts *f,
		       struct rtg_bits keys[RTG_NKEYS])
{
	const struct rtg_hookset *hs = &c->rs.h[f->hook];
	struct rtg_str_key k, sk;
	int i, key;

	memset(keys, 0, sizeof(struct rtg_bits) * RTG_NKEYS);
	for (key = RTG_KEY_PATH; key <= RTG_KEY_BINARY; key++) {
		const char *s = key == RTG_KEY_PATH ? f->path : f->binary;

		if (!s)
			continue;
		str_keys(s, RTG_KIND(f->hook, key), &k, &sk);
		str_lookup_mem(c, &k, &keys[key]);
		str_lookup_mem(c, &sk, &keys[key]);
	}
	for (i = 0; i < c->nuid; i++)
		if (c->uid[i].key.hook == f->hook &&
		    c->uid[i].key.uid == f->uid)
			keys[RTG_KEY_UID] = c->uid[i].v;
	if (f->hook == RTG_HOOK_CONNECT) {
		struct rtg_addr_key ak;
		const struct rtg_addr_entry *best = NULL;

		addr_key(f, &ak);
		for (i = 0; i < c->naddr; i++) {
			struct rtg_addr_entry probe = {.key = ak};

			if (!addr_prefix_of(&c->addr[i], &probe))
				continue;
			if (!best ||
			    c->addr[i].key.prefixlen > best->key.prefixlen)
				best = &c->addr[i];
		}
		if (best)
			keys[RTG_KEY_DADDR] = best->v;
		for (i = 0; i < c->nport; i++)
			if (c->port[i].port == f->dport)
				keys[RTG_KEY_DPORT] = c->port[i].v;
	}
	hs_keys(c, hs, f, keys);
}

static void lookup_or(int fd, const void *key, struct rtg_bits *out)
{
	struct rtg_bits v;

	if (bpf_map_lookup_elem(fd, key, &v))
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
	struct rtg_str_key k, sk;
	uint32_t idx = gen;
	int key;

	memset(keys, 0, sizeof(struct rtg_bits) * RTG_NKEYS);
	if (bpf_map_lookup_elem(fds->set, &idx, &rs))
		return errno ? -errno : -EIO;
	for (key = RTG_KEY_PATH; key <= RTG_KEY_BINARY; key++) {
		const char *s = key == RTG_KEY_PATH ? f->path : f->binary;

		if (!s)
			continue;
		str_keys(s, RTG_KIND(f->hook, key), &k, &sk);
		k.gen = sk.gen = gen;
		lookup_or(fds->str, &k, &keys[key]);
		lookup_or(fds->str, &sk, &keys[key]);
	}
	{
		struct rtg_uid_key uk = {
		    .gen = gen, .hook = (uint8_t)f->hook, .uid = f->uid};

		lookup_or(fds->uid, &uk, &keys[RTG_KEY_UID]);
	}
	if (f->hook == RTG_HOOK_CONNECT) {
		struct rtg_addr_key ak;

		addr_key(f, &ak);
		ak.gen = gen;
		lookup_or(fds->addr, &ak, &keys[RTG_KEY_DADDR]);
		idx = (uint32_t)gen * RTG_PORT_SLOTS + f->dport;
		lookup_or(fds->port, &idx, &keys[RTG_KEY_DPORT]);
	}
	hs_keys(c, &rs.h[f->hook], f, keys);
	return 0;
}

void policy_eval(const struct rtg_compiled *c, const struct rtg_facts *f,
		 struct rtg_verdict *v)
{
	struct rtg_bits keys[RTG_NKEYS];

	policy_facts_keys(c, f, keys);
	rtg_decide(&c->rs.h[f->hook], keys, v);
}
