// SPDX-License-Identifier: GPL-2.0
/*
 * Policy-level `selector:` (policy_selector.h): parsing with file:line:col
 * errors, copying, matching against a workload's metadata, and the words
 * `rtguard policy check` shows.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_parse.h"
#include "policy_selector.h"

static const char *const sel_names[RTG_NSELKEYS] = {
    "host", "namespace", "pod", "container", "image", "labels",
};
static const char *const strop_names[RTG_NSTROPS] = {"equal", "prefix",
						     "suffix"};

/* A selector string: printable, at most RTG_SEL_STR_MAX bytes. */
static bool sel_string_ok(struct pctx *x, yaml_node_t *v, const char *what)
{
	const unsigned char *s = (const unsigned char *)ynode_str(v);
	size_t i, n = strlen((const char *)s);

	if (n > RTG_SEL_STR_MAX) {
		perr(x, v, "%s is %zu bytes long (limit %d)", what, n,
		     RTG_SEL_STR_MAX);
		return false;
	}
	for (i = 0; i < n; i++) {
		if (s[i] < 0x20 || s[i] == 0x7f) {
			perr(x, v, "%s has a control character", what);
			return false;
		}
	}
	return true;
}

/* A list of strings (or one) into l. */
static void parse_strings(struct pctx *x, yaml_node_t *n, const char *what,
			  struct rtg_strlist *l)
{
	struct vlist vl;
	int i;

	if (!pctx_get_list(x, n, what, &vl))
		return;
	for (i = 0; i < vl.n && !x->stop; i++) {
		yaml_node_t *v = pctx_list_string(x, &vl, i, what);

		if (!v || !sel_string_ok(x, v, what))
			continue;
		if (policy_strlist_push(l, ynode_str(v)) < 0) {
			pctx_nomem(x, v);
			return;
		}
	}
}

/* pod: / container: / image: {equal, prefix, suffix} */
static void parse_names(struct pctx *x, yaml_node_t *n, const char *key,
			struct rtg_strlist out[RTG_NSTROPS])
{
	yaml_node_t *keys[RTG_NSTROPS], *vals[RTG_NSTROPS];
	char where[32];
	int op, any = 0;

	snprintf(where, sizeof(where), "selector.%s", key);
	if (!pctx_get_mapping(x, n, "a mapping with equal, prefix or suffix",
			      where, strop_names, RTG_NSTROPS,
			      (1u << RTG_NSTROPS) - 1, keys, vals))
		return;
	for (op = 0; op < RTG_NSTROPS; op++) {
		if (!vals[op])
			continue;
		any = 1;
		parse_strings(x, vals[op], "names", &out[op]);
	}
	if (!any && !x->stop)
		perr(x, n, "empty %s: expected equal, prefix or suffix", key);
}

static void parse_labels(struct pctx *x, yaml_node_t *n, struct rtg_selector *s)
{
	yaml_node_pair_t *pr;

	if (n->type != YAML_MAPPING_NODE) {
		perr(x, n,
		     "expected a mapping of label to value for "
		     "selector.labels, got %s",
		     ynode_kind(n));
		return;
	}
	if (n->data.mapping.pairs.top == n->data.mapping.pairs.start) {
		perr(x, n, "empty labels: expected label: value");
		return;
	}
	for (pr = n->data.mapping.pairs.start;
	     pr < n->data.mapping.pairs.top && !x->stop; pr++) {
		yaml_node_t *k = pctx_node(x, pr->key);
		yaml_node_t *v = pctx_node(x, pr->value);
		struct rtg_sel_label *l;
		int i;

		if (!k || !v || !pctx_want_string(x, k, "a label name") ||
		    !sel_string_ok(x, k, "label name"))
			continue;
		for (i = 0; i < s->nlabels; i++)
			if (!strcmp(s->labels[i].key, ynode_str(k)))
				break;
		if (i < s->nlabels) {
			perr(x, k, "duplicate label '%s'", ynode_str(k));
			continue;
		}
		if (s->nlabels >= RTG_SEL_LABELS_MAX) {
			perr(x, k, "too many labels: the limit is %d",
			     RTG_SEL_LABELS_MAX);
			return;
		}
		l = &s->labels[s->nlabels];
		l->key = strdup(ynode_str(k));
		if (!l->key) {
			pctx_nomem(x, k);
			return;
		}
		s->nlabels++;
		parse_strings(x, v, "label values", &l->values);
	}
}

