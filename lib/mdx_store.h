/*
 * mdx_store.h - the SQLite store (DESIGN.md section 3) and the query core
 * that mdx-query and mdx-serve share (section 6).
 *
 * One file in WAL mode, so that readers never block the loader.  The
 * schema version is PRAGMA user_version; mdx_store_migrate() brings older
 * files forward one step at a time.  Tables (columns as in DESIGN.md):
 *
 *   bars              PK (symbol, interval, ts); ts, created_at and
 *                     updated_at INTEGER epoch ms UTC; date TEXT
 *                     'YYYY-MM-DD'; WITHOUT ROWID, so a symbol's bars lie
 *                     together in key order
 *   instruments       PK symbol; updated_at epoch ms
 *   instrument_facts  PK (symbol, as_of); as_of TEXT 'YYYY-MM-DD', the
 *                     day the count became known; period_end TEXT, the
 *                     day it describes (version 5; NULL: as_of)
 *   actions           PK (symbol, date, kind); value is the split ratio
 *                     or the dividend amount
 *   runs              id INTEGER PRIMARY KEY; started and finished RFC
 *                     3339 text as the run record gives them; detail is
 *                     the whole run record as JSON text
 *   bars_v            view of bars with ts, created_at and updated_at as
 *                     RFC 3339 text, for analysts
 *   index_defs, index_levels, index_members, index_changes
 *                     the indexes of mdx-query index build (version 3;
 *                     written by lib/analysis.c, described in mdx-query(1))
 *   index_universe    the membership intervals an index build was given
 *                     (version 5; mdx-query index build --universe)
 *
 * SQL values are always bound, never formatted into a statement.  Errors
 * come back in a struct mdx_err with code MDX_EDB (SQLite failed),
 * MDX_EIO (disk I/O, disk full), MDX_ETEMP (database busy beyond the busy
 * timeout), MDX_EINPUT (a record or a query that is not valid),
 * MDX_ENOTFOUND (no such database file) or MDX_ENOMEM.
 */
#ifndef MDX_STORE_H
#define MDX_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

#include "mdx_err.h"
#include "mdx_output.h"
#include "mdx_record.h"

/* The schema version this build creates and understands. */
#define MDX_STORE_VERSION 5

/* How long a statement waits for a lock held by another process, ms. */
#define MDX_STORE_BUSY_MS 10000

enum mdx_store_flags {
	MDX_STORE_READONLY = 1 << 0, /* SQLITE_OPEN_READONLY; no writes */
	MDX_STORE_CREATE = 1 << 1,   /* create the file when missing */
};

struct mdx_store;

/*
 * Open the store at path (flags: enum mdx_store_flags).  Writable stores
 * are put in WAL mode with synchronous=NORMAL; every store gets a busy
 * timeout of MDX_STORE_BUSY_MS.  A read-only store must already hold an
 * mdx schema (user_version >= 1).  Does not migrate: a writer calls
 * mdx_store_migrate() next.  Returns a new store (mdx_store_close), or
 * NULL with e set: MDX_ENOTFOUND when the file does not exist (and
 * MDX_STORE_CREATE is not set), MDX_EINPUT when it is no mdx store,
 * MDX_EDB otherwise.
 */
struct mdx_store *mdx_store_open(const char *path, unsigned flags,
				 struct mdx_err *e);

/* Close s (an open batch is rolled back).  s may be NULL. */
void mdx_store_close(struct mdx_store *s);

/*
 * Fill e from db's last SQLite error as "WHAT: sqlite message" and return
 * -1.  The code follows the error: busy or locked MDX_ETEMP, I/O or a full
 * disk MDX_EIO, no memory MDX_ENOMEM, a constraint MDX_EINPUT, anything
 * else MDX_EDB.  For lib/ modules that run their own statements.
 */
int mdx_store_sqlite_err(sqlite3 *db, struct mdx_err *e, const char *what);

/* The SQLite handle of s (borrowed), for what this module does not do. */
sqlite3 *mdx_store_db(struct mdx_store *s);

/* The schema version of the file (PRAGMA user_version) into *version. */
int mdx_store_version(struct mdx_store *s, int *version, struct mdx_err *e);

