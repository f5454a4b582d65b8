package osv

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// The reference decoder: the implementation Parse had before the one-pass decoder (decode as
// a struct, then again as map[string]json.RawMessage for Extra, for the document and for every
// affected entry). The equivalence tests require the same results from both.

type refVulnerability struct {
	SchemaVersion    string          `json:"schema_version,omitempty"`
	ID               string          `json:"id"`
	Modified         Time            `json:"modified"`
	Published        *Time           `json:"published,omitempty"`
	Withdrawn        *Time           `json:"withdrawn,omitempty"`
	Aliases          []string        `json:"aliases,omitempty"`
	Related          []string        `json:"related,omitempty"`
	Upstream         []string        `json:"upstream,omitempty"`
	Summary          string          `json:"summary,omitempty"`
	Details          string          `json:"details,omitempty"`
	Severity         []Severity      `json:"severity,omitempty"`
	Affected         []refAffected   `json:"affected,omitempty"`
	References       []Reference     `json:"references,omitempty"`
	Credits          []Credit        `json:"credits,omitempty"`
	DatabaseSpecific json.RawMessage `json:"database_specific,omitempty"`

	Extra map[string]json.RawMessage `json:"-"`

	hasModified bool
}

type refAffected Affected

type refVulnFields refVulnerability

func (v *refVulnerability) UnmarshalJSON(b []byte) error {
	var f refVulnFields
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	extra, has, err := refUnknown(b, knownTop, "modified")
	if err != nil {
		return err
	}
	*v = refVulnerability(f)
	v.Extra = extra
	v.hasModified = has
	return nil
}

type refAffectedFields refAffected

func (a *refAffected) UnmarshalJSON(b []byte) error {
	var f refAffectedFields
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	extra, _, err := refUnknown(b, knownAffected, "")
	if err != nil {
		return err
	}
	*a = refAffected(f)
	a.Extra = extra
	return nil
}

func refUnknown(b []byte, known []string, present string) (map[string]json.RawMessage, bool, error) {
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return nil, false, err
	}
	_, has := all[present]
	for _, k := range known {
		delete(all, k)
	}
	if len(all) == 0 {
		return nil, has, nil
	}
	return all, has, nil
}

// refParse is Parse as it was.
func refParse(data []byte) (*Vulnerability, error) {
	var r refVulnerability
	if err := json.Unmarshal(data, &r); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line := bytes.Count(data[:min(int(se.Offset), len(data))], []byte{'\n'}) + 1
			return nil, fmt.Errorf("%w: line %d: %v", ErrInvalid, line, err)
		}
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	v := Vulnerability{
		SchemaVersion: r.SchemaVersion, ID: r.ID, Modified: r.Modified, Published: r.Published,
		Withdrawn: r.Withdrawn, Aliases: r.Aliases, Related: r.Related, Upstream: r.Upstream,
		Summary: r.Summary, Details: r.Details, Severity: r.Severity, References: r.References,
		Credits: r.Credits, DatabaseSpecific: r.DatabaseSpecific, Extra: r.Extra, hasModified: r.hasModified,
	}
	if r.Affected != nil {
		v.Affected = make([]Affected, len(r.Affected))
		for i, a := range r.Affected {
			v.Affected[i] = Affected(a)
		}
	}
	if err := v.Validate(); err != nil {
		return nil, err
	}
	return &v, nil
}

// compareParse requires Parse and refParse to agree on b.
func compareParse(t *testing.T, name string, b []byte) {
	t.Helper()
	nv, nerr := Parse(b)
	ov, oerr := refParse(b)
	if (nerr == nil) != (oerr == nil) {
		t.Fatalf("%s: Parse err = %v, reference err = %v", name, nerr, oerr)
	}
	if nerr != nil {
		if !errors.Is(nerr, ErrInvalid) {
			t.Fatalf("%s: Parse err = %v, not ErrInvalid", name, nerr)
		}
		return
	}
	if nv.hasModified != ov.hasModified {
		t.Fatalf("%s: hasModified %v, reference %v", name, nv.hasModified, ov.hasModified)
	}
	nj, nmerr := json.Marshal(nv)
	oj, omerr := json.Marshal(ov)
	if (nmerr == nil) != (omerr == nil) || !bytes.Equal(nj, oj) {
		t.Fatalf("%s: Marshal differs:\n new %s (%v)\n old %s (%v)", name, nj, nmerr, oj, omerr)
	}
}

