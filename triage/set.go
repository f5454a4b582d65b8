package triage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hallmark-dev/hallmark/portfolio"
	"github.com/hallmark-dev/hallmark/store"
)

// Set records a (per finding, when a.FindingID is set, else per advisory and package across
// the team a.TeamID) and appends the change to the audit trail, in one transaction. The time
// is now; a.ID and a.Time are ignored. A finding or team outside sc is ErrNotFound; a
// per-advisory analysis without TeamID takes sc's team when sc has exactly one.
func (t *Triage) Set(ctx context.Context, sc portfolio.Scope, a Analysis) (*Analysis, error) {
	if err := check(&a, false); err != nil {
		return nil, err
	}
	a.Time = t.now().UTC().Truncate(time.Millisecond)
	var out *Analysis
	err := t.st.Transact(ctx, func(tx *sql.Tx) error {
		r, err := resolve(ctx, tx, sc, a)
		if err != nil {
			return err
		}
		out, err = t.put(ctx, tx, r, "", false)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("recording the analysis: %w", err)
	}
	return out, nil
}

// row is an analysis with what it is stored and matched by.
type row struct {
	Analysis
	key   string
	ref   pkgRef   // the package, for a per-advisory analysis
	names []string // lower-case advisory and aliases
}

// resolve completes a checked analysis for storage: a finding's team and advisory, or the
// team and reduced purl of a per-advisory analysis, each checked against sc.
func resolve(ctx context.Context, tx *sql.Tx, sc portfolio.Scope, a Analysis) (*row, error) {
	if a.FindingID != nil {
		var team int64
		var advisory, aliases string
		err := tx.QueryRowContext(ctx, `SELECT a.team_id, f.advisory_id, f.aliases FROM findings f
			JOIN artifacts a ON a.id = f.artifact_id WHERE f.id = ?`, *a.FindingID).Scan(&team, &advisory, &aliases)
		if errors.Is(err, sql.ErrNoRows) || err == nil && (!inScope(sc, team) || a.TeamID != 0 && a.TeamID != team) {
			return nil, fmt.Errorf("finding %d: %w", *a.FindingID, portfolio.ErrNotFound)
		}
		if err != nil {
			return nil, err
		}
		a.TeamID, a.Advisory, a.Aliases, a.Purl = team, advisory, jsonList(aliases), ""
		return &row{Analysis: a, key: "f:" + strconv.FormatInt(*a.FindingID, 10), names: names(advisory, a.Aliases)}, nil
	}
	if a.TeamID == 0 {
		if sc.All || len(sc.Teams) != 1 {
			return nil, invalid("an analysis across the portfolio needs a team")
		}
		a.TeamID = sc.Teams[0]
	}
	if !inScope(sc, a.TeamID) {
		return nil, fmt.Errorf("team %d: %w", a.TeamID, portfolio.ErrNotFound)
	}
	var one int
	if err := tx.QueryRowContext(ctx, `SELECT 1 FROM teams WHERE id = ?`, a.TeamID).Scan(&one); errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("team %d: %w", a.TeamID, portfolio.ErrNotFound)
	} else if err != nil {
		return nil, err
	}
	ref, err := parsePurl(a.Purl)
	if err != nil {
		return nil, err
	}
	a.Purl = ref.purl
	r := &row{Analysis: a, ref: ref, names: names(a.Advisory, a.Aliases)}
	r.key = "a:" + strings.ToLower(a.Advisory) + " " + ref.purl
	return r, nil
}

// put stores r as the analysis in force for its key and appends the change (made by r.Author,
// recorded by via) to the audit trail. With ifNewer, an analysis stored with a later time is
// kept and put returns nil.
func (t *Triage) put(ctx context.Context, tx *sql.Tx, r *row, via string, ifNewer bool) (*Analysis, error) {
	lock := ""
	if t.st.Dialect() == store.Postgres {
		lock = " FOR UPDATE"
	}
	// Two attempts: on PostgreSQL another transaction may insert the key between the SELECT
	// and the INSERT; the second SELECT then sees (and locks) its row.
	for range 2 {
		var id, at int64
		var prev string
		err := tx.QueryRowContext(ctx, `SELECT id, state, updated_at FROM triage_analyses WHERE team_id = ? AND key = ?`+lock,
			r.TeamID, r.key).Scan(&id, &prev, &at)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			err = tx.QueryRowContext(ctx, `INSERT INTO triage_analyses (team_id, key, finding_id, advisory, advisory_key,
				aliases, purl, package, version, state, justification, action, comment, author, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (team_id, key) DO NOTHING RETURNING id`,
				r.TeamID, r.key, nullID(r.FindingID), r.Advisory, strings.ToLower(r.Advisory), jsonText(r.Aliases), r.Purl,
				r.ref.pkg, r.ref.version, r.State, r.Justification, r.Action, r.Comment, r.Author, millis(r.Time)).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
		case err != nil:
		case ifNewer && at > millis(r.Time):
			return nil, nil
		default:
			_, err = tx.ExecContext(ctx, `UPDATE triage_analyses SET advisory = ?, advisory_key = ?, aliases = ?, purl = ?,
				state = ?, justification = ?, action = ?, comment = ?, author = ?, updated_at = ? WHERE id = ?`,
				r.Advisory, strings.ToLower(r.Advisory), jsonText(r.Aliases), r.Purl,
				r.State, r.Justification, r.Action, r.Comment, r.Author, millis(r.Time), id)
		}
		if err != nil {
			return nil, err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO triage_audit (team_id, analysis_id, finding_id, advisory, advisory_key, purl,
			prev_state, state, justification, action, comment, author, via, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.TeamID, id, nullID(r.FindingID), r.Advisory, strings.ToLower(r.Advisory), r.Purl,
			prev, r.State, r.Justification, r.Action, r.Comment, r.Author, via, millis(t.now()))
		if err != nil {
			return nil, err
		}
		out := r.Analysis
		out.ID = id
		return &out, nil
	}
	return nil, errors.New("the analysis changed concurrently; try again")
}

// nullID is a nullable ID as a query argument.
func nullID(id *int64) sql.NullInt64 {
	if id == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: *id, Valid: true}
}
