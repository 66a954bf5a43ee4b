// SPDX-License-Identifier: GPL-2.0
/*
 * Event output. Each event is composed into a memory buffer and written to
 * the output FILE with one fwrite (the line and its '\n'), so a line is never
 * interleaved with anything else written through stdio.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "json.h"
#include "log.h"
#include "output.h"
#include "rotate.h"

struct output {
	enum output_format fmt;
	FILE *out;
	FILE *ms;		/* fopencookie stream appending to buf */
	struct json_writer *jw; /* writes to ms */
	char *buf;
	size_t len, cap;
	struct rotate rot; /* rot.max_bytes 0: no rotation */
};

static ssize_t ms_write(void *cookie, const char *data, size_t n)
{
	struct output *o = cookie;

	if (o->len + n > o->cap) {
		size_t cap = o->cap ? o->cap : 1024;
		char *b;

		while (cap < o->len + n)
			cap *= 2;
		b = realloc(o->buf, cap);
		if (!b)
			return -1;
		o->buf = b;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, data, n);
	o->len += n;
	return n;
}

struct output *output_new(enum output_format fmt, FILE *f)
{
	cookie_io_functions_t io = {.write = ms_write};
	struct output *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->fmt = fmt;
	o->out = f;
	o->ms = fopencookie(o, "w", io);
	if (!o->ms)
		goto err;
	o->jw = jw_new(o->ms);
	if (!o->jw)
		goto err;
	return o;
err:
	output_free(o);
	return NULL;
}

void output_free(struct output *o)
{
	if (!o)
		return;
	jw_destroy(o->jw);
	if (o->ms)
		fclose(o->ms);
	free(o->buf);
	free(o);
}

int output_flush(struct output *o)
{
	if (!o->out)
		return 0;
	return fflush(o->out) ? -errno : 0;
}

/* ---- names ---- */

static const char *proto_name(uint16_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	}
	return NULL;
}

/* Kernel values: glibc defines O_LARGEFILE as 0 on 64-bit, but the kernel
 * sets it in f_flags (force_o_largefile). */
#if defined(__aarch64__) || defined(__arm__)
#define K_O_LARGEFILE 0400000
#else
#define K_O_LARGEFILE 0100000
#endif

int open_flags_decode(uint32_t flags, const char **names, int max,
		      uint32_t *unknown)
{
	static const struct {
		uint32_t bits;
		const char *name;
	} tbl[] = {
	    {O_CREAT, "O_CREAT"},
	    {O_EXCL, "O_EXCL"},
	    {O_NOCTTY, "O_NOCTTY"},
	    {O_TRUNC, "O_TRUNC"},
	    {O_APPEND, "O_APPEND"},
	    {O_NONBLOCK, "O_NONBLOCK"},
	    {O_SYNC, "O_SYNC"}, /* includes O_DSYNC: before it */
	    {O_DSYNC, "O_DSYNC"},
	    {O_TMPFILE, "O_TMPFILE"}, /* includes O_DIRECTORY */
	    {O_DIRECTORY, "O_DIRECTORY"},
	    {O_NOFOLLOW, "O_NOFOLLOW"},
	    {O_CLOEXEC, "O_CLOEXEC"},
	    {O_PATH, "O_PATH"},
	    {O_NOATIME, "O_NOATIME"},
	    {O_DIRECT, "O_DIRECT"},
	    {K_O_LARGEFILE, "O_LARGEFILE"},
	};
	static const char *const acc[] = {"O_RDONLY", "O_WRONLY", "O_RDWR",
					  "O_ACCMODE"};
	uint32_t rest = flags & ~(uint32_t)O_ACCMODE;
	int n = 0;
	size_t i;

	if (n < max)
		names[n++] = acc[flags & O_ACCMODE];
	for (i = 0; i < sizeof(tbl) / sizeof(tbl[0]); i++) {
		if ((rest & tbl[i].bits) != tbl[i].bits)
			continue;
		rest &= ~tbl[i].bits;
		if (n < max)
			names[n++] = tbl[i].name;
	}
	if (unknown)
		*unknown = rest;
	return n;
}

/* ---- compact escaping ---- */

/* C1 controls, zero-width and bidi controls, line/paragraph separators:
 * characters that change what a terminal shows. */
static bool cp_unsafe(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x200b && cp <= 0x200f) ||
	       (cp >= 0x2028 && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff;
}

