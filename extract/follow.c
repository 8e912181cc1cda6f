/*
 * follow.c - mdx-extract --follow (mdx-extract(1), FOLLOW MODE): ask an
 * HTTP provider again and again, pass after pass, and write only what is
 * new or changed, until SIGTERM or SIGINT.
 *
 * The passes are fetch.c's (fetch_open(), fetch_pass()); this file keeps,
 * for each symbol:
 *
 *  - its bookmark: the start of the latest bar seen in a pass that
 *    succeeded.  The next pass asks from it minus --overlap bars
 *    (extract_mark_since(), as --since does); a failed pass leaves it
 *    where it was, so nothing is skipped.  The first pass asks as a run
 *    without --follow would: from the --since bookmarks, else --from.
 *  - what it wrote lately: a 64-bit hash (FNV-1a) of each record as
 *    written, its basis_as_of left out (the answer's day, not a value),
 *    keyed by the bar's start (instrument records by symbol, actions by
 *    date and kind).  A record whose hash is known is not written again:
 *    the overlap bars come back every pass unchanged.  A bar that changed
 *    (a provider's correction, or a live bar, "final":false, that became
 *    final) is written again.  Bars older than the next pass asks for are
 *    forgotten.
 *
 * Failures.  A request is retried by lib/http.c (--retries, backoff,
 * Retry-After); a symbol that still fails keeps its bookmark and is asked
 * again in the next pass, and is reported once when it starts failing and
 * once when it recovers.  A pass in which every symbol failed for a
 * temporary reason is an outage: said once when it starts ("provider
 * outage: ...") and once when it ends ("recovered after N s"); meanwhile
 * the passes wait --every times 1, 2, 4, then 8 (with jitter: from half to
 * all of it; at least the longest Retry-After the provider sent), and each
 * pass first asks one symbol that worked before (a probe): the others are
 * asked only when it succeeds, so that a provider that is down gets one
 * request a pass, not one a symbol.
 *
 * Run records: one every --report-every (0: after every pass) and a last
 * one when a signal ends the run, each counting its period only: bars
 * out, requests, retries, "failed" (the symbols that failed in it),
 * "failed_requests", "passes", "failed_passes" (passes in which a symbol
 * failed), "outage_passes" (passes in which every symbol failed),
 * "outage_s" (seconds of the period inside an outage) and "down" (the
 * period ended inside one).  Its status is "ok" when nothing failed,
 * "failed" when every symbol failed in every pass of the period (an
 * outage, or for good), else "partial".
 *
 * Signals.  SIGTERM and SIGINT end the run: a sleep between passes at
 * once (the handler writes to a pipe that the sleep polls), a pass at
 * once too (its requests are aborted: lib/http.c's stop flag; what was
 * written stays written, the symbols not done keep their bookmarks).
 * Standard output is flushed after every pass, so that the next stage of
 * a pipeline sees each pass's bars at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "extract_int.h"
#include "mdx_alloc.h"
#include "mdx_time.h"

/* an outage's wait grows to this many times --every */
#define BACKOFF_MAX 8

enum seen_kind { SEEN_BAR, SEEN_INSTRUMENT, SEEN_ACTION };

/* a record written lately */
struct seen {
	int64_t key;   /* a bar: its start, epoch ms; an action: its day
			  times 2, plus 1 for a split; an instrument: 0 */
	uint64_t hash; /* of the record as written, basis_as_of left out */
	int kind;      /* enum seen_kind */
};

/* one symbol (one job of the run) */
struct follow_sym {
	int has_mark;	       /* a bar was seen in a pass that succeeded */
	int64_t mark;	       /* the bookmark: that bar's start, epoch ms */
	int has_latest;	       /* a bar was seen in this pass */
	int64_t latest;	       /* the latest one's start, epoch ms */
	struct seen *seen;     /* owned: what was written lately */
	size_t nseen, cap;     /* used and allocated entries of seen */
	int failed;	       /* failed in this pass */
	int temp;	       /* ... for a temporary reason */
	int worked;	       /* some pass succeeded for it */
	int said;	       /* its failing was reported */
	int64_t failing_since; /* mdx_mono_ms() of its first failure in a
				  row, or -1 */
	char why[600];	       /* why it failed in this pass */
};

