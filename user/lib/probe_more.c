// SPDX-License-Identifier: GPL-2.0
/*
 * The probe for the hooks after connect (probe_more.h): every hook takes
 * its events from syscall tracepoints (io_uring requests also from the
 * io_uring_submit_req tracepoint, unix connects from cgroup/connect_unix),
 * and a deny is carried out by, in this order: BPF LSM where the agent
 * has a program for the hook; cgroup/bind4|6 for listen; SIGKILL from the
 * tracepoint.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "names.h"
#include "policy_compile.h"
#include "probe_int.h"

/* The syscall tracepoints the hooks use, each with its hook. */
static const struct {
	const char *name;
	int hook;
} tps[] = {
    {"sys_enter_ptrace", RTG_HOOK_PTRACE},
    {"sys_enter_setuid", RTG_HOOK_CRED},
    {"sys_exit_setuid", RTG_HOOK_CRED},
    {"sys_enter_setgid", RTG_HOOK_CRED},
    {"sys_exit_setgid", RTG_HOOK_CRED},
    {"sys_enter_setreuid", RTG_HOOK_CRED},
    {"sys_exit_setreuid", RTG_HOOK_CRED},
    {"sys_enter_setregid", RTG_HOOK_CRED},
    {"sys_exit_setregid", RTG_HOOK_CRED},
    {"sys_enter_setresuid", RTG_HOOK_CRED},
    {"sys_exit_setresuid", RTG_HOOK_CRED},
    {"sys_enter_setresgid", RTG_HOOK_CRED},
    {"sys_exit_setresgid", RTG_HOOK_CRED},
    {"sys_enter_setfsuid", RTG_HOOK_CRED},
    {"sys_exit_setfsuid", RTG_HOOK_CRED},
    {"sys_enter_setfsgid", RTG_HOOK_CRED},
    {"sys_exit_setfsgid", RTG_HOOK_CRED},
    {"sys_enter_setgroups", RTG_HOOK_CRED},
    {"sys_exit_setgroups", RTG_HOOK_CRED},
    {"sys_enter_capset", RTG_HOOK_CRED},
    {"sys_exit_capset", RTG_HOOK_CRED},
    {"sys_exit_init_module", RTG_HOOK_MODULE},
    {"sys_exit_finit_module", RTG_HOOK_MODULE},
    {"sys_exit_delete_module", RTG_HOOK_MODULE},
    {"sys_exit_bpf", RTG_HOOK_BPF},
    {"sys_exit_mount", RTG_HOOK_MOUNT},
    {"sys_exit_umount", RTG_HOOK_MOUNT},
    {"sys_exit_move_mount", RTG_HOOK_MOUNT},
    {"sys_exit_fsmount", RTG_HOOK_MOUNT},
    {"sys_exit_pivot_root", RTG_HOOK_MOUNT},
    {"sys_exit_open_tree", RTG_HOOK_MOUNT},
    {"sys_exit_mount_setattr", RTG_HOOK_MOUNT},
    {"sys_enter_setns", RTG_HOOK_NAMESPACE},
    {"sys_enter_unshare", RTG_HOOK_NAMESPACE},
    {"sys_enter_clone", RTG_HOOK_NAMESPACE},
    {"sys_enter_clone3", RTG_HOOK_NAMESPACE},
    {"sys_enter_listen", RTG_HOOK_LISTEN},
    {"sys_enter_socket", RTG_HOOK_LISTEN},
    {"sys_enter_mmap", RTG_HOOK_MMAP_EXEC},
    {"sys_enter_mprotect", RTG_HOOK_MMAP_EXEC},
    {"sys_enter_io_uring_setup", RTG_HOOK_IO_URING},
};
#define NTPS ((int)(sizeof(tps) / sizeof(tps[0])))
_Static_assert(NTPS <= 64, "rtg_more_decision.tps has 64 bits");

/* The tracepoint each hook cannot do without. */
static const char *const hook_tp[RTG_NHOOKS] = {
    [RTG_HOOK_PTRACE] = "sys_enter_ptrace",
    [RTG_HOOK_CRED] = "sys_exit_setuid",
    [RTG_HOOK_MODULE] = "sys_exit_finit_module",
    [RTG_HOOK_BPF] = "sys_exit_bpf",
    [RTG_HOOK_MOUNT] = "sys_exit_mount",
    [RTG_HOOK_NAMESPACE] = "sys_enter_unshare",
    [RTG_HOOK_LISTEN] = "sys_enter_listen",
    [RTG_HOOK_MMAP_EXEC] = "sys_enter_mmap",
    [RTG_HOOK_IO_URING] = "sys_enter_io_uring_setup",
};

static int tp_index(const char *name)
{
	int i;

	for (i = 0; i < NTPS; i++)
		if (!strcmp(tps[i].name, name))
			return i;
	return -1;
}

int probe_more_tp_hook(const char *name)
{
	int i = tp_index(name);

	return i >= 0 ? tps[i].hook : -1;
}

