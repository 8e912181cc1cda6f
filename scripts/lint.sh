#!/bin/sh
# scripts/lint.sh - make lint: man pages (mandoc -Tlint), the style greps of
# STYLE.md item 8, SQL never formatted with %s, clang-format.
set -u
cd "$(dirname "$0")/.." || exit 2
rc=0
src=$(git ls-files '*.c' '*.h' 2>/dev/null || find lib extract transform load serve tests -name '*.[ch]')

if command -v mandoc >/dev/null 2>&1; then
	for m in man/*.[157]; do
		[ -f "$m" ] || continue
		out=$(mandoc -Tlint -W warning "$m" 2>&1)
		if [ -n "$out" ]; then echo "$out"; rc=1; fi
	done
else
	echo "lint: mandoc not installed (apt-get install mandoc)"; rc=1
fi

# shellcheck disable=SC2086
bad=$(grep -nE '\b(sprintf|vsprintf|strcpy|strcat|strtok|atoi|atol|atof|gets|gmtime|localtime|ctime|asctime)\(' $src | grep -v '^tests/unit/t.h')
if [ -n "$bad" ]; then
	echo "lint: calls STYLE.md asks to avoid (use snprintf, strtol, the _r functions):"
	echo "$bad"; rc=1
fi
# shellcheck disable=SC2086
sqlfmt=$(grep -nE '"[^"]*(SELECT|INSERT|UPDATE|DELETE)[^"]*%[sd]' $src)
if [ -n "$sqlfmt" ]; then
	echo "lint: SQL built with printf formats (bind values instead):"
	echo "$sqlfmt"; rc=1
fi

if command -v clang-format >/dev/null 2>&1; then
	# shellcheck disable=SC2086
	for f in $src; do
		if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
			echo "lint: $f is not clang-formatted (clang-format -i $f)"
			rc=1
		fi
	done
else
	echo "lint: clang-format not installed"; rc=1
fi
[ $rc -eq 0 ] && echo "lint: ok"
exit $rc
