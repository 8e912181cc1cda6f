/*
 * mdx_http.h - HTTP GET for the providers, on libcurl's multi interface.
 *
 * One client (struct mdx_http) per provider: it runs up to `concurrency`
 * transfers at once over reused connections, keeps to the provider's rate
 * limit, retries temporary failures with exponential backoff and full
 * jitter (honouring Retry-After), and hands each finished request to its
 * completion callback.  Callers queue requests with mdx_http_add() and
 * drive them with mdx_http_run(); a completion callback may queue more
 * (pagination).  Everything runs in the thread that calls mdx_http_run():
 * there are no threads and no signals (CURLOPT_NOSIGNAL).
 *
 * Units: times in milliseconds ("ms"), sizes in bytes, rates in requests
 * per minute.
 *
 * Secrets: the URL given to mdx_http_add() is used on the wire only.  Every
 * URL that reaches a callback, an error or the caller is the redacted one
 * (mdx_http_redact()), and error texts (libcurl's and the classify
 * callback's) are scrubbed of the request's secrets before they are
 * stored.
 *
 * Retry rules (DESIGN.md section 5; RFC 9110 section 10.2.3 for
 * Retry-After): HTTP 408, 429 and 5xx, timeouts and connection errors
 * (refused, reset, closed without a response, a body cut short, DNS) are
 * temporary and retried; other 4xx, a body over the size cap, too many
 * redirects, a bad URL and TLS verification failures are permanent and not
 * retried.  A request's classify callback can overrule the status: Alpha
 * Vantage answers its rate limit with HTTP 200 and a "Note" or
 * "Information" body (temporary), a bad symbol with "Error Message"
 * (permanent).
 */
#ifndef MDX_HTTP_H
#define MDX_HTTP_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "mdx_err.h"

/*
 * A browser-like User-Agent for Yahoo's chart API, which is known to
 * refuse or throttle the defaults of HTTP libraries.
 */
#define MDX_HTTP_UA_BROWSER                                                    \
	"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like "     \
	"Gecko) Chrome/124.0.0.0 Safari/537.36"

/*
 * Default rates, requests a minute, that fit the free tiers: Alpha Vantage
 * and Polygon allow 5 a minute (Alpha Vantage also 25 a day); Yahoo
 * publishes no limit, so stay modest.
 */
#define MDX_HTTP_RATE_ALPHAVANTAGE 5
#define MDX_HTTP_RATE_POLYGON 5
#define MDX_HTTP_RATE_YAHOO 60

/* The text that replaces a secret in a redacted URL or message. */
#define MDX_HTTP_REDACTED "REDACTED"

struct mdx_http; /* opaque: a client, see mdx_http_new() */

/*
 * Client options.  Fill with mdx_http_opts_init() (the defaults are given
 * in brackets), then change what you need; mdx_http_new() copies them.
 */
struct mdx_http_opts {
	int concurrency;	 /* transfers at once, >= 1 [4] */
	double rate;		 /* requests a minute, 0 = unlimited [0] */
	int burst;		 /* sends back to back, >= 1 [1]; see below */
	int retries;		 /* retries after the first attempt [3] */
	long max_time_ms;	 /* budget a request, retries included,
				    counted from its first send; 0 = none
				    [120000] */
	long connect_timeout_ms; /* TCP and TLS connect, an attempt [10000] */
	long timeout_ms;	 /* whole transfer, an attempt; 0 = none
				    [60000] */
	long low_speed_bytes;	 /* abort an attempt slower than this many
				    bytes a second ... [1] */
	long low_speed_time_s;	 /* ... for this many seconds; 0 = off [30] */
	size_t max_body;	 /* body cap in bytes, after decoding
				    [64 MiB] */
	int max_redirects;	 /* redirects followed an attempt, 0 = none
				    [5] */
	const char *user_agent;	 /* copied; NULL = "mdx/VERSION" [NULL] */
	long backoff_base_ms;	 /* first retry waits up to this [500] */
	long backoff_cap_ms;	 /* no retry waits longer, unless the
				    server's Retry-After says so [30000] */
	uint64_t seed;		 /* jitter PRNG seed; 0 = from clock and
				    pid [0] */
	const volatile sig_atomic_t *stop; /* borrowed, or NULL: a flag (set
				    by a signal handler) that ends
				    mdx_http_run() early, see there [NULL] */
};

