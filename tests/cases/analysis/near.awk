# near.awk - compare expected rows with rows got, field by field.
#   awk -f near.awk WANT GOT
# WANT: space-separated, lines starting with '#' skipped (compute.py's
# files).  GOT: tab-separated (mdx-query -f tsv, or jq @tsv); an empty
# field reads as null.  Numbers agree within 1e-9 relative or 1e-14
# absolute (tests/fixtures/stats/README.md, "Tolerance"); anything else
# must be equal.  Prints the first mismatches and exits 1 on any.
function isnum(s) {
	return s ~ /^-?[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?$/ ||
	    s ~ /^-?\.[0-9]+([eE][-+]?[0-9]+)?$/
}
function abs(x) { return x < 0 ? -x : x }
FNR == NR { if ($0 !~ /^#/ && $0 != "") want[++nw] = $0; next }
{ got[++ng] = $0 }
END {
	bad = 0
	if (nw != ng) {
		printf "rows: got %d, want %d\n", ng, nw
		bad = 1
	}
	n = nw < ng ? nw : ng
	for (i = 1; i <= n && bad < 6; i++) {
		nf = split(want[i], w, " ")
		gf = split(got[i], g, "\t")
		if (nf != gf) {
			printf "row %d: got %d fields [%s], want %d [%s]\n", i, gf, got[i], nf, want[i]
			bad++
			continue
		}
		for (j = 1; j <= nf; j++) {
			a = g[j] == "" ? "null" : g[j]
			b = w[j]
			if (a == b)
				continue
			if (isnum(a) && isnum(b)) {
				d = abs(a - b)
				if (d <= 1e-9 * abs(b) || d <= 1e-14)
					continue
			}
			printf "row %d field %d: got %s, want %s [%s]\n", i, j, a, b, want[i]
			bad++
			break
		}
	}
	exit bad > 0
}
