/*
 * record.c - record types, bar validation and canonical form
 * (DESIGN.md section 2).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mdx_alloc.h"
#include "mdx_ndjson.h"
#include "mdx_output.h"
#include "mdx_record.h"

int
mdx_rec_type(const json_t *rec, struct mdx_err *e)
{
	const json_t *t = json_object_get(rec, "type");
	const char *s;

	if (t == NULL)
		return MDX_REC_BAR;
	if (!json_is_string(t))
		return mdx_err_field(e, MDX_EINPUT, "type",
				     "expected a string");
	s = json_string_value(t);
	if (strcmp(s, "bar") == 0)
		return MDX_REC_BAR;
	if (strcmp(s, "instrument") == 0)
		return MDX_REC_INSTRUMENT;
	if (strcmp(s, "action") == 0)
		return MDX_REC_ACTION;
	if (strcmp(s, "run") == 0)
		return MDX_REC_RUN;
	return mdx_err_field(e, MDX_EINPUT, "type",
			     "unknown record type '%.32s'", s);
}

int
mdx_symbol_valid(const char *s)
{
	size_t n = 0;

	if (s == NULL || *s == '\0')
		return 0;
	for (; s[n]; n++) {
		unsigned char c = (unsigned char)s[n];

		if (n >= MDX_SYMBOL_MAX)
			return 0;
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '-' ||
		      c == '_' || c == '^' || c == '=' || c == ':' || c == '/'))
			return 0;
	}
	return 1;
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && strcmp(s + n - m, suffix) == 0;
}

int
mdx_symbol_is_quote(const char *symbol)
{
	static const char *const crypto[] = {"-USD", "-USDT", "-EUR", "-BTC",
					     NULL};

	if (ends_with(symbol, "=X"))
		return 1; /* Yahoo FX */
	if (strncmp(symbol, "C:", 2) == 0 || strncmp(symbol, "X:", 2) == 0)
		return 1; /* Polygon FX and crypto */
	for (size_t i = 0; crypto[i]; i++)
		if (ends_with(symbol, crypto[i]))
			return 1; /* Yahoo crypto pairs */
	return 0;
}

static const char *const interval_names[MDX_INTERVAL_N] = {
	"1m",  "2m", "5m", "15m", "30m", "1h",
	"90m", "1d", "5d", "1wk", "1mo", "3mo"};

int
mdx_interval_parse(const char *s)
{
	if (s == NULL)
		return -1;
	for (int i = 0; i < MDX_INTERVAL_N; i++)
		if (strcmp(s, interval_names[i]) == 0)
			return i;
	return strcmp(s, "60m") == 0 ? MDX_I1H : -1;
}

const char *
mdx_interval_name(int interval)
{
	if (interval < 0 || interval >= MDX_INTERVAL_N)
		return NULL;
	return interval_names[interval];
}

int
mdx_interval_intraday(int interval)
{
	return interval >= MDX_I1M && interval <= MDX_I90M;
}

int64_t
mdx_interval_ms(int interval)
{
	static const int64_t ms[MDX_INTERVAL_N] = {
		[MDX_I1M] = 60000,
		[MDX_I2M] = 120000,
		[MDX_I5M] = 300000,
		[MDX_I15M] = 900000,
		[MDX_I30M] = 1800000,
		[MDX_I1H] = 3600000,
		[MDX_I90M] = 5400000,
		[MDX_I1D] = MDX_MS_PER_DAY,
		[MDX_I5D] = 7 * MDX_MS_PER_DAY,
		[MDX_I1WK] = 7 * MDX_MS_PER_DAY,
		[MDX_I1MO] = 31 * MDX_MS_PER_DAY,
		[MDX_I3MO] = 92 * MDX_MS_PER_DAY,
	};

	return interval >= 0 && interval < MDX_INTERVAL_N ? ms[interval] : 0;
}

/* mdx_json_number of the value j of key (NULL: absent) */
static int
number_of(const json_t *j, const char *key, double *v, struct mdx_err *e)
{
	if (j == NULL || json_is_null(j))
		return 0;
	if (!json_is_number(j)) {
		if (json_is_string(j))
			return mdx_err_field(e, MDX_EINPUT, key,
					     "expected a number, got a string");
		return mdx_err_field(e, MDX_EINPUT, key, "expected a number");
	}
	*v = json_number_value(j);
	if (!isfinite(*v))
		return mdx_err_field(e, MDX_EINPUT, key, "not a finite number");
	return 1;
}

int
mdx_json_number(const json_t *rec, const char *key, double *v,
		struct mdx_err *e)
{
	return number_of(json_object_get(rec, key), key, v, e);
}

/* mdx_json_string of the value j of key (NULL: absent) */
static int
string_of(const json_t *j, const char *key, const char **s, struct mdx_err *e)
{
	if (j == NULL || json_is_null(j))
		return 0;
	if (!json_is_string(j))
		return mdx_err_field(e, MDX_EINPUT, key, "expected a string");
	*s = json_string_value(j);
	return 1;
}

