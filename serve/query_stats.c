/*
 * query_stats.c - the stats command of mdx-query, and what the analysis
 * commands share: their options and, for a table on a terminal, stats
 * turned on its side (a row per figure, a column per symbol).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mdx_alloc.h"
#include "mdx_chart.h"
#include "mdx_cli.h"
#include "mdx_record.h"
#include "mdx_stats.h"
#include "mdx_time.h"
#include "query_analysis_int.h"

FILE *query_out;
int query_format = -1;

struct mdx_analysis_opts *
query_aopts(void)
{
	static struct mdx_analysis_opts o;
	static int ready;

	if (!ready) {
		mdx_analysis_opts_init(&o);
		ready = 1;
	}
	return &o;
}

/* a number from arg: 0, or -1 with e set */
static int
number(const char *arg, double *v, struct mdx_err *e)
{
	char *end;

	errno = 0;
	*v = strtod(arg, &end);
	if (errno || end == arg || *end != '\0' || !isfinite(*v))
		return mdx_err_set(e, MDX_EUSAGE, "'%s' is not a number", arg);
	return 0;
}

static int
integer(const char *arg, long lo, long hi, long *v, struct mdx_err *e)
{
	char *end;

	errno = 0;
	*v = strtol(arg, &end, 10);
	if (errno || end == arg || *end != '\0' || *v < lo || *v > hi)
		return mdx_err_set(e, MDX_EUSAGE,
				   "'%s' is not a whole number from %ld to %ld",
				   arg, lo, hi);
	return 0;
}

/* an annual rate: a fraction (0.045) or a percentage (4.5%) */
static int
rate(const char *arg, double *v, struct mdx_err *e)
{
	char buf[64];
	size_t n = strlen(arg);
	int pct = n > 0 && arg[n - 1] == '%';

	snprintf(buf, sizeof(buf), "%.*s", (int)(pct ? n - 1 : n), arg);
	if (number(buf, v, e))
		return -1;
	if (pct)
		*v /= 100;
	else if (fabs(*v) >= 1)
		return mdx_err_set(e, MDX_EUSAGE,
				   "%s is %g %% a year; give a fraction "
				   "(0.045) or a percentage (4.5%%)",
				   arg, *v * 100);
	if (!(*v > -1))
		return mdx_err_set(e, MDX_EUSAGE,
				   "a rate must be above -100 %%");
	return 0;
}

static int
period(const char *arg, int *v, struct mdx_err *e)
{
	if ((*v = mdx_stats_period_parse(arg)) < 0)
		return mdx_err_set(e, MDX_EUSAGE,
				   "'%s' is not daily, weekly, monthly or "
				   "quarterly",
				   arg);
	return 0;
}

int
query_analysis_option(const char *name, const char *arg, struct mdx_err *e)
{
	struct mdx_analysis_opts *o = query_aopts();
	double d;
	long l;

	if (strcmp(name, "--risk-free") == 0)
		return rate(arg, &o->rf, e);
	if (strcmp(name, "--period") == 0)
		return period(arg, &o->period, e);
	if (strcmp(name, "--rebalance") == 0)
		return period(arg, &o->rebalance, e);
	if (strcmp(name, "--log") == 0)
		o->logret = 1;
	else if (strcmp(name, "--wide") == 0)
		o->wide = 1;
	else if (strcmp(name, "--regular") == 0)
		o->resample |= MDX_STATS_REGULAR;
	else if (strcmp(name, "--at-open") == 0)
		o->resample |= MDX_STATS_AT_OPEN;
	else if (strcmp(name, "--summary") == 0)
		o->summary = 1;
	else if (strcmp(name, "--index") == 0)
		o->of_index = 1;
	else if (strcmp(name, "--to") == 0) {
		if ((o->interval = mdx_interval_parse(arg)) < 0)
			return mdx_err_set(e, MDX_EUSAGE,
					   "'%s' is not an interval", arg);
	} else if (strcmp(name, "--top") == 0) {
		if (integer(arg, 1, 100000, &l, e))
			return -1;
		o->top = (size_t)l;
	} else if (strcmp(name, "--base") == 0) {
		if (number(arg, &d, e))
			return -1;
		if (!(d > 0))
			return mdx_err_set(e, MDX_EUSAGE,
					   "'%s' is not a number > 0", arg);
		o->base = d;
	} else if (strcmp(name, "--date") == 0) {
		if (mdx_date_parse(arg, &o->date, e))
			return mdx_err_set(e, MDX_EUSAGE,
					   "'%s' is not a date (YYYY-MM-DD)",
					   arg);
	} else if (strcmp(name, "--type") == 0) {
		if ((o->chart_type = mdx_chart_type_parse(arg)) < 0)
			return mdx_err_set(e, MDX_EUSAGE,
					   "'%s' is not line or candle", arg);
	} else if (strcmp(name, "--width") == 0 ||
		   strcmp(name, "--height") == 0) {
		if (integer(arg, 1, 100000, &l, e))
			return -1;
		*(name[2] == 'w' ? &o->width : &o->height) = (int)l;
	} else {
		return mdx_err_set(e, MDX_EUSAGE, "unknown option '%s'", name);
	}
	return 0;
}

