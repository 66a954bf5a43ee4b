/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The open pre-filter's trie (struct rtg_trie, bpf/rules.h), built from
 * the path clauses of the rules whose action is above allow
 * (user/policy/policy_trie.c; the kernel side reads it in
 * bpf/trie.bpf.h).
 */
#ifndef RTG_POLICY_TRIE_H
#define RTG_POLICY_TRIE_H

#include <stdint.h>

#include "policy.h"
#include "rules.h"

/* One string of a rule's path clause: op is RTG_STR_EQUAL, _PREFIX or
 * _SUFFIX, bit the rule's. */
struct rtg_trie_pat {
	int op;
	const char *s;
	uint64_t bit;
};

/* Builds t from the patterns (never fails for their number: what does not
 * fit matches more paths). 0 or -ENOMEM. */
int policy_trie_build(const struct rtg_trie_pat *pats, int npats,
		      struct rtg_trie *t);

#endif
