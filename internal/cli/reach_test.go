package cli_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/hallmark-dev/hallmark/internal/cli"
	"github.com/hallmark-dev/hallmark/report"
)

// TestScanReachability runs 'hallmark scan --reachability' on the test module of package reach
// that calls golang.org/x/text/language.Parse, against that package's advisories.
func TestScanReachability(t *testing.T) {
	t.Setenv("HALLMARK_DB", "")
	var stdout, stderr bytes.Buffer
	code := cli.Main(context.Background(), []string{"scan", "--quiet", "--reachability", "--format", "json",
		"--advisories", "../../reach/testdata/advisories", "../../reach/testdata/calls"}, nil, &stdout, &stderr)
	if code != cli.ExitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	res, err := report.ReadJSON(&stdout)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*report.Reachability{}
	for _, f := range res.Findings {
		got[f.ID] = f.Reachability
	}
	if len(got) != 3 {
		t.Fatalf("findings %v, want GO-2020-0015, GO-2021-0113 and GO-2022-1059", got)
	}
	for id, r := range got {
		if r == nil {
			t.Fatalf("%s has no reachability", id)
		}
		if r.Status == report.Unknown {
			if strings.Contains(r.Reason, "without govulncheck") || strings.Contains(r.Reason, "module cache") {
				t.Skipf("no analysis here: %s", r.Reason)
			}
			t.Fatalf("%s: unknown: %s", id, r.Reason)
		}
	}
	if got["GO-2021-0113"].Status != report.Reachable || got["GO-2022-1059"].Status != report.Unreachable || got["GO-2020-0015"].Status != report.Unreachable {
		t.Errorf("reachability = %+v %+v %+v, want reachable, unreachable, unreachable",
			got["GO-2021-0113"], got["GO-2022-1059"], got["GO-2020-0015"])
	}
}
