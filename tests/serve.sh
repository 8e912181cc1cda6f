#!/bin/sh
# tests/serve.sh - mdx-serve over real loopback HTTP (curl), against
# mdx-query on the same fixture store.
#
# The store is built from tests/fixtures through the pipeline (extract |
# transform | load): four symbols of daily bars and two days of MSFT
# minute bars, with tests/cases/serve/facts.ndjson (shares outstanding)
# and the index "two" built over them.  Servers listen on 127.0.0.1 with an ephemeral port (--port-file).
#   main   no API key, no rate limit, --timeout 2: the read endpoints,
#          pagination, caching, the hostile requests
#   write  a copy of the store, MDX_API_KEY, --max-body 64K: the writes,
#          then the drain on SIGTERM
#   small  --rate-limit, --query-timeout 1, --cors, --ready-max-age 1
# tests/cases/serve/equal.txt lists requests whose body must equal
# mdx-query's output.  A hostile request must leave the store as it was
# (its SQL dump unchanged) and the server answering.
. tests/lib.sh

for bin in mdx-serve mdx-query mdx-load mdx-extract mdx-transform; do
	if [ ! -x "$B/$bin" ]; then
		echo "serve.sh: $B/$bin not built" >&2
		exit 2
	fi
done
if ! command -v curl >/dev/null 2>&1; then
	echo "serve.sh: curl is needed (apt-get install curl)" >&2
	exit 2
fi
unset MDX_DB MDX_API_KEY
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 2' INT TERM

DB=$T/market.db
K=$FIX/csv/all_stocks_5yr_AAPL_MSFT_DHR_AOS.csv
M=$FIX/stats/MSFT_1min_2020-11-27_2020-11-30.csv
mdx-extract "$K" 2>/dev/null | mdx-transform 2>/dev/null | mdx-load -q --db "$DB"
mdx-extract --symbol MSFT --interval 1m --tz America/New_York "$M" 2>/dev/null |
	mdx-transform 2>/dev/null | mdx-load -q --db "$DB"
NBARS=$(mdx-query --db "$DB" -f csv sql 'SELECT count(*) AS n FROM bars' | tail -n 1 | tr -d '\r')
if [ "${NBARS:-0}" -lt 5900 ]; then
	echo "serve.sh: the fixture store did not load" >&2
	exit 2
fi
# instrument facts (shares outstanding) and an index over them
mdx-load -q --db "$DB" "$CASES/serve/facts.ndjson"
mdx-query --db "$DB" index build two --top 2 --rebalance quarterly >/dev/null
cp "$DB" "$T/write.db"
# the store's bytes (mdx-serve opens it read-only: a reader never writes
# the file or its WAL, so equal bytes are the strict test)
dump() { cat "$1" "$1-wal" 2>/dev/null | cksum; }

# start NAME DB [options...]: a server; sets NAME_URL and NAME_PID
start() {
	name=$1 db=$2
	shift 2
	rm -f "$T/$name.port"
	mdx-serve --db "$db" --listen 127.0.0.1:0 --port-file "$T/$name.port" \
		"$@" 2>"$T/$name.log" &
	pid=$!
	PIDS="$PIDS $pid"
	i=0
	while [ ! -s "$T/$name.port" ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	if [ ! -s "$T/$name.port" ]; then
		echo "serve.sh: mdx-serve $name did not start:" >&2
		cat "$T/$name.log" >&2
		exit 2
	fi
	eval "${name}_URL=http://127.0.0.1:$(cat "$T/$name.port")"
	eval "${name}_PID=$pid"
}

# get URL [curl options]: body in $T/body, headers in $T/hdr, status $code
get() {
	u=$1
	shift
	: >"$T/body" # curl leaves the file alone when there is no body
	code=$(curl -s --path-as-is -o "$T/body" -D "$T/hdr" -w '%{http_code}' "$@" "$u")
}
# the value of header $1 of the last answer
hdr() { grep -i "^$1:" "$T/hdr" | head -n 1 | sed 's/^[^:]*: *//' | tr -d '\r'; }
# a JSON field of the last body
field() { jq -r "$1" <"$T/body" 2>/dev/null; }
# strip the page envelope {"next":...,"data":ROWS} down to ROWS
unwrap() { sed -e '1s/^{"next":[^,]*,"data"://' -e '$d' "$1"; }

start main "$DB" --rate-limit 0 --timeout 2
DUMP0=$(dump "$DB")

# ---- liveness, and every body equal to mdx-query's ----
get "$main_URL/health"
eq "health" "$code $(cat "$T/body")" '200 {"status":"ok"}'

tab=$(printf '\t')
while IFS="$tab" read -r target accept args; do
	case $target in '#'* | '') continue ;; esac
	if [ "$accept" = - ]; then
		get "$main_URL$target"
	else
		get "$main_URL$target" -H "Accept: $accept"
	fi
	# shellcheck disable=SC2086
	mdx-query --db "$DB" $args >"$T/want" 2>/dev/null
	if head -c 8 "$T/body" | grep -q '^{"next":'; then
		unwrap "$T/body" >"$T/got"
	else
		cp "$T/body" "$T/got"
	fi
	if [ "$code" = 200 ] && cmp -s "$T/got" "$T/want"; then
		pass
	else
		fail "$target" "status $code; body differs from mdx-query $args: $(diff "$T/want" "$T/got" | head -n 4)"
	fi
done <"$CASES/serve/equal.txt"

# one intraday bar: the line of that bar in mdx-query's answer
get "$main_URL/v1/bars/MSFT/1m/2020-11-30T14:31:00Z?format=ndjson"
eq "one 1m bar" "$code $(cat "$T/body")" "200 $(mdx-query --db "$DB" bars MSFT --interval 1m | grep '"ts":"2020-11-30T14:31:00Z"')"
get "$main_URL/v1/bars/MSFT/1m/2020-11-30T14:31:30Z"
eq "no such bar" "$code" 404
get "$main_URL/v1/bars/XYZ"
eq "unknown symbol" "$code $(field .detail)" "404 symbol 'XYZ' not in the store"
get "$main_URL/v1/bars/aapl"
eq "symbol in the wrong case: a hint" "$code $(field .detail)" "404 symbol 'aapl' not in the store; did you mean 'AAPL'?"
get "$main_URL/v1/latest?symbols=AAPL,XYZ"
eq "some symbols missing" "$code $(hdr X-Missing-Symbols)" "200 XYZ"
get "$main_URL/v1/latest?symbols=XYZ,QQQ"
eq "every symbol missing" "$code" 404
get "$main_URL/v1/symbols" -I
eq "HEAD" "$code $(hdr Content-Length)" "200 $(mdx-query --db "$DB" -f json symbols | wc -c)"

