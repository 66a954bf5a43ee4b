// SPDX-License-Identifier: GPL-2.0
/*
 * Process cache: a chained hash table keyed by pid, an LRU list of live
 * entries and a list of exited entries waiting for proc_cache_reap(); plus a
 * small cache of container lookups keyed by cgroup id.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "log.h"
#include "proc_cache.h"

#define DEFAULT_MAX_ENTRIES 65536
#define CG_CACHE_MAX	    4096
#define FILEID_KERNFS	    0xfe

struct list {
	struct list *prev, *next;
};

struct proc_entry {
	struct rtg_proc_info info;
	struct proc_entry *hnext; /* hash chain */
	struct list node;	  /* on pc->lru (live) or pc->dead (exited) */
};

struct cg_entry {
	uint64_t cgroup_id;
	struct cg_entry *hnext;
	char id[RTG_CONTAINER_ID_LEN + 1];
	char pod[RTG_POD_UID_LEN + 1];
};

struct proc_cache {
	char nodename[HOST_NAME_MAX + 1];
	char proc_root[PATH_MAX];
	char cg_root[PATH_MAX];
	int cg_root_fd;
	size_t max_entries, count;
	size_t nbuckets; /* power of two */
	struct proc_entry **buckets;
	struct list lru; /* most recently used first */
	struct list dead;
	struct cg_entry *cg_buckets[256];
	size_t cg_count;
	struct cg_entry cg_scratch;
};

static void list_init(struct list *l)
{
	l->prev = l->next = l;
}

static void list_del(struct list *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	list_init(n);
}

static void list_add(struct list *head, struct list *n)
{
	n->next = head->next;
	n->prev = head;
	head->next->prev = n;
	head->next = n;
}

#define entry_of(l)                                                            \
	((struct proc_entry *)((char *)(l)-offsetof(struct proc_entry, node)))

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
	pc->cg_root_fd = -1;
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
	snprintf(pc->proc_root, sizeof(pc->proc_root), "%s",
		 opts->proc_root ?: "/proc");
	if (opts->cgroup2_root) {
		if (!realpath(opts->cgroup2_root, pc->cg_root))
			snprintf(pc->cg_root, sizeof(pc->cg_root), "%s",
				 opts->cgroup2_root);
		pc->cg_root_fd =
		    open(pc->cg_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (pc->cg_root_fd < 0)
			log_debug("proc_cache: cannot open cgroup2 root %s: %s",
				  pc->cg_root, strerror(errno));
	}
	return pc;
}

static void entry_free(struct proc_entry *e)
{
	if (!e)
		return;
	free(e->info.binary);
	free(e->info.argv);
	free(e->info.cwd);
	free(e);
}

static void cg_cache_clear(struct proc_cache *pc)
{
	struct cg_entry *c, *n;
	size_t i;

	for (i = 0; i < 256; i++) {
		for (c = pc->cg_buckets[i]; c; c = n) {
			n = c->hnext;
			free(c);
		}
		pc->cg_buckets[i] = NULL;
	}
	pc->cg_count = 0;
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
			entry_free(e);
		}
	}
	cg_cache_clear(pc);
	if (pc->cg_root_fd >= 0)
		close(pc->cg_root_fd);
	free(pc->buckets);
	free(pc);
}

size_t proc_cache_count(const struct proc_cache *pc)
{
	return pc->count;
}

static struct proc_entry *lookup(struct proc_cache *pc, uint32_t pid)
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

static void insert_entry(struct proc_cache *pc, struct proc_entry *e)
{
	size_t h = pid_hash(pc, e->info.pid);

	e->hnext = pc->buckets[h];
	pc->buckets[h] = e;
	list_add(&pc->lru, &e->node);
	pc->count++;
}

void proc_cache_reap(struct proc_cache *pc)
{
	while (pc->dead.next != &pc->dead) {
		struct proc_entry *e = entry_of(pc->dead.next);

		unlink_entry(pc, e);
		entry_free(e);
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
		entry_free(e);
	}
}

const struct rtg_proc_info *proc_cache_get(struct proc_cache *pc, uint32_t pid)
{
	struct proc_entry *e = lookup(pc, pid);

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
	struct proc_entry *e = lookup(pc, pid);

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

/* ---- container parsing ---- */

static bool is_hex_lower(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]) &&
		    !(s[i] >= 'a' && s[i] <= 'f'))
			return false;
	return true;
}

