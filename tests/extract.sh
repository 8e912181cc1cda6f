# tests/extract.sh - mdx-extract -p csv on the real layouts.
. tests/lib.sh

# Yahoo download CSV: Date,Open,High,Low,Close,Adj Close,Volume; no final newline
status "yahoo csv" 0 mdx-extract -p csv --symbol AAPL "$FIX/csv/yahoo_download_AAPL_2022-01-03_2023-05-31.csv"
cp "$T/.out" "$T/y"
eq "yahoo rows" "$(grep -c '"type":"bar"' "$T/y")" 354
eq "yahoo raw bar" "$(grep -m1 '"type":"bar"' "$T/y")" \
 '{"type":"bar","symbol":"AAPL","interval":"1d","time":"2022-01-03","tz":"America/New_York","open":177.830002,"high":182.880005,"low":177.710007,"close":182.009995,"adj_close":180.43428,"volume":104487900,"source":"csv"}'
eq "last row without newline read" "$(jqr 'select(.type=="bar") | .time' "$T/y" | tail -1)" 2023-05-31
eq "run record" "$(jqr 'select(.type=="run") | [.tool,.status,.in,.out] | @csv' "$T/y")" '"mdx-extract","ok",354,354'

# symbol from the file name when there is no column and no --symbol
cp "$FIX/csv/yahoo_download_AAPL_2022-01-03_2023-05-31.csv" "$T/MSFT.csv"
eq "symbol from file name" "$(mdx-extract "$T/MSFT.csv" | jqr 'select(.type=="bar") | .symbol' | sort -u)" MSFT
cp "$FIX/csv/yahoo_download_AAPL_2022-01-03_2023-05-31.csv" "$T/AAPL_data.csv"
eq "Kaggle per-symbol file name" "$(mdx-extract "$T/AAPL_data.csv" | jqr 'select(.type=="bar") | .symbol' | sort -u)" AAPL

# --from/--to
mdx-extract --symbol AAPL --from 2022-06-01 --to 2022-06-30 "$FIX/csv/yahoo_download_AAPL_2022-01-03_2023-05-31.csv" >"$T/june"
eq "range rows" "$(grep -c '"type":"bar"' "$T/june")" 21
eq "range dropped count" "$(jqr 'select(.type=="run") | .dropped' "$T/june")" 333

# Alpha Vantage CSV: timestamp,...,adjusted_close,volume,dividend_amount,split_coefficient; CRLF, newest first
AV="$FIX/alphavantage/TIME_SERIES_DAILY_ADJUSTED_AAPL_full_1999-11-01_2020-11-25.csv"
status "alpha vantage csv" 0 mdx-extract --symbol AAPL "$AV"
cp "$T/.out" "$T/av"
eq "av rows" "$(grep -c '"type":"bar"' "$T/av")" 5303
eq "av 4:1 split 2020-08-31" "$(jqr 'select(.type=="action" and .kind=="split" and .date=="2020-08-31") | .ratio' "$T/av")" 4
eq "av 7:1 split 2014-06-09 (7.00000700001 in the file)" "$(jqr 'select(.type=="action" and .kind=="split" and .date=="2014-06-09") | .ratio' "$T/av")" 7
eq "av splits" "$(jqr 'select(.kind=="split") | .date' "$T/av" | tr '\n' ' ')" "2020-08-31 2014-06-09 2005-02-28 2000-06-21 "
eq "av dividend 2020-11-06" "$(jqr 'select(.kind=="dividend" and .date=="2020-11-06") | .amount' "$T/av")" 0.205
eq "av close 2020-08-31 unadjusted" "$(jqr 'select(.type=="bar" and .time=="2020-08-31") | [.close,.adj_close] | @csv' "$T/av")" "129.04,128.817507885"
mdx-extract --symbol AAPL --what actions "$AV" >"$T/act"
eq "--what actions gives only actions" "$(jqr '.type' "$T/act" | sort | uniq -c | tr -s ' ' | tr '\n' ';')" " 38 action; 1 run;"

