/*
 * csv.c - mdx-extract -p csv: CSV files to raw records, with libcsv.
 *
 * Header-driven and case-insensitive (DESIGN.md section 5): Yahoo's
 * download (Date,Open,High,Low,Close,Adj Close,Volume), Alpha Vantage's CSV
 * (timestamp,open,...,adjusted_close,volume,dividend_amount,
 * split_coefficient), Stooq, the Kaggle all_stocks_5yr layout (...,Name)
 * and its per-symbol files, and profile files such as the S&P 500
 * constituents lists (--what profile).  Empty and "null" cells are missing
 * values.  Each physical line is fed to libcsv in turn so that messages can
 * name the line where a row ends.
 *
 * Basis (BASIS-SPEC.md, mdx-extract(1)): --basis traded|split and
 * --basis-as-of DATE say it; else the layout does where it can.  Alpha
 * Vantage's daily-adjusted layout (a column named split_coefficient or
 * dividend_amount) is as traded, its adjusted_close dated by --basis-as-of when
 * given.  Yahoo's download (an Adj Close column, not Alpha Vantage's)
 * is split-adjusted as of the download day, which the file does not say:
 * --basis-as-of DATE alone makes it "split" as of DATE; without it the
 * bars carry no basis (read as traded) and a warning names the option.
 * Any other layout (Kaggle's all_stocks_5yr, Stooq) says nothing: its bars
 * carry a basis only when the options give one.  A file with action
 * columns has its actions written before its bars: the bars of the
 * current symbol are held until the symbol changes or the file ends.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <csv.h>

#include "extract_int.h"
#include "mdx_alloc.h"
#include "mdx_output.h"
#include "mdx_record.h"
#include "mdx_time.h"

enum col {
	COL_TIME,
	COL_OPEN,
	COL_HIGH,
	COL_LOW,
	COL_CLOSE,
	COL_ADJ,
	COL_VOLUME,
	COL_DIV,
	COL_SPLIT,
	COL_SYMBOL,
	COL_VWAP,
	COL_TRADES,
	/* profile files */
	COL_NAME,
	COL_SECTOR,
	COL_INDUSTRY,
	COL_EXCHANGE,
	COL_CURRENCY,
	COL_MCAP,
	COL_SHARES,
	COL_PRICE,
	COL_ASOF,
	COL_N
};

/* header names per column, lower case; the first match wins */
static const char *const col_names[COL_N][6] = {
	[COL_TIME] = {"date", "timestamp", "time", "datetime", "day", NULL},
	[COL_OPEN] = {"open", NULL},
	[COL_HIGH] = {"high", NULL},
	[COL_LOW] = {"low", NULL},
	[COL_CLOSE] = {"close", NULL},
	[COL_ADJ] = {"adj close", "adjusted_close", "adj_close",
		     "adjusted close", "adjclose", NULL},
	[COL_VOLUME] = {"volume", NULL},
	[COL_DIV] = {"dividend_amount", "dividend", "dividends", NULL},
	[COL_SPLIT] = {"split_coefficient", "split", "stock splits", NULL},
	[COL_SYMBOL] = {"symbol", "name", "ticker", NULL},
	[COL_VWAP] = {"vwap", NULL},
	[COL_TRADES] = {"trades", "transactions", NULL},
	[COL_NAME] = {"security", "name", "company", NULL},
	[COL_SECTOR] = {"gics sector", "sector", NULL},
	[COL_INDUSTRY] = {"gics sub-industry", "industry", NULL},
	[COL_EXCHANGE] = {"exchange", NULL},
	[COL_CURRENCY] = {"currency", NULL},
	[COL_MCAP] = {"market cap", "market_cap", "marketcap",
		      "marketcapitalization", NULL},
	[COL_SHARES] = {"shares outstanding", "shares_outstanding",
			"sharesoutstanding", NULL},
	[COL_PRICE] = {"price", NULL},
	[COL_ASOF] = {"as_of", "as of", NULL},
};

