/*
 * test_session.c - lib/session.c, the session rule every way in shares,
 * and the record checks it leans on (lib/record.c: quotes, daily keys,
 * clock parts, the subject of a message).  Prices are real: AAPL
 * 2016-12-07 from tests/fixtures/csv/all_stocks_5yr_AAPL_MSFT_DHR_AOS.csv,
 * EURUSD=X 2020-02-03 from tests/fixtures/http/yahoo/chart_EURUSD=X_*.
 */
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "mdx_alloc.h"
#include "mdx_calendar.h"
#include "mdx_record.h"
#include "mdx_session.h"
#include "mdx_time.h"
#include "t.h"

static int32_t
D(const char *s)
{
	int32_t d = 0;

	mdx_date_parse(s, &d, NULL);
	return d;
}

static int64_t
TS(const char *s)
{
	int64_t ms = 0;

	mdx_rfc3339_parse(s, &ms, NULL);
	return ms;
}

/* a canonical AAPL 1d bar of day at ts with the given session */
static struct mdx_bar
aapl(const char *date, const char *ts, const char *session)
{
	struct mdx_bar b;

	memset(&b, 0, sizeof(b));
	snprintf(b.symbol, sizeof(b.symbol), "AAPL");
	b.interval = MDX_I1D;
	b.date = D(date);
	b.ts = TS(ts);
	b.open = 109.26;
	b.high = 111.19;
	b.low = 109.16;
	b.close = 111.03;
	b.has = MDX_HAS_OPEN | MDX_HAS_HIGH | MDX_HAS_LOW;
	snprintf(b.session, sizeof(b.session), "%s", session);
	return b;
}

static void
test_which_symbols(void)
{
	T_OK(mdx_session_nyse("AAPL", "America/New_York"));
	T_OK(mdx_session_nyse("BRK.B", NULL));
	T_OK(!mdx_session_nyse("OCDO.L", "Europe/London"));
	T_OK(!mdx_session_nyse("EURUSD=X", "America/New_York"));
	T_OK(!mdx_session_nyse("ES=F", "America/New_York"));
	T_OK(!mdx_session_nyse("BTC-USD", "America/New_York"));
	T_OK(!mdx_session_nyse("X:BTCUSD", "America/New_York"));
	T_OK(mdx_symbol_is_quote("EURUSD=X"));
	T_OK(mdx_symbol_is_quote("C:EURUSD"));
	T_OK(mdx_symbol_is_quote("ETH-EUR"));
	T_OK(!mdx_symbol_is_quote("ES=F")); /* a future: exchange-traded */
	T_OK(!mdx_symbol_is_quote("AAPL"));
	T_OK(!mdx_symbol_is_quote("BRK-B"));
}

static void
test_label(void)
{
	struct mdx_err e;
	struct mdx_bar b = aapl("2016-12-07", "2016-12-07T05:00:00Z", "");

	mdx_err_clear(&e);
	T_EQ_INT(mdx_session_label(&b, NULL, 0, &e), 0);
	T_EQ_STR(b.session, "regular");
	b = aapl("1999-12-31", "1999-12-31T05:00:00Z", "");
	T_EQ_INT(mdx_session_label(&b, NULL, 0, &e), 0);
	T_EQ_STR(b.session, "early_close");
	/* a Saturday: refused, or kept as closed when asked */
	b = aapl("2016-12-10", "2016-12-10T05:00:00Z", "");
	T_EQ_INT(mdx_session_label(&b, NULL, 0, &e), -1);
	T_EQ_STR(e.field, "date");
	T_EQ_STR(e.text, "2016-12-10 is not an NYSE session (weekend; use "
			 "--allow-non-session to keep it)");
	T_EQ_INT(mdx_session_label(&b, NULL, MDX_SESSION_ALLOW_CLOSED, &e), 0);
	T_EQ_STR(b.session, "closed");
	/* outside the calendar's range: no label is a guess */
	b = aapl("1989-12-29", "1989-12-29T05:00:00Z", "");
	mdx_err_clear(&e);
	T_EQ_INT(mdx_session_label(&b, NULL, 0, &e), -1);
	T_EQ_STR(e.text, "1989-12-29 is outside the NYSE calendar (1990-01-01 "
			 "to 2099-12-31): no session can be given");
	b = aapl("2100-01-04", "2100-01-04T05:00:00Z", "");
	T_EQ_INT(mdx_session_label(&b, NULL, 0, &e), -1);
	/* a daily key off New York midnight */
	b = aapl("2016-12-07", "2016-12-07T00:00:00Z", "");
	T_EQ_INT(mdx_session_label(&b, NULL, 0, &e), -1);
	T_EQ_STR(e.field, "ts");
	/* not on the NYSE calendar: null, whatever the date */
	b = aapl("1871-01-02", "1871-01-02T00:00:00Z", "regular");
	snprintf(b.symbol, sizeof(b.symbol), "EURUSD=X");
	T_EQ_INT(mdx_session_label(&b, "Europe/London", 0, &e), 0);
	T_EQ_STR(b.session, "");
}

