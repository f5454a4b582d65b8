// Package lookup maps OSV ecosystems and range types to version schemes.
//
// Each ecosystem's scheme orders versions as OSV itself does (osv.dev and osv-scanner, through
// osv-scalibr's semantic package), so that a version is affected exactly when OSV says so:
// every line of osv-scalibr's conformance fixtures holds for the ecosystems it is written for,
// but for four that no total order can hold (docs/versions.md).
package lookup

import (
	"github.com/hallmark-dev/hallmark/version"
	"github.com/hallmark-dev/hallmark/version/apk"
	"github.com/hallmark-dev/hallmark/version/composer"
	"github.com/hallmark-dev/hallmark/version/cran"
	"github.com/hallmark-dev/hallmark/version/dpkg"
	"github.com/hallmark-dev/hallmark/version/gover"
	"github.com/hallmark-dev/hallmark/version/hackage"
	"github.com/hallmark-dev/hallmark/version/maven"
	"github.com/hallmark-dev/hallmark/version/nuget"
	"github.com/hallmark-dev/hallmark/version/pep440"
	"github.com/hallmark-dev/hallmark/version/pub"
	"github.com/hallmark-dev/hallmark/version/rpm"
	"github.com/hallmark-dev/hallmark/version/rubygems"
	"github.com/hallmark-dev/hallmark/version/semver"
)

// byEcosystem lists the scheme of each OSV ecosystem (without release suffix).
var byEcosystem = map[string]version.Scheme{
	"npm":         semver.Loose,
	"crates.io":   semver.Loose,
	"Hex":         semver.Loose,
	"Bitnami":     semver.Loose,
	"SwiftURL":    semver.Loose,
	"Pub":         pub.Scheme,
	"Go":          gover.Scheme,
	"PyPI":        pep440.Scheme,
	"Maven":       maven.Scheme,
	"NuGet":       nuget.Scheme,
	"RubyGems":    rubygems.Scheme,
	"Packagist":   composer.Scheme,
	"CRAN":        cran.Scheme,
	"Hackage":     hackage.Scheme,
	"Debian":      dpkg.Scheme,
	"Ubuntu":      dpkg.Scheme,
	"Red Hat":     rpm.Scheme,
	"AlmaLinux":   rpm.Scheme,
	"Rocky Linux": rpm.Scheme,
	"openSUSE":    rpm.Scheme,
	"SUSE":        rpm.Scheme,
	"Alpine":      apk.Scheme,
}

// For returns the scheme for versions of packages of ecosystem (without release suffix) in a
// range of rangeType ("SEMVER", "ECOSYSTEM", or "" for a package's own version).
//
// A known ecosystem always uses its own scheme, for its packages' versions and for both range
// types, so that index keys of ranges and of package versions are always comparable (in the
// ecosystems whose advisories use SEMVER ranges, npm, crates.io, Hex, Bitnami, Go and Pub, the
// ecosystem's scheme is SemVer or its dialect). SEMVER ranges of other ecosystems use SemVer.
// ok is false when no scheme applies.
func For(ecosystem, rangeType string) (s version.Scheme, ok bool) {
	if s, ok := byEcosystem[ecosystem]; ok {
		return s, true
	}
	if rangeType == "SEMVER" {
		return semver.Loose, true
	}
	return nil, false
}

// Ecosystems lists the ecosystems with a scheme.
func Ecosystems() []string {
	out := make([]string, 0, len(byEcosystem))
	for e := range byEcosystem {
		out = append(out, e)
	}
	return out
}
