// SPDX-License-Identifier: GPL-2.0
/* rtguard: dispatch to the subcommand (doc/rtguard.8 lists them); without
 * one, the agent runs in the foreground. */
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "log.h"

#ifndef RTG_VERSION
#define RTG_VERSION "0.1.0"
#endif

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} subcmds[] = {
	{ "probe", cmd_probe },	  { "policy", cmd_policy },
	{ "bench", cmd_bench },	  { "events", cmd_events },
	{ "status", cmd_status },
};

int main(int argc, char **argv)
{
	size_t i;

	if (argc > 1 && !strcmp(argv[1], "--version")) {
		printf("rtguard %s\n", RTG_VERSION);
		return RTG_EXIT_OK;
	}
	if (argc > 1 && argv[1][0] != '-') {
		for (i = 0; i < sizeof(subcmds) / sizeof(subcmds[0]); i++)
			if (!strcmp(argv[1], subcmds[i].name))
				return subcmds[i].fn(argc - 1, argv + 1);
		log_err("unknown command '%s' (see rtguard --help)", argv[1]);
		return RTG_EXIT_INPUT;
	}
	return cmd_agent(argc, argv);
}
