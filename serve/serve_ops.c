/*
 * serve_ops.c - the operations endpoints: /health, /ready, /metrics
 * (Prometheus text exposition format 0.0.4) and /openapi.json (OpenAPI
 * 3.1, made from the route table so that it names every route served).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdx_alloc.h"
#include "mdx_output.h"
#include "mdx_serve_store.h"
#include "mdx_time.h"
#include "serve_int.h"

const double serve_buckets[SERVE_NBUCKETS] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
};

/* statuses counted one by one; 0: none sent (closed, timed out, or
 * refused by libmicrohttpd itself); the slot after them: any other */
const int serve_statuses[SERVE_NSTATUS - 1] = {
	0,   200, 201, 204, 304, 400, 401, 403, 404, 405, 406, 408,
	411, 413, 414, 415, 422, 429, 431, 500, 501, 503, 505,
};

#define NR (serve_nroutes + 1) /* routes, and one for none */

int
serve_metrics_init(struct serve_metrics *m)
{
	m->req = mdx_calloc(NR * SERVE_NSTATUS, sizeof(*m->req));
	m->hist = mdx_calloc(NR * (SERVE_NBUCKETS + 1), sizeof(*m->hist));
	m->sum_us = mdx_calloc(NR, sizeof(*m->sum_us));
	m->started_ms = mdx_now_ms();
	pthread_mutex_init(&m->mu, NULL);
	return m->req && m->hist && m->sum_us ? 0 : -1;
}

void
serve_metrics_free(struct serve_metrics *m)
{
	mdx_free((void *)m->req);
	mdx_free((void *)m->hist);
	mdx_free((void *)m->sum_us);
	pthread_mutex_destroy(&m->mu);
}

void
serve_metrics_count(struct serve_metrics *m, int route, int status, int64_t us)
{
	size_t rt = route >= 0 ? (size_t)route : serve_nroutes;
	int s = SERVE_NSTATUS - 1, b = SERVE_NBUCKETS;

	for (int i = 0; i < SERVE_NSTATUS - 1; i++)
		if (serve_statuses[i] == status) {
			s = i;
			break;
		}
	for (int i = 0; i < SERVE_NBUCKETS; i++)
		if ((double)us <= serve_buckets[i] * 1e6) {
			b = i;
			break;
		}
	atomic_fetch_add_explicit(&m->req[rt * SERVE_NSTATUS + (size_t)s], 1,
				  memory_order_relaxed);
	atomic_fetch_add_explicit(
		&m->hist[rt * (SERVE_NBUCKETS + 1) + (size_t)b], 1,
		memory_order_relaxed);
	atomic_fetch_add_explicit(&m->sum_us[rt], (uint64_t)(us > 0 ? us : 0),
				  memory_order_relaxed);
}

int
serve_o_health(struct serve_req *r)
{
	json_t *o = json_pack("{s:s}", "status", "ok");
	int rc = o ? serve_json_doc(r, 200, o) : -1;

	json_decref(o);
	return rc ? serve_fail(r, 500, "out of memory") : 0;
}

static json_t *
run_json(const struct mdx_serve_run *run, int64_t now)
{
	if (run == NULL)
		return json_null();
	return json_pack("{s:I,s:s,s:s,s:s,s:o}", "id", (json_int_t)run->id,
			 "tool", run->tool, "status", run->status, "finished",
			 run->finished, "age_s",
			 run->finished_ms
				 ? json_integer((now - run->finished_ms) / 1000)
				 : json_null());
}

