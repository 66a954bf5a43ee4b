/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The open pre-filter: may a rule whose action is above allow match this
 * open? Asked of the kernel's own objects before any string is built or
 * any map but arrays is looked up: the rules the open's flags and
 * container leave (rtg_cand()), then the path's components, read from the
 * same dentries and mounts the full walk reads (path.bpf.h), against the
 * trie the policy compiler built from the rules' path clauses (struct
 * rtg_trie in rules.h, user/policy/policy_trie.c). Names are compared
 * whole, 8 bytes at a time, the length first.
 *
 * Sound by construction: "no" only when no rule can match. Whatever it
 * cannot decide cheaply says "maybe" and goes to the full walk: a path
 * deeper than the walk, a name longer than a component can be, a mount
 * that shows another path (W_REAL), overlayfs, a rule without a path
 * clause. Nothing is cached between opens.
 */
#ifndef RTG_TRIE_BPF_H
#define RTG_TRIE_BPF_H

#include "maps.bpf.h"

/* The rules above allow that an open with flags keys fl (struct rtg_bits
 * of RTG_KEY_FLAGS) by a process in a container or not can match. */
static __always_inline __u64 rtg_cand(const struct rtg_hookset *hs,
				      __u64 flag_m, bool incont)
{
	return hs->loud & (flag_m | hs->dc_m[RTG_KEY_FLAGS]) &
	       (hs->cont_m[RTG_MASK(incont, 1)] | hs->dc_m[RTG_KEY_CONTAINER]);
}

/* n low bytes of w */
static __always_inline __u64 low_bytes(__u64 w, __u32 n)
{
	return n >= 8 ? w : w & ((1ULL << (8 * n)) - 1);
}

static __always_inline __u64 trie_word(const struct rtg_trie *t, __u32 off)
{
	return *(const __u64 *)&t->names[off & (RTG_TRIE_NAMES - 8)];
}

/* Names are compared on their first RTG_TRIE_CMP bytes (a suffix on its
 * last): a longer name that agrees that far is taken as equal, so it may
 * match more rules than it does, never fewer (the full walk then decides).
 * Without loops: the verifier would walk every iteration of every scan.
 * 16, not 32: each word compared past the first multiplies the states the
 * verifier follows through the open program's unrolled trie lookups
 * (32 bytes: 0.25 s to load it, 16: a quarter of that), and few component
 * names agree on 16 bytes with a rule's and differ after. */
#define RTG_TRIE_CMP 16

/* Bytes [8, n) of the kernel string at name equal those of the trie name
 * at off (bytes 0-7 are compared by the caller). */
static __always_inline bool name_eq(const struct rtg_trie *t, __u64 name,
				    __u32 n, __u32 off)
{
	__u32 i;

#pragma unroll
	for (i = 1; i < RTG_TRIE_CMP / 8; i++)
		if (n > 8 * i && low_bytes(kload64(name + 8 * i), n - 8 * i) !=
				     trie_word(t, off + 8 * i))
			return false;
	return true;
}

/* The last n bytes of the kernel string name (len bytes) equal the trie
 * name at off, stored in 8-byte chunks from its end. */
static __always_inline bool name_tail_eq(const struct rtg_trie *t, __u64 name,
					 __u32 len, __u32 n, __u32 off)
{
	__u64 w;
	__u32 i;

#pragma unroll
	for (i = 0; i < RTG_TRIE_CMP / 8; i++) {
		if (n <= 8 * i)
			break;
		w = kload64(name + len - 8 * (i + 1));
		if (8 * (i + 1) > n)
			w &= ~0ULL << (8 * (8 * (i + 1) - n));
		if (w != trie_word(t, off + 8 * i))
			return false;
	}
	return true;
}

/* A scan of a list of edges against one name; a bpf_loop() callback, so
 * that the verifier checks one edge, not every iteration of a loop. */
enum { SCAN_CHILD, SCAN_PREFIX, SCAN_SFX_EQ, SCAN_SFX_TAIL };

struct edge_scan {
	const struct rtg_trie *t;
	__u64 name, w0, hit;
	__u32 len, first, n, kind, child;
};

static long edge_step(__u32 k, void *arg)
{
	struct edge_scan *c = arg;
	const struct rtg_trie *t = c->t;
	const struct rtg_trie_edge *ed;
	bool m;

	if (k >= c->n)
		return 1;
	ed = &t->edge[(c->first + k) & (RTG_TRIE_EDGES - 1)];
	switch (c->kind) {
	case SCAN_PREFIX:
		m = ed->len <= c->len &&
		    low_bytes(c->w0, ed->len) == ed->word &&
		    name_eq(t, c->name, ed->len, ed->name_off);
		break;
	case SCAN_SFX_TAIL:
		m = ed->len <= c->len &&
		    name_tail_eq(t, c->name, c->len, ed->len, ed->name_off);
		break;
	default:
		m = ed->len == c->len && ed->word == c->w0 &&
		    name_eq(t, c->name, c->len, ed->name_off);
	}
	if (!m)
		return 0;
	if (c->kind == SCAN_CHILD) {
		c->child = ed->child;
		return 1;
	}
	c->hit |= t->node[ed->child & (RTG_TRIE_NODES - 1)].here;
	return 0;
}

