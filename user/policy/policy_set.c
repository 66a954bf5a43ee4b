// SPDX-License-Identifier: GPL-2.0
/*
 * Policy sets (policy.h): their lifetime, the errors they collect, and the
 * loaders of files and directories that feed policy_load_buffer().
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "policy_parse.h"
#include "policy_selector.h"

struct rtg_policy_set *policy_set_new(void)
{
	return calloc(1, sizeof(struct rtg_policy_set));
}

int policy_strlist_push(struct rtg_strlist *l, const char *s)
{
	char **v, *d;

	d = strdup(s);
	if (!d)
		return -ENOMEM;
	v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (!v) {
		free(d);
		return -ENOMEM;
	}
	l->v = v;
	l->v[l->n++] = d;
	return 0;
}

void policy_strlist_free(struct rtg_strlist *l)
{
	int i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static void clause_free(struct rtg_clause *c)
{
	int i;

	for (i = 0; i < RTG_NSTROPS; i++) {
		policy_strlist_free(&c->path[i]);
		policy_strlist_free(&c->binary[i]);
	}
	policy_strlist_free(&c->args);
	free(c->daddr);
	free(c->dport);
	free(c->uid);
	memset(c, 0, sizeof(*c));
}

static void rule_free(struct rtg_rule *r)
{
	free(r->name);
	clause_free(&r->match);
	clause_free(&r->unless);
}

void policy_free(struct rtg_policy *p)
{
	int i;

	for (i = 0; i < p->nrules; i++)
		rule_free(&p->rules[i]);
	free(p->rules);
	free(p->name);
	free(p->description);
	free(p->file);
	policy_selector_free(p->sel);
	memset(p, 0, sizeof(*p));
}

void policy_set_free(struct rtg_policy_set *set)
{
	int i;

	if (!set)
		return;
	for (i = 0; i < set->npolicies; i++)
		policy_free(&set->policies[i]);
	free(set->policies);
	for (i = 0; i < set->nerrors; i++) {
		free(set->errors[i].file);
		free(set->errors[i].msg);
		free(set->errors[i].text);
	}
	free(set->errors);
	free(set);
}

void policy_set_add_verror(struct rtg_policy_set *set, const char *file,
			   int line, int col, const char *fmt, va_list ap)
{
	struct rtg_policy_error *e, *errs;
	char *msg = NULL, *text = NULL, *f = NULL;
	int n;

	errs = realloc(set->errors, (set->nerrors + 1) * sizeof(*errs));
	if (!errs)
		goto oom;
	set->errors = errs;
	if (vasprintf(&msg, fmt, ap) < 0) {
		msg = NULL;
		goto oom;
	}
	if (line > 0)
		n = asprintf(&text, "%s:%d:%d: %s", file, line, col, msg);
	else
		n = asprintf(&text, "%s: %s", file, msg);
	if (n < 0) {
		text = NULL;
		goto oom;
	}
	f = strdup(file);
	if (!f)
		goto oom;
	e = &set->errors[set->nerrors++];
	e->file = f;
	e->line = line;
	e->col = col;
	e->msg = msg;
	e->text = text;
	return;
oom:
	free(msg);
	free(text);
	free(f);
	log_err("out of memory recording a policy error for %s", file);
}

void policy_set_add_error(struct rtg_policy_set *set, const char *file,
			  int line, int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	policy_set_add_verror(set, file, line, col, fmt, ap);
	va_end(ap);
}

int policy_load_file(struct rtg_policy_set *set, const char *path)
{
	char *buf = NULL;
	struct stat st;
	size_t off = 0;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		policy_set_add_error(set, path, 0, 0, "cannot open: %s",
				     strerror(-err));
		return err;
	}
	if (fstat(fd, &st) < 0) {
		err = -errno;
		policy_set_add_error(set, path, 0, 0, "cannot stat: %s",
				     strerror(-err));
		goto cleanup;
	}
	if (!S_ISREG(st.st_mode)) {
		err = -EINVAL;
		policy_set_add_error(set, path, 0, 0, "not a regular file");
		goto cleanup;
	}
	if (st.st_size > RTG_POLICY_FILE_MAX) {
		err = -EFBIG;
		policy_set_add_error(
		    set, path, 0, 0, "policy file is %lld bytes (limit %d)",
		    (long long)st.st_size, RTG_POLICY_FILE_MAX);
		goto cleanup;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		err = -ENOMEM;
		policy_set_add_error(set, path, 0, 0, "out of memory");
		goto cleanup;
	}
	while (off < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + off, (size_t)st.st_size - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			policy_set_add_error(set, path, 0, 0, "cannot read: %s",
					     strerror(-err));
			goto cleanup;
		}
		if (n == 0)
			break;
		off += (size_t)n;
	}
	err = policy_load_buffer(set, path, buf, off);
cleanup:
	free(buf);
	close(fd);
	return err;
}

static bool is_policy_name(const char *s)
{
	size_t n = strlen(s);

	if (s[0] == '.')
		return false;
	return (n > 5 && !strcmp(s + n - 5, ".yaml")) ||
	       (n > 4 && !strcmp(s + n - 4, ".yml"));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int policy_load_dir(struct rtg_policy_set *set, const char *dir)
{
	char **names = NULL, *path = NULL;
	int n = 0, i, err = 0, e;
	struct dirent *de;
	DIR *d;

	d = opendir(dir);
	if (!d) {
		err = -errno;
		policy_set_add_error(set, dir, 0, 0,
				     "cannot open directory: %s",
				     strerror(-err));
		return err;
	}
	while ((de = readdir(d))) {
		char **nn;

		if (!is_policy_name(de->d_name))
			continue;
		nn = realloc(names, (n + 1) * sizeof(*nn));
		if (!nn) {
			err = -ENOMEM;
			goto cleanup;
		}
		names = nn;
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			err = -ENOMEM;
			goto cleanup;
		}
		n++;
	}
	if (n == 0) {
		err = -ENOENT;
		policy_set_add_error(
		    set, dir, 0, 0,
		    "no policy files (*.yaml, *.yml) in directory");
		goto cleanup;
	}
	qsort(names, (size_t)n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++) {
		size_t dl = strlen(dir);

		free(path);
		if (asprintf(&path, "%s%s%s", dir,
			     dl && dir[dl - 1] == '/' ? "" : "/",
			     names[i]) < 0) {
			path = NULL;
			err = -ENOMEM;
			goto cleanup;
		}
		e = policy_load_file(set, path);
		if (e && !err)
			err = e;
	}
cleanup:
	if (err == -ENOMEM)
		policy_set_add_error(set, dir, 0, 0, "out of memory");
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(path);
	closedir(d);
	return err;
}

int policy_load_path(struct rtg_policy_set *set, const char *path)
{
	struct stat st;
	int err;

	if (stat(path, &st) < 0) {
		err = -errno;
		policy_set_add_error(set, path, 0, 0, "%s", strerror(-err));
		return err;
	}
	if (S_ISDIR(st.st_mode))
		return policy_load_dir(set, path);
	return policy_load_file(set, path);
}
