// SPDX-License-Identifier: GPL-2.0
/*
 * Runner: test_progs [-v] [-l] [NAME-GLOB...]. Each test runs in a forked
 * child (a crash or a hang fails that test only). Prints one line per test
 * and a closing `N passed, N failed, N skipped`. Exit 1 if any failed.
 */
#include <fnmatch.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test.h"

#define EXIT_SKIP 77

static struct rtg_test *tests, **tail = &tests;
const char *test_name;
int test_verbose;
static int failed;

void rtg_test_register(struct rtg_test *t)
{
	*tail = t;
	tail = &t->next;
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:FAIL:%s:%d: ", test_name, file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	failed = 1;
}

void test_skip(const char *fmt, ...)
{
	va_list ap;

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

static bool selected(const char *name, int argc, char **argv)
{
	int i, any = 0;

	for (i = 1; i < argc; i++) {
		if (argv[i][0] == '-')
			continue;
		any = 1;
		if (!fnmatch(argv[i], name, 0))
			return true;
	}
	return !any;
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
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (t = tests; t; t = t->next) {
		struct timespec a, b;
		int status = 0;
		pid_t pid;

		if (!selected(t->name, argc, argv))
			continue;
		clock_gettime(CLOCK_MONOTONIC, &a);
		fflush(NULL);
		pid = fork();
		if (pid == 0) {
			setpgid(0, 0);
			test_name = t->name;
			alarm(t->timeout_s);
			t->fn();
			fflush(NULL);
			_exit(failed ? 1 : 0);
		}
		while (waitpid(pid, &status, 0) < 0)
			;
		/* whatever the test left behind in its process group */
		kill(-pid, SIGKILL);
		clock_gettime(CLOCK_MONOTONIC, &b);
		double secs = (b.tv_sec - a.tv_sec) +
			      (b.tv_nsec - a.tv_nsec) / 1e9;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			npass++;
			printf("#%-3d %-40s OK (%.1fs)\n", npass + nfail + nskip,
			       t->name, secs);
		} else if (WIFEXITED(status) &&
			   WEXITSTATUS(status) == EXIT_SKIP) {
			nskip++;
			printf("#%-3d %-40s SKIP\n", npass + nfail + nskip,
			       t->name);
		} else {
			nfail++;
			if (WIFSIGNALED(status))
				printf("#%-3d %-40s FAIL (signal %d%s)\n",
				       npass + nfail + nskip, t->name,
				       WTERMSIG(status),
				       WTERMSIG(status) == SIGALRM ?
					       ", timed out" :
					       "");
			else
				printf("#%-3d %-40s FAIL\n",
				       npass + nfail + nskip, t->name);
		}
	}
	printf("test_progs: %d passed, %d failed, %d skipped\n", npass, nfail,
	       nskip);
	return nfail ? 1 : 0;
}
