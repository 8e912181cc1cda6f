/*
 * query_check.c - the check command of mdx-query: the data-quality report
 * of lib/check.c over the symbols named, or every symbol.  A finding of a
 * kind in --fail-on makes the exit status 1, so that
 * `mdx-query check || alert` works from cron.
 */
#include "mdx_check.h"
#include "mdx_cli.h"
#include "mdx_record.h"
#include "query_int.h"

/* Declared in query_main.c, which sets the options from the command line. */
int query_check(struct query_ctx *c);
struct mdx_check_opts query_check_opts = MDX_CHECK_OPTS_INIT;

int
query_check(struct query_ctx *c)
{
	const struct mdx_check_opts *o = &query_check_opts;
	struct mdx_check_counts n;
	int rc;

	for (int i = 0; i < c->argc; i++)
		if (!mdx_symbol_valid(c->argv[i]))
			return mdx_err_set(&c->e, MDX_EUSAGE,
					   "invalid symbol '%.40s' (letters, "
					   "digits and . - _ ^ = : /, at most "
					   "%d)",
					   c->argv[i], MDX_SYMBOL_MAX);
	c->q.symbols = (const char *const *)c->argv;
	c->q.nsymbols = (size_t)c->argc;
	if ((rc = mdx_check_report(c->s, &c->q, o, c->k, &n, &c->e)) < 0)
		return -1;
	mdx_log("debug",
		"check: %ld symbols, %ld bars: %ld missing, %ld stale, "
		"%ld outside, %ld zero_volume, %ld outlier, %ld split",
		n.symbols, n.bars, n.found[MDX_CHECK_MISSING],
		n.found[MDX_CHECK_STALE], n.found[MDX_CHECK_OUTSIDE],
		n.found[MDX_CHECK_ZERO_VOLUME], n.found[MDX_CHECK_OUTLIER],
		n.found[MDX_CHECK_SPLIT]);
	/* the number of symbols not found, and one more for a failure: any
	 * count above 0 exits 1 */
	return rc + mdx_check_failed(o, &n);
}
