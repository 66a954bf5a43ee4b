// SPDX-License-Identifier: GPL-2.0
/*
 * Policy parser, compiler and map writer: every error kind with its exact
 * file:line:col, the prefix closure of the tries, and decisions made by
 * rtg_decide() on lookups in real BPF maps (the kernel does the
 * longest-prefix match).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <bpf/bpf.h>

#include "agent_util.h"
#include "policy.h"
#include "policy_compile.h"
#include "policy_ref.h"
#include "test.h"

extern const char rtg_default_policy[], rtg_default_policy_end[];

static const struct rtg_backends be_none = {.cgroup_connect = true};
static const struct rtg_backends be_fan = {.fanotify = true,
					   .cgroup_connect = true};
static const struct rtg_backends be_lsm = {
    .lsm = true, .fanotify = true, .cgroup_connect = true};

static struct rtg_policy_set *load_as(struct rtg_policy_set *set,
				      const char *name, const char *yaml)
{
	if (!set)
		set = policy_set_new();
	if (set)
		policy_load_buffer(set, name, yaml, strlen(yaml));
	return set;
}

static struct rtg_policy_set *load(const char *yaml)
{
	return load_as(NULL, "p.yaml", yaml);
}

static void dump_errors(const struct rtg_policy_set *set)
{
	int i;

	for (i = 0; i < set->nerrors; i++)
		fprintf(stderr, "  error: %s\n", set->errors[i].text);
}

/* an error whose text starts with `pos` ("p.yaml:5:14") and contains frag */
static bool has_error(const struct rtg_policy_set *set, const char *pos,
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

#define EXPECT_ERROR(yaml, pos, frag)                                          \
	do {                                                                   \
		struct rtg_policy_set *___s = load(yaml);                      \
		ASSERT_TRUE(___s &&has_error(___s, pos, frag), frag);          \
		if (___s)                                                      \
			ASSERT_EQ(___s->npolicies, 0,                          \
				  "bad policy not loaded");                    \
		policy_set_free(___s);                                         \
	} while (0)

#define RULE_HEAD "name: p\nrules:\n  - name: r\n"

/* ---- parser errors ----------------------------------------------------- */

TEST(policy_err_unknown_key)
{
	EXPECT_ERROR(RULE_HEAD "    on: connect\n"
			       "    match: { dprot: [80] }\n"
			       "    action: deny\n",
		     "p.yaml:5:14",
		     "unknown key 'dprot' in match (expected one of: binary, "
		     "uid, daddr, dport, protocol, container)");
	EXPECT_ERROR("name: p\ndescripton: x\n", "p.yaml:2:1",
		     "unknown key 'descripton' in policy");
	EXPECT_ERROR(RULE_HEAD "    on: open\n"
			       "    match: { path: { equals: [/a] } }\n"
			       "    action: deny\n",
		     "p.yaml:5:22",
		     "unknown key 'equals' in match.path (expected one of: "
		     "equal, prefix, suffix)");
	EXPECT_ERROR("name: p\ndefaults: { exec: audit, opn: deny }\n",
		     "p.yaml:2:26", "unknown key 'opn' in defaults");
}

TEST(policy_err_wrong_type)
{
	EXPECT_ERROR("name: p\nrules: { a: b }\n", "p.yaml:2:8",
		     "expected a list of rules, got a mapping");
	EXPECT_ERROR("- name: p\n", "p.yaml:1:1",
		     "expected a policy (a mapping with name, defaults, "
		     "rules), got a list");
	EXPECT_ERROR(
	    RULE_HEAD "    on: open\n"
		      "    match: { path: /etc/shadow }\n"
		      "    action: deny\n",
	    "p.yaml:5:20",
	    "expected a mapping with equal, prefix or suffix, got a scalar");
	EXPECT_ERROR(RULE_HEAD "    on: open\n"
			       "    match: { container: yes }\n"
			       "    action: deny\n",
		     "p.yaml:5:25", "expected true or false, got yes");
	EXPECT_ERROR(RULE_HEAD "    on: open\n"
			       "    match: { uid: [root] }\n"
			       "    action: deny\n",
		     "p.yaml:5:20", "bad uid 'root'");
	EXPECT_ERROR(RULE_HEAD "    on: open\n"
			       "    match: { flags: [append] }\n"
			       "    action: deny\n",
		     "p.yaml:5:22",
		     "unknown flag 'append' (expected one of: read, write, "
		     "create, truncate)");
	EXPECT_ERROR(RULE_HEAD "    on: connect\n"
			       "    match: { protocol: sctp }\n"
			       "    action: deny\n",
		     "p.yaml:5:24", "unknown protocol 'sctp'");
	EXPECT_ERROR(RULE_HEAD "    on: open\n"
			       "    match: { path: { equal: [[/a]] } }\n"
			       "    action: deny\n",
		     "p.yaml:5:30", "expected a path, got a list");
	EXPECT_ERROR(RULE_HEAD "    on: open\n"
			       "    match: { path: { equal: [\"/a\\0b\"] } }\n"
			       "    action: deny\n",
		     "p.yaml:5:30", "contains a NUL byte");
}

TEST(policy_err_bad_cidr)
{
	EXPECT_ERROR(RULE_HEAD "    on: connect\n"
			       "    match: { daddr: [10.0.0.300/8] }\n"
			       "    action: deny\n",
		     "p.yaml:5:22",
		     "bad CIDR '10.0.0.300/8': not an IPv4 address");
	EXPECT_ERROR(RULE_HEAD "    on: connect\n"
			       "    match: { daddr: [10.0.0.1/8] }\n"
			       "    action: deny\n",
		     "p.yaml:5:22",
		     "address has bits set beyond the /8 prefix");
	EXPECT_ERROR(RULE_HEAD "    on: connect\n"
			       "    match:\n"
			       "      daddr:\n"
			       "        - 10.0.0.0/8\n"
			       "        - \"fd00::/129\"\n"
			       "    action: deny\n",
		     "p.yaml:8:11", "prefix length must be 0-128");
}

TEST(policy_err_ports)
{
	EXPECT_ERROR(RULE_HEAD "    on: connect\n"
			       "    match: { dport: [80, 70000] }\n"
			       "    action: deny\n",
		     "p.yaml:5:26", "port out of range in '70000'");
	EXPECT_ERROR(RULE_HEAD "    on: connect\n"
			       "    match: { dport: [0] }\n"
			       "    action: deny\n",
		     "p.yaml:5:22", "port out of range");
	EXPECT_ERROR(RULE_HEAD "    on: connect\n"
			       "    match: { dport: [\"9000-8000\"] }\n"
			       "    action: deny\n",
		     "p.yaml:5:22", "bad range '9000-8000'");
	EXPECT_ERROR(RULE_HEAD "    on: connect\n"
			       "    match: { dport: [\"80-\"] }\n"
			       "    action: deny\n",
		     "p.yaml:5:22", "bad range '80-'");
	EXPECT_ERROR(RULE_HEAD "    on: connect\n"
			       "    match: { dport: [http] }\n"
			       "    action: deny\n",
		     "p.yaml:5:22", "bad port 'http'");
}

TEST(policy_err_empty_list)
{
	EXPECT_ERROR(RULE_HEAD "    on: connect\n"
			       "    match: { dport: [] }\n"
			       "    action: deny\n",
		     "p.yaml:5:21", "empty list");
	EXPECT_ERROR("name: p\nrules: []\n", "p.yaml:2:8", "empty list");
	EXPECT_ERROR(RULE_HEAD "    on: open\n"
			       "    match: {}\n"
			       "    action: deny\n",
		     "p.yaml:5:12", "empty match");
}

TEST(policy_err_duplicate_rule)
{
	EXPECT_ERROR(
	    "name: p\nrules:\n"
	    "  - { name: r, on: open, match: { uid: 0 }, action: audit }\n"
	    "  - { name: r, on: exec, match: { uid: 0 }, action: audit }\n",
	    "p.yaml:4:13", "duplicate rule name 'r' (first at line 3)");
	EXPECT_ERROR("name: p\nname: q\n", "p.yaml:2:1",
		     "duplicate key 'name' in policy");
}

TEST(policy_err_duplicate_policy)
{
	struct rtg_policy_set *set;

	set = load_as(NULL, "a.yaml", "name: p\n");
	set = load_as(set, "b.yaml", "\nname: p\n");
	if (!ASSERT_TRUE(set, "set"))
		return;
	ASSERT_TRUE(
	    has_error(
		set, "b.yaml:2:7",
		"duplicate policy name 'p' (first defined at a.yaml:1:7)"),
	    "dup");
	ASSERT_EQ(set->npolicies, 1, "first one kept");
	policy_set_free(set);
}

TEST(policy_err_policy_name)
{
	EXPECT_ERROR("name: Bad_Name\n", "p.yaml:1:7",
		     "invalid policy name 'Bad_Name' (expected [a-z0-9-]+");
	EXPECT_ERROR("description: x\n", "p.yaml:1:1",
		     "policy is missing required key 'name'");
	EXPECT_ERROR(RULE_HEAD "    name: x\n", "p.yaml:4:5",
		     "duplicate key 'name' in rule");
	EXPECT_ERROR("name: p\nrules:\n  - { name: a b, on: open, match: { "
		     "uid: 0 }, action: audit }\n",
		     "p.yaml:3:13", "invalid rule name 'a b'");
}

TEST(policy_err_key_not_allowed)
{
	EXPECT_ERROR(RULE_HEAD "    on: open\n"
			       "    match:\n"
			       "      path: { prefix: [/etc/] }\n"
			       "      dport: [80]\n"
			       "    action: deny\n",
		     "p.yaml:7:7",
		     "key 'dport' is not allowed in a rule on: open (open "
		     "rules take: path, binary, flags, uid, container)");
	EXPECT_ERROR(RULE_HEAD "    on: connect\n"
			       "    match: { daddr: [10.0.0.0/8] }\n"
			       "    unless: { path: { prefix: [/a] } }\n"
			       "    action: deny\n",
		     "p.yaml:6:15",
		     "key 'path' is not allowed in a rule on: connect");
	EXPECT_ERROR(RULE_HEAD "    on: open\n"
			       "    match: { args: { contains: [x] } }\n"
			       "    action: deny\n",
		     "p.yaml:5:14",
		     "key 'args' is not allowed in a rule on: open");
}

TEST(policy_err_bad_action)
{
	EXPECT_ERROR(
	    RULE_HEAD "    on: open\n"
		      "    match: { uid: 0 }\n"
		      "    action: block\n",
	    "p.yaml:6:13",
	    "bad action 'block' (expected one of: audit, deny, kill, allow)");
	EXPECT_ERROR("name: p\ndefaults: { exec: reject }\n", "p.yaml:2:19",
		     "bad action 'reject'");
	EXPECT_ERROR(RULE_HEAD "    on: write\n"
			       "    match: { uid: 0 }\n"
			       "    action: deny\n",
		     "p.yaml:4:9", "bad event type 'write'");
}

TEST(policy_err_missing_field)
{
	EXPECT_ERROR(RULE_HEAD "    match: { uid: 0 }\n"
			       "    action: deny\n",
		     "p.yaml:3:5", "rule is missing required key 'on'");
	EXPECT_ERROR(RULE_HEAD "    on: open\n"
			       "    match: { uid: 0 }\n",
		     "p.yaml:3:5", "rule is missing required key 'action'");
	EXPECT_ERROR(RULE_HEAD "    on: open\n"
			       "    action: deny\n",
		     "p.yaml:3:5", "rule is missing required key 'match'");
	EXPECT_ERROR("name: p\nrules:\n  - on: open\n    match: { uid: 0 }\n   "
		     " action: deny\n",
		     "p.yaml:3:5", "rule is missing required key 'name'");
	EXPECT_ERROR("", "p.yaml", "empty policy");
}

TEST(policy_err_yaml_syntax)
{
	EXPECT_ERROR("name: p\nrules:\n  - name: \"r\n", "p.yaml:4:1",
		     "YAML syntax error: found unexpected end of stream");
	EXPECT_ERROR(
	    "name: p\nrules:\n  - name: r\n    on: open\n   action: deny\n",
	    "p.yaml:5:4",
	    "YAML syntax error: did not find expected '-' indicator");
	EXPECT_ERROR("name: p\n\tdescription: x\n", "p.yaml:2:1",
		     "YAML syntax error");
}

TEST(policy_err_paths)
{
	char yaml[1024], longp[300];

	EXPECT_ERROR(RULE_HEAD "    on: open\n"
			       "    match: { path: { prefix: [etc/] } }\n"
			       "    action: deny\n",
		     "p.yaml:5:31", "path 'etc/' must be absolute");
	EXPECT_ERROR(RULE_HEAD
		     "    on: open\n"
		     "    match: { path: { equal: [/etc/../shadow] } }\n"
		     "    action: deny\n",
		     "p.yaml:5:30", "is not canonical");
	memset(longp, 'a', sizeof(longp));
	longp[0] = '/';
	longp[254] = 0; /* 254 bytes: one too many */
	snprintf(yaml, sizeof(yaml),
		 RULE_HEAD "    on: open\n"
			   "    match: { path: { equal: [%s] } }\n"
			   "    action: deny\n",
		 longp);
	EXPECT_ERROR(yaml, "p.yaml:5:30",
		     "path is 254 bytes long (limit 253 for equal)");
	longp[253] = 0; /* 253 is fine */
	snprintf(yaml, sizeof(yaml),
		 RULE_HEAD "    on: open\n"
			   "    match: { path: { prefix: [%s] } }\n"
			   "    action: deny\n",
		 longp);
	{
		struct rtg_policy_set *s = load(yaml);

		ASSERT_EQ(s->nerrors, 0, "253-byte path accepted");
		policy_set_free(s);
	}
	longp[65] = 0;
	snprintf(yaml, sizeof(yaml),
		 RULE_HEAD "    on: exec\n"
			   "    match: { path: { suffix: [%s] } }\n"
			   "    action: kill\n",
		 longp);
	EXPECT_ERROR(yaml, "p.yaml:5:31", "suffix is 65 bytes long (limit 64)");
}

TEST(policy_err_list_limits)
{
	char *yaml = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&yaml, &len);
	int i;

	fputs(RULE_HEAD "    on: connect\n    match:\n      dport:\n", f);
	for (i = 1; i <= RTG_MAX_LIST + 1; i++)
		fprintf(f, "        - %d\n", i);
	fputs("    action: deny\n", f);
	fclose(f);
	EXPECT_ERROR(yaml, "p.yaml:7:9", "too many values: 257 (limit 256");
	free(yaml);
	EXPECT_ERROR(
	    RULE_HEAD
	    "    on: exec\n"
	    "    match: { args: { contains: [a, b, c, d, e, f, g, h, i] } }\n"
	    "    action: kill\n",
	    "p.yaml:5:32", "too many args strings: 9 (limit 8)");
	EXPECT_ERROR(RULE_HEAD "    on: exec\n"
			       "    match: { args: { contains: "
			       "[aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			       "aaaaaaaaaaaaaaaaaaa] } }\n"
			       "    action: kill\n",
		     "p.yaml:5:33", "args string is 65 bytes long (limit 64)");
}

