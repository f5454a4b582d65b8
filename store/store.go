// Package store is Hallmark's database: one DB type over SQLite (the embedded default, one
// file) and PostgreSQL (several servers sharing one database), with numbered migrations per
// engine embedded in the binary and applied at open, and transactions retried when the
// database is busy or a serializable transaction conflicts.
//
// Queries are written once in a portable SQL subset with "?" placeholders; the PostgreSQL
// connection rewrites them as $1, $2, … Byte strings (version keys; BLOB in SQLite, BYTEA in
// PostgreSQL) compare with memcmp order in both engines, which is what makes range scans over
// order-preserving keys work.
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

	"github.com/jackc/pgx/v5/pgconn"
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

// Open opens the database named by dsn: "postgres://…" or "postgresql://…" (PostgreSQL),
// "sqlite:PATH", or a plain file path (SQLite). A SQLite file and its directory are created
// if needed. Migrations not applied yet are applied.
func Open(ctx context.Context, dsn string) (*DB, error) {
	return OpenWith(ctx, dsn, Options{})
}

// Options tune how a database is opened.
type Options struct {
	// CacheKiB is the page cache of each SQLite connection, in KiB; 0 means DefaultCacheKiB.
	// PostgreSQL ignores it.
	CacheKiB int
}

// DefaultCacheKiB is the SQLite page cache per connection that Open gives: 32 MiB, for a server
// whose concurrent requests read a database of gigabytes. A command that opens a database for
// one scan needs less (see vulndb.Open).
const DefaultCacheKiB = 32 << 10

// OpenWith is Open with options.
func OpenWith(ctx context.Context, dsn string, opts Options) (*DB, error) {
	db, err := openNoMigrate(ctx, dsn, opts)
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// IsPostgres reports whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// OpenNoMigrate opens the database like Open but applies no migration; Pending and Migrate
// tell and do what is left.
func OpenNoMigrate(ctx context.Context, dsn string) (*DB, error) {
	return openNoMigrate(ctx, dsn, Options{})
}

func openNoMigrate(ctx context.Context, dsn string, opts Options) (*DB, error) {
	if IsPostgres(dsn) {
		sqldb, err := openPostgres(dsn)
		if err != nil {
			return nil, err
		}
		if err := sqldb.PingContext(ctx); err != nil {
			sqldb.Close()
			return nil, fmt.Errorf("connecting to PostgreSQL at %s: %w", Redact(dsn), err)
		}
		return &DB{sql: sqldb, dialect: Postgres, Path: Redact(dsn)}, nil
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
	// A page cache of opts.CacheKiB. (A memory map measured no faster and counts the mapped
	// file in the resident size.)
	cache := opts.CacheKiB
	if cache <= 0 {
		cache = DefaultCacheKiB
	}
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(NORMAL)", "foreign_keys(ON)", "temp_store(MEMORY)",
		fmt.Sprintf("cache_size(-%d)", cache)} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	// Keep connections open: each new SQLite connection parses the whole schema and runs the
	// pragmas again, which under concurrent requests cost more than the queries (database/sql
	// keeps only 2 idle connections by default and closes the others after each use). The
	// number open is not capped: a transaction waiting for SQLite's write lock holds its
	// connection, and a cap could leave the writer that holds the lock none for a query
	// outside its transaction.
	db.SetMaxIdleConns(sqliteConns)
	// The first connection to a new file switches it to WAL mode, which needs the file to
	// itself: processes opening the same new database at once get "database is locked"
	// (the busy timeout does not apply to that switch) until one of them has made it.
	for attempt := 0; ; attempt++ {
		err := db.PingContext(ctx)
		if err == nil {
			break
		}
		if !isBusy(err) || attempt == 100 {
			db.Close()
			return nil, fmt.Errorf("opening %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			db.Close()
			return nil, ctx.Err()
		case <-time.After(time.Duration(10+attempt) * time.Millisecond):
		}
	}
	return &DB{sql: db, dialect: SQLite, Path: path}, nil
}

// sqliteConns is how many idle connections to a SQLite database are kept. Each connection has
// its own page cache (cache_size above), so this also bounds the memory the kept caches take.
const sqliteConns = 32

// Redact returns dsn with any password replaced by "xxxxx", for messages and logs.
func Redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// Close closes the database.
func (db *DB) Close() error { return db.sql.Close() }

// Dialect returns the engine.
func (db *DB) Dialect() Dialect { return db.dialect }

// SQL returns the underlying handle, for read queries.
func (db *DB) SQL() *sql.DB { return db.sql }

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

// isBusy reports whether err is worth a retry of the whole transaction: SQLite's busy or
// locked database, PostgreSQL's serialization failure (40001) or deadlock (40P01).
func isBusy(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01"
	}
	s := err.Error()
	return strings.Contains(s, "SQLITE_BUSY") || strings.Contains(s, "database is locked")
}

// Placeholders returns n comma-separated "?" placeholders, for IN lists ("" when n <= 0).
func Placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?,", n-1) + "?"
}

