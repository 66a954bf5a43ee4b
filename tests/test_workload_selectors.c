// SPDX-License-Identifier: GPL-2.0
/*
 * Policies scoped to workloads (`selector:`), with real podman containers:
 * a selector by namespace, pod prefix, container name, image prefix and
 * label each scopes an audit and a deny to exactly its container (another
 * container and the host unaffected). The held exec path (bpf/select.bpf.h,
 * user/agent/selectors.c) and the mkdir path each keep a selector-denied
 * entrypoint from running, 20 times in a row, while another container runs
 * it. Without podman they skip, saying why.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent_util.h"
#include "podman_util.h"
#include "policy_util.h"
#include "test.h"

#define NKINDS 5
static const char *const kinds[NKINDS] = {"ns", "pod", "ctr", "img", "lab"};

/* The policy of kind k: audit and deny reads of /tmp/rtgsel-T-k-{a,d}. */
static void kind_policy(FILE *f, int t, int k)
{
	static const char *const sel[NKINDS] = {
	    "{ namespace: [ns-%d] }",
	    "{ pod: { prefix: [pod%d-] } }",
	    "{ container: { equal: [rtg-sel-ctr-%d] } }",
	    "{ image: { prefix: [registry.example/img%d/] } }",
	    "{ labels: { app: lab%d } }",
	};

	fprintf(f, "---\nname: sel-%s\nselector: ", kinds[k]);
	fprintf(f, sel[k], t);
	fprintf(f,
		"\nrules:\n"
		"  - name: %s-audit\n    on: open\n    action: audit\n"
		"    match: { path: { equal: [/tmp/rtgsel-%d-%s-a] }, flags: "
		"[read] }\n"
		"  - name: %s-deny\n    on: open\n    action: deny\n"
		"    match: { path: { equal: [/tmp/rtgsel-%d-%s-d] }, flags: "
		"[read] }\n",
		kinds[k], t, kinds[k], kinds[k], t, kinds[k]);
}

/* The podman arguments of a container that kind k (-1: none) selects:
 * CRI annotations where every other value is one nobody selects. */
static int sel_args(const char **argv, char (*buf)[128], int t, int k)
{
	int n = 0, b = 0;

#define ANN(fmt, ...)                                                          \
	do {                                                                   \
		snprintf(buf[b], 128, fmt, __VA_ARGS__);                       \
		argv[n++] = "--annotation";                                    \
		argv[n++] = buf[b++];                                          \
	} while (0)
	if (k == 2) /* podman's own name, no annotations */
		return 0;
	ANN("%s", "io.kubernetes.cri.container-type=container");
	ANN("io.kubernetes.cri.container-name=%s", "web");
	ANN("io.kubernetes.cri.image-name=registry.example/%s%d/x:1",
	    k == 3 ? "img" : "other", t);
	ANN("io.kubernetes.cri.sandbox-name=%s%d-x", k == 1 ? "pod" : "other",
	    t);
	ANN("io.kubernetes.cri.sandbox-namespace=%s-%d",
	    k == 0 ? "ns" : "other", t);
	ANN("io.kubernetes.cri.sandbox-uid=%s",
	    "0f3e5a2c-1b4d-4e6f-8a9b-0c1d2e3f4a5b");
	ANN("\"io.kubernetes.cri-o.Labels={\"\"app\"\":\"\"%s%d\"\"}\"",
	    k == 4 ? "lab" : "other", t);
#undef ANN
	return n;
}

/* The reads every container and the host do: audit then deny files of
 * every kind, each deny in its own shell (a deny kills the reader). */
static void script(char *buf, size_t len, int t)
{
	snprintf(buf, len,
		 "sleep 1; for k in ns pod ctr img lab; do "
		 "echo x > /tmp/rtgsel-%d-$k-a; echo x > /tmp/rtgsel-%d-$k-d; "
		 "done; for k in ns pod ctr img lab; do "
		 "cat /tmp/rtgsel-%d-$k-a >/dev/null; "
		 "sh -c \"cat /tmp/rtgsel-%d-$k-d\" >/dev/null; done; "
		 "echo done > /tmp/rtgsel-%d-done; sleep 30",
		 t, t, t, t, t);
}

