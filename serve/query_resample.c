/* query_resample.c - the resample command of mdx-query (lib/analysis.c). */
#include "query_analysis_int.h"

int
query_resample(struct query_ctx *c)
{
	if (query_symbol_args(c))
		return -1;
	return mdx_analysis_resample(c->s, &c->q, query_aopts(), c->k, &c->e);
}
