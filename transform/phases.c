/*
 * phases.c - mdx-transform --phases FILE: custom market-phase labels.
 *
 * The file is CSV (read with libcsv): start,end,phase, with an optional
 * header row of those names.  start and end are dates (YYYY-MM-DD: the
 * bar's trading date must lie between them, both included) or RFC 3339
 * instants (the bar's ts must satisfy start <= ts < end).  The first row
 * that contains a bar gives its label.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "mdx_alloc.h"
#include "mdx_time.h"
#include "transform_int.h"

struct phase {
	int by_date;	    /* 1: dates, 0: instants */
	int64_t start, end; /* days or epoch ms */
	char label[64];
};

struct phases {
	struct phase *v;
	size_t n, cap;
	/* parsing state */
	char cells[3][128];
	int ncells;
	long line;
	int rows;
	struct mdx_err *e;
	int failed;
};

static void
on_field(void *data, size_t len, void *priv)
{
	struct phases *p = priv;

	if (p->ncells < 3)
		snprintf(p->cells[p->ncells], sizeof(p->cells[0]), "%.*s",
			 (int)(len < 127 ? len : 127),
			 data ? (const char *)data : "");
	p->ncells++;
}

static int
parse_end(const char *s, int *by_date, int64_t *v, struct mdx_err *e)
{
	int32_t day;

	if (strlen(s) == 10) {
		if (mdx_date_parse(s, &day, e))
			return -1;
		*by_date = 1;
		*v = day;
		return 0;
	}
	*by_date = 0;
	return mdx_rfc3339_parse(s, v, e);
}

static void
on_row(int term, void *priv)
{
	struct phases *p = priv;
	struct phase ph;
	int bd1, bd2;

	(void)term;
	if (p->failed) {
		p->ncells = 0;
		return;
	}
	if (p->ncells == 1 && p->cells[0][0] == '\0') {
		p->ncells = 0;
		return;
	}
	p->rows++;
	if (p->rows == 1 && strcmp(p->cells[0], "start") == 0) {
		p->ncells = 0; /* the header */
		return;
	}
	if (p->ncells != 3) {
		mdx_err_set(p->e, MDX_EINPUT,
			    "expected 3 fields (start,end,phase), got %d",
			    p->ncells);
		goto bad;
	}
	memset(&ph, 0, sizeof(ph));
	if (parse_end(p->cells[0], &bd1, &ph.start, p->e) ||
	    parse_end(p->cells[1], &bd2, &ph.end, p->e)) {
		snprintf(p->e->field, sizeof(p->e->field), "start/end");
		goto bad;
	}
	if (bd1 != bd2) {
		mdx_err_set(
			p->e, MDX_EINPUT,
			"start and end must both be dates or both instants");
		goto bad;
	}
	if (ph.end < ph.start) {
		mdx_err_set(p->e, MDX_EINPUT, "end is before start");
		goto bad;
	}
	if (p->cells[2][0] == '\0' || strlen(p->cells[2]) >= sizeof(ph.label)) {
		mdx_err_field(p->e, MDX_EINPUT, "phase",
			      "a label is 1 to %zu bytes",
			      sizeof(ph.label) - 1);
		goto bad;
	}
	ph.by_date = bd1;
	snprintf(ph.label, sizeof(ph.label), "%.63s", p->cells[2]);
	if (p->n == p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 16;
		struct phase *nv = mdx_realloc(p->v, ncap * sizeof(*nv));

		if (nv == NULL) {
			mdx_err_set(p->e, MDX_ENOMEM, "out of memory");
			goto bad;
		}
		p->v = nv;
		p->cap = ncap;
	}
	p->v[p->n++] = ph;
	p->ncells = 0;
	return;
bad:
	p->failed = 1;
	p->e->line = p->line;
	p->ncells = 0;
}

struct phases *
phases_load(const char *path, struct mdx_err *e)
{
	struct phases *p = mdx_calloc(1, sizeof(*p));
	struct csv_parser cp;
	FILE *fp = NULL;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int ok = 0;

	if (p == NULL) {
		mdx_err_set(e, MDX_ENOMEM, "out of memory");
		return NULL;
	}
	p->e = e;
	if ((fp = fopen(path, "r")) == NULL) {
		mdx_err_set(e, MDX_EIO, "%s", strerror(errno));
		mdx_err_where(e, path, 0);
		mdx_free(p);
		return NULL;
	}
	if (csv_init(&cp, CSV_APPEND_NULL) != 0) {
		mdx_err_set(e, MDX_ENOMEM, "out of memory");
		goto out;
	}
	while ((n = getline(&line, &cap, fp)) > 0 && !p->failed) {
		p->line++;
		if (csv_parse(&cp, line, (size_t)n, on_field, on_row, p) !=
		    (size_t)n) {
			mdx_err_set(e, MDX_EINPUT, "%s",
				    csv_strerror(csv_error(&cp)));
			e->line = p->line;
			p->failed = 1;
		}
	}
	if (!p->failed)
		csv_fini(&cp, on_field, on_row, p);
	csv_free(&cp);
	ok = !p->failed && !ferror(fp);
	if (!p->failed && ferror(fp))
		mdx_err_set(e, MDX_EIO, "read error");
out:
	free(line);
	fclose(fp);
	if (!ok) {
		snprintf(e->file, sizeof(e->file), "%s", path);
		phases_free(p);
		return NULL;
	}
	return p;
}

const char *
phases_label(const struct phases *p, const struct mdx_bar *b)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct phase *ph = &p->v[i];

		if (ph->by_date ? (b->date >= ph->start && b->date <= ph->end)
				: (b->ts >= ph->start && b->ts < ph->end))
			return ph->label;
	}
	return NULL;
}

void
phases_free(struct phases *p)
{
	if (p == NULL)
		return;
	mdx_free(p->v);
	mdx_free(p);
}
