// SPDX-License-Identifier: GPL-2.0
/*
 * Containers: the container id and pod uid a cgroup path names
 * (container_parse()), and the process cache's memory of them by cgroup id
 * (struct cg_cache), filled from the cgroup2 mount (a kernfs file handle
 * gives the path of a cgroup id) or from /proc/PID/cgroup.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "proc_cache_int.h"

#define FILEID_KERNFS 0xfe

/* ---- parsing ---- */

static bool is_hex_lower(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]) &&
		    !(s[i] >= 'a' && s[i] <= 'f'))
			return false;
	return true;
}

/* component c[0..n) is a container: [prefix]<64hex>[.scope] */
static bool comp_container(const char *c, size_t n, char id[65])
{
	static const char *const prefixes[] = {
	    "docker-", "cri-containerd-", "crio-", "libpod-", "",
	};
	size_t i, pl;

	if (n > 6 && !memcmp(c + n - 6, ".scope", 6))
		n -= 6;
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		pl = strlen(prefixes[i]);
		if (n != pl + 64 || memcmp(c, prefixes[i], pl))
			continue;
		if (!is_hex_lower(c + pl, 64))
			return false;
		memcpy(id, c + pl, 64);
		id[64] = '\0';
		return true;
	}
	return false;
}

/* pod uid u[0..36): 8-4-4-4-12 hex with sep at the dashes; out dashed */
static bool pod_uid_norm(const char *u, size_t n, char sep, char pod[37])
{
	size_t i;

	if (n != 36)
		return false;
	for (i = 0; i < 36; i++) {
		char c = u[i];

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != sep)
				return false;
			pod[i] = '-';
		} else {
			if (!isxdigit((unsigned char)c))
				return false;
			pod[i] = tolower((unsigned char)c);
		}
	}
	pod[36] = '\0';
	return true;
}

/* kubepods[-qos]-pod<uid_with_underscores>.slice or pod<uid> */
static bool comp_pod(const char *c, size_t n, char pod[37])
{
	const char *p;

	if (n > 9 && !memcmp(c, "kubepods-", 9) &&
	    !memcmp(c + n - 6, ".slice", 6)) {
		for (p = c; p + 4 <= c + n; p++) {
			if (memcmp(p, "-pod", 4))
				continue;
			if (pod_uid_norm(p + 4, c + n - 6 - (p + 4), '_', pod))
				return true;
		}
		return false;
	}
	if (n == 39 && !memcmp(c, "pod", 3))
		return pod_uid_norm(c + 3, 36, '-', pod);
	return false;
}

int container_parse(const char *cgroup_path, char id[65], char pod[37])
{
	const char *c = cgroup_path, *e;
	char tid[65], tpod[37];
	bool in_kube = false;

	id[0] = '\0';
	pod[0] = '\0';
	if (!cgroup_path)
		return -ENOENT;
	while (*c) {
		while (*c == '/')
			c++;
		e = strchrnul(c, '/');
		if (e == c)
			break;
		if ((size_t)(e - c) >= 8 && !memcmp(c, "kubepods", 8))
			in_kube = true;
		/* the deepest match wins (kind: /docker/<node>/kubepods/...) */
		if (comp_container(c, e - c, tid))
			memcpy(id, tid, sizeof(tid));
		else if (in_kube && comp_pod(c, e - c, tpod))
			memcpy(pod, tpod, sizeof(tpod));
		c = e;
	}
	return id[0] || pod[0] ? 0 : -ENOENT;
}

/* ---- the cache ---- */

void cg_cache_init(struct cg_cache *cc, const char *proc_root,
		   const char *cgroup2_root)
{
	cc->root_fd = -1;
	snprintf(cc->proc_root, sizeof(cc->proc_root), "%s",
		 proc_root ?: "/proc");
	if (!cgroup2_root)
		return;
	if (!realpath(cgroup2_root, cc->root))
		snprintf(cc->root, sizeof(cc->root), "%s", cgroup2_root);
	cc->root_fd = open(cc->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cc->root_fd < 0)
		log_debug("proc_cache: cannot open cgroup2 root %s: %s",
			  cc->root, strerror(errno));
}

