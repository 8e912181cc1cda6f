/*
 * mdx-wsreplay - a WebSocket server on 127.0.0.1 (libwebsockets) that plays
 * Polygon's stocks feed from a file, for the tests and the benchmark of
 * mdx-extract --stream.
 *
 *	mdx-wsreplay --stream FILE [--port N] [--port-file FILE] [--key KEY]
 *	    [--speed N] [--drop-after N] [--max-connections N]
 *	    [--max-queue N] [--sndbuf BYTES] [--log FILE]
 *
 * FILE holds one message a line, as Polygon sends them: a JSON array of
 * events ([{"ev":"AM","sym":"AAPL",...},...]).  A line that is not JSON is
 * sent as it is (to test how a client rejects it); blank lines and lines
 * starting with '#' are skipped.
 *
 * A connection gets what Polygon's documented exchange gives (the shapes
 * of polygon-io/client-python's test_websocket/mock_server.py):
 *	[{"ev":"status","status":"connected","message":"Connected
 *Successfully"}] then, to {"action":"auth","params":KEY}, auth_success
 *("authenticated"), or auth_failed ("authentication failed") for another key,
 *after which the server closes; to {"action":"subscribe","params":"AM.A,AM.B"}
 *one "success" status a channel ("subscribed to: AM.A"), and from then on the
 * lines of FILE with only the events of the subscribed symbols (AM.* or
 * all of a line's symbols: the line as it is).
 *
 * The lines are played once, in order, over all connections: a client
 * that connects again goes on with the first line not yet sent, so that a
 * dropped connection loses and repeats nothing (one client at a time).
 *
 * --speed N	play at N times the pace of the events' minutes (a line is
 *		due when its latest "e", or "s" + 60 s, is reached at N x);
 *		0 (the default): as fast as the client reads
 * --drop-after N  close each connection (status 1001, going away) once N
 *		lines were sent on it
 * --max-connections N  a connection beyond N open ones gets Polygon's
 *		max_connections status and is closed
 * --max-queue N  a client so slow that more than N lines are due and not
 *		yet sent is disconnected (said on stderr: "slow consumer"),
 *		and gets them when it connects again; without it the server
 *		waits for a slow client, however long: nothing is dropped
 * --sndbuf BYTES  the socket's send buffer (SO_SNDBUF), small to make a
 *		slow reader felt at once
 * --log FILE	a line an event: "SEND <epoch ms> <line> <bytes>" when a line
 *		was written to the socket (the benchmark's send time),
 *		"CONNECT", "AUTH ok|failed", "SUBSCRIBE <channels>",
 *		"DROP <reason>", "CLOSED"; at the end "PEAK_BACKLOG <lines>"
 *
 * The port (0 or --port: the kernel's choice) is written to --port-file
 * (via a temporary file and rename) once the server is listening.  SIGTERM
 * or SIGINT ends it.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <jansson.h>
#include <libwebsockets.h>

#include "mdx_alloc.h"

#define MAX_CONNS 64
#define MAX_CTRL 8 /* control messages queued on a connection */

struct line {
	char *raw;   /* owned: the line as in the file */
	size_t len;  /* its bytes */
	json_t *msg; /* owned: parsed, or NULL when it is not JSON */
	int64_t ts;  /* when it is due, event time (epoch ms) */
};

struct conn {
	struct lws *wsi;
	int authed;	/* auth_success sent */
	int subscribed; /* a subscribe was answered */
	int all;	/* AM.* */
	char **syms;	/* owned, sorted: subscribed symbols */
	size_t nsyms;
	char *ctrl[MAX_CTRL]; /* owned: control messages to send */
	int nctrl;
	int closing;	   /* close once ctrl is sent */
	int close_code;	   /* with this status */
	long sent;	   /* lines sent on this connection */
	int64_t base_wall; /* wall ms when the replay (re)started */
	int64_t base_ts;   /* event time of the line due then */
	lws_sorted_usec_list_t sul;
	char rx[65536]; /* a message from the client */
	size_t rxlen;
};

