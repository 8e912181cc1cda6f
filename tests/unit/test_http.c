/*
 * test_http.c - lib/http.c against tests/tools/mdx-replay.
 *
 * The replay server runs as a child process on 127.0.0.1 with an ephemeral
 * port ($MDX_BUILD/tests/mdx-replay, routes in
 * tests/fixtures/http/routes.txt, run from the top of the tree).  Its log
 * has one line a request with a CLOCK_MONOTONIC time stamp, so attempts,
 * waits and the rate limit are checked as the server saw them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "mdx_alloc.h"
#include "mdx_http.h"
#include "mdx_time.h"
#include "t.h"

#define ROUTES "tests/fixtures/http/routes.txt"
#define FIXTURES "tests/fixtures/http/"
#define YAHOO_AAPL FIXTURES "yahoo/chart_AAPL_1d_2020-01-01_2021-01-04.json"
#define POLYGON_AAPL                                                           \
	FIXTURES "polygon/aggs_AAPL_1_day_2023-01-01_2023-01-10_asc.json"
#define AV_MSFT                                                                \
	FIXTURES "alphavantage/TIME_SERIES_DAILY_MSFT_compact_2018-06-08.json"
#define YAHOO_404 FIXTURES "yahoo/chart_SI_404_no-data-found.json"

struct server {
	pid_t pid;     /* the mdx-replay process, 0 if none */
	char dir[64];  /* temporary directory: port file, log */
	char log[128]; /* its request log */
	char base[64]; /* "http://127.0.0.1:PORT" */
};

static struct server srv; /* the one most cases use */
static char *base = srv.base;

/* start mdx-replay with the test routes and an optional extra option */
static int
server_start(struct server *sv, const char *opt, const char *arg)
{
	const char *build = getenv("MDX_BUILD");
	char bin[PATH_MAX], portfile[128];
	int ret = -1;

	if (build == NULL || *build == '\0')
		build = "build";
	snprintf(bin, sizeof(bin), "%s/tests/mdx-replay", build);
	snprintf(sv->dir, sizeof(sv->dir), "/tmp/mdx-test-http.XXXXXX");
	if (mkdtemp(sv->dir) == NULL) {
		perror("mkdtemp");
		goto out;
	}
	snprintf(sv->log, sizeof(sv->log), "%s/log", sv->dir);
	snprintf(portfile, sizeof(portfile), "%s/port", sv->dir);
	if ((sv->pid = fork()) < 0) {
		perror("fork");
		goto out;
	}
	if (sv->pid == 0) {
#ifdef __linux__
		prctl(PR_SET_PDEATHSIG, SIGTERM); /* no orphan if we crash */
#endif
		execl(bin, bin, "--port", "0", "--routes", ROUTES, "--log",
		      sv->log, "--port-file", portfile, opt, arg, (char *)NULL);
		fprintf(stderr, "test_http: %s: %s\n", bin, strerror(errno));
		_exit(127);
	}
	for (int i = 0; i < 1000; i++) {
		FILE *fp = fopen(portfile, "r");
		struct timespec ts = {0, 10000000};
		int status;

		if (fp != NULL) {
			unsigned port = 0;

			if (fscanf(fp, "%u", &port) == 1 && port > 0) {
				snprintf(sv->base, sizeof(sv->base),
					 "http://127.0.0.1:%u", port);
				ret = 0;
			}
			fclose(fp);
			if (ret == 0)
				goto out;
		}
		if (waitpid(sv->pid, &status, WNOHANG) == sv->pid) {
			fprintf(stderr, "test_http: mdx-replay exited\n");
			sv->pid = 0;
			goto out;
		}
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "test_http: mdx-replay did not start\n");
out:
	return ret;
}

/* stop sv with SIGTERM; returns its exit status (128 + signal) */
static int
server_stop(struct server *sv)
{
	int status = 0;
	char path[160];

	if (sv->pid > 0) {
		kill(sv->pid, SIGTERM);
		waitpid(sv->pid, &status, 0);
		sv->pid = 0;
	}
	if (getenv("MDX_TEST_KEEP") != NULL) {
		fprintf(stderr, "test_http: server log kept in %s\n", sv->log);
		goto out;
	}
	snprintf(path, sizeof(path), "%s/port", sv->dir);
	unlink(path);
	unlink(sv->log);
	rmdir(sv->dir);
out:
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* ---- the server's log ---- */

struct hit {
	double t;	  /* server time stamp, ms (CLOCK_MONOTONIC) */
	long conn;	  /* connection number */
	char target[512]; /* request target, secrets included */
	int status;	  /* answered, 0 for a drop */
	char kind[16];	  /* route, gzip, fault, drop, stall, noroute */
};

/* the lines of log whose target starts with prefix, in order; returns count */
static int
hits_in(const char *log, const char *prefix, struct hit *out, int max)
{
	FILE *fp = fopen(log, "r");
	char line[1024];
	int n = 0;

	if (fp == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp) != NULL) {
		struct hit h;
		char method[16];

		if (sscanf(line, "%lf %ld %15s %511s %d %15s", &h.t, &h.conn,
			   method, h.target, &h.status, h.kind) != 6)
			continue;
		if (strncmp(h.target, prefix, strlen(prefix)) != 0)
			continue;
		if (n < max)
			out[n] = h;
		n++;
	}
	fclose(fp);
	return n;
}

static int
hits(const char *prefix, struct hit *out, int max)
{
	return hits_in(srv.log, prefix, out, max);
}

/* ---- a client ---- */

struct result {
	int called;	     /* done callbacks */
	long status;	     /* r->status */
	char *body;	     /* owned copy of the body */
	size_t len;	     /* its length */
	int attempts;	     /* r->attempts */
	int64_t elapsed_ms;  /* r->elapsed_ms */
	long retry_after_ms; /* r->retry_after_ms */
	int64_t date_ms;     /* r->date_ms */
	char url[512];	     /* r->url */
	char ctype[128];     /* r->content_type */
	struct mdx_err err;  /* e */
	int stop;	     /* return -1 from done */
};

static void
result_free(struct result *res)
{
	mdx_free(res->body);
	memset(res, 0, sizeof(*res));
}

static int
on_done(const struct mdx_http_resp *r, const struct mdx_err *e)
{
	struct result *res = r->user;

	res->called++;
	res->status = r->status;
	mdx_free(res->body);
	/* NULL under test_alloc_failures */
	if ((res->body = mdx_malloc(r->len + 1)) != NULL)
		memcpy(res->body, r->body, r->len + 1);
	res->len = r->len;
	res->attempts = r->attempts;
	res->elapsed_ms = r->elapsed_ms;
	res->retry_after_ms = r->retry_after_ms;
	res->date_ms = r->date_ms;
	snprintf(res->url, sizeof(res->url), "%s", r->url);
	snprintf(res->ctype, sizeof(res->ctype), "%s",
		 r->content_type ? r->content_type : "");
	res->err = *e;
	return res->stop ? -1 : 0;
}

