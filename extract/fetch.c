/*
 * fetch.c - the driver of mdx-extract's HTTP providers (yahoo.c,
 * alphavantage.c, polygon.c) on lib/http.c: symbols to jobs, the API key
 * and base URL, requests (or --dry-run), responses to the provider's
 * parser, failures per symbol, the run record's counters, and a progress
 * line on a terminal.
 *
 * A job (a symbol, or a date for polygon --grouped) succeeds or fails as
 * a whole, but its records are written page by page as they arrive: the
 * pages of a job that fails later are correct data and stay written (a
 * re-run fills in the rest; mdx-load's upsert makes that harmless).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "extract_int.h"
#include "mdx_alloc.h"
#include "mdx_time.h"

struct fetch {
	struct extract_ctx *c;		/* the run */
	const struct fetch_provider *p; /* the provider */
	struct mdx_http *h;		/* owned: the client, NULL in a
					   dry run */
	char *base;			/* owned: base URL, no final '/' */
	char *key;			/* owned: the API key, or NULL */
	char *key_esc;			/* owned: key percent-encoded, or "" */
	const char *secrets[3];		/* key and key_esc, for redaction */
	struct extract_symbols syms;	/* the symbols asked for */
	struct extract_marks marks;	/* --since bookmarks */
	char **sorted;			/* owned: syms.v sorted (not the
					   strings), for fetch_wanted */
	struct fetch_job *jobs;		/* owned */
	size_t njobs, cap;		/* used and allocated jobs */
	size_t ndone;			/* jobs finished, failed or not */
	int stopping;			/* a write failed: stop the run */
	int spent;		  /* the provider's daily quota is spent */
	int oom;		  /* fetch_set() failed */
	int64_t started;	  /* mdx_mono_ms() at the start */
	int64_t shown_at;	  /* when progress was last drawn */
	int shown;		  /* a progress line is on screen */
	struct fetch_hooks hooks; /* follow mode's, or all NULL */
	long cur;		  /* the job whose answer is being parsed,
				     or -1 */
	long retry_after_ms;	  /* the longest Retry-After of a request
				     that failed in this pass, or -1 */
};

/* what a queued request carries to on_done */
struct fetch_req {
	struct fetch *f;     /* the run */
	struct fetch_job *j; /* its job */
	int kind;	     /* the provider's request kind */
};

struct extract_ctx *
fetch_ctx(const struct fetch *f)
{
	return f->c;
}

const char *
fetch_base(const struct fetch *f)
{
	return f->base;
}

const char *
fetch_key(const struct fetch *f)
{
	return f->key_esc != NULL ? f->key_esc : "";
}

json_t *
fetch_num(double v)
{
	if (v == floor(v) && fabs(v) < 9007199254740992.0)
		return json_integer((json_int_t)v);
	return json_real(v);
}

int32_t
fetch_today(void)
{
	return (int32_t)(extract_now_ms() / MDX_MS_PER_DAY);
}

char *
fetch_answer_date(const struct mdx_http_resp *r, char *buf)
{
	int64_t ms =
		r != NULL && r->date_ms >= 0 ? r->date_ms : extract_now_ms();

	return mdx_date_format((int32_t)(ms / MDX_MS_PER_DAY), buf);
}

void
fetch_set_basis(struct fetch *f, json_t *rec, const char *as_of)
{
	fetch_set(f, rec, "basis", json_string(as_of ? "split" : "traded"));
	if (as_of != NULL)
		fetch_set(f, rec, "basis_as_of", json_string(as_of));
}

char *
fetch_escape(const char *s, int path, char *buf, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *s != '\0' && o + 4 <= n; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~' || (path && (c == '=' || c == ':'))) {
			buf[o++] = (char)c;
		} else {
			buf[o++] = '%';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		}
	}
	if (n > 0)
		buf[o < n ? o : n - 1] = '\0';
	return buf;
}

/* ---- progress ---- */

