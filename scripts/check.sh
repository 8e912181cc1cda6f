#!/bin/sh
# scripts/check.sh - the README's test command.  On a Debian machine with
# nothing installed, as root, it installs what mdx needs with apt-get
# (scripts/deps.sh: make is not there yet), then builds and runs every test
# with make check.  Arguments go to make:
#   sh scripts/check.sh                 every test
#   sh scripts/check.sh SANITIZE=1      the same under ASan and UBSan
#   sh scripts/check.sh MDX_TESTS="test_time load"
# Exit status: make's (0 when every test passed).
set -u
cd "$(dirname "$0")/.." || exit 2
sh scripts/deps.sh || exit 1
exec make -j"$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)" check "$@"
