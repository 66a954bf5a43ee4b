/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the outputs of the bench share: one cell of the results table, a
 * metric in a configuration, summarized (bench_report.c: results.json and
 * results.csv; bench_md.c and bench_targets.c: report.md; bench_chart.c:
 * chart.svg).
 */
#ifndef RTG_BENCH_REPORT_H
#define RTG_BENCH_REPORT_H

#include <stdio.h>

#include "bench.h"
#include "bench_stats.h"

struct cell {
	struct bench_stats s; /* the samples */
	struct bench_stats d; /* change vs off, percent, paired per round */
	bool has;
};

void cell_get(const struct bench *b, const struct bench_metric *m, int conf,
	      struct cell *c);

/* The section "Targets" of report.md (bench_targets.c). */
void bench_md_targets(FILE *f, const struct bench *b);

#endif
