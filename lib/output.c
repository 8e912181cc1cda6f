/*
 * output.c - rows as ndjson, json, csv (RFC 4180), tsv and aligned tables.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "mdx_alloc.h"
#include "mdx_cli.h"
#include "mdx_output.h"

#define TABLE_GAP 2 /* spaces between table columns */

#define SEEN_TEXT 1   /* a table column holds a value that is no number */
#define SEEN_NUMBER 2 /* a table column holds a number */
#define ELLIPSIS "\xE2\x80\xA6" /* U+2026 HORIZONTAL ELLIPSIS */

/* a growable byte buffer; oom set once an allocation failed */
struct sbuf {
	char *p;    /* owned, NUL-terminated when len > 0 */
	size_t len; /* bytes used */
	size_t cap; /* bytes allocated */
	int oom;    /* an append failed */
};

static void
sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t ncap = b->cap ? b->cap : 256;
		char *np;

		while (ncap < b->len + n + 1)
			ncap *= 2;
		if ((np = mdx_realloc(b->p, ncap)) == NULL) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void
sb_char(struct sbuf *b, char c)
{
	sb_add(b, &c, 1);
}

static void
sb_release(struct sbuf *b)
{
	mdx_free(b->p);
	memset(b, 0, sizeof(*b));
}

/*
 * Decode one UTF-8 sequence at s (n > 0 bytes left).  Returns its length
 * and sets *cp, or returns 1 with *cp = 0xFFFD for an invalid byte
 * (overlong forms, surrogates and values over U+10FFFF are invalid).
 */
static size_t
utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c = s[0], min;
	size_t len;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xE0) == 0xC0) {
		len = 2, c &= 0x1F, min = 0x80;
	} else if ((c & 0xF0) == 0xE0) {
		len = 3, c &= 0x0F, min = 0x800;
	} else if ((c & 0xF8) == 0xF0) {
		len = 4, c &= 0x07, min = 0x10000;
	} else {
		*cp = 0xFFFD;
		return 1;
	}
	if (len > n)
		goto bad;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			goto bad;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		goto bad;
	*cp = c;
	return len;
bad:
	*cp = 0xFFFD;
	return 1;
}

/* terminal columns of code point c (a small wcwidth(3) that needs no
 * locale): 0 for combining marks and zero-width characters, 2 for wide
 * East Asian characters and emoji, else 1 */
static int
cp_width(uint32_t c)
{
	static const uint32_t zero[][2] = {
		{0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD},
		{0x0610, 0x061A}, {0x064B, 0x065F}, {0x0E31, 0x0E31},
		{0x0E34, 0x0E3A}, {0x0E47, 0x0E4E}, {0x1AB0, 0x1AFF},
		{0x1DC0, 0x1DFF}, {0x200B, 0x200F}, {0x20D0, 0x20FF},
		{0xFE00, 0xFE0F}, {0xFE20, 0xFE2F}, {0xFEFF, 0xFEFF},
	};
	static const uint32_t wide[][2] = {
		{0x1100, 0x115F},   {0x2E80, 0x303E},	{0x3041, 0x33FF},
		{0x3400, 0x4DBF},   {0x4E00, 0x9FFF},	{0xA000, 0xA4CF},
		{0xAC00, 0xD7A3},   {0xF900, 0xFAFF},	{0xFE30, 0xFE4F},
		{0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},	{0x1F300, 0x1F64F},
		{0x1F900, 0x1F9FF}, {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
	};

	for (size_t i = 0; i < sizeof(zero) / sizeof(*zero); i++)
		if (c >= zero[i][0] && c <= zero[i][1])
			return 0;
	for (size_t i = 0; i < sizeof(wide) / sizeof(*wide); i++)
		if (c >= wide[i][0] && c <= wide[i][1])
			return 2;
	return 1;
}

size_t
mdx_output_text_width(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t w = 0, i = 0;
	uint32_t c;

	while (i < n) {
		i += utf8_next(u + i, n - i, &c);
		w += (size_t)cp_width(c);
	}
	return w;
}

/* n decimal digits of x at p, most significant first */
static char *
put_uint(char *p, unsigned long long x)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + x % 10);
		x /= 10;
	} while (x);
	while (n)
		*p++ = tmp[--n];
	return p;
}

int
mdx_output_decimal(double v, char *buf)
{
	double a = fabs(v);
	long long nn, ip, fp;
	char *p = buf;
	int w = 6;

	if (!(a >= 1e-4 && a < 1e9))
		return -1;
	nn = llround(a * 1e6);
	if ((double)nn / 1e6 != a)
		return -1;
	ip = nn / 1000000;
	fp = nn % 1000000;
	if (v < 0)
		*p++ = '-';
	p = put_uint(p, (unsigned long long)ip);
	if (fp != 0) {
		while (fp % 10 == 0) {
			fp /= 10;
			w--;
		}
		*p++ = '.';
		for (int i = w - 1; i >= 0; i--) {
			p[i] = (char)('0' + fp % 10);
			fp /= 10;
		}
		p += w;
	}
	*p = '\0';
	return (int)(p - buf);
}

