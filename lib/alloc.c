/* alloc.c - the allocation seam, with failure injection for tests. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mdx_alloc.h"

static long fail_after; /* 0: off; else allocations left before failing */

static int
alloc_should_fail(void)
{
	if (fail_after <= 0)
		return 0;
	if (fail_after == 1)
		return 1; /* stays at 1: every later allocation fails too */
	fail_after--;
	return 0;
}

void
mdx_alloc_fail_after(long n)
{
	fail_after = n > 0 ? n : 0;
}

void *
mdx_malloc(size_t n)
{
	if (alloc_should_fail())
		return NULL;
	return malloc(n ? n : 1);
}

void *
mdx_calloc(size_t nmemb, size_t size)
{
	if (alloc_should_fail())
		return NULL;
	return calloc(nmemb ? nmemb : 1, size ? size : 1);
}

void *
mdx_realloc(void *p, size_t n)
{
	if (alloc_should_fail())
		return NULL;
	return realloc(p, n ? n : 1);
}

char *
mdx_strndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *d = mdx_malloc(len + 1);

	if (d == NULL)
		return NULL;
	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

char *
mdx_strdup(const char *s)
{
	return mdx_strndup(s, strlen(s));
}

void
mdx_free(void *p)
{
	free(p);
}

void
mdx_alloc_init(void)
{
	const char *s = getenv("MDX_FAIL_ALLOC");

	json_set_alloc_funcs(mdx_malloc, mdx_free);
	if (s != NULL && *s != '\0') {
		char *end;
		long n = strtol(s, &end, 10);

		if (*end == '\0' && n > 0)
			mdx_alloc_fail_after(n);
	}
}
