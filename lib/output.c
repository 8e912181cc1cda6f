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

#define TABLE_GAP 2   /* spaces between table columns */
#define TABLE_MINW 5  /* a text column is not cut below this width */
#define SEEN_TEXT 1   /* a table column holds a value that is no number */
#define SEEN_NUMBER 2 /* a table column holds a number */

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

char *
mdx_output_number(double v, char *buf)
{
	if (isnan(v)) {
		snprintf(buf, MDX_NUM_LEN, "nan");
		return buf;
	}
	if (isinf(v)) {
		snprintf(buf, MDX_NUM_LEN, "%s", v > 0 ? "inf" : "-inf");
		return buf;
	}
	if (mdx_output_decimal(v, buf) >= 0)
		return buf;
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, MDX_NUM_LEN, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return buf;
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
	return 0;
}

struct mdx_output {
	FILE *fp;	  /* borrowed */
	int format;	  /* enum mdx_format */
	int width;	  /* table: widest line, 0 no limit */
	char **cols;	  /* owned column names */
	size_t ncols;	  /* number of columns */
	int have_cols;	  /* columns declared */
	long rows;	  /* rows taken */
	struct sbuf line; /* the line being built */
	/* table only */
	char **cells;	     /* owned: rows * ncols texts, NULL for null */
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
	w->width = o ? o->width : 0;
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

/* the text of a cell for csv, tsv and table: NULL for null; a number in
 * its shortest form; nested values as JSON; *tmp owns what needs owning */
static const char *
cell_text(const json_t *v, char *num, struct sbuf *tmp, size_t *len)
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
		s = mdx_output_number(json_real_value(v), num);
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
		w->seen = mdx_calloc(n, 1);
		if (w->cols == NULL || w->seen == NULL)
			return mdx_err_set(e, MDX_ENOMEM, "out of memory");
		for (size_t i = 0; i < n; i++) {
			if ((w->cols[i] = mdx_strdup(names[i])) == NULL)
				return mdx_err_set(e, MDX_ENOMEM,
						   "out of memory");
			w->ncols = i + 1;
		}
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