# ---- pagination: walking every page gives the one whole answer ----
walk() { # walk FIRST-TARGET OUT: pages' bodies appended to OUT; $pages
	url=$1 pages=0
	: >"$2"
	while [ -n "$url" ] && [ $pages -lt 100 ]; do
		get "$main_URL$url"
		[ "$code" = 200 ] || break
		if head -c 8 "$T/body" | grep -q '^{"next":'; then
			# the body's next is the Link header's URL
			head -n 1 "$T/body" | grep -q "^{\"next\":\($(hdr Link | sed -n 's/^<\(.*\)>; rel="next"$/"\1"/p')\|null\)," || break
			unwrap "$T/body" | sed -e '1d' -e '$d' -e 's/,$//' >>"$2"
		elif [ $pages -gt 0 ] && head -n 1 "$T/body" | grep -q '^type,'; then
			tail -n +2 "$T/body" >>"$2" # csv: one header
		else
			cat "$T/body" >>"$2"
		fi
		pages=$((pages + 1))
		url=$(hdr Link | sed -n 's/^<\(.*\)>; rel="next"$/\1/p')
	done
}
mdx-query --db "$DB" -f ndjson bars MSFT >"$T/msft.ndjson"
walk "/v1/bars/MSFT?limit=250&format=ndjson" "$T/walk"
eq "ndjson pages" "$pages $(cmp -s "$T/walk" "$T/msft.ndjson" && echo same)" "9 same"
walk "/v1/bars/MSFT?limit=333" "$T/walk"
eq "json pages (data rows)" "$pages $(cmp -s "$T/walk" "$T/msft.ndjson" && echo same)" "7 same"
mdx-query --db "$DB" -f csv bars AAPL --from 2016-01-01 >"$T/want"
walk "/v1/bars/AAPL?from=2016-01-01&limit=100&format=csv" "$T/walk"
eq "csv pages" "$pages $(cmp -s "$T/walk" "$T/want" && echo same)" "6 same"
mdx-query --db "$DB" -f ndjson bars MSFT --interval 1d --from 2015-01-01 --to 2015-12-31 >"$T/want"
walk "/v1/instruments/MSFT/ohlcv?interval=1d&from=2015-01-01&to=2015-12-31&limit=50&format=ndjson" "$T/walk"
eq "alias pages, filtered" "$pages $(cmp -s "$T/walk" "$T/want" && echo same)" "6 same"
get "$main_URL/v1/bars/AAPL"
eq "default page: 500 rows" "$(field '.data | length') $(field .next | cut -c1-21)" "500 /v1/bars/AAPL?cursor="
get "$main_URL/v1/bars/AAPL?limit=20000&format=ndjson"
eq "limit capped at 10000" "$code $(wc -l <"$T/body")" "200 1259"
get "$main_URL/v1/bars/MSFT?limit=5&format=ndjson"
next=$(hdr Link | sed -n 's/^<\(.*\)>; rel="next"$/\1/p')
cur=${next##*cursor=}
bad=$(printf '%s' "$cur" | sed 's/^\(.\{12\}\)./\1A/;t;s/^/x/')
[ "$bad" = "$cur" ] && bad=$(printf '%s' "$cur" | sed 's/^\(.\{12\}\)./\1B/')
get "$main_URL/v1/bars/MSFT?limit=5&format=ndjson&cursor=$bad"
eq "tampered cursor" "$code" 400
get "$main_URL/v1/bars/MSFT?limit=5&format=ndjson&from=2013-01-01&cursor=$cur"
eq "cursor of another question" "$code" 400
get "$main_URL/v1/bars/AAPL?limit=5&format=ndjson&cursor=$cur"
eq "cursor of another symbol" "$code" 400
get "$main_URL$next"
eq "cursor as given" "$code" 200

# ---- ETag, 304, Cache-Control, the cache and its invalidation ----
get "$main_URL/v1/latest?symbols=AAPL"
etag=$(hdr ETag)
eq "strong ETag" "$(printf '%s' "$etag" | grep -c '^"[0-9a-f]\{16\}"$') $(hdr Cache-Control)" "1 max-age=0"
get "$main_URL/v1/latest?symbols=AAPL" -H "If-None-Match: $etag"
eq "304" "$code $(wc -c <"$T/body") $(hdr ETag)" "304 0 $etag"
get "$main_URL/v1/latest?symbols=AAPL" -H "If-None-Match: \"0000000000000000\", W/$etag"
eq "304 on a list with W/" "$code" 304
# a second check of the weak comparison (issue 15): a HEAD of another
# route with the weak form alone
get "$main_URL/v1/bars/AAPL?from=2018-02-01&to=2018-02-07" -I
betag=$(hdr ETag)
get "$main_URL/v1/bars/AAPL?from=2018-02-01&to=2018-02-07" -I -H "If-None-Match: W/$betag"
eq "304 on W/ alone, HEAD of bars" "$(printf '%s' "$betag" | grep -c '^"') $code" "1 304"
get "$main_URL/v1/latest?symbols=AAPL" -H 'If-None-Match: "0000000000000000"'
eq "200 on another ETag" "$code" 200
get "$main_URL/v1/latest?symbols=AAPL&format=csv"
eq "ETag differs by format" "$([ "$(hdr ETag)" != "$etag" ] && echo yes)" yes
hits0=$(curl -s "$main_URL/metrics" | sed -n 's/^mdx_cache_hits_total //p')
get "$main_URL/v1/latest?symbols=AAPL"
hits1=$(curl -s "$main_URL/metrics" | sed -n 's/^mdx_cache_hits_total //p')
eq "served from the cache" "$((hits1 - hits0)) $(grep '"target":"/v1/latest?symbols=AAPL"' "$T/main.log" | tail -n 1 | jq -r .cache)" "1 hit"
# a load changes the answer: the cache must not serve the old one
mdx-query --db "$DB" -f ndjson bars AAPL --from 2018-02-07 |
	sed 's/"close":159.54/"close":161.25/' >"$T/new.ndjson"
mdx-load -q --db "$DB" "$T/new.ndjson"
get "$main_URL/v1/latest?symbols=AAPL"
mdx-query --db "$DB" -f json latest AAPL >"$T/want"
eq "cache invalidated by a load" "$(cmp -s "$T/body" "$T/want" && echo same) $(field '.[0].close') $([ "$(hdr ETag)" != "$etag" ] && echo new-etag)" "same 161.25 new-etag"
get "$main_URL/v1/latest?symbols=AAPL" -H "If-None-Match: $etag"
eq "old ETag after a load" "$code" 200
DUMP0=$(dump "$DB")

# ---- the OpenAPI document names every route, and each answers ----
# jq: do the rows of $body fit the 200 schema of GET $p in $doc?  "ok", or
# the first row that does not
rows_fit='
def types: if type == "number" then (if . == floor then ["integer", "number"] else ["number"] end) else [type] end;
def fits($s): . as $r | ($r | keys_unsorted) == $s.required and
	all($r | to_entries[]; (.value | types) as $t |
		($s.properties[.key].type | if type == "array" then . else [.] end) as $a |
		any($t[]; . as $x | $a | index($x) != null));
$doc[0].paths[$p].get.responses["200"].content["application/json"].schema as $s |
(if $s.type == "object" then $s.properties.data else $s end).items as $item |
($body[0] | if type == "object" then .data else . end) as $rows |
[$rows[] | select(if $item.oneOf then (. as $r | any($item.oneOf[]; . as $o | $r | fits($o)) | not) else (fits($item) | not) end)] |
if length == 0 then "ok" else (.[0] | tostring) end'
get "$main_URL/openapi.json"
cp "$T/body" "$T/openapi.json"
routes='/health /metrics /openapi.json /ready /v1/actions/{symbol} /v1/bars /v1/bars/{symbol} /v1/bars/{symbol}/{interval}/{ts} /v1/calendar /v1/check /v1/index /v1/index/{name} /v1/index/{name}/build /v1/index/{name}/changes /v1/index/{name}/composition /v1/index/{name}/performance /v1/instruments/{symbol}/ohlcv /v1/latest /v1/resample/{symbol} /v1/returns/{symbol} /v1/revisions/{symbol} /v1/runs /v1/stats/{symbol} /v1/symbols'
eq "openapi is JSON" "$code $(field .openapi)" "200 3.1.0"
eq "openapi paths" "$(field '.paths | keys | join(" ")')" "$routes"
eq "openapi methods" "$(field '[.paths[] | keys[]] | sort | unique | join(" ")')" "delete get post put"
for r in $routes; do
	u=$(printf '%s' "$r" | sed -e 's/{symbol}/AAPL/' -e 's/{interval}/1d/' -e 's/{ts}/2017-06-01/' -e 's/{name}/two/')
	case $r in /v1/resample/*) u="$u?interval=1mo" ;; esac
	m=$(jq -r --arg p "$r" '.paths[$p] | keys[0]' "$T/body")
	case $m in get) ;; *) continue ;; esac
	st=$(curl -s -o "$T/route.json" -w '%{http_code}' "$main_URL$u")
	eq "GET $r answers" "$st" 200
	# the answer fits its 200's schema: every row has the columns named
	# there, in that order, each value of the type given (or null)
	if jq -e --arg p "$r" '.paths[$p].get.responses["200"].content["application/json"].schema' "$T/openapi.json" >/dev/null; then
		eq "GET $r rows fit the schema" "$(jq -n -r --arg p "$r" --slurpfile doc "$T/openapi.json" --slurpfile body "$T/route.json" "$rows_fit")" ok
	fi
done
# the two shapes of index performance
get "$main_URL/v1/index/two/performance?summary=true"
eq "index performance summary fits the schema" "$(jq -n -r --arg p /v1/index/{name}/performance --slurpfile doc "$T/openapi.json" --slurpfile body "$T/body" "$rows_fit")" ok
eq "every row route has a schema" "$(jq -r '[.paths | to_entries[] | .key as $k | .value | to_entries[] | select(.value.responses["200"].content["text/csv"] != null) | select(.value.responses["200"].content["application/json"].schema == null) | "\($k) \(.key)"] | join(", ")' "$T/openapi.json")" ""
get "$main_URL/v1/bars" -X POST
eq "POST /v1/bars answers (no key)" "$code" 403
get "$main_URL/v1/index/two/build?top=2" -X POST
eq "POST /v1/index/{name}/build answers (no key)" "$code" 403
get "$main_URL/v1/index/two" -X DELETE
eq "DELETE /v1/index/{name} answers (no key)" "$code" 403

# ---- bars since a time (issue 11), and every interval of Yahoo's chart
# API: the recorded AAPL 1m answer of 2024-10-02 (served by mdx-replay,
# through the pipeline) in a store of its own ----
"$B/tests/mdx-replay" --port 0 --port-file "$T/replay.port" \
	--routes "$FIX/http/incremental.routes" 2>/dev/null &
rpid=$!
i=0
while [ ! -s "$T/replay.port" ] && [ $i -lt 500 ]; do
	sleep 0.01
	i=$((i + 1))
done
RBASE=http://127.0.0.1:$(cat "$T/replay.port")
# the answer was made on 2024-10-04 12:07:44Z (Yahoo's 30 days count back
# from then); --to 2024-10-02 drops the live bar of 2024-10-03
MDX_EXTRACT_NOW=2024-10-04T12:07:44Z mdx-extract -p yahoo --base-url "$RBASE" --rate 0 \
	--interval 1m --from 2024-10-02 --to 2024-10-02 AAPL 2>/dev/null |
	mdx-transform 2>/dev/null | mdx-load -q --db "$T/since.db"
start since "$T/since.db" --rate-limit 0
S=$since_URL/v1/bars/AAPL
# the recorded 10:30 New York (14:30Z) close 225.4499969482422, volume 71154
get "$S?interval=1m&since=2024-10-02T14:29:00Z&limit=2&format=ndjson"
eq "since: strictly after, the recorded 14:30Z bar first" "$code $(jq -r '"\(.ts) \(.close) \(.volume)"' "$T/body" | tr '\n' ' ')" \
 "200 2024-10-02T14:30:00Z 225.4499969482422 71154 2024-10-02T14:31:00Z 225.4600067138672 75032 "
mdx-query --db "$T/since.db" -f ndjson bars AAPL --interval 1m --since 2024-10-02T14:29:00Z --limit 2 >"$T/want"
eq "since: the body is mdx-query bars --since's" "$(cmp -s "$T/body" "$T/want" && echo same)" same
# the next page keeps since= (the cursor is bound to it)
next=$(hdr Link | sed -n 's/^<\([^>]*\)>; rel="next"$/\1/p')
eq "since: the next link keeps since=" "$(printf '%s' "$next" | grep -c 'since=2024-10-02T14%3A29%3A00Z')" 1
get "$since_URL$next"
eq "since: the next page goes on at 14:32Z" "$code $(jq -r .ts "$T/body" | head -n 1)" "200 2024-10-02T14:32:00Z"
cur=$(printf '%s' "$next" | sed -n 's/.*[?&]cursor=\([^&]*\).*/\1/p')
get "$S?interval=1m&since=2024-10-02T14:30:00Z&limit=2&format=ndjson&cursor=$cur"
eq "since: a cursor of another since= is refused" "$code" 400
get "$S?from=2024-10-02T10:30:00-04:00&to=2024-10-02T14:31:00Z&format=ndjson"
eq "from/to instants (an offset too): inclusive" "$code $(jq -r .ts "$T/body" | tr '\n' ' ')" "200 2024-10-02T14:30:00Z 2024-10-02T14:31:00Z "
get "$S?from=2024-10-02T14:30:00%2B00:00&to=2024-10-02T14:31:00Z&format=ndjson"
eq "from= with +00:00 sent as %2B" "$code $(jq -r .ts "$T/body" | tr '\n' ' ')" "200 2024-10-02T14:30:00Z 2024-10-02T14:31:00Z "
get "$S?since=2024-10-02"
eq "since= a date: 400, said what is accepted" "$code $(field .detail)" "400 since: '2024-10-02' is not an RFC 3339 instant (2024-10-02T14:30:00Z)"
get "$S?from=2024-10-02T25:00:00Z"
eq "from= a bad time: 400" "$code $(field .detail)" "400 from: '2024-10-02T25:00:00Z' is not a date (YYYY-MM-DD) or an RFC 3339 instant (2024-10-02T14:30:00Z)"
get "$S?from=2024-10-02T15:00:00Z&to=2024-10-02T14:00:00Z"
eq "from= after to=: 400" "$code $(field .detail)" "400 from is after to"
get "$since_URL/v1/stats/AAPL?since=2024-10-02T14:30:00Z"
eq "since= on stats: an unknown parameter" "$code" 400
# a client polling with its last ts: nothing new, then the next bar once
# it is loaded (ETag and cache follow the store's data version)
get "$S?interval=1m&since=2024-10-02T19:59:00Z"
petag=$(hdr ETag)
eq "poll at the last bar: no rows" "$code $(field '.data | length') $(field .next)" "200 0 null"
get "$S?interval=1m&since=2024-10-02T19:59:00Z" -H "If-None-Match: $petag"
eq "poll again: 304" "$code" 304
MDX_EXTRACT_NOW=2024-10-04T12:07:44Z mdx-extract -p yahoo --base-url "$RBASE" --rate 0 \
	--interval 1m --tz UTC --from 2024-10-02T19:59:00 AAPL 2>/dev/null |
	mdx-transform 2>/dev/null | mdx-load -q --db "$T/since.db"
get "$S?interval=1m&since=2024-10-02T19:59:00Z" -H "If-None-Match: $petag"
eq "poll after a load: 200, the recorded bar of 2024-10-03 20:00Z, a new ETag" \
 "$code $(field '.data[] | "\(.ts) \(.close)"') $([ "$(hdr ETag)" != "$petag" ] && echo new-etag)" \
 "200 2024-10-03T20:00:00Z 225.6699981689453 new-etag"
kill "$rpid" 2>/dev/null
wait "$rpid" 2>/dev/null
# intervals: 60m is 1h; a 90m bar (resampled at the open from the 1m
# bars, as Yahoo's 90m bars: 09:30-10:59 New York) stored and read back
get "$S?interval=60m"
eq "interval=60m is 1h: none stored" "$code $(field '.data | length')" "200 0"
get "$S?interval=4h"
eq "interval=4h refused, the intervals named" "$code $(field .detail)" "400 interval: unknown interval '4h' (1m 2m 5m 15m 30m 1h (60m) 90m 1d 5d 1wk 1mo 3mo)"
get "$since_URL/v1/resample/AAPL?interval=90m&at_open=true&format=ndjson"
eq "resample to 90m at the open" "$code $(jq -r .ts "$T/body" | head -n 1)" "200 2024-10-02T13:30:00Z"
mdx-query --db "$T/since.db" -f ndjson resample AAPL --to 90m --at-open >"$T/want"
eq "resample 90m: mdx-query's" "$(cmp -s "$T/body" "$T/want" && echo same)" same
mdx-load -q --db "$T/since.db" "$T/body"
get "$since_URL/v1/bars/AAPL/90m/2024-10-02T13:30:00Z?format=ndjson"
eq "one 90m bar: mdx-query's line" "$code $(cat "$T/body")" "200 $(mdx-query --db "$T/since.db" -f ndjson bars AAPL --interval 90m | grep '"ts":"2024-10-02T13:30:00Z"')"
eq "one 90m bar: its close is the 10:59 1m close" "$(jq -r .close "$T/body")" \
 "$(mdx-query --db "$T/since.db" -f ndjson bars AAPL --interval 1m --from 2024-10-02T14:59:00Z --to 2024-10-02T14:59:00Z | jq -r .close)"
get "$since_URL/v1/resample/AAPL?interval=5d"
eq "resample to 5d: 400" "$code $(field .detail)" "400 resample: cannot resample to 5d: a provider's own grouping of days (resample to 1wk)"
get "$since_URL/v1/resample/AAPL?interval=1h&source=90m"
eq "resample 90m to 1h: 400" "$code" 400
get "$since_URL/openapi.json"
eq "openapi: the interval enum" "$(field '[.paths["/v1/bars/{symbol}"].get.parameters[] | select(.name == "interval") | .schema.enum[]] | join(" ")')" "1m 2m 5m 15m 30m 1h 90m 1d 5d 1wk 1mo 3mo 60m"
eq "openapi: the {interval} path parameter too" "$(field '[.paths["/v1/bars/{symbol}/{interval}/{ts}"].get.parameters[] | select(.name == "interval") | .schema.enum | length] | .[0]')" 13
eq "openapi: since= on the bars routes" "$(field '[.paths["/v1/bars/{symbol}", "/v1/instruments/{symbol}/ohlcv"] | .get.parameters[] | select(.name == "since") | .schema.format] | join(" ")')" "date-time date-time"

# ---- operations: ready, metrics, request ids, the access log ----
get "$main_URL/ready"
eq "ready" "$code $(field .status) $(field .last_run.tool)" "200 ready mdx-load"
get "$main_URL/metrics"
eq "metrics type" "$(hdr Content-Type)" "text/plain; version=0.0.4; charset=utf-8"
eq "metrics: requests by route and status" "$(grep -c '^mdx_http_requests_total{method="GET",route="/v1/bars/{symbol}",status="200"} [0-9]' "$T/body")" 1
eq "metrics: latency histogram" "$(grep -c '^mdx_http_request_duration_seconds_bucket{method="GET",route="/v1/symbols",le="+Inf"} ' "$T/body")" 1
eq "metrics: bars in store" "$(sed -n 's/^mdx_store_bars //p' "$T/body")" "$NBARS"
eq "metrics: last success" "$(grep -c '^mdx_pipeline_last_success_timestamp_seconds 1[0-9.]*$' "$T/body")" 1
eq "metrics: cache" "$(grep -c '^mdx_cache_misses_total [1-9]' "$T/body")" 1
get "$main_URL/health" -H "X-Request-Id: abc-123"
eq "X-Request-Id echoed" "$(hdr X-Request-Id)" abc-123
get "$main_URL/health" -H "X-Request-Id: bad id!"
eq "X-Request-Id made" "$(hdr X-Request-Id | grep -c '^[0-9a-f]\{16\}$')" 1
line=$(grep '"id":"abc-123"' "$T/main.log")
eq "access log line" "$(printf '%s' "$line" | jq -r '[.msg,.method,.target,.status,.route] | join(" ")')" "request GET /health 200 /health"
get "$main_URL/v1/nowhere"
eq "problem+json" "$code $(hdr Content-Type) $(field .status) $(field .request_id | grep -c '^[0-9a-f]\{16\}$')" "404 application/problem+json 404 1"
get "$main_URL/v1/symbols" -X DELETE
eq "405 with Allow" "$code $(hdr Allow)" "405 GET, HEAD"
get "$main_URL/v1/symbols" -H "Accept: image/png"
eq "406" "$code" 406

# ---- hostile requests: each refused, the store unchanged ----
hostile() { # NAME WANT-STATUSES (a|b) curl arguments...
	n=$1 want=$2
	shift 2
	get "$@"
	case "|$want|" in
	*"|$code|"*) ;;
	*)
		fail "$n" "status $code, want $want: $(head -c 200 "$T/body")"
		return
		;;
	esac
	if [ "$(dump "$DB")" != "$DUMP0" ]; then
		fail "$n" "the store changed"
	elif [ "$(curl -s -o /dev/null -w '%{http_code}' "$main_URL/health")" != 200 ]; then
		fail "$n" "the server stopped answering"
	else
		pass
	fi
}
# raw: send the bytes of printf FORMAT ARG to the server, first line in $code
raw() {
	# shellcheck disable=SC2059
	printf "$1" "$2" >"$T/req"
	code=$(curl -s --max-time 5 telnet://127.0.0.1:"${main_URL##*:}" <"$T/req" | head -n 1 | cut -d' ' -f2)
}
rawhostile() { # NAME WANT FORMAT ARG
	raw "$3" "${4:-}"
	case "|$2|" in *"|$code|"*) ;; *)
		fail "$1" "status $code, want $2"
		return
		;;
	esac
	if [ "$(dump "$DB")" != "$DUMP0" ]; then fail "$1" "the store changed"; else pass; fi
}
hostile "traversal .." 400 "$main_URL/v1/bars/../../../etc/passwd"
hostile "traversal %2e%2e" 400 "$main_URL/v1/bars/%2e%2e/%2e%2e/etc/passwd"
hostile "traversal .%2E" 400 "$main_URL/v1/.%2E/v1/symbols"
hostile "traversal %2F.." 400 "$main_URL/v1/bars/..%2F..%2Fetc%2Fpasswd"
hostile "encoded NUL" 400 "$main_URL/v1/bars/AAPL%00.db"
# libmicrohttpd reads the target as a C string: a raw NUL ends it there
rawhostile "raw NUL" 404 'GET /v1/bars/AA\000PL/../../x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n'
rawhostile "raw bytes, not UTF-8" 400 'GET /v1/bars/A\303\050PL HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n'
hostile "NUL in the query" 400 "$main_URL/v1/bars/AAPL?from=2017-01-01%00"
hostile "bad escape" 400 "$main_URL/v1/bars/AAPL%zz"
hostile "control character" 400 "$main_URL/v1/bars/AA%0D%0APL"
hostile "SQL in the symbol" 400 "$main_URL/v1/bars/AAPL'%20OR%201=1;DROP%20TABLE%20bars;--"
hostile "SQL in symbols=" 400 "$main_URL/v1/latest?symbols=AAPL,x');DELETE%20FROM%20bars;--"
hostile "SQL in a date" 400 "$main_URL/v1/bars/AAPL?from=2017-01-01'%20OR%20'1'='1"
hostile "absurd date" 400 "$main_URL/v1/bars/AAPL?from=99999-99-99"
hostile "date 0000-00-00" 400 "$main_URL/v1/bars/AAPL?to=0000-00-00"
hostile "no such day" 400 "$main_URL/v1/bars/AAPL?from=2019-02-29"
hostile "from after to" 400 "$main_URL/v1/bars/AAPL?from=2018-01-02&to=2018-01-01"
hostile "negative limit" 400 "$main_URL/v1/bars/AAPL?limit=-5"
eq "negative limit: what a limit must be" "$(field .detail)" "limit: must be a whole number from 1 to 10000, not '-5'"
hostile "zero limit" 400 "$main_URL/v1/bars/AAPL?limit=0"
hostile "limit not a number" 400 "$main_URL/v1/bars/AAPL?limit=1e3"
hostile "absurd limit (capped)" 200 "$main_URL/v1/bars/AAPL?limit=999999999999999999999999999999"
hostile "unknown interval" 400 "$main_URL/v1/bars/AAPL?interval=1y"
hostile "unknown parameter" 400 "$main_URL/v1/bars/AAPL?limt=5"
hostile "repeated parameter" 400 "$main_URL/v1/bars/AAPL?limit=5&limit=6"
hostile "too many parameters" 400 "$main_URL/v1/symbols?a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8&i=9&j=10&k=11&l=12&m=13&n=14&o=15&p=16&q=17"
hostile "symbol too long" 400 "$main_URL/v1/bars/$(printf '%040d' 0)"
hostile "non-ASCII symbol" 400 "$main_URL/v1/bars/%C3%84PPL"
hostile "absolute-form target" "400|404" "$main_URL/v1/symbols" --request-target "http://evil.example/v1/symbols"
big=$(head -c 65536 /dev/zero | tr '\0' a)
hostile "64 KiB header" 431 "$main_URL/v1/symbols" -H "X-Big: $big"
hostile "20 KiB header (our cap)" 431 "$main_URL/v1/symbols" -H "X-Big: $(printf '%s' "$big" | head -c 20000)"
rawhostile "1 MiB URL" 414 'GET /v1/bars/AAPL?from=%s HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n' "$(head -c 1048576 /dev/zero | tr '\0' 1)"
hostile "10 KiB URL (our cap)" 414 "$main_URL/v1/symbols?symbols=$(printf '%s' "$big" | head -c 10000)"
hostile "GET with a body" 400 "$main_URL/v1/symbols" --data-binary 'x' -X GET
hostile "request smuggling (CL and TE)" "400|403|411|413" "$main_URL/v1/bars" -X POST -H "Transfer-Encoding: chunked" -H "Content-Length: 5" --data-binary @/dev/null
# a connection that sends a byte a second: closed at the --timeout (2 s)
# of its request, while other clients are served meanwhile
t0=$(date +%s.%N)
(for c in G E T ' ' / h e a l t h ' ' H T T P; do printf '%s' "$c"; sleep 1; done) |
	(curl -s --max-time 20 telnet://127.0.0.1:"${main_URL##*:}" >/dev/null 2>&1; date +%s.%N >"$T/slow.end") &
slow=$!
sleep 0.5
get "$main_URL/v1/symbols"
served=$code
wait $slow 2>/dev/null
secs=$(awk "BEGIN{printf \"%d\", ($(cat "$T/slow.end") - $t0) * 10}")
eq "slow client closed at the timeout" "$served $([ "$secs" -ge 18 ] && [ "$secs" -le 35 ] && echo in-time)" "200 in-time"
eq "store unchanged" "$(dump "$DB")" "$DUMP0"

# ---- writes: refused without a key, taken with it ----
get "$main_URL/v1/bars" -X POST --data-binary @"$T/new.ndjson"
eq "no key configured: 403" "$code" 403
get "$main_URL/v1/bars/AAPL/1d/2018-02-07" -X DELETE
eq "no key configured: DELETE 403" "$code" 403
printf 'k3y-%s\n' "$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" >"$T/key"
KEY=$(cat "$T/key")
start write "$T/write.db" --rate-limit 0 --api-key-file "$T/key" --max-body 64K
AUTH="Authorization: Bearer $KEY"
WDUMP=$(dump "$T/write.db")
get "$write_URL/v1/bars" -X POST --data-binary @"$T/new.ndjson"
eq "no Authorization: 401" "$code $(hdr WWW-Authenticate)" '401 Bearer realm="mdx-serve"'
get "$write_URL/v1/bars" -X POST --data-binary @"$T/new.ndjson" -H "Authorization: Bearer wrong"
eq "wrong key: 401" "$code" 401
get "$write_URL/v1/bars" -X POST --data-binary @"$T/new.ndjson" -H "Authorization: Bearer ${KEY}x"
eq "longer key: 401" "$code" 401
eq "store unchanged by refused writes" "$(dump "$T/write.db")" "$WDUMP"
get "$write_URL/v1/bars" -X POST --data-binary @"$T/new.ndjson" -H "$AUTH" -H 'Content-Type: application/x-ndjson'
eq "POST NDJSON" "$code $(cat "$T/body")" '200 {"received":1,"inserted":0,"updated":1,"unchanged":0}'
eq "POST upserted as mdx-load" "$(mdx-query --db "$T/write.db" bars AAPL --from 2018-02-07 | jq -r .close)" 161.25
printf '[{"symbol":"ZZZ","interval":"1d","ts":"2018-02-06T05:00:00Z","open":10,"high":11,"low":9,"close":10.5,"volume":100},
 {"symbol":"ZZZ","interval":"1d","time":"2018-02-07","open":10.5,"high":12,"low":10,"close":11,"volume":200}]' >"$T/arr.json"
