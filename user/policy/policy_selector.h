/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Policy-level `selector:` (README.md "Policies scoped to workloads"):
 * which workloads a policy applies to. Parsed with the policy
 * (policy_selector.c), copied into the compiled policy, and matched in
 * user space against a workload's metadata; the BPF side only sees the
 * resulting policy bits (bpf/select.h, user/agent/selectors.c).
 *
 *   selector:
 *     host: true | false         true: only processes outside containers,
 *                                false: only containers
 *     namespace: [a, b]          the pod's namespace is one of these
 *     pod: {equal, prefix, suffix}        the pod's name
 *     container: {equal, prefix, suffix}  the container's name
 *     image: {equal, prefix, suffix}      the image name
 *     labels: {key: value | [values]}     every key holds one of its values
 *
 * All keys AND, the values of one key OR. A key the workload does not know
 * (no pod, no image) never holds. A policy without a selector applies
 * everywhere; an empty selector is an error, and so is `host: true` with
 * any other key (the host has no pod, container or image).
 */
#ifndef RTG_POLICY_SELECTOR_H
#define RTG_POLICY_SELECTOR_H

#include <stdbool.h>
#include <stddef.h>

#include "policy.h"
#include "policy_compile.h"

#define RTG_SEL_LABELS_MAX 16  /* label keys per selector */
#define RTG_SEL_STR_MAX	   253 /* bytes of one selector string */

enum rtg_selkey {
	RTG_SEL_HOST = 0,
	RTG_SEL_NAMESPACE,
	RTG_SEL_POD,
	RTG_SEL_CONTAINER,
	RTG_SEL_IMAGE,
	RTG_SEL_LABELS,
	RTG_NSELKEYS,
};

struct rtg_sel_label {
	char *key;
	struct rtg_strlist values;
};

struct rtg_selector {
	uint32_t keys; /* 1u << enum rtg_selkey for every key present */
	bool host;
	struct rtg_strlist namespace;
	struct rtg_strlist pod[RTG_NSTROPS], container[RTG_NSTROPS],
	    image[RTG_NSTROPS];
	struct rtg_sel_label labels[RTG_SEL_LABELS_MAX];
	int nlabels;
	int line, col; /* of the selector's mapping */
};

/* What a selector is matched against. host: a process outside containers
 * (the strings are then NULL). Any string may be NULL: unknown. */
struct rtg_sel_facts {
	bool host;
	const char *namespace, *pod, *container, *image;
	const char *const *label_keys, *const *label_values;
	size_t nlabels;
};

struct pctx;
struct yaml_node_s;
/* `selector:` of a policy (errors recorded in x); NULL on errors */
struct rtg_selector *policy_parse_selector(struct pctx *x,
					   struct yaml_node_s *n);
void policy_selector_free(struct rtg_selector *s); /* accepts NULL */
/* A deep copy; NULL on ENOMEM. */
struct rtg_selector *policy_selector_dup(const struct rtg_selector *s);
/* Does a workload with facts f match s (a selector with keys)? */
bool policy_selector_match(const struct rtg_selector *s,
			   const struct rtg_sel_facts *f);
/* "namespace is shop and pod starts with web-"; malloc'd, NULL on ENOMEM */
char *policy_selector_text(const struct rtg_selector *s);

/*
 * Compiling (policy_compile.c calls these). A scoped policy's deny rules
 * never go to fanotify: its responder decides without workloads.
 */
struct rtg_backends policy_selector_backends(const struct rtg_policy *pol,
					     const struct rtg_backends *be);
struct rtg_compiled;
/* c->sel[] and c->rs.sel from the set's selectors: 0 or -ENOMEM */
int policy_selectors_compile(const struct rtg_policy_set *set,
			     struct rtg_compiled *c);
/* The scoped policies of c whose selector f matches (bits by index). */
uint32_t policy_selectors_match(const struct rtg_compiled *c,
				const struct rtg_sel_facts *f);
/* hs with only the policies in `applies`: the others' rules never match
 * and their defaults allow. */
void policy_hookset_only(struct rtg_hookset *hs, uint32_t applies);
/*
 * An exec the kernel held (RTG_F_SEL_HELD): the verdict of the policies in
 * `applies` alone, from the masks of every key but args the record
 * carries (cand_m/cand_u) and its args.
 */
struct rtg_verdict;
void policy_decide_selected(const struct rtg_compiled *c, uint32_t applies,
			    uint64_t cand_m, uint64_t cand_u, const char *args,
			    size_t len, struct rtg_verdict *v);

#endif