static char *rules_yaml(const char *pname, const char *hook, int n)
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

TEST(policy_err_too_many_rules)
{
	struct rtg_policy_set *set;
	struct rtg_compiled *c = NULL;
	char *y;

	y = rules_yaml("p", "open", 65);
	set = load(y);
	/* the 65th rule's `on:` is on line 2 + 64 * 4 + 2 */
	ASSERT_TRUE(has_error(set, "p.yaml:260:9",
			      "too many rules on open: the limit is 64 per "
			      "event type across all loaded policies"),
		    "65 rejected");
	ASSERT_EQ(set->nerrors, 1, "one error");
	policy_set_free(set);
	free(y);

	/* the limit is across policies */
	y = rules_yaml("a", "exec", 40);
	set = load_as(NULL, "a.yaml", y);
	free(y);
	y = rules_yaml("b", "exec", 25);
	load_as(set, "b.yaml", y);
	free(y);
	ASSERT_TRUE(has_error(set, "b.yaml:100:9", "too many rules on exec"),
		    "across policies");
	policy_set_free(set);

	y = rules_yaml("p", "open", 64);
	set = load(y);
	free(y);
	ASSERT_EQ(set->nerrors, 0, "64 accepted");
	ASSERT_OK(policy_compile(set, &be_none, &c), "compile 64");
	if (c) {
		ASSERT_EQ(c->nrules[RTG_HOOK_OPEN], 64, "64 bits");
		ASSERT_EQ(c->rs.h[RTG_HOOK_OPEN].pmask[0], ~0ULL, "pmask");
	}
	policy_compiled_free(c);
	policy_set_free(set);
}