/*
 * Migrate the file forward to version target (0: MDX_STORE_VERSION), one
 * step a transaction, so a failure leaves the file at the last complete
 * step.  A file newer than this build is refused (MDX_EDB).  Returns 0 or
 * -1 with e set.
 */
int mdx_store_migrate(struct mdx_store *s, int target, struct mdx_err *e);

/*
 * Fix the clock used for created_at and updated_at at ms (epoch ms UTC);
 * 0 goes back to the real clock.  For tests.
 */
void mdx_store_set_clock(struct mdx_store *s, int64_t ms);

/*
 * Batches: mdx_store_begin starts a write transaction (BEGIN IMMEDIATE, so
 * that a second writer waits at the start rather than failing later) and
 * reads the clock once for every row of the batch; mdx_store_commit makes
 * the batch durable (all of it or, after a crash, none of it);
 * mdx_store_rollback drops it.  Writes outside a batch commit one by one.
 * begin and commit return 0 or -1 with e set.
 */
int mdx_store_begin(struct mdx_store *s, struct mdx_err *e);
int mdx_store_commit(struct mdx_store *s, struct mdx_err *e);
void mdx_store_rollback(struct mdx_store *s);

/* What an upsert did. */
enum mdx_put {
	MDX_PUT_INSERTED = 0,  /* a new row */
	MDX_PUT_UPDATED = 1,   /* values changed: updated_at moved */
	MDX_PUT_UNCHANGED = 2, /* identical: nothing written */
	MDX_PUT_NONE = 3,      /* no such row in the record */
	MDX_PUT_NO_DATE = 4    /* facts without as_of: not written */
};

/*
 * Two prices (or volumes, dividend amounts) within this relative
 * difference are the same value: a re-load from another provider that
 * agrees (Yahoo's 129.0399932861328, Alpha Vantage's 129.04) changes
 * nothing.
 */
#define MDX_STORE_SAME_REL 1e-6

/*
 * A close (or dividend amount) whose ratio to the stored one is this or
 * more (or its inverse or less) is not a correction but another price
 * basis: a split the store does not know (the smallest splits in use are
 * 5:4 and 6:5).  Such a record is refused; smaller differences are
 * revisions.
 */
#define MDX_STORE_MIXED_RATIO 1.2
#define MDX_STORE_MIXED(r)                                                     \
	((r) >= MDX_STORE_MIXED_RATIO || (r) <= 1 / MDX_STORE_MIXED_RATIO)

/* The price basis a bar or dividend was received on (BASIS-SPEC.md,
 * mdx-records(5)). */
enum mdx_basis_kind {
	MDX_BASIS_TRADED = 0, /* as traded that day */
	MDX_BASIS_SPLIT = 1,  /* back-adjusted for splits up to as_of */
};

struct mdx_basis {
	int kind;      /* enum mdx_basis_kind */
	int32_t as_of; /* basis_as_of, days since epoch; -1: not given */
};

/*
 * Read the "basis" ("traded", the default, or "split") and "basis_as_of"
 * ("YYYY-MM-DD", required with "split") fields of a bar or action record
 * rec (borrowed) into *b.  Returns 0, or -1 with e set (MDX_EINPUT, the
 * field named).
 */
int mdx_store_basis_read(const json_t *rec, struct mdx_basis *b,
			 struct mdx_err *e);

/*
 * Upsert the canonical bar b (key symbol, interval, ts), received on
 * basis (NULL: as traded), as prices as traded: a bar on a split basis
 * has open, high, low, close and vwap multiplied, and volume divided, by
 * the product of the ratios of the store's splits of its symbol with
 * ex-date in (date, as_of] (mdx_adjuster_splits_between); adj_close is
 * kept as received (split- and dividend-adjusted as of as_of).  The basis,
 * as_of and the factor applied are stored with the bar, so that a split
 * loaded later re-converts it (mdx_store_put_action).  Then, against the
 * stored bar of the key:
 *   none                          inserted (created_at = updated_at = now);
 *   close off by MDX_STORE_MIXED
 *                                 refused, MDX_EINPUT, field "close": "close
 *                                 68.3685 vs stored 1367.37 (x20.0000): a
 *                                 split after 2020-01-02 the store does not
 *                                 know; load AMZN's actions first"; the
 *                                 stored bar is untouched;
 *   prices, volume, vwap, trades, session and phase within
 *   MDX_STORE_SAME_REL            unchanged, nothing written (source and
 *                                 adj_close do not count: two providers
 *                                 that agree do not flip-flop, and two
 *                                 adj_close of answers of different days
 *                                 are not comparable; the stored one stays
 *                                 with its basis_as_of);
 *   else                          updated: the stored values are copied to
 *                                 revisions (revised_at now, the run of
 *                                 mdx_store_set_run, reason "update"),
 *                                 updated_at moves, created_at stays.
 * Returns an enum mdx_put, or -1 with e set.
 */
