/*
 * check.c - the calendar query (NYSE sessions as rows) and the data-quality
 * report over the store, for mdx-query and mdx-serve.
 *
 * The report reads every bar once, in primary-key order (symbol, interval,
 * ts), in one statement and one read transaction.  A symbol's daily bars
 * are kept in memory until its last row has come: then its checks run and
 * its findings are sorted and sent.  Calendar lookups are O(1) (sessions
 * counted in O(log n)), so the whole store costs one table scan and, per
 * symbol, two sorts of its returns for the medians.
 *
 * The rules and thresholds are those documented in mdx-query(1) under
 * "check"; the constants are in mdx_check.h.  Where a rule came from:
 *   missing   sessions of the NYSE calendar (mdx_calendar.h) between a
 *             symbol's first and last daily bar
 *   outlier   robust z-score: (x - median) / (1.4826 * MAD) of the daily
 *             log returns x; 1.4826 makes the MAD estimate the standard
 *             deviation of normal data (Rousseeuw and Croux, 1993)
 *   split     an overnight jump to 1/R of the close before, for a split
 *             ratio R in splits[] below (split_like), with no split action
 *             stored near it; or a stored split with no such jump (the
 *             store holds prices as traded, mdx-load(1))
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdx_adjust.h"
#include "mdx_alloc.h"
#include "mdx_calendar.h"
#include "mdx_check.h"
#include "mdx_record.h"
#include "mdx_time.h"

/* ---- calendar ---- */

static int32_t
cal_first_day(void)
{
	return mdx_days_from_civil(MDX_CAL_FIRST_YEAR, 1, 1);
}

static int32_t
cal_last_day(void)
{
	return mdx_days_from_civil(MDX_CAL_LAST_YEAR, 12, 31);
}

static int32_t
month_start(int32_t day)
{
	int y, m;

	mdx_civil_from_days(day, &y, &m, NULL);
	return mdx_days_from_civil(y, m, 1);
}

static int32_t
month_end(int32_t day)
{
	int y, m;

	mdx_civil_from_days(day, &y, &m, NULL);
	return m == 12 ? mdx_days_from_civil(y + 1, 1, 1) - 1
		       : mdx_days_from_civil(y, m + 1, 1) - 1;
}

/* today's date in New York */
static int
today_ny(int64_t now_ms, int32_t *day, struct mdx_err *e)
{
	if (now_ms == 0)
		now_ms = mdx_now_ms();
	return mdx_tz_utc_to_local(MDX_CAL_ZONE, now_ms, day, NULL, NULL, e);
}

/* is [from, to] a range the calendar answers for?  0 or -1 with e set */
static int
cal_range_ok(int32_t from, int32_t to, struct mdx_err *e)
{
	char a[MDX_DATE_LEN], b[MDX_DATE_LEN];

	if (from > to)
		return mdx_err_set(e, MDX_EUSAGE,
				   "calendar: from date %s is after to date %s",
				   mdx_date_format(from, a),
				   mdx_date_format(to, b));
	if (from < cal_first_day() || to > cal_last_day())
		return mdx_err_set(
			e, MDX_EUSAGE,
			"calendar: %s is outside the years the "
			"calendar knows (%d to %d)",
			mdx_date_format(from < cal_first_day() ? from : to, a),
			MDX_CAL_FIRST_YEAR, MDX_CAL_LAST_YEAR);
	return 0;
}

int
mdx_check_calendar_range(const struct mdx_query *q, int64_t now_ms,
			 int32_t *from, int32_t *to, struct mdx_err *e)
{
	int32_t f, t;

	switch (q->has & (MDX_Q_FROM | MDX_Q_TO)) {
	case MDX_Q_FROM | MDX_Q_TO:
		f = q->from;
		t = q->to;
		break;
	case MDX_Q_FROM:
		f = q->from;
		t = month_end(f);
		break;
	case MDX_Q_TO:
		t = q->to;
		f = month_start(t);
		break;
	default:
		if (today_ny(now_ms, &f, e))
			return -1;
		t = month_end(f);
		f = month_start(f);
		break;
	}
	if (cal_range_ok(f, t, e))
		return -1;
	*from = f;
	*to = t;
	return 0;
}

/* the New York wall time of ms as "HH:MM" into buf (6 bytes) */
static int
wall_hhmm(int64_t ms, char *buf, struct mdx_err *e)
{
	int sec;

	if (mdx_tz_utc_to_local(MDX_CAL_ZONE, ms, NULL, &sec, NULL, e))
		return -1;
	buf[0] = (char)('0' + sec / 36000 % 3);
	buf[1] = (char)('0' + sec / 3600 % 10);
	buf[2] = ':';
	buf[3] = (char)('0' + sec / 600 % 6);
	buf[4] = (char)('0' + sec / 60 % 10);
	buf[5] = '\0';
	return 0;
}

/* the calendar row of day, a session; NULL with e set */
static json_t *
session_row(int32_t day, const char *wd, struct mdx_err *e)
{
	char date[MDX_DATE_LEN], oet[6], cet[6];
	char open[MDX_RFC3339_LEN], close[MDX_RFC3339_LEN];
	struct mdx_cal_session s;
	json_t *row;

	if (mdx_cal_session(day, &s, e) || wall_hhmm(s.open_ms, oet, e) ||
	    wall_hhmm(s.close_ms, cet, e))
		return NULL;
	row = json_pack("{s:s,s:s,s:b,s:s,s:s,s:s,s:s,s:b,s:s?}", "date",
			mdx_date_format(day, date), "weekday", wd, "session", 1,
			"open_et", oet, "close_et", cet, "open",
			mdx_rfc3339_format(s.open_ms, open), "close",
			mdx_rfc3339_format(s.close_ms, close), "early_close",
			s.early_close, "note", s.note);
	if (row == NULL)
		mdx_err_set(e, MDX_ENOMEM, "out of memory");
	return row;
}

long
mdx_check_calendar(int32_t from, int32_t to, unsigned flags, struct mdx_sink *k,
		   struct mdx_err *e)
{
	static const char *const cols[] = {"date",    "weekday",     "session",
					   "open_et", "close_et",    "open",
					   "close",   "early_close", "note"};
	static const char *const wd[] = {"Sun", "Mon", "Tue", "Wed",
					 "Thu", "Fri", "Sat"};
	long n = 0;

