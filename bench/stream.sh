#!/bin/sh
# bench/stream.sh - Polygon's live minute aggregates into the store: 500
# symbols x 389 minutes replayed at 100x by tests/tools/mdx-wsreplay
# through mdx-extract -p polygon --stream AM.* | mdx-transform |
# mdx-load (--commit-interval default), with mdx-serve on the same store.
#
# The stream is made by tests/fixtures/ws/polygon/make_stream.sh from the
# real Yahoo 1m answer of AAPL on 2024-10-02 (389 minutes with a close),
# one event per symbol per minute under the first 500 symbols of the
# S&P 500 list (tests/fixtures/sp500): every symbol gets AAPL's bars (the
# values are real, their symbols are not), 50 events a message.
#
# Latency, message send to queryable through mdx-serve: the server logs
# the wall-clock time each message was written to the socket ("SEND ms
# line"); a poller asks mdx-serve GET /v1/latest?interval=1m every 50 ms
# and notes the time a symbol's latest bar moved; a bar counts as
# queryable at the first poll that shows it (or a later bar of its
# symbol).  So a figure is too high by up to the poll interval (and by
# the poll's own time), never too low; both clocks are the same machine's
# CLOCK_REALTIME.  Then: every bar in the store once (count, distinct
# keys, and mdx-load's run: inserted, nothing updated or unchanged), and
# the peak RSS of each stage (GNU time's %M), for this length and for a
# stream a quarter as long (flat in the stream's length?).
#
#   MDX_BUILD          binaries (default build)
#   STREAM_MINUTES     minutes to replay (default 389: the whole day)
#   STREAM_SYMBOLS     symbols (default 500)
#   STREAM_SPEED       replay speed (default 100)
# Prints figures; asserts nothing (timed tests are not tests).  Runs under
# nice.
set -u
cd "$(dirname "$0")/.." || exit 2
if [ -z "${MDX_NICED:-}" ]; then
	MDX_NICED=1 exec nice -n 10 sh "$0" "$@"
