// Package store is Hallmark's database: one DB type over SQLite (the embedded default, one
// file) and, later, PostgreSQL, with numbered migrations embedded in the binary and applied at
// open, and transactions retried when the database is busy.
//
// Queries are written once in a portable SQL subset with "?" placeholders; Rebind turns them
// into the dialect's form. Byte strings (version keys) compare with memcmp order in both
// engines, which is what makes range scans over order-preserving keys work.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the SQLite driver, pure Go
)

// Dialect names a database engine.
type Dialect string

// Dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is an open database with its migrations applied.
type DB struct {
	sql     *sql.DB
	dialect Dialect
	// Path is the SQLite file, for messages.
	Path string
}

//go:embed migrations
var migrations embed.FS

// ErrUnsupported means a DSN names an engine this build cannot open.
var ErrUnsupported = errors.New("unsupported database")

// Open opens the database named by dsn: "sqlite:PATH", or a plain file path (SQLite). The
// file and its directory are created if needed. Migrations are applied.
func Open(ctx context.Context, dsn string) (*DB, error) {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return nil, fmt.Errorf("%w: PostgreSQL support arrives with the server; use a SQLite file", ErrUnsupported)
	}
	path := strings.TrimPrefix(dsn, "sqlite:")
	if path == "" {
		return nil, errors.New("empty database path")
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("creating the database directory: %w", err)
		}
	}
	q := url.Values{}
	// A 32 MiB page cache: a scan looks up thousands of packages in a database of a gigabyte or
	// more. (A memory map measured no faster and counts the mapped file in the resident size.)
	for _, p := range []string{"journal_mode(WAL)", "synchronous(NORMAL)", "busy_timeout(10000)", "foreign_keys(ON)", "temp_store(MEMORY)",
		"cache_size(-32768)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	s := &DB{sql: db, dialect: SQLite, Path: path}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the database.
func (db *DB) Close() error { return db.sql.Close() }

// Dialect returns the engine.
func (db *DB) Dialect() Dialect { return db.dialect }

// SQL returns the underlying handle, for read queries.
func (db *DB) SQL() *sql.DB { return db.sql }

// Rebind rewrites "?" placeholders for the dialect.
func (db *DB) Rebind(q string) string {
	if db.dialect != Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// Transact runs fn in a transaction, committing when fn returns nil. A transaction that fails
// because the database is busy is retried a few times with backoff.
func (db *DB) Transact(ctx context.Context, fn func(*sql.Tx) error) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Duration(50*attempt*attempt) * time.Millisecond):
			}
		}
		err = db.transactOnce(ctx, fn)
		if err == nil || !isBusy(err) {
			return err
		}
	}
	return err
}

func (db *DB) transactOnce(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

func isBusy(err error) bool {
	s := err.Error()
	return strings.Contains(s, "SQLITE_BUSY") || strings.Contains(s, "database is locked")
}

// migrate applies the embedded migrations not applied yet, each in its own transaction.
func (db *DB) migrate(ctx context.Context) error {
	if _, err := db.sql.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	dir := "migrations/" + string(db.dialect)
	entries, err := fs.ReadDir(migrations, dir)
	if err != nil {
		return err
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		n, err := strconv.Atoi(num)
		if !ok || err != nil {
			return fmt.Errorf("migration %s: name must start with a number and '_'", e.Name())
		}
		var applied int
		if err := db.sql.QueryRowContext(ctx, db.Rebind(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), n).Scan(&applied); err != nil {
			return err
		}
		if applied > 0 {
			continue
		}
		body, err := fs.ReadFile(migrations, dir+"/"+e.Name())
		if err != nil {
			return err
		}
		err = db.Transact(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("migration %s: %w", e.Name(), err)
			}
			_, err := tx.ExecContext(ctx, db.Rebind(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`), n, time.Now().UTC().Format(time.RFC3339))
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Bulk runs fn on one connection set up for loading much data at once: synchronous=OFF (a
// transaction is not flushed to disk at commit, so an operating-system crash or power loss
// during the load can lose or corrupt it, though a crash of the process cannot), a 256 MiB page
// cache, and foreign keys not enforced (fn keeps references consistent itself, and a DELETE no
// longer cascades). The connection is discarded afterwards, so these settings never reach
// other users of the pool. Transactions fn begins take the write lock at once (BEGIN
// IMMEDIATE), waiting for other writers as long as the busy timeout allows.
func (db *DB) Bulk(ctx context.Context, fn func(*sql.Conn) error) error {
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return err
	}
	defer func() {
		// Make database/sql close this connection instead of pooling it with bulk settings.
		conn.Raw(func(any) error { return driver.ErrBadConn })
		conn.Close()
	}()
	for _, p := range []string{"PRAGMA synchronous = OFF", "PRAGMA cache_size = -262144", "PRAGMA foreign_keys = OFF"} {
		if _, err := conn.ExecContext(ctx, p); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	return fn(conn)
}

// RollbackJournal runs fn with conn's database switched from WAL to a rollback journal, and
// switches it back afterwards. In rollback mode, pages appended to the file are not journaled,
// so loading an empty database writes each page once, where WAL mode writes it to the log and
// again at the checkpoint. The switch needs the database to itself: when another connection
// has it open, fn runs in WAL mode as usual. conn should come from Bulk.
func (db *DB) RollbackJournal(ctx context.Context, conn *sql.Conn, fn func() error) error {
	// Idle connections of the pool keep the database open in WAL mode.
	db.sql.SetMaxIdleConns(0)
	defer db.sql.SetMaxIdleConns(2) // database/sql's default
	switched := false
	if _, err := conn.ExecContext(ctx, "PRAGMA busy_timeout = 0"); err == nil {
		var mode string
		if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode = DELETE").Scan(&mode); err == nil {
			switched = strings.EqualFold(mode, "delete")
		}
		if _, err := conn.ExecContext(ctx, "PRAGMA busy_timeout = 10000"); err != nil {
			return err
		}
	}
	err := fn()
	if switched {
		var mode string
		if err2 := conn.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode); err == nil && err2 != nil {
			err = fmt.Errorf("returning to WAL mode: %w", err2)
		}
	}
	return err
}

// DeferIndexes drops, inside tx, the secondary indexes of the given tables (those created by
// CREATE INDEX, not the ones of PRIMARY KEY and UNIQUE constraints) and returns a function that
// creates them again with their stored definitions. Loading an empty table and indexing it
// afterwards sorts each index once instead of inserting into it row by row; because both
// happen in the one transaction, no other connection ever sees the table without its indexes.
func DeferIndexes(ctx context.Context, tx *sql.Tx, tables ...string) (recreate func() error, err error) {
	var defs []string
	for _, t := range tables {
		rows, err := tx.QueryContext(ctx, `SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name`, t)
		if err != nil {
			return nil, err
		}
		var names []string
		for rows.Next() {
			var name, def string
			if err := rows.Scan(&name, &def); err != nil {
				rows.Close()
				return nil, err
			}
			names = append(names, name)
			defs = append(defs, def)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		for _, n := range names {
			if _, err := tx.ExecContext(ctx, `DROP INDEX "`+strings.ReplaceAll(n, `"`, `""`)+`"`); err != nil {
				return nil, err
			}
		}
	}
	return func() error {
		for _, d := range defs {
			if _, err := tx.ExecContext(ctx, d); err != nil {
				return fmt.Errorf("recreating index: %w", err)
			}
		}
		return nil
	}, nil
}

// Version returns the highest migration applied.
func (db *DB) Version(ctx context.Context) (int, error) {
	var v sql.NullInt64
	err := db.sql.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v)
	return int(v.Int64), err
}
