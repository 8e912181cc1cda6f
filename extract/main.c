/*
 * mdx-extract - providers to raw records (NDJSON on stdout).
 * See mdx-extract(1).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <string.h>

#include "extract_int.h"
#include "mdx_alloc.h"
#include "mdx_ndjson.h"
#include "mdx_time.h"

static const struct provider {
	const char *name;
	int (*run)(struct extract_ctx *c, char **operands, int n);
	const struct fetch_provider *http; /* or NULL: run */
} providers[] = {
	{"alphavantage", NULL, &alphavantage_provider},
	{"csv", csv_extract, NULL},
	{"polygon", NULL, &polygon_provider},
	{"sec", NULL, &sec_provider},
	{"yahoo", NULL, &yahoo_provider},
};

static const char *const secret_opts[] = {"--api-key-file", NULL};

int
extract_emit(struct extract_ctx *c, json_t *rec)
{
	struct mdx_err e;

	mdx_err_clear(&e);
	if (rec == NULL)
		return -1;
	errno = 0;
	if (!c->io_failed && mdx_ndjson_write(c->out, rec, &e) < 0) {
		c->io_failed = 1;
		if (errno != EPIPE) /* a reader that stopped: no message */
			mdx_log_err("error", &e);
	}
	json_decref(rec);
	if (c->io_failed)
		return -1;
	c->run->out++;
	return 0;
}

int
extract_in_range(const struct extract_ctx *c, int32_t day)
{
	if (c->o->has_from && day < c->o->from_day)
		return 0;
	if (c->o->has_to && day > c->o->to_day)
		return 0;
	return 1;
}

int
extract_bar_in_range(const struct extract_ctx *c, const struct fetch_job *j,
		     int32_t day, int64_t ms)
{
	const struct extract_opts *o = c->o;
	int intraday = mdx_interval_intraday(o->interval);

	if (j != NULL && j->has_since) {
		if (intraday ? ms < j->since_ms : day < j->since_day)
			return 0;
	} else if (o->has_from &&
		   (intraday && o->from_is_time ? ms < o->from_ms
						: day < o->from_day)) {
		return 0;
	}
	if (o->has_to &&
	    (intraday && o->to_is_time ? ms > o->to_ms : day > o->to_day))
		return 0;
	return 1;
}

void
extract_fail(struct extract_ctx *c, const char *symbol, const struct mdx_err *e)
{
	char msg[1024];

	mdx_log("error", "%s: %s", symbol, mdx_err_str(e, msg, sizeof(msg)));
	mdx_run_fail(c->run, symbol);
	if (e->code == MDX_ETEMP)
		c->temp_failures++;
	else
		c->perm_failures++;
}

static int
operate(int argc, char **argv)
{
	struct extract_opts o;
	struct extract_ctx c = {0};
	struct mdx_run run;
	const struct provider *prov = NULL;
	int status, rc;
	json_t *rec;

	if ((rc = extract_opts_parse(argc, argv, &o)) >= 0)
		return rc;
	for (size_t i = 0; i < sizeof(providers) / sizeof(*providers); i++)
		if (strcmp(providers[i].name, o.provider) == 0)
			prov = &providers[i];
	if (prov == NULL) {
		return mdx_usage_error(
			"-p: unknown provider '%.32s' (known: "
			"alphavantage, csv, polygon, sec, yahoo)",
			o.provider);
	}
	if (o.follow && prov->http == NULL)
		return mdx_usage_error("-p %s: --follow: follow mode asks an "
				       "HTTP provider again and again",
				       o.provider);
	mdx_run_start(&run, "mdx-extract", argc, argv, secret_opts);
	c.o = &o;
	c.run = &run;
	c.out = stdout;
	if (o.stream != NULL && prov->http != &polygon_provider) {
		mdx_run_release(&run);
		return mdx_usage_error("--stream: only -p polygon streams");
	}
	if (o.stream != NULL && o.follow) {
		mdx_run_release(&run);
		return mdx_usage_error(
			"--stream and --follow: a stream follows "
			"already; give one of them");
	}
	if (o.follow) { /* follow.c writes its run records */
		status = follow_run(&c, prov->http, argv + optind,
				    argc - optind);
		mdx_run_release(&run);
		return status;
	}
	rc = o.stream != NULL ? polygon_ws_run(&c, argv + optind, argc - optind)
	     : prov->http != NULL
		     ? fetch_run(&c, prov->http, argv + optind, argc - optind)
		     : prov->run(&c, argv + optind, argc - optind);

	if (c.whole_status == MDX_EXIT_USAGE || (o.dry_run && !c.io_failed)) {
		mdx_run_release(&run);
		return c.whole_status;
	}
	if (c.io_failed)
		status = MDX_EXIT_IOERR;
	else if (c.whole_status != 0)
		status = c.whole_status;
	else if (rc < 0 && run.out == 0)
		status = MDX_EXIT_NOINPUT;
	else if (c.temp_failures > 0 && c.perm_failures == 0 &&
		 c.bad_rows == 0 && rc == 0)
		status = MDX_EXIT_TEMPFAIL;
	else if (rc < 0 || c.bad_rows || c.perm_failures || c.temp_failures)
		status = MDX_EXIT_PARTIAL;
	else
		status = MDX_EXIT_OK;
	run.status = status == MDX_EXIT_OK ? "ok"
		     : run.out > 0	   ? "partial"
					   : "failed";
	if (!c.io_failed && (rec = mdx_run_to_json(&run)) == NULL) {
		mdx_log("error", "out of memory: no run record");
		status = MDX_EXIT_SOFTWARE;
	} else if (!c.io_failed) {
		if (c.nsymbols > 0)
			json_object_set_new(rec, "symbols",
					    json_integer(c.nsymbols));
		if (extract_emit(&c, rec) < 0)
			status = MDX_EXIT_IOERR;
	}
	mdx_run_release(&run);
	return status;
}

int
main(int argc, char **argv)
{
	/* as curl's tool: a closed pipe is a write error, not a signal */
	signal(SIGPIPE, SIG_IGN);
	mdx_alloc_init();
	mdx_log_init("mdx-extract", MDX_LOG_HUMAN, 0);
	return mdx_close_stdout(operate(argc, argv));
}
