package semver

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	xsemver "golang.org/x/mod/semver"

	"github.com/hallmark-dev/hallmark/version"
	"github.com/hallmark-dev/hallmark/version/versiontest"
)

const fixture = "testdata/semver-versions.txt"

// TestConformanceLoose runs every line of the fixture through Loose: the fixture comes from
// osv-scalibr, whose parser accepts "v1.2.3", "1" and "1.1.3.4.5".
func TestConformanceLoose(t *testing.T) {
	versiontest.Conformance(t, Loose, fixture)
}

// TestConformanceStrict runs every line of the fixture through Scheme: a line whose versions
// are both strict SemVer must hold; a line with a non-SemVer version (leading "v", not three
// numbers) must be rejected, which is checked here, not skipped.
func TestConformanceStrict(t *testing.T) {
	checked, rejected := 0, 0
	for _, c := range versiontest.ReadFixture(t, fixture) {
		va, errA := Scheme.Parse(c.A)
		vb, errB := Scheme.Parse(c.B)
		if errA != nil || errB != nil {
			for _, e := range []struct {
				v   string
				err error
			}{{c.A, errA}, {c.B, errB}} {
				if e.err == nil {
					continue
				}
				if !nonStrict(e.v) {
					t.Errorf("line %d: Parse(%q): %v", c.Line, e.v, e.err)
				}
				if !errors.Is(e.err, version.ErrInvalid) {
					t.Errorf("line %d: Parse(%q) error %v does not wrap ErrInvalid", c.Line, e.v, e.err)
				}
			}
			rejected++
			continue
		}
		checked++
		if err := agree(va, vb, c.Want); err != nil {
			t.Errorf("line %d: %v", c.Line, err)
		}
	}
	if checked != 55 || rejected != 31 {
		t.Errorf("checked %d lines, rejected %d: the fixture changed?", checked, rejected)
	}
}

// nonStrict reports whether a fixture version is outside SemVer 2.0.0 on its face.
func nonStrict(v string) bool {
	core, _, _ := strings.Cut(strings.SplitN(v, "+", 2)[0], "-")
	return strings.HasPrefix(v, "v") || strings.Count(core, ".") != 2
}

func agree(a, b version.Version, want int) error {
	if got := a.Compare(b); got != want {
		return fmt.Errorf("Compare(%q, %q) = %d, want %d", a, b, got, want)
	}
	if got := b.Compare(a); got != -want {
		return fmt.Errorf("Compare(%q, %q) = %d, want %d", b, a, got, -want)
	}
	if got := version.Sign(bytes.Compare(a.Key(), b.Key())); got != want {
		return fmt.Errorf("keys of %q and %q compare %d, want %d", a, b, got, want)
	}
	return nil
}

func TestCompare(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		// semver.org section 11's example chain.
		{"1.0.0-alpha", "1.0.0-alpha.1", -1},
		{"1.0.0-alpha.1", "1.0.0-alpha.beta", -1},
		{"1.0.0-alpha.beta", "1.0.0-beta", -1},
		{"1.0.0-beta", "1.0.0-beta.2", -1},
		{"1.0.0-beta.2", "1.0.0-beta.11", -1},
		{"1.0.0-beta.11", "1.0.0-rc.1", -1},
		{"1.0.0-rc.1", "1.0.0", -1},
		{"1.0.0+a", "1.0.0+b", 0},
		{"1.0.0-rc.1+a", "1.0.0-rc.1", 0},
		{"1.0.0-0", "1.0.0--", -1},
		{"1.0.0-a-", "1.0.0-a", 1},
		{"1.0.0-Z", "1.0.0-a", -1},
		{"18446744073709551616.0.0", "18446744073709551615.0.0", 1},
		{"1.0.0-18446744073709551616", "1.0.0-18446744073709551615", 1},
		{"1.0.0-99999999999999999999999", "1.0.0-a", -1},
	}
	for _, tt := range tests {
		a, err := Parse(tt.a)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Parse(tt.b)
		if err != nil {
			t.Fatal(err)
		}
		if err := agree(a, b, tt.want); err != nil {
			t.Error(err)
		}
	}
}