/* component c[0..n) is a container: [prefix]<64hex>[.scope] */
static bool comp_container(const char *c, size_t n, char id[65])
{
	static const char *const prefixes[] = {
	    "docker-", "cri-containerd-", "crio-", "libpod-", "",
	};
	size_t i, pl;

	if (n > 6 && !memcmp(c + n - 6, ".scope", 6))
		n -= 6;
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		pl = strlen(prefixes[i]);
		if (n != pl + 64 || memcmp(c, prefixes[i], pl))
			continue;
		if (!is_hex_lower(c + pl, 64))
			return false;
		memcpy(id, c + pl, 64);
		id[64] = '\0';
		return true;
	}
	return false;
}

/* pod uid u[0..36): 8-4-4-4-12 hex with sep at the dashes; out dashed */
static bool pod_uid_norm(const char *u, size_t n, char sep, char pod[37])
{
	size_t i;

	if (n != 36)
		return false;
	for (i = 0; i < 36; i++) {
		char c = u[i];

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != sep)
				return false;
			pod[i] = '-';
		} else {
			if (!isxdigit((unsigned char)c))
				return false;
			pod[i] = tolower((unsigned char)c);
		}
	}
	pod[36] = '\0';
	return true;
}

/* kubepods[-qos]-pod<uid_with_underscores>.slice or pod<uid> */
static bool comp_pod(const char *c, size_t n, char pod[37])
{
	const char *p;

	if (n > 9 && !memcmp(c, "kubepods-", 9) &&
	    !memcmp(c + n - 6, ".slice", 6)) {
		for (p = c; p + 4 <= c + n; p++) {
			if (memcmp(p, "-pod", 4))
				continue;
			if (pod_uid_norm(p + 4, c + n - 6 - (p + 4), '_', pod))
				return true;
		}
		return false;
	}
	if (n == 39 && !memcmp(c, "pod", 3))
		return pod_uid_norm(c + 3, 36, '-', pod);
	return false;
}

int container_parse(const char *cgroup_path, char id[65], char pod[37])
{
	const char *c = cgroup_path, *e;
	char tid[65], tpod[37];
	bool in_kube = false;

	id[0] = '\0';
	pod[0] = '\0';
	if (!cgroup_path)
		return -ENOENT;
	while (*c) {
		while (*c == '/')
			c++;
		e = strchrnul(c, '/');
		if (e == c)
			break;
		if ((size_t)(e - c) >= 8 && !memcmp(c, "kubepods", 8))
			in_kube = true;
		/* the deepest match wins (kind: /docker/<node>/kubepods/...) */
		if (comp_container(c, e - c, tid))
			memcpy(id, tid, sizeof(tid));
		else if (in_kube && comp_pod(c, e - c, tpod))
			memcpy(pod, tpod, sizeof(tpod));
		c = e;
	}
	return id[0] || pod[0] ? 0 : -ENOENT;
}

/* ---- container cache ---- */

static struct cg_entry *cg_lookup(struct proc_cache *pc, uint64_t cgid)
{
	struct cg_entry *c;

	for (c = pc->cg_buckets[cgid & 255]; c; c = c->hnext)
		if (c->cgroup_id == cgid)
			return c;
	return NULL;
}

static struct cg_entry *cg_insert(struct proc_cache *pc, uint64_t cgid,
				  const char *id, const char *pod)
{
	struct cg_entry *c;

	if (pc->cg_count >= CG_CACHE_MAX)
		cg_cache_clear(pc);
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->cgroup_id = cgid;
	snprintf(c->id, sizeof(c->id), "%s", id);
	snprintf(c->pod, sizeof(c->pod), "%s", pod);
	c->hnext = pc->cg_buckets[cgid & 255];
	pc->cg_buckets[cgid & 255] = c;
	pc->cg_count++;
	return c;
}

/* Path of cgroup id below the cgroup2 root, through a kernfs file handle. */
static int cg_path_by_id(struct proc_cache *pc, uint64_t cgid, char *buf,
			 size_t size)
{
	union {
		struct file_handle fh;
		char buf[sizeof(struct file_handle) + sizeof(uint64_t)];
	} h = {};
	char link[64], path[PATH_MAX];
	size_t rl = strlen(pc->cg_root);
	ssize_t n;
	int fd, err = 0;

	if (pc->cg_root_fd < 0)
		return -ENOENT;
	h.fh.handle_bytes = sizeof(uint64_t);
	h.fh.handle_type = FILEID_KERNFS;
	memcpy(h.fh.f_handle, &cgid, sizeof(cgid));
	fd = open_by_handle_at(pc->cg_root_fd, &h.fh, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n < 0) {
		err = -errno;
		goto cleanup;
	}
	path[n] = '\0';
	if (strncmp(path, pc->cg_root, rl) || (path[rl] && path[rl] != '/')) {
		err = -ENOENT;
		goto cleanup;
	}
	snprintf(buf, size, "%s", path[rl] ? path + rl : "/");
cleanup:
	close(fd);
	return err;
}