/* the shortest of %.15g, %.16g and %.17g that reads back as v */
static int
fmt_exact(double v, char *buf)
{
	int n;

	if (isnan(v))
		return snprintf(buf, MDX_NUM_LEN, "nan");
	if (isinf(v))
		return snprintf(buf, MDX_NUM_LEN, "%s", v > 0 ? "inf" : "-inf");
	if ((n = mdx_output_decimal(v, buf)) >= 0)
		return n;
	for (int prec = 15; prec <= 17; prec++) {
		n = snprintf(buf, MDX_NUM_LEN, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return n;
}

/* v to 6 significant digits, in fixed notation from 1e-6 to 1e15 and
 * without trailing zeros ("0.456995", "-0.0000696088", "0.01") */
static int
fmt_figure(double v, char *buf)
{
	char tmp[MDX_NUM_LEN], dig[8], *p = buf;
	const char *s = tmp;
	int nd = 0, ex;

	if (!isfinite(v))
		return fmt_exact(v, buf);
	if (v == 0)
		return snprintf(buf, MDX_NUM_LEN, "0");
	snprintf(tmp, sizeof(tmp), "%.5e", v); /* -6.96088e-05 */
	if (*s == '-') {
		*p++ = '-';
		s++;
	}
	while (*s != 'e' && *s != '\0') {
		if (*s != '.' && nd < (int)sizeof(dig))
			dig[nd++] = *s;
		s++;
	}
	ex = *s == 'e' ? (int)strtol(s + 1, NULL, 10) : 0;
	if (ex < -6 || ex >= 15)
		return snprintf(buf, MDX_NUM_LEN, "%.6g", v);
	while (nd > 1 && dig[nd - 1] == '0')
		nd--;
	if (ex < 0) {
		*p++ = '0';
		*p++ = '.';
		for (int i = -1; i > ex; i--)
			*p++ = '0';
		for (int i = 0; i < nd; i++)
			*p++ = dig[i];
	} else {
		for (int i = 0; i <= ex; i++)
			*p++ = i < nd ? dig[i] : '0';
		if (nd > ex + 1) {
			*p++ = '.';
			for (int i = ex + 1; i < nd; i++)
				*p++ = dig[i];
		}
	}
	*p = '\0';
	return (int)(p - buf);
}

/* v rounded to the cent: "50637457767.42", "2328355436517.30", a whole
 * amount without decimals */
static int
fmt_money(double v, char *buf)
{
	long long cents;
	char *p = buf;

	/* past 2^53 cents a double holds no cents */
	if (!isfinite(v) || fabs(v) >= 9e13)
		return fmt_exact(nearbyint(v), buf);
	cents = llround(fabs(v) * 100);
	if (cents == 0)
		return snprintf(buf, MDX_NUM_LEN, "0");
	if (v < 0)
		*p++ = '-';
	p = put_uint(p, (unsigned long long)(cents / 100));
	if (cents % 100 != 0) {
		*p++ = '.';
		*p++ = (char)('0' + cents % 100 / 10);
		*p++ = (char)('0' + cents % 10);
	}
	*p = '\0';
	return (int)(p - buf);
}

/* a whole number as an integer; a fraction as it is (never lost) */
static int
fmt_count(double v, char *buf)
{
	if (isfinite(v) && v == nearbyint(v) && fabs(v) < 9e15) {
		char *p = buf;

		if (v < 0)
			*p++ = '-';
		p = put_uint(p, (unsigned long long)fabs(v));
		*p = '\0';
		return (int)(p - buf);
	}
	return fmt_exact(v, buf);
}

int
mdx_output_format(double v, int kind, char *buf)
{
	switch (kind) {
	case MDX_NUM_FIGURE:
		return fmt_figure(v, buf);
	case MDX_NUM_MONEY:
		return fmt_money(v, buf);
	case MDX_NUM_COUNT:
		return fmt_count(v, buf);
	default:
		return fmt_exact(v, buf);
	}
}

char *
mdx_output_number(double v, char *buf)
{
	fmt_exact(v, buf);
	return buf;
}

/*
 * What the numbers of each column are, for csv, tsv and tables: the
 * first entry whose command (NULL: any) and column ("*": any) match.
 * Prices stay as the provider gave them; computed figures (returns,
 * ratios, volatility, Sharpe, weights, index levels, means) get 6
 * significant digits; money the cent; counts whole numbers.  sql is the
 * user's own: exact.
 */
static const struct col_kind {
	const char *command; /* mdx-query's command, NULL for any */
	const char *column;  /* column (or sideways figure) name, "*" any */
	int kind;	     /* enum mdx_num_kind */
} col_kinds[] = {
	{"sql", "*", MDX_NUM_EXACT},
	{"stats", "vwap", MDX_NUM_FIGURE},
	{"index performance", "vwap", MDX_NUM_FIGURE},
	{"index performance", "first_open", MDX_NUM_FIGURE},
	{"index performance", "last_close", MDX_NUM_FIGURE},
	{"index performance", "high", MDX_NUM_FIGURE},
	{"index performance", "low", MDX_NUM_FIGURE},
	{"returns", "price", MDX_NUM_EXACT},
	{"returns", "sessions", MDX_NUM_COUNT},
	{"returns", "*", MDX_NUM_FIGURE}, /* --wide: a column per symbol */
	{NULL, "open", MDX_NUM_EXACT},
	{NULL, "high", MDX_NUM_EXACT},
	{NULL, "low", MDX_NUM_EXACT},
	{NULL, "close", MDX_NUM_EXACT},
	{NULL, "adj_close", MDX_NUM_EXACT},
	{NULL, "vwap", MDX_NUM_EXACT},
	{NULL, "first_open", MDX_NUM_EXACT},
	{NULL, "last_close", MDX_NUM_EXACT},
	{NULL, "price", MDX_NUM_EXACT},
	{NULL, "mean_close", MDX_NUM_FIGURE},
	{NULL, "total_return", MDX_NUM_FIGURE},
	{NULL, "return", MDX_NUM_FIGURE},
	{NULL, "cumulative", MDX_NUM_FIGURE},
	{NULL, "volatility", MDX_NUM_FIGURE},
	{NULL, "sharpe", MDX_NUM_FIGURE},
	{NULL, "max_drawdown", MDX_NUM_FIGURE},
	{NULL, "risk_free", MDX_NUM_FIGURE},
	{NULL, "level", MDX_NUM_FIGURE},
	{NULL, "base", MDX_NUM_FIGURE},
	{NULL, "weight", MDX_NUM_FIGURE},
	{NULL, "market_cap", MDX_NUM_MONEY},
	{NULL, "volume", MDX_NUM_COUNT},
	{NULL, "trades", MDX_NUM_COUNT},
	{NULL, "count", MDX_NUM_COUNT},
	{NULL, "bars", MDX_NUM_COUNT},
	{NULL, "sessions", MDX_NUM_COUNT},
	{NULL, "shares_outstanding", MDX_NUM_COUNT},
	{NULL, "rank", MDX_NUM_COUNT},
	{NULL, "members", MDX_NUM_COUNT},
	{NULL, "top", MDX_NUM_COUNT},
	{NULL, "universe", MDX_NUM_COUNT},
	{NULL, "rebalances", MDX_NUM_COUNT},
	{NULL, "changes", MDX_NUM_COUNT},
	{NULL, "carried", MDX_NUM_COUNT},
};

int
mdx_output_kind(const char *command, const char *column)
{
	for (size_t i = 0; i < sizeof(col_kinds) / sizeof(*col_kinds); i++) {
		const struct col_kind *k = &col_kinds[i];

		if (k->command != NULL &&
		    (command == NULL || strcmp(k->command, command) != 0))
			continue;
		if (strcmp(k->column, "*") == 0 ||
		    strcmp(k->column, column) == 0)
			return k->kind;
	}
	return MDX_NUM_EXACT;
}

/* a JSON string literal of s (n bytes) */
static void
json_str(struct sbuf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	sb_char(b, '"');
	while (i < n) {
		size_t start = i, len;
		uint32_t c;

		/* copy a run of plain characters in one go */
		while (i < n && u[i] >= 0x20 && u[i] < 0x80 && u[i] != '"' &&
		       u[i] != '\\')
			i++;
		sb_add(b, s + start, i - start);
		if (i >= n)
			break;
		len = utf8_next(u + i, n - i, &c);
		if (c == '"' || c == '\\') {
			sb_char(b, '\\');
			sb_char(b, (char)c);
		} else if (c < 0x20) {
			char esc[8];

			switch (c) {
			case '\n':
				sb_str(b, "\\n");
				break;
			case '\r':
				sb_str(b, "\\r");
				break;
			case '\t':
				sb_str(b, "\\t");
				break;
			case '\b':
				sb_str(b, "\\b");
				break;
			case '\f':
				sb_str(b, "\\f");
				break;
			default:
				snprintf(esc, sizeof(esc), "\\u%04x",
					 (unsigned)c);
				sb_str(b, esc);
			}
		} else if (c == 0xFFFD && len == 1) {
			sb_str(b, "\xEF\xBF\xBD");
		} else {
			sb_add(b, s + i, len);
		}
		i += len;
	}
	sb_char(b, '"');
}

/* compact JSON of v; keys in their order */
static void
json_value(struct sbuf *b, const json_t *v)
{
	char num[MDX_NUM_LEN];
	const char *key;
	json_t *m;
	size_t i;
	int first = 1;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		sb_char(b, '{');
		json_object_foreach ((json_t *)v, key, m) {
			if (!first)
				sb_char(b, ',');
			first = 0;
			json_str(b, key, strlen(key));
			sb_char(b, ':');
			json_value(b, m);
		}
		sb_char(b, '}');
		break;
	case JSON_ARRAY:
		sb_char(b, '[');
		json_array_foreach (v, i, m) {
			if (i > 0)
				sb_char(b, ',');
			json_value(b, m);
		}
		sb_char(b, ']');
		break;
	case JSON_STRING:
		json_str(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
		sb_str(b, num);
		break;
	case JSON_REAL:
		if (!isfinite(json_real_value(v)))
			sb_str(b, "null");
		else
			sb_str(b, mdx_output_number(json_real_value(v), num));
		break;
	case JSON_TRUE:
		sb_str(b, "true");
		break;
	case JSON_FALSE:
		sb_str(b, "false");
		break;
	default:
		sb_str(b, "null");
	}
}

static int
write_buf(FILE *fp, struct sbuf *b, struct mdx_err *e)
{
	if (b->oom)
		return mdx_err_set(e, MDX_ENOMEM, "out of memory");
	if (b->len > 0 && fwrite(b->p, 1, b->len, fp) != b->len)
		return mdx_err_set(e, MDX_EIO, "write error: %s",
				   strerror(errno));
	return 0;
}

int
mdx_output_json(FILE *fp, const json_t *v, struct mdx_err *e)
{
	struct sbuf b = {0};
	int rc;

	json_value(&b, v);
	rc = write_buf(fp, &b, e);
	sb_release(&b);
	return rc;
}

char *
mdx_output_json_text(const json_t *v)
{
	struct sbuf b = {0};

	json_value(&b, v);
	if (b.oom || b.p == NULL) {
		sb_release(&b);
		return NULL;
	}
	return b.p;
}

int
mdx_output_term_width(FILE *fp)
{
	struct winsize ws;
	const char *s;

	if (isatty(fileno(fp)) && ioctl(fileno(fp), TIOCGWINSZ, &ws) == 0 &&
	    ws.ws_col > 0)
		return ws.ws_col;
	if ((s = getenv("COLUMNS")) != NULL && *s != '\0') {
		char *end;
		long n;

		errno = 0;
		n = strtol(s, &end, 10);
		if (errno == 0 && *end == '\0' && n > 0 && n <= 100000)
			return (int)n;
	}
	return isatty(fileno(fp)) ? 80 : 0;
}

struct mdx_output {
	FILE *fp;	  /* borrowed */
	int format;	  /* enum mdx_format */
	int width;	  /* table: widest line, 0 no limit */
	int terminal;	  /* table: for a person at a terminal */
	char *command;	  /* owned: the command, for the kinds, or NULL */
	char **cols;	  /* owned column names */
	int *kind;	  /* per column: enum mdx_num_kind */
	size_t ncols;	  /* number of columns */
	int have_cols;	  /* columns declared */
	int sideways;	  /* the first column is "figure": kinds by row */
	long rows;	  /* rows taken */
	struct sbuf line; /* the line being built */
	/* table only */
	char **cells;	     /* owned: rows * ncols texts, NULL for null */
	unsigned char *num;  /* per cell: a number (right-aligned) */
	size_t cells_cap;    /* cells allocated */
	unsigned char *seen; /* per column: SEEN_TEXT | SEEN_NUMBER */
};

struct mdx_output *
mdx_output_new(FILE *fp, int format, const struct mdx_output_opts *o,
	       struct mdx_err *e)
{
	struct mdx_output *w;

	if (format != MDX_FMT_NDJSON && format != MDX_FMT_JSON &&
	    format != MDX_FMT_CSV && format != MDX_FMT_TSV &&
	    format != MDX_FMT_TABLE) {
		mdx_err_set(e, MDX_EUSAGE, "format '%s' not available here",
			    mdx_format_name(format));
		return NULL;
	}
	if ((w = mdx_calloc(1, sizeof(*w))) == NULL) {
		mdx_err_set(e, MDX_ENOMEM, "out of memory");
		return NULL;
	}
	w->fp = fp;
	w->format = format;
	if (o != NULL) {
		w->width = o->width;
		w->terminal = o->terminal;
		if (o->command != NULL &&
		    (w->command = mdx_strdup(o->command)) == NULL) {
			mdx_free(w);
			mdx_err_set(e, MDX_ENOMEM, "out of memory");
			return NULL;
		}
	}
	return w;
}

static int
sink_columns(void *ctx, const char *const *names, size_t n, struct mdx_err *e)
{
	return mdx_output_columns(ctx, names, n, e);
}

static int
sink_row(void *ctx, const json_t *row, struct mdx_err *e)
{
	return mdx_output_row(ctx, row, e);
}

void
mdx_output_sink(struct mdx_output *w, struct mdx_sink *k)
{
	k->columns = sink_columns;
	k->row = sink_row;
	k->miss = NULL;
	k->ctx = w;
}

/* the kind of the numbers in column i of row (a sideways table: by the
 * row's figure) */
static int
cell_kind(const struct mdx_output *w, const json_t *row, size_t i)
{
	const char *fig;

	if (w->sideways && i > 0 &&
	    (fig = json_string_value(json_object_get(row, w->cols[0]))) != NULL)
		return mdx_output_kind(w->command, fig);
	return w->kind[i];
}

/* the text of a cell for csv, tsv and table: NULL for null; a number as
 * its kind says; nested values as JSON; *tmp owns what needs owning */
static const char *
cell_text(const json_t *v, int kind, char *num, struct sbuf *tmp, size_t *len)
{
	const char *s = NULL;

	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_STRING:
		*len = json_string_length(v);
		return json_string_value(v);
	case JSON_INTEGER:
		snprintf(num, MDX_NUM_LEN, "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
		s = num;
		break;
	case JSON_REAL:
		mdx_output_format(json_real_value(v), kind, num);
		s = num;
		break;
	case JSON_TRUE:
		s = "true";
		break;
	case JSON_FALSE:
		s = "false";
		break;
	case JSON_OBJECT:
	case JSON_ARRAY:
		tmp->len = 0;
		json_value(tmp, v);
		if (tmp->oom || tmp->p == NULL)
			return NULL;
		*len = tmp->len;
		return tmp->p;
	default:
		return NULL;
	}
	*len = strlen(s);
	return s;
}

static void
csv_field(struct sbuf *b, const char *s, size_t n)
{
	if (memchr(s, ',', n) == NULL && memchr(s, '"', n) == NULL &&
	    memchr(s, '\r', n) == NULL && memchr(s, '\n', n) == NULL) {
		sb_add(b, s, n);
		return;
	}
	sb_char(b, '"');
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			sb_char(b, '"');
		sb_char(b, s[i]);
	}
	sb_char(b, '"');
}

static void
tsv_field(struct sbuf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '\\':
			sb_str(b, "\\\\");
			break;
		case '\t':
			sb_str(b, "\\t");
			break;
		case '\n':
			sb_str(b, "\\n");
			break;
		case '\r':
			sb_str(b, "\\r");
			break;
		default:
			sb_char(b, s[i]);
		}
	}
}

