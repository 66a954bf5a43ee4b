// SPDX-License-Identifier: GPL-2.0
/*
 * Deployment (issue 5, item 6): the Kubernetes manifests, the systemd unit,
 * the Dockerfile, `make static`, `make install`, the man page and the bash
 * completion, checked as far as this machine allows. The manifests are
 * parsed with libyaml; the capability set they grant is the one measured
 * here (deploy_caps_least_set runs the real agent with exactly that set,
 * and with each member removed, so the recorded set stays honest).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <yaml.h>

#include "agent_util.h"
#include "test.h"

#define DS_PATH "deploy/kubernetes/daemonset.yaml"
#define UNIT_PATH "deploy/systemd/rtguard.service"
#define DOCKERFILE_PATH "deploy/Dockerfile"
#define MAN_PATH "doc/rtguard.8"
#define COMPLETION_PATH "contrib/bash-completion/rtguard"

/*
 * The least capability set, measured on kernel 6.18 (build machine) by
 * running the agent as uid 0 with every other capability dropped from the
 * bounding set and triggering each enforcement path from uid 65534:
 *   CAP_SYS_ADMIN  fanotify permission marks (EPERM for `equal` denies
 *                  without BPF LSM); covers CAP_BPF/PERFMON/NET_ADMIN.
 *                  With BPF+PERFMON+NET_ADMIN instead the agent starts,
 *                  but an `equal` open deny becomes SIGKILL; with
 *                  BPF+PERFMON alone the cgroup connect hooks fail to load.
 *   CAP_SYS_PTRACE /proc/PID/exe of other users' processes (seeding).
 *   CAP_KILL       pidfd_send_signal of verdicts finished in user space.
 */
static const struct {
	int cap;
	const char *k8s;
	const char *systemd;
} least_caps[] = {
	{ CAP_SYS_ADMIN, "SYS_ADMIN", "CAP_SYS_ADMIN" },
	{ CAP_SYS_PTRACE, "SYS_PTRACE", "CAP_SYS_PTRACE" },
	{ CAP_KILL, "KILL", "CAP_KILL" },
};
#define NCAPS ((int)(sizeof(least_caps) / sizeof(least_caps[0])))

