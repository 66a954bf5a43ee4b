// SPDX-License-Identifier: GPL-2.0
/*
 * Policy parser (DESIGN.md §4): libyaml's document API builds the node tree
 * with marks; this file walks it by schema (never recursively by shape, so
 * alias cycles and deep nesting only ever produce type errors), checks every
 * value and limit, and collects all errors of a file with file:line:col.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "names.h"
#include "log.h"
#include "policy.h"

static const char *const key_names[RTG_NKEYS] = {
    "path",  "binary",	 "flags", "uid",       "daddr",
    "dport", "protocol", "args",  "container",
};
static const char *const flag_names[RTG_NFLAGS] = {"read", "write", "create",
						   "truncate"};
static const char *const strop_names[RTG_NSTROPS] = {"equal", "prefix",
						     "suffix"};
static const char *const policy_keys[] = {"name", "description", "defaults",
					  "rules"};
static const char *const rule_keys[] = {"name", "on", "match", "unless",
					"action"};
static const char *const args_keys[] = {"contains"};

enum { PK_NAME, PK_DESC, PK_DEFAULTS, PK_RULES, PK_N };
enum { RK_NAME, RK_ON, RK_MATCH, RK_UNLESS, RK_ACTION, RK_N };

#define KEYBIT(k) (1u << (k))
/* the match keys each hook takes */
static const uint32_t hook_keys[RTG_NHOOKS] = {
    [RTG_HOOK_EXEC] = KEYBIT(RTG_KEY_PATH) | KEYBIT(RTG_KEY_BINARY) |
		      KEYBIT(RTG_KEY_UID) | KEYBIT(RTG_KEY_ARGS) |
		      KEYBIT(RTG_KEY_CONTAINER),
    [RTG_HOOK_OPEN] = KEYBIT(RTG_KEY_PATH) | KEYBIT(RTG_KEY_BINARY) |
		      KEYBIT(RTG_KEY_FLAGS) | KEYBIT(RTG_KEY_UID) |
		      KEYBIT(RTG_KEY_CONTAINER),
    [RTG_HOOK_CONNECT] = KEYBIT(RTG_KEY_BINARY) | KEYBIT(RTG_KEY_UID) |
			 KEYBIT(RTG_KEY_DADDR) | KEYBIT(RTG_KEY_DPORT) |
			 KEYBIT(RTG_KEY_PROTO) | KEYBIT(RTG_KEY_CONTAINER),
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))


const char *policy_flag_name(int flag)
{
	return flag >= 0 && flag < RTG_NFLAGS ? flag_names[flag] : "?";
}

const char *policy_strop_name(int op)
{
	return op >= 0 && op < RTG_NSTROPS ? strop_names[op] : "?";
}

/* ---- set and errors ---------------------------------------------------- */

struct rtg_policy_set *policy_set_new(void)
{
	return calloc(1, sizeof(struct rtg_policy_set));
}

void policy_strlist_free(struct rtg_strlist *l)
{
	int i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static void clause_free(struct rtg_clause *c)
{
	int i;

	for (i = 0; i < RTG_NSTROPS; i++) {
		policy_strlist_free(&c->path[i]);
		policy_strlist_free(&c->binary[i]);
	}
	policy_strlist_free(&c->args);
	free(c->daddr);
	free(c->dport);
	free(c->uid);
	memset(c, 0, sizeof(*c));
}

static void rule_free(struct rtg_rule *r)
{
	free(r->name);
	clause_free(&r->match);
	clause_free(&r->unless);
}

static void policy_free(struct rtg_policy *p)
{
	int i;

	for (i = 0; i < p->nrules; i++)
		rule_free(&p->rules[i]);
	free(p->rules);
	free(p->name);
	free(p->description);
	free(p->file);
	memset(p, 0, sizeof(*p));
}

void policy_set_free(struct rtg_policy_set *set)
{
	int i;

	if (!set)
		return;
	for (i = 0; i < set->npolicies; i++)
		policy_free(&set->policies[i]);
	free(set->policies);
	for (i = 0; i < set->nerrors; i++) {
		free(set->errors[i].file);
		free(set->errors[i].msg);
		free(set->errors[i].text);
	}
	free(set->errors);
	free(set);
}

static void set_add_verror(struct rtg_policy_set *set, const char *file,
			   int line, int col, const char *fmt, va_list ap)
{
	struct rtg_policy_error *e, *errs;
	char *msg = NULL, *text = NULL, *f = NULL;
	int n;

	errs = realloc(set->errors, (set->nerrors + 1) * sizeof(*errs));
	if (!errs)
		goto oom;
	set->errors = errs;
	if (vasprintf(&msg, fmt, ap) < 0) {
		msg = NULL;
		goto oom;
	}
	if (line > 0)
		n = asprintf(&text, "%s:%d:%d: %s", file, line, col, msg);
	else
		n = asprintf(&text, "%s: %s", file, msg);
	if (n < 0) {
		text = NULL;
		goto oom;
	}
	f = strdup(file);
	if (!f)
		goto oom;
	e = &set->errors[set->nerrors++];
	e->file = f;
	e->line = line;
	e->col = col;
	e->msg = msg;
	e->text = text;
	return;
oom:
	free(msg);
	free(text);
	free(f);
	log_err("out of memory recording a policy error for %s", file);
}

void policy_set_add_error(struct rtg_policy_set *set, const char *file,
			  int line, int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_add_verror(set, file, line, col, fmt, ap);
	va_end(ap);
}

/* ---- parse context ----------------------------------------------------- */

struct pctx {
	struct rtg_policy_set *set;
	const char *file;
	yaml_document_t *doc;
	int nerr;     /* errors of this input */
	bool stop;    /* error limit reached */
	int doc_errs; /* errors when the current document started */
	/* totals of the current policy, not yet in set */
	int nrules[RTG_NHOOKS];
	int nstrings, ncidrs, nuids;
	bool warned_rules[RTG_NHOOKS], warned_strings, warned_cidrs,
	    warned_uids;
};

static void perr_at(struct pctx *x, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void perr_at(struct pctx *x, int line, int col, const char *fmt, ...)
{
	va_list ap;

	if (x->stop)
		return;
	if (x->nerr >= RTG_MAX_FILE_ERRORS) {
		policy_set_add_error(x->set, x->file, line, col,
				     "too many errors, stopping after %d",
				     RTG_MAX_FILE_ERRORS);
		x->stop = true;
		return;
	}
	x->nerr++;
	va_start(ap, fmt);
	set_add_verror(x->set, x->file, line, col, fmt, ap);
	va_end(ap);
}

#define perr(x, n, ...)                                                        \
	perr_at((x), (int)(n)->start_mark.line + 1,                            \
		(int)(n)->start_mark.column + 1, __VA_ARGS__)

static yaml_node_t *node_at(struct pctx *x, int idx)
{
	return yaml_document_get_node(x->doc, idx);
}

static bool is_null(const yaml_node_t *n)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE)
		return false;
	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	v = (const char *)n->data.scalar.value;
	return !*v || !strcmp(v, "~") || !strcmp(v, "null") ||
	       !strcmp(v, "Null") || !strcmp(v, "NULL");
}