/*
 * The rate limit.  With rate R a minute and burst B, the client starts at
 * most B attempts (retries count) in any window of B * 60000 / R ms, as
 * measured on its monotonic clock when libcurl writes the request (after
 * any connection set-up; libcurl >= 7.80) or else hands it over;
 * every window is lengthened by 1% so that a server stamping arrivals sees
 * the same despite the jitter between send and receipt (5 ms at 120 a
 * minute), while a long run stays within about 1% of the least possible
 * time.  With B = 1 (the default) sends are evenly spaced 60000 / R ms
 * apart and no window of 60 s ever holds more than R of them; with B = R a
 * provider's "R a minute" sliding window is used whole (R at once, then
 * the next R a minute after), and in general any 60 s window holds at most
 * R when B divides R.  Unlike a token bucket of depth B, this never admits
 * B + R in the first minute.  Every request the server sees passes the
 * limiter: first attempts, retries and each redirect hop (the client
 * follows redirects itself for that reason; a hop to another host drops
 * the request's extra headers, as libcurl does).  A response carrying
 * Retry-After that is retried also holds back every send of the client
 * until that time.  There is no busy wait: the client sleeps in
 * curl_multi_poll() until the next send is allowed.
 */

/* Fill o with the defaults above. */
void mdx_http_opts_init(struct mdx_http_opts *o);

/* How a response is judged: by the default rules or a classify callback. */
enum mdx_http_verdict {
	MDX_HTTP_OK = 0,   /* deliver it */
	MDX_HTTP_TEMP = 1, /* temporary: retry (like a 429) */
	MDX_HTTP_PERM = 2, /* permanent: fail now, no retry */
};

/*
 * What a callback sees of a response.  Every pointer is borrowed and valid
 * only during the callback.
 */
struct mdx_http_resp {
	const char *url;	  /* the redacted URL of the request */
	long status;		  /* HTTP status of the last attempt, 0 if no
				     response arrived */
	const char *body;	  /* the last attempt's body, NUL-terminated
				     (after len bytes); "" if none */
	size_t len;		  /* body length in bytes */
	const char *content_type; /* Content-Type, or NULL */
	long retry_after_ms;	  /* Retry-After in ms from when it arrived
				     (delta-seconds or HTTP-date), or -1 */
	int64_t date_ms;	  /* the response's Date header (RFC 9110
				     section 6.6.1: when the server made
				     the answer) as epoch ms UTC, or -1
				     when absent or not an HTTP-date; the
				     providers date a price basis by it */
	int attempts;		  /* attempts sent so far, this one included
				     (redirect hops are not attempts) */
	int64_t elapsed_ms;	  /* since the first attempt was sent */
	void *user;		  /* the request's user pointer */
};

/*
 * A request to queue.  mdx_http_add() copies url, secrets and headers; the
 * structure itself can be reused at once.
 */
struct mdx_http_req {
	const char *url;	    /* absolute http:// or https:// URL, as
				       sent (secrets included) */
	const char *const *secrets; /* NULL-terminated strings to redact
				       besides the well-known query keys,
				       e.g. an API key; may be NULL */
	const char *const *headers; /* NULL-terminated extra request header
				       lines "Name: value"; may be NULL */
	void *user;		    /* borrowed; passed to the callbacks */

	/*
	 * Judge a response that arrived (any status).  verdict is what the
	 * default rules say; return the verdict to apply.  To give a reason,
	 * fill e with mdx_err_set() (its text is scrubbed of secrets and
	 * used in the final error; a code other than MDX_OK or MDX_ETEMP is
	 * kept for a permanent verdict, else MDX_EPERM is used).  NULL: the
	 * default rules.  Must not call mdx_http_add().
	 */
	int (*classify)(const struct mdx_http_resp *r, int verdict,
			struct mdx_err *e);

	/*
	 * Called once when the request is finished: e->code is MDX_OK and r
	 * holds the body; or the request failed for good, e says why (e->file
	 * is the redacted URL; code MDX_ETEMP when retries or the time budget
	 * ran out on temporary failures, MDX_EPERM for a permanent remote
	 * error, MDX_ETOOBIG for a body over the cap, MDX_EUSAGE for a URL
	 * libcurl refused, MDX_ENOMEM, MDX_EIO "cancelled" after another
	 * callback stopped the run) and r holds the last attempt's response,
	 * if any.  It may call mdx_http_add() (e.g. a next page), but not
	 * mdx_http_run() or mdx_http_free().  Return 0 to go on, or -1 to stop
	 * mdx_http_run(): every request not finished then gets this callback
	 * with MDX_EIO "cancelled" (its return ignored).  Required.
	 */
	int (*done)(const struct mdx_http_resp *r, const struct mdx_err *e);
};

