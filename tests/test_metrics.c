// SPDX-License-Identifier: GPL-2.0
/*
 * --metrics against the real agent: a tiny HTTP client scrapes /metrics and
 * /healthz; counters must move when the test execs.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent_util.h"
#include "metrics.h"
#include "test.h"

extern char **environ;

/* Value of the sample line starting with `series ` (name and labels). */
static double sample(const char *text, const char *series)
{
	size_t n = strlen(series);
	const char *p = text;

	while ((p = strstr(p, series))) {
		if ((p == text || p[-1] == '\n') && p[n] == ' ')
			return strtod(p + n + 1, NULL);
		p += n;
	}
	return -1;
}

static void run_true(int times)
{
	char *const argv[] = {"/bin/true", NULL};
	pid_t pid;
	int i, st;

	for (i = 0; i < times; i++)
		if (!posix_spawn(&pid, argv[0], NULL, NULL, argv, environ))
			waitpid(pid, &st, 0);
}

/* The samples of series a and b of a scrape; false if it failed. */
static bool scrape(int port, const char *a, const char *b, double *va,
		   double *vb)
{
	char *body = NULL;
	int code = http_get(port, "/metrics", &body);

	if (code == 200 && body) {
		*va = sample(body, a);
		*vb = sample(body, b);
	}
	free(body);
	return code == 200;
}

TEST(metrics_parse_addr)
{
	struct sockaddr_storage ss;
	char err[256];

	ASSERT_OK(
	    metrics_parse_addr("127.0.0.1:9464", false, &ss, err, sizeof(err)),
	    "v4 loopback");
	ASSERT_OK(
	    metrics_parse_addr("[::1]:9464", false, &ss, err, sizeof(err)),
	    "v6 loopback");
	ASSERT_OK(
	    metrics_parse_addr("localhost:1", false, &ss, err, sizeof(err)),
	    "localhost");
	ASSERT_EQ(
	    metrics_parse_addr("0.0.0.0:9464", false, &ss, err, sizeof(err)),
	    -EINVAL, "any address needs the flag");
	ASSERT_STRCONTAINS(err, "--metrics-allow-remote", "says which flag");
	ASSERT_OK(
	    metrics_parse_addr("0.0.0.0:9464", true, &ss, err, sizeof(err)),
	    "any address with the flag");
	ASSERT_EQ(
	    metrics_parse_addr("10.1.2.3:80", false, &ss, err, sizeof(err)),
	    -EINVAL, "remote address");
	ASSERT_EQ(metrics_parse_addr("127.0.0.1", false, &ss, err, sizeof(err)),
		  -EINVAL, "no port");
	ASSERT_EQ(
	    metrics_parse_addr("127.0.0.1:0", false, &ss, err, sizeof(err)),
	    -EINVAL, "port 0");
	ASSERT_EQ(
	    metrics_parse_addr("127.0.0.1:65536", false, &ss, err, sizeof(err)),
	    -EINVAL, "port too big");
	ASSERT_EQ(metrics_parse_addr("::1:80", false, &ss, err, sizeof(err)),
		  -EINVAL, "v6 without brackets");
	ASSERT_EQ(metrics_parse_addr("host:80", false, &ss, err, sizeof(err)),
		  -EINVAL, "names other than localhost");
}

/* pid holds a BPF_ENABLE_STATS fd (the statistics are on while it does). */
static bool holds_stats_fd(pid_t pid)
{
	char dir[64], path[320], link[128];
	struct dirent *de;
	bool hit = false;
	ssize_t n;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
	d = opendir(dir);
	while (d && !hit && (de = readdir(d))) {
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		hit = !strcmp(link, "anon_inode:bpf-stats");
	}
	if (d)
		closedir(d);
	return hit;
}

/* /proc/sys/kernel/bpf_stats_enabled: 1, 0, or -1 when unreadable */
static int kernel_stats_enabled(void)
{
	char *t = file_read("/proc/sys/kernel/bpf_stats_enabled");
	int v = t ? atoi(t) : -1;

	free(t);
	return v;
}

/* The statistics cost every BPF program on the host: the agent leaves
 * them off unless asked, and its metrics have no program costs then. */
