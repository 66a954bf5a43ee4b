// SPDX-License-Identifier: GPL-2.0
/*
 * Process cache: a chained hash table keyed by pid, an LRU list of live
 * entries and a list of exited entries waiting for proc_cache_reap();
 * entries from exec records, and exec_ids. Seeding from /proc is in
 * proc_seed.c, containers in container.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "log.h"
#include "proc_cache_int.h"

#define DEFAULT_MAX_ENTRIES 65536

static size_t pid_hash(const struct proc_cache *pc, uint32_t pid)
{
	return (pid * 2654435761u) & (pc->nbuckets - 1);
}

struct proc_cache *proc_cache_new(const struct proc_cache_opts *opts)
{
	struct proc_cache_opts def = {};
	struct proc_cache *pc;
	struct utsname un;

	if (!opts)
		opts = &def;
	pc = calloc(1, sizeof(*pc));
	if (!pc)
		return NULL;
	pc->max_entries = opts->max_entries ?: DEFAULT_MAX_ENTRIES;
	pc->nbuckets = 16;
	while (pc->nbuckets < pc->max_entries && pc->nbuckets < (1u << 20))
		pc->nbuckets <<= 1;
	pc->buckets = calloc(pc->nbuckets, sizeof(*pc->buckets));
	if (!pc->buckets) {
		free(pc);
		return NULL;
	}
	list_init(&pc->lru);
	list_init(&pc->dead);
	if (opts->nodename)
		snprintf(pc->nodename, sizeof(pc->nodename), "%s",
			 opts->nodename);
	else if (!uname(&un))
		snprintf(pc->nodename, sizeof(pc->nodename), "%s", un.nodename);
	cg_cache_init(&pc->cg, opts->proc_root, opts->cgroup2_root);
	return pc;
}

void proc_entry_free(struct proc_entry *e)
{
	if (!e)
		return;
	free(e->info.binary);
	free(e->info.argv);
	free(e->info.cwd);
	free(e);
}

void proc_cache_free(struct proc_cache *pc)
{
	struct proc_entry *e, *n;
	size_t i;

	if (!pc)
		return;
	for (i = 0; i < pc->nbuckets; i++) {
		for (e = pc->buckets[i]; e; e = n) {
			n = e->hnext;
			proc_entry_free(e);
		}
	}
	cg_cache_fini(&pc->cg);
	free(pc->buckets);
	free(pc);
}

size_t proc_cache_count(const struct proc_cache *pc)
{
	return pc->count;
}

struct proc_entry *proc_cache_lookup(struct proc_cache *pc, uint32_t pid)
{
	struct proc_entry *e;

	for (e = pc->buckets[pid_hash(pc, pid)]; e; e = e->hnext)
		if (e->info.pid == pid)
			return e;
	return NULL;
}

/* Takes e out of the table and its list; does not free it. */
static void unlink_entry(struct proc_cache *pc, struct proc_entry *e)
{
	struct proc_entry **pp = &pc->buckets[pid_hash(pc, e->info.pid)];

	for (; *pp; pp = &(*pp)->hnext) {
		if (*pp == e) {
			*pp = e->hnext;
			break;
		}
	}
	list_del(&e->node);
	pc->count--;
}

void proc_cache_reap(struct proc_cache *pc)
{
	while (pc->dead.next != &pc->dead) {
		struct proc_entry *e = entry_of(pc->dead.next);

		unlink_entry(pc, e);
		proc_entry_free(e);
	}
}

/* Room for one more: exited entries go first, then the least recently
 * used live one. */
static void make_room(struct proc_cache *pc)
{
	if (pc->count < pc->max_entries)
		return;
	proc_cache_reap(pc);
	while (pc->count >= pc->max_entries && pc->lru.prev != &pc->lru) {
		struct proc_entry *e = entry_of(pc->lru.prev);

		log_debug("proc_cache: full, evicting pid %u", e->info.pid);
		unlink_entry(pc, e);
		proc_entry_free(e);
	}
}

void proc_cache_insert(struct proc_cache *pc, struct proc_entry *e)
{
	size_t h = pid_hash(pc, e->info.pid);

	make_room(pc);
	e->info.serial = ++pc->serial;
	e->hnext = pc->buckets[h];
	pc->buckets[h] = e;
	list_add(&pc->lru, &e->node);
	pc->count++;
}

const struct rtg_proc_info *proc_cache_get(struct proc_cache *pc, uint32_t pid)
{
	struct proc_entry *e = proc_cache_lookup(pc, pid);

	if (!e)
		return NULL;
	if (!e->info.exited) {
		list_del(&e->node);
		list_add(&pc->lru, &e->node);
	}
	return &e->info;
}

const struct rtg_proc_info *proc_cache_exit(struct proc_cache *pc, uint32_t pid)
{
	struct proc_entry *e = proc_cache_lookup(pc, pid);

	if (!e)
		return NULL;
	if (!e->info.exited) {
		e->info.exited = true;
		list_del(&e->node);
		list_add(&pc->dead, &e->node);
	}
	return &e->info;
}

/* ---- exec_id ---- */

static void base64_encode(const unsigned char *in, size_t n, char *out)
{
	static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;
	char *o = out;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = in[i] << 16 | in[i + 1] << 8 | in[i + 2];

		*o++ = tbl[(v >> 18) & 63];
		*o++ = tbl[(v >> 12) & 63];
		*o++ = tbl[(v >> 6) & 63];
		*o++ = tbl[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = in[i] << 16;

		*o++ = tbl[(v >> 18) & 63];
		*o++ = tbl[(v >> 12) & 63];
		*o++ = '=';
		*o++ = '=';
	} else if (n - i == 2) {
		uint32_t v = in[i] << 16 | in[i + 1] << 8;

		*o++ = tbl[(v >> 18) & 63];
		*o++ = tbl[(v >> 12) & 63];
		*o++ = tbl[(v >> 6) & 63];
		*o++ = '=';
	}
	*o = '\0';
}

