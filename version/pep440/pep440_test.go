package pep440

import (
	"errors"
	"strings"
	"testing"

	"github.com/hallmark-dev/hallmark/version"
	"github.com/hallmark-dev/hallmark/version/versiontest"
)

var fixtures = []string{"testdata/pypi-versions.txt", "testdata/pypi-versions-generated.txt"}

func TestConformance(t *testing.T) {
	for _, name := range fixtures {
		versiontest.Conformance(t, Scheme, name)
	}
}

var edge = []string{
	"0", "0.0", "1", "1.0", "1.0.0", "1.0.0.0.0", "v1.0", "V1.0", " 1.0 ", "\t1.0\n", "0!1.0", "1!0",
	"1!1.0", "01!1.0", "1.0.dev0", "1.0.dev", "1.0-dev1", "1.0_DEV_2", "1.0a0", "1.0a", "1.0alpha",
	"1.0.alpha.0", "1.0-a-1", "1.0a1.dev0", "1.0a1", "1.0a1.post0", "1.0a1.post0.dev0", "1.0b0", "1.0beta2",
	"1.0c1", "1.0rc1", "1.0pre1", "1.0preview1", "1.0RC1", "1.0", "1.0+local", "1.0+LOCAL", "1.0+0",
	"1.0+00", "1.0+a.1", "1.0+a.b", "1.0+1.a", "1.0+a-1_2", "1.0.post0.dev0", "1.0.post0", "1.0post",
	"1.0-0", "1.0-1", "1.0.r1", "1.0rev2", "1.0.post1+local", "1.0.post1.dev1+local", "1.0.1",
	"1.0.01", "1.1", "1.10", "1.9", "2", "10!0", strings.Repeat("9", 200), "1." + strings.Repeat("0", 200),
	strings.Repeat("1.", 120) + "1", "0.1-bulbasaur", "0.9-doduo", "1.0-final", "1.0final",
	"1.0-1-1", "2013-01-21T20:33:09+0100", "trunk", "a3", "-class.-jw.util.version.Version-", "1.0.x",
	"00000000", "000000000", "1.0.dev-1", "1_0", "1..0", "1.0.0.0.a",
}

