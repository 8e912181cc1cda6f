/*
 * serve_store.c - the store functions only mdx-serve needs: delete one
 * bar, the change counter, the figures of /ready and /metrics.
 */
#include <stdio.h>
#include <string.h>

#include "mdx_record.h"
#include "mdx_serve_store.h"
#include "mdx_time.h"

int
mdx_serve_store_delete_bar(struct mdx_store *s, const char *symbol,
			   int interval, int64_t ts, struct mdx_err *e)
{
	static const char sql[] = "DELETE FROM bars WHERE symbol = ?1 AND "
				  "interval = ?2 AND ts = ?3";
	sqlite3 *db = mdx_store_db(s);
	sqlite3_stmt *st = NULL;
	const char *iv = mdx_interval_name(interval);
	int rc;

	if (iv == NULL)
		return mdx_err_set(e, MDX_EUSAGE, "invalid interval");
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return mdx_store_sqlite_err(db, e, "delete bar");
	sqlite3_bind_text(st, 1, symbol, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, iv, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, ts);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		mdx_store_sqlite_err(db, e, "delete bar");
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return sqlite3_changes(db) > 0 ? 1 : 0;
}

int
mdx_serve_store_data_version(struct mdx_store *s, sqlite3_stmt **st, int64_t *v,
			     struct mdx_err *e)
{
	sqlite3 *db = mdx_store_db(s);
	int rc;

	if (*st == NULL && sqlite3_prepare_v3(db, "PRAGMA data_version", -1,
					      SQLITE_PREPARE_PERSISTENT, st,
					      NULL) != SQLITE_OK)
		return mdx_store_sqlite_err(db, e, "read data_version");
	rc = sqlite3_step(*st);
	if (rc != SQLITE_ROW) {
		mdx_store_sqlite_err(db, e, "read data_version");
		sqlite3_reset(*st);
		return -1;
	}
	*v = sqlite3_column_int64(*st, 0);
	sqlite3_reset(*st);
	return 0;
}

/* run sql, which gives one integer; into *n */
static int
one_int(sqlite3 *db, const char *sql, int64_t *n, struct mdx_err *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return mdx_store_sqlite_err(db, e, "count");
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		mdx_store_sqlite_err(db, e, "count");
		sqlite3_finalize(st);
		return -1;
	}
	*n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return 0;
}

int
mdx_serve_store_bar_count(struct mdx_store *s, int64_t *n, struct mdx_err *e)
{
	return one_int(mdx_store_db(s), "SELECT count(*) FROM bars", n, e);
}

static void
copy_col(sqlite3_stmt *st, int i, char *buf, size_t n)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	snprintf(buf, n, "%s", t ? (const char *)t : "");
}

int
mdx_serve_store_last_run(struct mdx_store *s, const char *status,
			 struct mdx_serve_run *r, struct mdx_err *e)
{
	static const char sql[] =
		"SELECT id, tool, status, finished FROM runs "
		"WHERE ?1 IS NULL OR status = ?1 "
		"ORDER BY julianday(finished) DESC, id DESC LIMIT 1";
	sqlite3 *db = mdx_store_db(s);
	sqlite3_stmt *st = NULL;
	int rc, ret = -1;

	memset(r, 0, sizeof(*r));
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return mdx_store_sqlite_err(db, e, "read runs");
	if (status != NULL)
		sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		ret = 0;
	} else if (rc == SQLITE_ROW) {
		r->id = sqlite3_column_int64(st, 0);
		copy_col(st, 1, r->tool, sizeof(r->tool));
		copy_col(st, 2, r->status, sizeof(r->status));
		copy_col(st, 3, r->finished, sizeof(r->finished));
		if (r->finished[0] == '\0' ||
		    mdx_rfc3339_parse(r->finished, &r->finished_ms, NULL))
			r->finished_ms = 0;
		ret = 1;
	} else {
		mdx_store_sqlite_err(db, e, "read runs");
	}
	sqlite3_finalize(st);
	return ret;
}
