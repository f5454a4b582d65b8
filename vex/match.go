package vex

import (
	"strings"
	"sync"
	"time"

	"github.com/package-url/packageurl-go"

	"github.com/hallmark-dev/hallmark/report"
)

// Set is the statements of some VEX documents, in the order they were read, indexed by
// vulnerability name. The zero Set is empty and ready to use. Add must not be called
// concurrently with other methods; Effective may be called concurrently.
type Set struct {
	stmts []Statement
	// prods[i] holds the products of stmts[i] with their purls parsed, once: the first time a
	// finding's vulnerability names the statement. Matching then compares them without
	// parsing again, and the statements no finding concerns are never parsed.
	prods  []*parsedProducts
	byName map[string][]int // lower-case vulnerability name or alias → indexes in stmts
}

// parsedProducts are a statement's products, parsed once.
type parsedProducts struct {
	once sync.Once
	p    []matchProduct
}

// products returns the products of statement i, parsed.
func (s *Set) products(i int) []matchProduct {
	pp := s.prods[i]
	pp.once.Do(func() { pp.p = newMatchProducts(s.stmts[i].Products) })
	return pp.p
}

// matchProduct is a Product with its identifiers parsed.
type matchProduct struct {
	ids, subs []matchID
}

// matchID is an identifier with its purl, if it is one, parsed and normalised as idMatches
// compares purls.
type matchID struct {
	raw string
	// purl reports whether raw is a purl that parses; the fields below are set only then.
	purl bool
	// typ is the purl type as written (compared ignoring case); namespace and name are
	// normalised by normName.
	typ, namespace, name string
	version, subpath     string
	qualifiers           map[string]string // nil when there are none
}

func newMatchID(raw string) matchID {
	m := matchID{raw: raw}
	if !strings.HasPrefix(raw, "pkg:") {
		return m
	}
	p, err := packageurl.FromString(raw)
	if err != nil {
		return m
	}
	m.purl = true
	m.typ, m.namespace, m.name = p.Type, normName(p.Type, p.Namespace), normName(p.Type, p.Name)
	m.version, m.subpath = p.Version, p.Subpath
	if len(p.Qualifiers) > 0 {
		m.qualifiers = p.Qualifiers.Map()
	}
	return m
}

func newMatchIDs(raw []string) []matchID {
	if len(raw) == 0 {
		return nil
	}
	out := make([]matchID, len(raw))
	for i, r := range raw {
		out[i] = newMatchID(r)
	}
	return out
}

func newMatchProducts(ps []Product) []matchProduct {
	out := make([]matchProduct, len(ps))
	for i, p := range ps {
		out[i] = matchProduct{ids: newMatchIDs(p.IDs), subs: newMatchIDs(p.Subcomponents)}
	}
	return out
}

// Add adds statements; later ones win ties (see the package documentation).
func (s *Set) Add(stmts ...Statement) {
	if s.byName == nil {
		s.byName = map[string][]int{}
	}
	pps := make([]parsedProducts, len(stmts))
	for j, st := range stmts {
		i := len(s.stmts)
		s.stmts = append(s.stmts, st)
		s.prods = append(s.prods, &pps[j])
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
	var pkgs []matchID // parsed when a statement names the vulnerability
	for _, n := range names {
		for _, i := range s.byName[strings.ToLower(n)] {
			if seen[i] {
				continue
			}
			seen[i] = true
			if pkgs == nil {
				pkgs = make([]matchID, 0, len(pkgIDs))
				for _, p := range pkgIDs {
					if p != "" {
						pkgs = append(pkgs, newMatchID(p))
					}
				}
			}
			product, ok := matchProducts(s.products(i), pkgs, targets)
			if !ok {
				continue
			}
			if best < 0 || later(s.stmts[i].Timestamp, i, s.stmts[best].Timestamp, best) {
				best, bestProduct = i, product
			}
		}
	}
	if best < 0 {
		return nil, ""
	}
	return &s.stmts[best], bestProduct
}

// matchProducts reports whether one of a statement's products names the package: one of
// the product's own identifiers does (for a product without subcomponents), or the product
// names a target and one of its subcomponents names the package.
func matchProducts(prods []matchProduct, pkgs []matchID, targets []string) (string, bool) {
	for i := range prods {
		p := &prods[i]
		if len(p.subs) == 0 {
			for j := range p.ids {
				if anyMatch(&p.ids[j], pkgs) {
					return p.ids[j].raw, true
				}
			}
			continue
		}
		if !namesTarget(p.ids, targets) {
			continue
		}
		for j := range p.subs {
			if anyMatch(&p.subs[j], pkgs) {
				return p.subs[j].raw, true
			}
		}
	}
	return "", false
}

func anyMatch(id *matchID, pkgs []matchID) bool {
	for i := range pkgs {
		if id.matches(&pkgs[i]) {
			return true
		}
	}
	return false
}

// namesTarget reports whether one of ids names a scanned target: by its name, its digest, or
// an OCI purl whose version is the digest.
func namesTarget(ids []matchID, targets []string) bool {
	for i := range ids {
		id := &ids[i]
		for _, t := range targets {
			if t == "" {
				continue
			}
			if id.raw == t {
				return true
			}
			if id.purl && strings.HasPrefix(id.raw, "pkg:oci/") && id.version == t {
				return true
			}
		}
	}
	return false
}

// idMatches reports whether a statement's identifier id names the package identifier pkg
// (see matchID.matches).
func idMatches(id, pkg string) bool {
	a, b := newMatchID(id), newMatchID(pkg)
	return a.matches(&b)
}

// matches reports whether a statement's identifier a names the package identifier b: the
// same string, or both purls and a names b as the OpenVEX spec describes — the same type,
// namespace and name, and a's version (if any) equal to b's, a's qualifiers (if any) a
// subset of b's, a's subpath (if any) equal to b's. So pkg:npm/lodash names every version of
// lodash, and pkg:deb/debian/curl@8.0 every architecture of curl 8.0.
func (a *matchID) matches(b *matchID) bool {
	if a.raw == b.raw {
		return true
	}
	if !a.purl || !b.purl {
		return false
	}
	if !strings.EqualFold(a.typ, b.typ) || a.namespace != b.namespace || a.name != b.name {
		return false
	}
	if a.version != "" && a.version != b.version {
		return false
	}
	if a.subpath != "" && a.subpath != b.subpath {
		return false
	}
	for k, v := range a.qualifiers {
		if w, ok := b.qualifiers[k]; !ok || w != v {
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
