/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Workload identity: the container and Kubernetes pod behind a cgroup, read
 * from the local state that the container runtime keeps on the node (no API
 * server, no runtime socket): the `container` and `pod` objects of events
 * (README.md, "Containers and pods"). workload_int.h says which file does
 * what.
 *
 * Sources, tried in this order for a container id (64 hex digits parsed
 * from the cgroup path by container_parse()):
 * - docker: <docker>/containers/<id>/config.v2.json: Name, Config.Image,
 *   Config.Labels (io.kubernetes.* under cri-dockerd; the pod's labels are
 *   those of its sandbox container).
 * - containerd: <containerd>/io.containerd.runtime.v2.task/<ns>/<id>/
 *   config.json (and the v1 shim's io.containerd.runtime.v1.linux), in
 *   every namespace: the CRI annotations io.kubernetes.cri.*. The `moby`
 *   namespace is Docker's.
 * - cri-o, podman: <storage>/<driver>-containers/<id>/userdata/config.json
 *   (then the same below the run root): CRI-O's annotations
 *   io.kubernetes.pod.*, io.kubernetes.container.name,
 *   io.kubernetes.cri-o.ImageName and io.kubernetes.cri-o.Labels (plus the
 *   labels of the pod's sandbox); for podman (io.container.manager=libpod)
 *   the name and image from containers/storage's containers.json (names,
 *   metadata) and images.json (names).
 * The Kubernetes annotations take precedence; the runtime's own record fills
 * what they leave unknown. Kubelet's bookkeeping labels (io.kubernetes.*)
 * are not pod labels and are left out.
 *
 * The files are untrusted: each is read with a size bound (opts), parsed
 * with jansson, every string is bounded (WORKLOAD_STR_MAX, no control
 * characters) and so is the label count. A bad file or key is logged as a
 * warning and leaves those keys unknown; nothing is ever guessed.
 *
 * Not thread-safe: one cache per thread.
 */
#ifndef RTG_WORKLOAD_H
#define RTG_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WORKLOAD_STR_MAX	  512 /* bytes of any string, without NUL */
#define WORKLOAD_LABELS_MAX	  64
#define WORKLOAD_FILE_MAX_DEFAULT (4u << 20)

struct workload_label {
	char *key;
	char *value;
};

/* Each pointer is NULL (and id "") when unknown. */
struct workload {
	char id[65];	     /* container id, 64 lower-case hex digits */
	const char *runtime; /* "containerd" | "cri-o" | "docker" | "podman" */
	char *name;	     /* Kubernetes' name, else the runtime's */
	char *image;
	char *pod_name;
	char *pod_namespace;
	char *pod_uid;
	struct workload_label labels[WORKLOAD_LABELS_MAX]; /* pod labels */
	size_t nlabels;
	bool labels_truncated; /* more than WORKLOAD_LABELS_MAX were recorded */
	/* references between the runtime's files ("" when unknown) */
	char image_id[65];   /* containers/storage image id (podman) */
	char sandbox_id[65]; /* the pod's sandbox container (CRI-O, docker) */
	uint64_t events; /* not read from files: the cache's user counts */
};

/* Where each runtime keeps its state. NULL: found on this host
 * (workload_root_detect()); "": that source is not used. */
struct workload_opts {
	const char *docker_root;     /* /var/lib/docker */
	const char *containerd_root; /* /run/containerd (its state dir) */
	const char *storage_root;    /* /var/lib/containers/storage */
	const char *storage_runroot; /* /run/containers/storage */
	const char *proc_root;	     /* "/proc" */
	size_t max_file_bytes;	     /* 0: WORKLOAD_FILE_MAX_DEFAULT */
	size_t max_entries;	     /* cached cgroups; 0: 16384 */
};

/* What is known about the cgroup; any field may be NULL / 0. The first one
 * that yields a container id is used: container_id, cgroup_path (through
 * container_parse()), then pid's <proc>/PID/cgroup. */
struct workload_hint {
	const char *container_id;
	const char *cgroup_path;
	uint32_t pid;
};

/* The runtime roots, as `--runtime-root NAME=DIR` names them. */
enum workload_root {
	WORKLOAD_ROOT_DOCKER = 0, /* "docker": docker_root */
	WORKLOAD_ROOT_CONTAINERD, /* "containerd": containerd_root */
	WORKLOAD_ROOT_STORAGE, /* "containers": storage_root (CRI-O, podman) */
	WORKLOAD_ROOT_STORAGE_RUN, /* "containers-run": storage_runroot */
	WORKLOAD_NROOTS,
};
const char *workload_root_name(enum workload_root r);
int workload_root_parse(const char *name); /* -1 when unknown */
/*
 * Where runtime r keeps its state on this host, into buf (PATH_MAX): what
 * its configuration says (docker's /etc/docker/daemon.json data-root,
 * containerd's /etc/containerd/config.toml state, containers/storage's
 * storage.conf graphroot and runroot), else the first of its usual places
 * that exists (k3s's and snap's included), else its usual place. Returns
 * buf.
 */
const char *workload_root_detect(enum workload_root r, char *buf, size_t len);
/* The same for a system whose / is sysroot ("": this one): configuration
 * files, the paths they name and the usual places are all below it. */
const char *workload_root_detect_at(enum workload_root r, const char *sysroot,
				    char *buf, size_t len);

struct workload_cache;

struct workload_cache *workload_cache_new(const struct workload_opts *opts);
void workload_cache_free(struct workload_cache *wc); /* accepts NULL */

/*
 * The workload of cgroup_id. Files are read only the first time a cgroup id
 * is seen; later calls answer from the cache. NULL when the cgroup is not a
 * container (cached too), and, without caching, when cgroup_id is 0, when
 * the hint tells nothing (no hint, pid gone) or on ENOMEM. A container
 * whose runtime state was not found has only its id (and maybe pod_uid,
 * from a kubepods cgroup path). The result stays valid
 * until the next workload_lookup()/workload_forget()/workload_cache_free()
 * on this cache (a full cache is emptied before a new entry is added).
 */
struct workload *workload_lookup(struct workload_cache *wc, uint64_t cgroup_id,
				 const struct workload_hint *hint);
/* Drops what is known about cgroup_id (its cgroup went away). */
void workload_forget(struct workload_cache *wc, uint64_t cgroup_id);
size_t workload_cache_count(const struct workload_cache *wc);
/* Calls fn for every cached workload (cgroups that are not containers
 * left out), in no order; fn must not change the cache. */
void workload_cache_each(const struct workload_cache *wc,
			 void (*fn)(uint64_t cgroup_id,
				    const struct workload *w, void *arg),
			 void *arg);
/* Forgets every cached cgroup for which gone() says so (its cgroup went
 * without the caller hearing of it). Returns how many. */
size_t workload_cache_prune(struct workload_cache *wc,
			    bool (*gone)(uint64_t cgroup_id, void *arg),
			    void *arg);
/* The root the cache reads for r; NULL when that source is not used. */
const char *workload_cache_root(const struct workload_cache *wc,
				enum workload_root r);

/*
 * Parsing, one file at a time (exposed for the tests and the fuzzer). buf
 * holds len bytes of JSON (no NUL needed); `what` names the file in
 * warnings. Keys already known in w are kept; new ones are added.
 * WORKLOAD_FMT_STORAGE_CONTAINERS reads the entry of w->id,
 * WORKLOAD_FMT_STORAGE_IMAGES the entry of w->image_id. Returns 0, or
 * -EINVAL when the file is not JSON of the expected shape (warning
 * logged); w keeps what could be used.
 */
enum workload_fmt {
	WORKLOAD_FMT_OCI_CONFIG,	 /* OCI config.json (containerd, …) */
	WORKLOAD_FMT_DOCKER_CONFIG,	 /* docker's config.v2.json */
	WORKLOAD_FMT_STORAGE_CONTAINERS, /* storage's containers.json */
	WORKLOAD_FMT_STORAGE_IMAGES,	 /* storage's images.json */
	WORKLOAD_FMT_COUNT,
};
int workload_parse(enum workload_fmt fmt, const char *buf, size_t len,
		   const char *what, struct workload *w);
/* Frees w's strings and zeroes it. */
void workload_clear(struct workload *w);

#endif
