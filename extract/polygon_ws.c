/*
 * polygon_ws.c - mdx-extract -p polygon --stream CHANNELS: Polygon's live
 * minute aggregates over a WebSocket (mdx-extract(1), STREAMING), with
 * libwebsockets' client (lws_client_connect_via_info and its callbacks;
 * the framing, TLS and the handshake are the library's).
 *
 *	connect  wss://socket.polygon.io/stocks (--base-url: ws:// or wss://)
 *	<-  [{"ev":"status","status":"connected",...}]
 *	->  {"action":"auth","params":"KEY"}
 *	<-  [{"ev":"status","status":"auth_success",...}] (or auth_failed)
 *	->  {"action":"subscribe","params":"AM.AAPL,AM.MSFT"}
 *	<-  [{"ev":"status","status":"success","message":"subscribed to: ..."}]
 *	<-  [{"ev":"AM","sym":"AAPL",...},...]     every minute, forever
 *
 * Each message is parsed by polygon_wsmsg.c into bar records, written and
 * flushed before the next message is read (a downstream reader that is
 * slow holds the socket unread: TCP pushes back on the server; nothing is
 * dropped here).  A dropped or refused connection is tried again after a
 * wait of full jitter (a random time up to --retry-base ms doubled for
 * each failure in a row, at most 30 s), then authenticated and subscribed
 * again; --retries failures in a row (no auth_success between them) end
 * the run with status 75, as max_connections does after its retries.
 * auth_failed ends it at once with status 77 (a wrong key: no retry
 * helps).  SIGTERM and SIGINT end it cleanly: what was read is written,
 * and main.c writes the run record.  Polygon does not resend what was
 * published while the connection was down: a REST run of the gap
 * (--interval 1m --from/--to) fills it.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libwebsockets.h>

#include "extract_int.h"
#include "mdx_alloc.h"
#include "mdx_time.h"

#define DEFAULT_URL "wss://socket.polygon.io/stocks"
#define MAX_MESSAGE (64 * 1024 * 1024) /* bytes of one message */
#define MAX_WAIT_MS 30000	       /* the longest wait before a retry */
#define TICK_US (100 * LWS_US_PER_MS)  /* how often a signal is looked for */

enum { OUT_NONE = 0, OUT_AUTH = 1 << 0, OUT_SUBSCRIBE = 1 << 1 };

struct pws {
	struct extract_ctx *c;	      /* the run */
	struct fetch *f;	      /* owned: symbols and key */
	struct lws_context *ctx;      /* owned */
	struct lws *wsi;	      /* the connection, or NULL */
	char url[1024];		      /* the URL, for messages */
	char host[256];		      /* its host */
	char path[768];		      /* its path, with its '/' */
	int port;		      /* its port */
	int tls;		      /* wss:// */
	char *subscribe;	      /* owned: "AM.AAPL,AM.MSFT" or "AM.*" */
	struct pws_sub *subs;	      /* owned: the subscribed symbols */
	struct pws_status st;	      /* what the messages said */
	char *rx;		      /* owned: a message being received */
	size_t rxlen, rxcap;	      /* its bytes, and allocated */
	int out;		      /* messages to send: OUT_* */
	int live;		      /* a connection is being made or up */
	int authed;		      /* auth_success on this connection */
	int failures;		      /* failed connections in a row */
	long connects;		      /* connections made */
	int done;		      /* stop the loop */
	int status;		      /* exit status of a whole failure */
	lws_sorted_usec_list_t retry; /* the wait before a reconnect */
	lws_sorted_usec_list_t tick;  /* looks for a signal */
};

/* a connection quiet for 30 s is PINGed; one that stays silent (no PONG,
 * no message) for 70 s is taken as dropped and made again */
static const lws_retry_bo_t idle_policy = {
	.secs_since_valid_ping = 30,
	.secs_since_valid_hangup = 70,
};

static volatile sig_atomic_t stop_signal;

static void
on_signal(int sig)
{
	stop_signal = sig;
}

static void connect_now(lws_sorted_usec_list_t *sul);

