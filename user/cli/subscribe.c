// SPDX-License-Identifier: GPL-2.0
/*
 * `rtguard events` and `rtguard status`: clients of a running agent's socket
 * (the protocol is in user/ops/server.h).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "cmds.h"
#include "json.h"
#include "log.h"
#include "server.h"

#define SUB_MAX_TYPES 8

struct sub_opts {
	const char *socket;
	const char *format; /* NULL: by terminal */
	const char *types[SUB_MAX_TYPES];
	int ntypes;
	const char *policy;
	const char *ns, *pod, *container; /* workload filters */
};

/* Connects; RTG_EXIT_* on failure (reported), 0 with *fd otherwise. */
static int sock_connect(const char *path, int *fd)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int s;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_err("socket path too long: %s", path);
		return RTG_EXIT_INPUT;
	}
	strcpy(sa.sun_path, path);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		log_err("socket: %s", strerror(errno));
		return RTG_EXIT_KERNEL;
	}
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa))) {
		int e = errno;

		close(s);
		if (e == ENOENT || e == ECONNREFUSED || e == ENOTDIR)
			log_err("no agent at %s (is rtguard running?)", path);
		else if (e == EACCES || e == EPERM)
			log_err("cannot connect to %s: %s (run as root)", path,
				strerror(e));
		else
			log_err("cannot connect to %s: %s", path, strerror(e));
		return RTG_EXIT_KERNEL;
	}
	*fd = s;
	return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -errno;
		p += w;
		n -= w;
	}
	return 0;
}

static ssize_t read_retry(int fd, void *buf, size_t n)
{
	ssize_t r;

	do
		r = read(fd, buf, n);
	while (r < 0 && errno == EINTR);
	return r;
}

/* A request: one JSON object on one line, {"cmd":..., "format":..., ...}. */
struct request {
	char *buf;
	size_t len;
	FILE *f;
	struct json_writer *jw;
};

/* Starts the object; the caller adds its fields to the returned writer.
 * NULL on ENOMEM (reported). */
static struct json_writer *request_start(struct request *r, const char *cmd,
					 const char *format)
{
	r->buf = NULL;
	r->f = open_memstream(&r->buf, &r->len);
	r->jw = r->f ? jw_new(r->f) : NULL;
	if (!r->jw) {
		if (r->f)
			fclose(r->f);
		free(r->buf);
		log_err("out of memory");
		return NULL;
	}
	jw_start_object(r->jw);
	jw_kv_string(r->jw, "cmd", cmd);
	jw_kv_string(r->jw, "format", format);
	return r->jw;
}

/* Ends the object and sends the line. 0 or a negative errno (reported). */
static int request_send(int fd, struct request *r)
{
	int err;

	jw_end_object(r->jw);
	jw_newline(r->jw);
	jw_destroy(r->jw);
	fclose(r->f);
	err = write_all(fd, r->buf, r->len);
	free(r->buf);
	if (err)
		log_err("cannot send the request: %s", strerror(-err));
	return err;
}

static void events_usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: rtguard events [--socket PATH] [--output compact|json]\n"
	    "                      [--type exec|exit|open|connect|lost]... "
	    "[--policy NAME]\n"
	    "                      [--namespace NS] [--pod POD] "
	    "[--container NAME|ID]\n"
	    "Prints the events of the agent listening on PATH (default %s)\n"
	    "until interrupted.\n",
	    RTG_SOCKET_DEFAULT);
}

