/*
 * mdx_serve_store.h - what mdx-serve asks of the store beyond the query
 * core of mdx_store.h: deleting one bar (DELETE /v1/bars/...), the
 * change counter that invalidates its response cache, and the figures of
 * /ready and /metrics.  Over the same SQLite handle (mdx_store_db); SQL
 * values are bound, never formatted.
 */
#ifndef MDX_SERVE_STORE_H
#define MDX_SERVE_STORE_H

#include <stdint.h>

#include "mdx_err.h"
#include "mdx_store.h"

/*
 * Delete the bar with key (symbol, interval, ts) (interval an enum
 * mdx_interval, ts epoch ms UTC).  Returns 1 when a bar was deleted, 0
 * when there was none, or -1 with e set (MDX_ETEMP when the database
 * stayed locked, MDX_EDB otherwise).  Outside a batch it commits at once.
 */
int mdx_serve_store_delete_bar(struct mdx_store *s, const char *symbol,
			       int interval, int64_t ts, struct mdx_err *e);

/*
 * SQLite's PRAGMA data_version of the connection into *v: a number that
 * changes whenever another connection (another process: mdx-load) has
 * committed a change to the file since the last call on this connection
 * (sqlite.org/pragma.html#pragma_data_version).  Values of two
 * connections are not comparable.  The statement is prepared on the first
 * call into *st and kept there for the next (the caller owns it and
 * finalizes it with sqlite3_finalize before closing s); *st starts NULL.
 * Returns 0 or -1 with e set.
 */
int mdx_serve_store_data_version(struct mdx_store *s, sqlite3_stmt **st,
				 int64_t *v, struct mdx_err *e);

/* The number of bars in the store (every symbol and interval) into *n. */
int mdx_serve_store_bar_count(struct mdx_store *s, int64_t *n,
			      struct mdx_err *e);

/* The latest run in the runs table, by its finished time. */
struct mdx_serve_run {
	int64_t id;	     /* runs.id */
	char tool[32];	     /* "mdx-load" ... */
	char status[16];     /* "ok", "partial", "failed" */
	char finished[40];   /* RFC 3339 text as stored, "" when null */
	int64_t finished_ms; /* the same as epoch ms UTC; 0 when unknown */
};

/*
 * The latest run (greatest finished time, then id) whose status is status
 * (NULL: any status) into *r.  Returns 1 when found, 0 when the table has
 * no such run, or -1 with e set.
 */
int mdx_serve_store_last_run(struct mdx_store *s, const char *status,
			     struct mdx_serve_run *r, struct mdx_err *e);

#endif
