/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the process cache (proc_cache.h): its table, shared by
 * proc_cache.c (the table, exec records), proc_seed.c (seeding from /proc),
 * proc_ancestors.c (parents and ancestors) and container.c (the cache of
 * container lookups by cgroup id).
 */
#ifndef RTG_PROC_CACHE_INT_H
#define RTG_PROC_CACHE_INT_H

#include <limits.h>
#include <stddef.h>

#include "proc_cache.h"

struct list {
	struct list *prev, *next;
};

static inline void list_init(struct list *l)
{
	l->prev = l->next = l;
}

static inline void list_del(struct list *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	list_init(n);
}

static inline void list_add(struct list *head, struct list *n)
{
	n->next = head->next;
	n->prev = head;
	head->next->prev = n;
	head->next = n;
}

struct proc_entry {
	struct rtg_proc_info info;
	struct proc_entry *hnext; /* hash chain */
	struct list node;	  /* on pc->lru (live) or pc->dead (exited) */
};

#define entry_of(l)                                                            \
	((struct proc_entry *)((char *)(l)-offsetof(struct proc_entry, node)))

struct cg_entry {
	uint64_t cgroup_id;
	struct cg_entry *hnext;
	char id[RTG_CONTAINER_ID_LEN + 1];
	char pod[RTG_POD_UID_LEN + 1];
};

/* Containers by cgroup id (container.c); emptied when full. */
#define CG_CACHE_MAX 4096
struct cg_cache {
	char proc_root[PATH_MAX]; /* for /proc/PID/cgroup */
	char root[PATH_MAX];	  /* the cgroup2 mount, "" when unknown */
	int root_fd;
	struct cg_entry *buckets[256];
	size_t count;
	struct cg_entry scratch; /* a result that is not cached */
};

void cg_cache_init(struct cg_cache *cc, const char *proc_root,
		   const char *cgroup2_root);
void cg_cache_fini(struct cg_cache *cc);
/* proc_cache_container() on the cache */
int cg_cache_container(struct cg_cache *cc, uint64_t cgroup_id, uint32_t pid,
		       const char **id, const char **pod);
/* Container and cgroup id of a process from its cgroup file (seeding);
 * the cgroup is cached when the cgroup2 mount tells its id. */
void cg_cache_seed(struct cg_cache *cc, const char *cgroup_file,
		   struct rtg_proc_info *p);

struct proc_cache {
	char nodename[HOST_NAME_MAX + 1];
	size_t max_entries, count;
	uint64_t serial; /* the last entry's */
	size_t nbuckets; /* power of two */
	struct proc_entry **buckets;
	struct list lru; /* most recently used first */
	struct list dead;
	struct cg_cache cg;
	/* processes /proc could not tell (proc_ancestors.c), a ring */
	struct {
		uint32_t pid;
		uint64_t exec_ktime;
	} unknown[64];
	unsigned int unknown_next;
	/* exec_ids of ancestors known by nothing else (proc_ancestors.c) */
	char anc_ids[RTG_ANCESTORS_MAX][RTG_EXEC_ID_MAX];
};

struct proc_entry *proc_cache_lookup(struct proc_cache *pc, uint32_t pid);
/* Puts e in the table, after making room (exited entries first, then the
 * least recently used live one). */
void proc_cache_insert(struct proc_cache *pc, struct proc_entry *e);
void proc_entry_free(struct proc_entry *e); /* accepts NULL */
/* parent_exec_id (and parent_exec_ktime when unknown) from the parent's
 * entry. */
void proc_set_parent_exec_id(struct proc_cache *pc, struct proc_entry *e);
/* argv from NUL-separated bytes (the last one may lack its NUL). */
int proc_args_split(const char *buf, size_t len, char ***argvp, int *argcp);

#endif
