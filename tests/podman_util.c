// SPDX-License-Identifier: GPL-2.0
/* Real containers for the tests (podman_util.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent_util.h"
#include "podman_util.h"
#include "test.h"

int sh(const char *cmd, char *out, size_t len)
{
	char *argv[] = {"sh", "-c", (char *)cmd, NULL};
	int st = run_cmd(argv, out, len);

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

const char *podman_image(void)
{
	static char why[600];
	char out[512];

	if (sh("command -v podman && test -x /usr/sbin/runc", out, sizeof(out)))
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

void podman_rm(const char *name)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), PODMAN " rm -f -t 0 %s >/dev/null 2>&1",
		 name);
	sh(cmd, NULL, 0);
}

int podman_run_cmd(const char *name, const char *const *extra,
		   const char *const *cmd, char *out, size_t len)
{
	static const char *const sleep30[] = {"sleep", "30", NULL};
	const char *argv[64] = {
	    "timeout",
	    "60",
	    "podman",
	    "--runtime",
	    "/usr/sbin/runc",
	    "--cgroup-manager",
	    "cgroupfs",
	    "run",
	    "-d",
	    "--rm",
	    "--ulimit",
	    "nofile=1024:1024",
	    "--ulimit",
	    "nproc=1024:1024",
	    "--network",
	    "none",
	    "--name",
	    name,
	};
	char cmdline[256];
	int n = 18, st;

	while (extra && *extra && n < 44)
		argv[n++] = *extra++;
	argv[n++] = PODMAN_IMAGE;
	for (cmd = cmd ?: sleep30; *cmd && n < 63; cmd++)
		argv[n++] = *cmd;
	argv[n] = NULL;
	st = run_cmd((char *const *)argv, out, len);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		return 0;
	snprintf(cmdline, sizeof(cmdline),
		 "timeout 60 podman inspect -f '{{.State.Pid}}' %s", name);
	if (sh(cmdline, out, len))
		return 0;
	return atoi(out);
}

int podman_run(const char *name, const char *const *extra, char *out,
	       size_t len)
{
	return podman_run_cmd(name, extra, NULL, out, len);
}

bool podman_id(const char *name, char id[65])
{
	char cmd[256], out[256];

	snprintf(cmd, sizeof(cmd), "timeout 60 podman inspect -f '{{.Id}}' %s",
		 name);
	if (sh(cmd, out, sizeof(out)) || strlen(out) < 64)
		return false;
	memcpy(id, out, 64);
	id[64] = '\0';
	return true;
}

bool cgroup_of(int pid, char *path, size_t len)
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

void need_podman(void)
{
	const char *why;

	TEST_NEED_ROOT();
	why = podman_image();
	if (why)
		test_skip("podman cannot run containers here: %s", why);
}
