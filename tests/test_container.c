// SPDX-License-Identifier: GPL-2.0
/*
 * Containers: real cgroup2 directories named the way each runtime names
 * them, a process moved into each, and the container_id / pod_uid of its
 * events; `container: true` in a policy for a process in a new PID
 * namespace.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent_util.h"
#include "probe.h"
#include "test.h"
#include "workload_util.h"

#define ID64 "3f2a0c1d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"
#define POD "1b2c3d4e-5f60-4718-93a4-b5c6d7e8f90a"
#define POD_ "1b2c3d4e_5f60_4718_93a4_b5c6d7e8f90a"

static const struct {
	const char *name;
	const char *rel; /* below the cgroup2 root */
	const char *pod; /* expected pod_uid or NULL */
} layouts[] = {
	{ "docker", "rtg-test.slice/docker-" ID64 ".scope", NULL },
	{ "containerd", "rtg-test.slice/cri-containerd-" ID64 ".scope", NULL },
	{ "crio", "rtg-test.slice/crio-" ID64 ".scope", NULL },
	{ "podman", "rtg-test.slice/libpod-" ID64 ".scope", NULL },
	{ "kubepods_systemd",
	  "rtg-test.slice/kubepods-besteffort-pod" POD_
	  ".slice/cri-containerd-" ID64 ".scope",
	  POD },
	{ "kubepods_cgroupfs", "kubepods/burstable/pod" POD "/" ID64, POD },
};

/* rmdir from the leaf up to (not including) the root */
static void rmdir_up(const char *root, const char *rel)
{
	char buf[1024], *slash;

	snprintf(buf, sizeof(buf), "%s/%s", root, rel);
	while (strlen(buf) > strlen(root) + 1) {
		rmdir(buf);
		slash = strrchr(buf, '/');
		if (!slash)
			break;
		*slash = '\0';
	}
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), r;

	if (fd < 0)
		return -errno;
	r = write(fd, s, strlen(s)) < 0 ? -errno : 0;
	close(fd);
	return r;
}

TEST(container_ids_from_cgroups)
{
	struct rtg_mounts m = {};
	struct agent_run a;
	size_t i;

	TEST_NEED_ROOT();
	if (mounts_parse(RTG_MOUNTINFO, &m) || !m.cgroup2[0])
		test_skip("no cgroup2 mount");
	if (!ASSERT_OK(agent_start(&a, NULL), "agent_start"))
		return;
	for (i = 0; i < ARRAY_SIZE(layouts); i++) {
		char dir[1024], procs[1100], pid_s[32], go;
		struct test_event *ev;
		int ctl[2], status;
		pid_t pid;

		if (!test_subtest(layouts[i].name))
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", m.cgroup2, layouts[i].rel);
		if (!ASSERT_OK(mkdir_p(dir), layouts[i].rel))
			continue;
		if (pipe(ctl))
			break;
		pid = fork();
		if (pid == 0) {
			close(ctl[1]);
			if (read(ctl[0], &go, 1) != 1)
				_exit(99);
			execl("/bin/true", "true", "rtg-container-test", NULL);
			_exit(127);
		}
		close(ctl[0]);
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
		snprintf(pid_s, sizeof(pid_s), "%d", pid);
		ASSERT_OK(write_str(procs, pid_s), "move into the cgroup");
		if (write(ctl[1], "g", 1) != 1)
			break;
		close(ctl[1]);
		waitpid(pid, &status, 0);
		ev = agent_wait_event(&a, 5000,
				      EV_WHERE(EV_STR("type", "exec"),
					       EV_INT("process.pid", pid)));
		if (ASSERT_TRUE(ev, layouts[i].rel)) {
			ASSERT_STREQ(ev_str(ev, "process.container_id"), ID64,
				     layouts[i].rel);
			if (layouts[i].pod)
				ASSERT_STREQ(ev_str(ev, "process.pod_uid"), POD,
					     layouts[i].rel);
		}
		test_event_free(ev);
		rmdir_up(m.cgroup2, layouts[i].rel);
	}
	test_subtest_end();
	agent_stop(&a);
	/* a host process has neither */
	ASSERT_EQ(agent_count_events(
			  &a, EV_WHERE(EV_STR("process.comm", "test_progs"),
				       EV_HAS("process.container_id"))),
		  0, "no container_id on the host");
}

