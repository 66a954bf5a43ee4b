// SPDX-License-Identifier: GPL-2.0
/*
 * Workload identity (workload.h): the cache by cgroup id, the runtime roots
 * it reads below, and the hint -> container id step. Parsing is
 * workload_parse.c, finding the runtime's files workload_find.c.
 */
#include <errno.h>
#include <limits.h>
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

/* NULL: found on this host; "": off (stored as NULL). false on ENOMEM. */
static bool set_root(char **dst, const char *val, enum workload_root r)
{
	char buf[PATH_MAX];

	if (!val)
		val = workload_root_detect(r, buf, sizeof(buf));
	if (!*val)
		return true;
	*dst = strdup(val);
	return *dst != NULL;
}

/* The same for /proc: NULL is "/proc". */
static bool set_proc(char **dst, const char *val)
{
	if (val && !*val)
		return true;
	*dst = strdup(val ?: "/proc");
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
		      WORKLOAD_ROOT_DOCKER) ||
	    !set_root(&wc->roots.containerd, opts->containerd_root,
		      WORKLOAD_ROOT_CONTAINERD) ||
	    !set_root(&wc->roots.storage, opts->storage_root,
		      WORKLOAD_ROOT_STORAGE) ||
	    !set_root(&wc->roots.storage_run, opts->storage_runroot,
		      WORKLOAD_ROOT_STORAGE_RUN) ||
	    !set_proc(&wc->roots.proc, opts->proc_root)) {
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

void workload_cache_each(const struct workload_cache *wc,
			 void (*fn)(uint64_t cgroup_id,
				    const struct workload *w, void *arg),
			 void *arg)
{
	const struct wl_entry *e;
	size_t i;

	for (i = 0; i < CACHE_BUCKETS; i++)
		for (e = wc->buckets[i]; e; e = e->next)
			if (e->w)
				fn(e->cgroup_id, e->w, arg);
}

size_t workload_cache_prune(struct workload_cache *wc,
			    bool (*gone)(uint64_t cgroup_id, void *arg),
			    void *arg)
{
	struct wl_entry *e, **pp;
	size_t i, n = 0;

	for (i = 0; i < CACHE_BUCKETS; i++) {
		for (pp = &wc->buckets[i]; (e = *pp);) {
			if (!gone(e->cgroup_id, arg)) {
				pp = &e->next;
				continue;
			}
			*pp = e->next;
			entry_free(e);
			wc->count--;
			n++;
		}
	}
	return n;
}

const char *workload_cache_root(const struct workload_cache *wc,
				enum workload_root r)
{
	switch (r) {
	case WORKLOAD_ROOT_DOCKER:
		return wc->roots.docker;
	case WORKLOAD_ROOT_CONTAINERD:
		return wc->roots.containerd;
	case WORKLOAD_ROOT_STORAGE:
		return wc->roots.storage;
	case WORKLOAD_ROOT_STORAGE_RUN:
		return wc->roots.storage_run;
	default:
		return NULL;
	}
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

struct workload *workload_lookup(struct workload_cache *wc, uint64_t cgroup_id,
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