// Migration is one numbered schema change embedded in the binary.
type Migration struct {
	Version int
	Name    string // the file name, "0005_portfolio.sql"
}

// migrationsFor lists the dialect's embedded migrations in order.
func migrationsFor(d Dialect) ([]Migration, error) {
	entries, err := fs.ReadDir(migrations, "migrations/"+string(d))
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		n, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("migration %s: name must be NUMBER_name.sql", e.Name())
		}
		out = append(out, Migration{Version: n, Name: e.Name()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("migrations %s and %s share a number", out[i-1].Name, out[i].Name)
		}
	}
	return out, nil
}

// migrationLock is the PostgreSQL advisory lock that serialises migrations of replicas
// starting together ("hallmark" in ASCII).
const migrationLock = 0x68616c6c6d61726b

// Pending returns the embedded migrations not applied to the database yet.
func (db *DB) Pending(ctx context.Context) ([]Migration, error) {
	all, err := migrationsFor(db.dialect)
	if err != nil {
		return nil, err
	}
	applied := map[int]bool{}
	rows, err := db.sql.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		// No table yet: nothing is applied.
		return all, nil
	}
	defer rows.Close()
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		applied[v] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []Migration
	for _, m := range all {
		if !applied[m.Version] {
			out = append(out, m)
		}
	}
	return out, nil
}

// Migrate applies the embedded migrations not applied yet, each in its own transaction, and
// returns them. On PostgreSQL, replicas migrating at once take turns under an advisory lock.
func (db *DB) Migrate(ctx context.Context) ([]Migration, error) {
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrations: connecting: %w", err)
	}
	defer conn.Close()
	if db.dialect == Postgres {
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(?)`, int64(migrationLock)); err != nil {
			return nil, fmt.Errorf("migrations: taking the lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(?)`, int64(migrationLock))
	}
	// In a transaction: SQLite's takes the write lock at BEGIN, waiting for other processes
	// that create the table at the same moment, where a lone statement could fail at once
	// with "database is locked" when it finds another writer after reading the schema.
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("migrations: beginning: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		tx.Rollback()
		return nil, fmt.Errorf("migrations: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("migrations: committing: %w", err)
	}
	pending, err := db.Pending(ctx)
	if err != nil {
		return nil, err
	}
	var applied []Migration
	for _, m := range pending {
		body, err := fs.ReadFile(migrations, "migrations/"+string(db.dialect)+"/"+m.Name)
		if err != nil {
			return nil, err
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return nil, fmt.Errorf("migration %s: %w", m.Name, err)
		}
		// SQLite takes the write lock at BEGIN; another process may have applied the
		// migration while this one waited for it.
		var done int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.Version).Scan(&done); err != nil {
			tx.Rollback()
			return nil, fmt.Errorf("migration %s: %w", m.Name, err)
		}
		if done > 0 {
			tx.Rollback()
			continue
		}
		applied = append(applied, m)
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			tx.Rollback()
			return nil, fmt.Errorf("migration %s: %w", m.Name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, m.Version, time.Now().UTC().Format(time.RFC3339)); err != nil {
			tx.Rollback()
			return nil, fmt.Errorf("migration %s: %w", m.Name, err)
		}
		if err := tx.Commit(); err != nil {
			return nil, fmt.Errorf("migration %s: %w", m.Name, err)
		}
	}
	return applied, nil
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
	if db.dialect == Postgres {
		// PostgreSQL loads in ordinary transactions; its durability settings stay as they are.
		defer conn.Close()
		return fn(conn)
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
	if db.dialect != SQLite {
		return fn()
	}
	// Idle connections of the pool keep the database open in WAL mode.
	db.sql.SetMaxIdleConns(0)
	defer db.sql.SetMaxIdleConns(sqliteConns)
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
//
// PostgreSQL keeps its indexes (dropping them would lock the tables against readers).
func (db *DB) DeferIndexes(ctx context.Context, tx *sql.Tx, tables ...string) (recreate func() error, err error) {
	if db.dialect != SQLite {
		return func() error { return nil }, nil
	}
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
