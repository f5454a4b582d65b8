package match

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hallmark-dev/hallmark/osv"
	"github.com/hallmark-dev/hallmark/sbom"
	"github.com/hallmark-dev/hallmark/version"
	"github.com/hallmark-dev/hallmark/version/semver"
)

// semverOnly orders every ecosystem with SemVer: these tests are about OSV semantics, not
// about each ecosystem's version order (package version tests that).
func semverOnly(string, string) (version.Scheme, bool) { return semver.Loose, true }

func adv(t *testing.T, doc string) *osv.Vulnerability {
	t.Helper()
	v, err := osv.Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func rangeAdv(t *testing.T, events string, versions string) *osv.Vulnerability {
	return adv(t, `{"id":"GHSA-test","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"pkg"},
	"ranges":[{"type":"SEMVER","events":[`+events+`]}],"versions":[`+versions+`]}]}`)
}

func TestAffectsRanges(t *testing.T) {
	for _, c := range []struct {
		name, events, versions string
		affected, safe         []string
	}{
		{"introduced 0, fixed", `{"introduced":"0"},{"fixed":"1.2.0"}`, ``,
			[]string{"0.0.1", "1.1.9", "1.2.0-rc.1"}, []string{"1.2.0", "2.0.0"}},
		{"last_affected is inclusive", `{"introduced":"1.0.0"},{"last_affected":"1.4.0"}`, ``,
			[]string{"1.0.0", "1.4.0"}, []string{"0.9.0", "1.4.1"}},
		{"no fix: open ended", `{"introduced":"2.0.0"}`, ``,
			[]string{"2.0.0", "99.0.0"}, []string{"1.9.9"}},
		{"several intervals", `{"introduced":"0"},{"fixed":"1.0.0"},{"introduced":"2.0.0"},{"fixed":"2.5.0"}`, ``,
			[]string{"0.5.0", "2.4.9"}, []string{"1.0.0", "1.5.0", "2.5.0"}},
		{"events out of order", `{"fixed":"2.5.0"},{"introduced":"2.0.0"},{"fixed":"1.0.0"},{"introduced":"0"}`, ``,
			[]string{"0.5.0", "2.4.9"}, []string{"1.5.0", "2.5.0"}},
		{"limit caps an open range", `{"introduced":"1.0.0"},{"limit":"1.5.0"}`, ``,
			[]string{"1.0.0", "1.4.9"}, []string{"1.5.0", "3.0.0"}},
		{"limit below the fix wins", `{"introduced":"0"},{"fixed":"3.0.0"},{"limit":"2.0.0"}`, ``,
			[]string{"1.9.9"}, []string{"2.0.0", "2.9.9"}},
		{"limit star means none", `{"introduced":"1.0.0"},{"limit":"*"}`, ``,
			[]string{"5.0.0"}, []string{"0.9.0"}},
		{"versions list", `{"introduced":"9.0.0"},{"fixed":"9.1.0"}`, `"1.3.3","1.3.4"`,
			[]string{"1.3.3", "1.3.4", "9.0.5"}, []string{"1.3.5"}},
		{"introduced and fixed equal: nothing", `{"introduced":"1.0.0"},{"fixed":"1.0.0"}`, ``,
			nil, []string{"1.0.0", "0.9.0"}},
		{"unparseable installed version: list only", `{"introduced":"0"}`, `"not-a-version"`,
			[]string{"not-a-version"}, []string{"also-not"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := rangeAdv(t, c.events, c.versions)
			for _, ver := range c.affected {
				if got := Affects(v, Target{Ecosystem: "npm", Name: "pkg", Version: ver}, semverOnly); len(got) != 1 {
					t.Errorf("%s: not affected, want affected", ver)
				}
			}
			for _, ver := range c.safe {
				if got := Affects(v, Target{Ecosystem: "npm", Name: "pkg", Version: ver}, semverOnly); len(got) != 0 {
					t.Errorf("%s: affected, want not affected", ver)
				}
			}
		})
	}
}

func TestAffectsIdentity(t *testing.T) {
	v := adv(t, `{"id":"DSA-1","modified":"2024-01-01T00:00:00Z","affected":[
		{"package":{"ecosystem":"Debian:12","name":"openssl"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"3.0.0"}]}]},
		{"package":{"ecosystem":"PyPI","name":"Foo_Bar"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]}]}`)
	for _, c := range []struct {
		t    Target
		want bool
	}{
		{Target{Ecosystem: "Debian", Release: "12", Name: "openssl", Version: "1.0.0"}, true},
		{Target{Ecosystem: "Debian", Release: "11", Name: "openssl", Version: "1.0.0"}, false},
		{Target{Ecosystem: "Debian", Name: "openssl", Version: "1.0.0"}, false},
		{Target{Ecosystem: "Ubuntu", Release: "12", Name: "openssl", Version: "1.0.0"}, false},
		{Target{Ecosystem: "PyPI", Name: NormalizeName("PyPI", "foo.bar"), Version: "1.0.0"}, true},
		{Target{Ecosystem: "npm", Name: "Foo_Bar", Version: "1.0.0"}, false},
	} {
		if got := len(Affects(v, c.t, semverOnly)) > 0; got != c.want {
			t.Errorf("%+v: affected = %v, want %v", c.t, got, c.want)
		}
	}
	withdrawn := adv(t, `{"id":"X","modified":"2024-01-01T00:00:00Z","withdrawn":"2024-02-01T00:00:00Z","affected":[
		{"package":{"ecosystem":"npm","name":"a"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"}]}]}]}`)
	if got := Affects(withdrawn, Target{Ecosystem: "npm", Name: "a", Version: "1.0.0"}, semverOnly); got != nil {
		t.Error("a withdrawn advisory matched")
	}
}

func TestAffectsGit(t *testing.T) {
	v := adv(t, `{"id":"PSF-1","modified":"2024-01-01T00:00:00Z","affected":[{"ranges":[{"type":"GIT","repo":"https://github.com/python/cpython",
		"events":[{"introduced":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},{"fixed":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}]}],
		"versions":["cccccccccccccccccccccccccccccccccccccccc"]}]}`)
	for commit, want := range map[string]bool{
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa": true,
		"cccccccccccccccccccccccccccccccccccccccc": true,
		"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb": false,
	} {
		tg := Target{Commit: commit, Repo: "git+https://github.com/python/cpython.git"}
		if got := len(Affects(v, tg, semverOnly)) > 0; got != want {
			t.Errorf("commit %s: affected = %v, want %v", commit[:4], got, want)
		}
	}
	if got := Affects(v, Target{Commit: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", Repo: "https://github.com/other/repo"}, semverOnly); got != nil {
		t.Error("a commit of another repository matched")
	}
}

func TestGroupAndAdvice(t *testing.T) {
	p := &sbom.Package{Name: "pkg", Version: "1.0.0", Ecosystem: "npm", PURL: "pkg:npm/pkg@1.0.0"}
	a := adv(t, `{"id":"GHSA-aaaa","aliases":["CVE-2024-1"],"modified":"2024-01-01T00:00:00Z","summary":"first",
		"severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
		"affected":[{"package":{"ecosystem":"npm","name":"pkg"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.2.0"}]}]}]}`)
	b := adv(t, `{"id":"OSV-2024-9","aliases":["CVE-2024-1"],"modified":"2024-03-01T00:00:00Z",
		"affected":[{"package":{"ecosystem":"npm","name":"pkg"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.1.0"}]}]}]}`)
	c := adv(t, `{"id":"GHSA-cccc","modified":"2024-01-01T00:00:00Z","database_specific":{"severity":"MODERATE"},
		"affected":[{"package":{"ecosystem":"npm","name":"pkg"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.1.5"},{"introduced":"1.2.0"},{"fixed":"1.3.0"}]}]}]}`)
	ms := Evaluate(p, []*osv.Vulnerability{a, b, c}, semverOnly)
	fs := Group(p, ms, semverOnly)
	type brief struct {
		ID         string
		Advisories []string
		Aliases    []string
		Level      string
		Fixed      []string
	}
	var got []brief
	for _, f := range fs {
		got = append(got, brief{f.ID, f.Advisories, f.Aliases, f.Severity.Level.String(), f.Fixed})
	}
	want := []brief{
		{"GHSA-aaaa", []string{"GHSA-aaaa", "OSV-2024-9"}, []string{"CVE-2024-1"}, "critical", []string{"1.1.0", "1.2.0"}},
		{"GHSA-cccc", []string{"GHSA-cccc"}, nil, "medium", []string{"1.1.5", "1.3.0"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if fs[0].Severity.Score != 9.8 {
		t.Errorf("score = %v, want 9.8", fs[0].Severity.Score)
	}
	// 1.1.0 and 1.1.5 are still inside GHSA-aaaa (fixed in 1.2.0), and 1.2.0 is inside
	// GHSA-cccc's second range: the lowest version fixing everything is 1.3.0.
	if got := Advice(p, ms, semverOnly); got != "1.3.0" {
		t.Errorf("Advice = %q, want 1.3.0", got)
	}
}

func TestTargetsOf(t *testing.T) {
	deb := &sbom.Package{Name: "libssl3", Version: "3.0.11-1~deb12u2+b1", Ecosystem: "Debian", SourceName: "openssl", SourceVersion: "3.0.11-1~deb12u2",
		Properties: map[string]string{"hallmark:os:ecosystem": "Debian:12"}}
	got := TargetsOf(deb)
	want := []Target{
		{Ecosystem: "Debian", Release: "12", Name: "libssl3", Version: "3.0.11-1~deb12u2+b1"},
		{Ecosystem: "Debian", Release: "12", Name: "openssl", Version: "3.0.11-1~deb12u2"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("TargetsOf (-want +got):\n%s", diff)
	}
	std := TargetsOf(&sbom.Package{Name: "stdlib", Version: "1.22.3", Ecosystem: "Go"})
	if len(std) != 2 || std[1].Name != "toolchain" {
		t.Errorf("stdlib targets = %+v", std)
	}
	if got := TargetsOf(&sbom.Package{Name: "requests", Ecosystem: "PyPI", Unresolved: true}); got != nil {
		t.Errorf("an unresolved requirement gave targets %+v", got)
	}
}

func BenchmarkAffects(b *testing.B) {
	v, err := osv.Parse([]byte(`{"id":"GHSA-x","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"pkg"},
	"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.0.0"},{"introduced":"2.0.0"},{"fixed":"2.5.0"}]}]}]}`))
	if err != nil {
		b.Fatal(err)
	}
	tg := Target{Ecosystem: "npm", Name: "pkg", Version: "2.4.1"}
	b.ReportAllocs()
	for b.Loop() {
		if len(Affects(v, tg, semverOnly)) != 1 {
			b.Fatal("not affected")
		}
	}
}

func TestMemo(t *testing.T) {
	calls := 0
	counting := func(eco, rt string) (version.Scheme, bool) {
		calls++
		return semver.Loose, true
	}
	m := Memo(counting)
	s, _ := m("npm", "")
	a, err := s.Parse("1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := s.Parse("1.2.3")
	if a != b {
		t.Error("the second Parse did not reuse the first")
	}
	c, _ := s.Parse("1.10.0")
	plain, _ := semver.Loose.Parse("1.10.0")
	if a.Compare(c) != -1 || c.Compare(a) != 1 || a.Compare(plain) != -1 {
		t.Error("memoised versions compare wrongly")
	}
	if _, err := s.Parse("not a version"); err == nil {
		t.Error("an invalid version parsed")
	}
	if _, err := s.Parse("not a version"); err == nil {
		t.Error("an invalid version parsed the second time")
	}
	// Findings are the same through the memo.
	v := rangeAdv(t, `{"introduced":"0"},{"fixed":"1.2.0"}`, ``)
	tg := Target{Ecosystem: "npm", Name: "pkg", Version: "1.1.0"}
	if len(Affects(v, tg, m)) != 1 || len(Affects(v, tg, m)) != 1 {
		t.Error("memoised evaluation differs")
	}
}
