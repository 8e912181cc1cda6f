#!/bin/sh
# examples/demo.sh - make demo: the main job on the bundled sample data.
# Extracts examples/data/*.csv, transforms, loads into ./market.db, and
# prints a query as a table.
set -eu
B=${MDX_BUILD:-build}
case $B in /*) ;; *) B=$(pwd)/$B ;; esac
PATH=$B:$PATH
export PATH
db=${MDX_DB:-market.db}
echo "== loading examples/data/*.csv into $db"
sh examples/etl.sh -d "$db" examples/data/*.csv
echo "== symbols"
mdx-query --db "$db" symbols -f table
echo "== AAPL, last sessions of January 2018"
mdx-query --db "$db" bars AAPL --from 2018-01-22 --to 2018-02-07 -f table
