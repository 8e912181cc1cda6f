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
if [ "$st" = 0 ] && grep -q "^mdx-load: 450 in, 0 rejected; bars: $((450 - c)) inserted, 0 updated, $c unchanged; T s\$" "$tmp/err"; then
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

# the real pipeline on the sample data: extract | transform | load
EX=$B/mdx-extract
TF=$B/mdx-transform
DATA=examples/data
"$EX" "$DATA/AAPL_data.csv" | "$TF" >"$tmp/aapl.ndjson"
for f in "$DATA"/*_data.csv; do "$EX" "$f"; done | "$TF" >"$tmp/six.ndjson"

# a re-run of identical data counts each kind apart: no bar is new, the
# two run records (of mdx-extract and mdx-transform) are
db=$tmp/rerun.db
"$LOAD" --db "$db" "$tmp/aapl.ndjson" 2>/dev/null
"$EX" "$DATA/AAPL_data.csv" | "$TF" | "$LOAD" --db "$db" 2>"$tmp/err.raw"
st=$?
sed -E 's/[0-9]+\.[0-9] s$/T s/' "$tmp/err.raw" >"$tmp/err"
if [ "$st" = 0 ] && [ "$(cat "$tmp/err")" = "mdx-load: 1261 in, 0 rejected; bars: 0 inserted, 0 updated, 1259 unchanged; runs: 2 recorded; T s" ]; then
	ok
else
	bad "re-run: status $st, $(cat "$tmp/err")"
fi
# the run record says the same: top-level counts are of bars
got=$(sqlite3 "$db" "SELECT rows_in, rows_out, inserted, updated, unchanged, json_extract(detail, '\$.kinds.runs.inserted'), json_extract(detail, '\$.kinds.bars.unchanged') FROM runs WHERE tool = 'mdx-load' ORDER BY id DESC LIMIT 1")
if [ "$got" = "1261|1261|0|0|1259|2|1259" ]; then ok; else bad "re-run: run record $got"; fi
# and mdx-query runs shows those numbers
got=$("$B/mdx-query" --db "$db" runs -f csv | grep -m 1 ',mdx-load,' | tr -d '\r' | cut -d, -f2,6-11)
if [ "$got" = "mdx-load,1261,1261,0,0,1259,0" ]; then ok; else bad "re-run: mdx-query runs $got"; fi

# a full disk: the batch that failed to commit is not counted, the summary
# equals what the store holds.  As root on a small tmpfs (ENOSPC), else
# under a file-size limit (EFBIG, with SIGXFSZ ignored).
full_load() { # $1 = database; stderr to $tmp/err.raw, status in $st
	"$LOAD" --batch 500 --db "$1" "$tmp/six.ndjson" 2>"$tmp/err.raw"
	st=$?
}
mnt=$tmp/mnt
mkdir "$mnt"
how=""
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=1m tmpfs "$mnt" 2>/dev/null; then
	how=tmpfs
	full_load "$mnt/full.db"
	db=$mnt/full.db
else
	how="ulimit -f"
	db=$tmp/full.db
	(trap '' XFSZ; ulimit -f 800; full_load "$db"; exit $st)
	st=$?
fi
n=$(sqlite3 "$db" 'SELECT count(*) FROM bars')
said=$(sed -n 's/.*bars: \([0-9]*\) inserted.*/\1/p' "$tmp/err.raw")
if [ "$st" = 74 ] && [ -n "$n" ] && [ "$n" -gt 0 ] && [ "$n" -lt 7555 ] &&
	[ "$said" = "$n" ] && grep -q 'disk is full\|too large\|I/O error' "$tmp/err.raw" &&
	grep -q '; [1-9][0-9]* rolled back; ' "$tmp/err.raw"; then
	ok
else
	bad "full disk ($how): status $st, $n bars stored, summary says '$said': $(cat "$tmp/err.raw")"
fi
[ "$how" = tmpfs ] && umount "$mnt"

# raw bars (mdx-transform skipped): one message with the count and the
# hint, not one a line; still exit 1 (records rejected)
"$EX" "$DATA/AAPL_data.csv" >"$tmp/raw.ndjson"
"$LOAD" --db "$tmp/raw.db" "$tmp/raw.ndjson" 2>"$tmp/err.raw"
st=$?
sed -E 's/[0-9]+\.[0-9] s$/T s/' "$tmp/err.raw" >"$tmp/err"
printf '%s\n' "mdx-load: 1259 records are raw bars (no 'ts'; the first at $tmp/raw.ndjson:1): run them through mdx-transform first" \
	"mdx-load: 1260 in, 1259 rejected; bars: 0 inserted, 0 updated, 0 unchanged; runs: 1 recorded; T s" >"$tmp/want"
