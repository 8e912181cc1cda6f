/*
 * polygon_wsmsg.c - the messages of Polygon's WebSocket feed
 * (wss://socket.polygon.io/stocks;
 *https://polygon.io/docs/stocks/ws_stocks_am), parsed without a socket:
 *polygon_ws.c hands each text message here, and so do the fuzz harness
 *(tests/fuzz/fuzz_polygon_ws.c) and the tests.
 *
 * A message is a JSON array of events (or, tolerated, one event object):
 *
 *	[{"ev":"status","status":"auth_success","message":"authenticated"}]
 *	[{"ev":"AM","sym":"GTE","v":4110,"av":9470157,"op":0.4372,
 *	  "vw":0.4488,"o":0.4488,"c":0.4486,"h":0.4489,"l":0.4486,
 *	  "a":0.4352,"z":685,"s":1610144640000,"e":1610144700000}]
 *
 * An "AM" event is one minute's aggregate: o h l c, v (the minute's
 * volume), vw (the minute's VWAP), s and e (start and end of the minute,
 * epoch ms); av, op, a and z are the day's running figures and the average
 * trade size, which a bar does not carry.  Each becomes a 1m bar record
 * built by polygon_bar() exactly as a REST aggregate is (t from s, vwap
 * from vw, trades from n when present, "basis":"traded": the live feed is
 * as traded).  Events of other types (T, Q, A) are ignored; status events
 * are reported to the caller.
 *
 * An event that cannot be a bar is rejected with a reason naming the
 * message, the symbol and the field, and counted (the run is partial); the
 * other events of the message are kept.
 */
#include <stdlib.h>
#include <string.h>

#include "extract_int.h"

#define MINUTE_MS 60000

static void
reject(struct fetch *f, const struct pws_status *st, long ev, const char *sym,
       const char *field, const char *why)
{
	struct extract_ctx *c = fetch_ctx(f);

	if (sym != NULL)
		mdx_log("error",
			"polygon --stream: message %ld, event %ld: %s: "
			"field '%s': %s; rejected",
			st->msgno, ev, sym, field, why);
	else
		mdx_log("error",
			"polygon --stream: message %ld, event %ld: "
			"field '%s': %s; rejected",
			st->msgno, ev, field, why);
	c->bad_rows++;
	c->run->rejected++;
}

