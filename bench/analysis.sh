#!/bin/sh
# bench/analysis.sh DBFILE - the analysis commands on the all_stocks_5yr
# store that bench/run.sh has just loaded: the instrument facts of the
# financials file are loaded into it, then the wall time of whole
# mdx-query processes is printed.  Targets (issue #5): index build of the
# top 100 over the whole period < 3 s; stats of one symbol < 20 ms.
# Prints figures; asserts nothing.
#   MDX_BUILD   binaries (default build)
#   MDX_SHARED  the shared data directory (default ../shared/data)
#   RUNS        runs averaged for the quick commands (default 20)
set -u
cd "$(dirname "$0")/.." || exit 2
B=${MDX_BUILD:-build}
case $B in /*) ;; *) B=$(pwd)/$B ;; esac
PATH=$B:$PATH
SHARED=${MDX_SHARED:-../shared/data}
FIN=$SHARED/csv/sp500_constituents_financials.csv
DB=${1:-}
RUNS=${RUNS:-20}

echo "== analysis: stats, returns, index, chart on all_stocks_5yr"
if [ -z "$DB" ] || [ ! -f "$DB" ]; then
	echo "bench/analysis.sh: no store given (sh bench/analysis.sh DBFILE); skipping"
	exit 0
fi
if [ ! -f "$FIN" ]; then
	echo "bench/analysis.sh: $FIN not found; skipping (the benchmarks need ../shared/data)"
	exit 0
fi
mdx-extract --what profile --as-of 2018-02-07 "$FIN" 2>/dev/null |
	mdx-transform 2>/dev/null | mdx-load -q --db "$DB"

now() { date +%s.%N; }
ms() { awk -v a="$1" -v b="$2" -v n="${3:-1}" 'BEGIN { printf "%.1f", (b - a) * 1000 / n }'; }

# avg NAME TARGET CMD...: the mean wall time of RUNS whole processes
avg() {
	name=$1 target=$2
	shift 2
	"$@" >/dev/null 2>&1 # warm the page cache
	t0=$(now)
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		"$@" >/dev/null 2>&1
		i=$((i + 1))
	done
	t1=$(now)
	printf '%-44s %8s ms   (mean of %d runs%s)\n' "$name" "$(ms "$t0" "$t1" "$RUNS")" "$RUNS" "${target:+; target < $target ms}"
}

t0=$(now)
mdx-query --db "$DB" -f csv index build sp100ew --top 100 >"$DB.build.csv" 2>&1
st=$?
t1=$(now)
printf '%-44s %8s ms   (one run; target < 3000 ms; exit %d)\n' \
	"index build sp100ew --top 100 (monthly)" "$(ms "$t0" "$t1")" "$st"
tail -n 1 "$DB.build.csv" | cut -d, -f5-13 | sed 's/^/    first,last,sessions,universe,rebalances,changes,carried,level,return: /'
rm -f "$DB.build.csv"
t0=$(now)
mdx-query --db "$DB" index build sp100d --top 100 --rebalance daily >/dev/null 2>&1
t1=$(now)
printf '%-44s %8s ms   (one run)\n' "index build sp100d --top 100 --rebalance daily" "$(ms "$t0" "$t1")"

if command -v hyperfine >/dev/null 2>&1; then
	hyperfine -N -w 3 -r "$RUNS" "mdx-query --db $DB stats AAPL" 2>/dev/null | sed -n '1,3p'
fi
# the fixed cost of any mdx-query process, to read the figures below by
avg "process start (mdx-query --version)" "" mdx-query --version
avg "stats AAPL (1259 bars)" 20 mdx-query --db "$DB" stats AAPL
avg "stats AAPL MSFT GOOGL AMZN FB" "" mdx-query --db "$DB" stats AAPL MSFT GOOGL AMZN FB
avg "returns AAPL --period weekly" "" mdx-query --db "$DB" returns AAPL --period weekly
avg "resample AAPL --to 1mo" "" mdx-query --db "$DB" resample AAPL --to 1mo
avg "index performance sp100ew (1259 rows)" "" mdx-query --db "$DB" index performance sp100ew
avg "index composition sp100ew (100 rows)" "" mdx-query --db "$DB" index composition sp100ew --date 2016-06-30
avg "index changes sp100ew" "" mdx-query --db "$DB" index changes sp100ew
avg "chart AAPL (text)" "" mdx-query --db "$DB" chart AAPL
avg "chart AAPL -f svg" "" mdx-query --db "$DB" chart AAPL -f svg
