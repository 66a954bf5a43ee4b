// SPDX-License-Identifier: GPL-2.0
/*
 * Workload identity (user/lib/workload.c): each runtime's files as fixtures
 * in a temp dir passed as the roots; malformed, oversized and hostile files
 * (a warning, no crash, the bad keys absent, the good ones present); the
 * cache (no reread, forget); and real podman containers, plain and carrying
 * the CRI annotations of containerd and of CRI-O (KERNELS.md recipe).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent_util.h"
#include "log.h"
#include "test.h"
#include "workload.h"

#define ID_A "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
#define ID_B "b1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
#define ID_S "c1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
#define IMG  "d1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
#define UID  "0f3e5a2c-1b4d-4e6f-8a9b-0c1d2e3f4a5b"

/* ---- fixtures ---- */

struct fx {
	char dir[64];
	char docker[128], containerd[128], storage[128], runroot[128],
		proc[128];
	struct workload_opts opts;
};

static int mkdir_p(const char *path)
{
	char buf[1024], *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return mkdir(buf, 0755) && errno != EEXIST ? -errno : 0;
}

static bool fx_init(struct fx *f)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/rtg-wl-XXXXXX");
	if (!ASSERT_TRUE(mkdtemp(f->dir), "mkdtemp"))
		return false;
	snprintf(f->docker, sizeof(f->docker), "%s/docker", f->dir);
	snprintf(f->containerd, sizeof(f->containerd), "%s/containerd",
		 f->dir);
	snprintf(f->storage, sizeof(f->storage), "%s/storage", f->dir);
	snprintf(f->runroot, sizeof(f->runroot), "%s/run-storage", f->dir);
	snprintf(f->proc, sizeof(f->proc), "%s/proc", f->dir);
	f->opts.docker_root = f->docker;
	f->opts.containerd_root = f->containerd;
	f->opts.storage_root = f->storage;
	f->opts.storage_runroot = f->runroot;
	f->opts.proc_root = f->proc;
	return true;
}

static void fx_done(struct fx *f)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", f->dir);
}

/*
 * Writes text to root/rel, creating the folders. For legible fixtures, '
 * stands for " and ^ for \" (a quote inside a JSON string that holds JSON).
 */
static bool fx_put(const char *root, const char *rel, const char *text)
{
	char path[512], *slash, *json, *o;
	const char *i;
	bool ok;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	slash = strrchr(path, '/');
	*slash = '\0';
	if (!ASSERT_OK(mkdir_p(path), path))
		return false;
	*slash = '/';
	json = malloc(2 * strlen(text) + 1);
	if (!ASSERT_TRUE(json, "malloc"))
		return false;
	for (i = text, o = json; *i; i++) {
		if (*i == '^')
			*o++ = '\\';
		*o++ = *i == '\'' || *i == '^' ? '"' : *i;
	}
	*o = '\0';
	ok = ASSERT_OK(put_file(path, json), path);
	free(json);
	return ok;
}

static bool fx_oci(struct fx *f, const char *id, const char *annotations)
{
	char rel[256], *text;
	bool ok;

	snprintf(rel, sizeof(rel), "overlay-containers/%s/userdata/config.json",
		 id);
	if (asprintf(&text, "{'ociVersion':'1.0.2','annotations':{%s}}",
		     annotations) < 0)
		return false;
	ok = fx_put(f->storage, rel, text);
	free(text);
	return ok;
}

/* stderr into a temp file while a check runs, to see the warnings */
struct capture {
	int saved;
	char path[64];
};

static void capture_start(struct capture *c)
{
	int fd;

	fflush(stderr);
	snprintf(c->path, sizeof(c->path), "/tmp/rtg-wl-log-XXXXXX");
	fd = mkstemp(c->path);
	c->saved = dup(2);
	dup2(fd, 2);
	close(fd);
}

/* The captured text (malloc'd); stderr is back. */
static char *capture_end(struct capture *c)
{
	char *text = calloc(1, 65536);
	int fd;

	fflush(stderr);
	dup2(c->saved, 2);
	close(c->saved);
	fd = open(c->path, O_RDONLY);
	if (fd >= 0 && text && read(fd, text, 65535) < 0)
		text[0] = '\0';
	if (fd >= 0)
		close(fd);
	unlink(c->path);
	if (test_verbose && text)
		fputs(text, stderr);
	return text;
}

