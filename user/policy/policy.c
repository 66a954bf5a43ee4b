// SPDX-License-Identifier: GPL-2.0
/*
 * The policy document: a YAML stream of policies, each a mapping with name,
 * description, defaults and rules, each rule with name, on, match, unless
 * and action (policy.h). Every error of an input is collected with its
 * file:line:col; a policy with errors is dropped whole.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "policy_parse.h"
#include "policy_selector.h"

static const char *const policy_keys[] = {"name", "description", "defaults",
					  "rules", "selector"};
static const char *const rule_keys[] = {"name", "on", "match", "unless",
					"action"};

enum { PK_NAME, PK_DESC, PK_DEFAULTS, PK_RULES, PK_SELECTOR, PK_N };
enum { RK_NAME, RK_ON, RK_MATCH, RK_UNLESS, RK_ACTION, RK_N };

static int parse_action(struct pctx *x, yaml_node_t *n)
{
	int a;

	if (!pctx_want_string(x, n, "an action (audit, deny, kill or allow)"))
		return -1;
	a = action_parse(ynode_str(n));
	if (a < 0)
		perr(x, n,
		     "bad action '%s' (expected one of: audit, deny, kill, "
		     "allow)",
		     ynode_str(n));
	return a;
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
	if (!pctx_get_mapping(
		x, n, "a rule (a mapping with name, on, match, action)", "rule",
		rule_keys, RK_N, (1u << RK_N) - 1, keys, vals))
		return;
	if (vals[RK_NAME] &&
	    pctx_want_string(x, vals[RK_NAME], "a rule name")) {
		const char *s = ynode_str(vals[RK_NAME]);

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
				pctx_nomem(x, n);
				return;
			}
		}
	} else if (!vals[RK_NAME]) {
		perr(x, n, "rule is missing required key 'name'");
	}
	if (vals[RK_ON] &&
	    pctx_want_string(x, vals[RK_ON],
			     "an event type (exec, open or connect)")) {
		r->hook = hook_parse(ynode_str(vals[RK_ON]));
		if (r->hook < 0)
			perr(x, vals[RK_ON],
			     "bad event type '%s' in on (expected one of: "
			     "exec, open, connect)",
			     ynode_str(vals[RK_ON]));
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
		policy_parse_clause(x, vals[RK_MATCH], r->hook, "match",
				    &r->match);
	else
		perr(x, n, "rule is missing required key 'match'");
	if (vals[RK_UNLESS]) {
		r->has_unless = true;
		policy_parse_clause(x, vals[RK_UNLESS], r->hook, "unless",
				    &r->unless);
	}
}

static void parse_defaults(struct pctx *x, yaml_node_t *n, struct rtg_policy *p)
{
	yaml_node_t *keys[RTG_NHOOKS], *vals[RTG_NHOOKS];
	int h, a;

	if (!pctx_get_mapping(x, n, "a mapping of event type to action",
			      "defaults", rtg_hook_names, RTG_NHOOKS,
			      (1u << RTG_NHOOKS) - 1, keys, vals))
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
		perr(x, n, "expected a list of rules, got %s", ynode_kind(n));
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
		pctx_nomem(x, n);
		goto cleanup;
	}
	for (it = n->data.sequence.items.start;
	     it < n->data.sequence.items.top && !x->stop; it++) {
		yaml_node_t *rn = pctx_node(x, *it);
		struct rtg_rule *r = &p->rules[p->nrules];

		if (!rn)
			continue;
		parse_rule(x, rn, p, name_nodes, r);
		p->nrules++;
		if (rn->type == YAML_MAPPING_NODE && r->name) {
			yaml_node_pair_t *pr;

			for (pr = rn->data.mapping.pairs.start;
			     pr < rn->data.mapping.pairs.top; pr++) {
				yaml_node_t *k = pctx_node(x, pr->key);

				if (k && k->type == YAML_SCALAR_NODE &&
				    !strcmp(ynode_str(k), "name"))
					name_nodes[p->nrules - 1] =
					    pctx_node(x, pr->value);
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
	if (!pctx_get_mapping(
		x, root, "a policy (a mapping with name, defaults, rules)",
		"policy", policy_keys, PK_N, (1u << PK_N) - 1, keys, vals))
		return;
	if (!vals[PK_NAME]) {
		perr(x, root, "policy is missing required key 'name'");
	} else if (pctx_want_string(x, vals[PK_NAME], "a policy name")) {
		const char *s = ynode_str(vals[PK_NAME]);

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
			pctx_nomem(x, root);
	}
	if (vals[PK_DESC] &&
	    pctx_want_string(x, vals[PK_DESC], "a description")) {
		pol.description = strdup(ynode_str(vals[PK_DESC]));
		if (!pol.description)
			pctx_nomem(x, root);
	}
	if (vals[PK_DEFAULTS])
		parse_defaults(x, vals[PK_DEFAULTS], &pol);
	if (vals[PK_RULES])
		parse_rules(x, vals[PK_RULES], &pol);
	if (vals[PK_SELECTOR]) /* policy_selector.c */
		pol.sel = policy_parse_selector(x, vals[PK_SELECTOR]);
	pol.file = strdup(x->file);
	if (!pol.file)
		pctx_nomem(x, root);
	if (x->nerr != x->doc_errs || x->stop)
		goto drop;
	arr = realloc(x->set->policies, (x->set->npolicies + 1) * sizeof(*arr));
	if (!arr) {
		pctx_nomem(x, root);
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
	err = pctx_check_depth(&x, buf, len);
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
				pctx_err_at(&x, 0, 0,
					    "out of memory (YAML parser)");
			} else if (parser.context) {
				pctx_err_at(
				    &x, (int)m->line + 1, (int)m->column + 1,
				    "YAML syntax error: %s (%s started at line "
				    "%d)",
				    parser.problem ? parser.problem : "error",
				    parser.context,
				    (int)parser.context_mark.line + 1);
			} else {
				pctx_err_at(
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
		if (ynode_is_null(root))
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
		pctx_err_at(
		    &x, 0, 0,
		    "empty policy: expected a mapping with name, defaults, "
		    "rules");
	if (x.nerr)
		err = -EINVAL;
	return err;
}
