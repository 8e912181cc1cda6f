/*
 * alphavantage.c - mdx-extract -p alphavantage (DESIGN.md section 5):
 *
 *	GET /query?function=TIME_SERIES_DAILY&symbol=&outputsize=&apikey=
 *	    (TIME_SERIES_DAILY_ADJUSTED with --adjusted or --what actions)
 *	GET /query?function=TIME_SERIES_INTRADAY&symbol=&interval=1min
 *	    &month=YYYY-MM&adjusted=false&outputsize=full&apikey=
 *					      (one request a month)
 *	GET /query?function=OVERVIEW&symbol=&apikey=  (--what profile)
 *
 * What comes back (see ../shared/data/alphavantage): numbers as strings,
 * series newest first under "Time Series (Daily)" or "Time Series (1min)",
 * fields named "1. open" ... "5. adjusted close", "6. volume",
 * "7. dividend amount", "8. split coefficient" (7.00000700001 for 7:1),
 * wall-clock times in US/Eastern (intraday with extended hours), and
 * OVERVIEW's facts as strings ("None" when missing, {} for an unknown
 * symbol).  Its rate limits come back as HTTP 200 with a "Note" or
 * "Information" body (temporary: retried), a bad call or symbol as
 * "Error Message" (permanent); an "Information" about a premium endpoint
 * or feature, or the demo key, is permanent too.
 *
 * Basis (BASIS-SPEC.md): the OHLC and volume of TIME_SERIES_DAILY and
 * _ADJUSTED are as traded ("basis":"traded"); "5. adjusted close" is
 * split- and dividend-adjusted as of the answer, so a bar that has it
 * carries "basis_as_of", the answer's HTTP Date (else the fetch time).
 * Intraday series are split- and dividend-adjusted unless asked with
 * adjusted=false, which mdx-extract always sends.  Dividends ("7. dividend
 * amount") are as paid and splits ("8. split coefficient") are new shares
 * per old: every one of the answer becomes an action record, written
 * before the symbol's bars.
 */
#include <math.h>
#include <string.h>

#include "extract_int.h"
#include "mdx_time.h"

enum { AV_SERIES, AV_OVERVIEW };

/* AV's wall times are US/Eastern, the zone America/New_York */
#define AV_TZ "America/New_York"
/* a compact answer holds 100 trading days: enough from this many days */
#define COMPACT_DAYS 140

static int
av_check(const struct extract_opts *o, struct mdx_err *e)
{
	if (o->grouped)
		return mdx_err_set(e, MDX_EUSAGE, "--grouped is polygon's");
	/* TIME_SERIES_INTRADAY's interval= is 1min 5min 15min 30min 60min */
	if (o->what == WHAT_BARS &&
	    (o->interval == MDX_I2M || o->interval == MDX_I90M ||
	     o->interval > MDX_I1D))
		return mdx_err_set(e, MDX_EUSAGE,
				   "--interval %s: Alpha Vantage has no %s "
				   "bars (only 1m 5m 15m 30m 1h 1d)",
				   mdx_interval_name(o->interval),
				   mdx_interval_name(o->interval));
	return 0;
}

static const char *
av_interval(int iv)
{
	switch (iv) {
	case MDX_I1M:
		return "1min";
	case MDX_I5M:
		return "5min";
	case MDX_I15M:
		return "15min";
	case MDX_I30M:
		return "30min";
	default:
		return "60min";
	}
}

