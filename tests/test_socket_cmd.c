// SPDX-License-Identifier: GPL-2.0
/*
 * `rtguard status` and `rtguard events` against a real agent's socket: the
 * status table and JSON (with and without the BPF statistics sample), and
 * subscribers in both formats.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent_util.h"
#include "socket_util.h"
#include "test.h"

extern char **environ;

static int run_status(const char *sock, const char *fmt, char *out, size_t len)
{
	char *const argv[] = {
	    (char *)test_rtguard_bin(), "status",    "--socket", (char *)sock,
	    fmt ? "--output" : NULL,	(char *)fmt, NULL};

	return run_cmd(argv, out, len);
}

struct needle {
	const char *text, *what;
};

static void expect_all(const char *out, const struct needle *n)
{
	for (; n->text; n++)
		ASSERT_STRCONTAINS(out, n->text, n->what);
}

TEST_T(socket_status_cmd, 90)
{
	char dir[64], sock[128], marker[128], *out = malloc(65536), path[160];
	struct agent_run a;
	int s;

	TEST_NEED_ROOT();
	if (!ASSERT_OK(start_agent(&a, dir, sock, marker), "agent_start"))
		return;
	/* an exec the counters have seen */
	test_event_free(agent_wait_event(&a, 5000, EXEC_OF(run_true())));
	s = run_status(sock, NULL, out, 65536);
	ASSERT_EQ(WEXITSTATUS(s), 0, "status exit 0");
	/* the kernel's statistics are off: no program costs, and how to
	 * get them */
	expect_all(out, (const struct needle[]){
			    {"sock-test", "policy name"},
			    {"POLICY", "policies table"},
			    {"EVENTS", "counters table"},
			    {"LOST", "losses"},
			    {"MECHANISM", "mechanisms"},
			    {"CPU", "agent CPU"},
			    {"RSS", "agent RSS"},
			    {"status --bpf-stats", "how to sample"},
			    {},
			});
	ASSERT_TRUE(!strstr(out, "NS/RUN"), "no cost without statistics");
	if (test_verbose)
		printf("%s", out);
	/* --bpf-stats: the agent samples them while the client keeps them
	 * on; execs run meanwhile */
	{
		char *const argv[] = {(char *)test_rtguard_bin(),
				      "status",
				      "--socket",
				      sock,
				      "--bpf-stats=2",
				      NULL};
		pid_t pid = fork();

		if (pid == 0) {
			usleep(300 * 1000);
			for (int i = 0; i < 20; i++)
				run_true();
			_exit(0);
		}
		s = run_cmd(argv, out, 65536);
		waitpid(pid, NULL, 0);
	}
	ASSERT_EQ(WEXITSTATUS(s), 0, "status --bpf-stats exit 0");
	expect_all(out, (const struct needle[]){
			    {"over 2.0 s", "the sample's length"},
			    {"NS/RUN", "cost per run"},
			    {"NS/EVENT", "cost per event per hook"},
			    {"handle_exec", "programs"},
			    {},
			});
	{
		const char *p = strstr(out, "\nHOOK ");
		unsigned long long runs = 0;
		double ns = 0;

		p = p ? strstr(p, "\nexec ") : NULL;
		ASSERT_TRUE(p && sscanf(p, "\nexec %llu %lf", &runs, &ns) == 2,
			    "exec hook line");
		ASSERT_GE(runs, 20, "the 20 execs in the sample");
		ASSERT_TRUE(ns > 0, "ns per exec > 0");
	}
	if (test_verbose)
		printf("%s", out);
	s = run_status(sock, "json", out, 65536);
	ASSERT_EQ(WEXITSTATUS(s), 0, "status json exit 0");
	expect_all(out, (const struct needle[]){
			    {"\"name\":\"sock-test\"", "policy"},
			    {"\"bpf_stats\":false", "statistics off"},
			    {"\"cpu_percent\":", "cpu percent"},
			    {"\"mechanisms\":{", "mechanisms"},
			    {},
			});
	snprintf(path, sizeof(path), "%s/status.json", dir);
	put_file(path, out);
	ASSERT_TRUE(json_lines_valid(path), "one JSON object");
	{
		char *const argv[] = {(char *)test_rtguard_bin(),
				      "status",
				      "--socket",
				      sock,
				      "--output",
				      "json",
				      "--bpf-stats=1",
				      NULL};

		s = run_cmd(argv, out, 65536);
	}
	ASSERT_EQ(WEXITSTATUS(s), 0, "status json --bpf-stats exit 0");
	ASSERT_STRCONTAINS(out, "\"bpf_stats\":true", "statistics on");
	ASSERT_STRCONTAINS(out, "\"bpf_stats_seconds\":", "sample length");
	ASSERT_STRCONTAINS(out, "\"ns_per_run\":", "ns per run");
	ASSERT_STRCONTAINS(out, "\"ns_per_event\":", "ns per event");
	agent_stop(&a);
	free(out);
}