	if (cal_range_ok(from, to, e) ||
	    k->columns(k->ctx, cols, sizeof(cols) / sizeof(*cols), e))
		return -1;
	for (int32_t d = from; d <= to; d++) {
		int w = mdx_weekday(d), rc;
		char date[MDX_DATE_LEN];
		json_t *row;

		if (w == 0 || w == 6)
			continue;
		if (mdx_cal_is_session(d)) {
			if ((row = session_row(d, wd[w], e)) == NULL)
				return -1;
		} else if (flags & MDX_CHECK_CAL_ALL) {
			row = json_pack(
				"{s:s,s:s,s:b,s:n,s:n,s:n,s:n,s:b,s:s?}",
				"date", mdx_date_format(d, date), "weekday",
				wd[w], "session", 0, "open_et", "close_et",
				"open", "close", "early_close", 0, "note",
				mdx_cal_holiday(d));
			if (row == NULL)
				return mdx_err_set(e, MDX_ENOMEM,
						   "out of memory");
		} else {
			continue;
		}
		rc = k->row(k->ctx, row, e);
		json_decref(row);
		if (rc)
			return -1;
		n++;
	}
	return n;
}

/* ---- check: options ---- */

static const char *const kind_names[MDX_CHECK_N] = {
	[MDX_CHECK_MISSING] = "missing",
	[MDX_CHECK_STALE] = "stale",
	[MDX_CHECK_OUTSIDE] = "outside",
	[MDX_CHECK_ZERO_VOLUME] = "zero_volume",
	[MDX_CHECK_OUTLIER] = "outlier",
	[MDX_CHECK_SPLIT] = "split",
	[MDX_CHECK_ADJ_CLOSE] = "adj_close",
};

void
mdx_check_opts_init(struct mdx_check_opts *o)
{
	static const struct mdx_check_opts d = MDX_CHECK_OPTS_INIT;

	*o = d;
}

const char *
mdx_check_kind_name(int kind)
{
	return kind >= 0 && kind < MDX_CHECK_N ? kind_names[kind] : NULL;
}

int
mdx_check_kinds_parse(const char *s, unsigned *set, struct mdx_err *e)
{
	unsigned v = 0;
	const char *p = s;

	if (strcmp(s, "all") == 0) {
		*set = MDX_CHECK_ALL;
		return 0;
	}
	if (strcmp(s, "none") == 0) {
		*set = 0;
		return 0;
	}
	for (;;) {
		size_t n = strcspn(p, ",");
		int k;

		for (k = 0; k < MDX_CHECK_N; k++)
			if (strlen(kind_names[k]) == n &&
			    strncmp(p, kind_names[k], n) == 0)
				break;
		if (k == MDX_CHECK_N)
			return mdx_err_set(e, MDX_EUSAGE,
					   "'%.*s' is not a kind of check "
					   "(missing stale outside zero_volume "
					   "outlier split, all, none)",
					   (int)(n > 40 ? 40 : n), p);
		v |= 1u << k;
		if (p[n] == '\0')
			break;
		p += n + 1;
	}
	*set = v;
	return 0;
}

int
mdx_check_date_parse(const char *s, int64_t now_ms, int32_t *day,
		     struct mdx_err *e)
{
	if (strcmp(s, "today") == 0)
		return today_ny(now_ms, day, e);
	if (mdx_date_parse(s, day, e))
		return mdx_err_set(e, MDX_EUSAGE,
				   "'%.40s' is not a date (YYYY-MM-DD or "
				   "today)",
				   s);
	return 0;
}

int
mdx_check_failed(const struct mdx_check_opts *o,
		 const struct mdx_check_counts *c)
{
	for (int k = 0; k < MDX_CHECK_N; k++)
		if ((o->fail_on & (1u << k)) && c->found[k] > 0)
			return 1;
	return 0;
}

/* ---- check: the report ---- */

/* what a daily bar carries besides its close */
enum {
	B_OPEN = 1 << 0,
	B_HIGH = 1 << 1,
	B_LOW = 1 << 2,
	B_ADJ = 1 << 3,
	B_VOLUME = 1 << 4,
	B_US = 1 << 5,	      /* session not null: an NYSE-calendar symbol */
	B_ADJ_AS_OF = 1 << 6, /* adj_as_of is set */
};

struct cbar {
	int32_t date;		       /* trading date, days */
	unsigned flags;		       /* B_* */
	double open, high, low, close; /* prices */
	double adj;		       /* adj_close when B_ADJ */
	int32_t adj_as_of;	       /* its vintage (basis_as_of) */
	int64_t volume;		       /* shares when B_VOLUME */
};

/* what a return is, besides its value */
enum {
	R_ADJ = 1 << 0,	   /* from adj_close: both bars have one */
	R_ACTION = 1 << 1, /* a stored split explains it (adjusted) */
	R_NEAR = 1 << 2,   /* a stored split is within ACTION_DAYS */
	R_SPLIT = 1 << 3,  /* reported as a suspected split */
	R_BAD = 1 << 4,	   /* not a usable number */
};

struct finding {
	int32_t date;	  /* the date it is about */
	int kind;	  /* enum mdx_check_kind */
	int has_value;	  /* 0: null, 1: integer, 2: real */
	double value;	  /* the measure */
	char detail[240]; /* for people */
};

struct split_action {
	char symbol[MDX_SYMBOL_MAX + 1]; /* whose */
	int32_t date;			 /* ex-date */
	double ratio;			 /* new shares per old share */
};

/* the state of one report */
struct check {
	sqlite3 *db;			/* borrowed */
	const struct mdx_check_opts *o; /* borrowed */
	struct mdx_sink *k;		/* borrowed */
	struct mdx_check_counts *n;	/* borrowed, counts */
	struct mdx_err *e;		/* borrowed */
	int32_t lo, hi;			/* findings dated in [lo, hi] */
	int has_ref;			/* ref is set (stale runs) */
	int32_t ref;			/* stale is measured to this date */
	struct split_action *acts;	/* owned: all split actions */
	size_t nacts;			/* how many */

