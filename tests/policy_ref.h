/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A reference evaluation of a compiled policy, for the tests and the policy
 * fuzzer: the rule maps are emulated on the compiled entries alone (no BPF
 * map, no privilege), longest-prefix lookups included, and the verdict is
 * rtg_decide()'s. The agent decides through the real maps
 * (policy_facts_keys_maps()).
 */
#ifndef RTG_POLICY_REF_H
#define RTG_POLICY_REF_H

#include "policy_compile.h"

/* rtg_decide() on the keys of f, looked up in c's entries (generation 0) */
void policy_eval(const struct rtg_compiled *c, const struct rtg_facts *f,
		 struct rtg_verdict *v);

#endif
