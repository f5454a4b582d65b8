package catalog_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/sbom"
)

// listCataloger reads "*.lst" files of "name version [dep...]" lines. It is a test cataloger
// with a trivial format, so the walk itself is what these tests exercise.
type listCataloger struct{}

var _ catalog.Cataloger = listCataloger{}

func (listCataloger) Name() string { return "list" }

func (listCataloger) Match(p string, _ fs.FileMode) bool { return path.Ext(p) == ".lst" }

func (listCataloger) Catalog(_ context.Context, f *catalog.File) (*catalog.Result, error) {
	res := &catalog.Result{}
	sc := bufio.NewScanner(f.Reader())
	for line := 1; sc.Scan(); line++ {
		fields := strings.Fields(sc.Text())
		if len(fields) == 1 && fields[0] == "panic" {
			panic("boom")
		}
		if len(fields) < 2 {
			return res, catalog.Errorf(f.Path, line, "want name and version")
		}
		res.Packages = append(res.Packages, &sbom.Package{
			ID: fields[0], Name: fields[0], Version: fields[1], PURL: sbom.PURL("generic", "", fields[0], fields[1]),
			Locations: []sbom.Location{{Path: f.Path, Line: line}}, DependsOn: fields[2:],
		})
	}
	return res, nil
}

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, body := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func walk(t *testing.T, root string, exclude ...string) *sbom.Inventory {
	t.Helper()
	inv := &sbom.Inventory{}
	err := catalog.WalkDir(context.Background(), root, inv, catalog.WalkOptions{Catalogers: []catalog.Cataloger{listCataloger{}}, Exclude: exclude})
	if err != nil {
		t.Fatal(err)
	}
	inv.Finalize()
	return inv
}

func summary(inv *sbom.Inventory) []string {
	var out []string
	for _, p := range inv.Packages {
		out = append(out, fmt.Sprintf("%s %s %v %v", p.ID, p.Locations[0], p.DependsOn, p.FoundBy))
	}
	return out
}

func TestWalkDir(t *testing.T) {
	root := writeTree(t, map[string]string{
		"a.lst":                 "x 1 y\ny 2\n",
		"sub/b.lst":             "x 1\n",
		"node_modules/c/c.lst":  "skipped 1\n",
		".git/d.lst":            "skipped 1\n",
		"vendor/e.lst":          "skipped 1\n",
		"testdata/f.lst":        "excluded 1\n",
		"deep/fixtures/x/g.lst": "excluded 1\n",
		"bad.lst":               "ok 1\nbroken\n",
		"crash.lst":             "panic\n",
		"other.txt":             "not offered\n",
	})
	inv := walk(t, root, "testdata", "**/fixtures/**")
	want := []string{
		"pkg:generic/ok@1 bad.lst:1 [] list",
		"pkg:generic/x@1?location=a.lst a.lst:1 [pkg:generic/y@2] list",
		"pkg:generic/x@1?location=sub/b.lst sub/b.lst:1 [] list",
		"pkg:generic/y@2 a.lst:2 [] list",
	}
	if diff := cmp.Diff(want, summary(inv)); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
	if len(inv.Errors) != 2 {
		t.Fatalf("errors = %v, want the malformed file and the crashing cataloger", inv.Errors)
	}
	if e := inv.Errors[0]; e.Path != "bad.lst" || e.Line != 2 || e.Cataloger != "list" {
		t.Errorf("error = %+v, want bad.lst line 2", e)
	}
	if e := inv.Errors[1]; e.Path != "crash.lst" || !strings.Contains(e.Err, "internal error") {
		t.Errorf("error = %+v, want the recovered panic of crash.lst", e)
	}
	// The same tree gives the same inventory.
	if diff := cmp.Diff(summary(inv), summary(walk(t, root, "testdata", "**/fixtures/**"))); diff != "" {
		t.Errorf("second walk differs:\n%s", diff)
	}
}