TEST(policy_err_too_many_policies)
{
	struct rtg_policy_set *set = policy_set_new();
	char y[64], name[32];
	int i;

	for (i = 0; i < RTG_MAX_POLICIES + 1; i++) {
		snprintf(y, sizeof(y), "name: p%d\n", i);
		snprintf(name, sizeof(name), "p%d.yaml", i);
		load_as(set, name, y);
	}
	ASSERT_EQ(set->npolicies, RTG_MAX_POLICIES, "16 loaded");
	ASSERT_TRUE(has_error(set, "p16.yaml:1:7",
			      "too many policies: the limit is 16"),
		    "17th");
	policy_set_free(set);
}

TEST(policy_err_collects_all)
{
	struct rtg_policy_set *set;
	char *yaml = NULL;
	size_t len = 0;
	FILE *f;
	int i;

	set = load(RULE_HEAD
		   "    on: connect\n"
		   "    match: { dport: [0], daddr: [1.2.3.4/40], uid: [-1] }\n"
		   "    action: nope\n");
	ASSERT_EQ(set->nerrors, 4, "four errors in one file");
	policy_set_free(set);

	f = open_memstream(&yaml, &len);
	fputs("name: p\nrules:\n", f);
	for (i = 0; i < 30; i++)
		fprintf(f,
			"  - { name: r%d, on: open, match: { uid: x }, action: "
			"deny }\n",
			i);
	fclose(f);
	set = load(yaml);
	free(yaml);
	ASSERT_EQ(set->nerrors, RTG_MAX_FILE_ERRORS + 1, "capped");
	ASSERT_STRCONTAINS(set->errors[RTG_MAX_FILE_ERRORS].text,
			   "too many errors, stopping after 20", "last");
	policy_set_free(set);
}

/* ---- files ------------------------------------------------------------- */

static int load_tree(struct rtg_policy_set *set, const char *dir, int *nfiles)
{
	struct dirent **ents;
	char path[512];
	struct stat st;
	int n, i;

	n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0)
		return -errno;
	for (i = 0; i < n; i++) {
		const char *nm = ents[i]->d_name;
		size_t l = strlen(nm);

		snprintf(path, sizeof(path), "%s/%s", dir, nm);
		if (nm[0] != '.' && !stat(path, &st) && S_ISDIR(st.st_mode))
			load_tree(set, path, nfiles);
		else if (nm[0] != '.' && l > 5 &&
			 !strcmp(nm + l - 5, ".yaml")) {
			(*nfiles)++;
			policy_load_file(set, path);
		}
		free(ents[i]);
	}
	free(ents);
	return 0;
}

TEST(policy_files_valid)
{
	struct rtg_policy_set *set = policy_set_new();
	const struct rtg_backends *bes[] = {&be_none, &be_fan, &be_lsm};
	int nfiles = 0, i;

	if (access("policies/default.yaml", R_OK))
		test_skip("run from the repository root (policies/ not found)");
	ASSERT_OK(load_tree(set, "policies", &nfiles), "scan policies/");
	dump_errors(set);
	ASSERT_EQ(set->nerrors, 0, "every file in policies/ is valid");
	ASSERT_GE(nfiles, 8, "default + 7 examples");
	ASSERT_EQ(set->npolicies, nfiles, "one policy per file");
	for (i = 0; i < 3; i++) {
		struct rtg_compiled *c = NULL;

		ASSERT_OK(policy_compile(set, bes[i], &c), "all together");
		policy_compiled_free(c);
	}
	policy_set_free(set);
}

TEST(policy_embedded_default)
{
	struct rtg_policy_set *set = policy_set_new();
	struct rtg_compiled *c = NULL;
	struct rtg_facts f = {.hook = RTG_HOOK_OPEN};
	struct rtg_verdict v;
	const char *pn;

	ASSERT_OK(policy_load_buffer(
		      set, "<embedded default>", rtg_default_policy,
		      (size_t)(rtg_default_policy_end - rtg_default_policy)),
		  "load");
	dump_errors(set);
	if (!ASSERT_EQ(set->npolicies, 1, "one policy"))
		return;
	ASSERT_STREQ(set->policies[0].name, "default", "name");
	ASSERT_OK(policy_compile(set, &be_none, &c), "compile");
	f.path = "/etc/shadow";
	f.flags = 1u << RTG_FLAG_READ;
	policy_eval(c, &f, &v);
	ASSERT_EQ(v.action, RTG_ACT_AUDIT, "shadow read audited");
	ASSERT_STREQ(policy_rule_name(c, RTG_HOOK_OPEN, v.rule, &pn),
		     "credential-files", "rule");
	ASSERT_STREQ(pn, "default", "policy");
	f.path = "/usr/bin/ls";
	policy_eval(c, &f, &v);
	ASSERT_EQ(v.action, RTG_ACT_ALLOW, "reading /usr/bin/ls");
	f.flags = 1u << RTG_FLAG_WRITE;
	policy_eval(c, &f, &v);
	ASSERT_EQ(v.action, RTG_ACT_AUDIT, "writing /usr/bin/ls");
	f.path = "/run/docker.sock";
	f.flags = 1u << RTG_FLAG_READ;
	policy_eval(c, &f, &v);
	ASSERT_EQ(v.action, RTG_ACT_AUDIT, "runtime socket");
	f.hook = RTG_HOOK_EXEC;
	f.path = "/usr/bin/ls";
	f.flags = 0;
	policy_eval(c, &f, &v);
	ASSERT_EQ(v.action, RTG_ACT_AUDIT, "exec default audit");
	ASSERT_EQ(v.rule, RTG_RULE_DEFAULT | 0, "default rule id");
	ASSERT_TRUE(policy_rule_name(c, RTG_HOOK_EXEC, v.rule, &pn) == NULL,
		    "default has no rule name");
	ASSERT_STREQ(pn, "default", "default policy name");
	policy_compiled_free(c);
	policy_set_free(set);
}

static void write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(s, f);
		fclose(f);
	}
}

