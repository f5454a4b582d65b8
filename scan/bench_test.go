package scan

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/hallmark-dev/hallmark/format/cyclonedx"
	"github.com/hallmark-dev/hallmark/version/lookup"
	"github.com/hallmark-dev/hallmark/vulndb"
)

// BenchmarkScanCorpus scans the CycloneDX SBOM named by HALLMARK_BENCH_SBOM against the
// database named by HALLMARK_BENCH_DB (for example the corpus of bench/genosv, imported with
// 'hallmark db import'; see BENCHMARKS.md). It is skipped when either variable is unset.
func BenchmarkScanCorpus(b *testing.B) {
	dbPath, sbomPath := os.Getenv("HALLMARK_BENCH_DB"), os.Getenv("HALLMARK_BENCH_SBOM")
	if dbPath == "" || sbomPath == "" {
		b.Skip("HALLMARK_BENCH_DB and HALLMARK_BENCH_SBOM are not set")
	}
	ctx := context.Background()
	f, err := os.Open(sbomPath)
	if err != nil {
		b.Fatal(err)
	}
	inv, err := cyclonedx.Decode(f)
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	findings := 0
	for b.Loop() {
		db, err := vulndb.Open(ctx, dbPath, lookup.For)
		if err != nil {
			b.Fatal(err)
		}
		res, err := Run(ctx, inv, db, Options{Schemes: lookup.For, Now: time.Now()})
		if err != nil {
			b.Fatal(err)
		}
		findings += len(res.Findings)
		db.Close()
	}
	b.ReportMetric(float64(findings)/float64(b.N), "findings/op")
}
