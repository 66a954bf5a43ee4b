// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of `rtguard bench`: the statistics against values computed
 * independently, and a --quick smoke run of micro and storm whose outputs
 * must all parse, hold every configuration that could run, and add up
 * (storm: events + lost = opens). Timings are never asserted: other tests
 * share the machine.
 *
 * Expected values: t quantiles are the standard table values (the same as
 * scipy.stats.t.ppf(0.975, df)); means, medians and sample standard
 * deviations were computed with Python's `statistics` module and the CI
 * bounds as mean -/+ t * stdev / sqrt(n) in Python, e.g.
 *   statistics.stdev([10.1, 9.8, 10.4, 10.0, 9.7]) = 0.2738612787525832
 *   10 -/+ 2.7764451051977987 * 0.27386... / sqrt(5) = 9.65995631, 10.34004369
 * I_0.5(2, 3) = 11/16 exactly (binomial sum).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_stats.h"
#include "test.h"

#define ASSERT_NEAR(actual, expected, tol, what)                               \
	({                                                                     \
		double ___a = (actual), ___e = (expected);                     \
		bool ___ok = fabs(___a - ___e) <= (tol);                       \
		if (!___ok)                                                    \
			test_fail(__FILE__, __LINE__,                          \
				  "%s: actual %.9g != expected %.9g", (what),  \
				  ___a, ___e);                                 \
		___ok;                                                         \
	})

TEST(bench_stats_t_quantile)
{
	static const struct {
		double df, t;
	} tab[] = {
	    {1, 12.706204736174696},   {2, 4.302652729749464},
	    {3, 3.182446305284263},    {4, 2.7764451051977987},
	    {9, 2.2621571627409915},   {29, 2.045229642132703},
	    {100, 1.9839715184496334},
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		ASSERT_NEAR(stats_t_quantile(0.975, tab[i].df), tab[i].t, 1e-6,
			    "t quantile 0.975");
		ASSERT_NEAR(stats_t_quantile(0.025, tab[i].df), -tab[i].t, 1e-6,
			    "t quantile 0.025");
	}
	ASSERT_NEAR(stats_t_quantile(0.5, 7), 0.0, 1e-6, "median of t");
	ASSERT_NEAR(stats_t_cdf(2.7764451051977987, 4), 0.975, 1e-9, "t cdf");
	ASSERT_NEAR(stats_betai(2, 3, 0.5), 11.0 / 16, 1e-12, "I_0.5(2,3)");
	ASSERT_TRUE(isnan(stats_t_quantile(1.0, 4)), "p = 1 is NAN");
}

TEST(bench_stats_summary)
{
	const double x[] = {10.1, 9.8, 10.4, 10.0, 9.7};
	const double y[] = {204.0, 200.0, NAN, 198.0, 202.0};
	const double one[] = {42.0};
	struct bench_stats s;

	ASSERT_EQ(stats_summary(x, 5, &s), 5, "n");
	ASSERT_NEAR(s.mean, 10.0, 1e-12, "mean");
	ASSERT_NEAR(s.median, 10.0, 1e-12, "median (odd n)");
	ASSERT_NEAR(s.sd, 0.2738612787525832, 1e-12, "stddev");
	ASSERT_NEAR(s.ci_lo, 9.659956309670871, 1e-6, "ci low");
	ASSERT_NEAR(s.ci_hi, 10.340043690329129, 1e-6, "ci high");

	/* NAN (a failed sample) is skipped */
	ASSERT_EQ(stats_summary(y, 5, &s), 4, "n without NAN");
	ASSERT_NEAR(s.median, 201.0, 1e-12, "median (even n)");
	ASSERT_NEAR(s.sd, 2.581988897471611, 1e-12, "stddev");
	ASSERT_NEAR(s.ci_lo, 196.89147948647823, 1e-6, "ci low");
	ASSERT_NEAR(s.ci_hi, 205.10852051352177, 1e-6, "ci high");
	ASSERT_TRUE(!stats_pts_unstable(&s), "1.3 % stddev is stable");

	ASSERT_EQ(stats_summary(one, 1, &s), 1, "n = 1");
	ASSERT_NEAR(s.sd, 0.0, 0, "stddev of one sample");
	ASSERT_TRUE(isnan(s.ci_lo) && isnan(s.ci_hi), "no CI from one sample");
	ASSERT_TRUE(stats_within_noise(&s), "one sample is noise");
	ASSERT_EQ(stats_summary(x, 0, &s), 0, "empty");
	ASSERT_TRUE(isnan(s.mean), "empty mean is NAN");
}

