// SPDX-License-Identifier: GPL-2.0
/*
 * unpack workload (pts unpack-linux-1.2.0): tar -xf of the Linux source
 * tarball, decompressed once up front (the timing is file creation, not
 * xz), into a freshly made journaled ext4 on a loop device whose image is
 * in /dev/shm; seconds. The decompressed tarball is also zstd's input.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "bench_work.h"
#include "log.h"

#define UNPACK_IMG_BYTES (5ull << 30)

static const struct bench_metric_def metrics[] = {
    {"tar -xf", "s", false},
    {},
};

/* The Linux source tarball, decompressed once into the cache: unpack
 * measures file creation, not xz (see bench/README.md). */
int bench_prepare_tarball(struct bench *b, int wl)
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
	if (!bench_fresh(b->tar_path, src)) {
		log_info("decompressing %s once into %s (outside the timing)",
			 src, b->tar_path);
		bench_fmt(tmp, sizeof(tmp), "%s.tmp", b->tar_path);
		err = bench_sh(strstr(src, ".xz") ? "xz -dc \"$0\" > \"$1\""
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
	if (!bench_fresh(ent, b->tar_path))
		bench_sh("tar -tf \"$0\" | wc -l > \"$1\"", b->tar_path, ent,
			 300);
	return 0;
}

long bench_tar_entries(const struct bench *b)
{
	char ent[600], buf[64];

	bench_fmt(ent, sizeof(ent), "%s.entries", b->tar_path);
	return bench_read_file(ent, buf, sizeof(buf)) > 0 ? atol(buf) : 0;
}

static double est_secs(const struct bench *b)
{
	(void)b;
	return 9;
}

static int prepare(struct bench *b, int wl, const char *dir)
{
	static const char *const progs[] = {"tar", "mkfs.ext4", "xz", NULL};
	int err = bench_need(b, wl, progs);

	(void)dir;
	if (!err)
		err = bench_prepare_tarball(b, wl);
	if (!err)
		bench_fmt(b->wl_note[wl], sizeof(b->wl_note[wl]),
			  "tar -xf of %s (%ld entries), decompressed "
			  "once from %s: the measured time is file "
			  "creation, not xz (pts unpacks the .tar.xz); "
			  "into a freshly made journaled ext4 (mkfs "
			  "outside the timing) on a loop device backed "
			  "by a file in /dev/shm, so no disk I/O is "
			  "timed",
			  b->tar_path, bench_tar_entries(b), b->tar_src);
	return err;
}

static int start(struct bench *b, int wl, struct bench_wl_state *st)
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
	char out[1024] = "";
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

static int measure(struct bench *b, struct bench_wl_state *st,
		   struct bench_run *run, double *vals)
{
	(void)run;
	char *argv[] = {"tar", "-xf", b->tar_path, "-C", st->mnt, NULL};
	char out[2048];
	double t0 = bench_now();

	if (bench_run_logged(argv, out, sizeof(out), 1800))
		return -EIO;
	vals[0] = bench_now() - t0;
	return 0;
}

BENCH_WORKLOAD(unpack, .start = start);
