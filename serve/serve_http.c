/*
 * serve_http.c - requests in, answers out: libmicrohttpd's callbacks, the
 * limits, routing, content negotiation, ETag and 304, CORS, errors as
 * problem+json (RFC 9457), the access log and the drain on SIGTERM.
 *
 * A request's life: on_uri() makes its struct serve_req when the request
 * line is in (libmicrohttpd hands back the raw target, before any
 * decoding: we decode it ourselves, segment by segment, so that %2F, %00
 * and dot segments are seen for what they are); on_request() runs once the
 * headers are in, checks the limits and the route and answers, or reads
 * the body first for writes; on_completed() logs it, counts it and frees
 * it.  on_connection() keeps a registry of connections so that the reaper
 * thread can close one whose request takes longer than --timeout to
 * arrive (libmicrohttpd's own timeout is an idle timeout, which a client
 * sending a byte a second never meets).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#ifdef __GLIBC__
#include <malloc.h> /* malloc_trim */
#endif
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "mdx_alloc.h"
#include "mdx_cli.h"
#include "mdx_output.h"
#include "mdx_time.h"
#include "serve_int.h"

#define TARGET_LOG_MAX 1024 /* bytes of the target in an access log line */
#define BODY_DEADLINE 4	    /* a body may take this many --timeout */

/* ---- small helpers ---- */

const char *
serve_arg(const struct serve_req *r, const char *name)
{
	for (int i = 0; i < r->nkv; i++)
		if (strcmp(r->kv[i].name, name) == 0)
			return r->kv[i].value;
	return NULL;
}

const char *
serve_header(const struct serve_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->c, MHD_HEADER_KIND, name);
}

static const char *
reason(int status)
{
	const char *s = MHD_get_reason_phrase_for((unsigned)status);

	return s && *s ? s : "Error";
}

int
serve_json_doc(struct serve_req *r, int status, const json_t *v)
{
	struct serve_doc *d = serve_doc_new(status, SF_JSON);
	char *text = v ? mdx_output_json_text(v) : NULL;
	size_t n;

	if (d == NULL || text == NULL) {
		mdx_free(text);
		serve_doc_unref(d);
		return -1;
	}
	n = strlen(text);
	/* a newline at the end, as mdx-query ends its output */
	if ((d->body = mdx_realloc(text, n + 2)) == NULL) {
		mdx_free(text);
		serve_doc_unref(d);
		return -1;
	}
	d->body[n] = '\n';
	d->body[n + 1] = '\0';
	d->len = n + 1;
	serve_doc_unref(r->doc);
	r->doc = d;
	return 0;
}

/* a problem document without allocation, when memory ran out */
static void
fail_static(struct serve_req *r)
{
	static char body[] =
		"{\"type\":\"about:blank\",\"title\":\"Internal "
		"Server Error\",\"status\":500,\"detail\":\"out of "
		"memory\"}\n";
	struct serve_doc *d = serve_doc_new(500, SF_PROBLEM);

	serve_doc_unref(r->doc);
	r->doc = d;
	if (d != NULL) {
		/* a copy we own, or nothing: the body may be freed */
		d->body = mdx_strdup(body);
		d->len = d->body ? strlen(body) : 0;
	}
}

static int
fail_v(struct serve_req *r, int status, int retry, json_t *extra,
       const char *fmt, va_list ap)
{
	char detail[600];
	json_t *p;
	size_t n;

	vsnprintf(detail, sizeof(detail), fmt, ap);
	/* RFC 9457 section 3.1: "about:blank" and the status phrase; the
	 * instance is the path, without the query, cut to a readable length.
	 * Both may hold what the client sent, not always UTF-8: unchecked
	 * here, the writer replaces what is not (mdx_output_json_text) */
	n = strcspn(r->target ? r->target : "", "?");
	p = json_pack("{s:s,s:s,s:i,s:o,s:o,s:s}", "type", "about:blank",
		      "title", reason(status), "status", status, "detail",
		      json_stringn_nocheck(detail, strlen(detail)), "instance",
		      json_stringn_nocheck(r->target ? r->target : "",
					   n > 256 ? (size_t)256 : n),
		      "request_id", r->id);
	if (p != NULL && extra != NULL)
		json_object_update(p, extra);
	if (p == NULL || serve_json_doc(r, status, p)) {
		fail_static(r);
	} else {
		r->doc->fmt = SF_PROBLEM;
		r->doc->retry_after = retry;
	}
	json_decref(p);
	return -1;
}

int
serve_fail(struct serve_req *r, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fail_v(r, status, 0, NULL, fmt, ap);
	va_end(ap);
	return -1;
}

int
serve_fail_with(struct serve_req *r, int status, json_t *extra, const char *fmt,
		...)
{
	va_list ap;

	va_start(ap, fmt);
	fail_v(r, status, 0, extra, fmt, ap);
	va_end(ap);
	return -1;
}

