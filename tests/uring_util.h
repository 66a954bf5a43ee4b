/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A bare io_uring for the tests (no liburing): set up a ring, submit one
 * IORING_OP_OPENAT and wait for it.
 */
#ifndef RTG_URING_UTIL_H
#define RTG_URING_UTIL_H

#include <linux/io_uring.h>

struct ring {
	int fd;
	struct io_uring_params p;
	void *sq, *cq;
	struct io_uring_sqe *sqes;
};

/* io_uring_setup and the ring's mappings: 0 or -errno. */
int ring_open(struct ring *r);
/* One IORING_OP_OPENAT of path (O_RDONLY, relative to the cwd), waited
 * for: the cqe's res (an fd or -errno). */
int ring_openat(struct ring *r, const char *path);

#endif
