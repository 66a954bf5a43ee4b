// SPDX-License-Identifier: GPL-2.0
/*
 * Raw ring-buffer records -> decode -> output: golden JSON for each event
 * type (exact strings, and parsed by python3), compact lines, attacker
 * bytes, open flag names, malformed and truncated records, and the process
 * cache updates that decoding makes (exec installs, exit frees).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "decode.h"
#include "output.h"
#include "proc_cache.h"
#include "agent_util.h"
#include "test.h"

#define T0_REAL 1795795200123456789ll /* 2026-11-27T16:00:00.123456789Z */
#define T0_BOOT 5000000000ull
#define ID_4242 "dGVzdG5vZGU6MjAwMDAwMDAwMDo0MjQy" /* testnode:2e9:4242 */
#define ID_4100 "dGVzdG5vZGU6MTAwMDAwMDAwMDo0MTAw" /* testnode:1e9:4100 */

struct fixture {
	struct proc_cache *pc;
	struct decoder *d;
	_Alignas(8) unsigned char rec[8192];
};

static void hdr_init(struct rtg_hdr *h, uint8_t type, uint32_t pid)
{
	memset(h, 0, sizeof(*h));
	h->type = type;
	h->action = RTG_ACT_AUDIT;
	h->rule = RTG_RULE_NONE;
	h->time_ns = T0_BOOT;
	h->exec_ktime = 2000000000ull;
	h->parent_exec_ktime = 1000000000ull;
	h->cgroup_id = 1234;
	h->pid = h->tid = pid;
	h->ppid = 4100;
	h->uid = h->gid = 1000;
	memcpy(h->comm, "cat", 4);
}

static size_t put(unsigned char *p, const void *s, size_t n)
{
	memcpy(p, s, n);
	return n;
}

/* exec record; strings with their NULs, args as given */
static size_t mk_exec(unsigned char *buf, uint32_t pid, const char *bin,
		      const char *script, const char *cwd, const char *args,
		      size_t args_len, uint32_t argc)
{
	struct rtg_exec *e = (struct rtg_exec *)buf;
	size_t n = sizeof(*e);

	memset(e, 0, sizeof(*e));
	hdr_init(&e->hdr, RTG_EV_EXEC, pid);
	e->binary_len = strlen(bin) + 1;
	e->script_len = script ? strlen(script) + 1 : 0;
	e->cwd_len = strlen(cwd) + 1;
	e->args_len = args_len;
	e->argc = argc;
	n += put(buf + n, bin, e->binary_len);
	if (script)
		n += put(buf + n, script, e->script_len);
	n += put(buf + n, cwd, e->cwd_len);
	n += put(buf + n, args, args_len);
	return n;
}

static size_t mk_open(unsigned char *buf, uint32_t pid, const char *path,
		      uint32_t oflags)
{
	struct rtg_open *o = (struct rtg_open *)buf;

	memset(o, 0, sizeof(*o));
	hdr_init(&o->hdr, RTG_EV_OPEN, pid);
	o->oflags = oflags;
	o->ino = 42;
	o->path_len = strlen(path) + 1;
	memcpy(o->path, path, o->path_len);
	return sizeof(*o) + o->path_len;
}

static size_t mk_connect(unsigned char *buf, uint32_t pid, int family,
			 const char *daddr, uint16_t dport, const char *saddr,
			 uint16_t sport)
{
	struct rtg_connect *c = (struct rtg_connect *)buf;

	memset(c, 0, sizeof(*c));
	hdr_init(&c->hdr, RTG_EV_CONNECT, pid);
	c->family = family;
	c->protocol = IPPROTO_TCP;
	c->dport = dport;
	c->sport = sport;
	inet_pton(family, daddr, c->daddr);
	if (saddr)
		inet_pton(family, saddr, c->saddr);
	return sizeof(*c);
}

static size_t mk_exit(unsigned char *buf, uint32_t pid, int code, int sig)
{
	struct rtg_exit *e = (struct rtg_exit *)buf;

	memset(e, 0, sizeof(*e));
	hdr_init(&e->hdr, RTG_EV_EXIT, pid);
	e->code = code;
	e->signal = sig;
	return sizeof(*e);
}

