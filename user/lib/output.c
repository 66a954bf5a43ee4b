// SPDX-License-Identifier: GPL-2.0
/*
 * The output object: each event is composed (output_json.c or
 * output_compact.c) into a line buffer and written to the output FILE with
 * one fwrite (the line and its '\n'), so a line is never interleaved with
 * anything else written through stdio; the FILE's buffer makes the writes
 * to the file batches, flushed by the caller (output_flush()). Rotation and
 * reopening of the file it writes to are in user/lib/rotate.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "output.h"
#include "rotate.h"

struct output {
	enum output_format fmt;
	FILE *out;
	struct sbuf line;	/* the line being composed, or the last one */
	struct json_writer *jw; /* writes to line */
	struct json_frags *jf;	/* JSON: per-process parts kept */
	struct rotate rot;	/* rot.max_bytes 0: no rotation */
};

struct output *output_new(enum output_format fmt, FILE *f)
{
	struct output *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->fmt = fmt;
	o->out = f;
	o->jw = jw_new_buf(&o->line);
	if (fmt == OUTPUT_JSON)
		o->jf = json_frags_new();
	if (!o->jw || (fmt == OUTPUT_JSON && !o->jf) ||
	    !sbuf_grow(&o->line, 1024)) {
		output_free(o);
		return NULL;
	}
	return o;
}

void output_free(struct output *o)
{
	if (!o)
		return;
	jw_destroy(o->jw);
	json_frags_free(o->jf);
	sbuf_free(&o->line);
	free(o);
}

int output_flush(struct output *o)
{
	if (!o->out)
		return 0;
	return fflush(o->out) ? -errno : 0;
}

const char *output_render(struct output *o, const struct rtg_event_view *ev,
			  size_t *len)
{
	sbuf_reset(&o->line);
	if (o->fmt == OUTPUT_JSON) {
		jw_reset(o->jw);
		output_json_event(o->jw, o->jf, ev);
	} else {
		output_compact_event(&o->line, ev);
	}
	sbuf_putc(&o->line, '\n');
	if (o->line.oom) {
		sbuf_reset(&o->line);
		return NULL;
	}
	*len = o->line.len;
	return o->line.p;
}

const char *output_last(const struct output *o, size_t *len)
{
	*len = o->line.len;
	return o->line.len ? o->line.p : NULL;
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
	/* the FILE is the main loop's alone: no lock per line */
	if (fwrite_unlocked(o->line.p, 1, len, o->out) != len)
		return -EIO;
	if (o->rot.max_bytes)
		rotate_account(&o->rot, len);
	return 0;
}