int
mdx_json_string(const json_t *rec, const char *key, const char **s,
		struct mdx_err *e)
{
	return string_of(json_object_get(rec, key), key, s, e);
}

/*
 * The fields of a bar that its checks read, found in one pass over the
 * record's keys rather than by a hash look-up each (the hot path of
 * mdx-transform and mdx-load); NULL where absent.
 */
enum bar_key {
	K_SYMBOL,
	K_INTERVAL,
	K_OPEN,
	K_HIGH,
	K_LOW,
	K_CLOSE,
	K_ADJ,
	K_VOLUME,
	K_VWAP,
	K_TRADES,
	K_SOURCE,
	K_SESSION,
	K_PHASE,
	K_TZ,
	K_TIME,
	K_TS,
	K_T,
	K_DATE,
	K_N
};

struct bar_view {
	const json_t *v[K_N];
};

/* the enum bar_key of key, or -1 */
static int
bar_key(const char *k)
{
	switch (k[0]) {
	case 's':
		return strcmp(k, "symbol") == 0	   ? K_SYMBOL
		       : strcmp(k, "source") == 0  ? K_SOURCE
		       : strcmp(k, "session") == 0 ? K_SESSION
						   : -1;
	case 'i':
		return strcmp(k, "interval") == 0 ? K_INTERVAL : -1;
	case 'o':
		return strcmp(k, "open") == 0 ? K_OPEN : -1;
	case 'h':
		return strcmp(k, "high") == 0 ? K_HIGH : -1;
	case 'l':
		return strcmp(k, "low") == 0 ? K_LOW : -1;
	case 'c':
		return strcmp(k, "close") == 0 ? K_CLOSE : -1;
	case 'a':
		return strcmp(k, "adj_close") == 0 ? K_ADJ : -1;
	case 'v':
		return strcmp(k, "volume") == 0 ? K_VOLUME
		       : strcmp(k, "vwap") == 0 ? K_VWAP
						: -1;
	case 't':
		return strcmp(k, "trades") == 0 ? K_TRADES
		       : strcmp(k, "tz") == 0	? K_TZ
		       : strcmp(k, "time") == 0 ? K_TIME
		       : strcmp(k, "ts") == 0	? K_TS
		       : strcmp(k, "t") == 0	? K_T
						: -1;
	case 'p':
		return strcmp(k, "phase") == 0 ? K_PHASE : -1;
	case 'd':
		return strcmp(k, "date") == 0 ? K_DATE : -1;
	default:
		return -1;
	}
}

static void
bar_view(const json_t *rec, struct bar_view *w)
{
	int i;

	memset(w, 0, sizeof(*w));
	for (void *it = json_object_iter((json_t *)rec); it != NULL;
	     it = json_object_iter_next((json_t *)rec, it)) {
		const char *k = json_object_iter_key(it);

		/* the key as json_object_get finds it: no NUL inside */
		if ((i = bar_key(k)) >= 0 &&
		    json_object_iter_key_len(it) == strlen(k))
			w->v[i] = json_object_iter_value(it);
	}
}

/* a non-negative integer field (an integral real such as 6.5799349e+07 is
 * accepted); returns 1, 0 (absent), -1 */
static int
json_count(const json_t *j, const char *key, int64_t *v, struct mdx_err *e)
{
	double d;

	if (j == NULL || json_is_null(j))
		return 0;
	if (json_is_integer(j)) {
		if (json_integer_value(j) < 0)
			return mdx_err_field(e, MDX_EINPUT, key,
					     "negative (%lld)",
					     (long long)json_integer_value(j));
		*v = json_integer_value(j);
		return 1;
	}
	if (number_of(j, key, &d, e) < 0)
		return -1;
	if (d < 0)
		return mdx_err_field(e, MDX_EINPUT, key, "negative (%g)", d);
	if (d != floor(d) || d > 9.0e18)
		return mdx_err_field(e, MDX_EINPUT, key,
				     "expected a whole number, got %g", d);
	*v = (int64_t)d;
	return 1;
}

/* required or optional symbol field */
static int
symbol_of(const json_t *j, const char **sym, struct mdx_err *e)
{
	int rc = string_of(j, "symbol", sym, e);

	if (rc < 0)
		return -1;
	if (rc == 0)
		return mdx_err_field(e, MDX_EINPUT, "symbol", "missing");
	if (!mdx_symbol_valid(*sym))
		return mdx_err_field(e, MDX_EINPUT, "symbol",
				     "invalid symbol (allowed: letters, digits "
				     "and . - _ ^ = : /, at most %d)",
				     MDX_SYMBOL_MAX);
	return 0;
}

static int
get_symbol(const json_t *rec, const char **sym, struct mdx_err *e)
{
	return symbol_of(json_object_get(rec, "symbol"), sym, e);
}

