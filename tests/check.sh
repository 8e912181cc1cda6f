#!/bin/sh
# tests/check.sh - mdx-query calendar and check (lib/check.c).
#
# Run from the top of the tree with MDX_BUILD=build (where the binaries
# are).  First the stores: real rows from tests/fixtures (PROVENANCE.md)
# through mdx-extract | mdx-transform | mdx-load, some with defects made on
# purpose (make_stores below says which and where).  Then each directory
# under tests/cases/check/ is a case, run in order:
#
#   args      the arguments of mdx-query, one a line; "@NAME" stands for
#             the database file of store NAME
#   out       expected standard output, exactly (default: empty)
#   filter    a shell command that standard output goes through first
#   status    expected exit status (default 0)
#   err       expected standard error, exactly (default: empty)
#   err.head  or: expected first lines of standard error (usage errors)
#
# A death by a signal always fails.  MDX_TEST_BLESS=1 writes what was seen
# as the expected files (review them before committing).  Scripted checks
# follow: calendar needs no store, its default month, allocation failures,
# and, with
# ../shared/data (MDX_SHARED), every date of all_stocks_5yr.csv is a
# session and the whole all_stocks_5yr store reports exactly
# tests/cases/check/full.tsv.  Building that store takes ~10 s, so a
# sanitizer run (MDX_BUILD containing "san") skips it unless
# MDX_CHECK_FULL=1, and builds every store with the normal build's
# programs when there is one: only mdx-query is under test.
set -u

B=${MDX_BUILD:-build}
QUERY=$B/mdx-query
CASES=tests/cases/check
FIX=tests/fixtures
SHARED=${MDX_SHARED:-../shared/data}
BLESS=${MDX_TEST_BLESS:-0}

for bin in mdx-extract mdx-transform mdx-load mdx-query; do
	if [ ! -x "$B/$bin" ]; then
		echo "check.sh: $B/$bin not built" >&2
		exit 2
	fi
done
unset COLUMNS MDX_DB
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mdx-check-test.XXXXXX") || exit 2
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

# the programs that build the stores: this build's, except that a sanitizer
# run takes the normal build's when there is one (three times faster; only
# mdx-query is under test here)
P=$B
case $B in *san*) [ -x build/mdx-load ] && P=build ;; esac

# xt OUT CSV TOPT [extract options]: CSV's canonical records into OUT,
# through mdx-extract and mdx-transform (with option TOPT, or "")
xt() {
	out=$1 csv=$2 topt=$3
	shift 3
	# shellcheck disable=SC2086
	"$P/mdx-extract" "$@" "$csv" 2>/dev/null |
		"$P/mdx-transform" $topt 2>/dev/null >"$out"
}

# load NAME FILE...: a new store NAME of the NDJSON files
load() {
	name=$1
	shift
	rm -f "$tmp/$name.db"*
	cat "$@" | "$P/mdx-load" -q --db "$tmp/$name.db" || {
		echo "check.sh: cannot build store $name" >&2
		exit 2
	}
}

# the rows of the fixture (date,open,high,low,close,volume,Name) of the
# symbols named, header kept
rows_of() {
	awk -F, -v want="$*" 'BEGIN { n = split(want, w, " ");
		for (i = 1; i <= n; i++) keep[w[i]] = 1 }
		NR == 1 || ($7 in keep)' \
		"$FIX/csv/all_stocks_5yr_AAPL_MSFT_DHR_AOS.csv"
}

