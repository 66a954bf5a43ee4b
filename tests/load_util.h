/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the load tests (test_load.c, test_load_kill9.c): the fixture
 * (a policy that audits the storm's own exec, opens and connects), the
 * storms, the agent's RSS over a run, and the tally of an output file:
 * events of the storm and the losses reported per source.
 */
#ifndef RTG_LOAD_UTIL_H
#define RTG_LOAD_UTIL_H

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "agent_util.h"

struct load {
	char dir[64];
	char policy[128];
	char target[128]; /* opened */
	char binary[128]; /* exec'd: a copy of true */
	int port;	  /* connect target 127.0.0.3:port (UDP) */
};

int load_make(struct load *l);
/* pid is a running child of ours */
bool alive(pid_t pid);

/* Events of the output matching m, and the sum of the `lost` counts per
 * source. */
struct tally {
	long events;
	long lost_exec, lost_open, lost_connect, lost_other;
	long lost_lines;
};

void tally(const char *path, const struct ev_field *m, struct tally *t);
/* The storm's events: exec of l->binary, open of l->target, connect to
 * 127.0.0.3. */
#define STORM_EXEC(l)                                                          \
	EV_WHERE(EV_STR("type", "exec"), EV_STR("process.binary", (l)->binary))
#define STORM_OPEN(l)                                                          \
	EV_WHERE(EV_STR("type", "open"), EV_STR("file.path", (l)->target))
#define STORM_CONNECT                                                          \
	EV_WHERE(EV_STR("type", "connect"),                                    \
		 EV_STR("connect.daddr", "127.0.0.3"))

/* RSS sampler: the agent's VmRSS at each quarter of a run */
struct rss {
	long first, quarter, max, last;
};

void rss_sample(struct rss *r, pid_t pid, long done, long total);
void rss_check(const struct rss *r, const char *what);

long open_storm(const char *target, long n, pid_t agent, struct rss *r);
long connect_storm(int port, long n, pid_t agent, struct rss *r);
/* n execs, or as many as fit before the deadline (CLOCK_MONOTONIC s, 0:
 * none); *done gets the number attempted */
long exec_storm(const char *bin, long n, pid_t agent, struct rss *r,
		time_t deadline, long *done);
/* The agent's final counters say decode_errors=0. */
void final_counters_ok(struct agent_run *a, const char *what);

#endif
