// SPDX-License-Identifier: GPL-2.0
/* Self-measurement and the Prometheus endpoint (see metrics.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <microhttpd.h>

#include "log.h"
#include "metrics.h"

#define UPDATE_EVERY_NS (50 * 1000 * 1000ULL)

struct metrics_prog {
	char name[STATS_PROG_NAME];
	int fd;
};

struct metrics_ring {
	char name[16];
	const unsigned long *cons_pos, *prod_pos; /* its position pages */
	uint64_t size;
};

struct metrics {
	int stats_fd; /* BPF_ENABLE_STATS; -1 when unavailable */
	int nprogs;
	struct metrics_prog progs[STATS_MAX_PROGS];
	int nrings;
	struct metrics_ring rings[STATS_MAX_RINGS];
	long page;
	struct timespec start;
	/* the HTTP server and what it reads */
	struct MHD_Daemon *httpd;
	int listen_fd; /* bound by metrics_serve, until metrics_start */
	char addr[128];
	pthread_mutex_t lock;
	struct stats_counters shared; /* the agent's, under lock */
	uint64_t last_update_ns;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

struct metrics *metrics_new(struct bpf_object *obj, bool bpf_stats)
{
	struct metrics *m = calloc(1, sizeof(*m));
	struct bpf_program *prog;

