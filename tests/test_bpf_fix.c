// SPDX-License-Identifier: GPL-2.0
/* The fixture of the BPF-only tests (see test_bpf.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "agent.h"
#include "maps.h"
#include "policy.h"
#include "probe_int.h"
#include "policy_compile.h"
#include "test.h"
#include "test_bpf.h"

#define WAIT_MS 5000

static int on_record(void *ctx, void *data, size_t len)
{
	const struct rtg_hdr *h = data;
	struct fix *f = ctx;
	size_t i;
	void *copy;

	if (h->pid == (__u32)getpid())
		f->self++;
	if (!f->pid || h->pid != (__u32)f->pid || f->nrecs == FIX_MAX_RECS)
		return 0;
	copy = malloc(len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, data, len);
	((char *)copy)[len] = '\0';
	/* in time order: deny/kill records come from a ring of their own */
	for (i = f->nrecs++; i > 0; i--) {
		const struct rtg_hdr *p = f->recs[i - 1];

		if (p->time_ns <= h->time_ns)
			break;
		f->recs[i] = f->recs[i - 1];
	}
	f->recs[i] = copy;
	return 0;
}

/* A syscall tracepoint exists on this kernel (they differ by arch). */
static bool tp_exists(const struct fix *f, const char *name)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/events/syscalls/%s/id",
		 f->mounts.tracefs, name);
	return access(path, F_OK) == 0;
}

/* The rule maps as policy_apply() writes them for the agent. */
bool fix_policy(struct fix *f, const char *policy, int gen, pid_t agent)
{
	struct rtg_backends be = {.cgroup_connect = true};
	struct rtg_config cfg = {.active_gen = gen, .agent_tgid = agent};
	struct rtg_policy_set *set;
	struct rtg_map_fds fds;
	__u32 zero = 0;
	int err = 0;

	if (policy) {
		set = policy_set_new();
		if (!ASSERT_TRUE(set, "policy_set_new"))
			return false;
		err = policy_load_buffer(set, "test", policy, strlen(policy));
		if (!err && !set->nerrors)
			err = policy_compile(set, &be, &f->comp);
		if (!ASSERT_OK(err, "policy compiles") ||
		    !ASSERT_EQ(set->nerrors, 0, "policy errors")) {
			if (set->nerrors)
				fprintf(stderr, "%s\n", set->errors[0].text);
			policy_set_free(set);
			return false;
		}
		policy_set_free(set);
		maps_rule_fds(f->skel, &fds);
		err = policy_apply(f->comp, gen, &fds);
		if (!ASSERT_OK(err, "policy_apply"))
			return false;
	}
	err = bpf_map_update_elem(bpf_map__fd(f->skel->maps.agent_cfg), &zero,
				  &cfg, BPF_ANY);
	return ASSERT_OK(err, "agent_cfg written");
}

bool fix_open(struct fix *f, int gen)
{
	char tmpl[] = "/tmp/rtg-bpf-XXXXXX", dir[PATH_MAX];
	struct bpf_program *prog;
	struct rtguard_bpf *s;
	size_t i;
	int err;

	memset(f, 0, sizeof(*f));
	mounts_ensure(&f->mounts);
	if (!f->mounts.tracefs[0])
		test_skip("no tracefs");
	if (!ASSERT_TRUE(test_mkdtemp(tmpl), "mkdtemp") ||
	    !ASSERT_TRUE(realpath(tmpl, dir), "realpath of the temp dir") ||
	    !ASSERT_TRUE(strlen(dir) < sizeof(f->dir), "temp dir length"))
		return false;
	strcpy(f->dir, dir);
	f->skel = s = rtguard_bpf__open();
	if (!ASSERT_TRUE(s, "rtguard_bpf__open"))
		return false;

	/* as the agent configures it without BPF LSM: the open tracepoints
	 * that this architecture has, the build of the walks the probe picks
	 * here (its trials of bpf/probe_btf.bpf.c) */
	static const int tp_ids[] = {RTG_TP_EXIT_OPENAT, RTG_TP_EXIT_OPENAT2,
				     RTG_TP_EXIT_OPEN, RTG_TP_EXIT_CREAT};
	static struct rtg_probe p;
	unsigned int tps = 0;

	if (!p.feat[RTG_FEAT_RDONLY_CAST].ok && !p.fmode_created)
		probe_walk_trials(&p, 0);
	bpf_map__set_max_entries(s->maps.events, 4 << 20);
	for (i = 0; i < sizeof(tp_ids) / sizeof(tp_ids[0]); i++)
		if (tp_exists(f, probe_open_tp_names[tp_ids[i]]))
			tps |= 1u << tp_ids[i];
	f->open_tps = tps;
	p.d.open_tps = tps;
	p.mounts = f->mounts;
	probe_more_facts(&p);
	agent_choose_progs(s, false,
			   p.feat[RTG_FEAT_RDONLY_CAST].ok
			       ? RTG_WALK_BTF
			       : RTG_WALK_PROBE_READ,
			   tps, p.fmode_created, p.regs_off);
	/* the other hooks' syscall tracepoints, where they exist; no LSM */
	bpf_object__for_each_program(prog, s->obj)
	{
		const char *sec = bpf_program__section_name(prog);

		if (!strncmp(sec, "tracepoint/syscalls/", 20) &&
		    !tp_exists(f, sec + 20))
			bpf_program__set_autoload(prog, false);
		if (!strncmp(sec, "lsm/", 4) || !strncmp(sec, "lsm.s/", 6))
			bpf_program__set_autoload(prog, false);
	}
	err = rtguard_bpf__load(f->skel);
	if (!ASSERT_OK(err, "rtguard_bpf__load"))
		return false;
	if (!fix_policy(f, NULL, gen, 0))
		return false;
	f->rb = ring_buffer__new(bpf_map__fd(f->skel->maps.events), on_record,
				 f, NULL);
	if (!ASSERT_TRUE(f->rb, "ring_buffer__new"))
		return false;
	/* deny and kill records have a ring of their own */
	if (!ASSERT_OK(ring_buffer__add(
			   f->rb, bpf_map__fd(f->skel->maps.enforce_events),
			   on_record, f),
		       "ring_buffer__add enforce_events"))
		return false;
	return ASSERT_OK(rtguard_bpf__attach(f->skel), "rtguard_bpf__attach") &&
	       ASSERT_OK(
		   agent_attach_multi(f->skel, &p, f->multi_links),
		   "the programs of several tracepoints on their others");
}

