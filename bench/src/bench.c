// SPDX-License-Identifier: GPL-2.0
/*
 * rtguard bench [--workloads LIST] [--rounds N] [--quick] [--policy FILE]
 *               [--out DIR]
 * rtguard bench compare DIR_A DIR_B
 *
 * Runs each workload in every available configuration (off, floor, on,
 * auditd, bpftrace), interleaved round by round with the order rotated each
 * round, and writes results.json, results.csv, report.md and chart.svg.
 * See DESIGN.md §6 and bench/README.md.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "bench_stats.h"
#include "cmds.h"
#include "log.h"

static volatile sig_atomic_t bench_interrupted;

static void on_signal(int sig)
{
	(void)sig;
	bench_interrupted = 1;
}

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: rtguard bench [--workloads LIST] [--rounds N] [--quick]\n"
	    "                     [--configs LIST] [--max-rounds N] [--policy "
	    "FILE]\n"
	    "                     [--out DIR]\n"
	    "       rtguard bench compare DIR_A DIR_B\n"
	    "  --workloads LIST  comma-separated: "
	    "nginx,redis,unpack,zstd,micro "
	    "(default all)\n"
	    "  --configs LIST    off,floor,on,auditd,bpftrace (default all "
	    "available; off always)\n"
	    "  --rounds N        rounds per workload (default 5, --quick 3)\n"
	    "  --max-rounds N    cap of the pts rule (default 2 x rounds; "
	    "--quick: no extension)\n"
	    "  --quick           short durations: a few minutes in all\n"
	    "  --policy FILE     policy of the `on` configuration (default: "
	    "the embedded one)\n"
	    "  --out DIR         output directory (default "
	    "bench-results/<timestamp>)\n");
}

static int parse_workloads(struct bench_opts *o, const char *list)
{
	char buf[256], *tok, *save = NULL;
	int w;

	memset(o->wl_on, 0, sizeof(o->wl_on));
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (w = 0; w < WL_MAX; w++)
			if (!strcmp(tok, bench_wl_name(w)))
				break;
		if (w == WL_MAX) {
			log_err("unknown workload '%s' (nginx, redis, unpack, "
				"zstd, micro)",
				tok);
			return -EINVAL;
		}
		o->wl_on[w] = true;
	}
	return 0;
}

static int parse_configs(struct bench_opts *o, const char *list)
{
	char buf[256], *tok, *save = NULL;
	int c;

	memset(o->conf_on, 0, sizeof(o->conf_on));
	o->conf_on[CONF_OFF] = true; /* the baseline of every change */
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (c = 0; c < CONF_MAX; c++)
			if (!strcmp(tok, bench_conf_name(c)))
				break;
		if (c == CONF_MAX) {
			log_err("unknown configuration '%s' (off, floor, on, "
				"auditd, bpftrace)",
				tok);
			return -EINVAL;
		}
		o->conf_on[c] = true;
	}
	return 0;
}

