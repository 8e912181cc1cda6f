#!/bin/sh
# bench/run.sh - make bench: speed and memory against peers measured in the
# same run on the same input.  Needs ../shared/data (skips politely without
# it).  Prints figures; asserts nothing (timed tests are not tests).
#   MDX_BUILD   binaries (default build)
#   MDX_SHARED  the shared data directory (default ../shared/data)
set -u
cd "$(dirname "$0")/.." || exit 2
B=${MDX_BUILD:-build}
case $B in /*) ;; *) B=$(pwd)/$B ;; esac
PATH=$B:$PATH
SHARED=${MDX_SHARED:-../shared/data}
CSV=$SHARED/csv/all_stocks_5yr.csv
if [ ! -f "$CSV" ]; then
	echo "bench: $CSV not found; skipping (the benchmarks need ../shared/data)"
	exit 0
fi
# the peers and tools the benchmarks measure against
MDX_DEPS_EXTRA="sqlite-utils jq time python3-flask wrk" sh scripts/deps.sh ||
	echo "bench: some peers are missing; their rows are skipped"

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc -l 2>/dev/null || awk "BEGIN{print $2 - $1}"; }
rate() { awk "BEGIN{printf \"%.0f\", $1 / $2}"; }
ratio() { awk "BEGIN{printf \"%.2f\", $1 / $2}"; }
# peak RSS in MB of a command (GNU time), or "?" without it
peak() {
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f %M -o "$T/rss" "$@" >/dev/null 2>/dev/null
		awk '{printf "%.1f", $1 / 1024}' "$T/rss"
	else
		"$@" >/dev/null 2>&1
		echo "?"
	fi
}

echo "== input: $CSV ($(wc -l <"$CSV") lines)"
mdx-extract "$CSV" 2>/dev/null | mdx-transform 2>/dev/null | grep '"type":"bar"' >"$T/bars.ndjson"
ROWS=$(wc -l <"$T/bars.ndjson")
echo "canonical bars: $ROWS ($(du -m "$T/bars.ndjson" | cut -f1) MB of NDJSON)"

echo
echo "== whole pipeline: extract | transform | load, all_stocks_5yr.csv (target < 10 s)"
rm -f "$T/p.db"*
t0=$(now)
mdx-extract "$CSV" 2>/dev/null | mdx-transform 2>/dev/null | mdx-load -q --db "$T/p.db"
t1=$(now)
echo "pipeline: $(secs "$t0" "$t1" | cut -c1-5) s"
t0=$(now)
mdx-extract "$CSV" 2>/dev/null | mdx-transform 2>/dev/null | mdx-load --db "$T/p.db" 2>"$T/second"
t1=$(now)
echo "second run (nothing to change): $(secs "$t0" "$t1" | cut -c1-5) s; $(cat "$T/second")"

echo
echo "== mdx-transform vs jq -c . on the canonical NDJSON (target >= 1.5x)"
t0=$(now); mdx-transform "$T/bars.ndjson" >/dev/null 2>&1; t1=$(now)
tt=$(secs "$t0" "$t1")
if command -v jq >/dev/null 2>&1; then
	t0=$(now); jq -c . "$T/bars.ndjson" >/dev/null; t1=$(now)
	tj=$(secs "$t0" "$t1")
	echo "mdx-transform: $(rate "$ROWS" "$tt") rows/s; jq -c .: $(rate "$ROWS" "$tj") rows/s; ratio $(ratio "$tj" "$tt")x"
else
	echo "mdx-transform: $(rate "$ROWS" "$tt") rows/s; jq not installed"
fi

echo
echo "== mdx-load vs sqlite-utils upsert --nl into a new file (target >= 5x)"
rm -f "$T/l.db"*
t0=$(now); mdx-load -q --db "$T/l.db" "$T/bars.ndjson"; t1=$(now)
tl=$(secs "$t0" "$t1")
if command -v sqlite-utils >/dev/null 2>&1; then
	t0=$(now)
	sqlite-utils upsert --nl "$T/su.db" bars "$T/bars.ndjson" --pk symbol --pk interval --pk ts
	t1=$(now)
	ts=$(secs "$t0" "$t1")
	echo "mdx-load: $(rate "$ROWS" "$tl") rows/s; sqlite-utils: $(rate "$ROWS" "$ts") rows/s; ratio $(ratio "$ts" "$tl")x"
else
	echo "mdx-load: $(rate "$ROWS" "$tl") rows/s; sqlite-utils not installed"
fi

echo
echo "== peak memory (RSS, MB; target flat in input size and < 50 MB)"
head -n 60000 "$T/bars.ndjson" >"$T/small.ndjson"
echo "stage          60k rows   $ROWS rows"
head -n 60001 "$CSV" >"$T/small.csv"
echo "mdx-extract    $(peak mdx-extract "$T/small.csv")       $(peak mdx-extract "$CSV")"
echo "mdx-transform  $(peak mdx-transform "$T/small.ndjson")       $(peak mdx-transform "$T/bars.ndjson")"
rm -f "$T/m1.db"* "$T/m2.db"*
echo "mdx-load       $(peak mdx-load -q --db "$T/m1.db" "$T/small.ndjson")       $(peak mdx-load -q --db "$T/m2.db" "$T/bars.ndjson")"
echo "mdx-query bars $(peak mdx-query --db "$T/m2.db" bars AAPL -f csv)"

for extra in bench/*.sh; do
	[ -f "$extra" ] && [ "$extra" != bench/run.sh ] || continue
	echo
	MDX_BUILD=$B MDX_SHARED=$SHARED sh "$extra" "$T/p.db"
done
