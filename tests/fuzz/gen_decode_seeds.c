// SPDX-License-Identifier: GPL-2.0
/*
 * Seeds of the decode fuzzer (fuzz_decode.c), built from the real structs
 * of bpf/events.h the BPF side writes. A seed is records, each framed as a
 * little-endian u16 length and its bytes.
 *
 * Exec, exit, open and connect (core_seeds()): a process's life, fork
 * learning, a script, attacker bytes, IPv6, a path of RTG_PATH_MAX, strings
 * without their NUL, malformed lengths, the fanotify enforcer's records.
 *
 * The struct rtg_more types:
 * Per type: -base (no exec before; ops past the table), -ops (an exec, then
 * every op), -strs (none, empty, without a NUL, hostile bytes), -max (s0
 * 1 KiB, s1 and s2 256 bytes), -flags (deny/kill, path trunc+partial, in a
 * container, no proc). Then sequences, malformed records.
 *
 * Re-run: `make fuzz-decode-seeds` writes them into .output/fuzz/seeds-decode/
 * and copies each to tests/fuzz/corpus/decode/ named by its sha1, as
 * libFuzzer names inputs (an unchanged seed lands on itself).
 */
#include <arpa/inet.h>
#include <err.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "events.h"
#include "names.h"

static _Alignas(8) unsigned char rec[2 * RTG_PATH_MAX]; /* the record */
#define M ((struct rtg_more *)rec)
static const char pmax[RTG_PATH_MAX] = {'/', [1 ... RTG_PATH_MAX - 2] = 'p'};

/* A record header of type for pid with verdict act (a deny or kill by
 * SIGKILL), at time t0 + pid, by a process named comm. */
static void hdr_at(struct rtg_hdr *h, uint8_t type, uint32_t pid, uint8_t act,
		   uint64_t t0, const char *comm)
{
	memset(h, 0, sizeof(*h));
	h->type = type;
	h->action = act;
	h->mech = act >= RTG_ACT_DENY ? RTG_MECH_SIGKILL : RTG_MECH_NONE;
	h->flags = act >= RTG_ACT_DENY ? RTG_F_ENFORCED : 0;
	h->time_ns = t0 + pid;
	h->exec_ktime = 2000000000ull + pid;
	h->parent_exec_ktime = 1000000000ull;
	h->cgroup_id = 1234;
	h->pid = h->tid = pid;
	h->ppid = 100;
	h->uid = h->gid = 1000;
	memcpy(h->comm, comm, strlen(comm) + 1);
}

/* The fixed part of an rtg_more record, strings empty (length 0); its
 * header is also an exec record's. A deny is by LSM (cgroup for a unix
 * connect). */
static size_t more(uint8_t type, uint16_t op, uint32_t pid, uint8_t act)
{
	struct rtg_hdr *h = &M->hdr;

	memset(rec, 0, sizeof(struct rtg_more));
	hdr_at(h, type, pid, act, 6000000000ull, "evil");
	if (act == RTG_ACT_DENY)
		h->mech = type == RTG_EV_CONNECT_UNIX ? RTG_MECH_CGROUP
						      : RTG_MECH_LSM;
	h->rule = 2;
	M->op = op;
	return sizeof(struct rtg_more);
}

/* the exec of /usr/bin/evil as pid, for the records after it */
static size_t exec(uint32_t pid, uint32_t ppid)
{
	static const char img[] = "/usr/bin/evil\0/tmp\0evil\0-x";
	struct rtg_exec *e = (struct rtg_exec *)rec;

	more(RTG_EV_EXEC, 0, pid, RTG_ACT_AUDIT);
	e->hdr.ppid = ppid;
	e->hdr.parent_exec_ktime = 2000000000ull + ppid;
	e->binary_len = 14;
	e->cwd_len = 5;
	e->args_len = 8;
	e->argc = 2;
	memcpy(e->data, img, sizeof(img));
	return sizeof(*e) + sizeof(img);
}

/* Appends s0, s1, s2 to the fixed part (n bytes); NULL: length 0. */
static size_t strs(size_t n, const char *s0, const char *s1, const char *s2)
{
	const char *s[3] = {s0, s1, s2};
	uint16_t *lens[3] = {&M->s0_len, &M->s1_len, &M->s2_len};
	int i;

	for (i = 0; i < 3; i++) {
		*lens[i] = s[i] ? strlen(s[i]) + 1 : 0;
		memcpy(rec + n, s[i] ?: "", *lens[i]);
		n += *lens[i];
	}
	return n;
}

