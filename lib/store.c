/*
 * store.c - the SQLite store: schema and migrations, upserts, and the
 * query core of mdx-query and mdx-serve (DESIGN.md sections 3 and 6).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mdx_adjust.h"
#include "mdx_alloc.h"
#include "mdx_store.h"
#include "mdx_session.h"
#include "mdx_time.h"

/*
 * The migrations, in order: migrations[i] takes a file from version i to
 * version i + 1 in one transaction.  To change the schema, append a step
 * (never edit one that has shipped) and raise MDX_STORE_VERSION.
 */
static const char schema_v1[] =
	"CREATE TABLE bars ("
	" symbol TEXT NOT NULL,"
	" interval TEXT NOT NULL,"
	" ts INTEGER NOT NULL," /* bar start, epoch ms UTC */
	" date TEXT NOT NULL,"	/* trading date, YYYY-MM-DD */
	" open REAL, high REAL, low REAL,"
	" close REAL NOT NULL,"
	" adj_close REAL,"
	" volume INTEGER,"
	" vwap REAL,"
	" trades INTEGER,"
	" session TEXT, phase TEXT, source TEXT,"
	" created_at INTEGER NOT NULL," /* epoch ms UTC */
	" updated_at INTEGER NOT NULL,"
	" PRIMARY KEY (symbol, interval, ts)"
	") WITHOUT ROWID;"
	"CREATE TABLE instruments ("
	" symbol TEXT NOT NULL PRIMARY KEY,"
	" name TEXT, exchange TEXT, currency TEXT, sector TEXT, industry TEXT,"
	" updated_at INTEGER NOT NULL"
	") WITHOUT ROWID;"
	"CREATE TABLE instrument_facts ("
	" symbol TEXT NOT NULL,"
	" as_of TEXT NOT NULL,"
	" market_cap REAL,"
	" shares_outstanding INTEGER,"
	" source TEXT,"
	" PRIMARY KEY (symbol, as_of)"
	") WITHOUT ROWID;"
	"CREATE TABLE actions ("
	" symbol TEXT NOT NULL,"
	" date TEXT NOT NULL,"
	" kind TEXT NOT NULL CHECK (kind IN ('split', 'dividend')),"
	" value REAL NOT NULL," /* split ratio, or dividend per share */
	" source TEXT,"
	" PRIMARY KEY (symbol, date, kind)"
	") WITHOUT ROWID;"
	"CREATE TABLE runs ("
	" id INTEGER PRIMARY KEY,"
	" tool TEXT NOT NULL,"
	" started TEXT, finished TEXT,"
	" status TEXT NOT NULL,"
	" rows_in INTEGER, rows_out INTEGER,"
	" inserted INTEGER, updated INTEGER, unchanged INTEGER,"
	" rejected INTEGER,"
	" detail TEXT" /* the run record, JSON */
	");"
	"CREATE INDEX runs_tool_started ON runs (tool, started);";

/* RFC 3339 text of an epoch-ms column, as mdx_rfc3339_format writes it */
#define RFC3339_SQL(col)                                                       \
	"strftime('%Y-%m-%dT%H:%M:%S', " col " / 1000, 'unixepoch') || "       \
	"CASE WHEN " col " % 1000 = 0 THEN 'Z' "                               \
	"ELSE printf('.%03dZ', " col " % 1000) END"

/* clang-format off */
static const char schema_v2[] =
	"CREATE VIEW bars_v AS SELECT symbol, interval, "
	RFC3339_SQL("ts") " AS ts, date, open, high, low, close, adj_close, "
	"volume, vwap, trades, session, phase, source, "
	RFC3339_SQL("created_at") " AS created_at, "
	RFC3339_SQL("updated_at") " AS updated_at FROM bars;";
/* clang-format on */

/* the equal-weighted indexes of mdx-query index build (lib/analysis.c):
 * dates TEXT 'YYYY-MM-DD'; one row a session in index_levels, one a member
 * a session in index_members (the holdings at that close), one a change
 * at a rebalance in index_changes */
static const char schema_v3[] =
	"CREATE TABLE index_defs ("
	" name TEXT NOT NULL PRIMARY KEY,"
	" top INTEGER NOT NULL,"
	" rebalance TEXT NOT NULL,"
	" base REAL NOT NULL,"
	" from_date TEXT, to_date TEXT," /* as asked; NULL: open */
	" first_date TEXT NOT NULL, last_date TEXT NOT NULL,"
	" sessions INTEGER NOT NULL,"
	" universe INTEGER NOT NULL," /* symbols with bars and shares */
	" rebalances INTEGER NOT NULL,"
	" changes INTEGER NOT NULL,"
	" carried INTEGER NOT NULL,"
	" level REAL NOT NULL,"	      /* at last_date */
	" built_at INTEGER NOT NULL," /* epoch ms UTC */
	" params TEXT"		      /* the build's parameters, JSON */
	") WITHOUT ROWID;"
	"CREATE TABLE index_levels ("
	" name TEXT NOT NULL,"
	" date TEXT NOT NULL,"
	" level REAL NOT NULL,"
	" ret REAL," /* from the previous session; NULL on the first */
	" members INTEGER NOT NULL,"
	" rebalanced INTEGER NOT NULL,"
	" carried INTEGER NOT NULL,"
	" PRIMARY KEY (name, date)"
	") WITHOUT ROWID;"
	"CREATE TABLE index_members ("
	" name TEXT NOT NULL,"
	" date TEXT NOT NULL,"
	" rank INTEGER NOT NULL," /* 1: largest at the last rebalance */
	" symbol TEXT NOT NULL,"
	" weight REAL NOT NULL,"
	" market_cap REAL,"
	" close REAL,"		     /* the close valued, or the last one */
	" carried INTEGER NOT NULL," /* 1: no bar that session */
	" PRIMARY KEY (name, date, rank)"
	") WITHOUT ROWID;"
	"CREATE TABLE index_changes ("
	" name TEXT NOT NULL,"
	" date TEXT NOT NULL,"
	" seq INTEGER NOT NULL," /* order within the date */
	" symbol TEXT NOT NULL,"
	" added INTEGER NOT NULL," /* 1 added, 0 removed */
	" market_cap REAL,"
	" PRIMARY KEY (name, date, seq)"
	") WITHOUT ROWID;";

/* prices as traded (issue 10, BASIS-SPEC.md): each bar keeps the basis
 * it was received on and the split factor its prices were multiplied by,
 * so that a split learnt later re-converts exactly the bars it concerns,
 * once; a Yahoo dividend (split-adjusted as of its answer) the same; the
 * values a bar had before a change go to revisions */
static const char schema_v4[] =
	"ALTER TABLE bars ADD COLUMN basis TEXT;"	/* 'traded', 'split' */
	"ALTER TABLE bars ADD COLUMN basis_as_of TEXT;" /* YYYY-MM-DD */
	"ALTER TABLE bars ADD COLUMN split_factor REAL NOT NULL DEFAULT 1;"
	"ALTER TABLE actions ADD COLUMN basis_as_of TEXT;"
	"ALTER TABLE actions ADD COLUMN split_factor REAL NOT NULL DEFAULT 1;"
	"CREATE TABLE revisions ("
	" symbol TEXT NOT NULL, interval TEXT NOT NULL,"
	" ts INTEGER NOT NULL," /* the bar's key */
	" date TEXT NOT NULL,"
	" open REAL, high REAL, low REAL, close REAL, adj_close REAL,"
	" volume INTEGER, vwap REAL, trades INTEGER,"
	" session TEXT, phase TEXT, source TEXT,"
	" basis TEXT, basis_as_of TEXT, split_factor REAL,"
	" updated_at INTEGER,"		/* when these values were stored */
	" revised_at INTEGER NOT NULL," /* when they were replaced, epoch ms */
	" run_tool TEXT, run_started TEXT," /* the run: runs(tool, started) */
	" reason TEXT NOT NULL" /* 'update', or 'split YYYY-MM-DD' */
	");"
	"CREATE INDEX revisions_key ON revisions (symbol, interval, ts);";

/* point-in-time share counts and universes (issue 10, BASIS-SPEC.md):
 * a fact's period_end is the date its count describes (SEC: the fact's
 * end), as_of the day it became known (SEC: filed); index_universe keeps
 * the membership intervals an index build was given (--universe), so that
 * composition and changes can be explained; end_date NULL: still a
 * member */
static const char schema_v5[] =
	"ALTER TABLE instrument_facts ADD COLUMN period_end TEXT;"
	"ALTER TABLE index_changes ADD COLUMN reason TEXT;" /* why, in words */
	"CREATE TABLE index_universe ("
	" name TEXT NOT NULL," /* the index */
	" symbol TEXT NOT NULL,"
	" start_date TEXT NOT NULL," /* first day a member */
	" end_date TEXT,"	     /* last day a member; NULL: open */
	" PRIMARY KEY (name, symbol, start_date)"
	") WITHOUT ROWID;";

static const char *const migrations[] = {
	schema_v1, /* 0 -> 1: the tables of DESIGN.md section 3 */
	schema_v2, /* 1 -> 2: views for analysts */
	schema_v3, /* 2 -> 3: stored indexes (mdx-query index build) */
	schema_v4, /* 3 -> 4: prices as traded, revisions (issue 10) */
	schema_v5, /* 4 -> 5: point-in-time facts and universes */
};

_Static_assert(sizeof(migrations) / sizeof(*migrations) == MDX_STORE_VERSION,
	       "one migration per schema version");

/* interval rank order (1m .. 3mo, enum mdx_interval) in SQL, for ORDER BY */
#define INTERVAL_RANK_SQL                                                      \
	"CASE interval WHEN '1m' THEN 0 WHEN '2m' THEN 1 WHEN '5m' THEN 2 "    \
	"WHEN '15m' THEN 3 WHEN '30m' THEN 4 WHEN '1h' THEN 5 "                \
	"WHEN '90m' THEN 6 WHEN '1d' THEN 7 WHEN '5d' THEN 8 "                 \
	"WHEN '1wk' THEN 9 WHEN '1mo' THEN 10 WHEN '3mo' THEN 11 ELSE 12 END"

#define BAR_COLS_SQL                                                           \
	"symbol, interval, ts, date, open, high, low, close, adj_close, "      \
	"volume, vwap, trades, session, phase, source"

/* the prepared statements, made on first use and kept */
enum stmt_id {
	ST_GET_BAR,
	ST_INS_BAR,
	ST_INS_NEW_BAR,
	ST_UPD_BAR,
	ST_REVISE,
	ST_RESCALE_BAR,
	ST_SPLIT_BARS,
	ST_SPLIT_DIVS,
	ST_RESCALE_DIV,
	ST_INS_INSTR,
	ST_UPD_INSTR,
	ST_INS_FACT,
	ST_UPD_FACT,
	ST_GET_ACTION,
	ST_INS_ACTION,
	ST_UPD_ACTION,
	ST_FIND_RUN,
	ST_INS_RUN,
	ST_HAS_SYMBOL,
	ST_SYMBOL_NOCASE,
	ST_NEXT_SYMBOL,
	ST_BARS,
	ST_LATEST,
	ST_SYMBOLS,
	ST_RUNS,
	ST_N
};

