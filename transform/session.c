/*
 * session.c - mdx-transform's "session" field from the NYSE calendar
 * (DESIGN.md section 2; lib/calendar.c for the rules).
 *
 * Which bars get a session: those of US-listed symbols, taken to be the bars
 * whose exchange zone is America/New_York and whose symbol is not an FX
 * pair, a crypto pair or a future in the providers' notations (Yahoo
 * "EURUSD=X", "ES=F", "BTC-USD"; Polygon "C:EURUSD", "X:BTCUSD").  Their
 * exchanges keep other hours, so they get null, as do other zones.
 */
#include <string.h>

#include "mdx_calendar.h"
#include "transform_int.h"

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && strcmp(s + n - m, suffix) == 0;
}

/* 1 when the symbol trades on the NYSE calendar */
static int
us_listed(const char *symbol, const char *zone)
{
	if (strcmp(zone, MDX_CAL_ZONE) != 0)
		return 0;
	if (strchr(symbol, '=') != NULL)
		return 0; /* Yahoo FX (EURUSD=X) and futures (ES=F) */
	if (strncmp(symbol, "C:", 2) == 0 || strncmp(symbol, "X:", 2) == 0)
		return 0; /* Polygon FX and crypto */
	if (ends_with(symbol, "-USD") || ends_with(symbol, "-USDT") ||
	    ends_with(symbol, "-EUR") || ends_with(symbol, "-BTC"))
		return 0; /* Yahoo crypto pairs */
	return 1;
}

int
tf_session(const struct tf *t, struct mdx_bar *b, const char *zone,
	   struct mdx_err *e)
{
	enum mdx_cal_phase ph;

	b->session[0] = '\0';
	if (!us_listed(b->symbol, zone))
		return 0;
	if (mdx_interval_intraday(b->interval)) {
		if (mdx_cal_classify(b->ts, &ph, NULL, e))
			return -1;
		snprintf(b->session, sizeof(b->session), "%s",
			 mdx_cal_phase_name(ph));
		return 0;
	}
	if (b->interval != MDX_I1D) {
		/* a week or a month: the label of its first session */
		int32_t d = b->date;

		if (!mdx_cal_is_session(d))
			d = mdx_cal_next_session(d);
		snprintf(b->session, sizeof(b->session), "%s",
			 mdx_cal_is_early_close(d) ? "early_close" : "regular");
		return 0;
	}
	if (!mdx_cal_is_session(b->date)) {
		const char *why = mdx_cal_holiday(b->date);
		char date[MDX_DATE_LEN];

		if (t->allow_non_session) {
			snprintf(b->session, sizeof(b->session), "closed");
			return 0;
		}
		return mdx_err_field(e, MDX_EINPUT, "date",
				     "%s is not an NYSE session (%s; use "
				     "--allow-non-session to keep it)",
				     mdx_date_format(b->date, date),
				     why ? why
				     : mdx_weekday(b->date) % 6 == 0
					     ? "weekend"
					     : "closed");
	}
	snprintf(b->session, sizeof(b->session), "%s",
		 mdx_cal_is_early_close(b->date) ? "early_close" : "regular");
	return 0;
}