static int
get_price(const json_t *j, const char *key, double *v, unsigned flag,
	  unsigned *has, struct mdx_err *e)
{
	int rc = number_of(j, key, v, e);

	if (rc < 0)
		return -1;
	if (rc == 0)
		return 0;
	if (!(*v > 0))
		return mdx_err_field(e, MDX_EINPUT, key,
				     "price must be > 0, got %g", *v);
	*has |= flag;
	return 0;
}

/* parse "YYYY-MM-DD[ HH:MM[:SS]]" or with 'T'; *has_clock tells */
static int
parse_wall(const char *s, int *y, int *mo, int *d, int *h, int *mi, int *sec,
	   int *has_clock)
{
	char date[MDX_DATE_LEN];
	int32_t day;
	size_t n = strlen(s);

	*h = *mi = *sec = 0;
	*has_clock = 0;
	if (n < 10)
		return -1;
	memcpy(date, s, 10);
	date[10] = '\0';
	if (mdx_date_parse(date, &day, NULL))
		return -1;
	mdx_civil_from_days(day, y, mo, d);
	if (n == 10)
		return 0;
	if ((s[10] != ' ' && s[10] != 'T') || (n != 16 && n != 19))
		return -1;
	for (size_t i = 11; i < n; i++) {
		if ((i == 13 || i == 16) ? s[i] != ':'
					 : (s[i] < '0' || s[i] > '9'))
			return -1;
	}
	*h = (s[11] - '0') * 10 + (s[12] - '0');
	*mi = (s[14] - '0') * 10 + (s[15] - '0');
	if (n == 19)
		*sec = (s[17] - '0') * 10 + (s[18] - '0');
	if (*h > 23 || *mi > 59 || *sec > 59)
		return -1; /* no 24:00, no leap second */
	*has_clock = 1;
	return 0;
}

int
mdx_day_start_plausible(int64_t ms, int32_t day)
{
	const int64_t q = 15 * 60 * 1000LL, h = 60 * 60 * 1000LL;
	int64_t off = (int64_t)day * MDX_MS_PER_DAY - ms; /* local - UTC */

	return off % q == 0 && off >= -12 * h && off <= 14 * h;
}

/* a daily bar's "ts" (b->ts, parsed) must be 00:00 of its trading date */
static int
day_key(const struct bar_view *w, const char *tz, const char *zone,
	struct mdx_bar *b, struct mdx_err *e)
{
	const char *dtext = NULL;
	char ts[MDX_RFC3339_LEN], date[MDX_DATE_LEN];
	int64_t start;
	int ok;

	if (string_of(w->v[K_DATE], "date", &dtext, e) < 0)
		return -1;
	if (dtext != NULL) {
		if (mdx_date_parse(dtext, &b->date, e)) {
			if (e)
				snprintf(e->field, sizeof(e->field), "date");
			return -1;
		}
	} else if (mdx_tz_utc_to_local(zone, b->ts, &b->date, NULL, NULL, e)) {
		return -1;
	}
	if (dtext == NULL || tz != NULL) {
		if (mdx_tz_day_start(zone, b->date, &start, e))
			return -1;
		ok = start == b->ts;
	} else {
		ok = mdx_day_start_plausible(b->ts, b->date);
		zone = "any zone";
	}
	if (!ok)
		return mdx_err_field(e, MDX_EINPUT, "ts",
				     "%s is not 00:00 of %s in %s (a daily "
				     "bar keys on its trading day)",
				     mdx_rfc3339_format(b->ts, ts),
				     mdx_date_format(b->date, date), zone);
	return 0;
}

/*
 * Work out ts and date of a bar.  Daily and longer bars key on 00:00 of the
 * trading date in the exchange's zone; intraday bars on their start instant.
 */
static int
bar_time(const struct bar_view *w, int interval, const struct mdx_canon_opts *o,
	 struct mdx_bar *b, struct mdx_err *e)
{
	const char *zone = o->default_tz ? o->default_tz : "America/New_York";
	const char *tz = NULL, *wall = NULL, *tstext = NULL;
	const json_t *t = w->v[K_T];
	int daily = !mdx_interval_intraday(interval);
	int has_t = t != NULL && !json_is_null(t);
	int rc;

