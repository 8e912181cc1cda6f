/*
 * fuzz_provider.c - libFuzzer harness of one provider's answer parser
 * (extract/yahoo.c, alphavantage.c, polygon.c or sec.c, chosen at compile
 * time with -DFUZZ_PROVIDER=yahoo_provider ...), fed a body from memory through
 * fetch_parse_body (no HTTP).  The first byte of the input chooses the
 * options, the rest is the body:
 *	bits 0-1  --what: 0 bars, 1 profile, 2 actions, 3 bars with the
 *		  second interval list
 *	bits 2-4  the request kind (Alpha Vantage: 0 series, 1 overview;
 *		  Polygon: 0 aggs, 1 grouped, 2 ticker, 3 splits, 4 dividends)
 *	bits 5-7  --interval: 1d 1m 5m 15m 30m 1h 1wk 1mo; with --what 3:
 *		  2m 90m 5d 3mo 1d 1m 1h 1wk (the intervals Yahoo's chart API
 *		  added to the first list)
 * Every record written must pass the validator mdx-transform applies.
 */
#define _GNU_SOURCE /* memfd_create */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "extract_int.h"
#include "mdx_alloc.h"
#include "mdx_ndjson.h"
#include "mdx_record.h"

#ifndef FUZZ_PROVIDER
#error "FUZZ_PROVIDER: yahoo_provider, alphavantage_provider or polygon_provider"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* is rec's key a number that no int64 (or double's exact integers)
 * holds? */
static int
big(const json_t *rec, const char *key)
{
	const json_t *v = json_object_get(rec, key);

	return json_is_real(v) && !(fabs(json_real_value(v)) < 9.2e18);
}
int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	mdx_alloc_init();
	mdx_log_init("fuzz", MDX_LOG_HUMAN, -1);
	return 0;
}

/* what the parser wrote: each line one JSON object of a known type */
static void
check_output(int fd)
{
	struct mdx_canon_opts co = {1, "America/New_York", MDX_FOLD_EARLIER};
	struct mdx_ndjson_reader r;
	struct mdx_bar b;
	struct mdx_err e;
	json_t *rec;
	FILE *fp;
	int rc;

	if (lseek(fd, 0, SEEK_SET) != 0 || (fp = fdopen(dup(fd), "r")) == NULL)
		return;
	mdx_ndjson_init(&r, fp, "<parsed>");
	while ((rc = mdx_ndjson_next(&r, &rec, &e)) != 0) {
		if (rc < 0) {
			/* "GET url" lines of next pages are not records */
			if (strncmp(r.buf, "GET ", 4) != 0) {
				fprintf(stderr, "bad line: %s: %.200s\n",
					e.text, r.buf);
				abort();
			}
			continue;
		}
		mdx_err_clear(&e);
		switch (mdx_rec_type(rec, &e)) {
		case MDX_REC_BAR:
			/* a bar may fail the checks of its prices, its
			 * range or its counts (the data's, rejected with a
			 * reason); a count past what an integer holds must
			 * have been rejected here (issue 15) */
			if (big(rec, "volume") || big(rec, "trades")) {
				fprintf(stderr, "bad bar: a count of %g\n",
					json_number_value(json_object_get(
						rec, "volume")));
				abort();
			}
			mdx_bar_read(rec, &co, &b, &e);
			break;
		case MDX_REC_INSTRUMENT:
			if (mdx_instrument_check(rec, &e) != 0 &&
			    strcmp(e.field, "shares_outstanding") == 0)
				abort();
			break;
		case MDX_REC_ACTION:
			if (mdx_action_check(rec, &e) != 0)
				abort();
			break;
		default:
			abort();
		}
		json_decref(rec);
	}
	mdx_ndjson_release(&r);
	fclose(fp);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int ivs[8] = {MDX_I1D,  MDX_I1M, MDX_I5M,	MDX_I15M,
				   MDX_I30M, MDX_I1H, MDX_I1WK, MDX_I1MO};
	static const int ivs2[8] = {MDX_I2M, MDX_I90M, MDX_I5D, MDX_I3MO,
				    MDX_I1D, MDX_I1M,  MDX_I1H, MDX_I1WK};
	const struct fetch_provider *p = &FUZZ_PROVIDER;
	struct extract_opts o = {0};
	struct extract_ctx c = {0};
	struct mdx_run run = {0};
	struct mdx_err e;
	char *body;
	int fd;

	if (size < 1)
		return 0;
	o.provider = p->name;
	o.what = data[0] & 3;
	o.interval = ivs[data[0] >> 5];
	if (o.what > WHAT_ACTIONS) {
		o.what = WHAT_BARS;
		o.interval = ivs2[data[0] >> 5];
	}
	o.tz = "America/New_York";
	o.adjusted = -1;
	o.grouped = ((data[0] >> 2) & 7) == 1 && p == &polygon_provider;
	if ((fd = memfd_create("fuzz", 0)) < 0)
		return 0;
	c.o = &o;
	c.run = &run;
	c.out = fdopen(dup(fd), "w+");
	if (c.out == NULL || (body = mdx_malloc(size)) == NULL) {
		if (c.out)
			fclose(c.out);
		close(fd);
		return 0;
	}
	memcpy(body, data + 1, size - 1);
	body[size - 1] = '\0';
	mdx_err_clear(&e);
	fetch_parse_body(&c, p, "AAPL", (data[0] >> 2) & 7, body, size - 1, &e);
	fflush(c.out);
	check_output(fd);
	fclose(c.out);
	close(fd);
	mdx_free(body);
	return 0;
}
