#!/bin/sh
# bench/incremental.sh - a minute-by-minute cron pass over 500 symbols (the
# S&P 500 constituents list) after one full day of 1m bars is loaded:
# the incremental pass (mdx-query latest | mdx-extract --since -) against
# the naive whole-range re-fetch (--from the day), each through
# mdx-transform and mdx-load, against the replay server with 50 ms latency
# a response.  Every symbol is served Yahoo's recorded AAPL 1m answer of
# 2024-10-02 (389 bars and the last bar of 2024-10-03), with "now" at the
# recording's Date (MDX_EXTRACT_NOW).  Prints requests, bars and wall time
# per pass; asserts nothing (timed tests are not tests).
#   MDX_BUILD   binaries (default build)
#   MDX_SHARED  the shared data directory (default ../shared/data)
set -u
cd "$(dirname "$0")/.." || exit 2
B=${MDX_BUILD:-build}
case $B in /*) ;; *) B=$(pwd)/$B ;; esac
PATH=$B:$PATH
SHARED=${MDX_SHARED:-../shared/data}
LIST=$SHARED/csv/sp500_constituents.csv
BODY=$(pwd)/tests/fixtures/http/yahoo/chart_AAPL_1m_2024-10-02_includePrePost-false.json
REPLAY=$B/tests/mdx-replay
echo "== a 1m cron pass over 500 symbols: --since bookmarks vs re-fetching the day (replay server, 50 ms)"
if [ ! -f "$LIST" ]; then
	echo "bench: $LIST not found; skipping"
	exit 0
fi
if [ ! -x "$REPLAY" ] || [ ! -x "$B/mdx-extract" ]; then
	echo "bench: $REPLAY or $B/mdx-extract missing (make all tests); skipping"
	exit 0
fi
MDX_EXTRACT_NOW=2024-10-04T12:07:44Z
export MDX_EXTRACT_NOW
T=$(mktemp -d)
SPID=
stop() {
	if [ -n "$SPID" ]; then
		kill "$SPID" 2>/dev/null
		wait "$SPID" 2>/dev/null
		SPID=
	fi
}
trap 'stop; rm -rf "$T"' EXIT
printf '/v8/finance/chart/* 200 %s\n' "$BODY" >"$T/routes"
"$REPLAY" --port 0 --port-file "$T/port" --routes "$T/routes" \
	--log "$T/log" --latency-ms 50 &
SPID=$!
i=0
while [ ! -s "$T/port" ] && [ $i -lt 500 ]; do
	sleep 0.01
	i=$((i + 1))
done
BASE=http://127.0.0.1:$(cat "$T/port")
now() { date +%s.%N; }
secs() { awk "BEGIN{printf \"%.2f\", $2 - $1}"; }
awk -F, 'NR > 1 && NR <= 501 { print $1 }' "$LIST" >"$T/500.txt"
N=$(wc -l <"$T/500.txt")
DB=$T/m.db
X="mdx-extract -p yahoo --interval 1m --base-url $BASE --rate 0 -j 8 -q"

# pass NAME CMD: run the pipeline CMD | mdx-transform | mdx-load, print
# its requests, bars and wall time
pass() {
	name=$1
	shift
	n0=$(wc -l <"$T/log")
	t0=$(now)
	sh -c "$*" >"$T/raw" 2>"$T/err"
	mdx-transform -q "$T/raw" 2>/dev/null | mdx-load -q --db "$DB" 2>/dev/null
	t1=$(now)
	printf '%-12s %5d symbols  %5d requests  %7d bars  %6s s\n' "$name" "$N" \
		$(($(wc -l <"$T/log") - n0)) "$(grep -c '"type":"bar"' "$T/raw")" "$(secs "$t0" "$t1")"
}

pass "seed (day)" "$X --from 2024-10-02 --to 2024-10-03 --symbols-file $T/500.txt"
pass "naive" "$X --from 2024-10-02 --symbols-file $T/500.txt"
pass "--since" "mdx-query --db $DB latest --interval 1m -f ndjson | $X --since -"
pass "--since" "mdx-query --db $DB latest --interval 1m -f ndjson | $X --since -"
echo "(--since asks each symbol once, from its last stored bar minus one bar; the"
echo " recorded answer holds nothing newer, so it gets that last bar again and no"
echo " new one; naive asks each symbol's events and the whole day again)"
