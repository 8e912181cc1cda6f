/*
 * serve_write.c - the write endpoints: POST /v1/bars, PUT and DELETE
 * /v1/bars/{symbol}/{interval}/{ts}, behind Authorization: Bearer KEY.
 *
 * Records are checked by mdx_bar_read with mdx-transform's defaults
 * (lib/record.c: the same checks, America/New_York for wall times), get
 * their session from mdx_session_label (lib/session.c: the same rule, a
 * daily bar of a day without a session refused) and are written by
 * mdx_store_put_bar_as in a batch (lib/store.c: the same upsert and price
 * basis rule as mdx-load).
 * Run records in a POST body (mdx-extract and mdx-transform append them)
 * are stored as runs, as mdx-load stores them.  One write connection, one
 * writer at a time; after a commit the store generation moves, so cached
 * answers are made again.
 *
 * The key is compared in constant time: both sides are hashed with
 * SipHash under a random key and the two 64-bit values compared with one
 * XOR, so the time taken says nothing about the key, not even its length.
 */
#include <string.h>
#include <strings.h>

#include "mdx_alloc.h"
#include "mdx_record.h"
#include "mdx_serve_store.h"
#include "mdx_session.h"
#include "mdx_time.h"
#include "serve_int.h"

#define ERRORS_LISTED 20   /* invalid records named in a 422, at most */
#define WRITE_BUSY_MS 2000 /* how long a write waits for mdx-load's lock */

int
serve_auth(struct serve_req *r)
{
	struct serve *srv = r->srv;
	const char *h, *tok;
	uint64_t got;

	if (srv->c.api_key == NULL)
		return serve_fail(r, 403,
				  "writes are disabled: the server has no API "
				  "key (MDX_API_KEY or --api-key-file)");
	h = serve_header(r, MHD_HTTP_HEADER_AUTHORIZATION);
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return serve_fail(r, 401,
				  "writes need an Authorization: Bearer KEY "
				  "header");
	tok = h + 7 + strspn(h + 7, " ");
	got = serve_siphash(srv->hash_key, tok, strlen(tok));
	if ((got ^ srv->api_key_hash) != 0)
		return serve_fail(r, 401, "the key is not valid");
	return 0;
}

/* opened and migrated as mdx-load does */
struct mdx_store *
serve_writer(struct serve *srv, struct mdx_err *e)
{
	if (srv->ws != NULL)
		return srv->ws;
	if ((srv->ws = mdx_store_open(srv->c.db, 0, e)) == NULL)
		return NULL;
	if (mdx_store_migrate(srv->ws, 0, e)) {
		mdx_store_close(srv->ws);
		srv->ws = NULL;
		return NULL;
	}
	sqlite3_busy_timeout(mdx_store_db(srv->ws), WRITE_BUSY_MS);
	return srv->ws;
}

void
serve_writer_close(struct serve *srv)
{
	mdx_store_close(srv->ws);
	srv->ws = NULL;
}

/* the checks of mdx-transform's defaults */
static const struct mdx_canon_opts canon = {
	.allow_partial = 0,
	.default_tz = "America/New_York",
	.fold = MDX_FOLD_EARLIER,
};

/* the checks of mdx-transform's defaults, the session of the bar, and the
 * basis its prices are on (mdx_store_basis_read: mdx-load's rule) */
static int
bar_check(const json_t *rec, struct mdx_bar *b, struct mdx_basis *basis,
	  struct mdx_err *e)
{
	const char *zone = NULL;

	if (mdx_bar_read(rec, &canon, b, e) ||
	    mdx_store_basis_read(rec, basis, e))
		return -1;
	if (mdx_json_string(rec, "tz", &zone, NULL) != 1)
		zone = canon.default_tz;
	return mdx_session_label(b, zone, 0, e);
}

/* bars checked so far, and what was wrong with the others */
struct batch {
	struct mdx_bar *bars;	 /* owned */
	struct mdx_basis *basis; /* owned: the basis of each bar */
	size_t n, cap;		 /* used, allocated */
	json_t *runs;		 /* owned: array of the run records */
	json_t *errors;		 /* owned: array of the first invalid ones */
	long nerrors;		 /* all invalid records */
};