static const char *kind_of(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_SCALAR_NODE:
		return is_null(n) ? "an empty value" : "a scalar";
	default:
		return "nothing";
	}
}

static const char *sval(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* a non-empty scalar without NUL bytes */
static bool want_string(struct pctx *x, const yaml_node_t *n, const char *what)
{
	if (n->type != YAML_SCALAR_NODE || is_null(n)) {
		perr(x, n, "expected %s, got %s", what, kind_of(n));
		return false;
	}
	if (strlen(sval(n)) != n->data.scalar.length) {
		perr(x, n, "%s contains a NUL byte", what);
		return false;
	}
	return true;
}

static void join_names(char *buf, size_t len, const char *const *names, int n,
		       uint32_t mask)
{
	size_t off = 0;
	int i;

	buf[0] = 0;
	for (i = 0; i < n && off < len; i++) {
		if (!(mask & (1u << i)))
			continue;
		off += snprintf(buf + off, len - off, "%s%s", off ? ", " : "",
				names[i]);
	}
}

/*
 * Checks that `n` is a mapping with string keys out of `names` (each at most
 * once) and fills vals[]/keys[] by index. `where` names the mapping in
 * messages, `expected` lists the valid keys. Returns false when `n` is not
 * a mapping; unknown and duplicate keys are reported and skipped.
 */
static bool get_mapping(struct pctx *x, yaml_node_t *n, const char *what,
			const char *where, const char *const *names, int nnames,
			uint32_t allowed, yaml_node_t **keys,
			yaml_node_t **vals)
{
	yaml_node_pair_t *pr;
	char expected[256];
	int i;

	for (i = 0; i < nnames; i++)
		keys[i] = vals[i] = NULL;
	if (n->type != YAML_MAPPING_NODE) {
		perr(x, n, "expected %s, got %s", what, kind_of(n));
		return false;
	}
	join_names(expected, sizeof(expected), names, nnames, allowed);
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *k = node_at(x, pr->key);
		yaml_node_t *v = node_at(x, pr->value);

		if (x->stop)
			return true;
		if (!k || !v)
			continue;
		if (k->type != YAML_SCALAR_NODE) {
			perr(x, k, "expected a key (one of: %s) in %s, got %s",
			     expected, where, kind_of(k));
			continue;
		}
		for (i = 0; i < nnames; i++)
			if (!strcmp(sval(k), names[i]))
				break;
		if (i == nnames) {
			perr(x, k,
			     "unknown key '%s' in %s (expected one of: %s)",
			     sval(k), where, expected);
			continue;
		}
		if (keys[i]) {
			perr(
			    x, k, "duplicate key '%s' in %s (first at line %d)",
			    names[i], where, (int)keys[i]->start_mark.line + 1);
			continue;
		}
		keys[i] = k;
		vals[i] = v;
	}
	return true;
}

/* A list of values: a sequence, or one scalar standing for a one-element
 * list. */
struct vlist {
	yaml_node_t *single;
	yaml_node_item_t *items;
	int n;
};

static bool get_list(struct pctx *x, yaml_node_t *n, const char *what,
		     struct vlist *l)
{
	l->single = NULL;
	l->items = NULL;
	l->n = 0;
	if (n->type == YAML_SCALAR_NODE && !is_null(n)) {
		l->single = n;
		l->n = 1;
		return true;
	}
	if (n->type != YAML_SEQUENCE_NODE) {
		perr(x, n, "expected a list of %s, got %s", what, kind_of(n));
		return false;
	}
	l->items = n->data.sequence.items.start;
	l->n = (int)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (l->n == 0) {
		perr(x, n, "empty list: expected at least one of %s", what);
		return false;
	}
	if (l->n > RTG_MAX_LIST) {
		perr(x, n, "too many values: %d (limit %d per list)", l->n,
		     RTG_MAX_LIST);
		return false;
	}
	return true;
}

