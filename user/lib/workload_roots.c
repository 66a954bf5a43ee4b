// SPDX-License-Identifier: GPL-2.0
/*
 * Where each container runtime keeps its state on this host (workload.h,
 * workload_root_detect()): what the runtime's own configuration says, else
 * the first of its usual places that exists, else its usual place (the
 * runtime may start after the agent). The configuration files are read
 * bounded; a value that is not an absolute path is ignored.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "fileio.h"
#include "log.h"
#include "workload.h"

#define CONF_MAX (64u << 10)

struct root_def {
	const char *name;
	/* the runtime's configuration files (TOML, or JSON when json) and
	 * the key that names the root */
	const char *conf[2];
	const char *key;
	bool json;
	const char *places[4]; /* usual places, the first is the default */
};

static const struct root_def defs[WORKLOAD_NROOTS] = {
    [WORKLOAD_ROOT_DOCKER] =
	{
	    .name = "docker",
	    .conf = {"/etc/docker/daemon.json"},
	    .key = "data-root",
	    .json = true,
	    .places = {"/var/lib/docker",
		       "/var/snap/docker/common/var-lib-docker"},
	},
    [WORKLOAD_ROOT_CONTAINERD] =
	{
	    .name = "containerd",
	    .conf = {"/etc/containerd/config.toml"},
	    .key = "state",
	    .places = {"/run/containerd", "/run/k3s/containerd",
		       "/var/snap/microk8s/common/run/containerd"},
	},
    [WORKLOAD_ROOT_STORAGE] =
	{
	    .name = "containers",
	    .conf = {"/etc/containers/storage.conf",
		     "/usr/share/containers/storage.conf"},
	    .key = "graphroot",
	    .places = {"/var/lib/containers/storage"},
	},
    [WORKLOAD_ROOT_STORAGE_RUN] =
	{
	    .name = "containers-run",
	    .conf = {"/etc/containers/storage.conf",
		     "/usr/share/containers/storage.conf"},
	    .key = "runroot",
	    .places = {"/run/containers/storage"},
	},
};

const char *workload_root_name(enum workload_root r)
{
	return r < WORKLOAD_NROOTS ? defs[r].name : "?";
}

int workload_root_parse(const char *name)
{
	int r;

	for (r = 0; r < WORKLOAD_NROOTS; r++)
		if (!strcmp(name, defs[r].name))
			return r;
	return -1;
}

/* value is an absolute path of a sane length without control characters */
static bool path_ok(const char *v, size_t n)
{
	size_t i;

	if (!n || n >= PATH_MAX || v[0] != '/')
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return false;
	return true;
}

/* key = "value" at the start of a line of a TOML file (the top level or
 * any table: these keys are unique in the files read here) */
static bool toml_value(const char *text, const char *key, char *buf, size_t len)
{
	size_t kl = strlen(key), n;
	const char *l, *v, *e;

	for (l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		while (*l == ' ' || *l == '\t')
			l++;
		if (strncmp(l, key, kl))
			continue;
		v = l + kl;
		while (*v == ' ' || *v == '\t')
			v++;
		if (*v++ != '=')
			continue;
		while (*v == ' ' || *v == '\t')
			v++;
		if (*v != '"' && *v != '\'')
			continue;
		e = strchr(v + 1, *v);
		n = e ? (size_t)(e - v - 1) : 0;
		if (!e || memchr(v + 1, '\n', n) || !path_ok(v + 1, n) ||
		    n >= len)
			continue;
		memcpy(buf, v + 1, n);
		buf[n] = '\0';
		return true;
	}
	return false;
}

static bool json_value(const char *text, size_t tlen, const char *key,
		       char *buf, size_t len)
{
	json_t *root = json_loadb(text, tlen, 0, NULL), *v;
	bool ok = false;

	v = json_is_object(root) ? json_object_get(root, key) : NULL;
	if (json_is_string(v) &&
	    path_ok(json_string_value(v), json_string_length(v)) &&
	    json_string_length(v) < len) {
		snprintf(buf, len, "%s", json_string_value(v));
		ok = true;
	}
	json_decref(root);
	return ok;
}

/* The root the runtime's configuration below sysroot names, below
 * sysroot too. */
static bool from_conf(const struct root_def *d, const char *sysroot, char *buf,
		      size_t len)
{
	char *text = malloc(CONF_MAX + 1), path[PATH_MAX], val[PATH_MAX];
	bool found = false;
	ssize_t n;
	size_t i;

	for (i = 0; text && i < 2 && d->conf[i] && !found; i++) {
		snprintf(path, sizeof(path), "%s%s", sysroot, d->conf[i]);
		n = read_file(path, text, CONF_MAX + 1);
		if (n <= 0)
			continue;
		found = d->json ? json_value(text, n, d->key, val, sizeof(val))
				: toml_value(text, d->key, val, sizeof(val));
		if (found &&
		    (size_t)snprintf(buf, len, "%s%s", sysroot, val) >= len)
			found = false;
		if (found)
			log_debug("workload: %s root %s from %s", d->name, buf,
				  path);
	}
	free(text);
	return found;
}

const char *workload_root_detect_at(enum workload_root r, const char *sysroot,
				    char *buf, size_t len)
{
	const struct root_def *d;
	struct stat st;
	size_t i;

	if (r >= WORKLOAD_NROOTS || !len)
		return NULL;
	d = &defs[r];
	if (from_conf(d, sysroot, buf, len))
		return buf;
	for (i = 0; i < 4 && d->places[i]; i++) {
		snprintf(buf, len, "%s%s", sysroot, d->places[i]);
		if (!stat(buf, &st) && S_ISDIR(st.st_mode))
			return buf;
	}
	snprintf(buf, len, "%s%s", sysroot, d->places[0]);
	return buf;
}

const char *workload_root_detect(enum workload_root r, char *buf, size_t len)
{
	return workload_root_detect_at(r, "", buf, len);
}