static int fail_retry(struct serve_req *r, int status, int retry,
		      const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
fail_retry(struct serve_req *r, int status, int retry, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fail_v(r, status, retry, NULL, fmt, ap);
	va_end(ap);
	return -1;
}

int
serve_fail_err(struct serve_req *r, const struct mdx_err *e)
{
	char text[sizeof(e->text) + 80];

	mdx_err_str(e, text, sizeof(text));
	switch (e->code) {
	case MDX_EUSAGE:
	case MDX_EINPUT:
		return serve_fail(r, 400, "%s", text);
	case MDX_ENOTFOUND:
		return serve_fail(r, 404, "%s", text);
	case MDX_ETOOBIG:
		return serve_fail(r, 413, "%s", text);
	case MDX_ETEMP:
		return fail_retry(r, 503, 1, "%s", text);
	default:
		mdx_log("error", "%s: %s", r->target, text);
		return serve_fail(r, 500, "%s", text);
	}
}

/* ---- the request target ---- */

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Decode s[0..n) into out (NUL-terminated): %XX escapes, and '+' as a
 * blank when plus is set.  Returns the length, or -1 with what set to the
 * reason (a bad escape, a NUL or another control character).
 */
static long
pct_decode(const char *s, size_t n, int plus, char *out, const char **what)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (c == '%') {
			int h, l;

			if (i + 2 >= n) {
				*what = "a '%' not followed by two hex digits";
				return -1;
			}
			h = hexval((unsigned char)s[i + 1]);
			l = hexval((unsigned char)s[i + 2]);
			if (h < 0 || l < 0) {
				*what = "a '%' not followed by two hex digits";
				return -1;
			}
			c = h * 16 + l;
			i += 2;
		} else if (c == '+' && plus) {
			c = ' ';
		}
		if (c == 0) {
			*what = "a NUL byte";
			return -1;
		}
		if (c < 0x20 || c == 0x7f) {
			*what = "a control character";
			return -1;
		}
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return (long)o;
}

/* is s, or a part of it between encoded slashes, "." or ".."? */
static int
dot_segment(const char *s)
{
	for (;;) {
		size_t n = strcspn(s, "/");

		if ((n == 1 && s[0] == '.') ||
		    (n == 2 && s[0] == '.' && s[1] == '.'))
			return 1;
		if (s[n] == '\0')
			return 0;
		s += n + 1;
	}
}

/* split r->target into decoded path segments and query parameters */
static int
parse_target(struct serve_req *r)
{
	const char *t = r->target, *q = strchr(t, '?'), *what = NULL;
	size_t plen = q ? (size_t)(q - t) : strlen(t);
	const char *p = t + 1, *pend = t + plen;
	char *o;

	if (t[0] != '/')
		return serve_fail(r, 400, "the request target is not a path");
	if ((r->pbuf = mdx_malloc(plen + 1)) == NULL)
		return serve_fail(r, 500, "out of memory");
	o = r->pbuf;
	while (plen > 1 && p <= pend) {
		const char *slash = memchr(p, '/', (size_t)(pend - p));
		size_t n = slash ? (size_t)(slash - p) : (size_t)(pend - p);
		long len = pct_decode(p, n, 0, o, &what);

		if (len < 0)
			return serve_fail(r, 400, "the path holds %s", what);
		if (dot_segment(o))
			return serve_fail(r, 400,
					  "the path holds a dot segment ('.' "
					  "or '..')");
		if (r->nseg < SERVE_MAX_SEGS)
			r->seg[r->nseg] = o;
		r->nseg++;
		o += len + 1;
		p += n + 1;
	}
	if (q == NULL)
		return 0;
	q++;
	/* a parameter of n bytes decodes to at most n + 2 with its NULs */
	if ((r->qbuf = mdx_malloc(2 * strlen(q) + 2)) == NULL)
		return serve_fail(r, 500, "out of memory");
	o = r->qbuf;
	while (*q) {
		size_t n = strcspn(q, "&");
		const char *eq = memchr(q, '=', n);
		size_t nn = eq ? (size_t)(eq - q) : n;
		long a, b;

		if (n == 0) { /* "a=1&&b=2" */
			q++;
			continue;
		}
		if (r->nkv == SERVE_MAX_PARAMS)
			return serve_fail(r, 400,
					  "more than %d query parameters",
					  SERVE_MAX_PARAMS);
		if ((a = pct_decode(q, nn, 1, o, &what)) < 0)
			return serve_fail(r, 400, "the query holds %s", what);
		r->kv[r->nkv].name = o;
		o += a + 1;
		b = eq ? pct_decode(eq + 1, n - nn - 1, 1, o, &what)
		       : pct_decode("", 0, 1, o, &what);
		if (b < 0)
			return serve_fail(r, 400, "the query holds %s", what);
		r->kv[r->nkv].value = o;
		o += b + 1;
		for (int i = 0; i < r->nkv; i++)
			if (strcmp(r->kv[i].name, r->kv[r->nkv].name) == 0)
				return serve_fail(
					r, 400, "parameter '%.40s' given twice",
					r->kv[i].name);
		r->nkv++;
		q += n;
		if (*q == '&')
			q++;
	}
	return 0;
}

