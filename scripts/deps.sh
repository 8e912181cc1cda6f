#!/bin/sh
# scripts/deps.sh - make sure the Debian packages mdx needs are installed.
# As root it installs what is missing with apt-get; otherwise it prints the
# exact apt-get line and fails.  `make`, `make check` and `make demo` run it.
#   MDX_DEPS_EXTRA="pkg ..."  more packages (the benchmarks add theirs)
set -u

# build and test: compiler, libraries (-dev), pkg-config, tzdata, and the
# tools the test suites use (jq reads results, curl talks to mdx-serve,
# mandoc lints man pages)
need="gcc make pkg-config libcurl4-openssl-dev libjansson-dev libsqlite3-dev curl
libcsv-dev libmicrohttpd-dev tzdata jq mandoc sqlite3 ca-certificates
${MDX_DEPS_EXTRA:-}"

missing=""
for p in $need; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
	case $st in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
	echo "deps.sh: not a Debian system; install the equivalents of:$missing" >&2
	exit 1
fi
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