static void
test_check(void)
{
	struct mdx_err e;
	struct mdx_bar b;

	mdx_err_clear(&e);
	b = aapl("2016-12-07", "2016-12-07T05:00:00Z", "regular");
	T_EQ_INT(mdx_session_check(&b, NULL, &e), 0);
	/* the three keys of one day: only New York midnight holds */
	b = aapl("2016-12-07", "2016-12-07T05:00:59Z", "regular");
	T_EQ_INT(mdx_session_check(&b, NULL, &e), -1);
	T_EQ_STR(e.field, "ts");
	b = aapl("2016-12-07", "2016-12-07T17:00:00Z", "regular");
	T_EQ_INT(mdx_session_check(&b, NULL, &e), -1);
	b = aapl("2016-12-07", "2016-12-07T17:00:00Z", "");
	T_EQ_INT(mdx_session_check(&b, NULL, &e), -1);
	/* a date that disagrees with ts */
	b = aapl("1969-12-31", "2016-12-07T05:00:00Z", "regular");
	T_EQ_INT(mdx_session_check(&b, NULL, &e), -1);
	/* a weekend: only as closed */
	b = aapl("2016-12-10", "2016-12-10T05:00:00Z", "");
	T_EQ_INT(mdx_session_check(&b, NULL, &e), -1);
	b = aapl("2016-12-10", "2016-12-10T05:00:00Z", "closed");
	T_EQ_INT(mdx_session_check(&b, NULL, &e), 0);
	b = aapl("9999-12-31", "9999-12-31T05:00:00Z", "regular");
	T_EQ_INT(mdx_session_check(&b, NULL, &e), -1);
	/* London's midnight, named by tz or not */
	b = aapl("2020-06-08", "2020-06-07T23:00:00Z", "");
	snprintf(b.symbol, sizeof(b.symbol), "OCDO.L");
	T_EQ_INT(mdx_session_check(&b, NULL, &e), 0);
	T_EQ_INT(mdx_session_check(&b, "Europe/London", &e), 0);
	T_EQ_INT(mdx_session_check(&b, "Asia/Tokyo", &e), -1);
	/* intraday: the date is ts's */
	b = aapl("2024-10-02", "2024-10-02T13:31:00Z", "regular");
	b.interval = MDX_I1M;
	T_EQ_INT(mdx_session_check(&b, NULL, &e), 0);
	b.date = D("2024-10-05");
	T_EQ_INT(mdx_session_check(&b, NULL, &e), -1);
	T_EQ_STR(e.field, "date");
}

static void
test_plausible_midnight(void)
{
	T_OK(mdx_day_start_plausible(TS("2016-12-07T05:00:00Z"),
				     D("2016-12-07")));
	T_OK(mdx_day_start_plausible(TS("2020-06-07T23:00:00Z"),
				     D("2020-06-08")));
	/* Kathmandu, +05:45 */
	T_OK(mdx_day_start_plausible(TS("2020-06-07T18:15:00Z"),
				     D("2020-06-08")));
	T_OK(!mdx_day_start_plausible(TS("2016-12-07T05:00:59Z"),
				      D("2016-12-07")));
	T_OK(!mdx_day_start_plausible(TS("2016-12-07T17:00:00Z"),
				      D("2016-12-07")));
	T_OK(!mdx_day_start_plausible(TS("2016-12-07T05:00:00Z"),
				      D("1969-12-31")));
}