/* does tmpl match r's path?  fills r->var when it does */
static int
path_match(const char *tmpl, struct serve_req *r)
{
	const char *t = tmpl + 1;
	int i = 0, nvar = 0;

	if (r->nseg > SERVE_MAX_SEGS)
		return 0;
	while (*t) {
		size_t n = strcspn(t, "/");

		if (i == r->nseg)
			return 0;
		if (t[0] == '{') {
			if (r->seg[i][0] == '\0')
				return 0;
			if (nvar < SERVE_MAX_VARS)
				r->var[nvar++] = r->seg[i];
		} else if (strlen(r->seg[i]) != n ||
			   memcmp(r->seg[i], t, n) != 0) {
			return 0;
		}
		i++;
		t += n;
		if (*t == '/')
			t++;
	}
	return i == r->nseg;
}

/* find r's route; -1 when no path matches, -2 when no method does (allow
 * gets the methods that do) */
static int
route_find(struct serve_req *r, char *allow, size_t n)
{
	int found = -1;
	size_t len = 0;

	allow[0] = '\0';
	for (size_t i = 0; i < serve_nroutes; i++) {
		const struct serve_route *rt = &serve_routes[i];

		if (!path_match(rt->tmpl, r))
			continue;
		if (found == -1)
			found = -2;
		if (strstr(allow, rt->method) == NULL) {
			int w = snprintf(
				allow + len, n - len, "%s%s%s", len ? ", " : "",
				rt->method,
				strcmp(rt->method, "GET") == 0 ? ", HEAD" : "");

			if (w > 0 && (size_t)w < n - len)
				len += (size_t)w;
		}
		if (strcmp(r->method, rt->method) == 0 ||
		    (r->head && strcmp(rt->method, "GET") == 0)) {
			found = (int)i;
			path_match(rt->tmpl, r); /* this route's variables */
			break;
		}
	}
	if (found >= 0) /* the other methods of the path, for OPTIONS */
		for (size_t i = (size_t)found + 1; i < serve_nroutes; i++)
			if (path_match(serve_routes[i].tmpl, r) &&
			    strstr(allow, serve_routes[i].method) == NULL) {
				int w = snprintf(allow + len, n - len, ", %s",
						 serve_routes[i].method);

				if (w > 0 && (size_t)w < n - len)
					len += (size_t)w;
			}
	if (found >= 0)
		path_match(serve_routes[found].tmpl, r);
	return found;
}

/* ---- content negotiation ---- */

