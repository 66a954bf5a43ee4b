// SPDX-License-Identifier: GPL-2.0
/*
 * Deployment (issue 5, item 6), the Kubernetes manifests: every document
 * well-formed, the DaemonSet's pod (capabilities exactly the measured set,
 * mounts, probes, args), its ConfigMap of policies valid for `rtguard
 * policy check` as the kubelet lays it out. Parsed with libyaml
 * (yaml_query.c). The unit, Dockerfile and docs: test_deploy_files.c;
 * make static and make install: test_install.c; the agent with the
 * measured capabilities: test_caps.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent_util.h"
#include "deploy_util.h"
#include "test.h"

TEST(deploy_manifests_parse)
{
	static const char *const kinds[] = { "Namespace", "ServiceAccount",
					     "ConfigMap", "DaemonSet" };
	struct ydocs y;
	size_t k;
	int i;

	if (!load_ds(&y))
		return;
	ASSERT_GE(y.n, 4, "documents in " DS_PATH);
	for (i = 0; i < y.n; i++) {
		yaml_node_t *r = YROOT(&y.d[i]);
		const char *kind = ystr(ykey(&y.d[i], r, "kind"));
		const char *ns = ystr(yget(&y.d[i], r, "metadata", "namespace",
					   NULL));

		ASSERT_TRUE(ystr(ykey(&y.d[i], r, "apiVersion")), "apiVersion");
		ASSERT_TRUE(kind, "kind");
		ASSERT_TRUE(ystr(yget(&y.d[i], r, "metadata", "name", NULL)),
			    "metadata.name");
		if (kind && strcmp(kind, "Namespace"))
			ASSERT_STREQ(ns, "rtguard", "metadata.namespace");
	}
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		ASSERT_TRUE(ydoc_kind(&y, kinds[k]), kinds[k]);
	ASSERT_STREQ(ystr(yget(ydoc_kind(&y, "Namespace"),
			       YROOT(ydoc_kind(&y, "Namespace")), "metadata",
			       "name", NULL)),
		     "rtguard", "namespace name");
	ydocs_free(&y);
}

/* The container's args as one space-separated string. */
static void check_mount(yaml_document_t *d, yaml_node_t *pod,
			yaml_node_t *mounts, const char *path, bool ro)
{
	yaml_node_t *m = yfind(d, mounts, "mountPath", path);
	yaml_node_t *vols = ykey(d, pod, "volumes"), *v;
	char what[128];

	snprintf(what, sizeof(what), "volumeMount %s", path);
	if (!ASSERT_TRUE(m, what))
		return;
	v = yfind(d, vols, "name", ystr(ykey(d, m, "name")));
	if (!ASSERT_TRUE(v, "its volume"))
		return;
	if (ro)
		ASSERT_STREQ(ystr(ykey(d, m, "readOnly")), "true", what);
	if (!strncmp(path, "/sys/", 5) || !strncmp(path, "/run/", 5) ||
	    !strncmp(path, "/var/lib/", 9))
		ASSERT_STREQ(ystr(yget(d, v, "hostPath", "path", NULL)), path,
			     "hostPath of the same path");
}

