/*
 * mdx-serve - the store as a JSON API over HTTP (libmicrohttpd).
 *
 *   mdx-serve [options]
 *
 * This file parses the options, checks the store, listens, and waits for
 * SIGTERM or SIGINT; then it drains (requests in flight finish, up to
 * --grace) and exits 0.  The work is in serve_http.c and the files it
 * calls.  See mdx-serve(1).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mdx_alloc.h"
#include "mdx_cli.h"
#include "mdx_store.h"
#include "mdx_time.h"
#include "serve_int.h"

#define KEY_MAX 4096 /* bytes of a key file read, at most */

enum {
	OPT_API_KEY_FILE = 256,
	OPT_CACHE_SIZE,
	OPT_CORS,
	OPT_CURSOR_KEY_FILE,
	OPT_DB,
	OPT_GRACE,
	OPT_HEADER_TIMEOUT,
	OPT_LISTEN,
	OPT_LOG_FORMAT,
	OPT_MAX_AGE,
	OPT_MAX_BODY,
	OPT_MAX_CONNS,
	OPT_MAX_HEADER,
	OPT_MAX_PER_IP,
	OPT_MAX_URL,
	OPT_PORT_FILE,
	OPT_QUERY_TIMEOUT,
	OPT_RATE_LIMIT,
	OPT_READY_MAX_AGE,
	OPT_THREADS,
	OPT_TIMEOUT,
};

