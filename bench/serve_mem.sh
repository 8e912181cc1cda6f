#!/bin/sh
# bench/serve_mem.sh - does mdx-serve's memory level off under bursts of
# connections?  (issue 15: eight bursts of 1,000 connections took the
# release build from 6.8 MB to 34.6 MB.)  Loads the AAPL fixture into a
# fresh store, starts mdx-serve, then sends BURSTS bursts of CONNS
# connections at once (a GET each, Connection: close, from python3's
# selectors: one process, no threads) and prints the server's VmRSS after
# each.  Fails (exit 1) when the RSS after the last burst is more than
# MDX_MEM_SLACK_KB above the RSS after the second one: it must level off.
#
#   sh bench/serve_mem.sh      (bench/run.sh passes a store: not used)
#   MDX_BUILD       binaries (default build)
#   MDX_MEM_OPTS    more mdx-serve options (e.g. "--cache-size 0")
#   MDX_MEM_BURSTS  bursts (default 8)
#   MDX_MEM_CONNS   connections a burst (default 1000)
#   MDX_MEM_SLACK_KB  allowed growth after burst 2 (default 4096)
set -u
cd "$(dirname "$0")/.." || exit 2
B=${MDX_BUILD:-build}
BURSTS=${MDX_MEM_BURSTS:-8}
CONNS=${MDX_MEM_CONNS:-1000}
SLACK=${MDX_MEM_SLACK_KB:-4096}
FIXTURE=tests/fixtures/csv/yahoo_download_AAPL_2022-01-03_2023-05-31.csv

echo "== mdx-serve: RSS under $BURSTS bursts of $CONNS connections"
if ! command -v python3 >/dev/null 2>&1; then
	echo "serve_mem: python3 not installed; skipping"
	exit 0
fi
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((CONNS + 64)) ]; then
	ulimit -n $((CONNS + 64)) 2>/dev/null || {
		echo "serve_mem: cannot open $CONNS descriptors; skipping"
		exit 0
	}
fi
T=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$T"' EXIT
"$B/mdx-extract" --symbol AAPL "$FIXTURE" | "$B/mdx-transform" |
	"$B/mdx-load" --db "$T/db" -q || exit 2
"$B/mdx-serve" --db "$T/db" --listen 127.0.0.1:0 --port-file "$T/port" \
	--max-connections $((CONNS + 64)) --max-per-ip $((CONNS + 64)) \
	--rate-limit 0 ${MDX_MEM_OPTS:-} 2>"$T/log" &
pid=$!
i=0
while [ ! -s "$T/port" ] && [ $i -lt 200 ]; do
	sleep 0.05
	i=$((i + 1))
done
[ -s "$T/port" ] || { cat "$T/log"; exit 2; }
port=$(cat "$T/port")
cat >"$T/burst.py" <<'PY'
import selectors, socket, sys
port, n, paths = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
sel = selectors.DefaultSelector()
for i in range(n):
    s = socket.socket()
    s.setblocking(False)
    try:
        s.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    req = "GET %s HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n" % paths[i % len(paths)]
    sel.register(s, selectors.EVENT_WRITE, [req.encode(), False])
ok = 0
while sel.get_map():
    ready = sel.select(timeout=30)
    if not ready:
        break
    for key, ev in ready:
        s, d = key.fileobj, key.data
        try:
            if ev & selectors.EVENT_WRITE:
                s.send(d[0])
                sel.modify(s, selectors.EVENT_READ, d)
                continue
            b = s.recv(65536)
        except OSError:
            b = b""
        if b and not d[1]:
            d[1] = True
            ok += b.startswith(b"HTTP/1.1 200")
        if not b:
            sel.unregister(s)
            s.close()
print(ok)
PY
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$pid/status"; }
echo "start: rss $(rss) kB"
n=1 second=0 last=0
while [ $n -le "$BURSTS" ]; do
	ok=$(python3 "$T/burst.py" "$port" "$CONNS" /health /v1/symbols \
		"/v1/bars/AAPL?limit=50" /v1/stats/AAPL)
	sleep 0.5
	last=$(rss)
	[ $n -eq 2 ] && second=$last
	echo "burst $n: $ok of $CONNS answered 200, rss $last kB"
	n=$((n + 1))
done
if [ "$BURSTS" -ge 2 ] && [ "$last" -gt $((second + SLACK)) ]; then
	echo "serve_mem: rss grew $((last - second)) kB after burst 2 (slack $SLACK kB): not levelling off"
	exit 1
fi
echo "serve_mem: levels off (burst 2: $second kB, last: $last kB)"
