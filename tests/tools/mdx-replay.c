/*
 * mdx-replay - serve recorded response bodies over HTTP on 127.0.0.1, with
 * faults on demand, for the tests and the benchmark.
 *
 *	mdx-replay [--port N] --routes FILE [--latency-ms N] [--log FILE]
 *	    [--port-file FILE] [--rate-limit N/S] [--ignore-param NAME ...]
 *	    [--outage START_MS:DURATION_MS ...] [--clock INSTANT [--speed N]]
 *
 * --outage START_MS:DURATION_MS makes the provider go down: every request
 * that arrives from START_MS to START_MS + DURATION_MS after the first
 * request of the server (whatever its route) is answered 503 with a small
 * JSON error body ("mdx-replay: injected outage") and log KIND "outage";
 * given up to 8 times for several outages.  Scripts, --rate-limit and
 * routes are not consulted (a script's steps are not used up).
 *
 * --clock INSTANT (RFC 3339) starts a virtual clock at INSTANT when the
 * server starts, running --speed N times as fast as the real one (default
 * 1; decimals allowed): the "now" of routes with the live option, which
 * replay a recorded day as it happened (see live below).
 *
 * --rate-limit N/S makes the server a provider with a quota: a request
 * that arrives when N requests were admitted in the last S seconds (a
 * sliding window, arrival time stamps) is answered 429 with Retry-After
 * (whole seconds until a slot frees) and log KIND "limited"; it is not
 * admitted, so it does not count.
 *
 * Routes file: one route a line; blank lines and lines starting with '#'
 * are skipped.  Fields are separated by blanks:
 *
 *	PATTERN STATUS BODY [OPTION ...]
 *
 * PATTERN	the request target to match.  A pattern with a '?' is matched
 *		against "path?query", one without against the path alone.
 *		'*' matches any run of characters (also '/', '&'); every other
 *		character, '?' included, matches itself.  Before matching, the
 *		query parameters apikey, api_key, token and access_token (names
 *		case-insensitive) and those named by --ignore-param are taken
 *		out of the request's query.  The first matching line wins.
 * STATUS	the HTTP status of the normal answer.
 * BODY		a file, relative to the routes file's directory; "-" for an
 *		empty body; "@headers" for a JSON object of the request's
 *		headers (names in lower case).  "{{BASE}}" in a body is
 *		replaced by "http://127.0.0.1:PORT" (for next_url paging).
 * OPTION	type=MIME	Content-Type (default application/json, text/csv
 *				for a .csv body)
 *		delay=MS	wait this long before answering, on top of
 *				--latency-ms
 *		gzip		send the body gzip-encoded when the request's
 *				Accept-Encoding allows it
 *		chunked		send the body in chunks of 1000 bytes with
 *				no Content-Length (chunked encoding)
 *		location=URL	add a Location header ({{BASE}} replaced),
 *				with a 3xx STATUS for a redirect
 *		headers=FILE	answer with the Date header of a recorder's
 *				envelope (FILE relative to the routes file:
 *				a JSON object whose response.headers.date is
 *				a string or a list of strings, as in
 *				shared/data/yahoo/recordings): the answer
 *				then carries the day it was recorded, not
 *				today's (libmicrohttpd's own Date is left
 *				out when a route names one)
 *		live		(needs --clock) answer what the provider would
 *				have answered at the virtual now, from the
 *				recorded body of a whole day: of a Yahoo chart
 *				body (chart.result[0]) the bars whose
 *				timestamp is from period1 and before period2
 *				and has begun by now (every array of
 *				indicators.quote[0] and indicators.adjclose[0]
 *				cut alike); of a Polygon aggregates body
 *				(results[]) the bars whose t has begun by now
 *				and, where the path's {from}/{to} are epoch ms,
 *				lies from {from} to {to} (resultsCount and count
 *				follow); the Date header is the virtual now.
 *				The recorded values are served as they are: the
 *				last bar is the one still open at now, with its
 *				final values.  Log KIND "live"
 *		maxspan=S	as Yahoo's chart API for an intraday interval:
 *				a request whose period2 - period1 is over S
 *				seconds is answered 422 with Yahoo's error
 *				("1m data not available for startTime=...
 *				and endTime=.... Only 7 days worth of 1m
 *				granularity data are allowed to be fetched
 *				per request.", as quoted in yfinance issues
 *				#165 and #959), log KIND "span"
 *		script=STEP[,STEP...]
 *				how the first requests to this route are
 *				answered, one step each; after the last step,
 *				the normal answer.  A step is one of
 *				STATUS[:ra=S][:radate=S][:body=FILE]
 *					that status, with Retry-After: S
 *					(delta-seconds) or an HTTP-date S
 *					seconds ahead, and FILE's body (default:
 *					a small JSON error naming the fault)
 *				drop	close the connection without a response
 *				stall=S	send the headers and half the normal
 *					body, stop S seconds, then close
 *				each optionally followed by *N to repeat it N
 *				times ("429:ra=1*2,503").
 *
 * A target that no route matches gets 404 with Yahoo's "No data found"
 * error body.  Every request is logged to --log (test-only; secrets are
 * kept so tests can see that a key was sent) as one line:
 *
 *	MS CONN METHOD TARGET STATUS KIND
 *
 * MS is CLOCK_MONOTONIC in ms with three decimals (the same clock as the
 * client's mdx_mono_ms), CONN a number per TCP connection, TARGET the raw
 * request target, STATUS the status answered (0 for a drop), KIND one of
 * route, gzip, fault, drop, stall, noroute, limited, span, outage, live.
 * The line is written when the request arrives, before any delay.
 *
 * One thread per connection, so delays and stalls of one connection never
 * hold up another.  libmicrohttpd's own error log is off: drops and stalls
 * are errors to it, and expected here.  The chosen port is written to
 *--port-file (via a temporary file and rename) once the server is listening.
 *SIGTERM or SIGINT stops it cleanly (exit 0).
 */