TEST_T(workload_selectors_scope, 300)
{
	char pol[64], names[NKINDS + 1][64], ids[NKINDS + 1][65], out[1024];
	char sc[1024], path[96], ann[16][128];
	const char *argv[40];
	int t = getpid(), k, j, n, cnt;
	struct agent_run a;
	FILE *f;

	need_podman();
	snprintf(pol, sizeof(pol), "/tmp/rtgsel-%d.yaml", t);
	f = fopen(pol, "w");
	if (!ASSERT_TRUE(f, "policy file"))
		return;
	for (k = 0; k < NKINDS; k++)
		kind_policy(f, t, k);
	fclose(f);
	if (!ASSERT_OK(agent_start(&a, N("--policy", pol, "--socket", "none")),
		       "agent_start"))
		goto out_pol;
	script(sc, sizeof(sc), t);
	/* one container per kind, and one (index NKINDS) nobody selects */
	for (k = 0; k <= NKINDS; k++) {
		snprintf(names[k], sizeof(names[k]), "rtg-sel-%s-%d",
			 k < NKINDS ? kinds[k] : "other", t);
		n = sel_args(argv, ann, t, k < NKINDS ? k : -1);
		argv[n] = NULL;
		if (!podman_run_cmd(names[k], argv, N("/bin/sh", "-c", sc), out,
				    sizeof(out)))
			test_skip("podman cannot run containers here: %s", out);
		if (!ASSERT_TRUE(podman_id(names[k], ids[k]), "container id"))
			goto out;
	}
	/* the host does the same reads */
	snprintf(out, sizeof(out),
		 "for k in ns pod ctr img lab; do echo x > /tmp/rtgsel-%d-$k-a;"
		 " echo x > /tmp/rtgsel-%d-$k-d; cat /tmp/rtgsel-%d-$k-a "
		 "/tmp/rtgsel-%d-$k-d >/dev/null; done",
		 t, t, t, t);
	ASSERT_EQ(sh(out, NULL, 0), 0, "host reads");

	for (k = 0; k < NKINDS; k++) {
		struct test_event *ev;

		snprintf(path, sizeof(path), "/tmp/rtgsel-%d-%s-d", t,
			 kinds[k]);
		ev = agent_wait_event(
		    &a, 15000,
		    EV_WHERE(EV_STR("type", "open"), EV_STR("file.path", path),
			     EV_STR("process.container_id", ids[k])));
		if (ASSERT_TRUE(ev, kinds[k])) {
			snprintf(out, sizeof(out), "sel-%s", kinds[k]);
			ASSERT_STREQ(ev_str(ev, "policy"), out, "policy");
			snprintf(out, sizeof(out), "%s-deny", kinds[k]);
			ASSERT_STREQ(ev_str(ev, "rule"), out, "rule");
			ASSERT_TRUE(ev_bool(ev, "enforced"), "deny enforced");
		}
		test_event_free(ev);
	}
	usleep(500 * 1000);
	/* exactly one audit and one deny per kind, each from its container */
	for (k = 0; k < NKINDS; k++) {
		for (j = 0; j < 2; j++) {
			snprintf(path, sizeof(path), "/tmp/rtgsel-%d-%s-%c", t,
				 kinds[k], j ? 'd' : 'a');
			cnt = agent_count_events(
			    &a, EV_WHERE(EV_STR("type", "open"),
					 EV_STR("file.path", path)));
			ASSERT_EQ(cnt, 1, path);
			cnt = agent_count_events(
			    &a,
			    EV_WHERE(EV_STR("type", "open"),
				     EV_STR("file.path", path),
				     EV_STR("process.container_id", ids[k])));
			ASSERT_EQ(cnt, 1, "... from the selected container");
		}
	}
out:
	for (k = 0; k <= NKINDS; k++)
		podman_rm(names[k]);
	agent_stop(&a);
out_pol:
	unlink(pol);
	snprintf(out, sizeof(out), "rm -f /tmp/rtgsel-%d-*", t);
	sh(out, NULL, 0);
}

