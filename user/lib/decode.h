/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Decoding of the raw ring-buffer records of bpf/events.h into a view that
 * output and policy code read. Every length is checked against the record
 * size; a malformed record is -EINVAL and nothing is read out of bounds.
 *
 * Decoding keeps the process cache current: an exec record installs the new
 * image, an exit record marks the process gone (it stays readable through
 * the returned view and is freed at the next event_decode()).
 *
 * A view, and every pointer in it, is valid until the next event_decode()
 * or event_view_lost() on the same decoder.
 */
#ifndef RTG_DECODE_H
#define RTG_DECODE_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "events.h"
#include "proc_cache.h"

struct workload;

struct rtg_event_view {
	enum rtg_type type;
	uint8_t action; /* enum rtg_action */
	uint8_t mech;	/* enum rtg_mech */
	uint8_t gen;	/* policy generation */
	bool enforced;
	uint16_t rule;		  /* RTG_RULE_* */
	uint16_t flags;		  /* RTG_F_* */
	uint64_t time_ns;	  /* boot ns */
	struct timespec realtime; /* wall clock (UTC) */
	/* The process: from the cache, or a placeholder built from the record
	 * (binary/argv/cwd NULL) when unknown. Never NULL. For exec, the new
	 * image. */
	const struct rtg_proc_info *proc;
	const struct rtg_proc_info *parent; /* NULL when unknown */
	uint32_t pid, tid, ppid, uid, gid;
	char comm[RTG_COMM_LEN + 1];
	uint64_t cgroup_id;
	const char *container_id; /* "" on the host, never NULL */
	const char *pod_uid;	  /* "" outside Kubernetes, never NULL */
	union {
		struct {
			const char *binary; /* "" when not read */
			const char *script; /* NULL unless a #! script ran */
			const char *cwd;    /* "" when not read */
			char *const *argv;  /* argv[argc] == NULL */
			int argc;
			uint32_t argc_total; /* as counted by the kernel */
			bool args_truncated, cwd_truncated, binary_truncated;
			bool binary_partial; /* RTG_F_PATH_PARTIAL */
			uint64_t cand_m, cand_u; /* RTG_F_ARGS_PENDING masks */
		} exec;
		struct {
			int32_t code, signal;
		} exit;
		struct {
			const char *path;
			bool path_truncated;
			bool path_partial; /* RTG_F_PATH_PARTIAL */
			uint32_t oflags, fmode;
			uint64_t ino;
			uint32_t dev;
		} open;
		struct {
			uint16_t family;   /* AF_INET / AF_INET6 / AF_UNIX */
			uint16_t protocol; /* IPPROTO_TCP / IPPROTO_UDP */
			char daddr[INET6_ADDRSTRLEN];
			uint16_t dport;
			char saddr[INET6_ADDRSTRLEN];
			uint16_t sport;
			const char *path; /* AF_UNIX: the socket */
		} connect;
		/* ptrace, cred, module, bpf, mount, namespace, listen,
		 * mmap_exec, io_uring (decode_more.c) */
		struct {
			uint16_t op; /* op_name(type_hook(type), op) */
			const char *s0, *s1, *s2; /* rtg_more's; never NULL */
			bool s0_truncated;
			/* ptrace: the tracee when the cache knows it */
			const struct rtg_proc_info *target;
			char addr[INET6_ADDRSTRLEN]; /* listen, io_uring */
			/* the record's fixed part (a copy; its strings are
			 * s0..s2) */
			const struct rtg_more *raw;
		} more;
		struct {
			uint64_t count;
			const char *source;
		} lost;
	};
	/* Filled by the caller from the rule id; NULL when none. */
	const char *policy;
	const char *rule_name;
	/* Filled by the agent (user/agent/workloads.c), NULL / 0 otherwise:
	 * the container and pod (user/lib/workload.h), and with --ancestors
	 * the process's ancestors, parent first (ancestors_on: the array is
	 * written, even when empty). */
	const struct workload *workload;
	const struct rtg_ancestor *ancestors;
	int nancestors;
	bool ancestors_on;
};

struct decoder;

/* pc is borrowed (not freed by decoder_free) and may not be NULL. */
struct decoder *decoder_new(struct proc_cache *pc);
void decoder_free(struct decoder *d); /* accepts NULL */

/* 0, -EINVAL for a malformed/truncated/unknown record, -ENOMEM. */
int event_decode(struct decoder *d, const void *data, size_t size,
		 struct rtg_event_view *out);

/* A `lost` event (synthesized from loss counters), stamped now. */
void event_view_lost(struct decoder *d, uint64_t count, const char *source,
		     struct rtg_event_view *out);

/* Boot ns -> wall clock, with the offset measured at decoder_new(). */
struct timespec decoder_realtime(const struct decoder *d, uint64_t boot_ns);
/* Override the offset (realtime - boottime, ns); for tests. */
void decoder_set_clock_offset(struct decoder *d, int64_t offset_ns);

#endif