int
query_symbol_args(struct query_ctx *c)
{
	for (int i = 0; i < c->argc; i++)
		if (!mdx_symbol_valid(c->argv[i]))
			return mdx_err_set(&c->e, MDX_EUSAGE,
					   "invalid symbol '%.40s' (letters, "
					   "digits and . - _ ^ = : /, at most "
					   "%d)",
					   c->argv[i], MDX_SYMBOL_MAX);
	c->q.symbols = (const char *const *)c->argv;
	c->q.nsymbols = (size_t)c->argc;
	return 0;
}

/*
 * A sink that keeps the rows and sends them on their side when flushed:
 * a "figure" column, then one column per row named by the row's first
 * value (the symbol), one row per figure.  For tables only: a column per
 * symbol reads better than eighteen columns of numbers.
 */
struct side {
	struct mdx_sink *down; /* where the turned rows go */
	json_t *cols;	       /* names */
	json_t *rows;	       /* rows kept */
};

static int
side_columns(void *ctx, const char *const *names, size_t n, struct mdx_err *e)
{
	struct side *s = ctx;

	for (size_t i = 0; i < n; i++)
		if (json_array_append_new(s->cols, json_string(names[i])))
			return mdx_err_set(e, MDX_ENOMEM, "out of memory");
	return 0;
}

static int
side_row(void *ctx, const json_t *row, struct mdx_err *e)
{
	struct side *s = ctx;

	if (json_array_append(s->rows, (json_t *)row))
		return mdx_err_set(e, MDX_ENOMEM, "out of memory");
	return 0;
}

static void
side_miss(void *ctx, const struct mdx_err *e)
{
	struct side *s = ctx;

	if (s->down->miss != NULL)
		s->down->miss(s->down->ctx, e);
}

static int
side_flush(struct side *s, struct mdx_err *e)
{
	size_t nr = json_array_size(s->rows), nc = json_array_size(s->cols);
	const char **names = mdx_calloc(nr + 1, sizeof(*names));
	const char *key = json_string_value(json_array_get(s->cols, 0));
	int ret = -1;

	if (names == NULL || key == NULL)
		return mdx_err_set(e, MDX_ENOMEM, "out of memory");
	names[0] = "figure";
	for (size_t r = 0; r < nr; r++)
		names[r + 1] = json_string_value(
			json_object_get(json_array_get(s->rows, r), key));
	if (s->down->columns(s->down->ctx, names, nr + 1, e))
		goto out;
	for (size_t i = 1; i < nc && nr > 0; i++) {
		const char *fig = json_string_value(json_array_get(s->cols, i));
		json_t *row = json_object();
		int rc = row == NULL;

		if (!rc)
			rc = json_object_set_new(row, "figure",
						 json_string(fig));
		for (size_t r = 0; r < nr && !rc; r++) {
			json_t *v = json_object_get(json_array_get(s->rows, r),
						    fig);

			rc = json_object_set(row, names[r + 1],
					     v ? v : json_null());
		}
		if (rc) {
			json_decref(row);
			mdx_err_set(e, MDX_ENOMEM, "out of memory");
			goto out;
		}
		rc = s->down->row(s->down->ctx, row, e);
		json_decref(row);
		if (rc)
			goto out;
	}
	ret = 0;
out:
	mdx_free(names);
	return ret;
}

int
query_sideways(struct query_ctx *c,
	       int (*fn)(struct mdx_store *, const struct mdx_query *,
			 const struct mdx_analysis_opts *, struct mdx_sink *,
			 struct mdx_err *))
{
	struct side s = {c->k, json_array(), json_array()};
	struct mdx_sink k = {side_columns, side_row, side_miss, &s};
	int rc;

	if (query_format != MDX_FMT_TABLE) {
		json_decref(s.cols);
		json_decref(s.rows);
		return fn(c->s, &c->q, query_aopts(), c->k, &c->e);
	}
	if (s.cols == NULL || s.rows == NULL)
		rc = mdx_err_set(&c->e, MDX_ENOMEM, "out of memory");
	else if ((rc = fn(c->s, &c->q, query_aopts(), &k, &c->e)) >= 0 &&
		 side_flush(&s, &c->e))
		rc = -1;
	json_decref(s.cols);
	json_decref(s.rows);
	return rc;
}

int
query_stats(struct query_ctx *c)
{
	if (query_symbol_args(c))
		return -1;
	return query_sideways(c, mdx_analysis_stats);
}
