// SPDX-License-Identifier: GPL-2.0
/*
 * Configurations of the bench. Each is attached before a workload run and
 * detached after it (never left attached behind a flag):
 *   off      nothing attached
 *   floor    empty programs on the agent's hooks (bpf/floor.bpf.c)
 *   on       the agent itself, writing JSON lines to a file
 *   auditd   auditd with equivalent syscall rules (bench/audit.rules)
 *   bpftrace an equivalent tracepoint script writing to a file
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "floor.skel.h"
#include "log.h"
#include "probe.h"

#define AGENT_READY "rtguard: info: running"
#define BT_READY    "rtguard-bench: attached"
#define AUDIT_KEY   "rtguard-bench"

struct bench_conf_state {
	int conf;
	struct floor_bpf *floor;
	pid_t pid;
	int stats_fd;
	char out[600], err[600];
	long audit_wait0, audit_lost0;
	int audit_enabled0;
};

static const char *const conf_names[CONF_MAX] = {"off", "floor", "on", "auditd",
						 "bpftrace"};
static const char *const conf_descs[CONF_MAX] = {
    "nothing of rtguard attached",
    "empty BPF programs on exactly the agent's hooks (cost of the hooks)",
    "the rtguard agent with the policy, writing JSON lines to a file",
    "auditd with rules on execve, execveat, openat, openat2, open, creat, "
    "connect",
    "bpftrace printing one line per exec/open/connect to a file",
};

const char *bench_conf_name(int conf)
{
	return conf >= 0 && conf < CONF_MAX ? conf_names[conf] : "?";
}

const char *bench_conf_desc(int conf)
{
	return conf >= 0 && conf < CONF_MAX ? conf_descs[conf] : "?";
}

/* ---- floor ---- */

#define TP_PREFIX "tracepoint/syscalls/"

/* The floor programs of the hooks after connect, where the agent would
 * load them: as the probe decides (user/lib/probe_more.h), probed once. */
static void floor_more_autoload(struct floor_bpf *fl)
{
	static struct rtg_probe *pr;
	const struct rtg_more_decision *m;
	struct bpf_program *prog;
	const char *sec;
	int h;

	if (!pr) {
		pr = calloc(1, sizeof(*pr));
		if (pr && probe_kernel(pr)) {
			free(pr);
			pr = NULL;
		}
	}
	m = pr ? &pr->d.more : NULL;
	bpf_object__for_each_program(prog, fl->obj)
	{
		sec = bpf_program__section_name(prog);
		if (strncmp(sec, TP_PREFIX, strlen(TP_PREFIX)))
			continue;
		h = probe_more_tp_hook(sec + strlen(TP_PREFIX));
		if (h >= 0)
			bpf_program__set_autoload(
			    prog, m && m->src[h] == RTG_MSRC_TRACEPOINT &&
				      probe_more_has_tp(pr,
							sec + strlen(TP_PREFIX)));
	}
	bpf_program__set_autoload(fl->progs.fl_module_raw,
				  m && m->src[RTG_HOOK_MODULE] == RTG_MSRC_RAW_TP);
	bpf_program__set_autoload(fl->progs.fl_uring_submit,
				  m && m->uring_submit);
	bpf_program__set_autoload(fl->progs.fl_connect_unix,
				  m && m->unix_src == RTG_MSRC_CGROUP);
	bpf_program__set_expected_attach_type(fl->progs.fl_connect_unix,
					      49 /* BPF_CGROUP_UNIX_CONNECT */);
	bpf_program__set_autoload(fl->progs.fl_bind4,
				  m && m->deny[RTG_HOOK_LISTEN] == RTG_MECH_CGROUP);
	bpf_program__set_autoload(fl->progs.fl_bind6,
				  m && m->deny[RTG_HOOK_LISTEN] == RTG_MECH_CGROUP);
}