/* fast retries, deterministic jitter */
static void
quick(struct mdx_http_opts *o)
{
	mdx_http_opts_init(o);
	o->backoff_base_ms = 20;
	o->backoff_cap_ms = 200;
	o->seed = 42;
	o->timeout_ms = 5000;
	o->max_time_ms = 20000;
}

static void
url_of(char *buf, size_t n, const char *path)
{
	snprintf(buf, n, "%s%s", base, path);
}

/* GET base+path with options o and classify c; returns mdx_http_run's */
static int
get1(const struct mdx_http_opts *o, const char *path,
     int (*c)(const struct mdx_http_resp *, int, struct mdx_err *),
     struct result *res, struct mdx_http_stats *st)
{
	struct mdx_http *h;
	struct mdx_http_req rq = {0};
	struct mdx_err e;
	char url[512];
	int ret = -1;

	memset(res, 0, sizeof(*res));
	url_of(url, sizeof(url), path);
	if ((h = mdx_http_new(o, &e)) == NULL) {
		T_FAILMSG("mdx_http_new: %s", e.text);
		return -1;
	}
	rq.url = url;
	rq.user = res;
	rq.classify = c;
	rq.done = on_done;
	if (mdx_http_add(h, &rq, &e) == 0)
		ret = mdx_http_run(h, &e);
	if (ret < 0)
		T_FAILMSG("%s: %s", path, e.text);
	if (st != NULL)
		mdx_http_stats(h, st);
	mdx_http_free(h);
	return ret;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, k;

	if (fp == NULL)
		return NULL;
	do {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 65536;
			buf = mdx_realloc(buf, cap);
		}
		k = fread(buf + n, 1, cap - n - 1, fp);
		n += k;
	} while (k > 0);
	fclose(fp);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* res holds exactly the bytes of file */
static int
same_as_file(const struct result *res, const char *file)
{
	size_t n;
	char *want = slurp(file, &n);
	int same = want != NULL && res->body != NULL && n == res->len &&
		   memcmp(want, res->body, n) == 0;

	mdx_free(want);
	return same;
}

/* ---- cases ---- */

static void
test_ok_body(void)
{
	struct mdx_http_opts o;
	struct mdx_http_stats st;
	struct result res;
	struct hit hv[4];

	quick(&o);
	T_EQ_INT(get1(&o, "/ok/yahoo/AAPL", NULL, &res, &st), 0);
	T_EQ_INT(res.called, 1);
	T_EQ_INT(res.err.code, MDX_OK);
	T_EQ_INT(res.status, 200);
	T_EQ_INT(res.attempts, 1);
	T_OK(same_as_file(&res, YAHOO_AAPL));
	T_EQ_STR(res.ctype, "application/json");
	T_EQ_INT(hits("/ok/yahoo/AAPL", hv, 4), 1);
	T_EQ_INT(st.requests, 1);
	T_EQ_INT(st.retries, 0);
	T_EQ_INT(st.ok, 1);
	T_EQ_INT(st.bytes, (long long)res.len);
	result_free(&res);
}

/* the Date header: the recorded one of a route, else the server's now */
static void
test_date(void)
{
	struct mdx_http_opts o;
	struct result res;
	int64_t now = mdx_now_ms();

	quick(&o);
	/* AAPL 2020's recording: "Sat, 13 Nov 2021 04:37:53 GMT" */
	T_EQ_INT(get1(&o, "/dated/AAPL", NULL, &res, NULL), 0);
	T_EQ_INT(res.date_ms, 1636778273000LL);
	result_free(&res);
	T_EQ_INT(get1(&o, "/ok/yahoo/AAPL", NULL, &res, NULL), 0);
	T_OK(res.date_ms >= now / 1000 * 1000 - 2000 &&
	     res.date_ms <= now + 2000);
	result_free(&res);
}

static void
test_gzip(void)
{
	struct mdx_http_opts o;
	struct result res;
	struct hit hv[2];

	quick(&o);
	o.max_body = 30000; /* the cap is on decoded bytes: 28254 fit */
	T_EQ_INT(get1(&o, "/gzip/yahoo/AAPL", NULL, &res, NULL), 0);
	T_EQ_INT(res.err.code, MDX_OK);
	T_OK(same_as_file(&res, YAHOO_AAPL));
	T_EQ_INT(hits("/gzip/yahoo/AAPL", hv, 2), 1);
	T_EQ_STR(hv[0].kind, "gzip");
	result_free(&res);

	o.max_body = 1000;
	T_EQ_INT(get1(&o, "/gzip/capped", NULL, &res, NULL), 0);
	T_EQ_INT(res.err.code, MDX_ETOOBIG);
	T_EQ_INT(res.attempts, 1);
	result_free(&res);
}

static void
test_headers_sent(void)
{
	struct mdx_http_opts o;
	struct mdx_http *h;
	struct mdx_http_req rq = {0};
	const char *hdrs[] = {"X-Mdx-Test: 1", NULL};
	struct result res = {0};
	struct mdx_err e;
	char url[512];
	json_t *j;

	quick(&o);
	o.user_agent = MDX_HTTP_UA_BROWSER;
	url_of(url, sizeof(url), "/echo");
	h = mdx_http_new(&o, &e);
	rq.url = url;
	rq.headers = hdrs;
	rq.user = &res;
	rq.done = on_done;
	T_EQ_INT(mdx_http_add(h, &rq, &e), 0);
	T_EQ_INT(mdx_http_run(h, &e), 0);
	mdx_http_free(h);
	j = json_loads(res.body ? res.body : "", 0, NULL);
	T_OK(j != NULL);
	T_EQ_STR(json_string_value(json_object_get(j, "user-agent")),
		 MDX_HTTP_UA_BROWSER);
	T_EQ_STR(json_string_value(json_object_get(j, "x-mdx-test")), "1");
	T_OK(json_string_value(json_object_get(j, "accept-encoding")) != NULL &&
	     strstr(json_string_value(json_object_get(j, "accept-encoding")),
		    "gzip") != NULL);
	json_decref(j);
	result_free(&res);
}