/* a table cell: control characters made visible so a row stays a line */
static char *
table_text(const char *s, size_t n)
{
	struct sbuf b = {0};

	sb_add(&b, "", 0);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[8];

		if (c == '\n')
			sb_str(&b, "\\n");
		else if (c == '\t')
			sb_str(&b, "\\t");
		else if (c == '\r')
			sb_str(&b, "\\r");
		else if (c < 0x20 || c == 0x7F) {
			snprintf(esc, sizeof(esc), "\\x%02x", c);
			sb_str(&b, esc);
		} else
			sb_char(&b, (char)c);
	}
	if (b.oom) {
		sb_release(&b);
		return NULL;
	}
	return b.p;
}

static const char eol_crlf[] = "\r\n";

/* header line of csv or tsv */
static int
write_header(struct mdx_output *w, struct mdx_err *e)
{
	struct sbuf *b = &w->line;

	b->len = 0;
	for (size_t i = 0; i < w->ncols; i++) {
		size_t n = strlen(w->cols[i]);

		if (w->format == MDX_FMT_CSV) {
			if (i > 0)
				sb_char(b, ',');
			csv_field(b, w->cols[i], n);
		} else {
			if (i > 0)
				sb_char(b, '\t');
			tsv_field(b, w->cols[i], n);
		}
	}
	sb_str(b, w->format == MDX_FMT_CSV ? eol_crlf : "\n");
	return write_buf(w->fp, b, e);
}

