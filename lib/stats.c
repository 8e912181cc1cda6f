/*
 * stats.c - stats, returns, resampling and the equal-weighted index
 * (mdx_stats.h says what each computes and by which convention).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdx_alloc.h"
#include "mdx_calendar.h"
#include "mdx_err.h"
#include "mdx_record.h"
#include "mdx_stats.h"
#include "mdx_time.h"

static int
positive(double v)
{
	return isfinite(v) && v > 0;
}

/* a bar's open, high and low, its close standing in for a missing one */
static double
bar_open(const struct mdx_bar *b)
{
	return (b->has & MDX_HAS_OPEN) ? b->open : b->close;
}

static double
bar_high(const struct mdx_bar *b)
{
	return (b->has & MDX_HAS_HIGH) ? b->high : b->close;
}

static double
bar_low(const struct mdx_bar *b)
{
	return (b->has & MDX_HAS_LOW) ? b->low : b->close;
}

static const char *const period_names[] = {"daily", "weekly", "monthly",
					   "quarterly"};

int
mdx_stats_period_parse(const char *s)
{
	for (size_t i = 0; i < sizeof(period_names) / sizeof(period_names[0]);
	     i++)
		if (s != NULL && strcmp(s, period_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *
mdx_stats_period_name(int period)
{
	if (period < 0 || period > MDX_STATS_QUARTERLY)
		return NULL;
	return period_names[period];
}

/*
 * A number that is the same for every day of the period holding day and
 * different for the next period: the day itself, the Monday of its ISO
 * week, or a count of months or quarters since year 0.
 */
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

int
mdx_stats_prices(const struct mdx_bar *bars, size_t n,
		 const struct mdx_adjuster *adj, int mode, double *prices,
		 struct mdx_err *e)
{
	char d[MDX_DATE_LEN];

	for (size_t i = 0; i < n; i++) {
		if (!positive(bars[i].close))
			return mdx_err_field(
				e, MDX_EINPUT, "close",
				"bar of %s: close is not a number > 0",
				mdx_date_format(bars[i].date, d));
		prices[i] = bars[i].close *
			    mdx_adjuster_price(adj, mode, bars[i].date);
	}
	return 0;
}

/* bars are daily (1d) and their dates strictly ascending */
static int
check_daily(const struct mdx_bar *bars, size_t n, struct mdx_err *e)
{
	char d[MDX_DATE_LEN];

	for (size_t i = 0; i < n; i++) {
		if (bars[i].interval != MDX_I1D) {
			const char *iv = mdx_interval_name(bars[i].interval);

			return mdx_err_set(e, MDX_EUSAGE,
					   "daily bars (1d) needed, not '%s'",
					   iv ? iv : "?");
		}
		if (i > 0 && bars[i].date <= bars[i - 1].date)
			return mdx_err_set(e, MDX_EINPUT,
					   "bars not in ascending date order "
					   "at %s",
					   mdx_date_format(bars[i].date, d));
	}
	return 0;
}

int
mdx_stats_summary(const struct mdx_bar *bars, size_t n,
		  const struct mdx_adjuster *adj, int mode, double rf,
		  struct mdx_stats *st, struct mdx_err *e)
{
	double *p = NULL;
	double sum_close = 0, sum_pv = 0, sum_v = 0, sum_r = 0, ss = 0;
	double peak, mean, sd;
	size_t i, peak_i;
	int ret = -1;

	st->count = n;
	st->first_date = st->last_date = MDX_STATS_NO_DATE;
	st->first_open = st->last_close = st->high = st->low = NAN;
	st->mean_close = st->vwap = NAN;
	st->basis = mode;
	st->nreturns = n > 0 ? n - 1 : 0;
	st->total_return = st->mean_return = st->stdev = NAN;
	st->volatility = st->sharpe = st->max_drawdown = NAN;
	st->rf = rf;
	st->dd_peak = st->dd_trough = MDX_STATS_NO_DATE;
	if (!isfinite(rf) || rf <= -1)
		return mdx_err_set(e, MDX_EUSAGE,
				   "risk-free rate must be a number > -1");
	if (check_daily(bars, n, e))
		return -1;
	if (n == 0)
		return 0;
	p = mdx_malloc(n * sizeof(*p));
	if (p == NULL) {
		mdx_err_set(e, MDX_ENOMEM, "out of memory");
		goto out;
	}
	if (mdx_stats_prices(bars, n, adj, mode, p, e))
		goto out;

	/* figures as traded */
	st->first_date = bars[0].date;
	st->last_date = bars[n - 1].date;
	st->first_open = bar_open(&bars[0]);
	st->last_close = bars[n - 1].close;
	st->high = bar_high(&bars[0]);
	st->low = bar_low(&bars[0]);
	for (i = 0; i < n; i++) {
		const struct mdx_bar *b = &bars[i];
		double h = bar_high(b), l = bar_low(b);

		if (h > st->high)
			st->high = h;
		if (l < st->low)
			st->low = l;
		sum_close += b->close;
		if (b->has & MDX_HAS_VOLUME) {
			double v = (double)b->volume;

			sum_pv += (h + l + b->close) / 3 * v;
			sum_v += v;
		}
	}
	st->mean_close = sum_close / (double)n;
	if (sum_v > 0)
		st->vwap = sum_pv / sum_v;

	/* figures on the basis prices: returns, two passes for the std */
	st->total_return = p[n - 1] / p[0] - 1;
	for (i = 1; i < n; i++)
		sum_r += p[i] / p[i - 1] - 1;
	if (n >= 2) {
		mean = sum_r / (double)(n - 1);
		st->mean_return = mean;
		for (i = 1; i < n; i++) {
			double d = p[i] / p[i - 1] - 1 - mean;

			ss += d * d;
		}
		if (n >= 3) {
			sd = sqrt(ss / (double)(n - 2));
			st->stdev = sd;
			st->volatility = sd * sqrt(MDX_STATS_DAYS_YEAR);
			if (sd > 0) {
				double rfd =
					pow(1 + rf, 1.0 / MDX_STATS_DAYS_YEAR) -
					1;

				st->sharpe = (mean - rfd) / sd *
					     sqrt(MDX_STATS_DAYS_YEAR);
			}
		}
	}

	/* maximum drawdown */
	st->max_drawdown = 0;
	peak = p[0];
	peak_i = 0;
	for (i = 1; i < n; i++) {
		double dd;

		if (p[i] > peak) {
			peak = p[i];
			peak_i = i;
			continue;
		}
		dd = p[i] / peak - 1;
		if (dd < st->max_drawdown) {
			st->max_drawdown = dd;
			st->dd_peak = bars[peak_i].date;
			st->dd_trough = bars[i].date;
		}
	}
	ret = 0;
out:
	mdx_free(p);
	return ret;
}

int
mdx_stats_returns(const struct mdx_bar *bars, size_t n,
		  const struct mdx_adjuster *adj, int mode, int period,
		  int logret, struct mdx_stats_return **rows, size_t *nrows,
		  struct mdx_err *e)
{
	struct mdx_stats_return *r = NULL;
	double *p = NULL, prev = NAN;
	size_t i, nr = 0, start = 0;
	int ret = -1;

	*rows = NULL;
	*nrows = 0;
	if (mdx_stats_period_name(period) == NULL)
		return mdx_err_set(e, MDX_EUSAGE, "unknown period %d", period);
	if (check_daily(bars, n, e))
		return -1;
	if (n == 0)
		return 0;
	p = mdx_malloc(n * sizeof(*p));
	r = mdx_malloc(n * sizeof(*r));
	if (p == NULL || r == NULL) {
		mdx_err_set(e, MDX_ENOMEM, "out of memory");
		goto out;
	}
	if (mdx_stats_prices(bars, n, adj, mode, p, e))
		goto out;
	for (i = 0; i < n; i++) {
		struct mdx_stats_return *row;

		if (i + 1 < n && period_key(bars[i + 1].date, period) ==
					 period_key(bars[i].date, period))
			continue;
		/* bars[start..i] are one period */
		row = &r[nr++];
		row->date = bars[i].date;
		row->first = bars[start].date;
		row->nbars = i - start + 1;
		row->price = p[i];
		if (isnan(prev))
			row->ret = NAN;
		else if (logret)
			row->ret = log(p[i] / prev);
		else
			row->ret = p[i] / prev - 1;
		prev = p[i];
		start = i + 1;
	}
	*rows = r;
	*nrows = nr;
	r = NULL;
	ret = 0;
out:
	mdx_free(p);
	mdx_free(r);
	return ret;
}

/* floor(a / b) for b > 0 */
static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && a < 0) ? q - 1 : q;
}

int
mdx_stats_reachable(int from, int to)
{
	if (from < 0 || from >= MDX_INTERVAL_N || to < 0 ||
	    to >= MDX_INTERVAL_N || from > to || to == MDX_I5D)
		return 0;
	if (mdx_interval_intraday(to)) /* whole bars of from in a bucket */
		return mdx_interval_ms(to) % mdx_interval_ms(from) == 0;
	if (mdx_interval_intraday(from) || from == MDX_I1D || from == to)
		return 1;
	/* months nest in quarters; 5d bars and weeks straddle months */
	return from == MDX_I1MO && to == MDX_I3MO;
}

static int
off_session(const struct mdx_bar *b)
{
	return strcmp(b->session, "pre") == 0 ||
	       strcmp(b->session, "post") == 0 ||
	       strcmp(b->session, "closed") == 0;
}

/* a bucket being filled */
struct bucket {
	struct mdx_bar bar; /* the new bar */
	unsigned all;	    /* MDX_HAS_ flags every bar had */
	double vnum, vden;  /* sum of vwap x volume, sum of volume */
};

static void
bucket_start(struct bucket *k, const struct mdx_bar *b, int interval)
{
	k->bar = *b;
	k->bar.interval = interval;
	k->bar.open = bar_open(b);
	k->bar.high = bar_high(b);
	k->bar.low = bar_low(b);
	k->bar.volume = (b->has & MDX_HAS_VOLUME) ? b->volume : 0;
	k->bar.trades = (b->has & MDX_HAS_TRADES) ? b->trades : 0;
	k->bar.phase[0] = '\0';
	k->all = b->has;
	k->vnum = (b->has & MDX_HAS_VWAP) ? b->vwap * (double)k->bar.volume : 0;
	k->vden = (double)k->bar.volume;
}

static void
bucket_add(struct bucket *k, const struct mdx_bar *b)
{
	double h = bar_high(b), l = bar_low(b);
	int64_t v = (b->has & MDX_HAS_VOLUME) ? b->volume : 0;

	if (h > k->bar.high)
		k->bar.high = h;
	if (l < k->bar.low)
		k->bar.low = l;
	k->bar.close = b->close;
	k->bar.adj_close = b->adj_close;
	k->bar.volume += v;
	if (b->has & MDX_HAS_TRADES)
		k->bar.trades += b->trades;
	if (b->has & MDX_HAS_VWAP)
		k->vnum += b->vwap * (double)v;
	k->vden += (double)v;
	k->all &= b->has;
	/* adj_close is the last bar's: keep its flag */
	k->bar.has =
		(k->bar.has & ~(unsigned)MDX_HAS_ADJ) | (b->has & MDX_HAS_ADJ);
}

static void
bucket_finish(struct bucket *k)
{
	unsigned every =
		MDX_HAS_HIGH | MDX_HAS_LOW | MDX_HAS_VOLUME | MDX_HAS_TRADES;
	unsigned has = k->bar.has & (MDX_HAS_OPEN | MDX_HAS_ADJ);

	has |= k->all & every;
	if ((k->all & MDX_HAS_VWAP) && (k->all & MDX_HAS_VOLUME) &&
	    k->vden > 0) {
		k->bar.vwap = k->vnum / k->vden;
		has |= MDX_HAS_VWAP;
	}
	k->bar.has = has;
}

int
mdx_stats_resample(const struct mdx_bar *bars, size_t n, int interval,
		   unsigned flags, const char *zone, struct mdx_bar **out,
		   size_t *nout, struct mdx_err *e)
{
	struct mdx_bar *o = NULL;
	struct bucket k;
	size_t i, no = 0, cap = 0;
	int64_t span = 0, offset = 0, key = 0, start = 0;
	int ret = -1, have = 0, intraday, wall = 0;

	*out = NULL;
	*nout = 0;
	if (mdx_interval_name(interval) == NULL)
		return mdx_err_set(e, MDX_EUSAGE, "unknown interval %d",
				   interval);
	if (interval == MDX_I5D)
		return mdx_err_set(e, MDX_EUSAGE,
				   "cannot resample to 5d: a provider's own "
				   "grouping of days (resample to 1wk)");
	intraday = mdx_interval_intraday(interval);
	if (intraday) {
		span = mdx_interval_ms(interval);
		if (flags & MDX_STATS_AT_OPEN)
			offset = 1800000 % span;
		/* 90m: cut wall time (UTC offsets are whole hours) */
		wall = 3600000 % span != 0;
	}
	if (zone == NULL)
		zone = MDX_CAL_ZONE;
	for (i = 0; i < n; i++) {
		if (!mdx_stats_reachable(bars[i].interval, interval)) {
			const char *f = mdx_interval_name(bars[i].interval);

			return mdx_err_set(
				e, MDX_EUSAGE, "cannot resample %s bars to %s",
				f ? f : "?", mdx_interval_name(interval));
		}
		if (i > 0 && bars[i].ts <= bars[i - 1].ts) {
			char t[MDX_RFC3339_LEN];

			return mdx_err_set(e, MDX_EINPUT,
					   "bars not in ascending time order "
					   "at %s",
					   mdx_rfc3339_format(bars[i].ts, t));
		}
	}
	memset(&k, 0, sizeof(k));
	for (i = 0; i <= n; i++) {
		const struct mdx_bar *b = i < n ? &bars[i] : NULL;
		int64_t bk = 0;

		if (b != NULL && (flags & MDX_STATS_REGULAR) && off_session(b))
			continue;
		if (b != NULL) {
			if (intraday) {
				int64_t t = b->ts;
				long off = 0;

				if (wall &&
				    mdx_tz_utc_to_local(zone, b->ts, NULL, NULL,
							&off, e))
					goto out;
				t += (int64_t)off * 1000;
				bk = floor_div(t - offset, span);
				start = b->ts - (t - offset - bk * span);
			} else if (interval == MDX_I1D) {
				bk = b->date;
			} else {
				bk = period_key(b->date,
						interval == MDX_I1WK
							? MDX_STATS_WEEKLY
						: interval == MDX_I1MO
							? MDX_STATS_MONTHLY
							: MDX_STATS_QUARTERLY);
			}
			if (have && bk == key &&
			    (!intraday || b->date == k.bar.date)) {
				bucket_add(&k, b);
				continue;
			}
		}
		if (have) {
			bucket_finish(&k);
			if (no == cap) {
				size_t nc = cap ? 2 * cap : 64;
				struct mdx_bar *t =
					mdx_realloc(o, nc * sizeof(*o));

				if (t == NULL) {
					mdx_err_set(e, MDX_ENOMEM,
						    "out of memory");
					goto out;
				}
				o = t;
				cap = nc;
			}
			o[no++] = k.bar;
			have = 0;
		}
		if (b == NULL)
			break;
		bucket_start(&k, b, interval);
		key = bk;
		have = 1;
		if (intraday) {
			k.bar.ts = start;
		} else if (interval == MDX_I1D) {
			if (mdx_tz_day_start(zone, b->date, &k.bar.ts, e))
				goto out;
			if (b->session[0] != '\0')
				snprintf(k.bar.session, sizeof(k.bar.session),
					 "%s",
					 mdx_cal_is_early_close(b->date)
						 ? "early_close"
						 : "regular");
		} else {
			k.bar.session[0] = '\0';
		}
	}
	*out = o;
	*nout = no;
	o = NULL;
	ret = 0;
out:
	mdx_free(o);
	return ret;
}

void
mdx_stats_index_opts_init(struct mdx_stats_index_opts *o)
{
	o->top = 0;
	o->rebalance = MDX_STATS_MONTHLY;
	o->base = 1000;
	o->from = INT32_MIN;
	o->to = INT32_MAX;
}

void
mdx_stats_index_init(struct mdx_stats_index *ix)
{
	memset(ix, 0, sizeof(*ix));
}

void
mdx_stats_index_release(struct mdx_stats_index *ix)
{
	if (ix == NULL)
		return;
	mdx_free(ix->days);
	mdx_free(ix->holdings);
	mdx_free(ix->changes);
	mdx_stats_index_init(ix);
}

/* a candidate at a rebalance */
struct cand {
	double cap;	  /* market cap */
	uint32_t sym;	  /* index into the universe */
	const char *name; /* borrowed */
};

static int
cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	int c;

	if (x->cap != y->cap)
		return x->cap > y->cap ? -1 : 1;
	c = strcmp(x->name, y->name);
	if (c != 0)
		return c;
	return (x->sym > y->sym) - (x->sym < y->sym);
}

