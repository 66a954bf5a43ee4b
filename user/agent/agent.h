/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The running agent: its options and state, shared by the files of the
 * agent core only (user/agent/). The enforcer, the socket server and the
 * metrics never see struct agent: they get a sink callback
 * (user/agent/enforce.h) and the counters (user/ops/stats.h).
 *
 *   agent.c   the lifetime: start-up in order, the main loop, shutdown
 *   opts.c    the command line
 *   load.c    open, configure, load, attach and pin the BPF programs
 *   maps.c    every write to the BPF maps
 *   reload.c  policies: compile, install, reload by generation, watch
 *   record.c  records in (ring buffer, enforcer), events out, losses
 *   workloads.c  containers and pods of events (cgroup records), ancestry
 *
 * and, not knowing struct agent: enforce.c (fanotify denials, its own
 * thread), pin.c (pins that outlive the agent), privs.c (the privilege
 * drop).
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
struct workload_cache;
struct rtg_ancestor;

#define AGENT_MAX_POLICY_PATHS 64
/* Records handled per ring_buffer__consume() call: between batches the
 * loop lets subscribers' sockets drain and the enforcer's records in. */
#define AGENT_BATCH  512
#define AGENT_NROOTS 4 /* runtime roots (user/lib/workload.h) */
/* The event output's stdio buffer: a batch of JSON lines (~560 bytes per
 * open event) goes out in a few write(2)s. */
#define AGENT_OUT_BUF (256u << 10)

struct agent_opts {
	const char *policy_paths[AGENT_MAX_POLICY_PATHS];
	int npolicy_paths;
	int output_format; /* enum output_format, -1 = by terminal */
	const char *output_file;
	bool dry_run;
	bool verbose;
	unsigned int ringbuf_kb;   /* 0 = default */
	const char *metrics_addr;  /* --metrics ADDR:PORT, NULL = off */
	bool metrics_allow_remote; /* serve metrics on a non-loopback address */
	const char *socket_path;   /* NULL = RTG_SOCKET_DEFAULT, "none" = off */
	uint64_t output_max_bytes; /* --output-file-max-mb, 0 = no rotation */
	int output_keep;	   /* --output-file-keep */
	const char *pin_dir;	   /* NULL = <bpffs>/rtguard */
	bool no_pin;	/* nothing pinned: programs go with the agent */
	bool keep_pins; /* clean exit leaves programs attached */
	bool unpin;	/* remove the pins of a previous agent and exit */
	int ancestors;	/* --ancestors N, 0 to RTG_ANCESTORS_MAX */
	/* --runtime-root NAME=DIR by enum workload_root: NULL found on the
	 * host, "" not read (DIR "none") */
	const char *runtime_roots[AGENT_NROOTS];
	/* --bpf-stats: the kernel's BPF run-time statistics on for our life
	 * (they cost every BPF program on the host: off by default) */
	bool bpf_stats;
};

#define AGENT_CG_LINKS	 5
/* exit_opens on openat2, open, creat; enter_creds and exit_creds on 9 set*id
 * calls each; exit_mounts on 6 mount calls (load.c) */
#define AGENT_MULTI_LINKS 27

struct agent {
	struct agent_opts opts;
	struct rtg_probe *probe;
	struct rtguard_bpf *skel;
	struct ring_buffer *rb;		/* `events`: audit records */
	struct ring_buffer *rb_enforce; /* `enforce_events`: deny, kill */
	/* the links the skeleton does not hold: the cgroup links
	 * (connect4, connect6, then load_more.c's), then those of the
	 * programs on several tracepoints to all but their SEC()'s */
	struct bpf_link *links[AGENT_CG_LINKS + AGENT_MULTI_LINKS];
	struct rtg_compiled *comp[RTG_NGEN]; /* what each generation holds */
	uint8_t gen;			     /* active generation */
	struct proc_cache *pc;
	struct decoder *dec;
	struct output *out;
	FILE *out_file;
	char *out_buf; /* the output FILE's buffer, AGENT_OUT_BUF bytes */
	struct enforcer *enf;
	struct stats_counters stats; /* what metrics and status report */
	int epfd;
	int inotify_fd;
	uint64_t last_lost[RTG_EV_MAX]; /* kernel drop counts seen */
	uint64_t last_lost_enforce;
	uint64_t last_procs_full;
	struct metrics *metrics; /* self-measurement, /metrics */
	struct server *srv;	 /* the socket: subscribers, status */
	char pin_dir[600];	 /* "" when not pinning */
	bool adopted;		 /* took over a previous agent's pins */
	int lock_fd;
	unsigned int batch;	   /* records in the current consume call */
	struct workload_cache *wl; /* workloads by cgroup id (workloads.c) */
	struct rtg_ancestor *anc;  /* --ancestors of the event being written */
	uint64_t wl_lost;	   /* cgroup records lost, as last seen */
	unsigned int wl_ticks;	   /* seconds since the last check of them */
};

/* opts.c: 0, 1 after --help, or -EINVAL (reported). */
int agent_parse_opts(int argc, char **argv, struct agent_opts *o);

/* load.c */
/* Opens the skeleton, sets what the probe chose, prepares the pins (unless
 * --no-pin) and loads. 0 or a negative errno, reported. */
