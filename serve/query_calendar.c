/*
 * query_calendar.c - the calendar command of mdx-query: the NYSE sessions
 * of a range (lib/check.c), one row each.  It needs no store.
 */
#include "mdx_check.h"
#include "query_int.h"

/* Declared in query_main.c, which sets the flags from --all. */
int query_calendar(struct query_ctx *c);
unsigned query_calendar_flags; /* enum mdx_check_cal_flags */

int
query_calendar(struct query_ctx *c)
{
	int32_t from, to;

	if (mdx_check_calendar_range(&c->q, 0, &from, &to, &c->e) ||
	    mdx_check_calendar(from, to, query_calendar_flags, c->k, &c->e) < 0)
		return -1;
	return 0;
}
