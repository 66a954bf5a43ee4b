// SPDX-License-Identifier: GPL-2.0
/*
 * Output file rotation (--output-file-max-mb / --output-file-keep) and the
 * SIGUSR1 reopen: the rotate module on its own, the output module writing
 * through it, and the real agent.
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
#include "decode.h"
#include "output.h"
#include "rotate.h"
#include "test.h"

extern char **environ;

static char *get(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

TEST(rotate_files_shift)
{
	char dir[] = "/tmp/rtg-rot-XXXXXX", p[64], q[128];
	int i;

	test_mkdtemp(dir);
	snprintf(p, sizeof(p), "%s/out", dir);
	put_file(p, "cur");
	for (i = 1; i <= 3; i++) {
		char t[8];

		snprintf(q, sizeof(q), "%s.%d", p, i);
		snprintf(t, sizeof(t), "old%d", i);
		put_file(q, t);
	}
	ASSERT_OK(rotate_files(p, 3), "rotate_files");
	ASSERT_TRUE(!exists(p), "PATH moved away");
	snprintf(q, sizeof(q), "%s.1", p);
	ASSERT_STREQ(get(q), "cur", "PATH -> PATH.1");
	snprintf(q, sizeof(q), "%s.2", p);
	ASSERT_STREQ(get(q), "old1", "PATH.1 -> PATH.2");
	snprintf(q, sizeof(q), "%s.3", p);
	ASSERT_STREQ(get(q), "old2", "PATH.2 -> PATH.3 (old PATH.3 gone)");
	snprintf(q, sizeof(q), "%s.4", p);
	ASSERT_TRUE(!exists(q), "no PATH.4 with keep 3");
	/* gaps are fine */
	put_file(p, "new");
	snprintf(q, sizeof(q), "%s.2", p);
	unlink(q);
	ASSERT_OK(rotate_files(p, 3), "rotate with a gap");
	snprintf(q, sizeof(q), "%s.1", p);
	ASSERT_STREQ(get(q), "new", "PATH -> PATH.1 again");
	snprintf(q, sizeof(q), "%s.2", p);
	ASSERT_STREQ(get(q), "cur", "PATH.1 -> PATH.2");
	/* keep 0: the file is just removed */
	put_file(p, "x");
	ASSERT_OK(rotate_files(p, 0), "keep 0");
	ASSERT_TRUE(!exists(p), "keep 0 removes PATH");
}

TEST(rotate_parse_mb)
{
	uint64_t b;

	ASSERT_OK(rotate_parse_mb("1", &b), "1");
	ASSERT_EQ(b, 1048576, "1 MiB");
	ASSERT_OK(rotate_parse_mb("0.5", &b), "0.5");
	ASSERT_EQ(b, 524288, "0.5 MiB");
	ASSERT_OK(rotate_parse_mb("0.0001", &b), "tiny");
	ASSERT_EQ(b, 4096, "at least 4096 bytes");
	ASSERT_EQ(rotate_parse_mb("0", &b), -EINVAL, "0");
	ASSERT_EQ(rotate_parse_mb("-1", &b), -EINVAL, "negative");
	ASSERT_EQ(rotate_parse_mb("1x", &b), -EINVAL, "junk");
	ASSERT_EQ(rotate_parse_mb("", &b), -EINVAL, "empty");
	ASSERT_EQ(rotate_parse_mb("nan", &b), -EINVAL, "nan");
}

/* Lines and bytes of a file; *whole false when it does not end in '\n'. */
static long count_lines(const char *path, long *bytes, bool *whole)
{
	FILE *f = fopen(path, "re");
	long n = 0, b = 0;
	int c, last = '\n';

	if (!f)
		return -1;
	while ((c = fgetc(f)) != EOF) {
		b++;
		if (c == '\n')
			n++;
		last = c;
	}
	fclose(f);
	*bytes = b;
	*whole = last == '\n';
	return n;
}

/* Lines across PATH, PATH.1 ... (every file whole and at most max bytes);
 * *nfiles gets the number of files. */
static long count_all(const char *path, long max, int *nfiles)
{
	char p[256];
	long total = 0, n, bytes;
	bool whole;
	int i;

	*nfiles = 0;
	for (i = 0; i < 1000; i++) {
		if (i)
			snprintf(p, sizeof(p), "%s.%d", path, i);
		else
			snprintf(p, sizeof(p), "%s", path);
		n = count_lines(p, &bytes, &whole);
		if (n < 0) {
			if (i)
				break;
			continue;
		}
		(*nfiles)++;
		ASSERT_TRUE(whole, "a file ends with a whole line");
		if (n > 1)
			ASSERT_TRUE(
			    bytes <= max,
			    "a file of several lines stays under the limit");
		total += n;
	}
	return total;
}

