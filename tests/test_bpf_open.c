// SPDX-License-Identifier: GPL-2.0
/*
 * open.bpf.c on its own (see test_bpf.h): the sys_exit open tracepoints,
 * their records and SIGKILL enforcement.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/openat2.h>
#include <unistd.h>

#include "agent_util.h"
#include "test.h"
#include "test_bpf.h"

/* opens against prefix, suffix and equal rules; the kill rule kills at
 * sys_exit; the process named as the agent is never reported. */
TEST(bpf_open_rules)
{
	char policy[1024], logs[144], p[4][160];
	const struct rtg_open *o;
	struct fix f;
	int status, fd, i;

	TEST_NEED_ROOT();
	if (!fix_open(&f, 0))
		goto out;
	snprintf(logs, sizeof(logs), "%s/logs", f.dir);
	snprintf(p[0], sizeof(p[0]), "%s/a.log", logs);
	snprintf(p[1], sizeof(p[1]), "%s/x.key", f.dir);
	snprintf(p[2], sizeof(p[2]), "%s/plain", f.dir);
	snprintf(p[3], sizeof(p[3]), "%s/secret", f.dir);
	snprintf(policy, sizeof(policy),
		 "name: bpf-test\n"
		 "defaults: { exec: allow, open: allow, connect: allow }\n"
		 "rules:\n"
		 "  - name: logs\n"
		 "    on: open\n"
		 "    match: { path: { prefix: [%s/] }, flags: [create] }\n"
		 "    action: audit\n"
		 "  - name: keys\n"
		 "    on: open\n"
		 "    match: { path: { suffix: [.key] } }\n"
		 "    action: audit\n"
		 "  - name: secret\n"
		 "    on: open\n"
		 "    match: { path: { equal: [%s] } }\n"
		 "    action: kill\n",
		 logs, p[3]);
	mkdir(logs, 0755);
	for (i = 1; i < 4; i++)
		if (!ASSERT_OK(put_file(p[i], "x\n"), "fixture file"))
			goto out;
	/* the test process is "the agent": its own opens stay unseen */
	if (!fix_policy(&f, policy, 0, getpid()))
		goto out;
	fd = open(p[1], O_RDONLY);
	if (fd >= 0)
		close(fd);

	f.pid = fork();
	if (f.pid == 0) {
		int flags[4] = {O_WRONLY | O_CREAT, O_RDONLY, O_RDONLY,
				O_RDONLY};

		for (i = 0; i < 4; i++) {
			fd = open(p[i], flags[i], 0644);
			if (fd < 0)
				_exit(10 + i);
			close(fd);
		}
		_exit(0);
	}
	waitpid(f.pid, &status, 0);
	ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		    "killed by the open of the secret");

	o = fix_wait(&f, RTG_EV_OPEN, 2);
	if (!ASSERT_TRUE(o, "three open records"))
		goto out;
	ASSERT_EQ(fix_count(&f, RTG_EV_OPEN), 3, "plain is not reported");
	o = fix_wait(&f, RTG_EV_OPEN, 0);
	ASSERT_STREQ(o->path, p[0], "prefix: path");
	ASSERT_EQ(o->path_len, strlen(p[0]) + 1, "path_len");
	ASSERT_EQ(o->oflags & (O_ACCMODE | O_CREAT), O_WRONLY | O_CREAT,
		  "oflags from the syscall's registers");
	ASSERT_EQ(o->hdr.action, RTG_ACT_AUDIT, "prefix: audit");
	ASSERT_EQ(o->hdr.rule, 0, "prefix: rule 0");
	ASSERT_NEQ(o->ino, 0, "inode");
	o = fix_wait(&f, RTG_EV_OPEN, 1);
	ASSERT_STREQ(o->path, p[1], "suffix: path");
	ASSERT_EQ(o->hdr.action, RTG_ACT_AUDIT, "suffix: audit");
	ASSERT_EQ(o->hdr.rule, 1, "suffix: rule 1");
	ASSERT_EQ(o->hdr.flags & RTG_F_ENFORCED, 0, "audit enforces nothing");
	o = fix_wait(&f, RTG_EV_OPEN, 2);
	ASSERT_STREQ(o->path, p[3], "equal: path");
	ASSERT_EQ(o->hdr.action, RTG_ACT_KILL, "equal: kill");
	ASSERT_EQ(o->hdr.mech, RTG_MECH_SIGKILL, "by SIGKILL");
	ASSERT_EQ(o->hdr.rule, 2, "equal: rule 2");
	ASSERT_EQ(o->hdr.flags & RTG_F_ENFORCED, RTG_F_ENFORCED, "enforced");
	ASSERT_EQ(f.self, 0, "the agent's own open is not reported");