static void
test_reuse(void)
{
	struct mdx_http_opts o;
	struct mdx_http *h;
	struct mdx_http_req rq = {0};
	struct result res[3];
	struct hit hv[3];
	struct mdx_err e;
	char url[512];

	quick(&o);
	o.concurrency = 1;
	h = mdx_http_new(&o, &e);
	memset(res, 0, sizeof(res));
	for (int i = 0; i < 3; i++) {
		char path[64];

		snprintf(path, sizeof(path), "/reuse/%d", i);
		url_of(url, sizeof(url), path);
		rq.url = url;
		rq.user = &res[i];
		rq.done = on_done;
		T_EQ_INT(mdx_http_add(h, &rq, &e), 0);
	}
	T_EQ_INT(mdx_http_run(h, &e), 0);
	mdx_http_free(h);
	T_EQ_INT(hits("/reuse/", hv, 3), 3);
	T_EQ_INT(hv[1].conn, hv[0].conn);
	T_EQ_INT(hv[2].conn, hv[0].conn);
	for (int i = 0; i < 3; i++) {
		T_EQ_INT(res[i].err.code, MDX_OK);
		result_free(&res[i]);
	}
}

static void
test_429_retry_after(void)
{
	struct mdx_http_opts o;
	struct mdx_http_stats st;
	struct result res;
	struct hit hv[4];

	quick(&o);
	T_EQ_INT(get1(&o, "/r429ra/AAPL", NULL, &res, &st), 0);
	T_EQ_INT(res.err.code, MDX_OK);
	T_EQ_INT(res.attempts, 2);
	T_OK(res.elapsed_ms >= 1000);
	T_OK(same_as_file(&res, YAHOO_AAPL));
	T_EQ_INT(hits("/r429ra/AAPL", hv, 4), 2);
	T_EQ_INT(hv[0].status, 429);
	T_EQ_INT(hv[1].status, 200);
	T_OK(hv[1].t - hv[0].t >= 1000.0);
	T_EQ_INT(st.http429, 1);
	T_EQ_INT(st.retries, 1);
	T_EQ_INT(st.requests, 2);
	result_free(&res);
}

static void
test_429_http_date(void)
{
	struct mdx_http_opts o;
	struct result res;
	struct hit hv[4];

	/* Retry-After: an HTTP-date 2 s ahead, at 1 s resolution: >= 1 s */
	quick(&o);
	T_EQ_INT(get1(&o, "/r429date/AAPL", NULL, &res, NULL), 0);
	T_EQ_INT(res.err.code, MDX_OK);
	T_EQ_INT(res.attempts, 2);
	T_EQ_INT(hits("/r429date/AAPL", hv, 4), 2);
	T_OK(hv[1].t - hv[0].t >= 1000.0);
	T_OK(hv[1].t - hv[0].t < 4000.0);
	result_free(&res);
}

static void
test_429_backoff(void)
{
	struct mdx_http_opts o;
	struct result res;
	struct hit hv[4];
	uint64_t rng;
	long d1, d2;

	/* no Retry-After: waits are the seeded full-jitter draws */
	quick(&o);
	o.backoff_base_ms = 100;
	o.backoff_cap_ms = 1000;
	o.seed = 7;
	rng = o.seed;
	d1 = mdx_http_backoff_ms(&rng, 1, 100, 1000);
	d2 = mdx_http_backoff_ms(&rng, 2, 100, 1000);
	T_OK(d1 >= 0 && d1 <= 100);
	T_OK(d2 >= 0 && d2 <= 200);
	T_EQ_INT(get1(&o, "/r429/AAPL", NULL, &res, NULL), 0);
	T_EQ_INT(res.err.code, MDX_OK);
	T_EQ_INT(res.attempts, 3);
	T_EQ_INT(hits("/r429/AAPL", hv, 4), 3);
	T_OK(hv[1].t - hv[0].t >= (double)d1);
	T_OK(hv[2].t - hv[1].t >= (double)d2);
	T_OK(hv[2].t - hv[0].t < 2000.0);
	result_free(&res);
}

static void
test_5xx(void)
{
	static const char *const paths[] = {"/r500/AAPL", "/r503/AAPL"};
	struct mdx_http_opts o;
	struct result res;
	struct hit hv[4];

	quick(&o);
	for (int i = 0; i < 2; i++) {
		T_EQ_INT(get1(&o, paths[i], NULL, &res, NULL), 0);
		T_EQ_INT(res.err.code, MDX_OK);
		T_EQ_INT(res.attempts, 2);
		T_OK(same_as_file(&res, YAHOO_AAPL));
		T_EQ_INT(hits(paths[i], hv, 4), 2);
		T_EQ_INT(hv[0].status, i == 0 ? 500 : 503);
		result_free(&res);
	}
}

static void
test_exhausted(void)
{
	struct mdx_http_opts o;
	struct mdx_http_stats st;
	struct result res;
	struct hit hv[8];

	quick(&o);
	o.retries = 2;
	T_EQ_INT(get1(&o, "/always503/AAPL", NULL, &res, &st), 0);
	T_EQ_INT(res.err.code, MDX_ETEMP);
	T_EQ_INT(res.attempts, 3);
	T_EQ_INT(res.status, 503);
	T_OK(strstr(res.err.text, "HTTP 503") != NULL);
	T_OK(strstr(res.err.text, "3 attempts") != NULL);
	T_OK(strstr(res.err.file, "/always503/AAPL") != NULL);
	T_EQ_INT(hits("/always503/AAPL", hv, 8), 3);
	T_EQ_INT(st.failed, 1);
	T_EQ_INT(st.retries, 2);
	result_free(&res);
}

static void
test_budget(void)
{
	struct mdx_http_opts o;
	struct result res;
	struct hit hv[4];

	/* Retry-After: 5 does not fit a budget of 2 s: give up at once */
	quick(&o);
	o.max_time_ms = 2000;
	T_EQ_INT(get1(&o, "/budget/AAPL", NULL, &res, NULL), 0);
	T_EQ_INT(res.err.code, MDX_ETEMP);
	T_EQ_INT(res.attempts, 1);
	T_EQ_INT(res.retry_after_ms, 5000);
	T_OK(res.elapsed_ms < 1000);
	T_OK(strstr(res.err.text, "time budget") != NULL);
	T_EQ_INT(hits("/budget/AAPL", hv, 4), 1);
	result_free(&res);
}

