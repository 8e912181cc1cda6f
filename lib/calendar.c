/*
 * calendar.c - the NYSE trading calendar, computed from rules.
 *
 * Each date from MDX_CAL_FIRST_YEAR to MDX_CAL_LAST_YEAR gets one "kind"
 * (a session, a weekend, a holiday, a one-off closing or a special session)
 * in a table built once under pthread_once(3); the lookups are O(1).  The
 * kinds carry the hours, so no hour is typed anywhere else.
 *
 * Holidays: NYSE Rule 7.2 ("Holidays") names New Year's Day, Martin Luther
 * King, Jr. Day, Washington's Birthday, Good Friday, Memorial Day,
 * Juneteenth National Independence Day, Independence Day, Labor Day,
 * Thanksgiving Day and Christmas Day, and says: when a holiday falls on a
 * Saturday the Exchange is closed the Friday before, and on a Sunday the
 * Monday after, "unless unusual business conditions exist, such as the
 * ending of a monthly or the yearly accounting period".  That clause is why
 * a Saturday New Year's Day is not observed: Friday December 31 is the end
 * of the yearly accounting period and NYSE trades (1999-12-31, 2004-12-31,
 * 2010-12-31, 2021-12-31; next 2027-12-31).  The dates:
 *   New Year's Day       January 1; Sunday -> Monday; Saturday: none
 *   Martin Luther King   third Monday of January, from 1998 (NYSE first
 *                        closed for it on 1998-01-19)
 *   Washington's Birth.  third Monday of February (Monday rule since 1971)
 *   Good Friday          two days before Western Easter, by the anonymous
 *                        Gregorian computus (Meeus/Jones/Butcher)
 *   Memorial Day         last Monday of May
 *   Juneteenth           June 19, Sat -> Friday, Sun -> Monday, from 2022
 *                        (Rule 7.2 amended in 2021 for 2022 onward;
 *                        first closed Monday 2022-06-20)
 *   Independence Day     July 4, Sat -> Friday, Sun -> Monday
 *   Labor Day            first Monday of September
 *   Thanksgiving Day     fourth Thursday of November
 *   Christmas Day        December 25, Sat -> Friday, Sun -> Monday
 *
 * Early closes (13:00 New York), as NYSE's "Holidays & Trading Hours" page
 * and its yearly press releases ("NYSE Group Announces ... Holiday and
 * Early Closings Calendar") announce them, and, for the years before
 * those, NYSE's history of closings (the "NYSE closings" document,
 * nyse.com/pdfs/closings.pdf; its dates are also collected in the
 * pandas_market_calendars project's NYSE calendar):
 *   July 3               when a Monday, Tuesday or Thursday, from 1995;
 *                        when a Wednesday, from 2013 (2013-07-03 was the
 *                        first; before, Wednesday July 3 was a full day)
 *   July 5               when a Friday, 1996 to 2012 (1996-07-05 and
 *                        2002-07-05 closed at 13:00; 2013-07-05 and later
 *                        Fridays after a Thursday July 4 are full days)
 *   day after Thanksgiving  from 1992 (none in 1990 and 1991)
 *   Christmas Eve        December 24 when Monday to Thursday
 * In 1990-1992 the early close was at 14:00 (Christmas Eve 1990, 1991, 1992
 * and the day after Thanksgiving 1992); from 1993 it is 13:00.  Where the
 * rule list we were given (13:00 throughout, all four rules in every year)
 * disagrees with that history, the history wins.
 *
 * One-off closings since 1990, and special sessions that no rule makes,
 * are in cal_oneoffs[] with the event each one marks.  Recorded daily bars
 * (tests/unit/test_calendar.c, with ../shared/data) confirm every session
 * from 1999-11-01 to 2023-08-11, e.g. that 1999-12-24 was closed (Christmas
 * observed) and 1999-12-31 open.
 *
 * Not modelled: hours changed on the day itself by weather, power or
 * systems failures, market-wide circuit breakers or moments of silence
 * (e.g. 1994-02-11 snow, close 14:30; 1996-01-08 blizzard, 11:00-14:00;
 * 1997-10-27 circuit breaker, close 15:30; 2005-06-01 systems, close
 * 15:56): those are not a calendar.
 *
 * 1999-12-31 closed at 13:00: the NYSE board approved, on 1999-04-06, a
 * proposal to close the market at 1:00 p.m. on December 31, 1999, to
 * prepare for the change to 2000 (NYSE press release "The New York Stock
 * Exchange Defers Off-Hours Trading Until Second Half 2000", 1999-04-06;
 * reported as carried out, e.g. Benzinga "This Day In Market History: NYSE
 * Braces For Potential Y2K Chaos").  exchange_calendars' XNYS has it;
 * NYSE's closings history and pandas_market_calendars, which follows that
 * document, leave it out ("disputed"), but the board's decision is the
 * primary record, so it is in cal_oneoffs[].
 *
 * Extended hours (the phases): pre-market 04:00 to the open and
 * post-market the close to 20:00, as NYSE Arca and Nasdaq run them.  On an
 * early close day post-market ends at 17:00: NYSE Arca's late trading
 * session and Nasdaq's post-market end at 17:00 on those days (recorded
 * extended-hours bars for 2020-11-27 end at 17:00).  The phases are applied
 * to every session in the range, also to years before these sessions
 * existed.
 */
