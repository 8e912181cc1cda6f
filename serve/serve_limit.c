/*
 * serve_limit.c - the per-client rate limit: a token bucket for each
 * client address (rate tokens a second, burst at most), 429 with
 * Retry-After when empty.
 *
 * Clients are kept in a hash table of at most LIMIT_CLIENTS entries; the
 * reaper thread sweeps out those whose bucket is full again (idle
 * clients).  When the table is full of busy clients, a new client is let
 * through unmetered rather than refused: the connection limits still hold.
 */
#include <math.h>
#include <netinet/in.h>
#include <string.h>

#include "mdx_alloc.h"
#include "serve_int.h"

#define LIMIT_BUCKETS 4096
#define LIMIT_CLIENTS 65536

struct client {
	uint8_t addr[16];    /* IPv4 mapped into IPv6 form, or IPv6 */
	double tokens;	     /* tokens left */
	int64_t last_ms;     /* when tokens was computed */
	struct client *next; /* hash chain */
};

struct serve_limiter {
	pthread_mutex_t mu;		 /* guards the table */
	struct client *b[LIMIT_BUCKETS]; /* hash table */
	long n;				 /* clients */
	double rate, burst;		 /* tokens a second, at most */
	uint8_t key[16];		 /* hash key */
};

struct serve_limiter *
serve_limiter_new(double rate, double burst)
{
	struct serve_limiter *l = mdx_calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	l->rate = rate;
	l->burst = burst < 1 ? 1 : burst;
	if (serve_random(l->key, sizeof(l->key)))
		memset(l->key, 0x3c, sizeof(l->key));
	pthread_mutex_init(&l->mu, NULL);
	return l;
}

void
serve_limiter_free(struct serve_limiter *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < LIMIT_BUCKETS; i++) {
		struct client *c = l->b[i], *next;

		for (; c != NULL; c = next) {
			next = c->next;
			mdx_free(c);
		}
	}
	pthread_mutex_destroy(&l->mu);
	mdx_free(l);
}

/* the client's address as 16 bytes; -1 for other families */
static int
addr_key(const struct sockaddr *sa, uint8_t out[16])
{
	memset(out, 0, 16);
	if (sa == NULL)
		return -1;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		out[10] = out[11] = 0xff;
		memcpy(out + 12, &in->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		memcpy(out, &in6->sin6_addr, 16);
		return 0;
	}
	return -1;
}

/* refill c's bucket up to now */
static void
refill(struct serve_limiter *l, struct client *c, int64_t now_ms)
{
	if (now_ms > c->last_ms) {
		c->tokens += (double)(now_ms - c->last_ms) / 1000.0 * l->rate;
		if (c->tokens > l->burst)
			c->tokens = l->burst;
		c->last_ms = now_ms;
	}
}

int
serve_limiter_take(struct serve_limiter *l, const struct sockaddr *sa,
		   int64_t now_ms)
{
	uint8_t key[16];
	struct client *c;
	size_t h;
	int wait = 0;

	if (addr_key(sa, key))
		return 0;
	h = serve_siphash(l->key, key, sizeof(key)) & (LIMIT_BUCKETS - 1);
	pthread_mutex_lock(&l->mu);
	for (c = l->b[h]; c != NULL; c = c->next)
		if (memcmp(c->addr, key, sizeof(key)) == 0)
			break;
	if (c == NULL) {
		if (l->n >= LIMIT_CLIENTS ||
		    (c = mdx_calloc(1, sizeof(*c))) == NULL)
			goto out; /* let it through, unmetered */
		memcpy(c->addr, key, sizeof(key));
		c->tokens = l->burst;
		c->last_ms = now_ms;
		c->next = l->b[h];
		l->b[h] = c;
		l->n++;
	}
	refill(l, c, now_ms);
	if (c->tokens >= 1.0) {
		c->tokens -= 1.0;
	} else {
		wait = (int)ceil((1.0 - c->tokens) / l->rate);
		if (wait < 1)
			wait = 1;
	}
out:
	pthread_mutex_unlock(&l->mu);
	return wait;
}

void
serve_limiter_sweep(struct serve_limiter *l, int64_t now_ms)
{
	pthread_mutex_lock(&l->mu);
	for (size_t i = 0; i < LIMIT_BUCKETS; i++) {
		struct client **pp = &l->b[i];

		while (*pp != NULL) {
			struct client *c = *pp;

			refill(l, c, now_ms);
			if (c->tokens >= l->burst) {
				*pp = c->next;
				mdx_free(c);
				l->n--;
			} else {
				pp = &c->next;
			}
		}
	}
	pthread_mutex_unlock(&l->mu);
}
