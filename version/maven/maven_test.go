package maven

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/hallmark-dev/hallmark/version"
	"github.com/hallmark-dev/hallmark/version/versiontest"
)

var fixtures = []string{"testdata/maven-versions.txt", "testdata/maven-versions-generated.txt"}

// osvCycles maps the three fixture lines no total order can satisfy to the verdict of Scheme,
// which the conformance test checks instead (the line is corrected, not skipped).
// maven-versions-generated.txt was sorted with maven-artifact 3.8.6 (see osv-scalibr's
// semantic/generators/GenerateMavenVersions.java), whose order, like OSV's, is not transitive:
// each line is one pair of a three-version cycle of Maven 3.8.6 (TestOSVCycles), and the other
// two pairs are the rules "a pre-release is below its release" and "X-1 and X-foo are above X".
var osvCycles = map[string]string{
	"1.0.0-gradle-rework-beta3 < 1.0.0.RC7-3": "1.0.0-gradle-rework-beta3 > 1.0.0.RC7-3",
	"2.9.0-1 < 2.9.0.RC1":                     "2.9.0-1 > 2.9.0.RC1",
	"1.1.0-01-glassfish < 1.1.0.Beta1":        "1.1.0-01-glassfish > 1.1.0.Beta1",
}

// maven39Errata maps the fixture lines that contradict Maven 3.9's ComparableVersion to Maven
// 3.9's verdict, which the conformance test of Maven39 checks instead. Maven 3.8.7 (MNG-7644)
// made ".X1" order like "-X1": every maven-artifact from 3.8.7 to 3.9.16 gives the corrected
// verdicts, as does the reference model. "1-1 = 1-ga-1" is osv-scalibr's own reading: Maven
// normalizes "1-ga-1" to [1, [[1]]], below [1, [1]], in every release checked (3.8.6 to 3.9.16).
var maven39Errata = map[string]string{
	"1-1 = 1-ga-1":                                  "1-1 > 1-ga-1",
	"1.0.0-RC16 < 1.0.0.RC8-beta":                   "1.0.0-RC16 > 1.0.0.RC8-beta",
	"1.0.0-gradle-rework-beta3 < 1.0.0.RC7-3":       "1.0.0-gradle-rework-beta3 > 1.0.0.RC7-3",
	"2.9.0-1 < 2.9.0.RC1":                           "2.9.0-1 > 2.9.0.RC1",
	"6.1.12.rc5 < 6.1.12rc1":                        "6.1.12.rc5 > 6.1.12rc1",
	"1.1.31.sec10 < 1.1.31_noneautotype":            "1.1.31.sec10 > 1.1.31_noneautotype",
	"1.1.34.sec10 < 1.1.34_noneautotype":            "1.1.34.sec10 > 1.1.34_noneautotype",
	"1.1.46.sec10 < 1.1.46_noneautotype":            "1.1.46.sec10 > 1.1.46_noneautotype",
	"1.2.8.sec10_noneautotype < 1.2.8_noneautotype": "1.2.8.sec10_noneautotype > 1.2.8_noneautotype",
	"1.2.31.sec10 < 1.2.31_noneautotype":            "1.2.31.sec10 > 1.2.31_noneautotype",
	"1.2.48.sec10 < 1.2.48_noneautotype":            "1.2.48.sec10 > 1.2.48_noneautotype",
	"1.2.50.sec10 < 1.2.50_noneautotype":            "1.2.50.sec10 > 1.2.50_noneautotype",
	"1.2.54.sec10 < 1.2.54_noneautotype":            "1.2.54.sec10 > 1.2.54_noneautotype",
	"1.2.57.sec10 < 1.2.57_noneautotype":            "1.2.57.sec10 > 1.2.57_noneautotype",
	"1.2.60.sec10 < 1.2.60_noneautotype":            "1.2.60.sec10 > 1.2.60_noneautotype",
	"1.2.67.sec10 < 1.2.67_noneautotype":            "1.2.67.sec10 > 1.2.67_noneautotype",
	"1.0.0rc0 < 1.0.beta8":                          "1.0.0rc0 > 1.0.beta8",
	"1.5.9.RC1 < 1.5.9-RC0":                         "1.5.9.RC1 > 1.5.9-RC0",
	"1.1.0-01-glassfish < 1.1.0.Beta1":              "1.1.0-01-glassfish > 1.1.0.Beta1",
}

// model is one of the package's two orders, with its reference model.
type model struct {
	name    string
	scheme  version.Scheme
	maven39 bool
	errata  map[string]string // fixture lines and what holds instead
}

var models = []model{
	{name: "osv", scheme: Scheme, errata: osvCycles},
	{name: "maven39", scheme: Maven39, maven39: true, errata: maven39Errata},
}

