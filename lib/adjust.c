/*
 * adjust.c - adjusted prices computed on read: a symbol's corporate
 * actions turned into cumulative back-adjustment factors (mdx_adjust.h).
 *
 * The actions are sorted by ex-date and merged per day; for the i-th
 * action day the suffix products over actions i .. n-1 are kept, so the
 * factor of a trading day d is the suffix at the first action day > d,
 * found by binary search (1 past the last action).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mdx_adjust.h"
#include "mdx_alloc.h"
#include "mdx_store.h"
#include "mdx_time.h"

struct mdx_adjuster {
	size_t n;	 /* action days */
	int32_t *day;	 /* owned: n ex-dates, ascending */
	double *ratio;	 /* owned: n split ratios of that day (1: none) */
	double *vol;	 /* owned: n + 1 suffix products of ratio */
	double *div;	 /* owned: n + 1 suffix products of 1 - d/pc */
	size_t unpriced; /* dividends without a prev_close */
};

int
mdx_adjust_parse(const char *text, enum mdx_adjust *out, struct mdx_err *e)
{
	static const enum mdx_adjust modes[] = {
		MDX_ADJUST_NONE, MDX_ADJUST_SPLIT, MDX_ADJUST_TOTAL};
	size_t i;

	for (i = 0; text != NULL && i < sizeof(modes) / sizeof(*modes); i++)
		if (strcmp(text, mdx_adjust_name(modes[i])) == 0) {
			*out = modes[i];
			return 0;
		}
	return mdx_err_set(e, MDX_EUSAGE,
			   "adjust '%s': expected none, split or total",
			   text != NULL ? text : "");
}

const char *
mdx_adjust_name(enum mdx_adjust mode)
{
	switch (mode) {
	case MDX_ADJUST_SPLIT:
		return "split";
	case MDX_ADJUST_TOTAL:
		return "total";
	case MDX_ADJUST_NONE:
	default:
		return "none";
	}
}

static int
cmp_action(const void *a, const void *b)
{
	const struct mdx_adjust_action *x = a, *y = b;

	return (x->day > y->day) - (x->day < y->day);
}

/* checks one action; 0 or -1 with e set (MDX_EINPUT naming the day) */
static int
check_action(const struct mdx_adjust_action *a, struct mdx_err *e)
{
	char date[MDX_DATE_LEN];

	if (!isfinite(a->split) || a->split <= 0)
		return mdx_err_set(e, MDX_EINPUT,
				   "split on %s: ratio %g is not above 0",
				   mdx_date_format(a->day, date), a->split);
	if (!isfinite(a->dividend) || a->dividend < 0)
		return mdx_err_set(e, MDX_EINPUT,
				   "dividend on %s: amount %g is negative",
				   mdx_date_format(a->day, date), a->dividend);
	if (a->dividend > 0 && isfinite(a->prev_close) &&
	    a->dividend >= a->prev_close)
		return mdx_err_set(e, MDX_EINPUT,
				   "dividend on %s: amount %g is not below the "
				   "previous close %g",
				   mdx_date_format(a->day, date), a->dividend,
				   a->prev_close);
	return 0;
}

struct mdx_adjuster *
mdx_adjuster_new(const struct mdx_adjust_action *acts, size_t n,
		 struct mdx_err *e)
{
	struct mdx_adjuster *a = NULL;
	struct mdx_adjust_action *s = NULL;
	double *divf = NULL;
	size_t i, k;

	for (i = 0; i < n; i++)
		if (check_action(&acts[i], e))
			return NULL;
	a = mdx_calloc(1, sizeof(*a));
	if (a == NULL)
		goto nomem;
	if (n > 0) {
		s = mdx_malloc(n * sizeof(*s));
		if (s == NULL)
			goto nomem;
		memcpy(s, acts, n * sizeof(*s));
		qsort(s, n, sizeof(*s), cmp_action);
	}
	a->day = mdx_malloc((n > 0 ? n : 1) * sizeof(*a->day));
	a->ratio = mdx_malloc((n > 0 ? n : 1) * sizeof(*a->ratio));
	a->vol = mdx_malloc((n + 1) * sizeof(*a->vol));
	a->div = mdx_malloc((n + 1) * sizeof(*a->div));
	divf = mdx_malloc((n > 0 ? n : 1) * sizeof(*divf));
	if (a->day == NULL || a->ratio == NULL || a->vol == NULL ||
	    a->div == NULL || divf == NULL)
		goto nomem;
	/* merge the actions of one day: ratios multiply, dividend factors
	 * multiply (each against its own previous close) */
	for (i = 0, k = 0; i < n; i++) {
		double f = 1;

		if (s[i].dividend > 0) {
			if (isfinite(s[i].prev_close))
				f = 1 - s[i].dividend / s[i].prev_close;
			else
				a->unpriced++;
		}
		if (k > 0 && a->day[k - 1] == s[i].day) {
			a->ratio[k - 1] *= s[i].split;
			divf[k - 1] *= f;
			continue;
		}
		a->day[k] = s[i].day;
		a->ratio[k] = s[i].split;
		divf[k] = f;
		k++;
	}
	a->n = k;
	a->vol[k] = 1;
	a->div[k] = 1;
	for (i = k; i-- > 0;) {
		a->vol[i] = a->vol[i + 1] * a->ratio[i];
		a->div[i] = a->div[i + 1] * divf[i];
	}
	mdx_free(s);
	mdx_free(divf);
	return a;
nomem:
	mdx_free(s);
	mdx_free(divf);
	mdx_adjuster_free(a);
	mdx_err_set(e, MDX_ENOMEM, "out of memory");
	return NULL;
}

