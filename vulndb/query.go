package vulndb

import (
	"context"
	"slices"

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
// Repo) an affected commit. It is an index range scan on (ecosystem, name, lo); package match
// then evaluates each candidate exactly.
func (d *DB) Candidates(ctx context.Context, q Query) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	add := func(id, variant string) {
		if !seen[id] && match.ReleaseMatches(variant, q.Release) {
			seen[id] = true
			out = append(out, id)
		}
	}
	db := d.st.SQL()
	for _, n := range q.Names {
		if n == "" {
			continue
		}
		name := match.NormalizeName(q.Ecosystem, n)
		if q.Key != nil {
			rows, err := db.QueryContext(ctx, `SELECT advisory_id, variant FROM affected
				WHERE ecosystem = ? AND name = ? AND (kind = 'range' OR kind = 'exact' AND lo IS NOT NULL) AND (lo IS NULL OR lo <= ?)
				AND (hi IS NULL OR hi > ? OR (hi_inclusive = 1 AND hi = ?))`, q.Ecosystem, name, q.Key, q.Key, q.Key)
			if err != nil {
				return nil, err
			}
			if err := scanPairs(rows, add); err != nil {
				return nil, err
			}
		}
		if q.Version != "" {
			rows, err := db.QueryContext(ctx, `SELECT advisory_id, variant FROM affected
				WHERE ecosystem = ? AND name = ? AND kind = 'exact' AND version = ?`, q.Ecosystem, name, q.Version)
			if err != nil {
				return nil, err
			}
			if err := scanPairs(rows, add); err != nil {
				return nil, err
			}
		}
	}
	if q.Commit != "" && q.Repo != "" {
		rows, err := db.QueryContext(ctx, `SELECT advisory_id, repo FROM affected WHERE kind = 'git' AND version = ?`, q.Commit)
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
