// SPDX-License-Identifier: GPL-2.0
/*
 * The agent as a command: bursts of execs and the losses it reports (every
 * exec delivered or counted), compact output on a terminal-like pipe, bad
 * flags, not root. The events of each type are in test_agent.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent_util.h"
#include "test.h"

/* ------------------------------------------------------------- bursts */

static int exec_burst(int n, const char *marker)
{
	char *const argv[] = { "/bin/true", (char *)marker, NULL };
	int i;

	for (i = 0; i < n; i++)
		if (spawn_wait(argv, NULL) < 0)
			return -1;
	return 0;
}

/* exec events of /bin/true MARKER */
static int marker_execs(struct agent_run *a, const char *marker)
{
	return agent_count_events(a, EV_WHERE(EV_STR("type", "exec"),
					      EV_STR("process.args[1]",
						     marker)));
}

TEST_T(agent_exec_burst_10000, 240)
{
	const int n = 10000;
	struct agent_run a;
	int seen;
	long lost;

	TEST_NEED_ROOT();
	if (!ASSERT_OK(agent_start(&a, NULL), "agent_start"))
		return;
	ASSERT_OK(exec_burst(n, "rtg-burst-marker"), "burst");
	/* the agent's exit drains the ring buffer and reports the losses;
	 * until then, wait for an exec made after the burst (it may be lost
	 * in a full buffer: not asserted) */
	exec_burst(1, "rtg-burst-end");
	test_event_free(agent_wait_event(&a, 10000,
			      EV_WHERE(EV_STR("type", "exec"),
				       EV_STR("process.args[1]",
					      "rtg-burst-end"))));
	ASSERT_EQ(agent_stop(&a), 0, "agent exit");
	seen = marker_execs(&a, "rtg-burst-marker");
	lost = events_lost(a.out, "ringbuf:exec");
	if (test_verbose)
		printf("burst: %d seen, %ld lost\n", seen, lost);
	ASSERT_TRUE(seen <= n, "no duplicates");
	ASSERT_TRUE(seen + lost >= n, "events + reported losses cover every exec");
	ASSERT_TRUE(lost == 0 || seen + lost <= n + 50,
		    "losses are not over-reported");
}

/* A ring buffer of one page cannot hold a burst: the losses must show. */
TEST_T(agent_losses_reported, 120)
{
	char pol[] = "/tmp/rtg-loss-XXXXXX.yaml";
	struct agent_run a;
	long lost;
	int seen, fd;

	TEST_NEED_ROOT();
	fd = mkstemps(pol, 5);
	if (!ASSERT_TRUE(fd >= 0, "policy file"))
		return;
	close(fd);
	test_scratch(pol);
	if (!ASSERT_OK(put_file(pol, "name: audit-all\n"
				     "defaults: { exec: audit, open: audit, "
				     "connect: audit }\n"),
		       "policy") ||
	    !ASSERT_OK(agent_start(&a, N("--policy", pol, "--ringbuf-kb", "4")),
		       "agent_start"))
		return;
	/* stall the consumer so the tiny buffer fills */
	kill(a.pid, SIGSTOP);
	ASSERT_OK(exec_burst(200, "rtg-loss-marker"), "burst");
	kill(a.pid, SIGCONT);
	/* the loss report (once a second) */
	wait_until(events_lost(a.out, "ringbuf:") > 0, 10000);
	ASSERT_EQ(agent_stop(&a), 0, "agent exit");
	lost = events_lost(a.out, "ringbuf:");
	seen = marker_execs(&a, "rtg-loss-marker");
	ASSERT_TRUE(lost > 0, "lost events reported");
	ASSERT_TRUE(seen < 200, "the buffer really overflowed");
	ASSERT_TRUE(json_lines_valid(a.out), "every line is JSON");
}

/* ----------------------------------------------------------- CLI */

/* The compact output is text for a terminal: checked as text. */
TEST(agent_compact_output)
{
	size_t got = 0, cap = 1 << 16;
	char *out = malloc(cap), pin[64];
	int status, opened = 0, i;
	pid_t pid;
	ssize_t n;
	int p[2];

	TEST_NEED_ROOT();
	if (!out || pipe(p))
		return;
	/* pins and socket of its own: tests may run beside another agent */
	snprintf(pin, sizeof(pin), "/sys/fs/bpf/rtg-test-%d", getpid());
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		execl(test_rtguard_bin(), test_rtguard_bin(), "--output",
		      "compact", "--pin-dir", pin, "--socket", "none", NULL);
		_exit(127);
	}
	close(p[1]);
	out[0] = '\0';
	/* read until attached, open, SIGINT ten polls later, then read the
	 * rest to the end (a busy machine writes a lot): poll() bounds each
	 * step, nothing sleeps */
	for (i = 0; i < 400 || opened; i++) {
		struct pollfd pf = { .fd = p[0], .events = POLLIN };

		if (poll(&pf, 1, 50) > 0) {
			if (got + 4096 + 1 > cap) {
				char *o = realloc(out, cap *= 2);

				if (!o)
					break;
				out = o;
			}
			n = read(p[0], out + got, cap - 1 - got);
			if (n <= 0)
				break;
			got += n;
			out[got] = '\0';
		}
		if (!opened && strstr(out, "rtguard: info: running")) {
			close(open("/etc/shadow", O_RDONLY));
			opened = i;
		}
		if (opened && i == opened + 10)
			kill(pid, SIGINT);
	}
	if (!opened)
		kill(pid, SIGINT);
	waitpid(pid, &status, 0);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "exit 0 on SIGINT");
	ASSERT_STRCONTAINS(out, "/etc/shadow", "compact line names the file");
	ASSERT_STRCONTAINS(out, "AUDIT", "compact action");
	free(out);
}

TEST(agent_bad_flags)
{
	char out[1024];
	int st;

	st = run_cmd((char *const[]){ (char *)test_rtguard_bin(), "--output",
				      "xml", NULL },
		     out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 1, "exit 1");
	ASSERT_STRCONTAINS(out, "--output", "names the flag");
}

TEST(agent_not_root)
{
	char out[1024];
	int st;

	TEST_NEED_ROOT();
	st = run_cmd((char *const[]){ "setpriv", "--reuid=65534",
				      "--regid=65534", "--clear-groups",
				      (char *)test_rtguard_bin(), NULL },
		     out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 2, "exit 2");
	ASSERT_STRCONTAINS(out, "root", "one-line reason");
}
