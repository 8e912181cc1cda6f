/*
 * test_serve.c - mdx-serve's small parts that need no socket: SipHash
 * against the reference vectors, cursors (round trip, tampering, another
 * question), percent-encoding, the number and size parsers, the response
 * cache (generations, LRU, the size cap) and the rate limiter.  The files
 * under test are mdx-serve's own (serve/), included here whole.
 */
#include <netinet/in.h>
#include <string.h>

#include "../../serve/serve_cache.c"
#include "../../serve/serve_limit.c"
#include "../../serve/serve_util.c"
#include "mdx_alloc.h"
#include "t.h"

/* the SipHash-2-4 paper's appendix: key 00..0f, message 00..0e */
static void
test_siphash(void)
{
	uint8_t key[16], msg[64];

	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	T_OK(serve_siphash(key, msg, 15) == 0xa129ca6149be45e5ULL);
	/* the first and the 64th vectors of the reference implementation
	 * (vectors.h of github.com/veorq/SipHash), read little-endian */
	T_OK(serve_siphash(key, msg, 0) == 0x726fdb47dd0e0e31ULL);
	T_OK(serve_siphash(key, msg, 63) == 0x958a324ceb064572ULL);
}

static void
test_cursor(void)
{
	uint8_t key[16] = "0123456789abcdef", other[16] = "0123456789abcdeF";
	struct serve_cursor c = {5, 1672722000000LL, 19360}, d;
	char text[SERVE_CURSOR_LEN], bad[SERVE_CURSOR_LEN];

	serve_cursor_encode(key, &c, "bars|AAPL|-1|x|y", text);
	T_OK(strlen(text) < SERVE_CURSOR_LEN);
	T_OK(strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			  "0123456789-_") == strlen(text));
	T_EQ_INT(serve_cursor_decode(key, text, "bars|AAPL|-1|x|y", &d), 0);
	T_EQ_INT(d.interval, 5);
	T_OK(d.ts == 1672722000000LL);
	T_EQ_INT(d.date, 19360);
	/* another question, another key */
	T_EQ_INT(serve_cursor_decode(key, text, "bars|MSFT|-1|x|y", &d), -1);
	T_EQ_INT(serve_cursor_decode(other, text, "bars|AAPL|-1|x|y", &d), -1);
	/* every one-character change is caught */
	for (size_t i = 0; i < strlen(text); i++) {
		memcpy(bad, text, sizeof(bad));
		bad[i] = bad[i] == 'A' ? 'B' : 'A';
		T_EQ_INT(serve_cursor_decode(key, bad, "bars|AAPL|-1|x|y", &d),
			 -1);
	}
	T_EQ_INT(serve_cursor_decode(key, "", "b", &d), -1);
	T_EQ_INT(serve_cursor_decode(key, "!!!!", "b", &d), -1);
	T_EQ_INT(serve_cursor_decode(
			 key, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "b", &d),
		 -1);
}

static void
test_pct(void)
{
	char buf[16];
	size_t len = 0;

	T_EQ_INT(serve_pct_append(buf, sizeof(buf), &len, "^GSPC"), 0);
	T_EQ_STR(buf, "%5EGSPC");
	len = 0;
	T_EQ_INT(serve_pct_append(buf, sizeof(buf), &len, "BRK.B/x~_-"), 0);
	T_EQ_STR(buf, "BRK.B%2Fx~_-");
	len = 0;
	T_EQ_INT(serve_pct_append(buf, sizeof(buf), &len, "a b c d e f g h"),
		 -1);
}

static void
test_parse(void)
{
	size_t sz;
	long v;

	T_EQ_INT(serve_parse_size("64M", &sz), 0);
	T_OK(sz == 64u << 20);
	T_EQ_INT(serve_parse_size("512k", &sz), 0);
	T_OK(sz == 512u << 10);
	T_EQ_INT(serve_parse_size("0", &sz), 0);
	T_OK(sz == 0);
	T_EQ_INT(serve_parse_size("-1", &sz), -1);
	T_EQ_INT(serve_parse_size("1T", &sz), -1);
	T_EQ_INT(serve_parse_size("99999999999G", &sz), -1);
	T_EQ_INT(serve_parse_long("42", 0, 100, &v), 0);
	T_EQ_INT(v, 42);
	T_EQ_INT(serve_parse_long("101", 0, 100, &v), -1);
	T_EQ_INT(serve_parse_long(" 1", 0, 100, &v), -1);
	T_EQ_INT(serve_parse_long("+1", 0, 100, &v), -1);
	T_EQ_INT(serve_parse_long("1x", 0, 100, &v), -1);
	T_EQ_INT(serve_parse_long("99999999999999999999", 0, 100, &v), -1);
}