static void
test_404_permanent(void)
{
	struct mdx_http_opts o;
	struct result res;
	struct hit hv[4];
	char msg[1024];

	quick(&o);
	T_EQ_INT(get1(&o, "/v8/finance/chart/SI?interval=1d&apikey=TOPSECRET99",
		      NULL, &res, NULL),
		 0);
	T_EQ_INT(res.err.code, MDX_EPERM);
	T_EQ_INT(res.attempts, 1);
	T_EQ_INT(res.status, 404);
	T_OK(same_as_file(&res, YAHOO_404));
	T_EQ_INT(hits("/v8/finance/chart/SI", hv, 4), 1);
	T_OK(strstr(hv[0].target, "TOPSECRET99") != NULL); /* it was sent */
	mdx_err_str(&res.err, msg, sizeof(msg));
	T_OK(strstr(msg, "TOPSECRET99") == NULL);
	T_OK(strstr(res.url, "TOPSECRET99") == NULL);
	T_OK(strstr(res.url, "apikey=REDACTED") != NULL);
	result_free(&res);

	/* no route: Yahoo-like 404 */
	T_EQ_INT(get1(&o, "/no/such/route", NULL, &res, NULL), 0);
	T_EQ_INT(res.err.code, MDX_EPERM);
	T_EQ_INT(res.status, 404);
	T_OK(strstr(res.body, "No data found") != NULL);
	result_free(&res);
}

/* Alpha Vantage: "Note"/"Information" are rate limits, "Error Message" not */
static int
av_classify(const struct mdx_http_resp *r, int verdict, struct mdx_err *e)
{
	json_t *j, *v;
	int ret = verdict;

	if (verdict != MDX_HTTP_OK)
		return verdict;
	if ((j = json_loadb(r->body, r->len, 0, NULL)) == NULL)
		return MDX_HTTP_OK;
	if ((v = json_object_get(j, "Note")) != NULL ||
	    (v = json_object_get(j, "Information")) != NULL) {
		mdx_err_set(e, MDX_ETEMP, "rate limited: %s",
			    json_string_value(v) ? json_string_value(v) : "");
		ret = MDX_HTTP_TEMP;
	} else if ((v = json_object_get(j, "Error Message")) != NULL) {
		mdx_err_set(e, MDX_ENOTFOUND, "%s",
			    json_string_value(v) ? json_string_value(v) : "");
		ret = MDX_HTTP_PERM;
	}
	json_decref(j);
	return ret;
}

static void
test_av_note(void)
{
	struct mdx_http_opts o;
	struct result res;
	struct hit hv[4];
	const char *p = "/query?function=TIME_SERIES_DAILY&symbol=MSFT";
	char path[256];

	quick(&o);
	snprintf(path, sizeof(path), "%s&apikey=demo", p);
	T_EQ_INT(get1(&o, path, av_classify, &res, NULL), 0);
	T_EQ_INT(res.err.code, MDX_OK);
	T_EQ_INT(res.attempts, 3);
	T_OK(same_as_file(&res, AV_MSFT));
	T_EQ_INT(hits(p, hv, 4), 3);
	result_free(&res);

	/* "Note" every time: retries run out, the Note is the reason */
	o.retries = 1;
	T_EQ_INT(get1(&o, "/query?function=TIME_SERIES_DAILY&symbol=NOTE",
		      av_classify, &res, NULL),
		 0);
	T_EQ_INT(res.err.code, MDX_ETEMP);
	T_EQ_INT(res.attempts, 2);
	T_OK(strstr(res.err.text, "rate limited: Thank you") != NULL);
	T_OK(strstr(res.err.text, "2 attempts") != NULL);
	result_free(&res);

	quick(&o);
	snprintf(path, sizeof(path),
		 "/query?function=TIME_SERIES_DAILY&symbol=XXXX&apikey=demo");
	T_EQ_INT(get1(&o, path, av_classify, &res, NULL), 0);
	T_EQ_INT(res.err.code, MDX_ENOTFOUND);
	T_EQ_INT(res.attempts, 1);
	T_OK(strstr(res.err.text, "Invalid API call") != NULL);
	T_EQ_INT(hits("/query?function=TIME_SERIES_DAILY&symbol=XXXX", hv, 4),
		 1);
	result_free(&res);
}

static void
test_stall(void)
{
	struct mdx_http_opts o;
	struct result res;
	struct hit hv[4];

	quick(&o);
	o.retries = 0;
	o.timeout_ms = 500;
	T_EQ_INT(get1(&o, "/stall/AAPL", NULL, &res, NULL), 0);
	T_EQ_INT(res.err.code, MDX_ETEMP);
	T_EQ_INT(res.attempts, 1);
	T_OK(strstr(res.err.text, "timed out") != NULL);
	T_OK(res.elapsed_ms >= 450 && res.elapsed_ms < 3000);
	T_EQ_INT(hits("/stall/AAPL", hv, 4), 1);
	result_free(&res);

	/* the same fault once, then the body: retried */
	o.retries = 1;
	T_EQ_INT(get1(&o, "/stall1/AAPL", NULL, &res, NULL), 0);
	T_EQ_INT(res.err.code, MDX_OK);
	T_EQ_INT(res.attempts, 2);
	T_OK(same_as_file(&res, YAHOO_AAPL));
	T_EQ_INT(hits("/stall1/AAPL", hv, 4), 2);
	result_free(&res);
}

static void
test_drop(void)
{
	struct mdx_http_opts o;
	struct result res;
	struct hit hv[4];

	quick(&o);
	o.retries = 1;
	T_EQ_INT(get1(&o, "/drop/AAPL", NULL, &res, NULL), 0);
	T_EQ_INT(res.err.code, MDX_OK);
	T_EQ_INT(res.attempts, 2);
	T_OK(same_as_file(&res, YAHOO_AAPL));
	T_EQ_INT(hits("/drop/AAPL", hv, 4), 2);
	T_EQ_STR(hv[0].kind, "drop");

	result_free(&res);
	T_EQ_INT(get1(&o, "/dropalways/AAPL", NULL, &res, NULL), 0);
	T_EQ_INT(res.err.code, MDX_ETEMP);
	T_EQ_INT(res.attempts, 2);
	T_EQ_INT(res.status, 0);
	T_OK(strstr(res.err.text, "without a response") != NULL);
	T_EQ_INT(hits("/dropalways/AAPL", hv, 4), 2);
	result_free(&res);
}