int mdx_store_put_bar_as(struct mdx_store *s, const struct mdx_bar *b,
			 const struct mdx_basis *basis, struct mdx_err *e);

/* mdx_store_put_bar_as with b as traded. */
int mdx_store_put_bar(struct mdx_store *s, const struct mdx_bar *b,
		      struct mdx_err *e);

/*
 * Name the run that writes (tool, e.g. "mdx-load", and its start, epoch
 * ms: runs(tool, started) of its run record) in the revisions it keeps;
 * tool NULL: none.  Copied.
 */
void mdx_store_set_run(struct mdx_store *s, const char *tool, int64_t started);

/* How many stored bars splits loaded through s have re-converted. */
long mdx_store_reconverted(const struct mdx_store *s);

/*
 * Upsert an instrument record (checked with mdx_instrument_check first):
 * instruments takes name, exchange, currency, sector and industry, a value
 * that is not null replacing the stored one; when the record has as_of
 * and market_cap or shares_outstanding, instrument_facts(symbol, as_of)
 * is upserted the same way, with period_end when the record has it
 * (BASIS-SPEC.md: the date the count describes).  Returns MDX_PUT_INSERTED when
 * either row is new, else MDX_PUT_UPDATED when either changed, else
 * MDX_PUT_UNCHANGED; or -1 with e set.
 */
int mdx_store_put_instrument(struct mdx_store *s, const json_t *rec,
			     struct mdx_err *e);

/*
 * The same upsert, telling the two rows apart: *instr gets the enum
 * mdx_put of the instruments row, *fact that of the instrument_facts row,
 * or MDX_PUT_NONE when the record has neither market_cap nor
 * shares_outstanding, or MDX_PUT_NO_DATE when it has them but no as_of
 * (a fact is kept with its date, so none is written).  Returns 0, or -1
 * with e set.
 */
int mdx_store_put_instrument_rows(struct mdx_store *s, const json_t *rec,
				  int *instr, int *fact, struct mdx_err *e);

/*
 * Upsert an action record (checked with mdx_action_check first): value is
 * the ratio of a split, the amount of a dividend as paid.  A dividend with
 * "basis":"split" (Yahoo's, split-adjusted as of basis_as_of) is
 * multiplied by the ratios of the store's splits in (date, basis_as_of]
 * and keeps its basis_as_of, so that a split loaded later converts it too.
 * Within MDX_STORE_SAME_REL of the stored value: unchanged (source kept);
 * a dividend off by MDX_STORE_MIXED: refused as a bar is
 * (field "amount").  A split that is new or whose ratio changed
 * re-converts every stored bar and dividend of its symbol received on a
 * split basis as of its ex-date or later and dated before it: each gets
 * the product of the splits in (date, basis_as_of] in place of the factor
 * it had (never a split applied twice), the bars' old values kept in
 * revisions (reason "split YYYY-MM-DD").  So a symbol's actions should be
 * loaded before its bars (mdx-extract writes them first): a bar that
 * arrives before the split it needs is refused when a bar of its key is
 * stored.  Returns an enum mdx_put, or -1 with e set.
 */
int mdx_store_put_action(struct mdx_store *s, const json_t *rec,
			 struct mdx_err *e);

/*
 * Append a run record (checked with mdx_run_check first) to runs: tool,
 * started, finished, status, in as rows_in, out as rows_out, inserted,
 * updated, unchanged, rejected, and the whole record as JSON in detail.
 * A record identical to one already stored (same tool, started and
 * detail: the same input loaded again) is not stored twice.  Returns
 * MDX_PUT_INSERTED or MDX_PUT_UNCHANGED, or -1 with e set.
 */
int mdx_store_put_run(struct mdx_store *s, const json_t *rec,
		      struct mdx_err *e);