static yaml_node_t *list_at(struct pctx *x, const struct vlist *l, int i)
{
	return l->single ? l->single : node_at(x, l->items[i]);
}

static int lookup_name(const char *s, const char *const *names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

static int parse_action(struct pctx *x, yaml_node_t *n)
{
	int a;

	if (!want_string(x, n, "an action (audit, deny, kill or allow)"))
		return -1;
	a = action_parse(sval(n));
	if (a < 0)
		perr(x, n,
		     "bad action '%s' (expected one of: audit, deny, kill, "
		     "allow)",
		     sval(n));
	return a;
}

/* ---- values ------------------------------------------------------------ */

static bool parse_uint(const char *s, unsigned long long max,
		       unsigned long long *out)
{
	unsigned long long v = 0;
	int i;

	if (!*s)
		return false;
	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 12)
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

static bool canonical_path(const char *s)
{
	const char *p;

	for (p = s; *p; p++) {
		if (*p != '/')
			continue;
		if (p[1] == '/')
			return false;
		if (p[1] == '.' && (p[2] == '/' || p[2] == 0))
			return false;
		if (p[1] == '.' && p[2] == '.' && (p[3] == '/' || p[3] == 0))
			return false;
	}
	return true;
}

int policy_strlist_push(struct rtg_strlist *l, const char *s)
{
	char **v, *d;

	d = strdup(s);
	if (!d)
		return -ENOMEM;
	v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (!v) {
		free(d);
		return -ENOMEM;
	}
	l->v = v;
	l->v[l->n++] = d;
	return 0;
}

static bool count_limit(struct pctx *x, yaml_node_t *n, int *pending, int have,
			int limit, bool *warned, const char *what)
{
	if (have + *pending + 1 > limit) {
		if (!*warned)
			perr(
			    x, n,
			    "too many %s across all loaded policies (limit %d)",
			    what, limit);
		*warned = true;
		return false;
	}
	(*pending)++;
	return true;
}

static int nomem(struct pctx *x, yaml_node_t *n)
{
	perr(x, n, "out of memory");
	x->stop = true;
	return -ENOMEM;
}

/* path: / binary: { equal: [...], prefix: [...], suffix: [...] } */
static void parse_strmatch(struct pctx *x, yaml_node_t *n, const char *key,
			   const char *where, struct rtg_strlist *out)
{
	yaml_node_t *keys[RTG_NSTROPS], *vals[RTG_NSTROPS];
	char what[64], inwhere[96];
	int op, i, any = 0;

	snprintf(what, sizeof(what), "a mapping with equal, prefix or suffix");
	snprintf(inwhere, sizeof(inwhere), "%s.%s", where, key);
	if (!get_mapping(x, n, what, inwhere, strop_names, RTG_NSTROPS,
			 (1u << RTG_NSTROPS) - 1, keys, vals))
		return;
	for (op = 0; op < RTG_NSTROPS; op++) {
		struct vlist l;

		if (!vals[op])
			continue;
		any = 1;
		if (!get_list(x, vals[op], "paths", &l))
			continue;
		for (i = 0; i < l.n && !x->stop; i++) {
			yaml_node_t *v = list_at(x, &l, i);
			const char *s;
			size_t len;

			if (!v || !want_string(x, v, "a path"))
				continue;
			s = sval(v);
			len = strlen(s);
			if (op == RTG_STR_SUFFIX) {
				if (len > RTG_SUFFIX_MAX) {
					perr(x, v,
					     "suffix is %zu bytes long (limit "
					     "%d)",
					     len, RTG_SUFFIX_MAX);
					continue;
				}
			} else {
				if (s[0] != '/') {
					perr(x, v,
					     "path '%s' must be absolute "
					     "(start with '/')",
					     s);
					continue;
				}
				if (len > RTG_PATH_STR_MAX) {
					perr(x, v,
					     "path is %zu bytes long (limit %d "
					     "for %s)",
					     len, RTG_PATH_STR_MAX,
					     strop_names[op]);
					continue;
				}
				if (!canonical_path(s)) {
					perr(x, v,
					     "path '%s' is not canonical (no "
					     "'//', '/./' or '/../': rules see "
					     "resolved paths)",
					     s);
					continue;
				}
			}
			if (!count_limit(x, v, &x->nstrings, x->set->nstrings,
					 RTG_MAX_STRINGS, &x->warned_strings,
					 "path/binary strings"))
				continue;
			if (policy_strlist_push(&out[op], s) < 0) {
				nomem(x, v);
				return;
			}
		}
	}
	if (!any && !x->stop)
		perr(x, n, "empty %s: expected equal, prefix or suffix", key);
}

static bool parse_cidr(const char *s, struct rtg_cidr *c, char *why,
		       size_t whylen)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long long bits;
	int maxbits, i;

	memset(c, 0, sizeof(*c));
	if (alen == 0 || alen >= sizeof(buf)) {
		snprintf(why, whylen, "not an IPv4 or IPv6 address");
		return false;
	}
	memcpy(buf, s, alen);
	buf[alen] = 0;
	if (strchr(buf, ':')) {
		c->family = 6;
		maxbits = 128;
		if (inet_pton(AF_INET6, buf, c->addr) != 1) {
			snprintf(why, whylen, "not an IPv6 address");
			return false;
		}
	} else {
		c->family = 4;
		maxbits = 32;
		if (inet_pton(AF_INET, buf, c->addr) != 1) {
			snprintf(why, whylen, "not an IPv4 address");
			return false;
		}
	}
	bits = (unsigned long long)maxbits;
	if (slash &&
	    !parse_uint(slash + 1, (unsigned long long)maxbits, &bits)) {
		snprintf(why, whylen, "prefix length must be 0-%d", maxbits);
		return false;
	}
	c->bits = (uint8_t)bits;
	for (i = 0; i < maxbits; i++) {
		if (i < c->bits)
			continue;
		if (c->addr[i / 8] & (0x80 >> (i % 8))) {
			snprintf(why, whylen,
				 "address has bits set beyond the /%u prefix",
				 c->bits);
			return false;
		}
	}
	/* ::ffff:a.b.c.d/96+n -> a.b.c.d/n */
	if (c->family == 6 && c->bits >= 96) {
		static const uint8_t mapped[12] = {0, 0, 0, 0, 0,    0,
						   0, 0, 0, 0, 0xff, 0xff};

		if (!memcmp(c->addr, mapped, 12)) {
			c->family = 4;
			c->bits -= 96;
			memmove(c->addr, c->addr + 12, 4);
			memset(c->addr + 4, 0, 12);
		}
	}
	return true;
}

