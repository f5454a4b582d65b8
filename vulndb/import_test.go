package vulndb

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hallmark-dev/hallmark/version/semver"
)

// An advisory held twice by one source, the second copy newer, replaces the first even in the
// first import of an empty database (where the indexes are built after the load).
func TestImportDuplicateIntoEmpty(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	newer := strings.Replace(strings.Replace(advA, "2024-01-01", "2024-05-01", 1), `"fixed":"1.2.0"`, `"fixed":"1.1.0"`, 1)
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "a"), 0o755)
	os.MkdirAll(filepath.Join(dir, "b"), 0o755)
	os.WriteFile(filepath.Join(dir, "a", "all.zip"), zipOf(t, map[string]string{"GHSA-aaaa.json": advA, "OSV-2024-2.json": advB}), 0o644)
	os.WriteFile(filepath.Join(dir, "b", "all.zip"), zipOf(t, map[string]string{"GHSA-aaaa.json": newer, "OSV-2024-2.json": advB}), 0o644)
	st, err := db.Import(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Read != 4 || st.Added != 2 || st.Updated != 1 || st.Unchanged != 1 {
		t.Errorf("stats = %+v", st)
	}
	key := func(v string) []byte { return KeyOf(semver.Loose, v) }
	for v, want := range map[string][]string{"1.0.0": {"GHSA-aaaa"}, "1.1.0": nil} {
		got, err := db.Candidates(ctx, Query{Ecosystem: "npm", Names: []string{"left"}, Version: v, Key: key(v)})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: %s", v, diff)
		}
	}
	group, err := db.AliasGroup(ctx, "GHSA-aaaa")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"GHSA-aaaa", "OSV-2024-2"}, group); diff != "" {
		t.Errorf("alias group: %s", diff)
	}
	var n int
	db.st.SQL().QueryRow(`SELECT COUNT(*) FROM affected WHERE advisory_id = 'GHSA-aaaa'`).Scan(&n)
	if n != 2 { // the range and the listed version of the newer copy only
		t.Errorf("%d rows for GHSA-aaaa", n)
	}
}