static uint64_t least_mask(void)
{
	uint64_t m = 0;
	int i;

	for (i = 0; i < NCAPS; i++)
		m |= 1ULL << least_caps[i].cap;
	return m;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (!f)
		return NULL;
	do {
		if (n + 4096 + 1 > cap) {
			char *nb = realloc(buf, cap = cap ? cap * 2 : 8192);

			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
	} while (r > 0);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/* ---- a small libyaml document tree ---- */

#define MAX_DOCS 16

struct ydocs {
	yaml_document_t d[MAX_DOCS];
	int n;
};

static int ydocs_load(const char *path, struct ydocs *y, char *err,
		      size_t errlen)
{
	yaml_parser_t p;
	FILE *f = fopen(path, "re");
	int ret = 0;

	y->n = 0;
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	yaml_parser_initialize(&p);
	yaml_parser_set_input_file(&p, f);
	for (;;) {
		yaml_document_t *d = &y->d[y->n];

		if (!yaml_parser_load(&p, d)) {
			snprintf(err, errlen, "%s:%zu:%zu: %s", path,
				 p.problem_mark.line + 1,
				 p.problem_mark.column + 1,
				 p.problem ? p.problem : "parse error");
			ret = -EINVAL;
			break;
		}
		if (!yaml_document_get_root_node(d)) {
			yaml_document_delete(d); /* end of stream */
			break;
		}
		if (++y->n == MAX_DOCS) {
			snprintf(err, errlen, "more than %d documents", MAX_DOCS);
			ret = -E2BIG;
			break;
		}
	}
	yaml_parser_delete(&p);
	fclose(f);
	return ret;
}

static void ydocs_free(struct ydocs *y)
{
	int i;

	for (i = 0; i < y->n; i++)
		yaml_document_delete(&y->d[i]);
	y->n = 0;
}

static const char *ystr(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value
						: NULL;
}

static yaml_node_t *ykey(yaml_document_t *d, yaml_node_t *m, const char *key)
{
	yaml_node_pair_t *pr;

	if (!m || m->type != YAML_MAPPING_NODE)
		return NULL;
	for (pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top;
	     pr++) {
		const char *k = ystr(yaml_document_get_node(d, pr->key));

		if (k && !strcmp(k, key))
			return yaml_document_get_node(d, pr->value);
	}
	return NULL;
}

/* Walk mapping keys: yget(d, n, "spec", "template", NULL). */
static yaml_node_t *yget(yaml_document_t *d, yaml_node_t *n, ...)
{
	const char *k;
	va_list ap;

	va_start(ap, n);
	while (n && (k = va_arg(ap, const char *)))
		n = ykey(d, n, k);
	va_end(ap);
	return n;
}

static int ylen(yaml_node_t *s)
{
	return s && s->type == YAML_SEQUENCE_NODE
		       ? (int)(s->data.sequence.items.top -
			       s->data.sequence.items.start)
		       : 0;
}

static yaml_node_t *yitem(yaml_document_t *d, yaml_node_t *s, int i)
{
	if (i >= ylen(s))
		return NULL;
	return yaml_document_get_node(d, s->data.sequence.items.start[i]);
}

/* The item of sequence s whose key equals val. */
static yaml_node_t *yfind(yaml_document_t *d, yaml_node_t *s, const char *key,
			  const char *val)
{
	int i;

	for (i = 0; i < ylen(s); i++) {
		const char *v = ystr(ykey(d, yitem(d, s, i), key));

		if (v && !strcmp(v, val))
			return yitem(d, s, i);
	}
	return NULL;
}

static yaml_document_t *ydoc_kind(struct ydocs *y, const char *kind)
{
	int i;

	for (i = 0; i < y->n; i++) {
		const char *k = ystr(ykey(&y->d[i],
					  yaml_document_get_root_node(&y->d[i]),
					  "kind"));

		if (k && !strcmp(k, kind))
			return &y->d[i];
	}
	return NULL;
}

#define YROOT(d) yaml_document_get_root_node(d)

static bool load_ds(struct ydocs *y)
{
	char err[512] = "";

	return ASSERT_OK(ydocs_load(DS_PATH, y, err, sizeof(err)), err);
}

/* ---- the rtguard options the sources define ---- */

#define MAX_OPTS 128

struct optset {
	char name[MAX_OPTS][40];
	int n;
};

static void optset_add(struct optset *o, const char *s, size_t len)
{
	int i;

	if (!len || len >= sizeof(o->name[0]) || o->n == MAX_OPTS)
		return;
	for (i = 0; i < o->n; i++)
		if (strlen(o->name[i]) == len && !strncmp(o->name[i], s, len))
			return;
	memcpy(o->name[o->n], s, len);
	o->name[o->n++][len] = '\0';
}

static bool optset_has(const struct optset *o, const char *s)
{
	int i;

	for (i = 0; i < o->n; i++)
		if (!strcmp(o->name[i], s))
			return true;
	return false;
}

static bool is_optchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/* Long options of the user/ sources: getopt tables ({ "name", x_argument) and
 * "--name" literals compared by hand. Plus --version (main.c). */
static int source_options(struct optset *o)
{
	DIR *dir = opendir("user");
	struct dirent *de;

	o->n = 0;
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		char path[PATH_MAX], *src, *p, *q;
		size_t n = strlen(de->d_name);

		if (n < 3 || strcmp(de->d_name + n - 2, ".c"))
			continue;
		snprintf(path, sizeof(path), "user/%s", de->d_name);
		src = slurp(path);
		if (!src)
			continue;
		for (p = src; (p = strstr(p, "_argument")); p++) {
			/* back to the `{ "name",` of this table line */
			q = p;
			while (q > src && q[-1] != '{' && q[-1] != '\n')
				q--;
			if (q == src || q[-1] != '{')
				continue;
			q = strchr(q, '"');
			if (q && q < p) {
				char *e = strchr(q + 1, '"');

				if (e && e < p)
					optset_add(o, q + 1, e - q - 1);
			}
		}
		for (p = src; (p = strstr(p, "\"--")); p++) {
			/* only literals compared with an argument
			 * (strcmp(argv[i], "--x")), not arguments that the
			 * bench passes to other programs */
			char *c = p - 1;

			while (c > src && c > p - 48 && *c != ')' &&
			       *c != ';' && strncmp(c, "cmp(", 4))
				c--;
			if (strncmp(c, "cmp(", 4))
				continue;
			q = p + 3;
			while (is_optchar(*q))
				q++;
			if ((*q == '"' || *q == '=') && q > p + 3)
				optset_add(o, p + 3, q - p - 3);
		}
		free(src);
	}
	closedir(dir);
	optset_add(o, "version", 7);
	return 0;
}

/* ---- manifests ---- */

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
static void join_args(yaml_document_t *d, yaml_node_t *args, char *buf,
		      size_t len)
{
	int i;

	buf[0] = '\0';
	for (i = 0; i < ylen(args); i++) {
		const char *a = ystr(yitem(d, args, i));

		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
			 i ? " " : "", a ? a : "?");
	}
}

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
	if (!strncmp(path, "/sys/", 5) || !strcmp(path, "/run/rtguard"))
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
static int configmap_write(const char *dir, const char *ts,
			   const char *extra_key, const char *extra_val)
{
	char p[PATH_MAX], q[PATH_MAX];
	yaml_node_pair_t *pr;
	yaml_document_t *cm;
	yaml_node_t *data;
	struct ydocs y;
	int n = 0;

	if (!load_ds(&y))
		return -1;
	cm = ydoc_kind(&y, "ConfigMap");
	data = cm ? ykey(cm, YROOT(cm), "data") : NULL;
	if (!ASSERT_TRUE(data && data->type == YAML_MAPPING_NODE,
			 "ConfigMap data")) {
		ydocs_free(&y);
		return -1;
	}
	snprintf(p, sizeof(p), "%s/%s", dir, ts);
	mkdir(p, 0755);
	for (pr = data->data.mapping.pairs.start;
	     pr < data->data.mapping.pairs.top; pr++) {
		const char *k = ystr(yaml_document_get_node(cm, pr->key));
		const char *v = ystr(yaml_document_get_node(cm, pr->value));
		FILE *f;

		if (!k || !v)
			continue;
		snprintf(p, sizeof(p), "%s/%s/%s", dir, ts, k);
		f = fopen(p, "we");
		if (!f)
			continue;
		fputs(v, f);
		fclose(f);
		snprintf(p, sizeof(p), "%s/%s", dir, k);
		snprintf(q, sizeof(q), "..data/%s", k);
		unlink(p);
		if (!symlink(q, p))
			n++;
	}
	if (extra_key) {
		FILE *f;

		snprintf(p, sizeof(p), "%s/%s/%s", dir, ts, extra_key);
		f = fopen(p, "we");
		if (f) {
			fputs(extra_val, f);
			fclose(f);
		}
		snprintf(p, sizeof(p), "%s/%s", dir, extra_key);
		snprintf(q, sizeof(q), "..data/%s", extra_key);
		unlink(p);
		if (!symlink(q, p))
			n++;
	}
	snprintf(p, sizeof(p), "%s/..data_tmp", dir);
	snprintf(q, sizeof(q), "%s/..data", dir);
	unlink(p);
	if (symlink(ts, p) || rename(p, q))
		n = -1;
	ydocs_free(&y);
	return n;
}

