package report_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/hallmark-dev/hallmark/report"
)

func TestTableReachability(t *testing.T) {
	res := &report.Result{Schema: report.Schema, Findings: []report.Finding{
		{ID: "GO-2022-1059", Package: report.Package{Ecosystem: "Go", Name: "golang.org/x/text", Version: "v0.3.2"}, Severity: report.Severity{Level: "high"},
			Reachability: &report.Reachability{Status: report.Unreachable, Reason: "imported, not called"}},
		{ID: "GO-2021-0113", Package: report.Package{Ecosystem: "Go", Name: "golang.org/x/text", Version: "v0.3.2"}, Severity: report.Severity{Level: "high"},
			Reachability: &report.Reachability{Status: report.Reachable}},
	}}
	var table, md bytes.Buffer
	if err := report.WriteTable(&table, res); err != nil {
		t.Fatal(err)
	}
	if err := report.WriteMarkdown(&md, res); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"[unreachable: imported, not called]", "[reachable]"} {
		if !strings.Contains(table.String(), want) || !strings.Contains(md.String(), want) {
			t.Errorf("%q missing:\n%s\n%s", want, table.String(), md.String())
		}
	}
}
