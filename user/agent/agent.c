// SPDX-License-Identifier: GPL-2.0
/*
 * The agent (rtguard without a subcommand): probe, compile policies, load
 * and attach the BPF programs the probe chose, seed processes that predate
 * us, then stream events until SIGINT/SIGTERM; SIGHUP or a change of a
 * policy file reloads atomically.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stddef.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "agent.h"
#include "cmds.h"
#include "decode.h"
#include "enforce.h"
#include "log.h"
#include "maps.h"
#include "metrics.h"
#include "output.h"
#include "pin.h"
#include "policy.h"
#include "policy_compile.h"
#include "privs.h"
#include "probe.h"
#include "proc_cache.h"
#include "rotate.h"
#include "rtguard.skel.h"
#include "server.h"

extern const char rtg_default_policy[];
extern const char rtg_default_policy_end[];

/* how often the ring buffer is drained without a wakeup, ms */
#define RTG_DRAIN_MS 50

static volatile sig_atomic_t sig_stop, sig_reload, sig_reopen;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		sig_reload = 1;
	else if (sig == SIGUSR1)
		sig_reopen = 1;
	else
		sig_stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rtguard [--policy FILE|DIR]... [--output compact|json]\n"
		"               [--output-file PATH] [--output-file-max-mb N]\n"
		"               [--output-file-keep K] [--metrics ADDR:PORT]\n"
		"               [--metrics-allow-remote] [--socket PATH|none]\n"
		"               [--dry-run] [--verbose] [--ringbuf-kb N]\n"
		"               [--pin-dir DIR] [--no-pin] [--keep-pins]\n"
		"       rtguard --unpin [--pin-dir DIR]\n"
		"       rtguard probe | policy check FILE... | bench ... | "
		"events | status\n"
		"       rtguard --version | --help\n"
		"\n"
		"Without --policy the embedded default policy runs (exec, exit,\n"
		"connect of every process; opens of credentials and writes to\n"
		"system directories). See README.md and DESIGN.md.\n");
}

static int parse_opts(int argc, char **argv, struct agent_opts *o)
{
	enum { OPT_RINGBUF = 256, OPT_METRICS, OPT_SOCKET, OPT_MAXMB, OPT_KEEP,
	       OPT_PINDIR, OPT_NOPIN, OPT_KEEPPINS, OPT_UNPIN,
	       OPT_METRICS_REMOTE };
	static const struct option lopts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "output", required_argument, NULL, 'o' },
		{ "output-file", required_argument, NULL, 'f' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "ringbuf-kb", required_argument, NULL, OPT_RINGBUF },
		{ "pin-dir", required_argument, NULL, OPT_PINDIR },
		{ "no-pin", no_argument, NULL, OPT_NOPIN },
		{ "keep-pins", no_argument, NULL, OPT_KEEPPINS },
		{ "unpin", no_argument, NULL, OPT_UNPIN },
		{ "metrics", required_argument, NULL, OPT_METRICS },
		{ "metrics-allow-remote", no_argument, NULL, OPT_METRICS_REMOTE },
		{ "socket", required_argument, NULL, OPT_SOCKET },
		{ "output-file-max-mb", required_argument, NULL, OPT_MAXMB },
		{ "output-file-keep", required_argument, NULL, OPT_KEEP },
		{},
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->output_format = -1;
	o->output_keep = ROTATE_KEEP_DEFAULT;
	optind = 1;
	while ((c = getopt_long(argc, argv, "p:o:f:nvh", lopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (o->npolicy_paths >= AGENT_MAX_POLICY_PATHS) {
				log_err("--policy: at most %d paths",
					AGENT_MAX_POLICY_PATHS);
				return -EINVAL;
			}
			o->policy_paths[o->npolicy_paths++] = optarg;
			break;
		case 'o':
			if (!strcmp(optarg, "json")) {
				o->output_format = OUTPUT_JSON;
			} else if (!strcmp(optarg, "compact")) {
				o->output_format = OUTPUT_COMPACT;
			} else {
				log_err("--output: expected 'compact' or 'json', got '%s'",
					optarg);
				return -EINVAL;
			}
			break;
		case 'f':
			o->output_file = optarg;
			break;
		case 'n':
			o->dry_run = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 1;
		case OPT_PINDIR:
			o->pin_dir = optarg;
			break;
		case OPT_NOPIN:
			o->no_pin = true;
			break;
		case OPT_KEEPPINS:
			o->keep_pins = true;
			break;
		case OPT_UNPIN:
			o->unpin = true;
			break;
		case OPT_RINGBUF: {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);

			/* a power of two of at least one page */
			if (*end || v < 4 || v > (1 << 20) || (v & (v - 1))) {
				log_err("--ringbuf-kb: expected a power of two from 4 to 1048576, got '%s'",
					optarg);
				return -EINVAL;
			}
			o->ringbuf_kb = v;
			break;
		}
		case OPT_METRICS:
			o->metrics_addr = optarg;
			break;
		case OPT_METRICS_REMOTE:
			o->metrics_allow_remote = true;
			break;
		case OPT_SOCKET:
			o->socket_path = optarg;
			break;
		case OPT_MAXMB:
			if (rotate_parse_mb(optarg, &o->output_max_bytes)) {
				log_err("--output-file-max-mb: expected a positive number of MiB, got '%s'",
					optarg);
				return -EINVAL;
			}
			break;
		case OPT_KEEP: {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (!*optarg || *end || v < 0 || v > ROTATE_KEEP_MAX) {
				log_err("--output-file-keep: expected 0 to %d, got '%s'",
					ROTATE_KEEP_MAX, optarg);
				return -EINVAL;
			}
			o->output_keep = v;
			break;
		}
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		log_err("unexpected argument '%s' (see rtguard --help)",
			argv[optind]);
		return -EINVAL;
	}
	if (o->output_max_bytes && !o->output_file) {
		log_err("--output-file-max-mb needs --output-file");
		return -EINVAL;
	}
	if (o->metrics_addr) {
		struct sockaddr_storage ss;
		char err[256];

		if (metrics_parse_addr(o->metrics_addr, o->metrics_allow_remote,
				       &ss, err, sizeof(err))) {
			log_err("%s", err);
			return -EINVAL;
		}
	}
	return 0;
}

