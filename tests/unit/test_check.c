/*
 * test_check.c - lib/check.c through its API (mdx_check.h), as mdx-serve
 * calls it: option parsing, the calendar's range and rows, and the report
 * on a store in a temporary directory.
 *
 * The report's store holds a synthetic series whose defects are placed on
 * purpose, so that each rule is seen alone: SYN, the 2023 sessions with
 * returns of -1% to +1% (a fixed pattern), two sessions deleted, one bar
 * times 1.5 for a day, and halved prices from its 150th session on (an
 * unadjusted 2:1 split); OLD, the same returns for the first 100 sessions
 * only.  The real-data cases are in tests/check.sh.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mdx_alloc.h"
#include "mdx_calendar.h"
#include "mdx_check.h"
#include "mdx_time.h"
#include "t.h"

static char dir[64];
static char path[128];

/* a sink that keeps what it gets */
struct keep {
	json_t *cols; /* array of names */
	json_t *rows; /* array of row objects */
	int misses;   /* k->miss calls */
};

static int
keep_columns(void *ctx, const char *const *names, size_t n, struct mdx_err *e)
{
	struct keep *k = ctx;

	(void)e;
	for (size_t i = 0; i < n; i++)
		json_array_append_new(k->cols, json_string(names[i]));
	return 0;
}

static int
keep_row(void *ctx, const json_t *row, struct mdx_err *e)
{
	struct keep *k = ctx;

	(void)e;
	json_array_append_new(k->rows, json_deep_copy(row));
	return 0;
}

static void
keep_miss(void *ctx, const struct mdx_err *e)
{
	struct keep *k = ctx;

	(void)e;
	k->misses++;
}

static void
keep_init(struct keep *k, struct mdx_sink *s)
{
	memset(k, 0, sizeof(*k));
	k->cols = json_array();
	k->rows = json_array();
	s->columns = keep_columns;
	s->row = keep_row;
	s->miss = keep_miss;
	s->ctx = k;
}

static void
keep_release(struct keep *k)
{
	json_decref(k->cols);
	json_decref(k->rows);
}

/* field key of row i, as text ("" when not a string) */
static const char *
field(const struct keep *k, size_t i, const char *key)
{
	const char *s = json_string_value(
		json_object_get(json_array_get(k->rows, i), key));

	return s ? s : "";
}

static double
number(const struct keep *k, size_t i, const char *key)
{
	return json_number_value(
		json_object_get(json_array_get(k->rows, i), key));
}

static int32_t
day(const char *s)
{
	int32_t d = 0;

	mdx_date_parse(s, &d, NULL);
	return d;
}

static void
t_kinds_parse(void)
{
	struct mdx_err e;
	unsigned set = 0;

	T_OK(mdx_check_kinds_parse("missing,stale", &set, &e) == 0);
	T_EQ_INT(set, (1u << MDX_CHECK_MISSING) | (1u << MDX_CHECK_STALE));
	T_OK(mdx_check_kinds_parse("all", &set, &e) == 0);
	T_EQ_INT(set, MDX_CHECK_ALL);
	T_OK(mdx_check_kinds_parse("none", &set, &e) == 0);
	T_EQ_INT(set, 0);
	T_OK(mdx_check_kinds_parse("split,zero_volume,outside,outlier", &set,
				   &e) == 0);
	T_EQ_INT(set, (1u << MDX_CHECK_SPLIT) | (1u << MDX_CHECK_ZERO_VOLUME) |
			      (1u << MDX_CHECK_OUTSIDE) |
			      (1u << MDX_CHECK_OUTLIER));
	set = 7;
	T_OK(mdx_check_kinds_parse("missing,bogus", &set, &e) == -1);
	T_EQ_INT(e.code, MDX_EUSAGE);
	T_OK(strstr(e.text, "'bogus'") != NULL);
	T_EQ_INT(set, 7); /* untouched on error */
	T_OK(mdx_check_kinds_parse("missing,", &set, &e) == -1);
	T_OK(mdx_check_kinds_parse("", &set, &e) == -1);
	T_OK(mdx_check_kinds_parse("Missing", &set, &e) == -1);
	for (int k = 0; k < MDX_CHECK_N; k++)
		T_OK(mdx_check_kind_name(k) != NULL);
	T_OK(mdx_check_kind_name(MDX_CHECK_N) == NULL);
	T_EQ_STR(mdx_check_kind_name(MDX_CHECK_ZERO_VOLUME), "zero_volume");
}

