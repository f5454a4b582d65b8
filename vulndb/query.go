package vulndb

import (
	"context"
	"database/sql"
	"runtime"
	"slices"
	"sync"
	"weak"

	"github.com/hallmark-dev/hallmark/match"
	"github.com/hallmark-dev/hallmark/version"
)

// Query asks which advisories may affect one package version.
type Query struct {
	// Ecosystem is the OSV ecosystem without release suffix ("PyPI", "Debian").
	Ecosystem string
	// Release is the distribution release for OS ecosystems ("12", "22.04", "8"), else "".
	Release string
	// Names are the names to look up: the package name, and for OS packages its source
	// package name. They are normalised here.
	Names []string
	// Version is the exact version; Key is its key under the ecosystem's scheme, nil when the
	// version does not parse (then only exact string matches count).
	Version string
	Key     []byte
	// Commit and Repo identify a source checkout, for GIT ranges.
	Commit, Repo string
}

// Candidates returns, sorted, the IDs of advisories whose index says they affect the query:
// a key interval containing Key, a versions-list entry equal to Version, or (with Commit and
// Repo) an affected commit. It reads only index entries (see qByName); package match then
// evaluates each candidate exactly.
func (d *DB) Candidates(ctx context.Context, q Query) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	add := func(id, variant string) {
		if !seen[id] && match.ReleaseMatches(variant, q.Release) {
			seen[id] = true
			out = append(out, id)
		}
	}
	qs, err := d.queries(ctx)
	if err != nil {
		return nil, err
	}
	for _, n := range q.Names {
		if n == "" || q.Key == nil && q.Version == "" {
			continue
		}
		name := match.NormalizeName(q.Ecosystem, n)
		var key any // NULL unless the version has a key
		if q.Key != nil {
			key = q.Key
		}
		e := q.Ecosystem
		rows, err := qs.byName.QueryContext(ctx, e, name, key, key, e, name, key, key, key, e, name, key, key, e, name, q.Version, q.Version)
		if err != nil {
			return nil, err
		}
		if err := scanPairs(rows, add); err != nil {
			return nil, err
		}
	}
	if q.Commit != "" && q.Repo != "" {
		rows, err := qs.byCommit.QueryContext(ctx, q.Commit)
		if err != nil {
			return nil, err
		}
		repo := match.NormalizeRepo(q.Repo)
		err = scanPairs(rows, func(id, r string) {
			if r == repo && !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		})
		if err != nil {
			return nil, err
		}
	}
	slices.Sort(out)
	return out, nil
}

// Candidate queries. byName finds, for one ecosystem and name, the intervals containing a key
// (when the key is not NULL) and the listed versions equal to a version (by key, and by string
// when it is not empty), in one statement of four index searches (migration 0004):
// unbounded intervals (hi NULL) and bounded ones by their upper bound (hi >= key: few rows
// when the version is above most fixes), listed versions by key (lo = hi = the key of a
// listed version that parses, see Rows) and by string.
const (
	qByName = `SELECT advisory_id, variant FROM affected
		WHERE ecosystem = ? AND name = ? AND kind = 'range' AND hi IS NULL AND CAST(? AS BLOB) IS NOT NULL AND (lo IS NULL OR lo <= ?)
		UNION ALL
		SELECT advisory_id, variant FROM affected
		WHERE ecosystem = ? AND name = ? AND kind = 'range' AND hi >= ? AND (lo IS NULL OR lo <= ?) AND (hi > ? OR hi_inclusive = 1)
		UNION ALL
		SELECT advisory_id, variant FROM affected
		WHERE ecosystem = ? AND name = ? AND kind = 'exact' AND hi = ? AND lo = ?
		UNION ALL
		SELECT advisory_id, variant FROM affected
		WHERE ecosystem = ? AND name = ? AND kind = 'exact' AND version = ? AND ? <> ''`
	qByCommit = `SELECT advisory_id, repo FROM affected WHERE kind = 'git' AND version = ?`
)

// queries are the prepared statements of a DB, prepared on first use: a scan asks for every
// package, and preparing the statement each time cost about as much as running it.
type queries struct {
	byName, byCommit *sql.Stmt
}

// prepared holds each open DB's statements. It is keyed by a weak pointer, so that it does not
// keep a DB alive; a cleanup closes the statements when the DB is collected. (DB.Close closes
// the connections, which finalises their statements, in any case.)
var prepared sync.Map // weak.Pointer[DB] → *queries

func (d *DB) queries(ctx context.Context) (*queries, error) {
	k := weak.Make(d)
	if q, ok := prepared.Load(k); ok {
		return q.(*queries), nil
	}
	db := d.st.SQL()
	byName, err := db.PrepareContext(ctx, qByName)
	if err != nil {
		return nil, err
	}
	byCommit, err := db.PrepareContext(ctx, qByCommit)
	if err != nil {
		byName.Close()
		return nil, err
	}
	q := &queries{byName: byName, byCommit: byCommit}
	if old, loaded := prepared.LoadOrStore(k, q); loaded {
		q.close()
		return old.(*queries), nil
	}
	runtime.AddCleanup(d, func(k weak.Pointer[DB]) {
		if q, ok := prepared.LoadAndDelete(k); ok {
			q.(*queries).close()
		}
	}, k)
	return q, nil
}

func (q *queries) close() {
	q.byName.Close()
	q.byCommit.Close()
}

type rowScanner interface {
	Next() bool
	Scan(...any) error
	Close() error
	Err() error
}

func scanPairs(rows rowScanner, f func(a, b string)) error {
	defer rows.Close()
	for rows.Next() {
		var a, b *string
		if err := rows.Scan(&a, &b); err != nil {
			return err
		}
		var sa, sb string
		if a != nil {
			sa = *a
		}
		if b != nil {
			sb = *b
		}
		f(sa, sb)
	}
	return rows.Err()
}

// KeyOf parses v with s and returns its key, or nil when it does not parse.
func KeyOf(s version.Scheme, v string) []byte {
	if s == nil || v == "" {
		return nil
	}
	pv, err := s.Parse(v)
	if err != nil {
		return nil
	}
	return pv.Key()
}
