/*
 * mdx-query - ask the store from a terminal or a script.
 *
 *   mdx-query [options] COMMAND [operands] [command options]
 *
 * This file only parses the command line and sets up the output; each
 * command is a function in serve/query_<name>.c, found through the table
 * below, over the query core in lib/store.c.  To add a command: write its
 * function, declare it in query_int.h, add a row to cmds[] (and an option
 * to longopts[] and enum opt if it needs one).  See mdx-query(1).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mdx_adjust.h"
#include "mdx_alloc.h"
#include "mdx_check.h"
#include "mdx_cli.h"
#include "mdx_output.h"
#include "mdx_record.h"
#include "mdx_store.h"
#include "mdx_time.h"
#include "query_analysis_int.h"
#include "query_int.h"

#define RUNS_DEFAULT_LIMIT 20

/* command options; each command lists those it takes */
enum opt {
	OPT_FROM = 1 << 0,
	OPT_TO = 1 << 1,
	OPT_INTERVAL = 1 << 2,
	OPT_LIMIT = 1 << 3,
	OPT_ALL = 1 << 4,
	OPT_AS_OF = 1 << 5,
	OPT_FAIL_ON = 1 << 6,
	OPT_KINDS = 1 << 7,
	OPT_OUTLIER = 1 << 8,
	OPT_STALE = 1 << 9,
	OPT_ZERO_VOLUME = 1 << 10,
	/* stats ... chart: in the order of analysis_opts[] below */
	OPT_RISK_FREE = 1 << 11,
	OPT_PERIOD = 1 << 12,
	OPT_LOG = 1 << 13,
	OPT_WIDE = 1 << 14,
	OPT_REGULAR = 1 << 15,
	OPT_AT_OPEN = 1 << 16,
	OPT_TOP = 1 << 17,
	OPT_REBALANCE = 1 << 18,
	OPT_BASE = 1 << 19,
	OPT_DATE = 1 << 20,
	OPT_SUMMARY = 1 << 21,
	OPT_TYPE = 1 << 22,
	OPT_WIDTH = 1 << 23,
	OPT_HEIGHT = 1 << 24,
	OPT_INDEX = 1 << 25,
	OPT_EVERY = 1 << 26, /* resample's --to INTERVAL */
	OPT_ADJUST = 1 << 27,
	/* index build (issue 10) */
	OPT_UNIVERSE = 1 << 28,
	OPT_BACKFILL = 1 << 29,
	/* --since, --from/--to with a time: bars only (issue 11) */
	OPT_TIME = 1 << 30,
};
#define NOPTS 32 /* room in enum opt */

/* long options without a short form, valued past any char */
enum {
	LONG_ALL = 256,
	LONG_AS_OF,
	LONG_FAIL_ON,
	LONG_KINDS,
	LONG_OUTLIER,
	LONG_STALE,
	LONG_ZERO_VOLUME,
	LONG_ADJUST,
	LONG_UNIVERSE,
	LONG_BACKFILL,
	LONG_SINCE,
};

/* calendar and check (serve/query_calendar.c, serve/query_check.c) and
 * their options, set by parse_options */
int query_calendar(struct query_ctx *c);
int query_check(struct query_ctx *c);
extern unsigned query_calendar_flags;
extern struct mdx_check_opts query_check_opts;

/* the options of stats, returns, resample, index and chart, parsed by
 * query_analysis_option (serve/query_stats.c); option LONG_ANALYSIS + i
 * is analysis_opts[i] and sets bit OPT_RISK_FREE << i */
#define LONG_ANALYSIS 512
static const char *const analysis_opts[] = {
	"--risk-free", "--period", "--log",	  "--wide",   "--regular",
	"--at-open",   "--top",	   "--rebalance", "--base",   "--date",
	"--summary",   "--type",   "--width",	  "--height", "--index"};

enum cmd_mode {
	CMD_WRITE = 1 << 0, /* opens the store read-write */
	CMD_RAW = 1 << 1,   /* writes query_out itself: no row writer */
};