static void
t_date_parse(void)
{
	struct mdx_err e;
	int64_t now;
	int32_t d = 0;

	/* 03:00Z on July 4 is still July 3 in New York (EDT, UTC-4) */
	mdx_rfc3339_parse("2024-07-04T03:00:00Z", &now, &e);
	T_OK(mdx_check_date_parse("today", now, &d, &e) == 0);
	T_EQ_INT(d, day("2024-07-03"));
	T_OK(mdx_check_date_parse("2018-02-07", now, &d, &e) == 0);
	T_EQ_INT(d, day("2018-02-07"));
	T_OK(mdx_check_date_parse("2024-02-30", now, &d, &e) == -1);
	T_EQ_INT(e.code, MDX_EUSAGE);
	T_OK(mdx_check_date_parse("Today", now, &d, &e) == -1);
}

static void
t_opts(void)
{
	static const struct mdx_check_opts s = MDX_CHECK_OPTS_INIT;
	struct mdx_check_opts o;
	struct mdx_check_counts c;

	mdx_check_opts_init(&o);
	/* field by field: a struct copy need not copy its padding */
	T_OK(o.kinds == s.kinds && o.fail_on == s.fail_on &&
	     o.stale == s.stale && o.has_as_of == s.has_as_of &&
	     o.as_of == s.as_of && o.outlier == s.outlier &&
	     o.zero_volume == s.zero_volume);
	T_EQ_INT(o.kinds, MDX_CHECK_ALL);
	T_EQ_INT(o.fail_on, MDX_CHECK_ALL);
	T_EQ_INT(o.stale, 5);
	T_NEAR(o.outlier, 20, 0);
	T_EQ_INT(o.zero_volume, 3);
	memset(&c, 0, sizeof(c));
	T_EQ_INT(mdx_check_failed(&o, &c), 0);
	c.found[MDX_CHECK_STALE] = 2;
	T_EQ_INT(mdx_check_failed(&o, &c), 1);
	o.fail_on = 1u << MDX_CHECK_MISSING;
	T_EQ_INT(mdx_check_failed(&o, &c), 0);
	o.fail_on = 0;
	c.found[MDX_CHECK_MISSING] = 1;
	T_EQ_INT(mdx_check_failed(&o, &c), 0);
}

static void
t_calendar_range(void)
{
	struct mdx_query q;
	struct mdx_err e;
	int32_t f = 0, t = 0;
	int64_t now;

	mdx_query_init(&q);
	mdx_rfc3339_parse("2024-03-01T02:00:00Z", &now, &e); /* Feb 29 NY */
	T_OK(mdx_check_calendar_range(&q, now, &f, &t, &e) == 0);
	T_EQ_INT(f, day("2024-02-01"));
	T_EQ_INT(t, day("2024-02-29"));
	q.has = MDX_Q_FROM;
	q.from = day("2024-12-20");
	T_OK(mdx_check_calendar_range(&q, now, &f, &t, &e) == 0);
	T_EQ_INT(f, day("2024-12-20"));
	T_EQ_INT(t, day("2024-12-31"));
	q.has = MDX_Q_TO;
	q.to = day("2023-02-14");
	T_OK(mdx_check_calendar_range(&q, now, &f, &t, &e) == 0);
	T_EQ_INT(f, day("2023-02-01"));
	T_EQ_INT(t, day("2023-02-14"));
	q.has = MDX_Q_FROM | MDX_Q_TO;
	q.from = day("2024-01-05");
	q.to = day("2024-01-04");
	T_OK(mdx_check_calendar_range(&q, now, &f, &t, &e) == -1);
	T_EQ_INT(e.code, MDX_EUSAGE);
	q.from = day("1989-12-29");
	q.to = day("1990-01-03");
	T_OK(mdx_check_calendar_range(&q, now, &f, &t, &e) == -1);
	q.from = day("2099-12-01");
	q.to = day("2100-01-03");
	T_OK(mdx_check_calendar_range(&q, now, &f, &t, &e) == -1);
	q.from = day("1990-01-01");
	q.to = day("2099-12-31");
	T_OK(mdx_check_calendar_range(&q, now, &f, &t, &e) == 0);
}

