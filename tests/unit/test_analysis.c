/*
 * test_analysis.c - lib/analysis.c and lib/chart.c directly: the query
 * functions on a store of the made-up universe of
 * tests/fixtures/stats/index_small.txt (the numbers are checked through
 * mdx-query by tests/analysis.sh), the chart's edge cases, and every
 * function under an allocation failure at each point: it fails with
 * MDX_ENOMEM or succeeds, never crashes or leaks (ASan in build-san).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mdx_adjust.h"
#include "mdx_alloc.h"
#include "mdx_analysis.h"
#include "mdx_chart.h"
#include "mdx_store.h"
#include "mdx_time.h"
#include "mdx_universe.h"
#include "t.h"

static char dir[64];
static char path[128];

/* index_small.txt: closes of AAA BBB CCC DDD, 0 for no bar */
static const struct {
	const char *date;
	double c[4];
} small[] = {
	{"2024-01-24", {100, 40, 20, 500}}, {"2024-01-25", {110, 42, 21, 510}},
	{"2024-01-26", {105, 0, 22, 520}},  {"2024-01-29", {120, 44, 23, 530}},
	{"2024-01-30", {125, 46, 24, 540}}, {"2024-01-31", {125, 50, 25, 550}},
	{"2024-02-01", {0, 46, 26, 560}},   {"2024-02-02", {126, 47, 27, 570}},
	{"2024-02-05", {128, 48, 26, 580}}, {"2024-02-06", {132, 49, 28, 590}},
};
static const char *const syms[] = {"AAA", "BBB", "CCC", "DDD"};
static const char *const facts[] = {
	"{\"type\":\"instrument\",\"symbol\":\"AAA\",\"as_of\":\"2023-12-31\","
	"\"shares_outstanding\":10,\"sector\":\"Tools\"}",
	"{\"type\":\"instrument\",\"symbol\":\"BBB\",\"as_of\":\"2024-01-01\","
	"\"shares_outstanding\":20}",
	"{\"type\":\"instrument\",\"symbol\":\"BBB\",\"as_of\":\"2024-01-30\","
	"\"shares_outstanding\":10}",
	"{\"type\":\"instrument\",\"symbol\":\"CCC\",\"as_of\":\"2024-02-01\","
	"\"shares_outstanding\":30}",
	"{\"type\":\"action\",\"symbol\":\"DDD\",\"date\":\"2024-01-29\","
	"\"kind\":\"split\",\"ratio\":2}",
};

/* a sink that counts; keeps the last row's "level", "weight",
 * "unranked" and "backfilled" */
struct count {
	int cols, rows, misses;
	double level, weight;
	long long unranked, backfilled;
};

static int
c_columns(void *ctx, const char *const *names, size_t n, struct mdx_err *e)
{
	(void)names;
	(void)n;
	(void)e;
	((struct count *)ctx)->cols++;
	return 0;
}

static int
c_row(void *ctx, const json_t *row, struct mdx_err *e)
{
	struct count *c = ctx;

	(void)e;
	c->rows++;
	if (json_object_get(row, "level"))
		c->level = json_number_value(json_object_get(row, "level"));
	if (json_object_get(row, "weight"))
		c->weight = json_number_value(json_object_get(row, "weight"));
	if (json_object_get(row, "unranked"))
		c->unranked =
			json_integer_value(json_object_get(row, "unranked"));
	if (json_object_get(row, "backfilled"))
		c->backfilled =
			json_integer_value(json_object_get(row, "backfilled"));
	return 0;
}

static void
c_miss(void *ctx, const struct mdx_err *e)
{
	(void)e;
	((struct count *)ctx)->misses++;
}

static struct mdx_sink
sink(struct count *c)
{
	struct mdx_sink k = {c_columns, c_row, c_miss, c};

	memset(c, 0, sizeof(*c));
	return k;
}

