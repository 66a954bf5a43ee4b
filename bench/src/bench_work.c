// SPDX-License-Identifier: GPL-2.0
/*
 * Workloads of the bench, reproduced from the pts profiles of the paper with
 * Debian packages:
 *   nginx   nginx over HTTPS on 127.0.0.1, wrk -c20 and -c100 (req/s)
 *   redis   redis-server on 127.0.0.1, redis-benchmark -P 1024 (req/s)
 *   unpack  tar -xf of the Linux source tarball into a fresh ext4 (s)
 *   zstd    zstd -b3 on 200 MiB of that tarball (MB/s)
 *   micro   open/close, fork+exec+wait, connect+close loops (ns/op)
 * prepare() runs once; start()/stop() (servers, file systems) run after the
 * configuration is attached and before it is detached, outside the timing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "log.h"

#define ZSTD_INPUT_BYTES (200ull << 20)
#define UNPACK_IMG_BYTES (5ull << 30)

struct bench_wl_state {
	pid_t server;
	int port;
	char dir[600];
	char mnt[600];
	char img[300];
	bool mounted;
};

static const char *const wl_names[WL_MAX] = {"nginx", "redis", "unpack", "zstd",
					     "micro"};

static const char *const m_nginx[] = {"wrk -c20", "wrk -c100", NULL};
static const char *const u_nginx[] = {"req/s", "req/s"};
static const bool h_nginx[] = {true, true};
static const char *const m_redis[] = {"SET",  "GET",  "LPUSH",
				      "LPOP", "SADD", NULL};
static const char *const u_redis[] = {"req/s", "req/s", "req/s", "req/s",
				      "req/s"};
static const bool h_redis[] = {true, true, true, true, true};
static const char *const m_unpack[] = {"tar -xf", NULL};
static const char *const u_unpack[] = {"s"};
static const bool h_unpack[] = {false};
static const char *const m_zstd[] = {"compress -b3", "decompress", NULL};
static const char *const u_zstd[] = {"MB/s", "MB/s"};
static const bool h_zstd[] = {true, true};
static const char *const m_micro[] = {"open+close", "fork+exec+wait",
				      "connect+close", NULL};
static const char *const u_micro[] = {"ns/op", "ns/op", "ns/op"};
static const bool h_micro[] = {false, false, false};

const char *bench_wl_name(int wl)
{
	return wl >= 0 && wl < WL_MAX ? wl_names[wl] : "?";
}

int bench_wl_metrics(int wl, const char ***names, const char ***units,
		     const bool **higher)
{
	static const char *const *const n[WL_MAX] = {m_nginx, m_redis, m_unpack,
						     m_zstd, m_micro};
	static const char *const *const u[WL_MAX] = {u_nginx, u_redis, u_unpack,
						     u_zstd, u_micro};
	static const bool *const h[WL_MAX] = {h_nginx, h_redis, h_unpack,
					      h_zstd, h_micro};
	int k = 0;

	*names = (const char **)n[wl];
	*units = (const char **)u[wl];
	*higher = h[wl];
	while (n[wl][k])
		k++;
	return k;
}

/* Durations: --quick vs full (close to the pts profiles). */
static double nginx_secs(const struct bench *b)
{
	return b->o.quick ? 3 : 30;
}

static long redis_n(const struct bench *b)
{
	return b->o.quick ? 1000000 : 5000000;
}

static int zstd_iter(const struct bench *b)
{
	return b->o.quick ? 1 : 3;
}

static double micro_secs(const struct bench *b)
{
	return b->o.quick ? 0.3 : 3;
}

static double storm_secs(const struct bench *b)
{
	return b->o.quick ? 0.5 : 2;
}