	/* the symbol being read */
	char sym[MDX_SYMBOL_MAX + 1]; /* its name, "" before the first */
	struct cbar *bars;	      /* owned: its daily bars, in order */
	size_t nbars, capbars;	      /* used, allocated */
	int has_last;		      /* last is set */
	int32_t last;		      /* latest daily or intraday date <= ref */
	int g_iv;		      /* intraday group outside sessions: */
	int32_t g_day;		      /* interval, New York date, */
	long g_n;		      /* bars (0: no group open) */
	struct finding *f;	      /* owned: its findings */
	size_t nf, capf;	      /* used, allocated */

	/* scratch for the returns, sized to capbars */
	double *x, *z, *tmp; /* returns, z-scores, sort buffer */
	unsigned char *rf;   /* R_* of each return */
	size_t capx;	     /* elements allocated in each */
};

/* grow *p (elements of size sz, *cap of them) to hold need; 0 or -1 */
static int
grow(void *p, size_t *cap, size_t need, size_t sz)
{
	size_t c = *cap ? *cap : 64;
	void *q;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	if ((q = mdx_realloc(*(void **)p, c * sz)) == NULL)
		return -1;
	*(void **)p = q;
	*cap = c;
	return 0;
}

static struct finding *
add_finding(struct check *c, int kind, int32_t date)
{
	struct finding *f;

	if (grow(&c->f, &c->capf, c->nf + 1, sizeof(*c->f))) {
		mdx_err_set(c->e, MDX_ENOMEM, "out of memory");
		return NULL;
	}
	f = &c->f[c->nf++];
	f->date = date;
	f->kind = kind;
	f->has_value = 0;
	f->value = 0;
	f->detail[0] = '\0';
	return f;
}

static int
want(const struct check *c, int kind)
{
	return (c->o->kinds & (1u << kind)) != 0;
}

/* the name of a closed weekday, or of the day of a weekend */
static const char *
closed_name(int32_t day)
{
	static const char *const wd[] = {"Sunday",    "Monday",	  "Tuesday",
					 "Wednesday", "Thursday", "Friday",
					 "Saturday"};
	const char *h = mdx_cal_holiday(day);

	return h ? h : wd[mdx_weekday(day)];
}

/* close the open group of intraday bars outside sessions */
static int
flush_group(struct check *c)
{
	struct finding *f;

	if (c->g_n == 0)
		return 0;
	if ((f = add_finding(c, MDX_CHECK_OUTSIDE, c->g_day)) == NULL)
		return -1;
	f->has_value = 1;
	f->value = (double)c->g_n;
	if (mdx_cal_is_session(c->g_day))
		snprintf(f->detail, sizeof(f->detail),
			 "%ld %s bar%s outside the trading day (04:00-20:00 "
			 "New York, 17:00 on an early close)",
			 c->g_n, mdx_interval_name(c->g_iv),
			 c->g_n == 1 ? "" : "s");
	else
		snprintf(f->detail, sizeof(f->detail),
			 "%ld %s bar%s on a day without a session (%s)", c->g_n,
			 mdx_interval_name(c->g_iv), c->g_n == 1 ? "" : "s",
			 closed_name(c->g_day));
	c->g_n = 0;
	return 0;
}

/* an intraday bar of an NYSE symbol starting at ts */
static int
intraday_bar(struct check *c, int iv, int64_t ts)
{
	enum mdx_cal_phase ph;
	int32_t day;

	if (mdx_cal_classify(ts, &ph, &day, c->e))
		return -1;
	if (ph != MDX_CAL_CLOSED)
		return 0;
	if (c->g_n > 0 && (c->g_iv != iv || c->g_day != day) && flush_group(c))
		return -1;
	c->g_iv = iv;
	c->g_day = day;
	c->g_n++;
	return 0;
}

/* daily bars on days without a session */
static int
check_outside(struct check *c)
{
	for (size_t i = 0; i < c->nbars; i++) {
		const struct cbar *b = &c->bars[i];
		struct finding *f;

		if (!(b->flags & B_US) || mdx_cal_is_session(b->date))
			continue;
		if ((f = add_finding(c, MDX_CHECK_OUTSIDE, b->date)) == NULL)
			return -1;
		f->has_value = 1;
		f->value = 1;
		snprintf(f->detail, sizeof(f->detail),
			 "daily bar on a day without a session (%s)",
			 closed_name(b->date));
	}
	return 0;
}

/* sessions without a daily bar between two daily bars */
static int
check_missing(struct check *c)
{
	int32_t clo = c->lo > cal_first_day() ? c->lo : cal_first_day();
	int32_t chi = c->hi < cal_last_day() ? c->hi : cal_last_day();

	for (size_t i = 1; i < c->nbars; i++) {
		const struct cbar *p = &c->bars[i - 1], *b = &c->bars[i];
		char d1[MDX_DATE_LEN], d2[MDX_DATE_LEN];
		char p1[MDX_DATE_LEN], p2[MDX_DATE_LEN];
		int32_t lo = p->date + 1, hi = b->date - 1;
		struct finding *f;
		size_t n;

		if (!(p->flags & B_US) || !(b->flags & B_US))
			continue;
		if (lo < clo)
			lo = clo;
		if (hi > chi)
			hi = chi;
		if (lo > hi || (n = mdx_cal_sessions(lo, hi, NULL, 0)) == 0)
			continue;
		lo = mdx_cal_next_session(lo - 1);
		hi = mdx_cal_prev_session(hi + 1);
		if ((f = add_finding(c, MDX_CHECK_MISSING, lo)) == NULL)
			return -1;
		f->has_value = 1;
		f->value = (double)n;
		mdx_date_format(p->date, p1);
		mdx_date_format(b->date, p2);
		if (n == 1)
			snprintf(f->detail, sizeof(f->detail),
				 "1 session without a bar, %s (bars on %s and "
				 "%s)",
				 mdx_date_format(lo, d1), p1, p2);
		else
			snprintf(f->detail, sizeof(f->detail),
				 "%zu sessions without a bar, %s to %s (bars "
				 "on %s and %s)",
				 n, mdx_date_format(lo, d1),
				 mdx_date_format(hi, d2), p1, p2);
	}
	return 0;
}

