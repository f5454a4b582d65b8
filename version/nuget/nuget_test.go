package nuget

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hallmark-dev/hallmark/version"
	"github.com/hallmark-dev/hallmark/version/versiontest"
)

const fixture = "testdata/nuget-versions.txt"

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
		{"1", "1.0.0.0", 0},
		{"1.0.0.0", "1.0.0", 0},
		{"01.002", "1.2.0.0", 0},
		{"1.0.0.1", "1.0.1", -1},
		{"2147483647.0", "2147483646.9.9.9", 1},
		{"2147483648.0", "2147483647.9.9.9", 1},
		{"1.0.0.099999999999999999999", "1.0.0.99999999999999999999", 0},
		{"1.0.0-a", "1.0.0-A", 0},
		{"1.0.0-alpha+x", "1.0.0-ALPHA+y", 0},
		{"1.0.0-alpha", "1.0.0-alpha.1", -1},
		{"1.0.0-2", "1.0.0-10", -1},
		{"1.0.0-10", "1.0.0-a", -1},
		// .NET's int.TryParse reads "-1" as a number; "-01" is -1 too.
		{"1.0.0--1", "1.0.0-0", -1},
		{"1.0.0--01", "1.0.0--1", 0},
		{"1.0.0--0", "1.0.0-0", 0},
		{"1.0.0--2147483648", "1.0.0--2147483647", -1},
		// Numbers beyond 32 bits are not numbers to int.TryParse: they compare as text.
		{"1.0.0-2147483647", "1.0.0-2147483648", -1},
		{"1.0.0-2147483648", "1.0.0-3", 1},
		{"1.0.0-9999999999", "1.0.0-A", -1},
		{"1.0.0--2147483649", "1.0.0--", 1},
		{"1.0.0-a-b", "1.0.0-a", 1},
		{"1.0.0-1a", "1.0.0-1", 1},
		{"1.0.0-rc.1", "1.0.0", -1},
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

func TestParseErrors(t *testing.T) {
	for _, v := range []string{
		"", ".", "1.", ".1", "1..2", "1.2.3.4.5", "v1.0.0", " 1.0.0", "1.0.0 ", "1.0 .0", "a.b",
		"1.0.0-", "1.0.0+", "1.0.0-a..b", "1.0.0-01", "1.0.0-00",
		"1.0.0+a..b", "1.0.0+a+b", "1.0.0-a+b+c", "1.0.0-a_b", "1.0.0-é", "-1.0.0", "+1.0.0", "1.0.0-a+",
		"1.0.0-" + strings.Repeat("a", version.MaxLength),
	} {
		if p, err := Parse(v); err == nil {
			t.Errorf("Parse(%q) = %v, want an error", v, p)
		} else if !errors.Is(err, version.ErrInvalid) {
			t.Errorf("Parse(%q): %v does not wrap ErrInvalid", v, err)
		}
	}
	for _, v := range []string{"1", "1.0.0-0A", "1.0.0-0", "1.0.0+001", "1.0.0--", "1.0.0-a-+b-", "0.0.0.0-x.1.X"} {
		if _, err := Parse(v); err != nil {
			t.Errorf("Parse(%q): %v", v, err)
		}
	}
}

func TestMetadata(t *testing.T) {
	v, err := Parse("1.0.0-rc.1+Build.5")
	if err != nil {
		t.Fatal(err)
	}
	if v.Metadata() != "Build.5" || v.String() != "1.0.0-rc.1+Build.5" {
		t.Errorf("Metadata() = %q, String() = %q", v.Metadata(), v.String())
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
	for _, core := range []string{"0", "1", "1.0", "1.0.0.1", "1.0.1", "2147483647.2147483647.2147483647.2147483647", "1.99999999999999999999999"} {
		add(core)
		for _, l := range []string{"0", "1", "-1", "-01", "--", "-", "2", "10", "2147483647", "2147483648", "-2147483648", "-2147483649",
			"99999999999999999999", "A", "a", "a-", "Alpha", "alpha.1", "ALPHA.1.a", "alpha.-1", "rc.2", "RC.10", "beta2"} {
			add(core + "-" + l)
			add(core + "-" + l + "+meta")
		}
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
	f.Add("1.0.0--1", "1.0.0-2147483648")
	f.Fuzz(func(t *testing.T, a, b string) {
		versiontest.Fuzz(t, Scheme, a, b)
	})
}

func BenchmarkScheme(b *testing.B) {
	versiontest.Benchmarks(b, Scheme, []string{"1.2.3", "1.0.0.1-1.2.A", "6.0.0-preview.7.21377.19+abc", "13.0.1", "1.0"}, []string{"6.0.0-preview.7.21377.19", "6.0.0-Preview.7.21377.20"}, []string{"6.0.0-preview.7.21377.19+abc"})
}
