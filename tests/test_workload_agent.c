// SPDX-License-Identifier: GPL-2.0
/*
 * Workloads in the agent's events, with real podman containers: the
 * `container` and `pod` of a container carrying the CRI annotations (from
 * its first event on), a plain container's podman name and image, the
 * parent and `ancestors` up to the container runtime, a malformed
 * config.json (good keys kept, bad ones left out, a warning, no crash),
 * and compact lines naming namespace/pod/container. Without podman they
 * skip, saying why.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent_util.h"
#include "podman_util.h"
#include "test.h"
#include "workload_util.h"

/* containerd's CRI annotations and CRI-O's pod labels (a JSON string:
 * podman reads --annotation as CSV, so the value is quoted and its quotes
 * doubled) */
#define POD_ANNOTATIONS                                                        \
	"--annotation", "io.kubernetes.cri.container-type=container",          \
	    "--annotation", "io.kubernetes.cri.container-name=web",            \
	    "--annotation",                                                    \
	    "io.kubernetes.cri.image-name=registry.example/shop/web:1.2",      \
	    "--annotation", "io.kubernetes.cri.sandbox-name=web-7d9f",         \
	    "--annotation", "io.kubernetes.cri.sandbox-namespace=shop",        \
	    "--annotation", "io.kubernetes.cri.sandbox-uid=" UID,              \
	    "--annotation",                                                    \
	    "\"io.kubernetes.cri-o.Labels={\"\"app\"\":\"\"web\"\"}\""

/* A container name of this test run. */
static void cname(char *buf, size_t len, const char *what)
{
	snprintf(buf, len, "rtgwa-%s-%d", what, getpid());
}

struct first {
	const char *id;
	struct test_event *ev; /* the first event of container id */
};

static void take_first(const struct test_event *e, void *arg)
{
	struct first *f = arg;

	if (!f->ev && !strcmp(ev_str(e, "process.container_id") ?: "", f->id))
		f->ev = test_event_parse(e->line);
}

/* Some ancestor's binary ends with one of the runtime's binaries. */
static bool ancestors_reach_runtime(const struct test_event *e)
{
	json_t *an = ev_get(e->root, "ancestors"), *b;
	static const char *const rt[] = {"/conmon", "/runc", "/crun",
					 "/containerd-shim-runc-v2"};
	size_t i, j, n, l;

	for (i = 0; i < json_array_size(an); i++) {
		b = json_object_get(json_array_get(an, i), "binary");
		if (!json_is_string(b))
			continue;
		n = strlen(json_string_value(b));
		for (j = 0; j < ARRAY_SIZE(rt); j++) {
			l = strlen(rt[j]);
			if (n >= l &&
			    !strcmp(json_string_value(b) + n - l, rt[j]))
				return true;
		}
	}
	return false;
}

