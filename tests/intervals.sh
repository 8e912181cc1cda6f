# tests/intervals.sh - every interval of Yahoo's chart API (1m 2m 5m 15m
# 30m 60m 90m 1h 1d 5d 1wk 1mo 3mo; issue 11) through each tool: the
# requests mdx-extract makes of each provider (--dry-run, and Yahoo's
# through tests/tools/mdx-replay: no recording of a 2m, 90m, 5d or 3mo
# answer exists in ../shared/data, so the 1m one stands in where a body is
# needed, and no bar of it is asserted), Yahoo's range limits, the
# refusals, mdx-transform's
# keys and sessions, mdx-load and mdx-query, resampling to 3mo on the
# recorded daily bars of tests/fixtures/csv, and check.
. tests/lib.sh

# Yahoo's range limits count back from "now": a fixed one
MDX_EXTRACT_NOW=2024-10-04T12:07:44Z
export MDX_EXTRACT_NOW
NOW=1728043664
param() { sed -n "s/.*[?&]$1=\([^&]*\).*/\1/p"; }
dry() { mdx-extract --dry-run "$@"; }

# ---- Yahoo: the interval sent, extended hours, the default period ----
for iv in 2m 90m; do
	status "yahoo $iv" 0 dry -p yahoo --interval "$iv" AAPL
	eq "yahoo $iv: the events, then the bars: interval=$iv with extended hours, 59 days back" \
	 "$(tail -n 1 "$T/.out" | param interval) $(tail -n 1 "$T/.out" | param includePrePost) $((NOW - $(tail -n 1 "$T/.out" | param period1)))" \
	 "$iv true $((59 * 86400))"
done
status "yahoo 60m" 0 dry -p yahoo --interval 60m AAPL
eq "yahoo 60m: sent as 1h (one name in the store), 729 days back" \
 "$(tail -n 1 "$T/.out" | param interval) $((NOW - $(tail -n 1 "$T/.out" | param period1)))" "1h $((729 * 86400))"
for iv in 5d 3mo; do
	status "yahoo $iv" 0 dry -p yahoo --interval "$iv" AAPL
	eq "yahoo $iv: one request, all history, regular hours" \
	 "$(wc -l <"$T/.out" | tr -d ' ') $(param interval <"$T/.out") $(param period1 <"$T/.out") $(param includePrePost <"$T/.out")" \
	 "1 $iv -2208988800 false"
done
status "yahoo 3mo over 2000-2024: no range limit" 0 dry -p yahoo --interval 3mo --from 2000-01-03 --to 2024-09-30 AAPL
eq "yahoo 3mo --from 2000: asked (3 h before 2000-01-03 UTC)" "$(tail -n 1 "$T/.out" | param period1)" 946846800

# ---- Yahoo's range limits: 2m to 90m 60 days back ----
status "yahoo 90m --from older than 60 days" 2 dry -p yahoo --interval 90m --from 2024-08-01 AAPL
eq "90m --from: the message" "$(cat "$T/.err")" "mdx-extract: -p yahoo: Yahoo serves 90m bars of the last 60 days only: --from is older"
status "yahoo 2m --to older than 60 days" 2 dry -p yahoo --interval 2m --to 2024-07-01 AAPL
eq "2m --to: the message" "$(cat "$T/.err")" "mdx-extract: -p yahoo: Yahoo serves 2m bars of the last 60 days only: --to is older"
status "yahoo 1m --to older than 30 days" 2 dry -p yahoo --interval 1m --to 2024-09-01 AAPL
status "yahoo 90m --from 59 days back" 0 dry -p yahoo --interval 90m --from 2024-08-07 AAPL
echo '{"symbol":"AAPL","interval":"2m","ts":"2024-07-01T19:58:00Z"}' >"$T/old2m"
status "yahoo 2m --since a bookmark 95 days old" 0 dry -p yahoo --interval 2m --since "$T/old2m"
eq "2m --since: from 60 days back, said so" "$(param period1 <"$T/.out") $(cat "$T/.err")" \
 "$((NOW - 60 * 86400)) mdx-extract: warning: AAPL: Yahoo serves 2m bars of the last 60 days only: asking from $((NOW - 60 * 86400)), not from the bookmark; older bars are not fetched"
echo '{"symbol":"AAPL","interval":"90m","ts":"2024-10-03T18:00:00Z"}' >"$T/mark90m"
status "yahoo 90m --since" 0 dry -p yahoo --interval 90m --since "$T/mark90m"
eq "90m --since: period1 = the last bar - one 90m bar" "$(param period1 <"$T/.out")" $((1727978400 - 5400))
status "--interval 4h (not ours)" 2 dry -p yahoo --interval 4h AAPL
eq "4h: the intervals named" "$(cat "$T/.err")" \
 "mdx-extract: --interval: '4h' is not one of 1m 2m 5m 15m 30m 1h (60m) 90m 1d 5d 1wk 1mo 3mo; see 'mdx-extract --help'"

