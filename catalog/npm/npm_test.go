package npm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/catalog/catalogtest"
	"github.com/hallmark-dev/hallmark/sbom"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

func cataloger(t testing.TB, name string) catalog.Cataloger {
	t.Helper()
	for _, c := range Catalogers() {
		if c.Name() == name {
			return c
		}
	}
	t.Fatalf("no cataloger %q", name)
	return nil
}

// fixtures lists every real lockfile of testdata with its cataloger.
var fixtures = []struct {
	cataloger, file string
	// git reports whether the fixture has the git dependency.
	git bool
	// count is the number of packages expected, importers included.
	count int
}{
	{"npm-lock", "npm-v1/package-lock.json", true, 17},
	{"npm-lock", "npm-v2/package-lock.json", true, 17},
	{"npm-lock", "npm-v3/package-lock.json", true, 17},
	{"npm-lock", "npm-shrinkwrap/npm-shrinkwrap.json", true, 17},
	{"yarn-lock", "yarn-v1/yarn.lock", true, 17},
	{"yarn-lock", "yarn-berry-v2/yarn.lock", true, 24},
	{"yarn-lock", "yarn-berry-v4/yarn.lock", false, 23},
	{"pnpm-lock", "pnpm-v5/pnpm-lock.yaml", true, 17},
	{"pnpm-lock", "pnpm-v6/pnpm-lock.yaml", false, 16},
	{"pnpm-lock", "pnpm-v9/pnpm-lock.yaml", true, 17},
	{"bun-lock", "bun/bun.lock", false, 16},
}

func run(t *testing.T, cat, file string) []*sbom.Package {
	t.Helper()
	res, err := catalogtest.Run(t, cataloger(t, cat), filepath.Join("testdata", path.Dir(file)), path.Base(file))
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return res.Packages
}

// summary is what the table tests compare.
type summary struct {
	Name, Version, PURL string
	Type                sbom.Type
	Scope               sbom.Scope
	Relation            sbom.Relation
	Alias, Source       string
}

func summarize(p *sbom.Package) summary {
	return summary{
		Name: p.Name, Version: p.Version, PURL: p.PURL, Type: p.Type, Scope: p.Scope, Relation: p.Relation,
		Alias: p.Properties[propAlias], Source: p.Properties[propSource],
	}
}

func find(pkgs []*sbom.Package, name, version string) *sbom.Package {
	for _, p := range pkgs {
		if p.Name == name && p.Version == version {
			return p
		}
	}
	return nil
}

func byID(pkgs []*sbom.Package) map[string]*sbom.Package {
	m := map[string]*sbom.Package{}
	for _, p := range pkgs {
		m[p.ID] = p
	}
	return m
}

