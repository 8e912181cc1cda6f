# tests/transform.sh - mdx-transform on real rows and on bad input.
. tests/lib.sh

# real rows: extract then transform
mdx-extract "$FIX/csv/yahoo_download_AAPL_2022-01-03_2023-05-31.csv" --symbol AAPL >"$T/raw" 2>/dev/null
status "transform yahoo csv" 0 mdx-transform "$T/raw"
cp "$T/.out" "$T/canon"
eq "yahoo csv rows" "$(grep -c '"type":"bar"' "$T/canon")" 354
eq "close 2022-06-01" "$(jqr 'select(.date=="2022-06-01") | .close' "$T/canon")" 148.710007
eq "adj close 2022-06-01" "$(jqr 'select(.date=="2022-06-01") | .adj_close' "$T/canon")" 147.827301
# summer: 00:00 New York is 04:00Z; winter: 05:00Z
eq "ts in summer" "$(jqr 'select(.date=="2022-06-01") | .ts' "$T/canon")" 2022-06-01T04:00:00Z
eq "ts in winter" "$(jqr 'select(.date=="2022-01-03") | .ts' "$T/canon")" 2022-01-03T05:00:00Z
eq "canonical field order" "$(grep -m1 '"type":"bar"' "$T/canon" | jq -c 'keys_unsorted')" \
	'["type","symbol","interval","ts","date","open","high","low","close","adj_close","volume","vwap","trades","session","phase","source"]'
eq "upstream run record passed through" "$(jqr 'select(.type=="run") | .tool' "$T/canon" | tr '\n' ' ')" "mdx-extract mdx-transform "

# canonical input is accepted again unchanged (idempotent)
grep '"type":"bar"' "$T/canon" >"$T/c1"
mdx-transform "$T/c1" 2>/dev/null | grep '"type":"bar"' >"$T/c2"
ok "transform is idempotent" cmp "$T/c1" "$T/c2"

# bad input: each line rejected with its reason, the good ones kept
status "bad input exits 1" 1 mdx-transform --rejects "$T/rej" "$CASES/transform/bad.ndjson"
eq "good records around bad ones" "$(grep -c '"type":"bar"' "$T/.out")" 2
eq "good record unchanged" "$(jqr 'select(.date=="2017-06-05") | [.open,.high,.low,.close,.volume] | @csv' "$T/.out")" "154.34,154.45,153.46,153.93,25331662"
eq "reject reasons" "$(jqr '[.line, .reason] | @tsv' "$T/rej")" "$(cat "$CASES/transform/bad.reasons")"
eq "stderr names input and line" "$(grep -c "bad.ndjson:[0-9]*: " "$T/.err")" 21
eq "run record counts rejects" "$(jqr 'select(.type=="run") | .rejected' "$T/.out")" 21

# duplicates: same key twice, the last one wins and is counted
printf '%s\n' \
 '{"symbol":"AAPL","time":"2017-06-01","open":153.17,"high":153.33,"low":152.22,"close":153.0}' \
 '{"symbol":"AAPL","time":"2017-06-02","open":153.58,"high":155.45,"low":152.89,"close":155.45}' \
 '{"symbol":"AAPL","time":"2017-06-01","open":153.17,"high":153.33,"low":152.22,"close":153.18}' >"$T/dup"
status "duplicates are not an error" 0 mdx-transform "$T/dup"
eq "one bar per key" "$(grep -c '"type":"bar"' "$T/.out")" 2
eq "the last one kept" "$(jqr 'select(.date=="2017-06-01") | .close' "$T/.out")" 153.18
eq "duplicates counted" "$(jqr 'select(.type=="run") | .duplicates' "$T/.out")" 1

# --allow-partial keeps bars without open/high/low (DHR 2016-01-12 has only close)
grep ',DHR$' "$FIX/csv/all_stocks_5yr_AAPL_MSFT_DHR_AOS.csv" | grep -c '^2016-01-12,,,,' >/dev/null
mdx-extract "$FIX/csv/all_stocks_5yr_AAPL_MSFT_DHR_AOS.csv" >"$T/raw4" 2>/dev/null
status "real data rejects" 1 mdx-transform "$T/raw4"
eq "real rejects: AOS high<low, DHR open<low, DHR x2 missing open" "$(grep -c 'stdin\|raw4:' "$T/.err")" 4
mdx-transform "$T/raw4" >/dev/null 2>"$T/raw4.err"
cp "$T/raw4.err" "$T/.err"
ok "AOS 2014-05-19 high < low named" grep -q 'high < low (23.595 < 23.85)' "$T/.err"
status "allow-partial" 1 mdx-transform --allow-partial "$T/raw4"
eq "allow-partial keeps the two DHR bars" "$(grep -c 'raw4:' "$T/.err")" 2
eq "partial DHR bar kept" "$(jqr 'select(.symbol=="DHR" and .date=="2016-01-12") | [.open,.close] | @csv' "$T/.out")" ",88.55"