/* A cache with bash (4100) known; decoder clock pinned to T0. */
static bool fixture_init(struct fixture *fx)
{
	struct proc_cache_opts o = {.nodename = "testnode",
				    .proc_root = "/nonexistent"};
	struct proc_exec_info bash = {
	    .pid = 4100,
	    .ppid = 1,
	    .uid = 1000,
	    .gid = 1000,
	    .exec_ktime = 1000000000ull,
	    .cgroup_id = 1234,
	    .comm = "bash",
	    .binary = "/usr/bin/bash",
	    .binary_len = 14,
	    .cwd = "/home/u",
	    .cwd_len = 8,
	    .args = "bash",
	    .args_len = 5,
	};

	memset(fx, 0, sizeof(*fx));
	setenv("TZ", "UTC", 1);
	tzset();
	fx->pc = proc_cache_new(&o);
	if (!ASSERT_TRUE(fx->pc, "proc_cache_new"))
		return false;
	fx->d = decoder_new(fx->pc);
	if (!ASSERT_TRUE(fx->d, "decoder_new"))
		return false;
	decoder_set_clock_offset(fx->d, T0_REAL - (long long)T0_BOOT);
	return ASSERT_TRUE(proc_cache_exec(fx->pc, &bash), "seed bash");
}

static void fixture_fini(struct fixture *fx)
{
	decoder_free(fx->d);
	proc_cache_free(fx->pc);
}

/* output of one event, malloc'd */
static char *render(enum output_format fmt, const struct rtg_event_view *ev)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct output *o = output_new(fmt, f);
	int err = o ? output_event(o, ev) : -ENOMEM;

	if (o)
		output_flush(o);
	output_free(o);
	fclose(f);
	if (err) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* exec of cat from bash */
static int decode_cat_exec(struct fixture *fx, struct rtg_event_view *ev)
{
	static const char args[] = "cat\0/etc/shadow";
	size_t n = mk_exec(fx->rec, 4242, "/usr/bin/cat", NULL, "/home/u", args,
			   sizeof(args), 2);

	return event_decode(fx->d, fx->rec, n, ev);
}

#define PROC_4242                                                              \
	"\"process\":{\"pid\":4242,\"tid\":4242,\"ppid\":4100,\"uid\":1000,"   \
	"\"gid\":1000,\"comm\":\"cat\",\"binary\":\"/usr/bin/cat\","           \
	"\"args\":[\"cat\",\"/etc/shadow\"],\"cwd\":\"/home/u\","              \
	"\"exec_id\":\"" ID_4242 "\",\"cgroup_id\":1234},"                     \
	"\"parent\":{\"pid\":4100,\"binary\":\"/usr/bin/bash\","               \
	"\"exec_id\":\"" ID_4100 "\"}"

TEST(output_golden_exec)
{
	struct rtg_event_view ev;
	struct fixture fx;
	char *s = NULL;

	if (!fixture_init(&fx))
		goto cleanup;
	if (!ASSERT_OK(decode_cat_exec(&fx, &ev), "decode"))
		goto cleanup;
	s = render(OUTPUT_JSON, &ev);
	ASSERT_STREQ(s,
		     "{\"time\":\"2026-11-27T16:00:00.123456789Z\","
		     "\"type\":\"exec\",\"action\":\"audit\",\"enforced\":"
		     "false," PROC_4242 "}\n",
		     "exec json");
	ASSERT_EQ(py_check(s, "o['type']=='exec' and "
			      "o['process']['args']==['cat','/etc/shadow'] and "
			      "'mechanism' not in o and 'rule' not in o"),
		  0, "python");
	free(s);
	s = render(OUTPUT_COMPACT, &ev);
	ASSERT_STREQ(s,
		     "16:00:00.123 AUDIT exec    cat[4242] /usr/bin/cat "
		     "/etc/shadow\n",
		     "exec compact");
cleanup:
	free(s);
	fixture_fini(&fx);
}