static const struct query_cmd {
	const char *name;		 /* the command word */
	const char *synopsis;		 /* operands and options */
	unsigned opts;			 /* enum opt it accepts */
	int min_args, max_args;		 /* operands; max -1: any */
	int (*run)(struct query_ctx *c); /* serve/query_<name>.c */
	int nostore;			 /* 1: runs without a store */
	unsigned mode;			 /* enum cmd_mode */
} cmds[] = {
	{"bars",
	 "SYMBOL ... [--from DATE|TIME] [--to DATE|TIME] [--since TIME] "
	 "[--interval I] [--limit N] [--adjust none|split|total]",
	 OPT_FROM | OPT_TO | OPT_TIME | OPT_INTERVAL | OPT_LIMIT | OPT_ADJUST,
	 1, -1, query_bars},
	{"latest", "[SYMBOL ...] [--interval I] [--adjust none|split|total]",
	 OPT_INTERVAL | OPT_ADJUST, 0, -1, query_latest},
	{"actions", "SYMBOL ... [--from DATE] [--to DATE]", OPT_FROM | OPT_TO,
	 1, -1, query_actions},
	{"revisions", "SYMBOL ... [--from DATE] [--to DATE]", OPT_FROM | OPT_TO,
	 1, -1, query_revisions},
	{"symbols", "[SYMBOL ...] [--interval I]", OPT_INTERVAL, 0, -1,
	 query_symbols},
	{"runs", "[--limit N]", OPT_LIMIT, 0, 0, query_runs},
	{"sql", "STATEMENT", 0, 1, 1, query_sql},
	{"calendar", "[--from DATE] [--to DATE] [--all]",
	 OPT_FROM | OPT_TO | OPT_ALL, 0, 0, query_calendar, 1},
	{"check",
	 "[SYMBOL ...] [--from DATE] [--to DATE] [--kinds KIND,...] "
	 "[--fail-on KIND,...] [--as-of DATE] [--stale N] [--outlier K] "
	 "[--zero-volume M]",
	 OPT_FROM | OPT_TO | OPT_KINDS | OPT_FAIL_ON | OPT_AS_OF | OPT_STALE |
		 OPT_OUTLIER | OPT_ZERO_VOLUME,
	 0, -1, query_check},
	{"stats",
	 "SYMBOL ... [--from DATE] [--to DATE] [--risk-free RATE] "
	 "[--adjust none|split|total]",
	 OPT_FROM | OPT_TO | OPT_RISK_FREE | OPT_ADJUST, 1, -1, query_stats},
	{"returns",
	 "SYMBOL ... [--from DATE] [--to DATE] "
	 "[--period daily|weekly|monthly|quarterly] [--log] [--wide] "
	 "[--adjust none|split|total]",
	 OPT_FROM | OPT_TO | OPT_PERIOD | OPT_LOG | OPT_WIDE | OPT_ADJUST, 1,
	 -1, query_returns},
	{"resample",
	 "SYMBOL ... --to 1wk|1mo|1d|1h [--from DATE] [--to DATE] "
	 "[--interval I] [--regular] [--at-open] [--adjust none|split|total]",
	 OPT_EVERY | OPT_FROM | OPT_TO | OPT_INTERVAL | OPT_REGULAR |
		 OPT_AT_OPEN | OPT_ADJUST,
	 1, -1, query_resample},
	{"index build",
	 "NAME --top N [--from DATE] [--to DATE] "
	 "[--rebalance daily|weekly|monthly|quarterly] [--base LEVEL] "
	 "[--adjust none|split|total] [--universe FILE] [--backfill]",
	 OPT_TOP | OPT_FROM | OPT_TO | OPT_REBALANCE | OPT_BASE | OPT_ADJUST |
		 OPT_UNIVERSE | OPT_BACKFILL,
	 1, 1, query_index_build, 0, CMD_WRITE},
	{"index performance",
	 "NAME [--from DATE] [--to DATE] [--summary [--risk-free RATE]]",
	 OPT_FROM | OPT_TO | OPT_SUMMARY | OPT_RISK_FREE, 1, 1,
	 query_index_performance},
	{"index composition", "NAME [--date DATE]", OPT_DATE, 1, 1,
	 query_index_composition},
	{"index changes", "NAME [--from DATE] [--to DATE]", OPT_FROM | OPT_TO,
	 1, 1, query_index_changes},
	{"index list", "(every stored index)", 0, 0, 0, query_index_list},
	{"index delete", "NAME", 0, 1, 1, query_index_delete, 0, CMD_WRITE},
	{"chart",
	 "SYMBOL|--index NAME [--from DATE] [--to DATE] "
	 "[--type line|candle] [--width N] [--height N] [-f svg] "
	 "[--adjust none|split|total]",
	 OPT_FROM | OPT_TO | OPT_INDEX | OPT_TYPE | OPT_WIDTH | OPT_HEIGHT |
		 OPT_ADJUST,
	 1, 1, query_chart, 0, CMD_RAW},
};

