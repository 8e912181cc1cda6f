/*
 * load_int.h - mdx-load's two halves.
 *
 * Parsing JSON costs more than writing SQLite, so mdx-load runs them side
 * by side: a reader thread (reader.c) reads the inputs in order, parses
 * and checks each record and hands them over in chunks; the main thread
 * (main.c) writes them to the store, batch by batch, and reports.  Order
 * is kept: records reach the store, and messages stderr, as they come in
 * the inputs.  At most LOAD_CHUNKS chunks are in flight, so memory stays
 * flat however large the input.
 */
#ifndef LOAD_INT_H
#define LOAD_INT_H

#include <pthread.h>

#include <jansson.h>

#include "mdx_err.h"
#include "mdx_record.h"

#define LOAD_CHUNK 256 /* records a chunk */
#define LOAD_CHUNKS 4  /* chunks in flight */

enum item_kind {
	ITEM_BAR,    /* a valid bar, in bar */
	ITEM_RECORD, /* a valid instrument, action or run record, in rec */
	ITEM_REJECT, /* a line that is no valid record: e says why */
	ITEM_NOFILE, /* an input that cannot be opened: e says why */
	ITEM_FATAL,  /* reading failed; nothing follows but ITEM_END */
	ITEM_END,    /* the end of all inputs */
};

struct item {
	int kind;	  /* enum item_kind */
	int type;	  /* ITEM_RECORD: enum mdx_rec_type */
	int raw;	  /* ITEM_REJECT: a raw bar (no "ts": untransformed) */
	const char *name; /* input name (borrowed from argv, or "<stdin>") */
	long line;	  /* line number in that input */
	struct mdx_bar bar; /* ITEM_BAR */
	json_t *rec;	    /* ITEM_RECORD: owned reference */
	struct mdx_err e;   /* ITEM_REJECT, ITEM_NOFILE, ITEM_FATAL */
};

struct chunk {
	int n;			       /* items used */
	struct item items[LOAD_CHUNK]; /* in input order */
};

struct reader {
	char **files;		/* borrowed: the operands */
	int nfiles;		/* how many (0: stdin) */
	struct chunk *ring;	/* owned: LOAD_CHUNKS chunks */
	unsigned long produced; /* chunks handed over, ever */
	unsigned long consumed; /* chunks given back, ever */
	int stop;		/* the writer asks the reader to stop */
	int started;		/* the thread runs */
	pthread_mutex_t mu;	/* guards produced, consumed, stop */
	pthread_cond_t cv;	/* signalled when any of them changes */
	pthread_t thread;	/* the reader thread */
};

/*
 * Start reading files (nfiles of them; none means standard input, and "-"
 * names it too) on a new thread.  Returns 0, or -1 with e set.
 */
int reader_start(struct reader *r, int nfiles, char **files, struct mdx_err *e);

/* The next chunk, in order, waiting for it; the last holds ITEM_END. */
struct chunk *reader_next(struct reader *r);

/* Give back the chunk reader_next returned, once its items are used. */
void reader_done(struct reader *r);

/*
 * Stop the reader (if still running), wait for it, and free what is left,
 * including records in chunks never consumed.
 */
void reader_finish(struct reader *r);

#endif