static struct mdx_store *
small_store(void)
{
	struct mdx_store *s;
	struct mdx_err e;
	char rec[512];
	json_t *j;

	s = mdx_store_open(path, MDX_STORE_CREATE, &e);
	if (s == NULL || mdx_store_migrate(s, 0, &e)) {
		T_FAILMSG("store: %s", e.text);
		mdx_store_close(s);
		return NULL;
	}
	for (size_t d = 0; d < sizeof(small) / sizeof(*small); d++)
		for (int i = 0; i < 4; i++) {
			double v = small[d].c[i];

			if (v == 0)
				continue;
			snprintf(rec, sizeof(rec),
				 "{\"type\":\"bar\",\"symbol\":\"%s\","
				 "\"interval\":\"1d\",\"ts\":\"%sT05:00:00Z\","
				 "\"date\":\"%s\",\"open\":%g,\"high\":%g,"
				 "\"low\":%g,\"close\":%g,\"volume\":%d}",
				 syms[i], small[d].date, small[d].date, v, v, v,
				 v, i == 3 ? 0 : 1000);
			j = json_loads(rec, 0, NULL);
			T_OK(j != NULL && mdx_store_put(s, j, &e) >= 0);
			json_decref(j);
		}
	for (size_t i = 0; i < sizeof(facts) / sizeof(*facts); i++) {
		j = json_loads(facts[i], 0, NULL);
		T_OK(j != NULL && mdx_store_put(s, j, &e) >= 0);
		json_decref(j);
	}
	return s;
}

static void
test_queries(void)
{
	static const char *const both[] = {"AAA", "XYZ"};
	struct mdx_analysis_opts o;
	struct mdx_store *s = small_store();
	struct mdx_query q;
	struct mdx_sink k;
	struct count c;
	struct mdx_err e;
	char *text = NULL;
	size_t len;

	if (s == NULL)
		return;
	mdx_query_init(&q);
	mdx_analysis_opts_init(&o);
	q.symbols = both;
	q.nsymbols = 2;
	k = sink(&c);
	T_EQ_INT(mdx_analysis_stats(s, &q, &o, &k, &e), 1);
	T_EQ_INT(c.rows, 1);
	T_EQ_INT(c.misses, 1);
	o.period = MDX_STATS_WEEKLY;
	o.wide = 1;
	k = sink(&c);
	T_EQ_INT(mdx_analysis_returns(s, &q, &o, &k, &e), 1);
	T_EQ_INT(c.rows, 3); /* three ISO weeks */
	o.interval = MDX_I1WK;
	k = sink(&c);
	T_EQ_INT(mdx_analysis_resample(s, &q, &o, &k, &e), 1);
	T_EQ_INT(c.rows, 3);

	/* point in time (the default): CCC's count is known from 02-01, so
	 * CCC is not ranked on its 6 sessions before (01-24 .. 01-31) and
	 * BBB stays at the 01-31 rebalance: 625 / 125 x 132 + 625 / 50 x 49
	 * = 1272.5 on 02-06, worked out by hand; only the 2 first adds */
	o.index = "pit";
	o.top = 2;
	k = sink(&c);
	T_EQ_INT(mdx_analysis_index_build(s, &q, &o, &k, &e), 0);
	T_NEAR(c.level, 1272.5, 1e-12);
	T_EQ_INT(c.unranked, 6);
	T_EQ_INT(c.backfilled, 0);
	k = sink(&c);
	T_EQ_INT(mdx_analysis_index_changes(s, &q, &o, &k, &e), 0);
	T_EQ_INT(c.rows, 2);
	T_EQ_INT(mdx_analysis_index_delete(s, "pit", &e), 1);

	/* the index of README.md's table (the earliest count filled back:
	 * CCC's 6 sessions), and DDD's split ignored (no facts: never a
	 * member) */
	o.index = "small";
	o.backfill = 1;
	k = sink(&c);
	T_EQ_INT(mdx_analysis_index_build(s, &q, &o, &k, &e), 0);
	T_EQ_INT(c.rows, 1);
	T_NEAR(c.level, 1360, 1e-12);
	T_EQ_INT(c.unranked, 0);
	T_EQ_INT(c.backfilled, 6);
	k = sink(&c);
	T_EQ_INT(mdx_analysis_index_performance(s, &q, &o, &k, &e), 0);
	T_EQ_INT(c.rows, 10);
	o.date = 19753; /* 2024-01-31 */
	k = sink(&c);
	T_EQ_INT(mdx_analysis_index_composition(s, &q, &o, &k, &e), 0);
	T_EQ_INT(c.rows, 2);
	T_NEAR(c.weight, 0.5, 1e-12);
	k = sink(&c);
	T_EQ_INT(mdx_analysis_index_changes(s, &q, &o, &k, &e), 0);
	T_EQ_INT(c.rows, 4);
	k = sink(&c);
	T_EQ_INT(mdx_analysis_index_list(s, &q, &o, &k, &e), 0);
	T_EQ_INT(c.rows, 1);
	o.index = "nosuch";
	k = sink(&c);
	T_EQ_INT(mdx_analysis_index_performance(s, &q, &o, &k, &e), 1);
	T_EQ_INT(c.misses, 1);
	o.of_index = 1;
	T_EQ_INT(mdx_analysis_chart(s, &q, &o, &text, &len, &e), -1);
	T_EQ_INT(e.code, MDX_ENOTFOUND);
	o.index = "small";
	T_EQ_INT(mdx_analysis_chart(s, &q, &o, &text, &len, &e), 0);
	T_OK(text != NULL && len == strlen(text));
	mdx_free(text);
	T_EQ_INT(mdx_analysis_index_delete(s, "small", &e), 1);
	T_EQ_INT(mdx_analysis_index_delete(s, "small", &e), 0);
	/* usage errors */
	o.index = "bad name";
	k = sink(&c);
	T_EQ_INT(mdx_analysis_index_build(s, &q, &o, &k, &e), -1);
	T_EQ_INT(e.code, MDX_EINPUT);
	o.index = "x";
	o.top = 0;
	T_EQ_INT(mdx_analysis_index_build(s, &q, &o, &k, &e), -1);
	T_EQ_INT(e.code, MDX_EUSAGE);
	mdx_store_close(s);
}

