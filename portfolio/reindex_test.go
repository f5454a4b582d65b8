package portfolio

import (
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hallmark-dev/hallmark/sbom"
	"github.com/hallmark-dev/hallmark/store"
	"github.com/hallmark-dev/hallmark/store/storetest"
	"github.com/hallmark-dev/hallmark/version/lookup"
	"github.com/hallmark-dev/hallmark/vulndb"
)

// componentKeys lists every component's keys and the recorded key format of the components.
func (f *fixture) componentKeys() []string {
	f.t.Helper()
	var out []string
	err := queryEach(f.ctx, f.st.SQL(), `SELECT id, name, version, vkey, source_vkey FROM components ORDER BY id`, nil, func(r *sql.Rows) error {
		var id int64
		var name, version string
		var vkey, sourceVKey []byte
		if err := r.Scan(&id, &name, &version, &vkey, &sourceVKey); err != nil {
			return err
		}
		out = append(out, fmt.Sprintf("%d %s@%s %s %s", id, name, version, keyString(vkey), keyString(sourceVKey)))
		return nil
	})
	if err != nil {
		f.t.Fatal(err)
	}
	format, err := vulndb.KeyFormatOf(f.ctx, f.st.SQL(), KeySubjectComponents)
	if err != nil {
		f.t.Fatal(err)
	}
	return append(out, fmt.Sprintf("format %d", format))
}

func keyString(k []byte) string {
	if k == nil {
		return "NULL"
	}
	return fmt.Sprintf("%x", k)
}

