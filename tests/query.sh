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
	[ "$(sed -n '/^options:$/,$p' "$tmp/out" | grep -c '^  -')" = 35 ] &&
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

# a table on a terminal (a pty from script(1), util-linux; its size is
# 0x0 so $COLUMNS gives the width): at 80 and 120 columns every line
# fits, no number, date or time is cut, what tells nothing is in the
# footer (tests/cases/query/tty-*.out, exactly)
ell=$(printf '\342\200\246') # U+2026, the mark of a cut or an elision
if command -v script >/dev/null 2>&1; then
	for c in "80 bars AAPL" "120 bars AAPL" "80 latest" "80 runs" \
		"80 latest AAPL" "80 bars AAPL --from 2030-01-01"; do
		set -- $c
		w=$1
		shift
		name=tty-$(echo "$*" | tr -s ' -' '-')-$w
		COLUMNS=$w script -qec "$QUERY --db $db $*" /dev/null </dev/null |
			tr -d '\r' >"$tmp/tty"
		case $* in runs) sed -i 's/[0-9]\{4\}-..-..T..:..:..\....Z/YYYY-MM-DDTHH:MM:SS.sssZ/g' "$tmp/tty" ;; esac
		over=$(sed 's/\xe2\x80\xa6/./g' "$tmp/tty" | awk -v w="$w" 'length($0) > w' | wc -l)
		if [ "$over" != 0 ]; then
			bad "$name: $over lines wider than $w"
		elif grep -q "[0-9:-]$ell" "$tmp/tty"; then
			bad "$name: a value is cut"
		elif ! same "$CASES/$name.out" "$tmp/tty"; then
			bad "$name: standard output differs"
		else
			ok
		fi
	done
	# the same table to a pipe keeps every column and has no footer
	"$QUERY" --db "$db" -f table bars AAPL >"$tmp/out"
	if [ "$(head -n 1 "$tmp/out" | wc -w)" = 16 ] && ! grep -q rows "$tmp/out"; then
		ok
	else
		bad "-f table to a pipe: $(head -n 1 "$tmp/out")"
	fi
else
	echo "query.sh: script(1) not installed; the terminal table is not checked"
fi

# one number policy: mdx-transform and mdx-query write the same bar byte
# for byte (shortest decimal that reads back, no ".0": "open":166).  Real
# bars: Yahoo's AAPL 2020 (float-y values, as recorded) and the sample
# CSV of examples/data (whole-dollar prices)
yf=tests/fixtures/http/yahoo/chart_AAPL_1d_2020-01-01_2021-01-04.json
jq -c '.chart.result[0] as $r | $r.indicators.quote[0] as $q |
	range($r.timestamp | length) as $i |
	{type: "bar", source: "yahoo", symbol: "AAPL", interval: "1d",
	 t: ($r.timestamp[$i] * 1000), tz: $r.meta.exchangeTimezoneName,
	 open: $q.open[$i], high: $q.high[$i], low: $q.low[$i],
	 close: $q.close[$i], adj_close: $r.indicators.adjclose[0].adjclose[$i],
	 volume: $q.volume[$i]}' "$yf" >"$tmp/raw"
"$B/mdx-extract" examples/data/AAPL_data.csv 2>/dev/null >>"$tmp/raw"
"$B/mdx-transform" "$tmp/raw" 2>/dev/null | grep '"type":"bar"' | sort >"$tmp/canon"
"$LOAD" -q --db "$tmp/policy.db" "$tmp/canon"
"$QUERY" --db "$tmp/policy.db" bars AAPL | sort >"$tmp/out"
if [ "$(wc -l <"$tmp/canon")" = 1512 ] && cmp -s "$tmp/canon" "$tmp/out" &&
	grep -q '"date":"2020-01-02","open":74.05999755859375,' "$tmp/out" &&
	grep -q '"date":"2018-02-02","open":166,' "$tmp/out" &&
	! grep -q '[0-9]\.0[,}]' "$tmp/out"; then
	ok
else
	bad "mdx-transform and mdx-query write bars differently: $(cmp "$tmp/canon" "$tmp/out")"
fi

# a message names only the bounds given, no placeholder (0000-00-00,
# 9999-99-99) for the others: a store of bars and no shares outstanding
"$QUERY" --db "$tmp/policy.db" index build x --top 2 2>"$tmp/err"
st=$?
if [ "$st" = 65 ] && [ "$(cat "$tmp/err")" = "mdx-query: no symbol has both daily bars and shares outstanding (load instrument facts: mdx-extract --what profile, or -p sec)" ]; then
	ok
else
	bad "index build without facts: status $st, $(cat "$tmp/err")"
