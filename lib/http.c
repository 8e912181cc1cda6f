/*
 * http.c - HTTP GET on libcurl's multi interface: concurrency, rate limit,
 * retries with backoff and full jitter, Retry-After, redaction.
 *
 * The loop in mdx_http_run() keeps three lists of requests: ready (FIFO,
 * waiting for a transfer slot and the rate limiter), active (a transfer in
 * libcurl) and delayed (a retry waiting for its backoff, sorted by due
 * time).  It never spins: when nothing can start it sleeps in
 * curl_multi_poll() until libcurl, the next retry or the rate limiter
 * needs it.  Backoff is "full jitter" as described in "Exponential Backoff
 * And Jitter" (AWS Architecture Blog, 2015).
 */
#include <curl/curl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "mdx_alloc.h"
#include "mdx_http.h"
#include "mdx_time.h"

#ifndef MDX_VERSION
#define MDX_VERSION "0"
#endif

/* the longest single sleep in curl_multi_poll, ms */
#define WAIT_MAX_MS 1000
/* query values shorter than this are not scrubbed from texts */
#define SECRET_MIN_LEN 4

struct http_req {
	struct http_req *next;	/* link in ready, delayed or active */
	struct mdx_http *h;	/* the client */
	unsigned long send_seq; /* which send of the client this one was */
	int send_slot;		/* its slot in the client's sends ring */
	char *url;		/* owned: as sent, secrets included */
	char *rurl;		/* owned: redacted, for callbacks and errors */
	char **secrets; /* owned, NULL-terminated: scrubbed from texts */
	struct curl_slist *hdrs; /* owned: extra request headers */
	void *user;		 /* borrowed: the caller's */
	int (*classify)(const struct mdx_http_resp *, int, struct mdx_err *);
	int (*done)(const struct mdx_http_resp *, const struct mdx_err *);
	size_t max_body;     /* the client's body cap, bytes */
	int attempts;	     /* attempts sent (redirects not counted) */
	int hops;	     /* redirects followed by this attempt */
	int hop;	     /* the next send follows a redirect */
	int64_t first_us;    /* monotonic us of the first send; 0 before */
	int64_t due_us;	     /* delayed: the retry may start then */
	CURL *easy;	     /* the attempt in flight, or NULL */
	char *body;	     /* owned: the last attempt's body */
	size_t len;	     /* bytes at body */
	size_t cap;	     /* bytes allocated at body */
	char *ctype;	     /* owned: Content-Type of the last attempt */
	char *redirect;	     /* owned: Location of a 3xx, absolute */
	long ra_ms;	     /* Retry-After of the last attempt, or -1 */
	int64_t date_ms;     /* Date of the last attempt, epoch ms, or -1 */
	long status;	     /* HTTP status of the last attempt, or 0 */
	int toobig;	     /* the last attempt went over max_body */
	int oom;	     /* an allocation failed in a callback */
	struct mdx_err last; /* why the last attempt failed */
	char errbuf[CURL_ERROR_SIZE]; /* libcurl's message for the attempt */
};

struct mdx_http {
	struct mdx_http_opts o;	     /* options; o.user_agent points at ua */
	char *ua;		     /* owned: the User-Agent */
	CURLM *multi;		     /* owned */
	struct http_req *ready;	     /* FIFO head: waiting to start */
	struct http_req *ready_tail; /* FIFO tail */
	struct http_req *delayed;    /* retries, by due_us */
	struct http_req *active;     /* in libcurl */
	int nactive;		     /* length of active */
	int64_t *sends;		  /* owned: ring of the last burst send times */
	int nsends;		  /* entries used in sends, <= burst */
	int isend;		  /* next slot of sends to write */
	unsigned long send_seq;	  /* sends taken so far */
	int64_t window_us;	  /* burst sends at most in this window */
	int64_t hold_us;	  /* no send before this (Retry-After) */
	uint64_t rng;		  /* jitter PRNG state, never 0 */
	struct mdx_http_stats st; /* counters */
};

static int64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* us rounded up to whole ms, for poll timeouts */
static long
us_to_ms_ceil(int64_t us)
{
	if (us <= 0)
		return 0;
	if (us / 1000 >= LONG_MAX)
		return LONG_MAX;
	return (long)((us + 999) / 1000);
}

/* ---- redaction ---- */

static const char *const sensitive_keys[] = {
	"apikey",	 "api_key",	  "api-key", "key",	 "token",
	"access_token",	 "refresh_token", "auth",    "password", "secret",
	"client_secret", "signature",	  "sig",     "crumb",	 NULL,
};

static int
is_sensitive(const char *name, size_t n)
{
	for (int i = 0; sensitive_keys[i] != NULL; i++)
		if (strlen(sensitive_keys[i]) == n &&
		    strncasecmp(name, sensitive_keys[i], n) == 0)
			return 1;
	return 0;
}

/* a bounded writer that counts what it could not store, as snprintf */
struct out {
	char *buf;   /* borrowed: destination, may be NULL when size is 0 */
	size_t size; /* bytes at buf */
	size_t len;  /* bytes written or that would have been */
};

static void
out_put(struct out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++, o->len++)
		if (o->len + 1 < o->size)
			o->buf[o->len] = s[i];
}