	if (!m)
		return NULL;
	pthread_mutex_init(&m->lock, NULL);
	m->listen_fd = -1;
	clock_gettime(CLOCK_MONOTONIC, &m->start);
	m->stats_fd = -1;
	if (bpf_stats) {
		m->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (m->stats_fd < 0)
			log_warn("--bpf-stats: cannot turn BPF run-time "
				 "statistics on: %s",
				 strerror(errno));
		else
			log_info("BPF run-time statistics on (--bpf-stats): "
				 "every BPF program on the host pays two clock "
				 "reads per run");
	}
	if (obj) {
		bpf_object__for_each_program(prog, obj)
		{
			int fd = bpf_program__fd(prog);
			const char *name;
			size_t len;

			if (fd < 0 || m->nprogs >= STATS_MAX_PROGS)
				continue;
			/* the build with direct BTF loads is one of two
			 * builds of the same program: its name */
			name = bpf_program__name(prog);
			len = strlen(name);
			if (len > 4 && !strcmp(name + len - 4, "_btf"))
				len -= 4;
			snprintf(m->progs[m->nprogs].name, STATS_PROG_NAME,
				 "%.*s", (int)len, name);
			m->progs[m->nprogs++].fd = fd;
		}
	}
	m->page = sysconf(_SC_PAGESIZE);
	return m;
}

void metrics_add_ring(struct metrics *m, const char *name, int fd,
		      uint64_t size)
{
	struct metrics_ring *r;
	void *p;

	if (m->nrings >= STATS_MAX_RINGS)
		return;
	r = &m->rings[m->nrings++];
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->size = size;
	if (fd < 0)
		return;
	p = mmap(NULL, m->page, PROT_READ, MAP_SHARED, fd, 0);
	if (p != MAP_FAILED)
		r->cons_pos = p;
	p = mmap(NULL, m->page, PROT_READ, MAP_SHARED, fd, m->page);
	if (p != MAP_FAILED)
		r->prod_pos = p;
	if (!r->cons_pos || !r->prod_pos)
		log_debug("cannot map the positions of ring buffer %s: %s",
			  name, strerror(errno));
}

void metrics_free(struct metrics *m)
{
	int i;

	if (!m)
		return;
	if (m->httpd)
		MHD_stop_daemon(m->httpd);
	if (m->listen_fd >= 0)
		close(m->listen_fd);
	for (i = 0; i < m->nrings; i++) {
		if (m->rings[i].cons_pos)
			munmap((void *)m->rings[i].cons_pos, m->page);
		if (m->rings[i].prod_pos)
			munmap((void *)m->rings[i].prod_pos, m->page);
	}
	if (m->stats_fd >= 0)
		close(m->stats_fd);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

static void read_self(struct stats_snap *s)
{
	char buf[1024], *p;
	unsigned long utime, stime;
	unsigned long long kb;
	FILE *f;
	size_t n;

	f = fopen("/proc/self/stat", "re");
	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		buf[n] = '\0';
		fclose(f);
		/* after "(comm)": state is field 3, utime 14, stime 15 */
		p = strrchr(buf, ')');
		if (p &&
		    sscanf(
			p + 2,
			"%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
			&utime, &stime) == 2)
			s->cpu_seconds =
			    (double)(utime + stime) / sysconf(_SC_CLK_TCK);
	}
	f = fopen("/proc/self/status", "re");
	if (f) {
		while (fgets(buf, sizeof(buf), f))
			if (sscanf(buf, "VmRSS: %llu kB", &kb) == 1)
				s->rss_bytes = kb * 1024;
		fclose(f);
	}
}

void metrics_read_live(struct metrics *m, struct stats_snap *s)
{
	struct timespec now;
	int i;

	s->bpf_stats = m->stats_fd >= 0;
	s->nprogs = 0;
	for (i = 0; i < m->nprogs; i++) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		struct stats_prog *sp = &s->progs[s->nprogs];

		if (bpf_obj_get_info_by_fd(m->progs[i].fd, &info, &len))
			continue;
		memcpy(sp->name, m->progs[i].name, sizeof(sp->name));
		sp->run_time_ns = info.run_time_ns;
		sp->run_cnt = info.run_cnt;
		s->nprogs++;
	}
	s->nrings = m->nrings;
	s->ringbuf_memory = 0;
	for (i = 0; i < m->nrings; i++) {
		const struct metrics_ring *r = &m->rings[i];
		struct stats_ring *sr = &s->rings[i];

		memcpy(sr->name, r->name, sizeof(sr->name));
		sr->size = r->size;
		sr->used = 0;
		/* the data, its header page and the two position pages */
		s->ringbuf_memory += r->size + 3 * m->page;
		if (r->cons_pos && r->prod_pos) {
			unsigned long c =
			    __atomic_load_n(r->cons_pos, __ATOMIC_ACQUIRE);
			unsigned long p =
			    __atomic_load_n(r->prod_pos, __ATOMIC_ACQUIRE);

			sr->used = p > c ? p - c : 0;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	s->uptime_seconds = (now.tv_sec - m->start.tv_sec) +
			    (now.tv_nsec - m->start.tv_nsec) / 1e9;
	read_self(s);
}

void metrics_update(struct metrics *m, const struct stats_counters *c)
{
	uint64_t now;

	if (!m || !m->httpd)
		return;
	now = mono_ns();
	if (m->last_update_ns && now - m->last_update_ns < UPDATE_EVERY_NS)
		return;
	m->last_update_ns = now;
	pthread_mutex_lock(&m->lock);
	m->shared = *c;
	pthread_mutex_unlock(&m->lock);
}

/* ---- HTTP ---- */

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int code,
			     const char *type, char *body, size_t len)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(conn, code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload_data,
				  size_t *upload_size, void **req_cls)
{
	struct metrics *m = cls;
	struct stats_snap *s;
	char *body = NULL;
	size_t len = 0;
	FILE *f;

	(void)version;
	(void)upload_data;
	(void)upload_size;
	(void)req_cls;
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain",
			     strdup("method not allowed\n"), 19);
	if (!strcmp(url, "/healthz"))
		return reply(conn, MHD_HTTP_OK, "text/plain", strdup("ok\n"),
			     3);
	if (strcmp(url, "/metrics"))
		return reply(conn, MHD_HTTP_NOT_FOUND, "text/plain",
			     strdup("not found: try /metrics or /healthz\n"),
			     36);
	s = calloc(1, sizeof(*s));
	if (!s)
		return MHD_NO;
	pthread_mutex_lock(&m->lock);
	s->c = m->shared;
	pthread_mutex_unlock(&m->lock);
	metrics_read_live(m, s);
	f = open_memstream(&body, &len);
	if (!f) {
		free(s);
		return MHD_NO;
	}
	metrics_render_prom(s, f);
	fclose(f);
	free(s);
	return reply(conn, MHD_HTTP_OK,
		     "text/plain; version=0.0.4; charset=utf-8", body, len);
}