TEST(bench_stats_paired)
{
	const double x[] = {105.0, 220.0, 51.0};
	const double base[] = {100.0, 200.0, 50.0};
	const double on[] = {110.0, 210.0, 105.0, 99.0};
	const double off[] = {100.0, 200.0, 100.0, NAN};
	struct bench_stats d;

	/* changes 5 %, 10 %, 2 % */
	ASSERT_EQ(stats_paired_change(x, base, 3, &d), 3, "pairs");
	ASSERT_NEAR(d.median, 5.0, 1e-9, "median change");
	ASSERT_NEAR(d.mean, 5.666666666666667, 1e-9, "mean change");
	ASSERT_NEAR(d.sd, 4.041451884327381, 1e-9, "stddev of changes");
	ASSERT_NEAR(d.ci_lo, -4.372856369415415, 1e-6, "ci low");
	ASSERT_NEAR(d.ci_hi, 15.706189702748748, 1e-6, "ci high");
	ASSERT_TRUE(stats_within_noise(&d), "CI includes 0: within noise");
	ASSERT_TRUE(stats_pts_unstable(&d), "71 % stddev is unstable");

	/* changes 10 %, 5 %, 5 %; the pair with a missing side is skipped */
	ASSERT_EQ(stats_paired_change(on, off, 4, &d), 3, "pairs without NAN");
	ASSERT_NEAR(d.median, 5.0, 1e-9, "median change");
	ASSERT_NEAR(d.mean, 20.0 / 3, 1e-9, "mean change");
	/* statistics.stdev([10, 5, 5]) = 2.886751345948129; t(2) CI */
	ASSERT_NEAR(d.sd, 2.886751345948129, 1e-9, "stddev");
	ASSERT_NEAR(d.ci_lo,
		    20.0 / 3 - 4.302652729749464 * 2.886751345948129 / sqrt(3),
		    1e-6, "ci low");
	ASSERT_TRUE(d.ci_lo < 0 && stats_within_noise(&d), "within noise");
}

TEST(bench_stats_noise_flag)
{
	struct bench_stats s = {
	    .n = 5, .mean = 3, .sd = 0.5, .ci_lo = 2.4, .ci_hi = 3.6};

	ASSERT_TRUE(!stats_within_noise(&s), "CI above 0 is a real change");
	s.ci_lo = -0.1;
	ASSERT_TRUE(stats_within_noise(&s), "CI across 0 is noise");
	s.mean = 100;
	s.sd = 2.5;
	ASSERT_TRUE(stats_pts_unstable(&s), "2.5 % is unstable (pts)");
	s.sd = 2.49;
	ASSERT_TRUE(!stats_pts_unstable(&s), "2.49 % is stable");
}

