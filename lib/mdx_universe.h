/*
 * mdx_universe.h - index membership over time: the point-in-time universe
 * of mdx-query index build --universe FILE (issue 10).
 *
 * The file is CSV (libcsv) with a header row naming its columns, in any
 * order, others ignored:
 *   ticker (or symbol), start_date, end_date
 * one row per membership interval: the symbol is a member on every day d
 * with start_date <= d < end_date; an empty end_date is a member still.
 * This is the layout of fja05680/sp500's sp500_ticker_start_end.csv
 * (../shared/data/sp500), whose end_date is the day of the change that
 * removed the symbol, the day its successor's start_date names.
 */
#ifndef MDX_UNIVERSE_H
#define MDX_UNIVERSE_H

#include <stddef.h>
#include <stdint.h>

#include "mdx_err.h"
#include "mdx_record.h"

/* One membership interval. */
struct mdx_universe_interval {
	char symbol[MDX_SYMBOL_MAX + 1];
	int32_t start; /* first day a member, days since 1970-01-01 */
	int32_t end;   /* first day no longer a member; INT32_MAX: open */
};

/* The intervals of a file, by symbol (strcmp(3)) then start. */
struct mdx_universe {
	struct mdx_universe_interval *iv; /* owned */
	size_t n;
};

/*
 * Read the membership file path into u (its old contents are not freed:
 * pass a zeroed u).  Returns 0, or -1 with e set and u empty: MDX_EIO
 * (the file), MDX_EINPUT with the line (a header without the three
 * columns, a symbol that is not valid (mdx_symbol_valid), a date that is
 * not YYYY-MM-DD, an end before its start, no interval at all),
 * MDX_ENOMEM.
 */
int mdx_universe_read(const char *path, struct mdx_universe *u,
		      struct mdx_err *e);

/* The position of symbol's first interval in u->iv, or -1: never a
 * member. */
long mdx_universe_find(const struct mdx_universe *u, const char *symbol);

/* Is symbol a member on day (days since 1970-01-01)?  1 or 0. */
int mdx_universe_member(const struct mdx_universe *u, const char *symbol,
			int32_t day);

/* Free what u owns and empty it; u may be NULL. */
void mdx_universe_release(struct mdx_universe *u);

#endif
