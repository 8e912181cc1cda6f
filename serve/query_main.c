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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mdx_alloc.h"
#include "mdx_cli.h"
#include "mdx_output.h"
#include "mdx_record.h"
#include "mdx_store.h"
#include "mdx_time.h"
#include "query_int.h"

#define RUNS_DEFAULT_LIMIT 20

/* command options; each command lists those it takes */
enum opt {
	OPT_FROM = 1 << 0,
	OPT_TO = 1 << 1,
	OPT_INTERVAL = 1 << 2,
	OPT_LIMIT = 1 << 3,
};

static const struct query_cmd {
	const char *name;		 /* the command word */
	const char *synopsis;		 /* operands and options */
	unsigned opts;			 /* enum opt it accepts */
	int min_args, max_args;		 /* operands; max -1: any */
	int (*run)(struct query_ctx *c); /* serve/query_<name>.c */
} cmds[] = {
	{"bars",
	 "SYMBOL ... [--from DATE] [--to DATE] [--interval I] "
	 "[--limit N]",
	 OPT_FROM | OPT_TO | OPT_INTERVAL | OPT_LIMIT, 1, -1, query_bars},
	{"latest", "[SYMBOL ...] [--interval I]", OPT_INTERVAL, 0, -1,
	 query_latest},
	{"symbols", "[SYMBOL ...] [--interval I]", OPT_INTERVAL, 0, -1,
	 query_symbols},
	{"runs", "[--limit N]", OPT_LIMIT, 0, 0, query_runs},
	{"sql", "STATEMENT", 0, 1, 1, query_sql},
};

#define NCMDS (sizeof(cmds) / sizeof(*cmds))

static const struct option longopts[] = {
	{"db", required_argument, NULL, 'D'},
	{"format", required_argument, NULL, 'f'},
	{"from", required_argument, NULL, 'F'},
	{"help", no_argument, NULL, 'h'},
	{"interval", required_argument, NULL, 'I'},
	{"limit", required_argument, NULL, 'L'},
	{"log-format", required_argument, NULL, 'G'},
	{"output", required_argument, NULL, 'o'},
	{"quiet", no_argument, NULL, 'q'},
	{"to", required_argument, NULL, 'T'},
	{"verbose", no_argument, NULL, 'v'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

/* what the command line asked for */
struct args {
	const char *db;		  /* --db, or NULL */
	int format;		  /* -f, or -1 for the default */
	const char *output;	  /* -o FILE, or NULL: stdout */
	int verbosity;		  /* -1 quiet, 0, 1 verbose */
	int logfmt;		  /* --log-format: enum mdx_log_format */
	unsigned used;		  /* enum opt given */
	const char *used_name[4]; /* their names, for messages */
};

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: mdx-query [-hqVv] [--db FILE] [-f FORMAT] "
		    "[--log-format human|json] [-o FILE]\n"
		    "                 COMMAND ...\n");
	for (size_t i = 0; i < NCMDS; i++)
		fprintf(fp, "       mdx-query %s %s\n", cmds[i].name,
			cmds[i].synopsis);
	fprintf(fp, "formats: ndjson json csv tsv table\n");
}

static int usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* report a usage error, repeat the synopsis; returns MDX_EXIT_USAGE */
static int
usage_error(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	mdx_log("error", "%s", msg);
	usage(stderr);
	return MDX_EXIT_USAGE;
}

/* report the option getopt_long stopped at (c is '?' or ':') */
static int
bad_option(int c, char **argv)
{
	char shortopt[3] = {'-', (char)optopt, '\0'};
	const char *opt = argv[optind - 1];

	if (strncmp(opt, "--", 2) != 0)
		opt = shortopt;
	if (c == ':')
		return usage_error("option '%s' needs a value", opt);
	return usage_error("unknown option '%s'", opt);
}

static const struct query_cmd *
find_cmd(const char *name)
{
	for (size_t i = 0; i < NCMDS; i++)
		if (strcmp(cmds[i].name, name) == 0)
			return &cmds[i];
	return NULL;
}

