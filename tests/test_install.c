// SPDX-License-Identifier: GPL-2.0
/*
 * Deployment (issue 5, item 6): `make static` gives a static binary that
 * runs, `make install` puts every file in place with its mode and never
 * joins an administrator's policies with the default one.
 */
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

	if (!ASSERT_TRUE(test_mkdtemp(root), "mkdtemp"))
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
	unit = file_read(p);
	ASSERT_STRCONTAINS(unit, "ExecStart=/usr/sbin/rtguard ",
			   "unit follows PREFIX");
	free(unit);
out:
	run_cmd((char *const[]){ "rm", "-rf", root, NULL }, NULL, 0);
}

