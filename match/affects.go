package match

import (
	"bytes"
	"slices"
	"strings"

	"github.com/hallmark-dev/hallmark/osv"
	"github.com/hallmark-dev/hallmark/sbom"
	"github.com/hallmark-dev/hallmark/version"
)

// SchemeFunc returns the version scheme for an OSV ecosystem (without suffix) and range type.
type SchemeFunc func(ecosystem, rangeType string) (version.Scheme, bool)

// Target is one (name, version) of a package to check against advisories.
type Target struct {
	Ecosystem string // OSV ecosystem without release suffix
	Release   string // distribution release for OS packages ("12"), else ""
	Name      string // as the ecosystem's advisories name it (normalised by NormalizeName)
	Version   string
	Commit    string // VCS revision, for GIT ranges
	Repo      string
}

// TargetsOf returns what to look up for package p: its own name and version, and for OS
// packages also its source package (name and source version), which distribution advisories
// name. The Go standard library is looked up as both "stdlib" and "toolchain". A package with
// no ecosystem or no version gives no target (an unresolved requirement cannot be matched;
// the report says so).
func TargetsOf(p *sbom.Package) []Target {
	if p.Ecosystem == "" || p.Version == "" && p.VCS == nil {
		return nil
	}
	eco, release := p.Ecosystem, ""
	if e := p.Properties["hallmark:os:ecosystem"]; e != "" {
		eco, release = SplitEcosystem(e)
		if i := strings.IndexByte(release, ':'); i >= 0 {
			release = release[:i]
		}
	}
	t := Target{Ecosystem: eco, Release: release, Name: NormalizeName(eco, p.Name), Version: p.Version}
	if p.VCS != nil {
		t.Commit, t.Repo = p.VCS.Revision, p.VCS.URL
	}
	out := []Target{t}
	if eco == sbom.EcosystemGo && p.Name == "stdlib" {
		tc := t
		tc.Name = "toolchain"
		out = append(out, tc)
	}
	if p.SourceName != "" && (p.SourceName != p.Name || p.SourceVersion != "" && p.SourceVersion != p.Version) {
		src := t
		src.Name = NormalizeName(eco, p.SourceName)
		if p.SourceVersion != "" {
			src.Version = p.SourceVersion
		}
		out = append(out, src)
	}
	return out
}

// Affects returns the indexes of the affected entries of v that match t, following the OSV
// evaluation rules: the ecosystem (and its release suffix) and name must match; the version
// is affected when it is listed in versions, or inside a SEMVER or ECOSYSTEM range (see
// Intervals), or is a commit a GIT range names as affected for the same repository. A version
// the scheme cannot parse matches only by string equality with the versions list. Withdrawn
// advisories affect nothing.
func Affects(v *osv.Vulnerability, t Target, schemes SchemeFunc) []int {
	if v.IsWithdrawn() {
		return nil
	}
	var out []int
	for i := range v.Affected {
		if affects(&v.Affected[i], t, schemes) {
			out = append(out, i)
		}
	}
	return out
}

func affects(a *osv.Affected, t Target, schemes SchemeFunc) bool {
	eco, variant := SplitEcosystem(a.Package.Ecosystem)
	gitOnly := a.Package.Name == "" && a.Package.Ecosystem == ""
	if !gitOnly {
		if eco != t.Ecosystem || !ReleaseMatches(variant, t.Release) || NormalizeName(eco, a.Package.Name) != t.Name {
			return false
		}
		if t.Version != "" && slices.Contains(a.Versions, t.Version) {
			return true
		}
	}
	var key []byte
	var keyScheme version.Scheme
	for _, r := range a.Ranges {
		if r.Type == osv.RangeGit {
			if t.Commit != "" && t.Repo != "" && NormalizeRepo(r.Repo) == NormalizeRepo(t.Repo) && gitAffected(a, r, t.Commit) {
				return true
			}
			continue
		}
		if gitOnly || t.Version == "" {
			continue
		}
		s, ok := schemes(eco, r.Type)
		if !ok {
			continue
		}
		if s != keyScheme {
			keyScheme, key = s, nil
			if pv, err := s.Parse(t.Version); err == nil {
				key = pv.Key()
			}
		}
		if key == nil {
			continue
		}
		ivs, err := Intervals(r, s)
		if err != nil {
			continue // counted at import as unparsed; the versions list still applies
		}
		for _, iv := range ivs {
			if iv.Contains(key) {
				return true
			}
		}
	}
	// A listed version equal under the scheme ("1.0" listed, "1.0.0" installed).
	if !gitOnly && keyScheme != nil && key != nil {
		for _, lv := range a.Versions {
			if pv, err := keyScheme.Parse(lv); err == nil && bytes.Equal(pv.Key(), key) {
				return true
			}
		}
	}
	return false
}

// gitAffected reports whether commit is named as affected by a GIT range: an introduced or
// last_affected commit, or a commit in the entry's versions list. Without the repository's
// history, commits between events cannot be decided; they are not reported (see README).
func gitAffected(a *osv.Affected, r osv.Range, commit string) bool {
	for _, e := range r.Events {
		if e.Introduced == commit || e.LastAffected == commit {
			return true
		}
	}
	return slices.Contains(a.Versions, commit)
}
