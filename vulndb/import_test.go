package vulndb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hallmark-dev/hallmark/store/storetest"
	"github.com/hallmark-dev/hallmark/version/semver"
)

// An advisory held twice by one source, the second copy newer, replaces the first even in the
// first import of an empty database (where the indexes are built after the load).
func TestImportDuplicateIntoEmpty(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	newer := strings.Replace(strings.Replace(advA, "2024-01-01", "2024-05-01", 1), `"fixed":"1.2.0"`, `"fixed":"1.1.0"`, 1)
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "a"), 0o755)
	os.MkdirAll(filepath.Join(dir, "b"), 0o755)
	os.WriteFile(filepath.Join(dir, "a", "all.zip"), zipOf(t, map[string]string{"GHSA-aaaa.json": advA, "OSV-2024-2.json": advB}), 0o644)
	os.WriteFile(filepath.Join(dir, "b", "all.zip"), zipOf(t, map[string]string{"GHSA-aaaa.json": newer, "OSV-2024-2.json": advB}), 0o644)
	st, err := db.Import(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Read != 4 || st.Added != 2 || st.Updated != 1 || st.Unchanged != 1 {
		t.Errorf("stats = %+v", st)
	}
	key := func(v string) []byte { return KeyOf(semver.Loose, v) }
	for v, want := range map[string][]string{"1.0.0": {"GHSA-aaaa"}, "1.1.0": nil} {
		got, err := db.Candidates(ctx, Query{Ecosystem: "npm", Names: []string{"left"}, Version: v, Key: key(v)})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: %s", v, diff)
		}
	}
	group, err := db.AliasGroup(ctx, "GHSA-aaaa")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"GHSA-aaaa", "OSV-2024-2"}, group); diff != "" {
		t.Errorf("alias group: %s", diff)
	}
	var n int
	db.st.SQL().QueryRow(`SELECT COUNT(*) FROM affected WHERE advisory_id = 'GHSA-aaaa'`).Scan(&n)
	if n != 2 { // the range and the listed version of the newer copy only
		t.Errorf("%d rows for GHSA-aaaa", n)
	}
}

// openDSN opens the advisory database at dsn with the semver scheme, closed when t ends.
func openDSN(t *testing.T, dsn string) *DB {
	t.Helper()
	d, err := Open(context.Background(), dsn, semverOnly)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// queueIn is an OnChanged hook as the server's: it writes a row per changed advisory in the
// import's transaction (table reevaluations, which every database has) and records each call.
type queueIn struct {
	calls [][]string
	fail  []error // returned by the first calls, one each
}

func (q *queueIn) hook(ctx context.Context, tx *sql.Tx, ids []string) error {
	q.calls = append(q.calls, ids)
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `INSERT INTO reevaluations (advisory_id, queued_at) VALUES (?, 0) ON CONFLICT DO NOTHING`, id); err != nil {
			return err
		}
	}
	if len(q.fail) > 0 {
		err := q.fail[0]
		q.fail = q.fail[1:]
		return err
	}
	return nil
}

