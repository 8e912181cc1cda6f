#!/bin/sh
# bench/serve.sh - mdx-serve against a small Flask + sqlite3 app
# (bench/flask_ref.py) on loopback, with wrk, in the same run on the same
# store: requests a second and p99 latency of one year of AAPL bars and of
# its stats, from mdx-serve with its cache, without it (--cache-size 0),
# and from the reference; then 30 s of mdx-serve while mdx-load writes to
# the same store, counting errors.  Prints figures; asserts nothing.
#
#   sh bench/serve.sh DBFILE     (bench/run.sh passes the all_stocks_5yr
#                                 store it loaded; it is copied first)
#   MDX_BUILD       binaries (default build)
#   MDX_BENCH_SECS  seconds of each wrk run (default 8)
#   MDX_BENCH_CONNS wrk connections (default 16, on 2 threads)
set -u
cd "$(dirname "$0")/.." || exit 2
B=${MDX_BUILD:-build}
case $B in /*) ;; *) B=$(pwd)/$B ;; esac
SECS=${MDX_BENCH_SECS:-8}
CONNS=${MDX_BENCH_CONNS:-16}
SRC=${1:-}

echo "== mdx-serve: HTTP API on loopback (wrk -t2 -c$CONNS, ${SECS} s a run)"
if [ -z "$SRC" ] || [ ! -f "$SRC" ]; then
	echo "serve bench: no store given (sh bench/serve.sh DBFILE); skipping"
	exit 0
fi
if [ ! -x "$B/mdx-serve" ]; then
	echo "serve bench: $B/mdx-serve not built; skipping"
	exit 0
fi
if ! command -v wrk >/dev/null 2>&1; then
	echo "serve bench: wrk not installed (apt-get install wrk); skipping"
	exit 0
fi
FLASK=1
if ! python3 -c 'import flask' 2>/dev/null; then
	echo "serve bench: python3-flask not installed; the reference is skipped"
	FLASK=0
fi

T=$(mktemp -d)
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 2' INT TERM

# our own copy: the write run changes it
DB=$T/bench.db
if command -v sqlite3 >/dev/null 2>&1; then
	sqlite3 "$SRC" ".backup '$DB'"
else
	cp "$SRC" "$DB"
fi
NB=$("$B/mdx-query" --db "$DB" -f csv sql 'SELECT count(*) AS n FROM bars' | tail -n 1 | tr -d '\r')
echo "store: $NB bars ($(du -m "$DB" | cut -f1) MB)"

# serve NAME ARGS...: an mdx-serve on an ephemeral port; sets $url
serve() {
	name=$1
	shift
	"$B/mdx-serve" -q --db "$DB" --listen 127.0.0.1:0 --port-file "$T/$name.port" \
		--rate-limit 0 --max-per-ip 4096 --max-connections 4096 "$@" \
		2>"$T/$name.log" &
	PIDS="$PIDS $!"
	i=0
	while [ ! -s "$T/$name.port" ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	url=http://127.0.0.1:$(cat "$T/$name.port")
}
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

BARS="/v1/bars/AAPL?from=2017-01-01&to=2017-12-31"
STATS="/v1/stats/AAPL?from=2017-01-01&to=2017-12-31"
serve cached
CACHED=$url
serve uncached --cache-size 0
UNCACHED=$url
REF=""
if [ $FLASK = 1 ]; then
	port=$(free_port)
	python3 bench/flask_ref.py "$DB" "$port" >"$T/flask.log" 2>&1 &
	PIDS="$PIDS $!"
	i=0
	while ! curl -s -o /dev/null "http://127.0.0.1:$port/health" && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	REF=http://127.0.0.1:$port
fi

# the answers agree before they are timed
curl -s "$CACHED$BARS&limit=10000" | sed -e '1s/^{"next":[^,]*,"data"://' -e '$d' >"$T/a"
"$B/mdx-query" --db "$DB" -f json bars AAPL --from 2017-01-01 --to 2017-12-31 >"$T/b"
echo "bars AAPL 2017: $(grep -c '"type":"bar"' "$T/b") rows, $(wc -c <"$T/b") bytes of JSON; mdx-serve's body $(cmp -s "$T/a" "$T/b" && echo equals || echo DIFFERS FROM) mdx-query's"

# run URL: "REQ/S P99 ERRORS" of one wrk run
run() {
	wrk -t2 -c"$CONNS" -d"${SECS}s" --latency "$1" >"$T/wrk" 2>&1
	rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$T/wrk")
	p99=$(sed -n 's/^ *99% *\([0-9.a-z]*\).*/\1/p' "$T/wrk")
	errs=$(awk '/Non-2xx/ { n += $NF } /Socket errors/ { gsub(",", ""); n += $4 + $6 + $8 + $10 } END { print n + 0 }' "$T/wrk")
	echo "${rps:-0} ${p99:-?} $errs"
}
row() { printf '%-22s %-22s %10s %10s %7s\n' "$@"; }

