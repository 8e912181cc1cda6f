/*
 * serve_util.c - mdx-serve's small tools: SipHash, random bytes, clocks,
 * number and size parsers, keyset cursors, percent-encoding.
 *
 * SipHash-2-4 (J.-P. Aumasson and D. J. Bernstein, "SipHash: a fast
 * short-input PRF", INDOCRYPT 2012) is the keyed hash of the cache table,
 * the MAC of cursors and the hash behind the constant-time API key
 * comparison.  None of the libraries mdx links (libcurl, jansson, SQLite,
 * libmicrohttpd, libcsv) exports a keyed hash, hence these 40 lines.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "serve_int.h"

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

#define SIPROUND                                                               \
	do {                                                                   \
		v0 += v1;                                                      \
		v1 = ROTL(v1, 13);                                             \
		v1 ^= v0;                                                      \
		v0 = ROTL(v0, 32);                                             \
		v2 += v3;                                                      \
		v3 = ROTL(v3, 16);                                             \
		v3 ^= v2;                                                      \
		v0 += v3;                                                      \
		v3 = ROTL(v3, 21);                                             \
		v3 ^= v0;                                                      \
		v2 += v1;                                                      \
		v1 = ROTL(v1, 17);                                             \
		v1 ^= v2;                                                      \
		v2 = ROTL(v2, 32);                                             \
	} while (0)

static uint64_t
le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

uint64_t
serve_siphash(const uint8_t key[16], const void *data, size_t n)
{
	const uint8_t *p = data, *end = p + (n & ~(size_t)7);
	uint64_t k0 = le64(key), k1 = le64(key + 8), m, b;
	uint64_t v0 = k0 ^ 0x736f6d6570736575ULL;
	uint64_t v1 = k1 ^ 0x646f72616e646f6dULL;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ULL;
	uint64_t v3 = k1 ^ 0x7465646279746573ULL;

	for (; p != end; p += 8) {
		m = le64(p);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	b = (uint64_t)n << 56;
	for (size_t i = 0; i < (n & 7); i++)
		b |= (uint64_t)p[i] << (8 * i);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

int
serve_random(void *buf, size_t n)
{
	unsigned char *p = buf;

	while (n > 0) {
		ssize_t got = getrandom(p, n, 0);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += got;
		n -= (size_t)got;
	}
	return 0;
}

int64_t
serve_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int
serve_parse_long(const char *s, long lo, long hi, long *v)
{
	char *end;
	long n;

	if (s == NULL || *s < '0' || *s > '9')
		return -1; /* no sign, no blank */
	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || n < lo || n > hi)
		return -1;
	*v = n;
	return 0;
}

int
serve_parse_size(const char *s, size_t *v)
{
	unsigned long long n, mul = 1;
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	switch (*end) {
	case 'G':
	case 'g':
		mul <<= 10; /* FALLTHROUGH */
	case 'M':
	case 'm':
		mul <<= 10; /* FALLTHROUGH */
	case 'K':
	case 'k':
		mul <<= 10;
		end++;
		break;
	}
	if (*end != '\0' || n > (1ULL << 40) / mul)
		return -1;
	*v = (size_t)(n * mul);
	return 0;
}

static const char b64u[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* base64url without padding (RFC 4648 section 5) of in (n bytes) */
static void
b64u_encode(const uint8_t *in, size_t n, char *out)
{
	size_t i = 0, o = 0;

	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
			     in[i + 2];

		out[o++] = b64u[v >> 18];
		out[o++] = b64u[(v >> 12) & 63];
		out[o++] = b64u[(v >> 6) & 63];
		out[o++] = b64u[v & 63];
	}
	if (n - i == 1) {
		out[o++] = b64u[in[i] >> 2];
		out[o++] = b64u[(in[i] & 3) << 4];
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)in[i] << 8 | in[i + 1];

		out[o++] = b64u[v >> 10];
		out[o++] = b64u[(v >> 4) & 63];
		out[o++] = b64u[(v & 15) << 2];
	}
	out[o] = '\0';
}

