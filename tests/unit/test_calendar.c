/*
 * test_calendar.c - the NYSE calendar against published facts: NYSE's
 * holiday and early-closing press releases, its history of closings, and
 * recorded market data in ../shared/data (skipped when absent).
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdx_calendar.h"
#include "mdx_time.h"
#include "t.h"

static int32_t
D(const char *s)
{
	int32_t day = INT32_MIN;
	struct mdx_err e;

	if (mdx_date_parse(s, &day, &e))
		T_FAILMSG("bad date in test: %s", s);
	return day;
}

/* the instant of an RFC 3339 text, for expected values */
static int64_t
MS(const char *s)
{
	int64_t ms = INT64_MIN;
	struct mdx_err e;

	if (mdx_rfc3339_parse(s, &ms, &e))
		T_FAILMSG("bad instant in test: %s", s);
	return ms;
}

static size_t
year_sessions(int y)
{
	return mdx_cal_sessions(mdx_days_from_civil(y, 1, 1),
				mdx_days_from_civil(y, 12, 31), NULL, 0);
}

/*
 * Sessions a year.  2000-2022 are counted from recorded daily bars (Alpha
 * Vantage AAPL/MSFT 1999-11-01..2020-11-25 and Yahoo TSLA 2010-06-29..
 * 2023-08-11 in ../shared/data agree with each other and with these);
 * 2023-2028 are weekdays less the holidays of NYSE's press releases
 * ("NYSE Group announces ... holiday and early closings calendar" for
 * 2022-2024, 2025-2027 and 2026-2028): 2023 260-10, 2024 262-10, 2025
 * 261-11 (Carter), 2026 261-10, 2027 261-10, 2028 260-9 (no New Year's Day
 * holiday).  2029 and 2030 follow from Rule 7.2 alone (261-10 each); an
 * independent python3/dateutil count gives all of these too.
 */
static void
test_year_counts(void)
{
	static const struct {
		int y;
		size_t n;
	} c[] = {
		{2000, 252}, {2001, 248}, {2002, 252}, {2003, 252}, {2004, 252},
		{2005, 252}, {2006, 251}, {2007, 251}, {2008, 253}, {2009, 252},
		{2010, 252}, {2011, 252}, {2012, 250}, {2013, 252}, {2014, 252},
		{2015, 252}, {2016, 252}, {2017, 251}, {2018, 251}, {2019, 252},
		{2020, 253}, {2021, 252}, {2022, 251}, {2023, 250}, {2024, 252},
		{2025, 250}, {2026, 251}, {2027, 251}, {2028, 251}, {2029, 251},
		{2030, 251},
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		size_t n = year_sessions(c[i].y);

		if (n != c[i].n)
			T_FAILMSG("%d: %zu sessions, want %zu", c[i].y, n,
				  c[i].n);
	}
}

/* the full list of closings (weekdays) and early closes of a year */
struct year_facts {
	int y;
	const char *closed[16];
	const char *early[4];
};

/* NYSE press releases and holiday pages for each year */
static const struct year_facts facts[] = {
	{2012,
	 {"2012-01-02", "2012-01-16", "2012-02-20", "2012-04-06", "2012-05-28",
	  "2012-07-04", "2012-09-03", "2012-10-29", "2012-10-30", "2012-11-22",
	  "2012-12-25"},
	 {"2012-07-03", "2012-11-23", "2012-12-24"}},
	{2018,
	 {"2018-01-01", "2018-01-15", "2018-02-19", "2018-03-30", "2018-05-28",
	  "2018-07-04", "2018-09-03", "2018-11-22", "2018-12-05", "2018-12-25"},
	 {"2018-07-03", "2018-11-23", "2018-12-24"}},
	{2021,
	 {"2021-01-01", "2021-01-18", "2021-02-15", "2021-04-02", "2021-05-31",
	  "2021-07-05", "2021-09-06", "2021-11-25", "2021-12-24"},
	 {"2021-11-26"}},
	{2022,
	 {"2022-01-17", "2022-02-21", "2022-04-15", "2022-05-30", "2022-06-20",
	  "2022-07-04", "2022-09-05", "2022-11-24", "2022-12-26"},
	 {"2022-11-25"}},
	{2024,
	 {"2024-01-01", "2024-01-15", "2024-02-19", "2024-03-29", "2024-05-27",
	  "2024-06-19", "2024-07-04", "2024-09-02", "2024-11-28", "2024-12-25"},
	 {"2024-07-03", "2024-11-29", "2024-12-24"}},
	{2025,
	 {"2025-01-01", "2025-01-09", "2025-01-20", "2025-02-17", "2025-04-18",
	  "2025-05-26", "2025-06-19", "2025-07-04", "2025-09-01", "2025-11-27",
	  "2025-12-25"},
	 {"2025-07-03", "2025-11-28", "2025-12-24"}},
	{2026,
	 {"2026-01-01", "2026-01-19", "2026-02-16", "2026-04-03", "2026-05-25",
	  "2026-06-19", "2026-07-03", "2026-09-07", "2026-11-26", "2026-12-25"},
	 {"2026-11-27", "2026-12-24"}},
	{2028,
	 {"2028-01-17", "2028-02-21", "2028-04-14", "2028-05-29", "2028-06-19",
	  "2028-07-04", "2028-09-04", "2028-11-23", "2028-12-25"},
	 {"2028-07-03", "2028-11-24"}},
};