static const char *const stmt_sql[ST_N] = {
	[ST_GET_BAR] =
		"SELECT date, open, high, low, close, adj_close, volume, vwap, "
		"trades, session, phase, source, split_factor, basis_as_of "
		"FROM bars "
		"WHERE symbol = ?1 AND interval = ?2 AND ts = ?3",
	[ST_INS_BAR] =
		"INSERT INTO bars (" BAR_COLS_SQL ", created_at, updated_at, "
		"basis, basis_as_of, split_factor) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
		"?13, ?14, ?15, ?16, ?16, ?17, ?18, ?19)",
	/* ST_INS_BAR when the key is new; no change when it is taken */
	[ST_INS_NEW_BAR] =
		"INSERT INTO bars (" BAR_COLS_SQL ", created_at, updated_at, "
		"basis, basis_as_of, split_factor) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
		"?13, ?14, ?15, ?16, ?16, ?17, ?18, ?19) "
		"ON CONFLICT (symbol, interval, ts) DO NOTHING",
	[ST_UPD_BAR] =
		"UPDATE bars SET date = ?4, open = ?5, high = ?6, low = ?7, "
		"close = ?8, adj_close = ?9, volume = ?10, vwap = ?11, "
		"trades = ?12, session = ?13, phase = ?14, source = ?15, "
		"updated_at = ?16, basis = ?17, basis_as_of = ?18, "
		"split_factor = ?19 "
		"WHERE symbol = ?1 AND interval = ?2 AND ts = ?3",
	[ST_REVISE] =
		"INSERT INTO revisions (" BAR_COLS_SQL ", basis, basis_as_of, "
		"split_factor, updated_at, revised_at, run_tool, run_started, "
		"reason) SELECT " BAR_COLS_SQL ", basis, basis_as_of, "
		"split_factor, updated_at, ?4, ?5, ?6, ?7 FROM bars "
		"WHERE symbol = ?1 AND interval = ?2 AND ts = ?3",
	[ST_RESCALE_BAR] =
		"UPDATE bars SET open = open * ?4, high = high * ?4, "
		"low = low * ?4, close = close * ?4, vwap = vwap * ?4, "
		"volume = CAST(round(volume / ?4) AS INTEGER), "
		"split_factor = ?5, updated_at = ?6 "
		"WHERE symbol = ?1 AND interval = ?2 AND ts = ?3",
	[ST_SPLIT_BARS] =
		"SELECT interval, ts, date, basis_as_of, split_factor FROM "
		"bars "
		"WHERE symbol = ?1 AND basis = 'split' AND date < ?2 AND "
		"basis_as_of >= ?2",
	[ST_SPLIT_DIVS] =
		"SELECT date, basis_as_of, split_factor FROM actions "
		"WHERE symbol = ?1 AND kind = 'dividend' AND date < ?2 AND "
		"basis_as_of >= ?2",
	[ST_RESCALE_DIV] =
		"UPDATE actions SET value = value * ?3, split_factor = ?4 "
		"WHERE symbol = ?1 AND date = ?2 AND kind = 'dividend'",
	[ST_INS_INSTR] =
		"INSERT INTO instruments (symbol, name, exchange, currency, "
		"sector, industry, updated_at) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
		"ON CONFLICT (symbol) DO NOTHING",
	[ST_UPD_INSTR] = "UPDATE instruments SET name = coalesce(?2, name), "
			 "exchange = coalesce(?3, exchange), "
			 "currency = coalesce(?4, currency), "
			 "sector = coalesce(?5, sector), "
			 "industry = coalesce(?6, industry), updated_at = ?7 "
			 "WHERE symbol = ?1 AND ("
			 "coalesce(?2, name) IS NOT name OR "
			 "coalesce(?3, exchange) IS NOT exchange OR "
			 "coalesce(?4, currency) IS NOT currency OR "
			 "coalesce(?5, sector) IS NOT sector OR "
			 "coalesce(?6, industry) IS NOT industry)",
	[ST_INS_FACT] =
		"INSERT INTO instrument_facts (symbol, as_of, market_cap, "
		"shares_outstanding, source, period_end) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
		"ON CONFLICT (symbol, as_of) DO NOTHING",
	[ST_UPD_FACT] =
		"UPDATE instrument_facts SET "
		"market_cap = coalesce(?3, market_cap), "
		"shares_outstanding = coalesce(?4, shares_outstanding), "
		"source = coalesce(?5, source), "
		"period_end = coalesce(?6, period_end) "
		"WHERE symbol = ?1 AND as_of = ?2 AND ("
		"coalesce(?3, market_cap) IS NOT market_cap OR "
		"coalesce(?4, shares_outstanding) IS NOT shares_outstanding OR "
		"coalesce(?5, source) IS NOT source OR "
		"coalesce(?6, period_end) IS NOT period_end)",
	[ST_GET_ACTION] = "SELECT value FROM actions "
			  "WHERE symbol = ?1 AND date = ?2 AND kind = ?3",
	[ST_INS_ACTION] =
		"INSERT INTO actions (symbol, date, kind, value, source, "
		"basis_as_of, split_factor) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
		"?7)",
	[ST_UPD_ACTION] = "UPDATE actions SET value = ?4, source = ?5, "
			  "basis_as_of = ?6, split_factor = ?7 "
			  "WHERE symbol = ?1 AND date = ?2 AND kind = ?3",
	[ST_FIND_RUN] =
		"SELECT 1 FROM runs WHERE tool = ?1 AND started IS ?2 AND "
		"detail = ?3 LIMIT 1",
	[ST_INS_RUN] =
		"INSERT INTO runs (tool, started, finished, status, rows_in, "
		"rows_out, inserted, updated, unchanged, rejected, detail) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	[ST_HAS_SYMBOL] = "SELECT 1 FROM bars WHERE symbol = ?1 LIMIT 1",
	/* a scan of the key's index: only after a miss, for the hint */
	[ST_SYMBOL_NOCASE] = "SELECT symbol FROM bars WHERE symbol = ?1 "
			     "COLLATE NOCASE LIMIT 1",
	/* a skip-scan over the primary key: one seek a symbol */
	[ST_NEXT_SYMBOL] = "SELECT symbol FROM bars WHERE symbol > ?1 "
			   "ORDER BY symbol LIMIT 1",
	[ST_BARS] =
		"SELECT " BAR_COLS_SQL " FROM bars "
		"WHERE symbol = ?1 AND interval = ?2 AND ts >= ?3 AND "
		"ts < ?4 AND date >= ?5 AND date <= ?6 ORDER BY ts LIMIT ?7",
	[ST_LATEST] = "SELECT " BAR_COLS_SQL " FROM bars "
		      "WHERE symbol = ?1 AND interval = ?2 "
		      "ORDER BY ts DESC LIMIT 1",
	[ST_SYMBOLS] = "SELECT symbol, interval, min(date), max(date), "
		       "count(*) FROM bars WHERE symbol = ?1 "
		       "GROUP BY interval ORDER BY " INTERVAL_RANK_SQL,
	[ST_RUNS] = "SELECT id, tool, started, finished, status, rows_in, "
		    "rows_out, inserted, updated, unchanged, rejected, detail "
		    "FROM runs ORDER BY julianday(started) DESC, id DESC "
		    "LIMIT ?1",
};

struct mdx_store {
	sqlite3 *db;		  /* owned connection */
	sqlite3_stmt *st[ST_N];	  /* owned, prepared on first use */
	int readonly;		  /* opened MDX_STORE_READONLY */
	int64_t clock;		  /* fixed clock for tests, 0: real */
	int64_t batch_now;	  /* clock read at mdx_store_begin */
	int in_batch;		  /* a batch is open */
	struct mdx_adjuster *adj; /* owned: splits of adj_sym, or NULL */
	char adj_sym[MDX_SYMBOL_MAX + 1]; /* whose; "" none */
	char run_tool[32]; /* the run that writes, for revisions */
	char run_started[MDX_RFC3339_LEN]; /* its start; "" none */
	long reconverted; /* stored bars re-converted for a new split */
	int insert_first; /* the last bar read had no stored row: try the
			     next one as new (ST_INS_NEW_BAR) before reading
			     its key */
};

int
mdx_store_sqlite_err(sqlite3 *db, struct mdx_err *e, const char *what)
{
	int code;

	switch (sqlite3_extended_errcode(db) & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		code = MDX_ETEMP;
		break;
	case SQLITE_IOERR:
	case SQLITE_FULL:
		code = MDX_EIO;
		break;
	case SQLITE_NOMEM:
		code = MDX_ENOMEM;
		break;
	case SQLITE_CONSTRAINT:
		code = MDX_EINPUT;
		break;
	default:
		code = MDX_EDB;
	}
	return mdx_err_set(e, code, "%s: %s", what, sqlite3_errmsg(db));
}

/* fill e from the store's last error; returns -1 */
static int
db_err(struct mdx_store *s, struct mdx_err *e, const char *what)
{
	return mdx_store_sqlite_err(s->db, e, what);
}

static int
exec(struct mdx_store *s, const char *sql, const char *what, struct mdx_err *e)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_err(s, e, what);
	return 0;
}

/* statement id, prepared and ready to bind; NULL with e set */
static sqlite3_stmt *
stmt(struct mdx_store *s, enum stmt_id id, struct mdx_err *e)
{
	if (s->st[id] == NULL &&
	    sqlite3_prepare_v3(s->db, stmt_sql[id], -1,
			       SQLITE_PREPARE_PERSISTENT, &s->st[id],
			       NULL) != SQLITE_OK) {
		db_err(s, e, "prepare");
		return NULL;
	}
	return s->st[id];
}

/* run a statement that returns no rows; returns sqlite3_changes() or -1 */
static int
step_done(struct mdx_store *s, sqlite3_stmt *st, const char *what,
	  struct mdx_err *e)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		db_err(s, e, what);
		sqlite3_reset(st);
		return -1;
	}
	sqlite3_reset(st);
	return sqlite3_changes(s->db);
}

static int
user_version(struct mdx_store *s, int *v, struct mdx_err *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) !=
	    SQLITE_OK)
		return db_err(s, e, "read schema version");
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		db_err(s, e, "read schema version");
		sqlite3_finalize(st);
		return -1;
	}
	*v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return 0;
}

