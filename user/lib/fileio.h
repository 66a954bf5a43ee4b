/* SPDX-License-Identifier: GPL-2.0 */
/* Reading small files (/proc, /sys, securityfs): the one helper. */
#ifndef RTG_FILEIO_H
#define RTG_FILEIO_H

#include <sys/types.h>

/* Reads path into buf until EOF or size - 1 bytes (EINTR retried) and
 * NUL-terminates it (the bytes may hold NULs, as /proc/PID/cmdline does).
 * Returns the number of bytes read, or a negative errno. */
ssize_t read_file(const char *path, char *buf, size_t size);

#endif
