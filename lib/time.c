/*
 * time.c - civil dates, RFC 3339 and zone conversion through libc tzdata.
 *
 * Civil-date arithmetic follows Howard Hinnant's days_from_civil and
 * civil_from_days algorithms ("chrono-Compatible Low-Level Date
 * Algorithms"); that is the Gregorian calendar, not a zone rule.  All zone
 * rules come from tzdata via mktime(3)/localtime_r(3) with TZ set.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mdx_time.h"

int32_t
mdx_days_from_civil(int y, int m, int d)
{
	long yy = y - (m <= 2);
	long era = (yy >= 0 ? yy : yy - 399) / 400;
	long yoe = yy - era * 400;
	long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return (int32_t)(era * 146097 + doe - 719468);
}

void
mdx_civil_from_days(int32_t day, int *y, int *m, int *d)
{
	long z = (long)day + 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long yy = yoe + era * 400;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	long dd = doy - (153 * mp + 2) / 5 + 1;
	long mm = mp < 10 ? mp + 3 : mp - 9;

	if (y)
		*y = (int)(yy + (mm <= 2));
	if (m)
		*m = (int)mm;
	if (d)
		*d = (int)dd;
}

int
mdx_weekday(int32_t day)
{
	long w = ((long)day + 4) % 7; /* 1970-01-01 was a Thursday */

	return (int)(w < 0 ? w + 7 : w);
}

static int
days_in_month(int y, int m)
{
	static const int dm[] = {31, 28, 31, 30, 31, 30,
				 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 ? 28 + leap : dm[m - 1];
}

/* n decimal digits at s into *v; returns 0 or -1 */
static int
digits(const char *s, int n, int *v)
{
	int x = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		x = x * 10 + (s[i] - '0');
	}
	*v = x;
	return 0;
}

static int
ymd_parse(const char *s, int *y, int *m, int *d)
{
	if (digits(s, 4, y) || s[4] != '-' || digits(s + 5, 2, m) ||
	    s[7] != '-' || digits(s + 8, 2, d))
		return -1;
	if (*m < 1 || *m > 12 || *d < 1 || *d > days_in_month(*y, *m))
		return -1;
	return 0;
}

int
mdx_date_parse(const char *s, int32_t *day, struct mdx_err *e)
{
	int y, m, d;

	if (s == NULL || strlen(s) != 10 || ymd_parse(s, &y, &m, &d))
		return mdx_err_set(e, MDX_EINPUT,
				   "'%.40s' is not a date (YYYY-MM-DD)",
				   s ? s : "");
	*day = mdx_days_from_civil(y, m, d);
	return 0;
}

/* n digits of v at p, zero-padded (a hot path: no printf) */
static void
put_digits(char *p, int v, int n)
{
	while (n-- > 0) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

char *
mdx_date_format(int32_t day, char *buf)
{
	int y, m, d;

	mdx_civil_from_days(day, &y, &m, &d);
	if (y < 0 || y > 9999)
		y = y < 0 ? 0 : 9999;
	put_digits(buf, y, 4);
	buf[4] = '-';
	put_digits(buf + 5, m, 2);
	buf[7] = '-';
	put_digits(buf + 8, d, 2);
	buf[10] = '\0';
	return buf;
}

char *
mdx_rfc3339_format(int64_t ms, char *buf)
{
	int64_t day = ms >= 0 ? ms / MDX_MS_PER_DAY
			      : -((-ms + MDX_MS_PER_DAY - 1) / MDX_MS_PER_DAY);
	int64_t rem = ms - day * MDX_MS_PER_DAY;
	int y, m, d;
	int h = (int)(rem / 3600000), mi = (int)(rem / 60000 % 60);
	int s = (int)(rem / 1000 % 60), frac = (int)(rem % 1000);

	mdx_civil_from_days((int32_t)day, &y, &m, &d);
	mdx_date_format((int32_t)day, buf);
	buf[10] = 'T';
	put_digits(buf + 11, h, 2);
	buf[13] = ':';
	put_digits(buf + 14, mi, 2);
	buf[16] = ':';
	put_digits(buf + 17, s, 2);
	if (frac) {
		buf[19] = '.';
		put_digits(buf + 20, frac, 3);
		buf[23] = 'Z';
		buf[24] = '\0';
	} else {
		buf[19] = 'Z';
		buf[20] = '\0';
	}
	(void)y;
	(void)m;
	(void)d;
	return buf;
}

int
mdx_rfc3339_parse(const char *s, int64_t *ms, struct mdx_err *e)
{
	int y, m, d, h, mi, sec, off = 0, frac = 0;
	const char *p;

	if (s == NULL || strlen(s) < 20 || ymd_parse(s, &y, &m, &d) ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) ||
	    s[16] != ':' || digits(s + 17, 2, &sec) || h > 23 || mi > 59 ||
	    sec > 60)
		goto bad;
	p = s + 19;
	if (*p == '.') {
		int n = 0;

		p++;
		while (*p >= '0' && *p <= '9') {
			if (n < 3)
				frac = frac * 10 + (*p - '0');
			n++;
			p++;
		}
		if (n == 0)
			goto bad;
		for (; n < 3; n++)
			frac *= 10;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om;

		if (digits(p + 1, 2, &oh) || p[3] != ':' ||
		    digits(p + 4, 2, &om) || oh > 23 || om > 59)
			goto bad;
		off = (oh * 60 + om) * 60 * (*p == '-' ? -1 : 1);
		p += 6;
	} else {
		goto bad;
	}
	if (*p != '\0')
		goto bad;
	if (sec == 60)
		sec = 59; /* a leap second: POSIX time has none */
	*ms = ((int64_t)mdx_days_from_civil(y, m, d) * 86400 + h * 3600 +
	       mi * 60 + sec - off) *
		      1000 +
	      frac;
	if (*ms < MDX_MS_MIN || *ms > MDX_MS_MAX)
		return mdx_err_set(e, MDX_EINPUT,
				   "'%.40s' is outside years 0000..9999 in UTC",
				   s);
	return 0;
bad:
	return mdx_err_set(e, MDX_EINPUT, "'%.40s' is not an RFC 3339 instant",
			   s ? s : "");
}

