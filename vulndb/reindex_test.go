package vulndb

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hallmark-dev/hallmark/store"
	"github.com/hallmark-dev/hallmark/store/storetest"
	"github.com/hallmark-dev/hallmark/version"
	"github.com/hallmark-dev/hallmark/version/lookup"
)

// Advisories whose keys an older build wrote differently (see oldSchemes): Maven and Alpine
// ranges, a Pub range whose bound an older build could not parse, npm with listed versions
// and a GIT range, and a withdrawn one (no index rows).
var rekeyAdvisories = map[string]string{
	"TEST-MVN.json": `{"id":"TEST-MVN","modified":"2025-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"Maven","name":"org.example:lib"},
		"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"1.0"},{"fixed":"1.5.X1"}]}],"versions":["1.0","1.2"]}]}`,
	"TEST-APK.json": `{"id":"TEST-APK","modified":"2025-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"Alpine:v3.18","name":"busybox"},
		"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.36.1-r5"}]}]}]}`,
	"TEST-PUB.json": `{"id":"TEST-PUB","modified":"2025-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"Pub","name":"http"},
		"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"v1.2.3"}]}]}]}`,
	"TEST-NPM.json": `{"id":"TEST-NPM","modified":"2025-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"left"},
		"ranges":[{"type":"SEMVER","events":[{"introduced":"1.0.0"},{"last_affected":"1.4.0"}]},
		{"type":"GIT","repo":"https://github.com/example/left","events":[{"introduced":"0123456789abcdef0123456789abcdef01234567"}]}],
		"versions":["2.0.0-beta.1"]}]}`,
	"TEST-WDN.json": `{"id":"TEST-WDN","modified":"2025-01-01T00:00:00Z","withdrawn":"2025-02-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"left"},
		"ranges":[{"type":"SEMVER","events":[{"introduced":"0"}]}]}]}`,
}

// rekeyQueries are package versions and the advisories that affect them.
var rekeyQueries = []struct {
	eco, release, name, version string
	want                        []string
}{
	{"Maven", "", "org.example:lib", "1.3", []string{"TEST-MVN"}},
	{"Maven", "", "org.example:lib", "1.6", nil},
	{"Alpine", "v3.18", "busybox", "1.36.1-r4", []string{"TEST-APK"}},
	{"Alpine", "v3.18", "busybox", "1.36.1-r5", nil},
	{"Pub", "", "http", "1.0.0", []string{"TEST-PUB"}},
	{"Pub", "", "http", "1.2.3", nil},
	{"npm", "", "left", "1.4.0", []string{"TEST-NPM"}},
	{"npm", "", "left", "2.0.0-beta.1", []string{"TEST-NPM"}},
	{"npm", "", "left", "1.4.1", nil},
}

// oldSchemes are lookup.For's schemes as an older build could have had them: another key
// function (each byte complemented: order reversed) and versions with a leading "v" rejected.
func oldSchemes(eco, rangeType string) (version.Scheme, bool) {
	s, ok := lookup.For(eco, rangeType)
	if !ok {
		return nil, false
	}
	return oldScheme{s}, true
}

type oldScheme struct{ version.Scheme }

func (s oldScheme) Parse(v string) (version.Version, error) {
	if strings.HasPrefix(v, "v") {
		return nil, version.Invalid("old", v, "a leading v")
	}
	pv, err := s.Scheme.Parse(v)
	if err != nil {
		return nil, err
	}
	return oldVersion{pv}, nil
}

type oldVersion struct{ version.Version }

func (v oldVersion) Key() []byte {
	k := slices.Clone(v.Version.Key())
	for i := range k {
		k[i] = ^k[i]
	}
	return k
}

