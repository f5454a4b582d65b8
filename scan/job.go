package scan

import (
	"context"
	"fmt"
	"slices"

	"github.com/hallmark-dev/hallmark/match"
	"github.com/hallmark-dev/hallmark/osv"
	"github.com/hallmark-dev/hallmark/sbom"
	"github.com/hallmark-dev/hallmark/vulndb"
)

// job is the scan of one package: its targets, the IDs of its candidate advisories (sorted,
// unique) and its findings, with the fix advice and the direct dependencies that bring the
// package in. The findings are turned into reports (report.Finding, twice the size) only
// when every package is evaluated, so that a large scan holds the smaller form meanwhile.
type job struct {
	pkg      *sbom.Package
	targets  []match.Target
	ids      []string
	findings []match.Finding
	advice   string
	via      []string
}

// lookup finds the candidate advisories of the job's targets by index.
func (j *job) lookup(ctx context.Context, db *vulndb.DB, schemes match.SchemeFunc) error {
	for _, t := range j.targets {
		q := vulndb.Query{Ecosystem: t.Ecosystem, Release: t.Release, Names: []string{t.Name}, Version: t.Version, Commit: t.Commit, Repo: t.Repo}
		if s, ok := schemes(t.Ecosystem, ""); ok {
			q.Key = vulndb.KeyOf(s, t.Version)
		}
		found, err := db.Candidates(ctx, q)
		if err != nil {
			return fmt.Errorf("looking up %s: %w", j.pkg.Name, err)
		}
		j.ids = append(j.ids, found...)
	}
	slices.Sort(j.ids)
	j.ids = slices.Compact(j.ids)
	return nil
}

// evaluate decides exactly which candidates affect the package (package match) and turns them
// into findings. It only reads advisories.
func (j *job) evaluate(advisories map[string]*osv.Vulnerability, schemes match.SchemeFunc, parents map[string][]string, names map[string]string) {
	if len(j.ids) == 0 {
		return
	}
	cands := make([]*osv.Vulnerability, 0, len(j.ids))
	for _, id := range j.ids {
		if v := advisories[id]; v != nil {
			cands = append(cands, v)
		}
	}
	ms := match.Evaluate(j.pkg, cands, schemes)
	if len(ms) == 0 {
		return
	}
	j.advice = match.Advice(j.pkg, ms, schemes)
	j.via = via(j.pkg.ID, parents, names)
	j.findings = match.Group(j.pkg, ms, schemes)
}
