// SPDX-License-Identifier: GPL-2.0
/*
 * Deployment (issue 5, item 6), the files beside the manifests: the systemd
 * unit (its keys, systemd-analyze verify), the Dockerfile (multi-stage,
 * static, scratch), and the man page and bash completion covering every
 * option the sources define.
 */
#include <dirent.h>
#include <strings.h>
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
	char *unit = file_read(UNIT_PATH), v[2048];
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
	unit = file_read(UNIT_PATH);
	if (!ASSERT_TRUE(unit && test_mkdtemp(dir), "unit and temp dir"))
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
	char *src = file_read(DOCKERFILE_PATH), *line, *save, *deps, *p;
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
	src = file_read("scripts/deps.sh");
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

static void options_of_file(struct optset *o, const char *path)
{
	char *src = file_read(path), *p, *q;

	if (!src)
		return;
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
		 * (strcmp(argv[i], "--x")), not arguments that the bench
		 * passes to other programs */
		char *c = p - 1;

		while (c > src && c > p - 48 && *c != ')' && *c != ';' &&
		       strncmp(c, "cmp(", 4))
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

/* The .c files below dir, at any depth. */
static int options_of_tree(struct optset *o, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char path[PATH_MAX];
		size_t n = strlen(de->d_name);
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (!stat(path, &st) && S_ISDIR(st.st_mode))
			options_of_tree(o, path);
		else if (n > 2 && !strcmp(de->d_name + n - 2, ".c"))
			options_of_file(o, path);
	}
	closedir(d);
	return 0;
}

/* Long options of rtguard's sources (user/ and bench/src/, in their
 * folders; bench/bound/ is a tool of its own): getopt tables
 * ({ "name", x_argument) and "--name" literals compared by hand. Plus
 * --version (main.c). */
static int source_options(struct optset *o)
{
	int err;

	o->n = 0;
	err = options_of_tree(o, "user");
	if (err)
		return err;
	options_of_tree(o, "bench/src");
	optset_add(o, "version", 7);
	return 0;
}

/* ---- man page and completion cover the options ---- */

TEST(deploy_docs_cover_options)
{
	char *man = file_read(MAN_PATH), *comp = file_read(COMPLETION_PATH);
	char *unit = file_read(UNIT_PATH), args[1024], pat[64], what[96], *p;
	static const char *const cmds[] = { "probe", "policy check", "events",
					    "status", "bench", "bench compare" };
	struct optset o;
	struct ydocs y;
	size_t i;
	int k;

	if (!ASSERT_TRUE(man && comp && unit, "man page, completion, unit"))
		goto out;
	if (!ASSERT_OK(source_options(&o), "read the sources"))
		goto out;
	ASSERT_GE(o.n, 20, "options found in the sources");
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

