package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hallmark-dev/hallmark/store"
	"github.com/hallmark-dev/hallmark/store/storetest"
)

// TestEngines is the store part of the storetest suite: the same behaviour on every engine.
func TestEngines(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		// Replicas starting together migrate once.
		var wg sync.WaitGroup
		errs := make([]error, 3)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				db, err := store.Open(ctx, dsn)
				if err == nil {
					err = db.Close()
				}
				errs[i] = err
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("concurrent Open: %v", err)
		}
		db, err := store.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if p, err := db.Pending(ctx); err != nil || len(p) != 0 {
			t.Fatalf("Pending after Open = %v, %v; want none", p, err)
		}
		if v, err := db.Version(ctx); err != nil || v < 3 {
			t.Fatalf("Version = %d, %v", v, err)
		}

		t.Run("placeholders", func(t *testing.T) {
			var s string
			var n int
			err := db.SQL().QueryRowContext(ctx, `SELECT '?' || ?, ? + 1 -- a comment with ?
`, "x", 41).Scan(&s, &n)
			if err != nil || s != "?x" || n != 42 {
				t.Fatalf("got %q %d %v", s, n, err)
			}
		})

		t.Run("key order", func(t *testing.T) {
			// Version keys are byte strings compared as memcmp with shorter prefixes first.
			keys := [][]byte{{0x00}, {0x00, 0x00}, {0x01}, {0x7f, 0xff}, {0x80}, {0xff}, {0xff, 0x00}}
			err := db.Transact(ctx, func(tx *sql.Tx) error {
				for i := len(keys) - 1; i >= 0; i-- {
					if _, err := tx.ExecContext(ctx, `INSERT INTO affected (advisory_id, ecosystem, variant, name, kind, lo) VALUES (?, 'npm', '', 'k', 'range', ?)`, "K", keys[i]); err != nil {
						return err
					}
				}
				return nil
			})
			if err == nil {
				t.Fatal("insert without the advisory succeeded: foreign keys are not enforced")
			}
			err = db.Transact(ctx, func(tx *sql.Tx) error {
				if _, err := tx.ExecContext(ctx, `INSERT INTO advisories (id, modified, source, doc) VALUES ('K', '2024-01-01T00:00:00Z', 'test', ?)`, []byte("{}")); err != nil {
					return err
				}
				for i := len(keys) - 1; i >= 0; i-- {
					if _, err := tx.ExecContext(ctx, `INSERT INTO affected (advisory_id, ecosystem, variant, name, kind, lo) VALUES (?, 'npm', '', 'k', 'range', ?)`, "K", keys[i]); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			rows, err := db.SQL().QueryContext(ctx, `SELECT lo FROM affected WHERE ecosystem = ? AND name = ? AND lo >= ? ORDER BY lo`, "npm", "k", []byte{0x00, 0x00})
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var got [][]byte
			for rows.Next() {
				var b []byte
				if err := rows.Scan(&b); err != nil {
					t.Fatal(err)
				}
				got = append(got, bytes.Clone(b))
			}
			if diff := cmp.Diff(keys[1:], got); diff != "" {
				t.Errorf("range scan order (-want +got):\n%s", diff)
			}
		})

		t.Run("transact rolls back", func(t *testing.T) {
			boom := errors.New("boom")
			err := db.Transact(ctx, func(tx *sql.Tx) error {
				if _, err := tx.ExecContext(ctx, `INSERT INTO sources (name, imported_at, advisories) VALUES ('rb', 'x', 1)`); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatalf("Transact = %v, want boom", err)
			}
			var n int
			if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM sources WHERE name = 'rb'`).Scan(&n); err != nil || n != 0 {
				t.Fatalf("rolled-back row present: %d %v", n, err)
			}
		})
	})
}

func TestRedact(t *testing.T) {
	got := store.Redact("postgres://u:secret@h:5432/db?sslmode=disable")
	if want := "postgres://u:xxxxx@h:5432/db?sslmode=disable"; got != want {
		t.Errorf("Redact = %q, want %q", got, want)
	}
}
