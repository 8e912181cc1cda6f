/*
 * test_core.c - unit tests of lib/time.c, lib/record.c, lib/ndjson.c and
 * lib/cli.c.
 */
#define _XOPEN_SOURCE 700 /* posix_openpt(3) and its kin */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <unistd.h>

#include "mdx_alloc.h"
#include "mdx_cli.h"
#include "mdx_ndjson.h"
#include "mdx_output.h"
#include "mdx_record.h"
#include "mdx_symbol.h"
#include "mdx_time.h"
#include "t.h"

static void
civil_round_trip(void)
{
	char buf[MDX_DATE_LEN];
	int32_t d;

	T_EQ_INT(mdx_days_from_civil(1970, 1, 1), 0);
	T_EQ_INT(mdx_days_from_civil(2000, 3, 1), 11017);
	T_EQ_STR(mdx_date_format(mdx_days_from_civil(2020, 2, 29), buf),
		 "2020-02-29");
	for (d = -800000; d < 800000; d += 37) {
		int y, m, dd;

		mdx_civil_from_days(d, &y, &m, &dd);
		if (mdx_days_from_civil(y, m, dd) != d) {
			T_FAILMSG("day %d does not round-trip", d);
			break;
		}
	}
	T_EQ_INT(mdx_weekday(mdx_days_from_civil(2024, 3, 29)), 5); /* Friday */
}

static void
date_parse(void)
{
	int32_t d;

	T_EQ_INT(mdx_date_parse("2024-02-29", &d, NULL), 0);
	T_EQ_INT(mdx_date_parse("2023-02-29", &d, NULL), -1);
	T_EQ_INT(mdx_date_parse("2023-1-05", &d, NULL), -1);
	T_EQ_INT(mdx_date_parse("2023-01-05x", &d, NULL), -1);
	T_EQ_INT(mdx_date_parse("", &d, NULL), -1);
}

static void
rfc3339(void)
{
	char buf[MDX_RFC3339_LEN];
	int64_t ms;

	T_EQ_STR(mdx_rfc3339_format(1672722000000LL, buf),
		 "2023-01-03T05:00:00Z");
	T_EQ_STR(mdx_rfc3339_format(1672722000123LL, buf),
		 "2023-01-03T05:00:00.123Z");
	T_EQ_STR(mdx_rfc3339_format(-1, buf), "1969-12-31T23:59:59.999Z");
	T_EQ_INT(mdx_rfc3339_parse("2023-01-03T05:00:00Z", &ms, NULL), 0);
	T_EQ_INT(ms, 1672722000000LL);
	T_EQ_INT(mdx_rfc3339_parse("2023-01-03T00:00:00-05:00", &ms, NULL), 0);
	T_EQ_INT(ms, 1672722000000LL);
	T_EQ_INT(mdx_rfc3339_parse("2023-01-03T05:00:00.5Z", &ms, NULL), 0);
	T_EQ_INT(ms, 1672722000500LL);
	T_EQ_INT(mdx_rfc3339_parse("2023-01-03T05:00:00", &ms, NULL), -1);
	T_EQ_INT(mdx_rfc3339_parse("2023-01-03T25:00:00Z", &ms, NULL), -1);
}

/* issue 15: an instant that RFC 3339 cannot write back is refused, not
 * written with its year clamped */
