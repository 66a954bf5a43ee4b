// SPDX-License-Identifier: GPL-2.0
/*
 * The match keys of a rule's `match:` and `unless:` clauses and their
 * values: path/binary equal/prefix/suffix lists, flags, uids, CIDRs (v4,
 * v6, v4-mapped folded), ports and ranges, protocols, args, container;
 * every value checked against policy.h's limits.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_parse.h"

static const char *const key_names[RTG_NKEYS] = {
    "path",  "binary",	 "flags", "uid",       "daddr",	  "dport",
    "protocol", "args",  "container", "syscall", "request",
};
static const char *const flag_names[RTG_NFLAGS] = {"read", "write", "create",
						   "truncate"};
static const char *const strop_names[RTG_NSTROPS] = {"equal", "prefix",
						     "suffix"};
static const char *const args_keys[] = {"contains"};

/* the match keys each hook takes */
#define COMMON_KEYS                                                            \
	(KEYBIT(RTG_KEY_BINARY) | KEYBIT(RTG_KEY_UID) | KEYBIT(RTG_KEY_CONTAINER))
static const uint32_t hook_keys[RTG_NHOOKS] = {
    [RTG_HOOK_EXEC] = KEYBIT(RTG_KEY_PATH) | KEYBIT(RTG_KEY_BINARY) |
		      KEYBIT(RTG_KEY_UID) | KEYBIT(RTG_KEY_ARGS) |
		      KEYBIT(RTG_KEY_CONTAINER),
    [RTG_HOOK_OPEN] = KEYBIT(RTG_KEY_PATH) | KEYBIT(RTG_KEY_BINARY) |
		      KEYBIT(RTG_KEY_FLAGS) | KEYBIT(RTG_KEY_UID) |
		      KEYBIT(RTG_KEY_CONTAINER),
    [RTG_HOOK_CONNECT] = KEYBIT(RTG_KEY_BINARY) | KEYBIT(RTG_KEY_UID) |
			 KEYBIT(RTG_KEY_DADDR) | KEYBIT(RTG_KEY_DPORT) |
			 KEYBIT(RTG_KEY_PROTO) | KEYBIT(RTG_KEY_CONTAINER) |
			 KEYBIT(RTG_KEY_PATH), /* path: unix sockets */
    [RTG_HOOK_PTRACE] = COMMON_KEYS | KEYBIT(RTG_KEY_REQUEST),
    [RTG_HOOK_CRED] = COMMON_KEYS | KEYBIT(RTG_KEY_SYSCALL) |
		      KEYBIT(RTG_KEY_FLAGS),
    [RTG_HOOK_MODULE] = COMMON_KEYS | KEYBIT(RTG_KEY_SYSCALL) |
			KEYBIT(RTG_KEY_PATH),
    [RTG_HOOK_BPF] = COMMON_KEYS | KEYBIT(RTG_KEY_SYSCALL),
    [RTG_HOOK_MOUNT] = COMMON_KEYS | KEYBIT(RTG_KEY_SYSCALL) |
		       KEYBIT(RTG_KEY_PATH),
    [RTG_HOOK_NAMESPACE] = COMMON_KEYS | KEYBIT(RTG_KEY_SYSCALL) |
			   KEYBIT(RTG_KEY_FLAGS),
    [RTG_HOOK_LISTEN] = COMMON_KEYS | KEYBIT(RTG_KEY_SYSCALL),
    [RTG_HOOK_MMAP_EXEC] = COMMON_KEYS | KEYBIT(RTG_KEY_SYSCALL) |
			   KEYBIT(RTG_KEY_PATH),
    [RTG_HOOK_IO_URING] = COMMON_KEYS | KEYBIT(RTG_KEY_SYSCALL),
};

const char *policy_flag_name(int flag)
{
	return flag >= 0 && flag < RTG_NFLAGS ? flag_names[flag] : "?";
}

const char *policy_strop_name(int op)
{
	return op >= 0 && op < RTG_NSTROPS ? strop_names[op] : "?";
}