#define NCMDS (sizeof(cmds) / sizeof(*cmds))

static const struct option longopts[] = {
	{"adjust", required_argument, NULL, LONG_ADJUST},
	{"all", no_argument, NULL, LONG_ALL},
	{"as-of", required_argument, NULL, LONG_AS_OF},
	{"at-open", no_argument, NULL, LONG_ANALYSIS + 5},
	{"backfill", no_argument, NULL, LONG_BACKFILL},
	{"base", required_argument, NULL, LONG_ANALYSIS + 8},
	{"date", required_argument, NULL, LONG_ANALYSIS + 9},
	{"db", required_argument, NULL, 'D'},
	{"fail-on", required_argument, NULL, LONG_FAIL_ON},
	{"format", required_argument, NULL, 'f'},
	{"from", required_argument, NULL, 'F'},
	{"height", required_argument, NULL, LONG_ANALYSIS + 13},
	{"help", no_argument, NULL, 'h'},
	{"index", no_argument, NULL, LONG_ANALYSIS + 14},
	{"interval", required_argument, NULL, 'I'},
	{"kinds", required_argument, NULL, LONG_KINDS},
	{"limit", required_argument, NULL, 'L'},
	{"log", no_argument, NULL, LONG_ANALYSIS + 2},
	{"log-format", required_argument, NULL, 'G'},
	{"outlier", required_argument, NULL, LONG_OUTLIER},
	{"output", required_argument, NULL, 'o'},
	{"period", required_argument, NULL, LONG_ANALYSIS + 1},
	{"quiet", no_argument, NULL, 'q'},
	{"rebalance", required_argument, NULL, LONG_ANALYSIS + 7},
	{"regular", no_argument, NULL, LONG_ANALYSIS + 4},
	{"risk-free", required_argument, NULL, LONG_ANALYSIS + 0},
	{"since", required_argument, NULL, LONG_SINCE},
	{"stale", required_argument, NULL, LONG_STALE},
	{"summary", no_argument, NULL, LONG_ANALYSIS + 10},
	{"to", required_argument, NULL, 'T'},
	{"top", required_argument, NULL, LONG_ANALYSIS + 6},
	{"type", required_argument, NULL, LONG_ANALYSIS + 11},
	{"universe", required_argument, NULL, LONG_UNIVERSE},
	{"verbose", no_argument, NULL, 'v'},
	{"version", no_argument, NULL, 'V'},
	{"wide", no_argument, NULL, LONG_ANALYSIS + 3},
	{"width", required_argument, NULL, LONG_ANALYSIS + 12},
	{"zero-volume", required_argument, NULL, LONG_ZERO_VOLUME},
	{NULL, 0, NULL, 0},
};

