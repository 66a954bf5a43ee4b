// SPDX-License-Identifier: GPL-2.0
/*
 * How values become keys of the rule tries (bpf/rules.h): the reversed tail
 * that suffix rules are stored and looked up under, the rules_str and
 * rules_addr keys of an event's facts, and which stored key is a prefix of
 * which (the compiler's prefix closure, and lookups emulated in tests).
 */
#include <string.h>

#include "policy_compile.h"

size_t policy_rtail(const char *s, size_t n, char out[RTG_SUFFIX_MAX])
{
	size_t len = n < RTG_SUFFIX_MAX ? n : RTG_SUFFIX_MAX, j;

	for (j = 0; j < len; j++)
		out[j] = s[n - 1 - j];
	return len;
}

void policy_str_keys(const char *path, uint8_t kind, struct rtg_str_key *k,
		     struct rtg_str_key *sk)
{
	size_t n = strlen(path), len;

	memset(k, 0, sizeof(*k));
	memset(sk, 0, sizeof(*sk));
	len = n + 1 <= RTG_KEY_MAX ? n + 1 : RTG_KEY_MAX;
	memcpy(k->s, path, len < n ? len : n);
	k->kind = kind;
	k->prefixlen = RTG_STR_HDR_BITS + 8 * (uint32_t)len;
	len = policy_rtail(path, n, sk->s);
	sk->kind = kind | RTG_KIND_SUFFIX;
	sk->prefixlen = RTG_STR_HDR_BITS + 8 * (uint32_t)len;
}

void policy_addr_key(const struct rtg_facts *f, struct rtg_addr_key *k)
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

bool policy_str_prefix_of(const struct rtg_str_key *f,
			  const struct rtg_str_key *e)
{
	return f->kind == e->kind && f->prefixlen <= e->prefixlen &&
	       !memcmp(f->s, e->s, (f->prefixlen - RTG_STR_HDR_BITS) / 8);
}

bool policy_addr_prefix_of(const struct rtg_addr_key *f,
			   const struct rtg_addr_key *e)
{
	uint32_t i;

	if (f->family != e->family || f->prefixlen > e->prefixlen)
		return false;
	for (i = 0; i < f->prefixlen - 16; i++) {
		uint8_t m = 0x80 >> (i % 8);

		if ((f->addr[i / 8] & m) != (e->addr[i / 8] & m))
			return false;
	}
	return true;
}
