/*
 * test_stats.c - lib/stats.c against values computed independently by
 * tests/fixtures/stats/compute.py (python3, standard library) from real
 * data: the Kaggle S&P 500 five-year file (AAPL, DHR), a Yahoo download
 * with Adj Close, Alpha Vantage's daily adjusted AAPL series across its
 * splits and Alpha Vantage MSFT minute bars; and the index on a universe
 * small enough to check by hand (tests/fixtures/stats/README.md).  Edge
 * cases are checked against values that follow from the definitions.
 *
 * Run from the top of the tree (tests/run.sh does): fixtures are read
 * from tests/fixtures/.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "mdx_alloc.h"
#include "mdx_calendar.h"
#include "mdx_record.h"
#include "mdx_stats.h"
#include "mdx_time.h"
#include "t.h"

#define FIX "tests/fixtures/"
#define SFIX FIX "stats/"
#define EXP SFIX "expected/"
#define NY "America/New_York"

static int32_t
D(const char *s)
{
	int32_t day = INT32_MIN;
	struct mdx_err e;

	if (mdx_date_parse(s, &day, &e))
		T_FAILMSG("bad date in test: %s", s);
	return day;
}

/*
 * The tolerance of every comparison with compute.py: 1e-9 relative, or
 * 1e-14 absolute for figures at or near zero (a daily return of a few
 * 1e-7 differs by rounding alone more than 1e-9 of itself).
 */
static int
near(double a, double b)
{
	double d = fabs(a - b);

	return d <= 1e-9 * fabs(b) || d <= 1e-14;
}

/* ------------------------------------------------------------ readers */

/* a file's lines split into whitespace-separated words */
struct xline {
	char *buf;   /* the line (owned) */
	char *w[12]; /* words, pointing into buf */
	int n;	     /* words */
	int lineno;  /* 1-based line number */
};

static void
xfree(struct xline *x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(x[i].buf);
	free(x);
}

/* the non-comment, non-blank lines of path, or NULL (a failure) */
static struct xline *
xread(const char *path, size_t *n)
{
	FILE *fp = fopen(path, "r");
	struct xline *x = NULL;
	size_t cap = 0;
	char line[4096];
	int lineno = 0;

	*n = 0;
	if (fp == NULL) {
		T_FAILMSG("%s: %s", path, strerror(errno));
		return NULL;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		struct xline *l;
		char *p, *save = NULL;

		lineno++;
		if (line[0] == '#' || line[strspn(line, " \t\r\n")] == '\0')
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 256;
			x = realloc(x, cap * sizeof(*x));
			if (x == NULL)
				abort();
		}
		l = &x[(*n)++];
		l->buf = strdup(line);
		l->n = 0;
		l->lineno = lineno;
		for (p = strtok_r(l->buf, " \t\r\n", &save); p && l->n < 12;
		     p = strtok_r(NULL, " \t\r\n", &save))
			l->w[l->n++] = p;
	}
	fclose(fp);
	return x;
}

static double
xnum(const char *s)
{
	char *end;
	double v;

	if (strcmp(s, "null") == 0)
		return NAN;
	v = strtod(s, &end);
	if (*end != '\0')
		T_FAILMSG("not a number in expected file: %s", s);
	return v;
}

static int32_t
xdate(const char *s)
{
	return strcmp(s, "null") == 0 ? MDX_STATS_NO_DATE : D(s);
}

/* compare a figure with an expected word ("null" means NAN) */
static int
check_num(const char *what, const char *field, double got, const char *want)
{
	double w = xnum(want);

	if (isnan(w) ? isnan(got) : near(got, w))
		return 1;
	T_FAILMSG("%s %s: got %.17g, want %s", what, field, got, want);
	return 0;
}

static int
check_date(const char *what, const char *field, int32_t got, const char *want)
{
	char buf[MDX_DATE_LEN];

	if (got == xdate(want))
		return 1;
	T_FAILMSG("%s %s: got %s, want %s", what, field,
		  got == MDX_STATS_NO_DATE ? "null" : mdx_date_format(got, buf),
		  want);
	return 0;
}

/* a CSV cell: 1 with *v when a number, 0 when empty or "null" */
static int
cell(const char *s, double *v)
{
	char *end;

	if (*s == '\0' || strcmp(s, "null") == 0)
		return 0;
	*v = strtod(s, &end);
	if (*end != '\0')
		T_FAILMSG("bad number in CSV: '%s'", s);
	return 1;
}

static int
bar_ts_cmp(const void *a, const void *b)
{
	const struct mdx_bar *x = a, *y = b;

	return (x->ts > y->ts) - (x->ts < y->ts);
}

/* What to read from a CSV file. */
struct csvsel {
	const char *symbol; /* Name column must equal it, or NULL */
	int32_t from, to;   /* dates kept, inclusive */
	int adj;	    /* keep the adjusted close column */
	int intraday;	    /* "time" is "YYYY-MM-DD HH:MM:SS" New York */
};

/*
 * The bars of a CSV file (header-driven, comma-separated, CRLF or LF,
 * newest or oldest first), sorted by ts; *n gets the count.
 */
static struct mdx_bar *
read_csv(const char *path, const struct csvsel *s, size_t *n)
{
	enum {
		C_DATE,
		C_OPEN,
		C_HIGH,
		C_LOW,
		C_CLOSE,
		C_ADJ,
		C_VOL,
		C_NAME,
		C_N
	};
	static const char *const names[C_N][2] = {
		{"date", "timestamp"}, {"open", NULL},
		{"high", NULL},	       {"low", NULL},
		{"close", NULL},       {"adj close", "adjusted_close"},
		{"volume", NULL},      {"name", NULL},
	};
	int col[C_N];
	FILE *fp = fopen(path, "r");
	struct mdx_bar *bars = NULL;
	size_t cap = 0;
	char line[1024], *f[16];
	int nf, first = 1;

	*n = 0;
	if (fp == NULL) {
		T_FAILMSG("%s: %s", path, strerror(errno));
		return NULL;
	}
	for (int i = 0; i < C_N; i++)
		col[i] = -1;
	while (fgets(line, sizeof(line), fp) != NULL) {
		struct mdx_bar b;
		struct mdx_err e;
		double v;
		char *p = line;

		line[strcspn(line, "\r\n")] = '\0';
		for (nf = 0; nf < 16;) {
			f[nf++] = p;
			p = strchr(p, ',');
			if (p == NULL)
				break;
			*p++ = '\0';
		}
		if (first) {
			for (int i = 0; i < nf; i++)
				for (int c = 0; c < C_N; c++)
					for (int k = 0; k < 2; k++)
						if (names[c][k] &&
						    strcasecmp(f[i],
							       names[c][k]) ==
							    0)
							col[c] = i;
			if (s->intraday)
				for (int i = 0; i < nf; i++)
					if (strcasecmp(f[i], "time") == 0)
						col[C_DATE] = i;
			first = 0;
			continue;
		}
		if (s->symbol &&
		    (col[C_NAME] < 0 || strcmp(f[col[C_NAME]], s->symbol) != 0))
			continue;
		memset(&b, 0, sizeof(b));
		snprintf(b.symbol, sizeof(b.symbol), "%s",
			 s->symbol ? s->symbol : "T");
		if (s->intraday) {
			int y, mo, d, h, mi, sec;
			enum mdx_cal_phase ph;

			if (sscanf(f[col[C_DATE]], "%d-%d-%d %d:%d:%d", &y, &mo,
				   &d, &h, &mi, &sec) != 6 ||
			    mdx_tz_local_to_utc(NY, y, mo, d, h, mi, sec,
						MDX_FOLD_EARLIER, &b.ts, &e) ||
			    mdx_cal_classify(b.ts, &ph, &b.date, &e)) {
				T_FAILMSG("%s: bad time %s", path,
					  f[col[C_DATE]]);
				continue;
			}
			b.interval = MDX_I1M;
			snprintf(b.session, sizeof(b.session), "%s",
				 mdx_cal_phase_name(ph));
		} else {
			char d10[MDX_DATE_LEN];

			snprintf(d10, sizeof(d10), "%s", f[col[C_DATE]]);
			b.date = D(d10);
			if (b.date < s->from || b.date > s->to)
				continue;
			if (mdx_tz_day_start(NY, b.date, &b.ts, &e))
				T_FAILMSG("day start of %s", d10);
			b.interval = MDX_I1D;
		}
		if (cell(f[col[C_OPEN]], &v))
			b.open = v, b.has |= MDX_HAS_OPEN;
		if (cell(f[col[C_HIGH]], &v))
			b.high = v, b.has |= MDX_HAS_HIGH;
		if (cell(f[col[C_LOW]], &v))
			b.low = v, b.has |= MDX_HAS_LOW;
		if (!cell(f[col[C_CLOSE]], &b.close))
			T_FAILMSG("%s: no close", path);
		if (s->adj && col[C_ADJ] >= 0 && cell(f[col[C_ADJ]], &v))
			b.adj_close = v, b.has |= MDX_HAS_ADJ;
		if (cell(f[col[C_VOL]], &v))
			b.volume = (int64_t)v, b.has |= MDX_HAS_VOLUME;
		if (*n == cap) {
			cap = cap ? 2 * cap : 1024;
			bars = realloc(bars, cap * sizeof(*bars));
			if (bars == NULL)
				abort();
		}
		bars[(*n)++] = b;
	}
	fclose(fp);
	qsort(bars, *n, sizeof(*bars), bar_ts_cmp);
	return bars;
}

