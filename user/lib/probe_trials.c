// SPDX-License-Identifier: GPL-2.0
/*
 * The trials of the probe (probe.h): one tiny program of bpf/probe.bpf.c per
 * mechanism, loaded, attached, triggered and checked, in parallel threads,
 * with libbpf's messages captured as the reason of a failure; and the two
 * checks that need no BPF program (BPF run-time stats, fanotify permission
 * events).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "probe_int.h"
#include "probe.skel.h"

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
		probe_feat_set(p, f, err, "%s: %s (verifier: %s)", stage,
			       strerror(-err), c->last);
	else if (c->first[0])
		probe_feat_set(p, f, err, "%s: %s (%s)", stage, strerror(-err),
			       c->first);
	else
		probe_feat_set(p, f, err, "%s: %s", stage, strerror(-err));
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

/* enum bpf_attach_type values newer than some libbpf headers */
#define ATTACH_CGROUP_UNIX_CONNECT 49

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
    {RTG_FEAT_CGROUP_CONNECT_UNIX,
     {"probe_connect_unix"},
     NULL,
     true,
     CHECK_NONE},
    {RTG_FEAT_CGROUP_BIND,
     {"probe_bind4", "probe_bind6"},
     NULL,
     true,
     CHECK_NONE},
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
	double t0 = probe_now_ms();
	int err, i, nrec = 0;

	capture = &cap;
	if (t->cgroup && cg_fd < 0) {
		probe_feat_set(p, t->feat, -ENOENT, "no cgroup2 mount found");
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
			probe_feat_set(p, t->feat, -ENOENT, "no program %s",
				       t->progs[i]);
			goto cleanup;
		}
		bpf_program__set_autoload(prog, true);
		/* its section names connect4 (see bpf/probe.bpf.c) */
		if (t->feat == RTG_FEAT_CGROUP_CONNECT_UNIX)
			bpf_program__set_expected_attach_type(
			    prog, ATTACH_CGROUP_UNIX_CONNECT);
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
			probe_feat_set(p, t->feat, err, "ring_buffer__new: %s",
				       strerror(-err));
			goto cleanup;
		}
	}
	if (t->check != CHECK_NONE)
		trigger_open();
	switch (t->check) {
	case CHECK_NONE:
		probe_feat_set(p, t->feat, 0, "loaded and attached");
		break;
	case CHECK_HITS:
		if (skel->bss->hits)
			probe_feat_set(p, t->feat, 0, "attached and ran");
		else if (t->feat == RTG_FEAT_LSM)
			probe_feat_set(
			    p, t->feat, -ENOSYS,
			    "attached but never called: \"bpf\" is not "
			    "an active LSM (boot with lsm=...,bpf)");
		else
			probe_feat_set(p, t->feat, -ENOSYS,
				       "attached but never ran");
		break;
	case CHECK_SIGNAL:
		if (!skel->bss->hits)
			probe_feat_set(p, t->feat, -ENOSYS,
				       "attached but never ran");
		else if (skel->data->signal_ret)
			probe_feat_set(p, t->feat, (int)skel->data->signal_ret,
				       "bpf_send_signal: %s",
				       strerror((int)-skel->data->signal_ret));
		else
			probe_feat_set(p, t->feat, 0,
				       "bpf_send_signal returned 0");
		break;
	case CHECK_RINGBUF:
		ring_buffer__consume(rb);
		if (nrec > 0)
			probe_feat_set(p, t->feat, 0, "record delivered");
		else
			probe_feat_set(p, t->feat, -ENOSYS,
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
	log_debug("probe: %s: %s in %.1f ms", probe_feat_name(t->feat),
		  p->feat[t->feat].ok ? "ok" : "no", probe_now_ms() - t0);
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

struct walk_job {
	struct rtg_probe *p;
	unsigned int disabled;
};

static void *walk_thread(void *arg)
{
	struct walk_job *j = arg;

	probe_walk_trials(j->p, j->disabled);
	return NULL;
}

static void probe_bpf_stats(struct rtg_probe *p);
static void probe_fanotify(struct rtg_probe *p);

void probe_run_trials(struct rtg_probe *p, unsigned int disabled, int cg_fd)
{
	struct trial_job jobs[sizeof(trials) / sizeof(trials[0])];
	size_t i, n = sizeof(trials) / sizeof(trials[0]);
	libbpf_print_fn_t old_print = libbpf_set_print(capture_print);
	struct walk_job wj = { p, disabled };
	pthread_t wth;
	bool wrun;

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
	wrun = !pthread_create(&wth, NULL, walk_thread, &wj);
	if (!wrun)
		probe_walk_trials(p, disabled);
	if (!(disabled & (1u << RTG_FEAT_BPF_STATS)))
		probe_bpf_stats(p);
	if (!(disabled & (1u << RTG_FEAT_FANOTIFY_PERM)))
		probe_fanotify(p);
	for (i = 0; i < n; i++)
		if (jobs[i].running)
			pthread_join(jobs[i].th, NULL);
	if (wrun)
		pthread_join(wth, NULL);
	libbpf_set_print(old_print);
}

static void probe_bpf_stats(struct rtg_probe *p)
{
	int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);

	if (fd < 0) {
		int err = errno ? -errno : fd;

		probe_feat_set(p, RTG_FEAT_BPF_STATS, err,
			       "BPF_ENABLE_STATS: %s", strerror(-err));
		return;
	}
	close(fd);
	probe_feat_set(p, RTG_FEAT_BPF_STATS, 0, "BPF_STATS_RUN_TIME");
}

static void probe_fanotify(struct rtg_probe *p)
{
	char path[] = "/tmp/rtguard-probe-XXXXXX";
	int fan, fd = -1, err;

	fan = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC, O_RDONLY);
	if (fan < 0) {
		err = -errno;
		probe_feat_set(p, RTG_FEAT_FANOTIFY_PERM, err,
			       "fanotify_init: %s", strerror(-err));
		return;
	}
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		probe_feat_set(p, RTG_FEAT_FANOTIFY_PERM, err, "temp file: %s",
			       strerror(-err));
		goto cleanup;
	}
	unlink(path);
	/* NULL path: mark the inode fd refers to */
	if (fanotify_mark(fan, FAN_MARK_ADD, FAN_OPEN_PERM | FAN_OPEN_EXEC_PERM,
			  fd, NULL)) {
		err = -errno;
		probe_feat_set(
		    p, RTG_FEAT_FANOTIFY_PERM, err,
		    "fanotify_mark FAN_OPEN_PERM|FAN_OPEN_EXEC_PERM: %s",
		    strerror(-err));
		goto cleanup;
	}
	probe_feat_set(p, RTG_FEAT_FANOTIFY_PERM, 0,
		       "FAN_OPEN_PERM|FAN_OPEN_EXEC_PERM");
cleanup:
	if (fd >= 0)
		close(fd);
	close(fan);
}