int
mdx_output_columns(struct mdx_output *w, const char *const *names, size_t n,
		   struct mdx_err *e)
{
	if (w->have_cols)
		return mdx_err_set(e, MDX_EUSAGE, "columns declared twice");
	w->have_cols = 1;
	if (n > 0) {
		w->cols = mdx_calloc(n, sizeof(*w->cols));
		w->kind = mdx_calloc(n, sizeof(*w->kind));
		w->seen = mdx_calloc(n, 1);
		if (w->cols == NULL || w->kind == NULL || w->seen == NULL)
			return mdx_err_set(e, MDX_ENOMEM, "out of memory");
		for (size_t i = 0; i < n; i++) {
			if ((w->cols[i] = mdx_strdup(names[i])) == NULL)
				return mdx_err_set(e, MDX_ENOMEM,
						   "out of memory");
			w->kind[i] = mdx_output_kind(w->command, names[i]);
			w->ncols = i + 1;
		}
		w->sideways = strcmp(names[0], "figure") == 0;
	}
	if (w->format == MDX_FMT_CSV || w->format == MDX_FMT_TSV)
		return write_header(w, e);
	return 0;
}

/* keep a table row: its cells as text */
static int
table_keep(struct mdx_output *w, const json_t *row, struct mdx_err *e)
{
	char num[MDX_NUM_LEN];
	struct sbuf tmp = {0};
	size_t need = (size_t)(w->rows + 1) * w->ncols, base;
	int ret = -1;

	if (need > w->cells_cap) {
		size_t ncap = w->cells_cap ? w->cells_cap * 2 : 64 * w->ncols;
		char **nc;
		unsigned char *nn;

		while (ncap < need)
			ncap *= 2;
		if ((nc = mdx_realloc(w->cells, ncap * sizeof(*nc))) == NULL) {
			mdx_err_set(e, MDX_ENOMEM, "out of memory");
			goto out;
		}
		w->cells = nc;
		if ((nn = mdx_realloc(w->num, ncap)) == NULL) {
			mdx_err_set(e, MDX_ENOMEM, "out of memory");
			goto out;
		}
		w->num = nn;
		w->cells_cap = ncap;
	}
	base = (size_t)w->rows * w->ncols;
	for (size_t i = 0; i < w->ncols; i++) {
		w->cells[base + i] = NULL;
		w->num[base + i] = 0;
	}
	for (size_t i = 0; i < w->ncols; i++) {
		const json_t *v = json_object_get(row, w->cols[i]);
		const char *s;
		size_t n = 0;

		if (v == NULL || json_is_null(v))
			continue;
		w->seen[i] |= json_is_number(v) ? SEEN_NUMBER : SEEN_TEXT;
		w->num[base + i] = json_is_number(v) != 0;
		if ((s = cell_text(v, cell_kind(w, row, i), num, &tmp, &n)) ==
			    NULL ||
		    (w->cells[base + i] = table_text(s, n)) == NULL) {
			/* the row is kept with what it has, to be freed */
			w->rows++;
			mdx_err_set(e, MDX_ENOMEM, "out of memory");
			goto out;
		}
	}
	w->rows++;
	ret = 0;
out:
	sb_release(&tmp);
	return ret;
}