static void sock(uint16_t fam, uint16_t proto, uint16_t port, const char *a)
{
	M->sock.family = fam;
	M->sock.protocol = proto;
	M->sock.port = port;
	if (a)
		inet_pton(fam, a, M->sock.addr);
}

/* A record of type t, op as the BPF side writes it (bpf/, *.bpf.c). */
static size_t base(uint8_t t, uint16_t op, uint32_t pid, uint8_t act)
{
	size_t n = more(t, op, pid, act);

	switch (t) {
	case RTG_EV_PTRACE:
		M->ptrace.pid = 5000;
		M->ptrace.ppid = 1;
		M->ptrace.request = 16; /* PTRACE_ATTACH */
		return n;
	case RTG_EV_CRED:
		M->cred.old = (struct rtg_ids){1000, 1000, 1000, 1000, 0};
		M->cred.new = (struct rtg_ids){0, 0, 0, 0, 0x1ffffffffffull};
		return n;
	case RTG_EV_MODULE:
		return strs(n, "/tmp/evil.ko", "evil", NULL);
	case RTG_EV_BPF:
		M->bpf.prog_type = 2; /* kprobe */
		M->bpf.attach_type = 5;
		return strs(n, "", "evil_prog", NULL);
	case RTG_EV_MOUNT:
		M->flags.flags = 0x1000 | 0x4000; /* MS_BIND | MS_REC */
		return strs(n, "/mnt/host", "/", "ext4");
	case RTG_EV_NAMESPACE:
		/* CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET */
		M->flags.flags = 0x10000000 | 0x00020000 | 0x40000000;
		return n;
	case RTG_EV_LISTEN:
		if (op == RTG_LISTEN_SOCKET)
			sock(AF_PACKET, 3 /* ETH_P_ALL */, 0, NULL);
		else
			sock(AF_INET, 6 /* TCP */, 4444, "0.0.0.0");
		return n;
	case RTG_EV_MMAP_EXEC:
		M->mmap.prot = 0x5;  /* PROT_READ | PROT_EXEC */
		M->mmap.flags = 0x2; /* MAP_PRIVATE */
		return strs(n, "/tmp/payload.so", NULL, NULL);
	case RTG_EV_IO_URING:
		if (op == RTG_URING_SETUP)
			return n;
		if (op != RTG_URING_CONNECT)
			return strs(n, "/etc/shadow", NULL, NULL);
		sock(AF_INET, 0, 80, "169.254.169.254");
		return strs(n, "", NULL, NULL);
	default: /* RTG_EV_CONNECT_UNIX */
		return strs(n, "/run/docker.sock", NULL, NULL);
	}
}

static const char *dir;
static FILE *cf;

/* starts the seed file name+variant (and ends the one before) */
static void begin(const char *name, const char *variant)
{
	char path[512];

	if (cf && fclose(cf))
		err(1, "fclose");
	snprintf(path, sizeof(path), "%s/%s%s", dir, name, variant);
	cf = fopen(path, "we");
	if (!cf)
		err(1, "%s", path);
}

static void add(size_t n)
{
	fputc(n & 0xff, cf);
	fputc(n >> 8, cf);
	fwrite(rec, 1, n, cf);
}

/* ---- exec, exit, open, connect ---------------------------------------- */

static void hdr(struct rtg_hdr *h, uint8_t type, uint32_t pid, uint8_t act)
{
	hdr_at(h, type, pid, act, 5000000000ull, "cat");
	h->rule = act >= RTG_ACT_AUDIT ? 1 : RTG_RULE_NONE;
}

static size_t mk_exec(uint32_t pid, uint32_t ppid, uint8_t act, const char *bin,
		      const char *script, const char *cwd, const char *args,
		      size_t args_len)
{
	struct rtg_exec *e = (struct rtg_exec *)rec;
	size_t n = sizeof(*e), l;

	memset(e, 0, sizeof(*e));
	hdr(&e->hdr, RTG_EV_EXEC, pid, act);
	e->hdr.ppid = ppid;
	e->hdr.parent_exec_ktime = 2000000000ull + ppid;
	l = strlen(bin) + 1;
	memcpy(rec + n, bin, l);
	n += l;
	e->binary_len = l;
	if (script) {
		e->hdr.flags |= RTG_F_SCRIPT;
		l = strlen(script) + 1;
		memcpy(rec + n, script, l);
		n += l;
		e->script_len = l;
	}
	l = strlen(cwd) + 1;
	memcpy(rec + n, cwd, l);
	n += l;
	e->cwd_len = l;
	memcpy(rec + n, args, args_len);
	n += args_len;
	e->args_len = args_len;
	e->argc = 2;
	return n;
}

