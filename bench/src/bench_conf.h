/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Configurations of the bench, behind bench_conf_attach()/_detach()
 * (bench_conf.c): `on` in bench_agent.c, `auditd` and `bpftrace` in
 * bench_peers.c. Each is attached before a workload run and detached after
 * it, never left attached behind a flag.
 */
#ifndef RTG_BENCH_CONF_H
#define RTG_BENCH_CONF_H

#include "bench.h"

struct floor_bpf;

struct bench_conf_state {
	int conf;
	struct floor_bpf *floor;
	pid_t pid;	/* agent, auditd or bpftrace */
	double ready_s; /* agent: spawn to ready */
	double cpu0;	/* agent: CPU seconds when the measurement started */
	char out[600], err[600];
	long audit_wait0, audit_lost0;
	int audit_enabled0;
};

/* on (bench_agent.c) */
int bench_on_attach(struct bench *b, struct bench_conf_state *st,
		    const char *policy);
void bench_on_mark(struct bench_conf_state *st);
int bench_on_detach(struct bench *b, struct bench_conf_state *st,
		    struct bench_run *run);

/* auditd and bpftrace (bench_peers.c) */
int bench_auditd_attach(struct bench *b, struct bench_conf_state *st);
void bench_auditd_detach(struct bench_conf_state *st, struct bench_run *run);
int bench_bpftrace_attach(struct bench *b, struct bench_conf_state *st);
void bench_bpftrace_detach(struct bench_conf_state *st, struct bench_run *run);

#endif
