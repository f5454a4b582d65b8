#!/usr/bin/env bash
# Whole-command scan speed: hallmark scan against its local database vs osv-scanner v2.4.0
# offline, on the same inputs (bench/agreement/inputs: 11 real-format lockfiles and manifests)
# and the same advisories (../shared/data/osv plus bench/agreement/advisories), as paired runs
# (each repetition runs both, alternating which goes first). Prints the median wall time and
# peak RSS (GNU time) of each tool.
#
# usage: bench/scanspeed/run.sh [REPETITIONS]   (default 7)
#        CORPUS=bench/corpus/osv-500k [HALLMARK_DB=FILE] bench/scanspeed/run.sh [REPETITIONS]
# With CORPUS, both tools scan the same inputs against that advisory corpus instead (a
# directory in the OSV bucket layout, such as the 500,000 advisories of bench/genosv, the
# scale of the public OSV database); HALLMARK_DB names a database already imported from it
# (else it is imported once, which takes about a minute for 500,000 advisories).
# Needs osv-scanner v2.4.0 (see bench/agreement/run.sh), go, python3, /usr/bin/time.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
reps=${1:-7}
out=$(mktemp -d "${TMPDIR:-/tmp}/hallmark-scanspeed.XXXXXX")
osv=${OSV_SCANNER:-$(command -v osv-scanner || echo "$(go env GOPATH)/bin/osv-scanner")}

if [[ -n ${CORPUS:-} ]]; then
	corpus=$(cd "$CORPUS" && pwd)
	(cd "$repo" && go build -o "$out/hallmark" ./cmd/hallmark)
	# osv-scanner reads $DIR/osv-scanner/<ecosystem>/all.zip (copies: it does not read links).
	for d in "$corpus"/*/; do
		e=$(basename "$d")
		mkdir -p "$out/db/osv-scanner/$e"
		cp "$d/all.zip" "$out/db/osv-scanner/$e/all.zip"
	done
	db=${HALLMARK_DB:-$out/hallmark.db}
	[[ -n ${HALLMARK_DB:-} ]] || "$out/hallmark" db import --quiet --db "$db" "$corpus"
	# One scan first, so that a database imported by an older build is migrated outside the
	# measured runs.
	(cd "$repo/bench/agreement/inputs" && "$out/hallmark" scan --quiet --db "$db" --format json -o /dev/null . || true)
else
	# The agreement script builds the shared database layout and hallmark; reuse it.
	"$repo/bench/agreement/run.sh" "$out" >/dev/null 2>&1 || true
	[[ -x $out/hallmark && -d $out/db/osv-scanner ]] || { echo "bench/agreement/run.sh did not prepare $out" >&2; exit 1; }
	# Hallmark's database is imported once, as a user's would be (db import or db update).
	db=$out/hallmark.db
	"$out/hallmark" db import --quiet --db "$db" "$out/db/osv-scanner"
fi

cd "$repo/bench/agreement/inputs"
run_hallmark() { /usr/bin/time -f '%e %M' "$out/hallmark" scan --quiet --db "$db" --format json -o /dev/null . 2>&1 | tail -1 || true; }
run_osv() {
	OSV_SCANNER_LOCAL_DB_CACHE_DIRECTORY=$out/db /usr/bin/time -f '%e %M' "$osv" scan source --recursive \
		--offline --offline-vulnerabilities --no-ignore --no-call-analysis=all --format json --output /dev/null . 2>&1 | tail -1 || true
}
: >"$out/h.txt"
: >"$out/o.txt"
for i in $(seq "$reps"); do
	if ((i % 2)); then run_hallmark >>"$out/h.txt"; run_osv >>"$out/o.txt"; else run_osv >>"$out/o.txt"; run_hallmark >>"$out/h.txt"; fi
done
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
hw=$(cut -d' ' -f1 "$out/h.txt" | median); hr=$(cut -d' ' -f2 "$out/h.txt" | median)
ow=$(cut -d' ' -f1 "$out/o.txt" | median); orss=$(cut -d' ' -f2 "$out/o.txt" | median)
echo "| tool | median wall ($reps paired runs) | median peak RSS |"
echo "|---|---|---|"
printf '| hallmark scan --db | %s s | %d MiB |\n' "$hw" $((${hr%.*} / 1024))
printf '| osv-scanner scan source --offline | %s s | %d MiB |\n' "$ow" $((${orss%.*} / 1024))
awk -v h="$hw" -v o="$ow" -v hr="$hr" -v orr="$orss" 'BEGIN { printf "\nhallmark is %.1fx faster with %.1f%% of the peak memory\n", o/h, 100*hr/orr }'
echo "(load average: $(cut -d' ' -f1-3 /proc/loadavg); work files in $out)"