#include <arpa/inet.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#include "mdx_alloc.h"
#include "mdx_time.h"

#define MAX_STEPS 64
#define MAX_IGNORE 32

/* Yahoo's 404 body (yahoo/chart_SI_404_no-data-found.json in shared/data) */
static const char yahoo_404[] =
	"{\"chart\":{\"result\":null,\"error\":{\"code\":\"Not Found\","
	"\"description\":\"No data found, symbol may be delisted\"}}}";

enum step_kind { STEP_STATUS, STEP_DROP, STEP_STALL };

struct blob {
	char *data; /* owned */
	size_t len; /* bytes at data */
};

struct step {
	enum step_kind kind; /* what to do */
	int status;	     /* STEP_STATUS: the status */
	long ra;	     /* Retry-After seconds, -1 none */
	long radate;	     /* Retry-After as HTTP-date this far ahead, -1 */
	long stall_s;	     /* STEP_STALL: seconds */
	struct blob body;    /* STEP_STATUS: body (may be empty) */
	int has_body;	     /* body was given */
};

struct route {
	char *pattern;	      /* owned */
	int status;	      /* normal answer */
	struct blob body;     /* normal body */
	struct blob gz;	      /* body gzip-encoded, when gzip is set */
	int echo;	      /* BODY was @headers */
	int gzip;	      /* gzip option */
	int chunked;	      /* chunked option */
	char *type;	      /* owned: Content-Type */
	struct blob location; /* Location header, or data NULL */
	char *date;	      /* owned: recorded Date header, or NULL */
	long delay_ms;	      /* per-route delay */
	long maxspan_s;	      /* maxspan option, 0: none */
	int live;	      /* live option: cut to the virtual now */
	struct step *steps;   /* owned: the script, repeats expanded */
	int nsteps;	      /* steps in the script */
	long hits;	      /* requests seen (under lock) */
	struct route *next;   /* next route in file order */
};

struct request {
	char *target; /* owned: the raw request target */
	int seen;     /* the access handler ran once already */
};

static struct route *routes;
static const char *ignore[MAX_IGNORE] = {"apikey", "api_key", "token",
					 "access_token"};
static int nignore = 4;
static long latency_ms;
static FILE *logfp;
static char base_url[64];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int stopping;
static unsigned long conn_seq;
static long limit_n;	 /* --rate-limit: admitted requests ... */
static double limit_ms;	 /* ... in this window; 0: no limit */
static double *admitted; /* ring of the last limit_n admission times */
static long nadmitted;	 /* entries used in admitted */
static long iadmitted;	 /* next slot of admitted */
#define MAX_OUTAGES 8
static struct {
	double start_ms, end_ms; /* after the first request */
} outages[MAX_OUTAGES];
static int noutages;
static double first_ms = -1; /* arrival of the first request (under lock) */
static int64_t clock_ms = INT64_MIN; /* --clock: virtual now at start */
static double clock_speed = 1;	     /* --speed */
static double clock_mono;	     /* mono_ms() when the clock started */

static double
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* sleep ms in short slices, giving up when the server stops */
static void
nap(long ms)
{
	double end = mono_ms() + ms;

	while (!stopping) {
		double left = end - mono_ms();
		struct timespec ts;

		if (left <= 0)
			break;
		if (left > 10)
			left = 10;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(left * 1e6);
		nanosleep(&ts, NULL);
	}
}

static long
num(const char *s, long min, long max, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		errx(2, "%s: bad number '%s'", what, s);
	return v;
}

/*
 * The next field of *sp separated by any of delims (empty fields skipped),
 * NUL-terminated in place; NULL when there is none.
 */
static char *
next_field(char **sp, const char *delims)
{
	char *p = *sp, *f;

	p += strspn(p, delims);
	if (*p == '\0') {
		*sp = p;
		return NULL;
	}
	f = p;
	p += strcspn(p, delims);
	if (*p != '\0')
		*p++ = '\0';
	*sp = p;
	return f;
}

/* ---- bodies ---- */

static void
blob_read(struct blob *b, const char *dir, const char *name)
{
	char path[PATH_MAX];
	FILE *fp;
	long n;

	if (name[0] == '/')
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fp = fopen(path, "rb")) == NULL)
		err(1, "%s", path);
	if (fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET) != 0)
		err(1, "%s", path);
	if ((b->data = mdx_malloc((size_t)n + 1)) == NULL)
		err(1, NULL);
	if (fread(b->data, 1, (size_t)n, fp) != (size_t)n)
		errx(1, "%s: short read", path);
	b->data[n] = '\0';
	b->len = (size_t)n;
	fclose(fp);
}

/* replace {{BASE}} with base_url */
static void
blob_subst(struct blob *b)
{
	static const char key[] = "{{BASE}}";
	size_t klen = sizeof(key) - 1, blen = strlen(base_url), n = 0, o = 0;
	char *p, *q, *d;

	for (p = b->data; (q = strstr(p, key)) != NULL; p = q + klen)
		n++;
	if (n == 0)
		return;
	if ((d = mdx_malloc(b->len + n * blen + 1)) == NULL)
		err(1, NULL);
	for (p = b->data; (q = strstr(p, key)) != NULL; p = q + klen) {
		memcpy(d + o, p, (size_t)(q - p));
		o += (size_t)(q - p);
		memcpy(d + o, base_url, blen);
		o += blen;
	}
	memcpy(d + o, p, b->len - (size_t)(p - b->data));
	o += b->len - (size_t)(p - b->data);
	d[o] = '\0';
	mdx_free(b->data);
	b->data = d;
	b->len = o;
}

