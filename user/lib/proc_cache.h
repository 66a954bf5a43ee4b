/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space process cache: what rtguard knows about each live process
 * (binary, args, cwd, exec_id, container), keyed by pid. Filled from exec
 * records and, at start-up, from /proc (proc_cache_seed). Bounded: exited
 * entries are freed by proc_cache_reap(), and when the table is full the
 * least recently used entry is evicted.
 *
 * exec_id is Tetragon's: base64("<nodename>:<exec_ktime>:<pid>"), unique per
 * exec on the host across pid reuse.
 */
#ifndef RTG_PROC_CACHE_H
#define RTG_PROC_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "events.h"

#define RTG_EXEC_ID_MAX	     160 /* base64 of "nodename(64):u64:u32" + NUL */
#define RTG_CONTAINER_ID_LEN 64
#define RTG_POD_UID_LEN	     36

struct rtg_proc_info {
	/* Unique to this entry in its cache, whose contents never change once
	 * in the table (a new image is a new entry): what renders the same
	 * may be kept by serial. 0 for placeholders. */
	uint64_t serial;
	uint32_t pid;
	uint32_t ppid;
	uint32_t uid;
	uint32_t gid;
	uint64_t exec_ktime;	    /* boot ns at which this image started */
	uint64_t parent_exec_ktime; /* 0 when unknown */
	uint64_t cgroup_id;	    /* 0 when unknown */
	char comm[RTG_COMM_LEN + 1];
	char exec_id[RTG_EXEC_ID_MAX]; /* "" when exec_ktime is unknown */
	char parent_exec_id[RTG_EXEC_ID_MAX]; /* "" when unknown */
	char *binary;			      /* NULL when unknown */
	char **argv; /* argv[argc] == NULL; NULL when unknown */
	int argc;
	char *cwd;				     /* NULL when unknown */
	char container_id[RTG_CONTAINER_ID_LEN + 1]; /* "" on the host */
	char pod_uid[RTG_POD_UID_LEN + 1];	     /* "" outside Kubernetes */
	bool args_truncated;
	bool seeded; /* learnt from /proc, not from an exec record */
	bool exited; /* exit seen; freed by the next proc_cache_reap() */
};

struct proc_cache_opts {
	const char *nodename;  /* NULL: uname(2) nodename */
	size_t max_entries;    /* 0: 65536 */
	const char *proc_root; /* NULL: "/proc" (used for container lookups) */
	const char *cgroup2_root; /* cgroup2 mount; NULL: resolve via /proc */
};

/* What an exec record tells: strings are bytes with lengths (they need not
 * be NUL-terminated; a NUL inside ends them). args is NUL-separated. */
struct proc_exec_info {
	uint32_t pid, ppid, uid, gid;
	uint64_t exec_ktime, parent_exec_ktime, cgroup_id;
	const char *comm; /* may be NULL */
	const char *binary;
	size_t binary_len;
	const char *cwd;
	size_t cwd_len;
	const char *args;
	size_t args_len;
	bool args_truncated;
};

struct proc_cache;

struct proc_cache *proc_cache_new(const struct proc_cache_opts *opts);
void proc_cache_free(struct proc_cache *pc); /* accepts NULL */

/* The entry for pid (including one marked exited), or NULL. */
const struct rtg_proc_info *proc_cache_get(struct proc_cache *pc, uint32_t pid);
/* A new image for in->pid: replaces any older entry. NULL on ENOMEM. */
const struct rtg_proc_info *proc_cache_exec(struct proc_cache *pc,
					    const struct proc_exec_info *in);
/* The scalar facts of in (ids, times, comm, args_truncated) in p, and
 * its exec_id when exec_ktime is known: what an entry and a placeholder
 * for an unknown process share. Strings, parent and container are left. */
void proc_info_init(const struct proc_cache *pc, struct rtg_proc_info *p,
		    const struct proc_exec_info *in);
/* Marks pid gone; the entry stays readable until proc_cache_reap(). Returns
 * the entry, or NULL when pid is unknown. */
const struct rtg_proc_info *proc_cache_exit(struct proc_cache *pc,
					    uint32_t pid);
/* Frees every entry marked exited. */
void proc_cache_reap(struct proc_cache *pc);
size_t proc_cache_count(const struct proc_cache *pc);

/* Adds every process under proc_root ("/proc" or a fake tree) that is not
 * cached yet. Returns the number added, or a negative errno when proc_root
 * cannot be read. */