/* the last bar more than o->stale sessions before the reference date */
static int
check_stale(struct check *c)
{
	char d1[MDX_DATE_LEN], d2[MDX_DATE_LEN];
	struct finding *f;
	size_t n;

	if (!c->has_ref || !c->has_last || c->last >= c->ref)
		return 0;
	n = mdx_cal_sessions(c->last + 1, c->ref, NULL, 0);
	if (n <= (size_t)c->o->stale)
		return 0;
	if ((f = add_finding(c, MDX_CHECK_STALE, c->last)) == NULL)
		return -1;
	f->has_value = 1;
	f->value = (double)n;
	snprintf(f->detail, sizeof(f->detail),
		 "last bar %s, %zu sessions before %s (more than %d)",
		 mdx_date_format(c->last, d1), n, mdx_date_format(c->ref, d2),
		 c->o->stale);
	return 0;
}

/* runs of at least o->zero_volume daily bars with volume 0 */
static int
check_zero_volume(struct check *c)
{
	size_t i = 0, run, any = 0;

	/* a symbol whose bars never have a volume above 0 has no volume
	 * data (FX pairs at Yahoo): nothing to report */
	for (size_t j = 0; j < c->nbars; j++)
		if ((c->bars[j].flags & B_VOLUME) && c->bars[j].volume > 0)
			any = 1;
	if (!any)
		return 0;
	while (i < c->nbars) {
		char d1[MDX_DATE_LEN], d2[MDX_DATE_LEN];
		size_t s = i, at;
		struct finding *f;

		if (!(c->bars[i].flags & B_VOLUME) || c->bars[i].volume != 0) {
			i++;
			continue;
		}
		while (i < c->nbars && (c->bars[i].flags & B_VOLUME) &&
		       c->bars[i].volume == 0)
			i++;
		run = i - s;
		if (run < (size_t)c->o->zero_volume)
			continue;
		/* dated at its first bar within the range of findings */
		for (at = s; at < i - 1 && c->bars[at].date < c->lo; at++)
			;
		f = add_finding(c, MDX_CHECK_ZERO_VOLUME, c->bars[at].date);
		if (f == NULL)
			return -1;
		f->has_value = 1;
		f->value = (double)run;
		snprintf(f->detail, sizeof(f->detail),
			 "%zu daily bars in a row with volume 0, %s to %s", run,
			 mdx_date_format(c->bars[s].date, d1),
			 mdx_date_format(c->bars[i - 1].date, d2));
	}
	return 0;
}

/*
 * Split ratios R (new shares per old share) a check recognises: forward
 * splits, then reverse splits.  3:2 is left out on purpose: a day that
 * opens a third down is as often a crash (BBY 2014-01-16 opened at 0.69 of
 * the close before and closed at 0.71), and such a day is reported as an
 * outlier anyway.
 */
static const double splits[] = {
	2,	  3,	    4,	      5,	6,	  7,	    8,
	10,	  15,	    20,	      25,	30,	  50,	    1.0 / 2,
	1.0 / 3,  1.0 / 4,  1.0 / 5,  1.0 / 6,	1.0 / 8,  1.0 / 10, 1.0 / 12,
	1.0 / 15, 1.0 / 20, 1.0 / 25, 1.0 / 30, 1.0 / 40, 1.0 / 50, 1.0 / 100};

/* "2:1", "1:10" */
static const char *
ratio_text(double r, char *buf, size_t n)
{
	if (r >= 1)
		snprintf(buf, n, "%.0f:1", r);
	else
		snprintf(buf, n, "1:%.0f", 1 / r);
	return buf;
}

/*
 * The split ratio R that the move from bar p to bar b looks like, or 0.  A
 * split happens overnight: b opens within MDX_CHECK_SPLIT_OPEN_TOL of p's
 * close / R (R chosen by the open), and closes within
 * MDX_CHECK_SPLIT_CLOSE_TOL of it, room for the day's own move (AAPL
 * closed 9.9% above half its close on its split day 2000-06-21, 3.4% above
 * a quarter on 2020-08-31).  A crash opens nearer the day before (CHK
 * 2016-02-08 closed at exactly 2/3 of the day before but opened at 0.84).
 * A bar without an open must close within MDX_CHECK_SPLIT_TOL.  When both
 * bars have an adj_close, it must have moved alike too, else the provider
 * adjusted for the split.
 */
