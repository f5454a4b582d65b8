package lookup

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/hallmark-dev/hallmark/version/versiontest"
)

// fixtures lists, for every ecosystem with a scheme, the conformance fixtures osv-scalibr runs
// for it (semantic/compare_test.go; Bitnami and SwiftURL use its SemVer, the Red Hat family its
// Red Hat order, Ubuntu its Debian order), as copied into the schemes' testdata.
var fixtures = map[string][]string{
	"npm":         {"semver/testdata/semver-versions.txt"},
	"crates.io":   {"semver/testdata/semver-versions.txt"},
	"Hex":         {"semver/testdata/semver-versions.txt"},
	"Bitnami":     {"semver/testdata/semver-versions.txt"},
	"SwiftURL":    {"semver/testdata/semver-versions.txt"},
	"Go":          {"gover/testdata/semver-versions.txt"},
	"Pub":         {"pub/testdata/pub-versions.txt"},
	"PyPI":        {"pep440/testdata/pypi-versions.txt", "pep440/testdata/pypi-versions-generated.txt"},
	"Maven":       {"maven/testdata/maven-versions.txt", "maven/testdata/maven-versions-generated.txt"},
	"NuGet":       {"nuget/testdata/nuget-versions.txt"},
	"RubyGems":    {"rubygems/testdata/rubygems-versions.txt", "rubygems/testdata/rubygems-versions-generated.txt"},
	"Packagist":   {"composer/testdata/packagist-versions.txt", "composer/testdata/packagist-versions-generated.txt"},
	"CRAN":        {"cran/testdata/cran-versions.txt", "cran/testdata/cran-versions-generated.txt"},
	"Hackage":     {"hackage/testdata/hackage-versions.txt"},
	"Debian":      {"dpkg/testdata/debian-versions.txt", "dpkg/testdata/debian-versions-generated.txt"},
	"Ubuntu":      {"dpkg/testdata/debian-versions.txt", "dpkg/testdata/debian-versions-generated.txt"},
	"Red Hat":     {"rpm/testdata/redhat-versions.txt"},
	"AlmaLinux":   {"rpm/testdata/redhat-versions.txt"},
	"Rocky Linux": {"rpm/testdata/redhat-versions.txt"},
	"openSUSE":    {"rpm/testdata/redhat-versions.txt"},
	"SUSE":        {"rpm/testdata/redhat-versions.txt"},
	"Alpine":      {"apk/testdata/alpine-versions.txt", "apk/testdata/alpine-versions-generated.txt"},
}

// errata are the fixture lines no total order can hold, with what holds instead (explained in
// version/maven's osvCycles, version/composer's hashErrata and docs/versions.md).
var errata = map[string]map[string]string{
	"Maven": {
		"1.0.0-gradle-rework-beta3 < 1.0.0.RC7-3": "1.0.0-gradle-rework-beta3 > 1.0.0.RC7-3",
		"2.9.0-1 < 2.9.0.RC1":                     "2.9.0-1 > 2.9.0.RC1",
		"1.1.0-01-glassfish < 1.1.0.Beta1":        "1.1.0-01-glassfish > 1.1.0.Beta1",
	},
	"Packagist": {"1.2.3.# = 1.2.3.1": "1.2.3.# < 1.2.3.1"},
}

// TestConformance runs every fixture line of every ecosystem through the scheme For gives it,
// both range types, through Compare and Key.
func TestConformance(t *testing.T) {
	ecosystems := Ecosystems()
	slices.Sort(ecosystems)
	for _, e := range ecosystems {
		t.Run(e, func(t *testing.T) {
			if len(fixtures[e]) == 0 {
				t.Fatalf("no conformance fixture for %s", e)
			}
			var files []string
			for _, f := range fixtures[e] {
				files = append(files, filepath.Join("..", f))
			}
			for _, rangeType := range []string{"ECOSYSTEM", "SEMVER"} {
				s, ok := For(e, rangeType)
				if !ok {
					t.Fatalf("For(%q, %q): no scheme", e, rangeType)
				}
				versiontest.ConformanceErrata(t, s, errata[e], files...)
			}
		})
	}
	for e := range fixtures {
		if _, ok := For(e, ""); !ok {
			t.Errorf("fixtures for %s, which has no scheme", e)
		}
	}
}