/* what the command line asked for */
struct args {
	const char *db;		      /* --db, or NULL */
	int format;		      /* -f, or -1 for the default */
	const char *output;	      /* -o FILE, or NULL: stdout */
	int verbosity;		      /* -1 quiet, 0, 1 verbose */
	int logfmt;		      /* --log-format: enum mdx_log_format */
	unsigned used;		      /* enum opt given */
	const char *used_name[NOPTS]; /* their names, for messages */
};

static const struct mdx_help help[] = {
	{"--db FILE", "the store (default $MDX_DB, else ./market.db)"},
	{"-f, --format F", "ndjson json csv tsv table (chart: svg)"},
	{"-h, --help", "print this help and exit"},
	{"--log-format human|json", "diagnostics as text or JSON lines"},
	{"-o, --output FILE", "write the answer to FILE (renamed into place)"},
	{"-q, --quiet", "errors only"},
	{"-V, --version", "print the version and exit"},
	{"-v, --verbose", "more diagnostics"},
	{"--all", "calendar: every day, closed ones too"},
	{"--as-of DATE|today", "check: the reference date of stale"},
	{"--at-open", "resample --to 1h: hours from the half hour (09:30)"},
	{"--base LEVEL", "index build: the first session's level (1000)"},
	{"--date DATE", "index composition: the members on DATE"},
	{"--fail-on KIND,...", "check: exit 1 when these kinds are found"},
	{"--from DATE", "from DATE (YYYY-MM-DD, inclusive); bars: or a TIME"},
	{"--height N", "chart: lines (20) or SVG pixels (420)"},
	{"--index", "chart: the operand names an index"},
	{"--interval I", MDX_INTERVAL_NAMES},
	{"--kinds KIND,...", "check: only these kinds of finding"},
	{"--limit N", "at most N rows (runs: default 20)"},
	{"--log", "returns: log returns, not simple"},
	{"--outlier K", "check: returns beyond K robust deviations (20)"},
	{"--period P", "returns: daily weekly monthly quarterly"},
	{"--rebalance P", "index build: daily weekly monthly quarterly"},
	{"--regular", "resample: the regular session's bars only"},
	{"--risk-free RATE", "stats, index performance: for Sharpe (2%)"},
	{"--since TIME", "bars: only bars after TIME (RFC 3339), not at it"},
	{"--stale N", "check: sessions without a bar before stale (5)"},
	{"--summary", "index performance: one row of figures"},
	{"--to DATE", "up to DATE (inclusive); resample: --to 1wk|1mo|1d|1h"},
	{"--top N", "index build: the N largest by market cap"},
	{"--type line|candle", "chart: a line or candles"},
	{"--wide", "returns: a column a symbol"},
	{"--width N", "chart: columns (the terminal's) or SVG pixels (900)"},
	{"--zero-volume M", "check: runs of M days of volume 0 (3)"},
	{NULL, NULL},
};

static void
usage(FILE *fp)
{
	char syn[4096];
	size_t len;

	len = (size_t)snprintf(
		syn, sizeof(syn),
		"usage: mdx-query [-hqVv] [--db FILE] [-f FORMAT] "
		"[--log-format human|json] [-o FILE]\n"
		"                 COMMAND ...\n");
	for (size_t i = 0; i < NCMDS && len < sizeof(syn); i++)
		len += (size_t)snprintf(syn + len, sizeof(syn) - len,
					"       mdx-query %s %s\n",
					cmds[i].name, cmds[i].synopsis);
	mdx_help_print(fp, syn, help);
}

/* the command name, or "name sub" for two-word commands ("index build") */
static const struct query_cmd *
find_cmd(const char *name, const char *sub)
{
	for (size_t i = 0; i < NCMDS; i++) {
		const char *sp = strchr(cmds[i].name, ' ');
		size_t n = sp ? (size_t)(sp - cmds[i].name) : 0;

		if (sp == NULL ? strcmp(cmds[i].name, name) == 0
			       : sub != NULL && strlen(name) == n &&
					 strncmp(cmds[i].name, name, n) == 0 &&
					 strcmp(sp + 1, sub) == 0)
			return &cmds[i];
	}
	return NULL;
}

