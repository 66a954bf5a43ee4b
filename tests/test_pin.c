// SPDX-License-Identifier: GPL-2.0
/*
 * Restart without a gap: kill -9 of the agent leaves its programs attached
 * (pinned links), a new agent takes over, and a denied connect attempted in
 * a loop all along never succeeds.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent_util.h"
#include "test.h"

static int try_connect(int port)
{
	return net_connect(AF_INET, "127.0.0.2", port, SOCK_STREAM);
}

static int listener(int *port)
{
	*port = 0;
	return net_listen(AF_INET, SOCK_STREAM, "127.0.0.2", port);
}

static volatile sig_atomic_t loop_stop;

static void on_term(int sig)
{
	(void)sig;
	loop_stop = 1;
}

/* Connects in a loop until SIGTERM; exits with the number of successes
 * (capped) and writes the attempt count to fd; *progress (shared) counts
 * the attempts as they go. */
static pid_t connect_loop(int port, int fd, volatile long *progress)
{
	pid_t pid = fork();

	if (pid == 0) {
		long tries = 0, ok = 0;

		signal(SIGTERM, on_term);
		while (!loop_stop) {
			if (try_connect(port) == 0)
				ok++;
			*progress = ++tries;
			/* the loop's pace (not a wait for a condition) */
			usleep(1000);
		}
		if (write(fd, &tries, sizeof(tries)) != sizeof(tries))
			_exit(255);
		_exit(ok > 200 ? 200 : ok);
	}
	return pid;
}

static const char *policy_text =
	"name: pin-test\n"
	"defaults: { exec: audit, open: allow, connect: allow }\n"
	"rules:\n"
	"  - name: no-127-0-0-2\n"
	"    on: connect\n"
	"    match: { daddr: [127.0.0.2/32] }\n"
	"    action: deny\n";

TEST_T(pin_kill9_restart_no_gap, 120)
{
	char dir[] = "/tmp/rtg-pin-XXXXXX", pol[64], pin[64], *err;
	volatile long *progress;
	struct test_event *ev;
	struct agent_run a, b;
	int l, port, status, res[2];
	long tries = 0, t0;
	pid_t loop;

	TEST_NEED_ROOT();
	test_mkdtemp(dir);
	snprintf(pol, sizeof(pol), "%s/p.yaml", dir);
	snprintf(pin, sizeof(pin), "/sys/fs/bpf/rtg-pin-%d", getpid());
	put_file(pol, policy_text);
	l = listener(&port);
	progress = mmap(NULL, sizeof(*progress), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!ASSERT_TRUE(l >= 0, "listener") ||
	    !ASSERT_TRUE(progress != MAP_FAILED, "mmap") || pipe(res))
		return;
	if (!ASSERT_OK(agent_start(&a, N("--policy", pol, "--pin-dir", pin)),
		       "first agent"))
		return;
	ASSERT_EQ(try_connect(port), -EPERM, "denied while the agent runs");
	loop = connect_loop(port, res[1], progress);
	ASSERT_TRUE(wait_until(*progress >= 50, 10000),
		    "the loop connects while the agent runs");
	kill(a.pid, SIGKILL);
	waitpid(a.pid, &status, 0);
	a.pid = 0;
	/* no agent at all now: the pinned programs still decide; the
	 * behaviour under test is this 0.5 s gap (not a wait for a
	 * condition) */
	usleep(500000);
	ASSERT_EQ(try_connect(port), -EPERM, "denied with no agent running");
	{
		char *const argv[] = { "/bin/true", "rtg-gap-marker", NULL };
		pid_t t = fork();

		if (t == 0) {
			execv(argv[0], argv);
			_exit(127);
		}
		waitpid(t, &status, 0);
	}
	if (!ASSERT_OK(agent_start(&b, N("--policy", pol, "--pin-dir", pin)),
		       "second agent"))
		goto out;
	err = agent_stderr(&b);
	ASSERT_STRCONTAINS(err, "took over", "second agent adopted the pins");
	free(err);
	t0 = *progress;
	ASSERT_TRUE(wait_until(*progress >= t0 + 50, 10000),
		    "the loop connects with the second agent");
	ASSERT_EQ(try_connect(port), -EPERM, "denied after the restart");
	ev = agent_wait_event(&b, 5000,
			      EV_WHERE(EV_STR("type", "exec"),
				       EV_STR("process.args[1]",
					      "rtg-gap-marker")));
	ASSERT_TRUE(ev, "an exec from the gap is delivered by the new agent");
	test_event_free(ev);
out:
	kill(loop, SIGTERM);
	waitpid(loop, &status, 0);
	if (read(res[0], &tries, sizeof(tries)) != sizeof(tries))
		tries = 0;
	ASSERT_TRUE(WIFEXITED(status), "loop ended");
	ASSERT_EQ(WEXITSTATUS(status), 0, "no denied connect ever succeeded");
	ASSERT_GE(tries, 100, "connects were attempted throughout");
	ASSERT_EQ(agent_stop(&b), 0, "second agent exits cleanly");
	/* a clean exit detaches */
	ASSERT_TRUE(access(pin, F_OK) != 0, "pins removed on clean exit");
	ASSERT_EQ(try_connect(port), 0, "connect works once rtguard is gone");
	close(l);
}

TEST(pin_unpin)
{
	char dir[] = "/tmp/rtg-pin-XXXXXX", pol[64], pin[64], out[2048];
	struct agent_run a;
	int l, port, status;

	TEST_NEED_ROOT();
	test_mkdtemp(dir);
	snprintf(pol, sizeof(pol), "%s/p.yaml", dir);
	snprintf(pin, sizeof(pin), "/sys/fs/bpf/rtg-unpin-%d", getpid());
	put_file(pol, policy_text);
	l = listener(&port);
	if (!ASSERT_OK(agent_start(&a, N("--policy", pol, "--pin-dir", pin)),
		       "agent"))
		return;
	kill(a.pid, SIGKILL);
	waitpid(a.pid, &status, 0);
	ASSERT_EQ(try_connect(port), -EPERM, "programs outlive the agent");
	status = run_cmd((char *const[]){ (char *)test_rtguard_bin(), "--unpin",
					  "--pin-dir", pin, NULL },
			 out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "--unpin exits 0");
	ASSERT_TRUE(access(pin, F_OK) != 0, "pin dir gone");
	ASSERT_EQ(try_connect(port), 0, "detached after --unpin");
	close(l);
}

TEST(pin_second_agent_refused)
{
	char pin[64], out[2048];
	struct agent_run a;
	int st;

	TEST_NEED_ROOT();
	snprintf(pin, sizeof(pin), "/sys/fs/bpf/rtg-lock-%d", getpid());
	if (!ASSERT_OK(agent_start(&a, N("--pin-dir", pin)), "agent"))
		return;
	st = run_cmd((char *const[]){ (char *)test_rtguard_bin(), "--pin-dir",
				      pin, NULL },
		     out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 2, "second agent exit 2");
	ASSERT_STRCONTAINS(out, "another rtguard agent", "clear reason");
	agent_stop(&a);
}