TEST(rotate_output_lines)
{
	char dir[] = "/tmp/rtg-rot-XXXXXX", p[64], q[128];
	struct rtg_event_view ev = {.type = RTG_EV_LOST};
	struct output *o;
	FILE *f;
	int i, nfiles;
	long lines;

	test_mkdtemp(dir);
	snprintf(p, sizeof(p), "%s/events.json", dir);
	f = fopen(p, "ae");
	o = f ? output_new(OUTPUT_JSON, f) : NULL;
	if (!ASSERT_TRUE(o, "output_new"))
		return;
	output_set_rotation(o, p, 4096, 100);
	ev.lost.source = "test";
	for (i = 0; i < 1000; i++) {
		ev.lost.count = i;
		if (!ASSERT_OK(output_event(o, &ev), "output_event"))
			return;
	}
	output_flush(o);
	lines = count_all(p, 4096, &nfiles);
	ASSERT_EQ(lines, 1000, "no line lost across the files");
	ASSERT_GE(nfiles, 10, "rotated into many files");
	/* keep 3: only PATH.1 .. PATH.3 stay */
	output_set_rotation(o, p, 4096, 3);
	for (i = 0; i < 1000; i++)
		output_event(o, &ev);
	output_flush(o);
	snprintf(q, sizeof(q), "%s.3", p);
	ASSERT_TRUE(exists(q), "PATH.3 kept");
	snprintf(q, sizeof(q), "%s.4", p);
	ASSERT_TRUE(exists(q),
		    "PATH.4 left over from keep 100 (not ours to remove)");
	output_free(o);
	fclose(f);
}

/* ---------------------------------------------------------- the agent */

/* events of path matching m */
static int events_find_count(const char *path, const struct ev_field *m)
{
	int n = 0;

	test_event_free(events_find(path, m, &n));
	return n;
}

/* "open     audit=N deny=..." of the agent's final counters */
static long counter(const char *err, const char *type)
{
	char key[32];
	const char *p;
	long a = 0, d = 0, k = 0;

	snprintf(key, sizeof(key), "info: %-8s audit=", type);
	p = strstr(err, key);
	if (!p ||
	    sscanf(p + strlen(key), "%ld deny=%ld kill=%ld", &a, &d, &k) != 3)
		return -1;
	return a + d + k;
}

TEST_T(rotate_agent, 120)
{
	char pol[] = "/tmp/rtg-rotpol-XXXXXX", ppath[160];
	char marker[200], *err;
	struct agent_run a;
	int i, nfiles;
	long lines, want;
	pid_t pid;

	TEST_NEED_ROOT();
	test_mkdtemp(pol);
	snprintf(ppath, sizeof(ppath), "%s/p.yaml", pol);
	snprintf(marker, sizeof(marker), "%s/marker", pol);
	put_marker_policy(ppath, "rotate-test", marker);
	if (!ASSERT_OK(
		agent_start(&a, N("--policy", ppath, "--output-file-max-mb",
				  "0.05", "--output-file-keep", "200",
				  "--socket", "none", "--no-pin")),
		"agent_start"))
		return;
	pid = fork();
	if (pid == 0) {
		for (i = 0; i < 4000; i++)
			close(open(marker, O_RDONLY));
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	spawn_wait((char *const[]){ "/bin/true", NULL }, &pid);
	/* the agent has caught up with the opens before it stops */
	test_event_free(agent_wait_event(
		&a, 5000,
		EV_WHERE(EV_STR("type", "exec"),
			 EV_STR("process.binary", "/usr/bin/true"))));
	ASSERT_EQ(agent_stop(&a), 0, "agent exits 0");
	err = agent_stderr(&a);
	want = counter(err, "exec") + counter(err, "exit") +
	       counter(err, "open") + counter(err, "connect");
	free(err);
	lines = count_all(a.out, 52429, &nfiles);
	ASSERT_GE(nfiles, 20, "rotated (4000 open events of ~600 bytes)");
	ASSERT_GE(want, 4000, "the agent counted the opens");
	/* lost lines are reported but not counted per type: none expected */
	ASSERT_EQ(lines, want,
		  "lines across the files == the agent's counters");
}

TEST(rotate_agent_reopen)
{
	struct agent_run a;
	char moved[sizeof(a.out)];
	struct test_event *e;
	pid_t pid;

	TEST_NEED_ROOT();
	if (!ASSERT_OK(agent_start(&a, N("--socket", "none", "--no-pin")),
		       "agent_start"))
		return;
	if (strlen(a.out) + 7 > sizeof(moved))
		return;
	strcpy(moved, a.out);
	strcat(moved, ".moved");
	if (!ASSERT_OK(rename(a.out, moved), "move the file away"))
		return;
	kill(a.pid, SIGUSR1);
	agent_wait_stderr(&a, "reopened", 1, 5000);
	ASSERT_TRUE(exists(a.out), "a new file at the original path");
	spawn_wait((char *const[]){ "/bin/true", NULL }, &pid);
	e = agent_wait_event(&a, 5000,
			     EV_WHERE(EV_STR("type", "exec"),
				      EV_INT("process.pid", pid)));
	ASSERT_TRUE(e, "the exec after SIGUSR1 is in the new file");
	test_event_free(e);
	ASSERT_EQ(events_find_count(moved, EV_WHERE(EV_INT("process.pid", pid))) +
			  events_find_count(moved,
					    EV_WHERE(EV_INT("parent.pid", pid))),
		  0, "and not in the moved one");
	agent_stop(&a);
	ASSERT_TRUE(json_lines_valid(a.out), "the new file is JSON lines");
}
