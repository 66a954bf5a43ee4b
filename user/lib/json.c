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
/* a FILE writer hands its buffer to the FILE beyond this (pretty reports) */
#define JW_FILE_CHUNK 8192

struct json_writer {
	FILE *f;	/* NULL: the caller's buffer is the output */
	struct sbuf *b; /* where values go: &own, or the caller's */
	struct sbuf own;
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
	jw->b = &jw->own;
	return jw;
}

struct json_writer *jw_new_buf(struct sbuf *b)
{
	struct json_writer *jw = calloc(1, sizeof(*jw));

	if (!jw)
		return NULL;
	jw->b = b;
	return jw;
}

void jw_flush(struct json_writer *jw)
{
	if (!jw->f || !jw->own.len)
		return;
	fwrite(jw->own.p, 1, jw->own.len, jw->f);
	sbuf_reset(&jw->own);
}

void jw_destroy(struct json_writer *jw)
{
	if (!jw)
		return;
	jw_flush(jw);
	sbuf_free(&jw->own);
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
	sbuf_putc(jw->b, '\n');
	for (i = 0; i < jw->depth; i++)
		sbuf_write(jw->b, "  ", 2);
}

/* Before any value or name: the comma and, in pretty mode, the indent. */
static inline __attribute__((always_inline)) void
jw_begin_value(struct json_writer *jw)
{
	if (jw->named) {
		jw->named = false;
		return;
	}
	if (jw->sep)
		sbuf_putc(jw->b, ',');
	if (jw->depth)
		jw_indent(jw);
}

static inline __attribute__((always_inline)) void
jw_end_value(struct json_writer *jw)
{
	jw->sep = true;
	if (jw->depth && jw->depth <= JW_MAX_DEPTH)
		jw->empty[jw->depth - 1] = false;
	if (jw->f && jw->own.len >= JW_FILE_CHUNK)
		jw_flush(jw);
}

static void jw_open(struct json_writer *jw, char c)
{
	jw_begin_value(jw);
	sbuf_putc(jw->b, c);
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
	sbuf_putc(jw->b, c);
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

void jw_name_len(struct json_writer *jw, const char *name, size_t n)
{
	jw_begin_value(jw);
	json_escape_buf(jw->b, name, n);
	if (jw->pretty)
		sbuf_write(jw->b, ": ", 2);
	else
		sbuf_putc(jw->b, ':');
	jw->named = true;
}

void jw_name_raw(struct json_writer *jw, const char *quoted, size_t n)
{
	jw_begin_value(jw);
	if (jw->pretty) {
		sbuf_write(jw->b, quoted, n - 1);
		sbuf_write(jw->b, ": ", 2);
	} else {
		sbuf_write(jw->b, quoted, n);
	}
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

/* How each byte is written: 0 as it is, 1 a two-character escape
 * (esc2[c]), 2 \u00XX, 3 the start of a UTF-8 sequence to check. */
/* clang-format off */
static const unsigned char esc_class[256] = {
	[0 ... 0x07] = 2, ['\b'] = 1, ['\t'] = 1, ['\n'] = 1, [0x0b] = 2,
	['\f'] = 1, ['\r'] = 1, [0x0e ... 0x1f] = 2,
	['"'] = 1, ['\\'] = 1, [0x7f] = 2, [0x80 ... 0xff] = 3,
};
static const char esc2[128] = {
	['"'] = '"', ['\\'] = '\\', ['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n',
	['\r'] = 'r', ['\t'] = 't',
};
/* clang-format on */

/* No byte of w needs an escape: none below 0x20, '"', '\\', 0x7f or
 * above (exact as a whole, the classic "has a zero byte" tests). */
static inline bool word_plain(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ull;
	const uint64_t high = 0x8080808080808080ull;
	uint64_t q = w ^ (ones * '"'), bs = w ^ (ones * '\\');
	uint64_t del = w ^ (ones * 0x7f);

	return !((((w - ones * 0x20) & ~w) | ((q - ones) & ~q) |
		  ((bs - ones) & ~bs) | ((del - ones) & ~del) | w) &
		 high);
}

void json_escape_buf(struct sbuf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, len;
	char *o;

	/* at most 6 bytes out per byte in: room once, then plain stores */
	if (n > (SIZE_MAX - 2) / 6 || !sbuf_room(b, 6 * n + 2)) {
		b->oom = true;
		return;
	}
	o = b->p + b->len;
	*o++ = '"';
	while (i < n) {
		unsigned char c = p[i];

		/* eight plain bytes at a time while they last */
		while (i + 8 <= n) {
			uint64_t w;

			memcpy(&w, p + i, 8);
			if (!word_plain(w))
				break;
			memcpy(o, &w, 8);
			o += 8;
			i += 8;
		}
		if (i == n)
			break;
		c = p[i];

		switch (esc_class[c]) {
		case 0:
			*o++ = c;
			i++;
			break;
		case 1:
			*o++ = '\\';
			*o++ = esc2[c];
			i++;
			break;
		case 2: /* other control characters and DEL */
			memcpy(o, "\\u00", 4);
			o[4] = hex[c >> 4];
			o[5] = hex[c & 15];
			o += 6;
			i++;
			break;
		default:
			len = utf8_decode(s + i, n - i, NULL);
			if (!len) {
				memcpy(o, "\\ufffd", 6);
				o += 6;
				i++;
				break;
			}
			memcpy(o, p + i, len);
			o += len;
			i += len;
		}
	}
	*o++ = '"';
	b->len = o - b->p;
}

void json_escape(FILE *f, const char *s, size_t n)
{
	struct sbuf b = {};

	json_escape_buf(&b, s, n);
	if (b.len)
		fwrite(b.p, 1, b.len, f);
	sbuf_free(&b);
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
	json_escape_buf(jw->b, s ? s : "", s ? n : 0);
	jw_end_value(jw);
}

void jw_int(struct json_writer *jw, long long v)
{
	jw_begin_value(jw);
	sbuf_i64(jw->b, v);
	jw_end_value(jw);
}

void jw_uint(struct json_writer *jw, unsigned long long v)
{
	jw_begin_value(jw);
	sbuf_u64(jw->b, v);
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
	sbuf_puts(jw->b, buf);
	jw_end_value(jw);
}

void jw_bool(struct json_writer *jw, bool v)
{
	jw_begin_value(jw);
	if (v)
		sbuf_write(jw->b, "true", 4);
	else
		sbuf_write(jw->b, "false", 5);
	jw_end_value(jw);
}

void jw_null(struct json_writer *jw)
{
	jw_begin_value(jw);
	sbuf_write(jw->b, "null", 4);
	jw_end_value(jw);
}

void jw_members_raw(struct json_writer *jw, const char *s, size_t n)
{
	jw_begin_value(jw);
	sbuf_write(jw->b, s, n);
	jw_end_value(jw);
}

void jw_newline(struct json_writer *jw)
{
	sbuf_putc(jw->b, '\n');
	jw->depth = 0;
	jw->sep = false;
	jw->named = false;
	jw_flush(jw);
}

void jw_reset(struct json_writer *jw)
{
	jw->depth = 0;
	jw->sep = false;
	jw->named = false;
}
