#!/bin/sh
# bench/extract.sh - mdx-extract against the replay server (run by
# bench/run.sh as `sh bench/extract.sh DBFILE`; DBFILE is not used here).
#
#   1. 500 symbols (the S&P 500 constituents list), Yahoo chart bodies with
#      50 ms latency a response: -j 1 against -j 8 (target: >= 6x faster).
#   2. The rate limit: 60 symbols at --rate 300/min against a server that
#      answers 429 to any request over 50 in 10 s (the same rate, in a
#      window short enough to bind within the run): the time against the
#      least possible, (n - 1) * 60 / rate s (target: within 5%), and the
#      429s the server answered (target: none).
#
# Prints figures; asserts nothing (timed tests are not tests).
#   MDX_BUILD   binaries (default build)
#   MDX_SHARED  the shared data directory (default ../shared/data)
set -u
cd "$(dirname "$0")/.." || exit 2
B=${MDX_BUILD:-build}
case $B in /*) ;; *) B=$(pwd)/$B ;; esac
SHARED=${MDX_SHARED:-../shared/data}
LIST=$SHARED/csv/sp500_constituents.csv
BODY=$(pwd)/tests/fixtures/http/yahoo/chart_AAPL_1d_2020-01-01_2021-01-04.json
REPLAY=$B/tests/mdx-replay
echo "== mdx-extract -p yahoo: concurrency and rate limit (replay server)"
if [ ! -f "$LIST" ]; then
	echo "bench: $LIST not found; skipping"
	exit 0
fi
if [ ! -x "$REPLAY" ] || [ ! -x "$B/mdx-extract" ]; then
	echo "bench: $REPLAY or $B/mdx-extract missing (make all tests); skipping"
	exit 0
fi

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
# every symbol gets AAPL's recorded 2020 chart
printf '/v8/finance/chart/* 200 %s\n' "$BODY" >"$T/routes"

# serve NAME [option ...]: start mdx-replay; sets BASE
serve() {
	stop
	rm -f "$T/port"
	log=$T/$1.log
	shift
	"$REPLAY" --port 0 --port-file "$T/port" --routes "$T/routes" \
		--log "$log" "$@" &
	SPID=$!
	i=0
	while [ ! -s "$T/port" ] && [ $i -lt 500 ]; do
		sleep 0.01
		i=$((i + 1))
	done
	BASE=http://127.0.0.1:$(cat "$T/port")
}
now() { date +%s.%N; }
secs() { awk "BEGIN{printf \"%.2f\", $2 - $1}"; }
ratio() { awk "BEGIN{printf \"%.2f\", $1 / $2}"; }

# the first 500 symbols of the list
awk -F, 'NR > 1 && NR <= 501 { print $1 }' "$LIST" >"$T/500.txt"
N=$(wc -l <"$T/500.txt")
extract() {
	# no --from/--to: one request a symbol (a range adds one for the
	# symbol's events up to today; see extract/yahoo.c)
	"$B/mdx-extract" -p yahoo --base-url "$BASE" -q "$@" >"$T/out" 2>"$T/err"
	echo $? >"$T/rc"
}

for j in 1 8; do
	serve "j$j" --latency-ms 50
	t0=$(now)
	extract --rate 0 -j "$j" --symbols-file "$T/500.txt"
	t1=$(now)
	eval "t_j$j=$(secs "$t0" "$t1")"
	echo "-j $j: $N symbols in $(secs "$t0" "$t1") s, exit $(cat "$T/rc"), $(grep -c '"type":"bar"' "$T/out") bars, $(grep -c ' route$' "$T/j$j.log") requests"
done
echo "-j 8 vs -j 1: $(ratio "$t_j1" "$t_j8")x faster (target >= 6x)"

# the rate limit: 60 symbols, 300 a minute, a server allowing 50 in 10 s
n=60 rate=300
head -n $n "$T/500.txt" >"$T/60.txt"
serve rate --latency-ms 50 --rate-limit 50/10
t0=$(now)
extract --rate "$rate/min" -j 8 --symbols-file "$T/60.txt"
t1=$(now)
took=$(secs "$t0" "$t1")
least=$(awk "BEGIN{printf \"%.2f\", ($n - 1) * 60 / $rate}")
echo "--rate $rate/min, $n symbols: $took s; least possible $least s; ratio $(ratio "$took" "$least") (target <= 1.05)"
echo "429s answered by the server: $(grep -c ' limited$' "$T/rate.log") (target 0); exit $(cat "$T/rc")"
