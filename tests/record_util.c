// SPDX-License-Identifier: GPL-2.0
/* Hand-built ring-buffer records and their output (record_util.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "record_util.h"
#include "test.h"

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

size_t mk_exec(unsigned char *buf, uint32_t pid, const char *bin,
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

size_t mk_open(unsigned char *buf, uint32_t pid, const char *path,
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

size_t mk_connect(unsigned char *buf, uint32_t pid, int family,
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

size_t mk_exit(unsigned char *buf, uint32_t pid, int code, int sig)
{
	struct rtg_exit *e = (struct rtg_exit *)buf;

	memset(e, 0, sizeof(*e));
	hdr_init(&e->hdr, RTG_EV_EXIT, pid);
	e->code = code;
	e->signal = sig;
	return sizeof(*e);
}

bool fixture_init(struct fixture *fx)
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

void fixture_fini(struct fixture *fx)
{
	free(fx->s);
	decoder_free(fx->d);
	proc_cache_free(fx->pc);
}

char *render(enum output_format fmt, const struct rtg_event_view *ev)
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
int decode_cat_exec(struct fixture *fx, struct rtg_event_view *ev)
{
	static const char args[] = "cat\0/etc/shadow";
	size_t n = mk_exec(fx->rec, 4242, "/usr/bin/cat", NULL, "/home/u", args,
			   sizeof(args), 2);

	return event_decode(fx->d, fx->rec, n, ev);
}

bool fixture_cat(struct fixture *fx)
{
	return fixture_init(fx) &&
	       ASSERT_OK(decode_cat_exec(fx, &fx->ev), "exec");
}

int fixture_decode(struct fixture *fx, size_t n)
{
	return event_decode(fx->d, fx->rec, n, &fx->ev);
}

const char *fixture_render(struct fixture *fx, enum output_format fmt)
{
	free(fx->s);
	fx->s = render(fmt, &fx->ev);
	return fx->s;
}
