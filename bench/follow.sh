#!/bin/sh
# bench/follow.sh - mdx-extract --follow over a whole recorded session with
# a provider outage in the middle: mdx-extract --follow | mdx-transform |
# mdx-load against the replay server (50 ms latency a response), which
# replays Yahoo's recorded AAPL 1m day of 2024-10-02 for every symbol as it
# happened (its live option: a virtual clock running so that the 390
# minutes pass in the bench's run time) and answers 503 to everything for
# the outage (its --outage).  Symbols: the first N of the S&P 500
# constituents list.  Prints the bars expected and in the store, missing
# and duplicated bars, bars written more than once (and why), requests
# (answered and refused), and the outage as the run records and stderr
# show it.  Asserts nothing (timed tests are not tests).
#   MDX_BUILD           binaries (default build)
#   MDX_SHARED          the shared data directory (default ../shared/data)
#   MDX_BENCH_OUTAGE_S  the outage, seconds (default 120; 10 for a quick run)
#   MDX_BENCH_SYMBOLS   symbols (default 50)
set -u
cd "$(dirname "$0")/.." || exit 2
B=${MDX_BUILD:-build}
case $B in /*) ;; *) B=$(pwd)/$B ;; esac
PATH=$B:$PATH
SHARED=${MDX_SHARED:-../shared/data}
LIST=$SHARED/csv/sp500_constituents.csv
FIX=$(pwd)/tests/fixtures/http
BODY=$FIX/yahoo/chart_AAPL_1m_2024-10-02_includePrePost-false.json
REPLAY=$B/tests/mdx-replay
OUT_S=${MDX_BENCH_OUTAGE_S:-120}
NSYM=${MDX_BENCH_SYMBOLS:-50}
# the outage starts 30 s after the first request; the session lasts
# another 60 s after it ends
RUN_S=$((OUT_S + 90))
echo "== mdx-extract --follow: $NSYM symbols, a session in $RUN_S s, a ${OUT_S} s outage (replay server, 50 ms)"
if [ ! -f "$LIST" ] || [ ! -f "$BODY" ]; then
	echo "bench: $LIST or $BODY not found; skipping"
	exit 0
fi
if [ ! -x "$REPLAY" ] || [ ! -x "$B/mdx-extract" ]; then
	echo "bench: $REPLAY or $B/mdx-extract missing (make all tests); skipping"
	exit 0
fi
case $OUT_S$NSYM in *[!0-9]*)
	echo "bench: MDX_BENCH_OUTAGE_S and MDX_BENCH_SYMBOLS are whole numbers" >&2
	exit 2 ;;
esac
MDX_EXTRACT_NOW=2024-10-04T12:07:44Z
export MDX_EXTRACT_NOW
T=$(mktemp -d)
SPID= XPID=
stop() {
	for p in $XPID $SPID; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	XPID= SPID=
}
trap 'stop; rm -rf "$T"' EXIT
{
	printf '/v8/finance/chart/*?*interval=1m* 200 %s live\n' "$BODY"
	printf '/v8/finance/chart/* 200 %s\n' "$FIX/yahoo/chart_AAPL_1d_2020-01-01_2021-01-04.json"
} >"$T/routes"
awk -F, -v n="$NSYM" 'NR > 1 && NR <= n + 1 { print $1 }' "$LIST" >"$T/syms"
N=$(wc -l <"$T/syms" | tr -d ' ')
# 09:30:00 New York to 16:00 in RUN_S seconds
SPEED=$(awk -v r="$RUN_S" 'BEGIN { printf "%.3f", 23400 / r }')
"$REPLAY" --port 0 --port-file "$T/port" --routes "$T/routes" --log "$T/log" \
	--latency-ms 50 --clock 2024-10-02T13:30:00Z --speed "$SPEED" \
	--outage "30000:$((OUT_S * 1000))" &
SPID=$!
i=0
while [ ! -s "$T/port" ] && [ $i -lt 500 ]; do
	sleep 0.01
	i=$((i + 1))
done
BASE=http://127.0.0.1:$(cat "$T/port")
DB=$T/m.db
mkfifo "$T/pipe"
tee "$T/raw" <"$T/pipe" | mdx-transform -q | mdx-load -q --db "$DB" &
LPID=$!
t0=$(date +%s)
mdx-extract -p yahoo --interval 1m --from 2024-10-02 --follow --every 1s \
	--report-every 10s --base-url "$BASE" --rate 0 -j 8 --retries 2 \
	--retry-base 200 --symbols-file "$T/syms" >"$T/pipe" 2>"$T/err" &
XPID=$!
# the session's end, then until the last bars are in (at most a minute)
sleep "$RUN_S"
nb() { mdx-query --db "$DB" -f csv sql "SELECT count(*) FROM bars WHERE interval = '1m'" 2>/dev/null | tail -n 1 | tr -d '\r'; }
i=0
while [ "$(nb)" -lt $((N * 389)) ] 2>/dev/null && [ $i -lt 60 ]; do
	sleep 1
	i=$((i + 1))
done
sleep 2 # a pass after the last bar
kill -TERM "$XPID"
wait "$XPID"
rc=$?
XPID=
wait "$LPID"
t1=$(date +%s)

q() { mdx-query --db "$DB" -f csv sql "$1" | tail -n 1 | tr -d '\r'; }
want=$((N * 389))
got=$(nb)
written=$(grep -c '"type":"bar"' "$T/raw")
keys=$(jq -r 'select(.type=="bar") | "\(.symbol) \(.t)"' "$T/raw" | sort -u | wc -l | tr -d ' ')
open=$(jq -r 'select(.type=="bar" and .final == false) | "\(.symbol) \(.t)"' "$T/raw" | sort -u | wc -l | tr -d ' ')
printf 'mdx-extract exit %d after SIGTERM; wall %d s\n' "$rc" $((t1 - t0))
printf 'bars: %d expected (%d symbols x 389), %d in the store, %d missing\n' "$want" "$N" "$got" $((want - got))
printf 'bars in the store twice: %s (key symbol, interval, ts)\n' \
	"$(q "SELECT count(*) FROM (SELECT 1 FROM bars GROUP BY symbol, interval, ts HAVING count(*) > 1)")"
printf 'bars written: %d lines for %d bars: %d again after they were written open (final:false), %d again otherwise\n' \
	"$written" "$keys" "$open" $((written - keys - open))
printf 'mdx-load: %s (inserted, updated)\n' "$(q "SELECT sum(inserted), sum(updated) FROM runs WHERE tool = 'mdx-load'")"
printf 'requests: %d (%d answered, %d refused 503 by the outage)\n' \
	"$(wc -l <"$T/log" | tr -d ' ')" "$(awk '$5 == 200' "$T/log" | wc -l | tr -d ' ')" "$(grep -c ' 503 outage$' "$T/log")"
echo "stderr:"
sed 's/^/  /' "$T/err" | cut -c1-160
echo "run records (every 10 s): started, status, passes, failed passes, outage passes, failed symbols, failed requests, outage s, bars out"
mdx-query --db "$DB" -f ndjson sql "SELECT detail FROM runs WHERE tool = 'mdx-extract' ORDER BY id" |
	jq -r '.detail | fromjson | "  \(.started[11:19]) \(.status) \(.passes) \(.failed_passes) \(.outage_passes) \(.failed | length) \(.failed_requests) \(.outage_s) \(.out)"'