bool probe_more_has_tp(const struct rtg_probe *p, const char *name)
{
	int i = tp_index(name);

	return i >= 0 && (p->d.more.tps & (1ULL << i));
}

void probe_more_facts(struct rtg_probe *p)
{
	char path[RTG_MOUNT_PATH_MAX + 96];
	int i, major, minor;

	p->d.more.tps = 0;
	p->d.more.uring_submit = false;
	/* userns_create came with 6.1; a backport is only not used */
	p->d.more.userns_hook =
	    sscanf(p->kernel, "%d.%d", &major, &minor) == 2 &&
	    (major > 6 || (major == 6 && minor >= 1));
	if (!p->mounts.tracefs[0])
		return;
	for (i = 0; i < NTPS; i++) {
		snprintf(path, sizeof(path), "%s/events/syscalls/%s",
			 p->mounts.tracefs, tps[i].name);
		if (!access(path, F_OK))
			p->d.more.tps |= 1ULL << i;
	}
	/* io_uring_submit_req(struct io_kiocb *req) is the shape of 6.0+
	 * (5.x named it io_uring_submit_sqe, with other arguments) */
	snprintf(path, sizeof(path), "%s/events/io_uring/io_uring_submit_req",
		 p->mounts.tracefs);
	p->d.more.uring_submit = !access(path, F_OK);
}

void probe_more_decide(struct rtg_probe *p)
{
	struct rtg_more_decision *m = &p->d.more;
	bool tp = probe_ok(p, RTG_FEAT_TRACEPOINT);
	bool kill = probe_ok(p, RTG_FEAT_SEND_SIGNAL);
	int h;

	/* the hooks with programs in bpf/lsm_more.bpf.c */
	m->lsm_hooks = 0;
	if (probe_ok(p, RTG_FEAT_LSM))
		m->lsm_hooks = (1u << RTG_HOOK_PTRACE) | (1u << RTG_HOOK_CRED) |
			       (1u << RTG_HOOK_MODULE) | (1u << RTG_HOOK_BPF) |
			       (1u << RTG_HOOK_MOUNT) |
			       (1u << RTG_HOOK_MMAP_EXEC) |
			       (1u << RTG_HOOK_LISTEN) |
			       (m->userns_hook ? 1u << RTG_HOOK_NAMESPACE : 0);
	for (h = RTG_HOOK_PTRACE; h < RTG_NHOOKS; h++) {
		m->src[h] = tp && probe_more_has_tp(p, hook_tp[h])
				? RTG_MSRC_TRACEPOINT
				: RTG_MSRC_NONE;
		if (h == RTG_HOOK_MODULE && m->src[h] == RTG_MSRC_NONE &&
		    probe_ok(p, RTG_FEAT_RAW_TP))
			m->src[h] = RTG_MSRC_RAW_TP;
		if (m->src[h] == RTG_MSRC_NONE && (m->lsm_hooks & (1u << h)))
			m->src[h] = RTG_MSRC_LSM;
		if (m->lsm_hooks & (1u << h))
			m->deny[h] = RTG_MECH_LSM;
		else if (h == RTG_HOOK_LISTEN &&
			 probe_ok(p, RTG_FEAT_CGROUP_BIND))
			m->deny[h] = RTG_MECH_CGROUP;
		else if (m->src[h] != RTG_MSRC_NONE && kill)
			m->deny[h] = RTG_MECH_SIGKILL;
		else
			m->deny[h] = RTG_MECH_NONE;
	}
	if (!probe_ok(p, RTG_FEAT_TP_BTF))
		m->uring_submit = false;
	if (probe_ok(p, RTG_FEAT_CGROUP_CONNECT_UNIX)) {
		m->unix_src = RTG_MSRC_CGROUP;
		m->unix_deny = RTG_MECH_CGROUP;
	} else if (probe_ok(p, RTG_FEAT_LSM)) {
		m->unix_src = RTG_MSRC_LSM; /* lsm/socket_connect */
		m->unix_deny = RTG_MECH_LSM;
	} else {
		m->unix_src = RTG_MSRC_NONE;
		m->unix_deny = RTG_MECH_NONE;
	}
}

void probe_more_backends(const struct rtg_probe *p, struct rtg_backends *be)
{
	be->cgroup_unix = p->d.more.unix_src == RTG_MSRC_CGROUP;
	be->cgroup_bind = p->d.more.deny[RTG_HOOK_LISTEN] == RTG_MECH_CGROUP;
	be->lsm_hooks = p->d.more.lsm_hooks;
}

/* The LSM hooks of each hook's programs (bpf/lsm_more.bpf.c, and the
 * bench floor's in bpf/floor.bpf.c): the one place that knows which BPF
 * LSM program serves which event type. */
static const char *const lsm_progs[RTG_NHOOKS] = {
    [RTG_HOOK_PTRACE] = "ptrace_access_check,ptrace_traceme",
    [RTG_HOOK_CRED] =
	"task_fix_setuid,task_fix_setgid,task_fix_setgroups,capset",
    [RTG_HOOK_MODULE] = "kernel_read_file,kernel_load_data",
    [RTG_HOOK_BPF] = "bpf",
    [RTG_HOOK_MOUNT] = "sb_mount,sb_umount,move_mount,sb_pivotroot",
    [RTG_HOOK_NAMESPACE] = "userns_create",
    [RTG_HOOK_LISTEN] = "socket_listen",
    [RTG_HOOK_MMAP_EXEC] = "mmap_file,file_mprotect",
};

