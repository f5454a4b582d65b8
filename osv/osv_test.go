package osv

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDecodeTestdata(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.json")
	if len(files) < 7 {
		t.Fatalf("want the seven real advisories, found %d", len(files))
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		v, err := Parse(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// Writing back and reading again gives the same advisory.
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		again, err := Parse(out)
		if err != nil {
			t.Fatalf("%s: reading back: %v", name, err)
		}
		out2, err := json.Marshal(again)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(out), string(out2)); diff != "" {
			t.Errorf("%s: round trip (-first +second):\n%s", name, diff)
		}
		if again.ID != v.ID || len(again.Affected) != len(v.Affected) || !again.Modified.Equal(v.Modified.Time) {
			t.Errorf("%s: read back differs: %+v", name, again)
		}
	}
}

func TestDecodeFields(t *testing.T) {
	v, err := Parse(mustRead(t, "testdata/GO-2022-0969.json"))
	if err != nil {
		t.Fatal(err)
	}
	if v.ID != "GO-2022-0969" || len(v.Aliases) == 0 || len(v.Affected) == 0 {
		t.Fatalf("unexpected advisory: %+v", v)
	}
	a := v.Affected[0]
	if a.Package.Ecosystem != "Go" || a.Ranges[0].Type != RangeSemver || len(a.EcosystemSpecific) == 0 {
		t.Errorf("affected[0] = %+v", a)
	}
	alma, err := Parse(mustRead(t, "testdata/ALSA-2023-0096.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(alma.Affected[0].Package.Ecosystem, "AlmaLinux:") {
		t.Errorf("AlmaLinux ecosystem = %q", alma.Affected[0].Package.Ecosystem)
	}
	git, err := Parse(mustRead(t, "testdata/PSF-2023-1.json"))
	if err != nil {
		t.Fatal(err)
	}
	if git.Affected[0].Ranges[0].Type != RangeGit || git.Affected[0].Ranges[0].Repo == "" {
		t.Errorf("GIT range = %+v", git.Affected[0].Ranges[0])
	}
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestUnknownFieldsKept(t *testing.T) {
	in := `{"id":"X-1","modified":"2024-01-02T03:04:05Z","x_future":{"a":1},
	"affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.0.0"}]}],"x_new":[1,2]}]}`
	v, err := Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if string(v.Extra["x_future"]) != `{"a":1}` || string(v.Affected[0].Extra["x_new"]) != `[1,2]` {
		t.Fatalf("extra fields not kept: %v %v", v.Extra, v.Affected[0].Extra)
	}
	out, _ := json.Marshal(v)
	if !bytes.Contains(out, []byte(`"x_future":{"a":1}`)) || !bytes.Contains(out, []byte(`"x_new":[1,2]`)) {
		t.Errorf("extra fields not written back: %s", out)
	}
}

func TestTimes(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"2024-01-02T03:04:05Z", "2024-01-02T03:04:05Z"},
		{"2024-01-02T03:04:05.123+02:00", "2024-01-02T01:04:05.123Z"},
		{"1-01-01T00:00:00Z", "0001-01-01T00:00:00Z"},
		{"0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"},
	} {
		got, err := ParseTime(c.in)
		if err != nil {
			t.Errorf("ParseTime(%q): %v", c.in, err)
			continue
		}
		if s := got.Format("2006-01-02T15:04:05.999Z07:00"); s != c.want {
			t.Errorf("ParseTime(%q) = %s, want %s", c.in, s, c.want)
		}
	}
	for _, bad := range []string{"", "yesterday", "2024-13-01T00:00:00Z", "12345-01-01T00:00:00Z"} {
		if _, err := ParseTime(bad); err == nil {
			t.Errorf("ParseTime(%q) succeeded", bad)
		}
	}
}

func TestInvalid(t *testing.T) {
	for name, doc := range map[string]string{
		"not json":           `{"id":`,
		"no id":              `{"modified":"2024-01-01T00:00:00Z"}`,
		"no modified":        `{"id":"X"}`,
		"bad time":           `{"id":"X","modified":"soon"}`,
		"no ecosystem":       `{"id":"X","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"name":"a"}}]}`,
		"unknown range type": `{"id":"X","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":[{"type":"DATE","events":[{"introduced":"0"}]}]}]}`,
		"git without repo":   `{"id":"X","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":[{"type":"GIT","events":[{"introduced":"0"}]}]}]}`,
		"two fields":         `{"id":"X","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0","fixed":"1"}]}]}]}`,
		"empty event":        `{"id":"X","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":[{"type":"SEMVER","events":[{}]}]}]}`,
		"no introduced":      `{"id":"X","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":[{"type":"SEMVER","events":[{"fixed":"1"}]}]}]}`,
		"fixed and last":     `{"id":"X","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1"},{"last_affected":"2"}]}]}]}`,
		"deep nesting":       `{"id":"X","modified":"2024-01-01T00:00:00Z","database_specific":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`,
	} {
		if _, err := Parse([]byte(doc)); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
	big := bytes.Repeat([]byte(" "), MaxSize+1)
	if _, err := Decode(bytes.NewReader(big)); !errors.Is(err, ErrInvalid) {
		t.Errorf("oversized document: err = %v", err)
	}
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, name := range files {
		b, _ := os.ReadFile(name)
		f.Add(b)
	}
	f.Add([]byte(`{"id":"X","modified":"2024-01-01T00:00:00Z"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := Parse(b)
		if err != nil {
			return
		}
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("marshal of a valid advisory: %v", err)
		}
		if _, err := Parse(out); err != nil {
			t.Fatalf("a valid advisory does not read back: %v\n%s", err, out)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	data, err := os.ReadFile("testdata/GO-2022-0969.json")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}
