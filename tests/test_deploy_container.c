// SPDX-License-Identifier: GPL-2.0
/*
 * The agent in a real container, as the DaemonSet runs it: the image of
 * deploy/Dockerfile.local built offline with podman (`make image`), run
 * with the DaemonSet's settings read from deploy/kubernetes/daemonset.yaml
 * (host PID namespace, its capability set, its host mounts, a read-only
 * root, /tmp in memory). It must see another container's exec and open
 * with that container's names. The socket directory and the policies are
 * the test's own (a host agent may be using /run/rtguard). Skips, saying
 * why, where podman cannot run containers.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent_util.h"
#include "deploy_util.h"
#include "podman_util.h"
#include "test.h"

#define MAX_ARGS 96

struct argv_buf {
	const char *v[MAX_ARGS];
	char store[MAX_ARGS][600];
	int n;
};

static void add(struct argv_buf *a, const char *fmt, const char *s1,
		const char *s2)
{
	if (a->n >= MAX_ARGS - 1)
		return;
	snprintf(a->store[a->n], sizeof(a->store[a->n]), fmt, s1 ?: "",
		 s2 ?: "");
	a->v[a->n] = a->store[a->n];
	a->n++;
}

/*
 * The `podman run` options of the DaemonSet's pod: hostPID, capabilities,
 * security options and every hostPath mount (the socket directory and the
 * ConfigMap replaced by the test's dirs). false when the manifest lacks
 * what the test reads.
 */
static bool ds_options(struct argv_buf *a, const char *sockdir,
		       const char *poldir, const char *emptydir)
{
	yaml_node_t *pod, *c, *sc, *caps, *mounts, *m, *v, *vols;
	const char *path, *mp, *ro, *name;
	yaml_document_t *d;
	struct ydocs y;
	char capl[256] = "";
	bool ok = false;
	int i;

	if (!load_ds(&y))
		return false;
	d = ydoc_kind(&y, "DaemonSet");
	pod = d ? yget(d, YROOT(d), "spec", "template", "spec", NULL) : NULL;
	c = pod ? yitem(d, ykey(d, pod, "containers"), 0) : NULL;
	if (!ASSERT_TRUE(c, "the DaemonSet's container"))
		goto out;
	if (!strcmp(ystr(ykey(d, pod, "hostPID")) ?: "", "true"))
		add(a, "--pid=host", NULL, NULL);
	sc = ykey(d, c, "securityContext");
	caps = yget(d, sc, "capabilities", "add", NULL);
	add(a, "--cap-drop=all", NULL, NULL);
	for (i = 0; i < ylen(caps); i++)
		snprintf(capl + strlen(capl), sizeof(capl) - strlen(capl),
			 "%s%s", i ? "," : "", ystr(yitem(d, caps, i)));
	if (!ASSERT_TRUE(capl[0], "capabilities.add"))
		goto out;
	add(a, "--cap-add=%s", capl, NULL);
	if (!strcmp(ystr(ykey(d, sc, "readOnlyRootFilesystem")) ?: "", "true"))
		add(a, "--read-only", NULL, NULL);
	if (!strcmp(ystr(yget(d, sc, "appArmorProfile", "type", NULL)) ?: "",
		    "Unconfined"))
		add(a, "--security-opt=apparmor=unconfined", NULL, NULL);
	mounts = ykey(d, c, "volumeMounts");
	vols = ykey(d, pod, "volumes");
	for (i = 0; i < ylen(mounts); i++) {
		m = yitem(d, mounts, i);
		mp = ystr(ykey(d, m, "mountPath"));
		ro = ystr(ykey(d, m, "readOnly"));
		name = ystr(ykey(d, m, "name"));
		v = yfind(d, vols, "name", name);
		path = ystr(yget(d, v, "hostPath", "path", NULL));
		if (!mp)
			continue;
		if (mp && !strcmp(mp, "/run/rtguard"))
			path = sockdir;
		else if (ykey(d, v, "configMap"))
			path = poldir;
		else if (ykey(d, v, "emptyDir")) {
			add(a, "--tmpfs=%s", mp, NULL);
			continue;
		}
		if (!ASSERT_TRUE(path, mp))
			goto out;
		/* a runtime this host does not run: an empty folder, as
		 * DirectoryOrCreate gives, without making it on the host */
		if (access(path, F_OK))
			path = emptydir;
		add(a, "--volume=%s:%s", path, mp);
		if (ro && !strcmp(ro, "true"))
			strcat(a->store[a->n - 1], ":ro");
	}
	ok = true;
out:
	ydocs_free(&y);
	return ok;
}

/* The agent container's stderr (podman logs), malloc'd. */
static char *agent_logs(const char *name)
{
	char cmd[256], *out = calloc(1, 1 << 16);

	snprintf(cmd, sizeof(cmd), "timeout 30 podman logs %s 2>&1", name);
	if (out)
		sh(cmd, out, 1 << 16);
	return out;
}