static void
progress_clear(struct fetch *f)
{
	if (f->shown) {
		fputs("\r\033[K", stderr);
		f->shown = 0;
	}
}

/* "12/500 symbols, 40 requests, 3 retries, 1 failed, ETA 1:20" */
static void
progress(struct fetch *f, int force)
{
	struct mdx_http_stats st = {0};
	int64_t now = mdx_mono_ms(), el = now - f->started;

	if (!f->c->o->progress || f->h == NULL || f->hooks.keep != NULL ||
	    (!force && now - f->shown_at < 200))
		return;
	f->shown_at = now;
	if (f->h != NULL)
		mdx_http_stats(f->h, &st);
	fprintf(stderr, "\rmdx-extract: %zu/%zu %s, %ld requests, %ld retries",
		f->ndone, f->njobs, f->c->o->grouped ? "dates" : "symbols",
		st.requests, st.retries);
	if (f->c->temp_failures + f->c->perm_failures > 0)
		fprintf(stderr, ", %d failed",
			f->c->temp_failures + f->c->perm_failures);
	if (f->ndone > 0 && f->ndone < f->njobs) {
		int64_t eta = el / (int64_t)f->ndone *
			      (int64_t)(f->njobs - f->ndone) / 1000;

		fprintf(stderr, ", ETA %lld:%02lld", (long long)(eta / 60),
			(long long)(eta % 60));
	} else if (f->ndone == f->njobs) {
		fprintf(stderr, ", %.1f s", (double)el / 1000);
	}
	fputs("\033[K", stderr);
	fflush(stderr);
	f->shown = 1;
}

/* ---- jobs ---- */

static void
job_fail(struct fetch *f, struct fetch_job *j, const struct mdx_err *e)
{
	if (j->failed)
		return;
	j->failed = 1;
	progress_clear(f);
	if (f->hooks.failed != NULL)
		f->hooks.failed(f->hooks.u, (size_t)(j - f->jobs), e);
	else
		extract_fail(f->c, j->name, e);
}

static void
job_done(struct fetch *f, struct fetch_job *j)
{
	if (--j->pending > 0)
		return;
	if (!j->failed && j->records == 0 && f->h != NULL &&
	    f->c->o->what != WHAT_ACTIONS && f->hooks.keep == NULL) {
		/* Polygon answers an unknown ticker with no results */
		progress_clear(f);
		mdx_log("warning", "%s: no data%s", j->name,
			f->c->o->has_from || f->c->o->has_to ? " in the range"
							     : "");
	}
	f->ndone++;
	progress(f, f->ndone == f->njobs);
}

int
fetch_job_add(struct fetch *f, const char *name, struct mdx_err *e)
{
	struct fetch_job *j;

	if (f->njobs == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 64;

		if ((j = mdx_realloc(f->jobs, cap * sizeof(*j))) == NULL)
			return mdx_err_set(e, MDX_ENOMEM, "out of memory");
		f->jobs = j;
		f->cap = cap;
	}
	j = &f->jobs[f->njobs++];
	memset(j, 0, sizeof(*j));
	snprintf(j->name, sizeof(j->name), "%s", name);
	if (mdx_symbol_for(j->name, f->p->symbol_style, j->psym,
			   sizeof(j->psym)) == NULL)
		snprintf(j->psym, sizeof(j->psym), "%s", j->name);
	return 0;
}

static int
by_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
fetch_wanted(const struct fetch *f, const char *sym)
{
	if (f->syms.n == 0)
		return 1;
	return bsearch(&sym, f->sorted, f->syms.n, sizeof(*f->sorted),
		       by_str) != NULL;
}

/* ---- records ---- */

void
fetch_set(struct fetch *f, json_t *rec, const char *key, json_t *v)
{
	if (json_object_set_new(rec, key, v) < 0)
		f->oom = 1;
}