static int
fmt_by_name(const char *s)
{
	static const char *const names[SF_N] = {"json", "ndjson", "csv", "tsv"};

	for (int i = 0; i < SF_N; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

/* the format of a media type, or -1 */
static int
fmt_by_type(const char *s, size_t n)
{
	static const struct {
		const char *type;
		int fmt;
	} types[] = {
		{"application/json", SF_JSON},
		{"application/x-ndjson", SF_NDJSON},
		{"application/ndjson", SF_NDJSON},
		{"application/jsonl", SF_NDJSON},
		{"text/csv", SF_CSV},
		{"text/tab-separated-values", SF_TSV},
		{"application/*", SF_JSON},
		{"text/*", SF_CSV},
		{"*/*", SF_JSON},
	};

	for (size_t i = 0; i < sizeof(types) / sizeof(*types); i++)
		if (strlen(types[i].type) == n &&
		    strncasecmp(s, types[i].type, n) == 0)
			return types[i].fmt;
	return -1;
}

/* format= or else the Accept header (RFC 9110 section 12.5.1) */
static int
negotiate(struct serve_req *r)
{
	const char *f = serve_arg(r, "format"), *acc, *p;
	double best_q = 0;
	int best = -1;

	if (f != NULL) {
		if ((r->fmt = fmt_by_name(f)) < 0)
			return serve_fail(
				r, 400,
				"format: '%.40s' is not json, ndjson, "
				"csv or tsv",
				f);
		return 0;
	}
	acc = serve_header(r, MHD_HTTP_HEADER_ACCEPT);
	r->fmt = SF_JSON;
	if (acc == NULL || acc[strspn(acc, " \t")] == '\0')
		return 0;
	for (p = acc; *p;) {
		size_t n = strcspn(p, ","), tn;
		const char *t = p + strspn(p, " \t"), *semi;
		double q = 1;
		int fmt;

		semi = memchr(t, ';', (size_t)(p + n - t));
		tn = (size_t)((semi ? semi : p + n) - t);
		while (tn > 0 && (t[tn - 1] == ' ' || t[tn - 1] == '\t'))
			tn--;
		for (const char *a = semi; a && a < p + n;) {
			a++;
			a += strspn(a, " \t");
			if ((a[0] == 'q' || a[0] == 'Q') && a[1] == '=')
				q = strtod(a + 2, NULL);
			a = memchr(a, ';', (size_t)(p + n - a));
		}
		fmt = fmt_by_type(t, tn);
		if (fmt >= 0 && q > best_q) {
			best_q = q;
			best = fmt;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	if (best < 0)
		return serve_fail(r, 406,
				  "none of the types in Accept is served here "
				  "(application/json, application/x-ndjson, "
				  "text/csv, text/tab-separated-values)");
	r->fmt = best;
	return 0;
}

/* ---- answers ---- */

/* does the If-None-Match list hold etag (weak comparison, RFC 9110
 * section 13.1.2)? */
static int
etag_listed(const char *list, const char *etag)
{
	size_t n = strlen(etag);

	for (const char *p = list; *p;) {
		p += strspn(p, " \t,");
		if (*p == '*')
			return 1;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (strncmp(p, etag, n) == 0 && (p[n] == '\0' || p[n] == ',' ||
						 p[n] == ' ' || p[n] == '\t'))
			return 1;
		p += strcspn(p, ",");
	}
	return 0;
}

static void
doc_free_cb(void *cls)
{
	serve_doc_unref(cls);
}

/* the allowed origin to send back, or NULL */
static const char *
cors_origin(const struct serve_req *r)
{
	const struct serve_conf *c = &r->srv->c;
	const char *origin;

	if (c->ncors == 0)
		return NULL;
	for (int i = 0; i < c->ncors; i++)
		if (strcmp(c->cors[i], "*") == 0)
			return "*";
	if ((origin = serve_header(r, "Origin")) == NULL)
		return NULL;
	for (int i = 0; i < c->ncors; i++)
		if (strcmp(c->cors[i], origin) == 0)
			return c->cors[i];
	return NULL;
}

static void
add_header(struct MHD_Response *resp, const char *name, const char *value)
{
	if (value != NULL)
		MHD_add_response_header(resp, name, value);
}

/* send r->doc (or 304 for it), with its headers and r's */
static enum MHD_Result
send_doc(struct serve_req *r, const char *allow)
{
	const struct serve_route *rt =
		r->route >= 0 ? &serve_routes[r->route] : NULL;
	struct serve_doc *d = r->doc;
	struct MHD_Response *resp;
	const char *inm, *origin = cors_origin(r);
	char buf[256];
	enum MHD_Result ret;
	int status = d->status, cacheable;

	cacheable = rt != NULL && (rt->flags & SR_CACHE) && status == 200;
	inm = serve_header(r, MHD_HTTP_HEADER_IF_NONE_MATCH);
	if (status == 200 && d->etag[0] && inm != NULL &&
	    etag_listed(inm, d->etag)) {
		status = 304;
		atomic_fetch_add_explicit(&r->srv->m.not_modified, 1,
					  memory_order_relaxed);
	}
	if (status == 304 || status == 204 || d->body == NULL) {
		resp = MHD_create_response_from_buffer(0, (void *)"",
						       MHD_RESPMEM_PERSISTENT);
		r->bytes = 0;
	} else {
		serve_doc_ref(d);
		resp = MHD_create_response_from_buffer_with_free_callback_cls(
			d->len, d->body, doc_free_cb, d);
		if (resp == NULL)
			serve_doc_unref(d);
		r->bytes = d->len;
	}
	if (resp == NULL)
		return MHD_NO;
	if (status != 304 && status != 204)
		add_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
			   serve_fmt_type(d->fmt));
	if (d->etag[0])
		add_header(resp, MHD_HTTP_HEADER_ETAG, d->etag);
	if (cacheable || (status == 200 && d->etag[0])) {
		snprintf(buf, sizeof(buf), "max-age=%ld", r->srv->c.max_age);
		add_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, buf);
	} else {
		add_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	}
	if (rt != NULL && (rt->flags & SR_FORMATS))
		add_header(resp, MHD_HTTP_HEADER_VARY,
			   origin && strcmp(origin, "*") != 0 ? "Accept, Origin"
							      : "Accept");
	else if (origin && strcmp(origin, "*") != 0)
		add_header(resp, MHD_HTTP_HEADER_VARY, "Origin");
	if (d->link != NULL && status != 304) {
		char *link = NULL;
		size_t n = strlen(d->link) + 32;

		if ((link = mdx_malloc(n)) != NULL) {
			snprintf(link, n, "<%s>; rel=\"next\"", d->link);
			add_header(resp, "Link", link);
			mdx_free(link);
		}
	}
	if (d->missing != NULL)
		add_header(resp, "X-Missing-Symbols", d->missing);
	if (d->check_failed >= 0)
		add_header(resp, "X-Check-Failed",
			   d->check_failed ? "true" : "false");
	if (d->retry_after > 0) {
		snprintf(buf, sizeof(buf), "%d", d->retry_after);
		add_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, buf);
	}
	if (status == 401)
		add_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
			   "Bearer realm=\"mdx-serve\"");
	if (allow != NULL && allow[0] && (status == 405 || status == 204))
		add_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
	add_header(resp, "X-Request-Id", r->id);
	if (origin != NULL) {
		add_header(resp, "Access-Control-Allow-Origin", origin);
		add_header(resp, "Access-Control-Expose-Headers",
			   "ETag, Link, Retry-After, X-Request-Id, "
			   "X-Missing-Symbols, X-Check-Failed");
		if (strcmp(r->method, "OPTIONS") == 0) {
			add_header(resp, "Access-Control-Allow-Methods", allow);
			add_header(resp, "Access-Control-Allow-Headers",
				   "Authorization, Content-Type, "
				   "If-None-Match, X-Request-Id");
			add_header(resp, "Access-Control-Max-Age", "600");
		}
	}
	if (atomic_load(&r->srv->draining))
		add_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	ret = MHD_queue_response(r->c, (unsigned)status, resp);
	MHD_destroy_response(resp);
	if (ret == MHD_YES)
		r->status = status;
	else
		r->bytes = 0;
	r->state = RS_DONE;
	return ret;
}

