/*
 * serve_int.h - what mdx-serve's files share.
 *
 * serve_main.c parses the options into a struct serve_conf and starts the
 * daemon (libmicrohttpd, a pool of epoll threads); serve_http.c takes each
 * request from libmicrohttpd, checks it against the limits, finds its
 * route (serve_routes.c) and sends the answer; the answers come from
 * serve_query.c (the query core of lib/store.c rendered by lib/output.c,
 * as mdx-query renders it), serve_write.c (authenticated writes) and
 * serve_ops.c (/health, /ready, /metrics, /openapi.json).  serve_cache.c
 * keeps rendered answers; serve_util.c has the hashes, the cursors and the
 * small parsers.  See mdx-serve(1).
 */
#ifndef SERVE_INT_H
#define SERVE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <jansson.h>
#include <microhttpd.h>
#include <sqlite3.h>

#include "mdx_err.h"
#include "mdx_store.h"

#define SERVE_PAGE_DEFAULT 500 /* rows a page of bars unless limit= */
#define SERVE_PAGE_MAX 10000   /* limit= above this is taken as this */
#define SERVE_RUNS_DEFAULT 20  /* rows of runs unless limit=, as mdx-query */
#define SERVE_MAX_VARS 4       /* {variables} in a route */
#define SERVE_MAX_SEGS 8       /* path segments of a known route, at most */
#define SERVE_MAX_PARAMS 16    /* query parameters a request may carry */
#define SERVE_MAX_SYMBOLS 1000 /* symbols= names at most */
#define SERVE_MAX_CORS 8       /* --cors origins */
#define SERVE_ID_LEN 64	       /* X-Request-Id kept, bytes with the NUL */
#define SERVE_CURSOR_LEN 40    /* a cursor's text and its NUL, at most */

/* Response formats of the query endpoints (format= or Accept). */
enum serve_fmt {
	SF_JSON = 0, /* application/json: mdx-query -f json */
	SF_NDJSON,   /* application/x-ndjson: mdx-query -f ndjson */
	SF_CSV,	     /* text/csv: mdx-query -f csv */
	SF_TSV,	     /* text/tab-separated-values: mdx-query -f tsv */
	SF_N,
	SF_PROBLEM = SF_N, /* application/problem+json (RFC 9457) */
	SF_PROM,	   /* Prometheus text exposition format 0.0.4 */
	SF_NONE,	   /* no body (204, 304) */
};

/* The Content-Type of a format (static). */
const char *serve_fmt_type(int fmt);

/* The enum mdx_format (mdx_cli.h) that renders fmt. */
int serve_fmt_mdx(int fmt);

/* What the command line set; read-only once the daemon runs. */
struct serve_conf {
	const char *db;			  /* the store */
	char host[256];			  /* --listen address part */
	char port[16];			  /* --listen port part ("0": any) */
	const char *port_file;		  /* --port-file, or NULL */
	int threads;			  /* worker threads (epoll pool) */
	size_t cache_bytes;		  /* --cache-size; 0 no cache */
	long max_age;			  /* Cache-Control max-age, seconds */
	const char *cors[SERVE_MAX_CORS]; /* allowed origins ("*": any) */
	int ncors;			  /* how many */
	unsigned timeout;		  /* --timeout, seconds */
	unsigned header_timeout;	  /* --header-timeout, seconds: a
					     request's line and headers */
	unsigned max_conns;		  /* --max-connections */
	unsigned max_per_ip;		  /* --max-per-ip */
	size_t max_body;		  /* --max-body, bytes (413) */
	size_t max_url;			  /* --max-url, bytes (414) */
	size_t max_header;		  /* --max-header, bytes (431) */
	double rate;	    /* --rate-limit, requests/s a client */
	long query_ms;	    /* --query-timeout, ms (503) */
	long grace;	    /* --grace, seconds to drain */
	long ready_max_age; /* --ready-max-age, s; 0 none */
	int access_log;	    /* JSON access lines (not -q) */
	char *api_key;	    /* owned: the write key, or NULL */
};

/*
 * A rendered answer, reference-counted: a body and what its headers say.
 * The cache holds one reference; each response that sends it holds one
 * (libmicrohttpd drops it when the response is destroyed).
 */