#define ALL_STOCKS FIX "csv/all_stocks_5yr_AAPL_MSFT_DHR_AOS.csv"
#define YAHOO FIX "csv/yahoo_download_AAPL_2022-01-03_2023-05-31.csv"
#define AV                                                                     \
	FIX "alphavantage/TIME_SERIES_DAILY_ADJUSTED_AAPL_full_1999-11-01_"    \
	    "2020-11-25.csv"
#define MSFT_1MIN SFIX "MSFT_1min_2020-11-27_2020-11-30.csv"

/* AAPL's splits as ratios of new to old shares (Alpha Vantage's file),
 * as an adjuster (mdx_adjust.h); and AAPL's splits and 34 dividends of
 * the same file, each dividend with the close of the row before it, for
 * the total basis (compute.py's av_dividends) */
static struct mdx_adjuster *aapl_splits, *aapl_total;

static struct mdx_bar *load(int src, int adj, size_t *n);

static void
init_splits(void)
{
	static const char *const dates[] = {"2000-06-21", "2005-02-28",
					    "2014-06-09", "2020-08-31"};
	static const double ratio[] = {2, 2, 7, 4};
	struct mdx_adjust_action a[64];
	struct mdx_err e;
	char line[256];
	size_t n = 0, nb = 0;
	struct mdx_bar *b;
	FILE *f;

	for (int i = 0; i < 4; i++) {
		a[n].day = D(dates[i]);
		a[n].split = ratio[i];
		a[n].dividend = 0;
		a[n].prev_close = NAN;
		n++;
	}
	aapl_splits = mdx_adjuster_new(a, n, &e);
	b = load(4 /* S_AV_FULL */, 0, &nb);
	f = fopen(AV, "r");
	while (f != NULL && b != NULL && fgets(line, sizeof(line), f) &&
	       n < 64) {
		char *c = line;
		double amount;
		int32_t day;
		size_t j;

		for (int k = 0; k < 7 && c != NULL; k++)
			c = strchr(c + 1, ',');
		if (c == NULL || line[4] != '-')
			continue;
		amount = strtod(c + 1, NULL);
		line[10] = '\0';
		day = D(line);
		if (amount == 0 || a[n - 1].day == day)
			continue; /* the file repeats its newest row */
		for (j = nb; j > 0 && b[j - 1].date >= day; j--)
			;
		a[n].day = day;
		a[n].split = 1;
		a[n].dividend = amount;
		a[n].prev_close = j > 0 ? b[j - 1].close : NAN;
		n++;
	}
	if (f != NULL)
		fclose(f);
	free(b);
	T_EQ_INT(n, 4 + 34);
	aapl_total = mdx_adjuster_new(a, n, &e);
	T_OK(aapl_splits != NULL && aapl_total != NULL);
}

/* The bar sets of compute.py's cases. */
enum src { S_AAPL_5Y, S_AAPL_2017, S_DHR_5Y, S_YAHOO, S_AV, S_AV_FULL, S_N };

static struct mdx_bar *
load(int src, int adj, size_t *n)
{
	struct csvsel s = {NULL, INT32_MIN, INT32_MAX, adj, 0};

	switch (src) {
	case S_AAPL_5Y:
		s.symbol = "AAPL";
		return read_csv(ALL_STOCKS, &s, n);
	case S_AAPL_2017:
		s.symbol = "AAPL";
		s.from = D("2017-01-01");
		s.to = D("2017-12-31");
		return read_csv(ALL_STOCKS, &s, n);
	case S_DHR_5Y:
		s.symbol = "DHR";
		return read_csv(ALL_STOCKS, &s, n);
	case S_YAHOO:
		return read_csv(YAHOO, &s, n);
	case S_AV:
		s.from = D("2014-01-02");
		s.to = D("2020-11-25");
		return read_csv(AV, &s, n);
	case S_AV_FULL:
		return read_csv(AV, &s, n);
	default:
		return NULL;
	}
}

/* ------------------------------------------------------------- stats */

static const struct {
	const char *name;
	enum src src;
	int adj;  /* read the adjusted close (never used: it must not
		     change a figure) */
	int mode; /* enum mdx_adjust: none, AAPL's splits, and dividends */
	size_t count;
} stats_cases[] = {
	{"aapl_5y", S_AAPL_5Y, 0, MDX_ADJUST_NONE, 1259},
	{"aapl_2017", S_AAPL_2017, 0, MDX_ADJUST_NONE, 251},
	{"dhr_5y", S_DHR_5Y, 0, MDX_ADJUST_NONE, 1243},
	{"yahoo_close", S_YAHOO, 1, MDX_ADJUST_NONE, 354},
	{"av_split", S_AV, 1, MDX_ADJUST_SPLIT, 1739},
	{"av_full_split", S_AV_FULL, 0, MDX_ADJUST_SPLIT, 5303},
	{"av_total", S_AV, 1, MDX_ADJUST_TOTAL, 1739},
};

/* the adjuster of a mode */
static const struct mdx_adjuster *
adjuster(int mode)
{
	return mode == MDX_ADJUST_TOTAL	  ? aapl_total
	       : mode == MDX_ADJUST_SPLIT ? aapl_splits
					  : NULL;
}

/* the expected line "case field value" of x, or NULL */
static const char *
xfind(const struct xline *x, size_t n, const char *c, const char *field)
{
	for (size_t i = 0; i < n; i++)
		if (x[i].n == 3 && strcmp(x[i].w[0], c) == 0 &&
		    strcmp(x[i].w[1], field) == 0)
			return x[i].w[2];
	T_FAILMSG("expected/stats.txt has no %s %s", c, field);
	return "null";
}

static void
check_stats(const char *c, const struct mdx_stats *st, const struct xline *x,
	    size_t nx)
{
#define NUM(f) check_num(c, #f, st->f, xfind(x, nx, c, #f))
#define DAY(f) check_date(c, #f, st->f, xfind(x, nx, c, #f))
	T_EQ_INT(st->count, (long long)xnum(xfind(x, nx, c, "count")));
	T_EQ_INT(st->nreturns, (long long)xnum(xfind(x, nx, c, "nreturns")));
	T_EQ_STR(mdx_adjust_name(st->basis), xfind(x, nx, c, "basis"));
	DAY(first_date);
	DAY(last_date);
	NUM(first_open);
	NUM(last_close);
	NUM(high);
	NUM(low);
	NUM(mean_close);
	NUM(vwap);
	NUM(total_return);
	NUM(mean_return);
	NUM(stdev);
	NUM(volatility);
	NUM(sharpe);
	NUM(max_drawdown);
	DAY(dd_peak);
	DAY(dd_trough);
#undef NUM
#undef DAY
}

/* every stats case of compute.py, on real data */
static void
test_stats_real(void)
{
	size_t nx, i;
	struct xline *x = xread(EXP "stats.txt", &nx);

	if (x == NULL)
		return;
	for (i = 0; i < sizeof(stats_cases) / sizeof(stats_cases[0]); i++) {
		const char *c = stats_cases[i].name;
		struct mdx_stats st;
		struct mdx_err e;
		size_t n;
		struct mdx_bar *b =
			load(stats_cases[i].src, stats_cases[i].adj, &n);
		double rf = xnum(xfind(x, nx, c, "rf"));

		T_EQ_INT(n, stats_cases[i].count);
		if (mdx_stats_summary(b, n, adjuster(stats_cases[i].mode),
				      stats_cases[i].mode, rf, &st, &e))
			T_FAILMSG("%s: %s", c, e.text);
		else
			check_stats(c, &st, x, nx);
		T_NEAR(st.rf, rf, 0);
		free(b);
	}
	xfree(x, nx);
}

/*
 * Only some bars with adj_close: the whole series falls back to split
 * adjustment (av_split's figures), never a mix.
 */
static void
test_stats_partial_adj(void)
{
	size_t nx, n, i, nadj = 0;
	struct xline *x = xread(EXP "stats.txt", &nx);
	struct mdx_bar *b = load(S_AV, 1, &n);
	struct mdx_stats st;
	struct mdx_err e;

	for (i = 0; i < n; i++)
		if (b[i].date < D("2020-01-01"))
			b[i].has &= ~(unsigned)MDX_HAS_ADJ;
		else
			nadj++;
	T_OK(nadj > 200 && nadj < n);
	if (x != NULL && b != NULL) {
		T_OK(mdx_stats_summary(b, n, aapl_splits, MDX_ADJUST_SPLIT,
				       0.01, &st, &e) == 0);
		check_stats("av_split", &st, x, nx);
	}
	free(b);
	xfree(x, nx);
}

/*
 * The split-adjusted series across AAPL's 7:1 (2014-06-09) and 4:1
 * (2020-08-31): the raw closes fall by about 6/7 and 3/4 on those days,
 * the adjusted ones by no more than a normal day, and the adjusted
 * series follows Alpha Vantage's adjusted_close up to the dividends (to
 * within 5 % over the whole window).
 */