	if (string_of(w->v[K_TZ], "tz", &tz, e) < 0)
		return -1;
	if (tz != NULL) {
		if (!mdx_tz_valid(tz))
			return mdx_err_field(e, MDX_EINPUT, "tz",
					     "unknown time zone '%.64s'", tz);
		zone = tz;
	}
	if (string_of(w->v[K_TIME], "time", &wall, e) < 0 ||
	    string_of(w->v[K_TS], "ts", &tstext, e) < 0)
		return -1;
	if (has_t + (wall != NULL) > 1)
		return mdx_err_field(e, MDX_EINPUT, "t",
				     "both 't' and 'time' given");
	if (has_t) {
		double d;

		if (json_is_integer(t)) {
			b->ts = json_integer_value(t);
		} else {
			if (number_of(t, "t", &d, e) < 0)
				return -1;
			if (d != floor(d) || fabs(d) > 1e15)
				return mdx_err_field(
					e, MDX_EINPUT, "t",
					"expected epoch ms, got %g", d);
			b->ts = (int64_t)d;
		}
		if (b->ts < -2208988800000LL || b->ts > 32503680000000LL)
			return mdx_err_field(e, MDX_EINPUT, "t",
					     "epoch ms %lld out of range "
					     "(1900..3000)",
					     (long long)b->ts);
		if (mdx_tz_utc_to_local(zone, b->ts, &b->date, NULL, NULL, e))
			return -1;
	} else if (wall != NULL) {
		int y, mo, d, h, mi, s, clock;

		if (parse_wall(wall, &y, &mo, &d, &h, &mi, &s, &clock))
			return mdx_err_field(e, MDX_EINPUT, "time",
					     "'%.40s' is not YYYY-MM-DD "
					     "[HH:MM[:SS]] (00:00:00 to "
					     "23:59:59)",
					     wall);
		if (!daily && !clock)
			return mdx_err_field(e, MDX_EINPUT, "time",
					     "intraday bar without a time of "
					     "day");
		b->date = mdx_days_from_civil(y, mo, d);
		if (!daily) {
			rc = mdx_tz_local_to_utc(zone, y, mo, d, h, mi, s,
						 o->fold, &b->ts, e);
			if (rc) {
				if (e)
					snprintf(e->field, sizeof(e->field),
						 "time");
				return -1;
			}
		}
	} else if (tstext != NULL) {
		if (mdx_rfc3339_parse(tstext, &b->ts, e)) {
			if (e)
				snprintf(e->field, sizeof(e->field), "ts");
			return -1;
		}
		if (daily)
			return day_key(w, tz, zone, b, e);
		if (mdx_tz_utc_to_local(zone, b->ts, &b->date, NULL, NULL, e))
			return -1;
	} else {
		return mdx_err_field(e, MDX_EINPUT, "t",
				     "missing time ('t', 'time' or 'ts')");
	}
	if (daily && mdx_tz_day_start(zone, b->date, &b->ts, e))
		return -1;
	return 0;
}

static void
set_num(json_t *rec, const char *key, double v, int present)
{
	json_object_set_new(rec, key, present ? json_real(v) : json_null());
}

static void
set_int(json_t *rec, const char *key, int64_t v, int present)
{
	json_object_set_new(rec, key, present ? json_integer(v) : json_null());
}

static void
set_str(json_t *rec, const char *key, const char *v)
{
	json_object_set_new(rec, key,
			    v != NULL && *v ? json_string(v) : json_null());
}

/* s copied into d (n bytes), cut to n - 1 bytes when longer, and then
 * before a UTF-8 character the cut would split (a cut character is not
 * UTF-8: the writer would give null for the whole text; a fuzz finding) */
static void
copy_str(char *d, size_t n, const char *s)
{
	size_t len = strnlen(s, n - 1);

	while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
		len--;
	memcpy(d, s, len);
	d[len] = '\0';
}

/* parse the fields of a bar into b; time handled by the caller */
static int
bar_fields(const struct bar_view *w, struct mdx_bar *b, struct mdx_err *e)
{
	const char *sym, *iv = NULL, *s;
	int rc;

	memset(b, 0, sizeof(*b));
	if (symbol_of(w->v[K_SYMBOL], &sym, e))
		return -1;
	copy_str(b->symbol, sizeof(b->symbol), sym);
	rc = string_of(w->v[K_INTERVAL], "interval", &iv, e);
	if (rc < 0)
		return -1;
	if (rc == 0)
		iv = "1d";
	if ((b->interval = mdx_interval_parse(iv)) < 0)
		return mdx_err_field(e, MDX_EINPUT, "interval",
				     "unknown interval '%.16s'", iv);
	if (get_price(w->v[K_OPEN], "open", &b->open, MDX_HAS_OPEN, &b->has,
		      e) ||
	    get_price(w->v[K_HIGH], "high", &b->high, MDX_HAS_HIGH, &b->has,
		      e) ||
	    get_price(w->v[K_LOW], "low", &b->low, MDX_HAS_LOW, &b->has, e) ||
	    get_price(w->v[K_ADJ], "adj_close", &b->adj_close, MDX_HAS_ADJ,
		      &b->has, e) ||
	    get_price(w->v[K_VWAP], "vwap", &b->vwap, MDX_HAS_VWAP, &b->has, e))
		return -1;
	rc = number_of(w->v[K_CLOSE], "close", &b->close, e);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return mdx_err_field(e, MDX_EINPUT, "close", "missing");
	if (!(b->close > 0))
		return mdx_err_field(e, MDX_EINPUT, "close",
				     "price must be > 0, got %g", b->close);
	if ((rc = json_count(w->v[K_VOLUME], "volume", &b->volume, e)) < 0)
		return -1;
	if (rc)
		b->has |= MDX_HAS_VOLUME;
	if ((rc = json_count(w->v[K_TRADES], "trades", &b->trades, e)) < 0)
		return -1;
	if (rc)
		b->has |= MDX_HAS_TRADES;
	s = NULL;
	if (string_of(w->v[K_SOURCE], "source", &s, e) < 0)
		return -1;
	copy_str(b->source, sizeof(b->source), s ? s : "");
	s = NULL;
	if (string_of(w->v[K_SESSION], "session", &s, e) < 0)
		return -1;
	copy_str(b->session, sizeof(b->session), s ? s : "");
	s = NULL;
	if (string_of(w->v[K_PHASE], "phase", &s, e) < 0)
		return -1;
	copy_str(b->phase, sizeof(b->phase), s ? s : "");
	return 0;
}