int
mdx_output_row(struct mdx_output *w, const json_t *row, struct mdx_err *e)
{
	char num[MDX_NUM_LEN];
	struct sbuf tmp = {0}, *b = &w->line;
	int ret;

	if (w->format == MDX_FMT_TABLE)
		return table_keep(w, row, e);
	b->len = 0;
	if (w->format == MDX_FMT_JSON)
		sb_str(b, w->rows == 0 ? "[\n" : ",\n");
	if (w->format == MDX_FMT_NDJSON || w->format == MDX_FMT_JSON) {
		if (!w->have_cols) {
			json_value(b, row);
		} else {
			sb_char(b, '{');
			for (size_t i = 0; i < w->ncols; i++) {
				const json_t *v =
					json_object_get(row, w->cols[i]);

				if (i > 0)
					sb_char(b, ',');
				json_str(b, w->cols[i], strlen(w->cols[i]));
				sb_char(b, ':');
				if (v == NULL)
					sb_str(b, "null");
				else
					json_value(b, v);
			}
			sb_char(b, '}');
		}
		if (w->format == MDX_FMT_NDJSON)
			sb_char(b, '\n');
	} else {
		for (size_t i = 0; i < w->ncols; i++) {
			const json_t *v = json_object_get(row, w->cols[i]);
			const char *s;
			size_t n = 0;

			if (i > 0)
				sb_char(b,
					w->format == MDX_FMT_CSV ? ',' : '\t');
			if ((s = cell_text(v, cell_kind(w, row, i), num, &tmp,
					   &n)) == NULL)
				continue;
			if (w->format == MDX_FMT_CSV)
				csv_field(b, s, n);
			else
				tsv_field(b, s, n);
		}
		sb_str(b, w->format == MDX_FMT_CSV ? eol_crlf : "\n");
	}
	sb_release(&tmp);
	ret = write_buf(w->fp, b, e);
	if (ret == 0)
		w->rows++;
	return ret;
}