int
fetch_emit(struct fetch *f, json_t *rec)
{
	if (f->oom) {
		json_decref(rec);
		rec = NULL;
	}
	if (rec == NULL) {
		if (!f->c->io_failed)
			mdx_log("error", "out of memory");
		f->c->io_failed = 1;
		return -1;
	}
	if (f->hooks.keep != NULL && f->cur >= 0 &&
	    !f->hooks.keep(f->hooks.u, (size_t)f->cur, rec)) {
		json_decref(rec); /* written before, unchanged */
		return 0;
	}
	return extract_emit(f->c, rec);
}

void
fetch_reject(struct fetch *f, const char *sym, const char *field,
	     const char *what, double v)
{
	mdx_log("error", "%s: field '%s': %s %.15g out of range", sym, field,
		what, v);
	f->c->bad_rows++;
	f->c->run->rejected++;
}

void
fetch_count(struct fetch *f, long in, long dropped)
{
	f->c->run->in += in;
	f->c->run->dropped += dropped;
}

json_t *
fetch_json(const struct mdx_http_resp *r, struct mdx_err *e)
{
	json_error_t je;
	json_t *v = json_loadb(r->body, r->len, 0, &je);

	if (v == NULL) {
		mdx_err_set(e, MDX_EPERM, "response is not JSON: %s", je.text);
		return NULL;
	}
	if (!json_is_object(v)) {
		json_decref(v);
		mdx_err_set(e, MDX_EPERM, "response is not a JSON object");
		return NULL;
	}
	return v;
}

int
fetch_number(const json_t *v, double *out)
{
	const char *s;
	char *end;
	double d;

	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_number(v)) {
		d = json_number_value(v);
		if (!isfinite(d))
			return -1;
		*out = d;
		return 1;
	}
	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	while (*s == ' ')
		s++;
	if (*s == '\0' || strcasecmp(s, "none") == 0 || strcmp(s, "-") == 0 ||
	    strcasecmp(s, "null") == 0 || strcasecmp(s, "n/a") == 0 ||
	    strcasecmp(s, "nan") == 0)
		return 0;
	errno = 0;
	d = strtod(s, &end);
	while (*end == ' ')
		end++;
	if (end == s || *end != '\0' || errno == ERANGE || !isfinite(d))
		return -1;
	*out = d;
	return 1;
}

/* ---- requests ---- */

/*
 * The error text a provider put in a body: Yahoo's chart.error.description,
 * Alpha Vantage's "Error Message" or "Information", Polygon's "error" or
 * "message".  Empty when there is none.
 */
static void
body_message(const struct mdx_http_resp *r, char *buf, size_t n)
{
	static const char *const keys[] = {"Error Message", "Note",
					   "Information",   "error",
					   "message",	    NULL};
	json_t *v = json_loadb(r->body, r->len, 0, NULL), *m;
	const char *s = NULL;

	buf[0] = '\0';
	if (!json_is_object(v))
		goto out;
	m = json_object_get(json_object_get(v, "chart"), "error");
	if (json_is_object(m))
		s = json_string_value(json_object_get(m, "description"));
	for (int i = 0; s == NULL && keys[i] != NULL; i++)
		s = json_string_value(json_object_get(v, keys[i]));
	if (s != NULL)
		snprintf(buf, n, "%s", s);
out:
	json_decref(v);
}

int
fetch_classify(const struct mdx_http_resp *r, int verdict, struct mdx_err *e)
{
	char msg[300];

	if (verdict != MDX_HTTP_OK) {
		body_message(r, msg, sizeof(msg));
		if (msg[0] != '\0')
			mdx_err_set(e, MDX_EPERM, "HTTP %ld: %s", r->status,
				    msg);
	}
	return verdict;
}

static int on_done(const struct mdx_http_resp *r, const struct mdx_err *e);

struct fetch_job *
fetch_jobs(struct fetch *f, size_t *n)
{
	*n = f->njobs;
	return f->jobs;
}

/* --dry-run: print the request (its key redacted), send nothing; 0, or -1
 * with e set when standard output fails */
