// SPDX-License-Identifier: GPL-2.0
/* fanotify permission-event enforcement (see enforce.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "enforce.h"
#include "events.h"
#include "log.h"
#include "policy_compile.h"
#include "policy_selector.h"

struct mark {
	char *path;
	int hook;
	dev_t dev;
	ino_t ino;
	bool marked;
};

struct enforcer {
	pthread_t thread;
	bool running; /* thread started (enforcer_run) */
	pthread_mutex_t lock; /* comp, gen, marks */
	const struct rtg_compiled *comp;
	uint8_t gen;
	struct rtg_map_fds fds;
	int procs_fd;
	bool dry_run;
	int fan_fd;
	int sock[2]; /* [0] main loop reads, [1] thread writes */
	int stop_pipe[2];
	struct mark *marks;
	int nmarks;
	bool remark; /* policies changed: redo all marks */
	uint64_t lost; /* records the main loop never got */
	uint64_t undecided; /* events allowed because undecidable */
	char pidns[64]; /* the initial pid namespace, for `container` */
};

static uint64_t fan_mask(int hook)
{
	return hook == RTG_HOOK_EXEC ? FAN_OPEN_EXEC_PERM : FAN_OPEN_PERM;
}

static void marks_free(struct enforcer *e)
{
	int i;

	for (i = 0; i < e->nmarks; i++) {
		if (e->marks[i].marked)
			fanotify_mark(e->fan_fd, FAN_MARK_REMOVE,
				      fan_mask(e->marks[i].hook), AT_FDCWD,
				      e->marks[i].path);
		free(e->marks[i].path);
	}
	free(e->marks);
	e->marks = NULL;
	e->nmarks = 0;
}

static int marks_build(struct enforcer *e, const struct rtg_compiled *c)
{
	int i;

	e->marks = calloc(c->nfan ? c->nfan : 1, sizeof(*e->marks));
	if (!e->marks)
		return -ENOMEM;
	for (i = 0; i < c->nfan; i++) {
		e->marks[i].path = strdup(c->fan[i].path);
		e->marks[i].hook = c->fan[i].hook;
		if (!e->marks[i].path)
			return -ENOMEM;
		e->nmarks++;
	}
	return 0;
}

/* Marks every target whose inode is new or changed (file created, or
 * replaced by a rename). Missing files are retried on the next pass. */
static void marks_refresh(struct enforcer *e)
{
	struct stat st;
	int i;

	for (i = 0; i < e->nmarks; i++) {
		struct mark *m = &e->marks[i];

		if (stat(m->path, &st))
			continue;
		if (m->marked && m->dev == st.st_dev && m->ino == st.st_ino)
			continue;
		if (fanotify_mark(e->fan_fd, FAN_MARK_ADD, fan_mask(m->hook),
				  AT_FDCWD, m->path)) {
			log_warn("fanotify: cannot mark %s: %s", m->path,
				 strerror(errno));
			continue;
		}
		log_debug("fanotify: marked %s (%s)", m->path,
			  m->hook == RTG_HOOK_EXEC ? "exec" : "open");
		m->marked = true;
		m->dev = st.st_dev;
		m->ino = st.st_ino;
	}
}

static int read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return (int)n;
}

static void proc_ids(pid_t pid, uint32_t *uid, uint32_t *gid)
{
	char path[64], buf[2048], *p;

	*uid = *gid = (uint32_t)-1;
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (read_small(path, buf, sizeof(buf)) < 0)
		return;
	p = strstr(buf, "\nUid:");
	if (p)
		*uid = strtoul(p + 5, NULL, 10);
	p = strstr(buf, "\nGid:");
	if (p)
		*gid = strtoul(p + 5, NULL, 10);
}

