package cargo

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/catalog/catalogtest"
)

// TestDottedKeys checks that long dotted keys are refused before decoding: the TOML decoder
// takes time quadratic in their parts (100 000 parts took minutes).
func TestDottedKeys(t *testing.T) {
	for _, in := range []string{
		strings.Repeat("a.", 100_000) + "b = 1\n",
		"[" + strings.Repeat("a.", 100_000) + "b]\n",
		"x = {" + strings.Repeat("a.", 100_000) + "b = 1}\n",
	} {
		_, err := catalogtest.Bytes(t, &LockCataloger{}, "Cargo.lock", []byte(in))
		if !errors.Is(err, catalog.ErrTooLarge) || !strings.Contains(err.Error(), "Cargo.lock:1:") {
			t.Errorf("%.20q…: error %v, want a limit error at line 1", in, err)
		}
	}
	// Dotted keys within the limit, and dots in values, are fine.
	ok := "version = 3\n" + strings.Repeat("a.", 10) + "b = [1.5, 2.5, \"x.y.z\"]\n\n[[package]]\nname = \"a\"\nversion = \"1.2.3\"\n"
	if res, err := catalogtest.Bytes(t, &LockCataloger{}, "Cargo.lock", []byte(ok)); err != nil || len(res.Packages) != 1 {
		t.Errorf("valid dotted keys: %v", err)
	}
}

// TestManySameName checks that dependency references are resolved through an index: a
// crafted file with many versions of one crate, all referenced, used to take time quadratic
// in their number (7 s for 20 000 on the CI machine).
func TestManySameName(t *testing.T) {
	const n = 20_000
	var b strings.Builder
	b.WriteString("version = 3\n")
	for i := range n {
		fmt.Fprintf(&b, "[[package]]\nname = \"a\"\nversion = \"%d\"\nsource = %q\n", i, crates)
	}
	b.WriteString("[[package]]\nname = \"root\"\nversion = \"1\"\ndependencies = [\n")
	for i := range n {
		fmt.Fprintf(&b, "\"a %d\",\n\"a %d (%s)\",\n", i, i, crates)
	}
	b.WriteString("]\n")
	start := time.Now()
	res, err := catalogtest.Bytes(t, &LockCataloger{}, "Cargo.lock", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	root := byID(res)["root 1"]
	if root == nil || len(root.DependsOn) != 2*n || root.DependsOn[n-1] != reg("a", fmt.Sprint(n/2-1)) {
		t.Fatalf("root edges wrong")
	}
	t.Logf("%d packages in %v", len(res.Packages), time.Since(start))
}

// TestDuplicateIDs checks that repeated entries get IDs that collide neither with each other
// nor with an entry whose version looks like a suffix.
func TestDuplicateIDs(t *testing.T) {
	in := "[[package]]\nname = \"a\"\nversion = \"1#2\"\n" +
		strings.Repeat("[[package]]\nname = \"a\"\nversion = \"1\"\n", 3)
	res, err := catalogtest.Bytes(t, &LockCataloger{}, "Cargo.lock", []byte(in)) // Check fails on duplicate IDs
	if err != nil || len(res.Packages) != 4 {
		t.Fatalf("got %d packages, %v", len(res.Packages), err)
	}
	var got []string
	for _, p := range res.Packages {
		got = append(got, p.ID)
	}
	if want := "a 1#2,a 1,a 1#3,a 1#4"; strings.Join(got, ",") != want {
		t.Errorf("IDs %s, want %s", strings.Join(got, ","), want)
	}
}

func TestRefWithoutVersion(t *testing.T) {
	in := "[[package]]\nname = \"app\"\nversion = \"1\"\ndependencies = [\"a  (" + crates + ")\"]\n"
	_, err := catalogtest.Bytes(t, &LockCataloger{}, "Cargo.lock", []byte(in))
	if !errors.Is(err, catalog.ErrMalformed) || !strings.Contains(err.Error(), "Cargo.lock:1:") {
		t.Errorf("error %v, want a ParseError at line 1", err)
	}
}
