/* test_output.c - the row writers: ndjson, json, csv, tsv, table. */
#include <stdio.h>
#include <string.h>

#include "mdx_alloc.h"
#include "mdx_cli.h"
#include "mdx_output.h"
#include "t.h"

static const char *const cols[] = {"symbol", "name", "close", "volume", "note"};

/* three rows: nulls, text that needs quoting, awkward numbers */
static json_t *
rows(void)
{
	return json_pack(
		"[{s:s,s:s,s:f,s:I,s:n},"
		"{s:s,s:s,s:f,s:n,s:s},"
		"{s:s,s:s,s:f,s:I,s:s}]",
		"symbol", "AAPL", "name", "Apple Inc.", "close", 182.009995,
		"volume", (json_int_t)104487900, "note", "symbol", "BRK.B",
		"name", "Berkshire, \"B\"", "close", 0.1 + 0.2, "volume",
		"note", "two\nlines\tand tab", "symbol", "GLE.PA", "name",
		"Soci\xc3\xa9t\xc3\xa9 G\xc3\xa9n\xc3\xa9rale", "close", 100.0,
		"volume", (json_int_t)7, "note", "\xe6\x97\xa5\xe6\x9c\xac");
}

/* render the rows in fmt (width for tables) into buf */
static const char *
render(int fmt, int width, size_t ncols, char *buf, size_t n)
{
	struct mdx_output_opts o = {width};
	struct mdx_err e;
	struct mdx_output *w;
	json_t *rs = rows(), *r;
	FILE *fp = tmpfile();
	size_t i, got;

	buf[0] = '\0';
	if (fp == NULL || rs == NULL)
		return "(setup failed)";
	w = mdx_output_new(fp, fmt, &o, &e);
	T_OK(w != NULL);
	T_OK(mdx_output_columns(w, cols, ncols, &e) == 0);
	json_array_foreach (rs, i, r)
		T_OK(mdx_output_row(w, r, &e) == 0);
	T_OK(mdx_output_finish(w, &e) == 0);
	T_EQ_INT(mdx_output_rows(w), 3);
	mdx_output_free(w);
	json_decref(rs);
	rewind(fp);
	got = fread(buf, 1, n - 1, fp);
	buf[got] = '\0';
	fclose(fp);
	return buf;
}

static void
t_numbers(void)
{
	char b[MDX_NUM_LEN];

	T_EQ_STR(mdx_output_number(182.009995, b), "182.009995");
	T_EQ_STR(mdx_output_number(0.1 + 0.2, b), "0.30000000000000004");
	T_EQ_STR(mdx_output_number(1.0 / 3, b), "0.3333333333333333");
	T_EQ_STR(mdx_output_number(100.0, b), "100");
	T_EQ_STR(mdx_output_number(-0.5, b), "-0.5");
	T_EQ_STR(mdx_output_number(114234572800.0, b), "114234572800");
	T_EQ_STR(mdx_output_number(1e300, b), "1e+300");
	T_EQ_STR(mdx_output_number(5e-324, b), "4.94065645841247e-324");
}

/* each kind on real figures: the ones issue 9 quotes, Yahoo's AAPL open
 * of 2020-01-02, stats AAPL of examples/data */