#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "mdx_calendar.h"
#include "mdx_time.h"

/* Minutes after New York midnight. */
#define CAL_PRE 240    /* 04:00 pre-market starts */
#define CAL_OPEN 570   /* 09:30 regular open */
#define CAL_CLOSE 960  /* 16:00 regular close */
#define CAL_EARLY 780  /* 13:00 early close, from 1993 */
#define CAL_EARLY2 840 /* 14:00 early close, 1990-1992 */
#define CAL_POST 1200  /* 20:00 post-market ends */
#define CAL_POSTE 1020 /* 17:00 post-market ends on an early close day */
#define CAL_SHUT (-1)  /* open: no session */

enum cal_kind {
	K_SESSION,
	K_WEEKEND,
	/* holidays, NYSE Rule 7.2 */
	K_NEW_YEAR,
	K_NEW_YEAR_OBS,
	K_MLK,
	K_WASHINGTON,
	K_GOOD_FRIDAY,
	K_MEMORIAL,
	K_JUNETEENTH,
	K_JUNETEENTH_OBS,
	K_INDEPENDENCE,
	K_INDEPENDENCE_OBS,
	K_LABOR,
	K_THANKSGIVING,
	K_CHRISTMAS,
	K_CHRISTMAS_OBS,
	/* one-off closings */
	K_NIXON,
	K_SEPT11,
	K_REAGAN,
	K_FORD,
	K_SANDY,
	K_BUSH,
	K_CARTER,
	/* special sessions */
	K_JULY3,
	K_JULY5,
	K_THANKS_FRI,
	K_THANKS_FRI_1992,
	K_XMAS_EVE,
	K_XMAS_EVE_1992,
	K_XMAS_AFTER,
	K_Y2K_EVE,
	K_SEPT11_2002,
	K_COUNT
};

struct cal_kind_info {
	const char *name; /* holiday, closing or reason for the hours */
	short open;	  /* minutes after midnight, or CAL_SHUT */
	short close;	  /* regular close, minutes after midnight */
	short post;	  /* end of post-market, minutes after midnight */
};

