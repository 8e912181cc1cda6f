/*
 * mdx_alloc.h - the one allocation seam of mdx.
 *
 * Every allocation in lib/ and the binaries goes through these functions, and
 * jansson's too once mdx_alloc_init() has run, so that a test can make the
 * Nth allocation fail (MDX_FAIL_ALLOC=N in the environment, or
 * mdx_alloc_fail_after()) and check that nothing crashes or leaks.
 */
#ifndef MDX_ALLOC_H
#define MDX_ALLOC_H

#include <stddef.h>

/*
 * Route jansson's allocations through this seam and read MDX_FAIL_ALLOC from
 * the environment.  Call once at the start of main().
 */
void mdx_alloc_init(void);

/* malloc(3), calloc(3), realloc(3), strdup(3) and free(3) through the seam. */
void *mdx_malloc(size_t n);
void *mdx_calloc(size_t nmemb, size_t size);
void *mdx_realloc(void *p, size_t n);
char *mdx_strdup(const char *s);
char *mdx_strndup(const char *s, size_t n);
void mdx_free(void *p);

/*
 * Make allocation number n (1-based, counted from this call) and every one
 * after it fail; n <= 0 turns failure injection off.  For tests only.
 */
void mdx_alloc_fail_after(long n);

#endif
