// SPDX-License-Identifier: GPL-2.0
/*
 * `rtguard policy check` and the agent on bad input: examples valid, errors
 * as file:line:col (text and JSON), deep nesting refused fast, a policy of
 * 10 000 rules refused with one error per limit.
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
	ASSERT_STRCONTAINS(out,
			   "selector: namespace is shop and pod starts with "
			   "web- and label app is web",
			   "a policy's selector in words");
	snprintf(cmd, sizeof(cmd),
		 "%s policy check --output json policies/examples 2>&1",
		 test_rtguard_bin());
	ASSERT_EQ(run_capture(cmd, out, sizeof(out)), 0, "json");
	ASSERT_STRCONTAINS(out, "{\"ok\":true,", "json object");
	ASSERT_STRCONTAINS(out, "\"mechanism\":\"cgroup\"", "mechanism");
	ASSERT_STRCONTAINS(out, "\"selector\":\"namespace is shop", "selector");

	if (!ASSERT_TRUE(test_mkdtemp(dir), "mkdtemp"))
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

	if (!test_mkdtemp(dir))
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