/* Seconds one run of a workload takes, attach/detach included. */
double bench_wl_est_secs(const struct bench *b, int wl)
{
	switch (wl) {
	case WL_NGINX:
		return 2 * nginx_secs(b) + 3;
	case WL_REDIS:
		return 5.0 * redis_n(b) / 1e6 + 3;
	case WL_UNPACK:
		return 9;
	case WL_ZSTD:
		return 2 * zstd_iter(b) + 3;
	case WL_MICRO:
		return 3 * micro_secs(b) + 3;
	}
	return 5;
}

static int need(struct bench *b, int wl, const char *const *progs)
{
	for (; *progs; progs++) {
		if (bench_have(*progs))
			continue;
		bench_fmt(b->wl_why[wl], sizeof(b->wl_why[wl]),
			  "%s is not installed (sudo make bench-deps)", *progs);
		return -ENOENT;
	}
	return 0;
}

static int sh(const char *script, const char *a0, const char *a1, int timeout_s)
{
	char *argv[] = {"sh",	    "-c",	(char *)script,
			(char *)a0, (char *)a1, NULL};
	char out[1024];
	int err = bench_run_cmd(argv, out, sizeof(out), timeout_s);

	if (err)
		log_warn("'%s' failed (%d): %.300s", script, err, out);
	return err ? -EIO : 0;
}

static bool fresh(const char *cache, const char *src)
{
	struct stat a, s;

	return !stat(cache, &a) && !stat(src, &s) && a.st_size > 0 &&
	       a.st_mtime >= s.st_mtime;
}

/* The Linux source tarball, decompressed once into the cache: unpack
 * measures file creation, not xz (see bench/README.md). */
static int prepare_tarball(struct bench *b, int wl)
{
	static const char *const srcs[] = {
	    "/usr/src/linux-source-6.1.tar.xz",
	    "/usr/src/linux-source-6.1.tar.bz2",
	};
	char tmp[600], ent[600];
	const char *src = NULL;
	size_t i;
	int err;

	if (b->tar_path[0])
		return 0;
	for (i = 0; i < sizeof(srcs) / sizeof(srcs[0]) && !src; i++)
		if (!access(srcs[i], R_OK))
			src = srcs[i];
	if (!src) {
		bench_fmt(b->wl_why[wl], sizeof(b->wl_why[wl]),
			  "no Linux source tarball (apt-get install "
			  "linux-source-6.1)");
		return -ENOENT;
	}
	err = bench_mkdirs(BENCH_CACHE_DIR);
	if (err)
		return err;
	bench_fmt(b->tar_src, sizeof(b->tar_src), "%s", src);
	bench_fmt(b->tar_path, sizeof(b->tar_path), "%s/linux-source-6.1.tar",
		  BENCH_CACHE_DIR);
	bench_fmt(ent, sizeof(ent), "%s.entries", b->tar_path);
	if (!fresh(b->tar_path, src)) {
		log_info("decompressing %s once into %s (outside the timing)",
			 src, b->tar_path);
		bench_fmt(tmp, sizeof(tmp), "%s.tmp", b->tar_path);
		err = sh(strstr(src, ".xz") ? "xz -dc \"$0\" > \"$1\""
					    : "bzip2 -dc \"$0\" > \"$1\"",
			 src, tmp, 600);
		if (!err && rename(tmp, b->tar_path))
			err = -errno;
		if (err) {
			unlink(tmp);
			b->tar_path[0] = '\0';
			bench_fmt(b->wl_why[wl], sizeof(b->wl_why[wl]),
				  "could not decompress %s", src);
			return err;
		}
		unlink(ent);
	}
	if (!fresh(ent, b->tar_path))
		sh("tar -tf \"$0\" | wc -l > \"$1\"", b->tar_path, ent, 300);
	return 0;
}

static long tar_entries(const struct bench *b)
{
	char ent[600], buf[64];

	bench_fmt(ent, sizeof(ent), "%s.entries", b->tar_path);
	return bench_read_file(ent, buf, sizeof(buf)) > 0 ? atol(buf) : 0;
}

