// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's events, parsed once with jansson and matched on fields
 * (agent_util.h, "events").
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_util.h"
#include "test.h"

struct test_event *test_event_parse(const char *line)
{
	struct test_event *e;
	json_error_t jerr;
	json_t *root;

	root = json_loads(line, JSON_ALLOW_NUL, &jerr);
	if (!root)
		return NULL;
	if (!json_is_object(root)) {
		json_decref(root);
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (!e || !(e->line = strdup(line))) {
		free(e);
		json_decref(root);
		return NULL;
	}
	e->root = root;
	return e;
}

void test_event_free(struct test_event *e)
{
	if (!e)
		return;
	json_decref(e->root);
	free(e->line);
	free(e);
}

json_t *ev_get(const json_t *root, const char *path)
{
	json_t *v = (json_t *)root;
	const char *p = path;
	char key[128];

	while (v && *p) {
		size_t n = strcspn(p, ".[");

		if (n) {
			if (n >= sizeof(key))
				return NULL;
			memcpy(key, p, n);
			key[n] = '\0';
			v = json_object_get(v, key);
			p += n;
		}
		while (v && *p == '[') {
			char *end;
			long i = strtol(p + 1, &end, 10);

			if (*end != ']' || i < 0)
				return NULL;
			v = json_array_get(v, i);
			p = end + 1;
		}
		if (*p == '.')
			p++;
	}
	return v;
}

const char *ev_str(const struct test_event *e, const char *path)
{
	return e ? json_string_value(ev_get(e->root, path)) : NULL;
}

long long ev_int(const struct test_event *e, const char *path)
{
	json_t *v = e ? ev_get(e->root, path) : NULL;

	return json_is_integer(v) ? json_integer_value(v) : LLONG_MIN;
}

int ev_bool(const struct test_event *e, const char *path)
{
	json_t *v = e ? ev_get(e->root, path) : NULL;

	return json_is_boolean(v) ? json_is_true(v) : -1;
}

bool ev_is(const struct test_event *e, const char *path, const char *json)
{
	json_t *want = json_loads(json, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	json_t *v = e ? ev_get(e->root, path) : NULL;
	bool eq = want && v && json_equal(v, want);

	if (!want)
		fprintf(stderr, "ev_is: bad JSON in the test: %s\n", json);
	json_decref(want);
	return eq;
}

/* some string in v (recursively) contains s */
static bool any_contains(const json_t *v, const char *s)
{
	const char *key;
	json_t *item;
	size_t i;

	if (json_is_string(v))
		return strstr(json_string_value(v), s) != NULL;
	if (json_is_array(v))
		json_array_foreach(v, i,
				   item) if (any_contains(item, s)) return true;
	if (json_is_object(v))
		json_object_foreach(
		    (json_t *)v, key,
		    item) if (any_contains(item, s)) return true;
	return false;
}

static bool field_ok(const json_t *root, const struct ev_field *f)
{
	json_t *v = ev_get(root, f->path);
	const char *s = json_string_value(v);
	size_t n, k;

	switch (f->op) {
	case EVF_STR:
		return s && !strcmp(s, f->s);
	case EVF_INT:
		return json_is_integer(v) && json_integer_value(v) == f->n;
	case EVF_BOOL:
		return json_is_boolean(v) && json_is_true(v) == !!f->n;
	case EVF_SUFFIX:
		if (!s)
			return false;
		n = strlen(s);
		k = strlen(f->s);
		return n >= k && !strcmp(s + n - k, f->s);
	case EVF_CONTAINS:
		return s && strstr(s, f->s);
	case EVF_HAS:
		return v != NULL;
	case EVF_ABSENT:
		return v == NULL;
	case EVF_ANYWHERE:
		return any_contains(root, f->s);
	}
	return false;
}

bool ev_match(const json_t *root, const struct ev_field *m)
{
	for (; m && m->path; m++)
		if (!field_ok(root, m))
			return false;
	return true;
}

int events_each(const char *path, const struct ev_field *m,
		void (*fn)(const struct test_event *e, void *arg), void *arg)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t len = 0;
	int bad = 0;

	if (!f)
		return -1;
	while (getline(&line, &len, f) > 0) {
		struct test_event *e = test_event_parse(line);

		if (!e)
			bad++;
		else if (ev_match(e->root, m))
			fn(e, arg);
		test_event_free(e);
	}
	free(line);
	fclose(f);
	return bad;
}

struct find {
	struct test_event *first;
	int n;
};

static void find_cb(const struct test_event *e, void *arg)
{
	struct find *fd = arg;

	if (!fd->first)
		fd->first = test_event_parse(e->line);
	fd->n++;
}

struct test_event *events_find(const char *path, const struct ev_field *m,
			       int *count)
{
	struct find fd = {};

	events_each(path, m, find_cb, &fd);
	if (count)
		*count = fd.n;
	return fd.first;
}

bool events_has(const char *path, const struct ev_field *m)
{
	struct test_event *e = events_find(path, m, NULL);

	test_event_free(e);
	return e != NULL;
}

struct lost_sum {
	const char *prefix;
	long n;
};

static void lost_cb(const struct test_event *e, void *arg)
{
	struct lost_sum *l = arg;
	const char *src = ev_str(e, "source");
	long long n = ev_int(e, "count");

	if (src && !strncmp(src, l->prefix, strlen(l->prefix)) && n > 0)
		l->n += n;
}

long events_lost(const char *path, const char *source_prefix)
{
	struct lost_sum l = {.prefix = source_prefix};

	events_each(path, EV_WHERE(EV_STR("type", "lost")), lost_cb, &l);
	return l.n;
}

struct test_event *agent_wait_event(struct agent_run *a, int timeout_ms,
				    const struct ev_field *m)
{
	struct test_event *e = NULL;

	wait_until((e = events_find(a->out, m, NULL)) != NULL, timeout_ms);
	return e;
}

int agent_count_events(struct agent_run *a, const struct ev_field *m)
{
	int n;

	test_event_free(events_find(a->out, m, &n));
	return n;
}

bool json_lines_valid(const char *path)
{
	struct find fd = {};
	int bad = events_each(path, NULL, find_cb, &fd);

	test_event_free(fd.first);
	if (bad)
		fprintf(stderr, "%s: %d lines are not JSON objects\n", path,
			bad);
	return bad == 0 && fd.n > 0;
}