static double
split_like(const struct cbar *p, const struct cbar *b)
{
	int has_open = (b->flags & B_OPEN) != 0;
	double q = (has_open ? b->open : b->close) / p->close, r = 0;
	double best = has_open ? MDX_CHECK_SPLIT_OPEN_TOL : MDX_CHECK_SPLIT_TOL;

	for (size_t i = 0; i < sizeof(splits) / sizeof(*splits); i++) {
		double d = fabs(q * splits[i] - 1);

		if (d <= best) {
			best = d;
			r = splits[i];
		}
	}
	if (r == 0 || fabs(b->close / p->close * r - 1) >
			      (has_open ? MDX_CHECK_SPLIT_CLOSE_TOL
					: MDX_CHECK_SPLIT_TOL))
		return 0;
	if ((p->flags & B_ADJ) && (b->flags & B_ADJ) &&
	    fabs(b->adj / p->adj * r - 1) > MDX_CHECK_SPLIT_CLOSE_TOL)
		return 0;
	return r;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* the median of v[0..n-1] (n > 0), sorting v */
static double
median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* the split actions of the current symbol: *first and the count */
static size_t
symbol_actions(const struct check *c, size_t *first)
{
	size_t lo = 0, hi = c->nacts, n = 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(c->acts[mid].symbol, c->sym) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	while (lo + n < c->nacts && strcmp(c->acts[lo + n].symbol, c->sym) == 0)
		n++;
	return n;
}

/*
 * A stored split whose ex-date has bars on both sides within ACTION_DAYS
 * but no jump near its ratio: the store holds prices as traded
 * (mdx-load(1)), so these closes were adjusted for it already (a
 * split-adjusted source loaded without its basis, or a wrong split).
 * Reported as a split finding; 0 or -1 (no memory).
 */
static int
unmatched_split(struct check *c, const struct split_action *a)
{
	const struct cbar *b = c->bars;
	char d0[MDX_DATE_LEN], rt[16];
	struct finding *f;
	size_t i;

	for (i = 1; i < c->nbars; i++)
		if (b[i].date >= a->date)
			break;
	if (i >= c->nbars ||
	    b[i].date - b[i - 1].date > MDX_CHECK_ACTION_DAYS ||
	    b[i].date - a->date > MDX_CHECK_ACTION_DAYS ||
	    !(b[i].close > 0 && b[i - 1].close > 0))
		return 0;
	if ((f = add_finding(c, MDX_CHECK_SPLIT, b[i].date)) == NULL)
		return -1;
	f->has_value = 2;
	f->value = a->ratio;
	snprintf(f->detail, sizeof(f->detail),
		 "a %s split is stored for %s, but close %.10g after %.10g "
		 "(x%.4f) shows no such jump: these prices are not as traded",
		 ratio_text(a->ratio, rt, sizeof(rt)),
		 mdx_date_format(a->date, d0), b[i].close, b[i - 1].close,
		 b[i].close / b[i - 1].close);
	return 0;
}

/* the returns of the daily bars into c->x and c->rf, split actions
 * applied; the suspected splits reported */
static int
daily_returns(struct check *c)
{
	const struct cbar *b = c->bars;
	size_t n = c->nbars, a0, na = symbol_actions(c, &a0);

	for (size_t i = 1; i < n; i++) {
		c->rf[i] = 0;
		c->x[i] = b[i].close > 0 && b[i - 1].close > 0
				  ? log(b[i].close / b[i - 1].close)
				  : NAN;
		if (!isfinite(c->x[i])) {
			c->rf[i] = R_BAD; /* a close that is no price */
			continue;
		}
		if ((b[i].flags & B_ADJ) && (b[i - 1].flags & B_ADJ) &&
		    b[i].adj > 0 && b[i - 1].adj > 0 &&
		    isfinite(log(b[i].adj / b[i - 1].adj))) {
			c->x[i] = log(b[i].adj / b[i - 1].adj);
			c->rf[i] = R_ADJ;
		}
	}
	/* a stored split explains the return nearest its ratio within
	 * ACTION_DAYS, if that one is nearer the ratio than no change (else
	 * the prices are adjusted already) */
	for (size_t j = a0; j < a0 + na; j++) {
		double lr = log(c->acts[j].ratio), bestd = fabs(lr) / 2;
		size_t best = 0;

		for (size_t i = 1; i < n; i++) {
			double d;

			if (llabs((long long)b[i].date - c->acts[j].date) >
			    MDX_CHECK_ACTION_DAYS)
				continue;
			c->rf[i] |= R_NEAR;
			if (c->rf[i] & R_BAD)
				continue;
			d = fabs(log(b[i].close / b[i - 1].close) + lr);
			if (d < bestd) {
				bestd = d;
				best = i;
			}
		}
		if (best > 0 && !(c->rf[best] & R_ACTION)) {
			if (!(c->rf[best] & R_ADJ))
				c->x[best] += lr;
			c->rf[best] |= R_ACTION;
		} else if (best == 0 && want(c, MDX_CHECK_SPLIT) &&
			   unmatched_split(c, &c->acts[j]) < 0) {
			return -1;
		}
	}
	if (!want(c, MDX_CHECK_SPLIT))
		return 0;
	for (size_t i = 1; i < n; i++) {
		char d1[MDX_DATE_LEN], rt[16], op[40];
		struct finding *f;
		double r;

		if (c->rf[i] & (R_BAD | R_NEAR) ||
		    (r = split_like(&b[i - 1], &b[i])) == 0)
			continue;
		c->rf[i] |= R_SPLIT;
		if ((f = add_finding(c, MDX_CHECK_SPLIT, b[i].date)) == NULL)
			return -1;
		f->has_value = 2;
		f->value = r;
		if (b[i].flags & B_OPEN)
			snprintf(op, sizeof(op), "open %.10g and ", b[i].open);
		else
			op[0] = '\0';
		snprintf(f->detail, sizeof(f->detail),
			 "%sclose %.10g after a close of %.10g on %s (x%.4f): "
			 "like a %s split, and no split action is stored",
			 op, b[i].close, b[i - 1].close,
			 mdx_date_format(b[i - 1].date, d1),
			 b[i].close / b[i - 1].close,
			 ratio_text(r, rt, sizeof(rt)));
	}
	return 0;
}

/* percent change of log return x, for people */
static double
pct(double x)
{
	return (exp(x) - 1) * 100;
}

/* robust z-scores of the returns; outliers and spikes reported */
static int
check_outliers(struct check *c)
{
	const struct cbar *b = c->bars;
	double k = c->o->outlier, med, sd;
	size_t n = c->nbars, m = 0;

	for (size_t i = 1; i < n; i++)
		if (!(c->rf[i] & (R_BAD | R_SPLIT)))
			c->tmp[m++] = c->x[i];
	if (m < MDX_CHECK_MIN_RETURNS)
		return 0;
	med = median(c->tmp, m);
	for (size_t i = 0; i < m; i++)
		c->tmp[i] = fabs(c->tmp[i] - med);
	sd = 1.4826 * median(c->tmp, m);
	if (!(sd > 1e-12))
		return 0; /* most closes unchanged: no scale to measure by */
	for (size_t i = 1; i < n; i++)
		c->z[i] = (c->x[i] - med) / sd;
	for (size_t i = 1; i < n; i++) {
		int adj = (c->rf[i] & R_ADJ) != 0;
		const char *what = adj ? "adj_close"
				   : c->rf[i] & R_ACTION
					   ? "split-adjusted close"
					   : "close";
		double p0 = adj ? b[i - 1].adj : b[i - 1].close;
		double p1 = adj ? b[i].adj : b[i].close;
		char d1[MDX_DATE_LEN];
		struct finding *f;
		int spike;

		if (c->rf[i] & (R_BAD | R_SPLIT))
			continue;
		/* a bar that jumps and comes back the next session: both
		 * moves beyond K/2, opposite, the two together not */
		spike = i + 1 < n && !(c->rf[i + 1] & (R_BAD | R_SPLIT)) &&
			fabs(c->z[i]) >= k / 2 && fabs(c->z[i + 1]) >= k / 2 &&
			c->z[i] * c->z[i + 1] < 0 &&
			fabs(c->z[i] + c->z[i + 1]) < k / 2;
		if (!spike && !(fabs(c->z[i]) >= k))
			continue;
		if ((f = add_finding(c, MDX_CHECK_OUTLIER, b[i].date)) == NULL)
			return -1;
		f->has_value = 2;
		f->value = round(c->z[i] * 10) / 10;
		mdx_date_format(b[i - 1].date, d1);
		if (spike) {
			double p2 = (c->rf[i + 1] & R_ADJ) ? b[i + 1].adj
							   : b[i + 1].close;
			char d2[MDX_DATE_LEN];

			snprintf(f->detail, sizeof(f->detail),
				 "spike: %s %.10g after %.10g on %s and "
				 "%.10g on %s: %+.1f%% then %+.1f%% (%+.1f "
				 "and %+.1f robust sd of %.2f%%)",
				 what, p1, p0, d1, p2,
				 mdx_date_format(b[i + 1].date, d2),
				 pct(c->x[i]), pct(c->x[i + 1]), c->z[i],
				 c->z[i + 1], sd * 100);
			i++;
		} else {
			snprintf(f->detail, sizeof(f->detail),
				 "%s %.10g after %.10g on %s: %+.1f%% (%+.1f "
				 "robust sd of %.2f%%)",
				 what, p1, p0, d1, pct(c->x[i]), c->z[i],
				 sd * 100);
		}
	}
	return 0;
}

static int
cmp_finding(const void *a, const void *b)
{
	const struct finding *x = a, *y = b;

	if (x->date != y->date)
		return x->date < y->date ? -1 : 1;
	return x->kind - y->kind;
}

/* send the current symbol's findings, in order */
static int
emit(struct check *c)
{
	if (c->nf > 1)
		qsort(c->f, c->nf, sizeof(*c->f), cmp_finding);
	for (size_t i = 0; i < c->nf; i++) {
		const struct finding *f = &c->f[i];
		char date[MDX_DATE_LEN];
		json_t *row, *v;
		int rc;

		if (f->kind != MDX_CHECK_STALE &&
		    (f->date < c->lo || f->date > c->hi))
			continue;
		v = f->has_value == 0	? json_null()
		    : f->has_value == 1 ? json_integer((json_int_t)f->value)
					: json_real(f->value);
		row = json_pack("{s:s,s:s,s:s,s:o,s:s}", "symbol", c->sym,
				"date", mdx_date_format(f->date, date), "kind",
				kind_names[f->kind], "value", v, "detail",
				f->detail);
		if (row == NULL)
			return mdx_err_set(c->e, MDX_ENOMEM, "out of memory");
		rc = c->k->row(c->k->ctx, row, c->e);
		json_decref(row);
		if (rc)
			return -1;
		c->n->found[f->kind]++;
	}
	return 0;
}

/* size the scratch arrays for c->nbars bars; 0 or -1 */
static int
scratch(struct check *c)
{
	size_t cx = c->capx, cz = c->capx, ct = c->capx, cr = c->capx;

	if (grow(&c->x, &cx, c->nbars, sizeof(*c->x)) ||
	    grow(&c->z, &cz, c->nbars, sizeof(*c->z)) ||
	    grow(&c->tmp, &ct, c->nbars, sizeof(*c->tmp)) ||
	    grow(&c->rf, &cr, c->nbars, sizeof(*c->rf)))
		return mdx_err_set(c->e, MDX_ENOMEM, "out of memory");
	c->capx = cx;
	return 0;
}

/* the current symbol is complete: check it, send its findings, reset */
/* one run of bars whose adj_close disagrees, as a finding */
static int
adj_finding(struct check *c, size_t first, size_t last, size_t n, double worst)
{
	struct finding *f;
	char d1[MDX_DATE_LEN], d2[MDX_DATE_LEN], v[MDX_DATE_LEN];

	if ((f = add_finding(c, MDX_CHECK_ADJ_CLOSE, c->bars[first].date)) ==
	    NULL)
		return -1;
	f->has_value = 2;
	f->value = worst;
	snprintf(f->detail, sizeof(f->detail),
		 "adj_close is off the total-return factor of the stored "
		 "actions by up to %.2f%% on %zu bar%s, %s to %s (adjusted as "
		 "of %s): an action missing or wrong in the store or in the "
		 "provider's answer",
		 worst * 100, n, n == 1 ? "" : "s",
		 mdx_date_format(c->bars[first].date, d1),
		 mdx_date_format(c->bars[last].date, d2),
		 mdx_date_format(c->bars[first].adj_as_of, v));
	return 0;
}

/*
 * adj_close: a provider's adjusted close (split and dividend adjusted as of
 * its answer's date, basis_as_of) over the close as traded is the product
 * of the factors of the actions with ex-date in (date, basis_as_of]; the
 * same product from the stored actions (mdx_adjust.h, total) should agree.
 * Each run of consecutive bars where they differ by more than
 * MDX_CHECK_ADJ_TOL is one finding, dated by its first bar; value is the
 * largest relative difference.  Bars without adj_close or its vintage are
 * not compared.
 */
static int
check_adj_close(struct check *c)
{
	struct mdx_adjuster *a = NULL;
	size_t first = 0, last = 0, run = 0;
	double worst = 0;
	int ret = -1;

	for (size_t i = 0; i < c->nbars; i++)
		if ((c->bars[i].flags & (B_ADJ | B_ADJ_AS_OF)) ==
		    (B_ADJ | B_ADJ_AS_OF))
			goto compare;
	return 0;
compare:
	if ((a = mdx_adjuster_load(c->db, c->sym, c->e)) == NULL)
		return -1;
	for (size_t i = 0; i < c->nbars; i++) {
		const struct cbar *b = &c->bars[i];
		double want, got, d;
		int bad = 0;

		if ((b->flags & (B_ADJ | B_ADJ_AS_OF)) ==
			    (B_ADJ | B_ADJ_AS_OF) &&
		    b->date >= c->lo && b->date <= c->hi && b->close > 0 &&
		    b->adj > 0 && b->adj_as_of >= b->date) {
			want = mdx_adjuster_price(a, MDX_ADJUST_TOTAL,
						  b->date) /
			       mdx_adjuster_price(a, MDX_ADJUST_TOTAL,
						  b->adj_as_of);
			got = b->adj / b->close;
			d = fabs(got / want - 1);
			bad = d > MDX_CHECK_ADJ_TOL;
		}
		if (bad) {
			if (run == 0 ||
			    b->adj_as_of != c->bars[first].adj_as_of) {
				if (run > 0 &&
				    adj_finding(c, first, last, run, worst))
					goto out;
				first = i;
				run = 0;
				worst = 0;
			}
			last = i;
			run++;
			if (d > worst)
				worst = d;
		} else if (run > 0) {
			if (adj_finding(c, first, last, run, worst))
				goto out;
			run = 0;
		}
	}
	if (run > 0 && adj_finding(c, first, last, run, worst))
		goto out;
	ret = 0;
out:
	mdx_adjuster_free(a);
	return ret;
}

static int
finish_symbol(struct check *c)
{
	size_t n = c->nbars;
	int ret = -1;

	if (c->sym[0] == '\0')
		return 0;
	c->n->symbols++;
	if (flush_group(c))
		goto out;
	if (want(c, MDX_CHECK_OUTSIDE) && check_outside(c))
		goto out;
	if (want(c, MDX_CHECK_MISSING) && check_missing(c))
		goto out;
	if (want(c, MDX_CHECK_STALE) && check_stale(c))
		goto out;
	if (want(c, MDX_CHECK_ZERO_VOLUME) && check_zero_volume(c))
		goto out;
	if (want(c, MDX_CHECK_ADJ_CLOSE) && check_adj_close(c))
		goto out;
	if (n >= 2 &&
	    (want(c, MDX_CHECK_OUTLIER) || want(c, MDX_CHECK_SPLIT))) {
		if (scratch(c))
			goto out;
		if (daily_returns(c))
			goto out;
		if (want(c, MDX_CHECK_OUTLIER) && check_outliers(c))
			goto out;
	}
	ret = emit(c);
out:
	c->sym[0] = '\0';
	c->nbars = 0;
	c->nf = 0;
	c->has_last = 0;
	c->g_n = 0;
	return ret;
}

static const char *
col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? (const char *)t : "";
}

