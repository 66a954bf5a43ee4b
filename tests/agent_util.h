/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Integration-test helpers: run the real agent (./rtguard) with JSON output
 * into a file, wait until it is attached, find its events (each line parsed
 * once with jansson and matched field by field), wait for conditions with a
 * deadline, and the small process and network helpers the tests share.
 *
 * Events:
 *
 *   struct test_event *ev = agent_wait_event(&a, 5000,
 *           EV_WHERE(EV_STR("type", "exec"), EV_INT("process.pid", pid)));
 *   if (ASSERT_TRUE(ev, "exec event"))
 *           ASSERT_STREQ(ev_str(ev, "process.args[1]"), "-c", "argv[1]");
 *   test_event_free(ev);
 *
 * A path is dotted object keys with [N] for array items
 * ("process.args[1]", "file.path", "connect.dport").
 */
#ifndef RTG_AGENT_UTIL_H
#define RTG_AGENT_UTIL_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>

struct agent_run {
	pid_t pid;
	char dir[64];  /* temp dir holding the files below */
	char out[128]; /* JSON events */
	char err[128]; /* agent's stderr */
};

/* Starts `rtguard --output json --output-file OUT ARGS...` (NULL-ended
 * args) and waits up to 20 s for "rtguard: info: running". 0 or -errno. */
int agent_start(struct agent_run *a, const char *const *args);
/* The same with the wait left to the caller (agent_wait_running). */
int agent_spawn(struct agent_run *a, const char *const *args);
/* Waits up to timeout_ms for "rtguard: info: running"; 0, -ECHILD when
 * the agent exited (its stderr is printed), -ETIMEDOUT. */
int agent_wait_running(struct agent_run *a, int timeout_ms);
/* SIGTERM, wait; returns the exit status (or -1), and leaves the files. */
int agent_stop(struct agent_run *a);
/* The agent's stderr, malloc'd. */
char *agent_stderr(struct agent_run *a);
/* Waits up to timeout_ms until the agent's stderr holds `needle` at least
 * n times. */
bool agent_wait_stderr(struct agent_run *a, const char *needle, int n,
		       int timeout_ms);

/* ---- events ---- */

struct test_event {
	json_t *root; /* the parsed line */
	char *line;   /* the line as written, for tests of the text itself */
};

enum ev_op {
	EVF_STR,      /* a string equal to s */
	EVF_INT,      /* an integer equal to n */
	EVF_BOOL,     /* true or false as n */
	EVF_SUFFIX,   /* a string ending with s */
	EVF_CONTAINS, /* a string containing s */
	EVF_HAS,      /* present, whatever its value */
	EVF_ABSENT,   /* not present */
	EVF_ANYWHERE, /* some string value of the event contains s */
};

struct ev_field {
	const char *path; /* NULL ends a list */
	enum ev_op op;
	const char *s;
	long long n;
};

/* clang-format off */
#define EV_STR(p, v) { (p), EVF_STR, (v), 0 }
#define EV_INT(p, v) { (p), EVF_INT, NULL, (v) }
#define EV_BOOL(p, v) { (p), EVF_BOOL, NULL, (v) }
#define EV_SUFFIX(p, v) { (p), EVF_SUFFIX, (v), 0 }
#define EV_CONTAINS(p, v) { (p), EVF_CONTAINS, (v), 0 }
#define EV_HAS(p) { (p), EVF_HAS, NULL, 0 }
#define EV_ABSENT(p) { (p), EVF_ABSENT, NULL, 0 }
#define EV_ANYWHERE(v) { "", EVF_ANYWHERE, (v), 0 }
/* A match: every field condition holds. */
#define EV_WHERE(...) ((const struct ev_field[]){ __VA_ARGS__, {} })
/* An exec whose first argument is marker (`/bin/true marker`). */
#define EV_EXEC_MARKER(marker)                                                 \
	EV_WHERE(EV_STR("type", "exec"), EV_STR("process.args[1]", (marker)))
/* clang-format on */

/* One JSON line parsed (NULL if it is not a JSON object). */
struct test_event *test_event_parse(const char *line);
void test_event_free(struct test_event *e);
/* The value at path, or NULL. */
json_t *ev_get(const json_t *root, const char *path);
/* The string at path, or NULL when absent or not a string. */
const char *ev_str(const struct test_event *e, const char *path);
/* The integer at path, or LLONG_MIN when absent or not an integer. */
long long ev_int(const struct test_event *e, const char *path);
/* 1 or 0 for true or false at path, -1 otherwise. */
int ev_bool(const struct test_event *e, const char *path);
/* The value at path equals the JSON text `json` (objects: same keys and
 * values in any order; arrays: same items in the same order). */