/* The cgroup programs on the cgroup2 root cgfd: the skeleton's links. */
static int floor_cgroup(struct floor_bpf *fl, int cgfd)
{
	struct {
		struct bpf_program *prog;
		struct bpf_link **link;
	} cg[] = {
		{fl->progs.fl_connect4, &fl->links.fl_connect4},
		{fl->progs.fl_connect6, &fl->links.fl_connect6},
		{fl->progs.fl_connect_unix, &fl->links.fl_connect_unix},
		{fl->progs.fl_bind4, &fl->links.fl_bind4},
		{fl->progs.fl_bind6, &fl->links.fl_bind6},
	};
	size_t i;

	for (i = 0; i < sizeof(cg) / sizeof(cg[0]); i++) {
		if (!bpf_program__autoload(cg[i].prog))
			continue;
		*cg[i].link = bpf_program__attach_cgroup(cg[i].prog, cgfd);
		if (!*cg[i].link)
			return -errno;
	}
	return 0;
}

static int floor_attach(struct bench_conf_state *st)
{
	char cg[512];
	int cgfd = -1, err;

	st->floor = floor_bpf__open();
	if (!st->floor)
		return -errno ?: -EINVAL;
	floor_more_autoload(st->floor);
	err = floor_bpf__load(st->floor);
	if (!err)
		err = floor_bpf__attach(st->floor);
	if (err)
		goto cleanup;
	err = bench_cgroup2_root(cg, sizeof(cg));
	if (err)
		goto cleanup;
	cgfd = open(cg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgfd < 0) {
		err = -errno;
		goto cleanup;
	}
	err = floor_cgroup(st->floor, cgfd);
cleanup:
	if (cgfd >= 0)
		close(cgfd);
	if (err) {
		floor_bpf__destroy(st->floor);
		st->floor = NULL;
	}
	return err;
}

/* ---- on: the agent ---- */

static bool file_has(const char *path, const char *needle, char *last,
		     size_t lastsz)
{
	char *buf = malloc(65536);
	bool hit = false;
	int n;

	if (!buf)
		return false;
	n = bench_read_file(path, buf, 65536);
	if (n > 0) {
		hit = strstr(buf, needle) != NULL;
		if (last && lastsz) {
			/* the last line that says error, else the last one:
			 * the reason of a failure */
			char *save = NULL, *l, *pick = NULL;

			for (l = strtok_r(buf, "\n", &save); l;
			     l = strtok_r(NULL, "\n", &save)) {
				if (!pick || !strstr(pick, "rror") ||
				    strstr(l, "rror"))
					pick = l;
			}
			bench_fmt(last, lastsz, "%s", pick ? pick : "");
		}
	}
	free(buf);
	return hit;
}

static int wait_ready(pid_t pid, const char *file, const char *needle,
		      int timeout_s, char *why, size_t whysz)
{
	double end = bench_now() + timeout_s;
	int status;

	while (bench_now() < end) {
		if (file_has(file, needle, NULL, 0))
			return 0;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			char last[256] = "";

			file_has(file, needle, last, sizeof(last));
			bench_fmt(why, whysz, "exited with status %d: %s",
				  WIFEXITED(status) ? WEXITSTATUS(status)
						    : 128 + WTERMSIG(status),
				  last[0] ? last : "(no output)");
			return -ECHILD;
		}
		usleep(20000);
	}
	bench_fmt(why, whysz, "not ready after %d s (no '%s')", timeout_s,
		  needle);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -ETIMEDOUT;
}

int bench_agent_start(struct bench *b, const char *policy, const char *outfile,
		      const char *errfile, pid_t *pid)
{
	char *argv[8];
	char why[300];
	int i = 0, err;

	argv[i++] = b->o.self;
	if (policy) {
		argv[i++] = "--policy";
		argv[i++] = (char *)policy;
	}
	argv[i++] = "--output";
	argv[i++] = "json";
	argv[i++] = "--output-file";
	argv[i++] = (char *)outfile;
	argv[i] = NULL;
	unlink(outfile);
	unlink(errfile);
	*pid = bench_spawn(argv, errfile, false);
	if (*pid < 0)
		return *pid;
	err = wait_ready(*pid, errfile, AGENT_READY, 30, why, sizeof(why));
	if (err) {
		bench_fmt(b->conf_why[CONF_ON], sizeof(b->conf_why[CONF_ON]),
			  "agent %.240s", why);
		*pid = 0;
	}
	return err;
}

