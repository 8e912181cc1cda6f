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
	/* 60 columns: the widest text columns are cut with an ellipsis,
	 * the numbers never */
	T_EQ_STR(
		render(MDX_FMT_TABLE, 60, 5, buf, sizeof(buf)),
		"symbol  name                     close     volume  note\n"
		"------  ---------  -------------------  ---------  ---------\n"
		"AAPL    Apple In\xe2\x80\xa6           182.009995  104487900\n"
		"BRK.B   Berkshir\xe2\x80\xa6  0.30000000000000004"
		"             two\\nlin\xe2\x80\xa6\n"
		"GLE.PA  Soci\xc3\xa9t\xc3\xa9 \xe2\x80\xa6                  "
		"100          7  \xe6\x97\xa5\xe6\x9c\xac\n");
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
	T_RUN(t_width);
	T_RUN(t_json_value);
	T_RUN(t_bad_format);
	return t_done();
}
