// SPDX-License-Identifier: GPL-2.0
/*
 * The open pre-filter's trie (user/policy/policy_trie.c) as the kernel
 * reads it (bpf/trie.bpf.h, bpf/file.bpf.h): children and suffix edges
 * found through the hash table by (parent, length, first 8 bytes), and
 * the suffix rules the fast path cannot decide in sfx_slow.
 */
#include <stdlib.h>
#include <string.h>

#include "policy_trie.h"
#include "test.h"

/* The node a (parent, name) lookup of the kernel's trie_child() finds,
 * 0 for none. */
static unsigned int child(const struct rtg_trie *t, unsigned int node,
			  const char *name)
{
	unsigned int len = strlen(name), h, p;
	uint64_t w0 = 0;

	memcpy(&w0, name, len < 8 ? len : 8);
	h = rtg_trie_hash(node, len, w0);
	for (p = 0; p < RTG_TRIE_PROBE; p++) {
		const struct rtg_trie_slot *sl =
		    &t->slot[(h + p) & (RTG_TRIE_SLOTS - 1)];

		if (sl->node == 0xffff)
			return 0;
		if (sl->node == node && sl->len == len && sl->word == w0 &&
		    !memcmp(&t->names[sl->name_off], name, len))
			return sl->child;
	}
	return 0;
}

TEST(policy_trie_suffix_hashed)
{
	const struct rtg_trie_pat pats[] = {
	    {RTG_STR_PREFIX, "/etc/", 0x1},
	    {RTG_STR_SUFFIX, "/environ", 0x2},
	    {RTG_STR_SUFFIX, "/mem", 0x4},
	    {RTG_STR_SUFFIX, "/proc/self/mem", 0x8},
	};
	struct rtg_trie *t = calloc(1, sizeof(*t));
	unsigned int c;

	if (!ASSERT_TRUE(t, "calloc") ||
	    !ASSERT_OK(policy_trie_build(pats, 4, t), "build"))
		goto out;
	c = child(t, 0, "etc");
	if (ASSERT_TRUE(c, "/etc a child of the root"))
		ASSERT_EQ(t->node[c].here, 0x1, "prefix rule at /etc");
	c = child(t, RTG_TRIE_SFX_NODE, "environ");
	if (ASSERT_TRUE(c, "suffix edge environ hashed"))
		ASSERT_EQ(t->node[c].here, 0x2, "its rule");
	/* /mem and /proc/self/mem end in the same component: one edge */
	c = child(t, RTG_TRIE_SFX_NODE, "mem");
	if (ASSERT_TRUE(c, "suffix edge mem hashed"))
		ASSERT_EQ(t->node[c].here, 0xc, "both rules");
	ASSERT_EQ(child(t, RTG_TRIE_SFX_NODE, "me"), 0, "no edge me");
	ASSERT_EQ(child(t, RTG_TRIE_SFX_NODE, "etc"), 0,
		  "a child of the root is no suffix edge");
	ASSERT_EQ(t->sfx_slow, 0, "all suffixes decided in the fast path");
	ASSERT_EQ(t->sfx_any, 0, "no suffix matches any path");
out:
	free(t);
}

TEST(policy_trie_suffix_slow)
{
	/* "shadow" without a '/': ends-with, as in "gshadow" */
	const struct rtg_trie_pat pats[] = {
	    {RTG_STR_SUFFIX, "shadow", 0x1},
	    {RTG_STR_SUFFIX, "/passwd", 0x2},
	    {RTG_STR_SUFFIX, "", 0x4},
	};
	struct rtg_trie *t = calloc(1, sizeof(*t));

	if (!ASSERT_TRUE(t, "calloc") ||
	    !ASSERT_OK(policy_trie_build(pats, 3, t), "build"))
		goto out;
	ASSERT_EQ(t->sfx_slow, 0x1, "the ends-with rule takes the slow path");
	ASSERT_EQ(t->sfx_any, 0x4, "an empty suffix matches any path");
	ASSERT_TRUE(child(t, RTG_TRIE_SFX_NODE, "passwd"), "passwd hashed");
	ASSERT_EQ(child(t, RTG_TRIE_SFX_NODE, "shadow"), 0,
		  "an ends-with edge is not a hashed one");
out:
	free(t);
}