int bench_wl_prepare(struct bench *b, int wl)
{
	static const char *const p_nginx[] = {"nginx", "wrk", "openssl", NULL};
	static const char *const p_redis[] = {"redis-server", "redis-benchmark",
					      NULL};
	static const char *const p_unpack[] = {"tar", "mkfs.ext4", "xz", NULL};
	static const char *const p_zstd[] = {"zstd", "xz", NULL};
	char dir[600], path[700], a[700];
	int err = 0;

	bench_fmt(dir, sizeof(dir), "%s/%s", b->work, wl_names[wl]);
	err = bench_mkdirs(dir);
	if (err)
		return err;
	switch (wl) {
	case WL_NGINX:
		err = need(b, wl, p_nginx);
		if (err)
			return err;
		bench_fmt(path, sizeof(path), "%s/server.key", dir);
		bench_fmt(a, sizeof(a), "%s/server.crt", dir);
		/* pts makes a 4096-bit self-signed certificate too */
		err = sh("openssl req -x509 -newkey rsa:4096 -nodes -days 2 "
			 "-subj /CN=127.0.0.1 -keyout \"$0\" -out \"$1\"",
			 path, a, 120);
		if (err) {
			bench_fmt(b->wl_why[wl], sizeof(b->wl_why[wl]),
				  "openssl could not make a certificate");
			return err;
		}
		bench_fmt(path, sizeof(path), "%s/gen-test-html.sh",
			  b->o.bench_dir);
		bench_fmt(a, sizeof(a), "%s/test.html", dir);
		err = sh("sh \"$0\" > \"$1\"", path, a, 60);
		if (err)
			bench_fmt(b->wl_why[wl], sizeof(b->wl_why[wl]),
				  "%s failed", path);
		bench_fmt(
		    b->wl_note[wl], sizeof(b->wl_note[wl]),
		    "nginx on 127.0.0.1 over HTTPS (self-signed RSA-4096), "
		    "worker_processes auto, 118 KB test.html; "
		    "wrk -t%d, %.0f s per connection count",
		    b->ncpu, nginx_secs(b));
		return err;
	case WL_REDIS:
		bench_fmt(b->wl_note[wl], sizeof(b->wl_note[wl]),
			  "redis-server on 127.0.0.1, io-threads %d, no "
			  "persistence; redis-benchmark -c 50 -P 1024 -d 4 "
			  "-n %ld per test",
			  b->ncpu, redis_n(b));
		return need(b, wl, p_redis);
	case WL_UNPACK:
		err = need(b, wl, p_unpack);
		if (!err)
			err = prepare_tarball(b, wl);
		if (!err)
			bench_fmt(b->wl_note[wl], sizeof(b->wl_note[wl]),
				  "tar -xf of %s (%ld entries), decompressed "
				  "once from %s: the measured time is file "
				  "creation, not xz (pts unpacks the .tar.xz); "
				  "into a freshly made journaled ext4 (mkfs "
				  "outside the timing) on a loop device backed "
				  "by a file in /dev/shm, so no disk I/O is "
				  "timed",
				  b->tar_path, tar_entries(b), b->tar_src);
		return err;
	case WL_ZSTD:
		err = need(b, wl, p_zstd);
		if (!err)
			err = prepare_tarball(b, wl);
		if (err)
			return err;
		bench_fmt(b->zstd_input, sizeof(b->zstd_input),
			  "%s/zstd-input-200M.tar", BENCH_CACHE_DIR);
		if (!fresh(b->zstd_input, b->tar_path)) {
			bench_fmt(a, sizeof(a), "%llu", ZSTD_INPUT_BYTES);
			err = sh("head -c \"$1\" \"$0\" > \"$0.zst-in\"",
				 b->tar_path, a, 300);
			bench_fmt(path, sizeof(path), "%s.zst-in", b->tar_path);
			if (!err && rename(path, b->zstd_input))
				err = -errno;
			if (err) {
				bench_fmt(b->wl_why[wl], sizeof(b->wl_why[wl]),
					  "could not make the zstd input");
				return err;
			}
		}
		bench_fmt(b->wl_note[wl], sizeof(b->wl_note[wl]),
			  "zstd -T%d -b3 -i%d on the first 200 MiB of %s "
			  "(silesia.tar of the pts profile is not packaged in "
			  "Debian)",
			  b->ncpu, zstd_iter(b), b->tar_path);
		return 0;
	case WL_MICRO:
		bench_fmt(path, sizeof(path), "%s/open-target", dir);
		err = bench_write_file(path, "x\n", 2);
		bench_fmt(b->wl_note[wl], sizeof(b->wl_note[wl]),
			  "loops pinned to CPU %d for %.1f s each: "
			  "open(O_RDONLY)+close of a file no rule names; "
			  "fork+execve(/bin/true)+waitpid; TCP connect+accept+"
			  "close on 127.0.0.1 (RST close, no TIME_WAIT)",
			  b->ncpu - 1, micro_secs(b));
		return err;
	}
	return -EINVAL;
}

