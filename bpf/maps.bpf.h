/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The maps of the agent's programs and the configuration user space writes
 * into them.
 *
 * The programs live in one unit per hook family (exec.bpf.c, open.bpf.c,
 * connect.bpf.c, lsm.bpf.c); the Makefile links the units into one object
 * with `bpftool gen object` and generates one skeleton, rtguard_bpf, from
 * it. Every unit includes this header, so every unit defines every map;
 * the definitions are __weak and identical, and the linker makes one map
 * of each. Map names and layouts are user space's contract: the agent
 * (user/agent/agent.c) fills them, user/agent/pin.c pins the ones that
 * outlive an agent.
 */
#ifndef RTG_MAPS_BPF_H
#define RTG_MAPS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "events.h"
#include "rules.h"
#include "path.bpf.h"

/* Written by user space; a pinned map rather than .bss so that a restarted
 * agent and the programs it replaces share it (see struct rtg_config). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rtg_config);
} agent_cfg SEC(".maps") __weak;

/* Audit records (and exits, allowed execs the cache needs). Sized by user
 * space (--ringbuf-kb). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, RTG_EVENTS_RB_SIZE);
} events SEC(".maps") __weak;

/* deny and kill records (and execs whose verdict user space finishes):
 * a ring of their own, so that a flood of audit records can never take
 * the space one of them needs. Their losses are counted apart
 * (RTG_STAT_LOST_ENFORCE). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, RTG_ENFORCE_RB_SIZE);
} enforce_events SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RTG_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct rtg_proc_state);
} procs SEC(".maps") __weak;

/* A new user namespace that the sys_enter program of unshare, clone or
 * clone3 left to BPF LSM's userns_create (task.bpf.c, lsm_more.bpf.c):
 * pid_tgid -> the call (enum rtg_op_ns). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u32);
} ns_lsm SEC(".maps") __weak;

/* The compiled policy (rules.h), RTG_NGEN generations. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, RTG_NGEN);
	__type(key, __u32);
	__type(value, struct rtg_ruleset);
} rules_set SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 16384);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct rtg_str_key);
	__type(value, struct rtg_bits);
} rules_str SEC(".maps") __weak;

/* The open pre-filter's trie (rules.h), one per generation. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, RTG_NGEN);
	__type(key, __u32);
	__type(value, struct rtg_trie);
} rules_trie SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 8192);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct rtg_addr_key);
	__type(value, struct rtg_bits);
} rules_addr SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct rtg_uid_key);
	__type(value, struct rtg_bits);
} rules_uid SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, RTG_NGEN *RTG_PORT_SLOTS);
	__type(key, __u32);
	__type(value, struct rtg_bits);
} rules_port SEC(".maps") __weak;

/* Per-CPU scratch: too big for the 512-byte stack. */
struct paths {
	struct path_scratch a; /* the object's path */
	struct path_scratch b; /* exec: cwd; open: the real path */
	struct path_scratch c; /* exec: the binary's real path */
};

#define EV_BUF 16384
struct evbuf {
	char d[EV_BUF]; /* the record being built */
};

/* A file's paths, as file_paths() (file.bpf.h) resolved them. */
struct fpath {
	__u32 off, len;	  /* the shown path, in scratch a */
	__u32 roff, rlen; /* the real path, in scratch b or c (real) */
	__u64 hit, rhit;  /* trie_top() of a truncated path (all ones: any) */
	__u8 trunc, rtrunc;
	__u8 real;	  /* the real path is known */
	__u8 partial;	  /* a real path exists and could not be known */
	__u8 report_real; /* the shown path is none in the opener's namespace */
	__u8 pad[3];
};

/* What rtg_walk() (file.bpf.h) found. */
struct walk_res {
	__u64 leaf;	/* struct walk.leaf */
	__u32 off, len; /* the string, when built */
	__u8 trunc, done, flags, pad[5];
};