static int
av_start(struct fetch *f, struct fetch_job *j, struct mdx_err *e)
{
	const struct extract_opts *o = fetch_ctx(f)->o;
	const char *key = fetch_key(f);
	char sym[3 * MDX_SYMBOL_MAX + 1];
	int32_t from, to, today = fetch_today();
	int y, m, ty, tm;

	fetch_escape(j->psym, 0, sym, sizeof(sym));
	if (o->what == WHAT_PROFILE)
		return fetch_get(f, j, AV_OVERVIEW, e,
				 "/query?function=OVERVIEW&symbol=%s&apikey=%s",
				 sym, key);
	from = (int32_t)(o->from_ms / MDX_MS_PER_DAY);
	to = o->has_to ? (int32_t)(o->to_ms / MDX_MS_PER_DAY) : today;
	if (o->what == WHAT_BARS && mdx_interval_intraday(o->interval)) {
		const char *iv = av_interval(o->interval);

		if (!o->has_from)
			return fetch_get(f, j, AV_SERIES, e,
					 "/query?function=TIME_SERIES_INTRADAY"
					 "&symbol=%s&interval=%s&adjusted=false"
					 "&outputsize=full&apikey=%s",
					 sym, iv, key);
		/* one request a month, oldest first */
		mdx_civil_from_days(from, &y, &m, NULL);
		mdx_civil_from_days(to, &ty, &tm, NULL);
		for (; y < ty || (y == ty && m <= tm);
		     m = m % 12 + 1, y += m == 1) {
			if (fetch_get(f, j, AV_SERIES, e,
				      "/query?function=TIME_SERIES_INTRADAY"
				      "&symbol=%s&interval=%s&month=%04d-%02d"
				      "&adjusted=false&outputsize=full"
				      "&apikey=%s",
				      sym, iv, y, m, key) < 0)
				return -1;
		}
		return 0;
	}
	return fetch_get(f, j, AV_SERIES, e,
			 "/query?function=%s&symbol=%s&outputsize=%s&apikey=%s",
			 o->what == WHAT_ACTIONS || o->adjusted == 1
				 ? "TIME_SERIES_DAILY_ADJUSTED"
				 : "TIME_SERIES_DAILY",
			 sym,
			 o->has_from && from >= today - COMPACT_DAYS ? "compact"
								     : "full",
			 key);
}

/*
 * An HTTP 200 from Alpha Vantage may be an error: judge small bodies by
 * their top-level "Note", "Information" or "Error Message".
 */
static int
av_classify(const struct mdx_http_resp *r, int verdict, struct mdx_err *e)
{
	static const char *const perm[] = {"premium endpoint",
					   "premium feature", "demo", NULL};
	json_t *root;
	const char *msg;

	if (verdict != MDX_HTTP_OK)
		return fetch_classify(r, verdict, e);
	if (r->len > 8192)
		return verdict;
	if ((root = json_loadb(r->body, r->len, 0, NULL)) == NULL)
		return verdict; /* the parser will say */
	if ((msg = json_string_value(json_object_get(root, "Error Message"))) !=
	    NULL) {
		mdx_err_set(e, MDX_EPERM, "Alpha Vantage: %s", msg);
		verdict = MDX_HTTP_PERM;
	} else if ((msg = json_string_value(json_object_get(root, "Note"))) !=
			   NULL ||
		   (msg = json_string_value(
			    json_object_get(root, "Information"))) != NULL) {
		verdict = MDX_HTTP_TEMP;
		for (int i = 0; perm[i] != NULL; i++)
			if (strstr(msg, perm[i]) != NULL)
				verdict = MDX_HTTP_PERM;
		mdx_err_set(e, MDX_EPERM, "Alpha Vantage%s: %s",
			    verdict == MDX_HTTP_TEMP ? " rate limit" : "", msg);
	}
	json_decref(root);
	return verdict;
}

/* is the body Alpha Vantage's daily limit ("25 requests per day")? */
static int
av_quota_spent(const struct mdx_http_resp *r)
{
	json_t *root =
		r->len <= 8192 ? json_loadb(r->body, r->len, 0, NULL) : NULL;
	const char *msg =
		json_string_value(json_object_get(root, "Information"));
	int ret = 0;

	if (msg == NULL)
		msg = json_string_value(json_object_get(root, "Note"));
	ret = msg != NULL && strstr(msg, "per day") != NULL &&
	      strstr(msg, "per minute") == NULL;
	json_decref(root);
	return ret;
}

/* the value of field name ("open" for "1. open") of a series entry */
static const json_t *
field(const json_t *entry, const char *name)
{
	const char *k;
	json_t *v;

	json_object_foreach ((json_t *)entry, k, v) {
		const char *dot = strstr(k, ". ");

		if (strcmp(dot ? dot + 2 : k, name) == 0)
			return v;
	}
	return NULL;
}