static int lookup_name(const char *s, const char *const *names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

static bool parse_uint(const char *s, unsigned long long max,
		       unsigned long long *out)
{
	unsigned long long v = 0;
	int i;

	if (!*s)
		return false;
	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 12)
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

static bool canonical_path(const char *s)
{
	const char *p;

	for (p = s; *p; p++) {
		if (*p != '/')
			continue;
		if (p[1] == '/')
			return false;
		if (p[1] == '.' && (p[2] == '/' || p[2] == 0))
			return false;
		if (p[1] == '.' && p[2] == '.' && (p[3] == '/' || p[3] == 0))
			return false;
	}
	return true;
}

/* path: / binary: { equal: [...], prefix: [...], suffix: [...] } */
static void parse_strmatch(struct pctx *x, yaml_node_t *n, const char *key,
			   const char *where, struct rtg_strlist *out)
{
	yaml_node_t *keys[RTG_NSTROPS], *vals[RTG_NSTROPS];
	char what[64], inwhere[96];
	int op, i, any = 0;

	snprintf(what, sizeof(what), "a mapping with equal, prefix or suffix");
	snprintf(inwhere, sizeof(inwhere), "%s.%s", where, key);
	if (!pctx_get_mapping(x, n, what, inwhere, strop_names, RTG_NSTROPS,
			      (1u << RTG_NSTROPS) - 1, keys, vals))
		return;
	for (op = 0; op < RTG_NSTROPS; op++) {
		struct vlist l;

		if (!vals[op])
			continue;
		any = 1;
		if (!pctx_get_list(x, vals[op], "paths", &l))
			continue;
		for (i = 0; i < l.n && !x->stop; i++) {
			yaml_node_t *v = pctx_list_string(x, &l, i, "a path");
			const char *s;
			size_t len;

			if (!v)
				continue;
			s = ynode_str(v);
			len = strlen(s);
			if (op == RTG_STR_SUFFIX) {
				if (len > RTG_SUFFIX_MAX) {
					perr(x, v,
					     "suffix is %zu bytes long (limit "
					     "%d)",
					     len, RTG_SUFFIX_MAX);
					continue;
				}
			} else {
				if (s[0] != '/') {
					perr(x, v,
					     "path '%s' must be absolute "
					     "(start with '/')",
					     s);
					continue;
				}
				if (len > RTG_PATH_STR_MAX) {
					perr(x, v,
					     "path is %zu bytes long (limit %d "
					     "for %s)",
					     len, RTG_PATH_STR_MAX,
					     strop_names[op]);
					continue;
				}
				if (!canonical_path(s)) {
					perr(x, v,
					     "path '%s' is not canonical (no "
					     "'//', '/./' or '/../': rules see "
					     "resolved paths)",
					     s);
					continue;
				}
			}
			if (!pctx_count_limit(x, v, &x->nstrings,
					      x->set->nstrings, RTG_MAX_STRINGS,
					      &x->warned_strings,
					      "path/binary strings"))
				continue;
			if (policy_strlist_push(&out[op], s) < 0) {
				pctx_nomem(x, v);
				return;
			}
		}
	}
	if (!any && !x->stop)
		perr(x, n, "empty %s: expected equal, prefix or suffix", key);
}

static bool parse_cidr(const char *s, struct rtg_cidr *c, char *why,
		       size_t whylen)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long long bits;
	int maxbits, i;

	memset(c, 0, sizeof(*c));
	if (alen == 0 || alen >= sizeof(buf)) {
		snprintf(why, whylen, "not an IPv4 or IPv6 address");
		return false;
	}
	memcpy(buf, s, alen);
	buf[alen] = 0;
	if (strchr(buf, ':')) {
		c->family = 6;
		maxbits = 128;
		if (inet_pton(AF_INET6, buf, c->addr) != 1) {
			snprintf(why, whylen, "not an IPv6 address");
			return false;
		}
	} else {
		c->family = 4;
		maxbits = 32;
		if (inet_pton(AF_INET, buf, c->addr) != 1) {
			snprintf(why, whylen, "not an IPv4 address");
			return false;
		}
	}
	bits = (unsigned long long)maxbits;
	if (slash &&
	    !parse_uint(slash + 1, (unsigned long long)maxbits, &bits)) {
		snprintf(why, whylen, "prefix length must be 0-%d", maxbits);
		return false;
	}
	c->bits = (uint8_t)bits;
	for (i = 0; i < maxbits; i++) {
		if (i < c->bits)
			continue;
		if (c->addr[i / 8] & (0x80 >> (i % 8))) {
			snprintf(why, whylen,
				 "address has bits set beyond the /%u prefix",
				 c->bits);
			return false;
		}
	}
	/* ::ffff:a.b.c.d/96+n -> a.b.c.d/n */
	if (c->family == 6 && c->bits >= 96) {
		static const uint8_t mapped[12] = {0, 0, 0, 0, 0,    0,
						   0, 0, 0, 0, 0xff, 0xff};

		if (!memcmp(c->addr, mapped, 12)) {
			c->family = 4;
			c->bits -= 96;
			memmove(c->addr, c->addr + 12, 4);
			memset(c->addr + 4, 0, 12);
		}
	}
	return true;
}

