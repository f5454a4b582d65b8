package triage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/hallmark-dev/hallmark/portfolio"
)

// finding is what matching knows of a finding.
type finding struct {
	id, team int64
	advisory string
	aliases  []string
	names    []string // lower-case advisory and aliases
	purl     string   // the component's purl as stored ("" when the SBOM gave none)
	ref      pkgRef
	hasRef   bool
}

// findingQuery selects findings with their team and component purl; scanFinding reads a row.
const findingQuery = `SELECT f.id, a.team_id, f.advisory_id, f.aliases, f.purl FROM findings f
	JOIN artifacts a ON a.id = f.artifact_id`

func scanFinding(rows *sql.Rows) (finding, error) {
	var f finding
	var aliases string
	if err := rows.Scan(&f.id, &f.team, &f.advisory, &aliases, &f.purl); err != nil {
		return f, err
	}
	f.aliases = jsonList(aliases)
	f.names = names(f.advisory, f.aliases)
	if f.purl != "" {
		if ref, err := parsePurl(f.purl); err == nil {
			f.ref, f.hasRef = ref, true
		}
	}
	return f, nil
}

// analysisCols are the columns scanAnalysis reads.
const analysisCols = `id, team_id, finding_id, advisory, aliases, purl, package, version, state, justification,
	action, comment, author, updated_at`

func scanAnalysis(rows *sql.Rows) (*row, error) {
	var r row
	var fid sql.NullInt64
	var aliases string
	var at int64
	if err := rows.Scan(&r.ID, &r.TeamID, &fid, &r.Advisory, &aliases, &r.Purl, &r.ref.pkg, &r.ref.version,
		&r.State, &r.Justification, &r.Action, &r.Comment, &r.Author, &at); err != nil {
		return nil, err
	}
	if fid.Valid {
		r.FindingID = &fid.Int64
	}
	r.Aliases = jsonList(aliases)
	r.Time = fromMillis(at)
	r.names = names(r.Advisory, r.Aliases)
	return &r, nil
}

// querier is a database or a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

var (
	_ querier = (*sql.DB)(nil)
	_ querier = (*sql.Tx)(nil)
)

// queryAnalyses runs a query selecting analysisCols.
func queryAnalyses(ctx context.Context, db querier, query string, args ...any) ([]*row, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*row
	for rows.Next() {
		r, err := scanAnalysis(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// index holds analyses by what they apply to.
type index struct {
	byFinding map[int64]*row
	byPackage map[int64]map[string][]*row // team → package → per-advisory analyses
}

func newIndex() *index {
	return &index{byFinding: map[int64]*row{}, byPackage: map[int64]map[string][]*row{}}
}

func (ix *index) add(rs ...*row) {
	for _, r := range rs {
		if r.FindingID != nil {
			ix.byFinding[*r.FindingID] = r
			continue
		}
		m := ix.byPackage[r.TeamID]
		if m == nil {
			m = map[string][]*row{}
			ix.byPackage[r.TeamID] = m
		}
		m[r.ref.pkg] = append(m[r.ref.pkg], r)
	}
}

// inForce returns the analysis in force for f: its own, else the latest per-advisory analysis
// of its team naming its advisory (or an alias) and its package (and version, if the analysis
// names one); on equal times the one recorded last. Nil when none applies.
func (ix *index) inForce(f *finding) *row {
	if r := ix.byFinding[f.id]; r != nil {
		return r
	}
	if !f.hasRef {
		return nil
	}
	var best *row
	for _, r := range ix.byPackage[f.team][f.ref.pkg] {
		if !r.ref.covers(f.ref) || !shareName(r.names, f.names) {
			continue
		}
		if best == nil || r.Time.After(best.Time) || r.Time.Equal(best.Time) && r.ID > best.ID {
			best = r
		}
	}
	return best
}

// pkgKey is a package of a team.
type pkgKey struct {
	team int64
	pkg  string
}

// chunk is how many IDs or names one query lists.
const chunk = 500

// For returns the analysis in force for each of the findings (see the package
// documentation), by finding ID; findings outside sc, unknown or without analysis are absent.
func (t *Triage) For(ctx context.Context, sc portfolio.Scope, findingIDs []int64) (map[int64]Analysis, error) {
	if len(findingIDs) > MaxFindings {
		return nil, invalid("more than %d findings", MaxFindings)
	}
	out := map[int64]Analysis{}
	cond, scopeArgs, ok := scopeFilter(sc, "a.team_id")
	if !ok {
		return out, nil
	}
	// Most teams have analysed few of their findings, and many none: one index probe spares
	// the findings' lookup then (the findings pages ask for every page they show).
	var one int
	err := t.st.SQL().QueryRowContext(ctx, `SELECT 1 FROM triage_analyses a WHERE 1 = 1`+cond+` LIMIT 1`, scopeArgs...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading analyses: %w", err)
	}
	ids := slices.Clone(findingIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	for part := range slices.Chunk(ids, chunk) {
		args := make([]any, 0, len(part)+len(scopeArgs))
		for _, id := range part {
			args = append(args, id)
		}
		fs, err := queryFindings(ctx, t.st.SQL(), findingQuery+` WHERE f.id IN (`+placeholders(len(part))+`)`+cond, append(args, scopeArgs...)...)
		if err != nil {
			return nil, fmt.Errorf("reading findings: %w", err)
		}
		ix, err := t.indexFor(ctx, fs)
		if err != nil {
			return nil, fmt.Errorf("reading analyses: %w", err)
		}
		for i := range fs {
			if r := ix.inForce(&fs[i]); r != nil {
				out[fs[i].id] = r.Analysis
			}
		}
	}
	return out, nil
}

// queryFindings runs a query selecting what findingQuery selects.
func queryFindings(ctx context.Context, db querier, query string, args ...any) ([]finding, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []finding
	for rows.Next() {
		f, err := scanFinding(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// indexFor loads the analyses that may apply to fs (at most chunk findings): theirs, and
// their teams' per-advisory analyses of their packages.
func (t *Triage) indexFor(ctx context.Context, fs []finding) (*index, error) {
	ix := newIndex()
	if len(fs) == 0 {
		return ix, nil
	}
	var ids []any
	pkgs := map[int64][]any{}
	seen := map[pkgKey]bool{}
	for _, f := range fs {
		ids = append(ids, f.id)
		if k := (pkgKey{f.team, f.ref.pkg}); f.hasRef && !seen[k] {
			seen[k] = true
			pkgs[f.team] = append(pkgs[f.team], f.ref.pkg)
		}
	}
	rs, err := queryAnalyses(ctx, t.st.SQL(), `SELECT `+analysisCols+` FROM triage_analyses WHERE finding_id IN (`+placeholders(len(ids))+`)`, ids...)
	if err != nil {
		return nil, err
	}
	ix.add(rs...)
	for team, list := range pkgs {
		rs, err := queryAnalyses(ctx, t.st.SQL(), `SELECT `+analysisCols+` FROM triage_analyses
			WHERE team_id = ? AND finding_id IS NULL AND package IN (`+placeholders(len(list))+`)`, append([]any{team}, list...)...)
		if err != nil {
			return nil, err
		}
		ix.add(rs...)
	}
	return ix, nil
}
