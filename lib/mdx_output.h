/*
 * mdx_output.h - rows and their writers (DESIGN.md section 4).
 *
 * A query produces rows: first the column names, once, then each row as a
 * jansson object whose keys are those columns.  A struct mdx_sink receives
 * them; struct mdx_output is the sink that renders them as ndjson, json,
 * csv, tsv or an aligned table (mdx-query), and mdx-serve brings its own.
 *
 * The number policy, the one of every JSON writer in mdx (this one, the
 * canonical bar writer mdx_bar_format, mdx_ndjson_write): integers as
 * integers, reals in the shortest form that reads back to the same double
 * (%.15g, else %.16g, else %.17g: 129.04, 129.0399932861328, 170 for
 * 170.0, never "170.0").  In csv, tsv and tables a column's reals are
 * written as its kind says (mdx_output_kind): prices exact, computed
 * figures to 6 significant digits, money to the cent, counts whole.  Null
 * is null in ndjson and json, an empty field in csv and tsv, blank in a
 * table.
 */
#ifndef MDX_OUTPUT_H
#define MDX_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "mdx_err.h"

/*
 * Where rows go.  columns() is called once, before any row, with the
 * column names in order (borrowed for the call); row() once per row with a
 * borrowed object keyed by those names (a missing key reads as null).
 * Either returns 0, or -1 with e set to stop the query (a write error, a
 * page full).  miss(), which may be NULL, hears about a named thing (a
 * symbol) that the store does not hold; the query goes on without it.
 */
struct mdx_sink {
	int (*columns)(void *ctx, const char *const *names, size_t n,
		       struct mdx_err *e); /* header */
	int (*row)(void *ctx, const json_t *row, struct mdx_err *e); /* a row */
	void (*miss)(void *ctx,
		     const struct mdx_err *e); /* not found, or NULL */
	void *ctx;			       /* passed to each */
};

#define MDX_NUM_LEN 32 /* room for any number mdx_output_number writes */

/*
 * Write v into buf (MDX_NUM_LEN bytes) in the shortest of %.15g, %.16g and
 * %.17g that strtod(3) reads back as exactly v ("182.009995",
 * "0.30000000000000004"); "nan", "inf" or "-inf" when not finite.
 * Returns buf.
 */
char *mdx_output_number(double v, char *buf);

/* What a column's reals are, for csv, tsv and tables. */
enum mdx_num_kind {
	MDX_NUM_EXACT,	/* as mdx_output_number: prices as given, sql */
	MDX_NUM_FIGURE, /* 6 significant digits: returns, ratios, weights */
	MDX_NUM_MONEY,	/* to the cent: market capitalisation */
	MDX_NUM_COUNT,	/* a whole number: volume, counts (a fraction kept) */
};

/*
 * Write v into buf (MDX_NUM_LEN bytes) as kind (enum mdx_num_kind) says:
 * MDX_NUM_EXACT as mdx_output_number; MDX_NUM_FIGURE to 6 significant
 * digits without trailing zeros, in fixed notation from 1e-6 to 1e15
 * ("0.456995", "-0.0000696088", "0.01" for 0.009999999999999998), else
 * as %.6g; MDX_NUM_MONEY rounded to the cent, two decimals unless whole
 * ("50637457767.42", "2328355436517.30", "4514709504000"); MDX_NUM_COUNT
 * a whole number as an integer ("104487900"), a fraction exactly.
 * Returns the length written.
 */
int mdx_output_format(double v, int kind, char *buf);

/*
 * The kind (enum mdx_num_kind) of the reals in column (or, in a sideways
 * table, of the figure) named column of mdx-query's command (its name as
 * on the command line, "index composition"; NULL: not known), from the
 * one table in output.c: open, high, low, close, adj_close, vwap and
 * price exact; returns, ratios, volatility, Sharpe, drawdown, weights,
 * index levels and means of prices figures; market_cap money; volume,
 * trades and counts whole; every column of sql, and any column the table
 * does not name, exact.
 */
int mdx_output_kind(const char *command, const char *column);

/*
 * The fast path of mdx_output_number for prices: when 1e-4 <= |v| < 1e9 and
 * v is the double nearest to a decimal with at most 6 places (IEEE
 * division is correctly rounded, so N / 1e6 == |v| proves it), write that
 * decimal into buf (MDX_NUM_LEN bytes) exactly as "%.15g" would ("75",
 * "182.009995") and return its length; otherwise return -1 and write
 * nothing.  No printf: it is on the hot path of every row.
 */