static size_t mk_open(uint32_t pid, uint8_t act, const char *path, uint32_t fl)
{
	struct rtg_open *o = (struct rtg_open *)rec;
	size_t l = strlen(path) + 1;

	memset(o, 0, sizeof(*o));
	hdr(&o->hdr, RTG_EV_OPEN, pid, act);
	o->oflags = fl;
	o->fmode = 0x1d;
	o->ino = 4242;
	o->dev = 0x801;
	o->path_len = l;
	memcpy(o->path, path, l);
	return sizeof(*o) + l;
}

static size_t mk_connect(uint32_t pid, uint8_t act, int fam, int proto,
			 const char *da, uint16_t dport, const char *sa,
			 uint16_t sport)
{
	struct rtg_connect *c = (struct rtg_connect *)rec;

	memset(c, 0, sizeof(*c));
	hdr(&c->hdr, RTG_EV_CONNECT, pid, act);
	if (act >= RTG_ACT_DENY)
		c->hdr.mech = RTG_MECH_CGROUP;
	c->family = fam;
	c->protocol = proto;
	c->dport = dport;
	c->sport = sport;
	inet_pton(fam, da, c->daddr);
	if (sa)
		inet_pton(fam, sa, c->saddr);
	return sizeof(*c);
}

static size_t mk_exit(uint32_t pid, int code, int sig)
{
	struct rtg_exit *e = (struct rtg_exit *)rec;

	memset(e, 0, sizeof(*e));
	hdr(&e->hdr, RTG_EV_EXIT, pid, RTG_ACT_AUDIT);
	e->code = code;
	e->signal = sig;
	return sizeof(*e);
}

/* The seeds of exec, exit, open and connect records (struct rtg_exec,
 * rtg_exit, rtg_open, rtg_connect). */
static void core_seeds(void)
{
	static const char args[] = "cat\0/etc/shadow";
	static const char bad_args[] = "sh\0-c\0\x1b[31mred\xff\xfe\0\"q\\";
	char longp[RTG_PATH_MAX];
	size_t n;

	/* a process's life: exec, opens, connects, exit */
	begin("life", "");
	add(mk_exec(4242, 100, RTG_ACT_AUDIT, "/usr/bin/cat", NULL, "/home/u",
		    args, sizeof(args)));
	add(mk_open(4242, RTG_ACT_DENY, "/etc/shadow", O_RDONLY));
	add(mk_open(4242, RTG_ACT_AUDIT, "/etc/sudoers.d/x",
		    O_WRONLY | O_CREAT | O_TRUNC | 0100000));
	add(mk_connect(4242, RTG_ACT_DENY, AF_INET, IPPROTO_TCP,
		       "169.254.169.254", 80, "10.0.0.5", 40000));
	add(mk_exit(4242, 0, 9));
	add(mk_open(4242, RTG_ACT_AUDIT, "/after/exit", 0));

	/* fork learning: parent exec, child open with the parent's ktime */
	begin("fork", "");
	add(mk_exec(500, 1, RTG_ACT_ALLOW, "/usr/bin/bash", NULL, "/", "bash",
		    5));
	n = mk_open(501, RTG_ACT_AUDIT, "/tmp/x", O_RDWR);
	((struct rtg_open *)rec)->hdr.ppid = 500;
	((struct rtg_open *)rec)->hdr.parent_exec_ktime = 2000000500ull;
	add(n);
	add(mk_exit(501, 3, 0));
	add(mk_exit(500, 0, 0));

	begin("script", "");
	add(mk_exec(600, 1, RTG_ACT_KILL, "/usr/bin/python3", "/tmp/evil.py",
		    "/tmp", "python3\0/tmp/evil.py", 21));

	begin("attacker-bytes", "");
	add(mk_exec(700, 1, RTG_ACT_DENY,
		    "/tmp/\x1b]0;pwn\x07\xc3\x28\xe2\x80\xae", NULL,
		    "/tmp/\n\t\r", bad_args, sizeof(bad_args) - 1));
	add(mk_open(700, RTG_ACT_AUDIT, "/tmp/\xf0\x9f\x98\x80\xed\xa0\x80\"\\",
		    0));

	begin("connect6", "");
	add(mk_connect(800, RTG_ACT_AUDIT, AF_INET6, IPPROTO_UDP,
		       "fd00:ec2::254", 53, "::1", 5353));
	add(mk_connect(800, RTG_ACT_DENY, AF_INET6, 132, "::ffff:1.2.3.4", 443,
		       NULL, 0));

	/* edge cases */
	begin("long-path", "");
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	n = mk_open(900, RTG_ACT_AUDIT, longp, 0);
	((struct rtg_open *)rec)->hdr.flags |= RTG_F_PATH_TRUNC;
	add(n);

	begin("unterminated", "");
	n = mk_open(901, RTG_ACT_AUDIT, "/no/nul", 0);
	rec[n - 1] = 'X'; /* path without its NUL */
	add(n);
	n = mk_exec(902, 1, RTG_ACT_AUDIT, "/bin/x", NULL, "/", "a\0b", 3);
	((struct rtg_exec *)rec)->hdr.flags |=
	    RTG_F_ARGS_TRUNC | RTG_F_CWD_TRUNC | RTG_F_PATH_TRUNC;
	add(n);

	begin("malformed", "");
	n = mk_open(903, RTG_ACT_AUDIT, "/x", 0);
	((struct rtg_open *)rec)->path_len =
	    0xffff; /* longer than the record */
	add(n);
	n = mk_exec(904, 1, RTG_ACT_AUDIT, "/bin/x", NULL, "/", "a", 2);
	((struct rtg_exec *)rec)->args_len = 0xfff0;
	add(n);
	add(mk_connect(905, RTG_ACT_AUDIT, 99, IPPROTO_TCP, "0.0.0.0", 1, NULL,
		       0) -
	    1);
	n = mk_exit(906, 0, 0);
	add(n - 1);
	rec[0] = RTG_EV_LOST;
	add(sizeof(struct rtg_hdr));
	rec[0] = 0xff;
	add(sizeof(struct rtg_hdr));
	add(0);

	/* the fanotify enforcer's records: no proc, ppid 0 */
	begin("fanotify", "");
	n = mk_open(1000, RTG_ACT_DENY, "/etc/secret", 0);
	((struct rtg_open *)rec)->hdr.mech = RTG_MECH_FANOTIFY;
	((struct rtg_open *)rec)->hdr.flags |= RTG_F_NO_PROC;
	((struct rtg_open *)rec)->hdr.exec_ktime = 0;
	((struct rtg_open *)rec)->hdr.ppid = 0;
	add(n);
}