static int parse_args(struct bench_opts *o, int argc, char **argv)
{
	static const struct option lo[] = {
	    {"workloads", required_argument, NULL, 'w'},
	    {"configs", required_argument, NULL, 'c'},
	    {"rounds", required_argument, NULL, 'r'},
	    {"max-rounds", required_argument, NULL, 'm'},
	    {"quick", no_argument, NULL, 'q'},
	    {"policy", required_argument, NULL, 'p'},
	    {"out", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	int c, w, rounds = 0, maxr = 0;
	size_t len = 0;

	for (w = 0; w < WL_MAX; w++)
		o->wl_on[w] = true;
	for (w = 0; w < CONF_MAX; w++)
		o->conf_on[w] = true;
	for (c = 0; c < argc && len + 2 < sizeof(o->cmdline); c++)
		len += snprintf(o->cmdline + len, sizeof(o->cmdline) - len,
				"%s%s", c ? " " : "rtguard ", argv[c]);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'w':
			if (parse_workloads(o, optarg))
				return -EINVAL;
			break;
		case 'c':
			if (parse_configs(o, optarg))
				return -EINVAL;
			break;
		case 'r':
			rounds = atoi(optarg);
			if (rounds < 1 || rounds > BENCH_MAX_ROUNDS) {
				log_err("--rounds: 1 to %d", BENCH_MAX_ROUNDS);
				return -EINVAL;
			}
			break;
		case 'm':
			maxr = atoi(optarg);
			if (maxr < 1 || maxr > BENCH_MAX_ROUNDS) {
				log_err("--max-rounds: 1 to %d",
					BENCH_MAX_ROUNDS);
				return -EINVAL;
			}
			break;
		case 'q':
			o->quick = true;
			break;
		case 'p':
			if (access(optarg, R_OK)) {
				log_err("--policy %s: %s", optarg,
					strerror(errno));
				return -EINVAL;
			}
			o->policy = optarg;
			break;
		case 'o':
			snprintf(o->out, sizeof(o->out), "%s", optarg);
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		log_err("unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	o->rounds = rounds ?: (o->quick ? 3 : 5);
	o->max_rounds = maxr ?: (o->quick ? o->rounds : 2 * o->rounds);
	if (o->max_rounds > BENCH_MAX_ROUNDS)
		o->max_rounds = BENCH_MAX_ROUNDS;
	if (o->max_rounds < o->rounds)
		o->max_rounds = o->rounds;
	if (!o->out[0]) {
		time_t t = time(NULL);
		struct tm tm;
		char ts[32];

		gmtime_r(&t, &tm);
		strftime(ts, sizeof(ts), "%Y%m%d-%H%M%S", &tm);
		snprintf(o->out, sizeof(o->out), "bench-results/%s", ts);
	}
	return 0;
}

static void machine_info(struct bench *b)
{
	char buf[8192], *p;
	struct utsname u;
	time_t t = time(NULL);
	struct tm tm;

	snprintf(b->m.cpu, sizeof(b->m.cpu), "unknown");
	if (bench_read_file("/proc/cpuinfo", buf, sizeof(buf)) > 0 &&
	    (p = strstr(buf, "model name"))) {
		p = strchr(p, ':');
		if (p) {
			p += 2;
			snprintf(b->m.cpu, sizeof(b->m.cpu), "%.*s",
				 (int)strcspn(p, "\n"), p);
		}
	}
	b->m.cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (bench_read_file("/proc/meminfo", buf, sizeof(buf)) > 0 &&
	    (p = strstr(buf, "MemTotal:")))
		b->m.mem_bytes = strtoull(p + 9, NULL, 10) * 1024;
	if (!uname(&u))
		snprintf(b->m.kernel, sizeof(b->m.kernel), "%.40s %.80s %.30s",
			 u.sysname, u.release, u.machine);
	gmtime_r(&t, &tm);
	strftime(b->m.date, sizeof(b->m.date), "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* bench/ next to the binary (a clone), else the installed copy. */
static int find_paths(struct bench *b)
{
	const char *env = getenv("RTG_BENCH_DIR");
	char exe[512], dir[512], probe[600];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return -errno;
	exe[n] = '\0';
	snprintf(b->o.self, sizeof(b->o.self), "%s", exe);
	snprintf(dir, sizeof(dir), "%s", exe);
	if (env && *env)
		snprintf(b->o.bench_dir, sizeof(b->o.bench_dir), "%s", env);
	else
		snprintf(b->o.bench_dir, sizeof(b->o.bench_dir), "%s/bench",
			 dirname(dir));
	snprintf(probe, sizeof(probe), "%s/nginx.conf.in", b->o.bench_dir);
	if (!access(probe, R_OK))
		return 0;
	snprintf(b->o.bench_dir, sizeof(b->o.bench_dir),
		 "/usr/local/share/rtguard/bench");
	snprintf(probe, sizeof(probe), "%s/nginx.conf.in", b->o.bench_dir);
	if (!access(probe, R_OK))
		return 0;
	log_err("cannot find the bench/ directory with the workload configs "
		"(next to %s, or set RTG_BENCH_DIR)",
		exe);
	return -ENOENT;
}

/* Installs missing workload packages with scripts/deps.sh when root. */
static void install_deps(struct bench *b)
{
	static const char *const progs[] = {
	    "nginx",   "wrk",	   "redis-server", "redis-benchmark", "zstd",
	    "openssl", "auditctl", "bpftrace",	   "mkfs.ext4",	      "xz",
	    NULL};
	char script[600], out[4096];
	char *argv[] = {"bash", script, "bench", NULL};
	bool missing = access("/usr/src/linux-source-6.1.tar.xz", R_OK) != 0;
	int i, err;

	for (i = 0; progs[i]; i++)
		missing |= !bench_have(progs[i]);
	if (!missing || geteuid() != 0)
		return;
	snprintf(script, sizeof(script), "%s/../scripts/deps.sh",
		 b->o.bench_dir);
	if (access(script, R_OK)) {
		log_warn("some workload packages are missing and %s is not "
			 "there: workloads without them are skipped",
			 script);
		return;
	}
	log_info(
	    "installing the missing workload packages (scripts/deps.sh bench)");
	err = bench_run_cmd(argv, out, sizeof(out), 900);
	if (err)
		log_warn("scripts/deps.sh bench failed (%d): %.300s", err, out);
}

static int add_metrics(struct bench *b, int wl, int *first)
{
	const char **names, **units;
	const bool *higher;
	int n = bench_wl_metrics(wl, &names, &units, &higher), i, c, r;

	if (b->nmetrics + n > BENCH_MAX_METRICS)
		return -E2BIG;
	*first = b->nmetrics;
	for (i = 0; i < n; i++) {
		struct bench_metric *m = &b->metrics[b->nmetrics++];

		m->wl = wl;
		snprintf(m->name, sizeof(m->name), "%s", names[i]);
		snprintf(m->unit, sizeof(m->unit), "%s", units[i]);
		m->higher_better = higher[i];
		for (c = 0; c < CONF_MAX; c++)
			for (r = 0; r < BENCH_MAX_ROUNDS; r++)
				m->v[c][r] = NAN;
	}
	return n;
}

static struct bench_run *new_run(struct bench *b)
{
	if (b->nruns == b->runs_cap) {
		int cap = b->runs_cap ? 2 * b->runs_cap : 64;
		struct bench_run *r = realloc(b->runs, sizeof(*r) * cap);

		if (!r)
			return NULL;
		b->runs = r;
		b->runs_cap = cap;
	}
	memset(&b->runs[b->nruns], 0, sizeof(b->runs[0]));
	return &b->runs[b->nruns++];
}

static double attach_secs(int conf)
{
	return conf == CONF_ON	       ? 2
	       : conf == CONF_BPFTRACE ? 4
	       : conf == CONF_AUDITD   ? 2
				       : 0.2;
}

static void fmt_dur(double s, char *buf, size_t sz)
{
	if (s >= 3600)
		snprintf(buf, sz, "%dh%02dm", (int)(s / 3600),
			 (int)fmod(s / 60, 60));
	else if (s >= 60)
		snprintf(buf, sz, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
	else
		snprintf(buf, sz, "%ds", (int)s);
}

struct progress {
	int confs[CONF_MAX], nc;
	double est_run[WL_MAX]; /* seconds per run, refined as runs finish */
	double done_secs[WL_MAX];
	int done_runs[WL_MAX];
};

static double time_left(const struct bench *b, const struct progress *p, int wl,
			int runs_left_in_wl)
{
	double left = 0;
	int w;

	for (w = wl; w < WL_MAX; w++) {
		double per;
		int runs;

		if (!b->o.wl_on[w] || !b->wl_ok[w])
			continue;
		per = p->done_runs[w] ? p->done_secs[w] / p->done_runs[w]
				      : p->est_run[w];
		runs = w == wl ? runs_left_in_wl : b->o.rounds * p->nc;
		left += per * runs;
	}
	return left;
}

/* One workload run in one configuration. */
static void run_one(struct bench *b, int wl, int conf, int round, int first,
		    int nm)
{
	struct bench_conf_state *cs = NULL;
	struct bench_wl_state *ws = NULL;
	struct bench_run *run = new_run(b);
	double vals[BENCH_MAX_METRICS], t0 = bench_now();
	int i, err;

	if (!run)
		return;
	run->wl = wl;
	run->conf = conf;
	run->round = round;
	for (i = 0; i < nm; i++)
		vals[i] = NAN;
	err = bench_conf_attach(b, conf, &cs);
	if (err) {
		log_warn("%s: cannot attach %s: %s", bench_wl_name(wl),
			 bench_conf_name(conf), b->conf_why[conf]);
		goto out;
	}
	err = bench_wl_start(b, wl, &ws);
	if (!err) {
		err = bench_wl_measure(b, wl, ws, vals);
		bench_wl_stop(b, wl, ws);
	}
	bench_conf_detach(b, cs, run);
	if (err)
		log_warn("%s under %s, round %d: %s: sample discarded",
			 bench_wl_name(wl), bench_conf_name(conf), round + 1,
			 strerror(-err));
	else
		for (i = 0; i < nm; i++)
			b->metrics[first + i].v[conf][round] = vals[i];
	if (wl == WL_MICRO && conf == CONF_ON && !bench_interrupted) {
		err = bench_storm(b, run);
		if (err)
			log_warn("event storm: %s", strerror(-err));
	}
out:
	run->seconds = bench_now() - t0;
}

static bool wl_unstable(const struct bench *b, int first, int nm,
			const struct progress *p)
{
	int i, k;

	for (i = 0; i < nm; i++) {
		const struct bench_metric *m = &b->metrics[first + i];

		for (k = 0; k < p->nc; k++) {
			struct bench_stats s;

			stats_summary(m->v[p->confs[k]], b->wl_rounds[m->wl],
				      &s);
			if (stats_pts_unstable(&s))
				return true;
		}
	}
	return false;
}

static void run_workload(struct bench *b, int wl, struct progress *p, int *step)
{
	int first, nm = add_metrics(b, wl, &first), r, k;

	if (nm < 0)
		return;
	for (r = 0; r < b->o.max_rounds && !bench_interrupted; r++) {
		if (r >= b->o.rounds) {
			if (!wl_unstable(b, first, nm, p))
				break;
			log_info("%s: stddev >= 2.5 %% of the mean: one more "
				 "round (pts rule)",
				 bench_wl_name(wl));
		}
		for (k = 0; k < p->nc && !bench_interrupted; k++) {
			int conf = p->confs[(k + r) % p->nc];
			int left_runs =
			    (b->o.rounds > r ? b->o.rounds - r : 1) * p->nc - k;
			double t0 = bench_now();
			char eta[32];

			fmt_dur(time_left(b, p, wl, left_runs), eta,
				sizeof(eta));
			(*step)++;
			log_info(
			    "[%d] %s · %s · round %d/%d · ~%s left", *step,
			    bench_wl_name(wl), bench_conf_name(conf), r + 1,
			    b->o.rounds > r + 1 ? b->o.rounds : r + 1, eta);
			b->wl_rounds[wl] = r + 1;
			run_one(b, wl, conf, r, first, nm);
			p->done_secs[wl] += bench_now() - t0;
			p->done_runs[wl]++;
		}
	}
}

/* A configuration that could not attach in any run (e.g. another audit
 * daemon came up after the probe) is reported as not run, with the reason. */
static void drop_empty_confs(struct bench *b)
{
	char why[256];
	int c, i, r;

	for (c = CONF_FLOOR; c < CONF_MAX; c++) {
		bool any = false;

		if (!b->conf_ok[c])
			continue;
		for (i = 0; i < b->nmetrics && !any; i++)
			for (r = 0; r < b->wl_rounds[b->metrics[i].wl]; r++)
				any |= !isnan(b->metrics[i].v[c][r]);
		if (any || !b->nmetrics)
			continue;
		bench_fmt(why, sizeof(why), "failed in every run: %s",
			  b->conf_why[c][0] ? b->conf_why[c] : "see the log");
		memcpy(b->conf_why[c], why, sizeof(why));
		b->conf_ok[c] = false;
		log_warn("configuration %s %s", bench_conf_name(c), why);
	}
}

static int bench_main(struct bench *b)
{
	struct progress p = {};
	struct sigaction sa = {.sa_handler = on_signal};
	double total = 0;
	char eta[32], tmpl[] = "/tmp/rtguard-bench.XXXXXX";
	int c, w, step = 0, err;

	b->started = bench_now();
	b->ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (b->ncpu < 1)
		b->ncpu = 1;
	machine_info(b);
	err = find_paths(b);
	if (err)
		return RTG_EXIT_INPUT;
	if (geteuid() != 0)
		log_warn("not root: only the `off` configuration can run");
	install_deps(b);
	if (!mkdtemp(tmpl)) {
		log_err("mkdtemp: %s", strerror(errno));
		return RTG_EXIT_KERNEL;
	}
	snprintf(b->work, sizeof(b->work), "%s", tmpl);
	err = bench_mkdirs(b->o.out);
	if (err) {
		log_err("cannot create %s: %s", b->o.out, strerror(-err));
		goto cleanup;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	for (c = 0; c < CONF_MAX; c++) {
		if (!b->o.conf_on[c]) {
			bench_fmt(b->conf_why[c], sizeof(b->conf_why[c]),
				  "not selected (--configs)");
			continue;
		}
		b->conf_ok[c] = c == CONF_OFF || !bench_conf_probe(b, c);
		if (b->conf_ok[c])
			p.confs[p.nc++] = c;
		else
			log_warn("configuration %s skipped: %s",
				 bench_conf_name(c), b->conf_why[c]);
	}
	for (w = 0; w < WL_MAX; w++) {
		if (!b->o.wl_on[w])
			continue;
		b->wl_ok[w] = !bench_wl_prepare(b, w);
		if (!b->wl_ok[w]) {
			log_warn("workload %s skipped: %s", bench_wl_name(w),
				 b->wl_why[w][0] ? b->wl_why[w]
						 : "preparation failed");
			continue;
		}
		p.est_run[w] = bench_wl_est_secs(b, w);
		for (c = 0; c < p.nc; c++)
			total += (p.est_run[w] + attach_secs(p.confs[c])) *
				 b->o.rounds;
		p.est_run[w] = p.est_run[w] + 1.5;
	}
	fmt_dur(total, eta, sizeof(eta));
	log_info("%s mode: %d configurations x %d rounds (up to %d by the pts "
		 "rule); estimated %s in all; results in %s",
		 b->o.quick ? "quick" : "full", p.nc, b->o.rounds,
		 b->o.max_rounds, eta, b->o.out);
	for (w = 0; w < WL_MAX && !bench_interrupted; w++) {
		if (!b->o.wl_on[w] || !b->wl_ok[w])
			continue;
		run_workload(b, w, &p, &step);
		/* partial outputs after each workload: a long run that is
		 * killed still leaves what it measured */
		bench_write_outputs(b);
	}
	if (bench_interrupted)
		log_warn("interrupted: writing what was measured so far");
	drop_empty_confs(b);
	err = bench_write_outputs(b);
	if (!err)
		log_info("done in %.0f s: %s/report.md, results.json, "
			 "results.csv, chart.svg",
			 bench_now() - b->started, b->o.out);
cleanup:
	bench_rm_rf(b->work);
	return err ? RTG_EXIT_KERNEL : RTG_EXIT_OK;
}

int cmd_bench(int argc, char **argv)
{
	struct bench *b;
	int err;

	if (argc > 1 && !strcmp(argv[1], "compare")) {
		if (argc != 4) {
			usage(stderr);
			return RTG_EXIT_INPUT;
		}
		return bench_compare(argv[2], argv[3]) ? RTG_EXIT_INPUT
						       : RTG_EXIT_OK;
	}
	b = calloc(1, sizeof(*b));
	if (!b) {
		log_err("out of memory");
		return RTG_EXIT_KERNEL;
	}
	err = parse_args(&b->o, argc, argv);
	if (err) {
		free(b);
		return err > 0 ? RTG_EXIT_OK : RTG_EXIT_INPUT;
	}
	err = bench_main(b);
	free(b->runs);
	free(b);
	return err;
}
