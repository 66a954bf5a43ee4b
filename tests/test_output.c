// SPDX-License-Identifier: GPL-2.0
/*
 * Raw ring-buffer records -> decode -> output: golden JSON for each event
 * type (exact strings: the text itself is what is tested, and parsed by
 * python3), compact lines, attacker bytes. The decoder's own cases (flags,
 * malformed records, the process cache) are in test_decode.c; the records
 * are built by record_util.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent_util.h"
#include "record_util.h"
#include "test.h"

/* fx->ev's JSON line is `json` (python's `py` holds on it) and its compact
 * line is `compact`; `what` names the event in the messages. */
static void expect_golden(struct fixture *fx, const char *what,
			  const char *json, const char *py, const char *compact)
{
	char name[64];

	snprintf(name, sizeof(name), "%s json", what);
	ASSERT_STREQ(fixture_render(fx, OUTPUT_JSON), json, name);
	snprintf(name, sizeof(name), "%s python", what);
	ASSERT_EQ(py_check(fx->s, py), 0, name);
	snprintf(name, sizeof(name), "%s compact", what);
	ASSERT_STREQ(fixture_render(fx, OUTPUT_COMPACT), compact, name);
}

TEST(output_golden_exec)
{
	struct fixture fx;

	if (!fixture_cat(&fx))
		goto cleanup;
	expect_golden(&fx, "exec",
		      "{\"time\":\"2026-11-27T16:00:00.123456789Z\","
		      "\"type\":\"exec\",\"action\":\"audit\",\"enforced\":"
		      "false," PROC_4242 "}\n",
		      "o['type']=='exec' and "
		      "o['process']['args']==['cat','/etc/shadow'] and "
		      "'mechanism' not in o and 'rule' not in o",
		      "16:00:00.123 AUDIT exec    cat[4242] /usr/bin/cat "
		      "/etc/shadow\n");
cleanup:
	fixture_fini(&fx);
}

TEST(output_golden_open)
{
	struct fixture fx;
	struct rtg_open *o;
	const char *s;
	size_t n;

	if (!fixture_cat(&fx))
		goto cleanup;
	n = mk_open(fx.rec, 4242, "/etc/shadow", O_RDONLY);
	o = (struct rtg_open *)fx.rec;
	o->hdr.action = RTG_ACT_DENY;
	o->hdr.mech = RTG_MECH_LSM;
	o->hdr.rule = 0;
	o->hdr.flags = RTG_F_ENFORCED;
	if (!ASSERT_OK(fixture_decode(&fx, n), "decode"))
		goto cleanup;
	fx.ev.policy = "protect-host";
	fx.ev.rule_name = "shadow-readers";
	expect_golden(
	    &fx, "open",
	    "{\"time\":\"2026-11-27T16:00:00.123456789Z\","
	    "\"type\":\"open\",\"action\":\"deny\",\"enforced\":true,"
	    "\"policy\":\"protect-host\",\"rule\":\"shadow-readers\","
	    "\"mechanism\":\"lsm\"," PROC_4242 ","
	    "\"file\":{\"path\":\"/etc/shadow\",\"flags\":[\"O_RDONLY\"]}}\n",
	    "o['file']=={'path':'/etc/shadow',"
	    "'flags':['O_RDONLY']} and o['enforced'] is True",
	    "16:00:00.123 DENY  open    cat[4242] /etc/shadow  "
	    "(protect-host/shadow-readers)\n");
	/* dry-run, truncated path, more flags */
	o->hdr.flags = RTG_F_PATH_TRUNC;
	o->oflags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;
	if (!ASSERT_OK(fixture_decode(&fx, n), "decode 2"))
		goto cleanup;
	s = fixture_render(&fx, OUTPUT_JSON);
	ASSERT_STRCONTAINS(s, "\"enforced\":false,\"mechanism\":\"lsm\"",
			   "dry");
	ASSERT_STRCONTAINS(
	    s,
	    "\"file\":{\"path\":\"/etc/shadow\",\"flags\":["
	    "\"O_WRONLY\",\"O_CREAT\",\"O_TRUNC\",\"O_CLOEXEC\"],"
	    "\"truncated\":true}}",
	    "flags + truncated");
	s = fixture_render(&fx, OUTPUT_COMPACT);
	ASSERT_STREQ(s,
		     "16:00:00.123 DENY  open    cat[4242] /etc/shadow "
		     "[truncated] [dry-run]\n",
		     "dry-run compact");
cleanup:
	fixture_fini(&fx);
}

