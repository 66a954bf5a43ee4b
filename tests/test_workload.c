// SPDX-License-Identifier: GPL-2.0
/*
 * Workload identity (user/lib/workload*.c): each runtime's files as
 * fixtures in a temp dir passed as the roots, and the cache (no reread,
 * forget, bounded, pruned of cgroups gone). Untrusted files are
 * test_workload_malformed.c, real podman containers test_workload_podman.c.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent_util.h"
#include "mounts.h"
#include "proc_cache.h"
#include "test.h"
#include "workload_util.h"

/* ---- each runtime's files ---- */

TEST(workload_containerd)
{
	struct workload_cache *wc;
	const struct workload *w;
	struct workload_hint h = {};
	struct fx f;

	if (!fx_init(&f))
		return;
	fx_put(f.containerd,
	       "io.containerd.runtime.v2.task/k8s.io/" ID_A "/config.json",
	       "{'annotations':{"
	       "'io.kubernetes.cri.container-type':'container',"
	       "'io.kubernetes.cri.container-name':'web',"
	       "'io.kubernetes.cri.image-name':'registry.local/app:1.2',"
	       "'io.kubernetes.cri.sandbox-id':'" ID_S "',"
	       "'io.kubernetes.cri.sandbox-name':'web-7d9f',"
	       "'io.kubernetes.cri.sandbox-namespace':'shop',"
	       "'io.kubernetes.cri.sandbox-uid':'" UID "'}}");
	/* Docker's containers in containerd's moby namespace */
	fx_put(f.containerd,
	       "io.containerd.runtime.v2.task/moby/" ID_B "/config.json",
	       "{'ociVersion':'1.0.2'}");
	wc = workload_cache_new(&f.opts);
	if (!ASSERT_TRUE(wc, "cache"))
		goto out;
	/* through the cgroup path, as the agent has it */
	h.cgroup_path = "/kubepods.slice/kubepods-besteffort.slice/"
			"kubepods-besteffort-pod0f3e5a2c_1b4d_4e6f_8a9b_"
			"0c1d2e3f4a5b.slice/cri-containerd-" ID_A ".scope";
	w = workload_lookup(wc, 11, &h);
	if (ASSERT_TRUE(w, "containerd container")) {
		ASSERT_STREQ(w->id, ID_A, "id");
		expect_pod(w, "containerd", "web", "registry.local/app:1.2",
			   "web-7d9f", "shop", UID);
		ASSERT_STREQ(w->sandbox_id, ID_S, "sandbox id");
		ASSERT_EQ(w->nlabels, 0, "containerd keeps no labels here");
	}
	w = by_id(wc, 12, ID_B);
	if (ASSERT_TRUE(w, "moby container")) {
		ASSERT_STREQ(w->runtime, "docker", "moby is Docker's");
		ASSERT_TRUE(!w->name && !w->image && !w->pod_name,
			    "nothing else known");
	}
	workload_cache_free(wc);
out:
	fx_done(&f);
}