get "$write_URL/v1/bars" -X POST --data-binary @"$T/arr.json" -H "$AUTH" -H 'Content-Type: application/json'
eq "POST JSON array" "$code $(field .inserted)" "200 2"
eq "bars as canonical" "$(mdx-query --db "$T/write.db" bars ZZZ | jq -r '.ts + " " + .date' | tr '\n' ' ')" "2018-02-06T05:00:00Z 2018-02-06 2018-02-07T05:00:00Z 2018-02-07 "
WDUMP=$(dump "$T/write.db")
printf '{"symbol":"ZZZ","interval":"1d","ts":"2018-02-08T05:00:00Z","open":1,"high":2,"low":0.5,"close":1.5}\n{"symbol":"ZZZ","interval":"1d","ts":"2018-02-09T05:00:00Z","open":1,"high":0.9,"low":0.5,"close":1.5}\nnot json\n{"type":"run","tool":"x","status":"ok"}\n' >"$T/bad.ndjson"
get "$write_URL/v1/bars" -X POST --data-binary @"$T/bad.ndjson" -H "$AUTH"
# the run record on line 4 is taken (mdx-transform appends one): not an error
eq "invalid records: 422" "$code $(field .invalid) $(field '[.errors[].line] | join(",")')" "422 2 2,3"
eq "422 writes nothing" "$(dump "$T/write.db")" "$WDUMP"
# one validation for every way in (lib/session.c): a daily bar of a
# weekend, a daily ts that is not midnight, a date outside the calendar
# are refused as mdx-transform refuses them; bars get their session
printf '%s\n' '{"symbol":"AAPL","interval":"1d","time":"2017-11-25","open":175.1,"high":175.5,"low":174.6459,"close":174.97}' >"$T/sat.ndjson"
get "$write_URL/v1/bars" -X POST --data-binary @"$T/sat.ndjson" -H "$AUTH"
eq "a Saturday daily bar: 422" "$code $(field '.errors[0].record + " " + .errors[0].field + ": " + .errors[0].detail')" "422 AAPL 2017-11-25 date: 2017-11-25 is not an NYSE session (weekend; use --allow-non-session to keep it)"
printf '%s\n' '{"symbol":"AAPL","interval":"1d","ts":"2017-11-24T17:00:00Z","open":175.1,"high":175.5,"low":174.6459,"close":174.97}' >"$T/noon.ndjson"
get "$write_URL/v1/bars" -X POST --data-binary @"$T/noon.ndjson" -H "$AUTH"
eq "a daily ts off midnight: 422" "$code $(field '.errors[0].detail')" "422 2017-11-24T17:00:00Z is not 00:00 of 2017-11-24 in America/New_York (a daily bar keys on its trading day)"
get "$write_URL/v1/bars/AAPL/1d/1989-12-29" -X PUT -H "$AUTH" --data-binary '{"open":1,"high":2,"low":0.5,"close":1.5}'
eq "PUT a date outside the calendar: 422" "$code $(field .detail)" "422 field 'date': 1989-12-29 is outside the NYSE calendar (1990-01-01 to 2099-12-31): no session can be given"
eq "refused writes change nothing" "$(dump "$T/write.db")" "$WDUMP"
# real AAPL 2017-11-24 (all_stocks_5yr), the day after Thanksgiving
grep '^2017-11-24,.*,AAPL$' "$K" | awk -F, '{ printf "{\"symbol\":\"AAPL\",\"interval\":\"1d\",\"time\":\"%s\",\"open\":%s,\"high\":%s,\"low\":%s,\"close\":%s,\"volume\":%s}\n", $1, $2, $3, $4, $5, $6 }' >"$T/fri.ndjson"
get "$write_URL/v1/bars" -X POST --data-binary @"$T/fri.ndjson" -H "$AUTH"
eq "POST 2017-11-24" "$code $(field .received)" "200 1"
eq "POSTed bar labelled early_close" "$(mdx-query --db "$T/write.db" bars AAPL --from 2017-11-24 --to 2017-11-24 -f ndjson | jq -r '.session + " " + (.close | tostring)')" "early_close 174.97"
# the price basis is mdx-load's (lib/store.c): with AAPL's 4:1 split of
# 2020-08-31 in the store, Yahoo's split-adjusted 2020-08-28 bar (close
# 124.8075 as of 2021-11-13) POSTed is stored as traded, 499.23
printf '%s\n' '{"type":"action","symbol":"AAPL","date":"2020-08-31","kind":"split","ratio":4,"source":"yahoo"}' | mdx-load -q --db "$T/write.db"
printf '%s\n' '{"symbol":"AAPL","interval":"1d","time":"2020-08-28","open":126.0124969482422,"high":126.44249725341797,"low":124.57749938964844,"close":124.80750274658203,"volume":187630000,"basis":"split","basis_as_of":"2021-11-13","source":"yahoo"}' >"$T/split.ndjson"
get "$write_URL/v1/bars" -X POST --data-binary @"$T/split.ndjson" -H "$AUTH"
eq "POST a split-basis bar" "$code $(field .inserted)" "200 1"
eq "stored as traded (x4), split-adjusted on read" "$(mdx-query --db "$T/write.db" bars AAPL --from 2020-08-28 --to 2020-08-28 -f ndjson | jq -r '[.close, .volume] | @csv') $(mdx-query --db "$T/write.db" bars AAPL --from 2020-08-28 --to 2020-08-28 --adjust split -f ndjson | jq -r .close)" "499.2300109863281,46907500 124.80750274658203"
# mdx-serve(1)'s "load bars over HTTP" example, verbatim from the page
# but for the file, the key file and the address, against this server
sed -n '/^Load bars from the pipeline over HTTP/,/^\.Ed/p' man/mdx-serve.1 |
	sed -e '1,/^\.Bd/d' -e '/^\.Ed/d' -e 's/\\e$/\\/' >"$T/example.sh"
