/*
 * extract_int.h - what mdx-extract's files share: main.c and opts.c (the
 * command line), csv.c (files), fetch.c (the driver of the HTTP providers)
 * and one file per HTTP provider (yahoo.c, alphavantage.c, polygon.c).
 * Not part of lib/.
 */
#ifndef EXTRACT_INT_H
#define EXTRACT_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "mdx_cli.h"
#include "mdx_err.h"
#include "mdx_http.h"
#include "mdx_record.h"
#include "mdx_symbol.h"

enum extract_what { WHAT_BARS = 0, WHAT_PROFILE, WHAT_ACTIONS };

/* --basis: the price basis of a CSV file (BASIS-SPEC.md, mdx-records(5)) */
enum extract_basis {
	EXTRACT_BASIS_UNKNOWN = -1, /* not given: known from the layout */
	EXTRACT_BASIS_TRADED = 0,   /* "traded": as traded that day */
	EXTRACT_BASIS_SPLIT = 1,    /* "split": back-adjusted for splits up
				       to --basis-as-of */
};

struct extract_opts {
	const char *provider;	  /* "csv", "yahoo", ... */
	int what;		  /* enum extract_what */
	int interval;		  /* enum mdx_interval */
	const char *tz;		  /* zone of wall times (--tz) */
	const char *symbol;	  /* --symbol, or NULL */
	const char *as_of;	  /* --as-of date for profile facts, or NULL */
	int64_t from_ms, to_ms;	  /* --from/--to: the instant, or 00:00 UTC
				     of a date */
	int32_t from_day, to_day; /* their dates (in --tz for a time) */
	int has_from, has_to;
	int from_is_time, to_is_time;  /* a time, not a whole date, given */
	const char *from_arg, *to_arg; /* as given, parsed once --tz is known */
	const char *since;	       /* --since FILE ("-": stdin), or NULL */
	int overlap;		       /* --overlap: bars asked again */
	const char *base_url;	  /* --base-url, or NULL for the provider's */
	const char *api_key_file; /* --api-key-file, or NULL */
	const char *symbols_file; /* --symbols-file, or NULL */
	int jobs;		  /* -j: transfers at once */
	double rate;		  /* --rate requests a minute, 0: unlimited */
	int has_rate;		  /* --rate given, else the provider's */
	int retries;		  /* --retries */
	long max_time_s;	  /* --max-time: a request's budget, s */
	long retry_base_ms;	  /* --retry-base: first backoff ceiling, ms */
	int adjusted;		  /* --adjusted 1, --unadjusted 0, else -1 */
	int grouped;		  /* --grouped (polygon) */
	int dry_run;		  /* --dry-run */
	int basis;		  /* --basis: enum extract_basis */
	const char *basis_as_of;  /* --basis-as-of DATE, or NULL */
	const char *user_agent;	  /* --user-agent, or NULL */
	int progress;		  /* stderr is a terminal and not -q */
	int follow;		  /* --follow */
	int has_every;		  /* --every or --report-every given */
	int64_t every_ms;	  /* --every: from pass to pass, ms */
	int64_t report_ms;	  /* --report-every: run records, ms */
	const char *stream;	  /* --stream CHANNELS (polygon), or NULL */
};

struct extract_ctx {
	const struct extract_opts *o;
	struct mdx_run *run; /* counters for the run record */
	FILE *out;	     /* where records go */
	int io_failed;	     /* a write to out failed */
	int temp_failures;   /* symbols that failed for a temporary reason */
	int perm_failures;   /* symbols that failed for good */
	int bad_rows;	     /* malformed rows skipped */
	int whole_status;    /* exit status of a failure before any work
				(usage 2, no input 66), else 0 */
	long nsymbols;	     /* symbols (or dates) asked for; 0 for csv */
};

/* opts.c: parse the command line into o; see mdx-extract(1). */
int extract_opts_parse(int argc, char **argv, struct extract_opts *o);
void extract_usage(FILE *fp);

/* symbols.c: the symbols of a run of an HTTP provider. */
struct extract_symbols {
	char **v;      /* owned: the symbols, checked, each once */
	size_t n, cap; /* used and allocated entries of v */
};

