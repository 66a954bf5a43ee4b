// SPDX-License-Identifier: GPL-2.0
/* Raw ring-buffer records (bpf/events.h) -> struct rtg_event_view. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "decode_int.h"
#include "log.h"

struct decoder {
	struct proc_cache *pc;
	int64_t clock_offset_ns; /* CLOCK_REALTIME - CLOCK_BOOTTIME */
	bool reap_pending;	 /* an exit was decoded: free it next time */
	struct rtg_proc_info ph; /* placeholder for unknown processes */
	char *buf; /* copies of the record's strings, NUL-terminated */
	size_t buf_size;
};

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000ll + ts->tv_nsec;
}

/* realtime - boottime, from the closest of a few boot/real/boot samples */
static int64_t measure_clock_offset(void)
{
	struct timespec b1, r, b2;
	int64_t best_gap = INT64_MAX, off = 0, gap;
	int i;

	for (i = 0; i < 5; i++) {
		clock_gettime(CLOCK_BOOTTIME, &b1);
		clock_gettime(CLOCK_REALTIME, &r);
		clock_gettime(CLOCK_BOOTTIME, &b2);
		gap = ts_ns(&b2) - ts_ns(&b1);
		if (gap < best_gap) {
			best_gap = gap;
			off = ts_ns(&r) - (ts_ns(&b1) + gap / 2);
		}
	}
	return off;
}

struct decoder *decoder_new(struct proc_cache *pc)
{
	struct decoder *d;

	if (!pc)
		return NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->pc = pc;
	d->clock_offset_ns = measure_clock_offset();
	return d;
}

void decoder_free(struct decoder *d)
{
	if (!d)
		return;
	if (d->reap_pending)
		proc_cache_reap(d->pc);
	free(d->buf);
	free(d);
}

void decoder_set_clock_offset(struct decoder *d, int64_t offset_ns)
{
	d->clock_offset_ns = offset_ns;
}

struct timespec decoder_realtime(const struct decoder *d, uint64_t boot_ns)
{
	/* seconds and nanoseconds apart: a hostile or corrupt boot_ns must
	 * not overflow into a negative wall time */
	int64_t off_s = d->clock_offset_ns / 1000000000ll;
	int64_t off_ns = d->clock_offset_ns % 1000000000ll;
	struct timespec ts;

	ts.tv_sec = (int64_t)(boot_ns / 1000000000ull) + off_s;
	ts.tv_nsec = (int64_t)(boot_ns % 1000000000ull) + off_ns;
	if (ts.tv_nsec < 0) {
		ts.tv_sec--;
		ts.tv_nsec += 1000000000ll;
	} else if (ts.tv_nsec >= 1000000000ll) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000ll;
	}
	if (ts.tv_sec < 0) {
		ts.tv_sec = 0;
		ts.tv_nsec = 0;
	}
	return ts;
}

static int reserve(struct decoder *d, size_t size)
{
	char *b;

	if (size <= d->buf_size)
		return 0;
	b = realloc(d->buf, size);
	if (!b)
		return -ENOMEM;
	d->buf = b;
	d->buf_size = size;
	return 0;
}

/* Copies s[0..n) up to its first NUL into the buffer at *off. */
static const char *take_str(struct decoder *d, size_t *off, const char *s,
			    size_t n)
{
	char *dst = d->buf + *off;
	size_t len = strnlen(s, n);

	memcpy(dst, s, len);
	dst[len] = '\0';
	*off += len + 1;
	return dst;
}

/* What a record's header tells of its process, as the cache takes it. */
static void exec_info_of(const struct rtg_hdr *h, struct proc_exec_info *in)
{
	*in = (struct proc_exec_info){
	    .pid = h->pid,
	    .ppid = h->ppid,
	    .uid = h->uid,
	    .gid = h->gid,
	    .exec_ktime = h->exec_ktime,
	    .parent_exec_ktime = h->parent_exec_ktime,
	    .cgroup_id = h->cgroup_id,
	    .comm = h->comm,
	};
}