if [ "$st" = 1 ] && cmp -s "$tmp/want" "$tmp/err"; then
	ok
else
	bad "raw bars: status $st"
	diff -u "$tmp/want" "$tmp/err" | sed 's/^/    /' >&2
fi

# facts without a date are not stored, and mdx-load says so and how
FIN=tests/cases/analysis/financials_4.csv
"$EX" -p csv --what profile "$FIN" | "$LOAD" --db "$tmp/fin.db" 2>"$tmp/err.raw"
st=$?
got=$(sqlite3 "$tmp/fin.db" 'SELECT (SELECT count(*) FROM instruments), (SELECT count(*) FROM instrument_facts)')
if [ "$st" = 0 ] && [ "$got" = "4|0" ] &&
	grep -q "^mdx-load: warning: 4 instrument records carry market_cap or shares_outstanding but no as_of: those facts were not stored (a fact is kept with its date; give mdx-extract --as-of DATE)\$" "$tmp/err.raw" &&
	grep -q "; facts: 0 inserted, 0 updated, 0 unchanged, 4 not stored;" "$tmp/err.raw"; then
	ok
else
	bad "facts without as_of: status $st, stored $got: $(cat "$tmp/err.raw")"
fi
"$EX" -p csv --what profile --as-of 2018-02-07 "$FIN" | "$LOAD" --db "$tmp/fin.db" 2>"$tmp/err.raw"
got=$(sqlite3 "$tmp/fin.db" "SELECT count(*), max(market_cap) FROM instrument_facts WHERE as_of = '2018-02-07'")
if [ "$got" = "4|4514709504000.0" ] && grep -q "; facts: 4 inserted, 0 updated, 0 unchanged;" "$tmp/err.raw" &&
	! grep -q "not stored" "$tmp/err.raw"; then
	ok
else
	bad "facts with --as-of: stored $got: $(cat "$tmp/err.raw")"
fi

# on a terminal the progress counter is one status line, redrawn in place
# and erased (CR, then EL: ESC [ K) before any other message; through
# script(1)'s pseudo-terminal
if command -v script >/dev/null 2>&1; then
	esc=$(printf '\033')
	{ cat "$tmp/six.ndjson"; echo '{"type":"bar","symbol":"AAPL"}'; } >"$tmp/tty.ndjson"
	script -qc "$LOAD --batch 100 --db $tmp/tty.db $tmp/tty.ndjson" /dev/null >"$tmp/tty.out" 2>&1
	tr '\r' '\n' <"$tmp/tty.out" >"$tmp/tty.lines"
	# the counter is drawn ("\rmdx-load: N records" ESC [ K), nothing
	# ever follows it on its row, and each message starts on a cleared row
	if grep -q "^mdx-load: [0-9]* records${esc}\[K\$" "$tmp/tty.lines" &&
		! grep "records" "$tmp/tty.lines" | grep -qv "^mdx-load: [0-9]* records${esc}\[K\$" &&
		grep -q "^${esc}\[Kmdx-load: $tmp/tty.ndjson:7562: field 'close': missing\$" "$tmp/tty.lines" &&
		grep -q "^${esc}\[Kmdx-load: 7562 in, 1 rejected; bars: 7554 inserted, 0 updated, 0 unchanged; runs: 7 recorded; " "$tmp/tty.lines"; then
		ok
	else
		bad "progress on a terminal: $(od -c "$tmp/tty.out" | head -n 20)"
	fi
	# not a terminal: no status line at all
	"$LOAD" --batch 100 --db "$tmp/tty2.db" "$tmp/tty.ndjson" 2>"$tmp/err.raw"
	if ! grep -q "records" "$tmp/err.raw" && ! grep -q "$esc" "$tmp/err.raw"; then
		ok
	else
		bad "progress to a file: $(cat "$tmp/err.raw")"
	fi
else
	echo "load.sh: no script(1): progress line not tested"
fi

# --help: the synopsis, then one line for each option
"$LOAD" --help >"$tmp/help"
if [ "$(head -n 1 "$tmp/help")" = "usage: mdx-load [-hqVv] [--batch N] [--db FILE] [--log-format human|json] [FILE ...]" ] &&
	grep -q '^  --batch N  *records a transaction (default 5000)$' "$tmp/help" &&
	[ "$(grep -c '^  -' "$tmp/help")" = 7 ]; then
	ok
else
	bad "--help: $(cat "$tmp/help")"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
