// SPDX-License-Identifier: GPL-2.0
/*
 * The peers the bench compares the agent with:
 *   auditd    auditd -n with equivalent syscall rules (bench/audit.rules);
 *             its kernel counters (backlog wait, lost) per run
 *   bpftrace  an equivalent tracepoint script (bench/rtguard.bt) writing
 *             one line per exec/open/connect to a file; lines and losses
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "bench_conf.h"
#include "log.h"

#define BT_READY  "rtguard-bench: attached"
#define AUDIT_KEY "rtguard-bench"

/* s starts with '\n' so that every field is found as "\nname ". */
static long audit_field(const char *s, const char *name)
{
	char key[64];
	const char *p;

	bench_fmt(key, sizeof(key), "\n%s ", name);
	p = strstr(s, key);
	return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

static int audit_status(long *enabled, long *pid, long *wait, long *lost)
{
	char *argv[] = {"auditctl", "-s", NULL};
	char out[2048] = "\n";
	int err = bench_run_cmd(argv, out + 1, sizeof(out) - 1, 10);

	if (err)
		return err < 0 ? err : -EIO;
	*enabled = audit_field(out, "enabled");
	*pid = audit_field(out, "pid");
	*wait = audit_field(out, "backlog_wait_time_actual");
	*lost = audit_field(out, "lost");
	return 0;
}

int bench_auditd_attach(struct bench *b, struct bench_conf_state *st)
{
	char rules[600], out[1024];
	char *start[] = {"auditd", "-n", NULL};
	char *load[] = {"auditctl", "-R", rules, NULL};
	long en, apid, wait, lost;
	double end;
	int err;

	err = audit_status(&en, &apid, &wait, &lost);
	if (err)
		return err;
	if (apid > 0) {
		bench_fmt(b->conf_why[CONF_AUDITD],
			  sizeof(b->conf_why[CONF_AUDITD]),
			  "an audit daemon is already running (pid %ld)", apid);
		return -EBUSY;
	}
	st->audit_enabled0 = (int)en;
	bench_fmt(st->err, sizeof(st->err), "%s/auditd.log", b->work);
	st->pid = bench_spawn(start, st->err, false);
	if (st->pid < 0)
		return st->pid;
	for (end = bench_now() + 15; bench_now() < end; usleep(20000)) {
		if (audit_status(&en, &apid, &wait, &lost))
			continue;
		if (apid == st->pid)
			break;
	}
	if (apid != st->pid) {
		bench_fmt(b->conf_why[CONF_AUDITD],
			  sizeof(b->conf_why[CONF_AUDITD]),
			  "auditd did not register with the kernel in 15 s");
		bench_stop(st->pid, SIGKILL, 5, NULL, NULL);
		st->pid = 0;
		return -ETIMEDOUT;
	}
	bench_fmt(rules, sizeof(rules), "%s/audit.rules", b->o.bench_dir);
	err = bench_run_cmd(load, out, sizeof(out), 15);
	if (err) {
		bench_fmt(b->conf_why[CONF_AUDITD],
			  sizeof(b->conf_why[CONF_AUDITD]),
			  "auditctl -R %.80s failed: %.150s", rules, out);
		return -EIO;
	}
	audit_status(&en, &apid, &st->audit_wait0, &st->audit_lost0);
	return 0;
}

void bench_auditd_detach(struct bench_conf_state *st, struct bench_run *run)
{
	char *del[] = {"auditctl", "-D", "-k", AUDIT_KEY, NULL};
	char en_s[16];
	char *restore[] = {"auditctl", "-e", en_s, NULL};
	long en, apid, wait, lost;

	if (!audit_status(&en, &apid, &wait, &lost) && run) {
		run->has_audit = true;
		run->audit_wait_jiffies = wait - st->audit_wait0;
		run->audit_lost = lost - st->audit_lost0;
	}
	bench_run_cmd(del, NULL, 0, 15);
	if (st->pid > 0)
		bench_stop(st->pid, SIGTERM, 20, NULL, NULL);
	st->pid = 0;
	bench_fmt(en_s, sizeof(en_s), "%d",
		  st->audit_enabled0 > 0 ? st->audit_enabled0 : 0);
	bench_run_cmd(restore, NULL, 0, 15);
}

static void ensure_tracefs(void)
{
	if (!access("/sys/kernel/tracing/events", F_OK))
		return;
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL))
		log_debug("mount tracefs: %s", strerror(errno));
	if (access("/sys/kernel/debug/tracing", F_OK) &&
	    mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL))
		log_debug("mount debugfs: %s", strerror(errno));
}

int bench_bpftrace_attach(struct bench *b, struct bench_conf_state *st)
{
	char script[600], why[300];
	char *argv[] = {"bpftrace", "-o", st->out, script, NULL};
	int err;

	ensure_tracefs();
	bench_fmt(script, sizeof(script), "%s/rtguard.bt", b->o.bench_dir);
	bench_fmt(st->out, sizeof(st->out), "%s/bpftrace.out", b->work);
	bench_fmt(st->err, sizeof(st->err), "%s/bpftrace.err", b->work);
	unlink(st->out);
	unlink(st->err);
	st->pid = bench_spawn(argv, st->err, false);
	if (st->pid < 0)
		return st->pid;
	err =
	    bench_wait_ready(st->pid, st->out, BT_READY, 90, why, sizeof(why));
	if (err) {
		bench_file_has(st->err, "", why, sizeof(why));
		bench_fmt(b->conf_why[CONF_BPFTRACE],
			  sizeof(b->conf_why[CONF_BPFTRACE]),
			  "bpftrace: %.230s", why);
		st->pid = 0;
	}
	return err;
}

void bench_bpftrace_detach(struct bench_conf_state *st, struct bench_run *run)
{
	FILE *f;

	if (st->pid > 0)
		bench_stop(st->pid, SIGINT, 60, NULL, NULL);
	st->pid = 0;
	if (!run)
		return;
	run->has_bpftrace = true;
	f = fopen(st->out, "re");
	if (f) {
		int c;

		while ((c = getc_unlocked(f)) != EOF)
			run->bt_lines += c == '\n';
		fclose(f);
	}
	f = fopen(st->err, "re");
	if (f) {
		char line[512];

		while (fgets(line, sizeof(line), f)) {
			const char *p = strstr(line, "Lost ");

			if (p)
				run->bt_lost += strtol(p + 5, NULL, 10);
		}
		fclose(f);
	}
	unlink(st->out);
}