int
serve_o_ready(struct serve_req *r)
{
	struct serve *srv = r->srv;
	struct serve_reader *rd;
	struct mdx_serve_run last, ok;
	struct mdx_err e;
	int64_t now = mdx_now_ms();
	int has_last, has_ok, stale = 0, rc;
	json_t *o;

	mdx_err_clear(&e);
	if ((rd = serve_reader_get(srv, &e)) == NULL ||
	    (has_last = mdx_serve_store_last_run(rd->s, NULL, &last, &e)) < 0 ||
	    (has_ok = mdx_serve_store_last_run(rd->s, "ok", &ok, &e)) < 0) {
		serve_fail(r, 503, "the store cannot be read: %s", e.text);
		r->doc->retry_after = 5;
		return -1;
	}
	if (srv->c.ready_max_age > 0 &&
	    (!has_ok || ok.finished_ms == 0 ||
	     now - ok.finished_ms > srv->c.ready_max_age * 1000))
		stale = 1;
	o = json_pack("{s:s,s:s,s:o,s:o,s:o}", "status",
		      stale ? "stale" : "ready", "store", srv->c.db, "last_run",
		      run_json(has_last ? &last : NULL, now), "last_success",
		      run_json(has_ok ? &ok : NULL, now), "max_age_s",
		      srv->c.ready_max_age > 0
			      ? json_integer(srv->c.ready_max_age)
			      : json_null());
	rc = o ? serve_json_doc(r, stale ? 503 : 200, o) : -1;
	json_decref(o);
	return rc ? serve_fail(r, 500, "out of memory") : 0;
}

/* the method and route labels of route i (NR - 1: none) */
static void
labels(size_t i, char *buf, size_t n)
{
	if (i < serve_nroutes)
		snprintf(buf, n, "method=\"%s\",route=\"%s\"",
			 serve_routes[i].method, serve_routes[i].tmpl);
	else
		snprintf(buf, n, "method=\"\",route=\"none\"");
}

