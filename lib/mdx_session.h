/*
 * mdx_session.h - the session rule of bars: which bars follow the NYSE
 * calendar, the canonical "session" field (DESIGN.md section 2,
 * mdx-records(5)), and the checks every way into the store shares:
 * mdx-transform labels and checks, mdx-serve's write path labels and
 * checks, mdx-load checks what it is given.
 *
 * Units: dates are days since 1970-01-01 in the exchange's zone, instants
 * epoch ms UTC (struct mdx_bar).  The calendar itself is lib/calendar.c
 * (mdx_calendar.h), exact from MDX_CAL_FIRST_YEAR to MDX_CAL_LAST_YEAR.
 */
#ifndef MDX_SESSION_H
#define MDX_SESSION_H

#include "mdx_err.h"
#include "mdx_record.h"

/*
 * Does symbol, quoted in the exchange zone zone (an IANA name), trade on
 * the NYSE calendar?  1 when zone is America/New_York and the symbol is
 * not an FX pair, a crypto pair (mdx_symbol_is_quote) or a future in the
 * providers' notations (Yahoo "ES=F"); else 0.  Those keep other hours
 * and get a null session, as do other zones.
 */
int mdx_session_nyse(const char *symbol, const char *zone);

/* Flags of mdx_session_label. */
enum mdx_session_flags {
	MDX_SESSION_ALLOW_CLOSED = 1 << 0, /* keep a daily bar of a day
					      without a session, labelled
					      "closed" (--allow-non-session) */
};

/*
 * Set b->session from the NYSE calendar for a bar quoted in zone (NULL:
 * America/New_York).  Intraday bars: "pre", "regular", "post" or "closed"
 * by their start instant (mdx_cal_classify).  1d bars: "regular" or
 * "early_close"; a day without a session is an error (the text names the
 * holiday or the weekend) unless MDX_SESSION_ALLOW_CLOSED, which labels it
 * "closed".  5d, 1wk, 1mo and 3mo bars: the label of their first session.
 * Bars not on the NYSE calendar (mdx_session_nyse) get "" (null).
 * Errors (-1, e set, MDX_EINPUT, field "date"): the day is not a session,
 * or the bar's date is outside the range the calendar knows
 * (MDX_CAL_FIRST_YEAR-01-01 to MDX_CAL_LAST_YEAR-12-31): outside it there
 * would be no holidays, so a label would be a guess.  Returns 0 or -1.
 */
int mdx_session_label(struct mdx_bar *b, const char *zone, unsigned flags,
		      struct mdx_err *e);

/*
 * Check the canonical bar b as mdx-load is given it (already read by
 * mdx_bar_from_json; zone is the record's "tz" or NULL when it names
 * none).  A daily (1d, 5d, 1wk, 1mo, 3mo) bar keys on its trading day: its ts
 * must be 00:00 of its date in the exchange's zone, which is zone when given,
 * America/New_York when b->session is an NYSE label or the ts is New York
 * midnight of a symbol on the NYSE calendar, else some zone's midnight (a
 * UTC offset that is a whole quarter hour from -12:00 to +14:00).  An
 * intraday bar's date must be the date of its ts in such a zone.  Bars on
 * the NYSE calendar then get the range check of mdx_session_label (the
 * date within the calendar's range), and a 1d bar must fall on a session
 * unless it is labelled "closed" (kept by --allow-non-session).  A session
 * label given is taken as given.
 * Returns 0, or -1 with e set (MDX_EINPUT, field "ts", "date" or
 * "session").
 */
int mdx_session_check(const struct mdx_bar *b, const char *zone,
		      struct mdx_err *e);

#endif