static const struct cal_kind_info cal_kinds[K_COUNT] = {
	[K_SESSION] = {NULL, CAL_OPEN, CAL_CLOSE, CAL_POST},
	[K_WEEKEND] = {NULL, CAL_SHUT, 0, 0},
	[K_NEW_YEAR] = {"New Year's Day", CAL_SHUT, 0, 0},
	[K_NEW_YEAR_OBS] = {"New Year's Day (observed)", CAL_SHUT, 0, 0},
	[K_MLK] = {"Martin Luther King, Jr. Day", CAL_SHUT, 0, 0},
	[K_WASHINGTON] = {"Washington's Birthday", CAL_SHUT, 0, 0},
	[K_GOOD_FRIDAY] = {"Good Friday", CAL_SHUT, 0, 0},
	[K_MEMORIAL] = {"Memorial Day", CAL_SHUT, 0, 0},
	[K_JUNETEENTH] = {"Juneteenth National Independence Day", CAL_SHUT, 0,
			  0},
	[K_JUNETEENTH_OBS] = {"Juneteenth National Independence Day "
			      "(observed)",
			      CAL_SHUT, 0, 0},
	[K_INDEPENDENCE] = {"Independence Day", CAL_SHUT, 0, 0},
	[K_INDEPENDENCE_OBS] = {"Independence Day (observed)", CAL_SHUT, 0, 0},
	[K_LABOR] = {"Labor Day", CAL_SHUT, 0, 0},
	[K_THANKSGIVING] = {"Thanksgiving Day", CAL_SHUT, 0, 0},
	[K_CHRISTMAS] = {"Christmas Day", CAL_SHUT, 0, 0},
	[K_CHRISTMAS_OBS] = {"Christmas Day (observed)", CAL_SHUT, 0, 0},
	[K_NIXON] = {"National Day of Mourning for Richard Nixon", CAL_SHUT, 0,
		     0},
	[K_SEPT11] = {"September 11 attacks", CAL_SHUT, 0, 0},
	[K_REAGAN] = {"National Day of Mourning for Ronald Reagan", CAL_SHUT, 0,
		      0},
	[K_FORD] = {"National Day of Mourning for Gerald Ford", CAL_SHUT, 0, 0},
	[K_SANDY] = {"Hurricane Sandy", CAL_SHUT, 0, 0},
	[K_BUSH] = {"National Day of Mourning for George H. W. Bush", CAL_SHUT,
		    0, 0},
	[K_CARTER] = {"National Day of Mourning for Jimmy Carter", CAL_SHUT, 0,
		      0},
	[K_JULY3] = {"Day before Independence Day", CAL_OPEN, CAL_EARLY,
		     CAL_POSTE},
	[K_JULY5] = {"Day after Independence Day", CAL_OPEN, CAL_EARLY,
		     CAL_POSTE},
	[K_THANKS_FRI] = {"Day after Thanksgiving", CAL_OPEN, CAL_EARLY,
			  CAL_POSTE},
	[K_THANKS_FRI_1992] = {"Day after Thanksgiving", CAL_OPEN, CAL_EARLY2,
			       CAL_POSTE},
	[K_XMAS_EVE] = {"Christmas Eve", CAL_OPEN, CAL_EARLY, CAL_POSTE},
	[K_XMAS_EVE_1992] = {"Christmas Eve", CAL_OPEN, CAL_EARLY2, CAL_POSTE},
	[K_XMAS_AFTER] = {"Day after Christmas", CAL_OPEN, CAL_EARLY,
			  CAL_POSTE},
	[K_Y2K_EVE] = {"Last session before 2000 (Y2K preparations)", CAL_OPEN,
		       CAL_EARLY, CAL_POSTE},
	[K_SEPT11_2002] = {"Late open at 12:00, anniversary of September 11",
			   720, CAL_CLOSE, CAL_POST},
};

/*
 * One-off closings and special sessions since 1990: events, not rules.
 * Sources: NYSE's history of closings and its press releases for each.
 * 1985-09-27 (Hurricane Gloria) and earlier closings are before the range.
 */
static const struct {
	short y, m, d;
	unsigned char kind;
} cal_oneoffs[] = {
	/* President Clinton proclaimed a national day of mourning for
	 * former President Nixon's funeral; NYSE closed */
	{1994, 4, 27, K_NIXON},
	/* Friday after a Thursday Christmas: 13:00 close in 1997 and 2003
	 * only (2008-12-26, 2014-12-26 and 2025-12-26 were full days) */
	{1997, 12, 26, K_XMAS_AFTER},
	/* the close at 13:00 the NYSE board decided on 1999-04-06 */
	{1999, 12, 31, K_Y2K_EVE},
	/* the attacks on the World Trade Center: closed Tuesday to Friday,
	 * reopened Monday 2001-09-17 */
	{2001, 9, 11, K_SEPT11},
	{2001, 9, 12, K_SEPT11},
	{2001, 9, 13, K_SEPT11},
	{2001, 9, 14, K_SEPT11},
	/* first anniversary of the attacks: trading opened at noon */
	{2002, 9, 11, K_SEPT11_2002},
	{2003, 12, 26, K_XMAS_AFTER},
	/* national day of mourning, former President Reagan */
	{2004, 6, 11, K_REAGAN},
	/* national day of mourning, former President Ford */
	{2007, 1, 2, K_FORD},
	/* Hurricane Sandy: closed Monday and Tuesday */
	{2012, 10, 29, K_SANDY},
	{2012, 10, 30, K_SANDY},
	/* national day of mourning, former President George H. W. Bush */
	{2018, 12, 5, K_BUSH},
	/* national day of mourning, former President Carter */
	{2025, 1, 9, K_CARTER},
};