int agent_compile_policies(const struct agent_opts *opts,
			   const struct rtg_probe *probe,
			   struct rtg_compiled **out)
{
	struct rtg_backends be;
	struct rtg_policy_set *set = policy_set_new();
	int err = 0, i;

	if (!set)
		return -ENOMEM;
	probe_backends(probe, &be);
	if (!opts->npolicy_paths)
		err = policy_load_buffer(set, "<embedded default>",
					 rtg_default_policy,
					 rtg_default_policy_end -
						 rtg_default_policy);
	for (i = 0; i < opts->npolicy_paths && !err; i++)
		err = policy_load_path(set, opts->policy_paths[i]);
	if (err || set->nerrors) {
		for (i = 0; i < set->nerrors; i++)
			log_err("%s", set->errors[i].text);
		if (!set->nerrors)
			log_err("cannot load policies: %s", strerror(-err));
		err = -EINVAL;
		goto out;
	}
	err = policy_compile(set, &be, out);
	if (err)
		log_err("cannot compile policies: %s", strerror(-err));
out:
	policy_set_free(set);
	return err;
}

static int hook_of(int type)
{
	switch (type) {
	case RTG_EV_EXEC:
		return RTG_HOOK_EXEC;
	case RTG_EV_OPEN:
		return RTG_HOOK_OPEN;
	case RTG_EV_CONNECT:
		return RTG_HOOK_CONNECT;
	}
	return -1;
}

/* An exec that an `args` rule may decide: finish the decision here. */
static void exec_args_decide(struct agent *a, struct rtg_event_view *ev,
			     const void *data, size_t size)
{
	const struct rtg_exec *e = data;
	const struct rtg_compiled *c = a->comp[ev->gen & 1];
	const char *args;
	struct rtg_verdict v;
	size_t off;

	if (!c || size < sizeof(*e))
		return;
	off = (size_t)e->binary_len + e->script_len + e->cwd_len;
	if (off + e->args_len > size - sizeof(*e))
		return;
	args = e->data + off;
	policy_decide_args(c, e->cand_m, e->cand_u, args, e->args_len, &v);
	ev->action = v.action;
	ev->mech = v.mech;
	ev->rule = v.rule;
	ev->enforced = false;
	if (v.action >= RTG_ACT_DENY && !a->opts.dry_run) {
		/* the image runs already: kill it, if it is still this one */
		int pfd = syscall(SYS_pidfd_open, ev->pid, 0);
		const struct rtg_proc_info *pi = proc_cache_get(a->pc, ev->pid);

		if (pfd >= 0 && pi && pi->exec_ktime == e->hdr.exec_ktime &&
		    !syscall(SYS_pidfd_send_signal, pfd, SIGKILL, NULL, 0)) {
			ev->enforced = true;
			ev->action = RTG_ACT_KILL;
			ev->mech = RTG_MECH_SIGKILL;
		}
		if (pfd >= 0)
			close(pfd);
	}
}

