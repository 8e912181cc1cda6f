/*
 * mdx_ndjson.h - newline-delimited JSON: one JSON object a line, UTF-8.
 *
 * The reader keeps line numbers for messages and bounds memory: a line
 * longer than the limit is skipped (reported once, with its line number)
 * without ever being held whole.
 */
#ifndef MDX_NDJSON_H
#define MDX_NDJSON_H

#include <stdio.h>

#include <jansson.h>

#include "mdx_err.h"

#define MDX_NDJSON_MAX_LINE (1L << 20) /* default line-size limit, bytes */

struct mdx_ndjson_reader {
	FILE *fp;	  /* borrowed: the caller opens and closes it */
	const char *name; /* borrowed: input name for messages, "<stdin>" */
	long line;	  /* number of the line last read, 1-based */
	size_t max_line;  /* line-size limit in bytes (without the newline) */
	char *buf;	  /* owned: the current line */
	size_t cap;	  /* bytes allocated at buf */
	size_t len;	  /* length of the current line */
	char *in;	  /* owned: read-ahead buffer */
	size_t in_pos, in_len; /* unread bytes are in[in_pos..in_len) */
	int eof;	       /* fp reached end of file or an error */
};

/*
 * Set up r to read fp, named name in messages, with the default line limit.
 * fp and name are borrowed and must outlive r.  r reads fp's descriptor
 * with read(2), ahead of what it returns: do not read fp by other means
 * while r is in use.
 */
void mdx_ndjson_init(struct mdx_ndjson_reader *r, FILE *fp, const char *name);

/* Free what r owns (not fp). */
void mdx_ndjson_release(struct mdx_ndjson_reader *r);

/*
 * Read the next non-blank line and parse it as one JSON object.  Returns 1
 * with *out a new reference, 0 at end of input, or -1 when this line is bad
 * (not JSON, not an object, invalid UTF-8, a NUL byte, duplicate key, over
 * the limit, a number out of range): e names the input, line and reason, *out
 * is NULL, and the next call goes on with the next line.  A read error also
 * returns -1, with e->code MDX_EIO; the caller should stop then.  The raw text
 * of a bad line is at r->buf (r->len bytes; empty when it was over the limit).
 */
int mdx_ndjson_next(struct mdx_ndjson_reader *r, json_t **out,
		    struct mdx_err *e);

/*
 * jansson flags for what mdx still has jansson write (log lines, which
 * hold no reals): compact, reals with 15 significant digits.  Records are
 * written by mdx_ndjson_write, in the number policy of mdx_output.h.
 */
#define MDX_JSON_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))

/*
 * Write obj as one compact line to fp, as mdx_output_json writes it: keys
 * in their order, reals in the shortest form that reads back to the same
 * double (the one number policy, mdx_output.h).  Returns 0, or -1 with e
 * set (MDX_EIO when writing failed, MDX_ENOMEM).
 */
int mdx_ndjson_write(FILE *fp, const json_t *obj, struct mdx_err *e);

#endif