/*
 * Room for need elements of size at p (capacity *cap): returns p or its
 * new place, or NULL when out of memory (p is then left as it was).
 */
static void *
grow(void *p, size_t *cap, size_t need, size_t size)
{
	size_t nc = *cap ? *cap : 256;
	void *t;

	if (need <= *cap)
		return p;
	while (nc < need) {
		if (nc > SIZE_MAX / 2 / size)
			return NULL;
		nc *= 2;
	}
	t = mdx_realloc(p, nc * size);
	if (t != NULL)
		*cap = nc;
	return t;
}

/* is sessions[t] the last session of its period? */
static int
period_end(const int32_t *sessions, size_t nsessions, size_t t, int period)
{
	int32_t next;

	if (period == MDX_STATS_DAILY)
		return 1;
	next = t + 1 < nsessions ? sessions[t + 1]
				 : mdx_cal_next_session(sessions[t]);
	return period_key(next, period) != period_key(sessions[t], period);
}

/* the working state of one build */
struct ixw {
	double *units;	       /* per symbol: units held (members) */
	double *last;	       /* per symbol: last close seen (members) */
	double *cap;	       /* per symbol: cap at this rebalance or NAN */
	size_t *cursor;	       /* per symbol: current fact */
	unsigned char *member; /* per symbol: 1 when a member */
	uint32_t *mem, *nmem;  /* members in rank order; the new ones */
	size_t k;	       /* members */
	struct cand *cand;     /* candidates */
	size_t hcap, ccap;     /* capacities of holdings, changes */
};

