package vulndb

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hallmark-dev/hallmark/match"
	"github.com/hallmark-dev/hallmark/store/storetest"
)

// candidateCorpus writes advisories of every range shape for a few packages: unbounded
// intervals, fixed and last_affected ends, limits, versions lists with versions that parse
// ("1.0" and "1.0.0" have the same key) and that do not, and Debian release variants.
func candidateCorpus(r *rand.Rand, n int) map[string]string {
	ver := func() string {
		v := fmt.Sprintf("%d.%d.%d", r.IntN(3), r.IntN(4), r.IntN(4))
		if r.IntN(6) == 0 {
			v = fmt.Sprintf("%d.%d", r.IntN(3), r.IntN(4))
		}
		return v
	}
	files := map[string]string{}
	for i := range n {
		var events string
		switch r.IntN(6) {
		case 0:
			events = `{"introduced":"0"}`
		case 1:
			events = fmt.Sprintf(`{"introduced":%q}`, ver())
		case 2:
			events = fmt.Sprintf(`{"introduced":"0"},{"fixed":%q}`, ver())
		case 3:
			events = fmt.Sprintf(`{"introduced":%q},{"last_affected":%q}`, ver(), ver())
		case 4:
			events = fmt.Sprintf(`{"introduced":%q},{"fixed":%q},{"introduced":%q},{"fixed":%q}`, ver(), ver(), ver(), ver())
		default:
			events = fmt.Sprintf(`{"introduced":"0"},{"limit":%q}`, ver())
		}
		versions := fmt.Sprintf(`[%q,%q,"weird-%d"]`, ver(), ver(), r.IntN(3))
		eco := []string{"npm", "Debian:11", "Debian:12", "Debian"}[r.IntN(4)]
		id := fmt.Sprintf("ADV-%d", i)
		files[id+".json"] = fmt.Sprintf(`{"id":%q,"modified":"2024-01-01T00:00:00Z","affected":[
			{"package":{"ecosystem":%q,"name":"pkg-%d"},"ranges":[{"type":"ECOSYSTEM","events":[%s]}],"versions":%s}]}`,
			id, eco, r.IntN(3), events, versions)
	}
	return files
}

// TestCandidatesAgreeWithRows checks the candidate query against the definition of the index
// rows (see migration 0001), applied to every row: an interval containing the key, or a
// listed version equal by key or by string, of a variant matching the release.
func TestCandidatesAgreeWithRows(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		r := rand.New(rand.NewPCG(5, 6))
		db := openImported(t, dsn, candidateCorpus(r, 300))
		type row struct {
			id, eco, variant, name, kind, version string
			lo, hi                                []byte
			hiInclusive                           bool
		}
		var rows []row
		res, err := db.st.SQL().QueryContext(ctx, `SELECT advisory_id, ecosystem, variant, name, kind, lo, hi, hi_inclusive, version FROM affected`)
		if err != nil {
			t.Fatal(err)
		}
		for res.Next() {
			var x row
			var inc int
			var v sql.NullString
			if err := res.Scan(&x.id, &x.eco, &x.variant, &x.name, &x.kind, &x.lo, &x.hi, &inc, &v); err != nil {
				t.Fatal(err)
			}
			x.hiInclusive, x.version = inc == 1, v.String
			rows = append(rows, x)
		}
		res.Close()
		if len(rows) < 600 {
			t.Fatalf("only %d index rows", len(rows))
		}
		s, _ := semverOnly("", "")
		versions := []string{"", "weird-1", "0", "1.0", "1.0.0", "1.2", "1.2.3", "2.3.3", "2.4", "9.9.9"}
		n := 0
		for _, eco := range []string{"npm", "Debian"} {
			for _, release := range []string{"", "11", "12"} {
				for p := range 3 {
					for _, v := range versions {
						q := Query{Ecosystem: eco, Release: release, Names: []string{fmt.Sprintf("pkg-%d", p)}, Version: v, Key: KeyOf(s, v)}
						var want []string
						for _, x := range rows {
							if x.eco != q.Ecosystem || x.name != q.Names[0] || !match.ReleaseMatches(x.variant, q.Release) {
								continue
							}
							in := q.Key != nil && (x.kind == "range" || x.kind == "exact" && x.lo != nil) &&
								match.Interval{Lo: x.lo, Hi: x.hi, HiInclusive: x.hiInclusive}.Contains(q.Key)
							if in || x.kind == "exact" && q.Version != "" && x.version == q.Version {
								want = append(want, x.id)
							}
						}
						slices.Sort(want)
						want = slices.Compact(want)
						got, err := db.Candidates(ctx, q)
						if err != nil {
							t.Fatal(err)
						}
						if diff := cmp.Diff(want, got); diff != "" {
							t.Fatalf("Candidates(%+v) (-want +got):\n%s", q, diff)
						}
						n += len(got)
					}
				}
			}
		}
		if n == 0 {
			t.Fatal("no query found a candidate")
		}
		// Exact rows hold lo = hi, which the query's key search relies on.
		for _, x := range rows {
			if x.kind == "exact" && (!bytes.Equal(x.lo, x.hi) || x.lo != nil && !x.hiInclusive) {
				t.Fatalf("exact row %+v: lo != hi", x)
			}
		}
	})
}
