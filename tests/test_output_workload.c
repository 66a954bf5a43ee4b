// SPDX-License-Identifier: GPL-2.0
/*
 * The workload of events as output writes it (golden strings): the
 * `container` and `pod` objects beside container_id/pod_uid with each
 * unknown key left out, `ancestors` parent first, compact lines naming
 * namespace/pod/container with hostile names escaped; and where the
 * runtime roots are found (a fake system root with each runtime's
 * configuration).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent_util.h"
#include "record_util.h"
#include "test.h"
#include "workload.h"
#include "workload_util.h"

static void pod_workload(struct workload *w)
{
	static struct workload_label labels[2] = {
	    {"app", "web"},
	    {"tier", "front"},
	};

	memset(w, 0, sizeof(*w));
	memcpy(w->id, ID_A, 65);
	w->runtime = "containerd";
	w->name = "web";
	w->image = "registry.example/shop/web:1.2";
	w->pod_name = "web-7d9f";
	w->pod_namespace = "shop";
	w->pod_uid = UID;
	w->labels[0] = labels[0];
	w->labels[1] = labels[1];
	w->nlabels = 2;
}

/* cat's exec decoded in fx, its workload w the pod's (pod_workload) */
static bool fixture_cat_pod(struct fixture *fx, struct workload *w)
{
	pod_workload(w);
	if (!fixture_cat(fx))
		return false;
	fx->ev.workload = w;
	return true;
}

TEST(output_workload_json)
{
	struct rtg_ancestor an[2] = {
	    {4100, "/usr/bin/bash", ID_4100},
	    {1, NULL, ""},
	};
	struct workload w;
	struct fixture fx;
	const char *s;

	if (!fixture_cat_pod(&fx, &w))
		goto out;
	fx.ev.container_id = ID_A;
	fx.ev.pod_uid = UID;
	fx.ev.ancestors = an;
	fx.ev.nancestors = 2;
	fx.ev.ancestors_on = true;
	s = fixture_render(&fx, OUTPUT_JSON);
	ASSERT_STRCONTAINS(
	    s,
	    "\"cgroup_id\":1234,\"container_id\":\"" ID_A "\","
	    "\"pod_uid\":\"" UID "\","
	    "\"container\":{\"id\":\"" ID_A "\",\"name\":\"web\","
	    "\"image\":\"registry.example/shop/web:1.2\","
	    "\"runtime\":\"containerd\"},"
	    "\"pod\":{\"name\":\"web-7d9f\",\"namespace\":\"shop\","
	    "\"uid\":\"" UID "\",\"labels\":{\"app\":\"web\","
	    "\"tier\":\"front\"}}},",
	    "container and pod beside container_id and pod_uid");
	ASSERT_STRCONTAINS(s,
			   "\"ancestors\":[{\"pid\":4100,\"binary\":\"/usr/bin/"
			   "bash\",\"exec_id\":\"" ID_4100 "\"},{\"pid\":1}]}",
			   "ancestors after parent, unknown keys left out");
	ASSERT_EQ(py_check(s, "o['process']['pod']['labels']['tier']=='front' "
			      "and o['ancestors'][0]['pid']==4100"),
		  0, "python");

	/* only the id known: no guesses, no pod; --ancestors with nothing
	 * known still writes the array */
	memset(&w, 0, sizeof(w));
	memcpy(w.id, ID_A, 65);
	fx.ev.pod_uid = "";
	fx.ev.nancestors = 0;
	s = fixture_render(&fx, OUTPUT_JSON);
	ASSERT_STRCONTAINS(s, "\"container\":{\"id\":\"" ID_A "\"}}",
			   "id only");
	ASSERT_TRUE(!strstr(s, "\"pod\""), "no pod");
	ASSERT_STRCONTAINS(s, "\"ancestors\":[]", "empty ancestors");

	/* the host: none of it */
	fx.ev.workload = NULL;
	fx.ev.container_id = "";
	fx.ev.ancestors_on = false;
	s = fixture_render(&fx, OUTPUT_JSON);
	ASSERT_TRUE(!strstr(s, "\"container\"") && !strstr(s, "ancestors"),
		    "host: no container, no ancestors");
out:
	fixture_fini(&fx);
}