static void
note_opt(struct args *a, enum opt o, const char *name)
{
	for (int i = 0; i < NOPTS; i++)
		if ((1u << i) == (unsigned)o)
			a->used_name[i] = name;
	a->used |= o;
}

/* parse the options into a and q; returns -1 when done (help, version:
 * *status set), 0 to go on, or an exit status > 0 */
static int
parse_options(int argc, char **argv, struct args *a, struct mdx_query *q,
	      int *status)
{
	struct mdx_err e;
	char *end;
	long n;
	int c, since = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:hqVvo:", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'D':
			a->db = optarg;
			break;
		case 'f':
			if ((a->format = mdx_format_parse(optarg)) < 0)
				return mdx_usage_error(
					"-f: unknown format '%s'", optarg);
			break;
		case 'F':
		case 'T':
			if (c == 'T' && mdx_interval_parse(optarg) >= 0) {
				/* resample's --to 1wk: an interval, no date */
				if (query_analysis_option("--to", optarg, &e))
					return mdx_usage_error("--to: %s",
							       e.text);
				note_opt(a, OPT_EVERY, "--to INTERVAL");
				break;
			}
			if (mdx_query_bound(q,
					    c == 'F' ? MDX_QB_FROM : MDX_QB_TO,
					    optarg, &e))
				return mdx_usage_error("--%s: %s",
						       c == 'F' ? "from" : "to",
						       e.text);
			if (strchr(optarg, 'T') != NULL) /* an instant */
				note_opt(a, OPT_TIME,
					 c == 'F' ? "--from TIME"
						  : "--to TIME");
			else
				note_opt(a, c == 'F' ? OPT_FROM : OPT_TO,
					 c == 'F' ? "--from" : "--to");
			break;
		case LONG_SINCE:
			if (mdx_query_bound(q, MDX_QB_SINCE, optarg, &e))
				return mdx_usage_error("--since: %s", e.text);
			since = 1;
			note_opt(a, OPT_TIME, "--since");
			break;
		case 'G':
			if ((a->logfmt = mdx_log_format_parse(optarg)) < 0)
				return mdx_usage_error(
					"--log-format: '%s' is not "
					"human or json",
					optarg);
			break;
		case 'h':
			usage(stdout);
			*status = mdx_close_stdout(MDX_EXIT_OK);
			return -1;
		case 'I':
			if ((q->interval = mdx_interval_parse(optarg)) < 0)
				return mdx_usage_error(
					"--interval: unknown interval '%s' "
					"(" MDX_INTERVAL_NAMES ")",
					optarg);
			note_opt(a, OPT_INTERVAL, "--interval");
			break;
		case 'L':
			errno = 0;
			q->limit = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end != '\0' ||
			    q->limit < 0)
				return mdx_usage_error(
					"--limit: '%s' is not a number >= 0",
					optarg);
			note_opt(a, OPT_LIMIT, "--limit");
			break;
		case 'o':
			a->output = optarg;
			break;
		case LONG_ADJUST: {
			enum mdx_adjust m;

			if (mdx_adjust_parse(optarg, &m, &e))
				return mdx_usage_error("--adjust: %s", e.text);
			q->adjust = m;
			note_opt(a, OPT_ADJUST, "--adjust");
			break;
		}
		case LONG_UNIVERSE:
			query_aopts()->universe = optarg;
			note_opt(a, OPT_UNIVERSE, "--universe");
			break;
		case LONG_BACKFILL:
			query_aopts()->backfill = 1;
			note_opt(a, OPT_BACKFILL, "--backfill");
			break;
		case LONG_ALL:
			query_calendar_flags |= MDX_CHECK_CAL_ALL;
			note_opt(a, OPT_ALL, "--all");
			break;
		case LONG_AS_OF:
			if (mdx_check_date_parse(optarg, 0,
						 &query_check_opts.as_of, &e))
				return mdx_usage_error("--as-of: %s", e.text);
			query_check_opts.has_as_of = 1;
			note_opt(a, OPT_AS_OF, "--as-of");
			break;
		case LONG_FAIL_ON:
			if (mdx_check_kinds_parse(
				    optarg, &query_check_opts.fail_on, &e))
				return mdx_usage_error("--fail-on: %s", e.text);
			note_opt(a, OPT_FAIL_ON, "--fail-on");
			break;
		case LONG_KINDS:
			if (mdx_check_kinds_parse(optarg,
						  &query_check_opts.kinds, &e))
				return mdx_usage_error("--kinds: %s", e.text);
			note_opt(a, OPT_KINDS, "--kinds");
			break;
		case LONG_OUTLIER:
			errno = 0;
			query_check_opts.outlier = strtod(optarg, &end);
			if (errno || end == optarg || *end != '\0' ||
			    !(query_check_opts.outlier > 0))
				return mdx_usage_error(
					"--outlier: '%s' is not a number > 0",
					optarg);
			note_opt(a, OPT_OUTLIER, "--outlier");
			break;
		case LONG_STALE:
		case LONG_ZERO_VOLUME:
			errno = 0;
			n = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end != '\0' ||
			    n < (c == LONG_STALE ? 0 : 1) || n > 1000000)
				return mdx_usage_error(
					"--%s: '%s' is not a number >= %d",
					c == LONG_STALE ? "stale"
							: "zero-volume",
					optarg, c == LONG_STALE ? 0 : 1);
			if (c == LONG_STALE)
				query_check_opts.stale = (int)n;
			else
				query_check_opts.zero_volume = (int)n;
			note_opt(a,
				 c == LONG_STALE ? OPT_STALE : OPT_ZERO_VOLUME,
				 c == LONG_STALE ? "--stale" : "--zero-volume");
			break;
		case 'q':
			a->verbosity = -1;
			break;
		case 'V':
			printf("mdx-query %s\n", MDX_VERSION);
			*status = mdx_close_stdout(MDX_EXIT_OK);
			return -1;
		case 'v':
			a->verbosity = 1;
			break;
		default:
			if (c >= LONG_ANALYSIS &&
			    c < LONG_ANALYSIS + (int)(sizeof(analysis_opts) /
						      sizeof(*analysis_opts))) {
				const char *name =
					analysis_opts[c - LONG_ANALYSIS];

				if (query_analysis_option(name, optarg, &e))
					return mdx_usage_error("%s: %s", name,
							       e.text);
				note_opt(a,
					 (enum opt)(OPT_RISK_FREE
						    << (c - LONG_ANALYSIS)),
					 name);
				break;
			}
			return mdx_log_bad_option(c, argv);
		}
	}
	if ((q->has & (MDX_Q_FROM | MDX_Q_TO)) == (MDX_Q_FROM | MDX_Q_TO) &&
	    q->from > q->to)
		return mdx_usage_error("--from is after --to");
	/* --since past --to is an empty answer, not an error: a poll */
	if ((q->has & (MDX_Q_TS_FROM | MDX_Q_TS_TO)) ==
		    (MDX_Q_TS_FROM | MDX_Q_TS_TO) &&
	    !since && q->ts_from > q->ts_to)
		return mdx_usage_error("--from is after --to");
	return 0;
}