static int push_mem(void **arr, int *n, size_t size, const void *v)
{
	char *a = realloc(*arr, (*n + 1) * size);

	if (!a)
		return -ENOMEM;
	memcpy(a + *n * size, v, size);
	*arr = a;
	(*n)++;
	return 0;
}

static void parse_daddr(struct pctx *x, yaml_node_t *n, struct rtg_clause *c)
{
	struct vlist l;
	int i;

	if (!get_list(x, n, "CIDRs", &l))
		return;
	for (i = 0; i < l.n && !x->stop; i++) {
		yaml_node_t *v = list_at(x, &l, i);
		struct rtg_cidr cidr;
		char why[96];

		if (!v || !want_string(x, v, "a CIDR"))
			continue;
		if (!parse_cidr(sval(v), &cidr, why, sizeof(why))) {
			perr(x, v, "bad CIDR '%s': %s", sval(v), why);
			continue;
		}
		if (!count_limit(x, v, &x->ncidrs, x->set->ncidrs,
				 RTG_MAX_CIDRS, &x->warned_cidrs, "CIDRs"))
			continue;
		if (push_mem((void **)&c->daddr, &c->ndaddr, sizeof(cidr),
			     &cidr) < 0) {
			nomem(x, v);
			return;
		}
	}
}

static void parse_dport(struct pctx *x, yaml_node_t *n, struct rtg_clause *c)
{
	struct vlist l;
	int i;

	if (!get_list(x, n, "ports", &l))
		return;
	for (i = 0; i < l.n && !x->stop; i++) {
		yaml_node_t *v = list_at(x, &l, i);
		unsigned long long lo, hi;
		struct rtg_portrange r;
		const char *s, *dash;
		char buf[16];

		if (!v || !want_string(x, v, "a port or a range \"A-B\""))
			continue;
		s = sval(v);
		dash = strchr(s, '-');
		if (!dash) {
			if (!parse_uint(s, ~0ULL, &lo)) {
				perr(x, v,
				     "bad port '%s' (expected a number 1-65535 "
				     "or a range \"A-B\")",
				     s);
				continue;
			}
			hi = lo;
		} else {
			size_t alen = (size_t)(dash - s);

			if (alen >= sizeof(buf)) {
				perr(x, v,
				     "bad range '%s' (expected \"A-B\" with 1 "
				     "<= A <= B <= 65535)",
				     s);
				continue;
			}
			memcpy(buf, s, alen);
			buf[alen] = 0;
			if (!parse_uint(buf, ~0ULL, &lo) ||
			    !parse_uint(dash + 1, ~0ULL, &hi)) {
				perr(x, v,
				     "bad range '%s' (expected \"A-B\" with 1 "
				     "<= A <= B <= 65535)",
				     s);
				continue;
			}
		}
		if (lo < 1 || lo > 65535 || hi < 1 || hi > 65535) {
			perr(x, v,
			     "port out of range in '%s' (expected 1-65535)", s);
			continue;
		}
		if (lo > hi) {
			perr(x, v, "bad range '%s': %llu > %llu", s, lo, hi);
			continue;
		}
		r.lo = (uint16_t)lo;
		r.hi = (uint16_t)hi;
		if (push_mem((void **)&c->dport, &c->ndport, sizeof(r), &r) <
		    0) {
			nomem(x, v);
			return;
		}
	}
}

static void parse_uids(struct pctx *x, yaml_node_t *n, struct rtg_clause *c)
{
	struct vlist l;
	int i;

	if (!get_list(x, n, "uids", &l))
		return;
	for (i = 0; i < l.n && !x->stop; i++) {
		yaml_node_t *v = list_at(x, &l, i);
		unsigned long long u;
		uint32_t u32;

		if (!v || !want_string(x, v, "a numeric uid"))
			continue;
		if (!parse_uint(sval(v), 0xfffffffeULL, &u)) {
			perr(x, v,
			     "bad uid '%s' (expected a number 0-4294967294)",
			     sval(v));
			continue;
		}
		if (!count_limit(x, v, &x->nuids, x->set->nuids, RTG_MAX_UIDS,
				 &x->warned_uids, "uid values"))
			continue;
		u32 = (uint32_t)u;
		if (push_mem((void **)&c->uid, &c->nuid, sizeof(u32), &u32) <
		    0) {
			nomem(x, v);
			return;
		}
	}
}

