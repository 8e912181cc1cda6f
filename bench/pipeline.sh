#!/bin/sh
# bench/pipeline.sh - the pipeline at the speed of its parts (issue 14): run
# by bench/run.sh (`sh bench/pipeline.sh DBFILE`; DBFILE is not used), or
# alone.  On all_stocks_5yr.csv, in one run:
#
#   - each stage's CPU time (user + sys, GNU time) and wall time, and the
#     whole pipeline's, against sqlite3's bare `.import` of the same CSV;
#   - mdx-transform and mdx-load against the floor of an NDJSON stage,
#     bench/jsonfloor (bare json_loadb + json_decref of the same lines);
#   - mdx-load against `sqlite-utils upsert --nl`, and a re-load of the
#     same (unchanged) bars against the first load;
#   - each stage's peak RSS on the file and on a 10x larger one (the file
#     ten times over; BENCH_BIG=0 leaves that out);
#   - with MDX_BASE=DIR (the binaries of an earlier commit, e.g. main
#     built in a worktree beside this one): its figures beside these, and
#     the diffs of the two pipelines' stores (the bars table without
#     created_at and updated_at) and of their rejects (mdx-transform
#     --rejects records and messages).  Both must be empty.
#
# Wall times are noisy on a shared machine: CPU times are the figures to
# compare.  Prints figures; asserts nothing (timed tests are not tests).
#   MDX_BUILD   binaries (default build)
#   MDX_BASE    binaries to compare with (default: none)
#   MDX_SHARED  the shared data directory (default ../shared/data)
set -u
cd "$(dirname "$0")/.." || exit 2
B=${MDX_BUILD:-build}
case $B in /*) ;; *) B=$(pwd)/$B ;; esac
BASE=${MDX_BASE:-}
SHARED=${MDX_SHARED:-../shared/data}
CSV=$SHARED/csv/all_stocks_5yr.csv
FLOOR=$B/bench/jsonfloor
echo "== pipeline vs its parts (issue 14): CPU = user+sys s, wall s, RSS MB"
if [ ! -f "$CSV" ]; then
	echo "bench: $CSV not found; skipping"
	exit 0
fi
if [ ! -x "$FLOOR" ]; then
	echo "bench: $FLOOR missing (make bench builds it); skipping"
	exit 0
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# run NAME CMD...: time CMD (stdin, stdout as redirected by the caller);
# leaves "wall cpu rss_mb" in $T/NAME.t
run() {
	_n=$1
	shift
	/usr/bin/time -f '%e %U %S %M' -o "$T/$_n.raw" "$@"
	# the last line: GNU time puts "Command exited with ..." before it
	tail -n 1 "$T/$_n.raw" |
		awk '{printf "%.2f %.2f %.1f\n", $1, $2 + $3, $4 / 1024}' \
			>"$T/$_n.t"
}
wall() { cut -d' ' -f1 "$T/$1.t"; }
cpu() { cut -d' ' -f2 "$T/$1.t"; }
rss() { cut -d' ' -f3 "$T/$1.t"; }
ratio() { awk "BEGIN{printf \"%.2f\", $1 / $2}"; }

# stages NAME BINDIR: each stage alone, then the whole pipeline
stages() {
	n=$1 d=$2
	run "$n.ex" "$d/mdx-extract" -p csv "$CSV" >"$T/$n.ex.ndjson" \
		2>/dev/null
	run "$n.tr" "$d/mdx-transform" --rejects "$T/$n.rej.ndjson" \
		"$T/$n.ex.ndjson" >"$T/$n.tr.ndjson" 2>"$T/$n.tr.err"
	grep -v '"type":"run"' "$T/$n.tr.ndjson" >"$T/$n.bars.ndjson"
	rm -f "$T/$n.l.db"*
	run "$n.ld" "$d/mdx-load" -q --db "$T/$n.l.db" "$T/$n.bars.ndjson"
	run "$n.rl" "$d/mdx-load" -q --db "$T/$n.l.db" "$T/$n.bars.ndjson"
	rm -f "$T/$n.l.db"* "$T/$n.p.db"*
	# the whole pipeline: wall time of the three, CPU time summed
	t0=$(date +%s.%N)
	{ run "$n.pex" "$d/mdx-extract" -p csv "$CSV" 2>/dev/null |
		run "$n.ptr" "$d/mdx-transform" --rejects "$T/$n.prej.ndjson" \
			2>"$T/$n.ptr.err" |
		run "$n.pld" "$d/mdx-load" -q --db "$T/$n.p.db"; }
	t1=$(date +%s.%N)
	awk "BEGIN{printf \"%.2f %.2f 0\n\", $t1 - $t0, \
		$(cpu "$n.pex") + $(cpu "$n.ptr") + $(cpu "$n.pld")}" \
		>"$T/$n.pipe.t"
}

# the floors and the peers, once
rm -f "$T/s.db"
run sqlite sqlite3 "$T/s.db" ".import --csv $CSV bars"
stages new "$B"
run floor_ex "$FLOOR" "$T/new.ex.ndjson" >/dev/null
run floor_tr "$FLOOR" "$T/new.bars.ndjson" >/dev/null
[ -n "$BASE" ] && stages base "$BASE"

echo "input: $CSV ($(($(wc -l <"$CSV") - 1)) rows)"
echo "sqlite3 .import: wall $(wall sqlite), CPU $(cpu sqlite)"
echo "jsonfloor: extract's output CPU $(cpu floor_ex), transform's CPU $(cpu floor_tr)"
printf '%-22s %18s' stage "now (CPU wall RSS)"
[ -n "$BASE" ] && printf ' %20s' "before (CPU wall RSS)"
echo
for s in ex:mdx-extract tr:mdx-transform ld:"mdx-load (new store)" \
	rl:"mdx-load (re-load)" pipe:"whole pipeline"; do
	k=${s%%:*}
	printf '%-22s %18s' "${s#*:}" "$(cpu new.$k) $(wall new.$k) $(rss new.$k)"
	[ -n "$BASE" ] &&
		printf ' %20s' "$(cpu base.$k) $(wall base.$k) $(rss base.$k)"
	echo
done

echo "-- targets (issue 14)"
echo "pipeline / sqlite3 .import: wall $(ratio "$(wall new.pipe)" "$(wall sqlite)")x, CPU $(ratio "$(cpu new.pipe)" "$(cpu sqlite)")x (target <= 4x)"
[ -n "$BASE" ] &&
	echo "pipeline / sqlite3 .import before: wall $(ratio "$(wall base.pipe)" "$(wall sqlite)")x, CPU $(ratio "$(cpu base.pipe)" "$(cpu sqlite)")x"
[ -n "$BASE" ] &&
	echo "mdx-extract -p csv: $(ratio "$(cpu base.ex)" "$(cpu new.ex)")x faster than before, CPU (target >= 3x)"
echo "mdx-transform / jsonfloor: CPU $(ratio "$(cpu new.tr)" "$(cpu floor_ex)")x (target <= 1.5x)"
echo "mdx-load / jsonfloor: CPU $(ratio "$(cpu new.ld)" "$(cpu floor_tr)")x (target <= 1.5x)"
[ -n "$BASE" ] &&
	echo "before: mdx-transform $(ratio "$(cpu base.tr)" "$(cpu floor_ex)")x, mdx-load $(ratio "$(cpu base.ld)" "$(cpu floor_tr)")x the floor"
echo "re-load vs first load: $(ratio "$(wall new.ld)" "$(wall new.rl)")x faster wall, $(ratio "$(cpu new.ld)" "$(cpu new.rl)")x CPU (target >= 2x)"
if command -v sqlite-utils >/dev/null 2>&1; then
	rm -f "$T/su.db"
	run su sqlite-utils upsert --nl "$T/su.db" bars "$T/new.bars.ndjson" \
		--pk symbol --pk interval --pk ts >/dev/null
	echo "sqlite-utils upsert --nl: wall $(wall su), CPU $(cpu su); mdx-load $(ratio "$(wall su)" "$(wall new.ld)")x faster wall, $(ratio "$(cpu su)" "$(cpu new.ld)")x CPU (target >= 10x)"
else
	echo "sqlite-utils not installed (Debian package sqlite-utils): that ratio skipped"
fi

if [ "${BENCH_BIG:-1}" != 0 ]; then
	# ten times the rows: the file ten times over, each copy with its
	# own symbols (a suffix), so that every bar is a new key
	{
		head -n 1 "$CSV"
		for i in 0 1 2 3 4 5 6 7 8 9; do
			tail -n +2 "$CSV" | sed "s/,\([A-Z.]*\)\r\{0,1\}\$/,\1X$i/"
		done
	} >"$T/big.csv"
	rm -f "$T/big.db"*
	run big.ex "$B/mdx-extract" -p csv "$T/big.csv" 2>/dev/null |
		run big.tr "$B/mdx-transform" 2>/dev/null |
		run big.ld "$B/mdx-load" -q --db "$T/big.db"
	rm -f "$T/big.db"* "$T/big.csv"
	echo "peak RSS MB, $(($(wc -l <"$CSV") - 1)) rows -> 10x: mdx-extract $(rss new.ex) -> $(rss big.ex), mdx-transform $(rss new.tr) -> $(rss big.tr), mdx-load $(rss new.ld) -> $(rss big.ld) (target < 32, flat)"
else
	echo "peak RSS MB: mdx-extract $(rss new.ex), mdx-transform $(rss new.tr), mdx-load $(rss new.ld) (target < 32; BENCH_BIG=0: no 10x run)"
fi

if [ -n "$BASE" ]; then
	# the stores without their clocks, the rejects without the input
	# name (a file for one, <stdin> in the pipeline: both the same here)
	cols="symbol, interval, ts, date, open, high, low, close, adj_close,
	      volume, vwap, trades, session, phase, source, basis,
	      basis_as_of, split_factor"
	for n in new base; do
		sqlite3 "$T/$n.p.db" "SELECT $cols FROM bars ORDER BY symbol,
			interval, ts" >"$T/$n.store"
		sqlite3 "$T/$n.p.db" "SELECT symbol, interval, ts, reason FROM
			revisions ORDER BY 1, 2, 3" >>"$T/$n.store" 2>/dev/null
		cat "$T/$n.prej.ndjson" "$T/$n.rej.ndjson" "$T/$n.tr.err" \
			"$T/$n.ptr.err" | sed "s|$T/$n.ex.ndjson|INPUT|g" \
			>"$T/$n.rejects"
	done
	if cmp -s "$T/new.store" "$T/base.store"; then
		sd=empty
	else
		sd="NOT EMPTY ($(diff "$T/base.store" "$T/new.store" | grep -c '^[<>]') lines)"
	fi
	if cmp -s "$T/new.rejects" "$T/base.rejects"; then
		rd=empty
	else
		rd="NOT EMPTY ($(diff "$T/base.rejects" "$T/new.rejects" | grep -c '^[<>]') lines)"
	fi
	echo "store diff: $sd ($(wc -l <"$T/new.store") rows), rejects diff: $rd ($(wc -l <"$T/new.prej.ndjson") rejects)"
	grep -v '"type":"run"' "$T/new.ex.ndjson" >"$T/a"
	grep -v '"type":"run"' "$T/base.ex.ndjson" >"$T/b"
	cmp -s "$T/a" "$T/b" && echo "mdx-extract output diff: empty" ||
		echo "mdx-extract output diff: NOT EMPTY"
	grep -v '"type":"run"' "$T/base.tr.ndjson" >"$T/b"
	cmp -s "$T/new.bars.ndjson" "$T/b" && echo "mdx-transform output diff: empty" ||
		echo "mdx-transform output diff: NOT EMPTY"
fi