void
mdx_adjuster_free(struct mdx_adjuster *a)
{
	if (a == NULL)
		return;
	mdx_free(a->day);
	mdx_free(a->ratio);
	mdx_free(a->vol);
	mdx_free(a->div);
	mdx_free(a);
}

/* the index of the first action day after day (a->n: none) */
static size_t
after(const struct mdx_adjuster *a, int32_t day)
{
	size_t lo = 0, hi = a->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (a->day[mid] <= day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

double
mdx_adjuster_price(const struct mdx_adjuster *a, enum mdx_adjust mode,
		   int32_t day)
{
	size_t i;

	if (a == NULL || mode == MDX_ADJUST_NONE || a->n == 0)
		return 1;
	i = after(a, day);
	if (mode == MDX_ADJUST_SPLIT)
		return 1 / a->vol[i];
	return a->div[i] / a->vol[i];
}

double
mdx_adjuster_volume(const struct mdx_adjuster *a, enum mdx_adjust mode,
		    int32_t day)
{
	if (a == NULL || mode == MDX_ADJUST_NONE || a->n == 0)
		return 1;
	return a->vol[after(a, day)];
}

double
mdx_adjuster_splits_between(const struct mdx_adjuster *a, int32_t after_day,
			    int32_t upto)
{
	double f = 1;
	size_t i;

	if (a == NULL)
		return 1;
	/* multiply the few ratios in the range, rather than divide two
	 * suffix products, so that 4 stays exactly 4 */
	for (i = after(a, after_day); i < a->n && a->day[i] <= upto; i++)
		f *= a->ratio[i];
	return f;
}

size_t
mdx_adjuster_unpriced(const struct mdx_adjuster *a)
{
	return a != NULL ? a->unpriced : 0;
}

/* the close as traded of the last 1d bar of symbol dated before day into
 * *close (NAN when none); 0 or -1 with e set */
static int
prev_close(sqlite3 *db, sqlite3_stmt *st, const char *symbol, int32_t day,
	   double *close, struct mdx_err *e)
{
	char date[MDX_DATE_LEN];
	int rc;

	*close = NAN;
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, symbol, -1, SQLITE_TRANSIENT);
	/* a ts bound two days after the ex-date lets the primary key find
	 * the row with a short backward scan, whatever the exchange's zone */
	sqlite3_bind_int64(st, 2, ((int64_t)day + 2) * MDX_MS_PER_DAY);
	sqlite3_bind_text(st, 3, mdx_date_format(day, date), -1,
			  SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (sqlite3_column_type(st, 0) != SQLITE_NULL)
			*close = sqlite3_column_double(st, 0);
	} else if (rc != SQLITE_DONE) {
		return mdx_store_sqlite_err(db, e, "read previous close");
	}
	sqlite3_reset(st);
	return 0;
}

struct mdx_adjuster *
mdx_adjuster_load(sqlite3 *db, const char *symbol, struct mdx_err *e)
{
	sqlite3_stmt *st = NULL, *pc = NULL;
	struct mdx_adjust_action *acts = NULL, *grown;
	struct mdx_adjuster *a = NULL;
	size_t n = 0, cap = 0, i;
	int rc;

	if (sqlite3_prepare_v2(db,
			       "SELECT date, kind, value FROM actions "
			       "WHERE symbol = ?1 ORDER BY date",
			       -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
			       "SELECT close FROM bars WHERE symbol = ?1 AND "
			       "interval = '1d' AND ts < ?2 AND date < ?3 "
			       "ORDER BY ts DESC LIMIT 1",
			       -1, &pc, NULL) != SQLITE_OK) {
		mdx_store_sqlite_err(db, e, "read actions");
		goto out;
	}
	sqlite3_bind_text(st, 1, symbol, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *date = (const char *)sqlite3_column_text(st, 0);
		const char *kind = (const char *)sqlite3_column_text(st, 1);
		double v = sqlite3_column_double(st, 2);
		struct mdx_adjust_action *x;

		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			grown = mdx_realloc(acts, cap * sizeof(*acts));
			if (grown == NULL) {
				mdx_err_set(e, MDX_ENOMEM, "out of memory");
				goto out;
			}
			acts = grown;
		}
		x = &acts[n];
		x->split = 1;
		x->dividend = 0;
		x->prev_close = NAN;
		if (date == NULL || kind == NULL ||
		    mdx_date_parse(date, &x->day, e)) {
			mdx_err_set(e, MDX_EINPUT,
				    "action of %s: date '%s' is not a date",
				    symbol, date != NULL ? date : "");
			goto out;
		}
		if (strcmp(kind, "split") == 0)
			x->split = v;
		else if (strcmp(kind, "dividend") == 0)
			x->dividend = v;
		else
			continue;
		n++;
	}
	if (rc != SQLITE_DONE) {
		mdx_store_sqlite_err(db, e, "read actions");
		goto out;
	}
	for (i = 0; i < n; i++)
		if (acts[i].dividend > 0 &&
		    prev_close(db, pc, symbol, acts[i].day, &acts[i].prev_close,
			       e))
			goto out;
	a = mdx_adjuster_new(acts, n, e);
out:
	sqlite3_finalize(st);
	sqlite3_finalize(pc);
	mdx_free(acts);
	return a;
}
