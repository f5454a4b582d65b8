package gover

import (
	"bytes"
	"errors"
	"fmt"
	goversion "go/version"
	"strings"
	"testing"

	xsemver "golang.org/x/mod/semver"

	"github.com/hallmark-dev/hallmark/version"
	"github.com/hallmark-dev/hallmark/version/versiontest"
)

const fixture = "testdata/semver-versions.txt"

// TestConformance runs every line of the fixture through Compare and Key, including
// "1.1.3.4.5", which x/mod/semver rejects and OSV reads as SemVer.
func TestConformance(t *testing.T) {
	versiontest.Conformance(t, Scheme, fixture)
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
		{"v1.2.3", "1.2.3", 0},
		{"v2.0.0+incompatible", "2.0.0", 0},
		{"v2.0.0+incompatible", "v2.0.1", -1},
		{"v1", "v1.0.0", 0},
		{"1.2", "v1.2.0", 0},
		// Pseudo-versions: no base, release base, pre-release base.
		{"v0.0.0-20191109021931-daa7c04131f5", "v0.0.0", -1},
		{"v0.0.0-20191109021931-daa7c04131f5", "v0.0.0-20200101000000-000000000000", -1},
		{"v1.2.3", "v1.2.4-0.20191109021931-daa7c04131f5", -1},
		{"v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4", -1},
		{"v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4-pre", -1},
		{"v1.2.4-pre", "v1.2.4-pre.0.20191109021931-daa7c04131f5", -1},
		{"v1.2.4-pre.0.20191109021931-daa7c04131f5", "v1.2.4-pre.1", -1},
		// Toolchains.
		{"go1.21beta1", "go1.21rc1", -1},
		{"go1.21rc1", "go1.21rc2", -1},
		{"go1.21rc2", "go1.21.0", -1},
		{"go1.21rc2", "1.21.0-rc.2", 0},
		{"1.21rc2", "go1.21rc2", 0},
		{"go1.21.0", "1.21.0", 0},
		{"go1.21", "1.21.0", 0},
		{"go1.20", "go1.20.1", -1},
		{"go1.9.2rc2", "go1.9.2", -1},
		{"go1.9.2rc2", "go1.9.1", 1},
		{"go1", "1.0.0", 0},
		{"go1.21.10", "go1.21.9", 1},
		{"go1.22rc1", "go1.21.13", 1},
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

// TestAgainstGoVersion checks toolchain versions against go/version, leaving out the language
// versions ("go1.21") that go/version orders below their release candidates.
func TestAgainstGoVersion(t *testing.T) {
	vs := []string{"go1", "go1.2.2", "go1.20.1", "go1.20rc1", "go1.21beta1", "go1.21rc1", "go1.21rc2", "go1.21.0", "go1.21.1", "go1.21.10", "go1.22rc1", "go1.22.0", "go2.0.0"}
	for _, a := range vs {
		for _, b := range vs {
			va, _ := Parse(a)
			vb, _ := Parse(b)
			if got, want := va.Compare(vb), goversion.Compare(a, b); got != want {
				t.Errorf("Compare(%q, %q) = %d, go/version says %d", a, b, got, want)
			}
		}
	}
}

func TestAccessors(t *testing.T) {
	tests := []struct {
		v, canonical string
		pseudo       bool
	}{
		{"1.2.3", "v1.2.3", false},
		{"v2.3.4+incompatible", "v2.3.4", false},
		{"v1.2", "v1.2.0", false},
		{"go1.21rc2", "v1.21.0-rc.2", false},
		{"v0.0.0-20191109021931-daa7c04131f5", "v0.0.0-20191109021931-daa7c04131f5", true},
		{"1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4-0.20191109021931-daa7c04131f5", true},
		{"v1.2.4-pre.0.20191109021931-daa7c04131f5+incompatible", "v1.2.4-pre.0.20191109021931-daa7c04131f5", true},
	}
	for _, tt := range tests {
		v, err := Parse(tt.v)
		if err != nil {
			t.Fatal(err)
		}
		if v.Canonical() != tt.canonical || v.IsPseudo() != tt.pseudo || v.String() != tt.v {
			t.Errorf("Parse(%q): canonical %q pseudo %v string %q; want %q %v", tt.v, v.Canonical(), v.IsPseudo(), v.String(), tt.canonical, tt.pseudo)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, v := range []string{
		"", "v", "go", "vv1.2.3", "1.2.3.", "1.2.3.4.x", "1.-2",
		"1.2.3-", "1.2.3+", "1.2.3-a..b", " 1.2.3", "1.2.3 ", "go1.21.0.1", "go01.21", "go1.21rc", "go1.21rc01",
		"go1.21alpha1", "go1.21-rc1", "gov1.21.0", "v1.21rc1", "go1.", "go.1", "1.21rc1.0", "golang1.21",
		"1.0.0-" + strings.Repeat("a", version.MaxLength),
	} {
		if p, err := Parse(v); err == nil {
			t.Errorf("Parse(%q) = %q, want an error", v, p.Canonical())
		} else if !errors.Is(err, version.ErrInvalid) {
			t.Errorf("Parse(%q): %v does not wrap ErrInvalid", v, err)
		}
	}
}

// TestParseLoose checks the strings x/mod/semver rejects and semver.Loose reads, with their
// canonical form.
func TestParseLoose(t *testing.T) {
	for _, tt := range []struct{ v, canonical string }{
		{"1.1.3.4.5", "v1.1.3-4.5"},
		{"v01.2.3", "v1.2.3"},
		{"1.02.3", "v1.2.3"},
		{"1.2.3.4", "v1.2.3-4"},
		{"1.2.3-01", "v1.2.3-1"},
		{"1.2-pre", "v1.2.0-pre"},
		{"v1+build", "v1.0.0"},
		{"v1.2.3.04-rc.05+b", "v1.2.3-4.rc.5"},
	} {
		p, err := Parse(tt.v)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.v, err)
			continue
		}
		if xsemver.IsValid(tt.v) || xsemver.IsValid("v"+tt.v) {
			t.Errorf("x/mod/semver accepts %q: not a loose case", tt.v)
		}
		if got := p.Canonical(); got != tt.canonical {
			t.Errorf("Parse(%q).Canonical() = %q, want %q", tt.v, got, tt.canonical)
		}
		q, err := Parse(tt.canonical)
		if err != nil {
			t.Fatal(err)
		}
		if err := agree(p, q, 0); err != nil {
			t.Error(err)
		}
	}
}

func corpus(t testing.TB) []string {
	seen := map[string]bool{}
	var vs []string
	add := func(v string) {
		if _, err := Parse(v); err != nil || seen[v] {
			return
		}
		seen[v] = true
		vs = append(vs, v)
	}
	for _, c := range versiontest.ReadFixture(t, fixture) {
		add(c.A)
		add(c.B)
	}
	for _, v := range []string{"v1", "v1.2", "go1", "go1.21", "go1.21rc1", "go1.21beta2", "go1.21.0", "1.21rc1", "go1.9.2rc2",
		"v0.0.0-20191109021931-daa7c04131f5", "v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4-pre.0.20191109021931-daa7c04131f5",
		"v2.0.0+incompatible", "v2.0.1+incompatible", "v1.2.3-" + strings.Repeat("9", 40), "v" + strings.Repeat("9", 40) + ".0.0-rc.1",
		"1.2.3.4", "1.2.3.0", "1.21.0.1", "v01.21.0-rc.1", "1.2-pre", "1.21.0-04"} {
		add(v)
	}
	return vs
}

func TestProperties(t *testing.T) {
	versiontest.Properties(t, Scheme, corpus(t))
}

func FuzzCompare(f *testing.F) {
	for _, c := range versiontest.ReadFixture(f, fixture) {
		f.Add(c.A, c.B)
	}
	f.Add("go1.21rc1", "v0.0.0-20191109021931-daa7c04131f5")
	f.Fuzz(func(t *testing.T, a, b string) {
		versiontest.Fuzz(t, Scheme, a, b)
		// Module versions must order as x/mod/semver orders them.
		ma, mb := withV(a), withV(b)
		if xsemver.IsValid(ma) && xsemver.IsValid(mb) && len(a) <= version.MaxLength && len(b) <= version.MaxLength {
			va, errA := Parse(a)
			vb, errB := Parse(b)
			if errA != nil || errB != nil {
				t.Fatalf("x/mod/semver accepts %q and %q: %v, %v", a, b, errA, errB)
			}
			if got, want := va.Compare(vb), xsemver.Compare(ma, mb); got != want {
				t.Fatalf("Compare(%q, %q) = %d, x/mod/semver says %d", a, b, got, want)
			}
		}
	})
}

func withV(s string) string {
	if strings.HasPrefix(s, "v") {
		return s
	}
	return "v" + s
}

func BenchmarkScheme(b *testing.B) {
	versiontest.Benchmarks(b, Scheme, []string{"v1.2.3", "1.2.3", "v0.0.0-20191109021931-daa7c04131f5", "v2.0.0+incompatible", "go1.21rc2"}, []string{"v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4-0.20200101000000-abcdefabcdef"}, []string{"v1.2.4-0.20191109021931-daa7c04131f5"})
}