struct mdx_store *
mdx_store_open(const char *path, unsigned flags, struct mdx_err *e)
{
	struct mdx_store *s;
	int oflags, v;

	if ((s = mdx_calloc(1, sizeof(*s))) == NULL) {
		mdx_err_set(e, MDX_ENOMEM, "out of memory");
		return NULL;
	}
	s->readonly = (flags & MDX_STORE_READONLY) != 0;
	if (s->readonly)
		oflags = SQLITE_OPEN_READONLY;
	else
		oflags = SQLITE_OPEN_READWRITE |
			 ((flags & MDX_STORE_CREATE) ? SQLITE_OPEN_CREATE : 0);
	if (sqlite3_open_v2(path, &s->db, oflags, NULL) != SQLITE_OK) {
		if (access(path, F_OK) != 0 && errno == ENOENT)
			mdx_err_set(
				e, MDX_ENOTFOUND,
				"cannot open database '%s': no such file or "
				"directory",
				path);
		else
			mdx_err_set(e, MDX_EDB, "cannot open database '%s': %s",
				    path,
				    s->db ? sqlite3_errmsg(s->db)
					  : "no memory");
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, MDX_STORE_BUSY_MS);
	if (!s->readonly) {
		if (exec(s, "PRAGMA journal_mode = WAL", "open database", e) ||
		    exec(s, "PRAGMA synchronous = NORMAL", "open database",
			 e) ||
		    exec(s, "PRAGMA cache_size = -16384", "open database", e))
			goto fail_db;
		return s;
	}
	if (user_version(s, &v, e))
		goto fail_db;
	if (v < 1) {
		mdx_err_set(e, MDX_EINPUT,
			    "'%s' is not an mdx store (schema version 0)",
			    path);
		goto fail;
	}
	return s;
fail_db:
	/* "file is not a database" and the like: say which file */
	if (e != NULL) {
		char text[sizeof(e->text)];

		snprintf(text, sizeof(text), "%s", e->text);
		if ((sqlite3_extended_errcode(s->db) & 0xff) == SQLITE_NOTADB)
			e->code = MDX_EINPUT;
		mdx_err_set(e, e->code, "'%s': %s", path, text);
	}
fail:
	mdx_store_close(s);
	return NULL;
}