static void cg_cache_clear(struct cg_cache *cc)
{
	struct cg_entry *c, *n;
	size_t i;

	for (i = 0; i < 256; i++) {
		for (c = cc->buckets[i]; c; c = n) {
			n = c->hnext;
			free(c);
		}
		cc->buckets[i] = NULL;
	}
	cc->count = 0;
}

void cg_cache_fini(struct cg_cache *cc)
{
	cg_cache_clear(cc);
	if (cc->root_fd >= 0)
		close(cc->root_fd);
	cc->root_fd = -1;
}

static struct cg_entry *cg_lookup(struct cg_cache *cc, uint64_t cgid)
{
	struct cg_entry *c;

	for (c = cc->buckets[cgid & 255]; c; c = c->hnext)
		if (c->cgroup_id == cgid)
			return c;
	return NULL;
}

static struct cg_entry *cg_insert(struct cg_cache *cc, uint64_t cgid,
				  const char *id, const char *pod)
{
	struct cg_entry *c;

	if (cc->count >= CG_CACHE_MAX)
		cg_cache_clear(cc);
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->cgroup_id = cgid;
	snprintf(c->id, sizeof(c->id), "%s", id);
	snprintf(c->pod, sizeof(c->pod), "%s", pod);
	c->hnext = cc->buckets[cgid & 255];
	cc->buckets[cgid & 255] = c;
	cc->count++;
	return c;
}

/* The cgroup id (inode) of a cgroup2 path; false when it cannot be told. */
static bool cg_ino(const struct cg_cache *cc, const char *path, uint64_t *ino)
{
	char file[PATH_MAX * 2];
	struct stat st;

	if (!cc->root[0])
		return false;
	snprintf(file, sizeof(file), "%s%s", cc->root, path);
	if (stat(file, &st))
		return false;
	*ino = st.st_ino;
	return true;
}

void proc_cache_cgroup_learn(struct proc_cache *pc, uint64_t cgroup_id,
			     const char *path)
{
	char id[65], pod[37];

	if (!cgroup_id || cg_lookup(&pc->cg, cgroup_id))
		return;
	container_parse(path, id, pod);
	cg_insert(&pc->cg, cgroup_id, id, pod);
}

const char *proc_cache_cgroup_known(struct proc_cache *pc, uint64_t cgroup_id)
{
	const struct cg_entry *c = cgroup_id ? cg_lookup(&pc->cg, cgroup_id)
					     : NULL;

	return c ? c->id : NULL;
}

bool proc_cache_cgroup_gone(struct proc_cache *pc, uint64_t cgroup_id)
{
	union {
		struct file_handle fh;
		char buf[sizeof(struct file_handle) + sizeof(uint64_t)];
	} h = {};
	int fd;

	if (pc->cg.root_fd < 0 || !cgroup_id)
		return false; /* cannot tell */
	h.fh.handle_bytes = sizeof(uint64_t);
	h.fh.handle_type = FILEID_KERNFS;
	memcpy(h.fh.f_handle, &cgroup_id, sizeof(cgroup_id));
	fd = open_by_handle_at(pc->cg.root_fd, &h.fh, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return false;
	}
	return errno == ESTALE || errno == ENOENT;
}

/* Path of cgroup id below the cgroup2 root, through a kernfs file handle. */
static int cg_path_by_id(struct cg_cache *cc, uint64_t cgid, char *buf,
			 size_t size)
{
	union {
		struct file_handle fh;
		char buf[sizeof(struct file_handle) + sizeof(uint64_t)];
	} h = {};
	char link[64], path[PATH_MAX];
	size_t rl = strlen(cc->root);
	ssize_t n;
	int fd, err = 0;

	if (cc->root_fd < 0)
		return -ENOENT;
	h.fh.handle_bytes = sizeof(uint64_t);
	h.fh.handle_type = FILEID_KERNFS;
	memcpy(h.fh.f_handle, &cgid, sizeof(cgid));
	fd = open_by_handle_at(cc->root_fd, &h.fh, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n < 0) {
		err = -errno;
		goto cleanup;
	}
	path[n] = '\0';
	if (strncmp(path, cc->root, rl) || (path[rl] && path[rl] != '/')) {
		err = -ENOENT;
		goto cleanup;
	}
	snprintf(buf, size, "%s", path[rl] ? path + rl : "/");
cleanup:
	close(fd);
	return err;
}