// TestSameProjectEveryFormat checks the facts every lockfile of the fixture project records,
// in every format: names, versions, purls, scopes, relations, aliases, workspaces and edges.
func TestSameProjectEveryFormat(t *testing.T) {
	want := []summary{
		{Name: "@sindresorhus/is", Version: "4.6.0", PURL: "pkg:npm/%40sindresorhus/is@4.6.0", Scope: sbom.ScopeRuntime, Relation: sbom.RelationDirect},
		{Name: "debug", Version: "4.4.3", PURL: "pkg:npm/debug@4.4.3", Scope: sbom.ScopeRuntime, Relation: sbom.RelationDirect},
		{Name: "ms", Version: "2.1.3", PURL: "pkg:npm/ms@2.1.3", Scope: sbom.ScopeRuntime, Relation: sbom.RelationDirect},
		{Name: "is-number", Version: "7.0.0", PURL: "pkg:npm/is-number@7.0.0", Scope: sbom.ScopeDev, Relation: sbom.RelationDirect},
		{Name: "is-odd", Version: "3.0.1", PURL: "pkg:npm/is-odd@3.0.1", Scope: sbom.ScopeOptional, Relation: sbom.RelationDirect},
		{Name: "is-number", Version: "6.0.0", PURL: "pkg:npm/is-number@6.0.0", Scope: sbom.ScopeOptional, Relation: sbom.RelationTransitive},
		{Name: "lodash", Version: "4.17.21", PURL: "pkg:npm/lodash@4.17.21", Scope: sbom.ScopeRuntime, Relation: sbom.RelationDirect, Alias: "x"},
		{Name: "react-dom", Version: "18.2.0", PURL: "pkg:npm/react-dom@18.2.0", Scope: sbom.ScopeRuntime, Relation: sbom.RelationDirect},
		{Name: "scheduler", Version: "0.23.2", PURL: "pkg:npm/scheduler@0.23.2", Scope: sbom.ScopeRuntime, Relation: sbom.RelationTransitive},
		{Name: "js-tokens", Version: "4.0.0", PURL: "pkg:npm/js-tokens@4.0.0", Scope: sbom.ScopeRuntime, Relation: sbom.RelationTransitive},
	}
	for _, fx := range fixtures {
		t.Run(fx.file, func(t *testing.T) {
			pkgs := run(t, fx.cataloger, fx.file)
			if len(pkgs) != fx.count {
				t.Errorf("got %d packages, want %d", len(pkgs), fx.count)
			}
			for _, w := range want {
				p := find(pkgs, w.Name, w.Version)
				if p == nil {
					t.Errorf("no package %s@%s", w.Name, w.Version)
					continue
				}
				if diff := cmp.Diff(w, summarize(p)); diff != "" {
					t.Errorf("%s@%s (-want +got):\n%s", w.Name, w.Version, diff)
				}
				if p.Ecosystem != sbom.EcosystemNPM || p.FoundBy != fx.cataloger {
					t.Errorf("%s: ecosystem %q found by %q", p.Name, p.Ecosystem, p.FoundBy)
				}
				if len(p.Locations) != 1 || p.Locations[0].Path != path.Base(fx.file) || p.Locations[0].Line == 0 {
					t.Errorf("%s: locations %v, want one line of %s", p.Name, p.Locations, path.Base(fx.file))
				}
			}
			ids := byID(pkgs)
			names := func(list []string) []string {
				var out []string
				for _, id := range list {
					out = append(out, ids[id].Name+"@"+ids[id].Version)
				}
				return out
			}
			sorted := cmpopts.SortSlices(func(a, b string) bool { return a < b })
			// Edges recorded by every format.
			if got, want := names(find(pkgs, "react-dom", "18.2.0").DependsOn), []string{"loose-envify@1.4.0", "scheduler@0.23.2"}; !containsAll(got, want) {
				t.Errorf("react-dom depends on %v, want at least %v", got, want)
			}
			if diff := cmp.Diff([]string{"is-number@6.0.0"}, names(find(pkgs, "is-odd", "3.0.1").DependsOn)); diff != "" {
				t.Errorf("is-odd edges (-want +got):\n%s", diff)
			}
			// The workspace is an application package depending on its own dependencies.
			var lib *sbom.Package
			for _, p := range pkgs {
				if p.Properties[propWorkspace] == "packages/lib" {
					lib = p
				}
			}
			if lib == nil {
				t.Fatal("no workspace package for packages/lib")
			}
			if lib.Type != sbom.TypeApplication || lib.Properties[propSource] != "workspace" {
				t.Errorf("workspace: type %q source %q", lib.Type, lib.Properties[propSource])
			}
			if fx.cataloger != "pnpm-lock" || fx.file != "pnpm-v5/pnpm-lock.yaml" {
				if lib.Name != "@fixture/lib" || lib.PURL != "pkg:npm/%40fixture/lib@0.2.0" && lib.PURL != "pkg:npm/%40fixture/lib" {
					t.Errorf("workspace: %s %s", lib.Name, lib.PURL)
				}
			}
			gotLib := names(lib.DependsOn)
			wantLib := []string{"left-pad@1.3.0", "ms@2.1.3", "react@18.2.0", "react-dom@18.2.0"}
			if diff := cmp.Diff(wantLib, gotLib, sorted); diff != "" {
				t.Errorf("workspace edges (-want +got):\n%s", diff)
			}
			// The project itself is the root, depending on its direct dependencies and workspace.
			var roots []*sbom.Package
			for _, p := range pkgs {
				if p.Type == sbom.TypeApplication && p.Properties[propWorkspace] == "" {
					roots = append(roots, p)
				}
			}
			if len(roots) != 1 {
				t.Fatalf("%d root packages, want 1", len(roots))
			}
			gotRoot := names(roots[0].DependsOn)
			for _, w := range []string{"@sindresorhus/is@4.6.0", "debug@4.4.3", "lodash@4.17.21", "is-odd@3.0.1", "is-number@7.0.0", lib.Name + "@" + lib.Version} {
				if !containsAll(gotRoot, []string{w}) {
					t.Errorf("root depends on %v, missing %s", gotRoot, w)
				}
			}
			// The local directory dependency.
			var local *sbom.Package
			for _, p := range pkgs {
				if p.Name == "local-thing" {
					local = p
				}
			}
			if local == nil || local.Properties[propSource] != "directory" || local.Relation != sbom.RelationDirect {
				t.Errorf("local-thing: %+v", local)
			}
			if fx.git {
				var git *sbom.Package
				for _, p := range pkgs {
					if p.Name == "tiny-git-dep" {
						git = p
					}
				}
				want := &sbom.VCS{Type: "git", URL: "https://github.com/hallmark-fixtures/tiny-git-dep.git", Revision: "bdd8687c49f2a104904cdaf20d1d7ccad5e7abf5"}
				if git == nil || !cmp.Equal(git.VCS, want) || git.Properties[propSource] != "git" {
					t.Errorf("tiny-git-dep: %+v, want VCS %+v", git, want)
				}
			}
		})
	}
}

