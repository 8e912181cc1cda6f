# tests/stream.sh - a slow stream goes through mdx-transform and mdx-load
# record by record: a writer sends one record, then holds its pipe open
# until the test has seen that record downstream (or 6 s pass); a stage
# that buffered would show the record only once the writer closed, with
# the second record.  Inputs: the first two bars of examples/data/AAPL_data.csv
# (2013-02-08 close 67.8542, 2013-02-11 close 68.5614).
. tests/lib.sh

mdx-extract examples/data/AAPL_data.csv 2>/dev/null | grep '"type":"bar"' | head -2 >"$T/raw"
mdx-transform "$T/raw" 2>/dev/null | grep '"type":"bar"' >"$T/canon"

# slow FILE: the first line of FILE, a wait for $T/seen, the second line
slow() {
	head -1 "$1"
	i=0
	while [ ! -e "$T/seen" ] && [ $i -lt 120 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	tail -1 "$1"
}
# until CMD prints something non-empty (up to 6 s); prints it
await() {
	i=0
	while [ $i -lt 120 ]; do
		out=$("$@" 2>/dev/null)
		if [ -n "$out" ]; then
			printf '%s\n' "$out"
			return 0
		fi
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

# ---- mdx-transform: a record out as soon as it is in ----
rm -f "$T/seen"
slow "$T/raw" | mdx-transform >"$T/t.out" 2>/dev/null &
got=$(await grep '"type":"bar"' "$T/t.out" | wc -l | tr -d ' ')
touch "$T/seen"
wait
eq "mdx-transform: the first bar is out while the writer still holds the pipe" "$got" 1
eq "mdx-transform: the first bar is 2013-02-08 close 67.8542" "$(jqr -c 'select(.type=="bar") | [.date,.close]' "$T/t.out" | head -1)" '["2013-02-08",67.8542]'
eq "mdx-transform: both bars once the writer closed" "$(grep -c '"type":"bar"' "$T/t.out")" 2

# ---- mdx-load: queryable within --commit-interval (default 1 s) ----
rm -f "$T/seen"
slow "$T/canon" | mdx-load --db "$T/s.db" -q 2>/dev/null &
got=$(await mdx-query --db "$T/s.db" bars AAPL -f ndjson)
touch "$T/seen"
wait
eq "mdx-load: the first bar is queryable while the writer still holds the pipe" "$(printf '%s\n' "$got" | grep -c 2013-02-08) $(printf '%s\n' "$got" | grep -c 2013-02-11)" "1 0"
eq "mdx-load: both bars once the writer closed" "$(mdx-query --db "$T/s.db" bars AAPL -f ndjson | jqr .close | tr '\n' ' ')" "67.8542 68.5614 "

# ---- mdx-load --commit-interval ----
status "--commit-interval 0.25" 0 mdx-load --db "$T/c.db" --commit-interval 0.25 "$T/canon"
status "--commit-interval 0: only --batch and the end" 0 mdx-load --db "$T/c.db" --commit-interval 0 "$T/canon"
status "--commit-interval x" 2 mdx-load --db "$T/c.db" --commit-interval x "$T/canon"
eq "--commit-interval x: the message" "$(cat "$T/.err")" "mdx-load: --commit-interval: 'x' is not seconds from 0 to 3600; see 'mdx-load --help'"
status "--commit-interval 3601" 2 mdx-load --db "$T/c.db" --commit-interval 3601 "$T/canon"

finish
