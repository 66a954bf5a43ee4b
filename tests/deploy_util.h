/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the deployment tests (test_deploy_*.c, test_install.c,
 * test_caps.c): the files checked, the least capability set they grant
 * (measured: test_caps.c), the DaemonSet's container, a ConfigMap volume
 * laid out the way the kubelet does, and the agent run with a given
 * capability set.
 */
#ifndef RTG_DEPLOY_UTIL_H
#define RTG_DEPLOY_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "yaml_query.h"

#define DS_PATH		"deploy/kubernetes/daemonset.yaml"
#define UNIT_PATH	"deploy/systemd/rtguard.service"
#define DOCKERFILE_PATH "deploy/Dockerfile"
#define MAN_PATH	"doc/rtguard.8"
#define COMPLETION_PATH "contrib/bash-completion/rtguard"

/* The least capability set (deploy_util.c says how it was measured). */
struct least_cap {
	int cap;
	const char *k8s;
	const char *systemd;
};

#define NCAPS 3
extern const struct least_cap least_caps[NCAPS];
uint64_t least_mask(void);

/* DS_PATH loaded (asserted). */
bool load_ds(struct ydocs *y);
/* The container's args as one space-separated string. */
void join_args(yaml_document_t *d, yaml_node_t *args, char *buf, size_t len);
/* The ConfigMap's keys written the way the kubelet lays out a ConfigMap
 * volume (and extra_key, if not NULL); the number of keys, or -1. */
int configmap_write(const char *dir, const char *ts, const char *extra_key,
		    const char *extra_val);
/* Every value of key in the unit text, space-joined; false if none. */
bool unit_get(const char *unit, const char *key, char *val, size_t len);

/* Starts argv as uid 0 with the bounding set (and so, on exec, the
 * permitted and effective sets) reduced to caps; stderr to errpath. */
pid_t spawn_with_caps(uint64_t caps, char *const *argv, const char *errpath);
/* Waits up to 20 s for "rtguard: info: running"; false if the agent
 * exited or never got there (its stderr is printed). */
bool wait_running(pid_t pid, const char *errpath);
/* SIGTERM, up to 10 s, then SIGKILL; the wait status, -1 if killed. */
int stop_agent(pid_t pid);

#endif
