/*
 * serve_query.c - the read endpoints: the query core of lib/store.c
 * (mdx_store_bars, _latest, _symbols, _runs) with its rows rendered by
 * lib/output.c, the writer mdx-query uses, so that a body is byte for byte
 * what mdx-query prints for the same question.
 *
 * Each worker thread has its own read-only connection (WAL: the loader
 * never blocks it), opened on first use and closed when the thread ends;
 * a progress handler stops a query that runs past --query-timeout.
 *
 * Bars come a page at a time.  A page is the first `limit` rows of the
 * answer after the cursor; the cursor names the last row sent (interval,
 * ts, date) and is MACed together with the question (symbol, interval,
 * from, to), so it can neither be forged nor used for another question.
 * The next page asks the same core for the rows of that interval from
 * that row's trading date on, skips the rows of that date up to that ts
 * (at most one session's bars), then goes on with the later intervals:
 * keyset pagination over the primary key (symbol, interval, ts), with the
 * query core unchanged.  A bar loaded between two pages either comes in a
 * later page or, if it sorts before the cursor, not at all; no row is
 * sent twice.
 */
#include <limits.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>

#include "mdx_alloc.h"
#include "mdx_output.h"
#include "mdx_record.h"
#include "mdx_serve_store.h"
#include "mdx_time.h"
#include "mdx_adjust.h"
#include "serve_int.h"

/* ---- readers ---- */

static int
progress(void *arg)
{
	struct serve_reader *rd = arg;

	if (rd->deadline != 0 && mdx_mono_ms() > rd->deadline) {
		rd->timed_out = 1;
		return 1; /* SQLITE_INTERRUPT */
	}
	return 0;
}

struct serve_reader *
serve_reader_get(struct serve *srv, struct mdx_err *e)
{
	struct serve_reader *rd = pthread_getspecific(srv->reader_key);

	if (rd != NULL)
		return rd;
	if ((rd = mdx_calloc(1, sizeof(*rd))) == NULL) {
		mdx_err_set(e, MDX_ENOMEM, "out of memory");
		return NULL;
	}
	if ((rd->s = mdx_store_open(srv->c.db, MDX_STORE_READONLY, e)) ==
	    NULL) {
		/* the file went away or broke since the start: try later */
		e->code = MDX_ETEMP;
		mdx_free(rd);
		return NULL;
	}
	sqlite3_progress_handler(mdx_store_db(rd->s), 1000, progress, rd);
	pthread_setspecific(srv->reader_key, rd);
	return rd;
}

void
serve_reader_free(void *p)
{
	struct serve_reader *rd = p;

	if (rd == NULL)
		return;
	sqlite3_finalize(rd->dv);
	mdx_store_close(rd->s);
	mdx_free(rd);
}

uint64_t
serve_generation(struct serve *srv, struct serve_reader *rd)
{
	struct mdx_err e;
	int64_t v;

	if (mdx_serve_store_data_version(rd->s, &rd->dv, &v, &e))
		return 0;
	/* a thread's first look counts as a change too: what other threads
	 * cached may predate a commit this connection never saw */
	if (!rd->dv_seen || v != rd->dv_last) {
		rd->dv_seen = 1;
		rd->dv_last = v;
		return atomic_fetch_add(&srv->gen, 1) + 1;
	}
	return atomic_load(&srv->gen);
}

/* ---- rendering ---- */

/* rows from the query core to the writer, a page at a time */
struct render {
	struct serve_req *r;	      /* the request */
	FILE *fp;		      /* open_memstream of buf */
	char *buf;		      /* the rendered rows */
	size_t len;		      /* their length */
	struct mdx_output *w;	      /* lib/output.c's writer */
	struct mdx_sink inner;	      /* its sink */
	struct mdx_sink k;	      /* ours, given to the query core */
	int have_cols;		      /* columns went to the writer */
	long page;		      /* rows a page; 0 all */
	long rows;		      /* rows written */
	int more;		      /* a row past the page exists */
	int skip;		      /* skipping rows up to the cursor */
	char skip_date[MDX_DATE_LEN]; /* ... of this date */
	int64_t skip_ts;	      /* ... with ts <= this */
	int only_ts;		      /* keep only the bar at want_ts */
	int64_t want_ts;	      /* (one bar) */
	json_t *last;		      /* the last row written (paged) */
	char miss[512];		      /* symbols not found, "A,B" */
	char miss_text[256];	      /* the first such message */
	int nmiss;		      /* how many */
};

