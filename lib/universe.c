/*
 * universe.c - index membership intervals from a CSV file
 * (mdx_universe.h), read with libcsv.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "mdx_alloc.h"
#include "mdx_time.h"
#include "mdx_universe.h"

enum { C_SYMBOL, C_START, C_END, C_N };

/* the parsing state */
struct rd {
	struct mdx_universe *u;
	size_t cap;
	int col[C_N]; /* field number of each column, -1: none */
	char cell[C_N][64];
	int nf; /* fields of the current row so far */
	long line, rows;
	int failed;
	struct mdx_err *e;
};

static int
column_of(const char *name)
{
	if (strcmp(name, "ticker") == 0 || strcmp(name, "symbol") == 0 ||
	    strcmp(name, "Symbol") == 0)
		return C_SYMBOL;
	if (strcmp(name, "start_date") == 0)
		return C_START;
	if (strcmp(name, "end_date") == 0)
		return C_END;
	return -1;
}

static void
on_field(void *data, size_t len, void *priv)
{
	struct rd *r = priv;
	const char *s = data ? (const char *)data : "";
	int c = -1;

	if (r->failed)
		return;
	if (r->rows == 0) { /* the header */
		char name[64];

		snprintf(name, sizeof(name), "%.*s", (int)(len < 63 ? len : 63),
			 s);
		if ((c = column_of(name)) >= 0 && r->col[c] < 0)
			r->col[c] = r->nf;
	} else {
		for (c = 0; c < C_N; c++)
			if (r->col[c] == r->nf)
				break;
		if (c < C_N) {
			if (len >= sizeof(r->cell[c])) {
				mdx_err_set(r->e, MDX_EINPUT,
					    "field %d: too long", r->nf + 1);
				r->failed = 1;
				r->e->line = r->line;
				return;
			}
			memcpy(r->cell[c], s, len);
			r->cell[c][len] = '\0';
		}
	}
	r->nf++;
}

static int
add(struct rd *r)
{
	struct mdx_universe_interval *iv;
	struct mdx_err *e = r->e;

	if (!mdx_symbol_valid(r->cell[C_SYMBOL]))
		return mdx_err_field(e, MDX_EINPUT, "ticker",
				     "invalid symbol '%.40s'",
				     r->cell[C_SYMBOL]);
	if (r->u->n == r->cap) {
		size_t nc = r->cap ? r->cap * 2 : 256;

		iv = mdx_realloc(r->u->iv, nc * sizeof(*iv));
		if (iv == NULL)
			return mdx_err_set(e, MDX_ENOMEM, "out of memory");
		r->u->iv = iv;
		r->cap = nc;
	}
	iv = &r->u->iv[r->u->n];
	snprintf(iv->symbol, sizeof(iv->symbol), "%.32s", r->cell[C_SYMBOL]);
	if (mdx_date_parse(r->cell[C_START], &iv->start, e))
		return mdx_err_field(e, MDX_EINPUT, "start_date",
				     "'%.20s' is not a date (YYYY-MM-DD)",
				     r->cell[C_START]);
	iv->end = INT32_MAX;
	if (r->cell[C_END][0] != '\0' &&
	    mdx_date_parse(r->cell[C_END], &iv->end, e))
		return mdx_err_field(e, MDX_EINPUT, "end_date",
				     "'%.20s' is not a date (YYYY-MM-DD)",
				     r->cell[C_END]);
	if (iv->end <= iv->start)
		return mdx_err_field(e, MDX_EINPUT, "end_date",
				     "%s: end_date is not after start_date",
				     iv->symbol);
	r->u->n++;
	return 0;
}

static void
on_row(int term, void *priv)
{
	struct rd *r = priv;

	(void)term;
	if (r->failed) {
		r->nf = 0;
		return;
	}
	if (r->rows++ == 0) {
		for (int c = 0; c < C_N; c++)
			if (r->col[c] < 0) {
				mdx_err_set(r->e, MDX_EINPUT,
					    "the header names no %s column "
					    "(ticker,start_date,end_date)",
					    c == C_SYMBOL  ? "ticker"
					    : c == C_START ? "start_date"
							   : "end_date");
				goto bad;
			}
	} else if (add(r)) {
		goto bad;
	}
	memset(r->cell, 0, sizeof(r->cell));
	r->nf = 0;
	return;
bad:
	r->failed = 1;
	r->e->line = r->line;
	r->nf = 0;
}

static int
iv_cmp(const void *a, const void *b)
{
	const struct mdx_universe_interval *x = a, *y = b;
	int c = strcmp(x->symbol, y->symbol);

	if (c != 0)
		return c;
	return (x->start > y->start) - (x->start < y->start);
}

int
mdx_universe_read(const char *path, struct mdx_universe *u, struct mdx_err *e)
{
	struct rd r;
	struct csv_parser cp;
	FILE *fp;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	memset(u, 0, sizeof(*u));
	memset(&r, 0, sizeof(r));
	r.u = u;
	r.e = e;
	for (int c = 0; c < C_N; c++)
		r.col[c] = -1;
	if ((fp = fopen(path, "r")) == NULL) {
		mdx_err_set(e, MDX_EIO, "%s", strerror(errno));
		mdx_err_where(e, path, 0);
		return -1;
	}
	if (csv_init(&cp, CSV_APPEND_NULL) != 0) {
		fclose(fp);
		return mdx_err_set(e, MDX_ENOMEM, "out of memory");
	}
	while (!r.failed && (n = getline(&line, &cap, fp)) > 0) {
		r.line++;
		if (csv_parse(&cp, line, (size_t)n, on_field, on_row, &r) !=
		    (size_t)n) {
			mdx_err_set(e, MDX_EINPUT, "%s",
				    csv_strerror(csv_error(&cp)));
			e->line = r.line;
			r.failed = 1;
		}
	}
	if (!r.failed)
		csv_fini(&cp, on_field, on_row, &r);
	csv_free(&cp);
	if (!r.failed && ferror(fp)) {
		mdx_err_set(e, MDX_EIO, "read error");
		r.failed = 1;
	}
	free(line);
	fclose(fp);
	if (!r.failed && u->n == 0) {
		mdx_err_set(e, MDX_EINPUT,
			    "no membership interval (ticker,start_date,"
			    "end_date rows)");
		r.failed = 1;
	}
	if (r.failed) {
		snprintf(e->file, sizeof(e->file), "%s", path);
		mdx_universe_release(u);
		return -1;
	}
	qsort(u->iv, u->n, sizeof(*u->iv), iv_cmp);
	return 0;
}

long
mdx_universe_find(const struct mdx_universe *u, const char *symbol)
{
	size_t lo = 0, hi = u->n;

	while (lo < hi) { /* the first interval not before symbol */
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(u->iv[mid].symbol, symbol) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < u->n && strcmp(u->iv[lo].symbol, symbol) == 0)
		return (long)lo;
	return -1;
}

int
mdx_universe_member(const struct mdx_universe *u, const char *symbol,
		    int32_t day)
{
	long i = mdx_universe_find(u, symbol);

	if (i < 0)
		return 0;
	for (size_t j = (size_t)i;
	     j < u->n && strcmp(u->iv[j].symbol, symbol) == 0; j++)
		if (u->iv[j].start <= day && day < u->iv[j].end)
			return 1;
	return 0;
}

void
mdx_universe_release(struct mdx_universe *u)
{
	if (u == NULL)
		return;
	mdx_free(u->iv);
	memset(u, 0, sizeof(*u));
}