static void
test_split_basis(void)
{
	size_t n, i;
	struct mdx_bar *b = load(S_AV, 1, &n);
	double *p = malloc(n * sizeof(*p));
	double *q = malloc(n * sizeof(*q));
	struct mdx_err e;

	if (b == NULL || p == NULL || q == NULL)
		goto out;
	T_OK(mdx_stats_prices(b, n, aapl_total, MDX_ADJUST_TOTAL, q, &e) == 0);
	T_OK(mdx_stats_prices(b, n, aapl_splits, MDX_ADJUST_SPLIT, p, &e) == 0);
	for (i = 1; i < n; i++) {
		double raw = b[i].close / b[i - 1].close - 1;
		double adj = p[i] / p[i - 1] - 1;

		if (b[i].date == D("2014-06-09") ||
		    b[i].date == D("2020-08-31")) {
			T_OK(raw < -0.7);
			T_OK(fabs(adj) < 0.05);
		}
		T_OK(fabs(adj) < 0.15);
		/* the total basis is Alpha Vantage's adjusted_close */
		T_NEAR(q[i] / b[i].adj_close, 1, 2.5e-4);
	}
	/* 2014-01-02: close 553.13 / 28; 2020-11-25: as traded */
	T_NEAR(p[0], 553.13 / 28, 1e-12);
	T_NEAR(p[n - 1], 116.03, 1e-15);
	T_OK(fabs((p[n - 1] / p[0]) / (q[n - 1] / q[0]) - 1) < 0.15);
	/* none: the close, whatever adjuster is given */
	T_OK(mdx_stats_prices(b, n, aapl_total, MDX_ADJUST_NONE, p, &e) == 0);
	T_NEAR(p[0], 553.13, 0);
	T_OK(mdx_stats_prices(b, n, NULL, MDX_ADJUST_TOTAL, p, &e) == 0);
	T_NEAR(p[0], 553.13, 0);
out:
	free(b);
	free(p);
	free(q);
}

/* --------------------------------------------------------- returns */

static const struct {
	const char *name;
	enum src src;
	int adj, mode, period, log;
} ret_cases[] = {
	{"aapl_5y_daily_simple", S_AAPL_5Y, 0, 0, MDX_STATS_DAILY, 0},
	{"aapl_5y_daily_log", S_AAPL_5Y, 0, 0, MDX_STATS_DAILY, 1},
	{"aapl_5y_weekly_simple", S_AAPL_5Y, 0, 0, MDX_STATS_WEEKLY, 0},
	{"aapl_5y_weekly_log", S_AAPL_5Y, 0, 0, MDX_STATS_WEEKLY, 1},
	{"aapl_5y_monthly_simple", S_AAPL_5Y, 0, 0, MDX_STATS_MONTHLY, 0},
	{"aapl_5y_quarterly_simple", S_AAPL_5Y, 0, 0, MDX_STATS_QUARTERLY, 0},
	{"av_total_weekly_simple", S_AV, 1, MDX_ADJUST_TOTAL, MDX_STATS_WEEKLY,
	 0},
	{"av_total_monthly_log", S_AV, 1, MDX_ADJUST_TOTAL, MDX_STATS_MONTHLY,
	 1},
	{"av_split_monthly_simple", S_AV, 0, MDX_ADJUST_SPLIT,
	 MDX_STATS_MONTHLY, 0},
	{"av_split_weekly_log", S_AV, 0, MDX_ADJUST_SPLIT, MDX_STATS_WEEKLY, 1},
};

static void
test_returns_real(void)
{
	for (size_t c = 0; c < sizeof(ret_cases) / sizeof(ret_cases[0]); c++) {
		char path[256], basis_line[64];
		const char *name = ret_cases[c].name;
		struct mdx_stats_return *r = NULL;
		struct xline *x;
		struct mdx_err e;
		size_t n, nx, nr = 0, bad = 0;
		struct mdx_bar *b =
			load(ret_cases[c].src, ret_cases[c].adj, &n);
		FILE *fp;
		int basis = ret_cases[c].mode;

		snprintf(path, sizeof(path), EXP "returns_%s.txt", name);
		x = xread(path, &nx);
		if (x == NULL || b == NULL)
			goto next;
		if (mdx_stats_returns(b, n, adjuster(basis), basis,
				      ret_cases[c].period, ret_cases[c].log, &r,
				      &nr, &e)) {
			T_FAILMSG("%s: %s", name, e.text);
			goto next;
		}
		/* the basis is on the second comment line */
		fp = fopen(path, "r");
		basis_line[0] = '\0';
		if (fp != NULL) {
			char l1[256];

			if (fgets(l1, sizeof(l1), fp) &&
			    fgets(basis_line, sizeof(basis_line), fp))
				basis_line[strcspn(basis_line, "\n")] = '\0';
			fclose(fp);
		}
		if (strncmp(basis_line, "# basis ", 8) != 0 ||
		    strcmp(basis_line + 8, mdx_adjust_name(basis)) != 0)
			T_FAILMSG("%s: basis %s, file says '%s'", name,
				  mdx_adjust_name(basis), basis_line);
		T_EQ_INT(nr, nx);
		for (size_t i = 0; i < nr && i < nx && bad < 5; i++) {
			char what[96];
			int ok = 1;

			snprintf(what, sizeof(what), "%s row %zu", name, i);
			ok &= check_date(what, "date", r[i].date, x[i].w[0]);
			ok &= check_date(what, "first", r[i].first, x[i].w[1]);
			if (r[i].nbars != (size_t)xnum(x[i].w[2])) {
				T_FAILMSG("%s nbars: %zu != %s", what,
					  r[i].nbars, x[i].w[2]);
				ok = 0;
			}
			ok &= check_num(what, "price", r[i].price, x[i].w[3]);
			ok &= check_num(what, "ret", r[i].ret, x[i].w[4]);
			bad += !ok;
		}
	next:
		free(b);
		mdx_free(r);
		xfree(x, nx);
	}
}

/* ISO weeks across a year end, months, quarters, log and simple */
static void
test_returns_periods(void)
{
	static const char *const dates[] = {
		"2014-12-29", "2014-12-31", "2015-01-02", /* one ISO week */
		"2015-01-05", "2015-01-30", "2015-02-02",
		"2015-03-31", "2015-04-01",
	};
	static const double close[] = {100, 110, 120, 90, 99, 100, 80, 88};
	struct mdx_bar b[8];
	struct mdx_stats_return *r = NULL;
	struct mdx_err e;
	size_t n = 8, nr;

	memset(b, 0, sizeof(b));
	for (size_t i = 0; i < n; i++) {
		b[i].interval = MDX_I1D;
		b[i].date = D(dates[i]);
		b[i].close = close[i];
	}
	T_OK(mdx_stats_returns(b, n, NULL, MDX_ADJUST_NONE, MDX_STATS_WEEKLY, 0,
			       &r, &nr, &e) == 0);
	T_EQ_INT(nr, 5); /* 2015-03-31 and 04-01 share a week */
	if (nr == 5) {
		T_EQ_INT(r[0].date, D("2015-01-02"));
		T_EQ_INT(r[0].first, D("2014-12-29"));
		T_EQ_INT(r[0].nbars, 3);
		T_OK(isnan(r[0].ret));
		T_NEAR(r[0].price, 120, 0);
		T_NEAR(r[1].ret, 90.0 / 120 - 1, 1e-15);
		T_EQ_INT(r[2].date, D("2015-01-30"));
		T_NEAR(r[2].ret, 99.0 / 90 - 1, 1e-15);
		T_EQ_INT(r[4].date, D("2015-04-01"));
		T_EQ_INT(r[4].first, D("2015-03-31"));
		T_EQ_INT(r[4].nbars, 2);
		T_NEAR(r[4].ret, 88.0 / 100 - 1, 1e-15);
	}
	mdx_free(r);
	T_OK(mdx_stats_returns(b, n, NULL, MDX_ADJUST_NONE, MDX_STATS_MONTHLY,
			       1, &r, &nr, &e) == 0);
	T_EQ_INT(nr, 5); /* Dec, Jan, Feb, Mar, Apr */
	if (nr == 5) {
		T_EQ_INT(r[1].date, D("2015-01-30"));
		T_EQ_INT(r[1].first, D("2015-01-02"));
		T_NEAR(r[1].ret, log(99.0 / 110), 1e-15);
		T_NEAR(r[4].ret, log(88.0 / 80), 1e-15);
	}
	mdx_free(r);
	T_OK(mdx_stats_returns(b, n, NULL, MDX_ADJUST_NONE, MDX_STATS_QUARTERLY,
			       0, &r, &nr, &e) == 0);
	T_EQ_INT(nr, 3);
	if (nr == 3) {
		T_EQ_INT(r[1].date, D("2015-03-31"));
		T_NEAR(r[1].ret, 80.0 / 110 - 1, 1e-15);
		T_NEAR(r[2].ret, 0.1, 1e-15);
	}
	mdx_free(r);
	T_OK(mdx_stats_returns(b, n, NULL, MDX_ADJUST_NONE, MDX_STATS_DAILY, 0,
			       &r, &nr, &e) == 0);
	T_EQ_INT(nr, 8);
	mdx_free(r);
	/* seven-day markets (crypto): Saturday and Sunday end the ISO week */
	b[0].date = D("2024-01-06");
	b[1].date = D("2024-01-07");
	b[2].date = D("2024-01-08");
	T_OK(mdx_stats_returns(b, 3, NULL, MDX_ADJUST_NONE, MDX_STATS_WEEKLY, 0,
			       &r, &nr, &e) == 0);
	T_EQ_INT(nr, 2);
	if (nr == 2) {
		T_EQ_INT(r[0].nbars, 2);
		T_EQ_INT(r[0].date, D("2024-01-07"));
		T_NEAR(r[1].ret, 120.0 / 110 - 1, 1e-15);
	}
	mdx_free(r);
	/* no bars: no rows */
	T_OK(mdx_stats_returns(b, 0, NULL, MDX_ADJUST_NONE, MDX_STATS_DAILY, 0,
			       &r, &nr, &e) == 0);
	T_OK(r == NULL && nr == 0);
	T_OK(mdx_stats_returns(b, n, NULL, MDX_ADJUST_NONE, 9, 0, &r, &nr,
			       &e) == -1);
	T_EQ_INT(e.code, MDX_EUSAGE);
	T_EQ_INT(mdx_stats_period_parse("weekly"), MDX_STATS_WEEKLY);
	T_EQ_INT(mdx_stats_period_parse("yearly"), -1);
	T_EQ_STR(mdx_stats_period_name(MDX_STATS_QUARTERLY), "quarterly");
}

