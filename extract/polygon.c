/*
 * polygon.c - mdx-extract -p polygon (DESIGN.md section 5):
 *
 *	GET /v2/aggs/ticker/{sym}/range/{n}/{span}/{from}/{to}
 *	    ?adjusted=false&sort=asc&limit=50000&apiKey=      (bars)
 *	GET /v2/aggs/grouped/locale/us/market/stocks/{date}
 *	    ?adjusted=false&apiKey=               (--grouped: a date a request)
 *	GET /v3/reference/tickers/{sym}?apiKey=   (--what profile)
 *	GET /v3/reference/splits?ticker=&limit=1000&apiKey=
 *	GET /v3/reference/dividends?ticker=&limit=1000&apiKey=
 *					      (--what actions: both)
 *
 * What comes back (see ../shared/data/polygon): "results" with t in epoch
 * ms, o h l c, v (volume, sometimes in scientific notation: 1.12117471e+08
 * becomes 112117471), vw and n; a "next_url" when there is more, a whole
 * URL without the key: it is rebased on the run's base URL (so a key is
 * never sent to a host that a response body names) and the key is added
 * back.  Polygon's own 429 is retried; 403 (plan) and 404 are permanent.
 * The answer is taken to be the range asked for: no bar is dropped as out
 * of range.  A --since (or --follow) bookmark asks intraday bars from its
 * instant, {from} as epoch ms (Polygon takes a date or a millisecond
 * timestamp there), daily and longer bars from its date.
 *
 * Basis (BASIS-SPEC.md): bars are asked for as traded (adjusted=false;
 * --adjusted asks adjusted=true), and the answer's own "adjusted" field
 * says what they are: false "basis":"traded", true "basis":"split" as of
 * the answer's HTTP Date (else the fetch time); without the field, what
 * was asked.  Splits and dividends (--what actions) are as paid: ratio
 * split_to/split_from on the execution_date, cash_amount on the
 * ex_dividend_date.
 */
#include <math.h>
#include <string.h>
#include <strings.h>

#include "extract_int.h"
#include "mdx_alloc.h"
#include "mdx_calendar.h"
#include "mdx_time.h"

enum { P_AGGS, P_GROUPED, P_TICKER, P_SPLITS, P_DIVIDENDS };

/* the default range without --from: the free tier's two years */
#define DEFAULT_DAYS 730

static int
p_check(const struct extract_opts *o, struct mdx_err *e)
{
	if (o->grouped && (o->what != WHAT_BARS || o->interval != MDX_I1D))
		return mdx_err_set(e, MDX_EUSAGE,
				   "--grouped gives daily bars only");
	if (o->grouped && !o->has_from)
		return mdx_err_set(e, MDX_EUSAGE,
				   "--grouped needs --from (and --to)");
	if (o->grouped && o->since != NULL)
		return mdx_err_set(e, MDX_EUSAGE,
				   "--since: bookmarks are a symbol's, "
				   "--grouped asks by date");
	return 0;
}

/* --grouped: one job a NYSE session from --from to --to */
static int
p_plan(struct fetch *f, struct mdx_err *e)
{
	const struct extract_opts *o = fetch_ctx(f)->o;
	int32_t d = (int32_t)(o->from_ms / MDX_MS_PER_DAY);
	int32_t to = o->has_to ? (int32_t)(o->to_ms / MDX_MS_PER_DAY) : d;
	char date[MDX_DATE_LEN];
	int n = 0;

	if (!o->grouped)
		return 1;
	for (; d <= to; d++)
		if (mdx_cal_is_session(d) && ++n &&
		    fetch_job_add(f, mdx_date_format(d, date), e) < 0)
			return -1;
	if (n == 0)
		return mdx_err_set(e, MDX_EUSAGE,
				   "no NYSE session from --from to --to");
	return 0;
}