static struct line *lines;
static size_t nlines, cursor; /* lines, and the first one not yet sent */
static struct conn *conns[MAX_CONNS];
static int nconns;
static double speed;
static long drop_after, max_queue = -1, max_conns = MAX_CONNS, peak_backlog;
static int sndbuf;
static const char *key = "mdx-test-key";
static FILE *logfp;
static struct lws_context *context;
static volatile sig_atomic_t stopping;
static lws_sorted_usec_list_t tick;

static int64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void
logf_(const char *fmt, ...)
{
	va_list ap;

	if (logfp == NULL)
		return;
	va_start(ap, fmt);
	vfprintf(logfp, fmt, ap);
	va_end(ap);
	fputc('\n', logfp);
	fflush(logfp);
}

static long
num(const char *s, long min, long max, const char *opt)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		errx(2, "%s: '%s' is not a number from %ld to %ld", opt, s, min,
		     max);
	return v;
}

/* the time a line is due: its latest event end (or start + 1 min) */
static int64_t
line_ts(const json_t *msg, int64_t prev)
{
	int64_t ts = 0;
	size_t i;
	json_t *ev;

	json_array_foreach (msg, i, ev) {
		json_t *e = json_object_get(ev, "e"),
		       *s = json_object_get(ev, "s");
		int64_t t = 0;

		if (json_is_number(e))
			t = (int64_t)json_number_value(e);
		else if (json_is_number(s))
			t = (int64_t)json_number_value(s) + 60000;
		if (t > ts)
			ts = t;
	}
	return ts > 0 ? ts : prev;
}

static void
load(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0, lcap = 0;
	ssize_t n;
	int64_t prev = 0;

	if (fp == NULL)
		err(1, "%s", path);
	while ((n = getline(&buf, &cap, fp)) > 0) {
		struct line *l;

		while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
			buf[--n] = '\0';
		if (n == 0 || buf[0] == '#')
			continue;
		if (nlines == lcap) {
			lcap = lcap ? lcap * 2 : 1024;
			if ((lines = mdx_realloc(
				     lines, lcap * sizeof(*lines))) == NULL)
				err(1, NULL);
		}
		l = &lines[nlines++];
		if ((l->raw = mdx_strdup(buf)) == NULL)
			err(1, NULL);
		l->len = (size_t)n;
		l->msg = json_loadb(buf, (size_t)n, 0, NULL);
		if (l->msg != NULL && !json_is_array(l->msg)) {
			json_decref(l->msg);
			l->msg = NULL;
		}
		l->ts = l->msg ? line_ts(l->msg, prev) : prev;
		prev = l->ts;
	}
	free(buf);
	fclose(fp);
}

static int
by_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
wanted(const struct conn *c, const char *sym)
{
	if (c->all)
		return 1;
	return sym != NULL && c->nsyms > 0 &&
	       bsearch(&sym, c->syms, c->nsyms, sizeof(char *), by_str) != NULL;
}

/* queue a control message (taken over) */
static void
ctrl(struct conn *c, char *m)
{
	if (m == NULL || c->nctrl == MAX_CTRL) {
		mdx_free(m);
		return;
	}
	c->ctrl[c->nctrl++] = m;
	lws_callback_on_writable(c->wsi);
}

static char *
status_msg(const char *status, const char *message)
{
	json_t *m = json_pack("[{s:s,s:s,s:s}]", "ev", "status", "status",
			      status, "message", message);
	char *s = json_dumps(m, JSON_COMPACT);

	json_decref(m);
	return s;
}

static int
send_text(struct lws *wsi, const char *s, size_t n)
{
	unsigned char *buf = mdx_malloc(LWS_PRE + n);
	int rc;

	if (buf == NULL)
		return -1;
	memcpy(buf + LWS_PRE, s, n);
	rc = lws_write(wsi, buf + LWS_PRE, n, LWS_WRITE_TEXT);
	mdx_free(buf);
	return rc < (int)n ? -1 : 0;
}

static int64_t
due(const struct conn *c, size_t i)
{
	if (speed <= 0)
		return 0;
	return c->base_wall +
	       (int64_t)((double)(lines[i].ts - c->base_ts) / speed);
}

/* the text of line i for c: the line, or only c's events; NULL when c
 * wants none of them.  *own: the text is to be freed */
