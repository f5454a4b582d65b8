package portfolio

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/hallmark-dev/hallmark/sbom"
)

// Bounds of Paths.
const (
	// DefaultPaths and MaxPaths bound the paths returned.
	DefaultPaths = 20
	MaxPaths     = 500
	// maxPathLen bounds the components of one path.
	maxPathLen = 64
	// maxAncestors bounds the components the walk up from the targets visits.
	maxAncestors = 200_000
	// maxSteps bounds the steps of the walk down that enumerates paths (it only enters
	// components that lead to a target, so on an acyclic graph every few steps yield a path).
	maxSteps = 1_000_000
	// maxTargets bounds the components one purl may name in an artifact.
	maxTargets = 1000
)

// Paths returns every dependency path from the artifact to the components with the given
// purl (with or without version), each path listing components from a direct dependency to
// the component; at most limit paths (0 means 20; at most 500), found depth first in component
// ID order. The walk reads only the components from which a target
// can be reached (up the edges from the targets), so its work is bounded by the paths it
// returns, not by the number of paths in the graph (exponential in a chain of diamonds).
func (p *Portfolio) Paths(ctx context.Context, sc Scope, artifactID int64, purl string, limit int) ([][]Component, error) {
	if err := p.inScope(ctx, sc, artifactID); err != nil {
		return nil, err
	}
	switch {
	case limit <= 0:
		limit = DefaultPaths
	case limit > MaxPaths:
		limit = MaxPaths
	}
	u, err := sbom.ParsePURL(purl)
	if err != nil || len(purl) > 4*maxText {
		return nil, fmt.Errorf("%w: package URL %q", ErrInvalid, purl)
	}
	db := p.st.SQL()
	var targets []int64
	pattern := likeEscape(purl) + "@%"
	if u.Version != "" {
		pattern = likeEscape(purl) + "?%"
	}
	err = queryEach(ctx, db, `SELECT id FROM components WHERE artifact_id = ? AND (purl = ? OR purl LIKE ? ESCAPE '\') ORDER BY id LIMIT ?`,
		[]any{artifactID, purl, pattern, maxTargets}, func(r *sql.Rows) error {
			var id int64
			err := r.Scan(&id)
			targets = append(targets, id)
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("finding %s: %w", purl, err)
	}
	g, err := ancestors(ctx, db, targets)
	if err != nil {
		return nil, err
	}
	idPaths, _ := g.paths(targets, limit)
	var ids []int64
	for _, ip := range idPaths {
		ids = append(ids, ip...)
	}
	slices.Sort(ids)
	comps, err := p.loadComponents(ctx, db, slices.Compact(ids))
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]Component, len(comps))
	for _, c := range comps {
		byID[c.id] = c.public()
	}
	out := make([][]Component, 0, len(idPaths))
	for _, ip := range idPaths {
		path := make([]Component, len(ip))
		for i, id := range ip {
			path[i] = byID[id]
		}
		out = append(out, path)
	}
	return out, nil
}

// graph is the part of a dependency graph above some components: children lists, for each
// component that leads to a target, its children that do too; roots are the artifact's direct
// dependencies among them.
type graph struct {
	children map[int64][]int64
	roots    []int64
	// dist is each component's distance to the nearest target, in edges (the walk up is
	// breadth first); nil means unknown, and the walk down then prunes only by length.
	dist map[int64]int
}

// ancestors walks up the edges from targets, breadth first, a batch of components per query.
func ancestors(ctx context.Context, q querier, targets []int64) (*graph, error) {
	g := &graph{children: map[int64][]int64{}, dist: map[int64]int{}}
	seen := map[int64]bool{}
	frontier := slices.Clone(targets)
	for _, t := range targets {
		seen[t] = true
		g.dist[t] = 0
	}
	for level := 1; len(frontier) > 0 && len(seen) <= maxAncestors; level++ {
		var next []int64
		err := chunks(frontier, maxIn, func(part []int64) error {
			return queryEach(ctx, q, `SELECT parent_id, child_id FROM component_edges WHERE child_id IN (`+marks(len(part))+`)`, anys(part), func(r *sql.Rows) error {
				var parent sql.NullInt64
				var child int64
				if err := r.Scan(&parent, &child); err != nil {
					return err
				}
				if !parent.Valid {
					g.roots = append(g.roots, child)
					return nil
				}
				g.children[parent.Int64] = append(g.children[parent.Int64], child)
				if !seen[parent.Int64] {
					seen[parent.Int64] = true
					g.dist[parent.Int64] = level
					next = append(next, parent.Int64)
				}
				return nil
			})
		})
		if err != nil {
			return nil, fmt.Errorf("walking the dependency graph: %w", err)
		}
		frontier = next
	}
	slices.Sort(g.roots)
	g.roots = slices.Compact(g.roots)
	for k, v := range g.children {
		slices.Sort(v)
		g.children[k] = slices.Compact(v)
	}
	return g, nil
}

// paths enumerates up to limit simple paths from a root to a target, depth first, and
// returns them with the number of steps taken. It enters a component only when a path through
// it can still end at a target within maxPathLen, so on an acyclic graph every component it
// enters yields a path: the steps grow with the paths returned, not with the graph's paths.
func (g *graph) paths(targets []int64, limit int) ([][]int64, int) {
	isTarget := map[int64]bool{}
	for _, t := range targets {
		isTarget[t] = true
	}
	var out [][]int64
	var path []int64
	onPath := map[int64]bool{}
	steps := 0
	var walk func(n int64)
	walk = func(n int64) {
		steps++
		d, known := g.dist[n]
		if !known && g.dist != nil {
			return // a component the walk up did not reach (past maxAncestors)
		}
		if len(out) >= limit || steps > maxSteps || onPath[n] || len(path)+1+d > maxPathLen {
			return // (a path through n would be longer than maxPathLen)
		}
		path = append(path, n)
		onPath[n] = true
		if isTarget[n] {
			out = append(out, slices.Clone(path))
		}
		for _, c := range g.children[n] {
			walk(c)
		}
		onPath[n] = false
		path = path[:len(path)-1]
	}
	for _, r := range g.roots {
		walk(r)
	}
	return out, steps
}
