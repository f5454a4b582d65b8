package report_test

import (
	"bytes"
	"errors"
	"io"
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

// TestTextGolden compares the table and the Markdown report with the files in
// testdata/golden, rewritten with -update.
func TestTextGolden(t *testing.T) {
	for _, tc := range results(t) {
		golden(t, tc.name+".table.txt", render(t, wrap(report.WriteTable), tc.res))
		golden(t, tc.name+".md", render(t, wrap(report.WriteMarkdown), tc.res))
	}
}

// failingWriter fails every write.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestTextWriteError(t *testing.T) {
	for name, fn := range map[string]func(io.Writer, *report.Result) error{"table": report.WriteTable, "markdown": report.WriteMarkdown} {
		if err := fn(failingWriter{}, handMadeResult()); err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("%s: err = %v, want the writer's", name, err)
		}
	}
}
