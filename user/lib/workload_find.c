// SPDX-License-Identifier: GPL-2.0
/*
 * Finding a container's state (workload_int.h): its id -> each runtime's
 * files below the roots, read with a size bound (the files are input from
 * other privileged software) and parsed by workload_parse.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "proc_cache.h"
#include "workload_int.h"

#define CGROUP_FILE_MAX (64u << 10)
#define NAMESPACES_MAX	256

/* ---- files ---- */

/*
 * The regular file path, read whole when it holds at most max bytes, into a
 * malloc'd *buf. -ENOENT quietly when it does not exist; any other failure
 * (too big, not a regular file, a symlink, unreadable) is logged.
 */
static int read_bounded(const char *path, size_t max, char **buf, size_t *len)
{
	size_t got = 0, cap;
	struct stat st;
	ssize_t n;
	char *b;
	int fd, err;

	*buf = NULL;
	*len = 0;
	/* O_NONBLOCK: a FIFO in its place must not hang the agent */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		err = -errno;
		if (err != -ENOENT && err != -ENOTDIR)
			log_warn("%s: %s, ignored", path, strerror(-err));
		return err == -ENOTDIR ? -ENOENT : err;
	}
	if (fstat(fd, &st)) {
		err = -errno;
		log_warn("%s: %s, ignored", path, strerror(-err));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err = -EINVAL;
		log_warn("%s: not a regular file, ignored", path);
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		err = -EFBIG;
		log_warn("%s: %lld bytes, more than %zu: ignored", path,
			 (long long)st.st_size, max);
		goto out;
	}
	/* st_size is a hint only (/proc files say 0); read at most max + 1 */
	cap = st.st_size ? (size_t)st.st_size + 1 : 4096;
	if (cap > max + 1)
		cap = max + 1;
	b = malloc(cap);
	if (!b) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		if (got == cap) {
			size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			char *nb;

			if (ncap == cap) {
				free(b);
				err = -EFBIG;
				log_warn("%s: more than %zu bytes, ignored",
					 path, max);
				goto out;
			}
			nb = realloc(b, ncap);
			if (!nb) {
				free(b);
				err = -ENOMEM;
				goto out;
			}
			b = nb;
			cap = ncap;
		}
		n = read(fd, b + got, cap - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			free(b);
			log_warn("%s: %s, ignored", path, strerror(-err));
			goto out;
		}
		if (!n)
			break;
		got += n;
	}
	*buf = b;
	*len = got;
	err = 0;
out:
	close(fd);
	return err;
}

/* ---- each runtime ---- */

/* Reads path and parses it into w: 0, -ENOENT (no such file) or another
 * error (logged). */
static int parse_file(const struct workload_roots *r, const char *path,
		      enum workload_fmt fmt, struct workload *w)
{
	size_t len;
	char *buf;
	int err;

	err = read_bounded(path, r->max_file, &buf, &len);
	if (err)
		return err;
	err = workload_parse(fmt, buf, len, path, w);
	free(buf);
	log_debug("workload: read %s", path);
	return err;
}

/* The pod labels of a sandbox container, parsed from path with fmt. */
static void sandbox_labels(const struct workload_roots *r, const char *path,
			   enum workload_fmt fmt, struct workload *w)
{
	struct workload sb = {};
	size_t i;

	if (parse_file(r, path, fmt, &sb) == 0) {
		for (i = 0; i < sb.nlabels; i++)
			workload_label_add(w, sb.labels[i].key,
					   sb.labels[i].value);
		if (sb.labels_truncated)
			w->labels_truncated = true;
	}
	workload_clear(&sb);
}

static bool from_docker(const struct workload_roots *r, struct workload *w)
{
	char path[PATH_MAX];

	if (!r->docker)
		return false;
	snprintf(path, sizeof(path), "%s/containers/%s/config.v2.json",
		 r->docker, w->id);
	if (parse_file(r, path, WORKLOAD_FMT_DOCKER_CONFIG, w) == -ENOENT)
		return false;
	w->runtime = "docker";
	if (w->sandbox_id[0] && strcmp(w->sandbox_id, w->id)) {
		snprintf(path, sizeof(path), "%s/containers/%s/config.v2.json",
			 r->docker, w->sandbox_id);
		sandbox_labels(r, path, WORKLOAD_FMT_DOCKER_CONFIG, w);
	}
	return true;
}