# intraday wall times: New York to UTC through tzdata, DST edges
printf '%s\n' \
 '{"symbol":"MSFT","interval":"1m","time":"2024-03-10 01:59:00","tz":"America/New_York","close":1}' \
 '{"symbol":"MSFT","interval":"1m","time":"2024-03-10 02:30:00","tz":"America/New_York","close":1}' \
 '{"symbol":"MSFT","interval":"1m","time":"2024-03-10 03:00:00","tz":"America/New_York","close":1}' \
 '{"symbol":"MSFT","interval":"1m","time":"2024-11-03 01:30:00","tz":"America/New_York","close":1}' >"$T/dst"
status "skipped hour rejected" 1 mdx-transform --allow-partial "$T/dst"
eq "before spring forward" "$(jqr 'select(.type=="bar") | .ts' "$T/.out" | head -1)" 2024-03-10T06:59:00Z
eq "after spring forward" "$(jqr 'select(.type=="bar") | .ts' "$T/.out" | sed -n 2p)" 2024-03-10T07:00:00Z
eq "repeated hour: earlier by default" "$(jqr 'select(.type=="bar") | .ts' "$T/.out" | sed -n 3p)" 2024-11-03T05:30:00Z
ok "nonexistent time named" grep -q "nonexistent local time 2024-03-10 02:30:00" "$T/.err"
mdx-transform --allow-partial --fold later "$T/dst" 2>/dev/null >"$T/later"
eq "repeated hour: --fold later" "$(jqr 'select(.type=="bar") | .ts' "$T/later" | sed -n 3p)" 2024-11-03T06:30:00Z

# epoch ms with the exchange's zone: a Yahoo-style daily bar at the open
printf '%s\n' '{"symbol":"AAPL","interval":"1d","t":1598880600000,"tz":"America/New_York","open":127.58,"high":131,"low":126,"close":129.04}' >"$T/t"
status "t with tz" 0 mdx-transform "$T/t"
eq "daily bar keyed at New York midnight" "$(jqr 'select(.type=="bar") | .ts + " " + .date' "$T/.out")" "2020-08-31T04:00:00Z 2020-08-31"

# a huge line is rejected with bounded memory, the next line still read
{ printf '{"symbol":"AAPL","pad":"'; head -c 3000000 /dev/zero | tr '\0' x; printf '"}\n'
  printf '%s\n' '{"symbol":"AAPL","time":"2017-06-01","open":153.17,"high":153.33,"low":152.22,"close":153.18}'; } >"$T/huge"
status "huge line" 1 mdx-transform "$T/huge"
eq "huge line skipped, next kept" "$(grep -c '"type":"bar"' "$T/.out")" 1
ok "huge line named" grep -q "huge:1: line longer than 1048576 bytes" "$T/.err"
if [ -x /usr/bin/time ] && [ "${MDX_BUILD#*san}" = "$MDX_BUILD" ]; then
	{ printf '{"pad":"'; head -c 100000000 /dev/zero | tr '\0' x; printf '"}\n'; } >"$T/huge2"
	/usr/bin/time -f %M mdx-transform "$T/huge2" >/dev/null 2>"$T/rss"
	kb=$(tail -n 1 "$T/rss")
	ok "100 MB line read in under 20 MB" test "$kb" -lt 20000
fi

# output errors are reported (a full disk is an error)
if [ -w /dev/full ]; then
	status "write error" 74 sh -c "mdx-transform '$T/c1' >/dev/full"
