// SPDX-License-Identifier: GPL-2.0
/*
 * The open pre-filter's trie (struct rtg_trie, bpf/rules.h; read by
 * bpf/trie.bpf.h): the path clauses of the rules, split at '/' into one
 * edge per component. It must say "may match" for every path a rule's
 * clause matches as a string (rtg_decide() over the rules_str lookups);
 * it may say so for others. So wherever the exact shape does not fit (too
 * deep, too many children, a pattern that is no absolute path, out of
 * room) a node takes the rules into `here`: every path at or below it may
 * match them. Equal patterns are put in `here` of their last node too
 * (that also holds for the paths below it: a superset, and simpler).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy_trie.h"

struct tedge {
	char name[RTG_TRIE_NAME_MAX + 1];
	unsigned len;
	int child; /* index into b->nodes */
	int next;  /* the next sibling edge, -1: none */
};

/* kids[0]: whole-name children, kids[1]: name-prefix ones (lists of
 * edges) */
struct tnode {
	uint64_t here, reach;
	int depth;
	int kids[2], nkids[2];
};

struct tbuild {
	struct tnode *nodes;
	int nnodes;
	struct tedge *edges;
	int nedges;
	/* suffix edges: [0] last component equal, [1] ends with */
	int sfx[2][RTG_TRIE_SUFFIXES], nsfx[2];
	uint64_t sfx_any;
};

static int new_node(struct tbuild *b, int depth)
{
	struct tnode *n;

	if (b->nnodes >= RTG_TRIE_NODES)
		return -1;
	n = &b->nodes[b->nnodes];
	memset(n, 0, sizeof(*n));
	n->depth = depth;
	n->kids[0] = n->kids[1] = -1;
	return b->nnodes++;
}

/* The child of node p by edge name[0..len) of kind (0 whole name, 1
 * name prefix), made when missing; -1 when out of room. */
static int child_of(struct tbuild *b, int p, int kind, const char *name,
		    size_t len)
{
	struct tedge *e;
	int i, c;

	for (i = b->nodes[p].kids[kind]; i >= 0; i = b->edges[i].next) {
		e = &b->edges[i];
		if (e->len == len && !memcmp(e->name, name, len))
			return e->child;
	}
	if (b->nedges >= RTG_TRIE_EDGES)
		return -1;
	c = new_node(b, b->nodes[p].depth + 1);
	if (c < 0)
		return -1;
	e = &b->edges[b->nedges];
	memset(e, 0, sizeof(*e));
	memcpy(e->name, name, len);
	e->len = (unsigned)len;
	e->child = c;
	e->next = b->nodes[p].kids[kind];
	b->nodes[p].kids[kind] = b->nedges++;
	b->nodes[p].nkids[kind]++;
	return c;
}

static void add_path(struct tbuild *b, int op, const char *s, uint64_t bit)
{
	const char *p, *q;
	size_t len;
	int cur = 0, c;

	if (s[0] != '/') {
		b->nodes[0].here |= bit; /* never matches a path: any will do */
		return;
	}
	for (p = s + 1;; p = q + 1) {
		struct tnode *n = &b->nodes[cur];

		q = strchr(p, '/');
		len = q ? (size_t)(q - p) : strlen(p);
		/* "/a/" ends below a; "//" matches nothing; too deep or too
		 * long for the kernel to compare: all below */
		if (!len || n->depth >= RTG_TRIE_DEPTH ||
		    len > RTG_TRIE_NAME_MAX) {
			n->here |= bit;
			return;
		}
		c = child_of(b, cur, !q && op == RTG_STR_PREFIX, p, len);
		if (c < 0) {
			b->nodes[cur].here |= bit;
			return;
		}
		cur = c;
		if (!q) {
			b->nodes[cur].here |= bit;
			return;
		}
	}
}

static void add_suffix(struct tbuild *b, const char *s, uint64_t bit)
{
	const char *slash = strrchr(s, '/');
	const char *t = slash ? slash + 1 : s;
	int kind = slash ? 0 : 1, i, c;
	size_t len = strlen(t);

	if (!len || len > RTG_TRIE_NAME_MAX) {
		b->sfx_any |= bit;
		return;
	}
	for (i = 0; i < b->nsfx[kind]; i++) {
		struct tedge *e = &b->edges[b->sfx[kind][i]];

		if (e->len == len && !memcmp(e->name, t, len)) {
			b->nodes[e->child].here |= bit;
			return;
		}
	}
	if (b->nsfx[kind] >= RTG_TRIE_SUFFIXES || b->nedges >= RTG_TRIE_EDGES ||
	    (c = new_node(b, 0)) < 0) {
		b->sfx_any |= bit;
		return;
	}
	memset(&b->edges[b->nedges], 0, sizeof(b->edges[0]));
	memcpy(b->edges[b->nedges].name, t, len);
	b->edges[b->nedges].len = (unsigned)len;
	b->edges[b->nedges].child = c;
	b->nodes[c].here |= bit;
	b->sfx[kind][b->nsfx[kind]++] = b->nedges++;
}