# ---- the price basis of a file (mdx-records(5): basis, basis_as_of) ----
# Alpha Vantage's layout is as traded; its actions come before its bars
eq "av: every bar as traded, adj_close undated without --basis-as-of" "$(jqr 'select(.type=="bar") | "\(.basis) \(.basis_as_of)"' "$T/av" | sort | uniq -c | tr -s ' ')" " 5303 traded null"
eq "av: 2020-08-31 bar (the file's row: 2020-08-31,127.58,131.0,126.0,129.04,128.817507885,223505733,0.0000,4.0)" "$(grep '"type":"bar".*"time":"2020-08-31"' "$T/av")" \
 '{"type":"bar","symbol":"AAPL","interval":"1d","time":"2020-08-31","tz":"America/New_York","open":127.58,"high":131,"low":126,"close":129.04,"adj_close":128.817507885,"volume":223505733,"basis":"traded","source":"csv"}'
eq "av: split ratio 4.0 on 2020-08-31, as a record" "$(grep '"kind":"split".*"date":"2020-08-31"\|"date":"2020-08-31".*"kind":"split"' "$T/av")" \
 '{"type":"action","symbol":"AAPL","date":"2020-08-31","kind":"split","ratio":4,"source":"csv"}'
eq "av: dividend 0.82 on 2020-08-07, as paid (no basis)" "$(grep '"date":"2020-08-07","kind":"dividend"' "$T/av")" \
 '{"type":"action","symbol":"AAPL","date":"2020-08-07","kind":"dividend","amount":0.82,"source":"csv"}'
eq "av: all 38 actions before the first bar" "$(grep -n -m1 '"type":"bar"' "$T/av" | cut -d: -f1)" 39
mdx-extract --symbol AAPL --basis-as-of 2020-11-25 "$AV" >"$T/av2"
eq "av --basis-as-of: dates adj_close, OHLC still as traded" "$(jqr 'select(.type=="bar") | "\(.basis) \(.basis_as_of)"' "$T/av2" | sort -u)" "traded 2020-11-25"
# Yahoo's download: split-adjusted as of a day the file does not say
Y="$FIX/csv/yahoo_download_AAPL_2022-01-03_2023-05-31.csv"
status "yahoo csv without --basis-as-of: a warning" 0 mdx-extract --symbol AAPL "$Y"
eq "yahoo csv: the warning names the option" "$(cat "$T/.err")" \
 "mdx-extract: warning: $Y: Adj Close column (a Yahoo download): prices are split-adjusted as of the download day; give --basis-as-of DATE (or --basis traded); read as traded"
eq "yahoo csv: no basis then" "$(jqr 'select(.type=="bar") | has("basis")' "$T/.out" | sort -u)" false
status "yahoo csv --basis-as-of" 0 mdx-extract --symbol AAPL --basis-as-of 2023-06-01 "$Y"
eq "yahoo csv --basis-as-of: no warning" "$(cat "$T/.err")" ""
eq "yahoo csv --basis-as-of: split as of that day" "$(jqr -c 'select(.type=="bar" and .time=="2023-05-31") | [.close,.adj_close,.basis,.basis_as_of]' "$T/.out")" \
 '[177.25,177.25,"split","2023-06-01"]'
status "yahoo csv --basis traded: no warning" 0 mdx-extract --symbol AAPL --basis traded "$Y"
eq "yahoo csv --basis traded" "$(cat "$T/.err") $(jqr 'select(.type=="bar") | .basis' "$T/.out" | sort -u)" " traded"
status "--basis split needs --basis-as-of" 2 mdx-extract --symbol AAPL --basis split "$Y"
ok "--basis split alone: says what is missing" grep -q -- "--basis split needs --basis-as-of DATE" "$T/.err"
status "--basis other" 2 mdx-extract --basis adjusted "$Y"
status "--basis-as-of not a date" 2 mdx-extract --basis-as-of 2018-02-30 "$Y"