static void
year_range(void)
{
	char buf[MDX_RFC3339_LEN];
	struct mdx_err e;
	int64_t ms;
	int32_t day;

	mdx_err_clear(&e);
	T_EQ_INT(mdx_rfc3339_parse("9999-12-31T23:00:00-05:00", &ms, &e), -1);
	T_OK(strstr(e.text, "outside years 0000..9999") != NULL);
	T_EQ_INT(mdx_rfc3339_parse("0000-01-01T00:00:00+00:01", &ms, NULL), -1);
	T_EQ_INT(mdx_rfc3339_parse("9999-12-31T23:59:59.999Z", &ms, NULL), 0);
	T_EQ_INT(ms, MDX_MS_MAX);
	T_EQ_STR(mdx_rfc3339_format(ms, buf), "9999-12-31T23:59:59.999Z");
	T_EQ_INT(mdx_rfc3339_parse("0000-01-01T00:00:00Z", &ms, NULL), 0);
	T_EQ_INT(ms, MDX_MS_MIN);
	T_EQ_STR(mdx_rfc3339_format(ms, buf), "0000-01-01T00:00:00Z");
	T_EQ_INT(mdx_days_from_civil(0, 1, 1), MDX_DAY_MIN);
	T_EQ_INT(mdx_days_from_civil(9999, 12, 31), MDX_DAY_MAX);
	/* the Gregorian 400-year rule (a survivor of bench/mutate.sh) */
	T_EQ_INT(mdx_date_parse("2000-02-29", &day, NULL), 0);
	T_EQ_INT(day, 11016);
	T_EQ_INT(mdx_date_parse("1900-02-29", &day, NULL), -1);
	T_EQ_INT(mdx_date_parse("2100-02-29", &day, NULL), -1);
	T_EQ_INT(mdx_rfc3339_parse("2000-02-29T14:30:00Z", &ms, NULL), 0);
	T_EQ_INT(ms, 951834600000LL);
	/* in range in UTC, but the local date is 10000-01-01 */
	T_EQ_INT(mdx_tz_utc_to_local("Asia/Tokyo", MDX_MS_MAX - 3600000, &day,
				     NULL, NULL, NULL),
		 -1);
	T_EQ_INT(mdx_tz_utc_to_local("UTC", MDX_MS_MAX + 1, &day, NULL, NULL,
				     NULL),
		 -1);
	/* seconds from a provider: no wrapped product */
	T_EQ_INT(mdx_ms_from_secs(1e16, &ms), -1);
	T_EQ_INT(mdx_ms_from_secs(-1e300, &ms), -1);
	T_EQ_INT(mdx_ms_from_secs(NAN, &ms), -1);
	T_EQ_INT(mdx_ms_from_secs(1612189800, &ms), 0);
	T_EQ_INT(ms, 1612189800000LL);
	T_EQ_INT(mdx_ms_from_secs(1612189800.75, &ms), 0); /* whole seconds */
	T_EQ_INT(ms, 1612189800000LL);
	T_EQ_INT(mdx_ms_from_double(1e30, &ms), -1);
	T_EQ_INT(mdx_ms_from_double(1672722000000.5, &ms), -1);
	T_EQ_INT(mdx_ms_from_double(1672722000000.0, &ms), 0);
	T_EQ_INT(ms, 1672722000000LL);
}

/* --every, --report-every: one duration parser (mdx_time.h) */
static void
durations(void)
{
	static const struct {
		const char *s;
		long long ms; /* -1: refused */
	} t[] = {
		{"500ms", 500},	 {"30s", 30000},
		{"1m", 60000},	 {"1min", 60000},
		{"2h", 7200000}, {"1.5s", 1500},
		{"60", 60000},	 {"0.25", 250},
		{"0s", 0},	 {"30d", -1},
		{"-1s", -1},	 {"+1s", -1},
		{" 1s", -1},	 {"1 s", -1},
		{"1e3ms", -1},	 {"0x10s", -1},
		{"inf", -1},	 {"", -1},
		{"s", -1},	 {"1sec", 1000},
		{"721h", -1},	 {"720h", 2592000000LL},
	};
	struct mdx_err e;
	int64_t ms;

	for (size_t i = 0; i < sizeof(t) / sizeof(*t); i++) {
		int rc = mdx_duration_parse(t[i].s, &ms, &e);

		T_EQ_INT(rc, t[i].ms < 0 ? -1 : 0);
		if (rc == 0)
			T_EQ_INT(ms, t[i].ms);
	}
	T_EQ_INT(mdx_duration_parse("5x", &ms, &e), -1);
	T_EQ_STR(e.text, "'5x' is not a duration such as 500ms, 30s, 1m or "
			 "2h (at most 30 days)");
}

