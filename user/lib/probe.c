// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel feature probe (see probe.h): the facts that need no trial
 * (privilege, BTF, mounts, LSMs, lockdown, syscall tracepoints), the trials
 * (probe_trials.c), and the decisions the agent follows: per hook the event
 * source, per enforcement case the strongest mechanism that works.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"
#include "policy_compile.h"
#include "probe_int.h"

#define BTF_PATH	  "/sys/kernel/btf/vmlinux"
#define CAP_SYS_ADMIN_BIT 21
#define CAP_PERFMON_BIT	  38
#define CAP_BPF_BIT	  39

static const char *const feat_names[RTG_NFEAT] = {
    [RTG_FEAT_BTF] = "btf",
    [RTG_FEAT_TRACEPOINT] = "tracepoint",
    [RTG_FEAT_RAW_TP] = "raw_tp",
    [RTG_FEAT_TP_BTF] = "tp_btf",
    [RTG_FEAT_LSM] = "lsm",
    [RTG_FEAT_FENTRY] = "fentry",
    [RTG_FEAT_KPROBE] = "kprobe",
    [RTG_FEAT_CGROUP_CONNECT4] = "cgroup_connect4",
    [RTG_FEAT_CGROUP_CONNECT6] = "cgroup_connect6",
    [RTG_FEAT_SEND_SIGNAL] = "send_signal",
    [RTG_FEAT_RINGBUF] = "ringbuf",
    [RTG_FEAT_TASK_STORAGE] = "task_storage",
    [RTG_FEAT_BPF_STATS] = "bpf_stats",
    [RTG_FEAT_FANOTIFY_PERM] = "fanotify_perm",
    [RTG_FEAT_LOOP] = "bpf_loop",
    [RTG_FEAT_CGROUP_CONNECT_UNIX] = "cgroup_connect_unix",
    [RTG_FEAT_CGROUP_BIND] = "cgroup_bind",
    [RTG_FEAT_RDONLY_CAST] = "rdonly_cast",
};

const char *const probe_open_tp_names[RTG_NOPEN_TPS] = {
    "sys_enter_openat", "sys_exit_openat", "sys_enter_openat2",
    "sys_exit_openat2", "sys_enter_open",  "sys_exit_open",
    "sys_enter_creat",	"sys_exit_creat",
};

static const char *const enf_names[RTG_NENF] = {
    [RTG_ENF_EXEC_DENY_EQUAL] = "exec_deny_equal",
    [RTG_ENF_EXEC_DENY_AFFIX] = "exec_deny_prefix_suffix",
    [RTG_ENF_OPEN_DENY_EQUAL] = "open_deny_equal",
    [RTG_ENF_OPEN_DENY_AFFIX] = "open_deny_prefix_suffix",
    [RTG_ENF_CONNECT_DENY] = "connect_deny",
    [RTG_ENF_KILL] = "kill",
};

static const char *const enf_titles[RTG_NENF] = {
    [RTG_ENF_EXEC_DENY_EQUAL] = "exec deny (equal path)",
    [RTG_ENF_EXEC_DENY_AFFIX] = "exec deny (prefix/suffix)",
    [RTG_ENF_OPEN_DENY_EQUAL] = "open deny (equal path)",
    [RTG_ENF_OPEN_DENY_AFFIX] = "open deny (prefix/suffix)",
    [RTG_ENF_CONNECT_DENY] = "connect deny",
    [RTG_ENF_KILL] = "kill",
};

const char *probe_feat_name(enum rtg_feat f)
{
	return f < RTG_NFEAT ? feat_names[f] : "?";
}

const char *probe_enf_name(enum rtg_enf e)
{
	return e < RTG_NENF ? enf_names[e] : "?";
}

const char *probe_src_name(enum rtg_src s)
{
	switch (s) {
	case RTG_SRC_TP_BTF:
		return "tp_btf";
	case RTG_SRC_RAW_TP:
		return "raw_tp";
	case RTG_SRC_TRACEPOINT:
		return "tracepoint";
	case RTG_SRC_CGROUP:
		return "cgroup";
	default:
		return "none";
	}
}

