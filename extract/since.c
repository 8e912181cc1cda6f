/*
 * since.c - mdx-extract's times and bookmarks (mdx-extract(1)):
 *
 * --from and --to take a date ("2024-10-02": the whole day), an RFC 3339
 * instant ("2024-10-02T13:30:00Z", "2024-10-02T09:30:00-04:00") or a wall
 * time in the exchange's zone (--tz), "2024-10-02 09:30[:SS]" or
 * "2024-10-02T09:30[:SS]".
 *
 * --since FILE ("-": standard input) reads bookmarks: NDJSON bars, as
 * `mdx-query latest -f ndjson` prints them (symbol, interval, ts) or as
 * mdx-extract writes them (symbol, interval, t in epoch ms).  The latest
 * bar of each symbol in --interval is its bookmark; a symbol with one is
 * asked only from that bar minus --overlap bars.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "extract_int.h"
#include "mdx_alloc.h"
#include "mdx_ndjson.h"
#include "mdx_time.h"

/* n decimal digits at s into *v; 0 or -1 */
static int
digits(const char *s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

int
extract_when_parse(const char *s, const char *zone, int64_t *ms, int32_t *day,
		   int *is_time, struct mdx_err *e)
{
	char date[MDX_DATE_LEN];
	int y, m, d, h, mi, sec = 0;
	size_t n = strlen(s);

	if (mdx_date_parse(s, day, NULL) == 0) {
		*ms = (int64_t)*day * MDX_MS_PER_DAY;
		*is_time = 0;
		return 0;
	}
	*is_time = 1;
	if (mdx_rfc3339_parse(s, ms, NULL) == 0)
		return mdx_tz_utc_to_local(zone, *ms, day, NULL, NULL, e);
	/* a wall time in zone: YYYY-MM-DD HH:MM[:SS] */
	if ((n != 16 && n != 19) || (s[10] != ' ' && s[10] != 'T'))
		goto bad;
	snprintf(date, sizeof(date), "%.10s", s);
	if (mdx_date_parse(date, day, NULL) < 0 || digits(s + 11, 2, &h) ||
	    s[13] != ':' || digits(s + 14, 2, &mi) || h > 23 || mi > 59 ||
	    (n == 19 && (s[16] != ':' || digits(s + 17, 2, &sec) || sec > 59)))
		goto bad;
	mdx_civil_from_days(*day, &y, &m, &d);
	return mdx_tz_local_to_utc(zone, y, m, d, h, mi, sec, MDX_FOLD_EARLIER,
				   ms, e);
bad:
	return mdx_err_set(e, MDX_EUSAGE,
			   "'%.40s' is not a date (YYYY-MM-DD), an RFC 3339 "
			   "instant or YYYY-MM-DD HH:MM[:SS] in %s",
			   s, zone);
}

int64_t
extract_bar_ms(int interval)
{
	return mdx_interval_ms(interval);
}

/* days a bar of a daily or longer interval spans at most */
static int
interval_days(int interval)
{
	return (int)(mdx_interval_ms(interval) / MDX_MS_PER_DAY);
}

static int
by_sym(const void *a, const void *b)
{
	return strcmp(((const struct extract_mark *)a)->sym,
		      ((const struct extract_mark *)b)->sym);
}

/* the start of rec's bar, ms: "ts" (a store row) or "t" (a raw bar) */
static int
mark_time(const json_t *rec, int64_t *ms)
{
	const json_t *ts = json_object_get(rec, "ts");
	const json_t *t = json_object_get(rec, "t");

	if (json_is_string(ts))
		return mdx_rfc3339_parse(json_string_value(ts), ms, NULL);
	if (json_is_integer(t)) {
		*ms = (int64_t)json_integer_value(t);
		return 0;
	}
	return -1;
}

static int
add_mark(struct extract_marks *m, const char *sym, int64_t ms)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->v[i].sym, sym) == 0) {
			if (ms > m->v[i].ms)
				m->v[i].ms = ms;
			return 0;
		}
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		struct extract_mark *v = mdx_realloc(m->v, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		m->v = v;
		m->cap = cap;
	}
	snprintf(m->v[m->n].sym, sizeof(m->v[m->n].sym), "%s", sym);
	m->v[m->n++].ms = ms;
	return 0;
}