/* the exit status for a command that failed with e */
static int
failure_status(const struct mdx_err *e)
{
	switch (e->code) {
	case MDX_EUSAGE:
		return MDX_EXIT_USAGE;
	case MDX_EINPUT:
		return MDX_EXIT_DATAERR; /* SQL refused or not valid */
	case MDX_ETEMP:
		return MDX_EXIT_TEMPFAIL;
	case MDX_ENOMEM:
		return MDX_EXIT_SOFTWARE;
	default:
		return MDX_EXIT_IOERR; /* the database or the output failed */
	}
}

/* where the output goes: stdout, or a temporary file beside -o FILE that
 * is renamed over it at the end */
struct dest {
	FILE *fp;	  /* stdout or the temporary file */
	char *tmp;	  /* owned: the temporary's name, or NULL */
	const char *path; /* -o FILE */
};

static int
dest_open(struct dest *d, const char *path)
{
	mode_t mask;
	size_t n;
	int fd;

	d->fp = stdout;
	d->path = path;
	if (path == NULL)
		return 0;
	n = strlen(path) + 16;
	if ((d->tmp = mdx_malloc(n)) == NULL) {
		mdx_log("error", "out of memory");
		return MDX_EXIT_SOFTWARE;
	}
	snprintf(d->tmp, n, "%s.tmpXXXXXX", path);
	mask = umask(0);
	umask(mask);
	/* mkstemp makes 0600; the file gets the mode a plain create would */
	if ((fd = mkstemp(d->tmp)) < 0 || fchmod(fd, 0666 & ~mask) != 0 ||
	    (d->fp = fdopen(fd, "w")) == NULL) {
		/* the user named FILE, not the temporary beside it */
		mdx_log("error", "%s: %s", path, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(d->tmp);
		}
		mdx_free(d->tmp);
		d->tmp = NULL;
		return MDX_EXIT_CANTCREAT;
	}
	return 0;
}

