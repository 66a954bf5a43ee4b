// SPDX-License-Identifier: GPL-2.0
/*
 * Policies: the files of policies/ and the embedded default, a ConfigMap
 * directory, and the compiler: the prefix closure of the tries, the masks
 * of each hook, CIDR folding, args. Parser errors are in
 * test_policy_errors.c, decisions on real BPF maps in test_policy_maps.c,
 * `rtguard policy check` in test_policy_check.c.
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
#include "policy_ref.h"
#include "policy_util.h"
#include "test.h"

extern const char rtg_default_policy[], rtg_default_policy_end[];

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
	ASSERT_GE(nfiles, 9, "default + 8 examples");
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

TEST(policy_load_dir_configmap)
{
	char dir[] = "/tmp/rtg-policy-XXXXXX", p[256], q[256];
	struct rtg_policy_set *set = policy_set_new();

	if (!ASSERT_TRUE(test_mkdtemp(dir), "mkdtemp"))
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
	/* rules a, c, d deny or kill: RTG_HF_ENFORCE */
	ASSERT_EQ(c->rs.h[RTG_HOOK_OPEN].features,
		  RTG_HF_STR_PATH | RTG_HF_SUFFIX_PATH | RTG_HF_ACTIVE |
		      RTG_HF_ENFORCE | RTG_HF_PREFILTER,
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
		  RTG_HF_ARGS | RTG_HF_STR_PATH | RTG_HF_ACTIVE |
		      RTG_HF_ENFORCE,
		  "exec features");
	/* exec deny rules judge executable mappings too */
	ASSERT_TRUE(c->rs.h[RTG_HOOK_MMAP_EXEC].features & RTG_HF_ACTIVE,
		    "mmap_exec runs for exec denies");
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

