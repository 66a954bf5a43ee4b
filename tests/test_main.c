// SPDX-License-Identifier: GPL-2.0
/*
 * Runner: test_progs [-v] [-l] [TEST-GLOB[/SUBTEST-GLOB]...]. Each test
 * runs in a forked child (a crash or a hang fails that test only). Prints
 * one line per test and per subtest, and a closing
 * `test_progs: N passed, N failed, N skipped (subtests: N passed, N failed)`.
 * Exit 1 if any failed; the failed tests and their FAIL lines are repeated
 * just before that closing line. A glob without '/' selects whole tests; with one,
 * the tests it matches run only the subtests its second half matches.
 */
#include <fnmatch.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test.h"

#define EXIT_SKIP 77

static struct rtg_test *tests, **tail = &tests;
const char *test_name;
int test_verbose;
static int failed;

/* the selection, for test_subtest() in the child */
static int sel_argc;
static char **sel_argv;

/* the running test's number and its current subtest */
static int test_num;
static struct {
	char name[128];
	int num;
	bool active, failed;
} sub;

/* subtest totals, shared with the parent (the child counts) */
static struct sub_totals {
	int pass, fail;
} * totals;

/*
 * The running test's scratch paths (test_mkdtemp(), test_scratch()),
 * NUL-separated in memory shared with the parent. The parent removes them
 * when the test passed or was skipped, and names them in the log of a test
 * that failed.
 */
#define SCRATCH_BYTES 16384
static char *scratch;

void test_scratch(const char *path)
{
	size_t used = 0, n = strlen(path) + 1;

	while (used < SCRATCH_BYTES && scratch[used])
		used += strlen(scratch + used) + 1;
	if (used + n < SCRATCH_BYTES)
		memcpy(scratch + used, path, n);
	else
		fprintf(stderr,
			"%s: note: %s is not removed after the test "
			"(too many scratch paths)\n",
			test_name, path);
}

char *test_mkdtemp(char *tmpl)
{
	if (!mkdtemp(tmpl))
		return NULL;
	test_scratch(tmpl);
	return tmpl;
}

/* Removes name in dirfd and everything below it, through directory fds
 * (a tree deeper than PATH_MAX, as the deep-path tests make, goes too),
 * never following a symlink nor crossing into another file system. */
static void rm_tree_at(int at, const char *name, dev_t dev)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd;

	if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW))
		return;
	if (!S_ISDIR(st.st_mode)) {
		unlinkat(at, name, 0);
		return;
	}
	if (st.st_dev != dev)
		return; /* a mount point: leave it, and its parents */
	fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			rm_tree_at(dirfd(d), de->d_name, dev);
	closedir(d);
	unlinkat(at, name, AT_REMOVEDIR);
}

/* something is mounted at DIR or below it (a bind mount of the same file
 * system would let the removal reach through it) */
static bool mounted_under(const char *dir)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	size_t n = strlen(dir);
	char mnt[4096];
	bool found = false;

	while (f && !found &&
	       fscanf(f, "%*s %*s %*s %*s %4095s %*[^\n]", mnt) == 1)
		found = !strncmp(mnt, dir, n) && (!mnt[n] || mnt[n] == '/');
	if (f)
		fclose(f);
	return found;
}

/* after the test: remove its scratch paths, or name them in LOG */
static void scratch_end(bool keep, FILE *log)
{
	const char *dir;
	struct stat st;
	bool kept;
	size_t at;

	for (at = 0; at < SCRATCH_BYTES && scratch[at];
	     at += strlen(scratch + at) + 1) {
		dir = scratch + at;
		kept = keep;
		if (!kept && mounted_under(dir)) {
			kept = true;
			if (log)
				fprintf(log, "%s: left mounted under %s\n",
					test_name, dir);
		}
		if (kept && log)
			fprintf(log, "%s: kept %s\n", test_name, dir);
		else if (!kept && !lstat(dir, &st))
			rm_tree_at(AT_FDCWD, dir, st.st_dev);
	}
	memset(scratch, 0, SCRATCH_BYTES);
}

