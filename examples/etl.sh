#!/bin/sh
# examples/etl.sh - one pipeline run: extract, transform, load.  POSIX sh
# (dash, bash): each stage's status is kept, no pipefail needed.
#
#   etl.sh [-d DB] [-r REJECTS] [-p PROVIDER] [--] SOURCE...
#
# SOURCE is CSV files for -p csv (the default), symbols for the HTTP
# providers.  The programs are found in PATH (cron's is /usr/bin:/bin: see
# examples/crontab).  Exit status: 0 all loaded; 1 partial (some rows or
# symbols rejected or failed: see stderr and the runs table); 75 temporary
# failure (rate limit, network: cron may simply retry); 2 usage; 127 a
# program not found in PATH; anything else a failure.  The first failing
# stage decides, in pipeline order.
set -u

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
[ $# -gt 0 ] || { echo "etl.sh: no source given (usage: etl.sh [-d DB] [-r REJECTS] [-p PROVIDER] SOURCE...)" >&2; exit 2; }
for t in mdx-extract mdx-transform mdx-load; do
	command -v "$t" >/dev/null 2>&1 || {
		echo "etl.sh: $t not found in PATH=$PATH (make install, and set PATH; cron's is /usr/bin:/bin)" >&2
		exit 127
	}
done

# keep each stage's status in a file: PIPESTATUS and pipefail are not POSIX
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
