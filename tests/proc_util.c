// SPDX-License-Identifier: GPL-2.0
/* A fake /proc tree for the tests (proc_util.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proc_util.h"

static int put_in(const char *dir, const char *name, const void *data,
		  size_t len)
{
	char path[512];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -errno;
	n = write(fd, data, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -EIO;
}

int fake_proc(const char *root, unsigned pid, unsigned ppid, const char *comm,
	      unsigned long long start, const char *exe, const char *cwd,
	      const void *cmdline, size_t cmdlen, const char *cgroup)
{
	char dir[256], buf[1024], path[512];
	int err = 0;

	snprintf(dir, sizeof(dir), "%s/%u", root, pid);
	if (mkdir(dir, 0755))
		return -errno;
	snprintf(buf, sizeof(buf),
		 "%u (%s) S %u %u %u 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 "
		 "%llu 1000 100 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 "
		 "17 3 0 0 0 0 0\n",
		 pid, comm, ppid, pid, pid, start);
	err = err ?: put_in(dir, "stat", buf, strlen(buf));
	snprintf(buf, sizeof(buf),
		 "Name:\t%s\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t%u\n"
		 "Ngid:\t0\nPid:\t%u\nPPid:\t%u\nTracerPid:\t0\n"
		 "Uid:\t1000\t1001\t1002\t1003\nGid:\t2000\t2001\t2002\t2003\n",
		 comm, pid, pid, ppid);
	err = err ?: put_in(dir, "status", buf, strlen(buf));
	snprintf(buf, sizeof(buf), "%.15s\n", comm);
	err = err ?: put_in(dir, "comm", buf, strlen(buf));
	err = err ?: put_in(dir, "cmdline", cmdline, cmdlen);
	err = err ?: put_in(dir, "cgroup", cgroup, strlen(cgroup));
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/exe", dir);
	if (exe && symlink(exe, path))
		return -errno;
	snprintf(path, sizeof(path), "%s/cwd", dir);
	if (cwd && symlink(cwd, path))
		return -errno;
	return 0;
}
