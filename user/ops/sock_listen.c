// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's listening socket (sock_listen.h): created 0600 in a 0700
 * directory, a stale socket of a dead agent replaced, a live agent's never.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "sock_listen.h"

static int make_parent(const char *path)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s", path);
	dirname(dir);
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

/* -EADDRINUSE when an agent answers at path; removes a stale socket. */
static int clear_stale(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	int fd, err;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	err = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	if (!err)
		return -EADDRINUSE;
	if (unlink(path) && errno != ENOENT)
		return -errno;
	return 0;
}

int sock_listen(const char *path, int lvl, struct stat *st)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	mode_t old;
	int err, fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_msg(lvl, "socket path too long (at most %zu bytes): %s",
			sizeof(sa.sun_path) - 1, path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	err = make_parent(path);
	if (err) {
		log_msg(lvl, "cannot create the directory of %s: %s", path,
			strerror(-err));
		return err;
	}
	err = clear_stale(path);
	if (err == -EADDRINUSE) {
		log_msg(lvl,
			"another agent is serving %s (use --socket PATH for a "
			"second one)",
			path);
		return err;
	}
	if (err == -EEXIST) {
		log_msg(lvl, "%s exists and is not a socket; not replacing it",
			path);
		return err;
	}
	if (err) {
		log_msg(lvl, "cannot remove the stale socket %s: %s", path,
			strerror(-err));
		return err;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	old = umask(0177);
	err = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (err || chmod(path, 0600) || listen(fd, 64)) {
		err = -errno;
		log_msg(lvl, "cannot listen on %s: %s", path, strerror(-err));
		close(fd);
		return err;
	}
	if (stat(path, st))
		memset(st, 0, sizeof(*st));
	return fd;
}
