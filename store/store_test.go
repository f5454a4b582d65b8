package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func indexes(t *testing.T, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, table string) []string {
	t.Helper()
	rows, err := q.QueryContext(context.Background(), `SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = ? ORDER BY name`, table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		rows.Scan(&s)
		out = append(out, s)
	}
	return out
}

func TestBulkDeferIndexes(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	want := indexes(t, db.SQL(), "affected")
	if len(want) < 3 {
		t.Fatalf("affected has indexes %v", want)
	}
	err = db.Bulk(ctx, func(conn *sql.Conn) error {
		var fk int
		if err := conn.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 0 {
			t.Errorf("foreign_keys = %d, %v during the bulk load", fk, err)
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		recreate, err := db.DeferIndexes(ctx, tx, "affected", "advisory_aliases")
		if err != nil {
			return err
		}
		if got := indexes(t, tx, "affected"); len(got) != 0 {
			t.Errorf("indexes during the load: %v", got)
		}
		// The primary key's index stays: INSERT OR IGNORE depends on it.
		if got := indexes(t, tx, "advisory_aliases"); !cmp.Equal(got, []string{"sqlite_autoindex_advisory_aliases_1"}) {
			t.Errorf("advisory_aliases indexes during the load: %v", got)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO affected (advisory_id, ecosystem, variant, name, kind) VALUES ('A', 'npm', '', 'x', 'range')`); err != nil {
			return err // no advisory A: accepted, foreign keys are off
		}
		if err := recreate(); err != nil {
			return err
		}
		return tx.Commit()
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, indexes(t, db.SQL(), "affected")); diff != "" {
		t.Errorf("indexes after the load (-want +got):\n%s", diff)
	}
	// The bulk connection is not reused: the pool's connections enforce foreign keys.
	var fk int
	if err := db.SQL().QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
		t.Errorf("foreign_keys = %d, %v after the bulk load", fk, err)
	}
}

func TestPlaceholders(t *testing.T) {
	for n, want := range map[int]string{-1: "", 0: "", 1: "?", 3: "?,?,?"} {
		if got := Placeholders(n); got != want {
			t.Errorf("Placeholders(%d) = %q, want %q", n, got, want)
		}
	}
}