static void
family(FILE *fp, const char *name, const char *type, const char *help)
{
	fprintf(fp, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
one(FILE *fp, const char *name, const char *type, const char *help, double v)
{
	char num[MDX_NUM_LEN];

	family(fp, name, type, help);
	fprintf(fp, "%s %s\n", name, mdx_output_number(v, num));
}

static uint64_t
ld(_Atomic uint64_t *p)
{
	return atomic_load_explicit(p, memory_order_relaxed);
}

/* the store's figures: bars (recounted when the generation moved) and
 * the last runs */
static void
store_figures(struct serve *srv, FILE *fp)
{
	struct serve_metrics *m = &srv->m;
	struct serve_reader *rd;
	struct mdx_serve_run run;
	struct mdx_err e;
	uint64_t gen;
	int64_t n = -1;

	mdx_err_clear(&e);
	if ((rd = serve_reader_get(srv, &e)) == NULL ||
	    (gen = serve_generation(srv, rd)) == 0)
		return;
	pthread_mutex_lock(&m->mu);
	if (m->bars_gen != gen &&
	    mdx_serve_store_bar_count(rd->s, &m->bars_n, &e) == 0)
		m->bars_gen = gen;
	if (m->bars_gen == gen)
		n = m->bars_n;
	pthread_mutex_unlock(&m->mu);
	one(fp, "mdx_store_generation", "gauge",
	    "Moves each time the store changes (invalidates the cache).",
	    (double)gen);
	if (n >= 0)
		one(fp, "mdx_store_bars", "gauge", "Bars in the store.",
		    (double)n);
	if (mdx_serve_store_last_run(rd->s, "ok", &run, &e) == 1 &&
	    run.finished_ms)
		one(fp, "mdx_pipeline_last_success_timestamp_seconds", "gauge",
		    "When the last pipeline run with status ok finished.",
		    (double)run.finished_ms / 1000.0);
	if (mdx_serve_store_last_run(rd->s, NULL, &run, &e) == 1) {
		if (run.finished_ms)
			one(fp, "mdx_pipeline_last_run_timestamp_seconds",
			    "gauge", "When the last pipeline run finished.",
			    (double)run.finished_ms / 1000.0);
		one(fp, "mdx_pipeline_last_run_ok", "gauge",
		    "1 when the last pipeline run had status ok, else 0.",
		    strcmp(run.status, "ok") == 0);
	}
}

int
serve_o_metrics(struct serve_req *r)
{
	struct serve *srv = r->srv;
	struct serve_metrics *m = &srv->m;
	const union MHD_DaemonInfo *di;
	struct serve_doc *d;
	char lab[160], num[MDX_NUM_LEN], *buf = NULL;
	size_t len = 0;
	FILE *fp;

	if ((fp = open_memstream(&buf, &len)) == NULL)
		return serve_fail(r, 500, "out of memory");
	family(fp, "mdx_http_requests_total", "counter",
	       "HTTP requests answered, by route and status (status 0: no "
	       "answer was sent).");
	for (size_t i = 0; i < NR; i++) {
		labels(i, lab, sizeof(lab));
		for (int s = 0; s < SERVE_NSTATUS; s++) {
			uint64_t v = ld(&m->req[i * SERVE_NSTATUS + (size_t)s]);
			char st[16];

			if (v == 0)
				continue;
			if (s < SERVE_NSTATUS - 1)
				snprintf(st, sizeof(st), "%d",
					 serve_statuses[s]);
			else
				snprintf(st, sizeof(st), "other");
			fprintf(fp,
				"mdx_http_requests_total{%s,status=\"%s\"} "
				"%llu\n",
				lab, st, (unsigned long long)v);
		}
	}
	family(fp, "mdx_http_request_duration_seconds", "histogram",
	       "Time from the request line to the end of the answer.");
	for (size_t i = 0; i < NR; i++) {
		uint64_t cum = 0;

		for (int b = 0; b <= SERVE_NBUCKETS; b++)
			cum += ld(
				&m->hist[i * (SERVE_NBUCKETS + 1) + (size_t)b]);
		if (cum == 0)
			continue;
		labels(i, lab, sizeof(lab));
		cum = 0;
		for (int b = 0; b <= SERVE_NBUCKETS; b++) {
			cum += ld(
				&m->hist[i * (SERVE_NBUCKETS + 1) + (size_t)b]);
			if (b < SERVE_NBUCKETS)
				mdx_output_number(serve_buckets[b], num);
			else
				snprintf(num, sizeof(num), "+Inf");
			fprintf(fp,
				"mdx_http_request_duration_seconds_bucket{%s,"
				"le=\"%s\"} %llu\n",
				lab, num, (unsigned long long)cum);
		}
		fprintf(fp,
			"mdx_http_request_duration_seconds_sum{%s} %s\n"
			"mdx_http_request_duration_seconds_count{%s} %llu\n",
			lab,
			mdx_output_number((double)ld(&m->sum_us[i]) / 1e6, num),
			lab, (unsigned long long)cum);
	}
	one(fp, "mdx_cache_hits_total", "counter",
	    "Answers sent from the response cache.",
	    (double)ld(&m->cache_hits));
	one(fp, "mdx_cache_misses_total", "counter",
	    "Answers made because the cache did not hold them.",
	    (double)ld(&m->cache_misses));
	if (srv->cache != NULL) {
		long entries;
		size_t bytes;

		serve_cache_usage(srv->cache, &entries, &bytes);
		one(fp, "mdx_cache_entries", "gauge", "Answers cached.",
		    (double)entries);
		one(fp, "mdx_cache_bytes", "gauge", "Bytes of answers cached.",
		    (double)bytes);
	}
	one(fp, "mdx_cache_max_bytes", "gauge", "The cache's size limit.",
	    (double)srv->c.cache_bytes);
	one(fp, "mdx_http_not_modified_total", "counter",
	    "304 answers to If-None-Match.", (double)ld(&m->not_modified));
	one(fp, "mdx_http_rate_limited_total", "counter",
	    "Requests refused with 429 by the per-client rate limit.",
	    (double)ld(&m->rate_limited));
	one(fp, "mdx_query_timeouts_total", "counter",
	    "Queries stopped by the query time limit (503).",
	    (double)ld(&m->query_timeouts));
	one(fp, "mdx_http_request_timeouts_total", "counter",
	    "Connections closed because a request took longer than the "
	    "timeout to arrive.",
	    (double)ld(&m->header_timeouts));
	one(fp, "mdx_http_response_bytes_total", "counter", "Body bytes sent.",
	    (double)ld(&m->bytes_out));
	one(fp, "mdx_http_requests_in_flight", "gauge",
	    "Requests begun and not finished.",
	    (double)atomic_load(&srv->inflight));
	if ((di = MHD_get_daemon_info(srv->d,
				      MHD_DAEMON_INFO_CURRENT_CONNECTIONS)))
		one(fp, "mdx_http_connections", "gauge", "Open connections.",
		    (double)di->num_connections);
	one(fp, "mdx_serve_start_time_seconds", "gauge",
	    "When mdx-serve started.", (double)m->started_ms / 1000.0);
	store_figures(srv, fp);
	if (fclose(fp) != 0 || (d = serve_doc_new(200, SF_PROM)) == NULL) {
		free(buf);
		return serve_fail(r, 500, "out of memory");
	}
	serve_doc_body(d, buf, len);
	serve_doc_unref(r->doc);
	r->doc = d;
	return 0;
}

int
serve_o_openapi(struct serve_req *r)
{
	struct serve_doc *d = serve_doc_new(200, SF_JSON);
	char *body;

	if (d == NULL || (body = mdx_strndup(r->srv->openapi,
					     r->srv->openapi_len)) == NULL) {
		serve_doc_unref(d);
		return serve_fail(r, 500, "out of memory");
	}
	serve_doc_body(d, body, r->srv->openapi_len);
	serve_doc_etag(d);
	serve_doc_unref(r->doc);
	r->doc = d;
	return 0;
}

/* ---- the OpenAPI document ---- */

static json_t *
problem_response(const char *desc)
{
	return json_pack("{s:s,s:{s:{s:{s:s}}}}", "description", desc,
			 "content", "application/problem+json", "schema",
			 "$ref", "#/components/schemas/Problem");
}

/* the JSON Schema of a column of type t (serve_columns[]'s names) */
static json_t *
column_schema(const char *t, int key)
{
	const char *base = strcmp(t, "date") == 0 || strcmp(t, "date-time") == 0
				   ? "string"
			   : strcmp(t, "strings") == 0 ? "array"
						       : t;
	json_t *o = key ? json_pack("{s:s}", "type", base)
			: json_pack("{s:[s,s]}", "type", base, "null");

	if (o != NULL && strcmp(base, t) != 0 && strcmp(base, "string") == 0)
		json_object_set_new(o, "format", json_string(t));
	if (o != NULL && strcmp(t, "strings") == 0)
		json_object_set_new(o, "items",
				    json_pack("{s:s}", "type", "string"));
	return o;
}

/* the schema of one row shape: "name name:type ..." up to end */
static json_t *
row_schema(const char *p, const char *end)
{
	json_t *props = json_object(), *req = json_array();

	while (p < end) {
		size_t n = strcspn(p, " "), nn = strcspn(p, ": ");
		const char *type = NULL;
		char name[64], t[32];
		int key = 0;

		if (n > (size_t)(end - p))
			n = (size_t)(end - p);
		if (nn > n)
			nn = n;
		if (n > 0 && nn < sizeof(name)) {
			snprintf(name, sizeof(name), "%.*s", (int)nn, p);
			for (size_t i = 0; i < serve_ncolumns; i++)
				if (strcmp(serve_columns[i].name, name) == 0) {
					type = serve_columns[i].type;
					key = serve_columns[i].key;
				}
			if (nn < n) { /* "name:type" */
				snprintf(t, sizeof(t), "%.*s",
					 (int)(n - nn - 1), p + nn + 1);
				type = t;
			}
			json_object_set_new(
				props, name,
				column_schema(type ? type : "string", key));
			json_array_append_new(req, json_string(name));
		}
		p += n;
		while (p < end && *p == ' ')
			p++;
	}
	return json_pack("{s:s,s:o,s:o}", "type", "object", "properties", props,
			 "required", req);
}

/* the names an interval parameter takes (mdx_interval_parse): each
 * interval's, and 60m (Yahoo's name of 1h) */
static json_t *
interval_enum(void)
{
	json_t *a = json_array();

	for (int i = 0; i < MDX_INTERVAL_N; i++)
		json_array_append_new(a, json_string(mdx_interval_name(i)));
	json_array_append_new(a, json_string("60m"));
	return a;
}

/* the schema of a route's JSON answer: its rows (one of two shapes when
 * cols has " | "), in a page envelope when paged */
static json_t *
rows_schema(const struct serve_route *rt)
{
	const char *bar = strchr(rt->cols, '|');
	const char *end = rt->cols + strlen(rt->cols);
	json_t *items, *rows;

	if (bar == NULL)
		items = row_schema(rt->cols, end);
	else
		items = json_pack("{s:[o,o]}", "oneOf",
				  row_schema(rt->cols, bar),
				  row_schema(bar + 1, end));
	rows = json_pack("{s:s,s:o}", "type", "array", "items", items);
	if (!(rt->flags & SR_PAGED))
		return rows;
	return json_pack("{s:s,s:{s:{s:[s,s]},s:o},s:[s,s]}", "type", "object",
			 "properties", "next", "type", "string", "null", "data",
			 rows, "required", "next", "data");
}

static json_t *
operation(const struct serve_route *rt)
{
	json_t *op, *params, *resp, *content;
	char id[128], desc[1024];
	size_t n = 0;

	for (const char *p = rt->tmpl; *p && n < sizeof(id) - 8; p++)
		if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))
			id[n++] = *p;
		else if (n > 0 && id[n - 1] != '_')
			id[n++] = '_';
	while (n > 0 && id[n - 1] == '_')
		n--;
	id[n] = '\0';
	snprintf(desc, sizeof(desc), "%s%s%s%s", rt->desc,
		 rt->same_as ? " The same answer as `" : "",
		 rt->same_as ? rt->same_as : "", rt->same_as ? "`." : "");
	params = json_array();
	for (const char *p = strchr(rt->tmpl, '{'); p; p = strchr(p + 1, '{')) {
		json_t *pp =
			json_pack("{s:s%,s:s,s:b,s:{s:s}}", "name", p + 1,
				  strcspn(p + 1, "}"), "in", "path", "required",
				  1, "schema", "type", "string");

		if (strncmp(p, "{interval}", 10) == 0)
			json_object_set_new(json_object_get(pp, "schema"),
					    "enum", interval_enum());
		json_array_append_new(params, pp);
	}
	for (int b = 0; b < SP_NPARAM; b++) {
		const struct serve_param_def *pd = &serve_params[b];
		json_t *schema;

		if (!(rt->params & (1u << b)))
			continue;
		schema = json_pack("{s:s}", "type", pd->type);
		if (pd->format != NULL)
			json_object_set_new(schema, "format",
					    json_string(pd->format));
		if (strcmp(pd->name, "format") == 0)
			json_object_set_new(schema, "enum",
					    json_pack("[s,s,s,s]", "json",
						      "ndjson", "csv", "tsv"));
		if (strcmp(pd->name, "interval") == 0 ||
		    strcmp(pd->name, "source") == 0)
			json_object_set_new(schema, "enum", interval_enum());
		json_array_append_new(
			params, json_pack("{s:s,s:s,s:s,s:o}", "name", pd->name,
					  "in", "query", "description",
					  pd->desc, "schema", schema));
	}
	resp = json_object();
	if (rt->flags & SR_FORMATS) {
		content = json_pack("{s:{},s:{},s:{},s:{}}", "application/json",
				    "application/x-ndjson", "text/csv",
				    "text/tab-separated-values");
		/* the rows' columns, from the route table */
		if (content != NULL && rt->cols != NULL)
			json_object_set_new(
				json_object_get(content, "application/json"),
				"schema", rows_schema(rt));
		json_object_set_new(
			resp, "200",
			json_pack("{s:s,s:o,s:{s:{s:s},s:{s:s}}}",
				  "description",
				  "the rows, in the format asked for",
				  "content", content, "headers", "ETag",
				  "description", "strong validator of the body",
				  "Link", "description",
				  "<next page>; rel=\"next\" when there is "
				  "one"));
		json_object_set_new(resp, "304",
				    json_pack("{s:s}", "description",
					      "If-None-Match matched"));
		json_object_set_new(resp, "406",
				    problem_response("no acceptable format"));
	} else if (strcmp(rt->method, "DELETE") == 0) {
		json_object_set_new(
			resp, "204",
			json_pack("{s:s}", "description", "deleted"));
	} else {
		json_object_set_new(resp, "200",
				    json_pack("{s:s,s:{s:{}}}", "description",
					      "the answer", "content",
					      strcmp(rt->tmpl, "/metrics") == 0
						      ? "text/plain"
						      : "application/json"));
	}
	if (strcmp(rt->method, "PUT") == 0)
		json_object_set_new(
			resp, "201",
			json_pack("{s:s}", "description", "created"));
	if (rt->params || strchr(rt->tmpl, '{') || (rt->flags & SR_BODY))
		json_object_set_new(
			resp, "400",
			problem_response("a bad parameter or body"));
	if (rt->flags & SR_WRITE) {
		json_object_set_new(resp, "401",
				    problem_response("no key, or a wrong one"));
		json_object_set_new(
			resp, "403",
			problem_response("writes are off: no key configured"));
	}
	if (strchr(rt->tmpl, '{'))
		json_object_set_new(resp, "404", problem_response("not found"));
	if (rt->flags & SR_BODY) {
		json_object_set_new(resp, "413",
				    problem_response("the body is too large"));
		json_object_set_new(resp, "422",
				    problem_response("invalid records"));
	}
	if (!(rt->flags & SR_NOLIMIT))
		json_object_set_new(resp, "429",
				    problem_response("rate limit; see "
						     "Retry-After"));
	json_object_set_new(resp, "503",
			    problem_response("the store is busy or the query "
					     "ran too long; see Retry-After"));
	op = json_pack("{s:s,s:s,s:s,s:o,s:o}", "operationId", id, "summary",
		       rt->summary, "description", desc, "parameters", params,
		       "responses", resp);
	if (op != NULL && (rt->flags & SR_WRITE))
		json_object_set_new(op, "security",
				    json_pack("[{s:[]}]", "bearer"));
	if (op != NULL && (rt->flags & SR_BODY))
		json_object_set_new(op, "requestBody",
				    json_pack("{s:b,s:{s:{},s:{}}}", "required",
					      1, "content",
					      "application/x-ndjson",
					      "application/json"));
	return op;
}