/* length of the longest secret at p, 0 if none */
static size_t
secret_at(const char *p, const char *const *secrets)
{
	size_t best = 0;

	if (secrets == NULL)
		return 0;
	for (int i = 0; secrets[i] != NULL; i++) {
		size_t n = strlen(secrets[i]);

		if (n > best && strncmp(p, secrets[i], n) == 0)
			best = n;
	}
	return best;
}

/*
 * Copy s into buf with secrets replaced; with url set, also the values of
 * sensitive query parameters and the userinfo of the authority.
 */
static size_t
redact(const char *s, int url, const char *const *secrets, char *buf,
       size_t size)
{
	struct out o = {buf, size, 0};
	const char *p = s;
	int in_query = 0, in_frag = 0, param_start = 0;

	if (url) {
		const char *a = strstr(s, "://");

		if (a != NULL) {
			size_t n;
			const char *at = NULL;

			a += 3;
			n = strcspn(a, "/?#");
			for (size_t i = 0; i < n; i++)
				if (a[i] == '@')
					at = a + i;
			if (at != NULL) {
				out_put(&o, s, (size_t)(a - s));
				out_put(&o, MDX_HTTP_REDACTED,
					strlen(MDX_HTTP_REDACTED));
				p = at;
			}
		}
	}
	while (*p != '\0') {
		size_t n;
		char c;

		if (param_start) {
			param_start = 0;
			n = strcspn(p, "=&#");
			if (p[n] == '=' && is_sensitive(p, n)) {
				out_put(&o, p, n + 1);
				out_put(&o, MDX_HTTP_REDACTED,
					strlen(MDX_HTTP_REDACTED));
				p += n + 1;
				p += strcspn(p, "&#");
				continue;
			}
		}
		if ((n = secret_at(p, secrets)) > 0) {
			out_put(&o, MDX_HTTP_REDACTED,
				strlen(MDX_HTTP_REDACTED));
			p += n;
			continue;
		}
		c = *p++;
		out_put(&o, &c, 1);
		if (!url || in_frag)
			continue;
		if (c == '?' && !in_query)
			in_query = param_start = 1;
		else if (c == '&' && in_query)
			param_start = 1;
		else if (c == '#')
			in_frag = 1;
	}
	if (o.size > 0)
		o.buf[o.len < o.size ? o.len : o.size - 1] = '\0';
	return o.len;
}

size_t
mdx_http_redact(const char *url, const char *const *secrets, char *buf,
		size_t size)
{
	return redact(url, 1, secrets, buf, size);
}

/* scrub the request's secrets from text, in place */
static void
scrub(const struct http_req *r, char *text, size_t size)
{
	char tmp[sizeof(((struct mdx_err *)0)->text)];
	const char *const *sec = (const char *const *)r->secrets;

	if (size > sizeof(tmp))
		size = sizeof(tmp);
	redact(text, 0, sec, tmp, size);
	memcpy(text, tmp, strlen(tmp) + 1);
}

/* ---- Retry-After, backoff ---- */

long
mdx_http_retry_after_ms(const char *value, int64_t now_ms)
{
	const char *p = value;
	long ret = -1;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p >= '0' && *p <= '9') {
		long long secs = 0;

		for (; *p >= '0' && *p <= '9'; p++)
			if (secs < LONG_MAX / 1000)
				secs = secs * 10 + (*p - '0');
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '\0')
			goto out;
		ret = secs >= LONG_MAX / 1000 ? LONG_MAX / 1000 * 1000
					      : (long)secs * 1000;
	} else if (*p != '\0') {
		time_t t = curl_getdate(p, NULL);
		int64_t d;

		if (t == (time_t)-1)
			goto out;
		d = (int64_t)t * 1000 - now_ms;
		ret = d <= 0 ? 0 : d > LONG_MAX ? LONG_MAX : (long)d;
	}
out:
	return ret;
}

