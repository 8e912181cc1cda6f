#!/bin/sh
# tests/run.sh - run every unit test (build/tests/test_*) and every
# integration suite (tests/*.sh), add up their "N passed, N failed" lines
# and print the total.  A suite that dies by a signal, or exits non-zero
# without counting a failure, counts as one failure.
#   MDX_BUILD  directory of the binaries (default: build)
#   MDX_TESTS  space-separated names to run only some (e.g. "test_time extract")
set -u
cd "$(dirname "$0")/.." || exit 2
B=${MDX_BUILD:-build}
export MDX_BUILD="$B"
total_pass=0 total_fail=0 failed_suites=""
log=$(mktemp)
trap 'rm -f "$log"' EXIT

want() {
	[ -z "${MDX_TESTS:-}" ] && return 0
	for w in $MDX_TESTS; do [ "$w" = "$1" ] && return 0; done
	return 1
}

run_suite() {
	name=$1; shift
	want "$name" || return 0
	printf '== %s\n' "$name"
	"$@" >"$log" 2>&1
	rc=$?
	cat "$log"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	p=$(printf '%s' "$line" | sed -n 's/^\([0-9]*\) passed.*/\1/p')
	f=$(printf '%s' "$line" | sed -n 's/^[0-9]* passed, \([0-9]*\) failed.*/\1/p')
	p=${p:-0} f=${f:-0}
	if [ "$rc" -gt 128 ]; then
		echo "$name: killed by signal $((rc - 128))"
		f=$((f + 1))
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "$name: exit status $rc"
		f=1
	fi
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	[ "$f" -gt 0 ] && failed_suites="$failed_suites $name"
	return 0
}

for t in "$B"/tests/test_*; do
	[ -x "$t" ] || continue
	run_suite "$(basename "$t")" "$t"
done
for s in tests/*.sh; do
	[ "$s" = tests/run.sh ] && continue
	case $s in tests/lib.sh) continue ;; esac
	run_suite "$(basename "$s" .sh)" sh "$s"
done

[ -n "$failed_suites" ] && echo "failed:$failed_suites"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
