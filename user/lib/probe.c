// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel feature probe (see probe.h): trial loads and attaches of
 * bpf/probe.bpf.c, one mechanism at a time, plus the non-BPF facts, and the
 * decisions the agent follows (DESIGN.md §1 "Probe, then choose").
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "json.h"
#include "log.h"
#include "output.h"
#include "policy_compile.h"
#include "probe.h"
#include "probe.skel.h"

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
};

static const char *const open_tp_names[RTG_NOPEN_TPS] = {
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

static void feat_set(struct rtg_probe *p, enum rtg_feat f, int err,
		     const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void feat_set(struct rtg_probe *p, enum rtg_feat f, int err,
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

static void copy_line(char *dst, size_t n, const char *src)
{
	size_t len = strnlen(src, n - 1);

	memcpy(dst, src, len);
	dst[len] = '\0';
}

/*
 * libbpf's print callback has no context argument, so the capture buffer
 * of the trial in progress is reached through this thread-local pointer;
 * it is set only while probe_kernel() runs on this thread.
 */
struct libbpf_capture {
	char first[RTG_REASON_MAX]; /* first warning of the trial */
	char last[RTG_REASON_MAX];  /* last line of a verifier log */
	bool in_log;
};

static __thread struct libbpf_capture *capture;

static int capture_print(enum libbpf_print_level level, const char *fmt,
			 va_list ap)
{
	char line[512], *s, *nl;

	if (!capture || level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	s = line;
	if (!strncmp(s, "libbpf: ", 8))
		s += 8;
	if (strstr(s, "-- BEGIN PROG LOAD LOG --")) {
		capture->in_log = true;
		return 0;
	}
	if (strstr(s, "-- END PROG LOAD LOG --")) {
		capture->in_log = false;
		return 0;
	}
	if (capture->in_log) {
		/* the verifier log arrives as one block: keep its last
		 * non-empty line ("processed N insns" lines excepted) */
		char *end = s + strlen(s);

		while (end > s && (end[-1] == '\n' || end[-1] == ' '))
			*--end = '\0';
		nl = strrchr(s, '\n');
		s = nl ? nl + 1 : s;
		if (*s && strncmp(s, "processed ", 10))
			copy_line(capture->last, sizeof(capture->last), s);
		return 0;
	}
	nl = strchr(s, '\n');
	if (nl)
		*nl = '\0';
	if (!strncmp(s, "prog '", 6) && (nl = strstr(s, "': ")))
		s = nl + 3; /* the trial says which program it was */
	if (!capture->first[0] && *s)
		copy_line(capture->first, sizeof(capture->first), s);
	return 0;
}

static void capture_fail(struct rtg_probe *p, enum rtg_feat f,
			 const struct libbpf_capture *c, const char *stage,
			 int err)
{
	if (c->last[0])
		feat_set(p, f, err, "%s: %s (verifier: %s)", stage,
			 strerror(-err), c->last);
	else if (c->first[0])
		feat_set(p, f, err, "%s: %s (%s)", stage, strerror(-err),
			 c->first);
	else
		feat_set(p, f, err, "%s: %s", stage, strerror(-err));
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Make the calling thread do an openat() the trial programs can see. */
static void trigger_open(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
}

static int count_record(void *ctx, void *data, size_t size)
{
	(void)data;
	(void)size;
	(*(int *)ctx)++;
	return 0;
}

enum trial_check {
	CHECK_NONE = 0, /* load + attach is the test (hook not triggerable) */
	CHECK_HITS,	/* the program ran for our openat() */
	CHECK_SIGNAL,	/* bpf_send_signal(0) returned 0 */
	CHECK_RINGBUF,	/* a record arrived */
};

struct trial {
	enum rtg_feat feat;
	const char *progs[3];
	const char *map; /* the one optional map to create, if any */
	bool cgroup;	 /* attach to the cgroup2 root */
	enum trial_check check;
};

/* Slowest first (libbpf parses vmlinux BTF for tp_btf, lsm, fentry). */
static const struct trial trials[] = {
    {RTG_FEAT_LSM,
     {"probe_lsm_file_open", "probe_lsm_bprm_check",
      "probe_lsm_socket_connect"},
     NULL,
     false,
     CHECK_HITS},
    {RTG_FEAT_FENTRY, {"probe_fentry"}, NULL, false, CHECK_HITS},
    {RTG_FEAT_TP_BTF, {"probe_tp_btf"}, NULL, false, CHECK_NONE},
    {RTG_FEAT_TRACEPOINT, {"probe_tracepoint"}, NULL, false, CHECK_HITS},
    {RTG_FEAT_LOOP, {"probe_loop"}, NULL, false, CHECK_HITS},
    {RTG_FEAT_SEND_SIGNAL, {"probe_send_signal"}, NULL, false, CHECK_SIGNAL},
    {RTG_FEAT_RINGBUF, {"probe_ringbuf"}, "probe_rb", false, CHECK_RINGBUF},
    {RTG_FEAT_TASK_STORAGE,
     {"probe_task_storage"},
     "probe_task",
     false,
     CHECK_HITS},
    {RTG_FEAT_RAW_TP, {"probe_raw_tp"}, NULL, false, CHECK_NONE},
    {RTG_FEAT_KPROBE, {"probe_kprobe"}, NULL, false, CHECK_HITS},
    {RTG_FEAT_CGROUP_CONNECT4, {"probe_connect4"}, NULL, true, CHECK_NONE},
    {RTG_FEAT_CGROUP_CONNECT6, {"probe_connect6"}, NULL, true, CHECK_NONE},
};

/* Open, load and attach the trial's programs, trigger and check them. */
static void run_trial(struct rtg_probe *p, const struct trial *t, int cg_fd)
{
	struct bpf_link *links[3] = {NULL};
	struct libbpf_capture cap = {0};
	struct ring_buffer *rb = NULL;
	struct probe_bpf *skel = NULL;
	struct bpf_program *prog;
	struct bpf_map *map;
	double t0 = now_ms();
	int err, i, nrec = 0;

	capture = &cap;
	if (t->cgroup && cg_fd < 0) {
		feat_set(p, t->feat, -ENOENT, "no cgroup2 mount found");
		goto cleanup;
	}
	skel = probe_bpf__open();
	if (!skel) {
		err = -errno;
		capture_fail(p, t->feat, &cap, "open", err);
		goto cleanup;
	}
	bpf_object__for_each_map(map, skel->obj)
	{
		const char *name = bpf_map__name(map);

		if (!strcmp(name, "probe_rb") || !strcmp(name, "probe_task"))
			bpf_map__set_autocreate(map, t->map &&
							 !strcmp(name, t->map));
	}
	for (i = 0; i < 3 && t->progs[i]; i++) {
		prog = bpf_object__find_program_by_name(skel->obj, t->progs[i]);
		if (!prog) {
			feat_set(p, t->feat, -ENOENT, "no program %s",
				 t->progs[i]);
			goto cleanup;
		}
		bpf_program__set_autoload(prog, true);
	}
	skel->bss->target_pid = (__u32)getpid();
	err = probe_bpf__load(skel);
	if (err) {
		err = err < 0 ? err : -err;
		capture_fail(p, t->feat, &cap, "load", err);
		goto cleanup;
	}
	for (i = 0; i < 3 && t->progs[i]; i++) {
		prog = bpf_object__find_program_by_name(skel->obj, t->progs[i]);
		links[i] = t->cgroup ? bpf_program__attach_cgroup(prog, cg_fd)
				     : bpf_program__attach(prog);
		if (!links[i]) {
			err = -errno;
			capture_fail(p, t->feat, &cap, "attach", err);
			goto cleanup;
		}
	}
	if (t->check == CHECK_RINGBUF) {
		rb = ring_buffer__new(bpf_map__fd(skel->maps.probe_rb),
				      count_record, &nrec, NULL);
		if (!rb) {
			err = -errno;
			feat_set(p, t->feat, err, "ring_buffer__new: %s",
				 strerror(-err));
			goto cleanup;
		}
	}
	if (t->check != CHECK_NONE)
		trigger_open();
	switch (t->check) {
	case CHECK_NONE:
		feat_set(p, t->feat, 0, "loaded and attached");
		break;
	case CHECK_HITS:
		if (skel->bss->hits)
			feat_set(p, t->feat, 0, "attached and ran");
		else if (t->feat == RTG_FEAT_LSM)
			feat_set(p, t->feat, -ENOSYS,
				 "attached but never called: \"bpf\" is not "
				 "an active LSM (boot with lsm=...,bpf)");
		else
			feat_set(p, t->feat, -ENOSYS, "attached but never ran");
		break;
	case CHECK_SIGNAL:
		if (!skel->bss->hits)
			feat_set(p, t->feat, -ENOSYS, "attached but never ran");
		else if (skel->data->signal_ret)
			feat_set(p, t->feat, (int)skel->data->signal_ret,
				 "bpf_send_signal: %s",
				 strerror((int)-skel->data->signal_ret));
		else
			feat_set(p, t->feat, 0, "bpf_send_signal returned 0");
		break;
	case CHECK_RINGBUF:
		ring_buffer__consume(rb);
		if (nrec > 0)
			feat_set(p, t->feat, 0, "record delivered");
		else
			feat_set(p, t->feat, -ENOSYS,
				 "no record delivered (%llu submitted)",
				 (unsigned long long)skel->bss->hits);
		break;
	}
cleanup:
	ring_buffer__free(rb);
	for (i = 0; i < 3; i++)
		bpf_link__destroy(links[i]);
	probe_bpf__destroy(skel);
	capture = NULL;
	log_debug("probe: %s: %s in %.1f ms", feat_names[t->feat],
		  p->feat[t->feat].ok ? "ok" : "no", now_ms() - t0);
}

/* Trials run in parallel threads: most of a trial's time is waiting
 * (vmlinux BTF parsing, RCU grace periods when a tracepoint is detached),
 * and in sequence they would exceed the start-up budget. Each thread
 * writes only its own feature's entry. */
struct trial_job {
	struct rtg_probe *p;
	const struct trial *t;
	int cg_fd;
	pthread_t th;
	bool running;
};

static void *trial_thread(void *arg)
{
	struct trial_job *j = arg;

	run_trial(j->p, j->t, j->cg_fd);
	return NULL;
}

static void probe_bpf_stats(struct rtg_probe *p);
static void probe_fanotify(struct rtg_probe *p);

/* Run the BPF trials in threads and the other checks meanwhile. */
static void run_trials(struct rtg_probe *p, unsigned int disabled, int cg_fd)
{
	struct trial_job jobs[sizeof(trials) / sizeof(trials[0])];
	size_t i, n = sizeof(trials) / sizeof(trials[0]);

	for (i = 0; i < n; i++) {
		jobs[i] =
		    (struct trial_job){.p = p, .t = &trials[i], .cg_fd = cg_fd};
		if (disabled & (1u << trials[i].feat))
			continue;
		if (!pthread_create(&jobs[i].th, NULL, trial_thread, &jobs[i]))
			jobs[i].running = true;
		else
			run_trial(p, &trials[i], cg_fd);
	}
	if (!(disabled & (1u << RTG_FEAT_BPF_STATS)))
		probe_bpf_stats(p);
	if (!(disabled & (1u << RTG_FEAT_FANOTIFY_PERM)))
		probe_fanotify(p);
	for (i = 0; i < n; i++)
		if (jobs[i].running)
			pthread_join(jobs[i].th, NULL);
}

static void probe_bpf_stats(struct rtg_probe *p)
{
	int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);

	if (fd < 0) {
		int err = errno ? -errno : fd;

		feat_set(p, RTG_FEAT_BPF_STATS, err, "BPF_ENABLE_STATS: %s",
			 strerror(-err));
		return;
	}
	close(fd);
	feat_set(p, RTG_FEAT_BPF_STATS, 0, "BPF_STATS_RUN_TIME");
}

static void probe_fanotify(struct rtg_probe *p)
{
	char path[] = "/tmp/rtguard-probe-XXXXXX";
	int fan, fd = -1, err;

	fan = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC, O_RDONLY);
	if (fan < 0) {
		err = -errno;
		feat_set(p, RTG_FEAT_FANOTIFY_PERM, err, "fanotify_init: %s",
			 strerror(-err));
		return;
	}
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		feat_set(p, RTG_FEAT_FANOTIFY_PERM, err, "temp file: %s",
			 strerror(-err));
		goto cleanup;
	}
	unlink(path);
	/* NULL path: mark the inode fd refers to */
	if (fanotify_mark(fan, FAN_MARK_ADD, FAN_OPEN_PERM | FAN_OPEN_EXEC_PERM,
			  fd, NULL)) {
		err = -errno;
		feat_set(p, RTG_FEAT_FANOTIFY_PERM, err,
			 "fanotify_mark FAN_OPEN_PERM|FAN_OPEN_EXEC_PERM: %s",
			 strerror(-err));
		goto cleanup;
	}
	feat_set(p, RTG_FEAT_FANOTIFY_PERM, 0,
		 "FAN_OPEN_PERM|FAN_OPEN_EXEC_PERM");
cleanup:
	if (fd >= 0)
		close(fd);
	close(fan);
}

/* Read a small text file into buf, trailing newline stripped. */
static int read_text(const char *path, char *buf, size_t n)
{
	ssize_t r;
	int fd;

	buf[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = read(fd, buf, n - 1);
	close(fd);
	if (r < 0)
		return -errno;
	buf[r] = '\0';
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
			if (!strcmp(tok, feat_names[f]))
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
		if (!strncmp(open_tp_names[i], "sys_enter_", 10))
			continue;
		snprintf(path, sizeof(path), "%s/events/syscalls/%s",
			 p->mounts.tracefs, open_tp_names[i]);
		if (!access(path, F_OK))
			p->d.open_tps |= 1u << i;
	}
}

/* Strongest mechanism for a deny of this hook (DESIGN.md §1): 1. BPF LSM
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
	libbpf_print_fn_t old_print;
	double t0 = now_ms();
	struct utsname u;
	int f, cg_fd = -1;

	memset(p, 0, sizeof(*p));
	for (f = 0; f < RTG_NFEAT; f++)
		feat_set(p, f, -ECANCELED, "not probed");
	if (!uname(&u))
		snprintf(p->kernel, sizeof(p->kernel), "%s", u.release);
	probe_privilege(p);

	if (disabled & (1u << RTG_FEAT_BTF))
		feat_set(p, RTG_FEAT_BTF, -ENOENT,
			 "disabled by " RTG_PROBE_DISABLE_ENV);
	else if (access(BTF_PATH, R_OK))
		feat_set(p, RTG_FEAT_BTF, -errno, "%s: %s", BTF_PATH,
			 strerror(errno));
	else
		feat_set(p, RTG_FEAT_BTF, 0, BTF_PATH);

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
	if (p->mounts.cgroup2[0])
		cg_fd =
		    open(p->mounts.cgroup2, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	old_print = libbpf_set_print(capture_print);
	run_trials(p, disabled, cg_fd);
	libbpf_set_print(old_print);
	if (cg_fd >= 0)
		close(cg_fd);

	for (f = 0; f < RTG_NFEAT; f++)
		if (disabled & (1u << f))
			feat_set(p, f, -EOPNOTSUPP,
				 "disabled by " RTG_PROBE_DISABLE_ENV);

	p->elapsed_ms = now_ms() - t0;
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

/* ---- output ---- */

static const char *exec_attach(enum rtg_src s, bool exit)
{
	if (s == RTG_SRC_TP_BTF)
		return exit ? "tp_btf/sched_process_exit"
			    : "tp_btf/sched_process_exec";
	if (s == RTG_SRC_RAW_TP)
		return exit ? "raw_tp/sched_process_exit"
			    : "raw_tp/sched_process_exec";
	return NULL;
}

static void mount_line(FILE *f, const char *name, const char *path,
		       bool mounted, int err)
{
	if (path[0])
		fprintf(f, "  %-16s %-5s %s%s\n", name, "yes", path,
			mounted ? " (mounted by rtguard)" : "");
	else if (err)
		fprintf(f, "  %-16s %-5s not mounted: %s\n", name, "no",
			strerror(-err));
	else
		fprintf(f, "  %-16s %-5s not mounted\n", name, "no");
}

void probe_print(const struct rtg_probe *p, FILE *f)
{
	const struct rtg_mounts *m = &p->mounts;
	const char *s;
	int i, n;

	fprintf(f, "kernel %s", p->kernel);
	if (!p->err)
		fprintf(f, ", probed in %.0f ms", p->elapsed_ms);
	fputc('\n', f);
	if (p->err)
		fprintf(f, "cannot probe: %s\n", p->error);

	fprintf(f, "\n  %-16s %-5s %s\n", "FEATURE", "WORKS", "DETAIL");
	fprintf(f, "  %-16s %-5s euid %u, CapEff:%s%s%s\n", "privileges",
		p->privileged ? "yes" : "no", p->euid, p->cap_bpf ? " bpf" : "",
		p->cap_perfmon ? " perfmon" : "",
		p->cap_sys_admin ? " sys_admin" : "");
	for (i = 0; i < RTG_NFEAT; i++)
		fprintf(f, "  %-16s %-5s %s\n", feat_names[i],
			p->feat[i].ok ? "yes" : "no", p->feat[i].reason);
	fprintf(f, "  %-16s %-5s %s\n", "active LSMs",
		p->bpf_lsm_active ? "bpf" : "-",
		p->lsms_known ? p->lsms : "unknown");
	fprintf(f, "  %-16s %-5s %s\n", "lockdown", "-",
		p->lockdown[0] ? p->lockdown : "unknown");
	mount_line(f, "cgroup2", m->cgroup2, false, 0);
	mount_line(f, "bpffs", m->bpffs, m->mounted_bpffs, m->err_bpffs);
	mount_line(f, "tracefs", m->tracefs, m->mounted_tracefs,
		   m->err_tracefs);
	mount_line(f, "securityfs", m->securityfs, m->mounted_securityfs,
		   m->err_securityfs);

	fprintf(f, "\n  %-26s %s\n", "HOOK", "SOURCE / MECHANISM");
	s = exec_attach(p->d.exec, false);
	fprintf(f, "  %-26s %s\n", "exec events", s ? s : "unavailable");
	s = exec_attach(p->d.exit, true);
	fprintf(f, "  %-26s %s\n", "exit events", s ? s : "unavailable");
	fprintf(f, "  %-26s ", "open events");
	if (p->d.open == RTG_SRC_TRACEPOINT) {
		fprintf(f, "tracepoint syscalls/");
		for (i = 0, n = 0; i < RTG_NOPEN_TPS; i++)
			if (p->d.open_tps & (1u << i))
				fprintf(f, "%s%s", n++ ? "," : "",
					open_tp_names[i]);
		fputc('\n', f);
	} else {
		fprintf(f, "unavailable\n");
	}
	fprintf(f, "  %-26s ", "connect events");
	if (p->d.connect == RTG_SRC_CGROUP) {
		bool c4 = probe_ok(p, RTG_FEAT_CGROUP_CONNECT4);
		bool c6 = probe_ok(p, RTG_FEAT_CGROUP_CONNECT6);

		fprintf(f, "%s%s%s on %s\n", c4 ? "cgroup/connect4" : "",
			c4 && c6 ? " + " : "", c6 ? "cgroup/connect6" : "",
			m->cgroup2);
	} else {
		fprintf(f, "unavailable\n");
	}
	for (i = 0; i < RTG_NENF; i++)
		fprintf(f, "  %-26s %s\n", enf_titles[i],
			p->d.mech[i] ? mech_label(p->d.mech[i])
				     : "none (cannot enforce: audit only)");
}

static void jw_kv_str_or_null(struct json_writer *jw, const char *name,
			      const char *s)
{
	jw_name(jw, name);
	if (s && *s)
		jw_string(jw, s);
	else
		jw_null(jw);
}

void probe_print_json(const struct rtg_probe *p, struct json_writer *jw)
{
	const struct rtg_mounts *m = &p->mounts;
	char buf[sizeof(p->lsms)], *tok, *save;
	int i;

	jw_start_object(jw);
	jw_kv_string(jw, "kernel", p->kernel);
	jw_kv_bool(jw, "ok", !p->err);
	jw_kv_str_or_null(jw, "error", p->err ? p->error : NULL);
	jw_kv_double(jw, "elapsed_ms", p->elapsed_ms);

	jw_name(jw, "privileges");
	jw_start_object(jw);
	jw_kv_uint(jw, "euid", p->euid);
	jw_kv_bool(jw, "cap_bpf", p->cap_bpf);
	jw_kv_bool(jw, "cap_perfmon", p->cap_perfmon);
	jw_kv_bool(jw, "cap_sys_admin", p->cap_sys_admin);
	jw_kv_bool(jw, "sufficient", p->privileged);
	jw_end_object(jw);

	jw_name(jw, "features");
	jw_start_object(jw);
	for (i = 0; i < RTG_NFEAT; i++) {
		jw_name(jw, feat_names[i]);
		jw_start_object(jw);
		jw_kv_bool(jw, "ok", p->feat[i].ok);
		jw_kv_int(jw, "err", p->feat[i].err);
		jw_kv_string(jw, "reason", p->feat[i].reason);
		jw_end_object(jw);
	}
	jw_end_object(jw);

	jw_name(jw, "lsms");
	if (p->lsms_known) {
		jw_start_array(jw);
		snprintf(buf, sizeof(buf), "%s", p->lsms);
		for (tok = strtok_r(buf, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save))
			jw_string(jw, tok);
		jw_end_array(jw);
	} else {
		jw_null(jw);
	}
	jw_kv_bool(jw, "bpf_lsm_active", p->bpf_lsm_active);
	jw_kv_str_or_null(jw, "lockdown", p->lockdown);

	jw_name(jw, "mounts");
	jw_start_object(jw);
	jw_kv_str_or_null(jw, "cgroup2", m->cgroup2);
	jw_kv_str_or_null(jw, "bpffs", m->bpffs);
	jw_kv_str_or_null(jw, "tracefs", m->tracefs);
	jw_kv_str_or_null(jw, "securityfs", m->securityfs);
	jw_name(jw, "mounted");
	jw_start_array(jw);
	if (m->mounted_bpffs)
		jw_string(jw, "bpffs");
	if (m->mounted_tracefs)
		jw_string(jw, "tracefs");
	if (m->mounted_securityfs)
		jw_string(jw, "securityfs");
	jw_end_array(jw);
	jw_end_object(jw);

	jw_name(jw, "sources");
	jw_start_object(jw);
	jw_kv_str_or_null(jw, "exec", exec_attach(p->d.exec, false));
	jw_kv_str_or_null(jw, "exit", exec_attach(p->d.exit, true));
	jw_kv_str_or_null(jw, "open", p->d.open ? "tracepoint" : NULL);
	jw_name(jw, "open_tracepoints");
	jw_start_array(jw);
	for (i = 0; i < RTG_NOPEN_TPS; i++)
		if (p->d.open_tps & (1u << i))
			jw_string(jw, open_tp_names[i]);
	jw_end_array(jw);
	jw_kv_str_or_null(jw, "connect", p->d.connect ? "cgroup" : NULL);
	jw_end_object(jw);

	jw_name(jw, "enforcement");
	jw_start_object(jw);
	for (i = 0; i < RTG_NENF; i++)
		jw_kv_string(jw, enf_names[i], mech_label(p->d.mech[i]));
	jw_end_object(jw);
	jw_end_object(jw);
}

void probe_backends(const struct rtg_probe *p, struct rtg_backends *be)
{
	be->lsm = p->d.mech[RTG_ENF_OPEN_DENY_AFFIX] == RTG_MECH_LSM &&
		  p->d.mech[RTG_ENF_EXEC_DENY_AFFIX] == RTG_MECH_LSM;
	be->fanotify = p->d.mech[RTG_ENF_OPEN_DENY_EQUAL] == RTG_MECH_FANOTIFY ||
		       p->d.mech[RTG_ENF_OPEN_DENY_EQUAL] == RTG_MECH_LSM;
	be->cgroup_connect = p->d.mech[RTG_ENF_CONNECT_DENY] == RTG_MECH_CGROUP;
}