static int
listed(const char *const *list, size_t n, int32_t day)
{
	for (size_t i = 0; i < n && list[i] != NULL; i++)
		if (D(list[i]) == day)
			return 1;
	return 0;
}

/* every weekday of the year is what the list says, and nothing else */
static void
test_year_lists(void)
{
	for (size_t f = 0; f < sizeof(facts) / sizeof(facts[0]); f++) {
		const struct year_facts *yf = &facts[f];
		int32_t a = mdx_days_from_civil(yf->y, 1, 1);
		int32_t b = mdx_days_from_civil(yf->y, 12, 31);
		char buf[MDX_DATE_LEN];

		for (int32_t d = a; d <= b; d++) {
			int wd = mdx_weekday(d);
			int shut = listed(yf->closed, 16, d);
			int early = listed(yf->early, 4, d);

			mdx_date_format(d, buf);
			if (wd == 0 || wd == 6) {
				if (mdx_cal_is_session(d) ||
				    mdx_cal_holiday(d) != NULL)
					T_FAILMSG("%s: weekend", buf);
				continue;
			}
			if (mdx_cal_is_session(d) != !shut)
				T_FAILMSG("%s: session %d, want %d", buf,
					  mdx_cal_is_session(d), !shut);
			if ((mdx_cal_holiday(d) != NULL) != shut)
				T_FAILMSG("%s: holiday '%s'", buf,
					  mdx_cal_holiday(d)
						  ? mdx_cal_holiday(d)
						  : "(null)");
			if (mdx_cal_is_early_close(d) != early)
				T_FAILMSG("%s: early close %d, want %d", buf,
					  mdx_cal_is_early_close(d), early);
		}
	}
}

static void
test_names(void)
{
	T_EQ_STR(mdx_cal_holiday(D("2024-01-01")), "New Year's Day");
	T_EQ_STR(mdx_cal_holiday(D("2023-01-02")), "New Year's Day (observed)");
	T_EQ_STR(mdx_cal_holiday(D("2024-01-15")),
		 "Martin Luther King, Jr. Day");
	T_EQ_STR(mdx_cal_holiday(D("2024-02-19")), "Washington's Birthday");
	T_EQ_STR(mdx_cal_holiday(D("2024-03-29")), "Good Friday");
	T_EQ_STR(mdx_cal_holiday(D("2024-05-27")), "Memorial Day");
	T_EQ_STR(mdx_cal_holiday(D("2024-06-19")),
		 "Juneteenth National Independence Day");
	T_EQ_STR(mdx_cal_holiday(D("2027-06-18")),
		 "Juneteenth National Independence Day (observed)");
	T_EQ_STR(mdx_cal_holiday(D("2024-07-04")), "Independence Day");
	T_EQ_STR(mdx_cal_holiday(D("2026-07-03")),
		 "Independence Day (observed)");
	T_EQ_STR(mdx_cal_holiday(D("2024-09-02")), "Labor Day");
	T_EQ_STR(mdx_cal_holiday(D("2024-11-28")), "Thanksgiving Day");
	T_EQ_STR(mdx_cal_holiday(D("2024-12-25")), "Christmas Day");
	T_EQ_STR(mdx_cal_holiday(D("2022-12-26")), "Christmas Day (observed)");
	T_EQ_STR(mdx_cal_holiday(D("2012-10-29")), "Hurricane Sandy");
	/* a holiday on a weekend is not a closing of its own */
	T_OK(mdx_cal_holiday(D("2021-12-25")) == NULL);
	T_OK(mdx_cal_holiday(D("2024-11-29")) == NULL); /* early close */
}