static uint64_t
xorshift64star(uint64_t *state)
{
	uint64_t x = *state ? *state : 0x9e3779b97f4a7c15ULL;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

long
mdx_http_backoff_ms(uint64_t *state, int n, long base_ms, long cap_ms)
{
	long ceiling = base_ms;

	for (int i = 1; i < n && ceiling < cap_ms; i++)
		ceiling = ceiling > LONG_MAX / 2 ? LONG_MAX : ceiling * 2;
	if (ceiling > cap_ms)
		ceiling = cap_ms;
	if (ceiling <= 0)
		return 0;
	return (long)(xorshift64star(state) % ((uint64_t)ceiling + 1));
}

/* ---- the client ---- */

void
mdx_http_opts_init(struct mdx_http_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->concurrency = 4;
	o->rate = 0;
	o->burst = 1;
	o->retries = 3;
	o->max_time_ms = 120000;
	o->connect_timeout_ms = 10000;
	o->timeout_ms = 60000;
	o->low_speed_bytes = 1;
	o->low_speed_time_s = 30;
	o->max_body = (size_t)64 << 20;
	o->max_redirects = 5;
	o->user_agent = NULL;
	o->backoff_base_ms = 500;
	o->backoff_cap_ms = 30000;
	o->seed = 0;
	o->stop = NULL;
}

static int
has_crlf(const char *s)
{
	return strpbrk(s, "\r\n") != NULL;
}

static int
opts_check(const struct mdx_http_opts *o, struct mdx_err *e)
{
	if (o->concurrency < 1 || o->concurrency > 1024)
		return mdx_err_set(e, MDX_EUSAGE,
				   "concurrency %d not in 1..1024",
				   o->concurrency);
	if (!(o->rate >= 0) || !isfinite(o->rate))
		return mdx_err_set(e, MDX_EUSAGE, "bad rate %g a minute",
				   o->rate);
	if (o->burst < 1 || o->burst > 100000)
		return mdx_err_set(e, MDX_EUSAGE, "burst %d not in 1..100000",
				   o->burst);
	if (o->retries < 0 || o->retries > 1000)
		return mdx_err_set(e, MDX_EUSAGE, "retries %d not in 0..1000",
				   o->retries);
	if (o->max_time_ms < 0 || o->connect_timeout_ms < 0 ||
	    o->timeout_ms < 0 || o->low_speed_bytes < 0 ||
	    o->low_speed_time_s < 0 || o->backoff_base_ms < 0 ||
	    o->backoff_cap_ms < 0 || o->max_redirects < 0)
		return mdx_err_set(e, MDX_EUSAGE, "negative time or count");
	if (o->max_body < 1)
		return mdx_err_set(e, MDX_EUSAGE, "body cap of 0 bytes");
	if (o->user_agent != NULL && has_crlf(o->user_agent))
		return mdx_err_set(e, MDX_EUSAGE, "user agent holds CR or LF");
	return 0;
}

static uint64_t
splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

struct mdx_http *
mdx_http_new(const struct mdx_http_opts *o, struct mdx_err *e)
{
	struct mdx_http *h = NULL, *ret = NULL;
	struct mdx_http_opts def;
	int global = 0;

	if (o == NULL) {
		mdx_http_opts_init(&def);
		o = &def;
	}
	if (opts_check(o, e) < 0)
		goto out;
	if (curl_global_init_mem(CURL_GLOBAL_DEFAULT, mdx_malloc, mdx_free,
				 mdx_realloc, mdx_strdup,
				 mdx_calloc) != CURLE_OK) {
		mdx_err_set(e, MDX_EIO, "libcurl initialisation failed");
		goto out;
	}
	global = 1;
	if ((h = mdx_calloc(1, sizeof(*h))) == NULL)
		goto nomem;
	h->o = *o;
	h->ua = mdx_strdup(o->user_agent ? o->user_agent : "mdx/" MDX_VERSION);
	h->sends = mdx_calloc((size_t)o->burst, sizeof(*h->sends));
	if (h->ua == NULL || h->sends == NULL)
		goto nomem;
	h->o.user_agent = h->ua;
	if ((h->multi = curl_multi_init()) == NULL)
		goto nomem;
	/* keep an idle connection for every slot, so that they are reused */
	curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, (long)o->concurrency);
	if (o->rate > 0) {
		double w = o->burst * 60e6 / o->rate * 1.01;

		h->window_us = w > 9e15 ? (int64_t)9e15 : (int64_t)ceil(w);
	}
	h->rng = o->seed ? o->seed
			 : splitmix64((uint64_t)mono_us() ^
				      ((uint64_t)mdx_now_ms() << 20) ^
				      (uint64_t)getpid());
	if (h->rng == 0)
		h->rng = 1;
	ret = h;
	h = NULL;
	goto out;
nomem:
	mdx_err_set(e, MDX_ENOMEM, "out of memory");
out:
	if (h != NULL) {
		if (h->multi != NULL)
			curl_multi_cleanup(h->multi);
		mdx_free(h->sends);
		mdx_free(h->ua);
		mdx_free(h);
	}
	if (ret == NULL && global)
		curl_global_cleanup();
	return ret;
}

static void
req_free(struct http_req *r)
{
	if (r == NULL)
		return;
	if (r->easy != NULL)
		curl_easy_cleanup(r->easy);
	if (r->secrets != NULL)
		for (int i = 0; r->secrets[i] != NULL; i++)
			mdx_free(r->secrets[i]);
	mdx_free(r->secrets);
	curl_slist_free_all(r->hdrs);
	mdx_free(r->url);
	mdx_free(r->rurl);
	mdx_free(r->body);
	mdx_free(r->ctype);
	mdx_free(r->redirect);
	mdx_free(r);
}

static void
list_free(struct http_req *r)
{
	while (r != NULL) {
		struct http_req *next = r->next;

		req_free(r);
		r = next;
	}
}

void
mdx_http_free(struct mdx_http *h)
{
	if (h == NULL)
		return;
	for (struct http_req *r = h->active; r != NULL; r = r->next)
		if (r->easy != NULL)
			curl_multi_remove_handle(h->multi, r->easy);
	list_free(h->active);
	list_free(h->ready);
	list_free(h->delayed);
	curl_multi_cleanup(h->multi);
	mdx_free(h->sends);
	mdx_free(h->ua);
	mdx_free(h);
	curl_global_cleanup();
}

void
mdx_http_stats(const struct mdx_http *h, struct mdx_http_stats *st)
{
	*st = h->st;
}

