package match

import (
	"bytes"
	"slices"
	"strings"

	"github.com/hallmark-dev/hallmark/osv"
	"github.com/hallmark-dev/hallmark/sbom"
)

// Finding is one vulnerability of one package: the advisories that describe it (merged when
// they share an ID, alias or upstream ID) and what is known about fixing it.
type Finding struct {
	// ID is the primary advisory ID: the ecosystem's own advisory when there is one (GHSA-,
	// PYSEC-, GO-, RUSTSEC-, …), else the smallest ID.
	ID string
	// Advisories are the IDs of every advisory merged into the finding, sorted.
	Advisories []string
	// Aliases are the other IDs they name (CVE-…), sorted, without the advisory IDs.
	Aliases  []string
	Summary  string
	Package  *sbom.Package
	Severity Severity
	// Fixed lists the versions the advisories name as fixing the package, lowest first.
	Fixed []string
	// Modified is the latest modification time of the merged advisories (RFC 3339).
	Modified string
}

// Match is one advisory that affects a package through one of its targets.
type Match struct {
	Advisory *osv.Vulnerability
	Target   Target
	Affected []int // indexes into Advisory.Affected
}

// Evaluate returns the advisories among candidates that affect package p (see TargetsOf and
// Affects).
func Evaluate(p *sbom.Package, candidates []*osv.Vulnerability, schemes SchemeFunc) []Match {
	var out []Match
	for _, v := range candidates {
		for _, t := range TargetsOf(p) {
			if idx := Affects(v, t, schemes); len(idx) > 0 {
				out = append(out, Match{Advisory: v, Target: t, Affected: idx})
				break
			}
		}
	}
	return out
}

// Group merges the matches of one package into findings: advisories connected by a shared ID,
// alias or upstream ID form one finding. Findings are sorted by severity (highest first), then
// ID.
func Group(p *sbom.Package, ms []Match, schemes SchemeFunc) []Finding {
	n := len(ms)
	parent := make([]int, n)
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	owner := map[string]int{}
	for i, m := range ms {
		for _, id := range idsOf(m.Advisory) {
			if j, ok := owner[id]; ok {
				parent[find(i)] = find(j)
			} else {
				owner[id] = i
			}
		}
	}
	groups := map[int][]Match{}
	var roots []int
	for i := range ms {
		r := find(i)
		if _, ok := groups[r]; !ok {
			roots = append(roots, r)
		}
		groups[r] = append(groups[r], ms[i])
	}
	out := make([]Finding, 0, len(roots))
	for _, r := range roots {
		out = append(out, finding(p, groups[r], schemes))
	}
	slices.SortFunc(out, func(a, b Finding) int {
		if a.Severity.Level != b.Severity.Level {
			return int(b.Severity.Level) - int(a.Severity.Level)
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

func idsOf(v *osv.Vulnerability) []string {
	ids := append([]string{v.ID}, v.Aliases...)
	return append(ids, v.Upstream...)
}

func finding(p *sbom.Package, ms []Match, schemes SchemeFunc) Finding {
	f := Finding{Package: p}
	advs := map[string]bool{}
	aliases := map[string]bool{}
	for _, m := range ms {
		v := m.Advisory
		advs[v.ID] = true
		for _, a := range append(append([]string{}, v.Aliases...), v.Upstream...) {
			aliases[a] = true
		}
		for _, i := range m.Affected {
			if s := SeverityOf(v, &v.Affected[i]); s.Level > f.Severity.Level || s.Level == f.Severity.Level && s.Score > f.Severity.Score {
				f.Severity = s
			}
			f.Fixed = append(f.Fixed, fixedAbove(&v.Affected[i], m.Target, schemes)...)
		}
		if mod := v.Modified.UTC().Format("2006-01-02T15:04:05Z07:00"); mod > f.Modified {
			f.Modified = mod
		}
	}
	for id := range advs {
		delete(aliases, id)
		f.Advisories = append(f.Advisories, id)
	}
	for a := range aliases {
		f.Aliases = append(f.Aliases, a)
	}
	slices.Sort(f.Advisories)
	slices.Sort(f.Aliases)
	f.ID = primary(f.Advisories)
	for _, m := range ms {
		if m.Advisory.ID == f.ID {
			f.Summary = m.Advisory.Summary
			if f.Summary == "" {
				f.Summary = firstLine(m.Advisory.Details)
			}
		}
	}
	f.Fixed = sortVersions(ms, f.Fixed, schemes)
	return f
}

// primary picks the finding's main ID: the first that is not a CVE, since ecosystem
// advisories carry the package-specific ranges; a CVE only when nothing else is there.
func primary(ids []string) string {
	for _, id := range ids {
		if !strings.HasPrefix(id, "CVE-") {
			return id
		}
	}
	if len(ids) > 0 {
		return ids[0]
	}
	return ""
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// fixedAbove returns the fixed versions of a's ranges that are above t's version.
func fixedAbove(a *osv.Affected, t Target, schemes SchemeFunc) []string {
	eco, _ := SplitEcosystem(a.Package.Ecosystem)
	var out []string
	for _, r := range a.Ranges {
		if r.Type == osv.RangeGit {
			continue
		}
		s, ok := schemes(eco, r.Type)
		if !ok {
			continue
		}
		cur, err := s.Parse(t.Version)
		if err != nil {
			continue
		}
		for _, e := range r.Events {
			if e.Fixed == "" {
				continue
			}
			if fv, err := s.Parse(e.Fixed); err == nil && bytes.Compare(fv.Key(), cur.Key()) > 0 {
				out = append(out, e.Fixed)
			}
		}
	}
	return out
}

// sortVersions sorts and de-duplicates versions by the package's scheme.
func sortVersions(ms []Match, vs []string, schemes SchemeFunc) []string {
	if len(vs) == 0 || len(ms) == 0 {
		return nil
	}
	s, ok := schemes(ms[0].Target.Ecosystem, "")
	slices.SortFunc(vs, func(a, b string) int {
		if ok {
			pa, ea := s.Parse(a)
			pb, eb := s.Parse(b)
			if ea == nil && eb == nil {
				if c := pa.Compare(pb); c != 0 {
					return c
				}
			}
		}
		return strings.Compare(a, b)
	})
	return slices.Compact(vs)
}

// Advice returns the lowest version among the findings' fixed versions that none of the
// package's matched advisories affects, or "" when there is none: upgrading to it fixes every
// finding of the package.
func Advice(p *sbom.Package, ms []Match, schemes SchemeFunc) string {
	var fixed []string
	for _, m := range ms {
		for _, i := range m.Affected {
			fixed = append(fixed, fixedAbove(&m.Advisory.Affected[i], m.Target, schemes)...)
		}
	}
	for _, v := range sortVersions(ms, fixed, schemes) {
		clean := true
		for _, m := range ms {
			t := m.Target
			t.Version = v
			if len(Affects(m.Advisory, t, schemes)) > 0 {
				clean = false
				break
			}
		}
		if clean {
			return v
		}
	}
	return ""
}
