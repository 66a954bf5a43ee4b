// SPDX-License-Identifier: GPL-2.0
/* The policy tests' helpers (policy_util.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_util.h"
#include "test.h"

const struct rtg_backends be_none = {.cgroup_connect = true};
const struct rtg_backends be_fan = {.fanotify = true, .cgroup_connect = true};
const struct rtg_backends be_lsm = {
    .lsm = true, .fanotify = true, .cgroup_connect = true};

struct rtg_policy_set *load_as(struct rtg_policy_set *set, const char *name,
			       const char *yaml)
{
	if (!set)
		set = policy_set_new();
	if (set)
		policy_load_buffer(set, name, yaml, strlen(yaml));
	return set;
}

struct rtg_policy_set *load(const char *yaml)
{
	return load_as(NULL, "p.yaml", yaml);
}

void dump_errors(const struct rtg_policy_set *set)
{
	int i;

	for (i = 0; i < set->nerrors; i++)
		fprintf(stderr, "  error: %s\n", set->errors[i].text);
}

bool has_error(const struct rtg_policy_set *set, const char *pos,
	       const char *frag)
{
	size_t n = strlen(pos);
	int i;

	for (i = 0; i < set->nerrors; i++) {
		const char *t = set->errors[i].text;

		if (!strncmp(t, pos, n) && t[n] == ':' && strstr(t, frag))
			return true;
	}
	fprintf(stderr, "%s: no error at %s containing '%s'; got %d:\n",
		test_name, pos, frag, set->nerrors);
	dump_errors(set);
	return false;
}

char *rules_yaml(const char *pname, const char *hook, int n)
{
	char *yaml = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&yaml, &len);
	int i;

	fprintf(f, "name: %s\nrules:\n", pname);
	for (i = 0; i < n; i++)
		fprintf(f,
			"  - name: r%d\n    on: %s\n    match: { path: { "
			"equal: [/r%d] } }\n    action: %s\n",
			i, hook, i, i % 2 ? "deny" : "audit");
	fclose(f);
	return yaml;
}

void write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(s, f);
		fclose(f);
	}
}

struct rtg_compiled *compile_ok(const char *yaml, const struct rtg_backends *be,
				struct rtg_policy_set **setp)
{
	struct rtg_policy_set *set = load(yaml);
	struct rtg_compiled *c = NULL;

	dump_errors(set);
	if (!ASSERT_EQ(set->nerrors, 0, "policy valid") ||
	    !ASSERT_OK(policy_compile(set, be, &c), "compile")) {
		policy_set_free(set);
		return NULL;
	}
	if (setp)
		*setp = set;
	else
		policy_set_free(set);
	return c;
}