// sample returns a few hundred fixture versions plus edge cases.
func sample(t testing.TB, s version.Scheme) []string {
	seen := map[string]bool{}
	var vs []string
	add := func(v string) {
		if _, err := s.Parse(v); err == nil && !seen[v] {
			seen[v] = true
			vs = append(vs, v)
		}
	}
	for _, name := range fixtures {
		for i, c := range versiontest.ReadFixture(t, name) {
			if i%60 == 0 || strings.ContainsAny(c.A+c.B, "+!-_") {
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

func TestProperties(t *testing.T) {
	versiontest.Properties(t, Scheme, sample(t, Scheme))
	versiontest.Properties(t, Strict, sample(t, Strict))
}

func TestCompare(t *testing.T) {
	order := []string{
		"1.0.dev0", "1.0.dev1", "1.0a0.dev0", "1.0a0", "1.0a1", "1.0a1.post0.dev0", "1.0a1.post0",
		"1.0b1", "1.0rc1", "1.0", "1.0+a", "1.0+a.1", "1.0+1", "1.0.post0.dev0", "1.0.post0",
		"1.0.post1", "1.0.0.1.dev0", "1.0.1", "1!0.1",
	}
	for i := range order {
		for j := range order {
			got, err := version.Compare(Scheme, order[i], order[j])
			if err != nil || got != version.Sign(i-j) {
				t.Errorf("Compare(%q, %q) = %d, %v; want %d", order[i], order[j], got, err, version.Sign(i-j))
			}
		}
	}
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"1.0", "1.0.0", 0},
		{"1.0", "v1.0.0", 0},
		{" 1.0\n", "1", 0},
		{"1.0a", "1.0a0", 0},
		{"1.0alpha", "1.0.a.0", 0},
		{"1.0c1", "1.0rc1", 0},
		{"1.0pre1", "1.0rc1", 0},
		{"1.0preview1", "1.0rc1", 0},
		{"1.0-1", "1.0.post1", 0},
		{"1.0r", "1.0.post0", 0},
		{"1.0rev1", "1.0post1", 0},
		{"1.0-dev", "1.0.dev0", 0},
		{"1.0+Local.01", "1.0+local.1", 0},
		{"1.0+a-b_c", "1.0+a.b.c", 0},
		{"0!1.0", "1.0", 0},
		{"1.0.DEV1", "1.0.dev1", 0},
		{"1.0.post0.dev0", "1.0", 1},
		{"1.0+1", "1.0+a", 1},
		{"1.0+a", "1.0+a.0", -1},
		{"999999999999999999999999999991", "999999999999999999999999999999", -1},
		{"0.9-doduo", "0.1", -1},     // legacy versions sort below every PEP 440 version
		{"1.0-final", "1.0final", 1}, // ("00000001", "*final-", "*final", "*final") > ("00000001", "*final", "*final")
		{"0.1-bulbasaur", "0.1-charmander", -1},
		{"1.0.x", "1.0.y", -1},
	} {
		got, err := version.Compare(Scheme, tc.a, tc.b)
		if err != nil || got != tc.want {
			t.Errorf("Compare(%q, %q) = %d, %v; want %d", tc.a, tc.b, got, err, tc.want)
		}
	}
}

func TestLegacy(t *testing.T) {
	for v, legacy := range map[string]bool{"1.0": false, "1.0.post1+x": false, "0.9-doduo": true, "trunk": true} {
		p, err := Parse(v)
		if err != nil || p.IsLegacy() != legacy {
			t.Errorf("Parse(%q) = legacy %v, %v; want %v", v, p.IsLegacy(), err, legacy)
		}
		if _, err := Strict.Parse(v); (err != nil) != legacy {
			t.Errorf("Strict.Parse(%q) error %v, legacy %v", v, err, legacy)
		}
	}
	if Scheme.Name() != "pep440" || Strict.Name() != "pep440-strict" {
		t.Errorf("names %q, %q", Scheme.Name(), Strict.Name())
	}
}

func TestParseErrors(t *testing.T) {
	for _, v := range []string{
		"", " ", "1.0 x", "1.0\x00", "\x001.0", "1.0\u00a0", "é", "1.0\x7f", "\x1c1.0",
		strings.Repeat("1.", 128) + "1", strings.Repeat("x", 257),
	} {
		_, err := Scheme.Parse(v)
		if !errors.Is(err, version.ErrInvalid) {
			t.Errorf("Parse(%q) = %v, want ErrInvalid", v, err)
		}
	}
	for _, v := range []string{
		"1.0-bulbasaur", "trunk", "1.0+", "1.0+a..b", "1..0", "1.0.", ".1", "1.0a1a2", "1.0.post1.post2",
		"1.0+a_", "v", "1!", "!1.0", "1.0-", "1.0dev1a1", "1_0", "1.0 .1",
	} {
		_, err := Strict.Parse(v)
		if !errors.Is(err, version.ErrInvalid) {
			t.Errorf("Strict.Parse(%q) = %v, want ErrInvalid", v, err)
		}
	}
}

func TestString(t *testing.T) {
	for _, s := range []string{" V1.0-A1 ", "0.9-doduo"} {
		v, err := Scheme.Parse(s)
		if err != nil || v.String() != s {
			t.Fatalf("Parse(%q) = %v, %v", s, v, err)
		}
	}
}

func FuzzPEP440(f *testing.F) {
	for _, c := range versiontest.ReadFixture(f, "testdata/pypi-versions.txt") {
		f.Add(c.A, c.B)
	}
	for _, v := range edge {
		f.Add(v, "1.0")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		versiontest.Fuzz(t, Scheme, a, b)
		versiontest.Fuzz(t, Strict, a, b)
	})
}

func BenchmarkScheme(b *testing.B) {
	versiontest.Benchmarks(b, Scheme, []string{"1.2.3rc1.post2.dev3+ubuntu.1"}, []string{"1.2.3rc1.post2.dev3+ubuntu.1", "1.2.3rc1.post2.dev3+ubuntu.2"}, []string{"1.2.3rc1.post2.dev3+ubuntu.1"})
}

func BenchmarkParseLegacy(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("2013-01-21T20:33:09+0100"); err != nil {
			b.Fatal(err)
		}
	}
}
