/*
 * test_adjust.c - cumulative adjustment factors (lib/adjust.c) on AAPL's
 * real actions: the 4:1 split of 2020-08-31 and the dividends of Alpha
 * Vantage's daily-adjusted answer
 * (tests/fixtures/alphavantage/TIME_SERIES_DAILY_ADJUSTED_AAPL_full_
 * 1999-11-01_2020-11-25.csv, run from the top of the tree), whose
 * adjusted_close / close is the total-return factor the adjuster must
 * compute from the closes and actions alone.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mdx_adjust.h"
#include "mdx_alloc.h"
#include "mdx_store.h"
#include "mdx_time.h"
#include "t.h"

#define AV_CSV                                                                 \
	"tests/fixtures/alphavantage/"                                         \
	"TIME_SERIES_DAILY_ADJUSTED_AAPL_full_1999-11-01_2020-11-25.csv"

/* one row of the answer */
struct row {
	int32_t day;  /* trading date */
	double close; /* as traded */
	double adj;   /* adjusted_close */
	double div;   /* dividend_amount, ex-date this day */
	double split; /* split_coefficient, ex-date this day */
};

static struct row rows[6000];
static size_t nrows;

static int32_t
day_of(const char *s)
{
	int32_t d = 0;
	struct mdx_err e;

	if (mdx_date_parse(s, &d, &e))
		T_FAILMSG("date %s: %s", s, e.text);
	return d;
}

/* reads the CSV (newest first, one duplicated row) oldest first */
static int
read_av(void)
{
	FILE *f = fopen(AV_CSV, "r");
	char line[256];

	nrows = 0;
	if (f == NULL)
		return -1;
	if (fgets(line, sizeof(line), f) == NULL) { /* header */
		fclose(f);
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL &&
	       nrows < sizeof(rows) / sizeof(*rows)) {
		char *p = line, *end;
		double v[8];
		struct row r;
		int i;

		line[10] = '\0';
		r.day = day_of(line);
		p = line + 11;
		for (i = 0; i < 8; i++) {
			v[i] = strtod(p, &end);
			if (end == p)
				break;
			p = *end == ',' ? end + 1 : end;
		}
		if (i < 8)
			continue;
		r.close = v[3];
		r.adj = v[4];
		r.div = v[6];
		/* the file prints 7.00000700001 for the 7:1 of 2014-06-09 */
		r.split = round(v[7] * 1000) / 1000;
		if (nrows > 0 && rows[nrows - 1].day == r.day)
			continue; /* the answer repeats its newest row */
		rows[nrows++] = r;
	}
	fclose(f);
	for (size_t i = 0; i < nrows / 2; i++) { /* oldest first */
		struct row t = rows[i];

		rows[i] = rows[nrows - 1 - i];
		rows[nrows - 1 - i] = t;
	}
	return 0;
}

static void
parse_and_name(void)
{
	enum mdx_adjust m = MDX_ADJUST_NONE;
	struct mdx_err e;

	T_EQ_INT(mdx_adjust_parse("split", &m, &e), 0);
	T_EQ_INT(m, MDX_ADJUST_SPLIT);
	T_EQ_INT(mdx_adjust_parse("total", &m, &e), 0);
	T_EQ_INT(m, MDX_ADJUST_TOTAL);
	T_EQ_INT(mdx_adjust_parse("none", &m, &e), 0);
	T_EQ_INT(m, MDX_ADJUST_NONE);
	T_EQ_INT(mdx_adjust_parse("adjusted", &m, &e), -1);
	T_EQ_INT(e.code, MDX_EUSAGE);
	T_OK(strstr(e.text, "'adjusted'") != NULL);
	T_OK(strstr(e.text, "none, split or total") != NULL);
	T_EQ_STR(mdx_adjust_name(MDX_ADJUST_TOTAL), "total");
	T_EQ_STR(mdx_adjust_name(MDX_ADJUST_SPLIT), "split");
	T_EQ_STR(mdx_adjust_name(MDX_ADJUST_NONE), "none");
}