static void parse_names_mask(struct pctx *x, yaml_node_t *n, const char *what,
			     const char *const *names, int nnames,
			     const char *expected, uint8_t *mask)
{
	struct vlist l;
	int i, k;

	if (!get_list(x, n, what, &l))
		return;
	for (i = 0; i < l.n && !x->stop; i++) {
		yaml_node_t *v = list_at(x, &l, i);

		if (!v || !want_string(x, v, expected))
			continue;
		k = lookup_name(sval(v), names, nnames);
		if (k < 0) {
			perr(x, v, "unknown %s '%s' (expected one of: %s)",
			     what, sval(v), expected);
			continue;
		}
		*mask |= (uint8_t)(1u << k);
	}
}

static void parse_args(struct pctx *x, yaml_node_t *n, const char *where,
		       struct rtg_clause *c)
{
	yaml_node_t *keys[1], *vals[1];
	char inwhere[64];
	struct vlist l;
	int i;

	snprintf(inwhere, sizeof(inwhere), "%s.args", where);
	if (!get_mapping(x, n, "a mapping with contains", inwhere, args_keys, 1,
			 1, keys, vals))
		return;
	if (!vals[0]) {
		if (!x->stop)
			perr(x, n, "empty args: expected contains");
		return;
	}
	if (!get_list(x, vals[0], "strings", &l))
		return;
	if (l.n > RTG_ARGS_PER_RULE) {
		perr(x, vals[0], "too many args strings: %d (limit %d)", l.n,
		     RTG_ARGS_PER_RULE);
		return;
	}
	for (i = 0; i < l.n && !x->stop; i++) {
		yaml_node_t *v = list_at(x, &l, i);
		size_t len;

		if (!v || !want_string(x, v, "a string"))
			continue;
		len = strlen(sval(v));
		if (len > RTG_ARGS_STR_MAX) {
			perr(x, v, "args string is %zu bytes long (limit %d)",
			     len, RTG_ARGS_STR_MAX);
			continue;
		}
		if (policy_strlist_push(&c->args, sval(v)) < 0) {
			nomem(x, v);
			return;
		}
	}
}

/* match: / unless: */
static void parse_clause(struct pctx *x, yaml_node_t *n, int hook,
			 const char *where, struct rtg_clause *c)
{
	yaml_node_t *keys[RTG_NKEYS], *vals[RTG_NKEYS];
	uint32_t allowed = hook >= 0 ? hook_keys[hook] : (1u << RTG_NKEYS) - 1;
	char what[48], expected[160];
	int k;

	snprintf(what, sizeof(what), "a mapping of %s keys", where);
	if (!get_mapping(x, n, what, where, key_names, RTG_NKEYS, allowed, keys,
			 vals))
		return;
	if (n->data.mapping.pairs.top == n->data.mapping.pairs.start) {
		perr(x, n, "empty %s: expected at least one key", where);
		return;
	}
	join_names(expected, sizeof(expected), key_names, RTG_NKEYS,
		   hook >= 0 ? hook_keys[hook] : 0);
	for (k = 0; k < RTG_NKEYS && !x->stop; k++) {
		yaml_node_t *v = vals[k];

		if (!v)
			continue;
		if (hook >= 0 && !(hook_keys[hook] & KEYBIT(k))) {
			perr(x, keys[k],
			     "key '%s' is not allowed in a rule on: %s (%s "
			     "rules take: %s)",
			     key_names[k], hook_name(hook), hook_name(hook),
			     expected);
			continue;
		}
		c->keys |= KEYBIT(k);
		switch (k) {
		case RTG_KEY_PATH:
			parse_strmatch(x, v, "path", where, c->path);
			break;
		case RTG_KEY_BINARY:
			parse_strmatch(x, v, "binary", where, c->binary);
			break;
		case RTG_KEY_FLAGS:
			parse_names_mask(x, v, "flag", flag_names, RTG_NFLAGS,
					 "read, write, create, truncate",
					 &c->flags);
			break;
		case RTG_KEY_UID:
			parse_uids(x, v, c);
			break;
		case RTG_KEY_DADDR:
			parse_daddr(x, v, c);
			break;
		case RTG_KEY_DPORT:
			parse_dport(x, v, c);
			break;
		case RTG_KEY_PROTO:
			parse_names_mask(x, v, "protocol", rtg_proto_names,
					 RTG_NPROTOS, "tcp, udp", &c->proto);
			break;
		case RTG_KEY_ARGS:
			parse_args(x, v, where, c);
			break;
		case RTG_KEY_CONTAINER:
			if (v->type == YAML_SCALAR_NODE &&
			    !strcmp(sval(v), "true"))
				c->container = true;
			else if (v->type == YAML_SCALAR_NODE &&
				 !strcmp(sval(v), "false"))
				c->container = false;
			else
				perr(x, v, "expected true or false, got %s",
				     v->type == YAML_SCALAR_NODE
					 ? (is_null(v) ? "an empty value"
						       : sval(v))
					 : kind_of(v));
			break;
		}
	}
}