// ids returns the IDs of the rows of table (advisories or reevaluations).
func ids(t *testing.T, d *DB, table string) []string {
	t.Helper()
	col := "advisory_id"
	if table == "advisories" {
		col = "id"
	}
	rows, err := d.st.SQL().Query(`SELECT ` + col + ` FROM ` + table + ` ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	return out
}

// TestImportOnChanged: the hook runs in the import's transactions with the changed IDs, so
// what it writes commits with the advisories; when it fails, neither the advisories nor its
// rows are stored, and importing again stores both. It holds for a first import into an empty
// database (one transaction) and for one into a database with advisories (a transaction per
// batch), on both engines.
func TestImportOnChanged(t *testing.T) {
	for _, seeded := range []bool{false, true} {
		t.Run(fmt.Sprintf("seeded=%t", seeded), func(t *testing.T) {
			storetest.Run(t, func(t *testing.T, dsn string) {
				ctx := context.Background()
				d := openDSN(t, dsn)
				var stored []string
				if seeded {
					if _, err := d.Import(ctx, writeFiles(t, map[string]string{"w.json": advW}), nil); err != nil {
						t.Fatal(err)
					}
					stored = []string{"GHSA-wwww"}
				}
				src := writeFiles(t, map[string]string{"a.json": advA, "b.json": advB})
				down := errors.New("the queue is down")
				q := &queueIn{fail: []error{down}}
				if _, err := d.Import(ctx, src, nil, OnChanged(q.hook)); !errors.Is(err, down) {
					t.Fatalf("import with a failing hook: %v, want %v", err, down)
				}
				if diff := cmp.Diff(stored, ids(t, d, "advisories")); diff != "" {
					t.Errorf("advisories after the failed import (-want +got):\n%s", diff)
				}
				if got := ids(t, d, "reevaluations"); got != nil {
					t.Errorf("the failed hook's rows were kept: %v", got)
				}

				q = &queueIn{}
				st, err := d.Import(ctx, src, nil, OnChanged(q.hook))
				if err != nil {
					t.Fatal(err)
				}
				want := []string{"GHSA-aaaa", "OSV-2024-2"}
				if diff := cmp.Diff(want, st.Changed); diff != "" {
					t.Errorf("changed (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff([][]string{want}, q.calls); diff != "" {
					t.Errorf("hook calls (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(want, ids(t, d, "reevaluations")); diff != "" {
					t.Errorf("rows the hook wrote (-want +got):\n%s", diff)
				}

				q = &queueIn{}
				if _, err := d.Import(ctx, src, nil, OnChanged(q.hook)); err != nil || q.calls != nil {
					t.Errorf("import of unchanged advisories: %v, hook calls %v; want none", err, q.calls)
				}
			})
		})
	}
}

// TestImportRetry: a batch whose transaction PostgreSQL aborts for a deadlock or a
// serialization failure is written again, and counted once; another error is not retried.
// (The errors are injected through the hook, so this runs on both engines.)
func TestImportRetry(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		d := openDSN(t, dsn)
		if _, err := d.Import(ctx, writeFiles(t, map[string]string{"b.json": advB}), nil); err != nil {
			t.Fatal(err)
		}
		src := writeFiles(t, map[string]string{"a.json": advA, "w.json": advW})
		q := &queueIn{fail: []error{&pgconn.PgError{Code: "40P01"}, &pgconn.PgError{Code: "40001"}}}
		st, err := d.Import(ctx, src, nil, OnChanged(q.hook))
		if err != nil {
			t.Fatal(err)
		}
		if len(q.calls) != 3 || st.Withdrawn != 1 || st.Added != 2 {
			t.Errorf("hook called %d times (want 3), stats %+v (want 2 added, 1 withdrawn)", len(q.calls), st)
		}
		if diff := cmp.Diff([]string{"GHSA-aaaa", "GHSA-wwww", "OSV-2024-2"}, ids(t, d, "advisories")); diff != "" {
			t.Errorf("advisories (-want +got):\n%s", diff)
		}

		other := &pgconn.PgError{Code: "23505"}
		q = &queueIn{fail: []error{other}}
		newer := strings.Replace(advA, "2024-01-01", "2024-06-01", 1)
		if _, err := d.Import(ctx, writeFiles(t, map[string]string{"a.json": newer}), nil, OnChanged(q.hook)); !errors.Is(err, other) || len(q.calls) != 1 {
			t.Errorf("import failing with %v: %v after %d calls, want the error after 1", other, err, len(q.calls))
		}
	})
}

// TestImportDeadlockPostgres: an import that PostgreSQL picks as the victim of a real deadlock
// (here with a transaction that holds the queue row the import's hook writes and then waits
// for the advisory the import replaces) is retried and succeeds.
func TestImportDeadlockPostgres(t *testing.T) {
	dsn := storetest.NewPostgres(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	d := openDSN(t, dsn)
	if _, err := d.Import(ctx, writeFiles(t, map[string]string{"a.json": advA}), nil); err != nil {
		t.Fatal(err)
	}
	// The import's hook waits for the other transaction's queue row; the other transaction
	// then waits for the advisory the import locked. The import waits first, so its deadlock
	// check normally runs first and aborts it; on a loaded machine the other transaction may
	// start waiting more than deadlock_timeout later and be the victim instead: then the
	// round is played again.
	const rounds = 5
	for round := 1; ; round++ {
		q, victim, err := deadlockRound(ctx, t, d, round)
		if err != nil {
			t.Fatal(err)
		}
		if victim {
			if round == rounds {
				t.Fatalf("the other transaction was the deadlock's victim %d times: the import's retry is untested", rounds)
			}
			continue
		}
		if len(q.calls) != 2 {
			t.Errorf("hook called %d times, want 2: the deadlock, the retry", len(q.calls))
		}
		return
	}
}

// deadlockRound imports a newer copy of advA (modified in month round) while another
// transaction makes a deadlock with it, and reports whether that transaction was the victim.
func deadlockRound(ctx context.Context, t *testing.T, d *DB, round int) (*queueIn, bool, error) {
	other, err := d.st.SQL().BeginTx(ctx, nil)
	if err != nil {
		return nil, false, err
	}
	defer other.Rollback()
	if _, err := other.ExecContext(ctx, `INSERT INTO reevaluations (advisory_id, queued_at) VALUES ('GHSA-aaaa', ?)
		ON CONFLICT (advisory_id) DO UPDATE SET queued_at = excluded.queued_at`, round); err != nil {
		return nil, false, err
	}
	q := &queueIn{}
	done := make(chan error, 1)
	month := fmt.Sprintf("2024-%02d-01", round+1)
	src := writeFiles(t, map[string]string{"a.json": strings.Replace(advA, "2024-01-01", month, 1)})
	go func() {
		_, err := d.Import(ctx, src, nil, OnChanged(q.hook))
		done <- err
	}()
	if err := waitForLockWaiters(ctx, d.st, 1, "transactionid", "tuple"); err != nil {
		return nil, false, err
	}
	_, lockErr := other.ExecContext(ctx, `SELECT id FROM advisories WHERE id = 'GHSA-aaaa' FOR UPDATE`)
	var pe *pgconn.PgError
	victim := errors.As(lockErr, &pe) && pe.Code == "40P01"
	if lockErr != nil && !victim {
		return nil, false, lockErr
	}
	if !victim {
		if err := other.Commit(); err != nil {
			return nil, false, err
		}
	}
	other.Rollback() // an aborted transaction ends here
	if err := <-done; err != nil {
		return nil, false, fmt.Errorf("import in round %d: %w", round, err)
	}
	var mod string
	if err := d.st.SQL().QueryRowContext(ctx, `SELECT modified FROM advisories WHERE id = 'GHSA-aaaa'`).Scan(&mod); err != nil || !strings.HasPrefix(mod, month) {
		return nil, false, fmt.Errorf("stored version %q (%v), want %s", mod, err, month)
	}
	return q, victim, nil
}

// TestQueuePortfolio: the command line's hook queues changed advisories in the import's
// transaction only when the database holds a portfolio (a server's database), on both engines.
func TestQueuePortfolio(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		d := openDSN(t, dsn)
		if _, err := d.Import(ctx, writeFiles(t, map[string]string{"w.json": advW}), nil, OnChanged(QueuePortfolio)); err != nil {
			t.Fatal(err)
		}
		if got := ids(t, d, "reevaluations"); got != nil {
			t.Errorf("queued without a portfolio: %v", got)
		}
		db := d.st.SQL()
		var art int64
		if err := db.QueryRowContext(ctx, `INSERT INTO artifacts (team_id, name, version, digest, format, created_at, updated_at)
			SELECT id, 'app', '1', 'sha256:00', 'CycloneDX 1.6', 0, 0 FROM teams WHERE name = 'default' RETURNING id`).Scan(&art); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO components (artifact_id, ref, purl, ecosystem, release, name, source_name, version)
			VALUES (?, 'a', 'pkg:npm/a@1', 'npm', '', 'a', '', '1')`, art); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Import(ctx, writeFiles(t, map[string]string{"a.json": advA, "b.json": advB}), nil, OnChanged(QueuePortfolio)); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"GHSA-aaaa", "OSV-2024-2"}, ids(t, d, "reevaluations")); diff != "" {
			t.Errorf("queued with a portfolio (-want +got):\n%s", diff)
		}
	})
}