/* a quote's inconsistencies, as flags (mdx_symbol_is_quote) */
static unsigned
quote_flags(const struct mdx_bar *b)
{
	unsigned f = 0, hl = MDX_HAS_HIGH | MDX_HAS_LOW;

	if ((b->has & hl) == hl && b->high < b->low)
		f |= MDX_FLAG_HIGH_BELOW_LOW;
	if (b->has & MDX_HAS_HIGH) {
		if (b->close > b->high)
			f |= MDX_FLAG_CLOSE_ABOVE_HIGH;
		if ((b->has & MDX_HAS_OPEN) && b->open > b->high)
			f |= MDX_FLAG_OPEN_ABOVE_HIGH;
	}
	if (b->has & MDX_HAS_LOW) {
		if (b->close < b->low)
			f |= MDX_FLAG_CLOSE_BELOW_LOW;
		if ((b->has & MDX_HAS_OPEN) && b->open < b->low)
			f |= MDX_FLAG_OPEN_BELOW_LOW;
	}
	return f;
}

static const char *const flag_names[] = {"high_below_low",  "close_above_high",
					 "open_above_high", "close_below_low",
					 "open_below_low",  NULL};

/* OHLC consistency: low <= open, close <= high, low <= high; a quote's
 * inconsistencies are kept in b->flags */
static int
bar_consistent(struct mdx_bar *b, int allow_partial, struct mdx_err *e)
{
	unsigned need = MDX_HAS_OPEN | MDX_HAS_HIGH | MDX_HAS_LOW;

	if (!allow_partial && (b->has & need) != need)
		return mdx_err_field(e, MDX_EINPUT,
				     !(b->has & MDX_HAS_OPEN)	? "open"
				     : !(b->has & MDX_HAS_HIGH) ? "high"
								: "low",
				     "missing (use --allow-partial to keep "
				     "bars without it)");
	b->flags = 0;
	if (mdx_symbol_is_quote(b->symbol)) {
		b->flags = quote_flags(b);
		return 0;
	}
	if ((b->has & MDX_HAS_HIGH) && (b->has & MDX_HAS_LOW) &&
	    b->high < b->low)
		return mdx_err_set(e, MDX_EINPUT, "high < low (%g < %g)",
				   b->high, b->low);
	if (b->has & MDX_HAS_HIGH) {
		if (b->close > b->high)
			return mdx_err_set(e, MDX_EINPUT,
					   "close > high (%g > %g)", b->close,
					   b->high);
		if ((b->has & MDX_HAS_OPEN) && b->open > b->high)
			return mdx_err_set(e, MDX_EINPUT,
					   "open > high (%g > %g)", b->open,
					   b->high);
	}
	if (b->has & MDX_HAS_LOW) {
		if (b->close < b->low)
			return mdx_err_set(e, MDX_EINPUT,
					   "close < low (%g < %g)", b->close,
					   b->low);
		if ((b->has & MDX_HAS_OPEN) && b->open < b->low)
			return mdx_err_set(e, MDX_EINPUT,
					   "open < low (%g < %g)", b->open,
					   b->low);
	}
	return 0;
}

/* write the canonical fields of b into rec, in the canonical order */
static void
bar_store(json_t *rec, const struct mdx_bar *b)
{
	char ts[MDX_RFC3339_LEN], date[MDX_DATE_LEN];

	json_object_set_new(rec, "type", json_string("bar"));
	json_object_set_new(rec, "symbol", json_string(b->symbol));
	json_object_set_new(rec, "interval",
			    json_string(mdx_interval_name(b->interval)));
	json_object_set_new(rec, "ts",
			    json_string(mdx_rfc3339_format(b->ts, ts)));
	json_object_set_new(rec, "date",
			    json_string(mdx_date_format(b->date, date)));
	set_num(rec, "open", b->open, b->has & MDX_HAS_OPEN);
	set_num(rec, "high", b->high, b->has & MDX_HAS_HIGH);
	set_num(rec, "low", b->low, b->has & MDX_HAS_LOW);
	set_num(rec, "close", b->close, 1);
	set_num(rec, "adj_close", b->adj_close, b->has & MDX_HAS_ADJ);
	set_int(rec, "volume", b->volume, b->has & MDX_HAS_VOLUME);
	set_num(rec, "vwap", b->vwap, b->has & MDX_HAS_VWAP);
	set_int(rec, "trades", b->trades, b->has & MDX_HAS_TRADES);
	set_str(rec, "session", b->session);
	set_str(rec, "phase", b->phase);
	set_str(rec, "source", b->source);
	if (b->flags != 0) {
		json_t *a = json_array();

		for (size_t i = 0; flag_names[i] && a; i++)
			if (b->flags & (1u << i))
				json_array_append_new(
					a, json_string(flag_names[i]));
		json_object_set_new(rec, "flags", a);
	}
}

