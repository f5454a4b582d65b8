package rubygems

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hallmark-dev/hallmark/version"
	"github.com/hallmark-dev/hallmark/version/versiontest"
)

// rejected lists the fixture lines whose versions Gem::Version itself rejects
// (Gem::Version.new("1beta") raises "Malformed version number string"): they cannot be compared
// by the reference implementation, so the test checks the rejection instead.
var rejected = map[string]map[int]string{
	"testdata/rubygems-versions.txt": {3: "1beta", 27: "1gamma"},
}

// conformance runs versiontest.Conformance on name without the lines listed in rejected,
// and checks that the listed lines name a version Parse rejects.
func conformance(t *testing.T, name string) {
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	skip := rejected[name]
	var out strings.Builder
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for n := 1; sc.Scan(); n++ {
		if bad, ok := skip[n]; ok {
			if !strings.Contains(sc.Text(), bad) {
				t.Fatalf("%s:%d: %q does not mention %q", name, n, sc.Text(), bad)
			}
			if _, err := Parse(bad); !errors.Is(err, version.ErrInvalid) {
				t.Errorf("%s:%d: Parse(%q) = %v, want ErrInvalid as Gem::Version", name, n, bad, err)
			}
			out.WriteString("# rejected: " + sc.Text() + "\n")
			continue
		}
		out.WriteString(sc.Text() + "\n")
	}
	path := filepath.Join(t.TempDir(), filepath.Base(name))
	if err := os.WriteFile(path, []byte(out.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	versiontest.Conformance(t, Scheme, path)
}

func TestConformance(t *testing.T) {
	conformance(t, "testdata/rubygems-versions.txt")
	conformance(t, "testdata/rubygems-versions-generated.txt")
}

// sample returns a few hundred fixture versions plus edge cases.
func sample(t testing.TB) []string {
	seen := map[string]bool{}
	var vs []string
	add := func(v string) {
		if _, err := Parse(v); err == nil && !seen[v] {
			seen[v] = true
			vs = append(vs, v)
		}
	}
	for _, name := range []string{"testdata/rubygems-versions.txt", "testdata/rubygems-versions-generated.txt"} {
		for i, c := range versiontest.ReadFixture(t, name) {
			if i%20 == 0 || strings.ContainsAny(c.A+c.B, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-") {
				add(c.A)
				add(c.B)
			}
		}
	}
	for _, v := range edge {
		add(v)
	}
	return vs
}

var edge = []string{
	"", " ", "0", "0.0", "00", "1", "1.0", "1.0.0", "01.00", "1.0.a", "1.0.A", "1.0.a.0",
	"1.0.a.1", "1.0.b", "1.a", "1.a.0.b", "1.a.b", "1.a.0.0.b", "1.2a.0.b", "1.2a.b", "1.0-1",
	"1.0.pre.1", "1.0-a", "1.0--", "1.0-a-b", "1-0", "1.0.0a", "1.0a", "1.a0", "1.a00", "0.a",
	"0.0.a", "a", "1.0.0.1.a", "1.10", "1.9", "2", " 1.2 ", "\t3\n", "1.00a", "1.0.10",
	"1.a10", "1.a.10", "1.0a1", "1.0.a1", "1.0.0.a.1", "1.z", "1.Z", "1.aa", "1.ab",
	"999999999999999999999999999999", "1.999999999999999999999999999999.a",
	strings.Repeat("0.", 127) + "1", strings.Repeat("1.", 127) + "a",
}

func TestProperties(t *testing.T) {
	versiontest.Properties(t, Scheme, sample(t))
}

func TestCompare(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"1.0", "1", 0},
		{"1.0.0", "1", 0},
		{"1.0.a", "1.0", -1},
		{"1.0.a", "1", -1},
		{"1.0.a2", "1.0.a.2", 0},
		{"1.0-1", "1.0.pre.1", 0},
		{"1.0.A", "1.0.a", -1}, // byte order: upper case first
		{"", "0", 0},
		{" 1.2 ", "1.2", 0},
		{"1.a.0.b", "1.a.b", 0}, // RubyGems >= 3.5 canonical segments
		{"1.2a.0.b", "1.2a.b", 0},
		{"1.a.0.0.b", "1.a.b", 0},
		{"1.0.a.0", "1.0.a", 0},
		{"1.a0", "1.a", 0},
		{"1.0.0.1.a", "1.0.0.1", -1},
		{"1.0.1.a", "1.0.0.1", 1},
		{"0.a", "0.0.a", 0},
		{"1.10", "1.9", 1},
		{"1.0.10", "1.0.a", 1},
	} {
		got, err := version.Compare(Scheme, tc.a, tc.b)
		if err != nil || got != tc.want {
			t.Errorf("Compare(%q, %q) = %d, %v; want %d", tc.a, tc.b, got, err, tc.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, v := range []string{
		"1beta", "a", "a.1", ".1", "1.", "1..2", "1.0-", "1.0-.a", "1.0-a..b", "1.0-a.",
		"v1.0", "1.0+build", "1.0_1", "1 .0", "1.0\x00", "\x001.0", "-1", "1.0 x", "\u00a01.0",
		"1.0.é", strings.Repeat("1.", 128) + "1",
	} {
		_, err := Scheme.Parse(v)
		if !errors.Is(err, version.ErrInvalid) {
			t.Errorf("Parse(%q) = %v, want ErrInvalid", v, err)
		}
	}
}

func TestString(t *testing.T) {
	v, err := Scheme.Parse(" 1.0-a ")
	if err != nil || v.String() != " 1.0-a " {
		t.Fatalf("Parse = %v, %v", v, err)
	}
}

func FuzzRubyGems(f *testing.F) {
	for _, c := range versiontest.ReadFixture(f, "testdata/rubygems-versions.txt") {
		f.Add(c.A, c.B)
	}
	for _, v := range edge {
		f.Add(v, "1.0.a")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		versiontest.Fuzz(t, Scheme, a, b)
	})
}

func BenchmarkScheme(b *testing.B) {
	versiontest.Benchmarks(b, Scheme, []string{"1.2.3.beta.4"}, []string{"1.2.3.beta.4", "1.2.3"}, []string{"1.2.3.beta.4"})
}
