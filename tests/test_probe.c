// SPDX-License-Identifier: GPL-2.0
/* Kernel feature probe and mount discovery (user/lib/probe.c, user/lib/mounts.c). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent_util.h"
#include "mounts.h"
#include "probe.h"
#include "test.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static const char fixture[] =
    "21 26 0:20 / /proc rw,relatime - proc proc rw\n"
    "22 26 0:21 / /sys rw,relatime shared:2 - sysfs sysfs rw\n"
    "26 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard\n"
    "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    /* a namespaced subtree first: the root-cgroup mount must win */
    "39 30 0:37 /kubepods /mnt/sub\\040tree rw - cgroup2 cgroup2 rw\n"
    "40 30 0:37 / /sys/fs/cgroup/my\\040cg\\134roup rw,relatime shared:9 "
    "master:3 - cgroup2 cgroup2 rw,nsdelegate\n"
    "41 22 0:38 / /run/bpf rw - bpf bpf rw\n"
    "42 22 0:39 / /sys/fs/bpf rw,nosuid - bpf bpf rw,mode=700\n"
    "43 22 0:7 / /sys/kernel/debug rw - debugfs debugfs rw\n"
    "44 22 0:8 / /sys/kernel/security rw - securityfs securityfs rw\n";

static int write_fixture(char *path, const char *text)
{
	int fd = mkstemp(path);
	ssize_t n = (ssize_t)strlen(text);

	if (fd < 0)
		return -errno;
	if (write(fd, text, n) != n) {
		close(fd);
		return -EIO;
	}
	close(fd);
	return 0;
}

TEST(mounts_unescape)
{
	char s[] = "/a\\040b\\011c\\134d\\\\x\\9";

	mounts_unescape(s);
	ASSERT_STREQ(s, "/a b\tc\\d\\\\x\\9", "octal escapes decoded");
}

TEST(mounts_parse_fixture)
{
	char path[] = "/tmp/rtg-mountinfo-XXXXXX";
	struct rtg_mounts m;

	if (!ASSERT_OK(write_fixture(path, fixture), "write fixture"))
		return;
	ASSERT_OK(mounts_parse(path, &m), "mounts_parse");
	unlink(path);
	ASSERT_STREQ(m.cgroup2, "/sys/fs/cgroup/my cg\\roup",
		     "cgroup2 of the root cgroup, unescaped");
	ASSERT_STREQ(m.bpffs, "/sys/fs/bpf", "bpffs prefers /sys/fs/bpf");
	ASSERT_STREQ(m.tracefs, "/sys/kernel/debug/tracing",
		     "tracefs from debugfs");
	ASSERT_STREQ(m.securityfs, "/sys/kernel/security", "securityfs");
	ASSERT_TRUE(!m.mounted_bpffs && !m.err_bpffs, "parse mounts nothing");
}

TEST(mounts_parse_missing)
{
	char path[] = "/tmp/rtg-mountinfo-XXXXXX";
	struct rtg_mounts m;

	if (!ASSERT_OK(
		write_fixture(path, "26 1 254:0 / / rw - ext4 /dev/vda rw\n"
				    "garbage line\n"
				    "27 26 0:1 / /x rw - tracefs tracefs rw\n"),
		"write fixture"))
		return;
	ASSERT_OK(mounts_parse(path, &m), "mounts_parse");
	unlink(path);
	ASSERT_STREQ(m.cgroup2, "", "no cgroup2");
	ASSERT_STREQ(m.bpffs, "", "no bpffs");
	ASSERT_STREQ(m.tracefs, "/x", "tracefs");
	ASSERT_EQ(mounts_parse("/nonexistent/mountinfo", &m), -ENOENT,
		  "unreadable file");
}

/* Where the live machine's cgroup2 really is, by file system magic. */
static const char *live_cgroup2(void)
{
	static const char *const cands[] = {"/sys/fs/cgroup/unified",
					    "/sys/fs/cgroup"};
	struct statfs sf;
	size_t i;

	for (i = 0; i < 2; i++)
		if (!statfs(cands[i], &sf) &&
		    (unsigned long)sf.f_type == CGROUP2_SUPER_MAGIC)
			return cands[i];
	return NULL;
}

