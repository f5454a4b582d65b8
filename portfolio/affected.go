package portfolio

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/hallmark-dev/hallmark/match"
	"github.com/hallmark-dev/hallmark/version/lookup"
)

// maxGroup bounds the advisories of one alias group that AffectedBy looks at.
const maxGroup = 1000

// AffectedBy answers which artifacts in scope contain components affected by the advisory id
// (or an advisory with that alias), and where they are deployed now; ErrNotFound when no
// advisory has that ID or alias.
//
// The components come from range scans of the advisories' index rows over the stored version
// keys, each decided exactly by package match: the answer holds as soon as an advisory is
// imported, before any re-evaluation.
func (p *Portfolio) AffectedBy(ctx context.Context, sc Scope, id string) (*Affected, error) {
	if id == "" || len(id) > maxText {
		return nil, fmt.Errorf("%w: advisory ID", ErrInvalid)
	}
	ids, err := p.aliasGroup(ctx, id)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("advisory %s: %w", id, ErrNotFound)
	}
	aff, err := p.affectedComponents(ctx, ids, false)
	if err != nil {
		return nil, err
	}
	byArt := map[int64][]Component{}
	seen := map[int64]bool{}
	for _, f := range aff.evaluate(match.Memo(lookup.For)) {
		if c := f.c; !seen[c.id] {
			seen[c.id] = true
			byArt[c.artifactID] = append(byArt[c.artifactID], c.public())
		}
	}
	out := &Affected{Advisory: id, IDs: ids, Artifacts: []AffectedArtifact{}, Deployments: []Deployment{}}
	cond, scopeArgs := scopeSQL(sc, "team_id")
	var inScope []int64
	err = chunks(sortedKeys(boolSet(byArt)), maxIn, func(part []int64) error {
		return queryEach(ctx, p.st.SQL(), `SELECT id, name, version, digest FROM artifacts WHERE id IN (`+marks(len(part))+`) AND `+cond,
			append(anys(part), scopeArgs...), func(r *sql.Rows) error {
				var a AffectedArtifact
				if err := r.Scan(&a.ID, &a.Name, &a.Version, &a.Digest); err != nil {
					return err
				}
				a.Components = byArt[a.ID]
				out.Artifacts = append(out.Artifacts, a)
				inScope = append(inScope, a.ID)
				return nil
			})
	})
	if err != nil {
		return nil, fmt.Errorf("reading affected artifacts: %w", err)
	}
	slices.SortFunc(out.Artifacts, func(a, b AffectedArtifact) int { return cmp.Compare(a.ID, b.ID) })
	if out.Deployments, err = currentDeployments(ctx, p.st.SQL(), inScope); err != nil {
		return nil, err
	}
	return out, nil
}

func boolSet[V any](m map[int64]V) map[int64]bool {
	out := make(map[int64]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

// aliasGroup returns the IDs of the advisories with ID or alias id, and of those sharing an
// alias or upstream ID with them (vulndb's alias group), sorted.
func (p *Portfolio) aliasGroup(ctx context.Context, id string) ([]string, error) {
	var direct []string
	// Every advisory is an alias of itself in advisory_aliases.
	err := queryEach(ctx, p.st.SQL(), `SELECT DISTINCT advisory_id FROM advisory_aliases WHERE alias = ? ORDER BY 1 LIMIT ?`,
		[]any{id, maxGroup}, func(r *sql.Rows) error {
			var s string
			if err := r.Scan(&s); err != nil {
				return err
			}
			direct = append(direct, s)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("looking up advisory %s: %w", id, err)
	}
	var out []string
	for _, d := range direct {
		g, err := p.adv.AliasGroup(ctx, d)
		if err != nil {
			return nil, fmt.Errorf("looking up advisory %s: %w", id, err)
		}
		out = append(out, d)
		out = append(out, g...)
		if len(out) > maxGroup {
			break
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}
