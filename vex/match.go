package vex

import (
	"strings"
	"time"

	"github.com/package-url/packageurl-go"

	"github.com/hallmark-dev/hallmark/report"
)

// Set is the statements of some VEX documents, in the order they were read, indexed by
// vulnerability name. The zero Set is empty and ready to use.
type Set struct {
	stmts  []Statement
	byName map[string][]int // lower-case vulnerability name or alias → indexes in stmts
}

// Add adds statements; later ones win ties (see the package documentation).
func (s *Set) Add(stmts ...Statement) {
	if s.byName == nil {
		s.byName = map[string][]int{}
	}
	for _, st := range stmts {
		i := len(s.stmts)
		s.stmts = append(s.stmts, st)
		seen := map[string]bool{}
		for _, n := range st.names() {
			k := strings.ToLower(n)
			if k != "" && !seen[k] {
				seen[k] = true
				s.byName[k] = append(s.byName[k], i)
			}
		}
	}
}

// Len returns the number of statements.
func (s *Set) Len() int { return len(s.stmts) }

// Effective returns the statement that applies to a package known by pkgIDs (its purl and
// inventory reference) for a vulnerability known by names, and the statement's identifier
// that matched; targets are the scanned artifacts (names and digests), which a statement's
// product must name for its subcomponents to count. It returns nil when no statement applies.
func (s *Set) Effective(names, pkgIDs, targets []string) (*Statement, string) {
	best, bestProduct := -1, ""
	seen := map[int]bool{}
	for _, n := range names {
		for _, i := range s.byName[strings.ToLower(n)] {
			if seen[i] {
				continue
			}
			seen[i] = true
			st := &s.stmts[i]
			product, ok := st.matchProduct(pkgIDs, targets)
			if !ok {
				continue
			}
			if best < 0 || later(st.Timestamp, i, s.stmts[best].Timestamp, best) {
				best, bestProduct = i, product
			}
		}
	}
	if best < 0 {
		return nil, ""
	}
	return &s.stmts[best], bestProduct
}

// matchProduct reports whether one of the statement's products names the package: one of
// the product's own identifiers does (for a product without subcomponents), or the product
// names a target and one of its subcomponents names the package.
func (s *Statement) matchProduct(pkgIDs, targets []string) (string, bool) {
	for _, p := range s.Products {
		if len(p.Subcomponents) == 0 {
			for _, id := range p.IDs {
				if anyMatch(id, pkgIDs) {
					return id, true
				}
			}
			continue
		}
		if !namesTarget(p.IDs, targets) {
			continue
		}
		for _, id := range p.Subcomponents {
			if anyMatch(id, pkgIDs) {
				return id, true
			}
		}
	}
	return "", false
}

func anyMatch(id string, pkgIDs []string) bool {
	for _, p := range pkgIDs {
		if p != "" && idMatches(id, p) {
			return true
		}
	}
	return false
}

// namesTarget reports whether one of ids names a scanned target: by its name, its digest, or
// an OCI purl whose version is the digest.
func namesTarget(ids, targets []string) bool {
	for _, id := range ids {
		for _, t := range targets {
			if t == "" {
				continue
			}
			if id == t {
				return true
			}
			if strings.HasPrefix(id, "pkg:oci/") {
				if p, err := packageurl.FromString(id); err == nil && p.Version == t {
					return true
				}
			}
		}
	}
	return false
}

// idMatches reports whether a statement's identifier id names the package identifier pkg:
// the same string, or both purls and id names pkg as the OpenVEX spec describes — the same
// type, namespace and name, and id's version (if any) equal to pkg's, id's qualifiers (if any)
// a subset of pkg's, id's subpath (if any) equal to pkg's. So pkg:npm/lodash names every
// version of lodash, and pkg:deb/debian/curl@8.0 every architecture of curl 8.0.
func idMatches(id, pkg string) bool {
	if id == pkg {
		return true
	}
	if !strings.HasPrefix(id, "pkg:") || !strings.HasPrefix(pkg, "pkg:") {
		return false
	}
	a, err := packageurl.FromString(id)
	if err != nil {
		return false
	}
	b, err := packageurl.FromString(pkg)
	if err != nil {
		return false
	}
	if !strings.EqualFold(a.Type, b.Type) || normName(a.Type, a.Namespace) != normName(b.Type, b.Namespace) ||
		normName(a.Type, a.Name) != normName(b.Type, b.Name) {
		return false
	}
	if a.Version != "" && a.Version != b.Version {
		return false
	}
	if a.Subpath != "" && a.Subpath != b.Subpath {
		return false
	}
	bq := b.Qualifiers.Map()
	for k, v := range a.Qualifiers.Map() {
		if w, ok := bq[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// normName applies the purl spec's per-type normalisation of names that writers do not
// always apply: PyPI names are case-insensitive with '_' and '.' meaning '-'; GitHub, Bitbucket
// and Debian-family names are lower case.
func normName(typ, s string) string {
	switch strings.ToLower(typ) {
	case "pypi":
		return strings.NewReplacer("_", "-", ".", "-").Replace(strings.ToLower(s))
	case "github", "bitbucket", "deb", "apk", "composer", "hex":
		return strings.ToLower(s)
	}
	return s
}

// Apply sets the VEX field of every finding of res that a statement of set applies to (see
// Set.Effective), and returns how many findings it set. Findings are never removed:
// Finding.Suppressed tells the not_affected and fixed ones.
func Apply(res *report.Result, set *Set) int {
	var targets []string
	for _, t := range res.Targets {
		targets = append(targets, t.Name, t.Digest)
	}
	n := 0
	for i := range res.Findings {
		f := &res.Findings[i]
		names := append(append([]string{f.ID}, f.Advisories...), f.Aliases...)
		st, product := set.Effective(names, []string{f.Package.PURL, f.Package.Ref}, targets)
		if st == nil {
			continue
		}
		f.VEX = st.report(product)
		n++
	}
	return n
}

// report returns the statement as a finding records it.
func (s *Statement) report(product string) *report.VEXStatement {
	v := &report.VEXStatement{
		Status: s.Status, Justification: s.Justification,
		ImpactStatement: s.ImpactStatement, ActionStatement: s.ActionStatement, StatusNotes: s.StatusNotes,
		Vulnerability: s.Vulnerability, Product: product,
		Format: s.Format, Document: s.Document, DocumentID: s.DocumentID, Statement: s.Ref,
	}
	if !s.Timestamp.IsZero() {
		v.Timestamp = s.Timestamp.UTC().Format(time.RFC3339)
	}
	return v
}
