// SPDX-License-Identifier: GPL-2.0
/*
 * The JSON format: one object per event, the fields users and scripts rely
 * on (time, type, action, enforced, policy, rule, process with its
 * container and pod, parent, ancestors and the event's own object),
 * written through the one JSON writer.
 */
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "json.h"
#include "output.h"
#include "workload.h"

/* "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ": the date converted once per second
 * (per thread), the nanoseconds written in place. */
static void json_time(struct json_writer *jw, const struct timespec *ts)
{
	static __thread time_t last = -1;
	static __thread char buf[48];
	static __thread size_t n;
	long ns = ts->tv_nsec;
	struct tm tm;
	int i;

	if (ts->tv_sec != last) {
		time_t sec = ts->tv_sec;

		gmtime_r(&sec, &tm);
		n = strftime(buf, sizeof(buf) - 12, "%Y-%m-%dT%H:%M:%S", &tm);
		last = sec;
	}
	if (ns < 0 || ns > 999999999)
		ns = 0;
	buf[n] = '.';
	for (i = 9; i >= 1; i--) {
		buf[n + i] = '0' + ns % 10;
		ns /= 10;
	}
	buf[n + 10] = 'Z';
	buf[n + 11] = '\0';
	jw_key(jw, "time");
	jw_string_len(jw, buf, n + 11);
}

/* name + value, the name a literal key (jw_key()) */
#define jw_kv_uint_lit(jw, k, v)                                               \
	do {                                                                   \
		jw_key(jw, k);                                                 \
		jw_uint(jw, v);                                                \
	} while (0)
#define jw_kv_int_lit(jw, k, v)                                                \
	do {                                                                   \
		jw_key(jw, k);                                                 \
		jw_int(jw, v);                                                 \
	} while (0)
#define jw_kv_string_lit(jw, k, v)                                             \
	do {                                                                   \
		jw_key(jw, k);                                                 \
		jw_string(jw, v);                                              \
	} while (0)
#define jw_kv_bool_lit(jw, k, v)                                               \
	do {                                                                   \
		jw_key(jw, k);                                                 \
		jw_bool(jw, v);                                                \
	} while (0)

/* ---- what does not change for a cached process ----
 *
 * Most of an event's bytes are its process's binary, args, cwd and
 * exec_id, and its parent's: the same for every event of that image.
 * They are escaped once per cache entry (rtg_proc_info.serial) and then
 * copied; a direct-mapped table, so a miss costs one rendering. */

#define FRAG_SLOTS 256

enum frag_kind { FRAG_PROC = 0, FRAG_PARENT = 1 };

struct frag {
	uint64_t key; /* serial << 1 | kind; 0: empty */
	struct sbuf s;
};

struct json_frags {
	struct frag slot[FRAG_SLOTS];
	struct sbuf tmp;
	struct json_writer *jw; /* writes to tmp */
};

struct json_frags *json_frags_new(void)
{
	struct json_frags *jf = calloc(1, sizeof(*jf));

	if (jf && !(jf->jw = jw_new_buf(&jf->tmp))) {
		free(jf);
		jf = NULL;
	}
	return jf;
}

void json_frags_free(struct json_frags *jf)
{
	int i;

	if (!jf)
		return;
	for (i = 0; i < FRAG_SLOTS; i++)
		sbuf_free(&jf->slot[i].s);
	jw_destroy(jf->jw);
	sbuf_free(&jf->tmp);
	free(jf);
}

/* process: binary, args, cwd, exec_id, each when known */
static void proc_members(struct json_writer *jw, const struct rtg_proc_info *p)
{
	int i;

	if (p->binary)
		jw_kv_string_lit(jw, "binary", p->binary);
	if (p->argv) {
		jw_key(jw, "args");
		jw_start_array(jw);
		for (i = 0; i < p->argc; i++)
			jw_string(jw, p->argv[i]);
		jw_end_array(jw);
	}
	if (p->cwd)
		jw_kv_string_lit(jw, "cwd", p->cwd);
	if (p->exec_id[0])
		jw_kv_string_lit(jw, "exec_id", p->exec_id);
}

/* "parent":{pid, binary, exec_id} of a known parent */
static void parent_member(struct json_writer *jw,
			  const struct rtg_proc_info *pp)
{
	jw_key(jw, "parent");
	jw_start_object(jw);
	jw_kv_uint_lit(jw, "pid", pp->pid);
	if (pp->binary)
		jw_kv_string_lit(jw, "binary", pp->binary);
	if (pp->exec_id[0])
		jw_kv_string_lit(jw, "exec_id", pp->exec_id);
	jw_end_object(jw);
}

