// SPDX-License-Identifier: GPL-2.0
/*
 * The agent (rtguard without a subcommand): probe, compile policies, load
 * and attach the BPF programs the probe chose, seed processes that predate
 * us, then stream events until SIGINT/SIGTERM; SIGHUP or a change of a
 * policy file reloads atomically, SIGUSR1 reopens the output file. This
 * file holds the order of start-up, the main loop and shutdown; agent.h
 * lists the files that do each step.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "agent.h"
#include "cmds.h"
#include "decode.h"
#include "enforce.h"
#include "log.h"
#include "maps.h"
#include "metrics.h"
#include "output.h"
#include "policy_compile.h"
#include "privs.h"
#include "probe.h"
#include "proc_cache.h"
#include "rtguard.skel.h"
#include "server.h"

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

/* The counters other parts keep, copied into the agent's before metrics
 * or status read them. */
static void stats_sync(struct agent *a)
{
	a->stats.procs_tracked = proc_cache_count(a->pc);
	a->stats.subscribers = server_nsubs(a->srv);
	a->stats.lost[RTG_LOSS_SUBSCRIBER] = server_lost(a->srv);
}

/* The fanotify group exists whenever fanotify is the exec/open backend,
 * even with no `equal` path yet: a reload can add one after CAP_SYS_ADMIN
 * is gone. The main loop polls its fd. */
static int start_enforcer(struct agent *a)
{
	struct rtg_backends be;
	struct rtg_map_fds fds;

	probe_backends(a->probe, &be);
	if (!be.fanotify || be.lsm)
		return 0;
	maps_rule_fds(a->skel, &fds);
	a->enf = enforcer_start(a->comp[a->gen], a->gen, &fds,
				bpf_map__fd(a->skel->maps.procs),
				a->opts.dry_run);
	return a->enf ? 0 : -EIO;
}

/* Self-measurement, /metrics and the socket (user/ops/metrics.h,
 * user/ops/server.h): address and socket problems are bad input. */
static int start_ops(struct agent *a)
{
	struct status_source src = {
		.counters = &a->stats,
		.probe = a->probe,
		.dry_run = a->opts.dry_run,
	};

	a->metrics = metrics_new(a->skel->obj, bpf_map__fd(a->skel->maps.events),
				 bpf_map__max_entries(a->skel->maps.events));
	if (!a->metrics)
		return -ENOMEM;
	src.metrics = a->metrics;
	if ((a->opts.metrics_addr &&
	     metrics_serve(a->metrics, a->opts.metrics_addr,
			   a->opts.metrics_allow_remote)) ||
	    server_start(&a->srv, a->opts.socket_path, &src))
		return -EINVAL;
	return 0;
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
	agent_unload(a);
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

static void epoll_add(int epfd, int fd)
{
	struct epoll_event ee = { .events = EPOLLIN, .data.fd = fd };

	if (fd >= 0)
		epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ee);
}

static int run_loop(struct agent *a)
{
	struct epoll_event evs[4];
	struct timespec last = { 0 }, now;
	int enf_fd = a->enf ? enforcer_fd(a->enf) : -1;
	int srv_fd = server_fd(a->srv);
	int rb_fd = ring_buffer__epoll_fd(a->rb);
	bool more = false;
	int n, i, r, fd;

	a->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (a->epfd < 0)
		return -errno;
	epoll_add(a->epfd, rb_fd);
	epoll_add(a->epfd, enf_fd);
	epoll_add(a->epfd, a->inotify_fd);
	epoll_add(a->epfd, srv_fd);
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
			fd = evs[i].data.fd;
			if (fd == rb_fd) {
				continue; /* drained above */
			} else if (fd == enf_fd) {
				enforcer_drain(a->enf, agent_on_denial, a);
				output_flush(a->out);
			} else if (fd == srv_fd) {
				stats_sync(a);
				server_handle(a->srv);
			} else if (fd == a->inotify_fd &&
				   agent_policies_changed(a)) {
				/* let the writer finish (editors, kubelet) */
				usleep(100 * 1000);
				agent_policies_changed(a);
				sig_reload = 1;
			}
		}
		if (sig_reload) {
			sig_reload = 0;
			agent_reload(a);
		}
		if (sig_reopen) {
			sig_reopen = 0;
			agent_reopen_output(a);
		}
		stats_sync(a);
		metrics_update(a->metrics, &a->stats);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec != last.tv_sec) {
			last = now;
			agent_report_losses(a);
			proc_cache_reap(a->pc);
			output_flush(a->out);
		}
	}
	/* drain what the kernel already wrote */
	do {
		a->batch = 0;
	} while (ring_buffer__consume(a->rb) == -EAGAIN);
	if (a->enf)
		enforcer_drain(a->enf, agent_on_denial, a);
	agent_report_losses(a);
	return 0;
}

/* The order matters: load before the maps are written, the maps before
 * attaching, attaching before seeding (nothing that starts later is
 * missed), the sockets bound before giving up privilege, the threads
 * started after it. */
int cmd_agent(int argc, char **argv)
{
	struct agent a = { .epfd = -1, .inotify_fd = -1, .lock_fd = -1 };
	struct sigaction sa = { .sa_handler = on_signal };
	struct proc_cache_opts pco = {};
	int err, ret = RTG_EXIT_KERNEL;

	err = agent_parse_opts(argc, argv, &a.opts);
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
		ret = agent_unpin(&a);
		free(a.probe);
		return ret;
	}
	err = agent_compile_policies(&a.opts, a.probe, &a.comp[0]);
	if (err) {
		free(a.probe);
		return RTG_EXIT_INPUT;
	}
	if (agent_open_output(&a))
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

	if (agent_load(&a) || agent_install_policies(&a))
		goto out;
	a.rb = ring_buffer__new(bpf_map__fd(a.skel->maps.events),
				agent_on_ringbuf, &a, NULL);
	if (!a.rb) {
		log_err("cannot set up the ring buffer: %s", strerror(errno));
		goto out;
	}
	if (agent_attach(&a))
		goto out;
	proc_cache_seed(a.pc, "/proc");
	maps_seed_procs(a.skel, a.pc, a.comp[a.gen], a.gen);
	if (start_enforcer(&a))
		goto out;
	agent_watch_policies(&a);
	err = start_ops(&a);
	if (err) {
		ret = err == -EINVAL ? RTG_EXIT_INPUT : RTG_EXIT_KERNEL;
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
		 "cgroup/connect4|6",
		 a.opts.dry_run ? " [dry-run: nothing is enforced]" : "");
	log_info("running");
	err = run_loop(&a);
	print_counters(&a);
	ret = err ? RTG_EXIT_KERNEL : RTG_EXIT_OK;
out:
	agent_destroy(&a);
	return ret;
}