/* finish the output: rename the temporary when status delivered data */
static int
dest_close(struct dest *d, int status)
{
	int bad;

	if (d->tmp == NULL)
		return mdx_close_stdout(status);
	bad = fflush(d->fp) != 0 || ferror(d->fp) || fsync(fileno(d->fp));
	if (fclose(d->fp) != 0)
		bad = 1;
	if (bad && status <= MDX_EXIT_PARTIAL) {
		mdx_log("error", "%s: %s", d->path, strerror(errno));
		status = MDX_EXIT_IOERR;
	}
	if (status <= MDX_EXIT_PARTIAL && rename(d->tmp, d->path) != 0) {
		mdx_log("error", "%s: %s", d->path, strerror(errno));
		status = MDX_EXIT_CANTCREAT;
	}
	if (status > MDX_EXIT_PARTIAL)
		unlink(d->tmp);
	mdx_free(d->tmp);
	d->tmp = NULL;
	return mdx_close_stdout(status);
}

static void
report_miss(void *ctx, const struct mdx_err *e)
{
	(void)ctx;
	mdx_log_err("error", e);
}

/* run cmd with the store and the output set up; returns the exit status */
static int
run(const struct query_cmd *cmd, const struct args *a, struct query_ctx *c)
{
	struct mdx_output_opts oo = {0};
	struct mdx_output *w = NULL;
	struct mdx_sink k;
	struct dest d = {0};
	int fmt, rc, status;

	mdx_err_clear(&c->e);
	if (!cmd->nostore)
		c->s = mdx_store_open(
			mdx_db_path(a->db),
			(cmd->mode & CMD_WRITE) ? 0 : MDX_STORE_READONLY,
			&c->e);
	if (!cmd->nostore && c->s == NULL) {
		mdx_log_err("error", &c->e);
		return c->e.code == MDX_EINPUT ? MDX_EXIT_DATAERR
					       : MDX_EXIT_NOINPUT;
	}
	if ((status = dest_open(&d, a->output)) != 0)
		goto out;
	fmt = a->format >= 0 ? a->format : mdx_format_default(d.fp);
	query_out = d.fp;
	query_format = (cmd->mode & CMD_RAW) ? a->format : fmt;
	if (fmt == MDX_FMT_TABLE) {
		oo.width = mdx_output_term_width(d.fp);
		oo.terminal = isatty(fileno(d.fp));
	}
	oo.command = cmd->name;
	if (!(cmd->mode & CMD_RAW) &&
	    (w = mdx_output_new(d.fp, fmt, &oo, &c->e)) == NULL) {
		mdx_log_err("error", &c->e);
		status = dest_close(&d, failure_status(&c->e));
		goto out;
	}
	if (w != NULL) {
		mdx_output_sink(w, &k);
		k.miss = report_miss;
		c->k = &k;
	}
	rc = cmd->run(c);
	if (rc >= 0 && w != NULL && mdx_output_finish(w, &c->e))
		rc = -1;
	if (rc < 0) {
		/* a write to -o FILE failed: name FILE, not <stdout> or the
		 * temporary */
		if (d.tmp != NULL && ferror(d.fp) && c->e.file[0] == '\0')
			mdx_err_where(&c->e, d.path, 0);
		status = failure_status(&c->e);
		if (status == MDX_EXIT_USAGE) {
			char msg[1024];

			mdx_usage_error("%s",
					mdx_err_str(&c->e, msg, sizeof(msg)));
		} else {
			mdx_log_err("error", &c->e);
		}
	} else {
		status = rc > 0 ? MDX_EXIT_PARTIAL : MDX_EXIT_OK;
	}
	if (w != NULL)
		mdx_log("debug", "%ld rows", mdx_output_rows(w));
	status = dest_close(&d, status);
out:
	mdx_output_free(w);
	mdx_store_close(c->s);
	return status;
}

