package reach

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hallmark-dev/hallmark/report"
)

func TestStatements(t *testing.T) {
	pkg := report.Package{Ecosystem: "Go", Name: "golang.org/x/text", Version: "v0.3.2", PURL: "pkg:golang/golang.org/x/text@v0.3.2"}
	res := &report.Result{Findings: []report.Finding{
		{ID: "GO-2022-1059", Advisories: []string{"GHSA-69ch-w2m2-3vjp", "GO-2022-1059"}, Aliases: []string{"CVE-2022-32149"}, Package: pkg,
			Reachability: &report.Reachability{Status: report.Unreachable, Symbols: []string{"golang.org/x/text/language.MatchStrings"}, Reason: "imported, not called"}},
		{ID: "GO-2021-0113", Package: pkg, Reachability: &report.Reachability{Status: report.Reachable}},
		// Unreachable in one module, undecided or reachable in another: the package is not
		// stated not_affected, which would hide the other finding too.
		{ID: "GO-2020-0015", Package: pkg, Reachability: &report.Reachability{Status: report.Unknown}},
		{ID: "GO-2020-0015", Package: pkg, Reachability: &report.Reachability{Status: report.Unreachable}},
		{ID: "GO-2021-0113", Package: pkg, Reachability: &report.Reachability{Status: report.Unreachable}},
		{ID: "GO-2020-0016", Package: pkg, Reachability: &report.Reachability{Status: report.Unreachable}},
		{ID: "GO-2020-0016", Package: pkg, Reachability: &report.Reachability{Status: report.Unreachable, Reason: "package not imported"}},
		{ID: "GHSA-npm", Package: report.Package{Ecosystem: "npm", PURL: "pkg:npm/x@1"}},
	}}
	got := Statements(res)
	want := []Statement{
		{Vulnerability: "GO-2020-0016", Product: pkg.PURL, Status: "not_affected", Justification: "vulnerable_code_not_in_execute_path",
			ImpactStatement: "Govulncheck's analysis finds that the vulnerable code of golang.org/x/text is not reachable from the program."},
		{Vulnerability: "GO-2022-1059", Aliases: []string{"CVE-2022-32149", "GHSA-69ch-w2m2-3vjp"}, Product: pkg.PURL, Status: "not_affected",
			Justification:   "vulnerable_code_not_in_execute_path",
			ImpactStatement: "Govulncheck's analysis finds that the vulnerable symbols golang.org/x/text/language.MatchStrings are not reachable from the program (imported, not called)."},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Statements (-want +got):\n%s", diff)
	}
}

func TestParseStream(t *testing.T) {
	const stream = `{"config":{"protocol_version":"v1.0.0","scan_level":"symbol","scan_mode":"source"}}
{"progress":{"message":"Scanning your code..."}}
{"SBOM":{"go_version":"go1.26","modules":[{"path":"example.com/m"},{"path":"golang.org/x/text","version":"v0.3.2"}],"roots":["example.com/m"]}}
{"osv":{"id":"GO-2021-0113"}}
{"finding":{"osv":"GO-2021-0113","fixed_version":"v0.3.7","trace":[{"module":"golang.org/x/text","version":"v0.3.2"}]}}
{"finding":{"osv":"GO-2021-0113","fixed_version":"v0.3.7","trace":[{"module":"golang.org/x/text","version":"v0.3.2","package":"golang.org/x/text/language"}]}}
{"finding":{"osv":"GO-2021-0113","fixed_version":"v0.3.7","trace":[{"module":"golang.org/x/text","version":"v0.3.2","package":"golang.org/x/text/language","function":"Parse"},{"module":"example.com/m","package":"example.com/m","function":"main"}]}}
{"finding":{"osv":"GO-2020-0015","trace":[{"module":"golang.org/x/text","version":"v0.3.2","package":"golang.org/x/text/encoding/unicode","function":"Transform","receiver":"*bomOverride"}]}}
{"finding":{"osv":"GO-2022-1059","trace":[{"module":"golang.org/x/text","version":"v0.3.2","package":"golang.org/x/text/language"}]}}
`
	o, err := parseStream(strings.NewReader(stream))
	if err != nil {
		t.Fatal(err)
	}
	k := func(id string) vulnKey { return vulnKey{id, "golang.org/x/text"} }
	if diff := cmp.Diff(map[vulnKey]int{k("GO-2021-0113"): levelSymbol, k("GO-2020-0015"): levelSymbol, k("GO-2022-1059"): levelPackage}, o.level,
		cmp.AllowUnexported(vulnKey{})); diff != "" {
		t.Errorf("levels (-want +got):\n%s", diff)
	}
	if got := o.reached[k("GO-2020-0015")]; !cmp.Equal(got, []string{"golang.org/x/text/encoding/unicode.bomOverride.Transform"}) {
		t.Errorf("reached = %q", got)
	}
	if o.modules["golang.org/x/text"] != "v0.3.2" || o.mode != "source" {
		t.Errorf("modules %v, mode %q", o.modules, o.mode)
	}
	for _, bad := range []string{"", `{"progress":{}}`, `{"config":`} {
		if _, err := parseStream(strings.NewReader(bad)); err == nil {
			t.Errorf("parseStream(%q) succeeded", bad)
		}
	}
}

func TestOfflineEnv(t *testing.T) {
	got := offlineEnv([]string{"HOME=/h", "GOPROXY=https://proxy.golang.org", "GOFLAGS=-mod=mod -trimpath", "GOTOOLCHAIN=auto"})
	want := []string{"HOME=/h", "GOPROXY=off", "GOTOOLCHAIN=local", "GOFLAGS=-trimpath"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("offlineEnv (-want +got):\n%s", diff)
	}
}