static void
span(int iv, int *n, const char **unit)
{
	static const struct {
		int n;
		const char *unit;
	} t[MDX_INTERVAL_N] = {
		[MDX_I1M] = {1, "minute"},   [MDX_I2M] = {2, "minute"},
		[MDX_I5M] = {5, "minute"},   [MDX_I15M] = {15, "minute"},
		[MDX_I30M] = {30, "minute"}, [MDX_I1H] = {1, "hour"},
		[MDX_I90M] = {90, "minute"}, [MDX_I1D] = {1, "day"},
		[MDX_I5D] = {5, "day"},	     [MDX_I1WK] = {1, "week"},
		[MDX_I1MO] = {1, "month"},   [MDX_I3MO] = {3, "month"},
	};

	*n = t[iv].n;
	*unit = t[iv].unit;
}

static int
p_start(struct fetch *f, struct fetch_job *j, struct mdx_err *e)
{
	const struct extract_opts *o = fetch_ctx(f)->o;
	const char *key = fetch_key(f);
	const char *adj = o->adjusted == 1 ? "true" : "false";
	char sym[3 * MDX_SYMBOL_MAX + 1], d1[24], d2[MDX_DATE_LEN];
	int32_t to = o->has_to ? (int32_t)(o->to_ms / MDX_MS_PER_DAY)
			       : fetch_today();
	int32_t from = o->has_from ? (int32_t)(o->from_ms / MDX_MS_PER_DAY)
				   : to - DEFAULT_DAYS;
	const char *unit;
	int n;

	fetch_escape(j->name, 1, sym, sizeof(sym));
	mdx_date_format(from, d1);
	mdx_date_format(to, d2);
	if (o->grouped)
		return fetch_get(f, j, P_GROUPED, e,
				 "/v2/aggs/grouped/locale/us/market/stocks/%s"
				 "?adjusted=%s&apiKey=%s",
				 j->name, adj, key);
	if (o->what == WHAT_PROFILE) {
		if (o->as_of != NULL)
			return fetch_get(f, j, P_TICKER, e,
					 "/v3/reference/tickers/%s?date=%s"
					 "&apiKey=%s",
					 sym, o->as_of, key);
		return fetch_get(f, j, P_TICKER, e,
				 "/v3/reference/tickers/%s?apiKey=%s", sym,
				 key);
	}
	if (o->what == WHAT_ACTIONS) {
		fetch_escape(j->name, 0, sym, sizeof(sym));
		if (!o->has_from && !o->has_to) {
			if (fetch_get(f, j, P_SPLITS, e,
				      "/v3/reference/splits?ticker=%s"
				      "&limit=1000&apiKey=%s",
				      sym, key) < 0)
				return -1;
			return fetch_get(f, j, P_DIVIDENDS, e,
					 "/v3/reference/dividends?ticker=%s"
					 "&limit=1000&apiKey=%s",
					 sym, key);
		}
		if (fetch_get(f, j, P_SPLITS, e,
			      "/v3/reference/splits?ticker=%s"
			      "&execution_date.gte=%s&execution_date.lte=%s"
			      "&limit=1000&apiKey=%s",
			      sym, d1, d2, key) < 0)
			return -1;
		return fetch_get(f, j, P_DIVIDENDS, e,
				 "/v3/reference/dividends?ticker=%s"
				 "&ex_dividend_date.gte=%s"
				 "&ex_dividend_date.lte=%s&limit=1000"
				 "&apiKey=%s",
				 sym, d1, d2, key);
	}
	span(o->interval, &n, &unit);
	/* a bookmark (--since, --follow): intraday bars from its instant,
	 * which {from} takes as epoch ms; others from its date */
	if (j->has_since && mdx_interval_intraday(o->interval))
		snprintf(d1, sizeof(d1), "%lld", (long long)j->since_ms);
	else if (j->has_since)
		mdx_date_format(j->since_day, d1);
	return fetch_get(f, j, P_AGGS, e,
			 "/v2/aggs/ticker/%s/range/%d/%s/%s/%s?adjusted=%s"
			 "&sort=asc&limit=50000&apiKey=%s",
			 sym, n, unit, d1, d2, adj, key);
}