static void set_placeholder(struct decoder *d, const struct rtg_hdr *h)
{
	struct rtg_proc_info *ph = &d->ph;
	struct proc_exec_info in;

	memset(ph, 0, sizeof(*ph));
	exec_info_of(h, &in);
	proc_info_init(d->pc, ph, &in);
	if (h->ppid && h->parent_exec_ktime)
		proc_cache_exec_id(d->pc, h->ppid, h->parent_exec_ktime,
				   ph->parent_exec_id);
}

/* A pid never seen exec'ing whose parent is the image the record names:
 * a fork (the BPF side gives it its own start time as exec_ktime and the
 * parent's as parent_exec_ktime). It runs its parent's image: learn it.
 * Not a pid the cache holds (another image, or an exec not seen): its
 * entry would be replaced, freed under a view that points to it (the
 * view's process or parent when a ptrace record's tracee is either). */
static const struct rtg_proc_info *learn_fork(struct decoder *d,
					      const struct rtg_hdr *h)
{
	const struct rtg_proc_info *pp;
	struct proc_exec_info in;
	int i;

	if (!h->pid || !h->ppid || !h->exec_ktime || !h->parent_exec_ktime)
		return NULL;
	if (proc_cache_get(d->pc, h->pid))
		return NULL;
	pp = proc_cache_get(d->pc, h->ppid);
	if (!pp || pp->exited || !pp->binary ||
	    pp->exec_ktime != h->parent_exec_ktime)
		return NULL;
	exec_info_of(h, &in);
	in.binary = pp->binary;
	in.binary_len = strlen(pp->binary) + 1;
	if (pp->cwd) {
		in.cwd = pp->cwd;
		in.cwd_len = strlen(pp->cwd) + 1;
	}
	/* the argv strings are contiguous, NUL-separated */
	if (pp->argv && pp->argc) {
		in.args = pp->argv[0];
		for (i = 0; i < pp->argc; i++)
			in.args_len += strlen(pp->argv[i]) + 1;
	}
	in.args_truncated = pp->args_truncated;
	return proc_cache_exec(d->pc, &in);
}

/* The cached process if it is the image the record speaks of. */
static const struct rtg_proc_info *find_proc(struct proc_cache *pc,
					     uint32_t pid, uint64_t exec_ktime)
{
	const struct rtg_proc_info *p;

	if (!pid)
		return NULL;
	p = proc_cache_get(pc, pid);
	if (p && exec_ktime && p->exec_ktime && p->exec_ktime != exec_ktime)
		return NULL; /* pid reused, or an exec we did not see */
	return p;
}

/* The view of what every record carries; the view starts here. */
static void fill_header(struct decoder *d, const struct rtg_hdr *h,
			struct rtg_event_view *out)
{
	*out = (struct rtg_event_view){
	    .type = h->type,
	    .action = h->action,
	    .mech = h->mech,
	    .gen = h->gen,
	    .rule = h->rule,
	    .flags = h->flags,
	    .enforced = h->flags & RTG_F_ENFORCED,
	    .time_ns = h->time_ns,
	    .realtime = decoder_realtime(d, h->time_ns),
	    .pid = h->pid,
	    .tid = h->tid,
	    .ppid = h->ppid,
	    .uid = h->uid,
	    .gid = h->gid,
	    .cgroup_id = h->cgroup_id,
	};
	memcpy(out->comm, h->comm, RTG_COMM_LEN);
}

/* proc, parent and container of the view (after the cache is updated) */
static void resolve_procs(struct decoder *d, const struct rtg_hdr *h,
			  struct rtg_event_view *out)
{
	const struct rtg_proc_info *p = find_proc(d->pc, h->pid, h->exec_ktime);