static bool logs_say(const char *name, const char *what)
{
	char *l = agent_logs(name);
	bool yes = l && strstr(l, what);

	free(l);
	return yes;
}

static const char policy[] =
    "name: node-baseline\n"
    "defaults: { exec: audit, open: allow, connect: audit }\n"
    "rules:\n"
    "  - name: system-file-writes\n"
    "    on: open\n"
    "    match:\n"
    "      path: { prefix: [/etc/] }\n"
    "      flags: [write, create, truncate]\n"
    "    action: audit\n";

/* a policy scoped to the pod's namespace: its reads of the secret are
 * denied, the host's are not (%d: the test's pid) */
static const char scoped_policy[] =
    "name: shop-secrets\n"
    "selector: { namespace: [shop] }\n"
    "rules:\n"
    "  - name: secret-reads\n"
    "    on: open\n"
    "    match: { path: { equal: [/tmp/rtgwd-sec-%d] }, flags: [read] }\n"
    "    action: deny\n";

TEST_T(deploy_daemonset_in_podman, 300)
{
	char dir[] = "/tmp/rtg-dsctr-XXXXXX", sockdir[64], poldir[64],
	     outdir[64], emptydir[64], file[128], image[96], agent[64],
	     target[64], id[65], cmd[512], out[2048], pin[96], marker[64],
	     sec[64];
	const char *why;
	struct test_event *ev = NULL;
	struct argv_buf a = {};
	char *logs;
	int st;

	TEST_NEED_ROOT();
	why = podman_image();
	if (why)
		test_skip("podman cannot run containers here: %s", why);
	if (!ASSERT_TRUE(test_mkdtemp(dir), "mkdtemp"))
		return;
	snprintf(sockdir, sizeof(sockdir), "%s/run", dir);
	snprintf(poldir, sizeof(poldir), "%s/policies", dir);
	snprintf(outdir, sizeof(outdir), "%s/out", dir);
	snprintf(emptydir, sizeof(emptydir), "%s/empty", dir);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s %s %s %s", sockdir, poldir,
		 outdir, emptydir);
	sh(cmd, NULL, 0);
	snprintf(file, sizeof(file), "%s/node-baseline.yaml", poldir);
	ASSERT_OK(put_file(file, policy), "policy");
	snprintf(sec, sizeof(sec), "/tmp/rtgwd-sec-%d", getpid());
	test_scratch(sec);
	snprintf(file, sizeof(file), "%s/shop-secrets.yaml", poldir);
	snprintf(cmd, sizeof(cmd), scoped_policy, getpid());
	ASSERT_OK(put_file(file, cmd), "scoped policy");
	snprintf(image, sizeof(image), "localhost/rtg-test-agent:%d", getpid());
	snprintf(agent, sizeof(agent), "rtgwd-agent-%d", getpid());
	snprintf(target, sizeof(target), "rtgwd-web-%d", getpid());
	snprintf(pin, sizeof(pin), "/sys/fs/bpf/rtg-test-ctr-%d", getpid());
	snprintf(marker, sizeof(marker), "/etc/rtgwd-%d", getpid());

	/* the image, offline, from the static binary */
	snprintf(cmd, sizeof(cmd), "make -s image IMAGE=%s 2>&1", image);
	if (!ASSERT_OK(sh(cmd, out, sizeof(out)), out))
		goto out;
	/* the host's bpffs, tracefs and securityfs, which the DaemonSet
	 * mounts from the node: the probe mounts any that is missing */
	snprintf(cmd, sizeof(cmd), "%s probe >/dev/null 2>&1",
		 test_rtguard_bin());
	sh(cmd, NULL, 0);

	add(&a, "timeout", NULL, NULL);
	add(&a, "60", NULL, NULL);
	add(&a, "podman", NULL, NULL);
	add(&a, "--runtime=/usr/sbin/runc", NULL, NULL);
	add(&a, "--cgroup-manager=cgroupfs", NULL, NULL);
	add(&a, "run", NULL, NULL);
	add(&a, "-d", NULL, NULL);
	add(&a, "--name=%s", agent, NULL);
	add(&a, "--network=none", NULL, NULL);
	add(&a, "--ulimit=nofile=1024:1024", NULL, NULL);
	add(&a, "--ulimit=nproc=1024:1024", NULL, NULL);
	if (!ds_options(&a, sockdir, poldir, emptydir))
		goto out;
	add(&a, "--volume=%s:/out", outdir, NULL);
	add(&a, "%s", image, NULL);
	add(&a, "--policy=/etc/rtguard/policies", NULL, NULL);
	add(&a, "--output=json", NULL, NULL);
	add(&a, "--output-file=/out/events.json", NULL, NULL);
	add(&a, "--pin-dir=%s", pin, NULL);
	add(&a, "--socket=none", NULL, NULL);
	add(&a, "--ancestors=2", NULL, NULL);
	a.v[a.n] = NULL;
	st = run_cmd((char *const *)a.v, out, sizeof(out));
	if (!ASSERT_TRUE(WIFEXITED(st) && !WEXITSTATUS(st), out))
		goto out;
	if (!ASSERT_TRUE(
		wait_until(logs_say(agent, "rtguard: info: running"), 30000),
		"the agent runs in its container")) {
		logs = agent_logs(agent);
		fprintf(stderr, "%s\n", logs ?: "");
		free(logs);
		goto out;
	}

	/* another container, a pod's stand-in: an exec and an open */
	snprintf(cmd, sizeof(cmd),
		 "echo x > %s; cat /proc/self/cgroup "
		 ">/dev/null; echo s > %s; sh -c 'cat %s' >/dev/null; "
		 "sleep 30",
		 marker, sec, sec);
	if (!ASSERT_TRUE(
		podman_run_cmd(
		    target,
		    N("--annotation", "io.kubernetes.cri.container-name=web",
		      "--annotation", "io.kubernetes.cri.sandbox-name=web-7d9f",
		      "--annotation",
		      "io.kubernetes.cri.sandbox-namespace=shop"),
		    N("/bin/sh", "-c", cmd), out, sizeof(out)),
		out) ||
	    !ASSERT_TRUE(podman_id(target, id), "target id"))
		goto out;
	snprintf(file, sizeof(file), "%s/events.json", outdir);
	ASSERT_TRUE(
	    wait_until(
		events_has(file, EV_WHERE(EV_STR("type", "exec"),
					  EV_STR("process.args[0]", "cat"),
					  EV_STR("process.container.id", id))),
		15000),
	    "the exec in the other container");
	ev = events_find(file,
			 EV_WHERE(EV_STR("type", "exec"),
				  EV_STR("process.args[0]", "cat"),
				  EV_STR("process.container.id", id)),
			 NULL);
	if (ev) {
		if (test_verbose)
			fprintf(stderr, "%s\n", ev->line);
		ASSERT_STREQ(ev_str(ev, "process.container.name"), "web",
			     "exec: container.name");
		ASSERT_STREQ(ev_str(ev, "process.pod.namespace"), "shop",
			     "exec: pod.namespace");
		ASSERT_STREQ(ev_str(ev, "process.pod.name"), "web-7d9f",
			     "exec: pod.name");
		ASSERT_STREQ(ev_str(ev, "process.container.runtime"), "podman",
			     "exec: runtime");
		ASSERT_TRUE(ev_str(ev, "parent.binary"),
			    "exec: its parent's binary, from /proc");
	}
	test_event_free(ev);
	ev = NULL;
	ASSERT_TRUE(
	    wait_until(
		events_has(file,
			   EV_WHERE(EV_STR("type", "open"),
				    EV_STR("file.path", marker),
				    EV_STR("process.container.name", "web"),
				    EV_STR("process.pod.namespace", "shop"))),
		15000),
	    "the open in the other container, with its names");
	/* the scoped deny, in the pod's container only */
	ev = NULL;
	if (ASSERT_TRUE(wait_until(events_has(file,
					      EV_WHERE(EV_STR("type", "open"),
						       EV_STR("file.path", sec),
						       EV_STR("process.container.id",
							      id))),
				   15000),
			"the selector-scoped deny in the pod's container"))
		ev = events_find(file,
				 EV_WHERE(EV_STR("type", "open"),
					  EV_STR("file.path", sec)),
				 NULL);
	if (ev) {
		ASSERT_STREQ(ev_str(ev, "policy"), "shop-secrets", "policy");
		ASSERT_TRUE(ev_bool(ev, "enforced"), "enforced");
	}
	test_event_free(ev);
	ev = NULL;
	snprintf(cmd, sizeof(cmd), "echo s > %s; cat %s >/dev/null; rm -f %s",
		 sec, sec, sec);
	ASSERT_EQ(sh(cmd, NULL, 0), 0, "the host reads the secret");
	usleep(1500 * 1000);
	ev = events_find(file,
			 EV_WHERE(EV_STR("file.path", sec),
				  EV_ABSENT("process.container")),
			 NULL);
	ASSERT_TRUE(!ev, "the host's read is not the policy's");
	test_event_free(ev);
	ev = NULL;
	/* SIGTERM: drain, counters, unpin, exit 0 */
	snprintf(cmd, sizeof(cmd), "timeout 60 podman stop -t 20 %s", agent);
	sh(cmd, NULL, 0);
	snprintf(cmd, sizeof(cmd),
		 "timeout 60 podman inspect -f '{{.State.ExitCode}}' %s",
		 agent);
	if (!sh(cmd, out, sizeof(out)))
		ASSERT_EQ(atoi(out), 0, "the agent exits 0 on SIGTERM");
	ASSERT_TRUE(access(pin, F_OK), "its pins are gone");
out:
	podman_rm(target);
	podman_rm(agent);
	snprintf(cmd, sizeof(cmd),
		 "timeout 60 podman rmi -f %s >/dev/null 2>&1; rm -rf %s; "
		 "rm -rf %s",
		 image, dir, pin);
	sh(cmd, NULL, 0);
}
