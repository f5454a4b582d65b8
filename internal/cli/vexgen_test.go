package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hallmark-dev/hallmark/report"
)

func TestVexGenerate(t *testing.T) {
	dir := t.TempDir()
	res := &report.Result{Schema: report.Schema, Findings: []report.Finding{
		{ID: "GO-2022-1059", Aliases: []string{"CVE-2022-32149"}, Package: report.Package{Ecosystem: "Go", Name: "golang.org/x/text", Version: "v0.3.2", PURL: "pkg:golang/golang.org/x/text@v0.3.2"},
			Reachability: &report.Reachability{Status: report.Unreachable, Symbols: []string{"language.ParseAcceptLanguage"}, Reason: "imported, not called"}},
		{ID: "GO-2021-0113", Package: report.Package{Ecosystem: "Go", Name: "golang.org/x/text", Version: "v0.3.2", PURL: "pkg:golang/golang.org/x/text@v0.3.2"},
			Reachability: &report.Reachability{Status: report.Reachable, Symbols: []string{"language.Parse"}}},
	}}
	in := filepath.Join(dir, "result.json")
	var buf bytes.Buffer
	if err := report.WriteJSON(&buf, res); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(in, buf.Bytes(), 0o644)
	env := &Env{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}, Getenv: func(k string) string {
		if k == "SOURCE_DATE_EPOCH" {
			return "1700000000"
		}
		return ""
	}}
	out := filepath.Join(dir, "out.openvex.json")
	if code := env.Main(context.Background(), []string{"vex", "generate", "--author", "Test", "-o", out, in}); code != 0 {
		t.Fatalf("exit %d: %s", code, env.Stderr)
	}
	var doc struct {
		Statements []struct {
			Vulnerability struct {
				Name    string   `json:"name"`
				Aliases []string `json:"aliases"`
			} `json:"vulnerability"`
			Status, Justification string
			Impact                string `json:"impact_statement"`
			Products              []struct {
				ID string `json:"@id"`
			} `json:"products"`
		} `json:"statements"`
	}
	b, _ := os.ReadFile(out)
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Statements) != 1 {
		t.Fatalf("statements = %+v, want only the unreachable finding", doc.Statements)
	}
	s := doc.Statements[0]
	if s.Vulnerability.Name != "GO-2022-1059" || s.Status != "not_affected" || s.Justification != "vulnerable_code_not_in_execute_path" ||
		s.Products[0].ID != "pkg:golang/golang.org/x/text@v0.3.2" || !strings.Contains(s.Impact, "ParseAcceptLanguage") {
		t.Errorf("statement = %+v", s)
	}
	// A result without any reachability analysis is refused with the reason.
	res.Findings = res.Findings[1:]
	res.Findings[0].Reachability = nil
	buf.Reset()
	report.WriteJSON(&buf, res)
	os.WriteFile(in, buf.Bytes(), 0o644)
	env.Stderr = &bytes.Buffer{}
	if code := env.Main(context.Background(), []string{"vex", "generate", in}); code != 1 || !strings.Contains(env.Stderr.(*bytes.Buffer).String(), "no reachability analysis") {
		t.Errorf("exit %d, stderr %s", code, env.Stderr)
	}
}