/* full closings since 1990 that no rule makes */
static void
test_oneoffs(void)
{
	static const char *shut[] = {
		"1994-04-27", "2001-09-11", "2001-09-12", "2001-09-13",
		"2001-09-14", "2004-06-11", "2007-01-02", "2012-10-29",
		"2012-10-30", "2018-12-05", "2025-01-09",
	};

	for (size_t i = 0; i < sizeof(shut) / sizeof(shut[0]); i++) {
		T_OK(!mdx_cal_is_session(D(shut[i])));
		if (mdx_cal_holiday(D(shut[i])) == NULL)
			T_FAILMSG("%s has no name", shut[i]);
	}
	T_OK(strstr(mdx_cal_holiday(D("1994-04-27")), "Nixon") != NULL);
	T_OK(strstr(mdx_cal_holiday(D("2025-01-09")), "Carter") != NULL);
	T_OK(strstr(mdx_cal_holiday(D("2018-12-05")), "Bush") != NULL);
	/* the days around them traded */
	T_OK(mdx_cal_is_session(D("2001-09-10")));
	T_OK(mdx_cal_is_session(D("2001-09-17")));
	T_OK(mdx_cal_is_session(D("2012-10-31")));
	T_OK(mdx_cal_is_session(D("2025-01-08")));
	T_OK(mdx_cal_is_session(D("2025-01-10")));
	/* Hurricane Gloria, 1985-09-27, is before the range */
	T_OK(!mdx_cal_covers(D("1985-09-27")));
	/* MLK Day: from 1998 (NYSE filing SR-NYSE-97-22) */
	T_OK(mdx_cal_is_session(D("1997-01-20")));
	T_OK(!mdx_cal_is_session(D("1998-01-19")));
	/* Juneteenth: from 2022 */
	T_OK(mdx_cal_is_session(D("2021-06-18")));
	T_OK(!mdx_cal_is_session(D("2022-06-20")));
}

/* Rule 7.2: no Friday off for a Saturday New Year's Day */
static void
test_new_year_saturday(void)
{
	struct mdx_cal_session s;
	static const char *open[] = {"1993-12-31", "2004-12-31", "2010-12-31",
				     "2021-12-31", "2027-12-31"};

	for (size_t i = 0; i < sizeof(open) / sizeof(open[0]); i++) {
		T_OK(mdx_cal_is_session(D(open[i])));
		T_OK(!mdx_cal_is_early_close(D(open[i])));
	}
	/* 1999-12-31 traded, to 13:00: the NYSE board's decision of
	 * 1999-04-06 (Y2K), as exchange_calendars' XNYS has it */
	T_OK(mdx_cal_is_session(D("1999-12-31")));
	T_OK(mdx_cal_is_early_close(D("1999-12-31")));
	T_OK(mdx_cal_session(D("1999-12-31"), &s, NULL) == 0);
	T_EQ_INT(s.close_ms, 946663200000LL); /* 13:00 EST = 18:00Z */
	T_EQ_INT(s.post_ms, 946677600000LL);  /* 17:00 EST */
	T_OK(mdx_cal_session(D("1999-12-30"), &s, NULL) == 0 && !s.early_close);
	T_OK(mdx_cal_is_session(D("2022-01-03")));
	T_OK(mdx_cal_is_session(D("2011-01-03")));
	/* but a Saturday Christmas or July 4 is observed on the Friday */
	T_OK(!mdx_cal_is_session(D("2021-12-24")));
	T_OK(!mdx_cal_is_session(D("1999-12-24")));
	T_OK(!mdx_cal_is_session(D("2020-07-03")));
	T_OK(mdx_cal_is_session(D("2021-12-23")));
	T_OK(!mdx_cal_is_early_close(D("2021-12-23")));
}

static void
test_good_friday(void)
{
	static const char *gf[] = {
		"1990-04-13", "2000-04-21", "2008-03-21", "2011-04-22",
		"2019-04-19", "2024-03-29", "2025-04-18", "2026-04-03",
		"2027-03-26", "2028-04-14", "2038-04-23",
	};

	for (size_t i = 0; i < sizeof(gf) / sizeof(gf[0]); i++) {
		T_OK(!mdx_cal_is_session(D(gf[i])));
		T_EQ_STR(mdx_cal_holiday(D(gf[i])), "Good Friday");
	}
	T_OK(mdx_cal_is_session(D("2024-04-01"))); /* Easter Monday */
}

