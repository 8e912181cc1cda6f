/*
 * mdx_check.h - the calendar and check queries: NYSE sessions as rows
 * (mdx-query calendar, mdx-serve /v1/calendar) and the data-quality report
 * over the store (mdx-query check, mdx-serve /v1/check).  Both front ends
 * call these functions, so that they answer alike; mdx-query(1) documents
 * every rule and threshold.
 *
 * Like the query core in mdx_store.h, each function sends its column names
 * and then its rows to a struct mdx_sink (mdx_output.h); rows are borrowed
 * by the sink for the call.  Dates are days since 1970-01-01, meaning the
 * civil date in New York (mdx_calendar.h).
 */
#ifndef MDX_CHECK_H
#define MDX_CHECK_H

#include <stdint.h>

#include "mdx_err.h"
#include "mdx_output.h"
#include "mdx_store.h"

/* ---- calendar ---- */

enum mdx_check_cal_flags {
	MDX_CHECK_CAL_ALL = 1 << 0, /* also the weekdays NYSE is closed */
};

/*
 * The range a calendar query covers, from the dates q sets (q->has):
 * both: [q->from, q->to]; only from: to the end of its month; only to: from
 * the start of its month; neither: the month of today in New York (now_ms,
 * epoch ms UTC; 0 reads the clock).  Returns 0 with *from and *to set, or
 * -1 with e set: MDX_EUSAGE when from is after to or the range leaves the
 * years the calendar knows (MDX_CAL_FIRST_YEAR to MDX_CAL_LAST_YEAR).
 */
int mdx_check_calendar_range(const struct mdx_query *q, int64_t now_ms,
			     int32_t *from, int32_t *to, struct mdx_err *e);

/*
 * The NYSE sessions from from to to (both included, within the calendar's
 * years; see mdx_check_calendar_range), a row each, in date order, with
 * the columns
 *   date         "YYYY-MM-DD"
 *   weekday      "Mon" .. "Fri"
 *   session      true; false for a closed weekday (MDX_CHECK_CAL_ALL)
 *   open_et      regular open, New York wall time "09:30" (null if closed)
 *   close_et     regular close, "16:00", "13:00" on early closes
 *   open, close  the same instants as RFC 3339 UTC ("2024-07-03T13:30:00Z")
 *   early_close  true when the close is before 16:00
 *   note         why the day is not a plain 09:30-16:00 session
 *                ("Christmas Eve", "Good Friday"), else null
 * flags: enum mdx_check_cal_flags (MDX_CHECK_CAL_ALL adds the closed
 * weekdays, named; weekends are never listed).  Returns the number of rows
 * sent, or -1 with e set (MDX_EUSAGE for a bad range, the sink's error).
 */
long mdx_check_calendar(int32_t from, int32_t to, unsigned flags,
			struct mdx_sink *k, struct mdx_err *e);

/* ---- check ---- */

/* The kinds of finding, in the order a symbol's findings of one date are
 * listed. */
enum mdx_check_kind {
	MDX_CHECK_MISSING = 0, /* sessions without a daily bar */
	MDX_CHECK_STALE,       /* the last bar is too many sessions old */
	MDX_CHECK_OUTSIDE,     /* bars on days or at hours without trading */
	MDX_CHECK_ZERO_VOLUME, /* a run of daily bars with volume 0 */
	MDX_CHECK_OUTLIER,     /* a return beyond K robust sd */
	MDX_CHECK_SPLIT,       /* a jump like an unadjusted split */
	MDX_CHECK_ADJ_CLOSE,   /* a provider's adj_close against the actions */
	MDX_CHECK_N
};

#define MDX_CHECK_ALL ((1u << MDX_CHECK_N) - 1) /* every kind, as a set */

/* Thresholds; mdx_check_opts_init sets the defaults. */
#define MDX_CHECK_STALE_DEFAULT 5	/* sessions */
#define MDX_CHECK_OUTLIER_DEFAULT 20.0	/* robust standard deviations */
#define MDX_CHECK_ZERO_VOLUME_DEFAULT 3 /* bars in a row */
#define MDX_CHECK_SPLIT_OPEN_TOL 0.05	/* split: open within 5% of 1/R */
#define MDX_CHECK_SPLIT_CLOSE_TOL 0.15	/* and close within 15% */
#define MDX_CHECK_SPLIT_TOL 0.03	/* close within 3%, bars without open */
#define MDX_CHECK_ACTION_DAYS 7		/* split actions this near explain */
#define MDX_CHECK_MIN_RETURNS 20	/* returns needed for outliers */
#define MDX_CHECK_ADJ_TOL 0.005		/* adj_close: 0.5% from the factor */

