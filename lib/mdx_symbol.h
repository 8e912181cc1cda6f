/*
 * mdx_symbol.h - symbols as each provider spells them.
 *
 * mdx keeps one symbol per instrument in its records and its store: the
 * exchange's (CQS/NYSE) spelling, with a '.' before a share class, as in
 * the S&P 500 constituents list ("BRK.B", "BF.B").  Yahoo Finance and Alpha
 * Vantage write the class with a '-' ("BRK-B"), Polygon as the exchange
 * does ("BRK.B").  Yahoo also uses '.' before an exchange suffix
 * ("OCDO.L", "ORSTED.CO"), so only a class is mapped: a single letter A to
 * E after the only '.' of a symbol whose root is letters only.  (No Yahoo
 * exchange suffix is one of those letters: its one-letter suffixes are
 * .L London, .F Frankfurt, .V TSX Venture, .T Tokyo.)
 */
#ifndef MDX_SYMBOL_H
#define MDX_SYMBOL_H

#include <stddef.h>

/* How a provider writes a share class. */
enum mdx_symbol_style {
	MDX_SYMBOL_EXCHANGE = 0, /* "BRK.B": the exchange's, Polygon's */
	MDX_SYMBOL_DASH = 1,	 /* "BRK-B": Yahoo's, Alpha Vantage's */
};

/*
 * Write symbol (the exchange's spelling) as style spells it into buf (n
 * bytes; symbol's length + 1 is always enough): "BRK.B" gives "BRK-B" in
 * MDX_SYMBOL_DASH, any symbol without a share class ("AAPL", "OCDO.L",
 * "BTC-USD") is copied unchanged.  Returns buf, or NULL when it does not
 * fit.
 */
char *mdx_symbol_for(const char *symbol, enum mdx_symbol_style style, char *buf,
		     size_t n);

#endif
