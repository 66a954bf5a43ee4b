// SPDX-License-Identifier: GPL-2.0
/* Size-based rotation of the output file (see rotate.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "rotate.h"

void rotate_init(struct rotate *r, const char *path, uint64_t max_bytes,
		 int keep, FILE *f)
{
	struct stat st;

	memset(r, 0, sizeof(*r));
	r->path = path;
	r->max_bytes = max_bytes;
	r->keep = keep;
	if (f && !fstat(fileno(f), &st))
		r->size = st.st_size;
}

int rotate_files(const char *path, int keep)
{
	char from[PATH_MAX], to[PATH_MAX];
	int i;

	if (keep <= 0)
		return unlink(path) && errno != ENOENT ? -errno : 0;
	for (i = keep - 1; i >= 0; i--) {
		if (i)
			snprintf(from, sizeof(from), "%s.%d", path, i);
		else
			snprintf(from, sizeof(from), "%s", path);
		snprintf(to, sizeof(to), "%s.%d", path, i + 1);
		if (rename(from, to) && errno != ENOENT)
			return -errno;
	}
	return 0;
}

int file_reopen_append(FILE *f, const char *path)
{
	int fd, err = 0;

	fflush(f);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (dup3(fd, fileno(f), O_CLOEXEC) < 0)
		err = -errno;
	close(fd);
	return err;
}

int rotate_before_write(struct rotate *r, FILE *f, size_t len)
{
	struct stat st;
	int err;

	if (!r->max_bytes || !r->size || r->size + len <= r->max_bytes)
		return 0;
	/* our count can be stale (the file was moved and reopened) */
	fflush(f);
	if (!fstat(fileno(f), &st)) {
		r->size = st.st_size;
		if (!r->size || r->size + len <= r->max_bytes)
			return 0;
	}
	err = rotate_files(r->path, r->keep);
	if (!err)
		err = file_reopen_append(f, r->path);
	if (err) {
		log_err("cannot rotate %s: %s; writing on to the current file",
			r->path, strerror(-err));
		/* try again after another max_bytes, not at every line */
		r->size = 0;
		return err;
	}
	r->size = 0;
	r->rotations++;
	return 0;
}

int rotate_parse_mb(const char *s, uint64_t *bytes)
{
	char *end;
	double mb;

	errno = 0;
	mb = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(mb) || mb <= 0 ||
	    mb > 1024.0 * 1024)
		return -EINVAL;
	*bytes = (uint64_t)(mb * 1048576.0);
	if (*bytes < 4096)
		*bytes = 4096;
	return 0;
}
