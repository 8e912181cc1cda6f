/*
 * yahoo.c - mdx-extract -p yahoo: Yahoo Finance's chart API v8
 * (DESIGN.md section 5), for each symbol:
 *
 *	GET /v8/finance/chart/{symbol}?period1=&period2=&interval=
 *	    &includePrePost=&events=div%7Csplit&includeAdjustedClose=true
 *
 * and, for bars of a range or intraday bars, first one request for all the
 * symbol's events up to today (see events_apart()):
 *
 *	GET /v8/finance/chart/{symbol}?period1=-2208988800&period2={now}
 *	    &interval=1wk&events=div%7Csplit
 *
 * Prices are on Yahoo's basis (BASIS-SPEC.md): open, high, low, close and
 * volume back-adjusted for splits, adjclose also for dividends, dividend
 * amounts split-adjusted, all as of the day of the answer (its HTTP Date,
 * else the fetch time): "basis":"split" and "basis_as_of" on each record.
 *
 * What comes back (see ../shared/data/yahoo): times in epoch seconds,
 * arrays indicators.quote[0].{open,high,low,close,volume} whose entries
 * may all be null for a bar (dropped and counted), the adjusted close in
 * indicators.adjclose[0].adjclose, events.dividends and events.splits
 * keyed by timestamp strings, the exchange's zone in
 * meta.exchangeTimezoneName (meta.gmtoffset is only today's offset), the
 * currency in meta.currency ("GBp" for pence: prices are kept as given),
 * no "timestamp" key for an empty range, and a last "live" bar after the
 * range asked for (dropped and counted).  Errors come as
 * {"chart":{"result":null,"error":{"code","description"}}}, with HTTP
 * 404 for an unknown symbol ("No data found, symbol may be delisted":
 * permanent) or 400.
 */
#include <limits.h>
#include <math.h>
#include <string.h>

#include "extract_int.h"
#include "mdx_time.h"

/* hours of slack either side of the range: see period() */
#define SLACK_S (3 * 3600)
/* Yahoo's history starts in the 1920s; yfinance asks from 1900 too */
#define EPOCH_1900_S (-2208988800LL)

/*
 * What the chart API serves of an interval (yfinance issues #165, #356,
 * #383, #636, #1389 quote its errors): a request may span at most span_s
 * ("Only 7 days worth of 1m granularity data are allowed to be fetched per
 * request") and reach back at most back_s ("The requested range must be
 * within the last 30 days"); 0: no limit.  As yfinance counts them: 1m 30
 * days back, 7 a request; 2m 5m 15m 30m 90m 60 days; 1h 730 days; 1d and
 * longer (5d 1wk 1mo 3mo) all history.
 */
struct y_limit {
	long long span_s, back_s;
};

static struct y_limit
limit(int interval)
{
	switch (interval) {
	case MDX_I1M:
		return (struct y_limit){7 * 86400LL, 30 * 86400LL};
	case MDX_I2M:
	case MDX_I5M:
	case MDX_I15M:
	case MDX_I30M:
	case MDX_I90M:
		return (struct y_limit){60 * 86400LL, 60 * 86400LL};
	case MDX_I1H:
		return (struct y_limit){730 * 86400LL, 730 * 86400LL};
	default:
		return (struct y_limit){0, 0};
	}
}

/* more windows than this a symbol: refused (1h over 730 days is 1) */
#define MAX_WINDOWS 64

static int
y_check(const struct extract_opts *o, struct mdx_err *e)
{
	struct y_limit l = limit(o->interval);
	long long now = extract_now_ms() / 1000;

	if (o->grouped)
		return mdx_err_set(e, MDX_EUSAGE, "--grouped is polygon's");
	if (l.back_s > 0 && o->what == WHAT_BARS &&
	    ((o->has_from && o->from_ms / 1000 < now - l.back_s) ||
	     (o->has_to && o->to_ms / 1000 + 86400 < now - l.back_s)))
		return mdx_err_set(e, MDX_EUSAGE,
				   "Yahoo serves %s bars of the last %lld "
				   "days only: %s is older",
				   mdx_interval_name(o->interval),
				   l.back_s / 86400,
				   o->has_from ? "--from" : "--to");
	return 0;
}

/*
 * The period of a request, epoch seconds.  A bar's date is its date in
 * the exchange's zone, which is not known before the answer, and Yahoo
 * stamps daily bars at the session open: from 21:00 UTC the day before
 * (Auckland, Sydney; London FX at 00:00 local in summer) to 14:30 UTC
 * (New York).  So ask from 3 hours before --from to 3 hours after the day
 * of --to (UTC), and keep the bars whose local date is in the range.
 * Without --from: all history for daily and longer bars, and what Yahoo
 * serves of intraday bars (1m: 7 days; 2m to 30m and 90m: 60 days; 1h:
 * 730 days).
 */
