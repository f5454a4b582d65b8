// Package versiontest checks Schemes: the conformance fixtures of ../shared/conformance/versions
// (one comparison a line, "A < B", "A = B" or "A > B"; "#" and "//" lines are comments), the
// agreement of keys with Compare, and the properties of a total preorder.
package versiontest

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hallmark-dev/hallmark/version"
)

// Case is one comparison from a fixture.
type Case struct {
	Line int
	A, B string
	Want int // -1, 0, +1
}

// ReadFixture reads a fixture file.
func ReadFixture(t testing.TB, name string) []Case {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []Case
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "//") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 3 {
			t.Fatalf("%s:%d: want \"A op B\", got %q", name, n, line)
		}
		c := Case{Line: n, A: fields[0], B: fields[2]}
		switch fields[1] {
		case "<":
			c.Want = -1
		case "=":
			c.Want = 0
		case ">":
			c.Want = 1
		default:
			t.Fatalf("%s:%d: unknown operator %q", name, n, fields[1])
		}
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatalf("%s: no cases", name)
	}
	return cases
}

// Conformance checks every case of the fixture file name through Compare and Key, in both
// directions, and reports every failure with its line.
func Conformance(t *testing.T, s version.Scheme, name string) {
	t.Helper()
	failures := 0
	for _, c := range ReadFixture(t, name) {
		if err := check(s, c.A, c.B, c.Want); err != nil {
			failures++
			if failures <= 50 {
				t.Errorf("%s:%d: %s", name, c.Line, err)
			}
		}
	}
	if failures > 50 {
		t.Errorf("%s: %d failures in all", name, failures)
	}
}

// ConformanceErrata runs Conformance on each fixture file of names with the lines of errata
// replaced: a key is a fixture line, exactly, and its value the line that holds instead (the
// same versions, another operator). Each erratum must match a line of one of the files, so that
// no correction outlives its line.
func ConformanceErrata(t *testing.T, s version.Scheme, errata map[string]string, names ...string) {
	t.Helper()
	applied := map[string]bool{}
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(data), "\n")
		for i, line := range lines {
			if fix, ok := errata[strings.TrimSpace(line)]; ok {
				lines[i] = fix
				applied[strings.TrimSpace(line)] = true
			}
		}
		path := filepath.Join(t.TempDir(), filepath.Base(name))
		if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
			t.Fatal(err)
		}
		Conformance(t, s, path)
	}
	for line := range errata {
		if !applied[line] {
			t.Errorf("erratum %q matches no fixture line", line)
		}
	}
}

func check(s version.Scheme, a, b string, want int) error {
	va, err := s.Parse(a)
	if err != nil {
		return fmt.Errorf("Parse(%q): %v", a, err)
	}
	vb, err := s.Parse(b)
	if err != nil {
		return fmt.Errorf("Parse(%q): %v", b, err)
	}
	if got := va.Compare(vb); got != want {
		return fmt.Errorf("Compare(%q, %q) = %d, want %d", a, b, got, want)
	}
	if got := vb.Compare(va); got != -want {
		return fmt.Errorf("Compare(%q, %q) = %d, want %d", b, a, got, -want)
	}
	if got := version.Sign(bytes.Compare(va.Key(), vb.Key())); got != want {
		return fmt.Errorf("keys of %q and %q compare %d, want %d (keys %x, %x)", a, b, got, want, va.Key(), vb.Key())
	}
	return nil
}

// Properties checks, over every pair and triple of vs (valid versions of s), that Compare is a
// total preorder (reflexive, antisymmetric in sign, transitive) and that keys agree with it.
// Use a few hundred versions: the triple check is cubic.
func Properties(t *testing.T, s version.Scheme, vs []string) {
	t.Helper()
	parsed := make([]version.Version, 0, len(vs))
	for _, v := range vs {
		p, err := s.Parse(v)
		if err != nil {
			t.Fatalf("Parse(%q): %v", v, err)
		}
		parsed = append(parsed, p)
	}
	for i, a := range parsed {
		if a.Compare(a) != 0 {
			t.Errorf("Compare(%q, itself) != 0", vs[i])
		}
		for j, b := range parsed {
			ab, ba := a.Compare(b), b.Compare(a)
			if ab != -ba {
				t.Errorf("Compare(%q, %q) = %d but reversed %d", vs[i], vs[j], ab, ba)
			}
			if k := version.Sign(bytes.Compare(a.Key(), b.Key())); k != ab {
				t.Errorf("keys of %q, %q compare %d, Compare says %d", vs[i], vs[j], k, ab)
			}
		}
	}
	n := len(parsed)
	if n > 120 {
		n = 120
	}
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if parsed[i].Compare(parsed[j]) > 0 {
				continue
			}
			for k := 0; k < n; k++ {
				if parsed[j].Compare(parsed[k]) <= 0 && parsed[i].Compare(parsed[k]) > 0 {
					t.Errorf("not transitive: %q <= %q <= %q but %q > %q", vs[i], vs[j], vs[k], vs[i], vs[k])
				}
			}
		}
	}
}

// Fuzz is the body of a fuzz target over pairs of strings: parsing must not panic, a valid
// version's key must be deterministic, and for two valid versions keys must agree with
// Compare.
func Fuzz(t *testing.T, s version.Scheme, a, b string) {
	va, errA := s.Parse(a)
	vb, errB := s.Parse(b)
	if errA != nil || errB != nil {
		return
	}
	if !bytes.Equal(va.Key(), va.Key()) {
		t.Fatalf("Key(%q) is not deterministic", a)
	}
	if err := check(s, a, b, va.Compare(vb)); err != nil {
		t.Fatal(err)
	}
	if va.String() != a {
		t.Fatalf("String() = %q, want the input %q", va.String(), a)
	}
}

// Benchmarks runs a scheme's Parse, Compare and Key benchmarks as sub-benchmarks: Parse
// cycles through parse; Compare compares each version of compare with the next (cyclically);
// Key encodes the versions of key in turn. Every version given must be valid.
func Benchmarks(b *testing.B, s version.Scheme, parse, compare, key []string) {
	mustAll := func(b *testing.B, vs []string) []version.Version {
		out := make([]version.Version, len(vs))
		for i, v := range vs {
			p, err := s.Parse(v)
			if err != nil {
				b.Fatalf("Parse(%q): %v", v, err)
			}
			out[i] = p
		}
		return out
	}
	b.Run("Parse", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, err := s.Parse(parse[i%len(parse)]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Compare", func(b *testing.B) {
		vs := mustAll(b, compare)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			vs[i%len(vs)].Compare(vs[(i+1)%len(vs)])
		}
	})
	b.Run("Key", func(b *testing.B) {
		vs := mustAll(b, key)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			vs[i%len(vs)].Key()
		}
	})
}
