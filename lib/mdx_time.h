/*
 * mdx_time.h - dates, instants and time zones.
 *
 * Units: an instant is int64_t epoch milliseconds UTC ("ms"); a date is
 * int32_t days since 1970-01-01 ("day", proleptic Gregorian).  Zone rules
 * come from the system's tzdata through libc (TZ=":Zone" with mktime(3) and
 * localtime_r(3)); nothing here encodes a DST rule.  The zone functions
 * serialise on one mutex, so they are safe to call from several threads.
 */
#ifndef MDX_TIME_H
#define MDX_TIME_H

#include <stdint.h>

#include "mdx_err.h"

#define MDX_MS_PER_DAY 86400000LL
#define MDX_DATE_LEN 11	   /* "YYYY-MM-DD" and NUL */
#define MDX_RFC3339_LEN 32 /* "YYYY-MM-DDTHH:MM:SS.mmmZ" and NUL, padded */

/*
 * The instants that RFC 3339 and "YYYY-MM-DD" can write back exactly:
 * years 0000 to 9999 (RFC 3339 section 5.6, date-fullyear is 4 digits).
 */
#define MDX_MS_MIN (-62167219200000LL) /* 0000-01-01T00:00:00Z */
#define MDX_MS_MAX 253402300799999LL   /* 9999-12-31T23:59:59.999Z */
#define MDX_DAY_MIN (-719528)	       /* 0000-01-01 */
#define MDX_DAY_MAX 2932896	       /* 9999-12-31 */

/*
 * Epoch seconds as a provider gives them (a JSON number: Yahoo's
 * "timestamp", a dividend's "date") into epoch ms, the fraction dropped.
 * Returns 0, or -1 when secs is not finite or the instant is outside
 * MDX_MS_MIN..MDX_MS_MAX (it could not be written back): never a wrapped
 * value.
 */
int mdx_ms_from_secs(double secs, int64_t *ms);

/*
 * Epoch ms given as a JSON number (Polygon's "t") into *ms: 0, or -1 when
 * v is not whole or outside MDX_MS_MIN..MDX_MS_MAX.
 */
int mdx_ms_from_double(double v, int64_t *ms);

/* Days since 1970-01-01 of the civil date y-m-d (m 1..12, d 1..31). */
int32_t mdx_days_from_civil(int y, int m, int d);

/* The civil date of day: year, month 1..12, day 1..31 (any pointer NULL). */
void mdx_civil_from_days(int32_t day, int *y, int *m, int *d);

/* Day of the week of day: 0 Sunday .. 6 Saturday. */
int mdx_weekday(int32_t day);

/*
 * Parse "YYYY-MM-DD" (exactly; the date must exist) into *day.
 * Returns 0, or -1 with e set (MDX_EINPUT).
 */
int mdx_date_parse(const char *s, int32_t *day, struct mdx_err *e);

/*
 * Write day as "YYYY-MM-DD" into buf (MDX_DATE_LEN bytes); returns buf.
 * Only days MDX_DAY_MIN..MDX_DAY_MAX are written exactly (the parsers never
 * give others); the year of any other is clamped to 0000 or 9999.
 */
char *mdx_date_format(int32_t day, char *buf);

/*
 * Write ms as RFC 3339 UTC, "2023-01-03T05:00:00Z", with ".mmm" only when
 * the milliseconds are not zero, into buf (MDX_RFC3339_LEN bytes).
 */
char *mdx_rfc3339_format(int64_t ms, char *buf);

/*
 * Parse an RFC 3339 instant ("2023-01-03T05:00:00Z", fraction and
 * "+hh:mm" offsets allowed, 'T' or ' ') into epoch ms.  Returns 0 or -1.
 * An instant whose UTC date falls outside years 0000..9999
 * ("9999-12-31T23:00:00-05:00") is an error: it could not be written back.
 */
int mdx_rfc3339_parse(const char *s, int64_t *ms, struct mdx_err *e);

/*
 * Parse a date or an instant given on a command line or in a CSV cell:
 * "YYYY-MM-DD" gives 00:00 UTC of that day with *is_date set to 1, an RFC
 * 3339 instant gives itself with *is_date 0.  is_date may be NULL.
 */
int mdx_when_parse(const char *s, int64_t *ms, int *is_date, struct mdx_err *e);

/*
 * Is zone a usable IANA zone name ("America/New_York", "UTC")?  It must be
 * present in the tzdata directory ($TZDIR or /usr/share/zoneinfo); glibc
 * would silently use UTC for an unknown name.  Returns 1 or 0.
 */
int mdx_tz_valid(const char *zone);

/* What mdx_tz_local_to_utc does with a wall time that occurs twice. */
enum mdx_tz_fold {
	MDX_FOLD_EARLIER = 0, /* the first occurrence (still daylight time) */
	MDX_FOLD_LATER = 1,   /* the second occurrence (standard time) */
};

/*
 * The UTC instant of the wall-clock time y-m-d h:mi:s in zone.  A wall time
 * that the zone skips (the spring-forward gap) is an error (MDX_EINPUT,
 * "nonexistent local time"); one that occurs twice (the fall-back hour) is
 * resolved by fold.  Returns 0 with *ms set, or -1 with e set.
 */
int mdx_tz_local_to_utc(const char *zone, int y, int m, int d, int h, int mi,
			int s, enum mdx_tz_fold fold, int64_t *ms,
			struct mdx_err *e);

/*
 * The wall-clock time of the instant ms in zone: *day (days since epoch of
 * the local date) and *sec (seconds since local midnight, 0..86399); *utcoff
 * the zone's offset from UTC in seconds.  Any output pointer may be NULL.
 * Returns 0, or -1 with e set (MDX_EINPUT): also when ms is outside
 * MDX_MS_MIN..MDX_MS_MAX or its local date outside years 0000..9999.
 */
int mdx_tz_utc_to_local(const char *zone, int64_t ms, int32_t *day, int *sec,
			long *utcoff, struct mdx_err *e);

/*
 * 00:00 of the local date day in zone, as an instant (the start of the day;
 * where a zone skips midnight, the first instant of the day).
 */
int mdx_tz_day_start(const char *zone, int32_t day, int64_t *ms,
		     struct mdx_err *e);

/* Now, epoch ms UTC (CLOCK_REALTIME). */
int64_t mdx_now_ms(void);

/* A monotonic clock in ms, for durations and rate limits. */
int64_t mdx_mono_ms(void);

/*
 * Parse a duration given on a command line: a number (decimals allowed)
 * and a unit, "500ms", "30s", "1.5s", "1m" (or "min"), "2h"; a bare number
 * is seconds.  Returns 0 with *ms set (rounded to the nearest ms; at most
 * 30 days), or -1 with e set (MDX_EUSAGE; the text names what is
 * accepted).
 */
int mdx_duration_parse(const char *s, int64_t *ms, struct mdx_err *e);

#endif