static void
status_event(const json_t *ev, struct pws_status *st)
{
	static const struct {
		const char *name;
		int flag;
	} known[] = {
		{"connected", PWS_CONNECTED},
		{"auth_success", PWS_AUTH_OK},
		{"auth_failed", PWS_AUTH_FAILED},
		{"auth_timeout", PWS_AUTH_FAILED},
		{"success", PWS_SUBSCRIBED},
		{"max_connections", PWS_MAX_CONN},
	};
	const char *s = json_string_value(json_object_get(ev, "status"));
	const char *m = json_string_value(json_object_get(ev, "message"));
	int flag = PWS_OTHER;

	for (size_t i = 0; s != NULL && i < sizeof(known) / sizeof(*known); i++)
		if (strcmp(s, known[i].name) == 0)
			flag = known[i].flag;
	st->flags |= flag;
	snprintf(st->status, sizeof(st->status), "%s", s ? s : "?");
	/* a message is printed: no control characters in it */
	snprintf(st->message, sizeof(st->message), "%s", m ? m : "");
	for (char *p = st->message; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
}

/* the numbers of an AM event that must be numbers when present */
static const char *const numeric[] = {"o", "h", "l", "c", "v", "vw", "n"};

static int
am_event(struct fetch *f, const json_t *ev, long k, struct pws_status *st)
{
	const json_t *sv = json_object_get(ev, "sym");
	const char *sym = json_string_value(sv);
	const char *name;
	double s, e, d;
	int64_t ms;
	int rc;

	fetch_count(f, 1, 0);
	if (sym == NULL || !mdx_symbol_valid(sym)) {
		reject(f, st, k, NULL, "sym",
		       sv == NULL ? "missing" : "not a symbol");
		return 0;
	}
	if ((name = pws_symbol_name(st, sym)) == NULL)
		return 0; /* not subscribed: Polygon sends none, drop it */
	for (size_t i = 0; i < sizeof(numeric) / sizeof(*numeric); i++)
		if (fetch_number(json_object_get(ev, numeric[i]), &d) < 0) {
			reject(f, st, k, name, numeric[i], "not a number");
			return 0;
		}
	if (fetch_number(json_object_get(ev, "c"), &d) <= 0) {
		reject(f, st, k, name, "c", "missing (a bar needs its close)");
		return 0;
	}
	if ((rc = fetch_number(json_object_get(ev, "s"), &s)) <= 0) {
		reject(f, st, k, name, "s",
		       rc == 0 ? "missing" : "not a number");
		return 0;
	}
	if (mdx_ms_from_double(s, &ms) < 0) {
		reject(f, st, k, name, "s", "not an epoch ms of years 0-9999");
		return 0;
	}
	if (ms % MINUTE_MS != 0) {
		reject(f, st, k, name, "s", "not the start of a minute");
		return 0;
	}
	if ((rc = fetch_number(json_object_get(ev, "e"), &e)) < 0 ||
	    (rc > 0 && !(e > s && e - s <= MINUTE_MS))) {
		reject(f, st, k, name, "e",
		       rc < 0 ? "not a number"
			      : "not within the minute after 's'");
		return 0;
	}
	rc = polygon_bar(f, name, mdx_interval_name(MDX_I1M), ms, ev, NULL);
	if (rc < 0)
		return -1;
	if (rc == 1)
		st->bars++;
	return 0;
}

int
polygon_ws_message(struct fetch *f, const char *msg, size_t len,
		   struct pws_status *st, struct mdx_err *e)
{
	json_error_t je;
	json_t *root, *ev;
	size_t i, n;
	int ret = 0;

	st->flags = 0;
	st->bars = 0;
	st->status[0] = st->message[0] = '\0';
	root = json_loadb(msg, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL)
		return mdx_err_set(e, MDX_EINPUT, "not JSON: %s", je.text);
	if (!json_is_array(root) && !json_is_object(root)) {
		json_decref(root);
		return mdx_err_set(e, MDX_EINPUT,
				   "not an array of events or an event");
	}
	n = json_is_array(root) ? json_array_size(root) : 1;
	for (i = 0; i < n && ret == 0; i++) {
		const char *type;

		ev = json_is_array(root) ? json_array_get(root, i) : root;
		type = json_string_value(json_object_get(ev, "ev"));
		if (!json_is_object(ev)) {
			reject(f, st, (long)i + 1, NULL, "ev",
			       "the event is not an object");
			continue;
		}
		if (type == NULL) {
			reject(f, st, (long)i + 1, NULL, "ev",
			       "missing or not a string");
			continue;
		}
		if (strcmp(type, "status") == 0)
			status_event(ev, st);
		else if (strcmp(type, "AM") == 0)
			ret = am_event(f, ev, (long)i + 1, st);
	}
	json_decref(root);
	if (ret < 0)
		return mdx_err_set(e, MDX_EIO, "writing the bars failed");
	return 0;
}

static int
by_psym(const void *a, const void *b)
{
	return strcmp(((const struct pws_sub *)a)->psym,
		      ((const struct pws_sub *)b)->psym);
}

const char *
pws_symbol_name(const struct pws_status *st, const char *psym)
{
	struct pws_sub key = {psym, NULL};
	const struct pws_sub *s = NULL;

	if (st->nsubs > 0)
		s = bsearch(&key, st->subs, st->nsubs, sizeof(*st->subs),
			    by_psym);
	if (s != NULL)
		return s->name;
	/* AM.*: Polygon spells a share class as the exchange does
	 * (mdx_symbol.h), so its symbol is the store's */
	return st->all ? psym : NULL;
}

void
pws_subs_sort(struct pws_sub *v, size_t n)
{
	if (n > 1) /* qsort(3) of NULL and 0 is undefined */
		qsort(v, n, sizeof(*v), by_psym);
}
