// SPDX-License-Identifier: GPL-2.0
/* The deployment tests' shared parts (deploy_util.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent_util.h"
#include "deploy_util.h"
#include "test.h"

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
const struct least_cap least_caps[NCAPS] = {
    {CAP_SYS_ADMIN, "SYS_ADMIN", "CAP_SYS_ADMIN"},
    {CAP_SYS_PTRACE, "SYS_PTRACE", "CAP_SYS_PTRACE"},
    {CAP_KILL, "KILL", "CAP_KILL"},
};

uint64_t least_mask(void)
{
	uint64_t m = 0;
	int i;

	for (i = 0; i < NCAPS; i++)
		m |= 1ULL << least_caps[i].cap;
	return m;
}

bool load_ds(struct ydocs *y)
{
	char err[512] = "";

	return ASSERT_OK(ydocs_load(DS_PATH, y, err, sizeof(err)), err);
}

void join_args(yaml_document_t *d, yaml_node_t *args, char *buf, size_t len)
{
	int i;

	buf[0] = '\0';
	for (i = 0; i < ylen(args); i++) {
		const char *a = ystr(yitem(d, args, i));

		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
			 i ? " " : "", a ? a : "?");
	}
}

/* Key k of the volume at dir: its value v in dir/ts/k, and dir/k a link
 * to ..data/k, the way the kubelet lays them out. 1 when both are made. */
static int configmap_key(const char *dir, const char *ts, const char *k,
			 const char *v)
{
	char p[PATH_MAX], q[PATH_MAX];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s/%s", dir, ts, k);
	f = fopen(p, "we");
	if (!f)
		return 0;
	fputs(v, f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/%s", dir, k);
	snprintf(q, sizeof(q), "..data/%s", k);
	unlink(p);
	return !symlink(q, p);
}

int configmap_write(const char *dir, const char *ts, const char *extra_key,
		    const char *extra_val)
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

		if (k && v)
			n += configmap_key(dir, ts, k, v);
	}
	if (extra_key)
		n += configmap_key(dir, ts, extra_key, extra_val);
	snprintf(p, sizeof(p), "%s/..data_tmp", dir);
	snprintf(q, sizeof(q), "%s/..data", dir);
	unlink(p);
	if (symlink(ts, p) || rename(p, q))
		n = -1;
	ydocs_free(&y);
	return n;
}

bool unit_get(const char *unit, const char *key, char *val, size_t len)
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

pid_t spawn_with_caps(uint64_t caps, char *const *argv, const char *errpath)
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

static bool running_or_exited(pid_t pid, const char *errpath, bool *gone)
{
	char *err = file_read(errpath);
	bool ok = err && strstr(err, "rtguard: info: running");
	int st;

	free(err);
	if (!ok && waitpid(pid, &st, WNOHANG) == pid)
		*gone = true;
	return ok || *gone;
}

bool wait_running(pid_t pid, const char *errpath)
{
	bool gone = false;
	char *err;

	if (wait_until(running_or_exited(pid, errpath, &gone), 20000) && !gone)
		return true;
	err = file_read(errpath);
	fprintf(stderr, "  agent stderr:\n%s\n", err ? err : "");
	free(err);
	return false;
}

int stop_agent(pid_t pid)
{
	int st;

	kill(pid, SIGTERM);
	st = wait_child(pid, 10000);
	if (st != -1)
		return st;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -1;
}
