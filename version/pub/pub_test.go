package pub

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hallmark-dev/hallmark/version"
	"github.com/hallmark-dev/hallmark/version/versiontest"
)

const fixture = "testdata/pub-versions.txt"

// TestConformance runs every line of the fixture through Compare and Key: OSV's order, which
// accepts versions pub_semver rejects ("v1.2.3", "999999999999999999999999999991",
// "1.1.3.4.5").
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
		// pub_semver's own test: these are in ascending order.
		{"1.0.0-alpha", "1.0.0-alpha.1", -1},
		{"1.0.0-beta.11", "1.0.0-rc.1", -1},
		{"1.0.0-rc.1", "1.0.0-rc.1+build.1", -1},
		{"1.0.0-rc.1+build.1", "1.0.0", -1},
		{"1.0.0", "1.0.0+0.3.7", -1},
		{"1.0.0+0.3.7", "1.3.7+build", -1},
		{"1.3.7+build", "1.3.7+build.2.b8f12d7", -1},
		{"1.3.7+build.2.b8f12d7", "1.3.7+build.11.e0f985a", -1},
		{"1.3.7+build.11.e0f985a", "2.0.0", -1},
		// Leading zeros: pub_semver's test "equality" (01.2.3 == 1.2.3, 1.2.3-01 == 1.2.3-1).
		{"01.2.3", "1.2.3", 0},
		{"1.02.3", "1.2.3", 0},
		{"1.2.03", "1.2.3", 0},
		{"1.2.3-01", "1.2.3-1", 0},
		{"1.2.3+01", "1.2.3+1", 0},
		{"001.02.0003-01.dev+pre.002", "1.2.3-1.dev+pre.2", 0},
		// int.tryParse: signs and hexadecimal.
		{"1.0.0--1", "1.0.0-0", -1},
		{"1.0.0--0", "1.0.0-0", 0},
		{"1.0.0-0x10", "1.0.0-16", 0},
		{"1.0.0-0X1f", "1.0.0-31", 0},
		{"1.0.0-0xffffffffffffffff", "1.0.0--1", 0},
		{"1.0.0-0x8000000000000000", "1.0.0--9223372036854775808", 0},
		{"1.0.0--0x8000000000000000", "1.0.0--9223372036854775808", 0},
		{"1.0.0-0x10000000000000000", "1.0.0-9", 1},
		{"1.0.0-9223372036854775807", "1.0.0-9223372036854775808", -1},
		{"1.0.0-9223372036854775808", "1.0.0-a", -1},
		{"1.0.0-0xg", "1.0.0-0", 1},
		{"1.0.0-0x", "1.0.0-0", 1},
		{"9223372036854775807.0.0", "9223372036854775806.9.9", 1},
		{"1.0.0+a", "1.0.0+B", 1},
		{"1.0.0+10", "1.0.0+9", 1},
		// OSV's extensions: a "v", numbers of any size, fewer or more than three numbers.
		{"v1.2.3-beta+1", "1.2.3-beta+1", 0},
		{"v1.2.3", "1.2.3+0", -1},
		{"9223372036854775808.0.0", "9223372036854775807.9.9", 1},
		{"1" + strings.Repeat("0", 200) + ".0.0", "9" + strings.Repeat("9", 199) + ".0.0", 1},
		{"1", "1.0.0", 0},
		{"1.2", "1.2.0", 0},
		{"01.2-rc", "1.2.0-rc", 0},
		{"1.2.3.4", "1.2.3-4", 0},
		{"1.2.3.4", "1.2.3", -1},
		{"1.2.3.4", "1.2.2", 1},
		{"1.2.3.4.5-rc+b", "1.2.3-4.5.rc+b", 0},
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
	// The first three are pub_semver's own parse() test cases that OSV's order rejects too
	// (pub_semver also rejects "1.0", "1.2.3.4", "1234", "1.3-pre" and "1.3+build").
	for _, v := range []string{
		"1a2b3", "-2.3.4", "1.3+bu?!3ild", "v", "vv1.2.3", "V1.2.3", "1.2.3.", "1.2.3.0x1", ".1.2.3",
		"", " 1.2.3", "1.2.3 ", "1..3", "1.2.", "1.2.3-", "1.2.3+",
		"1.2.3-a..b", "1.2.3+a..b", "1.2.3+a+b", "1.2.3-a_b", "1.2.3-é", "١.2.3",
		"1.2.3-" + strings.Repeat("a", version.MaxLength),
	} {
		if p, err := Parse(v); err == nil {
			t.Errorf("Parse(%q) = %v, want an error", v, p)
		} else if !errors.Is(err, version.ErrInvalid) {
			t.Errorf("Parse(%q): %v does not wrap ErrInvalid", v, err)
		}
	}
	for _, v := range []string{"1.0", "1.2.3.4", "1234", "1.3-pre", "1.3+build", "v1.2.3", "9223372036854775808.0.0", "0.0.0", "12.34.56", "1.2.3-alpha.1", "1.2.3-x.7.z-92", "1.2.3+build.1", "1.2.3+x.7.z-92", "1.0.0-rc-1+build-1"} {
		if _, err := Parse(v); err != nil {
			t.Errorf("Parse(%q): %v", v, err)
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
	parts := []string{"0", "00", "1", "01", "-1", "-", "--", "0x10", "16", "0xffffffffffffffff", "9223372036854775807", "9223372036854775808", "A", "a", "a-", "dev", "dev.1", "dev.a"}
	for _, core := range []string{"0.0.0", "1.0.0", "01.0.0", "1.0.1", "9223372036854775807.0.0", "v1", "1.0", "1.0.0.0", "1.0.0.16", "1.0.0.9223372036854775808", "1.0.0.0.1", "99999999999999999999.0.0"} {
		add(core)
		for _, p := range parts {
			add(core + "-" + p)
			add(core + "+" + p)
			add(core + "-dev+" + p)
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
	f.Add("1.0.0-0x10+-1", "1.0.0-16+0xffffffffffffffff")
	f.Fuzz(func(t *testing.T, a, b string) {
		versiontest.Fuzz(t, Scheme, a, b)
	})
}

func BenchmarkScheme(b *testing.B) {
	versiontest.Benchmarks(b, Scheme, []string{"1.2.3", "0.13.0-nullsafety.0", "2.0.0+1", "1.3.7+build.11.e0f985a", "3.0.0-dev.1"}, []string{"1.3.7+build.2.b8f12d7", "1.3.7+build.11.e0f985a"}, []string{"1.3.7-dev.1+build.11.e0f985a"})
}
