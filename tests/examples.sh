# tests/examples.sh - what a new user runs from the README and examples/:
# make install and make uninstall into a DESTDIR, examples/crontab's line
# run exactly as cron runs it (its environment, its shell) against the
# installed programs, examples/etl.sh under dash, and examples/demo.sh.
# Values asserted are those of examples/data (AAPL closed at 159.54 on
# 2018-02-07 and at 67.8542 on 2013-02-08, 1259 rows a symbol).
. tests/lib.sh

REPO=$(pwd)
D=$T/dest
P=/usr/local
BIN=$D$P/bin
MAN=$D$P/share/man
nbins=$(ls serve/serve_main.c >/dev/null 2>&1 && echo 5 || echo 4)
nman=$(ls man/*.[157] | wc -l)

# --- make install / make uninstall, PREFIX and DESTDIR ---------------------
# the binaries are built already (make check builds them first); install
# only copies.  MDX_BUILD keeps the sanitizer build its own.
mkdir -p "$BIN"
echo keep >"$BIN/not-ours"
ok "make install DESTDIR PREFIX" make -s install DESTDIR="$D" PREFIX="$P" BUILD="$B"
for b in mdx-extract mdx-transform mdx-load mdx-query; do
	ok "installed $b runs" "$BIN/$b" --version
done
ok "installed mdx-load.1" test -f "$MAN/man1/mdx-load.1"
ok "installed mdx-records.5" test -f "$MAN/man5/mdx-records.5"
ok "installed mdx.7" test -f "$MAN/man7/mdx.7"
eq "install puts the programs and the pages, nothing else" \
	"$(find "$D" -type f | wc -l | tr -d ' ')" $((nbins + nman + 1))
if command -v man >/dev/null 2>&1; then
	MANPAGER=cat man -M "$MAN" mdx-load >"$T/man.out" 2>&1
	eq "man finds the installed mdx-load" "$(grep -c '^MDX-LOAD(1)' "$T/man.out")" 1
	ok "and renders it whole" grep -q '^EXIT STATUS' "$T/man.out"
else
	fail "man is installed" "scripts/deps.sh installs man-db; run it"
fi

# --- examples/crontab, as cron runs it -------------------------------------
# cron starts "$SHELL -c COMMAND" with only HOME, LOGNAME, SHELL=/bin/sh and
# PATH=/usr/bin:/bin, then the crontab's NAME=value lines; a % in the
# command would end it.  /srv/mdx (a clone, its incoming CSV files) and
# /usr/local (the DESTDIR install above) are moved under $T, nothing else
# of the line changes.
SRV=$T/srv/mdx
mkdir -p "$SRV/examples" "$SRV/incoming" "$T/home"
cp examples/etl.sh "$SRV/examples/"
cp examples/data/*.csv "$SRV/incoming/"
reloc() { sed -e "s|/srv/mdx|$SRV|g" -e "s|/usr/local/|$D/usr/local/|g"; }
envs=$(grep -E '^[[:space:]]*[A-Za-z_][A-Za-z0-9_]*[[:space:]]*=' examples/crontab |
	sed -E 's/^[[:space:]]*([A-Za-z_][A-Za-z0-9_]*)[[:space:]]*=[[:space:]]*/\1=/' | reloc)
alljobs=$(grep -vE '^[[:space:]]*(#|$)' examples/crontab | grep -vE '^[[:space:]]*[A-Za-z_][A-Za-z0-9_]*[[:space:]]*=')
eq "crontab has two jobs (the evening load, the minute --since pass)" "$(printf '%s\n' "$alljobs" | wc -l | tr -d ' ')" 2
eq "crontab jobs have no % (cron reads it as a newline)" "$(printf '%s' "$alljobs" | grep -c '%')" 0
# the evening load is run below as cron runs it
jobs=$(printf '%s\n' "$alljobs" | head -n 1)
cmd=$(printf '%s\n' "$jobs" | sed -E 's/^[[:space:]]*([^[:space:]]+[[:space:]]+){5}//' | reloc)
eq "crontab's schedule" "$(printf '%s\n' "$jobs" | awk '{ print $1, $2, $3, $4, $5 }')" "30 22 * * 1-5"

# cron_run ENVLINES: run the job with cron's environment plus ENVLINES
cron_run() {
	# shellcheck disable=SC2086
	(
		IFS='
'
		set -f
		cd "$T/home" && exec env -i HOME="$T/home" LOGNAME=root SHELL=/bin/sh \
			PATH=/usr/bin:/bin $1 sh -c 'exec "$SHELL" -c "$0"' "$cmd"
	)
}

# without the crontab's own lines (cron's PATH only) the programs are not
# found: what the example did before it set PATH
cron_run ""
eq "cron's bare PATH does not find mdx-extract" "$?" 127
ok "and etl.sh says why" grep -q 'mdx-extract not found in PATH=/usr/bin:/bin' "$SRV/etl.log"
rm -f "$SRV/etl.log"

cron_run "$envs"
eq "crontab job exits 0 under cron's environment" "$?" 0
ok "the store is made" test -f "$SRV/market.db"
eq "cron run: AAPL close 2018-02-07" \
	"$("$BIN/mdx-query" --db "$SRV/market.db" bars AAPL --from 2018-02-07 --to 2018-02-07 | jqr .close)" 159.54
eq "cron run: AAPL close 2013-02-08" \
	"$("$BIN/mdx-query" --db "$SRV/market.db" bars AAPL --from 2013-02-08 --to 2013-02-08 | jqr .close)" 67.8542
eq "cron run: every XOM bar" \
	"$("$BIN/mdx-query" --db "$SRV/market.db" bars XOM --from 2013-01-01 | grep -c '"type":"bar"')" 1259
eq "cron run: the rejects file is empty" "$(wc -c <"$SRV/rejects.ndjson" | tr -d ' ')" 0
ok "cron run: the lock file is there" test -f "$SRV/etl.lock"
# flock -n: a run while another holds the lock does nothing, and fails
if command -v flock >/dev/null 2>&1; then
	flock "$SRV/etl.lock" sh -c 'echo held >"$0"; sleep 3' "$T/held" &
	held=$!
	n=0; while [ ! -f "$T/held" ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
	cron_run "$envs"
	eq "a second run while the lock is held is skipped" "$?" 1
	wait $held
fi

# --- make uninstall --------------------------------------------------------
ok "make uninstall DESTDIR PREFIX" make -s uninstall DESTDIR="$D" PREFIX="$P" BUILD="$B"
eq "uninstall removes what install put, keeps the rest" "$(cd "$D" && find . -type f)" "./usr/local/bin/not-ours"
ok "uninstall leaves the directories" test -d "$MAN/man1"

# --- examples/etl.sh under dash --------------------------------------------
if command -v dash >/dev/null 2>&1; then
	status "etl.sh under dash: no source is usage" 2 dash examples/etl.sh
	ok "and says so" grep -q 'etl.sh: no source given' "$T/.err"
	status "etl.sh under dash: a bad option is usage" 2 dash examples/etl.sh -x
	ok "and says so" grep -q 'usage: etl.sh' "$T/.err"
	status "etl.sh under dash loads the sample" 0 dash examples/etl.sh -d "$T/dash.db" examples/data/AAPL_data.csv
	eq "dash run: AAPL close 2018-02-07" \
		"$(mdx-query --db "$T/dash.db" bars AAPL --from 2018-02-07 --to 2018-02-07 | jqr .close)" 159.54
	# the first failing stage decides, without pipefail: no input is 66
	status "etl.sh under dash: a missing file is mdx-extract's 66" 66 dash examples/etl.sh -d "$T/dash.db" "$T/none.csv"
	ok "and names the stage" grep -q 'etl.sh: mdx-extract failed with status 66' "$T/.err"
	status "etl.sh without the programs in PATH" 127 env PATH=/usr/bin:/bin dash examples/etl.sh "$T/none.csv"
	ok "and says which" grep -q 'mdx-extract not found in PATH' "$T/.err"
else
	fail "dash is installed" "Debian's /bin/sh"
fi

# --- examples/demo.sh (make demo) ------------------------------------------
status "demo.sh" 0 sh -c 'cd "$1" && MDX_DB="$2" MDX_BUILD="$3" sh examples/demo.sh' sh "$REPO" "$T/demo.db" "$B"
ok "demo prints AAPL's bars up to 2018-02-07" grep -q '159.54' "$T/.out"
ok "demo lists the six symbols" grep -q 'XOM' "$T/.out"

# --- the manual pages as a reader sees them --------------------------------
# mandoc's partial-implicit macros (Sq, Dq, Fl, Op) run to the end of the
# line: one too many on a line nests quotes, flags or brackets
if command -v mandoc >/dev/null 2>&1; then
	# col(1) drops what is not ASCII in the C locale: read UTF-8
	LC_ALL=C.UTF-8
	export LC_ALL
	# render PAGE: the page as text, one paragraph a line
	render() { mandoc -Tutf8 "$1" | col -b | tr '\t\n' '  ' | sed 's/  */ /g'; }
	render man/mdx-load.1 >"$T/load.txt"
	render man/mdx-serve.1 >"$T/serve.txt"
	render man/mdx-records.5 >"$T/records.txt"
	render man/mdx-query.1 >"$T/query.txt"
	render man/mdx.7 >"$T/mdx.txt"
	for m in man/*.[157]; do
		eq "$m: no quote opened inside another" "$(mandoc -Tutf8 "$m" | col -b |
			sed -e 's/‘/\x01/g' -e 's/’/\x02/g' -e 's/“/\x03/g' -e 's/”/\x04/g' |
			LC_ALL=C awk '{ n = split($0, c, "")
				for (i = 1; i <= n; i++) {
					if (c[i] == "\001") { if (s) { print NR ": " $0; exit } s = 1 }
					if (c[i] == "\002") s = 0
					if (c[i] == "\003") { if (d) { print NR ": " $0; exit } d = 1 }
					if (c[i] == "\004") d = 0 } }')" ""
	done
	ok "mdx-load(1): updated_at and created_at quoted apart" \
		grep -qF "(‘updated_at’ moves, ‘created_at’ stays)" "$T/load.txt"
	ok "mdx-serve(1): --max-age's default is text, not flags" \
		grep -qF "(--max-age, default 0: revalidate each time)" "$T/serve.txt"
	ok "mdx-records(5): the two time examples quoted apart" \
		grep -qF "(“2024-01-05”, “2024-01-05 16:00:00”)" "$T/records.txt"
	ok "mdx-query(1): bars' options stand alone" \
		grep -qF "bars symbol ... [--from date | time] [--to date | time] [--since time] [--interval interval] [--limit n]" "$T/query.txt"
	ok "mdx(7) names mdx-serve" grep -qF "mdx-serve(1) gives the same answers" "$T/mdx.txt"
	ok "mdx(7) gives exit status 66" grep -qF ", 66 no input" "$T/mdx.txt"
	ok "mdx(7) gives exit status 74" grep -qF ", 74 an I/O error" "$T/mdx.txt"
else
	fail "mandoc is installed" "scripts/deps.sh installs it"
fi

finish