func TestLooseEquivalents(t *testing.T) {
	tests := []struct {
		loose, strict string
	}{
		{"v1.2.3", "1.2.3"},
		{"1", "1.0.0"},
		{"v1.2", "1.2.0"},
		{"01.002.0003", "1.2.3"},
		{"1.2.3-01", "1.2.3-1"},
		{"1.2.3.4", "1.2.3-4"},
		{"1.2.3.4.5-rc.1+b", "1.2.3-4.5.rc.1"},
	}
	for _, tt := range tests {
		l, err := ParseLoose(tt.loose)
		if err != nil {
			t.Fatal(err)
		}
		s, err := Parse(tt.strict)
		if err != nil {
			t.Fatal(err)
		}
		if err := agree(l, s, 0); err != nil {
			t.Error(err)
		}
		if l.String() != tt.loose {
			t.Errorf("String() = %q, want %q", l.String(), tt.loose)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		v           string
		strict, lax bool // whether Scheme and Loose reject v
	}{
		{"", true, true},
		{"v", true, true},
		{"1", true, false},
		{"1.2", true, false},
		{"1.2.3.4", true, false},
		{"v1.2.3", true, false},
		{"=1.2.3", true, true},
		{" 1.2.3", true, true},
		{"1.2.3 ", true, true},
		{"01.2.3", true, false},
		{"1.02.3", true, false},
		{"1.2.03", true, false},
		{"1.2.3-01", true, false},
		{"1.2.3-", true, true},
		{"1.2.3+", true, true},
		{"1.2.3-a..b", true, true},
		{"1.2.3+a..b", true, true},
		{"1.2.3-a_b", true, true},
		{"1.2.3+a+b", true, true},
		{"1.2.3-é", true, true},
		{"1..3", true, true},
		{".1.2", true, true},
		{"1.2.", true, true},
		{"a.b.c", true, true},
		{"1.2.3beta", true, true},
		{"-1.2.3", true, true},
		{"1.2.3\x00", true, true},
		{"1.2.3-" + strings.Repeat("a", version.MaxLength), true, true},
		// Valid ones, for contrast.
		{"1.2.3-0a", false, false},
		{"1.2.3-0", false, false},
		{"1.2.3+001", false, false},
		{"1.2.3----RC-SNAPSHOT.12.9.1--.12+788", false, false},
	}
	for _, tt := range tests {
		for _, s := range []struct {
			scheme version.Scheme
			reject bool
		}{{Scheme, tt.strict}, {Loose, tt.lax}} {
			v, err := s.scheme.Parse(tt.v)
			if s.reject {
				if err == nil {
					t.Errorf("%s.Parse(%q) = %v, want an error", s.scheme.Name(), tt.v, v)
				} else if !errors.Is(err, version.ErrInvalid) {
					t.Errorf("%s.Parse(%q): %v does not wrap ErrInvalid", s.scheme.Name(), tt.v, err)
				}
			} else if err != nil {
				t.Errorf("%s.Parse(%q): %v", s.scheme.Name(), tt.v, err)
			}
		}
	}
}

// corpus returns the fixture's versions plus generated edge cases.
func corpus(t testing.TB, strict bool) []string {
	seen := map[string]bool{}
	var vs []string
	add := func(v string) {
		if seen[v] {
			return
		}
		if _, err := Parse(v); strict && err != nil {
			return
		}
		seen[v] = true
		vs = append(vs, v)
	}
	for _, c := range versiontest.ReadFixture(t, fixture) {
		add(c.A)
		add(c.B)
	}
	big := strings.Repeat("9", 40)
	for _, core := range []string{"0.0.0", "0.0.1", "1.0.0", "1.0.10", "1.10.0", big + ".0.0", "1." + big + ".1"} {
		add(core)
		for _, pre := range []string{"0", "1", "9", "10", big, "1" + big, "-", "--", "0a", "A", "Z", "a", "a-", "alpha", "alpha.0", "alpha.1", "alpha.1.a", "alpha.a", "alpha.-", "rc.1", "1.2.3.4.5.6"} {
			add(core + "-" + pre)
			add(core + "-" + pre + "+build.1")
		}
	}
	if !strict {
		for _, v := range []string{"v1", "1", "1.0", "v1.0.0.0", "1.0.0.1", "1.0.0.1-rc", "01.0.0", "1.0.0-01", "0000000000000000000000000000000001"} {
			add(v)
		}
	}
	return vs
}

func TestProperties(t *testing.T) {
	versiontest.Properties(t, Scheme, corpus(t, true))
	versiontest.Properties(t, Loose, corpus(t, false))
}

// TestAgainstXMod checks Compare against golang.org/x/mod/semver, an independent implementation
// of SemVer 2.0.0 precedence (with a "v" prefix).
func TestAgainstXMod(t *testing.T) {
	vs := corpus(t, true)
	for _, a := range vs {
		for _, b := range vs {
			va, _ := Parse(a)
			vb, _ := Parse(b)
			if got, want := va.Compare(vb), xsemver.Compare("v"+a, "v"+b); got != want {
				t.Errorf("Compare(%q, %q) = %d, x/mod/semver says %d", a, b, got, want)
			}
		}
	}
}

func FuzzCompare(f *testing.F) {
	for _, c := range versiontest.ReadFixture(f, fixture) {
		f.Add(c.A, c.B)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		versiontest.Fuzz(t, Scheme, a, b)
		versiontest.Fuzz(t, Loose, a, b)
		va, errA := Parse(a)
		vb, errB := Parse(b)
		if errA == nil && errB == nil {
			if got, want := va.Compare(vb), xsemver.Compare("v"+a, "v"+b); got != want {
				t.Fatalf("Compare(%q, %q) = %d, x/mod/semver says %d", a, b, got, want)
			}
		}
		if (errA == nil) != xsemver.IsValid("v"+a) && len(a) <= version.MaxLength && strings.Count(a, ".") >= 2 && !strings.HasPrefix(a, "v") {
			t.Fatalf("Parse(%q) error %v, x/mod/semver.IsValid says %v", a, errA, xsemver.IsValid("v"+a))
		}
	})
}

var benchVersions = []string{"1.2.3", "10.20.30-alpha.1+build.5", "1.0.0-rc.11", "2.7.2+asdf", "0.0.1-x.7.z.92"}

func BenchmarkScheme(b *testing.B) {
	versiontest.Benchmarks(b, Scheme, benchVersions, []string{"1.0.0-beta.11", "1.0.0-beta.2"}, []string{"10.20.30-alpha.1+build.5"})
}