static void
note_opt(struct args *a, enum opt o, const char *name)
{
	for (int i = 0; i < 4; i++)
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
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:hqVvo:", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'D':
			a->db = optarg;
			break;
		case 'f':
			if ((a->format = mdx_format_parse(optarg)) < 0 ||
			    a->format == MDX_FMT_SVG)
				return usage_error("-f: unknown format '%s'",
						   optarg);
			break;
		case 'F':
		case 'T':
			if (mdx_date_parse(optarg, c == 'F' ? &q->from : &q->to,
					   &e))
				return usage_error(
					"--%s: '%s' is not a date (YYYY-MM-DD)",
					c == 'F' ? "from" : "to", optarg);
			q->has |= c == 'F' ? MDX_Q_FROM : MDX_Q_TO;
			note_opt(a, c == 'F' ? OPT_FROM : OPT_TO,
				 c == 'F' ? "--from" : "--to");
			break;
		case 'G':
			if ((a->logfmt = mdx_log_format_parse(optarg)) < 0)
				return usage_error("--log-format: '%s' is not "
						   "human or json",
						   optarg);
			break;
		case 'h':
			usage(stdout);
			*status = mdx_close_stdout(MDX_EXIT_OK);
			return -1;
		case 'I':
			if ((q->interval = mdx_interval_parse(optarg)) < 0)
				return usage_error(
					"--interval: unknown interval '%s' "
					"(1m 5m 15m 30m 1h 1d 1wk 1mo)",
					optarg);
			note_opt(a, OPT_INTERVAL, "--interval");
			break;
		case 'L':
			errno = 0;
			q->limit = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end != '\0' ||
			    q->limit < 0)
				return usage_error(
					"--limit: '%s' is not a number >= 0",
					optarg);
			note_opt(a, OPT_LIMIT, "--limit");
			break;
		case 'o':
			a->output = optarg;
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
			return bad_option(c, argv);
		}
	}
	if ((q->has & (MDX_Q_FROM | MDX_Q_TO)) == (MDX_Q_FROM | MDX_Q_TO) &&
	    q->from > q->to)
		return usage_error("--from is after --to");
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
		mdx_log("error", "%s: %s", d->tmp, strerror(errno));
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
		mdx_log("error", "%s: %s", d->tmp, strerror(errno));
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
	c->s = mdx_store_open(mdx_db_path(a->db), MDX_STORE_READONLY, &c->e);
	if (c->s == NULL) {
		mdx_log_err("error", &c->e);
		return c->e.code == MDX_EINPUT ? MDX_EXIT_DATAERR
					       : MDX_EXIT_NOINPUT;
	}
	if ((status = dest_open(&d, a->output)) != 0)
		goto out;
	fmt = a->format >= 0 ? a->format : mdx_format_default(d.fp);
	if (fmt == MDX_FMT_TABLE)
		oo.width = mdx_output_term_width(d.fp);
	if ((w = mdx_output_new(d.fp, fmt, &oo, &c->e)) == NULL) {
		mdx_log_err("error", &c->e);
		status = dest_close(&d, failure_status(&c->e));
		goto out;
	}
	mdx_output_sink(w, &k);
	k.miss = report_miss;
	c->k = &k;
	rc = cmd->run(c);
	if (rc >= 0 && mdx_output_finish(w, &c->e))
		rc = -1;
	if (rc < 0) {
		mdx_log_err("error", &c->e);
		status = failure_status(&c->e);
		if (status == MDX_EXIT_USAGE)
			usage(stderr);
	} else {
		status = rc > 0 ? MDX_EXIT_PARTIAL : MDX_EXIT_OK;
	}
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
	int status = 0, rc, nargs;

	mdx_alloc_init();
	mdx_log_init("mdx-query", MDX_LOG_HUMAN, 0);
	mdx_query_init(&c.q);
	if ((rc = parse_options(argc, argv, &a, &c.q, &status)) != 0)
		return rc < 0 ? status : rc; /* done (help), or a usage error */
	mdx_log_init("mdx-query", a.logfmt, a.verbosity);
	if (optind >= argc)
		return usage_error("no command given");
	if ((cmd = find_cmd(argv[optind])) == NULL)
		return usage_error("unknown command '%s'", argv[optind]);
	for (int i = 0; i < 4; i++)
		if ((a.used & (1u << i)) && !(cmd->opts & (1u << i)))
			return usage_error("%s: %s does not apply", cmd->name,
					   a.used_name[i]);
	nargs = argc - optind - 1;
	if (nargs < cmd->min_args ||
	    (cmd->max_args >= 0 && nargs > cmd->max_args))
		return usage_error("%s: wrong number of operands (%s)",
				   cmd->name, cmd->synopsis);
	if (cmd->run == query_runs && !(a.used & OPT_LIMIT))
		c.q.limit = RUNS_DEFAULT_LIMIT;
	c.argc = nargs;
	c.argv = argv + optind + 1;
	return run(cmd, &a, &c);
}