make_stores() {
	# clean: AAPL and MSFT as they are; real: DHR and AOS, whose real
	# bad rows mdx-transform rejects (PROVENANCE.md), leaving gaps
	rows_of AAPL MSFT >"$tmp/clean.csv"
	rows_of DHR AOS >"$tmp/real.csv"
	xt "$tmp/clean.ndjson" "$tmp/clean.csv" ""
	xt "$tmp/real.ndjson" "$tmp/real.csv" ""
	load clean "$tmp/clean.ndjson"
	load real "$tmp/real.ndjson"

	# made: the clean rows with four defects made on purpose
	#   a gap       AAPL 2015-03-02 to 2015-03-04 (3 sessions) deleted
	#   stale       MSFT ends 2018-01-24, 10 sessions before the store
	#   an outlier  AAPL 2016-06-15: open, high, low, close times 1.3 (a
	#               bad print that is consistent in itself)
	#   a split     AAPL from 2017-06-01 on: prices / 4, volume * 4, as
	#               an unadjusted 4:1 split would leave them
	awk -F, 'BEGIN { OFS = "," }
		NR == 1 { print; next }
		$7 == "AAPL" && $1 >= "2015-03-02" && $1 <= "2015-03-04" { next }
		$7 == "MSFT" && $1 > "2018-01-24" { next }
		$7 == "AAPL" && $1 == "2016-06-15" {
			for (i = 2; i <= 5; i++) $i = sprintf("%.10g", $i * 1.3)
		}
		$7 == "AAPL" && $1 >= "2017-06-01" {
			for (i = 2; i <= 5; i++) $i = sprintf("%.10g", $i / 4)
			$6 = $6 * 4
		}
		{ print }' "$tmp/clean.csv" >"$tmp/made.csv"
	xt "$tmp/made.ndjson" "$tmp/made.csv" ""
	load made "$tmp/made.ndjson"
	# made_act: the same with the split stored as an action
	printf '%s\n' '{"type":"action","symbol":"AAPL","date":"2017-06-01","kind":"split","ratio":4}' \
		>"$tmp/split.ndjson"
	load made_act "$tmp/made.ndjson" "$tmp/split.ndjson"

	# made2: MSFT with volume 0 on 2014-03-03..05 (3 bars) and on
	# 2015-06-01..02 (2 bars); its 2016-01-08 bar copied to Saturday
	# 2016-01-09 and to 2016-01-18 (Martin Luther King, Jr. Day), kept by
	# --allow-non-session; and 1m bars, copied from the last line of
	# tests/fixtures/stats/MSFT_1min_2020-11-27_2020-11-30.csv, at
	# 2020-11-26 10:00 (Thanksgiving), 2020-11-27 03:59 and 18:30 (outside
	# 04:00-17:00 on an early close) and 16:59 (post-market: fine)
	rows_of MSFT | awk -F, 'BEGIN { OFS = "," }
		$1 >= "2014-03-03" && $1 <= "2014-03-05" { $6 = 0 }
		$1 >= "2015-06-01" && $1 <= "2015-06-02" { $6 = 0 }
		{ print }
		$1 == "2016-01-08" { $1 = "2016-01-09"; print;
			$1 = "2016-01-18"; print }' >"$tmp/made2.csv"
	line=$(tail -n 1 "$FIX/stats/MSFT_1min_2020-11-27_2020-11-30.csv" |
		cut -d, -f2-)
	{
		echo time,open,high,low,close,volume
		for t in "2020-11-26 10:00:00" "2020-11-27 03:59:00" \
			"2020-11-27 16:59:00" "2020-11-27 18:30:00"; do
			echo "$t,$line"
		done
	} >"$tmp/made2_1m.csv"
	xt "$tmp/made2.ndjson" "$tmp/made2.csv" --allow-non-session
	xt "$tmp/made2_1m.ndjson" "$tmp/made2_1m.csv" "" --symbol MSFT \
		--interval 1m
	load made2 "$tmp/made2.ndjson" "$tmp/made2_1m.ndjson"

	# av: AAPL's real Alpha Vantage daily history 1999-11-01..2020-11-25,
	# unadjusted closes with adjusted_close and split_coefficient (splits
	# 2000-06-21 2:1, 2005-02-28 2:1, 2014-06-09 7:1, 2020-08-31 4:1): as
	# it is; without its action records; without adj_close; without both
	xt "$tmp/av.ndjson" \
		"$FIX/alphavantage/TIME_SERIES_DAILY_ADJUSTED_AAPL_full_1999-11-01_2020-11-25.csv" \
		"" --symbol AAPL
	grep -v '"type":"action"' "$tmp/av.ndjson" >"$tmp/av_noact.ndjson"
	sed 's/"adj_close":[0-9.e+-]*/"adj_close":null/' "$tmp/av.ndjson" \
		>"$tmp/av_noadj.ndjson"
	grep -v '"type":"action"' "$tmp/av_noadj.ndjson" \
		>"$tmp/av_noact_noadj.ndjson"
	for v in av av_noact av_noadj av_noact_noadj; do
		load "$v" "$tmp/$v.ndjson"
	done
}

make_stores

