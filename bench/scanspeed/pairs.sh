#!/usr/bin/env bash
# Which (package, advisory) pairs Hallmark and osv-scanner disagree on for the 10,000-component
# synthetic SBOM against the 500,000-advisory corpus, and why (docs/differences.md, "Synthetic
# 10k SBOM against 500,000 advisories"). Imports the corpus, scans with both tools offline
# (osv-scanner with --all-packages, about 3 minutes and 1.3 GB), then runs pairs.py, which
# classifies every differing pair and, with --reference, evaluates all advisories itself.
#
# usage: bench/scanspeed/pairs.sh [WORKDIR]   (default: a new directory under ${TMPDIR:-/tmp})
# HALLMARK=path uses that binary; DB=path an existing database of the corpus (skips the
# import); OSV_SCANNER=path selects osv-scanner (v2.4.0 was used for the documented numbers).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
corpus=$repo/bench/corpus/osv-500k
sbom=$repo/bench/corpus/sbom-10k.cdx.json
work=${1:-$(mktemp -d "${TMPDIR:-/tmp}/hallmark-pairs.XXXXXX")}
mkdir -p "$work"
cd "$repo"
[[ -d $corpus && -f $sbom ]] || go run ./bench/genosv -out "$corpus" -n 500000 -sbom "$sbom"
hallmark=${HALLMARK:-$work/hallmark}
[[ -n ${HALLMARK:-} ]] || go build -o "$hallmark" ./cmd/hallmark
db=${DB:-$work/osv.db}
[[ -f $db ]] || "$hallmark" db import --quiet --db "$db" "$corpus"
"$hallmark" scan --quiet --db "$db" --format json -o "$work/hallmark.json" "$sbom"

osv=${OSV_SCANNER:-$(command -v osv-scanner || echo "$(go env GOPATH)/bin/osv-scanner")}
for zip in "$corpus"/*/all.zip; do # osv-scanner's offline layout; it does not follow links
	eco=$(basename "$(dirname "$zip")")
	mkdir -p "$work/db/osv-scanner/$eco"
	cp "$zip" "$work/db/osv-scanner/$eco/all.zip"
done
# osv-scanner exits 1 when it finds vulnerabilities.
OSV_SCANNER_LOCAL_DB_CACHE_DIRECTORY=$work/db "$osv" scan source --offline --offline-vulnerabilities \
	--no-ignore --all-packages --no-call-analysis=all --format json --output-file "$work/osv.json" \
	-L "$sbom" 2>"$work/osv.log" || [[ $? == 1 ]]
grep -i 'unscannable' "$work/osv.log" || true

python3 "$repo/bench/scanspeed/pairs.py" "$work/hallmark.json" "$work/osv.json" "$corpus" \
	--rows "$work/pairs.tsv" --reference
echo "(work files in $work; every differing pair in $work/pairs.tsv)"
