/* ndjson.c - NDJSON line reader with a line-size limit, and writer. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "mdx_alloc.h"
#include "mdx_ndjson.h"
#include "mdx_output.h"

void
mdx_ndjson_init(struct mdx_ndjson_reader *r, FILE *fp, const char *name)
{
	memset(r, 0, sizeof(*r));
	r->fp = fp;
	r->name = name;
	r->max_line = MDX_NDJSON_MAX_LINE;
}

void
mdx_ndjson_release(struct mdx_ndjson_reader *r)
{
	mdx_free(r->buf);
	mdx_free(r->in);
	r->buf = r->in = NULL;
	r->cap = r->len = r->in_pos = r->in_len = 0;
}

#define READ_AHEAD (1 << 18)

/* append n bytes at p to the current line unless it is over the limit */
static int
line_add(struct mdx_ndjson_reader *r, const char *p, size_t n, int *over)
{
	if (*over)
		return 0;
	if (r->len + n > r->max_line) {
		*over = 1;
		return 0;
	}
	if (r->len + n + 1 > r->cap) {
		size_t ncap = r->cap ? r->cap : 8192;
		char *nb;

		while (ncap < r->len + n + 1)
			ncap *= 2;
		if (ncap > r->max_line + 1)
			ncap = r->max_line + 1;
		if ((nb = mdx_realloc(r->buf, ncap)) == NULL) {
			errno = ENOMEM;
			return -1;
		}
		r->buf = nb;
		r->cap = ncap;
	}
	memcpy(r->buf + r->len, p, n);
	r->len += n;
	return 0;
}

/*
 * Read one line into r->buf without its newline.  Returns 1 for a line,
 * 0 at EOF, -1 on a read error, 2 for a line over the limit (skipped).
 * The line buffer never grows past max_line; NUL bytes are kept (and make
 * the line invalid JSON later, never a merged line).
 */
static int
read_line(struct mdx_ndjson_reader *r)
{
	int over = 0, got = 0;

	r->len = 0;
	if (r->in == NULL && (r->in = mdx_malloc(READ_AHEAD)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	for (;;) {
		if (r->in_pos == r->in_len) {
			if (r->eof)
				break;
			ssize_t got_n;

			/* read(2), not fread(3): on a pipe it returns what has
			 * arrived, so records stream through without waiting
			 * for a full buffer */
			r->in_pos = 0;
			do
				got_n = read(fileno(r->fp), r->in, READ_AHEAD);
			while (got_n < 0 && errno == EINTR);
			if (got_n <= 0) {
				r->in_len = 0;
				r->eof = 1;
				if (got_n < 0)
					return -1;
				break;
			}
			r->in_len = (size_t)got_n;
		}
		got = 1;
		char *start = r->in + r->in_pos;
		size_t avail = r->in_len - r->in_pos;
		char *nl = memchr(start, '\n', avail);
		size_t n = nl ? (size_t)(nl - start) : avail;

		if (line_add(r, start, n, &over) < 0)
			return -1;
		r->in_pos += nl ? n + 1 : n;
		if (nl)
			goto done;
	}
	if (!got)
		return 0;
done:
	r->line++;
	if (over) {
		r->len = 0;
		if (r->buf)
			r->buf[0] = '\0';
		return 2;
	}
	if (r->len > 0 && r->buf[r->len - 1] == '\r')
		r->len--;
	if (r->buf == NULL && line_add(r, "", 0, &over) < 0)
		return -1;
	r->buf[r->len] = '\0';
	return 1;
}

static int
blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return 0;
	return 1;
}

int
mdx_ndjson_next(struct mdx_ndjson_reader *r, json_t **out, struct mdx_err *e)
{
	json_error_t je;
	json_t *obj;
	int rc;

	*out = NULL;
	do {
		rc = read_line(r);
		if (rc == 0)
			return 0;
		if (rc < 0) {
			mdx_err_set(e, errno == ENOMEM ? MDX_ENOMEM : MDX_EIO,
				    "read error: %s", strerror(errno));
			mdx_err_where(e, r->name, r->line);
			return -1;
		}
		if (rc == 2) {
			mdx_err_set(e, MDX_ETOOBIG,
				    "line longer than %zu bytes", r->max_line);
			mdx_err_where(e, r->name, r->line);
			return -1;
		}
	} while (blank(r->buf, r->len));

	/* jansson stops a number at a NUL and takes the line as valid */
	if (memchr(r->buf, '\0', r->len) != NULL) {
		mdx_err_set(e, MDX_EINPUT, "NUL byte in line");
		mdx_err_where(e, r->name, r->line);
		return -1;
	}
	obj = json_loadb(r->buf, r->len, JSON_REJECT_DUPLICATES, &je);
	if (obj == NULL) {
		mdx_err_set(e, MDX_EINPUT, "invalid JSON: %s", je.text);
		mdx_err_where(e, r->name, r->line);
		return -1;
	}
	if (!json_is_object(obj)) {
		json_decref(obj);
		mdx_err_set(e, MDX_EINPUT, "not a JSON object");
		mdx_err_where(e, r->name, r->line);
		return -1;
	}
	*out = obj;
	return 1;
}

int
mdx_ndjson_write(FILE *fp, const json_t *obj, struct mdx_err *e)
{
	if (mdx_output_json(fp, obj, e))
		return -1;
	if (fputc('\n', fp) == EOF)
		return mdx_err_set(e, MDX_EIO, "write error: %s",
				   strerror(errno));
	return 0;
}
