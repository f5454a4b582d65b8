package dpkg

import (
	"errors"
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"

	"github.com/hallmark-dev/hallmark/version"
	"github.com/hallmark-dev/hallmark/version/versiontest"
)

func TestConformance(t *testing.T) {
	for _, f := range []string{"testdata/debian-versions.txt", "testdata/debian-versions-generated.txt"} {
		t.Run(f, func(t *testing.T) { versiontest.Conformance(t, Scheme, f) })
	}
}

// edgeCases are valid versions chosen to exercise tildes, part ends, zeros, epochs, long
// numbers and the character classes.
var edgeCases = []string{
	"0", "00", "0-0", "0-00", "0:0", "1", "1.0", "1.00", "1.0-0", "1.0~", "1.0~~", "1.0~~a",
	"1.0~rc1", "1.0~rc1~git1", "1.0~rc2", "1.0+b1", "1.0a", "1.0A", "1.0.", "1.0-1-0", "1.0+",
	"1.0-1", "1.0-1~", "1.0-~1", "1.0-a", "1.0-0a", "1.0-a0", "1.0-.", "1.0-+", "1.0-~",
	"1:1.0", "01:1.0", "2147483647:0", "1:1:1", "1:1-1-1", "1-1-1", "1a", "1a0", "1a0a",
	"1:1.0-1", "1:1.0:1-1", "9" + strings.Repeat("0", 40), strings.Repeat("9", 41), "1." + strings.Repeat("0", 60) + "1",
	"1.2.3-1~deb7u1", "1.2.3-1", "1.2.3-1+deb7u1", "1.2.3-1ubuntu1", "1.2.3-1ubuntu0.1",
	"2.7.4+reloaded2-13ubuntu1", "1Z", "1z", "1~~~", "1~a", "1~A", "1-0.0.0", "1-0.0.1",
}

func sample(t testing.TB) []string {
	seen := map[string]bool{}
	var vs []string
	add := func(v string) {
		if !seen[v] {
			seen[v] = true
			vs = append(vs, v)
		}
	}
	for _, v := range edgeCases {
		add(v)
	}
	for _, f := range []string{"testdata/debian-versions.txt", "testdata/debian-versions-generated.txt"} {
		cases := versiontest.ReadFixture(t, f)
		for i := 0; i < len(cases); i += 1 + len(cases)/150 {
			add(cases[i].A)
			add(cases[i].B)
		}
	}
	return vs
}

func TestProperties(t *testing.T) {
	versiontest.Properties(t, Scheme, sample(t))
}

func TestParseErrors(t *testing.T) {
	for _, v := range []string{
		"", ":", ":1", "1:", "a:1", "-1:1", "+1:1", "2147483648:1", "1.0-", "-1", "1:-1",
		"a1.0", "~1", ".1", "1.0_1", "1.0 1", " 1.0", "1.0\n", "1.0-1_1", "1.0-1:1",
		"1.0-1\x00", "1.0é", strings.Repeat("1", version.MaxLength+1),
	} {
		_, err := Scheme.Parse(v)
		if !errors.Is(err, version.ErrInvalid) {
			t.Errorf("Parse(%q) = %v, want ErrInvalid", v, err)
		}
	}
	for _, v := range []string{strings.Repeat("1", version.MaxLength), "0:1", "1:1:1", "1-1-1", "1:1.0-1:1-1"} {
		if _, err := Scheme.Parse(v); err != nil {
			t.Errorf("Parse(%q): %v", v, err)
		}
	}
}

func TestParts(t *testing.T) {
	v, err := Parse("1:2.0-3-4")
	if err != nil {
		t.Fatal(err)
	}
	if v.Epoch() != "1" || v.Upstream() != "2.0-3" || v.Revision() != "4" || v.String() != "1:2.0-3-4" {
		t.Errorf("parts of %q: %q %q %q", v, v.Epoch(), v.Upstream(), v.Revision())
	}
}

// TestAgainstDpkg compares random versions with dpkg --compare-versions when dpkg is installed.
func TestAgainstDpkg(t *testing.T) {
	dpkg, err := exec.LookPath("dpkg")
	if err != nil || testing.Short() {
		t.Skip("dpkg not installed (or -short)")
	}
	r := rand.New(rand.NewPCG(1, 2))
	vs := sample(t)
	for n := 0; n < 300; n++ {
		a, b := randomVersion(r), randomVersion(r)
		if n%3 == 0 {
			a = vs[r.IntN(len(vs))]
		}
		va, errA := Parse(a)
		vb, errB := Parse(b)
		if errA != nil || errB != nil {
			t.Fatalf("generated invalid versions %q %q", a, b)
		}
		want := 0
		for _, c := range []struct {
			op string
			r  int
		}{{"lt", -1}, {"gt", 1}} {
			if exec.Command(dpkg, "--compare-versions", a, c.op, b).Run() == nil {
				want = c.r
			}
		}
		if got := va.Compare(vb); got != want {
			t.Errorf("Compare(%q, %q) = %d, dpkg says %d", a, b, got, want)
		}
	}
}

func randomVersion(r *rand.Rand) string {
	const up = "0011223489aAzZ.+~~-"
	const rev = "0019aZ.+~~"
	var b strings.Builder
	if r.IntN(4) == 0 {
		b.WriteString([]string{"0:", "1:", "01:", "2:"}[r.IntN(4)])
	}
	b.WriteByte("0123456789"[r.IntN(10)])
	for n := r.IntN(6); n > 0; n-- {
		c := up[r.IntN(len(up))]
		if c == '-' {
			c = '.'
		}
		b.WriteByte(c)
	}
	if r.IntN(2) == 0 {
		b.WriteByte('-')
		for n := 1 + r.IntN(4); n > 0; n-- {
			b.WriteByte(rev[r.IntN(len(rev))])
		}
	}
	return b.String()
}

func FuzzDpkg(f *testing.F) {
	vs := sample(f)
	for i, v := range vs {
		f.Add(v, vs[(i*7+3)%len(vs)])
	}
	f.Fuzz(func(t *testing.T, a, b string) { versiontest.Fuzz(t, Scheme, a, b) })
}

var benchVersions = []string{"1:2.30.2-1+deb11u2", "2.30.2-1~bpo11+1", "1.2.3-1ubuntu0.20.04.1", "7.74.0-1.3+deb11u7"}

func BenchmarkScheme(b *testing.B) {
	versiontest.Benchmarks(b, Scheme, benchVersions, benchVersions, benchVersions)
}

// TestRandomKeys checks keys against Compare on many random pairs of valid versions.
func TestRandomKeys(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	vs := make([]string, 400)
	for i := range vs {
		vs[i] = randomVersion(r)
	}
	versiontest.Properties(t, Scheme, vs)
}
