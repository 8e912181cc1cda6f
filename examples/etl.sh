#!/bin/bash
# examples/etl.sh - one pipeline run: extract, transform, load.
#
#   etl.sh [-d DB] [-r REJECTS] [-p PROVIDER] [--] SOURCE...
#
# SOURCE is CSV files for -p csv (the default), symbols for the HTTP
# providers.  Exit status: 0 all loaded; 1 partial (some rows or symbols
# rejected or failed: see stderr and the runs table); 75 temporary failure
# (rate limit, network: cron may simply retry); anything else a failure.
# The first failing stage decides, in pipeline order.
set -u
set -o pipefail 2>/dev/null || { echo "etl.sh: this shell has no pipefail; run it with bash" >&2; exit 70; }

db=${MDX_DB:-market.db} rejects="" provider=csv
while getopts d:r:p: opt; do
	case $opt in
	d) db=$OPTARG ;;
	r) rejects=$OPTARG ;;
	p) provider=$OPTARG ;;
	*) echo "usage: etl.sh [-d DB] [-r REJECTS] [-p PROVIDER] SOURCE..." >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { echo "etl.sh: no source given" >&2; exit 2; }

# PIPESTATUS is bash's; keep each stage's status portably in files instead
st=$(mktemp -d) || exit 70
trap 'rm -rf "$st"' EXIT
{ mdx-extract -p "$provider" "$@"; echo $? >"$st/extract"; } |
	{ mdx-transform ${rejects:+--rejects "$rejects"}; echo $? >"$st/transform"; } |
	{ mdx-load --db "$db"; echo $? >"$st/load"; }

worst=0
for stage in extract transform load; do
	s=$(cat "$st/$stage" 2>/dev/null || echo 70)
	case $s in
	0) ;;
	1) [ "$worst" -eq 0 ] && worst=1 ;;
	*) echo "etl.sh: mdx-$stage failed with status $s" >&2; exit "$s" ;;
	esac
done
exit $worst