static bool is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)ss;

		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)ss;

		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr))
			return in6->sin6_addr.s6_addr[12] == 127;
		return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
	}
	return false;
}

int metrics_parse_addr(const char *s, bool allow_remote,
		       struct sockaddr_storage *ss, char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon, *h = s;
	size_t hlen;
	unsigned long port;
	char *end;

	memset(ss, 0, sizeof(*ss));
	colon = strrchr(s, ':');
	if (!colon || colon == s)
		goto bad;
	hlen = colon - s;
	if (s[0] == '[') {
		if (hlen < 3 || s[hlen - 1] != ']')
			goto bad;
		h = s + 1;
		hlen -= 2;
	}
	if (hlen >= sizeof(host))
		goto bad;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || !colon[1] || *end || !port || port > 65535)
		goto bad;
	if (!strcmp(host, "localhost"))
		strcpy(host, "127.0.0.1");
	if (s[0] != '[') {
		struct sockaddr_in *in = (void *)ss;

		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		if (inet_pton(AF_INET, host, &in->sin_addr) != 1)
			goto bad;
	} else {
		struct sockaddr_in6 *in6 = (void *)ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1)
			goto bad;
	}
	if (!allow_remote && !is_loopback(ss)) {
		snprintf(
		    err, errlen,
		    "--metrics %s is not a loopback address; add "
		    "--metrics-allow-remote to serve metrics to the network",
		    s);
		return -EINVAL;
	}
	return 0;
bad:
	snprintf(err, errlen,
		 "--metrics: expected ADDR:PORT such as 127.0.0.1:9464 or "
		 "[::1]:9464, got '%s'",
		 s);
	return -EINVAL;
}

int metrics_serve(struct metrics *m, const char *addr, bool allow_remote)
{
	struct sockaddr_storage ss;
	char err[256];
	int ret, fd;

	ret = metrics_parse_addr(addr, allow_remote, &ss, err, sizeof(err));
	if (ret) {
		log_err("%s", err);
		return ret;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 },
				 sizeof(int)) ||
	    bind(fd, (struct sockaddr *)&ss,
		 ss.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
					    sizeof(struct sockaddr_in)) ||
	    listen(fd, 64)) {
		ret = errno;
		log_err("cannot serve metrics on %s: %s", addr, strerror(ret));
		if (fd >= 0)
			close(fd);
		return -ret;
	}
	m->listen_fd = fd;
	snprintf(m->addr, sizeof(m->addr), "%s", addr);
	return 0;
}

int metrics_start(struct metrics *m)
{
	sigset_t all, old;
	int ret;

	if (m->listen_fd < 0)
		return 0;
	/* signals are for the main loop, not the server's thread */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	errno = 0;
	m->httpd = MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, on_request, m,
	    MHD_OPTION_LISTEN_SOCKET,
	    m->listen_fd, MHD_OPTION_CONNECTION_LIMIT, 64,
	    MHD_OPTION_CONNECTION_TIMEOUT, 10, MHD_OPTION_END);
	ret = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!m->httpd) {
		log_err("cannot serve metrics on %s: %s", m->addr,
			ret ? strerror(ret) : "libmicrohttpd failed to start");
		return ret ? -ret : -EIO;
	}
	m->listen_fd = -1; /* MHD_stop_daemon() closes it */
	log_info("metrics on http://%s/metrics", m->addr);
	return 0;
}
