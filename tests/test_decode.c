// SPDX-License-Identifier: GPL-2.0
/*
 * The decoder on hand-built records (record_util.c): open flag names,
 * malformed and truncated records, unterminated strings, and the process
 * cache updates that decoding makes (exec installs, exit frees, forks are
 * learnt, stale entries are not used), the boot-to-wall clock.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "agent_util.h"
#include "record_util.h"
#include "test.h"

static const struct {
	const char *name;
	uint32_t flags;
	int max; /* 0: OPEN_FLAGS_MAX */
	int n;
	const char *names[7]; /* NULL: not checked */
	long long unknown; /* -1: not asked for */
} flag_cases[] = {
	{ "rdonly", O_RDONLY, 0, 1, { "O_RDONLY" }, 0 },
	{ "seven", O_RDWR | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND |
			   O_NONBLOCK,
	  0, 7,
	  { "O_RDWR", "O_CREAT", "O_EXCL", "O_NOCTTY", "O_TRUNC", "O_APPEND",
	    "O_NONBLOCK" },
	  -1 },
	/* O_SYNC contains O_DSYNC, O_TMPFILE contains O_DIRECTORY */
	{ "sync_not_dsync", O_WRONLY | O_SYNC, 0, 2, { NULL, "O_SYNC" }, -1 },
	{ "dsync", O_DSYNC, 0, 2, { NULL, "O_DSYNC" }, -1 },
	{ "tmpfile", O_RDWR | O_TMPFILE, 0, 2, { NULL, "O_TMPFILE" }, -1 },
	{ "directory_and_more",
	  O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_PATH | O_NOATIME | O_DIRECT,
	  0, 7,
	  { NULL, "O_DIRECTORY", "O_NOFOLLOW", "O_CLOEXEC", "O_PATH",
	    "O_NOATIME", "O_DIRECT" },
	  -1 },
#if defined(__x86_64__)
	/* the kernel's O_LARGEFILE (glibc has 0 for it on 64-bit) */
	{ "largefile", 0100000, 0, 2, { NULL, "O_LARGEFILE" }, -1 },
#endif
	{ "unknown_bit", O_WRONLY | 0x80000000u, 0, 1, { NULL }, 0x80000000u },
	{ "max_respected", O_RDWR | O_CREAT | O_TRUNC, 2, 2, { NULL }, -1 },
};

TEST(open_flags_names)
{
	const char *names[OPEN_FLAGS_MAX];
	uint32_t unknown;
	size_t i;
	int k, n;

	for (i = 0; i < ARRAY_SIZE(flag_cases); i++) {
		if (!test_subtest(flag_cases[i].name))
			continue;
		unknown = 1;
		n = open_flags_decode(flag_cases[i].flags, names,
				      flag_cases[i].max ?: OPEN_FLAGS_MAX,
				      flag_cases[i].unknown >= 0 ? &unknown :
								   NULL);
		if (!ASSERT_EQ(n, flag_cases[i].n, "number of names"))
			continue;
		for (k = 0; k < n && k < 7; k++)
			if (flag_cases[i].names[k])
				ASSERT_STREQ(names[k], flag_cases[i].names[k],
					     "name");
		if (flag_cases[i].unknown >= 0)
			ASSERT_EQ(unknown, flag_cases[i].unknown,
				  "unknown bits");
	}
}

TEST(decode_malformed_records)
{
	static const char args[] = "a\0bb\0ccc";
	struct rtg_event_view ev;
	struct fixture fx;
	unsigned char *copy;
	size_t full[4], sz, i, k;
	unsigned char recs[4][512];
	struct rtg_exec *e;

	if (!fixture_init(&fx))
		goto cleanup;
	full[0] =
	    mk_exec(recs[0], 4242, "/bin/x", "/s", "/c", args, sizeof(args), 3);
	full[1] = mk_open(recs[1], 4242, "/etc/passwd", 0);
	full[2] = mk_connect(recs[2], 4242, AF_INET6, "::1", 1, NULL, 0);
	full[3] = mk_exit(recs[3], 4242, 1, 0);
	for (i = 0; i < 4; i++) {
		/* exact-size heap copies: an over-read trips ASan (SAN=1) */
		for (sz = 0; sz < full[i]; sz++) {
			copy = malloc(sz ?: 1);
			memcpy(copy, recs[i], sz);
			if (!ASSERT_EQ(event_decode(fx.d, copy, sz, &ev),
				       -EINVAL, "truncated record")) {
				fprintf(stderr, "record %zu size %zu\n", i, sz);
				free(copy);
				break;
			}
			free(copy);
		}
		copy = malloc(full[i]);
		memcpy(copy, recs[i], full[i]);
		ASSERT_OK(event_decode(fx.d, copy, full[i], &ev),
			  "full record");
		free(copy);
	}
	ASSERT_EQ(event_decode(fx.d, NULL, 100, &ev), -EINVAL, "NULL");
	/* lengths beyond the record */
	e = (struct rtg_exec *)recs[0];
	for (k = 0; k < 4; k++) {
		uint16_t *lens[] = {&e->binary_len, &e->script_len, &e->cwd_len,
				    &e->args_len};
		uint16_t save = *lens[k];

		*lens[k] = 0xffff;
		ASSERT_EQ(event_decode(fx.d, recs[0], full[0], &ev), -EINVAL,
			  "exec length too big");
		*lens[k] = save;
	}
	((struct rtg_open *)recs[1])->path_len = 0xffff;
	ASSERT_EQ(event_decode(fx.d, recs[1], full[1], &ev), -EINVAL,
		  "open path_len");
	((struct rtg_connect *)recs[2])->family = 99;
	ASSERT_EQ(event_decode(fx.d, recs[2], full[2], &ev), -EINVAL,
		  "connect family");
	for (k = 0; k < 3; k++) {
		static const uint8_t types[] = {0, RTG_EV_LOST, 200};

		recs[3][0] = types[k];
		ASSERT_EQ(event_decode(fx.d, recs[3], full[3], &ev), -EINVAL,
			  "bad type");
	}
cleanup:
	fixture_fini(&fx);
}

