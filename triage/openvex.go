package triage

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/hallmark-dev/hallmark/portfolio"
	"github.com/hallmark-dev/hallmark/vex"
)

// ExportOpenVEX writes the analyses in force for the findings of the teams in sc as an
// OpenVEX 0.2.0 document by author: one statement per analysis, whose products are the purls
// (with versions) of the components of the findings it applies to, and whose vulnerability is
// the analysis's advisory with the findings' other names as aliases. States map to OpenVEX
// statuses: not_affected (the comment as impact statement), affected (the action as action
// statement), false_positive → not_affected with an impact statement saying so, in_triage →
// under_investigation, resolved → fixed. Analyses that apply to no finding with a purl are
// left out; when none is left, the answer is portfolio.ErrNotFound (an OpenVEX document has
// at least one statement).
//
// With per-advisory analyses, every finding of the scope is read once (a stream, not held in
// memory); the document is built in memory before it is written.
func (t *Triage) ExportOpenVEX(ctx context.Context, sc portfolio.Scope, w io.Writer, author string) error {
	doc, err := t.openVEX(ctx, sc, author)
	if err != nil {
		return fmt.Errorf("exporting OpenVEX: %w", err)
	}
	return vex.Write(w, doc)
}

// group collects what one analysis applies to.
type group struct {
	r        *row
	products []string
	aliases  []string
}

func (t *Triage) openVEX(ctx context.Context, sc portfolio.Scope, author string) (*vex.Document, error) {
	cond, args, ok := scopeFilter(sc, "team_id")
	if !ok {
		return nil, fmt.Errorf("no analysis: %w", portfolio.ErrNotFound)
	}
	rs, err := queryAnalyses(ctx, t.st.SQL(), `SELECT `+analysisCols+` FROM triage_analyses WHERE 1 = 1`+cond, args...)
	if err != nil {
		return nil, err
	}
	ix := newIndex()
	ix.add(rs...)
	groups := map[int64]*group{}
	visit := func(f *finding) {
		r := ix.inForce(f)
		if r == nil || f.purl == "" {
			return
		}
		g := groups[r.ID]
		if g == nil {
			g = &group{r: r}
			groups[r.ID] = g
		}
		if !slices.Contains(g.products, f.purl) {
			g.products = append(g.products, f.purl)
		}
		for _, n := range append([]string{f.advisory}, f.aliases...) {
			if !strings.EqualFold(n, r.Advisory) && !slices.Contains(g.aliases, n) {
				g.aliases = append(g.aliases, n)
			}
		}
	}
	if err := t.eachFinding(ctx, sc, ix, visit); err != nil {
		return nil, err
	}
	if len(groups) == 0 {
		return nil, fmt.Errorf("no analysis applies to a finding with a purl: %w", portfolio.ErrNotFound)
	}
	list := make([]*group, 0, len(groups))
	for _, g := range groups {
		list = append(list, g)
	}
	slices.SortFunc(list, func(a, b *group) int {
		return cmp.Or(a.r.Time.Compare(b.r.Time), cmp.Compare(a.r.ID, b.r.ID))
	})
	now := t.now().UTC()
	doc := &vex.Document{
		Context: vex.Context, Author: cmp.Or(strings.TrimSpace(author), "Unknown Author"),
		Timestamp: &now, Version: 1, Tooling: "hallmark",
	}
	// The schema wants statements unique: analyses of different findings of one package,
	// recorded alike within a second, write the same statement once.
	seen := map[string]bool{}
	for _, g := range list {
		st := statement(g)
		b, err := json.Marshal(st)
		if err != nil {
			return nil, err
		}
		if !seen[string(b)] {
			seen[string(b)] = true
			doc.Statements = append(doc.Statements, st)
		}
	}
	return doc, nil
}

// eachFinding calls visit for the findings in sc that analyses of ix may apply to: those of
// the per-finding analyses when there is no other, else all of them.
func (t *Triage) eachFinding(ctx context.Context, sc portfolio.Scope, ix *index, visit func(*finding)) error {
	cond, args, _ := scopeFilter(sc, "a.team_id")
	if len(ix.byPackage) == 0 {
		ids := make([]int64, 0, len(ix.byFinding))
		for id := range ix.byFinding {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for part := range slices.Chunk(ids, chunk) {
			q := make([]any, 0, len(part)+len(args))
			for _, id := range part {
				q = append(q, id)
			}
			fs, err := queryFindings(ctx, t.st.SQL(), findingQuery+` WHERE f.id IN (`+placeholders(len(part))+`)`+cond, append(q, args...)...)
			if err != nil {
				return err
			}
			for i := range fs {
				visit(&fs[i])
			}
		}
		return nil
	}
	rows, err := t.st.SQL().QueryContext(ctx, findingQuery+` WHERE 1 = 1`+cond+` ORDER BY f.id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		f, err := scanFinding(rows)
		if err != nil {
			return err
		}
		visit(&f)
	}
	return rows.Err()
}

// statement converts one analysis and what it applies to.
func statement(g *group) vex.OpenVEXStatement {
	r := g.r
	at := r.Time
	st := vex.OpenVEXStatement{
		Vulnerability: vex.Vulnerability{Name: r.Advisory},
		Timestamp:     &at,
	}
	for _, n := range append(slices.Clone(r.Aliases), g.aliases...) {
		if !strings.EqualFold(n, r.Advisory) && !slices.Contains(st.Vulnerability.Aliases, n) {
			st.Vulnerability.Aliases = append(st.Vulnerability.Aliases, n)
		}
	}
	slices.Sort(g.products)
	for _, p := range g.products {
		st.Products = append(st.Products, vex.OpenVEXProduct{Component: vex.Component{ID: p}})
	}
	switch r.State {
	case NotAffected:
		st.Status, st.Justification, st.ImpactStatement = vex.StatusNotAffected, r.Justification, r.Comment
	case FalsePositive:
		st.Status, st.ImpactStatement = vex.StatusNotAffected, strings.TrimSuffix("False positive: "+r.Comment, ": ")
	case Affected:
		st.Status, st.ActionStatement, st.StatusNotes = vex.StatusAffected, r.Action, r.Comment
	case InTriage:
		st.Status, st.StatusNotes = vex.StatusUnderInvestigation, r.Comment
	default:
		st.Status, st.StatusNotes = vex.StatusFixed, r.Comment
	}
	return st
}
