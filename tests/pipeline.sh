# tests/pipeline.sh - the whole pipeline on real data: extract | transform |
# load, then mdx-query, asserting true values from the files.
. tests/lib.sh

DB=$T/m.db
AV="$FIX/alphavantage/TIME_SERIES_DAILY_ADJUSTED_AAPL_full_1999-11-01_2020-11-25.csv"
K="$FIX/csv/all_stocks_5yr_AAPL_MSFT_DHR_AOS.csv"
Y="$FIX/csv/yahoo_download_AAPL_2022-01-03_2023-05-31.csv"

pipe() { mdx-extract "$@" | mdx-transform 2>>"$T/rejects.log" | mdx-load --db "$DB" 2>>"$T/load.log"; }

# Alpha Vantage daily adjusted, full history (5303 rows, newest first, CRLF)
pipe --symbol AAPL "$AV"
eq "av bars stored" "$(mdx-query --db "$DB" sql "SELECT count(*) AS n FROM bars WHERE symbol='AAPL' AND date <= '2020-11-25' AND date >= '1999-11-01'" -f csv | tail -n 1 | tr -d '\r')" 5303
eq "4:1 split 2020-08-31" "$(mdx-query --db "$DB" sql "SELECT value FROM actions WHERE symbol='AAPL' AND kind='split' AND date='2020-08-31'" -f csv | tail -n 1 | tr -d '\r')" 4
eq "7:1 split 2014-06-09" "$(mdx-query --db "$DB" sql "SELECT value FROM actions WHERE symbol='AAPL' AND kind='split' AND date='2014-06-09'" -f csv | tail -n 1 | tr -d '\r')" 7
eq "all four splits" "$(mdx-query --db "$DB" sql "SELECT date || ':' || value AS s FROM actions WHERE kind='split' ORDER BY date" -f csv | tail -n +2 | tr -d '\r' | tr '\n' ' ')" "2000-06-21:2.0 2005-02-28:2.0 2014-06-09:7.0 2020-08-31:4.0 "
eq "dividends stored" "$(mdx-query --db "$DB" sql "SELECT count(*) FROM actions WHERE kind='dividend'" -f csv | tail -n 1 | tr -d '\r')" 34
eq "close 2020-08-31 (first day after the split)" "$(mdx-query --db "$DB" bars AAPL --from 2020-08-31 --to 2020-08-31 | jqr '[.close,.adj_close,.volume] | @csv')" "129.04,128.817507885,223505733"
eq "close 1999-11-01" "$(mdx-query --db "$DB" bars AAPL --from 1999-11-01 --to 1999-11-01 | jqr '.close')" 77.62

# the Yahoo download for 2022-2023 updates nothing it shares and adds the rest
pipe --symbol AAPL "$Y"
eq "yahoo bars" "$(mdx-query --db "$DB" bars AAPL --from 2022-01-01 | grep -c '"type":"bar"')" 354
eq "yahoo close 2023-05-31" "$(mdx-query --db "$DB" bars AAPL --from 2023-05-31 | jqr '.close')" 177.25

# loading the same files again inserts and updates no bar (only the two
# upstream run records of each load are new; 5657 bars and 38 actions stay)
pipe --symbol AAPL "$AV"; pipe --symbol AAPL "$Y"
eq "second run inserts no bars" "$(mdx-query --db "$DB" sql "SELECT sum(inserted), sum(updated), sum(unchanged) FROM runs WHERE tool='mdx-load' AND id > 6" -f csv | tail -n 1 | tr -d '\r')" "0,0,5657"
eq "second run: the actions unchanged, the upstream runs recorded" "$(mdx-query --db "$DB" sql "SELECT sum(json_extract(detail, '$.kinds.actions.unchanged')), sum(json_extract(detail, '$.kinds.runs.inserted')) FROM runs WHERE tool='mdx-load' AND id > 6" -f csv | tail -n 1 | tr -d '\r')" "38,4"
eq "bar count unchanged" "$(mdx-query --db "$DB" sql "SELECT count(*) FROM bars" -f csv | tail -n 1 | tr -d '\r')" 5657
eq "runs by tool" "$(mdx-query --db "$DB" sql "SELECT tool, count(*) FROM runs GROUP BY tool ORDER BY tool" -f csv | tail -n +2 | tr -d '\r' | tr '\n' ' ')" "mdx-extract,4 mdx-load,4 mdx-transform,4 "

