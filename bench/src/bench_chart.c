// SPDX-License-Identifier: GPL-2.0
/* chart.svg of the bench: grouped bars, off = 100 %, whiskers = 95 % CI. */
#include <errno.h>
#include <math.h>
#include <stdio.h>

#include "bench_report.h"

static const char *const conf_color[CONF_MAX] = {
    "#9e9e9e", "#4e79a7", "#59a14f", "#e15759", "#f28e2b"};

static void xml_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

int bench_write_chart(struct bench *b, const char *path)
{
	const int bw = 14, gap = 40, left = 70, top = 90, ph = 320, bottom = 80,
		  right = 30;
	int confs[CONF_MAX], nc = 0, ng = 0, i, c, k, width, height;
	int shown[BENCH_MAX_METRICS];
	double ymax = 125;
	FILE *f;

	for (c = 0; c < CONF_MAX; c++)
		if (b->conf_ok[c])
			confs[nc++] = c;
	/* scale: up to the largest whisker, capped at 200 % (taller bars
	 * are cut and labelled); only metrics `off` has (relative to it) */
	for (i = 0; i < b->nmetrics; i++) {
		struct cell off;

		cell_get(b, &b->metrics[i], CONF_OFF, &off);
		if (!off.has)
			continue;
		shown[ng++] = i;
		for (k = 0; k < nc; k++) {
			struct cell cl;
			double hi;

			cell_get(b, &b->metrics[i], confs[k], &cl);
			if (!cl.has)
				continue;
			hi = 100 + (isnan(cl.d.ci_hi)
					? cl.d.median
					: fmax(cl.d.ci_hi, cl.d.median));
			if (isfinite(hi) && hi > ymax)
				ymax = hi;
		}
	}
	ymax = fmin(200, ceil(ymax * 1.05 / 25) * 25);
	width = left + right + (ng ? ng : 1) * (nc * (bw + 2) + gap);
	if (width < 640)
		width = 640;
	height = top + ph + bottom;
	f = fopen(path, "we");
	if (!f)
		return -errno;
	fprintf(
	    f,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
	    "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" "
	    "font-size=\"11\">\n"
	    "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
	    width, height, width, height);
	fprintf(f,
		"<text x=\"%d\" y=\"22\" font-size=\"15\" "
		"font-weight=\"bold\">rtguard bench: each configuration "
		"relative to off = 100 %%</text>\n",
		left);
	fprintf(f, "<text x=\"%d\" y=\"40\" fill=\"#444\">", left);
	xml_text(f, b->m.date);
	fprintf(f, " · ");
	xml_text(f, b->m.cpu);
	fprintf(f, ", %d cores · kernel ", b->m.cores);
	xml_text(f, b->m.kernel);
	fprintf(f, "</text>\n");
	for (k = 0; k < nc; k++) {
		int x = left + k * 110;

		fprintf(f,
			"<rect x=\"%d\" y=\"52\" width=\"12\" height=\"12\" "
			"fill=\"%s\"/><text x=\"%d\" y=\"62\">%s</text>\n",
			x, conf_color[confs[k]], x + 16,
			bench_conf_name(confs[k]));
	}
	/* grid and y axis */
	for (i = 0; i <= (int)ymax; i += 25) {
		double y = top + ph - ph * i / ymax;

		fprintf(f,
			"<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
			"stroke=\"%s\" %s/>\n"
			"<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%d "
			"%%</text>\n",
			left, y, width - right, y, i == 100 ? "#333" : "#ddd",
			i == 100 ? "stroke-dasharray=\"4 3\"" : "", left - 6,
			y + 4, i);
	}
	fprintf(f,
		"<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
		"stroke=\"#333\"/>\n",
		left, top + ph, width - right, top + ph);
	for (i = 0; i < ng; i++) {
		const struct bench_metric *m = &b->metrics[shown[i]];
		int gx = left + gap / 2 + i * (nc * (bw + 2) + gap);
		double lx = gx + nc * (bw + 2) / 2.0;

		for (k = 0; k < nc; k++) {
			struct cell cl;
			double v, lo, hi, x = gx + k * (bw + 2), y, h;

			cell_get(b, m, confs[k], &cl);
			if (!cl.has)
				continue;
			if (confs[k] == CONF_OFF) {
				v = 100;
				lo = 100 * cl.s.ci_lo / cl.s.mean;
				hi = 100 * cl.s.ci_hi / cl.s.mean;
			} else {
				v = 100 + cl.d.median;
				lo = 100 + cl.d.ci_lo;
				hi = 100 + cl.d.ci_hi;
			}
			if (!isfinite(v))
				continue;
			h = ph * fmin(fmax(v, 0), ymax) / ymax;
			y = top + ph - h;
			fprintf(f,
				"<rect x=\"%.1f\" y=\"%.1f\" width=\"%d\" "
				"height=\"%.1f\" fill=\"%s\"><title>%s %s "
				"%s: %.1f %%</title></rect>\n",
				x, y, bw, h, conf_color[confs[k]],
				bench_wl_name(m->wl), m->name,
				bench_conf_name(confs[k]), v);
			if (v > ymax)
				fprintf(
				    f,
				    "<text x=\"%.1f\" y=\"%.1f\" "
				    "font-size=\"9\" text-anchor=\"middle\" "
				    "fill=\"#b00\">%.0f%%</text>\n",
				    x + bw / 2.0,
				    (double)top - 4 - 10 * (k % 2), v);
			if (isfinite(lo) && isfinite(hi)) {
				double y1 = top + ph -
					    ph * fmin(fmax(lo, 0), ymax) / ymax;
				double y2 = top + ph -
					    ph * fmin(fmax(hi, 0), ymax) / ymax;
				double cx = x + bw / 2.0;

				fprintf(f,
					"<path d=\"M%.1f %.1fV%.1fM%.1f "
					"%.1fh6M%.1f %.1fh6\" stroke=\"#000\" "
					"fill=\"none\"/>\n",
					cx, y1, y2, cx - 3, y1, cx - 3, y2);
			}
		}
		/* three short centred lines: workload, metric, direction */
		fprintf(f,
			"<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" "
			"font-size=\"10\"><tspan x=\"%.1f\" "
			"font-weight=\"bold\">",
			lx, top + ph + 16, lx);
		xml_text(f, bench_wl_name(m->wl));
		fprintf(f, "</tspan><tspan x=\"%.1f\" dy=\"13\">", lx);
		xml_text(f, m->name);
		fprintf(f,
			"</tspan><tspan x=\"%.1f\" dy=\"13\" "
			"fill=\"#666\">%s</tspan></text>\n",
			lx,
			m->higher_better ? "higher is better"
					 : "lower is better");
	}
	fprintf(f,
		"<text x=\"%d\" y=\"%d\" fill=\"#444\">bar: median of "
		"the per-round ratios to off; whisker: 95 %% CI of their "
		"mean; off: 95 %% CI of its own samples</text>\n",
		left, height - 12);
	fprintf(f, "</svg>\n");
	return fclose(f) ? -errno : 0;
}
