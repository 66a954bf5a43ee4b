// SPDX-License-Identifier: GPL-2.0
/*
 * The workloads part of `rtguard status` (stats.h): the containers the
 * agent knows now (user/lib/workload.h), one per cgroup, sorted by
 * namespace, pod and name, with the events reported for each. Names come
 * from the runtimes' files: the text table escapes them for a terminal.
 */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "output.h"
#include "sbuf.h"
#include "stats.h"
#include "workload.h"

#define STATUS_WORKLOADS_MAX 4096 /* listed; the count says how many more */

struct wl_row {
	uint64_t cgroup_id;
	const struct workload *w;
};

struct wl_rows {
	struct wl_row *r;
	size_t n, total;
};

static void take(uint64_t cgroup_id, const struct workload *w, void *arg)
{
	struct wl_rows *rows = arg;

	if (rows->r && rows->n < STATUS_WORKLOADS_MAX) {
		rows->r[rows->n].cgroup_id = cgroup_id;
		rows->r[rows->n].w = w;
		rows->n++;
	}
	rows->total++;
}

static int cmp_str(const char *a, const char *b)
{
	return strcmp(a ?: "", b ?: "");
}

static int cmp_row(const void *pa, const void *pb)
{
	const struct wl_row *a = pa, *b = pb;
	int d;

	if ((d = cmp_str(a->w->pod_namespace, b->w->pod_namespace)) ||
	    (d = cmp_str(a->w->pod_name, b->w->pod_name)) ||
	    (d = cmp_str(a->w->name, b->w->name)))
		return d;
	return a->cgroup_id < b->cgroup_id ? -1 : a->cgroup_id > b->cgroup_id;
}

/* The rows of wc, sorted; rows->r is malloc'd (NULL on ENOMEM). */
static void collect(const struct workload_cache *wc, struct wl_rows *rows)
{
	memset(rows, 0, sizeof(*rows));
	if (!wc)
		return;
	rows->r = calloc(STATUS_WORKLOADS_MAX, sizeof(*rows->r));
	workload_cache_each(wc, take, rows);
	if (rows->r)
		qsort(rows->r, rows->n, sizeof(*rows->r), cmp_row);
}

static void kv_opt(struct json_writer *jw, const char *key, const char *val)
{
	if (val && val[0])
		jw_kv_string(jw, key, val);
}

void status_workloads_json(const struct workload_cache *wc,
			   struct json_writer *jw)
{
	const struct workload *w;
	struct wl_rows rows;
	size_t i;

	collect(wc, &rows);
	jw_kv_uint(jw, "workloads_known", rows.total);
	jw_name(jw, "workloads");
	jw_start_array(jw);
	for (i = 0; i < rows.n; i++) {
		w = rows.r[i].w;
		jw_start_object(jw);
		jw_kv_uint(jw, "cgroup_id", rows.r[i].cgroup_id);
		kv_opt(jw, "runtime", w->runtime);
		jw_name(jw, "container");
		jw_start_object(jw);
		kv_opt(jw, "id", w->id);
		kv_opt(jw, "name", w->name);
		kv_opt(jw, "image", w->image);
		jw_end_object(jw);
		if (w->pod_name || w->pod_namespace || w->pod_uid) {
			jw_name(jw, "pod");
			jw_start_object(jw);
			kv_opt(jw, "name", w->pod_name);
			kv_opt(jw, "namespace", w->pod_namespace);
			kv_opt(jw, "uid", w->pod_uid);
			jw_end_object(jw);
		}
		jw_kv_uint(jw, "events", w->events);
		jw_end_object(jw);
	}
	jw_end_array(jw);
	free(rows.r);
}

/* a name from the runtime's files, escaped for a terminal */
static void text_str(FILE *f, const char *s, const char *none)
{
	struct sbuf b = {0};

	if (!s)
		s = none;
	compact_escape(&b, s, strlen(s));
	if (b.len)
		fwrite(b.p, 1, b.len, f);
	sbuf_free(&b);
}

void status_workloads_text(const struct workload_cache *wc, FILE *f)
{
	const struct workload *w;
	struct wl_rows rows;
	size_t i;

	collect(wc, &rows);
	fprintf(f, "\nWORKLOADS %zu\n", rows.total);
	if (!rows.total) {
		free(rows.r);
		return;
	}
	fprintf(f, "%-11s %-12s %10s %11s  %s\n", "RUNTIME", "CONTAINER",
		"CGROUP", "EVENTS", "NAMESPACE/POD/NAME  IMAGE");
	for (i = 0; i < rows.n; i++) {
		w = rows.r[i].w;
		fprintf(f, "%-11s %-12.12s %10llu %11llu  ", w->runtime ?: "?",
			w->id, (unsigned long long)rows.r[i].cgroup_id,
			(unsigned long long)w->events);
		if (w->pod_namespace || w->pod_name) {
			text_str(f, w->pod_namespace, "?");
			fputc('/', f);
			text_str(f, w->pod_name, "?");
			fputc('/', f);
		}
		text_str(f, w->name, "-");
		fputs("  ", f);
		text_str(f, w->image, "-");
		fputc('\n', f);
	}
	if (rows.n < rows.total)
		fprintf(f, "(%zu more)\n", rows.total - rows.n);
	free(rows.r);
}
