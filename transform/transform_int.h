/*
 * transform_int.h - what mdx-transform's files share.  Not part of lib/.
 */
#ifndef TRANSFORM_INT_H
#define TRANSFORM_INT_H

#include <stdio.h>

#include <jansson.h>

#include "mdx_cli.h"
#include "mdx_record.h"

struct dedup;

/*
 * validate.c: the stream of records.  Bars are buffered per run of
 * consecutive records of one symbol and interval so that a bar whose key
 * (symbol, interval, ts) comes again replaces the earlier one ("keep the
 * last"); other records pass straight through.
 */
struct tf {
	struct mdx_canon_opts canon; /* how bars are made canonical */
	FILE *out;		     /* canonical records go here */
	FILE *rejects;		     /* --rejects file, or NULL */
	struct mdx_run *run;	     /* counters */
	struct dedup *dd;	     /* the current group of bars */
	int io_failed;		     /* writing out failed */
	int allow_non_session;	     /* keep daily bars of closed days */
	struct phases *phases;	     /* --phases labels, or NULL */
};

/* Set up t; returns 0 or -1 (no memory). */
int tf_init(struct tf *t);

/* Take one record (a reference is taken over) read at name:line. */
void tf_record(struct tf *t, json_t *rec, const char *name, long line);

/* Report a line that could not be read as a record (e says why). */
void tf_reject_line(struct tf *t, const struct mdx_err *e, const char *raw);

/* Write out what is buffered. */
void tf_flush(struct tf *t);

/* Flush and free. */
void tf_release(struct tf *t);

/*
 * phases.c: --phases FILE, a CSV of start,end,phase rows.  phases_load
 * returns a new table or NULL with e set; phases_label gives the label of
 * the first row that contains the bar (dates compare with the bar's date,
 * both ends included; instants with its ts, end excluded), or NULL.
 */
struct phases *phases_load(const char *path, struct mdx_err *e);
const char *phases_label(const struct phases *p, const struct mdx_bar *b);
void phases_free(struct phases *p);

#endif
