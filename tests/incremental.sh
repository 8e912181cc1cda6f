# tests/incremental.sh - mdx-extract's times (--from/--to with a time) and
# bookmarks (--since FILE|-, --overlap N), against tests/tools/mdx-replay
# serving the recorded Yahoo answers of providers.routes; the periods asked
# for are read from the server's request log (MS CONN METHOD TARGET ...).
. tests/lib.sh

ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=86
UBSAN_OPTIONS=${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=86
export ASAN_OPTIONS UBSAN_OPTIONS
ROUTES=$FIX/http/providers.routes
# the recorded 1m answer was made on Fri, 04 Oct 2024 12:07:44 GMT: Yahoo's
# range limits (30 days of 1m bars) count back from then
MDX_EXTRACT_NOW=2024-10-04T12:07:44Z
export MDX_EXTRACT_NOW
SPID= nserv=0
trap 'unserve; rm -rf "$T"' EXIT

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
ex() { mdx-extract --base-url "$BASE" --rate 0 --retry-base 20 "$@"; }
# the targets the server saw, one a line, from request $1 on
targets() { awk -v n="$1" 'NR >= n { print $4 }' "$LOG"; }
param() { sed -n "s/.*[?&]$1=\([^&]*\).*/\1/p"; }
bars_t() { jqr 'select(.type=="bar") | .t' "$T/.out" | tr '\n' ' '; }

serve

# ---- --from/--to with times ----
# AAPL 1m of 2024-10-02: the last bars of the session are 15:57, 15:58 and
# 15:59 New York (19:57Z .. 19:59Z)
status "--from wall time in --tz, --to RFC 3339" 0 ex -p yahoo --interval 1m --from "2024-10-02 15:57" --to 2024-10-02T19:58:00Z AAPL
eq "wall time 15:57 New York (EDT) is period1 1727899020; period2 just past --to" "$(targets 2 | param period1) $(targets 2 | param period2)" "1727899020 1727899081"
eq "times: the events request, then the bars" "$(wc -l <"$LOG" | tr -d ' ')" 2
eq "times: the bars starting 15:57 and 15:58 only" "$(bars_t)" "1727899020000 1727899080000 "
status "--from 'YYYY-MM-DDTHH:MM:SS' and --tz UTC" 0 ex -p yahoo --interval 1m --tz UTC --from 2024-10-02T19:59:00 AAPL
eq "UTC wall time: from 19:59Z; the live bar of 2024-10-03 is after it" "$(bars_t)" "1727899140000 1727985600000 "
status "--from with a bad time" 2 ex -p yahoo --interval 1m --from "2024-10-02 24:00" AAPL
eq "bad time: the message says what is accepted" "$(cat "$T/.err")" \
 "mdx-extract: --from: '2024-10-02 24:00' is not a date (YYYY-MM-DD), an RFC 3339 instant or YYYY-MM-DD HH:MM[:SS] in America/New_York"
status "--from in the spring-forward gap" 2 ex -p yahoo --interval 1m --from "2024-03-10 02:30" AAPL
status "--from after --to" 2 ex -p yahoo --interval 1m --from "2024-10-02 15:00" --to "2024-10-02 14:00" AAPL

# ---- --since: bookmarks from the store ----
serve
ex -p yahoo --interval 1m --from 2024-10-02 --to 2024-10-02 AAPL 2>/dev/null | mdx-transform 2>/dev/null | mdx-load --db "$T/m.db" 2>/dev/null
mdx-query --db "$T/m.db" latest -f ndjson --interval 1m >"$T/marks"
eq "the store's latest 1m bar of AAPL: 15:59 New York" "$(jqr '"\(.symbol) \(.ts)"' "$T/marks")" "AAPL 2024-10-02T19:59:00Z"
n0=$(($(wc -l <"$LOG") + 1))
mdx-query --db "$T/m.db" latest -f ndjson --interval 1m | ex -p yahoo --interval 1m --since - >"$T/.out" 2>"$T/.err"
eq "mdx-query latest | --since -: exit 0" "$?" 0
eq "--since: one request for the symbol, no events request" "$(targets $n0 | wc -l | tr -d ' ')" 1
eq "--since: period1 = last bar (1727899140) - one 1m bar" "$(targets $n0 | param period1)" 1727899080
eq "--since: the overlap bar, the last bar again, the live bar" "$(bars_t)" "1727899080000 1727899140000 1727985600000 "
eq "--since: run record counts one symbol" "$(jqr 'select(.type=="run") | "\(.symbols) \(.requests)"' "$T/.out")" "1 1"
n0=$(($(wc -l <"$LOG") + 1))
status "--since FILE --overlap 0" 0 ex -p yahoo --interval 1m --since "$T/marks" --overlap 0
eq "--overlap 0: period1 = the last bar" "$(targets $n0 | param period1)" 1727899140
eq "--overlap 0: the last bar again and the live bar" "$(bars_t)" "1727899140000 1727985600000 "
n0=$(($(wc -l <"$LOG") + 1))
status "--overlap 5" 0 ex -p yahoo --interval 1m --since "$T/marks" --overlap 5
eq "--overlap 5: period1 = last bar - 300 s" "$(targets $n0 | param period1)" 1727898840

# daily: a raw bar record (t) is a bookmark too; a symbol without one is
# fetched as without --since (its events, then --from/--to)
printf '%s\n' '{"type":"bar","symbol":"AAPL","interval":"1d","t":1609338600000,"close":133.72}' \
 '{"type":"bar","symbol":"AAPL","interval":"1d","t":1609252200000,"close":134.87}' \
 '{"type":"bar","symbol":"MSFT","interval":"1m","t":1609338600000,"close":1}' \
 '{"type":"run","tool":"mdx-extract"}' >"$T/marks1d"
n0=$(($(wc -l <"$LOG") + 1))
status "--since raw daily bars, NVDA without a bookmark" 0 ex -p yahoo --from 2021-02-01 --to 2022-01-31 --since "$T/marks1d" NVDA
eq "daily --since: AAPL from 2020-12-29 (its last bar 2020-12-30 minus a day) less 3 h; NVDA events then --from" \
 "$(targets $n0 | sed 's/period2=[0-9]*/period2=P2/' | sort | tr '\n' ' ')" \
 "/v8/finance/chart/AAPL?period1=1609189200&period2=P2&interval=1d&includePrePost=false&events=div%7Csplit&includeAdjustedClose=true /v8/finance/chart/NVDA?period1=-2208988800&period2=P2&interval=1wk&events=div%7Csplit /v8/finance/chart/NVDA?period1=1612126800&period2=P2&interval=1d&includePrePost=false&events=div%7Csplit&includeAdjustedClose=true "
eq "daily --since: AAPL's bars from 2020-12-29 (the bookmark wins over --from)" "$(jqr 'select(.type=="bar" and .symbol=="AAPL") | .t' "$T/.out" | head -1)" 1609252200000
eq "daily --since: a 1m bookmark (MSFT) and the run record are not 1d bookmarks" "$(jqr 'select(.type=="bar") | .symbol' "$T/.out" | sort -u | tr '\n' ' ')" "AAPL NVDA "
eq "daily --since: NVDA whole range" "$(jqr 'select(.type=="bar" and .symbol=="NVDA") | .t' "$T/.out" | wc -l | tr -d ' ')" 252

# ---- Yahoo's range limits: windows of 7 days of 1m bars, 30 days back ----
ROUTES=$FIX/http/incremental.routes
serve
echo '{"symbol":"AAPL","interval":"1m","ts":"2024-09-03T19:59:00Z"}' >"$T/old"
status "--since 31 days back of 1m bars" 0 ex -p yahoo --interval 1m --since "$T/old"
eq "31 days: the bookmark is older than 30 days: said so" "$(cat "$T/.err")" \
 "mdx-extract: warning: AAPL: Yahoo serves 1m bars of the last 30 days only: asking from 1725451664, not from the bookmark; older bars are not fetched"
eq "31 days: 5 requests of at most 7 days, back to back from now - 30 days to now" \
 "$(targets 1 | awk '{ p1 = $0; sub(/.*period1=/, "", p1); sub(/&.*/, "", p1); p2 = $0; sub(/.*period2=/, "", p2); sub(/&.*/, "", p2); printf "%d-%d\n", p1, p2 - p1 }' | sort -n | tr '\n' ' ')" \
 "1725451664-604800 1726056464-604800 1726661264-604800 1727266064-604800 1727870864-172800 "
eq "31 days: no request refused (the server answers 422 over 7 days)" "$(awk '$5 != 200' "$LOG" | wc -l | tr -d ' ')" 0
eq "31 days: each bar once (389 of 2024-10-02 and the last of 2024-10-03)" "$(jqr 'select(.type=="bar") | .t' "$T/.out" | sort -u | wc -l | tr -d ' ') $(grep -c '"type":"bar"' "$T/.out")" "390 390"
eq "31 days: one instrument record" "$(grep -c '"type":"instrument"' "$T/.out")" 1
status "the server refuses 8 days of 1m bars as Yahoo does" 0 curl -s -o "$T/422" -w '%{http_code}' "$BASE/v8/finance/chart/AAPL?period1=1727222400&period2=1727913601&interval=1m"
eq "422 with Yahoo's description" "$(cat "$T/.out") $(jqr .chart.error.description "$T/422")" \
 "422 1m data not available for startTime=1727222400 and endTime=1727913601. Only 7 days worth of 1m granularity data are allowed to be fetched per request."
status "--from older than 30 days of 1m bars: refused" 2 ex -p yahoo --interval 1m --from 2024-09-01 AAPL
eq "older --from: the message" "$(cat "$T/.err")" "mdx-extract: -p yahoo: Yahoo serves 1m bars of the last 30 days only: --from is older"
status "1h bars of 2 years are one request" 0 ex -p yahoo --interval 1h --dry-run --from 2022-10-10 --to 2024-10-01 NVDA

# ---- an open bar: "final":false ----
status "an answer made while the last bar was open" 0 ex -p yahoo --interval 1m --from 2024-10-02 --to 2024-10-03 LIVE
eq "open bar: only the 2024-10-03 16:00 bar (started 30 s before the answer's Date) is not final" \
 "$(jqr -c 'select(.final == false) | [.t, .close]' "$T/.out")" "[1727985600000,225.6699981689453]"
eq "open bar: the others carry no final field" "$(jqr 'select(.type=="bar" and .final == null) | .t' "$T/.out" | wc -l | tr -d ' ')" 389
mdx-transform "$T/.out" >"$T/live.canon" 2>/dev/null
eq "open bar: mdx-transform keeps final:false" "$(jqr -c 'select(.final == false) | [.ts, .session]' "$T/live.canon")" '["2024-10-03T20:00:00Z","post"]'

# ---- symbols as each provider spells them (the S&P 500 list's BRK.B, BF.B) ----
printf 'Symbol,Security\nBRK.B,Berkshire Hathaway\nBF.B,Brown-Forman\n' >"$T/classes.csv"
n0=$(($(wc -l <"$LOG") + 1))
status "yahoo BRK.B" 0 ex -p yahoo --from 2020-12-30 --to 2020-12-31 BRK.B
eq "yahoo BRK.B: asked as BRK-B (events, then the bars)" "$(targets $n0 | grep -c '^/v8/finance/chart/BRK-B?') $(grep -c 'BRK\.B' "$LOG")" "2 0"
eq "yahoo BRK.B: the records keep the exchange's BRK.B" "$(jqr 'select(.type=="bar" or .type=="instrument") | "\(.type) \(.symbol)"' "$T/.out" | sort | uniq -c | tr -s ' ' | tr '\n' ';')" " 2 bar BRK.B; 1 instrument BRK.B;"
eq "yahoo BRK.B: the bar of 2020-12-30 (AAPL's body served)" "$(jqr -c 'select(.type=="bar") | [.symbol,.t,.close]' "$T/.out" | head -1)" '["BRK.B",1609338600000,133.72000122070312]'
status "alphavantage BF.B (dry run)" 0 mdx-extract -p alphavantage --dry-run --symbols-file "$T/classes.csv"
eq "alphavantage: symbol=BRK-B and BF-B" "$(sed -n 's/.*symbol=\([^&]*\).*/\1/p' "$T/.out" | tr '\n' ' ')" "BRK-B BF-B "
status "polygon BRK.B (dry run)" 0 mdx-extract -p polygon --dry-run --from 2023-01-03 --to 2023-01-04 --symbols-file "$T/classes.csv"
eq "polygon: the exchange's spelling" "$(grep -o 'ticker/[^/]*/range' "$T/.out" | tr '\n' ' ')" "ticker/BRK.B/range ticker/BF.B/range "

# refusals
echo '{"symbol":"AAPL","interval":"1m"}' >"$T/bad"
status "a bookmark without a time" 65 ex -p yahoo --interval 1m --since "$T/bad"
eq "bad bookmark: file and line" "$(cat "$T/.err")" "mdx-extract: --since: $T/bad:1: not a bar with a valid symbol and a time (ts or t)"
status "--since a missing file" 66 ex -p yahoo --since "$T/none"
status "--since - with the symbols' '-'" 2 ex -p yahoo --since - - </dev/null
status "polygon --since (dry run)" 0 ex -p polygon --interval 1m --since "$T/marks" --dry-run
eq "polygon --since: {from} the bookmark less a bar, in epoch ms" "$(grep -o 'range/1/minute/[0-9]*/' "$T/.out")" "range/1/minute/1727899080000/"
status "--since for another provider" 2 ex -p alphavantage --since "$T/marks"
eq "--since alphavantage: said so" "$(cat "$T/.err")" "mdx-extract: -p alphavantage: --since: not supported by this provider yet"
status "--since with --what actions" 2 ex -p yahoo --what actions --since "$T/marks"
status "--since with no bookmark of the interval and no symbol" 2 ex -p yahoo --interval 1h --since "$T/marks"

finish
