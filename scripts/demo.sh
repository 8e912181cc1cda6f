#!/bin/sh
# scripts/demo.sh - the README's first command.  On a Debian machine with
# nothing installed, as root, it installs what mdx needs with apt-get
# (scripts/deps.sh: make is not there yet), builds, and runs the main job
# on the bundled sample data with make demo (examples/demo.sh): loads
# examples/data/*.csv into ./market.db and prints a query as a table.
# Arguments go to make (e.g. MDX_DB=other.db).
set -u
cd "$(dirname "$0")/.." || exit 2
sh scripts/deps.sh || exit 1
exec make -j"$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)" demo "$@"
