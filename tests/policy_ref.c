// SPDX-License-Identifier: GPL-2.0
/* The reference evaluation of policy_ref.h: the rule maps emulated on the
 * entries of a struct rtg_compiled. */
#include <string.h>

#include "policy_ref.h"

static void bits_or(struct rtg_bits *out, const struct rtg_bits *v)
{
	out->m |= v->m;
	out->u |= v->u;
}

/* The longest stored key that is a prefix of k, like an LPM trie lookup. */
static void str_lookup(const struct rtg_compiled *c,
		       const struct rtg_str_key *k, struct rtg_bits *out)
{
	const struct rtg_str_entry *best = NULL;
	int i;

	for (i = 0; i < c->nstr; i++)
		if (policy_str_prefix_of(&c->str[i].key, k) &&
		    (!best || c->str[i].key.prefixlen > best->key.prefixlen))
			best = &c->str[i];
	if (best)
		bits_or(out, &best->v);
}

static void addr_lookup(const struct rtg_compiled *c,
			const struct rtg_addr_key *k, struct rtg_bits *out)
{
	const struct rtg_addr_entry *best = NULL;
	int i;

	for (i = 0; i < c->naddr; i++)
		if (policy_addr_prefix_of(&c->addr[i].key, k) &&
		    (!best || c->addr[i].key.prefixlen > best->key.prefixlen))
			best = &c->addr[i];
	if (best)
		bits_or(out, &best->v);
}

static void mem_lookup(void *ctx, enum rtg_rules_map map, const void *key,
		       struct rtg_bits *out)
{
	const struct rtg_compiled *c = ctx;
	const struct rtg_uid_key *uk = key;
	int i;

	switch (map) {
	case RTG_RULES_STR:
		str_lookup(c, key, out);
		break;
	case RTG_RULES_ADDR:
		addr_lookup(c, key, out);
		break;
	case RTG_RULES_UID:
		for (i = 0; i < c->nuid; i++)
			if (c->uid[i].key.hook == uk->hook &&
			    c->uid[i].key.uid == uk->uid)
				bits_or(out, &c->uid[i].v);
		break;
	case RTG_RULES_PORT:
		for (i = 0; i < c->nport; i++)
			if (c->port[i].port == *(const uint32_t *)key)
				bits_or(out, &c->port[i].v);
		break;
	}
}

void policy_eval(const struct rtg_compiled *c, const struct rtg_facts *f,
		 struct rtg_verdict *v)
{
	struct rtg_bits keys[RTG_NKEYS];

	policy_facts_keys_by(c, &c->rs.h[f->hook], 0, f, mem_lookup, (void *)c,
			     keys);
	rtg_decide(&c->rs.h[f->hook], keys, v);
}