/* decode base64url text s into out (room for max bytes); -1 if invalid */
static long
b64u_decode(const char *s, uint8_t *out, size_t max)
{
	uint32_t acc = 0;
	size_t o = 0;
	int bits = 0;

	for (; *s; s++) {
		const char *p = strchr(b64u, *s);

		if (p == NULL || *s == '\0')
			return -1;
		acc = (acc << 6) | (uint32_t)(p - b64u);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o == max)
				return -1;
			out[o++] = (uint8_t)(acc >> bits);
		}
		acc &= (1u << bits) - 1;
	}
	if (acc != 0) /* stray bits: not what the encoder writes */
		return -1;
	return (long)o;
}

/* 2: the intervals renumbered (2m, 90m, 5d and 3mo in their places) */
#define CURSOR_VERSION 2
#define CURSOR_BODY 14		       /* version, interval, ts, date */
#define CURSOR_BYTES (CURSOR_BODY + 8) /* and the MAC */

static uint64_t
cursor_mac(const uint8_t key[16], const uint8_t *body, const char *bind)
{
	uint8_t buf[CURSOR_BODY + 512];
	size_t n = strlen(bind);

	if (n > sizeof(buf) - CURSOR_BODY)
		n = sizeof(buf) - CURSOR_BODY;
	memcpy(buf, body, CURSOR_BODY);
	memcpy(buf + CURSOR_BODY, bind, n);
	return serve_siphash(key, buf, CURSOR_BODY + n);
}

void
serve_cursor_encode(const uint8_t key[16], const struct serve_cursor *cur,
		    const char *bind, char *out)
{
	uint8_t b[CURSOR_BYTES];
	uint64_t ts = (uint64_t)cur->ts, mac;
	uint32_t date = (uint32_t)cur->date;

	b[0] = CURSOR_VERSION;
	b[1] = (uint8_t)cur->interval;
	for (int i = 0; i < 8; i++)
		b[2 + i] = (uint8_t)(ts >> (56 - 8 * i));
	for (int i = 0; i < 4; i++)
		b[10 + i] = (uint8_t)(date >> (24 - 8 * i));
	mac = cursor_mac(key, b, bind);
	for (int i = 0; i < 8; i++)
		b[CURSOR_BODY + i] = (uint8_t)(mac >> (56 - 8 * i));
	b64u_encode(b, sizeof(b), out);
}

int
serve_cursor_decode(const uint8_t key[16], const char *s, const char *bind,
		    struct serve_cursor *cur)
{
	uint8_t b[CURSOR_BYTES];
	uint64_t ts = 0, mac = 0, diff;
	uint32_t date = 0;

	if (strlen(s) >= SERVE_CURSOR_LEN ||
	    b64u_decode(s, b, sizeof(b)) != (long)sizeof(b) ||
	    b[0] != CURSOR_VERSION)
		return -1;
	for (int i = 0; i < 8; i++)
		mac = (mac << 8) | b[CURSOR_BODY + i];
	diff = mac ^ cursor_mac(key, b, bind);
	if (diff != 0)
		return -1;
	for (int i = 0; i < 8; i++)
		ts = (ts << 8) | b[2 + i];
	for (int i = 0; i < 4; i++)
		date = (date << 8) | b[10 + i];
	cur->interval = b[1];
	cur->ts = (int64_t)ts;
	cur->date = (int32_t)date;
	return 0;
}

int
serve_pct_append(char *buf, size_t n, size_t *len, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		int plain = (ch >= 'A' && ch <= 'Z') ||
			    (ch >= 'a' && ch <= 'z') ||
			    (ch >= '0' && ch <= '9') || ch == '-' ||
			    ch == '.' || ch == '_' || ch == '~';

		if (*len + (plain ? 1 : 3) >= n)
			return -1;
		if (plain) {
			buf[(*len)++] = (char)ch;
		} else {
			buf[(*len)++] = '%';
			buf[(*len)++] = hex[ch >> 4];
			buf[(*len)++] = hex[ch & 15];
		}
	}
	buf[*len] = '\0';
	return 0;
}