/* does the query of url p already carry an apiKey parameter? */
static int
has_key(const char *p)
{
	for (p = strchr(p, '?'); p != NULL; p = strchr(p + 1, '&'))
		if (strncasecmp(p + 1, "apikey=", 7) == 0)
			return 1;
	return 0;
}

/*
 * Queue the page that next_url names: its path and query on the run's
 * base URL, with the key added back.
 */
static int
next_page(struct fetch *f, struct fetch_job *j, int kind, const json_t *root,
	  struct mdx_err *e)
{
	const char *next = json_string_value(json_object_get(root, "next_url"));
	const char *p, *key = fetch_key(f);
	size_t n;
	char *url;
	int ret;

	if (next == NULL || *next == '\0')
		return 0;
	if ((p = strstr(next, "://")) != NULL)
		p += 3 + strcspn(p + 3, "/?#");
	else
		p = next;
	if (*p != '/')
		return mdx_err_set(e, MDX_EPERM, "next_url '%.80s' has no path",
				   next);
	for (const char *q = p; *q != '\0'; q++)
		if ((unsigned char)*q <= ' ' || *q == 0x7f)
			/* found by tests/fuzz: a newline split the request
			 * line --dry-run prints; no URL holds one */
			return mdx_err_set(e, MDX_EPERM,
					   "next_url holds a control character "
					   "or a space");
	n = strlen(fetch_base(f)) + strlen(p) + strlen(key) + 16;
	if ((url = mdx_malloc(n)) == NULL)
		return mdx_err_set(e, MDX_ENOMEM, "out of memory");
	if (has_key(p) || *key == '\0')
		snprintf(url, n, "%s%s", fetch_base(f), p);
	else
		snprintf(url, n, "%s%s%capiKey=%s", fetch_base(f), p,
			 strchr(p, '?') ? '&' : '?', key);
	ret = fetch_get_url(f, j, kind, url, e);
	mdx_free(url);
	return ret;
}

/* "status":"ERROR" (or NOT_AUTHORIZED ...) in a 200 answer */
static int
status_error(const json_t *root, struct mdx_err *e)
{
	const char *st = json_string_value(json_object_get(root, "status"));
	const char *msg = json_string_value(json_object_get(root, "error"));

	if (st == NULL || strcasecmp(st, "OK") == 0 ||
	    strcasecmp(st, "DELAYED") == 0)
		return 0;
	if (msg == NULL)
		msg = json_string_value(json_object_get(root, "message"));
	return mdx_err_set(e, MDX_EPERM, "status %s: %s", st,
			   msg ? msg : "no message");
}

/* number v into rec: whole 0 as given, 1 rounded to a whole number, 2 as
 * an integer when it is one; -1 (rejected, reported) for a whole number
 * that a JSON integer of mdx cannot hold exactly */
static int
put(struct fetch *f, const char *sym, json_t *rec, const char *key,
    const json_t *v, int whole)
{
	double d;

	if (fetch_number(v, &d) <= 0)
		return 0;
	if (whole == 1 && !(fabs(d) < 9e15)) {
		fetch_reject(f, sym, key, "number", d);
		return -1;
	}
	if (whole == 1)
		fetch_set(f, rec, key, json_integer(llround(d)));
	else if (whole == 2)
		fetch_set(f, rec, key, fetch_num(d));
	else
		fetch_set(f, rec, key, json_real(d));
	return 0;
}