fi
"$QUERY" --db "$tmp/policy.db" index build x --top 2 --to 2016-01-04 2>"$tmp/err"
if grep -q "daily bars to 2016-01-04 and shares" "$tmp/err"; then
	ok
else
	bad "index build --to without facts: $(cat "$tmp/err")"
fi

# ---- bars by time (issue 11) and the intervals of Yahoo's chart API, on
# the recorded AAPL 1m answer of 2024-10-02 (tests/fixtures/http/yahoo),
# served by tests/tools/mdx-replay and run through the pipeline ----
EXTRACT=$B/mdx-extract
TRANSFORM=$B/mdx-transform
REPLAY=$B/tests/mdx-replay
AAPL1M=tests/fixtures/http/yahoo/chart_AAPL_1m_2024-10-02_includePrePost-false.json
tdb=$tmp/time.db
# q NAME WANT ARGS...: mdx-query on the time store; stdout must be WANT
q() {
	name=$1 want=$2
	shift 2
	got=$("$QUERY" --db "$tdb" "$@" 2>"$tmp/err")
	st=$?
	if [ "$st" = 0 ] && [ "$got" = "$want" ]; then
		ok
	else
		bad "$name: status $st, got [$got] want [$want] $(cat "$tmp/err")"
	fi
}
# qerr NAME STATUS MESSAGE ARGS...: refused with that status and message
qerr() {
	name=$1 want=$2 msg=$3
	shift 3
	"$QUERY" --db "$tdb" "$@" >/dev/null 2>"$tmp/err"
	st=$?
	if [ "$st" = "$want" ] && [ "$(head -n 1 "$tmp/err")" = "$msg" ]; then
		ok
	else
		bad "$name: status $st, [$(cat "$tmp/err")] want $want [$msg]"
	fi
}
if [ -x "$REPLAY" ] && [ -x "$EXTRACT" ] && [ -x "$TRANSFORM" ]; then
	"$REPLAY" --port 0 --port-file "$tmp/replay.port" \
		--routes tests/fixtures/http/incremental.routes 2>/dev/null &
	rpid=$!
	i=0
	while [ ! -s "$tmp/replay.port" ] && [ $i -lt 500 ]; do
		sleep 0.01
		i=$((i + 1))
	done
	# the recorded answer was made on 2024-10-04 12:07:44Z: Yahoo's 30
	# days of 1m bars count back from then
	MDX_EXTRACT_NOW=2024-10-04T12:07:44Z "$EXTRACT" -p yahoo --rate 0 \
		--base-url "http://127.0.0.1:$(cat "$tmp/replay.port")" \
		--interval 1m --from 2024-10-02 --to 2024-10-02 AAPL 2>/dev/null |
		"$TRANSFORM" 2>/dev/null | "$LOAD" -q --db "$tdb"
	kill "$rpid" 2>/dev/null
	wait "$rpid" 2>/dev/null
	n=$("$QUERY" --db "$tdb" -f csv sql "SELECT count(*) AS n FROM bars WHERE interval = '1m'" | tail -n 1 | tr -d '\r')
	if [ "$n" = 389 ]; then ok; else bad "AAPL 1m: $n bars loaded, not 389"; fi
	# the recorded close of 10:30 New York (14:30Z): 225.4499969482422,
	# volume 71154; of 10:31: 225.4600067138672
	# --since: strictly after (not the 14:29 bar, nor one at --since)
	got=$("$QUERY" --db "$tdb" -f ndjson bars AAPL --interval 1m --since 2024-10-02T14:29:00Z --limit 2 | jq -r '"\(.ts) \(.close) \(.volume)"')
	if [ "$got" = "2024-10-02T14:30:00Z 225.4499969482422 71154
2024-10-02T14:31:00Z 225.4600067138672 75032" ]; then ok; else bad "--since 14:29Z: [$got]"; fi
	got=$("$QUERY" --db "$tdb" -f ndjson bars AAPL --since 2024-10-02T14:30:00Z --limit 1 | jq -r '"\(.ts) \(.close)"')
	if [ "$got" = "2024-10-02T14:31:00Z 225.4600067138672" ]; then ok; else bad "--since 14:30Z: [$got]"; fi
	# --from/--to with times: inclusive bounds of ts; an offset is an instant
	got=$("$QUERY" --db "$tdb" -f ndjson bars AAPL --from 2024-10-02T10:30:00-04:00 --to 2024-10-02T14:31:00Z | jq -r .ts | tr '\n' ' ')
	if [ "$got" = "2024-10-02T14:30:00Z 2024-10-02T14:31:00Z " ]; then ok; else bad "--from/--to times: [$got]"; fi
	# a poll at the last bar: nothing new, not an error
	got=$("$QUERY" --db "$tdb" -f ndjson bars AAPL --since 2024-10-02T19:59:00Z | wc -l | tr -d ' ')
	if [ "$got" = 0 ]; then ok; else bad "--since the last bar: $got rows"; fi
	# with a date: the whole trading date, as before
	got=$("$QUERY" --db "$tdb" -f ndjson bars AAPL --from 2024-10-02 --since 2024-10-02T19:58:00Z | jq -r .ts)
	if [ "$got" = "2024-10-02T19:59:00Z" ]; then ok; else bad "--from DATE --since: [$got]"; fi
	qerr "--since a date" 2 "mdx-query: --since: '2024-10-02' is not an RFC 3339 instant (2024-10-02T14:30:00Z); see 'mdx-query --help'" bars AAPL --since 2024-10-02
	qerr "--from a bad time" 2 "mdx-query: --from: '2024-10-02T25:00:00Z' is not a date (YYYY-MM-DD) or an RFC 3339 instant (2024-10-02T14:30:00Z); see 'mdx-query --help'" bars AAPL --from 2024-10-02T25:00:00Z
	qerr "--from TIME after --to TIME" 2 "mdx-query: --from is after --to; see 'mdx-query --help'" bars AAPL --from 2024-10-02T15:00:00Z --to 2024-10-02T14:00:00Z
	qerr "a time for stats" 2 "mdx-query: stats: --from TIME does not apply; see 'mdx-query --help'" stats AAPL --from 2024-10-02T14:30:00Z
	qerr "--since for latest" 2 "mdx-query: latest: --since does not apply; see 'mdx-query --help'" latest AAPL --since 2024-10-02T14:30:00Z
	# intervals: 60m is Yahoo's name of 1h; 4h is not one of ours
	q "--interval 60m is 1h" "" -f ndjson bars AAPL --interval 60m
	qerr "--interval 4h" 2 "mdx-query: --interval: unknown interval '4h' (1m 2m 5m 15m 30m 1h (60m) 90m 1d 5d 1wk 1mo 3mo); see 'mdx-query --help'" bars AAPL --interval 4h
	# a 90m bar: resampled from the 1m bars at the open (09:30-10:59 New
	# York, as Yahoo's 90m bars), stored, read back; its figures from the
	# recorded body by jq: first open, max high, min low, last close, volume
	want=$(jq -r '.chart.result[0] as $r | [range(0; $r.timestamp | length) | select($r.timestamp[.] >= 1727875800 and $r.timestamp[.] < 1727881200)] as $i | $r.indicators.quote[0] as $q |
		"\($q.open[$i[0]]) \([$i[] | $q.high[.]] | max) \([$i[] | $q.low[.]] | min) \($q.close[$i[-1]]) \([$i[] | $q.volume[.]] | add)"' "$AAPL1M")
	"$QUERY" --db "$tdb" -f ndjson resample AAPL --to 90m --at-open >"$tmp/90m"
	"$LOAD" -q --db "$tdb" "$tmp/90m"
	got=$("$QUERY" --db "$tdb" -f ndjson bars AAPL --interval 90m --from 2024-10-02T13:30:00Z --to 2024-10-02T13:30:00Z | jq -r '"\(.interval) \(.ts) \(.session) \(.open) \(.high) \(.low) \(.close) \(.volume)"')
	if [ "$got" = "90m 2024-10-02T13:30:00Z regular $want" ]; then ok; else bad "90m bar: [$got] want [90m 2024-10-02T13:30:00Z regular $want]"; fi
	got=$("$QUERY" --db "$tdb" -f ndjson bars AAPL --interval 90m | jq -r .ts | tr '\n' ' ')
	if [ "$got" = "2024-10-02T13:30:00Z 2024-10-02T15:00:00Z 2024-10-02T16:30:00Z 2024-10-02T18:00:00Z 2024-10-02T19:30:00Z " ]; then ok; else bad "90m bars: [$got]"; fi
	got=$("$QUERY" --db "$tdb" -f csv symbols AAPL | tr -d '\r' | tr '\n' ' ')
	if [ "$got" = "symbol,interval,first_date,last_date,bars AAPL,1m,2024-10-02,2024-10-02,389 AAPL,90m,2024-10-02,2024-10-02,5 " ]; then ok; else bad "symbols with 90m: [$got]"; fi
	# what cannot be made: 1h bars into 90m ones, anything into 5d
	qerr "resample 1m to 5d" 2 "mdx-query: resample: cannot resample to 5d: a provider's own grouping of days (resample to 1wk); see 'mdx-query --help'" resample AAPL --to 5d
	qerr "resample 90m source to 1h" 2 "mdx-query: AAPL: cannot resample 90m bars to 1h; see 'mdx-query --help'" resample AAPL --to 1h --interval 90m
else
	bad "bars by time: $REPLAY, $EXTRACT or $TRANSFORM not built"
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