static int
rd_columns(void *ctx, const char *const *names, size_t n, struct mdx_err *e)
{
	struct render *g = ctx;

	if (g->have_cols) /* a later call of a paged answer */
		return 0;
	g->have_cols = 1;
	return g->inner.columns(g->inner.ctx, names, n, e);
}

static int
row_ts(const json_t *row, int64_t *ts)
{
	const char *s = json_string_value(json_object_get(row, "ts"));

	return s == NULL || mdx_rfc3339_parse(s, ts, NULL) ? -1 : 0;
}

static int
rd_row(void *ctx, const json_t *row, struct mdx_err *e)
{
	struct render *g = ctx;
	int64_t ts;

	if (g->skip) {
		const char *d = json_string_value(json_object_get(row, "date"));

		if (d != NULL && strcmp(d, g->skip_date) == 0 &&
		    row_ts(row, &ts) == 0 && ts <= g->skip_ts)
			return 0; /* sent in an earlier page */
		g->skip = 0;	  /* ts ascends: the rest is new */
	}
	if (g->only_ts && (row_ts(row, &ts) != 0 || ts != g->want_ts))
		return 0;
	if (g->page > 0) {
		if (g->rows == g->page) {
			g->more = 1; /* stop the query: the page is full */
			return mdx_err_set(e, MDX_ETOOBIG, "page full");
		}
		/* kept (a reference) until the next row or the end */
		json_decref(g->last);
		g->last = json_incref((json_t *)row);
	}
	g->rows++;
	return g->inner.row(g->inner.ctx, row, e);
}

static void
rd_miss(void *ctx, const struct mdx_err *e)
{
	struct render *g = ctx;
	const char *q = strchr(e->text, '\''), *q2;
	size_t len = strlen(g->miss);

	if (g->nmiss++ == 0)
		snprintf(g->miss_text, sizeof(g->miss_text), "%.200s", e->text);
	/* "symbol 'XYZ' not in the store": the name between the quotes
	 * (a valid symbol holds no quote) */
	if (q == NULL || (q2 = strchr(q + 1, '\'')) == NULL)
		return;
	snprintf(g->miss + len, sizeof(g->miss) - len, "%s%.*s", len ? "," : "",
		 (int)(q2 - q - 1), q + 1);
}

/* the mdx-query command the route answers as ("index composition", from
 * its same_as), for the kinds of csv and tsv numbers; NULL when none */
static const char *
route_command(const struct serve_req *r, char *buf, size_t n)
{
	const char *s, *t;
	size_t len = 0;

	if (r->route < 0 || (s = serve_routes[r->route].same_as) == NULL ||
	    strncmp(s, "mdx-query ", 10) != 0)
		return NULL;
	/* the lower-case words before the operands and options */
	for (t = s += 10; *t >= 'a' && *t <= 'z';) {
		while (*t >= 'a' && *t <= 'z')
			t++;
		len = (size_t)(t - s);
		if (*t != ' ')
			break;
		t++;
	}
	if (len == 0 || len >= n)
		return NULL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return buf;
}

static int
render_open(struct render *g, struct serve_req *r, struct mdx_err *e)
{
	struct mdx_output_opts oo = {0};
	char cmd[32];

	memset(g, 0, sizeof(*g));
	g->r = r;
	if ((g->fp = open_memstream(&g->buf, &g->len)) == NULL)
		return mdx_err_set(e, MDX_ENOMEM, "out of memory");
	/* one thread writes it: no stdio lock on every write */
	__fsetlocking(g->fp, FSETLOCKING_BYCALLER);
	oo.command = route_command(r, cmd, sizeof(cmd));
	if ((g->w = mdx_output_new(g->fp, serve_fmt_mdx(r->fmt), &oo, e)) ==
	    NULL)
		return -1;
	mdx_output_sink(g->w, &g->inner);
	g->k.columns = rd_columns;
	g->k.row = rd_row;
	g->k.miss = rd_miss;
	g->k.ctx = g;
	return 0;
}

/* finish the writer and close the stream: g->buf holds the rows */
static int
render_close(struct render *g, struct mdx_err *e)
{
	int rc = 0;

	if (g->w != NULL && mdx_output_finish(g->w, e))
		rc = -1;
	mdx_output_free(g->w);
	g->w = NULL;
	if (g->fp != NULL && fclose(g->fp) != 0 && rc == 0)
		rc = mdx_err_set(e, MDX_ENOMEM, "out of memory");
	g->fp = NULL;
	return rc;
}

