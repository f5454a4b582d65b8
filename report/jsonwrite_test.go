package report

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hallmark-dev/hallmark/sbom"
)

// TestWriteJSONParallel checks that the findings encoded on all cores give, byte for byte,
// the document one encoder writes: with the findings last or followed by other fields, with
// strings that encoding/json escapes, and with a findings key deeper in the document.
func TestWriteJSONParallel(t *testing.T) {
	for _, tail := range []bool{false, true} {
		r := &Result{Schema: Schema, Tool: Tool{Name: "hallmark", Version: "v1"}, Created: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
		for i := range parallelFindings + 123 {
			r.Findings = append(r.Findings, Finding{
				ID: fmt.Sprintf("GHSA-%d", i), Advisories: []string{fmt.Sprintf("GHSA-%d", i)},
				Summary:  fmt.Sprintf("<b>&</b> \"findings\": [],\n  \"findings\": [] \u2028 é %d", i),
				Package:  Package{Ecosystem: "npm", Name: "p" + strings.Repeat("x", i%7), Version: "1.0.0"},
				Severity: Severity{Level: "high", Score: 7.5},
			})
		}
		if tail {
			r.Unmatched = []Unmatched{{Package: Package{Name: "findings"}, Reason: "no version"}}
			inv := &sbom.Inventory{}
			inv.Add([]*sbom.Package{{ID: "a", Name: "findings", Version: "1", Properties: map[string]string{"findings": "[]"}}})
			r.Inventory = inv
		}
		var want, got bytes.Buffer
		if err := encodeIndented(&want, normalized(r), ""); err != nil {
			t.Fatal(err)
		}
		if err := WriteJSON(&got, r); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(want.Bytes(), got.Bytes()) {
			w, g := want.String(), got.String()
			i := 0
			for i < len(w) && i < len(g) && w[i] == g[i] {
				i++
			}
			t.Fatalf("tail %v: outputs differ at byte %d of %d/%d:\n%q\n%q", tail, i, len(w), len(g), w[max(0, i-80):min(len(w), i+80)], g[max(0, i-80):min(len(g), i+80)])
		}
	}
}