TEST(mounts_live_cgroup2)
{
	struct rtg_mounts m;
	const char *want;

	TEST_NEED_ROOT();
	ASSERT_OK(mounts_ensure(&m), "mounts_ensure");
	want = live_cgroup2();
	if (!ASSERT_TRUE(want != NULL, "a cgroup2 mount exists"))
		return;
	/* on the build machine: /sys/fs/cgroup/unified (cgroup v1 at
	 * /sys/fs/cgroup); in the Debian guest: /sys/fs/cgroup */
	ASSERT_STREQ(m.cgroup2, want, "cgroup2 found");
	ASSERT_STREQ(m.bpffs, RTG_BPFFS_DIR, "bpffs present");
	ASSERT_TRUE(m.tracefs[0], "tracefs present");
	ASSERT_TRUE(m.securityfs[0], "securityfs present");
}

static struct rtg_probe *probe_all(void)
{
	struct rtg_probe *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	for (int f = 0; f < RTG_NFEAT; f++)
		p->feat[f].ok = true;
	p->d.open_tps = (1u << RTG_NOPEN_TPS) - 1;
	return p;
}

static void set_off(struct rtg_probe *p, enum rtg_feat f)
{
	p->feat[f].ok = false;
	p->feat[f].err = -EPERM;
}

/* The mechanism each enforcement of the table gets (to what == NULL). */
struct mech_want {
	enum rtg_enf enf;
	enum rtg_mech mech;
	const char *what;
};

static void expect_mechs(const enum rtg_mech *m, const struct mech_want *w)
{
	for (; w->what; w++)
		ASSERT_EQ(m[w->enf], w->mech, w->what);
}

#define EXPECT_MECHS(m, ...)                                                   \
	expect_mechs(m, (const struct mech_want[]){__VA_ARGS__, {}})

TEST(probe_decide_rules)
{
	struct rtg_probe *p = probe_all();
	enum rtg_mech *m;

	if (!ASSERT_TRUE(p, "alloc"))
		return;
	m = p->d.mech;
	probe_decide(p);
	ASSERT_EQ(p->d.exec, RTG_SRC_TP_BTF, "exec source");
	ASSERT_EQ(p->d.exit, RTG_SRC_TP_BTF, "exit source");
	ASSERT_EQ(p->d.open, RTG_SRC_TRACEPOINT, "open source");
	ASSERT_EQ(p->d.connect, RTG_SRC_CGROUP, "connect source");
	EXPECT_MECHS(m, {RTG_ENF_EXEC_DENY_EQUAL, RTG_MECH_LSM, "lsm: exec eq"},
		     {RTG_ENF_EXEC_DENY_AFFIX, RTG_MECH_LSM, "lsm: exec pfx"},
		     {RTG_ENF_OPEN_DENY_EQUAL, RTG_MECH_LSM, "lsm: open eq"},
		     {RTG_ENF_OPEN_DENY_AFFIX, RTG_MECH_LSM, "lsm: open pfx"},
		     {RTG_ENF_CONNECT_DENY, RTG_MECH_CGROUP, "connect"},
		     {RTG_ENF_KILL, RTG_MECH_SIGKILL, "kill"});

	set_off(p, RTG_FEAT_LSM);
	set_off(p, RTG_FEAT_TP_BTF);
	probe_decide(p);
	ASSERT_EQ(p->d.exec, RTG_SRC_RAW_TP, "exec falls back to raw_tp");
	EXPECT_MECHS(m, {RTG_ENF_EXEC_DENY_EQUAL, RTG_MECH_FANOTIFY, "exec eq"},
		     {RTG_ENF_OPEN_DENY_EQUAL, RTG_MECH_FANOTIFY, "open eq"},
		     {RTG_ENF_EXEC_DENY_AFFIX, RTG_MECH_SIGKILL, "exec pfx"},
		     {RTG_ENF_OPEN_DENY_AFFIX, RTG_MECH_SIGKILL, "open pfx"},
		     {RTG_ENF_CONNECT_DENY, RTG_MECH_CGROUP, "connect"});

	set_off(p, RTG_FEAT_FANOTIFY_PERM);
	probe_decide(p);
	ASSERT_EQ(m[RTG_ENF_OPEN_DENY_EQUAL], RTG_MECH_SIGKILL,
		  "no fanotify: sigkill");

	set_off(p, RTG_FEAT_SEND_SIGNAL);
	set_off(p, RTG_FEAT_CGROUP_CONNECT4);
	set_off(p, RTG_FEAT_CGROUP_CONNECT6);
	probe_decide(p);
	EXPECT_MECHS(m,
		     {RTG_ENF_OPEN_DENY_EQUAL, RTG_MECH_NONE, "nothing left"},
		     {RTG_ENF_KILL, RTG_MECH_NONE, "no kill"});
	ASSERT_EQ(p->d.connect, RTG_SRC_NONE, "no connect source");
	ASSERT_EQ(m[RTG_ENF_CONNECT_DENY], RTG_MECH_NONE, "no connect deny");

	p->feat[RTG_FEAT_LSM].ok = true;
	probe_decide(p);
	ASSERT_EQ(m[RTG_ENF_CONNECT_DENY], RTG_MECH_LSM,
		  "connect via lsm without cgroup hooks");
	free(p);
}

