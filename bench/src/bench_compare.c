// SPDX-License-Identifier: GPL-2.0
/*
 * `rtguard bench compare A B`: the paired difference between two result
 * sets (e.g. before and after a change). Rows of the two results.csv files
 * are matched by workload, metric and configuration; round i of A is paired
 * with round i of B and the per-pair change (B / A - 1) is summarized with
 * the same statistics as the report.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "bench_stats.h"
#include "log.h"

struct cmp_row {
	char key[160]; /* workload,metric,unit,higher,config */
	double v[BENCH_MAX_ROUNDS];
	int n;
};

struct cmp_set {
	struct cmp_row *rows;
	int n, cap;
};

static struct cmp_row *cmp_find(struct cmp_set *s, const char *key, bool add)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->rows[i].key, key))
			return &s->rows[i];
	if (!add)
		return NULL;
	if (bench_grow(&s->rows, &s->cap, s->n, sizeof(s->rows[0])))
		return NULL;
	memset(&s->rows[s->n], 0, sizeof(s->rows[0]));
	snprintf(s->rows[s->n].key, sizeof(s->rows[0].key), "%s", key);
	for (i = 0; i < BENCH_MAX_ROUNDS; i++)
		s->rows[s->n].v[i] = NAN;
	return &s->rows[s->n++];
}

static int cmp_load(const char *dir, struct cmp_set *s)
{
	char path[600], line[512];
	FILE *f;
	int lineno = 0;

	snprintf(path, sizeof(path), "%s/results.csv", dir);
	f = fopen(path, "re");
	if (!f) {
		log_err("cannot open %s: %s", path, strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), f)) {
		char *fld[7], *p = line, key[160];
		struct cmp_row *r;
		int k, round;

		if (lineno++ == 0)
			continue; /* header */
		for (k = 0; k < 7 && p; k++) {
			fld[k] = p;
			p = strchr(p, ',');
			if (p)
				*p++ = '\0';
		}
		if (k < 7)
			continue;
		round = atoi(fld[5]);
		if (round < 1 || round > BENCH_MAX_ROUNDS)
			continue;
		snprintf(key, sizeof(key), "%s,%s,%s,%s,%s", fld[0], fld[1],
			 fld[2], fld[3], fld[4]);
		r = cmp_find(s, key, true);
		if (!r)
			break;
		r->v[round - 1] = strtod(fld[6], NULL);
		if (round > r->n)
			r->n = round;
	}
	fclose(f);
	return 0;
}

int bench_compare(const char *a, const char *b)
{
	struct cmp_set sa = {}, sb = {};
	int i, err, shown = 0;

	err = cmp_load(a, &sa);
	if (!err)
		err = cmp_load(b, &sb);
	if (err)
		goto cleanup;
	printf("# rtguard bench compare\n\nA = %s\nB = %s\n\n"
	       "Change = B / A - 1 per round (round i of A paired with round "
	       "i of B), summarized: median [95 %% CI of the mean]; ≈ = within "
	       "noise.\n\n"
	       "| workload | metric | config | n | A median | B median | "
	       "change %% | 95 %% CI | |\n"
	       "|---|---|---|---:|---:|---:|---:|---|---|\n",
	       a, b);
	for (i = 0; i < sa.n; i++) {
		struct cmp_row *ra = &sa.rows[i], *rb;
		char wl[32], metric[64], unit[16], conf[16], hb[4];
		struct bench_stats xa, xb, d;
		int n;

		rb = cmp_find(&sb, ra->key, false);
		if (!rb)
			continue;
		if (sscanf(ra->key, "%31[^,],%63[^,],%15[^,],%3[^,],%15s", wl,
			   metric, unit, hb, conf) != 5)
			continue;
		n = ra->n < rb->n ? ra->n : rb->n;
		stats_summary(ra->v, ra->n, &xa);
		stats_summary(rb->v, rb->n, &xb);
		stats_paired_change(rb->v, ra->v, n, &d);
		printf("| %s | %s (%s) | %s | %d | %.4g | %.4g | %+.2f | "
		       "[%+.2f, %+.2f] | %s |\n",
		       wl, metric, unit, conf, d.n, xa.median, xb.median,
		       d.median, d.ci_lo, d.ci_hi,
		       stats_within_noise(&d) ? "≈" : "");
		shown++;
	}
	if (!shown) {
		log_err("no metric in common between %s and %s", a, b);
		err = -ENOENT;
	}
cleanup:
	free(sa.rows);
	free(sb.rows);
	return err;
}
