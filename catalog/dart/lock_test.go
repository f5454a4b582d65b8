package dart

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/catalog/catalogtest"
	"github.com/hallmark-dev/hallmark/sbom"
)

func props(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

func hosted(file string, line int, name, version, dep, sha string, rel sbom.Relation, scope sbom.Scope, url string) *sbom.Package {
	p := &sbom.Package{
		ID: name, Name: name, Version: version, Ecosystem: "Pub", PURL: "pkg:pub/" + name + "@" + version,
		FoundBy: "pubspec-lock", Locations: []sbom.Location{{Path: file, Line: line}}, Relation: rel, Scope: scope,
		Properties: props(PropDependency, dep, PropSource, "hosted", PropURL, url),
	}
	if sha != "" {
		p.Hashes = []sbom.Hash{{Algorithm: "SHA-256", Value: sha}}
	}
	return p
}

func TestLock(t *testing.T) {
	const modern, legacy = "modern/pubspec.lock", "legacy/pubspec.lock"
	loc := func(f string, line int) []sbom.Location { return []sbom.Location{{Path: f, Line: line}} }
	tests := []struct {
		file    string
		want    []*sbom.Package
		wantErr string
	}{
		{
			file: modern,
			want: []*sbom.Package{
				{
					ID: "pubspec.yaml", Type: sbom.TypeApplication, Name: "weather_app", Version: "1.4.2+17", Ecosystem: "Pub",
					PURL: "pkg:pub/weather_app@1.4.2%2B17", FoundBy: "pubspec-lock", Locations: loc("modern/pubspec.yaml", 1),
					DependsOn:  []string{"flutter", "http", "key_binder", "path", "test", "weather_models"},
					Properties: props(PropSDKPrefix+"dart", ">=3.2.0 <4.0.0", PropSDKPrefix+"flutter", ">=3.16.0"),
				},
				hosted(modern, 4, "async", "2.11.0", "transitive", "947bfcf187f74dbc5e146c9eb9c0f10c9f8b30743e341481c1e2ed3ecc18c20c",
					sbom.RelationTransitive, "", "https://pub.dev"),
				hosted(modern, 12, "collection", "1.18.0", "transitive", "ee67cb0715911d28db6bf4af1026078bd6f0128b07a5f66fb2ed94ec6783c09a",
					sbom.RelationTransitive, "", "https://pub.dev"),
				{
					ID: "flutter", Name: "flutter", Constraint: ">=3.16.0", Unresolved: true, Ecosystem: "Pub", PURL: "pkg:pub/flutter",
					FoundBy: "pubspec-lock", Locations: loc(modern, 20), Relation: sbom.RelationDirect, Scope: sbom.ScopeRuntime,
					Properties: props(PropDependency, "direct main", PropSource, "sdk", PropSDK, "flutter", PropSDKLocked, "0.0.0"),
				},
				hosted(modern, 25, "http", "1.2.0", "direct main", "a2bbf9d017fcced29139daa8ed2bba4ece450ab222871df93ca9eec6f80c34ba",
					sbom.RelationDirect, sbom.ScopeRuntime, "https://pub.dev"),
				{
					ID: "key_binder", Name: "key_binder", Version: "1.11.20", Ecosystem: "Pub", PURL: "pkg:pub/key_binder@1.11.20",
					FoundBy: "pubspec-lock", Locations: loc(modern, 33), Relation: sbom.RelationDirect, Scope: sbom.ScopeRuntime,
					VCS: &sbom.VCS{Type: "git", URL: "https://github.com/Workiva/key_binder.git",
						Revision: "3f7b3a6350e73c7dcac45301c0e18fbd42af02f7", Ref: "v1.11.20"},
					Properties: props(PropDependency, "direct main", PropSource, "git"),
				},
				hosted(modern, 42, "path", "1.9.0", "direct overridden", "087ce49c3f0dc39180befefc60fdb4acd8f8620e5682fe2476afd0b3688bb4af",
					sbom.RelationDirect, "", "https://pub.dev"),
				{
					// Flutter's engine package declares 0.0.99 in the SDK; it is still the
					// SDK's placeholder, not a release.
					ID: "sky_engine", Name: "sky_engine", Constraint: ">=3.16.0", Unresolved: true, Ecosystem: "Pub", PURL: "pkg:pub/sky_engine",
					FoundBy: "pubspec-lock", Locations: loc(modern, 50), Relation: sbom.RelationTransitive,
					Properties: props(PropDependency, "transitive", PropSource, "sdk", PropSDK, "flutter", PropSDKLocked, "0.0.99"),
				},
				hosted(modern, 55, "test", "1.24.6", "direct dev", "9b0dd8e36af4a5b1569029949d50a52cb2a2a2fdaa20cebb96e6603b9ae241f9",
					sbom.RelationDirect, sbom.ScopeDev, "https://pub.dev"),
				{
					ID: "weather_models", Name: "weather_models", Version: "0.3.0", Ecosystem: "Pub", PURL: "pkg:pub/weather_models@0.3.0",
					FoundBy: "pubspec-lock", Locations: loc(modern, 63), Relation: sbom.RelationDirect, Scope: sbom.ScopeRuntime,
					Properties: props(PropDependency, "direct main", PropSource, "path", PropPath, "../weather_models"),
				},
			},
		},
		{
			file: legacy,
			want: []*sbom.Package{
				withSDK(hosted(legacy, 4, "ale", "3.3.0", "transitive", "", sbom.RelationTransitive, "", "https://pub.hosted.org")),
				withSDK(hosted(legacy, 11, "analyzer", "0.40.7", "transitive", "", sbom.RelationTransitive, "", "https://pub.dartlang.org")),
				withSDK(&sbom.Package{
					ID: "flutter", Name: "flutter", Unresolved: true, Ecosystem: "Pub", PURL: "pkg:pub/flutter",
					FoundBy: "pubspec-lock", Locations: loc(legacy, 18), Relation: sbom.RelationDirect, Scope: sbom.ScopeRuntime,
					Properties: props(PropDependency, "direct main", PropSource, "sdk", PropSDK, "flutter", PropSDKLocked, "0.0.0"),
				}),
				withSDK(&sbom.Package{
					ID: "key_binder", Name: "key_binder", Version: "1.11.20", Ecosystem: "Pub", PURL: "pkg:pub/key_binder@1.11.20",
					FoundBy: "pubspec-lock", Locations: loc(legacy, 23), Relation: sbom.RelationDirect, Scope: sbom.ScopeRuntime,
					VCS: &sbom.VCS{Type: "git", URL: "git@github.com:Workiva/key_binder.git",
						Revision: "3f7b3a6350e73c7dcac45301c0e18fbd42af02f7", Ref: "HEAD"},
					Properties: props(PropDependency, "direct main", PropSource, "git"),
				}),
			},
		},
		{file: "nopackages/pubspec.lock"},
		{file: "malformed/pubspec.lock", wantErr: "malformed/pubspec.lock:9: invalid YAML"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			res, err := catalogtest.Run(t, &LockCataloger{}, "testdata", tt.file)
			checkErr(t, err, tt.wantErr)
			var got []*sbom.Package
			if res != nil {
				got = res.Packages
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
		})
	}
}

func withSDK(p *sbom.Package) *sbom.Package {
	p.SetProperty(PropSDKPrefix+"dart", ">=2.12.0 <3.0.0")
	return p
}

func checkErr(t *testing.T, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("error: %v", err)
		}
		return
	}
	var pe *catalog.ParseError
	if !errors.As(err, &pe) || !errors.Is(err, catalog.ErrMalformed) {
		t.Fatalf("error %v: want a *catalog.ParseError", err)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not contain %q", err, want)
	}
}