/* The cgroup v2 path ("0::" line) of a /proc/PID/cgroup file; when that is
 * missing or "/" (hybrid hierarchy), the first v1 path that names a
 * container instead (*v1 set). */
static int read_cgroup_file(const char *file, char *buf, size_t size, bool *v1)
{
	char line[PATH_MAX + 64], id[65], pod[37], v1path[PATH_MAX];
	bool have_v2 = false, have_v1 = false;
	FILE *f;

	*v1 = false;
	f = fopen(file, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *p, *path;

		line[strcspn(line, "\n")] = '\0';
		p = strchr(line, ':');
		if (!p || !(path = strchr(p + 1, ':')))
			continue;
		path++;
		if (!strncmp(line, "0::", 3)) {
			snprintf(buf, size, "%s", path);
			have_v2 = true;
		} else if (!have_v1 && !container_parse(path, id, pod)) {
			snprintf(v1path, sizeof(v1path), "%s", path);
			have_v1 = true;
		}
	}
	fclose(f);
	if (have_v1 && (!have_v2 || !strcmp(buf, "/"))) {
		snprintf(buf, size, "%s", v1path);
		*v1 = true;
		return 0;
	}
	return have_v2 ? 0 : -ENOENT;
}

int cg_cache_container(struct cg_cache *cc, uint64_t cgroup_id, uint32_t pid,
		       const char **id, const char **pod)
{
	char path[PATH_MAX], file[PATH_MAX + 32], cid[65], cpod[37];
	bool v1 = false, cacheable = false;
	struct cg_entry *c;
	uint64_t ino;
	int err;

	*id = *pod = "";
	if (cgroup_id && (c = cg_lookup(cc, cgroup_id))) {
		*id = c->id;
		*pod = c->pod;
		return 0;
	}
	err = cgroup_id ? cg_path_by_id(cc, cgroup_id, path, sizeof(path))
			: -ENOENT;
	if (!err) {
		cacheable = true;
	} else {
		if (!pid)
			return -ENOENT;
		snprintf(file, sizeof(file), "%s/%u/cgroup", cc->proc_root,
			 pid);
		err = read_cgroup_file(file, path, sizeof(path), &v1);
		if (err)
			return err;
		/* the v2 path names this cgroup id unless pid has moved */
		cacheable = !v1 && cgroup_id && strcmp(path, "/");
		if (cacheable && cc->root[0])
			cacheable = cg_ino(cc, path, &ino) && ino == cgroup_id;
	}
	container_parse(path, cid, cpod);
	if (cacheable && (c = cg_insert(cc, cgroup_id, cid, cpod))) {
		*id = c->id;
		*pod = c->pod;
		return 0;
	}
	/* not cacheable: hand out the result through the scratch entry */
	c = &cc->scratch;
	snprintf(c->id, sizeof(c->id), "%s", cid);
	snprintf(c->pod, sizeof(c->pod), "%s", cpod);
	*id = c->id;
	*pod = c->pod;
	return 0;
}

void cg_cache_seed(struct cg_cache *cc, const char *cgroup_file,
		   struct rtg_proc_info *p)
{
	char cg[PATH_MAX], id[65], pod[37];
	uint64_t ino;
	bool v1;

	if (read_cgroup_file(cgroup_file, cg, sizeof(cg), &v1))
		return;
	container_parse(cg, id, pod);
	snprintf(p->container_id, sizeof(p->container_id), "%s", id);
	snprintf(p->pod_uid, sizeof(p->pod_uid), "%s", pod);
	if (v1 || !cg_ino(cc, cg, &ino))
		return;
	p->cgroup_id = ino;
	if (strcmp(cg, "/") && !cg_lookup(cc, ino))
		cg_insert(cc, ino, id, pod);
}
