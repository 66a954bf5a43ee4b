/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Compiled policy as the BPF side reads it. User space
 * (user/policy/policy_compile.c) writes these maps; bpf/match.bpf.h and the
 * fanotify responder (user/agent/enforce.c) read them through rtg_decide().
 *
 * Every rule of every loaded policy owns one bit in the u64 of its hook
 * (so at most RTG_MAX_RULES rules per event type across all policies).
 * Each match key contributes a mask of the rules whose clause for that key
 * holds; a rule matches when every key's mask has its bit:
 *
 *   M = AND over keys k of (match_k | dontcare_m[k])
 *   U = AND over keys k of (unless_k | dontcare_u[k]) & has_unless
 *   matching rules = M & ~U
 *
 * Per policy the lowest set bit wins (rules keep their order), otherwise the
 * policy's default; across policies the strictest action wins. The number of
 * map lookups depends on the keys, never on the number of rules.
 *
 * Atomic reload: every key carries the generation (0 or 1) it belongs to;
 * the BPF side reads the active generation once per event from `agent_cfg`
 * (struct rtg_config).
 */
#ifndef RTG_RULES_H
#define RTG_RULES_H

#include "events.h"

#define RTG_MAX_RULES 64 /* per hook, all policies together */
#define RTG_MAX_POLICIES 16
#define RTG_NGEN 2

enum rtg_hook {
	RTG_HOOK_EXEC = 0,
	RTG_HOOK_OPEN = 1,
	RTG_HOOK_CONNECT = 2,
	/* each decides its event type of the same name (events.h) */
	RTG_HOOK_PTRACE = 3,
	RTG_HOOK_CRED = 4,
	RTG_HOOK_MODULE = 5,
	RTG_HOOK_BPF = 6,
	RTG_HOOK_MOUNT = 7,
	RTG_HOOK_NAMESPACE = 8,
	RTG_HOOK_LISTEN = 9,
	RTG_HOOK_MMAP_EXEC = 10,
	RTG_HOOK_IO_URING = 11,
	RTG_NHOOKS = 12,
};
/* Hooks whose `binary` masks each process keeps (rtg_proc_state.bin): the
 * hot ones. The others look the binary up when they run. */
#define RTG_NHOOKS_PROC 3
_Static_assert(RTG_NHOOKS <= 16, "RTG_KIND() holds the hook in 4 bits");

enum rtg_key {
	RTG_KEY_PATH = 0, /* exec: the new binary (or script); open: the file */
	RTG_KEY_BINARY = 1, /* the executable of the acting process */
	RTG_KEY_FLAGS = 2, /* open: read/write/create/truncate */
	RTG_KEY_UID = 3,
	RTG_KEY_DADDR = 4,
	RTG_KEY_DPORT = 5,
	RTG_KEY_PROTO = 6,
	RTG_KEY_ARGS = 7, /* exec: contains (evaluated in user space) */
	RTG_KEY_CONTAINER = 8,
	RTG_KEY_SYSCALL = 9, /* the operation (rtg_more.op) */
	RTG_KEY_REQUEST = 10, /* ptrace: the request (rtg_more.op) */
	RTG_NKEYS = 11,
};

/* Values of the `syscall`/`request` key per hook (the op masks), and of
 * the `flags` key of hooks other than open (namespace, cred). */
#define RTG_NOPS 16
#define RTG_NXFLAGS 8

enum rtg_flagbit {
	RTG_FLAG_READ = 0,
	RTG_FLAG_WRITE = 1,
	RTG_FLAG_CREATE = 2,
	RTG_FLAG_TRUNCATE = 3,
	RTG_NFLAGS = 4,
};

/* The masks a lookup yields: rules whose `match` clause for this key holds,
 * and rules whose `unless` clause for this key holds. */
struct rtg_bits {
	__u64 m;
	__u64 u;
};
_Static_assert(sizeof(struct rtg_bits) == 16, "rtg_bits ABI");