static void
t_kinds(void)
{
	char b[MDX_NUM_LEN];

	T_EQ_STR((mdx_output_format(0.45699526474386554, MDX_NUM_FIGURE, b), b),
		 "0.456995");
	T_EQ_STR((mdx_output_format(-6.96087985521121e-05, MDX_NUM_FIGURE, b),
		  b),
		 "-0.0000696088");
	T_EQ_STR(
		(mdx_output_format(0.009999999999999998, MDX_NUM_FIGURE, b), b),
		"0.01");
	T_EQ_STR((mdx_output_format(1.3512177580754026, MDX_NUM_FIGURE, b), b),
		 "1.35122");
	T_EQ_STR((mdx_output_format(3429.355544970018, MDX_NUM_FIGURE, b), b),
		 "3429.36");
	T_EQ_STR((mdx_output_format(-0.3207518796992481, MDX_NUM_FIGURE, b), b),
		 "-0.320752");
	T_EQ_STR((mdx_output_format(1000.0, MDX_NUM_FIGURE, b), b), "1000");
	T_EQ_STR((mdx_output_format(0.0, MDX_NUM_FIGURE, b), b), "0");
	T_EQ_STR((mdx_output_format(2.5e-9, MDX_NUM_FIGURE, b), b), "2.5e-09");
	T_EQ_STR((mdx_output_format(50637457767.420006, MDX_NUM_MONEY, b), b),
		 "50637457767.42");
	T_EQ_STR((mdx_output_format(2328355436517.3, MDX_NUM_MONEY, b), b),
		 "2328355436517.30");
	T_EQ_STR((mdx_output_format(4514709504000.0, MDX_NUM_MONEY, b), b),
		 "4514709504000");
	T_EQ_STR((mdx_output_format(-0.004, MDX_NUM_MONEY, b), b), "0");
	T_EQ_STR((mdx_output_format(129.04, MDX_NUM_EXACT, b), b), "129.04");
	T_EQ_STR((mdx_output_format(129.0399932861328, MDX_NUM_EXACT, b), b),
		 "129.0399932861328");
	T_EQ_STR((mdx_output_format(74.05999755859375, MDX_NUM_EXACT, b), b),
		 "74.05999755859375");
	T_EQ_STR((mdx_output_format(170.0, MDX_NUM_EXACT, b), b), "170");
	T_EQ_STR((mdx_output_format(104487900.0, MDX_NUM_COUNT, b), b),
		 "104487900");
	T_EQ_STR((mdx_output_format(0.5, MDX_NUM_COUNT, b), b), "0.5");
	/* the kinds come from one table */
	T_EQ_INT(mdx_output_kind("bars", "close"), MDX_NUM_EXACT);
	T_EQ_INT(mdx_output_kind("stats", "vwap"), MDX_NUM_FIGURE);
	T_EQ_INT(mdx_output_kind(NULL, "vwap"), MDX_NUM_EXACT);
	T_EQ_INT(mdx_output_kind("returns", "AAPL"), MDX_NUM_FIGURE);
	T_EQ_INT(mdx_output_kind("returns", "price"), MDX_NUM_EXACT);
	T_EQ_INT(mdx_output_kind("index composition", "weight"),
		 MDX_NUM_FIGURE);
	T_EQ_INT(mdx_output_kind("index composition", "market_cap"),
		 MDX_NUM_MONEY);
	T_EQ_INT(mdx_output_kind("sql", "return"), MDX_NUM_EXACT);
	T_EQ_INT(mdx_output_kind(NULL, "no such column"), MDX_NUM_EXACT);
}

static void
t_ndjson(void)
{
	char buf[4096];

	T_EQ_STR(render(MDX_FMT_NDJSON, 0, 5, buf, sizeof(buf)),
		 "{\"symbol\":\"AAPL\",\"name\":\"Apple Inc.\","
		 "\"close\":182.009995,\"volume\":104487900,\"note\":null}\n"
		 "{\"symbol\":\"BRK.B\",\"name\":\"Berkshire, \\\"B\\\"\","
		 "\"close\":0.30000000000000004,\"volume\":null,"
		 "\"note\":\"two\\nlines\\tand tab\"}\n"
		 "{\"symbol\":\"GLE.PA\",\"name\":\"Soci\xc3\xa9t\xc3\xa9 "
		 "G\xc3\xa9n\xc3\xa9rale\",\"close\":100,\"volume\":7,"
		 "\"note\":\"\xe6\x97\xa5\xe6\x9c\xac\"}\n");
	/* columns choose and order the keys */
	T_EQ_STR(render(MDX_FMT_NDJSON, 0, 1, buf, sizeof(buf)),
		 "{\"symbol\":\"AAPL\"}\n{\"symbol\":\"BRK.B\"}\n"
		 "{\"symbol\":\"GLE.PA\"}\n");
}

static void
t_json(void)
{
	char buf[4096];
	struct mdx_err e;
	struct mdx_output *w;
	FILE *fp;
	size_t got;

	T_EQ_STR(render(MDX_FMT_JSON, 0, 3, buf, sizeof(buf)),
		 "[\n{\"symbol\":\"AAPL\",\"name\":\"Apple Inc.\","
		 "\"close\":182.009995},\n"
		 "{\"symbol\":\"BRK.B\",\"name\":\"Berkshire, \\\"B\\\"\","
		 "\"close\":0.30000000000000004},\n"
		 "{\"symbol\":\"GLE.PA\",\"name\":\"Soci\xc3\xa9t\xc3\xa9 "
		 "G\xc3\xa9n\xc3\xa9rale\",\"close\":100}\n]\n");
	/* no rows: an empty array */
	fp = tmpfile();
	T_OK(fp != NULL);
	if (fp == NULL)
		return;
	w = mdx_output_new(fp, MDX_FMT_JSON, NULL, &e);
	T_OK(mdx_output_columns(w, cols, 2, &e) == 0);
	T_OK(mdx_output_finish(w, &e) == 0);
	mdx_output_free(w);
	rewind(fp);
	got = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[got] = '\0';
	fclose(fp);
	T_EQ_STR(buf, "[]\n");
}