/* append s cut to at most maxw columns, with an ellipsis when cut;
 * returns the width appended */
static size_t
fit_text(struct sbuf *b, const char *s, size_t maxw)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s), w = mdx_output_text_width(s, n), i = 0, used = 0;
	uint32_t c;

	if (w <= maxw) {
		sb_add(b, s, n);
		return w;
	}
	if (maxw == 0)
		return 0;
	while (i < n) {
		size_t len = utf8_next(u + i, n - i, &c);
		int cw = cp_width(c);

		if (used + (size_t)cw > maxw - 1)
			break;
		if (c == 0xFFFD && len == 1)
			sb_str(b, "\xEF\xBF\xBD");
		else
			sb_add(b, s + i, len);
		used += (size_t)cw;
		i += len;
	}
	sb_str(b, ELLIPSIS);
	return used + 1;
}

static void
pad(struct sbuf *b, size_t n)
{
	while (n-- > 0)
		sb_char(b, ' ');
}

/*
 * The layout of a table: each column shown or left out, and why; a run of
 * columns left out for the width is shown as one ellipsis column.
 */
struct layout {
	size_t ncols;	      /* columns */
	size_t *width;	      /* per column */
	unsigned char *right; /* per column: the header right-aligned */
	unsigned char *drop;  /* per column: 0 shown, or DROP_* */
};

#define DROP_EMPTY 1	  /* null in every row */
#define DROP_SAME 2	  /* one text in every row */
#define DROP_WIDTH 3	  /* left out to fit the width */
#define TABLE_TEXT_MIN 16 /* free text is not cut below this width */

/* one table line: column i's text t[i] (NULL: blank), right-aligned when
 * num[i] (num NULL: as the header), mark for a run left out */
static void
table_line(const struct layout *l, char *const *t, const unsigned char *num,
	   const char *mark, struct sbuf *b)
{
	int first = 1, marked = 0;

	for (size_t i = 0; i < l->ncols; i++) {
		const char *s = t[i] ? t[i] : "";
		int right = num ? num[i] : l->right[i];

		if (l->drop[i] == DROP_WIDTH) {
			if (!marked) {
				if (!first)
					pad(b, TABLE_GAP);
				sb_str(b, mark);
				first = 0;
			}
			marked = 1;
			continue;
		}
		if (l->drop[i])
			continue;
		marked = 0;
		if (!first)
			pad(b, TABLE_GAP);
		first = 0;
		if (right) {
			size_t sw = mdx_output_text_width(s, strlen(s));

			pad(b, sw < l->width[i] ? l->width[i] - sw : 0);
			fit_text(b, s, l->width[i]);
		} else {
			size_t used = fit_text(b, s, l->width[i]);

			pad(b, l->width[i] - used);
		}
	}
	/* no trailing blanks */
	while (b->len > 0 && b->p[b->len - 1] == ' ')
		b->p[--b->len] = '\0';
	sb_char(b, '\n');
}

/* does s start like a date or a time ("2018-01-29", "09:30")? */
static int
temporal(const char *s)
{
	int d = 0;

	while (s[d] >= '0' && s[d] <= '9')
		d++;
	return (d == 4 && s[d] == '-') || (d == 2 && s[d] == ':');
}

/* the width of a line: the shown columns, the marks, the gaps */
static size_t
layout_total(const struct layout *l)
{
	size_t total = 0, items = 0;
	int marked = 0;

	for (size_t i = 0; i < l->ncols; i++) {
		if (l->drop[i] == DROP_WIDTH) {
			if (!marked)
				total += 1, items++;
			marked = 1;
		} else if (!l->drop[i]) {
			total += l->width[i];
			items++;
			marked = 0;
		}
	}
	return total + (items > 1 ? (items - 1) * TABLE_GAP : 0);
}

/* narrow the widest of the columns marked in cut, not below min, until
 * the line fits max or none can narrow */
static void
narrow(struct layout *l, const unsigned char *cut, size_t min, size_t max)
{
	while (layout_total(l) > max) {
		size_t j = SIZE_MAX;

		for (size_t i = 0; i < l->ncols; i++)
			if (cut[i] && !l->drop[i] && l->width[i] > min &&
			    (j == SIZE_MAX || l->width[i] > l->width[j]))
				j = i;
		if (j == SIZE_MAX)
			break;
		l->width[j]--;
	}
}

