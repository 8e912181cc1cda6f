/*
 * mdx_analysis.h - the analysis commands of the query core (DESIGN.md
 * section 6): stats, returns, resample, the equal-weighted index (build,
 * performance, composition, changes, list, delete) and the price chart.
 * mdx-query and mdx-serve call the same functions: each reads the store,
 * computes with lib/stats.c (mdx_stats.h: every formula is there, with
 * its convention) and sends rows to a struct mdx_sink (mdx_output.h).
 *
 * Conventions of every function below:
 *   - s is an open store (mdx_store.h), borrowed; q says what (symbols,
 *     q->from and q->to as inclusive trading dates when q->has says so),
 *     o says how (struct mdx_analysis_opts); both borrowed.
 *   - Rows go to k: the column names once, then each row (borrowed by the
 *     sink for the call).  Numbers are JSON reals or integers, dates
 *     "YYYY-MM-DD" strings; an undefined figure (NAN in mdx_stats.h) and
 *     an undefined date are JSON null, never a number.
 *   - A symbol or index that the store does not hold is reported to
 *     k->miss (code MDX_ENOTFOUND, text "symbol 'XYZ' not in the store")
 *     and skipped; the function returns how many were missed (0 when all
 *     answered), so a caller exits 1 when some were and others answered.
 *   - Otherwise -1 with e set: MDX_EUSAGE (an option out of range, no
 *     symbol), MDX_EINPUT (an invalid symbol or index name, data the
 *     figures refuse), the sink's error when it stopped, or a store error
 *     (MDX_EDB, MDX_EIO, MDX_ETEMP, MDX_ENOMEM).
 *
 * Prices: stats, returns and the chart use daily (1d) bars only.  Returns
 * and drawdowns use the basis of mdx_stats_prices (adj_close when every bar
 * in range has one, else closes adjusted by the split actions stored for
 * the symbol, else closes), and each output names it.
 */
#ifndef MDX_ANALYSIS_H
#define MDX_ANALYSIS_H

#include <stddef.h>
#include <stdint.h>

#include "mdx_err.h"
#include "mdx_output.h"
#include "mdx_stats.h"
#include "mdx_store.h"

#define MDX_INDEX_NAME_MAX 32 /* longest index name, bytes */

/* How each command computes; mdx_analysis_opts_init sets the defaults. */
struct mdx_analysis_opts {
	double rf;	      /* stats, performance --summary: annual
				 risk-free rate, a fraction (0) */
	int period;	      /* returns: enum mdx_stats_period (daily) */
	int logret;	      /* returns: ln(p1/p0) rather than p1/p0 - 1 */
	int wide;	      /* returns: a date column, one per symbol */
	int interval;	      /* resample: target enum mdx_interval (-1) */
	unsigned resample;    /* resample: enum mdx_stats_resample_flags */
	const char *index;    /* index commands, chart of_index: the name */
	size_t top;	      /* index build: N (0: must be set) */
	int rebalance;	      /* index build: enum mdx_stats_period
				 (monthly) */
	double base;	      /* index build: first level (1000) */
	const char *universe; /* index build: membership file
				 (mdx_universe.h), or NULL */
	int backfill;	      /* index build: rank before the first share
				 count is known, on the earliest (0) */
	int32_t date;	      /* composition: session wanted, or
				 MDX_STATS_NO_DATE for the last one */
	int summary;	      /* performance: one row of stats figures */
	int of_index;	      /* chart: o->index is charted, not a symbol */
	int chart_type;	      /* chart: enum mdx_chart_type (line) */
	int width, height;    /* chart: size, 0 for the default */
	int color;	      /* chart: ANSI colours in the text chart */
	int svg;	      /* chart: SVG rather than text */
};

/* Fill o with the defaults written above. */
void mdx_analysis_opts_init(struct mdx_analysis_opts *o);

/*
 * Is name a valid index name: 1..MDX_INDEX_NAME_MAX bytes of letters,
 * digits, '.', '-' and '_' (it goes into URLs as /v1/index/NAME)?
 * Returns 1 or 0.
 */
