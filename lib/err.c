/* err.c - struct mdx_err helpers. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mdx_err.h"

void
mdx_err_clear(struct mdx_err *e)
{
	if (e == NULL)
		return;
	e->code = MDX_OK;
	e->line = 0;
	e->file[0] = '\0';
	e->field[0] = '\0';
	e->about[0] = '\0';
	e->text[0] = '\0';
}

void
mdx_err_about(struct mdx_err *e, const char *subject)
{
	if (e != NULL)
		snprintf(e->about, sizeof(e->about), "%s",
			 subject ? subject : "");
}

static void
err_vset(struct mdx_err *e, int code, const char *fmt, va_list ap)
{
	e->code = code;
	vsnprintf(e->text, sizeof(e->text), fmt, ap);
}

int
mdx_err_set(struct mdx_err *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	va_start(ap, fmt);
	err_vset(e, code, fmt, ap);
	va_end(ap);
	return -1;
}

int
mdx_err_field(struct mdx_err *e, int code, const char *field, const char *fmt,
	      ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
	va_start(ap, fmt);
	err_vset(e, code, fmt, ap);
	va_end(ap);
	return -1;
}

void
mdx_err_where(struct mdx_err *e, const char *file, long line)
{
	if (e == NULL)
		return;
	if (file != NULL)
		snprintf(e->file, sizeof(e->file), "%s", file);
	e->line = line;
}

const char *
mdx_err_str(const struct mdx_err *e, char *buf, size_t n)
{
	size_t off = 0;
	int w;

	if (n == 0)
		return buf;
	buf[0] = '\0';
	if (e->file[0] != '\0') {
		if (e->line > 0)
			w = snprintf(buf, n, "%s:%ld: ", e->file, e->line);
		else
			w = snprintf(buf, n, "%s: ", e->file);
		off = w < 0 ? 0 : (size_t)w < n ? (size_t)w : n - 1;
	}
	if (e->about[0] != '\0' && off < n) {
		w = snprintf(buf + off, n - off, "%s: ", e->about);
		off += w < 0		     ? 0
		       : (size_t)w < n - off ? (size_t)w
					     : n - off - 1;
	}
	if (e->field[0] != '\0' && off < n) {
		w = snprintf(buf + off, n - off, "field '%s': ", e->field);
		off += w < 0		     ? 0
		       : (size_t)w < n - off ? (size_t)w
					     : n - off - 1;
	}
	if (off < n)
		snprintf(buf + off, n - off, "%s",
			 e->text[0] ? e->text : "error");
	return buf;
}
