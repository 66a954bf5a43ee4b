// SPDX-License-Identifier: GPL-2.0
/* The agent's unix socket: subscribers and status (see server.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "log.h"
#include "metrics.h"
#include "output.h"
#include "server.h"
#include "sock_listen.h"
#include "stats.h"
#include "workload.h"

#define CLIENT_BUF_START (64u << 10)

enum client_state {
	C_REQUEST = 0, /* reading the request line */
	C_EVENTS,      /* subscribed */
	C_CLOSING,     /* answer queued: close once it is written */
	C_SAMPLING,    /* status --bpf-stats: answered at sample_end */
};

struct client {
	int fd;
	enum client_state state;
	char req[SERVER_REQ_MAX];
	size_t req_len;
	struct sock_msg sub; /* C_EVENTS: the subscription (its filters) */
	bool compact;
	char *buf; /* pending output: buf[head .. head + len) */
	size_t head, len, cap;
	bool want_out; /* EPOLLOUT is armed */
	bool text;     /* status as a table */
	struct stats_snap *sample; /* C_SAMPLING: the programs at the start */
	uint64_t sample_end;	   /* CLOCK_MONOTONIC ns */
	struct client *next;
};

struct server {
	int lfd, epfd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev;
	ino_t ino;
	struct client *clients;
	uint32_t nclients, nsubs, nsampling;
	uint64_t lost, lost_reported;
	struct output *json, *compact; /* render-only */
	struct status_source status;
};

/* ---- clients ---- */

static void client_close(struct server *s, struct client *c, bool lost)
{
	struct client **pp;

	if (lost && c->state == C_EVENTS) {
		/* the line that did not fit and every one not yet sent */
		uint64_t n = 1;
		const char *b = c->buf + c->head, *e = b + c->len;

		while (b < e && (b = memchr(b, '\n', e - b))) {
			n++;
			b++;
		}
		s->lost += n;
	}
	if (c->state == C_EVENTS)
		s->nsubs--;
	if (c->state == C_SAMPLING)
		s->nsampling--;
	free(c->sample);
	for (pp = &s->clients; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->buf);
	free(c);
	s->nclients--;
}

static void client_arm(struct server *s, struct client *c, bool out)
{
	struct epoll_event ee = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = c};

	if (c->want_out == out)
		return;
	if (out)
		ee.events |= EPOLLOUT;
	if (!epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ee))
		c->want_out = out;
}

/* Writes what is pending. false when the client is gone. */
static bool client_flush(struct server *s, struct client *c)
{
	ssize_t n;

	while (c->len) {
		n = send(c->fd, c->buf + c->head, c->len,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			client_close(s, c, false);
			return false;
		}
		c->head += n;
		c->len -= n;
	}
	if (!c->len) {
		c->head = 0;
		if (c->state == C_CLOSING) {
			client_close(s, c, false);
			return false;
		}
	}
	client_arm(s, c, c->len > 0);
	return true;
}

/* Queues data; limit 0 = unbounded. -ENOBUFS when it would not fit. */
static int client_queue(struct client *c, const char *data, size_t n,
			size_t limit)
{
	size_t cap;
	char *b;

	if (limit && c->len + n > limit)
		return -ENOBUFS;
	if (c->head && c->head + c->len + n > c->cap) {
		memmove(c->buf, c->buf + c->head, c->len);
		c->head = 0;
	}
	if (c->len + n > c->cap) {
		cap = c->cap ? c->cap : CLIENT_BUF_START;
		while (cap < c->len + n)
			cap *= 2;
		b = realloc(c->buf, cap);
		if (!b)
			return -ENOMEM;
		c->buf = b;
		c->cap = cap;
	}
	memcpy(c->buf + c->head + c->len, data, n);
	c->len += n;
	return 0;
}

/* The last reply: the client is closed once out[0..len) is written. */
static void client_finish(struct server *s, struct client *c, char *out,
			  size_t len)
{
	c->state = C_CLOSING;
	if (out)
		client_queue(c, out, len, 0);
	free(out);
	client_flush(s, c);
}

static void client_reply_error(struct server *s, struct client *c,
			       const char *msg)
{
	char *line = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&line, &len);
	struct json_writer *jw = f ? jw_new(f) : NULL;

	if (jw) {
		jw_start_object(jw);
		jw_kv_bool(jw, "ok", false);
		jw_kv_string(jw, "error", msg);
		jw_end_object(jw);
		jw_newline(jw);
		jw_destroy(jw);
	}
	if (f)
		fclose(f);
	client_finish(s, c, line, len);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* The status as the agent's counters say it now; the subscriber numbers
 * are the server's own (a client may have come or gone since the agent
 * last copied them). With a sample taken earlier, the programs' costs are
 * those since then. */