TEST(deploy_configmap_policies)
{
	char dir[] = "/tmp/rtg-deploy-cm-XXXXXX", out[16384], want[32];
	int n, st;

	if (!ASSERT_TRUE(mkdtemp(dir), "mkdtemp"))
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

/* ---- systemd unit ---- */

/* Every value of key in the unit, space-joined. */
static bool unit_get(const char *unit, const char *key, char *val, size_t len)
{
	const char *p = unit;
	size_t kl = strlen(key);
	bool found = false;

	val[0] = '\0';
	while (p && *p) {
		const char *e = strchr(p, '\n');
		size_t ll = e ? (size_t)(e - p) : strlen(p);

		if (ll > kl && !strncmp(p, key, kl) && p[kl] == '=') {
			snprintf(val + strlen(val), len - strlen(val), "%s%.*s",
				 val[0] ? " " : "", (int)(ll - kl - 1),
				 p + kl + 1);
			found = true;
		}
		p = e ? e + 1 : NULL;
	}
	return found;
}

/* Whitespace-separated words of s, as a set, equal the given ones. */
static bool words_equal(const char *s, const char *const *want, int n)
{
	char buf[2048], *tok, *save;
	int i, count = 0;

	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		for (i = 0; i < n; i++)
			if (!strcmp(tok, want[i]))
				break;
		if (i == n)
			return false;
		count++;
	}
	return count == n;
}

TEST(deploy_systemd_unit)
{
	static const struct {
		const char *key, *val;
	} exact[] = {
		{ "Type", "simple" },
		{ "ExecReload", "/bin/kill -HUP $MAINPID" },
		{ "Restart", "always" },
		{ "NoNewPrivileges", "yes" },
		{ "ProtectSystem", "strict" },
		{ "LogsDirectory", "rtguard" },
		{ "RuntimeDirectory", "rtguard" },
		{ "LimitMEMLOCK", "infinity" },
		{ "ProtectKernelModules", "yes" },
		{ "ProtectControlGroups", "yes" },
		{ "AmbientCapabilities", "" },
		{ "WantedBy", "multi-user.target" },
	};
	const char *sd_caps[NCAPS], *fam[] = { "AF_UNIX", "AF_INET", "AF_INET6",
					       "AF_NETLINK" };
	char *unit = slurp(UNIT_PATH), v[2048];
	size_t i;

	if (!ASSERT_TRUE(unit, UNIT_PATH))
		return;
	ASSERT_STRCONTAINS(unit, "\n[Service]\n", "[Service]");
	ASSERT_STRCONTAINS(unit, "\n[Install]\n", "[Install]");
	for (i = 0; i < sizeof(exact) / sizeof(exact[0]); i++) {
		ASSERT_TRUE(unit_get(unit, exact[i].key, v, sizeof(v)),
			    exact[i].key);
		ASSERT_STREQ(v, exact[i].val, exact[i].key);
	}
	ASSERT_TRUE(unit_get(unit, "ExecStart", v, sizeof(v)), "ExecStart");
	ASSERT_TRUE(!strncmp(v, "/usr/local/sbin/rtguard ", 24),
		    "ExecStart runs the installed binary");
	ASSERT_STRCONTAINS(v, " --policy /etc/rtguard/policy.d", "ExecStart");
	ASSERT_STRCONTAINS(v, " --output-file /var/log/rtguard/events.json",
			   "ExecStart");
	for (i = 0; i < NCAPS; i++)
		sd_caps[i] = least_caps[i].systemd;
	unit_get(unit, "CapabilityBoundingSet", v, sizeof(v));
	if (!ASSERT_TRUE(words_equal(v, sd_caps, NCAPS),
			 "CapabilityBoundingSet is the measured set"))
		fprintf(stderr, "  CapabilityBoundingSet=%s\n", v);
	unit_get(unit, "RestrictAddressFamilies", v, sizeof(v));
	ASSERT_TRUE(words_equal(v, fam, 4), "RestrictAddressFamilies");
	unit_get(unit, "ReadWritePaths", v, sizeof(v));
	ASSERT_STRCONTAINS(v, "/var/log/rtguard", "ReadWritePaths");
	ASSERT_STRCONTAINS(v, "/run/rtguard", "ReadWritePaths");
	ASSERT_STRCONTAINS(v, "/sys/fs/bpf", "ReadWritePaths");
	/* options that would break the agent, documented as off */
	ASSERT_TRUE(unit_get(unit, "ProtectHome", v, sizeof(v)) &&
			    strcmp(v, "yes"),
		    "ProtectHome is read-only (fanotify marks need the inodes)");
	ASSERT_TRUE(!unit_get(unit, "ProtectProc", v, sizeof(v)) ||
			    !strcmp(v, "default"),
		    "ProtectProc hides processes");
	ASSERT_TRUE(!unit_get(unit, "PrivateDevices", v, sizeof(v)) ||
			    !strcmp(v, "no"),
		    "PrivateDevices");
	ASSERT_TRUE(!unit_get(unit, "PrivateNetwork", v, sizeof(v)) ||
			    !strcmp(v, "no"),
		    "PrivateNetwork");
	free(unit);
}

