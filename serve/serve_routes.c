/*
 * serve_routes.c - every route mdx-serve answers, in one table: the
 * dispatcher (serve_http.c) matches requests against it and the OpenAPI
 * document (serve_ops.c) is made from it, so the two cannot disagree.
 * To add an endpoint: write its function, declare it in serve_int.h, add
 * a row here (and its parameters to serve_params if new), and a section
 * to mdx-serve(1).
 */
#include "mdx_cli.h"
#include "serve_int.h"

const struct serve_param_def serve_params[SP_NPARAM] = {
	{"format", "string", NULL,
	 "json, ndjson, csv or tsv (default: from the Accept header, else "
	 "json)"},
	{"interval", "string", NULL,
	 "an interval: " MDX_INTERVAL_NAMES " (bars, latest, symbols: "
	 "only bars of it; resample: the one to make)"},
	{"from", "string", "date", "first trading date, YYYY-MM-DD, inclusive"},
	{"to", "string", "date", "last trading date, YYYY-MM-DD, inclusive"},
	{"limit", "integer", NULL,
	 "bars: rows a page (default 500, at most 10000); runs: rows (default "
	 "20, 0 all)"},
	{"cursor", "string", NULL,
	 "the opaque cursor of the next page, from the previous page's next "
	 "link"},
	{"symbols", "string", NULL, "comma-separated symbols (default: all)"},
	{"date", "string", "date", "a date, YYYY-MM-DD"},
	{"risk_free", "string", NULL,
	 "annual risk-free rate for the Sharpe ratio: a fraction (0.045) or "
	 "a percentage (4.5%); default 0"},
	{"period", "string", NULL,
	 "daily, weekly (ISO), monthly or quarterly; default daily"},
	{"log", "boolean", NULL, "log returns ln(p1/p0) rather than p1/p0 - 1"},
	{"source", "string", NULL,
	 "the interval of the bars read (default: the longest stored that "
	 "makes the one asked)"},
	{"regular", "boolean", NULL,
	 "drop pre-market and after-hours bars first"},
	{"at_open", "boolean", NULL, "hours from 09:30 rather than 09:00"},
	{"top", "integer", NULL, "members: the N largest by market cap"},
	{"rebalance", "string", NULL,
	 "daily, weekly, monthly or quarterly; default monthly"},
	{"base", "number", NULL, "the first level; default 1000"},
	{"summary", "boolean", NULL,
	 "one row of figures (as stats) rather than a row per session"},
	{"all", "boolean", NULL, "list the weekdays NYSE is closed too"},
	{"kinds", "string", NULL,
	 "findings to look for: missing, stale, outside, zero_volume, "
	 "outlier, split, adj_close, or all (default) or none"},
	{"fail_on", "string", NULL,
	 "kinds that make X-Check-Failed true (default all)"},
	{"as_of", "string", NULL,
	 "stale is measured to this date (YYYY-MM-DD or today); default the "
	 "latest bar's"},
	{"stale", "integer", NULL, "sessions behind before stale (default 5)"},
	{"outlier", "number", NULL,
	 "robust standard deviations of an outlier (default 20)"},
	{"zero_volume", "integer", NULL,
	 "bars in a row with volume 0 (default 3)"},
	{"adjust", "string", NULL,
	 "none (prices as traded), split (back-adjusted for later splits) or "
	 "total (and for dividends); default none for bars, latest and "
	 "resample, total for stats and returns, split for index build (the "
	 "members' prices)"},
	{"backfill", "boolean", NULL,
	 "index build: rank before a share count is known, on the earliest "
	 "(look-ahead; said in the stored parameters)"},
	{"from", "string", NULL,
	 "the first trading date, YYYY-MM-DD, or instant, RFC 3339 "
	 "(2024-10-02T14:30:00Z; an offset's + as %2B): the bars whose ts is "
	 "at or after it; inclusive"},
	{"to", "string", NULL,
	 "the last trading date, YYYY-MM-DD, or instant, RFC 3339: the bars "
	 "whose ts is at or before it; inclusive"},
	{"since", "string", "date-time",
	 "an instant, RFC 3339: only the bars whose ts is strictly after it "
	 "(a client that polls passes the last ts it has)"},
};

