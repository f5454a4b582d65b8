package rpm

import (
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hallmark-dev/hallmark/version"
	"github.com/hallmark-dev/hallmark/version/versiontest"
)

func TestConformance(t *testing.T) {
	versiontest.Conformance(t, Scheme, "testdata/redhat-versions.txt")
}

var edgeCases = []string{
	"0", "00", "1", "01", "1.0", "1.00", "1.0.0", "1.0.", "1.0~", "1.0~~", "1.0~rc1", "1.0~rc1~git1",
	"1.0~rc1^git1", "1.0^", "1.0^^", "1.0^~", "1.0^git1", "1.0^git1~pre", "1.0^20160101", "1.0^20160101^git1",
	"1.0.1", "1.0a", "1.0A", "1.0Z", "1.0aa", "1.0_1", "1.0+1", "1.0-1", "1.0-", "1.0-~", "1.0-^",
	"1.0-0", "1.0-00", "1.0-1.el7", "1.0-1.el7_9", "1.0-1.el7.1", "1:1.0", "01:1.0", "0:1.0", "1:1.0-1",
	"2:0", "a", "A", "+", "_", "+a", "~", "^", "a~", "1.1.α", "1.1.β", "1.1.a", "1:2:3", "1-2-3",
	"1." + strings.Repeat("0", 50) + "1", strings.Repeat("9", 60), "9" + strings.Repeat("0", 59),
	"3.10.0-229.el7", "3.10.0-229.1.2.ael7b", "1.m+e2:1", "+2-:", "+1-:",
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
	for _, c := range versiontest.ReadFixture(t, "testdata/redhat-versions.txt") {
		add(c.A)
		add(c.B)
	}
	return vs
}

func TestProperties(t *testing.T) {
	versiontest.Properties(t, Scheme, sample(t))
}

func TestRandomKeys(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	vs := make([]string, 400)
	for i := range vs {
		vs[i] = randomEVR(r)
	}
	versiontest.Properties(t, Scheme, vs)
}

func TestParseErrors(t *testing.T) {
	for _, v := range []string{
		"", ":1", "-1", "1:", "1:-1", "1.0 1", " 1.0", "1.0\n", "1.0\t", "1.0\x00", "1.0\x7f",
		"\xff", "1.0\u00a0", strings.Repeat("1", version.MaxLength+1),
	} {
		if _, err := Scheme.Parse(v); !errors.Is(err, version.ErrInvalid) {
			t.Errorf("Parse(%q) = %v, want ErrInvalid", v, err)
		}
	}
}

func TestParts(t *testing.T) {
	for _, c := range []struct{ s, e, v, r string }{
		{"1:2.0-3.el9", "1", "2.0", "3.el9"},
		{"2.0-3-4", "", "2.0-3", "4"},
		{"a:1-2", "", "a:1", "2"},
		{"1:2:3", "1", "2:3", ""},
	} {
		v, err := Parse(c.s)
		if err != nil {
			t.Fatal(err)
		}
		r, _ := v.Release()
		if v.Epoch() != c.e || v.Version() != c.v || r != c.r || v.String() != c.s {
			t.Errorf("parts of %q: %q %q %q", c.s, v.Epoch(), v.Version(), r)
		}
	}
}

// TestAgainstRPM compares EVRs with rpm's own comparison (rpm.vercmp in rpm's Lua, which
// parses EVRs and compares them with rpmverCmp) when rpm is installed.
func TestAgainstRPM(t *testing.T) {
	rpmBin, err := exec.LookPath("rpm")
	if err != nil || testing.Short() {
		t.Skip("rpm not installed (or -short)")
	}
	r := rand.New(rand.NewPCG(7, 8))
	vs := sample(t)
	var pairs [][2]string
	var lines strings.Builder
	for n := 0; n < 3000; n++ {
		a, b := randomEVR(r), randomEVR(r)
		if n%4 == 0 {
			a = vs[r.IntN(len(vs))]
		}
		if strings.ContainsAny(a+b, "\t\n") || a == "" || b == "" {
			continue
		}
		pairs = append(pairs, [2]string{a, b})
		lines.WriteString(a + "\t" + b + "\n")
	}
	file := filepath.Join(t.TempDir(), "pairs")
	if err := os.WriteFile(file, []byte(lines.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	lua := `%{lua: for l in io.lines("` + file + `") do local a, b = l:match("^([^\t]*)\t(.*)$"); print(" " .. rpm.vercmp(a, b)) end}`
	out, err := exec.Command(rpmBin, "--eval", lua).Output()
	if err != nil {
		t.Skipf("rpm --eval: %v", err)
	}
	got := strings.Fields(string(out))
	if len(got) != len(pairs) {
		t.Fatalf("rpm gave %d results for %d pairs", len(got), len(pairs))
	}
	compared := 0
	for i, p := range pairs {
		want, _ := strconv.Atoi(got[i])
		va, errA := Parse(p[0])
		vb, errB := Parse(p[1])
		if errA != nil || errB != nil {
			t.Fatalf("Parse(%q), Parse(%q): %v, %v", p[0], p[1], errA, errB)
		}
		compared++
		if c := va.Compare(vb); c != want {
			t.Errorf("Compare(%q, %q) = %d, rpm says %d", p[0], p[1], c, want)
		}
	}
	if compared < 1000 {
		t.Errorf("only %d pairs compared with rpm", compared)
	}
}

func randomString(r *rand.Rand) string {
	const chars = "000112349aabzAZ..._+~~^^"
	var b strings.Builder
	for n := 1 + r.IntN(7); n > 0; n-- {
		b.WriteByte(chars[r.IntN(len(chars))])
	}
	return b.String()
}

func randomEVR(r *rand.Rand) string {
	s := randomString(r)
	if r.IntN(4) == 0 {
		s = []string{"0:", "1:", "01:", "2:"}[r.IntN(4)] + s
	}
	if r.IntN(2) == 0 {
		rel := randomString(r)
		s += "-" + rel[:r.IntN(len(rel)+1)]
	}
	return s
}

func FuzzRPM(f *testing.F) {
	vs := sample(f)
	for i, v := range vs {
		f.Add(v, vs[(i*7+3)%len(vs)])
	}
	f.Fuzz(func(t *testing.T, a, b string) { versiontest.Fuzz(t, Scheme, a, b) })
}

var benchVersions = []string{"1:3.10.0-1160.el7", "2.17-326.el7_9", "1.0.2k-26.el7_9", "0:5.3.28-1.el9~bootstrap"}

func BenchmarkScheme(b *testing.B) {
	versiontest.Benchmarks(b, Scheme, benchVersions, benchVersions, benchVersions)
}
