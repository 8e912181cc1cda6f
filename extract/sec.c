/*
 * sec.c - mdx-extract -p sec: shares outstanding from SEC EDGAR's XBRL
 * API, keyless, point in time:
 *
 *	GET https://www.sec.gov/files/company_tickers.json  (once a run: the
 *	    ticker -> CIK map, {"0":{"cik_str":320193,"ticker":"AAPL",
 *	    "title":"Apple Inc."},...})
 *	GET https://data.sec.gov/api/xbrl/companyfacts/CIK##########.json
 *	    (a symbol: its company facts, the CIK zero-padded to 10 digits)
 *
 * With --base-url both paths are asked of that one host (a proxy, the
 * tests' replay server).  From the company facts, every entry of
 * facts.dei.EntityCommonStockSharesOutstanding.units.shares[]
 * ({end, val, accn, fy, fp, form, filed, frame}: the cover-page count of a
 * filing, dei = the SEC's Document and Entity Information taxonomy)
 * becomes an instrument record, oldest filing first:
 *
 *	{"type":"instrument","symbol":"NVDA","shares_outstanding":2504000000,
 *	 "as_of":"2021-05-26","period_end":"2021-05-21","source":"sec"}
 *
 * as_of is the filed date (when the count became known), period_end the
 * date it describes (BASIS-SPEC.md).  The same (end, val, filed) listed
 * under several forms or frames is written once; each distinct filed date
 * is kept: that is the history.  --from/--to select by filed date.
 *
 * SEC's fair-access rules (https://www.sec.gov/os/accessing-edgar-data):
 * a User-Agent that names the caller and a contact e-mail, and at most 10
 * requests a second.  mdx-extract refuses to run without one
 * (--user-agent, or MDX_SEC_USER_AGENT) and to go faster than 600 a
 * minute.
 */
#include <stdlib.h>
#include <string.h>

#include "extract_int.h"
#include "mdx_alloc.h"
#include "mdx_time.h"

/* SEC: "current max request rate: 10 requests/second" */
#define SEC_RATE_MAX 600.0
#define SEC_UA_ENV "MDX_SEC_USER_AGENT"
#define SEC_TICKERS_HOST "https://www.sec.gov"
#define SEC_TICKERS_PATH "/files/company_tickers.json"

static int
s_check(const struct extract_opts *o, struct mdx_err *e)
{
	const char *ua = o->user_agent ? o->user_agent : getenv(SEC_UA_ENV);

	if (o->grouped)
		return mdx_err_set(e, MDX_EUSAGE, "--grouped is polygon's");
	if (o->what == WHAT_ACTIONS)
		return mdx_err_set(e, MDX_EUSAGE,
				   "--what actions: SEC gives share counts "
				   "only (--what profile, the default here)");
	if (ua == NULL || *ua == '\0' || strchr(ua, '@') == NULL)
		return mdx_err_set(
			e, MDX_EUSAGE,
			"SEC asks every client to name itself and a contact: "
			"give --user-agent 'Name contact@example.com' or set "
			"%s (see https://www.sec.gov/os/accessing-edgar-data)",
			SEC_UA_ENV);
	if (o->has_rate && (o->rate <= 0 || o->rate > SEC_RATE_MAX))
		return mdx_err_set(e, MDX_EUSAGE,
				   "--rate: SEC allows at most 10 requests a "
				   "second (600/min)");
	return 0;
}

/* a ticker as SEC spells it and as the user did: '.', '-' and '/' alike
 * (BRK.B, BRK-B, BRK/B), case ignored */
static int
same_ticker(const char *a, const char *b)
{
	for (;; a++, b++) {
		int x = *a == '.' || *a == '/' ? '-' : *a;
		int y = *b == '.' || *b == '/' ? '-' : *b;

		if (x >= 'a' && x <= 'z')
			x -= 32;
		if (y >= 'a' && y <= 'z')
			y -= 32;
		if (x != y)
			return 0;
		if (x == '\0')
			return 1;
	}
}

/* company_tickers.json: give each job its CIK */
static int
tickers(void *u, const struct mdx_http_resp *r, struct mdx_err *e)
{
	struct fetch *f = u;
	json_t *root = fetch_json(r, e), *ent;
	struct fetch_job *jobs;
	const char *key;
	size_t n;

	if (root == NULL)
		return -1;
	jobs = fetch_jobs(f, &n);
	json_object_foreach (root, key, ent) {
		const char *tk =
			json_string_value(json_object_get(ent, "ticker"));
		double cik;

		if (tk == NULL ||
		    fetch_number(json_object_get(ent, "cik_str"), &cik) <= 0 ||
		    !(cik > 0 && cik < 1e10))
			continue;
		for (size_t i = 0; i < n; i++)
			/* the first listing of a ticker wins */
			if (jobs[i].id == 0 && same_ticker(tk, jobs[i].name))
				jobs[i].id = (long long)cik;
	}
	json_decref(root);
	return 0;
}