/* -------------------------------------------------------- resample */

static const struct {
	const char *name;
	int intraday; /* MSFT minute bars, else daily bars of src */
	enum src src;
	int adj, interval;
	unsigned flags;
} rs_cases[] = {
	{"aapl_5y_1wk", 0, S_AAPL_5Y, 0, MDX_I1WK, 0},
	{"aapl_5y_1mo", 0, S_AAPL_5Y, 0, MDX_I1MO, 0},
	{"dhr_5y_1wk", 0, S_DHR_5Y, 0, MDX_I1WK, 0},
	{"yahoo_1wk", 0, S_YAHOO, 1, MDX_I1WK, 0},
	{"yahoo_1mo", 0, S_YAHOO, 1, MDX_I1MO, 0},
	{"msft_1h", 1, 0, 0, MDX_I1H, 0},
	{"msft_1h_open", 1, 0, 0, MDX_I1H, MDX_STATS_AT_OPEN},
	{"msft_1h_open_regular", 1, 0, 0, MDX_I1H,
	 MDX_STATS_AT_OPEN | MDX_STATS_REGULAR},
	{"msft_1d", 1, 0, 0, MDX_I1D, 0},
	{"msft_1d_regular", 1, 0, 0, MDX_I1D, MDX_STATS_REGULAR},
};

static void
test_resample_real(void)
{
	for (size_t c = 0; c < sizeof(rs_cases) / sizeof(rs_cases[0]); c++) {
		const char *name = rs_cases[c].name;
		struct csvsel sel = {NULL, INT32_MIN, INT32_MAX, 0, 1};
		struct mdx_bar *b, *o = NULL;
		struct xline *x;
		struct mdx_err e;
		char path[256];
		size_t n, nx, no = 0, bad = 0;

		b = rs_cases[c].intraday
			    ? read_csv(MSFT_1MIN, &sel, &n)
			    : load(rs_cases[c].src, rs_cases[c].adj, &n);
		snprintf(path, sizeof(path), EXP "resample_%s.txt", name);
		x = xread(path, &nx);
		if (b == NULL || x == NULL)
			goto next;
		if (rs_cases[c].intraday)
			T_EQ_INT(n, 927);
		if (mdx_stats_resample(b, n, rs_cases[c].interval,
				       rs_cases[c].flags, NULL, &o, &no, &e)) {
			T_FAILMSG("%s: %s", name, e.text);
			goto next;
		}
		T_EQ_INT(no, nx);
		for (size_t i = 0; i < no && i < nx && bad < 5; i++) {
			const struct mdx_bar *r = &o[i];
			char what[96];
			int ok = 1;

			snprintf(what, sizeof(what), "%s row %zu", name, i);
			ok &= check_date(what, "date", r->date, x[i].w[0]);
			if (r->ts != (int64_t)xnum(x[i].w[1])) {
				T_FAILMSG("%s ts: %lld != %s", what,
					  (long long)r->ts, x[i].w[1]);
				ok = 0;
			}
			ok &= check_num(what, "open", r->open, x[i].w[2]);
			ok &= check_num(what, "high", r->high, x[i].w[3]);
			ok &= check_num(what, "low", r->low, x[i].w[4]);
			ok &= check_num(what, "close", r->close, x[i].w[5]);
			ok &= check_num(what, "adj_close",
					(r->has & MDX_HAS_ADJ) ? r->adj_close
							       : NAN,
					x[i].w[6]);
			if (r->volume != (int64_t)xnum(x[i].w[7]) ||
			    !(r->has & MDX_HAS_VOLUME)) {
				T_FAILMSG("%s volume: %lld != %s", what,
					  (long long)r->volume, x[i].w[7]);
				ok = 0;
			}
			if (strcmp(r->session[0] ? r->session : "-",
				   x[i].w[8]) != 0) {
				T_FAILMSG("%s session: '%s' != %s", what,
					  r->session, x[i].w[8]);
				ok = 0;
			}
			ok &= r->interval == rs_cases[c].interval;
			bad += !ok;
		}
	next:
		free(b);
		mdx_free(o);
		xfree(x, nx);
	}
}

/* field flags, vwap weighting, bucket edges and refusals */
static void
test_resample_rules(void)
{
	struct mdx_bar b[4], *o = NULL;
	struct mdx_err e;
	size_t no;
	int64_t t0;

	/* two 1-minute bars 09:44 and 09:45 New York, 2024-10-02 */
	memset(b, 0, sizeof(b));
	T_OK(mdx_tz_local_to_utc(NY, 2024, 10, 2, 9, 44, 0, MDX_FOLD_EARLIER,
				 &t0, &e) == 0);
	for (int i = 0; i < 3; i++) {
		b[i].interval = MDX_I1M;
		b[i].ts = t0 + i * 60000;
		b[i].date = D("2024-10-02");
		b[i].open = 10 + i;
		b[i].high = 12 + i;
		b[i].low = 9 + i;
		b[i].close = 11 + i;
		b[i].vwap = 10 * (i + 1);
		b[i].volume = 100 * (i + 1);
		b[i].has = MDX_HAS_OPEN | MDX_HAS_HIGH | MDX_HAS_LOW |
			   MDX_HAS_VOLUME | MDX_HAS_VWAP;
		snprintf(b[i].session, sizeof(b[i].session), "regular");
	}
	b[1].has &= ~(unsigned)MDX_HAS_HIGH; /* high 13 missing: close 12 */
	b[2].has |= MDX_HAS_ADJ;
	b[2].adj_close = 12.5;
	T_OK(mdx_stats_resample(b, 3, MDX_I1H, MDX_STATS_AT_OPEN, NULL, &o, &no,
				&e) == 0);
	T_EQ_INT(no, 1);
	if (no == 1) {
		int64_t start;

		T_OK(mdx_tz_local_to_utc(NY, 2024, 10, 2, 9, 30, 0,
					 MDX_FOLD_EARLIER, &start, &e) == 0);
		T_EQ_INT(o[0].ts, start);
		T_NEAR(o[0].open, 10, 0);
		T_NEAR(o[0].high, 14, 0);
		T_NEAR(o[0].low, 9, 0);
		T_NEAR(o[0].close, 13, 0);
		T_EQ_INT(o[0].volume, 600);
		/* (10*100 + 20*200 + 30*300) / 600 */
		T_NEAR(o[0].vwap, 14000.0 / 600, 1e-15);
		T_OK(!(o[0].has & MDX_HAS_HIGH)); /* one bar had none */
		T_OK(o[0].has & MDX_HAS_LOW);
		T_OK(o[0].has & MDX_HAS_VWAP);
		T_OK(o[0].has & MDX_HAS_ADJ);
		T_NEAR(o[0].adj_close, 12.5, 0);
		T_EQ_STR(o[0].session, "regular");
	}
	mdx_free(o);
	o = NULL;
	/* on the hour: 09:00 */
	T_OK(mdx_stats_resample(b, 3, MDX_I1H, 0, NULL, &o, &no, &e) == 0);
	if (no == 1) {
		int64_t start;

		T_OK(mdx_tz_local_to_utc(NY, 2024, 10, 2, 9, 0, 0,
					 MDX_FOLD_EARLIER, &start, &e) == 0);
		T_EQ_INT(o[0].ts, start);
	}
	mdx_free(o);
	o = NULL;
	/* 5m buckets: 09:40-09:44 and 09:45-09:49 */
	T_OK(mdx_stats_resample(b, 3, MDX_I5M, 0, NULL, &o, &no, &e) == 0);
	T_EQ_INT(no, 2);
	mdx_free(o);
	o = NULL;
	/* refusals: ts not ascending; 1d bars to 1h; 1wk to 1mo */
	b[2].ts = b[0].ts;
	T_OK(mdx_stats_resample(b, 3, MDX_I1H, 0, NULL, &o, &no, &e) == -1);
	T_EQ_INT(e.code, MDX_EINPUT);
	b[0].interval = MDX_I1D;
	T_OK(mdx_stats_resample(b, 1, MDX_I1H, 0, NULL, &o, &no, &e) == -1);
	T_EQ_INT(e.code, MDX_EUSAGE);
	b[0].interval = MDX_I1WK;
	T_OK(mdx_stats_resample(b, 1, MDX_I1MO, 0, NULL, &o, &no, &e) == -1);
	T_EQ_INT(e.code, MDX_EUSAGE);
	T_OK(o == NULL);
	/* nothing in, nothing out */
	T_OK(mdx_stats_resample(b, 0, MDX_I1WK, 0, NULL, &o, &no, &e) == 0);
	T_OK(o == NULL && no == 0);
}

/* a 1m bar at wall time h:mi New York on y-m-d, close c */
static struct mdx_bar
ny_bar(int interval, int y, int m, int d, int h, int mi, double c)
{
	struct mdx_bar b;
	struct mdx_err e;

	memset(&b, 0, sizeof(b));
	b.interval = interval;
	if (mdx_tz_local_to_utc(NY, y, m, d, h, mi, 0, MDX_FOLD_EARLIER, &b.ts,
				&e))
		b.ts = 0;
	b.date = mdx_days_from_civil(y, m, d);
	b.close = c;
	b.volume = 100;
	b.has = MDX_HAS_VOLUME;
	return b;
}

