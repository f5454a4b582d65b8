package portfolio

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"

	"github.com/hallmark-dev/hallmark/match"
	"github.com/hallmark-dev/hallmark/osv"
	"github.com/hallmark-dev/hallmark/sbom"
	"github.com/hallmark-dev/hallmark/version/lookup"
)

// reevalBatch is how many advisories one re-evaluation transaction covers.
const reevalBatch = 1000

// Reevaluate re-matches the components affected by the given advisories (before or after
// their change: findings of these advisories that no longer match are resolved) and writes
// the resulting events.
//
// The components are found by range scans of the advisories' index rows over the components'
// version keys, plus those with an open finding of these advisories; only they are read and
// evaluated (package match), and only their findings of these advisories are diffed.
//
// Artifacts are written in batches of their own transactions, so an error can leave part of
// the work done: running the same advisories again completes it. The server goes through
// the queue instead (ReevaluateNow, RunQueue), which does that by itself.
func (p *Portfolio) Reevaluate(ctx context.Context, advisoryIDs []string) (*ReevalStats, error) {
	total := &ReevalStats{}
	err := chunks(cleanIDs(advisoryIDs), reevalBatch, func(part []string) error {
		st, err := p.reevaluate(ctx, part)
		if err != nil {
			return err
		}
		total.add(st)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return total, nil
}

func (p *Portfolio) reevaluate(ctx context.Context, ids []string) (*ReevalStats, error) {
	// Uploads that matched before these advisories were stored must have committed before
	// the range scans look for their components (gate.go).
	if err := p.passGate(ctx); err != nil {
		return nil, err
	}
	schemes := match.Memo(lookup.For)
	aff, err := p.affectedComponents(ctx, ids, true)
	if err != nil {
		return nil, err
	}
	comps := aff.comps
	st := &ReevalStats{Advisories: len(ids), Components: len(comps)}
	want := aff.evaluate(schemes)
	byArt := map[int64][]int64{} // component IDs by artifact
	for _, c := range comps {
		byArt[c.artifactID] = append(byArt[c.artifactID], c.id)
	}
	wantByArt := map[int64][]found{}
	for _, f := range want {
		wantByArt[f.c.artifactID] = append(wantByArt[f.c.artifactID], f)
	}
	st.Artifacts = len(byArt)
	// Artifacts are diffed in batches, each in its own transaction, so that the first events
	// are committed (and delivered) while later batches are written; an interruption leaves
	// the advisories queued, and running them again writes only what is missing.
	arts := sortedKeys(boolSet(byArt))
	for len(arts) > 0 {
		n := min(len(arts), reevalArtifacts)
		batch := arts[:n]
		arts = arts[n:]
		var compIDs []int64
		var bw []found
		for _, a := range batch {
			compIDs = append(compIDs, byArt[a]...)
			bw = append(bw, wantByArt[a]...)
		}
		ch, err := p.applyReeval(ctx, ids, batch, compIDs, bw)
		if err != nil {
			return nil, err
		}
		st.Opened += ch.opened
		st.Resolved += ch.resolved
		if ch.opened+ch.resolved > 0 && p.onEvents != nil {
			p.onEvents() // deliver this batch's events while the next is written
		}
	}
	return st, nil
}

// reevalArtifacts is how many artifacts one re-evaluation transaction diffs.
const reevalArtifacts = 500

// applyReeval diffs, in one transaction, the findings of the advisories ids on the components
// compIDs of the artifacts arts against want, the matches found for them.
func (p *Portfolio) applyReeval(ctx context.Context, ids []string, arts, compIDs []int64, want []found) (*changes, error) {
	var ch *changes
	err := p.st.Transact(ctx, func(tx *sql.Tx) error {
		// Components an upload replaced since they were read are gone: no finding for them.
		live := map[int64]bool{}
		err := chunks(compIDs, maxIn, func(part []int64) error {
			return queryEach(ctx, tx, `SELECT id FROM components WHERE id IN (`+marks(len(part))+`)`, anys(part), func(r *sql.Rows) error {
				var id int64
				if err := r.Scan(&id); err != nil {
					return err
				}
				live[id] = true
				return nil
			})
		})
		if err != nil {
			return fmt.Errorf("reading components: %w", err)
		}
		cur := slices.DeleteFunc(slices.Clone(want), func(f found) bool { return !live[f.c.id] })
		have := map[string]*stored{}
		err = chunks(compIDs, maxIn, func(part []int64) error {
			return chunks(ids, maxIn, func(advPart []string) error {
				q := `SELECT ` + storedColumns + ` FROM findings f WHERE f.component_id IN (` + marks(len(part)) + `) AND f.advisory_id IN (` + marks(len(advPart)) + `)`
				return queryEach(ctx, tx, q, append(anys(part), anys(advPart)...), func(r *sql.Rows) error {
					s, err := scanStored(r)
					if err != nil {
						return err
					}
					have[reevalKey(s.componentID.Int64, s.advisory)] = s
					return nil
				})
			})
		})
		if err != nil {
			return fmt.Errorf("reading findings: %w", err)
		}
		info, err := artInfos(ctx, tx, arts)
		if err != nil {
			return err
		}
		ch, err = p.apply(ctx, tx, p.now(), info, diff{want: cur, have: have, key: func(f *found) string { return reevalKey(f.c.id, f.advisory) }})
		return err
	})
	if err != nil {
		return nil, err
	}
	return ch, nil
}

func reevalKey(component int64, advisory string) string {
	return strconv.FormatInt(component, 10) + "\x00" + advisory
}

func sortedKeys(m map[int64]bool) []int64 {
	out := make([]int64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// affected is what the range scans found for some advisories: the components, and for
// each the advisories that may affect it (those whose index rows name its package or source
// package, and those it has an open finding of), for package match to decide.
type affected struct {
	comps []*comp
	cands map[int64][]*osv.Vulnerability // by component ID
}

// evaluate decides each component against its candidates.
func (a *affected) evaluate(schemes match.SchemeFunc) []found {
	var out []found
	for _, c := range a.comps {
		out = append(out, evaluate(c, a.cands[c.id], schemes)...)
	}
	return out
}

// affectedComponents finds the components the advisories' index rows reach by range scans
// (with open, also those having an open finding of one of them) and their candidates among
// the advisories that are stored (withdrawn ones match nothing; missing ones are left out).
func (p *Portfolio) affectedComponents(ctx context.Context, ids []string, open bool) (*affected, error) {
	byID, err := p.adv.Briefs(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("reading advisories: %w", err)
	}
	rows, err := p.affectedRows(ctx, ids)
	if err != nil {
		return nil, err
	}
	type pkgKey struct{ eco, name string }
	byName := map[pkgKey]map[string]bool{}
	for _, r := range rows {
		k := pkgKey{r.eco, r.name}
		if byName[k] == nil {
			byName[k] = map[string]bool{}
		}
		byName[k][r.advisory] = true
	}
	found, err := p.scanComponents(ctx, rows)
	if err != nil {
		return nil, err
	}
	byCommit, err := p.scanCommits(ctx, ids, found)
	if err != nil {
		return nil, err
	}
	missing := map[int64]bool{}
	openOf := map[int64][]string{}
	if open {
		err := chunks(ids, maxIn, func(part []string) error {
			return queryEach(ctx, p.st.SQL(), `SELECT component_id, advisory_id FROM findings WHERE advisory_id IN (`+marks(len(part))+`)
				AND state = 'open' AND component_id IS NOT NULL`, anys(part), func(r *sql.Rows) error {
				var id int64
				var adv string
				if err := r.Scan(&id, &adv); err != nil {
					return err
				}
				if found[id] == nil {
					missing[id] = true
				}
				openOf[id] = append(openOf[id], adv)
				return nil
			})
		})
		if err != nil {
			return nil, fmt.Errorf("reading open findings: %w", err)
		}
	}
	// Components with an open finding that the scans did not reach (the advisory no
	// longer names their version) are read by ID.
	comps, err := p.loadComponents(ctx, p.st.SQL(), sortedKeys(missing))
	if err != nil {
		return nil, err
	}
	for _, c := range found {
		comps = append(comps, c)
	}
	slices.SortFunc(comps, func(a, b *comp) int { return cmp.Compare(a.id, b.id) })
	out := &affected{comps: comps, cands: make(map[int64][]*osv.Vulnerability, len(comps))}
	for _, c := range comps {
		cand := map[string]bool{}
		names := []string{c.name, c.sourceName}
		if c.eco == sbom.EcosystemGo && c.name == "stdlib" {
			names = append(names, "toolchain")
		}
		for _, n := range names {
			for id := range byName[pkgKey{c.eco, n}] {
				cand[id] = true
			}
		}
		for _, id := range openOf[c.id] {
			cand[id] = true
		}
		for _, id := range byCommit[c.id] {
			cand[id] = true
		}
		var vs []*osv.Vulnerability
		for id := range cand {
			if v := byID[id]; v != nil {
				vs = append(vs, v)
			}
		}
		slices.SortFunc(vs, func(a, b *osv.Vulnerability) int { return cmp.Compare(a.ID, b.ID) })
		out.cands[c.id] = vs
	}
	return out, nil
}

// scanCommits adds to found the source checkouts whose commit a GIT range of the advisories
// names as affected, in the same repository, and returns those advisories by component ID
// (package match then decides, as at upload).
func (p *Portfolio) scanCommits(ctx context.Context, ids []string, found map[int64]*comp) (map[int64][]string, error) {
	type gitRow struct{ advisory, repo string }
	byRev := map[string][]gitRow{}
	err := chunks(ids, maxIn, func(part []string) error {
		return queryEach(ctx, p.st.SQL(), `SELECT advisory_id, version, repo FROM affected WHERE advisory_id IN (`+marks(len(part))+`) AND kind = 'git'`,
			anys(part), func(r *sql.Rows) error {
				var adv, commit string
				var repo sql.NullString
				if err := r.Scan(&adv, &commit, &repo); err != nil {
					return err
				}
				byRev[commit] = append(byRev[commit], gitRow{adv, repo.String})
				return nil
			})
	})
	if err != nil || len(byRev) == 0 {
		return nil, err
	}
	revs := make([]string, 0, len(byRev))
	for c := range byRev {
		revs = append(revs, c)
	}
	slices.Sort(revs)
	out := map[int64][]string{}
	err = chunks(revs, maxIn, func(part []string) error {
		return queryEach(ctx, p.st.SQL(), `SELECT `+compColumns+` FROM components c WHERE c.vcs_revision IN (`+marks(len(part))+`) AND c.vcs_revision <> ''`,
			anys(part), func(r *sql.Rows) error {
				c, err := scanComp(r)
				if err != nil {
					return err
				}
				repo := match.NormalizeRepo(c.vcsURL)
				for _, g := range byRev[c.vcsRevision] {
					if g.repo == repo {
						out[c.id] = append(out[c.id], g.advisory)
					}
				}
				if len(out[c.id]) > 0 && found[c.id] == nil {
					found[c.id] = c
				}
				return nil
			})
	})
	if err != nil {
		return nil, fmt.Errorf("scanning source checkouts: %w", err)
	}
	return out, nil
}