TEST(workload_crio)
{
	struct workload_cache *wc;
	const struct workload *w;
	struct fx f;

	if (!fx_init(&f))
		return;
	/* an app container: kubelet's labels; its pod's are on the sandbox */
	fx_oci(&f, ID_A,
	       "'io.container.manager':'cri-o',"
	       "'io.kubernetes.cri-o.ContainerType':'container',"
	       "'io.kubernetes.cri-o.SandboxID':'" ID_S "',"
	       "'io.kubernetes.cri-o.ImageName':'quay.io/shop/api:2',"
	       "'io.kubernetes.cri-o.Labels':'{^io.kubernetes.container.name^:"
	       "^api^,^io.kubernetes.pod.name^:^api-5c8d^,"
	       "^io.kubernetes.pod.namespace^:^shop^,"
	       "^io.kubernetes.pod.uid^:^" UID "^,"
	       "^team^:^payments^}'");
	fx_oci(&f, ID_S,
	       "'io.container.manager':'cri-o',"
	       "'io.kubernetes.cri-o.ContainerType':'sandbox',"
	       "'io.kubernetes.cri-o.Labels':'{^app^:^api^,"
	       "^pod-template-hash^:^5c8d^,^team^:^other^,"
	       "^io.kubernetes.pod.name^:^api-5c8d^}'");
	/* the run root holds a copy on CRI-O: found there too */
	fx_put(f.runroot, "overlay-containers/" ID_B "/userdata/config.json",
	       "{'annotations':{'io.container.manager':'cri-o',"
	       "'io.kubernetes.pod.name':'db-0',"
	       "'io.kubernetes.pod.namespace':'data',"
	       "'io.kubernetes.pod.uid':'" UID "',"
	       "'io.kubernetes.container.name':'db'}}");
	wc = workload_cache_new(&f.opts);
	if (!ASSERT_TRUE(wc, "cache"))
		goto out;
	w = by_id(wc, 21, ID_A);
	if (ASSERT_TRUE(w, "CRI-O container")) {
		expect_pod(w, "cri-o", "api", "quay.io/shop/api:2", "api-5c8d",
			   "shop", UID);
		ASSERT_EQ(w->nlabels, 3, "team, app, pod-template-hash");
		ASSERT_STREQ(label(w, "team"), "payments", "own label first");
		ASSERT_STREQ(label(w, "app"), "api", "sandbox's label");
		ASSERT_STREQ(label(w, "pod-template-hash"), "5c8d", "hash");
		ASSERT_TRUE(!label(w, "io.kubernetes.pod.name"),
			    "kubelet's labels are not pod labels");
	}
	w = by_id(wc, 22, ID_B);
	if (ASSERT_TRUE(w, "CRI-O container under the run root")) {
		ASSERT_STREQ(w->runtime, "cri-o", "runtime");
		ASSERT_STREQ(w->name, "db", "name");
		ASSERT_STREQ(w->pod_name, "db-0", "pod");
		ASSERT_STREQ(w->pod_namespace, "data", "namespace");
		ASSERT_TRUE(!w->image, "no image recorded: unknown");
	}
	workload_cache_free(wc);
out:
	fx_done(&f);
}

TEST(workload_docker)
{
	struct workload_cache *wc;
	const struct workload *w;
	struct fx f;

	if (!fx_init(&f))
		return;
	fx_put(f.docker, "containers/" ID_A "/config.v2.json",
	       "{'ID':'" ID_A "','Name':'/web-1',"
	       "'Config':{'Image':'nginx:1.25','Labels':"
	       "{'maintainer':'NGINX'}}}");
	/* cri-dockerd: a pod's container and its sandbox */
	fx_put(f.docker, "containers/" ID_B "/config.v2.json",
	       "{'Name':'/k8s_api_api-5c8d_shop_" UID "_0',"
	       "'Config':{'Image':'shop/api@sha256:" IMG "',"
	       "'Labels':{'io.kubernetes.container.name':'api',"
	       "'io.kubernetes.docker.type':'container',"
	       "'io.kubernetes.pod.name':'api-5c8d',"
	       "'io.kubernetes.pod.namespace':'shop',"
	       "'io.kubernetes.pod.uid':'" UID "',"
	       "'io.kubernetes.sandbox.id':'" ID_S "',"
	       "'org.opencontainers.image.vendor':'image label'}}}");
	fx_put(f.docker, "containers/" ID_S "/config.v2.json",
	       "{'Name':'/k8s_POD_api-5c8d_shop_" UID "_0',"
	       "'Config':{'Image':'registry.k8s.io/pause:3.9',"
	       "'Labels':{'app':'api','io.kubernetes.docker.type':"
	       "'podsandbox','io.kubernetes.pod.name':'api-5c8d'}}}");
	wc = workload_cache_new(&f.opts);
	if (!ASSERT_TRUE(wc, "cache"))
		goto out;
	w = by_id(wc, 31, ID_A);
	if (ASSERT_TRUE(w, "docker container")) {
		ASSERT_STREQ(w->runtime, "docker", "runtime");
		ASSERT_STREQ(w->name, "web-1", "name without its /");
		ASSERT_STREQ(w->image, "nginx:1.25", "image");
		ASSERT_TRUE(!w->pod_name && !w->pod_uid, "no pod");
		ASSERT_EQ(w->nlabels, 0, "image labels are not pod labels");
	}
	w = by_id(wc, 32, ID_B);
	if (ASSERT_TRUE(w, "cri-dockerd container")) {
		ASSERT_STREQ(w->name, "api", "Kubernetes name first");
		ASSERT_STREQ(w->image, "shop/api@sha256:" IMG, "image");
		ASSERT_STREQ(w->pod_name, "api-5c8d", "pod name");
		ASSERT_STREQ(w->pod_namespace, "shop", "namespace");
		ASSERT_STREQ(w->pod_uid, UID, "pod uid");
		ASSERT_EQ(w->nlabels, 1, "the sandbox's app label only");
		ASSERT_STREQ(label(w, "app"), "api", "app");
	}
	workload_cache_free(wc);
out:
	fx_done(&f);
}