static const char *label(const struct workload *w, const char *key)
{
	size_t i;

	for (i = 0; i < w->nlabels; i++)
		if (!strcmp(w->labels[i].key, key))
			return w->labels[i].value;
	return NULL;
}

static const struct workload *by_id(struct workload_cache *wc,
				    uint64_t cgid, const char *id)
{
	struct workload_hint h = { .container_id = id };

	return workload_lookup(wc, cgid, &h);
}

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
		ASSERT_STREQ(w->runtime, "containerd", "runtime");
		ASSERT_STREQ(w->name, "web", "name");
		ASSERT_STREQ(w->image, "registry.local/app:1.2", "image");
		ASSERT_STREQ(w->pod_name, "web-7d9f", "pod name");
		ASSERT_STREQ(w->pod_namespace, "shop", "namespace");
		ASSERT_STREQ(w->pod_uid, UID, "pod uid");
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
		ASSERT_STREQ(w->runtime, "cri-o", "runtime");
		ASSERT_STREQ(w->name, "api", "name from the Labels");
		ASSERT_STREQ(w->image, "quay.io/shop/api:2", "image");
		ASSERT_STREQ(w->pod_name, "api-5c8d", "pod name");
		ASSERT_STREQ(w->pod_namespace, "shop", "namespace");
		ASSERT_STREQ(w->pod_uid, UID, "pod uid");
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

/* ---- untrusted files ---- */

/* A big but valid JSON file: size bytes of padding inside an object. */
static bool put_huge(const char *root, const char *rel, size_t size)
{
	static const char head[] =
		"{'annotations':{'io.kubernetes.pod.name':'big'}}";
	char *text = malloc(size + 64);
	bool ok;

	if (!text)
		return false;
	memset(text, ' ', size);
	memcpy(text, head, strlen(head));
	text[size] = '\0';
	ok = fx_put(root, rel, text);
	free(text);
	return ok;
}