/* early closes and their history (NYSE closings history) */
static void
test_early_history(void)
{
	struct mdx_cal_session s;
	struct mdx_err e;

	/* July 5 when a Friday, 1996-2012 */
	T_OK(mdx_cal_is_early_close(D("1996-07-05")));
	T_OK(mdx_cal_is_early_close(D("2002-07-05")));
	T_OK(!mdx_cal_is_early_close(D("2002-07-03"))); /* a Wednesday */
	T_OK(!mdx_cal_is_early_close(D("2013-07-05")));
	T_OK(!mdx_cal_is_early_close(D("2019-07-05")));
	T_OK(!mdx_cal_is_early_close(D("2024-07-05")));
	/* July 3 on a Wednesday from 2013 */
	T_OK(mdx_cal_is_early_close(D("2013-07-03")));
	T_OK(mdx_cal_is_early_close(D("2019-07-03")));
	T_OK(mdx_cal_is_early_close(D("2030-07-03")));
	/* July 3 Mon/Tue/Thu from 1995, not before */
	T_OK(mdx_cal_is_early_close(D("1995-07-03")));
	T_OK(mdx_cal_is_early_close(D("1997-07-03")));
	T_OK(!mdx_cal_is_early_close(D("1990-07-03")));
	T_OK(!mdx_cal_is_early_close(D("1991-07-05")));
	/* no early close on July 2 when July 3 is the holiday */
	T_OK(!mdx_cal_is_early_close(D("2026-07-02")));
	T_OK(!mdx_cal_is_early_close(D("2020-07-02")));
	/* day after Thanksgiving from 1992 (14:00 in 1992) */
	T_OK(!mdx_cal_is_early_close(D("1991-11-29")));
	T_OK(mdx_cal_is_early_close(D("1992-11-27")));
	/* Christmas Eve at 14:00 until 1992, 13:00 from 1993 */
	T_OK(mdx_cal_is_early_close(D("1990-12-24")));
	T_EQ_INT(mdx_cal_session(D("1992-12-24"), &s, &e), 0);
	T_EQ_INT(s.close_ms, MS("1992-12-24T19:00:00Z"));
	T_EQ_INT(mdx_cal_session(D("1992-11-27"), &s, &e), 0);
	T_EQ_INT(s.close_ms, MS("1992-11-27T19:00:00Z"));
	T_EQ_INT(mdx_cal_session(D("1996-12-24"), &s, &e), 0);
	T_EQ_INT(s.close_ms, MS("1996-12-24T18:00:00Z"));
	/* the Friday after a Thursday Christmas: 1997 and 2003 only */
	T_OK(mdx_cal_is_early_close(D("1997-12-26")));
	T_OK(mdx_cal_is_early_close(D("2003-12-26")));
	T_OK(!mdx_cal_is_early_close(D("2008-12-26")));
	T_OK(!mdx_cal_is_early_close(D("2014-12-26")));
	T_OK(!mdx_cal_is_early_close(D("2025-12-26")));
	/* 2002-09-11 opened at noon: a session, not an early close */
	T_EQ_INT(mdx_cal_session(D("2002-09-11"), &s, &e), 0);
	T_EQ_INT(s.open_ms, MS("2002-09-11T16:00:00Z"));
	T_EQ_INT(s.close_ms, MS("2002-09-11T20:00:00Z"));
	T_EQ_INT(s.early_close, 0);
	T_OK(s.note != NULL);
}

/* open and close instants: EST (UTC-5) in winter, EDT (UTC-4) in summer */
static void
test_session_instants(void)
{
	struct mdx_cal_session s;
	struct mdx_err e;

	mdx_err_clear(&e);
	T_EQ_INT(mdx_cal_session(D("2024-01-02"), &s, &e), 0);
	T_EQ_INT(s.day, D("2024-01-02"));
	T_EQ_INT(s.pre_ms, MS("2024-01-02T09:00:00Z"));
	T_EQ_INT(s.open_ms, MS("2024-01-02T14:30:00Z"));
	T_EQ_INT(s.close_ms, MS("2024-01-02T21:00:00Z"));
	T_EQ_INT(s.post_ms, MS("2024-01-03T01:00:00Z"));
	T_EQ_INT(s.early_close, 0);
	T_OK(s.note == NULL);

	T_EQ_INT(mdx_cal_session(D("2024-07-03"), &s, &e), 0);
	T_EQ_INT(s.open_ms, MS("2024-07-03T13:30:00Z"));
	T_EQ_INT(s.close_ms, MS("2024-07-03T17:00:00Z"));
	T_EQ_INT(s.post_ms, MS("2024-07-03T21:00:00Z"));
	T_EQ_INT(s.early_close, 1);
	T_EQ_STR(s.note, "Day before Independence Day");

	T_EQ_INT(mdx_cal_session(D("2024-11-29"), &s, &e), 0);
	T_EQ_INT(s.close_ms, MS("2024-11-29T18:00:00Z"));
	T_EQ_STR(s.note, "Day after Thanksgiving");

	/* the first sessions after the DST changes of 2024 */
	T_EQ_INT(mdx_cal_session(D("2024-03-08"), &s, &e), 0);
	T_EQ_INT(s.open_ms, MS("2024-03-08T14:30:00Z"));
	T_EQ_INT(mdx_cal_session(D("2024-03-11"), &s, &e), 0);
	T_EQ_INT(s.open_ms, MS("2024-03-11T13:30:00Z"));
	T_EQ_INT(mdx_cal_session(D("2024-11-01"), &s, &e), 0);
	T_EQ_INT(s.open_ms, MS("2024-11-01T13:30:00Z"));
	T_EQ_INT(mdx_cal_session(D("2024-11-04"), &s, &e), 0);
	T_EQ_INT(s.open_ms, MS("2024-11-04T14:30:00Z"));
	/* before the 2007 US DST change: 2006-03-13 was still EST */
	T_EQ_INT(mdx_cal_session(D("2006-03-13"), &s, &e), 0);
	T_EQ_INT(s.open_ms, MS("2006-03-13T14:30:00Z"));

	/* not a session: -1 and the holiday in the message */
	s.day = 12345;
	T_EQ_INT(mdx_cal_session(D("2024-12-25"), &s, &e), -1);
	T_EQ_INT(e.code, MDX_EINPUT);
	T_OK(strstr(e.text, "2024-12-25") != NULL);
	T_OK(strstr(e.text, "Christmas Day") != NULL);
	T_EQ_INT(s.day, 12345); /* untouched */
	T_EQ_INT(mdx_cal_session(D("2024-12-28"), &s, &e), -1);
	T_OK(strstr(e.text, "weekend") != NULL);
	T_EQ_INT(mdx_cal_session(D("2024-12-28"), &s, NULL), -1);
}

