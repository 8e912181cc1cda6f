/*
 * fuzz_serve.c - libFuzzer harness of mdx-serve's request path without a
 * socket: the request target (percent-decoding, path segments, query
 * parameters, route matching, the parameter parsers of the routes), the
 * If-None-Match and Accept headers, cursors, and request bodies (a JSON
 * array or NDJSON of bars, as POST /v1/bars takes them).  serve/'s files
 * are included whole, as tests/unit/test_serve.c does, to reach their
 * static functions.  The first byte chooses what the rest is:
 *	0 a target, 1 an If-None-Match list, 2 an Accept list,
 *	3 a cursor, 4 a request body
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../serve/serve_http.c"
#include "../../serve/serve_query.c"
#include "../../serve/serve_write.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct serve srv;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	mdx_alloc_init();
	mdx_log_init("fuzz", MDX_LOG_HUMAN, -1);
	srv.c.max_body = 1 << 20;
	srv.c.max_url = 8 << 10;
	srv.c.max_header = 16 << 10;
	srv.c.timeout = 30;
	memcpy(srv.mac_key, "0123456789abcdef", 16);
	return 0;
}

static void
release(struct serve_req *r)
{
	serve_doc_unref(r->doc);
	mdx_free(r->target);
	mdx_free(r->pbuf);
	mdx_free(r->qbuf);
	mdx_free(r->body);
}

static void
target(const char *s)
{
	struct serve_req r = {0};
	struct mdx_query q = {0};
	struct serve_bar_key k;
	long lim;

	r.srv = &srv;
	r.method = "GET";
	r.route = -1;
	if ((r.target = mdx_strdup(s)) == NULL)
		return;
	if (parse_target(&r) == 0 &&
	    (r.route = route_find(&r, r.allow, sizeof(r.allow))) >= 0) {
		/* the parameter parsers the handlers call first */
		if (serve_q_dates(&r, &q) == 0 &&
		    q_limit(&r, 100, 10000, 0, &lim) == 0 && r.var[0] != NULL &&
		    serve_symbol_var(&r, r.var[0]) == 0 &&
		    strcmp(serve_routes[r.route].tmpl,
			   "/v1/bars/{symbol}/{interval}/{ts}") == 0)
			serve_bar_key(&r, &k);
		if (r.nkv > SERVE_MAX_PARAMS || r.nseg < 0)
			abort();
	}
	release(&r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct serve_cursor cur;
	struct serve_req r = {0};
	struct batch b = {0};
	char *s;

	if (size < 1 || (s = mdx_malloc(size)) == NULL)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0] % 5) {
	case 0:
		target(s);
		break;
	case 1:
		etag_listed(s, "\"0123456789abcdef\"");
		break;
	case 2:
		fmt_by_type(s, strlen(s));
		break;
	case 3:
		if (serve_cursor_decode(srv.mac_key, s, "bars|AAPL|-1|x|y",
					&cur) == 0)
			abort(); /* a forged cursor taken */
		break;
	case 4:
		r.srv = &srv;
		r.body = s;
		r.body_len = size - 1;
		s = NULL;
		if ((b.errors = json_array()) != NULL)
			batch_parse(&r, &b);
		batch_release(&b);
		release(&r);
		break;
	}
	mdx_free(s);
	return 0;
}