void
mdx_store_close(struct mdx_store *s)
{
	if (s == NULL)
		return;
	for (int i = 0; i < ST_N; i++)
		sqlite3_finalize(s->st[i]);
	mdx_adjuster_free(s->adj);
	if (s->db != NULL && !sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(s->db);
	mdx_free(s);
}

sqlite3 *
mdx_store_db(struct mdx_store *s)
{
	return s->db;
}

int
mdx_store_version(struct mdx_store *s, int *version, struct mdx_err *e)
{
	return user_version(s, version, e);
}

int
mdx_store_migrate(struct mdx_store *s, int target, struct mdx_err *e)
{
	char sql[64];
	int v;

	if (target <= 0 || target > MDX_STORE_VERSION)
		target = MDX_STORE_VERSION;
	for (;;) {
		/* read the version inside the write transaction, so that two
		 * loaders starting at once migrate the file once */
		if (exec(s, "BEGIN IMMEDIATE", "migrate", e))
			return -1;
		if (user_version(s, &v, e))
			goto fail;
		if (v > MDX_STORE_VERSION) {
			mdx_err_set(e, MDX_EDB,
				    "database schema version %d is newer than "
				    "this program's (%d)",
				    v, MDX_STORE_VERSION);
			goto fail;
		}
		if (v >= target)
			break;
		if (sqlite3_exec(s->db, migrations[v], NULL, NULL, NULL) !=
		    SQLITE_OK) {
			char what[64];

			snprintf(what, sizeof(what), "migrate to version %d",
				 v + 1);
			db_err(s, e, what);
			goto fail;
		}
		/* PRAGMA takes no bound values; v is our own integer */
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if (exec(s, sql, "migrate", e) ||
		    exec(s, "COMMIT", "migrate", e))
			goto fail;
	}
	return exec(s, "COMMIT", "migrate", e);
fail:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

void
mdx_store_set_clock(struct mdx_store *s, int64_t ms)
{
	s->clock = ms;
}

static int64_t
store_now(const struct mdx_store *s)
{
	if (s->clock != 0)
		return s->clock;
	return s->in_batch ? s->batch_now : mdx_now_ms();
}

int
mdx_store_begin(struct mdx_store *s, struct mdx_err *e)
{
	if (exec(s, "BEGIN IMMEDIATE", "begin batch", e))
		return -1;
	s->in_batch = 1;
	s->batch_now = mdx_now_ms();
	return 0;
}

int
mdx_store_commit(struct mdx_store *s, struct mdx_err *e)
{
	if (exec(s, "COMMIT", "commit batch", e))
		return -1;
	s->in_batch = 0;
	return 0;
}

void
mdx_store_rollback(struct mdx_store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	s->in_batch = 0;
}

/* bind text, NULL or "" as SQL NULL; s must outlive the step */
static void
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL || *s == '\0')
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

static void
bind_double(sqlite3_stmt *st, int i, double v, int present)
{
	if (present)
		sqlite3_bind_double(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

static void
bind_int(sqlite3_stmt *st, int i, int64_t v, int present)
{
	if (present)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

/* bind a JSON number field as an integer or a real, else NULL */
static void
bind_json_number(sqlite3_stmt *st, int i, const json_t *rec, const char *key)
{
	const json_t *v = json_object_get(rec, key);

	if (json_is_integer(v))
		sqlite3_bind_int64(st, i, json_integer_value(v));
	else if (json_is_real(v))
		sqlite3_bind_double(st, i, json_real_value(v));
	else
		sqlite3_bind_null(st, i);
}

/* a string field of a checked record, or NULL */
static const char *
json_str_field(const json_t *rec, const char *key)
{
	return json_string_value(json_object_get(rec, key));
}

static void
bind_bar(sqlite3_stmt *st, const struct mdx_bar *b, const char *date,
	 int64_t now)
{
	sqlite3_bind_text(st, 1, b->symbol, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, mdx_interval_name(b->interval), -1,
			  SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, b->ts);
	sqlite3_bind_text(st, 4, date, -1, SQLITE_STATIC);
	bind_double(st, 5, b->open, b->has & MDX_HAS_OPEN);
	bind_double(st, 6, b->high, b->has & MDX_HAS_HIGH);
	bind_double(st, 7, b->low, b->has & MDX_HAS_LOW);
	sqlite3_bind_double(st, 8, b->close);
	bind_double(st, 9, b->adj_close, b->has & MDX_HAS_ADJ);
	bind_int(st, 10, b->volume, b->has & MDX_HAS_VOLUME);
	bind_double(st, 11, b->vwap, b->has & MDX_HAS_VWAP);
	bind_int(st, 12, b->trades, b->has & MDX_HAS_TRADES);
	bind_text(st, 13, b->session);
	bind_text(st, 14, b->phase);
	bind_text(st, 15, b->source);
	sqlite3_bind_int64(st, 16, now);
}

static const char *col_text(sqlite3_stmt *st, int i);

int
mdx_store_basis_read(const json_t *rec, struct mdx_basis *b, struct mdx_err *e)
{
	const char *kind = NULL, *as_of = NULL;
	int rc;

	b->kind = MDX_BASIS_TRADED;
	b->as_of = -1;
	if ((rc = mdx_json_string(rec, "basis", &kind, e)) < 0)
		return mdx_err_field(e, MDX_EINPUT, "basis",
				     "expected \"traded\" or \"split\"");
	if (rc > 0 && strcmp(kind, "split") == 0)
		b->kind = MDX_BASIS_SPLIT;
	else if (rc > 0 && strcmp(kind, "traded") != 0)
		return mdx_err_field(e, MDX_EINPUT, "basis",
				     "'%.32s' is not \"traded\" or \"split\"",
				     kind);
	if ((rc = mdx_json_string(rec, "basis_as_of", &as_of, e)) < 0 ||
	    (rc > 0 && mdx_date_parse(as_of, &b->as_of, e)))
		return mdx_err_field(e, MDX_EINPUT, "basis_as_of",
				     "expected a date YYYY-MM-DD");
	if (b->kind == MDX_BASIS_SPLIT && b->as_of < 0)
		return mdx_err_field(e, MDX_EINPUT, "basis_as_of",
				     "required when basis is \"split\"");
	return 0;
}

void
mdx_store_set_run(struct mdx_store *s, const char *tool, int64_t started)
{
	snprintf(s->run_tool, sizeof(s->run_tool), "%s", tool ? tool : "");
	s->run_started[0] = '\0';
	if (tool != NULL)
		mdx_rfc3339_format(started, s->run_started);
}

long
mdx_store_reconverted(const struct mdx_store *s)
{
	return s->reconverted;
}

/* a and b the same value to MDX_STORE_SAME_REL */
static int
same(double a, double b)
{
	double m = fabs(a) > fabs(b) ? fabs(a) : fabs(b);

	return fabs(a - b) <= MDX_STORE_SAME_REL * m;
}

/* the adjuster of sym's actions, cached until an action of it is put;
 * NULL with e set */
static const struct mdx_adjuster *
splits_of(struct mdx_store *s, const char *sym, struct mdx_err *e)
{
	if (s->adj != NULL && strcmp(s->adj_sym, sym) == 0)
		return s->adj;
	mdx_adjuster_free(s->adj);
	s->adj_sym[0] = '\0';
	if ((s->adj = mdx_adjuster_load(s->db, sym, e)) == NULL)
		return NULL;
	snprintf(s->adj_sym, sizeof(s->adj_sym), "%s", sym);
	return s->adj;
}

static void
forget_splits(struct mdx_store *s)
{
	mdx_adjuster_free(s->adj);
	s->adj = NULL;
	s->adj_sym[0] = '\0';
}

/* the refusal of a value that differs from the stored one by a factor
 * (BASIS-SPEC.md: never silently mixed); returns -1 */
static int
refuse_mixed(struct mdx_err *e, const char *field, double v, double stored,
	     const char *sym, const char *date, const char *what)
{
	return mdx_err_field(e, MDX_EINPUT, field,
			     "%s %g vs stored %g (x%.4f): a split after %s the "
			     "store does not know; load %s's %s first",
			     field, v, stored, stored / v, date, sym, what);
}

/* a real column against a value that may be absent */
static int
same_real(sqlite3_stmt *st, int col, double v, int present)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return !present;
	return present && same(sqlite3_column_double(st, col), v);
}

static int
same_text(sqlite3_stmt *st, int col, const char *v)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	if (t == NULL)
		return v == NULL || *v == '\0';
	return v != NULL && strcmp((const char *)t, v) == 0;
}

/* a value of b within MDX_STORE_SAME_REL of the stored one (row of
 * ST_GET_BAR) keeps the stored value: an update for another field does
 * not bring in one provider's rounding of a price both agree on */
static void
keep_same(sqlite3_stmt *get, struct mdx_bar *b)
{
	static const struct {
		int col;
		unsigned flag;
		size_t off;
	} reals[] = {
		{1, MDX_HAS_OPEN, offsetof(struct mdx_bar, open)},
		{2, MDX_HAS_HIGH, offsetof(struct mdx_bar, high)},
		{3, MDX_HAS_LOW, offsetof(struct mdx_bar, low)},
		{4, 0, offsetof(struct mdx_bar, close)},
		{7, MDX_HAS_VWAP, offsetof(struct mdx_bar, vwap)},
	};

	for (size_t i = 0; i < sizeof(reals) / sizeof(*reals); i++) {
		double *v = (double *)(void *)((char *)b + reals[i].off);

		if ((reals[i].flag == 0 || (b->has & reals[i].flag)) &&
		    same_real(get, reals[i].col, *v, 1))
			*v = sqlite3_column_double(get, reals[i].col);
	}
	if ((b->has & MDX_HAS_VOLUME) &&
	    same_real(get, 6, (double)b->volume, 1))
		b->volume = sqlite3_column_int64(get, 6);
}

/* copy the stored row of key (?1 symbol, ?2 interval, ?3 ts) into
 * revisions; 0 or -1 */
static int
revise(struct mdx_store *s, const char *sym, const char *interval, int64_t ts,
       int64_t now, const char *reason, struct mdx_err *e)
{
	sqlite3_stmt *st = stmt(s, ST_REVISE, e);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, sym, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, interval, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, ts);
	sqlite3_bind_int64(st, 4, now);
	bind_text(st, 5, s->run_tool);
	bind_text(st, 6, s->run_started);
	sqlite3_bind_text(st, 7, reason, -1, SQLITE_TRANSIENT);
	return step_done(s, st, "keep revision", e) < 0 ? -1 : 0;
}

/* the stored bar (ST_GET_BAR's row) and b, converted with factor f, have
 * the same dividend factor: adj_close over the close on the provider's
 * basis (the close as traded over the split factor applied); true when b
 * has no adj_close, or one of an older answer (as_of, "YYYY-MM-DD" or
 * NULL) than the stored one's */
static int
same_dividend_factor(sqlite3_stmt *get, const struct mdx_bar *b, double f,
		     const char *as_of)
{
	double sc = sqlite3_column_double(get, 4), sf;
	const unsigned char *stored_as_of = sqlite3_column_text(get, 13);

	if (!(b->has & MDX_HAS_ADJ))
		return 1;
	if (as_of != NULL && stored_as_of != NULL &&
	    strcmp(as_of, (const char *)stored_as_of) < 0)
		return 1;
	if (sqlite3_column_type(get, 5) == SQLITE_NULL || sc == 0 ||
	    b->close == 0)
		return 0;
	sf = sqlite3_column_type(get, 12) == SQLITE_NULL
		     ? 1
		     : sqlite3_column_double(get, 12);
	return same(sqlite3_column_double(get, 5) / (sc / sf),
		    b->adj_close / (b->close / f));
}

/* bind the values of ST_INS_BAR, ST_INS_NEW_BAR and ST_UPD_BAR */
static void
bind_put(sqlite3_stmt *put, const struct mdx_bar *b, const char *date,
	 int64_t now, const struct mdx_basis *basis, const char *as_of,
	 double f)
{
	bind_bar(put, b, date, now);
	sqlite3_bind_text(put, 17,
			  basis->kind == MDX_BASIS_SPLIT ? "split" : "traded",
			  -1, SQLITE_STATIC);
	if (basis->as_of >= 0)
		sqlite3_bind_text(put, 18, as_of, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(put, 18);
	sqlite3_bind_double(put, 19, f);
}

/*
 * A bar is converted to prices as traded (the split factor of its basis),
 * then compared with the stored bar of its key: none, inserted; a close
 * off by MDX_STORE_MIXED, refused (a split the store does
 * not know); every price, volume, session and phase within
 * MDX_STORE_SAME_REL, unchanged; else the stored values go to revisions
 * and the bar is updated.  The source does not count (agreeing providers
 * must not flip-flop).  Nor does adj_close itself, which is on the
 * provider's basis as of its answer (two vintages differ by the splits
 * between them): what counts is its dividend factor, adj_close over the
 * close on the same basis, so that a re-load whose adj_close moved (a
 * dividend Yahoo has since applied) is an update; a record without an
 * adj_close, or with one of an older answer than the stored one's, leaves
 * the stored one as it is.
 */
int
mdx_store_put_bar_as(struct mdx_store *s, const struct mdx_bar *in,
		     const struct mdx_basis *basis, struct mdx_err *e)
{
	char date[MDX_DATE_LEN], as_of[MDX_DATE_LEN];
	const char *iv = mdx_interval_name(in->interval);
	struct mdx_basis traded = {MDX_BASIS_TRADED, -1};
	struct mdx_bar bar = *in, *b = &bar;
	sqlite3_stmt *get, *put;
	int64_t now = store_now(s);
	double f = 1;
	int rc;

	if (iv == NULL)
		return mdx_err_field(e, MDX_EINPUT, "interval",
				     "invalid interval");
	if (basis == NULL)
		basis = &traded;
	mdx_date_format(b->date, date);
	if (basis->as_of >= 0)
		mdx_date_format(basis->as_of, as_of);
	if (basis->kind == MDX_BASIS_SPLIT) {
		const struct mdx_adjuster *a = splits_of(s, b->symbol, e);

		if (a == NULL)
			return -1;
		f = mdx_adjuster_splits_between(a, b->date, basis->as_of);
		if (f != 1) {
			b->open *= f;
			b->high *= f;
			b->low *= f;
			b->close *= f;
			b->vwap *= f;
			b->volume = llround((double)b->volume / f);
		}
	}
	if (s->insert_first) {
		/* a new key, as the last one was (a first load, new days):
		 * one look-up of the key, not two; when it is taken, the
		 * insert changes nothing and the bar is compared below */
		if ((put = stmt(s, ST_INS_NEW_BAR, e)) == NULL)
			return -1;
		bind_put(put, b, date, now, basis, as_of, f);
		if ((rc = step_done(s, put, "insert bar", e)) < 0)
			return -1;
		if (rc > 0)
			return MDX_PUT_INSERTED;
		s->insert_first = 0;
	}
	if ((get = stmt(s, ST_GET_BAR, e)) == NULL)
		return -1;
	sqlite3_bind_text(get, 1, b->symbol, -1, SQLITE_STATIC);
	sqlite3_bind_text(get, 2, iv, -1, SQLITE_STATIC);
	sqlite3_bind_int64(get, 3, b->ts);
	rc = sqlite3_step(get);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		db_err(s, e, "read bar");
		sqlite3_reset(get);
		return -1;
	}
	if (rc == SQLITE_ROW) {
		double stored = sqlite3_column_double(get, 4);

		if (MDX_STORE_MIXED(stored / b->close)) {
			refuse_mixed(e, "close", b->close, stored, b->symbol,
				     date, "actions");
			sqlite3_reset(get);
			return -1;
		}
		if (same_text(get, 0, date) &&
		    same_dividend_factor(get, b, f,
					 basis->as_of >= 0 ? as_of : NULL) &&
		    same_real(get, 1, b->open, b->has & MDX_HAS_OPEN) &&
		    same_real(get, 2, b->high, b->has & MDX_HAS_HIGH) &&
		    same_real(get, 3, b->low, b->has & MDX_HAS_LOW) &&
		    same(stored, b->close) &&
		    same_real(get, 6, (double)b->volume,
			      b->has & MDX_HAS_VOLUME) &&
		    same_real(get, 7, b->vwap, b->has & MDX_HAS_VWAP) &&
		    same_real(get, 8, (double)b->trades,
			      b->has & MDX_HAS_TRADES) &&
		    same_text(get, 9, b->session) &&
		    same_text(get, 10, b->phase)) {
			sqlite3_reset(get);
			return MDX_PUT_UNCHANGED;
		}
		keep_same(get, b);
	}
	sqlite3_reset(get);
	s->insert_first = rc != SQLITE_ROW;
	if (rc == SQLITE_ROW &&
	    revise(s, b->symbol, iv, b->ts, now, "update", e))
		return -1;
	if ((put = stmt(s, rc == SQLITE_ROW ? ST_UPD_BAR : ST_INS_BAR, e)) ==
	    NULL)
		return -1;
	bind_put(put, b, date, now, basis, as_of, f);
	if (step_done(s, put, rc == SQLITE_ROW ? "update bar" : "insert bar",
		      e) < 0)
		return -1;
	return rc == SQLITE_ROW ? MDX_PUT_UPDATED : MDX_PUT_INSERTED;
}

int
mdx_store_put_bar(struct mdx_store *s, const struct mdx_bar *b,
		  struct mdx_err *e)
{
	return mdx_store_put_bar_as(s, b, NULL, e);
}

/* run ins, then upd when ins found the key taken; both bound already */
static int
upsert(struct mdx_store *s, sqlite3_stmt *ins, sqlite3_stmt *upd,
       const char *what, struct mdx_err *e)
{
	int n;

	if ((n = step_done(s, ins, what, e)) < 0) {
		sqlite3_reset(upd);
		return -1;
	}
	if (n > 0) {
		sqlite3_reset(upd);
		return MDX_PUT_INSERTED;
	}
	if ((n = step_done(s, upd, what, e)) < 0)
		return -1;
	return n > 0 ? MDX_PUT_UPDATED : MDX_PUT_UNCHANGED;
}

int
mdx_store_put_instrument(struct mdx_store *s, const json_t *rec,
			 struct mdx_err *e)
{
	int r1, r2;

	if (mdx_store_put_instrument_rows(s, rec, &r1, &r2, e))
		return -1;
	if (r1 == MDX_PUT_INSERTED || r2 == MDX_PUT_INSERTED)
		return MDX_PUT_INSERTED;
	if (r1 == MDX_PUT_UPDATED || r2 == MDX_PUT_UPDATED)
		return MDX_PUT_UPDATED;
	return MDX_PUT_UNCHANGED;
}

int
mdx_store_put_instrument_rows(struct mdx_store *s, const json_t *rec,
			      int *instr, int *fact, struct mdx_err *e)
{
	static const char *const keys[] = {"name", "exchange", "currency",
					   "sector", "industry"};
	const char *sym = json_str_field(rec, "symbol");
	const char *as_of = json_str_field(rec, "as_of");
	int figures =
		json_is_number(json_object_get(rec, "market_cap")) ||
		json_is_number(json_object_get(rec, "shares_outstanding"));
	sqlite3_stmt *st[2];
	int r1, r2 = figures ? MDX_PUT_NO_DATE : MDX_PUT_NONE;

	if (sym == NULL)
		return mdx_err_field(e, MDX_EINPUT, "symbol", "missing");
	if ((st[0] = stmt(s, ST_INS_INSTR, e)) == NULL ||
	    (st[1] = stmt(s, ST_UPD_INSTR, e)) == NULL)
		return -1;
	for (int j = 0; j < 2; j++) {
		sqlite3_bind_text(st[j], 1, sym, -1, SQLITE_STATIC);
		for (int i = 0; i < 5; i++)
			bind_text(st[j], i + 2, json_str_field(rec, keys[i]));
		sqlite3_bind_int64(st[j], 7, store_now(s));
	}
	if ((r1 = upsert(s, st[0], st[1], "upsert instrument", e)) < 0)
		return -1;
	if (as_of != NULL && figures) {
		if ((st[0] = stmt(s, ST_INS_FACT, e)) == NULL ||
		    (st[1] = stmt(s, ST_UPD_FACT, e)) == NULL)
			return -1;
		for (int j = 0; j < 2; j++) {
			sqlite3_bind_text(st[j], 1, sym, -1, SQLITE_STATIC);
			sqlite3_bind_text(st[j], 2, as_of, -1, SQLITE_STATIC);
			bind_json_number(st[j], 3, rec, "market_cap");
			bind_json_number(st[j], 4, rec, "shares_outstanding");
			bind_text(st[j], 5, json_str_field(rec, "source"));
			bind_text(st[j], 6, json_str_field(rec, "period_end"));
		}
		if ((r2 = upsert(s, st[0], st[1], "upsert instrument fact",
				 e)) < 0)
			return -1;
	}
	*instr = r1;
	*fact = r2;
	return 0;
}

/* one stored row to re-convert for a split */
struct reconv {
	char interval[8]; /* bars: the key */
	int64_t ts;	  /* bars: the key */
	int32_t date;	  /* bar or dividend date */
	int32_t as_of;	  /* basis_as_of */
	double factor;	  /* split_factor applied so far */
};

/* the rows st (bound: ?1 symbol, ?2 the split's date) selects, into a new
 * array *out of *n; bars tells the bar columns from the dividend ones */
static int
reconv_rows(struct mdx_store *s, sqlite3_stmt *st, int bars,
	    struct reconv **out, size_t *n, struct mdx_err *e)
{
	struct reconv *r = NULL, *t;
	size_t nr = 0, cap = 0;
	int rc, c = bars ? 2 : 0;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (nr == cap) {
			cap = cap ? 2 * cap : 64;
			if ((t = mdx_realloc(r, cap * sizeof(*r))) == NULL) {
				mdx_err_set(e, MDX_ENOMEM, "out of memory");
				goto fail;
			}
			r = t;
		}
		memset(&r[nr], 0, sizeof(*r));
		if (bars) {
			snprintf(r[nr].interval, sizeof(r[nr].interval), "%s",
				 col_text(st, 0));
			r[nr].ts = sqlite3_column_int64(st, 1);
		}
		if (mdx_date_parse(col_text(st, c), &r[nr].date, e) ||
		    mdx_date_parse(col_text(st, c + 1), &r[nr].as_of, e)) {
			mdx_err_set(e, MDX_EDB, "stored row with a bad date");
			goto fail;
		}
		r[nr].factor = sqlite3_column_double(st, c + 2);
		nr++;
	}
	if (rc != SQLITE_DONE) {
		db_err(s, e, "read rows to re-convert");
		goto fail;
	}
	sqlite3_reset(st);
	*out = r;
	*n = nr;
	return 0;
fail:
	sqlite3_reset(st);
	mdx_free(r);
	return -1;
}