grep -q 'mdx-extract prices.csv | mdx-transform |' "$T/example.sh" &&
	grep -q -- '--fail-with-body' "$T/example.sh"
eq "example found in mdx-serve.1" "$?" 0
# the first 100 real rows (the server takes bodies up to 64K)
head -n 101 "$FIX/csv/yahoo_download_AAPL_2022-01-03_2023-05-31.csv" >"$T/prices.csv"
sed -i -e "s|prices.csv|$T/prices.csv --symbol AAPL|" \
	-e "s|/etc/mdx/api.key|$T/key|" -e "s|http://127.0.0.1:8080|$write_URL|" "$T/example.sh"
status "the documented pipeline" 0 sh "$T/example.sh"
eq "its answer: 100 bars, two runs" "$(jq -r '[.received, .inserted, .runs] | @tsv' "$T/.out")" "$(printf '100\t100\t2')"
eq "real bar landed: AAPL 2022-01-03" "$(mdx-query --db "$T/write.db" bars AAPL --from 2022-01-03 --to 2022-01-03 -f ndjson | jq -r '[.close, .session] | @tsv')" "$(printf '182.009995\tregular')"
eq "the pipeline's runs stored" "$(mdx-query --db "$T/write.db" -f csv sql "SELECT tool FROM runs WHERE tool IN ('mdx-extract','mdx-transform') ORDER BY id" | tr -d '\r' | tail -n 2 | tr '\n' ' ')" "mdx-extract mdx-transform "
# a refused body fails the pipeline: the same example on a Saturday row
# that mdx-transform was told to keep (the server keeps no closed days)
{ head -1 "$FIX/csv/yahoo_download_AAPL_2022-01-03_2023-05-31.csv"; echo; echo "2022-06-04,148.0,149.0,147.0,148.5,148.5,1000"; } >"$T/sat.csv"
sed -e "s|$T/prices.csv|$T/sat.csv|" -e 's/mdx-transform |/mdx-transform --allow-non-session |/' "$T/example.sh" >"$T/example2.sh"
status "a refused body fails the documented pipeline" 22 sh "$T/example2.sh"
eq "and says why" "$(jq -r '.errors[0].detail' "$T/.out" 2>/dev/null | cut -c1-40)" "2022-06-04 is not an NYSE session (weeke"
WDUMP=$(dump "$T/write.db")
head -c 70000 /dev/zero | tr '\0' ' ' >"$T/big"
get "$write_URL/v1/bars" -X POST --data-binary @"$T/big" -H "$AUTH"
eq "body over the cap: 413" "$code" 413
get "$write_URL/v1/bars" -X POST --data-binary @"$T/big" -H "$AUTH" -H "Transfer-Encoding: chunked"
eq "chunked body over the cap: 413" "$code" 413
eq "store unchanged by a big body" "$(dump "$T/write.db")" "$WDUMP"
get "$write_URL/v1/bars/ZZZ/1d/2018-02-08" -X PUT -H "$AUTH" --data-binary '{"open":1,"high":2,"low":0.5,"close":1.5,"source":"api"}'
eq "PUT new: 201" "$code $(field .inserted)" "201 1"
get "$write_URL/v1/bars/ZZZ/1d/2018-02-08T05:00:00Z" -X PUT -H "$AUTH" --data-binary '{"open":1,"high":2,"low":0.5,"close":1.75}'
eq "PUT again: 200" "$code $(field .updated)" "200 1"
get "$write_URL/v1/bars/ZZZ/1d/2018-02-08?format=ndjson"
eq "GET it" "$code $(field .close) $(field .ts)" "200 1.75 2018-02-08T05:00:00Z"
get "$write_URL/v1/bars/ZZZ/1d/2018-02-08" -X PUT -H "$AUTH" --data-binary '{"symbol":"QQQ","open":1,"high":2,"low":0.5,"close":1.5}'
eq "PUT with another symbol: 422" "$code" 422
get "$write_URL/v1/bars/ZZZ/1d/2018-02-08" -X PUT -H "$AUTH" --data-binary '{"open":1,"high":2,"low":0.5,"close":"1.5"}'
eq "PUT a string price: 422" "$code" 422
get "$write_URL/v1/bars/ZZZ/1d/2018-02-08" -X DELETE -H "$AUTH"
eq "DELETE: 204" "$code" 204
get "$write_URL/v1/bars/ZZZ/1d/2018-02-08" -X DELETE -H "$AUTH"
eq "DELETE again: 404" "$code" 404
get "$write_URL/v1/bars/ZZZ/1d/2018-02-08"
eq "GET deleted: 404" "$code" 404
# an index built over HTTP is the one mdx-query builds (but for built_at)
sqlite3 "$T/write.db" ".backup '$T/twin.db'"
mdx-query --db "$T/twin.db" -f csv index build four --top 3 --rebalance monthly --from 2014-01-01 --base 100 | cut -d, -f1-13 >"$T/want"
get "$write_URL/v1/index/four/build?top=3&rebalance=monthly&from=2014-01-01&base=100&format=csv" -X POST -H "$AUTH"
eq "index build" "$code $(cut -d, -f1-13 "$T/body" | cmp -s - "$T/want" && echo same)" "200 same"
get "$write_URL/v1/index/four/performance?format=csv"
eq "built index served" "$code $(mdx-query --db "$T/twin.db" -f csv index performance four | cmp -s - "$T/body" && echo same)" "200 same"
get "$write_URL/v1/index/four/build?format=csv" -X POST -H "$AUTH"
eq "index build without top: 400" "$code" 400
mdx-query --db "$T/twin.db" -f csv index build fourt --top 3 --adjust total --backfill | cut -d, -f1-13,15- >"$T/want"
get "$write_URL/v1/index/fourt/build?top=3&adjust=total&backfill=1&format=csv" -X POST -H "$AUTH"
eq "index build adjust=total backfill=1: as mdx-query's --adjust total --backfill" "$code $(cut -d, -f1-13,15- "$T/body" | cmp -s - "$T/want" && echo same)" "200 same"
get "$write_URL/v1/index/fourt/build?top=3&adjust=dividends" -X POST -H "$AUTH"
eq "index build adjust=dividends: 400" "$code" 400
get "$write_URL/v1/index/four" -X DELETE -H "$AUTH"
eq "index delete: 204" "$code" 204
get "$write_URL/v1/index/four/performance"
eq "deleted index: 404" "$code" 404
get "$write_URL/v1/index/four" -X DELETE -H "$AUTH"
eq "index delete again: 404" "$code" 404
# the drain: SIGTERM lets an upload in flight finish, then exits 0
mdx-query --db "$DB" -f ndjson bars AAPL >"$T/aapl.ndjson" # 320 KB
head -c 60000 "$T/aapl.ndjson" | sed '$d' >"$T/part.ndjson"
curl -s --limit-rate 30K -o "$T/up" -w '%{http_code}' -X POST -H "$AUTH" --data-binary @"$T/part.ndjson" "$write_URL/v1/bars" >"$T/up.code" &
up=$!
sleep 0.5
kill -TERM "$write_PID"
sleep 0.2
after=$(curl -s -m 2 -o /dev/null -w '%{http_code}' "$write_URL/health")
wait $up
wait "$write_PID"
st=$?
eq "drain: the upload finished" "$(cat "$T/up.code") $(jq -r .unchanged <"$T/up")" "200 $(wc -l <"$T/part.ndjson" | tr -d ' ')"
eq "drain: no new connections, exit 0" "$after $st" "000 0"

