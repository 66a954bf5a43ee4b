// SPDX-License-Identifier: GPL-2.0
/* Find and mount the pseudo file systems rtguard needs (see mounts.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "mounts.h"

void mounts_unescape(char *s)
{
	char *r = s, *w = s;

	while (*r) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' &&
		    r[2] <= '7' && r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') << 6 | (r[2] - '0') << 3 |
				      (r[3] - '0'));
			r += 4;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
}

static void set_path(char *dst, const char *src)
{
	snprintf(dst, RTG_MOUNT_PATH_MAX, "%s", src);
}

/* One mountinfo line:
 * ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SOPTS
 * Fills root, mnt and fstype (pointers into line, unescaped). */
static int split_line(char *line, char **root, char **mnt, char **fstype)
{
	char *tok, *save = NULL;
	int i = 0;
	bool dash = false;

	*root = *mnt = *fstype = NULL;
	for (tok = strtok_r(line, " \n", &save); tok;
	     tok = strtok_r(NULL, " \n", &save), i++) {
		if (i == 3)
			*root = tok;
		else if (i == 4)
			*mnt = tok;
		else if (i > 5 && !dash && !strcmp(tok, "-"))
			dash = true;
		else if (dash) {
			*fstype = tok;
			break;
		}
	}
	if (!*root || !*mnt || !*fstype)
		return -EINVAL;
	mounts_unescape(*root);
	mounts_unescape(*mnt);
	return 0;
}

int mounts_parse(const char *path, struct rtg_mounts *m)
{
	bool cg_root = false;
	char *line = NULL;
	size_t cap = 0;
	FILE *f;
	int err = 0;

	memset(m, 0, sizeof(*m));
	f = fopen(path ? path : RTG_MOUNTINFO, "re");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		char *root, *mnt, *fs;

		if (split_line(line, &root, &mnt, &fs))
			continue;
		if (strlen(mnt) >= RTG_MOUNT_PATH_MAX - sizeof("/tracing"))
			continue;
		if (!strcmp(fs, "cgroup2")) {
			/* the root cgroup, not a namespaced/bind subtree */
			if (!m->cgroup2[0] ||
			    (!cg_root && !strcmp(root, "/"))) {
				set_path(m->cgroup2, mnt);
				cg_root = !strcmp(root, "/");
			}
		} else if (!strcmp(fs, "bpf")) {
			if (!m->bpffs[0] || !strcmp(mnt, RTG_BPFFS_DIR))
				set_path(m->bpffs, mnt);
		} else if (!strcmp(fs, "tracefs")) {
			if (!strcmp(root, "/") &&
			    (!m->tracefs[0] || !strcmp(mnt, RTG_TRACEFS_DIR)))
				set_path(m->tracefs, mnt);
		} else if (!strcmp(fs, "debugfs")) {
			/* debugfs/tracing (an automounted tracefs) when no
			 * tracefs mount shows up on its own */
			if (!m->tracefs[0] && !strcmp(root, "/"))
				snprintf(m->tracefs, RTG_MOUNT_PATH_MAX,
					 "%s/tracing", mnt);
		} else if (!strcmp(fs, "securityfs")) {
			if (!m->securityfs[0] ||
			    !strcmp(mnt, RTG_SECURITYFS_DIR))
				set_path(m->securityfs, mnt);
		}
	}
	if (ferror(f))
		err = -EIO;
	free(line);
	fclose(f);
	return err;
}

/* A tracefs path is usable when its `events` directory is there (a
 * debugfs/tracing candidate may not be mounted). */
static void drop_unusable_tracefs(struct rtg_mounts *m)
{
	char p[RTG_MOUNT_PATH_MAX + 16];

	snprintf(p, sizeof(p), "%s/events", m->tracefs);
	if (m->tracefs[0] && access(p, F_OK))
		m->tracefs[0] = '\0';
}

static int mount_one(const char *fstype, const char *dir, bool *done)
{
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	if (mount(fstype, dir, fstype, MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  fstype[0] == 'b' ? "mode=0700" : NULL))
		return -errno;
	*done = true;
	return 0;
}

int mounts_ensure(struct rtg_mounts *m)
{
	int err, first = 0;

	err = mounts_parse(NULL, m);
	if (err)
		return err;
	drop_unusable_tracefs(m);
	if (!m->bpffs[0])
		m->err_bpffs =
		    mount_one("bpf", RTG_BPFFS_DIR, &m->mounted_bpffs);
	if (!m->tracefs[0])
		m->err_tracefs =
		    mount_one("tracefs", RTG_TRACEFS_DIR, &m->mounted_tracefs);
	if (!m->securityfs[0])
		m->err_securityfs = mount_one("securityfs", RTG_SECURITYFS_DIR,
					      &m->mounted_securityfs);
	if (m->err_bpffs)
		log_debug("cannot mount bpffs at %s: %s", RTG_BPFFS_DIR,
			  strerror(-m->err_bpffs));
	if (m->err_tracefs)
		log_debug("cannot mount tracefs at %s: %s", RTG_TRACEFS_DIR,
			  strerror(-m->err_tracefs));
	if (m->err_securityfs)
		log_debug("cannot mount securityfs at %s: %s",
			  RTG_SECURITYFS_DIR, strerror(-m->err_securityfs));
	if (m->mounted_bpffs)
		log_info("bpffs was not mounted: mounted it at %s",
			 RTG_BPFFS_DIR);
	if (m->mounted_tracefs)
		log_info("tracefs was not mounted: mounted it at %s",
			 RTG_TRACEFS_DIR);
	first = m->err_bpffs ?: m->err_tracefs ?: m->err_securityfs;
	if (m->mounted_bpffs || m->mounted_tracefs || m->mounted_securityfs) {
		struct rtg_mounts again;

		err = mounts_parse(NULL, &again);
		if (err)
			return err;
		drop_unusable_tracefs(&again);
		set_path(m->cgroup2, again.cgroup2);
		set_path(m->bpffs, again.bpffs);
		set_path(m->tracefs, again.tracefs);
		set_path(m->securityfs, again.securityfs);
	}
	return first;
}