int
mdx_bar_known_field(const char *key)
{
	/* the keys of struct bar_view, "type" and "flags" */
	return bar_key(key) >= 0 || strcmp(key, "type") == 0 ||
	       strcmp(key, "flags") == 0;
}

int
mdx_bar_read(const json_t *rec, const struct mdx_canon_opts *o,
	     struct mdx_bar *b, struct mdx_err *e)
{
	static const struct mdx_canon_opts defaults = {0};
	struct bar_view w;

	if (o == NULL)
		o = &defaults;
	bar_view(rec, &w);
	if (bar_fields(&w, b, e) || bar_time(&w, b->interval, o, b, e) ||
	    bar_consistent(b, o->allow_partial, e))
		return -1;
	return 0;
}

int
mdx_bar_canonicalize(json_t *rec, const struct mdx_canon_opts *o,
		     struct mdx_bar *out, struct mdx_err *e)
{
	struct mdx_bar tmp, *b = out ? out : &tmp;
	json_t *extra, *v;
	const char *k;

	if (mdx_bar_read(rec, o, b, e))
		return -1;
	/* rebuild so that the canonical fields come first, in order, and any
	 * unknown fields after them; the raw time fields are dropped */
	if ((extra = json_object()) == NULL)
		return mdx_err_set(e, MDX_ENOMEM, "out of memory");
	json_object_foreach (rec, k, v) {
		if (!mdx_bar_known_field(k))
			json_object_set(extra, k, v);
	}
	json_object_clear(rec);
	bar_store(rec, b);
	json_object_update(rec, extra);
	json_decref(extra);
	return 0;
}

/* a growing output buffer for mdx_bar_format */
struct obuf {
	char **buf;
	size_t *cap;
	size_t len;
	int nomem;
};

static int
ob_room(struct obuf *ob, size_t n)
{
	if (ob->len + n + 1 <= *ob->cap)
		return 0;
	size_t ncap = *ob->cap ? *ob->cap : 512;

	while (ob->len + n + 1 > ncap)
		ncap *= 2;
	char *nb = mdx_realloc(*ob->buf, ncap);

	if (nb == NULL) {
		ob->nomem = 1;
		return -1;
	}
	*ob->buf = nb;
	*ob->cap = ncap;
	return 0;
}

static void
ob_put(struct obuf *ob, const char *s, size_t n)
{
	if (ob_room(ob, n))
		return;
	memcpy(*ob->buf + ob->len, s, n);
	ob->len += n;
}

#define OB_LIT(ob, lit) ob_put(ob, lit, sizeof(lit) - 1)

/* a JSON value as every mdx writer writes it (mdx_output_json_text) */
static void
ob_json(struct obuf *ob, const json_t *v)
{
	char *text = mdx_output_json_text(v);

	if (text == NULL) {
		ob->nomem = 1;
		return;
	}
	ob_put(ob, text, strlen(text));
	mdx_free(text);
}

/* a string value: plain ASCII without quotes or backslashes is copied,
 * anything else is encoded by jansson */
static void
ob_str(struct obuf *ob, const char *s)
{
	size_t n = 0;

	if (s == NULL || *s == '\0') {
		OB_LIT(ob, "null");
		return;
	}
	for (; s[n]; n++) {
		unsigned char c = (unsigned char)s[n];

		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
			json_t *j = json_string(s);

			if (j == NULL) {
				OB_LIT(ob, "null");
				return;
			}
			ob_json(ob, j);
			json_decref(j);
			return;
		}
	}
	OB_LIT(ob, "\"");
	ob_put(ob, s, n);
	OB_LIT(ob, "\"");
}

/* a real in mdx's one number policy (mdx_output_number: the shortest
 * decimal that reads back as v, no ".0"); null when absent or not finite */
static void
ob_real(struct obuf *ob, double v, int present)
{
	char tmp[MDX_NUM_LEN];

	if (!present || !isfinite(v)) {
		OB_LIT(ob, "null");
		return;
	}
	mdx_output_number(v, tmp);
	ob_put(ob, tmp, strlen(tmp));
}

