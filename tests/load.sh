#!/bin/sh
# tests/load.sh - mdx-load on real database files.
#
# Run from the top of the tree with MDX_BUILD=build (where the binaries
# are).  Each directory under tests/cases/load/ is a case: a sequence of
# loads into one fresh database, then checks of what the database holds.
#
#   N.ndjson   standard input of load N (N = 1, 2, ...; none: /dev/null)
#   N.args     extra arguments of load N, one a line; @DIR@ is the case
#              directory (after --db, so a --db here wins)
#   N.status   expected exit status (default 0)
#   N.err      expected standard error; the time in the summary line is
#              written "T s" (default: empty)
#   query.sql  run with sqlite3(1) on the database after the last load
#   query.out  its expected output
#
# kill/ holds no steps: its input.ndjson serves the scripted cases below.
#
# Standard output must stay empty.  A death by a signal always fails.
# MDX_TEST_BLESS=1 writes what was seen as the expected files (review
# them before committing).  Then a few scripted cases follow: a killed
# load keeps the committed batches, and a read-only database.
set -u

B=${MDX_BUILD:-build}
LOAD=$B/mdx-load
CASES=tests/cases/load
BLESS=${MDX_TEST_BLESS:-0}

if [ ! -x "$LOAD" ]; then
	echo "load.sh: $LOAD not built" >&2
	exit 2
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mdx-load-test.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 2' INT TERM
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	printf 'FAIL %s\n' "$*" >&2
}

# compare expected file $1 (missing: empty) with seen file $2, for case $3
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

for dir in "$CASES"/*/; do
	dir=${dir%/}
	name=${dir##*/}
	db=$tmp/$name.db
	n=1
	while [ -f "$dir/$n.ndjson" ] || [ -f "$dir/$n.args" ]; do
		in=/dev/null
		[ -f "$dir/$n.ndjson" ] && in=$dir/$n.ndjson
		set -- --db "$db"
		if [ -f "$dir/$n.args" ]; then
			while IFS= read -r a; do
				set -- "$@" "$(printf '%s' "$a" |
					sed "s|@DIR@|$dir|g")"
			done <"$dir/$n.args"
		fi
		"$LOAD" "$@" <"$in" >"$tmp/out" 2>"$tmp/err.raw"
		st=$?
		want=0
		[ -f "$dir/$n.status" ] && want=$(cat "$dir/$n.status")
		sed -E -e 's/[0-9]+\.[0-9] s("\})?$/T s\1/' -e "s|$dir|@DIR@|g" \
			"$tmp/err.raw" >"$tmp/err"
		if [ "$st" -gt 128 ]; then
			bad "$name/$n: killed by signal $((st - 128))"
		elif [ "$BLESS" != 1 ] && [ "$st" != "$want" ]; then
			bad "$name/$n: exit status $st, expected $want"
			sed 's/^/    /' "$tmp/err" >&2
		elif [ -s "$tmp/out" ]; then
			bad "$name/$n: wrote to standard output"
		elif ! same "$dir/$n.err" "$tmp/err"; then
			bad "$name/$n: standard error differs"
		else
			ok
		fi
		if [ "$BLESS" = 1 ] && [ "$st" != 0 ]; then
			echo "$st" >"$dir/$n.status"
		fi
		n=$((n + 1))
	done
	if [ -f "$dir/query.sql" ]; then
		sqlite3 "$db" <"$dir/query.sql" >"$tmp/q" 2>&1
		if same "$dir/query.out" "$tmp/q"; then
			ok
		else
			bad "$name: query.sql output differs"
		fi
	fi
done

# A load killed in the middle keeps every committed batch whole and loses
# only the open one.  kill/input.ndjson (450 bars) goes through a FIFO
# that stays open, so mdx-load has read some or all of it (as its read-ahead
# allows) and waits for more when it is killed: what the store holds must
# be whole batches of 100, fewer than 450, and a sound file.
db=$tmp/killed.db
fifo=$tmp/fifo
mkfifo "$fifo"
"$LOAD" -q --batch 100 --db "$db" <"$fifo" &
pid=$!
exec 3>"$fifo"
cat "$CASES/kill/input.ndjson" >&3
n=0
c=0
while [ "$n" -lt 100 ]; do
	c=$(sqlite3 "$db" 'SELECT count(*) FROM bars' 2>/dev/null)
	[ "${c:-0}" -ge 100 ] 2>/dev/null && break
	sleep 0.05
	n=$((n + 1))
done
sleep 0.3
kill -9 "$pid"
wait "$pid" 2>/dev/null
exec 3>&-
c=$(sqlite3 "$db" 'SELECT count(*) FROM bars')
ic=$(sqlite3 "$db" 'PRAGMA integrity_check')
if [ "$c" -ge 100 ] && [ "$c" -lt 450 ] && [ $((c % 100)) = 0 ] &&
	[ "$ic" = ok ]; then
	ok
else
	bad "killed load: $c bars (expected whole batches of 100), integrity $ic"
fi
# the next load finishes the job
"$LOAD" --db "$db" "$CASES/kill/input.ndjson" 2>"$tmp/err.raw"
st=$?
sed -E 's/[0-9]+\.[0-9] s$/T s/' "$tmp/err.raw" >"$tmp/err"
if [ "$st" = 0 ] && grep -q "^mdx-load: 450 in, $((450 - c)) inserted, 0 updated, $c unchanged, 0 rejected, T s\$" "$tmp/err"; then
	ok
else
	bad "load after the killed one: status $st, $(cat "$tmp/err")"
fi

# a database that cannot be written: exit 73, nothing changed
db=$tmp/ro.db
head -100 "$CASES/kill/input.ndjson" | "$LOAD" -q --db "$db"
chmod a-w "$db"
if [ -w "$db" ]; then
	: # as root, permissions stop nothing: no test
else
	"$LOAD" -q --db "$db" "$CASES/kill/input.ndjson" 2>"$tmp/err"
	st=$?
	if [ "$st" = 73 ] && [ "$(sqlite3 "$db" 'SELECT count(*) FROM bars')" = 100 ]; then
		ok
	else
		bad "read-only database: status $st"
	fi
fi
chmod u+w "$db"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