/* Appends the value *val (size bytes) parsed from node v to *arr; false
 * when memory ran out (reported, the input stops). */
static bool push_value(struct pctx *x, yaml_node_t *v, void **arr, int *n,
		       size_t size, const void *val)
{
	char *a = realloc(*arr, (*n + 1) * size);

	if (!a) {
		pctx_nomem(x, v);
		return false;
	}
	memcpy(a + *n * size, val, size);
	*arr = a;
	(*n)++;
	return true;
}

static void parse_daddr(struct pctx *x, yaml_node_t *n, struct rtg_clause *c)
{
	struct vlist l;
	int i;

	if (!pctx_get_list(x, n, "CIDRs", &l))
		return;
	for (i = 0; i < l.n && !x->stop; i++) {
		yaml_node_t *v = pctx_list_string(x, &l, i, "a CIDR");
		struct rtg_cidr cidr;
		char why[96];

		if (!v)
			continue;
		if (!parse_cidr(ynode_str(v), &cidr, why, sizeof(why))) {
			perr(x, v, "bad CIDR '%s': %s", ynode_str(v), why);
			continue;
		}
		if (!pctx_count_limit(x, v, &x->ncidrs, x->set->ncidrs,
				      RTG_MAX_CIDRS, &x->warned_cidrs, "CIDRs"))
			continue;
		if (!push_value(x, v, (void **)&c->daddr, &c->ndaddr,
				sizeof(cidr), &cidr))
			return;
	}
}

static void parse_dport(struct pctx *x, yaml_node_t *n, struct rtg_clause *c)
{
	struct vlist l;
	int i;

	if (!pctx_get_list(x, n, "ports", &l))
		return;
	for (i = 0; i < l.n && !x->stop; i++) {
		yaml_node_t *v =
		    pctx_list_string(x, &l, i, "a port or a range \"A-B\"");
		unsigned long long lo, hi;
		struct rtg_portrange r;
		const char *s, *dash;
		char buf[16];

		if (!v)
			continue;
		s = ynode_str(v);
		dash = strchr(s, '-');
		if (!dash) {
			if (!parse_uint(s, ~0ULL, &lo)) {
				perr(x, v,
				     "bad port '%s' (expected a number 1-65535 "
				     "or a range \"A-B\")",
				     s);
				continue;
			}
			hi = lo;
		} else {
			size_t alen = (size_t)(dash - s);

			if (alen >= sizeof(buf)) {
				perr(x, v,
				     "bad range '%s' (expected \"A-B\" with 1 "
				     "<= A <= B <= 65535)",
				     s);
				continue;
			}
			memcpy(buf, s, alen);
			buf[alen] = 0;
			if (!parse_uint(buf, ~0ULL, &lo) ||
			    !parse_uint(dash + 1, ~0ULL, &hi)) {
				perr(x, v,
				     "bad range '%s' (expected \"A-B\" with 1 "
				     "<= A <= B <= 65535)",
				     s);
				continue;
			}
		}
		if (lo < 1 || lo > 65535 || hi < 1 || hi > 65535) {
			perr(x, v,
			     "port out of range in '%s' (expected 1-65535)", s);
			continue;
		}
		if (lo > hi) {
			perr(x, v, "bad range '%s': %llu > %llu", s, lo, hi);
			continue;
		}
		r.lo = (uint16_t)lo;
		r.hi = (uint16_t)hi;
		if (!push_value(x, v, (void **)&c->dport, &c->ndport, sizeof(r),
				&r))
			return;
	}
}