func (m model) parse(v string) (*Version, error) { return parse(v, m.maven39) }

// TestConformance runs every fixture line through Compare and Key, for Scheme and Maven39,
// with each order's errata.
func TestConformance(t *testing.T) {
	for _, m := range models {
		t.Run(m.name, func(t *testing.T) { versiontest.ConformanceErrata(t, m.scheme, m.errata, fixtures...) })
	}
}

// The fixture lines, unchanged, hold in the reference model of Maven 3.8.6 with OSV's dropping
// of empty sub-lists, which is how they were made; corrected by maven39Errata, they hold in the
// reference model of Maven 3.9.
func TestFixturesAgainstReference(t *testing.T) {
	ops := map[string]int{"<": -1, "=": 0, ">": 1}
	for _, m := range models {
		for _, f := range fixtures {
			for _, c := range versiontest.ReadFixture(t, f) {
				want := c.Want
				for line, fix := range maven39Errata {
					if l, r := strings.Fields(line), strings.Fields(fix); m.maven39 && l[0] == c.A && l[2] == c.B {
						want = ops[r[1]]
					}
				}
				if got := refCompare(c.A, c.B, m.maven39); got != want {
					t.Errorf("%s: %s:%d: reference compares %q, %q as %d, want %d", m.name, f, c.Line, c.A, c.B, got, want)
				}
			}
		}
	}
}

// TestOSVCycles shows that each line of osvCycles lies on a cycle of the reference model of
// Maven 3.8.6 and OSV: a < b < z < a, with z between a release and its pre-release and
// X-suffix versions.
func TestOSVCycles(t *testing.T) {
	for _, c := range [][3]string{
		{"1.0.0-gradle-rework-beta3", "1.0.0.RC7-3", "1.0.0"},
		{"2.9.0-1", "2.9.0.RC1", "2.9.0"},
		{"1.1.0-01-glassfish", "1.1.0.Beta1", "1.1.0"},
	} {
		if refCompare(c[0], c[1], false) >= 0 || refCompare(c[1], c[2], false) >= 0 || refCompare(c[2], c[0], false) >= 0 {
			t.Errorf("reference has no cycle %q < %q < %q < %q", c[0], c[1], c[2], c[0])
		}
		a, b, z := mustParse(t, c[0]), mustParse(t, c[1]), mustParse(t, c[2])
		if b.Compare(z) >= 0 || z.Compare(a) >= 0 {
			t.Errorf("want %q < %q < %q", c[1], c[2], c[0])
		}
	}
}

