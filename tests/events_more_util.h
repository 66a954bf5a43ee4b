/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fixture and the actions of test_events_more.c (events_more_util.c).
 */
#ifndef RTG_EVENTS_MORE_UTIL_H
#define RTG_EVENTS_MORE_UTIL_H

#include <sys/types.h>

#define LDSO "/lib64/ld-linux-x86-64.so.2"

struct evx {
	char dir[64];
	char self[256];	   /* this test binary: the rules' `binary` */
	char sock[96];	   /* @/sock: a listening unix socket */
	char mnt[128];	   /* @/mnt: where the tmpfs goes */
	char modfile[128]; /* @/not-a-module */
	char denied[128];  /* @/denied: a copy of true, exec denied */
	char allowed[128]; /* @/allowed: a copy of true */
	char policy[160];
	int lfd;
	int *shared; /* what a child tells the test: a pid, a port */
};

extern struct evx ex;
/* act_cred_call(): which of the set*id calls other than setuid (0-4) */
extern int cred_call;

/* The fixture in ex, and its removal. */
int evx_make(void);
void evx_clean(void);
/* The actions, each in a forked child: 0 or an errno. */
int act_ptrace(void);
int act_setuid(void);
int act_module(void);
int act_bpf(void);
int act_mount(void);
int act_mount_calls(void);
int act_cred_call(void);
int act_unshare(void);
int act_listen(void);
int act_unix(void);
int act_uring(void);
int act_uring_open(void);
int act_ldso(void);
/* Runs fn in a child; its wait status (-1: it hung), *pid its pid. */
int run_child(int (*fn)(void), pid_t *pid);

#endif