static __always_inline void edge_scan(struct edge_scan *c, __u32 kind,
				      __u32 first, __u32 n, __u32 max)
{
	c->kind = kind;
	c->first = first;
	c->n = n;
	bpf_loop(max, edge_step, c, 0);
}

/* The whole-name child of node named (len, w0) at name, or 0: the hash
 * table, RTG_TRIE_PROBE slots at most. */
static __always_inline __u32 trie_child(const struct rtg_trie *t, __u32 node,
					__u64 name, __u32 len, __u64 w0)
{
	__u32 h = rtg_trie_hash(node, len, w0), p;
	const struct rtg_trie_slot *sl;

#pragma unroll
	for (p = 0; p < RTG_TRIE_PROBE; p++) {
		sl = &t->slot[(h + p) & (RTG_TRIE_SLOTS - 1)];
		if (sl->node == 0xffff)
			return 0;
		if (sl->node == node && sl->len == len && sl->word == w0 &&
		    name_eq(t, name, len, sl->name_off))
			return sl->child;
	}
	return 0;
}

struct trie_walk {
	const struct rtg_trie *t;
	const __u64 *ring;
	__u64 cand, hit;
	__u32 node;
	__u32 depth; /* components walked */
	__u32 n;     /* ... of them in ring: RTG_TRIE_DEPTH at most */
};

/* Component j from the top against the children of the current node; a
 * bpf_loop() callback. */
static long trie_step(__u32 j, void *arg)
{
	struct trie_walk *c = arg;
	const struct rtg_trie *t = c->t;
	const struct rtg_trie_node *nd;
	struct edge_scan sc = {.t = t};
	__u32 child;
	__u64 d;

	if (j >= c->n)
		return 1; /* the path ends */
	/* component j from the top: the walk put component k (the leaf is
	 * 0) at ring[k % DEPTH], and walked n of them */
	d = c->ring[(c->depth - 1 - j) & (RTG_TRIE_DEPTH - 1)];
	nd = &t->node[c->node & (RTG_TRIE_NODES - 1)];
	if (!(nd->reach & c->cand))
		return 1;
	sc.len = KREAD(struct dentry, d, d_name.len);
	sc.name = KREAD(struct dentry, d, d_name.name);
	if (sc.len > RTG_TRIE_NAME_MAX) {
		c->hit |= nd->reach; /* not a name a rule can hold */
		return 1;
	}
	sc.w0 = low_bytes(kload64(sc.name), sc.len);
	if (nd->pn) {
		edge_scan(&sc, SCAN_PREFIX, nd->pfirst, nd->pn,
			  RTG_TRIE_PFANOUT);
		c->hit |= sc.hit;
	}
	if (!(nd->lens & (1ULL << (sc.len < 63 ? sc.len : 63))))
		return 1;
	child = trie_child(t, c->node, sc.name, sc.len, sc.w0);
	if (!child)
		return 1;
	c->node = child;
	c->hit |= t->node[child & (RTG_TRIE_NODES - 1)].here;
	return 0;
}

/* The rules of cand whose equal or prefix clause may hold for the path a
 * walk of depth components left in ring (done): its topmost components
 * down the trie. */
static __always_inline __u64 trie_top(const struct rtg_trie *t,
				      const __u64 *ring, __u32 depth,
				      __u64 cand)
{
	struct trie_walk c = {
	    .t = t,
	    .ring = ring,
	    .depth = depth,
	    .n = depth < RTG_TRIE_DEPTH ? depth : RTG_TRIE_DEPTH,
	    .cand = cand,
	    .hit = t->node[0].here,
	};

	bpf_loop(RTG_TRIE_DEPTH, trie_step, &c, 0);
	return c.hit;
}

/* The rules whose suffix clause may hold for a path whose last component
 * is the dentry leaf (0: the path is "/"). */
static __always_inline __u64 trie_suffix(const struct rtg_trie *t, __u64 leaf)
{
	struct edge_scan sc = {.t = t};

	if (!leaf || !(t->nsx | t->nse))
		return t->sfx_any;
	sc.len = KREAD(struct dentry, leaf, d_name.len);
	sc.name = KREAD(struct dentry, leaf, d_name.name);
	if (sc.len > RTG_TRIE_NAME_MAX)
		return ~0ULL;
	sc.w0 = low_bytes(kload64(sc.name), sc.len);
	edge_scan(&sc, SCAN_SFX_EQ, t->sx, t->nsx, RTG_TRIE_SUFFIXES);
	edge_scan(&sc, SCAN_SFX_TAIL, t->se, t->nse, RTG_TRIE_SUFFIXES);
	return t->sfx_any | sc.hit;
}

#endif
