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


# ---- prices as traded in the store, adjusted on read (issue 10) ----
# mdx-replay serves the recorded answers with the Date each was recorded
# with (tests/fixtures/http/*.routes); the store is fed through the whole
# pipeline.  AAPL: Alpha Vantage's daily-adjusted CSV (as traded), then
# Yahoo's 2020 answer (split-adjusted as of its Date, 2021-11-13).
SPID=
replay() {
	[ -n "$SPID" ] && { kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null; }
	rm -f "$T/port"
	"$B/tests/mdx-replay" --port 0 --port-file "$T/port" --routes "$1" --log "$T/replay.log" &
	SPID=$!
	i=0
	while [ ! -s "$T/port" ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i + 1)); done
	RB=http://127.0.0.1:$(cat "$T/port")
}
trap '[ -n "$SPID" ] && kill "$SPID" 2>/dev/null; rm -rf "$T"' EXIT
# yahoo DB ARGS...: extract from the replay server | transform | load
yahoo() {
	db=$1
	shift
	mdx-extract -p yahoo --base-url "$RB" --rate 0 --retries 0 "$@" 2>>"$T/basis.extract" |
		mdx-transform 2>>"$T/basis.transform" | mdx-load --db "$db" 2>"$T/basis.load"
}
PA=$T/basis_aapl.db
mdx-extract --symbol AAPL "$AV" | mdx-transform 2>/dev/null | mdx-load -q --db "$PA"
replay "$FIX/http/providers.routes"
yahoo "$PA" --from 2020-01-01 --to 2020-12-31 AAPL
eq "AV then Yahoo AAPL 2020: loaded" "$?" 0
# the shared days agree on prices (Yahoo x 4 before the split is AV's
# close): no close changed; where the providers' volumes differ the bar
# is updated and its old values kept
# every shared day is updated: Yahoo's adj_close is of a newer answer
# (2021-11-13, with 2021's dividends) than AV's (2020-11-25); 89 of them
# also have other volumes; the prices agree (one close, below)
eq "AV then Yahoo: bars (24 new days, 229 with a newer adj_close)" \
	"$(sed -n 's/^mdx-load: \([0-9]* in, [0-9]* rejected; bars: [^;]*\);.*/\1/p' "$T/basis.load")" \
	"261 in, 0 rejected; bars: 24 inserted, 229 updated, 0 unchanged"
eq "one close changed by the Yahoo load, AV's 115.355 of 2020-09-14 to 115.36" \
	"$(mdx-query --db "$PA" -f csv sql "SELECT r.date, r.close, b.close FROM revisions r JOIN bars b USING (symbol, interval, ts) WHERE abs(r.close / b.close - 1) > 1e-6" | tail -n +2 | tr -d '\r')" \
	"2020-09-14,115.355,115.36000061035156"
eq "returns 2020-08-31: 129.04 / (499.23 / 4) - 1 = +3.39%" \
	"$(mdx-query --db "$PA" -f csv returns AAPL --from 2020-08-27 --to 2020-09-01 | tr -d '\r' | awk -F, '$2 == "2020-08-31" { printf "%.4f %s", $6, $7 }')" \
	"0.0339 total"
eq "the same with --adjust split" \
	"$(mdx-query --db "$PA" -f csv returns AAPL --from 2020-08-31 --to 2020-08-31 --adjust split | awk -F, 'NR == 2 { printf "%.6f", $6 }')" \
	"$(awk 'BEGIN { printf "%.6f", 129.04 / (499.23 / 4) - 1 }')"
eq "no AAPL daily move beyond 20% in 2020" \
	"$(mdx-query --db "$PA" -f csv returns AAPL --from 2020-01-01 --to 2020-12-31 | awk -F, 'NR > 1 && $6 != "" { n++; if ($6 > 0.2 || $6 < -0.2) bad++ } END { print n, bad + 0 }')" \
	"253 0"
eq "as traded without --adjust split: -74.2% on 2020-08-31" \
	"$(mdx-query --db "$PA" -f csv returns AAPL --from 2020-08-31 --to 2020-08-31 --adjust none | awk -F, 'NR == 2 { printf "%.4f", $6 }')" "-0.7415"
eq "bars --adjust none 2020-08-28: 499.23 as traded" \
	"$(mdx-query --db "$PA" bars AAPL --from 2020-08-28 --to 2020-08-28 --adjust none | jqr '[.close,.volume] | @csv')" "499.23,46907479"
eq "bars (default) 2020-08-28: as traded" \
	"$(mdx-query --db "$PA" bars AAPL --from 2020-08-28 --to 2020-08-28 | jqr '.close')" 499.23