static void assert_consistent(const struct rtg_probe *p)
{
	const enum rtg_mech *m = p->d.mech;
	int f;

	for (f = 0; f < RTG_NFEAT; f++) {
		const struct rtg_feature *ft = &p->feat[f];

		if (ft->ok)
			ASSERT_EQ(ft->err, 0, probe_feat_name(f));
		else
			ASSERT_TRUE(ft->err < 0 && ft->reason[0],
				    probe_feat_name(f));
	}
	if (probe_ok(p, RTG_FEAT_LSM)) {
		EXPECT_MECHS(
		    m, {RTG_ENF_EXEC_DENY_EQUAL, RTG_MECH_LSM, "exec eq"},
		    {RTG_ENF_EXEC_DENY_AFFIX, RTG_MECH_LSM, "exec pfx"},
		    {RTG_ENF_OPEN_DENY_EQUAL, RTG_MECH_LSM, "open eq"},
		    {RTG_ENF_OPEN_DENY_AFFIX, RTG_MECH_LSM, "open pfx"});
		if (p->lsms_known)
			ASSERT_TRUE(p->bpf_lsm_active, "lsm works: bpf is on");
	} else {
		ASSERT_TRUE(p->feat[RTG_FEAT_LSM].err < 0, "lsm error");
		for (int e = 0; e < RTG_NENF; e++)
			ASSERT_NEQ(m[e], RTG_MECH_LSM, probe_enf_name(e));
		ASSERT_EQ(m[RTG_ENF_OPEN_DENY_EQUAL],
			  probe_ok(p, RTG_FEAT_FANOTIFY_PERM)
			      ? RTG_MECH_FANOTIFY
			      : RTG_MECH_SIGKILL,
			  "open eq without lsm");
		ASSERT_EQ(m[RTG_ENF_EXEC_DENY_AFFIX], RTG_MECH_SIGKILL,
			  "exec pfx without lsm");
		ASSERT_EQ(m[RTG_ENF_OPEN_DENY_AFFIX], RTG_MECH_SIGKILL,
			  "open pfx without lsm");
	}
}

static int count_fds(void)
{
	char out[32];
	FILE *f = popen("ls /proc/$PPID/fd | wc -l", "r");
	int n = -1;

	if (!f)
		return -1;
	if (fgets(out, sizeof(out), f))
		n = atoi(out);
	pclose(f);
	return n;
}