static void
t_calendar_rows(void)
{
	struct mdx_sink s;
	struct keep k;
	struct mdx_err e;
	long n;

	keep_init(&k, &s);
	n = mdx_check_calendar(day("2024-07-01"), day("2024-07-07"), 0, &s, &e);
	T_EQ_INT(n, 4); /* July 4 closed, then a weekend */
	T_EQ_INT(json_array_size(k.cols), 9);
	T_EQ_STR(json_string_value(json_array_get(k.cols, 0)), "date");
	T_EQ_STR(field(&k, 2, "date"), "2024-07-03");
	T_EQ_STR(field(&k, 2, "weekday"), "Wed");
	T_EQ_STR(field(&k, 2, "open_et"), "09:30");
	T_EQ_STR(field(&k, 2, "close_et"), "13:00");
	T_EQ_STR(field(&k, 2, "open"), "2024-07-03T13:30:00Z");
	T_EQ_STR(field(&k, 2, "close"), "2024-07-03T17:00:00Z");
	T_OK(json_is_true(
		json_object_get(json_array_get(k.rows, 2), "early_close")));
	T_EQ_STR(field(&k, 2, "note"), "Day before Independence Day");
	T_OK(json_is_null(json_object_get(json_array_get(k.rows, 0), "note")));
	T_EQ_STR(field(&k, 3, "date"), "2024-07-05");
	keep_release(&k);

	keep_init(&k, &s);
	n = mdx_check_calendar(day("2024-07-01"), day("2024-07-07"),
			       MDX_CHECK_CAL_ALL, &s, &e);
	T_EQ_INT(n, 5);
	T_EQ_STR(field(&k, 3, "note"), "Independence Day");
	T_OK(json_is_false(
		json_object_get(json_array_get(k.rows, 3), "session")));
	T_OK(json_is_null(json_object_get(json_array_get(k.rows, 3), "open")));
	keep_release(&k);

	/* the whole range: every session once, as the calendar counts */
	keep_init(&k, &s);
	n = mdx_check_calendar(day("1990-01-01"), day("2030-12-31"), 0, &s, &e);
	T_EQ_INT(n, (long)mdx_cal_sessions(day("1990-01-01"), day("2030-12-31"),
					   NULL, 0));
	keep_release(&k);

	keep_init(&k, &s);
	T_EQ_INT(mdx_check_calendar(day("2024-01-02"), day("2024-01-01"), 0, &s,
				    &e),
		 -1);
	T_EQ_INT(e.code, MDX_EUSAGE);
	T_EQ_INT(json_array_size(k.cols), 0); /* nothing sent */
	keep_release(&k);
}