static void
test_next_prev(void)
{
	/* over a weekend */
	T_EQ_INT(mdx_cal_next_session(D("2024-01-05")), D("2024-01-08"));
	T_EQ_INT(mdx_cal_prev_session(D("2024-01-08")), D("2024-01-05"));
	/* strictly after/before, from a session */
	T_EQ_INT(mdx_cal_next_session(D("2024-01-02")), D("2024-01-03"));
	T_EQ_INT(mdx_cal_prev_session(D("2024-01-03")), D("2024-01-02"));
	/* from a weekend day */
	T_EQ_INT(mdx_cal_next_session(D("2024-01-06")), D("2024-01-08"));
	T_EQ_INT(mdx_cal_prev_session(D("2024-01-07")), D("2024-01-05"));
	/* Good Friday long weekend */
	T_EQ_INT(mdx_cal_next_session(D("2024-03-28")), D("2024-04-01"));
	T_EQ_INT(mdx_cal_prev_session(D("2024-04-01")), D("2024-03-28"));
	/* Christmas and New Year */
	T_EQ_INT(mdx_cal_next_session(D("2024-12-24")), D("2024-12-26"));
	T_EQ_INT(mdx_cal_next_session(D("2024-12-31")), D("2025-01-02"));
	T_EQ_INT(mdx_cal_prev_session(D("2025-01-02")), D("2024-12-31"));
	/* Carter and the weekend before MLK Day */
	T_EQ_INT(mdx_cal_next_session(D("2025-01-08")), D("2025-01-10"));
	T_EQ_INT(mdx_cal_next_session(D("2025-01-17")), D("2025-01-21"));
	/* September 2001 */
	T_EQ_INT(mdx_cal_next_session(D("2001-09-10")), D("2001-09-17"));
	T_EQ_INT(mdx_cal_prev_session(D("2001-09-17")), D("2001-09-10"));
	/* Sandy */
	T_EQ_INT(mdx_cal_next_session(D("2012-10-26")), D("2012-10-31"));
	/* the ends of the range and beyond it (weekdays only) */
	T_EQ_INT(mdx_cal_prev_session(D("1990-01-02")), D("1989-12-29"));
	T_EQ_INT(mdx_cal_next_session(D("2099-12-31")), D("2100-01-01"));
	T_EQ_INT(mdx_cal_next_session(INT32_MAX), INT32_MAX);
	T_EQ_INT(mdx_cal_prev_session(INT32_MIN), INT32_MIN);
}

static void
test_sessions_range(void)
{
	int32_t out[8];
	size_t n;

	/* snprintf-like: the count even when it is over cap */
	n = mdx_cal_sessions(D("2024-12-20"), D("2025-01-03"), out, 4);
	T_EQ_INT(n, 9);
	T_EQ_INT(out[0], D("2024-12-20"));
	T_EQ_INT(out[1], D("2024-12-23"));
	T_EQ_INT(out[2], D("2024-12-24"));
	T_EQ_INT(out[3], D("2024-12-26"));
	n = mdx_cal_sessions(D("2024-12-20"), D("2025-01-03"), out, 8);
	T_EQ_INT(n, 9);
	T_EQ_INT(out[7], D("2025-01-02"));
	n = mdx_cal_sessions(D("2024-12-20"), D("2024-12-31"), out, 8);
	T_EQ_INT(n, 7);
	T_EQ_INT(out[4], D("2024-12-27"));
	T_EQ_INT(out[6], D("2024-12-31"));
	/* empty and one-day ranges */
	T_EQ_INT(mdx_cal_sessions(D("2025-01-03"), D("2024-12-20"), out, 8), 0);
	T_EQ_INT(mdx_cal_sessions(D("2024-12-25"), D("2024-12-25"), out, 8), 0);
	T_EQ_INT(mdx_cal_sessions(D("2024-12-28"), D("2024-12-29"), out, 8), 0);
	T_EQ_INT(mdx_cal_sessions(D("2024-12-24"), D("2024-12-24"), out, 8), 1);
	T_EQ_INT(mdx_cal_sessions(D("2024-12-24"), D("2024-12-24"), NULL, 0),
		 1);
	/* the count agrees with a day-by-day walk over the whole range and
	 * across its ends */
	{
		int32_t a = D("1985-06-03"), b = D("2105-03-14");
		size_t walk = 0;

		for (int32_t d = a; d <= b; d++)
			walk += (size_t)mdx_cal_is_session(d);
		T_EQ_INT(mdx_cal_sessions(a, b, NULL, 0), walk);
		walk = 0;
		for (int32_t d = D("1987-01-03"); d <= D("1992-02-11"); d++)
			walk += (size_t)mdx_cal_is_session(d);
		T_EQ_INT(mdx_cal_sessions(D("1987-01-03"), D("1992-02-11"),
					  NULL, 0),
			 walk);
	}
	/* outside the range: weekdays; a huge range is cheap to count */
	T_EQ_INT(year_sessions(1980), 262);
	T_OK(mdx_cal_sessions(INT32_MIN, INT32_MAX, NULL, 0) > 3000000000u);
	/* next/prev agree with the list */
	{
		int32_t all[300];
		size_t k = mdx_cal_sessions(D("2023-01-01"), D("2023-12-31"),
					    all, 300);

		T_EQ_INT(k, 250);
		for (size_t i = 1; i < k; i++) {
			T_EQ_INT(mdx_cal_next_session(all[i - 1]), all[i]);
			T_EQ_INT(mdx_cal_prev_session(all[i]), all[i - 1]);
		}
	}
}