TEST(output_golden_open)
{
	struct rtg_event_view ev;
	struct fixture fx;
	struct rtg_open *o;
	char *s = NULL;
	size_t n;

	if (!fixture_init(&fx) || !ASSERT_OK(decode_cat_exec(&fx, &ev), "exec"))
		goto cleanup;
	n = mk_open(fx.rec, 4242, "/etc/shadow", O_RDONLY);
	o = (struct rtg_open *)fx.rec;
	o->hdr.action = RTG_ACT_DENY;
	o->hdr.mech = RTG_MECH_LSM;
	o->hdr.rule = 0;
	o->hdr.flags = RTG_F_ENFORCED;
	if (!ASSERT_OK(event_decode(fx.d, fx.rec, n, &ev), "decode"))
		goto cleanup;
	ev.policy = "protect-host";
	ev.rule_name = "shadow-readers";
	s = render(OUTPUT_JSON, &ev);
	ASSERT_STREQ(
	    s,
	    "{\"time\":\"2026-11-27T16:00:00.123456789Z\","
	    "\"type\":\"open\",\"action\":\"deny\",\"enforced\":true,"
	    "\"policy\":\"protect-host\",\"rule\":\"shadow-readers\","
	    "\"mechanism\":\"lsm\"," PROC_4242 ","
	    "\"file\":{\"path\":\"/etc/shadow\",\"flags\":[\"O_RDONLY\"]}}\n",
	    "open json");
	ASSERT_EQ(py_check(s,
			   "o['file']=={'path':'/etc/shadow',"
			   "'flags':['O_RDONLY']} and o['enforced'] is True"),
		  0, "python");
	free(s);
	s = render(OUTPUT_COMPACT, &ev);
	ASSERT_STREQ(s,
		     "16:00:00.123 DENY  open    cat[4242] /etc/shadow  "
		     "(protect-host/shadow-readers)\n",
		     "open compact");
	free(s);
	/* dry-run, truncated path, more flags */
	o->hdr.flags = RTG_F_PATH_TRUNC;
	o->oflags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;
	if (!ASSERT_OK(event_decode(fx.d, fx.rec, n, &ev), "decode 2"))
		goto cleanup;
	s = render(OUTPUT_JSON, &ev);
	ASSERT_STRCONTAINS(s, "\"enforced\":false,\"mechanism\":\"lsm\"",
			   "dry");
	ASSERT_STRCONTAINS(
	    s,
	    "\"file\":{\"path\":\"/etc/shadow\",\"flags\":["
	    "\"O_WRONLY\",\"O_CREAT\",\"O_TRUNC\",\"O_CLOEXEC\"],"
	    "\"truncated\":true}}",
	    "flags + truncated");
	free(s);
	s = render(OUTPUT_COMPACT, &ev);
	ASSERT_STREQ(s,
		     "16:00:00.123 DENY  open    cat[4242] /etc/shadow "
		     "[truncated] [dry-run]\n",
		     "dry-run compact");
cleanup:
	free(s);
	fixture_fini(&fx);
}