TEST(deploy_daemonset)
{
	yaml_node_t *pod, *c, *sc, *caps, *mounts, *tmpl, *n;
	const char *sa, *prop, *ape;
	char args[1024], what[128];
	yaml_document_t *d, *cm, *sad;
	struct ydocs y;
	int i, found;

	if (!load_ds(&y))
		return;
	d = ydoc_kind(&y, "DaemonSet");
	if (!ASSERT_TRUE(d, "DaemonSet"))
		goto out;
	tmpl = yget(d, YROOT(d), "spec", "template", NULL);
	pod = ykey(d, tmpl, "spec");
	ASSERT_STREQ(ystr(ykey(d, pod, "hostPID")), "true", "hostPID");
	ASSERT_STREQ(ystr(ykey(d, pod, "priorityClassName")),
		     "system-node-critical", "priorityClassName");
	ASSERT_TRUE(ystr(ykey(d, pod, "terminationGracePeriodSeconds")),
		    "terminationGracePeriodSeconds");
	ASSERT_TRUE(yfind(d, ykey(d, pod, "tolerations"), "operator", "Exists"),
		    "a toleration for every taint");
	ASSERT_STREQ(ystr(yget(d, YROOT(d), "spec", "updateStrategy", "type",
			       NULL)),
		     "RollingUpdate", "updateStrategy");
	ASSERT_STREQ(ystr(yget(d, YROOT(d), "spec", "updateStrategy",
			       "rollingUpdate", "maxUnavailable", NULL)),
		     "1", "maxUnavailable");
	n = ykey(d, tmpl, "metadata");
	ASSERT_STREQ(ystr(yget(d, n, "annotations", "prometheus.io/scrape",
			       NULL)),
		     "true", "prometheus.io/scrape");
	ASSERT_STREQ(ystr(yget(d, n, "annotations", "prometheus.io/port", NULL)),
		     "9464", "prometheus.io/port");
	sad = ydoc_kind(&y, "ServiceAccount");
	sa = sad ? ystr(yget(sad, YROOT(sad), "metadata", "name", NULL)) : NULL;
	ASSERT_STREQ(ystr(ykey(d, pod, "serviceAccountName")), sa,
		     "serviceAccountName");

	c = yitem(d, ykey(d, pod, "containers"), 0);
	if (!ASSERT_TRUE(c, "a container"))
		goto out;
	/* capabilities: exactly the measured set, everything else dropped */
	sc = ykey(d, c, "securityContext");
	ASSERT_STREQ(ystr(ykey(d, sc, "privileged")), "false", "privileged");
	caps = ykey(d, sc, "capabilities");
	ASSERT_TRUE(ylen(ykey(d, caps, "drop")) == 1 &&
			    !strcmp(ystr(yitem(d, ykey(d, caps, "drop"), 0)) ?: "",
				    "ALL"),
		    "capabilities.drop [ALL]");
	n = ykey(d, caps, "add");
	ASSERT_EQ(ylen(n), NCAPS, "number of added capabilities");
	for (i = 0; i < NCAPS; i++) {
		int j;

		for (j = 0, found = 0; j < ylen(n); j++)
			found |= !strcmp(ystr(yitem(d, n, j)) ?: "",
					 least_caps[i].k8s);
		snprintf(what, sizeof(what), "capabilities.add has %s",
			 least_caps[i].k8s);
		ASSERT_TRUE(found, what);
	}
	/* the API server rejects allowPrivilegeEscalation: false with an
	 * added SYS_ADMIN */
	ape = ystr(ykey(d, sc, "allowPrivilegeEscalation"));
	ASSERT_TRUE(!ape || strcmp(ape, "false"), "allowPrivilegeEscalation");

	mounts = ykey(d, c, "volumeMounts");
	check_mount(d, pod, mounts, "/sys/kernel/btf", true);
	check_mount(d, pod, mounts, "/sys/fs/bpf", false);
	check_mount(d, pod, mounts, "/sys/fs/cgroup", false);
	check_mount(d, pod, mounts, "/sys/kernel/tracing", false);
	check_mount(d, pod, mounts, "/run/rtguard", false);
	check_mount(d, pod, mounts, "/etc/rtguard/policies", true);
	check_mount(d, pod, mounts, "/tmp", false);
	/* the runtimes' state, read-only, for the container and pod of
	 * events (the roots the agent finds: user/lib/workload_roots.c) */
	check_mount(d, pod, mounts,
		    "/run/containerd/io.containerd.runtime.v2.task", true);
	check_mount(d, pod, mounts, "/var/lib/docker/containers", true);
	check_mount(d, pod, mounts,
		    "/var/lib/containers/storage/overlay-containers", true);
	check_mount(d, pod, mounts,
		    "/var/lib/containers/storage/overlay-images", true);
	check_mount(d, pod, mounts,
		    "/run/containers/storage/overlay-containers", true);
	/* Bidirectional propagation is admitted only for privileged pods */
	prop = ystr(ykey(d, yfind(d, mounts, "mountPath", "/sys/fs/bpf"),
			 "mountPropagation"));
	ASSERT_TRUE(prop && (!strcmp(prop, "HostToContainer") ||
			     (!strcmp(prop, "Bidirectional") &&
			      !strcmp(ystr(ykey(d, sc, "privileged")) ?: "",
				      "true"))),
		    "/sys/fs/bpf mountPropagation");
	cm = ydoc_kind(&y, "ConfigMap");
	n = yfind(d, ykey(d, pod, "volumes"), "name",
		  ystr(ykey(d, yfind(d, mounts, "mountPath",
				     "/etc/rtguard/policies"),
			    "name")));
	ASSERT_STREQ(ystr(yget(d, n, "configMap", "name", NULL)),
		     cm ? ystr(yget(cm, YROOT(cm), "metadata", "name", NULL))
			: NULL,
		     "policies come from the ConfigMap");

	/* probes on /healthz of the metrics port, served on the pod IP */
	for (i = 0; i < 2; i++) {
		const char *pk = i ? "readinessProbe" : "livenessProbe";

		n = yget(d, c, pk, "httpGet", NULL);
		ASSERT_STREQ(ystr(ykey(d, n, "path")), "/healthz", pk);
		ASSERT_TRUE(ystr(ykey(d, n, "port")) &&
				    (!strcmp(ystr(ykey(d, n, "port")), "9464") ||
				     yfind(d, ykey(d, c, "ports"), "name",
					   ystr(ykey(d, n, "port")))),
			    "probe port");
	}
	ASSERT_TRUE(yfind(d, ykey(d, c, "ports"), "containerPort", "9464"),
		    "containerPort 9464");
	join_args(d, ykey(d, c, "args"), args, sizeof(args));
	ASSERT_STRCONTAINS(args, "--policy /etc/rtguard/policies", "args");
	ASSERT_STRCONTAINS(args, "--metrics $(POD_IP):9464", "args");
	ASSERT_STRCONTAINS(args, "--metrics-allow-remote", "args");
	ASSERT_STREQ(ystr(yget(d,
			       yfind(d, ykey(d, c, "env"), "name", "POD_IP"),
			       "valueFrom", "fieldRef", "fieldPath", NULL)),
		     "status.podIP", "POD_IP from the downward API");
	for (i = 0; i < 4; i++) {
		const char *k = i < 2 ? "requests" : "limits";
		const char *r = i % 2 ? "memory" : "cpu";

		snprintf(what, sizeof(what), "resources.%s.%s", k, r);
		ASSERT_TRUE(ystr(yget(d, c, "resources", k, r, NULL)), what);
	}
out:
	ydocs_free(&y);
}

/* ConfigMap keys written the way the kubelet lays out a ConfigMap volume:
 * DIR/..TS/<key>, DIR/..data -> ..TS, DIR/<key> -> ..data/<key>.
 * Returns the number of keys, or -1. */
TEST(deploy_configmap_policies)
{
	char dir[] = "/tmp/rtg-deploy-cm-XXXXXX", out[16384], want[32];
	int n, st;

	if (!ASSERT_TRUE(test_mkdtemp(dir), "mkdtemp"))
		return;
	n = configmap_write(dir, "..2026_11_27_16_00_00.000000001", NULL, NULL);
	ASSERT_GE(n, 1, "policies in the ConfigMap");
	st = run_cmd((char *const[]){ (char *)test_rtguard_bin(), "policy",
				      "check", dir, NULL },
		     out, sizeof(out));
	if (!ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0,
			 "rtguard policy check of the ConfigMap"))
		fprintf(stderr, "%s\n", out);
	/* each key once: the ..TS directory is not read as well */
	snprintf(want, sizeof(want), "%d polic", n);
	ASSERT_STRCONTAINS(out, want, "policy count");
	run_cmd((char *const[]){ "rm", "-rf", dir, NULL }, NULL, 0);
}