static void
test_range(void)
{
	struct mdx_cal_session s;
	struct mdx_err e;

	T_OK(!mdx_cal_covers(D("1989-12-31")));
	T_OK(mdx_cal_covers(D("1990-01-01")));
	T_OK(mdx_cal_covers(D("2099-12-31")));
	T_OK(!mdx_cal_covers(D("2100-01-01")));
	/* 1990-01-01 is New Year's Day; 1989-12-25 is outside: weekdays */
	T_OK(!mdx_cal_is_session(D("1990-01-01")));
	T_OK(mdx_cal_is_session(D("1989-12-25")));
	T_OK(mdx_cal_holiday(D("1989-12-25")) == NULL);
	T_OK(!mdx_cal_is_session(D("1989-12-24")));
	T_OK(!mdx_cal_is_early_close(D("2100-12-24")));
	T_OK(!mdx_cal_is_session(D("2099-12-25")));
	T_OK(mdx_cal_is_session(D("2100-12-24")));
	T_EQ_INT(mdx_cal_session(D("2100-12-24"), &s, &e), 0);
	T_EQ_INT(s.open_ms, MS("2100-12-24T14:30:00Z"));
}

static enum mdx_cal_phase
phase_of(const char *rfc3339, int32_t *day)
{
	enum mdx_cal_phase p = MDX_CAL_CLOSED;
	struct mdx_err e;

	mdx_err_clear(&e);
	if (mdx_cal_classify(MS(rfc3339), &p, day, &e))
		T_FAILMSG("classify %s: %s", rfc3339, e.text);
	return p;
}

static void
test_classify(void)
{
	int32_t day = 0;

	/* a winter day, 2024-01-02 (UTC-5) */
	T_EQ_INT(phase_of("2024-01-02T08:59:59Z", NULL), MDX_CAL_CLOSED);
	T_EQ_INT(phase_of("2024-01-02T09:00:00Z", &day), MDX_CAL_PRE);
	T_EQ_INT(day, D("2024-01-02"));
	T_EQ_INT(phase_of("2024-01-02T14:29:59.999Z", NULL), MDX_CAL_PRE);
	T_EQ_INT(phase_of("2024-01-02T14:30:00Z", NULL), MDX_CAL_REGULAR);
	T_EQ_INT(phase_of("2024-01-02T20:59:00Z", NULL), MDX_CAL_REGULAR);
	T_EQ_INT(phase_of("2024-01-02T21:00:00Z", NULL), MDX_CAL_POST);
	/* post-market runs past UTC midnight: the New York date is the day
	 * before the UTC date */
	T_EQ_INT(phase_of("2024-01-03T00:59:59Z", &day), MDX_CAL_POST);
	T_EQ_INT(day, D("2024-01-02"));
	T_EQ_INT(phase_of("2024-01-03T01:00:00Z", &day), MDX_CAL_CLOSED);
	T_EQ_INT(day, D("2024-01-02"));
	/* a summer day (UTC-4) */
	T_EQ_INT(phase_of("2024-07-02T08:00:00Z", NULL), MDX_CAL_PRE);
	T_EQ_INT(phase_of("2024-07-02T13:30:00Z", NULL), MDX_CAL_REGULAR);
	T_EQ_INT(phase_of("2024-07-02T20:00:00Z", NULL), MDX_CAL_POST);
	T_EQ_INT(phase_of("2024-07-03T00:00:00Z", NULL), MDX_CAL_CLOSED);
	/* the early close: regular to 13:00, post to 17:00 */
	T_EQ_INT(phase_of("2024-07-03T16:59:00Z", NULL), MDX_CAL_REGULAR);
	T_EQ_INT(phase_of("2024-07-03T17:00:00Z", NULL), MDX_CAL_POST);
	T_EQ_INT(phase_of("2024-07-03T20:59:59Z", NULL), MDX_CAL_POST);
	T_EQ_INT(phase_of("2024-07-03T21:00:00Z", NULL), MDX_CAL_CLOSED);
	/* holiday, weekend */
	T_EQ_INT(phase_of("2024-07-04T15:00:00Z", &day), MDX_CAL_CLOSED);
	T_EQ_INT(day, D("2024-07-04"));
	T_EQ_INT(phase_of("2024-07-06T15:00:00Z", NULL), MDX_CAL_CLOSED);
	/* the late open of 2002-09-11: pre-market until noon */
	T_EQ_INT(phase_of("2002-09-11T15:59:00Z", NULL), MDX_CAL_PRE);
	T_EQ_INT(phase_of("2002-09-11T16:00:00Z", NULL), MDX_CAL_REGULAR);
	/* before 1970 and far out */
	T_EQ_INT(phase_of("1969-12-31T15:00:00Z", &day), MDX_CAL_REGULAR);
	T_EQ_INT(day, -1);

	T_EQ_STR(mdx_cal_phase_name(MDX_CAL_PRE), "pre");
	T_EQ_STR(mdx_cal_phase_name(MDX_CAL_REGULAR), "regular");
	T_EQ_STR(mdx_cal_phase_name(MDX_CAL_POST), "post");
	T_EQ_STR(mdx_cal_phase_name(MDX_CAL_CLOSED), "closed");
	T_EQ_STR(mdx_cal_phase_name((enum mdx_cal_phase)42), "closed");
	{
		enum mdx_cal_phase p = MDX_CAL_REGULAR;
		struct mdx_err e;

		T_EQ_INT(mdx_cal_classify(INT64_MAX, &p, NULL, &e), -1);
		T_EQ_INT(e.code, MDX_EINPUT);
		T_EQ_INT(p, MDX_CAL_CLOSED);
		T_EQ_INT(mdx_cal_classify(INT64_MIN, &p, NULL, &e), -1);
	}
}