TEST(probe_kernel_facts)
{
	struct rtg_probe *p = calloc(1, sizeof(*p));
	char path[RTG_MOUNT_PATH_MAX + 16];
	unsigned int want_tps;
	int nfd;

	TEST_NEED_ROOT();
	if (!ASSERT_TRUE(p, "alloc"))
		return;
	unsetenv(RTG_PROBE_DISABLE_ENV);
	nfd = count_fds();
	ASSERT_GE(nfd, 3, "fds counted");
	if (!ASSERT_OK(probe_kernel(p), "probe_kernel"))
		return;
	ASSERT_EQ(count_fds(), nfd, "no file descriptor left open");
	if (test_verbose)
		probe_print(p, stdout);
	/* true on every supported kernel (5.17+ with BTF; README "Reliability and platforms") */
	ASSERT_TRUE(probe_ok(p, RTG_FEAT_BTF), "btf");
	ASSERT_TRUE(probe_ok(p, RTG_FEAT_TRACEPOINT), "tracepoint");
	ASSERT_TRUE(probe_ok(p, RTG_FEAT_RAW_TP), "raw_tp");
	ASSERT_TRUE(probe_ok(p, RTG_FEAT_TP_BTF), "tp_btf");
	ASSERT_TRUE(probe_ok(p, RTG_FEAT_CGROUP_CONNECT4), "connect4");
	ASSERT_TRUE(probe_ok(p, RTG_FEAT_CGROUP_CONNECT6), "connect6");
	ASSERT_TRUE(probe_ok(p, RTG_FEAT_SEND_SIGNAL), "send_signal");
	ASSERT_TRUE(probe_ok(p, RTG_FEAT_RINGBUF), "ringbuf");
	ASSERT_TRUE(probe_ok(p, RTG_FEAT_TASK_STORAGE), "task_storage");
	ASSERT_TRUE(probe_ok(p, RTG_FEAT_BPF_STATS), "bpf_stats");
	ASSERT_TRUE(probe_ok(p, RTG_FEAT_FANOTIFY_PERM), "fanotify_perm");
	ASSERT_STREQ(p->mounts.cgroup2, live_cgroup2(), "cgroup2 mount");
	ASSERT_TRUE(p->kernel[0], "kernel release");
	ASSERT_TRUE(p->lsms_known, "LSM list read from securityfs");
	snprintf(path, sizeof(path), "%s/lockdown", p->mounts.securityfs);
	if (!access(path, F_OK))
		ASSERT_TRUE(p->lockdown[0], "lockdown mode read");
	/* LSM and fentry: EPERM on the build kernel, working in the LSM
	 * guest; either way the decisions must follow the probe */
	assert_consistent(p);

	ASSERT_EQ(p->d.exec, RTG_SRC_TP_BTF, "exec source");
	ASSERT_EQ(p->d.exit, RTG_SRC_TP_BTF, "exit source");
	ASSERT_EQ(p->d.open, RTG_SRC_TRACEPOINT, "open source");
	want_tps = (1u << RTG_TP_EXIT_OPENAT) | (1u << RTG_TP_EXIT_OPENAT2);
	ASSERT_EQ(p->d.open_tps & want_tps, want_tps, "sys_exit_openat(2)");
	ASSERT_EQ(p->d.open_tps & (1u << RTG_TP_ENTER_OPENAT), 0,
		  "no sys_enter hooks");
	ASSERT_EQ(p->d.connect, RTG_SRC_CGROUP, "connect source");
	ASSERT_EQ(p->d.mech[RTG_ENF_CONNECT_DENY], RTG_MECH_CGROUP,
		  "connect deny -> cgroup");
	ASSERT_EQ(p->d.mech[RTG_ENF_KILL], RTG_MECH_SIGKILL, "kill");
	if (!probe_ok(p, RTG_FEAT_LSM)) {
		ASSERT_EQ(p->d.mech[RTG_ENF_OPEN_DENY_EQUAL], RTG_MECH_FANOTIFY,
			  "open deny equal -> fanotify");
		ASSERT_EQ(p->d.mech[RTG_ENF_OPEN_DENY_AFFIX], RTG_MECH_SIGKILL,
			  "open deny prefix -> sigkill");
	}
	/* the agent runs this at every start */
	if (p->elapsed_ms > 300)
		fprintf(stderr, "%s: note: probe took %.0f ms (> 300 ms)\n",
			test_name, p->elapsed_ms);
	ASSERT_TRUE(p->elapsed_ms < 1500, "probe is fast");
	free(p);
}

