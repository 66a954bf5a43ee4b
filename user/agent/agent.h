/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The running agent: options, loaded programs, policies, output. The
 * enforcer, the socket server and the metrics never see struct agent: they
 * get a sink callback (user/agent/enforce.h) and the counters
 * (user/ops/stats.h).
 */
#ifndef RTG_AGENT_H
#define RTG_AGENT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "events.h"
#include "rules.h"
#include "stats.h"

struct rtguard_bpf;
struct ring_buffer;
struct rtg_compiled;
struct rtg_probe;
struct proc_cache;
struct decoder;
struct output;
struct enforcer;
struct bpf_link;
struct metrics;
struct server;

#define AGENT_MAX_POLICY_PATHS 64

struct agent_opts {
	const char *policy_paths[AGENT_MAX_POLICY_PATHS];
	int npolicy_paths;
	int output_format; /* enum output_format, -1 = by terminal */
	const char *output_file;
	bool dry_run;
	bool verbose;
	unsigned int ringbuf_kb; /* 0 = default */
	const char *metrics_addr; /* --metrics ADDR:PORT, NULL = off */
	bool metrics_allow_remote; /* serve metrics on a non-loopback address */
	const char *socket_path; /* NULL = RTG_SOCKET_DEFAULT, "none" = off */
	uint64_t output_max_bytes; /* --output-file-max-mb, 0 = no rotation */
	int output_keep; /* --output-file-keep */
	const char *pin_dir; /* NULL = <bpffs>/rtguard */
	bool no_pin; /* nothing pinned: programs go with the agent */
	bool keep_pins; /* clean exit leaves programs attached */
	bool unpin; /* remove the pins of a previous agent and exit */
};

struct agent {
	struct agent_opts opts;
	struct rtg_probe *probe;
	struct rtguard_bpf *skel;
	struct ring_buffer *rb;
	struct bpf_link *cg_links[2];
	struct rtg_compiled *comp[RTG_NGEN]; /* what each generation holds */
	uint8_t gen; /* active generation */
	struct proc_cache *pc;
	struct decoder *dec;
	struct output *out;
	FILE *out_file;
	struct enforcer *enf;
	struct stats_counters stats; /* what metrics and status report */
	int epfd;
	int inotify_fd;
	uint64_t last_lost[RTG_EV_MAX]; /* kernel drop counts seen */
	uint64_t last_procs_full;
	struct metrics *metrics; /* self-measurement, /metrics */
	struct server *srv; /* the socket: subscribers, status */
	char pin_dir[600]; /* "" when not pinning */
	bool adopted; /* took over a previous agent's pins */
	int lock_fd;
	unsigned int batch; /* records in the current consume call */
};

/* Compiles the policies named in opts (or the embedded default). */
int agent_compile_policies(const struct agent_opts *opts,
			   const struct rtg_probe *probe,
			   struct rtg_compiled **out);


#endif