/* reach of node i; a node with more children than the kernel scans keeps
 * none and matches everything below it */
static uint64_t finish(struct tbuild *b, int i)
{
	struct tnode *n = &b->nodes[i];
	uint64_t r = n->here;
	int j, e;

	for (j = 0; j < 2; j++)
		for (e = n->kids[j]; e >= 0; e = b->edges[e].next)
			r |= finish(b, b->edges[e].child);
	if (n->nkids[0] > RTG_TRIE_FANOUT || n->nkids[1] > RTG_TRIE_PFANOUT) {
		n->here = r;
		n->kids[0] = n->kids[1] = -1;
		n->nkids[0] = n->nkids[1] = 0;
	}
	n->reach = r;
	return r;
}

/* Names from the start, zero-padded to 8 bytes; ends-with names (tail)
 * in 8-byte chunks from their end. Returns the offset, -1 when full. */
static int put_name(struct rtg_trie *t, int *used, const struct tedge *e,
		    bool tail, uint64_t *word)
{
	size_t n = (e->len + 7) & ~7u, i, k;
	char *dst;

	if (*used + n > RTG_TRIE_NAMES)
		return -1;
	dst = &t->names[*used];
	memset(dst, 0, n);
	if (!tail) {
		memcpy(dst, e->name, e->len);
	} else {
		for (i = 0; i < n / 8; i++)
			for (k = 0; k < 8; k++) {
				long at =
				    (long)e->len - 8 * ((long)i + 1) + (long)k;

				if (at >= 0)
					dst[8 * i + k] = e->name[at];
			}
	}
	*word = 0;
	memcpy(word, e->name, e->len < 8 ? e->len : 8);
	*used += (int)n;
	return (int)(*used - n);
}

/* Flattens node i (already given index at) and, breadth first, its
 * children. */
static int flatten(struct tbuild *b, struct rtg_trie *t, int *map, int *nused,
		   int *eused, int *used)
{
	int queue[RTG_TRIE_NODES], qh = 0, qt = 0, i, k, j;

	queue[qt++] = 0;
	map[0] = (*nused)++;
	while (qh < qt) {
		struct tnode *n = &b->nodes[queue[qh++]];
		struct rtg_trie_node *o = &t->node[map[n - b->nodes]];

		o->here = n->here;
		o->reach = n->reach;
		for (j = 0; j < 2; j++) {
			if (j == 0) {
				o->first = (uint16_t)*eused;
				o->n = (uint16_t)n->nkids[0];
			} else {
				o->pfirst = (uint16_t)*eused;
				o->pn = (uint16_t)n->nkids[1];
			}
			for (k = n->kids[j]; k >= 0; k = b->edges[k].next) {
				struct tedge *e = &b->edges[k];
				struct rtg_trie_edge *oe = &t->edge[*eused];
				int off = put_name(t, used, e, false,
						   (uint64_t *)&oe->word);

				if (off < 0)
					return -ENOSPC;
				i = e->child;
				map[i] = (*nused)++;
				queue[qt++] = i;
				oe->child = (uint16_t)map[i];
				oe->name_off = (uint16_t)off;
				oe->len = (uint8_t)e->len;
				if (j == 0)
					o->lens |=
					    1ULL << (e->len < 63 ? e->len : 63);
				(*eused)++;
			}
		}
	}
	return 0;
}

