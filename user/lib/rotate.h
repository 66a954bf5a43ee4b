/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Size-based rotation of the --output-file (doc/rtguard.8):
 * --output-file-max-mb N rotates when the next line would take the file past
 * N MiB: PATH.(K-1) -> PATH.K, ..., PATH -> PATH.1 (PATH.K, the oldest, is
 * replaced), then a new PATH. A line is never split: rotation happens only
 * between whole lines, and a line longer than the limit goes whole into a
 * fresh file.
 *
 * The FILE the agent writes to keeps its identity: a new file is opened and
 * dup2()ed onto the stream's descriptor, so nothing else holding the FILE
 * (or the fd) has to learn about the switch, and a failed open leaves the
 * old file in use instead of a closed stream.
 */
#ifndef RTG_ROTATE_H
#define RTG_ROTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define ROTATE_KEEP_DEFAULT 5
#define ROTATE_KEEP_MAX	    1000

struct rotate {
	const char *path;   /* borrowed */
	uint64_t max_bytes; /* 0: never rotate */
	int keep;	    /* rotated files kept (PATH.1 .. PATH.keep) */
	uint64_t size;	    /* bytes in the current file, as far as we know */
	uint64_t rotations;
};

/* Sets up r for f, which has path open for appending (size from fstat). */
void rotate_init(struct rotate *r, const char *path, uint64_t max_bytes,
		 int keep, FILE *f);
/* Called before writing a line of len bytes to f: rotates when due.
 * 0, or a negative errno when rotation failed (writing goes on to the old
 * file; the error is logged). */
int rotate_before_write(struct rotate *r, FILE *f, size_t len);
/* Called after the line was written. */
static inline void rotate_account(struct rotate *r, size_t len)
{
	r->size += len;
}

/* Shifts PATH.(keep-1) -> PATH.keep ... PATH -> PATH.1. keep 0 removes
 * PATH. 0 or a negative errno (a missing PATH.i is not an error). */
int rotate_files(const char *path, int keep);
/* Flushes f and points its descriptor at path, opened for appending
 * (created 0600). f stays the same stream. 0 or a negative errno (f is
 * unchanged then). */
int file_reopen_append(FILE *f, const char *path);

/* "N" MiB (a positive number, fractions allowed: 0.5) -> bytes, at least
 * 4096. -EINVAL when malformed or out of range (more than 1 TiB). */
int rotate_parse_mb(const char *s, uint64_t *bytes);

#endif
