package vulndb

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/hallmark-dev/hallmark/match"
	"github.com/hallmark-dev/hallmark/osv"
	"github.com/hallmark-dev/hallmark/store"
	"github.com/hallmark-dev/hallmark/store/storetest"
)

// briefCases are advisories with every field a brief keeps or drops.
var briefCases = map[string]string{
	"full": `{"schema_version":"1.6.0","id":"GHSA-1","modified":"2024-05-01T10:11:12.123456789Z","published":"2024-01-01T00:00:00Z",
		"aliases":["CVE-2024-1","CVE-2024-2"],"related":["X-1"],"upstream":["CVE-2023-9"],"summary":"a summary","details":"details\nmore",
		"severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},{"type":"Ubuntu","score":"high"}],
		"affected":[
		 {"package":{"ecosystem":"npm","name":"left-pad","purl":"pkg:npm/left-pad"},"severity":[{"type":"CVSS_V4","score":"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}],
		  "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.0.1"},{"limit":"3.0.0"}],"database_specific":{"x":1}},
		   {"type":"ECOSYSTEM","events":[{"introduced":"2.0.0"},{"last_affected":"2.1.0"}]}],
		  "versions":["0.9.0","1.0.0"],"ecosystem_specific":{"severity":"HIGH","imports":[{"path":"x"}]},"database_specific":{"severity":"LOW"}},
		 {"package":{"ecosystem":"Debian:12","name":"openssl"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"3.0.11-1~deb12u2"}]}],
		  "ecosystem_specific":{"urgency":"low"},"database_specific":{"severity":"medium"}},
		 {"package":{"ecosystem":"PyPI","name":"Foo"},"database_specific":{"severity":"moderate"}},
		 {"ranges":[{"type":"GIT","repo":"https://github.com/a/b","events":[{"introduced":"0123456789abcdef0123456789abcdef01234567"}]}],
		  "versions":["0123456789abcdef0123456789abcdef01234567"]}],
		"references":[{"type":"WEB","url":"https://example.org"}],"credits":[{"name":"x"}],
		"database_specific":{"Severity":"CRITICAL","cwe_ids":["CWE-79"]},"x_extra":true}`,
	"no summary": `{"id":"DSA-1","modified":"2024-05-01T00:00:00Z","details":"  first line\r\nsecond line",
		"affected":[{"package":{"ecosystem":"Debian:11","name":"curl"},"versions":["7.0-1"]}]}`,
	"withdrawn": `{"id":"GHSA-2","modified":"2024-05-01T00:00:00Z","withdrawn":"2024-06-01T00:00:00Z","summary":"s",
		"affected":[{"package":{"ecosystem":"Go","name":"example.com/m"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"}]}]}]}`,
	"zero time, label not a string": `{"id":"GO-1","modified":"0001-01-01T00:00:00Z","database_specific":{"severity":5},
		"affected":[{"package":{"ecosystem":"Go","name":"stdlib"},"ecosystem_specific":{"severity":["HIGH"]},"database_specific":{"severity":"HIGH"}}]}`,
	"minimal": `{"id":"X-1","modified":"2024-05-01T00:00:00Z"}`,
}

// briefView is what a brief must keep of an advisory (see encodeBrief), with the severity
// labels in place of the specific objects.
func briefView(v *osv.Vulnerability) *osv.Vulnerability {
	out := &osv.Vulnerability{ID: v.ID, Modified: v.Modified, Withdrawn: v.Withdrawn, Aliases: v.Aliases, Upstream: v.Upstream,
		Summary: v.Summary, Severity: v.Severity}
	if v.Summary == "" {
		out.Details = v.Details
	}
	label, _ := match.SeverityLabels(v, nil)
	out.DatabaseSpecific = labelObject(label)
	for i := range v.Affected {
		a := &v.Affected[i]
		b := osv.Affected{Package: osv.Package{Ecosystem: a.Package.Ecosystem, Name: a.Package.Name}, Severity: a.Severity, Versions: a.Versions}
		for _, r := range a.Ranges {
			b.Ranges = append(b.Ranges, osv.Range{Type: r.Type, Repo: r.Repo, Events: r.Events})
		}
		_, label := match.SeverityLabels(v, a)
		b.EcosystemSpecific = labelObject(label)
		out.Affected = append(out.Affected, b)
	}
	return out
}

var briefOpts = cmp.Options{cmpopts.IgnoreUnexported(osv.Vulnerability{}), cmpopts.EquateEmpty()}

