package apk

import (
	"errors"

	"math/rand/v2"
	"strings"
	"testing"

	"github.com/hallmark-dev/hallmark/version"
	"github.com/hallmark-dev/hallmark/version/versiontest"
)

// TestConformance runs every line of both fixtures through Compare and Key, including the 18
// lines of alpine-versions.txt where OSV's order departs from apk-tools 2.14's (versions apk
// rejects, and an empty number after a dot).
func TestConformance(t *testing.T) {
	versiontest.Conformance(t, Scheme, "testdata/alpine-versions.txt")
	versiontest.Conformance(t, Scheme, "testdata/alpine-versions-generated.txt")
}

// TestExtensions checks OSV's extensions against apk-tools 2.14: the versions it rejects
// (Valid is false, Parse succeeds) and their order.
func TestExtensions(t *testing.T) {
	// Each of these apk-tools 2.14 rejects (the 16 versions of the fixture first).
	for _, v := range []string{
		"1-r-0", "1-r-1", "1.2.0A", "1.2.0D", "1-ruff", "1-r0-1", "1-r-2", "1-r0-2", "1-ruff2", "1-ruff1",
		"1--ruff1", "1-r0-ruff2", "1-r0-ruff1", "1.2_blah", "1.2_csv2", "23_foo", "1.0bc",
		"1.0-1", "1.0-", "1.0_foo", "1.0_p1a", "1.0_p1.1", "1.0-r1_p1", "1.0-r1.1", "1.0a.1", "1.0~",
		"1.0~g", "1.0~a~b", "1.0-r1~a", "1.0~a_p1", "1.0 ", "1.0\xff", "-1", "~",
	} {
		if _, err := Parse(v); err != nil {
			t.Errorf("Parse(%q): %v", v, err)
		}
		if Valid(v) {
			t.Errorf("Valid(%q) = true", v)
		}
	}
	for _, v := range edgeCases { // apk-tools 2.14 accepts all, "1.", "0.r1" and "1..2" too
		if !Valid(v) {
			t.Errorf("Valid(%q) = false", v)
		}
	}
	for _, c := range []struct {
		a, b string
		want int
	}{
		// The rest of a version from where apk rejects it ranks below everything but a
		// pre-release suffix, and all rests are equal.
		{"1.0_foo", "1.0", -1}, {"1.0_foo", "1.0_rc1", 1}, {"1.0_foo", "1.0-r0", -1},
		{"1.0_foo", "1.0_bar", 0}, {"1.0_foo", "1.0.", -1}, {"1.0~", "1.0~0", -1},
		{"1.0-r1-x", "1.0-r1-y", 0}, {"1.0-r1-x", "1.0-r1", -1}, {"1.0-r1-x", "1.0-r0", 1},
		{"1-ruff", "1-r", -1}, {"1-r-", "1-r", -1}, {"1-r-", "1-r0-", 0},
		// An empty number after a dot ranks below the end and above a rest.
		{"1.", "1", -1}, {"1.", "1_x", 1}, {"1.", "1_rc", 1}, {"1..", "1.", -1}, {"0.r1", "0.0r1", -1},
	} {
		a, errA := Parse(c.a)
		b, errB := Parse(c.b)
		if errA != nil || errB != nil {
			t.Fatalf("%v %v", errA, errB)
		}
		if got := a.Compare(b); got != c.want {
			t.Errorf("Compare(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := strings.Compare(string(a.Key()), string(b.Key())); got != c.want {
			t.Errorf("keys of %q, %q compare %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

// TestOrder checks a chain of versions, each lower than the next, and groups of equal ones.
func TestOrder(t *testing.T) {
	chain := []string{
		"1.00", "1.001", "1.0_alpha", "1.0_alpha1", "1.0_beta", "1.0_pre1", "1.0_rc1", "1.0_rc1-r1", "1.0", "1.0-r1",
		"1.0-r2", "1.0~0a", "1.0~ab", "1.0~ab-r1", "1.0_cvs1", "1.0_svn", "1.0_git", "1.0_hg",
		"1.0_p1", "1.0_p2", "1.0a", "1.0a1", "1.0b", "1.01", "1.09", "1.1",
		"1.1_p1", "1.1.0", "1.2", "1.10", "1.10.0", "2", "10", "10000000000000000",
	}
	for i := 0; i+1 < len(chain); i++ {
		a, errA := Parse(chain[i])
		b, errB := Parse(chain[i+1])
		if errA != nil || errB != nil {
			t.Fatalf("%v %v", errA, errB)
		}
		if a.Compare(b) >= 0 || strings.Compare(string(a.Key()), string(b.Key())) >= 0 {
			t.Errorf("want %q < %q", chain[i], chain[i+1])
		}
	}
	for _, eq := range [][]string{
		{"1-r", "1-r0", "1-r00"}, {"1_", "1_cvs"}, {"1_p0", "1_p00"}, {"1.2-r1", "001.2-r01"}, {"a", "0a"},
		{".1", "0.1"}, {"1_p", "1_p"},
	} {
		for _, s := range eq[1:] {
			a, _ := Parse(eq[0])
			b, err := Parse(s)
			if err != nil {
				t.Fatal(err)
			}
			if a.Compare(b) != 0 || string(a.Key()) != string(b.Key()) {
				t.Errorf("want %q = %q", eq[0], s)
			}
		}
	}
}

var edgeCases = []string{
	"0", "00", "1", "01", "1.0", "1.00", "1.000", "1.0001", "1.01", "1.010", "1.1", "1.", "1..",
	"1..0", "0..8", "0...8", ".1", ".", "_p", "-r1", "a", "z", "1a", "1a1", "1a01", "1a1a", "1a1.1",
	"1_", "1_p", "1_p0", "1_p1", "1_alpha_beta", "1_alpha1_beta2", "1_rc_p", "1_p_rc", "1_pre",
	"1-r", "1-r0", "1-r1", "1-r1-r2", "1~0", "1~f", "1~00", "1~a-r1", "1_p1~ab-r2", "1a~b", "1.0~abc",
	"6.6.2p1", "6.6.2p2", "6.6.2_p1", "6.6.2p1-r3", strings.Repeat("9", 17), "1." + strings.Repeat("9", 17),
	"1." + strings.Repeat("0", 100) + "1", "1." + strings.Repeat("0", 101), "1_p" + strings.Repeat("9", 17),
	"1-r" + strings.Repeat("9", 17), "0.r1", "0r2", "0.8.21.r2", "0.8.21r2", "1.2.0d",
}

func sample(t testing.TB) []string {
	seen := map[string]bool{}
	var vs []string
	add := func(v string) {
		if _, err := Parse(v); err == nil && !seen[v] {
			seen[v] = true
			vs = append(vs, v)
		}
	}
	for _, v := range edgeCases {
		add(v)
	}
	for _, f := range []string{"testdata/alpine-versions.txt", "testdata/alpine-versions-generated.txt"} {
		cases := versiontest.ReadFixture(t, f)
		for i := 0; i < len(cases); i += 1 + len(cases)/120 {
			add(cases[i].A)
			add(cases[i].B)
		}
	}
	return vs
}

func TestProperties(t *testing.T) {
	for _, v := range edgeCases {
		if _, err := Parse(v); err != nil {
			t.Errorf("edge case %q: %v", v, err)
		}
	}
	versiontest.Properties(t, Scheme, sample(t))
}

func TestRandomKeys(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	var vs []string
	for len(vs) < 400 {
		if v := randomVersion(r); isValid(v) {
			vs = append(vs, v)
		}
	}
	versiontest.Properties(t, Scheme, vs)
}

func isValid(s string) bool { _, err := Parse(s); return err == nil }

// randomVersion makes strings near the grammar; many have a rest apk-tools rejects.
func randomVersion(r *rand.Rand) string {
	parts := []string{"0", "00", "1", "01", "2", "10", ".", ".", ".0", ".1", "a", "b", "p", "_alpha", "_rc",
		"_p", "_cvs", "_pre", "1", "_", "-r", "-r1", "-r0", "~a0", "~f", "-", "-ruff", "_foo", "A", "~", "-1"}
	var b strings.Builder
	b.WriteString([]string{"0", "1", "2", "01", "10"}[r.IntN(5)])
	for n := r.IntN(6); n > 0; n-- {
		b.WriteString(parts[r.IntN(len(parts))])
	}
	return b.String()
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ v, reason string }{
		{"", "empty"},
		{strings.Repeat("1", version.MaxLength+1), "longer"},
		{"1\x00", "NUL"},
		{"1." + strings.Repeat("1", 18), "17 digits"},
		{strings.Repeat("1", 18), "17 digits"},
		{"1-r" + strings.Repeat("1", 18), "17 digits"},
	} {
		_, err := Scheme.Parse(c.v)
		if !errors.Is(err, version.ErrInvalid) || !strings.Contains(err.Error(), c.reason) {
			t.Errorf("Parse(%q) = %v, want ErrInvalid with %q", c.v, err, c.reason)
		}
	}
}

func FuzzAPK(f *testing.F) {
	vs := sample(f)
	for i, v := range vs {
		f.Add(v, vs[(i*7+3)%len(vs)])
	}
	f.Fuzz(func(t *testing.T, a, b string) { versiontest.Fuzz(t, Scheme, a, b) })
}

var benchVersions = []string{"1.36.1-r29", "3.0.12_p1-r0", "2.4.58_rc1-r2", "6.6.2p1-r3"}

func BenchmarkScheme(b *testing.B) {
	versiontest.Benchmarks(b, Scheme, benchVersions, benchVersions, benchVersions)
}

// TestHash checks the "~hash" component against apk-tools 3's answers.
func TestHash(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"1.0~ab", "1.0~b", -1}, {"1.0~ab-r1", "1.0", 1}, {"1.0~ab", "1.0_p1", -1},
		{"1.0~ab", "1.0-r5", 1}, {"1.0_rc1~ab", "1.0_rc1", 1}, {"1.0~ab", "1.0~ab0", -1},
		{"1.0~0a", "1.0~ab", -1}, {"1.0_p1~ab-r1", "1.0_p1~ab-r2", -1}, {"1.0a~ab", "1.0a", 1},
	} {
		a, errA := Parse(c.a)
		b, errB := Parse(c.b)
		if errA != nil || errB != nil {
			t.Fatalf("%v %v", errA, errB)
		}
		if got := a.Compare(b); got != c.want {
			t.Errorf("Compare(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := strings.Compare(string(a.Key()), string(b.Key())); got != c.want {
			t.Errorf("keys of %q, %q compare %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
