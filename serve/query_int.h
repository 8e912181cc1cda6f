/*
 * query_int.h - what mdx-query's command files share.
 *
 * query_main.c parses the options into a struct query_ctx and calls the
 * command's function from its table; each command lives in a
 * serve/query_<name>.c file and asks the query core in lib/store.c for
 * rows, which go to the output writer through c->k.
 */
#ifndef QUERY_INT_H
#define QUERY_INT_H

#include "mdx_err.h"
#include "mdx_output.h"
#include "mdx_store.h"

struct query_ctx {
	struct mdx_store *s; /* the store, open read-only */
	struct mdx_query q;  /* filled from the options */
	struct mdx_sink *k;  /* where rows go */
	int argc;	     /* the command's operands ... */
	char **argv;	     /* ... (after the command name) */
	struct mdx_err e;    /* why the command failed */
};

/*
 * The commands.  Each returns what the query core returns: the number of
 * symbols not in the store (0: all answered), or -1 with c->e set
 * (MDX_EUSAGE for a bad operand).
 */
int query_bars(struct query_ctx *c);
int query_latest(struct query_ctx *c);
int query_symbols(struct query_ctx *c);
int query_actions(struct query_ctx *c);
int query_revisions(struct query_ctx *c);
int query_runs(struct query_ctx *c);
int query_sql(struct query_ctx *c);

#endif
