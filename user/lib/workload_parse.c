// SPDX-License-Identifier: GPL-2.0
/*
 * The parsers of workload identity (workload.h, workload_int.h): the JSON
 * bytes of one runtime file -> struct workload, through jansson. Every
 * value is checked (type, length, no control character); a bad one is
 * logged and left unknown, never guessed.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "log.h"
#include "workload_int.h"

/* A JSON string that holds JSON (CRI-O's Labels, storage's metadata). */
#define NESTED_JSON_MAX (64u << 10)

/* ---- values ---- */

bool workload_is_hex64(const char *s, size_t len)
{
	size_t i;

	if (len != 64)
		return false;
	for (i = 0; i < len; i++)
		if (!isdigit((unsigned char)s[i]) &&
		    !(s[i] >= 'a' && s[i] <= 'f'))
			return false;
	return true;
}

/* s[0..len) is usable as a value: bounded, no NUL or control character. */
static bool bytes_ok(const char *s, size_t len, const char *what,
		     const char *key)
{
	size_t i;

	if (len > WORKLOAD_STR_MAX) {
		log_warn("%s: %s is longer than %d bytes, ignored", what, key,
			 WORKLOAD_STR_MAX);
		return false;
	}
	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			log_warn("%s: %s holds a control character, ignored",
				 what, key);
			return false;
		}
	}
	return true;
}

/*
 * The string value of v, checked: NULL when v is absent, empty, not a
 * string, too long, or holds a NUL or a control character (all but absent
 * and empty are logged). The returned pointer is v's own.
 */
static const char *str_of(json_t *v, const char *what, const char *key)
{
	if (!v)
		return NULL;
	if (!json_is_string(v)) {
		log_warn("%s: %s is not a string, ignored", what, key);
		return NULL;
	}
	if (!json_string_length(v) ||
	    !bytes_ok(json_string_value(v), json_string_length(v), what, key))
		return NULL;
	return json_string_value(v);
}

/* *dst = a copy of the checked string v, when *dst is still unknown. */
static void set_str(char **dst, json_t *v, const char *what, const char *key)
{
	const char *s;

	if (*dst)
		return;
	s = str_of(v, what, key);
	if (s)
		*dst = strdup(s); /* on ENOMEM the key stays unknown */
}

/* The same for a 64-hex id field. */
static void set_id(char dst[65], json_t *v, const char *what, const char *key)
{
	const char *s;

	if (dst[0])
		return;
	s = str_of(v, what, key);
	if (!s)
		return;
	if (!workload_is_hex64(s, strlen(s))) {
		log_warn("%s: %s is not a 64-hex id, ignored", what, key);
		return;
	}
	memcpy(dst, s, 65);
}

static bool label_known(const struct workload *w, const char *key)
{
	size_t i;

	for (i = 0; i < w->nlabels; i++)
		if (!strcmp(w->labels[i].key, key))
			return true;
	return false;
}

/* Kubelet's bookkeeping (io.kubernetes.pod.name, …) is not a pod label. */
static bool kubelet_label(const char *key)
{
	return !strncmp(key, "io.kubernetes.", 14);
}

void workload_label_add(struct workload *w, const char *key, const char *value)
{
	struct workload_label *l;

	if (kubelet_label(key) || label_known(w, key))
		return;
	if (w->nlabels >= WORKLOAD_LABELS_MAX) {
		w->labels_truncated = true;
		return;
	}
	l = &w->labels[w->nlabels];
	l->key = strdup(key);
	l->value = strdup(value);
	if (!l->key || !l->value) {
		free(l->key);
		free(l->value);
		l->key = l->value = NULL;
		return;
	}
	w->nlabels++;
}