static void
test_refused(void)
{
	struct mdx_http_opts o;
	struct mdx_http *h;
	struct mdx_http_req rq = {0};
	struct result res = {0};
	struct mdx_err e;
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	char url[128];
	int fd;

	/* a port bound but not listening: every connect is refused */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	T_OK(fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	     getsockname(fd, (struct sockaddr *)&sa, &sl) == 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/x",
		 (unsigned)ntohs(sa.sin_port));
	quick(&o);
	o.retries = 1;
	h = mdx_http_new(&o, &e);
	rq.url = url;
	rq.user = &res;
	rq.done = on_done;
	T_EQ_INT(mdx_http_add(h, &rq, &e), 0);
	T_EQ_INT(mdx_http_run(h, &e), 0);
	mdx_http_free(h);
	T_EQ_INT(res.err.code, MDX_ETEMP);
	T_EQ_INT(res.attempts, 2);
	T_OK(strstr(res.err.text, "could not connect") != NULL);
	result_free(&res);
	close(fd);
}

static void
test_cap(void)
{
	struct mdx_http_opts o;
	struct result res;

	quick(&o);
	o.max_body = 1000;
	T_EQ_INT(get1(&o, "/ok/capped", NULL, &res, NULL), 0);
	T_EQ_INT(res.err.code, MDX_ETOOBIG);
	T_EQ_INT(res.attempts, 1);
	T_OK(strstr(res.err.text, "1000 bytes") != NULL);
	result_free(&res);

	/* no Content-Length: the cap is checked as the bytes come */
	T_EQ_INT(get1(&o, "/chunked/capped", NULL, &res, NULL), 0);
	T_EQ_INT(res.err.code, MDX_ETOOBIG);
	T_EQ_INT(res.attempts, 1);
	result_free(&res);
	o.max_body = 28254; /* exactly the body's size fits */
	T_EQ_INT(get1(&o, "/chunked/fits", NULL, &res, NULL), 0);
	T_EQ_INT(res.err.code, MDX_OK);
	T_OK(same_as_file(&res, YAHOO_AAPL));
	result_free(&res);
	o.max_body = 28253;
	T_EQ_INT(get1(&o, "/chunked/over", NULL, &res, NULL), 0);
	T_EQ_INT(res.err.code, MDX_ETOOBIG);
	result_free(&res);
}

static void
test_redirect(void)
{
	struct mdx_http_opts o;
	struct result res;
	struct hit hv[16];
	struct mdx_err e;

	quick(&o);
	T_EQ_INT(get1(&o, "/redir/once", NULL, &res, NULL), 0);
	T_EQ_INT(res.err.code, MDX_OK);
	T_OK(same_as_file(&res, YAHOO_AAPL));
	T_EQ_INT(hits("/ok/redirected", hv, 16), 1);
	result_free(&res);

	/* a hop is a request: it waits for the rate limiter too (a warm-up
	 * request opens the connection first, see rate_run) */
	o.rate = 600;
	{
		struct mdx_http *h = mdx_http_new(&o, &e);
		struct mdx_http_req rq = {0};
		struct result warm = {0};
		char url[512];

		url_of(url, sizeof(url), "/ok/warm-redirect");
		rq.url = url;
		rq.user = &warm;
		rq.done = on_done;
		T_EQ_INT(mdx_http_add(h, &rq, &e), 0);
		memset(&res, 0, sizeof(res));
		url_of(url, sizeof(url), "/redir/once");
		rq.user = &res;
		T_EQ_INT(mdx_http_add(h, &rq, &e), 0);
		T_EQ_INT(mdx_http_run(h, &e), 0);
		mdx_http_free(h);
		result_free(&warm);
	}
	T_EQ_INT(res.err.code, MDX_OK);
	T_EQ_INT(res.attempts, 1);
	T_EQ_INT(hits("/redir/once", hv, 16), 2);
	T_EQ_INT(hits("/ok/redirected", hv + 2, 14), 2);
	T_OK(hv[3].t - hv[1].t >= 100.0);
	result_free(&res);

	o.rate = 0;
	o.max_redirects = 3;
	T_EQ_INT(get1(&o, "/redir/loop", NULL, &res, NULL), 0);
	T_EQ_INT(res.err.code, MDX_EPERM);
	T_EQ_INT(res.attempts, 1);
	T_OK(strstr(res.err.text, "redirects") != NULL);
	T_EQ_INT(hits("/redir/loop", hv, 16), 4); /* first and 3 redirects */
	result_free(&res);
}

