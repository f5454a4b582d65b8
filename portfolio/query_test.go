package portfolio

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hallmark-dev/hallmark/sbom"
	"github.com/hallmark-dev/hallmark/store/storetest"
)

// addTeam creates a team and returns its ID.
func (f *fixture) addTeam(name string) int64 {
	f.t.Helper()
	var id int64
	if err := f.st.SQL().QueryRowContext(f.ctx, `INSERT INTO teams (name, created_at) VALUES (?, 0) RETURNING id`, name).Scan(&id); err != nil {
		f.t.Fatal(err)
	}
	return id
}

// npmInventory is an inventory of npm packages given as "name@version".
func npmInventory(pkgs ...string) *sbom.Inventory {
	inv := &sbom.Inventory{}
	for _, s := range pkgs {
		name, v, _ := strings.Cut(s, "@")
		inv.Packages = append(inv.Packages, &sbom.Package{ID: s, Name: name, Version: v, Ecosystem: "npm", PURL: "pkg:npm/" + name + "@" + v})
	}
	return inv
}

func TestScope(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		red, blue := f.addTeam("red"), f.addTeam("blue")
		inv, doc := readSBOM(t, "app.cdx.json")
		mine := f.ingest(red, "red-app", inv, doc).Artifact
		theirs := f.ingest(blue, "blue-app", npmInventory("lodash@4.17.20"), []byte("blue")).Artifact
		sc := Scope{Teams: []int64{red}}

		items, _, err := f.p.Artifacts(f.ctx, sc, "", Page{})
		if err != nil || len(items) != 1 || items[0].ID != mine.ID || items[0].Team != "red" {
			t.Errorf("Artifacts = %+v, %v", items, err)
		}
		if items, _, err := f.p.Artifacts(f.ctx, Scope{}, "", Page{}); err != nil || len(items) != 0 {
			t.Errorf("Artifacts without teams = %+v, %v", items, err)
		}
		id := theirs.ID
		for name, call := range map[string]func() error{
			"Artifact":    func() error { _, err := f.p.Artifact(f.ctx, sc, id); return err },
			"Findings":    func() error { _, _, err := f.p.Findings(f.ctx, sc, id, FindingQuery{}); return err },
			"Components":  func() error { _, _, err := f.p.Components(f.ctx, sc, id, Page{}); return err },
			"Paths":       func() error { _, err := f.p.Paths(f.ctx, sc, id, "pkg:npm/lodash", 0); return err },
			"Deployments": func() error { _, err := f.p.Deployments(f.ctx, sc, id); return err },
			"Deploy": func() error {
				_, err := f.p.Deploy(f.ctx, sc, Deployment{ArtifactDigest: theirs.Digest, Environment: "prod"})
				return err
			},
			"Artifact missing": func() error { _, err := f.p.Artifact(f.ctx, all, 9999); return err },
		} {
			if err := call(); !errors.Is(err, ErrNotFound) {
				t.Errorf("%s on another team's artifact: %v, want ErrNotFound", name, err)
			}
		}
		// Search and the affected answer leave the other team out.
		f.importAdvisories("testdata/advisories")
		hits, _, err := f.p.Search(f.ctx, sc, "pkg:npm/lodash", "", Page{})
		if err != nil || len(hits) != 1 || hits[0].Artifact.ID != mine.ID {
			t.Errorf("Search = %+v, %v", hits, err)
		}
		aff, err := f.p.AffectedBy(f.ctx, sc, "CVE-2021-23337")
		if err != nil || len(aff.Artifacts) != 1 || aff.Artifacts[0].ID != mine.ID {
			t.Errorf("AffectedBy = %+v, %v", aff, err)
		}
		aff, err = f.p.AffectedBy(f.ctx, all, "CVE-2021-23337")
		if err != nil || len(aff.Artifacts) != 2 {
			t.Errorf("AffectedBy(all) = %+v, %v", aff, err)
		}
		m, err := f.p.Metrics(f.ctx, Scope{Teams: []int64{blue}}, 7)
		if err != nil || len(m.Sprawl) != 0 {
			t.Errorf("Metrics(blue) = %+v, %v", m, err)
		}
		teams, err := f.p.Teams(f.ctx, []int64{red, blue})
		if diff := cmp.Diff(map[int64]string{red: "red", blue: "blue"}, teams); diff != "" || err != nil {
			t.Errorf("Teams (-want +got):\n%s %v", diff, err)
		}
	})
}

