/*
 * mdx_cli.h - what the binaries share on the command line: exit statuses,
 * output formats, the database path, diagnostics on stderr, run records.
 *
 * This module (with mdx_log_* below) is the one part of lib/ that writes to
 * stderr, and only when a main.c calls it.
 */
#ifndef MDX_CLI_H
#define MDX_CLI_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "mdx_err.h"

/* Exit statuses (documented in every man page; sysexits(3) numbers). */
enum mdx_exit {
	MDX_EXIT_OK = 0,
	MDX_EXIT_PARTIAL = 1,	 /* some records or symbols failed */
	MDX_EXIT_USAGE = 2,	 /* bad command line */
	MDX_EXIT_DATAERR = 65,	 /* input unusable as a whole */
	MDX_EXIT_NOINPUT = 66,	 /* an input file cannot be opened */
	MDX_EXIT_SOFTWARE = 70,	 /* internal error, out of memory */
	MDX_EXIT_CANTCREAT = 73, /* output or database cannot be created */
	MDX_EXIT_IOERR = 74,	 /* read or write error (a full disk) */
	MDX_EXIT_TEMPFAIL = 75,	 /* temporary failure: try again later */
};

/* Output formats, DESIGN.md section 4. */
enum mdx_format {
	MDX_FMT_NDJSON = 0,
	MDX_FMT_TABLE,
	MDX_FMT_CSV,
	MDX_FMT_TSV,
	MDX_FMT_JSON,
	MDX_FMT_SVG, /* mdx-query chart only */
};

/*
 * Parse a -f/--format value ("ndjson", "table", "csv", "tsv", "json",
 * "svg"); -1 if unknown.  mdx_format_default() is table when fp is a
 * terminal, else ndjson.
 */
int mdx_format_parse(const char *s);
int mdx_format_default(FILE *fp);
const char *mdx_format_name(int fmt);

/* The database path: opt when not NULL, else $MDX_DB, else "market.db". */
const char *mdx_db_path(const char *opt);

/* Log format for diagnostics on stderr. */
enum mdx_log_format { MDX_LOG_HUMAN = 0, MDX_LOG_JSON = 1 };

/*
 * Set up diagnostics: the program name used as a prefix, the format, and
 * the verbosity (-1 quiet: errors only; 0 normal; 1 verbose).
 */
void mdx_log_init(const char *prog, int format, int verbosity);

/* Parse "human" or "json"; -1 if neither. */
int mdx_log_format_parse(const char *s);

/*
 * Print one diagnostic line on stderr: "prog: TEXT", or with --log-format
 * json {"level":"error","prog":...,"msg":...}.  mdx_log_err prints an
 * struct mdx_err ("prog: FILE:LINE: field 'F': TEXT").  Levels:
 * "error" and "warning" print unless quiet (errors always), "info" unless
 * quiet, "debug" only when verbose.
 */
void mdx_log(const char *level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void mdx_log_err(const char *level, const struct mdx_err *e);

/*
 * Report the option that getopt_long(3) stopped at: c is what it returned
 * ('?' for an unknown option, ':' for a missing value; call getopt_long
 * with opterr = 0 and an option string that starts with ':').  Prints
 * "prog: unknown option '--x'" or "prog: option '--db' needs a value".
 */
void mdx_log_bad_option(int c, char **argv);

/*
 * Map an error code to the exit status a whole failure of that kind gets.
 */
int mdx_exit_for(int code);

/*
 * Flush and close stdout; on failure print "prog: <stdout>: REASON" and
 * return MDX_EXIT_IOERR, else return status unchanged.  Call at the end of
 * main(): a full disk is an error, not silence (as sbase's fshut).
 */
int mdx_close_stdout(int status);

/*
 * Put the arguments (argv[1..argc-1]) into one string for the run record,
 * with the value of any option named in secret_opts (NULL-terminated, e.g.
 * "--api-key") replaced by "REDACTED".  Returns a new string (mdx_free) or
 * NULL.
 */
char *mdx_args_string(int argc, char **argv, const char *const *secret_opts);

/* What a tool counts in its run record (DESIGN.md section 2, "Run"). */
struct mdx_run {
	const char *tool;   /* "mdx-extract" ... (borrowed) */
	int64_t started;    /* epoch ms UTC */
	int64_t finished;   /* epoch ms UTC, 0: now when written */
	const char *status; /* "ok", "partial" or "failed" (borrowed) */
	long long in, out, rejected, dropped, duplicates;
	long long inserted, updated, unchanged;	   /* mdx-load */
	long long requests, retries, pages, bytes; /* mdx-extract */
	json_t *failed; /* owned: array of failed symbols, or NULL */
	char *args;	/* owned: from mdx_args_string, or NULL */
};

/* Start r for tool now (r->started = now); argc/argv go into args. */
void mdx_run_start(struct mdx_run *r, const char *tool, int argc, char **argv,
		   const char *const *secret_opts);

/* Add symbol to r's failed list (once). */
void mdx_run_fail(struct mdx_run *r, const char *symbol);

/*
 * The run record of r as a new JSON object (type "run"), finished now if
 * r->finished is 0.  Counters that a tool does not use (still 0 and
 * irrelevant to it) are written anyway: readers ignore them.
 */
json_t *mdx_run_to_json(const struct mdx_run *r);

/* Free what r owns. */
void mdx_run_release(struct mdx_run *r);

#endif
