/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the outputs of the bench share: one cell of the results table, a
 * metric in a configuration, summarized (bench_report.c: results.json and
 * results.csv; bench_md.c: report.md; bench_chart.c: chart.svg).
 */
#ifndef RTG_BENCH_REPORT_H
#define RTG_BENCH_REPORT_H

#include "bench.h"
#include "bench_stats.h"

struct cell {
	struct bench_stats s; /* the samples */
	struct bench_stats d; /* change vs off, percent, paired per round */
	bool has;
};

void cell_get(const struct bench *b, const struct bench_metric *m, int conf,
	      struct cell *c);

#endif
