// SPDX-License-Identifier: GPL-2.0
/*
 * Workload identity of real podman containers (the library, without the
 * agent): plain, and carrying the CRI annotations of containerd and of
 * CRI-O, found by cgroup path and by pid.
 */
#include <stdlib.h>
#include <unistd.h>

#include "agent_util.h"
#include "podman_util.h"
#include "test.h"
#include "workload_util.h"

TEST_T(workload_podman, 240)
{
	char plain[64], cri[64], crio[64], out[1024], cg[1024];
	const struct workload *w;
	struct workload_hint h = {};
	struct workload_cache *wc = NULL;
	int pid;

	need_podman();
	snprintf(plain, sizeof(plain), "rtgw-plain-%d", getpid());
	snprintf(cri, sizeof(cri), "rtgw-cri-%d", getpid());
	snprintf(crio, sizeof(crio), "rtgw-crio-%d", getpid());

	/* a plain container: podman's own name and image */
	pid = podman_run(plain, NULL, out, sizeof(out));
	if (!pid)
		test_skip("podman cannot run containers here: %s", out);
	wc = workload_cache_new(NULL);
	if (!ASSERT_TRUE(wc, "cache"))
		goto out;
	if (ASSERT_TRUE(cgroup_of(pid, cg, sizeof(cg)), "cgroup")) {
		ASSERT_STRCONTAINS(cg, "libpod-", "podman's cgroup");
		h.cgroup_path = cg;
		w = workload_lookup(wc, 1000 + pid, &h);
		if (ASSERT_TRUE(w, "plain container")) {
			ASSERT_EQ(strlen(w->id), 64, "id");
			ASSERT_STREQ(w->runtime, "podman", "runtime");
			ASSERT_STREQ(w->name, plain, "name");
			ASSERT_STREQ(w->image, PODMAN_IMAGE, "image");
			ASSERT_TRUE(!w->pod_name && !w->pod_namespace &&
					!w->pod_uid && !w->nlabels,
				    "no pod");
		}
	}

	/* containerd's CRI annotations; found through the pid alone */
	pid = podman_run(
	    cri,
	    N("--annotation", "io.kubernetes.cri.container-type=container",
	      "--annotation", "io.kubernetes.cri.container-name=web",
	      "--annotation", "io.kubernetes.cri.image-name=" PODMAN_IMAGE,
	      "--annotation", "io.kubernetes.cri.sandbox-name=web-7d9f",
	      "--annotation", "io.kubernetes.cri.sandbox-namespace=shop",
	      "--annotation", "io.kubernetes.cri.sandbox-uid=" UID),
	    out, sizeof(out));
	if (ASSERT_TRUE(pid, out)) {
		h = (struct workload_hint){.pid = pid};
		w = workload_lookup(wc, 2000 + pid, &h);
		if (ASSERT_TRUE(w, "CRI container")) {
			expect_pod(w, "podman", "web", PODMAN_IMAGE, "web-7d9f",
				   "shop", UID);
		}
	}

	/* CRI-O's annotations, with the labels as a JSON string (podman
	 * reads --annotation as CSV: the value is quoted, quotes doubled) */
	pid = podman_run(
	    crio,
	    N("--annotation", "io.kubernetes.pod.name=api-5c8d", "--annotation",
	      "io.kubernetes.pod.namespace=payments", "--annotation",
	      "io.kubernetes.pod.uid=" UID, "--annotation",
	      "io.kubernetes.container.name=api", "--annotation",
	      "\"io.kubernetes.cri-o.Labels={\"\"app\"\":\"\"api\"\","
	      "\"\"tier\"\":\"\"backend\"\","
	      "\"\"io.kubernetes.pod.name\"\":\"\"api-5c8d\"\"}\""),
	    out, sizeof(out));
	if (ASSERT_TRUE(pid, out) &&
	    ASSERT_TRUE(cgroup_of(pid, cg, sizeof(cg)), "cgroup")) {
		h = (struct workload_hint){.cgroup_path = cg};
		w = workload_lookup(wc, 3000 + pid, &h);
		if (ASSERT_TRUE(w, "CRI-O container")) {
			expect_pod(w, "podman", "api", PODMAN_IMAGE, "api-5c8d",
				   "payments", UID);
			ASSERT_EQ(w->nlabels, 2, "app and tier");
			ASSERT_STREQ(label(w, "app"), "api", "app");
			ASSERT_STREQ(label(w, "tier"), "backend", "tier");
		}
	}
out:
	workload_cache_free(wc);
	podman_rm(plain);
	podman_rm(cri);
	podman_rm(crio);
}