/* The members of kind for p into jw, from the table when they are there. */
static void frag_put(struct json_writer *jw, struct json_frags *jf,
		     const struct rtg_proc_info *p, enum frag_kind kind)
{
	uint64_t key = p->serial << 1 | kind;
	struct frag *f;

	if (!jf || !p->serial) {
		if (kind == FRAG_PROC)
			proc_members(jw, p);
		else
			parent_member(jw, p);
		return;
	}
	f = &jf->slot[(p->serial * 0x9e3779b97f4a7c15ull >> 56) ^ kind];
	if (f->key != key) {
		/* render as an object, keep what is between the braces */
		sbuf_reset(&jf->tmp);
		jw_reset(jf->jw);
		jw_start_object(jf->jw);
		if (kind == FRAG_PROC)
			proc_members(jf->jw, p);
		else
			parent_member(jf->jw, p);
		jw_end_object(jf->jw);
		sbuf_reset(&f->s);
		f->key = 0;
		if (jf->tmp.oom || jf->tmp.len < 2)
			goto direct;
		sbuf_write(&f->s, jf->tmp.p + 1, jf->tmp.len - 2);
		if (f->s.oom)
			goto direct;
		f->key = key;
	}
	if (f->s.len)
		jw_members_raw(jw, f->s.p, f->s.len);
	return;
direct:
	sbuf_free(&f->s);
	if (kind == FRAG_PROC)
		proc_members(jw, p);
	else
		parent_member(jw, p);
}

static void kv_opt(struct json_writer *jw, const char *key, const char *val)
{
	if (val && val[0])
		jw_kv_string(jw, key, val);
}

/* "container" and "pod" (beside container_id and pod_uid): what the
 * runtime's state tells, each key left out when unknown. */
static void json_workload(struct json_writer *jw, const struct workload *w)
{
	size_t i;

	if (!w)
		return;
	jw_key(jw, "container");
	jw_start_object(jw);
	kv_opt(jw, "id", w->id);
	kv_opt(jw, "name", w->name);
	kv_opt(jw, "image", w->image);
	kv_opt(jw, "runtime", w->runtime);
	jw_end_object(jw);
	if (!w->pod_name && !w->pod_namespace && !w->pod_uid && !w->nlabels)
		return;
	jw_key(jw, "pod");
	jw_start_object(jw);
	kv_opt(jw, "name", w->pod_name);
	kv_opt(jw, "namespace", w->pod_namespace);
	kv_opt(jw, "uid", w->pod_uid);
	if (w->nlabels) {
		jw_key(jw, "labels");
		jw_start_object(jw);
		for (i = 0; i < w->nlabels; i++)
			jw_kv_string(jw, w->labels[i].key, w->labels[i].value);
		jw_end_object(jw);
	}
	jw_end_object(jw);
}

/* "ancestors" (--ancestors N): parent first */
static void json_ancestors(struct json_writer *jw,
			   const struct rtg_event_view *ev)
{
	const struct rtg_ancestor *an;
	int i;

	if (!ev->ancestors_on)
		return;
	jw_key(jw, "ancestors");
	jw_start_array(jw);
	for (i = 0; i < ev->nancestors; i++) {
		an = &ev->ancestors[i];
		jw_start_object(jw);
		jw_kv_uint_lit(jw, "pid", an->pid);
		kv_opt(jw, "binary", an->binary);
		kv_opt(jw, "exec_id", an->exec_id);
		jw_end_object(jw);
	}
	jw_end_array(jw);
}

static void json_process(struct json_writer *jw, struct json_frags *jf,
			 const struct rtg_event_view *ev)
{
	const struct rtg_proc_info *p = ev->proc;

	jw_key(jw, "process");
	jw_start_object(jw);
	jw_kv_uint_lit(jw, "pid", ev->pid);
	jw_kv_uint_lit(jw, "tid", ev->tid);
	jw_kv_uint_lit(jw, "ppid", ev->ppid);
	jw_kv_uint_lit(jw, "uid", ev->uid);
	jw_kv_uint_lit(jw, "gid", ev->gid);
	jw_kv_string_lit(jw, "comm", ev->comm);
	if (p)
		frag_put(jw, jf, p, FRAG_PROC);
	jw_kv_uint_lit(jw, "cgroup_id", ev->cgroup_id);
	if (ev->container_id && ev->container_id[0])
		jw_kv_string_lit(jw, "container_id", ev->container_id);
	if (ev->pod_uid && ev->pod_uid[0])
		jw_kv_string_lit(jw, "pod_uid", ev->pod_uid);
	json_workload(jw, ev->workload);
	jw_end_object(jw);
}

static void json_parent(struct json_writer *jw, struct json_frags *jf,
			const struct rtg_event_view *ev)
{
	const struct rtg_proc_info *pp = ev->parent;
	const char *exec_id = NULL;

	if (pp) {
		frag_put(jw, jf, pp, FRAG_PARENT);
		return;
	}
	if (ev->proc && ev->proc->parent_exec_id[0])
		exec_id = ev->proc->parent_exec_id; /* binary unknown */
	if (!exec_id)
		return;
	jw_key(jw, "parent");
	jw_start_object(jw);
	jw_kv_uint_lit(jw, "pid", ev->ppid);
	jw_kv_string_lit(jw, "exec_id", exec_id);
	jw_end_object(jw);
}

