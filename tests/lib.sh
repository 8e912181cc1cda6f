# tests/lib.sh - helpers for the integration suites (sourced).
#   ok NAME CMD...         passes when CMD exits 0
#   eq NAME GOT WANT       passes when the two strings are equal
#   status NAME WANT CMD...  passes when CMD exits with status WANT
#                          (a death by signal never matches)
#   finish                 prints "N passed, N failed" and sets the exit status
set -u
B=${MDX_BUILD:-build}
case $B in /*) ;; *) B=$(pwd)/$B ;; esac
PATH=$B:$PATH
export PATH
FIX=$(pwd)/tests/fixtures
CASES=$(pwd)/tests/cases
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
_pass=0 _fail=0

pass() { _pass=$((_pass + 1)); }
fail() { _fail=$((_fail + 1)); echo "FAIL $1${2:+: $2}"; }

ok() {
	n=$1; shift
	if "$@" >"$T/.ok.out" 2>"$T/.ok.err"; then pass; else fail "$n" "$(head -c 500 "$T/.ok.err")"; fi
}

eq() {
	if [ "$2" = "$3" ]; then pass; else fail "$1" "got [$2] want [$3]"; fi
}

status() {
	n=$1 want=$2; shift 2
	"$@" >"$T/.out" 2>"$T/.err"
	rc=$?
	if [ "$rc" -gt 128 ]; then
		fail "$n" "killed by signal $((rc - 128))"
	elif [ "$rc" -eq "$want" ]; then
		pass
	else
		fail "$n" "exit $rc, want $want: $(head -c 300 "$T/.err")"
	fi
}

# usage_ok PROG N: a usage error is one line, naming what is wrong and
# "see 'PROG --help'"; --help is the synopsis, then N options a line each,
# none wider than 80 columns
usage_ok() {
	"$1" --frm 2018-01-01 >"$T/.u.out" 2>"$T/.u.err"
	eq "$1: unknown option, status" "$?" 2
	eq "$1: unknown option, one line" "$(cat "$T/.u.err")" "$1: unknown option '--frm'; see '$1 --help'"
	"$1" --help >"$T/.u.out" 2>"$T/.u.err"
	eq "$1 --help: status" "$?" 0
	eq "$1 --help: the synopsis first" "$(head -n 1 "$T/.u.out" | cut -d ' ' -f 1-2)" "usage: $1"
	eq "$1 --help: a line an option" "$(sed -n '/^options:$/,$p' "$T/.u.out" | grep -c '^  -')" "$2"
	eq "$1 --help: options fit 80 columns" "$(sed -n '/^options:$/,$p' "$T/.u.out" | awk 'length > 80' | wc -l)" 0
}

# jq is used only to read results in tests, never by mdx itself
jqr() { jq -r "$@"; }

finish() {
	echo "$_pass passed, $_fail failed"
	[ "$_fail" -eq 0 ]
}