// writeOldKeys rewrites the components' keys as an older build with another key function
// would have (each byte complemented), leaves the first without a key (a version that build
// could not parse), and records format for them (negative: no record).
func (f *fixture) writeOldKeys(format int) {
	f.t.Helper()
	err := f.st.Transact(f.ctx, func(tx *sql.Tx) error {
		var ids []int64
		var keys [][2][]byte
		err := queryEach(f.ctx, tx, `SELECT id, vkey, source_vkey FROM components ORDER BY id`, nil, func(r *sql.Rows) error {
			var id int64
			var k [2][]byte
			if err := r.Scan(&id, &k[0], &k[1]); err != nil {
				return err
			}
			ids = append(ids, id)
			keys = append(keys, k)
			return nil
		})
		if err != nil {
			return err
		}
		for i, id := range ids {
			k := keys[i]
			for j := range k {
				for b := range k[j] {
					k[j][b] = ^k[j][b]
				}
			}
			if i == 0 {
				k[0] = nil
			}
			if _, err := tx.ExecContext(f.ctx, `UPDATE components SET vkey = ?, source_vkey = ? WHERE id = ?`, nullBytes(k[0]), nullBytes(k[1]), id); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(f.ctx, `DELETE FROM key_formats WHERE subject = ?`, KeySubjectComponents); err != nil {
			return err
		}
		if format < 0 {
			return nil
		}
		_, err = tx.ExecContext(f.ctx, `INSERT INTO key_formats (subject, format, recorded_at) VALUES (?, ?, '2025-01-01T00:00:00Z')`,
			KeySubjectComponents, format)
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
}

// affectedNames answers AffectedBy for each advisory with the affected components' names.
func (f *fixture) affectedNames(ids ...string) []string {
	f.t.Helper()
	var out []string
	for _, id := range ids {
		aff, err := f.p.AffectedBy(f.ctx, all, id)
		if err != nil {
			f.t.Fatal(err)
		}
		for _, a := range aff.Artifacts {
			for _, c := range a.Components {
				out = append(out, id+" "+a.Name+" "+c.Name+"@"+c.Version)
			}
		}
	}
	return out
}

// newRekeyFixture is a portfolio with the test SBOM and a Debian image, and the advisories
// that affect them.
func newRekeyFixture(t *testing.T, dsn string) *fixture {
	f := newFixture(t, dsn)
	f.importAdvisories("testdata/advisories")
	f.importAdvisories("testdata/later")
	f.importAdvisories("testdata/debian")
	inv, doc := readSBOM(t, "app.cdx.json")
	f.ingest(1, "shop", inv, doc)
	pkg := func(name, version string) *sbom.Package {
		return &sbom.Package{ID: name, Name: name, Version: version, Ecosystem: "Debian", SourceName: "openssl",
			PURL: "pkg:deb/debian/" + name + "@" + version + "?distro=debian-12", Properties: map[string]string{propOSEcosystem: "Debian:12"}}
	}
	f.ingest(1, "image", &sbom.Inventory{Packages: []*sbom.Package{pkg("libssl3", "3.0.11-1~deb12u2")}}, []byte("image"))
	return f
}

var rekeyAffected = []string{
	lodashAdv + " shop lodash@4.17.20",
	minimistAdv + " shop minimist@1.2.5",
	"CVE-2024-5535 image libssl3@3.0.11-1~deb12u2",
}

// TestReindexOnNew: components whose keys an older build wrote are re-keyed when the portfolio
// is opened (New): every key is what the current scheme gives, and advisories find them again.
func TestReindexOnNew(t *testing.T) {
	for _, format := range []int{-1, lookup.KeyFormat - 1, lookup.KeyFormat + 1} {
		t.Run(fmt.Sprintf("recorded %d", format), func(t *testing.T) {
			storetest.Run(t, func(t *testing.T, dsn string) {
				f := newRekeyFixture(t, dsn)
				want := f.componentKeys()
				if want[len(want)-1] != fmt.Sprintf("format %d", lookup.KeyFormat) {
					t.Fatalf("a new portfolio records %s", want[len(want)-1])
				}
				if diff := cmp.Diff(rekeyAffected, f.affectedNames(lodashAdv, minimistAdv, "CVE-2024-5535")); diff != "" {
					t.Fatalf("affected before (-want +got):\n%s", diff)
				}
				f.writeOldKeys(format)
				if diff := cmp.Diff(rekeyAffected, f.affectedNames(lodashAdv, minimistAdv, "CVE-2024-5535")); diff == "" {
					t.Fatal("the old keys change no answer: the test shows nothing")
				}

				if got := f.queued(); len(got) != 0 {
					t.Fatalf("queued before the re-index: %v", got)
				}
				f.p = New(f.st, f.adv)
				if diff := cmp.Diff(want, f.componentKeys()); diff != "" {
					t.Errorf("keys after the re-index (-want +got):\n%s", diff)
				}
				// Findings decided with the old keys are re-evaluated.
				if diff := cmp.Diff([]string{lodashAdv, minimistAdv, "TEST-DEB-11", "TEST-DEB-12"}, f.queued()); diff != "" {
					t.Errorf("queued for re-evaluation (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(rekeyAffected, f.affectedNames(lodashAdv, minimistAdv, "CVE-2024-5535")); diff != "" {
					t.Errorf("affected after the re-index (-want +got):\n%s", diff)
				}
			})
		})
	}
}

// TestReindexComponents: Reindex counts what it read and rewrote, and with the keys right
// rewrites nothing; with the build's format recorded, New leaves keys alone.
func TestReindexComponents(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		f := newRekeyFixture(t, dsn)
		want := f.componentKeys()
		s, err := f.p.Reindex(f.ctx)
		if err != nil || s != (ReindexStats{Components: 8, Rewritten: 0}) {
			t.Errorf("Reindex of right keys = %+v, %v", s, err)
		}
		f.writeOldKeys(lookup.KeyFormat)
		old := f.componentKeys()
		f.p = New(f.st, f.adv)
		if diff := cmp.Diff(old, f.componentKeys()); diff != "" {
			t.Errorf("New with the format recorded changed keys (-before +after):\n%s", diff)
		}
		s, err = f.p.Reindex(f.ctx)
		if err != nil || s.Components != 8 || s.Rewritten == 0 || s.Queued != 4 {
			t.Errorf("Reindex of old keys = %+v, %v", s, err)
		}
		if diff := cmp.Diff(want, f.componentKeys()); diff != "" {
			t.Errorf("keys after Reindex (-want +got):\n%s", diff)
		}
	})
}

// writeOldAdvisoryKeys gives one advisory's index rows keys of another format and records no
// format for any advisory, as an older build would have left them.
func (f *fixture) writeOldAdvisoryKeys(id string) {
	f.t.Helper()
	err := f.st.Transact(f.ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(f.ctx, `UPDATE affected SET hi = CAST(? AS BLOB) WHERE advisory_id = ? AND hi IS NOT NULL`, []byte{0x00}, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(f.ctx, `DELETE FROM key_formats WHERE subject = ?`, vulndb.KeySubjectAdvisories)
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
}

// TestReindexQueuesAdvisories: advisories whose index rows are re-indexed when the advisory
// database is opened are queued for re-evaluation by that re-index (their old keys may have
// missed components), even with the components' keys right: a process that stops before it
// opens the portfolio loses nothing.
func TestReindexQueuesAdvisories(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		f := newRekeyFixture(t, dsn)
		f.writeOldAdvisoryKeys(lodashAdv)
		if diff := cmp.Diff(rekeyAffected[1:], f.affectedNames(lodashAdv, minimistAdv, "CVE-2024-5535")); diff != "" {
			t.Fatalf("affected with the old keys (-want +got):\n%s", diff)
		}
		f.adv = vulndb.FromStore(f.st, lookup.For)
		if diff := cmp.Diff([]string{lodashAdv}, f.queued()); diff != "" {
			t.Errorf("queued for re-evaluation by the advisories' re-index (-want +got):\n%s", diff)
		}
		f.p = New(f.st, f.adv)
		if diff := cmp.Diff([]string{lodashAdv}, f.queued()); diff != "" {
			t.Errorf("queued for re-evaluation (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(rekeyAffected, f.affectedNames(lodashAdv, minimistAdv, "CVE-2024-5535")); diff != "" {
			t.Errorf("affected after the re-index (-want +got):\n%s", diff)
		}
	})
}

// rejectWrites makes every op ("INSERT" or "UPDATE") on table fail, on both engines, until
// the returned function is called.
func (f *fixture) rejectWrites(table, op string) (allow func()) {
	f.t.Helper()
	name := "reject_" + strings.ToLower(op) + "_" + table
	stmts := []string{`CREATE TRIGGER ` + name + ` BEFORE ` + op + ` ON ` + table + ` BEGIN SELECT RAISE(ABORT, 'rejected by the test'); END`}
	drop := []string{`DROP TRIGGER ` + name}
	if f.st.Dialect() == store.Postgres {
		stmts = []string{
			`CREATE FUNCTION ` + name + `() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RAISE EXCEPTION ''rejected by the test''; END'`,
			`CREATE TRIGGER ` + name + ` BEFORE ` + op + ` ON ` + table + ` FOR EACH ROW EXECUTE FUNCTION ` + name + `()`,
		}
		drop = []string{`DROP TRIGGER ` + name + ` ON ` + table, `DROP FUNCTION ` + name}
	}
	exec := func(stmts []string) {
		for _, q := range stmts {
			if _, err := f.st.SQL().ExecContext(f.ctx, q); err != nil {
				f.t.Fatalf("%s: %v", q, err)
			}
		}
	}
	exec(stmts)
	return func() { exec(drop) }
}

// TestReindexQueueCommitsWithKeys: the queueing of a re-index commits with the keys it
// rewrites, or neither does: an advisory re-index whose queueing fails leaves the old index
// rows, and a components re-index whose key update fails queues nothing (a re-evaluation would
// run on the old keys); run again, each does both.
func TestReindexQueueCommitsWithKeys(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		f := newRekeyFixture(t, dsn)
		f.writeOldAdvisoryKeys(lodashAdv)
		allow := f.rejectWrites("reevaluations", "INSERT")
		if err := f.adv.EnsureKeys(f.ctx, slog.New(slog.DiscardHandler)); err == nil {
			t.Fatal("the advisories' re-index succeeded with its queueing rejected")
		}
		if diff := cmp.Diff(rekeyAffected[1:], f.affectedNames(lodashAdv, minimistAdv, "CVE-2024-5535")); diff != "" {
			t.Errorf("affected after the failed re-index: the keys were rewritten (-want +got):\n%s", diff)
		}
		allow()
		if err := f.adv.EnsureKeys(f.ctx, slog.New(slog.DiscardHandler)); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{lodashAdv}, f.queued()); diff != "" {
			t.Errorf("queued by the advisories' re-index (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(rekeyAffected, f.affectedNames(lodashAdv, minimistAdv, "CVE-2024-5535")); diff != "" {
			t.Errorf("affected after the re-index (-want +got):\n%s", diff)
		}
		if _, err := f.st.SQL().ExecContext(f.ctx, `DELETE FROM reevaluations`); err != nil {
			t.Fatal(err)
		}

		want := f.componentKeys()
		f.writeOldKeys(-1)
		old := f.componentKeys()
		allow = f.rejectWrites("components", "UPDATE")
		if _, err := f.p.Reindex(f.ctx); err == nil {
			t.Fatal("the components' re-index succeeded with its key update rejected")
		}
		if got := f.queued(); got != nil {
			t.Errorf("queued by a components' re-index that wrote no key: %v", got)
		}
		if diff := cmp.Diff(old, f.componentKeys()); diff != "" {
			t.Errorf("keys after the failed re-index (-before +after):\n%s", diff)
		}
		allow()
		if err := f.p.EnsureKeys(f.ctx, slog.New(slog.DiscardHandler)); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{lodashAdv, minimistAdv, "TEST-DEB-11", "TEST-DEB-12"}, f.queued()); diff != "" {
			t.Errorf("queued by the components' re-index (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(want, f.componentKeys()); diff != "" {
			t.Errorf("keys after the re-index (-want +got):\n%s", diff)
		}
	})
}