static void
test_concurrency(void)
{
	struct mdx_http_opts o;
	struct result res[4];
	struct mdx_err e;
	int64_t t0, par = 0, ser = 0;

	quick(&o);
	for (int pass = 0; pass < 2; pass++) {
		struct mdx_http *h;
		struct mdx_http_req rq = {0};

		o.concurrency = pass == 0 ? 4 : 1;
		h = mdx_http_new(&o, &e);
		memset(res, 0, sizeof(res));
		for (int i = 0; i < 4; i++) {
			char path[64], url[512];

			snprintf(path, sizeof(path), "/slow/%d/%d", pass, i);
			url_of(url, sizeof(url), path);
			rq.url = url;
			rq.user = &res[i];
			rq.done = on_done;
			T_EQ_INT(mdx_http_add(h, &rq, &e), 0);
		}
		t0 = mdx_mono_ms();
		T_EQ_INT(mdx_http_run(h, &e), 0);
		if (pass == 0)
			par = mdx_mono_ms() - t0;
		else
			ser = mdx_mono_ms() - t0;
		mdx_http_free(h);
		for (int i = 0; i < 4; i++) {
			T_EQ_INT(res[i].err.code, MDX_OK);
			T_OK(same_as_file(&res[i], POLYGON_AAPL));
			result_free(&res[i]);
		}
	}
	/*
	 * each answer waits 200 ms: 4 at once take about 200, one by one 800.
	 * Compared with each other rather than with a fixed bound, so that a
	 * loaded machine, which slows both, does not fail the test.
	 */
	T_OK(par + 300 < ser);
	T_OK(ser >= 800);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * n requests at rate/burst; the server's time stamps, sorted, into t.
 * burst warm-up requests go first and are not in t: they open the
 * connections, and a new connection's set-up (a thread in mdx-replay)
 * delays the server's stamp of its first request by up to some ms, which
 * would eat the limiter's 1% margin under a loaded machine.
 */
static int
rate_run(double rate, int burst, int n, const char *tag, double *t)
{
	struct mdx_http_opts o;
	struct mdx_http *h;
	struct mdx_http_req rq = {0};
	struct result res[16];
	struct hit hv[16];
	struct mdx_err e;
	char prefix[64];
	int got;

	quick(&o);
	o.rate = rate;
	o.burst = burst;
	o.concurrency = 4;
	h = mdx_http_new(&o, &e);
	memset(res, 0, sizeof(res));
	for (int i = 0; i < burst + n; i++) {
		char path[64], url[512];

		if (i < burst)
			snprintf(path, sizeof(path), "/rate/%s-warm/%d", tag,
				 i);
		else
			snprintf(path, sizeof(path), "/rate/%s/%d", tag,
				 i - burst);
		url_of(url, sizeof(url), path);
		rq.url = url;
		rq.user = &res[i];
		rq.done = on_done;
		T_EQ_INT(mdx_http_add(h, &rq, &e), 0);
	}
	T_EQ_INT(mdx_http_run(h, &e), 0);
	mdx_http_free(h);
	for (int i = 0; i < burst + n; i++) {
		T_EQ_INT(res[i].err.code, MDX_OK);
		result_free(&res[i]);
	}
	snprintf(prefix, sizeof(prefix), "/rate/%s/", tag);
	got = hits(prefix, hv, 16);
	for (int i = 0; i < got && i < n; i++)
		t[i] = hv[i].t;
	/* stamps are taken before the log lock: sort them */
	qsort(t, (size_t)(got < n ? got : n), sizeof(*t), cmp_double);
	return got;
}

static void
test_rate(void)
{
	double t[16];

	/* 120 a minute, burst 1: the server sees them >= 500 ms apart */
	T_EQ_INT(rate_run(120, 1, 6, "even", t), 6);
	for (int i = 1; i < 6; i++)
		if (!(t[i] - t[i - 1] >= 500.0))
			T_FAILMSG("gap %d: %.3f ms < 500", i, t[i] - t[i - 1]);
	T_OK(t[5] - t[0] < 2500.0 * 1.05 + 300);
}

static void
test_rate_burst(void)
{
	double t[16];

	/* 180 a minute, burst 3: 3 at once, then each >= 1 s after the one
	 * 3 before it; never 4 in any 1 s window */
	T_EQ_INT(rate_run(180, 3, 6, "burst", t), 6);
	T_OK(t[2] - t[0] < 300.0);
	for (int i = 3; i < 6; i++)
		if (!(t[i] - t[i - 3] >= 1000.0))
			T_FAILMSG("window %d: %.3f ms < 1000", i,
				  t[i] - t[i - 3]);
}

/* Polygon paging: follow next_url, adding the key back */
struct pager {
	struct mdx_http *h; /* the client */
	const char *key;    /* the API key */
	int pages;	    /* pages seen */
	int ok;		    /* pages that were delivered */
	struct result last; /* the last page */
};

static int
on_page(const struct mdx_http_resp *r, const struct mdx_err *e)
{
	struct pager *pg = r->user;
	json_t *j;
	const char *next;
	struct mdx_err ae;

	pg->pages++;
	if (e->code != MDX_OK)
		return 0;
	pg->ok++;
	T_OK(strstr(r->url, pg->key) == NULL);
	mdx_free(pg->last.body);
	pg->last.body = mdx_strndup(r->body, r->len);
	pg->last.len = r->len;
	if ((j = json_loadb(r->body, r->len, 0, NULL)) == NULL)
		return -1;
	next = json_string_value(json_object_get(j, "next_url"));
	if (next != NULL) {
		char url[1024], *secrets[] = {(char *)pg->key, NULL};
		struct mdx_http_req rq = {0};

		snprintf(url, sizeof(url), "%s%capiKey=%s", next,
			 strchr(next, '?') ? '&' : '?', pg->key);
		rq.url = url;
		rq.secrets = (const char *const *)secrets;
		rq.user = pg;
		rq.done = on_page;
		if (mdx_http_add(pg->h, &rq, &ae) < 0)
			T_FAILMSG("add next page: %s", ae.text);
	}
	json_decref(j);
	return 0;
}

static void
test_pagination(void)
{
	static const char *const path =
		"/v2/aggs/ticker/AAPL/range/1/day/2023-01-01/2023-01-10";
	struct mdx_http_opts o;
	struct mdx_http_req rq = {0};
	struct pager pg = {0};
	struct hit hv[4];
	struct mdx_err e;
	const char *secrets[] = {"PGKEY0123456789", NULL};
	char url[512];

	quick(&o);
	pg.h = mdx_http_new(&o, &e);
	pg.key = secrets[0];
	snprintf(url, sizeof(url), "%s%s?adjusted=true&sort=asc&apiKey=%s",
		 base, path, pg.key);
	rq.url = url;
	rq.secrets = secrets;
	rq.user = &pg;
	rq.done = on_page;
	T_EQ_INT(mdx_http_add(pg.h, &rq, &e), 0);
	T_EQ_INT(mdx_http_run(pg.h, &e), 0);
	mdx_http_free(pg.h);
	T_EQ_INT(pg.pages, 2);
	T_EQ_INT(pg.ok, 2);
	T_OK(same_as_file(&pg.last, POLYGON_AAPL));
	T_EQ_INT(hits(path, hv, 4), 2);
	T_OK(strstr(hv[1].target, "cursor=") != NULL);
	T_OK(strstr(hv[1].target, "apiKey=PGKEY0123456789") != NULL);
	result_free(&pg.last);
}

/* n GETs of /rate/TAG/i from sv.base; returns how many ended MDX_OK */
static int
quota_run(struct server *sv, const struct mdx_http_opts *o, int n,
	  const char *tag, struct mdx_http_stats *st)
{
	struct mdx_http *h;
	struct mdx_http_req rq = {0};
	struct result res[16];
	struct mdx_err e;
	int ok = 0;

	h = mdx_http_new(o, &e);
	memset(res, 0, sizeof(res));
	for (int i = 0; i < n; i++) {
		char url[512];

		snprintf(url, sizeof(url), "%s/rate/%s/%d", sv->base, tag, i);
		rq.url = url;
		rq.user = &res[i];
		rq.done = on_done;
		T_EQ_INT(mdx_http_add(h, &rq, &e), 0);
	}
	T_EQ_INT(mdx_http_run(h, &e), 0);
	mdx_http_stats(h, st);
	mdx_http_free(h);
	for (int i = 0; i < n; i++) {
		ok += res[i].err.code == MDX_OK;
		result_free(&res[i]);
	}
	return ok;
}

static void
test_server_quota(void)
{
	struct server sv = {0};
	struct mdx_http_opts o;
	struct mdx_http_stats st;
	struct hit hv[16];

	/* a server that admits 4 requests in any 1 s */
	if (server_start(&sv, "--rate-limit", "4/1") < 0) {
		T_FAILMSG("cannot start mdx-replay --rate-limit");
		return;
	}
	/* 200 a minute, under the quota: never a 429 (the exact fit, 240 a
	 * minute, leaves only 10 ms to the jitter of a loaded machine) */
	quick(&o);
	o.rate = 200;
	o.retries = 0;
	T_EQ_INT(quota_run(&sv, &o, 8, "kept", &st), 8);
	T_EQ_INT(st.http429, 0);
	T_EQ_INT(hits_in(sv.log, "/rate/kept/", hv, 16), 8);
	for (int i = 0; i < 8; i++)
		T_EQ_STR(hv[i].kind, "route");

	/* no limit: the server refuses what is over its quota */
	o.rate = 0;
	T_OK(quota_run(&sv, &o, 8, "over", &st) < 8);
	T_OK(st.http429 > 0);
	T_EQ_INT(server_stop(&sv), 0);
}

static void
test_stop(void)
{
	struct mdx_http_opts o;
	struct mdx_http *h;
	struct mdx_http_req rq = {0};
	struct result res[3];
	struct mdx_err e;
	char url[512];

	quick(&o);
	o.concurrency = 1;
	h = mdx_http_new(&o, &e);
	memset(res, 0, sizeof(res));
	res[0].stop = 1;
	for (int i = 0; i < 3; i++) {
		char path[64];

		snprintf(path, sizeof(path), "/ok/stop/%d", i);
		url_of(url, sizeof(url), path);
		rq.url = url;
		rq.user = &res[i];
		rq.done = on_done;
		T_EQ_INT(mdx_http_add(h, &rq, &e), 0);
	}
	T_EQ_INT(mdx_http_run(h, &e), -1);
	T_OK(strstr(e.text, "stopped") != NULL);
	mdx_http_free(h);
	T_EQ_INT(res[0].err.code, MDX_OK);
	for (int i = 0; i < 3; i++) {
		T_EQ_INT(res[i].called, 1);
		if (i > 0) {
			T_EQ_INT(res[i].err.code, MDX_EIO);
			T_EQ_STR(res[i].err.text, "cancelled");
		}
		result_free(&res[i]);
	}
}

static volatile sig_atomic_t stop_flag;

static void
on_alarm(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/*
 * The options' stop flag, set by a signal handler while a request waits
 * for a slow answer (the route's delay 200 ms, made 5 s with
 * --latency-ms on the server of this case): the run ends at once, the
 * request in flight is aborted and its callback says "cancelled", and the
 * client can be used again.
 */
static void
test_stop_flag(void)
{
	struct mdx_http_opts o;
	struct mdx_http *h;
	struct mdx_http_req rq = {0};
	struct result res;
	struct server sv = {0};
	struct sigaction sa = {0}, old;
	struct itimerval it = {{0, 0}, {0, 100000}};
	struct mdx_err e;
	char url[512];
	int64_t t0;

	if (server_start(&sv, "--latency-ms", "5000") < 0) {
		T_FAILMSG("cannot start mdx-replay");
		return;
	}
	quick(&o);
	o.stop = &stop_flag;
	stop_flag = 0;
	h = mdx_http_new(&o, &e);
	memset(&res, 0, sizeof(res));
	snprintf(url, sizeof(url), "%s/slow/stop", sv.base);
	rq.url = url;
	rq.user = &res;
	rq.done = on_done;
	T_EQ_INT(mdx_http_add(h, &rq, &e), 0);
	sa.sa_handler = on_alarm; /* no SA_RESTART: poll(2) never restarts */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &old);
	t0 = mdx_mono_ms();
	setitimer(ITIMER_REAL, &it, NULL);
	T_EQ_INT(mdx_http_run(h, &e), -1);
	T_OK(mdx_mono_ms() - t0 < 3000); /* not the 5 s of the answer */
	T_EQ_STR(e.text, "stopped by a signal");
	T_EQ_INT(res.called, 1);
	T_EQ_INT(res.err.code, MDX_EIO);
	T_EQ_STR(res.err.text, "cancelled");
	result_free(&res);
	/* cleared, the client goes on */
	stop_flag = 0;
	snprintf(url, sizeof(url), "%s/ok/after-stop", base);
	rq.url = url;
	rq.user = &res;
	T_EQ_INT(mdx_http_add(h, &rq, &e), 0);
	T_EQ_INT(mdx_http_run(h, &e), 0);
	T_EQ_INT(res.status, 200);
	result_free(&res);
	mdx_http_free(h);
	sigaction(SIGALRM, &old, NULL);
	server_stop(&sv);
}

/*
 * Fail the Nth allocation (the client's, and libcurl's through
 * curl_global_init_mem) for N = 1, 2, ... until a request gets through:
 * nothing may crash or leak (run under ASan), and a queued request's done
 * callback runs exactly once whatever fails.
 */
static void
test_alloc_failures(void)
{
	int good = 0;
	long n;

	for (n = 1; n < 2000 && good < 3; n++) {
		struct mdx_http_opts o;
		struct mdx_http *h;
		struct mdx_http_req rq = {0};
		struct result res = {0};
		struct mdx_err e;
		char url[512];
		int added = 0, rc = -1;

		quick(&o);
		o.retries = 0;
		url_of(url, sizeof(url), "/ok/alloc?apikey=ALLOCSECRET");
		mdx_alloc_fail_after(n);
		if ((h = mdx_http_new(&o, &e)) != NULL) {
			rq.url = url;
			rq.user = &res;
			rq.done = on_done;
			if (mdx_http_add(h, &rq, &e) == 0) {
				added = 1;
				rc = mdx_http_run(h, &e);
			}
		}
		mdx_alloc_fail_after(0);
		mdx_http_free(h);
		if (added && res.called != 1)
			T_FAILMSG("n %ld: done called %d times", n, res.called);
		if (res.called && strstr(res.err.text, "ALLOCSECRET") != NULL)
			T_FAILMSG("n %ld: secret in \"%s\"", n, res.err.text);
		if (rc == 0 && res.called == 1 && res.err.code == MDX_OK)
			good++;
		mdx_free(res.body);
	}
	T_EQ_INT(good, 3);
}

static void
test_bad_input(void)
{
	struct mdx_http_opts o;
	struct mdx_http *h;
	struct mdx_http_req rq = {0};
	struct result res = {0};
	const char *bad_hdr[] = {"X-A: 1\r\nX-B: 2", NULL};
	struct mdx_err e;

	quick(&o);
	h = mdx_http_new(&o, &e);
	rq.user = &res;
	rq.done = on_done;
	rq.url = "http://127.0.0.1:1/a\nb?apikey=SECRET1234";
	T_EQ_INT(mdx_http_add(h, &rq, &e), -1);
	T_EQ_INT(e.code, MDX_EUSAGE);
	T_OK(strstr(e.text, "SECRET1234") == NULL);
	rq.url = "http://127.0.0.1:1/a b";
	T_EQ_INT(mdx_http_add(h, &rq, &e), -1);
	rq.url = "http://127.0.0.1:1/a\x7f";
	T_EQ_INT(mdx_http_add(h, &rq, &e), -1);
	rq.url = "ftp://127.0.0.1/x";
	T_EQ_INT(mdx_http_add(h, &rq, &e), -1);
	T_EQ_INT(e.code, MDX_EUSAGE);
	rq.url = "http://127.0.0.1:1/x";
	rq.headers = bad_hdr;
	T_EQ_INT(mdx_http_add(h, &rq, &e), -1);
	T_EQ_INT(mdx_http_run(h, &e), 0);
	T_EQ_INT(res.called, 0);
	mdx_http_free(h);

	o.concurrency = 0;
	T_OK(mdx_http_new(&o, &e) == NULL);
	T_EQ_INT(e.code, MDX_EUSAGE);
	quick(&o);
	o.rate = -1;
	T_OK(mdx_http_new(&o, &e) == NULL);
}

static void
redact_is(const char *url, const char *const *secrets, const char *want)
{
	char buf[512];
	size_t n = mdx_http_redact(url, secrets, buf, sizeof(buf));

	T_EQ_STR(buf, want);
	T_EQ_INT(n, strlen(want));
}

static void
test_redact(void)
{
	const char *sec[] = {"", "S3CRETPATH", NULL};
	char small[10];

	redact_is("https://www.alphavantage.co/query?function=TIME_SERIES_DAILY"
		  "&symbol=IBM&apikey=ABC123",
		  NULL,
		  "https://www.alphavantage.co/query?function=TIME_SERIES_DAILY"
		  "&symbol=IBM&apikey=REDACTED");
	redact_is(
		"https://api.polygon.io/v2/aggs/ticker/AAPL/range/1/day/"
		"2023-01-01/2023-01-10?adjusted=true&apiKey=XyZ&limit=5",
		NULL,
		"https://api.polygon.io/v2/aggs/ticker/AAPL/range/1/day/"
		"2023-01-01/2023-01-10?adjusted=true&apiKey=REDACTED&limit=5");
	redact_is("http://h/p?token=t0k#frag?apikey=x", NULL,
		  "http://h/p?token=REDACTED#frag?apikey=x");
	redact_is("http://h/p?TOKEN=&key=k&monkey=m&keys=1", NULL,
		  "http://h/p?TOKEN=REDACTED&key=REDACTED&monkey=m&keys=1");
	redact_is("https://user:pw@h.example/p?q=1", NULL,
		  "https://REDACTED@h.example/p?q=1");
	redact_is("https://h/k/S3CRETPATH/x?a=S3CRETPATH", sec,
		  "https://h/k/REDACTED/x?a=REDACTED");
	redact_is("https://h/a/b", NULL, "https://h/a/b");
	redact_is("", NULL, "");
	T_EQ_INT(mdx_http_redact("https://h/?apikey=1", NULL, small,
				 sizeof(small)),
		 strlen("https://h/?apikey=REDACTED"));
	T_EQ_STR(small, "https://h");
	T_EQ_INT(mdx_http_redact("https://h/?apikey=1", NULL, NULL, 0),
		 strlen("https://h/?apikey=REDACTED"));
}

static void
test_backoff_and_retry_after(void)
{
	uint64_t a = 99, b = 99;
	long max_seen = 0;

	for (int n = 1; n <= 12; n++) {
		long ceil_ms = 100L << (n - 1) < 5000 ? 100L << (n - 1) : 5000;

		for (int i = 0; i < 200; i++) {
			long d = mdx_http_backoff_ms(&a, n, 100, 5000);

			T_EQ_INT(d, mdx_http_backoff_ms(&b, n, 100, 5000));
			if (d < 0 || d > ceil_ms)
				T_FAILMSG("n %d: %ld not in [0, %ld]", n, d,
					  ceil_ms);
			if (n == 12 && d > max_seen)
				max_seen = d;
		}
	}
	T_OK(max_seen > 2500); /* the jitter spreads over the whole range */
	T_EQ_INT(mdx_http_backoff_ms(&a, 3, 0, 5000), 0);

	T_EQ_INT(mdx_http_retry_after_ms("1", 0), 1000);
	T_EQ_INT(mdx_http_retry_after_ms(" 30 ", 0), 30000);
	T_EQ_INT(mdx_http_retry_after_ms("0", 0), 0);
	T_EQ_INT(mdx_http_retry_after_ms("abc", 0), -1);
	T_EQ_INT(mdx_http_retry_after_ms("", 0), -1);
	T_EQ_INT(mdx_http_retry_after_ms("1.5", 0), -1);
	/* RFC 9110's example date, 1445412480 */
	T_EQ_INT(mdx_http_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT",
					 1445412480000LL - 5000),
		 5000);
	T_EQ_INT(mdx_http_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT",
					 1445412480000LL + 5000),
		 0);
}

