// SPDX-License-Identifier: GPL-2.0
/*
 * Policy parser errors: every error kind with its exact file:line:col, the
 * limits (rules per type, policies, list sizes), all errors of a file
 * collected.
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
#include "policy_util.h"
#include "test.h"

/* ---- parser errors ----------------------------------------------------- */

TEST(policy_err_unknown_key)
{
	EXPECT_ERROR(RULE_HEAD "    on: connect\n"
			       "    match: { dprot: [80] }\n"
			       "    action: deny\n",
		     "p.yaml:5:14",
		     "unknown key 'dprot' in match (expected one of: path, "
		     "binary, uid, daddr, dport, protocol, container)");
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
			       "    unless: { flags: [read] }\n"
			       "    action: deny\n",
		     "p.yaml:6:15",
		     "key 'flags' is not allowed in a rule on: connect");
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

