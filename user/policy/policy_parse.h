/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the policy parser (policy.h): the parse context of one input, and
 * the YAML walking helpers (policy_yaml.c) that policy.c (the policy
 * document) and policy_values.c (match keys and their values) build on.
 * The parser walks libyaml's document by schema, never recursively by
 * shape, so alias cycles and deep nesting only ever produce type errors.
 */
#ifndef RTG_POLICY_PARSE_H
#define RTG_POLICY_PARSE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <yaml.h>

#include "policy.h"

#define KEYBIT(k) (1u << (k))

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

/* Records an error at line:col (1-based) of this input; after
 * RTG_MAX_FILE_ERRORS one last error says so and the input stops. */
void pctx_err_at(struct pctx *x, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* the same at node n */
#define perr(x, n, ...)                                                        \
	pctx_err_at((x), (int)(n)->start_mark.line + 1,                        \
		    (int)(n)->start_mark.column + 1, __VA_ARGS__)
/* records that memory ran out at n and stops the input; -ENOMEM */
int pctx_nomem(struct pctx *x, yaml_node_t *n);
/* Bounds the nesting depth of buf with an event pass (see policy_yaml.c);
 * 0, -E2BIG (reported) or -ENOMEM. */
int pctx_check_depth(struct pctx *x, const char *buf, size_t len);

yaml_node_t *pctx_node(struct pctx *x, int idx);
bool ynode_is_null(const yaml_node_t *n);     /* ~, null, empty plain scalar */
const char *ynode_kind(const yaml_node_t *n); /* "a mapping", ... */
static inline const char *ynode_str(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}
/* a non-empty scalar without NUL bytes, else an error naming `what` */
bool pctx_want_string(struct pctx *x, const yaml_node_t *n, const char *what);
/* "a, b, c": the names whose bit is set in mask */
void policy_join_names(char *buf, size_t len, const char *const *names, int n,
		       uint32_t mask);

/*
 * Checks that `n` is a mapping with string keys out of `names` (each at most
 * once) and fills vals[]/keys[] by index. `where` names the mapping in
 * messages, `allowed` the keys listed as valid. Returns false when `n` is not
 * a mapping; unknown and duplicate keys are reported and skipped.
 */
bool pctx_get_mapping(struct pctx *x, yaml_node_t *n, const char *what,
		      const char *where, const char *const *names, int nnames,
		      uint32_t allowed, yaml_node_t **keys, yaml_node_t **vals);

/* A list of values: a sequence, or one scalar standing for a one-element
 * list. */
struct vlist {
	yaml_node_t *single;
	yaml_node_item_t *items;
	int n;
};

/* n as a list of `what` (1 to RTG_MAX_LIST values), else an error */
bool pctx_get_list(struct pctx *x, yaml_node_t *n, const char *what,
		   struct vlist *l);
/* Value i of l when it is a string (else reported): NULL to skip it. */
yaml_node_t *pctx_list_string(struct pctx *x, const struct vlist *l, int i,
			      const char *what);
/* One more of a limited thing (strings, CIDRs, uids) for the current
 * policy: false, reported once, when it would pass `limit` across all
 * loaded policies. */
bool pctx_count_limit(struct pctx *x, yaml_node_t *n, int *pending, int have,
		      int limit, bool *warned, const char *what);

/* match: / unless: of a rule on `hook` (-1: unknown, every key allowed);
 * policy_values.c */
void policy_parse_clause(struct pctx *x, yaml_node_t *n, int hook,
			 const char *where, struct rtg_clause *c);

/* policy_set.c */
void policy_set_add_verror(struct rtg_policy_set *set, const char *file,
			   int line, int col, const char *fmt, va_list ap);
void policy_free(struct rtg_policy *p); /* its contents */

#endif