/* 90m wall-clock buckets in summer and winter time; the intervals that
 * fit in others (mdx_stats_reachable) and those that do not */
static void
test_resample_intervals(void)
{
	static const int md[2][2] = {{10, 2}, {12, 2}}; /* EDT, EST */
	struct mdx_bar b[3], *o = NULL;
	struct mdx_err e;
	size_t no;
	int64_t t;

	for (int k = 0; k < 2; k++) {
		int m = md[k][0], d = md[k][1];

		b[0] = ny_bar(MDX_I1M, 2024, m, d, 9, 30, 1);
		b[1] = ny_bar(MDX_I1M, 2024, m, d, 10, 59, 2);
		b[2] = ny_bar(MDX_I1M, 2024, m, d, 11, 0, 3);
		/* at the open, as Yahoo's 90m bars: 09:30-10:59, 11:00- */
		T_OK(mdx_stats_resample(b, 3, MDX_I90M, MDX_STATS_AT_OPEN, NULL,
					&o, &no, &e) == 0);
		T_EQ_INT(no, 2);
		if (no == 2) {
			T_EQ_INT(o[0].ts, b[0].ts);
			T_EQ_INT(o[1].ts, b[2].ts);
			T_NEAR(o[0].close, 2, 0);
			T_EQ_INT(o[0].volume, 200);
			T_EQ_INT(o[0].interval, MDX_I90M);
		}
		mdx_free(o);
		o = NULL;
		/* from 00:00 wall time: 09:00-10:29, 10:30-11:59 */
		T_OK(mdx_stats_resample(b, 3, MDX_I90M, 0, NULL, &o, &no, &e) ==
		     0);
		T_EQ_INT(no, 2);
		if (no == 2) {
			T_OK(mdx_tz_local_to_utc(NY, 2024, m, d, 9, 0, 0,
						 MDX_FOLD_EARLIER, &t,
						 &e) == 0);
			T_EQ_INT(o[0].ts, t);
			T_OK(mdx_tz_local_to_utc(NY, 2024, m, d, 10, 30, 0,
						 MDX_FOLD_EARLIER, &t,
						 &e) == 0);
			T_EQ_INT(o[1].ts, t);
			T_NEAR(o[1].close, 3, 0);
		}
		mdx_free(o);
		o = NULL;
	}
	/* 2m bars make 30m, 1h and 90m bars, not 5m or 15m ones */
	T_EQ_INT(mdx_stats_reachable(MDX_I2M, MDX_I30M), 1);
	T_EQ_INT(mdx_stats_reachable(MDX_I2M, MDX_I1H), 1);
	T_EQ_INT(mdx_stats_reachable(MDX_I2M, MDX_I90M), 1);
	T_EQ_INT(mdx_stats_reachable(MDX_I2M, MDX_I5M), 0);
	T_EQ_INT(mdx_stats_reachable(MDX_I2M, MDX_I15M), 0);
	T_EQ_INT(mdx_stats_reachable(MDX_I30M, MDX_I90M), 1);
	T_EQ_INT(mdx_stats_reachable(MDX_I1H, MDX_I90M), 0);
	T_EQ_INT(mdx_stats_reachable(MDX_I90M, MDX_I1D), 1);
	T_EQ_INT(mdx_stats_reachable(MDX_I1MO, MDX_I3MO), 1);
	T_EQ_INT(mdx_stats_reachable(MDX_I1D, MDX_I3MO), 1);
	T_EQ_INT(mdx_stats_reachable(MDX_I1WK, MDX_I3MO), 0);
	T_EQ_INT(mdx_stats_reachable(MDX_I5D, MDX_I1WK), 0);
	T_EQ_INT(mdx_stats_reachable(MDX_I5D, MDX_I1MO), 0);
	T_EQ_INT(mdx_stats_reachable(MDX_I1D, MDX_I5D), 0);
	T_EQ_INT(mdx_stats_reachable(MDX_I3MO, MDX_I3MO), 1);
	b[0] = ny_bar(MDX_I2M, 2024, 10, 2, 9, 30, 1);
	T_OK(mdx_stats_resample(b, 1, MDX_I5M, 0, NULL, &o, &no, &e) == -1);
	T_EQ_INT(e.code, MDX_EUSAGE);
	T_EQ_STR(e.text, "cannot resample 2m bars to 5m");
	b[0] = ny_bar(MDX_I1D, 2024, 10, 2, 0, 0, 1);
	T_OK(mdx_stats_resample(b, 1, MDX_I5D, 0, NULL, &o, &no, &e) == -1);
	T_EQ_INT(e.code, MDX_EUSAGE);
	T_OK(o == NULL);
	/* months into calendar quarters: Jan and Mar 2024 one, Apr another */
	b[0] = ny_bar(MDX_I1MO, 2024, 1, 2, 0, 0, 1);
	b[1] = ny_bar(MDX_I1MO, 2024, 3, 1, 0, 0, 2);
	b[2] = ny_bar(MDX_I1MO, 2024, 4, 1, 0, 0, 3);
	T_OK(mdx_stats_resample(b, 3, MDX_I3MO, 0, NULL, &o, &no, &e) == 0);
	T_EQ_INT(no, 2);
	if (no == 2) {
		T_EQ_INT(o[0].date, b[0].date);
		T_NEAR(o[0].close, 2, 0);
		T_EQ_INT(o[0].volume, 200);
		T_EQ_INT(o[1].date, b[2].date);
		T_EQ_INT(o[1].interval, MDX_I3MO);
	}
	mdx_free(o);
}

/* ----------------------------------------------------------- index */

/* An index universe read from a fixture; everything owned. */
struct universe {
	int32_t *sessions;
	size_t nsessions;
	struct mdx_stats_index_symbol *syms;
	size_t nsyms;
	char **names;
	double **close;
	struct mdx_stats_fact **facts;
};

static void
universe_free(struct universe *u)
{
	for (size_t i = 0; i < u->nsyms; i++) {
		free(u->names[i]);
		free(u->close[i]);
		free(u->facts[i]);
	}
	free(u->names);
	free(u->close);
	free(u->facts);
	free(u->syms);
	free(u->sessions);
	memset(u, 0, sizeof(*u));
}

static void
universe_init(struct universe *u, const char *const *names, size_t nsyms,
	      size_t nsessions)
{
	u->nsyms = nsyms;
	u->nsessions = nsessions;
	u->sessions = calloc(nsessions + 1, sizeof(*u->sessions));
	u->syms = calloc(nsyms, sizeof(*u->syms));
	u->names = calloc(nsyms, sizeof(*u->names));
	u->close = calloc(nsyms, sizeof(*u->close));
	u->facts = calloc(nsyms, sizeof(*u->facts));
	if (!u->sessions || !u->syms || !u->names || !u->close || !u->facts)
		abort();
	for (size_t i = 0; i < nsyms; i++) {
		u->names[i] = strdup(names[i]);
		u->close[i] = malloc((nsessions + 1) * sizeof(double));
		if (u->names[i] == NULL || u->close[i] == NULL)
			abort();
		for (size_t t = 0; t < nsessions; t++)
			u->close[i][t] = NAN;
		u->syms[i].symbol = u->names[i];
		u->syms[i].close = u->close[i];
	}
}

static void
universe_fact(struct universe *u, const char *sym, int32_t as_of, double shares)
{
	for (size_t i = 0; i < u->nsyms; i++) {
		struct mdx_stats_index_symbol *s = &u->syms[i];

		if (strcmp(u->names[i], sym) != 0)
			continue;
		u->facts[i] = realloc(u->facts[i],
				      (s->nfacts + 1) * sizeof(**u->facts));
		if (u->facts[i] == NULL)
			abort();
		u->facts[i][s->nfacts].as_of = as_of;
		u->facts[i][s->nfacts].shares = shares;
		s->nfacts++;
		s->facts = u->facts[i];
		return;
	}
	T_FAILMSG("fact for unknown symbol %s", sym);
}

/* tests/fixtures/stats/index_small.txt */
static int
universe_small(struct universe *u)
{
	size_t nx, i, t = 0, ns = 0;
	struct xline *x = xread(SFIX "index_small.txt", &nx);
	const char *names[8];

	memset(u, 0, sizeof(*u));
	if (x == NULL)
		return -1;
	for (i = 0; i < nx; i++)
		if (strcmp(x[i].w[0], "close") == 0)
			ns++;
	for (i = 0; i < nx; i++) {
		struct xline *l = &x[i];

		if (strcmp(l->w[0], "symbols") == 0) {
			for (int k = 1; k < l->n && k <= 8; k++)
				names[k - 1] = l->w[k];
			universe_init(u, names, (size_t)l->n - 1, ns);
		} else if (strcmp(l->w[0], "close") == 0 && u->syms) {
			u->sessions[t] = D(l->w[1]);
			for (size_t s = 0; s < u->nsyms; s++)
				u->close[s][t] = strcmp(l->w[2 + s], "-") == 0
							 ? NAN
							 : xnum(l->w[2 + s]);
			t++;
		} else if (strcmp(l->w[0], "fact") == 0 && u->syms) {
			universe_fact(u, l->w[1], D(l->w[2]), xnum(l->w[3]));
		}
	}
	xfree(x, nx);
	return u->syms ? 0 : -1;
}

