/*
 * validate.c - mdx-transform's record stream: validation through lib/
 * (mdx_bar_canonicalize and the record checks), rejects, and duplicates.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "mdx_alloc.h"
#include "mdx_ndjson.h"
#include "mdx_session.h"
#include "transform_int.h"

#define GROUP_MAX 200000 /* bars buffered at most before a flush */

/* the current group: bars of one symbol and interval, and a hash of ts */
struct dedup {
	char symbol[MDX_SYMBOL_MAX + 1];
	int interval;
	struct mdx_bar *bars; /* the group's bars */
	json_t **srcs; /* owned: the raw record when it has unknown fields,
			  else NULL */
	char *dead;    /* 1 where a later bar with the same key replaced it */
	char *line;    /* formatting buffer */
	size_t linecap;
	size_t n, cap;
	int32_t *slots; /* open addressing: index into recs, -1 empty */
	size_t nslots;	/* power of two, >= 2 * cap */
};

static uint64_t
hash_ts(int64_t ts)
{
	uint64_t x = (uint64_t)ts;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

static int
dd_grow(struct dedup *d)
{
	size_t ncap = d->cap ? d->cap * 2 : 1024;
	size_t nslots = ncap * 2;
	struct mdx_bar *b = mdx_realloc(d->bars, ncap * sizeof(*b));
	json_t **sr;
	char *dead;
	int32_t *sl;

	if (b == NULL)
		return -1;
	d->bars = b;
	if ((sr = mdx_realloc(d->srcs, ncap * sizeof(*sr))) == NULL)
		return -1;
	d->srcs = sr;
	if ((dead = mdx_realloc(d->dead, ncap)) == NULL)
		return -1;
	d->dead = dead;
	if ((sl = mdx_malloc(nslots * sizeof(*sl))) == NULL)
		return -1;
	memset(sl, 0xff, nslots * sizeof(*sl));
	for (size_t i = 0; i < d->n; i++) {
		size_t h = hash_ts(d->bars[i].ts) & (nslots - 1);

		while (sl[h] >= 0)
			h = (h + 1) & (nslots - 1);
		sl[h] = (int32_t)i;
	}
	mdx_free(d->slots);
	d->slots = sl;
	d->nslots = nslots;
	d->cap = ncap;
	return 0;
}

int
tf_init(struct tf *t)
{
	if ((t->dd = mdx_calloc(1, sizeof(*t->dd))) == NULL)
		return -1;
	t->dd->interval = -1;
	return 0;
}

static void
emit(struct tf *t, json_t *rec)
{
	struct mdx_err e;

	mdx_err_clear(&e);
	if (!t->io_failed && mdx_ndjson_write(t->out, rec, &e) < 0) {
		t->io_failed = 1;
		mdx_log_err("error", &e);
	}
	if (!t->io_failed)
		t->run->out++;
}

static void
emit_bar(struct tf *t, const struct mdx_bar *b, const json_t *src)
{
	struct dedup *d = t->dd;
	long n;

	if (t->io_failed)
		return;
	n = mdx_bar_format(b, src, &d->line, &d->linecap);
	if (n < 0) {
		mdx_log("error", "out of memory");
		t->io_failed = 1;
		return;
	}
	if (fwrite(d->line, 1, (size_t)n, t->out) != (size_t)n) {
		mdx_log("error", "<stdout>: write error: %s", strerror(errno));
		t->io_failed = 1;
		return;
	}
	t->run->out++;
}

void
tf_flush(struct tf *t)
{
	struct dedup *d = t->dd;

	for (size_t i = 0; i < d->n; i++) {
		if (!d->dead[i])
			emit_bar(t, &d->bars[i], d->srcs[i]);
		json_decref(d->srcs[i]);
	}
	d->n = 0;
	if (d->slots)
		memset(d->slots, 0xff, d->nslots * sizeof(*d->slots));
}

static void
reject(struct tf *t, const struct mdx_err *e, json_t *rec, const char *raw)
{
	t->run->rejected++;
	mdx_log_err("error", e);
	if (t->rejects != NULL) {
		json_t *r = json_pack("{s:s,s:I,s:s}", "input", e->file, "line",
				      (json_int_t)e->line, "reason", e->text);

		if (r == NULL)
			return;
		if (e->field[0])
			json_object_set_new(r, "field", json_string(e->field));
		if (e->about[0]) {
			/* "SYMBOL DATE", or only one of them */
			const char *sp = strchr(e->about, ' ');
			int date_only = sp == NULL && e->about[0] >= '0' &&
					e->about[0] <= '9' &&
					strlen(e->about) == 10 &&
					e->about[4] == '-';

			if (!date_only)
				json_object_set_new(
					r, "symbol",
					json_stringn(
						e->about,
						sp ? (size_t)(sp - e->about)
						   : strlen(e->about)));
			if (sp || date_only)
				json_object_set_new(
					r, "date",
					json_string(sp ? sp + 1 : e->about));
		}
		if (rec != NULL)
			json_object_set(r, "record", rec);
		else if (raw != NULL)
			json_object_set_new(
				r, "text",
				json_stringn_nocheck(raw, strnlen(raw, 4096)));
		struct mdx_err we;

		mdx_err_clear(&we);
		if (mdx_ndjson_write(t->rejects, r, &we) < 0) {
			mdx_log_err("error", &we);
			t->io_failed = 1;
		}
		json_decref(r);
	}
}

void
tf_reject_line(struct tf *t, const struct mdx_err *e, const char *raw)
{
	/* keep only valid UTF-8 of a raw line in the reject record */
	json_t *probe = raw ? json_string(raw) : NULL;

	t->run->in++;
	reject(t, e, NULL, probe ? raw : NULL);
	json_decref(probe);
}

/* add a canonical bar to the group, replacing an earlier one with its key */
static void
group_add(struct tf *t, json_t *rec, const struct mdx_bar *b)
{
	struct dedup *d = t->dd;
	size_t h;
	json_t *src = NULL;

	if (json_object_size(rec) > 0) {
		const char *k;
		json_t *v;

		json_object_foreach (rec, k, v) {
			if (!mdx_bar_known_field(k)) {
				src = rec;
				break;
			}
		}
	}
	if (d->interval != b->interval || strcmp(d->symbol, b->symbol) != 0 ||
	    d->n >= GROUP_MAX) {
		tf_flush(t);
		snprintf(d->symbol, sizeof(d->symbol), "%s", b->symbol);
		d->interval = b->interval;
	}
	if (d->n == d->cap && dd_grow(d) < 0) {
		/* no memory for the group: write the bar as it is */
		emit_bar(t, b, src);
		return;
	}
	h = hash_ts(b->ts) & (d->nslots - 1);
	while (d->slots[h] >= 0) {
		int32_t i = d->slots[h];

		if (d->bars[i].ts == b->ts) {
			/* same key again: keep the last */
			d->dead[i] = 1;
			t->run->duplicates++;
			break;
		}
		h = (h + 1) & (d->nslots - 1);
	}
	d->bars[d->n] = *b;
	d->srcs[d->n] = json_incref(src);
	d->dead[d->n] = 0;
	d->slots[h] = (int32_t)d->n;
	d->n++;
}

/* session and phase of a bar that passed the checks */
static int
bar_labels(struct tf *t, const json_t *rec, struct mdx_bar *b,
	   struct mdx_err *e)
{
	const char *zone = NULL, *label;

	if (mdx_json_string(rec, "tz", &zone, NULL) != 1)
		zone = t->canon.default_tz;
	if (mdx_session_label(
		    b, zone,
		    t->allow_non_session ? MDX_SESSION_ALLOW_CLOSED : 0, e))
		return -1;
	if (t->phases != NULL && (label = phases_label(t->phases, b)) != NULL)
		snprintf(b->phase, sizeof(b->phase), "%s", label);
	return 0;
}

void
tf_record(struct tf *t, json_t *rec, const char *name, long line)
{
	struct mdx_err e;
	struct mdx_bar b;
	int type;

	mdx_err_clear(&e);
	type = mdx_rec_type(rec, &e);
	if (type != MDX_REC_RUN)
		t->run->in++;
	switch (type) {
	case MDX_REC_BAR:
		if (mdx_bar_read(rec, &t->canon, &b, &e) == 0 &&
		    bar_labels(t, rec, &b, &e) == 0) {
			group_add(t, rec, &b);
			json_decref(rec);
			return;
		}
		break;
	case MDX_REC_INSTRUMENT:
		if (mdx_instrument_check(rec, &e) == 0)
			goto pass;
		break;
	case MDX_REC_ACTION:
		if (mdx_action_check(rec, &e) == 0)
			goto pass;
		break;
	case MDX_REC_RUN:
		if (mdx_run_check(rec, &e) == 0)
			goto pass;
		break;
	default:
		break;
	}
	mdx_err_where(&e, name, line);
	if (type >= 0) {
		const char *zone = NULL;
		char about[sizeof(e.about)];

		if (mdx_json_string(rec, "tz", &zone, NULL) != 1 ||
		    !mdx_tz_valid(zone))
			zone = t->canon.default_tz;
		mdx_err_about(&e,
			      mdx_rec_subject(rec, zone, about, sizeof(about)));
	}
	reject(t, &e, rec, NULL);
	json_decref(rec);
	return;
pass:
	emit(t, rec);
	json_decref(rec);
}

void
tf_release(struct tf *t)
{
	if (t->dd == NULL)
		return;
	tf_flush(t);
	mdx_free(t->dd->bars);
	mdx_free(t->dd->srcs);
	mdx_free(t->dd->dead);
	mdx_free(t->dd->line);
	mdx_free(t->dd->slots);
	mdx_free(t->dd);
	t->dd = NULL;
}