static void
render_release(struct render *g)
{
	struct mdx_err e;

	json_decref(g->last);
	g->last = NULL;
	render_close(g, &e);
	free(g->buf); /* open_memstream's, from malloc(3) */
	g->buf = NULL;
}

/* a read transaction around the calls of one answer: one snapshot */
static void
snapshot(struct serve_reader *rd, int begin)
{
	sqlite3 *db = mdx_store_db(rd->s);

	if (begin)
		sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	else if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

/* the failure of a query call: a stopped page is none */
static int
query_failed(struct serve_req *r, struct serve_reader *rd,
	     const struct render *g, const struct mdx_err *e)
{
	if (rd->timed_out) {
		atomic_fetch_add_explicit(&r->srv->m.query_timeouts, 1,
					  memory_order_relaxed);
		serve_fail(r, 503, "the query ran past the time limit (%ld ms)",
			   r->srv->c.query_ms);
		r->doc->retry_after = 1;
		return -1;
	}
	(void)g;
	return serve_fail_err(r, e);
}

/*
 * Make r->doc from the rendered rows: the rows as they are, or for a
 * paged json answer {"next":URL-or-null,"data":ROWS}.  next: the next
 * page's URL or NULL; paged: the route is paged.
 */
static int
render_doc(struct serve_req *r, struct render *g, const char *next, int paged)
{
	struct serve_doc *d = serve_doc_new(200, r->fmt);
	struct mdx_err e;

	json_decref(g->last);
	g->last = NULL;
	if (d == NULL || render_close(g, &e))
		goto nomem;
	if (paged && r->fmt == SF_JSON) {
		json_t *n = next ? json_string(next) : json_null();
		char *nt = n ? mdx_output_json_text(n) : NULL;
		size_t ntl = nt ? strlen(nt) : 0, len;
		char *body;

		json_decref(n);
		if (nt == NULL)
			goto nomem;
		len = 9 + ntl + 8 + g->len + 2;
		if ((body = mdx_malloc(len + 1)) == NULL) {
			mdx_free(nt);
			goto nomem;
		}
		snprintf(body, len + 1, "{\"next\":%s,\"data\":%.*s}\n", nt,
			 (int)g->len, g->buf ? g->buf : "");
		mdx_free(nt);
		serve_doc_body(d, body, strlen(body));
		free(g->buf);
	} else {
		/* open_memstream's buffer: malloc(3), freed by mdx_free */
		serve_doc_body(d, g->buf, g->len);
	}
	g->buf = NULL;
	if (next != NULL && (d->link = mdx_strdup(next)) == NULL)
		goto nomem;
	if (g->miss[0] && (d->missing = mdx_strdup(g->miss)) == NULL)
		goto nomem;
	serve_doc_unref(r->doc);
	r->doc = d;
	return 0;
nomem:
	serve_doc_unref(d);
	render_release(g);
	return serve_fail(r, 500, "out of memory");
}

/* ---- parameters ---- */

/* interval= into q (left as it is when absent); -1 when answered 400 */
static int
q_interval(struct serve_req *r, struct mdx_query *q)
{
	const char *s = serve_arg(r, "interval");

	if (s != NULL && (q->interval = mdx_interval_parse(s)) < 0)
		return serve_fail(r, 400,
				  "interval: unknown interval '%.20s' "
				  "(" MDX_INTERVAL_NAMES ")",
				  s);
	return 0;
}

/* interval=, from=, to= into q */
int
serve_q_dates(struct serve_req *r, struct mdx_query *q)
{
	if (q_interval(r, q) < 0)
		return -1;
	return serve_q_range(r, q);
}

/* from=, to= into q */
int
serve_q_range(struct serve_req *r, struct mdx_query *q)
{
	const char *s;

	if ((s = serve_arg(r, "from")) != NULL) {
		if (mdx_date_parse(s, &q->from, NULL))
			return serve_fail(r, 400,
					  "from: '%.40s' is not a date "
					  "(YYYY-MM-DD)",
					  s);
		q->has |= MDX_Q_FROM;
	}
	if ((s = serve_arg(r, "to")) != NULL) {
		if (mdx_date_parse(s, &q->to, NULL))
			return serve_fail(r, 400,
					  "to: '%.40s' is not a date "
					  "(YYYY-MM-DD)",
					  s);
		q->has |= MDX_Q_TO;
	}
	if ((q->has & MDX_Q_FROM) && (q->has & MDX_Q_TO) && q->from > q->to)
		return serve_fail(r, 400, "from is after to");
	return 0;
}

/*
 * limit= into *out: digits only; def when absent; 0 only when zero_ok;
 * more than max (however many digits) is max.
 */
static int
q_limit(struct serve_req *r, long def, long max, int zero_ok, long *out)
{
	const char *s = serve_arg(r, "limit");
	size_t nd;

	*out = def;
	if (s == NULL)
		return 0;
	nd = strspn(s, "0123456789");
	if (nd > 0 && s[nd] == '\0' &&
	    serve_parse_long(s, 0, max, out)) /* too big: the cap */
		*out = max;
	if (nd == 0 || s[nd] != '\0' || (*out == 0 && !zero_ok))
		return serve_fail(r, 400,
				  "limit: must be a whole number from %d to "
				  "%ld, not '%.40s'",
				  zero_ok ? 0 : 1, max, s);
	return 0;
}

/* symbols=A,B into q (names in *buf, owned by the caller) */
int
serve_q_symbol_list(struct serve_req *r, struct mdx_query *q, char **buf,
		    const char ***names)
{
	const char *s = serve_arg(r, "symbols");
	size_t n = 1;
	char *p;

	*buf = NULL;
	*names = NULL;
	if (s == NULL)
		return 0;
	for (const char *c = s; *c; c++)
		n += *c == ',';
	if (n > SERVE_MAX_SYMBOLS)
		return serve_fail(r, 400, "symbols: more than %d names",
				  SERVE_MAX_SYMBOLS);
	if ((*buf = mdx_strdup(s)) == NULL ||
	    (*names = mdx_calloc(n, sizeof(**names))) == NULL)
		return serve_fail(r, 500, "out of memory");
	n = 0;
	for (p = *buf;;) {
		char *comma = strchr(p, ',');

		if (comma)
			*comma = '\0';
		if (!mdx_symbol_valid(p))
			return serve_fail(r, 400,
					  "invalid symbol '%.40s' (letters, "
					  "digits and . - _ ^ = : /, at most "
					  "%d)",
					  p, MDX_SYMBOL_MAX);
		(*names)[n++] = p;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	q->symbols = *names;
	q->nsymbols = n;
	return 0;
}

int
serve_symbol_var(struct serve_req *r, const char *s)
{
	if (!mdx_symbol_valid(s))
		return serve_fail(r, 400,
				  "invalid symbol '%.40s' (letters, digits and "
				  ". - _ ^ = : /, at most %d)",
				  s, MDX_SYMBOL_MAX);
	return 0;
}

/* ---- bars ---- */

/* the text a cursor of this question is bound to */
static void
bars_bind(const char *sym, const struct mdx_query *q, char *buf, size_t n)
{
	snprintf(buf, n, "bars|%s|%d|%ld|%ld|%d|%lld|%lld", sym, q->interval,
		 (q->has & MDX_Q_FROM) ? (long)q->from : -999999L,
		 (q->has & MDX_Q_TO) ? (long)q->to : -999999L, q->adjust,
		 (q->has & MDX_Q_TS_FROM) ? (long long)q->ts_from : LLONG_MIN,
		 (q->has & MDX_Q_TS_TO) ? (long long)q->ts_to : LLONG_MIN);
}

/* interval=, from=, to= (a date or an instant) and since= (an instant)
 * of the bars routes into q, by mdx_query_bound as mdx-query reads them */
static int
bars_range(struct serve_req *r, struct mdx_query *q)
{
	static const struct {
		const char *name;
		enum mdx_query_bound which;
	} b[] = {{"from", MDX_QB_FROM},
		 {"to", MDX_QB_TO},
		 {"since", MDX_QB_SINCE}};
	const char *s;
	struct mdx_err e;

	if (q_interval(r, q) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(b) / sizeof(*b); i++)
		if ((s = serve_arg(r, b[i].name)) != NULL &&
		    mdx_query_bound(q, b[i].which, s, &e))
			return serve_fail(r, 400, "%s: %s", b[i].name, e.text);
	/* since= past to= is an empty answer, not an error: a poll */
	if (((q->has & (MDX_Q_FROM | MDX_Q_TO)) == (MDX_Q_FROM | MDX_Q_TO) &&
	     q->from > q->to) ||
	    ((q->has & (MDX_Q_TS_FROM | MDX_Q_TS_TO)) ==
		     (MDX_Q_TS_FROM | MDX_Q_TS_TO) &&
	     serve_arg(r, "since") == NULL && q->ts_from > q->ts_to))
		return serve_fail(r, 400, "from is after to");
	return 0;
}

/* the URL of the next page after the last row of g: this route's path
 * with the question's parameters and the new cursor */
static char *
bars_next(struct serve_req *r, const struct render *g, const char *sym,
	  const char *bind)
{
	static const char *const keep[] = {
		"interval", "from", "to", "since", "limit", "format", "adjust"};
	const char *tmpl = serve_routes[r->route].tmpl;
	const char *brace = strchr(tmpl, '{'), *rest = strchr(tmpl, '}') + 1;
	struct serve_cursor cur;
	char url[2048], ctext[SERVE_CURSOR_LEN], sep = '?';
	size_t len = (size_t)(brace - tmpl);

	const char *iv =
		json_string_value(json_object_get(g->last, "interval"));
	const char *d = json_string_value(json_object_get(g->last, "date"));

	if (iv == NULL || d == NULL ||
	    (cur.interval = mdx_interval_parse(iv)) < 0 ||
	    row_ts(g->last, &cur.ts) || mdx_date_parse(d, &cur.date, NULL))
		return NULL;
	serve_cursor_encode(r->srv->mac_key, &cur, bind, ctext);
	memcpy(url, tmpl, len);
	url[len] = '\0';
	if (serve_pct_append(url, sizeof(url), &len, sym) ||
	    len + strlen(rest) >= sizeof(url))
		return NULL;
	memcpy(url + len, rest, strlen(rest) + 1);
	len += strlen(rest);
	for (size_t i = 0; i < sizeof(keep) / sizeof(*keep); i++) {
		const char *v = serve_arg(r, keep[i]);
		int w;

		if (v == NULL)
			continue;
		w = snprintf(url + len, sizeof(url) - len, "%c%s=", sep,
			     keep[i]);
		if (w < 0 || (size_t)w >= sizeof(url) - len)
			return NULL;
		len += (size_t)w;
		sep = '&';
		if (serve_pct_append(url, sizeof(url), &len, v))
			return NULL;
	}
	if (len + strlen(ctext) + 9 >= sizeof(url))
		return NULL;
	snprintf(url + len, sizeof(url) - len, "%ccursor=%s", sep, ctext);
	return mdx_strdup(url);
}

int
serve_q_bars(struct serve_req *r)
{
	const char *sym = r->var[0], *ctext = serve_arg(r, "cursor");
	struct mdx_query q, qc;
	struct serve_reader *rd;
	struct serve_cursor cur;
	struct render g;
	struct mdx_err e;
	char bind[128], *next = NULL;
	long page;
	int rc, ret;

	mdx_query_init(&q);
	mdx_err_clear(&e);
	if (serve_symbol_var(r, sym) || bars_range(r, &q) ||
	    serve_q_adjust(r, &q, MDX_ADJUST_NONE) ||
	    q_limit(r, SERVE_PAGE_DEFAULT, SERVE_PAGE_MAX, 0, &page))
		return -1;
	q.symbols = &sym;
	q.nsymbols = 1;
	bars_bind(sym, &q, bind, sizeof(bind));
	if (ctext != NULL &&
	    (serve_cursor_decode(r->srv->mac_key, ctext, bind, &cur) ||
	     cur.interval < 0 || cur.interval >= MDX_INTERVAL_N))
		return serve_fail(r, 400,
				  "cursor: not a cursor of this question "
				  "(changed, or made by another server); "
				  "start again from the first page");
	if ((rd = serve_reader_get(r->srv, &e)) == NULL ||
	    render_open(&g, r, &e)) {
		if (rd != NULL)
			render_release(&g);
		return serve_fail_err(r, &e);
	}
	g.page = page;
	snapshot(rd, 1);
	if (ctext == NULL) {
		rc = mdx_store_bars(rd->s, &q, &g.k, &e);
	} else {
		/* the cursor's interval from its date on, then the rest */
		qc = q;
		qc.interval = cur.interval;
		qc.from = cur.date;
		qc.has |= MDX_Q_FROM;
		g.skip = 1;
		mdx_date_format(cur.date, g.skip_date);
		g.skip_ts = cur.ts;
		rc = mdx_store_bars(rd->s, &qc, &g.k, &e);
		for (int iv = cur.interval + 1;
		     rc == 0 && q.interval < 0 && iv < MDX_INTERVAL_N; iv++) {
			qc = q;
			qc.interval = iv;
			rc = mdx_store_bars(rd->s, &qc, &g.k, &e);
		}
	}
	snapshot(rd, 0);
	if (rc < 0 && !g.more) {
		render_release(&g);
		return query_failed(r, rd, &g, &e);
	}
	if (g.nmiss > 0) {
		render_release(&g);
		return serve_fail(r, 404, "%s", g.miss_text);
	}
	if (g.more && (next = bars_next(r, &g, sym, bind)) == NULL) {
		render_release(&g);
		return serve_fail(r, 500, "cannot make the next page's URL");
	}
	ret = render_doc(r, &g, next, 1);
	mdx_free(next);
	return ret;
}

/* ---- one bar ---- */

int
serve_bar_key(struct serve_req *r, struct serve_bar_key *k)
{
	const char *ts = r->var[2];

	memset(k, 0, sizeof(*k));
	k->symbol = r->var[0];
	if (serve_symbol_var(r, k->symbol))
		return -1;
	if ((k->interval = mdx_interval_parse(r->var[1])) < 0)
		return serve_fail(r, 400,
				  "unknown interval '%.20s' "
				  "(" MDX_INTERVAL_NAMES ")",
				  r->var[1]);
	if (!mdx_interval_intraday(k->interval) &&
	    mdx_date_parse(ts, &k->date, NULL) == 0) {
		k->by_date = 1;
		return 0;
	}
	if (mdx_rfc3339_parse(ts, &k->ts, NULL) || strchr(ts, 'T') == NULL)
		return serve_fail(r, 400,
				  "'%.40s' is not an RFC 3339 time "
				  "(2023-01-03T05:00:00Z)%s",
				  ts,
				  mdx_interval_intraday(k->interval)
					  ? ""
					  : " or a trading date");
	/* a trading date is within a day of the UTC date */
	k->date = (int32_t)(k->ts / MDX_MS_PER_DAY);
	return 0;
}

int
serve_bar_find(struct mdx_store *s, const struct serve_bar_key *k,
	       struct mdx_sink *inner, int64_t *found_ts, struct mdx_err *e)
{
	struct mdx_query q;
	struct render g;
	int rc;

	memset(&g, 0, sizeof(g));
	mdx_query_init(&q);
	q.symbols = &k->symbol;
	q.nsymbols = 1;
	q.interval = k->interval;
	q.from = k->by_date ? k->date : k->date - 1;
	q.to = k->by_date ? k->date : k->date + 1;
	q.has = MDX_Q_FROM | MDX_Q_TO;
	g.inner = *inner;
	g.k.columns = rd_columns;
	g.k.row = rd_row;
	g.k.miss = rd_miss;
	g.k.ctx = &g;
	g.only_ts = !k->by_date;
	g.want_ts = k->ts;
	g.page = 1;
	rc = mdx_store_bars(s, &q, &g.k, e);
	if ((rc < 0 && !g.more) || g.rows == 0 || g.nmiss > 0) {
		json_decref(g.last);
		return rc < 0 && !g.more ? -1 : 0;
	}
	rc = found_ts != NULL && row_ts(g.last, found_ts) ? -1 : 1;
	json_decref(g.last);
	if (rc < 0)
		return mdx_err_set(e, MDX_EDB, "a bar without a valid ts");
	return 1;
}

int
serve_q_bar(struct serve_req *r)
{
	struct serve_bar_key k;
	struct serve_reader *rd;
	struct render g;
	struct mdx_err e;
	int rc;

	mdx_err_clear(&e);
	if (serve_bar_key(r, &k))
		return -1;
	if ((rd = serve_reader_get(r->srv, &e)) == NULL ||
	    render_open(&g, r, &e)) {
		if (rd != NULL)
			render_release(&g);
		return serve_fail_err(r, &e);
	}
	rc = serve_bar_find(rd->s, &k, &g.k, NULL, &e);
	if (rc < 0) {
		render_release(&g);
		return query_failed(r, rd, &g, &e);
	}
	if (rc == 0) {
		render_release(&g);
		return serve_fail(r, 404, "no %s bar of %s at %s",
				  mdx_interval_name(k.interval), k.symbol,
				  r->var[2]);
	}
	return render_doc(r, &g, NULL, 0);
}

/* ---- latest, symbols, runs, and the rows of any query function ---- */

int
serve_rows_on(struct serve_req *r, struct mdx_store *s, serve_rows_fn fn,
	      const struct mdx_query *q, void *arg, int flags)
{
	struct serve_reader *rd = NULL;
	struct render g;
	struct mdx_err e;
	int rc;

	mdx_err_clear(&e);
	if (s == NULL) {
		if ((rd = serve_reader_get(r->srv, &e)) == NULL)
			return serve_fail_err(r, &e);
		s = rd->s;
	}
	if (render_open(&g, r, &e)) {
		render_release(&g);
		return serve_fail_err(r, &e);
	}
	if (rd != NULL)
		snapshot(rd, 1);
	rc = fn(s, q, arg, &g.k, &e);
	if (rd != NULL)
		snapshot(rd, 0);
	if (rc < 0) {
		render_release(&g);
		if (rd != NULL)
			return query_failed(r, rd, &g, &e);
		return serve_fail_err(r, &e);
	}
	if (g.nmiss > 0 &&
	    ((flags & SERVE_MISS_ANY) ||
	     (q->nsymbols > 0 && (size_t)g.nmiss == q->nsymbols))) {
		render_release(&g);
		return serve_fail(r, 404, "%s%s", g.miss_text,
				  g.nmiss > 1 ? " (nor any other named)" : "");
	}
	return render_doc(r, &g, NULL, 0);
}

typedef int (*query_fn)(struct mdx_store *, const struct mdx_query *,
			struct mdx_sink *, struct mdx_err *);

/* serve_rows_fn over a query core function (arg) */
static int
core_fn(struct mdx_store *s, const struct mdx_query *q, void *arg,
	struct mdx_sink *k, struct mdx_err *e)
{
	query_fn fn = *(query_fn *)arg;

	return fn(s, q, k, e);
}

static int
rows_of(struct serve_req *r, query_fn fn, const struct mdx_query *q)
{
	return serve_rows_on(r, NULL, core_fn, q, &fn, 0);
}

int
serve_q_adjust(struct serve_req *r, struct mdx_query *q, int dflt)
{
	const char *v = serve_arg(r, "adjust");
	enum mdx_adjust m = dflt;

	if (v != NULL && mdx_adjust_parse(v, &m, NULL))
		return serve_fail(r, 400,
				  "adjust: '%.20s' is not none, split or total",
				  v);
	q->adjust = m;
	return 0;
}

/* the query core function fn over the path's symbol with from= and to= */
static int
symbol_cmd(struct serve_req *r, query_fn fn)
{
	struct mdx_query q;

	mdx_query_init(&q);
	if (serve_symbol_var(r, r->var[0]) || serve_q_range(r, &q))
		return -1;
	q.symbols = (const char *const *)&r->var[0];
	q.nsymbols = 1;
	return rows_of(r, fn, &q);
}

int
serve_q_actions(struct serve_req *r)
{
	return symbol_cmd(r, mdx_store_actions);
}

int
serve_q_revisions(struct serve_req *r)
{
	return symbol_cmd(r, mdx_store_revisions);
}

static int
symbols_cmd(struct serve_req *r, query_fn fn)
{
	struct mdx_query q;
	const char **names = NULL;
	char *buf = NULL;
	int ret = -1;

	mdx_query_init(&q);
	if (serve_q_dates(r, &q) == 0 &&
	    serve_q_adjust(r, &q, MDX_ADJUST_NONE) == 0 &&
	    serve_q_symbol_list(r, &q, &buf, &names) == 0)
		ret = rows_of(r, fn, &q);
	mdx_free(names);
	mdx_free(buf);
	return ret;
}

int
serve_q_latest(struct serve_req *r)
{
	return symbols_cmd(r, mdx_store_latest);
}

int
serve_q_symbols(struct serve_req *r)
{
	return symbols_cmd(r, mdx_store_symbols);
}

int
serve_q_runs(struct serve_req *r)
{
	struct mdx_query q;

	mdx_query_init(&q);
	if (q_limit(r, SERVE_RUNS_DEFAULT, SERVE_PAGE_MAX, 1, &q.limit))
		return -1;
	return rows_of(r, mdx_store_runs, &q);
}