static void client_status(struct server *s, struct client *c)
{
	const struct status_source *src = &s->status;
	struct stats_snap *st = calloc(1, sizeof(*st));
	char *out = NULL;
	size_t len = 0;
	bool text = c->text;
	FILE *f;

	f = st ? open_memstream(&out, &len) : NULL;
	if (!f) {
		free(st);
		client_close(s, c, false);
		return;
	}
	status_snapshot(src, st);
	if (c->sample) {
		/* on, whoever holds them on, if a program counted runs */
		st->bpf_stats = status_window(st, c->sample) || st->bpf_stats;
	}
	st->c.subscribers = s->nsubs;
	st->c.lost[RTG_LOSS_SUBSCRIBER] = s->lost;
	if (text) {
		status_render_text(st, src->probe, src->dry_run, f);
	} else {
		struct json_writer *jw = jw_new(f);

		if (jw) {
			status_render_json(st, src->probe, src->dry_run, jw);
			jw_newline(jw);
			jw_destroy(jw);
		}
	}
	fclose(f);
	free(st);
	if (c->state == C_SAMPLING) {
		s->nsampling--;
		c->state = C_REQUEST;
	}
	client_finish(s, c, out, len);
}

/* status --bpf-stats: the programs now, the answer in ms */
static void client_sample(struct server *s, struct client *c, uint32_t ms)
{
	c->sample = calloc(1, sizeof(*c->sample));
	if (!c->sample) {
		client_close(s, c, false);
		return;
	}
	status_snapshot(&s->status, c->sample);
	c->sample_end = mono_ns() + ms * 1000000ull;
	c->state = C_SAMPLING;
	s->nsampling++;
	log_debug("status: sampling BPF statistics for %u ms", ms);
}

void server_tick(struct server *s)
{
	struct client *c, *next;
	uint64_t now;

	if (!s || !s->nsampling)
		return;
	now = mono_ns();
	for (c = s->clients; c; c = next) {
		next = c->next;
		if (c->state == C_SAMPLING && now >= c->sample_end)
			client_status(s, c);
	}
}

static void client_request(struct server *s, struct client *c)
{
	static const char ack[] = "{\"ok\":true,\"cmd\":\"events\"}\n";
	struct sock_msg m;
	char err[256];

	if (sock_msg_parse(c->req, &m, err, sizeof(err))) {
		client_reply_error(s, c, err);
		return;
	}
	if (!strcmp(m.cmd, "status")) {
		if (m.format[0] && strcmp(m.format, "json") &&
		    strcmp(m.format, "text")) {
			client_reply_error(
			    s, c, "status: format is 'json' or 'text'");
			return;
		}
		c->text = !strcmp(m.format, "text");
		if (m.bpf_stats_ms)
			client_sample(s, c, m.bpf_stats_ms);
		else
			client_status(s, c);
		return;
	}
	if (strcmp(m.cmd, "events")) {
		client_reply_error(
		    s, c, "unknown cmd: expected \"events\" or \"status\"");
		return;
	}
	if (m.format[0] && strcmp(m.format, "json") &&
	    strcmp(m.format, "compact")) {
		client_reply_error(s, c,
				   "events: format is 'json' or 'compact'");
		return;
	}
	c->sub = m;
	c->compact = !strcmp(m.format, "compact");
	c->state = C_EVENTS;
	s->nsubs++;
	client_queue(c, ack, sizeof(ack) - 1, 0);
	client_flush(s, c);
	log_debug("subscriber %d: types 0x%x policy '%s' workload '%s/%s/%s' %s",
		  c->fd, m.types, m.policy, m.ns, m.pod, m.container,
		  c->compact ? "compact" : "json");
}

static void client_read(struct server *s, struct client *c)
{
	char junk[512], *nl;
	ssize_t n;

	for (;;) {
		if (c->state == C_REQUEST) {
			n = recv(c->fd, c->req + c->req_len,
				 sizeof(c->req) - 1 - c->req_len, MSG_DONTWAIT);
		} else {
			n = recv(c->fd, junk, sizeof(junk), MSG_DONTWAIT);
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			client_close(s, c, false);
			return;
		}
		if (c->state != C_REQUEST)
			continue;
		c->req_len += n;
		c->req[c->req_len] = '\0';
		nl = strchr(c->req, '\n');
		if (nl) {
			*nl = '\0';
			client_request(s, c);
			return;
		}
		if (c->req_len >= sizeof(c->req) - 1) {
			client_reply_error(s, c, "request too long");
			return;
		}
	}
}