struct follow {
	struct extract_ctx *c; /* the run */
	struct fetch *f;       /* fetch.c's run */
	struct follow_sym *s;  /* owned: one a job */
	size_t n;	       /* jobs */
	long npass;	       /* passes so far */
	int down;	       /* in an outage */
	int64_t down_since;    /* mdx_mono_ms() of its first failed pass */
	long down_npass;       /* its failed passes */
	int backoff;	       /* outage passes in a row */
	long retry_after_ms;   /* the longest Retry-After of the last pass */
	uint64_t rng;	       /* jitter, xorshift64 */
	/* the period of the next run record */
	int64_t period_start;	  /* mdx_mono_ms() when it began */
	long passes;		  /* passes */
	long failed_passes;	  /* passes in which a symbol failed */
	long outage_passes;	  /* passes in which every symbol failed
				     for a temporary reason */
	long lost_passes;	  /* ... for whatever reason */
	int64_t outage_ms;	  /* ms inside outages that ended */
	struct mdx_http_stats at; /* the client's counters when it began */
};

/* the signal that ends the run, 0 before; the sleep's wake-up pipe */
static volatile sig_atomic_t stop_sig;
static int wake[2] = {-1, -1};

static void
on_signal(int sig)
{
	int saved = errno;

	stop_sig = sig;
	if (wake[1] >= 0 && write(wake[1], "", 1) < 0) {
		/* full: a wake-up is pending anyway */
	}
	errno = saved;
}

