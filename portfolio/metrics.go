package portfolio

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"sort"
	"time"
)

// Bounds of Metrics.
const (
	// DefaultDays and MaxDays bound the trend.
	DefaultDays = 30
	MaxDays     = 366
	// sprawlTop is how many packages the version sprawl lists.
	sprawlTop = 20
	// sprawlSample is how many versions of each it shows.
	sprawlSample = 10
)

const day = 24 * time.Hour

// Metrics computes the dashboard's figures for scope over the last days days (0 means 30; at
// most 366). Every figure is an aggregate query; no finding or component is loaded.
func (p *Portfolio) Metrics(ctx context.Context, sc Scope, days int) (*Metrics, error) {
	switch {
	case days <= 0:
		days = DefaultDays
	case days > MaxDays:
		days = MaxDays
	}
	db := p.st.SQL()
	cond, scopeArgs := scopeSQL(sc, "a.team_id")
	m := &Metrics{OpenBySeverity: zeroCounts(), OpenByEnvironment: map[string]map[string]int{}, Trend: []TrendPoint{}, Sprawl: []Sprawl{}}

	// Without a scope to check, the counts come from the index on (state, severity) alone.
	q := `SELECT f.severity, COUNT(*) FROM findings f WHERE f.state = 'open' GROUP BY f.severity`
	if !sc.All {
		q = `SELECT f.severity, COUNT(*) FROM findings f JOIN artifacts a ON a.id = f.artifact_id
			WHERE f.state = 'open' AND ` + cond + ` GROUP BY f.severity`
	}
	err := queryEach(ctx, db, q, scopeArgs, func(r *sql.Rows) error {
		var s string
		var n int
		if err := r.Scan(&s, &n); err != nil {
			return err
		}
		countLevel(m.OpenBySeverity, s, n)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("counting open findings: %w", err)
	}

	// By environment: the artifacts deployed last at each environment and target, once per
	// environment.
	err = queryEach(ctx, db, `SELECT x.environment, f.severity, COUNT(*) FROM
		(SELECT DISTINCT d.environment, d.artifact_id FROM deployments d JOIN artifacts a ON a.id = d.artifact_id
		 WHERE `+cond+` AND NOT EXISTS (SELECT 1 FROM deployments e WHERE e.environment = d.environment AND e.target = d.target
			AND (e.deployed_at > d.deployed_at OR e.deployed_at = d.deployed_at AND e.id > d.id))) x
		JOIN findings f ON f.artifact_id = x.artifact_id AND f.state = 'open'
		GROUP BY x.environment, f.severity`, scopeArgs, func(r *sql.Rows) error {
		var env, s string
		var n int
		if err := r.Scan(&env, &s, &n); err != nil {
			return err
		}
		if m.OpenByEnvironment[env] == nil {
			m.OpenByEnvironment[env] = zeroCounts()
		}
		countLevel(m.OpenByEnvironment[env], s, n)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("counting findings by environment: %w", err)
	}

	if err := p.trend(ctx, m, cond, scopeArgs, days); err != nil {
		return nil, err
	}

	since := p.now().Add(-time.Duration(days) * day).UnixMilli()
	var mttr sql.NullFloat64
	err = db.QueryRowContext(ctx, `SELECT AVG(CAST(f.resolved_at - f.opened_at AS DOUBLE PRECISION)) FROM findings f JOIN artifacts a ON a.id = f.artifact_id
		WHERE f.state = 'resolved' AND f.resolved_at >= ? AND `+cond, append([]any{since}, scopeArgs...)...).Scan(&mttr)
	if err != nil {
		return nil, fmt.Errorf("computing the time to remediate: %w", err)
	}
	if mttr.Valid {
		h := mttr.Float64 / float64(time.Hour/time.Millisecond)
		m.MeanTimeToRemediateHours = &h
	}

	if err := p.sprawl(ctx, m, sc); err != nil {
		return nil, err
	}
	return m, nil
}

// trend counts, for each of the last days days, the findings open at its end. It walks back
// from the findings open now (m.OpenBySeverity): a day's count is the current one less the
// findings opened after that day, plus those resolved after it. Only findings opened or
// resolved within the window are read (two grouped range scans), whatever the portfolio's age.
func (p *Portfolio) trend(ctx context.Context, m *Metrics, cond string, scopeArgs []any, days int) error {
	now := p.now().UTC()
	first := now.Truncate(day).Add(-time.Duration(days-1) * day)
	dayMS := int64(day / time.Millisecond)
	firstDay := first.UnixMilli() / dayMS
	// opened[i], resolved[i]: the findings opened and resolved on day firstDay+i, by level.
	opened, resolved := make([]map[string]int, days), make([]map[string]int, days)
	for i := range days {
		opened[i], resolved[i] = zeroCounts(), zeroCounts()
	}
	for _, q := range []struct {
		col, where string
		into       []map[string]int
	}{
		{"f.opened_at", "f.opened_at >= ?", opened},
		{"f.resolved_at", "f.state = 'resolved' AND f.resolved_at >= ?", resolved},
	} {
		err := queryEach(ctx, p.st.SQL(), `SELECT `+q.col+` / ?, f.severity, COUNT(*) FROM findings f JOIN artifacts a ON a.id = f.artifact_id
			WHERE `+q.where+` AND `+cond+` GROUP BY 1, 2`,
			append([]any{dayMS, first.UnixMilli()}, scopeArgs...), func(r *sql.Rows) error {
				var d int64
				var s string
				var n int
				if err := r.Scan(&d, &s, &n); err != nil {
					return err
				}
				if i := int(d - firstDay); i >= 0 && i < days {
					countLevel(q.into[i], s, n)
				}
				return nil
			})
		if err != nil {
			return fmt.Errorf("computing the trend: %w", err)
		}
	}
	m.Trend = make([]TrendPoint, days)
	run := maps.Clone(m.OpenBySeverity)
	for i := days - 1; i >= 0; i-- {
		m.Trend[i] = TrendPoint{Day: first.Add(time.Duration(i) * day).Format("2006-01-02"), Open: maps.Clone(run)}
		for _, s := range severities {
			run[s] += resolved[i][s] - opened[i][s]
		}
	}
	return nil
}

// sprawl finds the packages with the most distinct versions across the scope's artifacts,
// from the per-team counts that uploads keep (package_versions), not from the components.
func (p *Portfolio) sprawl(ctx context.Context, m *Metrics, sc Scope) error {
	cond, scopeArgs := scopeSQL(sc, "team_id")
	err := queryEach(ctx, p.st.SQL(), `SELECT ecosystem, name, COUNT(DISTINCT version) FROM package_versions
		WHERE artifacts > 0 AND `+cond+` GROUP BY ecosystem, name HAVING COUNT(DISTINCT version) > 1
		ORDER BY 3 DESC, 1, 2 LIMIT ?`, append(scopeArgs, sprawlTop), func(r *sql.Rows) error {
		var s Sprawl
		if err := r.Scan(&s.Ecosystem, &s.Name, &s.Versions); err != nil {
			return err
		}
		m.Sprawl = append(m.Sprawl, s)
		return nil
	})
	if err != nil {
		return fmt.Errorf("computing version sprawl: %w", err)
	}
	for i := range m.Sprawl {
		s := &m.Sprawl[i]
		err := queryEach(ctx, p.st.SQL(), `SELECT DISTINCT version FROM package_versions
			WHERE ecosystem = ? AND name = ? AND artifacts > 0 AND `+cond+` ORDER BY 1 LIMIT ?`,
			append(append([]any{s.Ecosystem, s.Name}, scopeArgs...), sprawlSample), func(r *sql.Rows) error {
				var v string
				err := r.Scan(&v)
				s.Sample = append(s.Sample, v)
				return err
			})
		if err != nil {
			return fmt.Errorf("computing version sprawl: %w", err)
		}
		sort.Strings(s.Sample)
	}
	return nil
}
