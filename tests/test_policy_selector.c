// SPDX-License-Identifier: GPL-2.0
/*
 * Policy-level selectors (user/policy/policy_selector.h): parsing and its
 * errors with file:line:col, matching (keys AND, values OR, unknown keys
 * never hold), the masks the compiler gives the kernel (scoped, host), the
 * words of `policy check`, and the decision of a held exec with only the
 * selected policies.
 */
#include <stdlib.h>
#include <string.h>

#include "policy_selector.h"
#include "policy_util.h"
#include "test.h"

#define SCOPED                                                                 \
	"name: shop\n"                                                         \
	"selector:\n"                                                          \
	"  namespace: [shop, payments]\n"                                      \
	"  pod: { prefix: [web-] }\n"                                          \
	"  container: { equal: [nginx], suffix: [-proxy] }\n"                  \
	"  image: { prefix: [registry.example.com/shop/] }\n"                  \
	"  labels: { app: web, tier: [front, edge] }\n"                        \
	"rules:\n"                                                             \
	"  - name: no-sh\n"                                                    \
	"    on: exec\n"                                                       \
	"    match: { path: { equal: [/bin/sh] } }\n"                          \
	"    action: deny\n"                                                   \
	"---\n"                                                                \
	"name: everywhere\n"                                                   \
	"rules:\n"                                                             \
	"  - name: sh-audit\n"                                                 \
	"    on: exec\n"                                                       \
	"    match: { path: { equal: [/bin/sh] } }\n"                          \
	"    action: audit\n"                                                  \
	"---\n"                                                                \
	"name: host-only\n"                                                    \
	"selector: { host: true }\n"                                           \
	"rules:\n"                                                             \
	"  - name: sh-kill\n"                                                  \
	"    on: exec\n"                                                       \
	"    match: { path: { equal: [/bin/sh] } }\n"                          \
	"    action: kill\n"

static const char *const lk[] = {"app", "tier"};
static const char *const lv[] = {"web", "edge"};

TEST(policy_selector_match)
{
	struct rtg_policy_set *set = load(SCOPED);
	struct rtg_sel_facts f = {
	    .namespace = "shop",
	    .pod = "web-7d9f",
	    .container = "nginx",
	    .image = "registry.example.com/shop/web:1",
	    .label_keys = lk,
	    .label_values = lv,
	    .nlabels = 2,
	};
	const struct rtg_selector *s;
	struct rtg_sel_facts g;

	if (!ASSERT_TRUE(set && set->npolicies == 3, "3 policies")) {
		dump_errors(set);
		goto out;
	}
	s = set->policies[0].sel;
	if (!ASSERT_TRUE(s, "shop has a selector"))
		goto out;
	ASSERT_TRUE(!set->policies[1].sel, "everywhere has none");
	ASSERT_TRUE(policy_selector_match(s, &f), "all keys hold");
	g = f;
	g.container = "envoy-proxy";
	ASSERT_TRUE(policy_selector_match(s, &g), "container suffix");
	g = f;
	g.namespace = "payments";
	ASSERT_TRUE(policy_selector_match(s, &g), "second namespace (OR)");
	g.namespace = "other";
	ASSERT_TRUE(!policy_selector_match(s, &g), "other namespace (AND)");
	g = f;
	g.pod = "api-1";
	ASSERT_TRUE(!policy_selector_match(s, &g), "pod prefix fails");
	g = f;
	g.image = NULL;
	ASSERT_TRUE(!policy_selector_match(s, &g), "unknown image never holds");
	g = f;
	g.nlabels = 1;
	ASSERT_TRUE(!policy_selector_match(s, &g), "label tier missing");
	ASSERT_TRUE(!policy_selector_match(set->policies[2].sel, &f),
		    "host-only not in a container");
	memset(&g, 0, sizeof(g));
	g.host = true;
	ASSERT_TRUE(policy_selector_match(set->policies[2].sel, &g),
		    "host-only matches the host");
	ASSERT_TRUE(!policy_selector_match(s, &g), "shop not on the host");
out:
	policy_set_free(set);
}