TEST(policy_load_dir_configmap)
{
	char dir[] = "/tmp/rtg-policy-XXXXXX", p[256], q[256];
	struct rtg_policy_set *set = policy_set_new();

	if (!ASSERT_TRUE(mkdtemp(dir), "mkdtemp"))
		return;
	/* the layout kubelet writes for a ConfigMap volume */
	snprintf(p, sizeof(p), "%s/..2026_11_27_16_00_00.123", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/..2026_11_27_16_00_00.123/b.yaml", dir);
	write_file(p, "name: b\n");
	snprintf(p, sizeof(p), "%s/..2026_11_27_16_00_00.123/a.yml", dir);
	write_file(p, "name: a\n");
	snprintf(p, sizeof(p), "%s/..data", dir);
	symlink("..2026_11_27_16_00_00.123", p);
	snprintf(p, sizeof(p), "%s/b.yaml", dir);
	symlink("..data/b.yaml", p);
	snprintf(p, sizeof(p), "%s/a.yml", dir);
	symlink("..data/a.yml", p);
	snprintf(p, sizeof(p), "%s/.hidden.yaml", dir);
	write_file(p, "this: is not loaded\n");
	snprintf(p, sizeof(p), "%s/README.txt", dir);
	write_file(p, "not a policy\n");

	ASSERT_OK(policy_load_dir(set, dir), "load dir");
	dump_errors(set);
	if (ASSERT_EQ(set->npolicies, 2, "two policies")) {
		ASSERT_STREQ(set->policies[0].name, "a", "sorted: a.yml");
		ASSERT_STREQ(set->policies[1].name, "b", "then b.yaml");
	}
	policy_set_free(set);

	set = policy_set_new();
	snprintf(q, sizeof(q), "%s/..data", dir);
	ASSERT_EQ(policy_load_dir(set, q), 0, "..data itself loads");
	policy_set_free(set);
	snprintf(q, sizeof(q), "rm -rf '%s'", dir);
	ASSERT_EQ(system(q), 0, "cleanup");

	set = policy_set_new();
	ASSERT_EQ(policy_load_file(set, "/nonexistent/x.yaml"), -ENOENT,
		  "missing file");
	ASSERT_TRUE(has_error(set, "/nonexistent/x.yaml",
			      "cannot open: No such file or directory"),
		    "message");
	policy_set_free(set);
}

/* ---- compiler ---------------------------------------------------------- */

static struct rtg_compiled *compile_ok(const char *yaml,
				       const struct rtg_backends *be,
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

static const struct rtg_str_entry *
find_str(const struct rtg_compiled *c, uint8_t kind, const char *s, size_t len)
{
	int i;

	for (i = 0; i < c->nstr; i++)
		if (c->str[i].key.kind == kind &&
		    c->str[i].key.prefixlen == RTG_STR_HDR_BITS + 8 * len &&
		    !memcmp(c->str[i].key.s, s, len))
			return &c->str[i];
	return NULL;
}

TEST(policy_compile_trie_closure)
{
	struct rtg_compiled *c;
	const struct rtg_str_entry *e;
	uint8_t k = RTG_KIND(RTG_HOOK_OPEN, RTG_KEY_PATH);

	c = compile_ok(
	    "name: p\nrules:\n"
	    "  - { name: a, on: open, match: { path: { equal: [/etc/shadow] } "
	    "}, action: deny }\n"
	    "  - { name: b, on: open, match: { path: { prefix: [/etc/] } }, "
	    "action: audit }\n"
	    "  - { name: c, on: open, match: { path: { prefix: [/etc/sh] } }, "
	    "unless: { path: { prefix: [/etc/] } }, action: kill }\n"
	    "  - { name: d, on: open, match: { path: { prefix: [/etc/shadow] } "
	    "}, action: kill }\n"
	    "  - { name: e, on: open, match: { path: { suffix: [dow, /shadow] "
	    "} }, action: audit }\n"
	    "  - { name: f, on: open, match: { path: { equal: [/var/x] } }, "
	    "action: audit }\n",
	    &be_none, NULL);
	if (!c)
		return;
	ASSERT_EQ(c->nstr, 7, "distinct entries");
	e = find_str(c, k, "/etc/shadow", 12);
	if (ASSERT_TRUE(e, "equal entry has the NUL")) {
		ASSERT_EQ(e->v.m, 0xf,
			  "equal: itself + /etc/ + /etc/sh + /etc/shadow");
		ASSERT_EQ(e->v.u, 0x4, "unless of c via /etc/");
	}
	e = find_str(c, k, "/etc/shadow", 11);
	if (ASSERT_TRUE(e, "prefix /etc/shadow"))
		ASSERT_EQ(e->v.m, 0xe, "prefix: b c d");
	e = find_str(c, k, "/etc/sh", 7);
	if (ASSERT_TRUE(e, "prefix /etc/sh"))
		ASSERT_EQ(e->v.m, 0x6, "b c");
	e = find_str(c, k, "/etc/", 5);
	if (ASSERT_TRUE(e, "prefix /etc/")) {
		ASSERT_EQ(e->v.m, 0x2, "b only");
		ASSERT_EQ(e->v.u, 0x4, "unless c");
	}
	e = find_str(c, k, "/var/x", 7);
	if (ASSERT_TRUE(e, "/var/x"))
		ASSERT_EQ(e->v.m, 0x20, "unrelated");
	e = find_str(c, k | RTG_KIND_SUFFIX, "wod", 3);
	if (ASSERT_TRUE(e, "suffix reversed"))
		ASSERT_EQ(e->v.m, 0x10, "dow");
	e = find_str(c, k | RTG_KIND_SUFFIX, "wodahs/", 7);
	if (ASSERT_TRUE(e, "suffix /shadow reversed"))
		ASSERT_EQ(e->v.m, 0x10, "closure within the suffix kind");
	ASSERT_EQ(c->rs.h[RTG_HOOK_OPEN].features,
		  RTG_HF_STR_PATH | RTG_HF_SUFFIX_PATH | RTG_HF_ACTIVE,
		  "features");
	policy_compiled_free(c);
}

TEST(policy_compile_masks)
{
	struct rtg_compiled *c;
	const struct rtg_hookset *hs;

	c = compile_ok(
	    "name: p\ndefaults: { open: audit, exec: kill, connect: deny "
	    "}\nrules:\n"
	    "  - { name: a, on: open, match: { path: { equal: [/a] }, flags: "
	    "[write, truncate] }, action: deny }\n"
	    "  - { name: b, on: open, match: { path: { prefix: [/b/] }, "
	    "container: true }, unless: { uid: [0, 1000] }, action: deny }\n"
	    "  - { name: c, on: connect, match: { dport: [\"1000-1002\", 5], "
	    "protocol: udp }, action: deny }\n"
	    "  - { name: d, on: exec, match: { args: { contains: [x] } }, "
	    "action: deny }\n"
	    "  - { name: e, on: exec, match: { path: { equal: [/e] } }, "
	    "action: deny }\n",
	    &be_fan, NULL);
	if (!c)
		return;
	hs = &c->rs.h[RTG_HOOK_OPEN];
	ASSERT_EQ(hs->npolicies, 1, "npolicies");
	ASSERT_EQ(hs->pmask[0], 0x3, "pmask");
	ASSERT_EQ(hs->dc_m[RTG_KEY_PATH], 0, "both use path");
	ASSERT_EQ(hs->dc_m[RTG_KEY_FLAGS], 0x2, "b has no flags");
	ASSERT_EQ(hs->dc_m[RTG_KEY_CONTAINER], 0x1, "a has no container");
	ASSERT_EQ(hs->dc_m[RTG_KEY_DPORT], 0x3, "nobody uses dport");
	ASSERT_EQ(hs->has_unless, 0x2, "has_unless");
	ASSERT_EQ(hs->dc_u[RTG_KEY_UID], 0x1, "b's unless uses uid");
	ASSERT_EQ(hs->flag_m[RTG_FLAG_WRITE], 0x1, "write");
	ASSERT_EQ(hs->flag_m[RTG_FLAG_TRUNCATE], 0x1, "truncate");
	ASSERT_EQ(hs->flag_m[RTG_FLAG_READ], 0, "read");
	ASSERT_EQ(hs->cont_m[1], 0x2, "container");
	ASSERT_EQ(hs->cont_m[0], 0, "host");
	ASSERT_EQ(hs->mech[0], RTG_MECH_FANOTIFY, "equal deny -> fanotify");
	ASSERT_EQ(hs->mech[1], RTG_MECH_SIGKILL, "prefix deny -> sigkill");
	ASSERT_EQ(hs->def_action[0], RTG_ACT_AUDIT, "def open");
	ASSERT_EQ(hs->def_mech[0], RTG_MECH_NONE, "audit has no mech");
	ASSERT_EQ(c->nuid, 2, "uid entries");
	ASSERT_EQ(c->rs.h[RTG_HOOK_EXEC].def_mech[0], RTG_MECH_SIGKILL,
		  "def exec kill");
	ASSERT_EQ(c->rs.h[RTG_HOOK_CONNECT].def_mech[0], RTG_MECH_CGROUP,
		  "def connect deny");
	ASSERT_EQ(c->rs.h[RTG_HOOK_CONNECT].proto_m[1], 0x1, "udp");
	ASSERT_EQ(c->rs.h[RTG_HOOK_CONNECT].proto_m[0], 0, "tcp");
	ASSERT_EQ(c->rs.h[RTG_HOOK_CONNECT].mech[0], RTG_MECH_CGROUP, "cgroup");
	ASSERT_EQ(c->nport, 4, "4 ports");
	ASSERT_EQ(c->port[0].port, 5, "sorted");
	ASSERT_EQ(c->port[3].port, 1002, "range end");
	ASSERT_EQ(c->rs.h[RTG_HOOK_EXEC].mech[0], RTG_MECH_SIGKILL,
		  "args deny -> sigkill");
	ASSERT_EQ(c->rs.h[RTG_HOOK_EXEC].mech[1], RTG_MECH_FANOTIFY,
		  "exec equal deny -> fanotify");
	ASSERT_EQ(c->rs.h[RTG_HOOK_EXEC].dc_m[RTG_KEY_ARGS], 0x2, "args dc");
	ASSERT_EQ(c->rs.h[RTG_HOOK_EXEC].features,
		  RTG_HF_ARGS | RTG_HF_STR_PATH | RTG_HF_ACTIVE,
		  "exec features");
	if (ASSERT_EQ(c->nfan, 2, "fanotify targets")) {
		ASSERT_STREQ(c->fan[0].path, "/a", "open target");
		ASSERT_EQ(c->fan[0].hook, RTG_HOOK_OPEN, "open");
		ASSERT_STREQ(c->fan[1].path, "/e", "exec target");
		ASSERT_EQ(c->fan[1].hook, RTG_HOOK_EXEC, "exec");
	}
	policy_compiled_free(c);

	c = compile_ok("name: p\ndefaults: { open: deny }\nrules:\n"
		       "  - { name: a, on: open, match: { path: { equal: [/a] "
		       "} }, action: deny }\n",
		       &be_lsm, NULL);
	if (c) {
		ASSERT_EQ(c->rs.h[RTG_HOOK_OPEN].mech[0], RTG_MECH_LSM, "lsm");
		ASSERT_EQ(c->rs.h[RTG_HOOK_OPEN].def_mech[0], RTG_MECH_LSM,
			  "def lsm");
		ASSERT_EQ(c->nfan, 0, "no fanotify with lsm");
	}
	policy_compiled_free(c);
	c = compile_ok("name: p\ndefaults: { open: deny }\nrules:\n"
		       "  - { name: a, on: open, match: { path: { equal: [/a] "
		       "} }, action: deny }\n",
		       &be_none, NULL);
	if (c) {
		ASSERT_EQ(c->rs.h[RTG_HOOK_OPEN].mech[0], RTG_MECH_SIGKILL,
			  "no fanotify -> sigkill");
		ASSERT_EQ(c->rs.h[RTG_HOOK_OPEN].def_mech[0], RTG_MECH_SIGKILL,
			  "def sigkill");
	}
	policy_compiled_free(c);
}

TEST(policy_compile_cidr_folding)
{
	struct rtg_compiled *c;
	int i, n4 = 0;

	c = compile_ok(
	    "name: p\nrules:\n"
	    "  - { name: a, on: connect, match: { daddr: "
	    "[\"::ffff:10.0.0.0/104\", \"::ffff:1.2.3.4\"] }, action: deny }\n"
	    "  - { name: b, on: connect, match: { daddr: [\"::/0\"] }, action: "
	    "audit }\n",
	    &be_none, NULL);
	if (!c)
		return;
	for (i = 0; i < c->naddr; i++) {
		const struct rtg_addr_key *k = &c->addr[i].key;

		if (k->family != 4)
			continue;
		n4++;
		if (k->prefixlen == 16 + 8)
			ASSERT_EQ(k->addr[0], 10, "10/8");
		else if (k->prefixlen == 16 + 32)
			ASSERT_EQ(k->addr[3], 4, "1.2.3.4/32");
		else
			ASSERT_EQ(k->prefixlen, 16, "::/0 covers v4 as 0/0");
	}
	ASSERT_EQ(n4, 3, "v4 entries");
	ASSERT_EQ(c->naddr, 4, "plus ::/0");
	policy_compiled_free(c);
}

TEST(policy_args_match)
{
	struct rtg_compiled *c;
	char *argv1[] = {"xmrig", "-o", "stratum+tcp://pool:3333"};
	char *argv2[] = {"ls", "-l"};
	static const char buf[] = "sh\0-c\0curl x | sh -s stratum";
	struct rtg_verdict v;
	uint64_t u, m;

	c = compile_ok("name: p\nrules:\n"
		       "  - { name: skip, on: exec, match: { path: { prefix: "
		       "[/opt/] } }, action: allow }\n"
		       "  - { name: s, on: exec, match: { args: { contains: "
		       "[\"stratum+tcp\", \"-s stratum\"] } }, unless: { args: "
		       "{ contains: [--dry] } }, action: kill }\n",
		       &be_none, NULL);
	if (!c)
		return;
	m = policy_args_match(c, argv1, 3, &u);
	ASSERT_EQ(m, 0x2, "stratum");
	ASSERT_EQ(u, 0, "no --dry");
	m = policy_args_match(c, argv2, 2, &u);
	ASSERT_EQ(m, 0, "ls");
	m = policy_args_match_buf(c, buf, sizeof(buf) - 1, &u);
	ASSERT_EQ(m, 0x2, "NUL-separated buffer");
	/* the kernel's candidate masks: every key but args held for both */
	policy_decide_args(c, 0x2, 0x2, buf, sizeof(buf) - 1, &v);
	ASSERT_EQ(v.action, RTG_ACT_KILL, "finished in user space");
	ASSERT_EQ(v.rule, 1, "rule s");
	policy_decide_args(c, 0x2, 0x2, "a\0--dry", 8, &v);
	ASSERT_EQ(v.action, RTG_ACT_ALLOW, "no args match");
	policy_decide_args(c, 0x3, 0x2, "stratum+tcp\0--dry", 18, &v);
	ASSERT_EQ(v.action, RTG_ACT_ALLOW, "first rule (allow) wins");
	ASSERT_EQ(v.rule, RTG_RULE_NONE, "allow reports no rule");
	policy_compiled_free(c);
}

/* ---- real maps --------------------------------------------------------- */

static void maps_close(struct rtg_map_fds *m)
{
	if (m->set >= 0)
		close(m->set);
	if (m->str >= 0)
		close(m->str);
	if (m->addr >= 0)
		close(m->addr);
	if (m->uid >= 0)
		close(m->uid);
	if (m->port >= 0)
		close(m->port);
}

static bool maps_create(struct rtg_map_fds *m)
{
	LIBBPF_OPTS(bpf_map_create_opts, lpm, .map_flags = BPF_F_NO_PREALLOC);

	m->set = bpf_map_create(BPF_MAP_TYPE_ARRAY, "rules_set", 4,
				sizeof(struct rtg_ruleset), RTG_NGEN, NULL);
	m->str = bpf_map_create(
	    BPF_MAP_TYPE_LPM_TRIE, "rules_str", sizeof(struct rtg_str_key),
	    sizeof(struct rtg_bits), RTG_MAP_STR_ENTRIES, &lpm);
	m->addr = bpf_map_create(
	    BPF_MAP_TYPE_LPM_TRIE, "rules_addr", sizeof(struct rtg_addr_key),
	    sizeof(struct rtg_bits), RTG_MAP_ADDR_ENTRIES, &lpm);
	m->uid = bpf_map_create(
	    BPF_MAP_TYPE_HASH, "rules_uid", sizeof(struct rtg_uid_key),
	    sizeof(struct rtg_bits), RTG_MAP_UID_ENTRIES, NULL);
	m->port =
	    bpf_map_create(BPF_MAP_TYPE_ARRAY, "rules_port", 4,
			   sizeof(struct rtg_bits), RTG_MAP_PORT_ENTRIES, NULL);
	return ASSERT_GE(m->set, 0, "set map") &&
	       ASSERT_GE(m->str, 0, "str map") &&
	       ASSERT_GE(m->addr, 0, "addr map") &&
	       ASSERT_GE(m->uid, 0, "uid map") &&
	       ASSERT_GE(m->port, 0, "port map");
}

/* decide through the maps and in memory; both must agree */
static struct rtg_verdict decide(const struct rtg_compiled *c, uint8_t gen,
				 const struct rtg_map_fds *fds,
				 const struct rtg_facts *f)
{
	struct rtg_bits keys[RTG_NKEYS];
	struct rtg_verdict v = {0}, vm;
	struct rtg_ruleset rs;
	uint32_t g = gen;

	if (!ASSERT_OK(policy_facts_keys_maps(c, gen, fds, f, keys),
		       "map lookups") ||
	    !ASSERT_OK(bpf_map_lookup_elem(fds->set, &g, &rs), "ruleset"))
		return v;
	ASSERT_EQ(memcmp(&rs, &c->rs, sizeof(rs)), 0, "ruleset written");
	rtg_decide(&rs.h[f->hook], keys, &v);
	policy_eval(c, f, &vm);
	ASSERT_EQ(vm.action, v.action, "in-memory action agrees");
	ASSERT_EQ(vm.rule, v.rule, "in-memory rule agrees");
	return v;
}

static bool check_verdict(const struct rtg_compiled *c,
			  const struct rtg_verdict *v, int hook, int action,
			  const char *policy, const char *rule,
			  const char *what)
{
	const char *pn = NULL, *rn;
	bool ok;

	rn = policy_rule_name(c, hook, v->rule, &pn);
	ok = ASSERT_EQ(v->action, action, what);
	if (policy && action != RTG_ACT_ALLOW)
		ok &= ASSERT_STREQ(pn, policy, what);
	if (rule)
		ok &= ASSERT_STREQ(rn, rule, what);
	else if (action != RTG_ACT_ALLOW)
		ok &= ASSERT_TRUE(v->rule & RTG_RULE_DEFAULT, what);
	return ok;
}

static const char open_policies[] =
    "name: a\ndefaults: { open: audit }\nrules:\n"
    "  - name: shadow-sshd\n    on: open\n"
    "    match: { path: { equal: [/etc/shadow] }, binary: { equal: "
    "[/usr/sbin/sshd] } }\n"
    "    action: allow\n"
    "  - name: shadow-deny\n    on: open\n"
    "    match: { path: { equal: [/etc/shadow, /etc/gshadow] } }\n"
    "    unless: { binary: { prefix: [/usr/bin/passwd] } }\n"
    "    action: deny\n"
    "  - name: etc-writes\n    on: open\n"
    "    match: { path: { prefix: [/etc/] }, flags: [write] }\n"
    "    action: kill\n"
    "  - name: logs\n    on: open\n"
    "    match: { path: { suffix: [.log] } }\n"
    "    action: allow\n"
    "---\n"
    "name: b\nrules:\n"
    "  - { name: etc-audit, on: open, match: { path: { prefix: [/etc/] } }, "
    "action: audit }\n"
    "  - { name: cont, on: open, match: { path: { prefix: [/srv/] }, "
    "container: true, uid: [1000] }, action: deny }\n";

TEST(policy_maps_open)
{
	struct rtg_map_fds fds = {-1, -1, -1, -1, -1};
	struct rtg_facts f = {.hook = RTG_HOOK_OPEN,
			      .flags = 1u << RTG_FLAG_READ};
	struct rtg_compiled *c;
	struct rtg_verdict v;
	const int gen = 1;

	TEST_NEED_ROOT();
	c = compile_ok(open_policies, &be_fan, NULL);
	if (!c || !maps_create(&fds))
		goto cleanup;
	if (!ASSERT_OK(policy_apply(c, gen, &fds), "apply"))
		goto cleanup;

	f.path = "/etc/shadow";
	f.binary = "/usr/sbin/sshd";
	v = decide(c, gen, &fds, &f);
	/* a: allow (first match wins over shadow-deny); b: audit -> audit */
	check_verdict(c, &v, RTG_HOOK_OPEN, RTG_ACT_AUDIT, "b", "etc-audit",
		      "strictest across policies");
	f.binary = "/bin/cat";
	v = decide(c, gen, &fds, &f);
	check_verdict(c, &v, RTG_HOOK_OPEN, RTG_ACT_DENY, "a", "shadow-deny",
		      "equal deny");
	ASSERT_EQ(v.mech, RTG_MECH_FANOTIFY, "fanotify mech");
	f.path = "/etc/gshadow";
	v = decide(c, gen, &fds, &f);
	check_verdict(c, &v, RTG_HOOK_OPEN, RTG_ACT_DENY, "a", "shadow-deny",
		      "second equal");
	f.path = "/etc/shadow";
	f.binary = "/usr/bin/passwd";
	v = decide(c, gen, &fds, &f);
	check_verdict(c, &v, RTG_HOOK_OPEN, RTG_ACT_AUDIT, NULL, NULL,
		      "unless skips the rule");
	ASSERT_TRUE(v.rule & RTG_RULE_DEFAULT, "a default or b rule");
	f.flags = 1u << RTG_FLAG_WRITE | 1u << RTG_FLAG_READ;
	v = decide(c, gen, &fds, &f);
	check_verdict(c, &v, RTG_HOOK_OPEN, RTG_ACT_KILL, "a", "etc-writes",
		      "next rule after unless");
	ASSERT_EQ(v.mech, RTG_MECH_SIGKILL, "kill mech");
	f.flags = 1u << RTG_FLAG_READ;
	f.binary = "/bin/cat";
	/* a's default and b's rule are both audit: the first policy reports */
	f.path = "/etc/shadowx";
	v = decide(c, gen, &fds, &f);
	check_verdict(c, &v, RTG_HOOK_OPEN, RTG_ACT_AUDIT, "a", NULL,
		      "equal is not a prefix");
	f.path = "/etc/shado";
	v = decide(c, gen, &fds, &f);
	check_verdict(c, &v, RTG_HOOK_OPEN, RTG_ACT_AUDIT, "a", NULL,
		      "shorter than equal");
	f.path = "/var/log/syslog.log";
	v = decide(c, gen, &fds, &f);
	check_verdict(c, &v, RTG_HOOK_OPEN, RTG_ACT_ALLOW, NULL, NULL,
		      "suffix allow");
	ASSERT_EQ(v.rule, RTG_RULE_NONE, "allow: no rule");
	f.path = "/var/log/syslog.log.1";
	v = decide(c, gen, &fds, &f);
	check_verdict(c, &v, RTG_HOOK_OPEN, RTG_ACT_AUDIT, "a", NULL,
		      "not a suffix: default of a");
	ASSERT_EQ(v.rule, RTG_RULE_DEFAULT | 0, "default of policy 0");
	f.path = "/etc/app.log";
	v = decide(c, gen, &fds, &f);
	check_verdict(c, &v, RTG_HOOK_OPEN, RTG_ACT_AUDIT, "b", "etc-audit",
		      "a allows by suffix, b audits by prefix");
	f.path = "/srv/data";
	f.uid = 1000;
	f.container = true;
	v = decide(c, gen, &fds, &f);
	check_verdict(c, &v, RTG_HOOK_OPEN, RTG_ACT_DENY, "b", "cont",
		      "container + uid");
	ASSERT_EQ(v.mech, RTG_MECH_SIGKILL, "prefix deny without lsm");
	f.container = false;
	v = decide(c, gen, &fds, &f);
	check_verdict(c, &v, RTG_HOOK_OPEN, RTG_ACT_AUDIT, "a", NULL,
		      "host: no match");
	f.container = true;
	f.uid = 0;
	v = decide(c, gen, &fds, &f);
	check_verdict(c, &v, RTG_HOOK_OPEN, RTG_ACT_AUDIT, "a", NULL,
		      "other uid: no match");

cleanup:
	policy_compiled_free(c);
	maps_close(&fds);
}

static const char connect_policy[] =
    "name: c\ndefaults: { connect: audit }\nrules:\n"
    "  - name: meta\n    on: connect\n"
    "    match: { daddr: [169.254.169.254, \"fd00:ec2::254/128\"] }\n"
    "    action: deny\n"
    "  - name: lan-high\n    on: connect\n"
    "    match: { daddr: [\"::ffff:10.0.0.0/104\"], dport: [\"8000-8100\", "
    "22], protocol: tcp }\n"
    "    action: deny\n"
    "  - name: lan\n    on: connect\n"
    "    match: { daddr: [10.0.0.0/8, \"fd00::/8\"] }\n"
    "    action: allow\n"
    "  - name: dns\n    on: connect\n"
    "    match: { dport: 53, protocol: udp, uid: [0] }\n"
    "    action: allow\n"
    "  - name: lan-ssh\n    on: connect\n"
    "    match: { daddr: [10.1.0.0/16], dport: [22] }\n"
    "    action: kill\n";

static void set_addr(struct rtg_facts *f, const char *a)
{
	memset(f->daddr, 0, sizeof(f->daddr));
	if (strchr(a, ':')) {
		f->family = 6;
		inet_pton(AF_INET6, a, f->daddr);
	} else {
		f->family = 4;
		inet_pton(AF_INET, a, f->daddr);
	}
}

TEST(policy_maps_connect)
{
	struct rtg_map_fds fds = {-1, -1, -1, -1, -1};
	struct rtg_facts f = {.hook = RTG_HOOK_CONNECT, .uid = 1000};
	struct rtg_compiled *c;
	struct rtg_verdict v;
	static const struct {
		const char *addr;
		uint16_t port;
		uint8_t proto;
		uint32_t uid;
		int action;
		const char *rule;
	} cases[] = {
	    {"169.254.169.254", 80, 0, 1000, RTG_ACT_DENY, "meta"},
	    {"::ffff:169.254.169.254", 80, 0, 1000, RTG_ACT_DENY, "meta"},
	    {"169.254.169.253", 80, 0, 1000, RTG_ACT_AUDIT, NULL},
	    {"fd00:ec2::254", 443, 0, 1000, RTG_ACT_DENY, "meta"},
	    {"10.1.2.3", 8050, 0, 1000, RTG_ACT_DENY, "lan-high"},
	    {"::ffff:10.1.2.3", 8000, 0, 1000, RTG_ACT_DENY, "lan-high"},
	    {"10.1.2.3", 8100, 0, 1000, RTG_ACT_DENY, "lan-high"},
	    {"10.1.2.3", 8101, 0, 1000, RTG_ACT_ALLOW, NULL},
	    {"10.1.2.3", 7999, 0, 1000, RTG_ACT_ALLOW, NULL},
	    {"10.1.2.3", 8050, 1, 1000, RTG_ACT_ALLOW, NULL},
	    {"10.1.2.3", 22, 0, 1000, RTG_ACT_DENY, "lan-high"},
	    /* lan (allow) comes before lan-ssh (kill): first match wins */
	    {"10.1.2.3", 22, 1, 1000, RTG_ACT_ALLOW, NULL},
	    {"11.1.2.3", 22, 0, 1000, RTG_ACT_AUDIT, NULL},
	    {"fd12::1", 22, 0, 1000, RTG_ACT_ALLOW, NULL},
	    {"fe80::1", 22, 0, 1000, RTG_ACT_AUDIT, NULL},
	    {"8.8.8.8", 53, 1, 0, RTG_ACT_ALLOW, NULL},
	    {"8.8.8.8", 53, 1, 1000, RTG_ACT_AUDIT, NULL},
	    {"8.8.8.8", 53, 0, 0, RTG_ACT_AUDIT, NULL},
	    {"8.8.8.8", 65535, 0, 0, RTG_ACT_AUDIT, NULL},
	};
	size_t i;

	TEST_NEED_ROOT();
	c = compile_ok(connect_policy, &be_none, NULL);
	if (!c || !maps_create(&fds))
		goto cleanup;
	if (!ASSERT_OK(policy_apply(c, 0, &fds), "apply"))
		goto cleanup;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char what[96];

		snprintf(what, sizeof(what), "case %zu: %s port %u %s uid %u",
			 i, cases[i].addr, cases[i].port,
			 cases[i].proto ? "udp" : "tcp", cases[i].uid);
		set_addr(&f, cases[i].addr);
		f.dport = cases[i].port;
		f.proto = cases[i].proto;
		f.uid = cases[i].uid;
		v = decide(c, 0, &fds, &f);
		check_verdict(c, &v, RTG_HOOK_CONNECT, cases[i].action, "c",
			      cases[i].rule, what);
		if (cases[i].action == RTG_ACT_DENY)
			ASSERT_EQ(v.mech, RTG_MECH_CGROUP, what);
	}
cleanup:
	policy_compiled_free(c);
	maps_close(&fds);
}

TEST(policy_maps_exec)
{
	struct rtg_map_fds fds = {-1, -1, -1, -1, -1};
	struct rtg_facts f = {.hook = RTG_HOOK_EXEC};
	struct rtg_compiled *c;
	struct rtg_verdict v;
	static const char args[] = "curl\0-o\0stratum+tcp://pool";

	TEST_NEED_ROOT();
	c = compile_ok(
	    "name: d\ndefaults: { exec: kill }\nrules:\n"
	    "  - { name: miners, on: exec, match: { path: { suffix: [/xmrig] } "
	    "}, action: kill }\n"
	    "  - { name: stratum, on: exec, match: { args: { contains: "
	    "[stratum+tcp] } }, action: audit }\n"
	    "  - { name: image, on: exec, match: { path: { prefix: [/usr/bin/] "
	    "}, container: true }, action: allow }\n"
	    "  - { name: host, on: exec, match: { container: false }, unless: "
	    "{ binary: { suffix: [/evil] } }, action: allow }\n",
	    &be_none, NULL);
	if (!c || !maps_create(&fds))
		goto cleanup;
	if (!ASSERT_OK(policy_apply(c, 1, &fds), "apply"))
		goto cleanup;
	f.path = "/tmp/x/xmrig";
	f.binary = "/bin/bash";
	v = decide(c, 1, &fds, &f);
	check_verdict(c, &v, RTG_HOOK_EXEC, RTG_ACT_KILL, "d", "miners",
		      "suffix kill");
	f.path = "/usr/bin/ls";
	f.container = true;
	v = decide(c, 1, &fds, &f);
	check_verdict(c, &v, RTG_HOOK_EXEC, RTG_ACT_ALLOW, NULL, NULL,
		      "allow-listed");
	f.path = "/tmp/ls";
	v = decide(c, 1, &fds, &f);
	check_verdict(c, &v, RTG_HOOK_EXEC, RTG_ACT_KILL, "d", NULL,
		      "not listed: default kill");
	f.path = "/usr/bin/curl";
	f.args = args;
	f.args_len = sizeof(args) - 1;
	v = decide(c, 1, &fds, &f);
	check_verdict(c, &v, RTG_HOOK_EXEC, RTG_ACT_AUDIT, "d", "stratum",
		      "args rule first");
	f.args = NULL;
	f.container = false;
	f.path = "/tmp/anything";
	v = decide(c, 1, &fds, &f);
	check_verdict(c, &v, RTG_HOOK_EXEC, RTG_ACT_ALLOW, NULL, NULL,
		      "host allowed");
	f.binary = "/tmp/evil";
	v = decide(c, 1, &fds, &f);
	check_verdict(c, &v, RTG_HOOK_EXEC, RTG_ACT_KILL, "d", NULL,
		      "unless binary suffix");
cleanup:
	policy_compiled_free(c);
	maps_close(&fds);
}

static int count_gen_str(int fd, uint8_t gen)
{
	struct rtg_str_key k, next;
	int n = 0;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		if (next.gen == gen)
			n++;
		k = next;
		prev = &k;
	}
	return n;
}

