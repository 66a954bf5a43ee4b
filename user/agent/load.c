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
			unsigned int open_tps, unsigned int fmode_created)
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
}

int agent_attach_opens(struct rtguard_bpf *s, unsigned int open_tps,
		       struct bpf_link **links)
{
	static const int tps[AGENT_OPEN_LINKS] = {
	    RTG_TP_EXIT_OPENAT2, RTG_TP_EXIT_OPEN, RTG_TP_EXIT_CREAT};
	static const char *const tp_names[AGENT_OPEN_LINKS] = {
	    "sys_exit_openat2", "sys_exit_open", "sys_exit_creat"};
	struct bpf_program *prog = bpf_program__autoload(s->progs.exit_opens)
				       ? s->progs.exit_opens
				       : s->progs.exit_opens_btf;
	int i, err;

	if (!bpf_program__autoload(prog))
		return 0;
	for (i = 0; i < AGENT_OPEN_LINKS; i++) {
		if (!(open_tps & (1u << tps[i])))
			continue;
		links[i] = bpf_program__attach_tracepoint(prog, "syscalls",
							  tp_names[i]);
		if (!links[i]) {
			err = -errno;
			log_err("cannot attach %s to %s: %s",
				bpf_program__name(prog), tp_names[i],
				strerror(-err));
			return err;
		}
	}
	return 0;
}

static void set_autoload(struct rtguard_bpf *s, const struct rtg_probe *p)
{
	agent_choose_progs(s, probe_ok(p, RTG_FEAT_LSM), p->d.walk,
			   p->d.open_tps, p->fmode_created);
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
	/* pinned beside the skeleton's links: the cgroup links, then the
	 * open program's other tracepoints */
	static const char *const names[AGENT_CG_LINKS + AGENT_OPEN_LINKS] = {
	    "connect4_root",   "connect6_root",	  "connect_unix_root",
	    "bind4_root",      "bind6_root",	  "exit_opens_openat2",
	    "exit_opens_open", "exit_opens_creat"};
	struct rtguard_bpf *s = a->skel;
	int err, cgfd;

	err = rtguard_bpf__attach(s);
	if (err) {
		log_err("cannot attach BPF programs: %s", strerror(-err));
		return err;
	}
	err = agent_attach_opens(s, a->probe->d.open_tps,
				 &a->links[AGENT_CG_LINKS]);
	if (err)
		return err;
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
	err = pin_links(s, a->links, names, AGENT_CG_LINKS + AGENT_OPEN_LINKS,
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
	for (i = 0; i < AGENT_CG_LINKS + AGENT_OPEN_LINKS; i++)
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