void rtg_test_register(struct rtg_test *t)
{
	*tail = t;
	tail = &t->next;
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (sub.active)
		fprintf(stderr, "%s/%s:FAIL:%s:%d: ", test_name, sub.name, file,
			line);
	else
		fprintf(stderr, "%s:FAIL:%s:%d: ", test_name, file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	failed = 1;
	sub.failed = true;
}

void test_skip(const char *fmt, ...)
{
	va_list ap;

	test_subtest_end();
	fprintf(stdout, "%s:SKIP: ", test_name);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(NULL);
	_exit(failed ? 1 : EXIT_SKIP);
}

const char *test_rtguard_bin(void)
{
	const char *b = getenv("RTG_BIN");

	return b && *b ? b : "./rtguard";
}

/* Does glob `g` (TEST or TEST/SUBTEST) select test `name`, and subtest
 * `subname` (NULL: the test as a whole)? */
static bool glob_selects(const char *g, const char *name, const char *subname)
{
	const char *slash = strchr(g, '/');
	char tpart[256];

	if (!slash)
		return !fnmatch(g, name, 0);
	snprintf(tpart, sizeof(tpart), "%.*s", (int)(slash - g), g);
	if (fnmatch(tpart, name, 0))
		return false;
	return !subname || !fnmatch(slash + 1, subname, 0);
}

static bool selected(const char *name, const char *subname, int argc,
		     char **argv)
{
	int i, any = 0;

	for (i = 1; i < argc; i++) {
		if (argv[i][0] == '-')
			continue;
		any = 1;
		if (glob_selects(argv[i], name, subname))
			return true;
	}
	return !any;
}

void test_subtest_end(void)
{
	if (!sub.active)
		return;
	sub.active = false;
	if (sub.failed)
		totals->fail++;
	else
		totals->pass++;
	printf("#%d/%-3d %s/%s %s\n", test_num, sub.num, test_name, sub.name,
	       sub.failed ? "FAIL" : "OK");
	fflush(stdout);
}

bool test_subtest(const char *name)
{
	test_subtest_end();
	sub.num++;
	if (!selected(test_name, name, sel_argc, sel_argv))
		return false;
	snprintf(sub.name, sizeof(sub.name), "%s", name);
	sub.active = true;
	sub.failed = false;
	return true;
}

const char *test_subtest_name(void)
{
	return sub.active ? sub.name : NULL;
}

/* A hang inside a subtest: say which one before the alarm kills us. */
static void on_alarm(int sig)
{
	char msg[256];
	int n;

	if (sub.active) {
		n = snprintf(msg, sizeof(msg), "%s/%s:FAIL: timed out\n",
			     test_name, sub.name);
		if (n > 0 && write(2, msg, n) < 0)
			n = 0;
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * Each test's stderr goes to a file of its own, copied to ours when the test
 * ends. A failed test keeps its FAIL lines (or, with none, its last lines),
 * repeated after the run so the tail of a long log says what failed and why.
 */
#define FAIL_KEEP_LINES 8

static char *failures;
static size_t failures_len;
static FILE *failures_out;

static void log_replay(FILE *log, const char *name, bool keep)
{
	char *line = NULL, *last[FAIL_KEEP_LINES] = {0};
	size_t cap = 0;
	int nfail = 0, nlines = 0, i;
	FILE *out = NULL;
	ssize_t n;

	if (keep && !failures_out)
		failures_out = open_memstream(&failures, &failures_len);
	if (keep)
		out = failures_out;
	if (out)
		fprintf(out, "- %s\n", name);
	fflush(log);
	rewind(log);
	while ((n = getline(&line, &cap, log)) > 0) {
		fwrite(line, 1, n, stderr);
		if (!out)
			continue;
		if (strstr(line, ":FAIL") && nfail < FAIL_KEEP_LINES) {
			fprintf(out, "    %s", line);
			nfail++;
		}
		free(last[nlines % FAIL_KEEP_LINES]);
		last[nlines++ % FAIL_KEEP_LINES] = strdup(line);
	}
	for (i = 0; out && !nfail && i < FAIL_KEEP_LINES; i++) {
		char *l = last[(nlines + i) % FAIL_KEEP_LINES];

		if (l)
			fprintf(out, "    %s", l);
	}
	for (i = 0; i < FAIL_KEEP_LINES; i++)
		free(last[i]);
	free(line);
	fflush(stderr);
}

int main(int argc, char **argv)
{
	int npass = 0, nfail = 0, nskip = 0, i;
	struct rtg_test *t;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-v"))
			test_verbose = 1;
		if (!strcmp(argv[i], "-l")) {
			for (t = tests; t; t = t->next)
				printf("%s\n", t->name);
			return 0;
		}
	}
	sel_argc = argc;
	sel_argv = argv;
	totals = mmap(NULL, sizeof(*totals), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	scratch = mmap(NULL, SCRATCH_BYTES, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (totals == MAP_FAILED || scratch == MAP_FAILED)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (t = tests; t; t = t->next) {
		struct timespec a, b;
		int status = 0;
		FILE *log;
		pid_t pid;

		if (!selected(t->name, NULL, argc, argv))
			continue;
		test_num = npass + nfail + nskip + 1;
		clock_gettime(CLOCK_MONOTONIC, &a);
		fflush(NULL);
		log = tmpfile();
		pid = fork();
		if (pid == 0) {
			setpgid(0, 0);
			/* stderr only: programs the test starts that keep
			 * running (podman's conmon) must not hold more */
			if (log) {
				dup2(fileno(log), 2);
				fclose(log);
			}
			test_name = t->name;
			signal(SIGALRM, on_alarm);
			alarm(t->timeout_s);
			t->fn();
			test_subtest_end();
			fflush(NULL);
			_exit(failed ? 1 : 0);
		}
		while (waitpid(pid, &status, 0) < 0)
			;
		/* whatever the test left behind in its process group */
		kill(-pid, SIGKILL);
		clock_gettime(CLOCK_MONOTONIC, &b);
		double secs =
		    (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			npass++;
			printf("#%-3d %-40s OK (%.1fs)\n", test_num, t->name,
			       secs);
		} else if (WIFEXITED(status) &&
			   WEXITSTATUS(status) == EXIT_SKIP) {
			nskip++;
			printf("#%-3d %-40s SKIP\n", test_num, t->name);
		} else {
			nfail++;
			if (WIFSIGNALED(status))
				printf("#%-3d %-40s FAIL (signal %d%s)\n",
				       test_num, t->name, WTERMSIG(status),
				       WTERMSIG(status) == SIGALRM
					   ? ", timed out"
					   : "");
			else
				printf("#%-3d %-40s FAIL\n", test_num, t->name);
		}
		bool ok =
		    WIFEXITED(status) && (WEXITSTATUS(status) == 0 ||
					  WEXITSTATUS(status) == EXIT_SKIP);

		test_name = t->name;
		scratch_end(!ok, log);
		if (log) {
			log_replay(log, t->name, !ok);
			fclose(log);
		}
	}
	if (failures_out)
		fclose(failures_out);
	if (failures)
		printf("failed, with the FAIL lines (or last lines) of each:\n"
		       "%s",
		       failures);
	printf("test_progs: %d passed, %d failed, %d skipped (subtests: %d "
	       "passed, %d failed)\n",
	       npass, nfail, nskip, totals->pass, totals->fail);
	return nfail ? 1 : 0;
}
