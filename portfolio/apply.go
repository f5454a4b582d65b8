package portfolio

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Event types written to the outbox.
const (
	EventFindingOpened   = "finding.opened"
	EventFindingResolved = "finding.resolved"
)

// artInfo is what an event says about an artifact.
type artInfo struct {
	id, team          int64
	teamName          string
	name, version, dg string
}

// stored is a finding row as a diff reads it.
type stored struct {
	id          int64
	componentID sql.NullInt64
	artifactID  int64
	advisory    string
	state       string
	aliases     string
	summary     string
	severity    string
	score       sql.NullFloat64
	fixed       string
	purl, eco   string
	pkg, ver    string
}

// storedColumns are the columns scanStored reads, for table alias f.
const storedColumns = `f.id, f.component_id, f.artifact_id, f.advisory_id, f.state, f.aliases, f.summary, f.severity,
	f.score, f.fixed, f.purl, f.ecosystem, f.package, f.version`

func scanStored(r *sql.Rows) (*stored, error) {
	s := &stored{}
	err := r.Scan(&s.id, &s.componentID, &s.artifactID, &s.advisory, &s.state, &s.aliases, &s.summary, &s.severity,
		&s.score, &s.fixed, &s.purl, &s.eco, &s.pkg, &s.ver)
	return s, err
}

// same reports whether the stored finding already says what f says.
func (s *stored) same(f *found) bool {
	score := sql.NullFloat64{}
	if f.score != nil {
		score = sql.NullFloat64{Float64: *f.score, Valid: true}
	}
	return s.componentID.Valid && s.componentID.Int64 == f.c.id && s.aliases == jsonList(f.aliases) &&
		s.summary == f.summary && s.severity == f.severity && s.score == score && s.fixed == jsonList(f.fixed)
}

// diff is a change of findings to write: want are the matches now; have the stored findings
// they are compared with, by key.
type diff struct {
	want []found
	have map[string]*stored
	key  func(*found) string
}

// changes counts what apply wrote.
type changes struct {
	opened, resolved int
	artifacts        map[int64]bool
}

// apply writes the diff in tx: new matches are opened (or reopened), stored open findings
// without a match are resolved, changed details are updated; each opening and resolution
// writes an event to the outbox.
func (p *Portfolio) apply(ctx context.Context, tx *sql.Tx, now time.Time, arts map[int64]*artInfo, d diff) (*changes, error) {
	ms := now.UnixMilli()
	ch := &changes{artifacts: map[int64]bool{}}
	var evs []event
	var insert []any
	var inserted []*found
	matched := map[string]bool{}
	for i := range d.want {
		f := &d.want[i]
		k := d.key(f)
		matched[k] = true
		s := d.have[k]
		switch {
		case s == nil:
			insert = append(insert, f.c.artifactID, f.c.id, f.c.purl, f.c.eco, f.c.name, f.c.version, f.advisory,
				jsonList(f.aliases), f.severity, scoreArg(f.score), jsonList(f.fixed), f.summary, "open", ms)
			inserted = append(inserted, f)
		case s.state != "open":
			r, err := tx.ExecContext(ctx, `UPDATE findings SET state = 'open', opened_at = ?, resolved_at = NULL, component_id = ?,
				aliases = ?, severity = ?, score = ?, fixed = ?, summary = ? WHERE id = ? AND state <> 'open'`,
				ms, f.c.id, jsonList(f.aliases), f.severity, scoreArg(f.score), jsonList(f.fixed), f.summary, s.id)
			if err != nil {
				return nil, fmt.Errorf("reopening a finding: %w", err)
			}
			if n, err := r.RowsAffected(); err != nil || n == 0 {
				continue // another replica reopened it first
			}
			evs = append(evs, newEvent(EventFindingOpened, s.id, f.c.artifactID, f, now))
			ch.opened++
		case !s.same(f):
			if _, err := tx.ExecContext(ctx, `UPDATE findings SET component_id = ?, aliases = ?, severity = ?, score = ?, fixed = ?, summary = ? WHERE id = ?`,
				f.c.id, jsonList(f.aliases), f.severity, scoreArg(f.score), jsonList(f.fixed), f.summary, s.id); err != nil {
				return nil, fmt.Errorf("updating a finding: %w", err)
			}
		}
	}
	type compAdv struct {
		comp int64
		adv  string
	}
	newIDs := map[compAdv]int64{}
	err := insertRows(ctx, tx, `INSERT INTO findings (artifact_id, component_id, purl, ecosystem, package, version, advisory_id,
		aliases, severity, score, fixed, summary, state, opened_at) VALUES `, 14,
		` ON CONFLICT (component_id, advisory_id) DO NOTHING RETURNING id, component_id, advisory_id`, insert,
		func(r *sql.Rows) error {
			var id, c int64
			var adv string
			if err := r.Scan(&id, &c, &adv); err != nil {
				return err
			}
			newIDs[compAdv{c, adv}] = id
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("storing findings: %w", err)
	}
	// A row another replica inserted first is left to its events.
	for _, f := range inserted {
		if id, ok := newIDs[compAdv{f.c.id, f.advisory}]; ok {
			evs = append(evs, newEvent(EventFindingOpened, id, f.c.artifactID, f, now))
			ch.opened++
		}
	}
	var resolve []int64
	gone := map[int64]*found{}
	for k, s := range d.have {
		if matched[k] || s.state != "open" {
			continue
		}
		resolve = append(resolve, s.id)
		gone[s.id] = &found{c: &comp{id: s.componentID.Int64, artifactID: s.artifactID, purl: s.purl, eco: s.eco, name: s.pkg, version: s.ver},
			advisory: s.advisory, aliases: parseList(s.aliases), severity: s.severity}
	}
	slices.Sort(resolve)
	err = chunks(resolve, maxIn, func(part []int64) error {
		// Only rows still open: another replica may have resolved some first.
		return queryEach(ctx, tx, `UPDATE findings SET state = 'resolved', resolved_at = ? WHERE id IN (`+marks(len(part))+`) AND state = 'open' RETURNING id`,
			append([]any{ms}, anys(part)...), func(r *sql.Rows) error {
				var id int64
				if err := r.Scan(&id); err != nil {
					return err
				}
				f := gone[id]
				evs = append(evs, newEvent(EventFindingResolved, id, f.c.artifactID, f, now))
				ch.resolved++
				return nil
			})
	})
	if err != nil {
		return nil, fmt.Errorf("resolving findings: %w", err)
	}
	for _, e := range evs {
		ch.artifacts[e.artifact] = true
	}
	if err := writeEvents(ctx, tx, arts, evs); err != nil {
		return nil, err
	}
	return ch, nil
}

func scoreArg(s *float64) any {
	if s == nil {
		return nil
	}
	return *s
}

// event is one outbox row to write.
type event struct {
	typ      string
	artifact int64
	finding  int64
	f        *found
	time     time.Time
}

func newEvent(typ string, findingID, artifactID int64, f *found, now time.Time) event {
	return event{typ: typ, artifact: artifactID, finding: findingID, f: f, time: now}
}

// Payload is the JSON of an outbox event ("finding.opened", "finding.resolved"), which
// package notify delivers as the webhook body.
type Payload struct {
	EventID  int64           `json:"event_id"`
	Type     string          `json:"type"`
	Time     time.Time       `json:"time"`
	Team     string          `json:"team"`
	Artifact PayloadArtifact `json:"artifact"`
	Finding  PayloadFinding  `json:"finding"`
}

// PayloadArtifact is the artifact of an event.
type PayloadArtifact struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Version string `json:"version"`
	Digest  string `json:"digest"`
}