static void
zones(void)
{
	struct mdx_err e;
	int64_t ms;
	int32_t day;
	int sec;
	long off;
	char buf[MDX_RFC3339_LEN];

	mdx_err_clear(&e);
	/* New York: EST then EDT (tzdata) */
	T_EQ_INT(mdx_tz_local_to_utc("America/New_York", 2024, 1, 2, 9, 30, 0,
				     MDX_FOLD_EARLIER, &ms, &e),
		 0);
	T_EQ_STR(mdx_rfc3339_format(ms, buf), "2024-01-02T14:30:00Z");
	T_EQ_INT(mdx_tz_local_to_utc("America/New_York", 2024, 7, 2, 9, 30, 0,
				     MDX_FOLD_EARLIER, &ms, &e),
		 0);
	T_EQ_STR(mdx_rfc3339_format(ms, buf), "2024-07-02T13:30:00Z");
	/* the skipped hour is refused, the repeated one resolved by fold */
	T_EQ_INT(mdx_tz_local_to_utc("America/New_York", 2024, 3, 10, 2, 30, 0,
				     MDX_FOLD_EARLIER, &ms, &e),
		 -1);
	T_OK(strstr(e.text, "nonexistent") != NULL);
	T_EQ_INT(mdx_tz_local_to_utc("America/New_York", 2024, 11, 3, 1, 30, 0,
				     MDX_FOLD_EARLIER, &ms, &e),
		 0);
	T_EQ_STR(mdx_rfc3339_format(ms, buf), "2024-11-03T05:30:00Z");
	T_EQ_INT(mdx_tz_local_to_utc("America/New_York", 2024, 11, 3, 1, 30, 0,
				     MDX_FOLD_LATER, &ms, &e),
		 0);
	T_EQ_STR(mdx_rfc3339_format(ms, buf), "2024-11-03T06:30:00Z");
	/* London and Copenhagen keep their own zone */
	T_EQ_INT(mdx_tz_day_start("Europe/London",
				  mdx_days_from_civil(2020, 7, 1), &ms, &e),
		 0);
	T_EQ_STR(mdx_rfc3339_format(ms, buf), "2020-06-30T23:00:00Z");
	T_EQ_INT(mdx_tz_day_start("Europe/Copenhagen",
				  mdx_days_from_civil(2020, 1, 2), &ms, &e),
		 0);
	T_EQ_STR(mdx_rfc3339_format(ms, buf), "2020-01-01T23:00:00Z");
	/* Yahoo stamps AAPL's 2020-08-31 bar at the 09:30 open, 13:30Z */
	T_EQ_INT(mdx_tz_utc_to_local("America/New_York", 1598880600000LL, &day,
				     &sec, &off, &e),
		 0);
	T_EQ_STR(mdx_date_format(day, buf), "2020-08-31");
	T_EQ_INT(sec, 9 * 3600 + 1800);
	T_EQ_INT(off, -4 * 3600);
	/* cached and uncached answers agree across a whole year of minutes */
	for (int64_t t = 1704067200000LL; t < 1735689600000LL;
	     t += 7 * 60000 + 13) {
		int32_t d1;
		int s1;

		mdx_tz_utc_to_local("America/New_York", t, &d1, &s1, NULL, &e);
		time_t tt = (time_t)(t / 1000);
		struct tm tm;

		setenv("TZ", ":America/New_York", 1);
		tzset();
		localtime_r(&tt, &tm);
		if (d1 != mdx_days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1,
					      tm.tm_mday) ||
		    s1 != tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec) {
			T_FAILMSG("cache disagrees at %lld", (long long)t);
			break;
		}
	}
	T_EQ_INT(mdx_tz_valid("America/New_York"), 1);
	T_EQ_INT(mdx_tz_valid("Mars/Olympus"), 0);
	T_EQ_INT(mdx_tz_valid("../../etc/passwd"), 0);
}

