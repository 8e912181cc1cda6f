/*
 * analysis.c - stats, returns, resample, the stored equal-weighted index
 * and the chart, over the store (mdx_analysis.h).  The figures are
 * lib/stats.c's; this file reads their inputs from SQLite, stores the
 * index and turns results into rows.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "mdx_adjust.h"
#include "mdx_alloc.h"
#include "mdx_analysis.h"
#include "mdx_chart.h"
#include "mdx_record.h"
#include "mdx_stats.h"
#include "mdx_store.h"
#include "mdx_time.h"
#include "mdx_universe.h"

#define NCOLS(a) (sizeof(a) / sizeof(*(a)))

void
mdx_analysis_opts_init(struct mdx_analysis_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->period = MDX_STATS_DAILY;
	o->interval = -1;
	o->rebalance = MDX_STATS_MONTHLY;
	o->base = 1000;
	o->date = MDX_STATS_NO_DATE;
	o->chart_type = MDX_CHART_LINE;
}

int
mdx_analysis_index_name_valid(const char *name)
{
	size_t n;

	if (name == NULL || (n = strlen(name)) == 0 || n > MDX_INDEX_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '-' ||
		      c == '_'))
			return 0;
	}
	return 1;
}

/* ---- small helpers ---- */

/* a new prepared statement, or NULL with e set */
static sqlite3_stmt *
prepare(sqlite3 *db, const char *sql, struct mdx_err *e)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		mdx_store_sqlite_err(db, e, "prepare");
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

static const char *
col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? (const char *)t : "";
}

/* a figure: a number, or null when undefined (NAN) */
static json_t *
j_num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

/* a date as "YYYY-MM-DD", or null */
static json_t *
j_date(int32_t day)
{
	char d[MDX_DATE_LEN];

	if (day == MDX_STATS_NO_DATE)
		return json_null();
	return json_string(mdx_date_format(day, d));
}

/* text (the writers replace invalid UTF-8), or null for NULL */
static json_t *
j_text(const char *s)
{
	return s ? json_string_nocheck(s) : json_null();
}

/* a column of a row: its number, text or null */
static json_t *
j_col(sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		return json_integer(sqlite3_column_int64(st, i));
	case SQLITE_FLOAT:
		return j_num(sqlite3_column_double(st, i));
	case SQLITE_NULL:
		return json_null();
	default:
		return json_stringn_nocheck(
			(const char *)sqlite3_column_text(st, i),
			(size_t)sqlite3_column_bytes(st, i));
	}
}

/* a row being built; oom set once anything failed */
struct rowb {
	json_t *o;
	int oom;
};

static void
rb_init(struct rowb *r)
{
	r->o = json_object();
	r->oom = r->o == NULL;
}

/* add key: v (a new reference, stolen; NULL means out of memory) */
static void
rb_put(struct rowb *r, const char *key, json_t *v)
{
	if (v == NULL || r->o == NULL) {
		json_decref(v);
		r->oom = 1;
		return;
	}
	if (json_object_set_new_nocheck(r->o, key, v))
		r->oom = 1;
}

/* send the row to k and release it; returns 0 or -1 with e set */
static int
rb_send(struct rowb *r, struct mdx_sink *k, struct mdx_err *e)
{
	int rc;

	if (r->oom) {
		json_decref(r->o);
		r->o = NULL;
		return mdx_err_set(e, MDX_ENOMEM, "out of memory");
	}
	rc = k->row(k->ctx, r->o, e);
	json_decref(r->o);
	r->o = NULL;
	return rc;
}