/* every line of text at most w columns (each character is one wide) */
static int
max_cols(const char *text)
{
	int w = 0, m = 0;

	for (const char *p = text; *p; p++) {
		if (*p == '\n') {
			m = w > m ? w : m;
			w = 0;
		} else if (((unsigned char)*p & 0xC0) != 0x80) {
			w++;
		}
	}
	return m;
}

static void
test_chart_edges(void)
{
	struct mdx_chart_point p[400];
	struct mdx_chart_opts o;
	struct mdx_err e;
	char *text;
	size_t len, lines;

	for (int i = 0; i < 400; i++) {
		double c = 100 + 10 * sin(i / 20.0);

		p[i].date = 17000 + i + i / 5 * 2; /* weekdays, roughly */
		p[i].open = c - 1;
		p[i].close = c;
		p[i].high = c + 2;
		p[i].low = c - 3;
	}
	mdx_chart_opts_init(&o);
	/* one point, a constant series, many points, candles merged */
	for (int type = 0; type < 2; type++) {
		size_t ns[] = {1, 2, 400};

		o.type = type;
		for (size_t j = 0; j < 3; j++) {
			T_EQ_INT(mdx_chart_text(p, ns[j], &o, &text, &len, &e),
				 0);
			lines = 0;
			for (size_t i = 0; i < len; i++)
				lines += text[i] == '\n';
			T_EQ_INT(lines, MDX_CHART_TEXT_HEIGHT);
			T_OK(max_cols(text) <= MDX_CHART_TEXT_WIDTH);
			mdx_free(text);
			T_EQ_INT(mdx_chart_svg(p, ns[j], &o, &text, &len, &e),
				 0);
			T_OK(strncmp(text, "<svg ", 5) == 0 &&
			     strcmp(text + len - 7, "</svg>\n") == 0);
			mdx_free(text);
		}
	}
	o.width = 31;
	o.height = 6;
	T_EQ_INT(mdx_chart_text(p, 400, &o, &text, &len, &e), 0);
	T_OK(max_cols(text) <= 31);
	mdx_free(text);
	/* refusals */
	o.width = 10;
	T_EQ_INT(mdx_chart_text(p, 4, &o, &text, &len, &e), -1);
	T_EQ_INT(e.code, MDX_EUSAGE);
	o.width = o.height = 0;
	T_EQ_INT(mdx_chart_text(p, 0, &o, &text, &len, &e), -1);
	T_EQ_INT(e.code, MDX_EUSAGE);
	p[3].high = NAN;
	T_EQ_INT(mdx_chart_svg(p, 4, &o, &text, &len, &e), -1);
	T_EQ_INT(e.code, MDX_EINPUT);
	T_EQ_INT(mdx_chart_type_parse("candle"), MDX_CHART_CANDLE);
	T_EQ_INT(mdx_chart_type_parse("bar"), -1);
}