static void
symbols_intervals(void)
{
	T_EQ_INT(mdx_symbol_valid("BRK.B"), 1);
	T_EQ_INT(mdx_symbol_valid("^GSPC"), 1);
	T_EQ_INT(mdx_symbol_valid("EURUSD=X"), 1);
	T_EQ_INT(mdx_symbol_valid("C:EURUSD"), 1);
	T_EQ_INT(mdx_symbol_valid("A'B"), 0);
	T_EQ_INT(mdx_symbol_valid("A B"), 0);
	T_EQ_INT(mdx_symbol_valid("A;B"), 0);
	T_EQ_INT(mdx_symbol_valid(""), 0);
	T_EQ_INT(mdx_symbol_valid("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456"), 0);
	T_EQ_INT(mdx_interval_parse("1wk"), MDX_I1WK);
	T_EQ_INT(mdx_interval_parse("1w"), -1);
	T_EQ_INT(mdx_interval_intraday(MDX_I1H), 1);
	T_EQ_INT(mdx_interval_intraday(MDX_I1D), 0);
	/* every interval of Yahoo's chart API: the name round trip, shortest
	 * first; 60m (Yahoo's other name of 1h) is read as 1h, written 1h */
	{
		static const char *const names[] = {"1m",  "2m",  "5m",	 "15m",
						    "30m", "1h",  "90m", "1d",
						    "5d",  "1wk", "1mo", "3mo"};

		T_EQ_INT((int)(sizeof(names) / sizeof(*names)), MDX_INTERVAL_N);
		for (int i = 0; i < MDX_INTERVAL_N; i++) {
			T_EQ_INT(mdx_interval_parse(names[i]), i);
			T_EQ_STR(mdx_interval_name(i), names[i]);
			T_EQ_INT(mdx_interval_intraday(i), i <= MDX_I90M);
			if (i > 0)
				T_OK(mdx_interval_ms(i) >=
				     mdx_interval_ms(i - 1));
		}
	}
	T_EQ_INT(mdx_interval_parse("60m"), MDX_I1H);
	T_EQ_STR(mdx_interval_name(mdx_interval_parse("60m")), "1h");
	T_EQ_INT(mdx_interval_parse("4h"), -1);
	T_EQ_INT(mdx_interval_parse("3m"), -1);
	T_EQ_INT(mdx_interval_intraday(MDX_I90M), 1);
	T_EQ_INT(mdx_interval_intraday(MDX_I5D), 0);
	T_EQ_INT(mdx_interval_intraday(MDX_I3MO), 0);
	T_EQ_INT(mdx_interval_ms(MDX_I2M), 120000);
	T_EQ_INT(mdx_interval_ms(MDX_I90M), 5400000);
	T_EQ_INT(mdx_interval_ms(MDX_I3MO), 92 * MDX_MS_PER_DAY);
	T_EQ_INT(mdx_interval_ms(MDX_INTERVAL_N), 0);
	T_OK(mdx_interval_name(MDX_INTERVAL_N) == NULL);
}

/* mdx_bar_format must write exactly what jansson writes for the same bar */
static void
format_matches_jansson(void)
{
	static const char *const raw[] = {
		"{\"symbol\":\"AAPL\",\"time\":\"2022-01-03\",\"open\":177."
		"830002,"
		"\"high\":182.880005,\"low\":177.710007,\"close\":182.009995,"
		"\"adj_close\":180.43428,\"volume\":104487900,\"source\":"
		"\"csv\"}",
		"{\"symbol\":\"X\",\"interval\":\"1m\",\"t\":1727875800000,"
		"\"close\":0.00001234,\"high\":1e12,\"low\":0.00001,\"open\":"
		"73.44999694824219,\"vwap\":0.1,\"trades\":7,\"extra\":[1,"
		"\"\\u00e9\"],"
		"\"source\":\"a\\\"b\\\\c\\u0001\",\"phase\":\"cr\\u00e8me\"}",
		"{\"symbol\":\"BTC-USD\",\"time\":\"2020-01-01\",\"tz\":"
		"\"UTC\","
		"\"open\":7194.89208984375,\"high\":7254.33056640625,\"low\":"
		"7174.9443359375,\"close\":7200.17431640625,\"volume\":"
		"18565664997}",
		"{\"symbol\":\"Y\",\"ts\":\"2023-01-03T05:00:00Z\",\"open\":75,"
		"\"high\":1000000.5,\"low\":0.3,\"close\":1000000,\"volume\":"
		"0}",
	};
	char *buf = NULL;
	size_t cap = 0;

	for (size_t i = 0; i < sizeof(raw) / sizeof(*raw); i++) {
		struct mdx_canon_opts o = {0};
		struct mdx_bar b;
		struct mdx_err e;
		json_t *a = json_loads(raw[i], 0, NULL);
		json_t *c = json_deep_copy(a);
		char *want;
		long n;

		mdx_err_clear(&e);
		o.allow_partial = 1;
		T_OK(a != NULL);
		T_EQ_INT(mdx_bar_read(a, &o, &b, &e), 0);
		T_EQ_INT(mdx_bar_canonicalize(c, &o, NULL, &e), 0);
		want = mdx_output_json_text(c);
		n = mdx_bar_format(&b, a, &buf, &cap);
		T_OK(n > 0);
		if (n > 0)
			buf[n - 1] = '\0'; /* the newline */
		T_EQ_STR(buf, want);
		mdx_free(want);
		json_decref(a);
		json_decref(c);
	}
	mdx_free(buf);
}