int bench_agent_count(const char *outfile, const char *type, long *events,
		      long *lost)
{
	FILE *f = fopen(outfile, "re");
	char want[64], *line = NULL;
	size_t cap = 0;

	*events = *lost = 0;
	if (!f)
		return -errno;
	bench_fmt(want, sizeof(want), "\"type\":\"%s\"", type ? type : "");
	while (getline(&line, &cap, f) > 0) {
		if (strstr(line, "\"type\":\"lost\"")) {
			const char *c = strstr(line, "\"count\":");

			*lost += c ? strtol(c + 8, NULL, 10) : 1;
			continue;
		}
		if (!type || strstr(line, want))
			(*events)++;
	}
	free(line);
	fclose(f);
	return 0;
}

/* The agent's BPF programs: every prog_id in its fds' fdinfo (program fds
 * and link fds), with the kernel's run-time statistics. */
static void agent_progs(pid_t pid, struct bench_run *run)
{
	char dir[64], path[320], buf[2048];
	struct dirent *de;
	DIR *d;

	bench_fmt(dir, sizeof(dir), "/proc/%d/fdinfo", pid);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d)) && run->nprogs < BENCH_MAX_PROGS) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		const char *p;
		unsigned int id;
		int fd, i;

		if (de->d_name[0] == '.')
			continue;
		bench_fmt(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (bench_read_file(path, buf, sizeof(buf)) <= 0)
			continue;
		p = strstr(buf, "prog_id:");
		if (!p || sscanf(p + 8, "%u", &id) != 1)
			continue;
		for (i = 0; i < run->nprogs; i++)
			if (run->progs[i].id == id)
				break;
		if (i < run->nprogs)
			continue;
		fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len)) {
			struct bench_prog *bp = &run->progs[run->nprogs++];

			bp->id = id;
			bench_fmt(bp->name, sizeof(bp->name), "%s", info.name);
			bp->run_cnt = info.run_cnt;
			bp->run_time_ns = info.run_time_ns;
		}
		close(fd);
	}
	closedir(d);
}

static long status_kb(pid_t pid, const char *key)
{
	char path[64], buf[4096];
	const char *p;

	bench_fmt(path, sizeof(path), "/proc/%d/status", pid);
	if (bench_read_file(path, buf, sizeof(buf)) <= 0)
		return 0;
	p = strstr(buf, key);
	return p ? strtol(p + strlen(key), NULL, 10) : 0;
}

/* ---- auditd ---- */

