/*
 * serve_analysis.c - the analysis endpoints: stats, returns, resample, the
 * index (list, performance, composition, changes, build, delete), the
 * calendar and the check, over the functions mdx-query's commands call
 * (lib/analysis.c, lib/check.c), rendered as mdx-query renders them.
 *
 * Query parameters take the values of mdx-query's options, spelled with
 * '_' for '-' (risk_free=4.5% is --risk-free 4.5%); a flag is on when
 * given bare, "1" or "true".  resample's interval is the interval to make
 * (mdx-query's --to 1wk) and source the one read (its --interval).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mdx_alloc.h"
#include "mdx_analysis.h"
#include "mdx_check.h"
#include "mdx_record.h"
#include "mdx_stats.h"
#include "mdx_time.h"
#include "mdx_adjust.h"
#include "serve_int.h"

/* ---- parameters ---- */

static int
flag(struct serve_req *r, const char *name, int *v)
{
	const char *s = serve_arg(r, name);

	if (s == NULL)
		return 0;
	if (s[0] == '\0' || strcmp(s, "1") == 0 || strcmp(s, "true") == 0)
		*v = 1;
	else if (strcmp(s, "0") == 0 || strcmp(s, "false") == 0)
		*v = 0;
	else
		return serve_fail(r, 400, "%s: '%.20s' is not true or false",
				  name, s);
	return 0;
}

static int
number(const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	return errno || end == s || *end != '\0' || !isfinite(*v) ? -1 : 0;
}

/* an annual rate, as mdx-query's --risk-free: 0.045 or 4.5% */
static int
rate(struct serve_req *r, const char *name, double *v)
{
	const char *s = serve_arg(r, name);
	char buf[64];
	size_t n;
	int pct;

	if (s == NULL)
		return 0;
	n = strlen(s);
	pct = n > 0 && s[n - 1] == '%';
	snprintf(buf, sizeof(buf), "%.*s", (int)(pct ? n - 1 : n), s);
	if (n >= sizeof(buf) || number(buf, v))
		return serve_fail(r, 400, "%s: '%.40s' is not a number", name,
				  s);
	if (pct)
		*v /= 100;
	else if (fabs(*v) >= 1)
		return serve_fail(r, 400,
				  "%s: %.40s is %g %% a year; give a fraction "
				  "(0.045) or a percentage (4.5%%)",
				  name, s, *v * 100);
	if (!(*v > -1))
		return serve_fail(r, 400, "%s: a rate must be above -100 %%",
				  name);
	return 0;
}

static int
period(struct serve_req *r, const char *name, int *v)
{
	const char *s = serve_arg(r, name);

	if (s != NULL && (*v = mdx_stats_period_parse(s)) < 0)
		return serve_fail(r, 400,
				  "%s: '%.20s' is not daily, weekly, monthly "
				  "or quarterly",
				  name, s);
	return 0;
}

static int
whole(struct serve_req *r, const char *name, long lo, long hi, long *v)
{
	const char *s = serve_arg(r, name);

	if (s != NULL && serve_parse_long(s, lo, hi, v))
		return serve_fail(r, 400,
				  "%s: '%.20s' is not a whole number from %ld "
				  "to %ld",
				  name, s, lo, hi);
	return 0;
}

/* from= and to= only */
static int
range(struct serve_req *r, struct mdx_query *q)
{
	return serve_q_range(r, q);
}

/* ---- the calls ---- */

typedef int (*analysis_fn)(struct mdx_store *, const struct mdx_query *,
			   const struct mdx_analysis_opts *, struct mdx_sink *,
			   struct mdx_err *);

struct acall {
	analysis_fn fn;			   /* lib/analysis.c */
	const struct mdx_analysis_opts *o; /* its options */
};

static int
acall_fn(struct mdx_store *s, const struct mdx_query *q, void *arg,
	 struct mdx_sink *k, struct mdx_err *e)
{
	struct acall *a = arg;

	return a->fn(s, q, a->o, k, e);
}

/* fn over the symbol of the path, with o */
static int
of_symbol(struct serve_req *r, analysis_fn fn, struct mdx_query *q,
	  const struct mdx_analysis_opts *o)
{
	struct acall a = {fn, o};

	q->symbols = &r->var[0];
	q->nsymbols = 1;
	return serve_rows_on(r, NULL, acall_fn, q, &a, 0);
}

int
serve_a_stats(struct serve_req *r)
{
	struct mdx_analysis_opts o;
	struct mdx_query q;

	mdx_query_init(&q);
	mdx_analysis_opts_init(&o);
	if (serve_symbol_var(r, r->var[0]) || range(r, &q) ||
	    rate(r, "risk_free", &o.rf) ||
	    serve_q_adjust(r, &q, MDX_ADJUST_TOTAL))
		return -1;
	return of_symbol(r, mdx_analysis_stats, &q, &o);
}