/* full jitter (DESIGN.md section 5): random in [0, min(cap, base * 2^n)] */
static int64_t
backoff_ms(const struct pws *w)
{
	int64_t ceil = w->c->o->retry_base_ms > 0 ? w->c->o->retry_base_ms : 1;

	for (int i = 1; i < w->failures && ceil < MAX_WAIT_MS; i++)
		ceil *= 2;
	if (ceil > MAX_WAIT_MS)
		ceil = MAX_WAIT_MS;
	return (int64_t)(drand48() * (double)(ceil + 1));
}

/* the connection is gone (closed, dropped, refused): try again or stop */
static void
lost(struct pws *w, const char *why)
{
	int64_t ms;

	if (!w->live)
		return; /* said already (a refused connect is said twice) */
	w->live = 0;
	w->wsi = NULL;
	w->rxlen = 0;
	if (w->done)
		return;
	if (w->authed)
		w->failures = 0; /* it worked for a while: count afresh */
	w->authed = 0;
	w->failures++;
	if (w->failures > w->c->o->retries) {
		mdx_log("error",
			"%s: %s; giving up after %d attempt%s in a row", w->url,
			why, w->failures, w->failures == 1 ? "" : "s");
		w->status = MDX_EXIT_TEMPFAIL;
		w->done = 1;
		return;
	}
	ms = backoff_ms(w);
	mdx_log("warning",
		"%s: %s; connecting again in %.1f s (attempt %d of %d)", w->url,
		why, (double)ms / 1000, w->failures + 1, w->c->o->retries + 1);
	lws_sul_schedule(w->ctx, 0, &w->retry, connect_now, ms * LWS_US_PER_MS);
}

static void
connect_now(lws_sorted_usec_list_t *sul)
{
	struct pws *w = lws_container_of(sul, struct pws, retry);
	struct lws_client_connect_info ci;

	memset(&ci, 0, sizeof(ci));
	ci.context = w->ctx;
	ci.address = w->host;
	ci.port = w->port;
	ci.path = w->path;
	ci.host = w->host;
	ci.origin = w->host;
	ci.ssl_connection = w->tls ? LCCSCF_USE_SSL : 0;
	ci.protocol = NULL;
	ci.local_protocol_name = "polygon";
	ci.pwsi = &w->wsi;
	ci.retry_and_idle_policy = &idle_policy;
	w->live = 1;
	w->out = OUT_NONE;
	w->authed = 0;
	w->connects++;
	mdx_log("debug", "%s: connecting", w->url);
	if (lws_client_connect_via_info(&ci) == NULL && !w->done &&
	    w->wsi == NULL)
		lost(w, "cannot connect");
}

static void
on_tick(lws_sorted_usec_list_t *sul)
{
	struct pws *w = lws_container_of(sul, struct pws, tick);

	if (stop_signal) {
		w->done = 1;
		return;
	}
	lws_sul_schedule(w->ctx, 0, &w->tick, on_tick, TICK_US);
}

/* send one of the pending messages; 0, or -1 to close */
static int
send_next(struct pws *w, struct lws *wsi)
{
	json_t *m;
	char *text;
	unsigned char *buf;
	size_t n;
	int ret = -1;

	if (w->out & OUT_AUTH) {
		w->out &= ~OUT_AUTH;
		m = json_pack("{s:s,s:s}", "action", "auth", "params",
			      fetch_key_raw(w->f));
	} else if (w->out & OUT_SUBSCRIBE) {
		w->out &= ~OUT_SUBSCRIBE;
		m = json_pack("{s:s,s:s}", "action", "subscribe", "params",
			      w->subscribe);
	} else {
		return 0;
	}
	if (m == NULL || (text = json_dumps(m, JSON_COMPACT)) == NULL) {
		json_decref(m);
		mdx_log("error", "out of memory");
		w->status = MDX_EXIT_SOFTWARE;
		w->done = 1;
		return -1;
	}
	json_decref(m);
	n = strlen(text);
	if ((buf = mdx_malloc(LWS_PRE + n)) != NULL) {
		memcpy(buf + LWS_PRE, text, n);
		if (lws_write(wsi, buf + LWS_PRE, n, LWS_WRITE_TEXT) >= (int)n)
			ret = 0;
		explicit_bzero(buf, LWS_PRE + n); /* the key */
		mdx_free(buf);
	}
	explicit_bzero(text, n);
	mdx_free(text); /* jansson allocates through the seam */
	if (ret == 0 && w->out != OUT_NONE)
		lws_callback_on_writable(wsi);
	return ret;
}

