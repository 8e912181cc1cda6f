/*
 * query_analysis_int.h - what mdx-query's analysis commands share: stats,
 * returns, resample, index and chart (serve/query_stats.c ...
 * query_chart.c), over lib/analysis.c.  query_main.c parses their options
 * with query_analysis_option() and tells them the output through
 * query_out and query_format.
 */
#ifndef QUERY_ANALYSIS_INT_H
#define QUERY_ANALYSIS_INT_H

#include <stdio.h>

#include "mdx_analysis.h"
#include "query_int.h"

/* The analysis options of this run (defaults until an option sets one). */
struct mdx_analysis_opts *query_aopts(void);

/*
 * Set the option name ("--risk-free", "--period", "--log", "--wide", "--to"
 * with an interval, "--regular", "--at-open", "--top", "--rebalance",
 * "--base", "--date", "--summary", "--type", "--width", "--height",
 * "--index") from arg (NULL for a flag).  Returns 0, or -1 with e set to
 * say what is wrong with the value.
 */
int query_analysis_option(const char *name, const char *arg, struct mdx_err *e);

/*
 * Set by query_main.c's run() before the command runs: where the output
 * goes (stdout or the -o temporary), and the format: for the commands
 * that write rows, the format used (enum mdx_format); for chart, which
 * writes itself, the -f given, or -1.
 */
extern FILE *query_out;
extern int query_format;

/* The operands as q->symbols; a usage error if one is not a symbol. */
int query_symbol_args(struct query_ctx *c);

/*
 * Run fn (mdx_analysis_stats, mdx_analysis_index_performance) with its
 * rows turned on their side when the output is a table: a "figure"
 * column and a column per symbol, a row per figure.  Returns what fn
 * returns.
 */
int query_sideways(struct query_ctx *c,
		   int (*fn)(struct mdx_store *, const struct mdx_query *,
			     const struct mdx_analysis_opts *,
			     struct mdx_sink *, struct mdx_err *));

/* The commands: as in query_int.h. */
int query_stats(struct query_ctx *c);
int query_returns(struct query_ctx *c);
int query_resample(struct query_ctx *c);
int query_index_build(struct query_ctx *c);
int query_index_performance(struct query_ctx *c);
int query_index_composition(struct query_ctx *c);
int query_index_changes(struct query_ctx *c);
int query_index_list(struct query_ctx *c);
int query_index_delete(struct query_ctx *c);
int query_chart(struct query_ctx *c);

#endif
