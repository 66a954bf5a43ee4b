// SPDX-License-Identifier: GPL-2.0
/*
 * The BPF side of the agent's life: open the skeleton, configure it as the
 * probe decided (user/lib/probe.h), point the persistent maps at their pins
 * (user/agent/pin.h), load, attach, pin the links; and at the end detach.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "agent.h"
#include "log.h"
#include "maps.h"
#include "pin.h"
#include "probe.h"
#include "rtguard.skel.h"

/* Which programs load: the LSM ones when BPF LSM works, and of the open
 * tracepoints those the kernel has (sys_exit only: the flags come from the
 * file and the syscall's registers); the ones that walk paths (opens, LSM,
 * exec) in the build the probe chose (bpf/kread.bpf.h: direct BTF loads on
 * 6.2+, probe reads before; each build is meant for the verifiers of its
 * kernels). */
void agent_choose_progs(struct rtguard_bpf *s, bool lsm, int walk,
			unsigned int open_tps, unsigned int fmode_created,
			unsigned int regs_off)
{
	bool btf = walk == RTG_WALK_BTF;

	bpf_program__set_autoload(s->progs.handle_exec, !btf);
	bpf_program__set_autoload(s->progs.handle_exec_btf, btf);
	bpf_program__set_autoload(s->progs.lsm_file_open, lsm && !btf);
	bpf_program__set_autoload(s->progs.lsm_bprm_check, lsm && !btf);
	bpf_program__set_autoload(s->progs.lsm_file_open_btf, lsm && btf);
	bpf_program__set_autoload(s->progs.lsm_bprm_check_btf, lsm && btf);
	bpf_program__set_autoload(s->progs.exit_opens,
				  !btf &&
				      (open_tps & (1u << RTG_TP_EXIT_OPENAT)));
	bpf_program__set_autoload(s->progs.exit_opens_btf,
				  btf &&
				      (open_tps & (1u << RTG_TP_EXIT_OPENAT)));
	if (fmode_created)
		s->rodata->fmode_created = fmode_created;
	s->rodata->regs_off = regs_off;
	/* the open tracepoints skip what lsm/file_open decided */
	s->rodata->open_handoff_on = lsm;
}

/* The programs that serve several syscall tracepoints (bpf/open.bpf.c,
 * task.bpf.c, sys.bpf.c) read the syscall from the tracepoint's record,
 * so that the verifier checks each once. The skeleton attaches each to the
 * tracepoint of its SEC(); these are the others, where the kernel has
 * them (the open ones as enum rtg_open_tp, the others as
 * probe_more_has_tp() knows them). */
enum { MULTI_OPENS, MULTI_ENTER_CREDS, MULTI_EXIT_CREDS, MULTI_EXIT_MOUNTS };

static const struct {
	int prog;
	const char *tp; /* under syscalls/ */
	int open_tp;	/* enum rtg_open_tp, -1: not an open */
} multi_tps[] = {
    {MULTI_OPENS, "sys_exit_openat2", RTG_TP_EXIT_OPENAT2},
    {MULTI_OPENS, "sys_exit_open", RTG_TP_EXIT_OPEN},
    {MULTI_OPENS, "sys_exit_creat", RTG_TP_EXIT_CREAT},
    {MULTI_ENTER_CREDS, "sys_enter_setgid", -1},
    {MULTI_ENTER_CREDS, "sys_enter_setreuid", -1},
    {MULTI_ENTER_CREDS, "sys_enter_setregid", -1},
    {MULTI_ENTER_CREDS, "sys_enter_setresuid", -1},
    {MULTI_ENTER_CREDS, "sys_enter_setresgid", -1},
    {MULTI_ENTER_CREDS, "sys_enter_setfsuid", -1},
    {MULTI_ENTER_CREDS, "sys_enter_setfsgid", -1},
    {MULTI_ENTER_CREDS, "sys_enter_setgroups", -1},
    {MULTI_ENTER_CREDS, "sys_enter_capset", -1},
    {MULTI_EXIT_CREDS, "sys_exit_setgid", -1},
    {MULTI_EXIT_CREDS, "sys_exit_setreuid", -1},
    {MULTI_EXIT_CREDS, "sys_exit_setregid", -1},
    {MULTI_EXIT_CREDS, "sys_exit_setresuid", -1},
    {MULTI_EXIT_CREDS, "sys_exit_setresgid", -1},
    {MULTI_EXIT_CREDS, "sys_exit_setfsuid", -1},
    {MULTI_EXIT_CREDS, "sys_exit_setfsgid", -1},
    {MULTI_EXIT_CREDS, "sys_exit_setgroups", -1},
    {MULTI_EXIT_CREDS, "sys_exit_capset", -1},
    {MULTI_EXIT_MOUNTS, "sys_exit_umount", -1},
    {MULTI_EXIT_MOUNTS, "sys_exit_move_mount", -1},
    {MULTI_EXIT_MOUNTS, "sys_exit_fsmount", -1},
    {MULTI_EXIT_MOUNTS, "sys_exit_pivot_root", -1},
    {MULTI_EXIT_MOUNTS, "sys_exit_open_tree", -1},
    {MULTI_EXIT_MOUNTS, "sys_exit_mount_setattr", -1},
};
_Static_assert(sizeof(multi_tps) / sizeof(multi_tps[0]) == AGENT_MULTI_LINKS,
	       "one link of struct agent per row");