/* kind byte of a string key: hook << 4 | key, RTG_KIND_SUFFIX for the
 * reversed-tail trie of suffix rules. */
#define RTG_KIND(hook, key) ((__u8)(((hook) << 4) | (key)))
#define RTG_KIND_SUFFIX 0x08

/* LPM trie `rules_str`: prefix rules are stored as their bytes, equal rules
 * as their bytes plus the NUL, suffix rules reversed under RTG_KIND_SUFFIX.
 * prefixlen counts the gen and kind bytes too. Each entry's value is the
 * OR of its own masks and those of every stored prefix of it, so one lookup
 * yields every matching rule. */
struct rtg_str_key {
	__u32 prefixlen;
	__u8 gen;
	__u8 kind;
	char s[RTG_KEY_MAX];
};
_Static_assert(sizeof(struct rtg_str_key) == 260, "rtg_str_key ABI");
#define RTG_STR_HDR_BITS 16

/* LPM trie `rules_addr`: CIDRs; v4 uses addr[0..3]. v4-mapped v6 rules and
 * destinations are folded to v4 before they get here. */
struct rtg_addr_key {
	__u32 prefixlen; /* 16 + CIDR bits */
	__u8 gen;
	__u8 family; /* 4 or 6 */
	__u8 addr[16];
	__u8 pad[2];
};
_Static_assert(sizeof(struct rtg_addr_key) == 24, "rtg_addr_key ABI");

/* hash `rules_uid` */
struct rtg_uid_key {
	__u8 gen;
	__u8 hook;
	__u16 pad;
	__u32 uid;
};
_Static_assert(sizeof(struct rtg_uid_key) == 8, "rtg_uid_key ABI");

/* array `rules_port`: index gen * 65536 + port, value struct rtg_bits */
#define RTG_PORT_SLOTS 65536

/* hookset.features */
#define RTG_HF_SUFFIX_PATH (1u << 0) /* some rule has path.suffix */
#define RTG_HF_SUFFIX_BINARY (1u << 1)
#define RTG_HF_STR_PATH (1u << 2) /* some rule has path.equal/prefix */
#define RTG_HF_STR_BINARY (1u << 3)
#define RTG_HF_UID (1u << 4)
#define RTG_HF_DADDR (1u << 5)
#define RTG_HF_DPORT (1u << 6)
#define RTG_HF_ARGS (1u << 7)
#define RTG_HF_ACTIVE (1u << 8) /* any rule or non-allow default */
#define RTG_HF_ENFORCE (1u << 9) /* some rule denies or kills */
/* open: every policy's default is allow, so an open no rule above allow
 * can match needs no more (the pre-filter, struct rtg_trie) */
#define RTG_HF_PREFILTER (1u << 10)

struct rtg_hookset {
	__u64 dc_m[RTG_NKEYS]; /* rules that do not use key k in `match` */
	__u64 dc_u[RTG_NKEYS]; /* rules that do not use key k in `unless` */
	__u64 has_unless;
	__u64 pmask[RTG_MAX_POLICIES]; /* rules belonging to policy p */
	__u64 flag_m[RTG_NFLAGS], flag_u[RTG_NFLAGS];
	__u64 proto_m[2], proto_u[2]; /* [0] tcp, [1] udp */
	__u64 cont_m[2], cont_u[2]; /* [0] host, [1] container */
	__u64 loud; /* rules whose action is above allow */
	__u64 strict; /* rules whose action is deny or kill */
	/* rules with an equal or prefix clause in `match`: [0] path, [1]
	 * binary. A string the kernel could not resolve whole (a path deeper
	 * than the walk, see RTG_F_PATH_TRUNC) is decided as matching these
	 * rules where they are strict: failing closed. */
	__u64 str_m[2];
	__u8 action[RTG_MAX_RULES]; /* enum rtg_action */
	__u8 mech[RTG_MAX_RULES]; /* enum rtg_mech chosen for deny rules */
	__u8 def_action[RTG_MAX_POLICIES];
	__u8 def_mech[RTG_MAX_POLICIES];
	__u32 npolicies;
	__u32 features; /* RTG_HF_* */
	/* `syscall`/`request`: rules whose clause lists op i */
	__u64 op_m[RTG_NOPS], op_u[RTG_NOPS];
	/* `flags` of namespace and cred rules: bit i (enum rtg_nsflag,
	 * enum rtg_credflag) */
	__u64 xf_m[RTG_NXFLAGS], xf_u[RTG_NXFLAGS];
};
_Static_assert(sizeof(struct rtg_hookset) == 1024, "rtg_hookset ABI");