int
main(int argc, char **argv)
{
	struct args a = {.format = -1};
	struct query_ctx c = {0};
	const struct query_cmd *cmd;
	int status = 0, rc, nargs, words;

	mdx_alloc_init();
	mdx_log_init("mdx-query", MDX_LOG_HUMAN, 0);
	mdx_query_init(&c.q);
	if ((rc = parse_options(argc, argv, &a, &c.q, &status)) != 0)
		return rc < 0 ? status : rc; /* done (help), or a usage error */
	mdx_log_init("mdx-query", a.logfmt, a.verbosity);
	if (optind >= argc)
		return mdx_usage_error("no command given");
	cmd = find_cmd(argv[optind],
		       optind + 1 < argc ? argv[optind + 1] : NULL);
	if (cmd == NULL && strcmp(argv[optind], "index") == 0)
		return mdx_usage_error("index: '%s' is not build, performance, "
				       "composition, changes, list or delete",
				       optind + 1 < argc ? argv[optind + 1]
							 : "");
	if (cmd == NULL)
		return mdx_usage_error("unknown command '%s'", argv[optind]);
	if (a.format == MDX_FMT_SVG && !(cmd->mode & CMD_RAW))
		return mdx_usage_error("-f: unknown format 'svg'");
	words = strchr(cmd->name, ' ') ? 2 : 1;
	for (int i = 0; i < NOPTS; i++)
		if ((a.used & (1u << i)) && !(cmd->opts & (1u << i)))
			return mdx_usage_error("%s: %s does not apply",
					       cmd->name, a.used_name[i]);
	nargs = argc - optind - words;
	if (nargs < cmd->min_args ||
	    (cmd->max_args >= 0 && nargs > cmd->max_args))
		return mdx_usage_error("%s: wrong number of operands (%s)",
				       cmd->name, cmd->synopsis);
	if (cmd->run == query_runs && !(a.used & OPT_LIMIT))
		c.q.limit = RUNS_DEFAULT_LIMIT;
	/* the defaults of mdx-query(1): returns, stats and chart measure
	 * what a holder earned (total); bars, latest and resample show the
	 * prices as traded; index build is a price index (split) */
	if (!(a.used & OPT_ADJUST))
		c.q.adjust = cmd->run == query_stats ||
					     cmd->run == query_returns ||
					     cmd->run == query_chart
				     ? MDX_ADJUST_TOTAL
			     : cmd->run == query_index_build ? MDX_ADJUST_SPLIT
							     : MDX_ADJUST_NONE;
	c.argc = nargs;
	c.argv = argv + optind + words;
	return run(cmd, &a, &c);
}