bool fix_cgroup(struct fix *f)
{
	struct rtguard_bpf *s = f->skel;
	int fd, i, err;

	if (!f->mounts.cgroup2[0]) {
		fix_close(f);
		test_skip("no cgroup2 mount");
	}
	snprintf(f->cg, sizeof(f->cg), "%s/rtg-bpf-test-%d", f->mounts.cgroup2,
		 (int)getpid());
	if (mkdir(f->cg, 0755) && errno != EEXIST) {
		err = errno;
		f->cg[0] = '\0';
		fix_close(f);
		test_skip("cannot create a cgroup: %s", strerror(err));
	}
	fd = open(f->cg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (!ASSERT_GE(fd, 0, "open the test cgroup"))
		return false;
	f->cg_links[0] = bpf_program__attach_cgroup(s->progs.connect4, fd);
	f->cg_links[1] = bpf_program__attach_cgroup(s->progs.connect6, fd);
	close(fd);
	for (i = 0; i < 2; i++)
		if (!ASSERT_TRUE(f->cg_links[i], "connect hook on the cgroup"))
			return false;
	return true;
}

void fix_close(struct fix *f)
{
	char cmd[sizeof(f->dir) + 16];

	fix_reset(f);
	for (size_t i = 0; i < ARRAY_SIZE(f->multi_links); i++)
		bpf_link__destroy(f->multi_links[i]);
	bpf_link__destroy(f->cg_links[0]);
	bpf_link__destroy(f->cg_links[1]);
	if (f->cg[0])
		rmdir(f->cg);
	ring_buffer__free(f->rb);
	rtguard_bpf__destroy(f->skel);
	policy_compiled_free(f->comp);
	if (f->dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
		if (system(cmd))
			fprintf(stderr, "cannot remove %s\n", f->dir);
	}
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* The programs wake no one for a lone record: this consumes on a short
 * period, as the agent does. */
const void *fix_wait(struct fix *f, __u8 type, int n)
{
	long long end = now_ms() + WAIT_MS;
	size_t i;
	int seen;

	do {
		ring_buffer__consume(f->rb);
		seen = 0;
		for (i = 0; i < f->nrecs; i++) {
			const struct rtg_hdr *h = f->recs[i];

			if (h->type == type && seen++ == n)
				return h;
		}
		usleep(5000);
	} while (now_ms() < end);
	return NULL;
}

int fix_count(struct fix *f, __u8 type)
{
	size_t i;
	int n = 0;

	ring_buffer__consume(f->rb);
	for (i = 0; i < f->nrecs; i++)
		n += ((const struct rtg_hdr *)f->recs[i])->type == type;
	return n;
}

bool proc_state(struct fix *f, pid_t pid, struct rtg_proc_state *st)
{
	__u32 key = pid;

	return !bpf_map_lookup_elem(bpf_map__fd(f->skel->maps.procs), &key, st);
}

void fix_reset(struct fix *f)
{
	size_t i;

	for (i = 0; i < f->nrecs; i++)
		free(f->recs[i]);
	f->nrecs = 0;
}

/* exec: strings follow in the order binary, script, cwd, args */
const char *exec_str(const struct rtg_exec *e, int which)
{
	const __u16 lens[] = {e->binary_len, e->script_len, e->cwd_len};
	size_t off = 0;
	int i;

	for (i = 0; i < which; i++)
		off += lens[i];
	return e->data + off;
}

const struct rtg_exec *run_in_dir(struct fix *f, char *const argv[],
				  int *status)
{
	ring_buffer__consume(f->rb);
	fix_reset(f);
	f->pid = fork();
	if (f->pid == 0) {
		if (chdir(f->dir))
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	waitpid(f->pid, status, 0);
	return fix_wait(f, RTG_EV_EXEC, 0);
}