/* columns of the bar statements */
#define CHECK_COLS_SQL                                                         \
	"SELECT symbol, interval, ts, date, open, high, low, close, "          \
	"adj_close, volume, session IS NOT NULL, basis_as_of FROM bars "

/* one row of a bar statement */
static int
feed(struct check *c, sqlite3_stmt *st)
{
	const char *sym = col_text(st, 0);
	int iv = mdx_interval_parse(col_text(st, 1)), us;
	int32_t date;
	struct cbar *b;

	if (strcmp(sym, c->sym) != 0) {
		if (finish_symbol(c))
			return -1;
		snprintf(c->sym, sizeof(c->sym), "%s", sym);
	}
	c->n->bars++;
	if (iv < 0 || (iv != MDX_I1D && !mdx_interval_intraday(iv)))
		return 0; /* 5d, 1wk, 1mo, 3mo: periods, not days */
	if (mdx_date_parse(col_text(st, 3), &date, c->e))
		return mdx_err_set(c->e, MDX_EDB, "bar %s with date '%.16s'",
				   c->sym, col_text(st, 3));
	if (c->has_ref && date <= c->ref && (!c->has_last || date > c->last)) {
		c->last = date;
		c->has_last = 1;
	}
	us = sqlite3_column_int(st, 10);
	if (iv != MDX_I1D)
		return us && want(c, MDX_CHECK_OUTSIDE)
			       ? intraday_bar(c, iv,
					      sqlite3_column_int64(st, 2))
			       : 0;
	if (grow(&c->bars, &c->capbars, c->nbars + 1, sizeof(*c->bars)))
		return mdx_err_set(c->e, MDX_ENOMEM, "out of memory");
	b = &c->bars[c->nbars++];
	b->date = date;
	b->flags = us ? B_US : 0;
	b->close = sqlite3_column_double(st, 7);
	if (sqlite3_column_type(st, 4) != SQLITE_NULL) {
		b->open = sqlite3_column_double(st, 4);
		b->flags |= B_OPEN;
	}
	if (sqlite3_column_type(st, 5) != SQLITE_NULL) {
		b->high = sqlite3_column_double(st, 5);
		b->flags |= B_HIGH;
	}
	if (sqlite3_column_type(st, 6) != SQLITE_NULL) {
		b->low = sqlite3_column_double(st, 6);
		b->flags |= B_LOW;
	}
	if (sqlite3_column_type(st, 8) != SQLITE_NULL) {
		b->adj = sqlite3_column_double(st, 8);
		b->flags |= B_ADJ;
	}
	if (sqlite3_column_type(st, 9) != SQLITE_NULL) {
		b->volume = sqlite3_column_int64(st, 9);
		b->flags |= B_VOLUME;
	}
	if (sqlite3_column_type(st, 11) != SQLITE_NULL) {
		struct mdx_err ignore;

		if (mdx_date_parse(col_text(st, 11), &b->adj_as_of, &ignore) ==
		    0)
			b->flags |= B_ADJ_AS_OF;
	}
	return 0;
}