int mdx_analysis_index_name_valid(const char *name);

/*
 * stats: one row per symbol of q->symbols (at least one) over its daily
 * bars with dates in [q->from, q->to]: symbol, count, first_date,
 * last_date, first_open, last_close, high, low, mean_close, vwap,
 * total_return, volatility, sharpe, max_drawdown, dd_peak, dd_trough,
 * basis, risk_free (struct mdx_stats; o->rf).  A symbol with no bar in
 * range has count 0 and nulls.
 */
int mdx_analysis_stats(struct mdx_store *s, const struct mdx_query *q,
		       const struct mdx_analysis_opts *o, struct mdx_sink *k,
		       struct mdx_err *e);

/*
 * returns: the return of each o->period (mdx_stats_returns; log returns
 * when o->logret) of each symbol, for the periods whose last session is in
 * [q->from, q->to].  The first period in range takes its return from the
 * last price of the period before it when the store has one (so that
 * --from does not cost a row); only the symbol's first period has null.
 * Long (o->wide 0): symbol, date (the period's last session), first_date,
 * sessions, price (basis price at date), return, basis.  Wide: date and
 * one column per symbol (named by it) holding the return; a row per
 * period (ISO week, month, quarter or session), dated by the latest last
 * session of that period among the symbols; null where a symbol has no
 * row.  Repeated symbols are answered once.
 */
int mdx_analysis_returns(struct mdx_store *s, const struct mdx_query *q,
			 const struct mdx_analysis_opts *o, struct mdx_sink *k,
			 struct mdx_err *e);

/*
 * resample: the bars of each symbol with dates in [q->from, q->to],
 * resampled to o->interval (mdx_stats_resample, flags o->resample) and
 * sent as canonical bar records (the columns of mdx_store_bars), so that
 * they can be loaded back.  The bars read are those of q->interval when it
 * is set (>= 0), else of the longest interval stored for the symbol from
 * which o->interval can be built (mdx_stats_reachable: 1mo for 3mo, 1d for
 * 1wk and 1mo; 1wk bars are never made into months).  A symbol without
 * such bars is reported to k->miss and counted as missed; o->interval 5d
 * is refused (MDX_EUSAGE).
 */
int mdx_analysis_resample(struct mdx_store *s, const struct mdx_query *q,
			  const struct mdx_analysis_opts *o, struct mdx_sink *k,
			  struct mdx_err *e);

/*
 * index build: build the equal-weighted index o->index of the o->top
 * largest symbols by market cap (mdx_stats_index_build; o->rebalance,
 * o->base) over the sessions in [q->from, q->to] and store it, replacing
 * an index of that name, in one transaction: readers see the old index or
 * the new one, never a mix.  s must be open read-write; an older schema is
 * migrated first (mdx_store_migrate).
 *
 * Universe: every symbol with daily bars and at least one instrument fact
 * with shares_outstanding > 0 (and, with o->universe, a row in that
 * membership file, mdx_universe.h).  Market cap on session d, point in
 * time (BASIS-SPEC.md): the close as traded on d x the count of the latest
 * fact with as_of <= d, times the ratios of the symbol's splits with
 * ex-date in (the fact's period_end, d] (mdx_adjuster_splits_between; a
 * fact without period_end describes its as_of).  A symbol is not ranked
 * on d when it has no bar, no fact known yet (counted: unranked; with
 * o->backfill the earliest fact counts instead, split-adjusted back to d,
 * counted: backfilled) or, with o->universe, is not a member on d
 * (counted in the stored parameters: outside).  The members' returns are
 * those of the close x mdx_adjuster_price(q->adjust; mdx-query's
 * default for index build is split), so no
 * split (and for total no dividend) shows as a move.  Sessions: the dates
 * on which any of them has a daily bar; the index starts on the first on
 * which a symbol is ranked.  Each change is stored with its reason.
 *
 * Sends one row: index, top, rebalance, base, first_date, last_date,
 * sessions, universe (symbols considered), rebalances, changes, carried
 * (member-sessions carried at their last close for want of a bar), level
 * (the last), total_return, built_at (RFC 3339), adjust (the basis name),
 * unranked, backfilled (symbol-sessions, as above).  Returns 0 or -1 with
 * e set (MDX_EINPUT when no symbol qualifies, none is ranked on any
 * session, or the membership file is not valid; MDX_EIO when it cannot be
 * read).  The stored tables are described in mdx-query(1).
 */
