// Package storetest runs tests against every database engine Hallmark supports: a fresh
// SQLite file always, and a fresh PostgreSQL database when HALLMARK_TEST_POSTGRES names a
// server (a DSN whose role may create databases, such as
// postgres://hallmark:hallmark@127.0.0.1:5432/hallmark?sslmode=disable). Without it the
// PostgreSQL runs skip with a message; CI sets it.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for creating and dropping databases

	"github.com/hallmark-dev/hallmark/store"
)

// EnvPostgres names the environment variable with the PostgreSQL server for tests.
const EnvPostgres = "HALLMARK_TEST_POSTGRES"

// Engine is one database engine a test runs on.
type Engine struct {
	Name string // "sqlite" or "postgres"
	// NewDSN returns the address of a new, empty database that is removed when t ends.
	NewDSN func(t testing.TB) string
}

// Engines returns SQLite and, when configured, PostgreSQL.
func Engines() []Engine {
	return []Engine{
		{Name: "sqlite", NewDSN: func(t testing.TB) string {
			return "sqlite:" + filepath.Join(t.TempDir(), "hallmark.db")
		}},
		{Name: "postgres", NewDSN: NewPostgres},
	}
}

// Run runs fn as a subtest per engine, each with the address of a new, empty database.
func Run(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Helper()
	for _, e := range Engines() {
		t.Run(e.Name, func(t *testing.T) { fn(t, e.NewDSN(t)) })
	}
}

// Open opens the database at dsn with its migrations applied, closed when tb ends.
func Open(tb testing.TB, dsn string) *store.DB {
	tb.Helper()
	st, err := store.Open(context.Background(), dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

// NewPostgres creates a PostgreSQL database for t, dropped when t ends, and returns its
// address; it skips t when HALLMARK_TEST_POSTGRES is not set.
func NewPostgres(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(EnvPostgres)
	if admin == "" {
		t.Skipf("PostgreSQL tests skipped: set %s to a server's address (a role that may create databases); .ci/run does", EnvPostgres)
	}
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("%s: %v", EnvPostgres, err)
	}
	var b [6]byte
	rand.Read(b[:])
	name := "hallmark_test_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatalf("opening %s: %v", EnvPostgres, err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("creating a test database on %s: %v", EnvPostgres, err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", admin)
		if err != nil {
			t.Errorf("dropping %s: %v", name, err)
			return
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		// FORCE ends the test's own connections, but not an autovacuum worker that may be
		// visiting the database (a superuser's process): try again for a while, and leave
		// the database behind, with a message, if it stays busy.
		for attempt := 0; ; attempt++ {
			_, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			if err == nil {
				return
			}
			if attempt == 20 || ctx.Err() != nil {
				t.Logf("leaving test database %s behind: %v", name, err)
				return
			}
			time.Sleep(250 * time.Millisecond)
		}
	})
	u.Path = "/" + name
	return u.String()
}

// Describe names the engine of dsn, for messages.
func Describe(dsn string) string {
	if strings.HasPrefix(dsn, "postgres") {
		return "postgres"
	}
	return "sqlite"
}