TEST(workload_malformed)
{
	char ids[11][65], longs[1200], rel[256], path[512], *log, *many;
	struct workload_cache *wc;
	const struct workload *w;
	struct capture cap;
	size_t i, off;
	struct fx f;

	if (!fx_init(&f))
		return;
	for (i = 0; i < 11; i++)
		snprintf(ids[i], sizeof(ids[i]), "%064zx", i + 1);
	/* 1: truncated */
	fx_oci(&f, ids[0], "'io.container.manager':'libpod'");
	snprintf(rel, sizeof(rel), "overlay-containers/%s/userdata/config.json",
		 ids[0]);
	fx_put(f.storage, rel,
	       "{'annotations':{'io.kubernetes.pod.name':'web");
	/* 2: wrong types; the good keys stay */
	fx_oci(&f, ids[1],
	       "'io.container.manager':'cri-o',"
	       "'io.kubernetes.pod.name':42,"
	       "'io.kubernetes.pod.namespace':'shop',"
	       "'io.kubernetes.pod.uid':['" UID "'],"
	       "'io.kubernetes.container.name':{'x':1},"
	       "'io.kubernetes.cri-o.ImageName':null,"
	       "'io.kubernetes.cri-o.SandboxID':'../../etc',"
	       "'io.kubernetes.cri-o.Labels':'[^app^,^web^]'");
	/* 3: labels an object instead of a JSON string */
	fx_oci(&f, ids[2],
	       "'io.kubernetes.pod.name':'p3',"
	       "'io.kubernetes.cri-o.Labels':{'app':'web'}");
	/* 4: labels a string that is not JSON; a label of the wrong type */
	fx_oci(&f, ids[3],
	       "'io.kubernetes.pod.name':'p4',"
	       "'io.kubernetes.cri-o.Labels':'{app: web'");
	/* 5: huge (5 MiB > 4 MiB) */
	snprintf(rel, sizeof(rel), "overlay-containers/%s/userdata/config.json",
		 ids[4]);
	put_huge(f.storage, rel, 5u << 20);
	/* 6: very long strings, control characters, a NUL */
	memset(longs, 'x', sizeof(longs) - 1);
	longs[sizeof(longs) - 1] = '\0';
	many = NULL;
	if (asprintf(&many,
		     "'io.kubernetes.pod.name':'%s',"
		     "'io.kubernetes.pod.namespace':'shop',"
		     "'io.kubernetes.container.name':'we\\u0001b',"
		     "'io.kubernetes.cri-o.ImageName':'a\\u0000b',"
		     "'io.kubernetes.pod.uid':'" UID "',"
		     "'io.kubernetes.cri-o.Labels':'{^app^:^web^,"
		     "^big^:^%s^,^%s^:^v^,"
		     "^n^:7,^e^:^^,"
		     "^nul\\\\u0000key^:^v^,"
		     "^nv^:^a\\\\u0000b^}'",
		     longs, longs, longs) > 0)
		fx_oci(&f, ids[5], many);
	free(many);
	/* 7: 100 labels: 64 kept */
	many = malloc(100 * 40 + 64);
	off = sprintf(many, "'io.kubernetes.cri-o.Labels':'{");
	for (i = 0; i < 100; i++)
		off += sprintf(many + off, "%s^k%zu^:^v%zu^",
			       i ? "," : "", i, i);
	sprintf(many + off, "}'");
	fx_oci(&f, ids[6], many);
	free(many);
	/* 8: the wrong shapes: annotations an array, docker's Config a
	 * string and Name a number, containers.json an object */
	fx_oci(&f, ids[7], "'io.container.manager':'libpod'");
	snprintf(rel, sizeof(rel), "overlay-containers/%s/userdata/config.json",
		 ids[7]);
	fx_put(f.storage, rel, "{'annotations':['io.kubernetes.pod.name']}");
	snprintf(path, sizeof(path), "{'id':'%s','names':['x']}", ids[7]);
	fx_put(f.storage, "overlay-containers/containers.json", path);
	snprintf(rel, sizeof(rel), "containers/%s/config.v2.json", ids[8]);
	fx_put(f.docker, rel,
	       "{'Name':7,'Config':'nginx','State':{}}");
	/* 10: a FIFO in place of config.json: no hang */
	snprintf(rel, sizeof(rel), "overlay-containers/%s/userdata", ids[9]);
	snprintf(path, sizeof(path), "%s/%s", f.storage, rel);
	mkdir_p(path);
	strcat(path, "/config.json");
	ASSERT_OK(mkfifo(path, 0600) ? -errno : 0, "mkfifo");
	/* 11: a symlink to a good file: not followed */
	snprintf(rel, sizeof(rel), "containers/%s", ids[10]);
	snprintf(path, sizeof(path), "%s/%s", f.docker, rel);
	mkdir_p(path);
	fx_put(f.dir, "elsewhere.json", "{'Name':'/linked'}");
	strcat(path, "/config.v2.json");
	snprintf(rel, sizeof(rel), "%s/elsewhere.json", f.dir);
	ASSERT_OK(symlink(rel, path) ? -errno : 0, "symlink");

	wc = workload_cache_new(&f.opts);
	if (!ASSERT_TRUE(wc, "cache"))
		goto out;

	capture_start(&cap);
	w = by_id(wc, 1, ids[0]);
	log = capture_end(&cap);
	if (ASSERT_TRUE(w, "truncated")) {
		ASSERT_STREQ(w->id, ids[0], "id still known");
		ASSERT_TRUE(!w->pod_name && !w->runtime, "nothing from it");
	}
	ASSERT_STRCONTAINS(log, "warning", "truncated: warned");
	ASSERT_STRCONTAINS(log, "not JSON", "truncated: says why");
	free(log);

	capture_start(&cap);
	w = by_id(wc, 2, ids[1]);
	log = capture_end(&cap);
	if (ASSERT_TRUE(w, "wrong types")) {
		ASSERT_STREQ(w->runtime, "cri-o", "runtime");
		ASSERT_STREQ(w->pod_namespace, "shop", "good key present");
		ASSERT_TRUE(!w->pod_name && !w->pod_uid && !w->name &&
				    !w->image,
			    "bad keys absent");
		ASSERT_EQ(w->sandbox_id[0], 0, "a path is not an id");
		ASSERT_EQ(w->nlabels, 0, "labels an array: none");
	}
	ASSERT_STRCONTAINS(log, "io.kubernetes.pod.name is not a string",
			   "wrong type warned");
	ASSERT_STRCONTAINS(log, "Labels is not an object", "labels warned");
	free(log);

	capture_start(&cap);
	w = by_id(wc, 3, ids[2]);
	log = capture_end(&cap);
	if (ASSERT_TRUE(w, "labels object")) {
		ASSERT_STREQ(w->pod_name, "p3", "good key");
		ASSERT_EQ(w->nlabels, 0, "no labels");
	}
	ASSERT_STRCONTAINS(log, "Labels is not a string", "warned");
	free(log);

	capture_start(&cap);
	w = by_id(wc, 4, ids[3]);
	log = capture_end(&cap);
	if (ASSERT_TRUE(w, "labels not JSON")) {
		ASSERT_STREQ(w->pod_name, "p4", "good key");
		ASSERT_EQ(w->nlabels, 0, "no labels");
	}
	ASSERT_STRCONTAINS(log, "Labels is not JSON", "warned");
	free(log);

	capture_start(&cap);
	w = by_id(wc, 5, ids[4]);
	log = capture_end(&cap);
	if (ASSERT_TRUE(w, "huge"))
		ASSERT_TRUE(!w->pod_name, "not read");
	ASSERT_STRCONTAINS(log, "more than", "huge: warned");
	free(log);

	capture_start(&cap);
	w = by_id(wc, 6, ids[5]);
	log = capture_end(&cap);
	if (ASSERT_TRUE(w, "long strings")) {
		ASSERT_TRUE(!w->pod_name, "too long: absent");
		ASSERT_TRUE(!w->name, "control character: absent");
		ASSERT_TRUE(!w->image, "NUL: absent");
		ASSERT_STREQ(w->pod_namespace, "shop", "good key");
		ASSERT_STREQ(w->pod_uid, UID, "good key");
		ASSERT_STREQ(label(w, "app"), "web", "good label");
		ASSERT_STREQ(label(w, "e"), "", "an empty value is a value");
		ASSERT_TRUE(!label(w, "big") && !label(w, "n") &&
				    !label(w, "nul") && !label(w, "nv"),
			    "bad labels absent");
		ASSERT_EQ(w->nlabels, 2, "two good labels");
	}
	ASSERT_STRCONTAINS(log, "longer than", "warned");
	ASSERT_STRCONTAINS(log, "control character", "warned");
	free(log);

	capture_start(&cap);
	w = by_id(wc, 7, ids[6]);
	log = capture_end(&cap);
	if (ASSERT_TRUE(w, "many labels")) {
		ASSERT_EQ(w->nlabels, WORKLOAD_LABELS_MAX, "bounded");
		ASSERT_TRUE(w->labels_truncated, "said so");
		ASSERT_STREQ(label(w, "k0"), "v0", "the first kept");
	}
	ASSERT_STRCONTAINS(log, "more than 64 labels", "warned");
	free(log);

	capture_start(&cap);
	w = by_id(wc, 8, ids[7]);
	log = capture_end(&cap);
	if (ASSERT_TRUE(w, "wrong shapes"))
		ASSERT_TRUE(!w->pod_name && !w->name, "nothing");
	ASSERT_STRCONTAINS(log, "annotations is not an object", "warned");
	ASSERT_STRCONTAINS(log, "not a JSON array", "containers.json warned");
	free(log);

	capture_start(&cap);
	w = by_id(wc, 9, ids[8]);
	log = capture_end(&cap);
	if (ASSERT_TRUE(w, "docker wrong shapes")) {
		ASSERT_STREQ(w->runtime, "docker", "found");
		ASSERT_TRUE(!w->name && !w->image, "nothing else");
	}
	ASSERT_STRCONTAINS(log, "Config is not an object", "warned");
	ASSERT_STRCONTAINS(log, "Name is not a string", "warned");
	free(log);

	capture_start(&cap);
	w = by_id(wc, 10, ids[9]);
	log = capture_end(&cap);
	if (ASSERT_TRUE(w, "FIFO"))
		ASSERT_TRUE(!w->runtime && !w->name, "nothing");
	ASSERT_STRCONTAINS(log, "not a regular file", "warned");
	free(log);

	capture_start(&cap);
	w = by_id(wc, 11, ids[10]);
	log = capture_end(&cap);
	if (ASSERT_TRUE(w, "symlink"))
		ASSERT_TRUE(!w->name, "not followed");
	ASSERT_STRCONTAINS(log, "warning", "warned");
	free(log);

	workload_cache_free(wc);
out:
	fx_done(&f);
}