struct serve_doc {
	atomic_int refs;	 /* references */
	int status;		 /* HTTP status */
	int fmt;		 /* enum serve_fmt of the body */
	char *body;		 /* owned (mdx_free): the body */
	size_t len;		 /* its length */
	char etag[24];		 /* "\"<16 hex>\"", or "" for none */
	char *link;		 /* owned: the next page's URL, or NULL */
	char *missing;		 /* owned: "A,B", symbols not found, or NULL */
	int retry_after;	 /* seconds for Retry-After, 0 none */
	int check_failed;	 /* X-Check-Failed: 1 true, 0 false, -1 none */
	uint64_t gen;		 /* the store generation it was made in */
	char *key;		 /* owned: the cache key, or NULL */
	size_t klen;		 /* its length */
	uint64_t khash;		 /* its hash */
	struct serve_doc *hnext; /* cache: hash chain */
	struct serve_doc *prev, *next; /* cache: LRU, newest first */
};

/* A new document (one reference) with status and fmt; NULL: no memory. */
struct serve_doc *serve_doc_new(int status, int fmt);
/* Take body (n bytes; owned from now, mdx_free) into d. */
void serve_doc_body(struct serve_doc *d, char *body, size_t n);
void serve_doc_ref(struct serve_doc *d);
void serve_doc_unref(struct serve_doc *d);
/* Compute d's strong ETag from its format, body and link. */
void serve_doc_etag(struct serve_doc *d);

struct serve_cache;

/* A cache of at most max bytes of bodies (NULL: no memory). */
struct serve_cache *serve_cache_new(size_t max);
void serve_cache_free(struct serve_cache *c);
/*
 * The document cached under key (klen bytes) if it was made in generation
 * gen (a new reference), else NULL; an entry of an older generation is
 * dropped.
 */
struct serve_doc *serve_cache_get(struct serve_cache *c, const char *key,
				  size_t klen, uint64_t gen);
/* Keep d under key (copied); d->gen says its generation. */
void serve_cache_put(struct serve_cache *c, struct serve_doc *d,
		     const char *key, size_t klen);
/* Entries and body bytes held now. */
void serve_cache_usage(struct serve_cache *c, long *entries, size_t *bytes);

/* Per-client token buckets (--rate-limit). */
struct serve_limiter;
struct serve_limiter *serve_limiter_new(double rate, double burst);
void serve_limiter_free(struct serve_limiter *l);
/*
 * Take a token for the client at sa (now_ms: mdx_mono_ms).  Returns 0 when
 * the request may go on, else the whole seconds until a token is free
 * (for Retry-After, at least 1).
 */
int serve_limiter_take(struct serve_limiter *l, const struct sockaddr *sa,
		       int64_t now_ms);
/* Forget clients whose bucket has filled up again. */
void serve_limiter_sweep(struct serve_limiter *l, int64_t now_ms);

/* A worker thread's read-only connection to the store. */
struct serve_reader {
	struct mdx_store *s; /* owned, MDX_STORE_READONLY */
	sqlite3_stmt *dv;    /* owned: PRAGMA data_version */
	int64_t dv_last;     /* its last value */
	int dv_seen;	     /* dv_last is set */
	int64_t deadline;    /* mdx_mono_ms when a query must stop, 0 none */
	int timed_out;	     /* the progress handler stopped a query */
};

/* Metrics: counters by route and status, latency histograms. */
#define SERVE_NBUCKETS 12
extern const double serve_buckets[SERVE_NBUCKETS]; /* upper bounds, s */
extern const int serve_statuses[];		   /* counted one by one */
#define SERVE_NSTATUS 24			   /* and the last: other */

struct serve_metrics {
	_Atomic uint64_t *req;	  /* [route][status] requests answered */
	_Atomic uint64_t *hist;	  /* [route][bucket] latencies <= bound */
	_Atomic uint64_t *sum_us; /* [route] latency sums, microseconds */
	_Atomic uint64_t cache_hits, cache_misses, not_modified;
	_Atomic uint64_t rate_limited, query_timeouts, header_timeouts;
	_Atomic uint64_t bytes_out;
	int64_t started_ms; /* mdx_now_ms at start */
	/* bars in store, recounted when the generation moves */
	pthread_mutex_t mu; /* guards the three below */
	uint64_t bars_gen;  /* generation of bars_n, or 0 never */
	int64_t bars_n;	    /* count */
};