int agent_load(struct agent *a);
struct rtguard_bpf;
/* Which programs of the skeleton load (before its load): the lsm/ ones
 * when lsm; of the open tracepoints those in open_tps (1u << enum
 * rtg_open_tp), in the build walk (enum rtg_walk) chose; FMODE_CREATED
 * when measured (non-zero). The agent (from the probe) and the BPF tests
 * use it. */
void agent_choose_progs(struct rtguard_bpf *s, bool lsm, int walk,
			unsigned int open_tps, unsigned int fmode_created,
			unsigned int regs_off);
/* Attaches the programs that serve several syscall tracepoints
 * (exit_opens, the build chosen; enter_creds, exit_creds, exit_mounts)
 * to those the probe p found but the one of their SEC() (the skeleton
 * attaches that one), into links[AGENT_MULTI_LINKS]; and the name each
 * link i is pinned under. 0 or a negative errno, reported. */
int agent_attach_multi(struct rtguard_bpf *s, const struct rtg_probe *p,
		       struct bpf_link **links);
void agent_multi_pin_name(struct rtguard_bpf *s, int i, char *buf,
			  size_t len);
/* Attaches every program (connect hooks on the cgroup2 root) and pins the
 * links, replacing a previous agent's: from here on we enforce. */
int agent_attach(struct agent *a);
/* load_more.c: the programs of the hooks after connect as the probe
 * decided (before load), and their cgroup links on the cgroup2 root
 * cgfd into links[0..2] (connect_unix, bind4, bind6; NULL when not
 * used). */
void agent_more_autoload(struct rtguard_bpf *s, const struct rtg_probe *p);
int agent_more_attach(struct agent *a, int cgfd, struct bpf_link **links);
/* Detaches (unless --keep-pins) and frees what agent_load/attach made. */
void agent_unload(struct agent *a);
/* --unpin: removes a previous agent's pins; an exit code. */
int agent_unpin(const struct agent *a);

/* reload.c */
/* Compiles the policies named in opts (or the embedded default). */
int agent_compile_policies(const struct agent_opts *opts,
			   const struct rtg_probe *probe,
			   struct rtg_compiled **out);
/* After load: writes comp[0] into the maps (into the idle generation when
 * a previous agent's programs still read the other one) and flips to it. */
int agent_install_policies(struct agent *a);
/* SIGHUP or a policy file changed: atomic switch of generation. */
int agent_reload(struct agent *a);
/* Watches the directories of the policy files (sets a->inotify_fd). */
void agent_watch_policies(struct agent *a);
/* Reads the pending inotify events; true when one concerns a policy. */
bool agent_policies_changed(struct agent *a);

/* record.c */
/* Opens the event output (--output, --output-file and rotation). */
int agent_open_output(struct agent *a);
/* SIGUSR1: the output file gets a new descriptor (after rotation). */
void agent_reopen_output(struct agent *a);
/* Ring buffer callback (ctx: the agent): one record, in batches of
 * AGENT_BATCH (then -EAGAIN: the main loop lets the others in). */
int agent_on_ringbuf(void *ctx, void *data, size_t size);
/* One turn of both rings (see record.c): 0 drained, -EAGAIN more waits. */
int agent_consume(struct agent *a);
/* Enforcer sink (ctx: the agent). */
void agent_on_denial(void *ctx, const void *rec, size_t size);
/* Turns new drop counts (kernel, enforcer, subscribers) into `lost`
 * events. */
void agent_report_losses(struct agent *a);

/* workloads.c */
/* The workload cache with the runtime roots (--runtime-root or found on
 * the host, logged), and the ancestry buffer. 0 or -ENOMEM. */
int agent_workloads_open(struct agent *a);
void agent_workloads_close(struct agent *a);
/* A cgroup record (bpf/cgroup.bpf.c): learns or forgets a workload.
 * false when data is not one (an event record). */
bool agent_workloads_record(struct agent *a, const void *data, size_t size);
/* The event's workload, parent (from /proc when the cache lacks it) and,
 * with --ancestors, ancestors; counts the event to its workload. */
struct rtg_event_view;
void agent_workloads_event(struct agent *a, struct rtg_event_view *ev);
/* Once a second: forgets the workloads whose cgroup went unreported
 * (checked every minute, and at once after cgroup records were lost). */
void agent_workloads_tick(struct agent *a);
/* The workload of ev's cgroup, when known to be its container's. */
struct workload *agent_workload_of(struct agent *a,
				   const struct rtg_event_view *ev);

/* selectors.c: which scoped policies each cgroup's workload matches
 * (sel_cgroup), and the execs the kernel held for want of it. */
struct workload;
void agent_selectors_learn(struct agent *a, uint64_t cgroup_id,
			   const struct workload *w);
void agent_selectors_forget(struct agent *a, uint64_t cgroup_id);
/* Writes every known cgroup under generation gen (before a flip to it). */
void agent_selectors_fill(struct agent *a, uint8_t gen);
void agent_selectors_clear(struct agent *a, uint8_t gen);
/* The policies that apply to ev (bits by policy index). */
uint32_t agent_selectors_applies(struct agent *a,
				 const struct rtg_event_view *ev);
/* Every exec record: a held exec is decided (SIGKILL or SIGCONT), an
 * unclassified container classified. */
void agent_selectors_exec(struct agent *a, struct rtg_event_view *ev,
			  const void *data, size_t size);

#endif
