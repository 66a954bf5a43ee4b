// SPDX-License-Identifier: GPL-2.0
/*
 * Parents and ancestors of a process (proc_cache.h), from the process
 * cache, and from /proc for a process the cache never saw exec: nothing is
 * asked of the kernel side. The walk follows each entry's ppid and the
 * start time of that parent, so a reused pid is never taken for the parent.
 */
#include "proc_cache_int.h"

#define UNKNOWN_SLOTS                                                          \
	(sizeof(((struct proc_cache *)0)->unknown) /                           \
	 sizeof(((struct proc_cache *)0)->unknown[0]))

static bool known_unknown(const struct proc_cache *pc, uint32_t pid,
			  uint64_t ktime)
{
	size_t i;

	for (i = 0; i < UNKNOWN_SLOTS; i++)
		if (pc->unknown[i].pid == pid &&
		    pc->unknown[i].exec_ktime == ktime)
			return true;
	return false;
}

static void remember_unknown(struct proc_cache *pc, uint32_t pid,
			     uint64_t ktime)
{
	unsigned int i = pc->unknown_next++ % UNKNOWN_SLOTS;

	pc->unknown[i].pid = pid;
	pc->unknown[i].exec_ktime = ktime;
}

const struct rtg_proc_info *proc_cache_parent(struct proc_cache *pc,
					      uint32_t ppid,
					      uint64_t parent_exec_ktime)
{
	const struct rtg_proc_info *p;

	if (!ppid)
		return NULL;
	p = proc_cache_get(pc, ppid);
	if (p) {
		/* the cached image is that parent (or may be: a time is
		 * missing on one side) */
		if (!parent_exec_ktime || !p->exec_ktime ||
		    p->exec_ktime == parent_exec_ktime)
			return p;
		return NULL; /* the parent's exec was missed, or pid reused */
	}
	if (known_unknown(pc, ppid, parent_exec_ktime))
		return NULL;
	p = proc_cache_learn(pc, ppid, parent_exec_ktime);
	if (!p)
		remember_unknown(pc, ppid, parent_exec_ktime);
	return p;
}

int proc_cache_ancestors(struct proc_cache *pc, uint32_t ppid,
			 uint64_t parent_exec_ktime, struct rtg_ancestor *out,
			 int max)
{
	const struct rtg_proc_info *p;
	char *id;
	int n = 0, i;

	if (max > RTG_ANCESTORS_MAX)
		max = RTG_ANCESTORS_MAX;
	while (n < max && ppid) {
		for (i = 0; i < n; i++)
			if (out[i].pid == ppid)
				return n; /* a loop: stale entries */
		p = proc_cache_parent(pc, ppid, parent_exec_ktime);
		if (!p) {
			/* its pid and exec_id are still known */
			out[n].pid = ppid;
			out[n].binary = NULL;
			out[n].exec_id = "";
			if (parent_exec_ktime) {
				id = pc->anc_ids[n];
				proc_cache_exec_id(pc, ppid, parent_exec_ktime,
						   id);
				out[n].exec_id = id;
			}
			return n + 1;
		}
		out[n].pid = p->pid;
		out[n].binary = p->binary;
		out[n].exec_id = p->exec_id;
		n++;
		if (p->pid == 1)
			break;
		ppid = p->ppid;
		parent_exec_ktime = p->parent_exec_ktime;
	}
	return n;
}
