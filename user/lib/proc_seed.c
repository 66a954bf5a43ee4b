// SPDX-License-Identifier: GPL-2.0
/*
 * Seeding the process cache from /proc (or a fake tree, for tests): the
 * processes that predate the agent, with their binary, args, cwd, ids,
 * container and exec_id (from the start time in /proc/PID/stat, the value
 * the BPF side is given for them too).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"
#include "proc_cache_int.h"

static char *read_link(const char *path)
{
	char buf[PATH_MAX];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);

	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return strdup(buf);
}

/* starttime (field 22) from /proc/PID/stat; comm may hold ')' and spaces */
static int parse_stat_start(const char *buf, unsigned long long *start)
{
	const char *p = strrchr(buf, ')');
	int field = 3;

	if (!p)
		return -EINVAL;
	p++;
	for (;;) {
		p += strspn(p, " ");
		if (!*p)
			return -EINVAL;
		if (field == 22)
			break;
		p += strcspn(p, " ");
		field++;
	}
	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	*start = strtoull(p, NULL, 10);
	return 0;
}

static void parse_status(const char *buf, struct rtg_proc_info *p)
{
	const char *l;

	if ((l = strstr(buf, "\nUid:")))
		p->uid = strtoul(l + 5, NULL, 10);
	if ((l = strstr(buf, "\nGid:")))
		p->gid = strtoul(l + 5, NULL, 10);
	if ((l = strstr(buf, "\nPPid:")))
		p->ppid = strtoul(l + 6, NULL, 10);
}

/* exec_ktime: when not 0, the start time the process must have (to a
 * clock tick, the resolution of /proc), and is given. */
static int seed_one(struct proc_cache *pc, const char *root, uint32_t pid,
		    uint64_t exec_ktime)
{
	char path[PATH_MAX], *buf;
	struct proc_entry *e;
	struct rtg_proc_info *p;
	unsigned long long start;
	ssize_t n;
	int err = 0;
	size_t bufsz = 64 * 1024;

	buf = malloc(bufsz + 1);
	e = calloc(1, sizeof(*e));
	if (!buf || !e) {
		err = -ENOMEM;
		goto cleanup;
	}
	list_init(&e->node);
	p = &e->info;
	p->pid = pid;
	p->seeded = true;

	/* stat first: a process without one is gone */
	snprintf(path, sizeof(path), "%s/%u/stat", root, pid);
	n = read_file(path, buf, bufsz);
	if (n <= 0) {
		err = n < 0 ? (int)n : -ENOENT;
		goto cleanup;
	}
	err = parse_stat_start(buf, &start);
	if (err)
		goto cleanup;
	p->exec_ktime = proc_start_boot_ns(start);
	if (exec_ktime) {
		if (exec_ktime < p->exec_ktime ||
		    exec_ktime >= proc_start_boot_ns(start + 1)) {
			err = -ESRCH; /* the pid is another process's now */
			goto cleanup;
		}
		p->exec_ktime = exec_ktime;
	}

	snprintf(path, sizeof(path), "%s/%u/status", root, pid);
	n = read_file(path, buf + 1, bufsz - 1);
	if (n > 0) {
		buf[0] = '\n';
		parse_status(buf, p);
	}

	snprintf(path, sizeof(path), "%s/%u/comm", root, pid);
	n = read_file(path, buf, RTG_COMM_LEN + 1);
	if (n > 0) {
		buf[strcspn(buf, "\n")] = '\0';
		snprintf(p->comm, sizeof(p->comm), "%s", buf);
	}

	snprintf(path, sizeof(path), "%s/%u/exe", root, pid);
	p->binary = read_link(path); /* kernel threads have none */
	snprintf(path, sizeof(path), "%s/%u/cwd", root, pid);
	p->cwd = read_link(path);

	snprintf(path, sizeof(path), "%s/%u/cmdline", root, pid);
	n = read_file(path, buf, bufsz + 1);
	if (n >= 0) {
		p->args_truncated = (size_t)n == bufsz;
		err = proc_args_split(buf, n, &p->argv, &p->argc);
		if (err)
			goto cleanup;
	}

	snprintf(path, sizeof(path), "%s/%u/cgroup", root, pid);
	cg_cache_seed(&pc->cg, path, p);
	proc_cache_exec_id(pc, pid, p->exec_ktime, p->exec_id);
	proc_cache_insert(pc, e);
	e = NULL;
cleanup:
	proc_entry_free(e);
	free(buf);
	return err;
}

int proc_cache_seed(struct proc_cache *pc, const char *proc_root)
{
	struct list *l;
	struct dirent *de;
	int added = 0;
	DIR *d;

	if (!proc_root)
		proc_root = "/proc";
	d = opendir(proc_root);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char *end;
		unsigned long pid = strtoul(de->d_name, &end, 10);

		if (*end || !pid || !isdigit((unsigned char)de->d_name[0]) ||
		    pid > UINT32_MAX)
			continue;
		if (proc_cache_lookup(pc, pid))
			continue;
		if (!seed_one(pc, proc_root, pid, 0))
			added++;
	}
	closedir(d);
	/* second pass: parents are known now */
	for (l = pc->lru.next; l != &pc->lru; l = l->next) {
		struct proc_entry *e = entry_of(l);

		if (e->info.seeded && !e->info.parent_exec_id[0])
			proc_set_parent_exec_id(pc, e);
	}
	log_debug("proc_cache: seeded %d processes from %s", added, proc_root);
	return added;
}

const struct rtg_proc_info *proc_cache_learn(struct proc_cache *pc,
					     uint32_t pid, uint64_t exec_ktime)
{
	struct proc_entry *e;

	/* never make room nor replace, here or in the cgroup cache: that
	 * could free an entry a view still shows */
	if (!pid || pc->count + 1 >= pc->max_entries ||
	    pc->cg.count + 1 >= CG_CACHE_MAX || proc_cache_lookup(pc, pid))
		return NULL;
	if (seed_one(pc, pc->cg.proc_root, pid, exec_ktime))
		return NULL;
	e = proc_cache_lookup(pc, pid);
	if (!e)
		return NULL;
	proc_set_parent_exec_id(pc, e);
	log_debug("proc_cache: learnt pid %u (%s) from %s", pid,
		  e->info.binary ?: "?", pc->cg.proc_root);
	return &e->info;
}