/* What a check runs, with which thresholds. */
struct mdx_check_opts {
	unsigned kinds;	  /* set of 1u << enum mdx_check_kind to run */
	unsigned fail_on; /* kinds that fail the check (mdx_check_failed) */
	int stale;	  /* stale: more than this many sessions behind */
	int has_as_of;	  /* as_of is set */
	int32_t as_of;	  /* stale is measured to this date (else the
			     latest bar's date) */
	double outlier;	  /* K: outlier beyond K robust sd (> 0) */
	int zero_volume;  /* M: report runs of at least M bars (>= 1) */
};

/* The defaults: every kind run and failing, the thresholds above; as a
 * static initializer and as a function. */
#define MDX_CHECK_OPTS_INIT                                                    \
	{                                                                      \
		MDX_CHECK_ALL, MDX_CHECK_ALL, MDX_CHECK_STALE_DEFAULT, 0, 0,   \
			MDX_CHECK_OUTLIER_DEFAULT,                             \
			MDX_CHECK_ZERO_VOLUME_DEFAULT                          \
	}
void mdx_check_opts_init(struct mdx_check_opts *o);

/* The name of a kind ("missing", "stale", "outside", "zero_volume",
 * "outlier", "split", "adj_close"), static; NULL when kind is not one. */
const char *mdx_check_kind_name(int kind);

/*
 * Parse a comma-separated list of kind names, or "all", or "none", into a
 * set (1u << kind for each).  Returns 0, or -1 with e set (MDX_EUSAGE,
 * naming the word that is not a kind).
 */
int mdx_check_kinds_parse(const char *s, unsigned *set, struct mdx_err *e);

/*
 * Parse a reference date: "YYYY-MM-DD", or "today", the date in New York
 * now (now_ms, epoch ms UTC; 0 reads the clock).  Returns 0 or -1 with e
 * set (MDX_EUSAGE).
 */
int mdx_check_date_parse(const char *s, int64_t now_ms, int32_t *day,
			 struct mdx_err *e);

/* What a check found, by kind, and what it read. */
struct mdx_check_counts {
	long found[MDX_CHECK_N]; /* findings sent, by enum mdx_check_kind */
	long symbols;		 /* symbols checked */
	long bars;		 /* bars read */
};

/*
 * The data-quality report: the findings of the kinds o->kinds asks for,
 * for the symbols q->symbols (each one reported to k->miss and skipped when
 * the store does not hold it) or every symbol in the store, as rows
 *   symbol  the symbol
 *   date    "YYYY-MM-DD" the finding is about (see each kind)
 *   kind    mdx_check_kind_name()
 *   value   a number that measures it (sessions missing, sessions behind,
 *           bars, robust z-score, split ratio), or null
 *   detail  what was found, for people
 * ordered by symbol (as the store orders them: byte order), then date, then
 * kind.  q->from and q->to (MDX_Q_FROM, MDX_Q_TO) keep the findings dated
 * in that range, except stale ones; all of a symbol's bars are still read
 * (the robust deviation of its returns, the gap around a range's edge).
 * The rules of each kind are those of mdx-query(1), section "check".
 * counts, which may be NULL, gets the findings by kind.  Reads in one
 * transaction, so that a loader writing at the same time is seen before or
 * after, never half-way.  Returns the number of symbols not found (0 when
 * all were), or -1 with e set (MDX_EINPUT for an invalid symbol or
 * option value, the sink's error, a store error).
 */
int mdx_check_report(struct mdx_store *s, const struct mdx_query *q,
		     const struct mdx_check_opts *o, struct mdx_sink *k,
		     struct mdx_check_counts *counts, struct mdx_err *e);

/*
 * Did the check find something that o->fail_on makes a failure?  Returns 1
 * or 0.  mdx-query then exits 1, so that `mdx-query check || alert` works.
 */
int mdx_check_failed(const struct mdx_check_opts *o,
		     const struct mdx_check_counts *c);

#endif
