// SPDX-License-Identifier: GPL-2.0
/*
 * Walking libyaml's document tree (policy_parse.h): errors with file:line:col
 * and the error limit, scalars, mappings with known keys, lists (a scalar
 * stands for a one-element list), the limits counted across policies, and
 * the nesting bound checked before a document is built.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "policy_parse.h"

void pctx_err_at(struct pctx *x, int line, int col, const char *fmt, ...)
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
	policy_set_add_verror(x->set, x->file, line, col, fmt, ap);
	va_end(ap);
}

int pctx_nomem(struct pctx *x, yaml_node_t *n)
{
	perr(x, n, "out of memory");
	x->stop = true;
	return -ENOMEM;
}

yaml_node_t *pctx_node(struct pctx *x, int idx)
{
	return yaml_document_get_node(x->doc, idx);
}

bool ynode_is_null(const yaml_node_t *n)
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

const char *ynode_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_SCALAR_NODE:
		return ynode_is_null(n) ? "an empty value" : "a scalar";
	default:
		return "nothing";
	}
}

/* a non-empty scalar without NUL bytes */
bool pctx_want_string(struct pctx *x, const yaml_node_t *n, const char *what)
{
	if (n->type != YAML_SCALAR_NODE || ynode_is_null(n)) {
		perr(x, n, "expected %s, got %s", what, ynode_kind(n));
		return false;
	}
	if (strlen(ynode_str(n)) != n->data.scalar.length) {
		perr(x, n, "%s contains a NUL byte", what);
		return false;
	}
	return true;
}

void policy_join_names(char *buf, size_t len, const char *const *names, int n,
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

bool pctx_get_mapping(struct pctx *x, yaml_node_t *n, const char *what,
		      const char *where, const char *const *names, int nnames,
		      uint32_t allowed, yaml_node_t **keys, yaml_node_t **vals)
{
	yaml_node_pair_t *pr;
	char expected[256];
	int i;

	for (i = 0; i < nnames; i++)
		keys[i] = vals[i] = NULL;
	if (n->type != YAML_MAPPING_NODE) {
		perr(x, n, "expected %s, got %s", what, ynode_kind(n));
		return false;
	}
	policy_join_names(expected, sizeof(expected), names, nnames, allowed);
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *k = pctx_node(x, pr->key);
		yaml_node_t *v = pctx_node(x, pr->value);

		if (x->stop)
			return true;
		if (!k || !v)
			continue;
		if (k->type != YAML_SCALAR_NODE) {
			perr(x, k, "expected a key (one of: %s) in %s, got %s",
			     expected, where, ynode_kind(k));
			continue;
		}
		for (i = 0; i < nnames; i++)
			if (!strcmp(ynode_str(k), names[i]))
				break;
		if (i == nnames) {
			perr(x, k,
			     "unknown key '%s' in %s (expected one of: %s)",
			     ynode_str(k), where, expected);
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

bool pctx_get_list(struct pctx *x, yaml_node_t *n, const char *what,
		   struct vlist *l)
{
	l->single = NULL;
	l->items = NULL;
	l->n = 0;
	if (n->type == YAML_SCALAR_NODE && !ynode_is_null(n)) {
		l->single = n;
		l->n = 1;
		return true;
	}
	if (n->type != YAML_SEQUENCE_NODE) {
		perr(x, n, "expected a list of %s, got %s", what,
		     ynode_kind(n));
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

yaml_node_t *pctx_list_string(struct pctx *x, const struct vlist *l, int i,
			      const char *what)
{
	yaml_node_t *v = l->single ? l->single : pctx_node(x, l->items[i]);

	return v && pctx_want_string(x, v, what) ? v : NULL;
}

bool pctx_count_limit(struct pctx *x, yaml_node_t *n, int *pending, int have,
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

/*
 * libyaml's scanner gets quadratic with nesting depth (a 1 MiB "[[[[..."
 * takes minutes), so an event pass bounds the depth before the document
 * is built. Syntax errors are left to the loading pass, which reports them.
 */
int pctx_check_depth(struct pctx *x, const char *buf, size_t len)
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
				pctx_err_at(x, (int)ev.start_mark.line + 1,
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