static uint32_t
crc32(const unsigned char *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
	}
	return c ^ 0xffffffffu;
}

static void
put32le(unsigned char *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = (v >> 24) & 0xff;
}

/*
 * gzip (RFC 1952) of src with deflate "stored" blocks (RFC 1951 3.2.4):
 * not compressed, but what a client must decode all the same.
 */
static void
gzip_stored(const struct blob *src, struct blob *dst)
{
	size_t nblocks = src->len / 65535 + 1, o = 0, i = 0;
	unsigned char *d;

	dst->len = 10 + nblocks * 5 + src->len + 8;
	if ((d = mdx_malloc(dst->len)) == NULL)
		err(1, NULL);
	memcpy(d, "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", 10);
	o = 10;
	do {
		size_t n = src->len - i > 65535 ? 65535 : src->len - i;

		d[o++] = i + n == src->len ? 1 : 0; /* BFINAL, BTYPE 00 */
		d[o++] = n & 0xff;
		d[o++] = (n >> 8) & 0xff;
		d[o++] = ~n & 0xff;
		d[o++] = (~n >> 8) & 0xff;
		memcpy(d + o, src->data + i, n);
		o += n;
		i += n;
	} while (i < src->len);
	put32le(d + o, crc32((const unsigned char *)src->data, src->len));
	put32le(d + o + 4, (uint32_t)src->len);
	dst->len = o + 8;
	dst->data = (char *)d;
}

/* ---- routes file ---- */

static void
step_parse(struct step *s, char *text, const char *dir, const char *where)
{
	char *f, *save = text;

	memset(s, 0, sizeof(*s));
	s->ra = s->radate = -1;
	if (strcmp(text, "drop") == 0) {
		s->kind = STEP_DROP;
		return;
	}
	if (strncmp(text, "stall=", 6) == 0) {
		s->kind = STEP_STALL;
		s->stall_s = num(text + 6, 0, 3600, where);
		return;
	}
	s->kind = STEP_STATUS;
	if ((f = next_field(&save, ":")) == NULL)
		errx(2, "%s: empty script step", where);
	s->status = (int)num(f, 100, 599, where);
	while ((f = next_field(&save, ":")) != NULL) {
		if (strncmp(f, "ra=", 3) == 0)
			s->ra = num(f + 3, 0, 86400, where);
		else if (strncmp(f, "radate=", 7) == 0)
			s->radate = num(f + 7, 0, 86400, where);
		else if (strncmp(f, "body=", 5) == 0) {
			blob_read(&s->body, dir, f + 5);
			s->has_body = 1;
		} else
			errx(2, "%s: unknown step part '%s'", where, f);
	}
}

static void
script_parse(struct route *r, char *text, const char *dir, const char *where)
{
	char *item, *save = text;

	if ((r->steps = mdx_calloc(MAX_STEPS, sizeof(*r->steps))) == NULL)
		err(1, NULL);
	while ((item = next_field(&save, ",")) != NULL) {
		char *star = strrchr(item, '*');
		long rep = 1;

		if (star != NULL) {
			*star = '\0';
			rep = num(star + 1, 1, MAX_STEPS, where);
		}
		if (r->nsteps + rep > MAX_STEPS)
			errx(2, "%s: script longer than %d steps", where,
			     MAX_STEPS);
		step_parse(&r->steps[r->nsteps], item, dir, where);
		for (long k = 1; k < rep; k++) {
			struct step *s = &r->steps[r->nsteps + k];

			*s = r->steps[r->nsteps];
			if (s->has_body) {
				s->body.data =
					mdx_strndup(s->body.data, s->body.len);
				if (s->body.data == NULL)
					err(1, NULL);
			}
		}
		r->nsteps += (int)rep;
	}
}

/* the Date header of a recorder's envelope (response.headers.date) */
static char *
recorded_date(const char *dir, const char *name, const char *where)
{
	struct blob b = {0};
	json_error_t je;
	json_t *root, *d;
	const char *v;
	char *ret;

	blob_read(&b, dir, name);
	if ((root = json_loadb(b.data, b.len, 0, &je)) == NULL)
		errx(2, "%s: headers=%s: %s", where, name, je.text);
	d = json_object_get(
		json_object_get(json_object_get(root, "response"), "headers"),
		"date");
	if (json_is_array(d))
		d = json_array_get(d, 0);
	if ((v = json_string_value(d)) == NULL)
		errx(2, "%s: headers=%s: no response.headers.date", where,
		     name);
	if ((ret = mdx_strdup(v)) == NULL)
		err(1, NULL);
	json_decref(root);
	mdx_free(b.data);
	return ret;
}