/*
 * A split of sym dated day is new or changed: every bar and dividend
 * received on a split basis as of a date on or after day, and dated
 * before it, gets the factor its basis now asks for (the product of the
 * splits in (date, basis_as_of]) in place of the one it had, so that no
 * split is ever applied twice; the bars' old values go to revisions.
 */
static int
reconvert(struct mdx_store *s, const char *sym, const char *day,
	  struct mdx_err *e)
{
	const struct mdx_adjuster *a;
	struct reconv *r = NULL;
	sqlite3_stmt *st;
	char reason[32];
	int64_t now = store_now(s);
	size_t n = 0;
	int ret = -1;

	forget_splits(s);
	if ((a = splits_of(s, sym, e)) == NULL)
		return -1;
	snprintf(reason, sizeof(reason), "split %s", day);
	for (int pass = 0; pass < 2; pass++) {
		int bars = pass == 0;

		if ((st = stmt(s, bars ? ST_SPLIT_BARS : ST_SPLIT_DIVS, e)) ==
		    NULL)
			goto out;
		sqlite3_bind_text(st, 1, sym, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, day, -1, SQLITE_STATIC);
		if (reconv_rows(s, st, bars, &r, &n, e))
			goto out;
		for (size_t i = 0; i < n; i++) {
			double f = mdx_adjuster_splits_between(a, r[i].date,
							       r[i].as_of);
			char date[MDX_DATE_LEN];

			if (same(f, r[i].factor))
				continue;
			if (bars && revise(s, sym, r[i].interval, r[i].ts, now,
					   reason, e))
				goto out;
			st = stmt(s, bars ? ST_RESCALE_BAR : ST_RESCALE_DIV, e);
			if (st == NULL)
				goto out;
			sqlite3_bind_text(st, 1, sym, -1, SQLITE_STATIC);
			if (bars) {
				sqlite3_bind_text(st, 2, r[i].interval, -1,
						  SQLITE_STATIC);
				sqlite3_bind_int64(st, 3, r[i].ts);
				sqlite3_bind_double(st, 4, f / r[i].factor);
				sqlite3_bind_double(st, 5, f);
				sqlite3_bind_int64(st, 6, now);
				s->reconverted++;
			} else {
				sqlite3_bind_text(
					st, 2, mdx_date_format(r[i].date, date),
					-1, SQLITE_TRANSIENT);
				sqlite3_bind_double(st, 3, f / r[i].factor);
				sqlite3_bind_double(st, 4, f);
			}
			if (step_done(s, st, "re-convert", e) < 0)
				goto out;
		}
		mdx_free(r);
		r = NULL;
	}
	ret = 0;
out:
	mdx_free(r);
	return ret;
}

/*
 * An action: a split's ratio as given; a dividend's amount as paid (one
 * given on a split basis, Yahoo's, multiplied by the splits in (date,
 * basis_as_of]).  Within MDX_STORE_SAME_REL of the stored value it is
 * unchanged; a dividend off by MDX_STORE_MIXED is refused
 * as a bar is.  A split that is new or changed re-converts the rows it
 * concerns (reconvert).
 */
int
mdx_store_put_action(struct mdx_store *s, const json_t *rec, struct mdx_err *e)
{
	const char *sym = json_str_field(rec, "symbol");
	const char *date = json_str_field(rec, "date");
	const char *kind = json_str_field(rec, "kind");
	char as_of[MDX_DATE_LEN];
	struct mdx_basis basis;
	sqlite3_stmt *get, *put;
	int32_t day;
	double v, f = 1;
	int split, rc, ret;

	if (sym == NULL || date == NULL || kind == NULL ||
	    mdx_date_parse(date, &day, e))
		return mdx_err_set(e, MDX_EINPUT, "not a valid action record");
	split = strcmp(kind, "split") == 0;
	if (!json_is_number(json_object_get(rec, split ? "ratio" : "amount")))
		return mdx_err_field(e, MDX_EINPUT, split ? "ratio" : "amount",
				     "missing");
	v = json_number_value(json_object_get(rec, split ? "ratio" : "amount"));
	if (mdx_store_basis_read(rec, &basis, e))
		return -1;
	if (!split && basis.kind == MDX_BASIS_SPLIT) {
		const struct mdx_adjuster *a = splits_of(s, sym, e);

		if (a == NULL)
			return -1;
		f = mdx_adjuster_splits_between(a, day, basis.as_of);
		v *= f;
	}
	if ((get = stmt(s, ST_GET_ACTION, e)) == NULL)
		return -1;
	sqlite3_bind_text(get, 1, sym, -1, SQLITE_STATIC);
	sqlite3_bind_text(get, 2, date, -1, SQLITE_STATIC);
	sqlite3_bind_text(get, 3, kind, -1, SQLITE_STATIC);
	rc = sqlite3_step(get);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		db_err(s, e, "read action");
		sqlite3_reset(get);
		return -1;
	}
	if (rc == SQLITE_ROW) {
		double stored = sqlite3_column_double(get, 0);

		sqlite3_reset(get);
		if (same(stored, v))
			return MDX_PUT_UNCHANGED;
		if (!split && MDX_STORE_MIXED(stored / v))
			return refuse_mixed(e, "amount", v, stored, sym, date,
					    "splits");
	}
	sqlite3_reset(get);
	if ((put = stmt(s, rc == SQLITE_ROW ? ST_UPD_ACTION : ST_INS_ACTION,
			e)) == NULL)
		return -1;
	sqlite3_bind_text(put, 1, sym, -1, SQLITE_STATIC);
	sqlite3_bind_text(put, 2, date, -1, SQLITE_STATIC);
	sqlite3_bind_text(put, 3, kind, -1, SQLITE_STATIC);
	sqlite3_bind_double(put, 4, v);
	bind_text(put, 5, json_str_field(rec, "source"));
	if (!split && basis.kind == MDX_BASIS_SPLIT)
		sqlite3_bind_text(put, 6, mdx_date_format(basis.as_of, as_of),
				  -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(put, 6);
	sqlite3_bind_double(put, 7, f);
	if (step_done(s, put, "upsert action", e) < 0)
		return -1;
	ret = rc == SQLITE_ROW ? MDX_PUT_UPDATED : MDX_PUT_INSERTED;
	if (strcmp(s->adj_sym, sym) == 0)
		forget_splits(s);
	if (split && reconvert(s, sym, date, e))
		return -1;
	return ret;
}

int
mdx_store_put_run(struct mdx_store *s, const json_t *rec, struct mdx_err *e)
{
	static const char *const counts[] = {
		"in", "out", "inserted", "updated", "unchanged", "rejected"};
	const char *tool = json_str_field(rec, "tool");
	const char *started = json_str_field(rec, "started");
	sqlite3_stmt *find, *ins;
	char *detail;
	int ret = -1, rc;

	if (tool == NULL || json_str_field(rec, "status") == NULL)
		return mdx_err_set(e, MDX_EINPUT, "not a valid run record");
	if ((detail = mdx_output_json_text(rec)) == NULL)
		return mdx_err_set(e, MDX_ENOMEM, "out of memory");
	if ((find = stmt(s, ST_FIND_RUN, e)) == NULL ||
	    (ins = stmt(s, ST_INS_RUN, e)) == NULL)
		goto out;
	sqlite3_bind_text(find, 1, tool, -1, SQLITE_STATIC);
	if (started != NULL)
		sqlite3_bind_text(find, 2, started, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(find, 2);
	sqlite3_bind_text(find, 3, detail, -1, SQLITE_STATIC);
	rc = sqlite3_step(find);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		db_err(s, e, "find run");
		sqlite3_reset(find);
		goto out;
	}
	sqlite3_reset(find);
	if (rc == SQLITE_ROW) {
		ret = MDX_PUT_UNCHANGED;
		goto out;
	}
	sqlite3_bind_text(ins, 1, tool, -1, SQLITE_STATIC);
	bind_text(ins, 2, started);
	bind_text(ins, 3, json_str_field(rec, "finished"));
	bind_text(ins, 4, json_str_field(rec, "status"));
	for (int i = 0; i < 6; i++) {
		const json_t *v = json_object_get(rec, counts[i]);

		bind_int(ins, 5 + i, json_integer_value(v), json_is_integer(v));
	}
	sqlite3_bind_text(ins, 11, detail, -1, SQLITE_STATIC);
	if (step_done(s, ins, "insert run", e) < 0)
		goto out;
	ret = MDX_PUT_INSERTED;
out:
	mdx_free(detail);
	return ret;
}

int
mdx_store_put(struct mdx_store *s, const json_t *rec, struct mdx_err *e)
{
	struct mdx_bar b;
	const char *zone = NULL;

	switch (mdx_rec_type(rec, e)) {
	case MDX_REC_BAR: {
		struct mdx_basis basis;

		/* mdx-load's checks (mdx_session.h) */
		if (mdx_json_string(rec, "tz", &zone, NULL) != 1 ||
		    !mdx_tz_valid(zone))
			zone = NULL;
		if (mdx_bar_from_json(rec, &b, e) ||
		    mdx_session_check(&b, zone, e) ||
		    mdx_store_basis_read(rec, &basis, e))
			return -1;
		return mdx_store_put_bar_as(s, &b, &basis, e);
	}
	case MDX_REC_INSTRUMENT:
		if (mdx_instrument_check(rec, e))
			return -1;
		return mdx_store_put_instrument(s, rec, e);
	case MDX_REC_ACTION:
		if (mdx_action_check(rec, e))
			return -1;
		return mdx_store_put_action(s, rec, e);
	case MDX_REC_RUN:
		if (mdx_run_check(rec, e))
			return -1;
		return mdx_store_put_run(s, rec, e);
	default:
		return -1;
	}
}