#include "select.h"

/* array `rules_set`, index = generation */
struct rtg_ruleset {
	struct rtg_hookset h[RTG_NHOOKS];
	struct rtg_selset sel; /* select.h */
};
_Static_assert(sizeof(struct rtg_ruleset) ==
		       RTG_NHOOKS * sizeof(struct rtg_hookset) +
			       sizeof(struct rtg_selset),
	       "rtg_ruleset ABI");

/* The open pre-filter's trie (array `rules_trie`, index = generation):
 * the path clauses of the open rules whose action is above allow, one
 * path component per edge, built by user/policy/policy_trie.c. It answers
 * "may a rule with an equal, prefix or suffix path clause match this
 * path?" from the dentries, before any string is built (trie.bpf.h):
 * always yes when one does, sometimes yes when none does (it stops at
 * RTG_TRIE_DEPTH components and a node's fan-out; such nodes match
 * everything below them). Edges are rtg_trie_edge; a node's children are
 * the edges [first, first + n) compared whole, and [pfirst, pfirst + pn)
 * compared as name prefixes (a prefix rule that ends within a name). */
#define RTG_TRIE_NODES 512
#define RTG_TRIE_EDGES 1024
#define RTG_TRIE_NAMES 8192 /* edge names, each 8-byte aligned */
#define RTG_TRIE_DEPTH 8    /* components compared, from the root */
#define RTG_TRIE_FANOUT 16  /* whole-name children scanned per node */
#define RTG_TRIE_PFANOUT 4  /* name-prefix children scanned per node */
#define RTG_TRIE_SUFFIXES 16 /* suffix edges scanned (each kind) */
#define RTG_TRIE_NAME_MAX 255

struct rtg_trie_node {
	__u64 here;  /* rules that may match any path at or below this node */
	__u64 reach; /* rules of this node and of every node below it */
	__u64 lens;  /* bit l: a whole-name child of l bytes (63: 63 or more) */
	__u16 first, n, pfirst, pn;
};
_Static_assert(sizeof(struct rtg_trie_node) == 32, "rtg_trie_node ABI");

struct rtg_trie_edge {
	__u64 word;	/* the name's first 8 bytes, zero-padded */
	__u16 child;	/* node; its `here` holds the rules of a suffix edge */
	__u16 name_off; /* the whole name in names[], 8-byte aligned */
	__u8 len;
	__u8 pad[3];
};
_Static_assert(sizeof(struct rtg_trie_edge) == 16, "rtg_trie_edge ABI");

/* The whole-name children of every node, hashed by (node, length, first
 * 8 bytes) into slot[] with linear probing of at most RTG_TRIE_PROBE
 * slots (rtg_trie_hash()): one or two compares per component instead of
 * a scan. A child the builder cannot place so close is left out and its
 * parent matches everything below it. */
#define RTG_TRIE_SLOTS 2048
#define RTG_TRIE_PROBE 4

struct rtg_trie_slot {
	__u64 word;	/* the name's first 8 bytes, zero-padded */
	__u16 node;	/* the parent; 0xffff: an empty slot */
	__u16 child;
	__u16 name_off; /* the whole name in names[] */
	__u8 len;
	__u8 pad;
};
_Static_assert(sizeof(struct rtg_trie_slot) == 16, "rtg_trie_slot ABI");

