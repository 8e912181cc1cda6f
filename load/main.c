/*
 * mdx-load - canonical records (NDJSON) into the SQLite store.
 *
 * Every record of every input is checked and upserted; a record that is
 * not valid is reported with its line and skipped, the rest is loaded.
 * A reader thread parses and checks (reader.c); this file writes.
 * Writes go in batches of --batch records, one transaction each, so that a
 * crash loses at most the open batch.  At the end mdx-load appends its own
 * run record to the store.  See mdx-load(1).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "load_int.h"
#include "mdx_alloc.h"
#include "mdx_cli.h"
#include "mdx_store.h"
#include "mdx_time.h"

#define DEFAULT_BATCH 5000
#define MAX_BATCH 10000000L

struct load {
	struct mdx_store *s; /* the store, open and migrated */
	long batch;	     /* records a transaction */
	long pending;	     /* records in the open transaction */
	struct mdx_run_kind open[MDX_KIND_N]; /* what the open one wrote */
	struct mdx_run run;   /* counts, and the run record at the end */
	int64_t drawn;	      /* when the progress line was drawn (mono ms) */
	long long raw;	      /* raw bars (no "ts") rejected */
	const char *raw_name; /* where the first one was: input name */
	long raw_line;	      /* and line */
	int64_t interval_ms;  /* --commit-interval, 0: none */
	int64_t begun_ms;     /* mdx_mono_ms() when the open batch began */
	int status;	      /* exit status of a fatal error, else 0 */
};

static const char synopsis[] =
	"usage: mdx-load [-hqVv] [--batch N] [--commit-interval S] [--db "
	"FILE]\n"
	"                [--log-format human|json] [FILE ...]\n";

static const struct mdx_help help[] = {
	{"--batch N", "records a transaction (default 5000)"},
	{"--commit-interval S",
	 "commit an open batch after S seconds (default 1; 0: never)"},
	{"--db FILE", "the store (default $MDX_DB, else ./market.db)"},
	{"-h, --help", "print this help and exit"},
	{"--log-format human|json", "diagnostics as text or JSON lines"},
	{"-q, --quiet", "errors only: no summary, no progress line"},
	{"-V, --version", "print the version and exit"},
	{"-v, --verbose", "also report each committed batch"},
	{NULL, NULL},
};

/* --commit-interval: seconds, 0 to 3600, decimals allowed; 0 is none */
static int
interval_opt(const char *s, int64_t *ms)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end != '\0' || !(v >= 0 && v <= 3600)) {
		mdx_usage_error(
			"--commit-interval: '%.32s' is not seconds from "
			"0 to 3600",
			s);
		return -1;
	}
	*ms = (int64_t)(v * 1000 + 0.5);
	return 0;
}

/* a fatal error: report it and keep its exit status (the first one) */
static void
fatal(struct load *l, const struct mdx_err *e)
{
	mdx_log_err("error", e);
	if (l->status != 0)
		return;
	/* the store was open: what fails now is I/O, a lock held too long
	 * by another writer, or memory */
	l->status = e->code == MDX_ETEMP    ? MDX_EXIT_TEMPFAIL
		    : e->code == MDX_ENOMEM ? MDX_EXIT_SOFTWARE
					    : MDX_EXIT_IOERR;
}

/* the progress line (a terminal only), redrawn at most 10 times a second */
static void
progress(struct load *l)
{
	int64_t now = mdx_mono_ms();

	if (!mdx_log_status_shown() || now - l->drawn < 100)
		return;
	l->drawn = now;
	mdx_log_status("%lld records", l->run.in);
}

/* the open batch is gone (rolled back): count what it held as such */
static void
batch_lost(struct load *l)
{
	for (int k = 0; k < MDX_KIND_N; k++) {
		if (k != MDX_KIND_FACT) /* facts ride on instruments */
			l->run.rolled_back += l->open[k].inserted +
					      l->open[k].updated +
					      l->open[k].unchanged;
		memset(&l->open[k], 0, sizeof(l->open[k]));
	}
}