/* ---- queries ---- */

static const char *const bar_cols[] = {
	"type",	  "symbol",  "interval", "ts",	      "date",	"open",
	"high",	  "low",     "close",	 "adj_close", "volume", "vwap",
	"trades", "session", "phase",	 "source"};

void
mdx_query_init(struct mdx_query *q)
{
	memset(q, 0, sizeof(*q));
	q->interval = -1;
}

int
mdx_query_bound(struct mdx_query *q, enum mdx_query_bound which, const char *s,
		struct mdx_err *e)
{
	int64_t ms;

	if (which != MDX_QB_SINCE && strchr(s, 'T') == NULL) {
		int32_t *day = which == MDX_QB_FROM ? &q->from : &q->to;

		if (mdx_date_parse(s, day, NULL) == 0) {
			q->has |= which == MDX_QB_FROM ? MDX_Q_FROM : MDX_Q_TO;
			return 0;
		}
	} else if (strchr(s, 'T') != NULL &&
		   mdx_rfc3339_parse(s, &ms, NULL) == 0) {
		if (which == MDX_QB_TO) {
			q->ts_to = ms;
			q->has |= MDX_Q_TS_TO;
			return 0;
		}
		if (which == MDX_QB_SINCE)
			ms++; /* strictly after */
		if (!(q->has & MDX_Q_TS_FROM) || ms > q->ts_from)
			q->ts_from = ms;
		q->has |= MDX_Q_TS_FROM;
		return 0;
	}
	if (which == MDX_QB_SINCE)
		return mdx_err_set(e, MDX_EUSAGE,
				   "'%.40s' is not an RFC 3339 instant "
				   "(2024-10-02T14:30:00Z)",
				   s);
	return mdx_err_set(e, MDX_EUSAGE,
			   "'%.40s' is not a date (YYYY-MM-DD) or an RFC 3339 "
			   "instant (2024-10-02T14:30:00Z)",
			   s);
}

/* sym not stored: tell k->miss, with the stored spelling of sym in
 * another case when there is one ("aapl": did you mean 'AAPL'?) */
static void
report_miss(struct mdx_store *s, struct mdx_sink *k, const char *sym)
{
	char like[MDX_SYMBOL_MAX + 1];
	struct mdx_err me;

	if (k->miss == NULL)
		return;
	mdx_err_clear(&me);
	if (mdx_store_symbol_nocase(s, sym, like, sizeof(like), &me) == 1)
		mdx_err_set(&me, MDX_ENOTFOUND,
			    "symbol '%s' not in the store; did you mean "
			    "'%s'?",
			    sym, like);
	else
		mdx_err_set(&me, MDX_ENOTFOUND, "symbol '%s' not in the store",
			    sym);
	k->miss(k->ctx, &me);
}

int
mdx_store_symbol_nocase(struct mdx_store *s, const char *sym, char *buf,
			size_t n, struct mdx_err *e)
{
	sqlite3_stmt *st = stmt(s, ST_SYMBOL_NOCASE, e);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, sym, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		snprintf(buf, n, "%s",
			 (const char *)sqlite3_column_text(st, 0));
	else if (rc != SQLITE_DONE)
		db_err(s, e, "find symbol");
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static int
check_symbols(const struct mdx_query *q, struct mdx_err *e)
{
	for (size_t i = 0; i < q->nsymbols; i++)
		if (!mdx_symbol_valid(q->symbols[i]))
			return mdx_err_field(e, MDX_EINPUT, "symbol",
					     "invalid symbol '%.40s'",
					     q->symbols[i]);
	if (q->interval >= MDX_INTERVAL_N)
		return mdx_err_field(e, MDX_EINPUT, "interval",
				     "invalid interval");
	return 0;
}

/* is sym in bars?  1, 0, or -1 */
static int
has_symbol(struct mdx_store *s, const char *sym, struct mdx_err *e)
{
	sqlite3_stmt *st = stmt(s, ST_HAS_SYMBOL, e);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, sym, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		db_err(s, e, "find symbol");
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* the first symbol after prev ("" for the first) into buf; 1, 0 at the
 * end, -1 */
static int
next_symbol(struct mdx_store *s, const char *prev, char *buf, size_t n,
	    struct mdx_err *e)
{
	sqlite3_stmt *st = stmt(s, ST_NEXT_SYMBOL, e);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, prev, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);

		snprintf(buf, n, "%s", t ? (const char *)t : "");
	} else if (rc != SQLITE_DONE) {
		db_err(s, e, "list symbols");
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static const char *
col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? (const char *)t : "";
}

/* a bar from a row of BAR_COLS_SQL */
static int
row_bar(sqlite3_stmt *st, struct mdx_bar *b, struct mdx_err *e)
{
	static const struct {
		int col;
		unsigned flag;
		size_t off;
	} reals[] = {
		{4, MDX_HAS_OPEN, offsetof(struct mdx_bar, open)},
		{5, MDX_HAS_HIGH, offsetof(struct mdx_bar, high)},
		{6, MDX_HAS_LOW, offsetof(struct mdx_bar, low)},
		{8, MDX_HAS_ADJ, offsetof(struct mdx_bar, adj_close)},
		{10, MDX_HAS_VWAP, offsetof(struct mdx_bar, vwap)},
	};

	memset(b, 0, sizeof(*b));
	snprintf(b->symbol, sizeof(b->symbol), "%s", col_text(st, 0));
	if ((b->interval = mdx_interval_parse(col_text(st, 1))) < 0)
		return mdx_err_set(e, MDX_EDB, "bar %s with interval '%.16s'",
				   b->symbol, col_text(st, 1));
	b->ts = sqlite3_column_int64(st, 2);
	if (mdx_date_parse(col_text(st, 3), &b->date, e))
		return mdx_err_set(e, MDX_EDB, "bar %s with date '%.16s'",
				   b->symbol, col_text(st, 3));
	for (size_t i = 0; i < sizeof(reals) / sizeof(*reals); i++) {
		if (sqlite3_column_type(st, reals[i].col) == SQLITE_NULL)
			continue;
		*(double *)((char *)b + reals[i].off) =
			sqlite3_column_double(st, reals[i].col);
		b->has |= reals[i].flag;
	}
	b->close = sqlite3_column_double(st, 7);
	if (sqlite3_column_type(st, 9) != SQLITE_NULL) {
		b->volume = sqlite3_column_int64(st, 9);
		b->has |= MDX_HAS_VOLUME;
	}
	if (sqlite3_column_type(st, 11) != SQLITE_NULL) {
		b->trades = sqlite3_column_int64(st, 11);
		b->has |= MDX_HAS_TRADES;
	}
	snprintf(b->session, sizeof(b->session), "%s", col_text(st, 12));
	snprintf(b->phase, sizeof(b->phase), "%s", col_text(st, 13));
	snprintf(b->source, sizeof(b->source), "%s", col_text(st, 14));
	return 0;
}

void
mdx_store_adjust_bar(struct mdx_bar *b, const struct mdx_adjuster *a, int mode)
{
	double f, v;

	if (a == NULL || mode == MDX_ADJUST_NONE)
		return;
	f = mdx_adjuster_price(a, mode, b->date);
	v = mdx_adjuster_volume(a, mode, b->date);
	if (f != 1) {
		b->open *= f;
		b->high *= f;
		b->low *= f;
		b->close *= f;
		b->vwap *= f;
	}
	if (v != 1)
		b->volume = llround((double)b->volume * v);
}

/* the adjuster of sym for mode into *a (NULL for none); 0 or -1 */
static int
adjuster_for(struct mdx_store *s, const char *sym, int mode,
	     struct mdx_adjuster **a, struct mdx_err *e)
{
	*a = NULL;
	if (mode == MDX_ADJUST_NONE)
		return 0;
	*a = mdx_adjuster_load(s->db, sym, e);
	return *a == NULL ? -1 : 0;
}

/* step st to its end, sending each row as a bar, adjusted by a for mode
 * (a NULL: as traded); returns rows or -1 */
static long
emit_bars(struct mdx_store *s, sqlite3_stmt *st, struct mdx_sink *k,
	  const struct mdx_adjuster *a, int mode, struct mdx_err *e)
{
	struct mdx_bar b;
	long n = 0;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *row;

		if (row_bar(st, &b, e))
			goto fail;
		mdx_store_adjust_bar(&b, a, mode);
		if ((row = mdx_bar_to_json(&b)) == NULL) {
			mdx_err_set(e, MDX_ENOMEM, "out of memory");
			goto fail;
		}
		rc = k->row(k->ctx, row, e);
		json_decref(row);
		if (rc)
			goto fail;
		n++;
	}
	if (rc != SQLITE_DONE) {
		db_err(s, e, "read bars");
		goto fail;
	}
	sqlite3_reset(st);
	return n;
fail:
	sqlite3_reset(st);
	return -1;
}

static int
bar_columns(struct mdx_sink *k, struct mdx_err *e)
{
	return k->columns(k->ctx, bar_cols,
			  sizeof(bar_cols) / sizeof(*bar_cols), e);
}

int
mdx_store_bars(struct mdx_store *s, const struct mdx_query *q,
	       struct mdx_sink *k, struct mdx_err *e)
{
	char from[MDX_DATE_LEN], to[MDX_DATE_LEN];
	int64_t ts_lo = INT64_MIN, ts_hi = INT64_MAX;
	long left = q->limit > 0 ? q->limit : -1;
	struct mdx_adjuster *a;
	int missing = 0;
	sqlite3_stmt *st;