/* AAPL, MSFT, DHR, AOS closes with index_4_facts.txt */
static int
universe_four(struct universe *u)
{
	static const char *const names[] = {"AAPL", "MSFT", "DHR", "AOS"};
	struct csvsel sel = {NULL, INT32_MIN, INT32_MAX, 0, 0};
	struct mdx_bar *b[4];
	size_t n[4], nx, i, k, t;
	struct xline *x;
	int32_t *all;
	size_t nall = 0;

	memset(u, 0, sizeof(*u));
	for (k = 0; k < 4; k++) {
		sel.symbol = names[k];
		b[k] = read_csv(ALL_STOCKS, &sel, &n[k]);
		nall += n[k];
	}
	/* the sessions: every date any of them has */
	all = malloc((nall + 1) * sizeof(*all));
	if (all == NULL)
		abort();
	nall = 0;
	for (k = 0; k < 4; k++)
		for (i = 0; i < n[k]; i++)
			all[nall++] = b[k][i].date;
	for (i = 1; i < nall; i++) /* insertion sort, mostly sorted */
		for (size_t j = i; j > 0 && all[j - 1] > all[j]; j--) {
			int32_t tmp = all[j];

			all[j] = all[j - 1];
			all[j - 1] = tmp;
		}
	for (i = 0, t = 0; i < nall; i++)
		if (t == 0 || all[t - 1] != all[i])
			all[t++] = all[i];
	universe_init(u, names, 4, t);
	memcpy(u->sessions, all, t * sizeof(*all));
	free(all);
	for (k = 0; k < 4; k++) {
		for (i = 0, t = 0; i < n[k]; i++) {
			while (u->sessions[t] < b[k][i].date)
				t++;
			u->close[k][t] = b[k][i].close;
		}
		free(b[k]);
	}
	x = xread(SFIX "index_4_facts.txt", &nx);
	for (i = 0; x && i < nx; i++)
		if (strcmp(x[i].w[0], "fact") == 0)
			universe_fact(u, x[i].w[1], D(x[i].w[2]),
				      xnum(x[i].w[3]));
	xfree(x, nx);
	return 0;
}

/* compare ix with expected/index_NAME.txt */
static void
check_index(const char *name, const struct universe *u,
	    const struct mdx_stats_index *ix)
{
	char path[256], what[96];
	size_t nx, i, nd = 0, nh = 0, nc = 0, bad = 0, hd = 0;
	struct xline *x;

	snprintf(path, sizeof(path), EXP "index_%s.txt", name);
	x = xread(path, &nx);
	if (x == NULL)
		return;
	for (i = 0; i < nx && bad < 5; i++) {
		struct xline *l = &x[i];
		int ok = 1;

		snprintf(what, sizeof(what), "%s line %d", name, l->lineno);
		if (strcmp(l->w[0], "day") == 0 && nd < ix->ndays) {
			const struct mdx_stats_index_day *d = &ix->days[nd++];

			ok &= check_date(what, "date", d->date, l->w[1]);
			ok &= check_num(what, "level", d->level, l->w[2]);
			ok &= check_num(what, "ret", d->ret, l->w[3]);
			if (d->rebalanced != (int)xnum(l->w[4]) ||
			    d->carried != (size_t)xnum(l->w[5])) {
				T_FAILMSG("%s: rebalanced %d carried %zu", what,
					  d->rebalanced, d->carried);
				ok = 0;
			}
		} else if (strcmp(l->w[0], "day") == 0) {
			nd++;
		} else if (strcmp(l->w[0], "hold") == 0 && nh < ix->nholdings) {
			const struct mdx_stats_holding *h = &ix->holdings[nh];

			/* the day whose holdings hold entry nh */
			while (hd < ix->ndays &&
			       nh >= ix->days[hd].first + ix->days[hd].n)
				hd++;
			nh++;
			if (hd < ix->ndays)
				ok &= check_date(what, "date",
						 ix->days[hd].date, l->w[1]);
			if (strcmp(u->names[h->symbol], l->w[2]) != 0) {
				T_FAILMSG("%s: member %s", what,
					  u->names[h->symbol]);
				ok = 0;
			}
			ok &= check_num(what, "weight", h->weight, l->w[3]);
		} else if (strcmp(l->w[0], "hold") == 0) {
			nh++;
		} else if (strcmp(l->w[0], "change") == 0 &&
			   nc < ix->nchanges) {
			const struct mdx_stats_change *c = &ix->changes[nc++];

			ok &= check_date(what, "date", c->date, l->w[1]);
			if (strcmp(u->names[c->symbol], l->w[2]) != 0 ||
			    c->added != (strcmp(l->w[3], "+") == 0)) {
				T_FAILMSG("%s: change %s %d", what,
					  u->names[c->symbol], c->added);
				ok = 0;
			}
			ok &= check_num(what, "cap", c->cap, l->w[4]);
		} else if (strcmp(l->w[0], "change") == 0) {
			nc++;
		}
		bad += !ok;
	}
	if (bad < 5) {
		T_EQ_INT(ix->ndays, nd);
		T_EQ_INT(ix->nholdings, nh);
		T_EQ_INT(ix->nchanges, nc);
	}
	xfree(x, nx);
}

static void
index_case(const struct universe *u, const char *name, size_t top,
	   int rebalance, size_t want_carried)
{
	struct mdx_stats_index_opts o;
	struct mdx_stats_index ix;
	struct mdx_err e;

	mdx_stats_index_opts_init(&o);
	o.top = top;
	o.rebalance = rebalance;
	mdx_stats_index_init(&ix);
	if (mdx_stats_index_build(u->sessions, u->nsessions, u->syms, u->nsyms,
				  &o, &ix, &e)) {
		T_FAILMSG("%s: %s", name, e.text);
		return;
	}
	check_index(name, u, &ix);
	if (want_carried != (size_t)-1)
		T_EQ_INT(ix.carried, want_carried);
	mdx_stats_index_release(&ix);
}

static void
test_index_small(void)
{
	struct universe u;

	if (universe_small(&u))
		return;
	T_EQ_INT(u.nsessions, 10);
	/* BBB on 01-26 and AAA on 02-01 were carried */
	index_case(&u, "small_monthly_top2", 2, MDX_STATS_MONTHLY, 2);
	index_case(&u, "small_daily_top2", 2, MDX_STATS_DAILY, (size_t)-1);
	index_case(&u, "small_weekly_top2", 2, MDX_STATS_WEEKLY, (size_t)-1);
	index_case(&u, "small_quarterly_top3", 3, MDX_STATS_QUARTERLY,
		   (size_t)-1);
	universe_free(&u);
}

/*
 * The hand-worked monthly top-2 index of README.md: these are the
 * numbers of its table, typed here as the README derives them.
 */
static void
test_index_by_hand(void)
{
	static const double level[] = {1000, 1075, 1050, 1150, 1200,
				       1250, 1275, 1305, 1290, 1360};
	struct mdx_stats_index_opts o;
	struct mdx_stats_index ix;
	struct universe u;
	struct mdx_err e;

	if (universe_small(&u))
		return;
	mdx_stats_index_opts_init(&o);
	o.top = 2;
	mdx_stats_index_init(&ix);
	T_OK(mdx_stats_index_build(u.sessions, u.nsessions, u.syms, u.nsyms, &o,
				   &ix, &e) == 0);
	T_EQ_INT(ix.ndays, 10);
	for (size_t t = 0; t < ix.ndays && t < 10; t++)
		T_NEAR(ix.days[t].level, level[t], 1e-12);
	if (ix.ndays == 10) {
		T_OK(isnan(ix.days[0].ret));
		T_NEAR(ix.days[1].ret, 0.075, 1e-12);
		T_EQ_INT(ix.days[2].carried, 1); /* BBB, no bar on 01-26 */
		T_EQ_INT(ix.days[6].carried, 1); /* AAA, no bar on 02-01 */
		T_EQ_INT(ix.days[5].rebalanced, 1);
		T_EQ_INT(ix.rebalances, 2);
		/* 01-25: AAA 5 x 110 = 550 of 1075 */
		T_NEAR(ix.holdings[ix.days[1].first].weight, 550.0 / 1075,
		       1e-12);
		T_EQ_STR(u.names[ix.holdings[ix.days[5].first + 1].symbol],
			 "CCC");
	}
	T_EQ_INT(ix.nchanges, 4);
	if (ix.nchanges == 4) {
		T_EQ_STR(u.names[ix.changes[2].symbol], "CCC");
		T_EQ_INT(ix.changes[2].added, 1);
		T_NEAR(ix.changes[2].cap, 750, 0);
		T_EQ_STR(u.names[ix.changes[3].symbol], "BBB");
		T_EQ_INT(ix.changes[3].added, 0);
		T_NEAR(ix.changes[3].cap, 500, 0); /* 50 x 10 as of 01-30 */
	}

	/* from 01-25 to 02-05: chosen at the 01-25 close, base there */
	o.from = D("2024-01-25");
	o.to = D("2024-02-05");
	o.base = 100;
	T_OK(mdx_stats_index_build(u.sessions, u.nsessions, u.syms, u.nsyms, &o,
				   &ix, &e) == 0);
	T_EQ_INT(ix.ndays, 8);
	if (ix.ndays == 8) {
		T_EQ_INT(ix.days[0].date, D("2024-01-25"));
		T_NEAR(ix.days[0].level, 100, 0);
		/* AAA 50/110 units at 105, BBB carried at 42: 50 */
		T_NEAR(ix.days[1].level, 50.0 / 110 * 105 + 50, 1e-12);
		T_EQ_INT(ix.days[7].date, D("2024-02-05"));
		T_EQ_INT(ix.days[7].rebalanced, 0);
	}
	/* a range with no session: an empty index */
	o.from = D("2024-03-01");
	o.to = D("2024-03-31");
	T_OK(mdx_stats_index_build(u.sessions, u.nsessions, u.syms, u.nsyms, &o,
				   &ix, &e) == 0);
	T_EQ_INT(ix.ndays, 0);
	T_OK(ix.days == NULL && ix.holdings == NULL);
	mdx_stats_index_release(&ix);
	universe_free(&u);
}

