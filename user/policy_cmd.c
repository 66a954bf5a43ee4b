// SPDX-License-Identifier: GPL-2.0
/* Placeholder until its module lands; owner replaces this file. */
#include "cmds.h"
#include "log.h"

int cmd_policy(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	log_err("'rtguard policy' is not available in this build yet");
	return RTG_EXIT_INPUT;
}