/* the printf-free decimal path agrees with %.15g on every price it takes */
static void
decimal_fast_path(void)
{
	unsigned long long x = 88172645463325252ULL;
	char buf[MDX_NUM_LEN], want[64];
	int taken = 0;

	for (int i = 0; i < 200000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* up to 6 places, magnitudes 1e-4 .. 1e9, both signs */
		double v = (double)(x % 1000000000000000ULL) /
			   pow(10, (double)(x % 13)) / 1e6;

		if (x & 1)
			v = -v;
		if (mdx_output_decimal(v, buf) < 0)
			continue;
		taken++;
		snprintf(want, sizeof(want), "%.15g", v);
		if (strcmp(buf, want) != 0) {
			T_FAILMSG("%.17g: %s != %s", v, buf, want);
			break;
		}
	}
	printf("decimal fast path took %d of 200000 values\n", taken);
	T_OK(taken > 10000);
	T_EQ_INT(mdx_output_decimal(1e-5, buf), -1);
	T_EQ_INT(mdx_output_decimal(0.1 + 0.2, buf), -1);
	T_EQ_INT(mdx_output_decimal(75.0, buf), 2);
	T_EQ_STR(buf, "75");
}

static void
canonical_round_trip(void)
{
	json_t *rec = json_loads(
		"{\"symbol\":\"AAPL\",\"interval\":\"1d\",\"ts\":"
		"\"2023-01-03T05:00:00Z\",\"date\":\"2023-01-03\",\"open\":130."
		"28,"
		"\"high\":130.9,\"low\":124.17,\"close\":125.07,\"volume\":"
		"112117471,\"vwap\":125.725,\"trades\":1021065,\"source\":"
		"\"polygon\"}",
		0, NULL);
	struct mdx_bar b;
	struct mdx_err e;
	json_t *back;

	mdx_err_clear(&e);
	T_EQ_INT(mdx_bar_from_json(rec, &b, &e), 0);
	T_EQ_INT(b.ts, 1672722000000LL);
	T_NEAR(b.close, 125.07, 0);
	T_EQ_INT(b.trades, 1021065);
	back = mdx_bar_to_json(&b);
	T_OK(json_equal(json_object_get(back, "vwap"),
			json_object_get(rec, "vwap")));
	T_EQ_STR(json_string_value(json_object_get(back, "source")), "polygon");
	json_decref(rec);
	json_decref(back);
}

/* found by tests/fuzz/fuzz_roundtrip (issue 15): a whole price of 1e9 or
 * more written after one in exponent form took that one's exponent
 * ("close":11730405685.0478e21) */
static void
canonical_big_prices(void)
{
	struct mdx_bar b = {.symbol = "AAPL",
			    .interval = MDX_I1D,
			    .ts = 1641358800000LL,
			    .date = 18997,
			    .open = 9.2233720368547758e21,
			    .high = 9.3e21,
			    .low = 1,
			    .close = 11730405685,
			    .has = MDX_HAS_OPEN | MDX_HAS_HIGH | MDX_HAS_LOW};
	char *buf = NULL, *dumped;
	size_t cap = 0;
	json_t *j = mdx_bar_to_json(&b);
	long n = mdx_bar_format(&b, NULL, &buf, &cap);

	T_OK(n > 0);
	/* the one number policy: the shortest decimal that reads back */
	T_OK(strstr(buf, "\"open\":9.223372036854776e+21,") != NULL);
	T_OK(strstr(buf, "\"close\":11730405685,") != NULL);
	dumped = mdx_output_json_text(j);
	T_OK(dumped != NULL && strlen(dumped) + 1 == (size_t)n &&
	     memcmp(dumped, buf, strlen(dumped)) == 0);
	mdx_free(dumped);
	json_decref(j);
	mdx_free(buf);
}