int
mdx_ms_from_secs(double secs, int64_t *ms)
{
	if (!(secs >= (double)(MDX_MS_MIN / 1000) &&
	      secs < (double)(MDX_MS_MAX / 1000 + 1)))
		return -1; /* NaN and infinities too */
	*ms = (int64_t)secs * 1000;
	return 0;
}

int
mdx_ms_from_double(double v, int64_t *ms)
{
	if (!(v >= (double)MDX_MS_MIN && v <= (double)MDX_MS_MAX) ||
	    v != floor(v))
		return -1;
	*ms = (int64_t)v;
	return 0;
}

int
mdx_when_parse(const char *s, int64_t *ms, int *is_date, struct mdx_err *e)
{
	int32_t day;

	if (s != NULL && strlen(s) == 10) {
		if (mdx_date_parse(s, &day, e))
			return -1;
		*ms = (int64_t)day * MDX_MS_PER_DAY;
		if (is_date)
			*is_date = 1;
		return 0;
	}
	if (is_date)
		*is_date = 0;
	return mdx_rfc3339_parse(s, ms, e);
}

/*
 * Zone switching.  glibc keeps one process-wide zone, chosen by TZ; we set
 * TZ only when the zone asked for differs from the one in force.
 */
static pthread_mutex_t tz_lock = PTHREAD_MUTEX_INITIALIZER;
static char tz_current[128];

static pthread_mutex_t valid_lock = PTHREAD_MUTEX_INITIALIZER;
static char valid_last[128]; /* the last zone found valid */

int
mdx_tz_valid(const char *zone)
{
	const char *dir = getenv("TZDIR");
	char path[512];
	int ok;

	if (zone == NULL || *zone == '\0' || strlen(zone) > 100 ||
	    zone[0] == '/' || strstr(zone, "..") != NULL)
		return 0;
	for (const char *p = zone; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || *p == '/' || *p == '_' ||
		      *p == '-' || *p == '+'))
			return 0;
	pthread_mutex_lock(&valid_lock);
	ok = strcmp(zone, valid_last) == 0;
	pthread_mutex_unlock(&valid_lock);
	if (ok)
		return 1;
	snprintf(path, sizeof(path), "%s/%s",
		 dir && *dir ? dir : "/usr/share/zoneinfo", zone);
	if (access(path, R_OK) != 0)
		return 0;
	pthread_mutex_lock(&valid_lock);
	snprintf(valid_last, sizeof(valid_last), "%s", zone);
	pthread_mutex_unlock(&valid_lock);
	return 1;
}

/* with tz_lock held: make zone the process zone */
static int
tz_use(const char *zone, struct mdx_err *e)
{
	char val[136];

	if (strcmp(zone, tz_current) == 0)
		return 0;
	if (!mdx_tz_valid(zone))
		return mdx_err_field(e, MDX_EINPUT, "tz",
				     "unknown time zone '%.64s'", zone);
	snprintf(val, sizeof(val), ":%s", zone);
	if (setenv("TZ", val, 1) != 0)
		return mdx_err_set(e, MDX_ENOMEM, "setenv: %s",
				   strerror(errno));
	tzset();
	snprintf(tz_current, sizeof(tz_current), "%s", zone);
	return 0;
}

