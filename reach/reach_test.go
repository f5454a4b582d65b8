package reach

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hallmark-dev/hallmark/osv"
	"github.com/hallmark-dev/hallmark/report"
	"github.com/hallmark-dev/hallmark/sbom"
)

// fixtureAdvisories reads testdata/advisories: the Go database's advisories of
// golang.org/x/text that the test modules' version (v0.3.2) is affected by.
func fixtureAdvisories(t *testing.T) AdvisoryFunc {
	t.Helper()
	files, err := filepath.Glob("testdata/advisories/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no advisories in testdata: %v", err)
	}
	all := map[string]*osv.Vulnerability{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		v, err := osv.Parse(b)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		all[v.ID] = v
	}
	return func(_ context.Context, ids []string) (map[string]*osv.Vulnerability, error) {
		out := map[string]*osv.Vulnerability{}
		for _, id := range ids {
			if v, ok := all[id]; ok {
				out[id] = v
			}
		}
		return out, nil
	}
}

// textResult is a scan result with the x/text findings of the test modules and one npm
// finding that Apply must leave alone.
func textResult() *report.Result {
	res := &report.Result{Schema: report.Schema}
	for _, id := range []string{"GO-2020-0015", "GO-2021-0113", "GO-2022-1059"} {
		res.Findings = append(res.Findings, report.Finding{
			ID: id, Advisories: []string{id},
			Package:   report.Package{Ecosystem: "Go", Name: "golang.org/x/text", Version: "v0.3.2", PURL: "pkg:golang/golang.org/x/text@v0.3.2"},
			Locations: []sbom.Location{{Path: "go.mod", Line: 5}},
		})
	}
	res.Findings = append(res.Findings, report.Finding{ID: "GHSA-xxxx", Advisories: []string{"GHSA-xxxx"},
		Package: report.Package{Ecosystem: "npm", Name: "left-pad", Version: "1.0.0"}})
	return res
}

// needModules skips the test when the analysis cannot run here: no go command, or golang.org/x/text v0.3.2 not in the module cache (nothing is
// downloaded; 'go mod download golang.org/x/text@v0.3.2' fetches it).
func needModules(t *testing.T) {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	out, err := exec.Command(goCmd, "env", "GOMODCACHE").Output()
	if err != nil {
		t.Skipf("go env GOMODCACHE: %v", err)
	}
	if _, err := os.Stat(filepath.Join(strings.TrimSpace(string(out)), "cache", "download", "golang.org", "x", "text", "@v", "v0.3.2.zip")); err != nil {
		t.Skip("golang.org/x/text v0.3.2 is not in the module cache: run 'go mod download golang.org/x/text@v0.3.2'")
	}
}

func statuses(res *report.Result) map[string]string {
	out := map[string]string{}
	for _, f := range res.Findings {
		if f.Reachability == nil {
			out[f.ID] = "-"
			continue
		}
		out[f.ID] = f.Reachability.Status
		if f.Reachability.Reason != "" {
			r, _, _ := strings.Cut(f.Reachability.Reason, ":")
			out[f.ID] += " (" + r + ")"
		}
	}
	return out
}

func TestSource(t *testing.T) {
	needModules(t)
	tests := []struct {
		dir  string
		want map[string]string
	}{
		{"testdata/calls", map[string]string{
			"GO-2021-0113": "reachable", // language.Parse
			"GO-2022-1059": "unreachable (imported, not called)",
			"GO-2020-0015": "unreachable (package not imported)",
			"GHSA-xxxx":    "-",
		}},
		{"testdata/safe", map[string]string{
			"GO-2021-0113": "unreachable (imported, not called)",
			"GO-2022-1059": "unreachable (imported, not called)",
			"GO-2020-0015": "unreachable (package not imported)",
			"GHSA-xxxx":    "-",
		}},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.dir), func(t *testing.T) {
			res := textResult()
			if err := Apply(context.Background(), res, []string{tt.dir}, Options{Advisories: fixtureAdvisories(t)}); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, statuses(res)); diff != "" {
				t.Errorf("statuses (-want +got):\n%s", diff)
			}
			if tt.dir == "testdata/calls" {
				if got := res.Findings[1].Reachability.Symbols; !cmp.Equal(got, []string{"golang.org/x/text/language.Parse"}) {
					t.Errorf("reached symbols = %q, want language.Parse", got)
				}
			}
		})
	}
}

// TestSeveralModules analyses a directory holding both test modules: each finding is decided
// by the module it was found in.
func TestSeveralModules(t *testing.T) {
	needModules(t)
	res := &report.Result{}
	for _, dir := range []string{"calls", "safe"} {
		res.Findings = append(res.Findings, report.Finding{ID: "GO-2021-0113", Advisories: []string{"GO-2021-0113"},
			Package:   report.Package{Ecosystem: "Go", Name: "golang.org/x/text", Version: "v0.3.2"},
			Locations: []sbom.Location{{Path: dir + "/go.mod"}}})
	}
	if err := Apply(context.Background(), res, []string{"testdata"}, Options{Advisories: fixtureAdvisories(t)}); err != nil {
		t.Fatal(err)
	}
	if a, b := res.Findings[0].Reachability.Status, res.Findings[1].Reachability.Status; a != report.Reachable || b != report.Unreachable {
		t.Errorf("calls %s, safe %s; want reachable, unreachable", a, b)
	}
}

func TestBinary(t *testing.T) {
	needModules(t)
	for _, tt := range []struct {
		dir, want string
	}{
		{"testdata/calls", "reachable"},
		{"testdata/safe", "unreachable (imported, not called)"},
	} {
		t.Run(filepath.Base(tt.dir), func(t *testing.T) {
			bin := filepath.Join(t.TempDir(), "prog")
			cmd := exec.Command("go", "build", "-o", bin, ".")
			cmd.Dir = tt.dir
			cmd.Env = offlineEnv(nil)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Skipf("go build: %v\n%s", err, out)
			}
			res := textResult()
			if err := Apply(context.Background(), res, []string{bin}, Options{Advisories: fixtureAdvisories(t)}); err != nil {
				t.Fatal(err)
			}
			if got := statuses(res)["GO-2021-0113"]; got != tt.want {
				t.Errorf("GO-2021-0113: %s, want %s", got, tt.want)
			}
		})
	}
}

// TestMissingModules analyses a module whose dependency is not in the (empty) module
// cache: the findings are unknown with the reason, and nothing is downloaded.
func TestMissingModules(t *testing.T) {
	needModules(t)
	env := append(os.Environ(), "GOMODCACHE="+t.TempDir())
	res := textResult()
	err := Apply(context.Background(), res, []string{"testdata/calls"}, Options{Advisories: fixtureAdvisories(t), Env: env})
	if err != nil {
		t.Fatal(err)
	}
	r := res.Findings[1].Reachability
	if r == nil || r.Status != report.Unknown || !strings.Contains(r.Reason, "module cache") {
		t.Errorf("reachability = %+v, want unknown because of the module cache", r)
	}
}

func TestNoTargets(t *testing.T) {
	res := textResult()
	if err := Apply(context.Background(), res, []string{"testdata/advisories/GO-2020-0015.json"}, Options{Advisories: fixtureAdvisories(t)}); err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Findings[:3] {
		if f.Reachability == nil || f.Reachability.Status != report.Unknown {
			t.Errorf("%s: %+v, want unknown", f.ID, f.Reachability)
		}
	}
	if res.Findings[3].Reachability != nil {
		t.Errorf("npm finding got %+v", res.Findings[3].Reachability)
	}
}