/* the secrets of a request: the caller's and sensitive query values */
static int
req_secrets(struct http_req *r, const char *const *given)
{
	size_t n = 0, k = 0;
	const char *q = strchr(r->url, '?');
	int ret = -1;

	for (; given != NULL && given[n] != NULL; n++)
		;
	for (const char *p = q; p != NULL; p = strchr(p + 1, '&'))
		k++;
	if ((r->secrets = mdx_calloc(n + k + 1, sizeof(char *))) == NULL)
		goto out;
	k = 0;
	for (size_t i = 0; i < n; i++) {
		if (given[i][0] == '\0')
			continue;
		if ((r->secrets[k++] = mdx_strdup(given[i])) == NULL)
			goto out;
	}
	for (const char *p = q; p != NULL; p = strchr(p + 1, '&')) {
		const char *name = p + 1;
		size_t nl = strcspn(name, "=&#"), vl;

		if (name[nl] != '=' || !is_sensitive(name, nl))
			continue;
		vl = strcspn(name + nl + 1, "&#");
		if (vl < SECRET_MIN_LEN)
			continue;
		if ((r->secrets[k++] = mdx_strndup(name + nl + 1, vl)) == NULL)
			goto out;
	}
	ret = 0;
out:
	return ret;
}

int
mdx_http_add(struct mdx_http *h, const struct mdx_http_req *req,
	     struct mdx_err *e)
{
	struct http_req *r = NULL;
	size_t n;
	int ret = -1;

	if (req->url == NULL || req->done == NULL) {
		mdx_err_set(e, MDX_EUSAGE, "request without a url or callback");
		goto out;
	}
	if (strncasecmp(req->url, "http://", 7) != 0 &&
	    strncasecmp(req->url, "https://", 8) != 0) {
		mdx_err_set(e, MDX_EUSAGE, "url is not http:// or https://");
		goto out;
	}
	for (n = 0; req->url[n] != '\0'; n++) {
		unsigned char c = (unsigned char)req->url[n];

		if (c <= 0x20 || c == 0x7f) {
			mdx_err_set(e, MDX_EUSAGE,
				    "url holds a control character or space "
				    "at byte %zu",
				    n);
			goto out;
		}
	}
	if ((r = mdx_calloc(1, sizeof(*r))) == NULL)
		goto nomem;
	r->h = h;
	r->user = req->user;
	r->max_body = h->o.max_body;
	r->classify = req->classify;
	r->done = req->done;
	r->ra_ms = -1;
	r->date_ms = -1;
	if ((r->url = mdx_strdup(req->url)) == NULL)
		goto nomem;
	n = mdx_http_redact(r->url, req->secrets, NULL, 0);
	if ((r->rurl = mdx_malloc(n + 1)) == NULL)
		goto nomem;
	mdx_http_redact(r->url, req->secrets, r->rurl, n + 1);
	if (req_secrets(r, req->secrets) < 0)
		goto nomem;
	for (int i = 0; req->headers != NULL && req->headers[i] != NULL; i++) {
		struct curl_slist *l;

		if (has_crlf(req->headers[i])) {
			mdx_err_set(e, MDX_EUSAGE,
				    "request header %d holds CR or LF", i + 1);
			goto out;
		}
		if ((l = curl_slist_append(r->hdrs, req->headers[i])) == NULL)
			goto nomem;
		r->hdrs = l;
	}
	if (h->ready_tail != NULL)
		h->ready_tail->next = r;
	else
		h->ready = r;
	h->ready_tail = r;
	r = NULL;
	ret = 0;
	goto out;
nomem:
	mdx_err_set(e, MDX_ENOMEM, "out of memory");
out:
	req_free(r);
	return ret;
}

/* ---- lists ---- */

static struct http_req *
ready_pop(struct mdx_http *h)
{
	struct http_req *r = h->ready;

	if (r != NULL) {
		h->ready = r->next;
		if (h->ready == NULL)
			h->ready_tail = NULL;
		r->next = NULL;
	}
	return r;
}

static void
delayed_insert(struct mdx_http *h, struct http_req *r)
{
	struct http_req **pp = &h->delayed;

	while (*pp != NULL && (*pp)->due_us <= r->due_us)
		pp = &(*pp)->next;
	r->next = *pp;
	*pp = r;
}

static void
active_remove(struct mdx_http *h, struct http_req *r)
{
	for (struct http_req **pp = &h->active; *pp != NULL;
	     pp = &(*pp)->next) {
		if (*pp == r) {
			*pp = r->next;
			r->next = NULL;
			h->nactive--;
			break;
		}
	}
}

/* move retries that are due to the front of ready, earliest first */
static void
promote_due(struct mdx_http *h, int64_t now)
{
	struct http_req *due = NULL, *last = NULL;

	while (h->delayed != NULL && h->delayed->due_us <= now) {
		struct http_req *r = h->delayed;

		h->delayed = r->next;
		r->next = NULL;
		if (last != NULL)
			last->next = r;
		else
			due = r;
		last = r;
	}
	if (due == NULL)
		return;
	last->next = h->ready;
	if (h->ready == NULL)
		h->ready_tail = last;
	h->ready = due;
}

/* ---- rate limit ---- */

/* us until the next send is allowed (rate limit, Retry-After hold) */
static int64_t
send_wait(const struct mdx_http *h, int64_t now)
{
	int64_t t = h->hold_us;

	if (h->window_us > 0 && h->nsends == h->o.burst) {
		int64_t w = h->sends[h->isend] + h->window_us;

		if (w > t)
			t = w;
	}
	return t > now ? t - now : 0;
}