static int
db_fail(struct check *c, const char *what)
{
	return mdx_err_set(c->e, MDX_EDB, "%s: %s", what,
			   sqlite3_errmsg(c->db));
}

/* step st to its end, feeding each row; the rows it gave, or -1 */
static long
scan(struct check *c, sqlite3_stmt *st)
{
	long rows = 0;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (feed(c, st))
			return -1;
		rows++;
	}
	if (rc != SQLITE_DONE)
		return db_fail(c, "read bars");
	return rows;
}

/* every split action, ordered by symbol and date */
static int
load_actions(struct check *c)
{
	static const char sql[] =
		"SELECT symbol, date, value FROM actions WHERE kind = 'split' "
		"AND value > 0 ORDER BY symbol, date";
	sqlite3_stmt *st = NULL;
	size_t cap = 0;
	int rc, ret = -1;

	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(c, "read actions");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct split_action *a;

		if (grow(&c->acts, &cap, c->nacts + 1, sizeof(*c->acts))) {
			mdx_err_set(c->e, MDX_ENOMEM, "out of memory");
			goto out;
		}
		a = &c->acts[c->nacts];
		if (mdx_date_parse(col_text(st, 1), &a->date, NULL))
			continue; /* not a date: nothing it could explain */
		snprintf(a->symbol, sizeof(a->symbol), "%s", col_text(st, 0));
		a->ratio = sqlite3_column_double(st, 2);
		c->nacts++;
	}
	if (rc != SQLITE_DONE) {
		db_fail(c, "read actions");
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	return ret;
}

