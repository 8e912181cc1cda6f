/* cli.c - exit statuses, formats, diagnostics and run records. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mdx_alloc.h"
#include "mdx_cli.h"
#include "mdx_ndjson.h"
#include "mdx_time.h"

static const char *const format_names[] = {"ndjson", "table", "csv",
					   "tsv",    "json",  "svg"};

int
mdx_format_parse(const char *s)
{
	for (size_t i = 0; i < sizeof(format_names) / sizeof(*format_names);
	     i++)
		if (strcmp(s, format_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *
mdx_format_name(int fmt)
{
	if (fmt < 0 ||
	    fmt >= (int)(sizeof(format_names) / sizeof(*format_names)))
		return "?";
	return format_names[fmt];
}

int
mdx_format_default(FILE *fp)
{
	return isatty(fileno(fp)) ? MDX_FMT_TABLE : MDX_FMT_NDJSON;
}

const char *
mdx_db_path(const char *opt)
{
	const char *env = getenv("MDX_DB");

	if (opt != NULL)
		return opt;
	if (env != NULL && *env != '\0')
		return env;
	return "market.db";
}

static const char *log_prog = "mdx";
static int log_format = MDX_LOG_HUMAN;
static int log_verbosity;
static int log_tty;   /* stderr is a terminal */
static int log_drawn; /* a status line of ours is on the screen */

/* erases the cursor's row, whoever wrote it: carriage return, then EL */
#define CLEAR_LINE "\r\033[K"

void
mdx_log_init(const char *prog, int format, int verbosity)
{
	log_prog = prog;
	log_format = format;
	log_verbosity = verbosity;
	log_tty = isatty(STDERR_FILENO);
}

int
mdx_log_status_shown(void)
{
	return log_tty && log_format == MDX_LOG_HUMAN && log_verbosity >= 0;
}

void
mdx_log_status(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!mdx_log_status_shown())
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "\r%s: %s\033[K", log_prog, msg);
	fflush(stderr);
	log_drawn = 1;
}

void
mdx_log_status_clear(void)
{
	if (!log_drawn)
		return;
	fputs(CLEAR_LINE, stderr);
	fflush(stderr);
	log_drawn = 0;
}

int
mdx_log_format_parse(const char *s)
{
	if (strcmp(s, "human") == 0)
		return MDX_LOG_HUMAN;
	if (strcmp(s, "json") == 0)
		return MDX_LOG_JSON;
	return -1;
}

static int
log_wanted(const char *level)
{
	if (strcmp(level, "error") == 0)
		return 1;
	if (strcmp(level, "debug") == 0)
		return log_verbosity > 0;
	return log_verbosity >= 0;
}

static void
log_line(const char *level, const char *msg, const struct mdx_err *e)
{
	if (log_format == MDX_LOG_JSON) {
		json_t *o = json_pack("{s:s,s:s,s:s}", "level", level, "prog",
				      log_prog, "msg", msg);

		if (o != NULL && e != NULL) {
			if (e->file[0])
				json_object_set_new(o, "input",
						    json_string(e->file));
			if (e->line > 0)
				json_object_set_new(o, "line",
						    json_integer(e->line));
			if (e->field[0])
				json_object_set_new(o, "field",
						    json_string(e->field));
		}
		if (o != NULL) {
			json_dumpf(o, stderr, MDX_JSON_FLAGS);
			fputc('\n', stderr);
			json_decref(o);
			return;
		}
	}
	/* on a terminal, erase any status line on this row first (ours or
	 * another tool's): the message then starts at the left margin */
	if (log_tty)
		fputs(CLEAR_LINE, stderr);
	log_drawn = 0;
	if (strcmp(level, "warning") == 0)
		fprintf(stderr, "%s: warning: %s\n", log_prog, msg);
	else
		fprintf(stderr, "%s: %s\n", log_prog, msg);
}

void
mdx_log(const char *level, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	if (!log_wanted(level))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_line(level, msg, NULL);
}

void
mdx_log_err(const char *level, const struct mdx_err *e)
{
	char msg[1024];

	if (!log_wanted(level))
		return;
	if (log_format == MDX_LOG_JSON)
		snprintf(msg, sizeof(msg), "%s", e->text);
	else
		mdx_err_str(e, msg, sizeof(msg));
	log_line(level, msg, e);
}