TEST(decode_unterminated_strings)
{
	struct rtg_event_view ev;
	struct fixture fx;
	struct rtg_open *o;
	struct rtg_exec *e;
	size_t n;

	if (!fixture_init(&fx))
		goto cleanup;
	/* path without its NUL, filling the record to the end */
	o = (struct rtg_open *)fx.rec;
	n = mk_open(fx.rec, 4242, "/etc/shadowXYZ", 0);
	o->path_len -= 4; /* "/etc/shado" + 'w', no NUL */
	if (ASSERT_OK(event_decode(fx.d, fx.rec, n - 4, &ev), "open"))
		ASSERT_STREQ(ev.open.path, "/etc/shadow", "path cut");
	/* a NUL inside a string ends it */
	n = mk_open(fx.rec, 4242, "/a\0/b", 0);
	if (ASSERT_OK(event_decode(fx.d, fx.rec, n, &ev), "open nul"))
		ASSERT_STREQ(ev.open.path, "/a", "inner NUL");
	/* exec: every string unterminated, args cut mid-word */
	n = mk_exec(fx.rec, 4242, "/bin/sh", "/s.sh", "/cwd", "sh\0-c\0ech", 9,
		    5);
	e = (struct rtg_exec *)fx.rec;
	e->hdr.flags = RTG_F_ARGS_TRUNC | RTG_F_SCRIPT;
	if (ASSERT_OK(event_decode(fx.d, fx.rec, n, &ev), "exec")) {
		ASSERT_STREQ(ev.exec.binary, "/bin/sh", "binary");
		ASSERT_STREQ(ev.exec.script, "/s.sh", "script");
		ASSERT_STREQ(ev.exec.cwd, "/cwd", "cwd");
		ASSERT_EQ(ev.exec.argc, 3, "argc kept");
		ASSERT_EQ(ev.exec.argc_total, 5, "argc total");
		ASSERT_STREQ(ev.exec.argv[2], "ech", "last arg cut");
		ASSERT_TRUE(ev.exec.args_truncated, "args truncated");
	}
	{
		char *s = render(OUTPUT_JSON, &ev);

		ASSERT_STRCONTAINS(
		    s,
		    "\"exec\":{\"script\":\"/s.sh\","
		    "\"args_truncated\":true,\"truncated\":true}",
		    "exec markers");
		ASSERT_EQ(py_check(s, "o['exec']['script']=='/s.sh'"), 0,
			  "python");
		free(s);
	}
	/* binary with no NUL and zero-length strings */
	n = mk_exec(fx.rec, 4242, "/bin/true", NULL, "", "", 0, 0);
	e = (struct rtg_exec *)fx.rec;
	e->binary_len = 9; /* drop the NUL: cwd's NUL follows */
	e->cwd_len = 1;
	if (ASSERT_OK(event_decode(fx.d, fx.rec, n - 1, &ev), "exec 2")) {
		ASSERT_STREQ(ev.exec.binary, "/bin/true", "binary no NUL");
		ASSERT_EQ(ev.exec.argc, 0, "no args");
		ASSERT_TRUE(ev.exec.script == NULL, "no script");
	}
cleanup:
	fixture_fini(&fx);
}

