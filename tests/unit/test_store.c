/*
 * test_store.c - the SQLite store on real database files in a temporary
 * directory: migrations, upsert counts, every record type, the query core
 * and the read-only sql command.
 *
 * Bars are AAPL's first three daily bars of 2022 from
 * ../shared/data/csv/yahoo_download_AAPL_2022-01-03_2023-05-31.csv.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mdx_alloc.h"
#include "mdx_store.h"
#include "t.h"

static char dir[64];
static char path[128];

static const char *const aapl[] = {
	"{\"type\":\"bar\",\"symbol\":\"AAPL\",\"interval\":\"1d\","
	"\"ts\":\"2022-01-03T05:00:00Z\",\"date\":\"2022-01-03\","
	"\"open\":177.830002,\"high\":182.880005,\"low\":177.710007,"
	"\"close\":182.009995,\"adj_close\":180.43428,\"volume\":104487900,"
	"\"vwap\":null,\"trades\":null,\"session\":\"regular\",\"phase\":null,"
	"\"source\":\"yahoo\"}",
	"{\"type\":\"bar\",\"symbol\":\"AAPL\",\"interval\":\"1d\","
	"\"ts\":\"2022-01-04T05:00:00Z\",\"date\":\"2022-01-04\","
	"\"open\":182.630005,\"high\":182.940002,\"low\":179.119995,"
	"\"close\":179.699997,\"adj_close\":178.144287,\"volume\":99310400,"
	"\"vwap\":null,\"trades\":null,\"session\":\"regular\",\"phase\":null,"
	"\"source\":\"yahoo\"}",
	"{\"type\":\"bar\",\"symbol\":\"AAPL\",\"interval\":\"1d\","
	"\"ts\":\"2022-01-05T05:00:00Z\",\"date\":\"2022-01-05\","
	"\"open\":179.610001,\"high\":180.169998,\"low\":174.639999,"
	"\"close\":174.919998,\"adj_close\":173.405685,\"volume\":94537600,"
	"\"vwap\":null,\"trades\":null,\"session\":\"regular\",\"phase\":null,"
	"\"source\":\"yahoo\"}",
};

/* a sink that keeps what it gets */
struct keep {
	json_t *cols;	/* array of names */
	json_t *rows;	/* array of row objects */
	int misses;	/* k->miss calls */
	char miss[512]; /* text of the last */
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