int
mdx_usage_error(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	mdx_log("error", "%s; see '%s --help'", msg, log_prog);
	return MDX_EXIT_USAGE;
}

int
mdx_log_bad_option(int c, char **argv)
{
	char shortopt[3] = {'-', (char)optopt, '\0'};
	const char *opt = optind > 0 ? argv[optind - 1] : "";

	if (strncmp(opt, "--", 2) != 0)
		opt = shortopt;
	if (c == ':')
		return mdx_usage_error("option '%s' needs a value", opt);
	return mdx_usage_error("unknown option '%s'", opt);
}

void
mdx_help_print(FILE *fp, const char *synopsis, const struct mdx_help *help)
{
	int w = 0;

	for (size_t i = 0; help[i].opt != NULL; i++) {
		int n = (int)strlen(help[i].opt);

		if (n > w && n <= 28)
			w = n;
	}
	fputs(synopsis, fp);
	fputs("options:\n", fp);
	for (size_t i = 0; help[i].opt != NULL; i++) {
		if ((int)strlen(help[i].opt) > w)
			fprintf(fp, "  %s\n  %-*s  %s\n", help[i].opt, w, "",
				help[i].text);
		else
			fprintf(fp, "  %-*s  %s\n", w, help[i].opt,
				help[i].text);
	}
}

int
mdx_exit_for(int code)
{
	switch (code) {
	case MDX_OK:
		return MDX_EXIT_OK;
	case MDX_EUSAGE:
		return MDX_EXIT_USAGE;
	case MDX_EINPUT:
	case MDX_ETOOBIG:
		return MDX_EXIT_DATAERR;
	case MDX_EIO:
		return MDX_EXIT_IOERR;
	case MDX_ETEMP:
		return MDX_EXIT_TEMPFAIL;
	case MDX_ENOTFOUND:
	case MDX_EPERM:
		return MDX_EXIT_PARTIAL;
	case MDX_EDB:
		return MDX_EXIT_CANTCREAT;
	default:
		return MDX_EXIT_SOFTWARE;
	}
}

int
mdx_close_stdout(int status)
{
	int bad = 0;

	if (fflush(stdout) != 0 || ferror(stdout))
		bad = errno ? errno : EIO;
	if (fclose(stdout) != 0 && !bad)
		bad = errno ? errno : EIO;
	if (bad && bad != EPIPE) {
		mdx_log("error", "<stdout>: %s", strerror(bad));
		return MDX_EXIT_IOERR;
	}
	return status;
}

static int
is_secret(const char *arg, const char *const *secret_opts, int *inl)
{
	*inl = 0;
	if (secret_opts == NULL)
		return 0;
	for (size_t i = 0; secret_opts[i]; i++) {
		size_t n = strlen(secret_opts[i]);

		if (strncmp(arg, secret_opts[i], n) != 0)
			continue;
		if (arg[n] == '\0')
			return 1;
		if (arg[n] == '=') {
			*inl = 1;
			return 1;
		}
	}
	return 0;
}

char *
mdx_args_string(int argc, char **argv, const char *const *secret_opts)
{
	size_t len = 1;
	char *s, *p;
	int inl, redact_next = 0;

	for (int i = 1; i < argc; i++)
		len += strlen(argv[i]) + 12;
	if ((s = mdx_malloc(len)) == NULL)
		return NULL;
	p = s;
	*p = '\0';
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		size_t room = len - (size_t)(p - s);
		int w;

		if (redact_next) {
			w = snprintf(p, room, "%sREDACTED", i > 1 ? " " : "");
			redact_next = 0;
		} else if (is_secret(a, secret_opts, &inl)) {
			if (inl)
				w = snprintf(p, room, "%s%.*s=REDACTED",
					     i > 1 ? " " : "",
					     (int)(strchr(a, '=') - a), a);
			else {
				w = snprintf(p, room, "%s%s", i > 1 ? " " : "",
					     a);
				redact_next = 1;
			}
		} else {
			w = snprintf(p, room, "%s%s", i > 1 ? " " : "", a);
		}
		if (w < 0 || (size_t)w >= room)
			break;
		p += w;
	}
	return s;
}