TEST(policy_selector_compile_and_decide)
{
	struct rtg_policy_set *set = NULL;
	struct rtg_compiled *c = compile_ok(SCOPED, &be_fan, &set);
	struct rtg_sel_facts f = {.namespace = "shop",
				  .pod = "web-1",
				  .container = "nginx",
				  .image = "registry.example.com/shop/x",
				  .label_keys = lk,
				  .label_values = lv,
				  .nlabels = 2};
	const struct rtg_hookset *hs;
	struct rtg_verdict v;
	char *t;

	if (!c)
		goto out;
	hs = &c->rs.h[RTG_HOOK_EXEC];
	ASSERT_EQ(c->rs.sel.all, 0x7u, "all");
	ASSERT_EQ(c->rs.sel.scoped, 0x5u, "scoped: shop and host-only");
	ASSERT_EQ(c->rs.sel.host, 0x4u, "host: host-only");
	ASSERT_EQ(policy_selectors_match(c, &f), 0x1u, "the pod gets shop");
	/* a scoped deny never goes to fanotify (its responder knows no
	 * workloads) */
	ASSERT_EQ(hs->mech[0], RTG_MECH_SIGKILL, "scoped deny: SIGKILL");
	ASSERT_EQ(c->nfan, 0, "no fanotify mark");
	/* /bin/sh matched every rule: bits 0 (shop), 1 (audit), 2 (kill) */
	policy_decide_selected(c, 0x2, 0x7, 0, "", 0, &v);
	ASSERT_EQ(v.action, RTG_ACT_AUDIT, "unselected: the audit only");
	policy_decide_selected(c, 0x3, 0x7, 0, "", 0, &v);
	ASSERT_EQ(v.action, RTG_ACT_DENY, "shop selected: deny");
	ASSERT_EQ(v.rule, 0, "shop's rule");
	policy_decide_selected(c, 0x7, 0x7, 0, "", 0, &v);
	ASSERT_EQ(v.action, RTG_ACT_KILL, "all: kill");
	t = policy_selector_text(c->sel[0]);
	ASSERT_STREQ(t,
		     "namespace is shop or payments and pod starts with "
		     "web- and container is nginx or ends with -proxy and "
		     "image starts with registry.example.com/shop/ and "
		     "label app is web and label tier is front or edge",
		     "selector in words");
	free(t);
out:
	policy_compiled_free(c);
	policy_set_free(set);
}

#define POL(sel)                                                               \
	"name: p\nselector: " sel "\nrules:\n  - name: r\n    on: open\n"      \
	"    match: { path: { equal: [/x] } }\n    action: audit\n"

TEST(policy_selector_errors)
{
	EXPECT_ERROR(POL("{}"), "p.yaml:2:11", "empty selector");
	EXPECT_ERROR(POL("{ nmspace: [a] }"), "p.yaml:2:13",
		     "unknown key 'nmspace' in selector");
	EXPECT_ERROR(POL("{ host: maybe }"), "p.yaml:2:19",
		     "expected true or false for selector.host");
	EXPECT_ERROR(POL("{ pod: [web] }"), "p.yaml:2:18",
		     "expected a mapping with equal, prefix or suffix");
	EXPECT_ERROR(POL("{ pod: {} }"), "p.yaml:2:18", "empty pod");
	EXPECT_ERROR(POL("{ image: { start: [a] } }"), "p.yaml:2:22",
		     "unknown key 'start'");
	EXPECT_ERROR(POL("{ labels: [app] }"), "p.yaml:2:21",
		     "expected a mapping of label to value");
	EXPECT_ERROR(POL("{ labels: { app: a, app: b } }"), "p.yaml:2:31",
		     "duplicate label 'app'");
	EXPECT_ERROR(POL("{ namespace: [] }"), "p.yaml:2:24", "empty list");
	EXPECT_ERROR(POL("[a]"), "p.yaml:2:11", "expected a selector");
	EXPECT_ERROR(POL("{ host: true, namespace: [a] }"), "p.yaml:2:19",
		     "it would match nothing");
}
