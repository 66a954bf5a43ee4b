// SPDX-License-Identifier: GPL-2.0
/*
 * open_bound: the lower bound of what a sound open decision costs on this
 * machine's hook (open_bound.bpf.c), measured the way `rtguard bench micro`
 * measures opens: an open+close loop pinned to the last CPU, configurations
 * alternated within each round, medians over rounds.
 *
 *   open_bound [--rounds N] [--ops N] [--file PATH]
 *
 * Configurations: off (nothing attached), empty (bound_empty) and decide
 * (bound_decide). Each round times each configuration (the fastest of
 * three loops of --ops opens); a last pass per program reads its own time
 * per run from the kernel's BPF run-time statistics, which are on only
 * then. PATH's first component is put in the component table, so that
 * the decision walks to the top and descends two levels, as rtguard's
 * pre-filter does for a file under /etc/.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_stats.h"
#include "log.h"
#include "open_bound.h"
#include "open_bound.skel.h"

#define MAX_ROUNDS 50

enum { CONF_OFF, CONF_EMPTY, CONF_DECIDE, NCONF };
static const char *const conf_name[NCONF] = {"off", "empty", "decide"};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* ns per open+close, the fastest of three loops of ops */
static double loop_open(const char *path, long ops)
{
	double best = INFINITY;

	for (int k = 0; k < 3; k++) {
		double t0 = now_ns();

		for (long i = 0; i < ops; i++) {
			int fd = open(path, O_RDONLY);

			if (fd < 0)
				return NAN;
			close(fd);
		}
		double t = (now_ns() - t0) / ops;
		if (t < best)
			best = t;
	}
	return best;
}