/* Counters of a client, since mdx_http_new(). */
struct mdx_http_stats {
	long requests;	 /* requests sent: attempts and redirect hops */
	long retries;	 /* attempts after a request's first */
	long long bytes; /* body bytes received, after decoding */
	long http429;	 /* responses with status 429 */
	long ok;	 /* requests finished with MDX_OK */
	long failed;	 /* requests finished with an error */
};

/*
 * Make a client with options o (NULL: the defaults).  Calls
 * curl_global_init_mem() with the mdx allocation seam, balanced by
 * mdx_http_free(); create and free clients from one thread only.  Returns
 * a new client to free with mdx_http_free(), or NULL with e set
 * (MDX_EUSAGE for a bad option, MDX_ENOMEM, MDX_EIO if libcurl failed).
 */
struct mdx_http *mdx_http_new(const struct mdx_http_opts *o, struct mdx_err *e);

/*
 * Free h.  Requests still queued (mdx_http_run() not called since they
 * were added) are dropped without their done callback.  h may be NULL.
 */
void mdx_http_free(struct mdx_http *h);

/*
 * Queue req on h.  The URL must be absolute http:// or https:// and is
 * refused (MDX_EUSAGE; the message gives the byte offset, never the URL)
 * when it holds a control character (0x00-0x1f, 0x7f) or a space; a header
 * line holding CR or LF is refused too.  Returns 0, or -1 with e set
 * (MDX_EUSAGE, MDX_ENOMEM); on -1 the done callback is never called.
 */
int mdx_http_add(struct mdx_http *h, const struct mdx_http_req *req,
		 struct mdx_err *e);

/*
 * Run every queued request (and those the callbacks queue) to completion,
 * calling their done callbacks.  A request that fails for good does not
 * stop the others.  Returns 0 when all are done, or -1 with e set when
 * the run could not go on (MDX_EIO with libcurl's reason, MDX_ENOMEM) or
 * a done callback returned -1 (MDX_EIO "stopped by a completion
 * callback"); the client can be used again after either.  When the
 * options' stop flag is set, the run ends at its next wake-up: at once
 * when a signal with a handler interrupted its wait (poll(2) returns
 * EINTR), else within the longest single wait, 1 s; what is left is
 * cancelled (the done callbacks see MDX_EIO "cancelled", transfers in
 * flight are aborted) and -1 is returned with MDX_EIO "stopped by a
 * signal".
 */
int mdx_http_run(struct mdx_http *h, struct mdx_err *e);

/* Copy h's counters into *st. */
void mdx_http_stats(const struct mdx_http *h, struct mdx_http_stats *st);

/*
 * Write url into buf (size bytes, NUL-terminated, truncated to fit) with
 * its secrets replaced by MDX_HTTP_REDACTED: the values of query
 * parameters named (case-insensitively) apikey, api_key, api-key, key,
 * token, access_token, refresh_token, auth, password, secret,
 * client_secret, signature, sig or crumb; user information before '@' in
 * the authority; and every occurrence of each non-empty string in secrets
 * (NULL-terminated, may be NULL).  Returns the length of the whole
 * redacted URL, so a return >= size means buf was truncated (as
 * snprintf(3)).  buf may be NULL when size is 0.  For example
 * "https://h/query?function=X&apikey=abc" gives
 * "https://h/query?function=X&apikey=REDACTED".
 */
size_t mdx_http_redact(const char *url, const char *const *secrets, char *buf,
		       size_t size);

/*
 * The wait before retry number n (1 for the first retry) with exponential
 * backoff and full jitter: uniform in [0, min(cap_ms, base_ms * 2^(n-1))]
 * ms, drawn from the xorshift64* generator whose state is *state
 * (advanced; 0 is taken as a fixed non-zero seed).  Exposed for tests;
 * the client applies Retry-After on top (the wait is never shorter than
 * it).
 */
long mdx_http_backoff_ms(uint64_t *state, int n, long base_ms, long cap_ms);

/*
 * Parse a Retry-After value (RFC 9110 section 10.2.3): delta-seconds, or
 * an HTTP-date taken relative to now_ms (epoch ms UTC).  Returns the wait
 * in ms (0 for a date in the past), or -1 when value is not valid.
 */
long mdx_http_retry_after_ms(const char *value, int64_t now_ms);

#endif
