#!/bin/sh
# examples/follow.sh - keep a store up to date bar by bar: mdx-extract
# --follow into mdx-transform and mdx-load, in a while loop that starts it
# again (from the store's bookmarks) when it ends, until SIGTERM or
# SIGINT.  POSIX sh (dash, bash).  examples/mdx-follow.service runs it
# under systemd.
#
#   follow.sh [-d DB] [-e EVERY] [-i INTERVAL] [-p PROVIDER] [-s FILE]
#             [--] [SYMBOL ...]
#
# Each start asks every symbol from its latest bar in DB (mdx-query latest
# | --since), so a restart, a crash or a reboot loses no bar; SYMBOL
# operands and -s FILE (--symbols-file) add symbols that are not stored
# yet.  More mdx-extract options in $MDX_FOLLOW_OPTS (split at blanks), e.g.
# "--rate 600/min -j 8 --report-every 5m".  The programs are found in PATH.
#
# SIGTERM or SIGINT goes to mdx-extract only: it ends its pass, writes its
# last run record and exits 0; mdx-transform and mdx-load then read to the
# end, commit and exit; follow.sh exits 0.  Exit status otherwise: 2 usage
# (or mdx-extract's usage error: starting again would not help), 66 no
# input, 127 a program not found in PATH.
set -u

db=${MDX_DB:-market.db} every=60s iv=1m provider=yahoo symfile=""
usage="usage: follow.sh [-d DB] [-e EVERY] [-i INTERVAL] [-p PROVIDER] [-s FILE] [--] [SYMBOL ...]"
while getopts d:e:i:p:s: opt; do
	case $opt in
	d) db=$OPTARG ;;
	e) every=$OPTARG ;;
	i) iv=$OPTARG ;;
	p) provider=$OPTARG ;;
	s) symfile=$OPTARG ;;
	*) echo "$usage" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
for t in mdx-query mdx-extract mdx-transform mdx-load; do
	command -v "$t" >/dev/null 2>&1 || {
		echo "follow.sh: $t not found in PATH=$PATH" >&2
		exit 127
	}
done

dir=$(mktemp -d) || exit 1
mkfifo "$dir/pipe" || exit 1
stop=0 xpid=""
trap 'rm -rf "$dir"' EXIT
# to mdx-extract only; the other stages end when their input does
trap 'stop=1; [ -n "$xpid" ] && kill -TERM "$xpid" 2>/dev/null' TERM INT

while [ "$stop" -eq 0 ]; do
	# the bookmarks; a new store has none (then the symbols are asked
	# as far back as the provider serves)
	mdx-query --db "$db" latest --interval "$iv" -f ndjson >"$dir/marks" 2>/dev/null || : >"$dir/marks"
	mdx-transform -q <"$dir/pipe" | mdx-load -q --db "$db" &
	lpid=$!
	# shellcheck disable=SC2086
	mdx-extract -q -p "$provider" --interval "$iv" --since "$dir/marks" \
		${symfile:+--symbols-file "$symfile"} --follow --every "$every" \
		${MDX_FOLLOW_OPTS:-} "$@" >"$dir/pipe" &
	xpid=$!
	# a trapped signal ends the wait early: wait again for the status
	rc=0
	wait "$xpid" || rc=$?
	while kill -0 "$xpid" 2>/dev/null; do
		rc=0
		wait "$xpid" || rc=$?
	done
	xpid=""
	lrc=0
	wait "$lpid" || lrc=$?
	[ "$stop" -eq 1 ] && break
	case $rc in
	2 | 66) exit "$rc" ;;
	esac
	echo "follow.sh: mdx-extract ended with status $rc (mdx-load $lrc); starting again in 10 s" >&2
	sleep 10 &
	wait $! || :
done
exit 0