static const char *
line_for(const struct conn *c, size_t i, size_t *n, int *own)
{
	const struct line *l = &lines[i];
	json_t *sub, *ev;
	size_t k, kept = 0;
	char *s;

	*own = 0;
	*n = l->len;
	if (l->msg == NULL || c->all)
		return l->raw;
	json_array_foreach (l->msg, k, ev)
		kept += wanted(c,
			       json_string_value(json_object_get(ev, "sym")));
	if (kept == json_array_size(l->msg))
		return l->raw;
	if (kept == 0)
		return NULL;
	if ((sub = json_array()) == NULL)
		return NULL;
	json_array_foreach (l->msg, k, ev)
		if (wanted(c, json_string_value(json_object_get(ev, "sym"))))
			json_array_append(sub, ev);
	s = json_dumps(sub, JSON_COMPACT);
	json_decref(sub);
	if (s == NULL)
		return NULL;
	*own = 1;
	*n = strlen(s);
	return s;
}

static void
on_timer(lws_sorted_usec_list_t *sul)
{
	struct conn *c = lws_container_of(sul, struct conn, sul);

	lws_callback_on_writable(c->wsi);
}

/* writeable: a control message, a close, or the next line when due */
static int
writeable(struct conn *c)
{
	int64_t now = wall_ms(), d;

	if (c->nctrl > 0) {
		char *m = c->ctrl[0];
		int rc = send_text(c->wsi, m, strlen(m));

		mdx_free(m);
		memmove(c->ctrl, c->ctrl + 1,
			(size_t)--c->nctrl * sizeof(char *));
		if (rc < 0)
			return -1;
		lws_callback_on_writable(c->wsi);
		return 0;
	}
	if (c->closing) {
		lws_close_reason(c->wsi, (enum lws_close_status)c->close_code,
				 NULL, 0);
		return -1;
	}
	if (!c->subscribed)
		return 0;
	while (cursor < nlines) {
		size_t n;
		int own;
		const char *s;

		if ((d = due(c, cursor)) > now) {
			lws_sul_schedule(context, 0, &c->sul, on_timer,
					 (d - now) * LWS_US_PER_MS);
			return 0;
		}
		s = line_for(c, cursor, &n, &own);
		if (s == NULL) {
			cursor++; /* nothing of it is wanted here */
			continue;
		}
		if (send_text(c->wsi, s, n) < 0) {
			if (own)
				mdx_free((char *)s);
			return -1;
		}
		if (own)
			mdx_free((char *)s);
		logf_("SEND %lld %zu %zu", (long long)wall_ms(), cursor + 1, n);
		cursor++;
		c->sent++;
		if (drop_after > 0 && c->sent >= drop_after &&
		    cursor < nlines) {
			logf_("DROP after %ld lines", c->sent);
			c->closing = 1;
			c->close_code = LWS_CLOSE_STATUS_GOINGAWAY;
		}
		lws_callback_on_writable(c->wsi);
		return 0;
	}
	return 0;
}

static void
subscribe(struct conn *c, const char *params)
{
	const char *p = params;

	while (p != NULL && *p != '\0') {
		size_t n = strcspn(p, ",");
		char *ch = mdx_strndup(p, n), msg[300];

		p += n + (p[n] == ',');
		if (ch == NULL)
			continue;
		if (strcmp(ch, "AM.*") == 0) {
			c->all = 1;
		} else if (strncmp(ch, "AM.", 3) == 0) {
			char **v = mdx_realloc(c->syms,
					       (c->nsyms + 1) * sizeof(*v));

			if (v != NULL) {
				c->syms = v;
				c->syms[c->nsyms++] = mdx_strdup(ch + 3);
			}
		}
		snprintf(msg, sizeof(msg), "subscribed to: %s", ch);
		if (c->nctrl < MAX_CTRL - 1)
			ctrl(c, status_msg("success", msg));
		mdx_free(ch);
	}
	if (c->nsyms > 1)
		qsort(c->syms, c->nsyms, sizeof(char *), by_str);
	logf_("SUBSCRIBE %.200s", params ? params : "");
	if (!c->subscribed) {
		c->subscribed = 1;
		c->base_wall = wall_ms();
		c->base_ts = cursor < nlines ? lines[cursor].ts : 0;
	}
	lws_callback_on_writable(c->wsi);
}

