package osv

import (
	"archive/zip"
	"os"
	"path/filepath"
	"testing"
)

// TestSharedCorpus parses every advisory of ../shared/data/osv (real advisories of seven
// ecosystems); every one must be valid.
func TestSharedCorpus(t *testing.T) {
	zips, _ := filepath.Glob(filepath.Join("..", "..", "shared", "data", "osv", "*", "all.zip"))
	if len(zips) == 0 {
		t.Skip("../shared/data/osv is not present; skipping the corpus test")
	}
	total := 0
	for _, z := range zips {
		r, err := zip.OpenReader(z)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range r.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Decode(rc); err != nil {
				t.Errorf("%s/%s: %v", filepath.Base(filepath.Dir(z)), f.Name, err)
			}
			rc.Close()
			total++
		}
		r.Close()
	}
	t.Logf("%d advisories parsed", total)
	if total < 1000 {
		t.Errorf("only %d advisories in the corpus", total)
	}
	_ = os.Stderr
}
