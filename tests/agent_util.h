/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Integration-test helpers: run the real agent (./rtguard) with JSON output
 * into a file, wait until it is attached, look for events in its output.
 */
#ifndef RTG_AGENT_UTIL_H
#define RTG_AGENT_UTIL_H

#include <stdbool.h>
#include <sys/types.h>

struct agent_run {
	pid_t pid;
	char dir[64]; /* temp dir holding the files below */
	char out[128]; /* JSON events */
	char err[128]; /* agent's stderr */
};

/* Starts `rtguard --output json --output-file OUT ARGS...` (NULL-ended
 * args) and waits up to 20 s for "rtguard: info: running". 0 or -errno. */
int agent_start(struct agent_run *a, const char *const *args);
/* SIGTERM, wait; returns the exit status (or -1), and leaves the files. */
int agent_stop(struct agent_run *a);
/* First output line containing every needle (NULL-ended), waiting up to
 * timeout_ms; a malloc'd line or NULL. */
char *agent_wait_event(struct agent_run *a, int timeout_ms,
		       const char *const *needles);
/* Lines containing every needle, now. */
int agent_count_events(struct agent_run *a, const char *const *needles);
/* The agent's stderr, malloc'd. */
char *agent_stderr(struct agent_run *a);
/* Every line of path parses as a JSON object (python3). */
bool json_lines_valid(const char *path);
/* Run argv (NULL-ended) as a child; returns its wait status. Output goes
 * to out (may be NULL) of size len. */
int run_cmd(char *const *argv, char *out, size_t len);

/* Writes text to path (created or truncated). 0 or -errno. */
int put_file(const char *path, const char *text);
/* connect() a fresh socket of `type` to addr:port; 0 or -errno. */
int net_connect(int family, const char *addr, int port, int type);

/* Feeds text to python3 on stdin: every line must parse as JSON (strict
 * UTF-8) and `expr` (o = the last line's value) must hold. Returns python's
 * exit status (0: holds), -1 when it cannot run; skips without python3. */
int py_check(const char *text, const char *expr);

/* open(path, O_RDONLY) in a forked child: 0 when it opened, its errno
 * otherwise, -1 when the child did not exit (killed). */
int open_errno_in_child(const char *path);
/* A loopback TCP port nobody listens on right now, or -1. */
int free_port(void);
/* GET path from 127.0.0.1:port over HTTP/1.0; returns the status code and
 * the body (malloc'd) in *body, or -errno. */
int http_get(int port, const char *path, char **body);

#define N(...) ((const char *const[]){ __VA_ARGS__, NULL })

#endif
