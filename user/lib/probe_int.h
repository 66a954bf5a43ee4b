/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the probe (probe.h): what probe.c (facts, decisions),
 * probe_trials.c (the BPF trials) and probe_print.c (the output) share.
 */
#ifndef RTG_PROBE_INT_H
#define RTG_PROBE_INT_H

#include <time.h>

#include "probe.h"

/* "sys_enter_openat", ... by enum rtg_open_tp */
extern const char *const probe_open_tp_names[RTG_NOPEN_TPS];
/* "open deny (equal path)", ...: the rows of `rtguard probe` */
const char *probe_enf_title(enum rtg_enf e);

/* Records feature f: ok when err is 0, else the negative errno; the reason
 * (or detail) from fmt. */
void probe_feat_set(struct rtg_probe *p, enum rtg_feat f, int err,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Runs every BPF trial not in `disabled` (1u << enum rtg_feat) in parallel
 * threads, and the checks without BPF meanwhile. cg_fd: the cgroup2 root,
 * or -1. */
void probe_run_trials(struct rtg_probe *p, unsigned int disabled, int cg_fd);

/* The trials of bpf/probe_btf.bpf.c (probe_walk.c): FMODE_CREATED and
 * bpf_rdonly_cast(). */
void probe_walk_trials(struct rtg_probe *p, unsigned int disabled);

static inline double probe_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

#endif
