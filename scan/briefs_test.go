package scan

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/hallmark-dev/hallmark/report"
	"github.com/hallmark-dev/hallmark/store"
	"github.com/hallmark-dev/hallmark/version/lookup"
	"github.com/hallmark-dev/hallmark/vulndb"
)

// labelAdv has no summary (the finding's summary is the first line of its details) and
// severity labels in database_specific and ecosystem_specific.
const labelAdv = `{"id":"GHSA-label","modified":"2024-06-01T00:00:00.5Z","details":"First line.\nSecond line.",
 "database_specific":{"severity":"MODERATE"},"references":[{"type":"WEB","url":"https://example.org"}],
 "affected":[{"package":{"ecosystem":"npm","name":"express"},"ranges":[{"type":"SEMVER","events":[{"introduced":"4.0.0"},{"fixed":"4.18.0"}]}],
  "ecosystem_specific":{"severity":"low"}},
  {"package":{"ecosystem":"PyPI","name":"foo-bar"},"versions":["1.0"],"ecosystem_specific":{"severity":"critical"},"database_specific":{"severity":"low"}}]}`

// TestRunWithoutBriefs checks that a scan reads the same from advisory briefs as from whole
// documents, which is what it reads in a database written by a Hallmark older than briefs.
func TestRunWithoutBriefs(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for name, doc := range map[string]string{"a.json": lodashAdv, "b.json": debAdv, "c.json": pypiAdv, "d.json": labelAdv} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "osv.db")
	scanOnce := func() *report.Result {
		t.Helper()
		db, err := vulndb.Open(ctx, path, lookup.For)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		res, err := Run(ctx, testInventory(), db, Options{Schemes: lookup.For, Now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	db, err := vulndb.Open(ctx, path, lookup.For)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Import(ctx, dir, nil); err != nil {
		t.Fatal(err)
	}
	db.Close()
	withBriefs := scanOnce()
	if len(withBriefs.Findings) != 5 {
		t.Fatalf("%d findings, want 5", len(withBriefs.Findings))
	}
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	res, err := st.SQL().ExecContext(ctx, `DELETE FROM advisory_briefs`)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 4 {
		t.Fatalf("%d briefs deleted, want 4", n)
	}
	st.Close()
	if diff := cmp.Diff(scanOnce(), withBriefs, cmpopts.IgnoreFields(report.Result{}, "Inventory")); diff != "" {
		t.Errorf("scan from whole documents (-) and from briefs (+):\n%s", diff)
	}
}