static void json_exec(struct json_writer *jw, const struct rtg_event_view *ev)
{
	bool trunc = ev->exec.args_truncated || ev->exec.cwd_truncated ||
		     ev->exec.binary_truncated;

	if (!ev->exec.script && !trunc && !ev->exec.binary_partial)
		return;
	jw_key(jw, "exec");
	jw_start_object(jw);
	if (ev->exec.script)
		jw_kv_string_lit(jw, "script", ev->exec.script);
	if (ev->exec.binary_truncated)
		jw_kv_bool_lit(jw, "binary_truncated", true);
	if (ev->exec.args_truncated)
		jw_kv_bool_lit(jw, "args_truncated", true);
	if (ev->exec.cwd_truncated)
		jw_kv_bool_lit(jw, "cwd_truncated", true);
	if (trunc)
		jw_kv_bool_lit(jw, "truncated", true);
	/* a mount shows the binary under a path that was not known */
	if (ev->exec.binary_partial)
		jw_kv_bool_lit(jw, "binary_partial", true);
	jw_end_object(jw);
}

static void json_file(struct json_writer *jw, const struct rtg_event_view *ev)
{
	const char *names[OPEN_FLAGS_MAX];
	uint32_t unknown;
	char hex[16];
	int n, i;

	jw_key(jw, "file");
	jw_start_object(jw);
	jw_kv_string_lit(jw, "path", ev->open.path ?: "");
	n = open_flags_decode(ev->open.oflags, names, OPEN_FLAGS_MAX, &unknown);
	jw_key(jw, "flags");
	jw_start_array(jw);
	for (i = 0; i < n; i++)
		jw_string(jw, names[i]);
	if (unknown) {
		snprintf(hex, sizeof(hex), "0x%x", unknown);
		jw_string(jw, hex);
	}
	jw_end_array(jw);
	if (ev->open.path_truncated)
		jw_kv_bool_lit(jw, "truncated", true);
	/* a mount shows the file under a path that was not known */
	if (ev->open.path_partial)
		jw_kv_bool_lit(jw, "partial", true);
	jw_end_object(jw);
}

static void json_connect(struct json_writer *jw,
			 const struct rtg_event_view *ev)
{
	const char *p = proto_name(ev->connect.protocol);

	jw_key(jw, "connect");
	jw_start_object(jw);
	if (ev->connect.family == AF_UNIX) {
		jw_kv_string_lit(jw, "family", "unix");
		jw_kv_string_lit(jw, "path", ev->connect.path ?: "");
		jw_end_object(jw);
		return;
	}
	jw_kv_string_lit(jw, "family",
			 ev->connect.family == AF_INET6 ? "inet6" : "inet");
	if (p)
		jw_kv_string_lit(jw, "protocol", p);
	else
		jw_kv_uint_lit(jw, "protocol", ev->connect.protocol);
	jw_kv_string_lit(jw, "daddr", ev->connect.daddr);
	jw_kv_uint_lit(jw, "dport", ev->connect.dport);
	if (ev->connect.saddr[0])
		jw_kv_string_lit(jw, "saddr", ev->connect.saddr);
	if (ev->connect.sport)
		jw_kv_uint_lit(jw, "sport", ev->connect.sport);
	jw_end_object(jw);
}

void output_json_event(struct json_writer *jw, struct json_frags *jf,
		       const struct rtg_event_view *ev)
{
	const char *mech;

	jw_start_object(jw);
	json_time(jw, &ev->realtime);
	jw_kv_string_lit(jw, "type", type_name(ev->type));
	if (ev->type == RTG_EV_LOST) {
		jw_kv_uint_lit(jw, "count", ev->lost.count);
		jw_kv_string_lit(jw, "source", ev->lost.source ?: "");
		jw_end_object(jw);
		return;
	}
	jw_kv_string_lit(jw, "action", action_name(ev->action));
	jw_kv_bool_lit(jw, "enforced", ev->enforced);
	if (ev->policy)
		jw_kv_string_lit(jw, "policy", ev->policy);
	if (ev->rule_name)
		jw_kv_string_lit(jw, "rule", ev->rule_name);
	mech = mech_name(ev->mech);
	if (mech && ev->action >= RTG_ACT_DENY)
		jw_kv_string_lit(jw, "mechanism", mech);
	json_process(jw, jf, ev);
	json_parent(jw, jf, ev);
	json_ancestors(jw, ev);
	switch (ev->type) {
	case RTG_EV_EXEC:
		json_exec(jw, ev);
		break;
	case RTG_EV_EXIT:
		jw_key(jw, "exit");
		jw_start_object(jw);
		jw_kv_int_lit(jw, "code", ev->exit.code);
		jw_kv_int_lit(jw, "signal", ev->exit.signal);
		jw_end_object(jw);
		break;
	case RTG_EV_OPEN:
		json_file(jw, ev);
		break;
	case RTG_EV_CONNECT:
		json_connect(jw, ev);
		break;
	default:
		if (ev->type >= RTG_EV_FIRST_MORE)
			output_json_more(jw, ev);
		break;
	}
	jw_end_object(jw);
}