/* the default reference date of stale: the latest daily or intraday bar
 * in the store, up to the end of the range */
static int
latest_date(struct check *c)
{
	static const char sql[] =
		"SELECT max(date) FROM bars WHERE interval NOT IN ('5d', "
		"'1wk', '1mo', '3mo') AND date <= ?1";
	char hi[MDX_DATE_LEN];
	sqlite3_stmt *st = NULL;
	int rc, ret = -1;

	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(c, "latest bar");
	if (c->hi == INT32_MAX)
		snprintf(hi, sizeof(hi), "9999-12-31");
	else
		mdx_date_format(c->hi, hi);
	sqlite3_bind_text(st, 1, hi, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		db_fail(c, "latest bar");
		goto out;
	}
	if (sqlite3_column_type(st, 0) != SQLITE_NULL &&
	    mdx_date_parse(col_text(st, 0), &c->ref, NULL) == 0)
		c->has_ref = 1;
	ret = 0;
out:
	sqlite3_finalize(st);
	return ret;
}

/* check the options and the symbols of a report */
static int
check_args(const struct mdx_query *q, const struct mdx_check_opts *o,
	   struct mdx_err *e)
{
	for (size_t i = 0; i < q->nsymbols; i++)
		if (!mdx_symbol_valid(q->symbols[i]))
			return mdx_err_field(e, MDX_EINPUT, "symbol",
					     "invalid symbol '%.40s'",
					     q->symbols[i]);
	if (!(o->outlier > 0) || !isfinite(o->outlier))
		return mdx_err_field(e, MDX_EINPUT, "outlier",
				     "must be a number above 0");
	if (o->zero_volume < 1)
		return mdx_err_field(e, MDX_EINPUT, "zero_volume",
				     "must be 1 or more");
	if (o->stale < 0)
		return mdx_err_field(e, MDX_EINPUT, "stale",
				     "must be 0 or more");
	if ((o->kinds & ~MDX_CHECK_ALL) != 0)
		return mdx_err_field(e, MDX_EINPUT, "kinds", "unknown kind");
	return 0;
}

int
mdx_check_report(struct mdx_store *s, const struct mdx_query *q,
		 const struct mdx_check_opts *o, struct mdx_sink *k,
		 struct mdx_check_counts *counts, struct mdx_err *e)
{
	static const char *const cols[] = {"symbol", "date", "kind", "value",
					   "detail"};
	struct mdx_check_counts nc;
	struct check c;
	sqlite3_stmt *st = NULL;
	int ret = -1, began = 0, missing = 0;

	memset(&c, 0, sizeof(c));
	memset(&nc, 0, sizeof(nc));
	c.db = mdx_store_db(s);
	c.o = o;
	c.k = k;
	c.n = counts ? counts : &nc;
	c.e = e;
	memset(c.n, 0, sizeof(*c.n));
	c.lo = (q->has & MDX_Q_FROM) ? q->from : INT32_MIN;
	c.hi = (q->has & MDX_Q_TO) ? q->to : INT32_MAX;
	if (check_args(q, o, e) || k->columns(k->ctx, cols, 5, e))
		return -1;
	/* one read transaction: a loader committing meanwhile is seen
	 * wholly or not at all */
	if (sqlite3_get_autocommit(c.db)) {
		if (sqlite3_exec(c.db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
			return db_fail(&c, "begin");
		began = 1;
	}
	if (load_actions(&c))
		goto out;
	if (want(&c, MDX_CHECK_STALE)) {
		if (o->has_as_of) {
			c.ref = o->as_of;
			c.has_ref = 1;
		} else if (latest_date(&c)) {
			goto out;
		}
	}
	if (q->nsymbols == 0) {
		if (sqlite3_prepare_v2(c.db,
				       CHECK_COLS_SQL
				       "ORDER BY symbol, interval, ts",
				       -1, &st, NULL) != SQLITE_OK) {
			db_fail(&c, "read bars");
			goto out;
		}
		if (scan(&c, st) < 0 || finish_symbol(&c))
			goto out;
	} else {
		if (sqlite3_prepare_v2(c.db,
				       CHECK_COLS_SQL "WHERE symbol = ?1 "
						      "ORDER BY interval, ts",
				       -1, &st, NULL) != SQLITE_OK) {
			db_fail(&c, "read bars");
			goto out;
		}
		for (size_t i = 0; i < q->nsymbols; i++) {
			long rows;

			sqlite3_reset(st);
			sqlite3_bind_text(st, 1, q->symbols[i], -1,
					  SQLITE_STATIC);
			if ((rows = scan(&c, st)) < 0 || finish_symbol(&c))
				goto out;
			if (rows == 0 && k->miss != NULL) {
				struct mdx_err me;

				mdx_err_clear(&me);
				mdx_err_set(&me, MDX_ENOTFOUND,
					    "symbol '%s' not in the store",
					    q->symbols[i]);
				k->miss(k->ctx, &me);
			}
			missing += rows == 0;
		}
	}
	ret = missing;
out:
	sqlite3_finalize(st);
	if (began)
		sqlite3_exec(c.db, "COMMIT", NULL, NULL, NULL);
	mdx_free(c.acts);
	mdx_free(c.bars);
	mdx_free(c.f);
	mdx_free(c.x);
	mdx_free(c.z);
	mdx_free(c.tmp);
	mdx_free(c.rf);
	return ret;
}
