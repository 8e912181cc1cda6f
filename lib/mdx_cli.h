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
	MDX_EXIT_NOPERM = 77,	 /* credentials refused (a wrong API key) */
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
 * A status line (mdx-load's progress counter) on stderr, redrawn in place:
 * mdx_log_status prints "\rprog: TEXT" and clears to the end of the line
 * (ECMA-48 EL, ESC [ K); mdx_log_status_clear erases it again.  Both do
 * nothing unless stderr is a terminal, the log format is human and the
 * verbosity not quiet: mdx_log_status_shown() says whether they draw.
 * On a terminal every other message (mdx_log, mdx_log_err, also of other
 * tools of a pipeline sharing it) begins with "\r" and EL, so it erases a
 * status line left on the cursor's row instead of running into it.
 */
int mdx_log_status_shown(void);
void mdx_log_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void mdx_log_status_clear(void);

/*
 * Report a usage error in one line, "prog: TEXT; see 'prog --help'", and
 * return MDX_EXIT_USAGE (the synopsis is left to --help).
 */
int mdx_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Report the option that getopt_long(3) stopped at: c is what it returned
 * ('?' for an unknown option, ':' for a missing value; call getopt_long
 * with opterr = 0 and an option string that starts with ':').  Prints
 * "prog: unknown option '--x'; see 'prog --help'" or "prog: option '--db'
 * needs a value; see 'prog --help'", and returns MDX_EXIT_USAGE.
 */
int mdx_log_bad_option(int c, char **argv);

/* One line of --help: an option (with its value) and what it does. */
struct mdx_help {
	const char *opt;  /* "--db FILE", "-q, --quiet" */
	const char *text; /* one line, no full stop */
};

/*
 * Print --help on fp: the synopsis as given (lines ending in newlines),
 * then "options:" and one line per entry of help (ended by an entry whose
 * opt is NULL), the texts aligned in one column.
 */
void mdx_help_print(FILE *fp, const char *synopsis,
		    const struct mdx_help *help);

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

/*
 * The kinds of record mdx-load stores, each counted on its own: a bar, an
 * instrument (its row in instruments), a fact (its row in
 * instrument_facts, from the same record), an action, a run record.
 */
enum mdx_kind {
	MDX_KIND_BAR = 0,
	MDX_KIND_INSTRUMENT,
	MDX_KIND_FACT,
	MDX_KIND_ACTION,
	MDX_KIND_RUN,
	MDX_KIND_N
};

/* Plural names of the kinds ("bars", "instruments", "facts", ...). */
const char *mdx_kind_name(int kind);

/* What mdx-load did with the rows of one kind (committed rows only). */
struct mdx_run_kind {
	long long inserted;  /* new rows (runs: recorded) */
	long long updated;   /* rows whose values changed */
	long long unchanged; /* identical rows (runs: already stored) */
};

/* What a tool counts in its run record (DESIGN.md section 2, "Run"). */
struct mdx_run {
	const char *tool;   /* "mdx-extract" ... (borrowed) */
	int64_t started;    /* epoch ms UTC */
	int64_t finished;   /* epoch ms UTC, 0: now when written */
	const char *status; /* "ok", "partial" or "failed" (borrowed) */
	long long in, out, rejected, dropped, duplicates;
	struct mdx_run_kind kinds[MDX_KIND_N];	   /* mdx-load: per kind */
	long long facts_no_as_of;		   /* mdx-load: facts dropped */
	long long rolled_back;			   /* mdx-load: not committed */
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
 * irrelevant to it) are written anyway: readers ignore them.  mdx-load's
 * record adds inserted, updated and unchanged (of bars), and "kinds", an
 * object with one {"inserted","updated","unchanged"} object for each
 * kind that had rows, "facts_no_as_of" and "rolled_back" (mdx-records(5)).
 */
json_t *mdx_run_to_json(const struct mdx_run *r);

/* Free what r owns. */
void mdx_run_release(struct mdx_run *r);

#endif