#define CAL_LEAPS(y) ((y) / 4 - (y) / 100 + (y) / 400)
#define CAL_NDAYS                                                              \
	(365 * (MDX_CAL_LAST_YEAR - MDX_CAL_FIRST_YEAR + 1) +                  \
	 CAL_LEAPS(MDX_CAL_LAST_YEAR) - CAL_LEAPS(MDX_CAL_FIRST_YEAR - 1))
#define CAL_MAXSHUT (16 * (MDX_CAL_LAST_YEAR - MDX_CAL_FIRST_YEAR + 1))

static pthread_once_t cal_once = PTHREAD_ONCE_INIT;
static int32_t cal_first;		 /* day of FIRST_YEAR-01-01 */
static unsigned char cal_day[CAL_NDAYS]; /* enum cal_kind of each day */
static int32_t cal_shut[CAL_MAXSHUT];	 /* weekdays without a session */
static size_t cal_nshut;		 /* entries in cal_shut, sorted */

/* the last few sessions' instants, per thread, for mdx_cal_classify */
static _Thread_local struct {
	int valid;
	struct mdx_cal_session s;
} cal_cache[4];

static int
cal_is_weekend(int32_t day)
{
	int wd = mdx_weekday(day);

	return wd == 0 || wd == 6;
}

static void
cal_set(int32_t day, enum cal_kind k)
{
	if (day >= cal_first && day - cal_first < CAL_NDAYS)
		cal_day[day - cal_first] = (unsigned char)k;
}

/* the n-th (1-based) weekday wd (0 Sunday) of month m in year y */
static int32_t
cal_nth(int y, int m, int wd, int n)
{
	int32_t first = mdx_days_from_civil(y, m, 1);

	return first + (wd - mdx_weekday(first) + 7) % 7 + 7 * (n - 1);
}

/* the last weekday wd of month m (1..11) in year y */
static int32_t
cal_last(int y, int m, int wd)
{
	int32_t last = mdx_days_from_civil(y, m + 1, 1) - 1;

	return last - (mdx_weekday(last) - wd + 7) % 7;
}

/*
 * Western Easter Sunday of year y: the anonymous Gregorian algorithm
 * (Meeus, "Astronomical Algorithms", after Jones 1876 and Butcher 1877).
 */
static int32_t
cal_easter(int y)
{
	int a = y % 19, b = y / 100, c = y % 100;
	int d = b / 4, e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3;
	int h = (19 * a + b - d - g + 15) % 30;
	int i = c / 4, k = c % 4;
	int l = (32 + 2 * e + 2 * i - h - k) % 7;
	int m = (a + 11 * h + 22 * l) / 451;
	int n = h + l - 7 * m + 114;

	return mdx_days_from_civil(y, n / 31, n % 31 + 1);
}

/* a fixed-date holiday, Saturday -> Friday, Sunday -> Monday (Rule 7.2) */
static void
cal_fixed(int y, int m, int d, enum cal_kind k, enum cal_kind obs)
{
	int32_t day = mdx_days_from_civil(y, m, d);
	int wd = mdx_weekday(day);

	if (wd == 6)
		cal_set(day - 1, obs);
	else if (wd == 0)
		cal_set(day + 1, obs);
	else
		cal_set(day, k);
}

static void
cal_year(int y)
{
	int32_t d, thanksgiving = cal_nth(y, 11, 4, 4);
	int wd;

	/* early closes first, so that a holiday on the same date wins */
	d = mdx_days_from_civil(y, 7, 3);
	wd = mdx_weekday(d);
	if ((y >= 1995 && (wd == 1 || wd == 2 || wd == 4)) ||
	    (y >= 2013 && wd == 3))
		cal_set(d, K_JULY3);
	d = mdx_days_from_civil(y, 7, 5);
	if (y >= 1996 && y <= 2012 && mdx_weekday(d) == 5)
		cal_set(d, K_JULY5);
	if (y >= 1992)
		cal_set(thanksgiving + 1,
			y == 1992 ? K_THANKS_FRI_1992 : K_THANKS_FRI);
	d = mdx_days_from_civil(y, 12, 24);
	wd = mdx_weekday(d);
	if (wd >= 1 && wd <= 4)
		cal_set(d, y <= 1992 ? K_XMAS_EVE_1992 : K_XMAS_EVE);

	/* holidays; a Saturday New Year's Day is not observed (Rule 7.2) */
	d = mdx_days_from_civil(y, 1, 1);
	wd = mdx_weekday(d);
	if (wd == 0)
		cal_set(d + 1, K_NEW_YEAR_OBS);
	else if (wd != 6)
		cal_set(d, K_NEW_YEAR);
	if (y >= 1998)
		cal_set(cal_nth(y, 1, 1, 3), K_MLK);
	cal_set(cal_nth(y, 2, 1, 3), K_WASHINGTON);
	cal_set(cal_easter(y) - 2, K_GOOD_FRIDAY);
	cal_set(cal_last(y, 5, 1), K_MEMORIAL);
	if (y >= 2022)
		cal_fixed(y, 6, 19, K_JUNETEENTH, K_JUNETEENTH_OBS);
	cal_fixed(y, 7, 4, K_INDEPENDENCE, K_INDEPENDENCE_OBS);
	cal_set(cal_nth(y, 9, 1, 1), K_LABOR);
	cal_set(thanksgiving, K_THANKSGIVING);
	cal_fixed(y, 12, 25, K_CHRISTMAS, K_CHRISTMAS_OBS);
}