/* Suffix edges after the trie's; their nodes hold the rules in `here`. */
static int flatten_suffixes(struct tbuild *b, struct rtg_trie *t, int *map,
			    int *nused, int *eused, int *used)
{
	int kind, k;

	for (kind = 0; kind < 2; kind++) {
		if (kind == 0)
			t->sx = (uint16_t)*eused;
		else
			t->se = (uint16_t)*eused;
		for (k = 0; k < b->nsfx[kind]; k++) {
			struct tedge *e = &b->edges[b->sfx[kind][k]];
			struct rtg_trie_edge *oe = &t->edge[*eused];
			int off = put_name(t, used, e, kind == 1,
					   (uint64_t *)&oe->word);

			if (off < 0)
				return -ENOSPC;
			map[e->child] = (*nused)++;
			t->node[map[e->child]].here = b->nodes[e->child].here;
			t->node[map[e->child]].reach = b->nodes[e->child].here;
			oe->child = (uint16_t)map[e->child];
			oe->name_off = (uint16_t)off;
			oe->len = (uint8_t)e->len;
			(*eused)++;
		}
		if (kind == 0)
			t->nsx = (uint16_t)b->nsfx[0];
		else
			t->nse = (uint16_t)b->nsfx[1];
	}
	t->sfx_any = b->sfx_any;
	return 0;
}

/* Edge e, a whole-name child of node, into the hash table; false when it
 * finds no free slot within RTG_TRIE_PROBE. */
static bool hash_edge(struct rtg_trie *t, uint32_t node,
		      const struct rtg_trie_edge *e)
{
	uint32_t h = rtg_trie_hash(node, e->len, e->word);
	struct rtg_trie_slot *sl;
	int p;

	for (p = 0; p < RTG_TRIE_PROBE; p++) {
		sl = &t->slot[(h + p) & (RTG_TRIE_SLOTS - 1)];
		if (sl->node != 0xffff)
			continue;
		sl->node = (uint16_t)node;
		sl->child = e->child;
		sl->name_off = e->name_off;
		sl->len = e->len;
		sl->word = e->word;
		return true;
	}
	return false;
}

/* The whole-name edges of every node into the hash table; a child that
 * finds no free slot goes into its parent's `here` (reach: the rules of
 * its subtree). Then the equal-kind suffix edges, as children of
 * RTG_TRIE_SFX_NODE; the rules of those left out, and of the ends-with
 * edges, into sfx_slow. */
static void hash_children(struct rtg_trie *t)
{
	int i, k;

	for (i = 0; i < RTG_TRIE_SLOTS; i++)
		t->slot[i].node = 0xffff;
	for (i = 0; i < RTG_TRIE_NODES; i++) {
		struct rtg_trie_node *n = &t->node[i];

		for (k = 0; k < n->n; k++) {
			const struct rtg_trie_edge *e = &t->edge[n->first + k];

			if (!hash_edge(t, (uint32_t)i, e))
				n->here |= t->node[e->child].reach;
		}
	}
	t->sfx_slow = t->sfx_m = t->sfx_lens = 0;
	for (k = 0; k < t->nsx; k++) {
		const struct rtg_trie_edge *e = &t->edge[t->sx + k];

		if (!hash_edge(t, RTG_TRIE_SFX_NODE, e)) {
			t->sfx_slow |= t->node[e->child].here;
			continue;
		}
		t->sfx_m |= t->node[e->child].here;
		t->sfx_lens |= 1ULL << (e->len < 63 ? e->len : 63);
	}
	for (k = 0; k < t->nse; k++)
		t->sfx_slow |= t->node[t->edge[t->se + k].child].here;
}

int policy_trie_build(const struct rtg_trie_pat *pats, int npats,
		      struct rtg_trie *t)
{
	struct tbuild b = {0};
	int *map = NULL, i, err = -ENOMEM, nused = 0, eused = 0, used = 0;
	uint64_t all = 0;

	memset(t, 0, sizeof(*t));
	b.nodes = calloc(RTG_TRIE_NODES, sizeof(*b.nodes));
	b.edges = calloc(RTG_TRIE_EDGES, sizeof(*b.edges));
	map = calloc(RTG_TRIE_NODES, sizeof(*map));
	if (!b.nodes || !b.edges || !map)
		goto out;
	new_node(&b, 0);
	for (i = 0; i < npats; i++) {
		all |= pats[i].bit;
		if (pats[i].op == RTG_STR_SUFFIX)
			add_suffix(&b, pats[i].s, pats[i].bit);
		else
			add_path(&b, pats[i].op, pats[i].s, pats[i].bit);
	}
	finish(&b, 0);
	err = flatten(&b, t, map, &nused, &eused, &used);
	if (!err)
		err = flatten_suffixes(&b, t, map, &nused, &eused, &used);
	if (err) {
		/* out of name room: a trie that matches everything */
		memset(t, 0, sizeof(*t));
		t->node[0].here = t->node[0].reach = all;
		t->sfx_any = all;
		err = 0;
	}
	hash_children(t);
out:
	free(b.nodes);
	free(b.edges);
	free(map);
	return err;
}