/* a GET of a cached route: from the cache, else made and kept */
static void
answer_cached(struct serve_req *r, const struct serve_route *rt)
{
	struct serve *srv = r->srv;
	struct serve_reader *rd;
	struct mdx_err e;
	char keybuf[512], *key = keybuf;
	size_t klen = strlen(r->target) + 2;
	uint64_t gen;

	mdx_err_clear(&e);
	if ((rd = serve_reader_get(srv, &e)) == NULL) {
		serve_fail_err(r, &e);
		return;
	}
	if ((gen = serve_generation(srv, rd)) == 0) {
		fail_retry(r, 503, 1, "the store cannot be read now");
		return;
	}
	if (srv->cache != NULL) {
		if (klen > sizeof(keybuf) && (key = mdx_malloc(klen)) == NULL) {
			serve_fail(r, 500, "out of memory");
			return;
		}
		key[0] = (char)('0' + r->fmt);
		memcpy(key + 1, r->target, klen - 1);
		if ((r->doc = serve_cache_get(srv->cache, key, klen, gen))) {
			r->cache = 1;
			atomic_fetch_add_explicit(&srv->m.cache_hits, 1,
						  memory_order_relaxed);
			goto out;
		}
		r->cache = 0;
		atomic_fetch_add_explicit(&srv->m.cache_misses, 1,
					  memory_order_relaxed);
	}
	rd->timed_out = 0;
	rd->deadline =
		srv->c.query_ms > 0 ? mdx_mono_ms() + srv->c.query_ms : 0;
	rt->run(r);
	rd->deadline = 0;
	if (r->doc != NULL && r->doc->status == 200) {
		r->doc->gen = gen;
		serve_doc_etag(r->doc);
		if (srv->cache != NULL && !r->nocache)
			serve_cache_put(srv->cache, r->doc, key, klen);
	}
out:
	if (key != keybuf)
		mdx_free(key);
}

/* bytes of the request's header fields */
static enum MHD_Result
count_header(void *cls, enum MHD_ValueKind kind, const char *key,
	     const char *value)
{
	size_t *n = cls;

	(void)kind;
	*n += strlen(key) + (value ? strlen(value) : 0) + 4;
	return MHD_YES;
}

/* X-Request-Id as given (1-63 of A-Z a-z 0-9 - _ . :), else a new one */
static void
request_id(struct serve_req *r)
{
	const char *id = serve_header(r, "X-Request-Id");
	uint64_t n;

	if (id != NULL && id[0] != '\0' && strlen(id) < SERVE_ID_LEN &&
	    strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		       "0123456789-_.:") == strlen(id)) {
		snprintf(r->id, sizeof(r->id), "%s", id);
		return;
	}
	n = atomic_fetch_add(&r->srv->ids, 1) ^ r->srv->id_salt;
	snprintf(r->id, sizeof(r->id), "%016llx",
		 (unsigned long long)serve_siphash(r->srv->hash_key, &n,
						   sizeof(n)));
}

static const struct sockaddr *
client_addr(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	return ci ? ci->client_addr : NULL;
}

static void
remote_text(struct serve_req *r)
{
	const struct sockaddr *sa = client_addr(r->c);

	snprintf(r->remote, sizeof(r->remote), "?");
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
			  r->remote, sizeof(r->remote));
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
			  &((const struct sockaddr_in6 *)sa)->sin6_addr,
			  r->remote, sizeof(r->remote));
}

static struct serve_conn *
conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

/* set the deadline of c's connection: ms from now, or 0 for none */
static void
conn_deadline(struct serve *srv, struct MHD_Connection *c, int64_t ms)
{
	struct serve_conn *sc = conn_of(c);

	if (sc == NULL)
		return;
	pthread_mutex_lock(&srv->cmu);
	sc->deadline = ms > 0 ? mdx_mono_ms() + ms : 0;
	pthread_mutex_unlock(&srv->cmu);
}

/*
 * How long a request's line and header fields may take to arrive, ms:
 * --header-timeout (nginx's client_header_timeout), never more than
 * --timeout.  It runs from the connection's start and again from each
 * request line, so slow senders hold a --max-per-ip slot for seconds, not
 * for the whole --timeout.
 */
static int64_t
header_ms(const struct serve *srv)
{
	unsigned s = srv->c.header_timeout;

	if (s == 0 || s > srv->c.timeout)
		s = srv->c.timeout;
	return (int64_t)s * 1000;
}

/* does the request announce a body? */
static int
has_body(struct serve_req *r)
{
	const char *cl = serve_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);

	return (cl != NULL && strcmp(cl, "0") != 0) ||
	       serve_header(r, MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL;
}

/* the checks once the headers are in; returns 0 when they pass (r->state
 * RS_BODY to read a body, else RS_READY), or -1 with r->doc set */