/*
 * Check and upsert any record (bar, instrument, action, run; DESIGN.md
 * section 2) with the functions above; a bar gets mdx-load's checks
 * (mdx_bar_from_json, then mdx_session_check).  rec is borrowed.  Returns an
 * enum mdx_put, or -1 with e set: MDX_EINPUT (and e->field) when the record is
 * not valid, other codes when the store failed.
 */
int mdx_store_put(struct mdx_store *s, const json_t *rec, struct mdx_err *e);

/*
 * The stored spelling of sym in any letter case ("aapl" -> "AAPL"), for
 * a hint after a miss: symbols themselves are case-sensitive keys (BRK.B,
 * and a provider's "aapl" would be another symbol).  Copies it into buf
 * (n bytes) and returns 1; 0 when no symbol matches; -1 with e set.
 */
int mdx_store_symbol_nocase(struct mdx_store *s, const char *sym, char *buf,
			    size_t n, struct mdx_err *e);

/* What a query asks; each command reads the fields it needs. */
struct mdx_query {
	const char *const *symbols; /* borrowed: symbols named, or NULL */
	size_t nsymbols;	    /* how many */
	int interval;		    /* enum mdx_interval; -1 any */
	int32_t from, to;	    /* dates, days since epoch, inclusive */
	unsigned has;		    /* enum mdx_query_has */
	long limit;		    /* rows at most; 0 no limit */
	const char *sql;	    /* the statement of the sql command */
	int adjust; /* enum mdx_adjust of bars and latest (mdx_adjust.h) */
	int64_t ts_from, ts_to; /* bars: ts bounds, epoch ms UTC, inclusive */
};

enum mdx_query_has {
	MDX_Q_FROM = 1 << 0,	/* from is set */
	MDX_Q_TO = 1 << 1,	/* to is set */
	MDX_Q_TS_FROM = 1 << 2, /* ts_from is set */
	MDX_Q_TS_TO = 1 << 3,	/* ts_to is set */
};

/* Set q to "everything": no symbols, any interval, no dates, no limit. */
void mdx_query_init(struct mdx_query *q);

/* the bounds mdx_query_bound sets */
enum mdx_query_bound { MDX_QB_FROM, MDX_QB_TO, MDX_QB_SINCE };

/*
 * Set a bound of q from the text s of mdx-query's --from, --to, --since
 * and mdx-serve's from=, to=, since= (one rule for both front ends):
 * MDX_QB_FROM and MDX_QB_TO take a trading date (YYYY-MM-DD: q->from or
 * q->to) or an RFC 3339 instant (mdx_rfc3339_parse, "2024-10-02T14:30:00Z",
 * an offset or a fraction allowed: q->ts_from or q->ts_to, the bars whose
 * ts, their start, is at or after it, or at or before it); MDX_QB_SINCE
 * takes an instant only, the bars strictly after it (ts_from = it + 1 ms,
 * or the later of that and a from instant), for a client that polls with
 * the last ts it has.  Returns 0, or -1 with e set (MDX_EUSAGE: the text
 * says what is accepted; the caller names the parameter).
 */
int mdx_query_bound(struct mdx_query *q, enum mdx_query_bound which,
		    const char *s, struct mdx_err *e);

/*
 * The query commands.  Each sends its column names and then its rows to
 * k (struct mdx_sink, mdx_output.h); rows are borrowed by the sink for the
 * call.  Symbols that the store does not hold are reported to k->miss
 * (MDX_ENOTFOUND, "symbol 'XYZ' not in the store") and skipped.  Each
 * returns the number of symbols not found (0 when all answered), or -1
 * with e set (MDX_EINPUT for an invalid symbol or SQL, the sink's error
 * when it stopped the query, a store error).
 *
 * bars:    canonical bar records (mdx_bar_to_json: type, symbol, interval,
 *          ts, date, open ... source) of each symbol in q->symbols (at
 *          least one), by interval (1m .. 1mo) then ts; q->interval,
 *          q->from, q->to (trading dates, inclusive) and q->limit filter;
 *          prices as traded, or adjusted for q->adjust
 *          (mdx_store_adjust_bar with the symbol's mdx_adjuster_load).
 * latest:  the latest bar of each symbol and interval, of q->symbols or of
 *          every symbol in the store; q->interval filters; q->adjust as
 *          for bars.
 * symbols: symbol, interval, first_date, last_date, bars (count), of
 *          q->symbols or of every symbol.
 * runs:    the pipeline history, newest first: id, tool, started,
 *          finished, status, rows_in, rows_out, inserted, updated,
 *          unchanged, rejected, failed (array of symbols or null);
 *          q->limit rows at most.
 */
