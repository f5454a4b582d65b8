#!/usr/bin/env bash
# Cross-check of what hallmark sbom and osv-scanner find in each catalog/*/testdata/<fixture>
# directory: prints, per fixture, the (purl type, name, version) keys only hallmark found ("-")
# and only osv-scanner found ("+"), after the normalisation described in purls.py.
# osv-scanner runs offline against empty vulnerability databases (see compare.sh) with its
# default source-scan plugins plus the "artifact" preset (Go binaries, jars, wheels, OS dbs),
# so that it reads as many of the fixture formats as it can.
# Usage: bench/compare/crosscheck.sh [fixture-dir...]   (default: every catalog/*/testdata/*)
set -euo pipefail
cd "$(dirname "$0")/../.."
here=bench/compare
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/hallmark" ./cmd/hallmark
osv=${OSV_SCANNER:-$(command -v osv-scanner || echo "$(go env GOPATH)/bin/osv-scanner")}
. "$here/emptydb.sh"
emptydb "$tmp/db"

if [ $# -eq 0 ]; then
	set -- $(find catalog/*/testdata -mindepth 1 -maxdepth 1 -type d ! -name fuzz | sort)
fi
for d in "$@"; do
	SOURCE_DATE_EPOCH=0 "$tmp/hallmark" sbom -q -o "$tmp/h.json" "$d" || true
	OSV_SCANNER_LOCAL_DB_CACHE_DIRECTORY="$tmp/db" "$osv" scan source -r --offline --no-ignore \
		--all-packages --no-call-analysis=all --experimental-plugins artifact \
		--format cyclonedx-1-5 --output-file "$tmp/o.json" "$d" >"$tmp/o.log" 2>&1 || true
	[ -s "$tmp/o.json" ] || echo '{}' >"$tmp/o.json"
	h=$(python3 "$here/purls.py" count "$tmp/h.json")
	o=$(python3 "$here/purls.py" count "$tmp/o.json")
	echo "## $d  hallmark: ${h#* }  osv-scanner: ${o#* }"
	python3 "$here/purls.py" diff "$tmp/h.json" "$tmp/o.json"
	rm -f "$tmp/h.json" "$tmp/o.json"
done