TEST(output_golden_connect)
{
	struct rtg_event_view ev;
	struct fixture fx;
	char *s = NULL;
	size_t n;

	if (!fixture_init(&fx) || !ASSERT_OK(decode_cat_exec(&fx, &ev), "exec"))
		goto cleanup;
	n = mk_connect(fx.rec, 4242, AF_INET, "10.0.0.1", 443, "192.168.1.2",
		       50000);
	((struct rtg_connect *)fx.rec)->hdr.action = RTG_ACT_DENY;
	((struct rtg_connect *)fx.rec)->hdr.mech = RTG_MECH_CGROUP;
	((struct rtg_connect *)fx.rec)->hdr.flags = RTG_F_ENFORCED;
	if (!ASSERT_OK(event_decode(fx.d, fx.rec, n, &ev), "decode v4"))
		goto cleanup;
	s = render(OUTPUT_JSON, &ev);
	ASSERT_STREQ(
	    s,
	    "{\"time\":\"2026-11-27T16:00:00.123456789Z\","
	    "\"type\":\"connect\",\"action\":\"deny\",\"enforced\":true,"
	    "\"mechanism\":\"cgroup\"," PROC_4242 ","
	    "\"connect\":{\"family\":\"inet\",\"protocol\":\"tcp\","
	    "\"daddr\":\"10.0.0.1\",\"dport\":443,"
	    "\"saddr\":\"192.168.1.2\",\"sport\":50000}}\n",
	    "connect json");
	ASSERT_EQ(py_check(s, "o['connect']['dport']==443"), 0, "python");
	free(s);
	s = render(OUTPUT_COMPACT, &ev);
	ASSERT_STREQ(s,
		     "16:00:00.123 DENY  connect cat[4242] tcp 10.0.0.1:443\n",
		     "connect compact");
	free(s);

	n = mk_connect(fx.rec, 4242, AF_INET6, "fd00:ec2::254", 80, NULL, 0);
	((struct rtg_connect *)fx.rec)->protocol = IPPROTO_UDP;
	if (!ASSERT_OK(event_decode(fx.d, fx.rec, n, &ev), "decode v6"))
		goto cleanup;
	s = render(OUTPUT_JSON, &ev);
	ASSERT_STRCONTAINS(s,
			   "\"connect\":{\"family\":\"inet6\",\"protocol\":"
			   "\"udp\",\"daddr\":\"fd00:ec2::254\",\"dport\":80}}",
			   "v6 json, no unknown source");
	free(s);
	s = render(OUTPUT_COMPACT, &ev);
	ASSERT_STRCONTAINS(s, "udp [fd00:ec2::254]:80\n", "v6 compact");
cleanup:
	free(s);
	fixture_fini(&fx);
}

TEST(output_golden_exit_and_reap)
{
	struct rtg_event_view ev;
	struct fixture fx;
	char *s = NULL;
	size_t n;

	if (!fixture_init(&fx) || !ASSERT_OK(decode_cat_exec(&fx, &ev), "exec"))
		goto cleanup;
	n = mk_exit(fx.rec, 4242, 0, 9);
	if (!ASSERT_OK(event_decode(fx.d, fx.rec, n, &ev), "decode exit"))
		goto cleanup;
	ASSERT_TRUE(ev.proc->exited, "marked exited");
	s = render(OUTPUT_JSON, &ev);
	ASSERT_STREQ(s,
		     "{\"time\":\"2026-11-27T16:00:00.123456789Z\","
		     "\"type\":\"exit\",\"action\":\"audit\",\"enforced\":"
		     "false," PROC_4242
		     ",\"exit\":{\"code\":0,\"signal\":9}}\n",
		     "exit json: process still known");
	ASSERT_EQ(py_check(s, "o['exit']=={'code':0,'signal':9}"), 0, "python");
	free(s);
	s = render(OUTPUT_COMPACT, &ev);
	ASSERT_STREQ(s, "16:00:00.123 AUDIT exit    cat[4242] signal=SIGKILL\n",
		     "exit compact");
	ASSERT_TRUE(proc_cache_get(fx.pc, 4242) != NULL, "kept until next");
	/* the next decode frees it */
	n = mk_exit(fx.rec, 4100, 3, 0);
	if (!ASSERT_OK(event_decode(fx.d, fx.rec, n, &ev), "decode exit 2"))
		goto cleanup;
	ASSERT_TRUE(proc_cache_get(fx.pc, 4242) == NULL, "freed after");
	free(s);
	s = render(OUTPUT_COMPACT, &ev);
	ASSERT_STRCONTAINS(s, " code=3\n", "exit code compact");
cleanup:
	free(s);
	fixture_fini(&fx);
}

TEST(output_golden_lost)
{
	struct rtg_event_view ev;
	struct fixture fx;
	char *s = NULL;

	if (!fixture_init(&fx))
		goto cleanup;
	event_view_lost(fx.d, 7, "ringbuf:open", &ev);
	ASSERT_TRUE(ev.proc != NULL, "proc never NULL");
	ev.realtime.tv_sec = T0_REAL / 1000000000ll;
	ev.realtime.tv_nsec = 5;
	s = render(OUTPUT_JSON, &ev);
	ASSERT_STREQ(
	    s,
	    "{\"time\":\"2026-11-27T16:00:00.000000005Z\","
	    "\"type\":\"lost\",\"count\":7,\"source\":\"ringbuf:open\"}\n",
	    "lost json");
	ASSERT_EQ(py_check(s, "o['count']==7"), 0, "python");
	free(s);
	s = render(OUTPUT_COMPACT, &ev);
	ASSERT_STREQ(s,
		     "16:00:00.000 -     lost    count=7 source=ringbuf:open\n",
		     "lost compact");
cleanup:
	free(s);
	fixture_fini(&fx);
}