const struct serve_column serve_columns[] = {
	/* bars (canonical bar records, mdx-records(5)) */
	{"type", "string", 1},
	{"symbol", "string", 1},
	{"interval", "string", 1},
	{"ts", "date-time", 1},
	{"date", "date", 1},
	{"open", "number", 0},
	{"high", "number", 0},
	{"low", "number", 0},
	{"close", "number", 0},
	{"adj_close", "number", 0},
	{"volume", "integer", 0},
	{"vwap", "number", 0},
	{"trades", "integer", 0},
	{"session", "string", 0},
	{"phase", "string", 0},
	{"source", "string", 0},
	/* symbols */
	{"first_date", "date", 0},
	{"last_date", "date", 0},
	{"bars", "integer", 0},
	/* runs */
	{"id", "integer", 1},
	{"tool", "string", 1},
	{"started", "date-time", 0},
	{"finished", "date-time", 0},
	{"status", "string", 0},
	{"rows_in", "integer", 0},
	{"rows_out", "integer", 0},
	{"inserted", "integer", 0},
	{"updated", "integer", 0},
	{"unchanged", "integer", 0},
	{"rejected", "integer", 0},
	{"failed", "strings", 0},
	/* stats, returns */
	{"count", "integer", 0},
	{"first_open", "number", 0},
	{"last_close", "number", 0},
	{"mean_close", "number", 0},
	{"total_return", "number", 0},
	{"volatility", "number", 0},
	{"sharpe", "number", 0},
	{"max_drawdown", "number", 0},
	{"dd_peak", "date", 0},
	{"dd_trough", "date", 0},
	{"basis", "string", 0},
	{"risk_free", "number", 0},
	{"sessions", "integer", 0},
	{"price", "number", 0},
	{"return", "number", 0},
	/* index */
	{"index", "string", 1},
	{"top", "integer", 0},
	{"rebalance", "string", 0},
	{"base", "number", 0},
	{"universe", "integer", 0},
	{"rebalances", "integer", 0},
	{"changes", "integer", 0},
	{"carried", "integer", 0},
	{"level", "number", 0},
	{"built_at", "date-time", 0},
	{"cumulative", "number", 0},
	{"members", "integer", 0},
	{"rebalanced", "boolean", 0},
	{"rank", "integer", 0},
	{"name", "string", 0},
	{"sector", "string", 0},
	{"weight", "number", 0},
	{"market_cap", "number", 0},
	{"change", "string", 0},
	/* calendar */
	{"weekday", "string", 0},
	{"open_et", "string", 0},
	{"close_et", "string", 0},
	{"early_close", "boolean", 0},
	{"note", "string", 0},
	/* check */
	{"kind", "string", 0},
	{"value", "number", 0},
	{"detail", "string", 0},
	/* actions, revisions (issue 10) */
	{"ratio", "number", 0},
	{"amount", "number", 0},
	{"revised_at", "date-time", 0},
	{"run_tool", "string", 0},
	{"run_started", "date-time", 0},
	{"reason", "string", 0},
	{"basis_as_of", "date", 0},
	{"stored_at", "date-time", 0},
	/* index build (point in time) */
	{"adjust", "string", 0},
	{"unranked", "integer", 0},
	{"backfilled", "integer", 0},
};

const size_t serve_ncolumns = sizeof(serve_columns) / sizeof(*serve_columns);

/* the columns of the row shapes the routes share (lib/store.c, analysis.c) */
#define BAR_COLS                                                               \
	"type symbol interval ts date open high low close adj_close volume "   \
	"vwap trades session phase source"
#define STATS_COLS                                                             \
	"count first_date last_date first_open last_close high low "           \
	"mean_close vwap total_return volatility sharpe max_drawdown "         \
	"dd_peak dd_trough basis risk_free"

#define ROWS (SR_CACHE | SR_FORMATS | SR_ROWS)