/* a whole message is in w->rx: parse, write, flush; 0, or -1 to close */
static int
on_message(struct pws *w, struct lws *wsi)
{
	struct mdx_err e;

	w->st.msgno++;
	mdx_err_clear(&e);
	if (polygon_ws_message(w->f, w->rx, w->rxlen, &w->st, &e) < 0) {
		if (e.code == MDX_EIO || w->c->io_failed) {
			w->done = 1;
			return -1;
		}
		mdx_log("error", "polygon --stream: message %ld: %s; rejected",
			w->st.msgno, e.text);
		w->c->bad_rows++;
		w->c->run->rejected++;
	}
	w->c->run->pages++;
	if (fflush(w->c->out) != 0) {
		if (errno != EPIPE)
			mdx_log("error", "<stdout>: %s", strerror(errno));
		w->c->io_failed = 1;
		w->done = 1;
		return -1;
	}
	if (w->st.flags & PWS_AUTH_FAILED) {
		mdx_log("error",
			"%s: %s: %s (check POLYGON_API_KEY or --api-key-file)",
			w->url, w->st.status, w->st.message);
		w->status = MDX_EXIT_NOPERM;
		w->done = 1;
		return -1;
	}
	if (w->st.flags & PWS_MAX_CONN) {
		mdx_log("error", "%s: max_connections: %s", w->url,
			w->st.message);
		return -1; /* lost() counts it and tries again */
	}
	if (w->st.flags & PWS_OTHER)
		mdx_log("warning", "%s: status %s: %s", w->url, w->st.status,
			w->st.message);
	if (w->st.flags & PWS_AUTH_OK && !w->authed) {
		w->authed = 1;
		mdx_log("info", "%s: authenticated; subscribing to %.200s%s",
			w->url, w->subscribe,
			strlen(w->subscribe) > 200 ? "..." : "");
		w->out |= OUT_SUBSCRIBE;
		lws_callback_on_writable(wsi);
	}
	if (w->st.flags & PWS_SUBSCRIBED)
		mdx_log("debug", "%s: %s", w->url, w->st.message);
	return 0;
}

static int
on_receive(struct pws *w, struct lws *wsi, const void *in, size_t len)
{
	if (w->rxlen + len > MAX_MESSAGE) {
		mdx_log("error",
			"%s: a message of more than %d bytes; "
			"dropping the connection",
			w->url, MAX_MESSAGE);
		return -1;
	}
	if (w->rxlen + len + 1 > w->rxcap) {
		size_t cap = w->rxcap ? w->rxcap : 65536;
		char *p;

		while (cap < w->rxlen + len + 1)
			cap *= 2;
		if ((p = mdx_realloc(w->rx, cap)) == NULL) {
			mdx_log("error", "out of memory");
			w->status = MDX_EXIT_SOFTWARE;
			w->done = 1;
			return -1;
		}
		w->rx = p;
		w->rxcap = cap;
	}
	memcpy(w->rx + w->rxlen, in, len);
	w->rxlen += len;
	w->rx[w->rxlen] = '\0';
	if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
		return 0;
	if (on_message(w, wsi) < 0)
		return -1;
	w->rxlen = 0;
	return 0;
}