static int run_sh(const char *cmd, char *out, size_t n);

TEST(probe_disable_env)
{
	struct rtg_probe *p = calloc(1, sizeof(*p));

	TEST_NEED_ROOT();
	if (!ASSERT_TRUE(p, "alloc"))
		return;
	setenv(RTG_PROBE_DISABLE_ENV, "lsm,fanotify_perm,tp_btf", 1);
	if (!ASSERT_OK(probe_kernel(p), "probe_kernel"))
		return;
	ASSERT_TRUE(!probe_ok(p, RTG_FEAT_LSM), "lsm off");
	ASSERT_STRCONTAINS(p->feat[RTG_FEAT_LSM].reason,
			   "disabled by RTG_PROBE_DISABLE", "lsm reason");
	ASSERT_TRUE(!probe_ok(p, RTG_FEAT_FANOTIFY_PERM), "fanotify off");
	ASSERT_TRUE(!probe_ok(p, RTG_FEAT_TP_BTF), "tp_btf off");
	ASSERT_TRUE(probe_ok(p, RTG_FEAT_TRACEPOINT), "others still probed");
	ASSERT_EQ(p->d.exec, RTG_SRC_RAW_TP, "exec falls back to raw_tp");
	ASSERT_EQ(p->d.exit, RTG_SRC_RAW_TP, "exit falls back to raw_tp");
	ASSERT_EQ(p->d.mech[RTG_ENF_EXEC_DENY_EQUAL], RTG_MECH_SIGKILL,
		  "exec deny equal -> sigkill");
	ASSERT_EQ(p->d.mech[RTG_ENF_OPEN_DENY_EQUAL], RTG_MECH_SIGKILL,
		  "open deny equal -> sigkill");
	ASSERT_EQ(p->d.mech[RTG_ENF_CONNECT_DENY], RTG_MECH_CGROUP,
		  "connect deny -> cgroup");

	ASSERT_TRUE(probe_ok(p, RTG_FEAT_LOOP), "bpf_loop probed and ran");

	setenv(RTG_PROBE_DISABLE_ENV, "btf", 1);
	ASSERT_EQ(probe_kernel(p), -ENOENT, "no btf");
	ASSERT_STRCONTAINS(p->error, "kernel has no BTF", "btf reason");

	/* a kernel before 5.17: a clear error, from the agent too */
	setenv(RTG_PROBE_DISABLE_ENV, "bpf_loop", 1);
	ASSERT_EQ(probe_kernel(p), -EOPNOTSUPP, "no bpf_loop");
	ASSERT_STRCONTAINS(p->error, "rtguard needs Linux 5.17+",
			   "bpf_loop reason");
	{
		char out[2048], cmd[PATH_MAX + 64];
		int st;

		snprintf(cmd, sizeof(cmd), "%s --socket none --no-pin 2>&1",
			 test_rtguard_bin());
		st = run_sh(cmd, out, sizeof(out));

		ASSERT_EQ(st, 2, "agent exits 2 (kernel problem)");
		ASSERT_STRCONTAINS(out,
				   "lacks bpf_loop/bpf_task_pt_regs (disabled by RTG_PROBE_DISABLE): rtguard needs Linux 5.17+",
				   "agent names the requirement");
	}
	unsetenv(RTG_PROBE_DISABLE_ENV);
	free(p);
}

