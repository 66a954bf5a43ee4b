/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fake /proc tree for the process cache tests: one process as
 * <root>/<pid>/{stat,status,comm,cmdline,cgroup,exe,cwd}, with start (clock
 * ticks since boot, stat's field 22), uid 1000 and gid 2000; exe and cwd
 * are symlinks (NULL: none, as for a kernel thread).
 */
#ifndef RTG_PROC_UTIL_H
#define RTG_PROC_UTIL_H

#include <stddef.h>

/* 0 or -errno. */
int fake_proc(const char *root, unsigned pid, unsigned ppid, const char *comm,
	      unsigned long long start, const char *exe, const char *cwd,
	      const void *cmdline, size_t cmdlen, const char *cgroup);

#endif