static int
read_marks(struct extract_marks *m, const struct extract_opts *o, FILE *fp,
	   const char *where)
{
	const char *iv = mdx_interval_name(o->interval);
	struct mdx_ndjson_reader r;
	struct mdx_err e;
	json_t *rec;
	int rc = 0, got;

	mdx_ndjson_init(&r, fp, where);
	while (rc == 0 && (got = mdx_ndjson_next(&r, &rec, &e)) != 0) {
		const char *type, *sym, *riv;
		int64_t ms;

		if (got < 0) {
			mdx_log("error", "--since: %s", e.text);
			rc = e.code == MDX_EIO ? MDX_EXIT_IOERR
					       : MDX_EXIT_DATAERR;
			break;
		}
		type = json_string_value(json_object_get(rec, "type"));
		sym = json_string_value(json_object_get(rec, "symbol"));
		riv = json_string_value(json_object_get(rec, "interval"));
		if ((type != NULL && strcmp(type, "bar") != 0) ||
		    (riv != NULL && strcmp(riv, iv) != 0)) {
			json_decref(rec); /* another record or interval */
			continue;
		}
		if (sym == NULL || !mdx_symbol_valid(sym) ||
		    mark_time(rec, &ms) < 0) {
			mdx_log("error",
				"--since: %s:%ld: not a bar with a valid "
				"symbol and a time (ts or t)",
				where, r.line);
			rc = MDX_EXIT_DATAERR;
		} else if (add_mark(m, sym, ms) < 0) {
			mdx_log("error", "out of memory");
			rc = MDX_EXIT_SOFTWARE;
		}
		json_decref(rec);
	}
	mdx_ndjson_release(&r);
	return rc;
}

int
extract_marks_load(struct extract_marks *m, const struct extract_opts *o,
		   struct extract_symbols *syms)
{
	FILE *fp = stdin;
	const char *where = "<stdin>";
	int rc;

	memset(m, 0, sizeof(*m));
	if (strcmp(o->since, "-") != 0) {
		if ((fp = fopen(o->since, "r")) == NULL) {
			mdx_log("error", "--since: %s: %s", o->since,
				strerror(errno));
			return MDX_EXIT_NOINPUT;
		}
		where = o->since;
	}
	rc = read_marks(m, o, fp, where);
	if (fp != stdin)
		fclose(fp);
	for (size_t i = 0; rc == 0 && i < m->n; i++)
		rc = extract_symbols_add(syms, m->v[i].sym);
	if (m->n > 0)
		qsort(m->v, m->n, sizeof(*m->v), by_sym);
	return rc;
}

const struct extract_mark *
extract_marks_find(const struct extract_marks *m, const char *sym)
{
	struct extract_mark key;

	if (m->n == 0)
		return NULL;
	snprintf(key.sym, sizeof(key.sym), "%s", sym);
	return bsearch(&key, m->v, m->n, sizeof(*m->v), by_sym);
}

void
extract_marks_release(struct extract_marks *m)
{
	mdx_free(m->v);
	memset(m, 0, sizeof(*m));
}

int
extract_mark_since(const struct extract_opts *o, int64_t last_ms,
		   struct fetch_job *j, struct mdx_err *e)
{
	j->has_since = 1;
	if (mdx_interval_intraday(o->interval)) {
		j->since_ms = last_ms -
			      (int64_t)o->overlap * extract_bar_ms(o->interval);
		return mdx_tz_utc_to_local(o->tz, j->since_ms, &j->since_day,
					   NULL, NULL, e);
	}
	if (mdx_tz_utc_to_local(o->tz, last_ms, &j->since_day, NULL, NULL, e) <
	    0)
		return -1;
	j->since_day -= o->overlap * interval_days(o->interval);
	j->since_ms = (int64_t)j->since_day * MDX_MS_PER_DAY;
	return 0;
}

static int64_t now = -1; /* extract_now_ms(), once asked */
static int now_fixed;	 /* it is $MDX_EXTRACT_NOW */

int64_t
extract_now_ms(void)
{
	const char *s;

	if (now < 0) {
		s = getenv("MDX_EXTRACT_NOW");
		if (s != NULL && *s != '\0' &&
		    mdx_rfc3339_parse(s, &now, NULL) == 0)
			now_fixed = 1;
		else
			now = mdx_now_ms();
	}
	return now;
}

void
extract_now_advance(void)
{
	if (!now_fixed) {
		now = -1;
		(void)extract_now_ms();
	}
}