// PayloadFinding is the finding of an event.
type PayloadFinding struct {
	ID        int64            `json:"id"`
	Advisory  string           `json:"advisory"`
	Aliases   []string         `json:"aliases"`
	Severity  string           `json:"severity"`
	Component PayloadComponent `json:"component"`
}

// PayloadComponent is the component of an event's finding.
type PayloadComponent struct {
	Purl    string `json:"purl"`
	Name    string `json:"name"`
	Version string `json:"version"`
}

// eventIDPlaceholder starts every payload until the row's ID is known; it cannot occur
// elsewhere in the JSON (quotes inside strings are escaped).
const eventIDPlaceholder = `{"event_id":0,`

// writeEvents inserts the events, then puts each row's ID into its payload.
func writeEvents(ctx context.Context, tx *sql.Tx, arts map[int64]*artInfo, evs []event) error {
	if len(evs) == 0 {
		return nil
	}
	var args []any
	for _, e := range evs {
		a := arts[e.artifact]
		if a == nil {
			return fmt.Errorf("writing events: artifact %d unknown", e.artifact)
		}
		pl := Payload{Type: e.typ, Time: e.time.UTC(), Team: a.teamName,
			Artifact: PayloadArtifact{ID: a.id, Name: a.name, Version: a.version, Digest: a.dg},
			Finding: PayloadFinding{ID: e.finding, Advisory: e.f.advisory, Aliases: e.f.aliases, Severity: e.f.severity,
				Component: PayloadComponent{Purl: e.f.c.purl, Name: e.f.c.name, Version: e.f.c.version}}}
		if pl.Finding.Aliases == nil {
			pl.Finding.Aliases = []string{}
		}
		b, err := json.Marshal(pl)
		if err != nil {
			return fmt.Errorf("writing events: %w", err)
		}
		args = append(args, e.typ, a.team, a.id, string(b), e.time.UnixMilli())
	}
	var ids []int64
	err := insertRows(ctx, tx, `INSERT INTO events (type, team_id, artifact_id, payload, created_at) VALUES `, 5, ` RETURNING id`, args, func(r *sql.Rows) error {
		var id int64
		if err := r.Scan(&id); err != nil {
			return err
		}
		ids = append(ids, id)
		return nil
	})
	if err != nil {
		return fmt.Errorf("writing events: %w", err)
	}
	err = chunks(ids, maxIn, func(part []int64) error {
		_, err := tx.ExecContext(ctx, `UPDATE events SET payload = REPLACE(payload, ?, '{"event_id":' || CAST(id AS TEXT) || ',')
			WHERE id IN (`+marks(len(part))+`)`, append([]any{eventIDPlaceholder}, anys(part)...)...)
		return err
	})
	if err != nil {
		return fmt.Errorf("writing events: %w", err)
	}
	return nil
}

// artInfos reads what events say about the given artifacts.
func artInfos(ctx context.Context, q querier, ids []int64) (map[int64]*artInfo, error) {
	out := map[int64]*artInfo{}
	err := chunks(ids, maxIn, func(part []int64) error {
		return queryEach(ctx, q, `SELECT a.id, a.team_id, t.name, a.name, a.version, a.digest FROM artifacts a JOIN teams t ON t.id = a.team_id
			WHERE a.id IN (`+marks(len(part))+`)`, anys(part), func(r *sql.Rows) error {
			a := &artInfo{}
			if err := r.Scan(&a.id, &a.team, &a.teamName, &a.name, &a.version, &a.dg); err != nil {
				return err
			}
			out[a.id] = a
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("reading artifacts: %w", err)
	}
	return out, nil
}