static void
send_take(struct mdx_http *h, struct http_req *r, int64_t now)
{
	r->send_seq = ++h->send_seq;
	r->send_slot = h->isend;
	if (h->window_us <= 0)
		return;
	h->sends[h->isend] = now;
	h->isend = (h->isend + 1) % h->o.burst;
	if (h->nsends < h->o.burst)
		h->nsends++;
}

#if LIBCURL_VERSION_NUM >= 0x075000
/*
 * libcurl is about to write r's request (the connection is up): stamp its
 * send with this time, later than when the attempt was handed over by
 * the time a new connection took, so that the next send is spaced from
 * what the server sees.  A slot already taken again is left alone.
 */
static int
on_prereq(void *ud, char *ip, char *local_ip, int port, int local_port)
{
	struct http_req *r = ud;
	struct mdx_http *h = r->h;
	int64_t now = mono_us();

	(void)ip, (void)local_ip, (void)port, (void)local_port;
	if (h->window_us > 0 &&
	    h->send_seq - r->send_seq < (unsigned)h->o.burst &&
	    h->sends[r->send_slot] < now)
		h->sends[r->send_slot] = now;
	return CURL_PREREQFUNC_OK;
}
#endif

/* ---- finishing ---- */

static void
resp_fill(const struct http_req *r, int64_t now, struct mdx_http_resp *resp)
{
	resp->url = r->rurl;
	resp->status = r->status;
	resp->body = r->body != NULL ? r->body : "";
	resp->len = r->len;
	resp->content_type = r->ctype;
	resp->retry_after_ms = r->ra_ms;
	resp->date_ms = r->date_ms;
	resp->attempts = r->attempts;
	resp->elapsed_ms = r->first_us ? (now - r->first_us) / 1000 : 0;
	resp->user = r->user;
}

/*
 * Hand r to its done callback with error e (NULL: success) and free it.
 * Returns the callback's return.
 */
static int
finish(struct mdx_http *h, struct http_req *r, struct mdx_err *e)
{
	struct mdx_http_resp resp;
	struct mdx_err ok;
	int rc;

	resp_fill(r, mono_us(), &resp);
	if (e == NULL) {
		mdx_err_clear(&ok);
		e = &ok;
		h->st.ok++;
	} else {
		mdx_err_where(e, r->rurl, 0);
		h->st.failed++;
	}
	rc = r->done(&resp, e);
	req_free(r);
	return rc;
}

