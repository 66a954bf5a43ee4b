/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by the socket tests (test_socket.c, test_socket_cmd.c). */
#ifndef RTG_TEST_SOCKET_UTIL_H
#define RTG_TEST_SOCKET_UTIL_H

#include <sys/types.h>

#include "agent_util.h"

#define OPEN_OF(path)                                                          \
	EV_WHERE(EV_STR("type", "open"), EV_STR("file.path", (path)))
#define EXEC_OF(pid)                                                           \
	EV_WHERE(EV_STR("type", "exec"), EV_INT("process.pid", (pid)))

/* Runs /bin/true and waits for it; its pid, or -1. */
pid_t run_true(void);
/* Policy auditing every exec and the opens of dir/marker; an agent with the
 * socket at dir/s.sock (dir, sock and marker: 128 bytes each). */
int start_agent(struct agent_run *a, char *dir, char *sock, char *marker);

#endif
