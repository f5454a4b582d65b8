package vex

import (
	"os"
	"path/filepath"
	"testing"
)

func seed(f *testing.F) {
	names, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, n := range names {
		if b, err := os.ReadFile(n); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{}]}`))
}

// FuzzParseOpenVEX: any input gives statements or an error, never a panic, and what parses
// converts.
func FuzzParseOpenVEX(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		doc, err := ParseOpenVEX(b)
		if err != nil {
			return
		}
		var set Set
		set.Add(OpenVEXStatements(doc, "fuzz")...)
		set.Effective([]string{"CVE-2021-23337"}, []string{"pkg:npm/lodash@4.17.20"}, []string{"sha256:abc"})
		Merge([]*Document{doc, doc}, "", t0)
	})
}

func FuzzParseCSAF(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		sts, err := ParseCSAF(b, "fuzz")
		if err != nil {
			return
		}
		for i := range sts {
			if err := sts[i].check(); err != nil {
				t.Fatalf("statement %d passed parsing but is invalid: %v", i, err)
			}
		}
	})
}

func FuzzParse(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		Parse(b, "fuzz")
	})
}
