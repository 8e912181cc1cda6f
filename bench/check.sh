#!/bin/sh
# bench/check.sh DBFILE - the wall time of mdx-query check on a store (target
# < 5 s on the whole all_stocks_5yr store, which bench/run.sh has just
# loaded into DBFILE) and its findings counted by kind.  Prints figures;
# asserts nothing.
#   MDX_BUILD   binaries (default build)
set -u
cd "$(dirname "$0")/.." || exit 2
B=${MDX_BUILD:-build}
case $B in /*) ;; *) B=$(pwd)/$B ;; esac
db=${1:-}
if [ -z "$db" ] || [ ! -f "$db" ]; then
	echo "usage: sh bench/check.sh DBFILE" >&2
	exit 2
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT

echo "== mdx-query check on $(basename "$db") (target < 5 s)"
t0=$(date +%s.%N)
"$B/mdx-query" --db "$db" check -f tsv >"$out"
st=$?
t1=$(date +%s.%N)
awk -v t0="$t0" -v t1="$t1" -v st="$st" \
	'BEGIN { printf "check: %.2f s, exit status %d\n", t1 - t0, st }'
# findings by kind, every kind listed
awk -F'\t' 'NR > 1 { n[$3]++ }
	END {
		split("missing stale outside zero_volume outlier split", k, " ")
		for (i = 1; i <= 6; i++) {
			printf "%s%s %d", (i > 1 ? ", " : "findings: "), k[i], n[k[i]] + 0
			t += n[k[i]]
		}
		printf "; %d in all\n", t
	}' "$out"