/* The slot where the child of node named (len, word) is first looked for. */
static inline __u32 rtg_trie_hash(__u32 node, __u32 len, __u64 word)
{
	__u64 h = (word ^ ((__u64)node << 40) ^ ((__u64)len << 56)) *
		  0x9E3779B97F4A7C15ULL;

	return (__u32)(h >> 53) & (RTG_TRIE_SLOTS - 1);
}

struct rtg_trie {
	struct rtg_trie_node node[RTG_TRIE_NODES]; /* node[0]: the root "/" */
	struct rtg_trie_edge edge[RTG_TRIE_EDGES];
	struct rtg_trie_slot slot[RTG_TRIE_SLOTS];
	/* suffix rules by the last component of their suffix: it equals
	 * [sx, sx + nsx) (the suffix holds a '/'), or ends with [se, se +
	 * nse); an ends-with name is stored in 8-byte chunks from its end */
	__u16 sx, nsx, se, nse;
	__u64 sfx_any; /* suffix rules that may match any path */
	/* The equal-kind suffix edges are in slot[] too, as the children of
	 * RTG_TRIE_SFX_NODE, so that the pre-filter's fast path looks a
	 * last component up in one probe. sfx_slow: the suffix rules it
	 * cannot decide that way (ends-with edges, edges left out of slot[]):
	 * an open they may match takes the slow path. */
	__u64 sfx_slow;
	/* the equal-kind suffix edges in slot[]: their rules (sfx_m) and
	 * lengths (bit l: one of l bytes, 63: 63 or more), so that a last
	 * component no suffix rule can end with costs no probe */
	__u64 sfx_m, sfx_lens;
	char names[RTG_TRIE_NAMES];
};
_Static_assert(sizeof(struct rtg_trie) == 73768, "rtg_trie ABI");
#define RTG_TRIE_SFX_NODE 0xfffe

struct rtg_verdict {
	__u8 action; /* enum rtg_action */
	__u8 mech; /* enum rtg_mech (RTG_MECH_NONE for audit) */
	__u16 rule; /* RTG_RULE_* */
};

/* array `agent_cfg` (one entry): what the agent tells the programs. Shared by
 * the programs of an agent and those of its successor while pinned. */
struct rtg_config {
	__u32 active_gen; /* policy generation the programs read (0/1) */
	__u32 dry_run; /* report deny/kill as would-be, enforce nothing */
	__u32 agent_tgid; /* the agent itself: never reported */
	__u32 lsm_active; /* lsm/ programs attached and deciding denies */
};
_Static_assert(sizeof(struct rtg_config) == 16, "rtg_config ABI");

/* hash `procs`, key tgid: what the kernel side knows of each process.
 * Written at fork and exec by BPF and, for processes older than the agent,
 * by user space at start-up. `bin` holds the binary-key masks for policy
 * generation `gen`; when the active generation differs they are recomputed
 * from bin_key/bin_rtail (the binary's path, and its last bytes reversed). */
#define RTG_PS_EXEC (1u << 0) /* image came from an exec we saw (or /proc) */
#define RTG_PS_CONTAINER (1u << 1)
#define RTG_PS_REPORTED (1u << 2) /* its exec was reported (action >= audit) */
#define RTG_PS_BIN_TRUNC (1u << 3) /* the binary's path was not resolved whole */
struct rtg_proc_state {
	__u64 exec_ktime; /* boot ns of the image start (exec_id) */
	__u64 parent_exec_ktime;
	__u32 ppid;
	__u32 flags; /* RTG_PS_* */
	__u8 gen; /* generation of `bin`; 0xff = not computed */
	__u8 pad[3];
	__u16 bin_len; /* strlen of the binary path (may exceed bin_key) */
	__u16 pad2;
	struct rtg_bits bin[RTG_NHOOKS_PROC];
	char bin_key[RTG_KEY_MAX]; /* NUL-terminated when it fits */
	char bin_rtail[RTG_SUFFIX_MAX];
	__u8 pad3[2];
};
_Static_assert(sizeof(struct rtg_proc_state) == 400, "rtg_proc_state ABI");

#ifndef RTG_INLINE
#define RTG_INLINE static inline __attribute__((always_inline))
#endif

