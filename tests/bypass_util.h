/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the bypass tests (test_bypass*.c): the fixture whose files the
 * deny rules protect, and attempts made in a forked child whose outcome
 * (exit status or signal, what it read) is judged against what rtguard
 * guarantees: blocked (EPERM, or SIGKILL before a byte was read or the
 * program ran), or a stated limit (it works, and the test says so).
 */
#ifndef RTG_BYPASS_UTIL_H
#define RTG_BYPASS_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent_util.h"

#define SECRET	"S3CR3T-content"
#define PRIVATE "PR1V4TE-content"
#define PUBLIC	"PUBL1C-content"

/* In a fresh temp dir D; '@' in a path template stands for D. */
struct fixture {
	char dir[64];
	char secret[128];     /* @/secret: open, equal deny (fanotify EPERM) */
	char privdir[128];    /* @/private: open, prefix deny (SIGKILL) */
	char privfile[160];   /* @/private/data */
	char pubdir[128];     /* @/public */
	char pubfile[160];    /* @/public/data */
	char forbidden[160];  /* @/forbidden: exec, equal deny (touch) */
	char killdir[128];    /* @/killbin: exec, prefix kill */
	char killtouch[160];  /* @/killbin/touch */
	char script[160];     /* @/script.sh: exec, equal deny, #!/bin/sh */
	char killscript[160]; /* @/killbin/s.sh, #!/bin/sh */
	char interp[160];     /* @/interp-sh: exec, equal deny, copy of dash */
	char interp_script[160]; /* @/uses-interp.sh: #!interp */
	char killsh[160];	 /* @/killbin/sh, copy of dash */
	char killsh_script[160]; /* @/uses-killsh.sh: #!killbin/sh */
	char policy[160];
};

extern struct fixture fx;

/* Makes the fixture and its policy (the rules under attack, and
 * extra_rules), and starts the agent on it. */
int bypass_start(struct agent_run *a, const char *extra_rules);
int fixture_make(void);
int fixture_policy(const char *extra_rules);
/* tmpl with '@' replaced by the fixture dir, in buf; NULL stays NULL. */
const char *fx_path(const char *tmpl, char *buf, size_t len);

/* What an attempt's paths are: op-specific (see each op). */
struct target {
	const char *a, *b, *c;
	uint64_t resolve;
};

/* What a child's attempt came to. */
struct outcome {
	pid_t pid;
	int status;    /* wait status */
	char buf[512]; /* what it read (and wrote to the pipe) */
	ssize_t n;
};

/* op returns an fd to read to the end (the child copies it out), or
 * -errno; it runs in a forked child that exits with that errno. */
typedef int (*op_fn)(void *arg);

void attempt(op_fn op, void *arg, struct outcome *o);
/* open(t->a, O_RDONLY) */
int op_open(void *arg);

enum expect {
	X_EPERM,   /* EPERM, nothing read, the program did not run */
	X_KILL,	   /* SIGKILL, nothing read, the program did not run */
	X_READS,   /* a known limit: it read `content` */
	X_RAN,	   /* a known limit: the program ran (exit 0, marker made) */
	X_EXIT127, /* ld.so could not open the binary: exit 127, not run */
};

/* An attempt as a row of a table: op on t (paths with '@'), expected x. */
struct open_case {
	const char *name, *what;
	op_fn op;
	struct target t;
	enum expect x;
	const char *content; /* X_READS */
};

/* Runs the case with its '@' paths made real; asserts its outcome. */
void open_case_run(const struct open_case *c);

/* The open deny rules of the bypass and enforce fixtures: an equal deny
 * named "secret" on %s, a prefix deny named "private" on %s/. */
#define OPEN_DENY_RULES                                                        \
	"  - name: secret\n"                                                   \
	"    on: open\n"                                                       \
	"    match: { path: { equal: [%s] } }\n"                               \
	"    action: deny\n"                                                   \
	"  - name: private\n"                                                  \
	"    on: open\n"                                                       \
	"    match: { path: { prefix: [%s/] } }\n"                             \
	"    action: deny\n"

/* Does o (and ran: the exec's marker exists) meet the expectation? On
 * failure, says what happened. */
bool outcome_is(const struct outcome *o, enum expect x, const char *content,
		bool ran, const char *file, int line, const char *what);
#define EXPECT_OUTCOME(o, x, content, ran, what)                               \
	outcome_is(o, x, content, ran, __FILE__, __LINE__, what)

#endif