static int
s_prepare(struct fetch *f, struct mdx_err *e)
{
	const char *base =
		fetch_ctx(f)->o->base_url ? fetch_base(f) : SEC_TICKERS_HOST;
	size_t n = strlen(base) + sizeof(SEC_TICKERS_PATH);
	char *url = mdx_malloc(n);
	int ret;

	if (url == NULL)
		return mdx_err_set(e, MDX_ENOMEM, "out of memory");
	snprintf(url, n, "%s%s", base, SEC_TICKERS_PATH);
	ret = fetch_get_sync(f, url, tickers, f, e);
	mdx_free(url);
	return ret;
}

static int
s_start(struct fetch *f, struct fetch_job *j, struct mdx_err *e)
{
	if (fetch_ctx(f)->o->dry_run)
		return 0; /* the CIKs come with the map, which was not asked */
	if (j->id == 0)
		return mdx_err_set(e, MDX_EPERM,
				   "not in SEC's ticker list "
				   "(company_tickers.json)");
	return fetch_get(f, j, 0, e, "/api/xbrl/companyfacts/CIK%010lld.json",
			 j->id);
}

/* one entry of units.shares[] */
struct fact {
	int32_t end, filed; /* days since the epoch */
	json_int_t val;	    /* shares */
};

static int
by_filed(const void *a, const void *b)
{
	const struct fact *x = a, *y = b;

	if (x->filed != y->filed)
		return (x->filed > y->filed) - (x->filed < y->filed);
	if (x->end != y->end)
		return (x->end > y->end) - (x->end < y->end);
	return (x->val > y->val) - (x->val < y->val);
}

/* a "YYYY-MM-DD" field of v as days; -1 when it is not one */
static int
day_of(const json_t *v, const char *key, int32_t *day)
{
	const char *s = json_string_value(json_object_get(v, key));

	return s != NULL && mdx_date_parse(s, day, NULL) == 0 ? 0 : -1;
}

static int
s_parse(struct fetch *f, struct fetch_job *j, int kind,
	const struct mdx_http_resp *r, struct mdx_err *e)
{
	json_t *root = fetch_json(r, e), *v;
	const json_t *a;
	struct fact *fs = NULL;
	size_t n = 0, i;
	long dropped = 0;
	int ret = -1;

	(void)kind;
	if (root == NULL)
		return -1;
	a = json_object_get(
		json_object_get(
			json_object_get(
				json_object_get(json_object_get(root, "facts"),
						"dei"),
				"EntityCommonStockSharesOutstanding"),
			"units"),
		"shares");
	if (!json_is_array(a)) {
		mdx_err_set(e, MDX_EPERM,
			    "no facts.dei.EntityCommonStockSharesOutstanding"
			    ".units.shares in the company facts");
		goto out;
	}
	if (json_array_size(a) > 0 &&
	    (fs = mdx_calloc(json_array_size(a), sizeof(*fs))) == NULL) {
		mdx_err_set(e, MDX_ENOMEM, "out of memory");
		goto out;
	}
	json_array_foreach (a, i, v) {
		struct fact *x = &fs[n];
		double val;

		if (day_of(v, "end", &x->end) < 0 ||
		    day_of(v, "filed", &x->filed) < 0 ||
		    fetch_number(json_object_get(v, "val"), &val) <= 0 ||
		    !(val >= 0 && val < 9e15) ||
		    !extract_in_range(fetch_ctx(f), x->filed)) {
			dropped++;
			continue;
		}
		x->val = (json_int_t)val;
		n++;
	}
	qsort(fs, n, sizeof(*fs), by_filed);
	for (i = 0; i < n; i++) {
		char end[MDX_DATE_LEN], filed[MDX_DATE_LEN];
		json_t *rec;

		if (i > 0 && by_filed(&fs[i], &fs[i - 1]) == 0) {
			dropped++; /* the same fact under another form */
			continue;
		}
		rec = json_pack("{s:s,s:s,s:I,s:s,s:s,s:s}", "type",
				"instrument", "symbol", j->name,
				"shares_outstanding", fs[i].val, "as_of",
				mdx_date_format(fs[i].filed, filed),
				"period_end", mdx_date_format(fs[i].end, end),
				"source", "sec");
		if (fetch_emit(f, rec) < 0)
			goto out;
	}
	fetch_count(f, (long)json_array_size(a), dropped);
	ret = 0;
out:
	mdx_free(fs);
	json_decref(root);
	return ret;
}

const struct fetch_provider sec_provider = {
	.name = "sec",
	.base = "https://data.sec.gov",
	.key_env = NULL,
	.rate = SEC_RATE_MAX,
	.user_agent = NULL,
	.ua_env = SEC_UA_ENV,
	.check = s_check,
	.plan = NULL,
	.prepare = s_prepare,
	.start = s_start,
	.classify = NULL,
	.parse = s_parse,
};
