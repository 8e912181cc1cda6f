#!/bin/sh
# tests/fresh.sh - the README's two commands on a fresh Debian machine.
# Builds a `debootstrap --variant=minbase bookworm` root with only git and
# ca-certificates added, and in a copy of it for each command, so that each
# runs first: puts a clean clone of HEAD at /work/mdx (uncommitted files do
# not come along) and ../shared's data at /work/shared beside it, mounts
# /proc and /dev, and runs, as root, from scratch
#   sh scripts/demo.sh     must exit 0 and print AAPL's 2018-02-07 close
#   sh scripts/check.sh    must exit 0 with "N passed, 0 failed"
# printing the wall time of each.  In the second root it then runs
# make install (and man mdx-load), make uninstall and make lint.  A third
# root gets only make (apt-get install make) and runs `make -j2 demo`: the
# Makefile's own first run (scripts/deps.sh, then pkg-config) must link.
# It unmounts and removes everything, on failure and on a signal too.
#
# It takes about fifteen minutes, so it runs only when asked (.ci/run asks on CI
# as root); otherwise, and when not root, without debootstrap (installed
# with apt-get as root when missing) or without the Debian mirror, it says
# why and counts nothing.  Inside the root it never runs (MDX_FRESH_INSIDE).
#   MDX_FRESH=1            run it
#   MDX_FRESH_MIRROR=url   the Debian mirror (default: this machine's, from
#                          /etc/apt/sources.list*, else deb.debian.org)
#   MDX_FRESH_BASE=dir     copy this minbase root instead of debootstrapping
#                          one (to rerun quickly; it is never changed)
#   MDX_FRESH_TMP=dir      where the roots go (default: TMPDIR or /tmp)
set -u
cd "$(dirname "$0")/.." || exit 2
REPO=$(pwd)

skip() {
	echo "fresh: skipped: $*"
	echo "0 passed, 0 failed"
	exit 0
}

[ -n "${MDX_FRESH_INSIDE:-}" ] && skip "already inside a fresh root (MDX_FRESH_INSIDE is set)"
[ "${MDX_FRESH:-}" = 1 ] ||
	skip "set MDX_FRESH=1 to build a minbase Debian root and run the README's two commands in it (as root, about 15 minutes)"
[ "$(id -u)" -eq 0 ] || skip "not root (debootstrap, chroot and mount need root)"
PATH=$PATH:/usr/sbin:/sbin
export PATH
if ! command -v debootstrap >/dev/null 2>&1 && [ -z "${MDX_FRESH_BASE:-}" ]; then
	echo "fresh: installing debootstrap"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null 2>&1 ||
		{ apt-get update -qq >/dev/null 2>&1 &&
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null 2>&1; }
	command -v debootstrap >/dev/null 2>&1 || skip "no debootstrap, and apt-get could not install it"
fi
command -v chroot >/dev/null 2>&1 || skip "no chroot"
command -v git >/dev/null 2>&1 && git rev-parse --verify -q HEAD >/dev/null 2>&1 ||
	skip "not a git checkout (the root gets a clone of HEAD)"

# the mirror this machine's apt uses for bookworm's main
mirror=${MDX_FRESH_MIRROR:-}
if [ -z "$mirror" ]; then
	mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		awk '$1 == "deb" { u = ""; for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { u = $i; s = $(i + 1); break }
			if (u != "" && s == "bookworm") { print u; exit } }')
fi
if [ -z "$mirror" ]; then
	mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
		awk 'BEGIN { RS = ""; FS = "\n" }
			{ u = ""; s = 0
			  for (i = 1; i <= NF; i++) {
				if ($i ~ /^URIs:/) { split($i, w, /[ \t]+/); u = w[2] }
				if ($i ~ /^Suites:/ && $i ~ /[ \t]bookworm([ \t]|$)/) s = 1 }
			  if (u != "" && s) { print u; exit } }')
