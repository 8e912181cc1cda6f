/*
 * mdx_stats.h - the computations behind mdx-query's analysis commands
 * (DESIGN.md section 6): stats, returns, resample and the equal-weighted
 * index.  Pure functions over data in memory: nothing here reads the
 * store, prints or exits.
 *
 * Units: dates are int32_t days since 1970-01-01 (trading dates, New York
 * for US symbols); instants are epoch ms UTC; prices are in the
 * instrument's currency; volume in shares; returns, volatility, drawdown
 * and rates are fractions (0.05 is 5 %), never percent.
 *
 * Undefined figures are NAN (math.h): test with isnan(3) and write JSON
 * null.  jansson's json_real(NAN) returns NULL rather than a value, so a
 * caller builds a row with `isnan(v) ? json_null() : json_real(v)`; a NAN
 * must never be formatted as a number.  An undefined date is
 * MDX_STATS_NO_DATE, also written as null.
 *
 * Daily figures are annualised with MDX_STATS_DAYS_YEAR = 252 sessions a
 * year, the customary figure (NYSE has had 248 to 253; lib/calendar.c).
 */
#ifndef MDX_STATS_H
#define MDX_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "mdx_adjust.h"
#include "mdx_err.h"
#include "mdx_record.h"

#define MDX_STATS_DAYS_YEAR 252	    /* sessions a year, to annualise */
#define MDX_STATS_NO_DATE INT32_MIN /* an undefined date (null) */

/* A split action (DESIGN.md section 2, kind "split"). */
struct mdx_stats_split {
	int32_t date; /* first session on the new shares, days since epoch */
	double ratio; /* new shares per old share: 4 for AAPL's 4:1 */
};

/*
 * The price series used for returns: prices[i] = bars[i].close (as
 * traded) x mdx_adjuster_price(adj, mode, bars[i].date), written into
 * prices (n doubles, the caller's).  adj (borrowed, the symbol's actions:
 * mdx_adjust.h) may be NULL: every factor is 1.  mode is an enum
 * mdx_adjust: none (as traded), split (back-adjusted for later splits) or
 * total (and for later dividends).  One model for every command: the
 * store's prices are as traded and nothing else adjusts them, so no
 * action is ever applied twice (a provider's adj_close is not used).
 * Returns 0, or -1 with e set: MDX_EINPUT for a close that is not a
 * finite number > 0.  O(n log a), a the adjuster's action days.
 */
int mdx_stats_prices(const struct mdx_bar *bars, size_t n,
		     const struct mdx_adjuster *adj, int mode, double *prices,
		     struct mdx_err *e);

/*
 * The stats command's figures for one symbol's daily bars.  Figures on
 * prices "as traded" use the bars' own open, high, low and close; a bar
 * stored without open, high or low (mdx-transform --allow-partial) counts
 * with its close in their place.  Figures on "basis prices" use the
 * mdx_stats_prices series.  r[i] = p[i]/p[i-1] - 1 are the daily simple
 * returns of the basis prices p of consecutive bars (a gap in the data is
 * one return over the gap).
 */
struct mdx_stats {
	size_t count;	     /* bars */
	int32_t first_date;  /* date of the first bar; NO_DATE if none */
	int32_t last_date;   /* date of the last bar; NO_DATE if none */
	double first_open;   /* open of the first bar, as traded */
	double last_close;   /* close of the last bar, as traded */
	double high;	     /* highest high, as traded */
	double low;	     /* lowest low, as traded */
	double mean_close;   /* arithmetic mean of the closes, as traded */
	double vwap;	     /* sum((h+l+c)/3 * volume) / sum(volume), as
				traded; NAN when the volume sums to 0 */
	int basis;	     /* enum mdx_adjust of the figures below */
	size_t nreturns;     /* daily returns: count - 1 (0 if no bars) */
	double total_return; /* p[last] / p[first] - 1 (0 for one bar) */
	double mean_return;  /* mean of r; NAN with no return */
	double stdev;	     /* sample std of r (divisor n-1); NAN with
				fewer than 2 returns */
	double volatility;   /* annualised: stdev * sqrt(252) */
	double rf;	     /* the annual risk-free rate given */
	double sharpe;	     /* (mean_return - rf_daily) / stdev * sqrt(252),
				rf_daily = (1 + rf)^(1/252) - 1; NAN when
				stdev is 0 or NAN */
	double max_drawdown; /* min over i of p[i] / max(p[0..i]) - 1: a
				fraction <= 0, 0 when prices never fall */
	int32_t dd_peak;     /* date of the peak before the deepest
				drawdown (first bar at that peak price);
				NO_DATE when max_drawdown is 0 */
	int32_t dd_trough;   /* date of the deepest point (the first, on a
				tie); NO_DATE when max_drawdown is 0 */
};