const char *probe_walk_name(enum rtg_walk w)
{
	return w == RTG_WALK_BTF ? "btf" : "probe_read";
}

const char *probe_enf_title(enum rtg_enf e)
{
	return e < RTG_NENF ? enf_titles[e] : "?";
}

void probe_feat_set(struct rtg_probe *p, enum rtg_feat f, int err,
		    const char *fmt, ...)
{
	struct rtg_feature *ft = &p->feat[f];
	va_list ap;

	ft->ok = !err;
	ft->err = err;
	ft->reason[0] = '\0';
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(ft->reason, sizeof(ft->reason), fmt, ap);
		va_end(ap);
	}
}

/* A small text file into buf, trailing newline stripped. */
static int read_text(const char *path, char *buf, size_t n)
{
	ssize_t r = read_file(path, buf, n);

	if (r < 0)
		return (int)r;
	while (r > 0 && (buf[r - 1] == '\n' || buf[r - 1] == ' '))
		buf[--r] = '\0';
	return 0;
}

static void probe_security(struct rtg_probe *p)
{
	char path[RTG_MOUNT_PATH_MAX + 16], buf[256], *a, *b, *tok, *save;

	if (!p->mounts.securityfs[0])
		return;
	snprintf(path, sizeof(path), "%s/lsm", p->mounts.securityfs);
	if (!read_text(path, p->lsms, sizeof(p->lsms))) {
		p->lsms_known = true;
		snprintf(buf, sizeof(buf), "%s", p->lsms);
		for (tok = strtok_r(buf, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save))
			if (!strcmp(tok, "bpf"))
				p->bpf_lsm_active = true;
	}
	snprintf(path, sizeof(path), "%s/lockdown", p->mounts.securityfs);
	if (!read_text(path, buf, sizeof(buf))) {
		a = strchr(buf, '[');
		b = a ? strchr(a, ']') : NULL;
		if (a && b) {
			*b = '\0';
			snprintf(p->lockdown, sizeof(p->lockdown), "%s", a + 1);
		}
	}
}

static void probe_privilege(struct rtg_probe *p)
{
	unsigned long long eff = 0;
	char *line = NULL;
	size_t cap = 0;
	FILE *f;

	p->euid = geteuid();
	f = fopen("/proc/self/status", "re");
	if (f) {
		while (getline(&line, &cap, f) > 0)
			if (sscanf(line, "CapEff: %llx", &eff) == 1)
				break;
		free(line);
		fclose(f);
	}
	p->cap_sys_admin = eff & (1ULL << CAP_SYS_ADMIN_BIT);
	p->cap_perfmon = eff & (1ULL << CAP_PERFMON_BIT);
	p->cap_bpf = eff & (1ULL << CAP_BPF_BIT);
	p->privileged = p->cap_sys_admin || (p->cap_bpf && p->cap_perfmon);
}

/* Parse RTG_PROBE_DISABLE into a bit mask of features. */
static unsigned int disabled_features(void)
{
	const char *env = getenv(RTG_PROBE_DISABLE_ENV);
	char buf[512], *tok, *save;
	unsigned int mask = 0;
	int f;

	if (!env || !*env)
		return 0;
	snprintf(buf, sizeof(buf), "%s", env);
	for (tok = strtok_r(buf, ", ", &save); tok;
	     tok = strtok_r(NULL, ", ", &save)) {
		for (f = 0; f < RTG_NFEAT; f++)
			if (!strcmp(tok, probe_feat_name(f)))
				break;
		if (f == RTG_NFEAT)
			log_warn("%s: unknown feature '%s'",
				 RTG_PROBE_DISABLE_ENV, tok);
		else
			mask |= 1u << f;
	}
	return mask;
}