static void
t_csv(void)
{
	char buf[4096];

	T_EQ_STR(render(MDX_FMT_CSV, 0, 5, buf, sizeof(buf)),
		 "symbol,name,close,volume,note\r\n"
		 "AAPL,Apple Inc.,182.009995,104487900,\r\n"
		 "BRK.B,\"Berkshire, \"\"B\"\"\",0.30000000000000004,,"
		 "\"two\nlines\tand tab\"\r\n"
		 "GLE.PA,Soci\xc3\xa9t\xc3\xa9 G\xc3\xa9n\xc3\xa9rale,100,7,"
		 "\xe6\x97\xa5\xe6\x9c\xac\r\n");
}

static void
t_tsv(void)
{
	char buf[4096];

	T_EQ_STR(
		render(MDX_FMT_TSV, 0, 5, buf, sizeof(buf)),
		"symbol\tname\tclose\tvolume\tnote\n"
		"AAPL\tApple Inc.\t182.009995\t104487900\t\n"
		"BRK.B\tBerkshire, \"B\"\t0.30000000000000004\t\t"
		"two\\nlines\\tand tab\n"
		"GLE.PA\tSoci\xc3\xa9t\xc3\xa9 G\xc3\xa9n\xc3\xa9rale\t100\t7\t"
		"\xe6\x97\xa5\xe6\x9c\xac\n");
}

static void
t_table(void)
{
	char buf[4096];

	/* numbers right, text left, null blank, "Société Générale" 16
	 * columns wide in 22 bytes, 日本 4 columns in 6 bytes */
	T_EQ_STR(
		render(MDX_FMT_TABLE, 0, 5, buf, sizeof(buf)),
		"symbol  name                            close     volume"
		"  note\n"
		"------  ----------------  -------------------  ---------"
		"  -------------------\n"
		"AAPL    Apple Inc.                 182.009995  104487900\n"
		"BRK.B   Berkshire, \"B\"    0.30000000000000004           "
		"  two\\nlines\\tand tab\n"
		"GLE.PA  Soci\xc3\xa9t\xc3\xa9 G\xc3\xa9n\xc3\xa9rale"
		"                  100          7  \xe6\x97\xa5\xe6\x9c\xac\n");
	/* 60 columns, to a file: free text is cut to 16 columns with an
	 * ellipsis; still too wide, the prose column (note, 19 wide) is left
	 * out rather than a number; numbers are never cut */
	T_EQ_STR(render(MDX_FMT_TABLE, 60, 5, buf, sizeof(buf)),
		 "symbol  name                            close     volume"
		 "  \xe2\x80\xa6\n"
		 "------  ----------------  -------------------  ---------  -\n"
		 "AAPL    Apple Inc.                 182.009995  104487900"
		 "  \xe2\x80\xa6\n"
		 "BRK.B   Berkshire, \"B\"    0.30000000000000004           "
		 "  \xe2\x80\xa6\n"
		 "GLE.PA  Soci\xc3\xa9t\xc3\xa9 G\xc3\xa9n\xc3\xa9rale"
		 "                  100          7  \xe2\x80\xa6\n"
		 "3 rows\n"
		 "left out to fit the width (\xe2\x80\xa6): note\n");
	/* 45: then columns out of the middle, the first and last kept */
	T_EQ_STR(render(MDX_FMT_TABLE, 45, 5, buf, sizeof(buf)),
		 "symbol  name              \xe2\x80\xa6     volume"
		 "  \xe2\x80\xa6\n"
		 "------  ----------------  -  ---------  -\n"
		 "AAPL    Apple Inc.        \xe2\x80\xa6  104487900"
		 "  \xe2\x80\xa6\n"
		 "BRK.B   Berkshire, \"B\"    \xe2\x80\xa6             "
		 "\xe2\x80\xa6\n"
		 "GLE.PA  Soci\xc3\xa9t\xc3\xa9 G\xc3\xa9n\xc3\xa9rale  "
		 "\xe2\x80\xa6          7  \xe2\x80\xa6\n"
		 "3 rows\n"
		 "left out to fit the width (\xe2\x80\xa6): close, note\n");
}

