package triage

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/hallmark-dev/hallmark/portfolio"
	"github.com/hallmark-dev/hallmark/store"
)

// benchPortfolio fills a SQLite database with one team's artifacts artifacts of 100
// components each, every component with one finding, and an analysis per advisory and
// package for every other package; it returns the triage and every 10th finding ID.
func benchPortfolio(b *testing.B, artifacts int) (*Triage, []int64) {
	b.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	var ids []int64
	err = st.Transact(ctx, func(tx *sql.Tx) error {
		for a := range artifacts {
			var art int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO artifacts (team_id, name, version, digest, format, created_at, updated_at)
				VALUES (1, ?, '1', ?, 'CycloneDX 1.6', 0, 0) RETURNING id`, fmt.Sprint("app", a), fmt.Sprint("sha256:", a)).Scan(&art); err != nil {
				return err
			}
			for c := range 100 {
				name := fmt.Sprint("pkg", (a*7+c)%1000)
				var comp, f int64
				if err := tx.QueryRowContext(ctx, `INSERT INTO components (artifact_id, ref, purl, ecosystem, release, name, source_name, version)
					VALUES (?, ?, ?, 'npm', '', ?, '', '1.0.0') RETURNING id`, art, name, "pkg:npm/"+name+"@1.0.0", name).Scan(&comp); err != nil {
					return err
				}
				if err := tx.QueryRowContext(ctx, `INSERT INTO findings (artifact_id, component_id, purl, advisory_id, aliases, state, opened_at)
					VALUES (?, ?, ?, ?, '["CVE-X"]', 'open', 0) RETURNING id`, art, comp, "pkg:npm/"+name+"@1.0.0", "GHSA-"+name).Scan(&f); err != nil {
					return err
				}
				if len(ids) < 1000 && f%10 == 0 {
					ids = append(ids, f)
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	tr := New(st)
	for p := 0; p < 1000; p += 2 {
		if _, err := tr.Set(ctx, portfolio.Scope{All: true}, Analysis{TeamID: 1, Advisory: fmt.Sprint("GHSA-pkg", p),
			Purl: fmt.Sprint("pkg:npm/pkg", p), State: InTriage, Author: "bench"}); err != nil {
			b.Fatal(err)
		}
	}
	return tr, ids
}

// BenchmarkFor finds the analyses in force for 1000 findings (a findings page at most).
func BenchmarkFor(b *testing.B) {
	tr, ids := benchPortfolio(b, 200)
	ctx := context.Background()
	for b.Loop() {
		m, err := tr.For(ctx, portfolio.Scope{Teams: []int64{1}}, ids)
		if err != nil || len(m) == 0 {
			b.Fatal(len(m), err)
		}
	}
}

// BenchmarkExportOpenVEX exports the analyses of a portfolio of 20,000 findings.
func BenchmarkExportOpenVEX(b *testing.B) {
	tr, _ := benchPortfolio(b, 200)
	ctx := context.Background()
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := tr.ExportOpenVEX(ctx, portfolio.Scope{Teams: []int64{1}}, &buf, "bench"); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(buf.Len()), "bytes/doc")
	}
}