/* frees what b holds (not b) */
static void
batch_release(struct batch *b)
{
	json_decref(b->errors);
	json_decref(b->runs);
	mdx_free(b->bars);
	mdx_free(b->basis);
}

static void
batch_error(struct batch *b, const char *where, long at,
	    const struct mdx_err *e)
{
	json_t *o;

	if (b->nerrors++ >= ERRORS_LISTED)
		return;
	o = json_pack("{s:I,s:s?,s:s?,s:s}", where, (json_int_t)at, "record",
		      e->about[0] ? e->about : NULL, "field",
		      e->field[0] ? e->field : NULL, "detail", e->text);
	if (o != NULL)
		json_array_append_new(b->errors, o);
}

/* check rec (borrowed) as one bar; where/at name it in errors */
static int
batch_add(struct batch *b, json_t *rec, const char *where, long at)
{
	struct mdx_err e;
	int type;

	mdx_err_clear(&e);
	if (!json_is_object(rec)) {
		mdx_err_set(&e, MDX_EINPUT, "not a JSON object");
		goto bad;
	}
	if ((type = mdx_rec_type(rec, &e)) < 0)
		goto bad;
	if (type == MDX_REC_RUN) {
		if (mdx_run_check(rec, &e))
			goto bad;
		return json_array_append(b->runs, rec);
	}
	if (type != MDX_REC_BAR) {
		mdx_err_field(&e, MDX_EINPUT, "type",
			      "only bar and run records are taken here");
		goto bad;
	}
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		struct mdx_bar *nb = mdx_realloc(b->bars, cap * sizeof(*nb));
		struct mdx_basis *ns;

		if (nb == NULL)
			return -1;
		b->bars = nb;
		if ((ns = mdx_realloc(b->basis, cap * sizeof(*ns))) == NULL)
			return -1;
		b->basis = ns;
		b->cap = cap;
	}
	if (bar_check(rec, &b->bars[b->n], &b->basis[b->n], &e))
		goto bad;
	b->n++;
	return 0;
bad:
	if (json_is_object(rec)) {
		char about[sizeof(e.about)];

		mdx_err_about(&e, mdx_rec_subject(rec, canon.default_tz, about,
						  sizeof(about)));
	}
	batch_error(b, where, at, &e);
	return 0;
}

/* parse body: a JSON array of records, or NDJSON */
static int
batch_parse(struct serve_req *r, struct batch *b)
{
	const char *p = r->body ? r->body : "", *end = p + r->body_len;
	json_error_t je;
	struct mdx_err e;

	mdx_err_clear(&e);
	p += strspn(p, " \t\r\n");
	if (p == end)
		return serve_fail(r, 400, "the body holds no records");
	if (*p == '[') {
		json_t *a = json_loadb(p, (size_t)(end - p),
				       JSON_REJECT_DUPLICATES, &je);
		size_t i;
		json_t *rec;

		if (a == NULL || !json_is_array(a)) {
			json_decref(a);
			return serve_fail(r, 400,
					  "the body is not valid JSON: %s "
					  "(line %d)",
					  je.text, je.line);
		}
		json_array_foreach (a, i, rec)
			if (batch_add(b, rec, "index", (long)i)) {
				json_decref(a);
				return serve_fail(r, 500, "out of memory");
			}
		json_decref(a);
		return 0;
	}
	for (long line = 1; p < end; line++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		json_t *rec;
		int rc;

		if (strspn(p, " \t\r") < n) {
			rec = json_loadb(p, n, JSON_REJECT_DUPLICATES, &je);
			if (rec == NULL) {
				mdx_err_set(&e, MDX_EINPUT, "not JSON: %s",
					    je.text);
				batch_error(b, "line", line, &e);
			} else {
				rc = batch_add(b, rec, "line", line);
				json_decref(rec);
				if (rc)
					return serve_fail(r, 500,
							  "out of memory");
			}
		}
		p += n + (nl != NULL);
	}
	return 0;
}