static void
on_client_message(struct conn *c)
{
	json_t *m = json_loadb(c->rx, c->rxlen, 0, NULL);
	const char *action = json_string_value(json_object_get(m, "action"));
	const char *params = json_string_value(json_object_get(m, "params"));

	if (action == NULL) {
		/* as Polygon: a message it cannot read */
		ctrl(c, status_msg("error", "invalid message"));
	} else if (strcmp(action, "auth") == 0) {
		if (params != NULL && strcmp(params, key) == 0) {
			c->authed = 1;
			logf_("AUTH ok");
			ctrl(c, status_msg("auth_success", "authenticated"));
		} else {
			logf_("AUTH failed");
			ctrl(c, status_msg("auth_failed",
					   "authentication failed"));
			c->closing = 1;
			c->close_code = LWS_CLOSE_STATUS_POLICY_VIOLATION;
		}
	} else if (strcmp(action, "subscribe") == 0) {
		if (!c->authed)
			ctrl(c, status_msg("error", "not authorized"));
		else
			subscribe(c, params);
	}
	json_decref(m);
}

/* the slow-consumer check: lines due and not sent, per connection */
static void
on_tick(lws_sorted_usec_list_t *sul)
{
	int64_t now = wall_ms();

	(void)sul;
	if (stopping) {
		lws_cancel_service(context);
		return;
	}
	for (int i = 0; i < nconns; i++) {
		struct conn *c = conns[i];
		long backlog = 0;

		if (!c->subscribed || c->closing)
			continue;
		for (size_t k = cursor; k < nlines && due(c, k) <= now; k++)
			backlog++;
		if (backlog > peak_backlog)
			peak_backlog = backlog;
		if (max_queue >= 0 && backlog > max_queue) {
			fprintf(stderr,
				"mdx-wsreplay: slow consumer: %ld lines due "
				"and not sent; closing its connection (they "
				"are sent when it connects again)\n",
				backlog);
			logf_("DROP slow consumer %ld", backlog);
			c->closing = 1;
			c->close_code = LWS_CLOSE_STATUS_POLICY_VIOLATION;
			/* no more lines: the close goes out next */
			c->subscribed = 0;
			lws_callback_on_writable(c->wsi);
		}
	}
	lws_sul_schedule(context, 0, &tick, on_tick, 50 * LWS_US_PER_MS);
}

static void
conn_free(struct conn *c)
{
	lws_sul_cancel(&c->sul);
	for (int i = 0; i < c->nctrl; i++)
		mdx_free(c->ctrl[i]);
	for (size_t i = 0; i < c->nsyms; i++)
		mdx_free(c->syms[i]);
	mdx_free(c->syms);
	c->nctrl = 0;
	c->nsyms = 0;
	c->syms = NULL;
	for (int i = 0; i < nconns; i++)
		if (conns[i] == c) {
			conns[i] = conns[--nconns];
			break;
		}
}