static void
ob_int(struct obuf *ob, int64_t v, int present)
{
	char tmp[24], *p = tmp + sizeof(tmp);
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	if (!present) {
		OB_LIT(ob, "null");
		return;
	}
	/* as "%lld" writes it, without printf */
	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--p = '-';
	ob_put(ob, p, (size_t)(tmp + sizeof(tmp) - p));
}

long
mdx_bar_format(const struct mdx_bar *b, const json_t *src, char **buf,
	       size_t *cap)
{
	struct obuf ob = {buf, cap, 0, 0};
	char ts[MDX_RFC3339_LEN], date[MDX_DATE_LEN];
	const char *k;
	json_t *v;

	OB_LIT(&ob, "{\"type\":\"bar\",\"symbol\":");
	ob_str(&ob, b->symbol);
	OB_LIT(&ob, ",\"interval\":");
	ob_str(&ob, mdx_interval_name(b->interval));
	OB_LIT(&ob, ",\"ts\":");
	ob_str(&ob, mdx_rfc3339_format(b->ts, ts));
	OB_LIT(&ob, ",\"date\":");
	ob_str(&ob, mdx_date_format(b->date, date));
	OB_LIT(&ob, ",\"open\":");
	ob_real(&ob, b->open, b->has & MDX_HAS_OPEN);
	OB_LIT(&ob, ",\"high\":");
	ob_real(&ob, b->high, b->has & MDX_HAS_HIGH);
	OB_LIT(&ob, ",\"low\":");
	ob_real(&ob, b->low, b->has & MDX_HAS_LOW);
	OB_LIT(&ob, ",\"close\":");
	ob_real(&ob, b->close, 1);
	OB_LIT(&ob, ",\"adj_close\":");
	ob_real(&ob, b->adj_close, b->has & MDX_HAS_ADJ);
	OB_LIT(&ob, ",\"volume\":");
	ob_int(&ob, b->volume, b->has & MDX_HAS_VOLUME);
	OB_LIT(&ob, ",\"vwap\":");
	ob_real(&ob, b->vwap, b->has & MDX_HAS_VWAP);
	OB_LIT(&ob, ",\"trades\":");
	ob_int(&ob, b->trades, b->has & MDX_HAS_TRADES);
	OB_LIT(&ob, ",\"session\":");
	ob_str(&ob, b->session);
	OB_LIT(&ob, ",\"phase\":");
	ob_str(&ob, b->phase);
	OB_LIT(&ob, ",\"source\":");
	ob_str(&ob, b->source);
	for (size_t i = 0, n = 0; flag_names[i]; i++) {
		if (!(b->flags & (1u << i)))
			continue;
		if (n++ == 0)
			OB_LIT(&ob, ",\"flags\":[");
		else
			OB_LIT(&ob, ",");
		ob_str(&ob, flag_names[i]);
	}
	if (b->flags != 0)
		OB_LIT(&ob, "]");
	if (src != NULL && json_object_size(src) > 0) {
		json_object_foreach ((json_t *)src, k, v) {
			json_t *key;

			if (mdx_bar_known_field(k))
				continue;
			OB_LIT(&ob, ",");
			if ((key = json_string(k)) == NULL) {
				ob.nomem = 1;
				break;
			}
			ob_json(&ob, key);
			json_decref(key);
			OB_LIT(&ob, ":");
			ob_json(&ob, v);
		}
	}
	OB_LIT(&ob, "}\n");
	if (ob.nomem)
		return -1;
	(*buf)[ob.len] = '\0';
	return (long)ob.len;
}

int
mdx_bar_from_json(const json_t *rec, struct mdx_bar *b, struct mdx_err *e)
{
	const char *ts = NULL, *date = NULL;
	struct bar_view w;

	bar_view(rec, &w);
	if (bar_fields(&w, b, e))
		return -1;
	if (string_of(w.v[K_TS], "ts", &ts, e) < 0 ||
	    string_of(w.v[K_DATE], "date", &date, e) < 0)
		return -1;
	if (ts == NULL)
		return mdx_err_field(e, MDX_EINPUT, "ts",
				     "missing (not a canonical bar: run "
				     "mdx-transform first)");
	if (mdx_rfc3339_parse(ts, &b->ts, e)) {
		if (e)
			snprintf(e->field, sizeof(e->field), "ts");
		return -1;
	}
	if (date == NULL)
		return mdx_err_field(e, MDX_EINPUT, "date", "missing");
	if (mdx_date_parse(date, &b->date, e)) {
		if (e)
			snprintf(e->field, sizeof(e->field), "date");
		return -1;
	}
	return bar_consistent(b, 1, e);
}