static bool valid_name(const char *s, bool rule)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > RTG_NAME_MAX)
		return false;
	for (i = 0; i < n; i++) {
		char ch = s[i];

		if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		    ch == '-')
			continue;
		if (rule &&
		    ((ch >= 'A' && ch <= 'Z') || ch == '_' || ch == '.'))
			continue;
		return false;
	}
	return true;
}

static void parse_rule(struct pctx *x, yaml_node_t *n, struct rtg_policy *p,
		       yaml_node_t **name_nodes, struct rtg_rule *r)
{
	yaml_node_t *keys[RK_N], *vals[RK_N];
	int i;

	memset(r, 0, sizeof(*r));
	r->hook = -1;
	r->line = (int)n->start_mark.line + 1;
	r->col = (int)n->start_mark.column + 1;
	if (!get_mapping(x, n,
			 "a rule (a mapping with name, on, match, action)",
			 "rule", rule_keys, RK_N, (1u << RK_N) - 1, keys, vals))
		return;
	if (vals[RK_NAME] && want_string(x, vals[RK_NAME], "a rule name")) {
		const char *s = sval(vals[RK_NAME]);

		if (!valid_name(s, true)) {
			perr(x, vals[RK_NAME],
			     "invalid rule name '%s' (expected "
			     "[A-Za-z0-9._-]+, at most %d bytes)",
			     s, RTG_NAME_MAX);
		} else {
			for (i = 0; i < p->nrules; i++) {
				if (!name_nodes[i] || !p->rules[i].name ||
				    strcmp(p->rules[i].name, s))
					continue;
				perr(x, vals[RK_NAME],
				     "duplicate rule name '%s' (first at line "
				     "%d)",
				     s,
				     (int)name_nodes[i]->start_mark.line + 1);
				break;
			}
			r->name = strdup(s);
			if (!r->name) {
				nomem(x, n);
				return;
			}
		}
	} else if (!vals[RK_NAME]) {
		perr(x, n, "rule is missing required key 'name'");
	}
	if (vals[RK_ON] &&
	    want_string(x, vals[RK_ON],
			"an event type (exec, open or connect)")) {
		r->hook =
		    hook_parse(sval(vals[RK_ON]));
		if (r->hook < 0)
			perr(x, vals[RK_ON],
			     "bad event type '%s' in on (expected one of: "
			     "exec, open, connect)",
			     sval(vals[RK_ON]));
	} else if (!vals[RK_ON]) {
		perr(x, n,
		     "rule is missing required key 'on' (expected exec, open "
		     "or connect)");
	}
	if (r->hook >= 0) {
		if (x->set->nrules[r->hook] + x->nrules[r->hook] + 1 >
		    RTG_MAX_RULES) {
			if (!x->warned_rules[r->hook])
				perr(
				    x, vals[RK_ON],
				    "too many rules on %s: the limit is %d per "
				    "event type across all loaded policies",
				    hook_name(r->hook), RTG_MAX_RULES);
			x->warned_rules[r->hook] = true;
		}
		x->nrules[r->hook]++;
	}
	if (vals[RK_ACTION]) {
		int a = parse_action(x, vals[RK_ACTION]);

		if (a >= 0)
			r->action = (uint8_t)a;
	} else {
		perr(x, n,
		     "rule is missing required key 'action' (expected audit, "
		     "deny, kill or allow)");
	}
	if (vals[RK_MATCH])
		parse_clause(x, vals[RK_MATCH], r->hook, "match", &r->match);
	else
		perr(x, n, "rule is missing required key 'match'");
	if (vals[RK_UNLESS]) {
		r->has_unless = true;
		parse_clause(x, vals[RK_UNLESS], r->hook, "unless", &r->unless);
	}
}

static void parse_defaults(struct pctx *x, yaml_node_t *n, struct rtg_policy *p)
{
	yaml_node_t *keys[RTG_NHOOKS], *vals[RTG_NHOOKS];
	int h, a;

	if (!get_mapping(x, n, "a mapping of event type to action", "defaults",
			 rtg_hook_names, RTG_NHOOKS, (1u << RTG_NHOOKS) - 1, keys,
			 vals))
		return;
	for (h = 0; h < RTG_NHOOKS; h++) {
		if (!vals[h])
			continue;
		a = parse_action(x, vals[h]);
		if (a >= 0)
			p->defaults[h] = (uint8_t)a;
	}
}

static void parse_rules(struct pctx *x, yaml_node_t *n, struct rtg_policy *p)
{
	yaml_node_t **name_nodes = NULL;
	yaml_node_item_t *it;
	int cnt;

	if (n->type != YAML_SEQUENCE_NODE) {
		perr(x, n, "expected a list of rules, got %s", kind_of(n));
		return;
	}
	cnt = (int)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (cnt == 0) {
		perr(x, n, "empty list: expected at least one rule");
		return;
	}
	p->rules = calloc((size_t)cnt, sizeof(*p->rules));
	name_nodes = calloc((size_t)cnt, sizeof(*name_nodes));
	if (!p->rules || !name_nodes) {
		nomem(x, n);
		goto cleanup;
	}
	for (it = n->data.sequence.items.start;
	     it < n->data.sequence.items.top && !x->stop; it++) {
		yaml_node_t *rn = node_at(x, *it);
		struct rtg_rule *r = &p->rules[p->nrules];

		if (!rn)
			continue;
		parse_rule(x, rn, p, name_nodes, r);
		p->nrules++;
		if (rn->type == YAML_MAPPING_NODE && r->name) {
			yaml_node_pair_t *pr;

			for (pr = rn->data.mapping.pairs.start;
			     pr < rn->data.mapping.pairs.top; pr++) {
				yaml_node_t *k = node_at(x, pr->key);

				if (k && k->type == YAML_SCALAR_NODE &&
				    !strcmp(sval(k), "name"))
					name_nodes[p->nrules - 1] =
					    node_at(x, pr->value);
			}
		}
	}
cleanup:
	free(name_nodes);
}