/*
 * Fill *st from bars (n daily bars, interval 1d, dates strictly
 * ascending; borrowed; n may be 0) with returns on the basis of adj and
 * mode (see mdx_stats_prices) and the annual risk-free rate rf (a
 * fraction, > -1) for the Sharpe ratio.  With no bars, count is 0, dates
 * NO_DATE and every figure NAN.  Formulas (fields above):
 *   annualised volatility = sample standard deviation of daily simple
 *     returns x sqrt(252), as pandas' s.pct_change().std() * 252 ** 0.5
 *     (std's default ddof=1);
 *   Sharpe ratio = mean(r - rf_daily) / stdev(r) x sqrt(252), with the
 *     annual rate turned into a compounded daily one: the ex-post ratio
 *     of W. F. Sharpe, "The Sharpe Ratio", J. Portfolio Management, 1994
 *     (mean excess return over its standard deviation, which equals
 *     stdev(r) for a constant rf_daily), annualised by sqrt(252);
 *   maximum drawdown = the most negative p[i] / running peak - 1.
 * Returns 0, or -1 with e set: MDX_EUSAGE (a bar not 1d, rf not a finite
 * number > -1), MDX_EINPUT (dates not ascending, a bad price),
 * MDX_ENOMEM.  O(n) time, n doubles of memory.
 */
int mdx_stats_summary(const struct mdx_bar *bars, size_t n,
		      const struct mdx_adjuster *adj, int mode, double rf,
		      struct mdx_stats *st, struct mdx_err *e);

/*
 * Periods for returns and index rebalancing.  A week is the ISO week,
 * Monday to Sunday (ISO 8601), so the week of 2014-12-29 runs into 2015;
 * a month is the calendar month, a quarter January-March and so on.  The
 * data decide which sessions a period holds: a week with a holiday simply
 * has fewer bars.
 */
enum mdx_stats_period {
	MDX_STATS_DAILY = 0,
	MDX_STATS_WEEKLY,
	MDX_STATS_MONTHLY,
	MDX_STATS_QUARTERLY,
};

/* "daily", "weekly", "monthly", "quarterly" to the enum; -1 otherwise. */
int mdx_stats_period_parse(const char *s);

/* The name of a period (static); NULL if unknown. */
const char *mdx_stats_period_name(int period);

/* One row of the returns command: one period. */
struct mdx_stats_return {
	int32_t date;  /* the period's last bar: the date of price */
	int32_t first; /* the period's first bar */
	size_t nbars;  /* bars in the period */
	double price;  /* the basis price at date (the period's last) */
	double ret;    /* price / previous period's price - 1 (simple) or
			  ln(price / previous) (log); NAN for the first
			  period, which has no previous price */
};

/*
 * Returns of bars (n daily bars, interval 1d, dates strictly ascending;
 * borrowed) for period (enum mdx_stats_period), simple, or log when
 * logret is non-zero, on the basis of adj and mode (mdx_stats_prices).  A
 * period's return is its last price over the last price of the previous period
 * in the data, minus 1 (or the natural logarithm of that ratio): pandas'
 * s.resample("W").last().pct_change() (and "ME", "QE"; "W" weeks end on
 * Sunday), but each row is dated by the period's last session present rather
 * than by the calendar end of the period.  The first period is a row with ret
 * NAN, as in pandas: there is no close before it in the data (a caller wanting
 * it passes the bars before the range too and drops the rows before it). *rows
 * gets a new array of *nrows rows (mdx_free it; NULL when n is 0). Returns 0,
 * or -1 with e set (as mdx_stats_summary, and MDX_EUSAGE for an unknown
 * period).  O(n).
 */
int mdx_stats_returns(const struct mdx_bar *bars, size_t n,
		      const struct mdx_adjuster *adj, int mode, int period,
		      int logret, struct mdx_stats_return **rows, size_t *nrows,
		      struct mdx_err *e);

/* Options of mdx_stats_resample. */
enum mdx_stats_resample_flags {
	MDX_STATS_AT_OPEN = 1 << 0, /* intraday buckets start at :30 past
				       the hour (09:30, 10:30 ... as Yahoo's
				       1h bars), not on the hour */
	MDX_STATS_REGULAR = 1 << 1, /* drop bars whose session is "pre",
				       "post" or "closed"; keep "regular",
				       "early_close" and "" (no calendar) */
};