/* rows (a JSON array text) through a writer of fmt with o into buf */
static const char *
render_rows(int fmt, const struct mdx_output_opts *o, const char *const *names,
	    size_t n, const char *rows_json, char *buf, size_t len)
{
	struct mdx_err e;
	struct mdx_output *w;
	json_t *rs = json_loads(rows_json, 0, NULL), *r;
	FILE *fp = tmpfile();
	size_t i, got;

	buf[0] = '\0';
	if (fp == NULL || rs == NULL) {
		if (fp != NULL)
			fclose(fp);
		json_decref(rs);
		return "(setup failed)";
	}
	w = mdx_output_new(fp, fmt, o, &e);
	T_OK(w != NULL);
	T_OK(mdx_output_columns(w, names, n, &e) == 0);
	json_array_foreach (rs, i, r)
		T_OK(mdx_output_row(w, r, &e) == 0);
	T_OK(mdx_output_finish(w, &e) == 0);
	mdx_output_free(w);
	json_decref(rs);
	rewind(fp);
	got = fread(buf, 1, len - 1, fp);
	buf[got] = '\0';
	fclose(fp);
	return buf;
}

static const char *const bar_cols[] = {
	"type",	  "symbol",  "interval", "ts",	      "date",	"open",
	"high",	  "low",     "close",	 "adj_close", "volume", "vwap",
	"trades", "session", "phase",	 "source"};

/* AAPL's bars of 2018-02-01, 02 and 05 in examples/data/AAPL_data.csv,
 * as mdx-query bars gives them to the writer */
static const char aapl_bars[] =
	"[{\"type\":\"bar\",\"symbol\":\"AAPL\",\"interval\":\"1d\","
	"\"ts\":\"2018-02-01T05:00:00Z\",\"date\":\"2018-02-01\",\"open\":"
	"167.165,\"high\":168.62,\"low\":166.76,\"close\":167.78,"
	"\"adj_close\":null,\"volume\":47230787,\"vwap\":null,\"trades\":null,"
	"\"session\":\"regular\",\"phase\":null,\"source\":\"csv\"},"
	"{\"type\":\"bar\",\"symbol\":\"AAPL\",\"interval\":\"1d\","
	"\"ts\":\"2018-02-02T05:00:00Z\",\"date\":\"2018-02-02\",\"open\":166."
	"0,"
	"\"high\":166.8,\"low\":160.1,\"close\":160.5,\"adj_close\":null,"
	"\"volume\":86593825,\"vwap\":null,\"trades\":null,\"session\":"
	"\"regular\",\"phase\":null,\"source\":\"csv\"},"
	"{\"type\":\"bar\",\"symbol\":\"AAPL\",\"interval\":\"1d\","
	"\"ts\":\"2018-02-05T05:00:00Z\",\"date\":\"2018-02-05\",\"open\":159."
	"1,"
	"\"high\":163.88,\"low\":156.0,\"close\":156.49,\"adj_close\":null,"
	"\"volume\":72738522,\"vwap\":null,\"trades\":null,\"session\":"
	"\"regular\",\"phase\":null,\"source\":\"csv\"}]";

