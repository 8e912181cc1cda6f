#!/bin/sh
# bench/adjust.sh DBFILE - adjusted prices computed on read (issue 10):
# mdx-query bars of every symbol of the all_stocks_5yr store that
# bench/run.sh has just loaded, --adjust total against --adjust none
# (target: total costs at most 1.5x).  A copy of the store gets real
# actions first: Alpha Vantage's AAPL splits and dividends and the
# recorded Polygon splits and dividends (tests/fixtures), so that the
# factors are looked up, not skipped.  Prints figures; asserts nothing.
#   MDX_BUILD   binaries (default build)
#   MDX_SHARED  the shared data directory (default ../shared/data)
#   RUNS        runs of each query (default 5)
set -u
cd "$(dirname "$0")/.." || exit 2
B=${MDX_BUILD:-build}
case $B in /*) ;; *) B=$(pwd)/$B ;; esac
PATH=$B:$PATH
DB=${1:-}
RUNS=${RUNS:-5}
AV=tests/fixtures/alphavantage/TIME_SERIES_DAILY_ADJUSTED_AAPL_full_1999-11-01_2020-11-25.csv

echo "== adjust: bars --adjust total vs none over the whole all_stocks_5yr store"
if [ -z "$DB" ] || [ ! -f "$DB" ]; then
	echo "bench/adjust.sh: no store given (sh bench/adjust.sh DBFILE); skipping"
	exit 0
fi
A=$DB.adjust
rm -f "$A" "$A-wal" "$A-shm"
sqlite3 "$DB" "VACUUM INTO '$A'" 2>/dev/null || cp "$DB" "$A"
trap 'rm -f "$A" "$A-wal" "$A-shm"' EXIT
{
	mdx-extract --what actions --symbol AAPL "$AV"
	for f in tests/fixtures/http/polygon/splits_v3.json tests/fixtures/http/polygon/dividends_v3.json; do
		jq -c '.results[] | if .split_to then
			{type: "action", symbol: .ticker, date: .execution_date, kind: "split",
			 ratio: (.split_to / .split_from), source: "polygon"}
			else {type: "action", symbol: .ticker, date: .ex_dividend_date, kind: "dividend",
			 amount: .cash_amount, source: "polygon"} end' "$f" 2>/dev/null
	done
} 2>/dev/null | mdx-transform 2>/dev/null | mdx-load -q --db "$A" 2>/dev/null
SYMS=$(mdx-query --db "$A" -f csv symbols | tail -n +2 | cut -d, -f1 | tr -d '\r' | sort -u)
NSYM=$(echo "$SYMS" | wc -l)
NACT=$(mdx-query --db "$A" -f csv sql "SELECT count(*) FROM actions" | tail -n 1 | tr -d '\r')
NWITH=$(mdx-query --db "$A" -f csv sql "SELECT count(DISTINCT symbol) FROM actions" | tail -n 1 | tr -d '\r')

now() { date +%s.%N; }
# best RUNS ADJUST: the fastest of RUNS whole runs, in ms
best() {
	b=
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		t0=$(now)
		# shellcheck disable=SC2086
		mdx-query --db "$A" -f csv bars $SYMS --adjust "$1" >"$A.out"
		t1=$(now)
		ms=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", (b - a) * 1000 }')
		if [ -z "$b" ] || [ "$ms" -lt "$b" ]; then b=$ms; fi
		i=$((i + 1))
	done
	echo "$b"
}
# shellcheck disable=SC2086
mdx-query --db "$A" -f csv bars $SYMS >/dev/null # warm the page cache
tn=$(best none)
rows=$(($(wc -l <"$A.out") - 1))
tt=$(best total)
rm -f "$A.out"
echo "store: $NSYM symbols, $rows bars, $NACT actions of $NWITH symbols"
printf 'bars --adjust none   %6s ms  (best of %d)\n' "$tn" "$RUNS"
printf 'bars --adjust total  %6s ms  (best of %d)\n' "$tt" "$RUNS"
echo "ratio total / none: $(awk -v a="$tt" -v b="$tn" 'BEGIN { printf "%.2f", a / b }')x (target <= 1.5x)"