/* a number field into rec (volume as a whole number); 1, 0, -1 (not a
 * number), -2 (a volume out of range: rejected and reported) */
static int
put(struct fetch *f, const char *sym, json_t *rec, const json_t *entry,
    const char *name, const char *key)
{
	double v;
	int rc = fetch_number(field(entry, name), &v);

	if (rc <= 0)
		return rc;
	if (strcmp(key, "volume") == 0 && !(fabs(v) < 9e15)) {
		fetch_reject(f, sym, key, "volume", v);
		return -2;
	}
	if (strcmp(key, "volume") == 0 && v == floor(v))
		fetch_set(f, rec, key, json_integer((json_int_t)v));
	else
		fetch_set(f, rec, key, json_real(v));
	return 1;
}

static int
entry_actions(struct fetch *f, const char *sym, const char *date,
	      const json_t *entry)
{
	double v;
	json_t *rec;

	if (fetch_number(field(entry, "dividend amount"), &v) > 0 && v > 0) {
		rec = json_pack("{s:s,s:s,s:s,s:s,s:o,s:s}", "type", "action",
				"symbol", sym, "date", date, "kind", "dividend",
				"amount", fetch_num(v), "source",
				"alphavantage");
		if (fetch_emit(f, rec) < 0)
			return -1;
	}
	if (fetch_number(field(entry, "split coefficient"), &v) > 0 && v > 0 &&
	    v != 1) {
		rec = json_pack("{s:s,s:s,s:s,s:s,s:o,s:s}", "type", "action",
				"symbol", sym, "date", date, "kind", "split",
				"ratio", fetch_num(extract_split_ratio(v)),
				"source", "alphavantage");
		if (fetch_emit(f, rec) < 0)
			return -1;
	}
	return 0;
}

/* every action of the series, whatever the range (before the bars) */
static int
all_actions(struct fetch *f, const char *sym, const json_t *ser)
{
	const char *when;
	json_t *entry;

	json_object_foreach ((json_t *)ser, when, entry) {
		char date[MDX_DATE_LEN];
		int32_t day;

		snprintf(date, sizeof(date), "%.10s", when);
		if (mdx_date_parse(date, &day, NULL) < 0 ||
		    !json_is_object(entry))
			continue; /* reported with the bars */
		if (entry_actions(f, sym, date, entry) < 0)
			return -1;
	}
	return 0;
}

static int
series(struct fetch *f, const char *sym, const json_t *root,
       const struct mdx_http_resp *r, struct mdx_err *e)
{
	static const char *const names[][2] = {{"open", "open"},
					       {"high", "high"},
					       {"low", "low"},
					       {"close", "close"},
					       {"adjusted close", "adj_close"},
					       {"volume", "volume"}};
	const struct extract_opts *o = fetch_ctx(f)->o;
	const char *iv = mdx_interval_name(o->interval), *k, *when;
	const json_t *ser = NULL;
	long in = 0, dropped = 0;
	char as_of[MDX_DATE_LEN];
	json_t *entry;

	json_object_foreach ((json_t *)root, k, entry) {
		if (strstr(k, "Time Series") != NULL && json_is_object(entry))
			ser = entry;
	}
	if (ser == NULL)
		return mdx_err_set(e, MDX_EPERM,
				   "no time series in the response");
	fetch_answer_date(r, as_of);
	if (o->what == WHAT_BARS && all_actions(f, sym, ser) < 0)
		return -1;
	json_object_foreach ((json_t *)ser, when, entry) {
		char date[MDX_DATE_LEN];
		int32_t day;
		int nprice = 0, bad = 0;
		json_t *rec;

		in++;
		snprintf(date, sizeof(date), "%.10s", when);
		if (mdx_date_parse(date, &day, NULL) < 0 ||
		    !json_is_object(entry)) {
			mdx_log("warning", "%s: bad series entry '%.40s'", sym,
				when);
			dropped++;
			continue;
		}
		if (!extract_in_range(fetch_ctx(f), day)) {
			dropped++;
			continue;
		}
		if (o->what == WHAT_ACTIONS) {
			if (entry_actions(f, sym, date, entry) < 0)
				return -1;
			continue;
		}
		rec = json_pack("{s:s,s:s,s:s,s:s,s:s}", "type", "bar",
				"symbol", sym, "interval", iv, "time", when,
				"tz", AV_TZ);
		if (rec == NULL)
			return fetch_emit(f, NULL);
		for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
			int rc = put(f, sym, rec, entry, names[i][0],
				     names[i][1]);

			if (rc == -2)
				bad = 2;
			else if (rc < 0 && !bad)
				bad = 1;
			else if (rc > 0 && i < 4)
				nprice++;
		}
		if (bad == 2) {
			json_decref(rec);
			continue;
		}
		if (bad || nprice == 0) {
			if (bad)
				mdx_log("warning",
					"%s: %s: a price is not a number", sym,
					when);
			json_decref(rec);
			dropped++;
			continue;
		}
		fetch_set(f, rec, "basis", json_string("traded"));
		if (json_object_get(rec, "adj_close") != NULL)
			fetch_set(f, rec, "basis_as_of", json_string(as_of));
		fetch_set(f, rec, "source", json_string("alphavantage"));
		if (fetch_emit(f, rec) < 0)
			return -1;
	}
	fetch_count(f, in, dropped);
	return 0;
}