fi
# sessions from the NYSE calendar
grep -E '^2017-07-0[35],' "$FIX/csv/all_stocks_5yr_AAPL_MSFT_DHR_AOS.csv" | grep ',AAPL$' >"$T/jul.csv"
{ head -1 "$FIX/csv/all_stocks_5yr_AAPL_MSFT_DHR_AOS.csv"; cat "$T/jul.csv"; echo "2017-07-04,144.0,145.0,143.0,144.5,1000,AAPL"; } >"$T/jul2.csv"
mdx-extract "$T/jul2.csv" >"$T/julraw" 2>/dev/null
status "holiday daily bar rejected" 1 mdx-transform "$T/julraw"
eq "early close 2017-07-03 (Monday)" "$(jqr 'select(.date=="2017-07-03") | .session' "$T/.out")" early_close
eq "regular 2017-07-05" "$(jqr 'select(.date=="2017-07-05") | .session' "$T/.out")" regular
ok "holiday named" grep -q "2017-07-04 is not an NYSE session (Independence Day" "$T/.err"
status "--allow-non-session" 0 mdx-transform --allow-non-session "$T/julraw"
eq "kept as closed" "$(jqr 'select(.date=="2017-07-04") | .session' "$T/.out")" closed
printf '%s\n' \
 '{"symbol":"AAPL","interval":"1m","t":1727875740000,"close":226}' \
 '{"symbol":"AAPL","interval":"1m","t":1727875800000,"close":226}' \
 '{"symbol":"AAPL","interval":"1m","t":1727899200000,"close":226}' \
 '{"symbol":"AAPL","interval":"1m","t":1727829000000,"close":226}' \
 '{"symbol":"EURUSD=X","interval":"1d","t":1577836800000,"tz":"Europe/London","close":1.12}' \
 '{"symbol":"BTC-USD","interval":"1d","time":"2020-01-04","close":7411.3}' >"$T/sess"
status "intraday sessions" 0 mdx-transform --allow-partial "$T/sess"
eq "pre, regular, post, closed; null for FX and crypto" "$(jqr 'select(.type=="bar") | .session' "$T/.out" | tr '\n' ' ')" "pre regular post closed null null "

# --phases labels bars by date range or instant range
status "phases" 0 mdx-transform --phases examples/phases.csv "$T/c1"
eq "phase of a bar in a date range" "$(jqr 'select(.date=="2022-06-01") | .phase' "$T/.out")" bear-market-2022
eq "no phase outside" "$(jqr 'select(.date=="2022-12-01") | .phase' "$T/.out")" null
printf 'start,end,phase\n2022-06-01,2022-05-01,backwards\n' >"$T/badph"
status "bad phases file" 65 mdx-transform --phases "$T/badph" "$T/c1"
ok "bad phases row named" grep -q "badph:2: end is before start" "$T/.err"

# issue 9: one validation for every way in (lib/session.c, lib/record.c)
# the reject names the symbol and date, on stderr and in --rejects
mdx-transform --rejects "$T/rej4" "$T/raw4" >/dev/null 2>"$T/raw4.err"
ok "stderr: input, line, symbol and date" grep -q "raw4:[0-9]*: AOS 2014-05-19: high < low (23.595 < 23.85)" "$T/raw4.err"
eq "rejects record: symbol and date" "$(jqr 'select(.reason | startswith("high < low")) | [.symbol, .date] | @tsv' "$T/rej4")" "$(printf 'AOS\t2014-05-19')"
# impossible clock parts of a daily time; the calendar's range (real
# values of AAPL 2016-12-07, tests/fixtures/csv/all_stocks_5yr_*)
v='"open":109.26,"high":111.19,"low":109.16,"close":111.03,"volume":29998719'
printf '%s\n' \
 '{"symbol":"AAPL","interval":"1d","time":"2016-12-07T25:00:00",'"$v"'}' \
 '{"symbol":"AAPL","interval":"1d","time":"2016-12-07 24:00:01",'"$v"'}' \
 '{"symbol":"AAPL","interval":"1d","time":"2016-12-07T16:60:00",'"$v"'}' \
 '{"symbol":"AAPL","interval":"1d","time":"0001-01-01",'"$v"'}' \
 '{"symbol":"AAPL","interval":"1d","time":"9999-12-31",'"$v"'}' \
 '{"symbol":"AAPL","interval":"1d","time":"1989-12-29",'"$v"'}' \
 '{"symbol":"AAPL","interval":"1d","ts":"2016-12-07T05:00:59Z",'"$v"'}' \
 '{"symbol":"AAPL","interval":"1d","ts":"2016-12-07T17:00:00Z",'"$v"'}' \
 '{"symbol":"AAPL","interval":"1d","ts":"2016-12-07T05:00:00Z","date":"1969-12-31",'"$v"'}' \
 '{"symbol":"AAPL","interval":"1d","time":"2016-12-07 23:59:59",'"$v"'}' \
 '{"symbol":"AAPL","interval":"1d","ts":"2016-12-07T05:00:00Z","date":"2016-12-07",'"$v"'}' >"$T/clock"
