// Package golang catalogs Go modules: the requirements of go.mod files (cross-checked against
// the go.sum beside them) and the build information embedded in Go executables.
//
// Formats:
//   - go.mod: https://go.dev/ref/mod#go-mod-file, parsed with golang.org/x/mod/modfile.
//   - go.sum: https://go.dev/ref/mod#go-sum-files.
//   - Build information of ELF, Mach-O and PE executables: https://pkg.go.dev/debug/buildinfo
//     and https://go.dev/ref/mod#go-version-m.
//
// Packages are named by module path with the version as Go spells it ("v1.2.3"); the Go
// standard library and toolchain are the component "stdlib" with a version such as "1.22.1",
// as the Go vulnerability database names them. Package URLs follow the purl type golang
// (https://github.com/package-url/purl-spec/blob/main/PURL-TYPES.rst#golang).
package golang

import (
	"path"
	"regexp"
	"strings"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/sbom"
)

// Catalogers returns the catalogers of this package: go-mod and go-binary.
func Catalogers() []catalog.Cataloger {
	return []catalog.Cataloger{&ModCataloger{}, &BinaryCataloger{}}
}

// Property keys set on packages.
const (
	// PropReplaces records, on a module reported at its replacement, the original requirement
	// ("golang.org/x/sync@v0.20.0").
	PropReplaces = "hallmark:go:replaces"
	// PropReplacedBy records the replacement ("golang.org/x/sync@v0.24.0" or a local
	// directory "../fork").
	PropReplacedBy = "hallmark:go:replaced-by"
	// PropLocalPath is the directory of a local-path replacement; such modules have no version.
	PropLocalPath = "hallmark:go:local-path"
	// PropH1 is the go.sum or build-information hash of the module zip: "h1:" and the base64
	// SHA-256 of the module's dirhash (https://pkg.go.dev/golang.org/x/mod/sumdb/dirhash).
	PropH1 = "hallmark:go:h1"
	// PropExcluded lists, comma-separated, the versions of a required module that go.mod
	// excludes.
	PropExcluded = "hallmark:go:excluded"
	// PropExcludes lists, on the main module, every exclude directive as path@version.
	PropExcludes = "hallmark:go:excludes"
	// PropBuildPrefix prefixes the build settings of an executable ("hallmark:go:build:GOOS").
	PropBuildPrefix = "hallmark:go:build:"
	// PropVCSTime and PropVCSModified are the vcs.time and vcs.modified build settings.
	PropVCSTime     = "hallmark:go:vcs-time"
	PropVCSModified = "hallmark:go:vcs-modified"
)

// modulePURL returns the purl of a Go module: the path's last element is the name, the rest
// the namespace (pkg:golang/github.com/google/go-cmp@v0.7.0).
func modulePURL(modPath, version string) string {
	ns, name := path.Split(modPath)
	return sbom.PURL("golang", strings.TrimSuffix(ns, "/"), name, version)
}

// stdlibPackage returns the "stdlib" component for a Go version in any spelling accepted by
// goVersion, or nil when v is not a Go release version.
func stdlibPackage(v, foundBy string, loc sbom.Location) *sbom.Package {
	ver := goVersion(v)
	if ver == "" {
		return nil
	}
	return &sbom.Package{
		ID: "stdlib", Name: "stdlib", Version: ver, Ecosystem: sbom.EcosystemGo,
		PURL: sbom.PURL("golang", "", "stdlib", ver), FoundBy: foundBy,
		Locations: []sbom.Location{loc},
	}
}

var goVersionRE = regexp.MustCompile(`^(?:go)?([0-9]+)\.([0-9]+)(?:\.([0-9]+))?(?:(rc|beta)([0-9]+))?$`)

// goVersion converts a Go version as go.mod, toolchain names and build information spell it
// ("1.21", "go1.22.1", "go1.23rc1", "go1.22.1 X:boringcrypto", "go1.21.0-custom") to the
// semantic version the Go vulnerability database uses for stdlib ("1.21.0", "1.22.1",
// "1.23.0-rc.1"). It returns "" for anything else ("default", "devel +abc").
func goVersion(v string) string {
	v, _, _ = strings.Cut(strings.TrimSpace(v), " ")
	// Toolchain names may carry a suffix after "-" or "+" (go1.21.0-custom, go1.21.3+auto).
	if i := strings.IndexAny(v, "-+"); i >= 0 {
		v = v[:i]
	}
	m := goVersionRE.FindStringSubmatch(v)
	if m == nil {
		return ""
	}
	patch := m[3]
	if patch == "" {
		patch = "0"
	}
	s := m[1] + "." + m[2] + "." + patch
	if m[4] != "" {
		s += "-" + m[4] + "." + m[5]
	}
	return s
}
