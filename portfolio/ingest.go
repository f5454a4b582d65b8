package portfolio

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/hallmark-dev/hallmark/match"
	"github.com/hallmark-dev/hallmark/osv"
	"github.com/hallmark-dev/hallmark/sbom"
	"github.com/hallmark-dev/hallmark/version/lookup"
)

// Limits of an upload.
const (
	// MaxComponents bounds the packages of one inventory.
	MaxComponents = 1_000_000
	// MaxEdges bounds its dependency edges.
	MaxEdges = 10_000_000
	// maxText bounds names, versions and other short strings given by callers.
	maxText = 1000
)

// Ingest stores req's inventory as an artifact (replacing the components of an artifact of the
// same team with the same digest), matches its components against the advisories, and opens
// (or resolves) findings, with events, in one transaction.
//
// The matching runs before the transaction (it only reads advisories), so the database's
// write lock is held only for the writes. The upload holds the gate (gate.go) from before the
// matching until the commit, so that a re-evaluation of an advisory stored in between waits
// and then finds this upload's components.
//
// Components are matched as package match and package scan match them; source checkouts
// by the commits a GIT range names, at upload and at re-evaluation alike.
func (p *Portfolio) Ingest(ctx context.Context, req IngestRequest) (*IngestResult, error) {
	inv := req.Inventory
	name, ver := strings.TrimSpace(req.Name), strings.TrimSpace(req.Version)
	switch {
	case inv == nil:
		return nil, fmt.Errorf("%w: no inventory", ErrInvalid)
	case req.TeamID <= 0:
		return nil, fmt.Errorf("%w: no team", ErrInvalid)
	case name == "" || len(name) > maxText:
		return nil, fmt.Errorf("%w: the artifact needs a name of at most %d bytes", ErrInvalid, maxText)
	case len(ver) > maxText || len(req.Format) > maxText:
		return nil, fmt.Errorf("%w: version or format longer than %d bytes", ErrInvalid, maxText)
	case len(inv.Packages) > MaxComponents:
		return nil, fmt.Errorf("%w: %d components (at most %d)", ErrInvalid, len(inv.Packages), MaxComponents)
	}
	digest, err := digestOf(req)
	if err != nil {
		return nil, err
	}
	schemes := match.Memo(lookup.For)
	comps, edges, err := componentsOf(inv, schemes)
	if err != nil {
		return nil, err
	}
	leave, err := p.enterUpload(ctx)
	if err != nil {
		return nil, err
	}
	defer leave()
	want, err := p.match(ctx, comps, schemes)
	if err != nil {
		return nil, err
	}
	if p.afterMatch != nil {
		p.afterMatch()
	}
	now := p.now()
	res := &IngestResult{Components: len(comps), Findings: len(want)}
	err = p.st.Transact(ctx, func(tx *sql.Tx) error {
		a := &artInfo{team: req.TeamID, name: name, version: ver, dg: digest}
		err := tx.QueryRowContext(ctx, `SELECT name FROM teams WHERE id = ?`, req.TeamID).Scan(&a.teamName)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: no team %d", ErrInvalid, req.TeamID)
		}
		if err != nil {
			return fmt.Errorf("reading the team: %w", err)
		}
		have := map[string]*stored{}
		oldVersions := map[pkgVersion]bool{}
		var created int64
		err = tx.QueryRowContext(ctx, `SELECT id, created_at FROM artifacts WHERE team_id = ? AND digest = ?`, req.TeamID, digest).Scan(&a.id, &created)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			created = now.UnixMilli()
			err = tx.QueryRowContext(ctx, `INSERT INTO artifacts (team_id, name, version, digest, format, components, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, req.TeamID, name, ver, digest, req.Format, len(comps), created, created).Scan(&a.id)
			if err != nil {
				return fmt.Errorf("storing the artifact: %w", err)
			}
		case err != nil:
			return fmt.Errorf("reading the artifact: %w", err)
		default:
			if oldVersions, err = storedVersions(ctx, tx, a.id); err != nil {
				return err
			}
			if have, err = p.replaceComponents(ctx, tx, a.id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE artifacts SET name = ?, version = ?, format = ?, components = ?, updated_at = ? WHERE id = ?`,
				name, ver, req.Format, len(comps), now.UnixMilli(), a.id); err != nil {
				return fmt.Errorf("updating the artifact: %w", err)
			}
		}
		if err := insertComponents(ctx, tx, a.id, comps, edges); err != nil {
			return err
		}
		if err := countVersions(ctx, tx, req.TeamID, oldVersions, versionsOf(comps)); err != nil {
			return err
		}
		_, err = p.apply(ctx, tx, now, map[int64]*artInfo{a.id: a}, diff{want: want, have: have, key: ingestKey(want)})
		if err != nil {
			return err
		}
		res.Artifact = Artifact{ID: a.id, Team: a.teamName, Name: name, Version: ver, Digest: digest, Format: req.Format,
			Components: len(comps), Created: msTime(created), Updated: now.UTC()}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// match finds the advisories affecting each component: candidates from the index, then package
// match's exact evaluation.
func (p *Portfolio) match(ctx context.Context, comps []*comp, schemes match.SchemeFunc) ([]found, error) {
	cands, err := p.candidates(ctx, comps)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, c := range cands {
		ids = append(ids, c...)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	advs, err := p.adv.Briefs(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("reading advisories: %w", err)
	}
	var want []found
	for i, c := range comps {
		vs := make([]*osv.Vulnerability, 0, len(cands[i]))
		for _, id := range cands[i] {
			if v := advs[id]; v != nil {
				vs = append(vs, v)
			}
		}
		want = append(want, evaluate(c, vs, schemes)...)
	}
	return want, nil
}

// digestOf applies the digest rule: the one given, else the inventory's subject's (SHA-256),
// else one derived from the document.
func digestOf(req IngestRequest) (string, error) {
	if req.Digest != "" {
		if !validDigest(req.Digest) {
			return "", fmt.Errorf("%w: digest %q is not sha256:<64 hex digits>", ErrInvalid, req.Digest)
		}
		return strings.ToLower(req.Digest), nil
	}
	for _, s := range req.Inventory.Sources {
		if s.Kind != sbom.SourceSBOM && validDigest(s.Digest) {
			return strings.ToLower(s.Digest), nil
		}
	}
	if req.Document == nil {
		return "", fmt.Errorf("%w: no digest given or recorded, and no document to derive one from", ErrInvalid)
	}
	sum := sha256.Sum256(req.Document)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

func validDigest(d string) bool {
	h, ok := strings.CutPrefix(strings.ToLower(d), "sha256:")
	if !ok || len(h) != 64 {
		return false
	}
	_, err := hex.DecodeString(h)
	return err == nil
}

// edge is a dependency edge by index into the components; parent -1 is the artifact.
type edge struct{ parent, child int }

// componentsOf converts the inventory's packages, with unique refs, and its dependency graph:
// the packages nothing depends on are the artifact's direct dependencies (edges from the
// artifact), as are those the SBOM marks direct.
func componentsOf(inv *sbom.Inventory, schemes match.SchemeFunc) ([]*comp, []edge, error) {
	comps := make([]*comp, len(inv.Packages))
	index := make(map[string]int, len(inv.Packages))
	for i, pk := range inv.Packages {
		c := componentOf(pk, schemes)
		if len(c.ref) > maxText || len(c.purl) > 4*maxText || len(c.name) > maxText || len(c.version) > maxText {
			return nil, nil, fmt.Errorf("%w: component %d: identifier, purl, name or version too long", ErrInvalid, i)
		}
		if c.ref == "" {
			c.ref = "#" + strconv.Itoa(i)
		}
		base := c.ref
		for n := 2; ; n++ {
			if _, dup := index[c.ref]; !dup {
				break
			}
			c.ref = base + "#" + strconv.Itoa(n)
		}
		index[c.ref] = i
		comps[i] = c
	}
	var edges []edge
	hasParent := make([]bool, len(comps))
	for i, pk := range inv.Packages {
		for _, d := range pk.DependsOn {
			j, ok := index[d]
			if !ok || j == i {
				continue
			}
			edges = append(edges, edge{i, j})
			hasParent[j] = true
			if len(edges) > MaxEdges {
				return nil, nil, fmt.Errorf("%w: more than %d dependency edges", ErrInvalid, MaxEdges)
			}
		}
	}
	for i, c := range comps {
		if !hasParent[i] {
			c.direct = true
		}
		if c.direct {
			edges = append(edges, edge{-1, i})
		}
	}
	return comps, edges, nil
}

// replaceComponents reads the artifact's findings (to diff against the new upload) and deletes
// its components and edges; the findings stay, without a component until the diff re-links
// them.
func (p *Portfolio) replaceComponents(ctx context.Context, tx *sql.Tx, artifactID int64) (map[string]*stored, error) {
	var have []*stored
	var refs []string
	err := queryEach(ctx, tx, `SELECT `+storedColumns+`, COALESCE(c.ref, '') FROM findings f LEFT JOIN components c ON c.id = f.component_id
		WHERE f.artifact_id = ? ORDER BY 15, f.id`, []any{artifactID}, func(r *sql.Rows) error {
		s := &stored{}
		var ref string
		err := r.Scan(&s.id, &s.componentID, &s.artifactID, &s.advisory, &s.state, &s.aliases, &s.summary, &s.severity,
			&s.score, &s.fixed, &s.purl, &s.eco, &s.pkg, &s.ver, &ref)
		have = append(have, s)
		refs = append(refs, ref)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reading the artifact's findings: %w", err)
	}
	for _, q := range []string{`DELETE FROM component_edges WHERE artifact_id = ?`, `DELETE FROM components WHERE artifact_id = ?`} {
		if _, err := tx.ExecContext(ctx, q, artifactID); err != nil {
			return nil, fmt.Errorf("replacing the artifact's components: %w", err)
		}
	}
	out := map[string]*stored{}
	seen := map[string]int{}
	for _, s := range have {
		k := findingKey(s.purl, s.eco, s.pkg, s.ver, s.advisory)
		seen[k]++
		out[k+"#"+strconv.Itoa(seen[k])] = s
	}
	return out, nil
}

// ingestKey keys the findings of an upload as replaceComponents keys the stored ones: by what
// was matched, numbered when one package occurs several times.
func ingestKey(want []found) func(*found) string {
	keys := map[*found]string{}
	order := make([]*found, len(want))
	for i := range want {
		order[i] = &want[i]
	}
	slices.SortStableFunc(order, func(a, b *found) int { return strings.Compare(a.c.ref, b.c.ref) })
	seen := map[string]int{}
	for _, f := range order {
		k := findingKey(f.c.purl, f.c.eco, f.c.name, f.c.version, f.advisory)
		seen[k]++
		keys[f] = k + "#" + strconv.Itoa(seen[k])
	}
	return func(f *found) string { return keys[f] }
}

func findingKey(purl, eco, name, version, advisory string) string {
	return strings.Join([]string{purl, eco, name, version, advisory}, "\x00")
}

// insertComponents stores the components (setting their IDs) and edges of an artifact.
func insertComponents(ctx context.Context, tx *sql.Tx, artifactID int64, comps []*comp, edges []edge) error {
	const cols = 16
	args := make([]any, 0, len(comps)*cols)
	byRef := make(map[string]*comp, len(comps))
	for _, c := range comps {
		c.artifactID = artifactID
		byRef[c.ref] = c
		direct := 0
		if c.direct {
			direct = 1
		}
		args = append(args, artifactID, c.ref, c.purl, c.typ, c.eco, c.release, c.name, c.sourceName, c.sourceVersion, c.version,
			nullBytes(c.vkey), nullBytes(c.sourceVKey), c.vcsURL, c.vcsRevision, direct, strings.Join(c.locations, "\n"))
	}
	err := insertRows(ctx, tx, `INSERT INTO components (artifact_id, ref, purl, type, ecosystem, release, name, source_name, source_version,
		version, vkey, source_vkey, vcs_url, vcs_revision, direct, locations) VALUES `, cols, ` RETURNING id, ref`, args, func(r *sql.Rows) error {
		var id int64
		var ref string
		if err := r.Scan(&id, &ref); err != nil {
			return err
		}
		if c := byRef[ref]; c != nil {
			c.id = id
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("storing components: %w", err)
	}
	args = make([]any, 0, len(edges)*3)
	for _, e := range edges {
		var parent any
		if e.parent >= 0 {
			parent = comps[e.parent].id
		}
		args = append(args, artifactID, parent, comps[e.child].id)
	}
	if err := insertRows(ctx, tx, `INSERT INTO component_edges (artifact_id, parent_id, child_id) VALUES `, 3, ``, args, nil); err != nil {
		return fmt.Errorf("storing dependency edges: %w", err)
	}
	return nil
}
