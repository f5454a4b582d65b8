// Repository hygiene, run by go test ./... like any other test: formatting, vet, a tidy
// go.mod, package documentation, and a deny-list of imports.
package hallmark_test

import (
	"bytes"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"
)

// goFiles returns the non-generated Go files of the repository, by directory.
func goFiles(t *testing.T) map[string][]string {
	t.Helper()
	dirs := map[string][]string{}
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		// Generated benchmark corpora (bench/corpus, git-ignored) are not source.
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") || p == filepath.Join("bench", "corpus")) && p != "." {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, ".go") {
			dirs[filepath.Dir(p)] = append(dirs[filepath.Dir(p)], p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return dirs
}

func TestGofmt(t *testing.T) {
	var files []string
	for _, fs := range goFiles(t) {
		files = append(files, fs...)
	}
	out, err := exec.Command("gofmt", append([]string{"-l"}, files...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("gofmt: %v\n%s", err, out)
	}
	if len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("files need gofmt -w:\n%s", out)
	}
}

// TestGoModRequirementsUsed checks that every module go.mod requires is needed by the main
// module (go mod why -m). A full "go mod tidy" cannot run here: it resolves the test
// dependencies of dependencies, and the module proxy refuses some of their versions.
func TestGoModRequirementsUsed(t *testing.T) {
	data, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	f, err := modfile.Parse("go.mod", data, nil)
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"mod", "why", "-m"}
	for _, r := range f.Require {
		args = append(args, r.Mod.Path)
	}
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=-mod=mod")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Skipf("go mod why needs modules missing from the local cache: %v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if m, ok := strings.CutPrefix(line, "(main module does not need module "); ok {
			t.Errorf("go.mod requires %s, which nothing uses: remove it (go mod edit -droprequire)", strings.TrimSuffix(m, ")"))
		}
	}
}

// deniedImports are imports the project does not use, with the reason.
var deniedImports = map[string]string{
	"io/ioutil":                   "deprecated: use io and os",
	"github.com/pkg/errors":       "use the standard errors package and %w",
	"github.com/stretchr/testify": "use go-cmp and plain tests (STYLE.md)",
	"github.com/golang/mock":      "use fakes, not mocks (STYLE.md)",
	"go.uber.org/mock":            "use fakes, not mocks (STYLE.md)",
	"unsafe":                      "no unsafe code in Hallmark",
}

// pureDirs are domain packages that must not do I/O (DESIGN.md: dependencies point inward).
var pureDirs = []string{"sbom"}

var ioImports = []string{"os", "net", "net/http", "os/exec", "database/sql"}

func TestImportsAndDocs(t *testing.T) {
	fset := token.NewFileSet()
	for dir, files := range goFiles(t) {
		hasDoc := false
		nonTest := 0
		for _, name := range files {
			f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly|parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			test := strings.HasSuffix(name, "_test.go")
			if !test {
				nonTest++
				if f.Doc != nil && strings.HasPrefix(f.Doc.Text(), "Package ") || f.Name.Name == "main" && f.Doc != nil {
					hasDoc = true
				}
			}
			for _, imp := range f.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				for denied, why := range deniedImports {
					if path == denied || strings.HasPrefix(path, denied+"/") {
						t.Errorf("%s imports %s: %s", name, path, why)
					}
				}
				if !test && slices.Contains(pureDirs, filepath.ToSlash(dir)) && slices.Contains(ioImports, path) {
					t.Errorf("%s: domain package imports %s; keep I/O out of it", name, path)
				}
			}
		}
		if nonTest > 0 && !hasDoc && filepath.Base(dir) != "hallmark" {
			t.Errorf("package in %s has no package doc comment (\"// Package x …\")", dir)
		}
	}
}

func TestVet(t *testing.T) {
	if testing.Short() {
		t.Skip("go vet skipped in -short mode")
	}
	out, err := exec.Command("go", "vet", "./...").CombinedOutput()
	if err != nil {
		t.Errorf("go vet: %v\n%s", err, out)
	}
}