struct rtg_selector *policy_parse_selector(struct pctx *x,
					   struct yaml_node_s *n)
{
	yaml_node_t *keys[RTG_NSELKEYS], *vals[RTG_NSELKEYS];
	int errs = x->nerr, k;
	struct rtg_selector *s;

	if (!pctx_get_mapping(
		x, n,
		"a selector (a mapping with host, namespace, pod, "
		"container, image, labels)",
		"selector", sel_names, RTG_NSELKEYS, (1u << RTG_NSELKEYS) - 1,
		keys, vals))
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		pctx_nomem(x, n);
		return NULL;
	}
	s->line = (int)n->start_mark.line + 1;
	s->col = (int)n->start_mark.column + 1;
	for (k = 0; k < RTG_NSELKEYS; k++)
		if (vals[k])
			s->keys |= 1u << k;
	if (!s->keys)
		perr(x, n,
		     "empty selector: expected host, namespace, pod, "
		     "container, image or labels (leave selector out to "
		     "apply everywhere)");
	if (vals[RTG_SEL_HOST]) {
		yaml_node_t *v = vals[RTG_SEL_HOST];
		const char *b = v->type == YAML_SCALAR_NODE ? ynode_str(v) : "";

		if (!strcmp(b, "true"))
			s->host = true;
		else if (strcmp(b, "false"))
			perr(x, v, "expected true or false for selector.host");
	}
	if (s->host && (s->keys & ~(1u << RTG_SEL_HOST)))
		perr(x, vals[RTG_SEL_HOST],
		     "selector.host: true selects processes outside "
		     "containers, which have no namespace, pod, container, "
		     "image or labels: it would match nothing");
	if (vals[RTG_SEL_NAMESPACE])
		parse_strings(x, vals[RTG_SEL_NAMESPACE], "namespaces",
			      &s->namespace);
	if (vals[RTG_SEL_POD])
		parse_names(x, vals[RTG_SEL_POD], "pod", s->pod);
	if (vals[RTG_SEL_CONTAINER])
		parse_names(x, vals[RTG_SEL_CONTAINER], "container",
			    s->container);
	if (vals[RTG_SEL_IMAGE])
		parse_names(x, vals[RTG_SEL_IMAGE], "image", s->image);
	if (vals[RTG_SEL_LABELS])
		parse_labels(x, vals[RTG_SEL_LABELS], s);
	if (x->nerr != errs) {
		policy_selector_free(s);
		return NULL;
	}
	return s;
}

void policy_selector_free(struct rtg_selector *s)
{
	int i;

	if (!s)
		return;
	policy_strlist_free(&s->namespace);
	for (i = 0; i < RTG_NSTROPS; i++) {
		policy_strlist_free(&s->pod[i]);
		policy_strlist_free(&s->container[i]);
		policy_strlist_free(&s->image[i]);
	}
	for (i = 0; i < s->nlabels; i++) {
		free(s->labels[i].key);
		policy_strlist_free(&s->labels[i].values);
	}
	free(s);
}

static int strlist_dup(struct rtg_strlist *dst, const struct rtg_strlist *src)
{
	int i;

	memset(dst, 0, sizeof(*dst));
	for (i = 0; i < src->n; i++)
		if (policy_strlist_push(dst, src->v[i]) < 0)
			return -ENOMEM;
	return 0;
}

struct rtg_selector *policy_selector_dup(const struct rtg_selector *s)
{
	struct rtg_selector *d = calloc(1, sizeof(*d));
	int i, err = 0;