struct csv_state {
	struct extract_ctx *c;
	const char *file; /* name for messages */
	char *fsymbol;	  /* symbol from the file name, or NULL */
	long line;	  /* physical line being fed */
	long row_line;	  /* line where the current row started */
	int header_done;
	int col[COL_N]; /* field index of each column, -1 if absent */
	char **cells;	/* the current row's fields, into text (on_row) */
	size_t *off;	/* where each field starts in text */
	size_t ncells, cap;
	char *text; /* owned: the current row's fields, each ending in
		       a NUL (one buffer: no allocation a field) */
	size_t tlen, tcap;
	char *out; /* owned: the text of a record being written */
	size_t ocap;
	int nomem;
	int basis;	   /* the file's basis: enum extract_basis */
	const char *as_of; /* its basis_as_of, or NULL */
	json_t *held;	   /* owned: bars held until the actions of their
			      symbol are out (files with action columns) */
	char held_sym[MDX_SYMBOL_MAX + 1]; /* the symbol of the held bars */
};

static void
row_clear(struct csv_state *s)
{
	s->ncells = 0;
	s->tlen = 0;
}

static void
on_field(void *data, size_t len, void *priv)
{
	struct csv_state *s = priv;
	const char *d = data ? data : "";

	if (s->ncells == 0)
		s->row_line = s->line;
	if (s->ncells == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 16;
		char **n;
		size_t *o;

		if (ncap > 4096 ||
		    (n = mdx_realloc(s->cells, ncap * sizeof(*n))) == NULL) {
			s->nomem = 1;
			return;
		}
		s->cells = n;
		if ((o = mdx_realloc(s->off, ncap * sizeof(*o))) == NULL) {
			s->nomem = 1;
			return;
		}
		s->off = o;
		s->cap = ncap;
	}
	len = strnlen(d, len); /* a field ends at a NUL byte */
	if (s->tlen + len + 1 > s->tcap) {
		size_t ncap = s->tcap ? s->tcap : 256;
		char *t;

		while (s->tlen + len + 1 > ncap)
			ncap *= 2;
		if ((t = mdx_realloc(s->text, ncap)) == NULL) {
			s->nomem = 1;
			return;
		}
		s->text = t;
		s->tcap = ncap;
	}
	memcpy(s->text + s->tlen, d, len);
	s->text[s->tlen + len] = '\0';
	s->off[s->ncells++] = s->tlen;
	s->tlen += len + 1;
}

static void
lower(char *d, const char *src, size_t n)
{
	size_t i = 0;

	while (src[i] && i + 1 < n) {
		d[i] = (char)tolower((unsigned char)src[i]);
		i++;
	}
	d[i] = '\0';
	/* trim surrounding blanks and a UTF-8 byte-order mark */
	if ((unsigned char)d[0] == 0xef && (unsigned char)d[1] == 0xbb &&
	    (unsigned char)d[2] == 0xbf)
		memmove(d, d + 3, strlen(d + 3) + 1);
	while (i > 0 && isspace((unsigned char)d[i - 1]))
		d[--i] = '\0';
	while (isspace((unsigned char)d[0]))
		memmove(d, d + 1, strlen(d));
}

static void
read_header(struct csv_state *s)
{
	char name[64];

	for (int k = 0; k < COL_N; k++)
		s->col[k] = -1;
	for (int k = 0; k < COL_N; k++) {
		for (int j = 0; col_names[k][j] && s->col[k] < 0; j++) {
			for (size_t i = 0; i < s->ncells; i++) {
				lower(name, s->cells[i], sizeof(name));
				if (strcmp(name, col_names[k][j]) == 0) {
					s->col[k] = (int)i;
					break;
				}
			}
		}
	}
	/* "Name" is the symbol in Kaggle's layout, the company's name in
	 * profile files that also have a Symbol column */
	if (s->col[COL_SYMBOL] >= 0 && s->col[COL_NAME] == s->col[COL_SYMBOL])
		s->col[COL_NAME] = -1;
	if (s->col[COL_SYMBOL] >= 0) {
		lower(name, s->cells[s->col[COL_SYMBOL]], sizeof(name));
		if (strcmp(name, "name") == 0 && s->c->o->what == WHAT_PROFILE)
			s->col[COL_SYMBOL] = -1;
	}
	s->header_done = 1;
}

