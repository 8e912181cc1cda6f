/*
 * extract_int.h - what mdx-extract's main.c shares with its providers
 * (csv.c, and one file per HTTP provider).  Not part of lib/.
 */
#ifndef EXTRACT_INT_H
#define EXTRACT_INT_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "mdx_cli.h"
#include "mdx_err.h"

enum extract_what { WHAT_BARS = 0, WHAT_PROFILE, WHAT_ACTIONS };

struct extract_opts {
	const char *provider;	/* "csv", "yahoo", ... */
	int what;		/* enum extract_what */
	int interval;		/* enum mdx_interval */
	const char *tz;		/* zone of wall times (--tz) */
	const char *symbol;	/* --symbol, or NULL */
	const char *as_of;	/* --as-of date for profile facts, or NULL */
	int64_t from_ms, to_ms; /* --from/--to as 00:00 UTC of the date */
	int has_from, has_to;
	const char *base_url; /* --base-url, or NULL for the provider's */
	const char *api_key;  /* secret: never printed */
	int jobs;	      /* -j */
	double rate;	      /* --rate requests per minute, 0: default */
	int retries;	      /* --retries */
	long max_time_s;      /* --max-time */
	int dry_run;	      /* --dry-run */
	int progress;	      /* stderr is a terminal and not -q */
};

struct extract_ctx {
	const struct extract_opts *o;
	struct mdx_run *run; /* counters for the run record */
	FILE *out;	     /* where records go */
	int io_failed;	     /* a write to out failed */
	int temp_failures;   /* symbols that failed for a temporary reason */
	int perm_failures;   /* symbols that failed for good */
	int bad_rows;	     /* malformed rows skipped */
};

/* Write rec (a reference is taken over) to the output; counts it. */
int extract_emit(struct extract_ctx *c, json_t *rec);

/* Is the date (days since epoch) inside --from/--to? */
int extract_in_range(const struct extract_ctx *c, int32_t day);

/* Report a symbol that failed with e; counts it as temporary or not. */
void extract_fail(struct extract_ctx *c, const char *symbol,
		  const struct mdx_err *e);

/*
 * csv.c: read CSV files (operands) into bar, action or instrument records.
 * Returns 0, or -1 when a file could not be read at all (reported).
 */
int csv_extract(struct extract_ctx *c, char **files, int nfiles);

#endif
