package golang

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func fsMode(m uint32) fs.FileMode { return fs.FileMode(m) }

func readTestdata(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