static int
begin(struct serve_req *r, char *allow, size_t nallow)
{
	struct serve *srv = r->srv;
	const struct serve_route *rt;
	size_t hbytes = 0;
	const char *cl;
	int wait;

	if (strlen(r->target) > srv->c.max_url)
		return serve_fail(r, 414,
				  "the request target is longer than %zu "
				  "bytes",
				  srv->c.max_url);
	MHD_get_connection_values(r->c, MHD_HEADER_KIND, count_header, &hbytes);
	if (hbytes > srv->c.max_header)
		return serve_fail(r, 431,
				  "the header fields are larger than %zu bytes",
				  srv->c.max_header);
	if (parse_target(r))
		return -1;
	r->route = route_find(r, allow, nallow);
	if (strcmp(r->method, "OPTIONS") == 0 && r->route != -1) {
		r->route = -1;
		if ((r->doc = serve_doc_new(204, SF_NONE)) == NULL)
			fail_static(r);
		return -1;
	}
	if (r->route == -1)
		return serve_fail(r, 404, "no such resource");
	if (r->route == -2) {
		r->route = -1;
		return serve_fail(r, 405, "method %.20s not allowed here",
				  r->method);
	}
	rt = &serve_routes[r->route];
	if (!(rt->flags & SR_NOLIMIT) && srv->limit != NULL &&
	    (wait = serve_limiter_take(srv->limit, client_addr(r->c),
				       mdx_mono_ms())) > 0) {
		atomic_fetch_add_explicit(&srv->m.rate_limited, 1,
					  memory_order_relaxed);
		return fail_retry(r, 429, wait,
				  "more than %g requests a second from this "
				  "client",
				  srv->c.rate);
	}
	for (int i = 0; i < r->nkv; i++) {
		int known = 0;

		for (int b = 0; b < SP_NPARAM; b++)
			if ((rt->params & (1u << b)) &&
			    strcmp(serve_params[b].name, r->kv[i].name) == 0)
				known = 1;
		if (!known)
			return serve_fail(r, 400,
					  "unknown parameter '%.40s' for %s",
					  r->kv[i].name, rt->tmpl);
	}
	if ((rt->flags & SR_FORMATS) && negotiate(r))
		return -1;
	if ((rt->flags & SR_WRITE) && serve_auth(r))
		return -1;
	if (rt->flags & SR_BODY) {
		long len;

		cl = serve_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl != NULL && (serve_parse_long(cl, 0, LONG_MAX, &len) ||
				   (size_t)len > srv->c.max_body))
			return serve_fail(r, 413,
					  "the body is larger than %zu bytes",
					  srv->c.max_body);
		r->state = RS_BODY;
		conn_deadline(srv, r->c,
			      (int64_t)srv->c.timeout * 1000 * BODY_DEADLINE);
		return 0;
	}
	if (has_body(r))
		return serve_fail(r, 400, "%s %s takes no body", r->method,
				  rt->tmpl);
	r->state = RS_READY;
	return 0;
}

/* answer a request without a body (its checks passed) */
static void
answer(struct serve_req *r)
{
	const struct serve_route *rt = &serve_routes[r->route];

	if (rt->flags & SR_CACHE) {
		answer_cached(r, rt);
	} else {
		rt->run(r);
		if (r->doc != NULL && r->doc->status == 200 &&
		    (rt->flags & SR_ROWS) && !r->doc->etag[0] &&
		    strcmp(rt->method, "GET") == 0)
			serve_doc_etag(r->doc);
	}
	if (r->doc == NULL)
		fail_static(r);
}

/*
 * libmicrohttpd calls this with the headers in, then once per piece of
 * body, then once more with no data.  An answer queued in the first call
 * closes the connection (libmicrohttpd 0.9.75 cannot tell yet that no
 * body follows), so answers wait for the second call, but for a refused
 * body (401, 403, 413): then closing is the point.
 */
static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url,
	   const char *method, const char *version, const char *upload,
	   size_t *upload_size, void **req_cls)
{
	struct serve_req *r = *req_cls;
	(void)cls;
	(void)url;
	(void)version;
	if (r == NULL)
		return MHD_NO; /* no memory for it in on_uri */
	switch (r->state) {
	case RS_NEW:
		r->c = c;
		r->method = method;
		r->head = strcmp(method, "HEAD") == 0;
		conn_deadline(r->srv, c, 0);
		request_id(r);
		remote_text(r);
		if (begin(r, r->allow, sizeof(r->allow)) == 0)
			return MHD_YES;
		if (r->doc == NULL)
			fail_static(r);
		if ((r->route >= 0 &&
		     (serve_routes[r->route].flags & SR_BODY)) ||
		    has_body(r))
			return r->doc ? send_doc(r, r->allow) : MHD_NO;
		r->state = RS_READY; /* the error goes in the next call */
		return MHD_YES;
	case RS_READY:
		if (*upload_size > 0) /* a body begun anyway: refuse it */
			return MHD_NO;
		if (r->doc == NULL)
			answer(r);
		return r->doc ? send_doc(r, r->allow) : MHD_NO;
	case RS_BODY:
		break;
	default:
		return MHD_NO;
	}
	if (*upload_size > 0) {
		size_t n = *upload_size;

		*upload_size = 0;
		if (r->body_over || r->body_len + n > r->srv->c.max_body) {
			/* a chunked body past the cap: libmicrohttpd cannot
			 * answer before the end of the body, so the rest is
			 * read and dropped (413 at the end), up to three
			 * times the cap more; then the connection is cut */
			if (!r->body_over) {
				r->body_over = 1;
				r->body_len = 0;
			}
			r->body_len += n;
			return r->body_len > 3 * r->srv->c.max_body ? MHD_NO
								    : MHD_YES;
		}
		if (r->body_len + n + 1 > r->body_cap) {
			size_t cap = r->body_cap ? r->body_cap : 65536;
			char *nb;

			while (cap < r->body_len + n + 1)
				cap *= 2;
			if ((nb = mdx_realloc(r->body, cap)) == NULL)
				return MHD_NO;
			r->body = nb;
			r->body_cap = cap;
		}
		memcpy(r->body + r->body_len, upload, n);
		r->body_len += n;
		r->body[r->body_len] = '\0';
		return MHD_YES;
	}
	/* the whole body is in */
	conn_deadline(r->srv, c, 0);
	if (r->body_over)
		serve_fail(r, 413, "the body is larger than %zu bytes",
			   r->srv->c.max_body);
	else
		serve_routes[r->route].run(r);
	if (r->doc == NULL)
		fail_static(r);
	return r->doc ? send_doc(r, NULL) : MHD_NO;
}