/*
 * Fit the table into w->width, cutting no value when it can.  When
 * cutting free text (no number, date or time in the column) to no less
 * than TABLE_TEXT_MIN makes it fit, it is cut; otherwise nothing is cut,
 * and prose columns (free text wider than that) are left out, the
 * rightmost first; then whole columns from the middle, the first shown
 * and the last ones that fit kept, one from the left and one from the
 * right in turn (DuckDB's CLI does the same).  The first column stays;
 * if it alone is too wide, its text is cut after all.
 */
static void
table_fit(const struct mdx_output *w, struct layout *l, const size_t *natural)
{
	size_t max = (size_t)w->width, *order = NULL, n = 0, lo, hi;
	unsigned char *cut;

	if (w->width <= 0 || layout_total(l) <= max)
		return;
	if ((cut = mdx_calloc(w->ncols, 1)) == NULL)
		return;
	for (size_t i = 0; i < w->ncols; i++) {
		cut[i] = !l->drop[i] && w->seen[i] == SEEN_TEXT;
		for (long r = 0; r < w->rows && cut[i]; r++) {
			const char *s = w->cells[(size_t)r * w->ncols + i];

			if (s != NULL && temporal(s))
				cut[i] = 0;
		}
	}
	narrow(l, cut, TABLE_TEXT_MIN, max);
	if (layout_total(l) <= max)
		goto out;
	memcpy(l->width, natural, w->ncols * sizeof(*natural));
	for (size_t i = w->ncols; i-- > 1 && layout_total(l) > max;)
		if (cut[i] && !l->drop[i] && natural[i] > TABLE_TEXT_MIN)
			l->drop[i] = DROP_WIDTH;
	if (layout_total(l) <= max ||
	    (order = mdx_calloc(w->ncols, sizeof(*order))) == NULL)
		goto out;
	for (size_t i = 0; i < w->ncols; i++)
		if (!l->drop[i])
			order[n++] = i;
	/* all but the first out, then back in turn while they fit */
	for (size_t k = 1; k < n; k++)
		l->drop[order[k]] = DROP_WIDTH;
	lo = 1;
	hi = n;
	for (int side = 0, stuck = 0; lo < hi && stuck < 2; side = !side) {
		size_t i = side ? order[hi - 1] : order[lo];

		l->drop[i] = 0;
		if (layout_total(l) > max) {
			l->drop[i] = DROP_WIDTH;
			stuck++;
			continue;
		}
		stuck = 0;
		if (side)
			hi--;
		else
			lo++;
	}
	narrow(l, cut, 1, max); /* the first column alone is too wide */
out:
	mdx_free(order);
	mdx_free(cut);
}

/* the text of column i when it is the same in every row of two or more,
 * else NULL */
static const char *
same_text(const struct mdx_output *w, size_t i)
{
	const char *first;

	if (w->rows < 2 || (first = w->cells[i]) == NULL || w->num[i])
		return NULL;
	for (long r = 1; r < w->rows; r++) {
		const char *s = w->cells[(size_t)r * w->ncols + i];

		if (s == NULL || w->num[(size_t)r * w->ncols + i] ||
		    strcmp(s, first) != 0)
			return NULL;
	}
	return first;
}

/* a footer line "title: a, b, c", wrapped to width at the commas with
 * the following lines indented */
struct foot {
	struct sbuf *b; /* the output */
	size_t width;	/* 0: no limit */
	size_t col;	/* the column the line is at */
	int items;	/* items on this footer line */
};

static void
foot_start(struct foot *f, const char *title)
{
	sb_str(f->b, title);
	f->col = mdx_output_text_width(title, strlen(title));
	f->items = 0;
}

static void
foot_item(struct foot *f, const char *a, const char *b2)
{
	size_t w = mdx_output_text_width(a, strlen(a)) +
		   (b2 ? 1 + mdx_output_text_width(b2, strlen(b2)) : 0);

	if (f->items > 0) {
		sb_char(f->b, ',');
		f->col++;
	}
	if (f->items > 0 && f->width > 0 && f->col + 1 + w > f->width) {
		sb_str(f->b, "\n  ");
		f->col = 2;
	} else {
		sb_char(f->b, ' ');
		f->col++;
	}
	sb_str(f->b, a);
	if (b2 != NULL) {
		sb_char(f->b, ' ');
		sb_str(f->b, b2);
	}
	f->col += w;
	f->items++;
}

/* the footer: the row count, what was left out and why */
static void
table_footer(const struct mdx_output *w, const struct layout *l, struct sbuf *b)
{
	static const struct {
		int why;
		const char *title;
	} parts[] = {
		{DROP_SAME, "the same in every row:"},
		{DROP_EMPTY, "empty in every row:"},
		{DROP_WIDTH, "left out to fit the width (" ELLIPSIS "):"},
	};
	struct foot f = {b, w->width > 0 ? (size_t)w->width : 0, 0, 0};
	char num[32];

	snprintf(num, sizeof(num), "%ld row%s", w->rows,
		 w->rows == 1 ? "" : "s");
	sb_str(b, num);
	sb_char(b, '\n');
	for (size_t p = 0; p < sizeof(parts) / sizeof(*parts); p++) {
		int any = 0;

		for (size_t i = 0; i < w->ncols; i++) {
			if (l->drop[i] != parts[p].why)
				continue;
			if (!any)
				foot_start(&f,
					   parts[p].why == DROP_SAME &&
							   w->rows == 1
						   ? "the row's text, to fit "
						     "the width:"
						   : parts[p].title);
			any = 1;
			/* DROP_SAME: row 0 holds the one value */
			foot_item(&f, w->cols[i],
				  parts[p].why == DROP_SAME ? w->cells[i]
							    : NULL);
		}
		if (any)
			sb_char(b, '\n');
	}
}