/* ---- the struct rtg_more types ------------------------------------------ */

/* The seeds of type t: its name and ops from the decoder's tables. */
static void per_type(uint8_t t)
{
	static const char raw0[] = "/tmp/\x1b[31m\xff\xfe\"\\\xe2\x80\xae\n";
	static const char raw1[] = "a\0b\x7f";
	/* bpf/more.bpf.h's bounds: user paths 1 KiB, s1 and s2 256 bytes */
	static const char s0max[1024] = {'/', [1 ... 1022] = 'a'};
	static const char smax[256] = {[0 ... 254] = 'b'};
	const char *name = t == RTG_EV_CONNECT_UNIX ? "unix" : type_name(t);
	int op, nops;
	size_t n;

	if (!op_names(type_hook(t), &nops)) /* unix connect: no ops */
		nops = 1;
	begin(name, "-base"); /* no exec before: an unknown process */
	add(base(t, 0, 4242, RTG_ACT_AUDIT));
	add(base(t, nops, 4242, RTG_ACT_AUDIT));
	add(base(t, 0xffff, 4242, RTG_ACT_KILL));

	begin(name, "-ops");
	add(exec(4242, 100));
	for (op = 0; op < nops; op++)
		add(base(t, op, 4242, RTG_ACT_AUDIT + op % 3));

	begin(name, "-strs");
	base(t, 0, 4242, RTG_ACT_AUDIT);
	add(strs(sizeof(struct rtg_more), NULL, NULL, NULL));
	add(strs(sizeof(struct rtg_more), "", "", ""));
	n = sizeof(struct rtg_more); /* s0 without its NUL, s1 cut at a NUL */
	M->s0_len = sizeof(raw0) - 1;
	M->s1_len = sizeof(raw1) - 1;
	M->s2_len = 0;
	memcpy(rec + n, raw0, M->s0_len);
	memcpy(rec + n + M->s0_len, raw1, M->s1_len);
	add(n + M->s0_len + M->s1_len);

	begin(name, "-max");
	base(t, 1 % nops, 4242, RTG_ACT_AUDIT);
	M->hdr.flags |= RTG_F_PATH_TRUNC;
	add(strs(sizeof(struct rtg_more), s0max, smax, smax));

	begin(name, "-flags");
	n = base(t, nops - 1, 4242, RTG_ACT_DENY);
	M->hdr.flags |= RTG_F_PATH_TRUNC | RTG_F_PATH_PARTIAL |
			RTG_F_IN_CONTAINER | RTG_F_EXEC_RULE;
	M->hdr.cgroup_id = 0xc0ffee;
	M->hdr.rule = RTG_RULE_DEFAULT | 1;
	M->hdr.gen = 7;
	add(n);
	n = base(t, 0, 4243, RTG_ACT_KILL);
	M->hdr.flags |= RTG_F_IN_CONTAINER | RTG_F_NO_PROC;
	M->hdr.exec_ktime = M->hdr.ppid = 0;
	M->hdr.rule = 3; /* odd: the harness names its rule */
	add(n);
}

