/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one JSON writer (in the spirit of bpftool's json_writer): a streaming
 * writer onto a FILE, commas and nesting tracked for the caller, every string
 * escaped (quotes, backslash, control characters; invalid UTF-8 bytes become
 * U+FFFD), never a raw byte of input copied through unescaped.
 */
#ifndef RTG_JSON_H
#define RTG_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct json_writer;

struct json_writer *jw_new(FILE *f); /* NULL on ENOMEM */
void jw_destroy(struct json_writer *jw); /* accepts NULL; does not fclose */
void jw_set_pretty(struct json_writer *jw, bool pretty);

void jw_start_object(struct json_writer *jw);
void jw_end_object(struct json_writer *jw);
void jw_start_array(struct json_writer *jw);
void jw_end_array(struct json_writer *jw);
void jw_name(struct json_writer *jw, const char *name); /* key of next value */

void jw_string(struct json_writer *jw, const char *s);
void jw_string_len(struct json_writer *jw, const char *s, size_t n);
void jw_int(struct json_writer *jw, long long v);
void jw_uint(struct json_writer *jw, unsigned long long v);
void jw_double(struct json_writer *jw, double v); /* non-finite -> null */
void jw_bool(struct json_writer *jw, bool v);
void jw_null(struct json_writer *jw);

/* name + value in one call */
void jw_kv_string(struct json_writer *jw, const char *name, const char *s);
void jw_kv_int(struct json_writer *jw, const char *name, long long v);
void jw_kv_uint(struct json_writer *jw, const char *name, unsigned long long v);
void jw_kv_double(struct json_writer *jw, const char *name, double v);
void jw_kv_bool(struct json_writer *jw, const char *name, bool v);

/* Ends a top-level value: writes '\n' (one object per line) and resets
 * the writer for the next value. */
void jw_newline(struct json_writer *jw);

/* Escape s[0..n) as a JSON string (with quotes) into f; used by jw_string. */
void json_escape(FILE *f, const char *s, size_t n);

/* The one UTF-8 decoder (JSON and compact escaping): the length (1-4) of
 * the valid sequence at s[0..n), n > 0, and its code point in *cp (may be
 * NULL); 0 when invalid: a bad lead byte, truncated, overlong, a surrogate
 * or above U+10FFFF. */
size_t utf8_decode(const char *s, size_t n, uint32_t *cp);

#endif
