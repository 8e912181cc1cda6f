/*
 * mdx-extract - providers to raw records (NDJSON on stdout).
 * See mdx-extract(1).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "extract_int.h"
#include "mdx_alloc.h"
#include "mdx_ndjson.h"
#include "mdx_record.h"
#include "mdx_time.h"

struct provider {
	const char *name;
	int (*run)(struct extract_ctx *c, char **operands, int n);
};

static const struct provider providers[] = {
	{"csv", csv_extract},
};

static const char *const secret_opts[] = {"--api-key-file", NULL};

static void
usage(FILE *fp)
{
	fprintf(fp,
		"usage: mdx-extract [-p csv] [--what bars|profile|actions] "
		"[--symbol SYM]\n"
		"                   [--from DATE] [--to DATE] [--interval I] "
		"[--tz ZONE]\n"
		"                   [--as-of DATE] [-q] [-v] "
		"[--log-format human|json] [FILE...]\n"
		"       mdx-extract -h | -V\n");
}

int
extract_emit(struct extract_ctx *c, json_t *rec)
{
	struct mdx_err e;

	mdx_err_clear(&e);
	if (rec == NULL)
		return -1;
	if (!c->io_failed && mdx_ndjson_write(c->out, rec, &e) < 0) {
		c->io_failed = 1;
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
	int64_t ms = (int64_t)day * MDX_MS_PER_DAY;

	if (c->o->has_from && ms < c->o->from_ms)
		return 0;
	if (c->o->has_to && ms > c->o->to_ms)
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
parse_date_opt(const char *opt, const char *val, int64_t *ms)
{
	struct mdx_err e;
	int32_t day;

	if (mdx_date_parse(val, &day, &e)) {
		mdx_log("error", "%s: %s", opt, e.text);
		return -1;
	}
	*ms = (int64_t)day * MDX_MS_PER_DAY;
	return 0;
}

enum {
	OPT_WHAT = 256,
	OPT_SYMBOL,
	OPT_FROM,
	OPT_TO,
	OPT_INTERVAL,
	OPT_TZ,
	OPT_ASOF,
	OPT_LOGFMT,
};

static const struct option longopts[] = {
	{"as-of", required_argument, NULL, OPT_ASOF},
	{"from", required_argument, NULL, OPT_FROM},
	{"help", no_argument, NULL, 'h'},
	{"interval", required_argument, NULL, OPT_INTERVAL},
	{"log-format", required_argument, NULL, OPT_LOGFMT},
	{"provider", required_argument, NULL, 'p'},
	{"quiet", no_argument, NULL, 'q'},
	{"symbol", required_argument, NULL, OPT_SYMBOL},
	{"to", required_argument, NULL, OPT_TO},
	{"tz", required_argument, NULL, OPT_TZ},
	{"verbose", no_argument, NULL, 'v'},
	{"version", no_argument, NULL, 'V'},
	{"what", required_argument, NULL, OPT_WHAT},
	{NULL, 0, NULL, 0},
};

static int
operate(int argc, char **argv)
{
	struct extract_opts o = {0};
	struct extract_ctx c = {0};
	struct mdx_run run;
	const struct provider *prov = NULL;
	int ch, verbosity = 0, logfmt = MDX_LOG_HUMAN, status, rc;

	o.provider = "csv";
	o.interval = MDX_I1D;
	o.tz = "America/New_York";
	while ((ch = getopt_long(argc, argv, "hp:qVv", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(stdout);
			return MDX_EXIT_OK;
		case 'p':
			o.provider = optarg;
			break;
		case 'q':
			verbosity = -1;
			break;
		case 'V':
			printf("mdx-extract %s\n", MDX_VERSION);
			return MDX_EXIT_OK;
		case 'v':
			verbosity = 1;
			break;
		case OPT_WHAT:
			if (strcmp(optarg, "bars") == 0)
				o.what = WHAT_BARS;
			else if (strcmp(optarg, "profile") == 0)
				o.what = WHAT_PROFILE;
			else if (strcmp(optarg, "actions") == 0)
				o.what = WHAT_ACTIONS;
			else {
				mdx_log("error",
					"--what: '%s' is not bars, "
					"profile or actions",
					optarg);
				return MDX_EXIT_USAGE;
			}
			break;
		case OPT_SYMBOL:
			if (!mdx_symbol_valid(optarg)) {
				mdx_log("error",
					"--symbol: invalid symbol "
					"'%.40s'",
					optarg);
				return MDX_EXIT_USAGE;
			}
			o.symbol = optarg;
			break;
		case OPT_FROM:
			if (parse_date_opt("--from", optarg, &o.from_ms))
				return MDX_EXIT_USAGE;
			o.has_from = 1;
			break;
		case OPT_TO:
			if (parse_date_opt("--to", optarg, &o.to_ms))
				return MDX_EXIT_USAGE;
			o.has_to = 1;
			break;
		case OPT_ASOF: {
			int64_t ms;

			if (parse_date_opt("--as-of", optarg, &ms))
				return MDX_EXIT_USAGE;
			o.as_of = optarg;
			break;
		}
		case OPT_INTERVAL:
			if ((o.interval = mdx_interval_parse(optarg)) < 0) {
				mdx_log("error",
					"--interval: '%s' is not one "
					"of 1m 5m 15m 30m 1h 1d 1wk "
					"1mo",
					optarg);
				return MDX_EXIT_USAGE;
			}
			break;
		case OPT_TZ:
			if (!mdx_tz_valid(optarg)) {
				mdx_log("error",
					"--tz: unknown time zone "
					"'%.64s'",
					optarg);
				return MDX_EXIT_USAGE;
			}
			o.tz = optarg;
			break;
		case OPT_LOGFMT:
			if ((logfmt = mdx_log_format_parse(optarg)) < 0) {
				mdx_log("error",
					"--log-format: '%s' is not "
					"human or json",
					optarg);
				return MDX_EXIT_USAGE;
			}
			break;
		default:
			usage(stderr);
			return MDX_EXIT_USAGE;
		}
	}
	mdx_log_init("mdx-extract", logfmt, verbosity);
	if (o.has_from && o.has_to && o.from_ms > o.to_ms) {
		mdx_log("error", "--from is after --to");
		return MDX_EXIT_USAGE;
	}
	for (size_t i = 0; i < sizeof(providers) / sizeof(*providers); i++)
		if (strcmp(providers[i].name, o.provider) == 0)
			prov = &providers[i];
	if (prov == NULL) {
		mdx_log("error", "-p: unknown provider '%.32s' (known: csv)",
			o.provider);
		return MDX_EXIT_USAGE;
	}
	o.progress = verbosity >= 0 && isatty(STDERR_FILENO);

	mdx_run_start(&run, "mdx-extract", argc, argv, secret_opts);
	c.o = &o;
	c.run = &run;
	c.out = stdout;
	rc = prov->run(&c, argv + optind, argc - optind);

	if (c.io_failed)
		status = MDX_EXIT_IOERR;
	else if (rc < 0 && run.out == 0)
		status = MDX_EXIT_NOINPUT;
	else if (c.temp_failures > 0 && c.perm_failures == 0 &&
		 c.bad_rows == 0 && rc == 0)
		status = MDX_EXIT_TEMPFAIL;
	else if (rc < 0 || c.bad_rows || c.perm_failures || c.temp_failures)
		status = MDX_EXIT_PARTIAL;
	else
		status = MDX_EXIT_OK;
	run.status = status == MDX_EXIT_OK	   ? "ok"
		     : run.out > 0 && !c.io_failed ? "partial"
						   : "failed";
	if (!c.io_failed)
		extract_emit(&c, mdx_run_to_json(&run));
	mdx_run_release(&run);
	return status;
}

int
main(int argc, char **argv)
{
	mdx_alloc_init();
	mdx_log_init("mdx-extract", MDX_LOG_HUMAN, 0);
	return mdx_close_stdout(operate(argc, argv));
}