static void
actions_instruments(void)
{
	struct mdx_err e;
	json_t *a;

	mdx_err_clear(&e);
	a = json_loads("{\"type\":\"action\",\"symbol\":\"NVDA\",\"date\":"
		       "\"2021-07-20\",\"kind\":\"split\",\"ratio\":4}",
		       0, NULL);
	T_EQ_INT(mdx_action_check(a, &e), 0);
	json_object_set_new(a, "ratio", json_integer(0));
	T_EQ_INT(mdx_action_check(a, &e), -1);
	json_object_set_new(a, "kind", json_string("merger"));
	T_EQ_INT(mdx_action_check(a, &e), -1);
	T_EQ_STR(e.field, "kind");
	json_decref(a);
	a = json_loads(
		"{\"type\":\"instrument\",\"symbol\":\"IBM\",\"market_cap\":"
		"114234572800,\"shares_outstanding\":890579008,\"as_of\":"
		"\"2020-06-05\"}",
		0, NULL);
	T_EQ_INT(mdx_instrument_check(a, &e), 0);
	json_object_set_new(a, "as_of", json_string("2020-06-31"));
	T_EQ_INT(mdx_instrument_check(a, &e), -1);
	json_decref(a);
}

/* a real file holding n bytes of text (the reader uses read(2)) */
static FILE *
memfile(const char *text, size_t n)
{
	FILE *fp = tmpfile();

	if (fp == NULL)
		return NULL;
	fwrite(text, 1, n, fp);
	rewind(fp);
	return fp;
}

static void
ndjson_reader(void)
{
	const char text[] = "{\"a\":1}\r\n\n  \n{\"b\":2\n[1]\n{\"c\":3}";
	FILE *fp = memfile(text, sizeof(text) - 1);
	struct mdx_ndjson_reader r;
	struct mdx_err e;
	json_t *o;

	mdx_ndjson_init(&r, fp, "mem");
	T_EQ_INT(mdx_ndjson_next(&r, &o, &e), 1);
	T_EQ_INT(r.line, 1);
	json_decref(o);
	mdx_err_clear(&e);
	T_EQ_INT(mdx_ndjson_next(&r, &o, &e), -1);
	T_EQ_INT(e.line, 4);
	T_EQ_INT(mdx_ndjson_next(&r, &o, &e), -1);
	T_EQ_STR(e.text, "not a JSON object");
	T_EQ_INT(mdx_ndjson_next(&r, &o, &e), 1);
	T_EQ_INT(r.line, 6);
	json_decref(o);
	T_EQ_INT(mdx_ndjson_next(&r, &o, &e), 0);
	mdx_ndjson_release(&r);
	fclose(fp);

	/* a line over the limit is skipped, the next one read */
	char big[300];
	memset(big, 'x', sizeof(big));
	memcpy(big, "{\"a\":\"", 6);
	memcpy(big + 280, "\"}\n{\"z\":1}\n", 11);
	fp = memfile(big, 291);
	mdx_ndjson_init(&r, fp, "mem");
	r.max_line = 100;
	T_EQ_INT(mdx_ndjson_next(&r, &o, &e), -1);
	T_EQ_INT(e.code, MDX_ETOOBIG);
	T_EQ_INT(mdx_ndjson_next(&r, &o, &e), 1);
	T_EQ_INT(r.line, 2);
	json_decref(o);
	mdx_ndjson_release(&r);
	fclose(fp);

	/* issue 15: a NUL byte right after a number makes the line bad */
	static const char nul[] = "{\"a\":1\0}\n{\"b\":12\0\n{\"c\":3}\n";
	fp = memfile(nul, sizeof(nul) - 1);
	mdx_ndjson_init(&r, fp, "mem");
	mdx_err_clear(&e);
	T_EQ_INT(mdx_ndjson_next(&r, &o, &e), -1);
	T_EQ_INT(e.line, 1);
	T_OK(strstr(e.text, "NUL") != NULL);
	T_EQ_INT(mdx_ndjson_next(&r, &o, &e), -1);
	T_EQ_INT(e.line, 2);
	T_EQ_INT(mdx_ndjson_next(&r, &o, &e), 1);
	T_EQ_INT(r.line, 3);
	json_decref(o);
	mdx_ndjson_release(&r);
	fclose(fp);
}