/* The cgroup v2 path ("0::" line) of a /proc/PID/cgroup file; when that is
 * missing or "/" (hybrid hierarchy), the first v1 path that names a
 * container instead (*v1 set). */
static int read_cgroup_file(const char *file, char *buf, size_t size, bool *v1)
{
	char line[PATH_MAX + 64], id[65], pod[37], v1path[PATH_MAX];
	bool have_v2 = false, have_v1 = false;
	FILE *f;

	*v1 = false;
	f = fopen(file, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *p, *path;

		line[strcspn(line, "\n")] = '\0';
		p = strchr(line, ':');
		if (!p || !(path = strchr(p + 1, ':')))
			continue;
		path++;
		if (!strncmp(line, "0::", 3)) {
			snprintf(buf, size, "%s", path);
			have_v2 = true;
		} else if (!have_v1 && !container_parse(path, id, pod)) {
			snprintf(v1path, sizeof(v1path), "%s", path);
			have_v1 = true;
		}
	}
	fclose(f);
	if (have_v1 && (!have_v2 || !strcmp(buf, "/"))) {
		snprintf(buf, size, "%s", v1path);
		*v1 = true;
		return 0;
	}
	return have_v2 ? 0 : -ENOENT;
}

int proc_cache_container(struct proc_cache *pc, uint64_t cgroup_id,
			 uint32_t pid, const char **id, const char **pod)
{
	char path[PATH_MAX], file[PATH_MAX * 2 + 32], cid[65], cpod[37];
	struct cg_entry *c;
	bool v1 = false, cacheable = false;
	struct stat st;
	int err;

	*id = *pod = "";
	if (cgroup_id && (c = cg_lookup(pc, cgroup_id))) {
		*id = c->id;
		*pod = c->pod;
		return 0;
	}
	err = cgroup_id ? cg_path_by_id(pc, cgroup_id, path, sizeof(path))
			: -ENOENT;
	if (!err) {
		cacheable = true;
	} else {
		if (!pid)
			return -ENOENT;
		snprintf(file, sizeof(file), "%s/%u/cgroup", pc->proc_root,
			 pid);
		err = read_cgroup_file(file, path, sizeof(path), &v1);
		if (err)
			return err;
		/* the v2 path names this cgroup id unless pid has moved */
		cacheable = !v1 && cgroup_id && strcmp(path, "/");
		if (cacheable && pc->cg_root[0]) {
			snprintf(file, sizeof(file), "%s%s", pc->cg_root, path);
			cacheable = !stat(file, &st) &&
				    (uint64_t)st.st_ino == cgroup_id;
		}
	}
	container_parse(path, cid, cpod);
	if (cacheable && (c = cg_insert(pc, cgroup_id, cid, cpod))) {
		*id = c->id;
		*pod = c->pod;
		return 0;
	}
	/* not cacheable: hand out the result through the scratch entry */
	c = &pc->cg_scratch;
	snprintf(c->id, sizeof(c->id), "%s", cid);
	snprintf(c->pod, sizeof(c->pod), "%s", cpod);
	*id = c->id;
	*pod = c->pod;
	return 0;
}

/* ---- entries ---- */

static char *strndup_nul(const char *s, size_t n)
{
	if (!s)
		return NULL;
	return strndup(s, strnlen(s, n));
}

/* argv from NUL-separated bytes (the last one may lack its NUL) */
static int args_split(const char *buf, size_t len, char ***argvp, int *argcp)
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