// dump lists what the database holds for the advisories: index rows, unparsed versions,
// briefs and the recorded key format.
func dump(t *testing.T, st *store.DB) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	tx, err := st.SQL().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	err = eachRow(ctx, tx, `SELECT `+affectedColumns+` FROM affected`, nil, func(r *sql.Rows) error {
		id, row, err := scanAffected(r)
		out = append(out, "affected "+id+" "+row.canonical())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	err = eachRow(ctx, tx, `SELECT `+unparsedColumns+` FROM unparsed_versions`, nil, func(r *sql.Rows) error {
		id, u, err := scanUnparsed(r)
		out = append(out, "unparsed "+id+" "+u.canonical())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	err = eachRow(ctx, tx, `SELECT advisory_id, brief FROM advisory_briefs`, nil, func(r *sql.Rows) error {
		var id string
		var b []byte
		if err := r.Scan(&id, &b); err != nil {
			return err
		}
		out = append(out, fmt.Sprintf("brief %s %x", id, b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f, err := KeyFormatOf(ctx, tx, KeySubjectAdvisories)
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, fmt.Sprintf("format %d", f))
	slices.Sort(out)
	return out
}

// candidates runs rekeyQueries and returns what each found, as the current scheme keys the
// version.
func candidates(t *testing.T, d *DB) []string {
	t.Helper()
	var out []string
	for _, q := range rekeyQueries {
		s, _ := lookup.For(q.eco, "")
		got, err := d.Candidates(context.Background(), Query{Ecosystem: q.eco, Release: q.release, Names: []string{q.name},
			Version: q.version, Key: KeyOf(s, q.version)})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s/%s@%s: %v", q.eco, q.name, q.version, got))
	}
	return out
}

func wantCandidates() []string {
	var out []string
	for _, q := range rekeyQueries {
		out = append(out, fmt.Sprintf("%s/%s@%s: %v", q.eco, q.name, q.version, q.want))
	}
	return out
}

// writeOldKeys rewrites the index rows as an older build would have written them (oldSchemes),
// drops one brief (as a build older than migration 0004 stored none), and records format as
// the keys' format (negative: no record, as a database older than migration 0012).
func writeOldKeys(t *testing.T, d *DB, format int) {
	t.Helper()
	ctx := context.Background()
	old := &DB{st: d.st, schemes: oldSchemes}
	if _, err := old.Reindex(ctx); err != nil {
		t.Fatal(err)
	}
	err := d.st.Transact(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM advisory_briefs WHERE advisory_id = 'TEST-APK'`); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM key_formats WHERE subject = ?`, KeySubjectAdvisories); err != nil {
			return err
		}
		if format < 0 {
			return nil
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO key_formats (subject, format, recorded_at) VALUES (?, ?, '2025-01-01T00:00:00Z')`,
			KeySubjectAdvisories, format)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// newRekeyDB opens a database at dsn with rekeyAdvisories imported and returns it with what
// it holds.
func newRekeyDB(t *testing.T, dsn string) (*DB, []string) {
	t.Helper()
	d, err := Open(context.Background(), dsn, lookup.For)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Import(context.Background(), writeFiles(t, rekeyAdvisories), nil); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantCandidates(), candidates(t, d)); diff != "" {
		t.Fatalf("candidates after import (-want +got):\n%s", diff)
	}
	want := dump(t, d.st)
	if !slices.Contains(want, fmt.Sprintf("format %d", lookup.KeyFormat)) {
		t.Fatalf("a new database does not record format %d", lookup.KeyFormat)
	}
	return d, want
}

// TestReindexOnOpen: a database whose keys an older build wrote (without a format record, or
// with an older format) is re-indexed when opened: every row, unparsed version and brief is
// what an import by this build writes, and lookups find what they should.
func TestReindexOnOpen(t *testing.T) {
	for _, tc := range []struct {
		name   string
		format int
		open   func(context.Context, string) (*DB, error)
	}{
		{"no record, Open", -1, func(ctx context.Context, dsn string) (*DB, error) { return Open(ctx, dsn, lookup.For) }},
		{"older format, Open", lookup.KeyFormat - 1, func(ctx context.Context, dsn string) (*DB, error) { return Open(ctx, dsn, lookup.For) }},
		{"newer format, FromStore", lookup.KeyFormat + 1, func(ctx context.Context, dsn string) (*DB, error) {
			st, err := store.Open(ctx, dsn)
			if err != nil {
				return nil, err
			}
			return FromStore(st, lookup.For), nil
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T, dsn string) {
				d, want := newRekeyDB(t, dsn)
				writeOldKeys(t, d, tc.format)
				if diff := cmp.Diff(wantCandidates(), candidates(t, d)); diff == "" {
					t.Fatal("the old keys change no lookup: the test shows nothing")
				}
				d.Close()

				d, err := tc.open(context.Background(), dsn)
				if err != nil {
					t.Fatal(err)
				}
				defer d.Close()
				if diff := cmp.Diff(want, dump(t, d.st)); diff != "" {
					t.Errorf("after the re-index (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(wantCandidates(), candidates(t, d)); diff != "" {
					t.Errorf("candidates after the re-index (-want +got):\n%s", diff)
				}
			})
		})
	}
}

// TestReindexOnlyOnFormatChange: with the build's format recorded, opening re-indexes nothing
// (keys written otherwise stay as they are).
func TestReindexOnlyOnFormatChange(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		d, _ := newRekeyDB(t, dsn)
		writeOldKeys(t, d, lookup.KeyFormat)
		old := dump(t, d.st)
		d.Close()
		d, err := Open(context.Background(), dsn, lookup.For)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		if diff := cmp.Diff(old, dump(t, d.st)); diff != "" {
			t.Errorf("opening with the format recorded changed (-before +after):\n%s", diff)
		}
	})
}

// TestReindexInterrupted: a re-index stopped after its first batch records no format, and the
// next open finishes it.
func TestReindexInterrupted(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		d, want := newRekeyDB(t, dsn)
		writeOldKeys(t, d, -1)
		var s ReindexStats
		err := d.st.Transact(ctx, func(tx *sql.Tx) error {
			var err error
			s, _, err = d.reindexBatch(ctx, tx, "", 2)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if s.Advisories != 2 || s.Rewritten != 2 {
			t.Errorf("first batch = %+v, want 2 advisories read and rewritten", s)
		}
		if f, err := KeyFormatOf(ctx, d.st.SQL(), KeySubjectAdvisories); err != nil || f != 0 {
			t.Fatalf("format after an interrupted re-index = %d, %v; want none recorded", f, err)
		}
		d.Close()
		d, err = Open(ctx, dsn, lookup.For)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		if diff := cmp.Diff(want, dump(t, d.st)); diff != "" {
			t.Errorf("after the next open (-want +got):\n%s", diff)
		}
	})
}

// TestReindexEmpty: an empty database only records the format.
func TestReindexEmpty(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		st := storetest.Open(t, dsn)
		ran, err := EnsureKeyFormat(ctx, st, KeySubjectAdvisories, func(context.Context, int) error { return nil })
		if err != nil || !ran {
			t.Fatalf("EnsureKeyFormat on a new database = %v, %v; want it to run", ran, err)
		}
		d := FromStore(st, lookup.For)
		if s, err := d.Reindex(ctx); err != nil || !cmp.Equal(s, ReindexStats{}) {
			t.Errorf("Reindex of an empty database = %+v, %v", s, err)
		}
		if diff := cmp.Diff([]string{fmt.Sprintf("format %d", lookup.KeyFormat)}, dump(t, st)); diff != "" {
			t.Errorf("database (-want +got):\n%s", diff)
		}
	})
}

// TestEnsureKeyFormatReplicas: replicas opening one database at once re-key it once on
// PostgreSQL (the others wait for the lock, then find the format recorded); on SQLite each may
// re-key, and all succeed. Either way the format ends recorded.
func TestEnsureKeyFormatReplicas(t *testing.T) {
	const replicas = 4
	storetest.Run(t, func(t *testing.T, dsn string) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		sts := make([]*store.DB, replicas)
		for i := range sts {
			sts[i] = storetest.Open(t, dsn)
		}
		var calls atomic.Int32
		errs := make([]error, replicas)
		var wg sync.WaitGroup
		for i, st := range sts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = EnsureKeyFormat(ctx, st, "test", func(ctx context.Context, from int) error {
					calls.Add(1)
					if st.Dialect() == store.Postgres {
						return waitForLockWaiters(ctx, st, replicas-1, "advisory")
					}
					return nil
				})
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("replica %d: %v", i, err)
			}
		}
		if n := calls.Load(); n < 1 || sts[0].Dialect() == store.Postgres && n != 1 {
			t.Errorf("re-keyed %d times", n)
		}
		if f, err := KeyFormatOf(ctx, sts[0].SQL(), "test"); err != nil || f != lookup.KeyFormat {
			t.Errorf("format = %d, %v; want %d", f, err, lookup.KeyFormat)
		}
	})
}

// waitForLockWaiters waits until n sessions of the database wait for a lock of one of the
// types (pg_locks.locktype: "advisory", "transactionid", "tuple", …).
func waitForLockWaiters(ctx context.Context, st *store.DB, n int, types ...string) error {
	args := []any{}
	for _, typ := range types {
		args = append(args, typ)
	}
	for {
		var waiting int
		err := st.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_locks
			WHERE locktype IN (`+store.Placeholders(len(types))+`) AND NOT granted
			AND pid IN (SELECT pid FROM pg_stat_activity WHERE datname = current_database())`, args...).Scan(&waiting)
		if err != nil {
			return err
		}
		if waiting >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d sessions wait for a lock, want %d: %w", waiting, n, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// TestEnsureKeysLog: EnsureKeys says what it re-indexes and how many rows, then what it
// rewrote and queued (nothing: no components to re-evaluate); with the format recorded it
// says nothing.
func TestEnsureKeysLog(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		d, _ := newRekeyDB(t, dsn)
		writeOldKeys(t, d, -1)
		var buf bytes.Buffer
		log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == "seconds" {
				return slog.Attr{}
			}
			return a
		}}))
		for range 2 {
			if err := d.EnsureKeys(context.Background(), log); err != nil {
				t.Fatal(err)
			}
		}
		want := fmt.Sprintf(`level=INFO msg="re-indexing the advisories' version keys: stored in another key format" advisories=5 index_rows=7 from_format=0 to_format=%d
level=INFO msg="re-indexed the advisories' version keys" advisories=5 rewritten=4 briefs=1 unreadable=0 queued=0
`, lookup.KeyFormat)
		if diff := cmp.Diff(want, buf.String()); diff != "" {
			t.Errorf("log (-want +got):\n%s", diff)
		}
	})
}

// TestReindexWithImport: a re-index and an import that rewrite the same advisories at once
// both succeed (on PostgreSQL they lock the advisories in the same order, and retry a
// transaction aborted for a deadlock), and leave every advisory's newer copy with the rows
// this build derives.
func TestReindexWithImport(t *testing.T) {
	const n = 2500 // three batches of the re-index, one of the import
	storetest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		d, err := Open(ctx, dsn, lookup.For)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		version := func(month int) string {
			files := map[string]string{}
			for i := range n {
				files[fmt.Sprintf("c%04d.json", i)] = fmt.Sprintf(`{"id":"TEST-C-%04d","modified":"2025-%02d-01T00:00:00Z","affected":[{"package":{"ecosystem":"Maven","name":"org.example:c%d"},
					"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"1.0"},{"fixed":"1.%d"}]}]}]}`, i, month, i, month)
			}
			return writeFiles(t, files)
		}
		if _, err := d.Import(ctx, version(1), nil); err != nil {
			t.Fatal(err)
		}
		for month := 2; month <= 3; month++ {
			old := &DB{st: d.st, schemes: oldSchemes}
			if s, err := old.Reindex(ctx); err != nil || s.Rewritten != n {
				t.Fatalf("writing old keys: %+v, %v", s, err)
			}
			src := version(month)
			var wg sync.WaitGroup
			var reindexErr, importErr error
			wg.Add(2)
			go func() {
				defer wg.Done()
				_, reindexErr = d.Reindex(ctx)
			}()
			go func() {
				defer wg.Done()
				_, importErr = d.Import(ctx, src, nil, OnChanged((&queueIn{}).hook))
			}()
			wg.Wait()
			if reindexErr != nil || importErr != nil {
				t.Fatalf("month %d: re-index: %v; import: %v", month, reindexErr, importErr)
			}
			if s, err := d.Reindex(ctx); err != nil || s.Rewritten != 0 || s.Advisories != n {
				t.Errorf("month %d: a re-index afterwards = %+v, %v; want every row right", month, s, err)
			}
			var stale int
			if err := d.st.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM advisories WHERE modified NOT LIKE ?`,
				fmt.Sprintf("2025-%02d-01%%", month)).Scan(&stale); err != nil || stale != 0 {
				t.Errorf("month %d: %d advisories not of the import (%v)", month, stale, err)
			}
		}
	})
}