fi
mirror=${mirror:-http://deb.debian.org/debian}
mirror=${mirror%/}
if [ -z "${MDX_FRESH_BASE:-}" ]; then
	if command -v wget >/dev/null 2>&1; then
		wget -q -T 15 -t 1 -O /dev/null "$mirror/dists/bookworm/Release" ||
			skip "the Debian mirror $mirror does not answer"
	elif command -v curl >/dev/null 2>&1; then
		curl -fsS -m 15 -o /dev/null "$mirror/dists/bookworm/Release" ||
			skip "the Debian mirror $mirror does not answer"
	fi
fi

tmp=$(mktemp -d "${MDX_FRESH_TMP:-${TMPDIR:-/tmp}}/mdx-fresh.XXXXXX") || exit 2
pass=0 fail=0

# every mount under $tmp, deepest first
mounts() { awk -v p="$tmp/" 'index($2, p) == 1 { print $2 }' /proc/mounts | sort -r; }

# end what a command in ROOT left running (only processes started there)
reap() {
	for p in /proc/[0-9]*; do
		r=$(readlink "$p/root" 2>/dev/null) || continue
		[ "$r" = "$1" ] && kill -9 "${p#/proc/}" 2>/dev/null
	done
	return 0
}

umount_all() {
	for m in $(mounts); do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
}

cleanup() {
	for r in "$tmp"/root-*; do [ -d "$r" ] && reap "$r"; done
	umount_all
	if [ -n "$(mounts)" ]; then
		echo "fresh: still mounted, $tmp left in place:"; mounts
	else
		rm -rf --one-file-system "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

check() {
	if [ "$2" = "$3" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL $1: got [$2] want [$3]"; fi
}

now() { date +%s; }

# --- the minbase root ----------------------------------------------------
base=$tmp/base
if [ -n "${MDX_FRESH_BASE:-}" ]; then
	echo "fresh: copying the minbase root $MDX_FRESH_BASE"
	cp -a "$MDX_FRESH_BASE" "$base" || exit 1
else
	echo "fresh: debootstrap --variant=minbase --include=git,ca-certificates bookworm ($mirror)"
	t0=$(now)
	if ! debootstrap --variant=minbase --include=git,ca-certificates bookworm "$base" "$mirror" \
		>"$tmp/debootstrap.log" 2>&1; then
		tail -n 20 "$tmp/debootstrap.log"
		check "debootstrap" failed ok
		echo "$pass passed, $fail failed"
		exit 1
	fi
	echo "fresh: debootstrap: $(($(now) - t0)) s"
fi
rm -rf "$base/var/cache/apt/archives"/*.deb "$base/var/lib/apt/lists"/*_Packages 2>/dev/null

# run NAME COMMAND [SETUP [AFTER]]: a new copy of the root, the clone,
# ../shared, the mounts; SETUP (untimed), then COMMAND, timed, into
# $tmp/NAME.log, then the function AFTER
head=$(git rev-parse HEAD)
run() {
	name=$1 command=$2 setup=${3:-} after=${4:-}
	root=$tmp/root-$name
	cp -a "$base" "$root" || return 1
	mkdir -p "$root/work"
	git clone -q --no-checkout "$REPO" "$root/work/mdx" &&
		git -C "$root/work/mdx" checkout -q "$head" || return 1
	if [ -d ../shared ]; then
		mkdir -p "$root/work/shared"
		# the data the tests and benchmarks read, and the project's notes
		for f in ../shared/data ../shared/*.md; do
			[ -e "$f" ] && cp -a "$f" "$root/work/shared/"
		done
	fi
	mount -t proc proc "$root/proc" &&
		mount --bind /dev "$root/dev" &&
		mount --bind /dev/pts "$root/dev/pts" &&
		mount -t tmpfs tmpfs "$root/dev/shm" || { umount_all; return 1; }
	inside() {
		chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb MDX_FRESH_INSIDE=1 \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			sh -c "cd /work/mdx && $1"
	}
	echo "fresh: $name: $command, in a new root"
	if [ -n "$setup" ]; then
		inside "$setup" >"$tmp/$name.setup.log" 2>&1 || tail -n 20 "$tmp/$name.setup.log"
	fi
	t0=$(now)
	inside "$command" >"$tmp/$name.log" 2>&1
	rc=$?
	secs=$(($(now) - t0))
	echo "fresh: $name: $command: exit $rc, wall time ${secs} s"
	[ "$rc" -eq 0 ] || tail -n 40 "$tmp/$name.log"
	eval "rc_$name=$rc secs_$name=$secs"
	if [ -n "$after" ]; then $after; fi
	reap "$root"
	umount_all
	[ -z "$(mounts)" ] && rm -rf --one-file-system "$root"
	return 0
}

# after the test command: the documented targets a user reaches next
after_check() {
	[ "$rc" -eq 0 ] || return 0
	inside "make -s install && man mdx-load" >"$tmp/install.log" 2>&1
	check "make install, then man mdx-load" "$?" 0
	check "man mdx-load shows the page" "$(grep -c '^MDX-LOAD(1)' "$tmp/install.log")" 1
	check "installed mdx-load runs from PATH" "$(inside 'cd / && mdx-load --version >/dev/null && echo ok' 2>&1)" ok
	inside "make -s uninstall && ! command -v mdx-load && ! test -e /usr/local/share/man/man1/mdx-load.1" \
		>"$tmp/uninstall.log" 2>&1
	check "make uninstall removes them" "$?" 0
	t1=$(now)
	inside "make lint" >"$tmp/lint.log" 2>&1
	lrc=$?
	echo "fresh: check: make lint (installs clang-format): exit $lrc, wall time $(($(now) - t1)) s"
	[ "$lrc" -eq 0 ] || tail -n 20 "$tmp/lint.log"
	check "make lint on the fresh root" "$lrc" 0
}

run demo "sh scripts/demo.sh" || check "set up the demo root" failed ok
check "sh scripts/demo.sh exits 0" "${rc_demo:-}" 0
check "the demo prints AAPL's close of 2018-02-07" "$(grep -q '159\.54' "$tmp/demo.log" 2>/dev/null && echo yes)" yes
run check "sh scripts/check.sh" "" after_check || check "set up the check root" failed ok
check "sh scripts/check.sh exits 0" "${rc_check:-}" 0
check "make check ends with N passed, 0 failed" \
	"$(tail -n 1 "$tmp/check.log" 2>/dev/null | grep -cE '^[0-9]+ passed, 0 failed$')" 1
grep -E '^[0-9]+ passed, [0-9]+ failed$' "$tmp/check.log" 2>/dev/null | tail -n 1 | sed 's/^/fresh: inside: /'
run make "make -j2 demo" "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq make" ||
	check "set up the make root" failed ok
check "make -j2 demo, make's first run, exits 0" "${rc_make:-}" 0
check "and links: the demo prints AAPL's close of 2018-02-07" \
	"$(grep -q '159\.54' "$tmp/make.log" 2>/dev/null && echo yes)" yes
echo "fresh: wall time: sh scripts/demo.sh ${secs_demo:-?} s, sh scripts/check.sh ${secs_check:-?} s, make -j2 demo (make preinstalled) ${secs_make:-?} s"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