func TestPagination(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		var pkgs []string
		for i := range 23 {
			pkgs = append(pkgs, fmt.Sprintf("p%02d@1.0.%d", i, i))
		}
		var art int64
		for i := range 7 {
			art = f.ingest(1, fmt.Sprintf("svc-%d", i), npmInventory(pkgs...), []byte(fmt.Sprint(i))).Artifact.ID
		}
		for _, limit := range []int{1, 3, 7, 50} {
			seen := map[int64]bool{}
			pages, after := 0, ""
			for {
				items, next, err := f.p.Artifacts(f.ctx, all, "SVC", Page{After: after, Limit: limit})
				if err != nil {
					t.Fatal(err)
				}
				pages++
				for _, a := range items {
					if seen[a.ID] {
						t.Errorf("limit %d: artifact %d twice", limit, a.ID)
					}
					seen[a.ID] = true
				}
				if next == "" {
					break
				}
				after = next
			}
			if len(seen) != 7 || pages != (7+limit-1)/limit && !(7%limit == 0 && pages == 7/limit+1) {
				t.Errorf("limit %d: %d artifacts in %d pages", limit, len(seen), pages)
			}
		}
		var names []string
		for after := ""; ; {
			items, next, err := f.p.Components(f.ctx, all, art, Page{After: after, Limit: 5})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range items {
				names = append(names, c.Name)
			}
			if next == "" {
				break
			}
			after = next
		}
		if len(names) != 23 || names[0] != "p00" || names[22] != "p22" {
			t.Errorf("components = %v", names)
		}
		if items, _, err := f.p.Artifacts(f.ctx, all, "5", Page{}); err != nil || len(items) != 1 || items[0].Name != "svc-5" {
			t.Errorf("search 5 = %+v, %v", items, err)
		}
		if items, _, err := f.p.Artifacts(f.ctx, all, "%", Page{}); err != nil || len(items) != 0 {
			t.Errorf("search %% = %+v, %v", items, err)
		}
		for _, bad := range []string{"!!", "e30", strings.Repeat("A", 300)} {
			if _, _, err := f.p.Artifacts(f.ctx, all, "", Page{After: bad}); !errors.Is(err, ErrInvalid) {
				t.Errorf("cursor %q: %v, want ErrInvalid", bad, err)
			}
		}
	})
}

func TestPaths(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		inv, doc := readSBOM(t, "app.cdx.json")
		art := f.ingest(1, "shop", inv, doc).Artifact.ID
		for _, tt := range []struct {
			purl  string
			limit int
			want  []string
		}{
			{"pkg:npm/minimist", 0, []string{"pkg-a pkg-b pkg-d minimist", "pkg-a pkg-c pkg-d minimist"}},
			{"pkg:npm/minimist@1.2.5", 0, []string{"pkg-a pkg-b pkg-d minimist", "pkg-a pkg-c pkg-d minimist"}},
			{"pkg:npm/minimist@9.9.9", 0, nil},
			{"pkg:npm/minimist", 1, []string{"pkg-a pkg-b pkg-d minimist"}},
			{"pkg:npm/lodash", 0, []string{"lodash"}},
			{"pkg:npm/pkg-d", 0, []string{"pkg-a pkg-b pkg-d", "pkg-a pkg-c pkg-d"}},
		} {
			paths, err := f.p.Paths(f.ctx, all, art, tt.purl, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range paths {
				var names []string
				for _, c := range p {
					names = append(names, c.Name)
				}
				got = append(got, strings.Join(names, " "))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Paths(%s, %d) (-want +got):\n%s", tt.purl, tt.limit, diff)
			}
		}
		if _, err := f.p.Paths(f.ctx, all, art, "not a purl", 0); !errors.Is(err, ErrInvalid) {
			t.Errorf("bad purl: %v", err)
		}
	})
}

// diamondChain is a chain of n diamonds: node 3i is the top of diamond i, 3i+1 and 3i+2 its
// sides, 3(i+1) its bottom; the target is the last bottom. Distances are computed as the walk
// up computes them (breadth first from the target).
func diamondChain(n int) (*graph, int64) {
	g := &graph{children: map[int64][]int64{}, roots: []int64{0}, dist: map[int64]int{}}
	parents := map[int64][]int64{}
	for i := int64(0); i < int64(n); i++ {
		top := 3 * i
		g.children[top] = []int64{top + 1, top + 2}
		g.children[top+1] = []int64{top + 3}
		g.children[top+2] = []int64{top + 3}
		parents[top+1] = append(parents[top+1], top)
		parents[top+2] = append(parents[top+2], top)
		parents[top+3] = append(parents[top+3], top+1, top+2)
	}
	target := int64(3 * n)
	g.dist[target] = 0
	for frontier, level := []int64{target}, 1; len(frontier) > 0; level++ {
		var next []int64
		for _, c := range frontier {
			for _, p := range parents[c] {
				if _, ok := g.dist[p]; !ok {
					g.dist[p] = level
					next = append(next, p)
				}
			}
		}
		frontier = next
	}
	return g, target
}