static int
table_write(struct mdx_output *w, struct mdx_err *e)
{
	struct layout l = {0};
	size_t *natural = NULL, nshow = 0;
	char **rule = NULL;
	struct sbuf *b = &w->line;
	int ret = -1, elided = 0;

	if (w->ncols == 0)
		return 0;
	l.ncols = w->ncols;
	l.width = mdx_calloc(w->ncols, sizeof(*l.width));
	natural = mdx_calloc(w->ncols, sizeof(*natural));
	l.right = mdx_calloc(w->ncols, 1);
	l.drop = mdx_calloc(w->ncols, 1);
	rule = mdx_calloc(w->ncols, sizeof(*rule));
	if (l.width == NULL || natural == NULL || l.right == NULL ||
	    l.drop == NULL || rule == NULL) {
		mdx_err_set(e, MDX_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < w->ncols; i++) {
		l.width[i] =
			mdx_output_text_width(w->cols[i], strlen(w->cols[i]));
		/* numbers right, text and all-null columns left */
		l.right[i] = w->seen[i] == SEEN_NUMBER;
		/* on a terminal what tells nothing goes to the footer */
		if (w->terminal && w->rows > 0 && w->seen[i] == 0)
			l.drop[i] = DROP_EMPTY;
		else if (w->terminal && same_text(w, i) != NULL)
			l.drop[i] = DROP_SAME;
		nshow += !l.drop[i];
	}
	if (nshow == 0) /* nothing would be left: show it all */
		memset(l.drop, 0, w->ncols);
	for (long r = 0; r < w->rows; r++) {
		for (size_t i = 0; i < w->ncols; i++) {
			const char *s = w->cells[(size_t)r * w->ncols + i];
			size_t sw = s ? mdx_output_text_width(s, strlen(s)) : 0;

			if (sw > l.width[i])
				l.width[i] = sw;
		}
	}
	/* one row too wide on a terminal: its text (no date or time) goes
	 * to the footer before any number is left out */
	if (w->terminal && w->rows == 1 && w->width > 0 &&
	    layout_total(&l) > (size_t)w->width) {
		size_t left = 0;

		for (size_t i = 0; i < w->ncols; i++)
			if (!l.drop[i] &&
			    (w->seen[i] != SEEN_TEXT || temporal(w->cells[i])))
				left++;
		for (size_t i = 0; i < w->ncols && left > 0; i++)
			if (!l.drop[i] && w->seen[i] == SEEN_TEXT &&
			    !temporal(w->cells[i]))
				l.drop[i] = DROP_SAME;
	}
	memcpy(natural, l.width, w->ncols * sizeof(*natural));
	table_fit(w, &l, natural);
	for (size_t i = 0; i < w->ncols; i++) {
		elided |= l.drop[i] == DROP_WIDTH;
		if ((rule[i] = mdx_malloc(l.width[i] + 1)) == NULL) {
			mdx_err_set(e, MDX_ENOMEM, "out of memory");
			goto out;
		}
		memset(rule[i], '-', l.width[i]);
		rule[i][l.width[i]] = '\0';
	}
	b->len = 0;
	table_line(&l, w->cols, NULL, ELLIPSIS, b);
	table_line(&l, rule, NULL, "-", b);
	if (write_buf(w->fp, b, e))
		goto out;
	for (long r = 0; r < w->rows; r++) {
		size_t base = (size_t)r * w->ncols;

		b->len = 0;
		table_line(&l, w->cells + base, w->num + base, ELLIPSIS, b);
		if (write_buf(w->fp, b, e))
			goto out;
	}
	if (w->terminal || elided) {
		b->len = 0;
		table_footer(w, &l, b);
		if (write_buf(w->fp, b, e))
			goto out;
	}
	ret = 0;
out:
	if (rule != NULL)
		for (size_t i = 0; i < w->ncols; i++)
			mdx_free(rule[i]);
	mdx_free(rule);
	mdx_free(natural);
	mdx_free(l.width);
	mdx_free(l.right);
	mdx_free(l.drop);
	return ret;
}

int
mdx_output_finish(struct mdx_output *w, struct mdx_err *e)
{
	if (w->format == MDX_FMT_TABLE)
		return table_write(w, e);
	if (w->format == MDX_FMT_JSON) {
		const char *end = w->rows == 0 ? "[]\n" : "\n]\n";

		if (fputs(end, w->fp) == EOF)
			return mdx_err_set(e, MDX_EIO, "write error: %s",
					   strerror(errno));
	}
	return 0;
}

long
mdx_output_rows(const struct mdx_output *w)
{
	return w->rows;
}

void
mdx_output_free(struct mdx_output *w)
{
	if (w == NULL)
		return;
	if (w->cells != NULL)
		for (size_t i = 0; i < (size_t)w->rows * w->ncols; i++)
			mdx_free(w->cells[i]);
	mdx_free(w->cells);
	mdx_free(w->num);
	for (size_t i = 0; i < w->ncols; i++)
		mdx_free(w->cols[i]);
	mdx_free(w->cols);
	mdx_free(w->kind);
	mdx_free(w->seen);
	mdx_free(w->command);
	sb_release(&w->line);
	mdx_free(w);
}
