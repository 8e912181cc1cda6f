/* query_bars.c - the bars, latest, symbols, actions and revisions
 * commands of mdx-query. */
#include "mdx_record.h"
#include "query_int.h"

/* the operands as the symbols of the query; a usage error if one is not
 * a symbol (quotes, spaces, SQL) */
static int
symbols_from_args(struct query_ctx *c)
{
	for (int i = 0; i < c->argc; i++)
		if (!mdx_symbol_valid(c->argv[i]))
			return mdx_err_set(&c->e, MDX_EUSAGE,
					   "invalid symbol '%.40s' (letters, "
					   "digits and . - _ ^ = : /, at most "
					   "%d)",
					   c->argv[i], MDX_SYMBOL_MAX);
	c->q.symbols = (const char *const *)c->argv;
	c->q.nsymbols = (size_t)c->argc;
	return 0;
}

int
query_bars(struct query_ctx *c)
{
	if (symbols_from_args(c))
		return -1;
	return mdx_store_bars(c->s, &c->q, c->k, &c->e);
}

int
query_latest(struct query_ctx *c)
{
	if (symbols_from_args(c))
		return -1;
	return mdx_store_latest(c->s, &c->q, c->k, &c->e);
}

int
query_symbols(struct query_ctx *c)
{
	if (symbols_from_args(c))
		return -1;
	return mdx_store_symbols(c->s, &c->q, c->k, &c->e);
}

int
query_actions(struct query_ctx *c)
{
	if (symbols_from_args(c))
		return -1;
	return mdx_store_actions(c->s, &c->q, c->k, &c->e);
}

int
query_revisions(struct query_ctx *c)
{
	if (symbols_from_args(c))
		return -1;
	return mdx_store_revisions(c->s, &c->q, c->k, &c->e);
}
