// SPDX-License-Identifier: GPL-2.0
/*
 * Workload identity from the container runtimes' local state (workload.h).
 * Two halves: the parsers (JSON bytes -> struct workload, through jansson,
 * every value checked) and the lookup (container id -> the runtime's files,
 * bounded reads, a cache by cgroup id).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "log.h"
#include "proc_cache.h"
#include "workload.h"

/* A JSON string that holds JSON (CRI-O's Labels, storage's metadata). */
#define NESTED_JSON_MAX (64u << 10)
#define CGROUP_FILE_MAX (64u << 10)
#define NAMESPACES_MAX	256
#define CACHE_BUCKETS	1024

/* ---- values ---- */

static bool is_hex64(const char *s, size_t len)
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
	if (!is_hex64(s, strlen(s))) {
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

static void label_add(struct workload *w, const char *key, const char *value)
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
		label_add(w, k, v);
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

/* ---- files ---- */

/*
 * The regular file path, read whole when it holds at most max bytes, into a
 * malloc'd *buf. -ENOENT quietly when it does not exist; any other failure
 * (too big, not a regular file, a symlink, unreadable) is logged.
 */
static int read_bounded(const char *path, size_t max, char **buf, size_t *len)
{
	size_t got = 0, cap;
	struct stat st;
	ssize_t n;
	char *b;
	int fd, err;

	*buf = NULL;
	*len = 0;
	/* O_NONBLOCK: a FIFO in its place must not hang the agent */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		err = -errno;
		if (err != -ENOENT && err != -ENOTDIR)
			log_warn("%s: %s, ignored", path, strerror(-err));
		return err == -ENOTDIR ? -ENOENT : err;
	}
	if (fstat(fd, &st)) {
		err = -errno;
		log_warn("%s: %s, ignored", path, strerror(-err));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err = -EINVAL;
		log_warn("%s: not a regular file, ignored", path);
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		err = -EFBIG;
		log_warn("%s: %lld bytes, more than %zu: ignored", path,
			 (long long)st.st_size, max);
		goto out;
	}
	/* st_size is a hint only (/proc files say 0); read at most max + 1 */
	cap = st.st_size ? (size_t)st.st_size + 1 : 4096;
	if (cap > max + 1)
		cap = max + 1;
	b = malloc(cap);
	if (!b) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		if (got == cap) {
			size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			char *nb;

			if (ncap == cap) {
				free(b);
				err = -EFBIG;
				log_warn("%s: more than %zu bytes, ignored",
					 path, max);
				goto out;
			}
			nb = realloc(b, ncap);
			if (!nb) {
				free(b);
				err = -ENOMEM;
				goto out;
			}
			b = nb;
			cap = ncap;
		}
		n = read(fd, b + got, cap - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			free(b);
			log_warn("%s: %s, ignored", path, strerror(-err));
			goto out;
		}
		if (!n)
			break;
		got += n;
	}
	*buf = b;
	*len = got;
	err = 0;
out:
	close(fd);
	return err;
}

/* ---- cache ---- */

struct wl_entry {
	uint64_t cgroup_id;
	struct workload *w; /* NULL: not a container */
	struct wl_entry *next;
};

struct workload_cache {
	char *docker_root, *containerd_root, *storage_root, *storage_runroot;
	char *proc_root;
	size_t max_file, max_entries, count;
	struct wl_entry *buckets[CACHE_BUCKETS];
};

static void entry_free(struct wl_entry *e)
{
	if (e->w) {
		workload_clear(e->w);
		free(e->w);
	}
	free(e);
}

static void cache_clear(struct workload_cache *wc)
{
	struct wl_entry *e, *next;
	size_t i;

	for (i = 0; i < CACHE_BUCKETS; i++) {
		for (e = wc->buckets[i]; e; e = next) {
			next = e->next;
			entry_free(e);
		}
		wc->buckets[i] = NULL;
	}
	wc->count = 0;
}

/* NULL: the default; "": off (stored as NULL). false on ENOMEM. */
static bool set_root(char **dst, const char *val, const char *def)
{
	if (!val)
		val = def;
	if (!*val)
		return true;
	*dst = strdup(val);
	return *dst != NULL;
}

struct workload_cache *workload_cache_new(const struct workload_opts *opts)
{
	static const struct workload_opts none;
	struct workload_cache *wc = calloc(1, sizeof(*wc));

	if (!opts)
		opts = &none;
	if (!wc)
		return NULL;
	if (!set_root(&wc->docker_root, opts->docker_root, "/var/lib/docker") ||
	    !set_root(&wc->containerd_root, opts->containerd_root,
		      "/run/containerd") ||
	    !set_root(&wc->storage_root, opts->storage_root,
		      "/var/lib/containers/storage") ||
	    !set_root(&wc->storage_runroot, opts->storage_runroot,
		      "/run/containers/storage") ||
	    !set_root(&wc->proc_root, opts->proc_root, "/proc")) {
		workload_cache_free(wc);
		return NULL;
	}
	wc->max_file = opts->max_file_bytes ? opts->max_file_bytes
					    : WORKLOAD_FILE_MAX_DEFAULT;
	wc->max_entries = opts->max_entries ? opts->max_entries : 16384;
	return wc;
}

