/*
 * mdx_chart.h - price charts: text for a terminal (Unicode braille for a
 * line, box-drawing and block characters for candles, ANSI colour on
 * request) and SVG for a report.  Pure functions over points in memory:
 * the result is a new string, nothing is printed.
 *
 * Points are equally spaced along the x axis (one per session, as trading
 * charts draw them: nights, weekends and holidays take no room); dates
 * label the axis at the first point of each year, quarter, month or day,
 * whichever gives a readable number of labels.
 */
#ifndef MDX_CHART_H
#define MDX_CHART_H

#include <stddef.h>
#include <stdint.h>

#include "mdx_err.h"

enum mdx_chart_type {
	MDX_CHART_LINE = 0, /* the closes joined by a line */
	MDX_CHART_CANDLE,   /* open-high-low-close candles */
};

/* "line" or "candle" to the enum; -1 otherwise. */
int mdx_chart_type_parse(const char *s);

/* Text sizes (columns, lines) and SVG sizes (pixels): defaults, limits. */
#define MDX_CHART_TEXT_WIDTH 80
#define MDX_CHART_TEXT_HEIGHT 20
#define MDX_CHART_TEXT_MIN_WIDTH 30
#define MDX_CHART_TEXT_MIN_HEIGHT 6
#define MDX_CHART_TEXT_MAX 1000
#define MDX_CHART_SVG_WIDTH 900
#define MDX_CHART_SVG_HEIGHT 420
#define MDX_CHART_SVG_MIN 200
#define MDX_CHART_SVG_MAX 10000

/* One point: a session's prices (open, high and low may equal close). */
struct mdx_chart_point {
	int32_t date;		       /* days since 1970-01-01 */
	double open, high, low, close; /* finite; low <= open, close <= high */
};

/* What to draw. */
struct mdx_chart_opts {
	int type;	    /* enum mdx_chart_type */
	int width, height;  /* the whole chart: columns and lines (text) or
			       pixels (SVG); 0 for the defaults above */
	int color;	    /* text: ANSI colours (SGR); the caller decides
			       (a terminal, NO_COLOR unset) */
	const char *title;  /* first line, e.g. "AAPL" (borrowed; NULL) */
	const char *detail; /* after the title, e.g. "daily close,
			       split-adjusted" (borrowed; NULL) */
	double change;	    /* shown beside the last close, a fraction;
			       NAN: the last close over the first, - 1 */
	int32_t from, to;   /* the dates in the title (a candle is dated
			       by its first session);
			       MDX_CHART_NO_DATE: the points' */
};

#define MDX_CHART_NO_DATE INT32_MIN /* from, to: not given */

/* Fill o with the defaults: a line, default size, no colour, no title,
 * change NAN, dates MDX_CHART_NO_DATE. */
void mdx_chart_opts_init(struct mdx_chart_opts *o);

/*
 * How many candles fit across a chart of o's size (text when svg is 0):
 * a caller with more points resamples them first (to weeks or months);
 * the chart functions merge consecutive points of any excess themselves.
 */
size_t mdx_chart_capacity(const struct mdx_chart_opts *o, int svg);

/*
 * The chart of points p (n >= 1, in date order; borrowed) as text lines
 * (UTF-8, each ending in "\n", every line at most o->width columns) or as
 * one SVG document.  *out gets a new NUL-terminated string (mdx_free it)
 * and *len its length.  Returns 0, or -1 with e set: MDX_EUSAGE (a size
 * out of its limits, an unknown type, n == 0), MDX_EINPUT (a price that is
 * not finite), MDX_ENOMEM.
 */
int mdx_chart_text(const struct mdx_chart_point *p, size_t n,
		   const struct mdx_chart_opts *o, char **out, size_t *len,
		   struct mdx_err *e);
int mdx_chart_svg(const struct mdx_chart_point *p, size_t n,
		  const struct mdx_chart_opts *o, char **out, size_t *len,
		  struct mdx_err *e);

#endif