int main(int argc, char **argv)
{
	size_t i, n;
	uint8_t t;

	dir = argc > 1 ? argv[1] : ".";
	core_seeds();
	for (t = RTG_EV_FIRST_MORE; t < RTG_EV_MAX; t++)
		per_type(t);

	/* ptrace's tracee: known, a fork of a known image (learnt), then the
	 * tracer's parent and the tracer in images the cache has not seen
	 * (learning them as forks freed the view's parent and process) */
	begin("ptrace", "-tracees");
	add(exec(1, 0));
	add(exec(100, 1));
	add(exec(4242, 100));
	for (i = 0; i < 4; i++) {
		static const uint32_t pid[] = {100, 101, 100, 4242};
		static const uint64_t ek[] = {2000000100ull, 7e9, 9e9, 9e9};

		n = base(RTG_EV_PTRACE, i, 4242, RTG_ACT_AUDIT);
		M->hdr.parent_exec_ktime = 2000000100ull; /* 100's image */
		M->ptrace.pid = pid[i];
		M->ptrace.ppid = pid[i] == 100 ? 1 : 100;
		M->ptrace.exec_ktime = ek[i];
		M->ptrace.parent_exec_ktime = 2000000000ull + M->ptrace.ppid;
		add(n);
	}

	begin("sock", "-families"); /* listen, then io_uring connect */
	for (i = 0; i < 8; i++) {
		static const uint16_t fams[] = {AF_INET6, AF_UNIX, 99,
						AF_PACKET};
		uint16_t f = fams[i % 4];

		n = more(i < 4 ? RTG_EV_LISTEN : RTG_EV_IO_URING,
			 i < 4 ? i % 2 : RTG_URING_CONNECT, 4242, 1);
		sock(f, 6, f == 99 ? 0xffff : 443,
		     f == AF_INET6 ? "fd00::1" : NULL);
		add(strs(n, f == AF_UNIX ? "/run/x.sock" : "", NULL, NULL));
	}

	/* s0 of RTG_PATH_MAX: longer than the fuzzer's -max_len (it sees a
	 * cut record), whole in fuzz_regress_decode_corpus */
	begin("mmap_exec", "-pathmax");
	base(RTG_EV_MMAP_EXEC, 0, 4242, RTG_ACT_AUDIT);
	M->hdr.flags |= RTG_F_PATH_TRUNC;
	add(strs(sizeof(struct rtg_more), pmax, NULL, NULL));

	begin("more", "-overrun"); /* string lengths past the record's end */
	n = base(RTG_EV_MODULE, 0, 4242, RTG_ACT_AUDIT);
	M->s0_len = 0xffff;
	add(n);
	n = base(RTG_EV_MOUNT, 0, 4242, RTG_ACT_AUDIT);
	M->s2_len++; /* the sum one past */
	add(n);
	n = base(RTG_EV_MMAP_EXEC, 0, 4242, RTG_ACT_AUDIT);
	M->s0_len = M->s1_len = M->s2_len = 0x8000; /* sum > 0xffff */
	add(n);

	begin("more", "-short"); /* shorter than the fixed part, the header */
	for (t = RTG_EV_FIRST_MORE; t < RTG_EV_MAX; t++) {
		base(t, 0, 4242, RTG_ACT_AUDIT);
		add(t & 1 ? sizeof(struct rtg_more) - 1
			  : sizeof(struct rtg_hdr) - t % 5);
	}
	add(more(RTG_EV_MAX, 0, 4242, RTG_ACT_AUDIT)); /* not rtg_more types */
	add(more(RTG_EV_LOST, 0, 4242, RTG_ACT_AUDIT));
	add(0);
	return fclose(cf) ? 1 : 0;
}
