package composer

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/hallmark-dev/hallmark/version"
	"github.com/hallmark-dev/hallmark/version/versiontest"
)

// hashErrata corrects the one line of packagist-versions.txt that contradicts another: line 94
// says "1.2.3.#" = "1.2.3" and line 96 "1.2.3.#" = "1.2.3.1", but "1.2.3" < "1.2.3.1", so no
// total order holds both. Here "#" is the missing part (see the package documentation), and
// line 96 is "<"; the other five lines with "#" hold as written.
var hashErrata = map[string]string{
	"1.2.3.# = 1.2.3.1": "1.2.3.# < 1.2.3.1",
}

// TestConformance runs every line of both fixtures through Compare and Key, with hashErrata.
func TestConformance(t *testing.T) {
	versiontest.ConformanceErrata(t, Scheme, hashErrata, "testdata/packagist-versions.txt", "testdata/packagist-versions-generated.txt")
}

var edge = []string{
	"0", "1", "1.0", "1.0.0", "1.0.0.0", "v1.0", "V1.0", "1.0-dev", "1.0.dev", "1.0-foo", "1.0-stable",
	"1.0a", "1.0a1", "1.0-alpha1", "1.0-abc1", "1.0b1", "1.0-beta1", "1.0-BETA1", "1.0RC1",
	"1.0rc1", "1.0-RC.1", "1.0-Rc1", "1.0pl1", "1.0-patch1", "1.0-p", "1.0-preview", "1.0.1",
	"1.0+1", "1.0_1", "dev-main", "dev-foo", "foo", "1.0.0.dev", "1.0.0.a", "1.0-dev.1",
	"1.0.999999999999999999999999999999", "999999999999999999999999999999", "1.00", "01.0",
	"1.0-a-b-c", "1.0.p.p.p", "1.0.0-rc.1+build.5", strings.Repeat("1.", 127) + "1",
	strings.Repeat("a", 256), "1.2.3.#", "1.2.3.#.1", "1.2.3.#.#.1", "1.2.3.#.beta", "1.2.3.#.#.beta",
	"1.2.3.#.p3", "1.#", "1.#beta", "1.#.#", "#.1", "1.0#", "1.2.#.rc", "1.2.#.#.rc", "1.2.#.9",
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
	for _, name := range []string{"testdata/packagist-versions.txt", "testdata/packagist-versions-generated.txt"} {
		for i, c := range versiontest.ReadFixture(t, name) {
			if i%40 == 0 {
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
	versiontest.Properties(t, Scheme, sample(t))
}

func TestCompare(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"1.0", "1.0.0", -1}, // version_compare, not Composer's padding normaliser
		{"1.0-dev", "1.0", -1},
		{"1.0-foo", "1.0-dev", -1}, // unknown words sort first
		{"1.0-stable", "1.0-alpha", -1},
		{"1.0-abc", "1.0-alpha", 0}, // words match by prefix
		{"1.0-BETA1", "1.0-ALPHA2", -1},
		{"1.0-BETA", "1.0-ALPHA", 0}, // case-sensitive: both unknown
		{"1.0-Rc1", "1.0-dev1", -1},
		{"1.0rc1", "1.0RC1", 0},
		{"1.0RC1", "1.0", -1},
		{"1.0", "1.0pl1", -1},
		{"1.0-preview", "1.0.5", 1}, // "p…" is a patch level
		{"1.0.5", "1.0.p", -1},
		{"1.0.0", "1.0.p", -1},
		{"1.0.a", "1.0", -1},
		{"v1.0", "1.0", 0},
		{"V1.0", "v1.0", 0},
		{"1.0+1", "1.0.1", 0},
		{"1.0_1", "1.0-1", 0},
		{"1.00", "1.0", 0},
		{"dev-foo", "1.0", -1},
		{"dev-foo", "dev-main", 0},
		{"dev-foo", "dev-bar", -1}, // "bar" is a beta by its prefix
		{"1.0.999999999999999999999999999999", "1.0.999999999999999999999999999998", 1},
		// "#" is the missing part, and trailing "#" parts do not count.
		{"1.2.3.#", "1.2.3", 0},
		{"1.2.3.#.#", "1.2.3", 0},
		{"1.0#", "1.0", 0},
		{"1.#beta", "1.#", 0}, // a word starting with '#' is "#"
		{"1.2.3.#", "1.2.3.1", -1},
		{"1.2.3.#", "1.2.3.rc", 1},
		{"1.2.3.#.1", "1.2.3", 1},
		{"1.2.3.#.1", "1.2.3.0", -1},
		{"1.2.3.#.#.1", "1.2.3.#.1", -1},
		{"1.2.3.#.beta", "1.2.3", -1},
		{"1.2.3.#.#.beta", "1.2.3.#.beta", 1},
		{"1.2.3.#.beta", "1.2.3.rc", 1},
		{"1.2.3.#.p3", "1.2.3.1", -1},
		{"#.1", "1", -1},
	} {
		got, err := version.Compare(Scheme, tc.a, tc.b)
		if err != nil || got != tc.want {
			t.Errorf("Compare(%q, %q) = %d, %v; want %d", tc.a, tc.b, got, err, tc.want)
			continue
		}
		a, _ := Parse(tc.a)
		b, _ := Parse(tc.b)
		if k := version.Sign(bytes.Compare(a.Key(), b.Key())); k != tc.want {
			t.Errorf("keys of %q, %q compare %d, want %d", tc.a, tc.b, k, tc.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, v := range []string{
		"", ".1", "1.", "1..0", "1.-0", "-1.0", "1.0-", "#", "#.#", "##", "1.0 ",
		" 1.0", "dev-feature/foo", "1.0~1", "1,0", "1.0\x00", "1.0é",
		strings.Repeat("1.", 128) + "1",
	} {
		_, err := Scheme.Parse(v)
		if !errors.Is(err, version.ErrInvalid) {
			t.Errorf("Parse(%q) = %v, want ErrInvalid", v, err)
		}
	}
}

func TestString(t *testing.T) {
	v, err := Scheme.Parse("v1.0-RC1")
	if err != nil || v.String() != "v1.0-RC1" {
		t.Fatalf("Parse = %v, %v", v, err)
	}
}

func FuzzComposer(f *testing.F) {
	for _, c := range versiontest.ReadFixture(f, "testdata/packagist-versions.txt") {
		f.Add(c.A, c.B)
	}
	for _, v := range edge {
		f.Add(v, "1.0")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		versiontest.Fuzz(t, Scheme, a, b)
	})
}

func BenchmarkScheme(b *testing.B) {
	versiontest.Benchmarks(b, Scheme, []string{"v1.2.3-beta.4"}, []string{"v1.2.3-beta.4", "1.2.3"}, []string{"v1.2.3-beta.4"})
}
