/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the workload identity tests (test_workload*.c): a temp dir
 * holding each runtime's root, files written into it with legible quoting,
 * stderr captured to see the warnings, and lookups by container id.
 */
#ifndef RTG_WORKLOAD_UTIL_H
#define RTG_WORKLOAD_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "workload.h"

#define ID_A "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
#define ID_B "b1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
#define ID_S "c1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
#define IMG  "d1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
#define UID  "0f3e5a2c-1b4d-4e6f-8a9b-0c1d2e3f4a5b"

/* A temp dir with one root per runtime, and the options naming them. */
struct fx {
	char dir[64];
	char docker[128], containerd[128], storage[128], runroot[128],
	    proc[128];
	struct workload_opts opts;
};

int mkdir_p(const char *path);
bool fx_init(struct fx *f);
void fx_done(struct fx *f);
/* Writes text to root/rel, creating the folders. For legible fixtures, '
 * stands for " and ^ for \" (a quote inside a JSON string that holds
 * JSON). */
bool fx_put(const char *root, const char *rel, const char *text);
/* containers/storage's userdata/config.json of id, with the annotations
 * (the inside of a JSON object, quoted as fx_put() takes it). */
bool fx_oci(struct fx *f, const char *id, const char *annotations);

/* stderr into a temp file while a check runs, to see the warnings */
struct capture {
	int saved;
	char path[64];
};
void capture_start(struct capture *c);
/* The captured text (malloc'd); stderr is back. */
char *capture_end(struct capture *c);

/* The value of pod label key, or NULL. */
const char *label(const struct workload *w, const char *key);
/* w is container `name` of `image` run by `runtime`, in pod `pod_name` of
 * namespace `ns` with uid `uid` (each asserted) */
void expect_pod(const struct workload *w, const char *runtime, const char *name,
		const char *image, const char *pod_name, const char *ns,
		const char *uid);
/* workload_lookup() with the container id as the hint. */
const struct workload *by_id(struct workload_cache *wc, uint64_t cgid,
			     const char *id);

#endif