TEST(output_golden_connect)
{
	struct fixture fx;
	const char *s;
	size_t n;

	if (!fixture_cat(&fx))
		goto cleanup;
	n = mk_connect(fx.rec, 4242, AF_INET, "10.0.0.1", 443, "192.168.1.2",
		       50000);
	((struct rtg_connect *)fx.rec)->hdr.action = RTG_ACT_DENY;
	((struct rtg_connect *)fx.rec)->hdr.mech = RTG_MECH_CGROUP;
	((struct rtg_connect *)fx.rec)->hdr.flags = RTG_F_ENFORCED;
	if (!ASSERT_OK(fixture_decode(&fx, n), "decode v4"))
		goto cleanup;
	expect_golden(
	    &fx, "connect",
	    "{\"time\":\"2026-11-27T16:00:00.123456789Z\","
	    "\"type\":\"connect\",\"action\":\"deny\",\"enforced\":true,"
	    "\"mechanism\":\"cgroup\"," PROC_4242 ","
	    "\"connect\":{\"family\":\"inet\",\"protocol\":\"tcp\","
	    "\"daddr\":\"10.0.0.1\",\"dport\":443,"
	    "\"saddr\":\"192.168.1.2\",\"sport\":50000}}\n",
	    "o['connect']['dport']==443",
	    "16:00:00.123 DENY  connect cat[4242] tcp 10.0.0.1:443\n");

	n = mk_connect(fx.rec, 4242, AF_INET6, "fd00:ec2::254", 80, NULL, 0);
	((struct rtg_connect *)fx.rec)->protocol = IPPROTO_UDP;
	if (!ASSERT_OK(fixture_decode(&fx, n), "decode v6"))
		goto cleanup;
	s = fixture_render(&fx, OUTPUT_JSON);
	ASSERT_STRCONTAINS(s,
			   "\"connect\":{\"family\":\"inet6\",\"protocol\":"
			   "\"udp\",\"daddr\":\"fd00:ec2::254\",\"dport\":80}}",
			   "v6 json, no unknown source");
	s = fixture_render(&fx, OUTPUT_COMPACT);
	ASSERT_STRCONTAINS(s, "udp [fd00:ec2::254]:80\n", "v6 compact");
cleanup:
	fixture_fini(&fx);
}

TEST(output_golden_exit_and_reap)
{
	struct fixture fx;
	const char *s;
	size_t n;

	if (!fixture_cat(&fx))
		goto cleanup;
	n = mk_exit(fx.rec, 4242, 0, 9);
	if (!ASSERT_OK(fixture_decode(&fx, n), "decode exit"))
		goto cleanup;
	ASSERT_TRUE(fx.ev.proc->exited, "marked exited");
	/* the process still known */
	expect_golden(&fx, "exit",
		      "{\"time\":\"2026-11-27T16:00:00.123456789Z\","
		      "\"type\":\"exit\",\"action\":\"audit\",\"enforced\":"
		      "false," PROC_4242
		      ",\"exit\":{\"code\":0,\"signal\":9}}\n",
		      "o['exit']=={'code':0,'signal':9}",
		      "16:00:00.123 AUDIT exit    cat[4242] signal=SIGKILL\n");
	ASSERT_TRUE(proc_cache_get(fx.pc, 4242) != NULL, "kept until next");
	/* the next decode frees it */
	n = mk_exit(fx.rec, 4100, 3, 0);
	if (!ASSERT_OK(fixture_decode(&fx, n), "decode exit 2"))
		goto cleanup;
	ASSERT_TRUE(proc_cache_get(fx.pc, 4242) == NULL, "freed after");
	s = fixture_render(&fx, OUTPUT_COMPACT);
	ASSERT_STRCONTAINS(s, " code=3\n", "exit code compact");
cleanup:
	fixture_fini(&fx);
}