/* systemd-analyze verify, with ExecStart pointed at the built binary. */
TEST(deploy_systemd_verify)
{
	char dir[] = "/tmp/rtg-deploy-unit-XXXXXX", path[PATH_MAX],
	     bin[PATH_MAX], out[8192], *unit, *p;
	FILE *f;
	int st;

	if (access("/usr/bin/systemd-analyze", X_OK))
		test_skip("systemd-analyze not installed");
	if (!realpath(test_rtguard_bin(), bin))
		test_skip("no rtguard binary");
	unit = slurp(UNIT_PATH);
	if (!ASSERT_TRUE(unit && mkdtemp(dir), "unit and temp dir"))
		return;
	snprintf(path, sizeof(path), "%s/rtguard.service", dir);
	f = fopen(path, "we");
	if (!ASSERT_TRUE(f, "write unit copy"))
		return;
	for (p = unit; *p;) {
		char *hit = strstr(p, "/usr/local/sbin/rtguard");

		if (!hit) {
			fputs(p, f);
			break;
		}
		fwrite(p, 1, hit - p, f);
		fputs(bin, f);
		p = hit + strlen("/usr/local/sbin/rtguard");
	}
	fclose(f);
	st = run_cmd((char *const[]){ "systemd-analyze", "verify", "--man=no",
				      path, NULL },
		     out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		    "systemd-analyze verify");
	/* unknown keys and bad values are only warnings: none allowed */
	if (!ASSERT_STREQ(out, "", "systemd-analyze verify output"))
		fprintf(stderr, "%s\n", out);
	unlink(path);
	rmdir(dir);
	free(unit);
}

/* ---- Dockerfile ---- */

TEST(deploy_dockerfile)
{
	char *src = slurp(DOCKERFILE_PATH), *line, *save, *deps, *p;
	char first_from[256] = "", last_from[256] = "", build_name[64] = "";
	char apt[2048] = "", copy_bin[256] = "", entry[256] = "";
	int nfrom = 0, final_runs = 0, make_static = 0;
	char *w;

	if (!ASSERT_TRUE(src, DOCKERFILE_PATH))
		return;
	/* join continuation lines */
	for (p = src; (p = strstr(p, "\\\n"));)
		p[0] = p[1] = ' ';
	for (line = strtok_r(src, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		while (*line == ' ' || *line == '\t')
			line++;
		if (*line == '#' || !*line)
			continue;
		if (!strncasecmp(line, "FROM ", 5)) {
			char img[128] = "", as[8] = "", name[64] = "";

			sscanf(line + 5, "%127s %7s %63s", img, as, name);
			if (!nfrom++) {
				snprintf(first_from, sizeof(first_from), "%s",
					 img);
				if (!strcasecmp(as, "AS"))
					snprintf(build_name, sizeof(build_name),
						 "%s", name);
			}
			snprintf(last_from, sizeof(last_from), "%s", img);
			final_runs = 0;
			copy_bin[0] = entry[0] = '\0';
		} else if (!strncasecmp(line, "RUN ", 4)) {
			final_runs++;
			if (strstr(line, "make static"))
				make_static = 1;
			if (strstr(line, "apt-get install"))
				snprintf(apt, sizeof(apt), "%s", line);
		} else if (!strncasecmp(line, "COPY ", 5) &&
			   strstr(line, "rtguard-static")) {
			snprintf(copy_bin, sizeof(copy_bin), "%s", line);
		} else if (!strncasecmp(line, "ENTRYPOINT ", 11)) {
			snprintf(entry, sizeof(entry), "%s", line + 11);
		}
	}
	ASSERT_GE(nfrom, 2, "multi-stage");
	ASSERT_STREQ(first_from, "debian:12", "build stage image");
	ASSERT_TRUE(build_name[0], "build stage is named (FROM ... AS name)");
	ASSERT_TRUE(make_static, "build stage runs make static");
	ASSERT_TRUE(!strcmp(last_from, "scratch") ||
			    !strncmp(last_from, "gcr.io/distroless/static", 24),
		    "minimal final stage");
	ASSERT_EQ(final_runs, 0, "RUN in the final stage (no shell there)");
	ASSERT_STRCONTAINS(copy_bin, "--from=", "final stage copies the binary");
	ASSERT_STRCONTAINS(copy_bin, build_name, "from the build stage");
	ASSERT_STRCONTAINS(copy_bin, " /rtguard", "to /rtguard");
	ASSERT_STREQ(entry, "[\"/rtguard\"]", "ENTRYPOINT (exec form)");

	/* the build stage installs the `build` package set of deps.sh */
	free(src);
	src = slurp("scripts/deps.sh");
	deps = src ? strstr(src, "[build]=\"") : NULL;
	if (ASSERT_TRUE(deps, "scripts/deps.sh build set")) {
		deps += 9;
		*strchr(deps, '"') = '\0';
		for (w = strtok_r(deps, " ", &save); w;
		     w = strtok_r(NULL, " ", &save)) {
			char pad[80], what[96];

			snprintf(pad, sizeof(pad), " %s ", w);
			snprintf(what, sizeof(what), "apt-get install %s", w);
			strcat(apt, " ");
			ASSERT_STRCONTAINS(apt, pad, what);
		}
	}
	free(src);
}

/* ---- make static, make install ---- */

TEST_T(deploy_static_binary, 600)
{
	char out[65536];
	int st;

	st = run_cmd((char *const[]){ "make", "--no-print-directory", "-s",
				      "static", NULL },
		     out, sizeof(out));
	if (!ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0, "make static")) {
		fprintf(stderr, "%s\n", out);
		return;
	}
	run_cmd((char *const[]){ "file", "-L", "rtguard-static", NULL }, out,
		sizeof(out));
	ASSERT_TRUE(strstr(out, "statically linked") ||
			    strstr(out, "static-pie linked"),
		    "file: statically linked");
	st = run_cmd((char *const[]){ "ldd", "rtguard-static", NULL }, out,
		     sizeof(out));
	ASSERT_STRCONTAINS(out, "not a dynamic executable", "ldd");
	st = run_cmd((char *const[]){ "./rtguard-static", "--version", NULL },
		     out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0, "--version");
	ASSERT_TRUE(!strncmp(out, "rtguard ", 8), "--version output");
	if (geteuid() != 0)
		return;
	st = run_cmd((char *const[]){ "./rtguard-static", "probe", NULL }, out,
		     sizeof(out));
	if (!ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0,
			 "rtguard-static probe"))
		fprintf(stderr, "%s\n", out);
	ASSERT_STRCONTAINS(out, "connect deny", "probe table");
}