char *exec_id_format(const char *nodename, uint32_t pid, uint64_t exec_ktime,
		     char *buf)
{
	/* base64 grows 3 -> 4: keep the raw text within the output buffer */
	char raw[(RTG_EXEC_ID_MAX - 1) / 4 * 3];
	int n;

	n = snprintf(raw, sizeof(raw), "%.64s:%" PRIu64 ":%u", nodename,
		     exec_ktime, pid);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(raw))
		n = sizeof(raw) - 1;
	base64_encode((const unsigned char *)raw, n, buf);
	return buf;
}

char *proc_cache_exec_id(const struct proc_cache *pc, uint32_t pid,
			 uint64_t exec_ktime, char *buf)
{
	return exec_id_format(pc->nodename, pid, exec_ktime, buf);
}

uint64_t proc_start_boot_ns(unsigned long long starttime_ticks)
{
	long tck = sysconf(_SC_CLK_TCK);

	if (tck <= 0)
		tck = 100;
	/* split so that ticks * 1e9 cannot overflow */
	return (uint64_t)(starttime_ticks / tck) * 1000000000ull +
	       (uint64_t)(starttime_ticks % tck) * 1000000000ull / tck;
}

/* ---- entries ---- */

static char *strndup_nul(const char *s, size_t n)
{
	if (!s)
		return NULL;
	return strndup(s, strnlen(s, n));
}

int proc_args_split(const char *buf, size_t len, char ***argvp, int *argcp)
{
	size_t i, nptr;
	char **argv, *str;
	int argc = 0;

	*argvp = NULL;
	*argcp = 0;
	for (i = 0; i < len; i++)
		if (!buf[i])
			argc++;
	if (len && buf[len - 1])
		argc++;
	nptr = (size_t)argc + 1;
	argv = malloc(nptr * sizeof(char *) + len + 1);
	if (!argv)
		return -ENOMEM;
	str = (char *)(argv + nptr);
	if (len)
		memcpy(str, buf, len);
	str[len] = '\0';
	for (i = 0, argc = 0; i < len; i += strlen(str + i) + 1)
		argv[argc++] = str + i;
	argv[argc] = NULL;
	*argvp = argv;
	*argcp = argc;
	return 0;
}

void proc_set_parent_exec_id(struct proc_cache *pc, struct proc_entry *e)
{
	struct rtg_proc_info *p = &e->info;
	const struct proc_entry *pe;

	p->parent_exec_id[0] = '\0';
	if (!p->ppid)
		return;
	if (!p->parent_exec_ktime && (pe = proc_cache_lookup(pc, p->ppid)))
		p->parent_exec_ktime = pe->info.exec_ktime;
	if (p->parent_exec_ktime)
		proc_cache_exec_id(pc, p->ppid, p->parent_exec_ktime,
				   p->parent_exec_id);
}

int proc_cache_container(struct proc_cache *pc, uint64_t cgroup_id,
			 uint32_t pid, const char **id, const char **pod)
{
	return cg_cache_container(&pc->cg, cgroup_id, pid, id, pod);
}

static void set_container(struct proc_cache *pc, struct proc_entry *e)
{
	const char *id, *pod;

	if (proc_cache_container(pc, e->info.cgroup_id, e->info.pid, &id, &pod))
		return;
	snprintf(e->info.container_id, sizeof(e->info.container_id), "%s", id);
	snprintf(e->info.pod_uid, sizeof(e->info.pod_uid), "%s", pod);
}

/* Puts e in the table in place of any entry with its pid. */
static void replace_entry(struct proc_cache *pc, struct proc_entry *e)
{
	struct proc_entry *old = proc_cache_lookup(pc, e->info.pid);

	if (old) {
		unlink_entry(pc, old);
		proc_entry_free(old);
	}
	proc_cache_insert(pc, e);
}

void proc_info_init(const struct proc_cache *pc, struct rtg_proc_info *p,
		    const struct proc_exec_info *in)
{
	p->pid = in->pid;
	p->ppid = in->ppid;
	p->uid = in->uid;
	p->gid = in->gid;
	p->exec_ktime = in->exec_ktime;
	p->parent_exec_ktime = in->parent_exec_ktime;
	p->cgroup_id = in->cgroup_id;
	p->args_truncated = in->args_truncated;
	if (in->comm)
		snprintf(p->comm, sizeof(p->comm), "%.*s", RTG_COMM_LEN,
			 in->comm);
	if (p->exec_ktime)
		proc_cache_exec_id(pc, p->pid, p->exec_ktime, p->exec_id);
}

const struct rtg_proc_info *proc_cache_exec(struct proc_cache *pc,
					    const struct proc_exec_info *in)
{
	struct proc_entry *e = calloc(1, sizeof(*e));
	struct rtg_proc_info *p;

	if (!e)
		return NULL;
	p = &e->info;
	list_init(&e->node);
	proc_info_init(pc, p, in);
	p->binary = strndup_nul(in->binary ?: "", in->binary_len);
	p->cwd = in->cwd ? strndup_nul(in->cwd, in->cwd_len) : NULL;
	if (!p->binary || (in->cwd && !p->cwd) ||
	    proc_args_split(in->args ?: "", in->args ? in->args_len : 0,
			    &p->argv, &p->argc)) {
		proc_entry_free(e);
		return NULL;
	}
	proc_set_parent_exec_id(pc, e);
	set_container(pc, e);
	replace_entry(pc, e);
	return p;
}