/* on a terminal: the constant and the empty columns go to the footer */
static void
t_table_terminal(void)
{
	struct mdx_output_opts o = {80, 1, "bars"};
	char buf[4096];

	T_EQ_STR(render_rows(MDX_FMT_TABLE, &o, bar_cols, 16, aapl_bars, buf,
			     sizeof(buf)),
		 "ts                    date           open    high     low"
		 "   close    volume\n"
		 "--------------------  ----------  -------  ------  ------"
		 "  ------  --------\n"
		 "2018-02-01T05:00:00Z  2018-02-01  167.165  168.62  166.76"
		 "  167.78  47230787\n"
		 "2018-02-02T05:00:00Z  2018-02-02      166   166.8   160.1"
		 "   160.5  86593825\n"
		 "2018-02-05T05:00:00Z  2018-02-05    159.1  163.88     156"
		 "  156.49  72738522\n"
		 "3 rows\n"
		 "the same in every row: type bar, symbol AAPL, interval 1d,"
		 " session regular,\n"
		 "  source csv\n"
		 "empty in every row: adj_close, vwap, trades, phase\n");
	/* 50 columns: whole columns out of the middle, never a date cut */
	o.width = 50;
	T_EQ_STR(render_rows(MDX_FMT_TABLE, &o, bar_cols, 16, aapl_bars, buf,
			     sizeof(buf)),
		 "ts                    date        \xe2\x80\xa6    volume\n"
		 "--------------------  ----------  -  --------\n"
		 "2018-02-01T05:00:00Z  2018-02-01  \xe2\x80\xa6  47230787\n"
		 "2018-02-02T05:00:00Z  2018-02-02  \xe2\x80\xa6  86593825\n"
		 "2018-02-05T05:00:00Z  2018-02-05  \xe2\x80\xa6  72738522\n"
		 "3 rows\n"
		 "the same in every row: type bar, symbol AAPL,\n"
		 "  interval 1d, session regular, source csv\n"
		 "empty in every row: adj_close, vwap, trades, phase\n"
		 "left out to fit the width (\xe2\x80\xa6): open, high, low,\n"
		 "  close\n");
	/* no rows on a terminal: the header, "0 rows" (it crashed once) */
	o.width = 80;
	T_EQ_STR(render_rows(MDX_FMT_TABLE, &o, bar_cols, 4, "[]", buf,
			     sizeof(buf)),
		 "type  symbol  interval  ts\n----  ------  --------  --\n"
		 "0 rows\n");
	/* one row too wide: its text to the footer before any number */
	o.width = 60;
	T_EQ_STR(render_rows(
			 MDX_FMT_TABLE, &o, bar_cols, 16,
			 "[{\"type\":\"bar\",\"symbol\":\"AAPL\","
			 "\"interval\":\"1d\",\"ts\":\"2018-02-07T05:00:00Z\","
			 "\"date\":\"2018-02-07\",\"open\":163.085,\"close\":"
			 "159.54,\"volume\":51608580,\"session\":\"regular\","
			 "\"source\":\"csv\"}]",
			 buf, sizeof(buf)),
		 "ts                    date           open   close    volume\n"
		 "--------------------  ----------  -------  ------  --------\n"
		 "2018-02-07T05:00:00Z  2018-02-07  163.085  159.54  51608580\n"
		 "1 row\n"
		 "the row's text, to fit the width: type bar, symbol AAPL,\n"
		 "  interval 1d, session regular, source csv\n"
		 "empty in every row: high, low, adj_close, vwap, trades,\n"
		 "  phase\n");
	/* to a pipe, -f table: every column, no footer */
	o.width = 0;
	o.terminal = 0;
	render_rows(MDX_FMT_TABLE, &o, bar_cols, 16, aapl_bars, buf,
		    sizeof(buf));
	T_OK(strncmp(buf, "type  symbol  interval  ts  ", 28) == 0);
	T_OK(strstr(buf, "rows") == NULL);
}

/* the figures of stats AAPL MSFT (examples/data), turned on their side
 * as mdx-query does for a table: kinds by the row's figure */
static void
t_table_sideways(void)
{
	static const char *const names[] = {"figure", "AAPL", "MSFT"};
	struct mdx_output_opts o = {80, 1, "stats"};
	char buf[4096];

	T_EQ_STR(render_rows(
			 MDX_FMT_TABLE, &o, names, 3,
			 "[{\"figure\":\"count\",\"AAPL\":1259,\"MSFT\":1259},"
			 "{\"figure\":\"first_date\",\"AAPL\":\"2013-02-08\","
			 "\"MSFT\":\"2013-02-08\"},"
			 "{\"figure\":\"first_open\",\"AAPL\":67.7142,"
			 "\"MSFT\":27.35},"
			 "{\"figure\":\"vwap\",\"AAPL\":97.34529572293916,"
			 "\"MSFT\":47.91159277362718},"
			 "{\"figure\":\"total_return\",\"AAPL\":"
			 "1.3512177580754026,\"MSFT\":2.2526315789473683},"
			 "{\"figure\":\"max_drawdown\",\"AAPL\":"
			 "-0.3207518796992481,\"MSFT\":-0.1878653497278775}]",
			 buf, sizeof(buf)),
		 "figure        AAPL        MSFT\n"
		 "------------  ----------  ----------\n"
		 "count               1259        1259\n"
		 "first_date    2013-02-08  2013-02-08\n"
		 "first_open       67.7142       27.35\n"
		 "vwap             97.3453     47.9116\n"
		 "total_return     1.35122     2.25263\n"
		 "max_drawdown   -0.320752   -0.187865\n"
		 "6 rows\n");
}

