/* query_sql.c - the sql command of mdx-query: one read-only statement. */
#include "query_int.h"

int
query_sql(struct query_ctx *c)
{
	c->q.sql = c->argv[0];
	return mdx_store_sql(c->s, &c->q, c->k, &c->e);
}
