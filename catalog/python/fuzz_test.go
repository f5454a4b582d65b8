package python

import (
	"io/fs"
	"os"
	"path"
	"strings"
	"testing"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/catalog/catalogtest"
)

// fuzz seeds f with every testdata file the cataloger matches and checks that cataloging
// arbitrary bytes never panics and fails only with catalog errors.
func fuzz(f *testing.F, c catalog.Cataloger, rel string, match func(string) bool) {
	err := fs.WalkDir(os.DirFS("testdata"), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !match(p) {
			return err
		}
		data, err := os.ReadFile(path.Join("testdata", p))
		if err == nil {
			f.Add(data)
		}
		return err
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := catalogtest.Bytes(t, c, rel, data)
		if err != nil && !catalogtest.IsMalformed(err) && !isNotExist(err) {
			t.Errorf("error of an unexpected kind: %v", err)
		}
	})
}

func byBase(names ...string) func(string) bool {
	return func(p string) bool {
		for _, n := range names {
			if path.Base(p) == n {
				return true
			}
		}
		return false
	}
}

func FuzzRequirements(f *testing.F) {
	c := &RequirementsCataloger{}
	fuzz(f, c, "requirements.txt", func(p string) bool {
		return strings.HasPrefix(p, "requirements/") && (strings.HasSuffix(p, ".txt") || strings.HasSuffix(p, ".in"))
	})
}

func FuzzPoetryLock(f *testing.F) {
	fuzz(f, &PoetryLockCataloger{}, "poetry.lock", byBase("poetry.lock", "pyproject.toml"))
}

func FuzzPipfileLock(f *testing.F) {
	fuzz(f, &PipfileLockCataloger{}, "Pipfile.lock", byBase("Pipfile.lock"))
}

func FuzzUVLock(f *testing.F) {
	fuzz(f, &UVLockCataloger{}, "uv.lock", byBase("uv.lock"))
}

func FuzzPDMLock(f *testing.F) {
	fuzz(f, &PDMLockCataloger{}, "pdm.lock", byBase("pdm.lock"))
}

func FuzzInstalled(f *testing.F) {
	c := &InstalledCataloger{}
	fuzz(f, c, "lib/site-packages/x-1.0.dist-info/METADATA", func(p string) bool { return c.Match(p, 0) })
}