/*
 * Resample bars (n bars of one symbol, ts strictly ascending; borrowed)
 * to interval (enum mdx_interval) and put them in a new array *out of
 * *nout bars (mdx_free it; NULL when no bar results).  Each new bar has
 * the first bar's open, the highest high, the lowest low, the last bar's
 * close and adj_close, the summed volume and trades, and the
 * volume-weighted mean of the vwaps (sum(vwap x volume) / sum(volume)).
 * A field is present (its MDX_HAS_ flag set) only when every bar of the
 * bucket has it (the first bar, for open; the last, for adj_close), and
 * a missing open, high or low counts as the close.  symbol and source
 * come from the first bar; phase is "".
 *
 * Buckets:
 *   1wk, 1mo, 3mo
 *             the ISO week (Monday-Sunday), calendar month or calendar
 *             quarter (Jan-Mar ...) of each
 *             bar's trading date; the new bar's date and ts are those of
 *             its first bar (its first session in the data), as the
 *             issue asks; session "" (none for a week or month).
 *   1d        the bar's trading date (its date field); ts is 00:00 of
 *             that date in zone (NULL: America/New_York), as DESIGN.md
 *             section 2 stamps daily bars; session "regular" or
 *             "early_close" from the NYSE calendar when the first bar
 *             has a session, else "".
 *   1m .. 90m fixed spans of the interval, on the hour (as pandas'
 *             resample and Polygon's hour aggregates: the 09:00 bucket
 *             holds 09:00-09:59) or,
 *             with MDX_STATS_AT_OPEN, offset by 30 minutes (1h only:
 *             09:30-10:29, 10:30-11:29 ..., the last one of a regular
 *             session 15:30-15:59).  Spans are cut from epoch ms, which
 *             is the same as cutting New York wall time (its offsets are
 *             whole hours); a bucket never holds two trading dates.  ts
 *             is the bucket's start instant, date the trading date,
 *             session that of the first bar.  90m spans are cut from
 *             00:00 wall time in zone (with MDX_STATS_AT_OPEN from 00:30:
 *             09:30-10:59, 11:00-12:29 ... as Yahoo's 90m bars).
 *   5d        refused: Yahoo's and Polygon's 5d bars are their own
 *             groupings of days, not a calendar period.
 * The bars' interval must be one that fits (mdx_stats_reachable).
 * Returns 0, or -1 with e set:
 * MDX_EUSAGE (an interval that cannot be reached), MDX_EINPUT (ts not
 * ascending), MDX_ENOMEM, or a zone error.  O(n).
 */
/*
 * Can bars of interval from (enum mdx_interval) be resampled to interval
 * to?  1 when each bucket of to holds whole bars of from: intraday to an
 * intraday interval that is a multiple of it (2m to 30m, 1h, 90m but not
 * to 5m or 15m; 30m to 90m, not 1h to 90m), intraday and 1d to 1d, 1wk,
 * 1mo and 3mo, 1mo to 3mo, and an interval to itself; 0 otherwise (1wk
 * to 1mo or 3mo: a week can straddle two months; anything to 5d).
 */
int mdx_stats_reachable(int from, int to);

int mdx_stats_resample(const struct mdx_bar *bars, size_t n, int interval,
		       unsigned flags, const char *zone, struct mdx_bar **out,
		       size_t *nout, struct mdx_err *e);

/*
 * The equal-weighted top-N index.
 *
 * Input: the sessions (ascending dates) and, for each symbol, its price on
 * each session (NAN, or anything not a finite number > 0: no bar that
 * day; the returns are the ratios of these prices, so they must be on one
 * basis across the range: mdx-query's index build gives prices adjusted
 * on read, mdx_adjust.h) and either its market cap on each session (cap;
 * NAN or anything not a finite number > 0: not ranked that session) or
 * its shares-outstanding facts.  With facts and no cap array, market cap
 * on a session = price x shares, shares from the latest fact dated at or
 * before the session, else (every fact is later) from the earliest fact.
 * A symbol with neither is never a member.
 *
 * Rules:
 *   - Members are chosen at the close of a rebalance session: the first
 *     session in range, then the last session of each period (of the
 *     ISO week, month or quarter; every session for daily), so that the
 *     new members hold from the first session of the next period.  A
 *     session is the
 *     last of its period when the next session in the sessions array is
 *     in another period or, for the last session given, when the NYSE
 *     calendar's next session is (mdx_cal_next_session).
 *   - Candidates are the symbols with a price and a market cap that
 *     session,
 *     ranked by market cap (ties: symbol name, strcmp(3) order); the top
 *     N are the members (fewer when fewer qualify).  When none qualifies
 *     at a later rebalance the members are kept (counted in skipped).
 *   - At a rebalance with level L and k members each member gets L/k of
 *     value: units = L / k / close.  The new members earn the returns of
 *     the sessions after it (no look-ahead: the choice uses only that
 *     close and the facts as of it, but for the earliest-fact fallback
 *     above).  Between rebalances the units stay,
 *     so weights drift with prices.
 *   - Level on a session = sum of units x price; a member without a bar
 *     that session is carried at its last close (a return of 0 that day)
 *     and counted in carried; a member that has no bar on a rebalance
 *     session cannot be chosen again then, so it leaves.
 *   - Level on the first session = base; ret = level / previous - 1.
 */

