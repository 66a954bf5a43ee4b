// SPDX-License-Identifier: GPL-2.0
/*
 * `rtguard probe` output (probe.h): the feature table and the source or
 * mechanism of each hook, as text and as one JSON object.
 */
#include <string.h>

#include "json.h"
#include "names.h"
#include "probe_int.h"

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
		fprintf(f, "  %-16s %-5s %s\n", probe_feat_name(i),
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
					probe_open_tp_names[i]);
		fputc('\n', f);
	} else {
		fprintf(f, "unavailable\n");
	}
	fprintf(f, "  %-26s %s\n", "open path walk",
		p->d.walk == RTG_WALK_BTF
		    ? "btf (direct loads through bpf_rdonly_cast)"
		    : "probe_read (bpf_probe_read_kernel)");
	/* open flags at sys_exit: the task's saved registers */
	if (p->d.walk == RTG_WALK_BTF && p->regs_off)
		fprintf(f, "  %-26s task stack + %u (measured)\n",
			"open flags registers", p->regs_off);
	else
		fprintf(f, "  %-26s bpf_task_pt_regs()\n",
			"open flags registers");
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
		fprintf(f, "  %-26s %s\n", probe_enf_title(i),
			p->d.mech[i] ? mech_label(p->d.mech[i])
				     : "none (cannot enforce: audit only)");
	probe_more_print(p, f);
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
		jw_name(jw, probe_feat_name(i));
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
			jw_string(jw, probe_open_tp_names[i]);
	jw_end_array(jw);
	jw_kv_str_or_null(jw, "connect", p->d.connect ? "cgroup" : NULL);
	jw_kv_string(jw, "walk", probe_walk_name(p->d.walk));
	jw_kv_uint(jw, "regs_off", p->d.walk == RTG_WALK_BTF ? p->regs_off : 0);
	jw_end_object(jw);

	jw_name(jw, "enforcement");
	jw_start_object(jw);
	for (i = 0; i < RTG_NENF; i++)
		jw_kv_string(jw, probe_enf_name(i), mech_label(p->d.mech[i]));
	jw_end_object(jw);
	probe_more_print_json(p, jw);
	jw_end_object(jw);
}