/* cell of column k, or NULL when absent, empty or "null" */
static const char *
cell(const struct csv_state *s, int k)
{
	const char *v;

	if (s->col[k] < 0 || (size_t)s->col[k] >= s->ncells)
		return NULL;
	v = s->cells[s->col[k]];
	while (isspace((unsigned char)*v))
		v++;
	if (*v == '\0' || strcasecmp(v, "null") == 0 || strcmp(v, "-") == 0 ||
	    strcasecmp(v, "nan") == 0 || strcasecmp(v, "n/a") == 0)
		return NULL;
	return v;
}

static void
row_error(struct csv_state *s, const char *field, const char *fmt,
	  const char *val)
{
	struct mdx_err e;

	mdx_err_clear(&e);
	mdx_err_field(&e, MDX_EINPUT, field, fmt, val);
	mdx_err_where(&e, s->file, s->row_line);
	mdx_log_err("error", &e);
	s->c->bad_rows++;
	s->c->run->rejected++;
}

/*
 * The double that the plain decimal t ("8407500", "-14.63") denotes, as
 * strtod(3) reads it, without strtod: with at most 15 digits the digits
 * are an exact integer below 2^53 and 10^k (k <= 15 decimals) an exact
 * double, so one IEEE division, which rounds correctly, gives the nearest
 * double (Clinger's fast path).  1 with *v; 0 for anything else (an
 * exponent, more digits, a sign other than '-', a blank), which strtod
 * then reads.
 */
static int
plain_decimal(const char *t, double *v)
{
	static const double p10[] = {1e0,  1e1,	 1e2,  1e3, 1e4,  1e5,
				     1e6,  1e7,	 1e8,  1e9, 1e10, 1e11,
				     1e12, 1e13, 1e14, 1e15};
	const char *p = t;
	uint64_t m = 0;
	int nd = 0, k = 0, neg = 0;
	double d;

	if (*p == '-') {
		neg = 1;
		p++;
	}
	for (; *p >= '0' && *p <= '9'; p++) {
		if (++nd > 15)
			return 0;
		m = m * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			if (++nd > 15)
				return 0;
			m = m * 10 + (uint64_t)(*p - '0');
			k++;
		}
	}
	if (nd == 0 || *p != '\0')
		return 0;
	d = (double)m / p10[k];
	*v = neg ? -d : d;
	return 1;
}

/*
 * Number in column k: 1 with *v, 0 missing, -1 malformed (reported).
 * Thousands separators are not accepted: "1,234" in a CSV cell is a quoted
 * field that is better refused than misread.
 */
static int
num(struct csv_state *s, int k, const char *field, double *v)
{
	const char *t = cell(s, k);
	char *end;

	if (t == NULL)
		return 0;
	if (plain_decimal(t, v))
		return 1;
	errno = 0;
	*v = strtod(t, &end);
	while (isspace((unsigned char)*end))
		end++;
	if (end == t || *end != '\0' || errno == ERANGE || !isfinite(*v)) {
		row_error(s, field, "'%.40s' is not a number", t);
		return -1;
	}
	return 1;
}

/* a number of a bar: present, and an integer (volume, trades) or a real */
struct bar_num {
	int present;
	int integer;
	double v;
};

/* the number of column k for field into *n: 1, 0 missing, -1 malformed
 * (reported) */
static int
bar_num(struct csv_state *s, int k, const char *field, struct bar_num *n)
{
	int rc = num(s, k, field, &n->v);

	n->present = rc > 0;
	n->integer = 0;
	if (rc <= 0)
		return rc;
	if ((k == COL_VOLUME || k == COL_TRADES) && !(fabs(n->v) < 9e18)) {
		row_error(s, field, "%.40s out of range", cell(s, k));
		n->present = 0;
		return -1;
	}
	n->integer =
		(k == COL_VOLUME || k == COL_TRADES) && n->v == floor(n->v);
	return 1;
}

