// SPDX-License-Identifier: GPL-2.0
/*
 * zstd workload (pts compress-zstd-1.6.0): zstd -b3 on the first 200 MiB
 * of the decompressed Linux tarball (silesia.tar is not packaged in
 * Debian), compression and decompression MB/s.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_work.h"
#include "log.h"

#define ZSTD_INPUT_BYTES (200ull << 20)

static const struct bench_metric_def metrics[] = {
    {"compress -b3", "MB/s", true},
    {"decompress", "MB/s", true},
    {},
};

static int zstd_iter(const struct bench *b)
{
	return b->o.quick ? 1 : 3;
}

static double est_secs(const struct bench *b)
{
	return 2 * zstd_iter(b) + 3;
}

static int prepare(struct bench *b, int wl, const char *dir)
{
	static const char *const progs[] = {"zstd", "xz", NULL};
	char path[700], a[64];
	int err = bench_need(b, wl, progs);

	(void)dir;
	if (!err)
		err = bench_prepare_tarball(b, wl);
	if (err)
		return err;
	bench_fmt(b->zstd_input, sizeof(b->zstd_input),
		  "%s/zstd-input-200M.tar", BENCH_CACHE_DIR);
	if (!bench_fresh(b->zstd_input, b->tar_path)) {
		bench_fmt(a, sizeof(a), "%llu", ZSTD_INPUT_BYTES);
		err = bench_sh("head -c \"$1\" \"$0\" > \"$0.zst-in\"",
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

static int measure(struct bench *b, struct bench_wl_state *st,
		   struct bench_run *run, double *vals)
{
	(void)run;
	char t[16], i[16];
	char *argv[] = {"zstd", t, "-b3", i, b->zstd_input, NULL};
	char *out = malloc(65536);
	int err;

	(void)st;
	if (!out)
		return -ENOMEM;
	bench_fmt(t, sizeof(t), "-T%d", b->ncpu);
	bench_fmt(i, sizeof(i), "-i%d", zstd_iter(b));
	err = bench_run_logged(argv, out, 65536, 600);
	if (!err && zstd_parse(out, &vals[0], &vals[1])) {
		log_warn("zstd: cannot parse: %.300s", out);
		err = -EIO;
	}
	free(out);
	return err;
}

BENCH_WORKLOAD(zstd);