int mdx_output_decimal(double v, char *buf);

/*
 * Write v as compact JSON to fp: object keys in their order, numbers as
 * mdx_output_number (non-finite ones as null), strings with invalid UTF-8
 * replaced by U+FFFD.  Returns 0, or -1 with e set (MDX_EIO).
 */
int mdx_output_json(FILE *fp, const json_t *v, struct mdx_err *e);

/*
 * The same compact JSON text of v as a new string (mdx_free), or NULL when
 * out of memory.
 */
char *mdx_output_json_text(const json_t *v);

/*
 * The display width of UTF-8 text s (n bytes) in terminal columns: wide
 * East Asian characters count 2, combining marks 0, an invalid byte 1.
 */
size_t mdx_output_text_width(const char *s, size_t n);

/*
 * The width to fit a table into when writing to fp: the terminal's width
 * (TIOCGWINSZ) when fp is a terminal, else $COLUMNS when set to a number,
 * else 80 on a terminal that does not say and 0 (no limit) elsewhere.
 */
int mdx_output_term_width(FILE *fp);

/* Options of a writer. */
struct mdx_output_opts {
	int width;	     /* table: widest line in columns; 0: no limit */
	int terminal;	     /* table: a person reads it (see mdx_output_new) */
	const char *command; /* for the kinds (mdx_output_kind), or NULL */
};

struct mdx_output;

/*
 * A new writer of format (enum mdx_format from mdx_cli.h, not svg) to fp
 * (borrowed: the caller flushes and closes it).  ndjson, csv and tsv stream
 * each row as it comes; json streams one array, a row a line; table keeps
 * the rows until mdx_output_finish to size its columns.  o may be NULL.
 * Returns the writer (free with mdx_output_free), or NULL with e set
 * (MDX_EUSAGE for a format it cannot write, MDX_ENOMEM).
 *
 * Formats: ndjson, one object a line; json, one array; csv, RFC 4180 with
 * a header row and CRLF line ends, a field quoted when it holds a comma, a
 * quote, CR or LF; tsv, a header row, tab-separated, LF line ends, with
 * backslash, tab, LF and CR in values written as \\ \t \n \r; table,
 * space-aligned with a header and a rule, numbers right-aligned.
 *
 * A table wider than o->width is fitted to it, cutting no value when it
 * can: if cutting free text (no number, date or time in the column) with
 * an ellipsis to no less than 16 columns makes it fit, that is done;
 * otherwise prose columns (free text wider than 16) are left out, the
 * rightmost first, then whole columns in the middle as DuckDB's CLI
 * does, the first and the last ones kept, an ellipsis column in place of
 * each run left out.  A number, a date or a time is never cut.  With
 * o->terminal, columns that tell nothing are left out too: empty in
 * every row, or one text in every row of two or more (of a single row
 * too wide, its text that is no date or time); and a footer
 * follows: "N rows", then what was left out, the same-in-every-row ones
 * with their value.  The footer is also written when columns were left
 * out to fit a width.
 */
struct mdx_output *mdx_output_new(FILE *fp, int format,
				  const struct mdx_output_opts *o,
				  struct mdx_err *e);

/* The sink that feeds w (fills k; k->miss is left NULL for the caller). */
void mdx_output_sink(struct mdx_output *w, struct mdx_sink *k);

/*
 * Declare the columns (names are copied).  Called through the sink; a
 * second call is an error.  Returns 0 or -1 with e set.
 */
int mdx_output_columns(struct mdx_output *w, const char *const *names, size_t n,
		       struct mdx_err *e);

/*
 * Write (or, for a table, keep) one row; row is borrowed.  Returns 0, or -1
 * with e set (MDX_EIO when writing failed, MDX_ENOMEM).
 */
int mdx_output_row(struct mdx_output *w, const json_t *row, struct mdx_err *e);

/*
 * Finish the output: the table itself, the closing bracket of json.  Does
 * not close fp.  Returns 0, or -1 with e set (MDX_EIO).
 */
int mdx_output_finish(struct mdx_output *w, struct mdx_err *e);

/* The number of rows written so far. */
long mdx_output_rows(const struct mdx_output *w);

/* Free w and what it owns (not fp).  w may be NULL. */
void mdx_output_free(struct mdx_output *w);

#endif