/* s starts with '\n' so that every field is found as "\nname ". */
static long audit_field(const char *s, const char *name)
{
	char key[64];
	const char *p;

	bench_fmt(key, sizeof(key), "\n%s ", name);
	p = strstr(s, key);
	return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

static int audit_status(long *enabled, long *pid, long *wait, long *lost)
{
	char *argv[] = {"auditctl", "-s", NULL};
	char out[2048] = "\n";
	int err = bench_run_cmd(argv, out + 1, sizeof(out) - 1, 10);

	if (err)
		return err < 0 ? err : -EIO;
	*enabled = audit_field(out, "enabled");
	*pid = audit_field(out, "pid");
	*wait = audit_field(out, "backlog_wait_time_actual");
	*lost = audit_field(out, "lost");
	return 0;
}

static int auditd_attach(struct bench *b, struct bench_conf_state *st)
{
	char rules[600], out[1024];
	char *start[] = {"auditd", "-n", NULL};
	char *load[] = {"auditctl", "-R", rules, NULL};
	long en, apid, wait, lost;
	double end;
	int err;

	err = audit_status(&en, &apid, &wait, &lost);
	if (err)
		return err;
	if (apid > 0) {
		bench_fmt(b->conf_why[CONF_AUDITD],
			  sizeof(b->conf_why[CONF_AUDITD]),
			  "an audit daemon is already running (pid %ld)", apid);
		return -EBUSY;
	}
	st->audit_enabled0 = (int)en;
	bench_fmt(st->err, sizeof(st->err), "%s/auditd.log", b->work);
	st->pid = bench_spawn(start, st->err, false);
	if (st->pid < 0)
		return st->pid;
	for (end = bench_now() + 15; bench_now() < end; usleep(20000)) {
		if (audit_status(&en, &apid, &wait, &lost))
			continue;
		if (apid == st->pid)
			break;
	}
	if (apid != st->pid) {
		bench_fmt(b->conf_why[CONF_AUDITD],
			  sizeof(b->conf_why[CONF_AUDITD]),
			  "auditd did not register with the kernel in 15 s");
		bench_stop(st->pid, SIGKILL, 5, NULL, NULL);
		st->pid = 0;
		return -ETIMEDOUT;
	}
	bench_fmt(rules, sizeof(rules), "%s/audit.rules", b->o.bench_dir);
	err = bench_run_cmd(load, out, sizeof(out), 15);
	if (err) {
		bench_fmt(b->conf_why[CONF_AUDITD],
			  sizeof(b->conf_why[CONF_AUDITD]),
			  "auditctl -R %.80s failed: %.150s", rules, out);
		return -EIO;
	}
	audit_status(&en, &apid, &st->audit_wait0, &st->audit_lost0);
	return 0;
}

static void auditd_detach(struct bench_conf_state *st, struct bench_run *run)
{
	char *del[] = {"auditctl", "-D", "-k", AUDIT_KEY, NULL};
	char en_s[16];
	char *restore[] = {"auditctl", "-e", en_s, NULL};
	long en, apid, wait, lost;

	if (!audit_status(&en, &apid, &wait, &lost) && run) {
		run->has_audit = true;
		run->audit_wait_jiffies = wait - st->audit_wait0;
		run->audit_lost = lost - st->audit_lost0;
	}
	bench_run_cmd(del, NULL, 0, 15);
	if (st->pid > 0)
		bench_stop(st->pid, SIGTERM, 20, NULL, NULL);
	st->pid = 0;
	bench_fmt(en_s, sizeof(en_s), "%d",
		  st->audit_enabled0 > 0 ? st->audit_enabled0 : 0);
	bench_run_cmd(restore, NULL, 0, 15);
}

/* ---- bpftrace ---- */

static void ensure_tracefs(void)
{
	if (!access("/sys/kernel/tracing/events", F_OK))
		return;
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL))
		log_debug("mount tracefs: %s", strerror(errno));
	if (access("/sys/kernel/debug/tracing", F_OK) &&
	    mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL))
		log_debug("mount debugfs: %s", strerror(errno));
}

static int bpftrace_attach(struct bench *b, struct bench_conf_state *st)
{
	char script[600], why[300];
	char *argv[] = {"bpftrace", "-o", st->out, script, NULL};
	int err;

	ensure_tracefs();
	bench_fmt(script, sizeof(script), "%s/rtguard.bt", b->o.bench_dir);
	bench_fmt(st->out, sizeof(st->out), "%s/bpftrace.out", b->work);
	bench_fmt(st->err, sizeof(st->err), "%s/bpftrace.err", b->work);
	unlink(st->out);
	unlink(st->err);
	st->pid = bench_spawn(argv, st->err, false);
	if (st->pid < 0)
		return st->pid;
	err = wait_ready(st->pid, st->out, BT_READY, 90, why, sizeof(why));
	if (err) {
		file_has(st->err, "", why, sizeof(why));
		bench_fmt(b->conf_why[CONF_BPFTRACE],
			  sizeof(b->conf_why[CONF_BPFTRACE]),
			  "bpftrace: %.230s", why);
		st->pid = 0;
	}
	return err;
}

static void bpftrace_detach(struct bench_conf_state *st, struct bench_run *run)
{
	FILE *f;

	if (st->pid > 0)
		bench_stop(st->pid, SIGINT, 60, NULL, NULL);
	st->pid = 0;
	if (!run)
		return;
	run->has_bpftrace = true;
	f = fopen(st->out, "re");
	if (f) {
		int c;

		while ((c = getc_unlocked(f)) != EOF)
			run->bt_lines += c == '\n';
		fclose(f);
	}
	f = fopen(st->err, "re");
	if (f) {
		char line[512];

		while (fgets(line, sizeof(line), f)) {
			const char *p = strstr(line, "Lost ");

			if (p)
				run->bt_lost += strtol(p + 5, NULL, 10);
		}
		fclose(f);
	}
	unlink(st->out);
}

/* ---- dispatch ---- */

