#!/usr/bin/env bash
# Agreement with a peer: scan bench/agreement/inputs with Hallmark and with osv-scanner v2.4.0,
# both offline and against the same OSV advisories, normalise both results to
# (input file, ecosystem, package, version) -> advisory IDs, and list every difference.
# See README.md beside this script and docs/differences.md for the explained differences.
#
# usage: bench/agreement/run.sh [OUTDIR]      (default: a temporary directory, kept)
#
# Environment: OSV_SCANNER (the osv-scanner binary; default: osv-scanner on PATH, then
# $(go env GOPATH)/bin/osv-scanner), OSV_DATA (the shared OSV bucket-layout directory; default
# ../shared/data/osv relative to the repository). Needs go, python3.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${1:-$(mktemp -d "${TMPDIR:-/tmp}/hallmark-agreement.XXXXXX")}
mkdir -p "$out"
out=$(cd "$out" && pwd)
data=${OSV_DATA:-$repo/../shared/data/osv}

osv=${OSV_SCANNER:-}
if [[ -z $osv ]]; then
	osv=$(command -v osv-scanner || true)
	[[ -n $osv ]] || osv=$(go env GOPATH)/bin/osv-scanner
fi
if [[ ! -x $osv ]]; then
	echo "osv-scanner not found: go install github.com/google/osv-scanner/v2/cmd/osv-scanner@v2.4.0" >&2
	exit 1
fi
"$osv" --version | grep -q 'osv-scanner version: 2.4.0' ||
	echo "warning: $osv is not osv-scanner 2.4.0; the explanations in docs/differences.md are for 2.4.0" >&2
[[ -d $data ]] || { echo "no OSV data at $data (set OSV_DATA)" >&2; exit 1; }

# The advisory database in osv-scanner's local layout, $db/osv-scanner/<Ecosystem>/all.zip
# (internal/clients/clientimpl/localmatcher in osv-scanner v2.4.0). Hallmark imports the same
# directory (it finds every */all.zip).
db=$out/db
rm -rf "$db"
mkdir -p "$db/osv-scanner"
for d in "$data"/*/; do
	e=$(basename "$d")
	[[ -f $d/all.zip ]] || continue
	mkdir -p "$db/osv-scanner/$e"
	cp "$d/all.zip" "$db/osv-scanner/$e/all.zip"
done
for d in "$here"/advisories/*/; do
	e=$(basename "$d")
	mkdir -p "$db/osv-scanner/$e"
	python3 - "$d" "$db/osv-scanner/$e/all.zip" <<-'EOF'
		import glob, os, sys, zipfile
		src, dst = sys.argv[1], sys.argv[2]
		with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
		    for f in sorted(glob.glob(os.path.join(src, "*.json"))):
		        z.write(f, os.path.basename(f))
	EOF
done
# Every other ecosystem an input could name gets an empty database (a 22-byte empty zip), so
# that osv-scanner never tries the network or stops for a missing one.
for e in Alpine Debian Hex Pub Ubuntu "Red Hat" "Rocky Linux" openSUSE SUSE; do
	[[ -e $db/osv-scanner/$e ]] && continue
	mkdir -p "$db/osv-scanner/$e"
	printf 'PK\005\006\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000' >"$db/osv-scanner/$e/all.zip"
done

echo "building hallmark" >&2
(cd "$repo" && go build -o "$out/hallmark" ./cmd/hallmark)

cd "$here/inputs"
echo "hallmark scan" >&2
# The same command as: go run ./cmd/hallmark scan --advisories DB --format json TARGET
set +e
"$out/hallmark" scan --advisories "$db/osv-scanner" --format json --output "$out/hallmark.json" . 2>"$out/hallmark.log"
hm_status=$?
echo "osv-scanner scan" >&2
# --offline implies --offline-vulnerabilities and --no-resolve (no registry look-ups, so pom.xml
# is read as written); --no-ignore because osv-scanner honours .gitignore; --all-packages lists
# packages without findings too, so that extraction differences show; --no-call-analysis=all
# keeps govulncheck from running.
OSV_SCANNER_LOCAL_DB_CACHE_DIRECTORY=$db "$osv" scan source --recursive \
	--offline --offline-vulnerabilities --no-ignore --all-packages --no-call-analysis=all \
	--format json --output-file "$out/osv-scanner.json" . >"$out/osv-scanner.log" 2>&1
osv_status=$?
set -e
# hallmark: 0 without --fail-on; osv-scanner: 0 nothing found, 1 vulnerabilities found.
if [[ $hm_status -ne 0 ]]; then
	echo "hallmark failed ($hm_status):" >&2
	cat "$out/hallmark.log" >&2
	exit 1
fi
if [[ $osv_status -gt 1 ]]; then
	echo "osv-scanner failed ($osv_status):" >&2
	cat "$out/osv-scanner.log" >&2
	exit 1
fi

python3 "$here/compare.py" "$out/hallmark.json" "$out/osv-scanner.json" "$here/inputs" \
	--rows "$out/rows.tsv" | tee "$out/differences.txt"
echo >&2
echo "outputs in $out (hallmark.json, osv-scanner.json, rows.tsv, differences.txt, logs)" >&2
