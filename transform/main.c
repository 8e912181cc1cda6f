/*
 * mdx-transform - raw records to canonical records, rejects on stderr.
 * See mdx-transform(1).
 */
#define _GNU_SOURCE /* F_SETPIPE_SZ */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mdx_alloc.h"
#include "mdx_ndjson.h"
#include "mdx_time.h"
#include "transform_int.h"

static const char synopsis[] =
	"usage: mdx-transform [-qv] [--allow-non-session] [--allow-partial]\n"
	"                     [--fold earlier|later] [--log-format "
	"human|json]\n"
	"                     [--phases FILE] [--rejects FILE] [--tz ZONE] "
	"[FILE ...]\n"
	"       mdx-transform -h | -V\n";

static const struct mdx_help help[] = {
	{"--allow-non-session", "keep daily bars on days without a session"},
	{"--allow-partial", "keep bars that lack open, high or low"},
	{"--fold earlier|later", "which of a repeated wall time (default "
				 "earlier)"},
	{"-h, --help", "print this help and exit"},
	{"--log-format human|json", "diagnostics as text or JSON lines"},
	{"--phases FILE", "label bars with the market phases in FILE"},
	{"-q, --quiet", "errors only"},
	{"--rejects FILE", "also write each rejected record to FILE"},
	{"--tz ZONE", "the zone of records that name none "
		      "(America/New_York)"},
	{"-V, --version", "print the version and exit"},
	{"-v, --verbose", "more diagnostics"},
	{NULL, NULL},
};

enum {
	OPT_ALLOW_PARTIAL = 256,
	OPT_REJECTS,
	OPT_TZ,
	OPT_FOLD,
	OPT_LOGFMT,
	OPT_ALLOW_NON_SESSION,
	OPT_PHASES,
};

