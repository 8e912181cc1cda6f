/*
 * opts.c - mdx-extract's command line (mdx-extract(1)): getopt_long, every
 * number checked with strtol/strtod and an end pointer.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "extract_int.h"
#include "mdx_record.h"
#include "mdx_time.h"

static const char synopsis[] =
	"usage: mdx-extract [-qv] [-p csv] [--as-of DATE] [--basis "
	"traded|split]\n"
	"                   [--basis-as-of DATE] [--from DATE] [--interval I]\n"
	"                   [--log-format human|json] [--symbol SYM] "
	"[--to DATE]\n"
	"                   [--tz ZONE] [--what bars|profile|actions] [FILE "
	"...]\n"
	"       mdx-extract [-qv] -p yahoo|alphavantage|polygon|sec [-j N]\n"
	"                   [--adjusted | --unadjusted] [--api-key-file FILE]\n"
	"                   [--as-of DATE] [--base-url URL] [--dry-run] "
	"[--from DATE]\n"
	"                   [--grouped] [--interval I] "
	"[--log-format human|json]\n"
	"                   [--max-time S] [--overlap N] [--rate N/min] "
	"[--retries N]\n"
	"                   [--retry-base MS] [--since FILE | -]\n"
	"                   [--follow [--every DURATION] "
	"[--report-every DURATION]]\n"
	"                   [--symbols-file FILE] [--to DATE] "
	"[--user-agent UA]\n"
	"                   [--what bars|profile|actions] [SYMBOL ... | -]\n"
	"       mdx-extract [-qv] -p polygon --stream AM.SYM,...|AM.*\n"
	"                   [--api-key-file FILE] [--base-url URL] "
	"[--retries N]\n"
	"                   [--retry-base MS] [--symbols-file FILE] "
	"[SYMBOL ...]\n"
	"       mdx-extract -h | -V\n";

static const struct mdx_help help[] = {
	{"--adjusted", "Polygon: ask for split-adjusted bars"},
	{"--unadjusted", "Polygon: bars as traded (the default)"},
	{"--api-key-file FILE", "read the API key from FILE's first line"},
	{"--as-of DATE",
	 "the date of profile facts (default today; CSV: as_of)"},
	{"--base-url URL", "send the provider's requests to URL"},
	{"--basis traded|split", "CSV: the basis of the file's prices"},
	{"--basis-as-of DATE", "CSV: the date a split basis is as of"},
	{"--dry-run", "print the first request of each symbol, send none"},
	{"--every DURATION",
	 "--follow: from pass to pass (60s; 500ms, 1m, 2h)"},
	{"--follow", "ask again every --every, write new or changed bars"},
	{"--from WHEN", "bars from WHEN (a date or a time; inclusive)"},
	{"--grouped", "Polygon: grouped daily bars, a request a session day"},
	{"-h, --help", "print this help and exit"},
	{"--interval I",
	 "1m 2m 5m 15m 30m 1h 90m 1d 5d 1wk 1mo 3mo, default 1d"},
	{"-j, --jobs N", "requests at once, 1 to 256 (default 4)"},
	{"--log-format human|json", "diagnostics as text or JSON lines"},
	{"--max-time S", "a request's longest time, retries included (120)"},
	{"-p, --provider P",
	 "csv (default), yahoo, alphavantage, polygon or sec"},
	{"-q, --quiet", "errors only, no progress line"},
	{"--rate N/min", "requests a minute (or N/s, N/h; 0: no limit)"},
	{"--report-every DURATION", "--follow: a run record this often (5m)"},
	{"--retries N", "retries of a request, 0 to 100 (default 3)"},
	{"--retry-base MS", "the first retry's longest wait (default 500)"},
	{"--since FILE|-", "Yahoo, Polygon: each symbol from its bookmark"},
	{"--overlap N", "--since: ask again for the last N bars (1)"},
	{"--stream CHANNELS", "Polygon: live 1m bars, AM.SYM,... or AM.*"},
	{"--symbol SYM", "CSV: the symbol of files without a symbol column"},
	{"--symbols-file FILE", "symbols to ask for, one a line"},
	{"--to WHEN", "bars up to WHEN (a date or a time; inclusive)"},
	{"--tz ZONE", "CSV: the zone of wall times (America/New_York)"},
	{"--user-agent UA",
	 "the User-Agent sent (SEC: required, with a contact)"},
	{"-V, --version", "print the version and exit"},
	{"-v, --verbose", "more diagnostics: a line a finished request"},
	{"--what KIND", "bars (default), profile or actions"},
	{NULL, NULL},
};

void
extract_usage(FILE *fp)
{
	mdx_help_print(fp, synopsis, help);
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
	OPT_ADJUSTED,
	OPT_UNADJUSTED,
	OPT_KEYFILE,
	OPT_BASE,
	OPT_DRYRUN,
	OPT_GROUPED,
	OPT_MAXTIME,
	OPT_RATE,
	OPT_RETRIES,
	OPT_RETRYBASE,
	OPT_SYMFILE,
	OPT_BASIS,
	OPT_BASISASOF,
	OPT_UA,
	OPT_SINCE,
	OPT_OVERLAP,
	OPT_FOLLOW,
	OPT_EVERY,
	OPT_REPORTEVERY,
	OPT_STREAM,
};

static const struct option longopts[] = {
	{"adjusted", no_argument, NULL, OPT_ADJUSTED},
	{"api-key-file", required_argument, NULL, OPT_KEYFILE},
	{"as-of", required_argument, NULL, OPT_ASOF},
	{"base-url", required_argument, NULL, OPT_BASE},
	{"basis", required_argument, NULL, OPT_BASIS},
	{"basis-as-of", required_argument, NULL, OPT_BASISASOF},
	{"dry-run", no_argument, NULL, OPT_DRYRUN},
	{"every", required_argument, NULL, OPT_EVERY},
	{"follow", no_argument, NULL, OPT_FOLLOW},
	{"from", required_argument, NULL, OPT_FROM},
	{"grouped", no_argument, NULL, OPT_GROUPED},
	{"help", no_argument, NULL, 'h'},
	{"interval", required_argument, NULL, OPT_INTERVAL},
	{"jobs", required_argument, NULL, 'j'},
	{"log-format", required_argument, NULL, OPT_LOGFMT},
	{"max-time", required_argument, NULL, OPT_MAXTIME},
	{"overlap", required_argument, NULL, OPT_OVERLAP},
	{"provider", required_argument, NULL, 'p'},
	{"quiet", no_argument, NULL, 'q'},
	{"rate", required_argument, NULL, OPT_RATE},
	{"report-every", required_argument, NULL, OPT_REPORTEVERY},
	{"retries", required_argument, NULL, OPT_RETRIES},
	{"retry-base", required_argument, NULL, OPT_RETRYBASE},
	{"since", required_argument, NULL, OPT_SINCE},
	{"stream", required_argument, NULL, OPT_STREAM},
	{"symbol", required_argument, NULL, OPT_SYMBOL},
	{"symbols-file", required_argument, NULL, OPT_SYMFILE},
	{"to", required_argument, NULL, OPT_TO},
	{"tz", required_argument, NULL, OPT_TZ},
	{"unadjusted", no_argument, NULL, OPT_UNADJUSTED},
	{"user-agent", required_argument, NULL, OPT_UA},
	{"verbose", no_argument, NULL, 'v'},
	{"version", no_argument, NULL, 'V'},
	{"what", required_argument, NULL, OPT_WHAT},
	{NULL, 0, NULL, 0},
};

/* a whole number in min..max; -1 (reported) when it is not */
static int
whole(const char *opt, const char *val, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(val, &end, 10);
	if (errno != 0 || end == val || *end != '\0' || v < min || v > max) {
		mdx_usage_error("%s: '%.32s' is not a whole number from %ld "
				"to %ld",
				opt, val, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

static int
date_opt(const char *opt, const char *val, int64_t *ms)
{
	struct mdx_err e;
	int32_t day;

	if (mdx_date_parse(val, &day, &e)) {
		mdx_usage_error("%s: %s", opt, e.text);
		return -1;
	}
	*ms = (int64_t)day * MDX_MS_PER_DAY;
	return 0;
}

/* --from/--to: a date or a time (since.c); NULL s: not given */
static int
when_opt(const char *opt, const char *s, const char *tz, int64_t *ms,
	 int32_t *day, int *is_time)
{
	struct mdx_err e;

	if (s == NULL)
		return 0;
	if (extract_when_parse(s, tz, ms, day, is_time, &e)) {
		mdx_log("error", "%s: %s", opt, e.text);
		return -1;
	}
	return 0;
}

/* --every, --report-every: a duration (mdx_duration_parse) of at least
 * min ms; -1 (reported) when it is not */
static int
duration_opt(const char *opt, const char *val, int64_t min, int64_t *ms)
{
	struct mdx_err e;

	if (mdx_duration_parse(val, ms, &e) < 0) {
		mdx_usage_error("%s: %s", opt, e.text);
		return -1;
	}
	if (*ms < min) {
		mdx_usage_error("%s: '%.32s' is shorter than %lld ms", opt, val,
				(long long)min);
		return -1;
	}
	return 0;
}

/* "N", "N/s", "N/min" or "N/h" as requests a minute; 0 is unlimited */
static int
rate_opt(const char *val, double *rate)
{
	static const struct {
		const char *unit;
		double per_min;
	} units[] = {
		{"", 1},      {"/min", 1},	{"/m", 1},	    {"/s", 60},
		{"/sec", 60}, {"/h", 1.0 / 60}, {"/hour", 1.0 / 60}};
	char *end;
	double v;

	errno = 0;
	v = strtod(val, &end);
	if (errno == 0 && end != val && isfinite(v) && v >= 0 && v <= 1e6)
		for (size_t i = 0; i < sizeof(units) / sizeof(*units); i++)
			if (strcasecmp(end, units[i].unit) == 0) {
				*rate = v * units[i].per_min;
				return 0;
			}
	mdx_usage_error("--rate: '%.32s' is not N/min, N/s or N/h (0: no "
			"limit)",
			val);
	return -1;
}

static int
what_opt(const char *val, int *what)
{
	static const char *const names[] = {"bars", "profile", "actions"};

	for (int i = 0; i < 3; i++)
		if (strcmp(val, names[i]) == 0) {
			*what = i;
			return 0;
		}
	mdx_usage_error("--what: '%.32s' is not bars, profile or actions", val);
	return -1;
}

/* one option; 0 to go on, -1 to end well (--help), -2 for an unknown
 * option or a missing value, else the exit status */
static int
one_opt(int ch, const char *arg, struct extract_opts *o, int *logfmt,
	int *verbosity)
{
	long n;

	switch (ch) {
	case 'h':
		extract_usage(stdout);
		return -1;
	case 'j':
		if (whole("-j", arg, 1, 256, &n))
			return MDX_EXIT_USAGE;
		o->jobs = (int)n;
		return 0;
	case 'p':
		o->provider = arg;
		return 0;
	case 'q':
		*verbosity = -1;
		return 0;
	case 'V':
		printf("mdx-extract %s\n", MDX_VERSION);
		return -1;
	case 'v':
		*verbosity = 1;
		return 0;
	case OPT_WHAT:
		return what_opt(arg, &o->what) ? MDX_EXIT_USAGE : 0;
	case OPT_SYMBOL:
		if (!mdx_symbol_valid(arg)) {
			return mdx_usage_error(
				"--symbol: invalid symbol '%.40s'", arg);
		}
		o->symbol = arg;
		return 0;
	case OPT_FROM:
		o->has_from = 1;
		o->from_arg = arg; /* parsed once --tz is known */
		return 0;
	case OPT_TO:
		o->has_to = 1;
		o->to_arg = arg;
		return 0;
	case OPT_SINCE:
		o->since = arg;
		return 0;
	case OPT_FOLLOW:
		o->follow = 1;
		return 0;
	case OPT_EVERY:
		o->has_every = 1;
		return duration_opt("--every", arg, 50, &o->every_ms)
			       ? MDX_EXIT_USAGE
			       : 0;
	case OPT_REPORTEVERY:
		o->has_every = 1;
		return duration_opt("--report-every", arg, 0, &o->report_ms)
			       ? MDX_EXIT_USAGE
			       : 0;
	case OPT_STREAM:
		o->stream = arg;
		return 0;
	case OPT_OVERLAP:
		if (whole("--overlap", arg, 0, 1000, &n))
			return MDX_EXIT_USAGE;
		o->overlap = (int)n;
		return 0;
	case OPT_ASOF: {
		int64_t ms;

		o->as_of = arg;
		return date_opt("--as-of", arg, &ms) ? MDX_EXIT_USAGE : 0;
	}
	case OPT_INTERVAL:
		if ((o->interval = mdx_interval_parse(arg)) < 0) {
			return mdx_usage_error("--interval: '%.32s' is not one "
					       "of " MDX_INTERVAL_NAMES,
					       arg);
		}
		return 0;
	case OPT_TZ:
		if (!mdx_tz_valid(arg)) {
			return mdx_usage_error(
				"--tz: unknown time zone '%.64s'", arg);
		}
		o->tz = arg;
		return 0;
	case OPT_LOGFMT:
		if ((*logfmt = mdx_log_format_parse(arg)) < 0) {
			return mdx_usage_error(
				"--log-format: '%.32s' is not human or json",
				arg);
		}
		return 0;
	case OPT_ADJUSTED:
	case OPT_UNADJUSTED:
		o->adjusted = ch == OPT_ADJUSTED;
		return 0;
	case OPT_KEYFILE:
		o->api_key_file = arg;
		return 0;
	case OPT_BASE:
		o->base_url = arg;
		return 0;
	case OPT_DRYRUN:
		o->dry_run = 1;
		return 0;
	case OPT_GROUPED:
		o->grouped = 1;
		return 0;
	case OPT_MAXTIME:
		if (whole("--max-time", arg, 0, 86400, &o->max_time_s))
			return MDX_EXIT_USAGE;
		return 0;
	case OPT_RATE:
		o->has_rate = 1;
		return rate_opt(arg, &o->rate) ? MDX_EXIT_USAGE : 0;
	case OPT_RETRIES:
		if (whole("--retries", arg, 0, 100, &n))
			return MDX_EXIT_USAGE;
		o->retries = (int)n;
		return 0;
	case OPT_RETRYBASE:
		if (whole("--retry-base", arg, 0, 600000, &o->retry_base_ms))
			return MDX_EXIT_USAGE;
		return 0;
	case OPT_SYMFILE:
		o->symbols_file = arg;
		return 0;
	case OPT_BASIS:
		if (strcmp(arg, "traded") != 0 && strcmp(arg, "split") != 0) {
			mdx_log("error",
				"--basis: '%.32s' is not traded or split", arg);
			return MDX_EXIT_USAGE;
		}
		o->basis = arg[0] == 't' ? EXTRACT_BASIS_TRADED
					 : EXTRACT_BASIS_SPLIT;
		return 0;
	case OPT_BASISASOF: {
		int64_t ms;

		o->basis_as_of = arg;
		return date_opt("--basis-as-of", arg, &ms) ? MDX_EXIT_USAGE : 0;
	}
	case OPT_UA:
		if (arg[0] == '\0' || strpbrk(arg, "\r\n") != NULL) {
			mdx_log("error",
				"--user-agent: empty or holds a line break");
			return MDX_EXIT_USAGE;
		}
		o->user_agent = arg;
		return 0;
	default:
		return -2;
	}
}

/*
 * Parse argv into o (defaults first) and set up diagnostics.  Returns -1
 * to go on (optind is at the operands), or the exit status to end with
 * (0 after --help or --version).
 */
int
extract_opts_parse(int argc, char **argv, struct extract_opts *o)
{
	int ch, rc, verbosity = 0, logfmt = MDX_LOG_HUMAN;

	memset(o, 0, sizeof(*o));
	o->provider = "csv";
	o->interval = MDX_I1D;
	o->tz = "America/New_York";
	o->jobs = 4;
	o->retries = 3;
	o->max_time_s = 120;
	o->retry_base_ms = 500;
	o->adjusted = -1;
	o->basis = EXTRACT_BASIS_UNKNOWN;
	o->overlap = 1;
	o->every_ms = 60000;
	o->report_ms = 300000;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":hj:p:qVv", longopts, NULL)) !=
	       -1) {
		if ((rc = one_opt(ch, optarg, o, &logfmt, &verbosity)) == -2)
			return mdx_log_bad_option(ch, argv);
		if (rc != 0)
			return rc < 0 ? MDX_EXIT_OK : rc;
	}
	mdx_log_init("mdx-extract", logfmt, verbosity);
	if (when_opt("--from", o->from_arg, o->tz, &o->from_ms, &o->from_day,
		     &o->from_is_time) ||
	    when_opt("--to", o->to_arg, o->tz, &o->to_ms, &o->to_day,
		     &o->to_is_time))
		return MDX_EXIT_USAGE;
	if (o->has_from && o->has_to && o->from_ms > o->to_ms) {
		return mdx_usage_error("--from is after --to");
	}
	if (o->has_every && !o->follow)
		return mdx_usage_error(
			"--every and --report-every apply to --follow only");
	/* a progress line would garble JSON diagnostics */
	o->progress = verbosity >= 0 && logfmt == MDX_LOG_HUMAN &&
		      isatty(fileno(stderr));
	return -1;
}
