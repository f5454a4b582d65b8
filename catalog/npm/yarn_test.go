package npm

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hallmark-dev/hallmark/catalog/catalogtest"
)

// TestYarnClassicNamelessRoot checks that the root project of a classic yarn.lock whose
// package.json has no name is named by its directory relative to the scanned target, as
// pnpm's importers are, and keeps its version; and that a workspace without a name is left
// out, as Yarn classic leaves it out of the lockfile ("Missing name in workspace at …,
// ignoring": testdata/yarn-v1-nameless/packages/tool, whose is-number is not locked).
func TestYarnClassicNamelessRoot(t *testing.T) {
	lib := project{"@fixture/lib", "0.2.0", "pkg:npm/%40fixture/lib@0.2.0", []string{"left-pad@1.3.0"}}
	rootDeps := []string{"ms@2.1.3", "workspace:packages/lib"}
	for _, tt := range []struct {
		root, rel string
		want      map[string]project
	}{
		{"testdata/yarn-v1-nameless", "yarn.lock", map[string]project{
			".":                      {".", "3.1.0", "pkg:npm/.@3.1.0", rootDeps},
			"workspace:packages/lib": lib,
		}},
		{"testdata", "yarn-v1-nameless/yarn.lock", map[string]project{
			".":                      {"./yarn-v1-nameless", "3.1.0", "pkg:npm/.%2Fyarn-v1-nameless@3.1.0", rootDeps},
			"workspace:packages/lib": lib,
		}},
	} {
		t.Run(tt.rel, func(t *testing.T) {
			res, err := catalogtest.Run(t, cataloger(t, "yarn-lock"), tt.root, tt.rel)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, projects(res)); diff != "" {
				t.Errorf("projects (-want +got):\n%s", diff)
			}
		})
	}
}

// TestYarnBerryNamelessRoot checks that a Berry workspace whose package.json has no name,
// which Yarn records as "root-workspace-0b6124@workspace:." (a name that reads like a registry
// package), is named by its directory relative to the scanned target, as pnpm's importers are.
// testdata/yarn-berry-nameless was locked by Yarn 4 (see testdata/SOURCES.md).
func TestYarnBerryNamelessRoot(t *testing.T) {
	lib := project{"@fixture/lib", "0.2.0", "pkg:npm/%40fixture/lib@0.2.0", []string{"left-pad@npm:1.3.0"}}
	for _, tt := range []struct {
		root, rel, name, purl string
	}{
		{"testdata/yarn-berry-nameless", "yarn.lock", ".", "pkg:npm/.@3.1.0"},
		{"testdata", "yarn-berry-nameless/yarn.lock", "./yarn-berry-nameless", "pkg:npm/.%2Fyarn-berry-nameless@3.1.0"},
	} {
		t.Run(tt.rel, func(t *testing.T) {
			res, err := catalogtest.Run(t, cataloger(t, "yarn-lock"), tt.root, tt.rel)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]project{
				"workspace:.":            {tt.name, "3.1.0", tt.purl, []string{"ms@npm:2.1.3", "workspace:packages/lib"}},
				"workspace:packages/lib": lib,
			}
			if diff := cmp.Diff(want, projects(res)); diff != "" {
				t.Errorf("projects (-want +got):\n%s", diff)
			}
		})
	}
}
