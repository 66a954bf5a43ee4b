// SPDX-License-Identifier: GPL-2.0
/*
 * `rtguard policy check FILE|DIR... [--output compact|json]`: validate,
 * print the compiled rules (what each matches, its action, the mechanism on
 * this kernel), exit 0; or print every error as file:line:col and exit 1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "json.h"
#include "policy_selector.h"
#include "log.h"
#include "policy.h"
#include "policy_compile.h"
#include "policy_show.h"
#include "probe.h"

/* Backends from the probe module (the one place that decides them); not
 * root: the probe cannot run, so show the fallback without BPF LSM. */
static bool policy_backends(struct rtg_backends *be)
{
	struct rtg_probe *p = calloc(1, sizeof(*p));
	bool probed = false;

	be->lsm = false;
	be->fanotify = true;
	be->cgroup_connect = true;
	if (p && probe_kernel(p) == 0) {
		probe_backends(p, be);
		probed = true;
	}
	free(p);
	return probed;
}

static const char *mech_words(int action, int mech)
{
	if (action == RTG_ACT_ALLOW)
		return "no event";
	if (action == RTG_ACT_AUDIT)
		return "event only";
	switch (mech) {
	case RTG_MECH_LSM:
		return "BPF LSM returns EPERM";
	case RTG_MECH_CGROUP:
		return "cgroup/connect returns EPERM";
	case RTG_MECH_FANOTIFY:
		return "fanotify permission event answers EPERM";
	case RTG_MECH_SIGKILL:
		return action == RTG_ACT_DENY ? "SIGKILL (no EPERM possible "
						"here: reported as kill)"
					      : "SIGKILL";
	default:
		return "?";
	}
}

struct check_opts {
	bool json;
	char **paths;
	int npaths;
};

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: rtguard policy check FILE|DIR... [--output compact|json]\n"
	    "  Validates policies (DIR: its *.yaml and *.yml files), prints "
	    "the\n"
	    "  compiled rules and the mechanism that carries out each action "
	    "on\n"
	    "  this kernel. Exit 0 when valid, 1 with file:line:col errors.\n");
}