/*
 * A selector-denied entrypoint never runs, `runs` times in a row: it would
 * append to a marker in a bind-mounted host dir. A container the selector
 * does not pick runs the same entrypoint (the marker gets its one line).
 * held: the agent leaves every container unclassified until its first exec
 * (RTGUARD_TEST_SEL_AT_EXEC), so each entrypoint is held and decided by
 * user space; otherwise the cgroup's mkdir classifies it first.
 */
static void no_window(bool held, int runs)
{
	char dir[64], pol[96], marker[96], cmd[512], out[1024], mnt[128];
	struct agent_run a;
	int t = getpid(), i, killed = 0;
	struct stat st;
	FILE *f;

	need_podman();
	snprintf(dir, sizeof(dir), "/tmp/rtgsel-nw-%d", t);
	snprintf(pol, sizeof(pol), "%s/p.yaml", dir);
	snprintf(marker, sizeof(marker), "%s/marker", dir);
	snprintf(mnt, sizeof(mnt), "%s:/m", dir);
	if (!ASSERT_OK(mkdir(dir, 0755), "mkdir"))
		return;
	f = fopen(pol, "w");
	if (!ASSERT_TRUE(f, "policy file"))
		goto out_dir;
	fprintf(f,
		"name: no-entry\n"
		"selector: { container: { prefix: [rtg-sel-nw-%d-] } }\n"
		"rules:\n  - name: entry\n    on: exec\n"
		"    match: { path: { suffix: [/rtgsel-entry] } }\n"
		"    action: deny\n",
		t);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "printf '#!/bin/sh\\necho ran >> /m/marker\\n' > "
		 "%s/rtgsel-entry && chmod 755 %s/rtgsel-entry",
		 dir, dir);
	if (!ASSERT_EQ(sh(cmd, NULL, 0), 0, "entrypoint"))
		goto out_dir;
	if (held)
		setenv("RTGUARD_TEST_SEL_AT_EXEC", "1", 1);
	i = agent_start(&a,
			N("--policy", pol, "--socket", "none", "--verbose"));
	unsetenv("RTGUARD_TEST_SEL_AT_EXEC");
	if (!ASSERT_OK(i, "agent_start"))
		goto out_dir;
	for (i = 0; i < runs; i++) {
		snprintf(cmd, sizeof(cmd),
			 PODMAN " run --rm --ulimit nofile=1024:1024 --ulimit "
				"nproc=1024:1024 --network none -v %s "
				"--name rtg-sel-nw-%d-%d " PODMAN_IMAGE
				" /m/rtgsel-entry 2>&1",
			 mnt, t, i);
		if (sh(cmd, out, sizeof(out)) == 137)
			killed++;
		else if (strstr(out, "runc") || strstr(out, "Error"))
			test_skip("podman cannot run containers here: %s", out);
		if (!ASSERT_TRUE(stat(marker, &st), "the entrypoint never ran"))
			break;
	}
	ASSERT_EQ(killed, runs, "every run killed");
	if (held)
		ASSERT_TRUE(agent_wait_stderr(&a, ": killed", runs, 5000),
			    "every entrypoint held, then killed");
	/* another container runs it */
	snprintf(cmd, sizeof(cmd),
		 PODMAN " run --rm --ulimit nofile=1024:1024 --ulimit "
			"nproc=1024:1024 --network none -v %s "
			"--name rtg-sel-ok-%d " PODMAN_IMAGE " /m/rtgsel-entry",
		 mnt, t);
	ASSERT_EQ(sh(cmd, NULL, 0), 0, "an unselected container runs it");
	snprintf(cmd, sizeof(cmd), "wc -l < %s", marker);
	out[0] = '\0';
	sh(cmd, out, sizeof(out));
	ASSERT_EQ(atoi(out), 1, "the marker has the unselected run only");
	if (held)
		ASSERT_TRUE(agent_wait_stderr(&a, ": continued", 1, 5000),
			    "the unselected entrypoint held, then continued");
	agent_stop(&a);
