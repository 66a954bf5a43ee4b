// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the event decoder and both output formats: the
 * input is a sequence of raw ring-buffer records (bpf/events.h), each
 * framed as a little-endian u16 length followed by that many bytes. Every
 * record is copied into an exactly-sized, 8-byte aligned heap buffer (so
 * ASan sees any read past the record), decoded by event_decode() on one
 * decoder/process cache that lives for the whole input (exec -> open ->
 * exit sequences, fork learning, LRU eviction of a small cache), and every
 * decoded event is written as JSON and as a compact line.
 *
 * Oracles beyond the sanitizers: each output is exactly one line, ends in
 * '\n', holds no other control byte and is valid UTF-8; a JSON line starts
 * with '{' and ends with "}\n" with balanced braces/brackets outside
 * strings. The record bytes also go through json_escape(), compact_escape()
 * and a jw_* sequence steered by the bytes.
 *
 * `make fuzz-decode` (FUZZ_SECONDS). Its seeds in tests/fuzz/corpus/decode/
 * come from gen_decode_seeds.c (`make fuzz-decode-seeds`).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "decode.h"
#include "events.h"
#include "json.h"
#include "output.h"
#include "proc_cache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* the sink: a cookie FILE that keeps what was written since the reset */
struct sink {
	char *buf;
	size_t len, cap;
};

static struct sink sink;
static FILE *sink_f;

static ssize_t sink_write(void *cookie, const char *d, size_t n)
{
	struct sink *s = cookie;

	if (s->len + n > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		char *b;

		while (cap < s->len + n)
			cap *= 2;
		b = realloc(s->buf, cap);
		if (!b)
			return -1;
		s->buf = b;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, d, n);
	s->len += n;
	return n;
}

static void sink_reset(void)
{
	fflush(sink_f);
	sink.len = 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	cookie_io_functions_t io = { .write = sink_write };

	(void)argc;
	(void)argv;
	setenv("TZ", "UTC", 1);
	sink_f = fopencookie(&sink, "w", io);
	if (!sink_f)
		abort();
	return 0;
}

/* Length of the well-formed UTF-8 sequence at s (n bytes left), or 0.
 * An oracle apart from json.c's utf8_decode(), which computes the code
 * point: the byte ranges of Unicode's table 3-7 (well-formed byte
 * sequences), the first byte choosing the range of the second. */
__attribute__((no_sanitize("coverage"))) static size_t
utf8_len(const unsigned char *s, size_t n)
{
	static const struct {
		unsigned char lo, hi; /* first byte */
		unsigned char len;
		unsigned char lo2, hi2; /* second byte; the others 80..bf */
	} t[] = {
	    {0x00, 0x7f, 1, 0, 0},	 /* U+0000..007F */
	    {0xc2, 0xdf, 2, 0x80, 0xbf}, /* U+0080..07FF */
	    {0xe0, 0xe0, 3, 0xa0, 0xbf}, /* U+0800..0FFF */
	    {0xe1, 0xec, 3, 0x80, 0xbf}, /* U+1000..CFFF */
	    {0xed, 0xed, 3, 0x80, 0x9f}, /* U+D000..D7FF */
	    {0xee, 0xef, 3, 0x80, 0xbf}, /* U+E000..FFFF */
	    {0xf0, 0xf0, 4, 0x90, 0xbf}, /* U+10000..3FFFF */
	    {0xf1, 0xf3, 4, 0x80, 0xbf}, /* U+40000..FFFFF */
	    {0xf4, 0xf4, 4, 0x80, 0x8f}, /* U+100000..10FFFF */
	};
	size_t r, i;

	for (r = 0; r < sizeof(t) / sizeof(t[0]); r++) {
		if (s[0] < t[r].lo || s[0] > t[r].hi)
			continue;
		if (n < t[r].len)
			return 0;
		if (t[r].len > 1 && (s[1] < t[r].lo2 || s[1] > t[r].hi2))
			return 0;
		for (i = 2; i < t[r].len; i++)
			if (s[i] < 0x80 || s[i] > 0xbf)
				return 0;
		return t[r].len;
	}
	return 0;
}

/* No control byte but a final '\n', valid UTF-8; for JSON also one
 * balanced object. Traps otherwise (libFuzzer reports a crash). */
__attribute__((no_sanitize("coverage"))) static void check_line(bool json)
{
	const unsigned char *p;
	int depth = 0;
	bool in_str = false, esc = false;
	size_t i = 0, l, n;

	fflush(sink_f);
	p = (const unsigned char *)sink.buf;
	n = sink.len;

	if (n < 2 || p[n - 1] != '\n')
		__builtin_trap();
	while (i < n - 1) {
		unsigned char c = p[i];

		if (c < 0x20 || c == 0x7f)
			__builtin_trap();
		l = utf8_len(p + i, n - 1 - i);
		if (!l)
			__builtin_trap();
		if (json) {
			if (in_str) {
				if (esc)
					esc = false;
				else if (c == '\\')
					esc = true;
				else if (c == '"')
					in_str = false;
			} else if (c == '"') {
				in_str = true;
			} else if (c == '{' || c == '[') {
				depth++;
			} else if (c == '}' || c == ']') {
				if (--depth < 0)
					__builtin_trap();
				if (depth == 0 && i != n - 2)
					__builtin_trap(); /* one object per line */
			}
		}
		i += l;
	}
	if (json && (p[0] != '{' || p[n - 2] != '}' || depth || in_str))
		__builtin_trap();
}

