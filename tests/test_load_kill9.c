// SPDX-License-Identifier: GPL-2.0
/*
 * kill -9 of the agent in the middle of a storm, then a restart on the same
 * pins (see test_load.c for the storms and what the counts must be).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "load_util.h"
#include "test.h"

extern char **environ;

/* kill -9 in the middle of a storm, then a restart on the same pins. */
struct storm {
	volatile int stop;
	volatile long started; /* execs started; the next seq */
	volatile long kills, killed; /* exec of rtg-killme; ended by SIGKILL */
	volatile long connects, refused; /* denied connect; EPERM */
	volatile long opens, open_denied, open_killed; /* secret: EPERM,
							   SIGKILL */
};

static pid_t storm_child(struct storm *sh, int role, const struct load *l,
			 const char *killme, const char *secret)
{
	struct sockaddr_in in = { .sin_family = AF_INET,
				  .sin_port = htons(l->port + 1) };
	pid_t pid = fork();
	char seq[32];
	int st, fd;

	if (pid)
		return pid;
	inet_pton(AF_INET, "127.0.0.3", &in.sin_addr);
	while (!sh->stop) {
		pid_t c;

		switch (role) {
		case 0: /* exec storm, each exec numbered in its argv */
			snprintf(seq, sizeof(seq), "rtgseq-%ld", sh->started);
			sh->started++;
			if (!posix_spawn(&c, l->binary, NULL, NULL,
					 (char *const[]){ "true", seq, NULL },
					 environ))
				waitpid(c, NULL, 0);
			break;
		case 1: /* opens: audited target (storm), denied secret */
			fd = open(l->target, O_RDONLY | O_CLOEXEC);
			if (fd >= 0)
				close(fd);
			c = fork();
			if (!c) {
				char b;

				fd = open(secret, O_RDONLY | O_CLOEXEC);
				_exit(fd >= 0 && read(fd, &b, 1) == 1 ? 0 :
				      errno == EPERM		     ? 1 :
								       2);
			}
			if (c > 0 && waitpid(c, &st, 0) == c) {
				sh->opens++;
				if (WIFEXITED(st) && WEXITSTATUS(st) == 1)
					sh->open_denied++;
				else if (WIFSIGNALED(st) &&
					 WTERMSIG(st) == SIGKILL)
					sh->open_killed++;
			}
			break;
		case 2: /* kernel-decided kill and connect deny */
			if (!posix_spawn(&c, killme, NULL, NULL,
					 (char *const[]){ "rtg-killme", "5",
							  NULL },
					 environ)) {
				waitpid(c, &st, 0);
				sh->kills++;
				if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
					sh->killed++;
			}
			fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
			sh->connects++;
			if (connect(fd, (void *)&in, sizeof(in)) && errno == EPERM)
				sh->refused++;
			close(fd);
			/* the pace of this role (not a wait for a
			 * condition) */
			usleep(2000);
			break;
		}
	}
	_exit(0);
}

struct seqs {
	long from, to, n;
	unsigned char *seen;
};

static void seq_cb(const struct test_event *e, void *arg)
{
	const char *a1 = ev_str(e, "process.args[1]");
	struct seqs *s = arg;
	long q;

	if (!a1 || strncmp(a1, "rtgseq-", 7))
		return;
	q = strtol(a1 + 7, NULL, 10);
	if (q >= s->from && q < s->to && !s->seen[q]) {
		s->seen[q] = 1;
		s->n++;
	}
}

/* The exec events of seq >= from (and < to) in path, each counted once. */
static long seqs_seen(const char *path, long from, long to)
{
	struct seqs s = { from, to, 0, calloc(to > 0 ? to : 1, 1) };

	if (s.seen)
		events_each(path, EV_WHERE(EV_STR("type", "exec")), seq_cb, &s);
	free(s.seen);
	return s.n;
}

/* While execs, opens, denied connects and killed execs storm: SIGKILL to
 * the agent, 1 s with no agent, a second agent on the same pins. Nothing
 * hangs (fanotify releases the pending opens of a dead group); the kernel
 * decisions (SIGKILL, connect EPERM) hold all along; the `equal` open deny
 * is EPERM while an agent runs and, with no fanotify group, the open
 * tracepoint's SIGKILL: the file is never read. Every exec from the kill
 * on is delivered by the second agent or counted in its losses. */
