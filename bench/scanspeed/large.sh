#!/usr/bin/env bash
# Scan speed at scale: the 10,000-component CycloneDX SBOM against the 500,000-advisory
# synthetic corpus of bench/genosv (see BENCHMARKS.md, "Advisory import and scan"). Hallmark
# scans its database, imported once with 'hallmark db import' (the import is timed too);
# osv-scanner v2.4.0 (when present, unless NO_OSV=1) reads the same zips from its local
# database layout, offline. Paired runs, alternating which tool goes first; prints each run
# (wall s, user s, system s, peak RSS KiB: GNU time) and the medians, with the load average.
#
# usage: bench/scanspeed/large.sh [REPETITIONS]   (default 3)
# HALLMARK=path scans with that binary instead of one built from this checkout (to compare
# builds); OSV_SCANNER=path selects osv-scanner. Needs go, python3 and /usr/bin/time; the
# work files (a 2 GB database, a copy of the zips) go under ${TMPDIR:-/tmp}.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
reps=${1:-3}
corpus=$repo/bench/corpus/osv-500k
sbom=$repo/bench/corpus/sbom-10k.cdx.json
cd "$repo"
if [[ ! -d $corpus || ! -f $sbom ]]; then
	rm -rf "$corpus"
	go run ./bench/genosv -out "$corpus" -n 500000 -sbom "$sbom"
fi
out=$(mktemp -d "${TMPDIR:-/tmp}/hallmark-scanlarge.XXXXXX")
hallmark=${HALLMARK:-$out/hallmark}
[[ -n ${HALLMARK:-} ]] || go build -o "$hallmark" ./cmd/hallmark
osv=${OSV_SCANNER:-$(command -v osv-scanner || echo "$(go env GOPATH)/bin/osv-scanner")}
[[ ${NO_OSV:-} != 1 && -x $osv ]] || osv=""

echo "import: $(/usr/bin/time -f '%e %U %S %M' "$hallmark" db import --quiet --db "$out/osv.db" "$corpus" 2>&1 | tail -1) ($(du -m "$out/osv.db" | cut -f1) MB)"
if [[ -n $osv ]]; then
	# osv-scanner reads $DIR/osv-scanner/<ecosystem>/all.zip (copies: it does not read links).
	for d in "$corpus"/*/; do
		e=$(basename "$d")
		mkdir -p "$out/db/osv-scanner/$e"
		cp "$d/all.zip" "$out/db/osv-scanner/$e/all.zip"
	done
fi

run_hallmark() {
	/usr/bin/time -f '%e %U %S %M' "$hallmark" scan --quiet --db "$out/osv.db" --format json -o "$out/hallmark.json" "$sbom" 2>&1 | tail -1 || true
}
run_osv() {
	OSV_SCANNER_LOCAL_DB_CACHE_DIRECTORY=$out/db /usr/bin/time -f '%e %U %S %M' "$osv" scan source --offline \
		--offline-vulnerabilities --no-ignore --no-call-analysis=all --format json --output "$out/osv.json" -L "$sbom" 2>&1 | tail -1 || true
}
: >"$out/h.txt"
: >"$out/o.txt"
for i in $(seq "$reps"); do
	echo "run $i, load average $(cut -d' ' -f1-3 /proc/loadavg)"
	if [[ -z $osv ]]; then
		run_hallmark | tee -a "$out/h.txt"
	elif ((i % 2)); then
		run_hallmark | tee -a "$out/h.txt"
		run_osv | tee -a "$out/o.txt"
	else
		run_osv | tee -a "$out/o.txt"
		run_hallmark | tee -a "$out/h.txt"
	fi
done
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
summary() { # name, file
	[[ -s $2 ]] || return 0
	printf '| %s | %s s | %s s | %d MiB |\n' "$1" "$(cut -d' ' -f1 "$2" | median)" \
		"$(awk '{print $2 + $3}' "$2" | median)" $(($(cut -d' ' -f4 "$2" | median | cut -d. -f1) / 1024))
}
echo
echo "| tool | median wall ($reps runs) | median user + sys CPU | median peak RSS |"
echo "|---|---|---|---|"
summary "hallmark scan --db" "$out/h.txt"
summary "osv-scanner scan source --offline -L" "$out/o.txt"
python3 - "$out/hallmark.json" "$out/osv.json" <<'EOF'
import json, sys
h = json.load(open(sys.argv[1]))
print(f"\nhallmark: {len(h['findings'])} findings on {len({f['package']['ref'] for f in h['findings']})} packages")
try:
    o = json.load(open(sys.argv[2]))
except OSError:
    sys.exit(0)
pkgs = [p for r in o.get("results") or [] for p in r.get("packages") or []]
print(f"osv-scanner: {sum(len(p.get('vulnerabilities') or []) for p in pkgs)} vulnerabilities, "
      f"{sum(len(p.get('groups') or []) for p in pkgs)} groups on {sum(1 for p in pkgs if p.get('vulnerabilities'))} packages")
EOF
echo "(load average: $(cut -d' ' -f1-3 /proc/loadavg); work files in $out)"