func TestWalkFile(t *testing.T) {
	root := writeTree(t, map[string]string{"a.lst": "x 1\n"})
	inv := &sbom.Inventory{}
	opts := catalog.WalkOptions{Catalogers: []catalog.Cataloger{listCataloger{}}}
	if err := catalog.WalkFile(context.Background(), filepath.Join(root, "a.lst"), inv, opts); err != nil {
		t.Fatal(err)
	}
	if len(inv.Packages) != 1 || inv.Packages[0].Locations[0].Path != "a.lst" {
		t.Errorf("packages = %+v", inv.Packages)
	}
	other := filepath.Join(root, "x.txt")
	os.WriteFile(other, []byte("x"), 0o644)
	if err := catalog.WalkFile(context.Background(), other, inv, opts); err == nil || !strings.Contains(err.Error(), "no cataloger") {
		t.Errorf("WalkFile of an unknown file: err = %v", err)
	}
}

func TestRootFS(t *testing.T) {
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "secret"), []byte("host"), 0o644)
	root := writeTree(t, map[string]string{"usr/lib/os-release": "ID=inside\n", "etc/x": ""})
	os.Symlink("/usr/lib/os-release", filepath.Join(root, "etc/os-release"))
	os.Symlink(filepath.Join(outside, "secret"), filepath.Join(root, "etc/abs-out"))
	os.Symlink("../../../../../../../../"+outside+"/secret", filepath.Join(root, "etc/rel-out"))
	os.Symlink("loop", filepath.Join(root, "etc/loop"))
	fsys, err := catalog.RootFS(root)
	if err != nil {
		t.Fatal(err)
	}
	b, err := fs.ReadFile(fsys, "etc/os-release")
	if err != nil || string(b) != "ID=inside\n" {
		t.Errorf("absolute link inside the root: %q, %v", b, err)
	}
	lfs := fsys.(fs.ReadLinkFS)
	if st, err := lfs.Lstat("etc/os-release"); err != nil || st.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("Lstat(etc/os-release) = %v, %v; want the link itself", st, err)
	}
	if l, err := lfs.ReadLink("etc/os-release"); err != nil || l != "/usr/lib/os-release" {
		t.Errorf("ReadLink = %q, %v", l, err)
	}
	for _, name := range []string{"etc/abs-out", "etc/rel-out", "etc/loop", "../x"} {
		if b, err := fs.ReadFile(fsys, name); err == nil {
			t.Errorf("ReadFile(%s) = %q, want an error (the link leads outside the root or loops)", name, b)
		}
	}
}

func TestWalkErrorPositions(t *testing.T) {
	root := writeTree(t, map[string]string{"a/x.lst": "ok 1\nbroken\n"})
	inv := walk(t, root)
	if len(inv.Errors) != 1 {
		t.Fatalf("errors = %v", inv.Errors)
	}
	// The message does not repeat the path the error is reported with.
	if got := inv.Errors[0].String(); got != "a/x.lst:2: want name and version" {
		t.Errorf("error = %q", got)
	}
}

func TestMatchGlob(t *testing.T) {
	for _, c := range []struct {
		pat, rel string
		want     bool
	}{
		{"testdata", "a/testdata/x.json", true},
		{"testdata", "a/testdata2/x.json", false},
		{"*.lock", "a/b/yarn.lock", true},
		{"examples/*/package-lock.json", "examples/a/package-lock.json", true},
		{"examples/*/package-lock.json", "x/examples/a/package-lock.json", false},
		{"**/fixtures/**", "a/b/fixtures/c/d", true},
		{"**/fixtures", "fixtures", true},
		{"./build/", "build/x", true},
	} {
		if got := catalog.MatchGlob(c.pat, c.rel); got != c.want {
			t.Errorf("MatchGlob(%q, %q) = %v, want %v", c.pat, c.rel, got, c.want)
		}
	}
}

