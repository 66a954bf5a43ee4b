// SPDX-License-Identifier: GPL-2.0
/* `rtguard events` and `rtguard status` talk to a running agent over its
 * socket (DESIGN.md §2). Not built yet: see issue 5. */
#include "cmds.h"
#include "log.h"

int cmd_events(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	log_err("'rtguard events' is not available in this build yet");
	return RTG_EXIT_INPUT;
}

int cmd_status(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	log_err("'rtguard status' is not available in this build yet");
	return RTG_EXIT_INPUT;
}