static void
args_redacted(void)
{
	char *argv[] = {"mdx-extract", "--api-key-file",	"/secret", "-p",
			"yahoo",       "--api-key-file=/other", "AAPL"};
	const char *const secret[] = {"--api-key-file", NULL};
	char *s = mdx_args_string(7, argv, secret);

	T_EQ_STR(s, "--api-key-file REDACTED -p yahoo "
		    "--api-key-file=REDACTED AAPL");
	mdx_free(s);
}

/* mdx-load's run record: top-level counts of bars, each kind apart */
static void
run_record_kinds(void)
{
	char *argv[] = {"mdx-load", "--db", "m.db"};
	struct mdx_run r;
	json_t *o, *k;

	mdx_run_start(&r, "mdx-load", 3, argv, NULL);
	r.in = 1261;
	r.out = 1261;
	r.kinds[MDX_KIND_BAR].unchanged = 1259;
	r.kinds[MDX_KIND_RUN].inserted = 2;
	r.facts_no_as_of = 4;
	o = mdx_run_to_json(&r);
	T_OK(o != NULL);
	T_EQ_INT(json_integer_value(json_object_get(o, "inserted")), 0);
	T_EQ_INT(json_integer_value(json_object_get(o, "unchanged")), 1259);
	k = json_object_get(o, "kinds");
	T_EQ_INT(json_object_size(k), 2); /* bars, and runs that had rows */
	T_EQ_INT(json_integer_value(json_object_get(json_object_get(k, "runs"),
						    "inserted")),
		 2);
	T_OK(json_object_get(k, "actions") == NULL);
	T_EQ_INT(json_integer_value(json_object_get(o, "facts_no_as_of")), 4);
	T_EQ_INT(json_integer_value(json_object_get(o, "rolled_back")), 0);
	T_EQ_STR(mdx_kind_name(MDX_KIND_FACT), "facts");
	json_decref(o);
	mdx_run_release(&r);
}

/* read what is waiting on fd into buf (n bytes, NUL-terminated) */
static void
drain(int fd, char *buf, size_t n)
{
	size_t len = 0;
	ssize_t got;

	while (len + 1 < n && (got = read(fd, buf + len, n - 1 - len)) > 0)
		len += (size_t)got;
	buf[len] = '\0';
}

/*
 * The log writer on a terminal (a pseudo-terminal as stderr) and not:
 * the status line is redrawn in place and cleared before any message,
 * and a message starts by erasing a line another tool left; in a file,
 * neither a status line nor an escape.
 */
static void
log_status_line(void)
{
	int master, slave, saved = dup(STDERR_FILENO);
	char buf[512], *name;
	FILE *fp;

	master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master < 0 || grantpt(master) || unlockpt(master) ||
	    (name = ptsname(master)) == NULL ||
	    (slave = open(name, O_RDWR | O_NOCTTY)) < 0) {
		printf("log_status_line: no pseudo-terminal, skipped\n");
		if (master >= 0)
			close(master);
		close(saved);
		return;
	}
	fflush(stderr);
	dup2(slave, STDERR_FILENO);
	mdx_log_init("mdx-load", MDX_LOG_HUMAN, 0);
	T_EQ_INT(mdx_log_status_shown(), 1);
	mdx_log_status("%d records", 5000);
	mdx_log_status("%d records", 10000);
	mdx_log("error", "<stdin>:7: field 'close': missing");
	mdx_log_status("%d records", 15000);
	mdx_log_status_clear();
	mdx_log_status_clear(); /* nothing drawn: nothing written */
	fflush(stderr);
	fcntl(master, F_SETFL, O_NONBLOCK);
	drain(master, buf, sizeof(buf));
	/* the terminal turns "\n" into "\r\n" */
	T_EQ_STR(buf, "\rmdx-load: 5000 records\033[K"
		      "\rmdx-load: 10000 records\033[K"
		      "\r\033[Kmdx-load: <stdin>:7: field 'close': missing\r\n"
		      "\rmdx-load: 15000 records\033[K"
		      "\r\033[K");
	/* quiet: no status line, errors still clear the row */
	mdx_log_init("mdx-load", MDX_LOG_HUMAN, -1);
	T_EQ_INT(mdx_log_status_shown(), 0);
	mdx_log_status("%d records", 1);
	fflush(stderr);
	drain(master, buf, sizeof(buf));
	T_EQ_STR(buf, "");
	/* a file: plain lines */
	fp = tmpfile();
	dup2(fileno(fp), STDERR_FILENO);
	mdx_log_init("mdx-load", MDX_LOG_HUMAN, 0);
	T_EQ_INT(mdx_log_status_shown(), 0);
	mdx_log_status("%d records", 1);
	T_EQ_INT(mdx_usage_error("unknown option '%s'", "--frm"),
		 MDX_EXIT_USAGE);
	fflush(stderr);
	rewind(fp);
	buf[fread(buf, 1, sizeof(buf) - 1, fp)] = '\0';
	T_EQ_STR(buf,
		 "mdx-load: unknown option '--frm'; see 'mdx-load --help'\n");
	fclose(fp);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(slave);
	close(master);
	mdx_log_init("test_core", MDX_LOG_HUMAN, 0);
}