void
mdx_run_start(struct mdx_run *r, const char *tool, int argc, char **argv,
	      const char *const *secret_opts)
{
	memset(r, 0, sizeof(*r));
	r->tool = tool;
	r->started = mdx_now_ms();
	r->status = "ok";
	r->args = mdx_args_string(argc, argv, secret_opts);
}

void
mdx_run_fail(struct mdx_run *r, const char *symbol)
{
	size_t i;
	json_t *v;

	if (r->failed == NULL && (r->failed = json_array()) == NULL)
		return;
	json_array_foreach (r->failed, i, v) {
		if (strcmp(json_string_value(v), symbol) == 0)
			return;
	}
	json_array_append_new(r->failed, json_string(symbol));
}

const char *
mdx_kind_name(int kind)
{
	static const char *const names[MDX_KIND_N] = {
		"bars", "instruments", "facts", "actions", "runs"};

	return kind >= 0 && kind < MDX_KIND_N ? names[kind] : "?";
}

/* mdx-load's counts into its run record o; -1 when out of memory */
static int
run_load_json(const struct mdx_run *r, json_t *o)
{
	const struct mdx_run_kind *bars = &r->kinds[MDX_KIND_BAR];
	json_t *kinds = json_object();
	int bad = kinds == NULL;

	/* the top-level counts are of bars, as before kinds came */
	bad |= json_object_set_new(o, "inserted", json_integer(bars->inserted));
	bad |= json_object_set_new(o, "updated", json_integer(bars->updated));
	bad |= json_object_set_new(o, "unchanged",
				   json_integer(bars->unchanged));
	for (int k = 0; k < MDX_KIND_N && !bad; k++) {
		const struct mdx_run_kind *c = &r->kinds[k];

		if (k != MDX_KIND_BAR &&
		    c->inserted + c->updated + c->unchanged == 0)
			continue;
		bad |= json_object_set_new(
			kinds, mdx_kind_name(k),
			json_pack("{s:I,s:I,s:I}", "inserted",
				  (json_int_t)c->inserted, "updated",
				  (json_int_t)c->updated, "unchanged",
				  (json_int_t)c->unchanged));
	}
	bad |= json_object_set_new(o, "kinds", kinds);
	bad |= json_object_set_new(o, "facts_no_as_of",
				   json_integer(r->facts_no_as_of));
	bad |= json_object_set_new(o, "rolled_back",
				   json_integer(r->rolled_back));
	return bad ? -1 : 0;
}

json_t *
mdx_run_to_json(const struct mdx_run *r)
{
	char s1[MDX_RFC3339_LEN], s2[MDX_RFC3339_LEN];
	int64_t fin = r->finished ? r->finished : mdx_now_ms();
	json_t *o;

	o = json_pack(
		"{s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:I}", "type", "run",
		"tool", r->tool, "started", mdx_rfc3339_format(r->started, s1),
		"finished", mdx_rfc3339_format(fin, s2), "status", r->status,
		"in", (json_int_t)r->in, "out", (json_int_t)r->out, "rejected",
		(json_int_t)r->rejected, "dropped", (json_int_t)r->dropped,
		"duplicates", (json_int_t)r->duplicates);
	if (o == NULL)
		return NULL;
	if (strcmp(r->tool, "mdx-load") == 0 && run_load_json(r, o)) {
		json_decref(o);
		return NULL;
	}
	if (strcmp(r->tool, "mdx-extract") == 0) {
		json_object_set_new(o, "requests", json_integer(r->requests));
		json_object_set_new(o, "retries", json_integer(r->retries));
		json_object_set_new(o, "pages", json_integer(r->pages));
		json_object_set_new(o, "bytes", json_integer(r->bytes));
	}
	json_object_set_new(o, "failed",
			    r->failed ? json_copy(r->failed) : json_array());
	json_object_set_new(o, "args", json_string(r->args ? r->args : ""));
	return o;
}

void
mdx_run_release(struct mdx_run *r)
{
	json_decref(r->failed);
	r->failed = NULL;
	mdx_free(r->args);
	r->args = NULL;
}