/* Every parser on bytes that are not what it expects: no crash, nothing. */
TEST(workload_parse_shapes)
{
	static const char *const inputs[] = {
		"", "null", "[]", "{}", "1", "\"s\"", "[1,{},[],null]",
		"{\"annotations\":null}", "{\"Config\":{\"Labels\":null}}",
		"[{\"id\":7},{\"id\":\"" ID_A "\",\"names\":\"web\","
		"\"metadata\":\"{\\\"image-name\\\":[]}\"}]",
		"{\"a\":", "\xff\xfe{}", "{\"Name\":\"/\"}",
		"{\"annotations\":{\"x\":\"\x1b[2J\x1b]0;owned\a\"}}",
		"{\"a\":tru\x1b]0;owned\a}",
	};
	struct capture cap;
	struct workload w;
	char *log;
	size_t i;
	int fmt;

	capture_start(&cap);
	for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		for (fmt = 0; fmt < WORKLOAD_FMT_COUNT; fmt++) {
			memset(&w, 0, sizeof(w));
			memcpy(w.id, ID_A, 65);
			memcpy(w.image_id, ID_A, 65);
			workload_parse(fmt, inputs[i], strlen(inputs[i]), "t",
				       &w);
			ASSERT_TRUE(!w.name && !w.image && !w.pod_name &&
					    !w.nlabels,
				    inputs[i]);
			workload_clear(&w);
		}
	}
	log = capture_end(&cap);
	ASSERT_STRCONTAINS(log, "not JSON", "warned");
	ASSERT_TRUE(log && !strchr(log, '\x1b') && !strchr(log, '\a'),
		    "no control characters of the file in the log");
	free(log);
	ASSERT_EQ(workload_parse(WORKLOAD_FMT_COUNT, "{}", 2, "t", &w), -EINVAL,
		  "unknown format");
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
	struct workload_opts o = { .docker_root = "", .containerd_root = "",
				   .storage_root = "", .storage_runroot = "",
				   .max_entries = 8 };
	struct workload_hint h = { .container_id = ID_A };
	struct workload_cache *wc = workload_cache_new(&o);
	uint64_t i;

	if (!ASSERT_TRUE(wc, "cache"))
		return;
	for (i = 1; i <= 100; i++)
		ASSERT_TRUE(workload_lookup(wc, i, &h), "lookup");
	ASSERT_TRUE(workload_cache_count(wc) <= 8, "bounded");
	workload_cache_free(wc);
}

