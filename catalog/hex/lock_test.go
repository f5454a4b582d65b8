package hex

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

// brief is the part of a package the table tests compare.
type brief struct {
	ID, Name, Version, PURL string
	Line                    int
	SHA256                  string
	DependsOn               []string
	VCS                     *sbom.VCS
	Props                   map[string]string
}

func summarize(pkgs []*sbom.Package) []brief {
	var out []brief
	for _, p := range pkgs {
		b := brief{ID: p.ID, Name: p.Name, Version: p.Version, PURL: p.PURL, DependsOn: p.DependsOn, VCS: p.VCS, Props: p.Properties}
		if len(p.Locations) > 0 {
			b.Line = p.Locations[0].Line
		}
		for _, h := range p.Hashes {
			if h.Algorithm == "SHA-256" {
				b.SHA256 = h.Value
			}
		}
		if p.Ecosystem != "Hex" || p.FoundBy != "mix-lock" {
			b.Name += " (bad ecosystem or found_by)"
		}
		out = append(out, b)
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

func TestLock(t *testing.T) {
	tests := []struct {
		file    string
		want    []brief // only the packages listed are compared, by ID
		count   int
		wantErr string
	}{
		{
			file:  "syft/mix.lock",
			count: 15,
			want: []brief{
				{
					ID: "castore", Name: "castore", Version: "0.1.17", PURL: "pkg:hex/castore@0.1.17", Line: 2,
					SHA256: "d9844227ed52d26e7519224525cb6868650c272d4a3d327ce3ca5570c12163f9",
					Props: props(PropSCM, "hex", PropRepo, "hexpm", PropManagers, "mix",
						PropInnerChecksum, "ba672681de4e51ed8ec1f74ed624d104c0db72742ea1a5e74edbc770c815182f"),
				},
				{
					ID: "cowboy", Name: "cowboy", Version: "2.9.0", PURL: "pkg:hex/cowboy@2.9.0", Line: 4,
					SHA256:    "2c729f934b4e1aa149aff882f57c6372c15399a20d54f65c8d67bef583021bde",
					DependsOn: []string{"cowlib"}, // ranch is not locked
					Props: props(PropSCM, "hex", PropRepo, "hexpm", PropManagers, "make,rebar3",
						PropInnerChecksum, "865dd8b6607e14cf03282e10e934023a1bd8be6f6bacf921a7e2a96d800cd452"),
				},
				{
					ID: "ecto_sql", Name: "ecto_sql", Version: "3.8.1", PURL: "pkg:hex/ecto_sql@3.8.1", Line: 11,
					SHA256:    "ba7fc75882edce6f2ceca047315d5db27ead773cafea47f1724e35f1e7964525",
					DependsOn: []string{"db_connection", "ecto"}, // myxql, postgrex, tds, telemetry are not locked
					Props: props(PropSCM, "hex", PropRepo, "hexpm", PropManagers, "mix",
						PropInnerChecksum, "1acaaba32ca0551fd19e492fc7c80414e72fc1a7140fc9395aaa53c2e8629798"),
				},
			},
		},
		{
			file:  "phoenix/mix.lock",
			count: 11,
			want: []brief{
				{
					ID: "bandit", Name: "bandit", Version: "1.5.7", PURL: "pkg:hex/bandit@1.5.7", Line: 2,
					SHA256:    "f2f7da3c15c3b8e4a1b1e2d5e4a1c2a3c1bd1d54df2b6e1ec1f45bd3c7b4a8c2",
					DependsOn: []string{"hpax", "plug", "telemetry", "thousand_island", "websock"},
					Props: props(PropSCM, "hex", PropRepo, "hexpm", PropManagers, "mix",
						PropInnerChecksum, "6856b1e1df4f2b0cb3df1377eab7891bec2da6a7fd69dc78594ad3e152363a50"),
				},
				{
					ID: "billing_client", Name: "billing_client", Version: "0.4.2", PURL: "pkg:hex/acme/billing_client@0.4.2", Line: 3,
					SHA256:    "9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8c",
					DependsOn: []string{"jason"},
					Props: props(PropSCM, "hex", PropRepo, "hexpm:acme", PropManagers, "mix",
						PropInnerChecksum, "3b1c9a3d0de2f4bbc1d3c5e4f64ab6c2e9f67f1c7d1b5e3a0b4f8c2d6e9a7b10"),
				},
				{
					ID: "heroicons", Name: "heroicons", PURL: "pkg:hex/heroicons", Line: 4,
					VCS:   &sbom.VCS{Type: "git", URL: "https://github.com/tailwindlabs/heroicons.git", Revision: "88ab3a0d790e6a47404cba02800a6b25d2afae50", Ref: "v2.1.1"},
					Props: props(PropSCM, "git"),
				},
				{
					ID: "jason", Name: "jason", Version: "1.4.4", PURL: "pkg:hex/jason@1.4.4", Line: 6,
					SHA256: "c5eb0cab91f094599f94d55bc63409236a8ec69a21a67814529e8d5f6cc90b3b",
					Props: props(PropSCM, "hex", PropRepo, "hexpm", PropManagers, "mix",
						PropInnerChecksum, "b9226785a9aa77b6857ca22832cffa5d5011a667207eb2a0ad56adb5db443b8a"),
				},
			},
		},
		{
			file:  "legacy/mix.lock",
			count: 6,
			want: []brief{
				{
					ID: "cowboy", Name: "cowboy", Version: "1.0.4", PURL: "pkg:hex/cowboy@1.0.4", Line: 1,
					DependsOn: []string{"cowlib", "ranch"},
					Props: props(PropSCM, "hex", PropRepo, "hexpm", PropManagers, "rebar,make",
						PropInnerChecksum, "a324a8df9f2316c833a470d918aaf73ae894278b8aa6226ce7a9bf699388f878"),
				},
				{
					ID: "oauth", Name: "oauth", PURL: "pkg:hex/oauth", Line: 3,
					VCS:   &sbom.VCS{Type: "git", URL: "https://github.com/tim/erlang-oauth.git", Revision: "bd19896e31125f99ff45bb5850b1c0e74b996743"},
					Props: props(PropSCM, "git"),
				},
				{
					ID: "plug", Name: "plug", Version: "1.1.6", PURL: "pkg:hex/plug@1.1.6", Line: 4,
					DependsOn: []string{"cowboy"},
					Props: props(PropSCM, "hex", PropRepo, "hexpm", PropManagers, "mix",
						PropInnerChecksum, "8927e4028433fcb859e000b9389ee9c37c80eb28378eeeea31b0273350bf668b"),
				},
			},
		},
		// A package published before hex.pm refused capitals (2024): the purl is lower-cased
		// as the purl type hex requires; the name keeps hex.pm's spelling, which advisories use.
		{
			file:  "capitals/mix.lock",
			count: 2,
			want: []brief{
				{
					ID: "legacy_Utils", Name: "legacy_Utils", Version: "0.2.0", PURL: "pkg:hex/legacy_utils@0.2.0", Line: 3,
					SHA256:    "8a1c3e5f7b9d0f2a4c6e8b0d2f4a6c8e1b3d5f7a9c0e2b4d6f8a1c3e5b7d9f0a",
					DependsOn: []string{"jason"},
					Props: props(PropSCM, "hex", PropRepo, "hexpm", PropManagers, "mix",
						PropInnerChecksum, "4f0c6a1e2b3d5c7e9f1a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e2f4a6b8c0d2e"),
				},
			},
		},
		// The damaged connection line costs only its own package.
		{file: "malformed/mix.lock", wantErr: "malformed/mix.lock:4: unexpected '\"', want ',' or '}'", count: 2,
			want: []brief{
				{ID: "castore", Name: "castore", Version: "0.1.17", PURL: "pkg:hex/castore@0.1.17", Line: 2,
					SHA256: "d9844227ed52d26e7519224525cb6868650c272d4a3d327ce3ca5570c12163f9", Props: props("hallmark:hex:inner-checksum", "ba672681de4e51ed8ec1f74ed624d104c0db72742ea1a5e74edbc770c815182f", "hallmark:hex:managers", "mix", "hallmark:hex:repo", "hexpm", "hallmark:hex:scm", "hex")},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			res, err := catalogtest.Run(t, &LockCataloger{}, "testdata", tt.file)
			checkErr(t, err, tt.wantErr)
			if res == nil {
				if tt.count != 0 {
					t.Fatal("no result")
				}
				return
			}
			if len(res.Packages) != tt.count {
				t.Errorf("got %d packages, want %d", len(res.Packages), tt.count)
			}
			byID := map[string]brief{}
			for _, b := range summarize(res.Packages) {
				byID[b.ID] = b
			}
			for _, w := range tt.want {
				if diff := cmp.Diff(w, byID[w.ID]); diff != "" {
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

func TestParseTerm(t *testing.T) {
	for _, tt := range []struct{ in, want, err string }{
		{in: `%{"a" => 1, :b => [x: :y, "q r": true], "c": {nil, -2}}`,
			want: `%{"a" => 1, :b => [{:x, :y}, {:q r, :true}], :c => {:nil, -2}}`},
		{in: "[\n # comment\n :a, # trailing\n :\"with space\",\n]", want: `[:a, :with space]`},
		{in: `"esc\"aped\\ \n"`, want: `"esc\"aped\\ \n"`},
		{in: `{:ok?, :Elixir.Foo, :a@b}`, want: `{:ok?, :Elixir.Foo, :a@b}`},
		{in: `[a:1]`, err: "mix.lock:1: unexpected identifier"},
		{in: `%{"a" 1}`, err: "mix.lock:1: unexpected '1' in map, want =>"},
		{in: `{1, 2`, err: "mix.lock:1: unexpected end of file, want ',' or '}'"},
		{in: "\"abc", err: "mix.lock:1: unterminated string"},
		{in: `{1} {2}`, err: "unexpected '{' after the end of the term"},
		{in: `%[`, err: "want %{ to start a map"},
		{in: `: `, err: "want an atom name after ':'"},
		{in: `- 1`, err: "want a digit after '-'"},
		{in: `@x`, err: "unexpected '@', want a term"},
		{in: strings.Repeat("[", 100) + strings.Repeat("]", 100), err: "nested deeper than 64 levels"},
	} {
		got, err := parseTerm("mix.lock", []byte(tt.in))
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("parseTerm(%q) error = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseTerm(%q): %v", tt.in, err)
			continue
		}
		if s := got.String(); s != tt.want {
			t.Errorf("parseTerm(%q) = %s, want %s", tt.in, s, tt.want)
		}
	}
}

func TestLockErrors(t *testing.T) {
	for _, tt := range []struct{ name, data, want string }{
		{"not a map", `[1]`, "mix.lock:1: not a mix.lock file"},
		{"bad entry", "%{\n\"a\": 1}", "mix.lock:2: dependency a: want a tuple"},
		{"short hex", "%{\n\"a\": {:hex, :a}}", "mix.lock:2: dependency a: want {:hex"},
		{"bad checksum", `%{"a": {:hex, :a, "1.0.0", "x", [:mix], [], "hexpm", "nothex"}}`, "outer checksum \"nothex\" is not a SHA-256"},
		{"unknown scm", `%{"a": {:svn, "u"}}`, "dependency a: unknown source svn"},
		{"duplicate", "%{\"a\": {:git, \"u\", \"r\", []},\n \"a\" => {:git, \"u\", \"r\", []}}", "mix.lock:2: dependency a is locked twice"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := catalogtest.Bytes(t, &LockCataloger{}, "mix.lock", []byte(tt.data))
			checkErr(t, err, tt.want)
		})
	}
}

func FuzzLock(f *testing.F) {
	files, _ := filepath.Glob("testdata/*/mix.lock")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := catalogtest.Bytes(t, &LockCataloger{}, "mix.lock", data)
		if err != nil && !catalogtest.IsMalformed(err) {
			t.Fatalf("unexpected error kind: %v", err)
		}
	})
}

func BenchmarkLock(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("%{\n")
	for i := range 20000 {
		fmt.Fprintf(&sb, "  \"pkg_%d\": {:hex, :pkg_%d, \"1.%d.0\", \"%064x\", [:mix], [{:pkg_%d, \"~> 1.0\", [hex: :pkg_%d, repo: \"hexpm\", optional: false]}], \"hexpm\", \"%064x\"},\n",
			i, i, i, i, (i+1)%20000, (i+1)%20000, i+1)
	}
	sb.WriteString("}\n")
	data := []byte(sb.String())
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := catalogtest.Bytes(b, &LockCataloger{}, "mix.lock", data); err != nil {
			b.Fatal(err)
		}
	}
}

func TestTermLimit(t *testing.T) {
	var b strings.Builder
	b.WriteString(`%{"a": [`)
	for i := 0; i < maxTerms+10; i++ {
		b.WriteString("1,")
	}
	b.WriteString("1]}")
	_, err := catalogtest.Bytes(t, &LockCataloger{}, "mix.lock", []byte(b.String()))
	if !errors.Is(err, catalog.ErrTooLarge) {
		t.Errorf("err = %v, want ErrTooLarge", err)
	}
}

// TestPURLCase checks that the organisation and the name are lower-cased in purls only.
func TestPURLCase(t *testing.T) {
	lock := `%{
  "Billing_Client": {:hex, :Billing_Client, "0.4.2", "3b1c9a3d0de2f4bbc1d3c5e4f64ab6c2e9f67f1c7d1b5e3a0b4f8c2d6e9a7b10", [:mix], [], "hexpm:Acme", "9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8c"},
  "ex_Doc": {:git, "https://github.com/elixir-lang/ex_doc.git", "ba0b2d0e1f6e0cd3d0dab1a6f3aa8b87f5df1a39", [tag: "v0.34.0"]},
}
`
	res, err := catalogtest.Bytes(t, &LockCataloger{}, "mix.lock", []byte(lock))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range res.Packages {
		got[p.Name] = p.PURL
	}
	want := map[string]string{"Billing_Client": "pkg:hex/acme/billing_client@0.4.2", "ex_Doc": "pkg:hex/ex_doc"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("name → purl (-want +got):\n%s", diff)
	}
}