/* ---- start / stop: servers and file systems ---- */

static int nginx_start(struct bench *b, struct bench_wl_state *st)
{
	char conf[700], tmpl[600], port[16];
	char *argv[] = {"nginx", "-c", conf, "-p", st->dir, NULL};
	const char *kv[] = {"DIR", st->dir, "PORT", port, NULL};
	int err;

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

static int redis_start(struct bench *b, struct bench_wl_state *st)
{
	char port[16], io[16], log[700];
	char *argv[] = {"redis-server",
			"--bind",
			"127.0.0.1",
			"--port",
			port,
			"--save",
			"",
			"--appendonly",
			"no",
			"--io-threads",
			io,
			"--dir",
			st->dir,
			"--daemonize",
			"no",
			"--protected-mode",
			"yes",
			NULL};

	bench_fmt(port, sizeof(port), "%d", st->port);
	bench_fmt(io, sizeof(io), "%d", b->ncpu);
	bench_fmt(log, sizeof(log), "%s/server.log", st->dir);
	st->server = bench_spawn(argv, log, true);
	return st->server < 0 ? st->server : 0;
}

static int unpack_start(struct bench *b, struct bench_wl_state *st, int wl)
{
	char *img = st->img;
	char *mkfs[] = {"mkfs.ext4",
			"-q",
			"-F",
			"-E",
			"lazy_itable_init=0,lazy_journal_init=0",
			img,
			NULL};
	char *mnt[] = {"mount", "-o", "loop", img, st->mnt, NULL};
	char out[1024];
	int fd, err;

	/* The image lives in /dev/shm (tmpfs): the loop device then never
	 * waits for the disk, and ext4 with its journal is what is timed. */
	bench_fmt(img, sizeof(st->img), "%s/rtguard-bench-unpack-%d.img",
		  access("/dev/shm", W_OK) ? BENCH_CACHE_DIR : "/dev/shm",
		  getpid());
	bench_fmt(st->mnt, sizeof(st->mnt), "%s/mnt", st->dir);
	err = bench_mkdirs(st->mnt);
	if (err)
		return err;
	fd = open(img, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	/* sparse; mkfs rewrites what it needs each round */
	if (ftruncate(fd, UNPACK_IMG_BYTES))
		err = -errno;
	close(fd);
	if (!err)
		err = bench_run_cmd(mkfs, out, sizeof(out), 120) ? -EIO : 0;
	if (!err)
		err = bench_run_cmd(mnt, out, sizeof(out), 60) ? -EIO : 0;
	if (!err) {
		st->mounted = true;
		return 0;
	}
	/* no loop devices here: tmpfs, and the report says so */
	log_warn("ext4 on a loop device failed (%.200s): unpacking into tmpfs",
		 out);
	if (mount("tmpfs", st->mnt, "tmpfs", 0, "size=6g"))
		return -errno;
	st->mounted = true;
	if (!strstr(b->wl_note[wl], "tmpfs"))
		strncat(b->wl_note[wl], " [fell back to tmpfs]",
			sizeof(b->wl_note[wl]) - strlen(b->wl_note[wl]) - 1);
	return 0;
}

int bench_wl_start(struct bench *b, int wl, struct bench_wl_state **stp)
{
	struct bench_wl_state *st = calloc(1, sizeof(*st));
	int err = 0;

	*stp = NULL;
	if (!st)
		return -ENOMEM;
	bench_fmt(st->dir, sizeof(st->dir), "%s/%s", b->work, wl_names[wl]);
	switch (wl) {
	case WL_NGINX:
	case WL_REDIS:
		st->port = bench_free_port();
		if (st->port < 0) {
			err = st->port;
			break;
		}
		err = wl == WL_NGINX ? nginx_start(b, st) : redis_start(b, st);
		if (!err)
			err = bench_wait_port(st->port, 20000);
		if (err)
			log_err("%s did not start listening on 127.0.0.1:%d "
				"(see %s/server.log)",
				wl_names[wl], st->port, st->dir);
		break;
	case WL_UNPACK:
		err = unpack_start(b, st, wl);
		break;
	}
	if (err) {
		bench_wl_stop(b, wl, st);
		return err;
	}
	*stp = st;
	return 0;
}

void bench_wl_stop(struct bench *b, int wl, struct bench_wl_state *st)
{
	(void)b;
	(void)wl;
	if (!st)
		return;
	if (st->server > 0)
		bench_stop(-st->server, SIGTERM, 30, NULL, NULL);
	if (st->mounted && umount(st->mnt))
		log_warn("umount %s: %s", st->mnt, strerror(errno));
	if (st->img[0])
		unlink(st->img);
	free(st);
}

/* ---- measurements ---- */

static int run_out(char *const argv[], char *out, size_t sz, int timeout_s)
{
	int err = bench_run_cmd(argv, out, sz, timeout_s);

	if (err)
		log_warn("%s exited with %d: %.300s", argv[0], err, out);
	return err ? -EIO : 0;
}

static int nginx_measure(struct bench *b, struct bench_wl_state *st,
			 double *vals)
{
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
		if (run_out(argv, out, sizeof(out), nginx_secs(b) + 60))
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

static int redis_measure(struct bench *b, struct bench_wl_state *st,
			 double *vals)
{
	static const char *const tests[] = {"set", "get", "lpush", "lpop",
					    "sadd"};
	char port[16], n[32], test[16], out[4096];
	char *argv[] = {"redis-benchmark",
			"-h",
			"127.0.0.1",
			"-p",
			port,
			"-c",
			"50",
			"-P",
			"1024",
			"-d",
			"4",
			"-q",
			"--csv",
			"-t",
			test,
			"-n",
			n,
			NULL};
	size_t i;

	bench_fmt(port, sizeof(port), "%d", st->port);
	bench_fmt(n, sizeof(n), "%ld", redis_n(b));
	for (i = 0; i < 5; i++) {
		char want[32];
		const char *p;

		bench_fmt(test, sizeof(test), "%s", tests[i]);
		if (run_out(argv, out, sizeof(out), 600))
			return -EIO;
		/* "SET","2898550.75",... */
		bench_fmt(want, sizeof(want), "\"%s\",\"", m_redis[i]);
		p = strstr(out, want);
		if (!p) {
			log_warn("redis-benchmark: no %s line in: %.300s",
				 m_redis[i], out);
			return -EIO;
		}
		vals[i] = strtod(p + strlen(want), NULL);
	}
	return 0;
}

static int unpack_measure(struct bench *b, struct bench_wl_state *st,
			  double *vals)
{
	char *argv[] = {"tar", "-xf", b->tar_path, "-C", st->mnt, NULL};
	char out[2048];
	double t0 = bench_now();

	if (run_out(argv, out, sizeof(out), 1800))
		return -EIO;
	vals[0] = bench_now() - t0;
	return 0;
}

/* zstd -b rewrites one status line with \r as it goes; the last one holds
 * the final speeds:
 *  3#input.tar : 209715200 ->  39989716 (x5.244),  504.1 MB/s, 1527.2 MB/s
 */
static int zstd_parse(const char *out, double *c, double *d)
{
	const char *p = NULL, *q = out;

	while ((q = strstr(q, "),"))) {
		if (strstr(q, "MB/s") && strchr(strstr(q, "MB/s"), ','))
			p = q;
		q += 2;
	}
	if (!p)
		return -EINVAL;
	*c = strtod(p + 2, NULL);
	p = strstr(p, "MB/s");
	p = strchr(p, ',');
	*d = strtod(p + 1, NULL);
	return *c > 0 && *d > 0 ? 0 : -EINVAL;
}

static int zstd_measure(struct bench *b, double *vals)
{
	char t[16], i[16];
	char *argv[] = {"zstd", t, "-b3", i, b->zstd_input, NULL};
	char *out = malloc(65536);
	int err;

	if (!out)
		return -ENOMEM;
	bench_fmt(t, sizeof(t), "-T%d", b->ncpu);
	bench_fmt(i, sizeof(i), "-i%d", zstd_iter(b));
	err = run_out(argv, out, 65536, 600);
	if (!err && zstd_parse(out, &vals[0], &vals[1])) {
		log_warn("zstd: cannot parse: %.300s", out);
		err = -EIO;
	}
	free(out);
	return err;
}

/* ---- micro loops, in a child pinned to the last CPU ---- */

static double loop_open(const char *path, double secs)
{
	double t0 = bench_now(), t;
	long ops = 0;
	int i;

	do {
		for (i = 0; i < 256; i++) {
			int fd = open(path, O_RDONLY | O_CLOEXEC);

			if (fd < 0)
				return NAN;
			close(fd);
		}
		ops += 256;
		t = bench_now() - t0;
	} while (t < secs);
	return t * 1e9 / ops;
}

static double loop_exec(double secs)
{
	char *const argv[] = {"true", NULL};
	char *const envp[] = {NULL};
	double t0 = bench_now(), t;
	long ops = 0;

	do {
		int st;
		pid_t pid = fork();

		if (pid < 0)
			return NAN;
		if (pid == 0) {
			execve("/bin/true", argv, envp);
			_exit(127);
		}
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
		    WEXITSTATUS(st))
			return NAN;
		ops++;
		t = bench_now() - t0;
	} while (t < secs);
	return t * 1e9 / ops;
}

static double loop_connect(double secs)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	socklen_t alen = sizeof(a);
	double t0, t, res = NAN;
	long ops = 0;
	int lfd, i;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		return NAN;
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(lfd, (struct sockaddr *)&a, &alen) || listen(lfd, 128))
		goto cleanup;
	t0 = bench_now();
	do {
		for (i = 0; i < 16; i++) {
			int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
			int s;

			if (c < 0)
				goto cleanup;
			/* RST on close: no TIME_WAIT piles up */
			setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
			if (connect(c, (struct sockaddr *)&a, sizeof(a))) {
				close(c);
				goto cleanup;
			}
			s = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			close(c);
			if (s >= 0)
				close(s);
		}
		ops += 16;
		t = bench_now() - t0;
	} while (t < secs);
	res = t * 1e9 / ops;
cleanup:
	close(lfd);
	return res;
}