bool ev_is(const struct test_event *e, const char *path, const char *json);
/* Every condition of m holds for root. */
bool ev_match(const json_t *root, const struct ev_field *m);

/* First event of a JSON-lines file matching m, or NULL. With count, every
 * matching line is counted into *count. */
struct test_event *events_find(const char *path, const struct ev_field *m,
			       int *count);
/* Some event of the file matches m. */
bool events_has(const char *path, const struct ev_field *m);
/* Calls fn for each event of the file that matches m (NULL: every event);
 * returns the number of lines that are not JSON objects, or -1 when the
 * file cannot be read. */
int events_each(const char *path, const struct ev_field *m,
		void (*fn)(const struct test_event *e, void *arg), void *arg);
/* The sum of `count` of the `lost` events whose source starts with
 * source_prefix ("ringbuf:exec", "ringbuf:"). */
long events_lost(const char *path, const char *source_prefix);
/* First event of the agent's output matching m, waiting up to
 * timeout_ms; NULL if none. */
struct test_event *agent_wait_event(struct agent_run *a, int timeout_ms,
				    const struct ev_field *m);
/* Events of the agent's output matching m, now. */
int agent_count_events(struct agent_run *a, const struct ev_field *m);
/* Every line of path is a JSON object (jansson, strict UTF-8), and there
 * is at least one. */
bool json_lines_valid(const char *path);

/* ---- waiting ---- */

/* CLOCK_MONOTONIC in milliseconds. */
long now_ms(void);
/* The poll interval of wait_until (10 ms). */
void wait_tick(void);
/* Evaluates cond until it holds or timeout_ms have passed (at least once);
 * its last value. */
#define wait_until(cond, timeout_ms)                                           \
	({                                                                     \
		long ___t0 = now_ms();                                         \
		bool ___ok;                                                    \
		while (!(___ok = (cond)) && now_ms() - ___t0 < (timeout_ms))   \
			wait_tick();                                           \
		___ok;                                                         \
	})
/* waitpid(pid) for up to timeout_ms; the status, or -1 (still running). */
int wait_child(pid_t pid, int timeout_ms);
/* A child that sleeps until killed, or until its parent dies (a target for
 * ptrace, /proc/PID reads, process_vm_writev); its pid, -1 on failure. */
pid_t fork_sleeper(void);

/* ---- files and processes ---- */

/* The whole file, malloc'd and NUL-terminated, or NULL. */
char *file_read(const char *path);
/* The file holds text. */
bool file_contains(const char *path, const char *text);
/* Writes text to path (created or truncated). 0 or -errno. */
int put_file(const char *path, const char *text);
/* Writes "x" to marker and, to ppath, policy `name`: audit exec, allow
 * the rest, and audit (rule "marker") the open of marker. 0 or -errno. */
int put_marker_policy(const char *ppath, const char *name, const char *marker);
/* cp from to, mode 0755. 0 or -EIO. */
int copy_exec(const char *from, const char *to);
/* Run argv (NULL-ended) as a child; returns its wait status. Output goes
 * to out (may be NULL) of size len. */
int run_cmd(char *const *argv, char *out, size_t len);
/* posix_spawn argv[0] with argv, waits; the wait status, -1 when it could
 * not start. *pid (may be NULL) gets the child's pid. */
int spawn_wait(char *const *argv, pid_t *pid);
/* open(path, O_RDONLY) in a forked child: 0 when it opened, its errno
 * otherwise, -1 when the child did not exit (killed). */
int open_errno_in_child(const char *path);
/* /proc/PID/exe points at exe. */
bool proc_exe_is(pid_t pid, const char *exe);

/* Feeds text to python3 on stdin: every line must parse as JSON (strict
 * UTF-8) and `expr` (o = the last line's value) must hold. Returns python's
 * exit status (0: holds), -1 when it cannot run; skips without python3. */
int py_check(const char *text, const char *expr);

/* ---- network ---- */

/* addr:port as a sockaddr of family; its length. */
int sock_addr(int family, const char *addr, int port,
	      struct sockaddr_storage *ss);
/* connect() a fresh socket of `type` to addr:port; 0 or -errno. */
int net_connect(int family, const char *addr, int port, int type);
/* A socket of `type` bound to addr:*port (0: any) and listening (stream);
 * *port gets the port. The fd, or -1. */
int net_listen(int family, int type, const char *addr, int *port);
/* A loopback TCP port nobody listens on right now, or -1. */
int free_port(void);
/* GET path from 127.0.0.1:port over HTTP/1.0; returns the status code and
 * the body (malloc'd) in *body, or -errno. */
int http_get(int port, const char *path, char **body);

#define N(...) ((const char *const[]){__VA_ARGS__, NULL})

#endif
