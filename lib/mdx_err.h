/*
 * mdx_err.h - errors reported by lib/ to the binaries.
 *
 * lib/ never prints and never exits: a function that fails returns -1 (or
 * NULL) and fills a caller-provided struct mdx_err.  Only a binary's main.c
 * decides what to print and which exit status to use.
 */
#ifndef MDX_ERR_H
#define MDX_ERR_H

#include <stddef.h>

/* What kind of failure; main.c maps these to exit statuses. */
enum mdx_err_code {
	MDX_OK = 0,
	MDX_EINPUT,    /* bad input data: a record, a row, a field */
	MDX_EUSAGE,    /* bad argument or option value */
	MDX_ENOMEM,    /* allocation failed */
	MDX_EIO,       /* read, write, open failed (errno text in text) */
	MDX_EDB,       /* SQLite failed */
	MDX_ETEMP,     /* temporary: rate limit, 5xx, timeout; worth retrying */
	MDX_EPERM,     /* permanent remote error: bad symbol, 404, bad key */
	MDX_ENOTFOUND, /* a named thing (symbol, index, file) does not exist */
	MDX_ETOOBIG,   /* a line, body or value over its size limit */
};

struct mdx_err {
	int code;	/* enum mdx_err_code; MDX_OK when no error */
	long line;	/* 1-based input line, 0 when not known */
	char file[256]; /* input name ("<stdin>", a path, a URL), "" if none */
	char field[64]; /* field or column name, "" if none */
	char about[64]; /* the record's symbol and date ("AAPL 2016-12-07"),
			   "" if none (mdx_err_about) */
	char text[512]; /* what went wrong, lower case, no full stop */
};

/* Reset e to "no error". e may be NULL. */
void mdx_err_clear(struct mdx_err *e);

/*
 * Fill e with code and a printf-style text; file, line and field are left as
 * they are so that callers higher up can add them.  Always returns -1, so
 * that call sites read `return mdx_err_set(e, MDX_EINPUT, "...")`.
 * e may be NULL (the error is then dropped).
 */
int mdx_err_set(struct mdx_err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* As mdx_err_set, and also names the field.  Returns -1. */
int mdx_err_field(struct mdx_err *e, int code, const char *field,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Set the input name and line of e (name may be NULL: left unchanged). */
void mdx_err_where(struct mdx_err *e, const char *file, long line);

/*
 * Say which record e is about: subject is its symbol and date, as
 * mdx_rec_subject gives them (may be NULL or "": none).  Kept until
 * mdx_err_clear.
 */
void mdx_err_about(struct mdx_err *e, const char *subject);

/*
 * Render e as "FILE:LINE: ABOUT: field 'F': TEXT" (parts that are empty
 * are left out) into buf of size n; returns buf.
 */
const char *mdx_err_str(const struct mdx_err *e, char *buf, size_t n);

#endif