static int parse_events(int argc, char **argv, struct sub_opts *o)
{
	static const struct option lopts[] = {
	    {"socket", required_argument, NULL, 's'},
	    {"output", required_argument, NULL, 'o'},
	    {"type", required_argument, NULL, 't'},
	    {"policy", required_argument, NULL, 'p'},
	    {"namespace", required_argument, NULL, 'N'},
	    {"pod", required_argument, NULL, 'P'},
	    {"container", required_argument, NULL, 'C'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "s:o:t:p:h", lopts, NULL)) != -1) {
		if ((c == 'N' || c == 'P' || c == 'C') &&
		    (!*optarg || strlen(optarg) > SOCK_NAME_MAX)) {
			log_err("--%s: expected a name of 1 to %d bytes",
				c == 'N' ? "namespace"
				: c == 'P' ? "pod"
					   : "container",
				SOCK_NAME_MAX);
			return -EINVAL;
		}
		switch (c) {
		case 's':
			o->socket = optarg;
			break;
		case 'o':
			if (strcmp(optarg, "json") &&
			    strcmp(optarg, "compact")) {
				log_err("--output: expected 'compact' or "
					"'json', got '%s'",
					optarg);
				return -EINVAL;
			}
			o->format = optarg;
			break;
		case 't':
			if (type_parse(optarg) < 0) {
				log_err("--type: expected exec, exit, open, "
					"connect or lost, got '%s'",
					optarg);
				return -EINVAL;
			}
			if (o->ntypes >= SUB_MAX_TYPES) {
				log_err("--type: at most %d", SUB_MAX_TYPES);
				return -EINVAL;
			}
			o->types[o->ntypes++] = optarg;
			break;
		case 'p':
			if (strlen(optarg) > RTG_NAME_MAX) {
				log_err("--policy: a policy name has at most "
					"%d bytes",
					RTG_NAME_MAX);
				return -EINVAL;
			}
			o->policy = optarg;
			break;
		case 'N':
			o->ns = optarg;
			break;
		case 'P':
			o->pod = optarg;
			break;
		case 'C':
			o->container = optarg;
			break;
		case 'h':
			events_usage(stdout);
			return 1;
		default:
			events_usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		log_err("unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

/* Reads the agent's first line (the answer to the request) into line. */
static int read_reply_line(int fd, char *line, size_t cap, size_t *got,
			   char **rest, size_t *nrest)
{
	char *nl;
	ssize_t n;

	*got = 0;
	for (;;) {
		n = read_retry(fd, line + *got, cap - 1 - *got);
		if (n <= 0)
			return -EPIPE;
		*got += n;
		line[*got] = '\0';
		nl = memchr(line, '\n', *got);
		if (nl) {
			*nl = '\0';
			*rest = nl + 1;
			*nrest = *got - (nl + 1 - line);
			return 0;
		}
		if (*got >= cap - 1)
			return -E2BIG;
	}
}

int cmd_events(int argc, char **argv)
{
	struct sub_opts o = {.socket = RTG_SOCKET_DEFAULT};
	char line[4096], buf[65536], *rest, err[256];
	struct json_writer *jw;
	struct request req;
	size_t got, nrest;
	struct sock_msg m;
	ssize_t n;
	int fd, ret, i;

	ret = parse_events(argc, argv, &o);
	if (ret)
		return ret > 0 ? RTG_EXIT_OK : RTG_EXIT_INPUT;
	if (!o.format)
		o.format = isatty(1) ? "compact" : "json";
	ret = sock_connect(o.socket, &fd);
	if (ret)
		return ret;
	signal(SIGPIPE, SIG_DFL);
	jw = request_start(&req, "events", o.format);
	if (!jw)
		goto fail;
	if (o.ntypes) {
		jw_name(jw, "types");
		jw_start_array(jw);
		for (i = 0; i < o.ntypes; i++)
			jw_string(jw, o.types[i]);
		jw_end_array(jw);
	}
	if (o.policy)
		jw_kv_string(jw, "policy", o.policy);
	if (o.ns)
		jw_kv_string(jw, "namespace", o.ns);
	if (o.pod)
		jw_kv_string(jw, "pod", o.pod);
	if (o.container)
		jw_kv_string(jw, "container", o.container);
	if (request_send(fd, &req))
		goto fail;
	if (read_reply_line(fd, line, sizeof(line), &got, &rest, &nrest)) {
		log_err("the agent at %s did not answer", o.socket);
		goto fail;
	}
	if (sock_msg_parse(line, &m, err, sizeof(err)) || !m.has_ok) {
		log_err("unexpected answer from the agent: %s", line);
		goto fail;
	}
	if (!m.ok) {
		log_err("the agent refused: %s", m.error);
		close(fd);
		return RTG_EXIT_INPUT;
	}
	log_info("subscribed to %s", o.socket);
	if (nrest && write_all(1, rest, nrest))
		goto out;
	while ((n = read_retry(fd, buf, sizeof(buf))) > 0)
		if (write_all(1, buf, n))
			goto out;
	log_err("the agent closed the stream (stopped, or this reader was too "
		"slow)");
fail:
	close(fd);
	return RTG_EXIT_KERNEL;
out:
	close(fd);
	return RTG_EXIT_OK;
}

#define STATUS_SAMPLE_S 3

static void status_usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: rtguard status [--socket PATH] [--output text|json]\n"
	    "                      [--bpf-stats[=SECONDS]]\n"
	    "Shows the agent's policies, counters, losses, mechanisms, its\n"
	    "own cost and the workloads it knows (default socket %s).\n"
	    "--bpf-stats turns the kernel's BPF\n"
	    "run-time statistics on for SECONDS (default %d) and shows what\n"
	    "each program and hook cost meanwhile.\n",
	    RTG_SOCKET_DEFAULT, STATUS_SAMPLE_S);
}

/* The kernel's BPF run-time statistics on while we wait for the agent's
 * sample (the fd keeps them on; closing it, or our exit, ends that). -1
 * when they cannot be turned on: the agent may keep them on itself. */
static int stats_on(void)
{
	int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);

	if (fd < 0)
		log_warn("cannot turn BPF run-time statistics on: %s%s",
			 strerror(errno),
			 errno == EPERM ? " (needs CAP_SYS_ADMIN: run as root)"
					: "");
	return fd;
}

