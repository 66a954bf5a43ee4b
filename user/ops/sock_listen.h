/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RTG_SOCK_LISTEN_H
#define RTG_SOCK_LISTEN_H

#include <sys/stat.h>

/* A listening unix socket at path (mode 0600; the directory made 0700 if
 * missing), replacing a stale socket but not one a live agent answers on
 * (-EADDRINUSE) nor a file that is not a socket (-EEXIST). Errors are
 * logged at level lvl (LOG_ERR for an explicit path, LOG_WARN for the
 * default one). Returns the non-blocking fd and the socket's stat in *st,
 * or a negative errno. */
int sock_listen(const char *path, int lvl, struct stat *st);

#endif