/* catch SIGTERM and SIGINT into stop_sig; 0 or -1 (reported) */
static int
signals_catch(struct sigaction old[2])
{
	static const int sigs[2] = {SIGTERM, SIGINT};
	struct sigaction sa;

	if (pipe(wake) < 0 || fcntl(wake[0], F_SETFL, O_NONBLOCK) < 0 ||
	    fcntl(wake[1], F_SETFL, O_NONBLOCK) < 0 ||
	    fcntl(wake[0], F_SETFD, FD_CLOEXEC) < 0 ||
	    fcntl(wake[1], F_SETFD, FD_CLOEXEC) < 0) {
		mdx_log("error", "pipe: %s", strerror(errno));
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* reads and writes restart; poll(2), the waits, never does */
	sa.sa_flags = SA_RESTART;
	for (int i = 0; i < 2; i++)
		sigaction(sigs[i], &sa, &old[i]);
	return 0;
}

static void
signals_restore(struct sigaction old[2])
{
	sigaction(SIGTERM, &old[0], NULL);
	sigaction(SIGINT, &old[1], NULL);
	for (int i = 0; i < 2; i++)
		if (wake[i] >= 0) {
			close(wake[i]);
			wake[i] = -1;
		}
}

/* sleep ms, or less when a signal comes; 1 when one came */
static int
nap(int64_t ms)
{
	struct pollfd p = {.fd = wake[0], .events = POLLIN};
	int64_t end = mdx_mono_ms() + ms;

	while (!stop_sig) {
		int64_t left = end - mdx_mono_ms();

		if (left <= 0)
			break;
		poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
	}
	return stop_sig != 0;
}

/* ---- what was written ---- */

static uint64_t
fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* the hash of rec without basis_as_of; 0 when out of memory */
static uint64_t
rec_hash(const json_t *rec)
{
	json_t *cp = json_copy((json_t *)rec);
	char *text;
	uint64_t h = 0;

	if (cp == NULL)
		return 0;
	json_object_del(cp, "basis_as_of");
	if ((text = json_dumps(cp, JSON_SORT_KEYS | JSON_COMPACT)) != NULL) {
		h = fnv1a(text);
		mdx_free(text); /* jansson allocates through the seam */
	}
	json_decref(cp);
	return h;
}

/*
 * fetch_hooks.keep: write rec unless the same was written; a bar's start
 * moves the pass's latest.
 */
static int
keep(void *u, size_t i, const json_t *rec)
{
	struct follow *fl = u;
	struct follow_sym *s = &fl->s[i];
	const char *type = json_string_value(json_object_get(rec, "type"));
	int kind;
	int64_t key = 0;
	uint64_t h;

	if (type == NULL || strcmp(type, "bar") == 0) {
		const json_t *t = json_object_get(rec, "t");

		if (!json_is_integer(t))
			return 1;
		kind = SEEN_BAR;
		key = (int64_t)json_integer_value(t);
		if (!s->has_latest || key > s->latest) {
			s->has_latest = 1;
			s->latest = key;
		}
	} else if (strcmp(type, "instrument") == 0) {
		kind = SEEN_INSTRUMENT;
	} else if (strcmp(type, "action") == 0) {
		const char *d = json_string_value(json_object_get(rec, "date"));
		const char *k = json_string_value(json_object_get(rec, "kind"));
		int32_t day;

		if (d == NULL || mdx_date_parse(d, &day, NULL) < 0)
			return 1;
		kind = SEEN_ACTION;
		key = (int64_t)day * 2 + (k != NULL && strcmp(k, "split") == 0);
	} else {
		return 1;
	}
	if ((h = rec_hash(rec)) == 0)
		return 1; /* out of memory: writing is never wrong */
	for (size_t k = 0; k < s->nseen; k++)
		if (s->seen[k].kind == kind && s->seen[k].key == key) {
			if (s->seen[k].hash == h)
				return 0;
			s->seen[k].hash = h;
			return 1;
		}
	if (s->nseen == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct seen *v = mdx_realloc(s->seen, cap * sizeof(*v));

		if (v == NULL)
			return 1;
		s->seen = v;
		s->cap = cap;
	}
	s->seen[s->nseen++] = (struct seen){key, h, kind};
	return 1;
}

/* forget the bars that start before ms */
static void
forget(struct follow_sym *s, int64_t ms)
{
	size_t o = 0;

	for (size_t k = 0; k < s->nseen; k++)
		if (s->seen[k].kind != SEEN_BAR || s->seen[k].key >= ms)
			s->seen[o++] = s->seen[k];
	s->nseen = o;
}

/* fetch_hooks.failed: note it; reported after the pass */
static void
failed(void *u, size_t i, const struct mdx_err *e)
{
	struct follow *fl = u;
	struct follow_sym *s = &fl->s[i];
	size_t n;

	s->failed = 1;
	s->temp = e->code == MDX_ETEMP;
	mdx_err_str(e, s->why, sizeof(s->why));
	mdx_run_fail(fl->c->run, fetch_jobs(fl->f, &n)[i].name);
}

/* ---- passes ---- */

/* the one symbol asked first in an outage: the first that worked */
static size_t
probe(const struct follow *fl)
{
	for (size_t i = 0; i < fl->n; i++)
		if (fl->s[i].worked)
			return i;
	return 0;
}

/* run jobs from..to-1 of a pass; fetch_pass's return */
static int
sub_pass(struct follow *fl, size_t from, size_t to)
{
	int rc;

	if (from >= to)
		return 0;
	rc = fetch_pass(fl->f, from, to);
	if (fetch_retry_after(fl->f) > fl->retry_after_ms)
		fl->retry_after_ms = fetch_retry_after(fl->f);
	return rc;
}

/* one pass: 0, 1 (a signal ended it) or -1 (reported) */
static int
one_pass(struct follow *fl)
{
	const struct extract_opts *o = fl->c->o;
	struct fetch_job *jobs;
	struct mdx_err e;
	size_t n, p;
	int rc;

	jobs = fetch_jobs(fl->f, &n);
	extract_now_advance();
	fl->retry_after_ms = -1;
	for (size_t i = 0; i < n; i++) {
		struct follow_sym *s = &fl->s[i];

		s->failed = s->temp = s->has_latest = 0;
		mdx_err_clear(&e);
		if (s->has_mark &&
		    extract_mark_since(o, s->mark, &jobs[i], &e) < 0)
			mdx_log_err("error", &e); /* keeps the last since */
	}
	if (!fl->down)
		return sub_pass(fl, 0, n);
	p = probe(fl);
	if ((rc = sub_pass(fl, p, p + 1)) != 0)
		return rc;
	if (fl->s[p].failed) {
		/* still down: the others are not asked */
		for (size_t i = 0; i < n; i++)
			if (i != p) {
				fl->s[i].failed = fl->s[i].temp = 1;
				snprintf(fl->s[i].why, sizeof(fl->s[i].why),
					 "not asked: %s is down",
					 fetch_ctx(fl->f)->o->provider);
				mdx_run_fail(fl->c->run, jobs[i].name);
			}
		return 0;
	}
	if ((rc = sub_pass(fl, 0, p)) != 0)
		return rc;
	return sub_pass(fl, p + 1, n);
}

/* the start of the bars the next pass asks for of a symbol marked at ms */
static int64_t
asked_from(const struct extract_opts *o, int64_t ms)
{
	struct fetch_job j = {0};

	if (extract_mark_since(o, ms, &j, NULL) < 0)
		return INT64_MIN;
	/* daily and longer: a bar starts on its date in its own zone, up to
	 * a day before 00:00 UTC of that date (Auckland) */
	return mdx_interval_intraday(o->interval) ? j.since_ms
						  : j.since_ms - MDX_MS_PER_DAY;
}

/*
 * After a pass that started at started (mdx_mono_ms()): move the bookmarks of
 * the symbols that succeeded, say what started or stopped failing, and keep the
 * outage's state.  Returns 1 when the run cannot go on (the first pass failed
 * for every symbol, and for good).
 */
static int
after_pass(struct follow *fl, int64_t started)
{
	const struct extract_opts *o = fl->c->o;
	struct fetch_job *jobs;
	size_t n, nfail = 0, ntemp = 0, first = 0;
	int64_t now = mdx_mono_ms();

	jobs = fetch_jobs(fl->f, &n);
	for (size_t i = 0; i < n; i++)
		if (fl->s[i].failed) {
			if (nfail++ == 0)
				first = i;
			ntemp += fl->s[i].temp;
		}
	fl->passes++;
	fl->failed_passes += nfail > 0;
	fl->lost_passes += n > 0 && nfail == n;
	if (n > 0 && nfail == n && ntemp > 0) {
		/* an outage: said once */
		fl->outage_passes++;
		fl->backoff++;
		fl->down_npass++;
		if (!fl->down) {
			fl->down = 1;
			fl->down_since = started;
			fl->down_npass = 1;
			mdx_log("warning",
				"provider outage: all %zu symbol%s failed (%s: "
				"%s); keeping the bookmarks, asking again "
				"with backoff",
				n, n == 1 ? "" : "s", jobs[first].name,
				fl->s[first].why);
		}
		return 0;
	}
	if (fl->down) {
		mdx_log("info", "recovered after %.0f s (%ld pass%s failed)",
			(double)(now - fl->down_since) / 1000, fl->down_npass,
			fl->down_npass == 1 ? "" : "es");
		fl->outage_ms += now - (fl->down_since > fl->period_start
						? fl->down_since
						: fl->period_start);
		fl->down = 0;
	}
	fl->backoff = 0;
	for (size_t i = 0; i < n; i++) {
		struct follow_sym *s = &fl->s[i];

		if (s->failed) {
			if (s->failing_since < 0)
				s->failing_since = now;
			if (!s->said)
				mdx_log("error",
					"%s: %s; keeping its bookmark, asking "
					"again each pass",
					jobs[i].name, s->why);
			s->said = 1;
			continue;
		}
		if (s->said)
			mdx_log("info", "%s: recovered after %.0f s",
				jobs[i].name,
				(double)(now - s->failing_since) / 1000);
		s->said = 0;
		s->failing_since = -1;
		if (!s->worked && !s->has_latest)
			mdx_log("warning", "%s: no data yet", jobs[i].name);
		s->worked = 1;
		if (s->has_latest && (!s->has_mark || s->latest > s->mark)) {
			s->has_mark = 1;
			s->mark = s->latest;
		}
		if (s->has_mark)
			forget(s, asked_from(o, s->mark));
	}
	return fl->npass == 1 && nfail == n && ntemp == 0;
}

/* the wait before the next pass that starts at started (mono ms) */
static int64_t
wait_ms(struct follow *fl, int64_t started)
{
	int64_t every = fl->c->o->every_ms, d, now = mdx_mono_ms();

	if (!fl->down) {
		d = started + every - now; /* every --every, not after it */
	} else {
		d = every << (fl->backoff > 3 ? 3 : fl->backoff - 1);
		if (d > every * BACKOFF_MAX)
			d = every * BACKOFF_MAX;
		fl->rng ^= fl->rng << 13;
		fl->rng ^= fl->rng >> 7;
		fl->rng ^= fl->rng << 17;
		d = d / 2 + (int64_t)(fl->rng % (uint64_t)(d / 2 + 1));
	}
	if (fl->retry_after_ms > d)
		d = fl->retry_after_ms;
	return d > 0 ? d : 0;
}

/* ---- run records ---- */

/* write the period's run record and start the next; 0 or -1 */
static int
report(struct follow *fl, int last)
{
	struct extract_ctx *c = fl->c;
	struct mdx_run *r = c->run;
	struct mdx_http_stats st;
	int64_t now = mdx_mono_ms(), out_ms = fl->outage_ms;
	json_t *rec;

	fetch_stats(fl->f, &st);
	if (fl->down)
		out_ms += now - (fl->down_since > fl->period_start
					 ? fl->down_since
					 : fl->period_start);
	r->requests = st.requests - fl->at.requests;
	r->retries = st.retries - fl->at.retries;
	r->bytes = st.bytes - fl->at.bytes;
	r->finished = mdx_now_ms();
	r->status = fl->failed_passes == 0 && r->rejected == 0 ? "ok"
		    : fl->passes > 0 && fl->lost_passes == fl->passes
			    ? "failed"
			    : "partial";
	if ((rec = mdx_run_to_json(r)) == NULL) {
		mdx_log("error", "out of memory: no run record");
		return -1;
	}
	json_object_set_new(rec, "symbols", json_integer((json_int_t)fl->n));
	json_object_set_new(rec, "follow", json_true());
	json_object_set_new(rec, "passes", json_integer(fl->passes));
	json_object_set_new(rec, "failed_passes",
			    json_integer(fl->failed_passes));
	json_object_set_new(rec, "outage_passes",
			    json_integer(fl->outage_passes));
	json_object_set_new(rec, "failed_requests",
			    json_integer(st.failed - fl->at.failed));
	json_object_set_new(rec, "outage_s",
			    json_real((double)(out_ms / 100) / 10));
	json_object_set_new(rec, "down", json_boolean(fl->down));
	if (last)
		json_object_set_new(rec, "last", json_true());
	if (extract_emit(c, rec) < 0)
		return -1;
	/* the next period */
	r->started = r->finished;
	r->finished = 0;
	r->in = r->out = r->rejected = r->dropped = r->duplicates = 0;
	r->requests = r->retries = r->pages = r->bytes = 0;
	json_decref(r->failed);
	r->failed = NULL;
	fl->at = st;
	fl->period_start = now;
	fl->passes = fl->failed_passes = fl->outage_passes = 0;
	fl->lost_passes = 0;
	fl->outage_ms = 0;
	return 0;
}

/* flush standard output; 0 or -1 (reported but for a closed pipe) */
static int
flush_out(struct extract_ctx *c)
{
	errno = 0;
	if (!c->io_failed && fflush(c->out) != 0) {
		c->io_failed = 1;
		if (errno != EPIPE)
			mdx_log("error", "<stdout>: write error: %s",
				strerror(errno));
	}
	return c->io_failed ? -1 : 0;
}

/* --follow where it makes no sense: the reason, or NULL */
static const char *
refused(const struct extract_opts *o, const struct fetch_provider *p)
{
	if (!p->since)
		return "not supported by this provider (no bookmarks)";
	if (o->what != WHAT_BARS)
		return "follows bars only, not --what profile or actions";
	if (o->grouped)
		return "--grouped asks by date: follow a list of symbols";
	if (o->has_to)
		return "--to ends a range; a follow has no end";
	if (o->dry_run)
		return "--dry-run prints one pass: leave out --follow";
	return NULL;
}

int
follow_run(struct extract_ctx *c, const struct fetch_provider *p,
	   char **operands, int n)
{
	struct follow fl = {0};
	struct fetch_hooks hooks = {0};
	struct sigaction old[2];
	const char *why;
	int status = MDX_EXIT_OK, rc;

	if ((why = refused(c->o, p)) != NULL)
		return mdx_usage_error("-p %s: --follow: %s", p->name, why);
	stop_sig = 0;
	if (signals_catch(old) < 0)
		return MDX_EXIT_SOFTWARE;
	fl.c = c;
	hooks.u = &fl;
	hooks.keep = keep;
	hooks.failed = failed;
	hooks.stop = &stop_sig;
	if ((fl.f = fetch_open(c, p, operands, n, &hooks)) == NULL) {
		status = c->whole_status ? c->whole_status : MDX_EXIT_SOFTWARE;
		goto out;
	}
	fetch_jobs(fl.f, &fl.n);
	if ((fl.s = mdx_calloc(fl.n ? fl.n : 1, sizeof(*fl.s))) == NULL) {
		mdx_log("error", "out of memory");
		status = MDX_EXIT_SOFTWARE;
		goto out;
	}
	for (size_t i = 0; i < fl.n; i++)
		fl.s[i].failing_since = -1;
	fl.rng = (uint64_t)mdx_now_ms() ^ ((uint64_t)getpid() << 32) ^ 1;
	fl.period_start = mdx_mono_ms();
	mdx_log("debug", "following %zu symbols every %lld ms", fl.n,
		(long long)c->o->every_ms);
	while (!stop_sig) {
		int64_t started = mdx_mono_ms();
		int whole;

		fl.npass++;
		rc = one_pass(&fl);
		if (rc < 0) {
			status = c->io_failed		? MDX_EXIT_IOERR
				 : c->whole_status != 0 ? c->whole_status
							: MDX_EXIT_SOFTWARE;
			break;
		}
		if (rc > 0)
			break; /* a signal: the last run record says */
		whole = after_pass(&fl, started);
		if (flush_out(c) < 0) {
			status = MDX_EXIT_IOERR;
			break;
		}
		if (whole) {
			mdx_log("error", "every symbol failed for good: "
					 "not following");
			status = MDX_EXIT_PARTIAL;
			break;
		}
		if (mdx_mono_ms() - fl.period_start >= c->o->report_ms &&
		    (report(&fl, 0) < 0 || flush_out(c) < 0)) {
			status = MDX_EXIT_IOERR;
			break;
		}
		if (nap(wait_ms(&fl, started)))
			break;
	}
	if (stop_sig)
		mdx_log("info", "%s: stopping after %ld pass%s",
			stop_sig == SIGINT ? "SIGINT" : "SIGTERM", fl.npass,
			fl.npass == 1 ? "" : "es");
	if (!c->io_failed && status != MDX_EXIT_IOERR &&
	    (report(&fl, 1) < 0 || flush_out(c) < 0))
		status = MDX_EXIT_IOERR;
out:
	for (size_t i = 0; fl.s != NULL && i < fl.n; i++)
		mdx_free(fl.s[i].seen);
	mdx_free(fl.s);
	fetch_close(fl.f);
	signals_restore(old);
	return status;
}