int
serve_a_returns(struct serve_req *r)
{
	struct mdx_analysis_opts o;
	struct mdx_query q;

	mdx_query_init(&q);
	mdx_analysis_opts_init(&o);
	if (serve_symbol_var(r, r->var[0]) || range(r, &q) ||
	    period(r, "period", &o.period) || flag(r, "log", &o.logret) ||
	    serve_q_adjust(r, &q, MDX_ADJUST_TOTAL))
		return -1;
	return of_symbol(r, mdx_analysis_returns, &q, &o);
}

int
serve_a_resample(struct serve_req *r)
{
	const char *to = serve_arg(r, "interval"),
		   *src = serve_arg(r, "source");
	struct mdx_analysis_opts o;
	struct mdx_query q;
	int regular = 0, at_open = 0;

	mdx_query_init(&q);
	mdx_analysis_opts_init(&o);
	if (serve_symbol_var(r, r->var[0]) || range(r, &q) ||
	    flag(r, "regular", &regular) || flag(r, "at_open", &at_open) ||
	    serve_q_adjust(r, &q, MDX_ADJUST_NONE))
		return -1;
	if (to == NULL)
		return serve_fail(r, 400,
				  "interval: the interval to make is needed "
				  "(1wk, 1mo, 1d, 1h ...)");
	if ((o.interval = mdx_interval_parse(to)) < 0)
		return serve_fail(r, 400,
				  "interval: '%.20s' is not an interval", to);
	if (src != NULL && (q.interval = mdx_interval_parse(src)) < 0)
		return serve_fail(r, 400, "source: '%.20s' is not an interval",
				  src);
	o.resample |= (regular ? MDX_STATS_REGULAR : 0) |
		      (at_open ? MDX_STATS_AT_OPEN : 0);
	return of_symbol(r, mdx_analysis_resample, &q, &o);
}

/* the index name of the path into o */
static int
index_name(struct serve_req *r, struct mdx_analysis_opts *o)
{
	if (!mdx_analysis_index_name_valid(r->var[0]))
		return serve_fail(r, 400,
				  "invalid index name '%.40s' (letters, digits "
				  "and . - _, at most %d)",
				  r->var[0], MDX_INDEX_NAME_MAX);
	o->index = r->var[0];
	return 0;
}

/* fn of the index, with o; an unknown index is 404 */
static int
of_index(struct serve_req *r, analysis_fn fn, const struct mdx_query *q,
	 const struct mdx_analysis_opts *o)
{
	struct acall a = {fn, o};

	return serve_rows_on(r, NULL, acall_fn, q, &a, SERVE_MISS_ANY);
}

int
serve_a_index_list(struct serve_req *r)
{
	struct mdx_analysis_opts o;
	struct mdx_query q;

	mdx_query_init(&q);
	mdx_analysis_opts_init(&o);
	return of_index(r, mdx_analysis_index_list, &q, &o);
}

int
serve_a_index_performance(struct serve_req *r)
{
	struct mdx_analysis_opts o;
	struct mdx_query q;

	mdx_query_init(&q);
	mdx_analysis_opts_init(&o);
	if (index_name(r, &o) || range(r, &q) ||
	    flag(r, "summary", &o.summary) || rate(r, "risk_free", &o.rf))
		return -1;
	return of_index(r, mdx_analysis_index_performance, &q, &o);
}

int
serve_a_index_composition(struct serve_req *r)
{
	const char *d = serve_arg(r, "date");
	struct mdx_analysis_opts o;
	struct mdx_query q;

	mdx_query_init(&q);
	mdx_analysis_opts_init(&o);
	if (index_name(r, &o))
		return -1;
	if (d != NULL && mdx_date_parse(d, &o.date, NULL))
		return serve_fail(
			r, 400, "date: '%.40s' is not a date (YYYY-MM-DD)", d);
	return of_index(r, mdx_analysis_index_composition, &q, &o);
}

int
serve_a_index_changes(struct serve_req *r)
{
	struct mdx_analysis_opts o;
	struct mdx_query q;

	mdx_query_init(&q);
	mdx_analysis_opts_init(&o);
	if (index_name(r, &o) || range(r, &q))
		return -1;
	return of_index(r, mdx_analysis_index_changes, &q, &o);
}

int
serve_a_index_build(struct serve_req *r)
{
	struct serve *srv = r->srv;
	struct mdx_analysis_opts o;
	struct acall a = {mdx_analysis_index_build, &o};
	struct mdx_store *ws;
	struct mdx_query q;
	struct mdx_err e;
	const char *b = serve_arg(r, "base");
	long top = 0;
	int rc;

	mdx_query_init(&q);
	mdx_analysis_opts_init(&o);
	mdx_err_clear(&e);
	if (index_name(r, &o) || range(r, &q) ||
	    whole(r, "top", 1, 100000, &top) ||
	    period(r, "rebalance", &o.rebalance) ||
	    flag(r, "backfill", &o.backfill) ||
	    serve_q_adjust(r, &q, MDX_ADJUST_SPLIT))
		return -1;
	if (top == 0)
		return serve_fail(r, 400, "top: the index size is needed");
	o.top = (size_t)top;
	if (b != NULL && (number(b, &o.base) || !(o.base > 0)))
		return serve_fail(r, 400, "base: '%.40s' is not a number > 0",
				  b);
	pthread_mutex_lock(&srv->wmu);
	if ((ws = serve_writer(srv, &e)) == NULL) {
		pthread_mutex_unlock(&srv->wmu);
		return serve_fail_err(r, &e);
	}
	rc = serve_rows_on(r, ws, acall_fn, &q, &a, SERVE_MISS_ANY);
	pthread_mutex_unlock(&srv->wmu);
	atomic_fetch_add(&srv->gen, 1); /* cached answers are old */
	return rc;
}