static int
callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
	 void *in, size_t len)
{
	struct pws *w = lws_context_user(lws_get_context(wsi));
	char why[300];

	(void)user;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		snprintf(why, sizeof(why), "cannot connect: %.200s",
			 in ? (const char *)in : "connection error");
		lost(w, why);
		break;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		mdx_log("debug", "%s: connected", w->url);
		w->out |= OUT_AUTH;
		lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (w->done || send_next(w, wsi) < 0)
			return -1;
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (w->done)
			return -1;
		return on_receive(w, wsi, in, len);
	case LWS_CALLBACK_CLIENT_CLOSED:
		lost(w, w->st.flags & PWS_MAX_CONN
				? "max_connections"
				: "the connection was closed");
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {
	{"polygon", callback, 0, 65536, 0, NULL, 0},
	{NULL, NULL, 0, 0, 0, NULL, 0},
};

/* --base-url (ws:// or wss://host[:port]/path), else Polygon's; 0 or
 * MDX_EXIT_USAGE (reported) */
static int
parse_url(struct pws *w)
{
	const char *u = w->c->o->base_url ? w->c->o->base_url : DEFAULT_URL;
	const char *prot, *ads, *path;
	char buf[1024];

	if (strlen(u) >= sizeof(buf) || strpbrk(u, " \t\r\n?#") != NULL)
		goto bad;
	snprintf(w->url, sizeof(w->url), "%s", u);
	snprintf(buf, sizeof(buf), "%s", u);
	if (lws_parse_uri(buf, &prot, &ads, &w->port, &path) != 0)
		goto bad;
	if (strcasecmp(prot, "wss") == 0)
		w->tls = 1;
	else if (strcasecmp(prot, "ws") != 0)
		goto bad;
	if (*ads == '\0' || strlen(ads) >= sizeof(w->host))
		goto bad;
	if (w->port == 80 && w->tls && strstr(u + 6, ":80") == NULL)
		w->port = 443; /* lws_parse_uri defaults to 80 */
	snprintf(w->host, sizeof(w->host), "%s", ads);
	snprintf(w->path, sizeof(w->path), "/%s", path);
	return 0;
bad:
	mdx_log("error",
		"--base-url: '%.64s' is not a ws:// or wss:// URL without a "
		"query (--stream)",
		u);
	return MDX_EXIT_USAGE;
}

/* --stream's channels into symbols (added to ops) and the AM.* flag;
 * 0 or MDX_EXIT_USAGE (reported) */
static int
parse_channels(const char *list, char ***ops, int *nops, int *all)
{
	static const char *const others[] = {"A.",    "T.",   "Q.",
					     "LULD.", "NOI.", "FMV."};
	const char *p = list;
	char **v = *ops;

	while (*p != '\0') {
		size_t n = strcspn(p, ",");
		char item[MDX_SYMBOL_MAX + 8];

		if (n == 0 || n >= sizeof(item)) {
			mdx_log("error",
				"--stream: '%.40s': an empty or "
				"over-long channel",
				p);
			return MDX_EXIT_USAGE;
		}
		memcpy(item, p, n);
		item[n] = '\0';
		p += n + (p[n] == ',');
		for (size_t i = 0; i < sizeof(others) / sizeof(*others); i++)
			if (strncmp(item, others[i], strlen(others[i])) == 0) {
				mdx_log("error",
					"--stream: '%s': only AM (minute "
					"aggregates) is streamed",
					item);
				return MDX_EXIT_USAGE;
			}
		if (strncmp(item, "AM.", 3) == 0)
			memmove(item, item + 3, strlen(item + 3) + 1);
		if (strcmp(item, "*") == 0) {
			*all = 1;
			continue;
		}
		if ((v = mdx_realloc(v, (size_t)(*nops + 2) * sizeof(*v))) ==
			    NULL ||
		    (v[*nops] = mdx_strdup(item)) == NULL) {
			*ops = v;
			mdx_log("error", "out of memory");
			return MDX_EXIT_SOFTWARE;
		}
		(*nops)++;
		*ops = v;
	}
	return 0;
}

/* the subscription ("AM.AAPL,AM.MSFT" or "AM.*") and the symbol table;
 * 0 or an exit status (reported) */
static int
plan(struct pws *w)
{
	size_t n, len = 8;
	struct fetch_job *j = fetch_jobs(w->f, &n);

	if (!w->st.all && n == 0) {
		mdx_log("error", "--stream: no symbols: name them as AM.SYM, "
				 "SYM or AM.*");
		return MDX_EXIT_USAGE;
	}
	for (size_t i = 0; i < n; i++)
		len += strlen(j[i].psym) + 4;
	if ((w->subscribe = mdx_malloc(len)) == NULL ||
	    (n > 0 && (w->subs = mdx_malloc(n * sizeof(*w->subs))) == NULL)) {
		mdx_log("error", "out of memory");
		return MDX_EXIT_SOFTWARE;
	}
	w->subscribe[0] = '\0';
	if (w->st.all) {
		snprintf(w->subscribe, len, "AM.*");
	} else {
		char *o = w->subscribe;

		for (size_t i = 0; i < n; i++)
			o += snprintf(o, len - (size_t)(o - w->subscribe),
				      "%sAM.%s", i ? "," : "", j[i].psym);
	}
	for (size_t i = 0; i < n; i++) {
		w->subs[i].psym = j[i].psym;
		w->subs[i].name = j[i].name;
	}
	pws_subs_sort(w->subs, n);
	w->st.subs = w->subs;
	w->st.nsubs = n;
	return 0;
}

/* what --stream cannot be combined with; 0 or MDX_EXIT_USAGE (reported) */
static int
check_opts(const struct extract_opts *o)
{
	const char *bad = NULL;

	if (o->dry_run)
		bad = "--dry-run";
	else if (o->grouped)
		bad = "--grouped";
	else if (o->what != WHAT_BARS)
		bad = "--what";
	else if (o->since != NULL)
		bad = "--since";
	else if (o->has_from || o->has_to)
		bad = "--from and --to";
	else if (o->interval != MDX_I1D && o->interval != MDX_I1M)
		bad = "an --interval other than 1m";
	if (bad == NULL)
		return 0;
	mdx_log("error",
		"--stream: %s does not apply (the stream gives live "
		"1m bars)",
		bad);
	return MDX_EXIT_USAGE;
}

static void
lws_log_line(int level, const char *line)
{
	size_t n = strlen(line);

	(void)level;
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	mdx_log("debug", "libwebsockets: %.*s", (int)n, line);
}

int
polygon_ws_run(struct extract_ctx *c, char **operands, int n)
{
	struct lws_context_creation_info info;
	struct pws w;
	struct sigaction sa;
	char **ops = NULL;
	int nops = 0, ret = -1, rc;

	memset(&w, 0, sizeof(w));
	w.c = c;
	srand48((long)time(NULL) ^ (long)getpid());
	if ((rc = check_opts(c->o)) != 0 || (rc = parse_url(&w)) != 0 ||
	    (rc = parse_channels(c->o->stream, &ops, &nops, &w.st.all)) != 0)
		goto fail;
	if ((ops = mdx_realloc(ops, (size_t)(nops + n + 1) * sizeof(*ops))) ==
	    NULL) {
		rc = MDX_EXIT_SOFTWARE;
		goto fail;
	}
	for (int i = 0; i < n; i++)
		ops[nops + i] = operands[i];
	if ((w.f = fetch_open_jobs(c, &polygon_provider, ops, nops + n, &rc)) ==
		    NULL ||
	    (rc = plan(&w)) != 0)
		goto fail;
	c->nsymbols = (long)w.st.nsubs;

	lws_set_log_level(LLL_ERR | LLL_WARN, lws_log_line);
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.gid = -1;
	info.uid = -1;
	info.options = w.tls ? LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT : 0;
	info.user = &w;
	if ((w.ctx = lws_create_context(&info)) == NULL) {
		mdx_log("error", "libwebsockets: cannot create a context");
		rc = MDX_EXIT_SOFTWARE;
		goto fail;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	/* a write to a slow reader goes on (SA_RESTART); poll(2) is never
	 * restarted, so the loop sees the signal at once */
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	lws_sul_schedule(w.ctx, 0, &w.tick, on_tick, TICK_US);
	connect_now(&w.retry);
	while (!w.done && !stop_signal)
		if (lws_service(w.ctx, 0) < 0)
			break;
	if (stop_signal)
		mdx_log("info", "%s: stopped by signal %d after %ld message%s",
			w.url, (int)stop_signal, w.st.msgno,
			w.st.msgno == 1 ? "" : "s");
	c->run->requests = w.connects;
	c->run->retries = w.connects > 0 ? w.connects - 1 : 0;
	rc = w.status;
	ret = rc == 0 && !c->io_failed ? 0 : -1;
	if (fflush(c->out) != 0)
		c->io_failed = 1;
fail:
	if (w.ctx != NULL) {
		w.done = 1;
		lws_sul_cancel(&w.retry);
		lws_sul_cancel(&w.tick);
		lws_context_destroy(w.ctx);
	}
	if (rc == MDX_EXIT_SOFTWARE && ret < 0 && w.status == 0)
		mdx_log("error", "out of memory");
	c->whole_status = rc;
	if (rc == 0)
		c->whole_status = 0;
	for (int i = 0; i < nops; i++)
		mdx_free(ops[i]);
	mdx_free(ops);
	mdx_free(w.subscribe);
	mdx_free(w.subs);
	mdx_free(w.rx);
	fetch_close(w.f);
	return rc == 0 ? ret : -1;
}
