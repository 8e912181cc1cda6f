/*
 * test_polygon_ws.c - extract/polygon_wsmsg.c, the messages of Polygon's
 * WebSocket feed, without a socket: the AM example of Polygon's spec
 * (GTE, tests/fixtures/ws/polygon/documented.ndjson line 1) as the bar
 * record mdx-extract writes, the status events of client-python's mock
 * server, symbols mapped back, and events rejected with their reasons.
 * Linked with mdx-extract's objects (its main() renamed; see Makefile).
 */
#define _GNU_SOURCE /* memfd_create, open_memstream */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "extract_int.h"
#include "mdx_alloc.h"
#include "t.h"

static struct extract_opts o;
static struct extract_ctx c;
static struct mdx_run run;
static struct fetch *f;
static struct pws_sub subs[3];
static struct pws_status st;
static char *out;
static size_t outlen;

/* a run subscribed to AAPL, GTE, BRK.B (all: AM.*), output to memory */
static void
open_run(int all)
{
	static char *syms[] = {"AAPL", "GTE", "BRK.B"};
	struct fetch_job *j;
	size_t n;
	int rc;

	memset(&o, 0, sizeof(o));
	memset(&c, 0, sizeof(c));
	memset(&run, 0, sizeof(run));
	memset(&st, 0, sizeof(st));
	o.provider = "polygon";
	o.interval = MDX_I1M;
	o.tz = "America/New_York";
	o.adjusted = -1;
	o.dry_run = 1; /* no key */
	c.o = &o;
	c.run = &run;
	c.out = open_memstream(&out, &outlen);
	f = fetch_open_jobs(&c, &polygon_provider, all ? NULL : syms,
			    all ? 0 : 3, &rc);
	T_OK(f != NULL);
	if (f == NULL)
		return;
	j = fetch_jobs(f, &n);
	for (size_t i = 0; i < n; i++) {
		subs[i].psym = j[i].psym;
		subs[i].name = j[i].name;
	}
	pws_subs_sort(subs, n);
	st.subs = subs;
	st.nsubs = n;
	st.all = all;
}

/* feed one message; 0 or -1 as polygon_ws_message */
static int
feed(const char *msg)
{
	struct mdx_err e;

	mdx_err_clear(&e);
	st.msgno++;
	return polygon_ws_message(f, msg, strlen(msg), &st, &e);
}

static void
close_run(void)
{
	fetch_close(f);
	fclose(c.out);
}

static void
test_documented_am(void)
{
	open_run(0);
	T_EQ_INT(feed("[{\"ev\":\"AM\",\"sym\":\"GTE\",\"v\":4110,\"av\":"
		      "9470157,"
		      "\"op\":0.4372,\"vw\":0.4488,\"o\":0.4488,\"c\":0.4486,"
		      "\"h\":0.4489,\"l\":0.4486,\"a\":0.4352,\"z\":685,"
		      "\"s\":1610144640000,\"e\":1610144700000}]"),
		 0);
	T_EQ_INT(st.bars, 1);
	T_EQ_INT(st.flags, 0);
	close_run();
	/* the same fields as a REST aggregate gives (polygon_bar) */
	T_EQ_STR(out,
		 "{\"type\":\"bar\",\"symbol\":\"GTE\",\"interval\":\"1m\","
		 "\"t\":1610144640000,\"open\":0.4488,\"high\":0.4489,"
		 "\"low\":0.4486,\"close\":0.4486,\"volume\":4110,"
		 "\"vwap\":0.4488,\"basis\":\"traded\","
		 "\"source\":\"polygon\"}\n");
	T_EQ_INT(run.in, 1);
	T_EQ_INT(run.out, 1);
	T_EQ_INT(run.rejected, 0);
	free(out);
}