TEST(decode_proc_resolution)
{
	struct rtg_event_view ev;
	struct fixture fx;
	struct rtg_hdr *h;
	char *s = NULL;
	size_t n;

	if (!fixture_init(&fx))
		goto cleanup;
	/* unknown pid, parent image unknown: placeholder from the header */
	n = mk_open(fx.rec, 5555, "/etc/hosts", 0);
	h = (struct rtg_hdr *)fx.rec;
	h->exec_ktime = 3000000000ull;
	h->parent_exec_ktime = 1234;
	if (!ASSERT_OK(event_decode(fx.d, fx.rec, n, &ev), "decode"))
		goto cleanup;
	if (!ASSERT_TRUE(ev.proc != NULL, "proc never NULL"))
		goto cleanup;
	ASSERT_TRUE(ev.proc->binary == NULL, "binary unknown");
	ASSERT_EQ(ev.proc->pid, 5555, "placeholder pid");
	ASSERT_TRUE(ev.parent == NULL, "parent image differs");
	s = render(OUTPUT_JSON, &ev);
	ASSERT_EQ(py_check(s,
			   "(lambda b: 'binary' not in o['process'] and "
			   "o['process']['pid']==5555 and "
			   "b(o['process']['exec_id'])=="
			   "b'testnode:3000000000:5555' and "
			   "o['parent']['pid']==4100 and "
			   "'binary' not in o['parent'] and "
			   "b(o['parent']['exec_id'])==b'testnode:1234:4100')"
			   "(__import__('base64').b64decode)"),
		  0, "placeholder json");
	free(s);
	s = NULL;
	ASSERT_TRUE(proc_cache_get(fx.pc, 5555) == NULL, "not cached");

	/* a fork of bash (parent image matches): learnt with bash's image */
	h->parent_exec_ktime = 1000000000ull;
	if (ASSERT_OK(event_decode(fx.d, fx.rec, n, &ev), "fork")) {
		ASSERT_STREQ(ev.proc->binary, "/usr/bin/bash", "fork image");
		ASSERT_STREQ(ev.proc->exec_id,
			     "dGVzdG5vZGU6MzAwMDAwMDAwMDo1NTU1", /* 3e9:5555 */
			     "fork exec_id");
		ASSERT_TRUE(ev.parent && ev.parent->pid == 4100, "parent");
		ASSERT_TRUE(proc_cache_get(fx.pc, 5555) == ev.proc, "cached");
	}
	/* and its own fork */
	n = mk_open(fx.rec, 5556, "/etc/hosts", 0);
	h->ppid = 5555;
	h->parent_exec_ktime = 3000000000ull;
	h->exec_ktime = 3100000000ull;
	if (ASSERT_OK(event_decode(fx.d, fx.rec, n, &ev), "fork 2")) {
		ASSERT_STREQ(ev.proc->binary, "/usr/bin/bash", "fork 2 image");
		if (ASSERT_EQ(ev.proc->argc, 1, "fork 2 argc"))
			ASSERT_STREQ(ev.proc->argv[0], "bash", "fork 2 args");
	}

	/* cached pid, other image start (missed exec / pid reuse) */
	if (!ASSERT_OK(decode_cat_exec(&fx, &ev), "exec"))
		goto cleanup;
	ASSERT_TRUE(proc_cache_get(fx.pc, 4242) == ev.proc, "exec cached");
	ASSERT_STREQ(ev.proc->exec_id, ID_4242, "exec_id");
	ASSERT_STREQ(ev.proc->parent_exec_id, ID_4100, "parent exec_id");
	n = mk_open(fx.rec, 4242, "/x", 0);
	if (ASSERT_OK(event_decode(fx.d, fx.rec, n, &ev), "same image"))
		ASSERT_STREQ(ev.proc->binary, "/usr/bin/cat", "cached image");
	h->exec_ktime = 9000000000ull;
	if (ASSERT_OK(event_decode(fx.d, fx.rec, n, &ev), "stale"))
		ASSERT_TRUE(ev.proc->binary == NULL, "stale entry not used");
	/* parent with another image start is not this event's parent */
	h->exec_ktime = 2000000000ull;
	h->parent_exec_ktime = 1234;
	if (ASSERT_OK(event_decode(fx.d, fx.rec, n, &ev), "stale parent"))
		ASSERT_TRUE(ev.parent == NULL, "stale parent not used");
	/* realtime conversion */
	ASSERT_EQ(ev.realtime.tv_sec, T0_REAL / 1000000000ll, "realtime sec");
	ASSERT_EQ(ev.realtime.tv_nsec, T0_REAL % 1000000000ll, "realtime nsec");
cleanup:
	free(s);
	fixture_fini(&fx);
}

TEST(decode_clock_offset_real)
{
	struct proc_cache *pc = proc_cache_new(NULL);
	struct decoder *d = pc ? decoder_new(pc) : NULL;
	struct timespec boot, real, conv;
	long long diff;

	if (!ASSERT_TRUE(d, "decoder_new"))
		goto cleanup;
	clock_gettime(CLOCK_BOOTTIME, &boot);
	clock_gettime(CLOCK_REALTIME, &real);
	conv = decoder_realtime(d, boot.tv_sec * 1000000000ull + boot.tv_nsec);
	diff = (real.tv_sec - conv.tv_sec) * 1000000000ll +
	       (real.tv_nsec - conv.tv_nsec);
	ASSERT_TRUE(diff > -10000000 && diff < 10000000,
		    "boot->wall within 10ms");
cleanup:
	decoder_free(d);
	proc_cache_free(pc);
}