static int pin_last_cpu(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(n > 0 ? n - 1 : 0, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/* the table: PATH's first component under the root; every length at the
 * second level, so that the leaf is probed too */
static int fill_table(struct open_bound_bpf *skel, const char *path)
{
	static struct bound_table t;
	const char *c = path + strspn(path, "/");
	size_t len = strcspn(c, "/");
	__u32 zero = 0;
	__u64 w = 0;

	if (!len || len > 8 || !c[len]) {
		log_err("open_bound: --file %s: its first component must be a "
			"directory name of 1 to 8 bytes",
			path);
		return -1;
	}
	memcpy(&w, c, len);
	t.classes = ~0ULL;
	t.lens[0] = 1ULL << len;
	t.lens[1] = ~0ULL;
	t.below[1] = 1;
	t.slot[rtg_trie_hash(0, len, w)] = w;
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.bound_table), &zero, &t,
				0)) {
		log_err("open_bound: filling the table: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static struct open_bound_bpf *attach(int conf, const char *path)
{
	struct open_bound_bpf *skel = open_bound_bpf__open();
	struct bpf_link *l;

	if (!skel) {
		log_err("open_bound: opening the BPF object: %s",
			strerror(errno));
		return NULL;
	}
	bpf_program__set_autoload(skel->progs.bound_empty, conf == CONF_EMPTY);
	bpf_program__set_autoload(skel->progs.bound_decide,
				  conf == CONF_DECIDE);
	if (open_bound_bpf__load(skel) || fill_table(skel, path))
		goto fail;
	l = bpf_program__attach(conf == CONF_EMPTY ? skel->progs.bound_empty
						   : skel->progs.bound_decide);
	if (!l)
		goto fail;
	if (conf == CONF_EMPTY)
		skel->links.bound_empty = l;
	else
		skel->links.bound_decide = l;
	return skel;
fail:
	log_err("open_bound: loading or attaching %s: %s", conf_name[conf],
		strerror(errno));
	open_bound_bpf__destroy(skel);
	return NULL;
}

/* the program's own ns per run, from the run-time statistics */
static double prog_ns(int conf, const char *path, long ops, __u64 *hits,
		      __u64 *undecided)
{
	struct open_bound_bpf *skel = attach(conf, path);
	struct bpf_prog_info a = {}, b = {};
	__u32 sz = sizeof(a);
	int fd, sfd;
	double r = NAN;

	if (!skel)
		return NAN;
	fd = bpf_program__fd(conf == CONF_EMPTY ? skel->progs.bound_empty
						: skel->progs.bound_decide);
	sfd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (sfd < 0) {
		log_err("open_bound: BPF run-time statistics: %s",
			strerror(errno));
		goto out;
	}
	loop_open(path, ops / 10);
	skel->bss->bound_hits = skel->bss->bound_undecided = 0;
	if (!bpf_obj_get_info_by_fd(fd, &a, &sz)) {
		loop_open(path, ops);
		sz = sizeof(b);
		if (!bpf_obj_get_info_by_fd(fd, &b, &sz) &&
		    b.run_cnt > a.run_cnt)
			r = (double)(b.run_time_ns - a.run_time_ns) /
			    (b.run_cnt - a.run_cnt);
	}
	*hits = skel->bss->bound_hits;
	*undecided = skel->bss->bound_undecided;
	close(sfd);
out:
	open_bound_bpf__destroy(skel);
	return r;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: open_bound [--rounds N] [--ops N] [--file PATH]\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"rounds", required_argument, NULL, 'r'},
	    {"ops", required_argument, NULL, 'n'},
	    {"file", required_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	double v[NCONF][MAX_ROUNDS], d[NCONF][MAX_ROUNDS], own[NCONF] = {NAN};
	const char *path = "/etc/hostname";
	struct bench_stats s[NCONF], sd[NCONF];
	__u64 hits = 0, undecided = 0, h = 0, u = 0;
	int rounds = 5, c;
	long ops = 1000000;
	char *end;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			rounds = strtol(optarg, &end, 10);
			if (*end || rounds < 1 || rounds > MAX_ROUNDS) {
				log_err("open_bound: --rounds %s: 1 to %d",
					optarg, MAX_ROUNDS);
				return RTG_EXIT_INPUT;
			}
			break;
		case 'n':
			ops = strtol(optarg, &end, 10);
			if (*end || ops < 1000) {
				log_err("open_bound: --ops %s: 1000 or more",
					optarg);
				return RTG_EXIT_INPUT;
			}
			break;
		case 'f':
			path = optarg;
			break;
		case 'h':
			usage();
			return RTG_EXIT_OK;
		default:
			usage();
			return RTG_EXIT_INPUT;
		}
	}
	if (optind < argc) {
		usage();
		return RTG_EXIT_INPUT;
	}
	if (geteuid()) {
		log_err("open_bound: loading BPF programs needs root");
		return RTG_EXIT_KERNEL;
	}
	if (pin_last_cpu())
		log_warn("open_bound: pinning to the last CPU: %s",
			 strerror(errno));
	for (int r = 0; r < rounds; r++) {
		for (int k = 0; k < NCONF; k++) {
			struct open_bound_bpf *skel = NULL;

			if (k != CONF_OFF && !(skel = attach(k, path)))
				return RTG_EXIT_KERNEL;
			loop_open(path, ops / 5);
			v[k][r] = loop_open(path, ops);
			open_bound_bpf__destroy(skel);
			if (isnan(v[k][r])) {
				log_err("open_bound: open %s: %s", path,
					strerror(errno));
				return RTG_EXIT_INPUT;
			}
		}
		for (int k = 0; k < NCONF; k++)
			d[k][r] = v[k][r] - v[CONF_EMPTY][r];
		log_info("open_bound: round %d: off %.0f, empty %.0f, decide "
			 "%.0f ns/op",
			 r + 1, v[CONF_OFF][r], v[CONF_EMPTY][r],
			 v[CONF_DECIDE][r]);
	}
	for (int k = CONF_EMPTY; k < NCONF; k++) {
		own[k] = prog_ns(k, path, ops, &h, &u);
		if (k == CONF_DECIDE) {
			hits = h;
			undecided = u;
		}
	}
	for (int k = 0; k < NCONF; k++) {
		stats_summary(v[k], rounds, &s[k]);
		stats_summary(d[k], rounds, &sd[k]);
	}
	printf("open+close `%s`, %d rounds of %ld, pinned to the last CPU\n\n",
	       path, rounds, ops);
	printf("| configuration | ns/op (median) | − empty, per round "
	       "(median) | program's own ns/run (statistics on) |\n");
	printf("|---|---:|---:|---:|\n");
	for (int k = 0; k < NCONF; k++) {
		printf("| %s | %.0f | %+.0f | ", conf_name[k], s[k].median,
		       sd[k].median);
		if (k == CONF_OFF)
			printf("|\n");
		else
			printf("%.1f |\n", own[k]);
	}
	/* the statistics pass: three loops of ops */
	printf("\ndecide: %llu of the %ld opens of its statistics pass walked "
	       "to the top and matched the table, %llu opens (of any "
	       "process) were not decided\n",
	       (unsigned long long)hits, 3 * ops,
	       (unsigned long long)undecided);
	/* a decision that did not take the whole path measured less than
	 * it claims */
	if (hits < 3 * (__u64)ops) {
		log_err("open_bound: the decision did not walk %s to the top",
			path);
		return RTG_EXIT_KERNEL;
	}
	return RTG_EXIT_OK;
}
