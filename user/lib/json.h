/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one JSON writer (in the spirit of bpftool's json_writer): a streaming
 * writer, commas and nesting tracked for the caller, every string escaped
 * (quotes, backslash, control characters; invalid UTF-8 bytes become
 * U+FFFD), never a raw byte of input copied through unescaped.
 *
 * It composes into a line buffer (sbuf.h), never calling stdio per piece:
 * jw_new_buf() writes into the caller's buffer (the event output composes
 * each line so), jw_new(FILE) into its own, handed to the FILE at
 * jw_newline(), jw_flush(), jw_destroy() and every few KiB. Whoever writes
 * to that FILE directly between two values calls jw_flush() first.
 */
#ifndef RTG_JSON_H
#define RTG_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sbuf.h"

struct json_writer;

struct json_writer *jw_new(FILE *f); /* NULL on ENOMEM */
/* Appends to b (borrowed); nothing is ever written to a FILE. */
struct json_writer *jw_new_buf(struct sbuf *b);
/* Flushes; accepts NULL; does not fclose nor free a jw_new_buf() buffer. */
void jw_destroy(struct json_writer *jw);
/* A FILE writer hands what it composed to its FILE. */
void jw_flush(struct json_writer *jw);
void jw_set_pretty(struct json_writer *jw, bool pretty);

void jw_start_object(struct json_writer *jw);
void jw_end_object(struct json_writer *jw);
void jw_start_array(struct json_writer *jw);
void jw_end_array(struct json_writer *jw);
/* The key of the next value (jw_name() is inline so that the length of a
 * literal name is known at compile time). */
void jw_name_len(struct json_writer *jw, const char *name, size_t n);

void jw_string(struct json_writer *jw, const char *s);
void jw_string_len(struct json_writer *jw, const char *s, size_t n);
void jw_int(struct json_writer *jw, long long v);
void jw_uint(struct json_writer *jw, unsigned long long v);
void jw_double(struct json_writer *jw, double v); /* non-finite -> null */
void jw_bool(struct json_writer *jw, bool v);
void jw_null(struct json_writer *jw);

static inline void jw_name(struct json_writer *jw, const char *name)
{
	jw_name_len(jw, name, strlen(name));
}

/* A key written in the code as a string literal of plain ASCII (letters,
 * digits, '_'), quoted at compile time and copied, not escaped: for the
 * event lines, which have some twenty keys each. */
#define jw_key(jw, lit) jw_name_raw((jw), "\"" lit "\":", sizeof(lit) + 2)
void jw_name_raw(struct json_writer *jw, const char *quoted, size_t n);

/* name + value in one call */
static inline void jw_kv_string(struct json_writer *jw, const char *name,
				const char *s)
{
	jw_name(jw, name);
	jw_string(jw, s);
}

static inline void jw_kv_int(struct json_writer *jw, const char *name,
			     long long v)
{
	jw_name(jw, name);
	jw_int(jw, v);
}

static inline void jw_kv_uint(struct json_writer *jw, const char *name,
			      unsigned long long v)
{
	jw_name(jw, name);
	jw_uint(jw, v);
}

static inline void jw_kv_double(struct json_writer *jw, const char *name,
				double v)
{
	jw_name(jw, name);
	jw_double(jw, v);
}

static inline void jw_kv_bool(struct json_writer *jw, const char *name, bool v)
{
	jw_name(jw, name);
	jw_bool(jw, v);
}

/* Members of an object rendered earlier (the text between the braces of
 * an object another writer wrote, never empty) become members of the
 * object being written. For what does not change from one value to the
 * next: copied, not escaped again. */
void jw_members_raw(struct json_writer *jw, const char *s, size_t n);

/* Ends a top-level value: writes '\n' (one object per line), resets the
 * writer for the next value and flushes a FILE writer. */
void jw_newline(struct json_writer *jw);
/* Forgets a value left unfinished (the caller discarded its buffer). */
void jw_reset(struct json_writer *jw);

/* Escape s[0..n) as a JSON string (with quotes) into b; used by jw_string. */
void json_escape_buf(struct sbuf *b, const char *s, size_t n);
/* The same into f. */
void json_escape(FILE *f, const char *s, size_t n);

/* The one UTF-8 decoder (JSON and compact escaping): the length (1-4) of
 * the valid sequence at s[0..n), n > 0, and its code point in *cp (may be
 * NULL); 0 when invalid: a bad lead byte, truncated, overlong, a surrogate
 * or above U+10FFFF. */
size_t utf8_decode(const char *s, size_t n, uint32_t *cp);

#endif