	if (!p && !proc_cache_get(d->pc, h->pid))
		p = learn_fork(d, h);
	if (!p) {
		set_placeholder(d, h);
		p = &d->ph;
	}
	out->proc = p;
	out->parent = find_proc(d->pc, h->ppid, h->parent_exec_ktime);
	if (out->parent == p)
		out->parent = NULL;
	if (p != &d->ph && p->cgroup_id == h->cgroup_id) {
		out->container_id = p->container_id;
		out->pod_uid = p->pod_uid;
	} else if (proc_cache_container(d->pc, h->cgroup_id, h->pid,
					&out->container_id, &out->pod_uid)) {
		out->container_id = p->container_id;
		out->pod_uid = p->pod_uid;
	}
}

static int decode_exec(struct decoder *d, const void *data, size_t size,
		       struct rtg_event_view *out)
{
	const struct rtg_exec *e = data;
	const char *s = e->data;
	size_t avail, off = 0;
	struct proc_exec_info in;
	const struct rtg_proc_info *p;
	const char *script;

	if (size < sizeof(*e))
		return -EINVAL;
	avail = size - sizeof(*e);
	if ((size_t)e->binary_len + e->script_len + e->cwd_len + e->args_len >
	    avail)
		return -EINVAL;
	if (reserve(d, (size_t)e->binary_len + e->script_len + 2))
		return -ENOMEM;

	exec_info_of(&e->hdr, &in);
	in.binary = s;
	in.binary_len = e->binary_len;
	s += e->binary_len;
	script = take_str(d, &off, s, e->script_len);
	s += e->script_len;
	in.cwd = s;
	in.cwd_len = e->cwd_len;
	s += e->cwd_len;
	in.args = s;
	in.args_len = e->args_len;
	in.args_truncated = e->hdr.flags & RTG_F_ARGS_TRUNC;

	p = proc_cache_exec(d->pc, &in);
	if (!p)
		return -ENOMEM;
	fill_header(d, &e->hdr, out);
	resolve_procs(d, &e->hdr, out);
	out->exec.binary = p->binary ?: "";
	out->exec.script = script[0] ? script : NULL;
	out->exec.cwd = p->cwd ?: "";
	out->exec.argv = p->argv;
	out->exec.argc = p->argc;
	out->exec.argc_total = e->argc;
	out->exec.args_truncated = e->hdr.flags & RTG_F_ARGS_TRUNC;
	out->exec.cwd_truncated = e->hdr.flags & RTG_F_CWD_TRUNC;
	out->exec.binary_truncated = e->hdr.flags & RTG_F_PATH_TRUNC;
	out->exec.binary_partial = e->hdr.flags & RTG_F_PATH_PARTIAL;
	out->exec.cand_m = e->cand_m;
	out->exec.cand_u = e->cand_u;
	return 0;
}

static int decode_exit(struct decoder *d, const void *data, size_t size,
		       struct rtg_event_view *out)
{
	const struct rtg_exit *e = data;

	if (size < sizeof(*e))
		return -EINVAL;
	fill_header(d, &e->hdr, out);
	resolve_procs(d, &e->hdr, out);
	out->exit.code = e->code;
	out->exit.signal = e->signal;
	/* gone, but readable through this view until the next decode */
	if (proc_cache_exit(d->pc, e->hdr.pid))
		d->reap_pending = true;
	return 0;
}

static int decode_open(struct decoder *d, const void *data, size_t size,
		       struct rtg_event_view *out)
{
	const struct rtg_open *o = data;
	size_t off = 0;

	if (size < sizeof(*o) || o->path_len > size - sizeof(*o))
		return -EINVAL;
	if (reserve(d, (size_t)o->path_len + 1))
		return -ENOMEM;
	fill_header(d, &o->hdr, out);
	out->open.path = take_str(d, &off, o->path, o->path_len);
	out->open.path_truncated = o->hdr.flags & RTG_F_PATH_TRUNC;
	out->open.path_partial = o->hdr.flags & RTG_F_PATH_PARTIAL;
	out->open.oflags = o->oflags;
	out->open.fmode = o->fmode;
	out->open.ino = o->ino;
	out->open.dev = o->dev;
	resolve_procs(d, &o->hdr, out);
	return 0;
}

