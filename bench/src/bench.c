// SPDX-License-Identifier: GPL-2.0
/*
 * rtguard bench [--workloads LIST] [--rounds N] [--quick] [--policy FILE]
 *               [--out DIR] [--bpf-stats]
 * rtguard bench compare DIR_A DIR_B
 *
 * Runs each workload in every available configuration (off, floor, on,
 * auditd, bpftrace), interleaved round by round with the order rotated each
 * round, and writes results.json, results.csv, report.md and chart.svg.
 * See bench/README.md.
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "cmds.h"
#include "log.h"

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: rtguard bench [--workloads LIST] [--rounds N] [--quick]\n"
	    "                     [--configs LIST] [--max-rounds N] [--policy "
	    "FILE]\n"
	    "                     [--out DIR] [--bpf-stats]\n"
	    "       rtguard bench compare DIR_A DIR_B\n"
	    "  --workloads LIST  comma-separated: "
	    "nginx,redis,unpack,zstd,micro,storm "
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
	    "bench-results/<timestamp>)\n"
	    "  --bpf-stats       kernel BPF run-time statistics on for every "
	    "configuration\n"
	    "                    (ns per program; they cost every BPF program, "
	    "so off by default)\n");
}

/* A comma-separated list of names into on[0..n): name(k) names item k. */
static int parse_list(const char *list, const char *what,
		      const char *(*name)(int), int n, bool *on)
{
	char buf[256], *tok, *save = NULL;
	int k;

	memset(on, 0, sizeof(*on) * n);
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (k = 0; k < n; k++)
			if (!strcmp(tok, name(k)))
				break;
		if (k == n) {
			char all[128];
			size_t len = 0;

			for (k = 0; k < n && len + 2 < sizeof(all); k++)
				len += snprintf(all + len, sizeof(all) - len,
						"%s%s", k ? ", " : "", name(k));
			log_err("unknown %s '%s' (%s)", what, tok, all);
			return -EINVAL;
		}
		on[k] = true;
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
	    {"bpf-stats", no_argument, NULL, 's'},
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
			if (parse_list(optarg, "workload", bench_wl_name,
				       WL_MAX, o->wl_on))
				return -EINVAL;
			break;
		case 'c':
			if (parse_list(optarg, "configuration", bench_conf_name,
				       CONF_MAX, o->conf_on))
				return -EINVAL;
			/* the baseline of every change */
			o->conf_on[CONF_OFF] = true;
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
		case 's':
			o->bpf_stats = true;
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
/* kernel.bpf_stats_enabled, which shows what was written to it (not who
 * holds the statistics on with a BPF_ENABLE_STATS fd). Written 1 by
 * someone, it puts clock reads into every BPF program of every
 * configuration: the bench writes 0 for its run (on false) and 1 back
 * after (on true). Returns whether it wrote 0. */
static bool stats_sysctl(bool on)
{
	const char *path = "/proc/sys/kernel/bpf_stats_enabled";
	char c = '0';
	int fd = open(path, O_RDWR | O_CLOEXEC);
	bool wrote = false;

	if (fd < 0)
		return false;
	if (on) {
		wrote = write(fd, "1", 1) == 1;
	} else if (read(fd, &c, 1) == 1 && c == '1') {
		wrote = pwrite(fd, "0", 1, 0) == 1;
		if (wrote)
			log_warn("kernel.bpf_stats_enabled was 1: 0 for the "
				 "bench (the statistics would cost every "
				 "configuration), 1 again after");
	}
	close(fd);
	return wrote;
}

static int bench_main(struct bench *b)
{
	char tmpl[] = "/tmp/rtguard-bench.XXXXXX";
	bool sysctl_restore = false;
	int err;

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
	/* One setting for every configuration: the statistics add clock reads
	 * to every BPF program, so floor and on are only comparable alike. */
	if (b->o.bpf_stats) {
		b->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (b->stats_fd < 0) {
			log_err("--bpf-stats: bpf_enable_stats: %s",
				strerror(-b->stats_fd));
			return RTG_EXIT_KERNEL;
		}
	} else {
		sysctl_restore = stats_sysctl(false);
	}
	if (!mkdtemp(tmpl)) {
		log_err("mkdtemp: %s", strerror(errno));
		return RTG_EXIT_KERNEL;
	}
	snprintf(b->work, sizeof(b->work), "%s", tmpl);
	err = bench_mkdirs(b->o.out);
	if (err)
		log_err("cannot create %s: %s", b->o.out, strerror(-err));
	else
		err = bench_run_all(b);
	bench_rm_rf(b->work);
	if (b->stats_fd >= 0)
		close(b->stats_fd);
	if (sysctl_restore)
		stats_sysctl(true);
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
	b->stats_fd = -1;
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