/* ---- real podman containers ---- */

#define PODMAN_IMAGE "localhost/rtg-busybox:1"

static int sh(const char *cmd, char *out, size_t len)
{
	char *argv[] = { "sh", "-c", (char *)cmd, NULL };
	int st = run_cmd(argv, out, len);

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The busybox image of KERNELS.md, imported once (idempotent). NULL, or
 * why podman cannot be used. */
static const char *podman_image(void)
{
	static char why[600];
	char out[512];

	if (sh("command -v podman && test -x /usr/sbin/runc", out,
	       sizeof(out)))
		return "podman or /usr/sbin/runc not installed "
		       "(scripts/deps.sh test)";
	if (!sh("timeout 60 podman image exists " PODMAN_IMAGE, NULL, 0))
		return NULL;
	if (sh("test -x /bin/busybox", NULL, 0))
		return "/bin/busybox missing (busybox-static)";
	if (sh("set -e; d=$(mktemp -d /tmp/rtg-bb-XXXXXX); "
	       "trap 'rm -rf $d' EXIT; "
	       "mkdir -p $d/r/bin $d/r/etc $d/r/tmp $d/r/proc $d/r/sys "
	       "$d/r/dev; cp /bin/busybox $d/r/bin/; "
	       "for c in sh cat ls sleep true nc; do "
	       "ln -s busybox $d/r/bin/$c; done; "
	       "tar -C $d/r -cf $d/bb.tar .; "
	       "timeout 60 podman import -q $d/bb.tar " PODMAN_IMAGE,
	       out, sizeof(out))) {
		snprintf(why, sizeof(why), "podman import failed: %s", out);
		return why;
	}
	return NULL;
}

static void podman_rm(const char *name)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd),
		 "timeout 60 podman --runtime /usr/sbin/runc --cgroup-manager "
		 "cgroupfs rm -f -t 0 %s",
		 name);
	sh(cmd, NULL, 0);
}

