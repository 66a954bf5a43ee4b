// SPDX-License-Identifier: GPL-2.0
/*
 * Workload identity (workload.h): the cache by cgroup id, the runtime roots
 * it reads below, and the hint -> container id step. Parsing is
 * workload_parse.c, finding the runtime's files workload_find.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "proc_cache.h"
#include "workload_int.h"

#define CACHE_BUCKETS 1024

struct wl_entry {
	uint64_t cgroup_id;
	struct workload *w; /* NULL: not a container */
	struct wl_entry *next;
};

struct workload_cache {
	struct workload_roots roots;
	size_t max_entries, count;
	struct wl_entry *buckets[CACHE_BUCKETS];
};

static void entry_free(struct wl_entry *e)
{
	if (e->w) {
		workload_clear(e->w);
		free(e->w);
	}
	free(e);
}

static void cache_clear(struct workload_cache *wc)
{
	struct wl_entry *e, *next;
	size_t i;

	for (i = 0; i < CACHE_BUCKETS; i++) {
		for (e = wc->buckets[i]; e; e = next) {
			next = e->next;
			entry_free(e);
		}
		wc->buckets[i] = NULL;
	}
	wc->count = 0;
}

/* NULL: the default; "": off (stored as NULL). false on ENOMEM. */
static bool set_root(char **dst, const char *val, const char *def)
{
	if (!val)
		val = def;
	if (!*val)
		return true;
	*dst = strdup(val);
	return *dst != NULL;
}

struct workload_cache *workload_cache_new(const struct workload_opts *opts)
{
	static const struct workload_opts none;
	struct workload_cache *wc = calloc(1, sizeof(*wc));

	if (!opts)
		opts = &none;
	if (!wc)
		return NULL;
	if (!set_root(&wc->roots.docker, opts->docker_root,
		      "/var/lib/docker") ||
	    !set_root(&wc->roots.containerd, opts->containerd_root,
		      "/run/containerd") ||
	    !set_root(&wc->roots.storage, opts->storage_root,
		      "/var/lib/containers/storage") ||
	    !set_root(&wc->roots.storage_run, opts->storage_runroot,
		      "/run/containers/storage") ||
	    !set_root(&wc->roots.proc, opts->proc_root, "/proc")) {
		workload_cache_free(wc);
		return NULL;
	}
	wc->roots.max_file = opts->max_file_bytes ? opts->max_file_bytes
						  : WORKLOAD_FILE_MAX_DEFAULT;
	wc->max_entries = opts->max_entries ? opts->max_entries : 16384;
	return wc;
}

void workload_cache_free(struct workload_cache *wc)
{
	if (!wc)
		return;
	cache_clear(wc);
	free(wc->roots.docker);
	free(wc->roots.containerd);
	free(wc->roots.storage);
	free(wc->roots.storage_run);
	free(wc->roots.proc);
	free(wc);
}

size_t workload_cache_count(const struct workload_cache *wc)
{
	return wc->count;
}

static int resolve(struct workload_cache *wc, const struct workload_hint *h,
		   struct workload **wp)
{
	char id[65] = "", pod[37] = "";
	bool known = false;
	struct workload *w;

	*wp = NULL;
	if (!h)
		return -ENOENT;
	if (h->container_id &&
	    workload_is_hex64(h->container_id, strlen(h->container_id))) {
		memcpy(id, h->container_id, 65);
		known = true;
	}
	if (!id[0] && h->cgroup_path) {
		container_parse(h->cgroup_path, id, pod);
		known = true;
	}
	if (!id[0] && h->pid &&
	    !workload_id_of_pid(&wc->roots, h->pid, id, pod))
		known = true;
	if (!id[0])
		return known ? 0 : -ENOENT;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	memcpy(w->id, id, sizeof(w->id));
	if (!workload_find(&wc->roots, w))
		log_debug("workload: no runtime state for container %s", id);
	/* the cgroup path's pod uid is the kubelet's own */
	if (!w->pod_uid && pod[0])
		w->pod_uid = strdup(pod);
	log_debug("workload: %s: runtime %s name %s image %s pod %s/%s", id,
		  w->runtime ?: "?", w->name ?: "?", w->image ?: "?",
		  w->pod_namespace ?: "?", w->pod_name ?: "?");
	*wp = w;
	return 0;
}

const struct workload *workload_lookup(struct workload_cache *wc,
				       uint64_t cgroup_id,
				       const struct workload_hint *hint)
{
	struct wl_entry *e, **b;
	struct workload *w;

	if (!wc || !cgroup_id)
		return NULL;
	b = &wc->buckets[cgroup_id % CACHE_BUCKETS];
	for (e = *b; e; e = e->next)
		if (e->cgroup_id == cgroup_id)
			return e->w;
	if (resolve(wc, hint, &w))
		return NULL; /* not cached: a later hint may tell more */
	if (wc->count >= wc->max_entries)
		cache_clear(wc);
	e = calloc(1, sizeof(*e));
	if (!e) {
		if (w) {
			workload_clear(w);
			free(w);
		}
		return NULL;
	}
	e->cgroup_id = cgroup_id;
	e->w = w;
	e->next = *b;
	*b = e;
	wc->count++;
	return w;
}

void workload_forget(struct workload_cache *wc, uint64_t cgroup_id)
{
	struct wl_entry *e, **pp;

	if (!wc)
		return;
	for (pp = &wc->buckets[cgroup_id % CACHE_BUCKETS]; (e = *pp);
	     pp = &e->next) {
		if (e->cgroup_id == cgroup_id) {
			*pp = e->next;
			entry_free(e);
			wc->count--;
			return;
		}
	}
}