static int agent_handle_record(struct agent *a, const void *data,
			       size_t size)
{
	struct rtg_event_view ev;
	int hook, err;

	err = event_decode(a->dec, data, size, &ev);
	if (err) {
		a->stats.lost[RTG_LOSS_DECODE]++;
		log_debug("malformed record of %zu bytes: %s", size,
			  strerror(-err));
		return 0;
	}
	if (ev.type == RTG_EV_EXEC && (ev.flags & RTG_F_ARGS_PENDING))
		exec_args_decide(a, &ev, data, size);
	/* allowed execs come only to keep the process cache current */
	if (ev.action < RTG_ACT_AUDIT)
		return 0;
	hook = hook_of(ev.type);
	ev.policy = NULL;
	ev.rule_name = NULL;
	if (hook >= 0 && ev.rule != RTG_RULE_NONE && a->comp[ev.gen & 1])
		ev.rule_name = policy_rule_name(a->comp[ev.gen & 1], hook,
						ev.rule, &ev.policy);
	if (ev.type < RTG_EV_MAX && ev.action < 4)
		a->stats.events[ev.type][ev.action]++;
	output_event(a->out, &ev);
	server_publish(a->srv, &ev, a->out);
	return 0;
}

/* Records handled per ring_buffer__consume() call: between batches the
 * loop lets subscribers' sockets drain and the enforcer's records in. */
#define RTG_BATCH 512

/* The enforcer's sink (enforce.h). */
static void on_denial(void *ctx, const void *rec, size_t size)
{
	agent_handle_record(ctx, rec, size);
}

static int on_ringbuf(void *ctx, void *data, size_t size)
{
	struct agent *a = ctx;

	agent_handle_record(a, data, size);
	/* libbpf counts this record consumed and stops here */
	return ++a->batch >= RTG_BATCH ? -EAGAIN : 0;
}

/* Turns new kernel-side drop counts into `lost` events. */
static void report_losses(struct agent *a)
{
	struct rtg_event_view ev;
	uint64_t n, full;
	int t, src;

	for (t = RTG_EV_EXEC; t <= RTG_EV_CONNECT; t++) {
		n = maps_stat(a->skel, RTG_STAT_LOST + t);
		if (n > a->last_lost[t]) {
			src = RTG_LOSS_RB_EXEC + t - RTG_EV_EXEC;
			event_view_lost(a->dec, n - a->last_lost[t],
					loss_name(src), &ev);
			output_event(a->out, &ev);
			server_publish(a->srv, &ev, a->out);
			a->stats.lost[src] += n - a->last_lost[t];
			a->last_lost[t] = n;
		}
	}
	full = maps_stat(a->skel, RTG_STAT_PROCS_FULL);
	if (full > a->last_procs_full) {
		log_warn("procs map full: %llu processes not tracked in the kernel",
			 (unsigned long long)(full - a->last_procs_full));
		a->last_procs_full = full;
	}
	if (a->enf) {
		n = enforcer_lost(a->enf);
		if (n) {
			event_view_lost(a->dec, n, "fanotify", &ev);
			output_event(a->out, &ev);
			server_publish(a->srv, &ev, a->out);
			a->stats.lost[RTG_LOSS_FANOTIFY] += n;
		}
	}
	n = server_take_lost(a->srv);
	if (n) {
		event_view_lost(a->dec, n, "subscriber", &ev);
		output_event(a->out, &ev);
		server_publish(a->srv, &ev, a->out);
	}
}