/* several threads at first use and after: the same answers */
struct thread_arg {
	size_t count;
	int phases_ok;
};

static void *
thread_main(void *p)
{
	struct thread_arg *a = p;
	struct mdx_err e;

	a->count = mdx_cal_sessions(D("2000-01-01"), D("2030-12-31"), NULL, 0);
	a->phases_ok = 1;
	for (int i = 0; i < 2000; i++) {
		/* minutes of 2024-07-01..2024-07-03 in New York */
		int64_t ms = MS("2024-07-01T04:00:00Z") + (int64_t)i * 120000;
		enum mdx_cal_phase ph;
		int32_t day;

		if (mdx_cal_classify(ms, &ph, &day, &e))
			a->phases_ok = 0;
	}
	return NULL;
}

static void
test_threads(void)
{
	pthread_t th[4];
	struct thread_arg arg[4];

	for (int i = 0; i < 4; i++)
		T_EQ_INT(pthread_create(&th[i], NULL, thread_main, &arg[i]), 0);
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		T_EQ_INT(arg[i].count, 7794); /* the sum of test_year_counts */
		T_OK(arg[i].phases_ok);
	}
}

/* ---- recorded market data in ../shared/data, when present ---- */

static FILE *
data_open(const char *rel, char *path, size_t n)
{
	const char *dir = getenv("MDX_SHARED_DATA");
	FILE *f;

	snprintf(path, n, "%s/%s", dir && *dir ? dir : "../shared/data", rel);
	if ((f = fopen(path, "r")) == NULL)
		fprintf(stderr,
			"test_calendar: skipping %s: %s (set MDX_SHARED_DATA "
			"to the shared data directory)\n",
			path, strerror(errno));
	return f;
}

/*
 * Every distinct date in the first column of a CSV of daily bars is a
 * session, and the dates are exactly the sessions from first to last.
 */
static void
check_csv_dates(const char *rel, const char *first, const char *last)
{
	int32_t a = D(first), b = D(last);
	size_t span = (size_t)(b - a + 1), distinct = 0;
	char path[512], line[512];
	unsigned char *seen;
	struct mdx_err e;
	long lineno = 0;
	FILE *f;

	if ((f = data_open(rel, path, sizeof(path))) == NULL)
		return;
	if ((seen = calloc(span, 1)) == NULL) {
		T_FAILMSG("out of memory");
		fclose(f);
		return;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *comma = strchr(line, ',');
		int32_t day;

		lineno++;
		if (comma == NULL || line[0] < '0' || line[0] > '9')
			continue; /* the header */
		*comma = '\0';
		if (mdx_date_parse(line, &day, &e) || day < a || day > b) {
			T_FAILMSG("%s:%ld: date '%s' out of %s..%s", path,
				  lineno, line, first, last);
			continue;
		}
		if (!seen[day - a]) {
			seen[day - a] = 1;
			distinct++;
			if (!mdx_cal_is_session(day))
				T_FAILMSG("%s:%ld: %s traded but is not a "
					  "session (%s)",
					  path, lineno, line,
					  mdx_cal_holiday(day)
						  ? mdx_cal_holiday(day)
						  : "weekend");
		}
	}
	fclose(f);
	T_EQ_INT(distinct, mdx_cal_sessions(a, b, NULL, 0));
	for (int32_t d = a; d <= b; d++)
		if (mdx_cal_is_session(d) && !seen[d - a]) {
			char buf[MDX_DATE_LEN];

			T_FAILMSG("%s: session %s has no bars", path,
				  mdx_date_format(d, buf));
		}
	free(seen);
}

