# Sourced by compare.sh and crosscheck.sh.
# emptydb DIR writes an empty OSV database (an empty zip archive, 22 bytes) for every OSV
# ecosystem at DIR/osv-scanner/<ecosystem>/all.zip, the layout osv-scanner's local matcher reads
# (internal/clients/clientimpl/localmatcher in osv-scanner v2.4.0). With
# OSV_SCANNER_LOCAL_DB_CACHE_DIRECTORY=DIR and --offline, osv-scanner then extracts packages
# and matches them against zero advisories, without any network access. Without these files
# it logs "no offline version of the OSV database is available" and exits with status 127.
emptydb() {
	local e
	for e in AlmaLinux Alpaquita Alpine Android "Azure Linux" "BellSoft Hardened Containers" \
		Bioconductor Bitnami Chainguard CleanStart ConanCenter CRAN crates.io Debian \
		"Docker Hardened Images" Echo FreeBSD GHC GIT "GitHub Actions" Go Hackage Hex Julia \
		Kubernetes Linux Mageia Maven MinimOS npm NuGet opam openEuler openSUSE OSS-Fuzz \
		Packagist "Photon OS" Pub PyPI "Red Hat" "Rocky Linux" Root RubyGems SUSE SwiftURL \
		TuxCare Ubuntu VSCode Wolfi; do
		mkdir -p "$1/osv-scanner/$e"
		printf 'PK\005\006\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000' \
			>"$1/osv-scanner/$e/all.zip"
	done
}
