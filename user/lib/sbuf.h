/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A growable byte buffer that lines are composed in: the JSON writer
 * (json.h) and the compact format (output_compact.c) append to one, and the
 * output (output.h) writes it out whole. Appending is inline and touches
 * no lock and no stdio stream: at hundreds of thousands of events a second,
 * a FILE's per-call locking was most of the agent's time.
 *
 * Running out of memory is sticky: the append is dropped, b->oom is set,
 * and the buffer stays usable (whoever owns the line checks oom once).
 */
#ifndef RTG_SBUF_H
#define RTG_SBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

/* Room for n more bytes; false (and oom set) when there is none. */
bool sbuf_grow(struct sbuf *b, size_t n);
void sbuf_free(struct sbuf *b); /* and empty; the struct may be reused */
void sbuf_printf(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sbuf_u64(struct sbuf *b, uint64_t v); /* decimal */
void sbuf_i64(struct sbuf *b, int64_t v);

static inline bool sbuf_room(struct sbuf *b, size_t n)
{
	return b->cap - b->len >= n || sbuf_grow(b, n);
}

static inline void sbuf_reset(struct sbuf *b)
{
	b->len = 0;
	b->oom = false;
}

static inline void sbuf_putc(struct sbuf *b, char c)
{
	if (sbuf_room(b, 1))
		b->p[b->len++] = c;
}

static inline void sbuf_write(struct sbuf *b, const void *d, size_t n)
{
	if (n && sbuf_room(b, n)) {
		memcpy(b->p + b->len, d, n);
		b->len += n;
	}
}

static inline void sbuf_puts(struct sbuf *b, const char *s)
{
	sbuf_write(b, s, strlen(s));
}

#endif