/* n as jansson holds it in a record */
static json_t *
bar_num_json(const struct bar_num *n)
{
	return n->integer ? json_integer((json_int_t)n->v) : json_real(n->v);
}

/* the symbol of this row: column, --symbol, file name */
static const char *
row_symbol(struct csv_state *s)
{
	const char *v = cell(s, COL_SYMBOL);

	if (v != NULL)
		return v;
	if (s->c->o->symbol != NULL)
		return s->c->o->symbol;
	return s->fsymbol;
}

double
extract_split_ratio(double r)
{
	if (fabs(r - round(r)) < 1e-5 * r)
		return round(r);
	if (r < 1 && fabs(1 / r - round(1 / r)) < 1e-5 / r)
		return 1 / round(1 / r);
	return r;
}

/* "basis" and "basis_as_of" of the file on rec (a bar or a dividend) */
static void
set_basis(struct csv_state *s, json_t *rec, int has_adj)
{
	if (s->basis == EXTRACT_BASIS_UNKNOWN)
		return; /* read as traded */
	json_object_set_new(rec, "basis",
			    json_string(s->basis == EXTRACT_BASIS_SPLIT
						? "split"
						: "traded"));
	/* a split basis always has its date; a traded bar's adj_close has
	 * one when it is known */
	if (s->as_of != NULL && (s->basis == EXTRACT_BASIS_SPLIT || has_adj))
		json_object_set_new(rec, "basis_as_of", json_string(s->as_of));
}

/* write the held bars */
static void
flush_held(struct csv_state *s)
{
	size_t i;
	json_t *b;

	if (s->held == NULL)
		return;
	json_array_foreach (s->held, i, b)
		extract_emit(s->c, json_incref(b));
	json_array_clear(s->held);
}

static void
emit_actions(struct csv_state *s, const char *sym, const char *date)
{
	double v;
	json_t *a;

	if (num(s, COL_DIV, "dividend_amount", &v) == 1 && v != 0) {
		a = json_pack("{s:s,s:s,s:s,s:s,s:f,s:s}", "type", "action",
			      "symbol", sym, "date", date, "kind", "dividend",
			      "amount", v, "source", "csv");
		/* a split-adjusted file's dividends are split-adjusted too */
		if (a != NULL && s->basis == EXTRACT_BASIS_SPLIT)
			set_basis(s, a, 0);
		extract_emit(s->c, a);
	}
	if (num(s, COL_SPLIT, "split_coefficient", &v) == 1 && v != 1 &&
	    v > 0) {
		a = json_pack("{s:s,s:s,s:s,s:s,s:f,s:s}", "type", "action",
			      "symbol", sym, "date", date, "kind", "split",
			      "ratio", extract_split_ratio(v), "source", "csv");
		extract_emit(s->c, a);
	}
}

/* is t written in JSON as itself between quotes: printable ASCII without
 * '"' and '\' (what mdx_output_json_text copies as it is)?  1 or 0 */
static int
plain_text(const char *t)
{
	for (; *t; t++)
		if ((unsigned char)*t < 0x20 || (unsigned char)*t >= 0x7f ||
		    *t == '"' || *t == '\\')
			return 0;
	return 1;
}

/* append n bytes of p to the record text at s->out (s->nomem on failure) */
static void
out_put(struct csv_state *s, size_t *len, const char *p, size_t n)
{
	if (*len + n + 1 > s->ocap) {
		size_t ncap = s->ocap ? s->ocap : 512;
		char *nb;

		while (*len + n + 1 > ncap)
			ncap *= 2;
		if ((nb = mdx_realloc(s->out, ncap)) == NULL) {
			s->nomem = 1;
			return;
		}
		s->out = nb;
		s->ocap = ncap;
	}
	memcpy(s->out + *len, p, n);
	*len += n;
}

#define OUT_LIT(s, len, lit) out_put(s, len, lit, sizeof(lit) - 1)

static void
out_str(struct csv_state *s, size_t *len, const char *t)
{
	OUT_LIT(s, len, "\"");
	out_put(s, len, t, strlen(t));
	OUT_LIT(s, len, "\"");
}

