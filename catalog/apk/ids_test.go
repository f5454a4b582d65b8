package apk

import (
	"strings"
	"testing"

	"github.com/hallmark-dev/hallmark/catalog/catalogtest"
)

// TestDuplicateIDs checks that repeated entries get IDs that collide neither with each other
// nor with a package whose name looks like a suffix ("a#1").
func TestDuplicateIDs(t *testing.T) {
	in := "P:a#1\nV:1\n\nP:a\nV:1\n\nP:a\nV:2\n\nP:a\nV:3\n"
	res, err := catalogtest.Bytes(t, &Cataloger{}, installed, []byte(in)) // Check fails on duplicate IDs
	if err != nil || len(res.Packages) != 4 {
		t.Fatalf("%v", err)
	}
	var got []string
	for _, p := range res.Packages {
		got = append(got, p.ID)
	}
	if want := "a#1,a,a#2,a#3"; strings.Join(got, ",") != want {
		t.Errorf("IDs %s, want %s", strings.Join(got, ","), want)
	}
}