status "bad daily times rejected" 1 mdx-transform --rejects "$T/rejc" "$T/clock"
eq "only the good ones kept, one key" "$(jqr 'select(.type=="bar") | .ts + " " + .session' "$T/.out" | sort -u)" "2016-12-07T05:00:00Z regular"
eq "rejected: clock 25, 24:00:01, :60; years 1, 9999, 1989; ts off midnight x2; date vs ts" "$(jqr '.line' "$T/rejc" | tr '\n' ' ')" "1 2 3 4 5 6 7 8 9 "
ok "clock part named" grep -q "clock:1: AAPL 2016-12-07: field 'time': '2016-12-07T25:00:00' is not YYYY-MM-DD \[HH:MM\[:SS\]\] (00:00:00 to 23:59:59)" "$T/.err"
ok "range named" grep -q "clock:4: AAPL 0001-01-01: field 'date': 0001-01-01 is outside the NYSE calendar (1990-01-01 to 2099-12-31)" "$T/.err"
ok "ts off midnight named" grep -q "clock:8: AAPL 2016-12-07: field 'ts': 2016-12-07T17:00:00Z is not 00:00 of 2016-12-07 in America/New_York" "$T/.err"
ok "date against ts named" grep -q "clock:9: AAPL 1969-12-31: field 'ts': 2016-12-07T05:00:00Z is not 00:00 of 1969-12-31" "$T/.err"

# 1999-12-31 closed at 13:00 (NYSE board, 1999-04-06): Alpha Vantage's
# recorded AAPL day is labelled early_close, its neighbours regular
mdx-extract "$FIX/alphavantage/TIME_SERIES_DAILY_ADJUSTED_AAPL_full_1999-11-01_2020-11-25.csv" --symbol AAPL 2>/dev/null |
	mdx-transform 2>/dev/null >"$T/av"
eq "1999-12-31 early close, real close 102.81" "$(jqr 'select(.date=="1999-12-31") | .session + " " + (.close | tostring)' "$T/av")" "early_close 102.81"
eq "1999-12-30 and 2000-01-03 regular" "$(jqr 'select(.date=="1999-12-30" or .date=="2000-01-03") | .session' "$T/av" | tr '\n' ' ')" "regular regular "

# FX quotes are not exchange trades: Yahoo's real EURUSD=X bars whose close
# is above the high are kept with a flag (as yfinance keeps them), through
# mdx-extract against the replay server; an exchange-traded symbol with the
# same prices is still rejected
"$B/tests/mdx-replay" --port 0 --port-file "$T/port" --routes "$FIX/http/providers.routes" --log "$T/rlog" &
rpid=$!
i=0
while [ ! -s "$T/port" ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i + 1)); done
mdx-extract --base-url "http://127.0.0.1:$(cat "$T/port")" --rate 0 -p yahoo --from 2020-01-01 --to 2021-01-04 EURUSD=X >"$T/fxraw" 2>/dev/null
kill "$rpid" 2>/dev/null
wait "$rpid" 2>/dev/null
status "EURUSD=X: nothing rejected" 0 mdx-transform "$T/fxraw"
cp "$T/.out" "$T/fx"
eq "EURUSD=X: every bar kept" "$(grep -c '"type":"bar"' "$T/fx")" "$(jqr 'select(.type=="bar")' -c "$T/fxraw" | wc -l | tr -d ' ')"
eq "EURUSD=X: 13 flagged, 7 close above high, 6 below low" "$(jqr 'select(.flags) | .flags[]' "$T/fx" | sort | uniq -c | awk '{ printf "%s %s ", $1, $2 }')" "7 close_above_high 6 close_below_low "
eq "EURUSD=X 2020-02-03 as Yahoo gave it, flagged" "$(jqr 'select(.date=="2020-02-03") | [.high, .close, .session, (.flags | join(","))] | @tsv' "$T/fx")" "$(printf '1.108905553817749\t1.1089794635772705\t\tclose_above_high')"
eq "EURUSD=X 2020-02-04 consistent: no flags" "$(jqr 'select(.date=="2020-02-04") | has("flags")' "$T/fx")" false
jqr -c 'select(.t==1580688000000) | .symbol = "AAPL"' "$T/fxraw" >"$T/fxaapl"
status "the same prices on an exchange-traded symbol" 1 mdx-transform "$T/fxaapl"
ok "rejected for close > high" grep -q "AAPL 2020-02-03: close > high (1.10898 > 1.10891)" "$T/.err"
mdx-transform "$T/fx" 2>/dev/null | grep -c '"flags":\["close_' >"$T/fxn"
eq "flags survive a second transform" "$(cat "$T/fxn")" 13

