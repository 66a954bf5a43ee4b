// SPDX-License-Identifier: GPL-2.0
/*
 * The compact format: one human line per event, e.g.
 *   16:00:00.123 DENY  open    cat[4242] /etc/shadow  (protect-host/rule)
 * and the terminal escaping of every byte that came from the monitored
 * system (compact_escape()).
 */
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "json.h"
#include "output.h"

/* C1 controls, zero-width and bidi controls, line/paragraph separators:
 * characters that change what a terminal shows. */
static bool cp_unsafe(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x200b && cp <= 0x200f) ||
	       (cp >= 0x2028 && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff;
}

static void compact_escape_q(FILE *f, const char *s, size_t n, bool quote)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, len;
	uint32_t cp;

	if (quote)
		fputc('"', f);
	while (i < n) {
		unsigned char c = p[i];

		if (c == '\\' || (quote && c == '"')) {
			fputc('\\', f);
			fputc(c, f);
		} else if (c == '\n') {
			fputs("\\n", f);
		} else if (c == '\t') {
			fputs("\\t", f);
		} else if (c == '\r') {
			fputs("\\r", f);
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(f, "\\x%02x", c);
		} else if (c < 0x80) {
			fputc(c, f);
		} else {
			len = utf8_decode(s + i, n - i, &cp);
			if (!len) {
				fprintf(f, "\\x%02x", c);
			} else {
				if (cp_unsafe(cp))
					fprintf(f, "\\u{%04x}", cp);
				else
					fwrite(p + i, 1, len, f);
				i += len;
				continue;
			}
		}
		i++;
	}
	if (quote)
		fputc('"', f);
}

void compact_escape(FILE *f, const char *s, size_t n)
{
	compact_escape_q(f, s, n, false);
}

static void compact_str(FILE *f, const char *s)
{
	compact_escape(f, s, strlen(s));
}

/* an argument: quoted when it would not read back as one word */
static void compact_arg(FILE *f, const char *s)
{
	size_t n = strlen(s);

	compact_escape_q(f, s, n, !n || strpbrk(s, " \"'"));
}

void output_compact_event(FILE *f, const struct rtg_event_view *ev)
{
	const char *act = action_name(ev->action);
	char actu[8] = "-";
	struct tm tm;
	time_t sec = ev->realtime.tv_sec;
	int i;

	localtime_r(&sec, &tm);
	fprintf(f, "%02d:%02d:%02d.%03ld ", tm.tm_hour, tm.tm_min, tm.tm_sec,
		ev->realtime.tv_nsec / 1000000);
	if (ev->type != RTG_EV_LOST) {
		for (i = 0; act[i] && i < 7; i++)
			actu[i] = act[i] - 'a' + 'A';
		actu[i] = '\0';
	}
	fprintf(f, "%-5s %-7s ", actu, type_name(ev->type));
	if (ev->type == RTG_EV_LOST) {
		fprintf(f, "count=%llu source=",
			(unsigned long long)ev->lost.count);
		compact_str(f, ev->lost.source ?: "");
		return;
	}
	compact_str(f, ev->comm);
	fprintf(f, "[%u] ", ev->pid);
	switch (ev->type) {
	case RTG_EV_EXEC:
		compact_str(f, ev->exec.binary ?: "");
		if (ev->exec.script) {
			fputc(' ', f);
			compact_str(f, ev->exec.script);
		}
		for (i = 1; ev->exec.argv && i < ev->exec.argc; i++) {
			fputc(' ', f);
			compact_arg(f, ev->exec.argv[i]);
		}
		if (ev->exec.args_truncated)
			fputs(" ...", f);
		break;
	case RTG_EV_EXIT:
		if (ev->exit.signal) {
			const char *sn = sigabbrev_np(ev->exit.signal);

			if (sn)
				fprintf(f, "signal=SIG%s", sn);
			else
				fprintf(f, "signal=%d", ev->exit.signal);
		} else {
			fprintf(f, "code=%d", ev->exit.code);
		}
		break;
	case RTG_EV_OPEN:
		compact_str(f, ev->open.path ?: "");
		if (ev->open.path_truncated)
			fputs(" [truncated]", f);
		if (ev->open.path_partial)
			fputs(" [partial]", f);
		break;
	case RTG_EV_CONNECT: {
		const char *p = proto_name(ev->connect.protocol);
		bool v6 = ev->connect.family == AF_INET6;

		if (p)
			fprintf(f, "%s ", p);
		else
			fprintf(f, "proto-%u ", ev->connect.protocol);
		fprintf(f, v6 ? "[%s]:%u" : "%s:%u", ev->connect.daddr,
			ev->connect.dport);
		break;
	}
	default:
		break;
	}
	if (ev->policy || ev->rule_name) {
		fputs("  (", f);
		if (ev->policy)
			compact_str(f, ev->policy);
		if (ev->policy && ev->rule_name)
			fputc('/', f);
		if (ev->rule_name)
			compact_str(f, ev->rule_name);
		fputc(')', f);
	}
	if (!ev->enforced &&
	    (ev->action == RTG_ACT_DENY || ev->action == RTG_ACT_KILL))
		fputs(" [dry-run]", f);
}