static struct bpf_program *multi_prog(struct rtguard_bpf *s, int which)
{
	switch (which) {
	case MULTI_OPENS:
		return bpf_program__autoload(s->progs.exit_opens)
			   ? s->progs.exit_opens
			   : s->progs.exit_opens_btf;
	case MULTI_ENTER_CREDS:
		return s->progs.enter_creds;
	case MULTI_EXIT_CREDS:
		return s->progs.exit_creds;
	default:
		return s->progs.exit_mounts;
	}
}

void agent_multi_pin_name(struct rtguard_bpf *s, int i, char *buf, size_t len)
{
	const char *tp = multi_tps[i].tp;
	const char *name = bpf_program__name(multi_prog(s, multi_tps[i].prog));
	size_t n = strlen(name);

	/* exit_opens_btf's links are exit_opens_*: one name whatever the build */
	if (n > 4 && !strcmp(name + n - 4, "_btf"))
		n -= 4;
	/* "sys_exit_openat2" -> "openat2" */
	tp = strchr(tp + 4, '_') + 1;
	snprintf(buf, len, "%.*s_%s", (int)n, name, tp);
}

int agent_attach_multi(struct rtguard_bpf *s, const struct rtg_probe *p,
		       struct bpf_link **links)
{
	struct bpf_program *prog;
	bool has;
	int i, err;

	for (i = 0; i < AGENT_MULTI_LINKS; i++) {
		prog = multi_prog(s, multi_tps[i].prog);
		has = multi_tps[i].open_tp >= 0
			  ? !!(p->d.open_tps & (1u << multi_tps[i].open_tp))
			  : probe_more_has_tp(p, multi_tps[i].tp);
		if (!bpf_program__autoload(prog) || !has)
			continue;
		links[i] = bpf_program__attach_tracepoint(prog, "syscalls",
							  multi_tps[i].tp);
		if (!links[i]) {
			err = -errno;
			log_err("cannot attach %s to %s: %s",
				bpf_program__name(prog), multi_tps[i].tp,
				strerror(-err));
			return err;
		}
	}
	return 0;
}

static void set_autoload(struct rtguard_bpf *s, const struct rtg_probe *p)
{
	agent_choose_progs(s, probe_ok(p, RTG_FEAT_LSM), p->d.walk,
			   p->d.open_tps, p->fmode_created, p->regs_off);
}

/* --pin-dir, by default <bpffs>/rtguard */
static void pin_dir_of(const struct agent *a, char *buf, size_t len)
{
	if (a->opts.pin_dir)
		snprintf(buf, len, "%s", a->opts.pin_dir);
	else
		snprintf(buf, len, "%s/rtguard", a->probe->mounts.bpffs);
}

/* One agent per pin directory; a previous agent's maps are adopted. */
static int prepare_pins(struct agent *a)
{
	int err;

	pin_dir_of(a, a->pin_dir, sizeof(a->pin_dir));
	a->lock_fd = pin_lock(a->pin_dir);
	if (a->lock_fd == -EBUSY) {
		log_err("another rtguard agent runs with pins in %s (use "
			"--pin-dir or --no-pin to run a second one)",
			a->pin_dir);
		a->pin_dir[0] = '\0';
		return -EBUSY;
	}
	err = pin_prepare(a->skel, a->pin_dir, &a->adopted);
	if (err)
		a->pin_dir[0] = '\0';
	return err;
}