static void parse_policy(struct pctx *x, yaml_node_t *root)
{
	yaml_node_t *keys[PK_N], *vals[PK_N];
	struct rtg_policy pol, *arr;
	int i, h;

	memset(&pol, 0, sizeof(pol));
	memset(x->nrules, 0, sizeof(x->nrules));
	x->nstrings = x->ncidrs = x->nuids = 0;
	x->doc_errs = x->nerr;
	pol.line = (int)root->start_mark.line + 1;
	pol.col = (int)root->start_mark.column + 1;
	if (!get_mapping(
		x, root, "a policy (a mapping with name, defaults, rules)",
		"policy", policy_keys, PK_N, (1u << PK_N) - 1, keys, vals))
		return;
	if (!vals[PK_NAME]) {
		perr(x, root, "policy is missing required key 'name'");
	} else if (want_string(x, vals[PK_NAME], "a policy name")) {
		const char *s = sval(vals[PK_NAME]);

		pol.line = (int)vals[PK_NAME]->start_mark.line + 1;
		pol.col = (int)vals[PK_NAME]->start_mark.column + 1;
		if (!valid_name(s, false)) {
			perr(x, vals[PK_NAME],
			     "invalid policy name '%s' (expected [a-z0-9-]+, "
			     "at most %d bytes)",
			     s, RTG_NAME_MAX);
		} else {
			for (i = 0; i < x->set->npolicies; i++) {
				struct rtg_policy *o = &x->set->policies[i];

				if (strcmp(o->name, s))
					continue;
				perr(x, vals[PK_NAME],
				     "duplicate policy name '%s' (first "
				     "defined at %s:%d:%d)",
				     s, o->file, o->line, o->col);
				break;
			}
			if (x->set->npolicies + 1 > RTG_MAX_POLICIES)
				perr(x, vals[PK_NAME],
				     "too many policies: the limit is %d",
				     RTG_MAX_POLICIES);
		}
		pol.name = strdup(s);
		if (!pol.name)
			nomem(x, root);
	}
	if (vals[PK_DESC] && want_string(x, vals[PK_DESC], "a description")) {
		pol.description = strdup(sval(vals[PK_DESC]));
		if (!pol.description)
			nomem(x, root);
	}
	if (vals[PK_DEFAULTS])
		parse_defaults(x, vals[PK_DEFAULTS], &pol);
	if (vals[PK_RULES])
		parse_rules(x, vals[PK_RULES], &pol);
	pol.file = strdup(x->file);
	if (!pol.file)
		nomem(x, root);
	if (x->nerr != x->doc_errs || x->stop)
		goto drop;
	arr = realloc(x->set->policies, (x->set->npolicies + 1) * sizeof(*arr));
	if (!arr) {
		nomem(x, root);
		goto drop;
	}
	x->set->policies = arr;
	arr[x->set->npolicies++] = pol;
	for (h = 0; h < RTG_NHOOKS; h++)
		x->set->nrules[h] += x->nrules[h];
	x->set->nstrings += x->nstrings;
	x->set->ncidrs += x->ncidrs;
	x->set->nuids += x->nuids;
	return;
drop:
	policy_free(&pol);
}

/*
 * libyaml's scanner gets quadratic with nesting depth (a 1 MiB "[[[[..."
 * takes minutes), so an event pass bounds the depth before the document
 * is built. Syntax errors are left to the loading pass, which reports them.
 */
static int check_depth(struct pctx *x, const char *buf, size_t len)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	int depth = 0, err = 0;

	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	for (;;) {
		yaml_event_type_t type;

		if (!yaml_parser_parse(&parser, &ev))
			break;
		type = ev.type;
		if (type == YAML_SEQUENCE_START_EVENT ||
		    type == YAML_MAPPING_START_EVENT) {
			if (++depth > RTG_POLICY_MAX_DEPTH) {
				perr_at(x, (int)ev.start_mark.line + 1,
					(int)ev.start_mark.column + 1,
					"nesting deeper than %d levels",
					RTG_POLICY_MAX_DEPTH);
				err = -E2BIG;
				yaml_event_delete(&ev);
				break;
			}
		} else if (type == YAML_SEQUENCE_END_EVENT ||
			   type == YAML_MAPPING_END_EVENT) {
			depth--;
		}
		yaml_event_delete(&ev);
		if (type == YAML_STREAM_END_EVENT)
			break;
	}
	yaml_parser_delete(&parser);
	return err;
}