int
main(void)
{
	int rc;

	mdx_alloc_init();
	signal(SIGPIPE, SIG_IGN);
	T_RUN(test_redact);
	T_RUN(test_backoff_and_retry_after);
	T_RUN(test_bad_input);
	if (server_start(&srv, NULL, NULL) < 0) {
		t_case = "server_start";
		T_FAILMSG(
			"cannot start mdx-replay (run from the top of the tree "
			"after make tests)");
		t_fail++;
		return t_done();
	}
	T_RUN(test_ok_body);
	T_RUN(test_date);
	T_RUN(test_gzip);
	T_RUN(test_headers_sent);
	T_RUN(test_reuse);
	T_RUN(test_429_retry_after);
	T_RUN(test_429_http_date);
	T_RUN(test_429_backoff);
	T_RUN(test_5xx);
	T_RUN(test_exhausted);
	T_RUN(test_budget);
	T_RUN(test_404_permanent);
	T_RUN(test_av_note);
	T_RUN(test_stall);
	T_RUN(test_drop);
	T_RUN(test_refused);
	T_RUN(test_cap);
	T_RUN(test_redirect);
	T_RUN(test_concurrency);
	T_RUN(test_rate);
	T_RUN(test_rate_burst);
	T_RUN(test_pagination);
	T_RUN(test_stop);
	T_RUN(test_stop_flag);
	T_RUN(test_alloc_failures);
	T_RUN(test_server_quota);
	t_case = "server_stop";
	rc = server_stop(&srv);
	if (rc != 0) {
		T_FAILMSG("mdx-replay exit status %d after SIGTERM", rc);
		t_fail++;
	}
	return t_done();
}