static const struct option longopts[] = {
	{"api-key-file", required_argument, NULL, OPT_API_KEY_FILE},
	{"cache-size", required_argument, NULL, OPT_CACHE_SIZE},
	{"cors", required_argument, NULL, OPT_CORS},
	{"cursor-key-file", required_argument, NULL, OPT_CURSOR_KEY_FILE},
	{"db", required_argument, NULL, OPT_DB},
	{"grace", required_argument, NULL, OPT_GRACE},
	{"header-timeout", required_argument, NULL, OPT_HEADER_TIMEOUT},
	{"help", no_argument, NULL, 'h'},
	{"listen", required_argument, NULL, OPT_LISTEN},
	{"log-format", required_argument, NULL, OPT_LOG_FORMAT},
	{"max-age", required_argument, NULL, OPT_MAX_AGE},
	{"max-body", required_argument, NULL, OPT_MAX_BODY},
	{"max-connections", required_argument, NULL, OPT_MAX_CONNS},
	{"max-header", required_argument, NULL, OPT_MAX_HEADER},
	{"max-per-ip", required_argument, NULL, OPT_MAX_PER_IP},
	{"max-url", required_argument, NULL, OPT_MAX_URL},
	{"port-file", required_argument, NULL, OPT_PORT_FILE},
	{"query-timeout", required_argument, NULL, OPT_QUERY_TIMEOUT},
	{"quiet", no_argument, NULL, 'q'},
	{"rate-limit", required_argument, NULL, OPT_RATE_LIMIT},
	{"ready-max-age", required_argument, NULL, OPT_READY_MAX_AGE},
	{"threads", required_argument, NULL, OPT_THREADS},
	{"timeout", required_argument, NULL, OPT_TIMEOUT},
	{"verbose", no_argument, NULL, 'v'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

static const char synopsis[] =
	"usage: mdx-serve [-hqVv] [--db FILE] [--listen ADDR:PORT] "
	"[--port-file FILE]\n"
	"                 [--threads N] [--api-key-file FILE] "
	"[--cursor-key-file FILE]\n"
	"                 [--cache-size SIZE] [--max-age S] [--cors ORIGIN]\n"
	"                 [--timeout S] [--header-timeout S] "
	"[--max-connections N]\n"
	"                 [--max-per-ip N] "
	"[--max-body SIZE] [--max-url SIZE] "
	"[--max-header SIZE]\n"
	"                 [--rate-limit N] [--query-timeout MS] "
	"[--grace S]\n"
	"                 [--ready-max-age S] [--log-format human|json]\n";

static const struct mdx_help help[] = {
	{"--api-key-file FILE", "the key for writes (else $MDX_API_KEY)"},
	{"--cache-size SIZE", "bytes of answers cached (default 64M; 0: off)"},
	{"--cors ORIGIN", "allow cross-origin requests from ORIGIN (or *)"},
	{"--cursor-key-file FILE", "cursors' key, to hold across restarts"},
	{"--db FILE", "the store (default $MDX_DB, else ./market.db)"},
	{"--grace S", "how long SIGTERM waits for requests (default 30)"},
	{"--header-timeout S", "close a request not in after S (default 5)"},
	{"-h, --help", "print this help and exit"},
	{"--listen ADDR:PORT", "where to listen (default 127.0.0.1:8080)"},
	{"--log-format human|json", "diagnostics as text or JSON lines"},
	{"--max-age S", "Cache-Control max-age of answers (default 0)"},
	{"--max-body SIZE", "bytes of a request body (default 8M): 413"},
	{"--max-connections N", "connections at once (default 1024)"},
	{"--max-header SIZE", "bytes of the header fields (default 16K): 431"},
	{"--max-per-ip N", "connections at once from one address (64)"},
	{"--max-url SIZE", "bytes of the request target (default 8K): 414"},
	{"--port-file FILE", "write the port listened on to FILE"},
	{"--query-timeout MS", "stop a query after MS (default 5000; 0: off)"},
	{"-q, --quiet", "no access log, errors only"},
	{"--rate-limit N", "requests a second from one address (100; 0: off)"},
	{"--ready-max-age S", "/ready fails when the last ok run is older"},
	{"--threads N", "worker threads (default: the processors)"},
	{"--timeout S", "close a connection idle this long (default 30)"},
	{"-V, --version", "print the version and exit"},
	{"-v, --verbose", "debug diagnostics"},
	{NULL, NULL},
};

/* split "ADDR:PORT", "[V6]:PORT" or ":PORT" into c->host and c->port */
static int
parse_listen(const char *s, struct serve_conf *c)
{
	const char *colon = strrchr(s, ':'), *h = s;
	size_t hn;
	long port;

	if (colon == NULL || serve_parse_long(colon + 1, 0, 65535, &port))
		return -1;
	hn = (size_t)(colon - s);
	if (hn >= 2 && s[0] == '[' && s[hn - 1] == ']') {
		h = s + 1;
		hn -= 2;
	}
	if (hn >= sizeof(c->host))
		return -1;
	memcpy(c->host, h, hn);
	c->host[hn] = '\0';
	snprintf(c->port, sizeof(c->port), "%ld", port);
	return 0;
}

/* the first line of path, without the line end, as a new string */
static char *
read_key(const char *path, const char *what)
{
	char buf[KEY_MAX + 2];
	size_t n;
	FILE *fp = fopen(path, "r");

	if (fp == NULL) {
		mdx_log("error", "%s '%s': %s", what, path, strerror(errno));
		return NULL;
	}
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (buf[0] == '\0') {
		mdx_log("error", "%s '%s' is empty", what, path);
		return NULL;
	}
	return mdx_strdup(buf);
}

/* parse the options into srv->c; returns -1 to go on, else an exit
 * status (0 after --help and --version) */
static int
parse_options(int argc, char **argv, struct serve_conf *c, int *logfmt,
	      int *verbosity, const char **key_file, const char **ckey_file)
{
	size_t sz;
	long n;
	int ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":hqVv", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_API_KEY_FILE:
			*key_file = optarg;
			break;
		case OPT_CACHE_SIZE:
			if (serve_parse_size(optarg, &c->cache_bytes))
				return mdx_usage_error(
					"--cache-size: '%s' is not "
					"a size (64M, 512K, 0)",
					optarg);
			break;
		case OPT_CORS:
			if (c->ncors == SERVE_MAX_CORS)
				return mdx_usage_error(
					"--cors: at most %d origins",
					SERVE_MAX_CORS);
			if (strpbrk(optarg, "\r\n") != NULL)
				return mdx_usage_error("--cors: bad origin");
			c->cors[c->ncors++] = optarg;
			break;
		case OPT_CURSOR_KEY_FILE:
			*ckey_file = optarg;
			break;
		case OPT_DB:
			c->db = optarg;
			break;
		case OPT_GRACE:
			if (serve_parse_long(optarg, 0, 3600, &c->grace))
				return mdx_usage_error(
					"--grace: '%s' is not 0 to "
					"3600 seconds",
					optarg);
			break;
		case 'h':
			mdx_help_print(stdout, synopsis, help);
			return mdx_close_stdout(MDX_EXIT_OK);
		case OPT_LISTEN:
			if (parse_listen(optarg, c))
				return mdx_usage_error("--listen: '%s' is not "
						       "ADDR:PORT",
						       optarg);
			break;
		case OPT_LOG_FORMAT:
			if ((*logfmt = mdx_log_format_parse(optarg)) < 0)
				return mdx_usage_error(
					"--log-format: '%s' is not "
					"human or json",
					optarg);
			break;
		case OPT_MAX_AGE:
			if (serve_parse_long(optarg, 0, 31536000, &c->max_age))
				return mdx_usage_error(
					"--max-age: '%s' is not 0 "
					"to 31536000 seconds",
					optarg);
			break;
		case OPT_MAX_BODY:
		case OPT_MAX_URL:
		case OPT_MAX_HEADER:
			if (serve_parse_size(optarg, &sz) || sz < 256 ||
			    sz > ((size_t)1 << 30))
				return mdx_usage_error("%s: '%s' is not a size "
						       "from 256 to 1G",
						       argv[optind - 1],
						       optarg);
			*(ch == OPT_MAX_BODY  ? &c->max_body
			  : ch == OPT_MAX_URL ? &c->max_url
					      : &c->max_header) = sz;
			break;
		case OPT_MAX_CONNS:
		case OPT_MAX_PER_IP:
			if (serve_parse_long(optarg, 1, 1000000, &n))
				return mdx_usage_error("%s: '%s' is not 1 to "
						       "1000000",
						       argv[optind - 1],
						       optarg);
			*(ch == OPT_MAX_CONNS ? &c->max_conns
					      : &c->max_per_ip) = (unsigned)n;
			break;
		case OPT_PORT_FILE:
			c->port_file = optarg;
			break;
		case OPT_QUERY_TIMEOUT:
			if (serve_parse_long(optarg, 0, 3600000, &c->query_ms))
				return mdx_usage_error(
					"--query-timeout: '%s' is "
					"not 0 to 3600000 ms",
					optarg);
			break;
		case 'q':
			*verbosity = -1;
			c->access_log = 0;
			break;
		case OPT_RATE_LIMIT:
			if (serve_parse_long(optarg, 0, 10000000, &n))
				return mdx_usage_error(
					"--rate-limit: '%s' is not "
					"0 to 10000000 requests a "
					"second",
					optarg);
			c->rate = (double)n;
			break;
		case OPT_READY_MAX_AGE:
			if (serve_parse_long(optarg, 0, 100000000,
					     &c->ready_max_age))
				return mdx_usage_error(
					"--ready-max-age: '%s' is "
					"not a number of seconds",
					optarg);
			break;
		case OPT_THREADS:
			if (serve_parse_long(optarg, 1, 1024, &n))
				return mdx_usage_error(
					"--threads: '%s' is not 1 "
					"to 1024",
					optarg);
			c->threads = (int)n;
			break;
		case OPT_HEADER_TIMEOUT:
			if (serve_parse_long(optarg, 1, 86400, &n))
				return mdx_usage_error(
					"--header-timeout: '%s' is not 1 "
					"to 86400 seconds",
					optarg);
			c->header_timeout = (unsigned)n;
			break;
		case OPT_TIMEOUT:
			if (serve_parse_long(optarg, 1, 86400, &n))
				return mdx_usage_error(
					"--timeout: '%s' is not 1 "
					"to 86400 seconds",
					optarg);
			c->timeout = (unsigned)n;
			break;
		case 'V':
			printf("mdx-serve %s\n", MDX_VERSION);
			return mdx_close_stdout(MDX_EXIT_OK);
		case 'v':
			*verbosity = 1;
			break;
		default:
			return mdx_log_bad_option(ch, argv);
		}
	}
	if (optind != argc)
		return mdx_usage_error("unexpected operand '%s'", argv[optind]);
	return -1;
}

