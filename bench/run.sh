#!/usr/bin/env bash
# Whole-command benchmarks of hallmark sbom on generated corpora. Prints a Markdown table of
# wall time and peak resident memory (GNU time's "Maximum resident set size") per input.
# Usage: bench/run.sh [repetitions]   (corpora are generated under bench/corpus, ignored by git)
set -euo pipefail
cd "$(dirname "$0")/.."
reps=${1:-3}
bin=$(mktemp -d)/hallmark
go build -o "$bin" ./cmd/hallmark

gen() { # name, flags...
	local name=$1; shift
	[ -d "bench/corpus/$name" ] || go run ./bench/gencorpus -out "bench/corpus/$name" "$@" >/dev/null
}
gen tree-10k-100k -lockfiles 10000 -files 100000
gen tree-10k-10k -lockfiles 10000 -files 10000
gen tree-1k-100k -lockfiles 1000 -files 100000
gen tree-5k-100k -lockfiles 5000 -files 100000
gen npm-10k -lockfiles 0 -files 0 -npm-packages 10000
gen image-256m -image-mb 256
gen image-2g -image-mb 2048

measure() { # corpus
	local best_wall="" best_rss="" pkgs
	for _ in $(seq "$reps"); do
		local out
		local target="bench/corpus/$1"
		[ -f "$target/image.tar" ] && target="$target/image.tar"
		out=$( { /usr/bin/time -f '%e %M' "$bin" sbom --quiet -o /tmp/bench-sbom.json "$target"; } 2>&1 | tail -1)
		local wall=${out% *} rss=${out#* }
		if [ -z "$best_wall" ] || awk "BEGIN{exit !($wall < $best_wall)}"; then best_wall=$wall; fi
		if [ -z "$best_rss" ] || [ "$rss" -lt "$best_rss" ]; then best_rss=$rss; fi
	done
	pkgs=$(grep -c '"bom-ref"' /tmp/bench-sbom.json || true)
	printf '| %s | %s | %s s | %d MiB |\n' "$1" "$pkgs" "$best_wall" $((best_rss / 1024))
}

echo "| corpus | components | wall (best of $reps) | peak RSS |"
echo "|---|---|---|---|"
for c in tree-1k-100k tree-5k-100k tree-10k-100k tree-10k-10k npm-10k image-256m image-2g; do
	measure "$c"
done