int agent_load(struct agent *a)
{
	const struct rtg_decision *d = &a->probe->d;
	struct rtguard_bpf *s;
	int err;

	s = rtguard_bpf__open();
	if (!s) {
		log_err("cannot open BPF object: %s", strerror(errno));
		return -errno;
	}
	a->skel = s;
	if (a->opts.ringbuf_kb)
		bpf_map__set_max_entries(s->maps.events,
					 a->opts.ringbuf_kb * 1024);
	set_autoload(s, a->probe);
	agent_more_autoload(s, a->probe);
	if (d->exec != RTG_SRC_TP_BTF || d->connect != RTG_SRC_CGROUP) {
		log_err("this kernel lacks %s (rtguard probe shows why)",
			d->exec != RTG_SRC_TP_BTF ? "tp_btf programs"
						  : "cgroup connect hooks");
		return -EOPNOTSUPP;
	}
	if (!a->opts.no_pin) {
		err = prepare_pins(a);
		if (err)
			return err;
	}
	err = rtguard_bpf__load(s);
	if (err) {
		log_err("cannot load BPF programs: %s (rtguard needs Linux "
			"5.17 or later with BTF: bpf_loop, bpf_task_pt_regs; "
			"run with --verbose for the verifier's log)",
			strerror(-err));
		return err;
	}
	return 0;
}

int agent_attach(struct agent *a)
{
	/* pinned beside the skeleton's links: the cgroup links, then those
	 * of the programs on several tracepoints */
	static const char *const cg_names[AGENT_CG_LINKS] = {
	    "connect4_root", "connect6_root", "connect_unix_root", "bind4_root",
	    "bind6_root"};
	static char multi_names[AGENT_MULTI_LINKS][64];
	const char *names[AGENT_CG_LINKS + AGENT_MULTI_LINKS];
	struct rtguard_bpf *s = a->skel;
	int err, cgfd, i;

	err = rtguard_bpf__attach(s);
	if (err) {
		log_err("cannot attach BPF programs: %s", strerror(-err));
		return err;
	}
	err = agent_attach_multi(s, a->probe, &a->links[AGENT_CG_LINKS]);
	if (err)
		return err;
	for (i = 0; i < AGENT_CG_LINKS; i++)
		names[i] = cg_names[i];
	for (i = 0; i < AGENT_MULTI_LINKS; i++) {
		agent_multi_pin_name(s, i, multi_names[i],
				     sizeof(multi_names[i]));
		names[AGENT_CG_LINKS + i] = multi_names[i];
	}
	cgfd =
	    open(a->probe->mounts.cgroup2, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgfd < 0) {
		log_err("cannot open cgroup2 root %s: %s",
			a->probe->mounts.cgroup2, strerror(errno));
		return -errno;
	}
	a->links[0] = bpf_program__attach_cgroup(s->progs.connect4, cgfd);
	a->links[1] = bpf_program__attach_cgroup(s->progs.connect6, cgfd);
	if (!a->links[0] || !a->links[1]) {
		err = -errno;
		close(cgfd);
		log_err("cannot attach connect hooks to %s: %s",
			a->probe->mounts.cgroup2, strerror(-err));
		return err;
	}
	err = agent_more_attach(a, cgfd, &a->links[2]);
	close(cgfd);
	if (err)
		return err;
	if (!a->pin_dir[0])
		return 0;
	err = pin_links(s, a->links, names, AGENT_CG_LINKS + AGENT_MULTI_LINKS,
			a->pin_dir);
	if (err)
		return err;
	if (a->adopted)
		log_info(
		    "took over from the previous agent's pinned programs in %s",
		    a->pin_dir);
	return 0;
}

void agent_unload(struct agent *a)
{
	int i;

	/* A clean exit detaches, unless the programs are to outlive us. The
	 * kernel frees unpinned tracepoint links in deferred work: disarm
	 * them first. The pins go last, so that the cgroup links are detached
	 * synchronously (BPF_LINK_DETACH) once we no longer hold them. */
	if (a->pin_dir[0] && !a->opts.keep_pins && a->skel)
		maps_disarm(a->skel);
	for (i = 0; i < AGENT_CG_LINKS + AGENT_MULTI_LINKS; i++)
		bpf_link__destroy(a->links[i]);
	rtguard_bpf__destroy(a->skel);
	if (a->pin_dir[0] && !a->opts.keep_pins)
		pin_remove_all(a->pin_dir);
	if (a->lock_fd >= 0)
		close(a->lock_fd);
}

int agent_unpin(const struct agent *a)
{
	char dir[sizeof(a->pin_dir)];
	int err;

	pin_dir_of(a, dir, sizeof(dir));
	err = pin_remove_all(dir);
	if (err) {
		log_err("cannot remove pins: %s", strerror(-err));
		return RTG_EXIT_KERNEL;
	}
	log_info(
	    "removed pins in %s; rtguard programs left behind are detached",
	    dir);
	return RTG_EXIT_OK;
}