# ---- limits of a small server: rate, query time, CORS, readiness ----
start small "$DB" --rate-limit 5 --query-timeout 1 --cors https://dash.example --ready-max-age 1 --max-per-ip 3
get "$small_URL/v1/bars/MSFT?limit=10000"
eq "query time limit: 503" "$code $(hdr Retry-After)" "503 1"
get "$small_URL/v1/symbols" -H "Origin: https://dash.example"
eq "CORS origin" "$(hdr Access-Control-Allow-Origin)" https://dash.example
get "$small_URL/v1/symbols" -H "Origin: https://other.example"
eq "CORS other origin" "$(hdr Access-Control-Allow-Origin)" ""
get "$small_URL/v1/bars/AAPL" -X OPTIONS -H "Origin: https://dash.example" -H "Access-Control-Request-Method: GET"
eq "CORS preflight" "$code $(hdr Access-Control-Allow-Methods)" "204 GET, HEAD"
n=0 limited=""
while [ $n -lt 20 ]; do
	get "$small_URL/v1/symbols"
	if [ "$code" = 429 ]; then
		limited="429 $(hdr Retry-After)"
		break
	fi
	n=$((n + 1))
done
eq "rate limit: 429 with Retry-After" "$limited" "429 1"
get "$small_URL/health"
eq "health is not rate-limited" "$code" 200
# three idle connections from this address hold the --max-per-ip 3
holders=""
for i in 1 2 3; do
	sleep 2 | curl -s --max-time 4 telnet://127.0.0.1:"${small_URL##*:}" >/dev/null 2>&1 &
	holders="$holders $!"