static void
cal_build(void)
{
	cal_first = mdx_days_from_civil(MDX_CAL_FIRST_YEAR, 1, 1);
	for (int32_t i = 0; i < CAL_NDAYS; i++)
		cal_day[i] =
			cal_is_weekend(cal_first + i) ? K_WEEKEND : K_SESSION;
	for (int y = MDX_CAL_FIRST_YEAR; y <= MDX_CAL_LAST_YEAR; y++)
		cal_year(y);
	for (size_t i = 0; i < sizeof(cal_oneoffs) / sizeof(cal_oneoffs[0]);
	     i++)
		cal_set(mdx_days_from_civil(cal_oneoffs[i].y, cal_oneoffs[i].m,
					    cal_oneoffs[i].d),
			cal_oneoffs[i].kind);
	cal_nshut = 0;
	for (int32_t i = 0; i < CAL_NDAYS && cal_nshut < CAL_MAXSHUT; i++)
		if (cal_day[i] != K_WEEKEND &&
		    cal_kinds[cal_day[i]].open == CAL_SHUT)
			cal_shut[cal_nshut++] = cal_first + i;
}

static const struct cal_kind_info *
cal_kind(int32_t day)
{
	pthread_once(&cal_once, cal_build);
	if (day >= cal_first && day - cal_first < CAL_NDAYS)
		return &cal_kinds[cal_day[day - cal_first]];
	return &cal_kinds[cal_is_weekend(day) ? K_WEEKEND : K_SESSION];
}

int
mdx_cal_covers(int32_t day)
{
	pthread_once(&cal_once, cal_build);
	return day >= cal_first && day - cal_first < CAL_NDAYS;
}

int
mdx_cal_is_session(int32_t day)
{
	return cal_kind(day)->open != CAL_SHUT;
}

const char *
mdx_cal_holiday(int32_t day)
{
	const struct cal_kind_info *k = cal_kind(day);

	return k->open == CAL_SHUT ? k->name : NULL;
}

int
mdx_cal_is_early_close(int32_t day)
{
	const struct cal_kind_info *k = cal_kind(day);

	return k->open != CAL_SHUT && k->close < CAL_CLOSE;
}

/* the instant of minute min of the New York date y-m-d */
static int
cal_instant(int y, int m, int d, int min, int64_t *ms, struct mdx_err *e)
{
	return mdx_tz_local_to_utc(MDX_CAL_ZONE, y, m, d, min / 60, min % 60, 0,
				   MDX_FOLD_EARLIER, ms, e);
}

int
mdx_cal_session(int32_t day, struct mdx_cal_session *s, struct mdx_err *e)
{
	const struct cal_kind_info *k = cal_kind(day);
	struct mdx_cal_session t;
	char buf[MDX_DATE_LEN];
	int y, m, d;

	if (k->open == CAL_SHUT)
		return mdx_err_set(e, MDX_EINPUT,
				   "%s is not an NYSE session (%s)",
				   mdx_date_format(day, buf),
				   k->name ? k->name : "weekend");
	mdx_civil_from_days(day, &y, &m, &d);
	if (cal_instant(y, m, d, CAL_PRE, &t.pre_ms, e) ||
	    cal_instant(y, m, d, k->open, &t.open_ms, e) ||
	    cal_instant(y, m, d, k->close, &t.close_ms, e) ||
	    cal_instant(y, m, d, k->post, &t.post_ms, e))
		return -1;
	t.day = day;
	t.early_close = k->close < CAL_CLOSE;
	t.note = k->name;
	*s = t;
	return 0;
}

