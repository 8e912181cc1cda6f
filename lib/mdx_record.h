/*
 * mdx_record.h - mdx records (DESIGN.md section 2; man page mdx-records(5)).
 *
 * Records travel as JSON objects (jansson json_t).  Bars also have a C form,
 * struct mdx_bar, used by mdx-load and the query core.  Units: instants are
 * epoch ms UTC, dates are days since 1970-01-01, prices are in the
 * instrument's currency, volume in shares (units for FX and crypto).
 */
#ifndef MDX_RECORD_H
#define MDX_RECORD_H

#include <stdint.h>

#include <jansson.h>

#include "mdx_err.h"
#include "mdx_time.h"

#define MDX_SYMBOL_MAX 32 /* longest symbol accepted, bytes */

enum mdx_rec_type {
	MDX_REC_BAR = 0,
	MDX_REC_INSTRUMENT,
	MDX_REC_ACTION,
	MDX_REC_RUN,
};

/*
 * The type of rec from its "type" field ("bar" when absent).  Returns the
 * type, or -1 with e set for a "type" that is not a string or not known.
 */
int mdx_rec_type(const json_t *rec, struct mdx_err *e);

/*
 * Is s an acceptable symbol: 1..MDX_SYMBOL_MAX bytes of letters, digits and
 * . - _ ^ = : / (BRK.B, BRK-B, ^GSPC, EURUSD=X, C:EURUSD, OCDO.L)?  Quotes,
 * spaces, semicolons and control characters are refused.  Returns 1 or 0.
 */
int mdx_symbol_valid(const char *s);

/*
 * Is symbol a quote rather than an exchange trade: an FX pair or a crypto
 * pair in the providers' notations (Yahoo "EURUSD=X", "BTC-USD", "ETH-EUR";
 * Polygon "C:EURUSD", "X:BTCUSD")?  Their open, high, low and close come
 * from different quote streams and need not be consistent (Yahoo's EURUSD=X
 * closes above its high by about 1e-4 on some days), so such bars are kept
 * with the inconsistency in their flags (struct mdx_bar).  Returns 1 or 0.
 */
int mdx_symbol_is_quote(const char *symbol);

/*
 * Bar intervals, DESIGN.md section 2, shortest first: every interval of
 * Yahoo's chart API ("Valid intervals: [1m, 2m, 5m, 15m, 30m, 60m, 90m,
 * 1h, 1d, 5d, 1wk, 1mo, 3mo]", its error for another; 60m is 1h).  The
 * store keeps the names, not these values, so a new one may go in its
 * place in the order; mdx-serve's cursors carry a value (CURSOR_VERSION
 * in serve/serve_util.c moves when they are renumbered).
 */
enum mdx_interval {
	MDX_I1M = 0,
	MDX_I2M,
	MDX_I5M,
	MDX_I15M,
	MDX_I30M,
	MDX_I1H,
	MDX_I90M,
	MDX_I1D,
	MDX_I5D,
	MDX_I1WK,
	MDX_I1MO,
	MDX_I3MO,
	MDX_INTERVAL_N
};

/* the names mdx_interval_parse accepts, for messages and --help */
#define MDX_INTERVAL_NAMES "1m 2m 5m 15m 30m 1h (60m) 90m 1d 5d 1wk 1mo 3mo"

/*
 * Parse an interval's name ("1m" .. "3mo"; "60m", Yahoo's other name of
 * 1h, is 1h) into an enum mdx_interval; -1 if not one.
 */
int mdx_interval_parse(const char *s);

/* The text of an interval ("1d"; 1h, never 60m); NULL for an invalid one. */
const char *mdx_interval_name(int interval);

/* 1 for 1m..90m, 0 for 1d, 5d, 1wk, 1mo, 3mo (and an invalid one). */
int mdx_interval_intraday(int interval);