static void
routes_load(const char *file)
{
	char dir[PATH_MAX], where[PATH_MAX + 32], *line = NULL, *slash;
	size_t cap = 0;
	long lineno = 0;
	struct route **tail = &routes;
	FILE *fp;

	snprintf(dir, sizeof(dir), "%s", file);
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	if ((fp = fopen(file, "r")) == NULL)
		err(1, "%s", file);
	while (getline(&line, &cap, fp) != -1) {
		char *f[3], *opt, *save = line;
		struct route *r;
		int i;

		lineno++;
		snprintf(where, sizeof(where), "%s:%ld", file, lineno);
		line[strcspn(line, "\r\n")] = '\0';
		if ((f[0] = next_field(&save, " \t")) == NULL || f[0][0] == '#')
			continue;
		for (i = 1; i < 3; i++)
			if ((f[i] = next_field(&save, " \t")) == NULL)
				errx(2, "%s: expected PATTERN STATUS BODY",
				     where);
		if ((r = mdx_calloc(1, sizeof(*r))) == NULL ||
		    (r->pattern = mdx_strdup(f[0])) == NULL)
			err(1, NULL);
		r->status = (int)num(f[1], 100, 599, where);
		if (strcmp(f[2], "@headers") == 0)
			r->echo = 1;
		else if (strcmp(f[2], "-") != 0)
			blob_read(&r->body, dir, f[2]);
		{
			size_t n = strlen(f[2]);
			const char *t =
				n > 4 && strcmp(f[2] + n - 4, ".csv") == 0
					? "text/csv"
					: "application/json";

			if ((r->type = mdx_strdup(t)) == NULL)
				err(1, NULL);
		}
		while ((opt = next_field(&save, " \t")) != NULL) {
			if (strncmp(opt, "type=", 5) == 0) {
				mdx_free(r->type);
				if ((r->type = mdx_strdup(opt + 5)) == NULL)
					err(1, NULL);
			} else if (strncmp(opt, "delay=", 6) == 0)
				r->delay_ms = num(opt + 6, 0, 3600000, where);
			else if (strncmp(opt, "maxspan=", 8) == 0)
				r->maxspan_s = num(opt + 8, 1,
						   100L * 366 * 86400, where);
			else if (strcmp(opt, "gzip") == 0)
				r->gzip = 1;
			else if (strcmp(opt, "live") == 0)
				r->live = 1;
			else if (strcmp(opt, "chunked") == 0)
				r->chunked = 1;
			else if (strncmp(opt, "location=", 9) == 0) {
				r->location.data = mdx_strdup(opt + 9);
				if (r->location.data == NULL)
					err(1, NULL);
				r->location.len = strlen(opt + 9);
				blob_subst(&r->location);
			} else if (strncmp(opt, "headers=", 8) == 0) {
				mdx_free(r->date);
				r->date = recorded_date(dir, opt + 8, where);
			} else if (strncmp(opt, "script=", 7) == 0)
				script_parse(r, opt + 7, dir, where);
			else
				errx(2, "%s: unknown option '%s'", where, opt);
		}
		if (r->body.data != NULL)
			blob_subst(&r->body);
		for (i = 0; i < r->nsteps; i++)
			if (r->steps[i].has_body)
				blob_subst(&r->steps[i].body);
		if (r->gzip)
			gzip_stored(&r->body, &r->gz);
		if (r->live && clock_ms == INT64_MIN)
			errx(2, "%s: live needs --clock", where);
		*tail = r;
		tail = &r->next;
	}
	if (ferror(fp))
		err(1, "%s", file);
	free(line); /* getline(3) allocates with malloc */
	fclose(fp);
}

static void
routes_free(void)
{
	while (routes != NULL) {
		struct route *r = routes;

		routes = r->next;
		for (int i = 0; i < r->nsteps; i++)
			mdx_free(r->steps[i].body.data);
		mdx_free(r->steps);
		mdx_free(r->body.data);
		mdx_free(r->gz.data);
		mdx_free(r->type);
		mdx_free(r->location.data);
		mdx_free(r->date);
		mdx_free(r->pattern);
		mdx_free(r);
	}
}

/* ---- matching ---- */

