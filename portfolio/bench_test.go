package portfolio

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/hallmark-dev/hallmark/sbom"
	"github.com/hallmark-dev/hallmark/store/storetest"
)

// benchPool is the package pool of generated portfolios: npm packages "pkg-<i>", popular by a
// Zipf law (pkg-0 is in nearly every artifact), each in versions 1.0.0 … 1.9.0 (popular ones
// mostly recent: version sprawl).
const benchPool = 20_000

// genInventory returns artifact i's inventory of m components, with a dependency tree: each
// component depends on one or two earlier ones' children, the first few are direct.
func genInventory(seed int64, i, m int) *sbom.Inventory {
	r := rand.New(rand.NewSource(seed + int64(i)))
	zipf := rand.NewZipf(r, 1.1, 1, benchPool-1)
	inv := &sbom.Inventory{}
	seen := map[uint64]bool{}
	for len(inv.Packages) < m {
		k := zipf.Uint64()
		if seen[k] {
			k = uint64(r.Intn(benchPool))
			if seen[k] {
				continue
			}
		}
		seen[k] = true
		name := "pkg-" + strconv.FormatUint(k, 10)
		v := fmt.Sprintf("1.%d.0", r.Intn(10))
		p := &sbom.Package{ID: name, Name: name, Version: v, Ecosystem: "npm", PURL: "pkg:npm/" + name + "@" + v}
		if n := len(inv.Packages); n >= 10 {
			parent := inv.Packages[r.Intn(n)]
			parent.DependsOn = append(parent.DependsOn, p.ID)
			if n%3 == 0 {
				other := inv.Packages[r.Intn(n)]
				if other != parent {
					other.DependsOn = append(other.DependsOn, p.ID)
				}
			}
		}
		inv.Packages = append(inv.Packages, p)
	}
	return inv
}

