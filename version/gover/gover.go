// Package gover orders Go module versions and Go toolchain versions as OSV's Go ecosystem
// needs them.
//
// Module versions follow golang.org/x/mod/semver (https://go.dev/ref/mod#versions), with the
// leading "v" optional because OSV Go ranges write "1.2.3": MAJOR.MINOR.PATCH without leading
// zeros, an optional SemVer 2.0.0 pre-release and build metadata, and x/mod's shorthands "v1"
// and "v1.2" for "v1.0.0" and "v1.2.0". Build metadata, including "+incompatible", is kept in
// String but ignored in ordering. Pseudo-versions (https://go.dev/ref/mod#pseudo-versions:
// vX.0.0-yyyymmddhhmmss-abcdef123456, vX.Y.Z-pre.0.yyyymmddhhmmss-abcdef123456 and
// vX.Y.(Z+1)-0.yyyymmddhhmmss-abcdef123456) are pre-releases and order as such, which places
// each between its base version and the next release, as the go command orders them.
//
// Toolchain versions of the standard library ("go1.21rc2", "go1.21.0", "1.21rc1", "go1",
// https://go.dev/doc/toolchain#version) are mapped the way the Go vulnerability database maps
// Go release tags to the SemVer of its OSV records: "goX.Y" is X.Y.0, "goX.Y.Z" is X.Y.Z, and
// the suffixes "betaN" and "rcN" become the pre-releases "-beta.N" and "-rc.N", so
// go1.21beta1 < go1.21rc1 < go1.21.0 = 1.21.0. Unlike go/version, which orders the language
// version "go1.21" below "go1.21rc1", "go1.21" is 1.21.0 here, as in the vulnerability
// database and as x/mod orders "v1.21".
//
// Strings that are neither (x/mod rejects "1.1.3.4.5", "v01.2.3", "1.2-pre") are read as
// semver.Loose reads them, because OSV orders its Go ecosystem with the same lenient SemVer
// parser as npm's (osv-scalibr's semantic package, the source of the conformance fixtures):
// "1.1.3.4.5" is "1.1.3-4.5", "v01.2.3" is "1.2.3". Their Canonical is the x/mod form of that
// reading ("v1.1.3-4.5").
package gover

import (
	"strings"

	"golang.org/x/mod/module"
	xsemver "golang.org/x/mod/semver"

	"github.com/hallmark-dev/hallmark/version"
	"github.com/hallmark-dev/hallmark/version/semver"
)

// Scheme orders Go module and toolchain versions.
var Scheme version.Scheme = scheme{}

type scheme struct{}

func (scheme) Name() string { return "go" }

func (scheme) Parse(v string) (version.Version, error) {
	p, err := Parse(v)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Version is a parsed Go module or toolchain version.
type Version struct {
	raw       string
	canonical string // "vX.Y.Z[-pre]"
	sv        *semver.Version
}

var _ version.Version = (*Version)(nil)

// Parse parses a Go module version (with or without its "v"), a Go toolchain version or, failing
// both, a version as semver.Loose does.
func Parse(v string) (*Version, error) {
	if len(v) > version.MaxLength {
		return nil, version.Invalid("go", v, "longer than the maximum length")
	}
	var canonical string
	switch {
	case strings.HasPrefix(v, "go"):
		c, ok := toolchain(v[2:])
		if !ok {
			return nil, version.Invalid("go", v, "not a Go toolchain version (go1.21.0, go1.21rc2)")
		}
		canonical = c
	default:
		mv := v
		if !strings.HasPrefix(mv, "v") {
			mv = "v" + mv
		}
		if xsemver.IsValid(mv) {
			// Loose reads x/mod's syntax ("v1.2" is 1.2.0) and, unlike parsing the canonical
			// form, which can be longer than v, never exceeds the length limit.
			sv, err := semver.ParseLoose(v)
			if err != nil {
				return nil, version.Invalid("go", v, err.Error()) // a bug: Loose reads all x/mod reads
			}
			return &Version{raw: v, canonical: xsemver.Canonical(mv), sv: sv}, nil
		}
		c, ok := "", false
		if !strings.HasPrefix(v, "v") {
			c, ok = toolchain(v)
		}
		if !ok {
			sv, err := semver.ParseLoose(v)
			if err != nil {
				return nil, version.Invalid("go", v, "not a Go module version (v1.2.3, v1.2.3-pre, v0.0.0-20200101000000-abcdef123456)")
			}
			return &Version{raw: v, canonical: "v" + sv.Canonical(), sv: sv}, nil
		}
		canonical = c
	}
	sv, err := semver.Parse(canonical[1:])
	if err != nil {
		// The mapping of a toolchain version adds up to six characters: a version of nearly
		// the maximum length can exceed it.
		return nil, version.Invalid("go", v, err.Error())
	}
	return &Version{raw: v, canonical: canonical, sv: sv}, nil
}

// toolchain maps a Go toolchain version without its "go" ("1", "1.21", "1.21.3", "1.21rc2",
// "1.9.2rc2", "1.21beta1") to SemVer with a "v", as the Go vulnerability database does.
func toolchain(s string) (string, bool) {
	var nums []string
	for {
		n := leadingDigits(s)
		if n == "" || len(n) > 1 && n[0] == '0' {
			return "", false
		}
		nums = append(nums, n)
		s = s[len(n):]
		if len(nums) == 3 || !strings.HasPrefix(s, ".") {
			break
		}
		s = s[1:]
	}
	for len(nums) < 3 {
		nums = append(nums, "0")
	}
	c := "v" + strings.Join(nums, ".")
	if s == "" {
		return c, true
	}
	for _, kind := range []string{"beta", "rc"} {
		if rest, ok := strings.CutPrefix(s, kind); ok {
			n := leadingDigits(rest)
			if n == "" || n != rest || len(n) > 1 && n[0] == '0' {
				return "", false
			}
			return c + "-" + kind + "." + n, true
		}
	}
	return "", false
}

func leadingDigits(s string) string {
	i := 0
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	return s[:i]
}

// String returns the version as it was given.
func (v *Version) String() string { return v.raw }

// Canonical returns the version in x/mod/semver's canonical form, "vX.Y.Z" with the
// pre-release and without build metadata; toolchain versions in their SemVer mapping
// ("go1.21rc2" is "v1.21.0-rc.2").
func (v *Version) Canonical() string { return v.canonical }

// IsPseudo reports whether v is a pseudo-version (module.IsPseudoVersion).
func (v *Version) IsPseudo() bool { return module.IsPseudoVersion(v.canonical) }

// Compare orders v and o (a *Version) as golang.org/x/mod/semver.Compare does (and as
// semver.Loose does when one of them is not an x/mod version).
func (v *Version) Compare(o version.Version) int { return v.sv.Compare(o.(*Version).sv) }

// Key returns the order-preserving key; build metadata is not part of it.
func (v *Version) Key() []byte { return v.sv.Key() }
