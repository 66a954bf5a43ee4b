// SPDX-License-Identifier: GPL-2.0
/* Statistics of the bench; see bench_stats.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench_stats.h"

#define LENTZ_TINY 1e-300

/* One step of the modified Lentz method: c and d updated with the
 * coefficient aa; returns the factor of the convergent, d * c. */
static double lentz_step(double aa, double *c, double *d)
{
	*d = 1.0 + aa * *d;
	if (fabs(*d) < LENTZ_TINY)
		*d = LENTZ_TINY;
	*c = 1.0 + aa / *c;
	if (fabs(*c) < LENTZ_TINY)
		*c = LENTZ_TINY;
	*d = 1.0 / *d;
	return *d * *c;
}

/* Continued fraction of the incomplete beta function (modified Lentz),
 * as in Numerical Recipes' betacf. */
static double betacf(double a, double b, double x)
{
	const double eps = 1e-15;
	double qab = a + b, qap = a + 1.0, qam = a - 1.0;
	double c = 1.0, d = 1.0 - qab * x / qap, h;
	int m;

	if (fabs(d) < LENTZ_TINY)
		d = LENTZ_TINY;
	d = 1.0 / d;
	h = d;
	for (m = 1; m <= 300; m++) {
		int m2 = 2 * m;
		double del;

		h *= lentz_step(m * (b - m) * x / ((qam + m2) * (a + m2)), &c,
				&d);
		del = lentz_step(
		    -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)), &c, &d);
		h *= del;
		if (fabs(del - 1.0) < eps)
			break;
	}
	return h;
}

double stats_betai(double a, double b, double x)
{
	double bt;

	if (x <= 0.0)
		return 0.0;
	if (x >= 1.0)
		return 1.0;
	bt = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) +
		 b * log1p(-x));
	if (x < (a + 1.0) / (a + b + 2.0))
		return bt * betacf(a, b, x) / a;
	return 1.0 - bt * betacf(b, a, 1.0 - x) / b;
}

double stats_t_cdf(double t, double df)
{
	double tail = 0.5 * stats_betai(df / 2.0, 0.5, df / (df + t * t));

	return t >= 0 ? 1.0 - tail : tail;
}

double stats_t_quantile(double p, double df)
{
	double lo = -1e6, hi = 1e6;
	int i;

	if (!(p > 0.0 && p < 1.0) || !(df > 0.0))
		return NAN;
	/* bisection on the monotonic CDF: 200 halvings of 2e6 are plenty */
	for (i = 0; i < 200; i++) {
		double mid = 0.5 * (lo + hi);

		if (stats_t_cdf(mid, df) < p)
			lo = mid;
		else
			hi = mid;
	}
	return 0.5 * (lo + hi);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int stats_summary(const double *v, int n, struct bench_stats *s)
{
	double *w = NULL, sum = 0, ss = 0;
	int i, k = 0;

	memset(s, 0, sizeof(*s));
	s->median = s->mean = s->ci_lo = s->ci_hi = NAN;
	if (n <= 0)
		return 0;
	w = malloc(sizeof(*w) * n);
	if (!w)
		return 0;
	for (i = 0; i < n; i++)
		if (!isnan(v[i]))
			w[k++] = v[i];
	s->n = k;
	if (!k)
		goto cleanup;
	qsort(w, k, sizeof(*w), cmp_double);
	s->median = k % 2 ? w[k / 2] : 0.5 * (w[k / 2 - 1] + w[k / 2]);
	for (i = 0; i < k; i++)
		sum += w[i];
	s->mean = sum / k;
	if (k >= 2) {
		double half;

		for (i = 0; i < k; i++)
			ss += (w[i] - s->mean) * (w[i] - s->mean);
		s->sd = sqrt(ss / (k - 1));
		half = stats_t_quantile(0.975, k - 1) * s->sd / sqrt(k);
		s->ci_lo = s->mean - half;
		s->ci_hi = s->mean + half;
	}
cleanup:
	free(w);
	return k;
}

int stats_paired_change(const double *x, const double *base, int n,
			struct bench_stats *s)
{
	double *d = NULL;
	int i, k;

	if (n <= 0) {
		return stats_summary(NULL, 0, s);
	}
	d = malloc(sizeof(*d) * n);
	if (!d)
		return stats_summary(NULL, 0, s);
	for (i = 0; i < n; i++)
		d[i] = (isnan(x[i]) || isnan(base[i]) || base[i] == 0)
			   ? NAN
			   : (x[i] / base[i] - 1.0) * 100.0;
	k = stats_summary(d, n, s);
	free(d);
	return k;
}

bool stats_within_noise(const struct bench_stats *s)
{
	if (s->n < 2 || isnan(s->ci_lo) || isnan(s->ci_hi))
		return true;
	return s->ci_lo <= 0.0 && s->ci_hi >= 0.0;
}

bool stats_pts_unstable(const struct bench_stats *s)
{
	if (s->n < 2 || !isfinite(s->mean) || s->mean == 0)
		return false;
	return s->sd >= 0.025 * fabs(s->mean);
}
