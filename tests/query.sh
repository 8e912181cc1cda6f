#!/bin/sh
# tests/query.sh - mdx-query on a real database file.
#
# Run from the top of the tree with MDX_BUILD=build (where the binaries
# are).  tests/cases/query/fixture.ndjson is loaded with mdx-load into a
# fresh database; then each directory under tests/cases/query/ is a case,
# run against it in order:
#
#   args      the arguments after "--db DB", one a line (a --db here wins)
#   env       NAME=VALUE lines put in the environment of the run
#   out       expected standard output, exactly (default: empty)
#   filter    a shell command that standard output goes through first
#   status    expected exit status (default 0)
#   err       expected standard error, exactly (default: empty)
#   err.head  or: expected first lines of standard error (usage errors)
#
# A death by a signal always fails.  MDX_TEST_BLESS=1 writes what was seen
# as the expected files (review them before committing).  Scripted cases
# follow: the database is unchanged by all of the above, -o FILE, a file
# that is no mdx store, and a reader beside an open write transaction.
set -u

B=${MDX_BUILD:-build}
QUERY=$B/mdx-query
LOAD=$B/mdx-load
CASES=tests/cases/query
BLESS=${MDX_TEST_BLESS:-0}

for bin in "$QUERY" "$LOAD"; do
	if [ ! -x "$bin" ]; then
		echo "query.sh: $bin not built" >&2
		exit 2
	fi
done
unset COLUMNS MDX_DB
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mdx-query-test.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 2' INT TERM
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	printf 'FAIL %s\n' "$*" >&2
}

# compare expected file $1 (missing: empty) with seen file $2
same() {
	if [ "$BLESS" = 1 ]; then
		if [ -s "$2" ] || [ -f "$1" ]; then cp "$2" "$1"; fi
		return 0
	fi
	if [ -f "$1" ]; then exp=$1; else exp=/dev/null; fi
	if ! cmp -s "$exp" "$2"; then
		diff -u "$exp" "$2" | sed 's/^/    /' >&2
		return 1
	fi
	return 0
}

db=$tmp/market.db
if ! "$LOAD" -q --db "$db" "$CASES/fixture.ndjson"; then
	echo "query.sh: cannot load $CASES/fixture.ndjson" >&2
	exit 2
fi
dump_before=$(sqlite3 "$db" .dump | cksum)

for dir in "$CASES"/*/; do
	dir=${dir%/}
	name=${dir##*/}
	set -- env
	if [ -f "$dir/env" ]; then
		while IFS= read -r a; do set -- "$@" "$a"; done <"$dir/env"
	fi
	set -- "$@" "$QUERY" --db "$db"
	while IFS= read -r a; do set -- "$@" "$a"; done <"$dir/args"
	"$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	st=$?
	if [ -f "$dir/filter" ]; then
		sh -c "$(cat "$dir/filter")" <"$tmp/out" >"$tmp/out.f"
		mv "$tmp/out.f" "$tmp/out"
	fi
	want=0
	[ -f "$dir/status" ] && want=$(cat "$dir/status")
	errfile=$dir/err
	if [ -f "$dir/err.head" ]; then
		errfile=$dir/err.head
		head -n "$(wc -l <"$dir/err.head")" "$tmp/err" >"$tmp/err.h"
		mv "$tmp/err.h" "$tmp/err"
	fi
	if [ "$st" -gt 128 ]; then
		bad "$name: killed by signal $((st - 128))"
	elif [ "$BLESS" != 1 ] && [ "$st" != "$want" ]; then
		bad "$name: exit status $st, expected $want"
		sed 's/^/    /' "$tmp/err" >&2
	elif ! same "$dir/out" "$tmp/out"; then
		bad "$name: standard output differs"
	elif ! same "$errfile" "$tmp/err"; then
		bad "$name: standard error differs"
	else
		ok
	fi
	if [ "$BLESS" = 1 ] && [ "$st" != 0 ]; then
		echo "$st" >"$dir/status"
	fi
done

# nothing above changed the database (the sql cases tried)
if [ "$(sqlite3 "$db" .dump | cksum)" = "$dump_before" ]; then
	ok
else
	bad "the database changed"
fi

# -o FILE: the output lands in FILE, by a rename; nothing on stdout
o=$tmp/o/bars.csv
mkdir "$tmp/o"
"$QUERY" --db "$db" -o "$o" -f csv bars AAPL --to 2022-01-04 >"$tmp/out"
st=$?
if [ "$st" = 0 ] && [ ! -s "$tmp/out" ] &&
	cmp -s "$o" "$CASES/02-bars-csv/out" &&
	[ "$(ls "$tmp/o")" = bars.csv ]; then
	ok