/* finish r with code and a text built from the last failure */
static int fail(struct mdx_http *h, struct http_req *r, int code,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
fail(struct mdx_http *h, struct http_req *r, int code, const char *fmt, ...)
{
	struct mdx_err e;
	va_list ap;

	mdx_err_clear(&e);
	e.code = code;
	va_start(ap, fmt);
	vsnprintf(e.text, sizeof(e.text), fmt, ap);
	va_end(ap);
	scrub(r, e.text, sizeof(e.text));
	return finish(h, r, &e);
}

static int
cancel(struct mdx_http *h, struct http_req *r)
{
	return fail(h, r, MDX_EIO, "cancelled");
}

/* cancel everything that is queued or in flight */
static void
cancel_all(struct mdx_http *h)
{
	struct http_req *r;

	while ((r = h->active) != NULL) {
		active_remove(h, r);
		curl_multi_remove_handle(h->multi, r->easy);
		curl_easy_cleanup(r->easy);
		r->easy = NULL;
		cancel(h, r);
	}
	for (;;) {
		if ((r = ready_pop(h)) == NULL && (r = h->delayed) != NULL) {
			h->delayed = r->next;
			r->next = NULL;
		}
		if (r == NULL)
			break;
		cancel(h, r);
	}
}

/* ---- attempts ---- */

static size_t
on_body(char *p, size_t size, size_t nmemb, void *ud)
{
	struct http_req *r = ud;
	size_t n = size * nmemb;

	if (n > r->max_body || r->len > r->max_body - n) {
		r->toobig = 1;
		return 0; /* libcurl stops with CURLE_WRITE_ERROR */
	}
	if (r->len + n + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 16384;
		char *b;

		while (cap < r->len + n + 1)
			cap = cap > SIZE_MAX / 2 ? r->len + n + 1 : cap * 2;
		if ((b = mdx_realloc(r->body, cap)) == NULL) {
			r->oom = 1;
			return 0;
		}
		r->body = b;
		r->cap = cap;
	}
	memcpy(r->body + r->len, p, n);
	r->len += n;
	r->body[r->len] = '\0';
	return n;
}

/* the value of header line p (n bytes) if it is name, trimmed; else NULL */
static char *
header_value(const char *p, size_t n, const char *name, size_t *vlen)
{
	size_t nl = strlen(name);
	const char *v, *end = p + n;

	if (n <= nl || strncasecmp(p, name, nl) != 0 || p[nl] != ':')
		return NULL;
	v = p + nl + 1;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' ||
			   end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*vlen = (size_t)(end - v);
	return (char *)v;
}

static size_t
on_header(char *p, size_t size, size_t nmemb, void *ud)
{
	struct http_req *r = ud;
	size_t n = size * nmemb, vl;
	const char *v;

	if (n >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		/* a new response (after a redirect or a 100) */
		mdx_free(r->ctype);
		r->ctype = NULL;
		r->ra_ms = -1;
		r->date_ms = -1;
	} else if ((v = header_value(p, n, "Content-Type", &vl)) != NULL) {
		mdx_free(r->ctype);
		if ((r->ctype = mdx_strndup(v, vl)) == NULL)
			r->oom = 1;
	} else if ((v = header_value(p, n, "Retry-After", &vl)) != NULL) {
		char tmp[128];

		if (vl < sizeof(tmp)) {
			memcpy(tmp, v, vl);
			tmp[vl] = '\0';
			r->ra_ms = mdx_http_retry_after_ms(tmp, mdx_now_ms());
		}
	} else if ((v = header_value(p, n, "Date", &vl)) != NULL) {
		char tmp[128];
		time_t t;

		if (vl < sizeof(tmp)) {
			memcpy(tmp, v, vl);
			tmp[vl] = '\0';
			t = curl_getdate(tmp, NULL);
			r->date_ms = t == (time_t)-1 ? -1 : (int64_t)t * 1000;
		}
	}
	return n;
}

/* set up r->easy for the next send; returns CURLE_OK or why not */
static CURLcode
easy_setup(struct mdx_http *h, struct http_req *r, long timeout_ms)
{
	CURL *c = curl_easy_init();
	const struct mdx_http_opts *o = &h->o;
	CURLcode rc = CURLE_OK;

	if (c == NULL)
		return CURLE_OUT_OF_MEMORY;
	r->easy = c;
	r->errbuf[0] = '\0';
#define SET(opt, val)                                                          \
	do {                                                                   \
		if (rc == CURLE_OK)                                            \
			rc = curl_easy_setopt(c, opt, val);                    \
	} while (0)
	SET(CURLOPT_URL, r->url);
	SET(CURLOPT_PRIVATE, (void *)r);
	SET(CURLOPT_ERRORBUFFER, r->errbuf);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, (void *)r);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, (void *)r);
	SET(CURLOPT_USERAGENT, h->ua);
	SET(CURLOPT_ACCEPT_ENCODING, ""); /* all that libcurl decodes */
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	/* redirects are followed by attempt_done(), through the limiter */
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
	SET(CURLOPT_TIMEOUT_MS, timeout_ms);
	SET(CURLOPT_LOW_SPEED_LIMIT, o->low_speed_bytes);
	SET(CURLOPT_LOW_SPEED_TIME, o->low_speed_time_s);
	if (o->max_body <= (size_t)INT64_MAX)
		SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_body);
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	if (r->hdrs != NULL)
		SET(CURLOPT_HTTPHEADER, r->hdrs);
#if LIBCURL_VERSION_NUM >= 0x075000
	SET(CURLOPT_PREREQFUNCTION, on_prereq);
	SET(CURLOPT_PREREQDATA, (void *)r);
#endif
#undef SET
	return rc;
}

/*
 * Start the next attempt of r.  Returns 0 when it is in flight or r was
 * finished (its callback did not ask to stop), -1 when the callback did.
 */
static int
attempt_start(struct mdx_http *h, struct http_req *r, int64_t now)
{
	long timeout = h->o.timeout_ms;
	CURLMcode mc;
	CURLcode cc;

	if (h->o.max_time_ms > 0 && r->first_us != 0) {
		int64_t left =
			r->first_us + (int64_t)h->o.max_time_ms * 1000 - now;

		if (left <= 0)
			return fail(h, r, MDX_ETEMP,
				    "%s; time budget of %ld ms used up after "
				    "%d attempts",
				    r->last.text, h->o.max_time_ms,
				    r->attempts);
		if (timeout == 0 || us_to_ms_ceil(left) < timeout)
			timeout = us_to_ms_ceil(left);
	} else if (h->o.max_time_ms > 0 &&
		   (timeout == 0 || h->o.max_time_ms < timeout)) {
		timeout = h->o.max_time_ms;
	}
	r->len = 0;
	if (r->body != NULL)
		r->body[0] = '\0';
	mdx_free(r->redirect);
	r->redirect = NULL;
	mdx_free(r->ctype);
	r->ctype = NULL;
	r->ra_ms = -1;
	r->date_ms = -1;
	r->status = 0;
	r->toobig = 0;
	if (r->oom)
		return fail(h, r, MDX_ENOMEM, "out of memory");
	if ((cc = easy_setup(h, r, timeout)) != CURLE_OK)
		return fail(h, r,
			    cc == CURLE_OUT_OF_MEMORY ? MDX_ENOMEM : MDX_EIO,
			    "libcurl: %s", curl_easy_strerror(cc));
	if ((mc = curl_multi_add_handle(h->multi, r->easy)) != CURLM_OK)
		return fail(h, r, MDX_EIO, "libcurl: %s",
			    curl_multi_strerror(mc));
	if (r->first_us == 0)
		r->first_us = now;
	if (r->hop) {
		r->hop = 0;
	} else {
		r->attempts++;
		r->hops = 0;
		if (r->attempts > 1)
			h->st.retries++;
	}
	h->st.requests++;
	send_take(h, r, now);
	r->next = h->active;
	h->active = r;
	h->nactive++;
	return 0;
}

