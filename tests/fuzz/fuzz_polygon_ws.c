/*
 * fuzz_polygon_ws.c - libFuzzer harness of the parser of Polygon's
 * WebSocket messages (extract/polygon_wsmsg.c), fed one message from
 * memory (no socket), as mdx-extract --stream hands each text message to
 * it.  The first byte of the input chooses the subscription:
 *	bit 0	AM.* (every symbol), else AM.AAPL,AM.GTE,AM.BRK.B
 * the rest is the message.  Beyond "no crash, no UB, no leak": every line
 * written is a 1m bar of a subscribed symbol, at the start of a minute,
 * that mdx-transform's reader takes or rejects with a reason, with no
 * count past what an integer holds.
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static char *syms[] = {"AAPL", "GTE", "BRK.B"};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	mdx_alloc_init();
	mdx_log_init("fuzz", MDX_LOG_HUMAN, -1);
	return 0;
}

static int
big(const json_t *rec, const char *key)
{
	const json_t *v = json_object_get(rec, key);

	return json_is_real(v) && !(fabs(json_real_value(v)) < 9.2e18);
}

static void
check_output(int fd, int all)
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
		const char *sym, *iv;
		json_int_t t;

		if (rc < 0) {
			fprintf(stderr, "bad line: %s: %.200s\n", e.text,
				r.buf);
			abort();
		}
		mdx_err_clear(&e);
		if (mdx_rec_type(rec, &e) != MDX_REC_BAR)
			abort();
		sym = json_string_value(json_object_get(rec, "symbol"));
		iv = json_string_value(json_object_get(rec, "interval"));
		t = json_integer_value(json_object_get(rec, "t"));
		if (sym == NULL || iv == NULL || strcmp(iv, "1m") != 0 ||
		    !json_is_integer(json_object_get(rec, "t")) ||
		    t % 60000 != 0 ||
		    !json_is_number(json_object_get(rec, "close")))
			abort();
		if (!all && strcmp(sym, "AAPL") != 0 &&
		    strcmp(sym, "GTE") != 0 && strcmp(sym, "BRK.B") != 0)
			abort();
		if (big(rec, "volume") || big(rec, "trades"))
			abort();
		mdx_bar_read(rec, &co, &b, &e);
		json_decref(rec);
	}
	mdx_ndjson_release(&r);
	fclose(fp);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct extract_opts o = {0};
	struct extract_ctx c = {0};
	struct mdx_run run = {0};
	struct pws_sub subs[3];
	struct pws_status st;
	struct fetch *f;
	struct mdx_err e;
	size_t n;
	struct fetch_job *j;
	int fd, rc, all;

	if (size < 1)
		return 0;
	all = data[0] & 1;
	o.provider = "polygon";
	o.interval = MDX_I1M;
	o.tz = "America/New_York";
	o.adjusted = -1;
	o.dry_run = 1; /* no key needed */
	if ((fd = memfd_create("fuzz", 0)) < 0)
		return 0;
	c.o = &o;
	c.run = &run;
	if ((c.out = fdopen(dup(fd), "w+")) == NULL) {
		close(fd);
		return 0;
	}
	if ((f = fetch_open_jobs(&c, &polygon_provider, all ? NULL : syms,
				 all ? 0 : 3, &rc)) == NULL) {
		fclose(c.out);
		close(fd);
		return 0;
	}
	memset(&st, 0, sizeof(st));
	j = fetch_jobs(f, &n);
	for (size_t i = 0; i < n && i < 3; i++) {
		subs[i].psym = j[i].psym;
		subs[i].name = j[i].name;
	}
	pws_subs_sort(subs, n);
	st.subs = subs;
	st.nsubs = n;
	st.all = all;
	st.msgno = 1;
	mdx_err_clear(&e);
	polygon_ws_message(f, (const char *)data + 1, size - 1, &st, &e);
	fflush(c.out);
	check_output(fd, all);
	fetch_close(f);
	fclose(c.out);
	close(fd);
	return 0;
}
