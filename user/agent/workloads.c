// SPDX-License-Identifier: GPL-2.0
/*
 * Workloads of events: the container and pod behind each event's cgroup
 * (user/lib/workload.h), and the ancestry of its process.
 *
 * A workload is learnt when its cgroup appears: bpf/cgroup.bpf.c reports
 * every cgroup2 mkdir and rmdir through the events ring buffer, so the
 * mkdir of a container's cgroup is decoded here before the exec of the
 * container's first process, and the runtime's files are read then. It is
 * forgotten at the rmdir. An event only looks its cgroup id up in the
 * cache: no file is read per event. A container older than the agent (or
 * whose record was lost) is learnt at its first event, once. Every minute,
 * and at once when cgroup records were lost, the cgroups of the cache are
 * checked, and those gone are forgotten.
 *
 * The parent of an event's process and, with --ancestors N, its ancestors
 * come from the process cache; a process that never exec'd since the agent
 * started (a runtime's monitor such as conmon forks the container's init)
 * is learnt from /proc once (user/lib/proc_cache.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "decode.h"
#include "log.h"
#include "maps.h"
#include "proc_cache.h"
#include "workload.h"

_Static_assert(AGENT_NROOTS == WORKLOAD_NROOTS, "one --runtime-root per root");

int agent_workloads_open(struct agent *a)
{
	struct workload_opts o = {
	    .docker_root = a->opts.runtime_roots[WORKLOAD_ROOT_DOCKER],
	    .containerd_root = a->opts.runtime_roots[WORKLOAD_ROOT_CONTAINERD],
	    .storage_root = a->opts.runtime_roots[WORKLOAD_ROOT_STORAGE],
	    .storage_runroot = a->opts.runtime_roots[WORKLOAD_ROOT_STORAGE_RUN],
	};
	char buf[4 * (PATH_MAX + 32)];
	const char *root;
	size_t off = 0;
	int r;

	a->wl = workload_cache_new(&o);
	if (!a->wl)
		return -ENOMEM;
	a->wl_lost = UINT64_MAX; /* a previous agent's losses are not ours */
	if (a->opts.ancestors) {
		a->anc = calloc(RTG_ANCESTORS_MAX, sizeof(*a->anc));
		if (!a->anc)
			return -ENOMEM;
	}
	buf[0] = '\0';
	for (r = 0; r < WORKLOAD_NROOTS && off < sizeof(buf); r++) {
		root = workload_cache_root(a->wl, r);
		off += snprintf(buf + off, sizeof(buf) - off, "%s%s %s",
				r ? ", " : "", workload_root_name(r),
				root ?: "(off)");
	}
	log_info("workloads: runtime state in %s", buf);
	return 0;
}

void agent_workloads_close(struct agent *a)
{
	workload_cache_free(a->wl);
	a->wl = NULL;
	free(a->anc);
	a->anc = NULL;
}

/* A cgroup appeared: learn its container, if it is one. */
static void cgroup_mkdir(struct agent *a, const struct rtg_cgroup_rec *r)
{
	char path[RTG_CGROUP_PATH_MAX + 1], id[65], pod[37];
	struct workload_hint h = {.cgroup_path = path};
	const struct workload *w;

	snprintf(path, sizeof(path), "%.*s", (int)r->path_len, r->path);
	/* the container_id of its events, even of processes gone by the
	 * time they are decoded */
	proc_cache_cgroup_learn(a->pc, r->cgroup_id, path);
	if (container_parse(path, id, pod) || !id[0])
		return; /* not a container's cgroup (a slice, a session) */
	w = workload_lookup(a->wl, r->cgroup_id, &h);
	if (!w)
		return;
	if (!w->runtime) {
		/* no runtime state yet: try again at its first event */
		log_debug("workload: cgroup %llu (%s): no runtime state yet",
			  (unsigned long long)r->cgroup_id, path);
		workload_forget(a->wl, r->cgroup_id);
		return;
	}
	log_debug("workload: cgroup %llu is %s container %s",
		  (unsigned long long)r->cgroup_id, w->runtime,
		  w->name ?: w->id);
	agent_selectors_learn(a, r->cgroup_id, w);
}

