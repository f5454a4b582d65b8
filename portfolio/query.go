package portfolio

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

func msTime(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// artifactColumns are the columns scanArtifact reads, for tables a (artifacts) and t (teams).
const artifactColumns = `a.id, t.name, a.name, a.version, a.digest, a.format, a.components, a.created_at, a.updated_at`

func scanArtifact(r interface{ Scan(...any) error }) (*Artifact, error) {
	a := &Artifact{}
	var created, updated int64
	if err := r.Scan(&a.ID, &a.Team, &a.Name, &a.Version, &a.Digest, &a.Format, &a.Components, &created, &updated); err != nil {
		return nil, err
	}
	a.Created, a.Updated = msTime(created), msTime(updated)
	return a, nil
}

// severities are the levels counted, highest first.
var severities = []string{"critical", "high", "medium", "low", "unknown"}

func zeroCounts() map[string]int {
	m := make(map[string]int, len(severities))
	for _, s := range severities {
		m[s] = 0
	}
	return m
}

// countLevel adds n findings of level s (anything else counts as unknown).
func countLevel(m map[string]int, s string, n int) {
	if _, ok := m[s]; !ok {
		s = "unknown"
	}
	m[s] += n
}

// Artifacts lists the artifacts in scope whose name contains search ("" for all, compared
// without case), by ID.
func (p *Portfolio) Artifacts(ctx context.Context, sc Scope, search string, pg Page) (items []Artifact, next string, err error) {
	after, err := decodeCursor(pg.After)
	if err != nil {
		return nil, "", err
	}
	if len(search) > maxText {
		return nil, "", fmt.Errorf("%w: search longer than %d bytes", ErrInvalid, maxText)
	}
	limit := limitOf(pg)
	cond, args := scopeSQL(sc, "a.team_id")
	q := `SELECT ` + artifactColumns + ` FROM artifacts a JOIN teams t ON t.id = a.team_id WHERE ` + cond + ` AND a.id > ?`
	args = append(args, after)
	if search != "" {
		q += ` AND LOWER(a.name) LIKE ? ESCAPE '\'`
		args = append(args, "%"+likeEscape(strings.ToLower(search))+"%")
	}
	q += ` ORDER BY a.id LIMIT ?`
	args = append(args, limit+1)
	err = queryEach(ctx, p.st.SQL(), q, args, func(r *sql.Rows) error {
		a, err := scanArtifact(r)
		if err != nil {
			return err
		}
		items = append(items, *a)
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("listing artifacts: %w", err)
	}
	items, next = pageOf(items, limit, func(x Artifact) int64 { return x.ID })
	if err := p.openCounts(ctx, items); err != nil {
		return nil, "", err
	}
	return items, next, nil
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// openCounts fills in the open findings by severity of each artifact.
func (p *Portfolio) openCounts(ctx context.Context, items []Artifact) error {
	idx := map[int64]int{}
	ids := make([]int64, len(items))
	for i := range items {
		items[i].Open = zeroCounts()
		idx[items[i].ID] = i
		ids[i] = items[i].ID
	}
	err := chunks(ids, maxIn, func(part []int64) error {
		return queryEach(ctx, p.st.SQL(), `SELECT artifact_id, severity, COUNT(*) FROM findings WHERE artifact_id IN (`+marks(len(part))+`)
			AND state = 'open' GROUP BY artifact_id, severity`, anys(part), func(r *sql.Rows) error {
			var id int64
			var sev string
			var n int
			if err := r.Scan(&id, &sev, &n); err != nil {
				return err
			}
			countLevel(items[idx[id]].Open, sev, n)
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("counting findings: %w", err)
	}
	return nil
}

// Artifact returns one artifact; ErrNotFound when it is not in scope.
func (p *Portfolio) Artifact(ctx context.Context, sc Scope, id int64) (*Artifact, error) {
	cond, args := scopeSQL(sc, "a.team_id")
	row := p.st.SQL().QueryRowContext(ctx, `SELECT `+artifactColumns+` FROM artifacts a JOIN teams t ON t.id = a.team_id
		WHERE a.id = ? AND `+cond, append([]any{id}, args...)...)
	a, err := scanArtifact(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("artifact %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("reading artifact %d: %w", id, err)
	}
	items := []Artifact{*a}
	if err := p.openCounts(ctx, items); err != nil {
		return nil, err
	}
	return &items[0], nil
}

// inScope returns ErrNotFound unless the artifact exists in scope.
func (p *Portfolio) inScope(ctx context.Context, sc Scope, id int64) error {
	cond, args := scopeSQL(sc, "team_id")
	var one int
	err := p.st.SQL().QueryRowContext(ctx, `SELECT 1 FROM artifacts WHERE id = ? AND `+cond, append([]any{id}, args...)...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("artifact %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("reading artifact %d: %w", id, err)
	}
	return nil
}

// Findings lists an artifact's findings, by ID.
func (p *Portfolio) Findings(ctx context.Context, sc Scope, artifactID int64, q FindingQuery) (items []Finding, next string, err error) {
	after, err := decodeCursor(q.After)
	if err != nil {
		return nil, "", err
	}
	state := q.State
	switch state {
	case "":
		state = "open"
	case "open", "resolved", "all":
	default:
		return nil, "", fmt.Errorf("%w: state %q (want open, resolved or all)", ErrInvalid, q.State)
	}
	if err := p.inScope(ctx, sc, artifactID); err != nil {
		return nil, "", err
	}
	limit := limitOf(q.Page)
	query := `SELECT ` + storedColumns + `, f.opened_at, f.resolved_at, COALESCE(c.ref, ''), COALESCE(c.direct, 0), COALESCE(c.locations, '')
		FROM findings f LEFT JOIN components c ON c.id = f.component_id WHERE f.artifact_id = ? AND f.id > ?`
	args := []any{artifactID, after}
	if state != "all" {
		query += ` AND f.state = ?`
		args = append(args, state)
	}
	query += ` ORDER BY f.id LIMIT ?`
	args = append(args, limit+1)
	err = queryEach(ctx, p.st.SQL(), query, args, func(r *sql.Rows) error {
		var s stored
		var opened int64
		var resolved sql.NullInt64
		var ref, locs string
		var direct int64
		err := r.Scan(&s.id, &s.componentID, &s.artifactID, &s.advisory, &s.state, &s.aliases, &s.summary, &s.severity,
			&s.score, &s.fixed, &s.purl, &s.eco, &s.pkg, &s.ver, &opened, &resolved, &ref, &direct, &locs)
		if err != nil {
			return err
		}
		f := Finding{ID: s.id, ArtifactID: s.artifactID, Advisory: s.advisory, Aliases: parseList(s.aliases), Summary: s.summary,
			Severity: s.severity, Fixed: parseList(s.fixed), State: s.state, Opened: msTime(opened),
			Component: Component{ID: s.componentID.Int64, ArtifactID: s.artifactID, Ref: ref, Purl: s.purl, Ecosystem: s.eco,
				Name: s.pkg, Version: s.ver, Direct: direct != 0}}
		if locs != "" {
			f.Component.Locations = strings.Split(locs, "\n")
		}
		if s.score.Valid {
			v := s.score.Float64
			f.Score = &v
		}
		if resolved.Valid {
			t := msTime(resolved.Int64)
			f.Resolved = &t
		}
		items = append(items, f)
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("listing findings: %w", err)
	}
	items, next = pageOf(items, limit, func(x Finding) int64 { return x.ID })
	return items, next, nil
}

// Components lists an artifact's components, by ID.
func (p *Portfolio) Components(ctx context.Context, sc Scope, artifactID int64, pg Page) (items []Component, next string, err error) {
	after, err := decodeCursor(pg.After)
	if err != nil {
		return nil, "", err
	}
	if err := p.inScope(ctx, sc, artifactID); err != nil {
		return nil, "", err
	}
	limit := limitOf(pg)
	err = queryEach(ctx, p.st.SQL(), `SELECT `+compColumns+` FROM components c WHERE c.artifact_id = ? AND c.id > ? ORDER BY c.id LIMIT ?`,
		[]any{artifactID, after, limit + 1}, func(r *sql.Rows) error {
			c, err := scanComp(r)
			if err != nil {
				return err
			}
			items = append(items, c.public())
			return nil
		})
	if err != nil {
		return nil, "", fmt.Errorf("listing components: %w", err)
	}
	items, next = pageOf(items, limit, func(x Component) int64 { return x.ID })
	return items, next, nil
}

// maxDeployments bounds the deployments Deployments returns.
const maxDeployments = 1000

// Deployments lists the deployments of an artifact, newest first (at most 1000).
func (p *Portfolio) Deployments(ctx context.Context, sc Scope, artifactID int64) ([]Deployment, error) {
	if err := p.inScope(ctx, sc, artifactID); err != nil {
		return nil, err
	}
	out := []Deployment{}
	err := queryEach(ctx, p.st.SQL(), `SELECT d.id, d.artifact_id, a.digest, a.name, d.environment, d.target, d.deployed_at
		FROM deployments d JOIN artifacts a ON a.id = d.artifact_id WHERE d.artifact_id = ? ORDER BY d.deployed_at DESC, d.id DESC LIMIT ?`,
		[]any{artifactID, maxDeployments}, func(r *sql.Rows) error {
			d, err := scanDeployment(r)
			if err == nil {
				out = append(out, *d)
			}
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("listing deployments: %w", err)
	}
	return out, nil
}

func scanDeployment(r interface{ Scan(...any) error }) (*Deployment, error) {
	d := &Deployment{}
	var at int64
	if err := r.Scan(&d.ID, &d.ArtifactID, &d.ArtifactDigest, &d.ArtifactName, &d.Environment, &d.Target, &at); err != nil {
		return nil, err
	}
	d.Time = msTime(at)
	return d, nil
}

// Deploy records a deployment of the artifact with the given digest (or, when ArtifactID is
// set, that artifact) visible in scope; ErrNotFound when there is none. When several
// artifacts in scope have the digest (uploaded by several teams), the most recently updated
// one is meant. The time defaults to now.
func (p *Portfolio) Deploy(ctx context.Context, sc Scope, d Deployment) (*Deployment, error) {
	d.Environment, d.Target = strings.TrimSpace(d.Environment), strings.TrimSpace(d.Target)
	switch {
	case d.Environment == "" || len(d.Environment) > maxText:
		return nil, fmt.Errorf("%w: a deployment needs an environment of at most %d bytes", ErrInvalid, maxText)
	case len(d.Target) > maxText:
		return nil, fmt.Errorf("%w: target longer than %d bytes", ErrInvalid, maxText)
	case d.ArtifactID == 0 && d.ArtifactDigest == "":
		return nil, fmt.Errorf("%w: a deployment needs the artifact's digest", ErrInvalid)
	}
	cond, args := scopeSQL(sc, "team_id")
	q := `SELECT id, digest, name FROM artifacts WHERE ` + cond
	if d.ArtifactID != 0 {
		q += ` AND id = ?`
		args = append(args, d.ArtifactID)
	} else {
		q += ` AND digest = ?`
		args = append(args, strings.ToLower(d.ArtifactDigest))
	}
	q += ` ORDER BY updated_at DESC, id DESC LIMIT 1`
	err := p.st.SQL().QueryRowContext(ctx, q, args...).Scan(&d.ArtifactID, &d.ArtifactDigest, &d.ArtifactName)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("artifact %s: %w", cmpOr(d.ArtifactDigest, fmt.Sprint(d.ArtifactID)), ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the artifact: %w", err)
	}
	now := p.now()
	if d.Time.IsZero() {
		d.Time = now
	}
	d.Time = d.Time.UTC().Truncate(time.Millisecond)
	err = p.st.Transact(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO deployments (artifact_id, environment, target, deployed_at, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			d.ArtifactID, d.Environment, d.Target, d.Time.UnixMilli(), now.UnixMilli()).Scan(&d.ID)
	})
	if err != nil {
		return nil, fmt.Errorf("storing the deployment: %w", err)
	}
	return &d, nil
}

// currentDeployments returns, among the given artifacts, the deployments that are the latest
// at their environment and target: what runs there now.
func currentDeployments(ctx context.Context, q querier, artifactIDs []int64) ([]Deployment, error) {
	out := []Deployment{}
	err := chunks(artifactIDs, maxIn, func(part []int64) error {
		return queryEach(ctx, q, `SELECT d.id, d.artifact_id, a.digest, a.name, d.environment, d.target, d.deployed_at
			FROM deployments d JOIN artifacts a ON a.id = d.artifact_id
			WHERE d.artifact_id IN (`+marks(len(part))+`) AND NOT EXISTS (SELECT 1 FROM deployments e
				WHERE e.environment = d.environment AND e.target = d.target
				AND (e.deployed_at > d.deployed_at OR e.deployed_at = d.deployed_at AND e.id > d.id))`, anys(part), func(r *sql.Rows) error {
			d, err := scanDeployment(r)
			if err == nil {
				out = append(out, *d)
			}
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("reading deployments: %w", err)
	}
	slices.SortFunc(out, func(a, b Deployment) int {
		if c := strings.Compare(a.Environment, b.Environment); c != 0 {
			return c
		}
		return strings.Compare(a.Target, b.Target)
	})
	return out, nil
}

// Teams returns the names of teams by ID, for the IDs given (all when ids is nil).
func (p *Portfolio) Teams(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	scan := func(r *sql.Rows) error {
		var id int64
		var name string
		if err := r.Scan(&id, &name); err != nil {
			return err
		}
		out[id] = name
		return nil
	}
	var err error
	if ids == nil {
		err = queryEach(ctx, p.st.SQL(), `SELECT id, name FROM teams`, nil, scan)
	} else {
		err = chunks(ids, maxIn, func(part []int64) error {
			return queryEach(ctx, p.st.SQL(), `SELECT id, name FROM teams WHERE id IN (`+marks(len(part))+`)`, anys(part), scan)
		})
	}
	if err != nil {
		return nil, fmt.Errorf("reading teams: %w", err)
	}
	return out, nil
}
