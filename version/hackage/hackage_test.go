package hackage

import (
	"errors"
	"strings"
	"testing"

	"github.com/hallmark-dev/hallmark/version"
	"github.com/hallmark-dev/hallmark/version/versiontest"
)

func TestConformance(t *testing.T) {
	versiontest.Conformance(t, Scheme, "testdata/hackage-versions.txt")
}

// sample returns the fixture's versions plus edge cases.
func sample(t testing.TB) []string {
	seen := map[string]bool{}
	var vs []string
	add := func(v string) {
		if !seen[v] {
			seen[v] = true
			vs = append(vs, v)
		}
	}
	for _, c := range versiontest.ReadFixture(t, "testdata/hackage-versions.txt") {
		add(c.A)
		add(c.B)
	}
	for _, v := range []string{
		"0", "0.0", "0.0.0", "1", "1.0", "1.0.0", "1.0.0.0", "1.0.1", "1.1", "1.10", "1.9",
		"2", "9.9.9", "10", "999999999", "999999999.0", "999999999.999999999", "100000000.1",
		"0.1", "0.10", "0.2", "1.2.3.4.5.6.7.8.9.10", strings.Repeat("1.", 127) + "1",
		strings.Repeat("0.", 127) + "0", "3.0.0.0.1",
	} {
		add(v)
	}
	return vs
}

func TestProperties(t *testing.T) {
	versiontest.Properties(t, Scheme, sample(t))
}

func TestCompare(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"1.0", "1.0.0", -1},
		{"1.0.0", "1.0", 1},
		{"1.10", "1.9", 1},
		{"0", "0", 0},
		{"999999999", "100000000", 1},
		{"1.2.3", "1.2.3", 0},
	} {
		got, err := version.Compare(Scheme, tc.a, tc.b)
		if err != nil || got != tc.want {
			t.Errorf("Compare(%q, %q) = %d, %v; want %d", tc.a, tc.b, got, err, tc.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, v := range []string{
		"", ".", "1.", ".1", "1..2", "01", "1.02", "1.0-beta", "1.0.0a", "v1.0", " 1.0",
		"1.0 ", "-1", "1,0", "1234567890", "1.1234567890", "1.0\x00", strings.Repeat("1.", 128) + "1",
	} {
		_, err := Scheme.Parse(v)
		if !errors.Is(err, version.ErrInvalid) {
			t.Errorf("Parse(%q) = %v, want ErrInvalid", v, err)
		}
	}
}

func TestString(t *testing.T) {
	v, err := Scheme.Parse("1.2.3")
	if err != nil || v.String() != "1.2.3" {
		t.Fatalf("Parse(1.2.3) = %v, %v", v, err)
	}
}

func FuzzHackage(f *testing.F) {
	for _, c := range versiontest.ReadFixture(f, "testdata/hackage-versions.txt") {
		f.Add(c.A, c.B)
	}
	f.Add("1.0", "1.0.0")
	f.Fuzz(func(t *testing.T, a, b string) {
		versiontest.Fuzz(t, Scheme, a, b)
	})
}

func BenchmarkScheme(b *testing.B) {
	versiontest.Benchmarks(b, Scheme, []string{"1.2.3.4"}, []string{"1.2.3.4", "1.2.3.5"}, []string{"1.2.3.4"})
}