/* n as mdx_output_json_text writes the json_integer or json_real that
 * bar_num_json makes of it */
static void
out_num(struct csv_state *s, size_t *len, const struct bar_num *n)
{
	char tmp[MDX_NUM_LEN], *p = tmp + sizeof(tmp);

	if (!n->integer) {
		mdx_output_number(n->v, tmp);
		out_put(s, len, tmp, strlen(tmp));
		return;
	}
	json_int_t i = (json_int_t)n->v;
	unsigned long long u =
		i < 0 ? 0ULL - (unsigned long long)i : (unsigned long long)i;

	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (i < 0)
		*--p = '-';
	out_put(s, len, p, (size_t)(tmp + sizeof(tmp) - p));
}

/*
 * Write the bar of a row as its line, the text that extract_emit writes
 * for the record the slow path of bar_row builds (type, symbol, interval,
 * time, tz, the numbers present, basis, basis_as_of, source; all of the
 * strings plain_text), without building it.  As extract_emit: counted
 * out when written; a write error is told unless it is EPIPE.
 */
static void
emit_bar_text(struct csv_state *s, const char *sym, const char *when,
	      const struct bar_num *nv, const char *const *names, size_t nf)
{
	struct extract_ctx *c = s->c;
	size_t len = 0;

	OUT_LIT(s, &len, "{\"type\":\"bar\",\"symbol\":");
	out_str(s, &len, sym);
	OUT_LIT(s, &len, ",\"interval\":");
	out_str(s, &len, mdx_interval_name(c->o->interval));
	OUT_LIT(s, &len, ",\"time\":");
	out_str(s, &len, when);
	OUT_LIT(s, &len, ",\"tz\":");
	out_str(s, &len, c->o->tz);
	for (size_t i = 0; i < nf; i++) {
		if (!nv[i].present)
			continue;
		OUT_LIT(s, &len, ",\"");
		out_put(s, &len, names[i], strlen(names[i]));
		OUT_LIT(s, &len, "\":");
		out_num(s, &len, &nv[i]);
	}
	if (s->basis != EXTRACT_BASIS_UNKNOWN) {
		OUT_LIT(s, &len, ",\"basis\":");
		out_str(s, &len,
			s->basis == EXTRACT_BASIS_SPLIT ? "split" : "traded");
		if (s->as_of != NULL &&
		    (s->basis == EXTRACT_BASIS_SPLIT || nv[4].present)) {
			OUT_LIT(s, &len, ",\"basis_as_of\":");
			out_str(s, &len, s->as_of);
		}
	}
	OUT_LIT(s, &len, ",\"source\":\"csv\"}\n");
	if (s->nomem || c->io_failed)
		return;
	errno = 0;
	if (fwrite(s->out, 1, len, c->out) != len) {
		struct mdx_err e;

		mdx_err_clear(&e);
		mdx_err_set(&e, MDX_EIO, "write error: %s", strerror(errno));
		c->io_failed = 1;
		if (errno != EPIPE) /* a reader that stopped: no message */
			mdx_log_err("error", &e);
		return;
	}
	c->run->out++;
}