/* with tz_lock held: mktime of the wall time with the given isdst hint */
static time_t
tz_mktime(int y, int m, int d, int h, int mi, int s, int isdst, struct tm *out)
{
	struct tm tm = {0};

	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	tm.tm_isdst = isdst;
	time_t t = mktime(&tm);
	*out = tm;
	return t;
}

int
mdx_tz_local_to_utc(const char *zone, int y, int m, int d, int h, int mi, int s,
		    enum mdx_tz_fold fold, int64_t *ms, struct mdx_err *e)
{
	struct tm a, b, chk;
	time_t ta, tb, t;
	int ret = -1;

	if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m) || h < 0 ||
	    h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59)
		return mdx_err_set(e, MDX_EINPUT,
				   "%04d-%02d-%02d %02d:%02d:%02d is not a "
				   "valid wall time",
				   y, m, d, h, mi, s);
	pthread_mutex_lock(&tz_lock);
	if (tz_use(zone, e))
		goto out;
	/*
	 * Ask for the wall time under both DST flags.  Where both give back the
	 * same wall time at different instants the time occurs twice; where
	 * neither gives it back the zone skipped it.
	 */
	ta = tz_mktime(y, m, d, h, mi, s, 1, &a);
	tb = tz_mktime(y, m, d, h, mi, s, 0, &b);
	int oka = ta != (time_t)-1 && a.tm_hour == h && a.tm_min == mi &&
		  a.tm_mday == d && a.tm_isdst > 0;
	int okb = tb != (time_t)-1 && b.tm_hour == h && b.tm_min == mi &&
		  b.tm_mday == d && b.tm_isdst == 0;
	if (oka && okb && ta != tb)
		t = fold == MDX_FOLD_EARLIER ? (ta < tb ? ta : tb)
					     : (ta < tb ? tb : ta);
	else if (oka)
		t = ta;
	else if (okb)
		t = tb;
	else {
		/* neither flag round-trips: the zone may use other flags
		 * (no DST at all, or a standard-offset change); try -1 */
		t = tz_mktime(y, m, d, h, mi, s, -1, &chk);
		if (t == (time_t)-1 || chk.tm_hour != h || chk.tm_min != mi ||
		    chk.tm_mday != d) {
			mdx_err_set(e, MDX_EINPUT,
				    "nonexistent local time %04d-%02d-%02d "
				    "%02d:%02d:%02d in %s (skipped by a clock "
				    "change)",
				    y, m, d, h, mi, s, zone);
			goto out;
		}
	}
	*ms = (int64_t)t * 1000;
	ret = 0;
out:
	pthread_mutex_unlock(&tz_lock);
	return ret;
}

/*
 * Caches of what tzdata said, under tz_lock.  Offsets are cached per zone
 * and 15-minute span of UTC: every transition in tzdata since 1900 falls on
 * a quarter hour of UTC, so the offset is constant within such a span.
 * Day starts are cached per zone and local date.
 */
#define OFF_SPAN_MS (15 * 60 * 1000LL)
#define CACHE_SIZE 8192

struct off_slot {
	char zone[64];
	int64_t span; /* ms / OFF_SPAN_MS (floored) */
	long off;     /* seconds east of UTC */
	int used;
};

struct day_slot {
	char zone[64];
	int32_t day;
	int64_t start; /* epoch ms of the local day's first instant */
	int used;
};

static struct off_slot off_cache[CACHE_SIZE];
static struct day_slot day_cache[CACHE_SIZE];