/* Runs argv with stdout+stderr into log; returns the exit status. */
static int run(char *const argv[], const char *log, int timeout_s)
{
	int status = 0, fd;
	pid_t pid = fork();

	if (pid == 0) {
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		alarm(timeout_s);
		execv(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void show(const char *path)
{
	char buf[4096];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (n > 0) {
		buf[n] = '\0';
		fprintf(stderr, "--- %s ---\n%s\n", path, buf);
	}
	if (fd >= 0)
		close(fd);
}

/* Can the agent start here? Then the bench must have run `on`. */
static bool agent_starts(const char *dir)
{
	char out[600], err[600], buf[8192];
	char *argv[] = {(char *)test_rtguard_bin(),
			"--output",
			"json",
			"--output-file",
			out,
			"--no-pin",
			"--socket",
			"none",
			NULL};
	bool ready = false;
	int i, fd;
	pid_t pid;

	snprintf(out, sizeof(out), "%s/agent.jsonl", dir);
	snprintf(err, sizeof(err), "%s/agent.err", dir);
	pid = fork();
	if (pid == 0) {
		fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	for (i = 0; i < 300 && !ready; i++) {
		ssize_t n;

		usleep(50000);
		fd = open(err, O_RDONLY);
		n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
		if (fd >= 0)
			close(fd);
		if (n > 0) {
			buf[n] = '\0';
			ready = strstr(buf, "rtguard: info: running") != NULL;
		}
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return ready;
	}
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	return ready;
}

/* Checks the outputs of a micro+storm run of 2 rounds: every file parses,
 * every configuration that could run has its samples, the storm's
 * agent-only metrics are there for `on`, and each storm run of `on` adds
 * up: events + lost = opens (bench/README.md, Workloads). */
static const char check_py[] =
    "import csv, json, sys, xml.etree.ElementTree as ET\n"
    "d = sys.argv[1]\n"
    "r = json.load(open(d + '/results.json'))\n"
    "avail = [c['name'] for c in r['configurations'] if c['available']]\n"
    "for k in ('cpu_model', 'cores', 'memory_bytes', 'kernel'):\n"
    "    assert k in r['machine'], k\n"
    "rows = list(csv.DictReader(open(d + '/results.csv')))\n"
    "want = ['workload', 'metric', 'unit', 'higher_is_better', 'config', "
    "'round', 'value']\n"
    "assert list(rows[0].keys()) == want, rows[0].keys()\n"
    "seen = {x['config'] for x in rows}\n"
    "metrics = {(x['workload'], x['metric']) for x in rows}\n"
    "micro = {('micro', m) for m in ('open+close /etc/', "
    "'open+close /usr/lib/', 'open+close /tmp/', 'fork+exec+wait', "
    "'connect+close')}\n"
    "agent_only = {('storm', 'events delivered'), "
    "('storm', 'agent CPU per event')}\n"
    "want = micro | {('storm', 'opens')}\n"
    "if 'on' in avail:\n"
    "    want |= agent_only\n"
    "assert metrics == want, metrics ^ want\n"
    "for c in avail:\n"
    "    assert c in seen, 'config %s has no samples' % c\n"
    "    for m in r['metrics']:\n"
    "        if (m['workload'], m['metric']) in agent_only and c != 'on':\n"
    "            continue\n"
    "        assert m['configs'][c]['stats']['n'] >= 1, (c, m['metric'])\n"
    "        assert len(m['configs'][c]['samples']) == 2, (c, m['metric'])\n"
    "storms = [x for x in r['runs'] if x['workload'] == 'storm' and "
    "x['config'] == 'on']\n"
    "assert len(storms) == (2 if 'on' in avail else 0), storms\n"
    "for x in storms:\n"
    "    s = x['storm']\n"
    "    assert s['opens'] > 0 and s['events'] > 0, s\n"
    "    assert s['events'] + s['lost'] == s['opens'], "
    "('events + lost != opens', s)\n"
    "ET.parse(d + '/chart.svg')\n"
    "md = open(d + '/report.md').read()\n"
    "assert '| workload | metric | unit |' in md\n"
    "assert '## BPF run-time statistics' in md\n"
    "for c in avail:\n"
    "    assert ' %s |' % c in md, c\n"
    "if 'on' in avail:\n"
    "    assert '## Storm under `on`' in md\n"
    "print(','.join(avail))\n";

TEST_T(bench_smoke, 300)
{
	char dir[] = "/tmp/rtguard-test-bench.XXXXXX";
	char out[64], log[64], cmd[300], res[64], buf[256] = "";
	char *bench[] = {(char *)test_rtguard_bin(),
			 "bench",
			 "--quick",
			 "--workloads",
			 "micro,storm",
			 "--rounds",
			 "2",
			 "--out",
			 out,
			 NULL};
	char *py[] = {"/usr/bin/env",	"python3", "-c",
		      (char *)check_py, out,	   NULL};
	static const char *const files[] = {"results.json", "results.csv",
					    "report.md", "chart.svg"};
	struct stat st;
	size_t i;
	int rc, fd;
	ssize_t n;

	TEST_NEED_ROOT();
	if (!test_mkdtemp(dir))
		test_skip("mkdtemp: %s", strerror(errno));
	snprintf(out, sizeof(out), "%s/out", dir);
	snprintf(log, sizeof(log), "%s/bench.log", dir);
	rc = run(bench, log, 280);
	if (!ASSERT_EQ(rc, 0, "rtguard bench exit status")) {
		show(log);
		return;
	}
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(cmd, sizeof(cmd), "%s/%s", out, files[i]);
		ASSERT_TRUE(!stat(cmd, &st) && st.st_size > 0, files[i]);
	}
	snprintf(res, sizeof(res), "%s/check.out", dir);
	rc = run(py, res, 30);
	fd = open(res, O_RDONLY);
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	if (!ASSERT_EQ(rc, 0, "outputs parse and hold every configuration")) {
		show(res);
		show(log);
		return;
	}
	ASSERT_STRCONTAINS(buf, "off,floor", "off and floor ran");
	if (!strstr(buf, ",on"))
		ASSERT_TRUE(!agent_starts(dir),
			    "the agent starts here, so `on` must be present");
	if (test_verbose)
		fprintf(stderr, "configurations: %s", buf);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", dir);
}