func containsAll(got, want []string) bool {
	for _, w := range want {
		found := false
		for _, g := range got {
			if g == w {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// TestFormatDetails checks what each format records of one package: its ID, line, hashes,
// download URL and licence.
func TestFormatDetails(t *testing.T) {
	isSHA512 := sbom.Hash{Algorithm: "SHA-512", Value: "b74f6f48ddcc75fb32087a057134421ff894b46ece2740ac8f307c72302629cfef6bf90881e0c8fd3c6c8a0767704ff86deef7e26d1cbc863035a5788b65ea03"}
	isURL := "https://registry.npmjs.org/@sindresorhus/is/-/is-4.6.0.tgz"
	type detail struct {
		DebugID   string
		DebugLine int
		Hashes    []sbom.Hash
		URL       string
		Licenses  []string
		Checksum  string
	}
	tests := []struct {
		file string
		want detail
	}{
		{"npm-v1/package-lock.json", detail{"node_modules/debug", 21, []sbom.Hash{isSHA512}, isURL, nil, ""}},
		{"npm-v2/package-lock.json", detail{"node_modules/debug", 43, []sbom.Hash{isSHA512}, isURL, []string{"MIT"}, ""}},
		{"npm-v3/package-lock.json", detail{"node_modules/debug", 43, []sbom.Hash{isSHA512}, isURL, []string{"MIT"}, ""}},
		{"npm-shrinkwrap/npm-shrinkwrap.json", detail{"node_modules/debug", 43, []sbom.Hash{isSHA512}, isURL, []string{"MIT"}, ""}},
		{"yarn-v1/yarn.lock", detail{"debug@4.4.3", 10, []sbom.Hash{{Algorithm: "SHA-1", Value: "3c7c9c46e678feefe7a2e5bb609d3dbd665ffb3f"}, isSHA512}, isURL, nil, ""}},
		{"yarn-berry-v2/yarn.lock", detail{"debug@npm:4.4.3", 26, nil, "", nil, "9a7a8cacfcb49534a1416d2d0a3c6ae6e892bd6e22544a49334a5f846437498b80fbe3dae2d2bd454f0b25e3acc9db3b202b2bbe69052ef1e6d2b26d6d386cb8"}},
		{"yarn-berry-v4/yarn.lock", detail{"debug@npm:4.4.3", 26, nil, "", nil, "10c0/33b6fb1d0834ec8dd7689ddc0e2781c2bfd8b9c4e4bacbcb14111e0ae00621f2c264b8a7d36541799d74888b5dccdf422a891a5cb5a709ace26325eedc81e22e"}},
		{"pnpm-v5/pnpm-lock.yaml", detail{"/debug/4.4.3", 44, []sbom.Hash{isSHA512}, "", nil, ""}},
		{"pnpm-v6/pnpm-lock.yaml", detail{"/debug@4.4.3", 54, []sbom.Hash{isSHA512}, "", nil, ""}},
		{"pnpm-v9/pnpm-lock.yaml", detail{"debug@4.4.3", 56, []sbom.Hash{isSHA512}, "", nil, ""}},
		{"bun/bun.lock", detail{"debug", 35, []sbom.Hash{isSHA512}, "", nil, ""}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var cat string
			for _, fx := range fixtures {
				if fx.file == tt.file {
					cat = fx.cataloger
				}
			}
			pkgs := run(t, cat, tt.file)
			debug := find(pkgs, "debug", "4.4.3")
			is := find(pkgs, "@sindresorhus/is", "4.6.0")
			got := detail{
				DebugID: debug.ID, DebugLine: debug.Locations[0].Line,
				Hashes: is.Hashes, URL: is.DownloadURL, Licenses: is.Licenses, Checksum: is.Properties[propChecksum],
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestPeerKeys checks that pnpm's peer-suffixed keys give the plain version and the edge to the
// peer, and that Berry's builtin patch is wired between the project and the patched package.
func TestPeerKeysAndPatches(t *testing.T) {
	for _, tt := range []struct{ file, reactDOM, react string }{
		{"pnpm-v5/pnpm-lock.yaml", "/react-dom/18.2.0_react@18.2.0", "/react/18.2.0"},
		{"pnpm-v6/pnpm-lock.yaml", "/react-dom@18.2.0(react@18.2.0)", "/react@18.2.0"},
		{"pnpm-v9/pnpm-lock.yaml", "react-dom@18.2.0(react@18.2.0)", "react@18.2.0"},
	} {
		ids := byID(run(t, "pnpm-lock", tt.file))
		p := ids[tt.reactDOM]
		if p == nil || p.Version != "18.2.0" || !containsAll(p.DependsOn, []string{tt.react}) {
			t.Errorf("%s: %s = %+v", tt.file, tt.reactDOM, p)
		}
	}
	for _, file := range []string{"yarn-berry-v2/yarn.lock", "yarn-berry-v4/yarn.lock"} {
		pkgs := run(t, "yarn-lock", file)
		var patched, plain *sbom.Package
		for _, p := range pkgs {
			if p.Name == "resolve" && p.Properties[propSource] == "patch" {
				patched = p
			} else if p.Name == "resolve" {
				plain = p
			}
		}
		if patched == nil || plain == nil {
			t.Fatalf("%s: resolve packages missing", file)
		}
		if patched.Relation != sbom.RelationDirect || patched.Scope != sbom.ScopeDev || !containsAll(patched.DependsOn, []string{plain.ID}) {
			t.Errorf("%s: patched resolve %+v", file, patched)
		}
		if plain.Relation != sbom.RelationTransitive || plain.Version != "1.22.8" {
			t.Errorf("%s: resolve %+v", file, plain)
		}
	}
}

// TestBunGitTarballLink covers the bun.lock shapes of git, github, tarball and link packages.
func TestBunGitTarballLink(t *testing.T) {
	pkgs := run(t, "bun-lock", "bun-git/bun.lock")
	type row struct {
		Version, Source, URL string
		VCS                  *sbom.VCS
		Line                 int
		Hashes               int
	}
	got := map[string]row{}
	for _, p := range pkgs {
		got[p.Name] = row{p.Version, p.Properties[propSource], p.DownloadURL, p.VCS, p.Locations[0].Line, len(p.Hashes)}
	}
	want := map[string]row{
		"bun-git-fixture": {Line: 4},
		"is-buffer":       {Version: "1.1.6", Line: 15, Hashes: 1},
		"is-even":         {Source: "git", VCS: &sbom.VCS{Type: "git", URL: "https://github.com/jonschlinkert/is-even", Revision: "7cfd2ee"}, Line: 17},
		"is-number":       {Version: "3.0.0", Line: 19, Hashes: 1},
		"is-odd":          {Version: "0.1.2", Line: 21, Hashes: 1},
		"kind-of":         {Version: "3.2.2", Line: 23, Hashes: 1},
		"left-pad":        {Source: "tarball", URL: "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz", Line: 25},
		"local-link":      {Source: "link", Line: 27},
		"tiny-git-dep":    {Source: "git", VCS: &sbom.VCS{Type: "git", URL: "https://github.com/hallmark-fixtures/tiny-git-dep.git", Revision: "bdd8687c49f2a104904cdaf20d1d7ccad5e7abf5"}, Line: 29},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if p := find(pkgs, "kind-of", "3.2.2"); p.Relation != sbom.RelationTransitive || p.Scope != sbom.ScopeRuntime {
		t.Errorf("kind-of: %s %s", p.Relation, p.Scope)
	}
}

// TestWithoutManifest catalogs lockfiles without their package.json: what the lockfile itself
// records is still reported, and nothing is invented.
func TestWithoutManifest(t *testing.T) {
	for _, tt := range []struct {
		cat, file string
		rootName  string
	}{
		{"npm-lock", "npm-v1/package-lock.json", "fixture-app"},
		{"npm-lock", "npm-v3/package-lock.json", "fixture-app"},
		{"yarn-lock", "yarn-v1/yarn.lock", ""},
		{"pnpm-lock", "pnpm-v9/pnpm-lock.yaml", "."},
	} {
		data, err := os.ReadFile(filepath.Join("testdata", tt.file))
		if err != nil {
			t.Fatal(err)
		}
		res, err := catalogtest.Bytes(t, cataloger(t, tt.cat), path.Base(tt.file), data)
		if err != nil {
			t.Fatalf("%s: %v", tt.file, err)
		}
		var root string
		for _, p := range res.Packages {
			if p.Type == sbom.TypeApplication && p.Properties[propWorkspace] == "" {
				root = p.Name
			}
		}
		if root != tt.rootName {
			t.Errorf("%s: root %q, want %q", tt.file, root, tt.rootName)
		}
		if p := find(res.Packages, "lodash", "4.17.21"); p == nil || p.Properties[propAlias] != "x" {
			t.Errorf("%s: lodash alias missing: %+v", tt.file, p)
		}
	}
}

// TestGolden compares the whole result of every fixture with testdata/golden.
func TestGolden(t *testing.T) {
	all := append([]struct {
		cataloger, file string
		git             bool
		count           int
	}{}, fixtures...)
	all = append(all, struct {
		cataloger, file string
		git             bool
		count           int
	}{"bun-lock", "bun-git/bun.lock", true, 0})
	for _, fx := range all {
		t.Run(fx.file, func(t *testing.T) {
			got, err := json.MarshalIndent(run(t, fx.cataloger, fx.file), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := filepath.Join("testdata", "golden", strings.ReplaceAll(path.Dir(fx.file), "/", "_")+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("%s differs from %s (-want +got):\n%s", fx.file, golden, diff)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		cat, path string
		want      bool
	}{
		{"npm-lock", "package-lock.json", true},
		{"npm-lock", "web/npm-shrinkwrap.json", true},
		{"npm-lock", "web/package.json", false},
		{"yarn-lock", "a/b/yarn.lock", true},
		{"yarn-lock", "yarn.lock.bak", false},
		{"pnpm-lock", "pnpm-lock.yaml", true},
		{"pnpm-lock", "pnpm-workspace.yaml", false},
		{"bun-lock", "bun.lock", true},
		{"bun-lock", "bun.lockb", false},
	}
	for _, tt := range tests {
		if got := cataloger(t, tt.cat).Match(tt.path, 0o644); got != tt.want {
			t.Errorf("%s.Match(%q) = %v, want %v", tt.cat, tt.path, got, tt.want)
		}
	}
	if cataloger(t, "npm-lock").Match("package-lock.json", os.ModeDir) {
		t.Error("Match accepted a directory")
	}
}

// TestMalformed feeds broken and truncated files and checks that the error is a ParseError
// naming the file and, where it can, the line.
func TestMalformed(t *testing.T) {
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	v3 := read("npm-v3/package-lock.json")
	v1 := read("npm-v1/package-lock.json")
	yarn := read("yarn-v1/yarn.lock")
	berry := read("yarn-berry-v4/yarn.lock")
	pnpm := read("pnpm-v9/pnpm-lock.yaml")
	bun := read("bun/bun.lock")
	tests := []struct {
		cat, rel, data string
		line           int
		msg            string
	}{
		{"npm-lock", "package-lock.json", v3[:len(v3)/2], 0, "truncated"},
		{"npm-lock", "package-lock.json", v1[:len(v1)/2], 0, "truncated"},
		{"npm-lock", "package-lock.json", strings.Replace(v3, `"lockfileVersion": 3`, `"lockfileVersion": 7`, 1), 4, "lockfileVersion 7 is not supported"},
		{"npm-lock", "package-lock.json", `{"name": "x", "packages": {}}`, 1, "no lockfileVersion"},
		{"npm-lock", "package-lock.json", "{\n  \"lockfileVersion\": 3,\n  \"packages\": [1, 2]\n}", 3, `"packages" must be a JSON object`},
		{"npm-lock", "package-lock.json", "{\n  \"lockfileVersion\": 3,\n  \"packages\": {\n    \"node_modules/a\": {\"version\": 1}\n  }\n}", 4, `field "version" has a JSON number`},
		{"npm-lock", "package-lock.json", "[]", 1, "must be a JSON object"},
		{"yarn-lock", "yarn.lock", yarn + "\n\"broken@^1.0.0:\n  version \"1.0.0\"\n", 90, "unterminated quoted string"},
		{"yarn-lock", "yarn.lock", "# yarn lockfile v1\n\n\nfoo@^1.0.0\n  version \"1.0.0\"\n", 4, "expected an entry header"},
		{"yarn-lock", "yarn.lock", "  version \"1.0.0\"\n", 1, "indented line outside an entry"},
		{"yarn-lock", "yarn.lock", berry[:len(berry)-200] + "\n  - [", 0, "invalid YAML"},
		{"yarn-lock", "yarn.lock", "__metadata:\n  version: 8\n\n\"a@npm:^1\":\n  version: 1.0.0\n", 4, "no valid resolution"},
		{"pnpm-lock", "pnpm-lock.yaml", strings.Replace(pnpm, "lockfileVersion: '9.0'", "lockfileVersion: '4.0'", 1), 1, "lockfileVersion \"4.0\" is not supported"},
		{"pnpm-lock", "pnpm-lock.yaml", "importers: {}\n", 1, "no lockfileVersion"},
		{"pnpm-lock", "pnpm-lock.yaml", "lockfileVersion: '9.0'\npackages:\n  a@1.0.0: [1]\n", 3, "is not a mapping"},
		{"pnpm-lock", "pnpm-lock.yaml", "lockfileVersion: '9.0'\n  bad: [\n", 0, "invalid YAML"},
		{"bun-lock", "bun.lock", bun[:len(bun)/2], 0, "truncated"},
		{"bun-lock", "bun.lock", "{\n  \"lockfileVersion\": 1,\n  \"packages\": {\n    \"a\": [],\n  },\n}", 4, "must be an array starting"},
		{"bun-lock", "bun.lock", "{\n  \"lockfileVersion\": 9,\n}", 2, "lockfileVersion 9 is not supported"},
		{"bun-lock", "bun.lock", "{\n  \"lockfileVersion\": 1,\n  \"packages\": {\n    \"a\": [\"no version\"],\n  },\n}", 4, "is not name@resolution"},
		{"yarn-lock", "yarn.lock", "# yarn lockfile v1\n\n\"@scope@^1.0.0\":\n  version \"1.0.0\"\n", 3, "is not name@range"},
	}
	for i, tt := range tests {
		_, err := catalogtest.Bytes(t, cataloger(t, tt.cat), tt.rel, []byte(tt.data))
		var pe *catalog.ParseError
		if !errors.As(err, &pe) || !errors.Is(err, catalog.ErrMalformed) {
			t.Errorf("%d %s: error %v, want a *catalog.ParseError", i, tt.cat, err)
			continue
		}
		if pe.Path != tt.rel {
			t.Errorf("%d %s: error names %q, want %q", i, tt.cat, pe.Path, tt.rel)
		}
		if tt.line != 0 && pe.Line != tt.line {
			t.Errorf("%d %s: error %v at line %d, want %d", i, tt.cat, err, pe.Line, tt.line)
		}
		if tt.line == 0 && pe.Line == 0 {
			t.Errorf("%d %s: error %v has no line", i, tt.cat, err)
		}
		if !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%d %s: error %q, want it to contain %q", i, tt.cat, err, tt.msg)
		}
	}
}

func TestTooLarge(t *testing.T) {
	f := &catalog.File{Path: "package-lock.json", Size: catalog.MaxManifestSize + 1, Mode: 0o644, R: bytes.NewReader(nil)}
	_, err := cataloger(t, "npm-lock").Catalog(t.Context(), f)
	if !errors.Is(err, catalog.ErrTooLarge) {
		t.Errorf("error %v, want ErrTooLarge", err)
	}
}

func TestSRI(t *testing.T) {
	got := sriHashes("sha1-PHycRuZ4/u/nouW7YJ09vWZf+z8= sha512-bad md5-AAAA")
	want := []sbom.Hash{{Algorithm: "SHA-1", Value: "3c7c9c46e678feefe7a2e5bb609d3dbd665ffb3f"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestStripJSONC(t *testing.T) {
	in := "{\n  // comment\n  \"a\": [1, 2,], /* x,\n */ \"b\": \"x,]\",\n}"
	out := stripJSONC([]byte(in))
	if len(out) != len(in) || bytes.Count(out, []byte("\n")) != strings.Count(in, "\n") {
		t.Fatalf("offsets changed: %q", out)
	}
	var v map[string]any
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("%v: %q", err, out)
	}
	if v["b"] != "x,]" {
		t.Errorf("string changed: %v", v["b"])
	}
}

// TestPnpmImporterNames checks how the projects of a pnpm workspace lockfile are named: by
// their package.json name when it has one, else by their directory relative to the scanned
// target, written as a path no npm package can be named.
func TestPnpmImporterNames(t *testing.T) {
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	lock := read("pnpm-v9/pnpm-lock.yaml")
	for _, tt := range []struct {
		name  string
		files fstest.MapFS
		want  map[string]string // importer ID → name@version
	}{
		{"with package.json files", fstest.MapFS{
			"web/package.json":              {Data: read("pnpm-v9/package.json")},
			"web/packages/lib/package.json": {Data: read("pnpm-v9/packages/lib/package.json")},
		}, map[string]string{"importer:.": "fixture-app@1.0.0", "importer:packages/lib": "@fixture/lib@0.2.0"}},
		// A private workspace root without a name keeps its version; the member has no
		// package.json here.
		{"nameless root, member without package.json", fstest.MapFS{
			"web/package.json": {Data: []byte(`{"private": true, "version": "3.1.0", "workspaces": ["packages/*"]}`)},
		}, map[string]string{"importer:.": "./web@3.1.0", "importer:packages/lib": "./web/packages/lib@"}},
		{"no package.json", fstest.MapFS{}, map[string]string{"importer:.": "./web@", "importer:packages/lib": "./web/packages/lib@"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.files["web/pnpm-lock.yaml"] = &fstest.MapFile{Data: lock}
			f := &catalog.File{Path: "web/pnpm-lock.yaml", Size: int64(len(lock)), Mode: 0o644, R: bytes.NewReader(lock), FS: tt.files}
			res, err := cataloger(t, "pnpm-lock").Catalog(context.Background(), f)
			catalogtest.Check(t, f.Path, res)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, p := range res.Packages {
				if p.Type == sbom.TypeApplication {
					got[p.ID] = p.Name + "@" + p.Version
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("importers (-want +got):\n%s", diff)
			}
		})
	}
	for dir, want := range map[string]string{".": ".", "packages/lib": "./packages/lib", "lib": "./lib"} {
		if got := importerName(".", dir); got != want {
			t.Errorf("importerName(%q) = %q, want %q", dir, got, want)
		}
	}
}

// TestPnpmSingleProject covers the 5.x and 6.0 layout of a project without workspaces, whose
// dependencies sit at the top level of the lockfile.
func TestPnpmSingleProject(t *testing.T) {
	for _, file := range []string{"pnpm-v5-single/pnpm-lock.yaml", "pnpm-v6-single/pnpm-lock.yaml"} {
		pkgs := run(t, "pnpm-lock", file)
		got := map[string]summary{}
		for _, p := range pkgs {
			got[p.Name+"@"+p.Version] = summarize(p)
		}
		want := map[string]summary{
			"single@0.1.0":    {Name: "single", Version: "0.1.0", PURL: "pkg:npm/single@0.1.0", Type: sbom.TypeApplication},
			"debug@4.4.3":     {Name: "debug", Version: "4.4.3", PURL: "pkg:npm/debug@4.4.3", Scope: sbom.ScopeRuntime, Relation: sbom.RelationDirect},
			"ms@2.1.3":        {Name: "ms", Version: "2.1.3", PURL: "pkg:npm/ms@2.1.3", Scope: sbom.ScopeRuntime, Relation: sbom.RelationTransitive},
			"is-number@7.0.0": {Name: "is-number", Version: "7.0.0", PURL: "pkg:npm/is-number@7.0.0", Scope: sbom.ScopeDev, Relation: sbom.RelationDirect},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", file, diff)
		}
		if root := find(pkgs, "single", "0.1.0"); len(root.DependsOn) != 2 {
			t.Errorf("%s: root depends on %v", file, root.DependsOn)
		}
	}
}

// TestNestedResolution checks Node's resolution through nested node_modules (the nearest
// install wins, then the parents', then the root's), links to workspaces, and the bounds on
// install paths that keep resolution linear for hostile files.
func TestNestedResolution(t *testing.T) {
	lock := `{
  "name": "app",
  "lockfileVersion": 3,
  "packages": {
    "": {"name": "app", "workspaces": ["packages/*"], "dependencies": {"a": "^1.0.0", "w": "*"}},
    "node_modules/a": {"version": "1.0.0", "dependencies": {"b": "^2.0.0", "c": "^1.0.0"}},
    "node_modules/a/node_modules/b": {"version": "2.0.0", "dependencies": {"c": "^1.0.0", "d": "^1.0.0"}},
    "node_modules/a/node_modules/b/node_modules/d": {"version": "1.5.0"},
    "node_modules/b": {"version": "1.0.0"},
    "node_modules/c": {"version": "1.0.0"},
    "node_modules/d": {"version": "1.0.0"},
    "node_modules/w": {"resolved": "packages/w", "link": true},
    "packages/w": {"name": "w", "version": "0.1.0", "dependencies": {"b": "^1.0.0"}}
  }
}`
	res, err := catalogtest.Bytes(t, cataloger(t, "npm-lock"), "package-lock.json", []byte(lock))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, p := range res.Packages {
		got[p.ID] = p.DependsOn
	}
	want := map[string][]string{
		".":                             {"node_modules/a", "packages/w"},
		"node_modules/a":                {"node_modules/a/node_modules/b", "node_modules/c"},
		"node_modules/a/node_modules/b": {"node_modules/a/node_modules/b/node_modules/d", "node_modules/c"},
		"node_modules/a/node_modules/b/node_modules/d": nil,
		"node_modules/b": nil,
		"node_modules/c": nil,
		"node_modules/d": nil,
		"packages/w":     {"node_modules/b"},
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("edges (-want +got):\n%s", diff)
	}

	long := `{"lockfileVersion": 3, "packages": {"` + strings.Repeat("node_modules/a/", 300) + `node_modules/b": {"version": "1.0.0"}}}`
	_, err = catalogtest.Bytes(t, cataloger(t, "npm-lock"), "package-lock.json", []byte(long))
	if !errors.Is(err, catalog.ErrTooLarge) || !errors.Is(err, catalog.ErrMalformed) {
		t.Errorf("deeply nested key: err = %v, want a ParseError wrapping ErrTooLarge", err)
	}
}

func TestBunNameStarts(t *testing.T) {
	for _, k := range []string{"a", "a/b", "@s/x", "@s/x/y", "a/@s/x", "a/@s", "a//b", "a/", "@s", "@a/@b/c/@d/e/f"} {
		starts := bunNameStarts(k)
		want := ""
		if len(starts) > 1 {
			want = k[:starts[len(starts)-1]-1]
		}
		if got := bunParent(k); got != want {
			t.Errorf("key %q: bunParent %q, parent from bunNameStarts %q", k, got, want)
		}
	}
}

// TestBunHostileNesting checks that bun.lock keys nested beyond the bounds are refused and
// that nested resolution stays correct.
func TestBunHostileNesting(t *testing.T) {
	lock := "{\n  \"lockfileVersion\": 1,\n  \"workspaces\": {\"\": {\"name\": \"x\", \"dependencies\": {\"a\": \"1\"}}},\n  \"packages\": {\n" +
		`    "a": ["a@1.0.0", "", {"dependencies": {"b": "2"}}, "sha512-AAAA"],` + "\n" +
		`    "a/b": ["b@2.0.0", "", {"dependencies": {"c": "1"}}, "sha512-AAAA"],` + "\n" +
		`    "b": ["b@1.0.0", "", {}, "sha512-AAAA"],` + "\n" +
		`    "c": ["c@1.0.0", "", {}, "sha512-AAAA"]` + "\n  }\n}\n"
	res, err := catalogtest.Bytes(t, cataloger(t, "bun-lock"), "bun.lock", []byte(lock))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, p := range res.Packages {
		if p.Type != sbom.TypeApplication {
			got[p.ID] = p.DependsOn
		}
	}
	want := map[string][]string{"a": {"a/b"}, "a/b": {"c"}, "b": nil, "c": nil}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("edges (-want +got):\n%s", diff)
	}
	deep := strings.Replace(lock, `"a/b":`, `"`+strings.Repeat("a/", 300)+`b":`, 1)
	if _, err := catalogtest.Bytes(t, cataloger(t, "bun-lock"), "bun.lock", []byte(deep)); !errors.Is(err, catalog.ErrTooLarge) {
		t.Errorf("deeply nested key: err = %v, want ErrTooLarge", err)
	}
}