/* Every string:string pair of the object obj as a pod label. */
static void labels_from(struct workload *w, json_t *obj, const char *what,
			const char *key)
{
	const char *k, *v;
	size_t klen;
	json_t *jv;
	void *it;

	if (!json_is_object(obj)) {
		log_warn("%s: %s is not an object, ignored", what, key);
		return;
	}
	for (it = json_object_iter(obj); it;
	     it = json_object_iter_next(obj, it)) {
		k = json_object_iter_key(it);
		klen = json_object_iter_key_len(it);
		jv = json_object_iter_value(it);
		if (!klen || !bytes_ok(k, klen, what, "a label key"))
			continue;
		if (!json_is_string(jv)) {
			log_warn("%s: %s: %s is not a string, ignored", what,
				 key, k);
			continue;
		}
		v = json_string_value(jv);
		if (!bytes_ok(v, json_string_length(jv), what, k))
			continue;
		workload_label_add(w, k, v);
	}
	if (w->labels_truncated)
		log_warn("%s: %s: more than %d labels, the rest ignored", what,
			 key, WORKLOAD_LABELS_MAX);
}

/*
 * json_loadb() of buf. A \u0000 in one string must not cost the whole file
 * (a label of an attacker's image would hide the container's identity), but
 * jansson refuses it in keys and, by default, everywhere. Every \u0000
 * escape is made \u0001 first: a control character, which bytes_ok()
 * refuses in that value or key only. (Backslashes come in pairs before an
 * escaped character, so "\\u0000" is left alone.)
 */
static json_t *json_parse(const char *buf, size_t len, json_error_t *err)
{
	char *copy = NULL, *t;
	json_t *j;
	size_t i;

	if (memmem(buf, len, "\\u0000", 6)) {
		copy = malloc(len);
		if (!copy) {
			snprintf(err->text, sizeof(err->text), "out of memory");
			err->line = 0;
			return NULL;
		}
		memcpy(copy, buf, len);
		for (i = 0; i + 1 < len; i++) {
			if (copy[i] != '\\')
				continue;
			if (i + 5 < len && !memcmp(copy + i + 1, "u0000", 5))
				copy[i + 5] = '1';
			i++; /* the escaped character */
		}
		buf = copy;
	}
	j = json_loadb(buf, len, 0, err);
	free(copy);
	/* the message quotes the file ("near '…'"): no control characters
	 * into the log */
	if (!j)
		for (t = err->text; *t; t++)
			if ((unsigned char)*t < 0x20 || *t == 0x7f)
				*t = '?';
	return j;
}

/* A JSON document held in the string v (bounded), or NULL (logged). */
static json_t *nested_json(json_t *v, const char *what, const char *key)
{
	json_error_t err;
	json_t *j;

	if (!v)
		return NULL;
	if (!json_is_string(v)) {
		log_warn("%s: %s is not a string, ignored", what, key);
		return NULL;
	}
	if (json_string_length(v) > NESTED_JSON_MAX) {
		log_warn("%s: %s is longer than %u bytes, ignored", what, key,
			 NESTED_JSON_MAX);
		return NULL;
	}
	j = json_parse(json_string_value(v), json_string_length(v), &err);
	if (!j)
		log_warn("%s: %s is not JSON (%s), ignored", what, key,
			 err.text);
	return j;
}

static json_t *load(const char *buf, size_t len, const char *what)
{
	json_error_t err;
	json_t *j = json_parse(buf, len, &err);

	if (!j)
		log_warn("%s: not JSON (line %d: %s), ignored", what, err.line,
			 err.text);
	return j;
}

/* ---- parsers ---- */

#define ANN(k) json_object_get(ann, k), what, k

