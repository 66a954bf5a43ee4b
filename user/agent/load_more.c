// SPDX-License-Identifier: GPL-2.0
/*
 * The programs of the hooks after connect (bpf/task.bpf.c, sys.bpf.c,
 * sock.bpf.c, mmap.bpf.c, uring.bpf.c): which ones load follows the
 * probe's decisions (user/lib/probe_more.h), and the cgroup ones are
 * attached to the cgroup2 root beside connect4|6.
 */
#include <errno.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "agent.h"
#include "log.h"
#include "probe.h"
#include "rtguard.skel.h"

#define TP_PREFIX "tracepoint/syscalls/"
/* enum bpf_attach_type values newer than some libbpf headers */
#define ATTACH_CGROUP_UNIX_CONNECT 49

/* bpf/lsm_more.bpf.c: each where BPF LSM decides its hook (the probe
 * knows which program serves which hook). */
static void lsm_autoload(struct rtguard_bpf *s,
			 const struct rtg_more_decision *m)
{
	struct bpf_program *prog;
	int h;

	bpf_object__for_each_program(prog, s->obj)
	{
		h = probe_more_lsm_hook(bpf_program__section_name(prog));
		if (h >= 0)
			bpf_program__set_autoload(prog,
						  !!(m->lsm_hooks & (1u << h)));
	}
	bpf_program__set_autoload(s->progs.lsm_unix_connect,
				  m->unix_src == RTG_MSRC_LSM);
}

void agent_more_autoload(struct rtguard_bpf *s, const struct rtg_probe *p)
{
	const struct rtg_more_decision *m = &p->d.more;
	struct bpf_program *prog;
	const char *sec;
	int h;

	bpf_object__for_each_program(prog, s->obj)
	{
		sec = bpf_program__section_name(prog);
		if (strncmp(sec, TP_PREFIX, strlen(TP_PREFIX)))
			continue;
		h = probe_more_tp_hook(sec + strlen(TP_PREFIX));
		if (h < 0)
			continue; /* not one of these hooks' */
		bpf_program__set_autoload(
		    prog, m->src[h] == RTG_MSRC_TRACEPOINT &&
			      probe_more_has_tp(p, sec + strlen(TP_PREFIX)));
	}
	bpf_program__set_autoload(s->progs.sys_enter_module_raw,
				  m->src[RTG_HOOK_MODULE] == RTG_MSRC_RAW_TP);
	bpf_program__set_autoload(s->progs.uring_submit, m->uring_submit);
	bpf_program__set_autoload(s->progs.connect_unix,
				  m->unix_src == RTG_MSRC_CGROUP);
	bpf_program__set_expected_attach_type(s->progs.connect_unix,
					      ATTACH_CGROUP_UNIX_CONNECT);
	bpf_program__set_autoload(s->progs.bind4,
				  m->deny[RTG_HOOK_LISTEN] == RTG_MECH_CGROUP);
	lsm_autoload(s, m);
	bpf_program__set_autoload(s->progs.bind6,
				  m->deny[RTG_HOOK_LISTEN] == RTG_MECH_CGROUP);
}

int agent_more_attach(struct agent *a, int cgfd, struct bpf_link **links)
{
	struct bpf_program *progs[3] = {a->skel->progs.connect_unix,
					a->skel->progs.bind4,
					a->skel->progs.bind6};
	int i, err;

	for (i = 0; i < 3; i++) {
		if (!bpf_program__autoload(progs[i]))
			continue;
		links[i] = bpf_program__attach_cgroup(progs[i], cgfd);
		if (!links[i]) {
			err = -errno;
			log_err("cannot attach %s to %s: %s",
				bpf_program__name(progs[i]),
				a->probe->mounts.cgroup2, strerror(-err));
			return err;
		}
	}
	return 0;
}