static void find_open_tps(struct rtg_probe *p)
{
	char path[RTG_MOUNT_PATH_MAX + 64];
	int i;

	p->d.open_tps = 0;
	if (!p->mounts.tracefs[0])
		return;
	for (i = 0; i < RTG_NOPEN_TPS; i++) {
		/* the agent hooks sys_exit only (flags from the registers) */
		if (!strncmp(probe_open_tp_names[i], "sys_enter_", 10))
			continue;
		snprintf(path, sizeof(path), "%s/events/syscalls/%s",
			 p->mounts.tracefs, probe_open_tp_names[i]);
		if (!access(path, F_OK))
			p->d.open_tps |= 1u << i;
	}
}

/* Strongest mechanism for a deny of this hook: 1. BPF LSM
 * decides in the kernel; 2. without it, equal paths get fanotify
 * permission marks; 3. otherwise SIGKILL from the hook's event source. */
static enum rtg_mech deny_mech(const struct rtg_probe *p, enum rtg_src src,
			       bool equal)
{
	if (probe_ok(p, RTG_FEAT_LSM))
		return RTG_MECH_LSM;
	if (equal && probe_ok(p, RTG_FEAT_FANOTIFY_PERM))
		return RTG_MECH_FANOTIFY;
	if (src != RTG_SRC_NONE && probe_ok(p, RTG_FEAT_SEND_SIGNAL))
		return RTG_MECH_SIGKILL;
	return RTG_MECH_NONE;
}

void probe_decide(struct rtg_probe *p)
{
	const unsigned int exits =
	    (1u << RTG_TP_EXIT_OPENAT) | (1u << RTG_TP_EXIT_OPENAT2) |
	    (1u << RTG_TP_EXIT_OPEN) | (1u << RTG_TP_EXIT_CREAT);
	struct rtg_decision *d = &p->d;
	enum rtg_mech *m = d->mech;

	if (probe_ok(p, RTG_FEAT_TP_BTF))
		d->exec = RTG_SRC_TP_BTF;
	else if (probe_ok(p, RTG_FEAT_RAW_TP))
		d->exec = RTG_SRC_RAW_TP;
	else
		d->exec = RTG_SRC_NONE;
	d->exit = d->exec;
	d->open = RTG_SRC_NONE;
	if (probe_ok(p, RTG_FEAT_TRACEPOINT) && (d->open_tps & exits))
		d->open = RTG_SRC_TRACEPOINT;
	/* direct loads where they work (6.2+), probe reads before */
	d->walk = probe_ok(p, RTG_FEAT_RDONLY_CAST) ? RTG_WALK_BTF
						    : RTG_WALK_PROBE_READ;
	d->connect = RTG_SRC_NONE;
	if (probe_ok(p, RTG_FEAT_CGROUP_CONNECT4) ||
	    probe_ok(p, RTG_FEAT_CGROUP_CONNECT6))
		d->connect = RTG_SRC_CGROUP;

	m[RTG_ENF_EXEC_DENY_EQUAL] = deny_mech(p, d->exec, true);
	m[RTG_ENF_EXEC_DENY_AFFIX] = deny_mech(p, d->exec, false);
	m[RTG_ENF_OPEN_DENY_EQUAL] = deny_mech(p, d->open, true);
	m[RTG_ENF_OPEN_DENY_AFFIX] = deny_mech(p, d->open, false);
	/* connect stays on the cgroup hooks: a real EPERM without LSM */
	if (d->connect == RTG_SRC_CGROUP)
		m[RTG_ENF_CONNECT_DENY] = RTG_MECH_CGROUP;
	else if (probe_ok(p, RTG_FEAT_LSM))
		m[RTG_ENF_CONNECT_DENY] = RTG_MECH_LSM;
	else
		m[RTG_ENF_CONNECT_DENY] = RTG_MECH_NONE;
	m[RTG_ENF_KILL] = RTG_MECH_NONE;
	if (probe_ok(p, RTG_FEAT_SEND_SIGNAL) &&
	    (d->exec != RTG_SRC_NONE || d->open != RTG_SRC_NONE))
		m[RTG_ENF_KILL] = RTG_MECH_SIGKILL;
	probe_more_decide(p);
}