/* `rtguard events` as a user runs it: output into a file. */
static pid_t spawn_events(const char *sock, const char *fmt, const char *out,
			  const char *err)
{
	pid_t pid = fork();

	if (pid == 0) {
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		dup2(o, 1);
		dup2(e, 2);
		execl(test_rtguard_bin(), test_rtguard_bin(), "events",
		      "--socket", sock, "--type", "exec", "--output", fmt,
		      (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Some line of path contains a and b (b may be NULL). */
static bool has_line(const char *path, const char *a, const char *b)
{
	char line[8192];
	FILE *f = fopen(path, "re");
	bool hit = false;

	while (f && !hit && fgets(line, sizeof(line), f))
		hit = strstr(line, a) && (!b || strstr(line, b));
	if (f)
		fclose(f);
	return hit;
}

TEST_T(socket_events_cmd, 90)
{
	char dir[64], sock[128], marker[128], out[2][160], err[2][160];
	const char *fmt[2] = {"json", "compact"};
	struct test_event *ev_open;
	int k, nall, nexec;
	struct agent_run a;
	char compact[64];
	pid_t ev[2], pid;

	TEST_NEED_ROOT();
	if (!ASSERT_OK(start_agent(&a, dir, sock, marker), "agent_start"))
		return;
	for (k = 0; k < 2; k++) {
		snprintf(out[k], sizeof(out[k]), "%s/events-%s.out", dir,
			 fmt[k]);
		snprintf(err[k], sizeof(err[k]), "%s/events-%s.err", dir,
			 fmt[k]);
		ev[k] = spawn_events(sock, fmt[k], out[k], err[k]);
		ASSERT_TRUE(wait_until(file_contains(err[k], "subscribed"),
				       10000),
			    "rtguard events subscribed");
	}
	/* an exec and an open of the test's own processes */
	pid = run_true();
	close(open(marker, O_RDONLY));
	ASSERT_TRUE(wait_until(events_has(out[0], EXEC_OF(pid)), 5000),
		    "rtguard events prints the exec (json)");
	/* the compact line is text for a terminal: checked as text */
	snprintf(compact, sizeof(compact), "true[%d] /usr/bin/true", pid);
	ASSERT_TRUE(wait_until(has_line(out[1], " exec ", compact), 5000),
		    "rtguard events prints the exec (compact)");
	/* --type exec: nothing else */
	ev_open = agent_wait_event(&a, 5000, OPEN_OF(marker));
	ASSERT_TRUE(ev_open, "the agent saw the open");
	test_event_free(ev_open);
	/* an exec after the open: once `rtguard events` printed it, it
	 * would have printed the open before it */
	pid = run_true();
	ASSERT_TRUE(wait_until(events_has(out[0], EXEC_OF(pid)), 5000),
		    "the exec after the open is printed");
	test_event_free(events_find(out[0], NULL, &nall));
	test_event_free(events_find(out[0], EV_WHERE(EV_STR("type", "exec")),
				    &nexec));
	ASSERT_EQ(nall, nexec, "only exec");
	ASSERT_TRUE(json_lines_valid(out[0]), "JSON lines");
	for (k = 0; k < 2; k++) {
		kill(ev[k], SIGTERM);
		waitpid(ev[k], NULL, 0);
	}
	/* the agent going away ends `rtguard events` with exit 2 */
	ev[0] = spawn_events(sock, "json", out[0], err[0]);
	ASSERT_TRUE(wait_until(file_contains(err[0], "subscribed"), 10000),
		    "subscribed");
	agent_stop(&a);
	{
		int st;

		waitpid(ev[0], &st, 0);
		ASSERT_EQ(WEXITSTATUS(st), 2,
			  "events exits 2 when the agent stops");
	}
}