/* glob with '*' only, over s[0..n) */
static int
glob(const char *p, const char *s, size_t n)
{
	const char *star = NULL, *mark = NULL, *end = s + n;

	while (s < end) {
		if (*p == '*') {
			star = p++;
			mark = s;
		} else if (*p != '\0' && *p == *s) {
			p++;
			s++;
		} else if (star != NULL) {
			p = star + 1;
			s = ++mark;
		} else {
			return 0;
		}
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

static int
ignored(const char *name, size_t n)
{
	for (int i = 0; i < nignore; i++)
		if (strlen(ignore[i]) == n &&
		    strncasecmp(name, ignore[i], n) == 0)
			return 1;
	return 0;
}

/* target without ignored query parameters, into buf */
static void
normalise(const char *target, char *buf, size_t size)
{
	const char *q = strchr(target, '?'), *p;
	size_t o, plen = q ? (size_t)(q - target) : strlen(target);
	int first = 1;

	o = (size_t)snprintf(buf, size, "%.*s", (int)plen, target);
	if (q == NULL || o >= size)
		return;
	for (p = q + 1; *p != '\0';) {
		size_t n = strcspn(p, "&"), nl = strcspn(p, "=&");

		if (n > 0 && !ignored(p, nl) && o < size)
			o += (size_t)snprintf(buf + o, size - o, "%c%.*s",
					      first ? '?' : '&', (int)n, p);
		if (n > 0 && !ignored(p, nl))
			first = 0;
		p += n;
		if (*p == '&')
			p++;
	}
}

static struct route *
route_find(const char *target)
{
	char norm[8192];
	size_t plen;

	normalise(target, norm, sizeof(norm));
	plen = strcspn(norm, "?");
	for (struct route *r = routes; r != NULL; r = r->next) {
		size_t n = strchr(r->pattern, '?') ? strlen(norm) : plen;

		if (glob(r->pattern, norm, n))
			return r;
	}
	return NULL;
}

/* ---- answering ---- */

/* the query parameter name of target as a number into *v; 0 or -1 */
static int
query_num(const char *target, const char *name, long long *v)
{
	const char *q = strchr(target, '?');
	size_t n = strlen(name);
	char *end;

	while (q != NULL) {
		q++;
		if (strncmp(q, name, n) == 0 && q[n] == '=') {
			*v = strtoll(q + n + 1, &end, 10);
			return end == q + n + 1 ? -1 : 0;
		}
		q = strchr(q, '&');
	}
	return -1;
}

/* Yahoo's 422 for a period over the route's maxspan, into buf; 1 when the
 * request is over it */
static int
over_span(const struct route *r, const char *target, char *buf, size_t n)
{
	long long p1, p2;
	char iv[16] = "1m";
	const char *i = strstr(target, "interval=");

	if (r->maxspan_s <= 0 || query_num(target, "period1", &p1) < 0 ||
	    query_num(target, "period2", &p2) < 0 || p2 - p1 <= r->maxspan_s)
		return 0;
	if (i != NULL)
		snprintf(iv, sizeof(iv), "%.*s", (int)strcspn(i + 9, "&"),
			 i + 9);
	snprintf(buf, n,
		 "{\"chart\":{\"result\":null,\"error\":{\"code\":"
		 "\"Unprocessable Entity\",\"description\":\"%s data not "
		 "available for startTime=%lld and endTime=%lld. Only %ld "
		 "days worth of %s granularity data are allowed to be "
		 "fetched per request.\"}}}",
		 iv, p1, p2, r->maxspan_s / 86400, iv);
	return 1;
}

/* ---- the virtual clock and live answers ---- */

/* --clock's now, epoch ms */
static int64_t
virtual_now_ms(void)
{
	return clock_ms + (int64_t)((mono_ms() - clock_mono) * clock_speed);
}

/* keep the entries of array a whose flag in keep[] is set */
static void
array_cut(json_t *a, const unsigned char *keep, size_t n)
{
	if (!json_is_array(a) || json_array_size(a) != n)
		return;
	for (size_t i = n; i-- > 0;)
		if (!keep[i])
			json_array_remove(a, i);
}

/* every array member of object o cut by keep[] */
static void
arrays_cut(json_t *o, const unsigned char *keep, size_t n)
{
	const char *k;
	json_t *v;

	json_object_foreach (o, k, v)
		array_cut(v, keep, n);
}

/* the epoch ms of a path segment {from} or {to}, or -1 (a date) */
static long long
path_ms(const char *seg, size_t n)
{
	long long v = 0;

	if (n < 10 || n > 16)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (seg[i] < '0' || seg[i] > '9')
			return -1;
		v = v * 10 + (seg[i] - '0');
	}
	return v;
}

/* Polygon's /v2/aggs/ticker/{sym}/range/{n}/{unit}/{from}/{to}: from, to */
static void
aggs_range(const char *target, long long *from, long long *to)
{
	size_t n = strcspn(target, "?");
	const char *seg[2] = {NULL, NULL};
	size_t len[2] = {0, 0};
	size_t end = n;

	*from = *to = -1;
	for (int k = 1; k >= 0; k--) {
		size_t b = end;

		while (b > 0 && target[b - 1] != '/')
			b--;
		seg[k] = target + b;
		len[k] = end - b;
		if (b == 0)
			return;
		end = b - 1;
	}
	*from = path_ms(seg[0], len[0]);
	*to = path_ms(seg[1], len[1]);
}

/*
 * The body of a live route at the virtual now: a new string (mdx_free), or
 * NULL when the body is neither a Yahoo chart nor Polygon aggregates (then
 * served whole).
 */
static char *
live_body(const struct route *r, const char *target, int64_t now)
{
	json_t *root = json_loadb(r->body.data, r->body.len, 0, NULL);
	json_t *res, *ts, *ind, *a;
	unsigned char *keep = NULL;
	long long p1 = LLONG_MIN, p2 = LLONG_MAX, from, to;
	size_t n, i, kept = 0;
	char *out = NULL;

	if (root == NULL)
		return NULL;
	res = json_array_get(
		json_object_get(json_object_get(root, "chart"), "result"), 0);
	if (json_is_object(res)) {
		ts = json_object_get(res, "timestamp");
		n = json_array_size(ts);
		if ((keep = mdx_calloc(n + 1, 1)) == NULL)
			goto out;
		query_num(target, "period1", &p1);
		query_num(target, "period2", &p2);
		for (i = 0; i < n; i++) {
			long long t = (long long)json_number_value(
				json_array_get(ts, i));

			keep[i] = t >= p1 && t < p2 && t * 1000 <= now;
		}
		ind = json_object_get(res, "indicators");
		json_array_foreach (json_object_get(ind, "quote"), i, a)
			arrays_cut(a, keep, n);
		json_array_foreach (json_object_get(ind, "adjclose"), i, a)
			arrays_cut(a, keep, n);
		array_cut(ts, keep, n);
		if (json_array_size(ts) == 0)
			json_object_del(res, "timestamp"); /* as Yahoo: none */
	} else if (json_is_array(a = json_object_get(root, "results"))) {
		aggs_range(target, &from, &to);
		for (i = json_array_size(a); i-- > 0;) {
			long long t = (long long)json_number_value(
				json_object_get(json_array_get(a, i), "t"));

			if (t > now || (from >= 0 && t < from) ||
			    (to >= 0 && t > to))
				json_array_remove(a, i);
		}
		kept = json_array_size(a);
		if (json_object_get(root, "resultsCount") != NULL)
			json_object_set_new(root, "resultsCount",
					    json_integer((json_int_t)kept));
		if (json_object_get(root, "count") != NULL)
			json_object_set_new(root, "count",
					    json_integer((json_int_t)kept));
	} else {
		goto out;
	}
	out = json_dumps(root, JSON_COMPACT);
out:
	mdx_free(keep);
	json_decref(root);
	return out;
}

/* is a request arriving at t inside an --outage? */
static int
in_outage(double t)
{
	double since;

	pthread_mutex_lock(&lock);
	if (first_ms < 0)
		first_ms = t;
	since = t - first_ms;
	pthread_mutex_unlock(&lock);
	for (int i = 0; i < noutages; i++)
		if (since >= outages[i].start_ms && since < outages[i].end_ms)
			return 1;
	return 0;
}

static void
log_line(struct MHD_Connection *c, const char *method, const char *target,
	 int status, const char *kind, double t)
{
	const union MHD_ConnectionInfo *ci;
	unsigned long id = 0;

	if (logfp == NULL)
		return;
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	if (ci != NULL)
		id = (unsigned long)(uintptr_t)ci->socket_context;
	pthread_mutex_lock(&lock);
	fprintf(logfp, "%.3f %lu %s %s %d %s\n", t, id, method, target, status,
		kind);
	fflush(logfp);
	pthread_mutex_unlock(&lock);
}

struct stall {
	const struct blob *body; /* borrowed: the route's body */
	size_t half;		 /* bytes sent before stalling */
	long stall_s;		 /* how long to stall */
};

static ssize_t
stall_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stall *s = cls;
	size_t n;

	if (pos < s->half) {
		n = s->half - (size_t)pos < max ? s->half - (size_t)pos : max;
		memcpy(buf, s->body->data + pos, n);
		return (ssize_t)n;
	}
	nap(s->stall_s * 1000);
	return MHD_CONTENT_READER_END_WITH_ERROR;
}

