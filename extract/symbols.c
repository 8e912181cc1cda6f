/*
 * symbols.c - the symbols an HTTP provider is asked for: operands,
 * --symbol, --symbols-file FILE (one a line, or a CSV file with a Symbol or
 * Ticker column, such as the S&P 500 constituents list) and "-" for
 * standard input.  Every symbol is checked before any request is made; a
 * symbol given twice is asked for once.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <csv.h>

#include "extract_int.h"
#include "mdx_alloc.h"
#include "mdx_record.h"

/* s with control and non-ASCII bytes shown as \xNN, for messages */
static const char *
shown(const char *s, char *buf, size_t n)
{
	size_t o = 0;

	for (; *s != '\0' && o + 5 < n; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c >= 0x7f)
			o += (size_t)snprintf(buf + o, n - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o] = '\0';
	return buf;
}

static int
add(struct extract_symbols *l, const char *s, const char *where, long line)
{
	char tmp[160];

	if (!mdx_symbol_valid(s)) {
		if (line > 0)
			mdx_log("error", "%s:%ld: invalid symbol '%s'", where,
				line, shown(s, tmp, sizeof(tmp)));
		else
			mdx_log("error", "%s: invalid symbol '%s'", where,
				shown(s, tmp, sizeof(tmp)));
		return MDX_EXIT_USAGE;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		char **v = mdx_realloc(l->v, cap * sizeof(*v));

		if (v == NULL)
			goto nomem;
		l->v = v;
		l->cap = cap;
	}
	if ((l->v[l->n] = mdx_strdup(s)) == NULL)
		goto nomem;
	l->n++;
	return 0;
nomem:
	mdx_log("error", "out of memory");
	return MDX_EXIT_SOFTWARE;
}