/* run fn with allocation k failing, k = 1, 2 ... until it succeeds */
#define OOM_LOOP(what, call)                                                   \
	do {                                                                   \
		int rc_ = -1, k_;                                              \
		for (k_ = 1; rc_ < 0 && k_ < 2000; k_++) {                     \
			mdx_alloc_fail_after(k_);                              \
			rc_ = (call);                                          \
			mdx_alloc_fail_after(0);                               \
			if (rc_ < 0 && e.code != MDX_ENOMEM)                   \
				T_FAILMSG("%s: failure %d: %s", what, k_,      \
					  e.text);                             \
		}                                                              \
		T_OK(rc_ >= 0);                                                \
	} while (0)

static void
test_oom(void)
{
	static const char *const one[] = {"AAA"};
	struct mdx_chart_point p[60];
	struct mdx_analysis_opts o;
	struct mdx_chart_opts co;
	struct mdx_store *s = small_store();
	struct mdx_query q;
	struct mdx_sink k;
	struct count c;
	struct mdx_err e;
	char *text = NULL;
	size_t len;

	if (s == NULL)
		return;
	mdx_query_init(&q);
	mdx_analysis_opts_init(&o);
	q.symbols = one;
	q.nsymbols = 1;
	k = sink(&c);
	OOM_LOOP("stats", mdx_analysis_stats(s, &q, &o, &k, &e));
	o.wide = 1;
	OOM_LOOP("returns", mdx_analysis_returns(s, &q, &o, &k, &e));
	o.interval = MDX_I1WK;
	OOM_LOOP("resample", mdx_analysis_resample(s, &q, &o, &k, &e));
	o.index = "small";
	o.top = 2;
	o.rebalance = MDX_STATS_DAILY;
	OOM_LOOP("index build", mdx_analysis_index_build(s, &q, &o, &k, &e));
	{ /* a universe: AAA, and BBB until 01-30 (made up) */
		char up[200];
		FILE *fp;

		snprintf(up, sizeof(up), "%s/small_u.csv", dir);
		fp = fopen(up, "w");
		T_OK(fp != NULL);
		if (fp != NULL) {
			fputs("ticker,start_date,end_date\n"
			      "AAA,2024-01-01,\nBBB,2024-01-01,2024-01-30\n",
			      fp);
			fclose(fp);
			o.universe = up;
			o.backfill = 1;
			q.adjust = MDX_ADJUST_TOTAL;
			OOM_LOOP("index build --universe",
				 mdx_analysis_index_build(s, &q, &o, &k, &e));
			o.universe = NULL;
			o.backfill = 0;
			q.adjust = MDX_ADJUST_NONE;
			unlink(up);
		}
	}
	OOM_LOOP("performance",
		 mdx_analysis_index_performance(s, &q, &o, &k, &e));
	o.summary = 1;
	OOM_LOOP("summary", mdx_analysis_index_performance(s, &q, &o, &k, &e));
	OOM_LOOP("composition",
		 mdx_analysis_index_composition(s, &q, &o, &k, &e));
	OOM_LOOP("changes", mdx_analysis_index_changes(s, &q, &o, &k, &e));
	OOM_LOOP("list", mdx_analysis_index_list(s, &q, &o, &k, &e));
	o.chart_type = MDX_CHART_CANDLE;
	OOM_LOOP("chart", mdx_analysis_chart(s, &q, &o, &text, &len, &e));
	mdx_free(text);
	text = NULL;
	o.svg = 1;
	OOM_LOOP("chart svg", mdx_analysis_chart(s, &q, &o, &text, &len, &e));
	mdx_free(text);
	text = NULL;
	mdx_store_close(s);

	for (int i = 0; i < 60; i++) {
		p[i].date = 19000 + i;
		p[i].open = p[i].low = 10 + i % 7;
		p[i].close = p[i].high = 11 + i % 5;
		if (p[i].close < p[i].open)
			p[i].high = p[i].open;
	}
	mdx_chart_opts_init(&co);
	co.title = "T & <x>";
	co.detail = "close";
	for (int type = 0; type < 2; type++) {
		co.type = type;
		OOM_LOOP("text", mdx_chart_text(p, 60, &co, &text, &len, &e));
		mdx_free(text);
		text = NULL;
		OOM_LOOP("svg", mdx_chart_svg(p, 60, &co, &text, &len, &e));
		T_OK(text != NULL && strstr(text, "T &amp; &lt;x&gt;") != NULL);
		mdx_free(text);
		text = NULL;
	}
}

