package cargo

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/catalog/catalogtest"
	"github.com/hallmark-dev/hallmark/sbom"
)

const crates = "registry+https://github.com/rust-lang/crates.io-index"

func byID(res *catalog.Result) map[string]*sbom.Package {
	m := map[string]*sbom.Package{}
	for _, p := range res.Packages {
		m[p.ID] = p
	}
	return m
}

func reg(name, version string) string { return name + " " + version + " (" + crates + ")" }

func registryPkg(file string, line int, name, version, sum string, rel sbom.Relation, deps ...string) *sbom.Package {
	p := &sbom.Package{
		ID: reg(name, version), Name: name, Version: version, Ecosystem: "crates.io",
		PURL:      "pkg:cargo/" + name + "@" + version,
		Locations: []sbom.Location{{Path: file, Line: line}},
		Relation:  rel, DependsOn: deps, FoundBy: "cargo-lock",
		Properties: map[string]string{propSource: crates},
	}
	if sum != "" {
		p.Hashes = []sbom.Hash{{Algorithm: "SHA-256", Value: sum}}
	}
	return p
}

func appPkg(file string, line int, name, version, lockVersion string, deps ...string) *sbom.Package {
	return &sbom.Package{
		ID: name + " " + version, Type: sbom.TypeApplication, Name: name, Version: version,
		Ecosystem: "crates.io", PURL: "pkg:cargo/" + name + "@" + version,
		Locations: []sbom.Location{{Path: file, Line: line}},
		DependsOn: deps, FoundBy: "cargo-lock",
		Properties: map[string]string{propLockVersion: lockVersion},
	}
}