echo
row query server req/s p99 errors
for q in bars stats; do
	[ $q = bars ] && path=$BARS || path=$STATS
	curl -s -o /dev/null "$CACHED$path" # the cache holds it
	set -- $(run "$CACHED$path")
	c_rps=$1
	row "$q AAPL 2017" "mdx-serve (cache)" "$1" "$2" "$3"
	set -- $(run "$UNCACHED$path")
	u_rps=$1
	row "" "mdx-serve (no cache)" "$1" "$2" "$3"
	if [ -n "$REF" ]; then
		set -- $(run "$REF$path")
		r_rps=$1
		row "" "Flask + sqlite3" "$1" "$2" "$3"
		row "" "ratios" "$(awk "BEGIN{printf \"%.1fx\", $c_rps / ($r_rps + 1e-9)}") cached" \
			"$(awk "BEGIN{printf \"%.1fx\", $u_rps / ($r_rps + 1e-9)}") uncached" ""
	fi
done
echo "targets (2 cores): cached >= 20000 req/s, uncached >= 10x the reference, p99 < 10 ms"

# 30 s while mdx-load writes: AAPL's 2017 bars loaded again and again,
# their source changed each time, so every load changes the store (and the
# cache is invalidated) while wrk asks for them
echo
echo "== 30 s of mdx-serve (cache) under writes: mdx-load re-loads AAPL 2017 in a loop"
"$B/mdx-query" --db "$DB" -f ndjson bars AAPL --from 2017-01-01 --to 2017-12-31 >"$T/aapl.ndjson"
sed 's/"source":"[^"]*"/"source":"bench"/' "$T/aapl.ndjson" >"$T/aapl2.ndjson"
(
	n=0
	end=$(($(date +%s) + 30))
	while [ "$(date +%s)" -lt $end ]; do
		f=$T/aapl.ndjson
		[ $((n % 2)) = 1 ] && f=$T/aapl2.ndjson
		"$B/mdx-load" -q --db "$DB" "$f" 2>>"$T/load.err" || echo fail >>"$T/load.fail"
		n=$((n + 1))
	done
	echo $n >"$T/loads"
) &
loader=$!
wrk -t2 -c"$CONNS" -d30s --latency "$CACHED$BARS" >"$T/wrk" 2>&1
wait $loader
rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$T/wrk")
p99=$(sed -n 's/^ *99% *\([0-9.a-z]*\).*/\1/p' "$T/wrk")
non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$T/wrk")
sock=$(sed -n 's/^ *Socket errors: *\(.*\)$/\1/p' "$T/wrk")
fails=0
[ -f "$T/load.fail" ] && fails=$(wc -l <"$T/load.fail")
echo "loads: $(cat "$T/loads") done, $fails failed$([ -s "$T/load.err" ] && printf ' (%s)' "$(head -n 1 "$T/load.err")")"
echo "mdx-serve: $rps req/s, p99 $p99, non-2xx ${non2xx:-0}, socket errors: ${sock:-none}"
hits=$(curl -s "$CACHED/metrics" | sed -n 's/^mdx_cache_hits_total //p')
misses=$(curl -s "$CACHED/metrics" | sed -n 's/^mdx_cache_misses_total //p')
echo "cache over the whole bench: $hits hits, $misses misses (each load invalidates it)"
