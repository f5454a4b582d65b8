package spdx

import (
	"bytes"
	"flag"
	"os"
	"testing"

	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/tagvalue"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestGolden pins the exact output for the rich inventory; run with -update after an
// intended change and review the diff.
func TestGolden(t *testing.T) {
	for name, tv := range map[string]bool{"rich.spdx.json": false, "rich.spdx": true} {
		t.Run(name, func(t *testing.T) {
			got := encode(t, richInventory(), options(tv))
			path := "testdata/golden/" + name
			if *update {
				if err := os.MkdirAll("testdata/golden", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s (run go test -update and review the diff)", path)
			}
			// tools-golang's own readers (not only Decode) accept the output.
			if tv {
				_, err = tagvalue.Read(bytes.NewReader(got))
			} else {
				_, err = spdxjson.Read(bytes.NewReader(got))
			}
			if err != nil {
				t.Errorf("tools-golang cannot read the output: %v", err)
			}
		})
	}
}