// TestWorkspace checks the lockfiles Cargo 1.95 wrote for the same workspace in versions 2, 3
// and 4 (see testdata/SOURCES.md): path packages, two git sources of the same crate and
// version told apart by source, and V4's escaped query.
func TestWorkspace(t *testing.T) {
	const repo = "git+file:///tmp/cargows/gitdeps/fancy"
	const tagRev, branchRev = "e8f0d45f32be7755424bbb39805aba10d423d227", "717aeaa01075192663ac29e57983b91cec2cc371"
	for _, tc := range []struct {
		dir, version, branchQuery string
		offset                    int // V2 files have no "version = N" line and blank line
	}{
		{"workspace-v2", "2", "branch=feature/escape-me", -2},
		{"workspace-v3", "3", "branch=feature/escape-me", 0},
		{"workspace-v4", "4", "branch=feature%2Fescape-me", 0},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			file := tc.dir + "/Cargo.lock"
			res, err := catalogtest.Run(t, &LockCataloger{}, "testdata", file)
			if err != nil {
				t.Fatal(err)
			}
			tagSrc := repo + "?tag=v0.3.1#" + tagRev
			branchSrc := repo + "?" + tc.branchQuery + "#" + branchRev
			git := func(line int, src, rev, ref string) *sbom.Package {
				return &sbom.Package{
					ID: "fancy 0.3.1 (" + src + ")", Name: "fancy", Version: "0.3.1", Ecosystem: "crates.io",
					PURL:      "pkg:cargo/fancy@0.3.1?vcs_url=git%2Bfile:%2F%2F%2Ftmp%2Fcargows%2Fgitdeps%2Ffancy%40" + rev,
					Locations: []sbom.Location{{Path: file, Line: line + tc.offset}},
					Relation:  sbom.RelationDirect,
					VCS:       &sbom.VCS{Type: "git", URL: "file:///tmp/cargows/gitdeps/fancy", Revision: rev, Ref: ref},
					FoundBy:   "cargo-lock", Properties: map[string]string{propSource: src},
				}
			}
			want := []*sbom.Package{
				appPkg(file, 5+tc.offset, "app", "1.2.0", tc.version, "core 0.1.0", "fancy 0.3.1 ("+branchSrc+")"),
				appPkg(file, 13+tc.offset, "core", "0.1.0", tc.version, "external 2.0.0", "util 0.1.0"),
				appPkg(file, 21+tc.offset, "external", "2.0.0", tc.version),
				git(25, tagSrc, tagRev, "v0.3.1"),
				git(30, branchSrc, branchRev, "feature/escape-me"),
				appPkg(file, 35+tc.offset, "util", "0.1.0", tc.version, "fancy 0.3.1 ("+tagSrc+")"),
			}
			if diff := cmp.Diff(want, res.Packages); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRipgrep checks real lockfiles of ripgrep and xsv in every format version.
func TestRipgrep(t *testing.T) {
	for _, tc := range []struct {
		file   string
		count  int
		noSums bool            // written before Cargo recorded checksums
		want   []*sbom.Package // compared in full, looked up by ID
	}{
		{
			file: "v1-root/Cargo.lock", count: 35, noSums: true,
			want: []*sbom.Package{
				appPkg("v1-root/Cargo.lock", 1, "xsv", "0.9.14", "1",
					reg("byteorder", "0.3.13"), reg("chan", "0.1.18"), reg("csv", "0.14.4"), reg("docopt", "0.6.80"),
					reg("filetime", "0.1.10"), reg("log", "0.3.6"), reg("num_cpus", "0.2.11"), reg("quickcheck", "0.2.27"),
					reg("rand", "0.3.14"), reg("regex", "0.1.68"), reg("rustc-serialize", "0.3.19"),
					reg("streaming-stats", "0.1.27"), reg("tabwriter", "0.1.25"), reg("threadpool", "0.1.4")),
			},
		},
		{
			file: "v1/Cargo.lock", count: 45,
			want: []*sbom.Package{
				appPkg("v1/Cargo.lock", 210, "ripgrep", "0.7.1", "1",
					reg("atty", "0.2.3"), reg("bytecount", "0.1.7"), reg("clap", "2.26.2"), reg("encoding_rs", "0.7.1"),
					reg("env_logger", "0.4.3"), "grep 0.1.7", "ignore 0.3.1", reg("lazy_static", "0.2.9"),
					reg("libc", "0.2.32"), reg("log", "0.3.8"), reg("memchr", "2.0.0"),
					"memmap 0.5.2 (git+https://github.com/danburkert/memmap-rs#ab3a277c8909d86dbef569a9f5424265574a03ff)",
					reg("num_cpus", "1.7.0"), reg("regex", "0.2.2"), reg("same-file", "1.0.0"), "termcolor 0.3.3"),
				appPkg("v1/Cargo.lock", 96, "grep", "0.1.7", "1",
					reg("log", "0.3.8"), reg("memchr", "2.0.0"), reg("regex", "0.2.2"), reg("regex-syntax", "0.4.1")),
				{
					ID:   "memmap 0.5.2 (git+https://github.com/danburkert/memmap-rs#ab3a277c8909d86dbef569a9f5424265574a03ff)",
					Name: "memmap", Version: "0.5.2", Ecosystem: "crates.io",
					PURL:      "pkg:cargo/memmap@0.5.2?vcs_url=git%2Bhttps:%2F%2Fgithub.com%2Fdanburkert%2Fmemmap-rs%40ab3a277c8909d86dbef569a9f5424265574a03ff",
					Locations: []sbom.Location{{Path: "v1/Cargo.lock", Line: 161}},
					Relation:  sbom.RelationDirect,
					DependsOn: []string{reg("kernel32-sys", "0.2.2"), reg("libc", "0.2.32"), reg("winapi", "0.2.8")},
					VCS:       &sbom.VCS{Type: "git", URL: "https://github.com/danburkert/memmap-rs", Revision: "ab3a277c8909d86dbef569a9f5424265574a03ff"},
					FoundBy:   "cargo-lock",
					Properties: map[string]string{
						propSource: "git+https://github.com/danburkert/memmap-rs#ab3a277c8909d86dbef569a9f5424265574a03ff",
					},
				},
				// checksum from [metadata]; only ripgrep's dependencies depend on it: transitive
				registryPkg("v1/Cargo.lock", 273, "termion", "1.5.1",
					"689a3bdfaab439fd92bc87df5c4c78417d3cbe537487274e9b0b2dce76e92096", sbom.RelationTransitive,
					reg("libc", "0.2.32"), reg("redox_syscall", "0.1.31"), reg("redox_termios", "0.1.1")),
			},
		},
		{
			file: "v2/Cargo.lock", count: 66,
			want: []*sbom.Package{
				registryPkg("v2/Cargo.lock", 3, "aho-corasick", "0.7.10",
					"8716408b8bc624ed7f65d223ddb9ac2d044c0547b6fa4b0d554f3a9540496ada", sbom.RelationDirect,
					reg("memchr", "2.3.3")),
			},
		},
		{
			file: "v3/Cargo.lock", count: 68,
			want: []*sbom.Package{
				// "cfg-if 1.0.0" and "cfg-if 0.1.10": V2+ adds the version when the name is ambiguous
				// the workspace member ignore depends on it: direct
				registryPkg("v3/Cargo.lock", 99, "crossbeam-channel", "0.5.1",
					"06ed27e177f16d65f0f0c22a213e17c696ace5dd64b14258b52f9417ccb52db4", sbom.RelationDirect,
					reg("cfg-if", "1.0.0"), reg("crossbeam-utils", "0.8.4")),
				registryPkg("v3/Cargo.lock", 380, "packed_simd_2", "0.3.4",
					"3278e0492f961fd4ae70909f56b2723a7e8d01a228427294e19cdfdebda89a17", sbom.RelationTransitive,
					reg("cfg-if", "0.1.10"), reg("libm", "0.1.4")),
			},
		},
		{
			file: "v4/Cargo.lock", count: 62,
			want: []*sbom.Package{
				registryPkg("v4/Cargo.lock", 293, "memchr", "2.7.5",
					"32a282da65faaf38286cf3be983213fcf1d2e2a58700e808f83f4ea9a4804bc0", sbom.RelationDirect),
				appPkg("v4/Cargo.lock", 160, "grep", "0.3.2", "4",
					"grep-cli 0.1.11", "grep-matcher 0.1.7", "grep-pcre2 0.1.8", "grep-printer 0.2.2",
					"grep-regex 0.1.13", "grep-searcher 0.1.14", reg("termcolor", "1.4.1"), reg("walkdir", "2.5.0")),
			},
		},
	} {
		t.Run(tc.file, func(t *testing.T) {
			res, err := catalogtest.Run(t, &LockCataloger{}, "testdata", tc.file)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Packages) != tc.count {
				t.Errorf("got %d packages, want %d", len(res.Packages), tc.count)
			}
			got := byID(res)
			for _, w := range tc.want {
				if diff := cmp.Diff(w, got[w.ID]); diff != "" {
					t.Errorf("package %s (-want +got):\n%s", w.ID, diff)
				}
			}
			for _, p := range res.Packages {
				if p.Type != sbom.TypeApplication && p.Relation == "" {
					t.Errorf("%s: no relation", p.ID)
				}
				if !tc.noSums && p.VCS == nil && p.Type != sbom.TypeApplication && len(p.Hashes) != 1 {
					t.Errorf("%s: registry package without checksum", p.ID)
				}
				if p.Locations[0].Line == 0 {
					t.Errorf("%s: no line", p.ID)
				}
			}
		})
	}
}

func TestErrors(t *testing.T) {
	const header = "# This file is automatically @generated by Cargo.\n# It is not intended for manual editing.\n"
	for _, tc := range []struct {
		name, data string
		wantErr    string // substring of the error
		wantLine   int    // of the first *catalog.ParseError
		wantPkgs   int
		is         error
	}{
		{
			name: "truncated string", data: header + "version = 3\n\n[[package]]\nname = \"aho-corasick\nversion = \"1.0.0\"\n",
			wantErr: "not a valid Cargo.lock: strings cannot contain newlines", wantLine: 6, is: catalog.ErrMalformed,
		},
		{
			name: "wrong type", data: header + "version = 3\n\n[[package]]\nname = \"a\"\nversion = 1\n",
			wantErr: "incompatible types: TOML value has type int64", wantLine: 7, is: catalog.ErrMalformed,
		},
		{
			name:    "dangling dependency",
			data:    header + "version = 4\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\n \"serde\",\n]\n",
			wantErr: `package app depends on "serde", which is not in the lockfile`, wantLine: 5, wantPkgs: 1, is: catalog.ErrMalformed,
		},
		{
			name: "ambiguous dependency",
			data: header + "version = 3\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\n \"cfg-if\",\n]\n\n" +
				"[[package]]\nname = \"cfg-if\"\nversion = \"0.1.10\"\nsource = \"" + crates + "\"\n\n" +
				"[[package]]\nname = \"cfg-if\"\nversion = \"1.0.0\"\nsource = \"" + crates + "\"\n",
			wantErr: `package app depends on "cfg-if", which matches 2 packages`, wantLine: 5, wantPkgs: 3, is: catalog.ErrMalformed,
		},
		{
			name:    "bad dependency syntax",
			data:    header + "version = 3\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\n \"cfg-if 1.0.0 registry\",\n]\n",
			wantErr: `the source must be written "(SOURCE)"`, wantLine: 5, wantPkgs: 1, is: catalog.ErrMalformed,
		},
		{
			name:    "bad checksum",
			data:    header + "version = 3\n\n[[package]]\nname = \"cfg-if\"\nversion = \"1.0.0\"\nsource = \"" + crates + "\"\nchecksum = \"xyz\"\n",
			wantErr: "not a SHA-256 hex digest", wantLine: 5, wantPkgs: 1, is: catalog.ErrMalformed,
		},
		{
			name: "missing version", data: header + "version = 3\n\n[[package]]\nname = \"cfg-if\"\n",
			wantErr: "package cfg-if has no version", wantLine: 5, is: catalog.ErrMalformed,
		},
		{
			name: "future version", data: header + "version = 5\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\n",
			wantErr: "lockfile version 5 is newer", wantPkgs: 1, is: catalog.ErrUnsupported,
		},
		{
			name: "deep nesting", data: "x = " + strings.Repeat("[", 100) + strings.Repeat("]", 100) + "\n",
			wantErr: "nesting deeper than 64", is: catalog.ErrTooLarge,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := catalogtest.Bytes(t, &LockCataloger{}, "sub/Cargo.lock", []byte(tc.data))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "sub/Cargo.lock") {
				t.Errorf("error %q does not name the file and say %q", err, tc.wantErr)
			}
			if !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
			var pe *catalog.ParseError
			if errors.As(err, &pe) && pe.Line != tc.wantLine {
				t.Errorf("error line %d, want %d (%v)", pe.Line, tc.wantLine, err)
			}
			n := 0
			if res != nil {
				n = len(res.Packages)
			}
			if n != tc.wantPkgs {
				t.Errorf("got %d packages with the error, want %d", n, tc.wantPkgs)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	c := &LockCataloger{}
	for path, want := range map[string]bool{
		"Cargo.lock": true, "a/b/Cargo.lock": true, "Cargo.toml": false, "cargo.lock": false, "Cargo.lock.bak": false,
	} {
		if got := c.Match(path, 0o644); got != want {
			t.Errorf("Match(%q) = %v, want %v", path, got, want)
		}
	}
	if c.Match("Cargo.lock", os.ModeDir) {
		t.Error("Match accepted a directory")
	}
}

func seeds(f *testing.F) {
	files, err := filepath.Glob("testdata/*/Cargo.lock")
	if err != nil || len(files) == 0 {
		f.Fatal("no seeds", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

func FuzzCargoLock(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := catalogtest.Bytes(t, &LockCataloger{}, "Cargo.lock", data)
		if err != nil && !catalogtest.IsMalformed(err) {
			t.Fatalf("error of an unexpected kind: %v", err)
		}
	})
}

// largeLock generates a V3 lockfile of n registry crates, each depending on up to three
// earlier ones (with the "name version" form for a name used twice), and a workspace root.
func largeLock(n int) []byte {
	var b strings.Builder
	b.WriteString("# This file is automatically @generated by Cargo.\n# It is not intended for manual editing.\nversion = 3\n\n")
	b.WriteString("[[package]]\nname = \"root\"\nversion = \"0.1.0\"\ndependencies = [\n \"crate-0 1.0.0\",\n \"crate-1\",\n]\n\n")
	for i := range n {
		fmt.Fprintf(&b, "[[package]]\nname = \"crate-%d\"\nversion = \"1.0.0\"\nsource = %q\nchecksum = \"%064x\"\n", i, crates, i)
		if i >= 3 {
			fmt.Fprintf(&b, "dependencies = [\n \"crate-%d\",\n \"crate-%d\",\n \"crate-0 1.0.0\",\n]\n", i-1, i-2)
		}
		b.WriteString("\n")
		if i == 0 {
			fmt.Fprintf(&b, "[[package]]\nname = \"crate-0\"\nversion = \"2.0.0\"\nsource = %q\nchecksum = \"%064x\"\n\n", crates, 1<<40)
		}
	}
	return []byte(b.String())
}

func BenchmarkCargoLock(b *testing.B) {
	data := largeLock(20000)
	c := &LockCataloger{}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		res, err := catalogtest.Bytes(b, c, "Cargo.lock", data)
		if err != nil || len(res.Packages) != 20002 {
			b.Fatal(err)
		}
	}
}

// TestPathDependencies reads a workspace that Cargo 1.95 locked (testdata/paths, see
// SOURCES.md) with its Cargo.toml files: members named by a glob, an excluded directory, a path
// dependency inside the workspace (a member, as cargo metadata lists it), one outside it and
// a [patch.crates-io] to a path. Only the members are the project; the other path packages are
// direct dependencies, local ones unmatchable.
func TestPathDependencies(t *testing.T) {
	const file = "ws/Cargo.lock"
	local := func(line int, name, version, dir, reason string) *sbom.Package {
		return &sbom.Package{
			ID: name + " " + version, Name: name, Version: version, PURL: "pkg:generic/" + name + "@" + version,
			Locations: []sbom.Location{{Path: file, Line: line}}, Relation: sbom.RelationDirect, FoundBy: "cargo-lock",
			Properties: map[string]string{propPath: dir, sbom.PropUnmatched: "local path dependency (" + reason + "), not a crates.io crate: its name does not identify one"},
		}
	}
	itoa := &sbom.Package{
		ID: "itoa 1.0.15", Name: "itoa", Version: "1.0.15", Ecosystem: "crates.io", PURL: "pkg:cargo/itoa@1.0.15",
		Locations: []sbom.Location{{Path: file, Line: 24}}, Relation: sbom.RelationDirect, FoundBy: "cargo-lock",
		Properties: map[string]string{propPath: "ws/vendor/itoa", propPatched: "path"},
	}
	want := []*sbom.Package{
		appPkg(file, 5, "app", "0.4.0", "4", "exp-engine 0.0.1", "helper 0.2.0", "itoa 1.0.15", "lib 0.4.0", "shared 3.1.0"),
		local(16, "exp-engine", "0.0.1", "ws/crates/experimental", "outside the workspace"),
		appPkg(file, 20, "helper", "0.2.0", "4"),
		itoa,
		appPkg(file, 28, "lib", "0.4.0", "4"),
		local(32, "shared", "3.1.0", "shared", "outside the workspace"),
	}
	res, err := catalogtest.Run(t, &LockCataloger{}, "testdata/paths", file)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, res.Packages); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}

	// The workspace's directory as the target: shared lies outside it.
	res, err = catalogtest.Run(t, &LockCataloger{}, "testdata/paths/ws", "Cargo.lock")
	if err != nil {
		t.Fatal(err)
	}
	p := byID(res)["shared 3.1.0"]
	if p == nil || p.Properties[sbom.PropUnmatched] == "" || !strings.Contains(p.Properties[sbom.PropUnmatched], "outside the scanned directory") {
		t.Errorf("shared outside the target: %+v", p)
	}
}

// TestWorkspaceManifests checks membership on hand-written manifests for the rules the
// locked workspace does not exercise: a root package without [workspace], a literal member
// that an exclude entry covers, workspace-inherited path dependencies renamed with package,
// [replace], and a member whose manifest is missing (the lockfile alone then decides).
func TestWorkspaceManifests(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  *workspace
	}{{
		name: "single package",
		files: map[string]string{
			"p/Cargo.toml": "[package]\nname = \"tool\"\n[dependencies]\nlocal = { path = \"sub/local\" }\n[build-dependencies]\ngen = { path = \"../gen\" }\n",
		},
		want: &workspace{members: map[string]bool{"tool": true}, dirs: map[string]string{"local": "p/sub/local", "gen": "gen"}, patched: map[string]string{}},
	}, {
		name: "literal member under an exclude, inherited and renamed path dependency, replace",
		files: map[string]string{
			"p/Cargo.toml":         "[workspace]\nmembers = [\"tools/x\"]\nexclude = [\"tools\"]\n[workspace.dependencies]\nz = { path = \"../z\", package = \"zeta\" }\n[replace]\n\"foo:1.0.0\" = { path = \"forks/foo\" }\n",
			"p/tools/x/Cargo.toml": "[package]\nname = \"x\"\n[target.'cfg(unix)'.dependencies]\nz = { workspace = true }\ny = { path = \"../y\" }\n",
		},
		want: &workspace{members: map[string]bool{"x": true}, dirs: map[string]string{"zeta": "z", "y": "p/tools/y"}, patched: map[string]string{"foo": "p/forks/foo"}},
	}, {
		name:  "missing member manifest",
		files: map[string]string{"p/Cargo.toml": "[workspace]\nmembers = [\"gone\"]\n"},
	}, {
		name:  "no manifest",
		files: map[string]string{},
	}, {
		name:  "bad glob",
		files: map[string]string{"p/Cargo.toml": "[workspace]\nmembers = [\"crates/[\"]\n"},
	}, {
		name:  "nesting too deep",
		files: map[string]string{"p/Cargo.toml": "[package]\nname = \"x\"\nmeta = " + strings.Repeat("[", 100) + strings.Repeat("]", 100) + "\n"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for name, data := range tc.files {
				fsys[name] = &fstest.MapFile{Data: []byte(data)}
			}
			got := readWorkspace(fsys, "p")
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(workspace{})); diff != "" {
				t.Errorf("workspace (-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzWorkspace feeds a hostile Cargo.toml, as the workspace's root and as its one member, to
// the workspace reader, seeded from the manifests of testdata/paths.
func FuzzWorkspace(f *testing.F) {
	for _, name := range []string{"ws/Cargo.toml", "ws/crates/app/Cargo.toml", "shared/Cargo.toml"} {
		b, err := os.ReadFile(filepath.Join("testdata", "paths", filepath.FromSlash(name)))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := fstest.MapFS{
			"p/Cargo.toml":   {Data: data},
			"p/m/Cargo.toml": {Data: data},
		}
		if ws := readWorkspace(fsys, "p"); ws != nil && len(ws.members) > 2 {
			t.Fatalf("%d members from two manifests", len(ws.members))
		}
	})
}