else
	bad "-o: status $st, $(ls "$tmp/o")"
fi
# a failed command leaves FILE as it was, and no temporary behind
"$QUERY" --db "$db" -o "$o" sql "DELETE FROM bars" 2>/dev/null
st=$?
if [ "$st" = 65 ] && cmp -s "$o" "$CASES/02-bars-csv/out" &&
	[ "$(ls "$tmp/o")" = bars.csv ]; then
	ok
else
	bad "-o after a failure: status $st, $(ls "$tmp/o")"
fi

# -o FILE that cannot be made: the message names FILE, not the temporary
"$QUERY" --db "$db" -o "$tmp/nodir/bars.csv" bars AAPL 2>"$tmp/err"
st=$?
if [ "$st" = 73 ] && [ "$(cat "$tmp/err")" = "mdx-query: $tmp/nodir/bars.csv: No such file or directory" ]; then
	ok
else
	bad "-o in a missing directory: status $st, $(cat "$tmp/err")"
fi
# and a full disk when the output is flushed (as root: a tiny tmpfs)
if [ "$(id -u)" = 0 ] && mkdir "$tmp/small" &&
	mount -t tmpfs -o size=8k tmpfs "$tmp/small" 2>/dev/null; then
	"$QUERY" --db "$db" -o "$tmp/small/big.json" -f json sql \
		"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) SELECT i FROM n" 2>"$tmp/err"
	st=$?
	left=$(ls -A "$tmp/small")
	umount "$tmp/small"
	if [ "$st" = 74 ] && [ -z "$left" ] &&
		[ "$(cat "$tmp/err")" = "mdx-query: $tmp/small/big.json: write error: No space left on device" ]; then
		ok
	else
		bad "-o on a full disk: status $st, left '$left', $(cat "$tmp/err")"
	fi
fi

# --help: the synopsis (a line a command), then a line an option
"$QUERY" --help >"$tmp/out"
if [ "$(head -n 1 "$tmp/out" | cut -d ' ' -f 1-2)" = "usage: mdx-query" ] &&
	grep -q '^       mdx-query bars SYMBOL \.\.\. ' "$tmp/out" &&
	[ "$(sed -n '/^options:$/,$p' "$tmp/out" | grep -c '^  -')" = 34 ] &&
	[ "$(sed -n '/^options:$/,$p' "$tmp/out" | awk 'length > 80' | wc -l)" = 0 ]; then
	ok
else
	bad "--help: $(cat "$tmp/out")"
fi

# an SQLite file that is no mdx store: 65
sqlite3 "$tmp/empty.db" 'CREATE TABLE t (x)'
"$QUERY" --db "$tmp/empty.db" symbols >"$tmp/out" 2>"$tmp/err"
st=$?
if [ "$st" = 65 ] && grep -q "is not an mdx store" "$tmp/err"; then
	ok
else
	bad "no mdx store: status $st, $(cat "$tmp/err")"
fi

# $MDX_DB names the database when --db does not
MDX_DB=$db "$QUERY" -f csv sql "SELECT count(*) AS n FROM bars" >"$tmp/out"
if [ "$(tr -d '\r' <"$tmp/out")" = "$(printf 'n\n9')" ]; then
	ok
else
	bad "MDX_DB: $(cat "$tmp/out")"
fi

# a reader beside a loader with an open write transaction (WAL): the
# reader is not blocked and sees the last committed state
fifo=$tmp/fifo
mkfifo "$fifo"
"$LOAD" -q --batch 100000 --db "$db" <"$fifo" &
pid=$!
exec 3>"$fifo"
cat tests/cases/load/kill/input.ndjson >&3
sleep 0.5
out=$("$QUERY" --db "$db" -f csv sql "SELECT count(*) AS n FROM bars" 2>&1)
st=$?
exec 3>&-
wait "$pid"
lst=$?
if [ "$st" = 0 ] && [ "$(printf '%s' "$out" | tr -d '\r')" = "$(printf 'n\n9')" ] &&
	[ "$lst" = 0 ] &&
	[ "$(sqlite3 "$db" 'SELECT count(*) FROM bars')" = 459 ]; then
	ok
else
	bad "reader beside a loader: status $st ($out), loader $lst"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
