/*
 * mdx_adjust.h - adjusted prices computed on read from prices as traded and
 * corporate actions as paid (DESIGN.md section 7; the CRSP cumulative-factor
 * model, zipline's adjustments table).
 *
 * The store holds prices as traded.  A price as traded on trading day d is
 * back-adjusted by every action whose ex-date is after d:
 *   split   price / ratio and volume * ratio, for every split with ex-date
 *           > d (ratio = new shares per old share: 4 for a 4:1 split, 0.5
 *           for a 1:2 reverse split);
 *   total   the split factor, times, for every dividend with ex-date e > d,
 *           (1 - amount / prev_close(e)), where amount is as paid and
 *           prev_close(e) is the close as traded on the last trading day
 *           before e (as CRSP and yfinance's auto_adjust compute it).
 *           Volume is adjusted for splits only.
 * So adjusted = as_traded * mdx_adjuster_price(a, mode, d), and
 * adjusted_volume = volume * mdx_adjuster_volume(a, mode, d).  Both are
 * exactly 1 for MDX_ADJUST_NONE, and for a day on or after the last action.
 */
#ifndef MDX_ADJUST_H
#define MDX_ADJUST_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "mdx_err.h"

enum mdx_adjust {
	MDX_ADJUST_NONE,  /* prices as traded */
	MDX_ADJUST_SPLIT, /* back-adjusted for later splits */
	MDX_ADJUST_TOTAL, /* and for later dividends (total return) */
};

/* Parses "none", "split" or "total" into *out.  Returns 0, or -1 with
 * MDX_EUSAGE in e (text names the value and the three choices). */
int mdx_adjust_parse(const char *text, enum mdx_adjust *out, struct mdx_err *e);

/* "none", "split" or "total" (static). */
const char *mdx_adjust_name(enum mdx_adjust mode);

/* One action of one symbol, as the adjuster takes it. */
struct mdx_adjust_action {
	int32_t day;	   /* ex-date, days since 1970-01-01 */
	double split;	   /* split ratio (new per old), or 1: none */
	double dividend;   /* amount per share as paid, or 0: none */
	double prev_close; /* close as traded on the last trading day before
			      day, or NAN when the store has none (the
			      dividend then does not adjust, and is counted
			      in mdx_adjuster_unpriced) */
};

/* A symbol's cumulative factors, ready for O(log n) look-ups. */
struct mdx_adjuster;

/*
 * Builds an adjuster from n actions (any order; several on one day are
 * combined; borrowed, copied).  Returns a new adjuster for
 * mdx_adjuster_free, or NULL with e filled (MDX_ENOMEM; MDX_EINPUT naming
 * the day of a split ratio that is not finite and > 0, or of a dividend
 * that is negative or not below its prev_close).
 */
struct mdx_adjuster *mdx_adjuster_new(const struct mdx_adjust_action *acts,
				      size_t n, struct mdx_err *e);

/*
 * Builds the adjuster of symbol from the store: its rows of the actions
 * table, and for each dividend the close of the last 1d bar dated before
 * its ex-date.  db is borrowed.  Returns a new adjuster (one with no
 * actions when the symbol has none), or NULL with e filled (MDX_EDB,
 * MDX_ENOMEM, or MDX_EINPUT as mdx_adjuster_new).
 */
struct mdx_adjuster *mdx_adjuster_load(sqlite3 *db, const char *symbol,
				       struct mdx_err *e);

/* Frees a; NULL is allowed. */
void mdx_adjuster_free(struct mdx_adjuster *a);

/* The factor that multiplies a price as traded on trading day day (days
 * since 1970-01-01) on the given basis: 1 for MDX_ADJUST_NONE. */
double mdx_adjuster_price(const struct mdx_adjuster *a, enum mdx_adjust mode,
			  int32_t day);

/* The factor that multiplies a volume (shares) traded on day: the product
 * of the ratios of the splits after day, for SPLIT and TOTAL; 1 for NONE. */
double mdx_adjuster_volume(const struct mdx_adjuster *a, enum mdx_adjust mode,
			   int32_t day);

/* The product of the ratios of the splits with ex-date in (after, upto]
 * (days since 1970-01-01): what converts a price on a split basis as of
 * upto, for a bar of day after, back to the price as traded (multiply). */
double mdx_adjuster_splits_between(const struct mdx_adjuster *a, int32_t after,
				   int32_t upto);

/* How many dividends could not adjust for want of a prev_close. */
size_t mdx_adjuster_unpriced(const struct mdx_adjuster *a);

#endif