TEST(workload_podman_files)
{
	struct workload_cache *wc;
	const struct workload *w;
	struct fx f;

	if (!fx_init(&f))
		return;
	fx_oci(&f, ID_A, "'io.container.manager':'libpod'");
	fx_oci(&f, ID_B, "'io.container.manager':'libpod'");
	/* metadata names the image of A; B's is found in images.json */
	fx_put(f.storage, "overlay-containers/containers.json",
	       "[{'id':'" ID_A "','names':['web'],'image':'" IMG "',"
	       "'metadata':'{^image-name^:^localhost/app:1^,"
	       "^name^:^web^}'},"
	       "{'id':'" ID_B "','names':['db','db-alias'],"
	       "'image':'" IMG "'}]");
	fx_put(f.storage, "overlay-images/images.json",
	       "[{'id':'" IMG "','names':['localhost/db:2']}]");
	wc = workload_cache_new(&f.opts);
	if (!ASSERT_TRUE(wc, "cache"))
		goto out;
	w = by_id(wc, 41, ID_A);
	if (ASSERT_TRUE(w, "A")) {
		ASSERT_STREQ(w->runtime, "podman", "runtime");
		ASSERT_STREQ(w->name, "web", "name");
		ASSERT_STREQ(w->image, "localhost/app:1", "from metadata");
	}
	w = by_id(wc, 42, ID_B);
	if (ASSERT_TRUE(w, "B")) {
		ASSERT_STREQ(w->name, "db", "first name");
		ASSERT_STREQ(w->image, "localhost/db:2", "from images.json");
		ASSERT_STREQ(w->image_id, IMG, "image id");
	}
	workload_cache_free(wc);
out:
	fx_done(&f);
}

/* ---- the cache ---- */

TEST(workload_cache)
{
	char rel[256], path[512], pidrel[64];
	struct workload_hint h = {};
	struct workload_cache *wc;
	const struct workload *w;
	struct fx f;

	if (!fx_init(&f))
		return;
	snprintf(rel, sizeof(rel), "containers/%s/config.v2.json", ID_A);
	fx_put(f.docker, rel,
	       "{\"Name\":\"/web\",\"Config\":{\"Image\":\"nginx:1\"}}");
	snprintf(path, sizeof(path), "%s/%s", f.docker, rel);
	/* a process of that container in the fake /proc */
	snprintf(pidrel, sizeof(pidrel), "4242/cgroup");
	fx_put(f.proc, pidrel,
	       "12:pids:/\n1:name=systemd:/system.slice/docker-" ID_A
	       ".scope\n0::/system.slice/docker-" ID_A ".scope\n");
	fx_put(f.proc, "4243/cgroup", "0::/user.slice/session-1.scope\n");

	wc = workload_cache_new(&f.opts);
	if (!ASSERT_TRUE(wc, "cache"))
		goto out;
	h.pid = 4242;
	w = workload_lookup(wc, 100, &h);
	if (!ASSERT_TRUE(w, "first lookup"))
		goto free;
	ASSERT_STREQ(w->name, "web", "name");
	ASSERT_OK(unlink(path) ? -errno : 0, "unlink");
	/* the second lookup is answered from the cache: no hint needed */
	w = workload_lookup(wc, 100, NULL);
	if (ASSERT_TRUE(w, "second lookup")) {
		ASSERT_STREQ(w->name, "web", "name still known");
		ASSERT_STREQ(w->image, "nginx:1", "image still known");
	}
	ASSERT_EQ(workload_cache_count(wc), 1, "one entry");

	/* the host: cached as no container */
	h.pid = 4243;
	ASSERT_TRUE(!workload_lookup(wc, 200, &h), "host");
	ASSERT_EQ(workload_cache_count(wc), 2, "host cached");
	/* nothing to go by (pid gone): not cached */
	h.pid = 999999;
	ASSERT_TRUE(!workload_lookup(wc, 300, &h), "unknown");
	ASSERT_TRUE(!workload_lookup(wc, 0, &h), "cgroup id 0");
	ASSERT_EQ(workload_cache_count(wc), 2, "not cached");

	workload_forget(wc, 100);
	workload_forget(wc, 12345); /* unknown: no-op */
	ASSERT_EQ(workload_cache_count(wc), 1, "forgotten");
	h.pid = 4242;
	w = workload_lookup(wc, 100, &h);
	if (ASSERT_TRUE(w, "after forget")) {
		ASSERT_STREQ(w->id, ID_A, "id from the cgroup");
		ASSERT_TRUE(!w->name && !w->runtime, "file gone, data gone");
	}
free:
	workload_cache_free(wc);
out:
	fx_done(&f);
}