static void parse_uids(struct pctx *x, yaml_node_t *n, struct rtg_clause *c)
{
	struct vlist l;
	int i;

	if (!pctx_get_list(x, n, "uids", &l))
		return;
	for (i = 0; i < l.n && !x->stop; i++) {
		yaml_node_t *v = pctx_list_string(x, &l, i, "a numeric uid");
		unsigned long long u;
		uint32_t u32;

		if (!v)
			continue;
		if (!parse_uint(ynode_str(v), 0xfffffffeULL, &u)) {
			perr(x, v,
			     "bad uid '%s' (expected a number 0-4294967294)",
			     ynode_str(v));
			continue;
		}
		if (!pctx_count_limit(x, v, &x->nuids, x->set->nuids,
				      RTG_MAX_UIDS, &x->warned_uids,
				      "uid values"))
			continue;
		u32 = (uint32_t)u;
		if (!push_value(x, v, (void **)&c->uid, &c->nuid, sizeof(u32),
				&u32))
			return;
	}
}

static void parse_names_bits(struct pctx *x, yaml_node_t *n, const char *what,
			     const char *const *names, int nnames,
			     const char *expected, uint32_t *mask)
{
	struct vlist l;
	int i, k;

	if (!pctx_get_list(x, n, what, &l))
		return;
	for (i = 0; i < l.n && !x->stop; i++) {
		yaml_node_t *v = pctx_list_string(x, &l, i, expected);

		if (!v)
			continue;
		k = lookup_name(ynode_str(v), names, nnames);
		if (k < 0) {
			perr(x, v, "unknown %s '%s' (expected one of: %s)",
			     what, ynode_str(v), expected);
			continue;
		}
		*mask |= 1u << k;
	}
}

static void parse_names_mask(struct pctx *x, yaml_node_t *n, const char *what,
			     const char *const *names, int nnames,
			     const char *expected, uint8_t *mask)
{
	uint32_t m = *mask;

	parse_names_bits(x, n, what, names, nnames, expected, &m);
	*mask = (uint8_t)m;
}

/* A key whose values are names out of a hook's table: `syscall`,
 * `request`, and `flags` of namespace and cred rules. */
static void parse_hook_names(struct pctx *x, yaml_node_t *n, const char *what,
			     const char *const *names, int nnames,
			     uint32_t *mask)
{
	char expected[256];

	policy_join_names(expected, sizeof(expected), names, nnames,
			  nnames >= 32 ? ~0u : (1u << nnames) - 1);
	parse_names_bits(x, n, what, names, nnames, expected, mask);
}

static void parse_args(struct pctx *x, yaml_node_t *n, const char *where,
		       struct rtg_clause *c)
{
	yaml_node_t *keys[1], *vals[1];
	char inwhere[64];
	struct vlist l;
	int i;

	snprintf(inwhere, sizeof(inwhere), "%s.args", where);
	if (!pctx_get_mapping(x, n, "a mapping with contains", inwhere,
			      args_keys, 1, 1, keys, vals))
		return;
	if (!vals[0]) {
		if (!x->stop)
			perr(x, n, "empty args: expected contains");
		return;
	}
	if (!pctx_get_list(x, vals[0], "strings", &l))
		return;
	if (l.n > RTG_ARGS_PER_RULE) {
		perr(x, vals[0], "too many args strings: %d (limit %d)", l.n,
		     RTG_ARGS_PER_RULE);
		return;
	}
	for (i = 0; i < l.n && !x->stop; i++) {
		yaml_node_t *v = pctx_list_string(x, &l, i, "a string");
		size_t len;

		if (!v)
			continue;
		len = strlen(ynode_str(v));
		if (len > RTG_ARGS_STR_MAX) {
			perr(x, v, "args string is %zu bytes long (limit %d)",
			     len, RTG_ARGS_STR_MAX);
			continue;
		}
		if (policy_strlist_push(&c->args, ynode_str(v)) < 0) {
			pctx_nomem(x, v);
			return;
		}
	}
}