		while (ncap < need)
			ncap *= 2;
		if ((nc = mdx_realloc(w->cells, ncap * sizeof(*nc))) == NULL) {
			mdx_err_set(e, MDX_ENOMEM, "out of memory");
			goto out;
		}
		w->cells = nc;
		w->cells_cap = ncap;
	}
	base = (size_t)w->rows * w->ncols;
	for (size_t i = 0; i < w->ncols; i++)
		w->cells[base + i] = NULL;
	for (size_t i = 0; i < w->ncols; i++) {
		const json_t *v = json_object_get(row, w->cols[i]);
		const char *s;
		size_t n = 0;

		if (v == NULL || json_is_null(v))
			continue;
		w->seen[i] |= json_is_number(v) ? SEEN_NUMBER : SEEN_TEXT;
		if ((s = cell_text(v, num, &tmp, &n)) == NULL ||
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
			if ((s = cell_text(v, num, &tmp, &n)) == NULL)
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
	sb_str(b, "\xE2\x80\xA6"); /* U+2026 HORIZONTAL ELLIPSIS */
	return used + 1;
}

static void
pad(struct sbuf *b, size_t n)
{
	while (n-- > 0)
		sb_char(b, ' ');
}

/* one table line of texts t (NULL: blank) */
static void
table_line(const struct mdx_output *w, const size_t *width,
	   const unsigned char *right, char *const *t, struct sbuf *b)
{
	for (size_t i = 0; i < w->ncols; i++) {
		const char *s = t[i] ? t[i] : "";
		int last = i + 1 == w->ncols;

		if (i > 0)
			pad(b, TABLE_GAP);
		if (right[i]) {
			size_t sw = mdx_output_text_width(s, strlen(s));

			pad(b, sw < width[i] ? width[i] - sw : 0);
			fit_text(b, s, width[i]);
		} else {
			size_t used = fit_text(b, s, width[i]);

			if (!last)
				pad(b, width[i] - used);
		}
	}
	/* no trailing blanks */
	while (b->len > 0 && b->p[b->len - 1] == ' ')
		b->p[--b->len] = '\0';
	sb_char(b, '\n');
}

/* narrow the widest text columns until the table fits w->width */
static void
table_fit(const struct mdx_output *w, size_t *width, const unsigned char *right)
{
	size_t total = 0;

	if (w->width <= 0)
		return;
	for (size_t i = 0; i < w->ncols; i++)
		total += width[i] + (i > 0 ? TABLE_GAP : 0);
	while (total > (size_t)w->width) {
		size_t excess = total - (size_t)w->width, j = SIZE_MAX,
		       second = 0, target;

		for (size_t i = 0; i < w->ncols; i++) {
			if (right[i] || width[i] <= TABLE_MINW)
				continue;
			if (j == SIZE_MAX || width[i] > width[j])
				j = i;
		}
		if (j == SIZE_MAX)
			return; /* nothing left to narrow */
		for (size_t i = 0; i < w->ncols; i++)
			if (i != j && !right[i] && width[i] > second)
				second = width[i];
		if (second == width[j])
			target = width[j] - 1; /* a tie: take turns */
		else {
			target = width[j] > excess ? width[j] - excess : 0;
			if (target < second)
				target = second;
		}
		if (target < TABLE_MINW)
			target = TABLE_MINW;
		total -= width[j] - target;
		width[j] = target;
	}
}

static int
table_write(struct mdx_output *w, struct mdx_err *e)
{
	size_t *width = NULL;
	unsigned char *right = NULL;
	char **rule = NULL;
	struct sbuf *b = &w->line;
	int ret = -1;

	if (w->ncols == 0)
		return 0;
	width = mdx_calloc(w->ncols, sizeof(*width));
	right = mdx_calloc(w->ncols, 1);
	rule = mdx_calloc(w->ncols, sizeof(*rule));
	if (width == NULL || right == NULL || rule == NULL) {
		mdx_err_set(e, MDX_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < w->ncols; i++) {
		width[i] =
			mdx_output_text_width(w->cols[i], strlen(w->cols[i]));
		/* numbers right, text and all-null columns left */
		right[i] = w->seen[i] == SEEN_NUMBER;
	}
	for (long r = 0; r < w->rows; r++) {
		for (size_t i = 0; i < w->ncols; i++) {
			const char *s = w->cells[(size_t)r * w->ncols + i];
			size_t sw = s ? mdx_output_text_width(s, strlen(s)) : 0;

			if (sw > width[i])
				width[i] = sw;
		}
	}
	table_fit(w, width, right);
	for (size_t i = 0; i < w->ncols; i++) {
		if ((rule[i] = mdx_malloc(width[i] + 1)) == NULL) {
			mdx_err_set(e, MDX_ENOMEM, "out of memory");
			goto out;
		}
		memset(rule[i], '-', width[i]);
		rule[i][width[i]] = '\0';
	}
	b->len = 0;
	table_line(w, width, right, w->cols, b);
	table_line(w, width, right, rule, b);
	if (write_buf(w->fp, b, e))
		goto out;
	for (long r = 0; r < w->rows; r++) {
		b->len = 0;
		table_line(w, width, right, w->cells + (size_t)r * w->ncols, b);
		if (write_buf(w->fp, b, e))
			goto out;
	}
	ret = 0;
out:
	if (rule != NULL)
		for (size_t i = 0; i < w->ncols; i++)
			mdx_free(rule[i]);
	mdx_free(rule);
	mdx_free(width);
	mdx_free(right);
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
	for (size_t i = 0; i < w->ncols; i++)
		mdx_free(w->cols[i]);
	mdx_free(w->cols);
	mdx_free(w->seen);
	sb_release(&w->line);
	mdx_free(w);
}
