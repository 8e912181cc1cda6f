/*
 * chart.c - price charts as terminal text and as SVG (mdx_chart.h).
 *
 * Text: a line is drawn on a canvas of braille dots (U+2800-U+28FF: a cell
 * is 2 dots wide and 4 high), segment by segment from one point to the
 * next (Bresenham), so that many points in a column show their range and
 * few points are joined.  Candles are drawn a column each at half-cell
 * resolution with box-drawing characters: a heavy line for the body and a
 * light one for the wick of a rising candle, blocks for the body of a
 * falling one, so that the two differ without colour too.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdx_alloc.h"
#include "mdx_chart.h"
#include "mdx_time.h"

#define SGR_RESET "\033[0m"
#define SGR_BOLD "\033[1m"
#define SGR_DIM "\033[90m"
#define SGR_UP "\033[32m"
#define SGR_DOWN "\033[31m"
#define SGR_LINE "\033[36m"

#define GUTTER_GUESS 10 /* text columns left of the plot, for capacity */
#define SVG_LEFT 64	/* SVG margins, px */
#define SVG_RIGHT 64
#define SVG_TOP 48
#define SVG_BOTTOM 34
#define SVG_CHAR_PX 6.6 /* width of a label character at 11 px */
#define SVG_CANDLE_PX 3 /* narrowest candle slot, px */

int
mdx_chart_type_parse(const char *s)
{
	if (s != NULL && strcmp(s, "line") == 0)
		return MDX_CHART_LINE;
	if (s != NULL && strcmp(s, "candle") == 0)
		return MDX_CHART_CANDLE;
	return -1;
}

void
mdx_chart_opts_init(struct mdx_chart_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->type = MDX_CHART_LINE;
	o->change = NAN;
	o->from = o->to = MDX_CHART_NO_DATE;
}

/* the dates of the title */
static void
title_dates(const struct mdx_chart_point *p, size_t n,
	    const struct mdx_chart_opts *o, char *d0, char *d1)
{
	mdx_date_format(o->from != MDX_CHART_NO_DATE ? o->from : p[0].date, d0);
	mdx_date_format(o->to != MDX_CHART_NO_DATE ? o->to : p[n - 1].date, d1);
}

/* ---- a growable string ---- */

struct cbuf {
	char *p;    /* owned, NUL-terminated */
	size_t len; /* bytes used */
	size_t cap; /* bytes allocated */
	int oom;    /* an append failed */
};

