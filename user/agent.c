// SPDX-License-Identifier: GPL-2.0
#include "cmds.h"
#include "log.h"

int cmd_agent(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	log_err("agent not built yet");
	return RTG_EXIT_KERNEL;
}