/*
 * Starts `sleep 30` detached in container name with the extra podman
 * arguments (NULL-ended); its pid, or 0 (out gets podman's words).
 */
static int podman_run(const char *name, const char *const *extra, char *out,
		      size_t len)
{
	const char *argv[48] = {
		"timeout", "60", "podman", "--runtime", "/usr/sbin/runc",
		"--cgroup-manager", "cgroupfs", "run", "-d", "--rm",
		"--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
		"--network", "none", "--name", name,
	};
	char cmd[256];
	int n = 18, st;

	while (extra && *extra && n < 44)
		argv[n++] = *extra++;
	argv[n++] = PODMAN_IMAGE;
	argv[n++] = "sleep";
	argv[n++] = "30";
	argv[n] = NULL;
	st = run_cmd((char *const *)argv, out, len);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		return 0;
	snprintf(cmd, sizeof(cmd),
		 "timeout 60 podman inspect -f '{{.State.Pid}}' %s", name);
	if (sh(cmd, out, len))
		return 0;
	return atoi(out);
}

/* The cgroup2 (or, on a v1-only host, the first) path of pid. */
static bool cgroup_of(int pid, char *path, size_t len)
{
	char file[64], line[1024], *p;
	bool found = false;
	FILE *f;

	snprintf(file, sizeof(file), "/proc/%d/cgroup", pid);
	f = fopen(file, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		p = strchr(line, ':');
		p = p ? strchr(p + 1, ':') : NULL;
		if (!p)
			continue;
		if (!found || !strncmp(line, "0::", 3)) {
			snprintf(path, len, "%s", p + 1);
			found = true;
		}
	}
	fclose(f);
	return found;
}

TEST_T(workload_podman, 240)
{
	char plain[64], cri[64], crio[64], out[1024], cg[1024];
	const char *why;
	const struct workload *w;
	struct workload_hint h = {};
	struct workload_cache *wc = NULL;
	int pid;

	TEST_NEED_ROOT();
	why = podman_image();
	if (why)
		test_skip("podman cannot run containers here: %s", why);
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
		h = (struct workload_hint){ .pid = pid };
		w = workload_lookup(wc, 2000 + pid, &h);
		if (ASSERT_TRUE(w, "CRI container")) {
			ASSERT_STREQ(w->runtime, "podman", "runtime");
			ASSERT_STREQ(w->name, "web", "Kubernetes name");
			ASSERT_STREQ(w->image, PODMAN_IMAGE, "image");
			ASSERT_STREQ(w->pod_name, "web-7d9f", "pod name");
			ASSERT_STREQ(w->pod_namespace, "shop", "namespace");
			ASSERT_STREQ(w->pod_uid, UID, "pod uid");
		}
	}

	/* CRI-O's annotations, with the labels as a JSON string (podman
	 * reads --annotation as CSV: the value is quoted, quotes doubled) */
	pid = podman_run(
		crio,
		N("--annotation", "io.kubernetes.pod.name=api-5c8d",
		  "--annotation", "io.kubernetes.pod.namespace=payments",
		  "--annotation", "io.kubernetes.pod.uid=" UID,
		  "--annotation", "io.kubernetes.container.name=api",
		  "--annotation",
		  "\"io.kubernetes.cri-o.Labels={\"\"app\"\":\"\"api\"\","
		  "\"\"tier\"\":\"\"backend\"\","
		  "\"\"io.kubernetes.pod.name\"\":\"\"api-5c8d\"\"}\""),
		out, sizeof(out));
	if (ASSERT_TRUE(pid, out) &&
	    ASSERT_TRUE(cgroup_of(pid, cg, sizeof(cg)), "cgroup")) {
		h = (struct workload_hint){ .cgroup_path = cg };
		w = workload_lookup(wc, 3000 + pid, &h);
		if (ASSERT_TRUE(w, "CRI-O container")) {
			ASSERT_STREQ(w->runtime, "podman", "runtime");
			ASSERT_STREQ(w->name, "api", "Kubernetes name");
			ASSERT_STREQ(w->image, PODMAN_IMAGE, "image");
			ASSERT_STREQ(w->pod_name, "api-5c8d", "pod name");
			ASSERT_STREQ(w->pod_namespace, "payments", "namespace");
			ASSERT_STREQ(w->pod_uid, UID, "pod uid");
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