static int
commit(struct load *l)
{
	struct mdx_err e;

	mdx_err_clear(&e);
	if (l->pending == 0)
		return 0;
	if (mdx_store_commit(l->s, &e)) {
		fatal(l, &e);
		return -1;
	}
	/* only what is committed counts */
	for (int k = 0; k < MDX_KIND_N; k++) {
		l->run.kinds[k].inserted += l->open[k].inserted;
		l->run.kinds[k].updated += l->open[k].updated;
		l->run.kinds[k].unchanged += l->open[k].unchanged;
		memset(&l->open[k], 0, sizeof(l->open[k]));
	}
	mdx_log("debug", "committed %ld records (%lld in so far)", l->pending,
		l->run.in);
	l->pending = 0;
	progress(l);
	return 0;
}

/* count rc (an enum mdx_put) for kind in the open batch */
static void
count(struct load *l, int kind, int rc)
{
	if (rc == MDX_PUT_INSERTED)
		l->open[kind].inserted++;
	else if (rc == MDX_PUT_UPDATED)
		l->open[kind].updated++;
	else if (rc == MDX_PUT_UNCHANGED)
		l->open[kind].unchanged++;
	else if (rc == MDX_PUT_NO_DATE)
		l->run.facts_no_as_of++;
}

/* store one checked item (a bar or another record); -1 on a fatal error */
static int
store_item(struct load *l, struct item *it)
{
	struct mdx_err e;
	int rc, kind, fact = MDX_PUT_NONE;

	mdx_err_clear(&e);
	if (l->pending == 0 && mdx_store_begin(l->s, &e)) {
		fatal(l, &e);
		return -1;
	}
	if (l->pending == 0)
		l->begun_ms = mdx_mono_ms();
	if (it->kind == ITEM_BAR) {
		kind = MDX_KIND_BAR;
		rc = mdx_store_put_bar_as(l->s, &it->bar, &it->basis, &e);
	} else if (it->type == MDX_REC_INSTRUMENT) {
		kind = MDX_KIND_INSTRUMENT;
		if (mdx_store_put_instrument_rows(l->s, it->rec, &rc, &fact,
						  &e))
			rc = -1;
	} else if (it->type == MDX_REC_ACTION) {
		kind = MDX_KIND_ACTION;
		rc = mdx_store_put_action(l->s, it->rec, &e);
	} else {
		kind = MDX_KIND_RUN;
		rc = mdx_store_put_run(l->s, it->rec, &e);
	}
	if (rc < 0 && e.code != MDX_EINPUT) {
		fatal(l, &e);
		return -1;
	}
	l->pending++;
	if (rc >= 0) {
		count(l, kind, rc);
		count(l, MDX_KIND_FACT, fact);
	} else { /* refused by a constraint of the store */
		mdx_err_where(&e, it->name, it->line);
		mdx_log_err("error", &e);
		l->run.rejected++;
	}
	if (l->pending >= l->batch)
		return commit(l);
	return 0;
}

/* the items of one chunk; 1 at the end of input, -1 on a fatal error */
static int
load_chunk(struct load *l, struct chunk *c, int *noinput)
{
	for (int i = 0; i < c->n; i++) {
		struct item *it = &c->items[i];
		int rc = 0;

		switch (it->kind) {
		case ITEM_BAR:
		case ITEM_RECORD:
			l->run.in++;
			rc = store_item(l, it);
			json_decref(it->rec);
			it->rec = NULL;
			break;
		case ITEM_REJECT:
			l->run.in++;
			l->run.rejected++;
			if (!it->raw)
				mdx_log_err("error", &it->e);
			else if (l->raw++ == 0) {
				l->raw_name = it->name;
				l->raw_line = it->line;
			}
			break;
		case ITEM_NOFILE:
			mdx_log_err("error", &it->e);
			*noinput = 1;
			break;
		case ITEM_FATAL:
			fatal(l, &it->e);
			rc = -1;
			break;
		case ITEM_END:
			return 1;
		}
		if (rc < 0) {
			/* free what this chunk still owns */
			for (int j = i + 1; j < c->n; j++) {
				json_decref(c->items[j].rec);
				c->items[j].rec = NULL;
			}
			return -1;
		}
	}
	return 0;
}