static int open_output(struct agent *a)
{
	int fmt = a->opts.output_format;
	FILE *f = stdout;

	if (a->opts.output_file) {
		f = fopen(a->opts.output_file, "ae");
		if (!f) {
			log_err("cannot open --output-file %s: %s",
				a->opts.output_file, strerror(errno));
			return -errno;
		}
		a->out_file = f;
	}
	/* block-buffered: written out after each ring-buffer batch (and at
	 * least once a second), not one write(2) per event */
	setvbuf(f, NULL, _IOFBF, 1 << 16);
	if (fmt < 0)
		fmt = isatty(fileno(f)) ? OUTPUT_COMPACT : OUTPUT_JSON;
	a->out = output_new(fmt, f);
	if (a->out && a->opts.output_max_bytes)
		output_set_rotation(a->out, a->opts.output_file,
				    a->opts.output_max_bytes,
				    a->opts.output_keep);
	return a->out ? 0 : -ENOMEM;
}

/* The same FILE gets a new descriptor (user/lib/rotate.h): a failed open
 * leaves the old file in use rather than a closed stream. */
static void reopen_output(struct agent *a)
{
	int err;

	if (!a->opts.output_file)
		return;
	err = output_reopen(a->out, a->opts.output_file);
	if (err) {
		log_err("cannot reopen %s: %s", a->opts.output_file,
			strerror(-err));
		return;
	}
	log_info("reopened %s", a->opts.output_file);
}

static void cfg_write(struct agent *a)
{
	maps_write_config(a->skel, a->gen, a->opts.dry_run,
			  probe_ok(a->probe, RTG_FEAT_LSM));
}

static int load_and_attach(struct agent *a)
{
	struct rtguard_bpf *s;
	const struct rtg_decision *d = &a->probe->d;
	bool lsm = probe_ok(a->probe, RTG_FEAT_LSM);
	struct bpf_program *tps[RTG_NOPEN_TPS];
	int err, i;

	s = rtguard_bpf__open();
	if (!s) {
		log_err("cannot open BPF object: %s", strerror(errno));
		return -errno;
	}
	a->skel = s;
	if (a->opts.ringbuf_kb)
		bpf_map__set_max_entries(s->maps.events,
					 a->opts.ringbuf_kb * 1024);
	bpf_program__set_autoload(s->progs.lsm_file_open, lsm);
	bpf_program__set_autoload(s->progs.lsm_bprm_check, lsm);
	/* sys_exit only: the flags come from the syscall's registers */
	memset(tps, 0, sizeof(tps));
	tps[RTG_TP_EXIT_OPENAT] = s->progs.exit_openat;
	tps[RTG_TP_EXIT_OPENAT2] = s->progs.exit_openat2;
	tps[RTG_TP_EXIT_OPEN] = s->progs.exit_open;
	tps[RTG_TP_EXIT_CREAT] = s->progs.exit_creat;
	for (i = 0; i < RTG_NOPEN_TPS; i++)
		if (tps[i])
			bpf_program__set_autoload(tps[i],
						  !!(d->open_tps & (1u << i)));
	if (d->exec != RTG_SRC_TP_BTF || d->connect != RTG_SRC_CGROUP) {
		log_err("this kernel lacks %s (rtguard probe shows why)",
			d->exec != RTG_SRC_TP_BTF ? "tp_btf programs" :
						    "cgroup connect hooks");
		return -EOPNOTSUPP;
	}
	if (!a->opts.no_pin) {
		if (a->opts.pin_dir)
			snprintf(a->pin_dir, sizeof(a->pin_dir), "%s",
				 a->opts.pin_dir);
		else
			snprintf(a->pin_dir, sizeof(a->pin_dir), "%s/rtguard",
				 a->probe->mounts.bpffs);
		a->lock_fd = pin_lock(a->pin_dir);
		if (a->lock_fd == -EBUSY) {
			log_err("another rtguard agent runs with pins in %s (use --pin-dir or --no-pin to run a second one)",
				a->pin_dir);
			a->pin_dir[0] = '\0';
			return -EBUSY;
		}
		err = pin_prepare(s, a->pin_dir, &a->adopted);
		if (err) {
			a->pin_dir[0] = '\0';
			return err;
		}
	}
	err = rtguard_bpf__load(s);
	if (err) {
		log_err("cannot load BPF programs: %s (rtguard needs Linux 5.17 or later with BTF: bpf_loop, bpf_task_pt_regs; run with --verbose for the verifier's log)",
			strerror(-err));
		return err;
	}
	return 0;
}