static struct serve_doc *
doc(const char *body)
{
	struct serve_doc *d = serve_doc_new(200, SF_JSON);

	serve_doc_body(d, mdx_strdup(body), strlen(body));
	return d;
}

static void
test_cache(void)
{
	struct serve_cache *c = serve_cache_new(8 * 100);
	struct serve_doc *a = doc("[1]\n"), *b, *got;
	long n;
	size_t bytes;
	char key[16];

	a->gen = 7;
	serve_cache_put(c, a, "0/a", 3);
	got = serve_cache_get(c, "0/a", 3, 7);
	T_OK(got == a);
	serve_doc_unref(got);
	T_OK(serve_cache_get(c, "0/b", 3, 7) == NULL);
	/* a newer generation drops it */
	T_OK(serve_cache_get(c, "0/a", 3, 8) == NULL);
	serve_cache_usage(c, &n, &bytes);
	T_EQ_INT(n, 0);
	serve_doc_unref(a); /* the caller's reference: freed now */
	/* the least recently used go when the bodies pass the cap */
	for (int i = 0; i < 40; i++) {
		snprintf(key, sizeof(key), "k%02d", i);
		b = doc("0123456789012345678901234567890123456789");
		b->gen = 1;
		serve_cache_put(c, b, key, strlen(key));
		serve_doc_unref(b);
		got = serve_cache_get(c, "k00", 3, 1); /* k00 stays used */
		serve_doc_unref(got);
	}
	serve_cache_usage(c, &n, &bytes);
	T_OK(bytes <= 8 * 100);
	T_OK(n > 5 && n < 40);
	got = serve_cache_get(c, "k00", 3, 1);
	T_OK(got != NULL);
	serve_doc_unref(got);
	T_OK(serve_cache_get(c, "k01", 3, 1) == NULL);
	/* too big for the cache: not kept */
	b = doc("01234567890123456789012345678901234567890123456789012345678901"
		"234567890123456789012345678901234567890123456789");
	serve_cache_put(c, b, "big", 3);
	T_OK(serve_cache_get(c, "big", 3, 0) == NULL);
	serve_doc_unref(b);
	serve_cache_free(c);
}

static void
test_etag(void)
{
	struct serve_doc *a = doc("[1]\n"), *b = doc("[1]\n"),
			 *c = doc("[2]\n");

	serve_doc_etag(a);
	serve_doc_etag(b);
	serve_doc_etag(c);
	T_EQ_STR(a->etag, b->etag);
	T_OK(strcmp(a->etag, c->etag) != 0);
	T_EQ_INT(strlen(a->etag), 18);
	b->link = mdx_strdup("/v1/bars/A?cursor=x");
	serve_doc_etag(b);
	T_OK(strcmp(a->etag, b->etag) != 0);
	serve_doc_unref(a);
	serve_doc_unref(b);
	serve_doc_unref(c);
}

static void
test_limiter(void)
{
	struct serve_limiter *l = serve_limiter_new(2, 4);
	struct sockaddr_in a = {0}, b = {0};

	a.sin_family = b.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(0x7f000001);
	b.sin_addr.s_addr = htonl(0x7f000002);
	for (int i = 0; i < 4; i++)
		T_EQ_INT(serve_limiter_take(l, (struct sockaddr *)&a, 1000), 0);
	T_EQ_INT(serve_limiter_take(l, (struct sockaddr *)&a, 1000), 1);
	/* another client has its own bucket */
	T_EQ_INT(serve_limiter_take(l, (struct sockaddr *)&b, 1000), 0);
	/* half a second gives one token back at 2 a second */
	T_EQ_INT(serve_limiter_take(l, (struct sockaddr *)&a, 1500), 0);
	T_EQ_INT(serve_limiter_take(l, (struct sockaddr *)&a, 1500), 1);
	/* full again after two seconds: swept */
	serve_limiter_sweep(l, 4000);
	T_EQ_INT(serve_limiter_take(l, (struct sockaddr *)&a, 4000), 0);
	serve_limiter_free(l);
}

int
main(void)
{
	mdx_alloc_init();
	T_RUN(test_siphash);
	T_RUN(test_cursor);
	T_RUN(test_pct);
	T_RUN(test_parse);
	T_RUN(test_cache);
	T_RUN(test_etag);
	T_RUN(test_limiter);
	return t_done();
}