static bool file_mode(const char *root, const char *path, mode_t mode)
{
	char p[PATH_MAX], what[PATH_MAX + 32];
	struct stat st;

	snprintf(p, sizeof(p), "%s%s", root, path);
	snprintf(what, sizeof(what), "installed %s", path);
	if (!ASSERT_OK(stat(p, &st) ? -errno : 0, what))
		return false;
	return ASSERT_EQ(st.st_mode & 07777, mode, what);
}

TEST_T(deploy_make_install, 300)
{
	char root[] = "/tmp/rtg-deploy-root-XXXXXX", arg[64], out[65536],
	     p[PATH_MAX], *unit;
	int st;

	if (!ASSERT_TRUE(mkdtemp(root), "mkdtemp"))
		return;
	snprintf(arg, sizeof(arg), "DESTDIR=%s", root);
	st = run_cmd((char *const[]){ "make", "--no-print-directory", "-s",
				      "install", arg, NULL },
		     out, sizeof(out));
	if (!ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0,
			 "make install")) {
		fprintf(stderr, "%s\n", out);
		goto out;
	}
	file_mode(root, "/usr/local/sbin/rtguard", 0755);
	file_mode(root, "/usr/local/share/man/man8/rtguard.8", 0644);
	file_mode(root, "/usr/local/share/bash-completion/completions/rtguard",
		  0644);
	file_mode(root, "/usr/local/lib/systemd/system/rtguard.service", 0644);
	file_mode(root, "/usr/local/share/rtguard/policies/default.yaml", 0644);
	file_mode(root,
		  "/usr/local/share/rtguard/policies/protect-secrets.yaml",
		  0644);
	file_mode(root, "/etc/rtguard/policy.d", 0700);
	file_mode(root, "/etc/rtguard/policy.d/default.yaml", 0600);

	/* an administrator's policies are never joined by the default */
	snprintf(p, sizeof(p), "%s/etc/rtguard/policy.d/default.yaml", root);
	unlink(p);
	snprintf(p, sizeof(p), "%s/etc/rtguard/policy.d/mine.yaml", root);
	close(open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
	st = run_cmd((char *const[]){ "make", "--no-print-directory", "-s",
				      "install", arg, "PREFIX=/usr", NULL },
		     out, sizeof(out));
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		    "make install PREFIX=/usr");
	snprintf(p, sizeof(p), "%s/etc/rtguard/policy.d/default.yaml", root);
	ASSERT_TRUE(access(p, F_OK), "default.yaml not added to own policies");
	file_mode(root, "/usr/sbin/rtguard", 0755);
	snprintf(p, sizeof(p), "%s/usr/lib/systemd/system/rtguard.service",
		 root);
	unit = slurp(p);
	ASSERT_STRCONTAINS(unit, "ExecStart=/usr/sbin/rtguard ",
			   "unit follows PREFIX");
	free(unit);
out:
	run_cmd((char *const[]){ "rm", "-rf", root, NULL }, NULL, 0);
}

/* ---- man page and completion cover the options ---- */

