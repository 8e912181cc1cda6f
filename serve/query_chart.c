/*
 * query_chart.c - the chart command of mdx-query: a price chart of a
 * symbol (or with --index, of an index's level) drawn as text for the
 * terminal, or as SVG with -f svg (lib/analysis.c, lib/chart.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "mdx_alloc.h"
#include "mdx_chart.h"
#include "mdx_cli.h"
#include "mdx_output.h"
#include "query_analysis_int.h"

/* colour only on a terminal, never with NO_COLOR set (no-color.org) */
static int
use_color(FILE *fp)
{
	const char *nc = getenv("NO_COLOR");

	return isatty(fileno(fp)) && (nc == NULL || *nc == '\0');
}

/* the terminal's lines, or 0 */
static int
term_lines(FILE *fp)
{
	struct winsize ws;

	if (isatty(fileno(fp)) && ioctl(fileno(fp), TIOCGWINSZ, &ws) == 0)
		return ws.ws_row;
	return 0;
}

int
query_chart(struct query_ctx *c)
{
	struct mdx_analysis_opts *o = query_aopts();
	char *text = NULL;
	size_t len = 0;
	int rc, lines;

	if (query_format != -1 && query_format != MDX_FMT_SVG &&
	    query_format != MDX_FMT_TABLE)
		return mdx_err_set(&c->e, MDX_EUSAGE,
				   "chart: -f svg for a picture, or no -f for "
				   "text");
	o->svg = query_format == MDX_FMT_SVG;
	if (o->of_index) {
		if (!mdx_analysis_index_name_valid(c->argv[0]))
			return mdx_err_set(&c->e, MDX_EUSAGE,
					   "invalid index name '%.40s'",
					   c->argv[0]);
		o->index = c->argv[0];
	} else if (query_symbol_args(c)) {
		return -1;
	}
	if (!o->svg) {
		o->color = use_color(query_out);
		if (o->width == 0 &&
		    (o->width = mdx_output_term_width(query_out)) == 0)
			o->width = MDX_CHART_TEXT_WIDTH;
		if (o->width > MDX_CHART_TEXT_MAX)
			o->width = MDX_CHART_TEXT_MAX;
		lines = term_lines(query_out);
		if (o->height == 0 && lines > 0 &&
		    lines - 2 < MDX_CHART_TEXT_HEIGHT)
			o->height = lines - 2 < MDX_CHART_TEXT_MIN_HEIGHT
					    ? MDX_CHART_TEXT_MIN_HEIGHT
					    : lines - 2;
	}
	rc = mdx_analysis_chart(c->s, &c->q, o, &text, &len, &c->e);
	if (rc < 0 && c->e.code == MDX_ENOTFOUND) {
		mdx_log_err("error", &c->e);
		return 1; /* like a symbol not found elsewhere: exit 1 */
	}
	if (rc < 0)
		return -1;
	if (fwrite(text, 1, len, query_out) != len)
		rc = mdx_err_set(&c->e, MDX_EIO, "write error: %s",
				 strerror(errno));
	mdx_free(text);
	return rc;
}
