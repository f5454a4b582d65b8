package nuget

import (
	"encoding/base64"
	"encoding/hex"
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

// brief is the part of a package the table tests compare.
type brief struct {
	ID, Name, Version, Constraint, PURL string
	Type                                sbom.Type
	Relation                            sbom.Relation
	Unresolved                          bool
	Line                                int
	SHA512                              string // first 16 hex digits
	DependsOn                           []string
	Props                               map[string]string
}

func summarize(t *testing.T, pkgs []*sbom.Package, foundBy string) map[string]brief {
	t.Helper()
	out := map[string]brief{}
	for _, p := range pkgs {
		if p.Ecosystem != "NuGet" || p.FoundBy != foundBy {
			t.Errorf("%s: ecosystem %q found by %q", p.ID, p.Ecosystem, p.FoundBy)
		}
		b := brief{ID: p.ID, Name: p.Name, Version: p.Version, Constraint: p.Constraint, PURL: p.PURL, Type: p.Type,
			Relation: p.Relation, Unresolved: p.Unresolved, DependsOn: p.DependsOn, Props: p.Properties}
		if len(p.Locations) > 0 {
			b.Line = p.Locations[0].Line
		}
		for _, h := range p.Hashes {
			if h.Algorithm == "SHA-512" && len(h.Value) == 128 {
				b.SHA512 = h.Value[:16]
			}
		}
		out[p.ID] = b
	}
	return out
}

func props(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// hex16 returns the first 16 hex digits of a base64 digest, to write expectations from the file.
func hex16(b64 string) string {
	b, _ := base64.StdEncoding.DecodeString(b64)
	return hex.EncodeToString(b)[:16]
}

func TestLock(t *testing.T) {
	tests := []struct {
		file    string
		count   int
		want    []brief
		wantErr string
	}{
		{
			file:  "syft-lock/packages.lock.json",
			count: 8,
			want: []brief{
				{
					ID: "automapper@13.0.1", Name: "AutoMapper", Version: "13.0.1", Constraint: "[13.0.1, )",
					PURL: "pkg:nuget/AutoMapper@13.0.1", Relation: sbom.RelationDirect, Line: 5,
					SHA512:    hex16("/Fx1SbJ16qS7dU4i604Sle+U9VLX+WSNVJggk6MupKVkYvvBm4XqYaeFuf67diHefHKHs50uQIS2YEDFhPCakQ=="),
					DependsOn: []string{"microsoft.extensions.options@6.0.0"},
					Props:     props(PropType, "Direct", PropFrameworks, "net8.0"),
				},
				{
					ID: "bootstrap@5.0.0", Name: "bootstrap", Version: "5.0.0", Constraint: "[5.0.0, )",
					PURL: "pkg:nuget/bootstrap@5.0.0", Relation: sbom.RelationDirect, Line: 14,
					SHA512: hex16("NKQFzFwrfWOMjTwr+X/2iJyCveuAGF+fNzkxyB0YW45+InVhcE9PUxoL1a8Vmc/Lq9E/CQd4DjO8kU32P4w/Gg=="),
					Props:  props(PropType, "Direct", PropFrameworks, ".netcore2.0,net8.0"),
				},
				{
					ID: "log4net@1.2.15", Name: "log4net", Version: "1.2.15", Constraint: "[1.2.15, )",
					PURL: "pkg:nuget/log4net@1.2.15", Relation: sbom.RelationDirect, Line: 61,
					SHA512: hex16("KPajjkU1rbF6uY2rnakbh36LB9z9FVcYlciyOi6C5SJ3AMNywxjCGxBTN/Hl5nQEinRLuWvHWPF8W7YHh9sONw=="),
					Props:  props(PropType, "Direct", PropFrameworks, ".netcore2.0"),
				},
				{
					ID: "microsoft.extensions.options@6.0.0", Name: "Microsoft.Extensions.Options", Version: "6.0.0",
					PURL: "pkg:nuget/Microsoft.Extensions.Options@6.0.0", Relation: sbom.RelationTransitive, Line: 31,
					SHA512:    hex16("dzXN0+V1AyjOe2xcJ86Qbo233KHuLEY0njf/P2Kw8SfJU+d45HNS2ctJdnEnrWbM9Ye2eFgaC5Mj9otRMU6IsQ=="),
					DependsOn: []string{"microsoft.extensions.dependencyinjection.abstractions@6.0.0", "microsoft.extensions.primitives@6.0.0"},
					Props:     props(PropType, "Transitive", PropFrameworks, "net8.0"),
				},
			},
		},
		{
			file:  "cpm/packages.lock.json",
			count: 5,
			want: []brief{
				{
					ID: "serilog.sinks.console@4.0.1", Name: "Serilog.Sinks.Console", Version: "4.0.1", Constraint: "[4.0.1, )",
					PURL: "pkg:nuget/Serilog.Sinks.Console@4.0.1", Relation: sbom.RelationDirect, Line: 11,
					SHA512:    hex16("apLOvSJQLlIbKlbx+Y2UDHSP05kJsV7mou+fvJoRGs/iR+jC22r8cuFVMjjfVxz/AD4B2UCltFhE1naRLXwKNw=="),
					DependsOn: []string{"serilog@2.10.0"},
					Props:     props(PropType, "Direct", PropFrameworks, "net8.0"),
				},
				{
					ID: "weather.core@", Name: "weather.core", PURL: "pkg:nuget/weather.core", Type: sbom.TypeApplication, Line: 20,
					DependsOn: []string{"serilog@2.10.0"},
					Props:     props(PropType, "Project", PropFrameworks, "net8.0"),
				},
				{
					ID: "serilog@2.10.0", Name: "Serilog", Version: "2.10.0", Constraint: "[2.10.0, )",
					PURL: "pkg:nuget/Serilog@2.10.0", Relation: sbom.RelationTransitive, Line: 26,
					SHA512: hex16("+QX0hmf37a0/OZLxM3wL7V6/ADvC1XihXN4Kq/p6d8lCPfgkRdiuhbWlMaFjR9Av0dy5F0+MBeDmDdRZN/YwQA=="),
					Props:  props(PropType, "CentralTransitive", PropFrameworks, "net8.0"),
				},
				{
					ID: "system.runtime.compilerservices.unsafe@6.0.0", Name: "System.Runtime.CompilerServices.Unsafe", Version: "6.0.0",
					PURL: "pkg:nuget/System.Runtime.CompilerServices.Unsafe@6.0.0", Relation: sbom.RelationTransitive, Line: 34,
					SHA512: hex16("/iUeP3tq1S0XdNNoMz5C9twLSrM/TH+qElHkXWaPvuNOt+99G75NrV0OS2EqHx5wMN7popYjpc8oTjC1y16DLg=="),
					Props:  props(PropType, "Transitive", PropFrameworks, "net8.0/linux-x64"),
				},
			},
		},
		{file: "malformed/packages.lock.json", wantErr: "malformed/packages.lock.json:9: invalid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			res, err := catalogtest.Run(t, &LockCataloger{}, "testdata", tt.file)
			checkErr(t, err, tt.wantErr)
			if tt.wantErr != "" {
				return
			}
			got := summarize(t, res.Packages, "nuget-lock")
			if len(got) != tt.count {
				t.Errorf("got %d packages, want %d", len(got), tt.count)
			}
			for _, w := range tt.want {
				if diff := cmp.Diff(w, got[w.ID]); diff != "" {
					t.Errorf("package %s (-want +got):\n%s", w.ID, diff)
				}
			}
		})
	}
}

func TestDeps(t *testing.T) {
	const rt6 = ".NETCoreApp,Version=v6.0"
	tests := []struct {
		file  string
		count int
		want  []brief
	}{
		{
			file:  "syft-deps/TestLibrary.deps.json",
			count: 14,
			want: []brief{
				{
					ID: "TestLibrary/1.0.0", Name: "TestLibrary", Version: "1.0.0", PURL: "pkg:nuget/TestLibrary@1.0.0",
					Type: sbom.TypeApplication, Line: 140,
					DependsOn: []string{"Microsoft.Extensions.DependencyInjection/6.0.0", "Microsoft.Extensions.Logging/6.0.0",
						"Newtonsoft.Json/13.0.1", "Serilog.Sinks.Console/4.0.1", "Serilog/2.10.0", "TestCommon/1.0.0"},
					Props: props(PropType, "project", PropRuntimeTarget, rt6),
				},
				{
					ID: "TestCommon/1.0.0", Name: "TestCommon", Version: "1.0.0", PURL: "pkg:nuget/TestCommon@1.0.0",
					Relation: sbom.RelationDirect, Line: 229, DependsOn: []string{"AWSSDK.Core/3.7.10.6"},
					Props: props(PropType, "project"),
				},
				{
					ID: "AWSSDK.Core/3.7.10.6", Name: "AWSSDK.Core", Version: "3.7.10.6", PURL: "pkg:nuget/AWSSDK.Core@3.7.10.6",
					Relation: sbom.RelationTransitive, Line: 145,
					SHA512: hex16("kHBB+QmosVaG6DpngXQ8OlLVVNMzltNITfsRr68Z90qO7dSqJ2EHNd8dtBU1u3AQQLqqFHOY0lfmbpexeH6Pew=="),
					Props:  props(PropType, "package", PropPath, "awssdk.core/3.7.10.6"),
				},
				{
					ID: "Serilog.Sinks.Console/4.0.1", Name: "Serilog.Sinks.Console", Version: "4.0.1",
					PURL: "pkg:nuget/Serilog.Sinks.Console@4.0.1", Relation: sbom.RelationDirect, Line: 208,
					SHA512:    hex16("apLOvSJQLlIbKlbx+Y2UDHSP05kJsV7mou+fvJoRGs/iR+jC22r8cuFVMjjfVxz/AD4B2UCltFhE1naRLXwKNw=="),
					DependsOn: []string{"Serilog/2.10.0"},
					Props:     props(PropType, "package", PropPath, "serilog.sinks.console/4.0.1"),
				},
			},
		},
		{
			file:  "selfcontained/dotnetapp.deps.json",
			count: 3,
			want: []brief{
				{
					ID: "dotnetapp/1.0.0", Name: "dotnetapp", Version: "1.0.0", PURL: "pkg:nuget/dotnetapp@1.0.0",
					Type: sbom.TypeApplication, Line: 50,
					DependsOn: []string{"Humanizer.Core/2.14.1", "runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/8.0.8"},
					Props:     props(PropType, "project", PropRuntimeTarget, ".NETCoreApp,Version=v8.0/linux-x64"),
				},
				{
					ID: "runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/8.0.8", Name: "Microsoft.NETCore.App.Runtime.linux-x64",
					Version: "8.0.8", PURL: "pkg:nuget/Microsoft.NETCore.App.Runtime.linux-x64@8.0.8",
					Relation: sbom.RelationDirect, Line: 55, Props: props(PropType, "runtimepack"),
				},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			res, err := catalogtest.Run(t, &DepsCataloger{}, "testdata", tt.file)
			if err != nil {
				t.Fatal(err)
			}
			got := summarize(t, res.Packages, "dotnet-deps")
			if len(got) != tt.count {
				t.Errorf("got %d packages, want %d", len(got), tt.count)
			}
			for _, w := range tt.want {
				if diff := cmp.Diff(w, got[w.ID]); diff != "" {
					t.Errorf("package %s (-want +got):\n%s", w.ID, diff)
				}
			}
		})
	}
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

func TestErrors(t *testing.T) {
	lock, deps := &LockCataloger{}, &DepsCataloger{}
	for _, tt := range []struct {
		name string
		c    catalog.Cataloger
		data string
		want string
	}{
		{"lock not object", lock, `[]`, "packages.lock.json:1: lock file: want a JSON object"},
		{"lock version", lock, "{\n\"version\": 3,\n\"dependencies\": {}}", "packages.lock.json:2: lock file version 3"},
		{"lock no deps", lock, `{"version": 1}`, "no dependencies object"},
		{"lock bad hash", lock, "{\"version\": 1, \"dependencies\": {\"net8.0\": {\n\"A\": {\"type\": \"Direct\", \"resolved\": \"1.0.0\", \"contentHash\": \"abc\"}}}}",
			"packages.lock.json:2: package A: contentHash is not a base64 SHA-512"},
		{"lock no version", lock, "{\"version\": 1, \"dependencies\": {\"net8.0\": {\n\"A\": {\"type\": \"Direct\"}}}}",
			"packages.lock.json:2: package A has neither resolved nor requested version"},
		{"lock wrong type", lock, "{\"version\": 1, \"dependencies\": {\"net8.0\": {\n\"A\": {\"type\": 5}}}}",
			"packages.lock.json:2: type is a JSON number"},
		{"lock truncated", lock, "{\"version\": 1, \"dependencies\": {\"net8.0\": {\n", "unexpected end of JSON input"},
		{"lock trailing", lock, "{\"version\": 1, \"dependencies\": {}} {}", "packages.lock.json:1: invalid JSON: invalid character '{' after top-level value"},
		{"deps no libraries", deps, `{"targets": {}}`, "no libraries object"},
		{"deps bad key", deps, "{\"libraries\": {\n\"NoVersion\": {\"type\": \"package\"}}}", "app.deps.json:2: library key \"NoVersion\""},
		{"deps bad sha", deps, `{"libraries": {"A/1.0.0": {"type": "package", "sha512": "md5-abc"}}}`, "does not start with \"sha512-\""},
		{"deps duplicate", deps, "{\"libraries\": {\"A/1.0.0\": {},\n\"a/1.0.0\": {}}}", "app.deps.json:2: library a/1.0.0 is listed twice"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			name := "packages.lock.json"
			if tt.c == deps {
				name = "app.deps.json"
			}
			_, err := catalogtest.Bytes(t, tt.c, name, []byte(tt.data))
			checkErr(t, err, tt.want)
		})
	}
}

func TestMatch(t *testing.T) {
	lock, deps := &LockCataloger{}, &DepsCataloger{}
	for _, tt := range []struct {
		c    catalog.Cataloger
		path string
		want bool
	}{
		{lock, "src/App/packages.lock.json", true},
		{lock, "src/packages.App.lock.json", true},
		{lock, "src/package-lock.json", false},
		{deps, "bin/Release/net8.0/App.deps.json", true},
		{deps, "App.runtimeconfig.json", false},
		{deps, ".deps.json", false},
	} {
		if got := tt.c.Match(tt.path, 0o644); got != tt.want {
			t.Errorf("%s.Match(%q) = %v, want %v", tt.c.Name(), tt.path, got, tt.want)
		}
	}
}

func seeds(f *testing.F, glob string) {
	files, _ := filepath.Glob(glob)
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

func FuzzLock(f *testing.F) {
	seeds(f, "testdata/*/*.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := catalogtest.Bytes(t, &LockCataloger{}, "packages.lock.json", data)
		if err != nil && !catalogtest.IsMalformed(err) {
			t.Fatalf("unexpected error kind: %v", err)
		}
	})
}

func FuzzDeps(f *testing.F) {
	seeds(f, "testdata/*/*.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := catalogtest.Bytes(t, &DepsCataloger{}, "app.deps.json", data)
		if err != nil && !catalogtest.IsMalformed(err) {
			t.Fatalf("unexpected error kind: %v", err)
		}
	})
}

