/*
 * fuzz_ndjson.c - libFuzzer harness of the NDJSON reader (lib/ndjson.c)
 * with record validation (lib/record.c), as mdx-transform and mdx-load
 * use them: the input is a stream of lines; each object is checked by its
 * type's validator, a bar canonicalized both ways (mdx_bar_read and
 * mdx_bar_canonicalize must agree) and read back as canonical.
 */
#define _GNU_SOURCE /* memfd_create */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mdx_ndjson.h"
#include "mdx_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(json_t *rec)
{
	struct mdx_canon_opts o = {0, "America/New_York", MDX_FOLD_EARLIER};
	struct mdx_bar a, b;
	struct mdx_err e;
	int ra, rb;

	mdx_err_clear(&e);
	switch (mdx_rec_type(rec, &e)) {
	case MDX_REC_BAR:
		ra = mdx_bar_read(rec, &o, &a, &e);
		rb = mdx_bar_canonicalize(rec, &o, &b, &e);
		if (ra != rb)
			abort(); /* the fast path and the full one disagree */
		if (ra == 0 && (a.ts != b.ts || a.date != b.date ||
				a.has != b.has || a.close != b.close))
			abort();
		if (rb == 0 && mdx_bar_from_json(rec, &a, &e) != 0)
			abort(); /* canonical output that load refuses */
		break;
	case MDX_REC_INSTRUMENT:
		mdx_instrument_check(rec, &e);
		break;
	case MDX_REC_ACTION:
		mdx_action_check(rec, &e);
		break;
	case MDX_REC_RUN:
		mdx_run_check(rec, &e);
		break;
	default:
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mdx_ndjson_reader r;
	struct mdx_err e;
	json_t *rec;
	FILE *fp;
	int fd, rc;

	if ((fd = memfd_create("fuzz", 0)) < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size ||
	    lseek(fd, 0, SEEK_SET) != 0 || (fp = fdopen(fd, "r")) == NULL) {
		close(fd);
		return 0;
	}
	mdx_ndjson_init(&r, fp, "<fuzz>");
	r.max_line = 4096;
	while ((rc = mdx_ndjson_next(&r, &rec, &e)) != 0) {
		if (rc < 0) {
			if (e.code == MDX_EIO)
				break;
			if (rec != NULL)
				abort();
			continue;
		}
		if (memchr(r.buf, '\0', r.len) != NULL)
			abort(); /* a NUL byte in an accepted line */
		check(rec);
		json_decref(rec);
	}
	mdx_ndjson_release(&r);
	fclose(fp);
	return 0;
}