static void server_accept(struct server *s)
{
	struct epoll_event ee = {.events = EPOLLIN | EPOLLRDHUP};
	struct client *c;
	int fd;

	for (;;) {
		fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return;
		}
		if (s->nclients >= SERVER_MAX_CLIENTS) {
			log_warn("socket: more than %d clients, refusing one",
				 SERVER_MAX_CLIENTS);
			close(fd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->fd = fd;
		ee.data.ptr = c;
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ee)) {
			close(fd);
			free(c);
			continue;
		}
		c->next = s->clients;
		s->clients = c;
		s->nclients++;
	}
}

void server_handle(struct server *s)
{
	struct epoll_event evs[64];
	int n, i;

	if (!s)
		return;
	n = epoll_wait(s->epfd, evs, 64, 0);
	for (i = 0; i < n; i++) {
		struct client *c = evs[i].data.ptr;

		if (!c) {
			server_accept(s);
			continue;
		}
		if (evs[i].events & EPOLLOUT) {
			if (!client_flush(s, c))
				continue;
		}
		if (evs[i].events &
		    (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			client_read(s, c);
	}
}

void server_publish(struct server *s, const struct rtg_event_view *ev,
		    const struct output *main_out)
{
	const char *line[2] = {NULL, NULL}; /* json, compact */
	size_t len[2] = {0, 0};
	struct client *c, *next;
	int k;

	if (!s || !s->nsubs)
		return;
	for (c = s->clients; c; c = next) {
		next = c->next;
		if (c->state != C_EVENTS)
			continue;
		if (!sock_msg_wants(&c->sub, ev))
			continue;
		k = c->compact;
		if (!line[k]) {
			if (!k && main_out &&
			    output_get_format(main_out) == OUTPUT_JSON)
				line[k] = output_last(main_out, &len[k]);
			if (!line[k])
				line[k] = output_render(
				    k ? s->compact : s->json, ev, &len[k]);
			if (!line[k])
				return;
		}
		if (client_queue(c, line[k], len[k], SERVER_CLIENT_BUF_MAX)) {
			/* full: what the socket takes now, then give up */
			if (!client_flush(s, c))
				continue;
			if (client_queue(c, line[k], len[k],
					 SERVER_CLIENT_BUF_MAX)) {
				log_warn("subscriber %d too slow: disconnected",
					 c->fd);
				client_close(s, c, true);
				continue;
			}
		}
		client_arm(s, c, true);
	}
}

/* lvl: LOG_ERR for an explicit path, LOG_WARN for the default one */
static int server_listen(struct server *s, const char *path, int lvl)
{
	struct epoll_event ee = {.events = EPOLLIN, .data.ptr = NULL};
	struct stat st;

	snprintf(s->path, sizeof(s->path), "%s", path);
	s->lfd = sock_listen(path, lvl, &st);
	if (s->lfd < 0)
		return s->lfd;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0 || epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->lfd, &ee))
		return -errno;
	return 0;
}

int server_start(struct server **out, const char *path,
		 const struct status_source *status)
{
	bool dflt = !path;
	struct server *s;
	int err;

	*out = NULL;
	if (path && !strcmp(path, "none"))
		return 0;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->lfd = s->epfd = -1;
	s->status = *status;
	s->json = output_new(OUTPUT_JSON, NULL);
	s->compact = output_new(OUTPUT_COMPACT, NULL);
	if (!s->json || !s->compact) {
		server_free(s);
		return -ENOMEM;
	}
	err = server_listen(s, dflt ? RTG_SOCKET_DEFAULT : path,
			    dflt ? LOG_WARN : LOG_ERR);
	if (err) {
		s->path[0] = '\0'; /* not ours to remove */
		server_free(s);
		if (dflt) {
			log_warn("running without the event socket (rtguard "
				 "events/status will not work)");
			return 0;
		}
		return err;
	}
	log_info("socket %s", s->path);
	*out = s;
	return 0;
}

void server_free(struct server *s)
{
	struct stat st;

	if (!s)
		return;
	while (s->clients)
		client_close(s, s->clients, false);
	if (s->lfd >= 0)
		close(s->lfd);
	if (s->epfd >= 0)
		close(s->epfd);
	/* remove the socket only if it is still the one we made */
	if (s->path[0] && !stat(s->path, &st) && st.st_dev == s->dev &&
	    st.st_ino == s->ino)
		unlink(s->path);
	output_free(s->json);
	output_free(s->compact);
	free(s);
}

int server_fd(const struct server *s)
{
	return s ? s->epfd : -1;
}

uint32_t server_nsubs(const struct server *s)
{
	return s ? s->nsubs : 0;
}

uint64_t server_lost(const struct server *s)
{
	return s ? s->lost : 0;
}

uint64_t server_take_lost(struct server *s)
{
	uint64_t n;

	if (!s)
		return 0;
	n = s->lost - s->lost_reported;
	s->lost_reported = s->lost;
	return n;
}