	k->misses++;
	snprintf(k->miss, sizeof(k->miss), "%s", e->text);
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

/* a fresh, migrated store */
static struct mdx_store *
fresh(void)
{
	struct mdx_err e;
	struct mdx_store *s;

	remove_db();
	s = mdx_store_open(path, MDX_STORE_CREATE, &e);
	if (s == NULL) {
		T_FAILMSG("open: %s", e.text);
		return NULL;
	}
	if (mdx_store_migrate(s, 0, &e)) {
		T_FAILMSG("migrate: %s", e.text);
		mdx_store_close(s);
		return NULL;
	}
	return s;
}

/* the single integer that sql gives */
static long long
scalar(struct mdx_store *s, const char *sql)
{
	sqlite3_stmt *st;
	long long v = -1;

	if (sqlite3_prepare_v2(mdx_store_db(s), sql, -1, &st, NULL) !=
	    SQLITE_OK) {
		T_FAILMSG("prepare %s: %s", sql,
			  sqlite3_errmsg(mdx_store_db(s)));
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* the single text that sql gives, into buf */
static const char *
scalar_text(struct mdx_store *s, const char *sql, char *buf, size_t n)
{
	sqlite3_stmt *st;

	buf[0] = '\0';
	if (sqlite3_prepare_v2(mdx_store_db(s), sql, -1, &st, NULL) !=
	    SQLITE_OK)
		return "(prepare failed)";
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(buf, n, "%s",
			 (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return buf;
}

/* put the record text; returns enum mdx_put or -1 */
static int
put(struct mdx_store *s, const char *text, struct mdx_err *e)
{
	json_t *rec = json_loads(text, 0, NULL);
	int rc;

	if (rec == NULL) {
		T_FAILMSG("bad test JSON: %s", text);
		return -1;
	}
	mdx_err_clear(e);
	rc = mdx_store_put(s, rec, e);
	json_decref(rec);
	return rc;
}

static void
t_migrate_fresh(void)
{
	struct mdx_store *s = fresh();
	struct mdx_err e;
	int v = -1;

	if (s == NULL)
		return;
	T_OK(mdx_store_version(s, &v, &e) == 0);
	T_EQ_INT(v, MDX_STORE_VERSION);
	T_EQ_INT(scalar(s, "SELECT count(*) FROM sqlite_master WHERE name IN "
			   "('bars', 'instruments', 'instrument_facts', "
			   "'actions', 'runs', 'bars_v')"),
		 6);
	/* a second migrate is a no-op */
	T_OK(mdx_store_migrate(s, 0, &e) == 0);
	T_OK(mdx_store_version(s, &v, &e) == 0);
	T_EQ_INT(v, MDX_STORE_VERSION);
	{
		char mode[16];

		T_EQ_STR(scalar_text(s, "PRAGMA journal_mode", mode,
				     sizeof(mode)),
			 "wal");
	}
	mdx_store_close(s);
}

static void
t_bar_counts(void)
{
	struct mdx_store *s = fresh();
	struct mdx_err e;
	char buf[64];
	json_t *rec;
	struct mdx_bar b;

	if (s == NULL)
		return;
	mdx_store_set_clock(s, 1000);
	/* insert 3 */
	T_OK(mdx_store_begin(s, &e) == 0);
	for (int i = 0; i < 3; i++)
		T_EQ_INT(put(s, aapl[i], &e), MDX_PUT_INSERTED);
	T_OK(mdx_store_commit(s, &e) == 0);
	T_EQ_INT(scalar(s, "SELECT count(*) FROM bars"), 3);
	/* the same 3 again: unchanged, nothing written */
	mdx_store_set_clock(s, 2000);
	T_OK(mdx_store_begin(s, &e) == 0);
	for (int i = 0; i < 3; i++)
		T_EQ_INT(put(s, aapl[i], &e), MDX_PUT_UNCHANGED);
	T_EQ_INT(sqlite3_total_changes(mdx_store_db(s)), 3);
	T_OK(mdx_store_commit(s, &e) == 0);
	T_EQ_INT(scalar(s, "SELECT max(updated_at) FROM bars"), 1000);
	/* one close changed: updated, updated_at moved, created_at kept */
	rec = json_loads(aapl[1], 0, NULL);
	T_OK(mdx_bar_from_json(rec, &b, &e) == 0);
	b.close = 179.7;
	T_EQ_INT(mdx_store_put_bar(s, &b, &e), MDX_PUT_UPDATED);
	T_EQ_INT(mdx_store_put_bar(s, &b, &e), MDX_PUT_UNCHANGED);
	/* a null that becomes a value is a change too */
	b.has |= MDX_HAS_VWAP;
	b.vwap = 180.5;
	T_EQ_INT(mdx_store_put_bar(s, &b, &e), MDX_PUT_UPDATED);
	json_decref(rec);
	T_EQ_INT(scalar(s, "SELECT count(*) FROM bars WHERE updated_at = 2000"),
		 1);
	T_EQ_INT(scalar(s, "SELECT created_at FROM bars WHERE "
			   "date = '2022-01-04'"),
		 1000);
	T_EQ_INT(scalar(s, "SELECT updated_at FROM bars WHERE "
			   "date = '2022-01-04'"),
		 2000);
	T_EQ_INT(scalar(s, "SELECT count(*) FROM bars WHERE close = 179.7"), 1);
	/* ts is epoch ms; the view shows it as text */
	T_EQ_INT(scalar(s, "SELECT ts FROM bars WHERE date = '2022-01-03'"),
		 1641186000000LL);
	T_EQ_STR(scalar_text(s,
			     "SELECT ts FROM bars_v WHERE "
			     "date = '2022-01-03'",
			     buf, sizeof(buf)),
		 "2022-01-03T05:00:00Z");
	T_EQ_STR(scalar_text(s,
			     "SELECT updated_at FROM bars_v WHERE "
			     "date = '2022-01-04'",
			     buf, sizeof(buf)),
		 "1970-01-01T00:00:02Z");
	T_EQ_STR(scalar_text(s,
			     "SELECT close FROM bars WHERE "
			     "date = '2022-01-03'",
			     buf, sizeof(buf)),
		 "182.009995");
	mdx_store_close(s);
}

static void
t_rollback(void)
{
	struct mdx_store *s = fresh();
	struct mdx_err e;

	if (s == NULL)
		return;
	T_OK(mdx_store_begin(s, &e) == 0);
	T_EQ_INT(put(s, aapl[0], &e), MDX_PUT_INSERTED);
	T_OK(mdx_store_commit(s, &e) == 0);
	T_OK(mdx_store_begin(s, &e) == 0);
	T_EQ_INT(put(s, aapl[1], &e), MDX_PUT_INSERTED);
	mdx_store_close(s); /* the open batch is dropped, not half kept */
	s = mdx_store_open(path, 0, &e);
	T_OK(s != NULL);
	if (s == NULL)
		return;
	T_EQ_INT(scalar(s, "SELECT count(*) FROM bars"), 1);
	mdx_store_close(s);
}

static void
t_instruments(void)
{
	struct mdx_store *s = fresh();
	struct mdx_err e;
	char buf[128];

	if (s == NULL)
		return;
	/* from ../shared/data/alphavantage/OVERVIEW_IBM_2020-06.json */
	T_EQ_INT(
		put(s,
		    "{\"type\":\"instrument\",\"symbol\":\"IBM\","
		    "\"name\":\"International Business Machines\","
		    "\"exchange\":\"NYSE\",\"currency\":\"USD\","
		    "\"sector\":\"Technology\",\"industry\":null,"
		    "\"market_cap\":114234572800,"
		    "\"shares_outstanding\":890579008,\"as_of\":\"2020-06-05\","
		    "\"source\":\"alphavantage\"}",
		    &e),
		MDX_PUT_INSERTED);
	T_EQ_INT(
		put(s,
		    "{\"type\":\"instrument\",\"symbol\":\"IBM\","
		    "\"name\":\"International Business Machines\","
		    "\"exchange\":\"NYSE\",\"currency\":\"USD\","
		    "\"sector\":\"Technology\",\"industry\":null,"
		    "\"market_cap\":114234572800,"
		    "\"shares_outstanding\":890579008,\"as_of\":\"2020-06-05\","
		    "\"source\":\"alphavantage\"}",
		    &e),
		MDX_PUT_UNCHANGED);
	/* nulls do not erase; a new value wins */
	T_EQ_INT(put(s,
		     "{\"type\":\"instrument\",\"symbol\":\"IBM\","
		     "\"name\":null,\"industry\":\"Computer Services\"}",
		     &e),
		 MDX_PUT_UPDATED);
	T_EQ_STR(scalar_text(s,
			     "SELECT name || '|' || industry || '|' || "
			     "exchange FROM instruments",
			     buf, sizeof(buf)),
		 "International Business Machines|Computer Services|NYSE");
	/* a later date is a new fact; history is kept */
	T_EQ_INT(put(s,
		     "{\"type\":\"instrument\",\"symbol\":\"IBM\","
		     "\"market_cap\":120000000000,\"as_of\":\"2020-07-01\"}",
		     &e),
		 MDX_PUT_INSERTED);
	T_EQ_INT(scalar(s, "SELECT count(*) FROM instrument_facts"), 2);
	T_EQ_INT(scalar(s, "SELECT shares_outstanding FROM instrument_facts "
			   "WHERE as_of = '2020-06-05'"),
		 890579008);
	T_EQ_INT(scalar(s, "SELECT market_cap FROM instrument_facts "
			   "WHERE as_of = '2020-07-01'"),
		 120000000000LL);
	/* facts without as_of change nothing in instrument_facts */
	T_EQ_INT(put(s,
		     "{\"type\":\"instrument\",\"symbol\":\"IBM\","
		     "\"market_cap\":1}",
		     &e),
		 MDX_PUT_UNCHANGED);
	T_EQ_INT(scalar(s, "SELECT count(*) FROM instrument_facts"), 2);
	/* the two rows told apart: what mdx-load counts */
	{
		json_t *rec;
		int ri = -9, rf = -9;

		/* a new fact on a known instrument */
		rec = json_loads("{\"type\":\"instrument\",\"symbol\":"
				 "\"IBM\",\"market_cap\":125000000000,"
				 "\"as_of\":\"2020-08-03\"}",
				 0, NULL);
		T_EQ_INT(mdx_store_put_instrument_rows(s, rec, &ri, &rf, &e),
			 0);
		T_EQ_INT(ri, MDX_PUT_UNCHANGED);
		T_EQ_INT(rf, MDX_PUT_INSERTED);
		json_decref(rec);
		/* figures without a date: not written, and said so */
		rec = json_loads("{\"type\":\"instrument\",\"symbol\":"
				 "\"IBM\",\"shares_outstanding\":890579008}",
				 0, NULL);
		T_EQ_INT(mdx_store_put_instrument_rows(s, rec, &ri, &rf, &e),
			 0);
		T_EQ_INT(ri, MDX_PUT_UNCHANGED);
		T_EQ_INT(rf, MDX_PUT_NO_DATE);
		json_decref(rec);
		/* no figures at all: no fact row in the record */
		rec = json_loads("{\"type\":\"instrument\",\"symbol\":"
				 "\"MSFT\",\"name\":\"Microsoft\"}",
				 0, NULL);
		T_EQ_INT(mdx_store_put_instrument_rows(s, rec, &ri, &rf, &e),
			 0);
		T_EQ_INT(ri, MDX_PUT_INSERTED);
		T_EQ_INT(rf, MDX_PUT_NONE);
		json_decref(rec);
		T_EQ_INT(scalar(s, "SELECT count(*) FROM instrument_facts"), 3);
	}
	mdx_store_close(s);
}

static void
t_actions(void)
{
	struct mdx_store *s = fresh();
	struct mdx_err e;

	if (s == NULL)
		return;
	T_EQ_INT(put(s,
		     "{\"type\":\"action\",\"symbol\":\"AAPL\","
		     "\"date\":\"2020-08-31\",\"kind\":\"split\",\"ratio\":4}",
		     &e),
		 MDX_PUT_INSERTED);
	T_EQ_INT(put(s,
		     "{\"type\":\"action\",\"symbol\":\"AAPL\","
		     "\"date\":\"2020-08-31\",\"kind\":\"split\",\"ratio\":4}",
		     &e),
		 MDX_PUT_UNCHANGED);
	T_EQ_INT(put(s,
		     "{\"type\":\"action\",\"symbol\":\"IBM\","
		     "\"date\":\"2024-11-12\",\"kind\":\"dividend\","
		     "\"amount\":1.67,\"source\":\"alphavantage\"}",
		     &e),
		 MDX_PUT_INSERTED);
	T_EQ_INT(put(s,
		     "{\"type\":\"action\",\"symbol\":\"IBM\","
		     "\"date\":\"2024-11-12\",\"kind\":\"dividend\","
		     "\"amount\":1.68,\"source\":\"alphavantage\"}",
		     &e),
		 MDX_PUT_UPDATED);
	T_EQ_INT(scalar(s, "SELECT value FROM actions WHERE kind = 'split'"),
		 4);
	T_EQ_INT(scalar(s, "SELECT value * 100 FROM actions "
			   "WHERE kind = 'dividend'"),
		 168);
	/* checked before storing */
	T_EQ_INT(put(s,
		     "{\"type\":\"action\",\"symbol\":\"IBM\","
		     "\"date\":\"2024-11-12\",\"kind\":\"merger\"}",
		     &e),
		 -1);
	T_EQ_INT(e.code, MDX_EINPUT);
	T_EQ_STR(e.field, "kind");
	mdx_store_close(s);
}

static void
t_runs(void)
{
	struct mdx_store *s = fresh();
	struct mdx_err e;
	struct mdx_query q;
	struct mdx_sink k;
	struct keep kp;
	const char *run1 =
		"{\"type\":\"run\",\"tool\":\"mdx-extract\","
		"\"started\":\"2024-01-05T10:00:00Z\","
		"\"finished\":\"2024-01-05T10:00:07Z\",\"status\":\"partial\","
		"\"in\":0,\"out\":12345,\"rejected\":0,\"failed\":[\"XYZ\"]}";
	const char *run2 =
		"{\"type\":\"run\",\"tool\":\"mdx-transform\","
		"\"started\":\"2024-01-05T10:00:07.5Z\","
		"\"finished\":\"2024-01-05T10:00:09Z\",\"status\":\"ok\","
		"\"in\":12345,\"out\":12340,\"rejected\":5}";

	if (s == NULL)
		return;
	T_EQ_INT(put(s, run1, &e), MDX_PUT_INSERTED);
	T_EQ_INT(put(s, run2, &e), MDX_PUT_INSERTED);
	T_EQ_INT(put(s, run1, &e), MDX_PUT_UNCHANGED); /* loaded again */
	T_EQ_INT(scalar(s, "SELECT count(*) FROM runs"), 2);
	T_EQ_INT(scalar(s, "SELECT rows_out FROM runs WHERE "
			   "tool = 'mdx-extract'"),
		 12345);
	T_EQ_INT(put(s, "{\"type\":\"run\",\"tool\":\"x\"}", &e), -1);
	T_EQ_STR(e.field, "status");
	mdx_query_init(&q);
	keep_init(&kp, &k);
	T_EQ_INT(mdx_store_runs(s, &q, &k, &e), 0);
	T_EQ_INT(json_array_size(kp.rows), 2);
	T_EQ_STR(json_string_value(
			 json_object_get(json_array_get(kp.rows, 0), "tool")),
		 "mdx-transform"); /* newest first */
	T_EQ_STR(json_string_value(json_array_get(
			 json_object_get(json_array_get(kp.rows, 1), "failed"),
			 0)),
		 "XYZ");
	keep_release(&kp);
	q.limit = 1;
	keep_init(&kp, &k);
	T_EQ_INT(mdx_store_runs(s, &q, &k, &e), 0);
	T_EQ_INT(json_array_size(kp.rows), 1);
	keep_release(&kp);
	mdx_store_close(s);
}

static void
t_invalid(void)
{
	struct mdx_store *s = fresh();
	struct mdx_err e;

	if (s == NULL)
		return;
	/* a symbol carrying SQL never reaches the store */
	T_EQ_INT(put(s,
		     "{\"symbol\":\"AAPL'; DROP TABLE bars;--\","
		     "\"interval\":\"1d\",\"ts\":\"2022-01-03T05:00:00Z\","
		     "\"date\":\"2022-01-03\",\"close\":182.009995}",
		     &e),
		 -1);
	T_EQ_INT(e.code, MDX_EINPUT);
	T_EQ_STR(e.field, "symbol");
	T_EQ_INT(put(s,
		     "{\"symbol\":\"AAPL\",\"interval\":\"1d\","
		     "\"ts\":\"2022-01-03T05:00:00Z\",\"date\":\"2022-01-03\","
		     "\"close\":\"182.01\"}",
		     &e),
		 -1);
	T_EQ_STR(e.field, "close");
	T_EQ_INT(put(s, "{\"type\":\"quote\",\"symbol\":\"AAPL\"}", &e), -1);
	T_EQ_STR(e.field, "type");
	T_EQ_INT(scalar(s, "SELECT count(*) FROM bars"), 0);
	mdx_store_close(s);
}

static void
t_migrate_old(void)
{
	struct mdx_store *s;
	struct mdx_err e;
	int v = -1;
	char buf[64];

	remove_db();
	/* a version 1 file with a bar in it, as an older mdx-load left it */
	s = mdx_store_open(path, MDX_STORE_CREATE, &e);
	T_OK(s != NULL);
	if (s == NULL)
		return;
	T_OK(mdx_store_migrate(s, 1, &e) == 0);
	T_OK(mdx_store_version(s, &v, &e) == 0);
	T_EQ_INT(v, 1);
	T_EQ_INT(scalar(s, "SELECT count(*) FROM sqlite_master WHERE "
			   "name = 'bars_v'"),
		 0);
	T_EQ_INT(put(s, aapl[0], &e), MDX_PUT_INSERTED);
	mdx_store_close(s);
	/* opened again and brought forward: data kept, view added */
	s = mdx_store_open(path, 0, &e);
	T_OK(s != NULL);
	if (s == NULL)
		return;
	T_OK(mdx_store_migrate(s, 0, &e) == 0);
	T_OK(mdx_store_version(s, &v, &e) == 0);
	T_EQ_INT(v, MDX_STORE_VERSION);
	T_EQ_STR(scalar_text(s, "SELECT ts FROM bars_v", buf, sizeof(buf)),
		 "2022-01-03T05:00:00Z");
	T_EQ_INT(put(s, aapl[0], &e), MDX_PUT_UNCHANGED);
	/* a file from a newer mdx is refused, and left as it is */
	T_EQ_INT(sqlite3_exec(mdx_store_db(s), "PRAGMA user_version = 99", NULL,
			      NULL, NULL),
		 SQLITE_OK);
	T_EQ_INT(mdx_store_migrate(s, 0, &e), -1);
	T_OK(strstr(e.text, "newer") != NULL);
	T_OK(mdx_store_version(s, &v, &e) == 0);
	T_EQ_INT(v, 99);
	mdx_store_close(s);
}

static void
t_open_errors(void)
{
	struct mdx_store *s;
	struct mdx_err e;
	char p[160];
	FILE *fp;

	snprintf(p, sizeof(p), "%s/missing.db", dir);
	mdx_err_clear(&e);
	T_OK(mdx_store_open(p, MDX_STORE_READONLY, &e) == NULL);
	T_EQ_INT(e.code, MDX_ENOTFOUND);
	/* an SQLite file without the mdx schema */
	remove_db();
	s = mdx_store_open(path, MDX_STORE_CREATE, &e);
	T_OK(s != NULL);
	mdx_store_close(s);
	T_OK(mdx_store_open(path, MDX_STORE_READONLY, &e) == NULL);
	T_EQ_INT(e.code, MDX_EINPUT);
	/* not a database at all */
	snprintf(p, sizeof(p), "%s/text.db", dir);
	fp = fopen(p, "w");
	T_OK(fp != NULL);
	if (fp != NULL) {
		for (int i = 0; i < 200; i++)
			fputs("this is not a database\n", fp);
		fclose(fp);
	}
	T_OK(mdx_store_open(p, 0, &e) == NULL);
	T_OK(strstr(e.text, "not a database") != NULL);
	T_OK(mdx_store_open(p, MDX_STORE_READONLY, &e) == NULL);
	T_EQ_INT(e.code, MDX_EINPUT);
	unlink(p);
}

/* a store with the three AAPL bars, IBM's bar, and read-only */
static struct mdx_store *
loaded(void)
{
	struct mdx_store *s = fresh();
	struct mdx_err e;

	if (s == NULL)
		return NULL;
	for (int i = 0; i < 3; i++)
		put(s, aapl[i], &e);
	put(s,
	    "{\"symbol\":\"IBM\",\"interval\":\"1d\","
	    "\"ts\":\"2022-01-03T05:00:00Z\",\"date\":\"2022-01-03\","
	    "\"open\":134.070007,\"high\":136.289993,\"low\":133.630005,"
	    "\"close\":136.039993}",
	    &e);
	mdx_store_close(s);
	if ((s = mdx_store_open(path, MDX_STORE_READONLY, &e)) == NULL)
		T_FAILMSG("open read-only: %s", e.text);
	return s;
}

static void
t_query_bars(void)
{
	struct mdx_store *s = loaded();
	const char *syms[] = {"AAPL", "XYZ"};
	struct mdx_query q;
	struct mdx_sink k;
	struct mdx_err e;
	struct keep kp;
	json_t *r;

	if (s == NULL)
		return;
	mdx_query_init(&q);
	q.symbols = syms;
	q.nsymbols = 2;
	mdx_date_parse("2022-01-04", &q.from, &e);
	mdx_date_parse("2022-01-05", &q.to, &e);
	q.has = MDX_Q_FROM | MDX_Q_TO;
	keep_init(&kp, &k);
	T_EQ_INT(mdx_store_bars(s, &q, &k, &e), 1); /* XYZ missing */
	T_EQ_INT(kp.misses, 1);
	T_EQ_STR(kp.miss, "symbol 'XYZ' not in the store");
	T_EQ_INT(json_array_size(kp.cols), 16);
	{
		char like[40];

		/* the case-insensitive look-up behind the hint */
		T_EQ_INT(mdx_store_symbol_nocase(s, "aApL", like, sizeof(like),
						 &e),
			 1);
		T_EQ_STR(like, "AAPL");
		T_EQ_INT(mdx_store_symbol_nocase(s, "XYZ", like, sizeof(like),
						 &e),
			 0);
	}
	T_EQ_STR(json_string_value(json_array_get(kp.cols, 8)), "close");
	T_EQ_INT(json_array_size(kp.rows), 2);
	r = json_array_get(kp.rows, 0);
	T_EQ_STR(json_string_value(json_object_get(r, "date")), "2022-01-04");
	T_EQ_STR(json_string_value(json_object_get(r, "ts")),
		 "2022-01-04T05:00:00Z");
	T_OK(json_real_value(json_object_get(r, "close")) == 179.699997);
	T_OK(json_is_null(json_object_get(r, "vwap")));
	T_EQ_INT(json_integer_value(json_object_get(r, "volume")), 99310400);
	keep_release(&kp);
	/* limit and interval */
	q.nsymbols = 1;
	q.has = 0;
	q.limit = 2;
	keep_init(&kp, &k);
	T_EQ_INT(mdx_store_bars(s, &q, &k, &e), 0);
	T_EQ_INT(json_array_size(kp.rows), 2);
	keep_release(&kp);
	q.limit = 0;
	q.interval = MDX_I1H;
	keep_init(&kp, &k);
	T_EQ_INT(mdx_store_bars(s, &q, &k, &e), 0);
	T_EQ_INT(json_array_size(kp.rows), 0);
	keep_release(&kp);
	/* an invalid symbol is an error, not a miss */
	syms[0] = "AA'PL";
	q.interval = -1;
	keep_init(&kp, &k);
	T_EQ_INT(mdx_store_bars(s, &q, &k, &e), -1);
	T_EQ_INT(e.code, MDX_EINPUT);
	keep_release(&kp);
	mdx_store_close(s);
}

static void
t_query_latest_symbols(void)
{
	struct mdx_store *s = loaded();
	struct mdx_query q;
	struct mdx_sink k;
	struct mdx_err e;
	struct keep kp;
	json_t *r;

	if (s == NULL)
		return;
	mdx_query_init(&q);
	keep_init(&kp, &k);
	T_EQ_INT(mdx_store_latest(s, &q, &k, &e), 0);
	T_EQ_INT(json_array_size(kp.rows), 2);
	r = json_array_get(kp.rows, 0);
	T_EQ_STR(json_string_value(json_object_get(r, "symbol")), "AAPL");
	T_EQ_STR(json_string_value(json_object_get(r, "date")), "2022-01-05");
	r = json_array_get(kp.rows, 1);
	T_EQ_STR(json_string_value(json_object_get(r, "symbol")), "IBM");
	keep_release(&kp);
	keep_init(&kp, &k);
	T_EQ_INT(mdx_store_symbols(s, &q, &k, &e), 0);
	T_EQ_INT(json_array_size(kp.rows), 2);
	r = json_array_get(kp.rows, 0);
	T_EQ_STR(json_string_value(json_object_get(r, "first_date")),
		 "2022-01-03");
	T_EQ_STR(json_string_value(json_object_get(r, "last_date")),
		 "2022-01-05");
	T_EQ_INT(json_integer_value(json_object_get(r, "bars")), 3);
	keep_release(&kp);
	mdx_store_close(s);
}

/* run sql on s; returns mdx_store_sql's result, rows in *nrows */
static int
run_sql(struct mdx_store *s, const char *sql, size_t *nrows, struct mdx_err *e)
{
	struct mdx_query q;
	struct mdx_sink k;
	struct keep kp;
	int rc;

	mdx_query_init(&q);
	q.sql = sql;
	keep_init(&kp, &k);
	mdx_err_clear(e);
	rc = mdx_store_sql(s, &q, &k, e);
	*nrows = json_array_size(kp.rows);
	keep_release(&kp);
	return rc;
}

static void
t_sql_authorizer(void)
{
	static const char *const refused[] = {
		"INSERT INTO bars (symbol, interval, ts, date, close, "
		"created_at, updated_at) VALUES ('X', '1d', 0, '1970-01-01', "
		"1, "
		"0, 0)",
		"DELETE FROM bars",
		"UPDATE bars SET close = 1",
		"UPDATE sqlite_master SET sql = ''",
		"PRAGMA writable_schema = 1; UPDATE sqlite_master SET sql = ''",
		"DROP TABLE bars",
		"CREATE TABLE t (x)",
		"CREATE TEMP TABLE t (x)",
		"ATTACH DATABASE ':memory:' AS other",
		"DETACH DATABASE main",
		"PRAGMA user_version = 5",
		"PRAGMA journal_mode = DELETE",
		"PRAGMA writable_schema = 1",
		"BEGIN",
		"SELECT 1; DELETE FROM bars",
		"SELECT 1; SELECT 2",
		"VACUUM",
		"REINDEX",
		"ANALYZE",
	};
	struct mdx_store *s;
	struct mdx_err e;
	size_t n;
	int v;

	s = fresh();
	if (s == NULL)
		return;
	for (int i = 0; i < 3; i++)
		put(s, aapl[i], &e);
	/* the authorizer alone refuses, even on a writable connection */
	for (size_t i = 0; i < sizeof(refused) / sizeof(*refused); i++) {
		if (run_sql(s, refused[i], &n, &e) != -1)
			T_FAILMSG("not refused: %s", refused[i]);
		T_EQ_INT(e.code, MDX_EINPUT);
	}
	T_EQ_INT(scalar(s, "SELECT count(*) FROM bars"), 3);
	T_OK(mdx_store_version(s, &v, &e) == 0);
	T_EQ_INT(v, MDX_STORE_VERSION);
	run_sql(s, "DELETE FROM bars", &n, &e);
	T_OK(strstr(e.text, "refused: DELETE") != NULL);
	run_sql(s, "SELECT 1; SELECT 2", &n, &e);
	T_OK(strstr(e.text, "one statement") != NULL);
	/* reads are allowed */
	T_EQ_INT(run_sql(s, "SELECT * FROM bars", &n, &e), 0);
	T_EQ_INT(n, 3);
	T_EQ_INT(run_sql(s,
			 "SELECT symbol, max(close) FROM bars_v "
			 "GROUP BY symbol;  -- trailing comment",
			 &n, &e),
		 0);
	T_EQ_INT(n, 1);
	T_EQ_INT(run_sql(s,
			 "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL "
			 "SELECT x + 1 FROM c WHERE x < 5) SELECT x FROM c",
			 &n, &e),
		 0);
	T_EQ_INT(n, 5);
	T_EQ_INT(run_sql(s, "PRAGMA table_info(bars)", &n, &e), 0);
	T_EQ_INT(n, 17);
	T_EQ_INT(run_sql(s, "SELECT name FROM pragma_table_info('runs')", &n,
			 &e),
		 0);
	T_EQ_INT(n, 12);
	T_EQ_INT(run_sql(s, "PRAGMA user_version", &n, &e), 0);
	T_EQ_INT(n, 1);
	T_EQ_INT(run_sql(s, "SELEC 1", &n, &e), -1);
	T_OK(strstr(e.text, "syntax error") != NULL);
	/* the writers' statements still work after the sql command */
	T_EQ_INT(put(s, aapl[0], &e), MDX_PUT_UNCHANGED);
	mdx_store_close(s);
}

static void
t_sql_values(void)
{
	struct mdx_store *s = loaded();
	struct mdx_query q;
	struct mdx_sink k;
	struct mdx_err e;
	struct keep kp;
	json_t *r;

	if (s == NULL)
		return;
	mdx_query_init(&q);
	q.sql = "SELECT 1 AS a, 1.5 AS a, 'x' AS b, NULL AS c, x'00ff' AS d";
	keep_init(&kp, &k);
	T_EQ_INT(mdx_store_sql(s, &q, &k, &e), 0);
	T_EQ_STR(json_string_value(json_array_get(kp.cols, 1)), "a_2");
	r = json_array_get(kp.rows, 0);
	T_EQ_INT(json_integer_value(json_object_get(r, "a")), 1);
	T_OK(json_real_value(json_object_get(r, "a_2")) == 1.5);
	T_EQ_STR(json_string_value(json_object_get(r, "b")), "x");
	T_OK(json_is_null(json_object_get(r, "c")));
	T_EQ_STR(json_string_value(json_object_get(r, "d")), "00ff");
	keep_release(&kp);
	/* read-only connection: even the authorizer aside, no write */
	T_EQ_INT(sqlite3_exec(mdx_store_db(s), "DELETE FROM bars", NULL, NULL,
			      NULL),
		 SQLITE_READONLY);
	mdx_store_close(s);
}

int
main(void)
{
	int rc;

	mdx_alloc_init();
	snprintf(dir, sizeof(dir), "/tmp/mdx-test-store.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/market.db", dir);
	T_RUN(t_migrate_fresh);
	T_RUN(t_bar_counts);
	T_RUN(t_rollback);
	T_RUN(t_instruments);
	T_RUN(t_actions);
	T_RUN(t_runs);
	T_RUN(t_invalid);
	T_RUN(t_migrate_old);
	T_RUN(t_open_errors);
	T_RUN(t_query_bars);
	T_RUN(t_query_latest_symbols);
	T_RUN(t_sql_authorizer);
	T_RUN(t_sql_values);
	remove_db();
	rmdir(dir);
	rc = t_done();
	return rc;
}