static void
bar_row(struct csv_state *s)
{
	const struct extract_opts *o = s->c->o;
	const char *sym = row_symbol(s), *when = cell(s, COL_TIME);
	char date[MDX_DATE_LEN];
	int32_t day;
	json_t *rec = NULL;
	int bad = 0, nprice = 0, fast;
	static const int cols[] = {COL_OPEN, COL_HIGH,	 COL_LOW,  COL_CLOSE,
				   COL_ADJ,  COL_VOLUME, COL_VWAP, COL_TRADES};
	static const char *const names[] = {"open",  "high",	  "low",
					    "close", "adj_close", "volume",
					    "vwap",  "trades"};
	enum { NF = sizeof(cols) / sizeof(*cols) };
	struct bar_num nv[NF];

	if (when == NULL) {
		row_error(s, "date", "%smissing", "");
		return;
	}
	snprintf(date, sizeof(date), "%.10s", when);
	if (mdx_date_parse(date, &day, NULL)) {
		row_error(s, "date", "'%.40s' is not a date", when);
		return;
	}
	if (sym == NULL || !mdx_symbol_valid(sym)) {
		row_error(s, "symbol",
			  "no valid symbol ('%.40s'): use --symbol",
			  sym ? sym : "");
		return;
	}
	if (!extract_in_range(s->c, day)) {
		s->c->run->dropped++;
		return;
	}
	if (o->what == WHAT_ACTIONS) {
		emit_actions(s, sym, date);
		return;
	}
	/* the fast path writes the line itself; a bar held for actions, or
	 * a string that needs escaping (or is no UTF-8: jansson refuses it
	 * below), goes through a jansson record */
	fast = s->held == NULL && plain_text(sym) && plain_text(when) &&
	       plain_text(o->tz) && (s->as_of == NULL || plain_text(s->as_of));
	if (!fast) {
		rec = json_pack("{s:s,s:s,s:s,s:s,s:s}", "type", "bar",
				"symbol", sym, "interval",
				mdx_interval_name(o->interval), "time", when,
				"tz", o->tz);
		if (rec == NULL) {
			s->nomem = 1;
			return;
		}
	}
	for (size_t i = 0; i < NF; i++) {
		int rc = bar_num(s, cols[i], names[i], &nv[i]);

		if (rc < 0)
			bad = 1;
		else if (rc > 0 && i < 4)
			nprice++;
		if (rc > 0 && rec != NULL)
			json_object_set_new(rec, names[i],
					    bar_num_json(&nv[i]));
	}
	if (bad) {
		json_decref(rec);
		return;
	}
	if (nprice == 0) {
		/* a row with no price at all (Yahoo's "null" rows) */
		json_decref(rec);
		s->c->run->dropped++;
		return;
	}
	if (fast) {
		emit_bar_text(s, sym, when, nv, names, NF);
		return;
	}
	set_basis(s, rec, json_object_get(rec, "adj_close") != NULL);
	json_object_set_new(rec, "source", json_string("csv"));
	if (s->held == NULL) {
		extract_emit(s->c, rec);
		return;
	}
	/* actions first: hold the bar until its symbol's actions are out */
	if (strcmp(s->held_sym, sym) != 0) {
		flush_held(s);
		snprintf(s->held_sym, sizeof(s->held_sym), "%s", sym);
	}
	emit_actions(s, sym, date);
	if (json_array_append_new(s->held, rec) < 0)
		s->nomem = 1;
}

/* is the header cell of column k (still in s->cells) name? */
static int
header_is(const struct csv_state *s, int k, const char *name)
{
	char buf[64];

	if (s->col[k] < 0 || (size_t)s->col[k] >= s->ncells)
		return 0;
	lower(buf, s->cells[s->col[k]], sizeof(buf));
	return strcmp(buf, name) == 0;
}

/*
 * The file's basis, once its header is read: the options, else the
 * layout's (see the top of this file).  Warns about a Yahoo download
 * without --basis-as-of.
 */
static void
file_basis(struct csv_state *s)
{
	const struct extract_opts *o = s->c->o;
	int av = header_is(s, COL_SPLIT, "split_coefficient") ||
		 header_is(s, COL_DIV, "dividend_amount");
	int yahoo = !av && s->col[COL_ADJ] >= 0;

	s->as_of = o->basis_as_of;
	if (o->basis != EXTRACT_BASIS_UNKNOWN)
		s->basis = o->basis;
	else if (av)
		s->basis = EXTRACT_BASIS_TRADED;
	else if (yahoo && o->basis_as_of != NULL)
		s->basis = EXTRACT_BASIS_SPLIT;
	else
		s->basis = EXTRACT_BASIS_UNKNOWN;
	if (yahoo && s->basis == EXTRACT_BASIS_UNKNOWN && o->what == WHAT_BARS)
		mdx_log("warning",
			"%s: Adj Close column (a Yahoo download): prices are "
			"split-adjusted as of the download day; give "
			"--basis-as-of DATE (or --basis traded); read as "
			"traded",
			s->file);
}

