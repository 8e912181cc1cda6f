# tests/providers.sh - mdx-extract's HTTP providers (yahoo, alphavantage,
# polygon) against tests/tools/mdx-replay on 127.0.0.1, serving the
# recorded bodies of tests/fixtures/http (routes: providers.routes) with
# faults on demand.  Attempts, waits and the rate limit are asserted from
# the server's request log (CLOCK_MONOTONIC ms a request):
#	MS CONN METHOD TARGET STATUS KIND
. tests/lib.sh

# a sanitizer's report must never pass for an expected exit status
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=86
UBSAN_OPTIONS=${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=86
export ASAN_OPTIONS UBSAN_OPTIONS
ROUTES=$FIX/http/providers.routes
AVKEY=av-secret-7f3a
PGKEY=pg-secret-91c2
export ALPHAVANTAGE_API_KEY=$AVKEY POLYGON_API_KEY=$PGKEY
SPID= nserv=0
trap 'unserve; rm -rf "$T"' EXIT

# serve [mdx-replay option ...]: a new server; sets BASE and LOG
serve() {
	unserve
	nserv=$((nserv + 1))
	LOG=$T/log.$nserv
	"$B/tests/mdx-replay" --port 0 --port-file "$T/port.$nserv" \
		--routes "$ROUTES" --log "$LOG" "$@" &
	SPID=$!
	i=0
	while [ ! -s "$T/port.$nserv" ] && [ $i -lt 500 ]; do
		sleep 0.01
		i=$((i + 1))
	done
	BASE=http://127.0.0.1:$(cat "$T/port.$nserv")
	: >>"$LOG"
}
unserve() {
	if [ -n "$SPID" ]; then
		kill "$SPID" 2>/dev/null
		wait "$SPID" 2>/dev/null
		SPID=
	fi
}
# mdx-extract on the server, no rate limit, short backoff; output kept in
# $T/all so that no key is ever seen in what mdx-extract printed
ex() {
	mdx-extract --base-url "$BASE" --rate 0 --retry-base 20 "$@"
}
keep() { cat "$T/.out" "$T/.err" >>"$T/all"; }
# requests the server saw whose target contains $1
hits() { awk -v p="$1" 'index($4, p) { n++ } END { print n + 0 }' "$LOG"; }
# ms between the first and the second request whose target contains $1
gap() {
	awk -v p="$1" 'index($4, p) { t[n++] = $1 } END { printf "%d", t[1] - t[0] }' "$LOG"
}
run() { jqr 'select(.type=="run") | '"$1" "$T/.out"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
: >"$T/all"

serve

# ---- Yahoo chart API v8 ----
status "yahoo NVDA" 0 ex -p yahoo --from 2021-02-01 --to 2022-01-31 NVDA
keep
eq "NVDA requests: all events to now, then the range (the real API's parameters)" "$(cut -d' ' -f4 "$LOG" | sed 's/period2=[0-9]*&interval=1wk/period2=NOW\&interval=1wk/' | tr '\n' ' ')" \
 "/v8/finance/chart/NVDA?period1=-2208988800&period2=NOW&interval=1wk&events=div%7Csplit /v8/finance/chart/NVDA?period1=1612126800&period2=1643684400&interval=1d&includePrePost=false&events=div%7Csplit&includeAdjustedClose=true "
now=$(date +%s)
p2=$(sed -n '1s/.*period2=\([0-9]*\)&.*/\1/p' "$LOG")
ok "NVDA events asked up to now (period2 $p2, now $now)" test "$p2" -le "$now" -a "$p2" -ge $((now - 60))
eq "NVDA bars" "$(grep -c '"type":"bar"' "$T/.out")" 252
eq "NVDA first bar: t in ms, exchange zone, adjusted close, volume" "$(grep -m1 '"type":"bar"' "$T/.out")" \
 '{"type":"bar","symbol":"NVDA","interval":"1d","t":1612189800000,"tz":"America/New_York","open":13.053250312805176,"high":13.270750045776367,"low":12.902750015258789,"close":13.237000465393066,"adj_close":13.204399108886719,"volume":217204000,"basis":"split","basis_as_of":"2024-09-16","source":"yahoo"}'
ok "NVDA: the split before the bars" test "$(grep -n '"type":"action"' "$T/.out" | cut -d: -f1)" -lt "$(grep -n -m1 '"type":"bar"' "$T/.out" | cut -d: -f1)"
eq "NVDA 4:1 split on 2021-07-20" "$(grep '"type":"action"' "$T/.out")" \
 '{"type":"action","symbol":"NVDA","date":"2021-07-20","kind":"split","ratio":4,"source":"yahoo"}'
eq "NVDA instrument from meta" "$(grep '"type":"instrument"' "$T/.out")" \
 '{"type":"instrument","symbol":"NVDA","name":"NVIDIA Corporation","exchange":"NasdaqGS","currency":"USD","source":"yahoo"}'
eq "NVDA run record" "$(run '[.status,.in,.out,.dropped,.requests,.retries,.pages,.bytes,(.failed|length),.symbols] | @csv')" \
 '"ok",253,254,0,2,0,2,59366,0,1'

status "yahoo MSFT dividends" 0 ex -p yahoo --what actions --from 2021-02-01 --to 2022-01-31 MSFT
eq "MSFT dividends only, in the exchange's dates" "$(jqr '"\(.type) \(.date) \(.kind) \(.amount)"' "$T/.out" | head -4 | tr '\n' ';')" \
 "action 2021-02-17 dividend 0.56;action 2021-05-19 dividend 0.56;action 2021-08-18 dividend 0.56;action 2021-11-17 dividend 0.62;"
eq "--what actions writes no bars" "$(grep -c '"type":"bar"' "$T/.out")" 0

status "yahoo AAPL 2020" 0 ex -p yahoo --from 2020-01-01 --to 2021-01-04 AAPL
eq "AAPL 2020-01-02: close and adjusted close" "$(jqr 'select(.t==1577975400000) | [.close,.adj_close,.volume] | @csv' "$T/.out")" \
 "75.0875015258789,73.98847198486328,135480400"
eq "AAPL 2020 events" "$(jqr 'select(.type=="action") | "\(.date) \(.kind) \(.amount // .ratio)"' "$T/.out" | tr '\n' ';')" \
 "2020-08-31 split 4;2020-02-07 dividend 0.1925;2020-05-08 dividend 0.205;2020-08-07 dividend 0.205;2020-11-06 dividend 0.205;"
eq "AAPL 2020: Yahoo's dividends are split-adjusted, as of the answer's Date (Sat, 13 Nov 2021)" "$(jqr -c 'select(.type=="action" and .date=="2020-08-07")' "$T/.out")" \
 '{"type":"action","symbol":"AAPL","date":"2020-08-07","kind":"dividend","amount":0.205,"source":"yahoo","basis":"split","basis_as_of":"2021-11-13"}'
eq "AAPL 2020: the split has no basis" "$(jqr -c 'select(.kind=="split")' "$T/.out")" \
 '{"type":"action","symbol":"AAPL","date":"2020-08-31","kind":"split","ratio":4,"source":"yahoo"}'
eq "AAPL 2020: every bar split-adjusted as of 2021-11-13" "$(jqr 'select(.type=="bar") | "\(.basis) \(.basis_as_of)"' "$T/.out" | sort | uniq -c | tr -s ' ')" " 253 split 2021-11-13"
eq "AAPL 2020 bars" "$(grep -c '"type":"bar"' "$T/.out")" 253
mdx-transform "$T/.out" >"$T/aapl.canon" 2>/dev/null
eq "AAPL 2020 through mdx-transform: the dividend's basis kept" "$(jqr -c 'select(.type=="action" and .date=="2020-08-07") | [.amount,.basis,.basis_as_of]' "$T/aapl.canon")" '[0.205,"split","2021-11-13"]'
eq "AAPL 2020 through mdx-transform: 2020-08-28 close 124.8075, split as of 2021-11-13" "$(jqr -c 'select(.type=="bar" and .date=="2020-08-28") | [.close,.basis,.basis_as_of]' "$T/aapl.canon")" '[124.80750274658203,"split","2021-11-13"]'


# ---- the same AMZN bar in two vintages (before and after its 2022-06-06
# 20:1 split), each served with the Date it was recorded with ----
ROUTES=$FIX/http/yahoo_amzn_2021.routes
serve
status "yahoo AMZN recorded 2021-11-21" 0 ex -p yahoo --from 2020-01-02 --to 2020-01-02 AMZN
eq "AMZN 2021: close 1898.01, split-adjusted as of the answer's Date (Sun, 21 Nov 2021)" "$(jqr -c 'select(.type=="bar") | [.close,.adj_close,.volume,.basis,.basis_as_of]' "$T/.out")" \
 '[1898.010009765625,1898.010009765625,4029000,"split","2021-11-21"]'
ex -p yahoo --from 2020-01-02 --to 2020-01-02 AMZN 2>/dev/null | mdx-transform >"$T/amzn.canon" 2>/dev/null
eq "AMZN 2021 through mdx-transform: basis kept" "$(jqr -c 'select(.type=="bar") | [.date,.close,.basis,.basis_as_of]' "$T/amzn.canon")" \
 '["2020-01-02",1898.010009765625,"split","2021-11-21"]'
ROUTES=$FIX/http/yahoo_amzn_2025.routes
serve
status "yahoo AMZN recorded 2025-02-20" 0 ex -p yahoo --from 2020-01-02 --to 2020-01-02 AMZN
eq "AMZN 2025: close 94.9005 (after the 20:1 split) as of 2025-02-20" "$(jqr -c 'select(.type=="bar") | [.close,.volume,.basis,.basis_as_of]' "$T/.out")" \
 '[94.90049743652344,80580000,"split","2025-02-20"]'
ROUTES=$FIX/http/providers.routes

serve
status "yahoo OCDO.L" 0 ex -p yahoo --from 2020-01-01 --to 2021-01-04 OCDO.L
eq "OCDO.L bars carry Europe/London" "$(jqr 'select(.type=="bar") | .tz' "$T/.out" | sort -u)" "Europe/London"
eq "OCDO.L pence: prices as given, currency GBp" "$(jqr 'select(.type=="instrument") | [.exchange,.currency] | @csv' "$T/.out")" '"LSE","GBp"'
# no Date header in that route: the answer is dated by the fetch time
eq "OCDO.L first bar" "$(grep -m1 '"type":"bar"' "$T/.out")" \
 '{"type":"bar","symbol":"OCDO.L","interval":"1d","t":1577952000000,"tz":"Europe/London","open":1279.5,"high":1286.5699462890625,"low":1258,"close":1259.5,"adj_close":1259.5,"volume":728520,"basis":"split","basis_as_of":"'"$(date -u +%F)"'","source":"yahoo"}'

status "yahoo BTC-USD all-null bars" 0 ex -p yahoo --from 2020-01-01 --to 2021-01-04 BTC-USD
eq "BTC-USD: 4 all-null bars dropped and counted" "$(run '[.in,.out,.dropped] | @csv')" "370,367,4"
eq "BTC-USD: no bar of 2020-04-17 (all null)" "$(jqr 'select(.t==1587081600000) | .close' "$T/.out")" ""
eq "BTC-USD zone UTC" "$(jqr 'select(.type=="bar") | .tz' "$T/.out" | sort -u)" "UTC"

# Yahoo serves 1m bars of 30 days back: counted from the recording's Date
status "yahoo AAPL 1m" 0 env MDX_EXTRACT_NOW=2024-10-04T12:07:44Z mdx-extract --base-url "$BASE" --rate 0 --retry-base 20 -p yahoo --interval 1m --from 2024-10-02 --to 2024-10-02 AAPL
eq "1m: intraday asks for extended hours" "$(grep -c 'interval=1m&includePrePost=true' "$LOG")" 1
eq "1m: the all-null minute and the live bar of 2024-10-03 dropped (in: 391 bars, 5 events)" "$(run '[.in,.dropped] | @csv')" "396,2"
eq "1m: bars 09:30-15:59 New York" "$(jqr 'select(.type=="bar") | .t' "$T/.out" | sed -n '1p;$p' | tr '\n' ' ')" "1727875800000 1727899140000 "
eq "1m: bar count" "$(grep -c '"interval":"1m"' "$T/.out")" 389

status "yahoo 404 is permanent: partial" 1 ex -p yahoo --from 2020-01-01 --to 2021-01-04 AAPL SI
keep
eq "404: run record names SI" "$(run '[.status,(.failed|join(","))] | @csv')" '"partial","SI"'
eq "404: not retried" "$(hits /chart/SI?)" 1
ok "404: stderr names the symbol and Yahoo's reason" grep -q "^mdx-extract: SI: http://127.0.0.1:[0-9]*/v8/finance/chart/SI?.*: HTTP 404: No data found, symbol may be delisted$" "$T/.err"
eq "404: the others delivered" "$(grep -c '"symbol":"AAPL"' "$T/.out")" 259
status "every symbol failed for good" 1 ex -p yahoo SI
eq "run status failed" "$(run .status)" failed

status "gzip body decoded" 0 ex -p yahoo --from 2020-01-01 --to 2021-01-04 GZ
eq "gzip: sent encoded, all bars read" "$(awk '{print $6}' "$LOG" | tail -1) $(grep -c '"type":"bar"' "$T/.out")" "gzip 253"

# connections reused with -j 1; -j 4 sends at once
status "-j 1 reuses one connection" 0 ex -p yahoo -j 1 --from 2020-01-01 --to 2021-01-04 S1 S2 S3
eq "-j 1: one connection" "$(grep '/chart/S[0-9]' "$LOG" | awk '{print $2}' | sort -u | wc -l)" 1
serve --latency-ms 300
status "-j 4" 0 ex -p yahoo -j 4 S1 S2 S3 S4
eq "-j 4: four requests arrive together" "$(awk 'NR==1{a=$1} {b=$1} END{print (b - a < 150) ? "yes" : b - a}' "$LOG")" yes

# ---- retries (a new server for each: scripts count requests; no range,
# so one request a symbol) ----
serve
t0=$(now_ms)
status "429 with Retry-After: 1" 0 ex -p yahoo RA429
eq "Retry-After: two attempts" "$(hits /chart/RA429?)" 2
gap_ra=$(gap /chart/RA429?)
ok "Retry-After: waited at least 1 s (server clock: ${gap_ra} ms)" test "$gap_ra" -ge 1000
eq "Retry-After: run record counts the retry" "$(run '[.requests,.retries] | @csv')" "2,1"

serve
status "429 without Retry-After, twice" 0 ex -p yahoo R429
eq "429 x2: three attempts" "$(hits /chart/R429?)" 3
eq "429 x2: statuses seen" "$(awk '{print $5}' "$LOG" | tr '\n' ' ')" "429 429 200 "

serve
status "500 then 503" 0 ex -p yahoo R5XX
eq "5xx: three attempts, then the bars" "$(hits /chart/R5XX?) $(grep -c '"type":"bar"' "$T/.out")" "3 253"

serve
status "stalled body" 0 ex -p yahoo STALL
eq "stall: retried after the cut" "$(awk '{print $6}' "$LOG" | tr '\n' ' ')$(grep -c '"type":"bar"' "$T/.out")" "stall route 253"

serve
status "dropped connection" 0 ex -p yahoo DROP
eq "drop: retried" "$(awk '{print $6}' "$LOG" | tr '\n' ' ')" "drop route "

serve
status "503 for good: temporary, exit 75" 75 ex -p yahoo --retries 2 --from 2020-01-01 --to 2021-01-04 AAPL DOWN
eq "503: --retries 2 means three attempts" "$(hits /chart/DOWN?)" 3
eq "503: run record" "$(run '[.status,(.failed|join(",")),.retries] | @csv')" '"partial","DOWN",2'
ok "503: stderr says it gave up" grep -q "^mdx-extract: DOWN: .*HTTP 503.*gave up after 3 attempts" "$T/.err"
status "temporary and permanent failures: exit 1" 1 ex -p yahoo --retries 1 DOWN SI
t0=$(now_ms)
status "--max-time bounds the retries" 75 ex -p yahoo --retries 50 --retry-base 200 --max-time 1 DOWN
t1=$(now_ms)
ok "--max-time 1: gave up within 3 s ($((t1 - t0)) ms)" test $((t1 - t0)) -lt 3000

t0=$(now_ms)
status "a response slower than --max-time: timed out, temporary" 75 ex -p yahoo --max-time 1 SLOW
t1=$(now_ms)
ok "timeout: after about 1 s ($((t1 - t0)) ms)" test $((t1 - t0)) -ge 900 -a $((t1 - t0)) -lt 2900
ok "timeout: said so" grep -q "SLOW: .*timed out" "$T/.err"

# the rate limit, from the server's time stamps: --rate 200/min spaces sends
# 300 ms apart, and a server that answers 429 to a fifth request within a
# second (240 a minute) never has to (bench/extract.sh measures a run at
# the very limit)
serve --rate-limit 4/1
t0=$(now_ms)
status "--rate 200/min" 0 ex -p yahoo -j 4 --rate 200/min S1 S2 S3 S4 S5 S6 S7 S8
t1=$(now_ms)
eq "rate: 8 requests, none refused" "$(grep -c ' route$' "$LOG") $(grep -c limited "$LOG")" "8 0"
mingap=$(awk 'NR > 1 { d = $1 - p; if (m == "" || d < m) m = d } { p = $1 } END { printf "%d", m }' "$LOG")
ok "rate: arrivals at least 250 ms apart (smallest gap ${mingap} ms)" test "$mingap" -ge 250
ok "rate: took at least 7 x 300 ms ($((t1 - t0)) ms)" test $((t1 - t0)) -ge 2100

# ---- Alpha Vantage ----
serve
status "alphavantage IBM adjusted" 0 ex -p alphavantage --adjusted IBM
keep
eq "AV request" "$(cut -d' ' -f4 "$LOG")" "/query?function=TIME_SERIES_DAILY_ADJUSTED&symbol=IBM&outputsize=full&apikey=$AVKEY"
eq "AV newest bar: numbers from strings, wall date in New York" "$(grep -m1 '"type":"bar"' "$T/.out")" \
 '{"type":"bar","symbol":"IBM","interval":"1d","time":"2025-01-13","tz":"America/New_York","open":217.89,"high":219.59,"low":214.75,"close":217.4,"adj_close":217.4,"volume":3654799,"basis":"traded","basis_as_of":"'"$(date -u +%F)"'","source":"alphavantage"}'
ok "AV: the dividend before the bars" test "$(grep -n '"type":"action"' "$T/.out" | cut -d: -f1)" -lt "$(grep -n -m1 '"type":"bar"' "$T/.out" | cut -d: -f1)"
eq "AV: OHLC as traded, on every bar" "$(jqr 'select(.type=="bar") | .basis' "$T/.out" | sort | uniq -c | tr -s ' ')" " 100 traded"
eq "AV IBM dividend 1.67 on 2024-11-12" "$(grep '"type":"action"' "$T/.out")" \
 '{"type":"action","symbol":"IBM","date":"2024-11-12","kind":"dividend","amount":1.67,"source":"alphavantage"}'
eq "AV IBM: 100 bars" "$(run '[.in,.out] | @csv')" "100,101"
status "alphavantage --what actions" 0 ex -p alphavantage --what actions IBM
eq "AV actions: only the dividend" "$(jqr .type "$T/.out" | tr '\n' ' ')" "action run "
status "alphavantage recent range: compact" 0 ex -p alphavantage --from "$(date -u -d '30 days ago' +%F)" MSFT
ok "AV: outputsize=compact for a recent --from" grep -q 'symbol=MSFT&outputsize=compact' "$LOG"

status "alphavantage MSFT daily" 0 ex -p alphavantage --from 2018-06-01 MSFT
eq "AV daily: unadjusted, no adj_close" "$(jqr 'select(.time=="2018-06-08") | [.close,.volume,has("adj_close")] | @csv' "$T/.out")" "101.63,22165128,false"
eq "AV daily: rows before --from dropped" "$(run '[.in,.out,.dropped] | @csv')" "100,6,94"

serve
status "alphavantage intraday, month paging" 0 ex -p alphavantage --interval 1m --from 2017-12-01 --to 2018-06-30 MSFT
# intraday is split- and dividend-adjusted unless asked adjusted=false
eq "AV intraday: a request a month" "$(sed -n 's/.*month=\([0-9-]*\)&.*/\1/p' "$LOG" | sort | tr '\n' ' ')" \
 "2017-12 2018-01 2018-02 2018-03 2018-04 2018-05 2018-06 "
ok "AV intraday: parameters, as traded asked for" grep -q "/query?function=TIME_SERIES_INTRADAY&symbol=MSFT&interval=1min&month=2017-12&adjusted=false&outputsize=full&apikey=$AVKEY " "$LOG"
eq "AV intraday: pages and bars" "$(run '[.pages,.out] | @csv')" "7,200"
eq "AV intraday: wall time as printed" "$(grep -m1 '"time":"2018-06-01 16:00:00"' "$T/.out")" \
 '{"type":"bar","symbol":"MSFT","interval":"1m","time":"2018-06-01 16:00:00","tz":"America/New_York","open":100.615,"high":100.81,"low":100.59,"close":100.79,"volume":4129781,"basis":"traded","source":"alphavantage"}'

status "alphavantage OVERVIEW" 0 ex -p alphavantage --what profile --as-of 2020-06-05 IBM
eq "AV OVERVIEW as an instrument" "$(grep '"type":"instrument"' "$T/.out")" \
 '{"type":"instrument","symbol":"IBM","name":"International Business Machines Corporation","exchange":"NYSE","currency":"USD","sector":"Technology","industry":"Information Technology Services","market_cap":114234572800,"shares_outstanding":890579008,"as_of":"2020-06-05","source":"alphavantage"}'
status "alphavantage OVERVIEW as of today" 0 ex -p alphavantage --what profile IBM
eq "AV OVERVIEW as_of defaults to today (UTC)" "$(jqr 'select(.type=="instrument") | .as_of' "$T/.out")" "$(date -u +%F)"
status "alphavantage OVERVIEW {} for an unknown symbol" 1 ex -p alphavantage --what profile NOPE
ok "AV {}: reported" grep -q "NOPE: .*no overview for this symbol" "$T/.err"

serve
status "alphavantage Note, Information, then data" 0 ex -p alphavantage LIMITED
keep
eq "AV Note/Information: retried" "$(hits symbol=LIMITED) $(run .retries) $(grep -c '"type":"bar"' "$T/.out")" "3 2 100"
status "alphavantage Note until retries run out: exit 75" 75 ex -p alphavantage --retries 2 NOTE
keep
eq "AV Note: three attempts" "$(hits symbol=NOTE)" 3
eq "AV Note: run record" "$(run '[.status,(.failed|join(","))] | @csv')" '"failed","NOTE"'
ok "AV Note: stderr says rate limit" grep -q "NOTE: .*Alpha Vantage rate limit: Thank you" "$T/.err"
status "alphavantage Error Message: permanent" 1 ex -p alphavantage XXXX
keep
eq "AV Error Message: not retried" "$(hits symbol=XXXX)" 1

serve
status "alphavantage daily limit: the run stops, exit 75" 75 ex -p alphavantage -j 1 --retries 0 DAILY MSFT LIMITED
keep
eq "daily limit: no other request" "$(hits symbol=DAILY) $(wc -l <"$LOG")" "1 1"
eq "daily limit: every symbol failed, for now" "$(run '[.status,(.failed|sort|join(","))] | @csv')" '"failed","DAILY,LIMITED,MSFT"'
ok "daily limit: the others not asked" grep -q "^mdx-extract: MSFT: not asked: alphavantage's quota of the day is spent$" "$T/.err"

# keys: never printed, refused when odd, required
serve
status "no key: usage" 2 env -u ALPHAVANTAGE_API_KEY mdx-extract -p alphavantage --base-url "$BASE" IBM
ok "no key: says which variable" grep -q "ALPHAVANTAGE_API_KEY" "$T/.err"
printf 'file-key-42\n' >"$T/key"
status "--api-key-file" 0 env -u ALPHAVANTAGE_API_KEY mdx-extract -p alphavantage --rate 0 --base-url "$BASE" --api-key-file "$T/key" --adjusted IBM
ok "--api-key-file: the key is sent" grep -q "apikey=file-key-42 " "$LOG"
eq "--api-key-file: redacted in the run record" "$(run .args | grep -c file-key-42)$(run .args | grep -c -- '--api-key-file REDACTED')" "01"
status "--api-key-file missing" 66 mdx-extract -p alphavantage --base-url "$BASE" --api-key-file "$T/nokey" IBM
status "key with a control character refused" 2 env ALPHAVANTAGE_API_KEY="$(printf 'ab\033cd')" mdx-extract -p alphavantage --base-url "$BASE" IBM
ok "refused keys: no request sent" test "$(grep -c IBM "$LOG")" -eq 1
status "polygon key missing" 2 env -u POLYGON_API_KEY mdx-extract -p polygon --base-url "$BASE" AAPL
status "--interval 1wk on alphavantage" 2 ex -p alphavantage --interval 1wk IBM

# ---- Polygon ----
serve
status "polygon AAPL aggregates" 0 ex -p polygon --from 2023-01-03 --to 2023-01-10 AAPL
keep
eq "polygon request: prices as traded asked for" "$(cut -d' ' -f4 "$LOG")" "/v2/aggs/ticker/AAPL/range/1/day/2023-01-03/2023-01-10?adjusted=false&sort=asc&limit=50000&apiKey=$PGKEY"
eq "polygon 2023-01-03: close 125.07, volume 1.12117471e+08 as an integer" "$(grep -m1 '"type":"bar"' "$T/.out")" \
 '{"type":"bar","symbol":"AAPL","interval":"1d","t":1672722000000,"open":130.28,"high":130.9,"low":124.17,"close":125.07,"volume":112117471,"vwap":125.725,"trades":1021065,"basis":"split","basis_as_of":"'"$(date -u +%F)"'","source":"polygon"}'
eq "polygon bars" "$(grep -c '"type":"bar"' "$T/.out")" 6
# the recorded answer says "adjusted":true (it was asked so): the answer's
# flag wins over what was asked, dated by the fetch (no Date recorded)
status "polygon --adjusted" 0 ex -p polygon --adjusted --from 2023-01-03 --to 2023-01-10 AAPL
eq "--adjusted asks adjusted=true" "$(tail -1 "$LOG" | cut -d' ' -f4 | grep -c 'adjusted=true&sort=asc')" 1

status "polygon next_url paging" 0 ex -p polygon --from 2023-01-01 --to 2023-01-10 AAPL
keep
eq "next_url: page 2 asked with the key added back" "$(grep -c "2023-01-01/2023-01-10?cursor=c3ludGhldGljLXBhZ2UtMg&apiKey=$PGKEY " "$LOG")" 1
eq "next_url: pages and bars" "$(run '[.pages,.requests,.out] | @csv')" "2,2,6"
status "polygon next_url on another host is rebased" 0 ex -p polygon --from 2023-01-02 --to 2023-01-10 AAPL
eq "rebased next_url: page 2 came here" "$(hits 2023-01-02/2023-01-10?cursor=) $(grep -c '"type":"bar"' "$T/.out")" "1 6"

status "polygon grouped daily" 0 ex -p polygon --grouped --from 2020-10-14
eq "grouped: the day's bar with its symbol" "$(grep '"type":"bar"' "$T/.out")" \
 '{"type":"bar","symbol":"GIK","interval":"1d","t":1602705600000,"open":9.99,"high":10.02,"low":9.9,"close":10.02,"volume":895345,"vwap":9.9979,"trades":96,"basis":"split","basis_as_of":"'"$(date -u +%F)"'","source":"polygon"}'
status "grouped: symbols filter" 0 ex -p polygon --grouped --from 2020-10-14 AAPL
eq "grouped: GIK not asked for" "$(grep -c '"type":"bar"' "$T/.out")" 0
eq "grouped: a day without data is a warning" "$(cat "$T/.err")" "mdx-extract: warning: 2020-10-14: no data in the range"
status "grouped: weekends skipped" 0 ex -p polygon --dry-run --grouped --from 2020-10-09 --to 2020-10-13
eq "grouped: one request a session" "$(sed 's/.*stocks\/\([0-9-]*\)?.*/\1/' "$T/.out" | tr '\n' ' ')" "2020-10-09 2020-10-12 2020-10-13 "

status "polygon ticker details" 0 ex -p polygon --what profile --as-of 2022-06-01 AAPL
keep
eq "ticker details as an instrument" "$(grep '"type":"instrument"' "$T/.out")" \
 '{"type":"instrument","symbol":"AAPL","name":"Apple Inc.","exchange":"XNAS","currency":"USD","industry":"ELECTRONIC COMPUTERS","market_cap":2488795282370,"shares_outstanding":16319440000,"as_of":"2022-06-01","source":"polygon"}'
ok "ticker details: date parameter" grep -q "/v3/reference/tickers/AAPL?date=2022-06-01&apiKey=$PGKEY " "$LOG"

status "polygon splits and dividends" 0 ex -p polygon --what actions GOOGL BRW CSSEN AMZN
keep
ok "actions: all of them asked (no range)" grep -q "/v3/reference/splits?ticker=AMZN&limit=1000&apiKey=$PGKEY " "$LOG"
eq "GOOGL 20:1 split" "$(jqr 'select(.symbol=="GOOGL") | "\(.date) \(.kind) \(.ratio)"' "$T/.out")" "2022-07-18 split 20"
eq "AMZN 20:1 split on 2022-06-06, as a record" "$(jqr -c 'select(.symbol=="AMZN")' "$T/.out")" \
 '{"type":"action","symbol":"AMZN","date":"2022-06-06","kind":"split","ratio":20,"source":"polygon"}'
eq "BRW reverse split 1:2" "$(jqr 'select(.symbol=="BRW") | "\(.date) \(.ratio)"' "$T/.out")" "2022-05-20 0.5"
eq "CSSEN dividends" "$(jqr 'select(.symbol=="CSSEN") | "\(.date) \(.amount)"' "$T/.out" | sed -n '1p;$p' | tr '\n' ';') $(jqr 'select(.symbol=="CSSEN") | .date' "$T/.out" | wc -l)" \
 "2025-06-12 0.59375;2023-09-14 0.59375; 8"
eq "actions: other tickers of the answer left out" "$(jqr 'select(.type=="action") | .symbol' "$T/.out" | sort -u | tr '\n' ' ')" "AMZN BRW CSSEN GOOGL "

serve
status "polygon 429 with Retry-After" 0 ex -p polygon --from 2023-01-03 --to 2023-01-10 P429
gap_p=$(gap /ticker/P429/)
ok "polygon 429: retried after at least 1 s (${gap_p} ms)" test "$gap_p" -ge 1000

# ---- SEC EDGAR: share counts, point in time ----
SECUA="mdx-tests tests@example.com"
serve
status "sec without a User-Agent: refused" 2 env -u MDX_SEC_USER_AGENT mdx-extract -p sec --base-url "$BASE" NVDA
ok "sec: the refusal names --user-agent and MDX_SEC_USER_AGENT" grep -q -- "--user-agent 'Name contact@example.com' or set MDX_SEC_USER_AGENT" "$T/.err"
eq "sec refused: nothing asked" "$(wc -l <"$LOG")" 0
status "sec: a User-Agent without a contact e-mail: refused" 2 mdx-extract -p sec --base-url "$BASE" --user-agent mdx NVDA
status "sec: --rate above 10 a second refused" 2 mdx-extract -p sec --user-agent "$SECUA" --base-url "$BASE" --rate 11/s NVDA
status "sec: --rate 0 (no limit) refused" 2 mdx-extract -p sec --user-agent "$SECUA" --base-url "$BASE" --rate 0 NVDA
status "sec NVDA" 0 env MDX_SEC_USER_AGENT="$SECUA" mdx-extract -p sec --base-url "$BASE" NVDA
eq "sec: the ticker map, then the company facts by 10-digit CIK, on one base URL" "$(cut -d' ' -f4 "$LOG" | tr '\n' ' ')" \
 "/files/company_tickers.json /api/xbrl/companyfacts/CIK0001045810.json "
eq "sec NVDA: one record a dei:EntityCommonStockSharesOutstanding entry" "$(grep -c '"type":"instrument"' "$T/.out")" 68
eq "sec NVDA: the count filed 2021-05-26 (before the 2021-07-20 4:1 split)" "$(grep '"as_of":"2021-05-26"' "$T/.out")" \
 '{"type":"instrument","symbol":"NVDA","shares_outstanding":623000000,"as_of":"2021-05-26","period_end":"2021-05-21","source":"sec"}'
eq "sec NVDA: the first filed after the split" "$(grep '"as_of":"2021-08-20"' "$T/.out")" \
 '{"type":"instrument","symbol":"NVDA","shares_outstanding":2500000000,"as_of":"2021-08-20","period_end":"2021-08-13","source":"sec"}'
eq "sec NVDA: oldest filing first" "$(jqr 'select(.type=="instrument") | .as_of' "$T/.out" | sed -n '1p;$p' | tr '\n' ' ')" "2009-08-20 2026-05-20 "
eq "sec run record" "$(run '[.status,.in,.out,.requests,.pages] | @csv')" '"ok",68,68,2,2'
status "sec --from/--to: by filed date" 0 mdx-extract -p sec --user-agent "$SECUA" --base-url "$BASE" --from 2021-01-01 --to 2021-12-31 NVDA
eq "sec 2021 filings" "$(jqr 'select(.type=="instrument") | "\(.as_of) \(.shares_outstanding)"' "$T/.out" | tr '\n' ';')" \
 "2021-02-26 620000000;2021-05-26 623000000;2021-08-20 2500000000;2021-11-22 2500000000;"
status "sec: a ticker not in SEC's list fails alone" 1 mdx-extract -p sec --user-agent "$SECUA" --base-url "$BASE" NVDA NOSUCH
eq "sec: NOSUCH reported, NVDA delivered" "$(run '[.status,(.failed|join(","))] | @csv') $(grep -c '"symbol":"NVDA"' "$T/.out")" '"partial","NOSUCH" 68'
ok "sec: NOSUCH's reason" grep -q "^mdx-extract: NOSUCH: not in SEC's ticker list" "$T/.err"
status "sec --dry-run: the map request of SEC's host" 0 mdx-extract -p sec --user-agent "$SECUA" --dry-run NVDA
eq "sec --dry-run" "$(cat "$T/.out")" "GET https://www.sec.gov/files/company_tickers.json"
mdx-extract -p sec --user-agent "$SECUA" --base-url "$BASE" NVDA 2>/dev/null | mdx-transform >"$T/sec.canon" 2>"$T/sec.err"
eq "sec through mdx-transform: period_end kept" "$(grep '"as_of":"2021-05-26"' "$T/sec.canon" | jqr -c '[.shares_outstanding,.as_of,.period_end,.source]')" \
 '[623000000,"2021-05-26","2021-05-21","sec"]'
ROUTES=$FIX/http/yahoo_amzn_2021.routes
serve
status "sec: no ticker map, no run" 1 mdx-extract -p sec --user-agent "$SECUA" --base-url "$BASE" NVDA MSFT
eq "sec without the map: every symbol failed, one request" "$(run '[.status,(.failed|join(",")),.requests] | @csv')" '"failed","NVDA,MSFT",1'
ok "sec without the map: the reason names the map's URL" grep -q "^mdx-extract: http://127.0.0.1:[0-9]*/files/company_tickers.json: HTTP 404" "$T/.err"
ROUTES=$FIX/http/providers.routes
# AAPL and MRVL from ../shared/data (1-4 MB each), when it is there
SEC=${MDX_SHARED:-$(pwd)/../shared/data}/sec
if [ -r "$SEC/companyfacts_CIK0000320193_AAPL_rec2026-03-25.json" ] && [ -r "$SEC/companyfacts_CIK0001835632_MRVL_rec2026-06-08.json" ]; then
	printf '%s\n' "/files/company_tickers.json 200 $FIX/http/sec/company_tickers.json" \
		"/api/xbrl/companyfacts/CIK0000320193.json 200 $SEC/companyfacts_CIK0000320193_AAPL_rec2026-03-25.json" \
		"/api/xbrl/companyfacts/CIK0001835632.json 200 $SEC/companyfacts_CIK0001835632_MRVL_rec2026-06-08.json" >"$T/sec.routes"
	ROUTES=$T/sec.routes
	serve
	status "sec AAPL MRVL (shared data)" 0 mdx-extract -p sec --user-agent "$SECUA" --base-url "$BASE" AAPL MRVL
	eq "sec AAPL: 68 entries, MRVL 21" "$(jqr 'select(.type=="instrument") | .symbol' "$T/.out" | sort | uniq -c | tr -s ' ' | tr '\n' ';')" " 68 AAPL; 21 MRVL;"
	eq "sec AAPL: the count filed 2020-10-30, after the 2020-08-31 4:1 split" "$(grep '"symbol":"AAPL".*"as_of":"2020-10-30"' "$T/.out")" \
	 '{"type":"instrument","symbol":"AAPL","shares_outstanding":17001802000,"as_of":"2020-10-30","period_end":"2020-10-16","source":"sec"}'
	eq "sec AAPL: two facts filed one day (a 10-K/A and a 10-Q) both kept, older period first" "$(jqr 'select(.as_of=="2010-01-25") | "\(.period_end) \(.shares_outstanding)"' "$T/.out" | tr '\n' ';')" \
	 "2009-10-16 900678473;2010-01-15 906794589;"
	ROUTES=$FIX/http/providers.routes
else
	echo "skip: sec AAPL/MRVL (no $SEC)"
fi

# ---- secrets ----
eq "keys never in mdx-extract's output or messages" "$(grep -c -e "$AVKEY" -e "$PGKEY" "$T/all")" 0

# ---- symbols ----
printf 'Symbol,Security,Headquarters Location\nNVDA,"NVIDIA Corporation","Santa Clara, California"\nMSFT,Microsoft,"Redmond, Washington"\n' >"$T/list.csv"
status "--symbols-file CSV with a Symbol column" 0 mdx-extract -p yahoo --dry-run --symbols-file "$T/list.csv"
eq "CSV list: symbols in order" "$(sed 's/.*chart\/\([^?]*\)?.*/\1/' "$T/.out" | tr '\n' ' ')" "NVDA MSFT "
printf '# watch list\nAAPL\n\n  MSFT \r\nAAPL\nBRK-B\n' >"$T/list.txt"
status "--symbols-file one a line" 0 mdx-extract -p yahoo --dry-run --symbols-file "$T/list.txt" ^GSPC
eq "line list: comments, blanks, repeats; ^ encoded" "$(sed 's/.*chart\/\([^?]*\)?.*/\1/' "$T/.out" | tr '\n' ' ')" "%5EGSPC AAPL MSFT BRK-B "
status "symbols from standard input" 0 sh -c 'printf "NVDA\nSI\n" | mdx-extract -p yahoo --dry-run -'
eq "stdin list" "$(grep -c GET "$T/.out")" 2
serve
printf 'AAPL\nBAD\033[2J\n' >"$T/bad.txt"
status "control character in a symbol: refused before any request" 2 ex -p yahoo --symbols-file "$T/bad.txt"
ok "refused symbol shown escaped with its line" grep -q 'bad.txt:2: invalid symbol .BAD\\x1b\[2J.' "$T/.err"
eq "refused symbol: no request" "$(wc -l <"$LOG")" 0
status "no symbols" 2 mdx-extract -p yahoo --dry-run
status "missing symbols file" 66 mdx-extract -p yahoo --symbols-file "$T/none.txt"
status "bad --rate" 2 mdx-extract -p yahoo --rate fast AAPL
status "bad --base-url" 2 mdx-extract -p yahoo --base-url ftp://x AAPL
status "--dry-run prints, sends nothing" 0 mdx-extract -p alphavantage --base-url "$BASE" --dry-run IBM
eq "--dry-run: redacted request" "$(cat "$T/.out")" "GET $BASE/query?function=TIME_SERIES_DAILY&symbol=IBM&outputsize=full&apikey=REDACTED"
eq "--dry-run: nothing sent" "$(wc -l <"$LOG")" 0

# ---- through the pipeline ----
serve
ex -p yahoo --from 2021-02-01 --to 2022-01-31 NVDA MSFT 2>/dev/null | mdx-transform 2>/dev/null | mdx-load -q --db "$T/y.db"
eq "pipeline yahoo: NVDA split 4 on 2021-07-20" "$(mdx-query --db "$T/y.db" sql "select date, kind, value from actions where symbol = 'NVDA'" -f csv | tr -d "\r" | tail -1)" "2021-07-20,split,4"
eq "pipeline yahoo: MSFT dividend 0.62 on 2021-11-17" "$(mdx-query --db "$T/y.db" sql "select value from actions where symbol = 'MSFT' and date = '2021-11-17'" -f csv | tr -d "\r" | tail -1)" "0.62"
eq "pipeline yahoo: NVDA close on 2021-07-20 keyed at New York midnight" "$(mdx-query --db "$T/y.db" bars NVDA --from 2021-07-20 --to 2021-07-20 -f csv | tr -d "\r" | tail -1 | cut -d, -f4,5,9,10,14)" \
 "2021-07-20T04:00:00Z,2021-07-20,18.61199951171875,18.576828002929688,regular"
ex -p yahoo --from 2020-01-01 --to 2021-01-04 OCDO.L 2>/dev/null | mdx-transform 2>/dev/null | mdx-load -q --db "$T/y.db"
eq "pipeline yahoo: OCDO.L day in London, no NYSE session" "$(mdx-query --db "$T/y.db" bars OCDO.L --from 2020-06-08 --to 2020-06-08 -f csv | tr -d "\r" | tail -1 | cut -d, -f4,5,9,14)" \
 "2020-06-07T23:00:00Z,2020-06-08,1983.5,"
eq "pipeline yahoo: OCDO.L currency GBp" "$(mdx-query --db "$T/y.db" sql "select currency from instruments where symbol = 'OCDO.L'" -f csv | tr -d "\r" | tail -1)" "GBp"
ex -p alphavantage --adjusted IBM 2>/dev/null | mdx-transform 2>/dev/null | mdx-load -q --db "$T/a.db"
eq "pipeline alphavantage: IBM close and dividend on 2024-11-12" "$(mdx-query --db "$T/a.db" bars IBM --from 2024-11-12 --to 2024-11-12 -f csv | tr -d "\r" | tail -1 | cut -d, -f4,9) $(mdx-query --db "$T/a.db" sql "select value from actions where symbol = 'IBM' and date = '2024-11-12' and kind = 'dividend'" -f csv | tr -d "\r" | tail -1)" \
 "2024-11-12T05:00:00Z,210.86 1.67"
ex -p polygon --from 2023-01-03 --to 2023-01-10 AAPL 2>/dev/null | mdx-transform 2>/dev/null | mdx-load -q --db "$T/p.db"
eq "pipeline polygon: AAPL 2023-01-03" "$(mdx-query --db "$T/p.db" bars AAPL --from 2023-01-03 --to 2023-01-03 -f csv | tr -d "\r" | tail -1 | cut -d, -f4,5,9,11,12,13)" \
 "2023-01-03T05:00:00Z,2023-01-03,125.07,112117471,125.725,1021065"
eq "pipeline polygon: weekly VWAP = sum(vw x v) / sum(v) of the days" \
 "$(mdx-query --db "$T/p.db" resample AAPL --to 1wk -f csv | tr -d '\r' | awk -F, 'NR == 2 { printf "%s %s %.6f", $5, $11, $12 }')" \
 "2023-01-03 369689627 126.613466"
eq "pipeline: extract's run record stored" "$(mdx-query --db "$T/p.db" runs -f csv | grep -c ',mdx-extract,')" 1

# ---- issue 15: provider numbers that cannot be represented are rejected
# with a reason, never written wrapped ----
serve
status "yahoo timestamp 1e16: rejected, the run partial" 1 ex -p yahoo BIGT
eq "yahoo 1e16: only the good bar written" "$(jqr 'select(.type=="bar") | .t' "$T/.out" | tr '\n' ' ')" "1612189800000 "
eq "yahoo 1e16: the reason" "$(grep -c "BIGT: field 'timestamp': epoch seconds 1e+16 out of range" "$T/.err")" 1
eq "yahoo -1e16: the reason" "$(grep -c "BIGT: field 'timestamp': epoch seconds -1e+16 out of range" "$T/.err")" 1
eq "yahoo split dated 1e16: rejected, the dividend kept" "$(grep -c "BIGT: field 'date': epoch seconds 1e+16 out of range" "$T/.err") $(jqr 'select(.type=="action") | .kind' "$T/.out")" "1 dividend"
eq "yahoo 1e16: run record" "$(run '[.status,.rejected] | @csv')" '"partial",3'
ok "yahoo 1e16: no wrapped instant" sh -c "! grep -q -e '\"t\":-' '$T/.out'"
status "polygon t 1e30 and v 1e30: rejected" 1 ex -p polygon --from 2023-01-03 --to 2023-01-10 BIGT
eq "polygon 1e30: the good bar only" "$(jqr 'select(.type=="bar") | [.t,.volume] | @csv' "$T/.out")" "1672722000000,112117471"
eq "polygon 1e30: the reasons" "$(grep -c -e "BIGT: field 't': epoch ms 1e+30 out of range" -e "BIGT: field 'volume': number 1e+30 out of range" "$T/.err")" 2
eq "polygon 1e30: run record" "$(run '[.status,.rejected] | @csv')" '"partial",2'
status "alphavantage SharesOutstanding 1e30: rejected" 1 ex -p alphavantage --what profile --as-of 2020-06-05 BIGS
eq "AV shares 1e30: the reason, the other facts kept" "$(grep -c "BIGS: field 'shares_outstanding': number 1e+30 out of range" "$T/.err") $(jqr 'select(.type=="instrument") | [.market_cap, has("shares_outstanding")] | @csv' "$T/.out")" "1 114698313728,false"
status "polygon next_url with a newline: refused" 1 ex -p polygon --from 2023-01-04 --to 2023-01-10 NLURL
eq "next_url with a newline: the reason, no second request" "$(grep -c "next_url holds a control character" "$T/.err") $(hits NLURL)" "1 1"
# a next_url that carries Polygon's apiKey= already: the key is not added
# twice (has_key is case-insensitive: apiKey, apikey)
status "polygon next_url with apiKey" 0 ex -p polygon --from 2023-01-04 --to 2023-01-10 AAPL
eq "next_url with apiKey: page 2 asked once, with that key only" \
 "$(grep -c "2023-01-04/2023-01-10?cursor=c3ludGhldGljLXBhZ2UtMg&apiKey=key-of-next-url " "$LOG") $(grep -c "$PGKEY.*key-of-next-url\|key-of-next-url.*$PGKEY" "$LOG")" "1 0"
eq "next_url with apiKey: bars" "$(grep -c '"type":"bar"' "$T/.out")" 6

# ---- allocation failures (the seam of lib/alloc.c): every 50th of a
# paged Polygon run fails in turn; a clean failure or success, never a
# crash, a sanitizer report or a silent loss (exit 0 without a run record)
serve
bad=0 n=1
while [ $n -le 700 ]; do
	MDX_FAIL_ALLOC=$n ex -p polygon --from 2023-01-01 --to 2023-01-10 AAPL >"$T/fa.out" 2>"$T/fa.err"
	rc=$?
	if [ $rc -gt 128 ] || [ $rc -eq 86 ] || grep -q -e Sanitizer -e 'runtime error' "$T/fa.err" ||
		{ [ $rc -eq 0 ] && ! grep -q '"type":"run"' "$T/fa.out"; }; then
		bad=$n
		break
	fi
	n=$((n + 50))
done
if [ $bad -eq 0 ]; then pass; else fail "allocation failures" "allocation $bad: exit $rc $(head -c 300 "$T/fa.err")"; fi

# ---- progress on a terminal ----
if command -v script >/dev/null 2>&1; then
	script -qec "mdx-extract -p yahoo --base-url $BASE --rate 0 NVDA MSFT SI >/dev/null" "$T/tty" >/dev/null 2>&1
	ok "progress line on a terminal" grep -q "3/3 symbols, 3 requests, 0 retries, 1 failed" "$T/tty"
	mdx-extract -p yahoo --base-url "$BASE" --rate 0 NVDA 2>"$T/notty" >/dev/null
	eq "no progress when stderr is not a terminal" "$(cat "$T/notty")" ""
fi
unserve
finish
