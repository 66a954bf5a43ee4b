// SPDX-License-Identifier: GPL-2.0
/*
 * The JSON format: one object per event, the fields users and scripts rely
 * on (time, type, action, enforced, policy, rule, process, parent and the
 * event's own object), written through the one JSON writer.
 */
#include <sys/socket.h>
#include <time.h>

#include "json.h"
#include "output.h"

static void json_time(struct json_writer *jw, const struct timespec *ts)
{
	char buf[64];
	struct tm tm;
	time_t sec = ts->tv_sec;
	size_t n;

	gmtime_r(&sec, &tm);
	n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, sizeof(buf) - n, ".%09ldZ", ts->tv_nsec);
	jw_kv_string(jw, "time", buf);
}

static void json_process(struct json_writer *jw,
			 const struct rtg_event_view *ev)
{
	const struct rtg_proc_info *p = ev->proc;
	int i;

	jw_name(jw, "process");
	jw_start_object(jw);
	jw_kv_uint(jw, "pid", ev->pid);
	jw_kv_uint(jw, "tid", ev->tid);
	jw_kv_uint(jw, "ppid", ev->ppid);
	jw_kv_uint(jw, "uid", ev->uid);
	jw_kv_uint(jw, "gid", ev->gid);
	jw_kv_string(jw, "comm", ev->comm);
	if (p && p->binary)
		jw_kv_string(jw, "binary", p->binary);
	if (p && p->argv) {
		jw_name(jw, "args");
		jw_start_array(jw);
		for (i = 0; i < p->argc; i++)
			jw_string(jw, p->argv[i]);
		jw_end_array(jw);
	}
	if (p && p->cwd)
		jw_kv_string(jw, "cwd", p->cwd);
	if (p && p->exec_id[0])
		jw_kv_string(jw, "exec_id", p->exec_id);
	jw_kv_uint(jw, "cgroup_id", ev->cgroup_id);
	if (ev->container_id && ev->container_id[0])
		jw_kv_string(jw, "container_id", ev->container_id);
	if (ev->pod_uid && ev->pod_uid[0])
		jw_kv_string(jw, "pod_uid", ev->pod_uid);
	jw_end_object(jw);
}

static void json_parent(struct json_writer *jw, const struct rtg_event_view *ev)
{
	const struct rtg_proc_info *pp = ev->parent;
	const char *exec_id = NULL;

	if (pp)
		exec_id = pp->exec_id;
	else if (ev->proc && ev->proc->parent_exec_id[0])
		exec_id = ev->proc->parent_exec_id; /* binary unknown */
	if (!pp && !exec_id)
		return;
	jw_name(jw, "parent");
	jw_start_object(jw);
	jw_kv_uint(jw, "pid", pp ? pp->pid : ev->ppid);
	if (pp && pp->binary)
		jw_kv_string(jw, "binary", pp->binary);
	if (exec_id && exec_id[0])
		jw_kv_string(jw, "exec_id", exec_id);
	jw_end_object(jw);
}

static void json_exec(struct json_writer *jw, const struct rtg_event_view *ev)
{
	bool trunc = ev->exec.args_truncated || ev->exec.cwd_truncated ||
		     ev->exec.binary_truncated;

	if (!ev->exec.script && !trunc && !ev->exec.binary_partial)
		return;
	jw_name(jw, "exec");
	jw_start_object(jw);
	if (ev->exec.script)
		jw_kv_string(jw, "script", ev->exec.script);
	if (ev->exec.binary_truncated)
		jw_kv_bool(jw, "binary_truncated", true);
	if (ev->exec.args_truncated)
		jw_kv_bool(jw, "args_truncated", true);
	if (ev->exec.cwd_truncated)
		jw_kv_bool(jw, "cwd_truncated", true);
	if (trunc)
		jw_kv_bool(jw, "truncated", true);
	/* a mount shows the binary under a path that was not known */
	if (ev->exec.binary_partial)
		jw_kv_bool(jw, "binary_partial", true);
	jw_end_object(jw);
}

static void json_file(struct json_writer *jw, const struct rtg_event_view *ev)
{
	const char *names[OPEN_FLAGS_MAX];
	uint32_t unknown;
	char hex[16];
	int n, i;

	jw_name(jw, "file");
	jw_start_object(jw);
	jw_kv_string(jw, "path", ev->open.path ?: "");
	n = open_flags_decode(ev->open.oflags, names, OPEN_FLAGS_MAX, &unknown);
	jw_name(jw, "flags");
	jw_start_array(jw);
	for (i = 0; i < n; i++)
		jw_string(jw, names[i]);
	if (unknown) {
		snprintf(hex, sizeof(hex), "0x%x", unknown);
		jw_string(jw, hex);
	}
	jw_end_array(jw);
	if (ev->open.path_truncated)
		jw_kv_bool(jw, "truncated", true);
	/* a mount shows the file under a path that was not known */
	if (ev->open.path_partial)
		jw_kv_bool(jw, "partial", true);
	jw_end_object(jw);
}

static void json_connect(struct json_writer *jw,
			 const struct rtg_event_view *ev)
{
	const char *p = proto_name(ev->connect.protocol);

	jw_name(jw, "connect");
	jw_start_object(jw);
	jw_kv_string(jw, "family",
		     ev->connect.family == AF_INET6 ? "inet6" : "inet");
	if (p)
		jw_kv_string(jw, "protocol", p);
	else
		jw_kv_uint(jw, "protocol", ev->connect.protocol);
	jw_kv_string(jw, "daddr", ev->connect.daddr);
	jw_kv_uint(jw, "dport", ev->connect.dport);
	if (ev->connect.saddr[0])
		jw_kv_string(jw, "saddr", ev->connect.saddr);
	if (ev->connect.sport)
		jw_kv_uint(jw, "sport", ev->connect.sport);
	jw_end_object(jw);
}

void output_json_event(struct json_writer *jw, const struct rtg_event_view *ev)
{
	const char *mech;

	jw_start_object(jw);
	json_time(jw, &ev->realtime);
	jw_kv_string(jw, "type", type_name(ev->type));
	if (ev->type == RTG_EV_LOST) {
		jw_kv_uint(jw, "count", ev->lost.count);
		jw_kv_string(jw, "source", ev->lost.source ?: "");
		jw_end_object(jw);
		return;
	}
	jw_kv_string(jw, "action", action_name(ev->action));
	jw_kv_bool(jw, "enforced", ev->enforced);
	if (ev->policy)
		jw_kv_string(jw, "policy", ev->policy);
	if (ev->rule_name)
		jw_kv_string(jw, "rule", ev->rule_name);
	mech = mech_name(ev->mech);
	if (mech && ev->action >= RTG_ACT_DENY)
		jw_kv_string(jw, "mechanism", mech);
	json_process(jw, ev);
	json_parent(jw, ev);
	switch (ev->type) {
	case RTG_EV_EXEC:
		json_exec(jw, ev);
		break;
	case RTG_EV_EXIT:
		jw_name(jw, "exit");
		jw_start_object(jw);
		jw_kv_int(jw, "code", ev->exit.code);
		jw_kv_int(jw, "signal", ev->exit.signal);
		jw_end_object(jw);
		break;
	case RTG_EV_OPEN:
		json_file(jw, ev);
		break;
	case RTG_EV_CONNECT:
		json_connect(jw, ev);
		break;
	default:
		break;
	}
	jw_end_object(jw);
}