int policy_load_buffer(struct rtg_policy_set *set, const char *name,
		       const char *buf, size_t len)
{
	struct pctx x = {.set = set, .file = name};
	yaml_parser_t parser;
	yaml_document_t doc;
	int ndocs = 0, err = 0;
	bool parser_ok;

	if (len > RTG_POLICY_FILE_MAX) {
		policy_set_add_error(set, name, 0, 0,
				     "policy is %zu bytes (limit %d)", len,
				     RTG_POLICY_FILE_MAX);
		return -EFBIG;
	}
	err = check_depth(&x, buf, len);
	if (err)
		return err == -ENOMEM ? err : -EINVAL;
	parser_ok = yaml_parser_initialize(&parser);
	if (!parser_ok) {
		policy_set_add_error(set, name, 0, 0,
				     "out of memory (YAML parser)");
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	while (!x.stop) {
		yaml_node_t *root;

		if (!yaml_parser_load(&parser, &doc)) {
			const yaml_mark_t *m = &parser.problem_mark;

			if (parser.error == YAML_MEMORY_ERROR) {
				perr_at(&x, 0, 0,
					"out of memory (YAML parser)");
			} else if (parser.context) {
				perr_at(
				    &x, (int)m->line + 1, (int)m->column + 1,
				    "YAML syntax error: %s (%s started at line "
				    "%d)",
				    parser.problem ? parser.problem : "error",
				    parser.context,
				    (int)parser.context_mark.line + 1);
			} else {
				perr_at(
				    &x, (int)m->line + 1, (int)m->column + 1,
				    "YAML syntax error: %s",
				    parser.problem ? parser.problem : "error");
			}
			break;
		}
		root = yaml_document_get_root_node(&doc);
		if (!root) {
			yaml_document_delete(&doc);
			break;
		}
		ndocs++;
		x.doc = &doc;
		if (is_null(root))
			perr(&x, root,
			     "empty document: expected a policy (a mapping "
			     "with name, defaults, rules)");
		else
			parse_policy(&x, root);
		x.doc = NULL;
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
	if (!ndocs && !x.nerr)
		perr_at(&x, 0, 0,
			"empty policy: expected a mapping with name, defaults, "
			"rules");
	if (x.nerr)
		err = -EINVAL;
	return err;
}

int policy_load_file(struct rtg_policy_set *set, const char *path)
{
	char *buf = NULL;
	struct stat st;
	size_t off = 0;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		policy_set_add_error(set, path, 0, 0, "cannot open: %s",
				     strerror(-err));
		return err;
	}
	if (fstat(fd, &st) < 0) {
		err = -errno;
		policy_set_add_error(set, path, 0, 0, "cannot stat: %s",
				     strerror(-err));
		goto cleanup;
	}
	if (!S_ISREG(st.st_mode)) {
		err = -EINVAL;
		policy_set_add_error(set, path, 0, 0, "not a regular file");
		goto cleanup;
	}
	if (st.st_size > RTG_POLICY_FILE_MAX) {
		err = -EFBIG;
		policy_set_add_error(
		    set, path, 0, 0, "policy file is %lld bytes (limit %d)",
		    (long long)st.st_size, RTG_POLICY_FILE_MAX);
		goto cleanup;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		err = -ENOMEM;
		policy_set_add_error(set, path, 0, 0, "out of memory");
		goto cleanup;
	}
	while (off < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + off, (size_t)st.st_size - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			policy_set_add_error(set, path, 0, 0, "cannot read: %s",
					     strerror(-err));
			goto cleanup;
		}
		if (n == 0)
			break;
		off += (size_t)n;
	}
	err = policy_load_buffer(set, path, buf, off);
cleanup:
	free(buf);
	close(fd);
	return err;
}

static bool is_policy_name(const char *s)
{
	size_t n = strlen(s);

	if (s[0] == '.')
		return false;
	return (n > 5 && !strcmp(s + n - 5, ".yaml")) ||
	       (n > 4 && !strcmp(s + n - 4, ".yml"));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int policy_load_dir(struct rtg_policy_set *set, const char *dir)
{
	char **names = NULL, *path = NULL;
	int n = 0, i, err = 0, e;
	struct dirent *de;
	DIR *d;

	d = opendir(dir);
	if (!d) {
		err = -errno;
		policy_set_add_error(set, dir, 0, 0,
				     "cannot open directory: %s",
				     strerror(-err));
		return err;
	}
	while ((de = readdir(d))) {
		char **nn;

		if (!is_policy_name(de->d_name))
			continue;
		nn = realloc(names, (n + 1) * sizeof(*nn));
		if (!nn) {
			err = -ENOMEM;
			goto cleanup;
		}
		names = nn;
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			err = -ENOMEM;
			goto cleanup;
		}
		n++;
	}
	if (n == 0) {
		err = -ENOENT;
		policy_set_add_error(
		    set, dir, 0, 0,
		    "no policy files (*.yaml, *.yml) in directory");
		goto cleanup;
	}
	qsort(names, (size_t)n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++) {
		size_t dl = strlen(dir);

		free(path);
		if (asprintf(&path, "%s%s%s", dir,
			     dl && dir[dl - 1] == '/' ? "" : "/",
			     names[i]) < 0) {
			path = NULL;
			err = -ENOMEM;
			goto cleanup;
		}
		e = policy_load_file(set, path);
		if (e && !err)
			err = e;
	}
cleanup:
	if (err == -ENOMEM)
		policy_set_add_error(set, dir, 0, 0, "out of memory");
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(path);
	closedir(d);
	return err;
}

int policy_load_path(struct rtg_policy_set *set, const char *path)
{
	struct stat st;
	int err;

	if (stat(path, &st) < 0) {
		err = -errno;
		policy_set_add_error(set, path, 0, 0, "%s", strerror(-err));
		return err;
	}
	if (S_ISDIR(st.st_mode))
		return policy_load_dir(set, path);
	return policy_load_file(set, path);
}