/* The connection registry, for the deadline on a request's headers. */
struct serve_conn {
	int fd;				/* the socket (libmicrohttpd's) */
	int64_t deadline;		/* mdx_mono_ms; 0: being answered */
	struct serve_conn *prev, *next; /* registry list */
};

/* The server. */
struct serve {
	struct serve_conf c;	     /* options */
	struct MHD_Daemon *d;	     /* the daemon */
	struct serve_cache *cache;   /* NULL: --cache-size 0 */
	struct serve_limiter *limit; /* NULL: --rate-limit 0 */
	struct serve_metrics m;	     /* counters */
	_Atomic uint64_t gen;	     /* store generation: moves on change */
	pthread_key_t reader_key;    /* struct serve_reader of a thread */
	pthread_mutex_t wmu;	     /* guards ws: one writer at a time */
	struct mdx_store *ws;	     /* the write connection, or NULL */
	uint8_t mac_key[16];	     /* cursors' MAC key */
	uint8_t hash_key[16];	     /* cache keys, API key comparison */
	uint64_t api_key_hash;	     /* siphash of the API key */
	char *openapi;		     /* owned: the OpenAPI document */
	size_t openapi_len;	     /* its length */
	atomic_int inflight;	     /* requests begun and not finished */
	atomic_int draining;	     /* SIGTERM: finish, accept no more */
	atomic_uint_fast64_t ids;    /* request id counter */
	uint64_t id_salt;	     /* request id salt (random) */
	pthread_mutex_t cmu;	     /* guards conns */
	struct serve_conn *conns;    /* open connections */
	pthread_t reaper;	     /* closes late connections */
	int reaper_stop;	     /* under cmu */
	int trim;		     /* under cmu: connections closed since
					the heap was last trimmed */
	pthread_cond_t reaper_cv;    /* wakes the reaper to stop */
};

/* Query parameters, as bits of struct serve_route.params. */
enum serve_param {
	SP_FORMAT = 1 << 0,	  /* json ndjson csv tsv */
	SP_INTERVAL = 1 << 1,	  /* 1m .. 3mo */
	SP_FROM = 1 << 2,	  /* date */
	SP_TO = 1 << 3,		  /* date */
	SP_LIMIT = 1 << 4,	  /* rows */
	SP_CURSOR = 1 << 5,	  /* keyset cursor */
	SP_SYMBOLS = 1 << 6,	  /* A,B,C */
	SP_DATE = 1 << 7,	  /* date */
	SP_RISK_FREE = 1 << 8,	  /* annual rate: 0.045 or 4.5% */
	SP_PERIOD = 1 << 9,	  /* daily weekly monthly quarterly */
	SP_LOG = 1 << 10,	  /* flag: log returns */
	SP_SOURCE = 1 << 11,	  /* resample: the interval read */
	SP_REGULAR = 1 << 12,	  /* flag: regular session only */
	SP_AT_OPEN = 1 << 13,	  /* flag: hours from 09:30 */
	SP_TOP = 1 << 14,	  /* index size */
	SP_REBALANCE = 1 << 15,	  /* daily weekly monthly quarterly */
	SP_BASE = 1 << 16,	  /* first level */
	SP_SUMMARY = 1 << 17,	  /* flag: one row of figures */
	SP_ALL = 1 << 18,	  /* flag: closed weekdays too */
	SP_KINDS = 1 << 19,	  /* check kinds */
	SP_FAIL_ON = 1 << 20,	  /* check kinds that fail */
	SP_AS_OF = 1 << 21,	  /* date or "today" */
	SP_STALE = 1 << 22,	  /* sessions */
	SP_OUTLIER = 1 << 23,	  /* robust sd */
	SP_ZERO_VOLUME = 1 << 24, /* bars in a row */
	SP_ADJUST = 1 << 25,	  /* none split total */
	SP_BACKFILL = 1 << 26,	  /* flag: fill share counts back */
	SP_FROM_TS = 1 << 27,	  /* from=: bars: a date or an instant */
	SP_TO_TS = 1 << 28,	  /* to=: bars: a date or an instant */
	SP_SINCE = 1 << 29,	  /* since=: bars: strictly after an instant */
	SP_NPARAM = 30
};