static void
cleanup(void)
{
	char p[160];

	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

/* day of a "YYYY-MM-DD" */
static int32_t
day_of(const char *text)
{
	struct mdx_err e;
	int32_t d = 0;

	T_OK(mdx_date_parse(text, &d, &e) == 0);
	return d;
}

/* the membership file of the real S&P 500 (fja05680/sp500, 1230 rows) */
static void
test_universe(void)
{
	static const char sp500[] =
		"tests/fixtures/sp500/fja05680_sp500_ticker_start_end.csv";
	struct mdx_universe u;
	struct mdx_err e;
	char p[200];
	FILE *fp;

	mdx_err_clear(&e);
	T_EQ_INT(mdx_universe_read(sp500, &u, &e), 0);
	T_EQ_INT((long)u.n, 1230);
	/* AOS,2017-07-26, (joined; still a member) */
	T_EQ_INT(mdx_universe_member(&u, "AOS", day_of("2017-07-25")), 0);
	T_EQ_INT(mdx_universe_member(&u, "AOS", day_of("2017-07-26")), 1);
	T_EQ_INT(mdx_universe_member(&u, "AOS", day_of("2025-07-09")), 1);
	/* PCG,1996-01-02,2019-01-18 and PCG,2022-10-03, : out between */
	T_EQ_INT(mdx_universe_member(&u, "PCG", day_of("2019-01-17")), 1);
	T_EQ_INT(mdx_universe_member(&u, "PCG", day_of("2019-01-18")), 0);
	T_EQ_INT(mdx_universe_member(&u, "PCG", day_of("2022-10-02")), 0);
	T_EQ_INT(mdx_universe_member(&u, "PCG", day_of("2022-10-03")), 1);
	T_EQ_INT(mdx_universe_member(&u, "NOSUCH", day_of("2020-01-02")), 0);
	T_OK(mdx_universe_find(&u, "PCG") >= 0);
	T_OK(mdx_universe_find(&u, "ZZZZ") < 0);
	mdx_universe_release(&u);

	/* columns in another order, a quoted field, CRLF */
	snprintf(p, sizeof(p), "%s/u.csv", dir);
	fp = fopen(p, "w");
	T_OK(fp != NULL);
	if (fp == NULL)
		return;
	fputs("end_date,note,symbol,start_date\r\n"
	      "2020-03-01,\"a, b\",XXX,2020-01-01\r\n"
	      ",,YYY,2020-02-01\r\n",
	      fp);
	fclose(fp);
	T_EQ_INT(mdx_universe_read(p, &u, &e), 0);
	T_EQ_INT((long)u.n, 2);
	T_EQ_INT(mdx_universe_member(&u, "XXX", day_of("2020-02-29")), 1);
	T_EQ_INT(mdx_universe_member(&u, "XXX", day_of("2020-03-01")), 0);
	T_EQ_INT(mdx_universe_member(&u, "YYY", day_of("2030-01-01")), 1);
	mdx_universe_release(&u);

	/* refused: an end not after its start, a bad date, no header */
	fp = fopen(p, "w");
	if (fp == NULL)
		return;
	fputs("ticker,start_date,end_date\nXXX,2020-01-01,2020-01-01\n", fp);
	fclose(fp);
	T_EQ_INT(mdx_universe_read(p, &u, &e), -1);
	T_EQ_INT(e.code, MDX_EINPUT);
	T_EQ_INT((int)e.line, 2);
	T_OK(u.iv == NULL && u.n == 0);
	fp = fopen(p, "w");
	if (fp == NULL)
		return;
	fputs("ticker,start_date,end_date\nXXX,2020-13-01,\n", fp);
	fclose(fp);
	T_EQ_INT(mdx_universe_read(p, &u, &e), -1);
	T_OK(strstr(e.text, "2020-13-01") != NULL);
	fp = fopen(p, "w");
	if (fp == NULL)
		return;
	fputs("XXX,2020-01-01,\n", fp);
	fclose(fp);
	T_EQ_INT(mdx_universe_read(p, &u, &e), -1);
	T_OK(strstr(e.text, "header") != NULL);
	unlink(p);
	T_EQ_INT(mdx_universe_read(p, &u, &e), -1);
	T_EQ_INT(e.code, MDX_EIO);
}

int
main(void)
{
	mdx_alloc_init();
	snprintf(dir, sizeof(dir), "/tmp/mdx-test-analysis.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/a.db", dir);
	T_RUN(test_queries);
	cleanup();
	T_RUN(test_chart_edges);
	T_RUN(test_universe);
	T_RUN(test_oom);
	cleanup();
	rmdir(dir);
	return t_done();
}