/* AAPL's 4:1 split: 499.23 on 2020-08-28 is 124.8075 split-adjusted */
static void
aapl_split(void)
{
	struct mdx_adjust_action a = {day_of("2020-08-31"), 4, 0, NAN};
	struct mdx_adjuster *adj;
	struct mdx_err e;
	int32_t fri = day_of("2020-08-28"), mon = day_of("2020-08-31");

	adj = mdx_adjuster_new(&a, 1, &e);
	T_OK(adj != NULL);
	if (adj == NULL)
		return;
	T_EQ_INT(499.23 * mdx_adjuster_price(adj, MDX_ADJUST_SPLIT, fri) ==
			 124.8075,
		 1);
	T_NEAR(499.23 * mdx_adjuster_price(adj, MDX_ADJUST_TOTAL, fri),
	       124.8075, 1e-12);
	T_EQ_INT(mdx_adjuster_price(adj, MDX_ADJUST_NONE, fri), 1);
	/* the ex-date and after are as traded */
	T_EQ_INT(mdx_adjuster_price(adj, MDX_ADJUST_SPLIT, mon), 1);
	/* volume 46907479 on 2020-08-28 is 187629916 split-adjusted */
	T_EQ_INT(46907479 * mdx_adjuster_volume(adj, MDX_ADJUST_SPLIT, fri),
		 187629916);
	T_EQ_INT(mdx_adjuster_volume(adj, MDX_ADJUST_NONE, fri), 1);
	T_EQ_INT(mdx_adjuster_volume(adj, MDX_ADJUST_SPLIT, mon), 1);
	/* (bar date, basis as of]: a Yahoo close of 2020-08-28 fetched on
	 * 2020-11-25 is multiplied by 4; one fetched on the ex-date too; one
	 * fetched the day before, and a bar of the ex-date, are not */
	T_EQ_INT(mdx_adjuster_splits_between(adj, fri, day_of("2020-11-25")),
		 4);
	T_EQ_INT(mdx_adjuster_splits_between(adj, fri, mon), 4);
	T_EQ_INT(mdx_adjuster_splits_between(adj, fri, fri), 1);
	T_EQ_INT(mdx_adjuster_splits_between(adj, mon, day_of("2020-11-25")),
		 1);
	T_EQ_INT(mdx_adjuster_unpriced(adj), 0);
	mdx_adjuster_free(adj);
}

/* the 0.82 dividend of 2020-08-07 against the real close of 2020-08-06
 * (455.61): AV's adjusted_close falls by that factor across the ex-date */
static void
aapl_dividend(void)
{
	struct mdx_adjust_action a = {day_of("2020-08-07"), 1, 0.82, 455.61};
	struct mdx_adjuster *adj;
	struct mdx_err e;
	double f, av;

	adj = mdx_adjuster_new(&a, 1, &e);
	T_OK(adj != NULL);
	if (adj == NULL)
		return;
	f = mdx_adjuster_price(adj, MDX_ADJUST_TOTAL, day_of("2020-08-06"));
	T_NEAR(f, 1 - 0.82 / 455.61, 1e-15);
	/* AV: 113.496709309 / 455.61 on 08-06, 110.920918668 / 444.45 on
	 * 08-07: the ratio of the two is the dividend's factor, to AV's
	 * rounding (0.998158 against 0.998200, 4.2e-5 relative) */
	av = (113.496709309 / 455.61) / (110.920918668 / 444.45);
	T_NEAR(f, av, 1e-4);
	T_EQ_INT(
		mdx_adjuster_price(adj, MDX_ADJUST_SPLIT, day_of("2020-08-06")),
		1);
	T_EQ_INT(mdx_adjuster_volume(adj, MDX_ADJUST_TOTAL,
				     day_of("2020-08-06")),
		 1);
	T_EQ_INT(
		mdx_adjuster_price(adj, MDX_ADJUST_TOTAL, day_of("2020-08-07")),
		1);
	mdx_adjuster_free(adj);
}

/* every action of AV's answer, given in any order: the total factor of
 * every day from 1999-11-01 to 2020-11-25 is its adjusted_close / close */