TEST_T(metrics_bpf_stats_off_by_default, 60)
{
	struct agent_run a;
	char addr[32], *body = NULL;
	int port, code, before;

	TEST_NEED_ROOT();
	port = free_port();
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	before = kernel_stats_enabled();
	if (!ASSERT_OK(agent_start(&a, N("--metrics", addr, "--socket", "none",
					 "--no-pin")),
		       "agent_start"))
		return;
	ASSERT_TRUE(!holds_stats_fd(a.pid), "no BPF_ENABLE_STATS fd");
	/* others on this machine may hold them on: only then may it read 1 */
	if (before == 0)
		ASSERT_EQ(kernel_stats_enabled(), 0,
			  "bpf_stats_enabled not raised by the agent");
	else if (test_verbose)
		printf("bpf_stats_enabled was %d before: someone else holds "
		       "them\n",
		       before);
	code = http_get(port, "/metrics", &body);
	if (ASSERT_EQ(code, 200, "/metrics") && body) {
		ASSERT_TRUE(!strstr(body, "rtguard_bpf_prog_runs_total"),
			    "no runs metric while off");
		ASSERT_TRUE(
		    !strstr(body, "rtguard_bpf_prog_run_time_seconds_total"),
		    "no run-time metric while off");
		ASSERT_TRUE(sample(body, "rtguard_bpf_stats_enabled") == 0,
			    "rtguard_bpf_stats_enabled 0");
	}
	free(body);
	ASSERT_EQ(agent_stop(&a), 0, "agent exits 0");
}

TEST_T(metrics_scrape, 90)
{
	static const char *const names[] = {
	    "rtguard_events_total",
	    "rtguard_events_lost_total",
	    "rtguard_bpf_prog_run_time_seconds_total",
	    "rtguard_bpf_prog_runs_total",
	    "rtguard_agent_cpu_seconds_total",
	    "rtguard_agent_rss_bytes",
	    "rtguard_ringbuf_used_bytes",
	    "rtguard_policy_rules",
	    "rtguard_policy_reloads_total",
	    "rtguard_processes_tracked",
	};
	static const char *const counters[] = {
	    "rtguard_events_total",
	    "rtguard_events_lost_total",
	    "rtguard_bpf_prog_run_time_seconds_total",
	    "rtguard_bpf_prog_runs_total",
	    "rtguard_agent_cpu_seconds_total",
	    "rtguard_policy_reloads_total",
	};
	const char *exec_audit =
	    "rtguard_events_total{type=\"exec\",action=\"audit\"}";
	const char *exec_runs =
	    "rtguard_bpf_prog_runs_total{prog=\"handle_exec\"}";
	struct agent_run a;
	char addr[32], line[160], *body = NULL;
	double e0, r0, e1 = 0, r1 = 0;
	size_t i;
	int port, code;

	TEST_NEED_ROOT();
	port = free_port();
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	if (!ASSERT_OK(agent_start(&a, N("--metrics", addr, "--socket", "none",
					 "--no-pin", "--bpf-stats")),
		       "agent_start"))
		return;
	ASSERT_TRUE(holds_stats_fd(a.pid), "--bpf-stats: the agent holds them");
	code = http_get(port, "/healthz", &body);
	ASSERT_EQ(code, 200, "/healthz status");
	ASSERT_STREQ(body, "ok\n", "/healthz body");
	free(body);
	code = http_get(port, "/nope", &body);
	ASSERT_EQ(code, 404, "unknown path");
	free(body);

	code = http_get(port, "/metrics", &body);
	if (!ASSERT_EQ(code, 200, "/metrics status") || !body)
		goto out;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(line, sizeof(line), "# HELP %s ", names[i]);
		ASSERT_STRCONTAINS(body, line, "HELP line");
		snprintf(line, sizeof(line), "\n# TYPE %s ", names[i]);
		ASSERT_STRCONTAINS(body, line, "TYPE line");
	}
	for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		snprintf(line, sizeof(line), "# TYPE %s counter\n",
			 counters[i]);
		ASSERT_STRCONTAINS(body, line, "counter type");
	}
	ASSERT_STRCONTAINS(body, "# TYPE rtguard_agent_rss_bytes gauge\n",
			   "gauge type");
	ASSERT_STRCONTAINS(
	    body, "rtguard_events_lost_total{source=\"ringbuf:exec\"} ",
	    "loss by source");
	ASSERT_STRCONTAINS(body,
			   "rtguard_events_lost_total{source=\"subscriber\"} ",
			   "subscriber loss source");
	ASSERT_TRUE(sample(body, "rtguard_policy_rules{policy=\"default\"}") >=
			1,
		    "rules of the default policy");
	ASSERT_TRUE(
	    sample(body, "rtguard_policy_reloads_total{result=\"ok\"}") == 0,
	    "no reload yet");
	ASSERT_TRUE(sample(body, "rtguard_agent_rss_bytes") > 1 << 20,
		    "RSS from /proc");
	ASSERT_TRUE(sample(body, "rtguard_agent_cpu_seconds_total") >= 0,
		    "CPU from /proc");
	ASSERT_TRUE(
	    sample(body, "rtguard_ringbuf_used_bytes{ring=\"events\"}") >= 0,
	    "ring buffer fill");
	ASSERT_TRUE(
	    sample(body, "rtguard_ringbuf_used_bytes{ring=\"enforce\"}") >= 0,
	    "enforcement ring buffer fill");
	ASSERT_TRUE(
	    sample(body, "rtguard_ringbuf_size_bytes{ring=\"enforce\"}") > 0,
	    "enforcement ring buffer size");
	ASSERT_TRUE(
	    sample(body, "rtguard_ringbuf_memory_bytes") >
		sample(body, "rtguard_ringbuf_size_bytes{ring=\"events\"}"),
	    "ring buffer memory counted");
	ASSERT_STRCONTAINS(
	    body, "rtguard_events_lost_total{source=\"ringbuf:enforce\"} ",
	    "enforcement losses apart");
	ASSERT_TRUE(sample(body, "rtguard_bpf_stats_enabled") == 1,
		    "BPF statistics on (--bpf-stats)");
	e0 = sample(body, exec_audit);
	r0 = sample(body, exec_runs);
	ASSERT_TRUE(e0 >= 0, "exec audit sample");
	ASSERT_TRUE(r0 >= 0, "handle_exec runs sample");
	free(body);
	body = NULL;

	run_true(5);
	/* the counters move within 5 s */
	wait_until(scrape(port, exec_audit, exec_runs, &e1, &r1) &&
			   e1 >= e0 + 5 && r1 >= r0 + 5,
		   5000);
	ASSERT_TRUE(e1 >= e0 + 5,
		    "rtguard_events_total{exec,audit} grew by the 5 execs");
	ASSERT_TRUE(r1 >= r0 + 5, "handle_exec runs grew by the 5 execs");
	if (test_verbose)
		printf(
		    "exec events %.0f -> %.0f, handle_exec runs %.0f -> %.0f\n",
		    e0, e1, r0, r1);