static bool proc_in_container(const struct enforcer *e, pid_t pid)
{
	char path[64], ns[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/ns/pid", pid);
	n = readlink(path, ns, sizeof(ns) - 1);
	if (n <= 0 || !e->pidns[0])
		return false;
	ns[n] = '\0';
	return strcmp(ns, e->pidns) != 0;
}

/* A denial as the main loop's decoder expects it from the ring buffer. */
static void send_record(struct enforcer *e, const struct fanotify_event_metadata *md,
			int hook, const char *path, const struct rtg_verdict *v,
			uint32_t uid, uint32_t gid)
{
	union {
		struct rtg_open o;
		struct rtg_exec x;
		char raw[sizeof(struct rtg_exec) + RTG_PATH_MAX];
	} r;
	struct rtg_hdr *h = &r.o.hdr;
	struct rtg_proc_state ps;
	struct timespec ts;
	size_t plen = strlen(path) + 1, size;
	char cpath[64];
	struct stat st;
	uint32_t pid = md->pid;

	if (plen > RTG_PATH_MAX)
		plen = RTG_PATH_MAX;
	memset(&r, 0, sizeof(struct rtg_exec));
	clock_gettime(CLOCK_BOOTTIME, &ts);
	h->type = hook == RTG_HOOK_EXEC ? RTG_EV_EXEC : RTG_EV_OPEN;
	h->action = RTG_ACT_DENY;
	h->mech = RTG_MECH_FANOTIFY;
	h->gen = e->gen;
	h->rule = v->rule;
	h->flags = RTG_F_ENFORCED;
	h->time_ns = (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
	h->pid = h->tid = pid;
	h->uid = uid;
	h->gid = gid;
	if (!bpf_map_lookup_elem(e->procs_fd, &pid, &ps)) {
		h->exec_ktime = ps.exec_ktime;
		h->parent_exec_ktime = ps.parent_exec_ktime;
		h->ppid = ps.ppid;
	} else {
		h->flags |= RTG_F_NO_PROC;
	}
	snprintf(cpath, sizeof(cpath), "/proc/%u/comm", pid);
	if (read_small(cpath, h->comm, sizeof(h->comm)) > 0)
		h->comm[strcspn(h->comm, "\n")] = '\0';
	if (hook == RTG_HOOK_EXEC) {
		r.x.binary_len = plen;
		memcpy(r.x.data, path, plen);
		r.x.data[plen - 1] = '\0';
		size = sizeof(r.x) + plen;
	} else {
		if (!fstat(md->fd, &st)) {
			r.o.ino = st.st_ino;
			r.o.dev = st.st_dev;
		}
		r.o.path_len = plen;
		memcpy(r.o.path, path, plen);
		r.o.path[plen - 1] = '\0';
		size = sizeof(r.o) + plen;
	}
	if (send(e->sock[1], &r, size, MSG_DONTWAIT) < 0)
		__atomic_add_fetch(&e->lost, 1, __ATOMIC_RELAXED);
}

static void handle_event(struct enforcer *e,
			 const struct fanotify_event_metadata *md)
{
	struct fanotify_response resp = { .fd = md->fd, .response = FAN_ALLOW };
	struct rtg_facts f = {};
	struct rtg_bits keys[RTG_NKEYS];
	struct rtg_verdict v = { .action = RTG_ACT_ALLOW };
	char fdpath[64], path[PATH_MAX], exe[PATH_MAX];
	struct stat st;
	uint32_t uid, gid;
	ssize_t n;
	int hook = md->mask & FAN_OPEN_EXEC_PERM ? RTG_HOOK_EXEC :
						    RTG_HOOK_OPEN;

	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", md->fd);
	n = readlink(fdpath, path, sizeof(path) - 1);
	if (n <= 0)
		goto undecided;
	path[n] = '\0';
	snprintf(fdpath, sizeof(fdpath), "/proc/%d/exe", md->pid);
	n = readlink(fdpath, exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	proc_ids(md->pid, &uid, &gid);

	f.hook = hook;
	/* Judge the marked inode, not the name it was reached by: a hardlink,
	 * a bind mount or a rename leads to the same marked file. */
	f.path = path;
	pthread_mutex_lock(&e->lock);
	if (!fstat(md->fd, &st)) {
		int i;

		for (i = 0; i < e->nmarks; i++) {
			const struct mark *m = &e->marks[i];

			if (m->marked && m->hook == hook &&
			    m->dev == st.st_dev && m->ino == st.st_ino) {
				snprintf(path, sizeof(path), "%s", m->path);
				break;
			}
		}
	}
	pthread_mutex_unlock(&e->lock);
	f.binary = exe;
	/* fanotify does not tell the opener's flags: judged as a read; a
	 * write rule that this misses is still caught by the open hook */
	f.flags = 1u << RTG_FLAG_READ;
	f.uid = uid;
	f.container = proc_in_container(e, md->pid);
	pthread_mutex_lock(&e->lock);
	if (policy_facts_keys_maps(e->comp, e->gen, &e->fds, &f, keys) == 0) {
		struct rtg_hookset hs = e->comp->rs.h[hook];

		/* scoped policies never deny here (policy_selector.h) */
		policy_hookset_only(&hs, ~e->comp->rs.sel.scoped);
		rtg_decide(&hs, keys, &v);
	} else
		e->undecided++;
	pthread_mutex_unlock(&e->lock);
	if (v.action >= RTG_ACT_DENY && v.mech == RTG_MECH_FANOTIFY &&
	    !e->dry_run)
		resp.response = FAN_DENY;
	if (write(e->fan_fd, &resp, sizeof(resp)) != sizeof(resp))
		log_warn("fanotify: cannot answer: %s", strerror(errno));
	if (resp.response == FAN_DENY)
		send_record(e, md, hook, path, &v, uid, gid);
	close(md->fd);
	return;
undecided:
	e->undecided++;
	if (write(e->fan_fd, &resp, sizeof(resp)) != sizeof(resp))
		log_warn("fanotify: cannot answer: %s", strerror(errno));
	close(md->fd);
}

static void *enforcer_thread(void *arg)
{
	struct enforcer *e = arg;
	char buf[8192] __attribute__((aligned(8)));
	struct pollfd pfd[2] = {
		{ .fd = e->fan_fd, .events = POLLIN },
		{ .fd = e->stop_pipe[0], .events = POLLIN },
	};

	for (;;) {
		const struct fanotify_event_metadata *md;
		ssize_t len;
		int r = poll(pfd, 2, 1000);

		if (pfd[1].revents)
			break;
		if (r <= 0 || !(pfd[0].revents & POLLIN)) {
			pthread_mutex_lock(&e->lock);
			marks_refresh(e);
			pthread_mutex_unlock(&e->lock);
			continue;
		}
		len = read(e->fan_fd, buf, sizeof(buf));
		if (len <= 0)
			continue;
		md = (const void *)buf;
		while (FAN_EVENT_OK(md, len)) {
			if (md->vers != FANOTIFY_METADATA_VERSION)
				break;
			if (md->fd >= 0)
				handle_event(e, md);
			md = FAN_EVENT_NEXT(md, len);
		}
	}
	return NULL;
}

struct enforcer *enforcer_start(const struct rtg_compiled *c, uint8_t gen,
				const struct rtg_map_fds *fds, int procs_fd,
				bool dry_run)
{
	struct enforcer *e = calloc(1, sizeof(*e));
	ssize_t n;

	if (!e)
		return NULL;
	e->fan_fd = e->sock[0] = e->sock[1] = -1;
	e->stop_pipe[0] = e->stop_pipe[1] = -1;
	pthread_mutex_init(&e->lock, NULL);
	e->comp = c;
	e->gen = gen;
	e->fds = *fds;
	e->procs_fd = procs_fd;
	e->dry_run = dry_run;
	n = readlink("/proc/1/ns/pid", e->pidns, sizeof(e->pidns) - 1);
	e->pidns[n > 0 ? n : 0] = '\0';
	e->fan_fd = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC,
				  O_RDONLY | O_LARGEFILE | O_CLOEXEC);
	if (e->fan_fd < 0) {
		log_err("fanotify_init: %s", strerror(errno));
		goto err;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC,
		       0, e->sock) ||
	    pipe2(e->stop_pipe, O_CLOEXEC)) {
		log_err("enforcer: %s", strerror(errno));
		goto err;
	}
	if (marks_build(e, c))
		goto err;
	return e;
err:
	marks_free(e);
	if (e->fan_fd >= 0)
		close(e->fan_fd);
	free(e);
	return NULL;
}

/* Keeps the marks of paths that stay (no window in which they are
 * unmarked), removes those that go, adds the new ones. */
void enforcer_update(struct enforcer *e, const struct rtg_compiled *c,
		     uint8_t gen)
{
	struct mark *old;
	int nold, i, j;

	pthread_mutex_lock(&e->lock);
	old = e->marks;
	nold = e->nmarks;
	e->marks = NULL;
	e->nmarks = 0;
	e->comp = c;
	e->gen = gen;
	if (marks_build(e, c))
		log_err("enforcer: out of memory re-marking");
	for (i = 0; i < nold; i++) {
		bool kept = false;

		for (j = 0; j < e->nmarks && !kept; j++) {
			struct mark *m = &e->marks[j];

			if (m->hook == old[i].hook &&
			    !strcmp(m->path, old[i].path) && !m->marked) {
				m->marked = old[i].marked;
				m->dev = old[i].dev;
				m->ino = old[i].ino;
				kept = true;
			}
		}
		if (!kept && old[i].marked)
			fanotify_mark(e->fan_fd, FAN_MARK_REMOVE,
				      fan_mask(old[i].hook), AT_FDCWD,
				      old[i].path);
		free(old[i].path);
	}
	free(old);
	marks_refresh(e);
	pthread_mutex_unlock(&e->lock);
}

int enforcer_fd(const struct enforcer *e)
{
	return e->sock[0];
}

void enforcer_drain(struct enforcer *e, enforcer_sink_fn sink, void *ctx)
{
	char buf[sizeof(struct rtg_exec) + RTG_PATH_MAX]
		__attribute__((aligned(8)));
	ssize_t n;

	while ((n = recv(e->sock[0], buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		sink(ctx, buf, n);
}

uint64_t enforcer_lost(struct enforcer *e)
{
	return __atomic_exchange_n(&e->lost, 0, __ATOMIC_RELAXED);
}

/* Marks the paths and starts the thread: after the agent has dropped its
 * capabilities (user/agent/privs.h), so that the thread never holds them. */
int enforcer_run(struct enforcer *e)
{
	marks_refresh(e);
	if (pthread_create(&e->thread, NULL, enforcer_thread, e)) {
		log_err("enforcer: cannot start thread");
		return -EAGAIN;
	}
	e->running = true;
	return 0;
}

void enforcer_stop(struct enforcer *e)
{
	if (!e)
		return;
	if (e->running && write(e->stop_pipe[1], "x", 1) == 1)
		pthread_join(e->thread, NULL);
	marks_free(e);
	close(e->fan_fd);
	close(e->sock[0]);
	close(e->sock[1]);
	close(e->stop_pipe[0]);
	close(e->stop_pipe[1]);
	pthread_mutex_destroy(&e->lock);
	free(e);
}