/* no byte that a terminal would act on, one line */
static bool compact_safe(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i;

	if (!n || s[n - 1] != '\n')
		return false;
	for (i = 0; i + 1 < n; i++) {
		if (p[i] < 0x20 || p[i] == 0x7f)
			return false;
		if (p[i] == 0xc2 && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f)
			return false; /* C1 control */
		if (p[i] == 0xe2 && p[i + 1] == 0x80 && i + 2 < n &&
		    p[i + 2] >= 0xaa && p[i + 2] <= 0xae)
			return false; /* bidi override */
	}
	return true;
}

TEST(output_attacker_bytes)
{
	static const char args[] = "x\0new\nline\0\x1b]0;pwn\x07\0sp ace\0"
				   "q\"uo\\te\0\xc2\x9b"
				   "31m\0\xe2\x80\xaeRTL\0"
				   "bad\xff\xfe\0";
	static const char bin[] = "/tmp/a\nb\"c\x1b[2J\xff";
	struct rtg_event_view ev;
	struct fixture fx;
	struct rtg_exec *e;
	char *s = NULL;
	size_t n;

	if (!fixture_init(&fx))
		goto cleanup;
	n = mk_exec(fx.rec, 4242, bin, NULL, "/home/\x1b[1m", args,
		    sizeof(args) - 1, 8);
	e = (struct rtg_exec *)fx.rec;
	memcpy(e->hdr.comm, "\x1b[31m\nevil\xff", 11);
	if (!ASSERT_OK(event_decode(fx.d, fx.rec, n, &ev), "decode"))
		goto cleanup;
	ASSERT_EQ(ev.exec.argc, 8, "argc");
	s = render(OUTPUT_JSON, &ev);
	ASSERT_EQ(py_check(s, "(lambda p: "
			      "p['binary']=='/tmp/a\\nb\"c\\x1b[2J\\ufffd' and "
			      "p['comm']=='\\x1b[31m\\nevil\\ufffd' and "
			      "p['args']==['x','new\\nline','\\x1b]0;pwn\\x07',"
			      "'sp ace','q\"uo\\\\te','\\x9b31m','\\u202eRTL',"
			      "'bad\\ufffd\\ufffd'] and "
			      "p['cwd']=='/home/\\x1b[1m')(o['process'])"),
		  0, "python: json valid, values intact");
	ASSERT_EQ(strchr(s, '\n') - s, (long)strlen(s) - 1, "one line");
	free(s);
	s = render(OUTPUT_COMPACT, &ev);
	ASSERT_TRUE(compact_safe(s), "compact exec safe");
	ASSERT_STREQ(s,
		     "16:00:00.123 AUDIT exec    \\x1b[31m\\nevil\\xff[4242] "
		     "/tmp/a\\nb\"c\\x1b[2J\\xff new\\nline \\x1b]0;pwn\\x07 "
		     "\"sp ace\" \"q\\\"uo\\\\te\" \\u{009b}31m \\u{202e}RTL "
		     "bad\\xff\\xfe\n",
		     "compact exec escaped");
	free(s);

	n = mk_open(fx.rec, 4242, "/tmp/\n\x1b[2J\x7f\xc0\xaf\xe2\x80\xae.txt",
		    O_RDONLY);
	if (!ASSERT_OK(event_decode(fx.d, fx.rec, n, &ev), "decode open"))
		goto cleanup;
	s = render(OUTPUT_JSON, &ev);
	ASSERT_EQ(py_check(s,
			   "o['file']['path']=="
			   "'/tmp/\\n\\x1b[2J\\x7f\\ufffd\\ufffd\\u202e.txt'"),
		  0, "python: open path");
	free(s);
	s = render(OUTPUT_COMPACT, &ev);
	ASSERT_TRUE(compact_safe(s), "compact open safe");
	ASSERT_STRCONTAINS(s, "/tmp/\\n\\x1b[2J\\x7f\\xc0\\xaf\\u{202e}.txt\n",
			   "compact open escaped");
cleanup:
	free(s);
	fixture_fini(&fx);
}