const benchHash = "/iUeP3tq1S0XdNNoMz5C9twLSrM/TH+qElHkXWaPvuNOt+99G75NrV0OS2EqHx5wMN7popYjpc8oTjC1y16DLg=="

func BenchmarkLock(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"version": 1, "dependencies": {`)
	for fw, name := range []string{"net6.0", "net8.0"} {
		if fw > 0 {
			sb.WriteString(",")
		}
		fmt.Fprintf(&sb, "%q: {", name)
		for i := range 10000 {
			if i > 0 {
				sb.WriteString(",")
			}
			fmt.Fprintf(&sb, "\n\"Pkg.N%d\": {\"type\": \"Transitive\", \"resolved\": \"1.%d.0\", \"contentHash\": %q, \"dependencies\": {\"Pkg.N%d\": \"1.0.0\"}}",
				i, i, benchHash, (i+1)%10000)
		}
		sb.WriteString("}")
	}
	sb.WriteString("}}")
	bench(b, &LockCataloger{}, "packages.lock.json", sb.String())
}

func BenchmarkDeps(b *testing.B) {
	var targets, libs strings.Builder
	for i := range 10000 {
		if i > 0 {
			targets.WriteString(",")
			libs.WriteString(",")
		}
		fmt.Fprintf(&targets, "\n\"Pkg.N%d/1.%d.0\": {\"dependencies\": {\"Pkg.N%d\": \"1.%d.0\"}, \"runtime\": {\"lib/net8.0/Pkg.dll\": {}}}",
			i, i, (i+1)%10000, (i+1)%10000)
		fmt.Fprintf(&libs, "\n\"Pkg.N%d/1.%d.0\": {\"type\": \"package\", \"serviceable\": true, \"sha512\": \"sha512-%s\", \"path\": \"pkg.n%d/1.%d.0\"}",
			i, i, benchHash, i, i)
	}
	doc := `{"runtimeTarget": {"name": "t"}, "targets": {"t": {` + targets.String() + `}}, "libraries": {` + libs.String() + `}}`
	bench(b, &DepsCataloger{}, "app.deps.json", doc)
}

func bench(b *testing.B, c catalog.Cataloger, name, doc string) {
	data := []byte(doc)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := catalogtest.Bytes(b, c, name, data); err != nil {
			b.Fatal(err)
		}
	}
}

// TestWideGraph checks that a package with very many dependencies, some named twice in
// different case, and packages in very many frameworks are read in linear time, with each
// edge and framework once.
func TestWideGraph(t *testing.T) {
	const n = 60_000
	var deps, entries, targets, libs strings.Builder
	for i := range n {
		if i > 0 {
			deps.WriteString(",")
			targets.WriteString(",")
			libs.WriteString(",")
		}
		fmt.Fprintf(&deps, "%q: \"1.0.0\", %q: \"1.0.0\"", fmt.Sprintf("Dep.N%d", i), fmt.Sprintf("DEP.n%d", i))
		fmt.Fprintf(&entries, ",\n%q: {\"type\": \"Transitive\", \"resolved\": \"1.0.0\"}", fmt.Sprintf("Dep.N%d", i))
		fmt.Fprintf(&targets, "%q: {}", fmt.Sprintf("Dep.N%d/1.0.0", i))
		fmt.Fprintf(&libs, "%q: {\"type\": \"package\"}", fmt.Sprintf("Dep.N%d/1.0.0", i))
	}
	var fws strings.Builder
	for i := range n {
		fmt.Fprintf(&fws, ",\n\"net%d.0\": {\"Dep.N0\": {\"type\": \"Transitive\", \"resolved\": \"1.0.0\"}}", i)
	}
	lock := `{"version": 1, "dependencies": {"net8.0": {"App": {"type": "Direct", "requested": "[1.0.0, )", "resolved": "1.0.0", "dependencies": {` +
		deps.String() + `}}` + entries.String() + `}` + fws.String() + `}}`
	res, err := catalogtest.Bytes(t, &LockCataloger{}, "packages.lock.json", []byte(lock))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range res.Packages {
		switch p.Name {
		case "App":
			if len(p.DependsOn) != n {
				t.Errorf("lock: App depends on %d packages, want %d", len(p.DependsOn), n)
			}
		case "Dep.N0":
			// net0.0 … net59999.0, net8.0 twice
			if got := strings.Count(p.Properties[PropFrameworks], ",") + 1; got != n {
				t.Errorf("lock: Dep.N0 in %d frameworks, want %d", got, n)
			}
		}
	}

	doc := `{"runtimeTarget": {"name": "t"}, "targets": {"t": {"App/1.0.0": {"dependencies": {` + deps.String() + `}}, ` +
		targets.String() + `}}, "libraries": {"App/1.0.0": {"type": "project"}, ` + libs.String() + `}}`
	res, err = catalogtest.Bytes(t, &DepsCataloger{}, "App.deps.json", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if app := res.Packages[0]; app.Name != "App" || len(app.DependsOn) != n {
		t.Errorf("deps.json: %s depends on %d packages, want App on %d", app.Name, len(app.DependsOn), n)
	}
}