/* The definition of parameter bit i (for parsing and OpenAPI). */
struct serve_param_def {
	const char *name;   /* query name */
	const char *type;   /* JSON schema type */
	const char *format; /* JSON schema format, or NULL */
	const char *desc;   /* description */
};
extern const struct serve_param_def serve_params[SP_NPARAM];

struct serve_req;

/* Route flags. */
enum serve_route_flags {
	SR_CACHE = 1 << 0,   /* GET answers are cached, ETag and 304 */
	SR_WRITE = 1 << 1,   /* needs the API key */
	SR_NOLIMIT = 1 << 2, /* not rate-limited (health checks) */
	SR_BODY = 1 << 3,    /* takes a request body */
	SR_PAGED = 1 << 4,   /* keyset pagination */
	SR_FORMATS = 1 << 5, /* json ndjson csv tsv by format= or Accept */
	SR_ROWS = 1 << 6,    /* answers the rows of a query command */
};

/* A route: method and path template, and its handler. */
struct serve_route {
	const char *method;		 /* "GET" (HEAD too), "POST" ... */
	const char *tmpl;		 /* "/v1/bars/{symbol}" */
	unsigned params;		 /* enum serve_param it takes */
	unsigned flags;			 /* enum serve_route_flags */
	int (*run)(struct serve_req *r); /* makes r->doc, or fails */
	const char *summary;		 /* one line, for OpenAPI */
	const char *desc;		 /* more, for OpenAPI */
	const char *same_as;		 /* the mdx-query command, or NULL */
	const char *cols; /* SR_ROWS: the columns of a row, space-separated,
			   * in order, each typed by serve_columns[] unless
			   * written "name:type"; " | " between the shapes
			   * of a route that has two; NULL: none */
};
extern const struct serve_route serve_routes[];
extern const size_t serve_nroutes;

/*
 * The JSON type of every column a route answers, by name, for the schemas
 * of /openapi.json: "string", "number", "integer", "boolean", "date"
 * (YYYY-MM-DD), "date-time" (RFC 3339) or "strings" (an array of them).
 * A value is null where the data has none, except in the key columns.
 */
struct serve_column {
	const char *name; /* as in the rows */
	const char *type; /* as above */
	int key;	  /* 1: never null */
};
extern const struct serve_column serve_columns[];
extern const size_t serve_ncolumns;

/* What a request carries, as parsed. */
struct serve_kv {
	const char *name;  /* decoded, in r->qbuf */
	const char *value; /* decoded, in r->qbuf */
};

/* States of a request. */
enum serve_req_state {
	RS_NEW = 0, /* headers not yet seen by the handler */
	RS_READY,   /* checked: answered in the next call */
	RS_BODY,    /* reading the body */
	RS_DONE,    /* answered */
};

/* One request, from its request line to the end of its response. */
struct serve_req {
	struct serve *srv;		 /* the server */
	struct MHD_Connection *c;	 /* its connection */
	int state;			 /* enum serve_req_state */
	int64_t t0_us;			 /* when the request line arrived */
	char *target;			 /* owned: the raw request target */
	const char *method;		 /* borrowed from libmicrohttpd */
	int head;			 /* HEAD: headers only */
	char id[SERVE_ID_LEN];		 /* request id */
	char remote[64];		 /* client address, text */
	int route;			 /* index in serve_routes, -1 none */
	char *pbuf;			 /* owned: decoded path segments */
	const char *seg[SERVE_MAX_SEGS]; /* path segments, decoded */
	int nseg;			 /* how many */
	const char *var[SERVE_MAX_VARS]; /* {variables}, in template order */
	char allow[128];		 /* methods of the path (Allow) */
	char *qbuf;			 /* owned: decoded query */
	struct serve_kv kv[SERVE_MAX_PARAMS]; /* query parameters */
	int nkv;			      /* how many */
	int fmt;			      /* enum serve_fmt asked for */
	char *body;			      /* owned: the request body */
	size_t body_len, body_cap;	      /* its length, allocation */
	int body_over;			      /* the body went over the cap */
	struct serve_doc *doc;		      /* the answer (a reference) */
	int cache;			      /* 1 hit, 0 miss, -1 not cached */
	int nocache;			      /* the answer may not be kept */
	int status;			      /* status sent, 0 none yet */
	size_t bytes;			      /* body bytes sent */
};