static void
period(const struct extract_opts *o, const struct fetch_job *j, long long *p1,
       long long *p2)
{
	long long now = extract_now_ms() / 1000;
	int intraday = mdx_interval_intraday(o->interval);

	if (j->has_since && intraday)
		*p1 = j->since_ms / 1000; /* the bookmark minus --overlap */
	else if (j->has_since)
		*p1 = (long long)j->since_day * 86400 - SLACK_S;
	else if (o->has_from && o->from_is_time && intraday)
		*p1 = o->from_ms / 1000;
	else if (o->has_from)
		*p1 = (long long)o->from_day * 86400 - SLACK_S;
	else if (!mdx_interval_intraday(o->interval))
		*p1 = EPOCH_1900_S;
	else
		*p1 = now - 86400LL * (o->interval == MDX_I1M	? 7
				       : o->interval == MDX_I1H ? 729
								: 59);
	if (!o->has_to)
		*p2 = now;
	else if (o->to_is_time && intraday)
		*p2 = o->to_ms / 1000 + 1; /* period2 is exclusive */
	else
		*p2 = (long long)o->to_day * 86400 + 86400 + SLACK_S;
}

/* the kinds of request: a chart (bars, and the events it holds), the
 * events alone (all history, before the bars of a range), a profile */
enum { Y_CHART, Y_EVENTS, Y_PROFILE };
/* a chart request's kind is Y_CHART plus its window's number times this */
#define Y_WINDOW 16

/*
 * Does a bars run need its own events request?  A chart answer holds the
 * events of its period only, and extract reports all of a symbol's splits
 * and dividends up to today (BASIS-SPEC.md): so unless the bars' period is
 * already all history to now (daily or longer bars without --from and
 * --to), ask for the events first.
 */
static int
events_apart(const struct extract_opts *o, const struct fetch_job *j)
{
	return o->what == WHAT_BARS && !j->has_since &&
	       (o->has_from || o->has_to || mdx_interval_intraday(o->interval));
}

/*
 * The windows of a job's period: intraday periods longer than a request
 * may span are cut into windows of that span from p1 (the last one
 * shorter).  *n windows.  A bookmark (--since) older than Yahoo serves is
 * moved up to the oldest time it serves, *clamped set (--from is checked
 * by y_check); returns -1 with e set when more than MAX_WINDOWS requests
 * would be needed.
 */
static int
windows(const struct extract_opts *o, const struct fetch_job *j, long long *p1,
	long long *p2, long long *n, int *clamped, struct mdx_err *e)
{
	struct y_limit l = limit(o->interval);
	long long now = extract_now_ms() / 1000;

	period(o, j, p1, p2);
	*n = 1;
	*clamped = 0;
	if (l.back_s > 0 && *p1 < now - l.back_s) {
		*p1 = now - l.back_s;
		*clamped = 1;
	}
	if (l.span_s > 0 && *p2 - *p1 > l.span_s)
		*n = (*p2 - *p1 + l.span_s - 1) / l.span_s;
	if (*n > MAX_WINDOWS)
		return mdx_err_set(e, MDX_EPERM,
				   "%lld requests of %s bars: more than %d", *n,
				   mdx_interval_name(o->interval), MAX_WINDOWS);
	return 0;
}

/* the end of window w (period2), and whether it is the last */
static long long
window_end(const struct extract_opts *o, long long p1, long long p2,
	   long long w, long long n)
{
	long long span = limit(o->interval).span_s;

	return w + 1 < n ? p1 + (w + 1) * span : p2;
}

static int
chart_get(struct fetch *f, struct fetch_job *j, struct mdx_err *e)
{
	const struct extract_opts *o = fetch_ctx(f)->o;
	char sym[3 * MDX_SYMBOL_MAX + 1];
	long long p1, p2, n;
	int clamped;

	fetch_escape(j->psym, 1, sym, sizeof(sym));
	if (windows(o, j, &p1, &p2, &n, &clamped, e) < 0)
		return -1;
	if (clamped)
		mdx_log("warning",
			"%s: Yahoo serves %s bars of the last %lld days only: "
			"asking from %lld, not from the bookmark; older bars "
			"are not fetched",
			j->name, mdx_interval_name(o->interval),
			limit(o->interval).back_s / 86400, p1);
	for (long long w = 0; w < n; w++) {
		long long span = limit(o->interval).span_s;

		if (fetch_get(f, j, Y_CHART + (int)w * Y_WINDOW, e,
			      "/v8/finance/chart/%s?period1=%lld&period2=%lld"
			      "&interval=%s&includePrePost=%s&events=div%%7C"
			      "split&includeAdjustedClose=true",
			      sym, p1 + w * span, window_end(o, p1, p2, w, n),
			      mdx_interval_name(o->interval),
			      mdx_interval_intraday(o->interval) ? "true"
								 : "false") < 0)
			return -1;
	}
	return 0;
}

