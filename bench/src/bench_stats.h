/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Statistics of the bench: summary of a sample (n, median, mean, sample
 * standard deviation, 95 % confidence interval of the mean from Student's t)
 * and the paired change of a configuration against a baseline, computed per
 * round and then summarized the same way. Missing samples are NAN and skipped
 * (pairs are skipped when either side is missing).
 */
#ifndef RTG_BENCH_STATS_H
#define RTG_BENCH_STATS_H

#include <stdbool.h>

struct bench_stats {
	int n;
	double median;
	double mean;
	double sd; /* sample standard deviation (n - 1); 0 when n < 2 */
	double ci_lo, ci_hi; /* 95 % CI of the mean; NAN when n < 2 */
};

/* Student's t quantile: P(T <= t) = p with df degrees of freedom. */
double stats_t_quantile(double p, double df);
/* Regularized incomplete beta I_x(a, b) (used by the t distribution). */
double stats_betai(double a, double b, double x);
/* CDF of Student's t. */
double stats_t_cdf(double t, double df);

/* Summary of v[0..n) ignoring NAN. Returns the number of samples used. */
int stats_summary(const double *v, int n, struct bench_stats *s);

/* Per-pair change in percent, (x[i] / base[i] - 1) * 100, summarized. */
int stats_paired_change(const double *x, const double *base, int n,
			struct bench_stats *s);

/* The CI includes 0 (or cannot be computed): the change is within noise. */
bool stats_within_noise(const struct bench_stats *s);

/* The pts rule: more rounds wanted while stddev >= 2.5 % of the mean. */
bool stats_pts_unstable(const struct bench_stats *s);

#endif