/* csv: a column's kind from the one table; ndjson keeps every digit */
static void
t_csv_kinds(void)
{
	static const char *const names[] = {"date",   "rank",	    "symbol",
					    "weight", "market_cap", "close",
					    "carried"};
	static const char rows_json[] =
		"[{\"date\":\"2016-06-30\",\"rank\":100,\"symbol\":\"AAPL\","
		"\"weight\":0.009999999999999998,\"market_cap\":"
		"50637457767.420006,\"close\":129.0399932861328,\"carried\":"
		"false}]";
	struct mdx_output_opts o = {0, 0, "index composition"};
	char buf[1024];

	T_EQ_STR(render_rows(MDX_FMT_CSV, &o, names, 7, rows_json, buf,
			     sizeof(buf)),
		 "date,rank,symbol,weight,market_cap,close,carried\r\n"
		 "2016-06-30,100,AAPL,0.01,50637457767.42,129.0399932861328,"
		 "false\r\n");
	T_EQ_STR(render_rows(MDX_FMT_NDJSON, &o, names, 7, rows_json, buf,
			     sizeof(buf)),
		 "{\"date\":\"2016-06-30\",\"rank\":100,\"symbol\":\"AAPL\","
		 "\"weight\":0.009999999999999998,\"market_cap\":"
		 "50637457767.420006,\"close\":129.0399932861328,\"carried\":"
		 "false}\n");
	/* sql is the user's own: exact */
	o.command = "sql";
	T_OK(strstr(render_rows(MDX_FMT_CSV, &o, names, 7, rows_json, buf,
				sizeof(buf)),
		    ",0.009999999999999998,50637457767.420006,") != NULL);
}

static void
t_width(void)
{
	T_EQ_INT(mdx_output_text_width("abc", 3), 3);
	T_EQ_INT(mdx_output_text_width("Soci\xc3\xa9t\xc3\xa9", 9), 7);
	T_EQ_INT(mdx_output_text_width("\xe6\x97\xa5\xe6\x9c\xac", 6), 4);
	T_EQ_INT(mdx_output_text_width("e\xcc\x81", 3), 1); /* e + U+0301 */
	T_EQ_INT(mdx_output_text_width("\xff\xfe", 2), 2);  /* invalid */
}

static void
t_json_value(void)
{
	char buf[256];
	struct mdx_err e;
	json_t *v = json_pack("{s:[i,f,b,n],s:s#}", "a", 1, 0.1, 1, "s",
			      "x\001\"\\", (int)4);
	json_t *bad = json_stringn_nocheck("a\xff"
					   "b",
					   3);
	json_t *o = json_object();
	FILE *fp = tmpfile();
	size_t got;
	char *text;

	T_OK(v != NULL && fp != NULL && bad != NULL && o != NULL);
	if (v == NULL || fp == NULL || bad == NULL || o == NULL)
		return;
	json_object_set_new_nocheck(o, "k", bad);
	T_OK(mdx_output_json(fp, v, &e) == 0);
	T_OK(mdx_output_json(fp, o, &e) == 0);
	rewind(fp);
	got = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[got] = '\0';
	fclose(fp);
	T_EQ_STR(buf, "{\"a\":[1,0.1,true,null],\"s\":\"x\\u0001\\\"\\\\\"}"
		      "{\"k\":\"a\xef\xbf\xbd"
		      "b\"}");
	text = mdx_output_json_text(v);
	T_EQ_STR(text, "{\"a\":[1,0.1,true,null],\"s\":\"x\\u0001\\\"\\\\\"}");
	mdx_free(text);
	json_decref(v);
	json_decref(o);
}

static void
t_bad_format(void)
{
	struct mdx_err e;

	mdx_err_clear(&e);
	T_OK(mdx_output_new(stdout, MDX_FMT_SVG, NULL, &e) == NULL);
	T_EQ_INT(e.code, MDX_EUSAGE);
}

int
main(void)
{
	mdx_alloc_init();
	T_RUN(t_numbers);
	T_RUN(t_ndjson);
	T_RUN(t_json);
	T_RUN(t_csv);
	T_RUN(t_tsv);
	T_RUN(t_table);
	T_RUN(t_table_terminal);
	T_RUN(t_table_sideways);
	T_RUN(t_csv_kinds);
	T_RUN(t_kinds);
	T_RUN(t_width);
	T_RUN(t_json_value);
	T_RUN(t_bad_format);
	return t_done();
}