int probe_more_lsm_hook(const char *sec)
{
	const char *name, *s;
	size_t n;
	int h;

	if (*sec == '?')
		sec++;
	if (strncmp(sec, "lsm/", 4))
		return -1;
	name = sec + 4;
	n = strlen(name);
	for (h = 0; h < RTG_NHOOKS; h++)
		for (s = lsm_progs[h]; s && (s = strstr(s, name)); s += n)
			if ((s == lsm_progs[h] || s[-1] == ',') &&
			    (s[n] == ',' || !s[n]))
				return h;
	return -1;
}

/* The hook's source in words, into buf. */
static const char *src_text(const struct rtg_probe *p, int h, char *buf,
			    size_t len)
{
	const struct rtg_more_decision *m = &p->d.more;
	bool both = false;
	size_t n = 0;
	int i;

	buf[0] = '\0';
	switch (m->src[h]) {
	case RTG_MSRC_NONE:
		return "unavailable";
	case RTG_MSRC_RAW_TP:
		return "raw_tp/sys_enter (no module syscalls in this kernel: "
		       "the attempts)";
	case RTG_MSRC_LSM:
		return "lsm only";
	default:
		break;
	}
	n += snprintf(buf + n, len - n, "tracepoint syscalls/");
	for (i = 0; i < NTPS && n < len; i++) {
		const char *t = tps[i].name;

		if (tps[i].hook != h || !(m->tps & (1ULL << i)))
			continue;
		/* a sys_exit_ beside its sys_enter_ is said once, below */
		if (!strncmp(t, "sys_exit_", 9) && i > 0 &&
		    !strcmp(tps[i - 1].name + 10, t + 9)) {
			both = true;
			continue;
		}
		n += snprintf(buf + n, len - n, "%s%s",
			      buf[n - 1] == '/' ? "" : ",", t);
	}
	if (both && n < len)
		n += snprintf(buf + n, len - n, " (and their sys_exit_)");
	if (h == RTG_HOOK_IO_URING && m->uring_submit && n < len)
		snprintf(buf + n, len - n, " + tp_btf/io_uring_submit_req");
	if (h == RTG_HOOK_LISTEN && m->deny[h] == RTG_MECH_CGROUP && n < len)
		n += snprintf(buf + n, len - n, " + cgroup/bind4|6");
	if ((m->lsm_hooks & (1u << h)) && n < len)
		snprintf(buf + n, len - n, " + lsm/%s", lsm_progs[h]);
	return buf;
}

static const char *unix_text(const struct rtg_more_decision *m)
{
	if (m->unix_src == RTG_MSRC_CGROUP)
		return "cgroup/connect_unix";
	if (m->unix_src == RTG_MSRC_LSM)
		return "lsm/socket_connect (no cgroup/connect_unix: before "
		       "6.7)";
	return "unavailable";
}

static const char *deny_text(enum rtg_mech m)
{
	return m ? mech_label(m) : "none (cannot enforce: audit only)";
}

void probe_more_print(const struct rtg_probe *p, FILE *f)
{
	const struct rtg_more_decision *m = &p->d.more;
	char buf[512], title[40];
	int h;

	fprintf(f, "  %-26s %s\n", "unix connect events", unix_text(m));
	fprintf(f, "  %-26s %s\n", "unix connect deny",
		deny_text(m->unix_deny));
	for (h = RTG_HOOK_PTRACE; h < RTG_NHOOKS; h++) {
		snprintf(title, sizeof(title), "%s events", hook_name(h));
		fprintf(f, "  %-26s %s\n", title,
			src_text(p, h, buf, sizeof(buf)));
		snprintf(title, sizeof(title), "%s deny", hook_name(h));
		fprintf(f, "  %-26s %s\n", title, deny_text(m->deny[h]));
	}
}

void probe_more_print_json(const struct rtg_probe *p, struct json_writer *jw)
{
	const struct rtg_more_decision *m = &p->d.more;
	char buf[512];
	int h;

	jw_name(jw, "hooks");
	jw_start_object(jw);
	jw_name(jw, "connect_unix");
	jw_start_object(jw);
	jw_kv_string(jw, "source", unix_text(m));
	jw_kv_string(jw, "deny", mech_label(m->unix_deny));
	jw_end_object(jw);
	for (h = RTG_HOOK_PTRACE; h < RTG_NHOOKS; h++) {
		jw_name(jw, hook_name(h));
		jw_start_object(jw);
		jw_kv_string(jw, "source", src_text(p, h, buf, sizeof(buf)));
		jw_kv_string(jw, "deny", mech_label(m->deny[h]));
		jw_end_object(jw);
	}
	jw_end_object(jw);
}