static ssize_t
chunk_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	const struct blob *b = cls;
	size_t n = b->len - (size_t)pos;

	if (pos >= b->len)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (n > max)
		n = max;
	if (n > 1000)
		n = 1000;
	memcpy(buf, b->data + pos, n);
	return (ssize_t)n;
}

static void
stall_free(void *cls)
{
	mdx_free(cls);
}

static enum MHD_Result
echo_header(void *cls, enum MHD_ValueKind kind, const char *key,
	    const char *value)
{
	char name[256];
	size_t i;

	(void)kind;
	for (i = 0; key[i] != '\0' && i + 1 < sizeof(name); i++)
		name[i] = (char)(key[i] >= 'A' && key[i] <= 'Z' ? key[i] + 32
								: key[i]);
	name[i] = '\0';
	json_object_set_new(cls, name, json_string(value ? value : ""));
	return MHD_YES;
}

static int
accepts_gzip(struct MHD_Connection *c)
{
	const char *ae = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						     "Accept-Encoding");

	for (; ae != NULL && *ae != '\0'; ae++)
		if (strncasecmp(ae, "gzip", 4) == 0)
			return 1;
	return 0;
}

/* the HTTP-date of the instant ms (epoch ms UTC) */
static void
http_date_at(int64_t ms, char *buf, size_t size)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static void
http_date(long ahead_s, char *buf, size_t size)
{
	time_t t = time(NULL) + ahead_s;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static enum MHD_Result
answer(void *cls, struct MHD_Connection *c, const char *url, const char *method,
       const char *version, const char *upload, size_t *upload_size,
       void **req_cls)
{
	struct request *rq = *req_cls;
	struct MHD_Response *resp = NULL;
	struct route *r;
	const struct step *s = NULL;
	const char *kind = "route", *type = "application/json";
	char *echo = NULL, *live = NULL, fault[96], date[64], span[512];
	const char *live_date = NULL;
	const void *data = NULL;
	size_t len = 0;
	long hit = 0;
	int status;
	double t = mono_ms();
	enum MHD_Result ret = MHD_NO;

	(void)cls, (void)url, (void)version, (void)upload;
	if (rq == NULL)
		return MHD_NO;
	if (!rq->seen) {
		rq->seen = 1;
		return MHD_YES;
	}
	if (*upload_size != 0) {
		*upload_size = 0; /* a request body is read and ignored */
		return MHD_YES;
	}
	if (noutages > 0 && in_outage(t)) {
		static const char msg[] = "{\"status\":\"ERROR\",\"error\":"
					  "\"mdx-replay: injected outage\"}";

		log_line(c, method, rq->target, 503, "outage", t);
		nap(latency_ms);
		resp = MHD_create_response_from_buffer(
			sizeof(msg) - 1, (void *)msg, MHD_RESPMEM_PERSISTENT);
		if (resp == NULL)
			return MHD_NO;
		MHD_add_response_header(resp, "Content-Type",
					"application/json");
		ret = MHD_queue_response(c, 503, resp);
		MHD_destroy_response(resp);
		return ret;
	}
	if (limit_ms > 0) {
		double wait = 0;

		pthread_mutex_lock(&lock);
		if (nadmitted == limit_n &&
		    t - admitted[iadmitted] < limit_ms) {
			wait = admitted[iadmitted] + limit_ms - t;
		} else {
			admitted[iadmitted] = t;
			iadmitted = (iadmitted + 1) % limit_n;
			if (nadmitted < limit_n)
				nadmitted++;
		}
		pthread_mutex_unlock(&lock);
		if (wait > 0) {
			static const char msg[] =
				"{\"status\":\"ERROR\",\"error\":\"mdx-replay: "
				"rate limit exceeded\"}";

			log_line(c, method, rq->target, 429, "limited", t);
			nap(latency_ms);
			resp = MHD_create_response_from_buffer(
				sizeof(msg) - 1, (void *)msg,
				MHD_RESPMEM_PERSISTENT);
			if (resp == NULL)
				return MHD_NO;
			snprintf(date, sizeof(date), "%ld",
				 (long)(wait / 1000) + 1);
			MHD_add_response_header(resp, "Retry-After", date);
			MHD_add_response_header(resp, "Content-Type",
						"application/json");
			ret = MHD_queue_response(c, 429, resp);
			MHD_destroy_response(resp);
			return ret;
		}
	}
	if ((r = route_find(rq->target)) == NULL) {
		log_line(c, method, rq->target, 404, "noroute", t);
		nap(latency_ms);
		resp = MHD_create_response_from_buffer(sizeof(yahoo_404) - 1,
						       (void *)yahoo_404,
						       MHD_RESPMEM_PERSISTENT);
		if (resp == NULL)
			return MHD_NO;
		MHD_add_response_header(resp, "Content-Type",
					"application/json;charset=utf-8");
		ret = MHD_queue_response(c, 404, resp);
		MHD_destroy_response(resp);
		return ret;
	}
	if (over_span(r, rq->target, span, sizeof(span))) {
		log_line(c, method, rq->target, 422, "span", t);
		nap(latency_ms);
		resp = MHD_create_response_from_buffer(strlen(span), span,
						       MHD_RESPMEM_MUST_COPY);
		if (resp == NULL)
			return MHD_NO;
		MHD_add_response_header(resp, "Content-Type",
					"application/json;charset=utf-8");
		ret = MHD_queue_response(c, 422, resp);
		MHD_destroy_response(resp);
		return ret;
	}
	pthread_mutex_lock(&lock);
	hit = ++r->hits;
	pthread_mutex_unlock(&lock);
	if (hit <= r->nsteps)
		s = &r->steps[hit - 1];
	status = r->status;
	type = r->type;
	data = r->body.data;
	len = r->body.len;
	if (s != NULL && s->kind == STEP_DROP) {
		log_line(c, method, rq->target, 0, "drop", t);
		nap(latency_ms + r->delay_ms);
		return MHD_NO;
	}
	if (s != NULL && s->kind == STEP_STALL) {
		struct stall *st = mdx_calloc(1, sizeof(*st));

		log_line(c, method, rq->target, status, "stall", t);
		if (st == NULL)
			return MHD_NO;
		st->body = &r->body;
		st->half = r->body.len / 2;
		st->stall_s = s->stall_s;
		nap(latency_ms + r->delay_ms);
		resp = MHD_create_response_from_callback(
			r->body.len, 4096, stall_read, st, stall_free);
		if (resp == NULL) {
			mdx_free(st);
			return MHD_NO;
		}
	} else if (s != NULL) {
		kind = "fault";
		status = s->status;
		if (s->has_body) {
			data = s->body.data;
			len = s->body.len;
		} else {
			len = (size_t)snprintf(
				fault, sizeof(fault),
				"{\"status\":\"ERROR\",\"error\":"
				"\"mdx-replay: injected HTTP "
				"%d\"}",
				status);
			data = fault;
			type = "application/json";
		}
	} else if (r->echo) {
		json_t *o = json_object();

		if (o != NULL) {
			MHD_get_connection_values(c, MHD_HEADER_KIND,
						  echo_header, o);
			echo = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT);
			json_decref(o);
		}
		if (echo == NULL)
			return MHD_NO;
		data = echo;
		len = strlen(echo);
	} else if (r->live) {
		int64_t now = virtual_now_ms();

		if ((live = live_body(r, rq->target, now)) != NULL) {
			data = live;
			len = strlen(live);
		}
		kind = "live";
		http_date_at(now, date, sizeof(date));
		live_date = date;
	} else if (r->gzip && accepts_gzip(c)) {
		kind = "gzip";
		data = r->gz.data;
		len = r->gz.len;
	} else if (r->chunked) {
		log_line(c, method, rq->target, status, kind, t);
		nap(latency_ms + r->delay_ms);
		resp = MHD_create_response_from_callback(
			MHD_SIZE_UNKNOWN, 1000, chunk_read, &r->body, NULL);
		if (resp == NULL)
			goto out;
	}
	if (resp == NULL) {
		log_line(c, method, rq->target, status, kind, t);
		nap(latency_ms + r->delay_ms);
		resp = MHD_create_response_from_buffer(len, (void *)data,
						       MHD_RESPMEM_MUST_COPY);
		if (resp == NULL)
			goto out;
		if (strcmp(kind, "gzip") == 0)
			MHD_add_response_header(resp, "Content-Encoding",
						"gzip");
		if (s == NULL && r->location.data != NULL)
			MHD_add_response_header(resp, "Location",
						r->location.data);
		if (s != NULL && s->ra >= 0) {
			snprintf(date, sizeof(date), "%ld", s->ra);
			MHD_add_response_header(resp, "Retry-After", date);
		} else if (s != NULL && s->radate >= 0) {
			http_date(s->radate, date, sizeof(date));
			MHD_add_response_header(resp, "Retry-After", date);
		}
	}
	MHD_add_response_header(resp, "Content-Type", type);
	if (live_date != NULL)
		MHD_add_response_header(resp, "Date", live_date);
	else if (r->date != NULL)
		MHD_add_response_header(resp, "Date", r->date);
	ret = MHD_queue_response(c, (unsigned int)status, resp);
	MHD_destroy_response(resp);
out:
	if (echo != NULL)
		mdx_free(echo); /* json_dumps allocates through the seam */
	mdx_free(live);
	return ret;
}