	if (!d)
		return NULL;
	d->keys = s->keys;
	d->host = s->host;
	d->line = s->line;
	d->col = s->col;
	err |= strlist_dup(&d->namespace, &s->namespace);
	for (i = 0; i < RTG_NSTROPS; i++) {
		err |= strlist_dup(&d->pod[i], &s->pod[i]);
		err |= strlist_dup(&d->container[i], &s->container[i]);
		err |= strlist_dup(&d->image[i], &s->image[i]);
	}
	for (i = 0; i < s->nlabels; i++) {
		d->labels[i].key = strdup(s->labels[i].key);
		d->nlabels = i + 1;
		if (!d->labels[i].key)
			err = -ENOMEM;
		err |= strlist_dup(&d->labels[i].values, &s->labels[i].values);
	}
	if (err) {
		policy_selector_free(d);
		return NULL;
	}
	return d;
}

static bool in_list(const struct rtg_strlist *l, const char *v)
{
	int i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], v))
			return true;
	return false;
}

/* v against {equal, prefix, suffix}: any one holds */
static bool names_match(const struct rtg_strlist ops[RTG_NSTROPS],
			const char *v)
{
	size_t n, m;
	int i;

	if (!v)
		return false;
	n = strlen(v);
	if (in_list(&ops[RTG_STR_EQUAL], v))
		return true;
	for (i = 0; i < ops[RTG_STR_PREFIX].n; i++) {
		m = strlen(ops[RTG_STR_PREFIX].v[i]);
		if (m <= n && !memcmp(v, ops[RTG_STR_PREFIX].v[i], m))
			return true;
	}
	for (i = 0; i < ops[RTG_STR_SUFFIX].n; i++) {
		m = strlen(ops[RTG_STR_SUFFIX].v[i]);
		if (m <= n && !memcmp(v + n - m, ops[RTG_STR_SUFFIX].v[i], m))
			return true;
	}
	return false;
}

static const char *label_of(const struct rtg_sel_facts *f, const char *key)
{
	size_t i;

	for (i = 0; i < f->nlabels; i++)
		if (f->label_keys[i] && !strcmp(f->label_keys[i], key))
			return f->label_values[i];
	return NULL;
}

bool policy_selector_match(const struct rtg_selector *s,
			   const struct rtg_sel_facts *f)
{
	int i;

#define HAS(k) (s->keys & (1u << (k)))
	if (HAS(RTG_SEL_HOST) && s->host != f->host)
		return false;
	if (HAS(RTG_SEL_NAMESPACE) &&
	    (!f->namespace || !in_list(&s->namespace, f->namespace)))
		return false;
	if (HAS(RTG_SEL_POD) && !names_match(s->pod, f->pod))
		return false;
	if (HAS(RTG_SEL_CONTAINER) && !names_match(s->container, f->container))
		return false;
	if (HAS(RTG_SEL_IMAGE) && !names_match(s->image, f->image))
		return false;
	for (i = 0; HAS(RTG_SEL_LABELS) && i < s->nlabels; i++) {
		const char *v = label_of(f, s->labels[i].key);

		if (!v || !in_list(&s->labels[i].values, v))
			return false;
	}
#undef HAS
	return true;
}

/* ", " or " or " joined list into buf at *off */
static void put(char *buf, size_t len, size_t *off, const char *fmt,
		const char *s)
{
	int n;

	if (*off >= len)
		return;
	n = snprintf(buf + *off, len - *off, fmt, s);
	if (n > 0)
		*off += (size_t)n;
}

static void put_list(char *buf, size_t len, size_t *off, const char *lead,
		     const struct rtg_strlist *l, bool *first)
{
	int i;

	if (!l->n)
		return;
	put(buf, len, off, "%s", *first ? "" : " or ");
	*first = false;
	put(buf, len, off, "%s", lead);
	for (i = 0; i < l->n; i++)
		put(buf, len, off, i ? " or %s" : "%s", l->v[i]);
}