static bool all_zero(const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static int decode_connect(struct decoder *d, const void *data, size_t size,
			  struct rtg_event_view *out)
{
	const struct rtg_connect *c = data;
	size_t alen;

	if (size < sizeof(*c))
		return -EINVAL;
	if (c->family == AF_INET)
		alen = 4;
	else if (c->family == AF_INET6)
		alen = 16;
	else
		return -EINVAL;
	fill_header(d, &c->hdr, out);
	out->connect.family = c->family;
	out->connect.protocol = c->protocol;
	out->connect.dport = c->dport;
	out->connect.sport = c->sport;
	if (!inet_ntop(c->family, c->daddr, out->connect.daddr,
		       sizeof(out->connect.daddr)))
		return -EINVAL;
	out->connect.saddr[0] = '\0';
	if (!all_zero(c->saddr, alen) &&
	    !inet_ntop(c->family, c->saddr, out->connect.saddr,
		       sizeof(out->connect.saddr)))
		return -EINVAL;
	resolve_procs(d, &c->hdr, out);
	return 0;
}

int event_decode(struct decoder *d, const void *data, size_t size,
		 struct rtg_event_view *out)
{
	const struct rtg_hdr *h = data;
	int err;

	if (d->reap_pending) {
		proc_cache_reap(d->pc);
		d->reap_pending = false;
	}
	memset(out, 0, sizeof(*out));
	if (!data || size < sizeof(*h))
		return -EINVAL;
	switch (h->type) {
	case RTG_EV_EXEC:
		err = decode_exec(d, data, size, out);
		break;
	case RTG_EV_EXIT:
		err = decode_exit(d, data, size, out);
		break;
	case RTG_EV_OPEN:
		err = decode_open(d, data, size, out);
		break;
	case RTG_EV_CONNECT:
		err = decode_connect(d, data, size, out);
		break;
	default:
		err = decode_more(d, data, size, out);
	}
	if (err) {
		log_debug("decode: bad record (type %u, %zu bytes): %s",
			  h->type, size, strerror(-err));
		memset(out, 0, sizeof(*out));
	}
	return err;
}

void event_view_lost(struct decoder *d, uint64_t count, const char *source,
		     struct rtg_event_view *out)
{
	struct timespec now;

	if (d->reap_pending) {
		proc_cache_reap(d->pc);
		d->reap_pending = false;
	}
	memset(out, 0, sizeof(*out));
	memset(&d->ph, 0, sizeof(d->ph));
	clock_gettime(CLOCK_BOOTTIME, &now);
	out->type = RTG_EV_LOST;
	out->time_ns = ts_ns(&now);
	out->realtime = decoder_realtime(d, out->time_ns);
	out->proc = &d->ph;
	out->container_id = "";
	out->pod_uid = "";
	out->lost.count = count;
	out->lost.source = source ?: "";
}

/* The steps above, for the decoders of the other types (decode_int.h). */
int decoder_reserve(struct decoder *d, size_t size)
{
	return reserve(d, size);
}

const char *decoder_take_str(struct decoder *d, size_t *off, const char *s,
			     size_t n)
{
	return take_str(d, off, s, n);
}

void *decoder_take(struct decoder *d, size_t *off, const void *src, size_t n)
{
	void *dst = d->buf + *off;

	memcpy(dst, src, n);
	*off += n;
	return dst;
}

const struct rtg_proc_info *decoder_find_proc(struct decoder *d, uint32_t pid,
					      uint64_t exec_ktime)
{
	return find_proc(d->pc, pid, exec_ktime);
}

void decoder_fill(struct decoder *d, const struct rtg_hdr *h,
		  struct rtg_event_view *out)
{
	fill_header(d, h, out);
}

void decoder_resolve(struct decoder *d, const struct rtg_hdr *h,
		     struct rtg_event_view *out)
{
	resolve_procs(d, h, out);
}

const struct rtg_proc_info *decoder_learn_fork(struct decoder *d,
					       const struct rtg_hdr *h)
{
	return learn_fork(d, h);
}
