// SPDX-License-Identifier: GPL-2.0
/*
 * A rule's clause as `rtguard policy check` shows it: in words ("path is
 * /etc/shadow and uid 0") and as a JSON object of its keys (policy_show.h).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>

#include "json.h"
#include "policy_show.h"

#define KEYBIT(k) (1u << (k))

static void cidr_str(const struct rtg_cidr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->addr, ip, sizeof(ip));
	snprintf(buf, len, "%s/%u", ip, a->bits);
}

static void port_str(const struct rtg_portrange *r, char *buf, size_t len)
{
	if (r->lo == r->hi)
		snprintf(buf, len, "%u", r->lo);
	else
		snprintf(buf, len, "%u-%u", r->lo, r->hi);
}

static void words_list(FILE *f, const char *const *v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		fprintf(f, "%s%s",
			i == 0	     ? ""
			: i == n - 1 ? " or "
				     : ", ",
			v[i]);
}

static void words_strmatch(FILE *f, const char *key,
			   const struct rtg_strlist *ops)
{
	static const char *const verbs[RTG_NSTROPS] = {"is", "starts with",
						       "ends with"};
	int op, first = 1;

	fprintf(f, "%s ", key);
	for (op = 0; op < RTG_NSTROPS; op++) {
		if (!ops[op].n)
			continue;
		fprintf(f, "%s%s ", first ? "" : ", or ", verbs[op]);
		words_list(f, (const char *const *)ops[op].v, ops[op].n);
		first = 0;
	}
}

/* The names out of a hook's table (names.h) whose bit is in mask. */
static int hook_names(const char *const *t, int nt, uint32_t mask,
		      const char **names)
{
	int i, n = 0;

	for (i = 0; t && i < nt; i++)
		if (mask & (1u << i))
			names[n++] = t[i];
	return n;
}

/* one clause in words: "path is /etc/shadow and uid 0" */
static void words_clause(FILE *f, const struct rtg_clause *c, int hook)
{
	const char *const *t;
	int nt;
	const char *names[RTG_MAX_LIST];
	char bufs[8][64];
	int k, i, n, first = 1;

	for (k = 0; k < RTG_NKEYS; k++) {
		if (!(c->keys & KEYBIT(k)))
			continue;
		if (!first)
			fputs(" and ", f);
		first = 0;
		switch (k) {
		case RTG_KEY_PATH:
			words_strmatch(f, "path", c->path);
			break;
		case RTG_KEY_BINARY:
			words_strmatch(f, "binary", c->binary);
			break;
		case RTG_KEY_FLAGS:
			t = xflag_names(hook, &nt);
			if (t) {
				n = hook_names(t, nt, c->xflags, names);
				fputs("flags ", f);
				words_list(f, names, n);
				break;
			}
			for (i = n = 0; i < RTG_NFLAGS; i++)
				if (c->flags & (1u << i))
					names[n++] = policy_flag_name(i);
			fputs("opened for ", f);
			words_list(f, names, n);
			break;
		case RTG_KEY_SYSCALL:
		case RTG_KEY_REQUEST:
			t = op_names(hook, &nt);
			n = hook_names(t, nt, c->ops, names);
			fputs(k == RTG_KEY_SYSCALL ? "syscall " : "request ", f);
			words_list(f, names, n);
			break;
		case RTG_KEY_UID:
			fputs("uid ", f);
			for (i = 0; i < c->nuid; i++)
				fprintf(f, "%s%u", i ? ", " : "", c->uid[i]);
			break;
		case RTG_KEY_DADDR:
			fputs("daddr in ", f);
			for (i = 0; i < c->ndaddr; i++) {
				cidr_str(&c->daddr[i], bufs[0],
					 sizeof(bufs[0]));
				fprintf(f, "%s%s", i ? ", " : "", bufs[0]);
			}
			break;
		case RTG_KEY_DPORT:
			fputs("dport ", f);
			for (i = 0; i < c->ndport; i++) {
				port_str(&c->dport[i], bufs[0],
					 sizeof(bufs[0]));
				fprintf(f, "%s%s", i ? ", " : "", bufs[0]);
			}
			break;
		case RTG_KEY_PROTO:
			for (i = n = 0; i < RTG_NPROTOS; i++)
				if (c->proto & (1u << i))
					names[n++] = rtg_proto_names[i];
			fputs("protocol ", f);
			words_list(f, names, n);
			break;
		case RTG_KEY_ARGS:
			fputs("an argument contains ", f);
			for (i = 0; i < c->args.n; i++)
				fprintf(f, "%s'%s'",
					i == 0		     ? ""
					: i == c->args.n - 1 ? " or "
							     : ", ",
					c->args.v[i]);
			break;
		case RTG_KEY_CONTAINER:
			fputs(c->container ? "in a container" : "on the host",
			      f);
			break;
		}
	}
}