TEST(deploy_docs_cover_options)
{
	char *man = slurp(MAN_PATH), *comp = slurp(COMPLETION_PATH);
	char *unit = slurp(UNIT_PATH), args[1024], pat[64], what[96], *p;
	static const char *const cmds[] = { "probe", "policy check", "events",
					    "status", "bench", "bench compare" };
	struct optset o;
	struct ydocs y;
	size_t i;
	int k;

	if (!ASSERT_TRUE(man && comp && unit, "man page, completion, unit"))
		goto out;
	if (!ASSERT_OK(source_options(&o), "read user/*.c"))
		goto out;
	ASSERT_GE(o.n, 20, "options found in user/*.c");
	for (k = 0; k < o.n; k++) {
		/* troff spells a hyphen \- */
		snprintf(pat, sizeof(pat), "\\-\\-");
		for (p = o.name[k]; *p; p++)
			snprintf(pat + strlen(pat), sizeof(pat) - strlen(pat),
				 "%s", *p == '-' ? "\\-" : (char[]){ *p, 0 });
		snprintf(what, sizeof(what), "rtguard(8) documents --%s",
			 o.name[k]);
		ASSERT_TRUE(strstr(man, pat), what);
		snprintf(pat, sizeof(pat), "--%s", o.name[k]);
		snprintf(what, sizeof(what), "completion offers --%s",
			 o.name[k]);
		ASSERT_TRUE(strstr(comp, pat), what);
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		char bold[64];

		snprintf(bold, sizeof(bold), ".B %s", cmds[i]);
		ASSERT_TRUE(strstr(man, bold) ||
				    (snprintf(bold, sizeof(bold), ".BI \"%s",
					      cmds[i]),
				     strstr(man, bold)),
			    cmds[i]);
	}
	ASSERT_STRCONTAINS(man, ".SH EXIT STATUS", "man: exit status");
	ASSERT_STRCONTAINS(man, ".SH SIGNALS", "man: signals");
	ASSERT_STRCONTAINS(man, "RTG_PROBE_DISABLE", "man: environment");
	for (i = 0; i < NCAPS; i++)
		ASSERT_STRCONTAINS(man, least_caps[i].systemd,
				   "man: the measured capabilities");

	/* every flag the deployment files pass exists */
	unit_get(unit, "ExecStart", args, sizeof(args));
	if (load_ds(&y)) {
		yaml_document_t *d = ydoc_kind(&y, "DaemonSet");
		yaml_node_t *c = d ? yitem(d, yget(d, YROOT(d), "spec",
						   "template", "spec",
						   "containers", NULL),
					   0)
				   : NULL;
		size_t l = strlen(args);

		if (c) {
			args[l] = ' ';
			join_args(d, ykey(d, c, "args"), args + l + 1,
				  sizeof(args) - l - 1);
		}
		ydocs_free(&y);
	}
	for (p = args; (p = strstr(p, "--")); p += 2) {
		size_t n = 0;

		while (is_optchar(p[2 + n]))
			n++;
		snprintf(pat, sizeof(pat), "%.*s", (int)n, p + 2);
		snprintf(what, sizeof(what), "deployed flag --%s exists", pat);
		ASSERT_TRUE(optset_has(&o, pat), what);
	}
out:
	free(man);
	free(comp);
	free(unit);
}

/* ---- running the agent with exactly the measured capabilities ---- */

static int last_cap(void)
{
	char buf[16] = "";
	int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (read(fd, buf, sizeof(buf) - 1) < 0)
			buf[0] = '\0';
		close(fd);
	}
	return buf[0] ? atoi(buf) : 40;
}

/* Starts argv as uid 0 with the bounding set (and so, on exec, the
 * permitted and effective sets) reduced to caps; stderr to errpath. */