/* --help: the synopsis, then the options with their texts aligned */
static void
help_lines(void)
{
	static const struct mdx_help h[] = {
		{"--db FILE", "the store"},
		{"-q, --quiet", "errors only"},
		{NULL, NULL},
	};
	FILE *fp = tmpfile();
	char buf[256];

	mdx_help_print(fp, "usage: x [-q] [--db FILE]\n", h);
	rewind(fp);
	buf[fread(buf, 1, sizeof(buf) - 1, fp)] = '\0';
	T_EQ_STR(buf, "usage: x [-q] [--db FILE]\n"
		      "options:\n"
		      "  --db FILE    the store\n"
		      "  -q, --quiet  errors only\n");
	fclose(fp);
}

static void
alloc_failure(void)
{
	mdx_alloc_fail_after(2);
	void *a = mdx_malloc(10);
	void *b = mdx_malloc(10);
	T_OK(a != NULL);
	T_OK(b == NULL);
	mdx_alloc_fail_after(0);
	b = mdx_malloc(10);
	T_OK(b != NULL);
	mdx_free(a);
	mdx_free(b);
}

/* share classes of the S&P 500 list (shared/data/csv/sp500_constituents.csv:
 * BRK.B, BF.B) as Yahoo and Alpha Vantage spell them; exchange suffixes kept */
static void
provider_symbols(void)
{
	char b[32];

	T_EQ_STR(mdx_symbol_for("BRK.B", MDX_SYMBOL_DASH, b, sizeof(b)),
		 "BRK-B");
	T_EQ_STR(mdx_symbol_for("BF.B", MDX_SYMBOL_DASH, b, sizeof(b)), "BF-B");
	T_EQ_STR(mdx_symbol_for("BRK.B", MDX_SYMBOL_EXCHANGE, b, sizeof(b)),
		 "BRK.B");
	T_EQ_STR(mdx_symbol_for("OCDO.L", MDX_SYMBOL_DASH, b, sizeof(b)),
		 "OCDO.L");
	T_EQ_STR(mdx_symbol_for("ORSTED.CO", MDX_SYMBOL_DASH, b, sizeof(b)),
		 "ORSTED.CO");
	T_EQ_STR(mdx_symbol_for("BTC-USD", MDX_SYMBOL_DASH, b, sizeof(b)),
		 "BTC-USD");
	T_EQ_STR(mdx_symbol_for("AAPL", MDX_SYMBOL_DASH, b, sizeof(b)), "AAPL");
	T_EQ_STR(mdx_symbol_for("7203.T", MDX_SYMBOL_DASH, b, sizeof(b)),
		 "7203.T");
	T_OK(mdx_symbol_for("BRK.B", MDX_SYMBOL_DASH, b, 5) == NULL);
}

int
main(void)
{
	mdx_alloc_init();
	T_RUN(civil_round_trip);
	T_RUN(date_parse);
	T_RUN(rfc3339);
	T_RUN(zones);
	T_RUN(durations);
	T_RUN(symbols_intervals);
	T_RUN(provider_symbols);
	T_RUN(format_matches_jansson);
	T_RUN(decimal_fast_path);
	T_RUN(canonical_round_trip);
	T_RUN(canonical_big_prices);
	T_RUN(actions_instruments);
	T_RUN(ndjson_reader);
	T_RUN(year_range);
	T_RUN(args_redacted);
	T_RUN(run_record_kinds);
	T_RUN(log_status_line);
	T_RUN(help_lines);
	T_RUN(alloc_failure);
	return t_done();
}
