/*
 * query_index.c - the index commands of mdx-query: build, performance,
 * composition, changes, list and delete (lib/analysis.c).  build and
 * delete run on a store opened read-write.
 */
#include "query_analysis_int.h"

/* the NAME operand into the options; a usage error if it is no name */
static struct mdx_analysis_opts *
named(struct query_ctx *c)
{
	struct mdx_analysis_opts *o = query_aopts();

	if (c->argc < 1 || !mdx_analysis_index_name_valid(c->argv[0])) {
		mdx_err_set(&c->e, MDX_EUSAGE,
			    "invalid index name '%.40s' (letters, digits and "
			    ". - _, at most %d)",
			    c->argc > 0 ? c->argv[0] : "", MDX_INDEX_NAME_MAX);
		return NULL;
	}
	o->index = c->argv[0];
	return o;
}

int
query_index_build(struct query_ctx *c)
{
	struct mdx_analysis_opts *o = named(c);

	if (o == NULL)
		return -1;
	return mdx_analysis_index_build(c->s, &c->q, o, c->k, &c->e);
}

int
query_index_performance(struct query_ctx *c)
{
	struct mdx_analysis_opts *o = named(c);

	if (o == NULL)
		return -1;
	if (o->summary)
		return query_sideways(c, mdx_analysis_index_performance);
	return mdx_analysis_index_performance(c->s, &c->q, o, c->k, &c->e);
}

int
query_index_composition(struct query_ctx *c)
{
	struct mdx_analysis_opts *o = named(c);

	if (o == NULL)
		return -1;
	return mdx_analysis_index_composition(c->s, &c->q, o, c->k, &c->e);
}

int
query_index_changes(struct query_ctx *c)
{
	struct mdx_analysis_opts *o = named(c);

	if (o == NULL)
		return -1;
	return mdx_analysis_index_changes(c->s, &c->q, o, c->k, &c->e);
}

int
query_index_list(struct query_ctx *c)
{
	return mdx_analysis_index_list(c->s, &c->q, query_aopts(), c->k, &c->e);
}

int
query_index_delete(struct query_ctx *c)
{
	static const char *const cols[] = {"index", "deleted"};
	struct mdx_analysis_opts *o = named(c);
	json_t *row;
	int rc;

	if (o == NULL || c->k->columns(c->k->ctx, cols, 2, &c->e))
		return -1;
	if ((rc = mdx_analysis_index_delete(c->s, o->index, &c->e)) < 0)
		return -1;
	if (rc == 0) {
		struct mdx_err me;

		mdx_err_clear(&me);
		mdx_err_set(&me, MDX_ENOTFOUND, "index '%s' not in the store",
			    o->index);
		if (c->k->miss != NULL)
			c->k->miss(c->k->ctx, &me);
		return 1;
	}
	row = json_pack("{s:s,s:b}", "index", o->index, "deleted", 1);
	if (row == NULL)
		return mdx_err_set(&c->e, MDX_ENOMEM, "out of memory");
	rc = c->k->row(c->k->ctx, row, &c->e);
	json_decref(row);
	return rc;
}
