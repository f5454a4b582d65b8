package triage

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/hallmark-dev/hallmark/portfolio"
)

// Audit returns the changes of the analyses of the teams in sc, newest first: those of one
// advisory (by the ID the analyses were recorded with, ignoring case), or all when advisory
// is ""; at most limit of them (0 means 100; at most 1000).
func (t *Triage) Audit(ctx context.Context, sc portfolio.Scope, advisory string, limit int) ([]AuditEntry, error) {
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, maxAudit)
	cond, args, ok := scopeFilter(sc, "team_id")
	if !ok {
		return []AuditEntry{}, nil
	}
	if advisory = strings.TrimSpace(advisory); advisory != "" {
		cond += " AND advisory_key = ?"
		args = append(args, strings.ToLower(advisory))
	}
	rows, err := t.st.SQL().QueryContext(ctx, `SELECT id, analysis_id, team_id, finding_id, advisory, purl, prev_state, state,
		justification, action, comment, author, via, created_at FROM triage_audit WHERE 1 = 1`+cond+` ORDER BY id DESC LIMIT ?`,
		append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("reading the audit trail: %w", err)
	}
	defer rows.Close()
	out := []AuditEntry{}
	for rows.Next() {
		var e AuditEntry
		var fid sql.NullInt64
		var at int64
		if err := rows.Scan(&e.ID, &e.AnalysisID, &e.TeamID, &fid, &e.Advisory, &e.Purl, &e.PrevState, &e.State,
			&e.Justification, &e.Action, &e.Comment, &e.Author, &e.Via, &at); err != nil {
			return nil, fmt.Errorf("reading the audit trail: %w", err)
		}
		if fid.Valid {
			e.FindingID = &fid.Int64
		}
		e.Time = fromMillis(at)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading the audit trail: %w", err)
	}
	return out, nil
}

// Analyses lists the analyses recorded for an advisory (by the ID they were recorded with,
// ignoring case) by the teams in sc, per finding and per package, newest first, at most 1000.
func (t *Triage) Analyses(ctx context.Context, sc portfolio.Scope, advisory string) ([]Analysis, error) {
	cond, args, ok := scopeFilter(sc, "team_id")
	if !ok {
		return []Analysis{}, nil
	}
	rs, err := queryAnalyses(ctx, t.st.SQL(), `SELECT `+analysisCols+` FROM triage_analyses
		WHERE advisory_key = ?`+cond+` ORDER BY updated_at DESC, id DESC LIMIT ?`,
		append(append([]any{strings.ToLower(strings.TrimSpace(advisory))}, args...), maxAudit)...)
	if err != nil {
		return nil, fmt.Errorf("reading analyses: %w", err)
	}
	out := make([]Analysis, len(rs))
	for i, r := range rs {
		out[i] = r.Analysis
	}
	return out, nil
}
