package vulndb

import (
	"archive/zip"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/hallmark-dev/hallmark/version/lookup"
)

// benchCorpus writes n synthetic advisories (npm, PyPI and Debian, with the common range
// shapes) as <Ecosystem>/all.zip files under a temporary directory. bench/genosv writes the
// full-scale corpus; this one is small enough for go test.
func benchCorpus(b *testing.B, n int) string {
	b.Helper()
	dir := b.TempDir()
	r := rand.New(rand.NewPCG(1, 2))
	type eco struct{ name, variant, suffix string }
	ecos := []eco{{"npm", "npm", ""}, {"PyPI", "PyPI", ""}, {"Debian", "Debian:12", "-1"}}
	zips := map[string]*zip.Writer{}
	var files []*os.File
	for _, e := range ecos {
		os.MkdirAll(filepath.Join(dir, e.name), 0o755)
		f, err := os.Create(filepath.Join(dir, e.name, "all.zip"))
		if err != nil {
			b.Fatal(err)
		}
		files = append(files, f)
		zips[e.name] = zip.NewWriter(f)
	}
	for i := 0; i < n; i++ {
		e := ecos[i%len(ecos)]
		ver := func(a, m, p int) string { return fmt.Sprintf("%d.%d.%d%s", a, m, p, e.suffix) }
		a, m := r.IntN(5), r.IntN(20)
		var events string
		switch r.IntN(4) {
		case 0:
			events = fmt.Sprintf(`{"introduced":"0"},{"fixed":%q}`, ver(a, m, 1+r.IntN(9)))
		case 1:
			events = fmt.Sprintf(`{"introduced":%q},{"fixed":%q},{"introduced":%q},{"fixed":%q}`, ver(a, m, 0), ver(a, m, 3), ver(a+1, 0, 0), ver(a+1, 0, 2))
		case 2:
			events = fmt.Sprintf(`{"introduced":%q},{"last_affected":%q}`, ver(a, m, 0), ver(a, m, 4))
		default:
			events = fmt.Sprintf(`{"introduced":"0"},{"limit":%q}`, ver(a, m+1, 0))
		}
		id := fmt.Sprintf("BENCH-%d", i)
		doc := fmt.Sprintf(`{"schema_version":"1.6.0","id":%q,"modified":"2024-05-01T00:00:00Z","published":"2024-01-01T00:00:00Z",
"aliases":["CVE-2024-%d"],"summary":"a synthetic advisory","details":"Details of the synthetic advisory, about as long as a short real one: a crafted input causes a denial of service.",
"severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
"affected":[{"package":{"ecosystem":%q,"name":"pkg-%d"},"ranges":[{"type":"ECOSYSTEM","events":[%s]}],"versions":[%q,%q]}],
"references":[{"type":"ADVISORY","url":"https://example.org/%s"}]}`, id, r.IntN(n), e.variant, r.IntN(n/10+1), events, ver(a, m, 0), ver(a, m, 1), id)
		w, err := zips[e.name].Create(id + ".json")
		if err != nil {
			b.Fatal(err)
		}
		w.Write([]byte(doc))
	}
	for i, e := range ecos {
		if err := zips[e.name].Close(); err != nil {
			b.Fatal(err)
		}
		files[i].Close()
	}
	return dir
}

func benchImport(b *testing.B, src string) {
	ctx := context.Background()
	read := 0
	for i := 0; b.Loop(); i++ {
		db, err := Open(ctx, filepath.Join(b.TempDir(), fmt.Sprintf("osv%d.db", i)), lookup.For)
		if err != nil {
			b.Fatal(err)
		}
		st, err := db.Import(ctx, src, nil)
		if err != nil {
			b.Fatal(err)
		}
		read += st.Read
		db.Close()
	}
	b.ReportMetric(float64(read)/b.Elapsed().Seconds(), "advisories/s")
}

// BenchmarkImport imports 20,000 synthetic advisories into an empty database.
func BenchmarkImport(b *testing.B) {
	benchImport(b, benchCorpus(b, 20_000))
}

// BenchmarkImportShared imports ../shared/data/osv (about 21,000 real advisories) into an
// empty database; it is skipped when the directory is absent.
func BenchmarkImportShared(b *testing.B) {
	src := filepath.Join("..", "..", "shared", "data", "osv")
	if _, err := os.Stat(src); err != nil {
		b.Skip("../shared/data/osv is absent")
	}
	benchImport(b, src)
}

// BenchmarkCandidates looks up one package version in a database of 20,000 advisories.
func BenchmarkCandidates(b *testing.B) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(b.TempDir(), "osv.db"), lookup.For)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Import(ctx, benchCorpus(b, 20_000), nil); err != nil {
		b.Fatal(err)
	}
	s, _ := lookup.For("npm", "")
	qs := make([]Query, 1000)
	r := rand.New(rand.NewPCG(3, 4))
	for i := range qs {
		v := fmt.Sprintf("%d.%d.%d", r.IntN(5), r.IntN(20), r.IntN(10))
		qs[i] = Query{Ecosystem: "npm", Names: []string{fmt.Sprintf("pkg-%d", r.IntN(2000))}, Version: v, Key: KeyOf(s, v)}
	}
	found := 0
	for i := 0; b.Loop(); i++ {
		ids, err := db.Candidates(ctx, qs[i%len(qs)])
		if err != nil {
			b.Fatal(err)
		}
		found += len(ids)
	}
	b.ReportMetric(float64(found)/float64(b.N), "candidates/op")
}

// BenchmarkImportCorpus imports the directory named by HALLMARK_BENCH_OSV (for example the
// corpus bench/genosv writes) into an empty database; it is skipped when the variable is unset.
func BenchmarkImportCorpus(b *testing.B) {
	src := os.Getenv("HALLMARK_BENCH_OSV")
	if src == "" {
		b.Skip("HALLMARK_BENCH_OSV is not set")
	}
	benchImport(b, src)
}