/*
 * Gather the symbols of --symbol, the operands ("-": standard input) and
 * --symbols-file into l, checking each (mdx_symbol_valid) and dropping
 * repeats.  Returns 0, or the exit status of the failure (reported):
 * MDX_EXIT_USAGE for an invalid symbol, MDX_EXIT_NOINPUT for a file that
 * cannot be opened.  Release l with extract_symbols_release() either way.
 */
int extract_symbols_load(struct extract_symbols *l,
			 const struct extract_opts *o, char **operands, int n);
void extract_symbols_release(struct extract_symbols *l);

/*
 * Add s to l unless it is there (a symbol of a --since bookmark).
 * Returns 0, or the exit status of the failure (reported).
 */
int extract_symbols_add(struct extract_symbols *l, const char *s);

/* since.c: times of --from/--to and bookmarks of --since. */

/*
 * Parse an option's time s: a date "YYYY-MM-DD" (*is_time 0, *ms its
 * 00:00 UTC), an RFC 3339 instant, or "YYYY-MM-DD HH:MM[:SS]" (or with
 * 'T') as a wall time in zone (*is_time 1, *ms the instant).  *day is
 * the date (in zone for a time).  Returns 0, or -1 with e set.
 */
int extract_when_parse(const char *s, const char *zone, int64_t *ms,
		       int32_t *day, int *is_time, struct mdx_err *e);

struct extract_mark {
	char sym[MDX_SYMBOL_MAX + 1]; /* the symbol */
	int64_t ms;		      /* start of its latest bar, epoch ms */
};

struct extract_marks {
	struct extract_mark *v; /* owned: sorted by symbol once loaded */
	size_t n, cap;		/* used and allocated entries */
};

/*
 * Read the bookmarks of o->since (NDJSON bars: symbol, ts or t, and an
 * interval, records of another type or interval skipped) into m, and add
 * their symbols to syms.  Returns 0, or the exit status of the failure
 * (reported): MDX_EXIT_NOINPUT, MDX_EXIT_DATAERR for a bad line.
 * Release m with extract_marks_release() either way.
 */
int extract_marks_load(struct extract_marks *m, const struct extract_opts *o,
		       struct extract_symbols *syms);

/* The bookmark of sym, or NULL.  Borrowed. */
const struct extract_mark *extract_marks_find(const struct extract_marks *m,
					      const char *sym);
void extract_marks_release(struct extract_marks *m);

struct fetch_job;

/* The length of a bar of interval in ms (a month: 31 days). */
int64_t extract_bar_ms(int interval);

/*
 * Now, epoch ms, fixed for the run: $MDX_EXTRACT_NOW (an RFC 3339 instant,
 * for replaying recorded answers: Yahoo's range limits count back from
 * it) when set and valid, else the clock at the first call.
 */
int64_t extract_now_ms(void);

/*
 * Move extract_now_ms() to the clock now (follow mode, before each pass);
 * it stays at $MDX_EXTRACT_NOW when that is set.
 */
void extract_now_advance(void);

/*
 * Set job j to start from the bookmark last_ms minus o->overlap bars:
 * intraday bars from that instant; daily and longer from that date in
 * o->tz (a week 7 days, a month 31).  Returns 0 or -1 with e set.
 */
int extract_mark_since(const struct extract_opts *o, int64_t last_ms,
		       struct fetch_job *j, struct mdx_err *e);

/*
 * Is a bar starting at ms (on the date day in its zone) inside the
 * bookmark of job j (NULL: none), else --from, and --to?  Intraday bars
 * compare instants when a time was given, other bars dates.
 */
int extract_bar_in_range(const struct extract_ctx *c, const struct fetch_job *j,
			 int32_t day, int64_t ms);

/* Write rec (a reference is taken over) to the output; counts it. */
int extract_emit(struct extract_ctx *c, json_t *rec);

/* Is the date (days since epoch) inside --from/--to? */
int extract_in_range(const struct extract_ctx *c, int32_t day);

/* Report a symbol that failed with e; counts it as temporary or not. */
void extract_fail(struct extract_ctx *c, const char *symbol,
		  const struct mdx_err *e);