	if (check_symbols(q, e))
		return -1;
	if (q->nsymbols == 0)
		return mdx_err_set(e, MDX_EUSAGE, "bars: no symbol given");
	snprintf(from, sizeof(from), "0000-00-00");
	snprintf(to, sizeof(to), "9999-99-99");
	/* a trading date is within a day of its UTC date in any zone: bound
	 * ts too, so that the primary key narrows the scan */
	if (q->has & MDX_Q_FROM) {
		mdx_date_format(q->from, from);
		ts_lo = ((int64_t)q->from - 1) * MDX_MS_PER_DAY;
	}
	if (q->has & MDX_Q_TO) {
		mdx_date_format(q->to, to);
		ts_hi = ((int64_t)q->to + 2) * MDX_MS_PER_DAY;
	}
	/* instants: ts_lo <= ts < ts_hi */
	if ((q->has & MDX_Q_TS_FROM) && q->ts_from > ts_lo)
		ts_lo = q->ts_from;
	if ((q->has & MDX_Q_TS_TO) && q->ts_to < ts_hi)
		ts_hi = q->ts_to == INT64_MAX ? INT64_MAX : q->ts_to + 1;
	if (bar_columns(k, e) || (st = stmt(s, ST_BARS, e)) == NULL)
		return -1;
	for (size_t i = 0; i < q->nsymbols; i++) {
		int rc = has_symbol(s, q->symbols[i], e);

		if (rc < 0)
			return -1;
		if (rc == 0) {
			report_miss(s, k, q->symbols[i]);
			missing++;
			continue;
		}
		if (adjuster_for(s, q->symbols[i], q->adjust, &a, e))
			return -1;
		for (int iv = 0; iv < MDX_INTERVAL_N && left != 0; iv++) {
			long n;

			if (q->interval >= 0 && iv != q->interval)
				continue;
			sqlite3_bind_text(st, 1, q->symbols[i], -1,
					  SQLITE_STATIC);
			sqlite3_bind_text(st, 2, mdx_interval_name(iv), -1,
					  SQLITE_STATIC);
			sqlite3_bind_int64(st, 3, ts_lo);
			sqlite3_bind_int64(st, 4, ts_hi);
			sqlite3_bind_text(st, 5, from, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 6, to, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 7, left);
			if ((n = emit_bars(s, st, k, a, q->adjust, e)) < 0) {
				mdx_adjuster_free(a);
				return -1;
			}
			if (left > 0)
				left -= n;
		}
		mdx_adjuster_free(a);
	}
	return missing;
}

int
mdx_store_has_symbol(struct mdx_store *s, const char *sym, struct mdx_err *e)
{
	return has_symbol(s, sym, e);
}

int
mdx_store_read_bars(struct mdx_store *s, const char *sym, int interval,
		    const struct mdx_query *q, struct mdx_bar **bars, size_t *n,
		    struct mdx_err *e)
{
	char from[MDX_DATE_LEN] = "0000-00-00", to[MDX_DATE_LEN] = "9999-99-99";
	int64_t ts_lo = INT64_MIN, ts_hi = INT64_MAX;
	struct mdx_bar *b = NULL;
	size_t nb = 0, cap = 0;
	sqlite3_stmt *st;
	int rc, ret = -1;

	*bars = NULL;
	*n = 0;
	if (mdx_interval_name(interval) == NULL)
		return mdx_err_field(e, MDX_EINPUT, "interval",
				     "invalid interval");
	if (q != NULL && (q->has & MDX_Q_FROM)) {
		mdx_date_format(q->from, from);
		ts_lo = ((int64_t)q->from - 1) * MDX_MS_PER_DAY;
	}
	if (q != NULL && (q->has & MDX_Q_TO)) {
		mdx_date_format(q->to, to);
		ts_hi = ((int64_t)q->to + 2) * MDX_MS_PER_DAY;
	}
	if ((st = stmt(s, ST_BARS, e)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, sym, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, mdx_interval_name(interval), -1,
			  SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, ts_lo);
	sqlite3_bind_int64(st, 4, ts_hi);
	sqlite3_bind_text(st, 5, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, to, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (nb == cap) {
			size_t nc = cap ? 2 * cap : 256;
			struct mdx_bar *t = mdx_realloc(b, nc * sizeof(*b));

			if (t == NULL) {
				mdx_err_set(e, MDX_ENOMEM, "out of memory");
				goto out;
			}
			b = t;
			cap = nc;
		}
		if (row_bar(st, &b[nb], e))
			goto out;
		nb++;
	}
	if (rc != SQLITE_DONE) {
		db_err(s, e, "read bars");
		goto out;
	}
	*bars = b;
	*n = nb;
	b = NULL;
	ret = 0;
out:
	sqlite3_reset(st);
	mdx_free(b);
	return ret;
}

/* the latest bar of sym in each interval q asks for */
static int
latest_of(struct mdx_store *s, const char *sym, const struct mdx_query *q,
	  struct mdx_sink *k, struct mdx_err *e)
{
	sqlite3_stmt *st = stmt(s, ST_LATEST, e);
	struct mdx_adjuster *a;
	int ret = -1;

	if (st == NULL || adjuster_for(s, sym, q->adjust, &a, e))
		return -1;
	for (int iv = 0; iv < MDX_INTERVAL_N; iv++) {
		if (q->interval >= 0 && iv != q->interval)
			continue;
		sqlite3_bind_text(st, 1, sym, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, mdx_interval_name(iv), -1,
				  SQLITE_STATIC);
		if (emit_bars(s, st, k, a, q->adjust, e) < 0)
			goto out;
	}
	ret = 0;
out:
	mdx_adjuster_free(a);
	return ret;
}

int
mdx_store_latest(struct mdx_store *s, const struct mdx_query *q,
		 struct mdx_sink *k, struct mdx_err *e)
{
	char sym[MDX_SYMBOL_MAX + 1] = "";
	int missing = 0, rc;

	if (check_symbols(q, e) || bar_columns(k, e))
		return -1;
	for (size_t i = 0; i < q->nsymbols; i++) {
		if ((rc = has_symbol(s, q->symbols[i], e)) < 0)
			return -1;
		if (rc == 0) {
			report_miss(s, k, q->symbols[i]);
			missing++;
		} else if (latest_of(s, q->symbols[i], q, k, e)) {
			return -1;
		}
	}
	if (q->nsymbols > 0)
		return missing;
	while ((rc = next_symbol(s, sym, sym, sizeof(sym), e)) == 1)
		if (latest_of(s, sym, q, k, e))
			return -1;
	return rc < 0 ? -1 : 0;
}

/* the symbols rows of sym; returns how many, or -1 */
static long
symbols_of(struct mdx_store *s, const char *sym, const struct mdx_query *q,
	   struct mdx_sink *k, struct mdx_err *e)
{
	sqlite3_stmt *st = stmt(s, ST_SYMBOLS, e);
	long n = 0;
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, sym, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *row;

		if (q->interval >= 0 &&
		    mdx_interval_parse(col_text(st, 1)) != q->interval)
			continue;
		row = json_pack("{s:s,s:s,s:s,s:s,s:I}", "symbol",
				col_text(st, 0), "interval", col_text(st, 1),
				"first_date", col_text(st, 2), "last_date",
				col_text(st, 3), "bars",
				(json_int_t)sqlite3_column_int64(st, 4));
		if (row == NULL) {
			mdx_err_set(e, MDX_ENOMEM, "out of memory");
			goto fail;
		}
		rc = k->row(k->ctx, row, e);
		json_decref(row);
		if (rc)
			goto fail;
		n++;
	}
	if (rc != SQLITE_DONE) {
		db_err(s, e, "read symbols");
		goto fail;
	}
	sqlite3_reset(st);
	return n;
fail:
	sqlite3_reset(st);
	return -1;
}

int
mdx_store_symbols(struct mdx_store *s, const struct mdx_query *q,
		  struct mdx_sink *k, struct mdx_err *e)
{
	static const char *const cols[] = {"symbol", "interval", "first_date",
					   "last_date", "bars"};
	char sym[MDX_SYMBOL_MAX + 1] = "";
	int missing = 0, rc;

	if (check_symbols(q, e) || k->columns(k->ctx, cols, 5, e))
		return -1;
	for (size_t i = 0; i < q->nsymbols; i++) {
		if ((rc = has_symbol(s, q->symbols[i], e)) < 0)
			return -1;
		if (rc == 0) {
			report_miss(s, k, q->symbols[i]);
			missing++;
		} else if (symbols_of(s, q->symbols[i], q, k, e) < 0) {
			return -1;
		}
	}
	if (q->nsymbols > 0)
		return missing;
	while ((rc = next_symbol(s, sym, sym, sizeof(sym), e)) == 1)
		if (symbols_of(s, sym, q, k, e) < 0)
			return -1;
	return rc < 0 ? -1 : 0;
}

/* column i of a row as a new JSON value (NULL: no memory) */
static json_t *
col_json(sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		return json_integer(sqlite3_column_int64(st, i));
	case SQLITE_FLOAT:
		return json_real(sqlite3_column_double(st, i));
	case SQLITE_TEXT:
		/* the writers replace invalid UTF-8 */
		return json_stringn_nocheck(
			(const char *)sqlite3_column_text(st, i),
			(size_t)sqlite3_column_bytes(st, i));
	case SQLITE_BLOB: {
		const unsigned char *p = sqlite3_column_blob(st, i);
		size_t n = (size_t)sqlite3_column_bytes(st, i);
		char *hex = mdx_malloc(2 * n + 1);
		json_t *v;

		if (hex == NULL)
			return NULL;
		for (size_t j = 0; j < n; j++) {
			hex[2 * j] = "0123456789abcdef"[p[j] >> 4];
			hex[2 * j + 1] = "0123456789abcdef"[p[j] & 15];
		}
		hex[2 * n] = '\0';
		v = json_stringn_nocheck(hex, 2 * n);
		mdx_free(hex);
		return v;
	}
	default:
		return json_null();
	}
}

/* the date bounds of q as text, inclusive */
static void
q_dates(const struct mdx_query *q, char *from, char *to)
{
	snprintf(from, MDX_DATE_LEN, "0000-00-00");
	snprintf(to, MDX_DATE_LEN, "9999-99-99");
	if (q->has & MDX_Q_FROM)
		mdx_date_format(q->from, from);
	if (q->has & MDX_Q_TO)
		mdx_date_format(q->to, to);
}

/* run sql (?1 symbol, ?2 from, ?3 to) for each of q's symbols and send
 * every row, columns as SQLite names them; a symbol with no row and no
 * bar is reported missing */
static int
per_symbol_rows(struct mdx_store *s, const struct mdx_query *q,
		struct mdx_sink *k, const char *sql, const char *const *cols,
		size_t ncols, const char *what, struct mdx_err *e)
{
	char from[MDX_DATE_LEN], to[MDX_DATE_LEN];
	sqlite3_stmt *st = NULL;
	int missing = 0, ret = -1, rc;

	if (check_symbols(q, e))
		return -1;
	if (q->nsymbols == 0)
		return mdx_err_set(e, MDX_EUSAGE, "%s: no symbol given", what);
	if (k->columns(k->ctx, cols, ncols, e))
		return -1;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_err(s, e, what);
	q_dates(q, from, to);
	for (size_t i = 0; i < q->nsymbols; i++) {
		long n = 0;

		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, q->symbols[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, from, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, to, -1, SQLITE_STATIC);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			json_t *row = json_object(), *v;

			if (row == NULL)
				goto nomem;
			for (int c = 0; c < (int)ncols; c++) {
				if ((v = col_json(st, c)) == NULL ||
				    json_object_set_new(row, cols[c], v)) {
					json_decref(row);
					goto nomem;
				}
			}
			rc = k->row(k->ctx, row, e);
			json_decref(row);
			if (rc)
				goto out;
			n++;
		}
		if (rc != SQLITE_DONE) {
			db_err(s, e, what);
			goto out;
		}
		if (n == 0) {
			if ((rc = has_symbol(s, q->symbols[i], e)) < 0)
				goto out;
			if (rc == 0) {
				report_miss(s, k, q->symbols[i]);
				missing++;
			}
		}
	}
	ret = missing;
	goto out;