fi
B=${MDX_BUILD:-build}
case $B in /*) ;; *) B=$(pwd)/$B ;; esac
PATH=$B:$PATH
MIN=${STREAM_MINUTES:-389}
NSYM=${STREAM_SYMBOLS:-500}
SPEED=${STREAM_SPEED:-100}
Y=tests/fixtures/http/yahoo/chart_AAPL_1m_2024-10-02_includePrePost-false.json
LIST=tests/fixtures/sp500/fja05680_sp500_ticker_start_end.csv
echo "== Polygon --stream: $NSYM symbols x $MIN minutes at ${SPEED}x, message send to queryable in mdx-serve (target p99 < 2 s)"
for x in "$B/tests/mdx-wsreplay" "$B/mdx-extract" "$B/mdx-serve"; do
	if [ ! -x "$x" ]; then
		echo "bench: $x missing (make all tests); skipping"
		exit 0
	fi
done
for x in jq curl python3; do
	command -v $x >/dev/null 2>&1 || { echo "bench: $x missing; skipping"; exit 0; }
done
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time missing; skipping"; exit 0; }
T=$(mktemp -d)
PIDS=
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
export POLYGON_API_KEY=bench-key

cut -d, -f1 "$LIST" | grep -v '^ticker$' | grep -E '^[A-Z][A-Z.]*$' | sort -u | head -n "$NSYM" >"$T/syms"
NSYM=$(wc -l <"$T/syms" | tr -d ' ')

# run_stream MINUTES TAG: one whole run; figures into $T/TAG.*
run_stream() {
	min=$1 tag=$2
	# a minute is 500 / 50 = 10 lines: keep the first MINUTES minutes
	sh tests/fixtures/ws/polygon/make_stream.sh "$Y" "$T/syms" 50 >"$T/all.ndjson"
	per=$(( (NSYM + 49) / 50 ))
	head -n $((min * per)) "$T/all.ndjson" >"$T/$tag.stream"
	want=$(jq -c '.[]' "$T/$tag.stream" | wc -l | tr -d ' ')
	rm -f "$T/$tag".db* "$T/$tag.port" "$T/$tag.sport"
	mdx-load --db "$T/$tag.db" -q </dev/null
	"$B/tests/mdx-wsreplay" --stream "$T/$tag.stream" --key bench-key --speed "$SPEED" \
		--port-file "$T/$tag.port" --log "$T/$tag.send" 2>"$T/$tag.werr" &
	WPID=$!
	mdx-serve --db "$T/$tag.db" --listen 127.0.0.1:0 --port-file "$T/$tag.sport" -q 2>"$T/$tag.serr" &
	SVPID=$!
	PIDS="$WPID $SVPID"
	i=0
	while { [ ! -s "$T/$tag.port" ] || [ ! -s "$T/$tag.sport" ]; } && [ $i -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	url="http://127.0.0.1:$(cat "$T/$tag.sport")/v1/latest?interval=1m&format=ndjson"
	# the poller: "POLL ms" then the answer, every 50 ms, until told
	(
		while [ ! -e "$T/$tag.stop" ]; do
			echo "POLL $(date +%s%3N)"
			curl -s "$url"
			echo
			sleep 0.05
		done
	) | awk '
		/^POLL / { t = $2; next }
		/"symbol"/ {
			match($0, /"symbol":"[^"]*"/); s = substr($0, RSTART + 10, RLENGTH - 11)
			match($0, /"ts":"[^"]*"/); ts = substr($0, RSTART + 6, RLENGTH - 7)
			if (last[s] != ts) { last[s] = ts; print t, s, ts; fflush() }
		}' >"$T/$tag.seen" &
	PPID_=$!
	t0=$(date +%s%3N)
	(
		/usr/bin/time -f %M -o "$T/$tag.rss.extract" mdx-extract -p polygon \
			--base-url "ws://127.0.0.1:$(cat "$T/$tag.port")/stocks" --stream 'AM.*' 2>"$T/$tag.xerr" &
		echo $! >"$T/$tag.xpid"
		wait
	) | /usr/bin/time -f %M -o "$T/$tag.rss.transform" mdx-transform 2>"$T/$tag.terr" |
		/usr/bin/time -f %M -o "$T/$tag.rss.load" mdx-load --db "$T/$tag.db" 2>"$T/$tag.lerr" &
	LPID=$!
	# until every bar is in the store (or the replay's time x 2 + 30 s)
	limit=$(( min * 60000 / SPEED * 2 + 30000 ))
	while :; do
		n=$(mdx-query --db "$T/$tag.db" sql "select count(*) from bars" -f csv 2>/dev/null | tail -n 1 | tr -d '\r')
		[ "${n:-0}" -ge "$want" ] && break
		[ $(( $(date +%s%3N) - t0 )) -gt "$limit" ] && { echo "bench: timed out with ${n:-0} of $want bars"; break; }
		sleep 0.2
	done
	sleep 0.3 # a last poll
	t1=$(date +%s%3N)
	touch "$T/$tag.stop"
	# /usr/bin/time's child: the mdx-extract it runs gets the signal
	xp=$(cat "$T/$tag.xpid")
	kill -TERM "$(ps -o pid= --ppid "$xp" 2>/dev/null | tr -d ' ')" 2>/dev/null || kill -TERM "$xp"
	wait "$LPID"
	wait "$PPID_"
	kill "$WPID" "$SVPID" 2>/dev/null
	wait "$WPID" "$SVPID" 2>/dev/null
	PIDS=
	echo "$want" >"$T/$tag.want"
	echo $((t1 - t0)) >"$T/$tag.wall"
}

report() {
	tag=$1
	want=$(cat "$T/$tag.want")
	python3 - "$T/$tag.stream" "$T/$tag.send" "$T/$tag.seen" <<'EOF'
import json, sys, datetime
stream, send, seen = sys.argv[1:4]
line_of = {}     # (sym, s) -> line number (1-based, as the server counts)
for i, l in enumerate(open(stream), 1):
    for ev in json.loads(l):
        line_of[(ev["sym"], ev["s"])] = i
sent = {}
for l in open(send):
    f = l.split()
    if f and f[0] == "SEND":
        sent[int(f[2])] = int(f[1])
by_sym = {}
for (sym, s) in line_of:
    by_sym.setdefault(sym, []).append(s)
for v in by_sym.values():
    v.sort()
def ms(ts):
    d = datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    return int(d.timestamp() * 1000)
lat = []
done = {}        # sym -> index of the next bar not yet seen
for l in open(seen):
    t, sym, ts = l.split()
    t = int(t); up = ms(ts)
    v = by_sym.get(sym, [])
    k = done.get(sym, 0)
    while k < len(v) and v[k] <= up:
        ln = line_of[(sym, v[k])]
        if ln in sent:
            lat.append(t - sent[ln])
        k += 1
    done[sym] = k
lat.sort()
n = len(lat)
if n == 0:
    print("latency: no bar seen")
else:
    p = lambda q: lat[min(n - 1, int(q * n))]
    print("latency send -> queryable in mdx-serve: %d bars, p50 %d ms, p99 %d ms, max %d ms" % (n, p(0.50), p(0.99), lat[-1]))
EOF
	q() { mdx-query --db "$T/$tag.db" sql "$1" -f csv | tail -n 1 | tr -d '\r'; }
	echo "bars: $want sent; in the store $(q 'select count(*) from bars'), distinct keys $(q "select count(*) from (select distinct symbol, interval, ts from bars)")"
	echo "mdx-extract run: $(mdx-query --db "$T/$tag.db" runs -f ndjson | jq -c 'select(.tool=="mdx-extract") | {status, rows_in, rows_out, rejected}' | tail -n 1)"
	echo "mdx-load run: $(mdx-query --db "$T/$tag.db" runs -f ndjson | jq -c 'select(.tool=="mdx-load") | {inserted, updated, unchanged}' | head -n 1)"
	echo "wall: $(awk "BEGIN{printf \"%.1f\", $(cat "$T/$tag.wall") / 1000}") s; peak RSS MB: mdx-extract $(awk '{printf "%.1f", $1/1024}' "$T/$tag.rss.extract"), mdx-transform $(awk '{printf "%.1f", $1/1024}' "$T/$tag.rss.transform"), mdx-load $(awk '{printf "%.1f", $1/1024}' "$T/$tag.rss.load")"
}

run_stream "$MIN" full
want_full=$want
echo "-- $NSYM x $MIN minutes"
report full
short=$((MIN / 4))
[ "$short" -lt 1 ] && short=1
run_stream "$short" short
echo "-- $NSYM x $short minutes (RSS flat in the stream's length?)"
report short
# mdx-load's peak is its SQLite page cache filling (PRAGMA cache_size =
# -16384 in lib/store.c: 16 MiB) as the store grows, then staying.  To
# show it, the same bars from a file: the whole stream as mdx-extract
# --stream writes it (replayed as fast as it goes), canonicalized, loaded
# a quarter, whole, and four times (the symbols renamed S1.., S2.., ...)
echo "-- mdx-load from a file: RSS bounded by the page cache"
rm -f "$T/fast.port"
"$B/tests/mdx-wsreplay" --stream "$T/full.stream" --key bench-key --speed 1000000 \
	--port-file "$T/fast.port" 2>/dev/null &
FPID=$!
PIDS="$PIDS $FPID"
i=0
while [ ! -s "$T/fast.port" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
: >"$T/fast.raw" # there before the background job opens it
mdx-extract -p polygon --base-url "ws://127.0.0.1:$(cat "$T/fast.port")/stocks" \
	--stream 'AM.*' >"$T/fast.raw" 2>/dev/null &
XPID=$!
i=0
while [ "$(wc -l <"$T/fast.raw")" -lt "$want_full" ] && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill -TERM "$XPID" 2>/dev/null
wait "$XPID" 2>/dev/null
kill "$FPID" 2>/dev/null
mdx-transform <"$T/fast.raw" 2>/dev/null | grep '"type":"bar"' >"$T/fast.ndjson"
n=$(wc -l <"$T/fast.ndjson" | tr -d ' ')
for part in quarter whole four; do
	case $part in
	quarter) head -n $((n / 4)) "$T/fast.ndjson" ;;
	whole) cat "$T/fast.ndjson" ;;
	four) for k in 1 2 3 4; do sed "s/\"symbol\":\"\([^\"]*\)\"/\"symbol\":\"S$k\1\"/" "$T/fast.ndjson"; done ;;
	esac >"$T/part.ndjson"
	rm -f "$T/part.db"*
	/usr/bin/time -f %M -o "$T/part.rss" mdx-load --db "$T/part.db" -q <"$T/part.ndjson" 2>/dev/null
	echo "$part: $(wc -l <"$T/part.ndjson" | tr -d ' ') bars, mdx-load peak RSS $(awk '{printf "%.1f", $1/1024}' "$T/part.rss") MB"
done