/*
 * The ratio of a split coefficient: Alpha Vantage prints 7-for-1 as
 * 7.00000700001, so a ratio within 1e-5 of a whole number (or of one over
 * a whole number) is rounded to it.
 */
double extract_split_ratio(double r);

/*
 * csv.c: read CSV files (operands) into bar, action or instrument records.
 * Returns 0, or -1 when a file could not be read at all (reported).
 */
int csv_extract(struct extract_ctx *c, char **files, int nfiles);

/* ---- the HTTP providers (fetch.c) ---- */

struct fetch; /* one run of an HTTP provider */

/* One unit of work that succeeds or fails as a whole: a symbol, or a date. */
struct fetch_job {
	char name[MDX_SYMBOL_MAX + 1]; /* symbol (or YYYY-MM-DD), as in
					  the records: the exchange's */
	char psym[MDX_SYMBOL_MAX + 1]; /* name as the provider spells it
					  (mdx_symbol.h): for its URLs */
	int pending;		       /* requests queued and not finished */
	int failed;		       /* reported as failed */
	long records;		       /* records written for it */
	long long id;		       /* the provider's number for it (SEC:
					  the CIK), 0 when none */
	int has_since;		       /* a bookmark (--since) applies */
	int64_t since_ms;	       /* intraday: bars from this instant */
	int32_t since_day;	       /* daily and longer: from this date */
};

/* A provider: its defaults and the callbacks fetch.c drives. */
struct fetch_provider {
	const char *name;	/* -p name, and "source" of its records */
	const char *base;	/* default scheme://host */
	const char *key_env;	/* environment variable of the key, or NULL
				   when no key is used */
	double rate;		/* default requests a minute */
	const char *user_agent; /* NULL: libcurl's mdx/VERSION */
	const char *ua_env;	/* environment variable that gives the
				   User-Agent when --user-agent does not,
				   or NULL */

	/* Check the options for this provider; -1 with e set (usage). */
	int (*check)(const struct extract_opts *o, struct mdx_err *e);

	/*
	 * Make the jobs when they are not the symbols (polygon --grouped:
	 * one a date), with fetch_job_add().  Returns 0 when it made them,
	 * 1 for one job a symbol (as when NULL), -1 with e set.
	 */
	int (*plan)(struct fetch *f, struct mdx_err *e);

	/*
	 * Once the client is made and before any job starts: what the whole
	 * run needs first (SEC: the ticker->CIK map), with fetch_get_sync().
	 * Returns 0, or -1 with e set: the run fails as a whole.  NULL: none.
	 */
	int (*prepare)(struct fetch *f, struct mdx_err *e);

	/* Queue the first request(s) of job j with fetch_get(). */
	int (*start)(struct fetch *f, struct fetch_job *j, struct mdx_err *e);

	/*
	 * Judge a response (mdx_http_req.classify), e.g. Alpha Vantage's
	 * rate limit in an HTTP 200 body; NULL: the default rules, with the
	 * error text taken from the body.
	 */
	int (*classify)(const struct mdx_http_resp *r, int verdict,
			struct mdx_err *e);

	/*
	 * Does the last answer of a request that failed for a temporary
	 * reason say that the quota of the day is spent (Alpha Vantage's
	 * "25 requests per day")?  Then retrying other symbols is futile:
	 * the run stops, and the symbols not yet done fail as temporary
	 * without a request.  NULL: never.
	 */
	int (*quota_spent)(const struct mdx_http_resp *r);

	/*
	 * Turn a response to request kind of job j into records
	 * (fetch_emit); may queue more requests (pages).  Returns 0, or -1
	 * with e set: the job fails (MDX_EPERM unless e says MDX_ETEMP).
	 */
	int (*parse)(struct fetch *f, struct fetch_job *j, int kind,
		     const struct mdx_http_resp *r, struct mdx_err *e);

	int since;	  /* honours --since bookmarks (else refused) */
	int symbol_style; /* enum mdx_symbol_style of its URLs */
};

/*
 * Run provider p for the symbols named by the operands, --symbol and
 * --symbols-file: one job a symbol, up to -j requests at once within the
 * rate limit.  Failures of single symbols are reported and counted in c;
 * returns 0, or -1 when the run could not start or was stopped (reported;
 * c->whole_status says why when it is not a write error).
 */