out:
	fix_close(&f);
}

/* One program serves every open syscall this architecture has, attached
 * to each sys_exit tracepoint (agent_attach_multi()): each is reported,
 * with the flags of its own kind. */
TEST(bpf_open_syscalls)
{
	char policy[512], p[160];
	const struct rtg_open *o;
	struct fix f;
	int n = 0, fd;

	TEST_NEED_ROOT();
	if (!fix_open(&f, 0))
		goto out;
	snprintf(p, sizeof(p), "%s/f", f.dir);
	snprintf(policy, sizeof(policy),
		 "name: bpf-test\n"
		 "defaults: { exec: allow, open: allow, connect: allow }\n"
		 "rules:\n"
		 "  - name: f\n"
		 "    on: open\n"
		 "    match: { path: { equal: [%s] } }\n"
		 "    action: audit\n",
		 p);
	if (!fix_policy(&f, policy, 0, 0))
		goto out;
	f.pid = getpid(); /* the records of this process are kept */
	fd = syscall(SYS_openat, AT_FDCWD, p, O_WRONLY | O_CREAT, 0600);
	if (ASSERT_GE(fd, 0, "openat"))
		close(fd), n++;
	o = fix_wait(&f, RTG_EV_OPEN, 0);
	if (ASSERT_TRUE(o, "openat reported"))
		ASSERT_EQ(o->oflags & (O_ACCMODE | O_CREAT | O_TRUNC),
			  O_WRONLY | O_CREAT, "openat: its flags");
#ifdef SYS_creat
	fd = syscall(SYS_creat, p, 0600);
	if (ASSERT_GE(fd, 0, "creat"))
		close(fd), n++;
	o = fix_wait(&f, RTG_EV_OPEN, n - 1);
	if (ASSERT_TRUE(o, "creat reported"))
		ASSERT_EQ(o->oflags & (O_ACCMODE | O_CREAT | O_TRUNC),
			  O_WRONLY | O_CREAT | O_TRUNC, "creat: its flags");
#endif
#ifdef SYS_open
	fd = syscall(SYS_open, p, O_RDWR);
	if (ASSERT_GE(fd, 0, "open"))
		close(fd), n++;
	o = fix_wait(&f, RTG_EV_OPEN, n - 1);
	if (ASSERT_TRUE(o, "open reported"))
		ASSERT_EQ(o->oflags & (O_ACCMODE | O_CREAT | O_TRUNC), O_RDWR,
			  "open: its flags");
#endif
	{
		struct open_how how = {.flags = O_RDONLY};

		fd = syscall(SYS_openat2, AT_FDCWD, p, &how, sizeof(how));
		if (ASSERT_GE(fd, 0, "openat2"))
			close(fd), n++;
	}
	o = fix_wait(&f, RTG_EV_OPEN, n - 1);
	/* openat2: O_TRUNC cannot be known, assumed for a regular file */
	if (ASSERT_TRUE(o, "openat2 reported"))
		ASSERT_EQ(o->oflags & (O_ACCMODE | O_CREAT | O_TRUNC),
			  O_RDONLY | O_TRUNC, "openat2: its flags");
	ASSERT_EQ(fix_count(&f, RTG_EV_OPEN), n, "one record per open");
out:
	fix_close(&f);
}
