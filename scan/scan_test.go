package scan

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hallmark-dev/hallmark/report"
	"github.com/hallmark-dev/hallmark/sbom"
	"github.com/hallmark-dev/hallmark/version/lookup"
	"github.com/hallmark-dev/hallmark/vulndb"
)

const lodashAdv = `{"id":"GHSA-35jh-r3h4-6jhm","aliases":["CVE-2021-23337"],"modified":"2024-06-01T00:00:00Z","summary":"Command Injection in lodash",
 "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H"}],
 "affected":[{"package":{"ecosystem":"npm","name":"lodash"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"4.17.21"}]}]}]}`
const debAdv = `{"id":"DSA-5000-1","aliases":["CVE-2024-9"],"modified":"2024-06-01T00:00:00Z","affected":[
 {"package":{"ecosystem":"Debian:12","name":"openssl"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"3.0.11-1~deb12u2"}]}]}]}`
const pypiAdv = `{"id":"PYSEC-1","modified":"2024-06-01T00:00:00Z","affected":[
 {"package":{"ecosystem":"PyPI","name":"Foo.Bar"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.0.post1"}]}]}]}`

func testDB(t *testing.T, docs ...string) *vulndb.DB {
	t.Helper()
	dir := t.TempDir()
	for i, d := range docs {
		os.WriteFile(filepath.Join(dir, strings.Repeat("a", i+1)+".json"), []byte(d), 0o644)
	}
	db, err := vulndb.Open(context.Background(), filepath.Join(t.TempDir(), "osv.db"), lookup.For)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Import(context.Background(), dir, nil); err != nil {
		t.Fatal(err)
	}
	return db
}

func testInventory() *sbom.Inventory {
	inv := &sbom.Inventory{Sources: []sbom.Source{{Kind: sbom.SourceDirectory, Name: "app"}}}
	inv.Add([]*sbom.Package{
		{ID: "root", Name: "app", Type: sbom.TypeApplication, Ecosystem: "npm", PURL: "pkg:npm/app", DependsOn: []string{"express"}},
		{ID: "express", Name: "express", Version: "4.17.1", Ecosystem: "npm", PURL: "pkg:npm/express@4.17.1", DependsOn: []string{"lodash"}, Relation: sbom.RelationDirect},
		{ID: "lodash", Name: "lodash", Version: "4.17.20", Ecosystem: "npm", PURL: "pkg:npm/lodash@4.17.20", Relation: sbom.RelationTransitive,
			Locations: []sbom.Location{{Path: "package-lock.json", Line: 40}}},
		{ID: "ok", Name: "lodash", Version: "4.17.21", Ecosystem: "npm", PURL: "pkg:npm/lodash@4.17.21"},
		{ID: "libssl", Name: "libssl3", Version: "3.0.11-1~deb12u1", SourceName: "openssl", Ecosystem: "Debian", PURL: "pkg:deb/debian/libssl3@3.0.11-1~deb12u1",
			Properties: map[string]string{"hallmark:os:ecosystem": "Debian:12"}},
		{ID: "libssl11", Name: "libssl3", Version: "3.0.11-1~deb11u1", SourceName: "openssl", Ecosystem: "Debian", PURL: "pkg:deb/debian/libssl3@3.0.11-1~deb11u1?distro=11",
			Properties: map[string]string{"hallmark:os:ecosystem": "Debian:11"}},
		{ID: "foo", Name: "foo-bar", Version: "1.0", Ecosystem: "PyPI", PURL: "pkg:pypi/foo-bar@1.0"},
		{ID: "req", Name: "requests", Constraint: ">=2", Unresolved: true, Ecosystem: "PyPI", PURL: "pkg:pypi/requests"},
	})
	inv.Finalize()
	return inv
}