func TestCompare(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"1", "1.0.0", 0},
		{"1", "1-final", 0},
		{"1", "1.0-0", 0},
		{"1", "1.ga", 0},
		{"1.0", "1-RELEASE", 0},
		{"0", "0.0.0-0.0.0", 0},
		{"1-0.1", "1-.1", 0},
		{"1.0.0-rc1", "1-cr-1", 0},
		{"1a1", "1-alpha-1", 0},
		{"1.0alpha1", "1-alpha.1", -1}, // [1,[alpha,[1]]] < [1,[alpha,1]]: a sub-list is below a number
		{"1-alpha", "1", -1},
		{"1-SNAPSHOT", "1", -1},
		{"1-rc", "1-SNAPSHOT", -1},
		{"1-sp", "1", 1},
		{"1-foo", "1-sp", 1},
		{"1-foo", "1-1", -1},
		{"1-1", "1.1", -1},
		{"6.1.12.rc5", "6.1.12rc1", -1}, // Maven 3.8.6 and OSV: ".rc" below "-rc"
		{"1-ga-1", "1-1", 0},            // OSV: the empty sub-list is dropped
		{"1-0-1", "1-1", 0},
		{"1--1", "1-1", 0},
		{"-1", "1", -1}, // the top-level list is kept: [[1]] < [1]
		{"1.0-RC3", "1.0.1", -1},
		{"1a", "1c", -1}, // "a" at the end is not "alpha": unknown qualifiers "a" < "c"
		{"1-a1", "1-b1", -1},
		{"1.0000000000", "1", 0},
		{"1.0000000000.1", "1.999999999.1", 1}, // a long zero is above every int (Maven)
		{"1.0000000000.1", "1.1000000000", -1},
		{"1.0000000000000000000.1", "1.999999999999999999", 1},
		{"123456789012345678901234567890", "123456789012345678901234567891", -1},
		{"1." + strings.Repeat("9", 200), "1." + strings.Repeat("9", 199), 1},
		// Maven cycles, broken by the comparison with the end of the list.
		{"1-1.foo-bar", "1-1-SNAPSHOT", 1}, // Maven: -1
		{"v1.2", "0-SNAPSHOT", 1},          // Maven: -1
		{"1.0.beta.1", "1-1", -1},          // Maven: +1
	}
	for _, tt := range tests {
		a, b := mustParse(t, tt.a), mustParse(t, tt.b)
		if got := a.Compare(b); got != tt.want {
			t.Errorf("Compare(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := version.Sign(bytes.Compare(a.Key(), b.Key())); got != tt.want {
			t.Errorf("keys of %q, %q compare %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestCompareMaven39 checks where Maven39 and Scheme differ.
func TestCompareMaven39(t *testing.T) {
	for _, tt := range []struct {
		a, b     string
		osv, m39 int
	}{
		{"6.1.12.rc5", "6.1.12rc1", -1, 1},
		{"1.5.9.RC1", "1.5.9-RC0", -1, 1},
		{"1.0.0.RC8-beta", "1.0.0-RC16", 1, -1},
		{"1.2.8.sec10", "1.2.8_noneautotype", -1, 1},
		{"1-ga-1", "1-1", 0, -1},
		{"1.0.0.X", "1.0.0-X", 1, 0},
	} {
		for _, m := range []struct {
			s    version.Scheme
			want int
		}{{Scheme, tt.osv}, {Maven39, tt.m39}} {
			got, err := version.Compare(m.s, tt.a, tt.b)
			if err != nil || got != m.want {
				t.Errorf("%s: Compare(%q, %q) = %d, %v; want %d", m.s.Name(), tt.a, tt.b, got, err, m.want)
			}
		}
	}
}

func mustParse(t testing.TB, v string) *Version {
	t.Helper()
	p, err := Parse(v)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The cycles that force this package to differ from Maven are real in the reference model.
func TestReferenceCycles(t *testing.T) {
	for _, c := range [][3]string{
		{"1-1.foo-bar", "1-1-SNAPSHOT", "1-1"},
		{"1-1.foo-bar-1-baz-0.1", "1-1-SNAPSHOT", "1-1"},
		{"v1.2", "0-SNAPSHOT", "0"},
		{"1-1", "1.0.beta.1", "1"},
	} {
		for _, maven39 := range []bool{false, true} {
			if refCompare(c[0], c[1], maven39) >= 0 || refCompare(c[1], c[2], maven39) >= 0 || refCompare(c[2], c[0], maven39) >= 0 {
				t.Errorf("reference (maven39 %v) has no cycle %q < %q < %q < %q", maven39, c[0], c[1], c[2], c[0])
			}
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, v := range []string{
		"",
		".",
		"-.-",
		"1.0 beta",
		" 1.0",
		"1.0\n",
		"1.0\x00",
		"1.0\x7f",
		"1.0-ß",
		"1/2",
		`1\2`,
		"1:2",
		`1"`,
		"<1.0",
		"1.0>",
		"1|2",
		"1.0?",
		"1.*",
		"${project.version}",
		"1.0-${revision}",
		strings.Repeat("1", version.MaxLength+1),
	} {
		_, err := Scheme.Parse(v)
		if !errors.Is(err, version.ErrInvalid) {
			t.Errorf("Parse(%q) = %v, want ErrInvalid", v, err)
		}
	}
	for _, v := range []string{"1", "1.", "1-", "-1", "v1", "1.0_01", "1+build.2", "$1", "{1}", "1~rc1", strings.Repeat("1", version.MaxLength)} {
		p, err := Scheme.Parse(v)
		if err != nil {
			t.Errorf("Parse(%q): %v", v, err)
			continue
		}
		if p.String() != v {
			t.Errorf("String() = %q, want %q", p.String(), v)
		}
	}
}

// corpus returns versions from the fixtures (every step-th distinct one) and generated ones.
func corpus(t testing.TB, step, generated int) []string {
	seen := map[string]bool{}
	var vs []string
	n := 0
	for _, f := range fixtures {
		for _, c := range versiontest.ReadFixture(t, f) {
			for _, v := range []string{c.A, c.B} {
				if seen[v] {
					continue
				}
				seen[v] = true
				if n%step == 0 {
					vs = append(vs, v)
				}
				n++
			}
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range generated {
		vs = append(vs, randomVersion(r))
	}
	return vs
}

var (
	randNumbers = []string{"0", "00", "1", "01", "2", "9", "10", "123", "999999999", "1000000000", "0000000000", "2147483648",
		"999999999999999999", "1000000000000000000", "0000000000000000000", "123456789012345678901234567890"}
	randQualifiers = []string{"alpha", "a", "A", "beta", "b", "milestone", "m", "M", "rc", "RC", "cr", "snapshot", "SNAPSHOT",
		"ga", "GA", "final", "Final", "release", "RELEASE", "sp", "SP", "foo", "bar", "c", "x", "z", "dev_preview", "_", "jre", "incubating", "redhat"}
	randSeparators = []string{".", "-", "", "", ".", "-", "--", ".-"}
)

// randomVersion mixes numbers, qualifiers and separators, including the combinations on which
// Maven's order has cycles.
func randomVersion(r *rand.Rand) string {
	var b strings.Builder
	for n := 1 + r.IntN(6); n > 0; n-- {
		if r.IntN(3) == 0 {
			b.WriteString(randQualifiers[r.IntN(len(randQualifiers))])
		} else {
			b.WriteString(randNumbers[r.IntN(len(randNumbers))])
		}
		if n > 1 || r.IntN(8) == 0 {
			b.WriteString(randSeparators[r.IntN(len(randSeparators))])
		}
	}
	v := b.String()
	if strings.Trim(v, ".-") == "" {
		return "1"
	}
	return v
}

func TestProperties(t *testing.T) {
	for _, m := range models {
		t.Run(m.name, func(t *testing.T) { versiontest.Properties(t, m.scheme, corpus(t, 60, 150)) })
	}
}

// TestAgainstReference compares every pair of a corpus with the reference model, for both
// orders: any disagreement must be a pair on which the reference has a cycle through a prefix
// of one of the two versions (see the package documentation).
func TestAgainstReference(t *testing.T) {
	vs := corpus(t, 40, 400)
	for _, m := range models {
		parsed := make([]*Version, len(vs))
		ref := make([]*refItem, len(vs))
		for i, v := range vs {
			p, err := m.parse(v)
			if err != nil {
				t.Fatal(err)
			}
			parsed[i] = p
			ref[i] = refParse(v, m.maven39)
		}
		differ := 0
		for i, a := range parsed {
			for j, b := range parsed {
				if a.Compare(b) == ref[i].compare(ref[j]) {
					continue
				}
				differ++
				if err := agreeWithMaven(a, b, m.maven39); err != nil {
					t.Errorf("%s: %q vs %q: %v", m.name, vs[i], vs[j], err)
				}
			}
		}
		t.Logf("%s: %d versions: %d of %d ordered pairs differ from the reference, each on a cycle", m.name, len(vs), differ, len(vs)*len(vs))
	}
}

// agreeWithMaven returns nil when a and b compare as in the reference model, or when they do
// not but the reference has a cycle a, b, z with z a prefix of a or b, or "0".
func agreeWithMaven(a, b *Version, maven39 bool) error {
	got, want := a.Compare(b), refCompare(a.raw, b.raw, maven39)
	if got == want {
		return nil
	}
	if want == 0 {
		return fmt.Errorf("Compare = %d, Maven says equal", got)
	}
	candidates := []string{"0"} // the empty list, for versions that differ at their first item
	for _, s := range []string{a.raw, b.raw} {
		for i := 1; i < len(s); i++ {
			if validate(s[:i]) == nil {
				candidates = append(candidates, s[:i])
			}
		}
	}
	for _, z := range candidates {
		// Maven has a < b < z < a or a > b > z > a.
		if refCompare(b.raw, z, maven39) == want && refCompare(z, a.raw, maven39) == want {
			return nil
		}
	}
	return fmt.Errorf("Compare = %d, Maven says %d, and no prefix closes a Maven cycle", got, want)
}

func FuzzCompare(f *testing.F) {
	for _, name := range fixtures {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		for i, line := range strings.Split(string(data), "\n") {
			if fields := strings.Fields(line); len(fields) == 3 && i%20 == 0 {
				f.Add(fields[0], fields[2])
			}
		}
	}
	f.Add("1-1.foo-bar", "1-1-SNAPSHOT")
	f.Add("1.0000000000.1", "1.0.alpha-1")
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, m := range models {
			versiontest.Fuzz(t, m.scheme, a, b)
			va, errA := m.parse(a)
			vb, errB := m.parse(b)
			if errA != nil || errB != nil {
				return
			}
			if err := agreeWithMaven(va, vb, m.maven39); err != nil {
				t.Fatalf("%s: %q vs %q: %v", m.name, a, b, err)
			}
		}
	})
}

var benchVersions = []string{"1.2.3", "2.0.0-RC1", "1.0-beta-3.20020819.043231", "5.3.20.RELEASE", "1.2.48.sec09_noneautotype", "31.1-jre"}

func BenchmarkScheme(b *testing.B) {
	versiontest.Benchmarks(b, Scheme, benchVersions, benchVersions, benchVersions)
}
