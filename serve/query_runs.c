/* query_runs.c - the runs command of mdx-query: the pipeline's history. */
#include "query_int.h"

int
query_runs(struct query_ctx *c)
{
	return mdx_store_runs(c->s, &c->q, c->k, &c->e);
}