static int
dry_run(struct fetch *f, const char *url, struct mdx_err *e)
{
	char buf[4096];

	mdx_http_redact(url, f->secrets, buf, sizeof(buf));
	if (fprintf(f->c->out, "GET %s\n", buf) < 0) {
		f->c->io_failed = 1;
		return mdx_err_set(e, MDX_EIO, "<stdout>: %s", strerror(errno));
	}
	return 0;
}

/* what a request of fetch_get_sync() carries */
struct sync_req {
	struct fetch *f; /* the run */
	int (*parse)(void *, const struct mdx_http_resp *, struct mdx_err *);
	void *u;	  /* parse's argument */
	struct mdx_err e; /* why it failed */
	int rc;		  /* 0, or -1 when it failed */
};

static int
on_sync_done(const struct mdx_http_resp *r, const struct mdx_err *e)
{
	struct sync_req *q = r->user;

	mdx_log("debug", "GET %s: HTTP %ld, %zu bytes, %d attempt%s", r->url,
		r->status, r->len, r->attempts, r->attempts == 1 ? "" : "s");
	if (e->code != MDX_OK) {
		q->e = *e;
		q->rc = -1;
		return 0;
	}
	q->f->c->run->pages++;
	if ((q->rc = q->parse(q->u, r, &q->e)) < 0 && q->e.file[0] == '\0')
		mdx_err_where(&q->e, r->url, 0);
	return 0;
}

int
fetch_get_sync(struct fetch *f, const char *url,
	       int (*parse)(void *u, const struct mdx_http_resp *r,
			    struct mdx_err *e),
	       void *u, struct mdx_err *e)
{
	struct mdx_http_req req = {0};
	struct sync_req q = {f, parse, u, {0}, 0};

	if (f->h == NULL)
		return dry_run(f, url, e);
	mdx_err_clear(&q.e);
	req.url = url;
	req.secrets = f->secrets;
	req.user = &q;
	req.classify = f->p->classify ? f->p->classify : fetch_classify;
	req.done = on_sync_done;
	if (mdx_http_add(f->h, &req, e) < 0 || mdx_http_run(f->h, e) < 0)
		return -1;
	if (q.rc < 0) {
		*e = q.e;
		if (e->code == MDX_OK)
			e->code = MDX_EPERM;
		return -1;
	}
	return 0;
}

int
fetch_get_url(struct fetch *f, struct fetch_job *j, int kind, const char *url,
	      struct mdx_err *e)
{
	struct mdx_http_req req = {0};
	struct fetch_req *q;

	if (f->h == NULL)
		return dry_run(f, url, e);
	if ((q = mdx_malloc(sizeof(*q))) == NULL)
		return mdx_err_set(e, MDX_ENOMEM, "out of memory");
	*q = (struct fetch_req){f, j, kind};
	req.url = url;
	req.secrets = f->secrets;
	req.user = q;
	req.classify = f->p->classify ? f->p->classify : fetch_classify;
	req.done = on_done;
	if (mdx_http_add(f->h, &req, e) < 0) {
		mdx_free(q);
		return -1;
	}
	j->pending++;
	return 0;
}

int
fetch_get(struct fetch *f, struct fetch_job *j, int kind, struct mdx_err *e,
	  const char *fmt, ...)
{
	size_t nb = strlen(f->base);
	va_list ap;
	char *url;
	int n, ret;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (url = mdx_malloc(nb + (size_t)n + 1)) == NULL)
		return mdx_err_set(e, MDX_ENOMEM, "out of memory");
	memcpy(url, f->base, nb);
	va_start(ap, fmt);
	vsnprintf(url + nb, (size_t)n + 1, fmt, ap);
	va_end(ap);
	ret = fetch_get_url(f, j, kind, url, e);
	mdx_free(url);
	return ret;
}