# ---- through HTTP: tests/tools/mdx-replay with Yahoo's 60-day span of 2m
# to 90m bars (tests/fixtures/http/intervals.routes: the recorded 1m
# answer stands in, only the requests are asserted) ----
"$B/tests/mdx-replay" --port 0 --port-file "$T/port" \
	--routes "$FIX/http/intervals.routes" --log "$T/log" 2>/dev/null &
rpid=$!
i=0
while [ ! -s "$T/port" ] && [ $i -lt 500 ]; do
	sleep 0.01
	i=$((i + 1))
done
: >>"$T/log"
ex() { mdx-extract --base-url "http://127.0.0.1:$(cat "$T/port")" --rate 0 --retry-base 20 "$@"; }
echo '{"symbol":"AAPL","interval":"90m","ts":"2024-07-01T18:00:00Z"}' >"$T/old90m"
status "90m --since a bookmark 95 days old, through HTTP" 0 ex -p yahoo --interval 90m --since "$T/old90m"
eq "90m --since: one request, from 60 days back to now, answered 200 (not 422)" \
 "$(awk '$4 ~ /interval=90m/ { print $5 }' "$T/log" | tr '\n' ' ')$(awk '$4 ~ /interval=90m/ { print $4 }' "$T/log" | param period1) $(awk '$4 ~ /interval=90m/ { print $4 }' "$T/log" | param period2)" \
 "200 $((NOW - 60 * 86400)) $NOW"
status "2m with no --from: what Yahoo serves, through HTTP" 0 ex -p yahoo --interval 2m AAPL
eq "2m: the events, then one request of 59 days, both 200" \
 "$(awk '$4 ~ /interval=(1wk|2m)/ { print $5 }' "$T/log" | tr '\n' ' ')$(awk '$4 ~ /interval=2m/ { print $4 }' "$T/log" | param period1)" \
 "200 200 $((NOW - 59 * 86400))"
status "the server refuses 61 days of 2m bars as Yahoo does" 0 curl -s -o "$T/422" -w '%{http_code}' \
 "http://127.0.0.1:$(cat "$T/port")/v8/finance/chart/AAPL?period1=$((NOW - 61 * 86400))&period2=$NOW&interval=2m"
eq "61 days of 2m: 422" "$(cat "$T/.out")" 422
kill "$rpid" 2>/dev/null
wait "$rpid" 2>/dev/null