int proc_cache_seed(struct proc_cache *pc, const char *proc_root);

/* Container of a cgroup, cached by cgroup id: *id and *pod point to "" on
 * the host. pid is a process in that cgroup (used to read its cgroup path
 * when the cgroup2 root is unknown). Returns 0, or -ENOENT when the cgroup
 * could not be resolved (then *id and *pod are ""). */
int proc_cache_container(struct proc_cache *pc, uint64_t cgroup_id,
			 uint32_t pid, const char **id, const char **pod);

/*
 * A process the cache has never seen, learnt from <proc_root>/PID (what
 * seeding reads): a parent that forked but never exec'd since the agent
 * started (a container runtime's monitor). When exec_ktime is not 0 the
 * process must have started then (to the clock tick /proc tells), else it
 * is another one that reuses the pid; the entry gets exec_ktime, so that
 * its exec_id is the one events gave. NULL when pid is cached already, is
 * gone or is another process, or the cache is full.
 */
const struct rtg_proc_info *proc_cache_learn(struct proc_cache *pc, uint32_t pid,
					     uint64_t exec_ktime);

/* One ancestor of an event's process (`ancestors` of events). */
struct rtg_ancestor {
	uint32_t pid;
	const char *binary;  /* NULL when unknown */
	const char *exec_id; /* "" when unknown */
};
#define RTG_ANCESTORS_MAX 16

/*
 * The parent (ppid, started at parent_exec_ktime, 0 when unknown) of a
 * process: from the cache, else learnt from /proc (proc_cache_learn), else
 * NULL. A pid that could not be learnt is remembered for a while, so that
 * the events of its children do not read /proc again.
 */
const struct rtg_proc_info *proc_cache_parent(struct proc_cache *pc,
					      uint32_t ppid,
					      uint64_t parent_exec_ktime);
/*
 * The ancestors of a process whose parent is (ppid, parent_exec_ktime),
 * parent first, at most max (<= RTG_ANCESTORS_MAX): each from the cache or
 * /proc (proc_cache_parent). The walk ends at pid 1, at a loop, or at the
 * first ancestor nothing is known of but its pid and exec_id (which is
 * still listed). The strings point into the cache and stay valid until it
 * changes (the next decoded record). Returns the number written.
 */
int proc_cache_ancestors(struct proc_cache *pc, uint32_t ppid,
			 uint64_t parent_exec_ktime, struct rtg_ancestor *out,
			 int max);

/* The cgroup2 path of cgroup_id, from the kernel (a cgroup mkdir): its
 * container is known for certain from now on, even once every process of
 * it is gone (without CAP_DAC_READ_SEARCH the cache can otherwise only ask
 * /proc/PID/cgroup, which a short-lived process no longer has). */
void proc_cache_cgroup_learn(struct proc_cache *pc, uint64_t cgroup_id,
			     const char *path);
/* The container id ("" on the host) of cgroup_id when the cache knows it
 * for certain: the cgroup's own path said so (not the path of a process
 * that may have moved since). NULL when it is not cached. */
const char *proc_cache_cgroup_known(struct proc_cache *pc, uint64_t cgroup_id);
/* The cgroup2 cgroup of that id no longer exists (false when it does, or
 * when that cannot be told: no cgroup2 root, no privilege). */
bool proc_cache_cgroup_gone(struct proc_cache *pc, uint64_t cgroup_id);

/* exec_id of (pid, exec_ktime) on this cache's node; buf of
 * RTG_EXEC_ID_MAX bytes. Returns buf. */
char *proc_cache_exec_id(const struct proc_cache *pc, uint32_t pid,
			 uint64_t exec_ktime, char *buf);
/* The same for any node name (Tetragon's format). */
char *exec_id_format(const char *nodename, uint32_t pid, uint64_t exec_ktime,
		     char *buf);

/* /proc/PID/stat starttime (clock ticks since boot) as boot ns. The one
 * place this conversion lives: the BPF side is given the same value for
 * seeded processes, so that their exec_ids match. */
uint64_t proc_start_boot_ns(unsigned long long starttime_ticks);

/* Container id and pod uid from a cgroup path (docker, containerd, CRI-O,
 * podman, Kubernetes systemd and cgroupfs layouts). id gets 64 lower-case
 * hex digits or "", pod a dashed uid or "". Returns 0 when either was
 * found, -ENOENT otherwise. */
int container_parse(const char *cgroup_path, char id[65], char pod[37]);

#endif
