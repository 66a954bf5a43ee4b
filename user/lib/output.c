// SPDX-License-Identifier: GPL-2.0
/*
 * The output object: each event is composed (output_json.c or
 * output_compact.c) into a memory buffer and written to the output FILE
 * with one fwrite (the line and its '\n'), so a line is never interleaved
 * with anything else written through stdio; rotation and reopening of the
 * file it writes to (user/lib/rotate.c).
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

const char *output_render(struct output *o, const struct rtg_event_view *ev,
			  size_t *len)
{
	o->len = 0;
	clearerr(o->ms);
	if (o->fmt == OUTPUT_JSON)
		output_json_event(o->jw, ev);
	else
		output_compact_event(o->ms, ev);
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