int bench_conf_attach(struct bench *b, int conf, struct bench_conf_state **stp)
{
	struct bench_conf_state *st = calloc(1, sizeof(*st));
	int err = 0;

	*stp = NULL;
	if (!st)
		return -ENOMEM;
	st->conf = conf;
	st->stats_fd = -1;
	switch (conf) {
	case CONF_OFF:
		break;
	case CONF_FLOOR:
		err = floor_attach(st);
		if (err)
			bench_fmt(b->conf_why[conf], sizeof(b->conf_why[conf]),
				  "floor programs: %s", strerror(-err));
		break;
	case CONF_ON:
		bench_fmt(st->out, sizeof(st->out), "%s/agent.jsonl", b->work);
		bench_fmt(st->err, sizeof(st->err), "%s/agent.err", b->work);
		st->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (st->stats_fd < 0)
			log_debug("bpf_enable_stats: %s",
				  strerror(-st->stats_fd));
		err = bench_agent_start(b, b->o.policy, st->out, st->err,
					&st->pid);
		break;
	case CONF_AUDITD:
		err = auditd_attach(b, st);
		if (err && st->pid > 0)
			auditd_detach(st, NULL);
		break;
	case CONF_BPFTRACE:
		err = bpftrace_attach(b, st);
		break;
	default:
		err = -EINVAL;
	}
	if (err) {
		if (st->stats_fd >= 0)
			close(st->stats_fd);
		free(st);
		return err;
	}
	*stp = st;
	return 0;
}

int bench_conf_detach(struct bench *b, struct bench_conf_state *st,
		      struct bench_run *run)
{
	struct rusage ru = {};
	int err = 0, status = 0;

	(void)b;
	if (!st)
		return 0;
	switch (st->conf) {
	case CONF_FLOOR:
		floor_bpf__destroy(st->floor);
		break;
	case CONF_ON:
		if (run) {
			run->has_agent = true;
			agent_progs(st->pid, run);
			run->agent_rss_kb = status_kb(st->pid, "VmHWM:");
		}
		err = bench_stop(st->pid, SIGTERM, 60, &status, &ru);
		if (!err && (!WIFEXITED(status) || WEXITSTATUS(status)))
			log_warn("agent exited with status %d on SIGTERM",
				 WIFEXITED(status) ? WEXITSTATUS(status)
						   : 128 + WTERMSIG(status));
		if (run) {
			run->agent_cpu_s =
			    ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
			    ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
			if (ru.ru_maxrss > run->agent_rss_kb)
				run->agent_rss_kb = ru.ru_maxrss;
			bench_agent_count(st->out, NULL, &run->events,
					  &run->lost);
		}
		unlink(st->out);
		break;
	case CONF_AUDITD:
		auditd_detach(st, run);
		break;
	case CONF_BPFTRACE:
		bpftrace_detach(st, run);
		break;
	}
	if (st->stats_fd >= 0)
		close(st->stats_fd);
	free(st);
	return err;
}

/* Can this configuration be used here? Tries a real attach and detach;
 * fills b->conf_why when not. */
int bench_conf_probe(struct bench *b, int conf)
{
	static const char *const need[CONF_MAX][2] = {
	    [CONF_AUDITD] = {"auditd", "auditctl"},
	    [CONF_BPFTRACE] = {"bpftrace", NULL},
	};
	struct bench_conf_state *st;
	int i, err;

	for (i = 0; i < 2; i++) {
		if (need[conf][i] && !bench_have(need[conf][i])) {
			bench_fmt(b->conf_why[conf], sizeof(b->conf_why[conf]),
				  "%s is not installed", need[conf][i]);
			return -ENOENT;
		}
	}
	if (conf != CONF_OFF && geteuid() != 0) {
		bench_fmt(b->conf_why[conf], sizeof(b->conf_why[conf]),
			  "needs root");
		return -EPERM;
	}
	err = bench_conf_attach(b, conf, &st);
	if (err) {
		if (!b->conf_why[conf][0])
			bench_fmt(b->conf_why[conf], sizeof(b->conf_why[conf]),
				  "attach failed: %s", strerror(-err));
		return err;
	}
	return bench_conf_detach(b, st, NULL);
}