out:
	free(body);
	ASSERT_EQ(agent_stop(&a), 0, "agent exits 0");
}

TEST(metrics_bad_flags)
{
	char out[4096], port[32];
	char *const remote[] = {(char *)test_rtguard_bin(), "--metrics",
				"0.0.0.0:9464", NULL};
	char *const junk[] = {(char *)test_rtguard_bin(), "--metrics",
			      "nonsense", NULL};
	int st, fd, p;
	struct sockaddr_in sa = {.sin_family = AF_INET};

	st = run_cmd(remote, out, sizeof(out));
	ASSERT_EQ(WEXITSTATUS(st), 1, "non-loopback without the flag: exit 1");
	ASSERT_STRCONTAINS(out, "--metrics-allow-remote", "message");
	st = run_cmd(junk, out, sizeof(out));
	ASSERT_EQ(WEXITSTATUS(st), 1, "malformed: exit 1");
	ASSERT_STRCONTAINS(out, "expected ADDR:PORT", "message");
	if (geteuid() != 0)
		return;
	/* a port in use: clear error, exit 1 */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (!ASSERT_OK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), "bind") ||
	    !ASSERT_OK(listen(fd, 1), "listen"))
		return;
	{
		socklen_t len = sizeof(sa);

		getsockname(fd, (struct sockaddr *)&sa, &len);
		p = ntohs(sa.sin_port);
	}
	snprintf(port, sizeof(port), "127.0.0.1:%d", p);
	{
		char *const busy[] = {(char *)test_rtguard_bin(),
				      "--metrics",
				      port,
				      "--socket",
				      "none",
				      "--no-pin",
				      NULL};

		st = run_cmd(busy, out, sizeof(out));
	}
	ASSERT_EQ(WEXITSTATUS(st), 1, "port in use: exit 1");
	ASSERT_STRCONTAINS(out, "cannot serve metrics", "message");
	close(fd);
}
