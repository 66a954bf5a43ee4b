/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Event output: JSON lines (one object per event; README.md "What you see"
 * shows one, and scripts rely on every field's name and meaning), or one
 * compact human line per event. Every byte that came from the monitored system is escaped
 * (JSON escaping, or \xNN / \n style in compact lines), so no raw control
 * character or terminal escape sequence is ever written.
 */
#ifndef RTG_OUTPUT_H
#define RTG_OUTPUT_H

#include <stdint.h>
#include <stdio.h>

#include "names.h"
#include "decode.h"

enum output_format {
	OUTPUT_COMPACT = 0,
	OUTPUT_JSON = 1,
};

struct output;

/* f is borrowed (not closed by output_free). NULL on ENOMEM. */
struct output *output_new(enum output_format fmt, FILE *f);
void output_free(struct output *o); /* accepts NULL */
/* Writes one whole line (the event, then a single '\n'). 0 or -EIO. */
int output_event(struct output *o, const struct rtg_event_view *ev);
int output_flush(struct output *o);

/* Composes the line for ev (ending in '\n') without writing it; f of
 * output_new() may be NULL for an output used only this way. The line is
 * valid until the next output_render()/output_event() on o. NULL on
 * ENOMEM. */
const char *output_render(struct output *o, const struct rtg_event_view *ev,
			  size_t *len);
/* The line the last output_event()/output_render() composed. */
const char *output_last(const struct output *o, size_t *len);
enum output_format output_get_format(const struct output *o);

/* Size-based rotation of the file o writes to, opened from path for
 * appending (user/lib/rotate.h); max_bytes 0 turns it off. */
void output_set_rotation(struct output *o, const char *path,
			 uint64_t max_bytes, int keep);
/* Points the file at a freshly opened path (SIGUSR1 after logrotate moved
 * it away), keeping the same FILE. 0 or a negative errno. */
int output_reopen(struct output *o, const char *path);

/* The two formats, each composing one event (without the '\n') into its
 * writer: output_json.c and output_compact.c. */
struct json_writer;
struct sbuf;
/* What the JSON of a cached process has that does not change, kept per
 * output (output_json.c); NULL renders everything every time. */
struct json_frags;
struct json_frags *json_frags_new(void);     /* NULL on ENOMEM */
void json_frags_free(struct json_frags *jf); /* accepts NULL */
void output_json_event(struct json_writer *jw, struct json_frags *jf,
		       const struct rtg_event_view *ev);
void output_compact_event(struct sbuf *b, const struct rtg_event_view *ev);
/* ... and, for the types after connect, their part: output_more.c */
void output_json_more(struct json_writer *jw, const struct rtg_event_view *ev);
void output_compact_more(struct sbuf *b, const struct rtg_event_view *ev);

/* Escapes s[0..n) for a terminal into b: printable ASCII and valid UTF-8
 * as is, backslash doubled, control and C1/bidi characters as \n, \t,
 * \xNN or \u{XXXX}, invalid UTF-8 as \xNN. */
void compact_escape(struct sbuf *b, const char *s, size_t n);

#endif