static int
callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
	 void *in, size_t len)
{
	struct conn *c = user;

	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		memset(c, 0, sizeof(*c));
		c->wsi = wsi;
		if (sndbuf > 0)
			setsockopt(lws_get_socket_fd(wsi), SOL_SOCKET,
				   SO_SNDBUF, &sndbuf, sizeof(sndbuf));
		logf_("CONNECT");
		if (nconns >= max_conns || nconns == MAX_CONNS) {
			logf_("DROP max_connections");
			ctrl(c, status_msg("max_connections",
					   "Maximum number of websocket "
					   "connections exceeded. You have "
					   "reached the connection limit for "
					   "your account."));
			c->closing = 1;
			c->close_code = LWS_CLOSE_STATUS_POLICY_VIOLATION;
			c->wsi = wsi;
			break;
		}
		conns[nconns++] = c;
		ctrl(c, status_msg("connected", "Connected Successfully"));
		break;
	case LWS_CALLBACK_RECEIVE:
		if (c->rxlen + len >= sizeof(c->rx))
			return -1;
		memcpy(c->rx + c->rxlen, in, len);
		c->rxlen += len;
		if (!lws_is_final_fragment(wsi) ||
		    lws_remaining_packet_payload(wsi))
			break;
		if (!c->closing)
			on_client_message(c);
		c->rxlen = 0;
		break;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return writeable(c);
	case LWS_CALLBACK_CLOSED:
		logf_("CLOSED after %ld lines (next %zu of %zu)", c->sent,
		      cursor + 1, nlines);
		conn_free(c);
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {
	{"polygon", callback, sizeof(struct conn), 65536, 0, NULL, 0},
	{NULL, NULL, 0, 0, 0, NULL, 0},
};

static void
port_file_write(const char *path, int port)
{
	char tmp[PATH_MAX];
	FILE *fp;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((fp = fopen(tmp, "w")) == NULL)
		err(1, "%s", tmp);
	fprintf(fp, "%d\n", port);
	if (fclose(fp) != 0)
		err(1, "%s", tmp);
	if (rename(tmp, path) != 0)
		err(1, "rename %s", path);
}

static void
on_signal(int sig)
{
	stopping = sig;
}

static void
usage(void)
{
	fprintf(stderr, "usage: mdx-wsreplay --stream FILE [--port N] "
			"[--port-file FILE] "
			"[--key KEY]\n"
			"                    [--speed N] [--drop-after N] "
			"[--max-connections N]\n"
			"                    [--max-queue N] [--sndbuf BYTES] "
			"[--log FILE]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{"drop-after", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{"key", required_argument, NULL, 'k'},
		{"log", required_argument, NULL, 'l'},
		{"max-connections", required_argument, NULL, 'c'},
		{"max-queue", required_argument, NULL, 'q'},
		{"port", required_argument, NULL, 'p'},
		{"port-file", required_argument, NULL, 'P'},
		{"sndbuf", required_argument, NULL, 'b'},
		{"speed", required_argument, NULL, 's'},
		{"stream", required_argument, NULL, 'f'},
		{NULL, 0, NULL, 0},
	};
	struct lws_context_creation_info info;
	const char *file = NULL, *port_file = NULL, *log_file = NULL;
	struct sigaction sa;
	long port = 0;
	char *end;
	int ch;

	mdx_alloc_init();
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'b':
			sndbuf = (int)num(optarg, 1, 1 << 24, "--sndbuf");
			break;
		case 'c':
			max_conns =
				num(optarg, 0, MAX_CONNS, "--max-connections");
			break;
		case 'd':
			drop_after = num(optarg, 1, LONG_MAX, "--drop-after");
			break;
		case 'f':
			file = optarg;
			break;
		case 'k':
			key = optarg;
			break;
		case 'l':
			log_file = optarg;
			break;
		case 'p':
			port = num(optarg, 0, 65535, "--port");
			break;
		case 'P':
			port_file = optarg;
			break;
		case 'q':
			max_queue = num(optarg, 0, LONG_MAX, "--max-queue");
			break;
		case 's':
			errno = 0;
			speed = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(speed >= 0) ||
			    speed > 1e9)
				errx(2, "--speed: '%s' is not a number >= 0",
				     optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc || file == NULL)
		usage();
	load(file);
	if (log_file != NULL && (logfp = fopen(log_file, "a")) == NULL)
		err(1, "%s", log_file);
	signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	lws_set_log_level(LLL_ERR, NULL);
	memset(&info, 0, sizeof(info));
	info.port = (int)port;
	info.iface = "127.0.0.1";
	info.protocols = protocols;
	info.gid = -1;
	info.uid = -1;
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
	if ((context = lws_create_context(&info)) == NULL)
		errx(1, "cannot create the libwebsockets context");
	if (port_file != NULL)
		port_file_write(port_file,
				lws_get_vhost_listen_port(lws_get_vhost_by_name(
					context, "default")));
	lws_sul_schedule(context, 0, &tick, on_tick, 50 * LWS_US_PER_MS);
	while (!stopping)
		if (lws_service(context, 0) < 0)
			break;
	logf_("PEAK_BACKLOG %ld", peak_backlog);
	lws_sul_cancel(&tick);
	lws_context_destroy(context);
	for (size_t i = 0; i < nlines; i++) {
		mdx_free(lines[i].raw);
		json_decref(lines[i].msg);
	}
	mdx_free(lines);
	if (logfp != NULL)
		fclose(logfp);
	return 0;
}