static int
on_done(const struct mdx_http_resp *r, const struct mdx_err *e)
{
	struct fetch_req *q = r->user;
	struct fetch *f = q->f;
	struct fetch_job *j = q->j;
	int kind = q->kind, rc;
	struct mdx_err pe;

	mdx_free(q);
	if (f->stopping)
		return -1; /* cancelled after a write error: nothing to say */
	if (e->code != MDX_OK && f->hooks.stop != NULL && *f->hooks.stop) {
		f->stopping = 1; /* cancelled by a signal: nothing to say */
		return -1;
	}
	if (e->code == MDX_ETEMP && r->retry_after_ms > f->retry_after_ms)
		f->retry_after_ms = r->retry_after_ms;
	if (f->spent && e->code != MDX_OK) {
		/* cancelled: the quota was spent */
		mdx_err_clear(&pe);
		mdx_err_set(&pe, MDX_ETEMP,
			    "not asked: %s's quota of the day is spent",
			    f->p->name);
		job_fail(f, j, &pe);
		job_done(f, j);
		return -1;
	}
	mdx_log("debug", "%s: GET %s: HTTP %ld, %zu bytes, %d attempt%s",
		j->name, r->url, r->status, r->len, r->attempts,
		r->attempts == 1 ? "" : "s");
	if (e->code != MDX_OK) {
		job_fail(f, j, e);
		if (e->code == MDX_ETEMP && f->p->quota_spent != NULL &&
		    f->p->quota_spent(r)) {
			f->spent = 1;
			job_done(f, j);
			return -1; /* the others are cancelled, see above */
		}
	} else {
		long long out = f->c->run->out;

		f->c->run->pages++;
		mdx_err_clear(&pe);
		f->cur = (long)(j - f->jobs);
		rc = f->p->parse(f, j, kind, r, &pe);
		f->cur = -1;
		j->records += (long)(f->c->run->out - out);
		if (rc < 0 && !f->c->io_failed) {
			if (pe.code == MDX_OK)
				pe.code = MDX_EPERM;
			if (pe.file[0] == '\0')
				mdx_err_where(&pe, r->url, 0);
			job_fail(f, j, &pe);
		}
	}
	if (f->c->io_failed) {
		f->stopping = 1;
		return -1;
	}
	job_done(f, j);
	return 0;
}

/* ---- set-up ---- */

static int
bad_char(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s == 0x7f)
			return 1;
	return 0;
}

/* the API key: --api-key-file, else the provider's variable */
static int
load_key(struct fetch *f)
{
	const struct extract_opts *o = f->c->o;
	const char *from = f->p->key_env, *k = NULL;
	char *line = NULL;
	size_t cap = 0, n;
	int rc = 0;

	if (f->p->key_env == NULL)
		return 0;
	if (o->api_key_file != NULL) {
		FILE *fp = fopen(o->api_key_file, "r");

		from = o->api_key_file;
		if (fp == NULL) {
			mdx_log("error", "%s: %s", from, strerror(errno));
			return MDX_EXIT_NOINPUT;
		}
		if (getline(&line, &cap, fp) > 0) {
			line[strcspn(line, "\r\n")] = '\0';
			k = line;
		}
		fclose(fp);
	} else {
		k = getenv(f->p->key_env);
	}
	if (k == NULL || *k == '\0') {
		if (!o->dry_run) {
			mdx_log("error",
				"%s needs an API key: set %s or use "
				"--api-key-file FILE",
				f->p->name, f->p->key_env);
			rc = MDX_EXIT_USAGE;
		}
		goto out;
	}
	if (bad_char(k)) {
		/* never print the key itself */
		mdx_log("error",
			"the API key from %s holds a control character or a "
			"space; refused",
			from);
		rc = MDX_EXIT_USAGE;
		goto out;
	}
	n = strlen(k) * 3 + 1;
	if ((f->key = mdx_strdup(k)) == NULL ||
	    (f->key_esc = mdx_malloc(n)) == NULL) {
		mdx_log("error", "out of memory");
		rc = MDX_EXIT_SOFTWARE;
		goto out;
	}
	fetch_escape(k, 0, f->key_esc, n);
	f->secrets[0] = f->key;
	if (strcmp(f->key, f->key_esc) != 0)
		f->secrets[1] = f->key_esc;
out:
	if (line != NULL) {
		explicit_bzero(line, cap);
		free(line); /* getline(3) allocates with malloc */
	}
	return rc;
}

