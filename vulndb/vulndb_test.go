package vulndb

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hallmark-dev/hallmark/store/storetest"
	"github.com/hallmark-dev/hallmark/version"
	"github.com/hallmark-dev/hallmark/version/semver"
)

func semverOnly(string, string) (version.Scheme, bool) { return semver.Loose, true }

func open(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "osv.db"), semverOnly)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

const advA = `{"id":"GHSA-aaaa","aliases":["CVE-2024-1"],"modified":"2024-01-01T00:00:00Z","affected":[
 {"package":{"ecosystem":"npm","name":"left"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.2.0"}]}],"versions":["weird-1"]}]}`
const advB = `{"id":"OSV-2024-2","aliases":["CVE-2024-1"],"modified":"2024-01-01T00:00:00Z","affected":[
 {"package":{"ecosystem":"Debian:12","name":"openssl"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"3.0.0"}]}]},
 {"package":{"ecosystem":"npm","name":"bad"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"not.a.version!"}]}]}]}`
const advW = `{"id":"GHSA-wwww","modified":"2024-01-01T00:00:00Z","withdrawn":"2024-02-01T00:00:00Z","affected":[
 {"package":{"ecosystem":"npm","name":"left"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"}]}]}]}`

func writeFiles(t *testing.T, files map[string]string) string {
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func zipOf(t *testing.T, files map[string]string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, _ := zw.Create(name)
		w.Write([]byte(body))
	}
	zw.Close()
	return buf.Bytes()
}

// TestImportAndCandidates is the advisory part of the storetest suite: it runs on SQLite and
// on PostgreSQL.
func TestImportAndCandidates(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		db, err := Open(context.Background(), dsn, semverOnly)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		testImportAndCandidates(t, db)
	})
}

func testImportAndCandidates(t *testing.T, db *DB) {
	ctx := context.Background()
	dir := writeFiles(t, map[string]string{
		"npm/GHSA-aaaa.json": advA,
		"GHSA-wwww.json":     advW,
		"broken.json":        `{"id":`,
		"noid.json":          `{"modified":"2024-01-01T00:00:00Z"}`,
		".git/x.json":        `not read`,
		"README.md":          `not read`,
	})
	os.WriteFile(filepath.Join(dir, "Debian", "all.zip"), zipOf(t, map[string]string{"OSV-2024-2.json": advB}), 0o644)
	os.MkdirAll(filepath.Join(dir, "Debian"), 0o755)
	os.WriteFile(filepath.Join(dir, "Debian", "all.zip"), zipOf(t, map[string]string{"OSV-2024-2.json": advB}), 0o644)

	st, err := db.Import(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Read != 3 || st.Added != 3 || st.Withdrawn != 1 || st.Unparsed != 1 || len(st.Malformed) != 2 {
		t.Errorf("stats = %+v", st)
	}
	for _, m := range st.Malformed {
		if !strings.HasSuffix(m.File, "broken.json") && !strings.HasSuffix(m.File, "noid.json") {
			t.Errorf("malformed %+v", m)
		}
	}
	// A second import of the same data does no work.
	st2, err := db.Import(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st2.Unchanged != 3 || st2.Added != 0 || st2.Updated != 0 {
		t.Errorf("re-import stats = %+v", st2)
	}

	key := func(v string) []byte { return KeyOf(semver.Loose, v) }
	for _, c := range []struct {
		q    Query
		want []string
	}{
		{Query{Ecosystem: "npm", Names: []string{"left"}, Version: "1.1.0", Key: key("1.1.0")}, []string{"GHSA-aaaa"}},
		{Query{Ecosystem: "npm", Names: []string{"left"}, Version: "1.2.0", Key: key("1.2.0")}, nil},
		{Query{Ecosystem: "npm", Names: []string{"left"}, Version: "weird-1"}, []string{"GHSA-aaaa"}},
		{Query{Ecosystem: "Debian", Release: "12", Names: []string{"libssl3", "openssl"}, Version: "1.1.1", Key: key("1.1.1")}, []string{"OSV-2024-2"}},
		{Query{Ecosystem: "Debian", Release: "11", Names: []string{"openssl"}, Version: "1.1.1", Key: key("1.1.1")}, nil},
	} {
		got, err := db.Candidates(ctx, c.q)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("Candidates(%+v) (-want +got):\n%s", c.q, diff)
		}
	}

	s, err := db.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.Advisories != 3 || s.Withdrawn != 1 || s.ByEcosystem["npm"] != 1 || s.ByEcosystem["Debian"] != 1 || s.Unparsed != 1 || len(s.Sources) != 1 {
		t.Errorf("status = %+v", s)
	}
	group, err := db.AliasGroup(ctx, "GHSA-aaaa")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"GHSA-aaaa", "OSV-2024-2"}, group); diff != "" {
		t.Errorf("alias group: %s", diff)
	}

	// An updated advisory replaces its rows.
	upd := strings.Replace(strings.Replace(advA, "2024-01-01", "2024-05-01", 1), `"fixed":"1.2.0"`, `"fixed":"1.1.0"`, 1)
	os.WriteFile(filepath.Join(dir, "npm", "GHSA-aaaa.json"), []byte(upd), 0o644)
	st3, err := db.Import(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st3.Updated != 1 {
		t.Errorf("update stats = %+v", st3)
	}
	if got, _ := db.Candidates(ctx, Query{Ecosystem: "npm", Names: []string{"left"}, Version: "1.1.0", Key: key("1.1.0")}); len(got) != 0 {
		t.Errorf("after the update 1.1.0 still matches %v", got)
	}
}

