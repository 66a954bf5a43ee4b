// SPDX-License-Identifier: GPL-2.0
/*
 * Decisions made by rtg_decide() on lookups in real BPF maps written by
 * policy_apply() (the kernel does the longest-prefix match), checked
 * against the in-memory evaluation; generations and clearing.
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
#include "maps.h"
#include "policy_ref.h"
#include "policy_util.h"
#include "test.h"

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
	struct rtg_map_fds fds = {-1, -1, -1, -1, -1, -1};
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
	struct rtg_map_fds fds = {-1, -1, -1, -1, -1, -1};
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
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		char what[96], name[16];

		snprintf(name, sizeof(name), "case%zu", i);
		if (!test_subtest(name))
			continue;
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
	test_subtest_end();
cleanup:
	policy_compiled_free(c);
	maps_close(&fds);
}

TEST(policy_maps_exec)
{
	struct rtg_map_fds fds = {-1, -1, -1, -1, -1, -1};
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
	struct rtg_map_fds fds = {-1, -1, -1, -1, -1, -1};
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