TEST_T(load_kill9_mid_storm, 180)
{
	char killme[160], secret[160], text[1024], *err;
	long s_kill, s_end, seen, kills_gap0, kills_gap1, gap_opens0, denied;
	struct agent_run a, b;
	struct storm *sh;
	struct tally t;
	struct load l;
	pid_t kids[3];
	FILE *f;
	int i, st;

	TEST_NEED_ROOT();
	if (!ASSERT_OK(load_make(&l), "fixture"))
		return;
	snprintf(killme, sizeof(killme), "%s/bin/rtg-killme", l.dir);
	snprintf(secret, sizeof(secret), "%s/secret", l.dir);
	snprintf(text, sizeof(text), "cp /bin/sleep %s", killme);
	if (!ASSERT_OK(system(text), "killme binary") ||
	    !ASSERT_OK(put_file(secret, "s\n"), "secret"))
		return;
	f = fopen(l.policy, "ae");
	if (!ASSERT_TRUE(f, "policy"))
		return;
	fprintf(f,
		"  - name: kill-killme\n    on: exec\n"
		"    match: { path: { suffix: [/rtg-killme] } }\n"
		"    action: kill\n"
		"  - name: deny-port\n    on: connect\n"
		"    match: { daddr: [127.0.0.3/32], dport: [%d] }\n"
		"    action: deny\n"
		"  - name: deny-secret\n    on: open\n"
		"    match: { path: { equal: [%s] } }\n    action: deny\n",
		l.port + 1, secret);
	fclose(f);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!ASSERT_TRUE(sh != MAP_FAILED, "mmap") ||
	    !ASSERT_OK(agent_start(&a, N("--policy", l.policy)), "first agent"))
		return;
	for (i = 0; i < 3; i++)
		kids[i] = storm_child(sh, i, &l, killme, secret);
	/* the storm under way, and seen by the first agent */
	ASSERT_TRUE(wait_until(sh->kills >= 5 && sh->opens >= 5 &&
				       seqs_seen(a.out, 0, sh->started) > 0,
			       20000),
		    "the storm runs");
	kill(a.pid, SIGKILL);
	waitpid(a.pid, &st, 0);
	a.pid = 0;
	s_kill = sh->started;
	kills_gap0 = sh->kills;
	gap_opens0 = sh->opens;
	/* the behaviour under test: 1 s with no agent at all (not a wait
	 * for a condition) */
	usleep(1000 * 1000);
	kills_gap1 = sh->kills;
	ASSERT_TRUE(sh->opens > gap_opens0,
		    "opens of the fanotify-denied file do not hang without an agent");
	ASSERT_TRUE(sh->open_killed > 0,
		    "without the fanotify group the open tracepoint kills the opener");
	if (!ASSERT_OK(agent_start(&b, N("--policy", l.policy)), "second agent")) {
		sh->stop = 1;
		goto reap;
	}
	err = agent_stderr(&b);
	ASSERT_STRCONTAINS(err, "took over", "second agent adopted the pins");
	free(err);
	/* the storm meets the second agent's fanotify deny */
	denied = sh->open_denied;
	ASSERT_TRUE(wait_until(sh->open_denied > denied, 10000),
		    "the storm's opens are denied again");
	ASSERT_EQ(open_errno_in_child(secret), EPERM,
		  "fanotify deny again with the second agent");
	sh->stop = 1;
reap:
	for (i = 0; i < 3; i++) {
		if (!ASSERT_TRUE(wait_child(kids[i], 10000) != -1,
				 "storm process ended (nothing hangs)")) {
			kill(kids[i], SIGKILL);
			waitpid(kids[i], NULL, 0);
		}
	}
	s_end = sh->started;
	if (!b.pid)
		goto out;
	/* every exec from the kill on written or counted lost (the loss
	 * report runs once a second) */
	wait_until((tally(b.out, STORM_EXEC(&l), &t),
		    seqs_seen(b.out, s_kill, s_end) + t.lost_exec >=
			    s_end - s_kill),
		   10000);
	ASSERT_EQ(WEXITSTATUS(agent_stop(&b)), 0, "second agent exits 0");
	ASSERT_TRUE(kills_gap1 > kills_gap0, "killme ran during the gap");
	ASSERT_GE(sh->kills, 20, "killme ran");
	ASSERT_EQ(sh->killed, sh->kills,
		  "every killme exec was SIGKILLed, before, during and after the gap");
	ASSERT_GE(sh->connects, 100, "connects were attempted");
	ASSERT_EQ(sh->refused, sh->connects, "every denied connect got EPERM");
	ASSERT_TRUE(sh->open_denied > 0, "fanotify denied opens");
	ASSERT_EQ(sh->open_denied + sh->open_killed, sh->opens,
		  "the denied file was never read: EPERM with an agent, SIGKILL without");
	ASSERT_TRUE(seqs_seen(a.out, 0, s_kill) > 0,
		    "the first agent saw the storm before it was killed");
	tally(b.out, STORM_EXEC(&l), &t);
	seen = seqs_seen(b.out, s_kill, s_end);
	if (test_verbose)
		fprintf(stderr,
			"kill -9: execs %ld..%ld after the kill, %ld delivered by the second agent, %ld lost (exec); killme %ld/%ld, connect %ld/%ld, open denied %ld killed %ld of %ld\n",
			s_kill, s_end, seen, t.lost_exec, sh->killed, sh->kills,
			sh->refused, sh->connects, sh->open_denied,
			sh->open_killed, sh->opens);
	ASSERT_TRUE(seqs_seen(b.out, s_kill, s_end) > 0 || t.lost_exec > 0,
		    "execs of the gap delivered or counted");
	ASSERT_TRUE(seen + t.lost_exec >= s_end - s_kill,
		    "every exec from the kill on: delivered by the second agent or counted lost");
	ASSERT_TRUE(json_lines_valid(b.out), "second agent's output is JSON");
	final_counters_ok(&b, "after kill -9");
out:
	munmap(sh, sizeof(*sh));
}

