package php

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/catalog/catalogtest"
)

// TestEdgeLimit checks that a crafted lockfile where many packages provide a name and
// require it cannot make the graph quadratic (10 000 such entries used to give 100 million
// edges and take most of a minute).
func TestEdgeLimit(t *testing.T) {
	const n = 2100 // n*n just exceeds maxEdges
	var b strings.Builder
	b.WriteString(`{"packages":[`)
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `{"name":"a/a%d","version":"1","provide":{"x/x":"1"},"require":{"x/x":"*"}}`, i)
	}
	b.WriteString("]}")
	res, err := catalogtest.Bytes(t, &LockCataloger{}, "composer.lock", []byte(b.String()))
	if !errors.Is(err, catalog.ErrTooLarge) || !strings.Contains(err.Error(), "composer.lock:") {
		t.Fatalf("error %v, want a limit error naming the file", err)
	}
	edges := 0
	for _, p := range res.Packages {
		edges += len(p.DependsOn)
	}
	if len(res.Packages) != n || edges > maxEdges {
		t.Errorf("%d packages, %d edges; want %d packages and at most %d edges", len(res.Packages), edges, n, maxEdges)
	}
}

// TestDuplicateIDs checks that an entry repeated three times gets three distinct IDs (the
// third used to reuse the second's "#2").
func TestDuplicateIDs(t *testing.T) {
	in := `{"packages":[{"name":"a/a","version":"1#2"},{"name":"a/a","version":"1"},{"name":"a/a","version":"1"},{"name":"a/a","version":"1"}]}`
	res, err := catalogtest.Bytes(t, &LockCataloger{}, "composer.lock", []byte(in)) // Check fails on duplicate IDs
	if err != nil || len(res.Packages) != 4 {
		t.Fatalf("%v", err)
	}
	var got []string
	for _, p := range res.Packages {
		got = append(got, p.ID)
	}
	if want := "a/a@1#2,a/a@1,a/a@1#3,a/a@1#4"; strings.Join(got, ",") != want {
		t.Errorf("IDs %s, want %s", strings.Join(got, ","), want)
	}
}

// TestDeepManifest checks that a composer.json nested too deeply is reported while the
// lockfile's packages are kept.
func TestDeepManifest(t *testing.T) {
	lock := `{"packages":[{"name":"a/a","version":"1"}]}`
	fsys := fstest.MapFS{
		"composer.lock": {Data: []byte(lock)},
		"composer.json": {Data: []byte(`{"extra": ` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + "}")},
	}
	f := &catalog.File{Path: "composer.lock", Size: int64(len(lock)), Mode: 0o644, R: strings.NewReader(lock), FS: fsys}
	res, err := (&LockCataloger{}).Catalog(t.Context(), f)
	if !errors.Is(err, catalog.ErrTooLarge) || !strings.Contains(err.Error(), "composer.json") {
		t.Errorf("error %v, want a limit error naming composer.json", err)
	}
	if res == nil || len(res.Packages) != 1 {
		t.Errorf("the lockfile's packages were lost: %v", res)
	}
}