TEST(output_golden_lost)
{
	struct fixture fx;

	if (!fixture_init(&fx))
		goto cleanup;
	event_view_lost(fx.d, 7, "ringbuf:open", &fx.ev);
	ASSERT_TRUE(fx.ev.proc != NULL, "proc never NULL");
	fx.ev.realtime.tv_sec = T0_REAL / 1000000000ll;
	fx.ev.realtime.tv_nsec = 5;
	expect_golden(
	    &fx, "lost",
	    "{\"time\":\"2026-11-27T16:00:00.000000005Z\","
	    "\"type\":\"lost\",\"count\":7,\"source\":\"ringbuf:open\"}\n",
	    "o['count']==7",
	    "16:00:00.000 -     lost    count=7 source=ringbuf:open\n");
cleanup:
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
	struct fixture fx;
	struct rtg_exec *e;
	const char *s;
	size_t n;

	if (!fixture_init(&fx))
		goto cleanup;
	n = mk_exec(fx.rec, 4242, bin, NULL, "/home/\x1b[1m", args,
		    sizeof(args) - 1, 8);
	e = (struct rtg_exec *)fx.rec;
	memcpy(e->hdr.comm, "\x1b[31m\nevil\xff", 11);
	if (!ASSERT_OK(fixture_decode(&fx, n), "decode"))
		goto cleanup;
	ASSERT_EQ(fx.ev.exec.argc, 8, "argc");
	s = fixture_render(&fx, OUTPUT_JSON);
	ASSERT_EQ(py_check(s, "(lambda p: "
			      "p['binary']=='/tmp/a\\nb\"c\\x1b[2J\\ufffd' and "
			      "p['comm']=='\\x1b[31m\\nevil\\ufffd' and "
			      "p['args']==['x','new\\nline','\\x1b]0;pwn\\x07',"
			      "'sp ace','q\"uo\\\\te','\\x9b31m','\\u202eRTL',"
			      "'bad\\ufffd\\ufffd'] and "
			      "p['cwd']=='/home/\\x1b[1m')(o['process'])"),
		  0, "python: json valid, values intact");
	ASSERT_EQ(strchr(s, '\n') - s, (long)strlen(s) - 1, "one line");
	s = fixture_render(&fx, OUTPUT_COMPACT);
	ASSERT_TRUE(compact_safe(s), "compact exec safe");
	ASSERT_STREQ(s,
		     "16:00:00.123 AUDIT exec    \\x1b[31m\\nevil\\xff[4242] "
		     "/tmp/a\\nb\"c\\x1b[2J\\xff new\\nline \\x1b]0;pwn\\x07 "
		     "\"sp ace\" \"q\\\"uo\\\\te\" \\u{009b}31m \\u{202e}RTL "
		     "bad\\xff\\xfe\n",
		     "compact exec escaped");

	n = mk_open(fx.rec, 4242, "/tmp/\n\x1b[2J\x7f\xc0\xaf\xe2\x80\xae.txt",
		    O_RDONLY);
	if (!ASSERT_OK(fixture_decode(&fx, n), "decode open"))
		goto cleanup;
	s = fixture_render(&fx, OUTPUT_JSON);
	ASSERT_EQ(py_check(s,
			   "o['file']['path']=="
			   "'/tmp/\\n\\x1b[2J\\x7f\\ufffd\\ufffd\\u202e.txt'"),
		  0, "python: open path");
	s = fixture_render(&fx, OUTPUT_COMPACT);
	ASSERT_TRUE(compact_safe(s), "compact open safe");
	ASSERT_STRCONTAINS(s, "/tmp/\\n\\x1b[2J\\x7f\\xc0\\xaf\\u{202e}.txt\n",
			   "compact open escaped");
cleanup:
	fixture_fini(&fx);
}