static int attach_all(struct agent *a)
{
	struct rtguard_bpf *s = a->skel;
	int err, cgfd;

	err = rtguard_bpf__attach(s);
	if (err) {
		log_err("cannot attach BPF programs: %s", strerror(-err));
		return err;
	}
	cgfd = open(a->probe->mounts.cgroup2, O_RDONLY | O_DIRECTORY |
						      O_CLOEXEC);
	if (cgfd < 0) {
		log_err("cannot open cgroup2 root %s: %s",
			a->probe->mounts.cgroup2, strerror(errno));
		return -errno;
	}
	a->cg_links[0] = bpf_program__attach_cgroup(s->progs.connect4, cgfd);
	a->cg_links[1] = bpf_program__attach_cgroup(s->progs.connect6, cgfd);
	close(cgfd);
	if (!a->cg_links[0] || !a->cg_links[1]) {
		log_err("cannot attach connect hooks to %s: %s",
			a->probe->mounts.cgroup2, strerror(errno));
		return -errno;
	}
	return 0;
}

/* The fanotify group and its thread's state; run_loop() polls its fd. */
static int start_enforcer(struct agent *a, const struct rtg_compiled *c,
			  uint8_t gen)
{
	struct rtg_map_fds fds;

	maps_rule_fds(a->skel, &fds);
	a->enf = enforcer_start(c, gen, &fds, bpf_map__fd(a->skel->maps.procs),
				a->opts.dry_run);
	return a->enf ? 0 : -EIO;
}

/* The policies and rule counts that metrics and status report. */
static void stats_set_policies(struct stats_counters *s,
			       const struct rtg_compiled *c)
{
	int h, i;

	s->npolicies = 0;
	memset(s->rules, 0, sizeof(s->rules));
	for (i = 0; i < c->npolicies && i < RTG_MAX_POLICIES; i++)
		snprintf(s->policy[i], sizeof(s->policy[i]), "%s",
			 c->policy_names[i] ?: "");
	s->npolicies = i;
	for (h = 0; h < RTG_NHOOKS; h++)
		for (i = 0; i < c->nrules[h]; i++)
			if (c->rules[h][i].policy >= 0 &&
			    c->rules[h][i].policy < s->npolicies)
				s->rules[c->rules[h][i].policy][h]++;
}

/* The counters other parts keep, copied into the agent's before metrics
 * or status read them. */
static void stats_sync(struct agent *a)
{
	a->stats.procs_tracked = proc_cache_count(a->pc);
	a->stats.subscribers = server_nsubs(a->srv);
	a->stats.lost[RTG_LOSS_SUBSCRIBER] = server_lost(a->srv);
}

/* Atomic policy switch: fill the idle generation, flip the index the
 * programs read, then empty the old generation once no program can still
 * be using it. */
static int agent_reload(struct agent *a)
{
	struct rtg_compiled *c = NULL;
	struct rtg_map_fds fds;
	uint8_t ng = a->gen ^ 1;
	struct timespec grace = { 0, 20 * 1000 * 1000 };
	int err;

	err = agent_compile_policies(&a->opts, a->probe, &c);
	if (err) {
		a->stats.reloads_failed++;
		log_err("policy reload rejected; the previous policies stay in force");
		return err;
	}
	maps_rule_fds(a->skel, &fds);
	if (a->comp[ng]) {
		policy_clear(a->comp[ng], ng, &fds);
		policy_compiled_free(a->comp[ng]);
		a->comp[ng] = NULL;
	} else if (a->adopted) {
		maps_purge_gen(a->skel, ng); /* the previous agent's rules */
	}
	err = policy_apply(c, ng, &fds);
	if (err) {
		policy_clear(c, ng, &fds);
		policy_compiled_free(c);
		a->stats.reloads_failed++;
		log_err("policy reload failed writing maps: %s; the previous policies stay in force",
			strerror(-err));
		return err;
	}
	a->comp[ng] = c;
	a->gen = ng;
	cfg_write(a);
	stats_set_policies(&a->stats, c);
	if (a->enf)
		enforcer_update(a->enf, c, ng);
	/* programs that read the old index finish within microseconds */
	nanosleep(&grace, NULL);
	policy_clear(a->comp[ng ^ 1], ng ^ 1, &fds);
	a->stats.reloads_ok++;
	log_info("policies reloaded (generation %u)", ng);
	return 0;
}

/* Watch the policy files' directories: editors replace files, Kubernetes
 * swaps the ..data symlink of a ConfigMap volume. */
