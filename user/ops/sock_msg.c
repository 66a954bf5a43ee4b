// SPDX-License-Identifier: GPL-2.0
/*
 * The socket protocol's reader (see server.h): requests the agent gets and
 * the replies `rtguard events`/`status` get, both one flat JSON object per
 * line. A tiny reader, not a JSON library: it knows the keys of struct
 * sock_msg and skips every other value.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "server.h"
#include "workload.h"

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return p;
}

/* A JSON string at p (after the quote) into out; returns the char after the
 * closing quote or NULL. Escapes of ASCII only. */
static const char *read_str(const char *p, char *out, size_t cap)
{
	size_t n = 0;

	for (;; p++) {
		char c = *p;

		if (!c || (unsigned char)c < 0x20)
			return NULL;
		if (c == '"')
			break;
		if (c == '\\') {
			p++;
			switch (*p) {
			case '"':
			case '\\':
			case '/':
				c = *p;
				break;
			case 'n':
				c = '\n';
				break;
			case 't':
				c = '\t';
				break;
			case 'u': {
				unsigned int v;

				if (sscanf(p + 1, "%4x", &v) != 1 ||
				    v >= 0x80 || !v)
					return NULL;
				c = v;
				p += 4;
				break;
			}
			default:
				return NULL;
			}
		}
		if (n + 1 >= cap)
			return NULL;
		out[n++] = c;
	}
	out[n] = '\0';
	return p + 1;
}

int sock_msg_parse(const char *line, struct sock_msg *m, char *err,
		   size_t errlen)
{
	const char *p = skip_ws(line);
	char key[32], val[256];

	memset(m, 0, sizeof(*m));
	if (*p++ != '{')
		goto bad;
	p = skip_ws(p);
	if (*p == '}')
		goto end;
	for (;;) {
		if (*p++ != '"' || !(p = read_str(p, key, sizeof(key))))
			goto bad;
		p = skip_ws(p);
		if (*p++ != ':')
			goto bad;
		p = skip_ws(p);
		if (*p == '"') {
			if (!(p = read_str(p + 1, val, sizeof(val))))
				goto bad;
			if (!strcmp(key, "cmd"))
				snprintf(m->cmd, sizeof(m->cmd), "%s", val);
			else if (!strcmp(key, "format"))
				snprintf(m->format, sizeof(m->format), "%s",
					 val);
			else if (!strcmp(key, "error"))
				snprintf(m->error, sizeof(m->error), "%s", val);
			else if (!strcmp(key, "policy")) {
				if (strlen(val) > RTG_NAME_MAX) {
					snprintf(err, errlen,
						 "policy name too long");
					return -EINVAL;
				}
				strcpy(m->policy, val);
			} else if (!strcmp(key, "namespace") ||
				   !strcmp(key, "pod") ||
				   !strcmp(key, "container")) {
				char *dst = key[0] == 'n' ? m->ns
					    : key[0] == 'p' ? m->pod
							    : m->container;

				if (strlen(val) > SOCK_NAME_MAX) {
					snprintf(err, errlen, "%s too long",
						 key);
					return -EINVAL;
				}
				strcpy(dst, val);
			}
		} else if (*p == '[') {
			p = skip_ws(p + 1);
			while (*p != ']') {
				int t;

				if (*p++ != '"' ||
				    !(p = read_str(p, val, sizeof(val))))
					goto bad;
				if (!strcmp(key, "types")) {
					t = type_parse(val);
					if (t < 0) {
						snprintf(err, errlen,
							 "unknown event type "
							 "'%s' (exec, exit, "
							 "open, connect, lost)",
							 val);
						return -EINVAL;
					}
					m->types |= 1u << t;
				}
				p = skip_ws(p);
				if (*p == ',')
					p = skip_ws(p + 1);
				else if (*p != ']')
					goto bad;
			}
			p++;
		} else if (!strncmp(p, "true", 4) || !strncmp(p, "false", 5)) {
			bool v = *p == 't';

			if (!strcmp(key, "ok")) {
				m->has_ok = true;
				m->ok = v;
			}
			p += v ? 4 : 5;
		} else if (*p == '-' || (*p >= '0' && *p <= '9')) {
			const char *num = p;

			while (*p == '-' || *p == '+' || *p == '.' ||
			       *p == 'e' || *p == 'E' ||
			       (*p >= '0' && *p <= '9'))
				p++;
			if (!strcmp(key, "bpf_stats_ms")) {
				unsigned long v = 0;

				for (; num < p && *num >= '0' && *num <= '9' &&
				       v <= SERVER_SAMPLE_MS_MAX;
				     num++)
					v = v * 10 + (*num - '0');
				if (num != p || !v ||
				    v > SERVER_SAMPLE_MS_MAX) {
					snprintf(
					    err, errlen,
					    "bpf_stats_ms: expected 1 to %d",
					    SERVER_SAMPLE_MS_MAX);
					return -EINVAL;
				}
				m->bpf_stats_ms = v;
			}
		} else if (!strncmp(p, "null", 4)) {
			p += 4;
		} else {
			goto bad;
		}
		p = skip_ws(p);
		if (*p == '}')
			break;
		if (*p++ != ',')
			goto bad;
		p = skip_ws(p);
	}
end:
	return 0;
bad:
	snprintf(err, errlen,
		 "malformed request: expected one JSON object such as "
		 "{\"cmd\":\"events\"}");
	return -EINVAL;
}

static bool str_is(const char *want, const char *have)
{
	return !want[0] || (have && !strcmp(want, have));
}

bool sock_msg_wants(const struct sock_msg *m, const struct rtg_event_view *ev)
{
	const struct workload *w = ev->workload;
	size_t n = strlen(m->container);

	if (m->types && !(m->types & (1u << ev->type)))
		return false;
	if (ev->type == RTG_EV_LOST)
		return true;
	if (m->policy[0] && (!ev->policy || strcmp(ev->policy, m->policy)))
		return false;
	if (!m->ns[0] && !m->pod[0] && !n)
		return true;
	if (!w || !str_is(m->ns, w->pod_namespace) ||
	    !str_is(m->pod, w->pod_name))
		return false;
	return !n || (w->name && !strcmp(m->container, w->name)) ||
	       (n >= 12 && !strncmp(m->container, w->id, n));
}