int
serve_openapi_build(struct serve *srv)
{
	json_t *doc, *paths;
	char method[16];

	doc = json_pack(
		"{s:s,s:{s:s,s:s,s:s},s:{},s:{s:{s:{s:s,s:s}},s:{s:{s:s,s:{s:"
		"{s:s},s:{s:s},s:{s:s},s:{s:s},s:{s:s},s:{s:s}}}}}}",
		"openapi", "3.1.0", "info", "title", "mdx-serve", "version",
		MDX_VERSION, "description",
		"The mdx market data store as JSON over HTTP: the answers of "
		"mdx-query, paged, cached, with ETags; see mdx-serve(1).",
		"paths", "components", "securitySchemes", "bearer", "type",
		"http", "scheme", "bearer", "schemas", "Problem", "type",
		"object", "properties", "type", "type", "string", "title",
		"type", "string", "status", "type", "integer", "detail", "type",
		"string", "instance", "type", "string", "request_id", "type",
		"string");
	if (doc == NULL)
		return -1;
	paths = json_object_get(doc, "paths");
	for (size_t i = 0; i < serve_nroutes; i++) {
		const struct serve_route *rt = &serve_routes[i];
		json_t *item = json_object_get(paths, rt->tmpl), *op;
		size_t k;

		if (item == NULL) {
			item = json_object();
			json_object_set_new(paths, rt->tmpl, item);
		}
		for (k = 0; rt->method[k] && k < sizeof(method) - 1; k++)
			method[k] = (char)(rt->method[k] - 'A' + 'a');
		method[k] = '\0';
		if ((op = operation(rt)) == NULL) {
			json_decref(doc);
			return -1;
		}
		json_object_set_new(item, method, op);
	}
	srv->openapi = json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (srv->openapi == NULL)
		return -1;
	srv->openapi_len = strlen(srv->openapi);
	return 0;
}
