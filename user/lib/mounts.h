/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pseudo file systems rtguard needs, found from /proc/self/mountinfo
 * (never assumed: cgroup2 is at /sys/fs/cgroup/unified on hybrid hosts) and
 * mounted when missing. Owned by the probe (user/lib/probe.c); the agent
 * reads the paths from its struct rtg_probe.
 */
#ifndef RTG_MOUNTS_H
#define RTG_MOUNTS_H

#include <stdbool.h>

#define RTG_MOUNT_PATH_MAX 512

/* Where each file system is mounted ("" when it is not). */
struct rtg_mounts {
	char cgroup2[RTG_MOUNT_PATH_MAX]; /* a cgroup2 mount of the root cgroup
					   */
	char bpffs[RTG_MOUNT_PATH_MAX];
	char tracefs[RTG_MOUNT_PATH_MAX]; /* tracefs, or debugfs + /tracing */
	char securityfs[RTG_MOUNT_PATH_MAX];
	/* Filled by mounts_ensure(): what it mounted, and the negative errno
	 * of each mount it tried and failed (0 when not needed or done). */
	bool mounted_bpffs, mounted_tracefs, mounted_securityfs;
	int err_bpffs, err_tracefs, err_securityfs;
};

#define RTG_MOUNTINFO	   "/proc/self/mountinfo"
#define RTG_BPFFS_DIR	   "/sys/fs/bpf"
#define RTG_TRACEFS_DIR	   "/sys/kernel/tracing"
#define RTG_SECURITYFS_DIR "/sys/kernel/security"

/* Parse a mountinfo file (RTG_MOUNTINFO when path is NULL) into m; octal
 * escapes (\040 for a space, ...) in mount points are decoded. Among several
 * candidates it prefers a cgroup2 mount whose root is "/", bpffs at
 * /sys/fs/bpf and tracefs at /sys/kernel/tracing. Clears m first, including
 * the mounts_ensure() fields. Returns 0 or a negative errno (unreadable). */
int mounts_parse(const char *path, struct rtg_mounts *m);

/* mounts_parse(NULL, m), then mount bpffs at RTG_BPFFS_DIR, tracefs at
 * RTG_TRACEFS_DIR and securityfs at RTG_SECURITYFS_DIR where missing (needs
 * CAP_SYS_ADMIN), and parse again. A failed mount is recorded in m->err_*
 * and logged at debug level, never fatal. Returns 0, or the negative errno
 * of the first failure (parse or mount); m is filled either way. */
int mounts_ensure(struct rtg_mounts *m);

/* Decode mountinfo octal escapes of s in place. */
void mounts_unescape(char *s);

#endif
