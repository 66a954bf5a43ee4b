// SPDX-License-Identifier: GPL-2.0
/* Self-measurement, Prometheus endpoint and status rendering (metrics.h). */
#include <arpa/inet.h>
#include <errno.h>
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

#include "agent.h"
#include "json.h"
#include "log.h"
#include "metrics.h"
#include "output.h"
#include "policy_compile.h"
#include "probe.h"
#include "proc_cache.h"
#include "server.h"

#define UPDATE_EVERY_NS (50 * 1000 * 1000ULL)

struct metrics_prog {
	char name[STATS_PROG_NAME];
	int fd;
};

struct metrics {
	int stats_fd; /* BPF_ENABLE_STATS; -1 when unavailable */
	int nprogs;
	struct metrics_prog progs[STATS_MAX_PROGS];
	const unsigned long *cons_pos, *prod_pos; /* ring buffer pages */
	long page;
	uint64_t ringbuf_size;
	struct timespec start;
	/* the HTTP server and what it reads */
	struct MHD_Daemon *httpd;
	int listen_fd; /* bound by metrics_serve, until metrics_start */
	char addr[128];
	pthread_mutex_t lock;
	struct stats_snap shared; /* agent part, under lock */
	uint64_t last_update_ns;
};


static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

struct metrics *metrics_new(struct bpf_object *obj, int ringbuf_fd,
			    uint64_t ringbuf_size)
{
	struct metrics *m = calloc(1, sizeof(*m));
	struct bpf_program *prog;
	void *p;

	if (!m)
		return NULL;
	pthread_mutex_init(&m->lock, NULL);
	m->listen_fd = -1;
	clock_gettime(CLOCK_MONOTONIC, &m->start);
	m->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (m->stats_fd < 0)
		log_warn("BPF run-time statistics unavailable (%s): program "
			 "cost reads 0",
			 strerror(errno));
	if (obj) {
		bpf_object__for_each_program(prog, obj)
		{
			int fd = bpf_program__fd(prog);

			if (fd < 0 || m->nprogs >= STATS_MAX_PROGS)
				continue;
			snprintf(m->progs[m->nprogs].name, STATS_PROG_NAME,
				 "%s", bpf_program__name(prog));
			m->progs[m->nprogs++].fd = fd;
		}
	}
	m->page = sysconf(_SC_PAGESIZE);
	m->ringbuf_size = ringbuf_size;
	if (ringbuf_fd >= 0) {
		p = mmap(NULL, m->page, PROT_READ, MAP_SHARED, ringbuf_fd, 0);
		if (p != MAP_FAILED)
			m->cons_pos = p;
		p = mmap(NULL, m->page, PROT_READ, MAP_SHARED, ringbuf_fd,
			 m->page);
		if (p != MAP_FAILED)
			m->prod_pos = p;
		if (!m->cons_pos || !m->prod_pos)
			log_debug("cannot map the ring buffer positions: %s",
				  strerror(errno));
	}
	return m;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	if (m->httpd)
		MHD_stop_daemon(m->httpd);
	if (m->listen_fd >= 0)
		close(m->listen_fd);
	if (m->cons_pos)
		munmap((void *)m->cons_pos, m->page);
	if (m->prod_pos)
		munmap((void *)m->prod_pos, m->page);
	if (m->stats_fd >= 0)
		close(m->stats_fd);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

/* ---- collecting ---- */

void metrics_collect(const struct agent *a, struct stats_snap *s)
{
	const struct rtg_compiled *c = a->comp[a->gen & 1];
	int t, h, i;

	memcpy(s->events, a->cnt.events, sizeof(s->events));
	for (t = RTG_EV_EXEC; t <= RTG_EV_CONNECT; t++)
		s->lost[RTG_LOSS_RB_EXEC + t - RTG_EV_EXEC] =
		    a->cnt.lost_reported[t];
	s->lost[RTG_LOSS_FANOTIFY] = a->lost_fanotify;
	s->lost[RTG_LOSS_SUBSCRIBER] = server_lost(a->srv);
	s->lost[RTG_LOSS_DECODE] = a->cnt.decode_errors;
	s->reloads_ok = a->cnt.reloads_ok;
	s->reloads_failed = a->cnt.reloads_failed;
	s->procs_tracked = a->pc ? proc_cache_count(a->pc) : 0;
	s->subscribers = server_nsubs(a->srv);
	s->npolicies = 0;
	memset(s->rules, 0, sizeof(s->rules));
	if (!c)
		return;
	for (i = 0; i < c->npolicies && i < RTG_MAX_POLICIES; i++)
		snprintf(s->policy[i], sizeof(s->policy[i]), "%s",
			 c->policy_names[i] ?: "");
	s->npolicies = i;
	for (h = 0; h < RTG_NHOOKS; h++)
		for (i = 0; i < c->nrules[h]; i++)
			if (c->rules[h][i].policy >= 0 &&
			    c->rules[h][i].policy < s->npolicies)
				s->rules[c->rules[h][i].policy][h]++;
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
	s->ringbuf_size = m->ringbuf_size;
	s->ringbuf_used = 0;
	if (m->cons_pos && m->prod_pos) {
		unsigned long c =
		    __atomic_load_n(m->cons_pos, __ATOMIC_ACQUIRE);
		unsigned long p =
		    __atomic_load_n(m->prod_pos, __ATOMIC_ACQUIRE);

		s->ringbuf_used = p > c ? p - c : 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	s->uptime_seconds = (now.tv_sec - m->start.tv_sec) +
			    (now.tv_nsec - m->start.tv_nsec) / 1e9;
	read_self(s);
}

void metrics_update(struct metrics *m, const struct agent *a)
{
	uint64_t now;

	if (!m || !m->httpd)
		return;
	now = mono_ns();
	if (m->last_update_ns && now - m->last_update_ns < UPDATE_EVERY_NS)
		return;
	m->last_update_ns = now;
	pthread_mutex_lock(&m->lock);
	metrics_collect(a, &m->shared);
	pthread_mutex_unlock(&m->lock);
}

/* ---- Prometheus text ---- */

static void prom_head(FILE *f, const char *name, const char *type,
		      const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* label values: backslash, quote and newline escaped */
static void prom_label(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

void metrics_render_prom(const struct stats_snap *s, FILE *f)
{
	int t, a, i, h;

	prom_head(f, "rtguard_events_total", "counter",
		  "Events reported, by type and action.");
	for (t = RTG_EV_EXEC; t <= RTG_EV_CONNECT; t++)
		for (a = RTG_ACT_AUDIT; a <= RTG_ACT_KILL; a++)
			fprintf(f,
				"rtguard_events_total{type=\"%s\",action=\"%"
				"s\"} %llu\n",
				type_name(t), action_name(a),
				(unsigned long long)s->events[t][a]);
	prom_head(f, "rtguard_events_lost_total", "counter",
		  "Events dropped before they were reported, by where they "
		  "were dropped.");
	for (i = 0; i < RTG_NLOSS; i++)
		fprintf(f, "rtguard_events_lost_total{source=\"%s\"} %llu\n",
			loss_name(i), (unsigned long long)s->lost[i]);
	prom_head(
	    f, "rtguard_bpf_prog_run_time_seconds_total", "counter",
	    "Time the kernel spent in each BPF program (BPF_ENABLE_STATS).");
	for (i = 0; i < s->nprogs; i++) {
		fputs("rtguard_bpf_prog_run_time_seconds_total{prog=\"", f);
		prom_label(f, s->progs[i].name);
		fprintf(f, "\"} %.9f\n", s->progs[i].run_time_ns / 1e9);
	}
	prom_head(f, "rtguard_bpf_prog_runs_total", "counter",
		  "Runs of each BPF program (BPF_ENABLE_STATS).");
	for (i = 0; i < s->nprogs; i++) {
		fputs("rtguard_bpf_prog_runs_total{prog=\"", f);
		prom_label(f, s->progs[i].name);
		fprintf(f, "\"} %llu\n",
			(unsigned long long)s->progs[i].run_cnt);
	}
	prom_head(f, "rtguard_bpf_stats_enabled", "gauge",
		  "1 when kernel BPF run-time statistics are on.");
	fprintf(f, "rtguard_bpf_stats_enabled %d\n", s->bpf_stats ? 1 : 0);
	prom_head(f, "rtguard_agent_cpu_seconds_total", "counter",
		  "CPU time (user and system) of the agent process.");
	fprintf(f, "rtguard_agent_cpu_seconds_total %.3f\n", s->cpu_seconds);
	prom_head(f, "rtguard_agent_rss_bytes", "gauge",
		  "Resident memory of the agent process.");
	fprintf(f, "rtguard_agent_rss_bytes %llu\n",
		(unsigned long long)s->rss_bytes);
	prom_head(
	    f, "rtguard_ringbuf_used_bytes", "gauge",
	    "Bytes written to the event ring buffer and not yet consumed.");
	fprintf(f, "rtguard_ringbuf_used_bytes %llu\n",
		(unsigned long long)s->ringbuf_used);
	prom_head(f, "rtguard_ringbuf_size_bytes", "gauge",
		  "Size of the event ring buffer.");
	fprintf(f, "rtguard_ringbuf_size_bytes %llu\n",
		(unsigned long long)s->ringbuf_size);
	prom_head(f, "rtguard_policy_rules", "gauge",
		  "Rules of each loaded policy (all event types).");
	for (i = 0; i < s->npolicies; i++) {
		int n = 0;

		for (h = 0; h < RTG_NHOOKS; h++)
			n += s->rules[i][h];
		fputs("rtguard_policy_rules{policy=\"", f);
		prom_label(f, s->policy[i]);
		fprintf(f, "\"} %d\n", n);
	}
	prom_head(f, "rtguard_policy_reloads_total", "counter",
		  "Policy reloads, by result.");
	fprintf(f, "rtguard_policy_reloads_total{result=\"ok\"} %llu\n",
		(unsigned long long)s->reloads_ok);
	fprintf(f, "rtguard_policy_reloads_total{result=\"failed\"} %llu\n",
		(unsigned long long)s->reloads_failed);
	prom_head(f, "rtguard_processes_tracked", "gauge",
		  "Processes in the agent's process cache.");
	fprintf(f, "rtguard_processes_tracked %llu\n",
		(unsigned long long)s->procs_tracked);
	prom_head(f, "rtguard_subscribers", "gauge",
		  "Clients subscribed to the event stream on the socket.");
	fprintf(f, "rtguard_subscribers %u\n", s->subscribers);
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
	s = malloc(sizeof(*s));
	if (!s)
		return MHD_NO;
	pthread_mutex_lock(&m->lock);
	*s = m->shared;
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

/* ---- status ---- */

/* Programs of a hook for "ns per event": the programs whose runs count the
 * hook's events (per open syscall one sys_exit_* program runs) and the
 * others whose time is added to it. */
static const struct {
	const char *hook;
	const char *count[4];
	const char *extra[6];
} hook_progs[] = {
    {"exec", {"handle_exec"}, {"lsm_bprm_check"}},
    {"fork", {"handle_fork"}, {NULL}},
    {"exit", {"handle_exit"}, {NULL}},
    {"open",
     {"exit_openat", "exit_openat2", "exit_open", "exit_creat"},
     {"lsm_file_open"}},
    {"connect", {"connect4", "connect6"}, {NULL}},
};

static const struct stats_prog *find_prog(const struct stats_snap *s,
					  const char *name)
{
	int i;

	for (i = 0; name && i < s->nprogs; i++)
		if (!strcmp(s->progs[i].name, name))
			return &s->progs[i];
	return NULL;
}

/* total ns and events of hook i */
static void hook_cost(const struct stats_snap *s, int i, uint64_t *ns,
		      uint64_t *runs)
{
	const struct stats_prog *p;
	int j;

	*ns = *runs = 0;
	for (j = 0; j < 4; j++)
		if ((p = find_prog(s, hook_progs[i].count[j]))) {
			*ns += p->run_time_ns;
			*runs += p->run_cnt;
		}
	for (j = 0; j < 6; j++)
		if ((p = find_prog(s, hook_progs[i].extra[j])))
			*ns += p->run_time_ns;
}

static double cpu_percent(const struct stats_snap *s)
{
	return s->uptime_seconds > 0
		   ? 100.0 * s->cpu_seconds / s->uptime_seconds
		   : 0;
}

void status_render_json(const struct stats_snap *s,
			const struct rtg_probe *probe, bool dry_run,
			struct json_writer *jw)
{
	uint64_t ns, runs;
	int i, t, a, h;

	jw_start_object(jw);
	jw_kv_uint(jw, "pid", getpid());
	jw_kv_double(jw, "uptime_seconds", s->uptime_seconds);
	jw_kv_bool(jw, "dry_run", dry_run);
	jw_name(jw, "policies");
	jw_start_array(jw);
	for (i = 0; i < s->npolicies; i++) {
		jw_start_object(jw);
		jw_kv_string(jw, "name", s->policy[i]);
		jw_name(jw, "rules");
		jw_start_object(jw);
		for (h = 0; h < RTG_NHOOKS; h++)
			jw_kv_int(jw, hook_name(h), s->rules[i][h]);
		jw_end_object(jw);
		jw_end_object(jw);
	}
	jw_end_array(jw);
	jw_name(jw, "reloads");
	jw_start_object(jw);
	jw_kv_uint(jw, "ok", s->reloads_ok);
	jw_kv_uint(jw, "failed", s->reloads_failed);
	jw_end_object(jw);
	jw_name(jw, "events");
	jw_start_object(jw);
	for (t = RTG_EV_EXEC; t <= RTG_EV_CONNECT; t++) {
		jw_name(jw, type_name(t));
		jw_start_object(jw);
		for (a = RTG_ACT_AUDIT; a <= RTG_ACT_KILL; a++)
			jw_kv_uint(jw, action_name(a), s->events[t][a]);
		jw_end_object(jw);
	}
	jw_end_object(jw);
	jw_name(jw, "lost");
	jw_start_object(jw);
	for (i = 0; i < RTG_NLOSS; i++)
		jw_kv_uint(jw, loss_name(i), s->lost[i]);
	jw_end_object(jw);
	if (probe) {
		const struct rtg_decision *d = &probe->d;

		jw_name(jw, "mechanisms");
		jw_start_object(jw);
		jw_name(jw, "sources");
		jw_start_object(jw);
		jw_kv_string(jw, "exec", probe_src_name(d->exec));
		jw_kv_string(jw, "exit", probe_src_name(d->exit));
		jw_kv_string(jw, "open", probe_src_name(d->open));
		jw_kv_string(jw, "connect", probe_src_name(d->connect));
		jw_end_object(jw);
		jw_name(jw, "enforcement");
		jw_start_object(jw);
		for (i = 0; i < RTG_NENF; i++)
			jw_kv_string(jw, probe_enf_name(i),
				     mech_label(d->mech[i]));
		jw_end_object(jw);
		jw_end_object(jw);
	}
	jw_kv_bool(jw, "bpf_stats", s->bpf_stats);
	jw_name(jw, "programs");
	jw_start_array(jw);
	for (i = 0; i < s->nprogs; i++) {
		const struct stats_prog *p = &s->progs[i];

		jw_start_object(jw);
		jw_kv_string(jw, "name", p->name);
		jw_kv_uint(jw, "runs", p->run_cnt);
		jw_kv_uint(jw, "run_time_ns", p->run_time_ns);
		jw_kv_double(jw, "ns_per_run",
			     p->run_cnt ? (double)p->run_time_ns / p->run_cnt
					: 0);
		jw_end_object(jw);
	}
	jw_end_array(jw);
	jw_name(jw, "hooks");
	jw_start_object(jw);
	for (i = 0; i < (int)(sizeof(hook_progs) / sizeof(hook_progs[0]));
	     i++) {
		hook_cost(s, i, &ns, &runs);
		jw_name(jw, hook_progs[i].hook);
		jw_start_object(jw);
		jw_kv_uint(jw, "events", runs);
		jw_kv_uint(jw, "run_time_ns", ns);
		jw_kv_double(jw, "ns_per_event", runs ? (double)ns / runs : 0);
		jw_end_object(jw);
	}
	jw_end_object(jw);
	jw_name(jw, "agent");
	jw_start_object(jw);
	jw_kv_double(jw, "cpu_seconds", s->cpu_seconds);
	jw_kv_double(jw, "cpu_percent", cpu_percent(s));
	jw_kv_uint(jw, "rss_bytes", s->rss_bytes);
	jw_kv_uint(jw, "processes_tracked", s->procs_tracked);
	jw_kv_uint(jw, "subscribers", s->subscribers);
	jw_end_object(jw);
	jw_name(jw, "ringbuf");
	jw_start_object(jw);
	jw_kv_uint(jw, "used_bytes", s->ringbuf_used);
	jw_kv_uint(jw, "size_bytes", s->ringbuf_size);
	jw_end_object(jw);
	jw_end_object(jw);
}

void status_render_text(const struct stats_snap *s,
			const struct rtg_probe *probe, bool dry_run, FILE *f)
{
	uint64_t ns, runs, lost = 0;
	int i, t, h;

	fprintf(f,
		"agent     pid %d, up %.0f s, CPU %.2f%% since start (%.2f s), "
		"RSS %.1f MiB%s\n",
		getpid(), s->uptime_seconds, cpu_percent(s), s->cpu_seconds,
		s->rss_bytes / 1048576.0, dry_run ? ", dry-run" : "");
	fprintf(f,
		"          %llu processes tracked, %u subscribers, ring buffer "
		"%llu of %llu bytes used\n",
		(unsigned long long)s->procs_tracked, s->subscribers,
		(unsigned long long)s->ringbuf_used,
		(unsigned long long)s->ringbuf_size);
	fprintf(f,
		"\nPOLICY                              EXEC  OPEN  CONNECT\n");
	for (i = 0; i < s->npolicies; i++) {
		fprintf(f, "%-34s", s->policy[i]);
		for (h = 0; h < RTG_NHOOKS; h++)
			fprintf(f, " %5d", s->rules[i][h]);
		fputc('\n', f);
	}
	fprintf(f, "reloads: %llu ok, %llu failed\n",
		(unsigned long long)s->reloads_ok,
		(unsigned long long)s->reloads_failed);
	fprintf(f, "\nEVENTS         AUDIT        DENY        KILL\n");
	for (t = RTG_EV_EXEC; t <= RTG_EV_CONNECT; t++)
		fprintf(f, "%-8s %11llu %11llu %11llu\n", type_name(t),
			(unsigned long long)s->events[t][RTG_ACT_AUDIT],
			(unsigned long long)s->events[t][RTG_ACT_DENY],
			(unsigned long long)s->events[t][RTG_ACT_KILL]);
	for (i = 0; i < RTG_NLOSS; i++)
		lost += s->lost[i];
	fprintf(f, "\nLOST %llu:", (unsigned long long)lost);
	for (i = 0; i < RTG_NLOSS; i++)
		fprintf(f, " %s=%llu", loss_name(i),
			(unsigned long long)s->lost[i]);
	fputc('\n', f);
	if (probe) {
		const struct rtg_decision *d = &probe->d;

		fprintf(f,
			"\nMECHANISM  events: exec %s, exit %s, open %s, "
			"connect %s\n",
			probe_src_name(d->exec), probe_src_name(d->exit),
			probe_src_name(d->open), probe_src_name(d->connect));
		fprintf(f, "           enforcement:");
		for (i = 0; i < RTG_NENF; i++)
			fprintf(f, " %s=%s", probe_enf_name(i),
				mech_label(d->mech[i]));
		fputc('\n', f);
	}
	fprintf(f, "\nCOST (kernel BPF statistics%s)\n",
		s->bpf_stats ? "" : " unavailable: zeros");
	fprintf(f, "HOOK          EVENTS     NS/EVENT\n");
	for (i = 0; i < (int)(sizeof(hook_progs) / sizeof(hook_progs[0]));
	     i++) {
		hook_cost(s, i, &ns, &runs);
		fprintf(f, "%-8s %11llu %12.1f\n", hook_progs[i].hook,
			(unsigned long long)runs,
			runs ? (double)ns / runs : 0.0);
	}
	fprintf(f, "PROGRAM                RUNS       NS/RUN    TOTAL MS\n");
	for (i = 0; i < s->nprogs; i++) {
		const struct stats_prog *p = &s->progs[i];

		fprintf(f, "%-16s %11llu %12.1f %11.3f\n", p->name,
			(unsigned long long)p->run_cnt,
			p->run_cnt ? (double)p->run_time_ns / p->run_cnt : 0.0,
			p->run_time_ns / 1e6);
	}
}