int mdx_store_bars(struct mdx_store *s, const struct mdx_query *q,
		   struct mdx_sink *k, struct mdx_err *e);
int mdx_store_latest(struct mdx_store *s, const struct mdx_query *q,
		     struct mdx_sink *k, struct mdx_err *e);
int mdx_store_symbols(struct mdx_store *s, const struct mdx_query *q,
		      struct mdx_sink *k, struct mdx_err *e);
int mdx_store_runs(struct mdx_store *s, const struct mdx_query *q,
		   struct mdx_sink *k, struct mdx_err *e);

/*
 * actions:   symbol, date (ex-date), kind, ratio (splits: new shares per
 *            old), amount (dividends: as paid, per share then
 *            outstanding), source; of each of q->symbols (at least one),
 *            by date, within q->from and q->to.
 * revisions: the values a bar had before a load changed them: symbol,
 *            interval, date, ts, revised_at (RFC 3339), run_tool and
 *            run_started (the runs row of the run that changed it),
 *            reason ("update", or "split YYYY-MM-DD" for a bar
 *            re-converted when that split was loaded), the old open,
 *            high, low, close, adj_close, volume, source, basis and
 *            basis_as_of, and stored_at (when those values were
 *            stored); of each of q->symbols, by interval, ts and
 *            revised_at, bar dates within q->from and q->to.
 * Return as the commands above.
 */
int mdx_store_actions(struct mdx_store *s, const struct mdx_query *q,
		      struct mdx_sink *k, struct mdx_err *e);
int mdx_store_revisions(struct mdx_store *s, const struct mdx_query *q,
			struct mdx_sink *k, struct mdx_err *e);

/*
 * Adjust the bar b (as traded) in place for mode (enum mdx_adjust) with
 * a (borrowed; NULL or MDX_ADJUST_NONE: nothing changes): open, high,
 * low, close and vwap times mdx_adjuster_price, volume times
 * mdx_adjuster_volume (rounded); adj_close, the provider's, is left as
 * stored.
 */
struct mdx_adjuster;
void mdx_store_adjust_bar(struct mdx_bar *b, const struct mdx_adjuster *a,
			  int mode);

/*
 * Read helpers of the analysis commands (mdx_analysis.h).
 * mdx_store_has_symbol: 1 when the store holds a bar of sym (any
 * interval), 0 when not, -1 with e set.
 * mdx_store_read_bars: the bars of sym in interval (enum mdx_interval)
 * whose trading dates are within q->from and q->to (as q->has says; q may
 * be NULL: all), in ts order, into a new array *bars of *n bars (mdx_free
 * it; NULL when there is none).  Returns 0, or -1 with e set.
 */
int mdx_store_has_symbol(struct mdx_store *s, const char *sym,
			 struct mdx_err *e);
int mdx_store_read_bars(struct mdx_store *s, const char *sym, int interval,
			const struct mdx_query *q, struct mdx_bar **bars,
			size_t *n, struct mdx_err *e);

/*
 * Run q->sql, one read-only statement, and send its rows to k: columns
 * named as SQLite names them (a repeated name gets "_2", "_3"), values as
 * integers, reals, strings, null, and BLOBs as lowercase hex strings.  An
 * authorizer (sqlite3_set_authorizer) admits only reads: SELECT, reading
 * tables and views, functions, recursive CTEs, and the pragmas that only
 * report (table_info, index_list, user_version without a value ...);
 * writes, schema changes, ATTACH, DETACH, transactions and pragmas that
 * change anything are refused, as is more than one statement.  Open the
 * store MDX_STORE_READONLY too: the authorizer is the second wall.
 * Returns 0, or -1 with e set (MDX_EINPUT for refused or invalid SQL).
 */
int mdx_store_sql(struct mdx_store *s, const struct mdx_query *q,
		  struct mdx_sink *k, struct mdx_err *e);

#endif