done
sleep 0.5
get "$small_URL/health"
held=$code
for p in $holders; do wait "$p"; done
get "$small_URL/health"
eq "per-address connection limit" "$held $code" "000 200"
# issue 15: slow senders from one address hold its --max-per-ip slots
# only for the --header-timeout (default 5 s), not for the --timeout (30)
start hdr "$DB" --max-per-ip 3 --timeout 30
holders=""
for i in 1 2 3; do
	(n=0; while [ $n -lt 28 ]; do printf 'G'; sleep 0.5; n=$((n + 1)); done) |
		curl -s --max-time 16 telnet://127.0.0.1:"${hdr_URL##*:}" >/dev/null 2>&1 &
	holders="$holders $!"
done
t0=$(date +%s%N)
sleep 0.5
get "$hdr_URL/health"
held=$code
while [ "$code" != 200 ] && [ $((($(date +%s%N) - t0) / 1000000)) -lt 20000 ]; do
	sleep 0.25
	get "$hdr_URL/health"
done
freed=$((($(date +%s%N) - t0) / 1000000))
eq "slow senders: slots held, then freed at the header timeout" \
 "$held $code $([ $freed -ge 4000 ] && [ $freed -le 8000 ] && echo in-time || echo "$freed ms")" "000 200 in-time"