func BenchmarkWalkDir(b *testing.B) {
	root := b.TempDir()
	for i := 0; i < 2000; i++ {
		p := filepath.Join(root, fmt.Sprintf("d%d/e%d", i%50, i%7))
		os.MkdirAll(p, 0o755)
		os.WriteFile(filepath.Join(p, fmt.Sprintf("f%d.txt", i)), []byte("x"), 0o644)
		if i%10 == 0 {
			os.WriteFile(filepath.Join(p, fmt.Sprintf("f%d.lst", i)), []byte("a 1\nb 2 a\n"), 0o644)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		inv := &sbom.Inventory{}
		if err := catalog.WalkDir(context.Background(), root, inv, catalog.WalkOptions{Catalogers: []catalog.Cataloger{listCataloger{}}}); err != nil {
			b.Fatal(err)
		}
	}
}

// binCataloger stands for the binary catalogers: it wants executables and finds nothing in
// files that are not its kind of binary.
type binCataloger struct{}

func (binCataloger) Name() string                       { return "bin" }
func (binCataloger) Match(_ string, m fs.FileMode) bool { return m.Perm()&0o111 != 0 }
func (binCataloger) Catalog(_ context.Context, f *catalog.File) (*catalog.Result, error) {
	b, err := f.ReadAll(1 << 20)
	if err != nil || !strings.HasPrefix(string(b), "BIN ") {
		return &catalog.Result{}, nil
	}
	name := strings.TrimSpace(strings.TrimPrefix(string(b), "BIN "))
	return &catalog.Result{Packages: []*sbom.Package{{ID: name, Name: name, PURL: sbom.PURL("generic", "", name, "")}}}, nil
}

// TestWalkFileUnknown checks that a file offered only as a possible binary, in which no binary
// cataloger finds anything (an empty file, a text file), is an error rather than an empty
// SBOM, while a binary copied without its mode bits is still read.
func TestWalkFileUnknown(t *testing.T) {
	root := writeTree(t, map[string]string{"empty": "", "notes.txt": "hello\n", "tool": "BIN tool\n"})
	opts := catalog.WalkOptions{Catalogers: []catalog.Cataloger{listCataloger{}, binCataloger{}}}
	for _, name := range []string{"empty", "notes.txt"} {
		inv := &sbom.Inventory{}
		err := catalog.WalkFile(context.Background(), filepath.Join(root, name), inv, opts)
		if !errors.Is(err, catalog.ErrUnsupported) {
			t.Errorf("WalkFile(%s) = %v, want ErrUnsupported", name, err)
		}
	}
	inv := &sbom.Inventory{}
	if err := catalog.WalkFile(context.Background(), filepath.Join(root, "tool"), inv, opts); err != nil || len(inv.Packages) != 1 {
		t.Errorf("WalkFile(tool) = %v, packages %v; want the binary's package", err, inv.Packages)
	}
}

// TestWalkSkipsFIFO checks that a FIFO named like a lockfile neither hangs the walk nor is
// parsed.
func TestWalkSkipsFIFO(t *testing.T) {
	root := writeTree(t, map[string]string{"a.lst": "x 1\n"})
	if err := mkfifo(filepath.Join(root, "b.lst")); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	inv := walk(t, root)
	if len(inv.Packages) != 1 {
		t.Errorf("packages = %d, want 1", len(inv.Packages))
	}
}

func TestExcludeTooManyDoubleStars(t *testing.T) {
	root := writeTree(t, map[string]string{"a.lst": "x 1\n"})
	inv := &sbom.Inventory{}
	err := catalog.WalkDir(context.Background(), root, inv, catalog.WalkOptions{Catalogers: []catalog.Cataloger{listCataloger{}}, Exclude: []string{"**/a/**/b/**/c/**/d/**"}})
	if err == nil || !strings.Contains(err.Error(), "at most") {
		t.Errorf("err = %v, want the pattern refused", err)
	}
}