char *clause_text(const struct rtg_clause *c, int hook)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	words_clause(f, c, hook);
	fclose(f);
	return buf;
}

static void json_strlist(struct json_writer *jw, const char *name,
			 const struct rtg_strlist *l)
{
	int i;

	jw_name(jw, name);
	jw_start_array(jw);
	for (i = 0; i < l->n; i++)
		jw_string(jw, l->v[i]);
	jw_end_array(jw);
}

static void json_strmatch(struct json_writer *jw, const char *key,
			  const struct rtg_strlist *ops)
{
	int op;

	jw_name(jw, key);
	jw_start_object(jw);
	for (op = 0; op < RTG_NSTROPS; op++)
		if (ops[op].n)
			json_strlist(jw, policy_strop_name(op), &ops[op]);
	jw_end_object(jw);
}

void json_clause(struct json_writer *jw, const char *name,
		 const struct rtg_clause *c, int hook)
{
	const char *names[RTG_NOPS];
	const char *const *t;
	char buf[64];
	char *text;
	int k, i, n, nt;

	jw_name(jw, name);
	jw_start_object(jw);
	for (k = 0; k < RTG_NKEYS; k++) {
		if (!(c->keys & KEYBIT(k)))
			continue;
		switch (k) {
		case RTG_KEY_PATH:
			json_strmatch(jw, "path", c->path);
			break;
		case RTG_KEY_BINARY:
			json_strmatch(jw, "binary", c->binary);
			break;
		case RTG_KEY_FLAGS:
			jw_name(jw, "flags");
			jw_start_array(jw);
			t = xflag_names(hook, &nt);
			n = hook_names(t, nt, c->xflags, names);
			for (i = 0; i < n; i++)
				jw_string(jw, names[i]);
			for (i = 0; !t && i < RTG_NFLAGS; i++)
				if (c->flags & (1u << i))
					jw_string(jw, policy_flag_name(i));
			jw_end_array(jw);
			break;
		case RTG_KEY_SYSCALL:
		case RTG_KEY_REQUEST:
			jw_name(jw, k == RTG_KEY_SYSCALL ? "syscall" : "request");
			jw_start_array(jw);
			t = op_names(hook, &nt);
			n = hook_names(t, nt, c->ops, names);
			for (i = 0; i < n; i++)
				jw_string(jw, names[i]);
			jw_end_array(jw);
			break;
		case RTG_KEY_UID:
			jw_name(jw, "uid");
			jw_start_array(jw);
			for (i = 0; i < c->nuid; i++)
				jw_uint(jw, c->uid[i]);
			jw_end_array(jw);
			break;
		case RTG_KEY_DADDR:
			jw_name(jw, "daddr");
			jw_start_array(jw);
			for (i = 0; i < c->ndaddr; i++) {
				cidr_str(&c->daddr[i], buf, sizeof(buf));
				jw_string(jw, buf);
			}
			jw_end_array(jw);
			break;
		case RTG_KEY_DPORT:
			jw_name(jw, "dport");
			jw_start_array(jw);
			for (i = 0; i < c->ndport; i++) {
				if (c->dport[i].lo == c->dport[i].hi) {
					jw_uint(jw, c->dport[i].lo);
				} else {
					port_str(&c->dport[i], buf,
						 sizeof(buf));
					jw_string(jw, buf);
				}
			}
			jw_end_array(jw);
			break;
		case RTG_KEY_PROTO:
			jw_name(jw, "protocol");
			jw_start_array(jw);
			for (i = 0; i < RTG_NPROTOS; i++)
				if (c->proto & (1u << i))
					jw_string(jw, rtg_proto_names[i]);
			jw_end_array(jw);
			break;
		case RTG_KEY_ARGS:
			jw_name(jw, "args");
			jw_start_object(jw);
			json_strlist(jw, "contains", &c->args);
			jw_end_object(jw);
			break;
		case RTG_KEY_CONTAINER:
			jw_kv_bool(jw, "container", c->container);
			break;
		}
	}
	text = clause_text(c, hook);
	if (text)
		jw_kv_string(jw, "text", text);
	free(text);
	jw_end_object(jw);
}
