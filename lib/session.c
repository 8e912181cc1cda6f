/*
 * session.c - the session rule of bars (mdx_session.h): one rule for
 * mdx-transform, mdx-serve's writes and mdx-load's checks.
 *
 * Which bars get a session: those of US-listed symbols, taken to be the
 * bars whose exchange zone is America/New_York and whose symbol is not an
 * FX pair, a crypto pair or a future in the providers' notations (Yahoo
 * "EURUSD=X", "ES=F", "BTC-USD"; Polygon "C:EURUSD", "X:BTCUSD").  Their
 * markets keep other hours, so they get null, as do other zones.
 */
#include <stdio.h>
#include <string.h>

#include "mdx_calendar.h"
#include "mdx_session.h"
#include "mdx_time.h"

#define HOUR_MS (60 * 60 * 1000LL)

int
mdx_session_nyse(const char *symbol, const char *zone)
{
	if (zone != NULL && strcmp(zone, MDX_CAL_ZONE) != 0)
		return 0;
	if (mdx_symbol_is_quote(symbol))
		return 0; /* FX and crypto */
	if (strchr(symbol, '=') != NULL)
		return 0; /* Yahoo futures (ES=F) */
	return 1;
}

/* the calendar's range, as an error about the bar's date */
static int
out_of_range(int32_t day, struct mdx_err *e)
{
	char date[MDX_DATE_LEN];

	return mdx_err_field(e, MDX_EINPUT, "date",
			     "%s is outside the NYSE calendar (%d-01-01 to "
			     "%d-12-31): no session can be given",
			     mdx_date_format(day, date), MDX_CAL_FIRST_YEAR,
			     MDX_CAL_LAST_YEAR);
}

/* why day, not a session, has none */
static const char *
why_closed(int32_t day)
{
	const char *why = mdx_cal_holiday(day);

	return why ? why : mdx_weekday(day) % 6 == 0 ? "weekend" : "closed";
}

/* the label of a daily bar on day, a session or not ("" for none) */
static const char *
daily_label(int interval, int32_t day)
{
	if (interval != MDX_I1D && !mdx_cal_is_session(day))
		day = mdx_cal_next_session(day); /* its first session */
	if (!mdx_cal_is_session(day))
		return "";
	return mdx_cal_is_early_close(day) ? "early_close" : "regular";
}

static int
key_error(const struct mdx_bar *b, const char *zone, struct mdx_err *e)
{
	char ts[MDX_RFC3339_LEN], date[MDX_DATE_LEN];

	return mdx_err_field(e, MDX_EINPUT, "ts",
			     "%s is not 00:00 of its date %s in %s (a daily "
			     "bar keys on its trading day)",
			     mdx_rfc3339_format(b->ts, ts),
			     mdx_date_format(b->date, date),
			     zone ? zone : "any zone");
}

int
mdx_session_label(struct mdx_bar *b, const char *zone, unsigned flags,
		  struct mdx_err *e)
{
	enum mdx_cal_phase ph;
	char date[MDX_DATE_LEN];
	const char *label;
	int64_t start;

	b->session[0] = '\0';
	if (!mdx_session_nyse(b->symbol, zone))
		return 0;
	if (!mdx_cal_covers(b->date))
		return out_of_range(b->date, e);
	if (mdx_interval_intraday(b->interval)) {
		if (mdx_cal_classify(b->ts, &ph, NULL, e))
			return -1;
		snprintf(b->session, sizeof(b->session), "%s",
			 mdx_cal_phase_name(ph));
		return 0;
	}
	if (mdx_tz_day_start(MDX_CAL_ZONE, b->date, &start, e))
		return -1;
	if (start != b->ts)
		return key_error(b, MDX_CAL_ZONE, e);
	label = daily_label(b->interval, b->date);
	if (*label == '\0') {
		if (flags & MDX_SESSION_ALLOW_CLOSED) {
			snprintf(b->session, sizeof(b->session), "closed");
			return 0;
		}
		return mdx_err_field(e, MDX_EINPUT, "date",
				     "%s is not an NYSE session (%s; use "
				     "--allow-non-session to keep it)",
				     mdx_date_format(b->date, date),
				     why_closed(b->date));
	}
	snprintf(b->session, sizeof(b->session), "%s", label);
	return 0;
}

/* is s one of the labels the NYSE calendar gives? */
static int
nyse_label(const char *s)
{
	static const char *const labels[] = {"regular", "early_close", "closed",
					     "pre",	"post",	       NULL};

	for (size_t i = 0; labels[i]; i++)
		if (strcmp(s, labels[i]) == 0)
			return 1;
	return 0;
}

/* day is the local date of ms in some zone, -12:00..+14:00 */
static int
some_date(int64_t ms, int32_t day)
{
	int64_t start = (int64_t)day * MDX_MS_PER_DAY;

	return ms >= start - 14 * HOUR_MS &&
	       ms < start + MDX_MS_PER_DAY + 12 * HOUR_MS;
}

int
mdx_session_check(const struct mdx_bar *b, const char *zone, struct mdx_err *e)
{
	int daily = !mdx_interval_intraday(b->interval);
	int64_t start;
	char ts[MDX_RFC3339_LEN], date[MDX_DATE_LEN];

	if (zone == NULL && (nyse_label(b->session) ||
			     mdx_session_nyse(b->symbol, MDX_CAL_ZONE))) {
		/* New York, if the bar says so or its ts says so */
		if (nyse_label(b->session) ||
		    (daily &&
		     mdx_tz_day_start(MDX_CAL_ZONE, b->date, &start, NULL) ==
			     0 &&
		     start == b->ts))
			zone = MDX_CAL_ZONE;
	}
	if (zone != NULL) {
		int32_t day;

		if (daily) {
			if (mdx_tz_day_start(zone, b->date, &start, e))
				return -1;
			if (start != b->ts)
				return key_error(b, zone, e);
		} else {
			if (mdx_tz_utc_to_local(zone, b->ts, &day, NULL, NULL,
						e))
				return -1;
			if (day != b->date)
				return mdx_err_field(
					e, MDX_EINPUT, "date",
					"%s is not the date of ts %s in %s",
					mdx_date_format(b->date, date),
					mdx_rfc3339_format(b->ts, ts), zone);
		}
	} else if (daily ? !mdx_day_start_plausible(b->ts, b->date)
			 : !some_date(b->ts, b->date)) {
		if (daily)
			return key_error(b, NULL, e);
		return mdx_err_field(e, MDX_EINPUT, "date",
				     "%s is not the date of ts %s in any zone",
				     mdx_date_format(b->date, date),
				     mdx_rfc3339_format(b->ts, ts));
	}
	if (zone == NULL || !mdx_session_nyse(b->symbol, zone))
		return 0;
	/* on the NYSE calendar: a day the calendar knows, and a daily bar
	 * on a session unless labelled "closed" (--allow-non-session); a
	 * label given is taken as given */
	if (!mdx_cal_covers(b->date))
		return out_of_range(b->date, e);
	if (daily && b->interval == MDX_I1D && !mdx_cal_is_session(b->date) &&
	    strcmp(b->session, "closed") != 0)
		return mdx_err_field(
			e, MDX_EINPUT, "date", "%s is not an NYSE session (%s)",
			mdx_date_format(b->date, date), why_closed(b->date));
	return 0;
}