TEST(policy_maps_64_rules_and_clear)
{
	struct rtg_map_fds fds = {-1, -1, -1, -1, -1};
	struct rtg_facts f = {.hook = RTG_HOOK_OPEN};
	struct rtg_compiled *c = NULL, *c2 = NULL;
	struct rtg_verdict v;
	struct rtg_bits b;
	uint32_t idx;
	char *y;

	TEST_NEED_ROOT();
	y = rules_yaml("p", "open", 64);
	c = compile_ok(y, &be_none, NULL);
	free(y);
	c2 = compile_ok(connect_policy, &be_none, NULL);
	if (!c || !c2 || !maps_create(&fds))
		goto cleanup;
	if (!ASSERT_OK(policy_apply(c, 0, &fds), "apply gen 0") ||
	    !ASSERT_OK(policy_apply(c2, 1, &fds), "apply gen 1"))
		goto cleanup;
	f.path = "/r63";
	v = decide(c, 0, &fds, &f);
	check_verdict(c, &v, RTG_HOOK_OPEN, RTG_ACT_DENY, "p", "r63",
		      "64th rule");
	ASSERT_EQ(v.rule, 63, "bit 63");
	f.path = "/r0";
	v = decide(c, 0, &fds, &f);
	check_verdict(c, &v, RTG_HOOK_OPEN, RTG_ACT_AUDIT, "p", "r0", "bit 0");
	f.path = "/r64";
	v = decide(c, 0, &fds, &f);
	ASSERT_EQ(v.action, RTG_ACT_ALLOW, "no rule");
	ASSERT_EQ(count_gen_str(fds.str, 0), 64, "64 entries in gen 0");

	/* generations are independent; clear removes exactly one */
	ASSERT_OK(policy_clear(c, 0, &fds), "clear gen 0");
	ASSERT_EQ(count_gen_str(fds.str, 0), 0, "gen 0 empty");
	idx = 1 * RTG_PORT_SLOTS + 22;
	ASSERT_OK(bpf_map_lookup_elem(fds.port, &idx, &b), "port 22 gen 1");
	ASSERT_NEQ(b.m, 0, "gen 1 ports intact");
	ASSERT_OK(policy_clear(c2, 1, &fds), "clear gen 1");
	ASSERT_OK(bpf_map_lookup_elem(fds.port, &idx, &b), "port 22");
	ASSERT_EQ(b.m | b.u, 0, "ports zeroed");
	{
		struct rtg_addr_key k;

		ASSERT_NEQ(bpf_map_get_next_key(fds.addr, NULL, &k), 0,
			   "addr map empty");
	}
	ASSERT_OK(policy_clear(c2, 1, &fds), "clearing twice is fine");
cleanup:
	policy_compiled_free(c);
	policy_compiled_free(c2);
	maps_close(&fds);
}