static int
load_base(struct fetch *f)
{
	const char *b = f->c->o->base_url ? f->c->o->base_url : f->p->base;
	size_t n = strlen(b);

	if ((strncasecmp(b, "http://", 7) != 0 &&
	     strncasecmp(b, "https://", 8) != 0) ||
	    bad_char(b) || strpbrk(b, "?#") != NULL) {
		mdx_log("error",
			"--base-url: '%.64s' is not an http:// or https:// URL "
			"without a query",
			b);
		return MDX_EXIT_USAGE;
	}
	while (n > 0 && b[n - 1] == '/')
		n--;
	if ((f->base = mdx_strndup(b, n)) == NULL) {
		mdx_log("error", "out of memory");
		return MDX_EXIT_SOFTWARE;
	}
	return 0;
}

static int
make_client(struct fetch *f, struct mdx_err *e)
{
	const struct extract_opts *o = f->c->o;
	struct mdx_http_opts ho;

	if (o->dry_run)
		return 0;
	mdx_http_opts_init(&ho);
	ho.concurrency = o->jobs;
	ho.rate = o->has_rate ? o->rate : f->p->rate;
	ho.retries = o->retries;
	ho.max_time_ms = o->max_time_s * 1000;
	ho.backoff_base_ms = o->retry_base_ms;
	ho.stop = f->hooks.stop;
	ho.user_agent = o->user_agent ? o->user_agent : f->p->user_agent;
	if (o->user_agent == NULL && f->p->ua_env != NULL &&
	    getenv(f->p->ua_env) != NULL && *getenv(f->p->ua_env) != '\0')
		ho.user_agent = getenv(f->p->ua_env);
	f->h = mdx_http_new(&ho, e);
	return f->h != NULL ? 0 : -1;
}

/* --since: for bars of a provider that honours it, and standard input
 * read once; 0 or MDX_EXIT_USAGE (reported) */
static int
since_check(struct fetch *f, char **operands, int n)
{
	const struct extract_opts *o = f->c->o;
	const char *why = NULL;

	if (o->since == NULL)
		return 0;
	if (!f->p->since)
		why = "not supported by this provider yet";
	else if (o->what != WHAT_BARS)
		why = "applies to bars only";
	else if (strcmp(o->since, "-") == 0 &&
		 ((o->symbols_file && strcmp(o->symbols_file, "-") == 0)))
		why = "standard input is also --symbols-file";
	for (int i = 0; why == NULL && i < n; i++)
		if (strcmp(o->since, "-") == 0 && strcmp(operands[i], "-") == 0)
			why = "standard input is also the symbols' '-'";
	if (why == NULL)
		return 0;
	mdx_log("error", "-p %s: --since: %s", f->p->name, why);
	return MDX_EXIT_USAGE;
}

