/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the policy tests (test_policy*.c): policies loaded from text,
 * the errors they gave, compiled for a given set of kernel backends.
 */
#ifndef RTG_POLICY_UTIL_H
#define RTG_POLICY_UTIL_H

#include <stdbool.h>

#include "policy.h"
#include "policy_compile.h"

extern const struct rtg_backends be_none, be_fan, be_lsm;

/* yaml loaded as file `name` into set (a new one when NULL) */
struct rtg_policy_set *load_as(struct rtg_policy_set *set, const char *name,
			       const char *yaml);
/* yaml loaded as p.yaml into a new set */
struct rtg_policy_set *load(const char *yaml);
void dump_errors(const struct rtg_policy_set *set);
/* an error whose text starts with `pos` ("p.yaml:5:14") and contains frag */
bool has_error(const struct rtg_policy_set *set, const char *pos,
	       const char *frag);
/* a policy of n rules r0..r(n-1) on hook, of equal paths /rN (malloc'd) */
char *rules_yaml(const char *pname, const char *hook, int n);
/* yaml valid and compiled for be (asserted); *setp keeps the set */
struct rtg_compiled *compile_ok(const char *yaml, const struct rtg_backends *be,
				struct rtg_policy_set **setp);
void write_file(const char *path, const char *s);

/* yaml gives an error at pos containing frag, and loads nothing */
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

#endif
