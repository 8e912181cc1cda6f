/*
 * reader.c - mdx-load's reader thread: inputs in order, each line parsed
 * (mdx_ndjson_next) and checked (mdx_bar_from_json and the other record
 * checks), handed to the writer in chunks.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "load_int.h"
#include "mdx_alloc.h"
#include "mdx_ndjson.h"

/* the chunk to fill, waiting for a free one; NULL when asked to stop */
static struct chunk *
chunk_get(struct reader *r)
{
	struct chunk *c = NULL;

	pthread_mutex_lock(&r->mu);
	while (!r->stop && r->produced - r->consumed >= LOAD_CHUNKS)
		pthread_cond_wait(&r->cv, &r->mu);
	if (!r->stop)
		c = &r->ring[r->produced % LOAD_CHUNKS];
	pthread_mutex_unlock(&r->mu);
	if (c != NULL)
		c->n = 0;
	return c;
}

static void
chunk_put(struct reader *r)
{
	pthread_mutex_lock(&r->mu);
	r->produced++;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

/* the reader's state between items */
struct feed {
	struct reader *r;
	struct chunk *c; /* being filled, or NULL */
};

/* a slot for the next item; NULL when asked to stop */
static struct item *
item_new(struct feed *f)
{
	struct item *it;

	if (f->c != NULL && f->c->n == LOAD_CHUNK) {
		chunk_put(f->r);
		f->c = NULL;
	}
	if (f->c == NULL && (f->c = chunk_get(f->r)) == NULL)
		return NULL;
	it = &f->c->items[f->c->n++];
	it->rec = NULL;
	it->raw = 0;
	mdx_err_clear(&it->e);
	return it;
}

/* check rec (a new reference, given to it) into the item it */
static void
item_record(struct item *it, json_t *rec)
{
	int type = mdx_rec_type(rec, &it->e), rc = -1;

	switch (type) {
	case MDX_REC_BAR:
		rc = mdx_bar_from_json(rec, &it->bar, &it->e);
		break;
	case MDX_REC_INSTRUMENT:
		rc = mdx_instrument_check(rec, &it->e);
		break;
	case MDX_REC_ACTION:
		rc = mdx_action_check(rec, &it->e);
		break;
	case MDX_REC_RUN:
		rc = mdx_run_check(rec, &it->e);
		break;
	}
	if (rc != 0) {
		it->kind = ITEM_REJECT;
		/* mdx-extract's output given to mdx-load: told once, at the
		 * end, rather than once a line */
		it->raw = type == MDX_REC_BAR &&
			  json_object_get(rec, "ts") == NULL &&
			  (json_object_get(rec, "t") != NULL ||
			   json_object_get(rec, "time") != NULL);
		mdx_err_where(&it->e, it->name, it->line);
		json_decref(rec);
	} else if (type == MDX_REC_BAR) {
		it->kind = ITEM_BAR;
		json_decref(rec);
	} else {
		it->kind = ITEM_RECORD;
		it->type = type;
		it->rec = rec;
	}
}

/* every line of fp; returns -1 when reading failed or the writer stopped */
static int
read_file(struct feed *f, FILE *fp, const char *name)
{
	struct mdx_ndjson_reader nr;
	struct item *it;
	json_t *rec;
	int rc, ret = 0;

	mdx_ndjson_init(&nr, fp, name);
	for (;;) {
		if ((it = item_new(f)) == NULL) {
			ret = -1;
			break;
		}
		it->name = name;
		rc = mdx_ndjson_next(&nr, &rec, &it->e);
		it->line = nr.line;
		if (rc == 0) {
			f->c->n--; /* unused */
			break;
		}
		if (rc > 0) {
			item_record(it, rec);
		} else if (it->e.code == MDX_EIO || it->e.code == MDX_ENOMEM) {
			it->kind = ITEM_FATAL;
			ret = -1;
			break;
		} else {
			it->kind = ITEM_REJECT; /* not JSON, too long */
		}
		/* when the read-ahead holds no whole line more, the next
		 * line means a read that may wait (a pipe, a terminal): hand
		 * over what there is first, so that records already read
		 * reach the store without waiting for more input */
		if (f->c != NULL && f->c->n > 0 &&
		    memchr(nr.in + nr.in_pos, '\n', nr.in_len - nr.in_pos) ==
			    NULL) {
			chunk_put(f->r);
			f->c = NULL;
		}
	}
	mdx_ndjson_release(&nr);
	return ret;
}

static void *
reader_main(void *arg)
{
	static char *const dash[] = {"-"};
	struct reader *r = arg;
	struct feed f = {r, NULL};
	char **files = r->files;
	int n = r->nfiles;
	struct item *it;

	if (n == 0) {
		n = 1;
		files = (char **)dash;
	}
	for (int i = 0; i < n; i++) {
		int is_stdin = strcmp(files[i], "-") == 0;
		const char *name = is_stdin ? "<stdin>" : files[i];
		FILE *fp = is_stdin ? stdin : fopen(files[i], "r");
		int rc;

		if (fp == NULL) {
			int err = errno;

			if ((it = item_new(&f)) == NULL)
				return NULL;
			it->kind = ITEM_NOFILE;
			it->name = name;
			it->line = 0;
			mdx_err_set(&it->e, MDX_EIO, "%s", strerror(err));
			mdx_err_where(&it->e, name, 0);
			continue;
		}
		rc = read_file(&f, fp, name);
		if (!is_stdin)
			fclose(fp);
		if (rc < 0) {
			if (f.c == NULL) /* stopped by the writer */
				return NULL;
			break;
		}
	}
	if ((it = item_new(&f)) == NULL)
		return NULL;
	it->kind = ITEM_END;
	chunk_put(r);
	return NULL;
}

int
reader_start(struct reader *r, int nfiles, char **files, struct mdx_err *e)
{
	int rc;

	memset(r, 0, sizeof(*r));
	r->files = files;
	r->nfiles = nfiles;
	if ((r->ring = mdx_calloc(LOAD_CHUNKS, sizeof(*r->ring))) == NULL)
		return mdx_err_set(e, MDX_ENOMEM, "out of memory");
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	if ((rc = pthread_create(&r->thread, NULL, reader_main, r)) != 0)
		return mdx_err_set(e, MDX_ENOMEM, "cannot start a thread: %s",
				   strerror(rc));
	r->started = 1;
	return 0;
}

struct chunk *
reader_next(struct reader *r)
{
	struct chunk *c;

	pthread_mutex_lock(&r->mu);
	while (r->consumed == r->produced)
		pthread_cond_wait(&r->cv, &r->mu);
	c = &r->ring[r->consumed % LOAD_CHUNKS];
	pthread_mutex_unlock(&r->mu);
	return c;
}

void
reader_done(struct reader *r)
{
	pthread_mutex_lock(&r->mu);
	r->consumed++;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

void
reader_finish(struct reader *r)
{
	if (r->started) {
		pthread_mutex_lock(&r->mu);
		r->stop = 1;
		pthread_cond_broadcast(&r->cv);
		pthread_mutex_unlock(&r->mu);
		pthread_join(r->thread, NULL);
		/* records in chunks handed over but never consumed */
		for (; r->consumed < r->produced; r->consumed++) {
			struct chunk *c = &r->ring[r->consumed % LOAD_CHUNKS];

			for (int i = 0; i < c->n; i++)
				json_decref(c->items[i].rec);
		}
		r->started = 0;
	}
	if (r->ring != NULL) {
		pthread_mutex_destroy(&r->mu);
		pthread_cond_destroy(&r->cv);
	}
	mdx_free(r->ring);
	r->ring = NULL;
}
