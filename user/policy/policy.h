/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Policies: the YAML users write (README.md "Policies", the files in policies/)
 * parsed with libyaml into struct rtg_policy, collected with every error
 * (file:line:col) into struct rtg_policy_set: policy.c walks the document,
 * policy_values.c the match keys, policy_yaml.c holds the YAML helpers and
 * policy_set.c the sets and file loaders. user/policy/policy_compile.h turns
 * a set without errors into BPF map entries.
 *
 * Limits (README "Policy limits"; every one is enforced with an error that
 * names file:line:col, never by silent truncation):
 *
 *   rules per event type (exec, open, connect, ptrace, ...),
 *     all loaded policies together            RTG_MAX_RULES       64
 *   loaded policies                           RTG_MAX_POLICIES    16
 *   policy name                               [a-z0-9-]+, <= 63 bytes
 *   rule name                                 [A-Za-z0-9._-]+, <= 63 bytes
 *   path/binary `equal` and `prefix` strings  absolute ('/...'), canonical
 *                                             (no '//', '/./', '/../'),
 *                                             <= RTG_PATH_STR_MAX  253 bytes
 *   path/binary `suffix` strings              <= RTG_SUFFIX_MAX    64 bytes
 *   values per list                           RTG_MAX_LIST        256
 *   `args: {contains: [...]}` strings         <= RTG_ARGS_STR_MAX  64 bytes,
 *                                             <= RTG_ARGS_PER_RULE 8 per clause
 *   path/binary strings, all policies         RTG_MAX_STRINGS     4096
 *   daddr CIDRs, all policies                 RTG_MAX_CIDRS       1024
 *   uid values, all policies                  RTG_MAX_UIDS        1024
 *   policy file size                          RTG_POLICY_FILE_MAX 1 MiB
 *   YAML nesting depth                        RTG_POLICY_MAX_DEPTH 32
 *   errors reported per file                  RTG_MAX_FILE_ERRORS 20
 *
 * Semantics kept here so that the compiler and the README agree:
 * - a scalar where a list is expected is a one-element list;
 * - `daddr`: a bare address is /32 or /128; v4-mapped IPv6 CIDRs
 *   (::ffff:a.b.c.d/96+n) are folded to IPv4 a.b.c.d/n; an IPv6 CIDR that
 *   covers the whole v4-mapped range (e.g. ::/0) also covers all of IPv4;
 *   host bits beyond the prefix are an error;
 * - `dport`: 1-65535, single ports or "A-B" ranges with A <= B;
 * - `flags` holds when the open has any of the listed flags;
 * - a missing hook in `defaults` means allow.
 */
#ifndef RTG_POLICY_H
#define RTG_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules.h"
#include "names.h"

#define RTG_PATH_STR_MAX     (RTG_KEY_MAX - 1) /* 253: equal adds the NUL */
#define RTG_MAX_LIST	     256
#define RTG_ARGS_STR_MAX     64
#define RTG_ARGS_PER_RULE    8
#define RTG_MAX_STRINGS	     4096
#define RTG_MAX_CIDRS	     1024
#define RTG_MAX_UIDS	     1024
#define RTG_NAME_MAX	     63
#define RTG_POLICY_FILE_MAX  (1 << 20)
#define RTG_POLICY_MAX_DEPTH 32
#define RTG_MAX_FILE_ERRORS  20

/* equal / prefix / suffix lists of a `path` or `binary` clause */
enum rtg_strop {
	RTG_STR_EQUAL = 0,
	RTG_STR_PREFIX,
	RTG_STR_SUFFIX,
	RTG_NSTROPS
};

struct rtg_strlist {
	char **v;
	int n;
};

/* Appends a copy of s: 0 or -ENOMEM. */
int policy_strlist_push(struct rtg_strlist *l, const char *s);
/* Frees every string and empties l. */
void policy_strlist_free(struct rtg_strlist *l);

struct rtg_cidr {
	uint8_t family; /* 4 or 6 (v4-mapped already folded to 4) */
	uint8_t bits;
	uint8_t addr[16]; /* network order, v4 in addr[0..3] */
};

struct rtg_portrange {
	uint16_t lo, hi; /* inclusive, lo >= 1 */
};

struct rtg_clause {
	uint32_t keys; /* 1u << enum rtg_key for every key present */
	struct rtg_strlist path[RTG_NSTROPS];
	struct rtg_strlist binary[RTG_NSTROPS];
	uint8_t flags; /* 1u << enum rtg_flagbit */
	uint8_t proto; /* bit 0 tcp, bit 1 udp */
	bool container;
	struct rtg_cidr *daddr;
	int ndaddr;
	struct rtg_portrange *dport;
	int ndport;
	uint32_t *uid;
	int nuid;
	struct rtg_strlist args; /* contains */
	uint32_t ops;	/* `syscall`/`request`: 1u << op (names.h op_names) */
	uint8_t xflags; /* `flags` of namespace and cred rules: 1u << bit */
};

struct rtg_rule {
	char *name;
	int hook;	/* enum rtg_hook */
	uint8_t action; /* enum rtg_action */
	bool has_unless;
	struct rtg_clause match, unless;
	int line, col; /* of the rule's mapping */
};

struct rtg_selector; /* policy_selector.h */

struct rtg_policy {
	char *name;
	char *description; /* may be NULL */
	char *file;	   /* file name as given (or "<embedded default>") */
	int line, col;	   /* of the name value */
	uint8_t defaults[RTG_NHOOKS]; /* enum rtg_action, allow when absent */
	struct rtg_rule *rules;
	int nrules;
	struct rtg_selector *sel; /* NULL: applies everywhere */
};

struct rtg_policy_error {
	char *file;
	int line, col; /* 1-based; 0 when the error has no position (I/O) */
	char *msg;     /* without the position */
	char *text;    /* "file:line:col: msg" */
};

struct rtg_policy_set {
	struct rtg_policy *policies;
	int npolicies;
	struct rtg_policy_error *errors;
	int nerrors;
	/* running totals checked against the limits above */
	int nrules[RTG_NHOOKS];
	int nstrings, ncidrs, nuids;
};

struct rtg_policy_set *policy_set_new(void);	  /* NULL on ENOMEM */
void policy_set_free(struct rtg_policy_set *set); /* accepts NULL */

/*
 * Each loader parses every YAML document of its input as one policy, adds
 * the valid ones to `set` and appends every error to set->errors. Returns 0,
 * -EINVAL when the input had policy errors, or a negative errno for I/O
 * problems (also recorded as an error). A set is usable only when
 * set->nerrors == 0.
 */
int policy_load_file(struct rtg_policy_set *set, const char *path);
/* *.yaml and *.yml in sorted order, dotfiles skipped (Kubernetes ConfigMap
 * `..data` machinery), symlinks followed; no policy file is an error. */
int policy_load_dir(struct rtg_policy_set *set, const char *dir);
/* a file or a directory */
int policy_load_path(struct rtg_policy_set *set, const char *path);
/* `name` stands for the file name in errors, e.g. "<embedded default>" */
int policy_load_buffer(struct rtg_policy_set *set, const char *name,
		       const char *buf, size_t len);

/* Records an error in the set (used by the loaders; line 0 = no position). */
void policy_set_add_error(struct rtg_policy_set *set, const char *file,
			  int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* names for messages and output */
const char *policy_flag_name(int flag);	    /* "read", "write", ... */
const char *policy_strop_name(int op);	    /* "equal", "prefix", "suffix" */

#endif
