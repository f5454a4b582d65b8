// Package scan is the vulnerability-scan engine: for every package of an inventory it asks
// the advisory database for candidates by index (vulndb), decides exactly with package match,
// merges advisories into findings, applies ignore rules, and returns a report.Result for the
// output handlers.
package scan

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/hallmark-dev/hallmark/match"
	"github.com/hallmark-dev/hallmark/report"
	"github.com/hallmark-dev/hallmark/sbom"
	"github.com/hallmark-dev/hallmark/vulndb"
)

// Options configure a scan.
type Options struct {
	Schemes match.SchemeFunc
	// Ignores are the ignore rules (may be nil).
	Ignores *IgnoreFile
	// Now decides which ignore entries have expired.
	Now  time.Time
	Tool report.Tool
}

// Run scans inv against db.
func Run(ctx context.Context, inv *sbom.Inventory, db *vulndb.DB, opts Options) (*report.Result, error) {
	st, err := db.Summary(ctx)
	if err != nil {
		return nil, err
	}
	res := &report.Result{
		Schema:    report.Schema,
		Tool:      opts.Tool,
		Created:   opts.Now.UTC().Truncate(time.Second),
		Database:  report.Database{Path: st.Path, Advisories: st.Advisories, LastUpdate: st.LastUpdate},
		Errors:    inv.Errors,
		Inventory: inv,
		Findings:  []report.Finding{},
	}
	for _, s := range inv.Sources {
		res.Targets = append(res.Targets, report.Target{Name: s.Name, Kind: string(s.Kind), Digest: s.Digest})
	}
	parents := parentsOf(inv)
	names := map[string]string{}
	for _, p := range inv.Packages {
		names[p.ID] = p.Name + "@" + p.Version
		if p.Version == "" {
			names[p.ID] = p.Name
		}
	}
	// What to look up: the targets of each package that has any.
	var jobs []*job
	for _, p := range inv.Packages {
		if p.Type == sbom.TypeOS {
			continue // the distribution itself: its packages carry the advisories
		}
		targets := match.TargetsOf(p)
		if len(targets) == 0 {
			if reason := unmatchedReason(p); reason != "" {
				res.Unmatched = append(res.Unmatched, report.Unmatched{Package: pkgOf(p), Reason: reason})
			}
			continue
		}
		jobs = append(jobs, &job{pkg: p, targets: targets})
	}
	// The candidates of every package (index lookups), then the packages evaluated exactly
	// window by window (see window): the lookups and the evaluation run on all cores, each
	// worker with its own memo of parsed versions.
	w := newWorkers(opts.Schemes)
	// Looked up in index order, so that neighbouring lookups (binary packages of one source
	// package, say) read the same index pages; evaluated in the same order, so that the
	// packages of one name, which share their advisories, mostly fall in one window (an
	// advisory that two windows need is read by both).
	order := slices.Clone(jobs)
	slices.SortStableFunc(order, func(a, b *job) int {
		return cmp.Or(strings.Compare(a.targets[0].Ecosystem, b.targets[0].Ecosystem), strings.Compare(a.targets[0].Name, b.targets[0].Name))
	})
	err = w.each(ctx, len(order), func(i int, schemes match.SchemeFunc) error {
		return order[i].lookup(ctx, db, schemes)
	})
	if err != nil {
		return nil, err
	}
	for lo := 0; lo < len(order); {
		hi := window(order, lo)
		if err := evaluateWindow(ctx, db, w, order[lo:hi], parents, names); err != nil {
			return nil, err
		}
		lo = hi
	}
	// The findings in the inventory's order, which the sort below keeps among equals.
	n := 0
	for _, j := range jobs {
		n += len(j.findings)
	}
	res.Findings = slices.Grow(res.Findings, n)
	for _, j := range jobs {
		for _, f := range j.findings {
			rf := findingOf(j.pkg, f, j.advice, j.via)
			if ig := opts.Ignores.match(rf, opts.Now); ig != nil {
				rf.Ignored = ig
			}
			res.Findings = append(res.Findings, rf)
		}
		j.findings = nil
	}
	if opts.Ignores != nil {
		res.ExpiredIgnores = opts.Ignores.expired(opts.Now)
	}
	slices.SortStableFunc(res.Findings, func(a, b report.Finding) int {
		if c := report.LevelRank(b.Severity.Level) - report.LevelRank(a.Severity.Level); c != 0 {
			return c
		}
		if c := strings.Compare(a.Package.Name, b.Package.Name); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return res, nil
}

// windowAdvisories is about how many candidate advisories one window of a scan reads and
// holds at a time. A 10,000-package SBOM against a database at public-OSV scale has some
// 30,000 candidates (25 MB decoded); a window holds a few MB, and its lookups still fill
// every core (vulndb reads briefs in batches of 500).
var windowAdvisories = 4000 // lowered by tests

// window returns the end of the window of jobs that starts at lo: the jobs from lo whose
// candidates add up to about windowAdvisories (at least one job).
func window(jobs []*job, lo int) int {
	n := 0
	hi := lo
	for hi < len(jobs) && (hi == lo || n+len(jobs[hi].ids) <= windowAdvisories) {
		n += len(jobs[hi].ids)
		hi++
	}
	return hi
}

// evaluateWindow reads the candidate advisories of a window of jobs (each once, in sorted
// batches) and evaluates the jobs; the advisories are dropped when it returns.
func evaluateWindow(ctx context.Context, db *vulndb.DB, w *workers, jobs []*job, parents map[string][]string, names map[string]string) error {
	var ids []string
	for _, j := range jobs {
		ids = append(ids, j.ids...)
	}
	if len(ids) == 0 {
		return nil
	}
	advisories, err := db.Briefs(ctx, ids)
	if err != nil {
		return err
	}
	return w.each(ctx, len(jobs), func(i int, schemes match.SchemeFunc) error {
		jobs[i].evaluate(advisories, schemes, parents, names)
		return nil
	})
}

// unmatchedReason says why a package with nothing to look up cannot be checked, or "" when
// it needs no checking (the project itself).
func unmatchedReason(p *sbom.Package) string {
	switch {
	case p.Properties[sbom.PropUnmatched] != "":
		return p.Properties[sbom.PropUnmatched] // the cataloger's reason
	case p.Type == sbom.TypeApplication && p.Version == "":
		return "" // the project itself
	case p.Unresolved:
		return "no exact version (unpinned requirement " + strings.TrimSpace(p.Constraint) + ")"
	case p.Ecosystem == "":
		return "no ecosystem"
	case p.Version == "":
		return "no version"
	}
	return ""
}

func pkgOf(p *sbom.Package) report.Package {
	return report.Package{Ecosystem: p.Ecosystem, Name: p.Name, Version: p.Version, PURL: p.PURL, Ref: p.ID}
}

// findingOf returns the report of finding f of package p, which is reached via the given
// direct dependencies (shared by the package's findings, read only).
func findingOf(p *sbom.Package, f match.Finding, advice string, via []string) report.Finding {
	rf := report.Finding{
		ID:            f.ID,
		Advisories:    f.Advisories,
		Aliases:       f.Aliases,
		Summary:       f.Summary,
		Package:       pkgOf(p),
		Locations:     p.Locations,
		Relation:      string(p.Relation),
		Scope:         string(p.Scope),
		Via:           via,
		Severity:      report.Severity{Level: f.Severity.Level.String(), Score: f.Severity.Score, Type: f.Severity.Type, Vector: f.Severity.Vector},
		FixedVersions: f.Fixed,
		Advice:        advice,
		Modified:      f.Modified,
		URL:           "https://osv.dev/vulnerability/" + f.ID,
	}
	if rf.Aliases == nil {
		rf.Aliases = []string{}
	}
	if rf.FixedVersions == nil {
		rf.FixedVersions = []string{}
	}
	if rf.Locations == nil {
		rf.Locations = []sbom.Location{}
	}
	return rf
}

// parentsOf maps each package ID to the IDs of the packages that depend on it.
func parentsOf(inv *sbom.Inventory) map[string][]string {
	m := map[string][]string{}
	for _, p := range inv.Packages {
		for _, d := range p.DependsOn {
			m[d] = append(m[d], p.ID)
		}
	}
	return m
}

// via returns the direct dependencies through which id is reached: walking up the dependency
// graph, the packages one of whose parents is a root (a package nothing depends on, such as
// the project itself). A direct dependency, or a package outside any recorded graph, gives
// none. The walk is bounded on large graphs.
func via(id string, parents map[string][]string, names map[string]string) []string {
	const maxSteps = 10000
	seen := map[string]bool{id: true}
	queue := []string{id}
	var out []string
	for steps := 0; len(queue) > 0 && steps < maxSteps; steps++ {
		cur := queue[0]
		queue = queue[1:]
		for _, p := range parents[cur] {
			if len(parents[p]) == 0 && cur != id {
				// p is a root: cur is a direct dependency.
				out = append(out, names[cur])
				continue
			}
			if !seen[p] {
				seen[p] = true
				queue = append(queue, p)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