/* start what the slots, the rate limit and the hold allow */
static int
start_ready(struct mdx_http *h, int64_t now)
{
	while (h->nactive < h->o.concurrency && h->ready != NULL &&
	       send_wait(h, now) == 0)
		if (attempt_start(h, ready_pop(h), now) < 0)
			return -1;
	return 0;
}

/* what libcurl's result means: a verdict, an error code and a text */
static int
curl_verdict(CURLcode rc, int *code, const char **what)
{
	*code = MDX_ETEMP;
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		*what = "timed out";
		return MDX_HTTP_TEMP;
	case CURLE_COULDNT_CONNECT:
		*what = "could not connect";
		return MDX_HTTP_TEMP;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		*what = "could not resolve host";
		return MDX_HTTP_TEMP;
	case CURLE_GOT_NOTHING:
		*what = "connection closed without a response";
		return MDX_HTTP_TEMP;
	case CURLE_PARTIAL_FILE:
		*what = "body cut short";
		return MDX_HTTP_TEMP;
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_HTTP3:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PROXY:
		*what = "connection failed";
		return MDX_HTTP_TEMP;
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		*code = MDX_EUSAGE;
		*what = "bad url";
		return MDX_HTTP_PERM;
	case CURLE_OUT_OF_MEMORY:
		*code = MDX_ENOMEM;
		*what = "out of memory";
		return MDX_HTTP_PERM;
	case CURLE_TOO_MANY_REDIRECTS:
		*code = MDX_EPERM;
		*what = "too many redirects";
		return MDX_HTTP_PERM;
	default:
		*code = MDX_EPERM;
		*what = "transfer failed";
		return MDX_HTTP_PERM;
	}
}

/* do absolute URLs a and b have the same scheme, host and port? */
static int
same_origin(const char *a, const char *b)
{
	size_t na = strcspn(a, ":"), nb = strcspn(b, ":");

	if (na != nb || strncasecmp(a, b, na) != 0 ||
	    strncmp(a + na, "://", 3) != 0 || strncmp(b + nb, "://", 3) != 0)
		return 0;
	a += na + 3;
	b += nb + 3;
	na = strcspn(a, "/?#");
	nb = strcspn(b, "/?#");
	return na == nb && strncasecmp(a, b, na) == 0;
}

static int
status_verdict(long status)
{
	if (status >= 200 && status < 300)
		return MDX_HTTP_OK;
	if (status == 408 || status == 429 || (status >= 500 && status < 600))
		return MDX_HTTP_TEMP;
	return MDX_HTTP_PERM;
}

/*
 * An attempt of r ended with libcurl result rc: deliver, fail or schedule
 * a retry.  Returns -1 when a done callback asked to stop, else 0.
 */
static int
attempt_done(struct mdx_http *h, struct http_req *r, CURLcode rc)
{
	int64_t now = mono_us();
	int verdict, code = MDX_ETEMP;
	long delay;
	char *loc = NULL;

	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &r->status);
	if (curl_easy_getinfo(r->easy, CURLINFO_REDIRECT_URL, &loc) ==
		    CURLE_OK &&
	    loc != NULL && (r->redirect = mdx_strdup(loc)) == NULL)
		r->oom = 1;
	curl_multi_remove_handle(h->multi, r->easy);
	curl_easy_cleanup(r->easy);
	r->easy = NULL;
	active_remove(h, r);
	h->st.bytes += (long long)r->len;
	mdx_err_clear(&r->last);
	if (r->oom)
		return fail(h, r, MDX_ENOMEM, "out of memory");
	if (r->toobig || rc == CURLE_FILESIZE_EXCEEDED)
		return fail(h, r, MDX_ETOOBIG, "body over the cap of %zu bytes",
			    h->o.max_body);
	if (rc == CURLE_OK && r->status >= 300 && r->status < 400 &&
	    r->redirect != NULL) {
		int ok = strncasecmp(r->redirect, "http://", 7) == 0 ||
			 strncasecmp(r->redirect, "https://", 8) == 0;

		if (!ok || r->hops >= h->o.max_redirects)
			return fail(h, r, MDX_EPERM,
				    "HTTP %ld: %s after %d redirects",
				    r->status,
				    ok ? "too many redirects"
				       : "redirect to a scheme other than http",
				    r->hops);
		if (!same_origin(r->url, r->redirect)) {
			/* as libcurl: no custom headers to another host */
			curl_slist_free_all(r->hdrs);
			r->hdrs = NULL;
		}
		mdx_free(r->url);
		r->url = r->redirect;
		r->redirect = NULL;
		r->hops++;
		r->hop = 1;
		r->next = h->ready; /* next, but through the limiter */
		h->ready = r;
		if (h->ready_tail == NULL)
			h->ready_tail = r;
		return 0;
	}
	if (rc != CURLE_OK) {
		const char *what;

		verdict = curl_verdict(rc, &code, &what);
		snprintf(r->last.text, sizeof(r->last.text), "%s: %s", what,
			 r->errbuf[0] ? r->errbuf : curl_easy_strerror(rc));
	} else {
		if (r->status == 429)
			h->st.http429++;
		verdict = status_verdict(r->status);
		snprintf(r->last.text, sizeof(r->last.text), "HTTP %ld",
			 r->status);
		if (r->classify != NULL) {
			struct mdx_http_resp resp;
			struct mdx_err ce;

			mdx_err_clear(&ce);
			resp_fill(r, now, &resp);
			verdict = r->classify(&resp, verdict, &ce);
			if (ce.text[0] != '\0')
				snprintf(r->last.text, sizeof(r->last.text),
					 "%s", ce.text);
			if (verdict == MDX_HTTP_PERM)
				code = ce.code != MDX_OK && ce.code != MDX_ETEMP
					       ? ce.code
					       : MDX_EPERM;
		} else if (verdict == MDX_HTTP_PERM) {
			code = MDX_EPERM;
		}
	}
	scrub(r, r->last.text, sizeof(r->last.text));
	if (verdict == MDX_HTTP_OK)
		return finish(h, r, NULL);
	if (verdict != MDX_HTTP_TEMP)
		return fail(h, r, code, "%s", r->last.text);
	if (r->ra_ms >= 0) {
		int64_t until = now + (int64_t)r->ra_ms * 1000;

		if (until > h->hold_us)
			h->hold_us =
				until; /* the server asked us all to wait */
	}
	if (r->attempts > h->o.retries)
		return fail(h, r, MDX_ETEMP, "%s; gave up after %d attempts",
			    r->last.text, r->attempts);
	delay = mdx_http_backoff_ms(&h->rng, r->attempts, h->o.backoff_base_ms,
				    h->o.backoff_cap_ms);
	if (r->ra_ms > delay)
		delay = r->ra_ms;
	if (h->o.max_time_ms > 0 &&
	    now + (int64_t)delay * 1000 >=
		    r->first_us + (int64_t)h->o.max_time_ms * 1000)
		return fail(h, r, MDX_ETEMP,
			    "%s; a retry in %ld ms would overrun the time "
			    "budget of %ld ms (%d attempts)",
			    r->last.text, delay, h->o.max_time_ms, r->attempts);
	r->due_us = now + (int64_t)delay * 1000;
	delayed_insert(h, r);
	return 0;
}

