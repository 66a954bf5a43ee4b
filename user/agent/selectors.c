// SPDX-License-Identifier: GPL-2.0
/*
 * Workload selectors in the agent (user/policy/policy_selector.h,
 * bpf/select.bpf.h): which scoped policies each container cgroup's
 * workload matches, kept in sel_cgroup per generation.
 *
 * - A cgroup is classified when workloads.c learns its container (at its
 *   mkdir), or at the first exec seen from a container cgroup that has no
 *   entry yet; the entry goes under the generation in force.
 * - A reload writes every known cgroup under the new generation before
 *   the flip and drops the old generation's entries after it, so each
 *   event sees the selectors of the generation whose rules decide it.
 * - An exec the kernel held (RTG_F_SEL_HELD: its container was not
 *   classified and a scoped policy would deny it; the task is stopped
 *   before its first instruction) is decided here: the cgroup is
 *   classified now, from the runtime's files, the exec decided under the
 *   policies that really apply, and the task gets SIGKILL or SIGCONT.
 */
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "agent.h"
#include "decode.h"
#include "log.h"
#include "maps.h"
#include "policy_compile.h"
#include "policy_selector.h"
#include "probe.h"
#include "proc_cache.h"
#include "workload.h"

/* The scoped policies of c that workload w (NULL: unknown container)
 * matches. */
static uint32_t workload_bits(const struct rtg_compiled *c,
			      const struct workload *w)
{
	const char *lk[WORKLOAD_LABELS_MAX], *lv[WORKLOAD_LABELS_MAX];
	struct rtg_sel_facts f = {.label_keys = lk, .label_values = lv};
	size_t i;

	if (!c || !c->rs.sel.scoped)
		return 0;
	if (w) {
		f.namespace = w->pod_namespace;
		f.pod = w->pod_name;
		f.container = w->name;
		f.image = w->image;
		for (i = 0; i < w->nlabels && i < WORKLOAD_LABELS_MAX; i++) {
			lk[i] = w->labels[i].key;
			lv[i] = w->labels[i].value;
		}
		f.nlabels = i;
	}
	return policy_selectors_match(c, &f);
}

static void classify(struct agent *a, uint64_t cgroup_id, uint8_t gen,
		     const struct workload *w)
{
	const struct rtg_compiled *c = a->comp[gen];
	uint32_t bits = workload_bits(c, w);
	int err;

	if (!a->skel || !c)
		return;
	err = maps_sel_write(a->skel, cgroup_id, gen, bits);
	if (err)
		log_warn("selectors: cgroup %llu: %s",
			 (unsigned long long)cgroup_id, strerror(-err));
	else
		log_debug("selectors: cgroup %llu (%s) gets policies %#x",
			  (unsigned long long)cgroup_id,
			  w && w->name ? w->name : "?", bits);
}

void agent_selectors_learn(struct agent *a, uint64_t cgroup_id,
			   const struct workload *w)
{
	/* tests of the held path (tests/test_workload_selectors.c): leave
	 * every container to its first exec */
	if (getenv("RTGUARD_TEST_SEL_AT_EXEC"))
		return;
	classify(a, cgroup_id, a->gen, w);
}

void agent_selectors_forget(struct agent *a, uint64_t cgroup_id)
{
	if (a->skel)
		maps_sel_forget(a->skel, cgroup_id);
}

struct gen_ctx {
	struct agent *a;
	uint8_t gen;
};

static void write_one(uint64_t cgroup_id, const struct workload *w, void *arg)
{
	struct gen_ctx *g = arg;

	classify(g->a, cgroup_id, g->gen, w);
}

/* ---- containers older than the agent ---------------------------------- */

#define SEED_DEPTH 8 /* cgroup levels walked below the root */

static struct agent *seed_agent;
static size_t seed_root_len;

static int seed_one(const char *fpath, const struct stat *sb, int type,
		    struct FTW *ftw)
{
	const char *rel = fpath + seed_root_len;
	struct workload_hint h = {.cgroup_path = rel};
	char id[65], pod[37];

	if (type != FTW_D)
		return FTW_CONTINUE;
	if (ftw->level > SEED_DEPTH)
		return FTW_SKIP_SUBTREE;
	if (!*rel || container_parse(rel, id, pod) || !id[0])
		return FTW_CONTINUE;
	/* a cgroup2 directory's inode number is the cgroup id */
	proc_cache_cgroup_learn(seed_agent->pc, sb->st_ino, rel);
	workload_lookup(seed_agent->wl, sb->st_ino, &h);
	return FTW_CONTINUE;
}

/* The containers already running when scoped policies first apply: their
 * cgroups were made before the agent heard of cgroups, and a container
 * that does not exec again would never be classified. Walked once. */
static void seed(struct agent *a)
{
	static bool done;
	const char *root = a->probe ? a->probe->mounts.cgroup2 : "";

	if (done || !a->wl || !a->pc || !root[0])
		return;
	done = true;
	seed_agent = a;
	seed_root_len = strlen(root);
	if (nftw(root, seed_one, 16, FTW_PHYS | FTW_ACTIONRETVAL))
		log_warn("selectors: cannot walk %s: %s", root,
			 strerror(errno));
	log_debug("selectors: %zu workloads known at start",
		  workload_cache_count(a->wl));
}

