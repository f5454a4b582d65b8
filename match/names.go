package match

import (
	"regexp"
	"strings"
)

// SplitEcosystem splits an OSV ecosystem into its base and its suffix: "Debian:12" →
// ("Debian", "12"), "Ubuntu:22.04:LTS" → ("Ubuntu", "22.04:LTS"), "PyPI" → ("PyPI", "").
func SplitEcosystem(eco string) (base, variant string) {
	base, variant, _ = strings.Cut(eco, ":")
	return base, variant
}

// ReleaseMatches reports whether an advisory's ecosystem suffix applies to a system of the
// given release: an empty suffix applies everywhere; otherwise its first ":"-separated field
// must equal the release ("22.04" of "Ubuntu:22.04:LTS", "8" of "AlmaLinux:8"), or, for
// suffixes naming products ("Red Hat:enterprise_linux:9::appstream"), one of its fields must.
// A component without a known release matches no release-specific advisory: applying Debian
// 11 advisories to a Debian 12 system would be wrong in both directions.
func ReleaseMatches(variant, release string) bool {
	if variant == "" {
		return true
	}
	if release == "" {
		return false
	}
	for _, f := range strings.Split(variant, ":") {
		if f == release {
			return true
		}
	}
	return false
}

var pep503 = regexp.MustCompile(`[-_.]+`)

// NormalizeName returns the name as advisories of the ecosystem are indexed: PEP 503 for PyPI,
// lower case for NuGet and Packagist (both case-insensitive registries), unchanged otherwise
// (npm, Go module paths, Maven group:artifact, crates.io, RubyGems and OS package names are
// compared exactly).
func NormalizeName(ecosystem, name string) string {
	switch ecosystem {
	case "PyPI":
		return strings.ToLower(pep503.ReplaceAllString(name, "-"))
	case "NuGet", "Packagist":
		return strings.ToLower(name)
	}
	return name
}

// NormalizeRepo returns a repository URL in a comparable form: no scheme, no trailing ".git"
// or "/", lower-case host.
func NormalizeRepo(u string) string {
	u = strings.TrimSpace(u)
	for _, p := range []string{"git+", "https://", "http://", "ssh://", "git://", "git@"} {
		u = strings.TrimPrefix(u, p)
	}
	u = strings.TrimSuffix(strings.TrimSuffix(u, "/"), ".git")
	host, path, _ := strings.Cut(strings.Replace(u, ":", "/", 1), "/")
	return strings.ToLower(host) + "/" + path
}