void workload_cache_free(struct workload_cache *wc)
{
	if (!wc)
		return;
	cache_clear(wc);
	free(wc->docker_root);
	free(wc->containerd_root);
	free(wc->storage_root);
	free(wc->storage_runroot);
	free(wc->proc_root);
	free(wc);
}

size_t workload_cache_count(const struct workload_cache *wc)
{
	return wc->count;
}

/* ---- finding the runtime's files ---- */

/* Reads path and parses it into w: 0, -ENOENT (no such file) or another
 * error (logged). */
static int parse_file(struct workload_cache *wc, const char *path,
		      enum workload_fmt fmt, struct workload *w)
{
	size_t len;
	char *buf;
	int err;

	err = read_bounded(path, wc->max_file, &buf, &len);
	if (err)
		return err;
	err = workload_parse(fmt, buf, len, path, w);
	free(buf);
	log_debug("workload: read %s", path);
	return err;
}

/* The pod labels of a sandbox container, parsed from path with fmt. */
static void sandbox_labels(struct workload_cache *wc, const char *path,
			   enum workload_fmt fmt, struct workload *w)
{
	struct workload sb = {};
	size_t i;

	if (parse_file(wc, path, fmt, &sb) == 0) {
		for (i = 0; i < sb.nlabels; i++)
			label_add(w, sb.labels[i].key, sb.labels[i].value);
		if (sb.labels_truncated)
			w->labels_truncated = true;
	}
	workload_clear(&sb);
}

static bool from_docker(struct workload_cache *wc, struct workload *w)
{
	char path[PATH_MAX];

	if (!wc->docker_root)
		return false;
	snprintf(path, sizeof(path), "%s/containers/%s/config.v2.json",
		 wc->docker_root, w->id);
	if (parse_file(wc, path, WORKLOAD_FMT_DOCKER_CONFIG, w) == -ENOENT)
		return false;
	w->runtime = "docker";
	if (w->sandbox_id[0] && strcmp(w->sandbox_id, w->id)) {
		snprintf(path, sizeof(path), "%s/containers/%s/config.v2.json",
			 wc->docker_root, w->sandbox_id);
		sandbox_labels(wc, path, WORKLOAD_FMT_DOCKER_CONFIG, w);
	}
	return true;
}

/* containerd: the task bundle of id in any namespace. */
static bool from_containerd(struct workload_cache *wc, struct workload *w)
{
	static const char *const shims[] = {"io.containerd.runtime.v2.task",
					    "io.containerd.runtime.v1.linux"};
	char dir[PATH_MAX], path[PATH_MAX + NAME_MAX + 96];
	struct dirent *de;
	size_t i, n;
	DIR *d;
	int err;

	if (!wc->containerd_root)
		return false;
	for (i = 0; i < sizeof(shims) / sizeof(shims[0]); i++) {
		snprintf(dir, sizeof(dir), "%s/%s", wc->containerd_root,
			 shims[i]);
		d = opendir(dir);
		if (!d)
			continue;
		for (n = 0; (de = readdir(d)) && n < NAMESPACES_MAX; n++) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s/%s/config.json",
				 dir, de->d_name, w->id);
			err = parse_file(wc, path, WORKLOAD_FMT_OCI_CONFIG, w);
			if (err == -ENOENT)
				continue;
			/* the moby namespace is Docker's */
			w->runtime = strcmp(de->d_name, "moby") ? "containerd"
								: "docker";
			closedir(d);
			return true;
		}
		closedir(d);
	}
	return false;
}

static const char *const storage_drivers[] = {"overlay", "vfs", "btrfs", "zfs"};

/* CRI-O and podman: containers/storage's userdata of id. */
static bool from_storage(struct workload_cache *wc, struct workload *w)
{
	const char *roots[] = {wc->storage_root, wc->storage_runroot};
	const char *drv = NULL;
	char path[PATH_MAX];
	size_t r, i;
	int err = -ENOENT;

	for (r = 0; r < 2 && err == -ENOENT; r++) {
		if (!roots[r])
			continue;
		for (i = 0; i < 4 && err == -ENOENT; i++) {
			drv = storage_drivers[i];
			snprintf(path, sizeof(path),
				 "%s/%s-containers/%s/userdata/config.json",
				 roots[r], drv, w->id);
			err = parse_file(wc, path, WORKLOAD_FMT_OCI_CONFIG, w);
		}
	}
	if (err == -ENOENT)
		return false;
	/* CRI-O: the pod's labels are on its sandbox */
	if (w->sandbox_id[0] && strcmp(w->sandbox_id, w->id)) {
		for (r = 0; r < 2; r++) {
			if (!roots[r])
				continue;
			snprintf(path, sizeof(path),
				 "%s/%s-containers/%s/userdata/config.json",
				 roots[r], drv, w->sandbox_id);
			if (!access(path, F_OK)) {
				sandbox_labels(wc, path,
					       WORKLOAD_FMT_OCI_CONFIG, w);
				break;
			}
		}
	}
	/* the runtime's own record: podman's name and image */
	if ((!w->name || !w->image) && wc->storage_root) {
		snprintf(path, sizeof(path), "%s/%s-containers/containers.json",
			 wc->storage_root, drv);
		parse_file(wc, path, WORKLOAD_FMT_STORAGE_CONTAINERS, w);
	}
	if (!w->image && w->image_id[0] && wc->storage_root) {
		snprintf(path, sizeof(path), "%s/%s-images/images.json",
			 wc->storage_root, drv);
		parse_file(wc, path, WORKLOAD_FMT_STORAGE_IMAGES, w);
	}
	return true;
}