func TestLockErrors(t *testing.T) {
	for _, tt := range []struct{ name, data, want string }{
		{"not a mapping", "- a\n- b\n", "pubspec.lock:1: not a pubspec.lock file"},
		{"no packages", "sdks:\n  dart: '>=3.0.0'\n", "pubspec.lock:1: not a pubspec.lock file: no packages mapping"},
		{"package not a mapping", "packages:\n  foo: bar\n", "pubspec.lock:2: package foo: want a mapping"},
		{"no version", "packages:\n  foo:\n    dependency: transitive\n    source: hosted\n", "pubspec.lock:2: package foo has no version"},
		{"bad sha256", "packages:\n  foo:\n    description:\n      name: foo\n      sha256: xyz\n    source: hosted\n    version: '1.0.0'\n",
			"pubspec.lock:5: package foo: sha256 \"xyz\" is not 64 hexadecimal digits"},
		{"duplicate", "packages:\n  foo:\n    source: hosted\n    version: '1.0.0'\n  foo:\n    source: hosted\n    version: '1.0.1'\n",
			"pubspec.lock:5: package foo is listed twice"},
		{"too many sdks", "packages:\n  foo:\n    source: hosted\n    version: '1.0.0'\nsdks:\n" + func() string {
			var b strings.Builder
			for i := range 65 {
				fmt.Fprintf(&b, "  sdk%d: '>=1.0.0'\n", i)
			}
			return b.String()
		}(), "pubspec.lock:6: input too large: more than 64 SDK constraints"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := catalogtest.Bytes(t, &LockCataloger{}, "pubspec.lock", []byte(tt.data))
			checkErr(t, err, tt.want)
		})
	}
}

func TestMatch(t *testing.T) {
	c := &LockCataloger{}
	if !c.Match("app/pubspec.lock", 0o644) || c.Match("app/pubspec.yaml", 0o644) || c.Match("pubspec.lock", 0o755|1<<31) {
		t.Error("Match: want pubspec.lock regular files only")
	}
	if !c.Related("app/pubspec.yaml", 0o644) {
		t.Error("Related: want pubspec.yaml")
	}
}

func FuzzLock(f *testing.F) {
	files, _ := filepath.Glob("testdata/*/pubspec.*")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := catalogtest.Bytes(t, &LockCataloger{}, "pubspec.lock", data)
		if err != nil && !catalogtest.IsMalformed(err) {
			t.Fatalf("unexpected error kind: %v", err)
		}
	})
}

func BenchmarkLock(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("# Generated by pub\npackages:\n")
	for i := range 10000 {
		fmt.Fprintf(&sb, "  pkg_%d:\n    dependency: transitive\n    description:\n      name: pkg_%d\n"+
			"      sha256: \"%064x\"\n      url: \"https://pub.dev\"\n    source: hosted\n    version: \"1.%d.0\"\n", i, i, i, i)
	}
	sb.WriteString("sdks:\n  dart: \">=3.0.0 <4.0.0\"\n")
	data := []byte(sb.String())
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := catalogtest.Bytes(b, &LockCataloger{}, "pubspec.lock", data); err != nil {
			b.Fatal(err)
		}
	}
}