static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct serve *srv = cls;
	struct serve_req *r = mdx_calloc(1, sizeof(*r));

	/* the request line is in: its header fields have header_ms() */
	conn_deadline(srv, c, header_ms(srv));
	if (r == NULL)
		return NULL;
	r->srv = srv;
	r->t0_us = serve_mono_us();
	r->route = -1;
	r->cache = -1;
	if ((r->target = mdx_strdup(uri)) == NULL) {
		mdx_free(r);
		return NULL;
	}
	atomic_fetch_add(&srv->inflight, 1);
	return r;
}

/* one JSON line on stderr for r (one write(2), so lines never mix) */
static void
access_log(struct serve_req *r, int64_t us, enum MHD_RequestTerminationCode toe)
{
	char ts[MDX_RFC3339_LEN], target[TARGET_LOG_MAX + 1], *text;
	const struct serve_route *rt =
		r->route >= 0 ? &serve_routes[r->route] : NULL;
	json_t *o;
	size_t n;

	mdx_rfc3339_format(mdx_now_ms(), ts);
	snprintf(target, sizeof(target), "%s", r->target);
	o = json_pack(
		"{s:s,s:s,s:s,s:s,s:s,s:s,s:s?,s:o,s:s?,s:o,s:I,s:f}", "time",
		ts, "level", "info", "prog", "mdx-serve", "msg", "request",
		"id", r->id, "remote", r->remote, "method", r->method, "target",
		json_stringn_nocheck(target, strlen(target)), "route",
		rt ? rt->tmpl : NULL, "status",
		r->status ? json_integer(r->status) : json_null(), "bytes",
		(json_int_t)r->bytes, "ms", (double)(int64_t)(us / 10) / 100.0);
	if (o == NULL)
		return;
	if (r->cache >= 0)
		json_object_set_new(o, "cache",
				    json_string(r->cache ? "hit" : "miss"));
	if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
		json_object_set_new(
			o, "error",
			json_string(
				toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED
					? "connection timed out"
				: toe == MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN
					? "server shut down"
				: toe == MHD_REQUEST_TERMINATED_CLIENT_ABORT
					? "client closed the connection"
					: "connection closed"));
	if ((text = mdx_output_json_text(o)) != NULL) {
		n = strlen(text);
		text[n] = '\n'; /* over the NUL: written by length */
		(void)!write(STDERR_FILENO, text, n + 1);
		mdx_free(text);
	}
	json_decref(o);
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
	     enum MHD_RequestTerminationCode toe)
{
	struct serve *srv = cls;
	struct serve_req *r = *req_cls;
	int64_t us;

	if (r == NULL)
		return;
	*req_cls = NULL;
	us = serve_mono_us() - r->t0_us;
	serve_metrics_count(&srv->m, r->route, r->status, us);
	atomic_fetch_add_explicit(&srv->m.bytes_out, r->bytes,
				  memory_order_relaxed);
	if (srv->c.access_log)
		access_log(r, us, toe);
	conn_deadline(srv, c, (int64_t)srv->c.timeout * 1000);
	serve_doc_unref(r->doc);
	mdx_free(r->target);
	mdx_free(r->pbuf);
	mdx_free(r->qbuf);
	mdx_free(r->body);
	mdx_free(r);
	atomic_fetch_sub(&srv->inflight, 1);
}

static void
on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
	      enum MHD_ConnectionNotificationCode toe)
{
	struct serve *srv = cls;
	struct serve_conn *sc;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
			c, MHD_CONNECTION_INFO_CONNECTION_FD);

		if (ci == NULL || (sc = mdx_calloc(1, sizeof(*sc))) == NULL)
			return;
		sc->fd = ci->connect_fd;
		pthread_mutex_lock(&srv->cmu);
		sc->deadline = mdx_mono_ms() + header_ms(srv);
		sc->next = srv->conns;
		if (srv->conns)
			srv->conns->prev = sc;
		srv->conns = sc;
		pthread_mutex_unlock(&srv->cmu);
		*socket_context = sc;
		return;
	}
	if ((sc = *socket_context) == NULL)
		return;
	/* libmicrohttpd tells us before it closes the socket, so the fd
	 * cannot be another connection's while sc is in the registry */
	pthread_mutex_lock(&srv->cmu);
	if (sc->prev)
		sc->prev->next = sc->next;
	else
		srv->conns = sc->next;
	if (sc->next)
		sc->next->prev = sc->prev;
	srv->trim = 1;
	if (srv->conns == NULL) /* idle: give the heap back now */
		pthread_cond_signal(&srv->reaper_cv);
	pthread_mutex_unlock(&srv->cmu);
	mdx_free(sc);
	*socket_context = NULL;
}

