package report

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hallmark-dev/hallmark/sbom"
)

// TestWriteJSONParallel checks that the result written in pieces gives, byte for byte, the
// document one encoder writes: with either long list (findings, inventory packages) or both,
// one of them empty, the findings last or followed by other fields, with strings that
// encoding/json escapes, and with "findings" and "packages" keys deeper in the document.
func TestWriteJSONParallel(t *testing.T) {
	for _, tc := range []struct {
		findings, packages int
		inventory          bool
	}{
		{findings: parallelItems + 123},
		{findings: parallelItems + 123, packages: 3, inventory: true},
		{findings: parallelItems, packages: parallelItems + 1, inventory: true},
		{findings: 0, packages: parallelItems + 300, inventory: true},
		{findings: 17, packages: parallelItems, inventory: true},
	} {
		r := &Result{Schema: Schema, Tool: Tool{Name: "hallmark", Version: "v1"}, Created: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
		for i := range tc.findings {
			r.Findings = append(r.Findings, Finding{
				ID: fmt.Sprintf("GHSA-%d", i), Advisories: []string{fmt.Sprintf("GHSA-%d", i)},
				Summary:  fmt.Sprintf("<b>&</b> \"findings\": [],\n  \"findings\": [] \u2028 é %d", i),
				Package:  Package{Ecosystem: "npm", Name: "p" + strings.Repeat("x", i%7), Version: "1.0.0"},
				Severity: Severity{Level: "high", Score: 7.5},
			})
		}
		if tc.inventory {
			r.Unmatched = []Unmatched{{Package: Package{Name: "findings"}, Reason: "no version"}}
			inv := &sbom.Inventory{}
			var pkgs []*sbom.Package
			for i := range tc.packages {
				pkgs = append(pkgs, &sbom.Package{
					ID: fmt.Sprintf("p%d", i), Name: "packages", Version: fmt.Sprint(i),
					Properties: map[string]string{"packages": "[]", "findings": "\n    \"packages\": []"},
				})
			}
			inv.Add(pkgs)
			r.Inventory = inv
		}
		var want, got bytes.Buffer
		if err := encodeIndented(&want, normalized(r), ""); err != nil {
			t.Fatal(err)
		}
		if err := writeJSONParallel(&got, r); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(want.Bytes(), got.Bytes()) {
			w, g := want.String(), got.String()
			i := 0
			for i < len(w) && i < len(g) && w[i] == g[i] {
				i++
			}
			t.Fatalf("%+v: outputs differ at byte %d of %d/%d:\n%q\n%q", tc, i, len(w), len(g), w[max(0, i-80):min(len(w), i+80)], g[max(0, i-80):min(len(g), i+80)])
		}
	}
}