// TestPathsDiamonds enumerates paths in chains of diamonds (2^n paths from top to bottom):
// the walk stops after the paths asked for, in a number of steps proportional to them, and
// a chain whose paths are all longer than maxPathLen costs no walk at all.
func TestPathsDiamonds(t *testing.T) {
	for _, tt := range []struct {
		diamonds, limit, paths int
	}{
		{20, 1, 1}, {20, 10, 10}, {20, 500, 500},
		{40, 1, 0}, {40, 500, 0}, // 81 components a path, more than maxPathLen
	} {
		g, target := diamondChain(tt.diamonds)
		paths, steps := g.paths([]int64{target}, tt.limit)
		if len(paths) != tt.paths {
			t.Errorf("%d diamonds, limit %d: %d paths, want %d", tt.diamonds, tt.limit, len(paths), tt.paths)
		}
		for _, p := range paths {
			if p[0] != 0 || p[len(p)-1] != target || len(p) != 2*tt.diamonds+1 {
				t.Fatalf("path %v", p)
			}
		}
		// Each path after the first re-walks at most its own length, each step entering
		// one of two children.
		if most := 2 * (2*tt.diamonds + 1) * max(tt.paths, 1); steps > most {
			t.Errorf("%d diamonds, limit %d: %d steps, want at most %d", tt.diamonds, tt.limit, steps, most)
		}
	}
}

func TestSearch(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		for i, v := range []string{"3.10.1", "4.0.0", "4.17.20", "4.17.21", "4.17.21-beta.1", "not-a-version"} {
			f.ingest(1, "app"+v, npmInventory("lodash@"+v, "other@"+v), []byte(fmt.Sprint(i)))
		}
		for _, tt := range []struct {
			rng  string
			want []string
		}{
			{"", []string{"3.10.1", "4.0.0", "4.17.20", "4.17.21", "4.17.21-beta.1", "not-a-version"}},
			{">=4.0.0,<4.17.21", []string{"4.0.0", "4.17.20", "4.17.21-beta.1"}},
			{"<4", []string{"3.10.1"}},
			{">4.0.0, <=4.17.21", []string{"4.17.20", "4.17.21", "4.17.21-beta.1"}},
			{">=4.17.21", []string{"4.17.21"}},
			{"=4.17.20", []string{"4.17.20"}},
			{"==4.17.20", []string{"4.17.20"}},
			{">4.17.21", nil},
			{">=4.17.21,<4.0.0", nil},
		} {
			hits, _, err := f.p.Search(f.ctx, all, "pkg:npm/lodash@1.0.0", tt.rng, Page{})
			if err != nil {
				t.Fatalf("%q: %v", tt.rng, err)
			}
			var got []string
			for _, h := range hits {
				if h.Component.Name != "lodash" || h.Artifact.Name != "app"+h.Component.Version {
					t.Errorf("%q: hit %+v", tt.rng, h)
				}
				got = append(got, h.Component.Version)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Search(%q) (-want +got):\n%s", tt.rng, diff)
			}
		}
		for _, bad := range [][2]string{{"pkg:npm/lodash", "~4"}, {"pkg:npm/lodash", ">=x.y"}, {"lodash", ""}, {"pkg:unknown/x", ""}, {"pkg:github/a/b", ">1"}} {
			if _, _, err := f.p.Search(f.ctx, all, bad[0], bad[1], Page{}); !errors.Is(err, ErrInvalid) {
				t.Errorf("Search(%q, %q): %v, want ErrInvalid", bad[0], bad[1], err)
			}
		}
		// PyPI names are normalised as advisories name them.
		f.ingest(1, "py", &sbom.Inventory{Packages: []*sbom.Package{{ID: "d", Name: "Django", Version: "3.2.0", Ecosystem: "PyPI", PURL: "pkg:pypi/django@3.2.0"}}}, []byte("py"))
		hits, _, err := f.p.Search(f.ctx, all, "pkg:pypi/Django", ">=3.2,<3.2.1", Page{})
		if err != nil || len(hits) != 1 {
			t.Errorf("Search(Django) = %+v, %v", hits, err)
		}
	})
}

