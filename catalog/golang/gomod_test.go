package golang

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/catalog/catalogtest"
	"github.com/hallmark-dev/hallmark/sbom"
)

func TestGoMod(t *testing.T) {
	const full = "mod/full/go.mod"
	loc := func(p string, line int) []sbom.Location { return []sbom.Location{{Path: p, Line: line}} }
	mod := func(name, version string, line int, rel sbom.Relation, props ...string) *sbom.Package {
		p := &sbom.Package{
			ID: name + "@" + version, Name: name, Version: version, Ecosystem: "Go",
			PURL: modulePURL(name, version), FoundBy: "go-mod", Locations: loc(full, line), Relation: rel,
		}
		for i := 0; i+1 < len(props); i += 2 {
			p.SetProperty(props[i], props[i+1])
		}
		return p
	}
	tests := []struct {
		file    string
		want    []*sbom.Package
		wantErr []string // substrings of the error, in order
	}{
		{
			file: full,
			want: []*sbom.Package{
				{
					ID: "main", Type: sbom.TypeApplication, Name: "github.com/example/full", Ecosystem: "Go",
					PURL: "pkg:golang/github.com/example/full", FoundBy: "go-mod", Locations: loc(full, 2),
					DependsOn: []string{"stdlib", "github.com/example/localdep@", "github.com/google/go-cmp@v0.7.0",
						"golang.org/x/mod@v0.42.0", "golang.org/x/sync@v0.24.0", "gopkg.in/yaml.v3@v3.0.1"},
					Properties: map[string]string{PropExcludes: "golang.org/x/sys@v0.1.0,golang.org/x/text@v0.3.7,golang.org/x/text@v0.3.8"},
				},
				{
					ID: "stdlib", Name: "stdlib", Version: "1.21.0", Ecosystem: "Go", PURL: "pkg:golang/stdlib@1.21.0",
					FoundBy: "go-mod", Locations: loc(full, 4), Relation: sbom.RelationDirect,
				},
				mod("github.com/example/localdep", "", 7, sbom.RelationDirect,
					PropReplaces, "github.com/example/localdep@v1.2.3", PropLocalPath, "../localdep", PropReplacedBy, "../localdep"),
				mod("github.com/google/go-cmp", "v0.7.0", 8, sbom.RelationDirect, PropH1, "h1:wk8382ETsv4JYUZwIsn6YpYiWiBsYLSJiTsyBybVuN8="),
				mod("golang.org/x/mod", "v0.42.0", 9, sbom.RelationDirect, PropH1, "h1:ICeL3t2L30ljSPHHxDnR4fqVcBt/zR2zJAb9juavmQg="),
				mod("golang.org/x/sync", "v0.24.0", 10, sbom.RelationDirect, PropH1, "h1:iqiDrGoDgyuvAKrhLQthUEzU/R378N78gXbBjxed7oA=",
					PropReplaces, "golang.org/x/sync@v0.20.0", PropReplacedBy, "golang.org/x/sync@v0.24.0"),
				mod("gopkg.in/yaml.v3", "v3.0.1", 11, sbom.RelationDirect, PropH1, "h1:fxVm/GzAzEWqLHuvctI91KS9hhNmmWOoWu0XTYJS7CA="),
				mod("golang.org/x/sys", "v0.49.0", 15, sbom.RelationTransitive, PropH1, "h1:XbzkgYJHdqh/8m2Uu0W/dQv8nktxx4BFHp1M0gROTXA=",
					PropExcluded, "v0.1.0"),
				mod("golang.org/x/term", "v0.47.0", 16, sbom.RelationTransitive),
				mod("golang.org/x/text", "v0.14.0", 17, sbom.RelationTransitive, PropH1, "h1:ScX5w1eTa3QqT8oi6+ziP7dTV1S2+ALU0bI+0zXKWiQ=",
					PropExcluded, "v0.3.7,v0.3.8"),
				mod("gopkg.in/check.v1", "v0.0.0-20161208181325-20d25e280405", 18, sbom.RelationTransitive),
			},
			wantErr: []string{"mod/full/go.mod:16: module golang.org/x/term@v0.47.0 has no line in mod/full/go.sum"},
		},
		{
			file: "src/hello/go.mod",
			want: []*sbom.Package{
				{
					ID: "main", Type: sbom.TypeApplication, Name: "example.com/hello", Ecosystem: "Go",
					PURL: "pkg:golang/example.com/hello", FoundBy: "go-mod", Locations: loc("src/hello/go.mod", 1),
					DependsOn: []string{"stdlib", "example.com/greet@", "golang.org/x/sync@v0.24.0"},
				},
				{
					ID: "stdlib", Name: "stdlib", Version: "1.26.8", Ecosystem: "Go", PURL: "pkg:golang/stdlib@1.26.8",
					FoundBy: "go-mod", Locations: loc("src/hello/go.mod", 5), Relation: sbom.RelationDirect,
				},
				{
					ID: "example.com/greet@", Name: "example.com/greet", Ecosystem: "Go", PURL: "pkg:golang/example.com/greet",
					FoundBy: "go-mod", Locations: loc("src/hello/go.mod", 8), Relation: sbom.RelationDirect,
					Properties: map[string]string{PropReplaces: "example.com/greet@v0.0.0", PropLocalPath: "./greet", PropReplacedBy: "./greet"},
				},
				{
					ID: "golang.org/x/sync@v0.24.0", Name: "golang.org/x/sync", Version: "v0.24.0", Ecosystem: "Go",
					PURL: "pkg:golang/golang.org/x/sync@v0.24.0", FoundBy: "go-mod", Locations: loc("src/hello/go.mod", 9),
					Relation: sbom.RelationDirect,
					Properties: map[string]string{
						PropH1: "h1:iqiDrGoDgyuvAKrhLQthUEzU/R378N78gXbBjxed7oA=", PropReplaces: "golang.org/x/sync@v0.20.0",
						PropReplacedBy: "golang.org/x/sync@v0.24.0",
					},
				},
			},
		},
		{
			file: "mod/nosum/go.mod",
			want: []*sbom.Package{
				{
					ID: "main", Type: sbom.TypeApplication, Name: "github.com/example/nosum/v2", Ecosystem: "Go",
					PURL: "pkg:golang/github.com/example/nosum/v2", FoundBy: "go-mod", Locations: loc("mod/nosum/go.mod", 1),
					DependsOn: []string{"stdlib", "github.com/google/go-cmp@v0.7.0"},
				},
				{
					ID: "stdlib", Name: "stdlib", Version: "1.23.0-rc.1", Ecosystem: "Go", PURL: "pkg:golang/stdlib@1.23.0-rc.1",
					FoundBy: "go-mod", Locations: loc("mod/nosum/go.mod", 5), Relation: sbom.RelationDirect,
				},
				{
					ID: "github.com/google/go-cmp@v0.7.0", Name: "github.com/google/go-cmp", Version: "v0.7.0", Ecosystem: "Go",
					PURL: "pkg:golang/github.com/google/go-cmp@v0.7.0", FoundBy: "go-mod", Locations: loc("mod/nosum/go.mod", 7),
					Relation: sbom.RelationDirect,
				},
			},
		},
		{
			file:    "mod/malformed/go.mod",
			wantErr: []string{"mod/malformed/go.mod:7: usage: require module/path v1.2.3"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			res, err := catalogtest.Run(t, &ModCataloger{}, "testdata", tt.file)
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

// checkErr checks that err is a malformed-file error containing each of want, or nil if want
// is empty.
func checkErr(t *testing.T, err error, want []string) {
	t.Helper()
	if len(want) == 0 {
		if err != nil {
			t.Fatalf("error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("no error, want %q", want)
	}
	if !errors.Is(err, catalog.ErrMalformed) {
		t.Errorf("error %v is not ErrMalformed", err)
	}
	var pe *catalog.ParseError
	if !errors.As(err, &pe) {
		t.Errorf("error %v is not a *catalog.ParseError", err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
}

func TestGoVersion(t *testing.T) {
	for in, want := range map[string]string{
		"1.21": "1.21.0", "1.21.0": "1.21.0", "go1.22.1": "1.22.1", "go1.23rc1": "1.23.0-rc.1",
		"go1.19beta2": "1.19.0-beta.2", "go1.22.1 X:boringcrypto": "1.22.1", "go1.21.0-custom": "1.21.0",
		"go1.21.3+auto": "1.21.3", "default": "", "devel go1.24-abc": "", "": "", "1": "",
	} {
		if got := goVersion(in); got != want {
			t.Errorf("goVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMatch(t *testing.T) {
	m, b := &ModCataloger{}, &BinaryCataloger{}
	for _, tt := range []struct {
		c    catalog.Cataloger
		path string
		mode uint32
		want bool
	}{
		{m, "go.mod", 0o644, true},
		{m, "a/b/go.mod", 0o644, true},
		{m, "a/go.mod.bak", 0o644, false},
		{m, "go.sum", 0o644, false},
		{b, "bin/app", 0o755, true},
		{b, "bin/app", 0o644, false},
		{b, "bin/APP.EXE", 0o644, true},
		{b, "bin/app.exe", 0o644, true},
	} {
		if got := tt.c.Match(tt.path, fsMode(tt.mode)); got != tt.want {
			t.Errorf("%s.Match(%q, %o) = %v, want %v", tt.c.Name(), tt.path, tt.mode, got, tt.want)
		}
	}
	if !m.Related("x/go.sum", 0o644) || m.Related("x/go.mod", 0o644) {
		t.Error("Related: want go.sum only")
	}
}

func FuzzGoMod(f *testing.F) {
	for _, p := range []string{"mod/full/go.mod", "mod/malformed/go.mod", "mod/nosum/go.mod", "src/hello/go.mod", "mod/full/go.sum"} {
		f.Add(readTestdata(f, p))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := catalogtest.Bytes(t, &ModCataloger{}, "go.mod", data)
		if err != nil && !catalogtest.IsMalformed(err) {
			t.Fatalf("unexpected error kind: %v", err)
		}
		if sum, err := parseGoSum("go.sum", data); err != nil && sum == nil {
			t.Fatal("parseGoSum returned a nil map")
		}
	})
}

func BenchmarkGoMod(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("module example.com/big\n\ngo 1.22\n\nrequire (\n")
	for i := range 20000 {
		fmt.Fprintf(&sb, "\tgithub.com/org%d/mod%d v1.%d.0", i%97, i, i%13)
		if i%3 == 0 {
			sb.WriteString(" // indirect")
		}
		sb.WriteString("\n")
	}
	sb.WriteString(")\n")
	data := []byte(sb.String())
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := catalogtest.Bytes(b, &ModCataloger{}, "go.mod", data); err != nil {
			b.Fatal(err)
		}
	}
}

// TestGoModManyReplaces checks that a go.mod with many requirements and as many replace and
// exclude directives is read in linear time, with each directive applied to its module only.
func TestGoModManyReplaces(t *testing.T) {
	const n = 100_000
	var sb strings.Builder
	sb.WriteString("module example.com/big\n\ngo 1.22\n\nrequire (\n")
	for i := range n {
		fmt.Fprintf(&sb, "\texample.com/m%d v1.0.0\n", i)
	}
	sb.WriteString(")\n\nreplace (\n")
	for i := range n {
		if i%2 == 0 {
			fmt.Fprintf(&sb, "\texample.com/m%d => example.com/fork%d v1.0.1\n", i, i)
		} else {
			fmt.Fprintf(&sb, "\texample.com/m%d v1.0.0 => ../m%d\n", i, i)
		}
	}
	sb.WriteString(")\n\nexclude (\n")
	for i := range n {
		fmt.Fprintf(&sb, "\texample.com/m%d v0.9.0\n", i)
	}
	sb.WriteString(")\n")
	res, err := catalogtest.Bytes(t, &ModCataloger{}, "go.mod", []byte(sb.String()))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(res.Packages); got != n+2 {
		t.Fatalf("%d packages, want %d", got, n+2)
	}
	for _, p := range res.Packages[2:] {
		var i int
		if _, err := fmt.Sscanf(p.Properties[PropReplaces], "example.com/m%d@v1.0.0", &i); err != nil {
			t.Fatalf("%s: replaces %q", p.Name, p.Properties[PropReplaces])
		}
		want := fmt.Sprintf("example.com/fork%d@v1.0.1", i)
		if i%2 == 1 {
			want = fmt.Sprintf("../m%d", i)
		}
		if p.Properties[PropReplacedBy] != want || p.Properties[PropExcluded] != "v0.9.0" {
			t.Fatalf("%s@%s: replaced by %q, excluded %q; want %q, v0.9.0", p.Name, p.Version, p.Properties[PropReplacedBy], p.Properties[PropExcluded], want)
		}
	}
}