static void compact_escape_q(FILE *f, const char *s, size_t n, bool quote)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, len;
	uint32_t cp;

	if (quote)
		fputc('"', f);
	while (i < n) {
		unsigned char c = p[i];

		if (c == '\\' || (quote && c == '"')) {
			fputc('\\', f);
			fputc(c, f);
		} else if (c == '\n') {
			fputs("\\n", f);
		} else if (c == '\t') {
			fputs("\\t", f);
		} else if (c == '\r') {
			fputs("\\r", f);
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(f, "\\x%02x", c);
		} else if (c < 0x80) {
			fputc(c, f);
		} else {
			len = utf8_decode(s + i, n - i, &cp);
			if (!len) {
				fprintf(f, "\\x%02x", c);
			} else {
				if (cp_unsafe(cp))
					fprintf(f, "\\u{%04x}", cp);
				else
					fwrite(p + i, 1, len, f);
				i += len;
				continue;
			}
		}
		i++;
	}
	if (quote)
		fputc('"', f);
}

void compact_escape(FILE *f, const char *s, size_t n)
{
	compact_escape_q(f, s, n, false);
}

static void compact_str(FILE *f, const char *s)
{
	compact_escape(f, s, strlen(s));
}

/* an argument: quoted when it would not read back as one word */
static void compact_arg(FILE *f, const char *s)
{
	size_t n = strlen(s);

	compact_escape_q(f, s, n, !n || strpbrk(s, " \"'"));
}

static void compact_event(struct output *o, const struct rtg_event_view *ev)
{
	const char *act = action_name(ev->action);
	FILE *f = o->ms;
	char actu[8] = "-";
	struct tm tm;
	time_t sec = ev->realtime.tv_sec;
	int i;

	localtime_r(&sec, &tm);
	fprintf(f, "%02d:%02d:%02d.%03ld ", tm.tm_hour, tm.tm_min, tm.tm_sec,
		ev->realtime.tv_nsec / 1000000);
	if (ev->type != RTG_EV_LOST) {
		for (i = 0; act[i] && i < 7; i++)
			actu[i] = act[i] - 'a' + 'A';
		actu[i] = '\0';
	}
	fprintf(f, "%-5s %-7s ", actu, type_name(ev->type));
	if (ev->type == RTG_EV_LOST) {
		fprintf(f, "count=%llu source=",
			(unsigned long long)ev->lost.count);
		compact_str(f, ev->lost.source ?: "");
		return;
	}
	compact_str(f, ev->comm);
	fprintf(f, "[%u] ", ev->pid);
	switch (ev->type) {
	case RTG_EV_EXEC:
		compact_str(f, ev->exec.binary ?: "");
		if (ev->exec.script) {
			fputc(' ', f);
			compact_str(f, ev->exec.script);
		}
		for (i = 1; ev->exec.argv && i < ev->exec.argc; i++) {
			fputc(' ', f);
			compact_arg(f, ev->exec.argv[i]);
		}
		if (ev->exec.args_truncated)
			fputs(" ...", f);
		break;
	case RTG_EV_EXIT:
		if (ev->exit.signal) {
			const char *sn = sigabbrev_np(ev->exit.signal);

			if (sn)
				fprintf(f, "signal=SIG%s", sn);
			else
				fprintf(f, "signal=%d", ev->exit.signal);
		} else {
			fprintf(f, "code=%d", ev->exit.code);
		}
		break;
	case RTG_EV_OPEN:
		compact_str(f, ev->open.path ?: "");
		if (ev->open.path_truncated)
			fputs(" [truncated]", f);
		break;
	case RTG_EV_CONNECT: {
		const char *p = proto_name(ev->connect.protocol);
		bool v6 = ev->connect.family == AF_INET6;

		if (p)
			fprintf(f, "%s ", p);
		else
			fprintf(f, "proto-%u ", ev->connect.protocol);
		fprintf(f, v6 ? "[%s]:%u" : "%s:%u", ev->connect.daddr,
			ev->connect.dport);
		break;
	}
	default:
		break;
	}
	if (ev->policy || ev->rule_name) {
		fputs("  (", f);
		if (ev->policy)
			compact_str(f, ev->policy);
		if (ev->policy && ev->rule_name)
			fputc('/', f);
		if (ev->rule_name)
			compact_str(f, ev->rule_name);
		fputc(')', f);
	}
	if (!ev->enforced &&
	    (ev->action == RTG_ACT_DENY || ev->action == RTG_ACT_KILL))
		fputs(" [dry-run]", f);
}

