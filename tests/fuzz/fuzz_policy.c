// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the policy parser and compiler: any input is parsed
 * as a policy buffer; a valid one is compiled for every backend combination
 * and evaluated for a few events. Everything is freed (LeakSanitizer).
 * `make fuzz` (FUZZ_SECONDS, default 60) / `make fuzz-smoke` (10 s).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "policy.h"
#include "policy_compile.h"
#include "policy_ref.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void exercise(const struct rtg_compiled *c)
{
	static const char args[] = "sh\0-c\0stratum+tcp://x";
	struct rtg_facts f = {0};
	struct rtg_verdict v;
	const char *pn;
	int h;

	for (h = 0; h < RTG_NHOOKS; h++) {
		memset(&f, 0, sizeof(f));
		f.hook = h;
		f.path = "/etc/shadow";
		f.binary = "/usr/bin/cat";
		f.flags = 1u << RTG_FLAG_READ | 1u << RTG_FLAG_WRITE;
		f.family = 4;
		f.daddr[0] = 10;
		f.dport = 443;
		f.args = args;
		f.args_len = sizeof(args) - 1;
		policy_eval(c, &f, &v);
		policy_rule_name(c, h, v.rule, &pn);
		f.family = 6;
		f.container = true;
		f.proto = 1;
		f.path = "";
		policy_eval(c, &f, &v);
		policy_rule_name(c, h, v.rule, &pn);
	}
	policy_decide_args(c, ~0ULL, ~0ULL, args, sizeof(args) - 1, &v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct rtg_backends bes[] = {
	    {.cgroup_connect = true},
	    {.fanotify = true, .cgroup_connect = true},
	    {.lsm = true, .fanotify = true, .cgroup_connect = true},
	    {0},
	};
	struct rtg_policy_set *set = policy_set_new();
	size_t i;

	if (!set)
		return 0;
	policy_load_buffer(set, "fuzz.yaml", (const char *)data, size);
	/* a second copy: duplicate names and cross-file limits */
	if (!set->nerrors && set->npolicies == 1 && size < 4096)
		policy_load_buffer(set, "fuzz2.yaml", (const char *)data, size);
	if (set->nerrors) {
		/* compile must refuse a set with errors */
		struct rtg_compiled *c = NULL;

		if (policy_compile(set, &bes[0], &c) == 0)
			__builtin_trap();
		policy_set_free(set);
		return 0;
	}
	for (i = 0; i < sizeof(bes) / sizeof(bes[0]); i++) {
		struct rtg_compiled *c = NULL;

		if (policy_compile(set, &bes[i], &c))
			__builtin_trap(); /* limits are the parser's job */
		exercise(c);
		policy_compiled_free(c);
	}
	policy_set_free(set);
	return 0;
}
