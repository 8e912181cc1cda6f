/*
 * serve_cache.c - rendered answers (struct serve_doc) and the in-process
 * cache that keeps them.
 *
 * An entry is a document and the generation of the store it was made in
 * (serve_generation in serve_query.c moves the generation when SQLite's
 * data_version says another connection committed).  A lookup in a newer
 * generation drops the entry, so nothing made before a change is served
 * after it.  Entries are kept in a hash table (SipHash of the key, keyed at
 * random so that request targets cannot be chosen to collide) and an LRU
 * list; when the bodies pass the size given, the least recently used go.
 * One mutex guards it all: a lookup is a hash, a compare and two pointer
 * moves.
 */
#include <string.h>

#include "mdx_alloc.h"
#include "serve_int.h"

struct serve_doc *
serve_doc_new(int status, int fmt)
{
	struct serve_doc *d = mdx_calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	atomic_init(&d->refs, 1);
	d->status = status;
	d->fmt = fmt;
	d->check_failed = -1;
	return d;
}

void
serve_doc_body(struct serve_doc *d, char *body, size_t n)
{
	mdx_free(d->body);
	d->body = body;
	d->len = n;
}

void
serve_doc_ref(struct serve_doc *d)
{
	atomic_fetch_add_explicit(&d->refs, 1, memory_order_relaxed);
}

void
serve_doc_unref(struct serve_doc *d)
{
	if (d == NULL ||
	    atomic_fetch_sub_explicit(&d->refs, 1, memory_order_acq_rel) != 1)
		return;
	mdx_free(d->body);
	mdx_free(d->link);
	mdx_free(d->missing);
	mdx_free(d->key);
	mdx_free(d);
}

void
serve_doc_etag(struct serve_doc *d)
{
	/* a fixed key: the same bytes give the same tag after a restart */
	static const uint8_t key[16] = "mdx-serve etag 1";
	uint64_t h = serve_siphash(key, d->body ? d->body : "", d->len);

	h ^= (uint64_t)d->fmt * 0x9e3779b97f4a7c15ULL;
	if (d->link != NULL)
		h ^= serve_siphash(key, d->link, strlen(d->link)) >> 1;
	snprintf(d->etag, sizeof(d->etag), "\"%016llx\"",
		 (unsigned long long)h);
}

struct serve_cache {
	pthread_mutex_t mu;	/* guards everything below */
	struct serve_doc **b;	/* buckets */
	size_t nb;		/* how many (a power of two) */
	struct serve_doc *head; /* most recently used */
	struct serve_doc *tail; /* least recently used */
	long n;			/* entries */
	size_t bytes, max;	/* body bytes held, allowed */
	uint8_t key[16];	/* hash key */
};

struct serve_cache *
serve_cache_new(size_t max)
{
	struct serve_cache *c = mdx_calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->nb = 4096;
	if ((c->b = mdx_calloc(c->nb, sizeof(*c->b))) == NULL) {
		mdx_free(c);
		return NULL;
	}
	c->max = max;
	if (serve_random(c->key, sizeof(c->key)))
		memset(c->key, 0x5a, sizeof(c->key));
	pthread_mutex_init(&c->mu, NULL);
	return c;
}

/* take d out of the table and the list and drop the cache's reference */
static void
drop(struct serve_cache *c, struct serve_doc *d)
{
	struct serve_doc **pp = &c->b[d->khash & (c->nb - 1)];

	while (*pp != d)
		pp = &(*pp)->hnext;
	*pp = d->hnext;
	if (d->prev)
		d->prev->next = d->next;
	else
		c->head = d->next;
	if (d->next)
		d->next->prev = d->prev;
	else
		c->tail = d->prev;
	d->hnext = d->prev = d->next = NULL;
	c->n--;
	c->bytes -= d->len + d->klen;
	serve_doc_unref(d);
}

void
serve_cache_free(struct serve_cache *c)
{
	if (c == NULL)
		return;
	while (c->head != NULL)
		drop(c, c->head);
	mdx_free(c->b);
	pthread_mutex_destroy(&c->mu);
	mdx_free(c);
}

struct serve_doc *
serve_cache_get(struct serve_cache *c, const char *key, size_t klen,
		uint64_t gen)
{
	uint64_t h = serve_siphash(c->key, key, klen);
	struct serve_doc *d;

	pthread_mutex_lock(&c->mu);
	for (d = c->b[h & (c->nb - 1)]; d != NULL; d = d->hnext)
		if (d->khash == h && d->klen == klen &&
		    memcmp(d->key, key, klen) == 0)
			break;
	if (d != NULL && d->gen != gen) {
		drop(c, d); /* made before the store changed */
		d = NULL;
	}
	if (d != NULL) {
		if (d->prev != NULL) { /* to the front */
			d->prev->next = d->next;
			if (d->next)
				d->next->prev = d->prev;
			else
				c->tail = d->prev;
			d->prev = NULL;
			d->next = c->head;
			c->head->prev = d;
			c->head = d;
		}
		serve_doc_ref(d);
	}
	pthread_mutex_unlock(&c->mu);
	return d;
}

void
serve_cache_put(struct serve_cache *c, struct serve_doc *d, const char *key,
		size_t klen)
{
	struct serve_doc *old;
	uint64_t h;

	/* one answer may take an eighth of the cache at most */
	if (d->key != NULL || d->len + klen > c->max / 8)
		return;
	if ((d->key = mdx_malloc(klen)) == NULL)
		return;
	memcpy(d->key, key, klen);
	d->klen = klen;
	d->khash = h = serve_siphash(c->key, key, klen);
	pthread_mutex_lock(&c->mu);
	for (old = c->b[h & (c->nb - 1)]; old != NULL; old = old->hnext)
		if (old->khash == h && old->klen == klen &&
		    memcmp(old->key, key, klen) == 0)
			break;
	if (old != NULL) {
		if (old->gen > d->gen) { /* a newer one got there first */
			pthread_mutex_unlock(&c->mu);
			return;
		}
		drop(c, old);
	}
	serve_doc_ref(d);
	d->hnext = c->b[h & (c->nb - 1)];
	c->b[h & (c->nb - 1)] = d;
	d->prev = NULL;
	d->next = c->head;
	if (c->head)
		c->head->prev = d;
	c->head = d;
	if (c->tail == NULL)
		c->tail = d;
	c->n++;
	c->bytes += d->len + klen;
	while (c->bytes > c->max && c->tail != NULL && c->tail != d)
		drop(c, c->tail);
	pthread_mutex_unlock(&c->mu);
}

void
serve_cache_usage(struct serve_cache *c, long *entries, size_t *bytes)
{
	pthread_mutex_lock(&c->mu);
	*entries = c->n;
	*bytes = c->bytes;
	pthread_mutex_unlock(&c->mu);
}