for dir in "$CASES"/*/; do
	dir=${dir%/}
	name=${dir##*/}
	set -- "$QUERY"
	while IFS= read -r a; do
		case $a in @*) a=$tmp/${a#@}.db ;; esac
		set -- "$@" "$a"
	done <"$dir/args"
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
	sed "s|$tmp/||g" "$tmp/err" >"$tmp/err.s"
	mv "$tmp/err.s" "$tmp/err"
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
	if [ "$BLESS" = 1 ]; then
		if [ "$st" != 0 ]; then echo "$st" >"$dir/status"; else rm -f "$dir/status"; fi
	fi
done

# calendar opens no store: a --db that does not exist is no error
if "$QUERY" --db "$tmp/none/market.db" calendar --from 2024-07-01 \
	--to 2024-07-05 -f csv >"$tmp/out" 2>"$tmp/err" &&
	[ "$(wc -l <"$tmp/out")" = 5 ] && [ ! -s "$tmp/err" ]; then
	ok
else
	bad "calendar without a store: $(cat "$tmp/err")"
fi

# no dates: the current month in New York, first day to last
month=$(TZ=America/New_York date +%Y-%m)
"$QUERY" calendar --all -f csv >"$tmp/out" 2>"$tmp/err"
first=$(sed -n 2p "$tmp/out" | cut -c1-7)
last=$(tail -n 1 "$tmp/out" | cut -c1-7)
if [ "$first" = "$month" ] && [ "$last" = "$month" ] &&
	[ "$(($(wc -l <"$tmp/out") - 1))" -ge 20 ]; then
	ok
else
	bad "calendar default month: $first .. $last, want $month"
fi

# allocation failures (MDX_FAIL_ALLOC, the seam of lib/alloc.c): each
# allocation of calendar (its first 30: setup, the first rows; the rows
# after repeat them) and of check made to fail in turn, up to the first run
# that completes (status 0 or 1); a clean failure or success, never a
# signal or a sanitizer's report (leaks included)
for cmd in "30 calendar --from 2024-12-24 --to 2024-12-25 --all" \
	"100 --db $tmp/made_act.db check"; do
	max=${cmd%% *}
	cmd=${cmd#* }
	n=1 badn=0
	while [ $n -le "$max" ]; do
		# shellcheck disable=SC2086
		MDX_FAIL_ALLOC=$n "$QUERY" $cmd >/dev/null 2>"$tmp/err"
		st=$?
		if [ $st -gt 128 ] || grep -q Sanitizer "$tmp/err"; then
			badn=$n
			break
		fi
		[ $st -le 1 ] && break
		n=$((n + 1))
	done
	if [ $badn = 0 ]; then
		ok
	else
		bad "$cmd: allocation $badn: status $st: $(head -c 300 "$tmp/err")"
	fi
done

# adj_close: Alpha Vantage's adjusted close of AAPL (as of the file's last
# day, 2020-11-25) agrees with the factors of the actions the same file
# gives (4 splits, 65 dividends); without the 7:1 split of 2014-06-09 every
# earlier bar disagrees, reported as one run
AV=$FIX/alphavantage/TIME_SERIES_DAILY_ADJUSTED_AAPL_full_1999-11-01_2020-11-25.csv
xt "$tmp/av.ndjson" "$AV" "" -p csv --symbol AAPL --basis-as-of 2020-11-25
load av "$tmp/av.ndjson"
"$QUERY" --db "$tmp/av.db" check AAPL --kinds adj_close -f tsv >"$tmp/out" 2>"$tmp/err"
st=$?
if [ "$st" = 0 ] && [ "$(cat "$tmp/out")" = "$(printf 'symbol\tdate\tkind\tvalue\tdetail')" ]; then
	ok
else
	bad "adj_close on AV's AAPL: status $st: $(cat "$tmp/out" "$tmp/err")"
fi
sqlite3 "$tmp/av.db" "DELETE FROM actions WHERE symbol = 'AAPL' AND date = '2014-06-09' AND kind = 'split'"
"$QUERY" --db "$tmp/av.db" check AAPL --kinds adj_close -f tsv >"$tmp/out" 2>"$tmp/err"
st=$?
got=$(sed 1d "$tmp/out" | cut -f1-3)
val=$(sed 1d "$tmp/out" | cut -f4)
if [ "$st" = 1 ] && [ "$got" = "$(printf 'AAPL\t1999-11-01\tadj_close')" ] &&
	awk -v v="$val" 'BEGIN { exit !(v > 0.857 && v < 0.858) }' &&
	grep -q "by up to 85.72% on 3672 bars, 1999-11-01 to 2014-06-06 (adjusted as of 2020-11-25): an action missing or wrong in the store or in the provider's answer\$" "$tmp/out"; then
	ok
else
	bad "adj_close without the 2014 split: status $st: $(cat "$tmp/out" "$tmp/err")"
fi

# the real data set, when there is one
CSV=$SHARED/csv/all_stocks_5yr.csv
if [ ! -f "$CSV" ]; then
	echo "check.sh: $CSV not found; skipping the all_stocks_5yr checks"
else
	# every date in it is a session, and every session of its range is in
	# it (505 symbols: some trades each session)
	cut -d, -f1 "$CSV" | sed 1d | sort -u >"$tmp/dates"
	"$QUERY" calendar --from "$(head -n 1 "$tmp/dates")" \
		--to "$(tail -n 1 "$tmp/dates")" -f csv | sed 1d |
		cut -d, -f1 >"$tmp/sessions"
	if cmp -s "$tmp/dates" "$tmp/sessions" &&
		[ "$(wc -l <"$tmp/dates")" = 1259 ]; then
		ok
	else
		bad "all_stocks_5yr dates and NYSE sessions differ:"
		diff "$tmp/dates" "$tmp/sessions" | head -n 10 >&2
	fi
	# the whole store takes ~10 s to build and adds nothing a sanitizer
	# run needs that the cases above do not give (it passed under
	# ASan/UBSan when written): skipped there unless MDX_CHECK_FULL=1
	case $B in
	*san*) [ "${MDX_CHECK_FULL:-0}" = 1 ] || skipfull=1 ;;
	esac
	if [ "${skipfull:-0}" = 1 ]; then
		echo "check.sh: sanitizer build: skipping the whole all_stocks_5yr store (MDX_CHECK_FULL=1 to run it)"
	elif [ ! -x "$P/mdx-load" ]; then
		echo "check.sh: $P not built: skipping the whole all_stocks_5yr store"
	else
		full=$tmp/full.db
		"$P/mdx-extract" "$CSV" 2>/dev/null | "$P/mdx-transform" 2>/dev/null |
			"$P/mdx-load" -q --db "$full"
		t0=$(date +%s.%N)
		"$QUERY" --db "$full" check -f tsv >"$tmp/full.out" 2>"$tmp/err"
		st=$?
		t1=$(date +%s.%N)
		echo "check.sh: check on the whole all_stocks_5yr store: $(awk "BEGIN { printf \"%.2f\", $t1 - $t0 }") s ($B)"
		cut -f1-4 "$tmp/full.out" >"$tmp/full.tsv"
		if [ "$st" = 1 ] && same "$CASES/full.tsv" "$tmp/full.tsv"; then
			ok
		else
			bad "all_stocks_5yr store: status $st, findings differ from $CASES/full.tsv"
			sed 's/^/    /' "$tmp/err" >&2
		fi
		# the missing sessions, counted another way: per symbol, the
		# store's dates between its first and last bar that it lacks (the
		# store's dates are the sessions: checked above)
		"$QUERY" --db "$full" sql "WITH d AS MATERIALIZED (SELECT DISTINCT date FROM bars),
			s AS (SELECT symbol, min(date) AS lo, max(date) AS hi,
				count(*) AS n FROM bars GROUP BY symbol)
			SELECT symbol, (SELECT count(*) FROM d WHERE date BETWEEN lo AND hi) - n AS m
			FROM s WHERE m > 0 ORDER BY symbol" -f tsv | sed 1d >"$tmp/sql_missing"
		awk -F'\t' '$3 == "missing" { m[$1] += $4 }
			END { for (s in m) print s "\t" m[s] }' "$tmp/full.out" |
			sort >"$tmp/check_missing"
		if cmp -s "$tmp/sql_missing" "$tmp/check_missing" &&
			[ -s "$tmp/sql_missing" ]; then
			ok
		else
			bad "all_stocks_5yr missing sessions: check and SQL disagree"
			diff "$tmp/sql_missing" "$tmp/check_missing" | head >&2
		fi
	fi
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