int
polygon_bar(struct fetch *f, const char *sym, const char *interval, int64_t ms,
	    const json_t *b, const char *as_of)
{
	static const char *const px[][2] = {
		{"o", "open"}, {"h", "high"}, {"l", "low"}, {"c", "close"}};
	json_t *rec;
	int nprice = 0;

	rec = json_pack("{s:s,s:s,s:s,s:I}", "type", "bar", "symbol", sym,
			"interval", interval, "t", (json_int_t)ms);
	if (rec == NULL)
		return fetch_emit(f, NULL);
	for (int k = 0; k < 4; k++) {
		size_t before = json_object_size(rec);

		put(f, sym, rec, px[k][1], json_object_get(b, px[k][0]), 0);
		nprice += json_object_size(rec) > before;
	}
	if (nprice == 0) {
		json_decref(rec);
		return 0;
	}
	if (put(f, sym, rec, "volume", json_object_get(b, "v"), 1) < 0 ||
	    put(f, sym, rec, "vwap", json_object_get(b, "vw"), 0) < 0 ||
	    put(f, sym, rec, "trades", json_object_get(b, "n"), 1) < 0) {
		json_decref(rec);
		return 2;
	}
	fetch_set_basis(f, rec, as_of);
	fetch_set(f, rec, "source", json_string("polygon"));
	return fetch_emit(f, rec) < 0 ? -1 : 1;
}

static int
aggs(struct fetch *f, struct fetch_job *j, int kind, const json_t *root,
     const struct mdx_http_resp *r)
{
	const char *iv = mdx_interval_name(fetch_ctx(f)->o->interval);
	const json_t *adjusted = json_object_get(root, "adjusted");
	char day[MDX_DATE_LEN];
	const char *as_of = NULL;
	const json_t *res = json_object_get(root, "results");
	long dropped = 0;
	size_t i;
	json_t *b;

	if (json_is_boolean(adjusted) ? json_is_true(adjusted)
				      : fetch_ctx(f)->o->adjusted == 1)
		as_of = fetch_answer_date(r, day);
	json_array_foreach (res, i, b) {
		const char *sym = j->name;
		double t;
		int64_t ms;
		int rc;

		if (kind == P_GROUPED) {
			sym = json_string_value(json_object_get(b, "T"));
			if (sym == NULL || !fetch_wanted(f, sym))
				continue;
			if (!mdx_symbol_valid(sym)) {
				dropped++;
				continue;
			}
		}
		if (fetch_number(json_object_get(b, "t"), &t) <= 0) {
			dropped++;
			continue;
		}
		if (mdx_ms_from_double(t, &ms) < 0) {
			fetch_reject(f, sym, "t", "epoch ms", t);
			continue;
		}
		if ((rc = polygon_bar(f, sym, iv, ms, b, as_of)) < 0)
			return -1;
		if (rc == 0)
			dropped++;
	}
	fetch_count(f, (long)json_array_size(res), dropped);
	return 0;
}

static int
ticker(struct fetch *f, struct fetch_job *j, const json_t *root,
       struct mdx_err *e)
{
	const json_t *r = json_object_get(root, "results");
	const char *as_of = fetch_ctx(f)->o->as_of, *s;
	const json_t *shares;
	char buf[16], today[MDX_DATE_LEN];
	json_t *rec;

	if (!json_is_object(r))
		return mdx_err_set(e, MDX_EPERM, "no results in the response");
	fetch_count(f, 1, 0);
	if ((rec = json_pack("{s:s,s:s}", "type", "instrument", "symbol",
			     j->name)) == NULL)
		return fetch_emit(f, NULL);
	if ((s = json_string_value(json_object_get(r, "name"))) != NULL)
		fetch_set(f, rec, "name", json_string(s));
	if ((s = json_string_value(json_object_get(r, "primary_exchange"))))
		fetch_set(f, rec, "exchange", json_string(s));
	if ((s = json_string_value(json_object_get(r, "currency_name")))) {
		size_t i;

		for (i = 0; s[i] != '\0' && i + 1 < sizeof(buf); i++)
			buf[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32
								   : s[i]);
		buf[i] = '\0';
		fetch_set(f, rec, "currency", json_string(buf));
	}
	if ((s = json_string_value(json_object_get(r, "sic_description"))))
		fetch_set(f, rec, "industry", json_string(s));
	put(f, j->name, rec, "market_cap", json_object_get(r, "market_cap"), 2);
	shares = json_object_get(r, "share_class_shares_outstanding");
	if (put(f, j->name, rec, "shares_outstanding",
		shares ? shares
		       : json_object_get(r, "weighted_shares_outstanding"),
		1) < 0) {
		json_decref(rec);
		return 0;
	}
	fetch_set(f, rec, "as_of",
		  json_string(as_of ? as_of
				    : mdx_date_format(fetch_today(), today)));
	fetch_set(f, rec, "source", json_string("polygon"));
	return fetch_emit(f, rec);
}