static void
remove_db(void)
{
	char p[160];

	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

/* a daily bar of sym on d: open = close, high and low 0.5% around */
static int
put_bar(struct mdx_store *s, const char *sym, int32_t d, double close)
{
	char date[MDX_DATE_LEN], ts[MDX_RFC3339_LEN];
	struct mdx_err e;
	int64_t ms;
	json_t *rec;
	int rc;

	if (mdx_tz_day_start(MDX_CAL_ZONE, d, &ms, &e))
		return -1;
	rec = json_pack("{s:s,s:s,s:s,s:s,s:s,s:f,s:f,s:f,s:f,s:I,s:s}", "type",
			"bar", "symbol", sym, "interval", "1d", "ts",
			mdx_rfc3339_format(ms, ts), "date",
			mdx_date_format(d, date), "open", close, "high",
			close * 1.005, "low", close * 0.995, "close", close,
			"volume", (json_int_t)1000000, "session", "regular");
	rc = mdx_store_put(s, rec, &e);
	json_decref(rec);
	if (rc < 0)
		T_FAILMSG("put %s %s: %s", sym, date, e.text);
	return rc < 0 ? -1 : 0;
}

/* the store described at the top; with_action adds the split as an
 * action */
static struct mdx_store *
synthetic(int with_action)
{
	int32_t sess[260];
	size_t n = mdx_cal_sessions(day("2023-01-01"), day("2023-12-31"), sess,
				    260);
	struct mdx_store *s;
	struct mdx_err e;
	double c = 100;

	remove_db();
	if ((s = mdx_store_open(path, MDX_STORE_CREATE, &e)) == NULL ||
	    mdx_store_migrate(s, 0, &e) || mdx_store_begin(s, &e)) {
		T_FAILMSG("store: %s", e.text);
		mdx_store_close(s);
		return NULL;
	}
	for (size_t i = 0; i < n && i < 260; i++) {
		/* -1% .. +1%, a fixed pattern */
		double r = 0.01 * (double)((int)((i * 7919) % 21) - 10) / 10;
		double p;

		c *= exp(r);
		p = i >= 150 ? c / 2 : i == 100 ? c * 1.5 : c;
		if ((i != 50 && i != 51 && put_bar(s, "SYN", sess[i], p)) ||
		    (i < 100 && put_bar(s, "OLD", sess[i], c)))
			break;
	}
	if (with_action) {
		char date[MDX_DATE_LEN];
		json_t *a = json_pack("{s:s,s:s,s:s,s:s,s:i}", "type", "action",
				      "symbol", "SYN", "date",
				      mdx_date_format(sess[150], date), "kind",
				      "split", "ratio", 2);

		if (mdx_store_put(s, a, &e) < 0)
			T_FAILMSG("action: %s", e.text);
		json_decref(a);
	}
	if (mdx_store_commit(s, &e))
		T_FAILMSG("commit: %s", e.text);
	return s;
}

static void
t_report(void)
{
	struct mdx_store *s = synthetic(0);
	struct mdx_check_counts c;
	struct mdx_check_opts o;
	struct mdx_query q;
	struct mdx_sink k;
	struct mdx_err e;
	struct keep kp;
	int32_t sess[260];

	if (s == NULL)
		return;
	mdx_cal_sessions(day("2023-01-01"), day("2023-12-31"), sess, 260);
	mdx_check_opts_init(&o);
	mdx_query_init(&q);
	keep_init(&kp, &k);
	T_EQ_INT(mdx_check_report(s, &q, &o, &k, &c, &e), 0);
	T_EQ_INT(json_array_size(kp.cols), 5);
	T_EQ_INT(json_array_size(kp.rows), 4);
	T_EQ_INT(c.symbols, 2);
	T_EQ_INT(c.found[MDX_CHECK_MISSING], 1);
	T_EQ_INT(c.found[MDX_CHECK_STALE], 1);
	T_EQ_INT(c.found[MDX_CHECK_OUTLIER], 1);
	T_EQ_INT(c.found[MDX_CHECK_SPLIT], 1);
	T_EQ_INT(mdx_check_failed(&o, &c), 1);
	/* OLD first (byte order), then SYN's by date */
	T_EQ_STR(field(&kp, 0, "symbol"), "OLD");
	T_EQ_STR(field(&kp, 0, "kind"), "stale");
	T_EQ_INT(day(field(&kp, 0, "date")), sess[99]);
	T_NEAR(number(&kp, 0, "value"), 150, 0);
	T_EQ_STR(field(&kp, 1, "kind"), "missing");
	T_EQ_INT(day(field(&kp, 1, "date")), sess[50]);
	T_NEAR(number(&kp, 1, "value"), 2, 0);
	T_EQ_STR(field(&kp, 2, "kind"), "outlier");
	T_EQ_INT(day(field(&kp, 2, "date")), sess[100]);
	T_OK(strncmp(field(&kp, 2, "detail"), "spike:", 6) == 0);
	T_EQ_STR(field(&kp, 3, "kind"), "split");
	T_EQ_INT(day(field(&kp, 3, "date")), sess[150]);
	T_NEAR(number(&kp, 3, "value"), 2, 0);
	keep_release(&kp);

	/* dates keep findings in range; stale stays */
	q.has = MDX_Q_FROM | MDX_Q_TO;
	q.from = sess[90];
	q.to = sess[120];
	keep_init(&kp, &k);
	T_EQ_INT(mdx_check_report(s, &q, &o, &k, &c, &e), 0);
	T_EQ_INT(json_array_size(kp.rows), 2);
	T_EQ_STR(field(&kp, 0, "kind"), "stale"); /* as of sess[120] */
	T_NEAR(number(&kp, 0, "value"), 21, 0);
	T_EQ_STR(field(&kp, 1, "kind"), "outlier");
	keep_release(&kp);

	/* symbols named, one unknown; kinds chosen */
	{
		const char *const syms[] = {"SYN", "NOPE"};

		mdx_query_init(&q);
		q.symbols = syms;
		q.nsymbols = 2;
		o.kinds = 1u << MDX_CHECK_MISSING;
		keep_init(&kp, &k);
		T_EQ_INT(mdx_check_report(s, &q, &o, &k, &c, &e), 1);
		T_EQ_INT(kp.misses, 1);
		T_EQ_INT(json_array_size(kp.rows), 1);
		T_EQ_INT(c.symbols, 1);
		keep_release(&kp);
	}

	/* an invalid option value or symbol: nothing sent */
	mdx_query_init(&q);
	mdx_check_opts_init(&o);
	o.outlier = 0;
	keep_init(&kp, &k);
	T_EQ_INT(mdx_check_report(s, &q, &o, &k, NULL, &e), -1);
	T_EQ_INT(e.code, MDX_EINPUT);
	T_EQ_INT(json_array_size(kp.cols), 0);
	keep_release(&kp);
	mdx_store_close(s);

	/* the split stored as an action: no split, and no outlier either */
	if ((s = synthetic(1)) == NULL)
		return;
	mdx_check_opts_init(&o);
	keep_init(&kp, &k);
	T_EQ_INT(mdx_check_report(s, &q, &o, &k, &c, &e), 0);
	T_EQ_INT(c.found[MDX_CHECK_SPLIT], 0);
	T_EQ_INT(c.found[MDX_CHECK_OUTLIER], 1); /* the spike */
	T_EQ_INT(json_array_size(kp.rows), 3);
	keep_release(&kp);
	mdx_store_close(s);
}

int
main(void)
{
	int rc;

	mdx_alloc_init();
	snprintf(dir, sizeof(dir), "/tmp/mdx-test-check.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/market.db", dir);
	T_RUN(t_kinds_parse);
	T_RUN(t_date_parse);
	T_RUN(t_opts);
	T_RUN(t_calendar_range);
	T_RUN(t_calendar_rows);
	T_RUN(t_report);
	remove_db();
	rmdir(dir);
	rc = t_done();
	return rc;
}