bool agent_workloads_record(struct agent *a, const void *data, size_t size)
{
	const struct rtg_cgroup_rec *r = data;

	if (!size || (r->type != RTG_REC_CGROUP_MKDIR &&
		      r->type != RTG_REC_CGROUP_RMDIR))
		return false;
	if (size < sizeof(*r) || r->path_len > size - sizeof(*r)) {
		a->stats.lost[RTG_LOSS_DECODE]++;
		return true;
	}
	if (!a->wl)
		return true;
	if (r->type == RTG_REC_CGROUP_MKDIR) {
		cgroup_mkdir(a, r);
	} else {
		workload_forget(a->wl, r->cgroup_id);
		agent_selectors_forget(a, r->cgroup_id);
		log_debug("workload: cgroup %llu gone",
			  (unsigned long long)r->cgroup_id);
	}
	return true;
}

/*
 * The workload of ev's cgroup. The cache is keyed by cgroup id, so it is
 * only filled from a cgroup id known to be the container's: a cgroup
 * record, or the process cache's certain knowledge of that cgroup. An
 * event's container id may come from where its process is now (runc init
 * reports its exec from the runtime's cgroup, then moves): such an event
 * gets no workload rather than teach the cache a wrong one.
 */
struct workload *agent_workload_of(struct agent *a,
				   const struct rtg_event_view *ev)
{
	struct workload_hint h = {.container_id = ev->container_id,
				  .pid = ev->pid};
	struct workload *w;
	const char *known;

	w = workload_lookup(a->wl, ev->cgroup_id, NULL); /* cached only */
	if (w)
		return strcmp(w->id, ev->container_id) ? NULL : w;
	known = proc_cache_cgroup_known(a->pc, ev->cgroup_id);
	if (!known || strcmp(known, ev->container_id))
		return NULL;
	return workload_lookup(a->wl, ev->cgroup_id, &h);
}

void agent_workloads_event(struct agent *a, struct rtg_event_view *ev)
{
	uint64_t pkt = ev->proc ? ev->proc->parent_exec_ktime : 0;
	struct workload *w = NULL;

	if (ev->type == RTG_EV_LOST)
		return;
	if (a->wl && ev->container_id && ev->container_id[0]) {
		w = agent_workload_of(a, ev);
		if (w)
			w->events++;
	}
	ev->workload = w;
	if (!ev->parent && ev->ppid && ev->ppid != ev->pid)
		ev->parent = proc_cache_parent(a->pc, ev->ppid, pkt);
	if (a->anc) {
		ev->ancestors = a->anc;
		ev->nancestors = proc_cache_ancestors(
		    a->pc, ev->ppid, pkt, a->anc, a->opts.ancestors);
		ev->ancestors_on = true;
	}
}

#define SWEEP_PERIOD_S 60

static bool cgroup_gone(uint64_t cgroup_id, void *arg)
{
	return proc_cache_cgroup_gone(arg, cgroup_id);
}

void agent_workloads_tick(struct agent *a)
{
	uint64_t lost;
	size_t n;

	if (!a->wl)
		return;
	lost = a->skel ? maps_stat(a->skel, RTG_STAT_CGROUP_LOST) : 0;
	if (a->wl_lost == UINT64_MAX)
		a->wl_lost = lost;
	if (lost > a->wl_lost) {
		log_warn("%llu cgroup records lost (ring buffer full): "
			 "checking the known workloads",
			 (unsigned long long)(lost - a->wl_lost));
		a->wl_lost = lost;
	} else if (++a->wl_ticks < SWEEP_PERIOD_S) {
		return;
	}
	a->wl_ticks = 0;
	n = workload_cache_prune(a->wl, cgroup_gone, a->pc);
	if (n)
		log_debug("workload: %zu gone without a record, forgotten", n);
}