/* ---- rtguard policy check ---------------------------------------------- */

static int run_capture(const char *cmd, char *out, size_t len)
{
	FILE *p = popen(cmd, "r");
	size_t n = 0;
	int st;

	out[0] = 0;
	if (!p)
		return -1;
	while (n + 1 < len) {
		size_t r = fread(out + n, 1, len - 1 - n, p);

		if (!r)
			break;
		n += r;
	}
	out[n] = 0;
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST(policy_check_cmd)
{
	char dir[] = "/tmp/rtg-check-XXXXXX", cmd[512], path[300];
	static char out[1 << 16];

	if (access(test_rtguard_bin(), X_OK) || access("policies", R_OK))
		test_skip("needs ./rtguard and policies/ (run from the repo)");
	snprintf(cmd, sizeof(cmd),
		 "%s policy check policies policies/examples 2>&1",
		 test_rtguard_bin());
	ASSERT_EQ(run_capture(cmd, out, sizeof(out)), 0, "examples valid");
	ASSERT_STRCONTAINS(out, "shadow-files: deny when path is /etc/shadow",
			   "rule in words");
	snprintf(cmd, sizeof(cmd),
		 "%s policy check --output json policies/examples 2>&1",
		 test_rtguard_bin());
	ASSERT_EQ(run_capture(cmd, out, sizeof(out)), 0, "json");
	ASSERT_STRCONTAINS(out, "{\"ok\":true,", "json object");
	ASSERT_STRCONTAINS(out, "\"mechanism\":\"cgroup\"", "mechanism");

	if (!ASSERT_TRUE(mkdtemp(dir), "mkdtemp"))
		return;
	snprintf(path, sizeof(path), "%s/bad.yaml", dir);
	write_file(path, RULE_HEAD "    on: open\n"
				   "    match: { dport: [80] }\n"
				   "    action: deny\n");
	snprintf(cmd, sizeof(cmd), "%s policy check %s 2>&1",
		 test_rtguard_bin(), path);
	ASSERT_EQ(run_capture(cmd, out, sizeof(out)), 1, "bad policy: exit 1");
	snprintf(cmd, sizeof(cmd), "%s:5:14: key 'dport' is not allowed", path);
	ASSERT_STRCONTAINS(out, cmd, "file:line:col");
	snprintf(cmd, sizeof(cmd), "%s policy check -o json %s",
		 test_rtguard_bin(), path);
	ASSERT_EQ(run_capture(cmd, out, sizeof(out)), 1, "json: exit 1");
	ASSERT_STRCONTAINS(out, "\"line\":5,\"column\":14", "json position");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ASSERT_EQ(system(cmd), 0, "cleanup");
}

/* regression (found by hand next to the fuzzer): libyaml's scanner is
 * quadratic in nesting depth; 1 MiB of '[' took minutes */
TEST_T(policy_err_nesting, 10)
{
	size_t n = RTG_POLICY_FILE_MAX - 1;
	char *buf = malloc(n + 1);
	struct rtg_policy_set *set = policy_set_new();

	if (!ASSERT_TRUE(buf && set, "alloc"))
		return;
	memset(buf, '[', n);
	buf[n] = 0;
	ASSERT_EQ(policy_load_buffer(set, "p.yaml", buf, n), -EINVAL, "load");
	ASSERT_TRUE(
	    has_error(set, "p.yaml:1:33", "nesting deeper than 32 levels"),
	    "depth");
	policy_set_free(set);
	free(buf);
	EXPECT_ERROR(
	    "name: p\nrules:\n  - name: r\n    on: open\n"
	    "    match: { path: { equal: [[[[[[[[[[[[[[[[[[[[[[[[[[[["
	    "[[[[[[[[[[[[/a]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]] } }\n"
	    "    action: deny\n",
	    "p.yaml:5:56", "nesting deeper than 32 levels");
}

/* A policy of 10 000 rules over exec, open and connect (issue 6, faults):
 * `policy check` and the agent refuse it at once with one error per limit
 * hit, each naming file:line:col, and the agent loads nothing. */
static int big_policy(char *path, size_t len)
{
	static const char *const hooks[] = { "exec", "open", "connect" };
	char dir[] = "/tmp/rtg-big-XXXXXX";
	FILE *f;
	int i;

	if (!mkdtemp(dir))
		return -errno;
	snprintf(path, len, "%s/big.yaml", dir);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	fprintf(f, "name: big\nrules:\n");
	for (i = 0; i < 10000; i++) {
		fprintf(f, "  - name: r%d\n    on: %s\n", i, hooks[i % 3]);
		if (i % 3 == 2)
			fprintf(f, "    match: { daddr: [10.%d.%d.0/24] }\n",
				i / 256 % 256, i % 256);
		else
			fprintf(f, "    match: { path: { equal: [/big/r%d] } }\n",
				i);
		fprintf(f, "    action: %s\n", i % 2 ? "deny" : "audit");
	}
	return fclose(f) ? -errno : 0;
}

static void big_policy_errors(const char *out, const char *what)
{
	static const char *const want[] = {
		"big.yaml:772:9: too many rules on exec: the limit is 64",
		"big.yaml:776:9: too many rules on open: the limit is 64",
		"big.yaml:780:9: too many rules on connect: the limit is 64",
		"big.yaml:12301:22: too many CIDRs across all loaded policies (limit 1024)",
		"big.yaml:24581:30: too many path/binary strings across all loaded policies (limit 4096)",
	};
	const char *p;
	char m[200];
	size_t i;
	int lines = 0;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		snprintf(m, sizeof(m), "%s: %.40s...", what, want[i]);
		ASSERT_STRCONTAINS(out, want[i], m);
	}
	for (p = out; p && (p = strchr(p, '\n')); p++)
		lines++;
	snprintf(m, sizeof(m), "%s: one line per limit, not per rule", what);
	ASSERT_TRUE(lines <= 10, m);
}