static int parse_args(int argc, char **argv, struct check_opts *o)
{
	int i;

	o->paths = calloc((size_t)argc, sizeof(char *));
	if (!o->paths)
		return -ENOMEM;
	for (i = 2; i < argc; i++) {
		const char *a = argv[i], *v = NULL;

		if (!strcmp(a, "--output") || !strcmp(a, "-o")) {
			if (i + 1 >= argc) {
				log_err(
				    "--output needs a value (compact or json)");
				return -EINVAL;
			}
			v = argv[++i];
		} else if (!strncmp(a, "--output=", 9)) {
			v = a + 9;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 1;
		} else if (a[0] == '-' && a[1]) {
			log_err(
			    "unknown option '%s' (see rtguard policy --help)",
			    a);
			return -EINVAL;
		} else {
			o->paths[o->npaths++] = argv[i];
			continue;
		}
		if (!strcmp(v, "json")) {
			o->json = true;
		} else if (!strcmp(v, "compact")) {
			o->json = false;
		} else {
			log_err("bad --output '%s' (expected compact or json)",
				v);
			return -EINVAL;
		}
	}
	if (!o->npaths) {
		log_err("policy check needs at least one FILE or DIR");
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

/* A policy's selector: where it applies (policy_selector.h). */
static void print_selector(const struct rtg_policy *pol)
{
	char *t = pol->sel ? policy_selector_text(pol->sel) : NULL;

	printf("  selector: %s\n",
	       pol->sel ? (t ? t : "?") : "none (applies everywhere)");
	free(t);
}

static void json_selector(struct json_writer *jw, const struct rtg_policy *pol)
{
	char *t;

	if (!pol->sel)
		return;
	t = policy_selector_text(pol->sel);
	jw_kv_string(jw, "selector", t ? t : "?");
	free(t);
}

static void print_compact(bool probed, const struct rtg_policy_set *set,
			  const struct rtg_compiled *c,
			  const struct rtg_backends *be)
{
	int p, r, h, bit[RTG_NHOOKS] = {0};

	for (p = 0; p < set->npolicies; p++) {
		const struct rtg_policy *pol = &set->policies[p];

		printf("policy %s (%s)\n", pol->name, pol->file);
		if (pol->description)
			printf("  %s\n", pol->description);
		print_selector(pol);
		printf("  defaults:");
		for (h = 0; h < RTG_NHOOKS; h++)
			printf("%s %s %s", h ? "," : "", hook_name(h),
			       action_name(pol->defaults[h]));
		putchar('\n');
		for (h = 0; h < RTG_NHOOKS; h++) {
			int a = pol->defaults[h];

			if (a >= RTG_ACT_DENY)
				printf("    default %s %s: %s\n",
				       hook_name(h),
				       action_name(a),
				       mech_words(a, c->rs.h[h].def_mech[p]));
		}
		for (r = 0; r < pol->nrules; r++) {
			const struct rtg_rule *ru = &pol->rules[r];
			int b = bit[ru->hook]++;
			const struct rtg_crule *cr = &c->rules[ru->hook][b];
			char *m = clause_text(&ru->match, ru->hook), *u = NULL;

			if (ru->has_unless)
				u = clause_text(&ru->unless, ru->hook);
			printf("  %-7s #%-2d %s: %s when %s%s%s -> %s\n",
			       hook_name(ru->hook), b, ru->name,
			       action_name(ru->action), m ? m : "?",
			       u ? ", unless " : "", u ? u : "",
			       mech_words(cr->action, cr->mech));
			free(m);
			free(u);
		}
	}
	printf("%d %s; rules per event type: exec %d/%d, open %d/%d, connect "
	       "%d/%d",
	       set->npolicies, set->npolicies == 1 ? "policy" : "policies",
	       c->nrules[0], RTG_MAX_RULES, c->nrules[1], RTG_MAX_RULES,
	       c->nrules[2], RTG_MAX_RULES);
	for (h = RTG_HOOK_CONNECT + 1; h < RTG_NHOOKS; h++)
		if (c->nrules[h])
			printf(", %s %d/%d", hook_name(h), c->nrules[h],
			       RTG_MAX_RULES);
	putchar('\n');
	printf("enforcement %s: bpf-lsm %s, fanotify %s, cgroup connect %s\n",
	       probed ? "on this kernel (rtguard probe)" :
			"assumed without BPF LSM (not probed: run as root)",
	       be->lsm ? "yes" : "no", be->fanotify ? "yes" : "no",
	       be->cgroup_connect ? "yes" : "no");
	if (c->nfan) {
		printf("fanotify marks:");
		for (r = 0; r < c->nfan; r++)
			printf(" %s(%s)", c->fan[r].path,
			       hook_name(c->fan[r].hook));
		putchar('\n');
	}
}

static void json_backends(struct json_writer *jw, const struct rtg_backends *be)
{
	jw_name(jw, "backends");
	jw_start_object(jw);
	jw_kv_bool(jw, "lsm", be->lsm);
	jw_kv_bool(jw, "fanotify", be->fanotify);
	jw_kv_bool(jw, "cgroup_connect", be->cgroup_connect);
	jw_end_object(jw);
}

static void print_json(struct json_writer *jw, const struct rtg_policy_set *set,
		       const struct rtg_compiled *c,
		       const struct rtg_backends *be)
{
	int p, r, h, bit[RTG_NHOOKS] = {0};

	jw_start_object(jw);
	jw_kv_bool(jw, "ok", true);
	json_backends(jw, be);
	jw_name(jw, "rules");
	jw_start_object(jw);
	for (h = 0; h < RTG_NHOOKS; h++)
		jw_kv_int(jw, hook_name(h), c->nrules[h]);
	jw_kv_int(jw, "limit", RTG_MAX_RULES);
	jw_end_object(jw);
	jw_name(jw, "policies");
	jw_start_array(jw);
	for (p = 0; p < set->npolicies; p++) {
		const struct rtg_policy *pol = &set->policies[p];

		jw_start_object(jw);
		jw_kv_string(jw, "name", pol->name);
		jw_kv_string(jw, "file", pol->file);
		if (pol->description)
			jw_kv_string(jw, "description", pol->description);
		json_selector(jw, pol);
		jw_name(jw, "defaults");
		jw_start_object(jw);
		for (h = 0; h < RTG_NHOOKS; h++) {
			jw_name(jw, hook_name(h));
			jw_start_object(jw);
			jw_kv_string(jw, "action",
				     action_name(pol->defaults[h]));
			jw_kv_string(jw, "mechanism",
				     mech_label(c->rs.h[h].def_mech[p]));
			jw_end_object(jw);
		}
		jw_end_object(jw);
		jw_name(jw, "rules");
		jw_start_array(jw);
		for (r = 0; r < pol->nrules; r++) {
			const struct rtg_rule *ru = &pol->rules[r];
			int b = bit[ru->hook]++;
			const struct rtg_crule *cr = &c->rules[ru->hook][b];

			jw_start_object(jw);
			jw_kv_string(jw, "name", ru->name);
			jw_kv_string(jw, "on", hook_name(ru->hook));
			jw_kv_int(jw, "bit", b);
			jw_kv_string(jw, "action",
				     action_name(ru->action));
			jw_kv_string(jw, "mechanism",
				     mech_label(cr->mech));
			jw_kv_string(jw, "effect",
				     mech_words(cr->action, cr->mech));
			json_clause(jw, "match", &ru->match, ru->hook);
			if (ru->has_unless)
				json_clause(jw, "unless", &ru->unless, ru->hook);
			jw_end_object(jw);
		}
		jw_end_array(jw);
		jw_end_object(jw);
	}
	jw_end_array(jw);
	jw_name(jw, "fanotify_marks");
	jw_start_array(jw);
	for (r = 0; r < c->nfan; r++) {
		jw_start_object(jw);
		jw_kv_string(jw, "path", c->fan[r].path);
		jw_kv_string(jw, "on", hook_name(c->fan[r].hook));
		jw_end_object(jw);
	}
	jw_end_array(jw);
	jw_end_object(jw);
	jw_newline(jw);
}

static void print_errors_json(struct json_writer *jw,
			      const struct rtg_policy_set *set,
			      const char *extra)
{
	int i;

	jw_start_object(jw);
	jw_kv_bool(jw, "ok", false);
	jw_name(jw, "errors");
	jw_start_array(jw);
	for (i = 0; i < set->nerrors; i++) {
		const struct rtg_policy_error *e = &set->errors[i];

		jw_start_object(jw);
		jw_kv_string(jw, "file", e->file);
		if (e->line) {
			jw_kv_int(jw, "line", e->line);
			jw_kv_int(jw, "column", e->col);
		}
		jw_kv_string(jw, "message", e->msg);
		jw_kv_string(jw, "text", e->text);
		jw_end_object(jw);
	}
	if (extra) {
		jw_start_object(jw);
		jw_kv_string(jw, "message", extra);
		jw_kv_string(jw, "text", extra);
		jw_end_object(jw);
	}
	jw_end_array(jw);
	jw_end_object(jw);
	jw_newline(jw);
}

static int cmd_check(int argc, char **argv)
{
	struct check_opts o = {0};
	struct rtg_policy_set *set = NULL;
	struct rtg_compiled *c = NULL;
	struct json_writer *jw = NULL;
	struct rtg_backends be;
	bool probed;
	int i, err, ret = RTG_EXIT_INPUT;
	char msg[128];

	err = parse_args(argc, argv, &o);
	if (err) {
		ret = err > 0 ? RTG_EXIT_OK : RTG_EXIT_INPUT;
		goto cleanup;
	}
	set = policy_set_new();
	if (o.json)
		jw = jw_new(stdout);
	if (!set || (o.json && !jw)) {
		log_err("out of memory");
		goto cleanup;
	}
	for (i = 0; i < o.npaths; i++)
		policy_load_path(set, o.paths[i]);
	if (set->nerrors) {
		if (jw) {
			print_errors_json(jw, set, NULL);
		} else {
			for (i = 0; i < set->nerrors; i++)
				fprintf(stderr, "%s\n", set->errors[i].text);
			log_err("%d %s in policy files", set->nerrors,
				set->nerrors == 1 ? "error" : "errors");
		}
		goto cleanup;
	}
	probed = policy_backends(&be);
	err = policy_compile(set, &be, &c);
	if (err) {
		snprintf(msg, sizeof(msg), "cannot compile the policies: %s",
			 strerror(-err));
		if (jw)
			print_errors_json(jw, set, msg);
		else
			log_err("%s", msg);
		goto cleanup;
	}
	if (jw)
		print_json(jw, set, c, &be);
	else
		print_compact(probed, set, c, &be);
	ret = RTG_EXIT_OK;
cleanup:
	fflush(stdout);
	jw_destroy(jw);
	policy_compiled_free(c);
	policy_set_free(set);
	free(o.paths);
	return ret;
}

int cmd_policy(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "check"))
		return cmd_check(argc, argv);
	if (argc >= 2 &&
	    (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return RTG_EXIT_OK;
	}
	if (argc < 2)
		log_err("policy needs a subcommand: check");
	else
		log_err("unknown policy subcommand '%s' (expected check)",
			argv[1]);
	usage(stderr);
	return RTG_EXIT_INPUT;
}