const char *
mdx_rec_subject(const json_t *rec, const char *zone, char *buf, size_t n)
{
	static const char *const dates[] = {"date", "as_of", "time", NULL};
	const json_t *sym = json_object_get(rec, "symbol");
	const json_t *t = json_object_get(rec, "t");
	const json_t *ts = json_object_get(rec, "ts");
	char date[MDX_DATE_LEN] = "";
	const char *s = json_is_string(sym) ? json_string_value(sym) : "";
	int64_t ms = 0;
	int have_ms = 0;

	if (n == 0)
		return buf;
	for (size_t i = 0; dates[i] && date[0] == '\0'; i++) {
		const json_t *d = json_object_get(rec, dates[i]);

		if (json_is_string(d) && json_string_length(d) >= 10)
			snprintf(date, sizeof(date), "%.10s",
				 json_string_value(d));
	}
	/* an instant: its date in the zone */
	if (json_is_integer(t)) {
		ms = json_integer_value(t);
		have_ms = 1;
	} else if (json_is_string(ts)) {
		have_ms = mdx_rfc3339_parse(json_string_value(ts), &ms, NULL) ==
			  0;
	}
	if (date[0] == '\0' && have_ms) {
		int32_t day;

		if (mdx_tz_utc_to_local(zone ? zone : "America/New_York", ms,
					&day, NULL, NULL, NULL) == 0)
			mdx_date_format(day, date);
	}
	/* only printable ASCII of the symbol, and a bounded part of it */
	snprintf(buf, n, "%.*s%s%s", (int)strnlen(s, MDX_SYMBOL_MAX), s,
		 *s && date[0] ? " " : "", date);
	for (char *p = buf; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	return buf;
}

json_t *
mdx_bar_to_json(const struct mdx_bar *b)
{
	json_t *rec = json_object();

	if (rec != NULL)
		bar_store(rec, b);
	return rec;
}

static int
check_optional_strings(const json_t *rec, const char *const *keys,
		       struct mdx_err *e)
{
	const char *s;

	for (size_t i = 0; keys[i]; i++)
		if (mdx_json_string(rec, keys[i], &s, e) < 0)
			return -1;
	return 0;
}

static int
check_date_field(const json_t *rec, const char *key, int required,
		 struct mdx_err *e)
{
	const char *s = NULL;
	int32_t day;
	int rc = mdx_json_string(rec, key, &s, e);

	if (rc < 0)
		return -1;
	if (rc == 0)
		return required ? mdx_err_field(e, MDX_EINPUT, key, "missing")
				: 0;
	if (mdx_date_parse(s, &day, e)) {
		if (e)
			snprintf(e->field, sizeof(e->field), "%s", key);
		return -1;
	}
	return 0;
}

int
mdx_instrument_check(const json_t *rec, struct mdx_err *e)
{
	static const char *const strs[] = {"name",   "exchange", "currency",
					   "sector", "industry", "source",
					   NULL};
	static const char *const nums[] = {"market_cap", "shares_outstanding",
					   NULL};
	const char *sym;
	double v;

	if (get_symbol(rec, &sym, e) || check_optional_strings(rec, strs, e) ||
	    check_date_field(rec, "as_of", 0, e) ||
	    check_date_field(rec, "period_end", 0, e))
		return -1;
	for (size_t i = 0; nums[i]; i++) {
		int rc = mdx_json_number(rec, nums[i], &v, e);

		if (rc < 0)
			return -1;
		if (rc && v < 0)
			return mdx_err_field(e, MDX_EINPUT, nums[i],
					     "negative (%g)", v);
	}
	return 0;
}

int
mdx_action_check(const json_t *rec, struct mdx_err *e)
{
	const char *sym, *kind = NULL;
	double v;
	int rc;

	if (get_symbol(rec, &sym, e) || check_date_field(rec, "date", 1, e))
		return -1;
	rc = mdx_json_string(rec, "kind", &kind, e);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return mdx_err_field(e, MDX_EINPUT, "kind", "missing");
	if (strcmp(kind, "split") == 0) {
		rc = mdx_json_number(rec, "ratio", &v, e);
		if (rc < 0)
			return -1;
		if (rc == 0 || !(v > 0))
			return mdx_err_field(e, MDX_EINPUT, "ratio",
					     "a split needs a ratio > 0");
		return 0;
	}
	if (strcmp(kind, "dividend") == 0) {
		rc = mdx_json_number(rec, "amount", &v, e);
		if (rc < 0)
			return -1;
		if (rc == 0 || !(v > 0))
			return mdx_err_field(e, MDX_EINPUT, "amount",
					     "a dividend needs an amount > 0");
		return 0;
	}
	return mdx_err_field(e, MDX_EINPUT, "kind",
			     "unknown action kind '%.32s' (split or dividend)",
			     kind);
}

int
mdx_run_check(const json_t *rec, struct mdx_err *e)
{
	const char *s;
	int rc;

	if ((rc = mdx_json_string(rec, "tool", &s, e)) < 0)
		return -1;
	if (rc == 0)
		return mdx_err_field(e, MDX_EINPUT, "tool", "missing");
	if ((rc = mdx_json_string(rec, "status", &s, e)) < 0)
		return -1;
	if (rc == 0)
		return mdx_err_field(e, MDX_EINPUT, "status", "missing");
	return 0;
}
