#!/usr/bin/env bash
# Whole-command comparison of `hallmark sbom` with osv-scanner (v2.4.0) on the same inputs:
# package extraction only, fully offline. Prints a Markdown table of packages found, wall time
# and peak resident memory (GNU time's %M) per input and tool, best of N runs.
# Usage: bench/compare/compare.sh [N]     (N defaults to 3; see bench/compare/README.md)
# COMPARE_ONLY=substring runs only the inputs whose label contains it.
# OSV_SCANNER=path selects the osv-scanner binary (default: osv-scanner on PATH, then $GOPATH/bin).
set -euo pipefail
self=$(realpath "$0")
cd "$(dirname "$self")/../.."
here=bench/compare

# The two commands, each writing a CycloneDX JSON document to $out.
# osv-scanner: --offline = --offline-vulnerabilities --no-resolve and no network plugins; the
# matcher reads the empty databases made by emptydb; --all-packages puts every package (not
# only vulnerable ones) in the CycloneDX output; --no-ignore reads git-ignored paths too
# (bench/corpus is git-ignored); --no-call-analysis=all keeps govulncheck from running.
run_hallmark() { exec "$tmp/hallmark" sbom --quiet -o "$out" "$@"; }
run_osv() {
	OSV_SCANNER_LOCAL_DB_CACHE_DIRECTORY="$tmp/db" exec "$osv" scan source --recursive --offline \
		--no-ignore --all-packages --no-call-analysis=all --verbosity error \
		--format cyclonedx-1-5 --output-file "$out" "$@"
}

# Re-entry point so that /usr/bin/time measures exactly one tool process
# (run_* exec the tool in place of this shell).
if [ "${1:-}" = __run ]; then
	tool=$2 out=$3 tmp=$4 osv=$5; shift 5
	"run_$tool" "$@"
	exit
fi

reps=${1:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

osv=${OSV_SCANNER:-$(command -v osv-scanner || echo "$(go env GOPATH)/bin/osv-scanner")}
if [ ! -x "$osv" ]; then
	echo "osv-scanner not found; install it with" >&2
	echo "  go install github.com/google/osv-scanner/v2/cmd/osv-scanner@v2.4.0" >&2
	exit 2
fi
command -v python3 >/dev/null || { echo "python3 is needed to count packages" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "GNU time (/usr/bin/time) is needed" >&2; exit 2; }

go build -o "$tmp/hallmark" ./cmd/hallmark
. "$here/emptydb.sh"
emptydb "$tmp/db"

gen() { # name, flags...
	local name=$1; shift
	[ -d "bench/corpus/$name" ] || go run ./bench/gencorpus -out "bench/corpus/$name" "$@" >/dev/null
}
gen tree-10k-100k -lockfiles 10000 -files 100000
gen npm-10k -lockfiles 0 -files 0 -npm-packages 10000

measure() { # label, tool, targets...
	local label=$1 tool=$2; shift 2
	case "$label" in *${COMPARE_ONLY:-}*) ;; *) return 0 ;; esac
	local best_wall="" best_rss="" out="$tmp/$tool.json" wall rss status counts comps uniq types
	for _ in $(seq "$reps"); do
		rm -f "$out"
		status=0
		/usr/bin/time -f '%e %M' -o "$tmp/time" bash "$self" __run "$tool" "$out" "$tmp" "$osv" "$@" \
			>/dev/null 2>"$tmp/stderr" || status=$?
		# GNU time writes "Command exited with non-zero status N" first when the tool fails.
		read -r wall rss < <(tail -n 1 "$tmp/time") || true
		wall=${wall:-0}; rss=${rss:-0}
		if [ -z "$best_wall" ] || awk "BEGIN{exit !($wall < $best_wall)}"; then best_wall=$wall; fi
		if [ -z "$best_rss" ] || [ "$rss" -lt "$best_rss" ]; then best_rss=$rss; fi
	done
	if [ -s "$out" ]; then
		counts=$(python3 "$here/purls.py" count "$out")
	else
		counts="0 0 no-output(exit-$status)"
	fi
	read -r comps uniq types <<<"$counts"
	[ "$status" = 0 ] || types="$types (exit status $status)"
	printf '| %s | %s | %s | %s | %s | %s s | %d MiB |\n' "$label" "$tool" "$comps" "$uniq" "$types" "$best_wall" $((best_rss / 1024))
}

testdata=$(find catalog/*/testdata -mindepth 1 -maxdepth 1 -type d ! -name fuzz | sort)
echo "| input | tool | components | unique packages | per purl type (unique) | wall (best of $reps) | peak RSS |"
echo "|---|---|---|---|---|---|---|"
for tool in hallmark osv; do measure tree-10k-100k "$tool" bench/corpus/tree-10k-100k; done
for tool in hallmark osv; do measure npm-10k "$tool" bench/corpus/npm-10k; done
for tool in hallmark osv; do measure examples/webapp "$tool" examples/webapp; done
# shellcheck disable=SC2086
for tool in hallmark osv; do measure "catalog/*/testdata" "$tool" $testdata; done
