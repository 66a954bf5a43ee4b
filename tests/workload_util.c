// SPDX-License-Identifier: GPL-2.0
/* Helpers of the workload identity tests (workload_util.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent_util.h"
#include "test.h"
#include "workload_util.h"

int mkdir_p(const char *path)
{
	char buf[1024], *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return mkdir(buf, 0755) && errno != EEXIST ? -errno : 0;
}

bool fx_init(struct fx *f)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/rtg-wl-XXXXXX");
	if (!ASSERT_TRUE(test_mkdtemp(f->dir), "mkdtemp"))
		return false;
	snprintf(f->docker, sizeof(f->docker), "%s/docker", f->dir);
	snprintf(f->containerd, sizeof(f->containerd), "%s/containerd", f->dir);
	snprintf(f->storage, sizeof(f->storage), "%s/storage", f->dir);
	snprintf(f->runroot, sizeof(f->runroot), "%s/run-storage", f->dir);
	snprintf(f->proc, sizeof(f->proc), "%s/proc", f->dir);
	f->opts.docker_root = f->docker;
	f->opts.containerd_root = f->containerd;
	f->opts.storage_root = f->storage;
	f->opts.storage_runroot = f->runroot;
	f->opts.proc_root = f->proc;
	return true;
}

void fx_done(struct fx *f)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", f->dir);
}

bool fx_put(const char *root, const char *rel, const char *text)
{
	char path[512], *slash, *json, *o;
	const char *i;
	bool ok;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	slash = strrchr(path, '/');
	*slash = '\0';
	if (!ASSERT_OK(mkdir_p(path), path))
		return false;
	*slash = '/';
	json = malloc(2 * strlen(text) + 1);
	if (!ASSERT_TRUE(json, "malloc"))
		return false;
	for (i = text, o = json; *i; i++) {
		if (*i == '^')
			*o++ = '\\';
		*o++ = *i == '\'' || *i == '^' ? '"' : *i;
	}
	*o = '\0';
	ok = ASSERT_OK(put_file(path, json), path);
	free(json);
	return ok;
}

bool fx_oci(struct fx *f, const char *id, const char *annotations)
{
	char rel[256], *text;
	bool ok;

	snprintf(rel, sizeof(rel), "overlay-containers/%s/userdata/config.json",
		 id);
	if (asprintf(&text, "{'ociVersion':'1.0.2','annotations':{%s}}",
		     annotations) < 0)
		return false;
	ok = fx_put(f->storage, rel, text);
	free(text);
	return ok;
}

void capture_start(struct capture *c)
{
	int fd;

	fflush(stderr);
	snprintf(c->path, sizeof(c->path), "/tmp/rtg-wl-log-XXXXXX");
	fd = mkstemp(c->path);
	c->saved = dup(2);
	dup2(fd, 2);
	close(fd);
}

char *capture_end(struct capture *c)
{
	char *text = calloc(1, 65536);
	int fd;

	fflush(stderr);
	dup2(c->saved, 2);
	close(c->saved);
	fd = open(c->path, O_RDONLY);
	if (fd >= 0 && text && read(fd, text, 65535) < 0)
		text[0] = '\0';
	if (fd >= 0)
		close(fd);
	unlink(c->path);
	if (test_verbose && text)
		fputs(text, stderr);
	return text;
}

const char *label(const struct workload *w, const char *key)
{
	size_t i;

	for (i = 0; i < w->nlabels; i++)
		if (!strcmp(w->labels[i].key, key))
			return w->labels[i].value;
	return NULL;
}

const struct workload *by_id(struct workload_cache *wc, uint64_t cgid,
			     const char *id)
{
	struct workload_hint h = {.container_id = id};

	return workload_lookup(wc, cgid, &h);
}

void expect_pod(const struct workload *w, const char *runtime, const char *name,
		const char *image, const char *pod_name, const char *ns,
		const char *uid)
{
	ASSERT_STREQ(w->runtime, runtime, "runtime");
	ASSERT_STREQ(w->name, name, "name");
	ASSERT_STREQ(w->image, image, "image");
	ASSERT_STREQ(w->pod_name, pod_name, "pod name");
	ASSERT_STREQ(w->pod_namespace, ns, "namespace");
	ASSERT_STREQ(w->pod_uid, uid, "pod uid");
}