static void put_names(char *buf, size_t len, size_t *off, const char *key,
		      const struct rtg_strlist ops[RTG_NSTROPS])
{
	static const char *const lead[RTG_NSTROPS] = {"is ", "starts with ",
						      "ends with "};
	bool first = true;
	int op;

	put(buf, len, off, "%s ", key);
	for (op = 0; op < RTG_NSTROPS; op++)
		put_list(buf, len, off, lead[op], &ops[op], &first);
}

char *policy_selector_text(const struct rtg_selector *s)
{
	size_t len = 4096, off = 0;
	char *buf = malloc(len);
	bool first;
	int i;

	if (!buf)
		return NULL;
	buf[0] = '\0';
#define AND() put(buf, len, &off, "%s", off ? " and " : "")
	if (s->keys & (1u << RTG_SEL_HOST)) {
		AND();
		put(buf, len, &off, "%s",
		    s->host ? "on the host" : "in a container");
	}
	if (s->keys & (1u << RTG_SEL_NAMESPACE)) {
		AND();
		first = true;
		put_list(buf, len, &off, "namespace is ", &s->namespace,
			 &first);
	}
	if (s->keys & (1u << RTG_SEL_POD)) {
		AND();
		put_names(buf, len, &off, "pod", s->pod);
	}
	if (s->keys & (1u << RTG_SEL_CONTAINER)) {
		AND();
		put_names(buf, len, &off, "container", s->container);
	}
	if (s->keys & (1u << RTG_SEL_IMAGE)) {
		AND();
		put_names(buf, len, &off, "image", s->image);
	}
	for (i = 0; i < s->nlabels; i++) {
		AND();
		put(buf, len, &off, "label %s", s->labels[i].key);
		first = true;
		put_list(buf, len, &off, " is ", &s->labels[i].values, &first);
	}
#undef AND
	return buf;
}

struct rtg_backends policy_selector_backends(const struct rtg_policy *pol,
					     const struct rtg_backends *be)
{
	struct rtg_backends b = *be;

	if (pol->sel)
		b.fanotify = false;
	return b;
}

int policy_selectors_compile(const struct rtg_policy_set *set,
			     struct rtg_compiled *c)
{
	const struct rtg_sel_facts host = {.host = true};
	struct rtg_selset *ss = &c->rs.sel;
	int p;

	memset(ss, 0, sizeof(*ss));
	for (p = 0; p < set->npolicies && p < RTG_MAX_POLICIES; p++) {
		const struct rtg_selector *s = set->policies[p].sel;

		ss->all |= 1u << p;
		if (!s)
			continue;
		c->sel[p] = policy_selector_dup(s);
		if (!c->sel[p])
			return -ENOMEM;
		ss->scoped |= 1u << p;
		if (policy_selector_match(s, &host))
			ss->host |= 1u << p;
	}
	return 0;
}

uint32_t policy_selectors_match(const struct rtg_compiled *c,
				const struct rtg_sel_facts *f)
{
	uint32_t m = 0;
	int p;

	for (p = 0; p < c->npolicies && p < RTG_MAX_POLICIES; p++)
		if (c->sel[p] && policy_selector_match(c->sel[p], f))
			m |= 1u << p;
	return m;
}

void policy_hookset_only(struct rtg_hookset *hs, uint32_t applies)
{
	int p;

	for (p = 0; p < RTG_MAX_POLICIES; p++) {
		if (applies & (1u << p))
			continue;
		hs->pmask[p] = 0;
		hs->def_action[p] = RTG_ACT_ALLOW;
	}
}

void policy_decide_selected(const struct rtg_compiled *c, uint32_t applies,
			    uint64_t cand_m, uint64_t cand_u, const char *args,
			    size_t len, struct rtg_verdict *v)
{
	struct rtg_compiled *m = malloc(sizeof(*m));

	if (!m) {
		rtg_verdict_init(v);
		return;
	}
	/* the exec rules with the other policies silenced: no rule bits,
	 * allow by default */
	memcpy(m, c, sizeof(*m));
	policy_hookset_only(&m->rs.h[RTG_HOOK_EXEC], applies);
	policy_decide_args(m, cand_m, cand_u, args, len, v);
	free(m);
}
