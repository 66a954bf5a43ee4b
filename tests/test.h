/* SPDX-License-Identifier: GPL-2.0 */
/*
 * test_progs-style harness. A test is
 *
 *   TEST(json_escape) { ... if (!ASSERT_EQ(a, b, "what")) return; ... }
 *
 * Every test runs in its own forked child with a time limit; ASSERT_* print
 * `test:FAIL:what actual X != expected Y` and mark the test failed, and
 * evaluate to true when the assertion held. test_skip() ends the test as
 * skipped with a reason; TEST_NEED_ROOT() skips when not root.
 *
 * Subtests, as in the kernel's test_progs: inside a TEST,
 *
 *   for (i = 0; i < ARRAY_SIZE(cases); i++) {
 *           if (!test_subtest(cases[i].name))
 *                   continue;
 *           ...ASSERT_*...
 *   }
 *
 * test_subtest() ends the subtest before it (if any) and starts NAME; it
 * returns false when NAME is not selected (`test_progs TEST/SUBTEST-GLOB`).
 * Each subtest is reported on its own line (`#N/M TEST/NAME OK|FAIL`); an
 * assertion that fails inside it fails the subtest and the test.
 * test_subtest_end() ends the current one explicitly, so that what follows
 * (checks over every case) belongs to the test again.
 */
#ifndef RTG_TEST_H
#define RTG_TEST_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct rtg_test {
	const char *name;
	void (*fn)(void);
	int timeout_s;
	struct rtg_test *next;
};

void rtg_test_register(struct rtg_test *t);
void test_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void test_skip(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
extern const char *test_name; /* the running test */
extern int test_verbose;

/* Starts subtest `name` of the running test (see above). */
bool test_subtest(const char *name);
/* Ends the current subtest, if any, and reports it. */
void test_subtest_end(void);
/* The running subtest's name, or NULL. */
const char *test_subtest_name(void);

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* Path of the rtguard binary under test ($RTG_BIN or ./rtguard). */
const char *test_rtguard_bin(void);
/* mkdtemp(TMPL), and the directory is removed after the test unless it
 * failed (the log then names it) */
char *test_mkdtemp(char *tmpl);
/* the same for a path the test made otherwise (a file, a link) */
void test_scratch(const char *path);

#define TEST_T(tname, timeout)                                                 \
	static void test_##tname(void);                                        \
	static struct rtg_test rtg_t_##tname = {#tname, test_##tname, timeout, \
						NULL};                         \
	__attribute__((constructor)) static void rtg_reg_##tname(void)         \
	{                                                                      \
		rtg_test_register(&rtg_t_##tname);                             \
	}                                                                      \
	static void test_##tname(void)
#define TEST(tname) TEST_T(tname, 60)

#define TEST_NEED_ROOT()                                                       \
	do {                                                                   \
		if (geteuid() != 0)                                            \
			test_skip("needs root (CAP_BPF, CAP_SYS_ADMIN)");      \
	} while (0)

#define ASSERT_TRUE(cond, what)                                                \
	({                                                                     \
		bool ___ok = !!(cond);                                         \
		if (!___ok)                                                    \
			test_fail(__FILE__, __LINE__, "%s: not true: %s",      \
				  (what), #cond);                              \
		___ok;                                                         \
	})

#define ASSERT_EQ(actual, expected, what)                                      \
	({                                                                     \
		long long ___a = (long long)(actual);                          \
		long long ___e = (long long)(expected);                        \
		bool ___ok = ___a == ___e;                                     \
		if (!___ok)                                                    \
			test_fail(__FILE__, __LINE__,                          \
				  "%s: actual %lld != expected %lld", (what),  \
				  ___a, ___e);                                 \
		___ok;                                                         \
	})

#define ASSERT_NEQ(actual, expected, what)                                     \
	({                                                                     \
		long long ___a = (long long)(actual);                          \
		long long ___e = (long long)(expected);                        \
		bool ___ok = ___a != ___e;                                     \
		if (!___ok)                                                    \
			test_fail(__FILE__, __LINE__,                          \
				  "%s: actual %lld == unexpected %lld",        \
				  (what), ___a, ___e);                         \
		___ok;                                                         \
	})

#define ASSERT_GE(actual, expected, what)                                      \
	({                                                                     \
		long long ___a = (long long)(actual);                          \
		long long ___e = (long long)(expected);                        \
		bool ___ok = ___a >= ___e;                                     \
		if (!___ok)                                                    \
			test_fail(__FILE__, __LINE__,                          \
				  "%s: actual %lld < expected %lld", (what),   \
				  ___a, ___e);                                 \
		___ok;                                                         \
	})

#define ASSERT_OK(err, what)                                                   \
	({                                                                     \
		long long ___e = (long long)(err);                             \
		bool ___ok = ___e == 0;                                        \
		if (!___ok)                                                    \
			test_fail(__FILE__, __LINE__,                          \
				  "%s: unexpected error %lld (%s)", (what),    \
				  ___e, strerror(___e < 0 ? -___e : ___e));    \
		___ok;                                                         \
	})

#define ASSERT_STREQ(actual, expected, what)                                   \
	({                                                                     \
		const char *___a = (actual);                                   \
		const char *___e = (expected);                                 \
		bool ___ok = ___a && ___e && !strcmp(___a, ___e);              \
		if (!___ok)                                                    \
			test_fail(__FILE__, __LINE__,                          \
				  "%s: actual '%s' != expected '%s'", (what),  \
				  ___a ? ___a : "(null)",                      \
				  ___e ? ___e : "(null)");                     \
		___ok;                                                         \
	})

#define ASSERT_STRCONTAINS(actual, needle, what)                               \
	({                                                                     \
		const char *___a = (actual);                                   \
		const char *___n = (needle);                                   \
		bool ___ok = ___a && ___n && strstr(___a, ___n);               \
		if (!___ok)                                                    \
			test_fail(__FILE__, __LINE__,                          \
				  "%s: '%s' does not contain '%s'", (what),    \
				  ___a ? ___a : "(null)",                      \
				  ___n ? ___n : "(null)");                     \
		___ok;                                                         \
	})

#endif
