// SPDX-License-Identifier: GPL-2.0
/* Every write to the agent's BPF maps (see maps.h). */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "maps.h"
#include "proc_cache.h"
#include "rtguard.skel.h"

void maps_rule_fds(const struct rtguard_bpf *s, struct rtg_map_fds *fds)
{
	fds->set = bpf_map__fd(s->maps.rules_set);
	fds->str = bpf_map__fd(s->maps.rules_str);
	fds->addr = bpf_map__fd(s->maps.rules_addr);
	fds->uid = bpf_map__fd(s->maps.rules_uid);
	fds->port = bpf_map__fd(s->maps.rules_port);
	fds->trie = bpf_map__fd(s->maps.rules_trie);
}

/* ---- the rules of one generation ----------------------------------------- */

static int map_err(int ret)
{
	if (ret >= 0)
		return 0;
	return errno ? -errno : ret;
}

/* The rule maps keyed by (gen, value): where gen sits in each key, and
 * the compiled entries of each (struct rtg_*_entry: the key, then the
 * bits). */
struct keyed {
	int fd;
	size_t ksize, gen_off;
	size_t stride, v_off;
	const char *ent;
	int n;
};

#define NKEYED 3
#define KEYED(f, k)                                                            \
	{                                                                      \
		.fd = (f), .ksize = sizeof(struct rtg_##k##_key),              \
		.gen_off = offsetof(struct rtg_##k##_key, gen),                \
		.stride = sizeof(struct rtg_##k##_entry),                      \
		.v_off = offsetof(struct rtg_##k##_entry, v)                   \
	}
#define KEY_MAX_SIZE sizeof(struct rtg_str_key) /* the largest */
_Static_assert(sizeof(struct rtg_addr_key) <= KEY_MAX_SIZE &&
		   sizeof(struct rtg_uid_key) <= KEY_MAX_SIZE,
	       "a rule key larger than KEY_MAX_SIZE");
_Static_assert(offsetof(struct rtg_str_entry, key) == 0 &&
		   offsetof(struct rtg_addr_entry, key) == 0 &&
		   offsetof(struct rtg_uid_entry, key) == 0,
	       "keyed_entry() reads the key at the start of an entry");

/* c may be NULL: only the maps. */
static void keyed_maps(struct keyed k[NKEYED], int str, int addr, int uid,
		       const struct rtg_compiled *c)
{
	const struct keyed t[NKEYED] = {KEYED(str, str), KEYED(addr, addr),
					KEYED(uid, uid)};

	memcpy(k, t, sizeof(t));
	if (!c)
		return;
	k[0].ent = (const char *)c->str;
	k[0].n = c->nstr;
	k[1].ent = (const char *)c->addr;
	k[1].n = c->naddr;
	k[2].ent = (const char *)c->uid;
	k[2].n = c->nuid;
}

/* Entry i of k, its key with gen set in key[]. */
static const char *keyed_entry(const struct keyed *k, int i, uint8_t gen,
			       char key[KEY_MAX_SIZE])
{
	const char *e = k->ent + (size_t)i * k->stride;

	memcpy(key, e, k->ksize);
	key[k->gen_off] = gen;
	return e;
}

int policy_apply(const struct rtg_compiled *c, uint8_t gen,
		 const struct rtg_map_fds *fds)
{
	struct keyed km[NKEYED];
	char key[KEY_MAX_SIZE];
	const char *e;
	uint32_t k;
	int m, i, err;

	if (gen >= RTG_NGEN)
		return -EINVAL;
	keyed_maps(km, fds->str, fds->addr, fds->uid, c);
	for (m = 0; m < NKEYED; m++)
		for (i = 0; i < km[m].n; i++) {
			e = keyed_entry(&km[m], i, gen, key);
			err = map_err(bpf_map_update_elem(
			    km[m].fd, key, e + km[m].v_off, BPF_ANY));
			if (err)
				return err;
		}
	for (i = 0; i < c->nport; i++) {
		k = (uint32_t)gen * RTG_PORT_SLOTS + c->port[i].port;
		err = map_err(
		    bpf_map_update_elem(fds->port, &k, &c->port[i].v, BPF_ANY));
		if (err)
			return err;
	}
	/* the trie before the rule set that enables it */
	k = gen;
	if (c->trie && fds->trie >= 0) {
		err = map_err(
		    bpf_map_update_elem(fds->trie, &k, c->trie, BPF_ANY));
		if (err)
			return err;
	}
	return map_err(bpf_map_update_elem(fds->set, &k, &c->rs, BPF_ANY));
}

int policy_clear(const struct rtg_compiled *old, uint8_t gen,
		 const struct rtg_map_fds *fds)
{
	static const struct rtg_ruleset zero_rs;
	static const struct rtg_bits zero;
	struct keyed km[NKEYED];
	char key[KEY_MAX_SIZE];
	int m, i, e, err = 0;
	uint32_t k;

	if (gen >= RTG_NGEN)
		return -EINVAL;
	k = gen;
	err = map_err(bpf_map_update_elem(fds->set, &k, &zero_rs, BPF_ANY));
	keyed_maps(km, fds->str, fds->addr, fds->uid, old);
	for (m = 0; m < NKEYED; m++)
		for (i = 0; i < km[m].n; i++) {
			keyed_entry(&km[m], i, gen, key);
			e = map_err(bpf_map_delete_elem(km[m].fd, key));
			if (e && e != -ENOENT && !err)
				err = e;
		}
	for (i = 0; i < old->nport; i++) {
		k = (uint32_t)gen * RTG_PORT_SLOTS + old->port[i].port;
		e = map_err(bpf_map_update_elem(fds->port, &k, &zero, BPF_ANY));
		err = err ? err : e;
	}
	return err;
}

void maps_disarm(const struct rtguard_bpf *s)
{
	static const struct rtg_ruleset empty;
	uint32_t g;

	for (g = 0; g < RTG_NGEN; g++)
		bpf_map_update_elem(bpf_map__fd(s->maps.rules_set), &g, &empty,
				    BPF_ANY);
}

void maps_delete_gen(int fd, size_t ksize, size_t gen_off, uint8_t gen)
{
	char key[KEY_MAX_SIZE], next[KEY_MAX_SIZE];
	void *prev = NULL;

	if (ksize > KEY_MAX_SIZE || gen_off >= ksize)
		return;
	/* delete as we go; restart from the top after a deletion */
	while (!bpf_map_get_next_key(fd, prev, next)) {
		if ((uint8_t)next[gen_off] == gen) {
			bpf_map_delete_elem(fd, next);
			prev = NULL;
			continue;
		}
		memcpy(key, next, ksize);
		prev = key;
	}
}

void maps_purge_gen(const struct rtguard_bpf *s, uint8_t gen)
{
	int port_fd = bpf_map__fd(s->maps.rules_port);
	struct rtg_ruleset empty = {};
	struct rtg_bits zero = {}, b;
	struct keyed km[NKEYED];
	uint32_t i, idx = gen;
	int m;

	keyed_maps(km, bpf_map__fd(s->maps.rules_str),
		   bpf_map__fd(s->maps.rules_addr),
		   bpf_map__fd(s->maps.rules_uid), NULL);
	for (m = 0; m < NKEYED; m++)
		maps_delete_gen(km[m].fd, km[m].ksize, km[m].gen_off, gen);
	for (i = 0; i < RTG_PORT_SLOTS; i++) {
		uint32_t pi = gen * RTG_PORT_SLOTS + i;

		if (!bpf_map_lookup_elem(port_fd, &pi, &b) && (b.m || b.u))
			bpf_map_update_elem(port_fd, &pi, &zero, BPF_ANY);
	}
	bpf_map_update_elem(bpf_map__fd(s->maps.rules_set), &idx, &empty,
			    BPF_ANY);
}

/* ---- agent_cfg ----------------------------------------------------------- */

int maps_write_config(const struct rtguard_bpf *s, uint8_t gen, bool dry_run,
		      bool lsm_active)
{
	struct rtg_config cfg = {
	    .active_gen = gen,
	    .dry_run = dry_run,
	    .agent_tgid = getpid(),
	    .lsm_active = lsm_active,
	};
	uint32_t zero = 0;
	int err;

	err = map_err(bpf_map_update_elem(bpf_map__fd(s->maps.agent_cfg), &zero,
					  &cfg, BPF_ANY));
	if (err)
		log_err("cannot write agent_cfg: %s", strerror(-err));
	return err;
}

uint8_t maps_active_gen(const struct rtguard_bpf *s)
{
	struct rtg_config cfg = {};
	uint32_t zero = 0;

	bpf_map_lookup_elem(bpf_map__fd(s->maps.agent_cfg), &zero, &cfg);
	return cfg.active_gen & 1;
}

/* ---- procs --------------------------------------------------------------- */

/* Would the exec of pi have been reported under c (generation gen)? Then
 * its exit is (RTG_PS_REPORTED, bpf/exec.bpf.c). Decided with the binary
 * as both the new image and the actor; args rules are left out. */
static bool seed_reported(const struct rtg_compiled *c, uint8_t gen,
			  const struct rtg_map_fds *fds,
			  const struct rtg_proc_info *pi)
{
	struct rtg_facts f = {.hook = RTG_HOOK_EXEC,
			      .path = pi->binary,
			      .binary = pi->binary,
			      .uid = pi->uid};
	struct rtg_bits keys[RTG_NKEYS];
	struct rtg_verdict v;

	if (!c || policy_facts_keys_maps(c, gen, fds, &f, keys))
		return false;
	rtg_decide(&c->rs.h[RTG_HOOK_EXEC], keys, &v);
	return v.action >= RTG_ACT_AUDIT;
}

/* BPF_NOEXIST: an entry a program created in the meantime is newer. */
static void seed_one(int fd, const struct rtg_proc_info *pi, bool reported)
{
	struct rtg_proc_state st = {};
	size_t len, n, j;

	if (!pi->binary || pi->pid == (uint32_t)getpid())
		return;
	st.exec_ktime = pi->exec_ktime;
	st.parent_exec_ktime = pi->parent_exec_ktime;
	st.ppid = pi->ppid;
	st.flags = RTG_PS_EXEC | (reported ? RTG_PS_REPORTED : 0);
	st.gen = 0xff;
	len = strlen(pi->binary);
	st.bin_len = len > 0xffff ? 0xffff : len;
	n = len < RTG_KEY_MAX - 1 ? len : RTG_KEY_MAX - 1;
	memcpy(st.bin_key, pi->binary, n);
	for (j = 0; j < RTG_SUFFIX_MAX && j < len; j++)
		st.bin_rtail[j] = pi->binary[len - 1 - j];
	bpf_map_update_elem(fd, &pi->pid, &st, BPF_NOEXIST);
}

void maps_seed_procs(const struct rtguard_bpf *s, struct proc_cache *pc,
		     const struct rtg_compiled *c, uint8_t gen)
{
	int fd = bpf_map__fd(s->maps.procs);
	DIR *d = opendir("/proc");
	struct rtg_map_fds fds;
	struct dirent *de;

	maps_rule_fds(s, &fds);
	if (!d)
		return;
	while ((de = readdir(d))) {
		char *end;
		unsigned long pid = strtoul(de->d_name, &end, 10);
		const struct rtg_proc_info *pi;

		if (*end || !pid)
			continue;
		pi = proc_cache_get(pc, pid);
		if (pi)
			seed_one(fd, pi, seed_reported(c, gen, &fds, pi));
	}
	closedir(d);
}

/* ---- stats --------------------------------------------------------------- */

uint64_t maps_stat(const struct rtguard_bpf *s, uint32_t idx)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t vals[ncpu > 0 ? ncpu : 1], sum = 0;
	int i;

	memset(vals, 0, sizeof(vals));
	if (ncpu <= 0 ||
	    bpf_map_lookup_elem(bpf_map__fd(s->maps.stats), &idx, vals))
		return 0;
	for (i = 0; i < ncpu; i++)
		sum += vals[i];
	return sum;
}
