/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Policy compiler: a struct rtg_policy_set (user/policy/policy.h) becomes the
 * map entries of bpf/rules.h, plus what user space needs to finish decisions
 * (args rules, rule names, fanotify targets). policy_compile.c compiles,
 * policy_decide.c makes the decisions left to user space, policy_keys.c
 * encodes trie keys the way the BPF side does.
 *
 * Bits: per hook, rules get bits in policy order then rule order, so the
 * lowest set bit of a policy is its first matching rule. Policy p of the set
 * is index p of pmask/def_action/def_mech in every hook.
 *
 * How the kernel side builds keys[] for rtg_decide() from these maps:
 *   PATH/BINARY: lookup rules_str {gen, RTG_KIND(hook, key), path bytes +
 *     NUL} with prefixlen 16 + 8 * (len + 1) (a path longer than
 *     RTG_KEY_MAX - 1 bytes: its first RTG_KEY_MAX bytes, no NUL), then, when
 *     the hook has RTG_HF_SUFFIX_*, lookup {gen, kind | RTG_KIND_SUFFIX, the
 *     last <= RTG_SUFFIX_MAX bytes reversed} and OR both results;
 *   FLAGS: OR of flag_m/flag_u[f] over the flags the open has;
 *   UID: rules_uid {gen, hook, 0, uid};
 *   DADDR: rules_addr {16 + 32|128, gen, 4|6, addr} (v4-mapped folded to 4);
 *   DPORT: rules_port[gen * RTG_PORT_SLOTS + dport];
 *   PROTO: proto_m/u[0 tcp, 1 udp];  CONTAINER: cont_m/u[0 host, 1 cont];
 *   ARGS: zero in the kernel; user space: policy_args_match().
 * Every lookup result already includes all entries that are prefixes of the
 * matched one (the compiler closes each trie entry under prefixes), so one
 * longest-prefix lookup per key yields all matching rules.
 */
#ifndef RTG_POLICY_COMPILE_H
#define RTG_POLICY_COMPILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"
#include "rules.h"

/* What the running kernel offers (filled by the probe module). */
struct rtg_backends {
	bool lsm; /* lsm/file_open, lsm/bprm_check_security load and attach */
	bool fanotify; /* fanotify permission events (FAN_OPEN_PERM, ...) */
	bool cgroup_connect; /* cgroup/connect4|6 on the cgroup2 root */
	bool cgroup_unix;    /* cgroup/connect_unix (6.7+) */
	bool cgroup_bind;    /* cgroup/bind4|6: listen denies */
	uint32_t lsm_hooks;  /* 1u << hook: hooks after connect BPF LSM decides */
};

/* Filled from the probe module's decisions: probe_backends() in
 * user/lib/probe.c. */

/* Map sizes the agent creates (entries per generation x RTG_NGEN).
 * A v6 CIDR that covers the v4-mapped range adds one v4 entry. */
#define RTG_MAP_SET_ENTRIES  RTG_NGEN
#define RTG_MAP_STR_ENTRIES  (RTG_NGEN * RTG_MAX_STRINGS)
#define RTG_MAP_ADDR_ENTRIES (RTG_NGEN * 2 * RTG_MAX_CIDRS)
#define RTG_MAP_UID_ENTRIES  (RTG_NGEN * RTG_MAX_UIDS)
#define RTG_MAP_PORT_ENTRIES (RTG_NGEN * RTG_PORT_SLOTS)

struct rtg_str_entry {
	struct rtg_str_key key; /* key.gen is set by policy_apply() */
	struct rtg_bits v;
};

struct rtg_addr_entry {
	struct rtg_addr_key key;
	struct rtg_bits v;
};

struct rtg_uid_entry {
	struct rtg_uid_key key;
	struct rtg_bits v;
};

struct rtg_port_entry {
	uint16_t port;
	struct rtg_bits v;
};

/* One compiled rule, for names, output and user-space evaluation. */
struct rtg_crule {
	char *name;
	int policy; /* index into policy_names */
	int index;  /* rule index within its policy */
	uint8_t action, mech;
	struct rtg_strlist args_m, args_u; /* `contains` of match / unless */
};

struct rtg_fan_target {
	char *path;
	int hook; /* RTG_HOOK_EXEC or RTG_HOOK_OPEN */
};

struct rtg_compiled {
	struct rtg_ruleset rs; /* value of rules_set[gen] */
	int nrules[RTG_NHOOKS];
	struct rtg_crule rules[RTG_NHOOKS][RTG_MAX_RULES];
	int npolicies;
	char *policy_names[RTG_MAX_POLICIES];
	/* policy p's selector, NULL when it applies everywhere; rs.sel has
	 * the masks (user/policy/policy_selector.h) */
	struct rtg_selector *sel[RTG_MAX_POLICIES];

	struct rtg_str_entry *str;
	int nstr;
	struct rtg_addr_entry *addr;
	int naddr;
	struct rtg_uid_entry *uid;
	int nuid;
	struct rtg_port_entry *port; /* non-zero ports only, sorted */
	int nport;

	struct rtg_fan_target *fan; /* deny rules carried out by fanotify */
	int nfan;

	struct rtg_trie *trie; /* value of rules_trie[gen]: the open hook's */
};

/*
 * Compiles a set without errors. Mechanisms, the strongest that works
 * (README.md "Enforcement backends and their limits"): kill ->
 * SIGKILL; deny on connect -> cgroup (LSM, else SIGKILL, without it); deny
 * on exec/open -> LSM when be->lsm, else fanotify when the rule's match
 * path uses only `equal` (and be->fanotify), else SIGKILL (reported as
 * kill); an exec deny rule with `args` is always SIGKILL (args are decided
 * in user space after the exec). Defaults likewise, without fanotify.
 * Returns 0 or -EINVAL (the set has errors), -E2BIG (a limit; the loaders
 * already reject those with positions), -ENOMEM.
 */