static void
test_index_four(void)
{
	struct universe u;

	if (universe_four(&u))
		return;
	T_EQ_INT(u.nsessions, 1259);
	/* DHR misses 16 sessions, carried when it is a member */
	index_case(&u, "four_monthly_top2", 2, MDX_STATS_MONTHLY, (size_t)-1);
	index_case(&u, "four_quarterly_top3", 3, MDX_STATS_QUARTERLY,
		   (size_t)-1);
	index_case(&u, "four_daily_top2", 2, MDX_STATS_DAILY, (size_t)-1);
	universe_free(&u);
}

static void
test_index_errors(void)
{
	struct mdx_stats_index_opts o;
	struct mdx_stats_index ix;
	struct universe u;
	struct mdx_err e;

	if (universe_small(&u))
		return;
	mdx_stats_index_opts_init(&o);
	mdx_stats_index_init(&ix);
	T_OK(mdx_stats_index_build(u.sessions, u.nsessions, u.syms, u.nsyms, &o,
				   &ix, &e) == -1); /* top 0 */
	T_EQ_INT(e.code, MDX_EUSAGE);
	o.top = 2;
	o.base = 0;
	T_OK(mdx_stats_index_build(u.sessions, u.nsessions, u.syms, u.nsyms, &o,
				   &ix, &e) == -1);
	T_EQ_INT(e.code, MDX_EUSAGE);
	o.base = 1000;
	o.rebalance = 7;
	T_OK(mdx_stats_index_build(u.sessions, u.nsessions, u.syms, u.nsyms, &o,
				   &ix, &e) == -1);
	T_EQ_INT(e.code, MDX_EUSAGE);
	o.rebalance = MDX_STATS_MONTHLY;
	/* no candidate on the first session: AAA lacks a bar on 02-01
	   and the others are left without shares */
	o.from = D("2024-02-01");
	u.syms[1].nfacts = u.syms[2].nfacts = 0;
	T_OK(mdx_stats_index_build(u.sessions, u.nsessions, u.syms, 3, &o, &ix,
				   &e) == -1);
	T_EQ_INT(e.code, MDX_EINPUT);
	T_OK(strstr(e.text, "2024-02-01") != NULL);
	/* facts out of order */
	o.from = INT32_MIN;
	u.syms[1].nfacts = 2;
	u.facts[1][1].as_of = D("2023-01-01");
	T_OK(mdx_stats_index_build(u.sessions, u.nsessions, u.syms, u.nsyms, &o,
				   &ix, &e) == -1);
	T_EQ_INT(e.code, MDX_EINPUT);
	T_EQ_STR(e.field, "as_of");
	/* sessions out of order */
	u.facts[1][1].as_of = D("2024-01-30");
	u.sessions[3] = u.sessions[1];
	T_OK(mdx_stats_index_build(u.sessions, u.nsessions, u.syms, u.nsyms, &o,
				   &ix, &e) == -1);
	T_EQ_INT(e.code, MDX_EINPUT);
	T_OK(ix.ndays == 0 && ix.days == NULL);
	universe_free(&u);
}

/* a 64-bit LCG (Knuth's MMIX constants), uniform in [0, 1) */
static double
lcg(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(*s >> 11) / 9007199254740992.0;
}

static double
ms_since(const struct timespec *a)
{
	struct timespec b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(b.tv_sec - a->tv_sec) * 1e3 +
	       (double)(b.tv_nsec - a->tv_nsec) / 1e6;
}

/*
 * 505 symbols over the 1259 sessions of 2013-02-08..2018-02-07 (random
 * walks, 1 % of bars missing): every rebalance period well under a
 * second, and at every close the weights sum to 1.
 */
static void
test_index_speed(void)
{
	enum { NS = 505 };
	static const int periods[] = {MDX_STATS_DAILY, MDX_STATS_MONTHLY};
	const char *names[NS];
	char namebuf[NS][8];
	struct universe u;
	struct mdx_stats_index ix;
	struct mdx_stats_index_opts o;
	struct mdx_err e;
	uint64_t seed = 42;
	size_t nsess;

	nsess = mdx_cal_sessions(D("2013-02-08"), D("2018-02-07"), NULL, 0);
	T_EQ_INT(nsess, 1259);
	for (int i = 0; i < NS; i++) {
		snprintf(namebuf[i], sizeof(namebuf[i]), "S%03d", i);
		names[i] = namebuf[i];
	}
	universe_init(&u, names, NS, nsess);
	mdx_cal_sessions(D("2013-02-08"), D("2018-02-07"), u.sessions, nsess);
	for (int i = 0; i < NS; i++) {
		double p = 10 + 90 * lcg(&seed);

		for (size_t t = 0; t < nsess; t++) {
			p *= 1 + 0.02 * (lcg(&seed) - 0.5);
			u.close[i][t] = lcg(&seed) < 0.01 ? NAN : p;
		}
		universe_fact(&u, names[i], D("2012-12-31"),
			      1e8 * (1 + 9 * lcg(&seed)));
		universe_fact(&u, names[i], D("2015-06-30"),
			      1e8 * (1 + 9 * lcg(&seed)));
	}
	mdx_stats_index_opts_init(&o);
	o.top = 400;
	mdx_stats_index_init(&ix);
	for (size_t k = 0; k < 2; k++) {
		struct timespec t0;
		double ms;
		size_t bad = 0;

		o.rebalance = periods[k];
		clock_gettime(CLOCK_MONOTONIC, &t0);
		T_OK(mdx_stats_index_build(u.sessions, nsess, u.syms, NS, &o,
					   &ix, &e) == 0);
		ms = ms_since(&t0);
		fprintf(stderr, "index 505 x 1259, top 400, %s: %.1f ms\n",
			mdx_stats_period_name(periods[k]), ms);
		T_OK(ms < 1000);
		T_EQ_INT(ix.ndays, nsess);
		for (size_t t = 0; t < ix.ndays; t++) {
			double sum = 0;

			for (size_t j = 0; j < ix.days[t].n; j++)
				sum += ix.holdings[ix.days[t].first + j].weight;
			if (fabs(sum - 1) > 1e-12 || ix.days[t].n != 400 ||
			    !(ix.days[t].level > 0))
				bad++;
		}
		T_EQ_INT(bad, 0);
		T_OK(ix.carried > 0);
	}
	mdx_stats_index_release(&ix);
	universe_free(&u);
}

/* -------------------------------------------------------- edge cases */

static void
mkbars(struct mdx_bar *b, size_t n, const double *close)
{
	memset(b, 0, n * sizeof(*b));
	for (size_t i = 0; i < n; i++) {
		b[i].interval = MDX_I1D;
		b[i].date = D("2024-01-02") + (int32_t)i;
		b[i].open = b[i].high = b[i].low = b[i].close = close[i];
		b[i].volume = 1000;
		b[i].has = MDX_HAS_OPEN | MDX_HAS_HIGH | MDX_HAS_LOW |
			   MDX_HAS_VOLUME;
	}
}