static int
y_start(struct fetch *f, struct fetch_job *j, struct mdx_err *e)
{
	const struct extract_opts *o = fetch_ctx(f)->o;
	char sym[3 * MDX_SYMBOL_MAX + 1];

	fetch_escape(j->psym, 1, sym, sizeof(sym));
	if (o->what == WHAT_PROFILE)
		return fetch_get(f, j, Y_PROFILE, e,
				 "/v8/finance/chart/%s?range=1d&interval=1d",
				 sym);
	if (events_apart(o, j) && o->dry_run &&
	    fetch_get(f, j, Y_EVENTS, e,
		      "/v8/finance/chart/%s?period1=%lld&period2=%lld"
		      "&interval=1wk&events=div%%7Csplit",
		      sym, (long long)EPOCH_1900_S,
		      (long long)(extract_now_ms() / 1000)) < 0)
		return -1;
	if (events_apart(o, j) && !o->dry_run)
		/*
		 * All history to now, weekly: the events are dated by their
		 * own timestamps whatever the interval, and a week holds at
		 * most one dividend or split of a stock (monthly and
		 * quarterly bars are known to lose a dividend when two fall
		 * into one bar); a fifth of the bytes of daily bars.
		 */
		return fetch_get(f, j, Y_EVENTS, e,
				 "/v8/finance/chart/%s?period1=%lld&period2="
				 "%lld&interval=1wk&events=div%%7Csplit",
				 sym, (long long)EPOCH_1900_S,
				 (long long)(extract_now_ms() / 1000));
	return chart_get(f, j, e);
}

/* entry i of array a as a number: 1, 0 (null or absent), -1 */
static int
at(const json_t *a, size_t i, double *v)
{
	return fetch_number(json_array_get(a, i), v);
}

static void
set_str(struct fetch *f, json_t *rec, const char *key, const json_t *v)
{
	if (json_is_string(v) && json_string_length(v) > 0)
		fetch_set(f, rec, key, json_incref((json_t *)v));
}

/* the instrument record of meta: name, exchange, currency */
static int
instrument(struct fetch *f, const char *sym, const json_t *meta)
{
	json_t *rec =
		json_pack("{s:s,s:s}", "type", "instrument", "symbol", sym);
	const json_t *name = json_object_get(meta, "longName");
	const json_t *exch = json_object_get(meta, "fullExchangeName");

	if (rec == NULL)
		return fetch_emit(f, NULL);
	set_str(f, rec, "name",
		json_is_string(name) ? name
				     : json_object_get(meta, "shortName"));
	set_str(f, rec, "exchange",
		json_is_string(exch) ? exch
				     : json_object_get(meta, "exchangeName"));
	set_str(f, rec, "currency", json_object_get(meta, "currency"));
	fetch_set(f, rec, "source", json_string("yahoo"));
	return fetch_emit(f, rec);
}

static json_t *
num(double v, int whole)
{
	if (whole && v == floor(v) && fabs(v) < 9e15)
		return json_integer((json_int_t)v);
	return json_real(v);
}

/*
 * Is the bar starting at t_ms still open at the answer's time now_ms (its
 * Date, else the fetch time)?  Intraday: until its interval has passed;
 * daily: while today's regular session (meta.currentTradingPeriod.regular
 * start and end, epoch s) that it belongs to is open; weekly and monthly:
 * for 7 and 31 days from its start.  Such a bar gets "final":false.
 */
static int
open_bar(const struct extract_opts *o, const json_t *meta, int64_t t_ms,
	 int64_t now_ms)
{
	const json_t *reg = json_object_get(
		json_object_get(meta, "currentTradingPeriod"), "regular");
	double start, end;

	if (mdx_interval_intraday(o->interval) || o->interval != MDX_I1D)
		return t_ms + extract_bar_ms(o->interval) > now_ms;
	if (fetch_number(json_object_get(reg, "start"), &start) <= 0 ||
	    fetch_number(json_object_get(reg, "end"), &end) <= 0)
		return 0;
	return t_ms >= (int64_t)start * 1000 && now_ms < (int64_t)end * 1000;
}

