# small.awk - the records of ../../fixtures/stats/index_small.txt: a daily
# bar (open = high = low = close, volume 1000) for each close given, and
# an instrument record with shares_outstanding for each fact.
/^symbols/ { for (i = 2; i <= NF; i++) sym[i + 1] = $i; next }
/^close/ {
	for (i = 3; i <= NF; i++)
		if ($i != "-")
			printf "{\"type\":\"bar\",\"symbol\":\"%s\",\"interval\":\"1d\",\"time\":\"%s\",\"tz\":\"America/New_York\",\"open\":%s,\"high\":%s,\"low\":%s,\"close\":%s,\"volume\":1000,\"source\":\"test\"}\n", sym[i], $2, $i, $i, $i, $i
	next
}
$1 == "fact" {
	printf "{\"type\":\"instrument\",\"symbol\":\"%s\",\"as_of\":\"%s\",\"shares_outstanding\":%s,\"source\":\"test\"}\n", $2, $3, $4
}