int32_t
mdx_cal_next_session(int32_t day)
{
	int64_t d = (int64_t)day + 1;

	while (d < INT32_MAX && !mdx_cal_is_session((int32_t)d))
		d++;
	return d > INT32_MAX ? INT32_MAX : (int32_t)d;
}

int32_t
mdx_cal_prev_session(int32_t day)
{
	int64_t d = (int64_t)day - 1;

	while (d > INT32_MIN && !mdx_cal_is_session((int32_t)d))
		d--;
	return d < INT32_MIN ? INT32_MIN : (int32_t)d;
}

/* Monday to Friday dates in [-3, n) relative to Monday 1969-12-29 (day -3),
 * as a difference that is right for any n: weekdays in [a, b) is
 * cal_weekdays(b) - cal_weekdays(a) */
static int64_t
cal_weekdays(int64_t n)
{
	int64_t t = n + 3; /* days since Monday 1969-12-29 */
	int64_t w = t >= 0 ? t / 7 : -((-t + 6) / 7);
	int64_t r = t - 7 * w;

	return 5 * w + (r < 5 ? r : 5);
}

/* index of the first entry of cal_shut that is >= day */
static size_t
cal_shut_index(int64_t day)
{
	size_t lo = 0, hi = cal_nshut;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cal_shut[mid] < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

size_t
mdx_cal_sessions(int32_t from, int32_t to, int32_t *out, size_t cap)
{
	int64_t n;
	size_t i = 0;

	if (from > to)
		return 0;
	pthread_once(&cal_once, cal_build);
	n = cal_weekdays((int64_t)to + 1) - cal_weekdays(from) -
	    (int64_t)(cal_shut_index((int64_t)to + 1) - cal_shut_index(from));
	for (int64_t d = from; d <= to && i < cap && (int64_t)i < n; d++)
		if (mdx_cal_is_session((int32_t)d))
			out[i++] = (int32_t)d;
	return (size_t)n;
}

/* the session on day (a session) from this thread's cache, else computed */
static const struct mdx_cal_session *
cal_cached(int32_t day, struct mdx_err *e)
{
	unsigned slot = (unsigned)day & 3u;

	if (!cal_cache[slot].valid || cal_cache[slot].s.day != day) {
		cal_cache[slot].valid = 0;
		if (mdx_cal_session(day, &cal_cache[slot].s, e))
			return NULL;
		cal_cache[slot].valid = 1;
	}
	return &cal_cache[slot].s;
}

int
mdx_cal_classify(int64_t ms, enum mdx_cal_phase *phase, int32_t *day,
		 struct mdx_err *e)
{
	int64_t u = ms >= 0 ? ms / MDX_MS_PER_DAY
			    : -((-(ms + 1)) / MDX_MS_PER_DAY) - 1;
	static const int order[] = {0, -1, 1};

	*phase = MDX_CAL_CLOSED;
	if (u <= (int64_t)INT32_MIN + 1 || u >= (int64_t)INT32_MAX - 1)
		return mdx_err_set(e, MDX_EINPUT,
				   "instant %lld ms is out of the calendar's "
				   "range",
				   (long long)ms);
	/*
	 * The New York date of ms is the UTC date or a neighbour.  The
	 * windows [04:00, 20:00) of different dates do not overlap, so at
	 * most one candidate date's window holds ms.
	 */
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		int32_t c = (int32_t)(u + order[i]);
		const struct mdx_cal_session *s;

		if (!mdx_cal_is_session(c))
			continue;
		if ((s = cal_cached(c, e)) == NULL)
			return -1;
		if (ms < s->pre_ms || ms >= s->post_ms)
			continue;
		*phase = ms < s->open_ms    ? MDX_CAL_PRE
			 : ms < s->close_ms ? MDX_CAL_REGULAR
					    : MDX_CAL_POST;
		if (day)
			*day = c;
		return 0;
	}
	if (day && mdx_tz_utc_to_local(MDX_CAL_ZONE, ms, day, NULL, NULL, e))
		return -1;
	return 0;
}

const char *
mdx_cal_phase_name(enum mdx_cal_phase p)
{
	switch (p) {
	case MDX_CAL_PRE:
		return "pre";
	case MDX_CAL_REGULAR:
		return "regular";
	case MDX_CAL_POST:
		return "post";
	case MDX_CAL_CLOSED:
		break;
	}
	return "closed";
}