/* trim blanks and a CR/LF around s, in place */
static char *
trim(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' ||
			 s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* a CSV symbols file, parsed with libcsv */
struct csvsym {
	struct extract_symbols *l;
	const char *where;
	long line;  /* line being fed */
	int col;    /* index of the symbol column; -1 before the header */
	int field;  /* index of the next field in the row */
	int status; /* first error, exit status */
};

static void
csv_field(void *data, size_t len, void *priv)
{
	struct csvsym *s = priv;
	char buf[MDX_SYMBOL_MAX * 4 + 1];
	size_t n = len < sizeof(buf) - 1 ? len : sizeof(buf) - 1;
	char *v;

	memcpy(buf, data ? data : "", n);
	buf[n] = '\0';
	v = trim(buf);
	if (s->col < 0) {
		/* the header: the first Symbol or Ticker column */
		if (v[0] == '\xef' && v[1] == '\xbb' && v[2] == '\xbf')
			v += 3;
		if (s->col == -1 && (strcasecmp(v, "symbol") == 0 ||
				     strcasecmp(v, "ticker") == 0))
			s->col = -2 - s->field;
	} else if (s->field == s->col && s->status == 0 && *v != '\0') {
		s->status = add(s->l, v, s->where, s->line);
	}
	s->field++;
}

static void
csv_row(int term, void *priv)
{
	struct csvsym *s = priv;

	(void)term;
	if (s->col < -1)
		s->col = -2 - s->col; /* the header named the column */
	else if (s->col == -1 && s->status == 0) {
		mdx_log("error",
			"%s: CSV header has no Symbol or Ticker column",
			s->where);
		s->status = MDX_EXIT_USAGE;
	}
	s->field = 0;
}

/* read symbols from fp: one a line, or CSV when the first line has commas */
static int
read_list(struct extract_symbols *l, FILE *fp, const char *where)
{
	struct csv_parser p;
	struct csvsym cs = {l, where, 0, -1, 0, 0};
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int is_csv = -1, rc = 0;

	if (csv_init(&p, CSV_APPEND_NULL) != 0)
		return MDX_EXIT_SOFTWARE;
	csv_set_realloc_func(&p, mdx_realloc);
	csv_set_free_func(&p, mdx_free);
	while (rc == 0 && cs.status == 0 &&
	       (n = getline(&line, &cap, fp)) > 0) {
		char *s;

		cs.line++;
		if (is_csv < 0)
			is_csv = strchr(line, ',') != NULL;
		if (is_csv) {
			if (csv_parse(&p, line, (size_t)n, csv_field, csv_row,
				      &cs) != (size_t)n) {
				mdx_log("error", "%s:%ld: %s", where, cs.line,
					csv_strerror(csv_error(&p)));
				rc = MDX_EXIT_USAGE;
			}
			continue;
		}
		s = trim(line);
		if (*s != '\0' && *s != '#')
			rc = add(l, s, where, cs.line);
	}
	if (rc == 0 && ferror(fp)) {
		mdx_log("error", "%s: %s", where, strerror(errno));
		rc = MDX_EXIT_IOERR;
	}
	if (is_csv > 0 && rc == 0 && cs.status == 0)
		csv_fini(&p, csv_field, csv_row, &cs);
	csv_free(&p);
	free(line); /* getline(3) allocates with malloc */
	return rc ? rc : cs.status;
}

static int
read_file(struct extract_symbols *l, const char *path)
{
	FILE *fp;
	int rc;

	if (strcmp(path, "-") == 0)
		return read_list(l, stdin, "<stdin>");
	if ((fp = fopen(path, "r")) == NULL) {
		mdx_log("error", "%s: %s", path, strerror(errno));
		return MDX_EXIT_NOINPUT;
	}
	rc = read_list(l, fp, path);
	fclose(fp);
	return rc;
}

struct ent {
	const char *s; /* borrowed: the symbol */
	size_t i;      /* its place in the list */
};

static int
by_name(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;
	int c = strcmp(x->s, y->s);

	return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* keep the first of each symbol, in the order given */
static int
dedupe(struct extract_symbols *l)
{
	struct ent *e;
	char *keep;
	size_t k = 0;

	if (l->n == 0)
		return 0;
	e = mdx_malloc(l->n * sizeof(*e));
	keep = mdx_calloc(l->n, 1);
	if (e == NULL || keep == NULL) {
		mdx_free(e);
		mdx_free(keep);
		return -1;
	}
	for (size_t i = 0; i < l->n; i++)
		e[i] = (struct ent){l->v[i], i};
	qsort(e, l->n, sizeof(*e), by_name);
	for (size_t i = 0; i < l->n; i++)
		if (i == 0 || strcmp(e[i].s, e[i - 1].s) != 0)
			keep[e[i].i] = 1;
	for (size_t i = 0; i < l->n; i++) {
		if (keep[i])
			l->v[k++] = l->v[i];
		else
			mdx_free(l->v[i]);
	}
	l->n = k;
	mdx_free(e);
	mdx_free(keep);
	return 0;
}

int
extract_symbols_load(struct extract_symbols *l, const struct extract_opts *o,
		     char **operands, int n)
{
	int rc = 0, stdin_used = 0;

	memset(l, 0, sizeof(*l));
	if (o->symbol != NULL)
		rc = add(l, o->symbol, "--symbol", 0);
	for (int i = 0; rc == 0 && i < n; i++) {
		if (strcmp(operands[i], "-") == 0) {
			if (!stdin_used++)
				rc = read_file(l, "-");
		} else {
			rc = add(l, operands[i], "symbol", 0);
		}
	}
	if (rc == 0 && o->symbols_file != NULL)
		rc = read_file(l, o->symbols_file);
	if (rc == 0 && dedupe(l) < 0) {
		mdx_log("error", "out of memory");
		rc = MDX_EXIT_SOFTWARE;
	}
	return rc;
}

int
extract_symbols_add(struct extract_symbols *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return 0;
	return add(l, s, "--since", 0);
}

void
extract_symbols_release(struct extract_symbols *l)
{
	for (size_t i = 0; i < l->n; i++)
		mdx_free(l->v[i]);
	mdx_free(l->v);
	memset(l, 0, sizeof(*l));
}
