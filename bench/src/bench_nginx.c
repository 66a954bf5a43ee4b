// SPDX-License-Identifier: GPL-2.0
/*
 * nginx workload (pts nginx-3.0.1): Debian nginx over HTTPS on 127.0.0.1
 * with a self-signed RSA-4096 certificate and the ~118 KB test.html of
 * bench/gen-test-html.sh; wrk with 20 and 100 connections, req/s.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench_work.h"
#include "log.h"

static const struct bench_metric_def metrics[] = {
    {"wrk -c20", "req/s", true},
    {"wrk -c100", "req/s", true},
    {},
};

static double nginx_secs(const struct bench *b)
{
	return b->o.quick ? 3 : 30;
}

static double est_secs(const struct bench *b)
{
	return 2 * nginx_secs(b) + 3;
}

static int prepare(struct bench *b, int wl, const char *dir)
{
	static const char *const progs[] = {"nginx", "wrk", "openssl", NULL};
	char path[700], a[700];
	int err = bench_need(b, wl, progs);

	if (err)
		return err;
	bench_fmt(path, sizeof(path), "%s/server.key", dir);
	bench_fmt(a, sizeof(a), "%s/server.crt", dir);
	/* pts makes a 4096-bit self-signed certificate too */
	err = bench_sh("openssl req -x509 -newkey rsa:4096 -nodes -days 2 "
		       "-subj /CN=127.0.0.1 -keyout \"$0\" -out \"$1\"",
		       path, a, 120);
	if (err) {
		bench_fmt(b->wl_why[wl], sizeof(b->wl_why[wl]),
			  "openssl could not make a certificate");
		return err;
	}
	bench_fmt(path, sizeof(path), "%s/gen-test-html.sh", b->o.bench_dir);
	bench_fmt(a, sizeof(a), "%s/test.html", dir);
	err = bench_sh("sh \"$0\" > \"$1\"", path, a, 60);
	if (err)
		bench_fmt(b->wl_why[wl], sizeof(b->wl_why[wl]), "%s failed",
			  path);
	bench_fmt(b->wl_note[wl], sizeof(b->wl_note[wl]),
		  "nginx on 127.0.0.1 over HTTPS (self-signed RSA-4096), "
		  "worker_processes auto, 118 KB test.html; "
		  "wrk -t%d, %.0f s per connection count",
		  b->ncpu, nginx_secs(b));
	return err;
}

static int start(struct bench *b, int wl, struct bench_wl_state *st)
{
	char conf[700], tmpl[600], port[16];
	char *argv[] = {"nginx", "-c", conf, "-p", st->dir, NULL};
	const char *kv[] = {"DIR", st->dir, "PORT", port, NULL};
	int err;

	(void)wl;
	bench_fmt(port, sizeof(port), "%d", st->port);
	bench_fmt(tmpl, sizeof(tmpl), "%s/nginx.conf.in", b->o.bench_dir);
	bench_fmt(conf, sizeof(conf), "%s/nginx.conf", st->dir);
	err = bench_subst_file(tmpl, conf, kv);
	if (err)
		return err;
	bench_fmt(tmpl, sizeof(tmpl), "%s/server.log", st->dir);
	st->server = bench_spawn(argv, tmpl, true);
	return st->server < 0 ? st->server : 0;
}

static int measure(struct bench *b, struct bench_wl_state *st,
		   struct bench_run *run, double *vals)
{
	(void)run;
	static const int conns[] = {20, 100};
	char t[16], c[16], d[16], url[128], out[8192];
	char *argv[] = {"wrk", t, c, d, "--timeout", "10s", url, NULL};
	size_t i;

	bench_fmt(t, sizeof(t), "-t%d", b->ncpu);
	bench_fmt(d, sizeof(d), "-d%.0fs", nginx_secs(b));
	bench_fmt(url, sizeof(url), "https://127.0.0.1:%d/test.html", st->port);
	for (i = 0; i < 2; i++) {
		const char *p;

		bench_fmt(c, sizeof(c), "-c%d", conns[i]);
		if (bench_run_logged(argv, out, sizeof(out),
				     nginx_secs(b) + 60))
			return -EIO;
		p = strstr(out, "Requests/sec:");
		if (!p) {
			log_warn("wrk: no Requests/sec in: %.300s", out);
			return -EIO;
		}
		vals[i] = strtod(p + 13, NULL);
		if (strstr(out, "Non-2xx") || strstr(out, "Socket errors"))
			log_warn("wrk -c%d reported errors: %.300s", conns[i],
				 strstr(out, "Socket errors")
				     ?: strstr(out, "Non-2xx"));
	}
	return 0;
}

BENCH_WORKLOAD(nginx, .server = true, .start = start);