static int parse_oci(json_t *root, const char *what, struct workload *w)
{
	json_t *ann, *labels;
	const char *mgr;

	if (!json_is_object(root)) {
		log_warn("%s: not a JSON object, ignored", what);
		return -EINVAL;
	}
	ann = json_object_get(root, "annotations");
	if (!ann)
		return 0;
	if (!json_is_object(ann)) {
		log_warn("%s: annotations is not an object, ignored", what);
		return 0;
	}
	/* containerd's CRI plugin */
	set_str(&w->pod_name, ANN("io.kubernetes.cri.sandbox-name"));
	set_str(&w->pod_namespace, ANN("io.kubernetes.cri.sandbox-namespace"));
	set_str(&w->pod_uid, ANN("io.kubernetes.cri.sandbox-uid"));
	set_str(&w->name, ANN("io.kubernetes.cri.container-name"));
	set_str(&w->image, ANN("io.kubernetes.cri.image-name"));
	set_id(w->sandbox_id, ANN("io.kubernetes.cri.sandbox-id"));
	/* CRI-O: kubelet's labels first (kubelet writes the io.kubernetes.*
	 * ones last, over any a pod brings), then the annotations */
	labels = nested_json(ANN("io.kubernetes.cri-o.Labels"));
	if (labels) {
		labels_from(w, labels, what, "io.kubernetes.cri-o.Labels");
		if (json_is_object(labels)) {
			json_t *ls = labels;
#define LBL(k) json_object_get(ls, k), what, "Labels: " k
			set_str(&w->pod_name, LBL("io.kubernetes.pod.name"));
			set_str(&w->pod_namespace,
				LBL("io.kubernetes.pod.namespace"));
			set_str(&w->pod_uid, LBL("io.kubernetes.pod.uid"));
			set_str(&w->name, LBL("io.kubernetes.container.name"));
#undef LBL
		}
		json_decref(labels);
	}
	set_str(&w->pod_name, ANN("io.kubernetes.pod.name"));
	set_str(&w->pod_namespace, ANN("io.kubernetes.pod.namespace"));
	set_str(&w->pod_uid, ANN("io.kubernetes.pod.uid"));
	set_str(&w->name, ANN("io.kubernetes.container.name"));
	set_str(&w->image, ANN("io.kubernetes.cri-o.ImageName"));
	set_id(w->sandbox_id, ANN("io.kubernetes.cri-o.SandboxID"));
	/* who made it: podman and CRI-O share containers/storage */
	mgr = str_of(ANN("io.container.manager"));
	if (!w->runtime && mgr) {
		if (!strcmp(mgr, "libpod"))
			w->runtime = "podman";
		else if (!strcmp(mgr, "cri-o"))
			w->runtime = "cri-o";
	}
	return 0;
}

static int parse_docker(json_t *root, const char *what, struct workload *w)
{
	json_t *cfg, *labels = NULL, *name;
	const char *type = NULL;

	if (!json_is_object(root)) {
		log_warn("%s: not a JSON object, ignored", what);
		return -EINVAL;
	}
	cfg = json_object_get(root, "Config");
	if (cfg && !json_is_object(cfg)) {
		log_warn("%s: Config is not an object, ignored", what);
		cfg = NULL;
	}
	if (cfg) {
		labels = json_object_get(cfg, "Labels");
		if (labels && !json_is_null(labels) &&
		    !json_is_object(labels)) {
			log_warn("%s: Config.Labels is not an object, ignored",
				 what);
			labels = NULL;
		}
		if (json_is_null(labels))
			labels = NULL;
	}
	/* cri-dockerd (dockershim): Kubernetes identity in the labels */
	if (labels) {
		json_t *ls = labels;
#define LBL(k) json_object_get(ls, k), what, "Config.Labels: " k
		set_str(&w->pod_name, LBL("io.kubernetes.pod.name"));
		set_str(&w->pod_namespace, LBL("io.kubernetes.pod.namespace"));
		set_str(&w->pod_uid, LBL("io.kubernetes.pod.uid"));
		set_str(&w->name, LBL("io.kubernetes.container.name"));
		set_id(w->sandbox_id, LBL("io.kubernetes.sandbox.id"));
		type = str_of(LBL("io.kubernetes.docker.type"));
#undef LBL
		/* a sandbox carries the pod's labels; other containers carry
		 * their image's */
		if (type && !strcmp(type, "podsandbox"))
			labels_from(w, labels, what, "Config.Labels");
	}
	if (!w->name) {
		name = json_object_get(root, "Name");
		set_str(&w->name, name, what, "Name");
		/* docker keeps "/name" */
		if (w->name && w->name[0] == '/') {
			memmove(w->name, w->name + 1, strlen(w->name));
			if (!w->name[0]) {
				free(w->name);
				w->name = NULL;
			}
		}
	}
	if (cfg)
		set_str(&w->image, json_object_get(cfg, "Image"), what,
			"Config.Image");
	return 0;
}