/* set everything up; 0, or the exit status of the failure (reported) */
static int
setup(struct fetch *f, char **operands, int n)
{
	const struct extract_opts *o = f->c->o;
	struct mdx_err e;
	int rc;

	mdx_err_clear(&e);
	if (f->p->check != NULL && f->p->check(o, &e) < 0) {
		mdx_log("error", "-p %s: %s", f->p->name, e.text);
		return MDX_EXIT_USAGE;
	}
	if ((rc = since_check(f, operands, n)) != 0 ||
	    (rc = extract_symbols_load(&f->syms, o, operands, n)) != 0 ||
	    (o->since != NULL &&
	     (rc = extract_marks_load(&f->marks, o, &f->syms)) != 0) ||
	    (rc = load_base(f)) != 0 || (rc = load_key(f)) != 0)
		return rc;
	if (f->syms.n > 0) {
		if ((f->sorted = mdx_malloc(f->syms.n * sizeof(char *))) ==
		    NULL)
			goto nomem;
		memcpy(f->sorted, f->syms.v, f->syms.n * sizeof(char *));
		qsort(f->sorted, f->syms.n, sizeof(char *), by_str);
	}
	if ((rc = f->p->plan ? f->p->plan(f, &e) : 1) < 0)
		goto failed;
	if (rc > 0) {
		for (size_t i = 0; i < f->syms.n; i++) {
			const struct extract_mark *m =
				extract_marks_find(&f->marks, f->syms.v[i]);

			if (fetch_job_add(f, f->syms.v[i], &e) < 0 ||
			    (m != NULL &&
			     extract_mark_since(
				     o, m->ms, &f->jobs[f->njobs - 1], &e) < 0))
				goto failed;
		}
		if (f->syms.n == 0) {
			mdx_log("error",
				"no symbols: name them as operands, with "
				"--symbols-file FILE or '-' for standard "
				"input");
			return MDX_EXIT_USAGE;
		}
	}
	f->c->nsymbols = (long)f->njobs;
	if (make_client(f, &e) < 0)
		goto failed;
	return 0;
nomem:
	mdx_err_set(&e, MDX_ENOMEM, "out of memory");
failed:
	mdx_log_err("error", &e);
	return e.code == MDX_EUSAGE ? MDX_EXIT_USAGE : mdx_exit_for(e.code);
}

int
fetch_parse_body(struct extract_ctx *c, const struct fetch_provider *p,
		 const char *name, int kind, const char *body, size_t len,
		 struct mdx_err *e)
{
	char base[] = "http://127.0.0.1", none[] = "";
	struct fetch f = {0};
	struct fetch_job j = {0};
	struct mdx_http_resp r = {0};

	f.c = c;
	f.p = p;
	f.base = base;
	f.key_esc = none;
	snprintf(j.name, sizeof(j.name), "%s", name);
	r.url = base;
	r.status = 200;
	r.body = body;
	r.len = len;
	r.attempts = 1;
	return p->parse(&f, &j, kind, &r, e);
}

struct fetch *
fetch_open(struct extract_ctx *c, const struct fetch_provider *p,
	   char **operands, int n, const struct fetch_hooks *hooks)
{
	struct fetch *f = mdx_calloc(1, sizeof(*f));

	if (f == NULL) {
		mdx_log("error", "out of memory");
		c->whole_status = MDX_EXIT_SOFTWARE;
		return NULL;
	}
	f->c = c;
	f->p = p;
	f->started = mdx_mono_ms();
	f->cur = -1;
	f->retry_after_ms = -1;
	if (hooks != NULL)
		f->hooks = *hooks;
	if ((c->whole_status = setup(f, operands, n)) != 0) {
		fetch_close(f);
		return NULL;
	}
	return f;
}

int
fetch_pass(struct fetch *f, size_t from, size_t to)
{
	struct extract_ctx *c = f->c;
	struct mdx_err e;

	f->ndone = 0;
	f->retry_after_ms = -1;
	for (size_t i = from; i < to && i < f->njobs; i++) {
		f->jobs[i].pending = 0;
		f->jobs[i].failed = 0;
		f->jobs[i].records = 0;
	}
	progress(f, 1);
	for (size_t i = from; i < to && i < f->njobs && !c->io_failed; i++) {
		mdx_err_clear(&e);
		f->jobs[i].pending++; /* held until its requests are queued */
		if (f->p->start(f, &f->jobs[i], &e) < 0 && !c->io_failed)
			job_fail(f, &f->jobs[i], &e);
		job_done(f, &f->jobs[i]);
	}
	if (f->h != NULL && !c->io_failed) {
		mdx_err_clear(&e);
		if (mdx_http_run(f->h, &e) < 0 && !c->io_failed && !f->spent) {
			if (f->hooks.stop != NULL && *f->hooks.stop)
				return 1;
			progress_clear(f);
			mdx_log_err("error", &e);
			c->whole_status = mdx_exit_for(e.code);
			return -1;
		}
	}
	return c->io_failed ? -1 : 0;
}

