/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one owner of every write to the agent's BPF maps (bpf/rules.h says
 * what each holds): the compiled rules of a policy generation, the
 * generation the programs read (agent_cfg), and the processes that predate
 * the agent (procs). The BPF programs write the rest (events, stats, procs
 * of new processes); user space only reads those, also from here.
 *
 * Generations: the rule maps hold two policy generations, told apart by a
 * `gen` field in every key (and by index in the arrays). A reload fills the
 * idle generation, flips agent_cfg.active_gen, then empties the old one
 * (user/agent/reload.c).
 */
#ifndef RTG_MAPS_H
#define RTG_MAPS_H

#include <stdbool.h>
#include <stdint.h>

#include "policy_compile.h"

struct rtguard_bpf;
struct proc_cache;

/* The rule maps of the skeleton. */
void maps_rule_fds(const struct rtguard_bpf *s, struct rtg_map_fds *fds);

/* Writes every entry of `c` under generation `gen`; rules_set[gen] last,
 * so a reader of gen never sees the ruleset without its entries. Returns
 * 0 or a negative errno (entries written so far stay; clear them with
 * policy_clear(c, gen, ...)). */
int policy_apply(const struct rtg_compiled *c, uint8_t gen,
		 const struct rtg_map_fds *fds);
/* Removes exactly what policy_apply(old, gen) wrote (ports and the ruleset
 * are zeroed). Missing entries are not an error. */
int policy_clear(const struct rtg_compiled *old, uint8_t gen,
		 const struct rtg_map_fds *fds);
/* Empties generation gen when no compiled policy says what it holds (it
 * came with maps adopted from a previous agent). */
void maps_purge_gen(const struct rtguard_bpf *s, uint8_t gen);
/* Deletes the entries of a hash or LPM map (keys of ksize bytes) whose
 * generation byte, at gen_off in the key, is gen. */
void maps_delete_gen(int fd, size_t ksize, size_t gen_off, uint8_t gen);

/* Empties both generations' rule sets: every program then decides nothing.
 * A clean exit does this before it unpins, because the kernel frees
 * unpinned tracepoint links only in deferred work. */
void maps_disarm(const struct rtguard_bpf *s);

/* agent_cfg: the generation the programs read, dry-run, our own tgid (never
 * reported) and whether the lsm/ programs decide denies. */
int maps_write_config(const struct rtguard_bpf *s, uint8_t gen, bool dry_run,
		      bool lsm_active);
/* The generation in force in agent_cfg (a previous agent's, when its maps
 * were adopted); 0 when unreadable. */
uint8_t maps_active_gen(const struct rtguard_bpf *s);

/* Processes that predate the agent: the kernel side learns the binary of
 * every process in /proc that pc knows, so `binary` rules and exit events
 * hold for them too; the exit of one is reported when the exec would have
 * been under c (generation gen; NULL: not). Entries the programs created
 * meanwhile win. */
void maps_seed_procs(const struct rtguard_bpf *s, struct proc_cache *pc,
		     const struct rtg_compiled *c, uint8_t gen);

/* Sum over CPUs of the kernel-side counter idx (enum rtg_stat, events.h);
 * 0 when unreadable. */
uint64_t maps_stat(const struct rtguard_bpf *s, uint32_t idx);

/* Workload selectors (maps_sel.c): sel_cgroup[{cgroup_id, gen}], the
 * scoped policies the cgroup's workload matches under generation gen. */
int maps_sel_write(const struct rtguard_bpf *s, uint64_t cgroup_id, uint8_t gen,
		   uint32_t bits);
bool maps_sel_known(const struct rtguard_bpf *s, uint64_t cgroup_id,
		    uint8_t gen, uint32_t *bits);
void maps_sel_forget(const struct rtguard_bpf *s, uint64_t cgroup_id);
void maps_sel_clear_gen(const struct rtguard_bpf *s, uint8_t gen);

#endif