static size_t
cache_hash(const char *zone, int64_t k)
{
	uint64_t h = 1469598103934665603ULL;

	for (const char *p = zone; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	h ^= (uint64_t)k * 0x9e3779b97f4a7c15ULL;
	h ^= h >> 29;
	return (size_t)(h % CACHE_SIZE);
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a >= 0 ? a / b : -((-a + b - 1) / b);
}

int
mdx_tz_utc_to_local(const char *zone, int64_t ms, int32_t *day, int *sec,
		    long *utcoff, struct mdx_err *e)
{
	int64_t span = floor_div(ms, OFF_SPAN_MS), local;
	time_t t = (time_t)floor_div(ms, 1000);
	struct off_slot *slot;
	struct tm tm;
	long off;
	int ret = -1;

	if (strlen(zone) >= sizeof(slot->zone))
		return mdx_err_field(e, MDX_EINPUT, "tz",
				     "time zone name too long");
	if (ms < MDX_MS_MIN || ms > MDX_MS_MAX)
		return mdx_err_set(e, MDX_EINPUT,
				   "instant %lld ms outside years 0000..9999",
				   (long long)ms);
	pthread_mutex_lock(&tz_lock);
	slot = &off_cache[cache_hash(zone, span)];
	if (slot->used && slot->span == span && strcmp(slot->zone, zone) == 0) {
		off = slot->off;
	} else {
		if (tz_use(zone, e))
			goto out;
		if (localtime_r(&t, &tm) == NULL) {
			mdx_err_set(e, MDX_EINPUT,
				    "instant %lld ms out of range",
				    (long long)ms);
			goto out;
		}
		off = tm.tm_gmtoff;
		snprintf(slot->zone, sizeof(slot->zone), "%s", zone);
		slot->span = span;
		slot->off = off;
		slot->used = 1;
	}
	local = floor_div(ms, 1000) + off;
	if (floor_div(local, 86400) < MDX_DAY_MIN ||
	    floor_div(local, 86400) > MDX_DAY_MAX) {
		mdx_err_set(e, MDX_EINPUT,
			    "instant %lld ms is outside years 0000..9999 in %s",
			    (long long)ms, zone);
		goto out;
	}
	if (day)
		*day = (int32_t)floor_div(local, 86400);
	if (sec)
		*sec = (int)(local - floor_div(local, 86400) * 86400);
	if (utcoff)
		*utcoff = off;
	ret = 0;
out:
	pthread_mutex_unlock(&tz_lock);
	return ret;
}

static int tz_day_start(const char *zone, int32_t day, int64_t *ms,
			struct mdx_err *e);

int
mdx_tz_day_start(const char *zone, int32_t day, int64_t *ms, struct mdx_err *e)
{
	struct day_slot *slot;
	int hit;

	if (strlen(zone) >= sizeof(slot->zone))
		return mdx_err_field(e, MDX_EINPUT, "tz",
				     "time zone name too long");
	pthread_mutex_lock(&tz_lock);
	slot = &day_cache[cache_hash(zone, day)];
	hit = slot->used && slot->day == day && strcmp(slot->zone, zone) == 0;
	if (hit)
		*ms = slot->start;
	pthread_mutex_unlock(&tz_lock);
	if (hit)
		return 0;
	if (tz_day_start(zone, day, ms, e))
		return -1;
	pthread_mutex_lock(&tz_lock);
	snprintf(slot->zone, sizeof(slot->zone), "%s", zone);
	slot->day = day;
	slot->start = *ms;
	slot->used = 1;
	pthread_mutex_unlock(&tz_lock);
	return 0;
}

static int
tz_day_start(const char *zone, int32_t day, int64_t *ms, struct mdx_err *e)
{
	int y, m, d;
	struct mdx_err tmp;

	mdx_civil_from_days(day, &y, &m, &d);
	if (mdx_tz_local_to_utc(zone, y, m, d, 0, 0, 0, MDX_FOLD_EARLIER, ms,
				&tmp) == 0)
		return 0;
	if (tmp.code != MDX_EINPUT || strstr(tmp.text, "nonexistent") == NULL) {
		if (e)
			*e = tmp;
		return -1;
	}
	/* midnight skipped (e.g. America/Santiago): the day starts at 01:00 */
	return mdx_tz_local_to_utc(zone, y, m, d, 1, 0, 0, MDX_FOLD_EARLIER, ms,
				   e);
}

int64_t
mdx_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
mdx_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
mdx_duration_parse(const char *s, int64_t *ms, struct mdx_err *e)
{
	static const struct {
		const char *unit;
		double ms;
	} units[] = {{"", 1000},   {"ms", 1},	   {"s", 1000},	  {"sec", 1000},
		     {"m", 60000}, {"min", 60000}, {"h", 3600000}};
	size_t n = strspn(s, "0123456789.");
	char *end = NULL;
	double v;

	/* digits and a point only: no sign, blank, exponent, hex, inf */
	errno = 0;
	v = n > 0 ? strtod(s, &end) : -1;
	if (n > 0 && errno == 0 && end == s + n && isfinite(v) && v >= 0)
		for (size_t i = 0; i < sizeof(units) / sizeof(*units); i++)
			if (strcmp(end, units[i].unit) == 0 &&
			    v * units[i].ms <= 30.0 * 86400000) {
				*ms = (int64_t)llround(v * units[i].ms);
				return 0;
			}
	return mdx_err_set(e, MDX_EUSAGE,
			   "'%.32s' is not a duration such as 500ms, 30s, 1m "
			   "or 2h (at most 30 days)",
			   s);
}