static int
ix_change(struct mdx_stats_index *ix, struct ixw *w, int32_t date, uint32_t sym,
	  int added)
{
	struct mdx_stats_change *c;

	c = grow(ix->changes, &w->ccap, ix->nchanges + 1, sizeof(*c));
	if (c == NULL)
		return -1;
	ix->changes = c;
	c = &ix->changes[ix->nchanges++];
	c->date = date;
	c->symbol = sym;
	c->added = added;
	c->cap = w->cap[sym];
	return 0;
}

/*
 * Choose the members at the close of session t with index level level.
 * Returns the number chosen (0: none qualified, nothing changed) or -1
 * when out of memory.
 */
static long
ix_rebalance(struct mdx_stats_index *ix, struct ixw *w,
	     const struct mdx_stats_index_symbol *syms, size_t nsyms,
	     size_t top, int32_t date, size_t t, double level)
{
	size_t nc = 0, k, i;

	for (i = 0; i < nsyms; i++) {
		const struct mdx_stats_index_symbol *s = &syms[i];
		double c = s->close[t];
		size_t *cur = &w->cursor[i];

		w->cap[i] = NAN;
		if (!positive(c))
			continue;
		if (s->cap != NULL) {
			if (!positive(s->cap[t]))
				continue;
			w->cap[i] = s->cap[t];
		} else {
			if (s->nfacts == 0)
				continue;
			while (*cur + 1 < s->nfacts &&
			       s->facts[*cur + 1].as_of <= date)
				(*cur)++;
			w->cap[i] = c * s->facts[*cur].shares;
		}
		w->cand[nc].cap = w->cap[i];
		w->cand[nc].sym = (uint32_t)i;
		w->cand[nc].name = s->symbol;
		nc++;
	}
	if (nc == 0)
		return 0;
	qsort(w->cand, nc, sizeof(*w->cand), cand_cmp);
	k = nc < top ? nc : top;
	for (i = 0; i < k; i++) {
		uint32_t s = w->cand[i].sym;

		w->nmem[i] = s;
		if (!w->member[s] && ix_change(ix, w, date, s, 1))
			return -1;
	}
	for (i = 0; i < w->k; i++)
		w->member[w->mem[i]] = 2; /* old: 2 until chosen again */
	for (i = 0; i < k; i++)
		w->member[w->nmem[i]] = 1;
	for (i = 0; i < w->k; i++) {
		uint32_t s = w->mem[i];

		if (w->member[s] == 2) {
			w->member[s] = 0;
			if (ix_change(ix, w, date, s, 0))
				return -1;
		}
	}
	for (i = 0; i < k; i++) {
		uint32_t s = w->nmem[i];

		w->mem[i] = s;
		w->last[s] = syms[s].close[t];
		w->units[s] = level / (double)k / w->last[s];
	}
	w->k = k;
	return (long)k;
}