void
fetch_stats(const struct fetch *f, struct mdx_http_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (f->h != NULL)
		mdx_http_stats(f->h, st);
}

long
fetch_retry_after(const struct fetch *f)
{
	return f->retry_after_ms;
}

void
fetch_close(struct fetch *f)
{
	if (f == NULL)
		return;
	if (f->shown) {
		progress(f, 1);
		fputc('\n', stderr);
	}
	mdx_http_free(f->h);
	extract_symbols_release(&f->syms);
	extract_marks_release(&f->marks);
	mdx_free(f->sorted);
	mdx_free(f->jobs);
	mdx_free(f->base);
	if (f->key != NULL)
		explicit_bzero(f->key, strlen(f->key));
	if (f->key_esc != NULL)
		explicit_bzero(f->key_esc, strlen(f->key_esc));
	mdx_free(f->key);
	mdx_free(f->key_esc);
	mdx_free(f);
}

int
fetch_run(struct extract_ctx *c, const struct fetch_provider *p,
	  char **operands, int n)
{
	struct fetch *f;
	struct mdx_http_stats st;
	struct mdx_err e;
	int ret = -1;

	if ((f = fetch_open(c, p, operands, n, NULL)) == NULL)
		return -1;
	if (p->prepare != NULL) {
		mdx_err_clear(&e);
		if (p->prepare(f, &e) < 0) {
			/* the run cannot start: every symbol fails */
			if (!c->io_failed) {
				mdx_log_err("error", &e);
				for (size_t i = 0; i < f->njobs; i++)
					mdx_run_fail(c->run, f->jobs[i].name);
				c->whole_status = mdx_exit_for(e.code);
			}
			goto stats;
		}
	}
	ret = fetch_pass(f, 0, f->njobs) < 0 ? -1 : 0;
stats:
	if (f->h != NULL) {
		fetch_stats(f, &st);
		c->run->requests = st.requests;
		c->run->retries = st.retries;
		c->run->bytes = st.bytes;
	}
	if (c->io_failed)
		ret = -1;
	fetch_close(f);
	return ret;
}

struct fetch *
fetch_open_jobs(struct extract_ctx *c, const struct fetch_provider *p,
		char **operands, int n, int *status)
{
	struct fetch *f = mdx_calloc(1, sizeof(*f));
	struct mdx_err e;

	if (f == NULL) {
		mdx_log("error", "out of memory");
		*status = MDX_EXIT_SOFTWARE;
		return NULL;
	}
	f->c = c;
	f->p = p;
	f->started = mdx_mono_ms();
	mdx_err_clear(&e);
	if ((*status = extract_symbols_load(&f->syms, c->o, operands, n)) !=
		    0 ||
	    (*status = load_key(f)) != 0)
		goto fail;
	if (f->syms.n > 0) {
		if ((f->sorted = mdx_malloc(f->syms.n * sizeof(char *))) ==
		    NULL) {
			mdx_log("error", "out of memory");
			*status = MDX_EXIT_SOFTWARE;
			goto fail;
		}
		memcpy(f->sorted, f->syms.v, f->syms.n * sizeof(char *));
		qsort(f->sorted, f->syms.n, sizeof(char *), by_str);
	}
	for (size_t i = 0; i < f->syms.n; i++)
		if (fetch_job_add(f, f->syms.v[i], &e) < 0) {
			mdx_log_err("error", &e);
			*status = MDX_EXIT_SOFTWARE;
			goto fail;
		}
	return f;
fail:
	fetch_close(f);
	return NULL;
}

const char *
fetch_key_raw(const struct fetch *f)
{
	return f->key != NULL ? f->key : "";
}