/* mdx_bar_read: clock parts, daily ts, a quote's flags */
static void
test_read(void)
{
	static const char *bad[] = {
		"{\"symbol\":\"AAPL\",\"time\":\"2016-12-07T25:00:00\","
		"\"close\":111.03}",
		"{\"symbol\":\"AAPL\",\"time\":\"2016-12-07 24:00:01\","
		"\"close\":111.03}",
		"{\"symbol\":\"AAPL\",\"time\":\"2016-12-07 23:59:60\","
		"\"close\":111.03}",
		"{\"symbol\":\"AAPL\",\"ts\":\"2016-12-07T17:00:00Z\","
		"\"close\":111.03}",
		"{\"symbol\":\"AAPL\",\"ts\":\"2016-12-07T05:00:00Z\",\"date\":"
		"\"1969-12-31\",\"close\":111.03}",
		NULL};
	struct mdx_canon_opts o = {1, "America/New_York", MDX_FOLD_EARLIER};
	struct mdx_err e;
	struct mdx_bar b;
	json_t *j;
	char *line = NULL;
	size_t cap = 0;

	for (size_t i = 0; bad[i]; i++) {
		j = json_loads(bad[i], 0, NULL);
		mdx_err_clear(&e);
		T_EQ_INT(mdx_bar_read(j, &o, &b, &e), -1);
		json_decref(j);
	}
	j = json_loads("{\"symbol\":\"AAPL\",\"time\":\"2016-12-07 23:59:59\","
		       "\"close\":111.03}",
		       0, NULL);
	T_EQ_INT(mdx_bar_read(j, &o, &b, &e), 0);
	T_EQ_INT(b.ts, TS("2016-12-07T05:00:00Z"));
	json_decref(j);
	/* Yahoo's EURUSD=X 2020-02-03: close above high, kept, flagged */
	j = json_loads("{\"symbol\":\"EURUSD=X\",\"t\":1580688000000,\"tz\":"
		       "\"Europe/London\",\"open\":1.10890555381775,\"high\":"
		       "1.10890555381775,\"low\":1.10434997081757,\"close\":"
		       "1.10897946357727}",
		       0, NULL);
	T_EQ_INT(mdx_bar_read(j, &o, &b, &e), 0);
	T_EQ_INT(b.flags, MDX_FLAG_CLOSE_ABOVE_HIGH);
	T_OK(mdx_bar_format(&b, NULL, &line, &cap) > 0);
	T_OK(strstr(line, ",\"flags\":[\"close_above_high\"]}") != NULL);
	/* the same prices traded on an exchange: refused */
	json_object_set_new(j, "symbol", json_string("AAPL"));
	T_EQ_INT(mdx_bar_read(j, &o, &b, &e), -1);
	T_EQ_STR(e.text, "close > high (1.10898 > 1.10891)");
	json_decref(j);
	mdx_free(line);
}

static void
test_subject(void)
{
	char buf[64];
	json_t *j = json_loads("{\"symbol\":\"AAPL\",\"time\":\"2016-12-07 "
			       "16:00:00\",\"close\":\"x\"}",
			       0, NULL);

	T_EQ_STR(mdx_rec_subject(j, NULL, buf, sizeof(buf)), "AAPL 2016-12-07");
	json_decref(j);
	j = json_loads("{\"symbol\":\"EURUSD=X\",\"t\":1580688000000}", 0,
		       NULL);
	T_EQ_STR(mdx_rec_subject(j, "Europe/London", buf, sizeof(buf)),
		 "EURUSD=X 2020-02-03");
	T_EQ_STR(mdx_rec_subject(j, NULL, buf, sizeof(buf)),
		 "EURUSD=X 2020-02-02");
	json_decref(j);
	j = json_loads("{\"close\":1}", 0, NULL);
	T_EQ_STR(mdx_rec_subject(j, NULL, buf, sizeof(buf)), "");
	json_decref(j);
}

int
main(void)
{
	T_RUN(test_which_symbols);
	T_RUN(test_label);
	T_RUN(test_check);
	T_RUN(test_plausible_midnight);
	T_RUN(test_read);
	T_RUN(test_subject);
	return t_done();
}
