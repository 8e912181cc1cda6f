#!/bin/sh
# bench/mutate.sh - mutation testing: apply each single-line mutant of the
# fixed list below to a copy of the tree (in a temporary directory; the
# tree itself is never touched), rebuild, run the suites that should
# catch it, and print killed or SURVIVED; then the kill rate.  Exit 0
# when every mutant is killed, 1 when one survived, 2 when a mutant no
# longer applies (its line changed: update the list).
#
#   sh bench/mutate.sh [ID ...]     (make mutate; IDs: only those)
#   MDX_BUILD   the build to copy, so only mutated files recompile
#               (default build)
#
# bench/run.sh runs every bench/*.sh with a store as its argument: this
# one then skips (it takes minutes; run it with make mutate).
#
# A mutant is ID @@ FILE @@ TEXT @@ REPLACEMENT @@ SUITES: TEXT must occur
# exactly once in FILE.  The list holds the mutants of issue 15's
# mutation run (m01-m06: the two survivors and the four caught by one
# assertion each) and one for each of its fixes.
set -u
cd "$(dirname "$0")/.." || exit 2
if [ $# -gt 0 ] && [ -f "$1" ]; then
	echo "mutate: run by make mutate (takes minutes); skipping"
	exit 0
fi
B=${MDX_BUILD:-build}

MUTANTS=$(cat <<'LIST'
m01 @@ lib/store.c @@ same_dividend_factor(get, b, f, @@ 1 || same_dividend_factor(get, b, f, @@ load test_store
m02 @@ extract/polygon.c @@ if (strncasecmp(p + 1, "apikey=", 7) == 0) @@ if (strncmp(p + 1, "apikey=", 7) == 0) @@ providers
m03 @@ lib/record.c @@ return interval >= MDX_I1M && interval <= MDX_I90M; @@ return interval >= MDX_I1M && interval < MDX_I90M; @@ test_core transform
m04 @@ lib/time.c @@ off = (oh * 60 + om) * 60 * (*p == '-' ? -1 : 1); @@ off = (oh * 60 + om) * 60 * (*p == '-' ? -1 : -1); @@ test_core transform
m05 @@ lib/stats.c @@ k->vnum += b->vwap * (double)v; @@ k->vnum += b->vwap; @@ test_stats providers
m06 @@ serve/serve_http.c @@ if (strncmp(p, "W/", 2) == 0) @@ if (strncmp(p, "W/", 2) == 1) @@ serve
m07 @@ lib/time.c @@ if (*ms < MDX_MS_MIN || *ms > MDX_MS_MAX) @@ if (*ms < MDX_MS_MIN) @@ test_core transform load
m08 @@ lib/time.c @@ *ms = (int64_t)secs * 1000; @@ *ms = (int64_t)(secs * 1000); @@ test_core
m09 @@ lib/time.c @@ secs < (double)(MDX_MS_MAX / 1000 + 1))) @@ secs < 1e300)) @@ test_core providers
m10 @@ lib/ndjson.c @@ if (memchr(r->buf, '\0', r->len) != NULL) { @@ if (memchr(r->buf, '\0', r->len) == r->buf) { @@ test_core transform load
m11 @@ extract/csv.c @@ if (has_shares && !(fabs(shares) < 9007199254740992.0)) { @@ if (has_shares && !(fabs(shares) < 1e300)) { @@ extract
m12 @@ extract/polygon.c @@ if (whole == 1 && !(fabs(d) < 9e15)) { @@ if (whole == 1 && !(fabs(d) < 1e300)) { @@ providers
m13 @@ serve/serve_http.c @@ sc->deadline = mdx_mono_ms() + header_ms(srv); @@ sc->deadline = mdx_mono_ms() + (int64_t)srv->c.timeout * 1000; @@ serve
m14 @@ lib/time.c @@ int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; @@ int leap = (y % 4 == 0 && y % 100 != 0); @@ test_core test_calendar
LIST
)

if [ ! -x "$B/mdx-load" ]; then
	echo "mutate: $B not built (make all tests first)" >&2
	exit 2
fi
W=$(mktemp -d "${TMPDIR:-/tmp}/mdx-mutate.XXXXXX") || exit 2
trap 'rm -rf "$W"' EXIT
trap 'exit 2' INT TERM
# the tree as it is (committed or not), and its build with the times kept
git ls-files --cached --others --exclude-standard -z |
	xargs -0 cp -p --parents -t "$W" 2>/dev/null
mkdir -p "$W/build"
cp -pR "$B/." "$W/build/"

total=0 killed=0 bad=0 survivors=""
printf '%s\n' "$MUTANTS" >"$W/.list"
while IFS= read -r line; do
	[ -n "$line" ] || continue
	id=${line%% @@ *}
	if [ $# -gt 0 ]; then
		want=0
		for a in "$@"; do [ "$a" = "$id" ] && want=1; done
		[ $want = 1 ] || continue
	fi
	rest=${line#* @@ }
	file=${rest%% @@ *}
	rest=${rest#* @@ }
	from=${rest%% @@ *}
	rest=${rest#* @@ }
	to=${rest%% @@ *}
	suites=${rest#* @@ }
	total=$((total + 1))
	cp -p "$W/$file" "$W/.orig"
	if ! python3 - "$W/$file" "$from" "$to" <<'PY'
import sys
path, old, new = sys.argv[1:4]
s = open(path).read()
if s.count(old) != 1:
    sys.exit(1)
open(path, "w").write(s.replace(old, new))
PY
	then
		echo "$id $file: does not apply (the line changed?)"
		bad=$((bad + 1))
		continue
	fi
	if ! (cd "$W" && make -j2 BUILD=build all tests) </dev/null >"$W/.make" 2>&1; then
		verdict="killed (does not build)"
		killed=$((killed + 1))
	elif (cd "$W" && MDX_BUILD=build MDX_TESTS="$suites" sh tests/run.sh) </dev/null >"$W/.run" 2>&1; then
		verdict=SURVIVED
		survivors="$survivors $id"
	else
		verdict="killed ($(grep -c '^FAIL' "$W/.run") failed checks)"
		killed=$((killed + 1))
	fi
	echo "$id $file: $verdict [$suites]"
	# the original back, newer than the mutant's objects
	cp "$W/.orig" "$W/$file"
	touch "$W/$file"
done <"$W/.list"

echo "mutants: $total, killed: $killed, survived: $((total - killed - bad)), not applied: $bad"
[ $total -gt 0 ] && echo "kill rate: $((100 * killed / total))%"
[ -n "$survivors" ] && echo "survivors:$survivors"
[ $bad -gt 0 ] && exit 2
[ -z "$survivors" ]