static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct request *rq = mdx_calloc(1, sizeof(*rq));

	(void)cls, (void)c;
	if (rq == NULL)
		return NULL;
	if ((rq->target = mdx_strdup(uri)) == NULL) {
		mdx_free(rq);
		return NULL;
	}
	return rq;
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
	     enum MHD_RequestTerminationCode toe)
{
	struct request *rq = *req_cls;

	(void)cls, (void)c, (void)toe;
	if (rq != NULL) {
		mdx_free(rq->target);
		mdx_free(rq);
	}
	*req_cls = NULL;
}

static void
on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
	      enum MHD_ConnectionNotificationCode toe)
{
	(void)cls, (void)c;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		pthread_mutex_lock(&lock);
		*socket_context = (void *)(uintptr_t)++conn_seq;
		pthread_mutex_unlock(&lock);
	}
}

/* ---- main ---- */

static int
listen_on(long port, unsigned *bound)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		err(1, "socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		err(1, "bind 127.0.0.1:%ld", port);
	if (listen(fd, 256) < 0)
		err(1, "listen");
	if (getsockname(fd, (struct sockaddr *)&sa, &sl) < 0)
		err(1, "getsockname");
	*bound = ntohs(sa.sin_port);
	return fd;
}

static void
port_file_write(const char *path, unsigned port)
{
	char tmp[PATH_MAX];
	FILE *fp;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((fp = fopen(tmp, "w")) == NULL)
		err(1, "%s", tmp);
	fprintf(fp, "%u\n", port);
	if (fclose(fp) != 0)
		err(1, "%s", tmp);
	if (rename(tmp, path) != 0)
		err(1, "rename %s", path);
}

