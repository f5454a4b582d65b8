package triage

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/hallmark-dev/hallmark/portfolio"
)

// FuzzIngestVEX ingests arbitrary documents into one SQLite database with the test
// portfolio, seeded with the test VEX documents: no panic, every refusal wraps
// portfolio.ErrInvalid, and what is recorded reads back through For and ExportOpenVEX.
func FuzzIngestVEX(f *testing.F) {
	paths, err := filepath.Glob(filepath.Join("testdata", "app.*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	fx := newFixture(f, "sqlite:"+filepath.Join(f.TempDir(), "fuzz.db"))
	ctx := context.Background()
	red := portfolio.Scope{Teams: []int64{fx.red}}
	ids := []int64{fx.appLodash, fx.svcLodash, fx.svcOldLodash, fx.appFoo, fx.appNoPurl}
	f.Fuzz(func(t *testing.T, doc []byte) {
		_, err := fx.tr.IngestVEX(ctx, fx.red, doc, "fuzz")
		if err != nil && !errors.Is(err, portfolio.ErrInvalid) {
			t.Fatalf("error %v does not wrap ErrInvalid", err)
		}
		if _, err := fx.tr.For(ctx, red, ids); err != nil {
			t.Fatal(err)
		}
		if err := fx.tr.ExportOpenVEX(ctx, red, io.Discard, "fuzz"); err != nil && !errors.Is(err, portfolio.ErrNotFound) {
			t.Fatal(err)
		}
	})
}