/* match: / unless: */
void policy_parse_clause(struct pctx *x, yaml_node_t *n, int hook,
			 const char *where, struct rtg_clause *c)
{
	yaml_node_t *keys[RTG_NKEYS], *vals[RTG_NKEYS];
	uint32_t allowed = hook >= 0 ? hook_keys[hook] : (1u << RTG_NKEYS) - 1;
	char what[48], expected[160];
	const char *const *xnames;
	int k, nx;

	snprintf(what, sizeof(what), "a mapping of %s keys", where);
	if (!pctx_get_mapping(x, n, what, where, key_names, RTG_NKEYS, allowed,
			      keys, vals))
		return;
	if (n->data.mapping.pairs.top == n->data.mapping.pairs.start) {
		perr(x, n, "empty %s: expected at least one key", where);
		return;
	}
	policy_join_names(expected, sizeof(expected), key_names, RTG_NKEYS,
			  hook >= 0 ? hook_keys[hook] : 0);
	for (k = 0; k < RTG_NKEYS && !x->stop; k++) {
		yaml_node_t *v = vals[k];

		if (!v)
			continue;
		if (hook >= 0 && !(hook_keys[hook] & KEYBIT(k))) {
			perr(x, keys[k],
			     "key '%s' is not allowed in a rule on: %s (%s "
			     "rules take: %s)",
			     key_names[k], hook_name(hook), hook_name(hook),
			     expected);
			continue;
		}
		c->keys |= KEYBIT(k);
		switch (k) {
		case RTG_KEY_PATH:
			parse_strmatch(x, v, "path", where, c->path);
			break;
		case RTG_KEY_BINARY:
			parse_strmatch(x, v, "binary", where, c->binary);
			break;
		case RTG_KEY_FLAGS:
			xnames = xflag_names(hook, &nx);
			if (xnames) {
				uint32_t m = 0;

				parse_hook_names(x, v, "flag", xnames, nx, &m);
				c->xflags = (uint8_t)m;
				break;
			}
			parse_names_mask(x, v, "flag", flag_names, RTG_NFLAGS,
					 "read, write, create, truncate",
					 &c->flags);
			break;
		case RTG_KEY_SYSCALL:
		case RTG_KEY_REQUEST:
			xnames = op_names(hook, &nx);
			if (xnames)
				parse_hook_names(x, v, key_names[k], xnames,
						 nx, &c->ops);
			break;
		case RTG_KEY_UID:
			parse_uids(x, v, c);
			break;
		case RTG_KEY_DADDR:
			parse_daddr(x, v, c);
			break;
		case RTG_KEY_DPORT:
			parse_dport(x, v, c);
			break;
		case RTG_KEY_PROTO:
			parse_names_mask(x, v, "protocol", rtg_proto_names,
					 RTG_NPROTOS, "tcp, udp", &c->proto);
			break;
		case RTG_KEY_ARGS:
			parse_args(x, v, where, c);
			break;
		case RTG_KEY_CONTAINER:
			if (v->type == YAML_SCALAR_NODE &&
			    !strcmp(ynode_str(v), "true"))
				c->container = true;
			else if (v->type == YAML_SCALAR_NODE &&
				 !strcmp(ynode_str(v), "false"))
				c->container = false;
			else
				perr(x, v, "expected true or false, got %s",
				     v->type == YAML_SCALAR_NODE
					 ? (ynode_is_null(v) ? "an empty value"
							     : ynode_str(v))
					 : ynode_kind(v));
			break;
		}
	}
}
