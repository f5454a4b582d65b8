package vex

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// Merge merges OpenVEX documents into one new document by author (default: the authors of
// the documents), issued at now, version 1, whose @id Write derives from its content.
//
// Each statement is split into one statement per product and stamped with its effective
// timestamp (its own, else its document's), so that it keeps its meaning outside its
// document. A statement is left out when a later one (see the package documentation: later
// timestamp, or the same timestamp and a later document or position) is about the same
// vulnerability (name or alias) and covers its product: the same product, or the same purl
// without version or qualifiers, and — when the later statement is limited to some
// subcomponents — the same subcomponents or more. What is left is the history that still
// matters, ordered by vulnerability, then timestamp, then reading order; applying the merged
// document gives every finding the same statement as applying the documents one after the
// other.
func Merge(docs []*Document, author string, now time.Time) *Document {
	type entry struct {
		st  OpenVEXStatement
		seq int
	}
	var all []entry
	var set Set // indexes the flattened statements by vulnerability
	var authors []string
	for _, d := range docs {
		if d.Author != "" && !slices.Contains(authors, d.Author) {
			authors = append(authors, d.Author)
		}
		for i := range d.Statements {
			s := d.Statements[i]
			if s.Timestamp == nil || s.Timestamp.IsZero() {
				s.Timestamp = d.Timestamp
			}
			for _, p := range s.Products {
				c := s
				c.Products = []OpenVEXProduct{p}
				if len(s.Products) > 1 {
					c.ID = "" // @id must stay unique
				}
				all = append(all, entry{c, len(all)})
				set.Add(openVEXStatement(&Document{Statements: []OpenVEXStatement{c}}, 0, "", 0))
			}
		}
	}
	// Only a statement on the same vulnerability whose product shares a key with s's
	// (productKeys) can cover s; the index keeps Merge from comparing every pair of statements
	// on one vulnerability or one package, which for a document of many statements on one CVE
	// took hours. Names are compared in lower case, as Set.Effective does. Each key's
	// statements are sorted latest first, so that the search for a later one stops at the
	// first that is not: many statements on one product (a document merged with itself)
	// no longer compare every pair either.
	byKey := map[string][]int{}
	for j := range set.stmts {
		for _, n := range lowerNames(&set.stmts[j]) {
			for _, k := range productKeys(set.products(j)[0].ids) {
				byKey[n+"\x00"+k] = append(byKey[n+"\x00"+k], j)
			}
		}
	}
	for _, js := range byKey {
		slices.SortFunc(js, func(a, b int) int {
			switch {
			case a == b:
				return 0
			case later(set.stmts[a].Timestamp, a, set.stmts[b].Timestamp, b):
				return -1
			}
			return 1
		})
	}
	var kept []entry
	work := 0 // the later statements compared with earlier ones, at most maxMergeWork
	for i, e := range all {
		s := &set.stmts[i]
		superseded := false
		seen := map[int]bool{}
	search:
		for _, n := range lowerNames(s) {
			for _, k := range coverKeys(set.products(i)[0].ids) {
				for _, j := range byKey[n+"\x00"+k] {
					if !later(set.stmts[j].Timestamp, j, s.Timestamp, i) {
						break // nor are the rest
					}
					if seen[j] {
						continue
					}
					seen[j] = true
					if work++; work > maxMergeWork {
						break search // kept: see maxMergeWork
					}
					if covers(&set.products(j)[0], &set.products(i)[0]) {
						superseded = true
						break search
					}
				}
			}
		}
		if !superseded {
			kept = append(kept, e)
		}
	}
	slices.SortStableFunc(kept, func(a, b entry) int {
		return cmp.Or(
			strings.Compare(a.st.Vulnerability.Name, b.st.Vulnerability.Name),
			timeOf(a.st.Timestamp).Compare(timeOf(b.st.Timestamp)),
			cmp.Compare(a.seq, b.seq),
		)
	})
	t := now.UTC().Truncate(time.Second)
	out := &Document{
		Context: Context, Author: cmp.Or(author, strings.Join(authors, ", "), "Unknown Author"),
		Timestamp: &t, Version: 1, Tooling: "hallmark",
		Statements: make([]OpenVEXStatement, 0, len(kept)),
	}
	for _, e := range kept {
		out.Statements = append(out.Statements, e.st)
	}
	return out
}

// maxMergeWork bounds the comparisons Merge makes to find the statements a later one covers.
// Only a hostile document gets near it: many statements on one package whose later ones do
// not cover the earlier (other qualifiers, other subcomponents) share index keys, and each
// would be compared with every later one. Past the bound, statements are kept without the
// search: the merged document is longer but means the same, since a later statement that
// covers one kept in excess still wins wherever both apply.
const maxMergeWork = 5_000_000

// lowerNames are the statement's vulnerability name and aliases in lower case, without
// repeats or empty names.
func lowerNames(s *Statement) []string {
	var out []string
	for _, n := range s.names() {
		if k := strings.ToLower(n); k != "" && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// productKeys are the keys under which Merge indexes a product with identifiers ids: each
// identifier itself, and for a purl its type, namespace, name and version (version empty when
// the purl has none).
func productKeys(ids []matchID) []string {
	keys := make([]string, 0, 2*len(ids))
	for i := range ids {
		keys = append(keys, "id:"+ids[i].raw)
		if base, ok := ids[i].purlKey(); ok {
			keys = append(keys, "purl:"+base+"@"+ids[i].version)
		}
	}
	return keys
}

// coverKeys are the keys of the products that may cover a product with identifiers ids (see
// matchID.matches): the same identifier, or a purl of the same package with the same version
// or none.
func coverKeys(ids []matchID) []string {
	keys := make([]string, 0, 3*len(ids))
	for i := range ids {
		keys = append(keys, "id:"+ids[i].raw)
		if base, ok := ids[i].purlKey(); ok {
			keys = append(keys, "purl:"+base+"@")
			if ids[i].version != "" {
				keys = append(keys, "purl:"+base+"@"+ids[i].version)
			}
		}
	}
	return keys
}

// purlKey returns the package a purl names (type, namespace and name as matchID.matches
// compares them).
func (m *matchID) purlKey() (string, bool) {
	if !m.purl {
		return "", false
	}
	return strings.ToLower(m.typ) + "/" + m.namespace + "/" + m.name, true
}

func timeOf(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// covers reports whether a statement on product t speaks for everything a statement on
// product s does.
func covers(t, s *matchProduct) bool {
	if !idsCover(t.ids, s.ids) {
		return false
	}
	if len(t.subs) == 0 {
		return true
	}
	if len(s.subs) == 0 {
		return false
	}
	for i := range s.subs {
		if !idsCover(t.subs, s.subs[i:i+1]) {
			return false
		}
	}
	return true
}

func idsCover(t, s []matchID) bool {
	for i := range t {
		for j := range s {
			if t[i].matches(&s[j]) {
				return true
			}
		}
	}
	return false
}