struct misc {
	/* a walk's topmost components, and after them their count
	 * (path.bpf.h) */
	__u64 ring[RTG_TRIE_DEPTH + 1];
	struct walk_res wr;
	struct fpath fp;
	struct rtg_verdict v; /* rtg_open_eval()'s, under generation gen */
	__u32 gen;
	struct rtg_bits mres; /* rtg_masks_mc()'s (match.bpf.h) */
	/* kernel pointers handed to a global function (file.bpf.h): its
	 * arguments may only be scalars, a map value turns them into one */
	__u64 arg_file, arg_task;
	/* real_mount()'s scan (path.bpf.h): off the stack, which the open
	 * path's call chain has little of on 6.1 (512 bytes in all) */
	struct sb_scan sbs;
	struct rtg_str_key key;
	struct rtg_proc_state st;
	struct rtg_bits keys[RTG_NKEYS];
	char rtail[RTG_SUFFIX_MAX];
	char sname[256]; /* a #! script's name as given to execve */
	char sbuf[1024]; /* ... made absolute */
	char stail[192]; /* its last bytes, ending at stail[63] */
};

/* One value of vtype per CPU. */
#define SCRATCH_MAP(name, vtype)                                               \
	struct {                                                               \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);                       \
		__uint(max_entries, 1);                                        \
		__type(key, __u32);                                            \
		__type(value, vtype);                                          \
	} name SEC(".maps") __weak

SCRATCH_MAP(scratch_paths, struct paths);
SCRATCH_MAP(scratch_ev, struct evbuf);
SCRATCH_MAP(scratch_misc, struct misc);

static const __u32 zero;

/* lsm/file_open's word to the open tracepoints (open.bpf.c) about the
 * file it just saw: no rule above allow can match its open under
 * generation gen. One per CPU, written (file = 0 first) on every call.
 * The tracepoint trusts it only for the same struct file, by the same
 * task (pointer and start time) with the same count of context switches:
 * not switched out since, the task stayed on this CPU and this word is
 * from its last file_open, which for a file its open syscall just made
 * (not O_PATH: those skip file_open) was that file's. */
struct open_handoff {
	__u64 task, start, csw, file;
	__u32 gen, pad;
};
SCRATCH_MAP(open_handoff, struct open_handoff);

/* Set by user space where lsm/file_open is loaded: the tracepoints then
 * look at its word. Weak: each unit that reads it declares it. */
const volatile __u32 open_handoff_on __weak = 0;

static __always_inline __u64 task_csw(const struct task_struct *t)
{
	return t->nvcsw + t->nivcsw;
}

/* This CPU's scratch, all of it or NULL. */
struct scratch {
	struct paths *ps;
	struct misc *mc;
	struct evbuf *eb;
};

static __always_inline bool scratch_get(struct scratch *s)
{
	s->ps = bpf_map_lookup_elem(&scratch_paths, &zero);
	s->mc = bpf_map_lookup_elem(&scratch_misc, &zero);
	s->eb = bpf_map_lookup_elem(&scratch_ev, &zero);
	return s->ps && s->mc && s->eb;
}

static __always_inline struct evbuf *scratch_ev_get(void)
{
	return bpf_map_lookup_elem(&scratch_ev, &zero);
}

/* A field of the shared configuration (an inlined array lookup). */
#define CFG(f)                                                                 \
	({                                                                     \
		struct rtg_config *___c =                                      \
		    bpf_map_lookup_elem(&agent_cfg, &zero);                    \
		___c ? ___c->f : 0;                                            \
	})

/* The policy generation the programs read now. */
static __always_inline __u32 active_gen(void)
{
	return CFG(active_gen) & 1;
}

/* The agent's own process is never reported nor enforced on. */
static __always_inline bool is_agent(__u32 tgid)
{
	return tgid == CFG(agent_tgid);
}

static __always_inline void stat_inc(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &idx);

	if (v)
		*v += 1;
}

#endif