/* listen on c->host:c->port; returns the socket, or -1 (logged) */
static int
listen_on(const struct serve_conf *c, unsigned *bound)
{
	struct addrinfo hints = {0}, *res = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd = -1, one = 1, rc;

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(c->host[0] ? c->host : NULL, c->port, &hints, &res);
	if (rc != 0) {
		mdx_log("error", "--listen '%s': %s", c->host,
			gai_strerror(rc));
		return -1;
	}
	fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC,
		    res->ai_protocol);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, res->ai_addr, res->ai_addrlen) || listen(fd, 1024) ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl)) {
		mdx_log("error", "cannot listen on %s:%s: %s",
			c->host[0] ? c->host : "*", c->port, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(res);
		return -1;
	}
	freeaddrinfo(res);
	*bound = ntohs(ss.ss_family == AF_INET6
			       ? ((struct sockaddr_in6 *)&ss)->sin6_port
			       : ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

/* write the port to path, through a temporary file and a rename */
static int
port_file_write(const char *path, unsigned port)
{
	size_t n = strlen(path) + 8;
	char *tmp = mdx_malloc(n);
	FILE *fp;
	int rc = -1;

	if (tmp == NULL)
		return -1;
	snprintf(tmp, n, "%s.tmp", path);
	if ((fp = fopen(tmp, "w")) != NULL) {
		fprintf(fp, "%u\n", port);
		if (fclose(fp) == 0 && rename(tmp, path) == 0)
			rc = 0;
	}
	if (rc)
		mdx_log("error", "--port-file '%s': %s", path, strerror(errno));
	mdx_free(tmp);
	return rc;
}

/* keys, caches and tables; returns an exit status, 0 when ready */
static int
setup(struct serve *srv, const char *key_file, const char *ckey_file)
{
	struct serve_conf *c = &srv->c;
	const char *env = getenv("MDX_API_KEY");
	struct mdx_store *s;
	struct mdx_err e;
	char *ckey = NULL;

	mdx_err_clear(&e);
	/* the store must be there and be one (a reader per thread later) */
	if ((s = mdx_store_open(c->db, MDX_STORE_READONLY, &e)) == NULL) {
		mdx_log_err("error", &e);
		return e.code == MDX_EINPUT ? MDX_EXIT_DATAERR
					    : MDX_EXIT_NOINPUT;
	}
	mdx_store_close(s);
	if (key_file != NULL) {
		if ((c->api_key = read_key(key_file, "--api-key-file")) == NULL)
			return MDX_EXIT_NOINPUT;
	} else if (env != NULL && env[0] != '\0') {
		if ((c->api_key = mdx_strdup(env)) == NULL)
			return MDX_EXIT_SOFTWARE;
	}
	if (serve_random(srv->hash_key, sizeof(srv->hash_key)) ||
	    serve_random(srv->mac_key, sizeof(srv->mac_key)) ||
	    serve_random(&srv->id_salt, sizeof(srv->id_salt))) {
		mdx_log("error", "no random bytes: %s", strerror(errno));
		return MDX_EXIT_SOFTWARE;
	}
	if (ckey_file != NULL) {
		/* cursors that hold across restarts and instances */
		static const uint8_t k0[16] = "mdx cursor key 0";
		static const uint8_t k1[16] = "mdx cursor key 1";
		uint64_t a, b;

		if ((ckey = read_key(ckey_file, "--cursor-key-file")) == NULL)
			return MDX_EXIT_NOINPUT;
		a = serve_siphash(k0, ckey, strlen(ckey));
		b = serve_siphash(k1, ckey, strlen(ckey));
		memcpy(srv->mac_key, &a, 8);
		memcpy(srv->mac_key + 8, &b, 8);
		mdx_free(ckey);
	}
	if (c->api_key != NULL)
		srv->api_key_hash = serve_siphash(srv->hash_key, c->api_key,
						  strlen(c->api_key));
	atomic_init(&srv->gen, 1);
	if (serve_metrics_init(&srv->m) || serve_openapi_build(srv) ||
	    (c->cache_bytes > 0 &&
	     (srv->cache = serve_cache_new(c->cache_bytes)) == NULL) ||
	    (c->rate > 0 &&
	     (srv->limit = serve_limiter_new(c->rate, 2 * c->rate)) == NULL) ||
	    pthread_key_create(&srv->reader_key, serve_reader_free) != 0) {
		mdx_log("error", "out of memory");
		return MDX_EXIT_SOFTWARE;
	}
	pthread_mutex_init(&srv->wmu, NULL);
	return 0;
}

static void
teardown(struct serve *srv)
{
	serve_writer_close(srv);
	serve_cache_free(srv->cache);
	serve_limiter_free(srv->limit);
	serve_metrics_free(&srv->m);
	mdx_free(srv->openapi);
	mdx_free(srv->c.api_key);
}

int
main(int argc, char **argv)
{
	static struct serve srv = {
		.c =
			{
				.host = "127.0.0.1",
				.port = "8080",
				.cache_bytes = 64 << 20,
				.timeout = 30,
				.header_timeout = 5,
				.max_conns = 1024,
				.max_per_ip = 64,
				.max_body = 8 << 20,
				.max_url = 8 << 10,
				.max_header = 16 << 10,
				.rate = 100,
				.query_ms = 5000,
				.grace = 30,
				.access_log = 1,
			},
	};
	const char *key_file = NULL, *ckey_file = NULL;
	int logfmt = MDX_LOG_HUMAN, verbosity = 0, status, fd, sig;
	unsigned port;
	sigset_t set;
	long ncpu;

	mdx_alloc_init();
	/* each connection is used by one thread at a time (a reader per
	 * worker thread, the writer under a mutex): SQLite's per-connection
	 * mutexes and its global memory statistics (a lock on every
	 * allocation) are not needed; set before SQLite starts */
	sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	signal(SIGPIPE, SIG_IGN);
	mdx_log_init("mdx-serve", MDX_LOG_HUMAN, 0);
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	srv.c.threads = ncpu > 0 ? (int)ncpu : 2;
	if ((status = parse_options(argc, argv, &srv.c, &logfmt, &verbosity,
				    &key_file, &ckey_file)) >= 0)
		return status;
	mdx_log_init("mdx-serve", logfmt, verbosity);
	srv.c.db = mdx_db_path(srv.c.db);
	if ((status = setup(&srv, key_file, ckey_file)) != 0)
		goto out;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	/* blocked before any thread starts: they inherit the mask, and
	 * only sigwait below takes the signals */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if ((fd = listen_on(&srv.c, &port)) < 0) {
		status = MDX_EXIT_IOERR;
		goto out;
	}
	{
		struct mdx_err e;

		mdx_err_clear(&e);
		if (serve_start(&srv, fd, &e)) {
			mdx_log_err("error", &e);
			close(fd);
			status = MDX_EXIT_SOFTWARE;
			goto out;
		}
	}
	if (srv.c.port_file != NULL && port_file_write(srv.c.port_file, port))
		status = MDX_EXIT_CANTCREAT;
	else
		mdx_log("info",
			"listening on %s%s%s:%u, store %s, %d threads, writes "
			"%s",
			strchr(srv.c.host, ':') ? "[" : "", srv.c.host,
			strchr(srv.c.host, ':') ? "]" : "", port, srv.c.db,
			srv.c.threads, srv.c.api_key ? "on" : "off");
	while (status == 0 && sigwait(&set, &sig) != 0)
		;
	if (status == 0)
		mdx_log("info", "%s: draining",
			sig == SIGTERM ? "SIGTERM" : "SIGINT");
	serve_stop(&srv);
out:
	teardown(&srv);
	return status;
}