// writeBenchAdvisories writes n OSV advisories, advisory j against pkg-j versions below
// 1.5.0, and a withdrawn-free "hot" one against pkg-0 below 1.8.0 and a "rare" one against the
// last package of the pool.
func writeBenchAdvisories(b *testing.B, n int) string {
	dir := b.TempDir()
	write := func(id, pkg, fixed string) {
		doc := fmt.Sprintf(`{"schema_version":"1.6.0","id":%q,"modified":"2026-01-01T00:00:00Z","summary":"generated",
"severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
"affected":[{"package":{"ecosystem":"npm","name":%q},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":%q}]}]}]}`, id, pkg, fixed)
		if err := os.WriteFile(filepath.Join(dir, id+".json"), []byte(doc), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	for j := 1; j <= n; j++ {
		write(fmt.Sprintf("BENCH-%05d", j), "pkg-"+strconv.Itoa(j), "1.5.0")
	}
	write("BENCH-HOT", "pkg-0", "1.8.0")
	write("BENCH-RARE", "pkg-"+strconv.Itoa(benchPool-1), "1.8.0")
	return dir
}

func forEngines(b *testing.B, fn func(b *testing.B, dsn string)) {
	for _, e := range storetest.Engines() {
		b.Run(e.Name, func(b *testing.B) { fn(b, e.NewDSN(b)) })
	}
}

// BenchmarkIngest uploads artifacts of 500 components against 1,000 advisories.
func BenchmarkIngest(b *testing.B) {
	forEngines(b, func(b *testing.B, dsn string) {
		f := newFixture(b, dsn)
		f.importAdvisories(writeBenchAdvisories(b, 1000))
		invs := make([]*sbom.Inventory, 16)
		for i := range invs {
			invs[i] = genInventory(1, i, 500)
		}
		b.ReportAllocs()
		b.ResetTimer()
		findings := 0
		for i := range b.N {
			res, err := f.p.Ingest(f.ctx, IngestRequest{TeamID: 1, Name: "app", Digest: fmt.Sprintf("sha256:%064x", i), Inventory: invs[i%len(invs)]})
			if err != nil {
				b.Fatal(err)
			}
			findings += res.Findings
		}
		b.ReportMetric(float64(findings)/float64(b.N), "findings/op")
	})
}

// BenchmarkPortfolio builds a portfolio of HALLMARK_BENCH_ARTIFACTS artifacts (default 1,000)
// of 500 components and measures the affected answer and the re-evaluation of a popular
// advisory (its package is in most artifacts) and a rare one.
func BenchmarkPortfolio(b *testing.B) {
	n := 1000
	if s := os.Getenv("HALLMARK_BENCH_ARTIFACTS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	forEngines(b, func(b *testing.B, dsn string) {
		f := newFixture(b, dsn)
		f.importAdvisories(writeBenchAdvisories(b, 1000))
		for i := range n {
			_, err := f.p.Ingest(f.ctx, IngestRequest{TeamID: 1, Name: "app-" + strconv.Itoa(i), Digest: fmt.Sprintf("sha256:%064x", i), Inventory: genInventory(1, i, 500)})
			if err != nil {
				b.Fatal(err)
			}
			if i%10 == 0 {
				if _, err := f.p.Deploy(f.ctx, all, Deployment{ArtifactID: int64(i + 1), Environment: "prod", Target: strconv.Itoa(i % 50)}); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.Run("Metrics", func(b *testing.B) {
			for range b.N {
				if _, err := f.p.Metrics(context.Background(), all, 30); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("Search/pkg-0", func(b *testing.B) {
			for range b.N {
				if _, _, err := f.p.Search(context.Background(), all, "pkg:npm/pkg-0", ">=1.2.0,<1.5.0", Page{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("Findings", func(b *testing.B) {
			for i := range b.N {
				if _, _, err := f.p.Findings(context.Background(), all, int64(i%n+1), FindingQuery{State: "all"}); err != nil {
					b.Fatal(err)
				}
			}
		})
		for _, id := range []string{"BENCH-HOT", "BENCH-RARE"} {
			b.Run("AffectedBy/"+id, func(b *testing.B) {
				var comps int
				for range b.N {
					a, err := f.p.AffectedBy(context.Background(), all, id)
					if err != nil {
						b.Fatal(err)
					}
					comps = 0
					for _, x := range a.Artifacts {
						comps += len(x.Components)
					}
				}
				b.ReportMetric(float64(comps), "components")
			})
			b.Run("Reevaluate/"+id, func(b *testing.B) {
				var st *ReevalStats
				for range b.N {
					var err error
					if st, err = f.p.Reevaluate(context.Background(), []string{id}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(st.Components), "components")
			})
		}
	})
}

// BenchmarkIngestLarge uploads one SBOM of 100,000 components (distinct packages, a
// dependency tree) against 1,000 advisories: the work must grow linearly.
func BenchmarkIngestLarge(b *testing.B) {
	forEngines(b, func(b *testing.B, dsn string) {
		f := newFixture(b, dsn)
		f.importAdvisories(writeBenchAdvisories(b, 1000))
		const m = 100_000
		inv := &sbom.Inventory{}
		r := rand.New(rand.NewSource(1))
		for i := range m {
			name := "pkg-" + strconv.Itoa(i)
			v := fmt.Sprintf("1.%d.0", r.Intn(10))
			p := &sbom.Package{ID: name, Name: name, Version: v, Ecosystem: "npm", PURL: "pkg:npm/" + name + "@" + v}
			if i >= 10 {
				parent := inv.Packages[r.Intn(i)]
				parent.DependsOn = append(parent.DependsOn, p.ID)
			}
			inv.Packages = append(inv.Packages, p)
		}
		b.ResetTimer()
		for i := range b.N {
			res, err := f.p.Ingest(f.ctx, IngestRequest{TeamID: 1, Name: "big", Digest: fmt.Sprintf("sha256:%064x", i), Inventory: inv})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(res.Findings), "findings")
		}
	})
}