func TestMetrics(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		f.importAdvisories("testdata/advisories")
		f.importAdvisories("testdata/later")
		// Day 0: two artifacts with lodash (high) and minimist (critical) findings.
		inv, doc := readSBOM(t, "app.cdx.json")
		shop := f.ingest(1, "shop", inv, doc).Artifact
		f.ingest(1, "tool", npmInventory("lodash@4.17.21", "minimist@1.2.0"), []byte("tool"))
		if _, err := f.p.Deploy(f.ctx, all, Deployment{ArtifactID: shop.ID, Environment: "prod"}); err != nil {
			t.Fatal(err)
		}
		// Day 2: the minimist advisory is corrected; shop's minimist 1.2.5 finding resolves
		// after 48 hours (tool's 1.2.0 stays affected).
		f.now = t0.Add(48 * time.Hour)
		f.importAdvisories("testdata/corrected")
		if _, err := f.p.Reevaluate(f.ctx, []string{minimistAdv}); err != nil {
			t.Fatal(err)
		}
		f.now = t0.Add(72 * time.Hour)
		m, err := f.p.Metrics(f.ctx, all, 5)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(map[string]int{"critical": 1, "high": 1, "medium": 0, "low": 0, "unknown": 0}, m.OpenBySeverity); diff != "" {
			t.Errorf("open by severity (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(map[string]map[string]int{"prod": {"critical": 0, "high": 1, "medium": 0, "low": 0, "unknown": 0}}, m.OpenByEnvironment); diff != "" {
			t.Errorf("open by environment (-want +got):\n%s", diff)
		}
		var trend []string
		for _, p := range m.Trend {
			trend = append(trend, fmt.Sprintf("%s c%d h%d", p.Day, p.Open["critical"], p.Open["high"]))
		}
		want := []string{"2026-02-28 c0 h0", "2026-03-01 c2 h1", "2026-03-02 c2 h1", "2026-03-03 c1 h1", "2026-03-04 c1 h1"}
		if diff := cmp.Diff(want, trend); diff != "" {
			t.Errorf("trend (-want +got):\n%s", diff)
		}
		if m.MeanTimeToRemediateHours == nil || *m.MeanTimeToRemediateHours != 48 {
			t.Errorf("MTTR = %v, want 48", m.MeanTimeToRemediateHours)
		}
		wantSprawl := []Sprawl{
			{Ecosystem: "npm", Name: "lodash", Versions: 2, Sample: []string{"4.17.20", "4.17.21"}},
			{Ecosystem: "npm", Name: "minimist", Versions: 2, Sample: []string{"1.2.0", "1.2.5"}},
		}
		if diff := cmp.Diff(wantSprawl, m.Sprawl); diff != "" {
			t.Errorf("sprawl (-want +got):\n%s", diff)
		}
		// tool uploaded again (same digest) with shop's lodash: one lodash version left.
		f.ingest(1, "tool", npmInventory("lodash@4.17.20", "minimist@1.2.0"), []byte("tool"))
		if m, err = f.p.Metrics(f.ctx, all, 5); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantSprawl[1:], m.Sprawl); diff != "" {
			t.Errorf("sprawl after re-upload (-want +got):\n%s", diff)
		}
	})
}

func TestIngestInvalid(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		inv := npmInventory("a@1.0.0")
		for name, req := range map[string]IngestRequest{
			"no inventory":   {TeamID: 1, Name: "x", Document: []byte("x")},
			"no team":        {Name: "x", Inventory: inv, Document: []byte("x")},
			"unknown team":   {TeamID: 99, Name: "x", Inventory: inv, Document: []byte("x")},
			"no name":        {TeamID: 1, Inventory: inv, Document: []byte("x")},
			"bad digest":     {TeamID: 1, Name: "x", Inventory: inv, Digest: "md5:abc"},
			"short digest":   {TeamID: 1, Name: "x", Inventory: inv, Digest: "sha256:abc"},
			"no digest":      {TeamID: 1, Name: "x", Inventory: inv},
			"long name":      {TeamID: 1, Name: strings.Repeat("n", 2000), Inventory: inv, Document: []byte("x")},
			"long component": {TeamID: 1, Name: "x", Inventory: npmInventory("a@" + strings.Repeat("1", 2000)), Document: []byte("x")},
		} {
			if _, err := f.p.Ingest(f.ctx, req); !errors.Is(err, ErrInvalid) {
				t.Errorf("%s: %v, want ErrInvalid", name, err)
			}
		}
		// The subject's digest is used when none is given.
		d := "sha256:" + strings.Repeat("ab", 32)
		withSource := npmInventory("a@1.0.0")
		withSource.Sources = []sbom.Source{{Kind: sbom.SourceImage, Name: "img", Digest: d}}
		res, err := f.p.Ingest(f.ctx, IngestRequest{TeamID: 1, Name: "img", Inventory: withSource})
		if err != nil || res.Artifact.Digest != d {
			t.Errorf("digest from the subject = %+v, %v", res, err)
		}
		if _, err := f.p.Deploy(f.ctx, all, Deployment{ArtifactDigest: d}); !errors.Is(err, ErrInvalid) {
			t.Errorf("deploy without environment: %v", err)
		}
		if _, _, err := f.p.Findings(f.ctx, all, res.Artifact.ID, FindingQuery{State: "closed"}); !errors.Is(err, ErrInvalid) {
			t.Errorf("findings state closed: %v", err)
		}
	})
}