/* A shares-outstanding fact (table instrument_facts). */
struct mdx_stats_fact {
	int32_t as_of; /* date of the fact, days since epoch */
	double shares; /* shares outstanding, > 0 */
};

/* One symbol of the index universe; every pointer is borrowed. */
struct mdx_stats_index_symbol {
	const char *symbol;		    /* name, for ranking ties */
	const double *close;		    /* one per session, or NAN */
	const struct mdx_stats_fact *facts; /* by as_of, ascending */
	size_t nfacts;			    /* 0 and no cap: never a member */
	const double *cap;		    /* one per session, or NAN; NULL:
					       price x facts' shares */
};

/* Parameters of an index. */
struct mdx_stats_index_opts {
	size_t top;    /* N, members at most; >= 1 */
	int rebalance; /* enum mdx_stats_period */
	double base;   /* level on the first session (1000) */
	int32_t from;  /* first session used, inclusive (INT32_MIN) */
	int32_t to;    /* last session used, inclusive (INT32_MAX) */
};

/* Fill o with the defaults: top 0 (must be set), monthly, 1000, no range. */
void mdx_stats_index_opts_init(struct mdx_stats_index_opts *o);

/* A member at the close of a session. */
struct mdx_stats_holding {
	uint32_t symbol; /* index into the symbols array given */
	double weight;	 /* fraction of the level, after drift and after
			    that session's rebalance; they sum to 1 */
};

/* One session of the index. */
struct mdx_stats_index_day {
	int32_t date;	/* the session */
	double level;	/* index level at its close */
	double ret;	/* level / previous level - 1; NAN on the first */
	size_t first;	/* its holdings: holdings[first .. first+n) */
	size_t n;	/* members at its close, in rank order of the
			   last rebalance (largest market cap first) */
	int rebalanced; /* 1 when members were chosen at this close */
	size_t carried; /* members held through this session that had no
			   bar in it (carried at their last close) */
};

/* A change of membership at a rebalance. */
struct mdx_stats_change {
	int32_t date;	 /* the rebalance session */
	uint32_t symbol; /* index into the symbols array given */
	int added;	 /* 1 added, 0 removed */
	double cap;	 /* market cap at that close; NAN if no bar */
};

/* An index built by mdx_stats_index_build; all arrays are owned. */
struct mdx_stats_index {
	struct mdx_stats_index_day *days;   /* one per session in range */
	size_t ndays;			    /* sessions in range */
	struct mdx_stats_holding *holdings; /* every day's members */
	size_t nholdings;		    /* entries in holdings */
	struct mdx_stats_change *changes;   /* added then removed, by
					       rebalance; the first
					       session adds every member */
	size_t nchanges;		    /* entries in changes */
	size_t rebalances;		    /* rebalances done */
	size_t skipped;			    /* rebalances without any
					       candidate (members kept) */
	size_t carried;			    /* sum of the days' carried */
};

/* Set ix to an empty index (no allocation). */
void mdx_stats_index_init(struct mdx_stats_index *ix);

/*
 * Build the index over the sessions in [o->from, o->to] of sessions
 * (nsessions dates, strictly ascending; borrowed) for the universe syms
 * (nsyms symbols; each close array has nsessions entries; borrowed) into
 * ix (initialised with mdx_stats_index_init; its old contents are
 * released).  No session in range gives an empty index.  Time
 * O(sessions x members + rebalances x nsyms log nsyms): 505 symbols over
 * 1259 sessions, top 400, take about 10 ms rebalanced monthly and under
 * 100 ms rebalanced daily (-O2; tests/unit/test_stats.c times it).
 * Returns 0, or -1 with e set and ix empty: MDX_EUSAGE (top 0, a base
 * that is not a finite number > 0, an unknown period, from > to),
 * MDX_EINPUT (sessions not ascending, a symbol without a name, facts not
 * ascending or shares not a finite number > 0, no candidate on the first
 * session), MDX_ENOMEM.
 */
int mdx_stats_index_build(const int32_t *sessions, size_t nsessions,
			  const struct mdx_stats_index_symbol *syms,
			  size_t nsyms, const struct mdx_stats_index_opts *o,
			  struct mdx_stats_index *ix, struct mdx_err *e);

/* Free what ix owns and empty it.  ix may be NULL. */
void mdx_stats_index_release(struct mdx_stats_index *ix);

#endif