/*
 * The longest time one bar of interval spans, ms: the interval for
 * intraday ones, 1, 7 (5 sessions and a weekend), 7, 31 and 92 days for
 * 1d, 5d, 1wk, 1mo and 3mo; 0 for an invalid one.
 */
int64_t mdx_interval_ms(int interval);

/* Which optional fields of a bar are present. */
enum mdx_bar_has {
	MDX_HAS_OPEN = 1 << 0,
	MDX_HAS_HIGH = 1 << 1,
	MDX_HAS_LOW = 1 << 2,
	MDX_HAS_ADJ = 1 << 3,
	MDX_HAS_VOLUME = 1 << 4,
	MDX_HAS_VWAP = 1 << 5,
	MDX_HAS_TRADES = 1 << 6,
};

/*
 * What a bar's flags record: its prices break a rule that exchange trades
 * keep, and the bar was kept because it is a quote (mdx_symbol_is_quote).
 * The canonical record lists them as "flags", an array of these names:
 * "high_below_low", "close_above_high", "open_above_high",
 * "close_below_low", "open_below_low" (mdx-records(5)).
 */
enum mdx_bar_flag {
	MDX_FLAG_HIGH_BELOW_LOW = 1 << 0,
	MDX_FLAG_CLOSE_ABOVE_HIGH = 1 << 1,
	MDX_FLAG_OPEN_ABOVE_HIGH = 1 << 2,
	MDX_FLAG_CLOSE_BELOW_LOW = 1 << 3,
	MDX_FLAG_OPEN_BELOW_LOW = 1 << 4,
};

/* A canonical bar. */
struct mdx_bar {
	char symbol[MDX_SYMBOL_MAX + 1]; /* as the exchange prints it */
	int interval;			 /* enum mdx_interval */
	int64_t ts;			 /* bar start, epoch ms UTC */
	int32_t date;			 /* trading date, days since epoch */
	double open, high, low, close;	 /* prices; close always present */
	double adj_close;		 /* adjusted close, if MDX_HAS_ADJ */
	double vwap;			 /* volume-weighted price, if set */
	int64_t volume;			 /* shares, if MDX_HAS_VOLUME */
	int64_t trades;			 /* number of trades, if set */
	unsigned has;			 /* enum mdx_bar_has flags */
	char session[16];		 /* "regular" ... or "" for null */
	char phase[64];			 /* custom phase label or "" */
	char source[32];		 /* provider name or "" */
	unsigned flags;			 /* enum mdx_bar_flag, 0 for none */
};

/* Options for mdx_bar_canonicalize. */
struct mdx_canon_opts {
	int allow_partial;	/* keep bars without open, high or low */
	const char *default_tz; /* exchange zone when the record names none */
	enum mdx_tz_fold fold;	/* repeated wall times (fall-back hour) */
};

/*
 * Turn the raw or canonical bar rec into a canonical bar, in place
 * (DESIGN.md section 2): time from "t" (epoch ms) or "time" + "tz" (wall
 * time in an IANA zone, the clock part 00:00:00 to 23:59:59) or "ts"
 * (RFC 3339); for 1d..3mo bars "ts" is 00:00 of the trading date in the
 * exchange's zone: "t" and "time" are moved there, a "ts" given must be
 * there already (00:00 of "date" when the record has one; in the zone of
 * "tz", or without one in some zone, mdx_day_start_plausible).  Checks:
 * symbol and interval valid; prices finite numbers > 0 (never strings);
 * close required, open/high/low required unless allow_partial; low <= open,
 * close <= high, except that a quote's inconsistencies (mdx_symbol_is_quote)
 * go into flags; volume and trades non-negative integers.  Unknown fields
 * stay.  On success returns 0 and fills out (may be NULL); on failure -1
 * with e naming the field and reason (rec may be partly changed then).
 */
int mdx_bar_canonicalize(json_t *rec, const struct mdx_canon_opts *o,
			 struct mdx_bar *out, struct mdx_err *e);