/* upsert bars and append runs (may be NULL) in one batch; counts[] by
 * enum mdx_put, of the bars */
static int
batch_write(struct serve_req *r, struct mdx_bar *bars,
	    const struct mdx_basis *basis, size_t n, const json_t *runs,
	    long counts[3])
{
	struct serve *srv = r->srv;
	struct mdx_store *ws;
	struct mdx_err e;
	int ret = -1;

	mdx_err_clear(&e);
	pthread_mutex_lock(&srv->wmu);
	if ((ws = serve_writer(srv, &e)) == NULL || mdx_store_begin(ws, &e))
		goto out;
	for (size_t i = 0; i < n; i++) {
		int rc = mdx_store_put_bar_as(ws, &bars[i], &basis[i], &e);

		if (rc < 0) {
			mdx_store_rollback(ws);
			goto out;
		}
		counts[rc]++;
	}
	for (size_t i = 0; i < json_array_size(runs); i++) {
		if (mdx_store_put_run(ws, json_array_get(runs, i), &e) < 0) {
			mdx_store_rollback(ws);
			goto out;
		}
	}
	if (mdx_store_commit(ws, &e)) {
		mdx_store_rollback(ws);
		goto out;
	}
	ret = 0;
out:
	pthread_mutex_unlock(&srv->wmu);
	if (ret == 0)
		atomic_fetch_add(&srv->gen, 1); /* cached answers are old */
	else
		serve_fail_err(r, &e);
	return ret;
}

static int
counts_doc(struct serve_req *r, int status, size_t received,
	   const long counts[3], size_t runs)
{
	json_t *o =
		json_pack("{s:I,s:I,s:I,s:I}", "received", (json_int_t)received,
			  "inserted", (json_int_t)counts[MDX_PUT_INSERTED],
			  "updated", (json_int_t)counts[MDX_PUT_UPDATED],
			  "unchanged", (json_int_t)counts[MDX_PUT_UNCHANGED]);
	int rc;

	if (o != NULL && runs > 0 &&
	    json_object_set_new(o, "runs", json_integer((json_int_t)runs))) {
		json_decref(o);
		o = NULL;
	}
	rc = o ? serve_json_doc(r, status, o) : -1;

	json_decref(o);
	return rc ? serve_fail(r, 500, "out of memory") : 0;
}

static int
invalid_doc(struct serve_req *r, struct batch *b)
{
	json_t *extra = json_pack("{s:I,s:O}", "invalid",
				  (json_int_t)b->nerrors, "errors", b->errors);

	serve_fail_with(r, 422, extra,
			"%ld record%s not valid (listed in errors, %d at "
			"most); nothing was written",
			b->nerrors, b->nerrors == 1 ? " is" : "s are",
			ERRORS_LISTED);
	json_decref(extra);
	return -1;
}

int
serve_w_post_bars(struct serve_req *r)
{
	struct batch b = {0};
	long counts[3] = {0, 0, 0};
	int ret = -1;

	if ((b.errors = json_array()) == NULL ||
	    (b.runs = json_array()) == NULL) {
		json_decref(b.errors);
		return serve_fail(r, 500, "out of memory");
	}
	if (batch_parse(r, &b))
		goto out;
	if (b.nerrors > 0) {
		invalid_doc(r, &b);
		goto out;
	}
	if (b.n == 0) {
		serve_fail(r, 400, "the body holds no bar records");
		goto out;
	}
	if (batch_write(r, b.bars, b.basis, b.n, b.runs, counts) == 0)
		ret = counts_doc(r, 200, b.n, counts, json_array_size(b.runs));
out:
	batch_release(&b);
	return ret;
}

/* does field key of rec, when present, equal want?  else set it */
static int
path_field(struct serve_req *r, json_t *rec, const char *key, const char *want)
{
	json_t *v = json_object_get(rec, key);

	if (v == NULL || json_is_null(v))
		return json_object_set_new(rec, key, json_string(want))
			       ? serve_fail(r, 500, "out of memory")
			       : 0;
	if (!json_is_string(v) || strcmp(json_string_value(v), want) != 0)
		return serve_fail(r, 422,
				  "field '%s' of the body differs from the "
				  "path ('%.40s')",
				  key, want);
	return 0;
}