static void
test_status(void)
{
	open_run(0);
	T_EQ_INT(feed("[{\"ev\":\"status\",\"status\":\"connected\","
		      "\"message\":\"Connected Successfully\"}]"),
		 0);
	T_EQ_INT(st.flags, PWS_CONNECTED);
	T_EQ_STR(st.message, "Connected Successfully");
	feed("[{\"ev\":\"status\",\"status\":\"auth_success\","
	     "\"message\":\"authenticated\"}]");
	T_EQ_INT(st.flags, PWS_AUTH_OK);
	feed("[{\"ev\":\"status\",\"status\":\"auth_failed\","
	     "\"message\":\"authentication\\nfailed\"}]");
	T_EQ_INT(st.flags, PWS_AUTH_FAILED);
	T_EQ_STR(st.message, "authentication failed"); /* no newline */
	feed("[{\"ev\":\"status\",\"status\":\"success\",\"message\":"
	     "\"subscribed to: AM.AAPL\"},{\"ev\":\"status\",\"status\":"
	     "\"max_connections\",\"message\":\"m\"}]");
	T_EQ_INT(st.flags, PWS_SUBSCRIBED | PWS_MAX_CONN);
	T_EQ_STR(st.status, "max_connections");
	feed("[{\"ev\":\"status\",\"status\":\"error\",\"message\":\"x\"}]");
	T_EQ_INT(st.flags, PWS_OTHER);
	close_run();
	T_EQ_INT(outlen, 0);
	free(out);
}

static void
test_symbols(void)
{
	open_run(0);
	/* Polygon spells a share class as the exchange does: BRK.B */
	feed("[{\"ev\":\"AM\",\"sym\":\"BRK.B\",\"c\":1,\"s\":60000},"
	     "{\"ev\":\"AM\",\"sym\":\"MSFT\",\"c\":1,\"s\":60000},"
	     "{\"ev\":\"T\",\"sym\":\"AAPL\",\"p\":1,\"s\":1,\"t\":1}]");
	T_EQ_INT(st.bars, 1);
	close_run();
	T_OK(strstr(out, "\"symbol\":\"BRK.B\"") != NULL);
	T_OK(strstr(out, "MSFT") == NULL); /* not subscribed */
	free(out);
	open_run(1); /* AM.* */
	feed("{\"ev\":\"AM\",\"sym\":\"MSFT\",\"c\":1,\"s\":60000}");
	T_EQ_INT(st.bars, 1);
	close_run();
	free(out);
}

static void
test_rejects(void)
{
	struct mdx_err e;

	open_run(0);
	mdx_err_clear(&e);
	T_EQ_INT(polygon_ws_message(f, "nope", 4, &st, &e), -1);
	T_EQ_INT(e.code, MDX_EINPUT);
	T_EQ_INT(feed("\"a string\""), -1);
	T_EQ_INT(
		feed("[1,{},{\"ev\":\"AM\"},"
		     "{\"ev\":\"AM\",\"sym\":\"AAPL\",\"c\":\"x\",\"s\":60000},"
		     "{\"ev\":\"AM\",\"sym\":\"AAPL\",\"o\":1,\"s\":60000},"
		     "{\"ev\":\"AM\",\"sym\":\"AAPL\",\"c\":1},"
		     "{\"ev\":\"AM\",\"sym\":\"AAPL\",\"c\":1,\"s\":60001},"
		     "{\"ev\":\"AM\",\"sym\":\"AAPL\",\"c\":1,\"s\":1e300},"
		     "{\"ev\":\"AM\",\"sym\":\"AAPL\",\"c\":1,\"s\":60000,"
		     "\"e\":60000},"
		     "{\"ev\":\"AM\",\"sym\":\"AAPL\",\"c\":1,\"s\":60000,"
		     "\"v\":1e300},"
		     "{\"ev\":\"AM\",\"sym\":\"AAPL\",\"c\":2,\"s\":120000}]"),
		0);
	/* 1, {}, no sym, c "x", no c, no s, s off the minute, s too big,
	 * e not after s, a volume too big: 10 rejected, the last kept */
	T_EQ_INT(run.rejected, 10);
	T_EQ_INT(c.bad_rows, 10);
	T_EQ_INT(st.bars, 1);
	close_run();
	T_EQ_STR(out,
		 "{\"type\":\"bar\",\"symbol\":\"AAPL\",\"interval\":\"1m\","
		 "\"t\":120000,\"close\":2,\"basis\":\"traded\","
		 "\"source\":\"polygon\"}\n");
	free(out);
}

int
main(void)
{
	mdx_alloc_init();
	mdx_log_init("test_polygon_ws", MDX_LOG_HUMAN, -1);
	T_RUN(test_documented_am);
	T_RUN(test_status);
	T_RUN(test_symbols);
	T_RUN(test_rejects);
	return t_done();
}
