// SPDX-License-Identifier: GPL-2.0
/*
 * The compact format: one human line per event, e.g.
 *   16:00:00.123 DENY  open    cat[4242] /etc/shadow  (protect-host/rule)
 * with the workload after the pid when the process runs in a container:
 *   16:00:00.123 AUDIT exec    sh[77]@shop/web-7d9f/web /bin/sh -c id
 * and the terminal escaping of every byte that came from the monitored
 * system (compact_escape()).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "json.h"
#include "output.h"
#include "sbuf.h"
#include "workload.h"

/* C1 controls, zero-width and bidi controls, line/paragraph separators:
 * characters that change what a terminal shows. */
static bool cp_unsafe(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x200b && cp <= 0x200f) ||
	       (cp >= 0x2028 && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff;
}

static void hex_byte(struct sbuf *b, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char x[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};

	sbuf_write(b, x, sizeof(x));
}

static void compact_escape_q(struct sbuf *b, const char *s, size_t n,
			     bool quote)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, len;
	uint32_t cp;

	if (quote)
		sbuf_putc(b, '"');
	while (i < n) {
		unsigned char c = p[i];

		if (c == '\\' || (quote && c == '"')) {
			sbuf_putc(b, '\\');
			sbuf_putc(b, c);
		} else if (c == '\n') {
			sbuf_write(b, "\\n", 2);
		} else if (c == '\t') {
			sbuf_write(b, "\\t", 2);
		} else if (c == '\r') {
			sbuf_write(b, "\\r", 2);
		} else if (c < 0x20 || c == 0x7f) {
			hex_byte(b, c);
		} else if (c < 0x80) {
			sbuf_putc(b, c);
		} else {
			len = utf8_decode(s + i, n - i, &cp);
			if (!len) {
				hex_byte(b, c);
			} else {
				if (cp_unsafe(cp))
					sbuf_printf(b, "\\u{%04x}", cp);
				else
					sbuf_write(b, p + i, len);
				i += len;
				continue;
			}
		}
		i++;
	}
	if (quote)
		sbuf_putc(b, '"');
}

void compact_escape(struct sbuf *b, const char *s, size_t n)
{
	compact_escape_q(b, s, n, false);
}

static void compact_str(struct sbuf *b, const char *s)
{
	compact_escape(b, s, strlen(s));
}

/* an argument: quoted when it would not read back as one word */
static void compact_arg(struct sbuf *b, const char *s)
{
	size_t n = strlen(s);

	compact_escape_q(b, s, n, !n || strpbrk(s, " \"'"));
}

/* "@namespace/pod/container", or "@name" outside a pod, when known */
static void compact_workload(struct sbuf *b, const struct workload *w)
{
	if (!w || (!w->name && !(w->pod_namespace && w->pod_name)))
		return;
	sbuf_putc(b, '@');
	if (w->pod_namespace && w->pod_name) {
		compact_str(b, w->pod_namespace);
		sbuf_putc(b, '/');
		compact_str(b, w->pod_name);
		if (w->name)
			sbuf_putc(b, '/');
	}
	if (w->name)
		compact_str(b, w->name);
}

/* "HH:MM:SS." of local time, converted once per second (per thread) */
static const char *local_hms(time_t sec)
{
	static __thread time_t last = -1;
	static __thread char buf[16];
	struct tm tm;

	if (sec != last) {
		localtime_r(&sec, &tm);
		snprintf(buf, sizeof(buf), "%02d:%02d:%02d.", tm.tm_hour,
			 tm.tm_min, tm.tm_sec);
		last = sec;
	}
	return buf;
}

void output_compact_event(struct sbuf *b, const struct rtg_event_view *ev)
{
	const char *act = action_name(ev->action);
	long ms = ev->realtime.tv_nsec / 1000000;
	char actu[8] = "-";
	int i;

	sbuf_puts(b, local_hms(ev->realtime.tv_sec));
	sbuf_putc(b, '0' + ms / 100);
	sbuf_putc(b, '0' + ms / 10 % 10);
	sbuf_putc(b, '0' + ms % 10);
	sbuf_putc(b, ' ');
	if (ev->type != RTG_EV_LOST) {
		for (i = 0; act[i] && i < 7; i++)
			actu[i] = act[i] - 'a' + 'A';
		actu[i] = '\0';
	}
	sbuf_printf(b, "%-5s %-7s ", actu, type_name(ev->type));
	if (ev->type == RTG_EV_LOST) {
		sbuf_puts(b, "count=");
		sbuf_u64(b, ev->lost.count);
		sbuf_puts(b, " source=");
		compact_str(b, ev->lost.source ?: "");
		return;
	}
	compact_str(b, ev->comm);
	sbuf_putc(b, '[');
	sbuf_u64(b, ev->pid);
	sbuf_putc(b, ']');
	compact_workload(b, ev->workload);
	sbuf_putc(b, ' ');
	switch (ev->type) {
	case RTG_EV_EXEC:
		compact_str(b, ev->exec.binary ?: "");
		if (ev->exec.script) {
			sbuf_putc(b, ' ');
			compact_str(b, ev->exec.script);
		}
		for (i = 1; ev->exec.argv && i < ev->exec.argc; i++) {
			sbuf_putc(b, ' ');
			compact_arg(b, ev->exec.argv[i]);
		}
		if (ev->exec.args_truncated)
			sbuf_puts(b, " ...");
		break;
	case RTG_EV_EXIT:
		if (ev->exit.signal) {
			const char *sn = sigabbrev_np(ev->exit.signal);

			if (sn)
				sbuf_printf(b, "signal=SIG%s", sn);
			else
				sbuf_printf(b, "signal=%d", ev->exit.signal);
		} else {
			sbuf_printf(b, "code=%d", ev->exit.code);
		}
		break;
	case RTG_EV_OPEN:
		compact_str(b, ev->open.path ?: "");
		if (ev->open.path_truncated)
			sbuf_puts(b, " [truncated]");
		if (ev->open.path_partial)
			sbuf_puts(b, " [partial]");
		break;
	case RTG_EV_CONNECT: {
		const char *p = proto_name(ev->connect.protocol);
		bool v6 = ev->connect.family == AF_INET6;

		if (ev->connect.family == AF_UNIX) {
			sbuf_puts(b, "unix ");
			compact_str(b, ev->connect.path ?: "");
			break;
		}
		if (p)
			sbuf_printf(b, "%s ", p);
		else
			sbuf_printf(b, "proto-%u ", ev->connect.protocol);
		sbuf_printf(b, v6 ? "[%s]:%u" : "%s:%u", ev->connect.daddr,
			    ev->connect.dport);
		break;
	}
	default:
		if (ev->type >= RTG_EV_FIRST_MORE)
			output_compact_more(b, ev);
		break;
	}
	if (ev->policy || ev->rule_name) {
		sbuf_puts(b, "  (");
		if (ev->policy)
			compact_str(b, ev->policy);
		if (ev->policy && ev->rule_name)
			sbuf_putc(b, '/');
		if (ev->rule_name)
			compact_str(b, ev->rule_name);
		sbuf_putc(b, ')');
	}
	if (!ev->enforced &&
	    (ev->action == RTG_ACT_DENY || ev->action == RTG_ACT_KILL))
		sbuf_puts(b, " [dry-run]");
}