static const struct option longopts[] = {
	{"allow-non-session", no_argument, NULL, OPT_ALLOW_NON_SESSION},
	{"allow-partial", no_argument, NULL, OPT_ALLOW_PARTIAL},
	{"fold", required_argument, NULL, OPT_FOLD},
	{"help", no_argument, NULL, 'h'},
	{"log-format", required_argument, NULL, OPT_LOGFMT},
	{"phases", required_argument, NULL, OPT_PHASES},
	{"quiet", no_argument, NULL, 'q'},
	{"rejects", required_argument, NULL, OPT_REJECTS},
	{"tz", required_argument, NULL, OPT_TZ},
	{"verbose", no_argument, NULL, 'v'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

/* read one input to the end; returns 0, or -1 when it could not be read */
/*
 * When the input holds no whole line more and nothing is ready to read (a
 * slow pipe: a live stream), write out the bars held for duplicates and
 * flush: every record reaches the next stage before the next read waits.
 * Duplicates are then replaced only among the records that came together;
 * mdx-load's upsert makes a later one harmless.
 */
static void
stream_idle(struct tf *t, const struct mdx_ndjson_reader *r, FILE *fp)
{
	struct pollfd p = {.fd = fileno(fp), .events = POLLIN};

	if ((r->in_pos < r->in_len &&
	     memchr(r->in + r->in_pos, '\n', r->in_len - r->in_pos) != NULL) ||
	    poll(&p, 1, 0) != 0)
		return;
	tf_flush(t);
	if (fflush(t->out) != 0 && !t->io_failed) {
		mdx_log("error", "<stdout>: write error: %s", strerror(errno));
		t->io_failed = 1;
	}
}

static int
transform_file(struct tf *t, const char *path)
{
	struct mdx_ndjson_reader r;
	struct mdx_err e;
	json_t *rec;
	int is_stdin = strcmp(path, "-") == 0, rc, ret = 0;
	FILE *fp = is_stdin ? stdin : fopen(path, "r");

	if (fp == NULL) {
		mdx_log("error", "%s: %s", path, strerror(errno));
		return -1;
	}
	mdx_ndjson_init(&r, fp, is_stdin ? "<stdin>" : path);
	for (;;) {
		mdx_err_clear(&e);
		rc = mdx_ndjson_next(&r, &rec, &e);
		if (rc == 0)
			break;
		if (rc < 0) {
			if (e.code == MDX_EIO || e.code == MDX_ENOMEM) {
				mdx_log_err("error", &e);
				ret = -1;
				break;
			}
			tf_reject_line(t, &e, r.buf && r.len ? r.buf : NULL);
			continue;
		}
		tf_record(t, rec, r.name, r.line);
		if (t->io_failed)
			break;
		stream_idle(t, &r, fp);
	}
	mdx_ndjson_release(&r);
	if (!is_stdin)
		fclose(fp);
	return ret;
}

static int
operate(int argc, char **argv)
{
	struct tf t = {0};
	struct mdx_run run;
	const char *rejects_path = NULL, *phases_path = NULL;
	int ch, verbosity = 0, logfmt = MDX_LOG_HUMAN, status = MDX_EXIT_OK;
	int nfail = 0;

	t.canon.default_tz = "America/New_York";
	t.canon.fold = MDX_FOLD_EARLIER;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":hqVv", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			mdx_help_print(stdout, synopsis, help);
			return MDX_EXIT_OK;
		case 'q':
			verbosity = -1;
			break;
		case 'V':
			printf("mdx-transform %s\n", MDX_VERSION);
			return MDX_EXIT_OK;
		case 'v':
			verbosity = 1;
			break;
		case OPT_ALLOW_PARTIAL:
			t.canon.allow_partial = 1;
			break;
		case OPT_REJECTS:
			rejects_path = optarg;
			break;
		case OPT_ALLOW_NON_SESSION:
			t.allow_non_session = 1;
			break;
		case OPT_PHASES:
			phases_path = optarg;
			break;
		case OPT_TZ:
			if (!mdx_tz_valid(optarg)) {
				return mdx_usage_error(
					"--tz: unknown time zone '%.64s'",
					optarg);
			}
			t.canon.default_tz = optarg;
			break;
		case OPT_FOLD:
			if (strcmp(optarg, "earlier") == 0)
				t.canon.fold = MDX_FOLD_EARLIER;
			else if (strcmp(optarg, "later") == 0)
				t.canon.fold = MDX_FOLD_LATER;
			else {
				return mdx_usage_error(
					"--fold: '%s' is not earlier or later",
					optarg);
			}
			break;
		case OPT_LOGFMT:
			if ((logfmt = mdx_log_format_parse(optarg)) < 0) {
				return mdx_usage_error(
					"--log-format: '%s' is not human or "
					"json",
					optarg);
			}
			break;
		default:
			return mdx_log_bad_option(ch, argv);
		}
	}
	mdx_log_init("mdx-transform", logfmt, verbosity);
	if (phases_path != NULL) {
		struct mdx_err e;

		mdx_err_clear(&e);
		if ((t.phases = phases_load(phases_path, &e)) == NULL) {
			mdx_log_err("error", &e);
			return e.code == MDX_EIO ? MDX_EXIT_NOINPUT
						 : MDX_EXIT_DATAERR;
		}
	}
	if (rejects_path != NULL &&
	    (t.rejects = fopen(rejects_path, "w")) == NULL) {
		mdx_log("error", "%s: %s", rejects_path, strerror(errno));
		phases_free(t.phases);
		return MDX_EXIT_CANTCREAT;
	}
	if (tf_init(&t) < 0) {
		mdx_log("error", "out of memory");
		if (t.rejects)
			fclose(t.rejects);
		phases_free(t.phases);
		return MDX_EXIT_SOFTWARE;
	}
	mdx_run_start(&run, "mdx-transform", argc, argv, NULL);
	/* a pipe or a file: 64 KiB a write(2) rather than stdio's 4 KiB
	 * (stream_idle still flushes whenever the input pauses) */
	if (!isatty(fileno(stdout)))
		setvbuf(stdout, NULL, _IOFBF, 1 << 16);
#ifdef F_SETPIPE_SZ
	/* a pipe of 1 MiB rather than 64 KiB each way: fewer switches
	 * between the stages (a no-op on anything but a pipe) */
	fcntl(fileno(stdout), F_SETPIPE_SZ, 1 << 20);
	fcntl(fileno(stdin), F_SETPIPE_SZ, 1 << 20);
#endif
	t.out = stdout;
	t.run = &run;
	if (optind == argc)
		nfail += transform_file(&t, "-") < 0;
	for (int i = optind; i < argc && !t.io_failed; i++)
		nfail += transform_file(&t, argv[i]) < 0;
	tf_flush(&t);

	if (t.io_failed)
		status = MDX_EXIT_IOERR;
	else if (nfail > 0 && run.in == 0)
		status = MDX_EXIT_NOINPUT;
	else if (nfail > 0 || run.rejected > 0)
		status = MDX_EXIT_PARTIAL;
	run.status = status == MDX_EXIT_OK	  ? "ok"
		     : status == MDX_EXIT_PARTIAL ? "partial"
						  : "failed";
	if (!t.io_failed) {
		json_t *rr = mdx_run_to_json(&run);
		struct mdx_err e;

		mdx_err_clear(&e);
		if (rr == NULL || mdx_ndjson_write(stdout, rr, &e) < 0)
			status = MDX_EXIT_IOERR;
		json_decref(rr);
	}
	if (verbosity >= 0 && (run.rejected || run.duplicates))
		mdx_log("info",
			"%lld in, %lld out, %lld rejected, %lld duplicates "
			"replaced",
			run.in, run.out, run.rejected, run.duplicates);
	tf_release(&t);
	phases_free(t.phases);
	mdx_run_release(&run);
	if (t.rejects != NULL && fclose(t.rejects) != 0) {
		mdx_log("error", "%s: %s", rejects_path, strerror(errno));
		status = MDX_EXIT_IOERR;
	}
	return status;
}

int
main(int argc, char **argv)
{
	mdx_alloc_init();
	mdx_log_init("mdx-transform", MDX_LOG_HUMAN, 0);
	return mdx_close_stdout(operate(argc, argv));
}
