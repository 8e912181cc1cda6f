/*
 * fuzz_csv.c - libFuzzer harness of mdx-extract's CSV reader
 * (extract/csv.c): the input is one CSV file; its first byte chooses
 * --what (bit 0-1: bars, profile, actions) and whether --symbol is given
 * (bit 2).  Every record written must pass the validator mdx-transform
 * applies to its type (a bar's prices may fail: they are the data's).
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "extract_int.h"
#include "mdx_alloc.h"
#include "mdx_ndjson.h"
#include "mdx_output.h"
#include "mdx_record.h"

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

static char path[64];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	mdx_alloc_init();
	mdx_log_init("fuzz", MDX_LOG_HUMAN, -1);
	snprintf(path, sizeof(path), "/tmp/mdx-fuzz-csv.%ld/AAPL.csv",
		 (long)getpid());
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mdx_canon_opts co = {1, "America/New_York", MDX_FOLD_EARLIER};
	struct extract_opts o = {0};
	struct extract_ctx c = {0};
	struct mdx_run run = {0};
	struct mdx_ndjson_reader r;
	struct mdx_bar b;
	struct mdx_err e;
	char dir[64], *files[1] = {path};
	json_t *rec;
	FILE *fp, *out;
	int rc;

	if (size < 1)
		return 0;
	snprintf(dir, sizeof(dir), "%.*s", (int)(strrchr(path, '/') - path),
		 path);
	mkdir(dir, 0700);
	if ((fp = fopen(path, "w")) == NULL)
		return 0;
	fwrite(data + 1, 1, size - 1, fp);
	fclose(fp);
	o.provider = "csv";
	o.what = data[0] & 3;
	if (o.what > WHAT_ACTIONS)
		o.what = WHAT_BARS;
	o.interval = MDX_I1D;
	o.tz = "America/New_York";
	o.symbol = (data[0] & 4) ? "MSFT" : NULL;
	o.adjusted = -1;
	if ((out = tmpfile()) == NULL)
		return 0;
	c.o = &o;
	c.run = &run;
	c.out = out;
	csv_extract(&c, files, 1);
	fflush(out);
	rewind(out);
	mdx_ndjson_init(&r, out, "<csv>");
	while ((rc = mdx_ndjson_next(&r, &rec, &e)) != 0) {
		if (rc < 0) { /* csv.c wrote a line that is not JSON */
			fprintf(stderr, "bad line: %s: %.200s\n", e.text,
				r.buf ? r.buf : "");
			abort();
		}
		mdx_err_clear(&e);
		/* every line is the one writer's text of its record (a
		 * bar's line is written without a jansson tree: it must be
		 * the same text, mdx_output_json_text) */
		char *text = mdx_output_json_text(rec);

		if (text != NULL && (strlen(text) != r.len ||
				     memcmp(text, r.buf, r.len) != 0)) {
			fprintf(stderr,
				"not the writer's text:\n%.300s\n%.300s\n",
				r.buf, text);
			abort();
		}
		mdx_free(text);
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
			/* a negative market cap is the data's; a symbol, a
			 * date or a count that csv.c let through is not */
			if (mdx_instrument_check(rec, &e) != 0 &&
			    (strcmp(e.field, "symbol") == 0 ||
			     strcmp(e.field, "as_of") == 0 ||
			     strstr(e.text, "negative (-9.22") != NULL))
				abort();
			break;
		case MDX_REC_ACTION:
			if (mdx_action_check(rec, &e) != 0 &&
			    strcmp(e.field, "amount") != 0)
				abort();
			break;
		default:
			abort();
		}
		json_decref(rec);
	}
	mdx_ndjson_release(&r);
	fclose(out);
	return 0;
}
