# tests/faults.sh - allocation failures: every one of the first N
# allocations of a run is made to fail in turn (MDX_FAIL_ALLOC, the seam in
# lib/alloc.c).  The program must fail cleanly or succeed: never die by a
# signal (a crash, or a sanitizer's report under `make check SANITIZE=1`).
. tests/lib.sh

head -c 2000 "$FIX/csv/yahoo_download_AAPL_2022-01-03_2023-05-31.csv" >"$T/in.csv"
mdx-extract --symbol AAPL "$T/in.csv" >"$T/raw.ndjson" 2>/dev/null
sweep() {
	name=$1; shift
	bad=0
	n=1
	while [ $n -le 150 ]; do
		MDX_FAIL_ALLOC=$n "$@" >/dev/null 2>"$T/err"
		rc=$?
		if [ $rc -gt 128 ] || grep -q 'Sanitizer' "$T/err"; then
			bad=$n
			break
		fi
		n=$((n + 1))
	done
	if [ $bad -eq 0 ]; then pass; else fail "$name" "allocation $bad: exit $rc $(head -c 400 "$T/err")"; fi
}
sweep "extract survives allocation failures" mdx-extract --symbol AAPL "$T/in.csv"
sweep "transform survives allocation failures" mdx-transform --rejects "$T/rej" "$T/raw.ndjson"
finish
