package python

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/catalog/catalogtest"
)

// sameName returns a file of n entries of one name, each depending on that name, written by
// entry: the case where linking by name is quadratic.
func sameName(head string, n int, entry string) []byte {
	var b strings.Builder
	b.WriteString(head)
	for i := range n {
		fmt.Fprintf(&b, entry, i)
	}
	return []byte(b.String())
}

// TestGraphLimit checks that edges found by name are made once each and that a hostile file
// whose edges grow with the square of its entries fails with ErrTooLarge after maxEdges
// attempts, keeping its packages.
func TestGraphLimit(t *testing.T) {
	defer func(old int) { maxEdges = old }(maxEdges)
	maxEdges = 1000
	lockFiles := []struct {
		c          catalog.Cataloger
		rel        string
		head, item string
	}{
		{&PoetryLockCataloger{}, "poetry.lock", "", "[[package]]\nname = \"a\"\nversion = \"1.%d\"\n\n[package.dependencies]\na = \"*\"\nA = \"*\"\n\n"},
		{&PDMLockCataloger{}, "pdm.lock", "[metadata]\nlock_version = \"4.4\"\n\n", "[[package]]\nname = \"a\"\nversion = \"1.%d\"\ndependencies = [\"a\", \"A>=1\"]\n\n"},
		{&UVLockCataloger{}, "uv.lock", "version = 1\n\n", "[[package]]\nname = \"a\"\nversion = \"1.%d\"\nsource = { registry = \"https://pypi.org/simple\" }\ndependencies = [{ name = \"a\" }, { name = \"A\" }]\n\n"},
	}
	for _, tc := range lockFiles {
		t.Run(tc.rel, func(t *testing.T) {
			// 15 entries: at most 15·2·15 edge attempts (and as many candidates looked at),
			// within the limit; every entry depends on the 14 others once.
			res, err := catalogtest.Bytes(t, tc.c, tc.rel, sameName(tc.head, 15, tc.item))
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range res.Packages {
				if len(p.DependsOn) != 14 {
					t.Fatalf("%s depends on %d packages, want 14: %v", p.ID, len(p.DependsOn), p.DependsOn)
				}
			}
			// 100 entries: 20,000 attempts.
			res, err = catalogtest.Bytes(t, tc.c, tc.rel, sameName(tc.head, 100, tc.item))
			if !errors.Is(err, catalog.ErrTooLarge) {
				t.Fatalf("error %v, want ErrTooLarge", err)
			}
			if len(res.Packages) != 100 {
				t.Errorf("%d packages kept, want 100", len(res.Packages))
			}
		})
	}

	t.Run("installed", func(t *testing.T) {
		fsys := fstest.MapFS{}
		for i := range 100 {
			fsys[fmt.Sprintf("site/a%03d.dist-info/METADATA", i)] = &fstest.MapFile{
				Data: fmt.Appendf(nil, "Name: a\nVersion: 1.%d\nRequires-Dist: a\n", i)}
		}
		rel := "site/a000.dist-info/METADATA"
		data := fsys[rel].Data
		f := &catalog.File{Path: rel, Size: int64(len(data)), Mode: 0o644, R: bytes.NewReader(data), FS: fsys}
		res, err := (&InstalledCataloger{}).Catalog(context.Background(), f)
		catalogtest.Check(t, rel, res)
		if !errors.Is(err, catalog.ErrTooLarge) || len(res.Packages) != 100 {
			t.Errorf("error %v with %d packages, want ErrTooLarge with 100", err, len(res.Packages))
		}
	})

	t.Run("requirements", func(t *testing.T) {
		// pip-compile names each requirement once: a "# via" parent is the first line of
		// that name, so the edges stay linear (the old code linked every pair).
		data := sameName("", 500, "a==1.%d\n    # via a, a\n")
		res, err := catalogtest.Bytes(t, &RequirementsCataloger{}, "requirements.txt", data)
		if err != nil {
			t.Fatal(err)
		}
		edges := 0
		for _, p := range res.Packages {
			edges += len(p.DependsOn)
		}
		if first := res.Packages[0]; edges != 499 || len(first.DependsOn) != 499 {
			t.Errorf("%d edges, %d from the first line; want 499 from the first line", edges, len(first.DependsOn))
		}
	})
}