static void
cb_add(struct cbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t nc = b->cap ? b->cap : 1024;
		char *t;

		while (nc < b->len + n + 1)
			nc *= 2;
		if ((t = mdx_realloc(b->p, nc)) == NULL) {
			b->oom = 1;
			return;
		}
		b->p = t;
		b->cap = nc;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
cb_str(struct cbuf *b, const char *s)
{
	cb_add(b, s, strlen(s));
}

static void cb_printf(struct cbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
cb_printf(struct cbuf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	cb_add(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static void
cb_repeat(struct cbuf *b, const char *s, size_t times)
{
	while (times-- > 0)
		cb_str(b, s);
}

/* hand the text over: 0, or -1 with e set when an append failed */
static int
cb_finish(struct cbuf *b, char **out, size_t *len, struct mdx_err *e)
{
	if (b->oom || b->p == NULL) {
		mdx_free(b->p);
		return mdx_err_set(e, MDX_ENOMEM, "out of memory");
	}
	*out = b->p;
	*len = b->len;
	return 0;
}

/* columns of UTF-8 text: every character here is one column wide */
static size_t
text_cols(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

/* append UTF-8 text s cut to at most cols columns */
static void
cb_cut(struct cbuf *b, const char *s, size_t cols)
{
	size_t i = 0, c = 0;

	while (s[i] != '\0') {
		size_t j = i + 1;

		while (((unsigned char)s[j] & 0xC0) == 0x80)
			j++;
		if (c + 1 > cols)
			break;
		cb_add(b, s + i, j - i);
		c++;
		i = j;
	}
}

/* ---- what text and SVG share ---- */

/* the y range of the points and its ticks */
struct yscale {
	double lo, hi; /* the range drawn */
	double step;   /* between ticks */
	double first;  /* lowest tick */
	int nticks;    /* ticks */
	int decimals;  /* of a tick label */
	int price_dec; /* of a price in the title */
};

/* 1, 2 or 5 times a power of ten, near raw */
static double
nice_step(double raw)
{
	double p = pow(10, floor(log10(raw))), f = raw / p;

	if (f < 1.5)
		return p;
	if (f < 3)
		return 2 * p;
	if (f < 7)
		return 5 * p;
	return 10 * p;
}

static int
decimals_of(double step)
{
	int d = 0;

	while (d < 8) {
		double x = step * pow(10, d);

		if (fabs(x - round(x)) < 1e-6 * (x > 1 ? x : 1))
			break;
		d++;
	}
	return d;
}

static void
yscale_make(struct yscale *y, const struct mdx_chart_point *p, size_t n,
	    int line, int want_ticks)
{
	double lo = INFINITY, hi = -INFINITY, span;

	for (size_t i = 0; i < n; i++) {
		double l = line ? p[i].close : p[i].low;
		double h = line ? p[i].close : p[i].high;

		if (l < lo)
			lo = l;
		if (h > hi)
			hi = h;
	}
	if (!(hi - lo > 1e-9 * (fabs(hi) > 1 ? fabs(hi) : 1))) {
		double pad = fabs(hi) > 0 ? fabs(hi) * 0.01 : 1;

		lo -= pad;
		hi += pad;
	}
	y->lo = lo;
	y->hi = hi;
	span = hi - lo;
	y->step = nice_step(span / (want_ticks > 1 ? want_ticks : 2));
	y->first = ceil(lo / y->step) * y->step;
	y->nticks = 0;
	for (double t = y->first; t <= hi + 1e-9 * span; t += y->step)
		y->nticks++;
	y->decimals = decimals_of(y->step);
	y->price_dec = fabs(hi) >= 1 ? 2 : 4;
}

static double
yscale_tick(const struct yscale *y, int i)
{
	double t = y->first + i * y->step;

	return fabs(t) < y->step * 1e-9 ? 0 : t;
}

/* a date label unit: the key that changes at each boundary */
enum unit { U_DAY, U_WEEK, U_MONTH, U_QUARTER, U_YEAR, U_N };

static int32_t
unit_key(int32_t day, int unit)
{
	int y, m;

	mdx_civil_from_days(day, &y, &m, NULL);
	switch (unit) {
	case U_WEEK:
		return day - (mdx_weekday(day) + 6) % 7;
	case U_MONTH:
		return y * 12 + m - 1;
	case U_QUARTER:
		return y * 4 + (m - 1) / 3;
	case U_YEAR:
		return y;
	default:
		return day;
	}
}

/* the label of day for unit (buf of MDX_DATE_LEN) */
static const char *
unit_label(int32_t day, int unit, int32_t span, char *buf)
{
	char d[MDX_DATE_LEN];

	mdx_date_format(day, d);
	switch (unit) {
	case U_YEAR:
		snprintf(buf, MDX_DATE_LEN, "%.4s", d);
		break;
	case U_QUARTER:
	case U_MONTH:
		snprintf(buf, MDX_DATE_LEN, "%.7s", d);
		break;
	default:
		snprintf(buf, MDX_DATE_LEN, "%s", span < 300 ? d + 5 : d);
	}
	return buf;
}

/*
 * The points to label along an x axis room characters wide: the first
 * point and the first point of each day, week, month, quarter or year, in
 * the finest unit whose labels (each with gap characters after it) fit
 * and number at least two; every k-th year when even years are too many.
 * idx gets the points (at most n), *unit the unit; returns how many.
 */
static size_t
x_labels(const struct mdx_chart_point *p, size_t n, double room, int gap,
	 size_t *idx, int *unit)
{
	int32_t span = p[n - 1].date - p[0].date;
	size_t cnt = 0, fit = 1, i, k;
	char lab[MDX_DATE_LEN];

	for (int u = U_DAY; u < U_N; u++) {
		double lw = (double)strlen(unit_label(p[0].date, u, span, lab));

		fit = room > lw + gap ? (size_t)(room / (lw + gap)) : 1;
		cnt = 1;
		for (i = 1; i < n; i++)
			if (unit_key(p[i].date, u) !=
			    unit_key(p[i - 1].date, u))
				cnt++;
		*unit = u;
		if (cnt <= fit && (cnt >= 2 || u == U_YEAR))
			break;
	}
	k = (cnt + fit - 1) / fit; /* keep every k-th */
	cnt = 0;
	for (i = 0; i < n; i++) {
		int32_t key = unit_key(p[i].date, *unit);

		if (i > 0 && key == unit_key(p[i - 1].date, *unit))
			continue;
		if (k <= 1 || cnt == 0 ||
		    (key - unit_key(p[0].date, *unit)) % (int32_t)k == 0)
			idx[cnt++] = i;
	}
	return cnt;
}

/* merge consecutive points into at most cap candles; returns a new array
 * in *q of *nq points, or NULL (*q) when nothing needed merging */
static int
merge_points(const struct mdx_chart_point *p, size_t n, size_t cap,
	     struct mdx_chart_point **q, size_t *nq)
{
	size_t g, i, j;
	struct mdx_chart_point *m;

	*q = NULL;
	*nq = n;
	if (cap == 0 || n <= cap)
		return 0;
	g = (n + cap - 1) / cap;
	if ((m = mdx_calloc(n / g + 2, sizeof(*m))) == NULL)
		return -1;
	for (i = 0, j = 0; i < n; i += g, j++) {
		size_t end = i + g < n ? i + g : n;

		m[j] = p[i];
		for (size_t t = i + 1; t < end; t++) {
			if (p[t].high > m[j].high)
				m[j].high = p[t].high;
			if (p[t].low < m[j].low)
				m[j].low = p[t].low;
			m[j].close = p[t].close;
		}
	}
	*q = m;
	*nq = j;
	return 0;
}

/* check the arguments; fill *w and *h with the size */
static int
check(const struct mdx_chart_point *p, size_t n, const struct mdx_chart_opts *o,
      int svg, int *w, int *h, struct mdx_err *e)
{
	int minw = svg ? MDX_CHART_SVG_MIN : MDX_CHART_TEXT_MIN_WIDTH;
	int minh = svg ? MDX_CHART_SVG_MIN : MDX_CHART_TEXT_MIN_HEIGHT;
	int max = svg ? MDX_CHART_SVG_MAX : MDX_CHART_TEXT_MAX;

	if (o->type != MDX_CHART_LINE && o->type != MDX_CHART_CANDLE)
		return mdx_err_set(e, MDX_EUSAGE, "unknown chart type %d",
				   o->type);
	*w = o->width > 0 ? o->width
	     : svg	  ? MDX_CHART_SVG_WIDTH
			  : MDX_CHART_TEXT_WIDTH;
	*h = o->height > 0 ? o->height
	     : svg	   ? MDX_CHART_SVG_HEIGHT
			   : MDX_CHART_TEXT_HEIGHT;
	if (*w < minw || *w > max)
		return mdx_err_set(e, MDX_EUSAGE,
				   "chart width must be %d to %d %s", minw, max,
				   svg ? "pixels" : "columns");
	if (*h < minh || *h > max)
		return mdx_err_set(e, MDX_EUSAGE,
				   "chart height must be %d to %d %s", minh,
				   max, svg ? "pixels" : "lines");
	if (n == 0)
		return mdx_err_set(e, MDX_EUSAGE, "nothing to chart");
	for (size_t i = 0; i < n; i++)
		if (!isfinite(p[i].open) || !isfinite(p[i].high) ||
		    !isfinite(p[i].low) || !isfinite(p[i].close))
			return mdx_err_set(e, MDX_EINPUT,
					   "point %zu has a price that is not "
					   "a number",
					   i);
	return 0;
}

size_t
mdx_chart_capacity(const struct mdx_chart_opts *o, int svg)
{
	int w = o->width > 0 ? o->width
		: svg	     ? MDX_CHART_SVG_WIDTH
			     : MDX_CHART_TEXT_WIDTH;

	if (svg)
		return w > SVG_LEFT + SVG_RIGHT + SVG_CANDLE_PX
			       ? (size_t)((w - SVG_LEFT - SVG_RIGHT) /
					  SVG_CANDLE_PX)
			       : 1;
	return w > GUTTER_GUESS + 1 ? (size_t)(w - GUTTER_GUESS - 1) : 1;
}

/* the change shown: o->change, else last close / first close - 1 */
static double
change_of(const struct mdx_chart_point *p, size_t n,
	  const struct mdx_chart_opts *o)
{
	if (!isnan(o->change))
		return o->change;
	return p[n - 1].close / p[0].close - 1;
}

/* ---- text ---- */

/* the braille dot bit of (x % 2, y % 4), y counted from the top */
static unsigned char
braille_bit(int x, int y)
{
	static const unsigned char bits[2][4] = {{0x01, 0x02, 0x04, 0x40},
						 {0x08, 0x10, 0x20, 0x80}};

	return bits[x & 1][y & 3];
}

/* the UTF-8 of a braille cell with dots bits */
static void
cb_braille(struct cbuf *b, unsigned char bits)
{
	unsigned cp = 0x2800u + bits;
	char u[3] = {(char)(0xE0 | (cp >> 12)),
		     (char)(0x80 | ((cp >> 6) & 0x3F)),
		     (char)(0x80 | (cp & 0x3F))};

	cb_add(b, u, 3);
}

/* what a half cell of a candle column holds */
enum half { H_NONE, H_WICK, H_BODY };

/* the glyph of a candle cell: upper and lower half, rising or falling */
static const char *
candle_glyph(int up, int top, int bottom)
{
	/* [top][bottom] */
	static const char *const rise[3][3] = {
		{" ", "\u2577", "\u257B"},	/* none: ╷ ╻ */
		{"\u2575", "\u2502", "\u257D"}, /* wick: ╵ │ ╽ */
		{"\u2579", "\u257F", "\u2503"}, /* body: ╹ ╿ ┃ */
	};
	static const char *const fall[3][3] = {
		{" ", "\u2577", "\u2584"},	/* none: ╷ ▄ */
		{"\u2575", "\u2502", "\u2584"}, /* wick: ╵ │ ▄ */
		{"\u2580", "\u2580", "\u2588"}, /* body: ▀ ▀ █ */
	};

	return up ? rise[top][bottom] : fall[top][bottom];
}

/* a text chart being drawn */
struct tchart {
	const struct mdx_chart_point *p; /* the points (maybe merged) */
	size_t n;			 /* how many */
	int line;			 /* a line, else candles */
	int color;			 /* SGR codes */
	int rows, cols;			 /* plot size in cells */
	int gutter;			 /* columns left of the plot */
	struct yscale y;		 /* the y range and ticks */
	unsigned char *dots;		 /* line: rows x cols braille */
	int *tick_row;			 /* per tick: its row, -1 none */
};

/* the dot row (from the top, 0 .. rows*4-1) or half row of value v */
static int
t_ydot(const struct tchart *c, double v, int per)
{
	int total = c->rows * per;
	double f = (v - c->y.lo) / (c->y.hi - c->y.lo);
	int up = (int)lround(f * (total - 1));

	if (up < 0)
		up = 0;
	if (up > total - 1)
		up = total - 1;
	return total - 1 - up;
}

static void
t_dot(struct tchart *c, int x, int y)
{
	if (x < 0 || y < 0 || x >= c->cols * 2 || y >= c->rows * 4)
		return;
	c->dots[(y / 4) * c->cols + x / 2] |= braille_bit(x, y);
}

/* the dot column of point i */
static int
t_xdot(const struct tchart *c, size_t i)
{
	int xd = c->cols * 2;

	if (c->n == 1)
		return xd / 2;
	return (int)lround((double)i * (xd - 1) / (double)(c->n - 1));
}

/* the cell column of candle i */
static int
t_xcol(const struct tchart *c, size_t i)
{
	return (int)(((double)i + 0.5) * c->cols / (double)c->n);
}

static void
t_line(struct tchart *c)
{
	int x0 = t_xdot(c, 0), y0 = t_ydot(c, c->p[0].close, 4);

	t_dot(c, x0, y0);
	for (size_t i = 1; i < c->n; i++) {
		int x1 = t_xdot(c, i), y1 = t_ydot(c, c->p[i].close, 4);
		int dx = abs(x1 - x0), dy = -abs(y1 - y0);
		int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
		int err = dx + dy;

		for (;;) { /* Bresenham */
			int e2 = 2 * err;

			t_dot(c, x0, y0);
			if (x0 == x1 && y0 == y1)
				break;
			if (e2 >= dy) {
				err += dy;
				x0 += sx;
			}
			if (e2 <= dx) {
				err += dx;
				y0 += sy;
			}
		}
	}
}

/* the half (H_) of candle point q at half row hr, counted from the top */
static int
candle_half(const struct tchart *c, const struct mdx_chart_point *q, int hr)
{
	double bt = q->open > q->close ? q->open : q->close;
	double bb = q->open > q->close ? q->close : q->open;

	if (hr >= t_ydot(c, bt, 2) && hr <= t_ydot(c, bb, 2))
		return H_BODY;
	if (hr >= t_ydot(c, q->high, 2) && hr <= t_ydot(c, q->low, 2))
		return H_WICK;
	return H_NONE;
}

/* switch the colour from *cur to want (NULL: none) */
static void
t_color(struct cbuf *b, const struct tchart *c, const char **cur,
	const char *want)
{
	if (!c->color || *cur == want)
		return;
	if (*cur != NULL)
		cb_str(b, SGR_RESET);
	if (want != NULL)
		cb_str(b, want);
	*cur = want;
}

/* the plot row r: the y label or blank, the axis, the cells */
static void
t_row(struct cbuf *b, struct tchart *c, int r, int *col_of)
{
	const char *cur = NULL;
	char lab[64] = "";
	int i, t;

	for (t = 0; t < c->y.nticks; t++)
		if (c->tick_row[t] == r)
			snprintf(lab, sizeof(lab), "%.*f", c->y.decimals,
				 yscale_tick(&c->y, t));
	t_color(b, c, &cur, SGR_DIM);
	cb_repeat(b, " ", (size_t)(c->gutter - 2) - strlen(lab));
	cb_str(b, lab);
	cb_str(b, lab[0] ? " \u2524" : " \u2502"); /* ┤ │ */
	if (c->line) {
		int last = c->cols;

		while (last > 0 && c->dots[r * c->cols + last - 1] == 0)
			last--;
		for (i = 0; i < last; i++) {
			unsigned char d = c->dots[r * c->cols + i];

			t_color(b, c, &cur, d ? SGR_LINE : cur);
			if (d)
				cb_braille(b, d);
			else
				cb_str(b, " ");
		}
	} else {
		int pos = 0;

		for (size_t k = 0; k < c->n; k++) {
			const struct mdx_chart_point *q = &c->p[k];
			int top = candle_half(c, q, 2 * r);
			int bot = candle_half(c, q, 2 * r + 1);
			int up = q->close >= q->open;

			if (top == H_NONE && bot == H_NONE)
				continue;
			if (col_of[k] > pos)
				cb_repeat(b, " ", (size_t)(col_of[k] - pos));
			t_color(b, c, &cur, up ? SGR_UP : SGR_DOWN);
			cb_str(b, candle_glyph(up, top, bot));
			pos = col_of[k] + 1;
		}
	}
	t_color(b, c, &cur, NULL);
	cb_str(b, "\n");
}

/*
 * The title line: the name, the detail and the dates on the left, the
 * last close and the change on the right.  What does not fit goes, the
 * detail first, then the dates; the name is cut last.
 */
static void
title_line(struct cbuf *b, const struct mdx_chart_point *p, size_t n,
	   const struct mdx_chart_opts *o, int width, int color, int dec)
{
	char d0[MDX_DATE_LEN], d1[MDX_DATE_LEN], dates[64], right[96];
	const char *name = o->title ? o->title : "";
	const char *detail = o->detail ? o->detail : "";
	double ch = change_of(p, n, o);
	size_t w = (size_t)width, rw, room, used;

	title_dates(p, n, o, d0, d1);
	snprintf(dates, sizeof(dates), "  %s \u2013 %s", d0, d1);
	snprintf(right, sizeof(right), "%.*f  %+.2f%%", dec, p[n - 1].close,
		 ch * 100);
	rw = text_cols(right);
	room = w >= rw + 2 ? w - rw - 2 : w;
	used = text_cols(name) < room ? text_cols(name) : room;
	if (*detail && used + 2 + text_cols(detail) + text_cols(dates) > room)
		detail = "";
	if (used + text_cols(dates) > room)
		dates[0] = '\0';
	if (color)
		cb_str(b, SGR_BOLD);
	cb_cut(b, name, room);
	if (color)
		cb_str(b, SGR_RESET);
	if (color && (*detail || dates[0]))
		cb_str(b, SGR_DIM);
	if (*detail) {
		cb_str(b, "  ");
		cb_str(b, detail);
		used += 2 + text_cols(detail);
	}
	cb_str(b, dates);
	used += text_cols(dates);
	if (color && (*detail || dates[0]))
		cb_str(b, SGR_RESET);
	if (w >= rw + 2) {
		cb_repeat(b, " ", w - rw - used);
		if (color)
			cb_str(b, ch >= 0 ? SGR_UP : SGR_DOWN);
		cb_str(b, right);
		if (color)
			cb_str(b, SGR_RESET);
	}
	cb_str(b, "\n");
}

/* the x axis and the date labels under it */
static int
t_xaxis(struct cbuf *b, struct tchart *c, const int *col_of)
{
	size_t *idx = mdx_calloc(c->n + 1, sizeof(*idx)), nl, i;
	char *axis = NULL, lab[MDX_DATE_LEN];
	int32_t span = c->p[c->n - 1].date - c->p[0].date;
	int unit = U_YEAR, pos = 0, last_end = -1;
	struct cbuf labels = {0};

	if (idx == NULL)
		return -1;
	/* a label takes its width and two spaces */
	nl = x_labels(c->p, c->n, c->cols, 2, idx, &unit);
	if ((axis = mdx_calloc((size_t)c->cols + 1, 1)) == NULL) {
		mdx_free(idx);
		return -1;
	}
	cb_repeat(&labels, " ", (size_t)c->gutter);
	for (i = 0; i < nl; i++) {
		int x = col_of[idx[i]];
		size_t lw;

		unit_label(c->p[idx[i]].date, unit, span, lab);
		lw = strlen(lab);
		if (x <= last_end || x + (int)lw > c->cols)
			continue;
		axis[x] = 1;
		cb_repeat(&labels, " ", (size_t)(x - pos));
		cb_str(&labels, lab);
		pos = x + (int)lw;
		last_end = pos + 1;
	}
	if (c->color)
		cb_str(b, SGR_DIM);
	cb_repeat(b, " ", (size_t)c->gutter - 1);
	cb_str(b, "\u2514"); /* └ */
	for (i = 0; i < (size_t)c->cols; i++)
		cb_str(b, axis[i] ? "\u252C" : "\u2500"); /* ┬ ─ */
	if (c->color)
		cb_str(b, SGR_RESET);
	cb_str(b, "\n");
	if (c->color)
		cb_str(b, SGR_DIM);
	cb_str(b, labels.p ? labels.p : "");
	if (c->color)
		cb_str(b, SGR_RESET);
	cb_str(b, "\n");
	if (labels.oom)
		b->oom = 1;
	mdx_free(labels.p);
	mdx_free(axis);
	mdx_free(idx);
	return 0;
}

int
mdx_chart_text(const struct mdx_chart_point *p, size_t n,
	       const struct mdx_chart_opts *o, char **out, size_t *len,
	       struct mdx_err *e)
{
	struct mdx_chart_point *merged = NULL;
	struct tchart c;
	struct cbuf b = {0};
	int w, h, *col_of = NULL, ret = -1, labw = 0;
	size_t i;

	*out = NULL;
	*len = 0;
	if (check(p, n, o, 0, &w, &h, e))
		return -1;
	memset(&c, 0, sizeof(c));
	c.line = o->type == MDX_CHART_LINE;
	c.color = o->color;
	c.rows = h - 3;
	yscale_make(&c.y, p, n, c.line, c.rows / 3);
	for (int t = 0; t < c.y.nticks; t++) {
		char lab[64];
		int l = snprintf(lab, sizeof(lab), "%.*f", c.y.decimals,
				 yscale_tick(&c.y, t));

		if (l > labw)
			labw = l;
	}
	c.gutter = labw + 2;
	c.cols = w - c.gutter;
	if (c.cols < 8) {
		mdx_err_set(e, MDX_EUSAGE, "chart too narrow for its labels");
		goto out;
	}
	if (!c.line) {
		if (merge_points(p, n, (size_t)c.cols, &merged, &n))
			goto nomem;
		if (merged != NULL)
			yscale_make(&c.y, merged, n, 0, c.rows / 3);
	}
	c.p = merged ? merged : p;
	c.n = n;
	c.dots = mdx_calloc((size_t)c.rows * (size_t)c.cols + 1, 1);
	c.tick_row = mdx_calloc((size_t)c.y.nticks + 1, sizeof(*c.tick_row));
	col_of = mdx_calloc(n + 1, sizeof(*col_of));
	if (c.dots == NULL || c.tick_row == NULL || col_of == NULL)
		goto nomem;
	for (int t = 0, prev = -1; t < c.y.nticks; t++) {
		int r = c.line ? t_ydot(&c, yscale_tick(&c.y, t), 4) / 4
			       : t_ydot(&c, yscale_tick(&c.y, t), 2) / 2;

		c.tick_row[t] = r == prev ? -1 : r;
		prev = r;
	}
	for (i = 0; i < n; i++)
		col_of[i] = c.line ? t_xdot(&c, i) / 2 : t_xcol(&c, i);
	if (c.line)
		t_line(&c);
	title_line(&b, c.p, n, o, w, c.color, c.y.price_dec);
	for (int r = 0; r < c.rows; r++)
		t_row(&b, &c, r, col_of);
	if (t_xaxis(&b, &c, col_of))
		goto nomem;
	ret = cb_finish(&b, out, len, e);
	b.p = NULL;
	goto out;
nomem:
	mdx_err_set(e, MDX_ENOMEM, "out of memory");
out:
	mdx_free(b.p);
	mdx_free(merged);
	mdx_free(c.dots);
	mdx_free(c.tick_row);
	mdx_free(col_of);
	return ret;
}

/* ---- SVG ---- */

/* XML text of s */
static void
cb_xml(struct cbuf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			cb_str(b, "&amp;");
			break;
		case '<':
			cb_str(b, "&lt;");
			break;
		case '>':
			cb_str(b, "&gt;");
			break;
		case '"':
			cb_str(b, "&quot;");
			break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\t')
				cb_add(b, s, 1);
		}
	}
}

#define SVG_FONT                                                               \
	"font-family=\"system-ui, -apple-system, 'Segoe UI', Helvetica, "      \
	"Arial, sans-serif\""
#define SVG_UP_COLOR "#16a34a"
#define SVG_DOWN_COLOR "#dc2626"
#define SVG_LINE_COLOR "#2563eb"

int
mdx_chart_svg(const struct mdx_chart_point *p, size_t n,
	      const struct mdx_chart_opts *o, char **out, size_t *len,
	      struct mdx_err *e)
{
	struct mdx_chart_point *merged = NULL;
	struct cbuf b = {0};
	struct yscale y;
	size_t *idx = NULL, nl, i;
	char d0[MDX_DATE_LEN], d1[MDX_DATE_LEN], lab[MDX_DATE_LEN];
	double pw, ph, ch, slot, x, last_end = -1e9;
	int w, h, line, unit = U_YEAR, ret = -1;
	int32_t span;

	*out = NULL;
	*len = 0;
	if (check(p, n, o, 1, &w, &h, e))
		return -1;
	line = o->type == MDX_CHART_LINE;
	pw = w - SVG_LEFT - SVG_RIGHT;
	ph = h - SVG_TOP - SVG_BOTTOM;
	if (pw < 50 || ph < 50)
		return mdx_err_set(e, MDX_EUSAGE, "chart too small");
	ch = change_of(p, n, o);
	if (!line &&
	    merge_points(p, n, (size_t)(pw / SVG_CANDLE_PX), &merged, &n))
		goto nomem;
	if (merged != NULL)
		p = merged;
	yscale_make(&y, p, n, line, (int)(ph / 50));
	slot = pw / (double)n;

#define X_AT(i)                                                                \
	(line ? (n == 1 ? SVG_LEFT + pw / 2                                    \
			: SVG_LEFT + (double)(i)*pw / (double)(n - 1))         \
	      : SVG_LEFT + ((double)(i) + 0.5) * slot)
#define Y_AT(v) (SVG_TOP + (y.hi - (v)) / (y.hi - y.lo) * ph)

	cb_printf(&b,
		  "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
		  "height=\"%d\" viewBox=\"0 0 %d %d\" " SVG_FONT ">\n",
		  w, h, w, h);
	cb_str(&b, "<title>");
	cb_xml(&b, o->title ? o->title : "chart");
	if (o->detail) {
		cb_str(&b, " ");
		cb_xml(&b, o->detail);
	}
	cb_str(&b, "</title>\n");
	cb_printf(&b, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
		  w, h);
	/* title, detail and dates; last and change on the right */
	title_dates(p, n, o, d0, d1);
	cb_printf(&b,
		  "<text x=\"%d\" y=\"22\" font-size=\"16\" "
		  "font-weight=\"600\" fill=\"#111827\">",
		  SVG_LEFT);
	cb_xml(&b, o->title ? o->title : "");
	cb_str(&b, "<tspan dx=\"10\" font-size=\"12\" font-weight=\"400\" "
		   "fill=\"#6b7280\">");
	if (o->detail) {
		cb_xml(&b, o->detail);
		cb_str(&b, " \xC2\xB7 ");
	}
	cb_printf(&b, "%s \u2013 %s</tspan></text>\n", d0, d1);
	cb_printf(&b,
		  "<text x=\"%d\" y=\"22\" font-size=\"14\" "
		  "text-anchor=\"end\" fill=\"#111827\">%.*f"
		  "<tspan dx=\"8\" fill=\"%s\">%+.2f%%</tspan></text>\n",
		  w - SVG_RIGHT, y.price_dec, p[n - 1].close,
		  ch >= 0 ? SVG_UP_COLOR : SVG_DOWN_COLOR, ch * 100);

	/* grid and y labels */
	for (int t = 0; t < y.nticks; t++) {
		double v = yscale_tick(&y, t), yy = Y_AT(v);

		cb_printf(&b,
			  "<line x1=\"%d\" x2=\"%.1f\" y1=\"%.1f\" "
			  "y2=\"%.1f\" stroke=\"#e5e7eb\"/>\n",
			  SVG_LEFT, SVG_LEFT + pw, yy, yy);
		cb_printf(&b,
			  "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" "
			  "text-anchor=\"end\" dominant-baseline=\"middle\" "
			  "fill=\"#6b7280\">%.*f</text>\n",
			  SVG_LEFT - 8, yy, y.decimals, v);
	}
	/* x axis, ticks and date labels */
	cb_printf(&b,
		  "<line x1=\"%d\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
		  "stroke=\"#9ca3af\"/>\n",
		  SVG_LEFT, SVG_LEFT + pw, SVG_TOP + ph, SVG_TOP + ph);
	if ((idx = mdx_calloc(n + 1, sizeof(*idx))) == NULL)
		goto nomem;
	span = p[n - 1].date - p[0].date;
	nl = x_labels(p, n, pw / SVG_CHAR_PX, 3, idx, &unit);
	for (i = 0; i < nl; i++) {
		double lw;

		unit_label(p[idx[i]].date, unit, span, lab);
		lw = SVG_CHAR_PX * (double)strlen(lab);
		x = X_AT(idx[i]);
		if (x < last_end || x + lw > SVG_LEFT + pw + SVG_RIGHT)
			continue;
		last_end = x + lw + SVG_CHAR_PX * 2;
		cb_printf(&b,
			  "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" "
			  "y2=\"%.1f\" stroke=\"#9ca3af\"/>\n",
			  x, x, SVG_TOP + ph, SVG_TOP + ph + 5);
		cb_printf(&b,
			  "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" "
			  "fill=\"#6b7280\">%s</text>\n",
			  x + 2, SVG_TOP + ph + 18, lab);
	}

	if (line) {
		/* the area under the line, then the line */
		cb_printf(&b, "<path fill=\"%s\" fill-opacity=\"0.08\" d=\"M",
			  SVG_LINE_COLOR);
		for (i = 0; i < n; i++)
			cb_printf(&b, "%s%.2f %.2f", i ? " L" : "", X_AT(i),
				  Y_AT(p[i].close));
		cb_printf(&b, " L%.2f %.2f L%.2f %.2f Z\"/>\n", X_AT(n - 1),
			  SVG_TOP + ph, X_AT(0), SVG_TOP + ph);
		cb_printf(&b,
			  "<path fill=\"none\" stroke=\"%s\" "
			  "stroke-width=\"1.5\" stroke-linejoin=\"round\" "
			  "d=\"M",
			  SVG_LINE_COLOR);
		for (i = 0; i < n; i++)
			cb_printf(&b, "%s%.2f %.2f", i ? " L" : "", X_AT(i),
				  Y_AT(p[i].close));
		cb_str(&b, "\"/>\n");
		cb_printf(&b,
			  "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"3\" "
			  "fill=\"%s\"/>\n",
			  X_AT(n - 1), Y_AT(p[n - 1].close), SVG_LINE_COLOR);
	} else {
		double bw = slot * 0.7 > 1 ? slot * 0.7 : 1;

		for (i = 0; i < n; i++) {
			const struct mdx_chart_point *q = &p[i];
			const char *col = q->close >= q->open ? SVG_UP_COLOR
							      : SVG_DOWN_COLOR;
			double top =
				Y_AT(q->open > q->close ? q->open : q->close);
			double bot =
				Y_AT(q->open > q->close ? q->close : q->open);

			x = X_AT(i);
			cb_printf(&b,
				  "<line x1=\"%.2f\" x2=\"%.2f\" y1=\"%.2f\" "
				  "y2=\"%.2f\" stroke=\"%s\"/>\n",
				  x, x, Y_AT(q->high), Y_AT(q->low), col);
			cb_printf(&b,
				  "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
				  "height=\"%.2f\" fill=\"%s\"/>\n",
				  x - bw / 2, top, bw,
				  bot - top > 1 ? bot - top : 1, col);
		}
	}
	/* the last close beside the plot */
	cb_printf(&b,
		  "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" "
		  "dominant-baseline=\"middle\" fill=\"%s\">%.*f</text>\n",
		  SVG_LEFT + pw + 6, Y_AT(p[n - 1].close),
		  line				    ? SVG_LINE_COLOR
		  : p[n - 1].close >= p[n - 1].open ? SVG_UP_COLOR
						    : SVG_DOWN_COLOR,
		  y.price_dec, p[n - 1].close);
	cb_str(&b, "</svg>\n");
#undef X_AT
#undef Y_AT
	ret = cb_finish(&b, out, len, e);
	b.p = NULL;
	goto out;
nomem:
	mdx_err_set(e, MDX_ENOMEM, "out of memory");
out:
	mdx_free(b.p);
	mdx_free(idx);
	mdx_free(merged);
	return ret;
}