# second end-to-end checks (issue 15's mutation run): 1h bars are
# intraday (their wall time kept, not the day's start), and a +hh:mm
# offset is east of UTC
printf '%s\n' '{"type":"bar","symbol":"AAPL","interval":"1h","time":"2023-01-03 10:00","tz":"America/New_York","open":130.28,"high":130.9,"low":124.17,"close":125.07}' \
 '{"type":"bar","symbol":"AAPL","interval":"1h","ts":"2023-01-03T20:30:00+05:30","open":130.28,"high":130.9,"low":124.17,"close":125.07}' >"$T/1h"
status "1h bars" 0 mdx-transform "$T/1h"
eq "1h bar at 10:00 New York: 15:00Z, regular session" "$(jqr 'select(.type=="bar") | "\(.ts) \(.date) \(.session)"' "$T/.out" | head -1)" "2023-01-03T15:00:00Z 2023-01-03 regular"
eq "+05:30 offset: 15:00Z" "$(jqr 'select(.type=="bar") | .ts' "$T/.out" | tail -1)" "2023-01-03T15:00:00Z"

# found by tests/fuzz/fuzz_roundtrip: a whole price of 1e9 or more after
# one written with an exponent kept that exponent
printf '%s\n' '{"type":"bar","symbol":"AAPL","interval":"1d","time":"2022-01-05","open":9.2233720368547758e21,"high":9.3e21,"low":1,"close":11730405685}' >"$T/bigpx"
status "big prices" 0 mdx-transform "$T/bigpx"
eq "big prices written as read" "$(grep -o '"open":[^,]*,"high":[^,]*,"low":[^,]*,"close":[^,]*,' "$T/.out")" '"open":9.223372036854776e+21,"high":9.3e+21,"low":1,"close":11730405685,'

# issue 15: what cannot be written back exactly is rejected
printf '%s\n' '{"type":"bar","symbol":"AAPL","interval":"1h","ts":"9999-12-31T23:00:00-05:00","open":1,"high":1,"low":1,"close":1}' \
 '{"type":"bar","symbol":"AAPL","interval":"1h","ts":"2023-01-03T15:00:00Z","open":1,"high":1,"low":1,"close":1}' >"$T/y10k"
status "instant past year 9999 rejected" 1 mdx-transform "$T/y10k"
eq "past 9999: the reason" "$(cat "$T/.err" | head -1)" \
 "mdx-transform: $T/y10k:1: AAPL: field 'ts': '9999-12-31T23:00:00-05:00' is outside years 0000..9999 in UTC"
eq "past 9999: never written clamped" "$(jqr 'select(.type=="bar") | .ts' "$T/.out" | tr '\n' ' ')" "2023-01-03T15:00:00Z "
printf '{"type":"bar","symbol":"AAPL","interval":"1d","time":"2023-01-03","open":130.28,"high":130.9,"low":124.17,"close":125.07\000}\n{"type":"bar","symbol":"AAPL","interval":"1d","time":"2023-01-04","open":126.89,"high":128.6557,"low":125.08,"close":126.36}\n' >"$T/nul"
status "NUL after a number rejected" 1 mdx-transform "$T/nul"
eq "NUL: the reason" "$(head -1 "$T/.err")" "mdx-transform: $T/nul:1: NUL byte in line"
eq "NUL: the other bar flows" "$(jqr 'select(.type=="bar") | .date' "$T/.out" | tr "\n" " ")" "2023-01-04 "

status "unknown option" 2 mdx-transform --bogus
status "missing file" 66 mdx-transform "$T/nonexistent"
usage_ok mdx-transform 11
finish
