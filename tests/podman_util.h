/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Real containers for the tests, with podman, offline: the busybox image
 * imported once from the host's busybox-static, and containers run with the
 * settings these machines need (runc, cgroupfs, fixed rlimits, no network;
 * README.md "Tests" says why). Name containers with a prefix of the test
 * and its pid: other tests may run containers at the same time.
 */
#ifndef RTG_PODMAN_UTIL_H
#define RTG_PODMAN_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#define PODMAN_IMAGE "localhost/rtg-busybox:1"
/* podman and the global flags every call here uses */
#define PODMAN                                                                 \
	"timeout 60 podman --runtime /usr/sbin/runc --cgroup-manager cgroupfs"

/* sh -c cmd; its exit status (or -1), its output into out (may be NULL). */
int sh(const char *cmd, char *out, size_t len);
/* The busybox image, imported once (idempotent). NULL, or why podman
 * cannot be used here (the caller skips with it). */
const char *podman_image(void);
/* Skips the running test unless it is root and podman_image() works. */
void need_podman(void);
/* Starts `cmd...` (NULL-ended; NULL: sleep 30) detached in container name
 * with the extra podman arguments (NULL-ended, may be NULL). Its pid, or 0
 * (out gets podman's words). */
int podman_run_cmd(const char *name, const char *const *extra,
		   const char *const *cmd, char *out, size_t len);
/* The same with `sleep 30`. */
int podman_run(const char *name, const char *const *extra, char *out,
	       size_t len);
/* The 64-hex id of container name into id[65]; false when unknown. */
bool podman_id(const char *name, char id[65]);
/* Removes container name (force, no wait); quiet when it is gone. */
void podman_rm(const char *name);
/* The cgroup2 (or, on a v1-only host, the first) path of pid. */
bool cgroup_of(int pid, char *path, size_t len);

#endif