eq "bars --adjust split 2020-08-28: 124.8075, volume x 4" \
	"$(mdx-query --db "$PA" bars AAPL --from 2020-08-28 --to 2020-08-28 --adjust split | jqr '[.open,.high,.low,.close,.volume] | @csv')" \
	"126.0125,126.4425,124.5775,124.8075,187629916"
eq "bars --adjust total 2020-08-28: and for the 0.205 of 2020-11-06 (prev close 119.03)" \
	"$(mdx-query --db "$PA" bars AAPL --from 2020-08-28 --to 2020-08-28 --adjust total | jqr '.close' | awk '{ printf "%.6f", $1 }')" \
	"$(awk 'BEGIN { printf "%.6f", 499.23 / 4 * (1 - 0.205 / 119.03) }')"
eq "the 2020-08-07 dividend: 0.82 as paid, once (Yahoo's 0.205 as of 2021-11-13 is the same)" \
	"$(mdx-query --db "$PA" -f csv actions AAPL --from 2020-08-07 --to 2020-08-07 | tail -n +2 | tr -d '\r')" \
	"AAPL,2020-08-07,dividend,,0.82,csv"
eq "AAPL's 2020 actions as paid" \
	"$(mdx-query --db "$PA" -f csv actions AAPL --from 2020-01-01 --to 2020-12-31 | tail -n +2 | cut -d, -f2-5 | tr -d '\r' | tr '\n' ' ')" \
	"2020-02-07,dividend,,0.77 2020-05-08,dividend,,0.82 2020-08-07,dividend,,0.82 2020-08-31,split,4, 2020-11-06,dividend,,0.205 "
eq "the store holds AAPL as traded: close 2020-05-29 317.94, 2020-06-01 321.85" \
	"$(mdx-query --db "$PA" -f csv sql "SELECT group_concat(close, ' ') FROM bars WHERE symbol = 'AAPL' AND date IN ('2020-05-29', '2020-06-01')" | tail -n 1 | tr -d '\r')" \
	"317.94 321.85"
eq "revisions: the AV values of 2020-01-02 replaced by Yahoo's volume" \
	"$(mdx-query --db "$PA" -f csv revisions AAPL --from 2020-01-02 --to 2020-01-02 | tail -n +2 | cut -d, -f1-3,6,8,12,14,15 | tr -d '\r')" \
	"AAPL,1d,2020-01-02,mdx-load,update,300.35,33911864,csv"
eq "revisions: the run that made them is in runs" \
	"$(mdx-query --db "$PA" -f csv sql "SELECT count(DISTINCT r.run_started) FROM revisions r JOIN runs u ON u.tool = r.run_tool AND u.started = r.run_started" | tail -n 1 | tr -d '\r')" 1
yahoo "$PA" --from 2020-01-01 --to 2020-12-31 AAPL
eq "Yahoo AAPL again: nothing changes" \
	"$(sed -n 's/^mdx-load: \([0-9]* in, [0-9]* rejected; bars: [^;]*\);.*/\1/p' "$T/basis.load")" \
	"261 in, 0 rejected; bars: 0 inserted, 0 updated, 253 unchanged"
# check's split rule on an as-traded store: the stored splits explain the
# jumps of AAPL's as-traded closes; a split-adjusted file loaded as traded
# (the Kaggle set's AAPL, adjusted as of 2018-02-07) beside AV's actions is
# flagged at the 7:1 of 2014-06-09
eq "check: AV and Yahoo AAPL as traded, splits stored: no split finding" \
	"$(mdx-query --db "$PA" -f csv check AAPL --kinds split | tail -n +2 | wc -l)" 0
grep -E '^date|,AAPL$' "$K" >"$T/kaggle_aapl.csv"
mdx-extract "$T/kaggle_aapl.csv" 2>/dev/null | mdx-transform 2>/dev/null | mdx-load -q --db "$T/kaggle.db"
mdx-extract --what actions --symbol AAPL "$AV" | mdx-transform 2>/dev/null | mdx-load -q --db "$T/kaggle.db"
eq "check: split-adjusted closes beside a stored split are flagged" \
	"$(mdx-query --db "$T/kaggle.db" -f csv check AAPL --kinds split | tail -n +2 | tr -d '\r')" \
	'AAPL,2014-06-09,split,7,"a 7:1 split is stored for 2014-06-09, but close 93.7 after 92.2242 (x1.0160) shows no such jump: these prices are not as traded"'