static int pin_last_cpu(int ncpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(ncpu - 1, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

static int micro_measure(struct bench *b, double *vals)
{
	char path[700];
	double res[3];
	int fds[2], st = 0;
	ssize_t r;
	pid_t pid;

	bench_fmt(path, sizeof(path), "%s/micro/open-target", b->work);
	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -errno;
	}
	if (pid == 0) {
		close(fds[0]);
		pin_last_cpu(b->ncpu);
		res[0] = loop_open(path, micro_secs(b));
		res[1] = loop_exec(micro_secs(b));
		res[2] = loop_connect(micro_secs(b));
		_exit(write(fds[1], res, sizeof(res)) == sizeof(res) ? 0 : 1);
	}
	close(fds[1]);
	r = read(fds[0], res, sizeof(res));
	close(fds[0]);
	waitpid(pid, &st, 0);
	if (r != sizeof(res))
		return -EIO;
	memcpy(vals, res, sizeof(res));
	return 0;
}

int bench_wl_measure(struct bench *b, int wl, struct bench_wl_state *st,
		     double *vals)
{
	switch (wl) {
	case WL_NGINX:
		return nginx_measure(b, st, vals);
	case WL_REDIS:
		return redis_measure(b, st, vals);
	case WL_UNPACK:
		return unpack_measure(b, st, vals);
	case WL_ZSTD:
		return zstd_measure(b, vals);
	case WL_MICRO:
		return micro_measure(b, vals);
	}
	return -EINVAL;
}

/* ---- event storm: how many events per second the agent delivers ---- */

static long storm_child(const char *path, double secs)
{
	double t0 = bench_now();
	long ops = 0;
	int i;

	while (bench_now() - t0 < secs) {
		for (i = 0; i < 64; i++) {
			int fd = open(path, O_RDONLY | O_CLOEXEC);

			if (fd >= 0)
				close(fd);
		}
		ops += 64;
	}
	return ops;
}

/* Runs the agent with a policy that audits every open under a storm
 * directory, hammers it from one process per CPU, and counts what the agent
 * wrote out and what it reported lost. */
int bench_storm(struct bench *b, struct bench_run *run)
{
	char dir[600], file[700], pol[700], tmpl[600], out[700], err_f[700];
	char prefix[620];
	const char *kv[] = {"PREFIX", prefix, NULL};
	int fds[2], i, err;
	pid_t agent, kids[64];
	double t0;
	long ops = 0;

	bench_fmt(dir, sizeof(dir), "%s/storm", b->work);
	bench_fmt(prefix, sizeof(prefix), "%s/", dir);
	bench_fmt(file, sizeof(file), "%s/target", dir);
	bench_fmt(tmpl, sizeof(tmpl), "%s/storm.yaml.in", b->o.bench_dir);
	bench_fmt(pol, sizeof(pol), "%s/storm.yaml", b->work);
	bench_fmt(out, sizeof(out), "%s/storm.jsonl", b->work);
	bench_fmt(err_f, sizeof(err_f), "%s/storm.err", b->work);
	err = bench_mkdirs(dir);
	if (!err)
		err = bench_write_file(file, "x\n", 2);
	if (!err)
		err = bench_subst_file(tmpl, pol, kv);
	if (err)
		return err;
	err = bench_agent_start(b, pol, out, err_f, &agent);
	if (err)
		return err;
	if (pipe2(fds, O_CLOEXEC)) {
		err = -errno;
		goto cleanup;
	}
	t0 = bench_now();
	for (i = 0; i < b->ncpu && i < 64; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			long n = storm_child(file, storm_secs(b));

			_exit(write(fds[1], &n, sizeof(n)) == sizeof(n) ? 0
									: 1);
		}
	}
	close(fds[1]);
	for (i = 0; i < b->ncpu && i < 64; i++) {
		long n = 0;

		if (kids[i] > 0 && read(fds[0], &n, sizeof(n)) == sizeof(n))
			ops += n;
	}
	close(fds[0]);
	for (i = 0; i < b->ncpu && i < 64; i++)
		if (kids[i] > 0)
			waitpid(kids[i], NULL, 0);
	run->storm_secs = bench_now() - t0;
	run->storm_ops = ops;
cleanup:
	bench_stop(agent, SIGTERM, 120, NULL, NULL);
	if (!err) {
		run->has_storm = true;
		bench_agent_count(out, "open", &run->storm_events,
				  &run->storm_lost);
	}
	unlink(out);
	return err;
}
