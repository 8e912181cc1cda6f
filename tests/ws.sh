# tests/ws.sh - mdx-extract -p polygon --stream against mdx-wsreplay, a
# WebSocket server on 127.0.0.1 that plays Polygon's documented messages
# (tests/fixtures/ws/polygon, PROVENANCE.md there): values end to end into
# the store, auth_failed, max_connections, a dropped connection, malformed
# messages, SIGTERM, a slow consumer.
. tests/lib.sh

W=$FIX/ws/polygon
KEY=mdx-test-key
export POLYGON_API_KEY=$KEY
if ! [ -x "$B/tests/mdx-wsreplay" ]; then
	echo "ws: $B/tests/mdx-wsreplay not built (make tests)"
	exit 1
fi

# server NAME ARGS...: start mdx-wsreplay; its URL in $URL, pid in $SPID
server() {
	name=$1
	shift
	rm -f "$T/$name.port"
	"$B/tests/mdx-wsreplay" --port-file "$T/$name.port" --log "$T/$name.log" "$@" 2>"$T/$name.serr" &
	SPID=$!
	i=0
	while [ ! -s "$T/$name.port" ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	URL="ws://127.0.0.1:$(cat "$T/$name.port")/stocks"
}
stop_server() {
	kill "$SPID" 2>/dev/null
	wait "$SPID" 2>/dev/null
}
# await N CMD...: until CMD prints a number >= N (up to 20 s); 0 or 1
await() {
	want=$1
	shift
	i=0
	while [ $i -lt 400 ]; do
		got=$("$@" 2>/dev/null)
		[ -n "$got" ] && [ "$got" -ge "$want" ] && return 0
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}
bars_in() { grep -c '"type":"bar"' "$1"; }
# one value of a SQL query (CSV is RFC 4180: CRLF)
sql1() { mdx-query --db "$1" sql "$2" -f csv | tail -n 1 | tr -d '\r'; }
count_db() { sql1 "$1" "select count(*) as n from bars"; }
# stream NAME ARGS...: mdx-extract --stream in the background into
# $T/NAME.out (stderr $T/NAME.err; exit status into $T/NAME.rc), pid $XPID
stream() {
	name=$1
	shift
	(
		mdx-extract -p polygon --base-url "$URL" --retry-base 50 "$@" >"$T/$name.out" 2>"$T/$name.err" &
		echo $! >"$T/$name.pid"
		wait $!
		echo $? >"$T/$name.rc"
	) &
	XPID=$!
	XNAME=$name
}
# SIGTERM to the mdx-extract of the last stream, and wait for it
finish_stream() {
	kill -TERM "$(cat "$T/$XNAME.pid")"
	wait "$XPID"
}

cat "$W/documented.ndjson" "$W/aapl_1m_2024-10-02.ndjson" >"$T/doc.ndjson"

# ---- the documented sample end to end: extract | transform | load ----
server doc --stream "$T/doc.ndjson" --key "$KEY"
(
	mdx-extract -p polygon --base-url "$URL" --stream AM.GTE,AM.AAPL 2>"$T/e2e.err" &
	echo $! >"$T/e2e.pid"
	wait $!
	echo $? >"$T/e2e.rc"
) | mdx-transform 2>"$T/e2e.terr" | mdx-load --db "$T/e2e.db" 2>"$T/e2e.lerr" &
PIPE=$!
ok "e2e: all 390 bars queryable while the stream runs" await 390 count_db "$T/e2e.db"
kill -TERM "$(cat "$T/e2e.pid")"
wait "$PIPE"
stop_server
eq "e2e: mdx-extract exit status after SIGTERM" "$(cat "$T/e2e.rc")" 0
eq "e2e: GTE, the AM example of Polygon's spec (c 0.4486, vw 0.4488 at 2021-01-08 22:24Z, post-market)" \
	"$(mdx-query --db "$T/e2e.db" bars GTE --interval 1m -f ndjson | jqr -c '[.ts,.open,.high,.low,.close,.volume,.vwap,.session,.source]')" \
	'["2021-01-08T22:24:00Z",0.4488,0.4489,0.4486,0.4486,4110,0.4488,"post","polygon"]'
eq "e2e: AAPL 2024-10-02 09:30 New York close (Yahoo's 1m bar, streamed)" \
	"$(mdx-query --db "$T/e2e.db" bars AAPL --interval 1m --from 2024-10-02 --limit 1 -f ndjson | jqr -c '[.ts,.close,.volume,.session]')" \
	'["2024-10-02T13:30:00Z",225.6999969482422,1205461,"regular"]'
eq "e2e: AAPL's last minute, 15:59 New York" \
	"$(mdx-query --db "$T/e2e.db" bars AAPL --interval 1m -f ndjson | tail -n 1 | jqr -c '[.ts,.close]')" \
	'["2024-10-02T19:59:00Z",226.80999755859375]'
eq "e2e: the A (per-second) and T events are not bars" \
	"$(sql1 "$T/e2e.db" "select count(*) from bars where symbol='SPCE' or interval<>'1m'")" 0
eq "e2e: the run record of mdx-extract in the store (SIGTERM: ok)" \
	"$(mdx-query --db "$T/e2e.db" runs -f ndjson | jqr -c 'select(.tool=="mdx-extract") | [.status,.rows_in,.rows_out]')" \
	'["ok",390,390]'

# ---- SIGTERM: the final run record, exit 0 ----
server term --stream "$T/doc.ndjson" --key "$KEY"
stream term --stream AM.AAPL
ok "SIGTERM: bars arrive" await 389 bars_in "$T/term.out"
finish_stream
stop_server
eq "SIGTERM: exit 0" "$(cat "$T/term.rc")" 0
eq "SIGTERM: the run record is the last line" "$(tail -n 1 "$T/term.out" | jqr -c '[.type,.tool,.status,.in,.out,.rejected,.requests]')" \
	'["run","mdx-extract","ok",389,389,0,1]'
eq "SIGTERM: said on stderr" "$(grep -c 'stopped by signal 15' "$T/term.err")" 1
eq "SIGTERM: subscribed to AAPL only (the GTE event is not sent)" "$(jqr -r 'select(.type=="bar") | .symbol' "$T/term.out" | sort -u)" AAPL

# ---- auth_failed: a wrong key, exit 77, no retry ----
server auth --stream "$T/doc.ndjson" --key "$KEY"
status "auth_failed: exit 77" 77 env POLYGON_API_KEY=wrong-key mdx-extract -p polygon --base-url "$URL" --stream AM.AAPL
eq "auth_failed: the reason" "$(grep -c "auth_failed: authentication failed (check POLYGON_API_KEY or --api-key-file)" "$T/.err")" 1
eq "auth_failed: no bar, a failed run record" "$(jqr -c '[.type,.status,.out]' "$T/.out")" '["run","failed",0]'
eq "auth_failed: one connection (no retry)" "$(grep -c CONNECT "$T/auth.log")" 1
eq "auth_failed: the key is never printed" "$(grep -c wrong-key "$T/.err" "$T/.out" | awk -F: '{s += $2} END {print s}')" 0
printf '%s\n' "$KEY" >"$T/key"
status "--api-key-file: the right key" 0 env -u POLYGON_API_KEY timeout --preserve-status -s TERM 1 mdx-extract -p polygon --base-url "$URL" --stream AM.GTE --api-key-file "$T/key"
stop_server
eq "--api-key-file: the GTE bar" "$(jqr -c 'select(.type=="bar") | .close' "$T/.out")" 0.4486
status "no key: usage, nothing sent" 2 env -u POLYGON_API_KEY mdx-extract -p polygon --base-url "$URL" --stream AM.AAPL
status "--stream with -p yahoo" 2 mdx-extract -p yahoo --stream AM.AAPL
status "--stream T.AAPL: only AM" 2 mdx-extract -p polygon --base-url "$URL" --stream T.AAPL
eq "--stream T.AAPL: the reason" "$(cat "$T/.err")" "mdx-extract: --stream: 'T.AAPL': only AM (minute aggregates) is streamed"
status "--stream with --from" 2 mdx-extract -p polygon --base-url "$URL" --stream AM.AAPL --from 2024-01-01
status "--stream: an http:// base URL" 2 mdx-extract -p polygon --base-url http://127.0.0.1:1 --stream AM.AAPL
status "--stream: an invalid symbol" 2 mdx-extract -p polygon --base-url "$URL" --stream 'AM.A A'

# ---- max_connections: retried, then exit 75 ----
server maxc --stream "$T/doc.ndjson" --key "$KEY" --max-connections 0
status "max_connections: exit 75 after the retries" 75 mdx-extract -p polygon --base-url "$URL" --retries 2 --retry-base 20 --stream AM.AAPL
stop_server
eq "max_connections: said" "$(grep -c 'max_connections: Maximum number of websocket connections exceeded' "$T/.err")" 3
eq "max_connections: 3 attempts (1 + --retries 2)" "$(grep -c CONNECT "$T/maxc.log")" 3
eq "max_connections: giving up is said" "$(grep -c 'giving up after 3 attempts in a row' "$T/.err")" 1
status "refused connections: exit 75" 75 mdx-extract -p polygon --base-url ws://127.0.0.1:1/stocks --retries 1 --retry-base 10 --stream AM.AAPL

# ---- a dropped connection: reconnect, nothing lost, nothing twice ----
server drop --stream "$W/aapl_1m_2024-10-02.ndjson" --key "$KEY" --drop-after 50
stream drop --stream AM.AAPL
ok "drop: all 389 bars arrive" await 389 bars_in "$T/drop.out"
finish_stream
stop_server
eq "drop: 8 connections (389 lines, 50 a connection)" "$(grep -c '^CONNECT' "$T/drop.log")" 8
eq "drop: each bar once" "$(jqr -r 'select(.type=="bar") | .t' "$T/drop.out" | sort | uniq -d | wc -l) $(jqr -r 'select(.type=="bar") | .t' "$T/drop.out" | sort -u | wc -l)" "0 389"
eq "drop: reconnects said on stderr" "$(grep -c 'the connection was closed; connecting again' "$T/drop.err")" 7
eq "drop: exit 0, requests 8, retries 7" "$(cat "$T/drop.rc") $(tail -n 1 "$T/drop.out" | jqr -c '[.status,.requests,.retries]')" '0 ["ok",8,7]'
mdx-transform "$T/drop.out" 2>/dev/null | mdx-load --db "$T/drop.db" -q
eq "drop: 389 bars in the store, none twice" "$(count_db "$T/drop.db") $(sql1 "$T/drop.db" "select count(distinct ts) from bars")" "389 389"

# ---- malformed messages: rejected with a reason, the rest kept ----
# (written here: not Polygon's; the good lines around them are the fixtures';
# messages 1-3 are the server's connected, auth_success and success)
{
	head -n 2 "$W/aapl_1m_2024-10-02.ndjson"
	echo 'this is not JSON'
	echo '{"ev":"status"'
	echo '[{"ev":"AM","sym":"AAPL","o":1,"h":1,"l":1,"c":"abc","v":1,"s":1727876000000},{"ev":"AM","sym":"AAPL","o":225.6,"h":225.7,"l":225.5,"c":225.65,"v":1000,"s":1727876100000,"e":1727876160000}]'
	echo '[{"ev":"AM","o":1,"c":1,"s":1727876160000},{"ev":"AM","sym":"AAPL","c":225.1,"s":1727876161000},{"ev":"AM","sym":"AAPL","o":1,"h":1,"l":1,"v":1,"s":1727876220000},{"ev":"AM","sym":"AAPL","c":225,"s":1727876280000,"e":1727876000000},{"ev":"AM","sym":"AAPL","c":225,"v":1e300,"s":1727876340000}]'
	echo '[5,{"sym":"AAPL"}]'
	tail -n 2 "$W/aapl_1m_2024-10-02.ndjson"
} >"$T/bad.ndjson"
server bad --stream "$T/bad.ndjson" --key "$KEY"
stream bad --stream "AM.*"
ok "malformed: the good bars arrive" await 5 bars_in "$T/bad.out"
sleep 0.3
finish_stream
stop_server
eq "malformed: the 5 good bars (2 first, 1 among the bad, 2 last)" "$(jqr -r 'select(.type=="bar") | .close' "$T/bad.out" | tr '\n' ' ')" \
	"225.6999969482422 225.94000244140625 225.65 226.85499572753906 226.80999755859375 "
eq "malformed: not JSON" "$(grep -c "polygon --stream: message 6: not JSON: .*; rejected" "$T/bad.err")" 1
eq "malformed: not JSON (cut short)" "$(grep -c "polygon --stream: message 7: not JSON" "$T/bad.err")" 1
eq "malformed: a price that is not a number" "$(grep -c "message 8, event 1: AAPL: field 'c': not a number; rejected" "$T/bad.err")" 1
eq "malformed: no sym" "$(grep -c "message 9, event 1: field 'sym': missing; rejected" "$T/bad.err")" 1
eq "malformed: s not on a minute" "$(grep -c "message 9, event 2: AAPL: field 's': not the start of a minute; rejected" "$T/bad.err")" 1
eq "malformed: no close" "$(grep -c "message 9, event 3: AAPL: field 'c': missing (a bar needs its close); rejected" "$T/bad.err")" 1
eq "malformed: e before s" "$(grep -c "message 9, event 4: AAPL: field 'e': not within the minute after 's'; rejected" "$T/bad.err")" 1
eq "malformed: a volume no integer holds" "$(grep -c "AAPL: field 'volume': number 1e+300 out of range" "$T/bad.err")" 1
eq "malformed: events that are not objects, an object without ev" "$(grep -c "message 10, event [12]: field 'ev'" "$T/bad.err")" 2
eq "malformed: exit 1 (partial), 10 rejected in the run record" "$(cat "$T/bad.rc") $(tail -n 1 "$T/bad.out" | jqr -c '[.status,.rejected,.out]')" '1 ["partial",10,5]'

# ---- a slow consumer: the server waits, nothing is lost ----
# 100 symbols x 389 minutes (about 6 MB) at 6000x (4 s); the reader
# sleeps 2 s first, so mdx-extract blocks on its output and leaves the
# socket unread; the server's send buffer is small (--sndbuf 4096)
head -n 100 "$FIX/sp500/fja05680_sp500_ticker_start_end.csv" | cut -d, -f1 | grep -v '^ticker$' | head -n 99 >"$T/syms"
echo AAPL >>"$T/syms"
sort -u "$T/syms" -o "$T/syms"
sh "$W/make_stream.sh" "$FIX/http/yahoo/chart_AAPL_1m_2024-10-02_includePrePost-false.json" "$T/syms" 100 >"$T/slow.ndjson"
nsyms=$(wc -l <"$T/syms" | tr -d ' ')
want=$((nsyms * 389))
server slow --stream "$T/slow.ndjson" --key "$KEY" --speed 6000 --sndbuf 4096
(
	mdx-extract -p polygon --base-url "$URL" --stream AM.\* 2>"$T/slow.err" &
	echo $! >"$T/slow.pid"
	wait $!
	echo $? >"$T/slow.rc"
) | (sleep 2; cat) >"$T/slow.out" &
PIPE=$!
ok "slow consumer: every bar arrives ($want)" await "$want" bars_in "$T/slow.out"
kill -TERM "$(cat "$T/slow.pid")"
wait "$PIPE"
stop_server
eq "slow consumer: the server had to wait (lines due and not yet sent)" "$(awk '/^PEAK_BACKLOG/ {print ($2 > 10)}' "$T/slow.log")" 1
eq "slow consumer: one connection, nothing dropped" "$(grep -c '^CONNECT' "$T/slow.log") $(grep -c '^DROP' "$T/slow.log")" "1 0"
eq "slow consumer: each bar once" "$(jqr -r 'select(.type=="bar") | "\(.symbol) \(.t)"' "$T/slow.out" | sort -u | wc -l | tr -d ' ')" "$want"

# ... and with --max-queue the server drops it, said, and resends
server slowq --stream "$T/slow.ndjson" --key "$KEY" --speed 6000 --sndbuf 4096 --max-queue 20
(
	mdx-extract -p polygon --base-url "$URL" --retry-base 50 --stream AM.\* 2>"$T/slowq.err" &
	echo $! >"$T/slowq.pid"
	wait $!
) | (sleep 2; cat) >"$T/slowq.out" &
PIPE=$!
ok "slow consumer dropped: every bar arrives all the same" await "$want" bars_in "$T/slowq.out"
kill -TERM "$(cat "$T/slowq.pid")"
wait "$PIPE"
stop_server
eq "slow consumer dropped: the server says so" "$(grep -c 'slow consumer: .* lines due and not sent; closing' "$T/slowq.serr" | awk '{print ($1 >= 1)}')" 1
eq "slow consumer dropped: mdx-extract connected again" "$(grep -c '^CONNECT' "$T/slowq.log" | awk '{print ($1 >= 2)}')" 1
eq "slow consumer dropped: each bar once" "$(jqr -r 'select(.type=="bar") | "\(.symbol) \(.t)"' "$T/slowq.out" | sort | uniq -d | wc -l | tr -d ' ') $(jqr -r 'select(.type=="bar") | "\(.symbol) \(.t)"' "$T/slowq.out" | sort -u | wc -l | tr -d ' ')" "0 $want"

finish
