// SPDX-License-Identifier: GPL-2.0
/*
 * Streaming JSON writer (bpftool json_writer style). The writer tracks the
 * nesting depth and whether a separator is due; every string goes through
 * json_escape(), which never copies a control character or an invalid UTF-8
 * byte through.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define JW_MAX_DEPTH 64

struct json_writer {
	FILE *f;
	unsigned int depth; /* open objects/arrays */
	bool sep;   /* a value was written at this depth: next needs ',' */
	bool named; /* jw_name() was just written: next value follows ':' */
	bool pretty;
	bool empty[JW_MAX_DEPTH]; /* container at depth d has no member yet */
};

struct json_writer *jw_new(FILE *f)
{
	struct json_writer *jw = calloc(1, sizeof(*jw));

	if (!jw)
		return NULL;
	jw->f = f;
	return jw;
}

void jw_destroy(struct json_writer *jw)
{
	free(jw);
}

void jw_set_pretty(struct json_writer *jw, bool pretty)
{
	jw->pretty = pretty;
}

static void jw_indent(struct json_writer *jw)
{
	unsigned int i;

	if (!jw->pretty)
		return;
	fputc('\n', jw->f);
	for (i = 0; i < jw->depth; i++)
		fputs("  ", jw->f);
}

/* Before any value or name: the comma and, in pretty mode, the indent. */
static void jw_begin_value(struct json_writer *jw)
{
	if (jw->named) {
		jw->named = false;
		return;
	}
	if (jw->sep)
		fputc(',', jw->f);
	if (jw->depth)
		jw_indent(jw);
}

static void jw_end_value(struct json_writer *jw)
{
	jw->sep = true;
	if (jw->depth && jw->depth <= JW_MAX_DEPTH)
		jw->empty[jw->depth - 1] = false;
}

static void jw_open(struct json_writer *jw, char c)
{
	jw_begin_value(jw);
	fputc(c, jw->f);
	if (jw->depth < JW_MAX_DEPTH)
		jw->empty[jw->depth] = true;
	jw->depth++;
	jw->sep = false;
}

static void jw_close(struct json_writer *jw, char c)
{
	bool empty = true;

	if (!jw->depth)
		return;
	if (jw->depth <= JW_MAX_DEPTH)
		empty = jw->empty[jw->depth - 1];
	jw->depth--;
	if (!empty)
		jw_indent(jw);
	fputc(c, jw->f);
	jw->named = false;
	jw_end_value(jw);
}

void jw_start_object(struct json_writer *jw)
{
	jw_open(jw, '{');
}

void jw_end_object(struct json_writer *jw)
{
	jw_close(jw, '}');
}

void jw_start_array(struct json_writer *jw)
{
	jw_open(jw, '[');
}

void jw_end_array(struct json_writer *jw)
{
	jw_close(jw, ']');
}

void jw_name(struct json_writer *jw, const char *name)
{
	jw_begin_value(jw);
	json_escape(jw->f, name, strlen(name));
	fputs(jw->pretty ? ": " : ":", jw->f);
	jw->named = true;
}

size_t utf8_decode(const char *str, size_t n, uint32_t *cpp)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned char c = s[0];
	size_t len, i;
	uint32_t cp;

	if (c < 0x80) {
		len = 1;
		cp = c;
		goto out;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0; /* continuation byte, 0xc0/0xc1, 0xf5.. */
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000))
		return 0; /* overlong */
	if (cp >= 0xd800 && cp <= 0xdfff)
		return 0; /* surrogate */
	if (cp > 0x10ffff)
		return 0;
out:
	if (cpp)
		*cpp = cp;
	return len;
}

void json_escape(FILE *f, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, len;

	fputc('"', f);
	while (i < n) {
		unsigned char c = p[i];

		switch (c) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\b':
			fputs("\\b", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		default:
			if (c < 0x20 || c == 0x7f) {
				fprintf(f, "\\u%04x", c);
			} else if (c < 0x80) {
				fputc(c, f);
			} else {
				len = utf8_decode(s + i, n - i, NULL);
				if (!len) {
					fputs("\\ufffd", f);
					break;
				}
				fwrite(p + i, 1, len, f);
				i += len;
				continue;
			}
		}
		i++;
	}
	fputc('"', f);
}

void jw_string(struct json_writer *jw, const char *s)
{
	if (!s) {
		jw_null(jw);
		return;
	}
	jw_string_len(jw, s, strlen(s));
}

void jw_string_len(struct json_writer *jw, const char *s, size_t n)
{
	jw_begin_value(jw);
	json_escape(jw->f, s ? s : "", s ? n : 0);
	jw_end_value(jw);
}

void jw_int(struct json_writer *jw, long long v)
{
	jw_begin_value(jw);
	fprintf(jw->f, "%lld", v);
	jw_end_value(jw);
}

void jw_uint(struct json_writer *jw, unsigned long long v)
{
	jw_begin_value(jw);
	fprintf(jw->f, "%llu", v);
	jw_end_value(jw);
}

void jw_double(struct json_writer *jw, double v)
{
	if (!isfinite(v)) {
		jw_null(jw);
		return;
	}
	char buf[32];
	int prec;

	/* The shortest of %.15g..%.17g that reads back as the same value:
	 * 0.1 stays "0.1", 1 stays "1". */
	for (prec = 15; prec < 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	if (prec == 17)
		snprintf(buf, sizeof(buf), "%.17g", v);
	jw_begin_value(jw);
	fputs(buf, jw->f);
	jw_end_value(jw);
}

void jw_bool(struct json_writer *jw, bool v)
{
	jw_begin_value(jw);
	fputs(v ? "true" : "false", jw->f);
	jw_end_value(jw);
}

void jw_null(struct json_writer *jw)
{
	jw_begin_value(jw);
	fputs("null", jw->f);
	jw_end_value(jw);
}

void jw_kv_string(struct json_writer *jw, const char *name, const char *s)
{
	jw_name(jw, name);
	jw_string(jw, s);
}

void jw_kv_int(struct json_writer *jw, const char *name, long long v)
{
	jw_name(jw, name);
	jw_int(jw, v);
}

void jw_kv_uint(struct json_writer *jw, const char *name, unsigned long long v)
{
	jw_name(jw, name);
	jw_uint(jw, v);
}

void jw_kv_double(struct json_writer *jw, const char *name, double v)
{
	jw_name(jw, name);
	jw_double(jw, v);
}

void jw_kv_bool(struct json_writer *jw, const char *name, bool v)
{
	jw_name(jw, name);
	jw_bool(jw, v);
}

void jw_newline(struct json_writer *jw)
{
	fputc('\n', jw->f);
	jw->depth = 0;
	jw->sep = false;
	jw->named = false;
}