/* containerd: the task bundle of id in any namespace. */
static bool from_containerd(const struct workload_roots *r, struct workload *w)
{
	static const char *const shims[] = {"io.containerd.runtime.v2.task",
					    "io.containerd.runtime.v1.linux"};
	char dir[PATH_MAX], path[PATH_MAX + NAME_MAX + 96];
	struct dirent *de;
	size_t i, n;
	DIR *d;
	int err;

	if (!r->containerd)
		return false;
	for (i = 0; i < sizeof(shims) / sizeof(shims[0]); i++) {
		snprintf(dir, sizeof(dir), "%s/%s", r->containerd, shims[i]);
		d = opendir(dir);
		if (!d)
			continue;
		for (n = 0; (de = readdir(d)) && n < NAMESPACES_MAX; n++) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s/%s/config.json",
				 dir, de->d_name, w->id);
			err = parse_file(r, path, WORKLOAD_FMT_OCI_CONFIG, w);
			if (err == -ENOENT)
				continue;
			/* the moby namespace is Docker's */
			w->runtime = strcmp(de->d_name, "moby") ? "containerd"
								: "docker";
			closedir(d);
			return true;
		}
		closedir(d);
	}
	return false;
}

static const char *const storage_drivers[] = {"overlay", "vfs", "btrfs", "zfs"};

/* CRI-O and podman: containers/storage's userdata of id. */
static bool from_storage(const struct workload_roots *r, struct workload *w)
{
	const char *dirs[] = {r->storage, r->storage_run};
	const char *drv = NULL;
	char path[PATH_MAX];
	size_t k, i;
	int err = -ENOENT;

	for (k = 0; k < 2 && err == -ENOENT; k++) {
		if (!dirs[k])
			continue;
		for (i = 0; i < 4 && err == -ENOENT; i++) {
			drv = storage_drivers[i];
			snprintf(path, sizeof(path),
				 "%s/%s-containers/%s/userdata/config.json",
				 dirs[k], drv, w->id);
			err = parse_file(r, path, WORKLOAD_FMT_OCI_CONFIG, w);
		}
	}
	if (err == -ENOENT)
		return false;
	/* CRI-O: the pod's labels are on its sandbox */
	if (w->sandbox_id[0] && strcmp(w->sandbox_id, w->id)) {
		for (k = 0; k < 2; k++) {
			if (!dirs[k])
				continue;
			snprintf(path, sizeof(path),
				 "%s/%s-containers/%s/userdata/config.json",
				 dirs[k], drv, w->sandbox_id);
			if (!access(path, F_OK)) {
				sandbox_labels(r, path, WORKLOAD_FMT_OCI_CONFIG,
					       w);
				break;
			}
		}
	}
	/* the runtime's own record: podman's name and image */
	if ((!w->name || !w->image) && r->storage) {
		snprintf(path, sizeof(path), "%s/%s-containers/containers.json",
			 r->storage, drv);
		parse_file(r, path, WORKLOAD_FMT_STORAGE_CONTAINERS, w);
	}
	if (!w->image && w->image_id[0] && r->storage) {
		snprintf(path, sizeof(path), "%s/%s-images/images.json",
			 r->storage, drv);
		parse_file(r, path, WORKLOAD_FMT_STORAGE_IMAGES, w);
	}
	return true;
}

int workload_id_of_pid(const struct workload_roots *r, uint32_t pid,
		       char id[65], char pod[37])
{
	char path[PATH_MAX], *buf, *line, *save = NULL, *p;
	size_t len;
	int err;

	id[0] = pod[0] = '\0';
	if (!r->proc)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/%u/cgroup", r->proc, pid);
	err = read_bounded(path, CGROUP_FILE_MAX, &buf, &len);
	if (err)
		return err;
	p = realloc(buf, len + 1);
	if (!p) {
		free(buf);
		return -ENOMEM;
	}
	buf = p;
	buf[len] = '\0';
	/* "N:controllers:path": the first line naming a container */
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		p = strchr(line, ':');
		if (p)
			p = strchr(p + 1, ':');
		if (p && !container_parse(p + 1, id, pod) && id[0])
			break;
		id[0] = pod[0] = '\0';
	}
	free(buf);
	return 0;
}

bool workload_find(const struct workload_roots *r, struct workload *w)
{
	return from_docker(r, w) || from_containerd(r, w) || from_storage(r, w);
}