func TestImportHostileZip(t *testing.T) {
	db := open(t)
	dir := t.TempDir()
	big := strings.Repeat(" ", 70<<20) // compresses to almost nothing: larger than osv.MaxSize
	os.WriteFile(filepath.Join(dir, "bomb.zip"), zipOf(t, map[string]string{"x.json": big, "ok.json": advA}), 0o644)
	os.WriteFile(filepath.Join(dir, "corrupt.zip"), []byte("PK\x03\x04 not really a zip"), 0o644)
	st, err := db.Import(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Added != 1 || len(st.Malformed) != 2 {
		t.Errorf("stats = %+v", st)
	}
}

func FuzzImportDocument(f *testing.F) {
	f.Add([]byte(advA))
	f.Add([]byte(advB))
	f.Add([]byte(advW))
	db, err := Open(context.Background(), filepath.Join(f.TempDir(), "osv.db"), semverOnly)
	if err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	f.Fuzz(func(t *testing.T, doc []byte) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "a.json"), doc, 0o644)
		if _, err := db.Import(context.Background(), dir, nil); err != nil {
			t.Fatalf("import failed as a whole: %v", err)
		}
	})
}

// TestImportSingleChanged imports one advisory file at a time into a database that holds
// others (as the server does with uploads): only that advisory's stored version is consulted,
// and Changed names what was added or updated.
func TestImportSingleChanged(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	dir := writeFiles(t, map[string]string{"GHSA-wwww.json": advW})
	if _, err := db.Import(ctx, dir, nil); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(writeFiles(t, map[string]string{"a.json": advA}), "a.json")
	for _, c := range []struct {
		doc                    string
		added, updated, unchgd int
		changed                []string
	}{
		{advA, 1, 0, 0, []string{"GHSA-aaaa"}},
		{advA, 0, 0, 1, nil},
		{strings.Replace(advA, "2024-01-01", "2024-06-01", 1), 0, 1, 0, []string{"GHSA-aaaa"}},
		{advA, 0, 0, 1, nil}, // older than the stored copy
	} {
		os.WriteFile(file, []byte(c.doc), 0o644)
		st, err := db.Import(ctx, file, nil)
		if err != nil {
			t.Fatal(err)
		}
		if st.Added != c.added || st.Updated != c.updated || st.Unchanged != c.unchgd {
			t.Errorf("stats = %+v, want added %d updated %d unchanged %d", st, c.added, c.updated, c.unchgd)
		}
		if diff := cmp.Diff(c.changed, st.Changed); diff != "" {
			t.Errorf("Changed (-want +got):\n%s", diff)
		}
	}
	key := KeyOf(semver.Loose, "1.0.0")
	got, err := db.Candidates(ctx, Query{Ecosystem: "npm", Names: []string{"left"}, Version: "1.0.0", Key: key})
	if err != nil || len(got) != 1 || got[0] != "GHSA-aaaa" {
		t.Errorf("Candidates after the single imports = %v, %v", got, err)
	}
}