func TestRun(t *testing.T) {
	db := testDB(t, lodashAdv, debAdv, pypiAdv)
	res, err := Run(context.Background(), testInventory(), db, Options{Schemes: lookup.For, Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	type brief struct {
		ID, Pkg, Level, Advice string
		Via                    []string
	}
	var got []brief
	for _, f := range res.Findings {
		got = append(got, brief{f.ID, f.Package.Name + "@" + f.Package.Version, f.Severity.Level, f.Advice, f.Via})
	}
	want := []brief{
		{"GHSA-35jh-r3h4-6jhm", "lodash@4.17.20", "high", "4.17.21", []string{"express@4.17.1"}},
		{"PYSEC-1", "foo-bar@1.0", "unknown", "1.0.post1", nil},
		{"DSA-5000-1", "libssl3@3.0.11-1~deb12u1", "unknown", "3.0.11-1~deb12u2", nil},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if len(res.Unmatched) != 1 || res.Unmatched[0].Package.Name != "requests" {
		t.Errorf("unmatched = %+v", res.Unmatched)
	}
	// The JSON contract reads back and renders the same.
	var buf bytes.Buffer
	if err := report.WriteJSON(&buf, res); err != nil {
		t.Fatal(err)
	}
	back, err := report.ReadJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	report.WriteTable(&a, res)
	report.WriteTable(&b, back)
	if a.String() != b.String() {
		t.Errorf("table from JSON differs:\n%s\n---\n%s", a.String(), b.String())
	}
}

func TestIgnoreFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, ".hallmark.yaml")
	os.WriteFile(p, []byte(`ignore:
  - id: CVE-2021-23337
    package: lodash
    reason: template() never sees user input
    expires: 2099-01-01
  - id: PYSEC-1
    reason: old exception
    expires: 2020-01-01
`), 0o644)
	ig, err := ReadIgnoreFile(p)
	if err != nil {
		t.Fatal(err)
	}
	db := testDB(t, lodashAdv, pypiAdv)
	res, err := Run(context.Background(), testInventory(), db, Options{Schemes: lookup.For, Ignores: ig, Now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Findings {
		switch f.ID {
		case "GHSA-35jh-r3h4-6jhm":
			if f.Ignored == nil || f.Ignored.Reason != "template() never sees user input" {
				t.Errorf("lodash finding not ignored: %+v", f.Ignored)
			}
		case "PYSEC-1":
			if f.Ignored != nil {
				t.Errorf("an expired entry still applies: %+v", f.Ignored)
			}
		}
	}
	if len(res.ExpiredIgnores) != 1 || res.ExpiredIgnores[0].ID != "PYSEC-1" {
		t.Errorf("expired = %+v", res.ExpiredIgnores)
	}
	if len(res.Active()) != 1 {
		t.Errorf("active findings = %d, want 1", len(res.Active()))
	}
}

func TestIgnoreFileErrors(t *testing.T) {
	for name, body := range map[string]string{
		"no reason":   "ignore:\n  - id: X\n    expires: 2099-01-01\n",
		"no expiry":   "ignore:\n  - id: X\n    reason: r\n",
		"bad date":    "ignore:\n  - id: X\n    reason: r\n    expires: soon\n",
		"no id":       "ignore:\n  - reason: r\n    expires: 2099-01-01\n",
		"unknown key": "ignore:\n  - id: X\n    reason: r\n    expires: 2099-01-01\n    until: x\n",
		"not yaml":    "ignore: [",
	} {
		p := filepath.Join(t.TempDir(), "x.yaml")
		os.WriteFile(p, []byte(body), 0o644)
		if _, err := ReadIgnoreFile(p); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestRunWindows checks that evaluating the packages a few candidates at a time (the
// windows that bound what a scan holds) gives the same result as evaluating them at once,
// including for an advisory that packages in two windows share.
func TestRunWindows(t *testing.T) {
	db := testDB(t, lodashAdv, debAdv, pypiAdv)
	run := func(window int) *report.Result {
		t.Helper()
		defer func(w int) { windowAdvisories = w }(windowAdvisories)
		windowAdvisories = window
		res, err := Run(context.Background(), testInventory(), db, Options{Schemes: lookup.For, Now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	want := run(1 << 20)
	if len(want.Findings) < 3 {
		t.Fatalf("%d findings, want at least 3 to compare", len(want.Findings))
	}
	for _, w := range []int{0, 1, 2} {
		if diff := cmp.Diff(want.Findings, run(w).Findings); diff != "" {
			t.Errorf("window %d (-all at once +windows):\n%s", w, diff)
		}
	}
}

func TestWindow(t *testing.T) {
	jobs := []*job{{ids: []string{"a", "b"}}, {ids: nil}, {ids: []string{"c"}}, {ids: []string{"d", "e", "f"}}, {ids: []string{"g"}}}
	defer func(w int) { windowAdvisories = w }(windowAdvisories)
	windowAdvisories = 3
	var got [][2]int
	for lo := 0; lo < len(jobs); {
		hi := window(jobs, lo)
		got = append(got, [2]int{lo, hi})
		lo = hi
	}
	// a window holds at most 3 candidates, unless one job alone has more.
	want := [][2]int{{0, 3}, {3, 4}, {4, 5}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("windows (-want +got):\n%s", diff)
	}
}

func TestUnmatchedReason(t *testing.T) {
	for _, tc := range []struct {
		p    sbom.Package
		want string
	}{
		{sbom.Package{Name: "app", Type: sbom.TypeApplication}, ""},
		{sbom.Package{Name: "requests", Ecosystem: "PyPI", Unresolved: true, Constraint: ">=2"}, "no exact version (unpinned requirement >=2)"},
		{sbom.Package{Name: "x", Version: "1"}, "no ecosystem"},
		{sbom.Package{Name: "x", Ecosystem: "npm"}, "no version"},
		{sbom.Package{Name: "helper", Version: "0.1.0", Type: sbom.TypeLibrary, Properties: map[string]string{sbom.PropUnmatched: "local path dependency"}}, "local path dependency"},
	} {
		if got := unmatchedReason(&tc.p); got != tc.want {
			t.Errorf("unmatchedReason(%+v) = %q, want %q", tc.p, got, tc.want)
		}
	}
}