static int fail(struct rtg_probe *p, int err, const char *msg)
{
	p->err = err;
	snprintf(p->error, sizeof(p->error), "%s", msg);
	probe_decide(p);
	return err;
}

int probe_kernel(struct rtg_probe *p)
{
	unsigned int disabled = disabled_features();
	double t0 = probe_now_ms();
	struct utsname u;
	int f, cg_fd = -1;

	memset(p, 0, sizeof(*p));
	for (f = 0; f < RTG_NFEAT; f++)
		probe_feat_set(p, f, -ECANCELED, "not probed");
	if (!uname(&u))
		snprintf(p->kernel, sizeof(p->kernel), "%s", u.release);
	probe_privilege(p);

	if (disabled & (1u << RTG_FEAT_BTF))
		probe_feat_set(p, RTG_FEAT_BTF, -ENOENT,
			       "disabled by " RTG_PROBE_DISABLE_ENV);
	else if (access(BTF_PATH, R_OK))
		probe_feat_set(p, RTG_FEAT_BTF, -errno, "%s: %s", BTF_PATH,
			       strerror(errno));
	else
		probe_feat_set(p, RTG_FEAT_BTF, 0, BTF_PATH);

	if (!p->privileged) {
		mounts_parse(NULL, &p->mounts);
		return fail(p, -EPERM,
			    "needs CAP_BPF and CAP_PERFMON (run as root)");
	}
	if (!probe_ok(p, RTG_FEAT_BTF)) {
		mounts_parse(NULL, &p->mounts);
		return fail(p, -ENOENT,
			    disabled & (1u << RTG_FEAT_BTF)
				? "kernel has no BTF at " BTF_PATH
				  " (disabled by " RTG_PROBE_DISABLE_ENV ")"
				: "kernel has no BTF at " BTF_PATH);
	}

	mounts_ensure(&p->mounts);
	probe_security(p);
	find_open_tps(p);
	probe_more_facts(p);
	if (p->mounts.cgroup2[0])
		cg_fd =
		    open(p->mounts.cgroup2, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	probe_run_trials(p, disabled, cg_fd);
	if (cg_fd >= 0)
		close(cg_fd);

	for (f = 0; f < RTG_NFEAT; f++)
		if (disabled & (1u << f))
			probe_feat_set(p, f, -EOPNOTSUPP,
				       "disabled by " RTG_PROBE_DISABLE_ENV);

	p->elapsed_ms = probe_now_ms() - t0;
	if (!probe_ok(p, RTG_FEAT_LOOP)) {
		char msg[sizeof(p->error)];

		snprintf(msg, sizeof(msg),
			 "kernel %.30s lacks bpf_loop/bpf_task_pt_regs (%.40s): rtguard needs Linux 5.17+",
			 p->kernel, p->feat[RTG_FEAT_LOOP].reason);
		return fail(p, -EOPNOTSUPP, msg);
	}
	probe_decide(p);
	return 0;
}

void probe_backends(const struct rtg_probe *p, struct rtg_backends *be)
{
	be->lsm = p->d.mech[RTG_ENF_OPEN_DENY_AFFIX] == RTG_MECH_LSM &&
		  p->d.mech[RTG_ENF_EXEC_DENY_AFFIX] == RTG_MECH_LSM;
	be->fanotify =
	    p->d.mech[RTG_ENF_OPEN_DENY_EQUAL] == RTG_MECH_FANOTIFY ||
	    p->d.mech[RTG_ENF_OPEN_DENY_EQUAL] == RTG_MECH_LSM;
	be->cgroup_connect = p->d.mech[RTG_ENF_CONNECT_DENY] == RTG_MECH_CGROUP;
	probe_more_backends(p, be);
}
