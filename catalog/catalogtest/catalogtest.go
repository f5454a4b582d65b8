// Package catalogtest helps test catalogers on real files: it offers a file from a testdata
// directory exactly as the walker would, and checks the invariants every cataloger keeps.
package catalogtest

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hallmark-dev/hallmark/catalog"
)

// Open returns the file at rel (slash-separated) inside root as a catalog.File whose FS is root,
// as the directory walker offers it.
func Open(t testing.TB, root, rel string) *catalog.File {
	t.Helper()
	full := filepath.Join(root, filepath.FromSlash(rel))
	f, err := os.Open(full)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	return &catalog.File{Path: rel, Size: st.Size(), Mode: st.Mode(), R: f, OSPath: full, FS: os.DirFS(root)}
}

// Run catalogs rel inside root with c, checks that c.Match accepts the path, and returns the
// result and error. It fails the test when an invariant does not hold (see Check).
func Run(t testing.TB, c catalog.Cataloger, root, rel string) (*catalog.Result, error) {
	t.Helper()
	f := Open(t, root, rel)
	if !c.Match(rel, f.Mode) {
		t.Errorf("%s.Match(%q) = false, want true", c.Name(), rel)
	}
	res, err := c.Catalog(context.Background(), f)
	Check(t, rel, res)
	return res, err
}

// Bytes catalogs data as if it were a file at rel, with no neighbouring files. Fuzz targets use
// it: it must never panic, and a result must keep the invariants.
func Bytes(t testing.TB, c catalog.Cataloger, rel string, data []byte) (*catalog.Result, error) {
	t.Helper()
	f := &catalog.File{Path: rel, Size: int64(len(data)), Mode: 0o644, R: strings.NewReader(string(data)), FS: emptyFS{}}
	res, err := c.Catalog(context.Background(), f)
	Check(t, rel, res)
	return res, err
}

// Check verifies the invariants of a result: every package has a name and a purl, IDs are
// unique, and every DependsOn names a package of the result.
func Check(t testing.TB, rel string, res *catalog.Result) {
	t.Helper()
	if res == nil {
		return
	}
	ids := map[string]bool{}
	for _, p := range res.Packages {
		if p == nil {
			t.Errorf("%s: nil package", rel)
			continue
		}
		if p.Name == "" {
			t.Errorf("%s: package without name: %+v", rel, p)
		}
		if p.PURL == "" {
			t.Errorf("%s: package %s without purl", rel, p.Name)
		}
		if p.ID != "" {
			if ids[p.ID] {
				t.Errorf("%s: duplicate package ID %q", rel, p.ID)
			}
			ids[p.ID] = true
		}
	}
	for _, p := range res.Packages {
		if p == nil {
			continue
		}
		for _, d := range p.DependsOn {
			if !ids[d] {
				t.Errorf("%s: package %s depends on unknown ID %q", rel, p.ID, d)
			}
		}
	}
}

type emptyFS struct{}

func (emptyFS) Open(name string) (fs.File, error) {
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

// IsMalformed reports whether err is a malformed-input or limit error, the only kinds a
// cataloger may return for hostile bytes.
func IsMalformed(err error) bool {
	return errors.Is(err, catalog.ErrMalformed) || errors.Is(err, catalog.ErrTooLarge) ||
		errors.Is(err, catalog.ErrUnsupported) || errors.Is(err, catalog.ErrInsecurePath)
}
