package dpkg

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hallmark-dev/hallmark/catalog/catalogtest"
)

// TestManyProviders checks that dependencies resolve through an index: a crafted database
// where every package provides the same name, and depends on it for an architecture none
// has, used to scan all providers for every dependency.
func TestManyProviders(t *testing.T) {
	const n = 30_000
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "Package: p%d\nStatus: install ok installed\nVersion: 1\nArchitecture: amd64\nProvides: x\nDepends: x:arm64, x:any, y\n\n", i)
	}
	b.WriteString("Package: y\nStatus: install ok installed\nVersion: 1\nArchitecture: all\nDepends: x\n")
	res, err := catalogtest.Bytes(t, &Cataloger{}, "var/lib/dpkg/status", []byte(b.String()))
	if err != nil || len(res.Packages) != n+1 {
		t.Fatalf("%d packages, %v", len(res.Packages), err)
	}
	// x:arm64 names no package, x:any the first provider (or none for itself), y by name.
	if got := strings.Join(res.Packages[0].DependsOn, ","); got != "y:all" {
		t.Errorf("p0 depends on %s, want y:all", got)
	}
	if got := strings.Join(res.Packages[7].DependsOn, ","); got != "p0:amd64,y:all" {
		t.Errorf("p7 depends on %s, want p0:amd64,y:all", got)
	}
	if got := strings.Join(res.Packages[n].DependsOn, ","); got != "p0:amd64" {
		t.Errorf("y depends on %s, want p0:amd64", got)
	}
}

// TestDuplicateIDs checks that repeated paragraphs get IDs that collide neither with each
// other nor with a package whose architecture looks like a suffix.
func TestDuplicateIDs(t *testing.T) {
	para := func(arch string) string {
		return "Package: a\nStatus: install ok installed\nVersion: 1\nArchitecture: " + arch + "\n\n"
	}
	in := para("amd64#1") + para("amd64") + para("amd64") + para("amd64")
	res, err := catalogtest.Bytes(t, &Cataloger{}, "var/lib/dpkg/status", []byte(in)) // Check fails on duplicate IDs
	if err != nil || len(res.Packages) != 4 {
		t.Fatalf("%v", err)
	}
	var got []string
	for _, p := range res.Packages {
		got = append(got, p.ID)
	}
	if want := "a:amd64#1,a:amd64,a:amd64#2,a:amd64#3"; strings.Join(got, ",") != want {
		t.Errorf("IDs %s, want %s", strings.Join(got, ","), want)
	}
}