int fetch_run(struct extract_ctx *c, const struct fetch_provider *p,
	      char **operands, int n);

/*
 * What follow mode (follow.c) hooks into the passes of fetch.c.  Every
 * member may be NULL.
 */
struct fetch_hooks {
	void *u; /* handed to the callbacks */

	/*
	 * A record of the job numbered i (fetch_jobs() order) is about to be
	 * written (rec borrowed): 1 to write it, 0 to drop it (written
	 * before and unchanged).
	 */
	int (*keep)(void *u, size_t i, const json_t *rec);

	/*
	 * The job numbered i failed with e: reported and counted by the hook
	 * (instead of extract_fail()).
	 */
	void (*failed)(void *u, size_t i, const struct mdx_err *e);

	/* a signal handler's flag: set, the pass ends at once (its requests
	 * cancelled, no failure reported) */
	const volatile sig_atomic_t *stop;
};

/*
 * Set up a run of provider p as fetch_run() does (symbols, --since
 * bookmarks, base URL, key, client), with hooks (copied; NULL: none),
 * without sending anything.  Returns a run to end with fetch_close(), or
 * NULL (reported; c->whole_status says why).  With hooks, no progress line
 * is drawn and a job without records is not warned about.
 */
struct fetch *fetch_open(struct extract_ctx *c, const struct fetch_provider *p,
			 char **operands, int n,
			 const struct fetch_hooks *hooks);

/*
 * One pass over the jobs numbered from to to - 1: each starts afresh
 * (pending, failed and records reset; its since fields as the caller set
 * them) and the requests run to the end.  Returns 0; 1 when the hooks'
 * stop flag ended it; -1 when the run could not go on (reported:
 * c->io_failed, or c->whole_status).
 */
int fetch_pass(struct fetch *f, size_t from, size_t to);

/* The client's counters since fetch_open() (all 0 in a dry run). */
void fetch_stats(const struct fetch *f, struct mdx_http_stats *st);

/*
 * The longest Retry-After (ms) of a request that failed for a temporary
 * reason in the last pass, or -1 when none said.
 */
long fetch_retry_after(const struct fetch *f);

/* End the run f (may be NULL). */
void fetch_close(struct fetch *f);

/*
 * follow.c: mdx-extract --follow (mdx-extract(1), FOLLOW MODE): pass after
 * pass every --every, each symbol asked from its bookmark, only new or
 * changed records written, a run record every --report-every, until
 * SIGTERM or SIGINT.  Writes its run records itself (c->run is the
 * period's counters).  Returns the exit status.
 */
int follow_run(struct extract_ctx *c, const struct fetch_provider *p,
	       char **operands, int n);

/*
 * Hand body (len bytes, NUL after them) to p's parse as the answer to
 * request kind of a job named name, without HTTP: what a next page asks
 * for is printed to c->out as "GET url" (as --dry-run does).  For the
 * fuzz harnesses (tests/fuzz/).  Returns what parse returns.
 */
int fetch_parse_body(struct extract_ctx *c, const struct fetch_provider *p,
		     const char *name, int kind, const char *body, size_t len,
		     struct mdx_err *e);

/* The run's context (and through it the options), and its base URL
 * (no trailing '/'). */
struct extract_ctx *fetch_ctx(const struct fetch *f);
const char *fetch_base(const struct fetch *f);

/*
 * The API key, percent-encoded for a query string, or "" when there is
 * none (only with --dry-run).  Borrowed.
 */
const char *fetch_key(const struct fetch *f);

/*
 * The default judgement of a response (mdx_http_req.classify): the
 * verdict unchanged, with the provider's reason from an error body
 * (Yahoo's chart.error.description, "Error Message", "error", "message")
 * in e.
 */
int fetch_classify(const struct mdx_http_resp *r, int verdict,
		   struct mdx_err *e);

/* Is sym one of the symbols asked for (polygon --grouped)?  1 or 0. */
int fetch_wanted(const struct fetch *f, const char *sym);

/* Add a job named name (copied; at most MDX_SYMBOL_MAX bytes). */
int fetch_job_add(struct fetch *f, const char *name, struct mdx_err *e);