nomem:
	mdx_err_set(e, MDX_ENOMEM, "out of memory");
out:
	sqlite3_finalize(st);
	return ret;
}

int
mdx_store_actions(struct mdx_store *s, const struct mdx_query *q,
		  struct mdx_sink *k, struct mdx_err *e)
{
	static const char *const cols[] = {"symbol", "date",   "kind",
					   "ratio",  "amount", "source"};

	return per_symbol_rows(
		s, q, k,
		"SELECT symbol, date, kind, "
		"CASE kind WHEN 'split' THEN value END, "
		"CASE kind WHEN 'dividend' THEN value END, source "
		"FROM actions WHERE symbol = ?1 AND date >= ?2 AND date <= ?3 "
		"ORDER BY date, kind",
		cols, sizeof(cols) / sizeof(*cols), "read actions", e);
}

/* clang-format off */
int
mdx_store_revisions(struct mdx_store *s, const struct mdx_query *q,
		    struct mdx_sink *k, struct mdx_err *e)
{
	static const char *const cols[] = {
		"symbol", "interval", "date", "ts", "revised_at", "run_tool",
		"run_started", "reason", "open", "high", "low", "close",
		"adj_close", "volume", "source", "basis", "basis_as_of",
		"stored_at"};

	return per_symbol_rows(
		s, q, k,
		"SELECT symbol, interval, date, " RFC3339_SQL("ts") ", "
		RFC3339_SQL("revised_at") ", run_tool, run_started, reason, "
		"open, high, low, close, adj_close, volume, source, basis, "
		"basis_as_of, " RFC3339_SQL("updated_at") " FROM revisions "
		"WHERE symbol = ?1 AND date >= ?2 AND date <= ?3 "
		"ORDER BY interval, ts, revised_at",
		cols, sizeof(cols) / sizeof(*cols), "read revisions", e);
}
/* clang-format on */

int
mdx_store_runs(struct mdx_store *s, const struct mdx_query *q,
	       struct mdx_sink *k, struct mdx_err *e)
{
	static const char *const cols[] = {"id",	"tool",	    "started",
					   "finished",	"status",   "rows_in",
					   "rows_out",	"inserted", "updated",
					   "unchanged", "rejected", "failed"};
	sqlite3_stmt *st;
	json_t *row = NULL;
	int rc, ret = -1;

	if (k->columns(k->ctx, cols, 12, e) ||
	    (st = stmt(s, ST_RUNS, e)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, q->limit > 0 ? q->limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *detail, *failed = NULL;
		const char *d = (const char *)sqlite3_column_text(st, 11);

		if ((row = json_object()) == NULL)
			goto nomem;
		for (int i = 0; i < 11; i++) {
			json_t *v = col_json(st, i);

			if (v == NULL ||
			    json_object_set_new_nocheck(row, cols[i], v))
				goto nomem;
		}
		if (d != NULL &&
		    (detail = json_loads(d, JSON_DECODE_ANY, NULL)) != NULL) {
			failed = json_object_get(detail, "failed");
			json_incref(failed);
			json_decref(detail);
		}
		if (json_object_set_new_nocheck(row, "failed",
						failed ? failed : json_null()))
			goto nomem;
		if (k->row(k->ctx, row, e))
			goto out;
		json_decref(row);
		row = NULL;
	}
	if (rc != SQLITE_DONE) {
		db_err(s, e, "read runs");
		goto out;
	}
	ret = 0;
	goto out;
nomem:
	mdx_err_set(e, MDX_ENOMEM, "out of memory");
out:
	json_decref(row);
	sqlite3_reset(st);
	return ret;
}

/* ---- sql ---- */

/* pragmas that only report; those in with_arg take an object name */
static int
pragma_readonly(const char *name, const char *arg)
{
	static const char *const with_arg[] = {"table_info",
					       "table_xinfo",
					       "table_list",
					       "index_list",
					       "index_info",
					       "index_xinfo",
					       "foreign_key_list",
					       "foreign_key_check",
					       "integrity_check",
					       "quick_check",
					       NULL};
	static const char *const no_arg[] = {
		"user_version",	   "schema_version", "application_id",
		"data_version",	   "page_count",     "page_size",
		"freelist_count",  "encoding",	     "journal_mode",
		"compile_options", "collation_list", "function_list",
		"module_list",	   "pragma_list",    "database_list",
		"foreign_keys",	   "auto_vacuum",    NULL};

	if (name == NULL)
		return 0;
	for (size_t i = 0; with_arg[i]; i++)
		if (sqlite3_stricmp(name, with_arg[i]) == 0)
			return 1;
	if (arg != NULL)
		return 0; /* "PRAGMA x = v" or "PRAGMA x(v)": a change */
	for (size_t i = 0; no_arg[i]; i++)
		if (sqlite3_stricmp(name, no_arg[i]) == 0)
			return 1;
	return 0;
}

/* which action the authorizer refused, for the message */
struct sql_auth {
	int denied;    /* action code of the first refusal, 0 none */
	char what[96]; /* its name */
};

static int
sql_authorize(void *ctx, int action, const char *a3, const char *a4,
	      const char *db, const char *trigger)
{
	struct sql_auth *au = ctx;
	const char *what;

	(void)db;
	(void)trigger;
	switch (action) {
	case SQLITE_SELECT:
	case SQLITE_READ:
	case SQLITE_FUNCTION:
	case SQLITE_RECURSIVE:
		return SQLITE_OK;
	case SQLITE_PRAGMA:
		if (pragma_readonly(a3, a4))
			return SQLITE_OK;
		what = "a pragma that changes something";
		break;
	case SQLITE_UPDATE:
		/* a table-valued pragma (SELECT ... FROM pragma_table_info
		 * ('bars')) asks this of the schema table while it declares
		 * its virtual table.  Those pragmas have no side effects
		 * (sqlite.org/pragma.html#pragfunc); a real UPDATE of the
		 * schema table is still stopped, by sqlite3_stmt_readonly()
		 * in mdx_store_sql and by SQLite itself. */
		if (a3 != NULL && (strcmp(a3, "sqlite_master") == 0 ||
				   strcmp(a3, "sqlite_schema") == 0))
			return SQLITE_OK;
		what = "UPDATE";
		break;
	case SQLITE_INSERT:
	case SQLITE_DELETE:
		if (a3 != NULL && (strcmp(a3, "sqlite_master") == 0 ||
				   strcmp(a3, "sqlite_schema") == 0 ||
				   strcmp(a3, "sqlite_temp_master") == 0))
			what = "changing the schema"; /* CREATE, DROP */
		else
			what = action == SQLITE_INSERT ? "INSERT" : "DELETE";
		break;
	case SQLITE_ATTACH:
		what = "ATTACH";
		break;
	case SQLITE_DETACH:
		what = "DETACH";
		break;
	case SQLITE_TRANSACTION:
	case SQLITE_SAVEPOINT:
		what = "transactions";
		break;
	default:
		what = "changing the schema";
	}
	if (au->denied == 0) {
		au->denied = action;
		snprintf(au->what, sizeof(au->what), "%s", what);
	}
	return SQLITE_DENY;
}

/* is the rest of a statement text only blanks, comments and semicolons? */
static int
sql_tail_empty(struct mdx_store *s, const char *tail)
{
	sqlite3_stmt *st = NULL;
	int rc;

	/* SQLite itself says: preparing the tail yields no statement */
	rc = sqlite3_prepare_v2(s->db, tail, -1, &st, NULL);
	sqlite3_finalize(st);
	return rc == SQLITE_OK && st == NULL;
}

/* column names, a repeated one renamed name_2, name_3 ...; owned */
static char **
sql_names(sqlite3_stmt *st, int n)
{
	char **names = mdx_calloc((size_t)n + 1, sizeof(*names));

	if (names == NULL)
		return NULL;
	for (int i = 0; i < n; i++) {
		const char *c = sqlite3_column_name(st, i);
		char buf[256];
		int dup = 1;

		c = c ? c : "?";
		snprintf(buf, sizeof(buf), "%s", c);
		for (int j = 0; j < i; j++) {
			if (strcmp(names[j], buf) == 0) {
				snprintf(buf, sizeof(buf), "%s_%d", c, ++dup);
				j = -1; /* check the new name again */
			}
		}
		if ((names[i] = mdx_strdup(buf)) == NULL)
			goto fail;
	}
	return names;
fail:
	for (int i = 0; i < n; i++)
		mdx_free(names[i]);
	mdx_free(names);
	return NULL;
}

int
mdx_store_sql(struct mdx_store *s, const struct mdx_query *q,
	      struct mdx_sink *k, struct mdx_err *e)
{
	struct sql_auth au = {0};
	sqlite3_stmt *st = NULL;
	const char *tail = NULL;
	char **names = NULL;
	json_t *row = NULL;
	int n = 0, rc, ret = -1;

	if (q->sql == NULL)
		return mdx_err_set(e, MDX_EUSAGE, "sql: no statement given");
	sqlite3_set_authorizer(s->db, sql_authorize, &au);
	rc = sqlite3_prepare_v2(s->db, q->sql, -1, &st, &tail);
	if (rc != SQLITE_OK) {
		if (au.denied)
			mdx_err_set(e, MDX_EINPUT,
				    "refused: %s (the sql command only reads)",
				    au.what);
		else
			mdx_err_set(e, MDX_EINPUT, "%s", sqlite3_errmsg(s->db));
		goto out;
	}
	if (st == NULL) {
		mdx_err_set(e, MDX_EINPUT, "no SQL statement given");
		goto out;
	}
	if (!sql_tail_empty(s, tail)) {
		mdx_err_set(e, MDX_EINPUT,
			    "one statement only (more follows ';')");
		goto out;
	}
	if (!sqlite3_stmt_readonly(st)) {
		mdx_err_set(e, MDX_EINPUT,
			    "refused: the statement writes (the sql command "
			    "only reads)");
		goto out;
	}
	n = sqlite3_column_count(st);
	if ((names = sql_names(st, n)) == NULL) {
		mdx_err_set(e, MDX_ENOMEM, "out of memory");
		goto out;
	}
	if (k->columns(k->ctx, (const char *const *)names, (size_t)n, e))
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((row = json_object()) == NULL)
			goto nomem;
		for (int i = 0; i < n; i++) {
			json_t *v = col_json(st, i);

			if (v == NULL ||
			    json_object_set_new_nocheck(row, names[i], v))
				goto nomem;
		}
		if (k->row(k->ctx, row, e))
			goto out;
		json_decref(row);
		row = NULL;
	}
	if (rc != SQLITE_DONE) {
		mdx_err_set(e,
			    (rc & 0xff) == SQLITE_BUSY ? MDX_ETEMP : MDX_EINPUT,
			    "%s", sqlite3_errmsg(s->db));
		goto out;
	}
	ret = 0;
	goto out;
nomem:
	mdx_err_set(e, MDX_ENOMEM, "out of memory");
out:
	json_decref(row);
	if (names != NULL)
		for (int i = 0; i < n; i++)
			mdx_free(names[i]);
	mdx_free(names);
	sqlite3_finalize(st);
	sqlite3_set_authorizer(s->db, NULL, NULL);
	return ret;
}