/* append mdx-load's run record; a failure here is only reported */
static void
record_run(struct load *l)
{
	struct mdx_err e;
	json_t *rec;

	mdx_err_clear(&e);
	l->run.out = 0;
	for (int k = 0; k < MDX_KIND_N; k++)
		if (k != MDX_KIND_FACT) /* facts ride on instruments */
			l->run.out += l->run.kinds[k].inserted +
				      l->run.kinds[k].updated +
				      l->run.kinds[k].unchanged;
	l->run.status = l->status	  ? "failed"
			: l->run.rejected ? "partial"
					  : "ok";
	if ((rec = mdx_run_to_json(&l->run)) == NULL) {
		mdx_log("warning", "run record not stored: out of memory");
		return;
	}
	if (mdx_store_put_run(l->s, rec, &e) < 0)
		mdx_log("warning", "run record not stored: %s", e.text);
	json_decref(rec);
}

/* append the text of fmt to buf (n bytes, *len used), cut at its end */
static void append(char *buf, size_t n, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
append(char *buf, size_t n, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int w;

	va_start(ap, fmt);
	w = vsnprintf(buf + *len, n - *len, fmt, ap);
	va_end(ap);
	if (w > 0)
		*len += (size_t)w < n - *len ? (size_t)w : n - *len - 1;
}

/*
 * The summary line: "N in, N rejected; bars: N inserted, N updated, N
 * unchanged; runs: N recorded", with the other kinds when the input had
 * any, the runs already stored, the facts not stored, what was rolled
 * back, and the time.
 */
static void
summary(const struct load *l, int64_t t0)
{
	char buf[1024];
	size_t len = 0, n = sizeof(buf);

	append(buf, n, &len, "%lld in, %lld rejected", l->run.in,
	       l->run.rejected);
	for (int k = 0; k < MDX_KIND_N; k++) {
		const struct mdx_run_kind *c = &l->run.kinds[k];
		long long none = k == MDX_KIND_FACT ? l->run.facts_no_as_of : 0;

		if (k != MDX_KIND_BAR &&
		    c->inserted + c->updated + c->unchanged + none == 0)
			continue;
		if (k == MDX_KIND_RUN) {
			append(buf, n, &len, "; runs: %lld recorded",
			       c->inserted);
			if (c->unchanged)
				append(buf, n, &len, ", %lld already stored",
				       c->unchanged);
			continue;
		}
		append(buf, n, &len,
		       "; %s: %lld inserted, %lld updated, %lld unchanged",
		       mdx_kind_name(k), c->inserted, c->updated, c->unchanged);
		if (none)
			append(buf, n, &len, ", %lld not stored", none);
	}
	if (l->run.rolled_back)
		append(buf, n, &len, "; %lld rolled back", l->run.rolled_back);
	mdx_log("info", "%s; %.1f s", buf,
		(double)(mdx_mono_ms() - t0) / 1000.0);
}

/* what was left out, said once with its count rather than once a line */
static void
report_dropped(const struct load *l)
{
	if (l->raw > 0)
		mdx_log("error",
			"%lld records are raw bars (no 'ts'; the first at "
			"%s:%ld): run them through mdx-transform first",
			l->raw, l->raw_name, l->raw_line);
	if (l->run.facts_no_as_of > 0)
		mdx_log("warning",
			"%lld instrument records carry market_cap or "
			"shares_outstanding but no as_of: those facts were "
			"not stored (a fact is kept with its date; give "
			"mdx-extract --as-of DATE)",
			l->run.facts_no_as_of);
}

/* load every operand (none: stdin); returns the exit status */
static int
load_all(struct load *l, int n, char **files)
{
	struct reader r;
	struct mdx_err e;
	int noinput = 0, rc = 0;

	mdx_err_clear(&e);
	if (reader_start(&r, n, files, &e)) {
		fatal(l, &e);
		reader_finish(&r);
		return l->status;
	}
	while (rc == 0) {
		/* an open transaction is committed --commit-interval after
		 * it began, whether more input comes or not */
		int timed = l->pending > 0 && l->interval_ms > 0;
		struct chunk *c =
			timed ? reader_next_until(&r,
						  l->begun_ms + l->interval_ms)
			      : reader_next(&r);

		if (c == NULL) {
			rc = commit(l);
			continue;
		}
		rc = load_chunk(l, c, &noinput);
		reader_done(&r);
		if (rc == 0 && timed &&
		    mdx_mono_ms() >= l->begun_ms + l->interval_ms)
			rc = commit(l);
	}
	reader_finish(&r);
	if (l->status == 0)
		commit(l);
	if (l->status != 0) {
		mdx_store_rollback(l->s); /* the open batch only */
		batch_lost(l);
	}
	mdx_log_status_clear();
	report_dropped(l);
	record_run(l);
	if (l->status != 0)
		return l->status;
	if (noinput)
		return MDX_EXIT_NOINPUT;
	return l->run.rejected > 0 ? MDX_EXIT_PARTIAL : MDX_EXIT_OK;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"batch", required_argument, NULL, 'b'},
		{"commit-interval", required_argument, NULL, 'c'},
		{"db", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{"log-format", required_argument, NULL, 'l'},
		{"quiet", no_argument, NULL, 'q'},
		{"verbose", no_argument, NULL, 'v'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	struct load l = {.batch = DEFAULT_BATCH, .interval_ms = 1000};
	const char *db = NULL;
	struct mdx_err e;
	int c, verbosity = 0, logfmt = MDX_LOG_HUMAN, status;
	int64_t t0 = mdx_mono_ms();
	char *end;

	mdx_alloc_init();
	/* one thread (this one) uses the store: no mutex a call on the
	 * connection, and no memory statistics (a mutex a malloc); set before
	 * SQLite starts, as sqlite3_config(3) requires */
	sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	signal(SIGPIPE, SIG_IGN);
	mdx_log_init("mdx-load", MDX_LOG_HUMAN, 0);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hqVv", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			errno = 0;
			l.batch = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end != '\0' ||
			    l.batch < 1 || l.batch > MAX_BATCH) {
				return mdx_usage_error(
					"--batch: '%s' is not a whole number "
					"from 1 to %ld",
					optarg, MAX_BATCH);
			}
			break;
		case 'c':
			if (interval_opt(optarg, &l.interval_ms) < 0)
				return MDX_EXIT_USAGE;
			break;
		case 'd':
			db = optarg;
			break;
		case 'h':
			mdx_help_print(stdout, synopsis, help);
			return mdx_close_stdout(MDX_EXIT_OK);
		case 'l':
			if ((logfmt = mdx_log_format_parse(optarg)) < 0) {
				return mdx_usage_error(
					"--log-format: '%s' is not human or "
					"json",
					optarg);
			}
			break;
		case 'q':
			verbosity = -1;
			break;
		case 'V':
			printf("mdx-load %s\n", MDX_VERSION);
			return mdx_close_stdout(MDX_EXIT_OK);
		case 'v':
			verbosity = 1;
			break;
		default:
			return mdx_log_bad_option(c, argv);
		}
	}
	mdx_log_init("mdx-load", logfmt, verbosity);
	db = mdx_db_path(db);
	mdx_err_clear(&e);
	if ((l.s = mdx_store_open(db, MDX_STORE_CREATE, &e)) == NULL ||
	    mdx_store_migrate(l.s, 0, &e)) {
		mdx_log_err("error", &e);
		mdx_store_close(l.s);
		return MDX_EXIT_CANTCREAT;
	}
	mdx_run_start(&l.run, "mdx-load", argc, argv, NULL);
	mdx_store_set_run(l.s, "mdx-load", l.run.started);
	status = load_all(&l, argc - optind, argv + optind);
	summary(&l, t0);
	if (mdx_store_reconverted(l.s) > 0)
		mdx_log("info",
			"%ld stored bars re-converted for splits they had "
			"not been converted with",
			mdx_store_reconverted(l.s));
	mdx_run_release(&l.run);
	mdx_store_close(l.s);
	return mdx_close_stdout(status);
}