static pid_t spawn_with_caps(uint64_t caps, char *const *argv,
			     const char *errpath)
{
	pid_t pid = fork();
	int c, last = last_cap(), fd;

	if (pid)
		return pid;
	fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		_exit(126);
	dup2(fd, 2);
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	dup2(fd, 0);
	dup2(fd, 1);
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	for (c = 0; c <= last; c++)
		if (!(caps & (1ULL << c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0))
			_exit(126);
	execv(argv[0], argv);
	_exit(127);
}

static uint64_t cap_eff(pid_t pid)
{
	char path[64], line[256];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* Waits up to 20 s for "rtguard: info: running"; false if the agent
 * exited or never got there (its stderr is printed). */
static bool wait_running(pid_t pid, const char *errpath)
{
	int i, st;

	for (i = 0; i < 200; i++) {
		char *err = slurp(errpath);
		bool ok = err && strstr(err, "rtguard: info: running");

		free(err);
		if (ok)
			return true;
		if (waitpid(pid, &st, WNOHANG) == pid)
			break;
		usleep(100 * 1000);
	}
	{
		char *err = slurp(errpath);

		fprintf(stderr, "  agent stderr:\n%s\n", err ? err : "");
		free(err);
	}
	return false;
}

static int stop_agent(pid_t pid)
{
	int st = -1;

	kill(pid, SIGTERM);
	for (int i = 0; i < 100; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return st;
		usleep(100 * 1000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

/* fork; the child drops to nobody and runs fn. Returns the wait status. */
static int as_nobody(void (*fn)(const void *), const void *arg, pid_t *bg)
{
	pid_t pid = fork();
	int st;

	if (!pid) {
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(125);
		fn(arg);
		_exit(124);
	}
	if (bg) {
		*bg = pid;
		return 0;
	}
	waitpid(pid, &st, 0);
	return st;
}

static void do_open(const void *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	_exit(fd < 0 && errno == EPERM ? 0 : fd >= 0 ? 1 : 2);
}

static void do_connect(const void *unused)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(9) };
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	(void)unused;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	_exit(!connect(s, (struct sockaddr *)&sa, sizeof(sa)) ? 1 :
	      errno == EPERM					 ? 0 :
								   2);
}

static void do_exec(const void *argv)
{
	execv(((char *const *)argv)[0], (char *const *)argv);
	_exit(123);
}

enum {
	CHK_OPEN_EPERM = 1, /* fanotify deny of an equal path: SYS_ADMIN */
	CHK_CONNECT_EPERM = 2,
	CHK_SEEDED = 4, /* binary of a process of another user: SYS_PTRACE */
	CHK_USER_KILL = 8, /* kill decided in user space: KILL */
	CHK_STARTED = 16,
};

/* One run of the agent with caps and the checks that held. */
static int caps_scenario(const char *dir, uint64_t caps)
{
	char pol[PATH_MAX], ev[PATH_MAX], err[PATH_MAX], secret[PATH_MAX],
	     killme[PATH_MAX], pindir[128], sock[PATH_MAX], needle[64];
	char *argv[16], *line, *save, *events;
	int res = 0, st, i = 0;
	pid_t old = 0, agent;
	FILE *f;

	snprintf(pol, sizeof(pol), "%s/caps.yaml", dir);
	snprintf(ev, sizeof(ev), "%s/events.json", dir);
	snprintf(err, sizeof(err), "%s/stderr", dir);
	snprintf(secret, sizeof(secret), "%s/secret", dir);
	snprintf(killme, sizeof(killme), "%s/rtg-deploy-killme", dir);
	snprintf(sock, sizeof(sock), "%s/rtguard.sock", dir);
	snprintf(pindir, sizeof(pindir), "/sys/fs/bpf/rtguard-deploy-%d",
		 getpid());
	unlink(ev);
	unlink(err); /* wait_running must not read the previous run's */
	f = fopen(pol, "we");
	if (!f)
		return 0;
	fprintf(f,
		"name: caps\n"
		"defaults: { exec: audit, open: allow, connect: audit }\n"
		"rules:\n"
		"  - name: deny-file\n    on: open\n"
		"    match: { path: { equal: [%s] } }\n    action: deny\n"
		"  - name: deny-connect\n    on: connect\n"
		"    match: { daddr: [127.0.0.1/32], dport: [9] }\n"
		"    action: deny\n"
		"  - name: kill-suffix\n    on: exec\n"
		"    match: { path: { suffix: [/rtg-deploy-killme] } }\n"
		"    action: kill\n"
		/* an args rule sends exec verdicts through user space */
		"  - name: kill-args\n    on: exec\n"
		"    match: { args: { contains: [rtgdeploykillarg] } }\n"
		"    action: kill\n",
		secret);
	fclose(f);

	/* a process of another user that predates the agent */
	as_nobody(do_exec, (char *const[]){ "/bin/sleep", "30", NULL }, &old);
	usleep(200 * 1000);

	argv[i++] = (char *)test_rtguard_bin();
	argv[i++] = "--policy";
	argv[i++] = pol;
	argv[i++] = "--output";
	argv[i++] = "json";
	argv[i++] = "--output-file";
	argv[i++] = ev;
	argv[i++] = "--socket";
	argv[i++] = sock;
	argv[i++] = "--pin-dir";
	argv[i++] = pindir;
	argv[i] = NULL;
	agent = spawn_with_caps(caps, argv, err);
	if (!wait_running(agent, err)) {
		stop_agent(agent);
		goto out;
	}
	res |= CHK_STARTED;
	/* after start-up it keeps only these (user/agent/privs.h) */
	ASSERT_EQ(cap_eff(agent),
		  caps & ((1ULL << CAP_SYS_PTRACE) | (1ULL << CAP_KILL) |
			  (1ULL << CAP_DAC_READ_SEARCH)),
		  "agent's CapEff after start-up");
	st = as_nobody(do_open, secret, NULL);
	if (WIFEXITED(st) && !WEXITSTATUS(st))
		res |= CHK_OPEN_EPERM;
	st = as_nobody(do_connect, NULL, NULL);
	if (WIFEXITED(st) && !WEXITSTATUS(st))
		res |= CHK_CONNECT_EPERM;
	st = as_nobody(do_exec, (char *const[]){ killme, "5", NULL }, NULL);
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
		res |= CHK_USER_KILL;
	kill(old, SIGTERM);
	waitpid(old, NULL, 0);
	usleep(1500 * 1000);
	stop_agent(agent);
	snprintf(needle, sizeof(needle), "\"pid\":%d,", (int)old);
	old = 0;

	/* the seeded process's exit carries its binary */
	events = slurp(ev);
	for (line = events ? strtok_r(events, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save))
		if (strstr(line, "\"type\":\"exit\"") &&
		    strstr(line, "\"binary\":\"/usr/bin/sleep\"") &&
		    strstr(line, needle))
			res |= CHK_SEEDED;
	free(events);
out:
	if (old) {
		kill(old, SIGKILL);
		waitpid(old, NULL, 0);
	}
	return res;
}

static const char *check_name(int chk)
{
	switch (chk) {
	case CHK_OPEN_EPERM:
		return "open deny is EPERM (fanotify)";
	case CHK_CONNECT_EPERM:
		return "connect deny is EPERM";
	case CHK_SEEDED:
		return "process of another user seeded with its binary";
	case CHK_USER_KILL:
		return "exec kill of another user's process";
	default:
		return "agent started";
	}
}

static bool caps_dir(char *dir)
{
	char p[PATH_MAX];
	int st;

	if (!mkdtemp(dir))
		return false;
	chmod(dir, 0755);
	snprintf(p, sizeof(p), "%s/secret", dir);
	close(open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
	chmod(p, 0644);
	snprintf(p, sizeof(p), "%s/rtg-deploy-killme", dir);
	st = run_cmd((char *const[]){ "cp", "/bin/sleep", p, NULL }, NULL, 0);
	return WIFEXITED(st) && !WEXITSTATUS(st);
}

TEST_T(deploy_caps_least_set, 180)
{
	const int all = CHK_STARTED | CHK_OPEN_EPERM | CHK_CONNECT_EPERM |
			CHK_SEEDED | CHK_USER_KILL;
	const uint64_t bpf3 = (1ULL << CAP_BPF) | (1ULL << CAP_PERFMON) |
			      (1ULL << CAP_NET_ADMIN);
	/* each member removed (SYS_ADMIN replaced by what it stands for,
	 * so that the agent still starts) and the check that must fail */
	const struct {
		uint64_t caps;
		int lost;
		const char *what;
	} minus[] = {
		{ (least_mask() & ~(1ULL << CAP_SYS_ADMIN)) | bpf3,
		  CHK_OPEN_EPERM, "without CAP_SYS_ADMIN" },
		{ least_mask() & ~(1ULL << CAP_SYS_PTRACE), CHK_SEEDED,
		  "without CAP_SYS_PTRACE" },
		{ least_mask() & ~(1ULL << CAP_KILL), CHK_USER_KILL,
		  "without CAP_KILL" },
	};
	char dir[] = "/tmp/rtg-deploy-caps-XXXXXX", what[160];
	size_t i;
	int r, chk;

	TEST_NEED_ROOT();
	if (!ASSERT_TRUE(caps_dir(dir), "test dir"))
		return;
	r = caps_scenario(dir, least_mask());
	for (chk = 1; chk <= CHK_STARTED; chk <<= 1) {
		snprintf(what, sizeof(what), "with the measured set: %s",
			 check_name(chk));
		ASSERT_TRUE((r & all & chk), what);
	}
	if (!(r & CHK_STARTED))
		goto out;
	for (i = 0; i < sizeof(minus) / sizeof(minus[0]); i++) {
		r = caps_scenario(dir, minus[i].caps);
		snprintf(what, sizeof(what), "%s: agent started", minus[i].what);
		ASSERT_TRUE(r & CHK_STARTED, what);
		snprintf(what, sizeof(what), "%s: %s fails (the capability is needed)",
			 minus[i].what, check_name(minus[i].lost));
		ASSERT_TRUE(!(r & minus[i].lost), what);
	}
out:
	run_cmd((char *const[]){ "rm", "-rf", dir, NULL }, NULL, 0);
}

/*
 * The DaemonSet's container, as far as it runs here: its args (the pod IP
 * replaced by 127.0.0.1, a free port for 9464), its ConfigMap laid out the
 * way the kubelet does, exactly its capabilities. It starts, /healthz says
 * ok, and a ConfigMap update (the ..data symlink swap) reloads.
 */
TEST_T(deploy_daemonset_runs, 120)
{
	char dir[] = "/tmp/rtg-deploy-ds-XXXXXX", err[PATH_MAX], sock[PATH_MAX],
	     pindir[128], portbuf[32];
	char *argv[32], *args_s[32] = { NULL }, *resp = NULL;
	yaml_document_t *d;
	yaml_node_t *c, *args;
	struct ydocs y;
	int i, n = 0, port, rc;
	pid_t agent;
	bool ok;

	TEST_NEED_ROOT();
	if (!ASSERT_TRUE(mkdtemp(dir), "mkdtemp"))
		return;
	if (!ASSERT_GE(configmap_write(dir, "..2026_11_27_16_00_00.1", NULL,
				       NULL),
		       1,
		       "ConfigMap volume"))
		goto out;
	port = free_port();
	snprintf(err, sizeof(err), "%s/stderr", dir);
	snprintf(sock, sizeof(sock), "%s/rtguard.sock", dir);
	snprintf(pindir, sizeof(pindir), "/sys/fs/bpf/rtguard-deploy-ds-%d",
		 getpid());
	if (!load_ds(&y))
		goto out;
	d = ydoc_kind(&y, "DaemonSet");
	c = d ? yitem(d, yget(d, YROOT(d), "spec", "template", "spec",
			      "containers", NULL),
		      0)
	      : NULL;
	args = c ? ykey(d, c, "args") : NULL;
	argv[n++] = (char *)test_rtguard_bin();
	for (i = 0; i < ylen(args) && n < 24; i++) {
		const char *a = ystr(yitem(d, args, i));

		if (!a)
			continue;
		if (!strcmp(a, "/etc/rtguard/policies")) {
			a = dir;
		} else if (strstr(a, "$(POD_IP)")) {
			snprintf(portbuf, sizeof(portbuf), "127.0.0.1:%d", port);
			a = portbuf;
		}
		args_s[n] = strdup(a);
		argv[n] = args_s[n];
		n++;
	}
	/* not shared with other agents on this machine */
	argv[n++] = "--socket";
	argv[n++] = sock;
	argv[n++] = "--pin-dir";
	argv[n++] = pindir;
	argv[n] = NULL;
	agent = spawn_with_caps(least_mask(), argv, err);
	ok = wait_running(agent, err);
	ASSERT_TRUE(ok, "agent with the DaemonSet's args and capabilities");
	if (ok) {
		rc = http_get(port, "/healthz", &resp);
		ASSERT_EQ(rc, 200, "GET /healthz status");
		ASSERT_STRCONTAINS(resp, "ok", "/healthz body");
		free(resp);

		/* kubelet ConfigMap update: a new key in a new timestamped
		 * dir, then the ..data symlink swap */
		configmap_write(dir, "..2026_11_27_16_05_00.2", "extra.yaml",
				"name: extra\nrules:\n  - name: r\n    on: exec\n"
				"    match: { path: { equal: [/nonexistent] } }\n"
				"    action: audit\n");
		for (i = 0; i < 50; i++) {
			char *e = slurp(err);
			bool hit = e && strstr(e, "policies reloaded");

			free(e);
			if (hit)
				break;
			usleep(100 * 1000);
		}
		ASSERT_TRUE(i < 50, "ConfigMap update reloads the policies");
	}
	rc = stop_agent(agent);
	if (ok)
		ASSERT_TRUE(rc >= 0 && WIFEXITED(rc) && !WEXITSTATUS(rc),
			    "agent exits 0 on SIGTERM");
	for (i = 1; i < n; i++)
		if (argv[i] == args_s[i])
			free(args_s[i]);
	ydocs_free(&y);
out:
	run_cmd((char *const[]){ "rm", "-rf", dir, NULL }, NULL, 0);
}