mdx-query --db "$PA" -f csv bars AAPL --adjust total >"$T/total.csv"
eq "bars --adjust total over AAPL's whole history: every bar" "$(tail -n +2 "$T/total.csv" | wc -l)" \
	"$(mdx-query --db "$PA" -f csv sql "SELECT count(*) FROM bars" | tail -n 1 | tr -d '\r')"

# AMZN 2020-01-02 recorded 2021-11-21 (1898.01, before the 2022-06-06
# 20:1 split) and 2025-02-20 (94.9005, after it), in either order
A21=$FIX/http/yahoo_amzn_2021.routes
A25=$FIX/http/yahoo_amzn_2025.routes
amzn_split() {
	replay "$FIX/http/providers.routes"
	POLYGON_API_KEY=pg-secret-91c2 mdx-extract -p polygon --base-url "$RB" --rate 0 --what actions AMZN 2>/dev/null |
		mdx-transform 2>/dev/null | mdx-load -q --db "$1"
}
amzn_close() { mdx-query --db "$1" bars AMZN --adjust "$2" | jqr '.close' | awk '{ printf "%.4f", $1 }'; }
amzn_row() { mdx-query --db "$1" -f csv sql "SELECT close, volume, source, updated_at FROM bars WHERE symbol = 'AMZN'" | tail -n 1 | tr -d '\r'; }
for order in "21 25" "25 21"; do
	set -- $order
	db=$T/amzn_$1_$2.db
	first=$(eval echo "\$A$1") second=$(eval echo "\$A$2")
	replay "$first"
	yahoo "$db" --from 2020-01-02 --to 2020-01-02 AMZN
	stored=$(amzn_close "$db" none)
	replay "$second"
	yahoo "$db" --from 2020-01-02 --to 2020-01-02 AMZN
	eq "AMZN $1 then $2, split unknown: the second refused (exit 1)" "$?" 1
	case $1 in
	21) want='close 94.9005 vs stored 1898.01 (x20.0000): a split after 2020-01-02 the store does not know; load AMZN'"'"'s actions first' ;;
	25) want='close 1898.01 vs stored 94.9005 (x0.0500): a split after 2020-01-02 the store does not know; load AMZN'"'"'s actions first' ;;
	esac
	eq "AMZN $1 then $2: the reason names the ratio and the fix" \
		"$(grep -c "field 'close': $want" "$T/basis.load")" 1
	eq "AMZN $1 then $2: the stored bar untouched" "$(amzn_close "$db" none)" "$stored"
	eq "AMZN $1 then $2: no revision" "$(mdx-query --db "$db" -f csv sql 'SELECT count(*) FROM revisions' | tail -n 1 | tr -d '\r')" 0
	amzn_split "$db"
	eq "AMZN $1 then $2, split loaded: close as traded 1898.01" "$(amzn_close "$db" none | awk '{ printf "%.2f", $1 }')" 1898.01
	eq "AMZN $1 then $2, split loaded: --adjust split 94.9005" "$(amzn_close "$db" split)" 94.9005
	eq "AMZN $1 then $2, split loaded: volume as traded 4029000" \
		"$(mdx-query --db "$db" bars AMZN | jqr '.volume')" 4029000
	row=$(amzn_row "$db")
	nrev=$(mdx-query --db "$db" -f csv sql 'SELECT count(*) FROM revisions' | tail -n 1 | tr -d '\r')
	replay "$second"
	yahoo "$db" --from 2020-01-02 --to 2020-01-02 AMZN
	eq "AMZN $1 then $2: the second load now accepted (exit 0)" "$?" 0
	eq "AMZN $1 then $2: and changes no bar" "$(amzn_row "$db")" "$row"
	replay "$first"
	yahoo "$db" --from 2020-01-02 --to 2020-01-02 AMZN
	eq "AMZN $1 then $2: nor does the first again" "$(amzn_row "$db")" "$row"
	eq "AMZN $1 then $2: no revision from either" \
		"$(mdx-query --db "$db" -f csv sql 'SELECT count(*) FROM revisions' | tail -n 1 | tr -d '\r')" "$nrev"
done
eq "AMZN 25 first: the split re-converted the stored bar once, kept in revisions" \
	"$(mdx-query --db "$T/amzn_25_21.db" -f csv revisions AMZN | tail -n +2 | cut -d, -f8,12,14 | tr -d '\r')" \
	"split 2022-06-06,94.90049743652344,80580000"
amzn_split "$T/amzn_25_21.db"
eq "AMZN: the split loaded again applies nothing twice" "$(amzn_close "$T/amzn_25_21.db" none | awk '{ printf "%.2f", $1 }')" 1898.01
kill "$SPID" 2>/dev/null
wait "$SPID" 2>/dev/null
SPID=

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