/* serve_http.c */
/* Start the daemon on listening socket fd.  Returns 0 or -1 with e set. */
int serve_start(struct serve *srv, int fd, struct mdx_err *e);
/* Stop accepting, let requests in flight finish (up to --grace), stop. */
void serve_stop(struct serve *srv);
/* The value of query parameter name, or NULL. */
const char *serve_arg(const struct serve_req *r, const char *name);
/* The value of request header name, or NULL. */
const char *serve_header(const struct serve_req *r, const char *name);
/*
 * Make r->doc a problem+json document (RFC 9457) of status with detail
 * (printf format).  Returns -1, so a handler can `return serve_fail(...)`.
 */
int serve_fail(struct serve_req *r, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same with the members of extra (borrowed; may be NULL) added. */
int serve_fail_with(struct serve_req *r, int status, json_t *extra,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The same for a struct mdx_err from the store (status from its code). */
int serve_fail_err(struct serve_req *r, const struct mdx_err *e);
/* A JSON document (status) of v (compact, mdx_output_json_text). */
int serve_json_doc(struct serve_req *r, int status, const json_t *v);

/* serve_query.c */
/* The calling thread's reader, opened on first use; NULL with e set. */
struct serve_reader *serve_reader_get(struct serve *srv, struct mdx_err *e);
/* Close a reader (the thread-key destructor). */
void serve_reader_free(void *p);
/*
 * Bring srv->gen up to date with the store as this thread's connection sees
 * it: moves it when another connection committed since the last look.
 * Returns the generation to stamp a document made now, or 0 on error.
 */
uint64_t serve_generation(struct serve *srv, struct serve_reader *rd);
int serve_q_bars(struct serve_req *r);

/* A query function of the store, with its own arguments in arg. */
typedef int (*serve_rows_fn)(struct mdx_store *s, const struct mdx_query *q,
			     void *arg, struct mdx_sink *k, struct mdx_err *e);
enum serve_rows_flags {
	SERVE_MISS_ANY = 1 << 0, /* any miss is 404 (an index), not only
				    every symbol of q missing */
};
/*
 * Make r->doc the rows fn sends, rendered in r->fmt as mdx-query renders
 * them: on s (NULL: this thread's reader, in one read transaction).
 * Symbols missing go to X-Missing-Symbols; all of q's missing (or with
 * SERVE_MISS_ANY, any) is 404.  Returns 0, or -1 with r->doc a problem.
 */
int serve_rows_on(struct serve_req *r, struct mdx_store *s, serve_rows_fn fn,
		  const struct mdx_query *q, void *arg, int flags);
/* Parameter readers: 0, or -1 with r->doc set (400). */
int serve_symbol_var(struct serve_req *r, const char *s);
int serve_q_dates(struct serve_req *r, struct mdx_query *q);
int serve_q_range(struct serve_req *r, struct mdx_query *q);
int serve_q_symbol_list(struct serve_req *r, struct mdx_query *q, char **buf,
			const char ***names);

/* The key of one bar, from the path /v1/bars/{symbol}/{interval}/{ts}. */
struct serve_bar_key {
	const char *symbol; /* borrowed from the request */
	int interval;	    /* enum mdx_interval */
	int64_t ts;	    /* epoch ms UTC, unless by_date */
	int32_t date;	    /* the trading date (by_date), else ts's UTC date */
	int by_date;	    /* the path gave a date (1d, 1wk, 1mo only) */
};
/* Read r's key into k.  Returns 0, or -1 with r->doc set (400). */
int serve_bar_key(struct serve_req *r, struct serve_bar_key *k);
/*
 * Find the bar of k in s (through the query core) and send it to inner
 * (may be a sink that drops it); *found_ts (may be NULL) gets its ts.
 * Returns 1 found, 0 not, or -1 with e set.
 */
int serve_bar_find(struct mdx_store *s, const struct serve_bar_key *k,
		   struct mdx_sink *inner, int64_t *found_ts,
		   struct mdx_err *e);
int serve_q_bar(struct serve_req *r);
int serve_q_latest(struct serve_req *r);
int serve_q_actions(struct serve_req *r);
int serve_q_revisions(struct serve_req *r);
/* adjust= into q->adjust, dflt when absent; 0, or -1 having answered 400 */
int serve_q_adjust(struct serve_req *r, struct mdx_query *q, int dflt);
int serve_q_symbols(struct serve_req *r);
int serve_q_runs(struct serve_req *r);

/* serve_analysis.c: stats, returns, resample, index, calendar, check */
int serve_a_stats(struct serve_req *r);
int serve_a_returns(struct serve_req *r);
int serve_a_resample(struct serve_req *r);
int serve_a_index_list(struct serve_req *r);
int serve_a_index_performance(struct serve_req *r);
int serve_a_index_composition(struct serve_req *r);
int serve_a_index_changes(struct serve_req *r);
int serve_a_index_build(struct serve_req *r);
int serve_a_index_delete(struct serve_req *r);
int serve_a_calendar(struct serve_req *r);
int serve_a_check(struct serve_req *r);

/* serve_write.c */
/*
 * Is r allowed to write?  0 yes; else -1 with r->doc set (403 when the
 * server has no key, 401 when the key is missing or wrong).
 */
int serve_auth(struct serve_req *r);
int serve_w_post_bars(struct serve_req *r);
int serve_w_put_bar(struct serve_req *r);
int serve_w_delete_bar(struct serve_req *r);
/* Close the write connection. */
void serve_writer_close(struct serve *srv);
/*
 * The write connection, opened on first use; call with srv->wmu held.
 * NULL with e set.
 */
struct mdx_store *serve_writer(struct serve *srv, struct mdx_err *e);

/* serve_ops.c */
int serve_o_health(struct serve_req *r);
int serve_o_ready(struct serve_req *r);
int serve_o_metrics(struct serve_req *r);
int serve_o_openapi(struct serve_req *r);
/* Build srv->openapi from the route table.  Returns 0 or -1 (no memory). */
int serve_openapi_build(struct serve *srv);
/* Set up and free the metric arrays.  init returns 0 or -1. */
int serve_metrics_init(struct serve_metrics *m);
void serve_metrics_free(struct serve_metrics *m);
/* Count a finished request of route (-1: none) with status and latency. */
void serve_metrics_count(struct serve_metrics *m, int route, int status,
			 int64_t us);

/* serve_util.c */
/* SipHash-2-4 of data (n bytes) under key (16 bytes). */
uint64_t serve_siphash(const uint8_t key[16], const void *data, size_t n);
/* n random bytes into buf (getrandom(2)).  Returns 0 or -1. */
int serve_random(void *buf, size_t n);
/* Now on a monotonic clock, microseconds. */
int64_t serve_mono_us(void);
/*
 * Parse a size: digits with an optional K, M or G (powers of 1024).
 * Returns 0 with *v set, or -1.
 */
int serve_parse_size(const char *s, size_t *v);
/* Parse a whole decimal number in [lo, hi].  Returns 0 or -1. */
int serve_parse_long(const char *s, long lo, long hi, long *v);

/* A position in a bars answer: the last row sent. */
struct serve_cursor {
	int interval; /* enum mdx_interval */
	int64_t ts;   /* epoch ms UTC */
	int32_t date; /* trading date, days since epoch */
};
/*
 * Write cur as an opaque cursor (base64url, SERVE_CURSOR_LEN bytes with
 * the NUL, at most) into out, MACed with key over cur and bind (the text
 * naming the query it belongs to).
 */
void serve_cursor_encode(const uint8_t key[16], const struct serve_cursor *cur,
			 const char *bind, char *out);
/*
 * Read cursor text s made for bind.  Returns 0 with *cur set, or -1 when
 * it is not a cursor, was changed, or belongs to another query.
 */
int serve_cursor_decode(const uint8_t key[16], const char *s, const char *bind,
			struct serve_cursor *cur);
/*
 * Append s percent-encoded (all but A-Z a-z 0-9 - . _ ~) to buf of size
 * n at *len; returns -1 when it does not fit.
 */
int serve_pct_append(char *buf, size_t n, size_t *len, const char *s);

#endif