/* handle finished transfers; returns how many, or -1 to stop */
static int
drain(struct mdx_http *h)
{
	CURLMsg *m;
	int left, n = 0;

	while ((m = curl_multi_info_read(h->multi, &left)) != NULL) {
		struct http_req *r = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE,
				  (char **)&r);
		n++;
		if (attempt_done(h, r, m->data.result) < 0)
			return -1;
	}
	return n;
}

/*
 * How long to sleep in curl_multi_poll, ms.  The wait for the rate limiter
 * is rounded down, and its last part under 1 ms goes to *nap_us (for a
 * nanosleep instead of the poll), so that sends are not late by a
 * rounding each: late sends add up over a long run.
 */
static int
poll_timeout(struct mdx_http *h, int64_t now, int64_t *nap_us)
{
	long t = WAIT_MAX_MS, ct = -1;

	*nap_us = 0;
	curl_multi_timeout(h->multi, &ct);
	if (ct >= 0 && ct < t)
		t = ct;
	if (h->delayed != NULL && us_to_ms_ceil(h->delayed->due_us - now) < t)
		t = us_to_ms_ceil(h->delayed->due_us - now);
	if (h->ready != NULL && h->nactive < h->o.concurrency) {
		int64_t w = send_wait(h, now);

		if (w > 0 && w < 1000 && t > 0) {
			*nap_us = w;
			t = 0;
		} else if (w / 1000 < t) {
			t = (long)(w / 1000);
		}
	}
	return (int)t;
}

int
mdx_http_run(struct mdx_http *h, struct mdx_err *e)
{
	int ret = -1, running, n, numfds, timeout;
	int64_t nap_us;
	CURLMcode mc;

	for (;;) {
		int64_t now = mono_us();

		if (h->o.stop != NULL && *h->o.stop)
			goto signalled;
		promote_due(h, now);
		if (start_ready(h, now) < 0)
			goto stopped;
		if (h->active == NULL && h->ready == NULL && h->delayed == NULL)
			break;
		if ((mc = curl_multi_perform(h->multi, &running)) != CURLM_OK)
			goto curl_failed;
		if ((n = drain(h)) < 0)
			goto stopped;
		if (n > 0)
			continue;
		timeout = poll_timeout(h, mono_us(), &nap_us);
		if (nap_us > 0) {
			struct timespec ts = {0, (long)nap_us * 1000};

			nanosleep(&ts, NULL);
			continue;
		}
		mc = curl_multi_poll(h->multi, NULL, 0, timeout, &numfds);
		if (mc != CURLM_OK)
			goto curl_failed;
	}
	ret = 0;
	goto out;
curl_failed:
	mdx_err_set(e, mc == CURLM_OUT_OF_MEMORY ? MDX_ENOMEM : MDX_EIO,
		    "libcurl: %s", curl_multi_strerror(mc));
	cancel_all(h);
	goto out;
stopped:
	mdx_err_set(e, MDX_EIO, "stopped by a completion callback");
	cancel_all(h);
	goto out;
signalled:
	mdx_err_set(e, MDX_EIO, "stopped by a signal");
	cancel_all(h);
out:
	return ret;
}