out_dir:
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	sh(cmd, NULL, 0);
}

TEST_T(workload_selectors_no_window, 300)
{
	no_window(false, 20);
}

TEST_T(workload_selectors_no_window_held, 300)
{
	no_window(true, 20);
}

/* The policies of the reload test in one of three orders: the scoped
 * policy's index moves at every reload. */
static void reload_policies(const char *pol, int t, int order)
{
	static const char *const fmt[3] = {
	    "---\nname: pad\nrules:\n  - name: pad\n    on: open\n"
	    "    action: audit\n"
	    "    match: { path: { equal: [/tmp/rtgsel-%d-pad] } }\n",
	    "---\nname: sel-r\nselector: { container: { equal: "
	    "[rtg-sel-ra-%d] } }\nrules:\n  - name: r\n    on: open\n"
	    "    action: audit\n"
	    "    match: { path: { equal: [/tmp/rtgsel-%d-r] }, flags: [read] "
	    "}\n",
	    "---\nname: sel-none\nselector: { container: { equal: "
	    "[rtg-sel-nobody-%d] } }\nrules:\n  - name: none\n    on: open\n"
	    "    action: audit\n"
	    "    match: { path: { equal: [/tmp/rtgsel-%d-r] }, flags: [read] "
	    "}\n",
	};
	FILE *f = fopen(pol, "w");
	int i, p;

	if (!f)
		return;
	for (i = 0; i < 3; i++) {
		p = (i + order) % 3;
		fprintf(f, fmt[p], t, t);
	}
	fclose(f);
}

/* Reloads move the scoped policy's index; the flip of generations keeps
 * each event under the selectors of the rules that decide it: every read
 * of the selected container is audited by sel-r, none of the other's. */
TEST_T(workload_selectors_reload, 300)
{
	char pol[64], ra[64], rb[64], ida[65], idb[65], sc[256], out[1024],
	    path[64];
	struct agent_run a;
	int t = getpid(), i, all, before;

	need_podman();
	/* a directory of its own: the agent reloads on any *.yaml in it */
	snprintf(pol, sizeof(pol), "/tmp/rtgsel-rl-%d", t);
	if (!ASSERT_OK(mkdir(pol, 0755), "mkdir"))
		return;
	strcat(pol, "/p.yaml");
	snprintf(path, sizeof(path), "/tmp/rtgsel-%d-r", t);
	snprintf(ra, sizeof(ra), "rtg-sel-ra-%d", t);
	snprintf(rb, sizeof(rb), "rtg-sel-rb-%d", t);
	reload_policies(pol, t, 0);
	if (!ASSERT_OK(agent_start(&a, N("--policy", pol, "--socket", "none")),
		       "agent_start"))
		goto out_pol;
	snprintf(sc, sizeof(sc),
		 "echo x > %s; while :; do cat %s >/dev/null; sleep 0.02; done",
		 path, path);
	if (!podman_run_cmd(ra, NULL, N("/bin/sh", "-c", sc), out,
			    sizeof(out)) ||
	    !podman_run_cmd(rb, NULL, N("/bin/sh", "-c", sc), out, sizeof(out)))
		test_skip("podman cannot run containers here: %s", out);
	if (!ASSERT_TRUE(podman_id(ra, ida) && podman_id(rb, idb), "ids"))
		goto out;
	for (i = 1; i <= 6; i++) {
		before = agent_count_events(
		    &a, EV_WHERE(EV_STR("file.path", path),
				 EV_STR("process.container_id", ida)));
		reload_policies(pol, t, i % 3);
		kill(a.pid, SIGHUP);
		ASSERT_TRUE(agent_wait_stderr(&a, "policies reloaded", i, 5000),
			    "reloaded");
		usleep(300 * 1000);
		ASSERT_TRUE(agent_count_events(
				&a, EV_WHERE(EV_STR("file.path", path),
					     EV_STR("process.container_id",
						    ida))) > before,
			    "the selected container still audited");
	}
	/* the containers read on: count what a stopped agent wrote */
	podman_rm(ra);
	podman_rm(rb);
	agent_stop(&a);
	all = agent_count_events(&a, EV_WHERE(EV_STR("file.path", path)));
	ASSERT_GE(all, 6, "audits of the selected container");
	ASSERT_EQ(agent_count_events(
		      &a, EV_WHERE(EV_STR("file.path", path),
				   EV_STR("process.container_id", idb))),
		  0, "none of the other container");
	ASSERT_EQ(
	    agent_count_events(&a, EV_WHERE(EV_STR("file.path", path),
					    EV_STR("policy", "sel-none"))),
	    0, "none by the policy that selects nobody");
	ASSERT_EQ(
	    agent_count_events(&a, EV_WHERE(EV_STR("file.path", path),
					    EV_STR("process.container_id", ida),
					    EV_STR("policy", "sel-r"))),
	    all, "every one from the selected container, by sel-r");
out:
	podman_rm(ra);
	podman_rm(rb);
	agent_stop(&a);
out_pol:
	snprintf(out, sizeof(out), "rm -rf /tmp/rtgsel-%d-* /tmp/rtgsel-rl-%d",
		 t, t);
	sh(out, NULL, 0);
}