static void emit(struct output *o, const struct rtg_event_view *ev, bool json)
{
	sink_reset();
	if (output_event(o, ev))
		return; /* ENOMEM in the composer: nothing was written */
	check_line(json);
}

/* jw_* steered by the bytes: names and strings from the data; the writer
 * must keep its output one line until jw_newline(). */
static void jw_exercise(const uint8_t *d, size_t n)
{
	struct json_writer *jw = jw_new(sink_f);
	size_t i = 0;
	int depth = 0;

	if (!jw)
		return;
	sink_reset();
	jw_start_object(jw);
	depth++;
	while (i + 2 <= n) {
		uint8_t op = d[i] & 7, len = d[i + 1];
		const char *s = (const char *)d + i + 2;

		if (len > n - i - 2)
			len = n - i - 2;
		i += 2 + len;
		switch (op) {
		case 0:
			jw_name(jw, "k");
			jw_string_len(jw, s, len);
			break;
		case 1:
			if (depth < 80) {
				jw_name(jw, "o");
				jw_start_object(jw);
				depth++;
			}
			break;
		case 2:
			if (depth > 1) {
				jw_end_object(jw); /* may close an array */
				depth--;
			}
			break;
		case 3:
			if (depth < 80) {
				jw_name(jw, "a");
				jw_start_array(jw);
				depth++;
			}
			break;
		case 4:
			jw_kv_int(jw, "i", (long long)len * -12345678901ll);
			break;
		case 5: {
			double v;

			if (len >= sizeof(v))
				memcpy(&v, s, sizeof(v));
			else
				v = len / 3.0;
			jw_kv_double(jw, "d", v);
			break;
		}
		case 6:
			jw_kv_bool(jw, "b", len & 1);
			jw_name(jw, "n");
			jw_null(jw);
			break;
		default:
			jw_kv_uint(jw, "u", ~0ull - len);
			break;
		}
	}
	while (depth-- > 0)
		jw_end_object(jw);
	jw_newline(jw);
	jw_destroy(jw);
	check_line(false);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proc_cache_opts pco = {
		.nodename = "fuzz",
		.max_entries = 8, /* small: eviction under exec/exit/fork */
		.proc_root = "/nonexistent-rtg-fuzz",
	};
	struct proc_cache *pc = proc_cache_new(&pco);
	struct decoder *d = pc ? decoder_new(pc) : NULL;
	struct output *oj = output_new(OUTPUT_JSON, sink_f);
	struct output *oc = output_new(OUTPUT_COMPACT, sink_f);
	struct rtg_event_view ev;
	size_t pos = 0;
	int nrec = 0;

	if (!d || !oj || !oc)
		goto out;
	decoder_set_clock_offset(d, 1795795200000000000ll);
	while (pos + 2 <= size && nrec < 32) {
		size_t len = data[pos] | (size_t)data[pos + 1] << 8;
		void *rec;

		pos += 2;
		if (len > size - pos)
			len = size - pos;
		/* exact size: any read past the record is an ASan report */
		rec = aligned_alloc(8, len ? (len + 7) & ~(size_t)7 : 8);
		if (!rec)
			break;
		memcpy(rec, data + pos, len);
		if (len & 7) /* alignment padding: poisoned for the decoder */
			memset((char *)rec + len, 0xa5, 8 - (len & 7));
		pos += len;
		nrec++;
		if (event_decode(d, len ? rec : NULL, len, &ev) == 0) {
			/* as the agent does: a rule name may be attached */
			if (ev.rule != RTG_RULE_NONE && (ev.rule & 1)) {
				ev.policy = "fuzz-policy";
				ev.rule_name = "fuzz-rule";
			}
			emit(oj, &ev, true);
			emit(oc, &ev, false);
		}
		free(rec);
	}
	/* a lost event with an arbitrary source string */
	if (size) {
		char src[64];
		size_t n = size < sizeof(src) - 1 ? size : sizeof(src) - 1;

		memcpy(src, data, n);
		src[n] = '\0';
		event_view_lost(d, size, src, &ev);
		emit(oj, &ev, true);
		emit(oc, &ev, false);
	}
	/* the escapers and the writer on the raw bytes */
	sink_reset();
	json_escape(sink_f, (const char *)data, size);
	fputc('\n', sink_f);
	check_line(false);
	sink_reset();
	{
		struct sbuf b = {};

		compact_escape(&b, (const char *)data, size);
		sbuf_putc(&b, '\n');
		if (!b.oom)
			fwrite(b.p, 1, b.len, sink_f);
		sbuf_free(&b);
	}
	fflush(sink_f);
	if (sink.len > 1)
		check_line(false);
	jw_exercise(data, size);
out:
	output_free(oj);
	output_free(oc);
	decoder_free(d);
	proc_cache_free(pc);
	return 0;
}