/*
 * The bars of a chart result; bars from end_s on (epoch s) are dropped:
 * the live bar Yahoo appends to a window that is not the last.
 */
static int
bars(struct fetch *f, const struct fetch_job *j, const json_t *res,
     const char *tz, const char *zone, const char *as_of, long long end_s,
     int64_t now_ms)
{
	struct extract_ctx *c = fetch_ctx(f);
	const json_t *ts = json_object_get(res, "timestamp");
	const json_t *ind = json_object_get(res, "indicators");
	const json_t *q = json_array_get(json_object_get(ind, "quote"), 0);
	const json_t *adj = json_object_get(
		json_array_get(json_object_get(ind, "adjclose"), 0),
		"adjclose");
	static const char *const keys[] = {"open", "high", "low", "close"};
	const json_t *col[4];
	const char *iv = mdx_interval_name(c->o->interval);
	size_t n = json_array_size(ts);
	long dropped = 0;

	for (int k = 0; k < 4; k++)
		col[k] = json_object_get(q, keys[k]);
	for (size_t i = 0; i < n; i++) {
		const json_t *t = json_array_get(ts, i);
		double v, secs = json_number_value(t);
		int64_t ms;
		int32_t day;
		int nprice = 0;
		json_t *rec;

		if (!json_is_number(t) || !isfinite(secs)) {
			dropped++;
			continue;
		}
		if (mdx_ms_from_secs(secs, &ms) < 0 ||
		    mdx_tz_utc_to_local(zone, ms, &day, NULL, NULL, NULL) < 0) {
			fetch_reject(f, j->name, "timestamp", "epoch seconds",
				     secs);
			continue;
		}
		for (int k = 0; k < 4; k++)
			if (at(col[k], i, &v) > 0)
				nprice++;
		if (nprice == 0 || secs >= (double)end_s ||
		    !extract_bar_in_range(c, j, day, (int64_t)secs * 1000)) {
			dropped++; /* no price at all, or the live bar */
			continue;
		}
		rec = json_pack("{s:s,s:s,s:s,s:I}", "type", "bar", "symbol",
				j->name, "interval", iv, "t", (json_int_t)ms);
		if (rec == NULL)
			return fetch_emit(f, NULL);
		if (tz != NULL)
			fetch_set(f, rec, "tz", json_string(tz));
		for (int k = 0; k < 4; k++)
			if (at(col[k], i, &v) > 0)
				fetch_set(f, rec, keys[k], json_real(v));
		if (at(adj, i, &v) > 0)
			fetch_set(f, rec, "adj_close", json_real(v));
		if (at(json_object_get(q, "volume"), i, &v) > 0) {
			if (!(fabs(v) < 9e15)) {
				fetch_reject(f, j->name, "volume", "volume", v);
				json_decref(rec);
				continue;
			}
			fetch_set(f, rec, "volume", num(v, 1));
		}
		/* Yahoo's OHLC and volume are split-adjusted, its adjclose
		 * split- and dividend-adjusted, as of the answer */
		fetch_set_basis(f, rec, as_of);
		fetch_set(f, rec, "source", json_string("yahoo"));
		if (open_bar(c->o, json_object_get(res, "meta"),
			     (int64_t)secs * 1000, now_ms))
			fetch_set(f, rec, "final", json_false());
		if (fetch_emit(f, rec) < 0)
			return -1;
	}
	fetch_count(f, (long)n, dropped);
	return 0;
}

/*
 * events.splits and events.dividends as action records, splits first:
 * all of them, or with in_range those inside --from/--to.  A split's
 * ratio is numerator/denominator; a dividend's amount is split-adjusted
 * as of the answer (as_of), and says so.
 */
