#!/bin/sh
# tests/fuzz/run.sh - build the libFuzzer harnesses of tests/fuzz/ with
# clang (-fsanitize=fuzzer,address,undefined,float-cast-overflow) into
# build-fuzz/, replay each harness's committed corpus (tests/fuzz/corpus/
# NAME: every crash once found, kept as a regression test), then fuzz each
# for FUZZ_SECONDS from seeds made of the real recordings in
# tests/fixtures, with its dictionary.  Fails on any finding (a crash, a
# sanitizer report, a leak, a broken property: the harness aborts), which
# libFuzzer leaves as build-fuzz/findings/NAME/crash-*: add it to
# tests/fuzz/corpus/NAME/ once fixed.
#
#   sh tests/fuzz/run.sh [NAME ...]   (make fuzz; default: every harness)
#   FUZZ_SECONDS  seconds a harness (default 60; 0: only the replay)
#   FUZZ_CC       the compiler (default clang)
#   FUZZ_JOBS     make-style parallel compiles (default 2)
set -u
cd "$(dirname "$0")/../.." || exit 2
SECS=${FUZZ_SECONDS:-60}
CC=${FUZZ_CC:-clang}
O=build-fuzz
F=tests/fuzz
ALL="time ndjson roundtrip csv yahoo alphavantage polygon polygon_ws serve"
# SEC EDGAR's parser (extract/sec.c) once it is in the tree
[ -f extract/sec.c ] && ALL="$ALL sec"
NAMES=${*:-$ALL}

if ! command -v "$CC" >/dev/null 2>&1; then
	echo "fuzz: $CC not installed; skipping" >&2
	exit 0
fi
SAN="-fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all"
PKGS="libcurl jansson sqlite3 libmicrohttpd libwebsockets"
CFLAGS="-std=c11 -Werror=incompatible-pointer-types -Werror=implicit-function-declaration -Werror=int-conversion -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -DMDX_VERSION=\"fuzz\" -Ilib -Iextract -Iserve $(pkg-config --cflags $PKGS) -g -O1 -fno-omit-frame-pointer $SAN"
LIBS="$(pkg-config --libs $PKGS) -lcsv -lpthread -lm"