// checkBrief checks that v's brief decodes to briefView(v) and gives the same severities.
func checkBrief(t *testing.T, name string, v *osv.Vulnerability) {
	t.Helper()
	got, err := decodeBrief(encodeBrief(v))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	// Compared as JSON first: cmp is slow over the 21,385 advisories of TestBriefCorpus.
	want := briefView(v)
	wj, err1 := json.Marshal(want)
	gj, err2 := json.Marshal(got)
	if err1 != nil || err2 != nil || !bytes.Equal(wj, gj) {
		t.Errorf("%s: brief (-want +got):\n%s", name, cmp.Diff(want, got, briefOpts))
	}
	if w, g := match.SeverityOf(v, nil), match.SeverityOf(got, nil); w != g {
		t.Errorf("%s: severity %+v, from the brief %+v", name, w, g)
	}
	for i := range v.Affected {
		if w, g := match.SeverityOf(v, &v.Affected[i]), match.SeverityOf(got, &got.Affected[i]); w != g {
			t.Errorf("%s: affected[%d] severity %+v, from the brief %+v", name, i, w, g)
		}
	}
}

func TestBriefRoundTrip(t *testing.T) {
	for name, doc := range briefCases {
		v, err := osv.Parse([]byte(doc))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		checkBrief(t, name, v)
	}
	// The testdata of package osv: real advisories of several databases.
	files, _ := filepath.Glob(filepath.Join("..", "osv", "testdata", "*.json"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		v, err := osv.Parse(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		checkBrief(t, f, v)
	}
}

// TestBriefCorpus checks the brief of every advisory in ../shared/data/osv.
func TestBriefCorpus(t *testing.T) {
	zips, _ := filepath.Glob(filepath.Join("..", "..", "shared", "data", "osv", "*", "all.zip"))
	if len(zips) == 0 {
		t.Skip("../shared/data/osv is absent")
	}
	n := 0
	for _, z := range zips {
		zr, err := zip.OpenReader(z)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range zr.File {
			if !strings.HasSuffix(f.Name, ".json") {
				continue
			}
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			data, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			v, err := osv.Parse(data)
			if err != nil {
				continue // malformed advisories are not stored
			}
			checkBrief(t, z+":"+f.Name, v)
			n++
		}
		zr.Close()
	}
	t.Logf("%d advisories", n)
}

func TestDecodeBriefCorrupt(t *testing.T) {
	v, err := osv.Parse([]byte(briefCases["full"]))
	if err != nil {
		t.Fatal(err)
	}
	b := encodeBrief(v)
	for _, bad := range [][]byte{nil, {2}, b[:len(b)-1], append(b[:len(b):len(b)], 0), {1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}} {
		if _, err := decodeBrief(bad); !errors.Is(err, errBrief) {
			t.Errorf("decodeBrief(%q) = %v, want errBrief", bad, err)
		}
	}
	for i := range b { // every truncation
		if _, err := decodeBrief(b[:i]); !errors.Is(err, errBrief) {
			t.Fatalf("decodeBrief(first %d bytes) = %v, want errBrief", i, err)
		}
	}
}

func FuzzDecodeBrief(f *testing.F) {
	for _, doc := range briefCases {
		if v, err := osv.Parse([]byte(doc)); err == nil {
			f.Add(encodeBrief(v))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := decodeBrief(b)
		if err != nil {
			if !errors.Is(err, errBrief) {
				t.Fatalf("error %v does not wrap errBrief", err)
			}
			return
		}
		// What decodes encodes again to a brief that decodes to the same advisory.
		again, err := decodeBrief(encodeBrief(v))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(briefView(v), again, briefOpts); diff != "" {
			t.Fatalf("re-encoded brief (-want +got):\n%s", diff)
		}
	})
}

// openImported opens the database dsn and imports files (name → advisory JSON) into it.
func openImported(t *testing.T, dsn string, files map[string]string) *DB {
	t.Helper()
	db, err := Open(context.Background(), dsn, semverOnly)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Import(context.Background(), writeFiles(t, files), nil); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestBriefs reads advisories as a scan does, on both engines: from their briefs, and from
// their documents when a brief is missing (an advisory stored by an older Hallmark).
func TestBriefs(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		files := map[string]string{}
		for name, doc := range briefCases {
			files[strings.ReplaceAll(name, " ", "-")+".json"] = doc
		}
		db := openImported(t, dsn, files)
		ids := []string{"GHSA-1", "DSA-1", "GO-1", "X-1", "GHSA-2", "MISSING", "GHSA-1"}
		whole, err := db.Advisories(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]*osv.Vulnerability{}
		for id, v := range whole {
			want[id] = briefView(v)
		}
		got, err := db.Briefs(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got, briefOpts); diff != "" {
			t.Errorf("Briefs (-want +got):\n%s", diff)
		}
		// Without briefs, the documents are read whole.
		if _, err := db.st.SQL().ExecContext(ctx, `DELETE FROM advisory_briefs WHERE advisory_id IN ('GHSA-1', 'DSA-1')`); err != nil {
			t.Fatal(err)
		}
		got, err = db.Briefs(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		wantWhole := maps.Clone(want)
		wantWhole["GHSA-1"], wantWhole["DSA-1"] = whole["GHSA-1"], whole["DSA-1"]
		if diff := cmp.Diff(wantWhole, got, briefOpts); diff != "" {
			t.Errorf("Briefs without some briefs (-want +got):\n%s", diff)
		}
		// The next import writes the missing briefs.
		st, err := db.Import(ctx, writeFiles(t, map[string]string{"new.json": `{"id":"NEW-1","modified":"2024-01-01T00:00:00Z"}`}), nil)
		if err != nil {
			t.Fatal(err)
		}
		if st.Added != 1 || st.Briefs != 2 {
			t.Errorf("import: %d added, %d briefs written, want 1 and 2", st.Added, st.Briefs)
		}
		got, err = db.Briefs(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got, briefOpts); diff != "" {
			t.Errorf("Briefs after they were written again (-want +got):\n%s", diff)
		}
		if n, err := db.fillBriefs(ctx); n != 0 || err != nil {
			t.Errorf("fillBriefs with every brief = %d, %v", n, err)
		}
	})
}

// TestBriefFollowsDocument checks that a brief goes when its advisory is deleted or its
// document rewritten by a writer that knows nothing of briefs (an older Hallmark).
func TestBriefFollowsDocument(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db := openImported(t, dsn, map[string]string{"a.json": briefCases["full"], "b.json": briefCases["minimal"]})
		sqlDB := db.st.SQL()
		count := func() int {
			var n int
			if err := sqlDB.QueryRowContext(ctx, `SELECT COUNT(*) FROM advisory_briefs`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := count(); n != 2 {
			t.Fatalf("%d briefs after the import, want 2", n)
		}
		newer, _ := json.Marshal(map[string]string{"id": "X-1", "modified": "2025-01-01T00:00:00Z", "summary": "rewritten"})
		if db.st.Dialect() == store.SQLite { // PostgreSQL: no trigger; only vulndb writes there, and never in place
			if _, err := sqlDB.ExecContext(ctx, `UPDATE advisories SET modified = '2025-01-01T00:00:00Z', doc = ? WHERE id = 'X-1'`, newer); err != nil {
				t.Fatal(err)
			}
			if n := count(); n != 1 {
				t.Fatalf("%d briefs after a document was rewritten, want 1", n)
			}
			got, err := db.Briefs(ctx, []string{"X-1"})
			if err != nil {
				t.Fatal(err)
			}
			if got["X-1"] == nil || got["X-1"].Summary != "rewritten" {
				t.Errorf("Briefs after the rewrite = %+v, want the rewritten document", got["X-1"])
			}
		}
		if _, err := sqlDB.ExecContext(ctx, `DELETE FROM advisories WHERE id = 'GHSA-1'`); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := sqlDB.QueryRowContext(ctx, `SELECT COUNT(*) FROM advisory_briefs WHERE advisory_id = 'GHSA-1'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("the brief of a deleted advisory is still there")
		}
	})
}

// BenchmarkBrief decodes the advisories of ../osv/testdata from their briefs and, for
// comparison, parses their JSON documents.
func BenchmarkBrief(b *testing.B) {
	files, _ := filepath.Glob(filepath.Join("..", "osv", "testdata", "*.json"))
	var docs, briefs [][]byte
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		v, err := osv.Parse(data)
		if err != nil {
			b.Fatal(err)
		}
		docs, briefs = append(docs, data), append(briefs, encodeBrief(v))
	}
	b.Run("decodeBrief", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if _, err := decodeBrief(briefs[i%len(briefs)]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("osv.Parse", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if _, err := osv.Parse(docs[i%len(docs)]); err != nil {
				b.Fatal(err)
			}
		}
	})
}