/* ---- JSON ---- */

static void json_time(struct json_writer *jw, const struct timespec *ts)
{
	char buf[64];
	struct tm tm;
	time_t sec = ts->tv_sec;
	size_t n;

	gmtime_r(&sec, &tm);
	n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, sizeof(buf) - n, ".%09ldZ", ts->tv_nsec);
	jw_kv_string(jw, "time", buf);
}

static void json_process(struct json_writer *jw,
			 const struct rtg_event_view *ev)
{
	const struct rtg_proc_info *p = ev->proc;
	int i;

	jw_name(jw, "process");
	jw_start_object(jw);
	jw_kv_uint(jw, "pid", ev->pid);
	jw_kv_uint(jw, "tid", ev->tid);
	jw_kv_uint(jw, "ppid", ev->ppid);
	jw_kv_uint(jw, "uid", ev->uid);
	jw_kv_uint(jw, "gid", ev->gid);
	jw_kv_string(jw, "comm", ev->comm);
	if (p && p->binary)
		jw_kv_string(jw, "binary", p->binary);
	if (p && p->argv) {
		jw_name(jw, "args");
		jw_start_array(jw);
		for (i = 0; i < p->argc; i++)
			jw_string(jw, p->argv[i]);
		jw_end_array(jw);
	}
	if (p && p->cwd)
		jw_kv_string(jw, "cwd", p->cwd);
	if (p && p->exec_id[0])
		jw_kv_string(jw, "exec_id", p->exec_id);
	jw_kv_uint(jw, "cgroup_id", ev->cgroup_id);
	if (ev->container_id && ev->container_id[0])
		jw_kv_string(jw, "container_id", ev->container_id);
	if (ev->pod_uid && ev->pod_uid[0])
		jw_kv_string(jw, "pod_uid", ev->pod_uid);
	jw_end_object(jw);
}

static void json_parent(struct json_writer *jw, const struct rtg_event_view *ev)
{
	const struct rtg_proc_info *pp = ev->parent;
	const char *exec_id = NULL;

	if (pp)
		exec_id = pp->exec_id;
	else if (ev->proc && ev->proc->parent_exec_id[0])
		exec_id = ev->proc->parent_exec_id; /* binary unknown */
	if (!pp && !exec_id)
		return;
	jw_name(jw, "parent");
	jw_start_object(jw);
	jw_kv_uint(jw, "pid", pp ? pp->pid : ev->ppid);
	if (pp && pp->binary)
		jw_kv_string(jw, "binary", pp->binary);
	if (exec_id && exec_id[0])
		jw_kv_string(jw, "exec_id", exec_id);
	jw_end_object(jw);
}

static void json_exec(struct json_writer *jw, const struct rtg_event_view *ev)
{
	bool trunc = ev->exec.args_truncated || ev->exec.cwd_truncated ||
		     ev->exec.binary_truncated;

	if (!ev->exec.script && !trunc)
		return;
	jw_name(jw, "exec");
	jw_start_object(jw);
	if (ev->exec.script)
		jw_kv_string(jw, "script", ev->exec.script);
	if (ev->exec.binary_truncated)
		jw_kv_bool(jw, "binary_truncated", true);
	if (ev->exec.args_truncated)
		jw_kv_bool(jw, "args_truncated", true);
	if (ev->exec.cwd_truncated)
		jw_kv_bool(jw, "cwd_truncated", true);
	if (trunc)
		jw_kv_bool(jw, "truncated", true);
	jw_end_object(jw);
}

static void json_file(struct json_writer *jw, const struct rtg_event_view *ev)
{
	const char *names[OPEN_FLAGS_MAX];
	uint32_t unknown;
	char hex[16];
	int n, i;

	jw_name(jw, "file");
	jw_start_object(jw);
	jw_kv_string(jw, "path", ev->open.path ?: "");
	n = open_flags_decode(ev->open.oflags, names, OPEN_FLAGS_MAX, &unknown);
	jw_name(jw, "flags");
	jw_start_array(jw);
	for (i = 0; i < n; i++)
		jw_string(jw, names[i]);
	if (unknown) {
		snprintf(hex, sizeof(hex), "0x%x", unknown);
		jw_string(jw, hex);
	}
	jw_end_array(jw);
	if (ev->open.path_truncated)
		jw_kv_bool(jw, "truncated", true);
	jw_end_object(jw);
}

