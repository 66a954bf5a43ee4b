// SPDX-License-Identifier: GPL-2.0
/* Files, directories and strings for the bench. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"

int bench_read_file(const char *path, char *buf, size_t sz)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	ssize_t r;

	if (fd < 0)
		return -errno;
	while (len + 1 < sz && (r = read(fd, buf + len, sz - 1 - len)) > 0)
		len += r;
	buf[len] = '\0';
	close(fd);
	return (int)len;
}

int bench_write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t off = 0;
	int err = 0;

	if (fd < 0)
		return -errno;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		off += w;
	}
	if (close(fd) && !err)
		err = -errno;
	return err;
}

int bench_mkdirs(const char *path)
{
	char tmp[512];
	char *p;

	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

static int rm_one(const char *path, const struct stat *sb, int flag,
		  struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

int bench_rm_rf(const char *path)
{
	if (!path || !*path || !strcmp(path, "/"))
		return -EINVAL;
	if (nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) &&
	    errno != ENOENT)
		return -errno;
	return 0;
}

/* Copies tmpl to out replacing @KEY@ by value for kv = {KEY, value, ...,
 * NULL}. */
int bench_subst_file(const char *tmpl, const char *out, const char *const *kv)
{
	char *in = NULL, *res = NULL, *p;
	size_t cap = 131072, len = 0;
	int n, err;

	in = malloc(65536);
	res = malloc(cap);
	if (!in || !res) {
		err = -ENOMEM;
		goto cleanup;
	}
	n = bench_read_file(tmpl, in, 65536);
	if (n < 0) {
		err = n;
		goto cleanup;
	}
	for (p = in; *p;) {
		const char *const *k;
		bool hit = false;

		if (*p == '@') {
			for (k = kv; *k; k += 2) {
				size_t kl = strlen(k[0]), vl = strlen(k[1]);

				if (strncmp(p + 1, k[0], kl) ||
				    p[1 + kl] != '@')
					continue;
				if (len + vl + 1 >= cap)
					break;
				memcpy(res + len, k[1], vl);
				len += vl;
				p += kl + 2;
				hit = true;
				break;
			}
		}
		if (hit)
			continue;
		if (len + 2 >= cap)
			break;
		res[len++] = *p++;
	}
	err = bench_write_file(out, res, len);
cleanup:
	free(in);
	free(res);
	return err;
}

/* The cgroup2 mount point from /proc/self/mountinfo (not assumed to be
 * /sys/fs/cgroup). */
int bench_cgroup2_root(char *buf, size_t sz)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[1024];
	int err = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char mnt[512];
		const char *sep = strstr(line, " - ");

		if (!sep || strncmp(sep + 3, "cgroup2 ", 8))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %511s", mnt) != 1)
			continue;
		snprintf(buf, sz, "%s", mnt);
		err = 0;
		break;
	}
	fclose(f);
	return err;
}

/* Makes room for element n of the array *arrp (of *cap elements of elem
 * bytes), doubling it from 64. Returns 0 or -ENOMEM. */
int bench_grow(void *arrp, int *cap, int n, size_t elem)
{
	void *old, *arr;
	int ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? 2 * *cap : 64;
	memcpy(&old, arrp, sizeof(old));
	arr = realloc(old, elem * ncap);
	if (!arr)
		return -ENOMEM;
	memcpy(arrp, &arr, sizeof(arr));
	*cap = ncap;
	return 0;
}

/* snprintf for paths and messages that may be cut (never overflows). */
int bench_fmt(char *buf, size_t sz, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sz, fmt, ap);
	va_end(ap);
	return n;
}

/* path contains needle. With last: the last line that says error, else
 * the last line (the reason of a failure). */
bool bench_file_has(const char *path, const char *needle, char *last,
		    size_t lastsz)
{
	char *buf = malloc(65536);
	bool hit = false;
	int n;

	if (!buf)
		return false;
	n = bench_read_file(path, buf, 65536);
	if (n > 0) {
		hit = strstr(buf, needle) != NULL;
		if (last && lastsz) {
			char *save = NULL, *l, *pick = NULL;

			for (l = strtok_r(buf, "\n", &save); l;
			     l = strtok_r(NULL, "\n", &save)) {
				if (!pick || !strstr(pick, "rror") ||
				    strstr(l, "rror"))
					pick = l;
			}
			bench_fmt(last, lastsz, "%s", pick ? pick : "");
		}
	}
	free(buf);
	return hit;
}