# Kaggle layout with real bad rows: rejected with reasons, the rest loaded
# (its own store: its AAPL prices differ from Alpha Vantage's)
DB=$T/k.db
pipe "$K"
eq "kaggle rejects" "$(grep -c 'stdin>:' "$T/rejects.log")" 4
eq "kaggle bars per symbol (rows less rejects)" "$(mdx-query --db "$DB" symbols AAPL AOS DHR MSFT -f csv | tail -n +2 | tr -d '\r' | cut -d, -f1,5 | tr '\n' ' ')" "AAPL,1259 AOS,1258 DHR,1240 MSFT,1259 "
eq "MSFT close 2018-02-07" "$(mdx-query --db "$DB" bars MSFT --from 2018-02-07 | jqr '.close')" 89.61

# the full all_stocks_5yr file, when ../shared/data is here (normal build only:
# under the sanitizers it is slow and the fixture runs above cover the code)
FULL=../shared/data/csv/all_stocks_5yr.csv
case $MDX_BUILD in *san*) FULL="" ;; esac
if [ -n "$FULL" ] && [ -f "$FULL" ]; then
	F=$T/full.db
	mdx-extract "$FULL" | mdx-transform 2>"$T/full.rej" | mdx-load --db "$F" 2>"$T/full.load"
	eq "full file: every valid bar loaded" "$(mdx-query --db "$F" sql "SELECT count(*) FROM bars" -f csv | tail -n 1 | tr -d '\r')" $((619040 - 23))
	eq "full file: every invalid one rejected with a reason" "$(grep -c 'stdin>:[0-9]*: ' "$T/full.rej")" 23
	mdx-extract "$FULL" | mdx-transform 2>/dev/null | mdx-load --db "$F" 2>"$T/full.load2"
	ok "full file: second run inserts and updates no bar" grep -q '; bars: 0 inserted, 0 updated, 619017 unchanged; runs: 2 recorded; ' "$T/full.load2"
	eq "full file: a close on a date" "$(mdx-query --db "$F" bars ZTS --from 2018-02-07 | jqr '[.open,.high,.low,.close,.volume] | @csv')" "72.7,75,72.69,73.86,4534912"
	eq "full file: symbols" "$(mdx-query --db "$F" symbols -f csv | tail -n +2 | wc -l)" 505
else
	echo "pipeline: skipping the full all_stocks_5yr run (no ../shared/data, or a sanitizer build)"
fi

# make install puts programs and man pages where they belong
if [ "${MDX_BUILD#*san}" = "$MDX_BUILD" ]; then
	ok "make install" make -s install PREFIX=/usr DESTDIR="$T/root" BUILD="$MDX_BUILD"
	ok "installed program runs" "$T/root/usr/bin/mdx-query" -V
	ok "installed man pages" test -f "$T/root/usr/share/man/man1/mdx-extract.1" -a -f "$T/root/usr/share/man/man5/mdx-records.5" -a -f "$T/root/usr/share/man/man7/mdx.7"
fi
# ---- issue 15: round trip of the number policy.  Every canonical bar
# mdx-transform writes is read back by mdx-load to the same stored values,
# and mdx-query writes it again: the same values (jq's reading), and the
# same text but for one known difference, a whole price (transform's
# "172.0", mdx-query's "172"), which the unification of the number policy
# (another issue) is to remove; and "basis", which mdx-query leaves out
for f in "$Y" "$AV"; do
	n=$(basename "$f")
	rm -f "$T/rt.db"*
	# "basis" (how the prices are adjusted) is not echoed by mdx-query
	mdx-extract --symbol AAPL "$f" 2>/dev/null | mdx-transform 2>/dev/null | grep '"type":"bar"' |
		sed 's/,"basis":"[a-z_]*"//' >"$T/rt.t"
	mdx-load -q --db "$T/rt.db" "$T/rt.t"
	mdx-query --db "$T/rt.db" -f ndjson bars AAPL >"$T/rt.q"
	sort "$T/rt.t" >"$T/rt.ts"
	sort "$T/rt.q" >"$T/rt.qs"
	eq "round trip $n: every bar back" "$(wc -l <"$T/rt.q" | tr -d ' ')" "$(wc -l <"$T/rt.t" | tr -d ' ')"
	jq -c . "$T/rt.qs" >"$T/rt.qj"
	eq "round trip $n: the same values" "$(jq -c . "$T/rt.ts" | cmp -s - "$T/rt.qj" && echo same)" same
	eq "round trip $n: the same text but whole prices" \
	 "$(sed 's/\([0-9]\)\.0\([,}]\)/\1\2/g' "$T/rt.ts" | cmp -s - "$T/rt.qs" && echo same)" same
done
finish