static void watch_policies(struct agent *a)
{
	int i;

	if (!a->opts.npolicy_paths)
		return;
	a->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (a->inotify_fd < 0) {
		log_warn("inotify unavailable (%s): reload with SIGHUP",
			 strerror(errno));
		return;
	}
	for (i = 0; i < a->opts.npolicy_paths; i++) {
		const char *p = a->opts.policy_paths[i];
		char dir[PATH_MAX];
		struct stat st;

		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			snprintf(dir, sizeof(dir), "%s", p);
		} else {
			const char *slash = strrchr(p, '/');

			if (slash)
				snprintf(dir, sizeof(dir), "%.*s",
					 (int)(slash - p ? slash - p : 1), p);
			else
				snprintf(dir, sizeof(dir), ".");
		}
		if (inotify_add_watch(a->inotify_fd, dir,
				      IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE |
					      IN_DELETE | IN_MOVED_FROM) < 0)
			log_warn("cannot watch %s: %s", dir, strerror(errno));
	}
}

/* Does a change to `name` in a watched directory concern the policies? */
static bool policy_name_relevant(const struct agent *a, const char *name)
{
	size_t n = strlen(name);
	int i;

	if (!strcmp(name, "..data")) /* Kubernetes ConfigMap swap */
		return true;
	if (name[0] == '.')
		return false;
	if ((n > 5 && !strcmp(name + n - 5, ".yaml")) ||
	    (n > 4 && !strcmp(name + n - 4, ".yml")))
		return true;
	for (i = 0; i < a->opts.npolicy_paths; i++) {
		const char *p = a->opts.policy_paths[i];
		const char *base = strrchr(p, '/');

		if (!strcmp(base ? base + 1 : p, name))
			return true;
	}
	return false;
}

static bool drain_inotify(struct agent *a)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool any = false;
	ssize_t n;

	while ((n = read(a->inotify_fd, buf, sizeof(buf))) > 0) {
		char *p = buf;

		while (p < buf + n) {
			const struct inotify_event *ev = (const void *)p;

			if (ev->len && policy_name_relevant(a, ev->name))
				any = true;
			p += sizeof(*ev) + ev->len;
		}
	}
	return any;
}

static void print_counters(const struct agent *a)
{
	const struct stats_counters *s = &a->stats;
	uint64_t lost = 0, n;
	int t;

	for (t = RTG_EV_EXEC; t <= RTG_EV_CONNECT; t++) {
		n = s->lost[RTG_LOSS_RB_EXEC + t - RTG_EV_EXEC];
		lost += n;
		log_info("%-8s audit=%llu deny=%llu kill=%llu lost=%llu",
			 type_name(t),
			 (unsigned long long)s->events[t][RTG_ACT_AUDIT],
			 (unsigned long long)s->events[t][RTG_ACT_DENY],
			 (unsigned long long)s->events[t][RTG_ACT_KILL],
			 (unsigned long long)n);
	}
	log_info("total lost=%llu decode_errors=%llu reloads ok=%llu failed=%llu",
		 (unsigned long long)lost,
		 (unsigned long long)s->lost[RTG_LOSS_DECODE],
		 (unsigned long long)s->reloads_ok,
		 (unsigned long long)s->reloads_failed);
}

static void agent_destroy(struct agent *a)
{
	int i;

	metrics_free(a->metrics); /* its HTTP thread reads program fds */
	server_free(a->srv);
	enforcer_stop(a->enf);
	ring_buffer__free(a->rb);
	for (i = 0; i < 2; i++)
		bpf_link__destroy(a->cg_links[i]);
	rtguard_bpf__destroy(a->skel);
	/* a clean exit detaches, unless the programs are to outlive us; the
	 * pins go last so that it waits for the kernel to let go of them */
	if (a->pin_dir[0] && !a->opts.keep_pins)
		pin_remove_all(a->pin_dir);
	if (a->lock_fd >= 0)
		close(a->lock_fd);
	for (i = 0; i < RTG_NGEN; i++)
		policy_compiled_free(a->comp[i]);
	decoder_free(a->dec);
	proc_cache_free(a->pc);
	if (a->out)
		output_flush(a->out);
	output_free(a->out);
	if (a->out_file)
		fclose(a->out_file);
	if (a->epfd >= 0)
		close(a->epfd);
	if (a->inotify_fd >= 0)
		close(a->inotify_fd);
	free(a->probe);
}

