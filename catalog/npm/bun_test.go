package npm

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/catalog/catalogtest"
	"github.com/hallmark-dev/hallmark/sbom"
)

// project is what the naming tests compare of an application package.
type project struct {
	Name, Version, PURL string
	DependsOn           []string
}

// projects returns the application packages of a result by ID.
func projects(res *catalog.Result) map[string]project {
	out := map[string]project{}
	for _, p := range res.Packages {
		if p.Type == sbom.TypeApplication {
			out[p.ID] = project{p.Name, p.Version, p.PURL, p.DependsOn}
		}
	}
	return out
}

// TestBunNamelessWorkspaces checks that a bun.lock workspace without a name is named by its
// directory relative to the scanned target, as pnpm's importers are. testdata/bun-nameless
// is Bun's own lockfile of a private root without a name; Bun refuses a workspace member
// without one ("Missing \"name\" from package.json"), so that case is the same lockfile with
// the member's name taken out.
func TestBunNamelessWorkspaces(t *testing.T) {
	lock, err := os.ReadFile(filepath.Join("testdata", "bun-nameless", "bun.lock"))
	if err != nil {
		t.Fatal(err)
	}
	lib := project{"@fixture/lib", "0.2.0", "pkg:npm/%40fixture/lib@0.2.0", []string{"left-pad"}}
	rootDeps := []string{"ms", "workspace:packages/lib"}
	for _, tt := range []struct {
		name      string
		root, rel string // a file of testdata when root is set, else lock at rel
		lock      []byte
		want      map[string]project
	}{
		{"nameless root at the target's root", "testdata/bun-nameless", "bun.lock", nil, map[string]project{
			"workspace:.":            {".", "", "pkg:npm/.", rootDeps},
			"workspace:packages/lib": lib,
		}},
		{"nameless root in a directory", "testdata", "bun-nameless/bun.lock", nil, map[string]project{
			"workspace:.":            {"./bun-nameless", "", "pkg:npm/.%2Fbun-nameless", rootDeps},
			"workspace:packages/lib": lib,
		}},
		{"nameless member", "", "web/bun.lock", bytes.Replace(lock, []byte(`"name": "@fixture/lib",`), nil, 1), map[string]project{
			"workspace:.":            {"./web", "", "pkg:npm/.%2Fweb", rootDeps},
			"workspace:packages/lib": {"./web/packages/lib", "0.2.0", "pkg:npm/.%2Fweb%2Fpackages%2Flib@0.2.0", []string{"left-pad"}},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var res *catalog.Result
			var err error
			if tt.root != "" {
				res, err = catalogtest.Run(t, cataloger(t, "bun-lock"), tt.root, tt.rel)
			} else {
				if bytes.Equal(tt.lock, lock) {
					t.Fatal("the member's name was not taken out")
				}
				res, err = catalogtest.Bytes(t, cataloger(t, "bun-lock"), tt.rel, tt.lock)
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, projects(res)); diff != "" {
				t.Errorf("workspaces (-want +got):\n%s", diff)
			}
		})
	}
}
