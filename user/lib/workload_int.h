/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside workload identity (workload.h), three files:
 *
 *   workload_parse.c  JSON bytes -> struct workload (jansson, every value
 *                     checked): the parsers the fuzzer drives
 *   workload_find.c   a container id -> the runtime's files (bounded
 *                     reads), parsed and merged
 *   workload.c        the cache by cgroup id, the runtime roots, the hints
 */
#ifndef RTG_WORKLOAD_INT_H
#define RTG_WORKLOAD_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "workload.h"

/* Where the runtimes keep their state; NULL: that source is not used. */
struct workload_roots {
	char *docker, *containerd, *storage, *storage_run, *proc;
	size_t max_file; /* bytes of one file */
};

/* workload_parse.c */
/* s[0..len) is 64 lower-case hex digits. */
bool workload_is_hex64(const char *s, size_t len);
/* Adds a pod label unless it is kubelet's bookkeeping (io.kubernetes.*),
 * already known, or one too many (then labels_truncated). */
void workload_label_add(struct workload *w, const char *key, const char *value);

/* workload_find.c */
/* Fills w (w->id set) from the first runtime whose state names w->id:
 * docker, containerd, then containers/storage (CRI-O, podman). false when
 * none does (w keeps its id). */
bool workload_find(const struct workload_roots *r, struct workload *w);
/* Container id and pod uid of pid, from its <proc>/PID/cgroup: 0 when that
 * file was read (id "" on the host), -errno otherwise. */
int workload_id_of_pid(const struct workload_roots *r, uint32_t pid,
		       char id[65], char pod[37]);

#endif