# Kaggle all_stocks_5yr layout, symbol in the Name column
status "kaggle csv" 0 mdx-extract "$FIX/csv/all_stocks_5yr_AAPL_MSFT_DHR_AOS.csv"
cp "$T/.out" "$T/k"
eq "kaggle rows" "$(grep -c '"type":"bar"' "$T/k")" 5020
eq "kaggle symbols" "$(jqr 'select(.type=="bar") | .symbol' "$T/k" | sort | uniq -c | tr -s ' ' | tr '\n' ';')" " 1259 AAPL; 1259 AOS; 1243 DHR; 1259 MSFT;"
eq "AAPL close 2017-06-01" "$(jqr 'select(.symbol=="AAPL" and .time=="2017-06-01") | .close' "$T/k")" 153.18
eq "empty cells are missing" "$(jqr 'select(.symbol=="DHR" and .time=="2016-01-12") | [has("open"), .close] | @csv' "$T/k")" "false,88.55"
eq "kaggle: no basis unless given, no warning (the name says nothing)" "$(jqr 'select(.type=="bar") | has("basis")' "$T/k" | sort -u) $(wc -c <"$T/.err")" "false 0"
status "kaggle --basis split --basis-as-of 2018-02-07" 0 mdx-extract --basis split --basis-as-of 2018-02-07 "$FIX/csv/all_stocks_5yr_AAPL_MSFT_DHR_AOS.csv"
eq "kaggle: AAPL 2017-06-01 split-adjusted as of 2018-02-07" "$(jqr -c 'select(.symbol=="AAPL" and .time=="2017-06-01") | [.close,.basis,.basis_as_of]' "$T/.out")" '[153.18,"split","2018-02-07"]'
eq "kaggle: every bar says so" "$(jqr 'select(.type=="bar") | .basis_as_of' "$T/.out" | sort | uniq -c | tr -s ' ')" " 5020 2018-02-07"

# Yahoo's "null" rows are dropped and counted
status "null rows" 0 mdx-extract --symbol EURGBP=X "$FIX/csv/download_EURGBP=X_1d_2019-09-06_2019-10-10_nulls.csv"
eq "null rows dropped" "$(jqr 'select(.type=="run") | [.in,.out,.dropped] | @csv' "$T/.out")" "25,5,20"

# CRLF, quotes, missing final newline, a malformed row reported and skipped
status "malformed row is partial" 1 mdx-extract --symbol AAPL "$CASES/extract/quirks.csv"
eq "others flow" "$(jqr 'select(.type=="bar") | .time' "$T/.out" | tr '\n' ' ')" "2022-01-03 2022-01-05 2022-01-06 "
eq "quoted fields read" "$(jqr 'select(.type=="bar" and .time=="2022-01-05") | .open' "$T/.out")" 179.610001
eq "error names file, line, field" "$(grep -v ': warning: ' "$T/.err")" "mdx-extract: $CASES/extract/quirks.csv:3: field 'close': 'abc' is not a number"

# issue 15: a count that no integer holds is out of range (not a wrapped,
# "negative" one)
printf 'symbol,name,shares outstanding\nAAPL,Apple Inc.,1e30\nMSFT,Microsoft,7432000000\n' >"$T/sh.csv"
status "shares 1e30 rejected" 1 mdx-extract -p csv --what profile --as-of 2020-06-01 "$T/sh.csv"
eq "shares 1e30: the reason" "$(cat "$T/.err")" "mdx-extract: $T/sh.csv:2: field 'shares_outstanding': 1e30 out of range"
eq "shares 1e30: the good row" "$(jqr 'select(.type=="instrument") | [.symbol,.shares_outstanding] | @csv' "$T/.out")" '"MSFT",7432000000'
printf 'date,open,high,low,close,volume\n2022-01-03,1,2,0.5,1.5,1e30\n2022-01-04,1,2,0.5,1.5,100\n' >"$T/vol.csv"
status "volume 1e30 rejected" 1 mdx-extract -p csv --symbol AAPL "$T/vol.csv"
eq "volume 1e30: the reason" "$(cat "$T/.err")" "mdx-extract: $T/vol.csv:2: field 'volume': 1e30 out of range"

# usage and missing input
status "unknown provider" 2 mdx-extract -p nosuch x.csv
status "bad date" 2 mdx-extract --from 2022-13-01 x.csv
status "bad zone" 2 mdx-extract --tz Mars/Olympus x.csv
status "bad symbol" 2 mdx-extract --symbol "A'; DROP" x.csv
status "missing file" 66 mdx-extract "$T/nonexistent.csv"
printf 'foo,bar\n1,2\n' >"$T/nohdr.csv"
status "no date column" 66 mdx-extract "$T/nohdr.csv"
ok "no date column named" grep -q "header has no date column" "$T/.err"
usage_ok mdx-extract 34
finish