TEST(policy_10000_rules_check)
{
	char path[64], out[8192];
	struct timespec t0, t1;
	int st;

	if (!ASSERT_OK(big_policy(path, sizeof(path)), "10 000-rule policy"))
		return;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	st = run_cmd((char *const[]){ (char *)test_rtguard_bin(), "policy",
				      "check", path, NULL },
		     out, sizeof(out));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 1, "exit 1 (bad input)");
	big_policy_errors(out, "policy check");
	ASSERT_TRUE(t1.tv_sec - t0.tv_sec < 20, "refused within seconds");
	*strrchr(path, '/') = '\0';
	run_cmd((char *const[]){ "rm", "-rf", path, NULL }, NULL, 0);
}

TEST(agent_10000_rules_refused)
{
	char path[64], out[8192], pin[64];
	int st;

	TEST_NEED_ROOT();
	if (!ASSERT_OK(big_policy(path, sizeof(path)), "10 000-rule policy"))
		return;
	snprintf(pin, sizeof(pin), "/sys/fs/bpf/rtg-big-%d", getpid());
	st = run_cmd((char *const[]){ (char *)test_rtguard_bin(), "--policy",
				      path, "--pin-dir", pin, "--socket",
				      "none", NULL },
		     out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 1, "agent exits 1");
	big_policy_errors(out, "agent");
	ASSERT_TRUE(access(pin, F_OK) != 0, "nothing loaded or pinned");
	*strrchr(path, '/') = '\0';
	run_cmd((char *const[]){ "rm", "-rf", path, NULL }, NULL, 0);
}