void agent_selectors_fill(struct agent *a, uint8_t gen)
{
	struct gen_ctx g = {.a = a, .gen = gen};

	if (!a->skel)
		return;
	if (a->comp[gen] && a->comp[gen]->rs.sel.scoped)
		seed(a);
	maps_sel_clear_gen(a->skel, gen);
	if (a->wl)
		workload_cache_each(a->wl, write_one, &g);
}

void agent_selectors_clear(struct agent *a, uint8_t gen)
{
	if (a->skel)
		maps_sel_clear_gen(a->skel, gen);
}

uint32_t agent_selectors_applies(struct agent *a,
				 const struct rtg_event_view *ev)
{
	const struct rtg_compiled *c = a->comp[ev->gen & 1];
	uint32_t bits = 0;

	if (!c || !c->rs.sel.scoped)
		return ~0u;
	if (!(ev->flags & RTG_F_IN_CONTAINER))
		bits = c->rs.sel.host;
	else if (a->skel)
		maps_sel_known(a->skel, ev->cgroup_id, ev->gen & 1, &bits);
	return (c->rs.sel.all & ~c->rs.sel.scoped) | bits;
}

/* The workload of a held exec's cgroup, read now if need be. */
static const struct workload *held_workload(struct agent *a,
					    const struct rtg_event_view *ev)
{
	struct workload_hint h = {.pid = ev->pid};
	const struct workload *w;

	if (!a->wl)
		return NULL;
	w = agent_workload_of(a, ev);
	if (w)
		return w;
	/* the task is stopped in its cgroup: /proc says which it is */
	return workload_lookup(a->wl, ev->cgroup_id, &h);
}

static bool send_sig(uint32_t pid, int sig)
{
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	bool ok;

	if (pfd < 0)
		return false;
	ok = !syscall(SYS_pidfd_send_signal, pfd, sig, NULL, 0);
	close(pfd);
	return ok;
}

/* A held exec: classify, decide, kill or continue. */
static void held_exec(struct agent *a, struct rtg_event_view *ev,
		      const void *data, size_t size)
{
	const struct rtg_exec *e = data;
	uint8_t g = ev->gen & 1;
	const struct rtg_compiled *c = a->comp[g];
	const struct workload *w = held_workload(a, ev);
	const char *args = "";
	struct rtg_verdict v;
	size_t off, alen = 0;
	uint32_t applies;

	if (!c) {
		/* held by a previous agent's programs under a generation we
		 * hold no policy of: its rule bits mean nothing to us */
		log_warn("selectors: exec of %u held under generation %u, "
			 "which this agent did not write: let go",
			 ev->pid, g);
		send_sig(ev->pid, SIGCONT);
		return;
	}
	if (w) { /* not a cgroup of the runtime's (runc init's first exec) */
		classify(a, ev->cgroup_id, a->gen, w);
		if (g != a->gen) /* a reload came in between */
			classify(a, ev->cgroup_id, g, w);
	}
	applies = (c->rs.sel.all & ~c->rs.sel.scoped) | workload_bits(c, w);
	off = (size_t)e->binary_len + e->script_len + e->cwd_len;
	if (size >= sizeof(*e) && off + e->args_len <= size - sizeof(*e)) {
		args = e->data + off;
		alen = e->args_len;
	}
	policy_decide_selected(c, applies, e->cand_m, e->cand_u, args, alen,
			       &v);
	ev->action = v.action;
	ev->mech = v.mech;
	ev->rule = v.rule;
	ev->enforced = false;
	if (v.action >= RTG_ACT_DENY && !a->opts.dry_run &&
	    send_sig(ev->pid, SIGKILL)) {
		ev->enforced = true;
		ev->action = RTG_ACT_KILL;
		ev->mech = RTG_MECH_SIGKILL;
		log_debug("selectors: held exec of %u: killed", ev->pid);
		return;
	}
	if (!send_sig(ev->pid, SIGCONT))
		log_debug("selectors: held exec of %u: gone", ev->pid);
	else
		log_debug("selectors: held exec of %u: continued", ev->pid);
}

void agent_selectors_exec(struct agent *a, struct rtg_event_view *ev,
			  const void *data, size_t size)
{
	const struct rtg_compiled *c = a->comp[a->gen];
	const struct workload *w;
	uint32_t bits;

	if (ev->type != RTG_EV_EXEC)
		return;
	if (ev->flags & RTG_F_SEL_HELD) {
		held_exec(a, ev, data, size);
		return;
	}
	/* a container not classified yet: now, from its exec */
	if (!(ev->flags & RTG_F_IN_CONTAINER) || !c || !c->rs.sel.scoped ||
	    !a->skel || !ev->container_id[0] ||
	    maps_sel_known(a->skel, ev->cgroup_id, a->gen, &bits))
		return;
	w = agent_workload_of(a, ev);
	if (w)
		classify(a, ev->cgroup_id, a->gen, w);
}
