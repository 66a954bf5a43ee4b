/* SPDX-License-Identifier: GPL-2.0 */
/* Entry points of the subcommands (argv[0] is the subcommand's name). Each
 * returns the process exit status (RTG_EXIT_*). */
#ifndef RTG_CMDS_H
#define RTG_CMDS_H

int cmd_agent(int argc, char **argv); /* user/agent/agent.c: no subcommand */
int cmd_probe(int argc, char **argv); /* user/cli/probe_cmd.c */
int cmd_policy(int argc, char **argv); /* user/cli/policy_cmd.c */
int cmd_bench(int argc, char **argv); /* bench/src/bench.c */
int cmd_events(int argc, char **argv); /* user/cli/subscribe.c */
int cmd_status(int argc, char **argv); /* user/cli/subscribe.c */

#endif