int cmd_status(int argc, char **argv)
{
	static const struct option lopts[] = {
	    {"socket", required_argument, NULL, 's'},
	    {"output", required_argument, NULL, 'o'},
	    {"bpf-stats", optional_argument, NULL, 'b'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	const char *path = RTG_SOCKET_DEFAULT, *format = "text";
	struct json_writer *jw;
	struct request req;
	char buf[65536], *end;
	size_t total = 0;
	long sample_s = 0;
	int stats_fd = -1;
	ssize_t n;
	int c, fd, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "s:o:h", lopts, NULL)) != -1) {
		switch (c) {
		case 's':
			path = optarg;
			break;
		case 'o':
			if (strcmp(optarg, "json") && strcmp(optarg, "text")) {
				log_err("--output: expected 'text' or 'json', "
					"got '%s'",
					optarg);
				return RTG_EXIT_INPUT;
			}
			format = optarg;
			break;
		case 'b':
			sample_s = STATUS_SAMPLE_S;
			if (!optarg)
				break;
			sample_s = strtol(optarg, &end, 10);
			if (!*optarg || *end || sample_s < 1 ||
			    sample_s > SERVER_SAMPLE_MS_MAX / 1000) {
				log_err(
				    "--bpf-stats: expected 1 to %d seconds, "
				    "got '%s'",
				    SERVER_SAMPLE_MS_MAX / 1000, optarg);
				return RTG_EXIT_INPUT;
			}
			break;
		case 'h':
			status_usage(stdout);
			return RTG_EXIT_OK;
		default:
			status_usage(stderr);
			return RTG_EXIT_INPUT;
		}
	}
	if (optind < argc) {
		log_err("unexpected argument '%s'", argv[optind]);
		return RTG_EXIT_INPUT;
	}
	ret = sock_connect(path, &fd);
	if (ret)
		return ret;
	if (sample_s) {
		stats_fd = stats_on();
		log_info("sampling the BPF programs' cost for %ld s", sample_s);
	}
	jw = request_start(&req, "status", format);
	if (jw && sample_s)
		jw_kv_uint(jw, "bpf_stats_ms", sample_s * 1000);
	if (!jw || request_send(fd, &req)) {
		close(fd);
		if (stats_fd >= 0)
			close(stats_fd);
		return RTG_EXIT_KERNEL;
	}
	while ((n = read_retry(fd, buf, sizeof(buf))) > 0) {
		/* an error answer is a JSON line starting with {"ok":false */
		if (!total && !strncmp(buf, "{\"ok\":false", 11)) {
			fwrite(buf, 1, n, stderr);
			close(fd);
			if (stats_fd >= 0)
				close(stats_fd);
			return RTG_EXIT_INPUT;
		}
		fwrite(buf, 1, n, stdout);
		total += n;
	}
	close(fd);
	if (stats_fd >= 0)
		close(stats_fd);
	if (!total) {
		log_err(
		    "the agent at %s closed the connection without an answer",
		    path);
		return RTG_EXIT_KERNEL;
	}
	return RTG_EXIT_OK;
}