/* The object of array root whose "id" is id, or NULL. */
static json_t *storage_entry(json_t *root, const char *id)
{
	json_t *e, *eid;
	size_t i;

	for (i = 0; i < json_array_size(root); i++) {
		e = json_array_get(root, i);
		if (!json_is_object(e))
			continue;
		eid = json_object_get(e, "id");
		if (json_is_string(eid) && !strcmp(json_string_value(eid), id))
			return e;
	}
	return NULL;
}

/* The first element of the array "names" of e, checked. */
static void set_first_name(char **dst, json_t *e, const char *what)
{
	json_t *names = json_object_get(e, "names");

	if (!names)
		return;
	if (!json_is_array(names)) {
		log_warn("%s: names is not an array, ignored", what);
		return;
	}
	set_str(dst, json_array_get(names, 0), what, "names[0]");
}

static int parse_storage_containers(json_t *root, const char *what,
				    struct workload *w)
{
	json_t *e, *meta;

	if (!json_is_array(root)) {
		log_warn("%s: not a JSON array, ignored", what);
		return -EINVAL;
	}
	if (!w->id[0] || !(e = storage_entry(root, w->id)))
		return 0;
	set_first_name(&w->name, e, what);
	set_id(w->image_id, json_object_get(e, "image"), what, "image");
	/* podman's metadata: {"image-name":…,"image-id":…,"name":…} */
	meta = nested_json(json_object_get(e, "metadata"), what, "metadata");
	if (!meta)
		return 0;
	if (json_is_object(meta)) {
		set_str(&w->image, json_object_get(meta, "image-name"), what,
			"metadata: image-name");
		set_str(&w->name, json_object_get(meta, "name"), what,
			"metadata: name");
		set_id(w->image_id, json_object_get(meta, "image-id"), what,
		       "metadata: image-id");
	} else {
		log_warn("%s: metadata is not an object, ignored", what);
	}
	json_decref(meta);
	return 0;
}

static int parse_storage_images(json_t *root, const char *what,
				struct workload *w)
{
	json_t *e;

	if (!json_is_array(root)) {
		log_warn("%s: not a JSON array, ignored", what);
		return -EINVAL;
	}
	if (w->image_id[0] && (e = storage_entry(root, w->image_id)))
		set_first_name(&w->image, e, what);
	return 0;
}

int workload_parse(enum workload_fmt fmt, const char *buf, size_t len,
		   const char *what, struct workload *w)
{
	json_t *root;
	int err;

	if (fmt >= WORKLOAD_FMT_COUNT)
		return -EINVAL;
	root = load(buf, len, what);
	if (!root)
		return -EINVAL;
	switch (fmt) {
	case WORKLOAD_FMT_OCI_CONFIG:
		err = parse_oci(root, what, w);
		break;
	case WORKLOAD_FMT_DOCKER_CONFIG:
		err = parse_docker(root, what, w);
		break;
	case WORKLOAD_FMT_STORAGE_CONTAINERS:
		err = parse_storage_containers(root, what, w);
		break;
	default:
		err = parse_storage_images(root, what, w);
		break;
	}
	json_decref(root);
	return err;
}

void workload_clear(struct workload *w)
{
	size_t i;

	free(w->name);
	free(w->image);
	free(w->pod_name);
	free(w->pod_namespace);
	free(w->pod_uid);
	for (i = 0; i < w->nlabels; i++) {
		free(w->labels[i].key);
		free(w->labels[i].value);
	}
	memset(w, 0, sizeof(*w));
}