static int run_loop(struct agent *a)
{
	struct epoll_event evs[4];
	struct timespec last = { 0 }, now;
	int enf_fd = a->enf ? enforcer_fd(a->enf) : -1;
	int rb_fd = ring_buffer__epoll_fd(a->rb);
	struct epoll_event ee = { .events = EPOLLIN };
	bool more = false;
	int n, i, r;

	a->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (a->epfd < 0)
		return -errno;
	ee.data.fd = rb_fd;
	epoll_ctl(a->epfd, EPOLL_CTL_ADD, rb_fd, &ee);
	if (enf_fd >= 0) {
		ee.data.fd = enf_fd;
		epoll_ctl(a->epfd, EPOLL_CTL_ADD, enf_fd, &ee);
	}
	if (a->inotify_fd >= 0) {
		ee.data.fd = a->inotify_fd;
		epoll_ctl(a->epfd, EPOLL_CTL_ADD, a->inotify_fd, &ee);
	}
	if (a->srv) {
		ee.data.fd = server_fd(a->srv);
		epoll_ctl(a->epfd, EPOLL_CTL_ADD, ee.data.fd, &ee);
	}
	while (!sig_stop) {
		/* the programs wake us only when a batch has piled up: drain
		 * on this timer too (the latency of a lone event) */
		n = epoll_wait(a->epfd, evs, 4, more ? 0 : RTG_DRAIN_MS);
		if (n < 0 && errno != EINTR)
			return -errno;
		a->batch = 0;
		r = ring_buffer__consume(a->rb);
		more = r == -EAGAIN;
		if (r > 0 || more)
			output_flush(a->out);
		for (i = 0; i < n; i++) {
			if (evs[i].data.fd == rb_fd)
				continue; /* drained above */
			else if (a->enf && evs[i].data.fd == enforcer_fd(a->enf)) {
				enforcer_drain(a->enf, on_denial, a);
				output_flush(a->out);
			}
			else if (a->srv && evs[i].data.fd == server_fd(a->srv)) {
				stats_sync(a);
				server_handle(a->srv);
			}
			else if (evs[i].data.fd == a->inotify_fd &&
				 drain_inotify(a)) {
				/* let the writer finish (editors, kubelet) */
				usleep(100 * 1000);
				drain_inotify(a);
				sig_reload = 1;
			}
		}
		if (sig_reload) {
			sig_reload = 0;
			agent_reload(a);
		}
		if (sig_reopen) {
			sig_reopen = 0;
			reopen_output(a);
		}
		stats_sync(a);
		metrics_update(a->metrics, &a->stats);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec != last.tv_sec) {
			last = now;
			report_losses(a);
			proc_cache_reap(a->pc);
			output_flush(a->out);
		}
	}
	/* drain what the kernel already wrote */
	do {
		a->batch = 0;
	} while (ring_buffer__consume(a->rb) == -EAGAIN);
	if (a->enf)
		enforcer_drain(a->enf, on_denial, a);
	report_losses(a);
	return 0;
}