static void json_connect(struct json_writer *jw,
			 const struct rtg_event_view *ev)
{
	const char *p = proto_name(ev->connect.protocol);

	jw_name(jw, "connect");
	jw_start_object(jw);
	jw_kv_string(jw, "family",
		     ev->connect.family == AF_INET6 ? "inet6" : "inet");
	if (p)
		jw_kv_string(jw, "protocol", p);
	else
		jw_kv_uint(jw, "protocol", ev->connect.protocol);
	jw_kv_string(jw, "daddr", ev->connect.daddr);
	jw_kv_uint(jw, "dport", ev->connect.dport);
	if (ev->connect.saddr[0])
		jw_kv_string(jw, "saddr", ev->connect.saddr);
	if (ev->connect.sport)
		jw_kv_uint(jw, "sport", ev->connect.sport);
	jw_end_object(jw);
}

static void json_event(struct output *o, const struct rtg_event_view *ev)
{
	struct json_writer *jw = o->jw;
	const char *mech;

	jw_start_object(jw);
	json_time(jw, &ev->realtime);
	jw_kv_string(jw, "type", type_name(ev->type));
	if (ev->type == RTG_EV_LOST) {
		jw_kv_uint(jw, "count", ev->lost.count);
		jw_kv_string(jw, "source", ev->lost.source ?: "");
		jw_end_object(jw);
		return;
	}
	jw_kv_string(jw, "action", action_name(ev->action));
	jw_kv_bool(jw, "enforced", ev->enforced);
	if (ev->policy)
		jw_kv_string(jw, "policy", ev->policy);
	if (ev->rule_name)
		jw_kv_string(jw, "rule", ev->rule_name);
	mech = mech_name(ev->mech);
	if (mech && ev->action >= RTG_ACT_DENY)
		jw_kv_string(jw, "mechanism", mech);
	json_process(jw, ev);
	json_parent(jw, ev);
	switch (ev->type) {
	case RTG_EV_EXEC:
		json_exec(jw, ev);
		break;
	case RTG_EV_EXIT:
		jw_name(jw, "exit");
		jw_start_object(jw);
		jw_kv_int(jw, "code", ev->exit.code);
		jw_kv_int(jw, "signal", ev->exit.signal);
		jw_end_object(jw);
		break;
	case RTG_EV_OPEN:
		json_file(jw, ev);
		break;
	case RTG_EV_CONNECT:
		json_connect(jw, ev);
		break;
	default:
		break;
	}
	jw_end_object(jw);
}

const char *output_render(struct output *o, const struct rtg_event_view *ev,
			  size_t *len)
{
	o->len = 0;
	clearerr(o->ms);
	if (o->fmt == OUTPUT_JSON)
		json_event(o, ev);
	else
		compact_event(o, ev);
	/* the line ends here: jw_newline() resets the writer for the next */
	if (o->fmt == OUTPUT_JSON)
		jw_newline(o->jw);
	else
		fputc('\n', o->ms);
	if (fflush(o->ms) || !o->len) {
		o->len = 0;
		return NULL;
	}
	*len = o->len;
	return o->buf;
}

const char *output_last(const struct output *o, size_t *len)
{
	*len = o->len;
	return o->len ? o->buf : NULL;
}

enum output_format output_get_format(const struct output *o)
{
	return o->fmt;
}

void output_set_rotation(struct output *o, const char *path,
			 uint64_t max_bytes, int keep)
{
	rotate_init(&o->rot, path, max_bytes, keep, o->out);
}

int output_reopen(struct output *o, const char *path)
{
	int err = file_reopen_append(o->out, path);

	if (!err && o->rot.max_bytes)
		rotate_init(&o->rot, path, o->rot.max_bytes, o->rot.keep,
			    o->out);
	return err;
}

int output_event(struct output *o, const struct rtg_event_view *ev)
{
	size_t len;

	if (!output_render(o, ev, &len))
		return -ENOMEM;
	if (o->rot.max_bytes)
		rotate_before_write(&o->rot, o->out, len);
	if (fwrite(o->buf, 1, len, o->out) != len)
		return -EIO;
	if (o->rot.max_bytes)
		rotate_account(&o->rot, len);
	return 0;
}