TEST(open_flags_names)
{
	const char *names[OPEN_FLAGS_MAX];
	uint32_t unknown = 1;
	int n;

	n = open_flags_decode(O_RDONLY, names, OPEN_FLAGS_MAX, &unknown);
	ASSERT_EQ(n, 1, "rdonly n");
	ASSERT_STREQ(names[0], "O_RDONLY", "rdonly");
	ASSERT_EQ(unknown, 0, "no unknown");

	n = open_flags_decode(O_RDWR | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC |
				  O_APPEND | O_NONBLOCK,
			      names, OPEN_FLAGS_MAX, &unknown);
	if (ASSERT_EQ(n, 7, "n")) {
		ASSERT_STREQ(names[0], "O_RDWR", "rdwr");
		ASSERT_STREQ(names[1], "O_CREAT", "creat");
		ASSERT_STREQ(names[2], "O_EXCL", "excl");
		ASSERT_STREQ(names[3], "O_NOCTTY", "noctty");
		ASSERT_STREQ(names[4], "O_TRUNC", "trunc");
		ASSERT_STREQ(names[5], "O_APPEND", "append");
		ASSERT_STREQ(names[6], "O_NONBLOCK", "nonblock");
	}
	/* O_SYNC contains O_DSYNC, O_TMPFILE contains O_DIRECTORY */
	n = open_flags_decode(O_WRONLY | O_SYNC, names, OPEN_FLAGS_MAX, NULL);
	if (ASSERT_EQ(n, 2, "sync n"))
		ASSERT_STREQ(names[1], "O_SYNC", "sync, not dsync");
	n = open_flags_decode(O_DSYNC, names, OPEN_FLAGS_MAX, NULL);
	if (ASSERT_EQ(n, 2, "dsync n"))
		ASSERT_STREQ(names[1], "O_DSYNC", "dsync");
	n = open_flags_decode(O_RDWR | O_TMPFILE, names, OPEN_FLAGS_MAX, NULL);
	if (ASSERT_EQ(n, 2, "tmpfile n"))
		ASSERT_STREQ(names[1], "O_TMPFILE", "tmpfile");
	n = open_flags_decode(O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_PATH |
				  O_NOATIME | O_DIRECT,
			      names, OPEN_FLAGS_MAX, &unknown);
	if (ASSERT_EQ(n, 7, "dir n")) {
		ASSERT_STREQ(names[1], "O_DIRECTORY", "directory");
		ASSERT_STREQ(names[2], "O_NOFOLLOW", "nofollow");
		ASSERT_STREQ(names[3], "O_CLOEXEC", "cloexec");
		ASSERT_STREQ(names[4], "O_PATH", "path");
		ASSERT_STREQ(names[5], "O_NOATIME", "noatime");
		ASSERT_STREQ(names[6], "O_DIRECT", "direct");
	}
#if defined(__x86_64__)
	/* the kernel's O_LARGEFILE (glibc has 0 for it on 64-bit) */
	n = open_flags_decode(0100000, names, OPEN_FLAGS_MAX, &unknown);
	if (ASSERT_EQ(n, 2, "largefile n"))
		ASSERT_STREQ(names[1], "O_LARGEFILE", "largefile");
#endif
	n = open_flags_decode(O_WRONLY | 0x80000000u, names, OPEN_FLAGS_MAX,
			      &unknown);
	ASSERT_EQ(n, 1, "unknown bit n");
	ASSERT_EQ(unknown, 0x80000000u, "unknown bit");
	n = open_flags_decode(O_RDWR | O_CREAT | O_TRUNC, names, 2, NULL);
	ASSERT_EQ(n, 2, "max respected");
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