int
serve_w_put_bar(struct serve_req *r)
{
	struct serve_bar_key k;
	struct mdx_bar bar;
	struct mdx_basis basis;
	struct mdx_err e;
	json_error_t je;
	json_t *rec = NULL;
	long counts[3] = {0, 0, 0};
	int ret = -1, type;

	mdx_err_clear(&e);
	if (serve_bar_key(r, &k))
		return -1;
	rec = json_loadb(r->body ? r->body : "", r->body_len,
			 JSON_REJECT_DUPLICATES, &je);
	if (rec == NULL || !json_is_object(rec)) {
		serve_fail(r, 400, "the body is not a JSON object%s%s",
			   rec ? "" : ": ", rec ? "" : je.text);
		goto out;
	}
	if ((type = mdx_rec_type(rec, &e)) != MDX_REC_BAR) {
		serve_fail(r, 422, "%s",
			   type < 0 ? e.text : "the body is not a bar record");
		goto out;
	}
	if (path_field(r, rec, "symbol", k.symbol) ||
	    path_field(r, rec, "interval", r->var[1]))
		goto out;
	if (json_object_get(rec, "ts") == NULL &&
	    json_object_get(rec, "t") == NULL &&
	    json_object_get(rec, "time") == NULL &&
	    json_object_set_new(rec, k.by_date ? "time" : "ts",
				json_string(r->var[2]))) {
		serve_fail(r, 500, "out of memory");
		goto out;
	}
	if (bar_check(rec, &bar, &basis, &e)) {
		char text[sizeof(e.text) + 80];

		serve_fail(r, 422, "%s", mdx_err_str(&e, text, sizeof(text)));
		goto out;
	}
	if (k.by_date ? bar.date != k.date : bar.ts != k.ts) {
		serve_fail(r, 422,
			   "the bar's %s differs from the path ('%.40s')",
			   k.by_date ? "trading date" : "ts", r->var[2]);
		goto out;
	}
	if (batch_write(r, &bar, &basis, 1, NULL, counts))
		goto out;
	ret = counts_doc(r, counts[MDX_PUT_INSERTED] ? 201 : 200, 1, counts, 0);
out:
	json_decref(rec);
	return ret;
}

static int
drop_columns(void *ctx, const char *const *names, size_t n, struct mdx_err *e)
{
	(void)ctx;
	(void)names;
	(void)n;
	(void)e;
	return 0;
}

static int
drop_row(void *ctx, const json_t *row, struct mdx_err *e)
{
	(void)ctx;
	(void)row;
	(void)e;
	return 0;
}

int
serve_w_delete_bar(struct serve_req *r)
{
	struct mdx_sink none = {drop_columns, drop_row, NULL, NULL};
	struct serve *srv = r->srv;
	struct serve_bar_key k;
	struct mdx_store *ws;
	struct mdx_err e;
	int64_t ts;
	int rc = -1;

	mdx_err_clear(&e);
	if (serve_bar_key(r, &k))
		return -1;
	pthread_mutex_lock(&srv->wmu);
	if ((ws = serve_writer(srv, &e)) != NULL) {
		/* by date: the bar of that trading date, whatever its zone */
		rc = serve_bar_find(ws, &k, &none, &ts, &e);
		if (rc == 1)
			rc = mdx_serve_store_delete_bar(ws, k.symbol,
							k.interval, ts, &e);
	}
	pthread_mutex_unlock(&srv->wmu);
	if (rc < 0)
		return serve_fail_err(r, &e);
	if (rc == 0)
		return serve_fail(r, 404, "no %s bar of %s at %s",
				  mdx_interval_name(k.interval), k.symbol,
				  r->var[2]);
	atomic_fetch_add(&srv->gen, 1);
	if ((r->doc = serve_doc_new(204, SF_NONE)) == NULL)
		return serve_fail(r, 500, "out of memory");
	return 0;
}