static void
set_text(struct csv_state *s, json_t *rec, int k, const char *field)
{
	const char *v = cell(s, k);

	if (v != NULL)
		json_object_set_new(rec, field, json_string(v));
}

static void
profile_row(struct csv_state *s)
{
	const char *sym = row_symbol(s), *asof = cell(s, COL_ASOF);
	double mcap = 0, shares = 0, price = 0;
	int has_mcap, has_shares, has_price;
	int32_t day;
	json_t *rec;

	if (sym == NULL || !mdx_symbol_valid(sym)) {
		row_error(s, "symbol", "no valid symbol ('%.40s')",
			  sym ? sym : "");
		return;
	}
	if ((has_mcap = num(s, COL_MCAP, "market_cap", &mcap)) < 0 ||
	    (has_shares = num(s, COL_SHARES, "shares_outstanding", &shares)) <
		    0 ||
	    (has_price = num(s, COL_PRICE, "price", &price)) < 0)
		return;
	if (s->c->o->as_of != NULL)
		asof = s->c->o->as_of;
	if (asof != NULL && mdx_date_parse(asof, &day, NULL)) {
		row_error(s, "as_of", "'%.40s' is not a date", asof);
		return;
	}
	rec = json_pack("{s:s,s:s}", "type", "instrument", "symbol", sym);
	if (rec == NULL) {
		s->nomem = 1;
		return;
	}
	set_text(s, rec, COL_NAME, "name");
	set_text(s, rec, COL_EXCHANGE, "exchange");
	set_text(s, rec, COL_CURRENCY, "currency");
	set_text(s, rec, COL_SECTOR, "sector");
	set_text(s, rec, COL_INDUSTRY, "industry");
	if (has_mcap)
		json_object_set_new(rec, "market_cap", json_real(mcap));
	/* shares outstanding derived as market cap / price when not given */
	if (!has_shares && has_mcap && has_price && price > 0) {
		shares = round(mcap / price);
		has_shares = 1;
	}
	if (has_shares && !(fabs(shares) < 9007199254740992.0)) {
		/* a double past 2^53 has no exact integer: out of range,
		 * never a wrapped (negative) count */
		row_error(s, "shares_outstanding", "%.40s out of range",
			  cell(s, COL_SHARES) ? cell(s, COL_SHARES)
					      : "market_cap / price");
		json_decref(rec);
		return;
	}
	if (has_shares)
		json_object_set_new(rec, "shares_outstanding",
				    json_integer((json_int_t)shares));
	if (asof != NULL)
		json_object_set_new(rec, "as_of", json_string(asof));
	json_object_set_new(rec, "source", json_string("csv"));
	extract_emit(s->c, rec);
}

static void
on_row(int term, void *priv)
{
	struct csv_state *s = priv;

	(void)term;
	if (s->nomem)
		return;
	for (size_t i = 0; i < s->ncells; i++)
		s->cells[i] = s->text + s->off[i];
	if (s->ncells == 1 && s->cells[0][0] == '\0') {
		row_clear(s); /* a blank line */
		return;
	}
	if (!s->header_done) {
		read_header(s);
		if (s->c->o->what != WHAT_PROFILE)
			file_basis(s);
		if (s->c->o->what == WHAT_BARS &&
		    (s->col[COL_DIV] >= 0 || s->col[COL_SPLIT] >= 0) &&
		    (s->held = json_array()) == NULL)
			s->nomem = 1;
		if (s->c->o->what != WHAT_PROFILE &&
		    (s->col[COL_TIME] < 0 || s->col[COL_CLOSE] < 0)) {
			struct mdx_err e;

			mdx_err_clear(&e);
			mdx_err_set(&e, MDX_EINPUT,
				    "header has no %s column (found: %s...)",
				    s->col[COL_TIME] < 0 ? "date" : "close",
				    s->ncells ? s->cells[0] : "");
			mdx_err_where(&e, s->file, s->row_line);
			mdx_log_err("error", &e);
			s->header_done = -1;
		} else if (s->c->o->what == WHAT_PROFILE &&
			   s->col[COL_SYMBOL] < 0 && s->c->o->symbol == NULL) {
			mdx_log("error", "%s: header has no Symbol column",
				s->file);
			s->header_done = -1;
		}
	} else if (s->header_done > 0) {
		s->c->run->in++;
		if (s->c->o->what == WHAT_PROFILE)
			profile_row(s);
		else
			bar_row(s);
	}
	row_clear(s);
}