static void miss(struct mdx_sink *k, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* tell k->miss about a thing the store does not hold */
static void
miss(struct mdx_sink *k, const char *fmt, ...)
{
	struct mdx_err me;
	char text[sizeof(me.text)];
	va_list ap;

	if (k->miss == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	mdx_err_clear(&me);
	mdx_err_set(&me, MDX_ENOTFOUND, "%s", text);
	k->miss(k->ctx, &me);
}

static int
check_symbols(const struct mdx_query *q, const char *cmd, struct mdx_err *e)
{
	if (q->nsymbols == 0)
		return mdx_err_set(e, MDX_EUSAGE, "%s: no symbol given", cmd);
	for (size_t i = 0; i < q->nsymbols; i++)
		if (!mdx_symbol_valid(q->symbols[i]))
			return mdx_err_field(e, MDX_EINPUT, "symbol",
					     "invalid symbol '%.40s'",
					     q->symbols[i]);
	return 0;
}

/* has symbol i of q been named before it? */
static int
repeated(const struct mdx_query *q, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (strcmp(q->symbols[j], q->symbols[i]) == 0)
			return 1;
	return 0;
}

/* q's date range as text bounds for SQL (inclusive) */
static void
range_text(const struct mdx_query *q, char *from, char *to)
{
	snprintf(from, MDX_DATE_LEN, "0000-00-00");
	snprintf(to, MDX_DATE_LEN, "9999-99-99");
	if (q != NULL && (q->has & MDX_Q_FROM))
		mdx_date_format(q->from, from);
	if (q != NULL && (q->has & MDX_Q_TO))
		mdx_date_format(q->to, to);
}

/* q's date range for a message, the bounds given and no others: " from
 * 2030-01-01", " from 2017-01-01 to 2018-02-07", " to 2018-02-07", "" */
static const char *
range_words(const struct mdx_query *q, char *buf, size_t n)
{
	char from[MDX_DATE_LEN], to[MDX_DATE_LEN];
	int f = q != NULL && (q->has & MDX_Q_FROM),
	    t = q != NULL && (q->has & MDX_Q_TO);

	snprintf(buf, n, "%s%s%s%s", f ? " from " : "",
		 f ? mdx_date_format(q->from, from) : "", t ? " to " : "",
		 t ? mdx_date_format(q->to, to) : "");
	return buf;
}

/* ---- stats ---- */

static const char *const stats_cols[] = {
	"symbol",     "count",	      "first_date",   "last_date",
	"first_open", "last_close",   "high",	      "low",
	"mean_close", "vwap",	      "total_return", "volatility",
	"sharpe",     "max_drawdown", "dd_peak",      "dd_trough",
	"basis",      "risk_free"};

/* the row of st; key and name go first ("symbol" or "index") */
static void
stats_row(struct rowb *r, const char *key, const char *name,
	  const struct mdx_stats *st, const char *basis)
{
	rb_put(r, key, json_string_nocheck(name));
	rb_put(r, "count", json_integer((json_int_t)st->count));
	rb_put(r, "first_date", j_date(st->first_date));
	rb_put(r, "last_date", j_date(st->last_date));
	rb_put(r, "first_open", j_num(st->first_open));
	rb_put(r, "last_close", j_num(st->last_close));
	rb_put(r, "high", j_num(st->high));
	rb_put(r, "low", j_num(st->low));
	rb_put(r, "mean_close", j_num(st->mean_close));
	rb_put(r, "vwap", j_num(st->vwap));
	rb_put(r, "total_return", j_num(st->total_return));
	rb_put(r, "volatility", j_num(st->volatility));
	rb_put(r, "sharpe", j_num(st->sharpe));
	rb_put(r, "max_drawdown", j_num(st->max_drawdown));
	rb_put(r, "dd_peak", j_date(st->dd_peak));
	rb_put(r, "dd_trough", j_date(st->dd_trough));
	rb_put(r, "basis", st->count > 0 ? json_string(basis) : json_null());
	rb_put(r, "risk_free", j_num(st->rf));
}

/* the daily bars of sym in q's range and, when q->adjust asks for an
 * adjusted basis, its adjuster (*adj, NULL for none: mdx_adjust.h); *found
 * 0 when the store holds no bar of sym at all */
static int
read_daily(struct mdx_store *s, const char *sym, const struct mdx_query *q,
	   struct mdx_bar **bars, size_t *n, struct mdx_adjuster **adj,
	   int *found, struct mdx_err *e)
{
	int rc;

	*bars = NULL;
	*adj = NULL;
	*n = 0;
	if ((rc = mdx_store_has_symbol(s, sym, e)) < 0)
		return -1;
	*found = rc;
	if (rc == 0)
		return 0;
	if (mdx_store_read_bars(s, sym, MDX_I1D, q, bars, n, e))
		return -1;
	if (q->adjust != MDX_ADJUST_NONE &&
	    (*adj = mdx_adjuster_load(mdx_store_db(s), sym, e)) == NULL) {
		mdx_free(*bars);
		*bars = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}

int
mdx_analysis_stats(struct mdx_store *s, const struct mdx_query *q,
		   const struct mdx_analysis_opts *o, struct mdx_sink *k,
		   struct mdx_err *e)
{
	int missing = 0;

	if (check_symbols(q, "stats", e) ||
	    k->columns(k->ctx, stats_cols, NCOLS(stats_cols), e))
		return -1;
	for (size_t i = 0; i < q->nsymbols; i++) {
		const char *sym = q->symbols[i];
		struct mdx_adjuster *adj;
		struct mdx_bar *bars;
		struct mdx_stats st;
		struct rowb r;
		size_t n;
		int found, rc;

		if (repeated(q, i))
			continue;
		if (read_daily(s, sym, q, &bars, &n, &adj, &found, e))
			return -1;
		if (!found) {
			miss(k, "symbol '%s' not in the store", sym);
			missing++;
			continue;
		}
		rc = mdx_stats_summary(bars, n, adj, q->adjust, o->rf, &st, e);
		mdx_free(bars);
		mdx_adjuster_free(adj);
		if (rc) {
			mdx_err_where(e, sym, 0);
			return -1;
		}
		rb_init(&r);
		stats_row(&r, "symbol", sym, &st, mdx_adjust_name(st.basis));
		if (rb_send(&r, k, e))
			return -1;
	}
	return missing;
}

/* ---- returns ---- */

/* a number that is the same for every date of one period (grouping only:
 * the Monday of the ISO week, a month or quarter count) */
static int32_t
period_key(int32_t day, int period)
{
	int y, m;

	switch (period) {
	case MDX_STATS_WEEKLY:
		return day - (mdx_weekday(day) + 6) % 7;
	case MDX_STATS_MONTHLY:
		mdx_civil_from_days(day, &y, &m, NULL);
		return y * 12 + m - 1;
	case MDX_STATS_QUARTERLY:
		mdx_civil_from_days(day, &y, &m, NULL);
		return y * 4 + (m - 1) / 3;
	default:
		return day;
	}
}

/* one symbol's returns for the returns command */
struct ret_col {
	const char *sym;	      /* borrowed from q */
	struct mdx_stats_return *row; /* owned */
	size_t n;		      /* rows kept */
	size_t pos;		      /* wide: next row to merge */
	int basis;		      /* enum mdx_adjust */
};

/*
 * The returns of sym whose period ends in q's range, into c.  Bars before
 * q->from are read so that the first period in range has the previous
 * period's last price; its row and those before are dropped.
 */
static int
returns_of(struct mdx_store *s, const char *sym, const struct mdx_query *q,
	   const struct mdx_analysis_opts *o, struct ret_col *c, int *found,
	   struct mdx_err *e)
{
	struct mdx_query rq = *q;
	struct mdx_adjuster *adj = NULL;
	struct mdx_bar *bars = NULL;
	size_t n, start = 0, i, kept = 0;
	int ret = -1;

	c->sym = sym;
	c->row = NULL;
	c->n = c->pos = 0;
	c->basis = q->adjust;
	rq.has &= ~(unsigned)MDX_Q_FROM;
	if (read_daily(s, sym, &rq, &bars, &n, &adj, found, e))
		return -1;
	if (!*found)
		return 0;
	if (q->has & MDX_Q_FROM) {
		size_t i0 = 0, j;

		while (i0 < n && bars[i0].date < q->from)
			i0++;
		if (i0 == n) {
			ret = 0; /* nothing in range */
			goto out;
		}
		/* back to the first bar of i0's period, then one more */
		j = i0;
		while (j > 0 && period_key(bars[j - 1].date, o->period) ==
					period_key(bars[i0].date, o->period))
			j--;
		start = j > 0 ? j - 1 : 0;
	}
	if (mdx_stats_returns(bars + start, n - start, adj, q->adjust,
			      o->period, o->logret, &c->row, &c->n, e)) {
		mdx_err_where(e, sym, 0);
		goto out;
	}
	for (i = 0; i < c->n; i++)
		if (!(q->has & MDX_Q_FROM) || c->row[i].date >= q->from)
			c->row[kept++] = c->row[i];
	c->n = kept;
	ret = 0;
out:
	mdx_free(bars);
	mdx_adjuster_free(adj);
	return ret;
}

static int
returns_long(struct ret_col *c, struct mdx_sink *k, struct mdx_err *e)
{
	const char *basis = mdx_adjust_name(c->basis);

	for (size_t i = 0; i < c->n; i++) {
		const struct mdx_stats_return *r = &c->row[i];
		struct rowb b;

		rb_init(&b);
		rb_put(&b, "symbol", json_string_nocheck(c->sym));
		rb_put(&b, "date", j_date(r->date));
		rb_put(&b, "first_date", j_date(r->first));
		rb_put(&b, "sessions", json_integer((json_int_t)r->nbars));
		rb_put(&b, "price", j_num(r->price));
		rb_put(&b, "return", j_num(r->ret));
		rb_put(&b, "basis", json_string(basis));
		if (rb_send(&b, k, e))
			return -1;
	}
	return 0;
}

/* merge the columns period by period: one row a period */
static int
returns_wide(struct ret_col *c, size_t nc, int period, struct mdx_sink *k,
	     struct mdx_err *e)
{
	for (;;) {
		int32_t key = INT32_MAX, date = INT32_MIN;
		struct rowb b;
		size_t i;

		for (i = 0; i < nc; i++)
			if (c[i].pos < c[i].n) {
				int32_t pk = period_key(c[i].row[c[i].pos].date,
							period);

				if (pk < key)
					key = pk;
			}
		if (key == INT32_MAX)
			return 0;
		rb_init(&b);
		for (i = 0; i < nc; i++) {
			const struct mdx_stats_return *r =
				c[i].pos < c[i].n ? &c[i].row[c[i].pos] : NULL;

			if (r != NULL && period_key(r->date, period) == key) {
				if (r->date > date)
					date = r->date;
				rb_put(&b, c[i].sym, j_num(r->ret));
				c[i].pos++;
			} else {
				rb_put(&b, c[i].sym, json_null());
			}
		}
		rb_put(&b, "date", j_date(date));
		if (rb_send(&b, k, e))
			return -1;
	}
}

int
mdx_analysis_returns(struct mdx_store *s, const struct mdx_query *q,
		     const struct mdx_analysis_opts *o, struct mdx_sink *k,
		     struct mdx_err *e)
{
	static const char *const long_cols[] = {
		"symbol", "date",   "first_date", "sessions",
		"price",  "return", "basis"};
	struct ret_col *c = NULL;
	const char **names = NULL;
	size_t nc = 0, i;
	int missing = 0, ret = -1, found;

	if (check_symbols(q, "returns", e))
		return -1;
	if (mdx_stats_period_name(o->period) == NULL)
		return mdx_err_set(e, MDX_EUSAGE, "returns: unknown period");
	if (!o->wide) {
		if (k->columns(k->ctx, long_cols, NCOLS(long_cols), e))
			return -1;
		for (i = 0; i < q->nsymbols; i++) {
			struct ret_col one;
			int rc;

			if (repeated(q, i))
				continue;
			if (returns_of(s, q->symbols[i], q, o, &one, &found, e))
				return -1;
			if (!found) {
				miss(k, "symbol '%s' not in the store",
				     q->symbols[i]);
				missing++;
				continue;
			}
			rc = returns_long(&one, k, e);
			mdx_free(one.row);
			if (rc)
				return -1;
		}
		return missing;
	}
	/* wide: every symbol's rows first, then the columns, then rows */
	c = mdx_calloc(q->nsymbols, sizeof(*c));
	names = mdx_calloc(q->nsymbols + 1, sizeof(*names));
	if (c == NULL || names == NULL) {
		mdx_err_set(e, MDX_ENOMEM, "out of memory");
		goto out;
	}
	names[0] = "date";
	for (i = 0; i < q->nsymbols; i++) {
		if (repeated(q, i))
			continue;
		if (strcmp(q->symbols[i], "date") == 0) {
			miss(k, "symbol 'date' cannot be a column of --wide "
				"(the dates have it)");
			missing++;
			continue;
		}
		if (returns_of(s, q->symbols[i], q, o, &c[nc], &found, e))
			goto out;
		if (!found) {
			miss(k, "symbol '%s' not in the store", q->symbols[i]);
			missing++;
			continue;
		}
		names[nc + 1] = q->symbols[i];
		nc++;
	}
	if (k->columns(k->ctx, names, nc + 1, e) ||
	    returns_wide(c, nc, o->period, k, e))
		goto out;
	ret = missing;
out:
	if (c != NULL)
		for (i = 0; i < q->nsymbols; i++)
			mdx_free(c[i].row);
	mdx_free(c);
	mdx_free(names);
	return ret;
}

/* ---- resample ---- */

static const char *const bar_cols[] = {
	"type",	  "symbol",  "interval", "ts",	      "date",	"open",
	"high",	  "low",     "close",	 "adj_close", "volume", "vwap",
	"trades", "session", "phase",	 "source"};

/* the longest interval stored for sym that target can be built from:
 * its enum, -1 when none, -2 on error */
static int
source_interval(struct mdx_store *s, const char *sym, int target,
		struct mdx_err *e)
{
	sqlite3 *db = mdx_store_db(s);
	sqlite3_stmt *st;
	int iv, found = -1;

	st = prepare(db,
		     "SELECT 1 FROM bars WHERE symbol = ?1 AND interval = ?2 "
		     "LIMIT 1",
		     e);
	if (st == NULL)
		return -2;
	sqlite3_bind_text(st, 1, sym, -1, SQLITE_STATIC);
	for (iv = target - 1; iv >= 0 && found < 0; iv--) {
		int rc;

		if (!mdx_stats_reachable(iv, target))
			continue; /* a week can straddle two months ... */
		sqlite3_bind_text(st, 2, mdx_interval_name(iv), -1,
				  SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			found = iv;
		else if (rc != SQLITE_DONE) {
			mdx_store_sqlite_err(db, e, "find bars");
			found = -2;
			break;
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return found;
}

int
mdx_analysis_resample(struct mdx_store *s, const struct mdx_query *q,
		      const struct mdx_analysis_opts *o, struct mdx_sink *k,
		      struct mdx_err *e)
{
	const char *target = mdx_interval_name(o->interval);
	int missing = 0;

	if (check_symbols(q, "resample", e))
		return -1;
	if (target == NULL)
		return mdx_err_set(e, MDX_EUSAGE,
				   "resample: no target interval (--to 1h, "
				   "1d, 1wk, 1mo or 3mo ...)");
	if (o->interval == MDX_I5D)
		return mdx_err_set(e, MDX_EUSAGE,
				   "resample: cannot resample to 5d: a "
				   "provider's own grouping of days (resample "
				   "to 1wk)");
	if (k->columns(k->ctx, bar_cols, NCOLS(bar_cols), e))
		return -1;
	for (size_t i = 0; i < q->nsymbols; i++) {
		const char *sym = q->symbols[i];
		struct mdx_bar *bars = NULL, *out = NULL;
		size_t n = 0, nout = 0, j;
		int rc, iv;

		if (repeated(q, i))
			continue;
		if ((rc = mdx_store_has_symbol(s, sym, e)) < 0)
			return -1;
		if (rc == 0) {
			miss(k, "symbol '%s' not in the store", sym);
			missing++;
			continue;
		}
		iv = q->interval >= 0 ? q->interval
				      : source_interval(s, sym, o->interval, e);
		if (iv == -2)
			return -1;
		if (iv == -1) {
			miss(k,
			     "symbol '%s' has no bars that make %s bars "
			     "(shorter ones)",
			     sym, target);
			missing++;
			continue;
		}
		if (mdx_store_read_bars(s, sym, iv, q, &bars, &n, e))
			return -1;
		if (n == 0 && q->interval >= 0) {
			miss(k, "symbol '%s' has no %s bars", sym,
			     mdx_interval_name(iv));
			missing++;
			continue;
		}
		if (q->adjust != MDX_ADJUST_NONE) {
			struct mdx_adjuster *a =
				mdx_adjuster_load(mdx_store_db(s), sym, e);

			if (a == NULL) {
				mdx_free(bars);
				return -1;
			}
			for (size_t b = 0; b < n; b++)
				mdx_store_adjust_bar(&bars[b], a, q->adjust);
			mdx_adjuster_free(a);
		}
		rc = mdx_stats_resample(bars, n, o->interval, o->resample, NULL,
					&out, &nout, e);
		mdx_free(bars);
		if (rc) {
			mdx_err_where(e, sym, 0);
			return -1;
		}
		for (j = 0; j < nout && rc == 0; j++) {
			json_t *row = mdx_bar_to_json(&out[j]);

			if (row == NULL)
				rc = mdx_err_set(e, MDX_ENOMEM,
						 "out of memory");
			else
				rc = k->row(k->ctx, row, e);
			json_decref(row);
		}
		mdx_free(out);
		if (rc)
			return -1;
	}
	return missing;
}

/* ---- the stored index ---- */

/* what index_defs says of an index */
struct index_def {
	long long top;		  /* N */
	char rebalance[16];	  /* period name */
	double base;		  /* first level */
	char first[MDX_DATE_LEN]; /* first session */
	char last[MDX_DATE_LEN];  /* last session */
	long long sessions;	  /* rows in index_levels */
	double level;		  /* at last */
	long long built_at;	  /* epoch ms */
};

/* does the schema have the index tables?  1, 0 or -1 */
static int
have_index_tables(sqlite3 *db, struct mdx_err *e)
{
	sqlite3_stmt *st = prepare(db,
				   "SELECT 1 FROM sqlite_master WHERE type = "
				   "'table' AND name = 'index_defs'",
				   e);
	int rc;

	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		mdx_store_sqlite_err(db, e, "read schema");
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* read the definition of index name into d: 1, 0 (no such index), -1 */
static int
index_def(struct mdx_store *s, const char *name, struct index_def *d,
	  struct mdx_err *e)
{
	sqlite3 *db = mdx_store_db(s);
	sqlite3_stmt *st;
	int rc;

	memset(d, 0, sizeof(*d));
	if (!mdx_analysis_index_name_valid(name))
		return mdx_err_field(e, MDX_EINPUT, "index",
				     "invalid index name '%.40s' (letters, "
				     "digits and . - _, at most %d)",
				     name ? name : "", MDX_INDEX_NAME_MAX);
	if ((rc = have_index_tables(db, e)) <= 0)
		return rc;
	st = prepare(db,
		     "SELECT top, rebalance, base, first_date, last_date, "
		     "sessions, level, built_at FROM index_defs WHERE "
		     "name = ?1",
		     e);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		d->top = sqlite3_column_int64(st, 0);
		snprintf(d->rebalance, sizeof(d->rebalance), "%s",
			 col_text(st, 1));
		d->base = sqlite3_column_double(st, 2);
		snprintf(d->first, sizeof(d->first), "%s", col_text(st, 3));
		snprintf(d->last, sizeof(d->last), "%s", col_text(st, 4));
		d->sessions = sqlite3_column_int64(st, 5);
		d->level = sqlite3_column_double(st, 6);
		d->built_at = sqlite3_column_int64(st, 7);
	} else if (rc != SQLITE_DONE) {
		mdx_store_sqlite_err(db, e, "read index");
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* why a symbol is not ranked on a session (u->why) */
enum why {
	WHY_RANKED,  /* a close and a market cap: a candidate */
	WHY_NOBAR,   /* no daily bar that session */
	WHY_OUTSIDE, /* not a member of the --universe that day */
	WHY_NOCOUNT, /* no share count known yet (as_of after the day) */
};

/* the universe of a build, read from the store */
struct universe {
	char **name;		     /* owned; sorted (strcmp) */
	size_t *ffirst, *fn;	     /* per symbol: its facts */
	struct mdx_stats_fact *fact; /* owned, all facts, by as_of */
	int32_t *fpe;		     /* per fact: its period_end (as_of
					when the fact has none) */
	size_t n, nfact;	     /* symbols, facts */
	int32_t *sessions;	     /* owned, ascending */
	size_t nsess;		     /* sessions */
	double *close;		     /* owned, n x nsess, NAN: no bar;
					as traded */
	double *px;		     /* n x nsess: close x the adjuster's
					factor (the returns' basis) */
	double *cap;		     /* n x nsess: market cap, NAN: not
					ranked (see why) */
	unsigned char *why;	     /* n x nsess: enum why */
	unsigned char *has_bar;	     /* per symbol: a bar in range */
	struct mdx_adjuster **adj;   /* per symbol (NULL: no bar) */
	size_t unranked;   /* symbol-sessions with a close but no share
			      count known (WHY_NOCOUNT) */
	size_t backfilled; /* symbol-sessions ranked on a count known only
			      later (--backfill) */
	size_t outside;	   /* symbol-sessions with a close outside the
			      --universe */
};

static void
universe_release(struct universe *u)
{
	if (u->name != NULL)
		for (size_t i = 0; i < u->n; i++)
			mdx_free(u->name[i]);
	if (u->adj != NULL)
		for (size_t i = 0; i < u->n; i++)
			mdx_adjuster_free(u->adj[i]);
	mdx_free(u->name);
	mdx_free(u->ffirst);
	mdx_free(u->fn);
	mdx_free(u->fact);
	mdx_free(u->fpe);
	mdx_free(u->sessions);
	mdx_free(u->close);
	mdx_free(u->px);
	mdx_free(u->cap);
	mdx_free(u->why);
	mdx_free(u->has_bar);
	mdx_free(u->adj);
	memset(u, 0, sizeof(*u));
}

/* grow *p (capacity *cap elements of size) to hold need; 0 or -1 */
static int
grow(void *pp, size_t *cap, size_t need, size_t size)
{
	void **p = pp, *t;
	size_t nc = *cap ? *cap : 64;

	if (need <= *cap)
		return 0;
	while (nc < need)
		nc *= 2;
	if ((t = mdx_realloc(*p, nc * size)) == NULL)
		return -1;
	*p = t;
	*cap = nc;
	return 0;
}

/* the symbols with shares outstanding and their facts, by symbol, as_of
 * (the store is at version 5: instrument_facts has period_end) */
static int
read_facts(sqlite3 *db, struct universe *u, struct mdx_err *e)
{
	size_t cname = 0, cfact = 0, cpe = 0, cf1 = 0, cf2 = 0;
	sqlite3_stmt *st;
	int rc, ret = -1;

	st = prepare(db,
		     "SELECT symbol, as_of, shares_outstanding, period_end "
		     "FROM instrument_facts WHERE shares_outstanding > 0 "
		     "ORDER BY symbol, as_of",
		     e);
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *sym = col_text(st, 0);
		struct mdx_stats_fact *f;
		int32_t *pe;

		if (u->n == 0 || strcmp(u->name[u->n - 1], sym) != 0) {
			if (grow(&u->name, &cname, u->n + 1,
				 sizeof(*u->name)) ||
			    grow(&u->ffirst, &cf1, u->n + 1,
				 sizeof(*u->ffirst)) ||
			    grow(&u->fn, &cf2, u->n + 1, sizeof(*u->fn)) ||
			    (u->name[u->n] = mdx_strdup(sym)) == NULL)
				goto nomem;
			u->ffirst[u->n] = u->nfact;
			u->fn[u->n] = 0;
			u->n++;
		}
		if (grow(&u->fact, &cfact, u->nfact + 1, sizeof(*u->fact)) ||
		    grow(&u->fpe, &cpe, u->nfact + 1, sizeof(*u->fpe)))
			goto nomem;
		f = &u->fact[u->nfact];
		pe = &u->fpe[u->nfact];
		if (mdx_date_parse(col_text(st, 1), &f->as_of, e)) {
			mdx_err_field(e, MDX_EINPUT, "as_of",
				      "instrument fact of '%s' dated '%.16s'",
				      sym, col_text(st, 1));
			goto out;
		}
		*pe = f->as_of;
		if (sqlite3_column_type(st, 3) != SQLITE_NULL &&
		    mdx_date_parse(col_text(st, 3), pe, e)) {
			mdx_err_field(e, MDX_EINPUT, "period_end",
				      "instrument fact of '%s' as of %s: "
				      "period_end '%.16s'",
				      sym, col_text(st, 1), col_text(st, 3));
			goto out;
		}
		f->shares = sqlite3_column_double(st, 2);
		u->nfact++;
		u->fn[u->n - 1]++;
	}
	if (rc != SQLITE_DONE) {
		mdx_store_sqlite_err(db, e, "read instrument facts");
		goto out;
	}
	ret = 0;
	goto out;
nomem:
	mdx_err_set(e, MDX_ENOMEM, "out of memory");
out:
	sqlite3_finalize(st);
	return ret;
}

/* the position of sym in u->name, or -1 */
static long
universe_find(const struct universe *u, const char *sym)
{
	size_t lo = 0, hi = u->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(u->name[mid], sym);

		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* the daily closes of the universe in q's range: one ordered statement,
 * then the sessions (every date with a bar) and the close matrix */
static int
read_closes(sqlite3 *db, const struct mdx_query *q, struct universe *u,
	    struct mdx_err *e)
{
	char from[MDX_DATE_LEN], to[MDX_DATE_LEN], cur[MDX_SYMBOL_MAX + 1] = "";
	uint32_t *rsym = NULL;
	int32_t *rday = NULL, lo = INT32_MAX, hi = INT32_MIN, *slot = NULL;
	double *rclose = NULL;
	size_t nr = 0, c1 = 0, c2 = 0, c3 = 0, i;
	long cursym = -1;
	sqlite3_stmt *st;
	int rc, ret = -1;

	range_text(q, from, to);
	st = prepare(db,
		     "SELECT symbol, date, close FROM bars WHERE "
		     "interval = '1d' AND date >= ?1 AND date <= ?2 AND "
		     "symbol IN (SELECT symbol FROM instrument_facts WHERE "
		     "shares_outstanding > 0) ORDER BY symbol, ts",
		     e);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, to, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *sym = col_text(st, 0);
		int32_t day;

		if (strcmp(sym, cur) != 0) {
			snprintf(cur, sizeof(cur), "%s", sym);
			cursym = universe_find(u, sym);
		}
		if (cursym < 0)
			continue; /* a fact added since read_facts */
		if (mdx_date_parse(col_text(st, 1), &day, e)) {
			mdx_err_set(e, MDX_EDB, "bar of '%s' dated '%.16s'",
				    sym, col_text(st, 1));
			goto out;
		}
		if (grow(&rsym, &c1, nr + 1, sizeof(*rsym)) ||
		    grow(&rday, &c2, nr + 1, sizeof(*rday)) ||
		    grow(&rclose, &c3, nr + 1, sizeof(*rclose)))
			goto nomem;
		rsym[nr] = (uint32_t)cursym;
		rday[nr] = day;
		rclose[nr] = sqlite3_column_double(st, 2);
		if (day < lo)
			lo = day;
		if (day > hi)
			hi = day;
		nr++;
	}
	if (rc != SQLITE_DONE) {
		mdx_store_sqlite_err(db, e, "read closes");
		goto out;
	}
	if (nr == 0) {
		ret = 0;
		goto out;
	}
	/* sessions: the dates present, through a slot per calendar day */
	slot = mdx_calloc((size_t)(hi - lo) + 1, sizeof(*slot));
	if (slot == NULL)
		goto nomem;
	for (i = 0; i < nr; i++)
		slot[rday[i] - lo] = 1;
	for (int32_t d = lo; d <= hi; d++)
		if (slot[d - lo])
			u->nsess++;
	u->sessions = mdx_calloc(u->nsess, sizeof(*u->sessions));
	u->close = mdx_malloc(u->n * u->nsess * sizeof(*u->close));
	u->has_bar = mdx_calloc(u->n + 1, 1);
	if (u->sessions == NULL || u->close == NULL || u->has_bar == NULL)
		goto nomem;
	u->nsess = 0;
	for (int32_t d = lo; d <= hi; d++)
		if (slot[d - lo]) {
			slot[d - lo] = (int32_t)u->nsess;
			u->sessions[u->nsess++] = d;
		}
	for (i = 0; i < u->n * u->nsess; i++)
		u->close[i] = NAN;
	for (i = 0; i < nr; i++) {
		u->close[rsym[i] * u->nsess + (size_t)slot[rday[i] - lo]] =
			rclose[i];
		u->has_bar[rsym[i]] = 1;
	}
	ret = 0;
	goto out;
nomem:
	mdx_err_set(e, MDX_ENOMEM, "out of memory");
out:
	sqlite3_finalize(st);
	mdx_free(rsym);
	mdx_free(rday);
	mdx_free(rclose);
	mdx_free(slot);
	return ret;
}

/*
 * The shares outstanding of symbol i on day, point in time (BASIS-SPEC.md):
 * the count of its latest fact with as_of <= day, in shares as of the
 * fact's period_end, times the ratios of the splits with ex-date in
 * (period_end, day] (mdx_adjuster_splits_between).  No such fact: NAN,
 * or with backfill the earliest fact (then *filled = 1), its count
 * divided by the splits in (day, period_end] when day is before it.
 */
static double
shares_on(const struct universe *u, size_t i, int32_t day, int backfill,
	  int *filled)
{
	const struct mdx_stats_fact *f = u->fact + u->ffirst[i];
	const int32_t *pe = u->fpe + u->ffirst[i];
	size_t lo = 0, hi = u->fn[i], j;
	double n;

	*filled = 0;
	while (lo < hi) { /* the first fact known after day */
		size_t mid = lo + (hi - lo) / 2;

		if (f[mid].as_of <= day)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 && !backfill)
		return NAN;
	*filled = lo == 0;
	j = lo > 0 ? lo - 1 : 0;
	n = f[j].shares;
	if (day >= pe[j])
		return n * mdx_adjuster_splits_between(u->adj[i], pe[j], day);
	return n / mdx_adjuster_splits_between(u->adj[i], day, pe[j]);
}

/*
 * The members' prices and market caps of every session (BASIS-SPEC.md):
 * px = close as traded x mdx_adjuster_price(mode) (the returns' basis:
 * no split and, for total, no dividend shows as a move); cap = close as
 * traded x shares_on; NAN with why set when not ranked.  mu, when not
 * NULL, is the --universe: a symbol is ranked only on its member days.
 */
static int
price_universe(sqlite3 *db, struct universe *u, enum mdx_adjust mode,
	       const struct mdx_universe *mu, int backfill, struct mdx_err *e)
{
	size_t cells = u->n * u->nsess;

	u->px = mdx_malloc((cells + 1) * sizeof(*u->px));
	u->cap = mdx_malloc((cells + 1) * sizeof(*u->cap));
	u->why = mdx_calloc(cells + 1, 1);
	u->adj = mdx_calloc(u->n + 1, sizeof(*u->adj));
	if (u->px == NULL || u->cap == NULL || u->why == NULL || u->adj == NULL)
		return mdx_err_set(e, MDX_ENOMEM, "out of memory");
	for (size_t i = 0; i < u->n; i++) {
		const double *cl = u->close + i * u->nsess;
		double *px = u->px + i * u->nsess, *cap = u->cap + i * u->nsess;
		unsigned char *why = u->why + i * u->nsess;

		for (size_t t = 0; t < u->nsess; t++) {
			px[t] = cap[t] = NAN;
			why[t] = WHY_NOBAR;
		}
		if (!u->has_bar[i])
			continue;
		if ((u->adj[i] = mdx_adjuster_load(db, u->name[i], e)) == NULL)
			return -1;
		for (size_t t = 0; t < u->nsess; t++) {
			int32_t day = u->sessions[t];
			double sh;
			int filled;

			if (!(isfinite(cl[t]) && cl[t] > 0))
				continue;
			px[t] = cl[t] *
				mdx_adjuster_price(u->adj[i], mode, day);
			if (mu != NULL &&
			    !mdx_universe_member(mu, u->name[i], day)) {
				why[t] = WHY_OUTSIDE;
				u->outside++;
				continue;
			}
			sh = shares_on(u, i, day, backfill, &filled);
			if (isnan(sh)) {
				why[t] = WHY_NOCOUNT;
				u->unranked++;
				continue;
			}
			cap[t] = cl[t] * sh;
			why[t] = WHY_RANKED;
			u->backfilled += (size_t)filled;
		}
	}
	return 0;
}

/* the position of day in u->sessions (it is one of them) */
static size_t
session_at(const struct universe *u, int32_t day)
{
	size_t lo = 0, hi = u->nsess;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (u->sessions[mid] < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* why a change of symbol i at session t was made, in words
 * (index_changes.reason; mdx-query(1)): first, whether it is the index's
 * first session; tprev, the session of the rebalance before */
static const char *
change_reason(const struct universe *u, size_t i, size_t t, size_t tprev,
	      int first, int added)
{
	unsigned char now = u->why[i * u->nsess + t];

	if (!added)
		return now == WHY_NOBAR	    ? "no bar"
		       : now == WHY_OUTSIDE ? "left the universe"
		       : now == WHY_NOCOUNT ? "no share count"
					    : "ranked out";
	if (first)
		return "first";
	switch (u->why[i * u->nsess + tprev]) {
	case WHY_OUTSIDE:
		return "joined the universe";
	case WHY_NOCOUNT:
		return "share count known";
	default:
		return "ranked in";
	}
}

/* the statements that store a build, bound and stepped one row at a time */
enum { W_DEF, W_LEVEL, W_MEMBER, W_CHANGE, W_UNIVERSE, W_N };

static const char *const write_sql[W_N] = {
	[W_DEF] = "INSERT INTO index_defs (name, top, rebalance, base, "
		  "from_date, to_date, first_date, last_date, sessions, "
		  "universe, rebalances, changes, carried, level, built_at, "
		  "params) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
		  "?11, ?12, ?13, ?14, ?15, ?16)",
	[W_LEVEL] = "INSERT INTO index_levels (name, date, level, ret, "
		    "members, rebalanced, carried) VALUES (?1, ?2, ?3, ?4, "
		    "?5, ?6, ?7)",
	[W_MEMBER] = "INSERT INTO index_members (name, date, rank, symbol, "
		     "weight, market_cap, close, carried) VALUES (?1, ?2, ?3, "
		     "?4, ?5, ?6, ?7, ?8)",
	[W_CHANGE] = "INSERT INTO index_changes (name, date, seq, symbol, "
		     "added, market_cap, reason) VALUES (?1, ?2, ?3, ?4, ?5, "
		     "?6, ?7)",
	[W_UNIVERSE] = "INSERT OR IGNORE INTO index_universe (name, symbol, "
		       "start_date, end_date) VALUES (?1, ?2, ?3, ?4)",
};

static const char *const delete_sql[] = {
	"DELETE FROM index_defs WHERE name = ?1",
	"DELETE FROM index_levels WHERE name = ?1",
	"DELETE FROM index_members WHERE name = ?1",
	"DELETE FROM index_changes WHERE name = ?1",
	"DELETE FROM index_universe WHERE name = ?1",
};

/* delete every row of index name; 0 or -1 */
static int
delete_index(sqlite3 *db, const char *name, struct mdx_err *e)
{
	for (size_t i = 0; i < NCOLS(delete_sql); i++) {
		sqlite3_stmt *st = prepare(db, delete_sql[i], e);
		int rc;

		if (st == NULL)
			return -1;
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return mdx_store_sqlite_err(db, e, "delete index");
	}
	return 0;
}

/* step a bound insert and reset it; 0 or -1 */
static int
step_insert(sqlite3 *db, sqlite3_stmt *st, struct mdx_err *e)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return mdx_store_sqlite_err(db, e, "store index");
	return 0;
}

static void
bind_num(sqlite3_stmt *st, int i, double v)
{
	if (isfinite(v))
		sqlite3_bind_double(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

/* what a build stores besides the index itself */
struct build_info {
	const char *name;	   /* the index */
	const struct mdx_query *q; /* the range asked */
	const struct mdx_analysis_opts *o;
	enum mdx_adjust adjust;	       /* the members' price basis */
	const struct mdx_universe *mu; /* --universe, or NULL */
	const struct universe *u;      /* the counts */
	size_t universe;	       /* symbols with a bar in range */
	int64_t built_at;	       /* epoch ms */
};

/* the parameters of a build as JSON text (mdx_free), or NULL */
static char *
build_params(const struct build_info *bi)
{
	const struct mdx_query *q = bi->q;
	json_t *p;
	char *text;

	p = json_pack(
		"{s:s,s:I,s:s,s:f,s:o,s:o,s:s,s:s,s:b,s:I,s:I,s:o,s:I,s:I}",
		"index", bi->name, "top", (json_int_t)bi->o->top, "rebalance",
		mdx_stats_period_name(bi->o->rebalance), "base", bi->o->base,
		"from", (q->has & MDX_Q_FROM) ? j_date(q->from) : json_null(),
		"to", (q->has & MDX_Q_TO) ? j_date(q->to) : json_null(),
		"adjust", mdx_adjust_name(bi->adjust), "market_cap",
		bi->o->backfill ? "close as traded x the latest share count "
				  "known, else the earliest (backfill)"
				: "close as traded x the latest share count "
				  "known on the day",
		"backfill", bi->o->backfill, "unranked",
		(json_int_t)bi->u->unranked, "backfilled",
		(json_int_t)bi->u->backfilled, "universe",
		bi->o->universe ? j_text(bi->o->universe) : json_null(),
		"universe_intervals", (json_int_t)(bi->mu ? bi->mu->n : 0),
		"outside", (json_int_t)bi->u->outside);
	if (p == NULL)
		return NULL;
	text = mdx_output_json_text(p);
	json_decref(p);
	return text;
}

/* store ix under bi->name: the caller holds the write transaction */
static int
write_index(sqlite3 *db, const struct universe *u,
	    const struct mdx_stats_index *ix, const struct build_info *bi,
	    struct mdx_err *e)
{
	sqlite3_stmt *st[W_N] = {0};
	char date[MDX_DATE_LEN], from[MDX_DATE_LEN], to[MDX_DATE_LEN];
	const struct mdx_query *q = bi->q;
	double *last = NULL;
	char *params = NULL;
	size_t t, j, c = 0, t0 = session_at(u, ix->days[0].date), tprev;
	int ret = -1, w;

	if (delete_index(db, bi->name, e))
		return -1;
	for (w = 0; w < W_N; w++)
		if ((st[w] = prepare(db, write_sql[w], e)) == NULL)
			goto out;
	last = mdx_calloc(u->n + 1, sizeof(*last));
	params = build_params(bi);
	if (last == NULL || params == NULL) {
		mdx_err_set(e, MDX_ENOMEM, "out of memory");
		goto out;
	}
	for (w = 0; w < W_N; w++)
		sqlite3_bind_text(st[w], 1, bi->name, -1, SQLITE_STATIC);

	/* the definition */
	sqlite3_bind_int64(st[W_DEF], 2, (sqlite3_int64)bi->o->top);
	sqlite3_bind_text(st[W_DEF], 3, mdx_stats_period_name(bi->o->rebalance),
			  -1, SQLITE_STATIC);
	sqlite3_bind_double(st[W_DEF], 4, bi->o->base);
	range_text(q, from, to);
	if (q->has & MDX_Q_FROM)
		sqlite3_bind_text(st[W_DEF], 5, from, -1, SQLITE_STATIC);
	if (q->has & MDX_Q_TO)
		sqlite3_bind_text(st[W_DEF], 6, to, -1, SQLITE_STATIC);
	sqlite3_bind_text(st[W_DEF], 7, mdx_date_format(ix->days[0].date, date),
			  -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st[W_DEF], 8,
			  mdx_date_format(ix->days[ix->ndays - 1].date, date),
			  -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st[W_DEF], 9, (sqlite3_int64)ix->ndays);
	sqlite3_bind_int64(st[W_DEF], 10, (sqlite3_int64)bi->universe);
	sqlite3_bind_int64(st[W_DEF], 11, (sqlite3_int64)ix->rebalances);
	sqlite3_bind_int64(st[W_DEF], 12, (sqlite3_int64)ix->nchanges);
	sqlite3_bind_int64(st[W_DEF], 13, (sqlite3_int64)ix->carried);
	sqlite3_bind_double(st[W_DEF], 14, ix->days[ix->ndays - 1].level);
	sqlite3_bind_int64(st[W_DEF], 15, bi->built_at);
	sqlite3_bind_text(st[W_DEF], 16, params, -1, SQLITE_STATIC);
	if (step_insert(db, st[W_DEF], e))
		goto out;

	/* each session and its holdings; u->close rows are per symbol,
	 * by session (the index's day t is session t0 + t) */
	for (t = 0; t < ix->ndays; t++) {
		const struct mdx_stats_index_day *d = &ix->days[t];

		for (j = 0; j < u->n; j++) {
			double cl = u->close[j * u->nsess + t0 + t];

			if (isfinite(cl) && cl > 0)
				last[j] = cl;
		}
		mdx_date_format(d->date, date);
		sqlite3_bind_text(st[W_LEVEL], 2, date, -1, SQLITE_STATIC);
		sqlite3_bind_double(st[W_LEVEL], 3, d->level);
		bind_num(st[W_LEVEL], 4, d->ret);
		sqlite3_bind_int64(st[W_LEVEL], 5, (sqlite3_int64)d->n);
		sqlite3_bind_int(st[W_LEVEL], 6, d->rebalanced);
		sqlite3_bind_int64(st[W_LEVEL], 7, (sqlite3_int64)d->carried);
		if (step_insert(db, st[W_LEVEL], e))
			goto out;
		sqlite3_bind_text(st[W_MEMBER], 2, date, -1, SQLITE_STATIC);
		for (j = 0; j < d->n; j++) {
			const struct mdx_stats_holding *h =
				&ix->holdings[d->first + j];
			double cl = u->close[h->symbol * u->nsess + t0 + t];
			int carried = !(isfinite(cl) && cl > 0), filled;
			double px = last[h->symbol];
			double sh = shares_on(u, h->symbol, d->date,
					      bi->o->backfill, &filled);

			sqlite3_bind_int64(st[W_MEMBER], 3,
					   (sqlite3_int64)j + 1);
			sqlite3_bind_text(st[W_MEMBER], 4, u->name[h->symbol],
					  -1, SQLITE_STATIC);
			sqlite3_bind_double(st[W_MEMBER], 5, h->weight);
			/* the close as traded (the last one when
			 * carried) x the shares of that day */
			bind_num(st[W_MEMBER], 6, px > 0 ? px * sh : NAN);
			bind_num(st[W_MEMBER], 7, px > 0 ? px : NAN);
			sqlite3_bind_int(st[W_MEMBER], 8, carried);
			if (step_insert(db, st[W_MEMBER], e))
				goto out;
		}
	}

	/* the changes, numbered within each date, with their reason */
	for (j = 0; j < ix->nchanges; j++) {
		const struct mdx_stats_change *ch = &ix->changes[j];
		size_t tc = session_at(u, ch->date), m = tc - t0;

		tprev = t0; /* the session of the rebalance before */
		while (m-- > 0)
			if (ix->days[m].rebalanced) {
				tprev = t0 + m;
				break;
			}
		c = (j > 0 && ix->changes[j - 1].date == ch->date) ? c + 1 : 1;
		sqlite3_bind_text(st[W_CHANGE], 2,
				  mdx_date_format(ch->date, date), -1,
				  SQLITE_STATIC);
		sqlite3_bind_int64(st[W_CHANGE], 3, (sqlite3_int64)c);
		sqlite3_bind_text(st[W_CHANGE], 4, u->name[ch->symbol], -1,
				  SQLITE_STATIC);
		sqlite3_bind_int(st[W_CHANGE], 5, ch->added);
		bind_num(st[W_CHANGE], 6, ch->cap);
		sqlite3_bind_text(st[W_CHANGE], 7,
				  change_reason(u, ch->symbol, tc, tprev,
						tc == t0, ch->added),
				  -1, SQLITE_STATIC);
		if (step_insert(db, st[W_CHANGE], e))
			goto out;
	}

	/* the membership intervals the build was given */
	for (j = 0; bi->mu != NULL && j < bi->mu->n; j++) {
		const struct mdx_universe_interval *iv = &bi->mu->iv[j];

		sqlite3_bind_text(st[W_UNIVERSE], 2, iv->symbol, -1,
				  SQLITE_STATIC);
		sqlite3_bind_text(st[W_UNIVERSE], 3,
				  mdx_date_format(iv->start, date), -1,
				  SQLITE_TRANSIENT);
		if (iv->end == INT32_MAX)
			sqlite3_bind_null(st[W_UNIVERSE], 4);
		else
			sqlite3_bind_text(st[W_UNIVERSE], 4,
					  mdx_date_format(iv->end, date), -1,
					  SQLITE_TRANSIENT);
		if (step_insert(db, st[W_UNIVERSE], e))
			goto out;
	}
	ret = 0;
out:
	for (w = 0; w < W_N; w++)
		sqlite3_finalize(st[w]);
	mdx_free(last);
	mdx_free(params);
	return ret;
}

static const char *const build_cols[] = {
	"index",     "top",	  "rebalance",	  "base",	"first_date",
	"last_date", "sessions",  "universe",	  "rebalances", "changes",
	"carried",   "level",	  "total_return", "built_at",	"adjust",
	"unranked",  "backfilled"};

static int
build_row(const struct mdx_stats_index *ix, const struct build_info *bi,
	  struct mdx_sink *k, struct mdx_err *e)
{
	const struct mdx_stats_index_day *last = &ix->days[ix->ndays - 1];
	char ts[MDX_RFC3339_LEN];
	struct rowb r;

	rb_init(&r);
	rb_put(&r, "index", json_string(bi->name));
	rb_put(&r, "top", json_integer((json_int_t)bi->o->top));
	rb_put(&r, "rebalance",
	       json_string(mdx_stats_period_name(bi->o->rebalance)));
	rb_put(&r, "base", json_real(bi->o->base));
	rb_put(&r, "first_date", j_date(ix->days[0].date));
	rb_put(&r, "last_date", j_date(last->date));
	rb_put(&r, "sessions", json_integer((json_int_t)ix->ndays));
	rb_put(&r, "universe", json_integer((json_int_t)bi->universe));
	rb_put(&r, "rebalances", json_integer((json_int_t)ix->rebalances));
	rb_put(&r, "changes", json_integer((json_int_t)ix->nchanges));
	rb_put(&r, "carried", json_integer((json_int_t)ix->carried));
	rb_put(&r, "level", j_num(last->level));
	rb_put(&r, "total_return", j_num(last->level / bi->o->base - 1));
	rb_put(&r, "built_at",
	       json_string(mdx_rfc3339_format(bi->built_at, ts)));
	rb_put(&r, "adjust", json_string(mdx_adjust_name(bi->adjust)));
	rb_put(&r, "unranked", json_integer((json_int_t)bi->u->unranked));
	rb_put(&r, "backfilled", json_integer((json_int_t)bi->u->backfilled));
	return rb_send(&r, k, e);
}

int
mdx_analysis_index_build(struct mdx_store *s, const struct mdx_query *q,
			 const struct mdx_analysis_opts *o, struct mdx_sink *k,
			 struct mdx_err *e)
{
	sqlite3 *db = mdx_store_db(s);
	struct mdx_stats_index_symbol *syms = NULL;
	struct mdx_stats_index_opts io;
	struct mdx_stats_index ix;
	struct mdx_universe mu;
	struct universe u;
	struct build_info bi;
	uint32_t *map = NULL; /* engine symbol -> universe symbol */
	char from[MDX_DATE_LEN], to[MDX_DATE_LEN];
	enum mdx_adjust mode = (enum mdx_adjust)q->adjust;
	size_t i, t, nsyms = 0;
	int ret = -1, began = 0;

	memset(&u, 0, sizeof(u));
	memset(&mu, 0, sizeof(mu));
	mdx_stats_index_init(&ix);
	if (!mdx_analysis_index_name_valid(o->index))
		return mdx_err_field(e, MDX_EINPUT, "index",
				     "invalid index name '%.40s' (letters, "
				     "digits and . - _, at most %d)",
				     o->index ? o->index : "",
				     MDX_INDEX_NAME_MAX);
	if (o->top == 0)
		return mdx_err_set(e, MDX_EUSAGE,
				   "index build: --top N is needed (N >= 1)");
	if (mdx_stats_period_name(o->rebalance) == NULL)
		return mdx_err_set(e, MDX_EUSAGE,
				   "index build: unknown rebalance period");
	if (!(isfinite(o->base) && o->base > 0))
		return mdx_err_set(e, MDX_EUSAGE,
				   "index build: base must be a number > 0");
	if (q->adjust < MDX_ADJUST_NONE || q->adjust > MDX_ADJUST_TOTAL)
		return mdx_err_set(e, MDX_EUSAGE,
				   "index build: unknown adjust basis");
	if (o->universe != NULL && mdx_universe_read(o->universe, &mu, e))
		return -1;
	if (k->columns(k->ctx, build_cols, NCOLS(build_cols), e) ||
	    mdx_store_migrate(s, 0, e) || mdx_store_begin(s, e))
		goto out;
	began = 1;
	if (read_facts(db, &u, e) || read_closes(db, q, &u, e))
		goto out;
	if (u.nsess > 0 &&
	    price_universe(db, &u, mode, o->universe ? &mu : NULL, o->backfill,
			   e))
		goto out;
	syms = mdx_calloc(u.n + 1, sizeof(*syms));
	map = mdx_calloc(u.n + 1, sizeof(*map));
	if (syms == NULL || map == NULL) {
		mdx_err_set(e, MDX_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < u.n; i++) {
		if (!u.has_bar || !u.has_bar[i] ||
		    (o->universe && mdx_universe_find(&mu, u.name[i]) < 0))
			continue;
		syms[nsyms].symbol = u.name[i];
		syms[nsyms].close = u.px + i * u.nsess;
		syms[nsyms].cap = u.cap + i * u.nsess;
		map[nsyms++] = (uint32_t)i;
	}
	range_text(q, from, to);
	if (nsyms == 0) {
		char words[64];

		mdx_err_set(e, MDX_EINPUT,
			    "no symbol has both daily bars%s and shares "
			    "outstanding%s (load instrument facts: "
			    "mdx-extract --what profile, or -p sec)",
			    range_words(q, words, sizeof(words)),
			    o->universe ? " and a place in the universe" : "");
		goto out;
	}
	/* the index starts on the first session with a candidate */
	mdx_stats_index_opts_init(&io);
	for (t = 0; t < u.nsess && io.from == INT32_MIN; t++)
		for (i = 0; i < nsyms; i++)
			if (isfinite(syms[i].cap[t]) && syms[i].cap[t] > 0 &&
			    isfinite(syms[i].close[t]) &&
			    syms[i].close[t] > 0) {
				io.from = u.sessions[t];
				break;
			}
	if (io.from == INT32_MIN) {
		mdx_err_set(e, MDX_EINPUT,
			    "no symbol has a share count known on or before "
			    "any session from %s to %s%s (%zu symbol-sessions "
			    "without one; --backfill fills the earliest count "
			    "back)",
			    from, to,
			    o->universe ? " while in the universe" : "",
			    u.unranked);
		goto out;
	}
	io.top = o->top;
	io.rebalance = o->rebalance;
	io.base = o->base;
	if (mdx_stats_index_build(u.sessions, u.nsess, syms, nsyms, &io, &ix,
				  e))
		goto out;
	/* the engine's symbols are positions in syms: back to u's */
	for (i = 0; i < ix.nholdings; i++)
		ix.holdings[i].symbol = map[ix.holdings[i].symbol];
	for (i = 0; i < ix.nchanges; i++)
		ix.changes[i].symbol = map[ix.changes[i].symbol];
	bi.name = o->index;
	bi.q = q;
	bi.o = o;
	bi.adjust = mode;
	bi.mu = o->universe ? &mu : NULL;
	bi.u = &u;
	bi.universe = nsyms;
	bi.built_at = mdx_now_ms();
	if (write_index(db, &u, &ix, &bi, e) || mdx_store_commit(s, e))
		goto out;
	began = 0;
	ret = build_row(&ix, &bi, k, e);
out:
	if (began)
		mdx_store_rollback(s);
	mdx_stats_index_release(&ix);
	universe_release(&u);
	mdx_universe_release(&mu);
	mdx_free(syms);
	mdx_free(map);
	return ret;
}

/* look up the index of o for a query command: 1 found, 0 reported to
 * k->miss, -1 error */
static int
find_index(struct mdx_store *s, const struct mdx_analysis_opts *o,
	   struct index_def *d, struct mdx_sink *k, struct mdx_err *e)
{
	int rc = index_def(s, o->index, d, e);

	if (rc == 0)
		miss(k, "index '%s' not in the store (mdx-query index build)",
		     o->index);
	return rc;
}

static const char *const perf_cols[] = {"date",	      "level",	 "return",
					"cumulative", "members", "rebalanced",
					"carried"};

/* the levels of name in q's range as bars (close = level), for
 * mdx_stats_summary and the chart */
static int
read_levels(struct mdx_store *s, const char *name, const struct mdx_query *q,
	    struct mdx_bar **bars, size_t *n, struct mdx_err *e)
{
	sqlite3 *db = mdx_store_db(s);
	char from[MDX_DATE_LEN], to[MDX_DATE_LEN];
	struct mdx_bar *b = NULL;
	size_t nb = 0, cap = 0;
	sqlite3_stmt *st;
	int rc, ret = -1;

	*bars = NULL;
	*n = 0;
	range_text(q, from, to);
	st = prepare(db,
		     "SELECT date, level FROM index_levels WHERE name = ?1 "
		     "AND date >= ?2 AND date <= ?3 ORDER BY date",
		     e);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, to, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct mdx_bar *x;

		if (grow(&b, &cap, nb + 1, sizeof(*b))) {
			mdx_err_set(e, MDX_ENOMEM, "out of memory");
			goto out;
		}
		x = &b[nb];
		memset(x, 0, sizeof(*x));
		snprintf(x->symbol, sizeof(x->symbol), "%s", name);
		x->interval = MDX_I1D;
		if (mdx_date_parse(col_text(st, 0), &x->date, e)) {
			mdx_err_set(e, MDX_EDB, "index level dated '%.16s'",
				    col_text(st, 0));
			goto out;
		}
		x->close = sqlite3_column_double(st, 1);
		nb++;
	}
	if (rc != SQLITE_DONE) {
		mdx_store_sqlite_err(db, e, "read index levels");
		goto out;
	}
	*bars = b;
	*n = nb;
	b = NULL;
	ret = 0;
out:
	mdx_free(b);
	sqlite3_finalize(st);
	return ret;
}

static int
performance_summary(struct mdx_store *s, const struct mdx_query *q,
		    const struct mdx_analysis_opts *o, struct mdx_sink *k,
		    struct mdx_err *e)
{
	struct mdx_bar *bars;
	struct mdx_stats st;
	struct rowb r;
	size_t n;
	int rc;

	if (read_levels(s, o->index, q, &bars, &n, e))
		return -1;
	rc = mdx_stats_summary(bars, n, NULL, 0, o->rf, &st, e);
	mdx_free(bars);
	if (rc)
		return -1;
	rb_init(&r);
	stats_row(&r, "index", o->index, &st, "level");
	return rb_send(&r, k, e);
}

int
mdx_analysis_index_performance(struct mdx_store *s, const struct mdx_query *q,
			       const struct mdx_analysis_opts *o,
			       struct mdx_sink *k, struct mdx_err *e)
{
	sqlite3 *db = mdx_store_db(s);
	char from[MDX_DATE_LEN], to[MDX_DATE_LEN];
	const char *cols[NCOLS(stats_cols)];
	struct index_def d;
	sqlite3_stmt *st;
	double first = NAN;
	int rc, ret = -1;

	if (o->summary) {
		memcpy(cols, stats_cols, sizeof(cols));
		cols[0] = "index";
		rc = k->columns(k->ctx, cols, NCOLS(cols), e);
	} else {
		rc = k->columns(k->ctx, perf_cols, NCOLS(perf_cols), e);
	}
	if (rc || (rc = find_index(s, o, &d, k, e)) < 0)
		return -1;
	if (rc == 0)
		return 1;
	if (o->summary)
		return performance_summary(s, q, o, k, e);
	range_text(q, from, to);
	st = prepare(db,
		     "SELECT date, level, ret, members, rebalanced, carried "
		     "FROM index_levels WHERE name = ?1 AND date >= ?2 AND "
		     "date <= ?3 ORDER BY date",
		     e);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, o->index, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, to, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		double level = sqlite3_column_double(st, 1);
		struct rowb r;

		if (isnan(first))
			first = level;
		rb_init(&r);
		rb_put(&r, "date", j_text(col_text(st, 0)));
		rb_put(&r, "level", json_real(level));
		rb_put(&r, "return", j_col(st, 2));
		rb_put(&r, "cumulative", j_num(level / first - 1));
		rb_put(&r, "members", j_col(st, 3));
		rb_put(&r, "rebalanced",
		       json_boolean(sqlite3_column_int(st, 4)));
		rb_put(&r, "carried", j_col(st, 5));
		if (rb_send(&r, k, e))
			goto out;
	}
	if (rc != SQLITE_DONE) {
		mdx_store_sqlite_err(db, e, "read index levels");
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	return ret;
}

int
mdx_analysis_index_composition(struct mdx_store *s, const struct mdx_query *q,
			       const struct mdx_analysis_opts *o,
			       struct mdx_sink *k, struct mdx_err *e)
{
	static const char *const cols[] = {"date",	 "rank",   "symbol",
					   "name",	 "sector", "weight",
					   "market_cap", "close",  "carried"};
	sqlite3 *db = mdx_store_db(s);
	char want[MDX_DATE_LEN], date[MDX_DATE_LEN];
	struct index_def d;
	sqlite3_stmt *st = NULL;
	int rc, ret = -1;

	(void)q;
	if (k->columns(k->ctx, cols, NCOLS(cols), e) ||
	    (rc = find_index(s, o, &d, k, e)) < 0)
		return -1;
	if (rc == 0)
		return 1;
	if (o->date == MDX_STATS_NO_DATE)
		snprintf(want, sizeof(want), "%s", d.last);
	else
		mdx_date_format(o->date, want);
	st = prepare(db,
		     "SELECT max(date) FROM index_levels WHERE name = ?1 AND "
		     "date <= ?2",
		     e);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, o->index, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, want, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		mdx_store_sqlite_err(db, e, "read index levels");
		goto out;
	}
	if (sqlite3_column_type(st, 0) == SQLITE_NULL) {
		miss(k, "index '%s' starts on %s, after %s", o->index, d.first,
		     want);
		ret = 1;
		goto out;
	}
	snprintf(date, sizeof(date), "%s", col_text(st, 0));
	sqlite3_finalize(st);
	st = prepare(db,
		     "SELECT m.date, m.rank, m.symbol, i.name, i.sector, "
		     "m.weight, m.market_cap, m.close, m.carried FROM "
		     "index_members m LEFT JOIN instruments i ON i.symbol = "
		     "m.symbol WHERE m.name = ?1 AND m.date = ?2 ORDER BY "
		     "m.rank",
		     e);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, o->index, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, date, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct rowb r;

		rb_init(&r);
		for (int i = 0; i < 8; i++)
			rb_put(&r, cols[i], j_col(st, i));
		rb_put(&r, "carried", json_boolean(sqlite3_column_int(st, 8)));
		if (rb_send(&r, k, e))
			goto out;
	}
	if (rc != SQLITE_DONE) {
		mdx_store_sqlite_err(db, e, "read index members");
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	return ret;
}

int
mdx_analysis_index_changes(struct mdx_store *s, const struct mdx_query *q,
			   const struct mdx_analysis_opts *o,
			   struct mdx_sink *k, struct mdx_err *e)
{
	static const char *const cols[] = {"date", "change",	 "symbol",
					   "name", "market_cap", "reason"};
	sqlite3 *db = mdx_store_db(s);
	char from[MDX_DATE_LEN], to[MDX_DATE_LEN];
	struct index_def d;
	sqlite3_stmt *st;
	int rc, ret = -1, version;

	if (k->columns(k->ctx, cols, NCOLS(cols), e) ||
	    (rc = find_index(s, o, &d, k, e)) < 0 ||
	    mdx_store_version(s, &version, e))
		return -1;
	if (rc == 0)
		return 1;
	range_text(q, from, to);
	/* reason came with version 5: null in an older store's index */
	st = prepare(db,
		     version >= 5
			     ? "SELECT c.date, c.added, c.symbol, i.name, "
			       "c.market_cap, c.reason FROM index_changes c "
			       "LEFT JOIN instruments i ON i.symbol = "
			       "c.symbol WHERE c.name = ?1 AND c.date >= ?2 "
			       "AND c.date <= ?3 ORDER BY c.date, c.seq"
			     : "SELECT c.date, c.added, c.symbol, i.name, "
			       "c.market_cap, NULL FROM index_changes c "
			       "LEFT JOIN instruments i ON i.symbol = "
			       "c.symbol WHERE c.name = ?1 AND c.date >= ?2 "
			       "AND c.date <= ?3 ORDER BY c.date, c.seq",
		     e);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, o->index, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, to, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct rowb r;

		rb_init(&r);
		rb_put(&r, "date", j_col(st, 0));
		rb_put(&r, "change",
		       json_string(sqlite3_column_int(st, 1) ? "added"
							     : "removed"));
		rb_put(&r, "symbol", j_col(st, 2));
		rb_put(&r, "name", j_col(st, 3));
		rb_put(&r, "market_cap", j_col(st, 4));
		rb_put(&r, "reason", j_col(st, 5));
		if (rb_send(&r, k, e))
			goto out;
	}
	if (rc != SQLITE_DONE) {
		mdx_store_sqlite_err(db, e, "read index changes");
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	return ret;
}

int
mdx_analysis_index_list(struct mdx_store *s, const struct mdx_query *q,
			const struct mdx_analysis_opts *o, struct mdx_sink *k,
			struct mdx_err *e)
{
	static const char *const cols[] = {
		"index",     "top",	 "rebalance", "base",	 "first_date",
		"last_date", "sessions", "level",     "built_at"};
	sqlite3 *db = mdx_store_db(s);
	sqlite3_stmt *st;
	int rc, ret = -1;

	(void)q;
	(void)o;
	if (k->columns(k->ctx, cols, NCOLS(cols), e) ||
	    (rc = have_index_tables(db, e)) < 0)
		return -1;
	if (rc == 0)
		return 0;
	st = prepare(db,
		     "SELECT name, top, rebalance, base, first_date, "
		     "last_date, sessions, level, built_at FROM index_defs "
		     "ORDER BY name",
		     e);
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char ts[MDX_RFC3339_LEN];
		struct rowb r;

		rb_init(&r);
		for (int i = 0; i < 8; i++)
			rb_put(&r, cols[i], j_col(st, i));
		rb_put(&r, "built_at",
		       json_string(mdx_rfc3339_format(
			       sqlite3_column_int64(st, 8), ts)));
		if (rb_send(&r, k, e))
			goto out;
	}
	if (rc != SQLITE_DONE) {
		mdx_store_sqlite_err(db, e, "read indexes");
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	return ret;
}

int
mdx_analysis_index_delete(struct mdx_store *s, const char *name,
			  struct mdx_err *e)
{
	struct index_def d;
	int rc;

	if (mdx_store_migrate(s, 0, e) || mdx_store_begin(s, e))
		return -1;
	if ((rc = index_def(s, name, &d, e)) == 1 &&
	    delete_index(mdx_store_db(s), name, e))
		rc = -1;
	if (rc < 0) {
		mdx_store_rollback(s);
		return -1;
	}
	if (mdx_store_commit(s, e)) {
		mdx_store_rollback(s);
		return -1;
	}
	return rc;
}

/* ---- chart ---- */

/* bars to chart points, open, high and low standing in by the close */
static struct mdx_chart_point *
to_points(const struct mdx_bar *b, size_t n)
{
	struct mdx_chart_point *p = mdx_calloc(n + 1, sizeof(*p));

	if (p == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		p[i].date = b[i].date;
		p[i].close = b[i].close;
		p[i].open = (b[i].has & MDX_HAS_OPEN) ? b[i].open : b[i].close;
		p[i].high = (b[i].has & MDX_HAS_HIGH) ? b[i].high : b[i].close;
		p[i].low = (b[i].has & MDX_HAS_LOW) ? b[i].low : b[i].close;
		if (p[i].high < p[i].close)
			p[i].high = p[i].close;
		if (p[i].low > p[i].close)
			p[i].low = p[i].close;
	}
	return p;
}

/* put the daily bars on the basis of adj and mode: every price times
 * basis / close, and open, high and low present */
static int
adjust_bars(struct mdx_bar *b, size_t n, const struct mdx_adjuster *adj,
	    int mode, struct mdx_err *e)
{
	double *p = mdx_calloc(n + 1, sizeof(*p));

	if (p == NULL)
		return mdx_err_set(e, MDX_ENOMEM, "out of memory");
	if (mdx_stats_prices(b, n, adj, mode, p, e)) {
		mdx_free(p);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		double f = p[i] / b[i].close;

		b[i].open =
			((b[i].has & MDX_HAS_OPEN) ? b[i].open : b[i].close) *
			f;
		b[i].high =
			((b[i].has & MDX_HAS_HIGH) ? b[i].high : b[i].close) *
			f;
		b[i].low =
			((b[i].has & MDX_HAS_LOW) ? b[i].low : b[i].close) * f;
		b[i].close = p[i];
		b[i].has |= MDX_HAS_OPEN | MDX_HAS_HIGH | MDX_HAS_LOW;
		b[i].has &= ~(unsigned)MDX_HAS_ADJ;
	}
	mdx_free(p);
	return 0;
}

int
mdx_analysis_chart(struct mdx_store *s, const struct mdx_query *q,
		   const struct mdx_analysis_opts *o, char **out, size_t *len,
		   struct mdx_err *e)
{
	struct mdx_chart_opts co;
	struct mdx_adjuster *adj = NULL;
	struct mdx_bar *bars = NULL, *rs = NULL;
	struct mdx_chart_point *p = NULL;
	char from[MDX_DATE_LEN], to[MDX_DATE_LEN], detail[128];
	const char *name, *what = "daily";
	size_t n = 0, nrs = 0, cap;
	int found = 0, ret = -1, rc;

	*out = NULL;
	*len = 0;
	mdx_chart_opts_init(&co);
	co.type = o->chart_type;
	co.width = o->width;
	co.height = o->height;
	co.color = o->color;
	range_text(q, from, to);
	if (o->of_index) {
		struct index_def d;

		name = o->index;
		if ((rc = index_def(s, name, &d, e)) < 0)
			return -1;
		if (rc == 0)
			return mdx_err_set(e, MDX_ENOTFOUND,
					   "index '%s' not in the store "
					   "(mdx-query index build)",
					   name ? name : "");
		if (read_levels(s, name, q, &bars, &n, e))
			return -1;
		if (adjust_bars(bars, n, NULL, MDX_ADJUST_NONE, e))
			goto out;
	} else {
		if (q->nsymbols != 1)
			return mdx_err_set(e, MDX_EUSAGE,
					   "chart: one symbol, please");
		if (check_symbols(q, "chart", e))
			return -1;
		name = q->symbols[0];
		if (read_daily(s, name, q, &bars, &n, &adj, &found, e))
			return -1;
		if (!found)
			return mdx_err_set(e, MDX_ENOTFOUND,
					   "symbol '%s' not in the store",
					   name);
		if (adjust_bars(bars, n, adj, q->adjust, e))
			goto out;
	}
	if (n == 0) {
		char words[64];

		mdx_err_set(e, MDX_ENOTFOUND, "%s '%s' has no %s%s",
			    o->of_index ? "index" : "symbol", name,
			    o->of_index ? "levels" : "daily bars",
			    range_words(q, words, sizeof(words)));
		goto out;
	}
	cap = mdx_chart_capacity(&co, o->svg);
	if (o->chart_type == MDX_CHART_CANDLE && n > cap) {
		/* candles too many for the width: weeks, else months */
		if (mdx_stats_resample(bars, n, MDX_I1WK, 0, NULL, &rs, &nrs,
				       e))
			goto out;
		what = "weekly";
		if (nrs > cap) {
			mdx_free(rs);
			rs = NULL;
			if (mdx_stats_resample(bars, n, MDX_I1MO, 0, NULL, &rs,
					       &nrs, e))
				goto out;
			what = "monthly";
		}
	}
	p = rs ? to_points(rs, nrs) : to_points(bars, n);
	if (p == NULL) {
		mdx_err_set(e, MDX_ENOMEM, "out of memory");
		goto out;
	}
	if (o->of_index)
		snprintf(detail, sizeof(detail), "index level%s",
			 o->chart_type == MDX_CHART_CANDLE ? ", " : "");
	else
		snprintf(detail, sizeof(detail), "%s",
			 q->adjust == MDX_ADJUST_TOTAL	 ? "total return"
			 : q->adjust == MDX_ADJUST_SPLIT ? "split-adjusted"
							 : "close");
	if (o->chart_type == MDX_CHART_CANDLE) {
		size_t l = strlen(detail);

		snprintf(detail + l, sizeof(detail) - l, "%s%s candles",
			 o->of_index ? "" : ", ", what);
	}
	co.title = name;
	co.detail = detail;
	co.change = bars[n - 1].close / bars[0].close - 1;
	co.from = bars[0].date;
	co.to = bars[n - 1].date;
	if (o->svg)
		ret = mdx_chart_svg(p, rs ? nrs : n, &co, out, len, e);
	else
		ret = mdx_chart_text(p, rs ? nrs : n, &co, out, len, e);
out:
	mdx_free(bars);
	mdx_free(rs);
	mdx_adjuster_free(adj);
	mdx_free(p);
	return ret;
}