static void
aapl_av_history(void)
{
	struct mdx_adjust_action acts[64];
	struct mdx_adjuster *adj;
	struct mdx_err e;
	size_t n = 0, i, ndiv = 0, nsplit = 0;
	double worst = 0, f;

	T_EQ_INT(read_av(), 0);
	T_OK(nrows > 5000);
	for (i = 1; i < nrows && n < 64; i++)
		if (rows[i].div > 0 || rows[i].split != 1) {
			/* newest first, to show the order does not matter */
			memmove(acts + 1, acts, n * sizeof(*acts));
			acts[0].day = rows[i].day;
			acts[0].split = rows[i].split;
			acts[0].dividend = rows[i].div;
			acts[0].prev_close = rows[i - 1].close;
			ndiv += rows[i].div > 0;
			nsplit += rows[i].split != 1;
			n++;
		}
	/* 2000-06-21 2:1, 2005-02-28 2:1, 2014-06-09 7:1, 2020-08-31 4:1 */
	T_EQ_INT(nsplit, 4);
	T_EQ_INT(ndiv, 34);
	adj = mdx_adjuster_new(acts, n, &e);
	T_OK(adj != NULL);
	if (adj == NULL)
		return;
	for (i = 0; i < nrows; i++) {
		double rel;

		f = mdx_adjuster_price(adj, MDX_ADJUST_TOTAL, rows[i].day);
		rel = fabs(f / (rows[i].adj / rows[i].close) - 1);
		if (rel > worst)
			worst = rel;
	}
	/* AV rounds its adjusted_close: 1.9e-4 at worst (2017-06-23) */
	T_OK(worst < 2.5e-4);
	/* 2020-08-06: 0.25 x (1 - 0.82/455.61) x (1 - 0.205/119.03) */
	f = mdx_adjuster_price(adj, MDX_ADJUST_TOTAL, day_of("2020-08-06"));
	T_NEAR(f, 0.25 * (1 - 0.82 / 455.61) * (1 - 0.205 / 119.03), 1e-14);
	T_NEAR(f, 113.496709309 / 455.61, 1e-4);
	/* split factor before 2000-06-21: 1 / (2 x 2 x 7 x 4) */
	T_EQ_INT(1 / mdx_adjuster_price(adj, MDX_ADJUST_SPLIT,
					day_of("2000-06-20")),
		 112);
	T_EQ_INT(mdx_adjuster_volume(adj, MDX_ADJUST_SPLIT,
				     day_of("2000-06-20")),
		 112);
	T_EQ_INT(mdx_adjuster_splits_between(adj, day_of("2000-06-20"),
					     day_of("2014-06-09")),
		 28);
	T_EQ_INT(mdx_adjuster_splits_between(adj, day_of("2000-06-20"),
					     day_of("2014-06-06")),
		 4);
	mdx_adjuster_free(adj);
}

static void
bad_actions(void)
{
	struct mdx_adjust_action a = {day_of("2020-08-31"), 0, 0, NAN};
	struct mdx_adjust_action d = {day_of("2020-08-07"), 1, 456, 455.61};
	struct mdx_adjust_action u = {day_of("2020-08-07"), 1, 0.82, NAN};
	struct mdx_adjuster *adj;
	struct mdx_err e;

	T_OK(mdx_adjuster_new(&a, 1, &e) == NULL);
	T_EQ_INT(e.code, MDX_EINPUT);
	T_OK(strstr(e.text, "2020-08-31") != NULL);
	T_OK(mdx_adjuster_new(&d, 1, &e) == NULL);
	T_EQ_INT(e.code, MDX_EINPUT);
	T_OK(strstr(e.text, "2020-08-07") != NULL);
	/* no previous close: the dividend does not adjust, and is counted */
	adj = mdx_adjuster_new(&u, 1, &e);
	T_OK(adj != NULL);
	T_EQ_INT(mdx_adjuster_unpriced(adj), 1);
	T_EQ_INT(
		mdx_adjuster_price(adj, MDX_ADJUST_TOTAL, day_of("2020-08-06")),
		1);
	mdx_adjuster_free(adj);
	/* no actions at all: every factor is 1 */
	adj = mdx_adjuster_new(NULL, 0, &e);
	T_OK(adj != NULL);
	T_EQ_INT(mdx_adjuster_price(adj, MDX_ADJUST_TOTAL, 0), 1);
	T_EQ_INT(mdx_adjuster_splits_between(adj, 0, 30000), 1);
	mdx_adjuster_free(adj);
}