/*
 * As mdx_bar_canonicalize, but rec is left unchanged and only b is filled:
 * the fast path of mdx-transform, which writes b with mdx_bar_format.
 */
int mdx_bar_read(const json_t *rec, const struct mdx_canon_opts *o,
		 struct mdx_bar *b, struct mdx_err *e);

/*
 * Is key one of the fields of a canonical bar, or a raw time field
 * ("t", "time", "tz") that canonicalization replaces?  1 or 0.
 */
int mdx_bar_known_field(const char *key);

/*
 * Format b as one canonical bar line (the same text mdx_output_json_text
 * gives for mdx_bar_to_json, byte for byte, and a newline: the number
 * policy of mdx_output.h, so mdx-query and mdx-serve write the same bar
 * the same way) into *buf, growing it with mdx_realloc as needed (*buf
 * may be NULL, *cap its size).  Fields of src (may be NULL) that are not
 * known bar fields are appended as mdx_output_json_text writes them.
 * Returns the length written, or -1 when out of memory.
 */
long mdx_bar_format(const struct mdx_bar *b, const json_t *src, char **buf,
		    size_t *cap);

/*
 * Read a canonical bar (as written by mdx_bar_canonicalize or
 * mdx_bar_to_json) into b, with the price checks of mdx_bar_canonicalize
 * (open, high and low may be missing) and flags set as it sets them.  The
 * key and session checks are mdx_session_check's.  Returns 0, or -1 with e
 * set.
 */
int mdx_bar_from_json(const json_t *rec, struct mdx_bar *b, struct mdx_err *e);

/*
 * Is ms (epoch ms UTC) 00:00 of day (days since 1970-01-01) in some zone:
 * a UTC offset that is a whole quarter hour from -12:00 to +14:00 (the
 * offsets tzdata has)?  1 or 0.  The check of a daily key whose zone is
 * not named.
 */
int mdx_day_start_plausible(int64_t ms, int32_t day);

/*
 * What a record is about, for messages: "SYMBOL DATE" ("AAPL 2016-12-07"),
 * as far as rec (a bar, an action or an instrument, valid or not) tells:
 * the symbol when it is a string, the date from "date", "as_of", the date
 * part of "time", or the date of "t" or "ts" in zone (NULL:
 * America/New_York).  Written
 * into buf of size n (64 is enough); "" when rec names neither.  Returns
 * buf.
 */
const char *mdx_rec_subject(const json_t *rec, const char *zone, char *buf,
			    size_t n);

/* A new canonical bar record for b (a new reference), or NULL (no memory). */
json_t *mdx_bar_to_json(const struct mdx_bar *b);

/*
 * Check an instrument record: symbol valid; name, exchange, currency,
 * sector, industry strings or null; market_cap and shares_outstanding
 * finite numbers >= 0 or null; as_of and period_end dates or null.
 * Returns 0 or -1.
 */
int mdx_instrument_check(const json_t *rec, struct mdx_err *e);

/*
 * Check an action record: symbol, date, kind "split" (ratio > 0, new shares
 * per old share: 4 for a 4-for-1 split) or "dividend" (amount > 0, per
 * share, in the instrument's currency).  Returns 0 or -1.
 */
int mdx_action_check(const json_t *rec, struct mdx_err *e);

/* Check a run record: tool and status strings.  Returns 0 or -1. */
int mdx_run_check(const json_t *rec, struct mdx_err *e);

/*
 * Read number field key of rec.  Returns 1 with *v set when present and a
 * finite JSON number, 0 when absent or null, -1 with e set when it has the
 * wrong type (a string, say).
 */
int mdx_json_number(const json_t *rec, const char *key, double *v,
		    struct mdx_err *e);

/*
 * Read string field key of rec: 1 with *s borrowed from rec, 0 when absent
 * or null, -1 with e set when it is not a string.
 */
int mdx_json_string(const json_t *rec, const char *key, const char **s,
		    struct mdx_err *e);

#endif