int mdx_analysis_index_build(struct mdx_store *s, const struct mdx_query *q,
			     const struct mdx_analysis_opts *o,
			     struct mdx_sink *k, struct mdx_err *e);

/*
 * index performance: one row per stored session of o->index in [q->from,
 * q->to]: date, level, return (from the previous session, null on the
 * index's first), cumulative (level / the first level in range - 1),
 * members, rebalanced (true when members were chosen at that close),
 * carried.  With o->summary, one row instead: index, then the columns of
 * mdx_analysis_stats after symbol, computed by mdx_stats_summary on the
 * levels as closes (basis "level"; first_open, high and low are levels,
 * vwap null) with o->rf.  An unknown index is reported to k->miss (1).
 */
int mdx_analysis_index_performance(struct mdx_store *s,
				   const struct mdx_query *q,
				   const struct mdx_analysis_opts *o,
				   struct mdx_sink *k, struct mdx_err *e);

/*
 * index composition: the members of o->index held at the close of the
 * session o->date (the last session on or before it; the index's last
 * session when o->date is MDX_STATS_NO_DATE), after that session's
 * rebalance: date, rank, symbol, name, sector, weight, market_cap (point
 * in time, as index build says), close (as traded), carried (true when the
 * member had no bar that session and is valued at its last close), by rank.  An
 * unknown index, or a date before its first session, is reported to k->miss
 * (1).
 */
int mdx_analysis_index_composition(struct mdx_store *s,
				   const struct mdx_query *q,
				   const struct mdx_analysis_opts *o,
				   struct mdx_sink *k, struct mdx_err *e);

/*
 * index changes: the membership changes of o->index at the rebalances in
 * [q->from, q->to]: date, change ("added" or "removed"), symbol, name,
 * market_cap (at that close; null when the symbol had no bar), reason
 * ("first", "ranked in", "joined the universe", "share count known";
 * "ranked out", "left the universe", "no share count", "no bar"; null for
 * an index built before schema version 5).  The
 * index's first session lists every first member as added.  By date, then
 * added in rank order, then removed.
 */
int mdx_analysis_index_changes(struct mdx_store *s, const struct mdx_query *q,
			       const struct mdx_analysis_opts *o,
			       struct mdx_sink *k, struct mdx_err *e);

/*
 * index list: every stored index: index, top, rebalance, base,
 * first_date, last_date, sessions, level, built_at.  Returns 0 or -1.
 */
int mdx_analysis_index_list(struct mdx_store *s, const struct mdx_query *q,
			    const struct mdx_analysis_opts *o,
			    struct mdx_sink *k, struct mdx_err *e);

/*
 * Delete the stored index name in one transaction (s read-write).
 * Returns 1 when it was deleted, 0 when there was none, -1 with e set.
 */
int mdx_analysis_index_delete(struct mdx_store *s, const char *name,
			      struct mdx_err *e);

/*
 * chart: draw the daily prices of q->symbols[0] (or, with o->of_index, the
 * levels of index o->index) with dates in [q->from, q->to] as a text chart
 * or, with o->svg, an SVG document (mdx_chart.h; o->chart_type, o->width,
 * o->height, o->color).  Prices are on the returns basis: open, high and
 * low are scaled with the close.  Candles that do not fit are first
 * resampled to weeks, then months.  *out gets the new text (mdx_free it)
 * and *len its length.  Returns 0, or -1 with e set: MDX_ENOTFOUND for an
 * unknown symbol or index or no bar in range, and the errors above.
 */
int mdx_analysis_chart(struct mdx_store *s, const struct mdx_query *q,
		       const struct mdx_analysis_opts *o, char **out,
		       size_t *len, struct mdx_err *e);

#endif
