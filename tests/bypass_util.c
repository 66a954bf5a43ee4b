// SPDX-License-Identifier: GPL-2.0
/* The bypass tests' fixture and attempts (bypass_util.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bypass_util.h"
#include "test.h"

struct fixture fx;

static int put(const char *path, const char *text, mode_t mode)
{
	int err = put_file(path, text);

	return err ?: chmod(path, mode) ? -errno : 0;
}

const char *fx_path(const char *tmpl, char *buf, size_t len)
{
	size_t n = 0;

	if (!tmpl)
		return NULL;
	for (; *tmpl && n + 1 < len; tmpl++) {
		if (*tmpl == '@')
			n += snprintf(buf + n, len - n, "%s", fx.dir);
		else
			buf[n++] = *tmpl;
		if (n >= len)
			n = len - 1;
	}
	buf[n] = '\0';
	return buf;
}

#define P(field, tmpl) fx_path(tmpl, fx.field, sizeof(fx.field))

int fixture_make(void)
{
	char text[256];

	snprintf(fx.dir, sizeof(fx.dir), "/tmp/rtg-byp-XXXXXX");
	if (!test_mkdtemp(fx.dir))
		return -errno;
	chmod(fx.dir, 0755);
	P(secret, "@/secret");
	P(privdir, "@/private");
	P(privfile, "@/private/data");
	P(pubdir, "@/public");
	P(pubfile, "@/public/data");
	P(forbidden, "@/forbidden");
	P(killdir, "@/killbin");
	P(killtouch, "@/killbin/touch");
	P(script, "@/script.sh");
	P(killscript, "@/killbin/s.sh");
	P(interp, "@/interp-sh");
	P(interp_script, "@/uses-interp.sh");
	P(killsh, "@/killbin/sh");
	P(killsh_script, "@/uses-killsh.sh");
	P(policy, "@/policy.yaml");
	if (mkdir(fx.privdir, 0755) || mkdir(fx.pubdir, 0755) ||
	    mkdir(fx.killdir, 0755))
		return -errno;
	if (put(fx.secret, SECRET "\n", 0644) ||
	    put(fx.privfile, PRIVATE "\n", 0644) ||
	    put(fx.pubfile, PUBLIC "\n", 0644))
		return -EIO;
	if (copy_exec("/usr/bin/touch", fx.forbidden) ||
	    copy_exec("/usr/bin/touch", fx.killtouch) ||
	    copy_exec("/bin/dash", fx.interp) ||
	    copy_exec("/bin/dash", fx.killsh))
		return -EIO;
	if (put(fx.script, "#!/bin/sh\ntouch \"$1\"\n", 0755) ||
	    put(fx.killscript, "#!/bin/sh\ntouch \"$1\"\n", 0755))
		return -EIO;
	snprintf(text, sizeof(text), "#!%s\ntouch \"$1\"\n", fx.interp);
	if (put(fx.interp_script, text, 0755))
		return -EIO;
	snprintf(text, sizeof(text), "#!%s\ntouch \"$1\"\n", fx.killsh);
	if (put(fx.killsh_script, text, 0755))
		return -EIO;
	return 0;
}

/* The rules under attack, scoped to the fixture (and to the test's own
 * ports for connect, extra_rules). */
int fixture_policy(const char *extra_rules)
{
	char text[8192];

	snprintf(
	    text, sizeof(text),
	    "name: bypass-test\n"
	    "defaults: { exec: allow, open: allow, connect: allow }\n"
	    "rules:\n" OPEN_DENY_RULES "  - name: forbidden\n"
	    "    on: exec\n"
	    "    match: { path: { equal: [%s, %s, %s] } }\n"
	    "    action: deny\n"
	    "  - name: killdir\n"
	    "    on: exec\n"
	    "    match: { path: { prefix: [%s/, /memfd:rtg-bypass-kill] } }\n"
	    "    action: kill\n"
	    "%s",
	    fx.secret, fx.privdir, fx.forbidden, fx.script, fx.interp,
	    fx.killdir, extra_rules ? extra_rules : "");
	return put(fx.policy, text, 0644);
}

int bypass_start(struct agent_run *a, const char *extra_rules)
{
	if (fixture_make() || fixture_policy(extra_rules))
		return -EIO;
	return agent_start(a, N("--policy", fx.policy));
}

void attempt(op_fn op, void *arg, struct outcome *o)
{
	int p[2];
	ssize_t n;

	memset(o, 0, sizeof(*o));
	if (pipe(p))
		return;
	o->pid = fork();
	if (o->pid == 0) {
		char buf[256];
		int fd;

		close(p[0]);
		fd = op(arg);
		if (fd < 0)
			_exit(-fd);
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			if (write(p[1], buf, n) != n)
				_exit(100);
		_exit(0);
	}
	close(p[1]);
	while (o->n < (ssize_t)sizeof(o->buf) - 1 &&
	       (n = read(p[0], o->buf + o->n, sizeof(o->buf) - 1 - o->n)) > 0)
		o->n += n;
	o->buf[o->n] = '\0';
	close(p[0]);
	waitpid(o->pid, &o->status, 0);
}

int op_open(void *arg)
{
	const struct target *t = arg;
	int fd = open(t->a, O_RDONLY);

	return fd < 0 ? -errno : fd;
}

static const char *describe(const struct outcome *o, bool ran)
{
	static char s[160];

	if (WIFSIGNALED(o->status))
		snprintf(s, sizeof(s), "killed by signal %d, read %zd bytes%s",
			 WTERMSIG(o->status), o->n, ran ? ", it ran" : "");
	else
		snprintf(s, sizeof(s), "exit %d (%s), read %zd bytes%s",
			 WEXITSTATUS(o->status),
			 strerrorname_np(WEXITSTATUS(o->status)) ?: "-", o->n,
			 ran ? ", it ran" : "");
	return s;
}

bool outcome_is(const struct outcome *o, enum expect x, const char *content,
		bool ran, const char *file, int line, const char *what)
{
	bool exited = WIFEXITED(o->status), ok = false;
	int code = WEXITSTATUS(o->status);

	switch (x) {
	case X_EPERM:
		ok = exited && code == EPERM && o->n == 0 && !ran;
		break;
	case X_KILL:
		ok = WIFSIGNALED(o->status) && WTERMSIG(o->status) == SIGKILL &&
		     o->n == 0 && !ran;
		break;
	case X_READS:
		ok = exited && code == 0 && content && strstr(o->buf, content);
		break;
	case X_RAN:
		ok = exited && code == 0 && ran;
		break;
	case X_EXIT127:
		ok = exited && code == 127 && !ran;
		break;
	}
	if (!ok)
		test_fail(file, line, "%s: got %s", what, describe(o, ran));
	return ok;
}

void open_case_run(const struct open_case *c)
{
	char a[512], b[512], cc[512];
	struct target t = {
	    fx_path(c->t.a, a, sizeof(a)),
	    fx_path(c->t.b, b, sizeof(b)),
	    fx_path(c->t.c, cc, sizeof(cc)),
	    c->t.resolve,
	};
	struct outcome o;

	attempt(c->op, &t, &o);
	EXPECT_OUTCOME(&o, c->x, c->content, false, c->what);
}