for p in $holders; do wait "$p"; done
get "$hdr_URL/metrics"
ok "slow senders counted as header timeouts" grep -q '^mdx_http_request_timeouts_total 3$' "$T/body"
sleep 1
get "$small_URL/ready"
eq "ready: stale past --ready-max-age" "$code $(field .status)" "503 stale"

# ---- the command line ----
# (under timeout: a server that wrongly starts must not hang the suite)
status "no such store: 66" 66 timeout 10 mdx-serve --db "$T/none.db" --listen 127.0.0.1:0
sqlite3 "$T/other.db" 'CREATE TABLE t (x)'
status "not an mdx store: 65" 65 timeout 10 mdx-serve --db "$T/other.db" --listen 127.0.0.1:0
status "bad --listen: 2" 2 timeout 10 mdx-serve --db "$DB" --listen nowhere
status "unknown option: 2" 2 timeout 10 mdx-serve --db "$DB" --bogus
status "port in use: 74" 74 timeout 10 mdx-serve --db "$DB" --listen "127.0.0.1:${main_URL##*:}"
status "--help" 0 timeout 10 mdx-serve --help
eq "store unchanged at the end" "$(dump "$DB")" "$DUMP0"

# the servers stop cleanly on SIGTERM, and said nothing a sanitizer
# (make SANITIZE=1) would say
for name in main small; do
	eval "pid=\$${name}_PID"
	kill -TERM "$pid"
	wait "$pid"
	eq "$name: exit 0 on SIGTERM" "$?" 0
done
eq "no sanitizer reports" "$(grep -l -E 'Sanitizer|runtime error' "$T"/*.log)" ""
usage_ok mdx-serve 25
finish
