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
#include <malloc.h>
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
/* free heap kept before it is handed back (checked every 10 s) */
#define HEAP_TRIM_BYTES (2u << 20)

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
		.workloads = a->wl,
	};

	a->metrics = metrics_new(a->skel->obj, a->opts.bpf_stats);
	if (!a->metrics)
		return -ENOMEM;
	metrics_add_ring(a->metrics, "events",
			 bpf_map__fd(a->skel->maps.events),
			 bpf_map__max_entries(a->skel->maps.events));
	metrics_add_ring(a->metrics, "enforce",
			 bpf_map__fd(a->skel->maps.enforce_events),
			 bpf_map__max_entries(a->skel->maps.enforce_events));
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

	for (t = RTG_EV_EXEC; t < RTG_EV_MAX; t++) {
		if (!type_is_event(t))
			continue;
		n = s->lost[type_loss(t)];
		lost += n;
		log_info("%-8s audit=%llu deny=%llu kill=%llu lost=%llu",
			 type_name(t),
			 (unsigned long long)s->events[t][RTG_ACT_AUDIT],
			 (unsigned long long)s->events[t][RTG_ACT_DENY],
			 (unsigned long long)s->events[t][RTG_ACT_KILL],
			 (unsigned long long)n);
	}
	n = s->lost[RTG_LOSS_RB_ENFORCE];
	lost += n;
	log_info("total lost=%llu (deny/kill records %llu) decode_errors=%llu "
		 "reloads ok=%llu failed=%llu",
		 (unsigned long long)lost, (unsigned long long)n,
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
	ring_buffer__free(a->rb_enforce);
	agent_unload(a);
	for (i = 0; i < RTG_NGEN; i++)
		policy_compiled_free(a->comp[i]);
	decoder_free(a->dec);
	agent_workloads_close(a);
	proc_cache_free(a->pc);
	if (a->out)
		output_flush(a->out);
	output_free(a->out);
	if (a->out_file)
		fclose(a->out_file);
	else if (a->out_buf)
		setvbuf(stdout, NULL, _IONBF, 0); /* stdout outlives out_buf */
	free(a->out_buf);
	if (a->epfd >= 0)
		close(a->epfd);
	if (a->inotify_fd >= 0)
		close(a->inotify_fd);
	free(a->probe);
}

/* Big buffers (a parse of the kernel's 5 MiB BTF, by libbpf and by each
 * of the probe's trial threads) straight from mmap and back to it when
 * freed, and heaps trimmed above 1 MiB of free top: malloc's dynamic
 * thresholds would otherwise grow past them, and the threads' arenas
 * would keep such buffers resident for the agent's life (malloc_trim()
 * does not trim an arena's top). */
static void heap_setup(void)
{
	mallopt(M_MMAP_THRESHOLD, 256 << 10);
	mallopt(M_TRIM_THRESHOLD, 1 << 20);
}

/* Gives the heap's free memory back to the system when there is much of
 * it. Start-up leaves ~10 MiB freed but kept (libbpf's copy of the
 * kernel's BTF for CO-RE, the probe's trial programs), and an exec storm
 * leaves the process cache's; malloc returns it only from the top of the
 * heap by itself. */
static void heap_trim(bool always)
{
	struct mallinfo2 mi = mallinfo2();

	if (always || mi.fordblks > HEAP_TRIM_BYTES)
		malloc_trim(0);
}

static void epoll_add(int epfd, int fd, uint32_t events)
{
	struct epoll_event ee = { .events = events, .data.fd = fd };

	if (fd >= 0)
		epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ee);
}

static int run_loop(struct agent *a)
{
	struct epoll_event evs[4];
	struct timespec last = { 0 }, now;
	int enf_fd = a->enf ? enforcer_fd(a->enf) : -1;
	int srv_fd = server_fd(a->srv);
	int rb_fd = bpf_map__fd(a->skel->maps.events);
	int enf_rb_fd = bpf_map__fd(a->skel->maps.enforce_events);
	/* what arrived since attaching (no wake-up for it) goes out at once */
	bool more = true;
	int n, i, r, fd;

	a->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (a->epfd < 0)
		return -errno;
	/* The rings themselves, edge-triggered: we wake when a program wakes
	 * us (a batch piled up, or a deny), not whenever a record waits. A
	 * ring polls readable while it holds any data, so level-triggered
	 * (libbpf's own epoll fd) the loop would spin through a storm in
	 * batches of a few records, a write(2) and an epoll_wait each. */
	epoll_add(a->epfd, rb_fd, EPOLLIN | EPOLLET);
	epoll_add(a->epfd, enf_rb_fd, EPOLLIN | EPOLLET);
	epoll_add(a->epfd, enf_fd, EPOLLIN);
	epoll_add(a->epfd, a->inotify_fd, EPOLLIN);
	epoll_add(a->epfd, srv_fd, EPOLLIN);
	while (!sig_stop) {
		/* the programs wake us only when a batch has piled up: drain
		 * on this timer too (the latency of a lone event) */
		n = epoll_wait(a->epfd, evs, 4, more ? 0 : RTG_DRAIN_MS);
		if (n < 0 && errno != EINTR)
			return -errno;
		r = agent_consume(a);
		more = r == -EAGAIN;
		output_flush(a->out);
		for (i = 0; i < n; i++) {
			fd = evs[i].data.fd;
			if (fd == rb_fd || fd == enf_rb_fd) {
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
		server_tick(a->srv);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec != last.tv_sec) {
			last = now;
			agent_report_losses(a);
			agent_workloads_tick(a);
			proc_cache_reap(a->pc);
			output_flush(a->out);
			if (!(now.tv_sec % 10))
				heap_trim(false);
		}
	}
	/* drain what the kernel already wrote */
	while (agent_consume(a) == -EAGAIN)
		;
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

	heap_setup();
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
	if (!a.dec || agent_workloads_open(&a))
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
	a.rb_enforce =
	    ring_buffer__new(bpf_map__fd(a.skel->maps.enforce_events),
			     agent_on_ringbuf, &a, NULL);
	if (!a.rb || !a.rb_enforce) {
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
	heap_trim(true);
	log_info("running");
	err = run_loop(&a);
	print_counters(&a);
	ret = err ? RTG_EXIT_KERNEL : RTG_EXIT_OK;
out:
	agent_destroy(&a);
	return ret;
}