TEST(workload_cache_bounded)
{
	struct workload_opts o = {.docker_root = "",
				  .containerd_root = "",
				  .storage_root = "",
				  .storage_runroot = "",
				  .max_entries = 8};
	struct workload_hint h = {.container_id = ID_A};
	struct workload_cache *wc = workload_cache_new(&o);
	uint64_t i;

	if (!ASSERT_TRUE(wc, "cache"))
		return;
	for (i = 1; i <= 100; i++)
		ASSERT_TRUE(workload_lookup(wc, i, &h), "lookup");
	ASSERT_TRUE(workload_cache_count(wc) <= 8, "bounded");
	workload_cache_free(wc);
}

static bool odd_gone(uint64_t cgroup_id, void *arg)
{
	(*(int *)arg)++;
	return cgroup_id & 1;
}

/* Cgroups gone without a record are pruned; a real cgroup2 directory
 * tells whether its id still exists. */
TEST(workload_cache_prune)
{
	struct workload_opts o = {.docker_root = "",
				  .containerd_root = "",
				  .storage_root = "",
				  .storage_runroot = ""};
	struct proc_cache_opts po = {};
	struct workload_cache *wc = workload_cache_new(&o);
	struct rtg_mounts m = {};
	struct proc_cache *pc = NULL;
	char dir[PATH_MAX];
	struct stat st;
	uint64_t i;
	int asked = 0;

	if (!ASSERT_TRUE(wc, "cache"))
		return;
	for (i = 1; i <= 10; i++)
		by_id(wc, i, ID_A);
	ASSERT_EQ(workload_cache_prune(wc, odd_gone, &asked), 5, "pruned");
	ASSERT_EQ(asked, 10, "every cgroup asked");
	ASSERT_EQ(workload_cache_count(wc), 5, "the others stay");
	ASSERT_TRUE(by_id(wc, 2, NULL) && !by_id(wc, 3, NULL),
		    "the even ones stay");
	workload_cache_free(wc);

	if (geteuid() || mounts_parse(RTG_MOUNTINFO, &m) || !m.cgroup2[0])
		test_skip("needs root and a cgroup2 mount");
	po.cgroup2_root = m.cgroup2;
	pc = proc_cache_new(&po);
	snprintf(dir, sizeof(dir), "%s/rtg-wl-prune-%d", m.cgroup2, getpid());
	if (!ASSERT_TRUE(pc, "proc cache") ||
	    !ASSERT_OK(mkdir(dir, 0755) ? -errno : 0, dir) ||
	    !ASSERT_OK(stat(dir, &st) ? -errno : 0, "stat"))
		goto out;
	ASSERT_TRUE(!proc_cache_cgroup_gone(pc, st.st_ino), "it exists");
	rmdir(dir);
	ASSERT_TRUE(proc_cache_cgroup_gone(pc, st.st_ino), "gone");
	ASSERT_TRUE(!proc_cache_cgroup_gone(pc, 0), "id 0: cannot tell");
out:
	rmdir(dir);
	proc_cache_free(pc);
}