static int
actions(struct fetch *f, const char *sym, const json_t *res, const char *zone,
	const char *as_of, int in_range)
{
	struct extract_ctx *c = fetch_ctx(f);
	const json_t *ev = json_object_get(res, "events");
	static const char *const kinds[] = {"splits", "dividends"};

	for (int k = 0; k < 2; k++) {
		const char *key;
		json_t *e;

		json_object_foreach (json_object_get(ev, kinds[k]), key, e) {
			double secs, a = 0, b = 0;
			char date[MDX_DATE_LEN];
			int64_t ms;
			int32_t day;
			json_t *rec;

			fetch_count(f, 1, 0);
			if (fetch_number(json_object_get(e, "date"), &secs) <=
			    0)
				continue;
			if (mdx_ms_from_secs(secs, &ms) < 0 ||
			    mdx_tz_utc_to_local(zone, ms, &day, NULL, NULL,
						NULL) < 0) {
				fetch_reject(f, sym, "date", "epoch seconds",
					     secs);
				continue;
			}
			if (in_range && !extract_in_range(c, day)) {
				fetch_count(f, 0, 1);
				continue;
			}
			mdx_date_format(day, date);
			if (k == 1) {
				if (fetch_number(json_object_get(e, "amount"),
						 &a) <= 0 ||
				    !(a > 0))
					continue;
				rec = json_pack(
					"{s:s,s:s,s:s,s:s,s:o,s:s}", "type",
					"action", "symbol", sym, "date", date,
					"kind", "dividend", "amount",
					fetch_num(a), "source", "yahoo");
				if (rec != NULL)
					fetch_set_basis(f, rec, as_of);
			} else {
				if (fetch_number(
					    json_object_get(e, "numerator"),
					    &a) <= 0 ||
				    fetch_number(
					    json_object_get(e, "denominator"),
					    &b) <= 0 ||
				    !(a > 0) || !(b > 0))
					continue;
				rec = json_pack(
					"{s:s,s:s,s:s,s:s,s:o,s:s}", "type",
					"action", "symbol", sym, "date", date,
					"kind", "split", "ratio",
					fetch_num(extract_split_ratio(a / b)),
					"source", "yahoo");
			}
			if (fetch_emit(f, rec) < 0)
				return -1;
		}
	}
	return 0;
}

static int
y_parse(struct fetch *f, struct fetch_job *j, int kind,
	const struct mdx_http_resp *r, struct mdx_err *e)
{
	const struct extract_opts *o = fetch_ctx(f)->o;
	json_t *root = fetch_json(r, e), *chart, *err, *res, *meta;
	const char *tz, *zone = "America/New_York";
	char as_of[MDX_DATE_LEN];
	int ret = -1, w = kind / Y_WINDOW, clamped;
	long long p1, p2, n, end_s = LLONG_MAX;
	int64_t now_ms = r->date_ms >= 0 ? r->date_ms : extract_now_ms();

	if (root == NULL)
		return -1;
	kind %= Y_WINDOW;
	if (kind == Y_CHART && windows(o, j, &p1, &p2, &n, &clamped, e) == 0 &&
	    w + 1 < n)
		end_s = window_end(o, p1, p2, w, n);
	fetch_answer_date(r, as_of);
	chart = json_object_get(root, "chart");
	err = json_object_get(chart, "error");
	res = json_array_get(json_object_get(chart, "result"), 0);
	if (json_is_object(err) || !json_is_object(res)) {
		const char *d =
			json_string_value(json_object_get(err, "description"));

		mdx_err_set(e, MDX_EPERM, "chart error: %s",
			    d ? d : "no chart.result in the response");
		goto out;
	}
	meta = json_object_get(res, "meta");
	tz = json_string_value(json_object_get(meta, "exchangeTimezoneName"));
	if (tz != NULL && mdx_tz_valid(tz))
		zone = tz;
	else
		tz = NULL; /* transform then takes its default zone */
	if (kind == Y_EVENTS) {
		/* all the events, then the bars' own request */
		if (actions(f, j->name, res, zone, as_of, 0) < 0 ||
		    chart_get(f, j, e) < 0)
			goto out;
		ret = 0;
		goto out;
	}
	if (o->what != WHAT_ACTIONS && w == 0 &&
	    instrument(f, j->name, meta) < 0)
		goto out;
	/* a symbol's actions come before its bars */
	if (o->what == WHAT_ACTIONS &&
	    actions(f, j->name, res, zone, as_of, 1) < 0)
		goto out;
	if (o->what == WHAT_BARS && !events_apart(o, j) &&
	    actions(f, j->name, res, zone, as_of, 0) < 0)
		goto out;
	if (o->what == WHAT_BARS &&
	    bars(f, j, res, tz, zone, as_of, end_s, now_ms) < 0)
		goto out;
	ret = 0;
out:
	json_decref(root);
	return ret;
}

const struct fetch_provider yahoo_provider = {
	.name = "yahoo",
	.base = "https://query1.finance.yahoo.com",
	.key_env = NULL,
	.rate = MDX_HTTP_RATE_YAHOO,
	.user_agent = MDX_HTTP_UA_BROWSER,
	.check = y_check,
	.plan = NULL,
	.start = y_start,
	.classify = NULL,
	.parse = y_parse,
	.since = 1,
	.symbol_style = MDX_SYMBOL_DASH,
};