int policy_compile(const struct rtg_policy_set *set,
		   const struct rtg_backends *be, struct rtg_compiled **out);
void policy_compiled_free(struct rtg_compiled *c); /* accepts NULL */

/* The maps policy_apply()/policy_clear() (user/agent/maps.h) write. */
struct rtg_map_fds {
	int set;  /* array, key u32 gen, value struct rtg_ruleset */
	int str;  /* LPM trie, struct rtg_str_key -> struct rtg_bits */
	int addr; /* LPM trie, struct rtg_addr_key -> struct rtg_bits */
	int uid;  /* hash, struct rtg_uid_key -> struct rtg_bits */
	int port; /* array, gen * 65536 + port -> struct rtg_bits */
	int trie; /* array, key u32 gen, value struct rtg_trie */
};

/*
 * Args rules (exec only; the kernel never matches args): bits of exec rules
 * whose match `args` clause holds for argv (any argument contains any
 * listed string); *unless_bits (may be NULL) gets the same for `unless`.
 */
uint64_t policy_args_match(const struct rtg_compiled *c, char *const argv[],
			   int argc, uint64_t *unless_bits);
/* the same over NUL-separated args as in struct rtg_exec */
uint64_t policy_args_match_buf(const struct rtg_compiled *c, const char *args,
			       size_t len, uint64_t *unless_bits);
/*
 * Finishes an exec decision the kernel left pending (RTG_F_ARGS_PENDING):
 * cand_m/cand_u are the AND over every key but args of (match | dontcare)
 * and (unless | dontcare) as struct rtg_exec carries them.
 */
void policy_decide_args(const struct rtg_compiled *c, uint64_t cand_m,
			uint64_t cand_u, const char *args, size_t len,
			struct rtg_verdict *v);

/* Rule name of `rule` (a bit, or RTG_RULE_DEFAULT | policy) in `hook`;
 * NULL for a policy default or an unknown id. *policy_name (may be NULL)
 * gets the policy's name, or NULL. */
const char *policy_rule_name(const struct rtg_compiled *c, int hook,
			     uint16_t rule, const char **policy_name);

/* The facts of one event, for a decision in user space (the fanotify
 * responder, `policy check`, tests). NULL/0 facts are absent. */
struct rtg_facts {
	int hook;
	const char *path;   /* exec: the new binary; open: the file */
	const char *binary; /* the acting process's executable */
	uint32_t flags;	    /* 1u << enum rtg_flagbit */
	uint32_t uid;
	bool container;
	uint8_t family; /* 4 or 6 (v4-mapped is folded here) */
	uint8_t daddr[16];
	uint16_t dport;
	uint8_t proto;	  /* 0 tcp, 1 udp */
	const char *args; /* NUL-separated, exec */
	size_t args_len;
	/* hooks after connect: the operation (rtg_more.op) and the `flags`
	 * bits of namespace and cred events */
	int op;
	uint32_t xflags;
};

/* The rule maps a lookup goes to. */
enum rtg_rules_map {
	RTG_RULES_STR,	/* key struct rtg_str_key */
	RTG_RULES_ADDR, /* key struct rtg_addr_key */
	RTG_RULES_UID,	/* key struct rtg_uid_key */
	RTG_RULES_PORT, /* key u32 gen * RTG_PORT_SLOTS + port */
};
/* One lookup: ORs the bits the map (longest prefix for the tries) holds
 * for key into *out; nothing when it holds none. */
typedef void (*policy_lookup_fn)(void *ctx, enum rtg_rules_map map,
				 const void *key, struct rtg_bits *out);

/* keys[] of the facts f: the lookups the BPF side does (under generation
 * gen, each done by `lookup`), the keys the hookset hs of f->hook answers
 * itself (flags, protocol, container) and args. */
void policy_facts_keys_by(const struct rtg_compiled *c,
			  const struct rtg_hookset *hs, uint8_t gen,
			  const struct rtg_facts *f, policy_lookup_fn lookup,
			  void *ctx, struct rtg_bits keys[RTG_NKEYS]);
/* The same through the BPF maps, with the hookset of rules_set[gen]. */
int policy_facts_keys_maps(const struct rtg_compiled *c, uint8_t gen,
			   const struct rtg_map_fds *fds,
			   const struct rtg_facts *f,
			   struct rtg_bits keys[RTG_NKEYS]);

/*
 * Keys of the tries (user/policy/policy_keys.c), encoded as the BPF side
 * encodes them.
 */
/* The reversed tail under which suffix rules are stored and paths looked
 * up: the last min(n, RTG_SUFFIX_MAX) bytes of s[0..n), last byte first.
 * Returns the number of bytes written to out. */
size_t policy_rtail(const char *s, size_t n, char out[RTG_SUFFIX_MAX]);
/* The rules_str keys of a path (gen 0): *k its bytes and the NUL (a path
 * of RTG_KEY_MAX bytes or more: its first RTG_KEY_MAX bytes), *sk its
 * reversed tail under kind | RTG_KIND_SUFFIX. */
void policy_str_keys(const char *path, uint8_t kind, struct rtg_str_key *k,
		     struct rtg_str_key *sk);
/* The rules_addr key of f's destination (gen 0), v4-mapped folded to v4. */
void policy_addr_key(const struct rtg_facts *f, struct rtg_addr_key *k);
/* Is f a prefix of e (same kind or family, gen ignored)? */
bool policy_str_prefix_of(const struct rtg_str_key *f,
			  const struct rtg_str_key *e);
bool policy_addr_prefix_of(const struct rtg_addr_key *f,
			   const struct rtg_addr_key *e);

#endif
