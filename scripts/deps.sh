#!/bin/sh
# scripts/deps.sh - make sure the Debian packages mdx needs are installed.
# As root it installs what is missing with apt-get; otherwise it prints the
# exact apt-get line and fails.  Every make target that builds (`make`,
# `make check`, `make demo`, `make install`) runs it first, through
# build/config.mk; scripts/demo.sh and scripts/check.sh run it before make
# itself is there.
#   deps.sh           what building and `make check` need
#   deps.sh lint      what `make lint` needs (clang-format, mandoc)
#   MDX_DEPS_EXTRA="pkg ..."  more packages (the benchmarks add theirs)
set -u

# build and test: compiler, libraries (-dev), pkg-config, tzdata, and the
# tools the test suites use (jq reads results, curl talks to mdx-serve,
# mandoc lints man pages, man-db is the man(1) that reads the installed
# pages and `man -l`, xmllint checks the SVG charts, time(1) measures the
# memory transform uses: without them those checks are skipped)
case ${1:-} in
"") need="gcc make pkg-config libcurl4-openssl-dev libjansson-dev
libsqlite3-dev curl libcsv-dev libmicrohttpd-dev tzdata jq mandoc man-db
sqlite3 ca-certificates libxml2-utils time libwebsockets-dev" ;;
# clang-format pulls in LLVM (about 150 MB): only make lint needs it
lint) need="clang-format mandoc" ;;
*) echo "usage: deps.sh [lint]" >&2; exit 2 ;;
esac
need="$need ${MDX_DEPS_EXTRA:-}"

if ! command -v dpkg-query >/dev/null 2>&1; then
	# not Debian: the build's pkg-config call says what is missing
	echo "deps.sh: not a Debian system, not checking packages; mdx needs the equivalents of:" $need >&2
	exit 0
fi
missing=""
for p in $need; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
	case $st in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages; run as root:" >&2
	echo "  apt-get update && apt-get install -y$missing" >&2
	exit 1
fi
echo "deps.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# a stale or empty package list makes apt-get install fail: update first
apt-get update -qq >/dev/null || { echo "deps.sh: apt-get update failed" >&2; exit 1; }
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
	{ echo "deps.sh: apt-get install failed:$missing" >&2; exit 1; }