static void
usage(void)
{
	fprintf(stderr,
		"usage: mdx-replay [--port N] --routes FILE [--latency-ms N] "
		"[--log FILE]\n"
		"                  [--port-file FILE] [--rate-limit N/S] "
		"[--ignore-param NAME ...]\n"
		"                  [--outage START_MS:DURATION_MS ...] "
		"[--clock INSTANT [--speed N]]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{"clock", required_argument, NULL, 'c'},
		{"ignore-param", required_argument, NULL, 'i'},
		{"latency-ms", required_argument, NULL, 'L'},
		{"log", required_argument, NULL, 'l'},
		{"outage", required_argument, NULL, 'o'},
		{"port", required_argument, NULL, 'p'},
		{"port-file", required_argument, NULL, 'P'},
		{"rate-limit", required_argument, NULL, 'R'},
		{"routes", required_argument, NULL, 'r'},
		{"speed", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *routes_file = NULL, *log_file = NULL, *port_file = NULL;
	struct MHD_Daemon *d;
	sigset_t set;
	unsigned port;
	long want_port = 0;
	int ch, fd, sig;

	mdx_alloc_init();
	while ((ch = getopt_long(argc, argv, "c:hi:L:l:o:p:P:R:r:s:", longopts,
				 NULL)) != -1) {
		switch (ch) {
		case 'c':
			if (mdx_rfc3339_parse(optarg, &clock_ms, NULL) < 0)
				errx(2,
				     "--clock: '%s' is not an RFC 3339 instant",
				     optarg);
			break;
		case 'o': {
			char *colon = strchr(optarg, ':');

			if (colon == NULL || noutages == MAX_OUTAGES)
				errx(2,
				     "--outage: expected START_MS:DURATION_MS "
				     "(at most %d)",
				     MAX_OUTAGES);
			*colon = '\0';
			outages[noutages].start_ms =
				(double)num(optarg, 0, 86400000, "--outage");
			outages[noutages].end_ms =
				outages[noutages].start_ms +
				(double)num(colon + 1, 0, 86400000, "--outage");
			noutages++;
			break;
		}
		case 's': {
			char *end;

			errno = 0;
			clock_speed = strtod(optarg, &end);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    !(clock_speed > 0) || clock_speed > 1e6)
				errx(2, "--speed: bad number '%s'", optarg);
			break;
		}
		case 'i':
			if (nignore == MAX_IGNORE)
				errx(2, "too many --ignore-param");
			ignore[nignore++] = optarg;
			break;
		case 'L':
			latency_ms = num(optarg, 0, 3600000, "--latency-ms");
			break;
		case 'l':
			log_file = optarg;
			break;
		case 'p':
			want_port = num(optarg, 0, 65535, "--port");
			break;
		case 'P':
			port_file = optarg;
			break;
		case 'R': {
			char *slash = strchr(optarg, '/');

			if (slash == NULL)
				errx(2, "--rate-limit: expected N/SECONDS");
			*slash = '\0';
			limit_n = num(optarg, 1, 10000000, "--rate-limit");
			limit_ms = 1000.0 *
				   num(slash + 1, 1, 86400, "--rate-limit");
			break;
		}
		case 'r':
			routes_file = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || routes_file == NULL)
		usage();
	if (limit_n > 0 &&
	    (admitted = mdx_calloc((size_t)limit_n, sizeof(*admitted))) == NULL)
		err(1, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	/* block before any thread starts: they inherit the mask */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	fd = listen_on(want_port, &port);
	snprintf(base_url, sizeof(base_url), "http://127.0.0.1:%u", port);
	routes_load(routes_file);
	if (log_file != NULL && (logfp = fopen(log_file, "a")) == NULL)
		err(1, "%s", log_file);
	clock_mono = mono_ms();
	d = MHD_start_daemon(
		MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL_INTERNAL_THREAD, 0,
		NULL, NULL, answer, NULL, MHD_OPTION_LISTEN_SOCKET, fd,
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
		MHD_OPTION_CONNECTION_TIMEOUT, 60U, MHD_OPTION_END);
	if (d == NULL)
		errx(1, "cannot start the HTTP daemon");
	if (port_file != NULL)
		port_file_write(port_file, port);
	while (sigwait(&set, &sig) != 0)
		;
	stopping = 1;
	MHD_stop_daemon(d); /* joins the connection threads, closes fd */
	if (logfp != NULL)
		fclose(logfp);
	routes_free();
	mdx_free(admitted);
	return 0;
}