int
mdx_stats_index_build(const int32_t *sessions, size_t nsessions,
		      const struct mdx_stats_index_symbol *syms, size_t nsyms,
		      const struct mdx_stats_index_opts *o,
		      struct mdx_stats_index *ix, struct mdx_err *e)
{
	struct ixw w;
	struct mdx_stats_holding *hold;
	char d[MDX_DATE_LEN];
	size_t lo, hi, t, i, j, top;
	double prev = NAN;
	int ret = -1;

	mdx_stats_index_release(ix);
	memset(&w, 0, sizeof(w));
	if (o->top == 0)
		return mdx_err_set(e, MDX_EUSAGE, "index needs top >= 1");
	if (!positive(o->base))
		return mdx_err_set(e, MDX_EUSAGE,
				   "base level must be a number > 0");
	if (mdx_stats_period_name(o->rebalance) == NULL)
		return mdx_err_set(e, MDX_EUSAGE, "unknown rebalance period %d",
				   o->rebalance);
	if (o->from > o->to)
		return mdx_err_set(e, MDX_EUSAGE, "from is after to");
	if (nsyms > UINT32_MAX)
		return mdx_err_set(e, MDX_EUSAGE, "too many symbols");
	for (t = 1; t < nsessions; t++)
		if (sessions[t] <= sessions[t - 1])
			return mdx_err_set(e, MDX_EINPUT,
					   "sessions not ascending at %s",
					   mdx_date_format(sessions[t], d));
	for (i = 0; i < nsyms; i++) {
		const struct mdx_stats_index_symbol *s = &syms[i];

		if (s->symbol == NULL || (nsessions > 0 && s->close == NULL))
			return mdx_err_set(e, MDX_EINPUT,
					   "symbol %zu has no name or closes",
					   i);
		for (j = 0; j < s->nfacts; j++) {
			if (!positive(s->facts[j].shares))
				return mdx_err_field(
					e, MDX_EINPUT, "shares_outstanding",
					"'%s' as of %s: not a number > 0",
					s->symbol,
					mdx_date_format(s->facts[j].as_of, d));
			if (j > 0 && s->facts[j].as_of <= s->facts[j - 1].as_of)
				return mdx_err_field(
					e, MDX_EINPUT, "as_of",
					"'%s': facts not ascending at %s",
					s->symbol,
					mdx_date_format(s->facts[j].as_of, d));
		}
	}
	for (lo = 0; lo < nsessions && sessions[lo] < o->from; lo++)
		;
	for (hi = lo; hi < nsessions && sessions[hi] <= o->to; hi++)
		;
	if (lo == hi)
		return 0;
	top = o->top < nsyms ? o->top : nsyms;
	ix->days = mdx_calloc(hi - lo, sizeof(*ix->days));
	w.units = mdx_calloc(nsyms + 1, sizeof(*w.units));
	w.last = mdx_calloc(nsyms + 1, sizeof(*w.last));
	w.cap = mdx_calloc(nsyms + 1, sizeof(*w.cap));
	w.cursor = mdx_calloc(nsyms + 1, sizeof(*w.cursor));
	w.member = mdx_calloc(nsyms + 1, 1);
	w.mem = mdx_calloc(top + 1, sizeof(*w.mem));
	w.nmem = mdx_calloc(top + 1, sizeof(*w.nmem));
	w.cand = mdx_calloc(nsyms + 1, sizeof(*w.cand));
	if (ix->days == NULL || w.units == NULL || w.last == NULL ||
	    w.cap == NULL || w.cursor == NULL || w.member == NULL ||
	    w.mem == NULL || w.nmem == NULL || w.cand == NULL)
		goto nomem;
	for (t = lo; t < hi; t++) {
		struct mdx_stats_index_day *day = &ix->days[ix->ndays];
		double level = o->base;
		long k;

		day->date = sessions[t];
		day->ret = NAN;
		if (t > lo) {
			level = 0;
			for (i = 0; i < w.k; i++) {
				uint32_t s = w.mem[i];
				double c = syms[s].close[t];

				if (positive(c))
					w.last[s] = c;
				else
					day->carried++;
				level += w.units[s] * w.last[s];
			}
			day->ret = level / prev - 1;
		}
		if (t == lo ||
		    period_end(sessions, nsessions, t, o->rebalance)) {
			k = ix_rebalance(ix, &w, syms, nsyms, top, sessions[t],
					 t, level);
			if (k < 0)
				goto nomem;
			if (k == 0 && t == lo) {
				mdx_err_set(e, MDX_EINPUT,
					    "no symbol has a close and shares "
					    "outstanding on %s",
					    mdx_date_format(sessions[t], d));
				goto out;
			}
			if (k == 0)
				ix->skipped++;
			else
				ix->rebalances++;
			day->rebalanced = k > 0;
		}
		hold = grow(ix->holdings, &w.hcap, ix->nholdings + w.k,
			    sizeof(*hold));
		if (hold == NULL)
			goto nomem;
		ix->holdings = hold;
		day->first = ix->nholdings;
		day->n = w.k;
		for (i = 0; i < w.k; i++) {
			struct mdx_stats_holding *h =
				&ix->holdings[ix->nholdings++];
			uint32_t s = w.mem[i];

			h->symbol = s;
			h->weight = w.units[s] * w.last[s] / level;
		}
		day->level = level;
		ix->carried += day->carried;
		ix->ndays++;
		prev = level;
	}
	ret = 0;
	goto out;
nomem:
	mdx_err_set(e, MDX_ENOMEM, "out of memory");
out:
	if (ret != 0)
		mdx_stats_index_release(ix);
	mdx_free(w.units);
	mdx_free(w.last);
	mdx_free(w.cap);
	mdx_free(w.cursor);
	mdx_free(w.member);
	mdx_free(w.mem);
	mdx_free(w.nmem);
	mdx_free(w.cand);
	return ret;
}