/* Run a shell command, collect its output, return its exit status. */
static int run_sh(const char *cmd, char *out, size_t n)
{
	size_t len = 0, r;
	FILE *f = popen(cmd, "r");
	int st;

	out[0] = '\0';
	if (!f)
		return -errno;
	while (len + 1 < n && (r = fread(out + len, 1, n - 1 - len, f)) > 0)
		len += r;
	out[len] = '\0';
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static const char json_check[] =
    "import json, sys\n"
    "lines = sys.stdin.read().splitlines()\n"
    "assert len(lines) == 1, lines\n"
    "d = json.loads(lines[0])\n"
    "for k in ('kernel', 'ok', 'privileges', 'features', 'lsms',\n"
    "          'lockdown', 'mounts', 'sources', 'enforcement'):\n"
    "    assert k in d, k\n"
    "for k in ('btf', 'tracepoint', 'raw_tp', 'tp_btf', 'lsm', 'fentry',\n"
    "          'kprobe', 'cgroup_connect4', 'cgroup_connect6',\n"
    "          'send_signal', 'ringbuf', 'task_storage', 'bpf_stats', 'bpf_loop',\n"
    "          'fanotify_perm'):\n"
    "    f = d['features'][k]\n"
    "    assert isinstance(f['ok'], bool) and isinstance(f['err'], int), k\n"
    "for k in ('exec_deny_equal', 'exec_deny_prefix_suffix',\n"
    "          'open_deny_equal', 'open_deny_prefix_suffix',\n"
    "          'connect_deny', 'kill'):\n"
    "    assert d['enforcement'][k] in ('lsm', 'cgroup', 'fanotify',\n"
    "                                  'sigkill', 'none'), k\n"
    "assert d['enforcement']['connect_deny'] == 'cgroup'\n"
    "assert d['sources']['exec'] == 'tp_btf/sched_process_exec'\n"
    "assert 'sys_exit_openat' in d['sources']['open_tracepoints']\n"
    "assert d['mounts']['cgroup2']\n"
    "lsm = d['features']['lsm']['ok']\n"
    "assert (d['enforcement']['open_deny_equal'] == 'lsm') == lsm\n"
    "print('JSON-OK')\n";

TEST(probe_cmd_json)
{
	char script[] = "/tmp/rtg-probe-check-XXXXXX";
	char cmd[1024], out[4096];
	int st;

	TEST_NEED_ROOT();
	if (!ASSERT_OK(write_fixture(script, json_check), "write script"))
		return;
	snprintf(cmd, sizeof(cmd),
		 "env -u " RTG_PROBE_DISABLE_ENV
		 " %s probe --output json | python3 %s 2>&1",
		 test_rtguard_bin(), script);
	st = run_sh(cmd, out, sizeof(out));
	unlink(script);
	ASSERT_EQ(st, 0, "json parses with the keys");
	ASSERT_STRCONTAINS(out, "JSON-OK", "python check output");

	snprintf(cmd, sizeof(cmd), "env -u " RTG_PROBE_DISABLE_ENV " %s probe",
		 test_rtguard_bin());
	st = run_sh(cmd, out, sizeof(out));
	ASSERT_EQ(st, 0, "compact exit status");
	ASSERT_STRCONTAINS(out, "open deny (equal path)", "hook table");
	ASSERT_STRCONTAINS(out, "cgroup_connect4", "feature table");

	snprintf(cmd, sizeof(cmd), "%s probe --output xml 2>&1",
		 test_rtguard_bin());
	ASSERT_EQ(run_sh(cmd, out, sizeof(out)), 1, "bad --output");
}

TEST(probe_cmd_nonroot)
{
	char dir[] = "/tmp/rtg-probe-XXXXXX", bin[64], cmd[512], out[1024];
	int st;

	TEST_NEED_ROOT();
	if (!ASSERT_TRUE(test_mkdtemp(dir), "mkdtemp"))
		return;
	chmod(dir, 0755);
	/* a copy nobody can reach, wherever the tree lives */
	snprintf(bin, sizeof(bin), "%s/rtguard", dir);
	snprintf(cmd, sizeof(cmd), "install -m 0755 %s %s", test_rtguard_bin(),
		 bin);
	if (!ASSERT_EQ(system(cmd), 0, "copy binary"))
		return;
	snprintf(cmd, sizeof(cmd),
		 "cd / && setpriv --reuid=65534 --regid=65534 --clear-groups "
		 "%s probe 2>&1",
		 bin);
	st = run_sh(cmd, out, sizeof(out));
	unlink(bin);
	rmdir(dir);
	ASSERT_EQ(st, 2, "exit status 2");
	ASSERT_STRCONTAINS(out, "needs CAP_BPF and CAP_PERFMON (run as root)",
			   "reason");
	ASSERT_TRUE(strchr(out, '\n') == out + strlen(out) - 1,
		    "exactly one line");
}

/* The mounts of fstype in this mount namespace. */
static int count_mounts(const char *fstype)
{
	char line[1024], pat[48];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int n = 0;

	snprintf(pat, sizeof(pat), " - %s ", fstype);
	while (f && fgets(line, sizeof(line), f))
		n += !!strstr(line, pat);
	if (f)
		fclose(f);
	return n;
}

/* Faults: bpffs and tracefs not mounted. The agent runs in a private
 * mount namespace where every bpf, tracefs and debugfs mount is gone (the
 * host's stay); it mounts what it needs, says so, and reports events. */
TEST_T(probe_no_bpffs_tracefs, 60)
{
	char dir[] = "/tmp/rtg-nomnt-XXXXXX", outer[96], inner[96], text[PATH_MAX + 1024],
	     bin[PATH_MAX], *err;
	const char *b = test_rtguard_bin(), *saved = getenv("RTG_BIN");
	int host_bpf = count_mounts("bpf"), host_tr = count_mounts("tracefs");
	struct test_event *ev;
	struct agent_run a;
	int rc;

	TEST_NEED_ROOT();
	if (access("/usr/bin/unshare", X_OK))
		test_skip("unshare(1) not installed (util-linux)");
	if (!ASSERT_TRUE(test_mkdtemp(dir) && realpath(b, bin), "temp dir"))
		return;
	snprintf(outer, sizeof(outer), "%s/outer", dir);
	snprintf(inner, sizeof(inner), "%s/inner", dir);
	snprintf(text, sizeof(text),
		 "#!/bin/sh\nexec unshare -m --propagation private %s \"$@\"\n",
		 inner);
	put_file(outer, text);
	snprintf(text, sizeof(text),
		 "#!/bin/sh\n"
		 "for m in $(awk '{for (i = 7; i <= NF; i++) if ($i == \"-\") {"
		 " if ($(i+1) ~ /^(bpf|tracefs|debugfs)$/) print $5; break } }'"
		 " /proc/self/mountinfo | sort -r); do umount -l \"$m\" || exit 97; done\n"
		 "grep -Eq ' - (bpf|tracefs|debugfs) ' /proc/self/mountinfo && exit 98\n"
		 "exec %s \"$@\"\n",
		 bin);
	put_file(inner, text);
	chmod(outer, 0755);
	chmod(inner, 0755);
	setenv("RTG_BIN", outer, 1);
	rc = agent_start(&a, N("--socket", "none"));
	if (saved)
		setenv("RTG_BIN", saved, 1);
	else
		unsetenv("RTG_BIN");
	if (!ASSERT_OK(rc, "agent started without bpffs and tracefs"))
		goto out;
	run_cmd((char *const[]){ "/bin/true", "rtg-nomnt-marker", NULL }, NULL,
		0);
	ev = agent_wait_event(&a, 5000, EV_EXEC_MARKER("rtg-nomnt-marker"));
	ASSERT_TRUE(ev, "exec event");
	test_event_free(ev);
	ASSERT_EQ(agent_stop(&a), 0, "agent exits 0");
	err = agent_stderr(&a);
	ASSERT_STRCONTAINS(err, "bpffs was not mounted: mounted it at /sys/fs/bpf",
			   "says it mounted bpffs");
	ASSERT_STRCONTAINS(err, "tracefs was not mounted: mounted it at",
			   "says it mounted tracefs");
	free(err);
out:
	ASSERT_EQ(count_mounts("bpf"), host_bpf, "host bpffs mounts unchanged");
	ASSERT_EQ(count_mounts("tracefs"), host_tr, "host tracefs mounts unchanged");
	run_cmd((char *const[]){ "rm", "-rf", dir, NULL }, NULL, 0);
}