int
serve_a_index_delete(struct serve_req *r)
{
	struct serve *srv = r->srv;
	struct mdx_analysis_opts o;
	struct mdx_store *ws;
	struct mdx_err e;
	int rc = -1;

	mdx_analysis_opts_init(&o);
	mdx_err_clear(&e);
	if (index_name(r, &o))
		return -1;
	pthread_mutex_lock(&srv->wmu);
	if ((ws = serve_writer(srv, &e)) != NULL)
		rc = mdx_analysis_index_delete(ws, o.index, &e);
	pthread_mutex_unlock(&srv->wmu);
	if (rc < 0)
		return serve_fail_err(r, &e);
	if (rc == 0)
		return serve_fail(r, 404, "index '%s' not in the store",
				  o.index);
	atomic_fetch_add(&srv->gen, 1);
	if ((r->doc = serve_doc_new(204, SF_NONE)) == NULL)
		return serve_fail(r, 500, "out of memory");
	return 0;
}

/* ---- calendar and check ---- */

struct cal_call {
	int32_t from, to; /* the range */
	unsigned flags;	  /* enum mdx_check_cal_flags */
};

static int
cal_fn(struct mdx_store *s, const struct mdx_query *q, void *arg,
       struct mdx_sink *k, struct mdx_err *e)
{
	struct cal_call *c = arg;

	(void)s;
	(void)q;
	return mdx_check_calendar(c->from, c->to, c->flags, k, e) < 0 ? -1 : 0;
}

int
serve_a_calendar(struct serve_req *r)
{
	struct cal_call c = {0, 0, 0};
	struct mdx_query q;
	struct mdx_err e;
	int all = 0;

	mdx_query_init(&q);
	mdx_err_clear(&e);
	if (range(r, &q) || flag(r, "all", &all))
		return -1;
	if (mdx_check_calendar_range(&q, 0, &c.from, &c.to, &e))
		return serve_fail_err(r, &e);
	c.flags = all ? MDX_CHECK_CAL_ALL : 0;
	return serve_rows_on(r, NULL, cal_fn, &q, &c, 0);
}

struct check_call {
	struct mdx_check_opts o;   /* options */
	struct mdx_check_counts n; /* what was found */
};

static int
check_fn(struct mdx_store *s, const struct mdx_query *q, void *arg,
	 struct mdx_sink *k, struct mdx_err *e)
{
	struct check_call *c = arg;

	return mdx_check_report(s, q, &c->o, k, &c->n, e);
}

/* a set of kinds from name= into *set */
static int
kinds(struct serve_req *r, const char *name, unsigned *set)
{
	const char *s = serve_arg(r, name);
	struct mdx_err e;

	mdx_err_clear(&e);
	if (s != NULL && mdx_check_kinds_parse(s, set, &e))
		return serve_fail(r, 400, "%s: %s", name, e.text);
	return 0;
}

int
serve_a_check(struct serve_req *r)
{
	struct check_call c;
	struct mdx_query q;
	const char **names = NULL, *s;
	char *buf = NULL;
	long stale = -1, zv = -1;
	int ret = -1;

	mdx_query_init(&q);
	mdx_check_opts_init(&c.o);
	memset(&c.n, 0, sizeof(c.n));
	if (range(r, &q) || serve_q_symbol_list(r, &q, &buf, &names) ||
	    kinds(r, "kinds", &c.o.kinds) ||
	    kinds(r, "fail_on", &c.o.fail_on) ||
	    whole(r, "stale", 0, 1000000, &stale) ||
	    whole(r, "zero_volume", 1, 1000000, &zv))
		goto out;
	if (stale >= 0)
		c.o.stale = (int)stale;
	if (zv >= 0)
		c.o.zero_volume = (int)zv;
	if ((s = serve_arg(r, "outlier")) != NULL &&
	    (number(s, &c.o.outlier) || !(c.o.outlier > 0))) {
		serve_fail(r, 400, "outlier: '%.40s' is not a number > 0", s);
		goto out;
	}
	if ((s = serve_arg(r, "as_of")) != NULL) {
		struct mdx_err e;

		mdx_err_clear(&e);
		if (mdx_check_date_parse(s, 0, &c.o.as_of, &e)) {
			serve_fail(r, 400, "as_of: %s", e.text);
			goto out;
		}
		c.o.has_as_of = 1;
		if (strcmp(s, "today") == 0)
			r->nocache = 1; /* tomorrow says otherwise */
	}
	if ((ret = serve_rows_on(r, NULL, check_fn, &q, &c, 0)) == 0)
		r->doc->check_failed = mdx_check_failed(&c.o, &c.n);
out:
	mdx_free(names);
	mdx_free(buf);
	return ret;
}