/* Container id and pod uid of pid, from its <proc>/PID/cgroup: 0 when
 * that file was read (id "" on the host), -errno otherwise. */
static int id_of_pid(struct workload_cache *wc, uint32_t pid, char id[65],
		     char pod[37])
{
	char path[PATH_MAX], *buf, *line, *save = NULL, *p;
	size_t len;
	int err;

	id[0] = pod[0] = '\0';
	if (!wc->proc_root)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/%u/cgroup", wc->proc_root, pid);
	err = read_bounded(path, CGROUP_FILE_MAX, &buf, &len);
	if (err)
		return err;
	p = realloc(buf, len + 1);
	if (!p) {
		free(buf);
		return -ENOMEM;
	}
	buf = p;
	buf[len] = '\0';
	/* "N:controllers:path": the first line naming a container */
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		p = strchr(line, ':');
		if (p)
			p = strchr(p + 1, ':');
		if (p && !container_parse(p + 1, id, pod) && id[0])
			break;
		id[0] = pod[0] = '\0';
	}
	free(buf);
	return 0;
}

/*
 * The workload named by h into *wp (NULL on the host). 0 when the answer
 * can be cached; -ENOENT when h told nothing usable (the process is gone,
 * no hint), -ENOMEM.
 */
static int resolve(struct workload_cache *wc, const struct workload_hint *h,
		   struct workload **wp)
{
	char id[65] = "", pod[37] = "";
	bool known = false;
	struct workload *w;

	*wp = NULL;
	if (!h)
		return -ENOENT;
	if (h->container_id &&
	    is_hex64(h->container_id, strlen(h->container_id))) {
		memcpy(id, h->container_id, 65);
		known = true;
	}
	if (!id[0] && h->cgroup_path) {
		container_parse(h->cgroup_path, id, pod);
		known = true;
	}
	if (!id[0] && h->pid && !id_of_pid(wc, h->pid, id, pod))
		known = true;
	if (!id[0])
		return known ? 0 : -ENOENT;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	memcpy(w->id, id, sizeof(w->id));
	if (!from_docker(wc, w) && !from_containerd(wc, w) &&
	    !from_storage(wc, w))
		log_debug("workload: no runtime state for container %s", id);
	/* the cgroup path's pod uid is the kubelet's own */
	if (!w->pod_uid && pod[0])
		w->pod_uid = strdup(pod);
	log_debug("workload: %s: runtime %s name %s image %s pod %s/%s", id,
		  w->runtime ?: "?", w->name ?: "?", w->image ?: "?",
		  w->pod_namespace ?: "?", w->pod_name ?: "?");
	*wp = w;
	return 0;
}

const struct workload *workload_lookup(struct workload_cache *wc,
				       uint64_t cgroup_id,
				       const struct workload_hint *hint)
{
	struct wl_entry *e, **b;
	struct workload *w;

	if (!wc || !cgroup_id)
		return NULL;
	b = &wc->buckets[cgroup_id % CACHE_BUCKETS];
	for (e = *b; e; e = e->next)
		if (e->cgroup_id == cgroup_id)
			return e->w;
	if (resolve(wc, hint, &w))
		return NULL; /* not cached: a later hint may tell more */
	if (wc->count >= wc->max_entries)
		cache_clear(wc);
	e = calloc(1, sizeof(*e));
	if (!e) {
		if (w) {
			workload_clear(w);
			free(w);
		}
		return NULL;
	}
	e->cgroup_id = cgroup_id;
	e->w = w;
	e->next = *b;
	*b = e;
	wc->count++;
	return w;
}

void workload_forget(struct workload_cache *wc, uint64_t cgroup_id)
{
	struct wl_entry *e, **pp;

	if (!wc)
		return;
	for (pp = &wc->buckets[cgroup_id % CACHE_BUCKETS]; (e = *pp);
	     pp = &e->next) {
		if (e->cgroup_id == cgroup_id) {
			*pp = e->next;
			entry_free(e);
			wc->count--;
			return;
		}
	}
}