/* from a store: the actions table, and the close of the last 1d bar
 * before each dividend's ex-date */
static void
from_store(void)
{
	char dir[64], path[128], p[160];
	struct mdx_store *s;
	struct mdx_adjuster *adj;
	struct mdx_err e;
	json_t *rec;
	static const char *const recs[] = {
		"{\"type\":\"bar\",\"symbol\":\"AAPL\",\"interval\":\"1d\","
		"\"ts\":\"2020-08-06T04:00:00Z\",\"date\":\"2020-08-06\","
		"\"open\":441.62,\"high\":457.65,\"low\":439.19,"
		"\"close\":455.61,\"volume\":50607225,\"source\":\"av\"}",
		"{\"type\":\"bar\",\"symbol\":\"AAPL\",\"interval\":\"1d\","
		"\"ts\":\"2020-08-07T04:00:00Z\",\"date\":\"2020-08-07\","
		"\"open\":452.82,\"high\":454.7,\"low\":441.17,"
		"\"close\":444.45,\"volume\":49511403,\"source\":\"av\"}",
		"{\"type\":\"action\",\"symbol\":\"AAPL\",\"date\":\"2020-08-"
		"07\","
		"\"kind\":\"dividend\",\"amount\":0.82}",
		"{\"type\":\"action\",\"symbol\":\"AAPL\",\"date\":\"2020-08-"
		"31\","
		"\"kind\":\"split\",\"ratio\":4}",
		"{\"type\":\"action\",\"symbol\":\"AAPL\",\"date\":\"2020-11-"
		"06\","
		"\"kind\":\"dividend\",\"amount\":0.205}",
		"{\"type\":\"action\",\"symbol\":\"AAPL\",\"date\":\"2020-02-"
		"07\","
		"\"kind\":\"dividend\",\"amount\":0.77}",
	};
	size_t i;

	snprintf(dir, sizeof(dir), "/tmp/test_adjust.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		T_FAILMSG("mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/a.db", dir);
	s = mdx_store_open(path, MDX_STORE_CREATE, &e);
	T_OK(s != NULL);
	if (s == NULL)
		return;
	T_EQ_INT(mdx_store_migrate(s, 0, &e), 0);
	for (i = 0; i < sizeof(recs) / sizeof(*recs); i++) {
		rec = json_loads(recs[i], 0, NULL);
		T_OK(rec != NULL && mdx_store_put(s, rec, &e) >= 0);
		json_decref(rec);
	}
	adj = mdx_adjuster_load(mdx_store_db(s), "AAPL", &e);
	T_OK(adj != NULL);
	if (adj != NULL) {
		int32_t d6 = day_of("2020-08-06");

		T_NEAR(mdx_adjuster_price(adj, MDX_ADJUST_SPLIT, d6), 0.25, 0);
		/* the 0.77 of 2020-02-07 has no bar before it in this
		 * store; the 0.205 of 2020-11-06 is priced by the last
		 * bar stored before it, 2020-08-07's 444.45 */
		T_EQ_INT(mdx_adjuster_unpriced(adj), 1);
		T_NEAR(mdx_adjuster_price(adj, MDX_ADJUST_TOTAL, d6),
		       0.25 * (1 - 0.82 / 455.61) * (1 - 0.205 / 444.45),
		       1e-15);
		T_NEAR(mdx_adjuster_price(adj, MDX_ADJUST_TOTAL,
					  day_of("2020-08-07")),
		       0.25 * (1 - 0.205 / 444.45), 1e-15);
	}
	mdx_adjuster_free(adj);
	adj = mdx_adjuster_load(mdx_store_db(s), "MSFT", &e);
	T_OK(adj != NULL);
	T_EQ_INT(mdx_adjuster_price(adj, MDX_ADJUST_TOTAL, 0), 1);
	mdx_adjuster_free(adj);
	mdx_store_close(s);
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
	rmdir(dir);
}

int
main(void)
{
	mdx_alloc_init();
	T_RUN(parse_and_name);
	T_RUN(aapl_split);
	T_RUN(aapl_dividend);
	T_RUN(aapl_av_history);
	T_RUN(bad_actions);
	T_RUN(from_store);
	return t_done();
}
