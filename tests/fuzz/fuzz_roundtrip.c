/*
 * fuzz_roundtrip.c - the number policy, mdx-transform to mdx-load: any
 * line that mdx-transform takes as a bar is written (mdx_bar_format, its
 * fast path) as a canonical line; mdx-load reads that line
 * (mdx_bar_from_json) to the same values, and writing them again gives
 * the same text.  Prices must come back to 15 significant digits (they
 * come back exactly: the writer gives the shortest decimal that reads
 * back); times, dates, counts, flags and text exactly.  The writer must
 * also agree to the byte with the one JSON writer, mdx_output_json_text
 * of mdx_bar_to_json (the one number policy, mdx-records(5)).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mdx_alloc.h"
#include "mdx_ndjson.h"
#include "mdx_output.h"
#include "mdx_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
near15(double a, double b)
{
	return a == b || fabs(a - b) <= 1e-14 * fmax(fabs(a), fabs(b));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mdx_canon_opts o = {1, "America/New_York", MDX_FOLD_EARLIER};
	struct mdx_bar a, b;
	struct mdx_err e;
	char *t1 = NULL, *t2 = NULL, *t3 = NULL;
	size_t c1 = 0, c2 = 0;
	long n1, n2;
	json_t *rec, *back = NULL, *j = NULL;

	rec = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES,
			 NULL);
	if (!json_is_object(rec) || mdx_rec_type(rec, &e) != MDX_REC_BAR ||
	    mdx_bar_read(rec, &o, &a, &e) != 0)
		goto out;
	if ((n1 = mdx_bar_format(&a, NULL, &t1, &c1)) < 0)
		goto out;
	back = json_loadb(t1, (size_t)n1, JSON_REJECT_DUPLICATES, NULL);
	if (back == NULL || mdx_bar_from_json(back, &b, &e) != 0)
		abort(); /* mdx-load refuses what mdx-transform wrote */
	if (a.ts != b.ts || a.date != b.date || a.interval != b.interval ||
	    a.has != b.has || strcmp(a.symbol, b.symbol) != 0 ||
	    strcmp(a.session, b.session) != 0 ||
	    strcmp(a.source, b.source) != 0)
		abort();
	if (!near15(a.close, b.close) ||
	    ((a.has & MDX_HAS_OPEN) && !near15(a.open, b.open)) ||
	    ((a.has & MDX_HAS_HIGH) && !near15(a.high, b.high)) ||
	    ((a.has & MDX_HAS_LOW) && !near15(a.low, b.low)) ||
	    ((a.has & MDX_HAS_ADJ) && !near15(a.adj_close, b.adj_close)) ||
	    ((a.has & MDX_HAS_VWAP) && !near15(a.vwap, b.vwap)) ||
	    ((a.has & MDX_HAS_VOLUME) && a.volume != b.volume) ||
	    ((a.has & MDX_HAS_TRADES) && a.trades != b.trades))
		abort();
	if ((n2 = mdx_bar_format(&b, NULL, &t2, &c2)) < 0)
		goto out;
	if (n1 != n2 || memcmp(t1, t2, (size_t)n1) != 0)
		abort(); /* written again, another text */
	if ((j = mdx_bar_to_json(&a)) == NULL ||
	    (t3 = mdx_output_json_text(j)) == NULL)
		goto out;
	if (strlen(t3) + 1 != (size_t)n1 || memcmp(t3, t1, strlen(t3)) != 0)
		abort(); /* the fast writer and the JSON writer disagree */
out:
	json_decref(rec);
	json_decref(back);
	json_decref(j);
	mdx_free(t1);
	mdx_free(t2);
	mdx_free(t3);
	return 0;
}