/* x & mask, kept as an instruction even where the compiler proved it
 * redundant: the BPF verifier tracks bounds per register and must see the
 * mask on the value it checks. bpf/ keeps such bounds only this way. */
#ifdef __bpf__
#define RTG_MASK(x, mask)                                                      \
	({                                                                     \
		__u64 ___v = (x);                                              \
		asm volatile("" : "+r"(___v));                                 \
		___v & (mask);                                                 \
	})
#else
#define RTG_MASK(x, mask) ((x) & (mask))
#endif

/* The one place that turns per-key masks into a verdict; used by the BPF
 * programs and by user space (fanotify answers, `policy check`, tests).
 * `keys[k]` must be the lookup result for key k (zero when the event has no
 * value for it). In steps so that the BPF side can run the per-policy
 * step from bpf_loop() (verified once, not per policy). */

/* M and U of the formula above, key by key: the rules whose match clauses
 * all hold, and those whose unless clauses all hold (has_unless applied).
 * A key whose masks are all ones does not constrain (the exec hook leaves
 * `args` open so: user space finishes with policy_decide_args()). */
RTG_INLINE struct rtg_bits rtg_masks(const struct rtg_hookset *hs,
				     const struct rtg_bits keys[RTG_NKEYS])
{
	struct rtg_bits r = { ~0ULL, hs->has_unless };
	int k;

	/* a loop, not unrolled: unrolled, clang keeps the keys in stack
	 * slots, and the open path's call chain has 512 bytes of stack in
	 * all on 6.1 */
#ifdef __clang__
#pragma clang loop unroll(disable)
#endif
	for (k = 0; k < RTG_NKEYS; k++) {
		r.m &= keys[k].m | hs->dc_m[k];
		r.u &= keys[k].u | hs->dc_u[k];
	}
	return r;
}

/* The rules that match, `unless` applied. */
RTG_INLINE __u64 rtg_match(const struct rtg_hookset *hs,
			   const struct rtg_bits keys[RTG_NKEYS])
{
	struct rtg_bits r = rtg_masks(hs, keys);

	return r.m & ~r.u;
}

RTG_INLINE void rtg_verdict_init(struct rtg_verdict *v)
{
	v->action = RTG_ACT_ALLOW;
	v->mech = RTG_MECH_NONE;
	v->rule = RTG_RULE_NONE;
}

/* Policy p's outcome for the matching rules m (its first rule, else its
 * default), folded into v: the strictest outcome across policies wins. */
RTG_INLINE void rtg_decide_policy(const struct rtg_hookset *hs, __u64 m,
				  __u32 p, struct rtg_verdict *v)
{
	__u64 pm = m & hs->pmask[RTG_MASK(p, RTG_MAX_POLICIES - 1)];
	__u16 rule;
	__u8 act, mech;

	if (pm) {
		rule = (__u16)__builtin_ctzll(pm);
		act = hs->action[RTG_MASK(rule, RTG_MAX_RULES - 1)];
		mech = hs->mech[RTG_MASK(rule, RTG_MAX_RULES - 1)];
	} else {
		rule = RTG_RULE_DEFAULT | p;
		act = hs->def_action[RTG_MASK(p, RTG_MAX_POLICIES - 1)];
		mech = hs->def_mech[RTG_MASK(p, RTG_MAX_POLICIES - 1)];
	}
	if (act > v->action) {
		v->action = act;
		v->rule = rule;
		v->mech = mech;
	}
}

RTG_INLINE void rtg_decide(const struct rtg_hookset *hs,
			   const struct rtg_bits keys[RTG_NKEYS],
			   struct rtg_verdict *v)
{
	__u64 m = rtg_match(hs, keys);
	__u32 p, np = hs->npolicies;

	rtg_verdict_init(v);
	if (np > RTG_MAX_POLICIES)
		np = RTG_MAX_POLICIES;
	for (p = 0; p < np; p++)
		rtg_decide_policy(hs, m, p, v);
}

#endif