/* symbol from a file name: basename without extension, "_data" dropped
 * (Kaggle's per-symbol files are AAPL_data.csv) */
static char *
file_symbol(const char *path)
{
	const char *b = strrchr(path, '/');
	char *s, *dot;
	size_t n;

	b = b ? b + 1 : path;
	if ((s = mdx_strdup(b)) == NULL)
		return NULL;
	if ((dot = strrchr(s, '.')) != NULL && dot != s)
		*dot = '\0';
	n = strlen(s);
	if (n > 5 && strcmp(s + n - 5, "_data") == 0)
		s[n - 5] = '\0';
	return s;
}

static int
csv_file(struct extract_ctx *c, const char *path)
{
	struct csv_state s;
	struct csv_parser p;
	FILE *fp;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int ret = -1, is_stdin = strcmp(path, "-") == 0;

	memset(&s, 0, sizeof(s));
	s.c = c;
	s.file = is_stdin ? "<stdin>" : path;
	fp = is_stdin ? stdin : fopen(path, "r");
	if (fp == NULL) {
		mdx_log("error", "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!is_stdin && (s.fsymbol = file_symbol(path)) == NULL)
		goto out_close;
	if (csv_init(&p, CSV_APPEND_NULL | CSV_EMPTY_IS_NULL) != 0)
		goto out_close;
	csv_set_realloc_func(&p, mdx_realloc);
	csv_set_free_func(&p, mdx_free);
	while ((n = getline(&line, &cap, fp)) > 0) {
		s.line++;
		if (csv_parse(&p, line, (size_t)n, on_field, on_row, &s) !=
			    (size_t)n ||
		    s.nomem) {
			mdx_log("error", "%s:%ld: %s", s.file, s.line,
				s.nomem ? "out of memory"
					: csv_strerror(csv_error(&p)));
			goto out_free;
		}
		if (s.header_done < 0 || c->io_failed)
			break;
	}
	if (ferror(fp)) {
		mdx_log("error", "%s: %s", s.file, strerror(errno));
		goto out_free;
	}
	csv_fini(&p, on_field, on_row, &s);
	if (s.nomem) {
		mdx_log("error", "%s: out of memory", s.file);
		goto out_free;
	}
	if (s.header_done == 0)
		mdx_log("warning", "%s: empty file", s.file);
	ret = s.header_done < 0 ? -1 : 0;
out_free:
	if (!s.nomem)
		flush_held(&s); /* also the rows before a bad line */
	csv_free(&p);
out_close:
	json_decref(s.held);
	row_clear(&s);
	mdx_free(s.cells);
	mdx_free(s.off);
	mdx_free(s.text);
	mdx_free(s.out);
	mdx_free(s.fsymbol);
	free(line);
	if (!is_stdin)
		fclose(fp);
	return ret;
}

int
csv_extract(struct extract_ctx *c, char **files, int nfiles)
{
	int ret = 0;
	char *dash[] = {"-"};

	if (c->o->basis == EXTRACT_BASIS_SPLIT && c->o->basis_as_of == NULL) {
		mdx_log("error",
			"--basis split needs --basis-as-of DATE: the day the "
			"file's prices were adjusted to (for a download, the "
			"day of the download)");
		c->whole_status = MDX_EXIT_USAGE;
		return -1;
	}
	if (nfiles == 0) {
		files = dash;
		nfiles = 1;
	}
	for (int i = 0; i < nfiles && !c->io_failed; i++)
		if (csv_file(c, files[i]) < 0)
			ret = -1;
	return ret;
}
