// SPDX-License-Identifier: GPL-2.0
/*
 * Workload identity on untrusted files: malformed, oversized and hostile
 * runtime files (a warning, no crash, the bad keys absent, the good ones
 * present), and every parser on bytes of the wrong shape.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent_util.h"
#include "test.h"
#include "workload_util.h"

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
	fx_put(f.storage, rel, "{'annotations':{'io.kubernetes.pod.name':'web");
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
		off +=
		    sprintf(many + off, "%s^k%zu^:^v%zu^", i ? "," : "", i, i);
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
	fx_put(f.docker, rel, "{'Name':7,'Config':'nginx','State':{}}");
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
	    "",
	    "null",
	    "[]",
	    "{}",
	    "1",
	    "\"s\"",
	    "[1,{},[],null]",
	    "{\"annotations\":null}",
	    "{\"Config\":{\"Labels\":null}}",
	    "[{\"id\":7},{\"id\":\"" ID_A "\",\"names\":\"web\","
	    "\"metadata\":\"{\\\"image-name\\\":[]}\"}]",
	    "{\"a\":",
	    "\xff\xfe{}",
	    "{\"Name\":\"/\"}",
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