/* close connections past their deadline; sweep the rate limiter */
static void *
reaper_main(void *arg)
{
	struct serve *srv = arg;
	int64_t next_sweep = mdx_mono_ms() + 10000;
	struct timespec ts;

	pthread_mutex_lock(&srv->cmu);
	while (!srv->reaper_stop) {
		int64_t now;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += 100 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&srv->reaper_cv, &srv->cmu, &ts);
		now = mdx_mono_ms();
		for (struct serve_conn *sc = srv->conns; sc; sc = sc->next) {
			if (sc->deadline == 0 || now < sc->deadline)
				continue;
			/* libmicrohttpd sees the end of the stream and
			 * closes the connection itself */
			shutdown(sc->fd, SHUT_RDWR);
			sc->deadline = 0;
			atomic_fetch_add_explicit(&srv->m.header_timeouts, 1,
						  memory_order_relaxed);
		}
		if (srv->trim && (srv->conns == NULL || now >= next_sweep)) {
			/*
			 * A burst of connections leaves their memory pools
			 * (--max-url + --max-header + 8K each) free in
			 * glibc's arenas, which keep it: hand the free pages
			 * back when the server goes idle, and every 10 s
			 * under load, so RSS follows the connections open
			 * now, not the largest burst seen.
			 */
			srv->trim = 0;
#ifdef __GLIBC__
			pthread_mutex_unlock(&srv->cmu);
			malloc_trim(0);
			pthread_mutex_lock(&srv->cmu);
#endif
		}
		if (srv->limit != NULL && now >= next_sweep) {
			pthread_mutex_unlock(&srv->cmu);
			serve_limiter_sweep(srv->limit, now);
			pthread_mutex_lock(&srv->cmu);
		}
		if (now >= next_sweep)
			next_sweep = now + 10000;
	}
	pthread_mutex_unlock(&srv->cmu);
	return NULL;
}

/* libmicrohttpd's own messages, as debug lines (-v) */
static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	mdx_log("debug", "libmicrohttpd: %s", msg);
}

int
serve_start(struct serve *srv, int fd, struct mdx_err *e)
{
	const struct serve_conf *c = &srv->c;
	pthread_condattr_t ca;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
			 MHD_USE_ITC | MHD_USE_ERROR_LOG;
	size_t mem = c->max_url + c->max_header + 8192;

	pthread_mutex_init(&srv->cmu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&srv->reaper_cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&srv->reaper, NULL, reaper_main, srv) != 0)
		return mdx_err_set(e, MDX_ENOMEM, "cannot start a thread");
	if (mem < 32768)
		mem = 32768;
	srv->d = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_LISTEN_SOCKET,
		fd, MHD_OPTION_THREAD_POOL_SIZE,
		(unsigned)(c->threads > 1 ? c->threads : 0),
		MHD_OPTION_CONNECTION_TIMEOUT, c->timeout,
		MHD_OPTION_CONNECTION_LIMIT, c->max_conns,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, c->max_per_ip,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, mem,
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
		MHD_OPTION_SIGPIPE_HANDLED_BY_APP, 1,
		MHD_OPTION_STRICT_FOR_CLIENT, 1, MHD_OPTION_END);
	if (srv->d == NULL) {
		pthread_mutex_lock(&srv->cmu);
		srv->reaper_stop = 1;
		pthread_cond_signal(&srv->reaper_cv);
		pthread_mutex_unlock(&srv->cmu);
		pthread_join(srv->reaper, NULL);
		return mdx_err_set(e, MDX_EIO, "cannot start the HTTP daemon");
	}
	return 0;
}

void
serve_stop(struct serve *srv)
{
	int64_t until = mdx_mono_ms() + srv->c.grace * 1000;
	MHD_socket fd;

	atomic_store(&srv->draining, 1);
	fd = MHD_quiesce_daemon(srv->d); /* no new connections */
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	while (atomic_load(&srv->inflight) > 0 && mdx_mono_ms() < until) {
		struct timespec ts = {0, 20 * 1000000L};

		nanosleep(&ts, NULL);
	}
	if (atomic_load(&srv->inflight) > 0)
		mdx_log("warning", "%d requests still running after %ld s",
			atomic_load(&srv->inflight), srv->c.grace);
	MHD_stop_daemon(srv->d);
	srv->d = NULL;
	pthread_mutex_lock(&srv->cmu);
	srv->reaper_stop = 1;
	pthread_cond_signal(&srv->reaper_cv);
	pthread_mutex_unlock(&srv->cmu);
	pthread_join(srv->reaper, NULL);
	pthread_cond_destroy(&srv->reaper_cv);
	pthread_mutex_destroy(&srv->cmu);
}
