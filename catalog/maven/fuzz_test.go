package maven

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/catalog/catalogtest"
)

// seed adds every file of testdata whose name satisfies keep to the corpus of f.
func seed(f *testing.F, keep func(string) bool) {
	err := filepath.WalkDir("testdata", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !keep(p) {
			return err
		}
		data, err := os.ReadFile(p)
		if err == nil {
			f.Add(data)
		}
		return err
	})
	if err != nil {
		f.Fatal(err)
	}
}

// fuzz catalogs data as rel with c: it must not panic, and errors must be of the kinds a
// cataloger may return for hostile input.
func fuzz(t *testing.T, c catalog.Cataloger, rel string, data []byte) {
	_, err := catalogtest.Bytes(t, c, rel, data)
	if err != nil && !catalogtest.IsMalformed(err) {
		t.Fatalf("error of unexpected kind: %v", err)
	}
}

func FuzzPom(f *testing.F) {
	seed(f, func(p string) bool { return strings.HasSuffix(p, ".xml") })
	f.Fuzz(func(t *testing.T, data []byte) { fuzz(t, &PomCataloger{}, "pom.xml", data) })
}

func FuzzGradleLock(f *testing.F) {
	seed(f, func(p string) bool { return strings.HasSuffix(p, ".lockfile") })
	f.Fuzz(func(t *testing.T, data []byte) { fuzz(t, &GradleLockCataloger{}, "gradle.lockfile", data) })
}

func FuzzArchive(f *testing.F) {
	seed(f, func(p string) bool { return archiveExt(p) != "" })
	f.Fuzz(func(t *testing.T, data []byte) { fuzz(t, &ArchiveCataloger{}, "app-1.0.war", data) })
}
