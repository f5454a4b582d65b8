// Package vulndb is Hallmark's advisory database: OSV advisories imported from directories,
// zips and the OSV bucket layout, stored through package store, with every affected range
// indexed as intervals of order-preserving version keys (see DESIGN.md). A lookup for a package
// version is an index range scan on (ecosystem, name, key); the exact decision stays with
// package match, which evaluates the advisory itself.
package vulndb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/hallmark-dev/hallmark/osv"
	"github.com/hallmark-dev/hallmark/store"
	"github.com/hallmark-dev/hallmark/version"
)

// SchemeFunc returns the version scheme for an OSV ecosystem (without its suffix) and range
// type; ok is false when there is none.
type SchemeFunc func(ecosystem, rangeType string) (version.Scheme, bool)

// DB is an open advisory database.
type DB struct {
	st      *store.DB
	schemes SchemeFunc
}

// ErrEmpty means the database holds no advisories.
var ErrEmpty = errors.New("the advisory database is empty")

// DefaultPath returns the default database file: HALLMARK_DB when set, else hallmark/osv.db in
// the user cache directory.
func DefaultPath(getenv func(string) string) (string, error) {
	if p := getenv("HALLMARK_DB"); p != "" {
		return p, nil
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("finding the cache directory for the database (set --db or HALLMARK_DB): %w", err)
	}
	return filepath.Join(dir, "hallmark", "osv.db"), nil
}

// Open opens (creating if needed) the database at dsn. Index rows stored in another key
// format than the build's (lookup.KeyFormat) are re-derived first (see EnsureKeyFormat).
//
// Each SQLite connection gets an 8 MiB page cache (store.Options.CacheKiB), less than the
// server's 32 MiB: imports and updates use it; a scan needs less (see OpenWith and
// ScanCacheKiB).
func Open(ctx context.Context, dsn string, schemes SchemeFunc) (*DB, error) {
	return OpenWith(ctx, dsn, schemes, store.Options{CacheKiB: 8 << 10})
}

// ScanCacheKiB is the SQLite page cache per connection that suits a scan: 1 MiB. A scan
// reads most index pages once, in key order, and the briefs of its candidates once each; the
// operating system's file cache serves what it reads again. With one connection per core, an
// 8 MiB cache cost a scan of 10,000 packages against 500,000 advisories some 30 MiB of
// resident memory, and a 32 MiB one about 100 MiB, for no measurable speed (BENCHMARKS.md).
const ScanCacheKiB = 1 << 10

// OpenWith is Open with store options (the page cache of each SQLite connection).
func OpenWith(ctx context.Context, dsn string, schemes SchemeFunc, opts store.Options) (*DB, error) {
	st, err := store.OpenWith(ctx, dsn, opts)
	if err != nil {
		return nil, fmt.Errorf("opening the advisory database %s: %w", dsn, err)
	}
	d := &DB{st: st, schemes: schemes}
	if err := d.EnsureKeys(ctx, slog.Default()); err != nil { // keys of an older build (reindex.go)
		st.Close()
		return nil, fmt.Errorf("opening the advisory database %s: %w", dsn, err)
	}
	return d, nil
}

// FromStore returns the advisory database kept in an open store (the server keeps its
// portfolio and its advisories in one database). Closing the result closes st. Like Open, it
// re-derives index rows stored in another key format; a failure is logged, not returned.
func FromStore(st *store.DB, schemes SchemeFunc) *DB {
	d := &DB{st: st, schemes: schemes}
	d.ensureKeyFormatUnchecked() // keys of an older build (reindex.go)
	return d
}

// Close closes the database.
func (d *DB) Close() error { return d.st.Close() }

// Path returns the database file.
func (d *DB) Path() string { return d.st.Path }

// Status describes the database.
type Status struct {
	Path        string
	Advisories  int
	Withdrawn   int
	ByEcosystem map[string]int // advisories affecting each ecosystem (base name)
	Unparsed    int            // range and list versions no scheme could parse
	KeyFormat   int            // the version-key format of the index rows (lookup.KeyFormat)
	Sources     []SourceStatus
	LastUpdate  time.Time // latest import of any source
}