/* A container older than the agent that never execs again is classified
 * at start (the cgroup2 tree walked): its reads are audited by the policy
 * that selects it. */
TEST_T(workload_selectors_older_container, 120)
{
	char pol[64], name[64], id[65], sc[256], out[1024], path[64];
	struct test_event *ev;
	struct agent_run a;
	int t = getpid();
	FILE *f;

	need_podman();
	snprintf(pol, sizeof(pol), "/tmp/rtgsel-%d.yaml", t);
	snprintf(name, sizeof(name), "rtg-sel-old-%d", t);
	snprintf(path, sizeof(path), "/tmp/rtgsel-%d-old", t);
	f = fopen(pol, "w");
	if (!ASSERT_TRUE(f, "policy file"))
		return;
	fprintf(f,
		"name: sel-old\n"
		"selector: { container: { equal: [%s] } }\n"
		"rules:\n  - name: old\n    on: open\n    action: audit\n"
		"    match: { path: { equal: [%s] }, flags: [read] }\n",
		name, path);
	fclose(f);
	/* builtins only once it runs: no exec would classify it */
	snprintf(sc, sizeof(sc),
		 "echo x > %s; mkfifo /tmp/p; exec 3<>/tmp/p; "
		 "while :; do read l < %s; read -t 0.2 x <&3; done",
		 path, path);
	if (!podman_run_cmd(name, NULL, N("/bin/sh", "-c", sc), out,
			    sizeof(out)))
		test_skip("podman cannot run containers here: %s", out);
	if (!ASSERT_TRUE(podman_id(name, id), "id"))
		goto out_rm;
	sleep(1);
	if (!ASSERT_OK(agent_start(&a, N("--policy", pol, "--socket", "none")),
		       "agent_start"))
		goto out_rm;
	ev = agent_wait_event(&a, 10000,
			      EV_WHERE(EV_STR("type", "open"),
				       EV_STR("file.path", path),
				       EV_STR("process.container_id", id)));
	if (ASSERT_TRUE(ev, "the older container's read, audited"))
		ASSERT_STREQ(ev_str(ev, "policy"), "sel-old", "policy");
	test_event_free(ev);
	agent_stop(&a);
out_rm:
	podman_rm(name);
	unlink(pol);
}
