/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Raw ring-buffer records built by hand, for the decoder and output tests
 * (test_output.c, test_decode.c, test_fuzz_regress.c): a process cache that
 * knows bash (4100), a decoder whose clock is pinned to T0, and the output
 * of one event as text.
 */
#ifndef RTG_RECORD_UTIL_H
#define RTG_RECORD_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode.h"
#include "output.h"
#include "proc_cache.h"

#define T0_REAL 1795795200123456789ll /* 2026-11-27T16:00:00.123456789Z */
#define T0_BOOT 5000000000ull
#define ID_4242 "dGVzdG5vZGU6MjAwMDAwMDAwMDo0MjQy" /* testnode:2e9:4242 */
#define ID_4100 "dGVzdG5vZGU6MTAwMDAwMDAwMDo0MTAw" /* testnode:1e9:4100 */

struct fixture {
	struct proc_cache *pc;
	struct decoder *d;
	struct rtg_event_view ev; /* the last event decoded */
	char *s;		  /* its last rendering (fixture_render) */
	_Alignas(8) unsigned char rec[8192];
};

/* exec record; strings with their NULs, args as given */
size_t mk_exec(unsigned char *buf, uint32_t pid, const char *bin,
	       const char *script, const char *cwd, const char *args,
	       size_t args_len, uint32_t argc);
size_t mk_open(unsigned char *buf, uint32_t pid, const char *path,
	       uint32_t oflags);
size_t mk_connect(unsigned char *buf, uint32_t pid, int family,
		  const char *daddr, uint16_t dport, const char *saddr,
		  uint16_t sport);
size_t mk_exit(unsigned char *buf, uint32_t pid, int code, int sig);

/* A cache with bash (4100) known; decoder clock pinned to T0. */
bool fixture_init(struct fixture *fx);
void fixture_fini(struct fixture *fx);
/* output of one event, malloc'd (NULL if output_event failed) */
char *render(enum output_format fmt, const struct rtg_event_view *ev);
/* exec of cat (4242) from bash, decoded into ev */
int decode_cat_exec(struct fixture *fx, struct rtg_event_view *ev);
/* fixture_init() and cat's exec decoded into fx->ev, asserted */
bool fixture_cat(struct fixture *fx);
/* the record of n bytes in fx->rec decoded into fx->ev */
int fixture_decode(struct fixture *fx, size_t n);
/* fx->ev rendered in fmt into fx->s (the previous one freed), returned */
const char *fixture_render(struct fixture *fx, enum output_format fmt);

/* the process and parent objects of cat's events */
#define PROC_4242                                                              \
	"\"process\":{\"pid\":4242,\"tid\":4242,\"ppid\":4100,\"uid\":1000,"   \
	"\"gid\":1000,\"comm\":\"cat\",\"binary\":\"/usr/bin/cat\","           \
	"\"args\":[\"cat\",\"/etc/shadow\"],\"cwd\":\"/home/u\","              \
	"\"exec_id\":\"" ID_4242 "\",\"cgroup_id\":1234},"                     \
	"\"parent\":{\"pid\":4100,\"binary\":\"/usr/bin/bash\","               \
	"\"exec_id\":\"" ID_4100 "\"}"

#endif