TEST_T(workload_agent_pod, 240)
{
	char pod[64], plain[64], id[65], pid_id[65], out[1024], marker[64];
	struct test_event *ev = NULL;
	struct first first = {};
	struct agent_run a;
	json_t *an;
	int pid;

	need_podman();
	cname(pod, sizeof(pod), "pod");
	cname(plain, sizeof(plain), "plain");
	snprintf(marker, sizeof(marker), "/rtgwa-marker-%d", getpid());
	if (!ASSERT_OK(
		agent_start(&a, N("--ancestors", "3", "--socket", "none")),
		"agent_start"))
		return;

	pid = podman_run_cmd(pod, N(POD_ANNOTATIONS),
			     N("/bin/sh", "-c",
			       "cat /proc/self/cgroup >/dev/null; sleep 30",
			       marker),
			     out, sizeof(out));
	if (!pid)
		test_skip("podman cannot run containers here: %s", out);
	if (!ASSERT_TRUE(podman_id(pod, id), "container id"))
		goto out;
	ev = agent_wait_event(&a, 10000,
			      EV_WHERE(EV_STR("type", "exec"),
				       EV_STR("process.container_id", id),
				       EV_STR("process.args[0]", "cat")));
	if (!ASSERT_TRUE(ev, "exec of cat in the container"))
		goto out;
	if (test_verbose)
		fprintf(stderr, "%s\n", ev->line);
	ASSERT_STREQ(ev_str(ev, "process.container.id"), id, "container.id");
	ASSERT_STREQ(ev_str(ev, "process.container.name"), "web",
		     "container.name (Kubernetes')");
	ASSERT_STREQ(ev_str(ev, "process.container.image"),
		     "registry.example/shop/web:1.2", "container.image");
	ASSERT_STREQ(ev_str(ev, "process.container.runtime"), "podman",
		     "container.runtime");
	ASSERT_STREQ(ev_str(ev, "process.pod.name"), "web-7d9f", "pod.name");
	ASSERT_STREQ(ev_str(ev, "process.pod.namespace"), "shop",
		     "pod.namespace");
	ASSERT_STREQ(ev_str(ev, "process.pod.uid"), UID, "pod.uid");
	ASSERT_STREQ(ev_str(ev, "process.pod.labels.app"), "web",
		     "pod.labels.app");
	/* ancestry: the shell, then the runtime's monitor */
	an = ev_get(ev->root, "ancestors");
	ASSERT_TRUE(json_is_array(an) && json_array_size(an) >= 2 &&
			json_array_size(an) <= 3,
		    "ancestors: 2 to 3 of them");
	ASSERT_STREQ(ev_str(ev, "ancestors[0].binary"), "/bin/busybox",
		     "ancestors[0] is the shell");
	ASSERT_EQ(ev_int(ev, "ancestors[0].pid"), ev_int(ev, "process.ppid"),
		  "ancestors[0] is the parent");
	ASSERT_STREQ(ev_str(ev, "ancestors[0].exec_id"),
		     ev_str(ev, "parent.exec_id"), "same exec_id as parent");
	ASSERT_TRUE(ancestors_reach_runtime(ev),
		    "the chain reaches the container runtime");
	test_event_free(ev);

	/* the container's first process: its parent (the runtime's monitor,
	 * which never exec'd) has a binary */
	ev = agent_wait_event(&a, 5000,
			      EV_WHERE(EV_STR("type", "exec"),
				       EV_STR("process.container_id", id),
				       EV_STR("process.args[3]", marker)));
	if (ASSERT_TRUE(ev, "exec of the entrypoint")) {
		ASSERT_TRUE(ev_str(ev, "parent.binary"),
			    "the entrypoint's parent has a binary");
		ASSERT_TRUE(ancestors_reach_runtime(ev),
			    "entrypoint: the chain reaches the runtime");
	}
	test_event_free(ev);
	ev = NULL;

	/* the first event of the container already carries its names */
	first.id = id;
	events_each(a.out, NULL, take_first, &first);
	if (ASSERT_TRUE(first.ev, "first event of the container")) {
		ASSERT_STREQ(ev_str(first.ev, "process.container.name"), "web",
			     "first event: container.name");
		ASSERT_STREQ(ev_str(first.ev, "process.pod.namespace"), "shop",
			     "first event: pod.namespace");
	}
	test_event_free(first.ev);

	/* a plain container: podman's own name and image, no pod */
	pid = podman_run(plain, NULL, out, sizeof(out));
	if (pid && podman_id(plain, pid_id)) {
		ev = agent_wait_event(
		    &a, 10000,
		    EV_WHERE(EV_STR("type", "exec"),
			     EV_STR("process.container_id", pid_id),
			     EV_STR("process.args[0]", "sleep")));
		if (ASSERT_TRUE(ev, "exec in the plain container")) {
			ASSERT_STREQ(ev_str(ev, "process.container.name"),
				     plain, "podman's name");
			ASSERT_STREQ(ev_str(ev, "process.container.image"),
				     PODMAN_IMAGE, "podman's image");
			ASSERT_TRUE(!ev_get(ev->root, "process.pod"), "no pod");
		}
	} else {
		ASSERT_TRUE(false, out);
	}
out:
	test_event_free(ev);
	podman_rm(pod);
	podman_rm(plain);
	agent_stop(&a);
	ASSERT_EQ(agent_count_events(
		      &a, EV_WHERE(EV_STR("process.comm", "test_progs"),
				   EV_HAS("process.container"))),
		  0, "no container on the host");
}

/*
 * A real container whose config.json is malformed: the agent reads a
 * containers/storage root of the test's (--runtime-root), where the file
 * of the container's id is written between `podman create` and `podman
 * start` (its cgroup, and so the agent's read, comes at start).
 */
