/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The component table of the open program's lower bound, shared by
 * open_bound.bpf.c and open_bound.c: level masks of name lengths, and
 * 8-byte name words in slots hashed the way rtguard's trie hashes them
 * (rtg_trie_hash(), bpf/rules.h).
 */
#ifndef RTG_OPEN_BOUND_H
#define RTG_OPEN_BOUND_H

#include "rules.h"

struct bound_table {
	__u64 classes;	 /* the flags classes (f_mode & 3) rules name */
	__u64 lens[16];	 /* node n: lengths of its children's names */
	__u64 below[16]; /* node n: rules at or below it */
	__u64 slot[RTG_TRIE_SLOTS]; /* a child's first 8 name bytes */
};
_Static_assert(sizeof(struct bound_table) == 8 * (1 + 16 + 16 + RTG_TRIE_SLOTS),
	       "bound_table ABI");

#endif
