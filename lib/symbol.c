/* symbol.c - symbols as each provider spells them (mdx_symbol.h). */
#include <stdio.h>
#include <string.h>

#include "mdx_symbol.h"

/* a root of letters, one '.', one class letter A to E */
static int
share_class(const char *s)
{
	const char *dot = strchr(s, '.');

	if (dot == NULL || dot == s || strchr(dot + 1, '.') != NULL ||
	    dot[1] < 'A' || dot[1] > 'E' || dot[2] != '\0')
		return 0;
	for (const char *p = s; p < dot; p++)
		if (*p < 'A' || *p > 'Z')
			return 0;
	return 1;
}

char *
mdx_symbol_for(const char *symbol, enum mdx_symbol_style style, char *buf,
	       size_t n)
{
	size_t len = strlen(symbol);

	if (len + 1 > n)
		return NULL;
	memcpy(buf, symbol, len + 1);
	if (style == MDX_SYMBOL_DASH && share_class(symbol))
		buf[len - 2] = '-';
	return buf;
}