// SourceStatus is one import source.
type SourceStatus struct {
	Name       string
	ImportedAt time.Time
	Advisories int
}

// Status reads the database's counts and sources.
func (d *DB) Status(ctx context.Context) (*Status, error) {
	db := d.st.SQL()
	s := &Status{Path: d.st.Path, ByEcosystem: map[string]int{}}
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(withdrawn), 0) FROM advisories`).Scan(&s.Advisories, &s.Withdrawn); err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT ecosystem, COUNT(DISTINCT advisory_id) FROM affected GROUP BY ecosystem`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var eco string
		var n int
		if err := rows.Scan(&eco, &n); err != nil {
			rows.Close()
			return nil, err
		}
		s.ByEcosystem[eco] = n
	}
	rows.Close()
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM unparsed_versions`).Scan(&s.Unparsed); err != nil {
		return nil, err
	}
	if s.KeyFormat, err = KeyFormatOf(ctx, db, KeySubjectAdvisories); err != nil {
		return nil, err
	}
	rows, err = db.QueryContext(ctx, `SELECT name, imported_at, advisories FROM sources ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var src SourceStatus
		var at string
		if err := rows.Scan(&src.Name, &at, &src.Advisories); err != nil {
			return nil, err
		}
		src.ImportedAt, _ = time.Parse(time.RFC3339, at)
		if src.ImportedAt.After(s.LastUpdate) {
			s.LastUpdate = src.ImportedAt
		}
		s.Sources = append(s.Sources, src)
	}
	return s, rows.Err()
}

// UnparsedVersions lists up to limit versions that no scheme could parse, for db status.
func (d *DB) UnparsedVersions(ctx context.Context, limit int) ([]string, error) {
	rows, err := d.st.SQL().QueryContext(ctx, `SELECT advisory_id, ecosystem, name, version, reason FROM unparsed_versions ORDER BY advisory_id LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, eco, name, v, reason string
		if err := rows.Scan(&id, &eco, &name, &v, &reason); err != nil {
			return nil, err
		}
		out = append(out, fmt.Sprintf("%s: %s/%s %q: %s", id, eco, name, v, reason))
	}
	return out, rows.Err()
}

// Advisories returns the advisories with the given IDs (missing ones are left out).
func (d *DB) Advisories(ctx context.Context, ids []string) (map[string]*osv.Vulnerability, error) {
	out := make(map[string]*osv.Vulnerability, len(ids))
	stmt, err := d.st.SQL().PrepareContext(ctx, `SELECT doc FROM advisories WHERE id = ?`)
	if err != nil {
		return nil, err
	}
	defer stmt.Close()
	for _, id := range ids {
		if _, ok := out[id]; ok {
			continue
		}
		var doc []byte
		err := stmt.QueryRowContext(ctx, id).Scan(&doc)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, err
		}
		v, err := osv.Parse(doc)
		if err != nil {
			return nil, fmt.Errorf("stored advisory %s: %w", id, err)
		}
		out[id] = v
	}
	return out, nil
}

// AliasGroup returns the IDs of advisories that share an alias or upstream ID with id.
func (d *DB) AliasGroup(ctx context.Context, id string) ([]string, error) {
	rows, err := d.st.SQL().QueryContext(ctx, `
		SELECT DISTINCT b.advisory_id FROM advisory_aliases a JOIN advisory_aliases b ON a.alias = b.alias
		WHERE a.advisory_id = ? ORDER BY 1`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Summary is the part of Status a scan reports: cheap to read whatever the database's size.
type Summary struct {
	Path       string
	Advisories int
	LastUpdate time.Time
}

// Summary counts the advisories and finds the last import, without the per-ecosystem counts
// of Status (which read every index row).
func (d *DB) Summary(ctx context.Context) (*Summary, error) {
	s := &Summary{Path: d.st.Path}
	db := d.st.SQL()
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM advisories`).Scan(&s.Advisories); err != nil {
		return nil, err
	}
	var last sql.NullString
	if err := db.QueryRowContext(ctx, `SELECT MAX(imported_at) FROM sources`).Scan(&last); err != nil {
		return nil, err
	}
	if last.Valid {
		s.LastUpdate, _ = time.Parse(time.RFC3339, last.String)
	}
	return s, nil
}