/* Kaggle "S&P 500 stock data": 505 symbols, 619040 rows */
static void
test_data_all_stocks_5yr(void)
{
	check_csv_dates("csv/all_stocks_5yr.csv", "2013-02-08", "2018-02-07");
}

/* Alpha Vantage daily bars, 1999-11-01..2020-11-25, newest first */
static void
test_data_alphavantage(void)
{
	check_csv_dates("alphavantage/"
			"TIME_SERIES_DAILY_ADJUSTED_AAPL_full_1999-11-01_2020-"
			"11-25.csv",
			"1999-11-01", "2020-11-25");
	check_csv_dates("alphavantage/"
			"TIME_SERIES_DAILY_ADJUSTED_MSFT_full_1999-11-01_2020-"
			"11-25.csv",
			"1999-11-01", "2020-11-25");
}

/* a Yahoo CSV download, 2022-01-03..2023-05-31, no final newline */
static void
test_data_yahoo_csv(void)
{
	check_csv_dates("csv/yahoo_download_AAPL_2022-01-03_2023-05-31.csv",
			"2022-01-03", "2023-05-31");
}

/*
 * Yahoo's daily chart for TSLA since its 2010 listing: Yahoo stamps each
 * daily bar at the session's open, so every timestamp must be the open of
 * a session and every session from the first to the last must be there.
 */
static void
test_data_yahoo_chart(void)
{
	char path[512], *buf = NULL, *p, *end;
	size_t len = 0, cap = 0, got, n = 0;
	int32_t prev = INT32_MIN, first = 0, last = 0;
	struct mdx_cal_session s;
	struct mdx_err e;
	FILE *f;

	f = data_open("yahoo/chart_TSLA_1d_period1-0_2023-08-11_events-div"
		      ".json",
		      path, sizeof(path));
	if (f == NULL)
		return;
	do {
		if (len + 65536 + 1 > cap) {
			char *nb = realloc(buf, cap = len + 65536 + 1);

			if (nb == NULL) {
				T_FAILMSG("out of memory");
				goto out;
			}
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len - 1, f);
		len += got;
	} while (got > 0);
	buf[len] = '\0';
	if ((p = strstr(buf, "\"timestamp\":[")) == NULL) {
		T_FAILMSG("%s: no timestamp array", path);
		goto out;
	}
	p += strlen("\"timestamp\":[");
	while (*p != ']' && *p != '\0') {
		long long sec = strtoll(p, &end, 10);
		int32_t day;

		if (end == p) {
			T_FAILMSG("%s: bad timestamp near '%.20s'", path, p);
			goto out;
		}
		p = *end == ',' ? end + 1 : end;
		if (mdx_tz_utc_to_local(MDX_CAL_ZONE, sec * 1000, &day, NULL,
					NULL, &e)) {
			T_FAILMSG("%s: %s", path, e.text);
			goto out;
		}
		if (n++ == 0)
			first = day;
		last = day;
		if (day <= prev)
			T_FAILMSG("%s: dates not increasing", path);
		if (prev != INT32_MIN && mdx_cal_next_session(prev) != day) {
			char b1[MDX_DATE_LEN], b2[MDX_DATE_LEN];

			T_FAILMSG("%s: after %s comes %s", path,
				  mdx_date_format(prev, b1),
				  mdx_date_format(day, b2));
		}
		prev = day;
		if (mdx_cal_session(day, &s, &e) || s.open_ms != sec * 1000)
			T_FAILMSG("%s: %lld is not a session open", path, sec);
	}
	T_EQ_INT(n, 3303);
	T_EQ_INT(first, D("2010-06-29"));
	T_EQ_INT(last, D("2023-08-11"));
	T_EQ_INT(mdx_cal_sessions(first, last, NULL, 0), n);
out:
	free(buf);
	fclose(f);
}

int
main(void)
{
	T_RUN(test_threads); /* first: the tables are built under threads */
	T_RUN(test_year_counts);
	T_RUN(test_year_lists);
	T_RUN(test_names);
	T_RUN(test_oneoffs);
	T_RUN(test_new_year_saturday);
	T_RUN(test_good_friday);
	T_RUN(test_early_history);
	T_RUN(test_session_instants);
	T_RUN(test_next_prev);
	T_RUN(test_sessions_range);
	T_RUN(test_range);
	T_RUN(test_classify);
	T_RUN(test_data_all_stocks_5yr);
	T_RUN(test_data_alphavantage);
	T_RUN(test_data_yahoo_csv);
	T_RUN(test_data_yahoo_chart);
	return t_done();
}