/*
 * Queue a GET of the base URL followed by the printf-style path and query
 * (secrets included; the key is redacted wherever the URL is shown), for
 * job j; kind is handed back to the provider's parse.  With --dry-run the
 * redacted URL is printed instead.  Returns 0 or -1 with e set.
 */
int fetch_get(struct fetch *f, struct fetch_job *j, int kind, struct mdx_err *e,
	      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/*
 * GET url at once, outside any job, and hand the answer to parse (with u);
 * returns when it is done.  With --dry-run the request is printed and
 * parse is not called.  Returns 0, or -1 with e set (the request's error
 * or parse's).
 */
int fetch_get_sync(struct fetch *f, const char *url,
		   int (*parse)(void *u, const struct mdx_http_resp *r,
				struct mdx_err *e),
		   void *u, struct mdx_err *e);

/* The jobs of the run: *n of them.  Borrowed. */
struct fetch_job *fetch_jobs(struct fetch *f, size_t *n);

/* As fetch_get, with a whole URL (a next page that a response named). */
int fetch_get_url(struct fetch *f, struct fetch_job *j, int kind,
		  const char *url, struct mdx_err *e);

/*
 * Percent-encode s (RFC 3986: everything but unreserved characters; in a
 * path segment also '=' and ':', which Yahoo and Polygon symbols use
 * unencoded) into buf of size n.  Returns buf; a symbol always fits in
 * 3 * MDX_SYMBOL_MAX + 1 bytes.
 */
char *fetch_escape(const char *s, int path, char *buf, size_t n);

/* Write rec (taken over) to the output; 0, or -1 when writing failed. */
int fetch_emit(struct fetch *f, json_t *rec);

/*
 * json_object_set_new(rec, key, v) that remembers a failure (no memory):
 * the next fetch_emit() then drops the record and stops the run, rather
 * than write a record with a field missing.
 */
void fetch_set(struct fetch *f, json_t *rec, const char *key, json_t *v);

/*
 * Reject a value of a response that mdx cannot represent (a timestamp
 * past year 9999, a volume past 2^53): reported as "SYM: field 'f': what
 * V out of range" and counted as a rejected row (the run is partial),
 * never written wrapped or rounded.
 */
void fetch_reject(struct fetch *f, const char *sym, const char *field,
		  const char *what, double v);

/* Count rows read from responses, and rows dropped (out of range, no
 * price). */
void fetch_count(struct fetch *f, long in, long dropped);

/*
 * Parse body (len bytes) as a JSON object; a new reference, or NULL with e
 * set (MDX_EPERM, "response is not JSON: ...").
 */
json_t *fetch_json(const struct mdx_http_resp *r, struct mdx_err *e);

/*
 * Read a JSON value that a provider may give as a number or as a numeric
 * string ("217.89", "None", "-", ""): 1 with *v set, 0 when missing,
 * -1 when it is neither.
 */
int fetch_number(const json_t *v, double *out);

/*
 * A new JSON number for v: an integer when v is whole (a split ratio of 4,
 * a market cap), else a real.  NULL when out of memory.
 */
json_t *fetch_num(double v);

/* Today's date (UTC) as days since the epoch. */
int32_t fetch_today(void);

/*
 * The day an answer was made, "YYYY-MM-DD" into buf (MDX_DATE_LEN bytes):
 * the UTC date of its HTTP Date header (mdx_http_resp.date_ms), else of
 * the time now (the fetch time).  This is the basis_as_of of the prices
 * in the answer (BASIS-SPEC.md).  Returns buf.
 */
char *fetch_answer_date(const struct mdx_http_resp *r, char *buf);

/*
 * Set "basis" to "split" and "basis_as_of" to as_of on rec (a bar or a
 * dividend whose values are back-adjusted for splits up to as_of), or
 * "basis" to "traded" when as_of is NULL.
 */
void fetch_set_basis(struct fetch *f, json_t *rec, const char *as_of);

/* The providers. */
extern const struct fetch_provider yahoo_provider;
extern const struct fetch_provider alphavantage_provider;
extern const struct fetch_provider polygon_provider;
extern const struct fetch_provider sec_provider;

/*
 * polygon.c: one Polygon aggregate b (o h l c, v, vw, n: a REST "results"
 * entry and a WebSocket "AM" event alike) as a bar record of sym (the
 * exchange's spelling) and interval starting at ms (epoch ms UTC), with
 * "basis" split as of as_of, or traded when as_of is NULL; written with
 * fetch_emit().  A volume or trade count that no integer of mdx holds is
 * rejected (fetch_reject: reported, counted).  Returns 1 written, 0 no
 * price at all (dropped: the caller counts it), 2 rejected, -1 the write
 * failed.
 */
int polygon_bar(struct fetch *f, const char *sym, const char *interval,
		int64_t ms, const json_t *b, const char *as_of);

/*
 * fetch.c: a run of provider p that sends no HTTP request (polygon
 * --stream): the symbols of the operands, --symbol and --symbols-file as
 * jobs (none is not an error here) and the API key read as an HTTP run
 * reads it (--api-key-file, else p->key_env).  Returns the run (free it
 * with fetch_close), or NULL with *status the exit status of the failure
 * (reported).
 */
struct fetch *fetch_open_jobs(struct extract_ctx *c,
			      const struct fetch_provider *p, char **operands,
			      int n, int *status);

/* The API key as read (not encoded), or "" when there is none.
 * Borrowed: a secret, never to be printed. */
const char *fetch_key_raw(const struct fetch *f);

/* polygon_ws.c: mdx-extract -p polygon --stream (mdx-extract(1),
 * STREAMING).  Returns 0, or -1 (reported; c->whole_status says why). */
int polygon_ws_run(struct extract_ctx *c, char **operands, int n);

/* polygon_wsmsg.c: the messages of Polygon's WebSocket feed, without a
 * socket (for polygon_ws.c, tests/fuzz/fuzz_polygon_ws.c). */

/* A subscribed symbol: as Polygon spells it, and as the store does. */
struct pws_sub {
	const char *psym; /* borrowed: Polygon's spelling (the channel's) */
	const char *name; /* borrowed: the exchange's, for the records */
};

/* What a message said; the caller sets msgno, subs, nsubs and all. */
struct pws_status {
	long msgno;		    /* the message's number on the stream,
				       1-based, for diagnostics */
	const struct pws_sub *subs; /* subscribed symbols, sorted by psym
				       (pws_subs_sort) */
	size_t nsubs;		    /* entries of subs */
	int all;		    /* subscribed to AM.*: every symbol */
	int flags;		    /* enum pws_flag: status events seen */
	long bars;		    /* bar records written */
	char status[32];	    /* the last status event's "status" */
	char message[256];	    /* ... and its "message", control
				       characters made spaces */
};

enum pws_flag {
	PWS_CONNECTED = 1 << 0,	  /* "connected" */
	PWS_AUTH_OK = 1 << 1,	  /* "auth_success" */
	PWS_AUTH_FAILED = 1 << 2, /* "auth_failed", "auth_timeout" */
	PWS_SUBSCRIBED = 1 << 3,  /* "success" (subscribed to ...) */
	PWS_MAX_CONN = 1 << 4,	  /* "max_connections" */
	PWS_OTHER = 1 << 5,	  /* any other status (an "error") */
};

/*
 * Parse one text message msg (len bytes) of the feed: each "AM" event of
 * a subscribed symbol becomes a 1m bar record (polygon_bar, written to the
 * run's output); an event that cannot be a bar is rejected with a reason
 * on stderr naming st->msgno, the event, the symbol and the field, and
 * counted; status events set st->flags, st->status and st->message.
 * Returns 0, or -1 with e set: MDX_EINPUT when the message is not JSON or
 * not an array of events (nothing written), MDX_EIO when a write failed.
 */
int polygon_ws_message(struct fetch *f, const char *msg, size_t len,
		       struct pws_status *st, struct mdx_err *e);

/* The store's symbol of Polygon's psym when it is subscribed, else NULL.
 * Borrowed. */
const char *pws_symbol_name(const struct pws_status *st, const char *psym);

/* Sort v (n entries) by psym, for struct pws_status.subs. */
void pws_subs_sort(struct pws_sub *v, size_t n);

#endif