int cmd_agent(int argc, char **argv)
{
	struct agent a = { .epfd = -1, .inotify_fd = -1, .lock_fd = -1 };
	struct sigaction sa = { .sa_handler = on_signal };
	struct proc_cache_opts pco = {};
	struct rtg_backends be;
	struct rtg_map_fds fds;
	struct status_source src;
	int err, ret = RTG_EXIT_KERNEL;

	err = parse_opts(argc, argv, &a.opts);
	if (err)
		return err > 0 ? RTG_EXIT_OK : RTG_EXIT_INPUT;
	if (a.opts.verbose)
		log_set_level(LOG_DEBUG);

	a.probe = calloc(1, sizeof(*a.probe));
	if (!a.probe)
		return RTG_EXIT_KERNEL;
	err = probe_kernel(a.probe);
	if (err) {
		log_err("%s", a.probe->error);
		free(a.probe);
		return RTG_EXIT_KERNEL;
	}
	if (a.opts.unpin) {
		char dir[600];

		snprintf(dir, sizeof(dir), "%s/rtguard", a.probe->mounts.bpffs);
		err = pin_remove_all(a.opts.pin_dir ? a.opts.pin_dir : dir);
		if (err)
			log_err("cannot remove pins: %s", strerror(-err));
		else
			log_info("removed pins in %s; rtguard programs left behind are detached",
				 a.opts.pin_dir ? a.opts.pin_dir : dir);
		free(a.probe);
		return err ? RTG_EXIT_KERNEL : RTG_EXIT_OK;
	}
	err = agent_compile_policies(&a.opts, a.probe, &a.comp[0]);
	if (err) {
		free(a.probe);
		return RTG_EXIT_INPUT;
	}
	if (open_output(&a))
		goto out;
	pco.cgroup2_root = a.probe->mounts.cgroup2;
	a.pc = proc_cache_new(&pco);
	a.dec = a.pc ? decoder_new(a.pc) : NULL;
	if (!a.dec)
		goto out;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (load_and_attach(&a))
		goto out;
	maps_rule_fds(a.skel, &fds);
	if (a.adopted) {
		/* the previous agent's programs still read the generation in
		 * force: fill the other one, then flip */
		uint8_t ng = maps_active_gen(a.skel) ^ 1;

		a.comp[ng] = a.comp[0];
		if (ng)
			a.comp[0] = NULL;
		maps_purge_gen(a.skel, ng);
		a.gen = ng;
	}
	err = policy_apply(a.comp[a.gen], a.gen, &fds);
	if (err) {
		log_err("cannot write policy maps: %s", strerror(-err));
		goto out;
	}
	stats_set_policies(&a.stats, a.comp[a.gen]);
	cfg_write(&a);
	a.rb = ring_buffer__new(bpf_map__fd(a.skel->maps.events), on_ringbuf,
				&a, NULL);
	if (!a.rb) {
		log_err("cannot set up the ring buffer: %s", strerror(errno));
		goto out;
	}
	if (attach_all(&a))
		goto out;
	if (a.pin_dir[0] &&
	    pin_links(a.skel, a.cg_links,
		      (const char *const[]){ "connect4_root", "connect6_root" },
		      2, a.pin_dir))
		goto out;
	if (a.adopted)
		log_info("took over from the previous agent's pinned programs in %s",
			 a.pin_dir);
	/* after attaching: nothing that starts from now on is missed */
	proc_cache_seed(a.pc, "/proc");
	maps_seed_procs(a.skel, a.pc);
	/* the fanotify group exists whenever fanotify is the exec/open
	 * backend, even with no `equal` path yet: a reload can add one after
	 * CAP_SYS_ADMIN is gone */
	probe_backends(a.probe, &be);
	if (be.fanotify && !be.lsm && start_enforcer(&a, a.comp[a.gen], a.gen))
		goto out;
	watch_policies(&a);
	/* self-measurement, /metrics and the socket (user/ops/metrics.h,
	 * user/ops/server.h): address and socket problems are bad input */
	a.metrics = metrics_new(a.skel->obj, bpf_map__fd(a.skel->maps.events),
				bpf_map__max_entries(a.skel->maps.events));
	if (!a.metrics)
		goto out;
	src.counters = &a.stats;
	src.metrics = a.metrics;
	src.probe = a.probe;
	src.dry_run = a.opts.dry_run;
	if ((a.opts.metrics_addr &&
	     metrics_serve(a.metrics, a.opts.metrics_addr,
			   a.opts.metrics_allow_remote)) ||
	    server_start(&a.srv, a.opts.socket_path, &src)) {
		ret = RTG_EXIT_INPUT;
		goto out;
	}
	/* from here on nothing needs more than privs.h keeps; the threads
	 * start after the drop so that none holds more */
	privs_drop();
	if ((a.enf && enforcer_run(a.enf)) || metrics_start(a.metrics))
		goto out;
	stats_sync(&a);
	metrics_update(a.metrics, &a.stats);
	log_info("enforcement: exec/open deny by %s, connect deny by %s%s",
		 probe_ok(a.probe, RTG_FEAT_LSM) ? "BPF LSM" :
		 probe_ok(a.probe, RTG_FEAT_FANOTIFY_PERM) ?
						   "fanotify (equal paths) and SIGKILL (prefix/suffix)" :
						   "SIGKILL",
		 "cgroup/connect4|6", a.opts.dry_run ? " [dry-run: nothing is enforced]" : "");
	log_info("running");
	err = run_loop(&a);
	print_counters(&a);
	ret = err ? RTG_EXIT_KERNEL : RTG_EXIT_OK;
out:
	agent_destroy(&a);
	return ret;
}
