/*
 * mdx_calendar.h - the NYSE trading calendar: which dates are sessions,
 * the holidays and one-off closings, early closes, the open and close
 * instants, and the extended-hours phase of an instant.
 *
 * Units: a date is int32_t days since 1970-01-01 ("day"), meaning the civil
 * date in New York; an instant is int64_t epoch milliseconds UTC ("ms").
 *
 * The calendar is computed from rules (lib/calendar.c says which rule and
 * where it comes from), plus a short table of one-off closings and special
 * sessions.  It is exact, as far as published history goes, for the dates
 * MDX_CAL_FIRST_YEAR-01-01 to MDX_CAL_LAST_YEAR-12-31 (1990-01-01 to
 * 2099-12-31).  Outside that range no holiday is known: every Monday to
 * Friday is a 09:30-16:00 session and Saturday and Sunday are not
 * (mdx_cal_covers() tells which case applies).  Labelling bars outside it
 * would be a guess, so mdx_session_label (mdx_session.h) refuses them.
 *
 * Session times are New York wall-clock times; the instants are converted
 * through tzdata (mdx_tz_local_to_utc), never by a DST rule of our own.
 *
 * Thread safety: every function may be called from several threads.  The
 * tables are built once, on first use, under pthread_once(3).
 */
#ifndef MDX_CALENDAR_H
#define MDX_CALENDAR_H

#include <stddef.h>
#include <stdint.h>

#include "mdx_err.h"

#define MDX_CAL_ZONE "America/New_York" /* the zone of all session times */
#define MDX_CAL_FIRST_YEAR 1990		/* first year known exactly */
#define MDX_CAL_LAST_YEAR 2099		/* last year computed from rules */

/*
 * Is day within the range the calendar knows exactly (MDX_CAL_FIRST_YEAR
 * to MDX_CAL_LAST_YEAR)?  Returns 1 or 0.  Outside it the other functions
 * answer "weekdays only" (see above), which a caller such as a gap check
 * may want to report.
 */
int mdx_cal_covers(int32_t day);

/*
 * Does NYSE trade on day (days since 1970-01-01)?  Returns 1 for a session
 * (full or early close), 0 for a weekend, holiday or one-off closing.
 * O(1): a table lookup.  Rules: NYSE Rule 7.2 (holidays and their
 * weekend observance) and the closings listed in lib/calendar.c.
 */
int mdx_cal_is_session(int32_t day);

/*
 * The name of the holiday or closing that keeps NYSE shut on day, a weekday:
 * "Good Friday", "Christmas Day (observed)", "Hurricane Sandy", ... The
 * string is static (borrowed; never free it).  Returns NULL when day is a
 * session, a Saturday or a Sunday (a holiday that falls on a weekend is
 * named on the weekday it is observed, if any), or outside the range.
 */
const char *mdx_cal_holiday(int32_t day);

/*
 * Is day a session that closes before 16:00 New York time?  Returns 1 or
 * 0 (0 also for a non-session).  From 1993 an early close is 13:00; in
 * 1990-1992 it was 14:00.  One-off early closes: 1997-12-26, 1999-12-31
 * (Y2K: the NYSE board's decision of 1999-04-06) and 2003-12-26.  Rules: NYSE
 * holidays and trading hours page and press releases; see lib/calendar.c for
 * each rule and its years.
 */
int mdx_cal_is_early_close(int32_t day);

/* One NYSE session: its regular hours and the extended-hours bounds. */
struct mdx_cal_session {
	int32_t day;	  /* trading date, days since 1970-01-01 (New York) */
	int64_t pre_ms;	  /* pre-market starts: 04:00 New York, epoch ms UTC */
	int64_t open_ms;  /* regular session opens: 09:30 (ms UTC) */
	int64_t close_ms; /* regular session closes: 16:00, 13:00 early (ms) */
	int64_t post_ms;  /* post-market ends: 20:00, 17:00 early (ms UTC) */
	int early_close;  /* 1 when close_ms is before 16:00 New York */
	const char *note; /* static text saying why the hours are not
			     09:30-16:00 ("Christmas Eve"), else NULL */
};

/*
 * Fill *s with the session on day.  Instants come from tzdata through
 * mdx_tz_local_to_utc.  Pre-market is 04:00 to the open and post-market
 * the close to 20:00 (NYSE Arca and Nasdaq extended hours); on an early
 * close day post-market ends at 17:00, when NYSE Arca's late trading
 * session and Nasdaq's post-market end on those days.
 * Returns 0, or -1 with e set: MDX_EINPUT when day is not a session (the
 * text names the holiday), or the zone conversion's error.
 */
int mdx_cal_session(int32_t day, struct mdx_cal_session *s, struct mdx_err *e);

/*
 * The first session strictly after day / the last strictly before day
 * (days since 1970-01-01).  Within a few days of the ends of the int32_t
 * range the answer saturates at INT32_MAX / INT32_MIN.
 */
int32_t mdx_cal_next_session(int32_t day);
int32_t mdx_cal_prev_session(int32_t day);

/*
 * The sessions from from to to, both included (days since 1970-01-01), in
 * order: the first min(count, cap) are written to out (out may be NULL when
 * cap is 0).  Returns the count of sessions in the range even when it is
 * larger than cap, as snprintf(3) does; 0 when from > to.  The count is
 * O(log n), so mdx_cal_sessions(a, b, NULL, 0) is cheap.
 */
size_t mdx_cal_sessions(int32_t from, int32_t to, int32_t *out, size_t cap);

/*
 * Where an instant falls in the NYSE day; the canonical record's "session"
 * field for intraday bars (mdx-records(5)).
 */
enum mdx_cal_phase {
	MDX_CAL_CLOSED = 0, /* no session: night, weekend, holiday */
	MDX_CAL_PRE,	    /* 04:00 up to the open */
	MDX_CAL_REGULAR,    /* the open up to the close (16:00 or 13:00) */
	MDX_CAL_POST,	    /* the close up to 20:00 (17:00 on early close) */
};

/*
 * Classify the instant ms (epoch ms UTC) into a phase, each interval
 * including its start and excluding its end (16:00:00.000 is post).
 * *day, when day is not NULL, gets the New York date of ms (days since
 * 1970-01-01), which is the session's date for pre, regular and post.
 * Returns 0, or -1 with e set (the zone conversion failed, or ms is
 * beyond the int32_t day range: MDX_EINPUT).  Session instants are cached
 * per thread, so classifying the bars of one day costs a few compares.
 */
int mdx_cal_classify(int64_t ms, enum mdx_cal_phase *phase, int32_t *day,
		     struct mdx_err *e);

/* "closed", "pre", "regular" or "post" (static); "closed" if p is unknown. */
const char *mdx_cal_phase_name(enum mdx_cal_phase p);

#endif