/* OVERVIEW as an instrument record */
static int
overview(struct fetch *f, const char *sym, const json_t *root,
	 struct mdx_err *e)
{
	static const char *const strs[][2] = {{"Name", "name"},
					      {"Exchange", "exchange"},
					      {"Currency", "currency"},
					      {"Sector", "sector"},
					      {"Industry", "industry"}};
	const char *as_of = fetch_ctx(f)->o->as_of;
	char today[MDX_DATE_LEN];
	double v;
	json_t *rec;

	if (!json_is_string(json_object_get(root, "Symbol")))
		return mdx_err_set(
			e, MDX_EPERM,
			"no overview for this symbol (empty answer)");
	fetch_count(f, 1, 0);
	if ((rec = json_pack("{s:s,s:s}", "type", "instrument", "symbol",
			     sym)) == NULL)
		return fetch_emit(f, NULL);
	for (size_t i = 0; i < sizeof(strs) / sizeof(*strs); i++) {
		const char *s =
			json_string_value(json_object_get(root, strs[i][0]));

		if (s != NULL && *s != '\0' && strcmp(s, "None") != 0 &&
		    strcmp(s, "-") != 0)
			fetch_set(f, rec, strs[i][1], json_string(s));
	}
	if (fetch_number(json_object_get(root, "MarketCapitalization"), &v) >
		    0 &&
	    v >= 0)
		fetch_set(f, rec, "market_cap", fetch_num(v));
	if (fetch_number(json_object_get(root, "SharesOutstanding"), &v) > 0 &&
	    v >= 0) {
		if (v < 9e15)
			fetch_set(f, rec, "shares_outstanding",
				  json_integer((json_int_t)llround(v)));
		else /* reported, the other facts kept */
			fetch_reject(f, sym, "shares_outstanding", "number", v);
	}
	fetch_set(f, rec, "as_of",
		  json_string(as_of ? as_of
				    : mdx_date_format(fetch_today(), today)));
	fetch_set(f, rec, "source", json_string("alphavantage"));
	return fetch_emit(f, rec);
}

static int
av_parse(struct fetch *f, struct fetch_job *j, int kind,
	 const struct mdx_http_resp *r, struct mdx_err *e)
{
	json_t *root = fetch_json(r, e);
	int ret;

	if (root == NULL)
		return -1;
	ret = kind == AV_OVERVIEW ? overview(f, j->name, root, e)
				  : series(f, j->name, root, r, e);
	json_decref(root);
	return ret;
}

const struct fetch_provider alphavantage_provider = {
	.name = "alphavantage",
	.base = "https://www.alphavantage.co",
	.key_env = "ALPHAVANTAGE_API_KEY",
	.rate = MDX_HTTP_RATE_ALPHAVANTAGE,
	.user_agent = NULL,
	.check = av_check,
	.plan = NULL,
	.start = av_start,
	.classify = av_classify,
	.quota_spent = av_quota_spent,
	.parse = av_parse,
	.symbol_style = MDX_SYMBOL_DASH,
};