TEST(container_policy_pidns)
{
	char dir[] = "/tmp/rtg-ctr-XXXXXX", pol[64];
	struct test_event *ev;
	struct agent_run a;
	FILE *f;
	int st;

	TEST_NEED_ROOT();
	test_mkdtemp(dir);
	snprintf(pol, sizeof(pol), "%s/p.yaml", dir);
	f = fopen(pol, "w");
	fputs("name: ctr\n"
	      "defaults: { exec: allow }\n"
	      "rules:\n"
	      "  - name: in-container\n"
	      "    on: exec\n"
	      "    match: { container: true, path: { equal: [/usr/bin/true] } }\n"
	      "    action: audit\n",
	      f);
	fclose(f);
	if (!ASSERT_OK(agent_start(&a, N("--policy", pol)), "agent_start"))
		return;
	st = run_cmd((char *const[]){ "/bin/true", "rtg-host-marker", NULL },
		     NULL, 0);
	ASSERT_EQ(st, 0, "host true");
	st = run_cmd((char *const[]){ "unshare", "--pid", "--fork", "/bin/true",
				      "rtg-ctr-marker", NULL },
		     NULL, 0);
	ASSERT_EQ(st, 0, "true in a new pid namespace");
	ev = agent_wait_event(&a, 5000, EV_EXEC_MARKER("rtg-ctr-marker"));
	if (ASSERT_TRUE(ev, "exec in a pid namespace matches container: true"))
		ASSERT_STREQ(ev_str(ev, "rule"), "in-container", "rule");
	test_event_free(ev);
	/* the host exec came first: had it matched, its event would be
	 * written before the one just seen (no wait needed) */
	ASSERT_EQ(agent_count_events(&a, EV_EXEC_MARKER("rtg-host-marker")), 0,
		  "host exec does not match container: true");
	agent_stop(&a);
}

/* `container:` on open rules: the open pre-filter reads whether the opener
 * is in a container only when that decides (bpf/file.bpf.h), so each side
 * of the key is tried from each side. */
TEST(container_open_rules)
{
	char dir[] = "/tmp/rtg-ctro-XXXXXX", pol[64], fa[64], fb[64],
	     rules[512], out[64];
	struct test_event *ev;
	struct agent_run a;
	int st;

	TEST_NEED_ROOT();
	test_mkdtemp(dir);
	snprintf(pol, sizeof(pol), "%s/p.yaml", dir);
	snprintf(fa, sizeof(fa), "%s/in-ctr", dir);
	snprintf(fb, sizeof(fb), "%s/on-host", dir);
	snprintf(rules, sizeof(rules),
		 "name: ctr-open\n"
		 "defaults: { exec: allow, connect: allow }\n"
		 "rules:\n"
		 "  - name: ctr-only\n"
		 "    on: open\n"
		 "    match: { container: true, path: { equal: [%s] } }\n"
		 "    action: audit\n"
		 "  - name: host-only\n"
		 "    on: open\n"
		 "    match: { container: false, path: { equal: [%s] } }\n"
		 "    action: audit\n",
		 fa, fb);
	if (!ASSERT_OK(put_file(pol, rules), "policy") ||
	    !ASSERT_OK(put_file(fa, "a\n"), "file a") ||
	    !ASSERT_OK(put_file(fb, "b\n"), "file b") ||
	    !ASSERT_OK(agent_start(&a, N("--policy", pol)), "agent_start"))
		return;
	st = run_cmd((char *const[]){"/bin/cat", fa, fb, NULL}, out,
		     sizeof(out));
	ASSERT_EQ(st, 0, "cat on the host");
	st = run_cmd((char *const[]){"unshare", "--pid", "--fork", "/bin/cat",
				     fa, fb, NULL},
		     out, sizeof(out));
	ASSERT_EQ(st, 0, "cat in a new pid namespace");
	ev = agent_wait_event(
	    &a, 5000,
	    EV_WHERE(EV_STR("type", "open"), EV_STR("file.path", fa)));
	if (ASSERT_TRUE(ev, "open in a container matches container: true"))
		ASSERT_STREQ(ev_str(ev, "rule"), "ctr-only", "rule");
	test_event_free(ev);
	ev = agent_wait_event(
	    &a, 5000,
	    EV_WHERE(EV_STR("type", "open"), EV_STR("file.path", fb)));
	if (ASSERT_TRUE(ev, "open on the host matches container: false"))
		ASSERT_STREQ(ev_str(ev, "rule"), "host-only", "rule");
	test_event_free(ev);
	agent_stop(&a);
	/* each file was opened twice, once from each side */
	ASSERT_EQ(agent_count_events(&a, EV_WHERE(EV_STR("type", "open"),
						  EV_STR("file.path", fa))),
		  1, "the host's open of the container-only file is not one");
	ASSERT_EQ(agent_count_events(&a, EV_WHERE(EV_STR("type", "open"),
						  EV_STR("file.path", fb))),
		  1, "the container's open of the host-only file is not one");
}