# obj SRC OUT [FLAGS]: compile when SRC or a header is newer than OUT
newest_h=$(ls -t lib/*.h extract/*.h serve/*.h | head -n 1)
obj() {
	src=$1 out=$2
	shift 2
	if [ ! -f "$out" ] || [ "$src" -nt "$out" ] || [ "$newest_h" -nt "$out" ]; then
		mkdir -p "$(dirname "$out")"
		$CC $CFLAGS -fsanitize=fuzzer-no-link "$@" -c -o "$out" "$src" || return 1
	fi
}
LIBOBJ= EXOBJ= SVOBJ=
for s in lib/*.c; do
	o=$O/${s%.c}.o
	obj "$s" "$o" || exit 2
	LIBOBJ="$LIBOBJ $o"
done
for s in extract/*.c; do
	o=$O/${s%.c}.o
	# main() is libFuzzer's: extract's is renamed, its helpers kept
	if [ "$s" = extract/main.c ]; then
		obj "$s" "$o" -Dmain=mdx_extract_main || exit 2
	else
		obj "$s" "$o" || exit 2
	fi
	EXOBJ="$EXOBJ $o"
done
for s in serve/serve_*.c; do
	case $s in
	serve/serve_main.c | serve/serve_http.c | serve/serve_query.c | serve/serve_write.c) continue ;;
	esac
	o=$O/${s%.c}.o
	obj "$s" "$o" || exit 2
	SVOBJ="$SVOBJ $o"
done

# bin NAME SRC OBJS [FLAGS]
bin() {
	name=$1 src=$2 objs=$3
	shift 3
	obj "$src" "$O/tests/fuzz/fuzz_$name.o" "$@" || return 1
	$CC -fsanitize=fuzzer $SAN -o "$O/fuzz_$name" "$O/tests/fuzz/fuzz_$name.o" $objs $LIBS
}

# seeds NAME: build-fuzz/corpus/NAME from the committed corpus and the
# recordings (each provider input is one option byte and a body)
seed() { # seed NAME BYTE FILE: the option byte (octal), then the file
	d=$O/corpus/$1
	{ printf "\\$2"; cat "$3"; } >"$d/seed-$(basename "$3")-$2"
}
seeds() {
	d=$O/corpus/$1
	mkdir -p "$d"
	[ -d "$F/corpus/$1" ] && cp "$F/corpus/$1"/* "$d"/ 2>/dev/null
	H=tests/fixtures/http
	case $1 in
	ndjson)
		for f in tests/cases/load/*/*.ndjson tests/cases/analysis/*.ndjson; do
			[ "$(wc -c <"$f")" -le 65536 ] && cp "$f" "$d/seed-$(echo "$f" | tr / _)"
		done ;;
	roundtrip)
		i=0
		for f in tests/cases/load/0[1-4]-*/1.ndjson; do
			head -n 5 "$f" | while IFS= read -r l; do
				i=$((i + 1))
				printf '%s' "$l" >"$d/seed-$(basename "$(dirname "$f")")-$i"
			done
		done ;;
	csv)
		for f in tests/fixtures/csv/*.csv tests/fixtures/alphavantage/*.csv tests/fixtures/stats/*.csv; do
			head -c 4096 "$f" >"$O/tmp.csv"
			seed csv 000 "$O/tmp.csv"
			mv "$d/seed-tmp.csv-000" "$d/seed-$(basename "$f")"
		done
		head -c 4096 tests/cases/analysis/financials_4.csv >"$O/fin.csv"
		seed csv 001 "$O/fin.csv"
		seed csv 002 "$O/tmp.csv" ;;
	yahoo)
		for f in $H/yahoo/*.json; do seed yahoo 000 "$f"; seed yahoo 002 "$f"; done
		seed yahoo 001 $H/yahoo/chart_NVDA_1d_2021-02-01_2022-01-31_events-split.json
		seed yahoo 040 $H/yahoo/chart_AAPL_1m_2024-10-02_includePrePost-false.json
		# --what 3: 2m, 90m (the 1m answer), 5d, 3mo (a daily one)
		seed yahoo 003 $H/yahoo/chart_AAPL_1m_2024-10-02_includePrePost-false.json
		seed yahoo 043 $H/yahoo/chart_AAPL_1m_2024-10-02_includePrePost-false.json
		seed yahoo 103 $H/yahoo/chart_NVDA_1d_2021-02-01_2022-01-31_events-split.json
		seed yahoo 143 $H/yahoo/chart_NVDA_1d_2021-02-01_2022-01-31_events-split.json ;;
	alphavantage)
		for f in $H/alphavantage/*.json; do seed alphavantage 000 "$f"; done
		for f in $H/alphavantage/*INTRADAY*.json; do seed alphavantage 040 "$f"; done
		seed alphavantage 002 $H/alphavantage/TIME_SERIES_DAILY_ADJUSTED_IBM_compact_2025-01-13.json
		seed alphavantage 005 $H/alphavantage/OVERVIEW_IBM_2020-06.json ;;
	polygon)
		for f in $H/polygon/*aggs*.json; do seed polygon 000 "$f"; seed polygon 043 "$f"; seed polygon 143 "$f"; done
		seed polygon 004 $H/polygon/grouped_us_stocks_1result.json
		seed polygon 011 $H/polygon/ticker_details_v3_AAPL.json
		seed polygon 016 $H/polygon/splits_v3.json
		seed polygon 022 $H/polygon/dividends_v3.json ;;
	sec)
		# the recording is 4 MB, past -max_len: a truncated copy is not
		# JSON and reaches no fact.  The seeds are its facts.dei part
		# (the share counts the parser reads), whole and its first
		# three facts, made with jq from the recording; the recorded
		# file itself is left as it is
		for f in $H/sec/companyfacts_*.json; do
			[ -f "$f" ] || continue
			jq -c '{cik, entityName, facts: {dei: .facts.dei}}' "$f" >"$O/sec-dei.json" &&
				seed sec 001 "$O/sec-dei.json"
			jq -c '{cik, entityName, facts: {dei: {EntityCommonStockSharesOutstanding: {units: {shares: .facts.dei.EntityCommonStockSharesOutstanding.units.shares[0:3]}}}}}' "$f" >"$O/sec-3.json" &&
				seed sec 001 "$O/sec-3.json"
		done ;;
	polygon_ws)
		# each message of the fixtures once as AM.AAPL,... (byte 0) and
		# once as AM.* (byte 1)
		i=0
		for f in tests/fixtures/ws/polygon/documented.ndjson tests/fixtures/ws/polygon/aapl_1m_2024-10-02.ndjson; do
			head -n 20 "$f" | while IFS= read -r l; do
				i=$((i + 1))
				printf '\000%s' "$l" >"$d/seed-ws-$i-0"
				printf '\001%s' "$l" >"$d/seed-ws-$i-1"
			done
		done
		for s in connected auth_success auth_failed success max_connections; do
			printf '\000[{"ev":"status","status":"%s","message":"m"}]' "$s" >"$d/seed-status-$s"
		done ;;
	serve)
		head -n 3 tests/cases/load/01-load-twice/1.ndjson >"$O/body"
		seed serve 004 "$O/body" ;;
	esac
	return 0
}

status=0
mkdir -p "$O/findings" "$O/logs"
for n in $NAMES; do
	case $n in
	time | ndjson | roundtrip) bin "$n" "$F/fuzz_$n.c" "$LIBOBJ" || exit 2 ;;
	csv) bin csv "$F/fuzz_csv.c" "$EXOBJ $LIBOBJ" || exit 2 ;;
	yahoo | alphavantage | polygon | sec)
		bin "$n" "$F/fuzz_provider.c" "$EXOBJ $LIBOBJ" -DFUZZ_PROVIDER="${n}_provider" || exit 2 ;;
	polygon_ws) bin polygon_ws "$F/fuzz_polygon_ws.c" "$EXOBJ $LIBOBJ" || exit 2 ;;
	serve) bin serve "$F/fuzz_serve.c" "$SVOBJ $LIBOBJ" || exit 2 ;;
	*) echo "fuzz: no harness '$n' ($ALL)" >&2; exit 2 ;;
	esac
	dict=$F/$n.dict
	case $n in ndjson | roundtrip) dict=$F/json.dict ;; esac
	cat "$F/json.dict" "$dict" 2>/dev/null | sort -u >"$O/$n.dict"
	# the regression corpus, each file once
	if [ -d "$F/corpus/$n" ] && [ -n "$(ls "$F/corpus/$n")" ]; then
		if ! "$O/fuzz_$n" -dict="$O/$n.dict" "$F/corpus/$n"/* >"$O/logs/$n.replay" 2>&1; then
			echo "fuzz $n: a corpus file fails again (see $O/logs/$n.replay)"
			status=1
			continue
		fi
	fi
	[ "$SECS" -gt 0 ] || { echo "fuzz $n: corpus replayed"; continue; }
	seeds "$n"
	rm -rf "$O/findings/$n"
	mkdir -p "$O/findings/$n"
	"$O/fuzz_$n" -max_total_time="$SECS" -max_len=65536 -timeout=10 \
		-rss_limit_mb=1024 -dict="$O/$n.dict" -print_final_stats=1 \
		-artifact_prefix="$O/findings/$n/" "$O/corpus/$n" >"$O/logs/$n.log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$O/logs/$n.log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$O/logs/$n.log" | tail -n 1)
	found=$(ls "$O/findings/$n" 2>/dev/null | wc -l | tr -d ' ')
	echo "fuzz $n: ${SECS} s, ${execs:-?} executions, ${cov:-cov: ?}, corpus $(ls "$O/corpus/$n" | wc -l | tr -d ' '), findings $found (exit $rc)"
	if [ "$rc" -ne 0 ] || [ "$found" -ne 0 ]; then
		grep -m 3 -e 'ERROR:' -e 'runtime error' -e 'SUMMARY' "$O/logs/$n.log"
		status=1
	fi
done
exit $status