// TestParseMatchesReference parses every advisory of the shared corpus with Parse and the
// reference decoder.
func TestParseMatchesReference(t *testing.T) {
	zips, _ := filepath.Glob(filepath.Join("..", "..", "shared", "data", "osv", "*", "all.zip"))
	if len(zips) == 0 {
		t.Skip("../shared/data/osv is not present; skipping")
	}
	total := 0
	for _, z := range zips {
		r, err := zip.OpenReader(z)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range r.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			compareParse(t, filepath.Base(filepath.Dir(z))+"/"+f.Name, b)
			total++
		}
		r.Close()
	}
	t.Logf("%d advisories compared", total)
}

// equivalenceSeeds are the cases where the two passes of the reference decoder interact.
var equivalenceSeeds = []string{
	``, ` `, `null`, ` null `, `[]`, `"x"`, `1`, `true`, `{}`, `{} `, `{}x`, `{} {}`, "{}\n\t\r ",
	`{"id":"X","modified":"2024-01-01T00:00:00Z"}`,
	`{"id":"X","modified":"2024-01-01T00:00:00Z"} x`,
	`{"id":"X","modified":"0001-01-01T00:00:00Z"}`,
	`{"id":"X","modified":null}`,
	`{"id":"X","MODIFIED":"2024-01-01T00:00:00Z"}`,
	`{"id":"X","Modified":"0001-01-01T00:00:00Z"}`,
	`{"ID":"X","id":"Y","modified":"2024-01-01T00:00:00Z"}`,
	`{"id":"Y","ID":"X","modified":"2024-01-01T00:00:00Z","Id":"Z"}`,
	"{\"\u017fummary\":\"s\",\"id\":\"X\",\"modified\":\"2024-01-01T00:00:00Z\"}",
	"{\"id\":\"X\",\"modified\":\"2024-01-01T00:00:00Z\",\"affected\":[{\"pac\u212aage\":{\"name\":\"n\",\"ecosystem\":\"Go\"}}]}",
	`{"id":"X","modified":"2024-01-01T00:00:00Z","\u0069d":"Z","x":1,"x":[2]}`,
	`{"id":"X","modified":"2024-01-01T00:00:00Z","affected":null}`,
	`{"id":"X","modified":"2024-01-01T00:00:00Z","affected":[]}`,
	`{"id":"X","modified":"2024-01-01T00:00:00Z","affected":[null]}`,
	`{"id":"X","modified":"2024-01-01T00:00:00Z","affected":{}}`,
	`{"id":"X","modified":"2024-01-01T00:00:00Z","affected":["x"]}`,
	`{"id":"X","modified":"2024-01-01T00:00:00Z","affected":[1]}`,
	`{"id":"X","modified":"2024-01-01T00:00:00Z","affected":[[]]}`,
	`{"id":"X","modified":"2024-01-01T00:00:00Z","AFFECTED":[{"package":{"name":"a","ecosystem":"Go"},"z":1}]}`,
	`{"id":"X","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"name":"a","ecosystem":"Go"},"package":{"purl":"p"}}]}`,
	`{"id":"X","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"name":"a","ecosystem":"Go"}},{"package":{"name":"b","ecosystem":"Go"}}],"affected":[{"x":1}]}`,
	`{"id":"X","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"name":"a","ecosystem":"Go"},"x":1,"Versions":["1"],"versions":["2"]}]}`,
	`{"id":"X","modified":"2024-01-01T00:00:00Z","severity":[{"type":"A","score":"s"}],"severity":[{"type":"B"}]}`,
	`{"id":"X","modified":"2024-01-01T00:00:00Z","published":null,"withdrawn":"1-01-01T00:00:00Z"}`,
	`{"id":"X","modified":"2024-01-01T00:00:00Z","database_specific":null,"unknown":null}`,
	`{"id":"X","modified":"2024-01-01T00:00:00Z","affected":[{"database_specific":null,"ecosystem_specific":{"a":[1, 2]}}]}`,
	`{"id":1,"modified":"2024-01-01T00:00:00Z"}`,
	`{"id":"X","modified":"2024-01-01T00:00:00Z","affected":[{"package":"x"}]}`,
	`{"id":"X","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"name":"a","ecosystem":"Go"}}`,
	`{"id":"X","modified":"2024-01-01T00:00:00Z","summary":"a` + "\xff" + `b","\xfe":"\xfd"}`,
	`{"id":"X" "modified":"2024-01-01T00:00:00Z"}`,
	`{"id":"X",,"modified":"2024-01-01T00:00:00Z"}`,
	`{"id":"X","modified":"2024-01-01T00:00:00Z",}`,
	`{"id":"X":"modified"}`,
	`{"id"}`,
	`{1:2}`,
}

