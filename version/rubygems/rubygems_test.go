package rubygems

import (
	"errors"
	"strings"
	"testing"

	"github.com/hallmark-dev/hallmark/version"
	"github.com/hallmark-dev/hallmark/version/versiontest"
)

// TestConformance runs every line of both fixtures through Compare and Key, including
// "1beta" and "1gamma", which Gem::Version rejects and OSV orders.
func TestConformance(t *testing.T) {
	versiontest.Conformance(t, Scheme, "testdata/rubygems-versions.txt")
	versiontest.Conformance(t, Scheme, "testdata/rubygems-versions-generated.txt")
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
	"1beta", "1gamma", "0a", "00a.0", "1b0", "1beta2.3-rc", "10a",
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
		// OSV's extension: letters right after the leading digits.
		{"1beta", "1.beta", 0},
		{"1beta", "1", -1},
		{"1beta", "1.0.alpha", 1},
		{"1beta2.3-rc", "1.beta.2.3.pre.rc", 0},
		{"10a", "9", 1},
	} {
		got, err := version.Compare(Scheme, tc.a, tc.b)
		if err != nil || got != tc.want {
			t.Errorf("Compare(%q, %q) = %d, %v; want %d", tc.a, tc.b, got, err, tc.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, v := range []string{
		"a", "a.1", "1beta-", "1beta.", "1beta_1", ".1", "1.", "1..2", "1.0-", "1.0-.a", "1.0-a..b", "1.0-a.",
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