const struct serve_route serve_routes[] = {
	{"GET", "/v1/symbols", SP_FORMAT | SP_INTERVAL | SP_SYMBOLS, ROWS,
	 serve_q_symbols, "Symbols in the store",
	 "Each symbol and interval with its first and last date and its "
	 "number of bars.",
	 "mdx-query symbols [SYMBOL ...] [--interval I]",
	 "symbol interval first_date last_date bars"},
	{"GET", "/v1/bars/{symbol}",
	 SP_FORMAT | SP_INTERVAL | SP_FROM_TS | SP_TO_TS | SP_SINCE | SP_LIMIT |
		 SP_CURSOR | SP_ADJUST,
	 ROWS | SR_PAGED, serve_q_bars, "Bars of a symbol",
	 "Canonical bar records in time order (intervals 1m to 3mo), a page "
	 "at a time: the next page's URL is in the Link header (rel=\"next\") "
	 "and, for json, in the body's \"next\" (null on the last page); the "
	 "body's \"data\" is what mdx-query -f json prints for the page.  "
	 "from= and to= take a trading date or an instant (RFC 3339); since= "
	 "an instant: only the bars whose ts is after it, for a client that "
	 "polls with the last ts it has.",
	 "mdx-query bars SYMBOL [--interval I] [--from D|T] [--to D|T] "
	 "[--since T] [--limit N] [--adjust A]",
	 BAR_COLS},
	{"GET", "/v1/instruments/{symbol}/ohlcv",
	 SP_FORMAT | SP_INTERVAL | SP_FROM_TS | SP_TO_TS | SP_SINCE | SP_LIMIT |
		 SP_CURSOR | SP_ADJUST,
	 ROWS | SR_PAGED, serve_q_bars, "Bars of a symbol (alias)",
	 "The same as /v1/bars/{symbol}.",
	 "mdx-query bars SYMBOL [--interval I] [--from D|T] [--to D|T] "
	 "[--since T] [--limit N]",
	 BAR_COLS},
	{"GET", "/v1/bars/{symbol}/{interval}/{ts}", SP_FORMAT, ROWS,
	 serve_q_bar, "One bar",
	 "The bar with this key; ts is RFC 3339 UTC (as in the bar's ts "
	 "field) or, for 1d and longer bars, the trading date.",
	 NULL, BAR_COLS},
	{"PUT", "/v1/bars/{symbol}/{interval}/{ts}", 0, SR_WRITE | SR_BODY,
	 serve_w_put_bar, "Create or replace one bar",
	 "The body is one bar record (canonical or raw), checked as "
	 "mdx-transform checks it; symbol, interval and ts default to the "
	 "path's and must agree with it.  201 when new, 200 otherwise, with "
	 "the counts.",
	 NULL},
	{"DELETE", "/v1/bars/{symbol}/{interval}/{ts}", 0, SR_WRITE,
	 serve_w_delete_bar, "Delete one bar",
	 "204 when deleted, 404 when absent.", NULL},
	{"POST", "/v1/bars", 0, SR_WRITE | SR_BODY, serve_w_post_bars,
	 "Load bars",
	 "The body is NDJSON or a JSON array of bar records, checked as "
	 "mdx-transform checks them and upserted as mdx-load upserts them, "
	 "all in one transaction: any invalid record answers 422 and nothing "
	 "is written.  Answers the counts inserted, updated and unchanged.",
	 NULL},
	{"GET", "/v1/latest", SP_FORMAT | SP_INTERVAL | SP_SYMBOLS | SP_ADJUST,
	 ROWS, serve_q_latest, "Latest bar of each symbol",
	 "The latest bar of each symbol and interval, of the symbols named or "
	 "of every symbol.",
	 "mdx-query latest [SYMBOL ...] [--interval I] [--adjust A]", BAR_COLS},
	{"GET", "/v1/actions/{symbol}", SP_FORMAT | SP_FROM | SP_TO, ROWS,
	 serve_q_actions, "Splits and dividends of a symbol",
	 "The stored corporate actions by ex-date: a split's ratio (new "
	 "shares per old), a dividend's amount as paid.",
	 "mdx-query actions SYMBOL [--from D] [--to D]",
	 "symbol date kind ratio amount source"},
	{"GET", "/v1/revisions/{symbol}", SP_FORMAT | SP_FROM | SP_TO, ROWS,
	 serve_q_revisions, "Earlier values of a symbol's bars",
	 "The values a bar had before a load changed them, with when, by "
	 "which run and why.",
	 "mdx-query revisions SYMBOL [--from D] [--to D]",
	 "symbol interval date ts revised_at run_tool run_started reason open "
	 "high low close adj_close volume source basis basis_as_of stored_at"},
	{"GET", "/v1/runs", SP_FORMAT | SP_LIMIT, ROWS, serve_q_runs,
	 "Pipeline runs", "The pipeline's history, newest first.",
	 "mdx-query runs [--limit N]",
	 "id tool started finished status rows_in rows_out inserted updated "
	 "unchanged rejected failed"},
	{"GET", "/v1/stats/{symbol}",
	 SP_FORMAT | SP_FROM | SP_TO | SP_RISK_FREE | SP_ADJUST, ROWS,
	 serve_a_stats, "Summary figures of a symbol",
	 "Count, first and last, high and low, mean close, VWAP, total "
	 "return, annualised volatility, Sharpe ratio and maximum drawdown of "
	 "the symbol's daily bars.",
	 "mdx-query stats SYMBOL [--from D] [--to D] [--risk-free RATE]",
	 "symbol " STATS_COLS},
	{"GET", "/v1/returns/{symbol}",
	 SP_FORMAT | SP_FROM | SP_TO | SP_PERIOD | SP_LOG | SP_ADJUST, ROWS,
	 serve_a_returns, "Returns of a symbol",
	 "Simple or log returns by session, ISO week, month or quarter.",
	 "mdx-query returns SYMBOL [--from D] [--to D] [--period P] [--log]",
	 "symbol date first_date sessions price return basis"},
	{"GET", "/v1/resample/{symbol}",
	 SP_FORMAT | SP_INTERVAL | SP_FROM | SP_TO | SP_SOURCE | SP_REGULAR |
		 SP_AT_OPEN | SP_ADJUST,
	 ROWS, serve_a_resample, "Bars of a symbol resampled",
	 "OHLCV bars made from shorter ones (interval, required: 1wk, 1mo, "
	 "3mo, 1d, 1h, 90m ...; not 5d), calendar-aware, as canonical bar "
	 "records.",
	 "mdx-query resample SYMBOL --to INTERVAL [--from D] [--to D] "
	 "[--interval SOURCE] [--regular] [--at-open]",
	 BAR_COLS},
	{"GET", "/v1/index", SP_FORMAT, ROWS, serve_a_index_list,
	 "Stored indexes", "Every stored index with its definition and level.",
	 "mdx-query index list",
	 "index top rebalance base first_date last_date sessions level "
	 "built_at"},
	{"GET", "/v1/index/{name}/performance",
	 SP_FORMAT | SP_FROM | SP_TO | SP_SUMMARY | SP_RISK_FREE, ROWS,
	 serve_a_index_performance, "Levels of an index",
	 "Level, return and cumulative return of each session, or with "
	 "summary one row of figures.",
	 "mdx-query index performance NAME [--from D] [--to D] [--summary "
	 "[--risk-free RATE]]",
	 "date level return cumulative members rebalanced carried | "
	 "index " STATS_COLS},
	{"GET", "/v1/index/{name}/composition", SP_FORMAT | SP_DATE, ROWS,
	 serve_a_index_composition, "Members of an index on a date",
	 "The members held at the close of the session on or before date "
	 "(default: the last), with weights.",
	 "mdx-query index composition NAME [--date D]",
	 "date rank symbol name sector weight market_cap close "
	 "carried:boolean"},
	{"GET", "/v1/index/{name}/changes", SP_FORMAT | SP_FROM | SP_TO, ROWS,
	 serve_a_index_changes, "Membership changes of an index",
	 "Symbols added and removed at each rebalance.",
	 "mdx-query index changes NAME [--from D] [--to D]",
	 "date change symbol name market_cap reason"},
	{"POST", "/v1/index/{name}/build",
	 SP_FORMAT | SP_TOP | SP_FROM | SP_TO | SP_REBALANCE | SP_BASE |
		 SP_ADJUST | SP_BACKFILL,
	 SR_WRITE | SR_FORMATS | SR_ROWS, serve_a_index_build, "Build an index",
	 "Builds (or rebuilds) the equal-weighted index of the top N symbols "
	 "by market cap (point in time: close as traded x the share count "
	 "known that day) and stores it, in one transaction; the parameters "
	 "go in the query, the body is empty.  Answers the build's row.",
	 "mdx-query index build NAME --top N [--from D] [--to D] "
	 "[--rebalance P] [--base L] [--adjust B] [--backfill]",
	 "index top rebalance base first_date last_date sessions universe "
	 "rebalances changes carried level total_return built_at adjust "
	 "unranked backfilled"},
	{"DELETE", "/v1/index/{name}", 0, SR_WRITE, serve_a_index_delete,
	 "Delete an index", "204 when deleted, 404 when absent.", NULL},
	{"GET", "/v1/calendar", SP_FORMAT | SP_FROM | SP_TO | SP_ALL,
	 SR_FORMATS | SR_ROWS, serve_a_calendar, "NYSE sessions",
	 "The sessions of a range (default: this month in New York), with "
	 "their hours in New York and UTC, early closes and holidays.",
	 "mdx-query calendar [--from D] [--to D] [--all]",
	 "date weekday session:boolean open_et close_et open:date-time "
	 "close:date-time early_close note"},
	{"GET", "/v1/check",
	 SP_FORMAT | SP_SYMBOLS | SP_FROM | SP_TO | SP_KINDS | SP_FAIL_ON |
		 SP_AS_OF | SP_STALE | SP_OUTLIER | SP_ZERO_VOLUME,
	 ROWS, serve_a_check, "Data-quality report",
	 "Missing sessions, stale symbols, bars outside trading hours, runs "
	 "of zero volume, outlier moves and suspected unadjusted splits; "
	 "X-Check-Failed is true when a kind in fail_on was found (where "
	 "mdx-query exits 1).",
	 "mdx-query check [SYMBOL ...] [--from D] [--to D] [--kinds K] "
	 "[--fail-on K] [--as-of D] [--stale N] [--outlier K] "
	 "[--zero-volume M]",
	 "symbol date kind value detail"},
	{"GET", "/health", 0, SR_NOLIMIT, serve_o_health, "Liveness",
	 "200 while the process serves.", NULL},
	{"GET", "/ready", 0, SR_NOLIMIT, serve_o_ready, "Readiness",
	 "200 when the store can be read (and, with --ready-max-age, the last "
	 "run is recent enough), else 503; the body gives the last run and "
	 "its age.",
	 NULL},
	{"GET", "/metrics", 0, SR_NOLIMIT, serve_o_metrics, "Metrics",
	 "Prometheus text format: requests by route and status, latency "
	 "histograms, cache hits and misses, bars in the store, the last "
	 "successful pipeline run.",
	 NULL},
	{"GET", "/openapi.json", 0, SR_NOLIMIT, serve_o_openapi,
	 "This document", "The OpenAPI 3.1 description of every route.", NULL},
};

const size_t serve_nroutes = sizeof(serve_routes) / sizeof(*serve_routes);

const char *
serve_fmt_type(int fmt)
{
	switch (fmt) {
	case SF_JSON:
		return "application/json";
	case SF_NDJSON:
		return "application/x-ndjson";
	case SF_CSV:
		return "text/csv; charset=utf-8; header=present";
	case SF_TSV:
		return "text/tab-separated-values; charset=utf-8";
	case SF_PROBLEM:
		return "application/problem+json";
	case SF_PROM:
		return "text/plain; version=0.0.4; charset=utf-8";
	default:
		return NULL;
	}
}

int
serve_fmt_mdx(int fmt)
{
	switch (fmt) {
	case SF_NDJSON:
		return MDX_FMT_NDJSON;
	case SF_CSV:
		return MDX_FMT_CSV;
	case SF_TSV:
		return MDX_FMT_TSV;
	default:
		return MDX_FMT_JSON;
	}
}
