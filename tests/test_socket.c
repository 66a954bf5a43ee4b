// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's unix socket against the real agent: several subscribers, a
 * stalled one that is cut off without stalling the others, bad requests,
 * no agent. The `rtguard events` and `rtguard status` commands over it are
 * in test_socket_cmd.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent_util.h"
#include "server.h"
#include "socket_util.h"
#include "test.h"

extern char **environ;

static int sock_open(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A line reader over a socket. */
struct lines {
	int fd;
	char buf[1 << 16];
	size_t len;
	bool eof;
};

/* Next whole line (NUL-terminated, without '\n') into out, waiting up to
 * timeout_ms; false on timeout or EOF. */
static bool next_line(struct lines *l, char *out, size_t cap, int timeout_ms)
{
	long t0 = now_ms();
	char *nl;
	ssize_t n;

	for (;;) {
		nl = memchr(l->buf, '\n', l->len);
		if (nl) {
			size_t k = nl - l->buf;

			snprintf(out, cap, "%.*s", (int)k, l->buf);
			memmove(l->buf, nl + 1, l->len - k - 1);
			l->len -= k + 1;
			return true;
		}
		if (l->eof || l->len == sizeof(l->buf))
			return false;
		{
			struct pollfd p = {.fd = l->fd, .events = POLLIN};
			long left = timeout_ms - (now_ms() - t0);

			if (poll(&p, 1, left > 0 ? left : 0) <= 0)
				return false;
		}
		n = read(l->fd, l->buf + l->len, sizeof(l->buf) - l->len);
		if (n <= 0) {
			l->eof = true;
			continue;
		}
		l->len += n;
	}
}

/* Connects and sends the request; returns the first answer line. */
static int subscribe(struct lines *l, const char *path, const char *req,
		     char *ack, size_t cap)
{
	memset(l, 0, sizeof(*l));
	l->fd = sock_open(path);
	if (l->fd < 0)
		return -errno;
	if (write(l->fd, req, strlen(req)) != (ssize_t)strlen(req))
		return -EIO;
	return next_line(l, ack, cap, 5000) ? 0 : -ETIMEDOUT;
}

/* Waits for an event line matching m. */
static bool wait_line(struct lines *l, const struct ev_field *m,
		      int timeout_ms)
{
	char line[8192];
	long t0 = now_ms();

	while (now_ms() - t0 < timeout_ms) {
		struct test_event *e;
		bool hit;

		if (!next_line(l, line, sizeof(line),
			       timeout_ms - (now_ms() - t0)))
			return false;
		e = test_event_parse(line);
		hit = e && ev_match(e->root, m);
		test_event_free(e);
		if (hit)
			return true;
	}
	return false;
}

/* line is an event matching m */
static bool line_is(const char *line, const struct ev_field *m)
{
	struct test_event *e = test_event_parse(line);
	bool hit = e && ev_match(e->root, m);

	test_event_free(e);
	return hit;
}

#define SUBSCRIBER_LOST                                                        \
	EV_WHERE(EV_STR("type", "lost"), EV_STR("source", "subscriber"))

pid_t run_true(void)
{
	char *const argv[] = {"/bin/true", NULL};
	pid_t pid;
	int st;

	if (posix_spawn(&pid, argv[0], NULL, NULL, argv, environ))
		return -1;
	waitpid(pid, &st, 0);
	return pid;
}

/* Policy auditing every exec and the opens of dir/marker; agent with the
 * socket at dir/s.sock. */
int start_agent(struct agent_run *a, char *dir, char *sock, char *marker)
{
	char ppath[160];

	strcpy(dir, "/tmp/rtg-sock-XXXXXX");
	if (!test_mkdtemp(dir))
		return -errno;
	snprintf(sock, 128, "%s/s.sock", dir);
	snprintf(marker, 128, "%s/marker", dir);
	/* the policy in a directory of its own: the agent watches it */
	snprintf(ppath, sizeof(ppath), "%s/policy", dir);
	mkdir(ppath, 0700);
	snprintf(ppath, sizeof(ppath), "%s/policy/p.yaml", dir);
	put_marker_policy(ppath, "sock-test", marker);
	return agent_start(a, N("--policy", strdup(ppath), "--socket",
				strdup(sock), "--no-pin"));
}

TEST(socket_msg_parse)
{
	struct sock_msg m;
	char err[256];

	ASSERT_OK(
	    sock_msg_parse("{\"cmd\":\"events\",\"types\":[\"exec\", \"open\"],"
			   "\"policy\":\"p-1\",\"format\":\"compact\"}",
			   &m, err, sizeof(err)),
	    "full request");
	ASSERT_STREQ(m.cmd, "events", "cmd");
	ASSERT_STREQ(m.format, "compact", "format");
	ASSERT_STREQ(m.policy, "p-1", "policy");
	ASSERT_EQ(m.types, (1u << RTG_EV_EXEC) | (1u << RTG_EV_OPEN), "types");
	ASSERT_OK(sock_msg_parse(
		      " { \"cmd\" : \"status\" , \"x\": 1.5e3, \"y\": null } ",
		      &m, err, sizeof(err)),
		  "spaces, other values");
	ASSERT_STREQ(m.cmd, "status", "cmd");
	ASSERT_OK(sock_msg_parse("{\"ok\":false,\"error\":\"a \\\"b\\\"\"}", &m,
				 err, sizeof(err)),
		  "reply");
	ASSERT_TRUE(m.has_ok && !m.ok, "ok false");
	ASSERT_STREQ(m.error, "a \"b\"", "escaped error");
	ASSERT_EQ(sock_msg_parse("{\"cmd\":\"events\",\"types\":[\"nope\"]}",
				 &m, err, sizeof(err)),
		  -EINVAL, "unknown type");
	ASSERT_STRCONTAINS(err, "unknown event type 'nope'", "message");
	ASSERT_EQ(sock_msg_parse("garbage", &m, err, sizeof(err)), -EINVAL,
		  "garbage");
	ASSERT_EQ(sock_msg_parse("{\"cmd\":\"ev", &m, err, sizeof(err)),
		  -EINVAL, "truncated");
	ASSERT_EQ(sock_msg_parse("{\"cmd\":\"\\u0000\"}", &m, err, sizeof(err)),
		  -EINVAL, "NUL escape");
	ASSERT_OK(sock_msg_parse("{\"cmd\":\"status\",\"bpf_stats_ms\":3000}",
				 &m, err, sizeof(err)),
		  "status with a sample");
	ASSERT_EQ(m.bpf_stats_ms, 3000, "bpf_stats_ms");
	ASSERT_EQ(sock_msg_parse("{\"cmd\":\"status\",\"bpf_stats_ms\":0}", &m,
				 err, sizeof(err)),
		  -EINVAL, "no sample time");
	ASSERT_EQ(sock_msg_parse(
		      "{\"cmd\":\"status\",\"bpf_stats_ms\":99999999999999}",
		      &m, err, sizeof(err)),
		  -EINVAL, "sample time too long");
	ASSERT_EQ(sock_msg_parse("{\"cmd\":\"status\",\"bpf_stats_ms\":1.5}",
				 &m, err, sizeof(err)),
		  -EINVAL, "sample time not an integer");
}

TEST(socket_no_agent)
{
	char out[1024];
	char *const st[] = {(char *)test_rtguard_bin(), "status", "--socket",
			    "/tmp/rtg-no-such-dir/x.sock", NULL};
	char *const ev[] = {(char *)test_rtguard_bin(), "events", "--socket",
			    "/tmp/rtg-no-such-dir/x.sock", NULL};
	int s;

	s = run_cmd(st, out, sizeof(out));
	ASSERT_EQ(WEXITSTATUS(s), 2, "status: exit 2");
	ASSERT_STRCONTAINS(
	    out,
	    "no agent at /tmp/rtg-no-such-dir/x.sock (is rtguard running?)",
	    "status message");
	s = run_cmd(ev, out, sizeof(out));
	ASSERT_EQ(WEXITSTATUS(s), 2, "events: exit 2");
	ASSERT_STRCONTAINS(out, "no agent at", "events message");
}

/* Two subscribers get what the test triggers; a third that never reads is
 * cut off under load while the agent and the others go on. */
TEST_T(socket_subscribers, 180)
{
	char dir[64], sock[128], marker[128], ack[512], line[8192];
	struct lines *sa = calloc(1, sizeof(*sa)), *sb = calloc(1, sizeof(*sb));
	struct lines *sc = calloc(1, sizeof(*sc)), *st = calloc(1, sizeof(*st));
	struct agent_run a;
	struct stat sst;
	long na = 0, nb = 0, nfile, t0;
	pid_t pid, load, sentinel;
	volatile long *read_min = MAP_FAILED;
	int i;
	bool seen_a = false, seen_b = false;

	TEST_NEED_ROOT();
	if (!ASSERT_OK(start_agent(&a, dir, sock, marker), "agent_start"))
		return;
	ASSERT_OK(stat(sock, &sst), "socket exists");
	ASSERT_EQ(sst.st_mode & 07777, 0600, "socket mode 0600");
	ASSERT_TRUE(S_ISSOCK(sst.st_mode), "a socket");

	if (!ASSERT_OK(
		subscribe(sa, sock, "{\"cmd\":\"events\"}\n", ack, sizeof(ack)),
		"subscriber A"))
		goto out;
	ASSERT_STREQ(ack, "{\"ok\":true,\"cmd\":\"events\"}", "ack A");
	ASSERT_OK(
	    subscribe(
		sb, sock,
		"{\"cmd\":\"events\",\"types\":[\"exec\",\"open\",\"lost\"]}\n",
		ack, sizeof(ack)),
	    "subscriber B");
	ASSERT_OK(subscribe(sc, sock,
			    "{\"cmd\":\"events\",\"types\":[\"open\"]}\n", ack,
			    sizeof(ack)),
		  "stalled subscriber C");

	pid = run_true();
	ASSERT_TRUE(wait_line(sa, EXEC_OF(pid), 5000), "A gets the exec");
	ASSERT_TRUE(wait_line(sb, EXEC_OF(pid), 5000), "B gets the exec");

	/* load: 20000 audited opens (about 12 MB of JSON); C never reads */
	read_min = mmap(NULL, sizeof(*read_min), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!ASSERT_TRUE(read_min != MAP_FAILED, "mmap"))
		goto out;
	*read_min = 0;
	load = fork();
	if (load == 0) {
		/* at most 1000 opens (~600 KB of JSON) ahead of what both A
		 * and B have read: a reader that keeps up is not cut off,
		 * however slow the machine (flat out, opens outrun any
		 * reader and cutting it off would be right); C, which never
		 * reads, still is. No progress for 10 s: go on regardless. */
		for (i = 0; i < 20000; i++) {
			wait_until(i - *read_min <= 1000, 10000);
			close(open(marker, O_RDONLY));
		}
		_exit(0);
	}
	sentinel = 0;
	t0 = now_ms();
	while (now_ms() - t0 < 120000 && !(seen_a && seen_b)) {
		struct pollfd p[2] = {{.fd = sa->fd, .events = POLLIN},
				      {.fd = sb->fd, .events = POLLIN}};

		if (!sentinel && waitpid(load, NULL, WNOHANG) == load)
			sentinel = run_true(); /* after every open */
		poll(p, 2, 100);
		while (!seen_a && next_line(sa, line, sizeof(line), 0)) {
			if (line_is(line, OPEN_OF(marker)))
				na++;
			if (sentinel && line_is(line, EXEC_OF(sentinel)))
				seen_a = true;
		}
		while (!seen_b && next_line(sb, line, sizeof(line), 0)) {
			if (line_is(line, OPEN_OF(marker)))
				nb++;
			if (sentinel && line_is(line, EXEC_OF(sentinel)))
				seen_b = true;
		}
		*read_min = na < nb ? na : nb;
		if (sa->eof || sb->eof)
			break;
	}
	ASSERT_TRUE(seen_a, "A keeps receiving (the exec after the load)");
	ASSERT_TRUE(seen_b, "B keeps receiving (the exec after the load)");
	ASSERT_EQ(kill(a.pid, 0), 0, "the agent is still running");

	/* C: what is in its socket, then EOF: the agent hung up on it */
	t0 = now_ms();
	while (!sc->eof && now_ms() - t0 < 10000) {
		sc->len = 0;
		next_line(sc, line, sizeof(line), 200);
	}
	ASSERT_TRUE(sc->eof, "the stalled subscriber was cut off");

	nfile = agent_count_events(&a, OPEN_OF(marker));
	ASSERT_GE(nfile, 19000, "the agent wrote the opens");
	ASSERT_EQ(na, nfile, "A got every open the agent wrote");
	ASSERT_EQ(nb, nfile, "B got every open the agent wrote");

	/* the loss is counted and reported */
	test_event_free(agent_wait_event(&a, 5000, SUBSCRIBER_LOST));
	ASSERT_EQ(agent_count_events(&a, SUBSCRIBER_LOST), 1,
		  "one lost event for the cut-off subscriber");
	if (ASSERT_OK(subscribe(st, sock, "{\"cmd\":\"status\"}\n", line,
				sizeof(line)),
		      "status")) {
		char *p = strstr(line, "\"subscriber\":");
		long n = p ? atol(p + 13) : 0;

		ASSERT_TRUE(n > 1000, "status: subscriber losses counted");
		ASSERT_STRCONTAINS(line, "\"subscribers\":2", "two left");
	}
out:
	if (read_min != MAP_FAILED)
		munmap((void *)read_min, sizeof(*read_min));
	ASSERT_EQ(agent_stop(&a), 0, "agent exits 0");
	ASSERT_TRUE(access(sock, F_OK) != 0, "socket removed at exit");
}

TEST(socket_stale_and_bad_requests)
{
	char dir[64], sock[128], marker[128], ack[1024];
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct lines *l = calloc(1, sizeof(*l));
	struct agent_run a, b;
	int fd;

	TEST_NEED_ROOT();
	/* a stale socket (an agent that died) where the next one listens */
	if (!ASSERT_OK(start_agent(&a, dir, sock, marker), "agent_start"))
		return;
	agent_stop(&a);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (strlen(sock) >= sizeof(sun.sun_path))
		return;
	memcpy(sun.sun_path, sock, strlen(sock) + 1);
	ASSERT_OK(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), "stale bind");
	close(fd);
	if (!ASSERT_OK(agent_start(&a, N("--socket", sock, "--no-pin")),
		       "agent starts over a stale socket"))
		return;
	ASSERT_OK(subscribe(l, sock, "{\"cmd\":\"bogus\"}\n", ack, sizeof(ack)),
		  "bogus");
	ASSERT_STRCONTAINS(ack, "{\"ok\":false,\"error\":\"unknown cmd",
			   "bogus cmd");
	ASSERT_TRUE(!next_line(l, ack, sizeof(ack), 2000) && l->eof,
		    "closed after the error");
	close(l->fd);
	ASSERT_OK(subscribe(l, sock, "{\"cmd\":\"events\",\"types\":[\"x\"]}\n",
			    ack, sizeof(ack)),
		  "bad type");
	ASSERT_STRCONTAINS(ack, "unknown event type 'x'", "bad type message");
	close(l->fd);
	ASSERT_OK(subscribe(l, sock, "not json\n", ack, sizeof(ack)),
		  "not json");
	ASSERT_STRCONTAINS(ack, "malformed request", "malformed");
	close(l->fd);
	/* a second agent on the same live socket: clear error, exit 1 */
	if (agent_start(&b, N("--socket", sock, "--no-pin")) == 0) {
		test_fail(__FILE__, __LINE__,
			  "a second agent took a live socket");
		agent_stop(&b);
	} else {
		char *e = agent_stderr(&b);

		ASSERT_STRCONTAINS(e, "another agent is serving", "message");
		free(e);
	}
	ASSERT_EQ(kill(a.pid, 0), 0, "the first agent runs on");
	ASSERT_OK(
	    subscribe(l, sock, "{\"cmd\":\"events\"}\n", ack, sizeof(ack)),
	    "the first agent still answers");
	close(l->fd);
	agent_stop(&a);
}

/* `rtguard status --socket sock` (with `--output fmt` unless NULL): its
 * wait status, its output into out */