func TestParseMatchesReferenceSeeds(t *testing.T) {
	for i, s := range equivalenceSeeds {
		compareParse(t, fmt.Sprintf("seed %d %q", i, s), []byte(s))
	}
	files, _ := filepath.Glob("testdata/*.json")
	for _, name := range files {
		b, _ := os.ReadFile(name)
		compareParse(t, name, b)
	}
}

// TestSyntaxErrorMatchesReference requires the same message for syntax errors, which
// carry a line number.
func TestSyntaxErrorMatchesReference(t *testing.T) {
	for _, s := range []string{``, "{\n\"id\":\"X\",\n\"affected\":[1,]}", `{"id":1} x`, "{\"id\":1,\n\"x\":}", `{"a":1}}`} {
		_, nerr := Parse([]byte(s))
		_, oerr := refParse([]byte(s))
		if nerr == nil || oerr == nil || nerr.Error() != oerr.Error() {
			t.Errorf("%q: Parse err = %v, reference err = %v", s, nerr, oerr)
		}
	}
}

// FuzzParseMatchesReference compares Parse with the reference decoder on arbitrary bytes.
func FuzzParseMatchesReference(f *testing.F) {
	for _, s := range equivalenceSeeds {
		f.Add([]byte(s))
	}
	files, _ := filepath.Glob("testdata/*.json")
	for _, name := range files {
		b, _ := os.ReadFile(name)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		compareParse(t, "input", b)
	})
}

// largestAdvisory returns the largest advisory of the shared corpus.
func largestAdvisory(b *testing.B) (string, []byte) {
	zips, _ := filepath.Glob(filepath.Join("..", "..", "shared", "data", "osv", "*", "all.zip"))
	if len(zips) == 0 {
		b.Skip("../shared/data/osv is not present; skipping")
	}
	var name string
	var data []byte
	for _, z := range zips {
		r, err := zip.OpenReader(z)
		if err != nil {
			b.Fatal(err)
		}
		for _, f := range r.File {
			if f.UncompressedSize64 <= uint64(len(data)) {
				continue
			}
			rc, err := f.Open()
			if err != nil {
				b.Fatal(err)
			}
			d, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				b.Fatal(err)
			}
			name, data = filepath.Base(filepath.Dir(z))+"/"+f.Name, d
		}
		r.Close()
	}
	return name, data
}

// BenchmarkParseLarge parses the largest advisory of the shared corpus.
func BenchmarkParseLarge(b *testing.B) {
	name, data := largestAdvisory(b)
	b.Logf("%s: %d bytes", name, len(data))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseReference is BenchmarkParse and BenchmarkParseLarge with the reference decoder.
func BenchmarkParseReference(b *testing.B) {
	small, err := os.ReadFile("testdata/GO-2022-0969.json")
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		data func() []byte
	}{{"small", func() []byte { return small }}, {"large", func() []byte { _, d := largestAdvisory(b); return d }}} {
		b.Run(c.name, func(b *testing.B) {
			data := c.data()
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := refParse(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
