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

/* bpf/lsm_more.bpf.c: each where BPF LSM decides its hook. */
static void lsm_autoload(struct rtguard_bpf *s,
			 const struct rtg_more_decision *m)
{
	const struct {
		struct bpf_program *prog;
		int hook;
	} progs[] = {
	    {s->progs.lsm_ptrace_access, RTG_HOOK_PTRACE},
	    {s->progs.lsm_ptrace_traceme, RTG_HOOK_PTRACE},
	    {s->progs.lsm_fix_setuid, RTG_HOOK_CRED},
	    {s->progs.lsm_fix_setgid, RTG_HOOK_CRED},
	    {s->progs.lsm_fix_setgroups, RTG_HOOK_CRED},
	    {s->progs.lsm_capset, RTG_HOOK_CRED},
	    {s->progs.lsm_read_module, RTG_HOOK_MODULE},
	    {s->progs.lsm_load_module, RTG_HOOK_MODULE},
	    {s->progs.lsm_bpf, RTG_HOOK_BPF},
	    {s->progs.lsm_sb_mount, RTG_HOOK_MOUNT},
	    {s->progs.lsm_userns_create, RTG_HOOK_NAMESPACE},
	    {s->progs.lsm_socket_listen, RTG_HOOK_LISTEN},
	    {s->progs.lsm_sb_umount, RTG_HOOK_MOUNT},
	    {s->progs.lsm_move_mount, RTG_HOOK_MOUNT},
	    {s->progs.lsm_pivotroot, RTG_HOOK_MOUNT},
	    {s->progs.lsm_mmap_file, RTG_HOOK_MMAP_EXEC},
	    {s->progs.lsm_file_mprotect, RTG_HOOK_MMAP_EXEC},
	};
	size_t i;

	for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++)
		bpf_program__set_autoload(
		    progs[i].prog, !!(m->lsm_hooks & (1u << progs[i].hook)));
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