/* splits (split_to per split_from) and dividends (cash_amount) */
static int
actions(struct fetch *f, struct fetch_job *j, int kind, const json_t *root)
{
	const json_t *res = json_object_get(root, "results");
	long dropped = 0;
	size_t i;
	json_t *a;

	json_array_foreach (res, i, a) {
		const char *tk =
			json_string_value(json_object_get(a, "ticker"));
		const char *date = json_string_value(json_object_get(
			a, kind == P_SPLITS ? "execution_date"
					    : "ex_dividend_date"));
		double x = 0, y = 0;
		int32_t day;
		json_t *rec;

		if (tk != NULL && strcmp(tk, j->name) != 0)
			continue; /* not asked for */
		if (date == NULL || mdx_date_parse(date, &day, NULL) < 0 ||
		    !extract_in_range(fetch_ctx(f), day)) {
			dropped++;
			continue;
		}
		if (kind == P_SPLITS) {
			if (fetch_number(json_object_get(a, "split_to"), &x) <=
				    0 ||
			    fetch_number(json_object_get(a, "split_from"),
					 &y) <= 0 ||
			    !(x > 0) || !(y > 0)) {
				dropped++;
				continue;
			}
			rec = json_pack("{s:s,s:s,s:s,s:s,s:o,s:s}", "type",
					"action", "symbol", j->name, "date",
					date, "kind", "split", "ratio",
					fetch_num(extract_split_ratio(x / y)),
					"source", "polygon");
		} else {
			if (fetch_number(json_object_get(a, "cash_amount"),
					 &x) <= 0 ||
			    !(x > 0)) {
				dropped++;
				continue;
			}
			rec = json_pack("{s:s,s:s,s:s,s:s,s:o,s:s}", "type",
					"action", "symbol", j->name, "date",
					date, "kind", "dividend", "amount",
					fetch_num(x), "source", "polygon");
		}
		if (fetch_emit(f, rec) < 0)
			return -1;
	}
	fetch_count(f, (long)json_array_size(res), dropped);
	return 0;
}

static int
p_parse(struct fetch *f, struct fetch_job *j, int kind,
	const struct mdx_http_resp *r, struct mdx_err *e)
{
	json_t *root = fetch_json(r, e);
	int ret = -1;

	if (root == NULL)
		return -1;
	if (status_error(root, e) < 0)
		goto out;
	switch (kind) {
	case P_AGGS:
	case P_GROUPED:
		ret = aggs(f, j, kind, root, r);
		break;
	case P_TICKER:
		ret = ticker(f, j, root, e);
		break;
	default:
		ret = actions(f, j, kind, root);
		break;
	}
	if (ret == 0 && kind != P_TICKER)
		ret = next_page(f, j, kind, root, e);
out:
	json_decref(root);
	return ret;
}

const struct fetch_provider polygon_provider = {
	.name = "polygon",
	.base = "https://api.polygon.io",
	.key_env = "POLYGON_API_KEY",
	.rate = MDX_HTTP_RATE_POLYGON,
	.user_agent = NULL,
	.check = p_check,
	.plan = p_plan,
	.start = p_start,
	.classify = NULL,
	.parse = p_parse,
	.since = 1,
};