TEST_T(workload_agent_malformed, 240)
{
	char name[64], id[65], cmd[512], out[1024], rel[256], root[160];
	struct test_event *ev = NULL;
	struct agent_run a;
	struct fx f;
	char *err;

	need_podman();
	if (!fx_init(&f))
		return;
	cname(name, sizeof(name), "bad");
	snprintf(root, sizeof(root), "containers=%s", f.storage);
	if (!ASSERT_OK(
		agent_start(&a, N("--socket", "none", "--runtime-root", root,
				  "--runtime-root", "containers-run=none")),
		"agent_start"))
		goto done;
	snprintf(cmd, sizeof(cmd),
		 PODMAN
		 " create --rm --ulimit nofile=1024:1024 --ulimit "
		 "nproc=1024:1024 --network none --name %s " PODMAN_IMAGE
		 " /bin/sh -c 'cat /proc/self/cgroup >/dev/null; sleep 30'",
		 name);
	if (sh(cmd, out, sizeof(out)) || !podman_id(name, id))
		test_skip("podman cannot create containers here: %s", out);
	/* wrong types, a control character, a truncated label list: the
	 * good keys stay */
	snprintf(rel, sizeof(rel), "overlay-containers/%s/userdata/config.json",
		 id);
	fx_put(f.storage, rel,
	       "{'ociVersion':'1.0.2','annotations':{"
	       "'io.container.manager':'libpod',"
	       "'io.kubernetes.pod.name':42,"
	       "'io.kubernetes.pod.namespace':'shop',"
	       "'io.kubernetes.pod.uid':['" UID "'],"
	       "'io.kubernetes.container.name':'we\\u001bb',"
	       "'io.kubernetes.cri-o.ImageName':{'x':1},"
	       "'io.kubernetes.cri-o.Labels':'{^app^:^web^,^bad^:'}}");
	snprintf(cmd, sizeof(cmd), PODMAN " start %s", name);
	if (!ASSERT_OK(sh(cmd, out, sizeof(out)), out))
		goto out;
	ev = agent_wait_event(&a, 10000,
			      EV_WHERE(EV_STR("type", "exec"),
				       EV_STR("process.container_id", id),
				       EV_STR("process.args[0]", "cat")));
	if (ASSERT_TRUE(ev, "exec in the container")) {
		if (test_verbose)
			fprintf(stderr, "%s\n", ev->line);
		ASSERT_STREQ(ev_str(ev, "process.container.id"), id, "id");
		ASSERT_STREQ(ev_str(ev, "process.container.runtime"), "podman",
			     "good key: runtime");
		ASSERT_STREQ(ev_str(ev, "process.pod.namespace"), "shop",
			     "good key: pod.namespace");
		ASSERT_TRUE(!ev_get(ev->root, "process.pod.name") &&
				!ev_get(ev->root, "process.pod.uid") &&
				!ev_get(ev->root, "process.pod.labels") &&
				!ev_get(ev->root, "process.container.name") &&
				!ev_get(ev->root, "process.container.image"),
			    "bad keys left out");
	}
	err = agent_stderr(&a);
	ASSERT_STRCONTAINS(err, "warning", "a warning is logged");
	ASSERT_STRCONTAINS(err, "io.kubernetes.pod.name is not a string",
			   "it says which key");
	ASSERT_TRUE(err && !strchr(err, '\x1b'),
		    "no control character of the file in the log");
	free(err);
	ASSERT_OK(kill(a.pid, 0) ? -errno : 0, "the agent still runs");
out:
	test_event_free(ev);
	podman_rm(name);
	ASSERT_EQ(agent_stop(&a), 0, "clean exit");
done:
	fx_done(&f);
}

/* Compact lines name namespace/pod/container, or the container's name. */
TEST_T(workload_agent_compact, 240)
{
	char pod[64], plain[64], out[1024], want[96];
	struct agent_run a;
	int pid;

	need_podman();
	cname(pod, sizeof(pod), "cpod");
	cname(plain, sizeof(plain), "cplain");
	if (!ASSERT_OK(
		agent_start(&a, N("--output", "compact", "--socket", "none")),
		"agent_start"))
		return;
	pid = podman_run(pod, N(POD_ANNOTATIONS), out, sizeof(out));
	if (!pid)
		test_skip("podman cannot run containers here: %s", out);
	snprintf(want, sizeof(want), "sleep[%d]@shop/web-7d9f/web ", pid);
	ASSERT_TRUE(wait_until(file_contains(a.out, want), 10000), want);
	pid = podman_run(plain, NULL, out, sizeof(out));
	if (ASSERT_TRUE(pid, out)) {
		snprintf(want, sizeof(want), "sleep[%d]@%s ", pid, plain);
		ASSERT_TRUE(wait_until(file_contains(a.out, want), 10000),
			    want);
	}
	podman_rm(pod);
	podman_rm(plain);
	agent_stop(&a);
}
