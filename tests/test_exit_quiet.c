// SPDX-License-Identifier: GPL-2.0
/*
 * Exit events follow exec events: with `defaults: {exec: allow}` an exit
 * is reported only for a process whose exec was (bpf/exec.bpf.c). Here 200
 * execs of an allowed binary and one of a binary an audit rule reports:
 * one exec event, one exit event.
 */
#include <stdlib.h>
#include <unistd.h>

#include "agent_util.h"
#include "test.h"

TEST_T(agent_exits_follow_execs, 90)
{
	char dir[] = "/tmp/rtg-quiet-XXXXXX", pol[128], loud[128], text[512];
	char *const quiet_argv[] = {"/bin/true", "rtg-quiet-marker", NULL};
	char *argv[] = {loud, NULL};
	struct test_event *ev;
	struct agent_run a;
	int i, exits;

	TEST_NEED_ROOT();
	if (!ASSERT_TRUE(test_mkdtemp(dir), "mkdtemp"))
		return;
	snprintf(loud, sizeof(loud), "%s/loud-true", dir);
	snprintf(pol, sizeof(pol), "%s/p.yaml", dir);
	snprintf(text, sizeof(text),
		 "name: quiet\n"
		 "defaults: { exec: allow, open: allow, connect: allow }\n"
		 "rules:\n"
		 "  - name: loud\n"
		 "    on: exec\n"
		 "    match: { path: { equal: [%s] } }\n"
		 "    action: audit\n",
		 loud);
	if (!ASSERT_OK(copy_exec("/bin/true", loud), "copy") ||
	    !ASSERT_OK(put_file(pol, text), "policy") ||
	    !ASSERT_OK(agent_start(&a, N("--policy", pol)), "agent_start"))
		return;
	for (i = 0; i < 200; i++)
		spawn_wait(quiet_argv, NULL);
	spawn_wait(argv, NULL);
	ev = agent_wait_event(
	    &a, 5000,
	    EV_WHERE(EV_STR("type", "exit"), EV_STR("process.binary", loud)));
	ASSERT_TRUE(ev, "the exit of the reported exec is reported");
	test_event_free(ev);
	ASSERT_EQ(agent_stop(&a), 0, "agent exit");
	exits = agent_count_events(
	    &a, EV_WHERE(EV_STR("type", "exit"),
			 EV_STR("process.args[1]", "rtg-quiet-marker")));
	ASSERT_EQ(exits, 0, "no exit event for the 200 allowed execs");
	ASSERT_EQ(agent_count_events(&a, EV_WHERE(EV_STR("type", "exec"))), 1,
		  "one exec event");
	/* other processes of the machine exec too, all allowed: their exits
	 * are not reported either */
	ASSERT_EQ(agent_count_events(&a, EV_WHERE(EV_STR("type", "exit"))), 1,
		  "one exit event in all");
}