static void
test_stats_edges(void)
{
	static const double flat[] = {10, 10, 10, 10, 10};
	static const double dip[] = {10, 12, 9, 12, 6, 13};
	struct mdx_bar b[6];
	struct mdx_stats st;
	struct mdx_err e;

	memset(b, 0, sizeof(b));
	/* no bars */
	T_OK(mdx_stats_summary(b, 0, NULL, MDX_ADJUST_NONE, 0, &st, &e) == 0);
	T_EQ_INT(st.count, 0);
	T_EQ_INT(st.nreturns, 0);
	T_EQ_INT(st.first_date, MDX_STATS_NO_DATE);
	T_EQ_INT(st.dd_peak, MDX_STATS_NO_DATE);
	T_OK(isnan(st.first_open) && isnan(st.high) && isnan(st.vwap) &&
	     isnan(st.mean_close) && isnan(st.total_return) &&
	     isnan(st.volatility) && isnan(st.sharpe) &&
	     isnan(st.max_drawdown));

	/* one bar: no return, no volatility, a drawdown of 0 */
	mkbars(b, 1, dip);
	b[0].high = 11;
	b[0].low = 8;
	T_OK(mdx_stats_summary(b, 1, NULL, MDX_ADJUST_NONE, 0, &st, &e) == 0);
	T_EQ_INT(st.count, 1);
	T_EQ_INT(st.first_date, st.last_date);
	T_NEAR(st.vwap, (11.0 + 8 + 10) / 3, 1e-15);
	T_NEAR(st.total_return, 0, 0);
	T_OK(isnan(st.mean_return) && isnan(st.stdev) && isnan(st.volatility) &&
	     isnan(st.sharpe));
	T_NEAR(st.max_drawdown, 0, 0);
	T_EQ_INT(st.dd_peak, MDX_STATS_NO_DATE);
	T_EQ_INT(st.dd_trough, MDX_STATS_NO_DATE);

	/* two bars: one return, still no standard deviation */
	mkbars(b, 2, dip);
	T_OK(mdx_stats_summary(b, 2, NULL, MDX_ADJUST_NONE, 0, &st, &e) == 0);
	T_NEAR(st.mean_return, 0.2, 1e-15);
	T_OK(isnan(st.stdev) && isnan(st.sharpe));

	/* zero volume: no VWAP; no volume at all: none either */
	mkbars(b, 5, flat);
	for (int i = 0; i < 5; i++)
		b[i].volume = 0;
	T_OK(mdx_stats_summary(b, 5, NULL, MDX_ADJUST_NONE, 0.05, &st, &e) ==
	     0);
	T_OK(isnan(st.vwap));
	for (int i = 0; i < 5; i++)
		b[i].has &= ~(unsigned)MDX_HAS_VOLUME;
	T_OK(mdx_stats_summary(b, 5, NULL, MDX_ADJUST_NONE, 0.05, &st, &e) ==
	     0);
	T_OK(isnan(st.vwap));

	/* a constant price: volatility 0, Sharpe undefined */
	T_NEAR(st.stdev, 0, 0);
	T_NEAR(st.volatility, 0, 0);
	T_OK(isnan(st.sharpe));
	T_NEAR(st.total_return, 0, 0);
	T_NEAR(st.max_drawdown, 0, 0);
	T_NEAR(st.mean_close, 10, 0);

	/* drawdown: peak 12 (the first one), trough 6 */
	mkbars(b, 6, dip);
	T_OK(mdx_stats_summary(b, 6, NULL, MDX_ADJUST_NONE, 0, &st, &e) == 0);
	T_NEAR(st.max_drawdown, -0.5, 0);
	T_EQ_INT(st.dd_peak, b[1].date);
	T_EQ_INT(st.dd_trough, b[4].date);
	T_NEAR(st.high, 13, 0);
	T_NEAR(st.low, 6, 0);
	T_NEAR(st.total_return, 0.3, 1e-15);

	/* missing open/high/low count as the close */
	b[0].has &= ~(unsigned)(MDX_HAS_OPEN | MDX_HAS_HIGH | MDX_HAS_LOW);
	b[0].open = 99;
	b[0].high = 99;
	T_OK(mdx_stats_summary(b, 6, NULL, MDX_ADJUST_NONE, 0, &st, &e) == 0);
	T_NEAR(st.first_open, 10, 0);
	T_NEAR(st.high, 13, 0);

	/* refusals */
	T_OK(mdx_stats_summary(b, 6, NULL, MDX_ADJUST_NONE, -1, &st, &e) == -1);
	T_EQ_INT(e.code, MDX_EUSAGE);
	T_OK(mdx_stats_summary(b, 6, NULL, MDX_ADJUST_NONE, NAN, &st, &e) ==
	     -1);
	b[3].date = b[2].date;
	T_OK(mdx_stats_summary(b, 6, NULL, MDX_ADJUST_NONE, 0, &st, &e) == -1);
	T_EQ_INT(e.code, MDX_EINPUT);
	mkbars(b, 6, dip);
	b[2].interval = MDX_I1WK;
	T_OK(mdx_stats_summary(b, 6, NULL, MDX_ADJUST_NONE, 0, &st, &e) == -1);
	T_EQ_INT(e.code, MDX_EUSAGE);
	mkbars(b, 6, dip);
	b[2].close = 0;
	T_OK(mdx_stats_summary(b, 6, NULL, MDX_ADJUST_NONE, 0, &st, &e) == -1);
	T_EQ_INT(e.code, MDX_EINPUT);
	T_EQ_STR(e.field, "close");
}

static void
test_prices_rules(void)
{
	static const double c[] = {400, 420, 105, 110};
	struct mdx_adjust_action s[2];
	struct mdx_adjuster *a;
	struct mdx_bar b[4];
	struct mdx_err e;
	double p[4];

	mkbars(b, 4, c);
	memset(s, 0, sizeof(s));
	/* 4:1 effective on the third bar's date */
	s[0].day = b[2].date;
	s[0].split = 4;
	s[0].prev_close = NAN;
	a = mdx_adjuster_new(s, 1, &e);
	T_OK(mdx_stats_prices(b, 4, a, MDX_ADJUST_SPLIT, p, &e) == 0);
	T_NEAR(p[0], 100, 0);
	T_NEAR(p[1], 105, 0);
	T_NEAR(p[2], 105, 0);
	T_NEAR(p[3], 110, 0);
	mdx_adjuster_free(a);
	/* a split before every bar changes nothing */
	s[0].day = b[0].date;
	a = mdx_adjuster_new(s, 1, &e);
	T_OK(mdx_stats_prices(b, 4, a, MDX_ADJUST_SPLIT, p, &e) == 0);
	T_NEAR(p[0], 400, 0);
	mdx_adjuster_free(a);
	/* a split after the last bar scales them all (today's shares) */
	s[0].day = b[3].date + 10;
	s[1].day = b[1].date; /* and one inside, given out of order */
	s[1].split = 2;
	s[1].prev_close = NAN;
	a = mdx_adjuster_new(s, 2, &e);
	T_OK(mdx_stats_prices(b, 4, a, MDX_ADJUST_SPLIT, p, &e) == 0);
	T_NEAR(p[0], 50, 0);
	T_NEAR(p[1], 105, 0);
	T_NEAR(p[3], 27.5, 0);
	/* adj_close, on every bar or on some, is never used */
	for (int i = 0; i < 4; i++) {
		b[i].adj_close = c[i] / 2;
		b[i].has |= MDX_HAS_ADJ;
	}
	T_OK(mdx_stats_prices(b, 4, a, MDX_ADJUST_TOTAL, p, &e) == 0);
	T_NEAR(p[2], 105.0 / 4, 0);
	T_OK(mdx_stats_prices(b, 4, NULL, MDX_ADJUST_TOTAL, p, &e) == 0);
	T_NEAR(p[2], 105, 0);
	mdx_adjuster_free(a);
	/* a bad close */
	b[1].close = NAN;
	T_OK(mdx_stats_prices(b, 4, NULL, MDX_ADJUST_NONE, p, &e) == -1);
	T_EQ_STR(e.field, "close");
	T_OK(mdx_stats_prices(b, 0, NULL, MDX_ADJUST_NONE, p, &e) == 0);
}

/*
 * Out of memory at every allocation in turn: each function fails with
 * MDX_ENOMEM, leaves its outputs empty and leaks nothing (ASan).
 */
static void
test_oom(void)
{
	struct universe u;
	struct mdx_bar *b, *o;
	struct mdx_stats st;
	struct mdx_stats_return *r;
	struct mdx_stats_index ix;
	struct mdx_stats_index_opts opt;
	struct mdx_err e;
	size_t n, nr, no;
	int rc, k;

	b = load(S_AAPL_2017, 0, &n);
	if (b == NULL || universe_small(&u))
		return;
	for (k = 1, rc = -1; rc != 0 && k < 100; k++) {
		mdx_alloc_fail_after(k);
		rc = mdx_stats_summary(b, n, aapl_splits, MDX_ADJUST_SPLIT, 0,
				       &st, &e);
		mdx_alloc_fail_after(0);
		if (rc)
			T_EQ_INT(e.code, MDX_ENOMEM);
	}
	T_EQ_INT(rc, 0);
	for (k = 1, rc = -1; rc != 0 && k < 100; k++) {
		mdx_alloc_fail_after(k);
		rc = mdx_stats_returns(b, n, aapl_splits, MDX_ADJUST_SPLIT,
				       MDX_STATS_WEEKLY, 0, &r, &nr, &e);
		mdx_alloc_fail_after(0);
		if (rc) {
			T_EQ_INT(e.code, MDX_ENOMEM);
			T_OK(r == NULL);
		}
	}
	T_EQ_INT(rc, 0);
	mdx_free(r);
	for (k = 1, rc = -1; rc != 0 && k < 100; k++) {
		mdx_alloc_fail_after(k);
		rc = mdx_stats_resample(b, n, MDX_I1WK, 0, NULL, &o, &no, &e);
		mdx_alloc_fail_after(0);
		if (rc) {
			T_EQ_INT(e.code, MDX_ENOMEM);
			T_OK(o == NULL);
		}
	}
	T_EQ_INT(rc, 0);
	mdx_free(o);
	mdx_stats_index_opts_init(&opt);
	opt.top = 2;
	opt.rebalance = MDX_STATS_DAILY;
	mdx_stats_index_init(&ix);
	for (k = 1, rc = -1; rc != 0 && k < 100; k++) {
		mdx_alloc_fail_after(k);
		rc = mdx_stats_index_build(u.sessions, u.nsessions, u.syms,
					   u.nsyms, &opt, &ix, &e);
		mdx_alloc_fail_after(0);
		if (rc) {
			T_EQ_INT(e.code, MDX_ENOMEM);
			T_OK(ix.days == NULL && ix.ndays == 0);
		}
	}
	T_EQ_INT(rc, 0);
	T_EQ_INT(ix.ndays, 10);
	mdx_stats_index_release(&ix);
	universe_free(&u);
	free(b);
}

int
main(void)
{
	init_splits();
	T_RUN(test_stats_real);
	T_RUN(test_stats_partial_adj);
	T_RUN(test_split_basis);
	T_RUN(test_stats_edges);
	T_RUN(test_prices_rules);
	T_RUN(test_returns_real);
	T_RUN(test_returns_periods);
	T_RUN(test_resample_real);
	T_RUN(test_resample_rules);
	T_RUN(test_resample_intervals);
	T_RUN(test_index_small);
	T_RUN(test_index_by_hand);
	T_RUN(test_index_four);
	T_RUN(test_index_errors);
	T_RUN(test_index_speed);
	T_RUN(test_oom);
	return t_done();
}