static void set_parent_exec_id(struct proc_cache *pc, struct proc_entry *e)
{
	struct rtg_proc_info *p = &e->info;
	const struct proc_entry *pe;

	p->parent_exec_id[0] = '\0';
	if (!p->ppid)
		return;
	if (!p->parent_exec_ktime && (pe = lookup(pc, p->ppid)))
		p->parent_exec_ktime = pe->info.exec_ktime;
	if (p->parent_exec_ktime)
		proc_cache_exec_id(pc, p->ppid, p->parent_exec_ktime,
				   p->parent_exec_id);
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
	struct proc_entry *old = lookup(pc, e->info.pid);

	if (old) {
		unlink_entry(pc, old);
		entry_free(old);
	}
	make_room(pc);
	insert_entry(pc, e);
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
	p->binary = strndup_nul(in->binary ?: "", in->binary_len);
	p->cwd = in->cwd ? strndup_nul(in->cwd, in->cwd_len) : NULL;
	if (!p->binary || (in->cwd && !p->cwd) ||
	    args_split(in->args ?: "", in->args ? in->args_len : 0, &p->argv,
		       &p->argc)) {
		entry_free(e);
		return NULL;
	}
	if (p->exec_ktime)
		proc_cache_exec_id(pc, p->pid, p->exec_ktime, p->exec_id);
	set_parent_exec_id(pc, e);
	set_container(pc, e);
	replace_entry(pc, e);
	return p;
}

/* ---- seeding from /proc ---- */

static ssize_t read_file(const char *path, char *buf, size_t size)
{
	ssize_t n, total = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while ((size_t)total < size) {
		n = read(fd, buf + total, size - total);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			total = -errno;
			break;
		}
		if (!n)
			break;
		total += n;
	}
	close(fd);
	return total;
}

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

static int seed_one(struct proc_cache *pc, const char *root, uint32_t pid)
{
	char path[PATH_MAX], *buf;
	struct proc_entry *e;
	struct rtg_proc_info *p;
	unsigned long long start;
	char cg[PATH_MAX], id[65], pod[37];
	bool v1;
	ssize_t n;
	int err = 0;
	size_t bufsz = 64 * 1024;

	buf = malloc(bufsz);
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
	n = read_file(path, buf, bufsz - 1);
	if (n <= 0) {
		err = n < 0 ? (int)n : -ENOENT;
		goto cleanup;
	}
	buf[n] = '\0';
	err = parse_stat_start(buf, &start);
	if (err)
		goto cleanup;
	p->exec_ktime = proc_start_boot_ns(start);

	snprintf(path, sizeof(path), "%s/%u/status", root, pid);
	n = read_file(path, buf + 1, bufsz - 2);
	if (n > 0) {
		buf[0] = '\n';
		buf[n + 1] = '\0';
		parse_status(buf, p);
	}

	snprintf(path, sizeof(path), "%s/%u/comm", root, pid);
	n = read_file(path, buf, RTG_COMM_LEN);
	if (n > 0) {
		buf[n] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		snprintf(p->comm, sizeof(p->comm), "%s", buf);
	}

	snprintf(path, sizeof(path), "%s/%u/exe", root, pid);
	p->binary = read_link(path); /* kernel threads have none */
	snprintf(path, sizeof(path), "%s/%u/cwd", root, pid);
	p->cwd = read_link(path);

	snprintf(path, sizeof(path), "%s/%u/cmdline", root, pid);
	n = read_file(path, buf, bufsz);
	if (n >= 0) {
		p->args_truncated = (size_t)n == bufsz;
		err = args_split(buf, n, &p->argv, &p->argc);
		if (err)
			goto cleanup;
	}

	snprintf(path, sizeof(path), "%s/%u/cgroup", root, pid);
	if (!read_cgroup_file(path, cg, sizeof(cg), &v1)) {
		struct stat st;
		char dir[PATH_MAX * 2];

		container_parse(cg, id, pod);
		snprintf(p->container_id, sizeof(p->container_id), "%s", id);
		snprintf(p->pod_uid, sizeof(p->pod_uid), "%s", pod);
		if (!v1 && pc->cg_root[0]) {
			snprintf(dir, sizeof(dir), "%s%s", pc->cg_root, cg);
			if (!stat(dir, &st)) {
				p->cgroup_id = st.st_ino;
				if (strcmp(cg, "/") &&
				    !cg_lookup(pc, st.st_ino))
					cg_insert(pc, st.st_ino, id, pod);
			}
		}
	}
	proc_cache_exec_id(pc, pid, p->exec_ktime, p->exec_id);
	make_room(pc);
	insert_entry(pc, e);
	e = NULL;
cleanup:
	entry_free(e);
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
		if (lookup(pc, pid))
			continue;
		if (!seed_one(pc, proc_root, pid))
			added++;
	}
	closedir(d);
	/* second pass: parents are known now */
	for (l = pc->lru.next; l != &pc->lru; l = l->next) {
		struct proc_entry *e = entry_of(l);

		if (e->info.seeded && !e->info.parent_exec_id[0])
			set_parent_exec_id(pc, e);
	}
	log_debug("proc_cache: seeded %d processes from %s", added, proc_root);
	return added;
}
