# tests/follow.sh - mdx-extract --follow against tests/tools/mdx-replay
# replaying recorded days as they happened (follow.routes: the live option,
# a virtual clock --clock/--speed), through mdx-transform into mdx-load:
# the store's values, no bar written twice unless it changed, the bookmark
# moving on, an injected outage (--outage) that loses nothing and shows in
# the run records, Retry-After, SIGTERM and SIGINT, and mdx-serve's ETags
# following the store while the pipeline loads.  The periods asked for are
# read from the server's request log (MS CONN METHOD TARGET STATUS KIND).
# Timings are asserted only as generous bounds.
. tests/lib.sh

ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=86
UBSAN_OPTIONS=${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=86
export ASAN_OPTIONS UBSAN_OPTIONS
ROUTES=$FIX/http/follow.routes
# Yahoo's range limits count back from "now": the recording's Date
MDX_EXTRACT_NOW=2024-10-04T12:07:44Z
export MDX_EXTRACT_NOW
SPID= XPID= LPID= VPID= nserv=0
trap 'unserve; [ -n "${KEEP:-}" ] && cp -r "$T" /tmp/fw/keep; for p in $XPID $LPID $VPID; do kill $p 2>/dev/null; done; rm -rf "$T"' EXIT

# serve [mdx-replay options]: a replay server; sets BASE and LOG
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
# as ex, in the background (cmd &): the shell of the job becomes
# mdx-extract, so that $! is its pid for the signals
exbg() { exec mdx-extract --base-url "$BASE" --rate 0 --retry-base 20 "$@"; }
# until CMD succeeds, at most $1 tenths of a second; 0 when it did
until_ok() {
	n=$1
	shift
	i=0
	while ! "$@" && [ $i -lt "$n" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	"$@"
}
# the bars of SYM (1m) in the store $DB
nbars() {
	mdx-query --db "$DB" -f csv sql "SELECT count(*) AS n FROM bars WHERE symbol = '$1' AND interval = '1m'" 2>/dev/null | tail -n 1 | tr -d '\r'
}
has_bars() { [ "$(nbars "$1")" -ge "$2" ] 2>/dev/null; }
# the period1 of the 1m requests of SYM in the log, one a line, with the
# status answered: "PERIOD1 STATUS"
periods() {
	awk -v s="/v8/finance/chart/$1?" 'index($4, s) == 1 && $4 ~ /interval=1m/ { p = $4; sub(/.*period1=/, "", p); sub(/&.*/, "", p); print p, $5 }' "$LOG"
}
# stop PID with signal SIG, wait for it (at most 10 s, then SIGKILL: a
# failure), its status in $rc
stop() {
	kill -"$2" "$1" 2>/dev/null
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1"
	rc=$?
}
# a raw bar record's key and whether it is final, one a line
bar_keys() { jqr 'select(.type=="bar") | "\(.symbol) \(.t) \(.final != false)"' "$1"; }

# ---- refused where following makes no sense ----
serve --clock 2024-10-02T13:30:30Z
status "--follow with -p csv" 2 mdx-extract --follow "$FIX/csv/yahoo_download_AAPL_2022-01-03_2023-05-31.csv"
eq "-p csv: said so" "$(cat "$T/.err")" "mdx-extract: -p csv: --follow: follow mode asks an HTTP provider again and again; see 'mdx-extract --help'"
status "--follow --what profile" 2 ex -p yahoo --follow --what profile AAPL
eq "--what profile: said so" "$(cat "$T/.err")" "mdx-extract: -p yahoo: --follow: follows bars only, not --what profile or actions; see 'mdx-extract --help'"
status "--follow with -p alphavantage (no bookmarks)" 2 ex -p alphavantage --follow IBM
status "--follow --to" 2 ex -p yahoo --follow --interval 1m --to 2024-10-02 AAPL
status "--follow --dry-run" 2 ex -p yahoo --follow --dry-run AAPL
status "--follow -p polygon --grouped" 2 ex -p polygon --follow --grouped --from 2023-01-03 AAPL
status "--every without --follow" 2 ex -p yahoo --every 30s AAPL
eq "--every alone: said so" "$(cat "$T/.err")" "mdx-extract: --every and --report-every apply to --follow only; see 'mdx-extract --help'"
status "--every 1 fortnight" 2 ex -p yahoo --follow --every 1fortnight AAPL
eq "bad duration: said what is accepted" "$(cat "$T/.err")" "mdx-extract: --every: '1fortnight' is not a duration such as 500ms, 30s, 1m or 2h (at most 30 days); see 'mdx-extract --help'"
status "--every 10ms: too short" 2 ex -p yahoo --follow --every 10ms AAPL
eq "no request sent by a refusal" "$(wc -l <"$LOG" | tr -d ' ')" 0

# ---- a recorded day as it happened, with a 2 s outage ----
# the virtual clock runs 3000 times as fast (50 minutes a second) from
# 09:30:30 New York; the provider is down from 2 s to 4 s after the first
# request (about 11:10 to 12:50 New York of the clock)
serve --clock 2024-10-02T13:30:30Z --speed 3000 --outage 2000:2000
DB=$T/follow.db
mkfifo "$T/pipe"
tee "$T/raw" <"$T/pipe" | mdx-transform 2>"$T/t.err" | mdx-load --db "$DB" 2>"$T/l.err" &
LPID=$!
exbg -p yahoo --interval 1m --from 2024-10-02 --follow --every 200ms \
	--report-every 1s --retries 1 AAPL S1 >"$T/pipe" 2>"$T/x.err" &
XPID=$!
until_ok 100 has_bars AAPL 1
eq "bars queryable in the store while following" "$(has_bars AAPL 1 && kill -0 $XPID 2>/dev/null && echo yes)" yes
# mdx-serve on the store being loaded: an ETag current before a new bar
# arrives is not current after it
rm -f "$T/serve.port"
mdx-serve --db "$DB" --listen 127.0.0.1:0 --port-file "$T/serve.port" --rate-limit 0 2>"$T/serve.log" &
VPID=$!
until_ok 50 test -s "$T/serve.port"
SURL=http://127.0.0.1:$(cat "$T/serve.port")
curl -s -D "$T/h1" -o "$T/b1" "$SURL/v1/latest?symbols=AAPL&interval=1m"
e1=$(grep -i '^etag:' "$T/h1" | sed 's/^[^:]*: *//' | tr -d '\r')
n1=$(nbars AAPL)
until_ok 100 has_bars AAPL $((n1 + 1))
code=$(curl -s -D "$T/h2" -o "$T/b2" -w '%{http_code}' -H "If-None-Match: $e1" "$SURL/v1/latest?symbols=AAPL&interval=1m")
e2=$(grep -i '^etag:' "$T/h2" | sed 's/^[^:]*: *//' | tr -d '\r')
eq "mdx-serve: the old ETag after a new bar: 200 and a new ETag" "$code $([ -n "$e1" ] && [ "$e1" != "$e2" ] && echo new)" "200 new"
eq "mdx-serve: the latest bar moved on" "$(jqr '.[0].ts' "$T/b2" | awk -v a="$(jqr '.[0].ts' "$T/b1")" '$1 > a { print "later" }')" later
# the whole day: 389 bars with a price (of 390 minutes, one all null)
until_ok 250 has_bars S1 389
until_ok 20 has_bars AAPL 389
# and a pass after the last bar: asked from it (the bookmark) less a bar
asked_from_last() { periods AAPL | awk '$1 >= 1727899080 { n++ } END { exit !n }'; }
until_ok 20 asked_from_last
stop $XPID TERM
XPID=
eq "SIGTERM: exit 0" "$rc" 0
wait $LPID
LPID=
eq "the store: every bar of the day once, for each symbol" "$(nbars AAPL) $(nbars S1)" "389 389"
# close SYM TS: the stored close of SYM's 1m bar at TS
close() { mdx-query --db "$DB" -f ndjson sql "SELECT close FROM bars_v WHERE symbol = '$1' AND interval = '1m' AND ts = '$2'" | jqr .close; }
eq "the store: AAPL's close at 09:30 New York (the first bar)" "$(close AAPL 2024-10-02T13:30:00Z)" 225.6999969482422
eq "the store: AAPL's close at 12:00 New York (asked during the outage, fetched after it)" "$(close AAPL 2024-10-02T16:00:00Z) $(close S1 2024-10-02T16:00:00Z)" "226.85000610351562 226.85000610351562"
eq "the store: the last bar, 15:59 New York" \
 "$(mdx-query --db "$DB" -f ndjson latest AAPL --interval 1m | jqr '"\(.ts) \(.close)"')" "2024-10-02T19:59:00Z 226.80999755859375"
# the minutes of the recording with a price, before the next day's live bar
jqr '.chart.result[0] | [.timestamp, .indicators.quote[0].close] | transpose[] | select(.[1] != null and .[0] < 1727913600) | .[0] * 1000' \
	"$FIX/http/yahoo/chart_AAPL_1m_2024-10-02_includePrePost-false.json" | tr '\n' ' ' >"$T/want.t"
eq "the store: no minute missing, none added (AAPL and S1)" \
 "$(mdx-query --db "$DB" -f csv sql "SELECT ts FROM bars WHERE symbol = 'AAPL' AND interval = '1m' ORDER BY ts" | tail -n +2 | tr -d '\r' | tr '\n' ' ') $(mdx-query --db "$DB" -f csv sql "SELECT ts FROM bars WHERE symbol = 'S1' AND interval = '1m' ORDER BY ts" | tail -n +2 | tr -d '\r' | tr '\n' ' ')" \
 "$(cat "$T/want.t") $(cat "$T/want.t")"
bar_keys "$T/raw" | sort | uniq -d >"$T/dups"
eq "written twice: none with the same finality" "$(wc -l <"$T/dups" | tr -d ' ')" 0
bar_keys "$T/raw" | awk '{ n[$1 " " $2]++; if ($3 == "false") open[$1 " " $2] = 1 } END { for (k in n) if (n[k] > 1 && !open[k]) bad++; print bad + 0 }' >"$T/bad"
eq "a bar written again only after it was written open (final:false)" "$(cat "$T/bad")" 0
eq "each symbol's bars written: its bars, and again those first seen open" \
 "$(bar_keys "$T/raw" | awk '$1 == "AAPL" { k[$2] = 1; n++ } END { print length(k), (n >= length(k)) }')" "389 1"
eq "mdx-load: every bar inserted once, none updated (a bar become final has the same values)" \
 "$(mdx-query --db "$DB" -f csv sql "SELECT sum(inserted), sum(updated) FROM runs WHERE tool = 'mdx-load'" | tail -n 1 | tr -d '\r')" "778,0"
# the bookmark: each pass asks from the last bar it saw minus one bar
periods AAPL >"$T/p"
eq "first pass: --from 2024-10-02 (less 3 hours, as without --follow)" "$(head -n 1 "$T/p")" "1727816400 200"
eq "the bookmark only moves on: period1 never goes back" "$(awk 'NR > 1 && $1 < p { bad++ } { p = $1 } END { print bad + 0 }' "$T/p")" 0
eq "the bookmark moved through the day: the last period1 is 15:58 New York or after" "$(tail -n 1 "$T/p" | awk '{ print ($1 >= 1727899080) }')" 1
eq "the outage: some requests answered 503" "$(grep -c ' 503 outage$' "$LOG" | awk '{ print ($1 > 0) }')" 1
eq "the outage kept the bookmark: the first answer after it asks from where the first refusal did" \
 "$(awk '$2 == 503 && !f { f = $1 } $2 == 200 && f && !g { g = $1 } END { print (f == g) }' "$T/p")" 1
eq "in an outage one symbol probes, the other is not asked: fewer S1 refusals than AAPL's + S1's" \
 "$(periods S1 | grep -c ' 503$' | awk -v a="$(grep -c ' 503 outage$' "$LOG")" '{ print ($1 < a) }')" 1
eq "stderr: the outage said once, its end once" \
 "$(grep -c 'provider outage: all 2 symbols failed' "$T/x.err") $(grep -c 'recovered after [0-9]* s ([0-9]* pass' "$T/x.err")" "1 1"
eq "stderr: not a line a request (at most 6 lines)" "$(wc -l <"$T/x.err" | awk '{ print ($1 <= 6) }')" 1
mdx-query --db "$DB" -f ndjson sql "SELECT detail FROM runs WHERE tool = 'mdx-extract' ORDER BY id" | jqr .detail >"$T/runs"
eq "run records: periodic ones, the last marked" "$(jqr -s 'length > 2' "$T/runs") $(jqr -s '[.[] | select(.last)] | length' "$T/runs") $(tail -n 1 "$T/runs" | jqr .last)" "true 1 true"
eq "run records: the outage shows (failed requests, outage passes, AAPL and S1 failed, not ok)" \
 "$(jqr -s '[.[] | select(.failed_requests > 0 and .outage_passes > 0 and .status != "ok" and (.failed | index("AAPL")) and (.failed | index("S1")))] | length > 0' "$T/runs")" true
eq "run records: the failed requests add up to the refusals (2 attempts a request)" \
 "$(jqr -s '[.[].failed_requests] | add' "$T/runs" | awk -v n="$(grep -c ' 503 outage$' "$LOG")" '{ print ($1 > 0 && 2 * $1 <= n && n <= 2 * $1 + 2) }')" 1
eq "run records: outage seconds in 1..20, passes counted" \
 "$(jqr -s '[.[].outage_s] | add' "$T/runs" | awk '{ print ($1 >= 1 && $1 <= 20) }') $(jqr -s '[.[].passes] | add > 10' "$T/runs")" "1 true"
eq "run records: a period without failures is ok" "$(jqr -s '[.[] | select(.status == "ok" and .failed == [])] | length > 0' "$T/runs")" true
eq "run records: the bars out add up to the bars written" \
 "$(jqr -s '[.[].out] | add' "$T/runs") $(grep -c '"type":"bar"' "$T/raw")" "$(($(grep -c '"type":"bar"' "$T/raw") + $(grep -c '"type":"instrument"' "$T/raw") + $(grep -c '"type":"action"' "$T/raw"))) $(grep -c '"type":"bar"' "$T/raw")"
eq "instrument records: once a symbol" "$(grep -c '"type":"instrument"' "$T/raw")" 2
# after the follow: the store no longer changes, the ETag is current
curl -s -D "$T/h3" -o /dev/null "$SURL/v1/latest?symbols=AAPL&interval=1m"
e3=$(grep -i '^etag:' "$T/h3" | sed 's/^[^:]*: *//' | tr -d '\r')
code=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $e3" "$SURL/v1/latest?symbols=AAPL&interval=1m")
eq "mdx-serve: the current ETag once the store is still: 304" "$code" 304
kill $VPID 2>/dev/null
wait $VPID 2>/dev/null
VPID=

# ---- the store's bookmarks seed the first pass (--since -) ----
serve --clock 2024-10-02T20:05:00Z
mdx-query --db "$DB" latest --interval 1m -f ndjson AAPL |
	exbg -p yahoo --interval 1m --follow --every 100ms --since - >"$T/since.out" 2>"$T/since.err" &
XPID=$!
until_ok 50 grep -qs '"type":"bar"' "$T/since.out"
stop $XPID INT
XPID=
eq "SIGINT: exit 0" "$rc" 0
eq "--since -: the first pass from the stored last bar minus one bar, no events request" "$(periods AAPL | head -n 1) $(grep -c 'interval=1wk' "$LOG")" "1727899080 200 0"
eq "--since -: the two bars asked again written once" "$(bar_keys "$T/since.out" | sort -u | tr '\n' ';')" "AAPL 1727899080000 true;AAPL 1727899140000 true;"
eq "--since -: a last run record" "$(jqr -c 'select(.type=="run") | [.last, .status, .symbols]' "$T/since.out" | tail -n 1)" '[true,"ok",1]'

# ---- 429 with Retry-After ----
# one attempt a request (--retries 0): the refused pass fails, and the next
# waits for the Retry-After (1 s), not the 100 ms of --every
serve --clock 2024-10-02T14:00:00Z
exbg -p yahoo --interval 1m --from "2024-10-02 09:55" --follow --every 100ms --retries 0 RA429 >"$T/ra.out" 2>"$T/ra.err" &
XPID=$!
until_ok 80 grep -qs '"type":"bar"' "$T/ra.out"
stop $XPID TERM
XPID=
eq "429: exit 0 after SIGTERM" "$rc" 0
eq "429: answered, then asked again" "$(awk 'index($4, "/RA429?") && /interval=1m/ { print $5 }' "$LOG" | head -n 2 | tr '\n' ' ')" "429 200 "
eq "429: the next request waited for Retry-After (at least 0.95 s)" \
 "$(awk 'index($4, "/RA429?") && /interval=1m/ { t[++n] = $1 } END { print (t[2] - t[1] >= 950) }' "$LOG")" 1
eq "429: the bars of 09:55 to 10:00 New York then" "$(bar_keys "$T/ra.out" | head -n 1)" "RA429 1727877300000 true"

# ---- every symbol failing for good in the first pass ends the follow ----
serve --clock 2024-10-02T14:00:00Z
status "every symbol failed for good (404) in the first pass: 1" 1 timeout 20 mdx-extract --base-url "$BASE" --rate 0 -p yahoo --interval 1m --follow --every 100ms SI
eq "404 for all: said so, once a symbol, then why it stops" \
 "$(wc -l <"$T/.err" | tr -d ' ') $(head -n 1 "$T/.err" | grep -c '^mdx-extract: SI: .*HTTP 404: No data found, symbol may be delisted; keeping its bookmark') $(tail -n 1 "$T/.err")" \
 "2 1 mdx-extract: every symbol failed for good: not following"
eq "404 for all: a last run record, failed" "$(tail -n 1 "$T/.out" | jqr -c '[.type, .last, .status, .failed]')" '["run",true,"failed",["SI"]]'

# ---- a bar that changed between passes is written again, once ----
serve --clock 2024-10-02T14:00:00Z
exbg -p yahoo --from 2020-01-02 --follow --every 100ms AMZN >"$T/amzn.out" 2>"$T/amzn.err" &
XPID=$!
amzn_passes() { [ "$(grep -c '/AMZN?.*interval=1d' "$LOG")" -ge 4 ]; }
until_ok 80 amzn_passes
stop $XPID TERM
XPID=
eq "a changed bar: exit 0" "$rc" 0
eq "a changed bar: written as first answered, then as changed, and no more" \
 "$(jqr -c 'select(.type=="bar") | [.t, .close]' "$T/amzn.out" | tr '\n' ' ')" "[1577975400000,1898.010009765625] [1577975400000,94.90049743652344] "

# ---- signals: during a sleep, during a request ----
serve --clock 2024-10-02T14:00:00Z
exbg -p yahoo --interval 1m --from "2024-10-02 09:58" --follow --every 1h AAPL >"$T/s1.out" 2>"$T/s1.err" &
XPID=$!
until_ok 80 grep -qs '"type":"bar"' "$T/s1.out"
sleep 0.2
t0=$(date +%s%N)
stop $XPID TERM
XPID=
t1=$(date +%s%N)
eq "SIGTERM in a sleep of an hour: exit 0 within 3 s" "$rc $(( (t1 - t0) / 1000000 < 3000 ))" "0 1"
eq "SIGTERM in a sleep: the pass's bars, then the last run record" \
 "$(jqr -r '.type' "$T/s1.out" | uniq | tr '\n' ' ') $(tail -n 1 "$T/s1.out" | jqr -c '[.last, .passes, .status]')" "action instrument bar run  [true,1,\"ok\"]"
exbg -p yahoo --interval 1m --from "2024-10-02 09:58" --follow SLOW >"$T/s2.out" 2>"$T/s2.err" &
XPID=$!
until_ok 50 grep -qs 'interval=1m' "$LOG"
sleep 0.3
t0=$(date +%s%N)
stop $XPID INT
XPID=
t1=$(date +%s%N)
eq "SIGINT in a request of 3 s: exit 0, at once (within 2 s)" "$rc $(( (t1 - t0) / 1000000 < 2000 ))" "0 1"
eq "SIGINT in a request: no error said, a last run record of no pass" \
 "$(grep -c error "$T/s2.err") $(tail -n 1 "$T/s2.out" | jqr -c '[.type, .last, .passes, .failed]')" '0 ["run",true,0,[]]'

# ---- examples/mdx-follow.service's ExecStart (examples/follow.sh), as
# systemd runs and stops it (KillMode=mixed: SIGTERM to the main process)
serve --clock 2024-10-02T14:00:00Z
U=examples/mdx-follow.service
SRV=$T/srv/mdx
mkdir -p "$SRV/examples"
cp examples/follow.sh "$SRV/examples/"
echo AAPL >"$SRV/symbols.txt"
reloc() { sed -e "s|/srv/mdx|$SRV|g" -e "s|/usr/local/bin|$B|g"; }
cmd=$(sed -n 's/^ExecStart=//p' "$U" | reloc)
uopts=$(sed -n 's/^Environment="MDX_FOLLOW_OPTS=\(.*\)"$/\1/p' "$U")
eq "the unit: stopped by SIGTERM to its main process only" "$(grep -c '^KillMode=mixed$' "$U") $(grep -c '^KillSignal=SIGTERM$' "$U")" "1 1"
upath=$(sed -n 's/^Environment=PATH=//p' "$U" | reloc)
(cd "$SRV" && PATH=$upath \
	MDX_FOLLOW_OPTS="$uopts --base-url $BASE --retry-base 20" exec $cmd) 2>"$T/unit.err" &
XPID=$!
DB=$SRV/market.db
until_ok 100 has_bars AAPL 31
stop $XPID TERM
XPID=
eq "the unit's follow.sh: exit 0 on SIGTERM" "$rc" 0
eq "the unit's follow.sh: the bars of 09:30 to 10:00 New York stored" "$(nbars AAPL) $(close AAPL 2024-10-02T13:30:00Z)" "31 225.6999969482422"
eq "the unit's follow.sh: the last run records of all three stages committed" \
 "$(mdx-query --db "$DB" -f ndjson sql "SELECT tool, detail FROM runs ORDER BY id" | jqr -c '[.tool, (.detail | fromjson | .last)]' | tr '\n' ' ')" \
 '["mdx-extract",true] ["mdx-transform",null] ["mdx-load",null] '
eq "the unit's follow.sh: nothing on stderr but the stop" "$(grep -v 'SIGTERM: stopping after 1 pass$' "$T/unit.err")" ""
status "follow.sh: a usage error of mdx-extract is not retried" 2 env PATH="$B:$PATH" dash examples/follow.sh -d "$T/u.db" -e 1fortnight AAPL

# ---- Polygon's aggregates ----
# C:EURUSD 5-minute bars of 2023-01-03 (288, around the clock), the clock
# 20000 times as fast (24 hours in 4.3 s)
serve --clock 2023-01-03T00:00:30Z --speed 20000
(POLYGON_API_KEY=test-key MDX_EXTRACT_NOW=2023-01-03T23:59:59Z
	export POLYGON_API_KEY MDX_EXTRACT_NOW
	exbg -p polygon --interval 5m --from 2023-01-03 --follow --every 200ms --report-every 0 C:EURUSD) >"$T/pg.out" 2>"$T/pg.err" &
XPID=$!
until_ok 150 grep -qs '"t":1672790100000' "$T/pg.out"
stop $XPID TERM
XPID=
eq "polygon: exit 0" "$rc" 0
eq "polygon: every bar of the day written once" "$(bar_keys "$T/pg.out" | sort -u | wc -l | tr -d ' ') $(grep -c '"type":"bar"' "$T/pg.out")" "288 288"
eq "polygon: the close of 12:00 UTC" "$(jqr 'select(.t == 1672747200000) | .close' "$T/pg.out")" 1.05262
awk 'index($4, "/v2/aggs/ticker/C:EURUSD/") { split($4, a, "/"); print a[9] }' "$LOG" >"$T/pgfrom"
eq "polygon: first {from} the date, then the bookmark in epoch ms, never going back" \
 "$(head -n 1 "$T/pgfrom") $(sed -n 2p "$T/pgfrom" | grep -c '^16727[0-9]\{8\}$') $(sed 1d "$T/pgfrom" | awk 'NR > 1 && $1 < p { bad++ } { p = $1 } END { print bad + 0 }')" "2023-01-03 1 0"
eq "polygon: --report-every 0: a run record each pass (and a last)" \
 "$(grep -c '"type":"run"' "$T/pg.out" | awk -v n="$(wc -l <"$T/pgfrom")" '{ print ($1 >= n && $1 <= n + 1) }')" 1

finish