/* One output renders many events of a process: its binary, args, cwd and
 * exec_id are escaped once and kept, and a new image of the same pid is
 * never shown with the old one's. */
TEST(output_process_parts_kept)
{
	static const char dog_args[] = "dog\0--bark";
	struct rtg_event_view ev;
	struct output *o = NULL;
	struct fixture fx;
	char *s = NULL;
	const char *line;
	size_t n, len;
	int i;

	if (!fixture_init(&fx) || !ASSERT_OK(decode_cat_exec(&fx, &ev), "exec"))
		goto cleanup;
	o = output_new(OUTPUT_JSON, NULL);
	if (!ASSERT_TRUE(o, "output_new"))
		goto cleanup;
	n = mk_open(fx.rec, 4242, "/etc/hosts", O_RDONLY);
	for (i = 0; i < 3; i++) {
		if (!ASSERT_OK(event_decode(fx.d, fx.rec, n, &ev), "decode"))
			goto cleanup;
		s = render(OUTPUT_JSON, &ev); /* a fresh output: nothing kept */
		line = output_render(o, &ev, &len);
		ASSERT_TRUE(line && s && len == strlen(s) &&
				!memcmp(line, s, len),
			    "kept parts render as fresh ones");
		ASSERT_STRCONTAINS(s, PROC_4242, "cat and bash");
		free(s);
		s = NULL;
	}
	/* pid 4242 execs dog: same pid, a new cache entry */
	n = mk_exec(fx.rec, 4242, "/usr/bin/dog", NULL, "/srv", dog_args,
		    sizeof(dog_args), 2);
	((struct rtg_hdr *)fx.rec)->exec_ktime = 3000000000ull;
	if (!ASSERT_OK(event_decode(fx.d, fx.rec, n, &ev), "dog exec"))
		goto cleanup;
	line = output_render(o, &ev, &len);
	if (ASSERT_TRUE(line, "render dog")) {
		s = strndup(line, len);
		ASSERT_STRCONTAINS(s, "\"binary\":\"/usr/bin/dog\"", "dog");
		ASSERT_STRCONTAINS(s, "\"args\":[\"dog\",\"--bark\"]", "args");
		ASSERT_STRCONTAINS(s, "\"cwd\":\"/srv\"", "cwd");
		ASSERT_TRUE(!strstr(s, "/usr/bin/cat"), "nothing of cat");
		ASSERT_EQ(py_check(s, "o['process']['binary']=='/usr/bin/dog'"),
			  0, "python");
	}
cleanup:
	free(s);
	output_free(o);
	fixture_fini(&fx);
}

/* A packet socket's protocol is an ETH_P_* number: one "protocol" key,
 * a number, even when it equals IPPROTO_TCP (6) or IPPROTO_UDP (17). */
TEST(output_packet_socket_protocol)
{
	struct fixture fx;
	struct rtg_more *m = (struct rtg_more *)fx.rec;
	struct rtg_hdr h;
	const char *s;

	if (!fixture_cat(&fx))
		goto cleanup;
	h = m->hdr; /* cat's exec's */
	memset(m, 0, sizeof(*m));
	m->hdr = h;
	m->hdr.type = RTG_EV_LISTEN;
	m->op = RTG_LISTEN_SOCKET;
	m->sock.family = AF_PACKET;
	m->sock.protocol = IPPROTO_TCP;
	if (!ASSERT_OK(fixture_decode(&fx, sizeof(*m)), "decode"))
		goto cleanup;
	s = fixture_render(&fx, OUTPUT_JSON);
	ASSERT_STRCONTAINS(s, "\"protocol\":6", "the ETH_P_ number");
	ASSERT_TRUE(!strstr(s, "\"protocol\":\"tcp\""), "not named as IP's");
	ASSERT_EQ(py_check(fx.s, "o['listen']['family']=='packet' and "
				 "o['listen']['protocol']==6"),
		  0, "python");
cleanup:
	fixture_fini(&fx);
}