TEST(output_workload_compact)
{
	struct workload w;
	struct fixture fx;
	const char *s;

	if (!fixture_cat_pod(&fx, &w))
		goto out;
	s = fixture_render(&fx, OUTPUT_COMPACT);
	ASSERT_STREQ(s,
		     "16:00:00.123 AUDIT exec    cat[4242]@shop/web-7d9f/web "
		     "/usr/bin/cat /etc/shadow\n",
		     "namespace/pod/container");
	w.name = NULL;
	s = fixture_render(&fx, OUTPUT_COMPACT);
	ASSERT_STRCONTAINS(s, "cat[4242]@shop/web-7d9f /usr/bin/cat",
			   "no container name: namespace/pod");
	w.pod_namespace = w.pod_name = NULL;
	w.name = "rtgc2";
	s = fixture_render(&fx, OUTPUT_COMPACT);
	ASSERT_STRCONTAINS(s, "cat[4242]@rtgc2 /usr/bin/cat",
			   "outside a pod: the name");
	w.name = NULL;
	s = fixture_render(&fx, OUTPUT_COMPACT);
	ASSERT_STRCONTAINS(s, "cat[4242] /usr/bin/cat", "nothing known");
	/* a right-to-left override in a name (the files are untrusted) */
	w.name = "we\xe2\x80\xae"
		 "b";
	s = fixture_render(&fx, OUTPUT_COMPACT);
	ASSERT_STRCONTAINS(s, "cat[4242]@we\\u{202e}b ", "escaped");
out:
	fixture_fini(&fx);
}

/* where runtime root r is found below the fake system root `root`,
 * relative to it (NULL when not found, or not below root) */
static const char *root_at(enum workload_root r, const char *root, char *buf,
			   size_t len)
{
	const char *p = workload_root_detect_at(r, root, buf, len);
	size_t n = strlen(root);

	return p && !strncmp(p, root, n) ? p + n : NULL;
}

TEST(workload_roots_found)
{
	char buf[4096], rel[256];
	const char *root;
	struct fx f;
	int r;

	for (r = 0; r < WORKLOAD_NROOTS; r++)
		ASSERT_EQ(workload_root_parse(workload_root_name(r)), r,
			  workload_root_name(r));
	ASSERT_EQ(workload_root_parse("podman"), -1, "unknown name");
	if (!fx_init(&f))
		return;
	root = f.dir;
	/* nothing there: the usual places */
	ASSERT_STREQ(root_at(WORKLOAD_ROOT_DOCKER, root, buf, sizeof(buf)),
		     "/var/lib/docker", "docker default");
	/* k3s's containerd state exists: found */
	snprintf(rel, sizeof(rel), "%s/run/k3s/containerd", root);
	mkdir_p(rel);
	ASSERT_STREQ(root_at(WORKLOAD_ROOT_CONTAINERD, root, buf, sizeof(buf)),
		     "/run/k3s/containerd", "k3s found");
	/* the runtimes' configuration wins */
	fx_put(root, "etc/docker/daemon.json",
	       "{'data-root':'/srv/docker','debug':true}");
	fx_put(root, "etc/containerd/config.toml",
	       "version = 2\nroot = '/var/lib/containerd'\n"
	       "  state = '/srv/run/containerd'\n");
	fx_put(root, "etc/containers/storage.conf",
	       "[storage]\ndriver = 'overlay'\n"
	       "runroot = '/srv/run/storage'\n"
	       "graphroot = '/srv/storage' # comment\n");
	ASSERT_STREQ(root_at(WORKLOAD_ROOT_DOCKER, root, buf, sizeof(buf)),
		     "/srv/docker", "daemon.json data-root");
	ASSERT_STREQ(root_at(WORKLOAD_ROOT_CONTAINERD, root, buf, sizeof(buf)),
		     "/srv/run/containerd", "config.toml state");
	ASSERT_STREQ(root_at(WORKLOAD_ROOT_STORAGE, root, buf, sizeof(buf)),
		     "/srv/storage", "storage.conf graphroot");
	ASSERT_STREQ(root_at(WORKLOAD_ROOT_STORAGE_RUN, root, buf, sizeof(buf)),
		     "/srv/run/storage", "storage.conf runroot");
	/* a value that is not an absolute path is ignored */
	fx_put(root, "etc/docker/daemon.json", "{'data-root':'srv/x'}");
	ASSERT_STREQ(root_at(WORKLOAD_ROOT_DOCKER, root, buf, sizeof(buf)),
		     "/var/lib/docker", "relative data-root ignored");
	fx_done(&f);
}