# ---- Polygon: multiplier and timespan of each ----
for pair in 2m:2/minute 90m:90/minute 60m:1/hour 5d:5/day 1wk:1/week 3mo:3/month; do
	iv=${pair%%:*} span=${pair#*:}
	status "polygon $iv" 0 dry -p polygon --interval "$iv" --from 2024-01-02 --to 2024-06-28 AAPL
	eq "polygon $iv: range/$span" "$(grep -o 'range/[0-9]*/[a-z]*' "$T/.out")" "range/$span"
done

# ---- Alpha Vantage: what it has (1min 5min 15min 30min 60min, daily) ----
for iv in 2m 90m 5d 3mo; do
	status "alphavantage $iv: refused" 2 dry -p alphavantage --interval "$iv" IBM
	eq "alphavantage $iv: names the provider" "$(cat "$T/.err")" \
	 "mdx-extract: -p alphavantage: --interval $iv: Alpha Vantage has no $iv bars (only 1m 5m 15m 30m 1h 1d)"
done
status "alphavantage 60m" 0 dry -p alphavantage --interval 60m IBM
eq "alphavantage 60m: interval=60min" "$(param interval <"$T/.out")" 60min

# ---- mdx-transform: keys and sessions (hand-made records, values of no
# provider: only their times matter) ----
printf '%s\n' \
 '{"symbol":"AAPL","interval":"3mo","time":"2024-01-01","tz":"America/New_York","close":1}' \
 '{"symbol":"AAPL","interval":"5d","time":"2024-11-25","tz":"America/New_York","close":1}' \
 '{"symbol":"AAPL","interval":"90m","t":1727875800000,"close":1}' \
 '{"symbol":"AAPL","interval":"2m","t":1727899200000,"close":1}' \
 '{"symbol":"AAPL","interval":"60m","t":1727875800000,"close":1}' \
 '{"symbol":"AAPL","interval":"1d","time":"2024-01-01","tz":"America/New_York","close":1}' >"$T/raw"
status "transform every new interval" 1 mdx-transform --allow-partial "$T/raw"
eq "transform: ts, session; 3mo of New Year's Day labelled by its first session; 60m is 1h" \
 "$(jqr -c 'select(.type=="bar") | [.interval, .ts, .date, .session]' "$T/.out" | tr '\n' ' ')" \
 '["3mo","2024-01-01T05:00:00Z","2024-01-01","regular"] ["5d","2024-11-25T05:00:00Z","2024-11-25","regular"] ["90m","2024-10-02T13:30:00Z","2024-10-02","regular"] ["2m","2024-10-02T20:00:00Z","2024-10-02","post"] ["1h","2024-10-02T13:30:00Z","2024-10-02","regular"] '
eq "transform: a 1d bar of New Year's Day is still refused" "$(tail -n 2 "$T/.err" | head -n 1)" \
 "mdx-transform: $T/raw:6: AAPL 2024-01-01: field 'date': 2024-01-01 is not an NYSE session (New Year's Day; use --allow-non-session to keep it)"

# ---- store, query: the bars of each interval, in interval order ----
jqr -c 'select(.type=="bar")' "$T/.out" >"$T/canon"
status "load every new interval" 0 mdx-load -q --db "$T/m.db" "$T/canon"
eq "symbols: in interval order, shortest first" \
 "$(mdx-query --db "$T/m.db" -f csv symbols AAPL | tr -d '\r' | cut -d, -f2 | tr '\n' ' ')" "interval 2m 1h 90m 5d 3mo "
eq "bars: in interval order" "$(mdx-query --db "$T/m.db" -f ndjson bars AAPL | jqr .interval | tr '\n' ' ')" "2m 1h 90m 5d 3mo "
eq "bars --interval 90m" "$(mdx-query --db "$T/m.db" -f ndjson bars AAPL --interval 90m | jqr -c '[.ts, .session]')" '["2024-10-02T13:30:00Z","regular"]'
eq "bars --interval 60m: the 1h bar" "$(mdx-query --db "$T/m.db" -f ndjson bars AAPL --interval 60m | jqr .interval)" 1h
# check: 5d and 3mo bars are periods, not days (no missing sessions)
status "check over 5d and 3mo bars" 0 mdx-query --db "$T/m.db" -f ndjson check AAPL --kinds missing
eq "check: no missing sessions between a 3mo and a 5d bar" "$(wc -l <"$T/.out" | tr -d ' ')" 0

# ---- resample to 3mo: calendar quarters, on the recorded daily bars of
# all_stocks_5yr (Kaggle); the figures of 2014's first quarter from the CSV ----
K=$FIX/csv/all_stocks_5yr_AAPL_MSFT_DHR_AOS.csv
mdx-extract "$K" 2>/dev/null | mdx-transform 2>/dev/null | mdx-load -q --db "$T/d.db"
q1=$(awk -F, '$7 == "AAPL" && $1 >= "2014-01-01" && $1 <= "2014-03-31" {
	if (n++ == 0) { o = $2; h = $3; l = $4 }
	if ($3 > h) h = $3; if ($4 < l) l = $4; c = $5; v += $6
} END { printf "%s %s %s %s %.0f", o, h, l, c, v }' "$K")
status "resample AAPL to 3mo" 0 mdx-query --db "$T/d.db" -f ndjson resample AAPL --to 3mo
eq "3mo of 2014 Q1: first open, max high, min low, last close, volume (the CSV's)" \
 "$(jqr 'select(.date >= "2014-01-01" and .date <= "2014-03-31") | "\(.date) \(.open) \(.high) \(.low) \(.close) \(.volume)"' "$T/.out")" \
 "2014-01-02 $q1"
eq "3mo: 21 quarters from 2013-02-08 to 2018-02-07" "$(wc -l <"$T/.out" | tr -d ' ')" 21
mdx-query --db "$T/d.db" -f ndjson resample AAPL --to 1mo | mdx-load -q --db "$T/d.db"
status "resample the 1mo bars to 3mo" 0 mdx-query --db "$T/d.db" -f ndjson resample AAPL --to 3mo --interval 1mo
eq "3mo from 1mo bars: the same figures" "$(jqr 'select(.date == "2014-01-02") | "\(.date) \(.open) \(.high) \(.low) \(.close) \(.volume)"' "$T/.out")" "2014-01-02 $q1"
status "resample 1d to 5d: refused" 2 mdx-query --db "$T/d.db" resample AAPL --to 5d
mdx-query --db "$T/d.db" -f ndjson resample AAPL --to 1wk | mdx-load -q --db "$T/d.db"
status "resample 1wk to 3mo: refused" 2 mdx-query --db "$T/d.db" resample AAPL --to 3mo --interval 1wk

finish
